"""The MarketRegistry: listing and configuring markets (owner), their bounds with exact
reasons, the views, the engine link, ownership, and the sizes of both deployables."""

from __future__ import annotations

import dataclasses

import ape
import pytest
from engine_defaults import (
    DEVIATION,
    MAX_UINT256,
    PERPS,
    ZERO_ADDRESS,
    PerpListing,
    wad,
)

ETH = PERPS[0]


def _params(listing: PerpListing = ETH, **changes: str | bool) -> tuple:
    return dataclasses.replace(listing, **changes).params()


def _configured(event) -> tuple:
    """A MarketConfigured log as (market_id, deviation, params tuple): ape cannot build an
    expected log with a struct field, so the fields are compared one by one."""
    assert event.event_name == "MarketConfigured"
    return event.market_id, event.deviation, tuple(event.params)


def test_list_market__defaults_listed(system):
    registry = system.registry
    assert system.engine.registry() == registry
    assert registry.engine() == system.engine
    assert registry.vault() == system.vault
    assert registry.oracle() == system.oracle
    assert registry.quote_asset() == system.quote
    assert registry.quote_unit() == system.q
    assert registry.markets() == [1, 2, 3]
    assert system.engine.markets() == [1, 2, 3]
    for symbol, market_id in system.markets.items():
        listing = system.perps[symbol]
        market = registry.market(market_id)
        assert market.oracle_asset == system.tokens[listing.asset]
        assert market.deviation == DEVIATION
        assert tuple(market.params) == listing.params()


def test_list_market__events_and_state(system, owner, chain):
    registry, weth = system.registry, system.tokens["WETH"]
    receipt = registry.list_market(weth, _params(), sender=owner)
    market_id = receipt.return_value
    assert market_id == 4
    listed, configured = receipt.events
    assert listed == registry.MarketListed(market_id=4, oracle_asset=weth)
    assert _configured(configured) == (4, DEVIATION, _params())
    state = registry.market_state(4)
    assert state.last_update == chain.blocks.head.timestamp
    assert (
        state.long_size,
        state.short_size,
        state.funding_long,
        state.funding_short,
    ) == (0, 0, 0, 0)
    assert (state.rate_up, state.rate_down, state.last_price) == (0, 0, 0)
    assert registry.funding_indices(4) == (0, 0)


def test_list_market__owner_only_and_priced_asset(system, owner, stranger, project):
    registry = system.registry
    with ape.reverts("registry: not owner"):
        registry.list_market(system.tokens["WETH"], _params(), sender=stranger)
    unpriced = project.MockERC20.deploy("Mock X", "X", 18, sender=owner)
    with ape.reverts("registry: oracle cannot price asset"):
        registry.list_market(unpriced, _params(), sender=owner)


def test_list_market__at_most_max_markets(system, owner):
    registry = system.registry
    for _ in range(registry.MAX_MARKETS() - len(registry.markets())):
        registry.list_market(system.tokens["WETH"], _params(), sender=owner)
    assert len(registry.markets()) == registry.MAX_MARKETS()
    with ape.reverts("registry: too many markets"):
        registry.list_market(system.tokens["WETH"], _params(), sender=owner)


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"maintenance": "0.10"}, "registry: maintenance not below initial"),
        ({"initial": "1", "maintenance": "0.5"}, "registry: initial not below 1"),
        (
            {"trading_fee": "0.02", "liquidation_fee": "0.03"},
            "registry: fees not below maintenance",
        ),
        ({"spread": "0.0049"}, "registry: spread below deviation"),
        ({"spread": "0.1000001"}, "registry: spread above max"),
        ({"skew_scale": "0"}, "registry: zero skew scale"),
        ({"skew_impact_scale": "0"}, "registry: zero skew scale"),
        ({"oi_share": "1.000000000000000001"}, "registry: oi share above 1"),
    ],
)
def test_set_market__bounds(system, owner, changes, reason):
    registry = system.registry
    with ape.reverts(reason):
        registry.set_market(1, _params(**changes), sender=owner)
    with ape.reverts(reason):
        registry.list_market(system.tokens["WETH"], _params(**changes), sender=owner)


def test_set_market__bounds_at_the_edge_pass(system, owner):
    """Each bound's success twin: the closest allowed value."""
    registry = system.registry
    edge = _params(
        initial="0.999999999999999999",
        maintenance="0.999999999999999998",
        trading_fee="0.5",
        liquidation_fee="0.499999999999999997",
        spread="0.1",
        oi_share="1",
    )
    registry.set_market(1, edge, sender=owner)
    assert tuple(registry.market(1).params) == edge
    registry.set_market(1, _params(spread="0.005"), sender=owner)  # spread == deviation
    assert registry.market(1).params.spread == DEVIATION


