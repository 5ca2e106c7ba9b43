"""Locks across the vault/engine boundary.

- Read-only reentrancy: while the vault executes a state change, its views revert (one
  lock, views included). The only call the vault makes to the engine is the static
  `vault_marks()` read; an engine that reads the vault back from there makes LP actions halt
  ("marks unavailable") instead of pricing at half-updated books. From a plain view call the
  same read-back works.
- The engine-only entry points never call the engine: they work while `vault_marks()`
  reverts, which is what lets the engine call them while holding its own lock.
"""

from __future__ import annotations

import ape
import pytest
from vault_model import MAX_UINT256


@pytest.fixture(scope="module")
def quote_decimals() -> int:
    return 6


def test_marks_reading_the_vault__plain_views_work(
    vault, engine, seed, lp, trader, unit
):
    seed(100)
    engine.set_mode(engine.MODE_REENTER(), sender=trader)
    assert (
        vault.totalAssets() == 100 * unit
    )  # vault -> engine -> vault.cash(): no lock held
    assert vault.maxDeposit(lp) == MAX_UINT256
    assert vault.maxWithdraw(lp) == 100 * unit


def test_marks_reading_the_vault__during_a_vault_action__lp_actions_halt(
    vault, engine, seed, fund, lp, trader, unit
):
    minted = seed(100)
    fund(lp, unit)
    engine.set_mode(engine.MODE_REENTER(), sender=trader)
    with ape.reverts("vault: marks unavailable"):
        vault.deposit(unit, lp, sender=lp)
    with ape.reverts("vault: marks unavailable"):
        vault.redeem(minted, lp, lp, sender=lp)
    # Twin: the same actions once the engine stops reading the vault back.
    engine.set_mode(engine.MODE_NORMAL(), sender=trader)
    vault.deposit(unit, lp, sender=lp)
    vault.redeem(minted, lp, lp, sender=lp)
    assert vault.balanceOf(lp) > 0


def test_engine_only_calls__marks_reverting__never_call_the_engine(
    vault, engine, quote, seed, trader, unit
):
    seed(1_000)
    engine.set_mode(engine.MODE_REVERT(), sender=trader)
    shares = engine.lend(400 * unit, trader, 0, sender=trader).return_value
    quote.mint(engine, 1_000 * unit, sender=trader)
    pay = 100 * unit
    engine.take_repayment(
        pay, pay * 10**18 // vault.debt_index() // 2, pay, sender=trader
    )
    engine.take_pnl(10 * unit, unit, 10 * unit, sender=trader)
    engine.pay_pnl(1, 900 * unit, sender=trader)  # more than cash: books a claim
    engine.pay_claim(1, sender=trader)
    engine.write_off(shares // 4, sender=trader)
    vault.accrue(sender=trader)
    assert vault.total_claims() > 0
    assert vault.total_debt_shares() < shares
