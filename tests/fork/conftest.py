"""Offline L2 fork fixtures: an upstream anvil per L2 (random free port, the L2's mainnet
chain id, mocks at the real addresses of config/<l2>-mainnet.yaml), and an ape connection
to `<l2>:mainnet-fork:foundry` that forks it.

ape reads the upstream URI from `node: <l2>: mainnet: uri` in ape-config.yaml and offers no
environment override (its config models take the YAML over the environment), so
``scripts._fork.fork_connection`` points the loaded config at the random port in this
process only; ape-config.yaml is untouched and parallel runs never share a port.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from scripts import _fork
from scripts._config import DeployConfig, config_path, load


@dataclass
class Upstream:
    spec: _fork.ForkSpec
    node: _fork.Upstream
    config: DeployConfig
    placed: dict[str, str]

    @property
    def rpc(self) -> _fork.Rpc:
        return self.node.rpc


@pytest.fixture(scope="module", params=_fork.MAINNETS)
def upstream(request) -> Iterator[Upstream]:
    """A seeded upstream anvil for each L2, started once per module and network."""
    spec = _fork.NETWORKS[request.param]
    config, _ = load(config_path(spec.config))
    node = _fork.Upstream.start(spec, _fork.free_port())
    try:
        placed = _fork.seed(node.rpc, config, log=lambda _msg: None)
        yield Upstream(spec, node, config, placed)
    finally:
        node.stop()


@pytest.fixture(scope="module")
def fork(upstream) -> Iterator[Any]:
    """ape connected to `<l2>:mainnet-fork:foundry`, forking the upstream (one fork per module)."""
    with _fork.fork_connection(upstream.spec, upstream.node.url) as provider:
        yield provider


@pytest.fixture(scope="module")
def deployed(fork, upstream, tmp_path_factory) -> dict[str, Any]:
    """Bulkhead deployed on the fork from the unchanged mainnet config, as `ape run deploy` does."""
    from ape import accounts

    from scripts._deploy import run_deploy

    deployer = accounts.test_accounts[0]
    out = tmp_path_factory.mktemp(f"deployments-{upstream.spec.ecosystem}")
    dep, path = run_deploy(
        upstream.spec.config, deployer, deployments_dir=out, log=lambda _msg: None
    )
    return {"dep": dep, "path": path, "deployer": deployer, "dir": out}
