"""Interest (docs/vault.md §3): utilisation, the kinked rate, the index growth and the debt
of a share balance, against the exact curve.

Protocol's favour: UP for every figure (borrowers never pay less than the exact curve).
Each figure is checked twice: against the never-rounded chain from the case's integers
(bound: its divisions, each carried by the factors after it: docs/differential.md), and
against the exact value of its own integer inputs (one division, under 1 wei).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from diff_cases import (
    as_tuple,
    as_tuples,
    chunks,
    interest_cases,
    interest_strategy,
    shrinking,
)
from exact_model import (
    WAD,
    Check,
    Curve,
    Favour,
    Report,
    grown_index,
    interest_checks,
    utilization,
)
from hypothesis import given

BATCH = 512
SECONDS_PER_YEAR = 365 * 86_400


def test_interest__matches_the_exact_curve(math_harness):
    cases = interest_cases(2_048)
    report = Report()
    for part in chunks(cases, BATCH):
        for c, out in zip(part, math_harness.interest(as_tuples(part)), strict=True):
            report.add(c, interest_checks(c, out))
    report.assert_clean()
    assert report.cases == 2_048


@shrinking(60)
@given(case=interest_strategy())
def test_interest__shrinking(math_harness, case):
    (out,) = math_harness.interest([as_tuple(case)])
    report = Report()
    report.add(case, interest_checks(case, out))
    report.assert_clean()


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_rate__both_sides_of_the_kink(math_harness, offset):
    """Utilisation one wei below, at and above the kink: the lower piece up to the kink
    (slope1 reached exactly), the upper piece just past it."""
    kink = 8 * 10**17
    slope1, slope2 = (
        4 * WAD // 100 // SECONDS_PER_YEAR,
        75 * WAD // 100 // SECONDS_PER_YEAR,
    )
    total = WAD  # cash + debt = 10**18 units, so utilisation = debt exactly
    debt = kink + offset
    case = (total - debt, debt, 0, slope1, slope2, kink, WAD, 0, 0)
    (out,) = math_harness.interest([case])
    assert out.utilization == debt
    curve = Curve(0, slope1, slope2, kink)
    exact = curve.rate(Fraction(debt))
    assert Check("rate", out.rate, exact, Favour.UP).problem() is None
    if offset <= 0:
        assert out.rate <= slope1
    else:
        assert out.rate > slope1


def test_accrual__real_vault_steps_match_exact(project, owner, lp, chain):
    """The real Vault's accrual, step by step (MockEngine lends; time moves): each new
    index is the exact growth of the stored one at the exact rate of the stored cash and
    debt (UP, within the rate's bound carried by index × dt) and within one wei above the
    growth at the vault's own rate; the total debt is ceil(shares × index); the reserve
    takes the exact share of the interest, rounded down."""
    quote = project.MockERC20.deploy("Mock Quote", "QUOTE", 6, sender=owner)
    vault = project.Vault.deploy(
        quote,
        "v",
        "v",
        0,
        4 * WAD // 100 // SECONDS_PER_YEAR,
        75 * WAD // 100 // SECONDS_PER_YEAR,
        8 * 10**17,
        10**17,
        sender=owner,
    )
    engine = project.MockEngine.deploy(vault, sender=owner)
    vault.set_engine(engine, sender=owner)
    quote.mint(lp, 10**12, sender=lp)
    quote.approve(vault, 2**256 - 1, sender=lp)
    vault.deposit(10**12, lp, sender=lp)
    engine.lend(
        850_000_000_123, lp, 0, sender=owner
    )  # 85 % utilisation: the upper piece
    curve = Curve(vault.base_rate(), vault.slope1(), vault.slope2(), vault.kink())
    rf = vault.reserve_factor()
    report = Report()
    for dt in (1, 59, 3_600, 86_400, 30 * 86_400, 7, 365 * 86_400):
        # the stored figures, read in the block of the last accrual (nothing pending)
        t0, index, cash = vault.last_accrual(), vault.debt_index(), vault.cash()
        stored_rate = vault.borrow_rate()
        shares, debt, reserve = (
            vault.total_debt_shares(),
            vault.total_debt(),
            vault.reserve(),
        )
        chain.mine(timestamp=chain.blocks.head.timestamp + dt)
        vault.accrue(sender=owner)
        elapsed = vault.last_accrual() - t0
        rate = curve.rate(utilization(cash, debt))
        new_index, new_debt = vault.debt_index(), vault.total_debt()
        report.add(
            (dt, index, cash, debt),
            [
                Check(
                    "index",
                    new_index,
                    grown_index(index, rate, elapsed),
                    Favour.UP,
                    1 + (1 + curve.steepness()) * Fraction(index * elapsed, WAD),
                ),
                Check(
                    "index|rate",
                    new_index,
                    grown_index(index, stored_rate, elapsed),
                    Favour.UP,
                ),
                Check(
                    "total_debt", new_debt, Fraction(shares * new_index, WAD), Favour.UP
                ),
                Check(
                    "reserve cut",
                    vault.reserve() - reserve,
                    Fraction((new_debt - debt) * rf, WAD),
                    Favour.DOWN,
                ),
            ],
        )
    report.assert_clean()
    assert report.cases == 7
