"""An exact Python model of DESIGN.md's health formulas (imported by module name).

Every figure is computed with ``fractions.Fraction`` from the raw inputs read off the chain
(balances, decimals, prices, factors, debt shares, debt index, positions). The integer
roundings the model takes as definitions are the stored states': the vault's debt in quote
units is ceil(shares * index / WAD) (IVault.vyi), and a market's funding indices move by
the rounded steps its module documents (``indices_now``: each side's index is state, the
way the debt index is). The contract's figures must then lie within as many wei of the
exact ones as they have divisions, always against the account.

The perp part also re-implements the registry's fill price and trade arithmetic
(``fill_price``, ``apply_trade``) with exact ``Fraction`` PnL, so tests can check every
fill, realised PnL and basis from first principles.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from scripts._constants import MAX_UINT256, WAD  # noqa: F401 (re-exported to the tests)


@dataclass(frozen=True)
class Holding:
    """One collateral balance with everything needed to value it."""

    amount: int  # token units
    decimals: int
    price: int  # WAD USD per whole token
    cf: int  # WAD
    lt: int  # WAD


@dataclass(frozen=True)
class Held:
    """One perp position with everything needed to value it."""

    size: int  # WAD base units, signed
    basis: int  # USD WAD (the on-chain state of the position)
    price: int  # WAD USD
    index: int  # the funding index of the position's side as of now (state, integer)
    initial: int  # WAD
    maintenance: int  # WAD


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
    n_positions: int = 0

    # Divisions (each rounding step) per figure, to bound the contract's error.
    @property
    def wc_divisions(self) -> int:
        return 2 * self.n_tokens  # value, then the weight, per token

    @property
    def debt_divisions(self) -> int:
        return 1  # the USD valuation of the (integer) quote debt

    @property
    def pnl_divisions(self) -> int:
        return self.n_positions  # one division per position's PnL

    @property
    def req_divisions(self) -> int:
        return 2 * self.n_positions  # the notional, then the margin, per position


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
    held: tuple[Held, ...] = (),
) -> ExactHealth:
    """DESIGN.md, Health, exactly."""
    pnl = sum(
        (position_pnl(h.size, h.basis, h.price, h.index) for h in held), Fraction(0)
    )
    maint_req = sum(
        (Fraction(abs(h.size) * h.price * h.maintenance, WAD * WAD) for h in held),
        Fraction(0),
    )
    init_req = sum(
        (Fraction(abs(h.size) * h.price * h.initial, WAD * WAD) for h in held),
        Fraction(0),
    )
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
        n_positions=len(held),
    )


def holdings_of(system: Any, account_id: int) -> list[Holding]:
    """Read every input of an account's collateral valuation from the chain (a claim on
    the vault counts as quote collateral)."""
    engine = system.engine
    out = []
    tokens = list(engine.collaterals_of(account_id))
    claim = engine.claim_of(account_id)
    if claim and system.quote.address not in tokens:
        tokens.insert(0, system.quote.address)
    for token in tokens:
        cfg = engine.collateral_config(token)
        price, _status = system.oracle.price_info(cfg.oracle_asset)
        amount = engine.collateral_of(account_id, token)
        if token == system.quote.address:
            amount += claim
        out.append(
            Holding(
                amount=amount,
                decimals=cfg.decimals,
                price=price,
                cf=cfg.collateral_factor,
                lt=cfg.liquidation_threshold,
            )
        )
    return out


def held_of(system: Any, account_id: int, now: int) -> tuple[Held, ...]:
    """Read every input of an account's perp valuation from the chain at time `now`."""
    out = []
    for position in system.engine.positions_of(account_id):
        market = system.registry.market(position.market_id)
        state = system.registry.market_state(position.market_id)
        price, _status = system.oracle.price_info(market.oracle_asset)
        index_long, index_short = indices_now(state, price, now)
        out.append(
            Held(
                size=position.size,
                basis=position.basis,
                price=price,
                index=index_long if position.size > 0 else index_short,
                initial=market.params.initial_margin,
                maintenance=market.params.maintenance_margin,
            )
        )
    return tuple(out)


def model_of(system: Any, account_id: int, now: int | None = None) -> ExactHealth:
    """The exact health of an account from chain inputs (prices read from the adapter),
    at time `now` (default: the head block's time, what a view call sees)."""
    engine = system.engine
    quote_cfg = engine.collateral_config(system.quote)
    quote_price, _status = system.oracle.price_info(quote_cfg.oracle_asset)
    shares = engine.debt_shares_of(account_id)
    index = system.vault.debt_index()
    if now is None:
        now = system.engine.provider.get_block("latest").timestamp
    return exact_health(
        holdings_of(system, account_id),
        shares,
        index,
        quote_price,
        quote_cfg.decimals,
        engine.is_active(account_id),
        held_of(system, account_id, now),
    )


