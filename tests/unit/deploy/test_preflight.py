"""Checks against the chain, before any transaction: chain id, mocks only on local chains and
testnets, code and decimals at every configured address. A failing check names the field
and leaves the deployer's nonce, the chain head and the deployments folder untouched."""

from __future__ import annotations

import pytest
from deploy_helpers import config_dict, set_path

from scripts import _deploy
from scripts._config import ConfigError


@pytest.fixture
def nothing_sent(owner, chain, deployments_dir):
    """Asserts, after the test body, that no transaction was sent and no record written."""
    nonce, head = owner.nonce, chain.blocks.head.number
    yield
    assert owner.nonce == nonce
    assert chain.blocks.head.number == head
    assert list(deployments_dir.iterdir()) == []


@pytest.fixture
def local_mocks(project, owner):
    """Tokens and feeds deployed up front, as they would exist on a live chain."""
    tokens = {
        "USDC": project.MockERC20.deploy("USD Coin", "USDC", 6, sender=owner),
        "WETH": project.MockERC20.deploy("Wrapped Ether", "WETH", 18, sender=owner),
        "WBTC": project.MockERC20.deploy("Wrapped BTC", "WBTC", 8, sender=owner),
    }
    feeds = {
        "USDC": project.MockAggregator.deploy(8, 10**8, sender=owner),
        "WETH": project.MockAggregator.deploy(8, 3000 * 10**8, sender=owner),
        "WBTC": project.MockAggregator.deploy(8, 60000 * 10**8, sender=owner),
    }
    sequencer = project.MockSequencerFeed.deploy(0, 1, sender=owner)
    return tokens, feeds, sequencer


def live_config_on_local(tokens, feeds, sequencer) -> dict:
    """config/arbitrum-mainnet.yaml pointed at the local stand-ins, chain id 31337."""
    data = config_dict("arbitrum-mainnet")
    data["chain_id"] = 31337
    data["quote"]["token"] = tokens["USDC"].address
    data["oracle"]["sequencer_feed"] = sequencer.address
    for symbol, feed in data["oracle"]["feeds"].items():
        feed["feed"] = feeds[symbol].address
        if symbol != "USDC":
            feed["token"] = tokens[symbol].address
    return data


def refused(deploy_with, config_file) -> list[str]:
    with pytest.raises(ConfigError) as err:
        deploy_with(config_file)
    for field in err.value.fields:
        assert field in str(err.value)
    return err.value.fields


def test_addresses_without_code_are_named(deploy_with, write_config, nothing_sent):
    data = set_path(
        config_dict("arbitrum-mainnet"), "chain_id", 31337
    )  # real addresses, empty local chain
    fields = refused(deploy_with, write_config(data))
    assert fields == [
        "quote.token",
        "oracle.sequencer_feed",
        "oracle.feeds.USDC.feed",
        "oracle.feeds.WETH.token",
        "oracle.feeds.WETH.feed",
        "oracle.feeds.WBTC.token",
        "oracle.feeds.WBTC.feed",
    ]


def test_config_for_another_chain_is_refused(deploy_with, nothing_sent):
    with pytest.raises(
        ConfigError, match="config is for chain 42161, connected to chain 31337"
    ) as err:
        deploy_with("arbitrum-mainnet")
    assert err.value.fields == ["chain_id"]


def test_mocks_are_refused_outside_local_chains_and_testnets(
    deploy_with, monkeypatch, nothing_sent
):
    monkeypatch.setattr(_deploy, "MOCK_CHAIN_IDS", frozenset({421614, 11155420}))
    with pytest.raises(
        ConfigError, match="only deployed on local chains and testnets, not chain 31337"
    ) as err:
        deploy_with("local")
    assert err.value.fields == ["mocks"]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("quote.decimals", 18, "quote.decimals"),  # the USDC stand-in has 6
        ("oracle.feeds.WETH.token_decimals", 6, "oracle.feeds.WETH.token_decimals"),
        ("oracle.feeds.WBTC.feed_decimals", 18, "oracle.feeds.WBTC.feed_decimals"),
    ],
)
def test_decimals_that_differ_on_chain_are_named(
    local_mocks, deploy_with, write_config, path, value, field, owner, chain
):
    data = set_path(live_config_on_local(*local_mocks), path, value)
    nonce, head = owner.nonce, chain.blocks.head.number
    with pytest.raises(ConfigError, match="reports") as err:
        deploy_with(write_config(data))
    assert err.value.fields == [field]
    assert (owner.nonce, chain.blocks.head.number) == (nonce, head)


