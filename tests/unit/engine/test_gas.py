"""Gas scenarios of the engine (receipt gas, intrinsic included) at pinned block times.

Every scenario starts from the same steady state: fresh prices at GAS_T0 and one unrelated
borrower already in the vault (so the vault's interest clock runs, as in production); the
perp scenarios also find open interest in every market. The measured transaction is each
account's first of its kind, so its storage writes are the expensive zero-to-non-zero ones
a new user pays (`open_isolated`: a trader who already has an account opens a new bucket).
"""

from __future__ import annotations

import pytest
from engine_defaults import CROSS, ISOLATED, MAX_UINT256

pytestmark = [
    pytest.mark.gas,
    pytest.mark.usefixtures("system", "fund", "funded_account", "trade"),
]


# Pinned times (offsets from GAS_T0): the steady state at 0 .. 202, every measured account
# from 1,000 on. Transactions in between run at anvil's own clock (the pin + wall time), so
# every transaction that accrues interest or funding is pinned, with gaps wide enough for
# a slow run: the gas is then the same on every run.
MEASURE = 1_000


@pytest.fixture
def steady(system, pin_time, owner, trader2, funded_account):
    """GAS_T0: every feed republished; at +100 trader2 borrows 10,000 USDC against 10 WETH."""
    pin_time(0)
    for feed in system.feeds.values():
        feed.set_answer(feed.latestRoundData()[1], sender=owner)
    background = funded_account(trader2, CROSS, WETH=10)
    pin_time(100)
    system.engine.borrow(background, 10_000 * system.q, trader2, sender=trader2)
    return system


def test_gas__open_bucket_deposit_borrow(steady, pin_time, trader, fund, gas):
    engine, weth = steady.engine, steady.tokens["WETH"]
    amount = fund(trader, "WETH", 1)
    pin_time(MEASURE)
    opened = engine.open_account(ISOLATED, sender=trader)
    account = opened.return_value
    pin_time(MEASURE + 1)
    deposited = engine.deposit_collateral(account, weth, amount, sender=trader)
    pin_time(MEASURE + 2)
    borrowed = engine.borrow(account, 1_000 * steady.q, trader, sender=trader)
    assert engine.debt_of(account) >= 1_000 * steady.q
    gas.record("engine: open bucket + deposit + borrow (open_account)", opened)
    gas.record("engine: open bucket + deposit + borrow (deposit_collateral)", deposited)
    gas.record("engine: open bucket + deposit + borrow (borrow)", borrowed)


def test_gas__cross_borrow_one_collateral(
    steady, pin_time, trader, funded_account, gas
):
    account = funded_account(trader, CROSS, WETH=1)
    pin_time(MEASURE)
    receipt = steady.engine.borrow(account, 1_000 * steady.q, trader, sender=trader)
    assert steady.engine.collaterals_of(account) == [steady.tokens["WETH"]]
    gas.record("engine: cross borrow, 1 collateral", receipt)


def test_gas__cross_borrow_max_collaterals(
    steady, pin_time, trader, funded_account, gas
):
    engine = steady.engine
    account = funded_account(
        trader, CROSS, WETH=1, WBTC="0.05", MEME=1_000, LINK=10, UNI=10
    )
    assert len(engine.collaterals_of(account)) == engine.MAX_COLLATERALS()
    pin_time(MEASURE)
    receipt = engine.borrow(account, 1_000 * steady.q, trader, sender=trader)
    gas.record("engine: cross borrow, MAX_COLLATERALS collaterals", receipt)


def test_gas__repay(steady, pin_time, trader, fund, funded_account, gas):
    engine = steady.engine
    account = funded_account(trader, CROSS, WETH=1)
    pin_time(MEASURE)
    engine.borrow(account, 1_000 * steady.q, trader, sender=trader)
    fund(trader, "USDC", 1_000)
    pin_time(MEASURE + 86_400)
    receipt = engine.repay(account, MAX_UINT256, sender=trader)
    assert engine.debt_of(account) == 0
    gas.record("engine: repay", receipt)


# ---- perps ----------------------------------------------------------------------------
@pytest.fixture
def perp_steady(steady, pin_time, trader2, funded_account, trade):
    """`steady`, plus open interest in every market (trader2's cross account, at pinned
    times 200, 201, 202), so a measured trade finds non-empty market words, as on a live
    deployment."""
    background = funded_account(trader2, CROSS, USDC=100_000)
    for offset, (market, size) in enumerate(
        (("ETH", "-1"), ("BTC", "-0.05"), ("MEME", "-1000"))
    ):
        pin_time(200 + offset)
        trade(trader2, background, market, size)
    return steady


def list_live_markets(system, owner, pin_time, maker, count: int) -> list[int]:
    """List `count` copies of ETH (priced by WETH) and return their ids. Like ETH, BTC and
    MEME in `perp_steady`, each new market gets open interest (a 0.01 short from `maker`,
    an account of trader2, at pinned times 300 ..), so the measured call finds its
    market words non-empty and its funding running, as on a live deployment, instead of
    paying each market's first zero-to-non-zero writes."""
    engine, registry = system.engine, system.registry
    params = tuple(registry.market(1).params)
    trader2, account = maker
    ids = []
    for n in range(count):
        market_id = registry.list_market(
            system.tokens["WETH"], params, sender=owner
        ).return_value
        pin_time(300 + n)
        engine.modify_position(account, market_id, -(10**16), 0, sender=trader2)
        ids.append(market_id)
    return ids


