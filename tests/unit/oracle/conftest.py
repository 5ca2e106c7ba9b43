"""Oracle fixtures: factories for the adapter, price feeds and the sequencer uptime feed.

Other test folders reuse these factories (``deploy_oracle``, ``deploy_feed``,
``deploy_sequencer``, ``list_asset``, ``place_clone``). Time is controlled explicitly:
views read the timestamp of the latest block, so a test sets feed rounds with absolute
timestamps and then mines a block at the instant it wants to look at (``clock.warp``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from oracle_defaults import (
    CLONE_SLOTS,
    DEVIATION,
    ETH_USD_8,
    HEARTBEAT,
    MAX_PRICE,
    MIN_PRICE,
    SEQ_UP,
    Clock,
)


@pytest.fixture
def clock(chain) -> Clock:
    return Clock(chain)


@pytest.fixture
def deploy_feed(project, owner) -> Callable[..., Any]:
    """A settable Chainlink-style price feed (MockAggregator)."""

    def _deploy(decimals: int = 8, answer: int = ETH_USD_8) -> Any:
        return project.MockAggregator.deploy(decimals, answer, sender=owner)

    return _deploy


@pytest.fixture
def deploy_sequencer(project, owner) -> Callable[..., Any]:
    """A settable L2 sequencer uptime feed; by default up since long ago (t = 1)."""

    def _deploy(answer: int = SEQ_UP, started_at: int = 1) -> Any:
        return project.MockSequencerFeed.deploy(answer, started_at, sender=owner)

    return _deploy


@pytest.fixture
def deploy_oracle(project, owner) -> Callable[..., Any]:
    """An OracleAdapter owned by `owner`, optionally wired to a sequencer uptime feed."""

    def _deploy(sequencer: Any = None) -> Any:
        oracle = project.OracleAdapter.deploy(sender=owner)
        if sequencer is not None:
            oracle.set_sequencer_feed(sequencer, sender=owner)
        return oracle

    return _deploy


@pytest.fixture
def deploy_asset(project, owner) -> Callable[..., Any]:
    """A token to key a feed by (the adapter only uses its address)."""

    def _deploy(symbol: str = "WETH", decimals: int = 18) -> Any:
        return project.MockERC20.deploy(
            f"Mock {symbol}", symbol, decimals, sender=owner
        )

    return _deploy


@pytest.fixture
def list_asset(owner, deploy_feed) -> Callable[..., Any]:
    """Configure `asset` on `oracle` with a fresh feed (or `feed`); returns the feed."""

    def _list(
        oracle: Any,
        asset: Any,
        symbol: str = "WETH",
        decimals: int = 8,
        answer: int = ETH_USD_8,
        heartbeat: int = HEARTBEAT,
        deviation: int = DEVIATION,
        min_price: int = MIN_PRICE,
        max_price: int = MAX_PRICE,
        feed: Any = None,
    ) -> Any:
        if feed is None:
            feed = deploy_feed(decimals, answer)
        oracle.set_feed(
            asset,
            symbol,
            feed,
            decimals,
            heartbeat,
            deviation,
            min_price,
            max_price,
            sender=owner,
        )
        return feed

    return _list


@pytest.fixture
def place_clone(chain) -> Callable[[Any, str], str]:
    """Copy the runtime code and the first CLONE_SLOTS storage slots of the deployed
    `template` to `address` (checksummed), so a working feed stands at an address the test
    chooses, e.g. one with all 160 bits set. Returns `address`."""

    def _place(template: Any, address: str) -> str:
        provider = chain.provider
        provider.set_code(address, provider.get_code(template.address))
        for slot in range(CLONE_SLOTS):
            # Zeros too: the address may hold an earlier clone's state.
            provider.set_storage(
                address, slot, provider.get_storage(template.address, slot)
            )
        return address

    return _place


# ---- ready-made setups ------------------------------------------------------------------
@pytest.fixture
def sequencer(deploy_sequencer) -> Any:
    return deploy_sequencer()


@pytest.fixture
def oracle(deploy_oracle, sequencer) -> Any:
    """An adapter with a healthy sequencer feed and no assets."""
    return deploy_oracle(sequencer)


@pytest.fixture
def weth(deploy_asset) -> Any:
    return deploy_asset("WETH")


@pytest.fixture
def weth_feed(oracle, weth, list_asset) -> Any:
    """WETH listed on `oracle` with an 8-decimal feed at 3,000 USD (band 100..100,000 USD)."""
    return list_asset(oracle, weth)
