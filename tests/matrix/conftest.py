"""Decimals matrix fixtures: the engine folder's ``deploy_engine`` factory (loaded by path,
as tests/unit/lens/conftest.py does: conftest modules are not importable by name) builds a
REAL system per combination of quote decimals (6, 18), collateral decimals (6, 8, 18) and
feed decimals (8, 18).

``deploy_engine`` prices every asset with an 8-decimal feed (its ``add_feed``); for the
18-decimal combinations ``deploy_matrix`` then moves every asset of the system onto a fresh
18-decimal MockAggregator with the same answer (``OracleAdapter.set_feed`` replaces a feed),
so the engine folder's conftest stays untouched.

The system fixture is ``matrix_env`` (never ``system``: ape isolates chain snapshots per
fixture name). It is module-scoped and parametrized over ``COMBOS`` (every flow lives in
one module): pytest runs every flow of one combination on one deployment, each test on a
chain snapshot of it.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest_loader import engine_fixtures
from engine_defaults import DEVIATION, HEARTBEAT, wad
from matrix_helpers import COMBOS, Combo, collateral_listing, quote_listing


_engine = engine_fixtures()
# Re-exported so pytest registers them for this folder (factories: they deploy nothing).
add_feed = _engine.add_feed
list_token = _engine.list_token
deploy_engine = _engine.deploy_engine


@pytest.fixture(scope="session")
def deploy_matrix(project, owner, deploy_engine):
    """Build the system of one combination: quote and one WETH-like collateral (DESIGN's
    factors) with the combination's decimals, the ETH perp on it, LP liquidity, and every
    feed at the combination's decimals. ``env.combo`` keeps the combination."""

    def _deploy(combo: Combo) -> Any:
        env = deploy_engine(
            quote_listing=quote_listing(combo.quote),
            collaterals=(collateral_listing(combo.collateral),),
        )
        if combo.feed != 8:
            for symbol, listing in env.listings.items():
                answer = env.feeds[symbol].latestRoundData()[1] * 10 ** (combo.feed - 8)
                feed = project.MockAggregator.deploy(combo.feed, answer, sender=owner)
                env.oracle.set_feed(
                    env.tokens[symbol],
                    listing.symbol,
                    feed,
                    combo.feed,
                    HEARTBEAT,
                    DEVIATION,
                    wad(listing.min_price),
                    wad(listing.max_price),
                    sender=owner,
                )
                env.feeds[symbol] = feed
        env.combo = combo
        return env

    return _deploy


@pytest.fixture(scope="module", params=COMBOS, ids=[c.id for c in COMBOS])
def matrix_env(request, deploy_matrix, owner, lp2, trader, liquidator, chain) -> Any:
    # The actors the flows use are requested here, so their (session) fixtures exist before
    # this module fixture: ape would otherwise "rebase" its snapshots and deploy it again.
    return deploy_matrix(request.param)
