"""Funding: rates from the skew, two indices each rounded against its own side, accrual at
every touch (and at the last price when the oracle fails), and zero-sum over
Hypothesis-generated sequences of opens, closes, price moves and time steps."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from engine_defaults import CROSS, HEARTBEAT, MAX_UINT256, PERPS, WAD, feed_answer, wad
from engine_model import indices_now, rates
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

# Session fixtures first, so ape never has to rebase its isolation snapshots mid-module.
pytestmark = pytest.mark.usefixtures("system", "funded_account")

ETH = PERPS[0]


@pytest.fixture
def pair(system, trader, trader2, funded_account):
    """Two cross accounts with 1,000,000 USDC each: a long trader and a short trader2."""
    return (
        funded_account(trader, CROSS, USDC=1_000_000),
        funded_account(trader2, CROSS, USDC=1_000_000),
    )


def _at(system, chain, offset: int, prices: dict[str, str] | None = None) -> int:
    """Republish every feed (at `prices` where given) one second before, and pin the next
    block `offset` seconds after the head; returns its time."""
    now = chain.blocks.head.timestamp + offset
    chain.pending_timestamp = now - 1
    for symbol, feed in system.feeds.items():
        answer = (
            feed_answer(prices[symbol])
            if prices and symbol in prices
            else feed.latestRoundData()[1]
        )
        feed.set_answer(answer, sender=system.engine.owner())
        chain.pending_timestamp = (
            chain.blocks.head.timestamp
        )  # same second, same answers
    chain.pending_timestamp = now
    return now


def test_rates__follow_the_skew(system, owner, trader, trader2, pair, trade):
    """Skew scale 10 ETH: 3 ETH of skew pays 30 % of the max rate; 17 ETH (beyond the
    scale) the max; a balanced market none."""
    registry = system.registry
    registry.set_market(
        1, dataclasses.replace(ETH, skew_scale="10").params(), sender=owner
    )
    long_id, short_id = pair
    params = registry.market(1).params
    trade(trader, long_id, "ETH", "3")
    state = registry.market_state(1)
    assert (state.rate_up, state.rate_down) == rates(
        params.max_funding_rate, params.skew_scale, wad("3"), 0
    )
    assert state.rate_up == state.rate_down + 1  # 30 % of the max is inexact here
    assert state.rate_up == -(-params.max_funding_rate * 3 // 10)
    trade(trader2, short_id, "ETH", "-20")  # beyond the skew scale: clamped at the max
    state = registry.market_state(1)
    assert (state.rate_up, state.rate_down) == (
        params.max_funding_rate,
        params.max_funding_rate,
    )
    trade(trader2, short_id, "ETH", "17")  # balanced: no funding
    state = registry.market_state(1)
    assert (state.long_size, state.short_size, state.rate_up, state.rate_down) == (
        wad("3"),
        wad("3"),
        0,
        0,
    )


def test_indices__heavy_side_rounds_up_light_side_down(
    system, trader, trader2, pair, trade, chain
):
    """Longs heavy: F_long rises by ceil(up × P × dt / WAD), F_short by floor(down × P × dt / WAD);
    shorts heavy: both fall, the shorts' by the rounded-up step."""
    registry = system.registry
    long_id, short_id = pair
    trade(trader, long_id, "ETH", "3")
    trade(trader2, short_id, "ETH", "-1")
    before = registry.market_state(1)
    now = _at(system, chain, 86_400 + 7)
    trade(trader2, short_id, "ETH", "-0.5")  # a touch accrues
    after = registry.market_state(1)
    expected = indices_now(before, wad("3000"), now)
    assert (after.funding_long, after.funding_short) == expected
    assert (
        after.funding_long > before.funding_long
        and after.funding_short > before.funding_short
    )
    assert (
        after.funding_long - before.funding_long
        > after.funding_short - before.funding_short
    )
    # Shorts heavy now: both indices fall, the shorts' faster.
    trade(trader2, short_id, "ETH", "-10")
    before = registry.market_state(1)
    now = _at(system, chain, 3_600)
    trade(trader, long_id, "ETH", "0.1")
    after = registry.market_state(1)
    assert (after.funding_long, after.funding_short) == indices_now(
        before, wad("3000"), now
    )
    assert (
        before.funding_short - after.funding_short
        > before.funding_long - after.funding_long
        > 0
    )
    assert registry.funding_indices(1) == indices_now(
        after, wad("3000"), chain.blocks.head.timestamp
    )


