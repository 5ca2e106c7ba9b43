"""Model inputs read from a REAL deployed system (imported by name, also by tests/matrix).

``health_case_of`` turns an engine account into the exact model's ``HealthCase`` (its
balances, claim, debt shares, the vault's index, every price from the adapter, and each
position's figures from the registry, which ``figure_checks`` checks on their own), so the
engine's ``account_health`` can be compared with ``exact_model`` exactly as the
HealthHarness batches are.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from diff_cases import HealthCase, PositionIn, TokenIn
from exact_model import WAD, Check, Favour, funding_rate, position_pnl


def price_of(env: Any, asset: Any) -> int:
    price, ok = env.oracle.try_price(asset)
    assert ok and price > 0
    return price


def market_prices(env: Any, positions) -> list[int]:
    return [
        price_of(env, env.registry.market(p.market_id).oracle_asset) for p in positions
    ]


def health_case_of(env: Any, account_id: int) -> HealthCase:
    engine, quote = env.engine, env.quote
    qcfg = engine.collateral_config(quote)
    tokens = []
    for token in engine.collaterals_of(account_id):
        if token == quote.address:
            continue
        cfg = engine.collateral_config(token)
        tokens.append(
            TokenIn(
                engine.collateral_of(account_id, token),
                price_of(env, cfg.oracle_asset),
                cfg.decimals,
                cfg.collateral_factor,
                cfg.liquidation_threshold,
            )
        )
    positions = list(engine.positions_of(account_id))
    figures = (
        env.registry.figures(positions, market_prices(env, positions))
        if positions
        else []
    )
    return HealthCase(
        engine.collateral_of(account_id, quote),
        engine.claim_of(account_id),
        price_of(env, qcfg.oracle_asset),
        qcfg.decimals,
        qcfg.collateral_factor,
        qcfg.liquidation_threshold,
        engine.debt_shares_of(account_id),
        env.vault.debt_index(),
        tuple(tokens),
        tuple(PositionIn(f.pnl, f.maint_req, f.init_req) for f in figures),
    )


def exact_indices(
    state: Any, params: Any, price: int, now: int
) -> tuple[Fraction, Fraction, Fraction]:
    """A market's funding indices (longs, shorts) as of `now` at `price`, never rounded:
    the stored ones plus |r| × price × dt / WAD in the skew's direction (DESIGN.md, Perps),
    and the bound of each contract index around it (its rate's wei carried by price × dt /
    WAD, plus its own division)."""
    dt = now - state.last_update
    step = Fraction(0)
    if dt and state.long_size != state.short_size:
        step = (
            funding_rate(
                params.max_funding_rate,
                params.skew_scale,
                state.long_size,
                state.short_size,
            )
            * price
            * dt
            / WAD
        )
        if state.short_size > state.long_size:
            step = -step
    return (
        state.funding_long + step,
        state.funding_short + step,
        1 + Fraction(price * dt, WAD),
    )


def figure_checks(
    position: Any, price: int, figure: Any, state: Any, params: Any, now: int
) -> list[Check]:
    """One position's figures from the registry against the exact model: PnL incl. pending
    funding DOWN (its division, and each index's bound carried by |size| / WAD), notional
    UP (one division), requirements UP (two: the notional's wei is carried by a margin < 1)."""
    index_long, index_short, index_bound = exact_indices(state, params, price, now)
    pnl = position_pnl(position.size, position.basis, price, 0, 0) + (
        -Fraction(position.size)
        * (index_long if position.size > 0 else index_short)
        / WAD
    )
    notional = Fraction(abs(position.size) * price, WAD)
    return [
        Check(
            "pnl",
            figure.pnl,
            pnl,
            Favour.DOWN,
            1 + index_bound * Fraction(abs(position.size), WAD),
        ),
        Check("notional", figure.notional, notional, Favour.UP),
        Check(
            "maint_req",
            figure.maint_req,
            notional * params.maintenance_margin / WAD,
            Favour.UP,
            Fraction(2),
        ),
        Check(
            "init_req",
            figure.init_req,
            notional * params.initial_margin / WAD,
            Favour.UP,
            Fraction(2),
        ),
    ]
