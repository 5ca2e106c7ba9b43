"""Funding and positions (DESIGN.md, Perps; docs/perps.md §3-5, §7): the funding rate and
each side's index step, a side's aggregate PnL, one trade's arithmetic, a position's PnL
incl. funding, the fill price, and a position's accrued funding end to end — the module
`markets` through contracts/harness/MathHarness.vy, against the exact model.

Protocol's favour: the paying side's rate and index step UP, the receiving side's DOWN
(the vault's net only grows); a side's aggregate PnL UP (the vault's liability booked in
full); a position's realised and unrealised PnL DOWN; a long's opened basis UP, a short's
DOWN; a buy's fill UP, a sell's DOWN.
"""

from __future__ import annotations

import random
from fractions import Fraction

from diff_cases import (
    FundingCase,
    PnlCase,
    TradeCase,
    as_tuple,
    as_tuples,
    chunks,
    fill_cases,
    fill_strategy,
    funding_cases,
    funding_strategy,
    magnitude,
    pnl_cases,
    shrinking,
    signed,
    trade_cases,
    trade_strategy,
)
from exact_model import (
    WAD,
    Check,
    Favour,
    Report,
    fill_check,
    funding_checks,
    funding_rate,
    pnl_check,
    trade_checks,
)
from hypothesis import given

BATCH = 512
MAX_FUNDING_RATE = WAD // 86_400


def _run(report: Report, call, cases, check) -> None:
    for part in chunks(cases, BATCH):
        for c, out in zip(part, call(as_tuples(part)), strict=True):
            report.add(c, check(c, out))


def test_funding__rates_steps_and_side_pnl_match_exact(math_harness):
    report = Report()
    _run(report, math_harness.funding.call, funding_cases(2_048), funding_checks)
    report.assert_clean()
    assert report.cases == 2_048


def test_trades__apply_matches_exact(math_harness):
    report = Report()
    _run(report, math_harness.trades, trade_cases(2_048), trade_checks)
    report.assert_clean()
    assert report.cases == 2_048


def test_pnl__position_pnl_matches_exact(math_harness):
    report = Report()
    _run(
        report, math_harness.pnls, pnl_cases(1_024), lambda c, out: [pnl_check(c, out)]
    )
    report.assert_clean()
    assert report.cases == 1_024


def test_fills__fill_price_matches_exact(math_harness):
    report = Report()
    _run(
        report,
        math_harness.fills.call,
        fill_cases(1_024),
        lambda c, out: [fill_check(c, out)],
    )
    report.assert_clean()
    assert report.cases == 1_024


def test_accrued_funding__open_then_accrue_then_value(math_harness):
    """A position opened at a fill with the market's indices F0, the market then accruing
    funding for dt at its skew, and the position valued at P: its PnL is the exact
    size × (P − fill) − size × exact funding (|r| × price × dt per unit, paid by the heavy
    side, received by the light side), never above it. Bound: the opened basis and the PnL
    (one division each) plus the index step's bound carried by |size| / WAD."""
    rng = random.Random("accrued-funding")
    markets, opens = [], []
    for _ in range(512):
        long, short = magnitude(rng, 1, 10**28), magnitude(rng, 1, 10**28)
        scale = magnitude(rng, 1, 10**28)
        f0_long, f0_short = signed(rng, 10**22), signed(rng, 10**22)
        price = magnitude(rng, 10**15, 10**23)
        dt = magnitude(rng, 1, 30 * 86_400)
        rate = rng.randint(0, MAX_FUNDING_RATE)
        markets.append(
            FundingCase(
                long, short, rate, scale, f0_long, f0_short, 0, 0, price, price, dt
            )
        )
        size = signed(rng, 10**28, zero=0)
        fill = price * rng.randint(90, 110) // 100
        opens.append(TradeCase(0, 0, size, fill, f0_long, f0_short))
    funded = math_harness.funding.call(as_tuples(markets))
    opened = math_harness.trades(as_tuples(opens))
    valued = math_harness.pnls(
        [
            as_tuple(
                PnlCase(o.size_delta, t.basis, m.price, f.index_long, f.index_short)
            )
            for m, o, t, f in zip(markets, opens, opened, funded, strict=True)
        ]
    )
    report = Report()
    for m, o, f, pnl in zip(markets, opens, funded, valued, strict=True):
        size = o.size_delta
        step = (
            funding_rate(m.max_rate, m.skew_scale, m.long_size, m.short_size)
            * m.price
            * m.dt
            / WAD
        )
        pays = (size > 0) == (
            m.long_size > m.short_size
        )  # the position is on the heavy side
        direction = (
            1 if m.long_size > m.short_size else -1
        )  # both indices move with the skew
        if m.long_size == m.short_size:
            direction = 0
        funding = (
            Fraction(size) * direction * step / WAD
        )  # what the position owes (signed)
        exact = Fraction(size * (m.price - o.fill), WAD) - funding
        index_bound = 1 + Fraction(m.price * m.dt, WAD)
        bound = 2 + index_bound * Fraction(abs(size), WAD)
        report.add(
            (m, o, "pays" if pays else "receives"),
            [Check("pnl incl. accrued funding", pnl, exact, Favour.DOWN, bound)],
        )
    report.assert_clean()


@shrinking(40)
@given(case=funding_strategy())
def test_funding__shrinking(math_harness, case):
    (out,) = math_harness.funding.call([as_tuple(case)])
    report = Report()
    report.add(case, funding_checks(case, out))
    report.assert_clean()


@shrinking(40)
@given(case=trade_strategy())
def test_trades__shrinking(math_harness, case):
    (out,) = math_harness.trades([as_tuple(case)])
    report = Report()
    report.add(case, trade_checks(case, out))
    report.assert_clean()


@shrinking(30)
@given(case=fill_strategy())
def test_fills__shrinking(math_harness, case):
    (out,) = math_harness.fills.call([as_tuple(case)])
    report = Report()
    report.add(case, [fill_check(case, out)])
    report.assert_clean()


def test_funding__clamp_both_sides_of_the_skew_scale(math_harness):
    """|skew| one wei below, at and above the skew scale: below, the rate is the pro-rata
    share (rounded up for the payers, down for the receivers); at and above, the maximum."""
    scale, rate = 10**22, MAX_FUNDING_RATE
    cases = [
        FundingCase(scale + d, 0, rate, scale, 0, 0, 0, 0, WAD, WAD, 60)
        for d in (-1, 0, 1)
    ]
    below, at, above = math_harness.funding.call(as_tuples(cases))
    exact_below = Fraction(rate * (scale - 1), scale)
    assert (below.rate_up, below.rate_down) == (int(exact_below) + 1, int(exact_below))
    assert (
        (at.rate_up, at.rate_down) == (rate, rate) == (above.rate_up, above.rate_down)
    )
