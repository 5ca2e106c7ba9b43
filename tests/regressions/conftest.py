"""Replay fixtures for sequences the system state machine found (tests/regressions/README.md).

The machine's fixtures (tests/invariants/conftest.py, loaded by path: conftest modules are
not importable by name) are re-exported, and ``machine`` hands a replay test a fresh
``SystemMachine`` on its own chain snapshot, exactly as Hypothesis builds one per example:
paste the printed steps (``state.seed(...)``, ``state.invariants_hold()``, rules) after
``state = machine``.
"""

from __future__ import annotations


import pytest
from conftest_loader import load_conftest
from system_machine import SystemMachine


_invariants = load_conftest("invariants", "bulkhead_invariant_fixtures")
# Re-exported so pytest registers them for this folder.
add_feed = _invariants.add_feed
list_token = _invariants.list_token
deploy_engine = _invariants.deploy_engine
trader3 = _invariants.trader3
trader4 = _invariants.trader4
lp3 = _invariants.lp3
liquidator2 = _invariants.liquidator2
machine_env = _invariants.machine_env


@pytest.fixture
def machine(machine_env):
    """A fresh machine (its own chain snapshot, restored afterwards)."""
    SystemMachine.env = machine_env
    state = SystemMachine()
    try:
        yield state
    finally:
        state.teardown()
        SystemMachine.env = None
