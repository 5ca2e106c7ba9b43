"""config/<network>.yaml validation: every bad file fails with the field named, and fails
before any transaction. Each failure has a success twin at the boundary."""

from __future__ import annotations

from decimal import Decimal

import pytest
from deploy_helpers import DELETE, config_dict, set_path
from hypothesis import given, settings
from hypothesis import strategies as st
from eth_utils import to_checksum_address

from scripts._config import CONFIG_DIR, ConfigError, load, parse

SHIPPED = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
LIVE = [name for name in SHIPPED if not config_dict(name).get("mocks", False)]


def fields_of(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse(data)
    for field in err.value.fields:
        assert field in str(err.value)  # the message names every field it reports
    return err.value.fields


# ---- shipped files ----------------------------------------------------------------------
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_config_is_valid(name):
    config, digest = load(CONFIG_DIR / f"{name}.yaml")
    assert config.network == name
    assert len(digest) == 64
    assert config.quote.symbol in config.oracle.feeds


@pytest.mark.parametrize("name", LIVE)
def test_live_config_sets_every_address_and_a_chain_id(name):
    config, _ = load(CONFIG_DIR / f"{name}.yaml")
    assert config.chain_id in (42161, 10)
    assert config.quote.token is not None
    assert config.oracle.sequencer_feed is not None
    assert not config.oracle.mock_sequencer
    for symbol, feed in config.oracle.feeds.items():
        assert feed.feed is not None, symbol
        assert (feed.token is not None) == (symbol != config.quote.symbol), symbol
        assert feed.mock_price is not None, symbol  # needed by the offline fork


def test_live_configs_target_the_documented_sequencer_feeds():
    # docs/TOOLCHAIN.md, Chainlink L2 sequencer uptime feed proxies
    assert load(CONFIG_DIR / "arbitrum-mainnet.yaml")[0].oracle.sequencer_feed == (
        "0xFdB631F5EE196F0ed6FAa767959853A9F217697D"
    )
    assert load(CONFIG_DIR / "optimism-mainnet.yaml")[0].oracle.sequencer_feed == (
        "0x371EAD81c9102C9BF4874A9075FFFf170F2Ee389"
    )


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load(tmp_path / "nope.yaml")


def test_invalid_yaml_is_a_config_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("network: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load(bad)


# ---- unknown keys -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "netwrk",
        "quote.tokn",
        "oracle.grace",
        "oracle.feeds.WETH.heartbeatt",
        "oracle.feeds.USDC.max_pricee",
    ],
)
def test_unknown_key_is_named(path):
    data = set_path(config_dict("local"), path, 1)
    assert fields_of(data) == [path]
    with pytest.raises(ConfigError, match="unknown key"):
        parse(data)


# ---- bounds -----------------------------------------------------------------------------
BROKEN = [
    (
        "oracle.feeds.WETH.min_price",
        100000,
        "oracle.feeds.WETH.min_price",
    ),  # == max_price
    (
        "oracle.feeds.WETH.min_price",
        200000,
        "oracle.feeds.WETH.min_price",
    ),  # > max_price
    ("oracle.feeds.WETH.deviation", 0.1, "oracle.feeds.WETH.deviation"),
    ("oracle.feeds.WETH.deviation", 0.5, "oracle.feeds.WETH.deviation"),
    ("oracle.feeds.WETH.deviation", 0, "oracle.feeds.WETH.deviation"),
    ("oracle.feeds.WETH.heartbeat", 0, "oracle.feeds.WETH.heartbeat"),
    ("oracle.feeds.WETH.heartbeat", 7 * 86400 + 1, "oracle.feeds.WETH.heartbeat"),
    ("oracle.feeds.WETH.max_price", 10**18 + 1, "oracle.feeds.WETH.max_price"),
    ("oracle.feeds.WETH.feed_decimals", 0, "oracle.feeds.WETH.feed_decimals"),
    ("oracle.feeds.WETH.feed_decimals", 19, "oracle.feeds.WETH.feed_decimals"),
    ("oracle.feeds.WETH.token_decimals", 19, "oracle.feeds.WETH.token_decimals"),
    (
        "oracle.feeds.WETH.mock_price",
        99,
        "oracle.feeds.WETH.mock_price",
    ),  # below min_price
    (
        "oracle.feeds.WETH.mock_price",
        100001,
        "oracle.feeds.WETH.mock_price",
    ),  # above max_price
    (
        "oracle.feeds.USDC.min_price",
        0.000000001,
        "oracle.feeds.USDC.min_price",
    ),  # < 1 unit of 8 dec
    ("oracle.grace_period", 0, "oracle.grace_period"),
    ("oracle.grace_period", 86401, "oracle.grace_period"),
    ("quote.decimals", 5, "quote.decimals"),
    ("quote.decimals", 19, "quote.decimals"),
    ("chain_id", 0, "chain_id"),
]

