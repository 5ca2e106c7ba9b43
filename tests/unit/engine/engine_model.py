"""An exact Python model of DESIGN.md's health formulas (imported by module name).

Every figure is computed with ``fractions.Fraction`` from the raw inputs read off the chain
(balances, decimals, prices, factors, debt shares, debt index). The only integer rounding
the model takes as a definition is the vault's own: debt in quote units is
ceil(shares * index / WAD) (IVault.vyi). The contract's figures must then lie within as many
wei of the exact ones as they have divisions, always against the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

WAD = 10**18
MAX_UINT256 = 2**256 - 1


@dataclass(frozen=True)
class Holding:
    """One collateral balance with everything needed to value it."""

    amount: int  # token units
    decimals: int
    price: int  # WAD USD per whole token
    cf: int  # WAD
    lt: int  # WAD


@dataclass(frozen=True)
class ExactHealth:
    wc_maint: Fraction
    wc_init: Fraction
    debt: Fraction
    pnl: Fraction
    maint_req: Fraction
    init_req: Fraction
    equity_maint: Fraction
    equity_init: Fraction
    shortfall: Fraction
    health_factor: Fraction | None  # None = infinite (not active or nothing owed)
    liquidatable: bool
    n_tokens: int

    # Divisions (each rounding step) per figure, to bound the contract's error.
    @property
    def wc_divisions(self) -> int:
        return 2 * self.n_tokens  # value, then the weight, per token

    @property
    def debt_divisions(self) -> int:
        return 1  # the USD valuation of the (integer) quote debt


def debt_assets(shares: int, index: int) -> int:
    """Quote owed for `shares` at `index`: the vault's definition, ceil(shares * index / WAD)."""
    return -(-shares * index // WAD)


def exact_health(
    holdings: list[Holding],
    shares: int,
    index: int,
    quote_price: int,
    quote_decimals: int,
    active: bool,
    pnl: Fraction = Fraction(0),
    maint_req: Fraction = Fraction(0),
    init_req: Fraction = Fraction(0),
) -> ExactHealth:
    """DESIGN.md, Health, exactly."""
    wc_maint = Fraction(0)
    wc_init = Fraction(0)
    for h in holdings:
        value = Fraction(h.amount * h.price, 10**h.decimals)
        wc_maint += value * h.lt / WAD
        wc_init += value * h.cf / WAD
    debt = Fraction(debt_assets(shares, index) * quote_price, 10**quote_decimals)
    pnl_pos = max(pnl, Fraction(0))
    pnl_neg = max(-pnl, Fraction(0))
    owed = debt + pnl_neg + maint_req
    backing = wc_maint + pnl_pos
    equity_maint = wc_maint - debt + pnl
    hf = None if (not active or owed == 0) else backing * WAD / owed
    return ExactHealth(
        wc_maint=wc_maint,
        wc_init=wc_init,
        debt=debt,
        pnl=pnl,
        maint_req=maint_req,
        init_req=init_req,
        equity_maint=equity_maint,
        equity_init=wc_init - debt - pnl_neg,
        shortfall=owed - backing,
        health_factor=hf,
        liquidatable=active and equity_maint < maint_req,
        n_tokens=len(holdings),
    )


def holdings_of(system: Any, account_id: int) -> list[Holding]:
    """Read every input of an account's collateral valuation from the chain."""
    engine = system.engine
    out = []
    for token in engine.collaterals_of(account_id):
        cfg = engine.collateral_config(token)
        price, _status = system.oracle.price_info(cfg.oracle_asset)
        out.append(
            Holding(
                amount=engine.collateral_of(account_id, token),
                decimals=cfg.decimals,
                price=price,
                cf=cfg.collateral_factor,
                lt=cfg.liquidation_threshold,
            )
        )
    return out


def model_of(system: Any, account_id: int) -> ExactHealth:
    """The exact health of an account from chain inputs (prices read from the adapter)."""
    engine = system.engine
    quote_cfg = engine.collateral_config(system.quote)
    quote_price, _status = system.oracle.price_info(quote_cfg.oracle_asset)
    shares = engine.debt_shares_of(account_id)
    index = system.vault.debt_index()
    return exact_health(
        holdings_of(system, account_id),
        shares,
        index,
        quote_price,
        quote_cfg.decimals,
        engine.is_active(account_id),
    )


def check_against_model(onchain: Any, exact: ExactHealth) -> None:
    """Each figure within its number of divisions of the exact one, always against the account."""
    # Collateral rounds down.
    assert 0 <= exact.wc_maint - onchain.wc_maint < max(exact.wc_divisions, 1)
    assert 0 <= exact.wc_init - onchain.wc_init < max(exact.wc_divisions, 1)
    # Debt rounds up.
    assert 0 <= onchain.debt - exact.debt < exact.debt_divisions
    assert (
        onchain.pnl == exact.pnl
        and onchain.maint_req == exact.maint_req
        and onchain.init_req == exact.init_req
    )
    # Derived figures: exact sums of the rounded components, so their error is the sum of the
    # components' errors, in the same direction.
    assert onchain.equity_maint == onchain.wc_maint - onchain.debt + onchain.pnl
    assert (
        0
        <= exact.equity_maint - onchain.equity_maint
        < exact.wc_divisions + exact.debt_divisions
    )
    assert (
        0
        <= exact.equity_init - onchain.equity_init
        < exact.wc_divisions + exact.debt_divisions
    )
    assert (
        0
        <= onchain.shortfall - exact.shortfall
        < exact.wc_divisions + exact.debt_divisions
    )
    # Health factor: one more division of the rounded figures, never above the exact one.
    if exact.health_factor is None:
        assert onchain.health_factor == MAX_UINT256
    else:
        owed = onchain.debt + max(-onchain.pnl, 0) + onchain.maint_req
        assert (
            onchain.health_factor
            == (onchain.wc_maint + max(onchain.pnl, 0)) * WAD // owed
        )
        assert onchain.health_factor <= exact.health_factor
    # The flag: equal, except that within the rounding band the contract may only be stricter.
    if exact.liquidatable:
        assert onchain.liquidatable
    elif onchain.liquidatable:
        assert (
            exact.equity_maint - exact.maint_req
            < exact.wc_divisions + exact.debt_divisions
        )
    assert (onchain.health_factor < WAD) == onchain.liquidatable or not onchain.active
