"""Interest: the kinked curve, linear per-second accrual, rounding and the reserve's cut,
checked against exact ``fractions.Fraction`` arithmetic; plus the owner's curve setters.

Every accrual step is checked twice: each stored figure is the ceiling of the exact
Fraction built from the contract's previous figures (so it is within 1 wei and never below:
the vault's favour), and over the whole step the debt is at least the exact curve's.
"""

from __future__ import annotations

from fractions import Fraction

import ape
import pytest
from vault_model import SECONDS_PER_YEAR, WAD, Curve, logs, next_block


def _borrow(vault, engine, seed, trader, unit, utilization_pct: int) -> None:
    seed(1_000)
    engine.lend(10 * utilization_pct * unit, trader, 0, sender=trader)


def _step(vault, chain, sender, dt: int) -> dict:
    """Accrue `dt` seconds after the head block and check the step against exact arithmetic."""
    curve = Curve.of(vault)
    index, shares, cash = vault.debt_index(), vault.total_debt_shares(), vault.cash()
    debt, reserve = vault.total_debt(), vault.reserve()
    utilization, rate = vault.utilization(), vault.borrow_rate()
    assert (
        vault.last_accrual() == chain.blocks.head.timestamp
    )  # rates are as of the last accrual

    # Utilisation and rate: ceilings of the exact values.
    u_exact = Fraction(debt * WAD, cash + debt)
    assert 0 <= utilization - u_exact < 1
    rate_exact = curve.exact_rate(Fraction(utilization))
    assert 0 <= rate - rate_exact < 1

    next_block(chain, dt)
    receipt = vault.accrue(sender=sender)

    new_index, new_debt, new_reserve = (
        vault.debt_index(),
        vault.total_debt(),
        vault.reserve(),
    )
    # Index: linear growth over dt, rounded up by less than 1 wei.
    index_exact = Fraction(index * (WAD + rate * dt), WAD)
    assert 0 <= new_index - index_exact < 1
    assert receipt.return_value == new_index
    # Debt: ceil(shares * index).
    assert 0 <= new_debt - Fraction(shares * new_index, WAD) < 1
    # Reserve: floor(interest * reserve_factor), exact.
    interest = new_debt - debt
    to_reserve = interest * curve.reserve_factor // WAD
    assert new_reserve == reserve + to_reserve
    assert logs(receipt, vault.InterestAccrued) == [
        {"debt_index": new_index, "interest": interest, "to_reserve": to_reserve}
    ]
    # Whole step against the exact curve at the exact utilisation, applied to the borrowers'
    # exact obligation shares * index: never less, and more by at most the propagated
    # roundings (u and rate: < 2 wei of rate over dt; 1 wei of index; 1 wei of debt).
    debt_exact = Fraction(shares * index, WAD) * (
        1 + curve.exact_rate(u_exact) * dt / WAD
    )
    bound = Fraction(shares, WAD) * (Fraction(index * 2 * dt, WAD) + 1) + 2
    assert debt_exact <= new_debt <= debt_exact + bound
    return {"interest": interest, "to_reserve": to_reserve}


@pytest.mark.parametrize(
    "utilization_pct", [50, 80, 95], ids=["below_kink", "at_kink", "above_kink"]
)
def test_accrue__known_utilization__matches_exact_arithmetic_each_step(
    vault, engine, chain, seed, trader, unit, utilization_pct
):
    _borrow(vault, engine, seed, trader, unit, utilization_pct)
    total = 0
    for dt in (1, 13, 3_600, 86_400, SECONDS_PER_YEAR):
        total += _step(vault, chain, trader, dt)["interest"]
    assert total > 0


def test_accrue__one_year_at_half_utilization__two_and_a_half_percent(
    vault, engine, chain, seed, trader, unit
):
    # 50% utilisation on the default curve: 4% * 0.5 / 0.8 = 2.5% per year, linear in one step.
    _borrow(vault, engine, seed, trader, unit, 50)
    curve = Curve.of(vault)
    debt = vault.total_debt()
    expected = debt * curve.exact_rate(Fraction(WAD, 2)) * SECONDS_PER_YEAR / WAD
    _step(vault, chain, trader, SECONDS_PER_YEAR)
    interest = vault.total_debt() - debt
    assert interest >= expected
    assert interest - expected <= debt * Fraction(
        1, 10**8
    )  # rounding, not a rate error
    assert abs(Fraction(interest, debt) - Fraction(25, 1000)) < Fraction(1, 10**6)


def test_accrue__lps_earn_interest_minus_the_reserve_cut(
    vault, engine, chain, seed, trader, unit
):
    _borrow(vault, engine, seed, trader, unit, 60)
    total = vault.totalAssets()
    step = _step(vault, chain, trader, 30 * 86_400)
    assert step["to_reserve"] > 0
    assert vault.totalAssets() == total + step["interest"] - step["to_reserve"]


def test_views__as_of_now__equal_what_accrue_writes(
    vault, engine, chain, seed, trader, unit
):
    _borrow(vault, engine, seed, trader, unit, 70)
    pending = next_block(chain, 86_400)
    expected = {
        name: getattr(vault, name)(**pending)
        for name in (
            "debt_index",
            "total_debt",
            "reserve",
            "totalAssets",
            "utilization",
        )
    }
    vault.accrue(sender=trader)
    assert expected == {name: getattr(vault, name)() for name in expected}