def test_funding__heavy_side_pays_light_side_receives(
    system, trader, trader2, pair, trade, chain
):
    """3 ETH long against 1 ETH short for a day at a constant price: the long's equity falls
    by its funding, the short's rises by less than the long pays per unit, and the vault's
    marks grow by the net."""
    engine = system.engine
    long_id, short_id = pair
    trade(trader, long_id, "ETH", "3")
    trade(trader2, short_id, "ETH", "-1")
    pnl_long, pnl_short = (
        engine.account_health(long_id).pnl,
        engine.account_health(short_id).pnl,
    )
    net_before = engine.vault_marks()[0]
    state = system.registry.market_state(1)
    _at(system, chain, 86_400)
    chain.mine()
    f_long, f_short = system.registry.funding_indices(1)
    paid = engine.account_health(long_id).pnl - pnl_long
    received = engine.account_health(short_id).pnl - pnl_short
    assert paid < 0 < received
    # Per unit of size, the long pays at least what the short receives.
    assert -paid >= 3 * received
    assert (
        -paid - 3 * (f_long - state.funding_long) < 3
    )  # 3 ETH × ΔF_long / WAD, floored
    assert (
        received - (f_short - state.funding_short) <= 0
    )  # 1 ETH × ΔF_short / WAD, floored
    # The vault's liability (traders' net PnL, quote units, rounded up) falls by the net funding.
    moved = (engine.vault_marks()[0] - net_before) * 10**12
    assert paid + received <= moved < paid + received + 2 * 10**12


def test_funding__invalid_price_accrues_at_last_price(
    system, owner, trader, pair, trade, chain
):
    registry = system.registry
    long_id, _short_id = pair
    trade(trader, long_id, "ETH", "5")
    state = registry.market_state(1)
    assert state.last_price == wad("3000")
    now = chain.blocks.head.timestamp
    system.feeds["WETH"].set_round(
        feed_answer("3500"), now - HEARTBEAT - 1, sender=owner
    )  # stale
    chain.mine(timestamp=now + 3_600)
    head = chain.blocks.head.timestamp
    assert (
        registry.funding_indices(1)
        == indices_now(state, 0, head)
        == indices_now(state, wad("3000"), head)
    )
    assert registry.funding_indices(1) != indices_now(state, wad("3500"), head)
    net, _reserved, _band, ok, _needed = system.engine.vault_marks()
    assert not ok  # a market with open interest has no valid price: LP flows halt


def test_set_market__accrues_at_the_old_rate_first(
    system, owner, trader, pair, trade, chain
):
    registry = system.registry
    long_id, _short_id = pair
    trade(trader, long_id, "ETH", "100")
    before = registry.market_state(1)
    now = _at(system, chain, 86_400)
    registry.set_market(
        1, dataclasses.replace(ETH, funding_per_day="0.5").params(), sender=owner
    )
    after = registry.market_state(1)
    assert (after.funding_long, after.funding_short) == indices_now(
        before, wad("3000"), now
    )
    params = registry.market(1).params
    assert (after.rate_up, after.rate_down) == rates(
        params.max_funding_rate, params.skew_scale, wad("100"), 0
    )
    assert after.rate_up > before.rate_up


# ---- zero-sum over random sequences ---------------------------------------------------
ACCOUNTS = 3
steps = st.lists(
    st.tuples(
        st.integers(0, ACCOUNTS - 1),  # which account trades
        st.integers(-400, 400).filter(
            lambda x: x != 0
        ),  # size change in 0.05 ETH steps
        st.integers(60, 3 * 86_400),  # seconds since the previous step
        st.integers(2_500, 3_500),  # the oracle price then (USD)
        st.booleans(),  # close the whole position instead
    ),
    min_size=3,
    max_size=10,
)


class Book:
    """The exact model of one market: positions, exact funding per side, and every cash flow
    of every account (fills and realised PnL from the logs)."""

    def __init__(self, params):
        self.params = params
        self.size = [0] * ACCOUNTS
        self.exact_funding = [Fraction(0)] * ACCOUNTS  # funding paid, USD WAD (exact)
        self.cash = [Fraction(0)] * ACCOUNTS  # Σ sells − Σ buys at the fills, USD WAD
        self.realised = [0] * ACCOUNTS  # Σ realised PnL on chain, USD WAD
        self.fees = 0

    def accrue(self, price: int, dt: int) -> None:
        long = sum(s for s in self.size if s > 0)
        short = -sum(s for s in self.size if s < 0)
        if long == short:
            return
        p = self.params
        ratio = min(Fraction(abs(long - short), p.skew_scale), Fraction(1))
        step = p.max_funding_rate * ratio * price * dt / WAD  # |ΔF| exact
        sign = 1 if long > short else -1
        for i, s in enumerate(self.size):
            self.exact_funding[i] += Fraction(s, WAD) * sign * step