def check_against_model(onchain: Any, exact: ExactHealth) -> None:
    """Each figure within its number of divisions of the exact one, always against the account."""
    # Collateral rounds down.
    assert 0 <= exact.wc_maint - onchain.wc_maint < max(exact.wc_divisions, 1)
    assert 0 <= exact.wc_init - onchain.wc_init < max(exact.wc_divisions, 1)
    # Debt rounds up.
    assert 0 <= onchain.debt - exact.debt < exact.debt_divisions
    # PnL rounds down (against the trader), requirements up.
    assert 0 <= exact.pnl - onchain.pnl <= exact.pnl_divisions
    assert 0 <= onchain.maint_req - exact.maint_req <= exact.req_divisions
    assert 0 <= onchain.init_req - exact.init_req <= exact.req_divisions
    # Derived figures: exact sums of the rounded components, so their error is the sum of the
    # components' errors, in the same direction.
    margin = exact.wc_divisions + exact.debt_divisions + exact.pnl_divisions
    assert onchain.equity_maint == onchain.wc_maint - onchain.debt + onchain.pnl
    assert 0 <= exact.equity_maint - onchain.equity_maint < margin + 1
    assert 0 <= exact.equity_init - onchain.equity_init < margin + 1
    assert 0 <= onchain.shortfall - exact.shortfall < margin + exact.req_divisions + 1
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
        assert exact.equity_maint - exact.maint_req < margin + exact.req_divisions + 1
    assert (onchain.health_factor < WAD) == onchain.liquidatable or not onchain.active


# ---- perps --------------------------------------------------------------------------------
def div_floor(x: int, y: int) -> int:
    return x // y  # Python's // is floor division


def div_ceil(x: int, y: int) -> int:
    return -(-x // y)


def position_pnl(size: int, basis: int, price: int, index: int) -> Fraction:
    """Exact PnL incl. funding of a position (basis and index are state)."""
    edge = Fraction(abs(size) * (price - index), WAD)
    return edge - basis if size > 0 else basis - edge


def indices_now(state: Any, price: int, now: int) -> tuple[int, int]:
    """A market's funding indices (longs, shorts) at `now`: the stored ones plus the pending
    step at `price` (the last accrual price if 0), each side rounded against its traders."""
    index_long, index_short = state.funding_long, state.funding_short
    dt = now - state.last_update
    if dt == 0 or state.long_size == state.short_size:
        return index_long, index_short
    p = price or state.last_price
    up = div_ceil(state.rate_up * p * dt, WAD)
    down = state.rate_down * p * dt // WAD
    if state.long_size > state.short_size:
        return index_long + up, index_short + down
    return index_long - down, index_short - up


def rates(max_rate: int, skew_scale: int, long: int, short: int) -> tuple[int, int]:
    """The stored funding rate magnitudes (rounded up, rounded down) for a skew."""
    skew = abs(long - short)
    if skew >= skew_scale:
        return max_rate, max_rate
    return div_ceil(max_rate * skew, skew_scale), max_rate * skew // skew_scale


def fill_price(params: Any, price: int, long: int, short: int, delta: int) -> int:
    """The registry's fill: price × (1 ± (spread + impact)) in the trade's direction."""
    skew_after = long - short + delta
    directed = skew_after if delta > 0 else -skew_after
    adjust = params.spread
    if directed > 0:
        adjust += min(10**17, div_ceil(directed * WAD, params.skew_impact_scale))
    if delta > 0:
        return div_ceil(price * (WAD + adjust), WAD)
    return price * (WAD - adjust) // WAD


@dataclass(frozen=True)
class TradeResult:
    size: int
    basis: int
    realised: int
    exact_realised: Fraction  # what the closed part made with an exact pro-rata basis


def apply_trade(
    size: int, basis: int, delta: int, fill: int, index_long: int, index_short: int
) -> TradeResult:
    """The registry's trade arithmetic (module `markets`, `_apply`), re-derived."""
    closed = 0
    closed_basis = 0
    realised = 0
    exact = Fraction(0)
    if size != 0 and (size > 0) != (delta > 0):
        closed = min(abs(delta), abs(size))
        if size > 0:
            closed_basis = div_ceil(basis * closed, abs(size))
            realised = div_floor(closed * (fill - index_long), WAD) - closed_basis
            exact = Fraction(closed * (fill - index_long), WAD) - Fraction(
                basis * closed, abs(size)
            )
        else:
            closed_basis = div_floor(basis * closed, abs(size))
            realised = closed_basis - div_ceil(closed * (fill - index_short), WAD)
            exact = Fraction(basis * closed, abs(size)) - Fraction(
                closed * (fill - index_short), WAD
            )
    opened = abs(delta) - closed
    opened_basis = 0
    if opened:
        if delta > 0:
            opened_basis = div_ceil(opened * (fill - index_long), WAD)
        else:
            opened_basis = div_floor(opened * (fill - index_short), WAD)
    return TradeResult(
        delta + size, basis - closed_basis + opened_basis, realised, exact
    )
