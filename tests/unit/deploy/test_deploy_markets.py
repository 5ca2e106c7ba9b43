"""Perp markets in the deploy config and the deployment: every bound the registry enforces
fails in the config, naming the field, before any transaction; a good config lists every
market with exactly its parameters, in config order, and records them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from deploy_helpers import DELETE, config_dict, set_path

from scripts._config import (
    CONFIG_DIR,
    MARKET_PARAM_FIELDS,
    ConfigError,
    config_path,
    load,
    parse,
    to_wad,
)
from scripts._constants import WAD

SHIPPED = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
TOO_BIG = (
    2**128 // WAD + 1
)  # whole tokens / USD above the registry's 128-bit WAD fields


def fields_of(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse(data)
    for field in err.value.fields:
        assert field in str(err.value)  # the message names every field it reports
    return err.value.fields


# ---- shipped files ----------------------------------------------------------------------
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_configs_list_eth_and_btc_on_their_feeds(name):
    config, _ = load(CONFIG_DIR / f"{name}.yaml")
    assert list(config.markets)[:2] == ["ETH", "BTC"]
    assert (config.markets["ETH"].asset, config.markets["BTC"].asset) == (
        "WETH",
        "WBTC",
    )
    # MEME only where a MEME feed exists (local and the all-mock testnets)
    assert ("MEME" in config.markets) == ("MEME" in config.oracle.feeds)
    for market in config.markets.values():
        assert market.spread >= config.oracle.feeds[market.asset].deviation
        assert market.enabled


def test_local_markets_are_design_defaults_in_registry_units():
    markets = load(config_path("local"))[0].markets
    eth, meme = markets["ETH"].params(), markets["MEME"].params()
    assert tuple(eth) == MARKET_PARAM_FIELDS
    assert (eth["initial_margin"], eth["maintenance_margin"]) == (WAD // 10, WAD // 20)
    assert (eth["trading_fee"], eth["liquidation_fee"]) == (5 * 10**14, 10**16)
    assert eth["spread"] == 5 * 10**15
    assert eth["max_funding_rate"] == 10**17 // 86_400 == 1_157_407_407_407
    assert (eth["skew_scale"], eth["skew_impact_scale"]) == (10_000 * WAD, 10**6 * WAD)
    assert (eth["min_notional"], eth["oi_cap"], eth["oi_share"]) == (
        10 * WAD,
        10**7 * WAD,
        WAD // 2,
    )
    assert (meme["initial_margin"], meme["maintenance_margin"]) == (
        33 * 10**16,
        20 * 10**16,
    )
    assert (meme["spread"], meme["oi_cap"]) == (2 * 10**16, 10_000 * WAD)


# ---- bounds -----------------------------------------------------------------------------
BROKEN = [  # (path, value, field): each breaks exactly one rule of markets._configure
    ("markets.ETH.initial_margin", 1, "markets.ETH.initial_margin"),  # not below 1
    ("markets.ETH.initial_margin", "0.05", "markets.ETH.maintenance_margin"),  # = maint
    (
        "markets.ETH.maintenance_margin",
        "0.2",
        "markets.ETH.maintenance_margin",
    ),  # > init
    ("markets.ETH.maintenance_margin", 0, "markets.ETH.maintenance_margin"),
    ("markets.ETH.trading_fee", "0.04", "markets.ETH.liquidation_fee"),  # fees = maint
    ("markets.ETH.liquidation_fee", "0.0495", "markets.ETH.liquidation_fee"),
    ("markets.ETH.liquidation_fee", "0.2", "markets.ETH.liquidation_fee"),
    ("markets.ETH.trading_fee", "-0.0001", "markets.ETH.trading_fee"),
    ("markets.ETH.spread", "0.1000001", "markets.ETH.spread"),  # above 10 %
    ("markets.ETH.spread", "0.0004", "markets.ETH.spread"),  # below WETH's 0.0005
    ("markets.MEME.spread", "0.0199", "markets.MEME.spread"),  # below MEME's 0.02
    ("markets.ETH.skew_impact_scale", 0, "markets.ETH.skew_impact_scale"),
    ("markets.ETH.skew_scale", 0, "markets.ETH.skew_scale"),
    (
        "markets.ETH.skew_scale",
        "0.0000000000000000009",
        "markets.ETH.skew_scale",
    ),  # 0 WAD
    ("markets.ETH.skew_scale", TOO_BIG, "markets.ETH.skew_scale"),
    ("markets.BTC.skew_impact_scale", TOO_BIG, "markets.BTC.skew_impact_scale"),
    (
        "markets.ETH.max_funding_rate_per_day",
        "1.0001",
        "markets.ETH.max_funding_rate_per_day",
    ),
    (
        "markets.ETH.max_funding_rate_per_day",
        "-0.1",
        "markets.ETH.max_funding_rate_per_day",
    ),
    ("markets.ETH.min_notional", -1, "markets.ETH.min_notional"),
    ("markets.ETH.min_notional", TOO_BIG, "markets.ETH.min_notional"),
    ("markets.ETH.oi_cap", -1, "markets.ETH.oi_cap"),
    ("markets.ETH.oi_cap", TOO_BIG, "markets.ETH.oi_cap"),
    ("markets.ETH.oi_share", "1.01", "markets.ETH.oi_share"),
    ("markets.ETH.oi_share", "-0.5", "markets.ETH.oi_share"),
    ("markets.ETH.enabled", "maybe", "markets.ETH.enabled"),
    ("markets.ETH.asset", "DOGE", "markets.ETH.asset"),  # no such feed
    ("markets.ETH.asset", "", "markets.ETH.asset"),
    ("markets.ETH.oi_share", DELETE, "markets.ETH.oi_share"),  # required
    ("markets.ETH.spreadd", "0.005", "markets.ETH.spreadd"),  # unknown key
]

EDGES = [  # the success twins: the last valid value on each bound
    {"markets.ETH.initial_margin": "0.999999999999999999"},
    {"markets.ETH.maintenance_margin": "0.099999999999999999"},
    {"markets.ETH.trading_fee": "0.039999999999999999"},  # + 0.01 just below 0.05
    {"markets.ETH.liquidation_fee": "0.049499999999999999"},
    {"markets.ETH.trading_fee": 0, "markets.ETH.liquidation_fee": 0},
    {"markets.ETH.spread": "0.1"},
    {"markets.ETH.spread": "0.0005"},  # = the WETH feed's deviation
    {"markets.MEME.spread": "0.02"},
    {"markets.ETH.skew_scale": "0.000000000000000001"},  # 1 WAD unit
    {"markets.ETH.skew_impact_scale": "0.000000000000000001"},
    {"markets.ETH.oi_cap": 2**128 // WAD},
    {"markets.ETH.max_funding_rate_per_day": 1},
    {"markets.ETH.max_funding_rate_per_day": 0},
    {"markets.ETH.min_notional": 0, "markets.ETH.oi_cap": 0},
    {"markets.ETH.oi_share": 1},
    {"markets.ETH.oi_share": 0},
    {"markets.ETH.enabled": False},
    {"markets.ETH.enabled": DELETE},  # defaults to true
]


@pytest.mark.parametrize(("path", "value", "field"), BROKEN)
def test_broken_market_bound_is_named(path, value, field):
    assert fields_of(set_path(config_dict("local"), path, value)) == [field]


@pytest.mark.parametrize(
    "changes", EDGES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items())
)
def test_market_value_on_the_bound_is_accepted(changes):
    data = config_dict("local")
    for path, value in changes.items():
        set_path(data, path, value)
    markets = parse(data).markets
    for path, value in changes.items():
        _, name, key = path.split(".")
        stored = getattr(markets[name], key)
        if value is DELETE:
            assert stored is True  # the only optional market field: enabled
        elif isinstance(value, bool):
            assert stored is value
        else:
            assert Decimal(str(stored)) == Decimal(str(value))
    params = markets["ETH"].params()
    assert params["maintenance_margin"] < params["initial_margin"] < WAD
    assert (
        params["liquidation_fee"] + params["trading_fee"] < params["maintenance_margin"]
    )
    assert to_wad(Decimal("0.0005")) <= params["spread"] <= WAD // 10
    assert params["max_funding_rate"] <= WAD // 86_400  # MAX_FUNDING_RATE
    assert params["skew_scale"] > 0 and params["skew_impact_scale"] > 0
    assert params["oi_share"] <= WAD and params["oi_cap"] < 2**128


def test_spread_below_the_feed_deviation_names_the_spread_and_the_feed():
    data = set_path(config_dict("local"), "markets.ETH.spread", "0.0004")
    with pytest.raises(ConfigError, match="markets.ETH.spread: below the WETH feed's"):
        parse(data)
    # the rule follows the feed: a feed with a smaller deviation accepts the same spread
    set_path(data, "oracle.feeds.WETH.deviation", "0.0004")
    assert parse(data).markets["ETH"].spread == Decimal("0.0004")


def test_unknown_asset_is_named():
    data = set_path(config_dict("arbitrum-mainnet"), "markets.BTC.asset", "MEME")
    with pytest.raises(
        ConfigError, match="markets.BTC.asset: no oracle feed for 'MEME'"
    ):
        parse(data)
    assert fields_of(data) == ["markets.BTC.asset"]


def test_markets_need_a_vault_section():
    data = config_dict("local")
    for key in ("vault", "engine", "collaterals"):
        del data[key]
    assert fields_of(data) == ["markets"]
    del data["markets"]
    assert parse(data).markets == {}


def test_at_most_max_markets():
    data = config_dict("local")
    eth = data["markets"]["ETH"]
    data["markets"] = {f"M{i}": dict(eth) for i in range(31)}
    assert len(parse(data).markets) == 31
    data["markets"]["M31"] = dict(eth)
    assert fields_of(data) == ["markets"]


def test_several_market_problems_are_all_reported():
    data = config_dict("local")
    set_path(data, "markets.ETH.oi_share", 2)
    set_path(data, "markets.MEME.asset", "DOGE")
    set_path(data, "markets.BTC.spread", "0.0001")
    # field errors first (the market models), cross-field rules only once those pass
    assert fields_of(data) == ["markets.ETH.oi_share"]
    set_path(data, "markets.ETH.oi_share", 1)
    assert fields_of(data) == ["markets.BTC.spread", "markets.MEME.asset"]


# ---- deploying: nothing is sent for a bad market ------------------------------------------
@pytest.mark.parametrize(("path", "value", "field"), BROKEN)
def test_bad_market_fails_before_any_transaction(
    deploy_with, write_config, deployments_dir, owner, chain, path, value, field
):
    bad = write_config(set_path(config_dict("local"), path, value))
    nonce, head = owner.nonce, chain.blocks.head.number
    with pytest.raises(ConfigError) as err:
        deploy_with(bad)
    assert err.value.fields == [field]
    assert field in str(err.value)
    assert (owner.nonce, chain.blocks.head.number) == (nonce, head)
    assert list(deployments_dir.iterdir()) == []


# ---- deploying: the markets listed and recorded ------------------------------------------
@pytest.fixture
def deployed(deploy_with):
    dep, _ = deploy_with("local")
    return dep


def _assert_listed(dep, config, registry):
    for name, mc in config.markets.items():
        market_id = dep.markets[name][0]
        stored = registry.market(market_id)
        assert stored.oracle_asset == dep.tokens[mc.asset].address, name
        feed = config.oracle.feeds[mc.asset]
        assert stored.deviation == to_wad(feed.deviation), name
        expected = mc.params()
        for key in MARKET_PARAM_FIELDS:
            assert getattr(stored.params, key) == expected[key], (name, key)


def test_deploy_lists_every_market_with_the_config_parameters(deployed, owner):
    config, _ = load(config_path("local"))
    registry = deployed.contracts["MarketRegistry"]
    assert list(registry.markets()) == [1, 2, 3]
    assert {n: m[0] for n, m in deployed.markets.items()} == {
        "ETH": 1,
        "BTC": 2,
        "MEME": 3,
    }
    _assert_listed(deployed, config, registry)
    assert registry.owner() == owner.address
    assert registry.engine() == deployed.contracts["MarginEngine"].address
    assert list(deployed.contracts["MarginEngine"].markets()) == [1, 2, 3]
    # wired first, then listed in config order
    labels = [label for label, _ in deployed.receipts]
    listed = [label for label in labels if label.startswith("registry.list_market")]
    assert listed == [f"registry.list_market {n}" for n in ("ETH", "BTC", "MEME")]
    assert labels.index("registry.set_engine") < labels.index(listed[0])


def test_markets_start_priced_with_a_fresh_funding_clock(deployed):
    registry, oracle = (
        deployed.contracts[n] for n in ("MarketRegistry", "OracleAdapter")
    )
    for name, (market_id, _, oracle_asset) in deployed.markets.items():
        price, status = oracle.price_info(oracle_asset)
        assert status == 1, name  # OK
        assert registry.funding_indices(market_id) == (0, 0), name  # a fresh clock
        assert registry.market_state(market_id).long_size == 0, name


def test_deployment_record_holds_the_markets(deploy_with):
    dep, path = deploy_with("local")
    record = json.loads(path.read_text())
    assert record["markets"] == {
        "ETH": {"id": 1, "asset": "WETH", "oracle_asset": dep.tokens["WETH"].address},
        "BTC": {"id": 2, "asset": "WBTC", "oracle_asset": dep.tokens["WBTC"].address},
        "MEME": {"id": 3, "asset": "MEME", "oracle_asset": dep.tokens["MEME"].address},
    }
    assert list(record["markets"]) == ["ETH", "BTC", "MEME"]  # listing order


def test_ids_follow_the_config_order_and_parameters_follow_the_file(
    deploy_with, write_config
):
    data = config_dict("local")
    markets = data["markets"]
    data["markets"] = {"MEME": markets["MEME"], "BTC": markets["BTC"]}  # no ETH
    set_path(data, "markets.MEME.enabled", False)
    set_path(data, "markets.BTC.oi_cap", 250_000)
    set_path(data, "markets.BTC.spread", "0.0123")
    dep, path = deploy_with(write_config(data))
    config = parse(data)
    registry = dep.contracts["MarketRegistry"]
    assert list(registry.markets()) == [1, 2]
    assert {n: m[0] for n, m in dep.markets.items()} == {"MEME": 1, "BTC": 2}
    _assert_listed(dep, config, registry)
    assert registry.market(1).params.enabled is False
    assert registry.market(2).params.oi_cap == 250_000 * WAD
    assert registry.market(2).params.spread == 123 * 10**14
    assert json.loads(path.read_text())["markets"]["BTC"]["id"] == 2


def test_no_markets_section_lists_nothing(deploy_with, write_config):
    data = config_dict("local")
    del data["markets"]
    dep, path = deploy_with(write_config(data))
    assert list(dep.contracts["MarketRegistry"].markets()) == []
    assert json.loads(path.read_text())["markets"] == {}
    assert not [label for label, _ in dep.receipts if "list_market" in label]


def test_owner_handover_comes_after_the_listings(
    deploy_with, write_config, accounts, owner
):
    new_owner = accounts[9]
    data = set_path(config_dict("local"), "roles.owner", new_owner.address)
    dep, _ = deploy_with(write_config(data))
    registry = dep.contracts["MarketRegistry"]
    assert list(registry.markets()) == [1, 2, 3]  # listed by the deployer while owner
    assert (registry.owner(), registry.pending_owner()) == (
        owner.address,
        new_owner.address,
    )
