"""borrow and repay: the vault round trip, rounding, minimum debt, the initial requirement."""

from __future__ import annotations

import ape
import pytest
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, WAD, ZERO_ADDRESS
from engine_model import debt_assets


@pytest.fixture
def q(system):
    return system.q


@pytest.fixture
def borrower(system, trader, funded_account):
    """A cross account of `trader` with 1 WETH (3,000 USD, CF 0.8: backs 2,400 USD)."""
    return funded_account(trader, CROSS, WETH=1)


# ---- borrow ---------------------------------------------------------------------------
def test_borrow__books_shares_sends_quote_and_logs(
    system, trader, stranger, borrower, q
):
    engine, vault, quote = system.engine, system.vault, system.quote
    receipt = engine.borrow(borrower, 1_000 * q, stranger, sender=trader)
    index = vault.debt_index()
    minted = -(-1_000 * q * WAD // index)  # the vault mints ceil(assets * WAD / index)
    assert receipt.events.filter(engine.Borrowed) == [
        engine.Borrowed(
            account_id=borrower,
            receiver=stranger,
            amount=1_000 * q,
            debt_shares_minted=minted,
            debt_shares=minted,
        )
    ]
    assert receipt.events.filter(vault.Lend) == [
        vault.Lend(receiver=stranger, assets=1_000 * q, debt_shares=minted)
    ]
    assert quote.balanceOf(stranger) == 1_000 * q
    assert engine.debt_shares_of(borrower) == minted
    assert vault.total_debt_shares() == minted
    assert engine.debt_of(borrower) == debt_assets(minted, index) >= 1_000 * q
    assert engine.is_active(borrower)


def test_borrow__adds_shares_at_the_new_index(system, advance, trader, borrower, q):
    engine, vault = system.engine, system.vault
    engine.borrow(borrower, 500 * q, trader, sender=trader)
    first = engine.debt_shares_of(borrower)
    advance(30 * 86_400)
    receipt = engine.borrow(borrower, 500 * q, trader, sender=trader)
    index = vault.debt_index()
    assert index > WAD  # interest accrued in between
    minted = receipt.events.filter(engine.Borrowed)[0].debt_shares_minted
    assert minted == -(-500 * q * WAD // index)
    assert (
        engine.debt_shares_of(borrower) == first + minted == vault.total_debt_shares()
    )
    assert engine.debt_of(borrower) == debt_assets(first + minted, index)


def test_borrow__operator_to_any_receiver(
    system, trader, operator, stranger, borrower, q
):
    engine = system.engine
    engine.set_operator(operator, True, sender=trader)
    engine.borrow(borrower, 100 * q, stranger, sender=operator)
    assert system.quote.balanceOf(stranger) == 100 * q


def test_borrow__failures(system, trader, stranger, borrower, q):
    engine = system.engine
    with ape.reverts("engine: unknown account"):
        engine.borrow(borrower + 1, 100 * q, trader, sender=trader)
    with ape.reverts("engine: not owner or operator"):
        engine.borrow(borrower, 100 * q, stranger, sender=stranger)
    with ape.reverts("engine: zero amount"):
        engine.borrow(borrower, 0, trader, sender=trader)
    with ape.reverts("engine: zero address"):
        engine.borrow(borrower, 100 * q, ZERO_ADDRESS, sender=trader)
    assert engine.debt_shares_of(borrower) == 0


def test_borrow__initial_requirement_exact_edge(system, trader, borrower, q):
    """At index 1.0, 1 WETH at 3,000 USD with CF 0.8 backs exactly 2,400 USDC (USDC at 1 USD)."""
    engine = system.engine
    assert system.vault.debt_index() == WAD
    with ape.reverts("engine: initial requirement not met"):
        engine.borrow(borrower, 2_400 * q + 1, trader, sender=trader)
    engine.borrow(borrower, 2_400 * q, trader, sender=trader)
    h = engine.account_health(borrower)
    assert h.equity_init == 0 == h.init_req
    # Not one more unit.
    with ape.reverts("engine: initial requirement not met"):
        engine.borrow(borrower, 10 * q, trader, sender=trader)


def test_borrow__no_collateral(system, trader, open_account, q):
    account = open_account(trader, ISOLATED)
    with ape.reverts("engine: initial requirement not met"):
        system.engine.borrow(account, 10 * q, trader, sender=trader)


def test_borrow__quote_collateral_counts(system, trader, funded_account, q):
    """Quote as collateral, CF 0.95: 1,000 USDC backs 950 USDC of debt."""
    engine = system.engine
    account = funded_account(trader, ISOLATED, USDC=1_000)
    with ape.reverts("engine: initial requirement not met"):
        engine.borrow(account, 950 * q + 1, trader, sender=trader)
    engine.borrow(account, 950 * q, trader, sender=trader)
    assert engine.debt_of(account) == 950 * q


def test_borrow__above_free_cash(system, trader, funded_account, q):
    """The vault lends only from free cash (1,000,000 USDC seeded here)."""
    engine = system.engine
    whale = funded_account(trader, CROSS, WETH=1_000)  # backs 2,400,000 USD
    cash = system.vault.free_cash()
    assert cash == 1_000_000 * q
    with ape.reverts("vault: exceeds free cash"):
        engine.borrow(whale, cash + 1, trader, sender=trader)
    engine.borrow(whale, cash, trader, sender=trader)
    assert system.vault.free_cash() == 0


def test_borrow__debt_below_minimum(system, trader, borrower, q):
    engine = system.engine
    minimum = engine.min_debt()
    assert minimum == 10 * q
    with ape.reverts("engine: debt below minimum"):
        engine.borrow(borrower, minimum - 1, trader, sender=trader)
    engine.borrow(borrower, minimum, trader, sender=trader)
    assert engine.debt_of(borrower) == minimum
    # Once above the minimum, small extra borrows are fine.
    engine.borrow(borrower, 1, trader, sender=trader)


# ---- repay ----------------------------------------------------------------------------
@pytest.fixture
def indebted(system, advance, trader, borrower, fund, q):
    """`borrower` owes 1,000 USDC borrowed 30 days ago (index > 1); trader holds quote to repay."""
    system.engine.borrow(borrower, 1_000 * q, trader, sender=trader)
    advance(30 * 86_400)
    fund(trader, "USDC", 1_000)
    system.quote.approve(system.engine, MAX_UINT256, sender=trader)
    return borrower


def test_repay__all_with_max(system, trader, indebted):
    engine, vault, quote = system.engine, system.vault, system.quote
    shares = engine.debt_shares_of(indebted)
    before_payer, before_vault = quote.balanceOf(trader), quote.balanceOf(vault)
    receipt = engine.repay(indebted, MAX_UINT256, sender=trader)
    index = vault.debt_index()
    paid = debt_assets(shares, index)  # ceil: the borrower pays the rounding
    assert index > WAD
    assert receipt.return_value == paid
    assert receipt.events.filter(engine.Repaid) == [
        engine.Repaid(
            account_id=indebted,
            payer=trader,
            amount=paid,
            debt_shares_burnt=shares,
            debt_shares=0,
        )
    ]
    assert receipt.events.filter(vault.Repay) == [
        vault.Repay(assets=paid, debt_shares=shares)
    ]
    assert quote.balanceOf(trader) == before_payer - paid
    assert quote.balanceOf(vault) == before_vault + paid
    assert engine.debt_shares_of(indebted) == 0 == vault.total_debt_shares()
    assert engine.debt_of(indebted) == 0
    assert not engine.is_active(indebted)
    assert engine.active_count() == 0


def test_repay__amount_above_debt_is_a_cap(system, trader, indebted, q):
    engine = system.engine
    shares = engine.debt_shares_of(indebted)
    receipt = engine.repay(indebted, 1_500 * q, sender=trader)
    assert (
        receipt.return_value
        == debt_assets(shares, system.vault.debt_index())
        < 1_500 * q
    )
    assert engine.debt_shares_of(indebted) == 0


def test_repay__partial_burns_floor_shares(system, trader, indebted, q):
    engine, vault = system.engine, system.vault
    shares = engine.debt_shares_of(indebted)
    receipt = engine.repay(indebted, 333 * q + 1, sender=trader)
    index = vault.debt_index()
    burnt = (333 * q + 1) * WAD // index  # the vault's favour
    assert receipt.return_value == 333 * q + 1
    assert receipt.events.filter(engine.Repaid) == [
        engine.Repaid(
            account_id=indebted,
            payer=trader,
            amount=333 * q + 1,
            debt_shares_burnt=burnt,
            debt_shares=shares - burnt,
        )
    ]
    assert (
        engine.debt_shares_of(indebted) == shares - burnt == vault.total_debt_shares()
    )
    assert engine.is_active(indebted)
    # The borrower never gains from rounding: the debt fell by at most what was paid.
    assert debt_assets(shares, index) - engine.debt_of(indebted) <= 333 * q + 1


def test_repay__anyone_may_repay(system, stranger, indebted, fund):
    engine = system.engine
    fund(stranger, "USDC", 2_000)
    engine.repay(indebted, MAX_UINT256, sender=stranger)
    assert engine.debt_of(indebted) == 0


def test_repay__failures(system, trader, borrower, indebted, open_account, q):
    engine = system.engine
    idle = open_account(trader, CROSS)
    with ape.reverts("engine: unknown account"):
        engine.repay(idle + 1, q, sender=trader)
    with ape.reverts("engine: zero amount"):
        engine.repay(indebted, 0, sender=trader)
    with ape.reverts("engine: no debt"):
        engine.repay(idle, q, sender=trader)
    with ape.reverts("engine: repay too small"):
        engine.repay(
            indebted, 1, sender=trader
        )  # 1 unit * WAD // index == 0 shares once index > 1


def test_repay__partial_leaving_less_than_minimum(system, trader, indebted, q):
    engine = system.engine
    debt = engine.debt_of(indebted)
    with ape.reverts("engine: debt below minimum"):
        engine.repay(
            indebted, debt - 10 * q + 10, sender=trader
        )  # leaves 10 USDC - 10 units
    engine.repay(indebted, debt - 11 * q, sender=trader)
    assert 10 * q <= engine.debt_of(indebted) <= 11 * q + 1
    # The rest can always be repaid in full.
    engine.repay(indebted, MAX_UINT256, sender=trader)
    assert engine.debt_of(indebted) == 0


def test_repay__payer_without_allowance(system, stranger, indebted, fund):
    fund(stranger, "USDC", 2_000)
    system.quote.approve(system.engine, 0, sender=stranger)
    with ape.reverts():
        system.engine.repay(indebted, MAX_UINT256, sender=stranger)
    assert system.engine.debt_shares_of(indebted) > 0
