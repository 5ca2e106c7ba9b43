"""Attack V-04 (issue 16): an LP redeems ahead of a known write-off.

The attack. A trader's quote-only bucket (400 USDC, 1 ETH long) falls below zero equity
(ETH 3,000 -> 2,500) and its owner closes: the loss above the collateral became settlement
debt with nothing behind it. That debt stayed in the vault's totalAssets until someone
liquidated the account, and the liquidation of a collateral-less debt paid its caller
nothing (F3), so the window could stay open for ever. Every LP who watched the chain could
redeem at the old share price and leave the write-off to the LPs who stayed.

The defence (docs/liquidation.md, Write-off; module `settlement._write_off_unbacked`). A
trade that closes an account's last position and leaves debt that no collateral backs
(no token, no quote, no claim) writes that debt off in the same transaction: the loss is
recognised when it is realised, reserve first, then the LPs. The liquidation's step 4 runs
the same function. What remains is the window every pooled lender has (Aave, Morpho Blue):
an account whose equity is below zero with its positions or collateral still there; its
liquidation pays the caller (fee and seize bonus) and writes off in that call.

Asserted, with value: the close's receipt carries the write-off, the books keep no debt
for the account, the LPs' loss is exactly the write-off's LP part, and an LP who redeems in
the next block gets the share price after the loss (pro rata with the LPs who stay). The
twins: with a WETH balance left the debt is backed (no write-off, the account is
liquidatable and the liquidator is paid); a cross account that closes one of two positions
keeps its debt until the other is closed.
"""

from __future__ import annotations

import pytest
from attack_helpers import (
    account,
    close,
    events_of,
    fund,
    losing_bucket,
    lp_deposit,
    report,
    set_price,
    trade,
)
from engine_defaults import CROSS, MAX_UINT256, WAD

pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")


@pytest.fixture(scope="module")
def v04_env(attack_env, attack_clock, lp2, liquidator):
    attack_clock(attack_env)
    fund(attack_env, liquidator, "USDC", 10_000)
    lp_deposit(attack_env, lp2, 100_000 * 10**6)
    return attack_env


def test_close_below_zero_equity__writes_off_in_the_same_transaction(
    v04_env, owner, trader, lp, lp2
):
    env = v04_env
    engine, vault = env.engine, env.vault
    bucket = losing_bucket(env, owner, trader)
    held = engine.collateral_of(bucket, env.quote)
    debt_shares_before = vault.total_debt_shares()
    reserve_before = vault.reserve(block_id="pending")

    receipt = close(env, trader, bucket, "ETH")

    [settled] = receipt.events.filter(engine.PnlSettled)
    assert settled.from_collateral == held
    assert settled.debt_shares_minted > 0
    [engine_written] = receipt.events.filter(engine.BadDebtWrittenOff)
    [written] = events_of(receipt, vault, "BadDebtWrittenOff")
    assert engine_written.account_id == bucket
    assert (
        engine_written.debt_shares == settled.debt_shares_minted == written.debt_shares
    )
    assert engine_written.assets == written.assets
    # The loss above the collateral, to the quote unit: amount = -(collateral + rest).
    rest = -settled.amount - settled.from_collateral
    assert rest - 1 <= written.assets <= rest + 1
    # Reserve first (it also got the close fee's cut), then the LPs.
    assert written.from_reserve > reserve_before
    assert written.from_reserve == written.assets or vault.reserve() == 0
    assert written.from_lps == written.assets - written.from_reserve
    # Nothing is left for anyone to clear.
    assert engine.debt_shares_of(bucket) == 0 and engine.debt_of(bucket) == 0
    assert vault.total_debt_shares() == debt_shares_before
    assert not engine.is_active(bucket)
    assert not engine.is_liquidatable(bucket)
    assert bucket not in [c.account_id for c in env.lens.liquidatable(0, 100)]
    report(
        "V-04 close write-off",
        written=written.assets,
        from_lps=written.from_lps,
        gas=receipt.gas_used,
    )

    # An LP who redeems in the next block gets the price after the loss: the same price per
    # share as the LP who stays (rounded down by at most one unit per share conversion).
    shares2 = vault.balanceOf(lp2)
    staying = vault.previewRedeem(vault.balanceOf(lp), block_id="pending")
    got = vault.redeem(shares2, lp2, lp2, sender=lp2).return_value
    assert got * vault.balanceOf(lp) // shares2 <= staying + 1
    assert staying * shares2 // vault.balanceOf(lp) <= got + 1


def test_close_with_a_token_left__keeps_the_debt_backed_and_liquidatable(
    v04_env, owner, trader, liquidator
):
    """The twin: 0.02 WETH (50 USD) stays in the bucket, so the debt (about 100 USDC) is
    partly backed: no write-off at the close; the liquidator who clears it is paid the
    seize bonus, and the liquidation writes off the rest in the same call."""
    env = v04_env
    engine = env.engine
    bucket = losing_bucket(env, owner, trader, WETH="0.02")
    receipt = close(env, trader, bucket, "ETH")
    assert list(receipt.events.filter(engine.BadDebtWrittenOff)) == []
    debt = engine.debt_of(bucket)
    assert debt > 0 and engine.is_liquidatable(bucket)
    result = engine.liquidate(
        bucket, MAX_UINT256, env.tokens["WETH"], 0, liquidator, sender=liquidator
    )
    repaid, seized, _ = result.return_value
    assert seized == 2 * 10**16 and repaid > 0
    [written] = result.events.filter(engine.BadDebtWrittenOff)
    assert written.account_id == bucket and engine.debt_of(bucket) == 0
    # The seize bonus: what the liquidator receives is worth more than it repaid.
    assert seized * 2500 * 10**6 // WAD > repaid


def test_cross_close_of_one_of_two__keeps_the_debt_until_the_last_closes(
    v04_env, owner, trader
):
    """The twin in a cross account: the ETH long's loss exceeds the quote while a BTC long
    stays open; the debt is not a loss yet (the position is the account's), so nothing is
    written off until the last position closes."""
    env = v04_env
    engine = env.engine
    cross = account(env, trader, CROSS, USDC=1_000)
    trade(env, trader, cross, "ETH", "2")
    trade(env, trader, cross, "BTC", "0.001")
    set_price(env, owner, "WETH", "2400")
    first = close(env, trader, cross, "ETH")
    assert list(first.events.filter(engine.BadDebtWrittenOff)) == []
    assert engine.debt_of(cross) > 0
    last = close(env, trader, cross, "BTC")
    [written] = last.events.filter(engine.BadDebtWrittenOff)
    assert written.account_id == cross
    assert engine.debt_of(cross) == 0 and not engine.is_active(cross)
