"""Attack: a flash LP deposit that backs a position, then leaves (V-01, atomic variant).

The attack. In one transaction a contract deposits 9,000,000 as LP, opens 1,600 ETH
(4,800,000 USD: within oi_share 0.5 of a 10,000,000 vault), and redeems its 9,000,000.
The position stays open against the one honest LP's 1,000,000: a +20 % ETH move then took
that LP from 1,000,000 to 64,985.

The defence (docs/vault.md, Exit room and fresh deposits). `book_assets()`, which the
registry's open-interest cap reads, excludes the assets deposited in the current block, so
the open reverts ("registry: open interest above oi share"). A deposit made earlier does
back open interest, but then it cannot leave from under it: exits keep the assets the
open interest needs ("vault: open interest needs assets").

Asserted: the atomic attack reverts with its reason and moves nothing; the twin (deposit,
then open in a later block) opens, and the depositor's capital then stays in: the honest
LP carries only its pro-rata part of a +20 % move instead of all of it.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import set_price
from engine_defaults import wad

pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")


@pytest.fixture
def flash_lp(attack_env, attack_clock, project, attacker):
    """The attacker's FlashLp contract: 9,000,000 to deposit and a cross account with
    700,000 of quote collateral."""
    env = attack_env
    attack_clock(env)
    bot = project.FlashLp.deploy(env.vault, env.engine, sender=attacker)
    env.quote.mint(bot, 9_700_000 * env.q, sender=attacker)
    bot.open_account(700_000 * env.q, sender=attacker)
    return env, bot


def test_flash_lp__deposit_open_redeem_in_one_tx__reverts(flash_lp, attacker, lp):
    env, bot = flash_lp
    vault = env.vault
    before = (vault.totalSupply(), vault.cash(), env.quote.balanceOf(bot))
    with ape.reverts("registry: open interest above oi share"):
        bot.flash(9_000_000 * env.q, env.markets["ETH"], wad(1_600), sender=attacker)
    assert (vault.totalSupply(), vault.cash(), env.quote.balanceOf(bot)) == before
    assert env.engine.positions_of(bot.account_id()) == []
    # Without the position, the same deposit-and-redeem is an ordinary round trip.
    paid = bot.flash(9_000_000 * env.q, env.markets["ETH"], 0, sender=attacker)
    assert paid.return_value <= 9_000_000 * env.q


def test_flash_lp__deposit_then_open_later__capital_stays_in(
    flash_lp, attacker, lp, owner
):
    env, bot = flash_lp
    vault, q = env.vault, env.q
    bot.deposit(9_000_000 * q, sender=attacker)
    bot.trade(env.markets["ETH"], wad(1_600), sender=attacker)  # a later block: backed
    needed = env.engine.vault_marks()[4]
    assert needed == 9_600_000 * q
    shares = vault.balanceOf(bot)
    with ape.reverts("vault: open interest needs assets"):
        bot.redeem_all(sender=attacker)
    assert vault.balanceOf(bot) == shares
    assert vault.maxWithdraw(bot) == vault.totalAssets() - needed

    # A +20 % move: the honest LP carries only its share of the traders' gain.
    lp_before = vault.convertToAssets(vault.balanceOf(lp))
    total_before = vault.totalAssets()
    set_price(env, owner, "WETH", "3600")
    lp_after = vault.convertToAssets(vault.balanceOf(lp))
    loss = total_before - vault.totalAssets()
    assert loss > 900_000 * q  # 1,600 ETH × 600 USD, less funding and spread
    pro_rata = loss * vault.balanceOf(lp) // vault.totalSupply()
    assert abs((lp_before - lp_after) - pro_rata) <= 2
    assert lp_after > 900_000 * q  # not 64,985
