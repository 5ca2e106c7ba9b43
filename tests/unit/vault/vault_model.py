"""A Python model of the vault's arithmetic, for the vault tests (imported by module name).

Every figure is first computed exactly with ``fractions.Fraction``; the contract's value is
then that exact figure rounded in the vault's favour (``ceil`` for what borrowers and
depositors give, ``floor`` for what they get). The model reads every parameter from the
deployed vault, so no contract number is copied here; the defaults below are test inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck
from hypothesis import strategies as st
from scripts._constants import MAX_UINT256, WAD, ZERO_ADDRESS  # noqa: F401 (re-exported to the tests)

SECONDS_PER_YEAR = 365 * 86_400


def per_second(annual: Fraction) -> int:
    """An annual rate (e.g. Fraction(4, 100)) as WAD per second, rounded down."""
    return math.floor(annual * WAD / SECONDS_PER_YEAR)


# DESIGN.md defaults: base 0, slope1 4%/yr up to the kink at 80%, slope2 +75%/yr at 100%,
# reserve factor 10%. Inputs to the deploy factory, not truths read back by the tests.
DEFAULT_PARAMS: dict[str, int] = {
    "base_rate": 0,
    "slope1": per_second(Fraction(4, 100)),
    "slope2": per_second(Fraction(75, 100)),
    "kink": 8 * 10**17,
    "reserve_factor": 10**17,
}


def ceil_frac(x: Fraction) -> int:
    return math.ceil(x)


def floor_frac(x: Fraction) -> int:
    return math.floor(x)


@dataclass(frozen=True)
class Curve:
    """The vault's interest parameters, read from the contract."""

    base_rate: int
    slope1: int
    slope2: int
    kink: int
    reserve_factor: int

    @classmethod
    def of(cls, vault: Any) -> Curve:
        return cls(
            base_rate=vault.base_rate(),
            slope1=vault.slope1(),
            slope2=vault.slope2(),
            kink=vault.kink(),
            reserve_factor=vault.reserve_factor(),
        )

    def exact_rate(self, utilization: Fraction) -> Fraction:
        """The curve's rate at an exact utilisation (a WAD-scaled Fraction), WAD per second."""
        if utilization <= self.kink:
            return self.base_rate + Fraction(self.slope1) * utilization / self.kink
        return (
            self.base_rate
            + self.slope1
            + Fraction(self.slope2) * (utilization - self.kink) / (WAD - self.kink)
        )


@dataclass(frozen=True)
class Step:
    """One accrual: the exact figures and what the vault must store (rounded its way)."""

    utilization_exact: Fraction
    utilization: int
    rate_exact: Fraction
    rate: int
    index_exact: Fraction
    index: int
    debt_exact: Fraction
    debt: int
    interest: int
    to_reserve: int


def accrue_step(curve: Curve, index: int, shares: int, cash: int, dt: int) -> Step:
    """Model one accrual of `dt` seconds from (index, shares) with `cash` held by the vault.

    Each integer is the ceiling of the exact Fraction built from the previous integers, which
    is what "within 1 wei per step, rounding in the vault's favour" means.
    """
    debt_before = ceil_frac(Fraction(shares * index, WAD))
    u_exact = (
        Fraction(debt_before * WAD, cash + debt_before)
        if cash + debt_before
        else Fraction(0)
    )
    u = ceil_frac(u_exact)
    rate_exact = curve.exact_rate(Fraction(u))
    rate = ceil_frac(rate_exact)
    index_exact = Fraction(index * (WAD + rate * dt), WAD)
    new_index = ceil_frac(index_exact)
    debt_exact = Fraction(shares * new_index, WAD)
    debt = ceil_frac(debt_exact)
    interest = debt - debt_before
    return Step(
        utilization_exact=u_exact,
        utilization=u,
        rate_exact=rate_exact,
        rate=rate,
        index_exact=index_exact,
        index=new_index,
        debt_exact=debt_exact,
        debt=debt,
        interest=interest,
        to_reserve=floor_frac(Fraction(interest * curve.reserve_factor, WAD)),
    )


@dataclass(frozen=True)
class Prices:
    """The share-price inputs as the vault uses them: supply + virtual shares over
    priced assets (+1 virtual asset), at the mid, entry and exit prices."""

    supply: int  # totalSupply + virtual shares
    mid: int  # totalAssets + 1
    entry: int  # totalAssets + band + 1
    exit: int  # max(0, totalAssets - band) + 1

    @classmethod
    def of(cls, vault: Any, band: int = 0) -> Prices:
        virtual = 10 ** vault.DECIMALS_OFFSET()
        total = vault.totalAssets()
        return cls(
            supply=vault.totalSupply() + virtual,
            mid=total + 1,
            entry=total + band + 1,
            exit=max(0, total - band) + 1,
        )

    def deposit(self, assets: int) -> int:
        return floor_frac(Fraction(assets * self.supply, self.entry))

    def mint(self, shares: int) -> int:
        return ceil_frac(Fraction(shares * self.entry, self.supply))

    def withdraw(self, assets: int) -> int:
        return ceil_frac(Fraction(assets * self.supply, self.exit))

    def redeem(self, shares: int) -> int:
        return floor_frac(Fraction(shares * self.exit, self.supply))


# ---- test helpers -----------------------------------------------------------------------
def logs(receipt: Any, event: Any) -> list[dict[str, Any]]:
    """The `event` logs that `event`'s contract emitted in `receipt`, as plain dicts."""
    emitter = event.contract.address
    return [
        dict(log.event_arguments)
        for log in receipt.decode_logs(event)
        if log.contract_address == emitter
    ]


def next_block(chain: Any, dt: int = 1) -> dict[str, str]:
    """Pin the next block `dt` seconds after the head; returns the call kwargs that read
    views as of that block, so a preview equals what the next transaction sees."""
    chain.pending_timestamp = chain.blocks.head.timestamp + dt
    return {"block_id": "pending"}


# ---- Hypothesis helpers ---------------------------------------------------------------
# Fixtures are reused across examples on purpose: every example runs inside a chain snapshot.
FIXTURES_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
ratios = st.integers(min_value=1, max_value=1_000)  # per mille of what is available


def views_answer(
    vault: Any, holders: list[Any], amounts: list[int], full: bool = True
) -> None:
    """Call every max* and preview* view (and, if `full`, convert* and the accounting
    views); a revert fails the test."""
    for holder in holders:
        for name in ("maxDeposit", "maxMint", "maxWithdraw", "maxRedeem"):
            getattr(vault, name)(holder)
    previews = ["previewDeposit", "previewMint", "previewWithdraw", "previewRedeem"]
    for amount in amounts:
        for name in previews + (["convertToShares", "convertToAssets"] if full else []):
            getattr(vault, name)(amount)
    if not full:
        return
    for name in (
        "totalAssets",
        "free_cash",
        "share_price",
        "book_assets",
        "total_debt",
        "utilization",
        "borrow_rate",
        "reserve",
        "debt_index",
    ):
        getattr(vault, name)()
