"""The figures only the deployed contracts compute (fewer cases): the registry's per-position
figures with live funding state (``figures``: PnL incl. pending funding, notional,
requirements), and the engine's ``account_health`` for accounts built by real flows
(collateral, borrowing, positions on both sides of a skewed market, interest and funding
accruing, prices moving), against the exact model from the chain's raw inputs.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

from diff_cases import magnitude, signed
from diff_chain import figure_checks, health_case_of, price_of
from exact_model import (
    WAD,
    Report,
    health_checks,
    health_decisions,
    protocol_side_decisions,
)
from lens_helpers import account, set_price, trade

CROSS = 2


def _skewed_markets(env, owner, trader, trader2, chain):
    """Open positions so ETH is long-heavy and BTC short-heavy, then let funding and
    interest accrue for a day and a half (feeds republished so prices stay fresh)."""
    a = account(env, trader, CROSS, USDC=400_000, WETH=20)
    env.engine.borrow(a, 50_000 * env.q, trader, sender=trader)
    trade(env, trader, a, "ETH", "30")
    trade(env, trader, a, "BTC", "-2")
    b = account(env, trader2, CROSS, USDC=300_000)
    trade(env, trader2, b, "ETH", "-7.5")
    trade(env, trader2, b, "BTC", "0.4")
    chain.mine(timestamp=chain.blocks.head.timestamp + 129_600)
    for feed in env.feeds.values():
        feed.set_answer(feed.latestRoundData()[1], sender=owner)
    return a, b


def test_figures__registry_positions_with_live_funding(
    diff_env, math_harness, owner, trader, trader2, chain
):
    env = diff_env
    _skewed_markets(env, owner, trader, trader2, chain)
    now = math_harness.now()
    rng = random.Random("figures")
    report = Report()
    ids = [env.markets[m] for m in ("ETH", "BTC", "MEME")]
    states = {m: env.registry.market_state(m) for m in ids}
    params = {m: env.registry.market(m).params for m in ids}
    oracle = {m: price_of(env, env.registry.market(m).oracle_asset) for m in ids}
    assert states[ids[0]].long_size > states[ids[0]].short_size  # ETH: longs pay
    assert states[ids[1]].short_size > states[ids[1]].long_size  # BTC: shorts pay
    for _ in range(40):  # 40 calls of 10 positions
        positions, prices = [], []
        for _ in range(10):
            m = rng.choice(ids)
            size = signed(rng, 10**24, zero=0)
            price = (
                oracle[m] * rng.randint(50, 150) // 100
                if rng.random() < 0.8
                else magnitude(rng, 1, 10**24)
            )
            index = states[m].funding_long if size > 0 else states[m].funding_short
            entry = oracle[m] * rng.randint(80, 120) // 100
            positions.append(
                (m, size, abs(size) * (entry - index) // WAD + signed(rng, 10**3))
            )
            prices.append(price)
        figures = env.registry.figures(positions, prices)
        for (m, size, basis), price, f in zip(positions, prices, figures, strict=True):
            position = SimpleNamespace(size=size, basis=basis)
            report.add(
                (m, size, basis, price),
                figure_checks(position, price, f, states[m], params[m], now),
            )
    report.assert_clean()
    assert report.cases == 400


def test_account_health__real_engine_matches_exact_model(
    diff_env, owner, trader, trader2, chain
):
    """Both traders' cross accounts, plus a bucket and a collateral-only account, at the
    current prices and after each of a series of price moves (quote wobbling around 1 USD
    too): every figure within its bound on the protocol's side, liquidatable and allowed
    identical to the documented rule."""
    env = diff_env
    a, b = _skewed_markets(env, owner, trader, trader2, chain)
    bucket = account(env, trader2, 1, WETH=1)
    env.engine.borrow(bucket, 1_500 * env.q, trader2, sender=trader2)
    idle = account(env, trader, CROSS, WBTC="0.37", MEME=1_234)
    moves = [
        {},
        {"WETH": "2700", "WBTC": "66000"},
        {"WETH": "3333.33", "WBTC": "52000.5", "USDC": "0.9998"},
        {"WETH": "2001", "USDC": "1.0003", "MEME": "0.05"},
        {
            "WETH": "1700",
            "WBTC": "70000",
        },  # the bucket: 0.85 × 1,700 < 1,500 + interest
    ]
    report = Report()
    liquidatable = set()
    for move in moves:
        for symbol, price in move.items():
            set_price(env, owner, symbol, price)
        for account_id in (a, b, bucket, idle):
            h = env.engine.account_health(account_id)
            case = health_case_of(env, account_id)
            spec_allowed = h.equity_init >= h.init_req
            decisions = health_decisions(case, h, spec_allowed)
            decisions += [
                (p, True, False) for p in protocol_side_decisions(case, h, spec_allowed)
            ]
            decisions.append(
                (
                    "is_liquidatable",
                    env.engine.is_liquidatable(account_id),
                    h.liquidatable,
                )
            )
            report.add((move, account_id), health_checks(case, h), decisions)
            if h.liquidatable:
                liquidatable.add(account_id)
    report.assert_clean()
    assert report.cases == 4 * len(moves)
    assert (
        bucket in liquidatable and idle not in liquidatable
    )  # the moves crossed a boundary
