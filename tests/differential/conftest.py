"""Differential fixtures: the test harnesses (contracts/harness/: test-only contracts that
expose the modules' internal arithmetic in batches), a real Vault driven by the MockEngine
for the share math, and a real engine system (the engine folder's ``deploy_engine``
factory, loaded by path as tests/unit/lens/conftest.py does) for the figures only the
deployed contracts compute.

Every harness batch function is called with ``.call()`` (an eth_call: storage the harness
writes to set a case up is never persisted), so thousands of cases cost a few calls.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest_loader import engine_fixtures


_engine = engine_fixtures()
# Re-exported so pytest registers them for this folder (factories: they deploy nothing).
add_feed = _engine.add_feed
list_token = _engine.list_token
deploy_engine = _engine.deploy_engine

# A stand-in address for the quote token inside the HealthHarness (any non-zero address).
HARNESS_QUOTE = "0x000000000000000000000000000000000000a11c"


@pytest.fixture(scope="session")
def math_harness(project, owner) -> Any:
    """MathHarness: vault_math, wad_math, interest_model, markets, liquidation in batches."""
    return project.MathHarness.deploy(sender=owner)


@pytest.fixture(scope="session")
def health_harness(project, owner) -> Any:
    """HealthHarness: the health module over generated accounts, in batches."""
    return project.HealthHarness.deploy(HARNESS_QUOTE, sender=owner)


@pytest.fixture(scope="session")
def vault_probe(project, owner) -> Any:
    """VaultProbe: a real Vault's six conversions for many amounts in one eth_call."""
    return project.VaultProbe.deploy(sender=owner)


@pytest.fixture(scope="session")
def diff_env(deploy_engine) -> Any:
    """A real system (default listings: USDC 6 dec, WETH, WBTC, MEME, ...; markets ETH, BTC,
    MEME), deployed once; each test runs on a chain snapshot of it."""
    return deploy_engine()
