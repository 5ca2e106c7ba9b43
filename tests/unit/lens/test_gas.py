"""Gas of the Lens's views, measured as transactions (`.transact`: the same execution an
eth_call runs, with a receipt), at pinned block times. A bot pays nothing for them, but RPC
providers cap eth_call gas (often 50,000,000): a page must stay well below."""

from __future__ import annotations

import pytest
from lens_helpers import account, set_price, trade

pytestmark = pytest.mark.gas

MEASURE = 2_000


@pytest.fixture
def book(lens_env, pin_time, owner, trader):
    """At GAS_T0: every feed republished; 10 active accounts (5 borrow-only buckets, 5 cross
    accounts with an ETH long and a borrow); then WETH -20 % makes some liquidatable."""
    env = lens_env
    pin_time(0)
    for feed in env.feeds.values():
        feed.set_answer(feed.latestRoundData()[1], sender=owner)
    ids = []
    for i in range(5):
        pin_time(100 + 100 * i)
        bucket = account(env, trader, 1, WETH=1)
        env.engine.borrow(bucket, (2_000 + 80 * i) * env.q, trader, sender=trader)
        cross = account(env, trader, 2, USDC=1_000, WETH=1)
        trade(env, trader, cross, "ETH", "4")
        env.engine.borrow(cross, 1_000 * env.q, trader, sender=trader)
        ids += [bucket, cross]
    set_price(env, owner, "WETH", "2400")
    return env, ids


def test_gas__liquidatable_page(book, pin_time, stranger, gas):
    env, ids = book
    pin_time(MEASURE)
    found = env.lens.liquidatable(0, 100)
    assert 0 < len(found) < len(ids)
    receipt = env.lens.liquidatable.transact(0, 100, sender=stranger)
    gas.record("lens: liquidatable, a page of 10 active accounts", receipt)


def test_gas__quote_liquidation(book, pin_time, stranger, gas):
    env, ids = book
    cross = next(c.account_id for c in env.lens.liquidatable(0, 100) if c.mode == 2)
    pin_time(MEASURE)
    receipt = env.lens.quote_liquidation.transact(
        cross, env.tokens["WETH"], sender=stranger
    )
    assert not env.lens.quote_liquidation(cross, env.tokens["WETH"]).reverts
    gas.record("lens: quote_liquidation, cross account with a position", receipt)
