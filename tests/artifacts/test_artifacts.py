"""Committed artefacts stay true: ABIs, bytecode sizes, and the gas snapshot gate itself."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from scripts import _reports

DEPLOYABLES = _reports.deployables()


def test_there_are_deployables():
    assert "OracleAdapter" in DEPLOYABLES


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_committed_abi__matches_compiled(name):
    path = _reports.INTERFACES / f"{name}.json"
    assert path.exists(), f"{path.name} missing: run `make abi`"
    assert json.loads(path.read_text()) == json.loads(_reports.abi_text(name)), (
        f"{path.name} differs from the compiled ABI: run `make abi`"
    )


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_deployed_code__fits_eip170(name):
    assert _reports.deployed_size(name) <= _reports.EIP170_LIMIT


# Issue 17: the engine keeps room for the features still to come; no deployable may crowd
# the limit.
ENGINE_HEADROOM_FLOOR = 4_096  # bytes below EIP-170 the MarginEngine must keep
DEPLOYABLE_CEILING = 21_000  # bytes no deployable may exceed


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_deployed_code__below_the_deployable_ceiling(name):
    assert _reports.deployed_size(name) <= DEPLOYABLE_CEILING


def test_engine__keeps_its_headroom_floor():
    headroom = _reports.EIP170_LIMIT - _reports.deployed_size("MarginEngine")
    assert headroom >= ENGINE_HEADROOM_FLOOR, f"engine headroom {headroom} bytes"


def _storage_layout(name: str) -> dict:
    vyper = os.path.join(os.path.dirname(sys.executable), "vyper")
    out = subprocess.run(
        [
            vyper,
            "-p",
            str(_reports.ROOT),
            "--evm-version",
            _reports.EVM_VERSION,
            "-f",
            "layout",
        ]
        + [str(_reports.CONTRACTS / f"{name}.vy")],
        capture_output=True,
        text=True,
        check=True,
        cwd=_reports.ROOT,
    ).stdout
    layout = json.loads(out)
    return {k: layout[k] for k in ("storage_layout", "transient_storage_layout")}


def test_engine_extension__has_the_engines_storage_layout():
    """The extension runs on the engine's storage (delegatecall): every slot, type and the
    lock's transient slot must be the same, or it would read and write the wrong fields."""
    engine, extension = (
        _storage_layout("MarginEngine"),
        _storage_layout("MarginEngineExtension"),
    )
    assert engine["storage_layout"], engine
    assert extension == engine


def test_engine_extension__layout_check_can_fail(tmp_path):
    """The comparison above is not vacuous: a contract with one more variable differs."""
    engine = _storage_layout("MarginEngine")
    assert engine != {"storage_layout": {}, "transient_storage_layout": {}}
    assert _storage_layout("Vault") != engine


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_deployed_code__not_above_snapshot(name):
    committed = json.loads(_reports.SIZES_FILE.read_text())
    assert name in committed, f"{name} has no size entry: run `make gas`"
    size = _reports.deployed_size(name)
    assert size <= committed[name], (
        f"{name} grew to {size} bytes (snapshot {committed[name]}): run `make gas`"
    )


def test_gas_snapshot__has_an_entry_per_deployable():
    gas = json.loads(_reports.GAS_FILE.read_text())
    for name in DEPLOYABLES:
        prefix = {
            "OracleAdapter": "oracle",
            "Vault": "vault",
            "MarginEngine": "engine",
            "MarginEngineExtension": "engine",  # liquidations and listings run in it
            "MarketRegistry": "engine",  # the registry's work is measured in engine scenarios
            "Lens": "lens",
        }[name]
        assert any(key.startswith(prefix + ":") for key in gas), (
            f"no gas scenario for {name}"
        )


@pytest.mark.slow
def test_raised_gas_figure__fails_the_suite(tmp_path):
    """Lower every oracle snapshot entry by 1 gas (= the code got 1 gas dearer): the gas tests must fail."""
    gas = json.loads(_reports.GAS_FILE.read_text())
    tampered = {
        key: (value - 1 if key.startswith("oracle:") else value)
        for key, value in gas.items()
    }
    lowered = sum(1 for key in gas if key.startswith("oracle:"))
    assert lowered > 0
    snapshot = tmp_path / "gas_snapshot.json"
    snapshot.write_text(json.dumps(tampered))
    cmd = [
        os.path.join(os.path.dirname(sys.executable), "ape"),
        "test",
        str(_reports.ROOT / "tests" / "unit" / "oracle"),
        "-m",
        "gas",
        "-p",
        "no:cacheprovider",
        "--gas-snapshot",
        str(snapshot),
        "-q",
        "--tb=line",
    ]
    result = subprocess.run(
        cmd, cwd=_reports.ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode != 0, result.stdout[-2000:]
    # each lowered scenario fails on its figure (a scenario added since the snapshot was
    # recorded fails for its missing entry instead: `make gas` runs this before rewriting it)
    raised = set(
        re.findall(r"gas scenario '([^']+)' costs \d+, snapshot allows", result.stdout)
    )
    assert raised == {key for key in gas if key.startswith("oracle:")}, result.stdout[
        -2000:
    ]
