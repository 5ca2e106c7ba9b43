"""Load another folder's conftest.py as a module, once, so its fixtures can be re-exported.

Conftest modules are not importable by name, yet several test folders build on the engine's
``deploy_engine`` factory (tests/unit/engine/conftest.py) and the regressions on the system
machine's fixtures (tests/invariants/conftest.py). Each is executed once under a fixed module
name and shared: the re-exporting conftest assigns the fixtures it needs to module-level
names, which is how pytest registers them for its folder.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

TESTS = Path(__file__).resolve().parents[2]


def load_conftest(folder: str, name: str) -> ModuleType:
    """tests/<folder>/conftest.py as module `name` (executed on first use only)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, TESTS / folder / "conftest.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def engine_fixtures() -> ModuleType:
    """The engine folder's conftest (the `deploy_engine` factory and its helpers)."""
    return load_conftest("unit/engine", "bulkhead_engine_fixtures")
