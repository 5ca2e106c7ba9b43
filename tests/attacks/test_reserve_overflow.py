"""Finding V-08: at the maximum interest rate the reserve overflowed its packed field.

The failure. Cash and the reserve share one slot (128 bits each) and the debt index shares
one with the accrual time (192 bits). At `MAX_BORROW_RATE` (1000 %/yr), accrued monthly,
debt grows about 1.83x a month: after about 117 months the reserve passed 2**128 - 1 and
every accrual reverted "vault: reserve overflow", so `redeem`, `withdraw`, the setters and
every engine call that accrues were frozen for good (about 34 months later the index would
have passed 2**192 - 1 the same way). Anyone who borrows at the cap and never repays could
reach it; nobody could then leave.

The fix (docs/vault.md, Storage packing). Accrual saturates instead of reverting: interest
stops once total debt reaches 2**128 - 1 quote units (more than any token's supply), the
index stops at 2**192 - 1, and the reserve at 2**128 - 1 (a cut past the cap stays with
the LPs). No accrual can revert for size.

Asserted, over 160 monthly accruals at the cap (6-decimal quote, 900 of 1,000 lent), at the
default factor and at factor 1: every accrual's reserve cut is exactly
floor(interest * factor) until the cap, then the reserve stays at 2**128 - 1; interest stops
once debt reaches 2**128 - 1; totalAssets always equals
cash + debt - reserve (no claims, no marks); afterwards a redeem meets its ordinary
free-cash check and a withdrawal of all free cash burns exactly its preview, and both
setters and `skim` work. The twin: the same loan at the
default curve accrues as before (no saturation, exact cut).
"""

from __future__ import annotations

import ape
import pytest

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env")

MAX_UINT256 = 2**256 - 1
UNIT = 10**6
WAD = 10**18
YEAR = 365 * 86400
MONTH = 30 * 86400
CAP = 2**128 - 1  # the reserve's and the debt's saturation point


@pytest.fixture(scope="module")
def lent_vault(project, owner, lp, trader):
    """A vault over a 6-decimal quote with a MockEngine: lp deposits 1,000, the engine lends
    900 to trader (100 of cash stays for the LP's exit)."""
    token = project.MockERC20.deploy("Mock USDC", "USDC", 6, sender=owner)
    vault = project.Vault.deploy(
        token,
        "Bulkhead Quote Vault",
        "bhQUOTE",
        0,
        4 * WAD // 100 // YEAR,
        75 * WAD // 100 // YEAR,
        8 * WAD // 10,
        WAD // 10,
        sender=owner,
    )
    engine = project.MockEngine.deploy(vault, sender=owner)
    vault.set_engine(engine, sender=owner)
    token.mint(lp, 1_000 * UNIT, sender=lp)
    token.approve(vault, MAX_UINT256, sender=lp)
    vault.deposit(1_000 * UNIT, lp, sender=lp)
    engine.lend(900 * UNIT, trader, 0, sender=trader)
    return token, vault, engine


def _books_hold(vault) -> None:
    assert vault.totalAssets() == max(
        0, vault.cash() + vault.total_debt() - vault.reserve() - vault.total_claims()
    )


@pytest.mark.parametrize("factor", [WAD // 10, WAD], ids=["default_factor", "factor_1"])
def test_max_rate__160_monthly_accruals__saturate_and_exits_and_setters_work(
    lent_vault, owner, lp, trader, chain, factor
):
    """At the default factor (10 %, the audit's case) interest stops first and the reserve
    stays below its cap; with factor 1 the reserve reaches its cap the month the debt does."""
    token, vault, engine = lent_vault
    rate = vault.MAX_BORROW_RATE()
    vault.set_interest_model(rate, 0, 0, vault.kink(), sender=owner)
    vault.set_reserve_factor(factor, sender=owner)
    debt, reserve = vault.total_debt(), vault.reserve()
    capped_at = None
    stopped_at = None
    for month in range(1, 161):
        chain.pending_timestamp = chain.blocks.head.timestamp + MONTH
        receipt = vault.accrue(sender=trader)
        new_debt, new_reserve = vault.total_debt(), vault.reserve()
        interest = new_debt - debt
        if debt >= CAP:
            assert interest == 0, "interest stops once the debt reaches 2**128 - 1"
            stopped_at = stopped_at or month
        assert new_reserve == min(reserve + interest * factor // WAD, CAP)
        if new_reserve == CAP and capped_at is None:
            capped_at = month
        [accrued] = receipt.events.filter(vault.InterestAccrued)
        assert (accrued.interest, accrued.to_reserve) == (
            interest,
            new_reserve - reserve,
        )
        _books_hold(vault)
        debt, reserve = new_debt, new_reserve
    assert stopped_at is not None and 100 < stopped_at <= 120
    if factor == WAD:
        assert capped_at == stopped_at - 1 and vault.reserve() == CAP
    else:
        assert capped_at is None and CAP // 10 < vault.reserve() < CAP // 4
    assert vault.debt_index() < 2**192

    # Exits still reach their own checks (the accrual no longer reverts). One share is now
    # worth more than the vault's cash, so a redeem of one share meets the free-cash rule
    # (and maxRedeem says 0), while a withdrawal of all free cash burns exactly its preview.
    assert vault.maxRedeem(lp) == 0
    with ape.reverts("vault: exceeds free cash"):
        vault.redeem(1, lp, lp, sender=lp)
    free = vault.free_cash()
    assert free == vault.maxWithdraw(lp) == 100 * UNIT
    shares, burnt = vault.balanceOf(lp), vault.previewWithdraw(free)
    assert vault.withdraw(free, lp, lp, sender=lp).return_value == burnt
    assert vault.balanceOf(lp) == shares - burnt
    assert token.balanceOf(lp) == free
    assert vault.cash() == token.balanceOf(vault) == 0
    _books_hold(vault)
    # The setters still work (each accrues first).
    vault.set_interest_model(0, rate // 2, rate // 2, vault.kink(), sender=owner)
    vault.set_reserve_factor(WAD // 5, sender=owner)
    assert (vault.slope1(), vault.reserve_factor()) == (rate // 2, WAD // 5)
    # A skim still works (at the cap the gift stays with the LPs' books).
    reserve = vault.reserve()
    token.mint(vault, UNIT, sender=lp)
    assert vault.skim(sender=lp).return_value == UNIT
    assert vault.reserve() == min(reserve + UNIT, CAP)
    _books_hold(vault)


def test_default_curve__same_loan__accrues_exactly_without_saturation(
    lent_vault, trader, chain
):
    _, vault, _ = lent_vault
    factor = vault.reserve_factor()
    debt, reserve = vault.total_debt(), vault.reserve()
    for _ in range(12):
        chain.pending_timestamp = chain.blocks.head.timestamp + MONTH
        vault.accrue(sender=trader)
        interest = vault.total_debt() - debt
        assert interest > 0
        assert vault.reserve() == reserve + interest * factor // WAD < CAP
        _books_hold(vault)
        debt, reserve = vault.total_debt(), vault.reserve()
