"""Attack: an LP exit (or a reserve withdrawal) that leaves open interest unbacked (V-01).

The attack. The open-interest bound (side OI ≤ oi_share × vault assets) used to be checked
only when a position opened. After a trader opened the most the vault allowed, one LP's
redeem left open interest at 195.7× the vault's assets (configured 0.5×): the next price
move was paid by whatever was left.

The defence (docs/vault.md, Exit room). The registry's marks report the assets the open
interest needs (max over markets and sides of side OI × price / oi_share, rounded up); LP
`withdraw`/`redeem` and the owner's `withdraw_reserve` never take totalAssets below it
("vault: open interest needs assets"), and `maxWithdraw`/`maxRedeem` say exactly that much.
Where a price move already took open interest past the bound, no exit is allowed at all.

Asserted: the attack's exit reverts with its reason and moves nothing; the twin (the exit
the views allow) pays exactly the previewed amount and leaves the bound holding; after
the trader closes, the LP takes everything and the value adds up: what the LP gained is
what the trader lost minus the reserve's cut.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import account, close, set_price, trade
from engine_defaults import CROSS, WAD, wad

pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

REASON = "vault: open interest needs assets"


def needed_for(env, long_size: int, price: int) -> int:
    """ceil(ceil(size × price / WAD) × WAD / oi_share) USD → quote units (quote at 1 USD)."""
    share = env.registry.market(env.markets["ETH"]).params.oi_share
    usd = -(-long_size * price // WAD)
    usd = -(-usd * WAD // share)
    return -(-usd * env.q // WAD)


@pytest.fixture
def full_book(attack_env, attack_clock, trader):
    """A trader long 160 ETH at 3,000 (480,000 USD of the 500,000 the 1,000,000 vault
    allows at oi_share 0.5): the open interest needs 960,000."""
    env = attack_env
    attack_clock(env)
    acct = account(env, trader, CROSS, USDC=100_000)
    trade(env, trader, acct, "ETH", "160")
    return env, acct


def test_lp_exit__beyond_oi_need__reverts_twin_exits_to_the_bound(full_book, lp):
    env, _ = full_book
    vault = env.vault
    marks = env.engine.vault_marks(block_id="pending")
    assert marks[4] == needed_for(env, wad(160), wad(3000)) == 960_000 * env.q
    total = vault.totalAssets(block_id="pending")
    room = total - marks[4]  # figures of the block the next transaction lands in
    assert 0 < room < 50_000 * env.q
    assert vault.maxWithdraw(lp, block_id="pending") == room
    shares = vault.balanceOf(lp)
    assert vault.maxRedeem(lp) < shares

    # The attack: the LP takes half the vault out from under the open interest (cash
    # would pay it: free cash is not what binds).
    cash = vault.cash()
    assert vault.previewRedeem(shares // 2) < vault.free_cash()
    with ape.reverts(REASON):
        vault.redeem(shares // 2, lp, lp, sender=lp)
    with ape.reverts(
        REASON
    ):  # 1 USDC beyond (the funding the longs pay per block is ~0.01)
        vault.withdraw(room + env.q, lp, lp, sender=lp)
    assert (vault.balanceOf(lp), vault.cash()) == (shares, cash)

    # The twin: the exit the view allows goes through, paying exactly its preview.
    allowed = vault.maxRedeem(lp, block_id="pending")
    preview = vault.previewRedeem(allowed, block_id="pending")
    room = vault.totalAssets(block_id="pending") - marks[4]  # funding grew it a little
    wallet = env.quote.balanceOf(lp)
    paid = vault.redeem(allowed, lp, lp, sender=lp).return_value
    assert paid == preview <= room
    assert env.quote.balanceOf(lp) - wallet == paid
    assert vault.balanceOf(lp) == shares - allowed
    # The bound holds after the exit: side OI ≤ oi_share × totalAssets.
    side_usd = wad(160) * 3000
    share = env.registry.market(env.markets["ETH"]).params.oi_share
    assert side_usd * WAD <= share * vault.totalAssets() * WAD // env.q
    assert vault.maxWithdraw(lp) < 2  # at most the rounding left over


def test_lp_exit__price_move_past_the_bound__no_exit_at_all(full_book, lp, owner):
    env, _ = full_book
    vault = env.vault
    set_price(
        env, owner, "WETH", "3600"
    )  # +20 %: the traders' gain leaves the vault short
    marks = env.engine.vault_marks()
    assert marks[4] == needed_for(env, wad(160), wad(3600))
    assert vault.totalAssets() < marks[4]
    assert (vault.maxWithdraw(lp), vault.maxRedeem(lp)) == (0, 0)
    with ape.reverts(REASON):
        vault.withdraw(1, lp, lp, sender=lp)
    # The twin: back at 3,000 the LP may leave down to the bound again.
    set_price(env, owner, "WETH", "3000")
    assert vault.maxWithdraw(lp, block_id="pending") > 0
    vault.withdraw(vault.maxWithdraw(lp, block_id="pending"), lp, lp, sender=lp)


def test_withdraw_reserve__beyond_oi_need__reverts_twin_after_close(
    full_book, lp, owner, trader
):
    env, acct = full_book
    vault = env.vault
    reserve = vault.reserve()
    assert reserve > 0  # the reserve's cut of the trading fee
    vault.redeem(
        vault.maxRedeem(lp, block_id="pending"), lp, lp, sender=lp
    )  # down to the bound
    assert vault.totalAssets() - env.engine.vault_marks()[4] < reserve
    with ape.reverts(REASON):
        vault.withdraw_reserve(reserve, owner, sender=owner)
    assert vault.reserve() == reserve

    # The twin: once the trader closes, the open interest needs nothing.
    close(env, trader, acct, "ETH")
    assert env.engine.vault_marks()[4] == 0
    reserve = vault.reserve()
    wallet = env.quote.balanceOf(owner)
    vault.withdraw_reserve(reserve, owner, sender=owner)
    assert env.quote.balanceOf(owner) - wallet == reserve
    assert vault.reserve() == 0


def test_lp_exit__after_close__everything_and_value_adds_up(full_book, lp, trader):
    env, acct = full_book
    vault, q = env.vault, env.q
    deposited = 1_000_000 * q
    collateral = 100_000 * q
    first = vault.redeem(
        vault.maxRedeem(lp, block_id="pending"), lp, lp, sender=lp
    ).return_value
    close(env, trader, acct, "ETH")
    assert env.engine.positions_of(acct) == []
    shares = vault.balanceOf(lp)
    assert vault.maxRedeem(lp, block_id="pending") == shares
    rest = vault.redeem(shares, lp, lp, sender=lp).return_value
    trader_loss = collateral - env.engine.collateral_of(acct, env.quote)
    lp_gain = first + rest - deposited
    # Zero-sum: the LP's gain is the trader's loss (spread and fees) minus the reserve's
    # cut, up to the virtual share's rounding (at most a few units).
    assert trader_loss > 0
    assert 0 <= trader_loss - vault.reserve() - lp_gain <= 2
