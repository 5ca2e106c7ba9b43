"""Engine-only flows driven through the MockEngine: lend, take_repayment, pay_pnl, claims,
pay_claim, take_pnl and write_off; plus the access rule and set_engine.

Most tests flatten the interest curve (``flat_rates``) so debt does not grow between blocks
and every figure can be compared exactly; interest has its own module.
"""

from __future__ import annotations

import math
from fractions import Fraction

import ape
import pytest
from vault_model import WAD, ZERO_ADDRESS, logs

# ---- access ---------------------------------------------------------------------------
ENGINE_CALLS = [
    ("lend", (1, "lp", 0)),
    ("take_repayment", (1, 1)),
    ("pay_pnl", (1, 1)),
    ("pay_claim", (1,)),
    ("take_pnl", (1, 0)),
    ("write_off", (1,)),
]


def _args(args: tuple, lp) -> tuple:
    return tuple(lp if a == "lp" else a for a in args)


@pytest.mark.parametrize(
    ("name", "args"), ENGINE_CALLS, ids=[c[0] for c in ENGINE_CALLS]
)
def test_engine_only__no_engine_set__reverts(vault, owner, lp, name, args):
    with ape.reverts("vault: caller is not the engine"):
        getattr(vault, name)(*_args(args, lp), sender=owner)


@pytest.mark.parametrize(
    ("name", "args"), ENGINE_CALLS, ids=[c[0] for c in ENGINE_CALLS]
)
def test_engine_only__stranger_or_owner__reverts(
    vault, engine, owner, stranger, lp, name, args
):
    for caller in (stranger, owner):
        with ape.reverts("vault: caller is not the engine"):
            getattr(vault, name)(*_args(args, lp), sender=caller)


def test_set_engine__owner_once__registers_and_logs(vault, project, owner):
    engine = project.MockEngine.deploy(vault, sender=owner)
    receipt = vault.set_engine(engine, sender=owner)
    assert vault.engine() == engine.address
    assert logs(receipt, vault.EngineSet) == [{"engine": engine.address}]
    other = project.MockEngine.deploy(vault, sender=owner)
    with ape.reverts("vault: engine already set"):
        vault.set_engine(other, sender=owner)
    assert vault.engine() == engine.address


def test_set_engine__not_owner__reverts(vault, project, owner, stranger):
    engine = project.MockEngine.deploy(vault, sender=owner)
    with ape.reverts("vault: caller is not the owner"):
        vault.set_engine(engine, sender=stranger)


def test_set_engine__zero_or_no_code__reverts(vault, owner, stranger):
    with ape.reverts("vault: zero engine"):
        vault.set_engine(ZERO_ADDRESS, sender=owner)
    with ape.reverts("vault: engine has no code"):
        vault.set_engine(stranger, sender=owner)
    assert vault.engine() == ZERO_ADDRESS


# ---- lend -----------------------------------------------------------------------------
def test_lend__within_free_cash__sends_and_mints_debt_shares(
    vault, engine, quote, flat_rates, seed, trader, unit
):
    flat_rates()
    seed(1_000)
    assets = 300 * unit + 7
    index = vault.debt_index()
    expected_shares = math.ceil(Fraction(assets * WAD, index))

    receipt = engine.lend(assets, trader, 0, sender=trader)

    assert receipt.return_value == expected_shares
    assert vault.total_debt_shares() == expected_shares
    assert vault.total_debt() == math.ceil(Fraction(expected_shares * index, WAD))
    assert vault.total_debt() >= assets
    assert vault.cash() == 1_000 * unit - assets
    assert quote.balanceOf(trader) == assets
    assert vault.totalAssets() == vault.cash() + vault.total_debt()
    assert logs(receipt, vault.Lend) == [
        {"receiver": trader.address, "assets": assets, "debt_shares": expected_shares}
    ]


def test_lend__above_free_cash__reverts(vault, engine, flat_rates, seed, trader, unit):
    flat_rates()
    seed(1_000)
    engine.pay_pnl(1, 100 * unit, sender=trader)  # cash 900
    # free = cash - claims - reserved: with 200 reserved, 700.
    with ape.reverts("vault: exceeds free cash"):
        engine.lend(700 * unit + 1, trader, 200 * unit, sender=trader)
    engine.lend(700 * unit, trader, 200 * unit, sender=trader)
    assert vault.cash() == 200 * unit


