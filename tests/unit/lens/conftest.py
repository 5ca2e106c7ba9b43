"""Lens fixtures: the engine's ``deploy_engine`` factory (tests/unit/engine/conftest.py,
loaded by path: conftest modules are not importable by name) builds a whole system on the
real contracts, and a Lens is deployed next to it.

The system fixture is ``lens_env`` (never ``system``: ape isolates chain snapshots per
fixture name, and tests/unit/engine has a session-scoped ``system``). Helpers that act on it
are plain functions in ``lens_helpers.py``.
"""

from __future__ import annotations


import pytest
from conftest_loader import engine_fixtures


_engine = engine_fixtures()
# Re-exported so pytest registers them for this folder (factories: they deploy nothing).
add_feed = _engine.add_feed
list_token = _engine.list_token
deploy_engine = _engine.deploy_engine
System = _engine.System


@pytest.fixture(scope="session")
def lens_env(project, owner, deploy_engine):
    """The default system with a Lens (``.lens``), deployed once per session; each test
    runs on a chain snapshot of it."""
    system = deploy_engine()
    system.lens = project.Lens.deploy(system.engine, sender=owner)
    return system