def test_set_market__funding_rate_bound(system, owner):
    registry = system.registry
    top = registry.MAX_FUNDING_RATE()
    assert top == 10**18 // 86_400
    params = list(_params())
    params[6] = top
    registry.set_market(1, tuple(params), sender=owner)
    params[6] = top + 1
    with ape.reverts("registry: funding rate above max"):
        registry.set_market(1, tuple(params), sender=owner)


def test_set_market__unknown_and_owner_only(system, owner, stranger):
    registry = system.registry
    with ape.reverts("registry: not owner"):
        registry.set_market(1, _params(), sender=stranger)
    for market_id in (0, 4):
        with ape.reverts("registry: unknown market"):
            registry.set_market(market_id, _params(), sender=owner)
        with ape.reverts("registry: unknown market"):
            registry.funding_indices(market_id)
        with ape.reverts("registry: unknown market"):
            registry.oracle_assets([market_id])
    assert registry.market(4).oracle_asset == ZERO_ADDRESS


def test_set_market__event_and_deviation_reread(system, owner, add_feed):
    """`set_market` re-reads the feed's deviation: a wider threshold needs a wider spread."""
    registry, oracle, weth = system.registry, system.oracle, system.tokens["WETH"]
    feed = system.feeds["WETH"]
    cfg = oracle.feed_config(weth)
    oracle.set_feed(
        weth,
        cfg.symbol,
        feed,
        cfg.decimals,
        cfg.heartbeat,
        wad("0.01"),
        cfg.min_price,
        cfg.max_price,
        sender=owner,
    )
    with ape.reverts("registry: spread below deviation"):
        registry.set_market(1, _params(), sender=owner)
    new = _params(spread="0.01", enabled=False)
    receipt = registry.set_market(1, new, sender=owner)
    [configured] = receipt.events
    assert _configured(configured) == (1, wad("0.01"), new)
    assert registry.market(1).deviation == wad("0.01")
    assert not registry.market(1).params.enabled


def test_set_engine__once_owner_only(system, owner, stranger, project):
    registry = project.MarketRegistry.deploy(
        system.oracle, system.vault, system.quote, sender=owner
    )
    assert registry.owner() == owner
    assert registry.engine() == ZERO_ADDRESS
    assert registry.marks() == (
        0,
        0,
        0,
        True,
        0,
    )  # no market, no engine: nothing to mark
    with ape.reverts("registry: not owner"):
        registry.set_engine(system.engine, sender=stranger)
    with ape.reverts("registry: zero engine"):
        registry.set_engine(ZERO_ADDRESS, sender=owner)
    mismatched = project.MarketRegistry.deploy(
        system.oracle, system.vault, system.tokens["WETH"], sender=owner
    )
    with ape.reverts("registry: engine mismatch"):
        mismatched.set_engine(system.engine, sender=owner)
    receipt = registry.set_engine(system.engine, sender=owner)
    assert receipt.events == [registry.EngineSet(engine=system.engine)]
    with ape.reverts("registry: engine already set"):
        registry.set_engine(system.engine, sender=owner)


def test_trade__engine_only(system, stranger):
    with ape.reverts("registry: caller is not the engine"):
        system.registry.trade(1, 0, 0, wad("1"), MAX_UINT256, sender=stranger)


def test_ownership__two_steps(system, owner, stranger, attacker):
    registry = system.registry
    with ape.reverts("registry: not owner"):
        registry.transfer_ownership(attacker, sender=attacker)
    receipt = registry.transfer_ownership(stranger, sender=owner)
    assert receipt.events == [
        registry.OwnershipTransferStarted(previous_owner=owner, new_owner=stranger)
    ]
    with ape.reverts("registry: not pending owner"):
        registry.accept_ownership(sender=attacker)
    receipt = registry.accept_ownership(sender=stranger)
    assert receipt.events == [
        registry.OwnershipTransferred(previous_owner=owner, new_owner=stranger)
    ]
    assert (registry.owner(), registry.pending_owner()) == (stranger, ZERO_ADDRESS)
    with ape.reverts("registry: not owner"):
        registry.set_market(1, _params(), sender=owner)
    registry.set_market(1, _params(), sender=stranger)
