"""Attack: the `max*` views promise more than the actions accept (V-09).

The attack. An integrator (a router, a vault of vaults) calls `redeem(maxRedeem(x))`
and reverts: the view and the action disagreed, so LP exits through any ERC-4626
integration could be blocked even where DESIGN says exits are open.

The defence (docs/vault.md, The max* views). Each view is computed from the same books as
its action, with the same bounds (free cash, the assets the open interest needs, the
marks): `redeem(maxRedeem(x))` and `withdraw(maxWithdraw(x))` succeed in the state the
view was read in, including after time passes (interest and funding accrue: the view
read then is again exact). Beyond the view, the action reverts with the bound's reason.

Asserted, with the FlashLp harness reading the view and acting in ONE transaction (the
same state): with free cash binding and with the open-interest room binding, at once and
after 30 days; one unit beyond the view reverts with the binding rule's reason.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import account, trade
from engine_defaults import CROSS, ISOLATED

pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

DAYS_30 = 30 * 86_400


@pytest.fixture
def bot_lp(attack_env, attack_clock, project, attacker):
    """A FlashLp holding 300,000 of LP shares."""
    env = attack_env
    attack_clock(env)
    bot = project.FlashLp.deploy(env.vault, env.engine, sender=attacker)
    env.quote.mint(bot, 300_000 * env.q, sender=attacker)
    bot.deposit(300_000 * env.q, sender=attacker)
    return env, bot


def publish(env, chain, owner, seconds: int) -> None:
    chain.pending_timestamp = chain.blocks.head.timestamp + seconds
    for feed in env.feeds.values():
        feed.set_answer(feed.latestRoundData()[1], sender=owner)


def test_max_views__free_cash_binding__exact_now_and_after_interest(
    bot_lp, chain, owner, attacker, liquidator
):
    env, bot = bot_lp
    vault, q = env.vault, env.q
    borrower = account(env, liquidator, ISOLATED, WBTC=30)
    env.engine.borrow(borrower, 1_150_000 * q, liquidator, sender=liquidator)
    free = vault.free_cash()
    assert free < vault.previewRedeem(vault.balanceOf(bot))  # free cash binds
    with ape.reverts("vault: exceeds free cash"):
        bot.withdraw(free + 1, sender=attacker)
    assets, _shares = bot.withdraw_max(sender=attacker).return_value
    assert assets == free
    assert vault.free_cash() == 0

    # 30 days of interest later: the repayment frees cash again, the views stay exact.
    publish(env, chain, owner, DAYS_30)
    env.quote.mint(liquidator, 200_000 * q, sender=liquidator)
    env.quote.approve(env.engine, 2**256 - 1, sender=liquidator)
    env.engine.repay(borrower, 100_000 * q, sender=liquidator)
    assert 0 < vault.free_cash() < vault.previewRedeem(vault.balanceOf(bot))
    shares, paid = bot.redeem_max(sender=attacker).return_value
    assert shares > 0 and paid <= 100_000 * q
    with ape.reverts("vault: exceeds free cash"):
        bot.withdraw(vault.maxWithdraw(bot, block_id="pending") + 1, sender=attacker)


def test_max_views__oi_room_binding__exact_now_and_after_funding(
    bot_lp, chain, owner, attacker, trader
):
    env, bot = bot_lp
    vault = env.vault
    acct = account(env, trader, CROSS, USDC=150_000)
    trade(env, trader, acct, "ETH", "210")  # 630,000 USD of the 650,000 allowed
    room = (
        vault.totalAssets(block_id="pending")
        - env.engine.vault_marks(block_id="pending")[4]
    )
    assert 0 < room < vault.free_cash()
    assets, _ = bot.withdraw_max(sender=attacker).return_value
    assert assets == room  # the room binds, and the view said exactly that

    publish(env, chain, owner, DAYS_30)  # the longs pay funding: the room grows
    shares, paid = bot.redeem_max(sender=attacker).return_value
    assert shares > 0 and paid > 0
    with ape.reverts("vault: open interest needs assets"):
        bot.withdraw(vault.maxWithdraw(bot, block_id="pending") + 1, sender=attacker)