def test_a_sequencer_feed_that_is_not_a_feed_is_named(
    local_mocks, deploy_with, write_config, owner, project
):
    not_a_feed = project.MockERC20.deploy(
        "Not a feed", "NAF", 18, sender=owner
    )  # code, no latestRoundData
    data = live_config_on_local(*local_mocks)
    data["oracle"]["sequencer_feed"] = not_a_feed.address
    nonce = owner.nonce
    with pytest.raises(ConfigError, match="latestRoundData") as err:
        deploy_with(write_config(data))
    assert err.value.fields == ["oracle.sequencer_feed"]
    assert owner.nonce == nonce


def test_live_config_deploys_over_existing_contracts_without_mocks(
    local_mocks, deploy_with, write_config, project
):
    tokens, feeds, sequencer = local_mocks
    dep, path = deploy_with(
        write_config(live_config_on_local(tokens, feeds, sequencer), "stand-ins")
    )
    assert dep.mocks == []
    assert {s: t.address for s, t in dep.tokens.items()} == {
        s: t.address for s, t in tokens.items()
    }
    assert {s: f.address for s, f in dep.feeds.items()} == {
        s: f.address for s, f in feeds.items()
    }
    oracle = dep.contracts["OracleAdapter"]
    assert oracle.sequencer_feed() == sequencer.address
    assert oracle.price_info(tokens["WETH"].address) == (3000 * 10**18, 1)
    assert path.name == "local.json"


# ---- listings need prices: collaterals (the quote too) and perp markets ------------------
def test_a_feed_that_cannot_price_a_listing_is_named_before_any_transaction(
    local_mocks, deploy_with, write_config, owner, chain
):
    tokens, feeds, sequencer = local_mocks
    data = live_config_on_local(tokens, feeds, sequencer)
    heartbeat = data["oracle"]["feeds"]["WETH"]["heartbeat"]
    head = chain.blocks.head.timestamp
    feeds["WETH"].set_round(3000 * 10**8, head - heartbeat - 10, sender=owner)
    feeds["WBTC"].set_round(0, head, sender=owner)  # fresh, but no price
    path = write_config(data)
    nonce, block = owner.nonce, chain.blocks.head.number
    with pytest.raises(ConfigError, match="listing needs a price") as err:
        deploy_with(path)
    assert err.value.fields == [
        "collaterals.WETH",
        "markets.ETH.asset",
        "collaterals.WBTC",
        "markets.BTC.asset",
    ]
    assert "the WETH feed cannot price it (stale: last answer" in str(err.value)
    assert "the WBTC feed cannot price it (answer 0, updated at" in str(err.value)
    assert (owner.nonce, chain.blocks.head.number) == (nonce, block)
    # twin: fresh answers, and everything is listed
    feeds["WETH"].set_answer(3000 * 10**8, sender=owner)
    feeds["WBTC"].set_answer(60000 * 10**8, sender=owner)
    dep, _ = deploy_with(path)
    assert list(dep.markets) == ["ETH", "BTC"]


def test_a_stale_feed_that_nothing_lists_does_not_block_the_deploy(
    local_mocks, deploy_with, write_config, owner, chain
):
    tokens, feeds, sequencer = local_mocks
    data = live_config_on_local(tokens, feeds, sequencer)
    del data["markets"]["BTC"], data["collaterals"]["WBTC"]
    feeds["WBTC"].set_round(
        60000 * 10**8, chain.blocks.head.timestamp - 10**6, sender=owner
    )
    dep, _ = deploy_with(write_config(data))
    assert list(dep.markets) == ["ETH"]
    assert dep.contracts["OracleAdapter"].price_info(tokens["WBTC"].address)[1] == 4


def test_a_sequencer_reported_down_is_named_when_anything_is_listed(
    local_mocks, deploy_with, write_config, owner
):
    tokens, feeds, sequencer = local_mocks
    data = live_config_on_local(tokens, feeds, sequencer)
    sequencer.set_status(True, sender=owner)
    nonce = owner.nonce
    with pytest.raises(ConfigError, match="reports the sequencer down") as err:
        deploy_with(write_config(data))
    assert err.value.fields == ["oracle.sequencer_feed"]
    assert owner.nonce == nonce
    # twin: the oracle alone (no vault section) needs no price, the deploy goes ahead
    for key in ("vault", "engine", "collaterals", "markets"):
        del data[key]
    dep, _ = deploy_with(write_config(data, "oracle-only"))
    assert set(dep.contracts) == {"OracleAdapter"}
