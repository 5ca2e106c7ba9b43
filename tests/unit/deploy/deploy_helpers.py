"""Helpers for the deployment-tooling tests: mutable copies of the shipped configs."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from scripts._config import config_path

DELETE = object()  # set_path(..., DELETE) removes the key
_CACHE: dict[str, dict] = {}


def config_dict(name: str) -> dict:
    """A fresh, mutable copy of config/<name>.yaml as parsed YAML."""
    if name not in _CACHE:
        _CACHE[name] = yaml.safe_load(config_path(name).read_text())
    return copy.deepcopy(_CACHE[name])


def set_path(data: dict, dotted: str, value: Any) -> dict:
    """Set data[a][b][c] for "a.b.c"; a value of DELETE removes the key."""
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[leaf]
    else:
        node[leaf] = value
    return data
