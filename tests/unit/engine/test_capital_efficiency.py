"""Cross margin vs isolated buckets with the same assets (numbers in docs/engine.md).

1 WETH at 3,000 USD (CF 0.80, LT 0.85) and 0.05 WBTC at 60,000 USD (CF 0.75, LT 0.80):
  - one cross account holding both backs one loan of 2,400 + 2,250 = 4,650 USDC;
  - split into two buckets, the largest single loan is 2,400 (the WETH bucket): a loan of
    4,650, or even 2,401, cannot be taken in either.
The price of that efficiency: a WBTC crash puts the whole cross account at risk, while the
buckets confine it to the WBTC bucket.
"""

from __future__ import annotations

import ape
import pytest
from engine_defaults import CROSS, ISOLATED, WAD, feed_answer, wad


@pytest.fixture
def accounts_(system, trader, funded_account):
    cross = funded_account(trader, CROSS, WETH=1, WBTC="0.05")
    weth_bucket = funded_account(trader, ISOLATED, WETH=1)
    wbtc_bucket = funded_account(trader, ISOLATED, WBTC="0.05")
    return cross, weth_bucket, wbtc_bucket


def test_cross_backs_one_loan_the_buckets_cannot(system, trader, accounts_):
    engine, q = system.engine, system.q
    cross, weth_bucket, wbtc_bucket = accounts_
    assert system.vault.debt_index() == WAD
    assert engine.account_health(cross).wc_init == wad("4650")
    assert engine.account_health(weth_bucket).wc_init == wad("2400")
    assert engine.account_health(wbtc_bucket).wc_init == wad("2250")
    for bucket in (weth_bucket, wbtc_bucket):
        with ape.reverts("engine: initial requirement not met"):
            engine.borrow(bucket, 4_650 * q, trader, sender=trader)
    with ape.reverts("engine: initial requirement not met"):
        engine.borrow(weth_bucket, 2_400 * q + 1, trader, sender=trader)
    engine.borrow(cross, 4_650 * q, trader, sender=trader)
    assert engine.debt_of(cross) == 4_650 * q
    # The buckets reach (almost) the same total only as two separate loans (1 USDC of slack
    # each: the cross loan now accrues interest, so the index is no longer exactly 1).
    engine.borrow(weth_bucket, 2_399 * q, trader, sender=trader)
    engine.borrow(wbtc_bucket, 2_249 * q, trader, sender=trader)


def test_a_crash_hits_the_whole_cross_account_but_one_bucket(
    system, owner, trader, accounts_
):
    engine, q = system.engine, system.q
    cross, weth_bucket, wbtc_bucket = accounts_
    engine.borrow(cross, 3_800 * q, trader, sender=trader)
    engine.borrow(weth_bucket, 2_000 * q, trader, sender=trader)
    engine.borrow(wbtc_bucket, 1_800 * q, trader, sender=trader)
    assert not any(engine.is_liquidatable(a) for a in accounts_)
    system.feeds["WBTC"].set_answer(feed_answer("30000"), sender=owner)  # WBTC -50 %
    # Cross: 3,000 x 0.85 + 1,500 x 0.80 = 3,750 < 3,800 owed: the WETH goes down with it.
    assert engine.account_health(cross).wc_maint == wad("3750")
    assert engine.is_liquidatable(cross)
    # Buckets: only the WBTC bucket (1,200 < 1,800); the WETH bucket is untouched (2,550 / 2,000).
    assert engine.is_liquidatable(wbtc_bucket)
    assert not engine.is_liquidatable(weth_bucket)
    assert (
        engine.health_factor(weth_bucket)
        == wad("2550") * WAD // engine.account_health(weth_bucket).debt
    )
