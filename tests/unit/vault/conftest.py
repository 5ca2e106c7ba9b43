"""Vault fixtures: quote tokens in 6 and 18 decimals, a ``deploy_vault`` factory, the MockEngine.

Other test folders may reuse ``deploy_vault(asset, **params)`` and ``deploy_mock_engine(vault)``.
The token and the vault are module-scoped (ape reverts the chain after every test, so each
test still starts from a fresh vault); the MockEngine is per test, so a test without it sees
a vault with no engine.
Tests that depend on the asset's decimals take ``quote`` (parametrised over 6 and 18);
``unit`` is one whole quote token in its own decimals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from vault_model import DEFAULT_PARAMS, MAX_UINT256


@pytest.fixture(scope="module", params=[6, 18], ids=["quote6", "quote18"])
def quote_decimals(request) -> int:
    return request.param


@pytest.fixture(scope="module")
def deploy_quote(project, owner) -> Callable[..., Any]:
    """A MockERC20 standing in for the quote asset (USDC-like with 6 decimals, or 18)."""

    def _deploy(decimals: int = 6) -> Any:
        return project.MockERC20.deploy("Mock Quote", "QUOTE", decimals, sender=owner)

    return _deploy


@pytest.fixture(scope="module")
def quote(deploy_quote, quote_decimals) -> Any:
    return deploy_quote(quote_decimals)


@pytest.fixture(scope="module")
def unit(quote_decimals) -> int:
    """One whole quote token in its own decimals."""
    return 10**quote_decimals


@pytest.fixture(scope="module")
def deploy_vault(project, owner) -> Callable[..., Any]:
    """A Vault over `asset`, owned by `deployer` (default `owner`), with DESIGN.md's default
    curve unless overridden. Tests of deploys that revert pass a deployer that deploys
    nothing else: ape decodes a reverted deploy's trace with the ABI of whatever contract an
    earlier (reverted) test deployed at the same address, and fails."""

    def _deploy(asset: Any, deployer: Any = None, **params: int) -> Any:
        p = {**DEFAULT_PARAMS, **params}
        return project.Vault.deploy(
            asset,
            "Bulkhead Quote Vault",
            "bhQUOTE",
            p["base_rate"],
            p["slope1"],
            p["slope2"],
            p["kink"],
            p["reserve_factor"],
            sender=deployer or owner,
        )

    return _deploy


@pytest.fixture(scope="module")
def vault(deploy_vault, quote) -> Any:
    return deploy_vault(quote)


@pytest.fixture(scope="module")
def deploy_mock_engine(project, owner) -> Callable[..., Any]:
    """A MockEngine registered as `vault`'s engine (set_engine by the owner)."""

    def _deploy(vault: Any) -> Any:
        engine = project.MockEngine.deploy(vault, sender=owner)
        vault.set_engine(engine, sender=owner)
        return engine

    return _deploy


@pytest.fixture
def engine(deploy_mock_engine, vault) -> Any:
    return deploy_mock_engine(vault)


@pytest.fixture
def fund(quote, vault) -> Callable[[Any, int], None]:
    """Mint `amount` quote to `account` and approve the vault for everything."""

    def _fund(account: Any, amount: int) -> None:
        quote.mint(account, amount, sender=account)
        quote.approve(vault, MAX_UINT256, sender=account)

    return _fund


@pytest.fixture
def seed(vault, fund, lp, unit) -> Callable[[int], int]:
    """`lp` deposits `tokens` whole quote tokens (default 1,000); returns the shares minted."""

    def _seed(tokens: int = 1_000) -> int:
        fund(lp, tokens * unit)
        return vault.deposit(tokens * unit, lp, sender=lp).return_value

    return _seed


@pytest.fixture
def gift(quote, engine, owner) -> Callable[..., None]:
    """Book `assets` of trader losses (of which `fees` are fees) through the MockEngine, which
    first receives freshly minted quote and transfers it to the vault."""

    def _gift(assets: int, fees: int = 0) -> None:
        quote.mint(engine, assets, sender=owner)
        engine.take_pnl(assets, fees, assets, sender=owner)

    return _gift


@pytest.fixture
def flat_rates(vault, owner) -> Callable[[], None]:
    """Set every interest rate to 0 (kink kept), so debt does not move between blocks."""

    def _flat() -> None:
        vault.set_interest_model(0, 0, 0, vault.kink(), sender=owner)

    return _flat