EDGES = [  # the success twins: the last valid value on each bound (with what it needs)
    {"oracle.feeds.WETH.min_price": "99999.99", "oracle.feeds.WETH.mock_price": 100000},
    # a market's spread is at least its feed's deviation: raise the ETH market's with it
    {"oracle.feeds.WETH.deviation": "0.0999999", "markets.ETH.spread": "0.0999999"},
    {"oracle.feeds.WETH.heartbeat": 7 * 86400},
    {"oracle.feeds.WETH.heartbeat": 1},
    {"oracle.feeds.WETH.max_price": 10**18},
    {"oracle.feeds.WETH.feed_decimals": 18},
    {"oracle.feeds.WETH.feed_decimals": 1},
    {"oracle.feeds.WETH.mock_price": 100},
    {"oracle.feeds.WETH.mock_price": 100000},
    {"oracle.feeds.USDC.min_price": "0.00000001"},
    {"oracle.grace_period": 1},
    {"oracle.grace_period": 86400},
    {"quote.decimals": 6},
    {"quote.decimals": 18},
]


@pytest.mark.parametrize(("path", "value", "field"), BROKEN)
def test_broken_bound_is_named(path, value, field):
    assert fields_of(set_path(config_dict("local"), path, value)) == [field]


@pytest.mark.parametrize(
    "changes", EDGES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items())
)
def test_value_on_the_bound_is_accepted(changes):
    data = config_dict("local")
    for path, value in changes.items():
        set_path(data, path, value)
    dumped = parse(data).model_dump()
    for path, value in changes.items():
        node = dumped
        for key in path.split("."):
            node = node[key]
        assert Decimal(str(node)) == Decimal(str(value))


@settings(max_examples=40, deadline=None)
@given(
    low=st.decimals(min_value="0.00000001", max_value="1000000", places=8),
    high=st.decimals(min_value="0.00000001", max_value="1000000", places=8),
)
def test_band_is_rejected_exactly_when_min_is_not_below_max(low, high):
    data = config_dict("arbitrum-mainnet")  # real feed addresses: no mock_price needed
    feed = data["oracle"]["feeds"]["WBTC"]
    feed.update(min_price=str(low), max_price=str(high), mock_price=None)
    if low < high:
        config = parse(data)
        assert config.oracle.feeds["WBTC"].min_price == low
    else:
        assert fields_of(data) == ["oracle.feeds.WBTC.min_price"]


# ---- addresses --------------------------------------------------------------------------
MISSING_ON_LIVE = [
    "oracle.feeds.WETH.feed",
    "oracle.feeds.USDC.feed",
    "oracle.feeds.WBTC.token",
    "oracle.feeds.WETH.token_decimals",
    "quote.token",
    "oracle.sequencer_feed",
    "chain_id",
]


@pytest.mark.parametrize("path", MISSING_ON_LIVE)
def test_missing_address_on_a_live_config_is_named(path):
    data = set_path(config_dict("arbitrum-mainnet"), path, DELETE)
    assert fields_of(data) == [path]
    data = set_path(config_dict("arbitrum-mainnet"), path, None)
    assert fields_of(data) == [path]


def test_missing_feed_address_is_fine_when_mocks_are_deployed():
    config = parse(set_path(config_dict("local"), "oracle.feeds.WETH.feed", None))
    assert config.oracle.feeds["WETH"].feed is None


def test_mock_feed_needs_a_mock_price():
    data = set_path(config_dict("local"), "oracle.feeds.WETH.mock_price", None)
    assert fields_of(data) == ["oracle.feeds.WETH.mock_price"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            "0x82af49447d8a07e3bd95bd0d56f35241523fbab2",
            None,
        ),  # lower case: no checksum claimed
        (
            "0x82aF49447D8a07e3bd95BD0d56f35241523fBab2",
            "bad EIP-55 checksum",
        ),  # last digit typo
        (
            "0x82aF49447D8a07e3bd95BD0d56f35241523fBab",
            "not a 0x-prefixed 20-byte hex address",
        ),
        (
            "0xZZaF49447D8a07e3bd95BD0d56f35241523fBab1",
            "not a 0x-prefixed 20-byte hex address",
        ),
        ("0x0000000000000000000000000000000000000000", "zero address"),
        (42, "valid string"),
    ],
)
def test_address_format_is_checked(value, reason):
    data = set_path(config_dict("arbitrum-mainnet"), "oracle.feeds.WETH.token", value)
    if reason is None:
        config = parse(data)
        assert config.oracle.feeds["WETH"].token == to_checksum_address(
            value
        )  # stored checksummed
    else:
        assert fields_of(data) == ["oracle.feeds.WETH.token"]
        with pytest.raises(ConfigError, match=reason):
            parse(data)


def test_the_same_address_twice_is_named():
    data = config_dict("arbitrum-mainnet")
    data["oracle"]["feeds"]["WBTC"]["feed"] = data["oracle"]["feeds"]["WETH"]["feed"]
    assert fields_of(data) == ["oracle.feeds.WBTC.feed"]
    with pytest.raises(ConfigError, match="same address as oracle.feeds.WETH.feed"):
        parse(data)


def test_quote_feed_must_not_carry_a_token():
    data = set_path(config_dict("local"), "oracle.feeds.USDC.token_decimals", 6)
    assert fields_of(data) == ["oracle.feeds.USDC.token"]


