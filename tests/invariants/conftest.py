"""Fixtures of the whole-system state machine (tests/invariants, tests/regressions).

The engine's ``deploy_engine`` factory (tests/unit/engine/conftest.py, loaded by path:
conftest modules are not importable by name) builds the system on the REAL OracleAdapter,
Vault, MarketRegistry and MarginEngine; ``machine_env`` adds a Lens, the SystemProbe
reader (system_machine_probe.py), funded and approved actors by role, and the guardian.
Module-scoped: each test module deploys its own system; the machine snapshots the chain
per example.
"""

from __future__ import annotations


import pytest
from conftest_loader import engine_fixtures
from engine_defaults import FEED_DECIMALS, HEARTBEAT
from system_machine import MachineEnv
from system_machine_model import MAX_UINT256, TOKENS, VIRTUAL_SHARES, WALLET_UNITS
from system_machine_probe import Probe, deploy_probe


_engine = engine_fixtures()
# Re-exported so pytest registers them for this folder (factories: they deploy nothing).
add_feed = _engine.add_feed
list_token = _engine.list_token
deploy_engine = _engine.deploy_engine


# ---- the extra actors (tests/conftest.py names accounts 0..9) ----------------------------
@pytest.fixture(scope="session")
def trader3(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def trader4(accounts):
    return accounts[9]


@pytest.fixture(scope="session")
def lp3(accounts):
    return accounts[10]


@pytest.fixture(scope="session")
def liquidator2(accounts):
    return accounts[11]


@pytest.fixture(scope="module")
def machine_env(
    chain,
    project,
    deploy_engine,
    owner,
    guardian,
    lp,
    lp2,
    lp3,
    trader,
    trader2,
    trader3,
    trader4,
    liquidator,
    liquidator2,
    attacker,
):
    """A default system (6 collaterals, markets ETH/BTC/MEME, 1,000,000 USDC of LP seed)
    with a Lens and the probe; every actor holds plenty of every token and has approved
    the engine (and the vault, for the quote); the outsider is `attacker`."""
    system = deploy_engine()
    lens = project.Lens.deploy(system.engine, sender=owner)
    probe = Probe(deploy_probe(owner), chain.provider.web3)
    assert system.vault.DECIMALS_OFFSET() == 6 and VIRTUAL_SHARES == 10**6
    env = MachineEnv(
        chain=chain,
        system=system,
        lens=lens,
        probe=probe,
        owner=owner,
        guardian=guardian,
        outsider=attacker,
        lps=[lp, lp2, lp3],
        traders=[trader, trader2, trader3, trader4],
        liquidators=[liquidator, liquidator2],
        heartbeat=HEARTBEAT,
        feed_decimals=FEED_DECIMALS,
    )
    gas = {"gas": 500_000}
    for actor in env.holders:
        for symbol in TOKENS:
            token = system.tokens[symbol]
            token.mint(
                actor, WALLET_UNITS[symbol] * system.unit(symbol), sender=owner, **gas
            )
            token.approve(system.engine, MAX_UINT256, sender=actor, **gas)
        system.quote.approve(system.vault, MAX_UINT256, sender=actor, **gas)
    system.engine.set_guardian(guardian, sender=owner, **gas)
    system.vault.set_guardian(guardian, sender=owner, **gas)
    return env