def test_lend__claims_outstanding__not_lendable(
    vault, engine, flat_rates, seed, gift, trader, unit
):
    flat_rates()
    seed(100)
    engine.pay_pnl(7, 150 * unit, sender=trader)  # pays 100, books a 50 claim
    # Cash comes back as trader losses (a deposit is refused: equity is below 0).
    gift(80 * unit)  # cash 80, of which 50 is owed to claims
    with ape.reverts("vault: exceeds free cash"):
        engine.lend(30 * unit + 1, trader, 0, sender=trader)
    engine.lend(30 * unit, trader, 0, sender=trader)


def test_lend__zero_assets_or_receiver__reverts(vault, engine, seed, trader):
    seed()
    with ape.reverts("vault: zero assets"):
        engine.lend(0, trader, 0, sender=trader)
    with ape.reverts("vault: zero receiver"):
        engine.lend(1, ZERO_ADDRESS, 0, sender=trader)


# ---- take_repayment -------------------------------------------------------------------
def test_take_repayment__full__burns_the_shares_and_books_cash(
    vault, engine, quote, flat_rates, seed, trader, unit
):
    flat_rates()
    seed(1_000)
    shares = engine.lend(400 * unit, trader, 0, sender=trader).return_value
    owed = vault.total_debt()
    quote.mint(engine, owed, sender=trader)

    receipt = engine.take_repayment(owed, shares, owed, sender=trader)

    assert vault.total_debt_shares() == 0
    assert vault.total_debt() == 0
    assert vault.cash() == 1_000 * unit - 400 * unit + owed
    assert quote.balanceOf(vault) == vault.cash()
    assert logs(receipt, vault.Repay) == [{"assets": owed, "debt_shares": shares}]


def test_take_repayment__partial__burns_floor_shares(
    vault, engine, quote, flat_rates, seed, trader, unit
):
    flat_rates()
    seed(1_000)
    shares = engine.lend(400 * unit, trader, 0, sender=trader).return_value
    pay = 150 * unit
    burn = (
        pay * WAD // vault.debt_index()
    )  # what an engine burns for a partial repayment
    quote.mint(engine, pay, sender=trader)
    engine.take_repayment(pay, burn, pay, sender=trader)
    assert vault.total_debt_shares() == shares - burn


def test_take_repayment__more_shares_than_paid_for__reverts(
    vault, engine, quote, flat_rates, seed, trader, unit
):
    flat_rates()
    seed(1_000)
    shares = engine.lend(400 * unit, trader, 0, sender=trader).return_value
    owed = vault.total_debt()
    quote.mint(engine, owed, sender=trader)
    with ape.reverts("vault: repayment below debt"):
        engine.take_repayment(owed - 1, shares, owed, sender=trader)


def test_take_repayment__above_total_debt__reverts(
    vault, engine, quote, seed, trader, unit
):
    seed(1_000)
    shares = engine.lend(400 * unit, trader, 0, sender=trader).return_value
    quote.mint(engine, 500 * unit, sender=trader)
    with ape.reverts("vault: repayment exceeds debt"):
        engine.take_repayment(500 * unit, shares + 1, 500 * unit, sender=trader)


def test_take_repayment__not_transferred__reverts(
    vault, engine, quote, flat_rates, seed, trader, unit
):
    flat_rates()
    seed(1_000)
    shares = engine.lend(400 * unit, trader, 0, sender=trader).return_value
    owed = vault.total_debt()
    quote.mint(engine, owed, sender=trader)
    with ape.reverts("vault: assets not received"):
        engine.take_repayment(owed, shares, owed - 1, sender=trader)


def test_take_repayment__fee_on_transfer__reverts(
    vault, engine, quote, flat_rates, seed, trader, unit
):
    flat_rates()
    seed(1_000)
    shares = engine.lend(400 * unit, trader, 0, sender=trader).return_value
    owed = vault.total_debt()
    quote.mint(engine, owed, sender=trader)
    quote.set_fee_bps(10, sender=trader)
    with ape.reverts("vault: assets not received"):
        engine.take_repayment(owed, shares, owed, sender=trader)


