"""Deployment-tooling fixtures: config dicts to mutate, a writer for temporary config files,
a deployments folder per test, and ``deploy_with(...)`` running `ape run deploy`'s core
(``scripts._deploy.run_deploy``) against the local chain with a recorded log.

Other folders can reuse ``deploy_local`` to get a full mock deployment (the same one
`make demo` uses) in one call.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts._deploy import run_deploy


@pytest.fixture
def deployments_dir(tmp_path) -> Path:
    out = tmp_path / "deployments"
    out.mkdir()
    return out


@pytest.fixture
def write_config(tmp_path) -> Callable[..., Path]:
    """Write a config dict to <tmp>/<name>.yaml and return the path."""

    def _write(data: dict, name: str = "test-config") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return _write


class LogRecorder(list):
    def __call__(self, message: str) -> None:
        self.append(message)

    def text(self) -> str:
        return "\n".join(self)


@pytest.fixture
def log() -> LogRecorder:
    return LogRecorder()


@pytest.fixture
def deploy_with(owner, deployments_dir, log) -> Callable[..., Any]:
    """run_deploy(config, ...) with the owner as deployer, writing into the test's folder."""

    def _deploy(config: str | Path = "local", deployer=None, **kwargs):
        kwargs.setdefault("deployments_dir", deployments_dir)
        kwargs.setdefault("log", log)
        return run_deploy(config, deployer or owner, **kwargs)

    return _deploy


@pytest.fixture
def deploy_local(deploy_with) -> Callable[[], Any]:
    """A full mock deployment from config/local.yaml; returns the Deployment."""

    def _deploy():
        dep, _ = deploy_with("local")
        return dep

    return _deploy