def test_gas__open_isolated(perp_steady, pin_time, trader, fund, gas):
    """A trader who already has an account opens a new bucket with 1,000 USDC and a
    0.5 ETH long in one call."""
    engine = perp_steady.engine
    engine.open_account(CROSS, sender=trader)
    amount = fund(trader, "USDC", 1_000)
    pin_time(MEASURE)
    receipt = engine.open_isolated(
        trader, perp_steady.quote, amount, 1, 5 * 10**17, MAX_UINT256, sender=trader
    )
    assert engine.position_of(receipt.return_value, 1).size == 5 * 10**17
    gas.record("engine: open_isolated", receipt)


def test_gas__increase_and_close(
    perp_steady, pin_time, trader, funded_account, trade, gas
):
    engine = perp_steady.engine
    account = funded_account(trader, ISOLATED, USDC=5_000)
    pin_time(MEASURE)
    trade(trader, account, "ETH", "1")
    pin_time(MEASURE + 3_600)
    increased = engine.modify_position(
        account, 1, 5 * 10**17, MAX_UINT256, sender=trader
    )
    pin_time(MEASURE + 7_200)
    closed = engine.close_position(account, 1, 0, sender=trader)
    assert engine.position_of(account, 1).size == 0
    gas.record("engine: increase position", increased)
    gas.record("engine: close position", closed)


def test_gas__cross_open_with_max_positions_held(
    perp_steady, owner, pin_time, trader, trader2, funded_account, gas
):
    """A cross account holding MAX_POSITIONS - 1 positions opens its last one: the health
    check prices every market it holds."""
    engine = perp_steady.engine
    maker = (trader2, funded_account(trader2, CROSS, USDC=10_000))
    ids = list(perp_steady.registry.markets())
    ids += list_live_markets(
        perp_steady, owner, pin_time, maker, engine.MAX_POSITIONS() - len(ids)
    )
    account = funded_account(trader, CROSS, USDC=100_000)
    for offset, market_id in enumerate(ids[:-1]):
        size = 10**21 if market_id == 3 else 10**16  # MEME in whole tokens
        pin_time(MEASURE + offset)
        engine.modify_position(account, market_id, size, MAX_UINT256, sender=trader)
    pin_time(MEASURE + 60)
    receipt = engine.modify_position(
        account, ids[-1], 10**16, MAX_UINT256, sender=trader
    )
    assert len(engine.positions_of(account)) == engine.MAX_POSITIONS()
    gas.record("engine: cross open with MAX_POSITIONS-1 positions held", receipt)


# ---- liquidation ----------------------------------------------------------------------
def test_gas__liquidate_bucket_fully(
    perp_steady, pin_time, owner, trader, liquidator, fund, gas
):
    """A bucket with one position (10 ETH long), one non-quote collateral (2 WETH) and debt
    (1,000 USDC): one call closes the position, repays all the debt and seizes WETH."""
    engine, weth = perp_steady.engine, perp_steady.tokens["WETH"]
    fund(trader, "WETH", 2)
    pin_time(MEASURE)
    bucket = engine.open_isolated(
        trader, weth, 2 * 10**18, 1, 10 * 10**18, MAX_UINT256, sender=trader
    ).return_value
    pin_time(MEASURE + 1)
    engine.borrow(bucket, 1_000 * perp_steady.q, trader, sender=trader)
    fund(liquidator, "USDC", 100_000)
    perp_steady.feeds["WETH"].set_answer(2_680 * 10**8, sender=owner)
    pin_time(MEASURE + 60)
    receipt = engine.liquidate(
        bucket, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    )
    repaid, seized, fee = receipt.return_value
    assert repaid > 0 and seized > 0 and fee > 0
    assert engine.positions_of(bucket) == [] and engine.debt_of(bucket) == 0
    assert 0 < engine.collateral_of(bucket, weth) < 2 * 10**18  # no write-off needed
    gas.record("engine: liquidate bucket (1 position, WETH, debt) fully", receipt)


def test_gas__liquidate_cross_at_caps(
    perp_steady, pin_time, owner, trader, trader2, liquidator, fund, funded_account, gas
):
    """A cross account at its caps (MAX_COLLATERALS tokens, MAX_POSITIONS longs priced by
    WETH) after a WETH drop: one call closes every position and seizes one token."""
    engine = perp_steady.engine
    weth = perp_steady.tokens["WETH"]
    maker = (trader2, funded_account(trader2, CROSS, USDC=10_000))
    ids = [1] + list_live_markets(
        perp_steady, owner, pin_time, maker, engine.MAX_POSITIONS() - 1
    )
    account = funded_account(
        trader, CROSS, USDC=1_000, WETH=2, WBTC="0.05", MEME=1_000, LINK=10, UNI=10
    )
    # the quote plus MAX_COLLATERALS other tokens
    assert len(engine.collaterals_of(account)) == engine.MAX_COLLATERALS() + 1
    for offset, market_id in enumerate(ids):
        pin_time(MEASURE + offset)
        engine.modify_position(account, market_id, 10**18, MAX_UINT256, sender=trader)
    pin_time(MEASURE + 20)
    engine.borrow(account, 1_000 * perp_steady.q, trader, sender=trader)
    fund(liquidator, "USDC", 100_000)
    perp_steady.feeds["WETH"].set_answer(2_300 * 10**8, sender=owner)
    pin_time(MEASURE + 60)
    receipt = engine.liquidate(
        account, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    )
    repaid, seized, fee = receipt.return_value
    assert engine.positions_of(account) == []
    assert repaid > 0 and seized > 0 and fee > 0
    gas.record("engine: liquidate cross at caps (10 positions, 1 seize)", receipt)
