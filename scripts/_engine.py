"""The MarginEngine and its delegatecalled MarginEngineExtension, seen as one contract.

The engine runs the extension's code (``liquidate`` and the owner's collateral setters) by
delegatecall, so the events that code emits (``Liquidated``, ``CollateralSeized``,
``BadDebtWrittenOff``) come from the engine's address, while Vyper puts them only in the
extension's ABI. Everything that talks to the engine (the deployer, tests, the published
``interfaces/MarginEngine.json``) uses the engine's ABI plus those events, from here.
"""

from __future__ import annotations

from typing import Any

ENGINE = "MarginEngine"
EXTENSION = "MarginEngineExtension"


def merged_abi(engine_abi: list[dict], extension_abi: list[dict]) -> list[dict]:
    """The engine's ABI plus every event of the extension's the engine's ABI lacks."""
    names = {e["name"] for e in engine_abi if e.get("type") == "event"}
    extra = [
        e for e in extension_abi if e.get("type") == "event" and e["name"] not in names
    ]
    return engine_abi + extra


def engine_contract_type(project: Any):
    """The engine's compiled ContractType with the extension's events added."""
    engine = project.MarginEngine.contract_type
    extension = project.MarginEngineExtension.contract_type
    names = {e.name for e in engine.abi if e.type == "event"}
    extra = [e for e in extension.abi if e.type == "event" and e.name not in names]
    return engine.model_copy(update={"abi": [*engine.abi, *extra]})


def attach(project: Any, address: Any):
    """The engine at `address` as an ape ContractInstance that decodes every event it emits
    (the extension's included); ape caches the type for the address, so receipts decode too."""
    from ape import chain

    contract_type = engine_contract_type(project)
    chain.contracts[str(address)] = contract_type
    return chain.contracts.instance_at(str(address), contract_type=contract_type)


def deploy(
    project: Any, deploy_fn, vault, oracle, registry, quote, *quote_listing
) -> tuple:
    """Deploy the extension, then the engine wired to it (the engine's constructor checks the
    extension's wiring). `deploy_fn(container, *args)` deploys and returns the instance.
    `quote_listing` is (cf, lt, bonus, supply_cap). Returns (engine, extension)."""
    extension = deploy_fn(project.MarginEngineExtension, vault, oracle, registry, quote)
    engine = deploy_fn(
        project.MarginEngine, vault, oracle, registry, quote, *quote_listing, extension
    )
    return attach(project, engine.address), extension
