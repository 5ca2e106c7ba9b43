"""The MarginEngineExtension: the engine's liquidation and collateral setters run as the
engine's code (delegatecall; docs/architecture.md). Its wiring is checked when the engine
is deployed, and it refuses to act on its own storage."""

from __future__ import annotations

import ape
import pytest
from web3.exceptions import ContractLogicError
from engine_defaults import MAX_UINT256, ZERO_ADDRESS, wad


def _constructor_call(project, system, owner, chain, extension):
    tx = project.MarginEngine.constructor.serialize_transaction(
        system.vault,
        system.oracle,
        system.registry,
        system.quote,
        wad("0.95"),
        wad("0.97"),
        wad("0.02"),
        MAX_UINT256,
        extension,
        sender=owner,
    )
    return chain.provider.web3.eth.call({"from": owner.address, "data": tx.data})


def test_engine__names_its_extension_wired_to_the_same_contracts(system):
    extension = ape.project.MarginEngineExtension.at(system.engine.extension())
    assert extension.wiring() == (
        system.vault.address,
        system.oracle.address,
        system.registry.address,
        system.quote.address,
    )


def test_constructor__extension_for_the_same_contracts__deploys(
    project, system, owner, chain
):
    extension = project.MarginEngineExtension.deploy(
        system.vault, system.oracle, system.registry, system.quote, sender=owner
    )
    assert len(_constructor_call(project, system, owner, chain, extension)) > 0


def test_constructor__extension_wired_elsewhere__reverts(project, system, owner, chain):
    # Registry and oracle swapped: an extension deployed for other contracts.
    extension = project.MarginEngineExtension.deploy(
        system.vault, system.registry, system.oracle, system.quote, sender=owner
    )
    with pytest.raises(ContractLogicError, match="engine: extension wired elsewhere"):
        _constructor_call(project, system, owner, chain, extension)


def test_extension__called_directly__refuses(system, owner, liquidator):
    extension = ape.project.MarginEngineExtension.at(system.engine.extension())
    with ape.reverts("extension: call the engine"):
        extension.liquidate(
            1, MAX_UINT256, ZERO_ADDRESS, 0, liquidator, sender=liquidator
        )
    with ape.reverts("extension: call the engine"):
        extension.set_min_debt(10**6, sender=owner)
    # The ownership and guardian powers run there too (session 8): the extension's
    # deployer is the owner of the extension's own (unused) storage, and still refused.
    with ape.reverts("extension: call the engine"):
        extension.transfer_ownership(liquidator, sender=owner)
    with ape.reverts("extension: call the engine"):
        extension.accept_ownership(sender=owner)
    with ape.reverts("extension: call the engine"):
        extension.set_guardian(liquidator, sender=owner)


def test_engine__owner_setter_through_the_extension__writes_the_engines_storage(
    system, owner, stranger
):
    """The twin: through the engine the same code runs on the engine's storage, with the
    engine's owner check."""
    system.engine.set_min_debt(25 * 10**6, sender=owner)
    assert system.engine.min_debt() == 25 * 10**6
    with ape.reverts("engine: not owner"):
        system.engine.set_min_debt(10**6, sender=stranger)


def test_engine__ownership_through_the_extension__two_steps_on_the_engines_storage(
    system, owner, stranger
):
    """transfer_ownership / accept_ownership / set_guardian run in the extension on the
    engine's storage; events come from the engine's address; each refusal has its reason."""
    engine = system.engine
    with ape.reverts("engine: not owner"):
        engine.transfer_ownership(stranger, sender=stranger)
    started = engine.transfer_ownership(stranger, sender=owner)
    [log] = started.events.filter(engine.OwnershipTransferStarted)
    assert log.contract_address == engine.address
    assert (log.previous_owner, log.new_owner) == (owner.address, stranger.address)
    assert (
        engine.pending_owner() == stranger.address and engine.owner() == owner.address
    )
    with ape.reverts("engine: not pending owner"):
        engine.accept_ownership(sender=owner)
    accepted = engine.accept_ownership(sender=stranger)
    [log] = accepted.events.filter(engine.OwnershipTransferred)
    assert (log.previous_owner, log.new_owner) == (owner.address, stranger.address)
    assert engine.owner() == stranger.address and engine.pending_owner() == ZERO_ADDRESS
    with ape.reverts("engine: not owner"):
        engine.set_guardian(owner, sender=owner)
    set_ = engine.set_guardian(owner, sender=stranger)
    [log] = set_.events.filter(engine.GuardianSet)
    assert log.new_guardian == owner.address and engine.guardian() == owner.address
