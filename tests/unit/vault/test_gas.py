"""Gas scenarios for the vault (receipt gas, 21,000 intrinsic included), at pinned timestamps.

The quote token is a 6-decimal MockERC20 (USDC-like; its transferFrom is a typical ~17k).
Unless a name says otherwise the vault has its engine (the MockEngine) registered and the
marks are zero, the shape of a deployment with no open interest. The MockEngine's
`vault_marks()` reads five storage slots (about 13k of each LP action); a real engine's
view costs what it costs, so "no engine" shows the vault's own figure.
"""

from __future__ import annotations

import pytest
from vault_model import MAX_UINT256

pytestmark = pytest.mark.gas


@pytest.fixture(scope="module")
def quote_decimals() -> int:
    return 6


@pytest.fixture
def lp_ready(vault, quote, owner, lp, unit):
    quote.mint(lp, 10**6 * unit, sender=owner)
    quote.approve(vault, MAX_UINT256, sender=lp)
    return lp


def test_gas__first_deposit(vault, engine, lp_ready, pin_time, gas, unit):
    pin_time(0)
    gas.record(
        "vault: first deposit", vault.deposit(1_000 * unit, lp_ready, sender=lp_ready)
    )


def test_gas__repeat_deposit(vault, engine, lp_ready, pin_time, gas, unit):
    pin_time(0)
    vault.deposit(1_000 * unit, lp_ready, sender=lp_ready)
    pin_time(60)
    gas.record(
        "vault: repeat deposit", vault.deposit(500 * unit, lp_ready, sender=lp_ready)
    )


def test_gas__repeat_deposit_no_engine(vault, lp_ready, pin_time, gas, unit):
    pin_time(0)
    vault.deposit(1_000 * unit, lp_ready, sender=lp_ready)
    pin_time(60)
    receipt = vault.deposit(500 * unit, lp_ready, sender=lp_ready)
    gas.record("vault: repeat deposit, no engine", receipt)


def test_gas__repeat_deposit_interest_accruing(
    vault, engine, lp_ready, trader, pin_time, gas, unit
):
    pin_time(0)
    vault.deposit(1_000 * unit, lp_ready, sender=lp_ready)
    pin_time(10)
    engine.lend(600 * unit, trader, 0, sender=trader)
    pin_time(3_600)
    receipt = vault.deposit(500 * unit, lp_ready, sender=lp_ready)
    assert receipt.decode_logs(vault.InterestAccrued)  # the deposit did accrue
    gas.record("vault: repeat deposit, interest accruing", receipt)


def test_gas__repeat_deposit_engine_marks(
    vault, engine, lp_ready, trader, pin_time, gas, unit
):
    pin_time(0)
    vault.deposit(1_000 * unit, lp_ready, sender=lp_ready)
    engine.set_marks(-25 * unit, 10 * unit, 3 * unit, True, sender=trader)
    pin_time(60)
    receipt = vault.deposit(500 * unit, lp_ready, sender=lp_ready)
    gas.record("vault: repeat deposit, engine marks non-zero", receipt)


def test_gas__withdraw(vault, engine, lp_ready, pin_time, gas, unit):
    pin_time(0)
    vault.deposit(1_000 * unit, lp_ready, sender=lp_ready)
    pin_time(60)
    receipt = vault.withdraw(400 * unit, lp_ready, lp_ready, sender=lp_ready)
    gas.record("vault: withdraw", receipt)


def test_gas__redeem(vault, engine, lp_ready, pin_time, gas, unit):
    pin_time(0)
    shares = vault.deposit(1_000 * unit, lp_ready, sender=lp_ready).return_value
    pin_time(60)
    receipt = vault.redeem(shares // 2, lp_ready, lp_ready, sender=lp_ready)
    gas.record("vault: redeem", receipt)


def test_gas__engine_flows(
    vault, engine, quote, owner, lp_ready, trader, pin_time, gas, unit
):
    """The engine-only entry points, called through the MockEngine (its hop included)."""
    pin_time(0)
    vault.deposit(1_000 * unit, lp_ready, sender=lp_ready)
    quote.mint(engine, 1_000 * unit, sender=owner)
    pin_time(10)
    engine.lend(100 * unit, trader, 0, sender=trader)  # the first debt
    pin_time(20)
    gas.record(
        "vault: lend via MockEngine", engine.lend(100 * unit, trader, 0, sender=trader)
    )
    pin_time(3_600)
    receipt = engine.take_repayment(50 * unit, 40 * unit, 50 * unit, sender=trader)
    gas.record("vault: take_repayment via MockEngine", receipt)
    pin_time(3_700)
    receipt = engine.take_pnl(20 * unit, 2 * unit, 20 * unit, sender=trader)
    gas.record("vault: take_pnl via MockEngine", receipt)
    pin_time(3_800)
    gas.record(
        "vault: pay_pnl via MockEngine", engine.pay_pnl(1, 30 * unit, sender=trader)
    )