@settings(
    max_examples=10,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sequence=steps)
def test_funding__zero_sum_never_in_the_traders_favour(
    system, trader, funded_account, chain, sequence
):
    """After every step: the side sums equal Σ positions exactly, each side's index moved
    with the skew's sign, the vault's marks bound the traders' PnL from above. At the end
    (everything closed): each account realised at most its exact PnL (fills + exact
    continuous funding), the vault's cash moved by exactly what the accounts settled, and
    the traders' total shortfall to exact stays within the rounding tolerance."""
    snapshot = chain.snapshot()
    try:
        _zero_sum(system, trader, funded_account, chain, sequence)
    finally:
        chain.restore(snapshot)


def _zero_sum(system, trader, funded_account, chain, sequence) -> None:
    engine, registry, vault = system.engine, system.registry, system.vault
    accounts = [funded_account(trader, CROSS, USDC=10_000_000) for _ in range(ACCOUNTS)]
    book = Book(registry.market(1).params)
    cash_before = vault.cash()
    settled = 0
    tolerance = 0
    for who, units, dt, price, close in sequence:
        account = accounts[who]
        held = book.size[who]
        delta = -held if close and held else units * wad("0.05")
        t = _at(system, chain, dt, {"WETH": str(price)})
        before = registry.market_state(1)
        book.accrue(wad(str(price)), t - before.last_update)
        receipt = engine.modify_position(
            account, 1, delta, MAX_UINT256 if delta > 0 else 0, sender=trader
        )
        after = registry.market_state(1)
        # Each side's index moves with the sign of the skew that was open.
        if before.long_size > before.short_size:
            assert (
                after.funding_long >= before.funding_long
                and after.funding_short >= before.funding_short
            )
        elif before.long_size < before.short_size:
            assert (
                after.funding_long <= before.funding_long
                and after.funding_short <= before.funding_short
            )
        log = receipt.events.filter(engine.PositionModified)[0]
        book.cash[who] -= Fraction(delta * log.fill_price, WAD)
        book.realised[who] += log.realised_pnl
        book.fees += log.fee
        book.size[who] += delta
        settled += receipt.events.filter(engine.PnlSettled)[0].amount
        # Rounding budget: the index steps (rate and step roundings) on the open size, plus
        # the trade's own divisions.
        open_size = sum(abs(s) for s in book.size) + abs(delta)
        tolerance += open_size * (wad(str(price)) * dt // WAD + 2) // WAD + 4
        positions = [engine.position_of(a, 1) for a in accounts]
        assert after.long_size == sum(p.size for p in positions if p.size > 0)
        assert after.short_size == -sum(p.size for p in positions if p.size < 0)
        assert after.long_basis == sum(p.basis for p in positions if p.size > 0)
        assert after.short_basis == sum(p.basis for p in positions if p.size < 0)
        net = engine.vault_marks()[0]
        assert (
            net * WAD >= sum(engine.account_health(a).pnl for a in accounts) * system.q
        )
    # Close everything at the last price.
    for who, account in enumerate(accounts):
        if book.size[who]:
            chain.pending_timestamp = chain.blocks.head.timestamp + 1
            book.accrue(registry.market_state(1).last_price, 1)
            limit = MAX_UINT256 if book.size[who] < 0 else 0  # closing a short buys
            receipt = engine.close_position(account, 1, limit, sender=trader)
            log = receipt.events.filter(engine.PositionModified)[0]
            book.cash[who] += Fraction(book.size[who] * log.fill_price, WAD)
            book.realised[who] += log.realised_pnl
            book.fees += log.fee
            book.size[who] = 0
            settled += receipt.events.filter(engine.PnlSettled)[0].amount
            tolerance += 4
    state = registry.market_state(1)
    assert (state.long_size, state.short_size, state.long_basis, state.short_basis) == (
        0,
        0,
        0,
        0,
    )
    shortfall = Fraction(0)
    for who in range(ACCOUNTS):
        exact = book.cash[who] - book.exact_funding[who]
        assert book.realised[who] <= exact  # never in a trader's favour
        shortfall += exact - book.realised[who]
    assert shortfall <= tolerance
    # Money: what the accounts settled (realised − fees, quote units) is what the vault moved.
    assert vault.cash() - cash_before == -settled
