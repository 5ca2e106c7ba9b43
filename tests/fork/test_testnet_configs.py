"""The all-mock testnet configs deploy on a fork of an (offline) testnet upstream with the
testnet's chain id: `mocks: true` is accepted there, every token and feed is a mock."""

from __future__ import annotations

import json

import pytest

from scripts import _fork
from scripts._deploy import run_deploy

TESTNETS = [name for name, spec in _fork.NETWORKS.items() if spec.network == "sepolia"]


@pytest.mark.parametrize("name", TESTNETS)
def test_testnet_config_deploys_all_mocks_on_the_testnet_chain_id(name, tmp_path):
    from ape import accounts, chain

    spec = _fork.NETWORKS[name]
    node = _fork.Upstream.start(spec, _fork.free_port())
    try:
        with _fork.fork_connection(spec, node.url):
            assert chain.chain_id == spec.chain_id
            dep, path = run_deploy(
                spec.config,
                accounts.test_accounts[0],
                deployments_dir=tmp_path,
                log=lambda _m: None,
            )
            record = json.loads(path.read_text())
            assert path.name == f"{spec.ecosystem}-sepolia-fork.json"
            assert record["chain_id"] == spec.chain_id
            assert set(record["contracts"]) == {
                "OracleAdapter",
                "Vault",
                "MarginEngine",
            }
            assert (
                len(record["mocks"]) == 2 * len(record["tokens"]) + 1
            )  # tokens, feeds, sequencer
            oracle = dep.contracts["OracleAdapter"]
            assert oracle.price_info(record["tokens"]["WETH"]) == (3000 * 10**18, 1)
    finally:
        node.stop()
