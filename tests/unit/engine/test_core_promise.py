"""The core promise in numbers (docs/perps.md prints the figures; run with -s to see them).

1. Hedge: 7,000 USDC backing a 10 ETH long and a 0.5 BTC short (30,000 USD each). In one
   cross account the pair offsets: after a correlated +10 % move the account stays far
   from liquidation. Split into two buckets of 3,500 USDC each (same positions, same total
   collateral), the losing leg's bucket is liquidatable after the same move.
2. Bulkheads: an ETH crash makes only the bucket holding the ETH long liquidatable; the
   owner's BTC bucket and cross account are unchanged to the wei.
"""

from __future__ import annotations

import pytest
from engine_defaults import CROSS, ISOLATED, WAD, wad
from engine_model import check_against_model, model_of


def _row(name, h) -> str:
    hf = "max" if h.health_factor >= 2**255 else f"{h.health_factor / WAD:.3f}"
    return (
        f"| {name} | {h.pnl / WAD:,.2f} | {h.equity_maint / WAD:,.2f} | {h.maint_req / WAD:,.2f} "
        f"| {hf} | {'yes' if h.liquidatable else 'no'} |"
    )


def _print(title, rows) -> None:
    print(
        f"\n{title}\n| account | PnL incl. funding | equity_maint | maint_req | health | liquidatable |"
    )
    print("|---|---|---|---|---|---|")
    for name, h in rows:
        print(_row(name, h))


@pytest.fixture
def hedge(system, trader, funded_account, trade):
    cross = funded_account(trader, CROSS, USDC=7_000)
    trade(trader, cross, "ETH", "10")
    trade(trader, cross, "BTC", "-0.5")
    eth_bucket = funded_account(trader, ISOLATED, USDC=3_500)
    trade(trader, eth_bucket, "ETH", "10")
    btc_bucket = funded_account(trader, ISOLATED, USDC=3_500)
    trade(trader, btc_bucket, "BTC", "-0.5")
    return cross, eth_bucket, btc_bucket


def test_hedged_pair__cross_survives_what_splits_the_buckets(system, set_price, hedge):
    engine = system.engine
    cross, eth_bucket, btc_bucket = hedge
    assert engine.collateral_of(cross, system.quote) == (
        engine.collateral_of(eth_bucket, system.quote)
        + engine.collateral_of(btc_bucket, system.quote)
    )  # the same total collateral (after the same fees)
    before = [
        (n, engine.account_health(a))
        for n, a in zip(("cross", "ETH bucket", "BTC bucket"), hedge)
    ]
    assert not any(h.liquidatable for _, h in before)
    # A correlated move: ETH and BTC both +10 %.
    set_price("WETH", "3300")
    set_price("WBTC", "66000")
    after = [
        (n, engine.account_health(a))
        for n, a in zip(("cross", "ETH bucket", "BTC bucket"), hedge)
    ]
    _print("Before the move (ETH 3,000, BTC 60,000):", before)
    _print("After ETH and BTC both +10 % (ETH 3,300, BTC 66,000):", after)
    h_cross, h_eth, h_btc = (h for _, h in after)
    assert not h_cross.liquidatable and h_cross.health_factor > 3 * WAD // 2
    assert h_btc.liquidatable and engine.is_liquidatable(btc_bucket)
    assert not h_eth.liquidatable
    # The cross account's PnL nets the legs; the buckets carry them separately (the same
    # legs up to the skew impact of the later fills and their funding: under 1 USD).
    assert abs(h_cross.pnl - (h_eth.pnl + h_btc.pnl)) < WAD
    # maint_req is 5 % of each leg's notional at the new prices.
    assert h_cross.maint_req == wad("3300") // 2 + wad("3300") // 2
    for account in hedge:
        check_against_model(engine.account_health(account), model_of(system, account))


def test_crash__sinks_only_its_bucket(system, trader, funded_account, trade, set_price):
    """The owner: an ETH-long bucket, a BTC-short bucket, and a cross account long BTC
    (so BTC is balanced and accrues no funding). ETH −30 %: only the ETH bucket sinks."""
    engine = system.engine
    eth_bucket = funded_account(trader, ISOLATED, USDC=4_000)
    trade(trader, eth_bucket, "ETH", "10")
    btc_bucket = funded_account(trader, ISOLATED, USDC=4_000)
    trade(trader, btc_bucket, "BTC", "-0.5")
    cross = funded_account(trader, CROSS, USDC=4_000, WETH=1)
    trade(trader, cross, "BTC", "0.5")
    state = system.registry.market_state(2)
    assert state.long_size == state.short_size  # no BTC funding
    others = {a: engine.account_health(a) for a in (btc_bucket, cross)}
    before = engine.account_health(eth_bucket)
    set_price("WETH", "2100")
    after = engine.account_health(eth_bucket)
    _print(
        "ETH −30 % (3,000 → 2,100):",
        [("ETH bucket before", before), ("ETH bucket after", after)]
        + [
            (n, engine.account_health(a))
            for n, a in (
                ("BTC bucket", btc_bucket),
                ("cross (BTC long + 1 WETH)", cross),
            )
        ],
    )
    assert not before.liquidatable and after.liquidatable
    # The cross account holds WETH as collateral, so its collateral value moved; its BTC
    # position and everything else did not. The BTC bucket is unchanged to the wei.
    assert engine.account_health(btc_bucket) == others[btc_bucket]
    h_cross = engine.account_health(cross)
    assert (h_cross.pnl, h_cross.maint_req, h_cross.debt) == (
        others[cross].pnl,
        others[cross].maint_req,
        others[cross].debt,
    )
    assert not h_cross.liquidatable and not engine.is_liquidatable(btc_bucket)
