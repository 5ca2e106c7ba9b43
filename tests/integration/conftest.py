"""Integration fixtures (named `protocol`, not `system`: ape isolates chain snapshots per fixture
name, and tests/unit/engine has a session-scoped `system`): the whole protocol deployed exactly as `make demo` deploys it
(scripts/_deploy.py with config/local.yaml: mock tokens and feeds, the real OracleAdapter,
Vault and MarginEngine), once per module; each test runs on a chain snapshot of it."""

from __future__ import annotations

from typing import Any

import pytest

from scripts import _config, _deploy
from scripts._constants import MAX_UINT256


@pytest.fixture(scope="module")
def protocol(owner) -> Any:
    config, digest = _config.load(_config.config_path("local"))
    return _deploy.deploy(
        config, digest, owner, log=lambda _msg: None, name="integration"
    )


@pytest.fixture(scope="module")
def fund(protocol):
    """Mint `amount` of token `symbol` to `who` and approve `spender` for all of it."""

    def _fund(who, symbol: str, amount: int, spender) -> int:
        token = protocol.tokens[symbol]
        token.mint(who, amount, sender=who)
        token.approve(spender, MAX_UINT256, sender=who)
        return amount

    return _fund
