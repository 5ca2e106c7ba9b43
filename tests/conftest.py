"""Shared fixtures: actors by role, token/feed factories, and the gas snapshot recorder.

Gas scenarios are ordinary tests marked ``@pytest.mark.gas`` that call
``gas.record("name", receipt)``. ``make test`` fails when a scenario costs more than its
entry in ``gas_reports/gas_snapshot.json``; ``make gas`` rewrites that file.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from scripts._ui import quiet_reverts

ROOT = Path(__file__).resolve().parents[1]

# Test files are imported with --import-mode=importlib (pytest.ini), so the same basename
# (test_gas.py) may live in several folders. Shared helper modules next to them
# (engine_defaults.py, vault_model.py, ...) are imported by plain name: put their folders on
# sys.path. Their names must stay unique across folders.
for _folder in sorted(
    {
        p.parent
        for p in (ROOT / "tests").rglob("*.py")
        if not p.name.startswith(("test_", "conftest"))
    }
):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))
GAS_SNAPSHOT = ROOT / "gas_reports" / "gas_snapshot.json"

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE (the Makefile exports `ci`; unset = ci).
# They set only examples, steps and the deadline: every existing @given test sets its own
# max_examples and deadline, and the vault's state machine its own step count, so only
# tests that leave them unset follow the profile (the system state machine,
# tests/invariants; docs/invariants.md). `fuzz` is `make fuzz`; `dev` a local deeper run.
settings.register_profile("ci", max_examples=25, stateful_step_count=40, deadline=None)
settings.register_profile("dev", max_examples=50, stateful_step_count=50, deadline=None)
settings.register_profile(
    "fuzz", max_examples=1_000, stateful_step_count=50, deadline=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# A fixed origin for pinned block timestamps (2033-05-18, after any real clock): gas scenarios that
# accrue interest or funding run at GAS_T0 + offset so the snapshot is deterministic.
GAS_T0 = 2_000_000_000


def pytest_addoption(parser):
    parser.addoption(
        "--update-gas",
        action="store_true",
        default=False,
        help="rewrite gas_reports/gas_snapshot.json with the measured figures",
    )
    parser.addoption(
        "--gas-snapshot",
        default=str(GAS_SNAPSHOT),
        help="snapshot file to compare against (default: gas_reports/gas_snapshot.json)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "gas: a named gas scenario checked against the snapshot"
    )
    config.addinivalue_line("markers", "slow: long-running (skipped by make test-fast)")
    quiet_reverts()  # revert reasons stay exact; only ape's slow diagnostics are skipped


class GasRecorder:
    """Compare receipts with the committed snapshot, or collect them for `make gas`."""

    def __init__(self, path: Path, update: bool):
        self.path = path
        self.update = update
        self.snapshot: dict[str, int] = (
            json.loads(path.read_text()) if path.exists() else {}
        )
        self.measured: dict[str, int] = {}

    def record(self, name: str, receipt) -> int:
        used = int(receipt.gas_used)
        assert name not in self.measured, f"gas scenario recorded twice: {name}"
        self.measured[name] = used
        if not self.update:
            assert name in self.snapshot, (
                f"gas scenario {name!r} has no snapshot entry: run `make gas`"
            )
            limit = self.snapshot[name]
            assert used <= limit, (
                f"gas scenario {name!r} costs {used}, snapshot allows {limit}"
            )
        return used

    def write(self) -> None:
        merged = dict(sorted(self.measured.items()))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(merged, indent=2) + "\n")


@pytest.fixture
def gas(request) -> GasRecorder:
    """The run's one recorder. Function-scoped on purpose: ape snapshots the chain per
    fixture scope, and a session fixture first requested after module fixtures makes ape
    "rebase" its snapshots, which broke the chain state of later test modules."""
    recorder = getattr(request.config, "_bulkhead_gas", None)
    if recorder is None:
        recorder = GasRecorder(
            Path(request.config.getoption("--gas-snapshot")),
            request.config.getoption("--update-gas"),
        )
        request.config._bulkhead_gas = recorder
    return recorder


def pytest_sessionfinish(session, exitstatus):
    recorder = getattr(session.config, "_bulkhead_gas", None)
    if recorder is not None and recorder.update and exitstatus == 0:
        recorder.write()
    # Every run may also leave what it measured beside the snapshot (never the snapshot
    # itself unless green): BULKHEAD_GAS_MEASURED=path.
    out = os.environ.get("BULKHEAD_GAS_MEASURED")
    if recorder is not None and out:
        Path(out).write_text(
            json.dumps(dict(sorted(recorder.measured.items())), indent=2) + "\n"
        )


@pytest.fixture
def pin_time(chain):
    """Set the timestamp of the next block to GAS_T0 + offset (must move forward).

    From the first pin until the test ends every further block is exactly 1 s after the
    previous one (anvil_setBlockTimestampInterval), so blocks between pins do not follow the
    wall clock: interest and funding accrued in a scenario, and hence its gas, are the same
    on every run and every machine.
    """
    pinned = False

    def _pin(offset: int = 0) -> int:
        nonlocal pinned
        ts = GAS_T0 + offset
        chain.pending_timestamp = ts
        if not pinned:
            chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
            pinned = True
        return ts

    yield _pin
    if pinned:
        chain.provider.make_request("anvil_removeBlockTimestampInterval", [])


# ---- actors by role -------------------------------------------------------------------
@pytest.fixture(scope="session")
def owner(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def guardian(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def lp(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def lp2(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def trader(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def trader2(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def liquidator(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def attacker(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def operator(accounts):
    return accounts[9]