# ---- pay_pnl and claims ---------------------------------------------------------------
def test_pay_pnl__cash_enough__pays_all_now(vault, engine, quote, seed, trader, unit):
    seed(1_000)
    receipt = engine.pay_pnl(3, 250 * unit, sender=trader)
    assert receipt.return_value == 250 * unit
    assert quote.balanceOf(engine) == 250 * unit
    assert vault.cash() == 750 * unit
    assert vault.claim_of(3) == 0
    assert vault.total_claims() == 0
    assert logs(receipt, vault.PnlPaid) == [
        {"account_id": 3, "assets": 250 * unit, "claimed": 0}
    ]


def test_pay_pnl__beyond_cash__books_a_claim(
    vault, engine, quote, flat_rates, seed, trader, unit
):
    flat_rates()
    seed(1_000)
    engine.lend(900 * unit, trader, 0, sender=trader)  # cash 100

    receipt = engine.pay_pnl(3, 250 * unit, sender=trader)

    assert receipt.return_value == 100 * unit
    assert quote.balanceOf(engine) == 100 * unit
    assert vault.cash() == 0
    assert vault.claim_of(3) == 150 * unit
    assert vault.total_claims() == 150 * unit
    # The whole 250 left the LPs' books: 100 paid, 150 owed.
    assert vault.totalAssets() == vault.total_debt() - 150 * unit
    assert logs(receipt, vault.PnlPaid) == [
        {"account_id": 3, "assets": 100 * unit, "claimed": 150 * unit}
    ]

    # A second profit while claims are unpaid is claimed entirely: claims are senior.
    engine.pay_pnl(4, unit, sender=trader)
    assert vault.claim_of(4) == unit
    assert vault.total_claims() == 151 * unit