def test_accrue__no_debt__nothing_moves(vault, chain, seed, trader):
    seed()
    last = vault.last_accrual()
    next_block(chain, 86_400)
    receipt = vault.accrue(sender=trader)
    assert vault.debt_index() == WAD
    assert vault.last_accrual() == last
    assert logs(receipt, vault.InterestAccrued) == []


def test_lend__after_an_idle_period__restarts_the_clock(
    vault, engine, chain, seed, trader, unit
):
    seed()
    next_block(chain, 10 * SECONDS_PER_YEAR)
    engine.lend(100 * unit, trader, 0, sender=trader)
    assert vault.last_accrual() == chain.blocks.head.timestamp
    assert vault.debt_index() == WAD  # no interest for the decade without debt


def test_accrue__full_repayment__interest_stops(
    vault, engine, quote, chain, seed, trader, unit
):
    _borrow(vault, engine, seed, trader, unit, 50)
    quote.mint(engine, 1_000 * unit, sender=trader)
    pending = next_block(chain, 86_400)
    owed = vault.total_debt(**pending)
    engine.take_repayment(owed, vault.total_debt_shares(), owed, sender=trader)
    index = vault.debt_index()
    next_block(chain, 86_400)
    vault.accrue(sender=trader)
    assert vault.total_debt() == 0
    assert vault.debt_index() == index


# ---- the curve's setters --------------------------------------------------------------
def test_set_interest_model__accrues_at_the_old_curve_first(
    vault, engine, chain, seed, owner, trader, unit
):
    _borrow(vault, engine, seed, trader, unit, 50)
    pending = next_block(chain, 86_400)
    index_at_old_curve = vault.debt_index(**pending)
    receipt = vault.set_interest_model(0, 1, 2, 5 * 10**17, sender=owner)
    assert vault.debt_index() == index_at_old_curve
    assert (vault.base_rate(), vault.slope1(), vault.slope2(), vault.kink()) == (
        0,
        1,
        2,
        5 * 10**17,
    )
    assert logs(receipt, vault.InterestModelSet) == [
        {"base_rate": 0, "slope1": 1, "slope2": 2, "kink": 5 * 10**17}
    ]
    assert vault.reserve_factor() == 10**17  # packed alongside, untouched


def test_set_interest_model__max_rate__accepted_one_above__reverts(vault, owner):
    most = vault.MAX_BORROW_RATE()
    assert most == 10 * WAD // SECONDS_PER_YEAR  # 1000% per year
    vault.set_interest_model(
        most // 3, most // 3, most - 2 * (most // 3), 9 * 10**17, sender=owner
    )
    assert vault.base_rate() + vault.slope1() + vault.slope2() == most
    with ape.reverts("vault: rate above max"):
        vault.set_interest_model(
            1, most // 2, most - most // 2, 9 * 10**17, sender=owner
        )


@pytest.mark.parametrize(
    ("kink", "reason"),
    [
        (0, "vault: kink must be > 0"),
        (WAD, "vault: kink must be < 1"),
        (2 * WAD, "vault: kink must be < 1"),
    ],
)
def test_set_interest_model__kink_out_of_bounds__reverts(vault, owner, kink, reason):
    with ape.reverts(reason):
        vault.set_interest_model(0, 1, 1, kink, sender=owner)
    vault.set_interest_model(
        0, 1, 1, WAD - 1, sender=owner
    )  # twin: the largest kink below 1
    assert vault.kink() == WAD - 1


def test_set_interest_model__not_owner__reverts(vault, stranger):
    with ape.reverts("vault: caller is not the owner"):
        vault.set_interest_model(0, 1, 1, 5 * 10**17, sender=stranger)


def test_set_reserve_factor__accrues_at_the_old_factor_first(
    vault, engine, chain, seed, owner, trader, unit
):
    _borrow(vault, engine, seed, trader, unit, 50)
    pending = next_block(chain, 86_400)
    reserve_at_old_factor = vault.reserve(**pending)
    receipt = vault.set_reserve_factor(WAD, sender=owner)  # 100% is allowed
    assert vault.reserve() == reserve_at_old_factor
    assert vault.reserve_factor() == WAD
    assert logs(receipt, vault.ReserveFactorSet) == [
        {"old_factor": 10**17, "new_factor": WAD}
    ]
    assert vault.kink() == 8 * 10**17  # packed alongside, untouched


def test_set_reserve_factor__above_one__reverts(vault, owner, stranger):
    with ape.reverts("vault: reserve factor above 1"):
        vault.set_reserve_factor(WAD + 1, sender=owner)
    with ape.reverts("vault: caller is not the owner"):
        vault.set_reserve_factor(0, sender=stranger)
    assert vault.reserve_factor() == 10**17


def test_borrow_rate__curve_shape__continuous_at_the_kink(
    vault, engine, seed, owner, trader, unit
):
    # Per-second rates chosen so the kink and the top are easy to read.
    vault.set_interest_model(10, 800, 10_000, 8 * 10**17, sender=owner)
    seed(1_000)
    engine.lend(800 * unit, trader, 0, sender=trader)
    assert vault.utilization() == 8 * 10**17
    assert vault.borrow_rate() == 10 + 800
    engine.lend(200 * unit, trader, 0, sender=trader)
    assert vault.utilization() == WAD
    assert vault.borrow_rate() == 10 + 800 + 10_000
