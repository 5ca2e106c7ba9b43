"""The all-mock testnet configs deploy on a fork of an (offline) testnet upstream with the
testnet's chain id: `mocks: true` is accepted there, every token and feed is a mock.

Each network runs as `python -m scripts._fork run` in its own process: after several forks of
other chains in one process, ape's per-network-name caches ("sepolia-fork" is shared by
Arbitrum Sepolia and OP Sepolia) intermittently left the OP Sepolia fork unable to start.
A process per testnet is also exactly how `make fork-demo` runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scripts import _fork

TESTNETS = [name for name, spec in _fork.NETWORKS.items() if spec.network == "sepolia"]


@pytest.mark.parametrize("name", TESTNETS)
def test_testnet_config_deploys_all_mocks_on_the_testnet_chain_id(name, tmp_path):
    spec = _fork.NETWORKS[name]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts._fork",
            "run",
            "--network",
            name,
            "--deployments-dir",
            str(tmp_path),
        ],
        cwd=_fork.ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    path = tmp_path / f"{spec.ecosystem}-sepolia-fork.json"
    record = json.loads(path.read_text())
    assert record["chain_id"] == spec.chain_id
    assert set(record["contracts"]) == {
        "OracleAdapter",
        "Vault",
        "MarketRegistry",
        "MarginEngine",
        "MarginEngineExtension",
        "Lens",
    }
    assert (
        len(record["mocks"]) == 2 * len(record["tokens"]) + 1
    )  # tokens, feeds, sequencer