def test_claims__cash_returns__claims_paid_first_lps_wait(
    vault, engine, quote, flat_rates, seed, fund, lp, lp2, trader, unit
):
    flat_rates()
    seed(1_000)
    engine.lend(900 * unit, trader, 0, sender=trader)
    engine.pay_pnl(3, 250 * unit, sender=trader)  # claim 150
    # Cash returns: a repayment of 400.
    pay = 400 * unit
    quote.mint(engine, pay, sender=trader)
    engine.take_repayment(pay, pay * WAD // vault.debt_index(), pay, sender=trader)
    assert vault.cash() == 400 * unit
    assert vault.free_cash() == 250 * unit  # 150 held for the claim
    assert vault.maxWithdraw(lp) == 250 * unit
    with ape.reverts("vault: exceeds free cash"):
        vault.withdraw(250 * unit + 1, lp, lp, sender=lp)

    before = quote.balanceOf(engine)
    receipt = engine.pay_claim(3, sender=trader)

    assert receipt.return_value == 150 * unit
    assert quote.balanceOf(engine) == before + 150 * unit
    assert vault.claim_of(3) == 0
    assert vault.total_claims() == 0
    assert vault.cash() == 250 * unit
    assert vault.free_cash() == 250 * unit  # paying the claim did not touch free cash
    assert logs(receipt, vault.ClaimPaid) == [{"account_id": 3, "assets": 150 * unit}]


def test_pay_claim__cash_short__pays_part(
    vault, engine, quote, flat_rates, seed, gift, trader, unit
):
    flat_rates()
    seed(100)
    engine.pay_pnl(3, 300 * unit, sender=trader)  # pays 100, claim 200
    gift(50 * unit)  # trader losses bring cash back (a deposit is refused: equity < 0)
    assert engine.pay_claim(3, sender=trader).return_value == 50 * unit
    assert vault.claim_of(3) == 150 * unit
    assert vault.total_claims() == 150 * unit
    assert vault.cash() == 0


def test_pay_claim__nothing_owed__pays_nothing(vault, engine, quote, seed, trader):
    seed()
    receipt = engine.pay_claim(9, sender=trader)
    assert receipt.return_value == 0
    assert quote.balanceOf(engine) == 0
    assert logs(receipt, vault.ClaimPaid) == []


# ---- take_pnl -------------------------------------------------------------------------
def test_take_pnl__fees__reserve_takes_its_factor(
    vault, engine, quote, flat_rates, seed, trader, unit
):
    flat_rates()
    seed(1_000)
    assets, fees = 90 * unit + 3, 7 * unit + 9
    expected_cut = fees * vault.reserve_factor() // WAD
    quote.mint(engine, assets, sender=trader)
    total = vault.totalAssets()

    receipt = engine.take_pnl(assets, fees, assets, sender=trader)

    assert vault.cash() == 1_000 * unit + assets
    assert vault.reserve() == expected_cut
    assert vault.totalAssets() == total + assets - expected_cut
    assert logs(receipt, vault.PnlReceived) == [
        {"assets": assets, "fees": fees, "to_reserve": expected_cut}
    ]


def test_take_pnl__fees_above_assets__netted_fee_gets_its_cut(
    vault, engine, quote, flat_rates, seed, trader, unit
):
    """I-1: a fee larger than the cash that arrived (the rest was netted against the
    trader's realised profit) still gives the reserve its cut of the whole fee."""
    flat_rates()
    seed(1_000)
    assets, fees = unit, 3 * unit + 7
    expected_cut = fees * vault.reserve_factor() // WAD
    quote.mint(engine, assets, sender=trader)
    total = vault.totalAssets()

    receipt = engine.take_pnl(assets, fees, assets, sender=trader)

    assert vault.cash() == 1_000 * unit + assets
    assert vault.reserve() == expected_cut > assets * vault.reserve_factor() // WAD
    assert vault.totalAssets() == total + assets - expected_cut
    assert logs(receipt, vault.PnlReceived) == [
        {"assets": assets, "fees": fees, "to_reserve": expected_cut}
    ]


def test_take_pnl__not_transferred__reverts(vault, engine, quote, seed, trader, unit):
    seed()
    quote.mint(engine, unit, sender=trader)
    with ape.reverts("vault: assets not received"):
        engine.take_pnl(unit, 0, unit - 1, sender=trader)


# ---- write_off ------------------------------------------------------------------------
def _setup_bad_debt(vault, engine, quote, seed, trader, unit, reserve_fees: int) -> int:
    seed(1_000)
    shares = engine.lend(500 * unit, trader, 0, sender=trader).return_value
    if reserve_fees:
        quote.mint(engine, reserve_fees, sender=trader)
        engine.take_pnl(reserve_fees, reserve_fees, reserve_fees, sender=trader)
    return shares


@pytest.mark.parametrize(
    "reserve_covers", [True, False], ids=["reserve_covers", "lps_absorb"]
)
def test_write_off__reserve_first_then_lps__share_price_falls_by_the_rest(
    vault, engine, quote, flat_rates, seed, trader, unit, reserve_covers
):
    flat_rates()
    fees = 3_000 * unit if reserve_covers else 500 * unit  # reserve = 10% of fees
    shares = _setup_bad_debt(vault, engine, quote, seed, trader, unit, fees)
    reserve = vault.reserve()
    total = vault.totalAssets()
    supply = vault.totalSupply()
    bad = shares // 2
    debt_before = vault.total_debt()
    expected = debt_before - math.ceil(
        Fraction((shares - bad) * vault.debt_index(), WAD)
    )
    from_reserve = min(expected, reserve)

    receipt = engine.write_off(bad, sender=trader)

    assert receipt.return_value == expected
    assert vault.total_debt_shares() == shares - bad
    assert vault.total_debt() == debt_before - expected
    assert vault.reserve() == reserve - from_reserve
    assert vault.totalAssets() == total - (expected - from_reserve)
    assert vault.totalSupply() == supply
    assert logs(receipt, vault.BadDebtWrittenOff) == [
        {
            "debt_shares": bad,
            "assets": expected,
            "from_reserve": from_reserve,
            "from_lps": expected - from_reserve,
        }
    ]
    if reserve_covers:
        assert vault.totalAssets() == total
    else:
        assert expected - from_reserve == 200 * unit  # 250 of bad debt, 50 of reserve


def test_write_off__above_total_debt__reverts(vault, engine, quote, seed, trader, unit):
    shares = _setup_bad_debt(vault, engine, quote, seed, trader, unit, 0)
    with ape.reverts("vault: write-off exceeds debt"):
        engine.write_off(shares + 1, sender=trader)