def test_quote_asset_needs_a_feed():
    data = config_dict("local")
    del data["oracle"]["feeds"]["USDC"]
    assert fields_of(data) == ["oracle.feeds.USDC", "collaterals.USDC"]


def test_mock_sequencer_only_with_mocks_and_without_an_address():
    live = set_path(config_dict("arbitrum-mainnet"), "oracle.mock_sequencer", True)
    assert fields_of(live) == ["oracle.mock_sequencer", "oracle.mock_sequencer"]
    local = set_path(
        config_dict("local"),
        "oracle.sequencer_feed",
        "0xFdB631F5EE196F0ed6FAa767959853A9F217697D",
    )
    assert fields_of(local) == ["oracle.mock_sequencer"]
    local["oracle"]["mock_sequencer"] = False
    assert (
        parse(local).oracle.sequencer_feed
        == "0xFdB631F5EE196F0ed6FAa767959853A9F217697D"
    )


def test_several_problems_are_all_reported():
    data = config_dict("arbitrum-mainnet")
    data["oracle"]["feeds"]["WETH"]["feed"] = None
    data["quote"]["token"] = None
    assert fields_of(data) == ["quote.token", "oracle.feeds.WETH.feed"]


# ---- vault, engine and collaterals ---------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (
            "collaterals.WETH.collateral_factor",
            0.85,
            "collaterals.WETH.collateral_factor",
        ),  # == LT
        (
            "collaterals.WETH.collateral_factor",
            0.9,
            "collaterals.WETH.collateral_factor",
        ),  # > LT
        (
            "collaterals.WETH.liquidation_threshold",
            1,
            "collaterals.WETH.liquidation_threshold",
        ),
        (
            "collaterals.WETH.liquidation_bonus",
            0.2,
            "collaterals.WETH.liquidation_bonus",
        ),  # 1.2 x 0.85 > 1
        ("collaterals.WETH.supply_cap", -1, "collaterals.WETH.supply_cap"),
        ("vault.interest.kink", 1, "vault.interest.kink"),
        ("vault.interest.kink", 0, "vault.interest.kink"),
        (
            "vault.interest.slope2",
            9.97,
            "vault.interest.slope2",
        ),  # 0 + 0.04 + 9.97 > 10 per year
        ("vault.interest.base_rate", -0.01, "vault.interest.base_rate"),
        ("vault.reserve_factor", 1.01, "vault.reserve_factor"),
        ("vault.symbol", "", "vault.symbol"),
        ("engine.min_debt", 0, "engine.min_debt"),
        ("engine.min_debt", 1_000_001, "engine.min_debt"),
        ("roles.guardian", "0x1234", "roles.guardian"),
        ("roles.owner", "0x0000000000000000000000000000000000000000", "roles.owner"),
    ],
)
def test_broken_vault_engine_or_collateral_bound_is_named(path, value, field):
    assert fields_of(set_path(config_dict("local"), path, value)) == [field]


@pytest.mark.parametrize(
    "changes",
    [
        {
            "collaterals.WETH.liquidation_bonus": "0.1764705882"
        },  # (1 + b) x 0.85 <= 1, just
        {"collaterals.WETH.collateral_factor": "0.8499"},
        {"collaterals.WETH.supply_cap": 0},
        {"vault.interest.slope2": "9.96"},  # 0 + 0.04 + 9.96 = 10, the cap
        {"vault.reserve_factor": 1},
        {"engine.min_debt": 1_000_000},
    ],
    ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()),
)
def test_vault_engine_and_collateral_values_on_the_bound_are_accepted(changes):
    data = config_dict("local")
    for path, value in changes.items():
        set_path(data, path, value)
    parse(data)


def test_the_quote_must_be_a_collateral_when_a_vault_is_deployed():
    data = config_dict("local")
    del data["collaterals"]["USDC"]
    assert fields_of(data) == ["collaterals.USDC"]


def test_a_collateral_needs_an_oracle_feed():
    data = set_path(
        config_dict("local"),
        "collaterals.DOGE",
        {
            "collateral_factor": 0.5,
            "liquidation_threshold": 0.6,
            "liquidation_bonus": 0.1,
            "supply_cap": 1,
        },
    )
    assert fields_of(data) == ["collaterals.DOGE"]


def test_collaterals_engine_and_guardian_need_a_vault():
    guardian = "0x00000000000000000000000000000000000ca7e5"
    data = set_path(config_dict("local"), "roles.guardian", guardian)
    del data["vault"]
    assert fields_of(data) == ["collaterals", "engine", "markets", "roles.guardian"]
    del data["collaterals"], data["engine"], data["markets"]
    data["roles"]["guardian"] = None
    assert parse(data).vault is None


def test_yearly_rates_become_wad_per_second_rounded_down():
    from scripts._config import SECONDS_PER_YEAR, to_rate_per_second

    assert (
        to_rate_per_second(Decimal("0.04"))
        == 4 * 10**16 // SECONDS_PER_YEAR
        == 1_268_391_679
    )
    assert to_rate_per_second(Decimal("0")) == 0
    assert to_rate_per_second(Decimal("10")) == 10 * 10**18 // SECONDS_PER_YEAR
