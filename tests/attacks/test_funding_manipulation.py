"""Attack: move funding by briefly skewing open interest.

The attack. Funding is skew-based: the heavy side pays the light side (and the vault takes
the net). An attacker holds a position on one side in account A, then opens a large
position on the other side in a sibling account B so that the skew flips: A stops paying
and starts receiving, at the expense of the other traders. After a while B closes. Here
ETH has 60 ETH of other longs, A is short 100 ETH (so A pays funding), and B goes long
b = a − L/2 = 70 ETH, the size that maximises A's funding gain net of B's own funding
(the attacker nets (a − b) × rate(L + b − a)).

The defence (docs/perps.md §4–§5). Every trade fills at oracle × (1 ± (spread + impact)),
the spread at least the feed's deviation, and pays the trading fee, both ways; funding
accrues per second at max_funding_rate × skew / skew_scale, so a brief skew moves little,
and B pays the rate it creates on its own size.

Asserted, differentially (the same block times with and without B): A's funding index at
its close follows the documented two-index arithmetic exactly in both runs; B's fills and
fees are exactly the registry's formulas; A's extra funding is exactly what the index
difference gives; and it is smaller than what B paid (spread, impact, fees and funding),
for a skew held one hour and 23 hours (within the feeds' heartbeat). Break-even
(docs/attacks.md): with these parameters and OI caps the skew would have to be held about
16 days. Unit tests that go less far:
tests/unit/engine/test_funding.py (rates, indices, zero-sum).
"""

from __future__ import annotations

import pytest
from attack_helpers import account, fill_price, report, trading_fee
from engine_defaults import CROSS, MAX_UINT256, WAD, wad
from engine_model import rates

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

L, A, B = 60, 100, 70  # whole ETH: other longs, the attacker's short, its skewing long


@pytest.fixture(scope="module")
def funding_book(attack_env, attack_clock, attacker, trader):
    env = attack_env
    attack_clock(env)
    ids = {
        "others": account(env, trader, CROSS, USDC=100_000),
        "a": account(env, attacker, CROSS, USDC=100_000),
        "b": account(env, attacker, CROSS, USDC=100_000),
    }
    env.engine.modify_position(ids["others"], 1, L * WAD, MAX_UINT256, sender=trader)
    env.engine.modify_position(ids["a"], 1, -A * WAD, 0, sender=attacker)
    return env, ids


def _up(rate: int, price: int, dt: int) -> int:
    return -(-rate * price * dt // WAD)


def _down(rate: int, price: int, dt: int) -> int:
    return rate * price * dt // WAD


def _ceil(x: int) -> int:
    """ceil(x / WAD) for a signed x (a short's close rounds its cost up)."""
    return -(-x // WAD)


def _modified(env, receipt):
    [event] = receipt.events.filter(env.engine.PositionModified)
    return event


@pytest.mark.parametrize("hold", [3_600, 82_800], ids=["one_hour", "23_hours"])
def test_brief_skew__funding_moved_is_less_than_its_cost(
    funding_book, chain, attacker, hold
):
    env, ids = funding_book
    engine, registry = env.engine, env.registry
    params = registry.market(1).params
    price = wad("3000")
    state = registry.market_state(1)
    assert (state.long_size, state.short_size) == (L * WAD, A * WAD)
    t1 = chain.blocks.head.timestamp + 1
    t2, t3 = t1 + hold, t1 + hold + 1
    up0, _ = rates(params.max_funding_rate, params.skew_scale, L * WAD, A * WAD)
    assert state.rate_up == up0
    _, down1 = rates(params.max_funding_rate, params.skew_scale, (L + B) * WAD, A * WAD)
    snapshot = chain.snapshot()

    # Without B: shorts are the heavy side from the last accrual to A's close.
    chain.mine()
    chain.pending_timestamp = t2
    chain.mine()
    alone = _modified(
        env, engine.close_position(ids["a"], 1, MAX_UINT256, sender=attacker)
    )
    assert alone.funding_short == state.funding_short - _up(
        up0, price, t3 - state.last_update
    )
    chain.restore(snapshot)

    # With B: the skew flips to long-heavy between t1 and t2.
    opened = _modified(
        env, engine.modify_position(ids["b"], 1, B * WAD, MAX_UINT256, sender=attacker)
    )
    chain.pending_timestamp = t2
    closed_b = _modified(env, engine.close_position(ids["b"], 1, 0, sender=attacker))
    with_b = _modified(
        env, engine.close_position(ids["a"], 1, MAX_UINT256, sender=attacker)
    )
    f1 = state.funding_short - _up(up0, price, t1 - state.last_update)
    f2 = f1 + _down(down1, price, t2 - t1)
    assert with_b.funding_short == f2 - _up(up0, price, t3 - t2)

    # B's cost: both fills and fees are the registry's formulas.
    fill_open = fill_price(params, price, L * WAD, A * WAD, B * WAD)
    fill_close = fill_price(params, price, (L + B) * WAD, A * WAD, -B * WAD)
    assert (opened.fill_price, closed_b.fill_price) == (fill_open, fill_close)
    assert opened.fee == trading_fee(params, B * WAD, fill_open)
    assert closed_b.fee == trading_fee(params, B * WAD, fill_close)
    cost_b = opened.fee + closed_b.fee - closed_b.realised_pnl
    spread_and_impact = B * (fill_open - fill_close)
    assert cost_b > spread_and_impact  # plus the fees and the funding B paid itself

    # A's gain: the same close fill in both runs; only its funding index differs.
    assert with_b.fill_price == alone.fill_price
    fill = alone.fill_price
    gain_a = with_b.realised_pnl - alone.realised_pnl
    size = A * WAD
    expected = _ceil(size * (fill - alone.funding_short)) - _ceil(
        size * (fill - with_b.funding_short)
    )
    assert gain_a == expected > 0
    report(
        "funding",
        hold=hold,
        gain_a=gain_a,
        cost_b=cost_b,
        spread_and_impact=spread_and_impact,
    )
    assert gain_a < cost_b, (gain_a, cost_b)
