"""The whole-system state machine (issue 8): see system_machine.py for the rules and
docs/invariants.md for the invariants, their tolerances and how often each is checked.

Examples and steps come from the Hypothesis profile (tests/conftest.py): `ci` keeps
`make test` fast, `fuzz` runs >= 1,000 examples of 50 steps (`make fuzz`). The run's
statistics (examples, steps, the conditional checks that ran, liquidations by kind,
round trips, every action's passes and reverts by reason) are printed at the end (`-s`).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from system_machine import SystemMachine, report


def test_system_machine__every_invariant_after_every_step(machine_env):
    SystemMachine.env = machine_env
    try:
        run_state_machine_as_test(
            SystemMachine,
            settings=settings(
                deadline=None,
                suppress_health_check=[
                    HealthCheck.too_slow,
                    HealthCheck.data_too_large,
                ],
            ),
        )
    finally:
        SystemMachine.env = None
        report(machine_env.stats)
    stats = machine_env.stats
    assert stats["examples"] >= settings.default.max_examples
    assert stats["liveness"]["checks"] > 0
