"""`ape run deploy` end to end on the local chain: nothing is sent for a bad config, the
deployments/<name>.json record, refusing to deploy twice, --force, the live-network
guards, and the click command itself."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

import pytest
from deploy_helpers import DELETE, config_dict, set_path

from scripts import _deploy
from scripts._config import ConfigError, config_path, load, to_wad

ROOT = _deploy.ROOT
RECORD_KEYS = {
    "schema_version",
    "network",
    "ape_network",
    "chain_id",
    "block",
    "last_block",
    "deployed_at",
    "deployer",
    "pending_owner",
    "config",
    "config_sha256",
    "git_commit",
    "contracts",
    "tokens",
    "feeds",
    "sequencer_feed",
    "mocks",
    "markets",
}


# ---- a bad config sends nothing -----------------------------------------------------------
@pytest.mark.parametrize(
    ("base", "path", "value", "field"),
    [
        (
            "local",
            "oracle.feeds.WETH.heartbeatt",
            60,
            "oracle.feeds.WETH.heartbeatt",
        ),  # unknown key
        (
            "local",
            "oracle.feeds.WETH.min_price",
            100000,
            "oracle.feeds.WETH.min_price",
        ),  # min == max
        ("local", "oracle.feeds.WBTC.deviation", 0.1, "oracle.feeds.WBTC.deviation"),
        (
            "arbitrum-mainnet",
            "oracle.feeds.WETH.feed",
            DELETE,
            "oracle.feeds.WETH.feed",
        ),  # live, no feed
    ],
)
def test_bad_config_fails_naming_the_field_before_any_transaction(
    deploy_with, write_config, deployments_dir, owner, chain, base, path, value, field
):
    bad = write_config(set_path(config_dict(base), path, value))
    nonce, head = owner.nonce, chain.blocks.head.number
    with pytest.raises(ConfigError) as err:
        deploy_with(bad)
    assert err.value.fields == [field]
    assert field in str(err.value)
    assert owner.nonce == nonce
    assert chain.blocks.head.number == head
    assert list(deployments_dir.iterdir()) == []


def test_good_config_twin_deploys(deploy_with, write_config, owner):
    nonce = owner.nonce
    dep, path = deploy_with(write_config(config_dict("local")))
    assert owner.nonce > nonce
    assert path.exists()
    assert dep.config_name == "test-config"


# ---- the record -------------------------------------------------------------------------
def test_record_holds_chain_block_addresses_hash_and_commit(
    deploy_with, owner, chain, project
):
    dep, path = deploy_with("local")
    record = json.loads(path.read_text())
    assert set(record) == RECORD_KEYS
    assert path.name == "local.json"
    assert record["schema_version"] == _deploy.SCHEMA_VERSION
    assert (record["network"], record["ape_network"]) == ("local", "ethereum:local")
    assert record["chain_id"] == chain.chain_id == 31337
    assert record["deployer"] == owner.address
    assert record["pending_owner"] == "0x0000000000000000000000000000000000000000"
    assert record["config"] == "local"
    assert (
        record["config_sha256"]
        == hashlib.sha256(config_path("local").read_bytes()).hexdigest()
    )
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?|unknown", record["git_commit"])
    oracle = record["contracts"]["OracleAdapter"]
    assert (
        record["block"]
        == chain.get_receipt(project.OracleAdapter.at(oracle).txn_hash).block_number
    )
    assert record["block"] <= record["last_block"] == chain.blocks.head.number
    assert set(record["contracts"]) == {
        "OracleAdapter",
        "Vault",
        "MarketRegistry",
        "MarginEngine",
        "MarginEngineExtension",
        "Lens",
    }
    addresses = [
        *record["contracts"].values(),
        record["sequencer_feed"],
        *record["tokens"].values(),
        *record["feeds"].values(),
    ]
    assert (
        len(set(addresses)) == len(addresses) == 6 + 1 + 4 + 4
    )  # contracts, sequencer, tokens, feeds
    for address in addresses:
        assert len(chain.provider.get_code(address)) > 0, address
    assert sorted(record["mocks"]) == sorted(
        [f"tokens.{s}" for s in record["tokens"]]
        + [f"feeds.{s}" for s in record["feeds"]]
        + ["sequencer_feed"]
    )
    assert not list(path.parent.glob(".*.tmp"))  # atomic write left no temporary file


def test_record_matches_what_the_adapter_holds(deploy_with):
    dep, path = deploy_with("local")
    record = json.loads(path.read_text())
    config, _ = load(config_path("local"))
    oracle = dep.contracts["OracleAdapter"]
    assert oracle.sequencer_feed() == record["sequencer_feed"]
    for symbol, fc in config.oracle.feeds.items():
        stored = oracle.feed_config(record["tokens"][symbol])
        assert (stored.symbol, stored.feed) == (symbol, record["feeds"][symbol])
        assert (stored.decimals, stored.heartbeat) == (fc.feed_decimals, fc.heartbeat)
        assert stored.deviation == to_wad(fc.deviation)
        assert (stored.min_price, stored.max_price) == (
            to_wad(fc.min_price),
            to_wad(fc.max_price),
        )
        assert oracle.price_info(record["tokens"][symbol]) == (to_wad(fc.mock_price), 1)


# ---- deploying twice --------------------------------------------------------------------
def test_deploying_twice_is_refused_while_the_first_is_live(deploy_with, owner, chain):
    _, path = deploy_with("local")
    before = path.read_bytes()
    nonce, head = owner.nonce, chain.blocks.head.number
    with pytest.raises(
        _deploy.DeploymentExistsError, match="describes a live deployment"
    ):
        deploy_with("local")
    assert (owner.nonce, chain.blocks.head.number) == (nonce, head)
    assert path.read_bytes() == before


def test_force_deploys_again_and_overwrites_the_record_knowingly(
    deploy_with, chain, log
):
    first, path = deploy_with("local")
    old = first.contracts["OracleAdapter"].address
    second, path2 = deploy_with("local", force=True)
    new = json.loads(path2.read_text())["contracts"]["OracleAdapter"]
    assert path2 == path
    assert new == second.contracts["OracleAdapter"].address != old
    assert len(chain.provider.get_code(old)) > 0  # the old contracts stay on chain
    assert "--force: " in log.text() and old in log.text()


def test_a_stale_record_is_replaced_with_a_note(
    deploy_with, deployments_dir, log, owner
):
    stale = {
        "chain_id": 31337,
        "contracts": {"OracleAdapter": "0x000000000000000000000000000000000000dEaD"},
    }
    (deployments_dir / "local.json").write_text(json.dumps(stale))
    dep, path = deploy_with("local")
    assert (
        json.loads(path.read_text())["contracts"]["OracleAdapter"]
        == dep.contracts["OracleAdapter"].address
    )
    assert "has no code on this chain" in log.text()
    assert "--force" not in log.text()


def test_a_record_for_another_chain_id_is_refused_without_force(
    deploy_with, deployments_dir, owner
):
    other = {
        "chain_id": 42161,
        "contracts": {"OracleAdapter": "0x000000000000000000000000000000000000dEaD"},
    }
    (deployments_dir / "local.json").write_text(json.dumps(other))
    nonce = owner.nonce
    with pytest.raises(
        _deploy.DeploymentExistsError,
        match="records chain id 42161, but this chain is 31337",
    ):
        deploy_with("local")
    assert owner.nonce == nonce
    dep, path = deploy_with("local", force=True)
    assert json.loads(path.read_text())["chain_id"] == 31337


def test_an_unreadable_record_is_refused_without_force(
    deploy_with, deployments_dir, owner
):
    (deployments_dir / "local.json").write_text("{not json")
    nonce = owner.nonce
    with pytest.raises(_deploy.DeploymentExistsError, match="cannot be read"):
        deploy_with("local")
    assert owner.nonce == nonce
    _, path = deploy_with("local", force=True)
    assert json.loads(path.read_text())["network"] == "local"


# ---- live networks ------------------------------------------------------------------------
@pytest.fixture
def live(monkeypatch):
    """Make the local chain count as a live network served by a real node (not an anvil)."""
    monkeypatch.setattr(_deploy, "is_live", lambda network: True)
    monkeypatch.setattr(_deploy, "node_client", lambda: "Nitro/v3.5.0")


def test_live_network_served_by_an_anvil_is_refused(
    monkeypatch, deploy_with, owner, deployments_dir
):
    monkeypatch.setattr(
        _deploy, "is_live", lambda network: True
    )  # the real node_client: anvil
    nonce = owner.nonce
    with pytest.raises(ConfigError, match="is an anvil") as err:
        deploy_with("local", confirm=lambda _summary: True)
    assert err.value.fields == ["--network"]
    assert owner.nonce == nonce
    assert list(deployments_dir.iterdir()) == []


@pytest.fixture
def operator_account(accounts, chain):
    """A non-test account (impersonated), as `ape accounts` would provide on a live network."""
    account = accounts["0x00000000000000000000000000000000B01d4EAd"]
    chain.set_balance(account.address, 10**20)
    return account


def test_live_network_refuses_a_test_account(live, deploy_with, owner, deployments_dir):
    nonce = owner.nonce
    with pytest.raises(ConfigError, match="is a test account") as err:
        deploy_with("local", confirm=lambda _summary: True)
    assert err.value.fields == ["--account"]
    assert owner.nonce == nonce
    assert list(deployments_dir.iterdir()) == []


def test_live_network_asks_and_a_no_sends_nothing(
    live, deploy_with, operator_account, deployments_dir
):
    asked = []
    nonce = operator_account.nonce
    with pytest.raises(_deploy.DeployAborted, match="nothing was sent"):
        deploy_with(
            "local",
            deployer=operator_account,
            confirm=lambda summary: asked.append(summary) or False,
        )
    assert (
        len(asked) == 1 and "LIVE network ethereum:local (chain id 31337)" in asked[0]
    )
    assert operator_account.address in asked[0]
    assert operator_account.nonce == nonce
    assert list(deployments_dir.iterdir()) == []


def test_live_network_asks_and_a_yes_deploys(live, deploy_with, operator_account):
    asked = []
    dep, path = deploy_with(
        "local",
        deployer=operator_account,
        confirm=lambda summary: asked.append(summary) or True,
    )
    assert len(asked) == 1
    assert json.loads(path.read_text())["deployer"] == operator_account.address
    assert dep.contracts["OracleAdapter"].owner() == operator_account.address


def test_dev_network_does_not_ask(deploy_with):
    asked = []
    deploy_with("local", confirm=lambda summary: asked.append(summary) or False)
    assert asked == []


# ---- naming -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ecosystem", "network", "name", "config"),
    [
        ("ethereum", "local", "local", "local"),
        ("arbitrum", "mainnet", "arbitrum-mainnet", "arbitrum-mainnet"),
        ("arbitrum", "mainnet-fork", "arbitrum-mainnet-fork", "arbitrum-mainnet"),
        ("optimism", "sepolia", "optimism-sepolia", "optimism-sepolia"),
    ],
)
def test_deployment_and_default_config_names(ecosystem, network, name, config):
    from scripts.deploy import default_config_name

    assert _deploy.deployment_name(ecosystem, network) == name
    assert default_config_name(ecosystem, network) == config


# ---- the click command ------------------------------------------------------------------
def _ape_run(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ape = os.path.join(os.path.dirname(sys.executable), "ape")
    return subprocess.run(
        [ape, "run", "deploy", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_cli_deploys_on_a_local_chain(tmp_path):
    out = tmp_path / "deployments"
    result = _ape_run(
        "--network",
        "ethereum:local:foundry",
        "--account",
        "TEST::0",
        "--deployments-dir",
        str(out),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((out / "local.json").read_text())
    assert record["chain_id"] == 31337
    assert f"OracleAdapter: {record['contracts']['OracleAdapter']}" in result.stdout


@pytest.mark.slow
def test_cli_names_the_bad_field_and_fails(tmp_path, write_config):
    bad = write_config(
        set_path(config_dict("local"), "oracle.feeds.WETH.deviation", 0.2), "bad"
    )
    out = tmp_path / "deployments"
    args = [
        "--network",
        "ethereum:local:foundry",
        "--account",
        "TEST::0",
        "--config",
        str(bad),
    ]
    result = _ape_run(*args, "--deployments-dir", str(out))
    assert result.returncode != 0
    assert "oracle.feeds.WETH.deviation" in result.stdout + result.stderr
    assert not out.exists() or list(out.iterdir()) == []
