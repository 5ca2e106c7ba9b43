"""Gas scenarios of the engine (receipt gas, intrinsic included) at pinned block times.

Every scenario starts from the same steady state: fresh prices at GAS_T0 and one unrelated
borrower already in the vault (so the vault's interest clock runs, as in production). The
measured transaction is each account's first of its kind, so its storage writes are the
expensive zero-to-non-zero ones a new user pays.
"""

from __future__ import annotations

import pytest
from engine_defaults import CROSS, ISOLATED, MAX_UINT256

pytestmark = [
    pytest.mark.gas,
    pytest.mark.usefixtures("system", "fund", "funded_account"),
]


@pytest.fixture
def steady(system, pin_time, owner, trader2, funded_account):
    """GAS_T0: every feed republished, and trader2 borrowing 10,000 USDC against 10 WETH."""
    pin_time(0)
    for feed in system.feeds.values():
        feed.set_answer(feed.latestRoundData()[1], sender=owner)
    background = funded_account(trader2, CROSS, WETH=10)
    system.engine.borrow(background, 10_000 * system.q, trader2, sender=trader2)
    return system


def test_gas__open_bucket_deposit_borrow(steady, pin_time, trader, fund, gas):
    engine, weth = steady.engine, steady.tokens["WETH"]
    amount = fund(trader, "WETH", 1)
    pin_time(60)
    opened = engine.open_account(ISOLATED, sender=trader)
    account = opened.return_value
    pin_time(61)
    deposited = engine.deposit_collateral(account, weth, amount, sender=trader)
    pin_time(62)
    borrowed = engine.borrow(account, 1_000 * steady.q, trader, sender=trader)
    assert engine.debt_of(account) >= 1_000 * steady.q
    gas.record("engine: open bucket + deposit + borrow (open_account)", opened)
    gas.record("engine: open bucket + deposit + borrow (deposit_collateral)", deposited)
    gas.record("engine: open bucket + deposit + borrow (borrow)", borrowed)


def test_gas__cross_borrow_one_collateral(
    steady, pin_time, trader, funded_account, gas
):
    account = funded_account(trader, CROSS, WETH=1)
    pin_time(60)
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
    pin_time(60)
    receipt = engine.borrow(account, 1_000 * steady.q, trader, sender=trader)
    gas.record("engine: cross borrow, MAX_COLLATERALS collaterals", receipt)


def test_gas__repay(steady, pin_time, trader, fund, funded_account, gas):
    engine = steady.engine
    account = funded_account(trader, CROSS, WETH=1)
    engine.borrow(account, 1_000 * steady.q, trader, sender=trader)
    fund(trader, "USDC", 1_000)
    pin_time(86_400)
    receipt = engine.repay(account, MAX_UINT256, sender=trader)
    assert engine.debt_of(account) == 0
    gas.record("engine: repay", receipt)
