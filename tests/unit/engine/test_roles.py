"""Roles: two-step ownership, guardian, pause switch; and the EIP-170 size of the engine."""

from __future__ import annotations

import ape
from engine_defaults import ZERO_ADDRESS


def test_owner__deployer(system, owner):
    assert system.engine.owner() == owner
    assert system.engine.pending_owner() == ZERO_ADDRESS


def test_transfer_ownership__two_steps(system, owner, stranger):
    engine = system.engine
    receipt = engine.transfer_ownership(stranger, sender=owner)
    assert receipt.events == [
        engine.OwnershipTransferStarted(previous_owner=owner, new_owner=stranger)
    ]
    assert engine.owner() == owner
    assert engine.pending_owner() == stranger
    receipt = engine.accept_ownership(sender=stranger)
    assert receipt.events == [
        engine.OwnershipTransferred(previous_owner=owner, new_owner=stranger)
    ]
    assert engine.owner() == stranger
    assert engine.pending_owner() == ZERO_ADDRESS
    with ape.reverts("engine: not owner"):
        engine.set_min_debt(10**7, sender=owner)


def test_transfer_ownership__failures_and_cancel(system, owner, stranger, attacker):
    engine = system.engine
    with ape.reverts("engine: not owner"):
        engine.transfer_ownership(attacker, sender=attacker)
    engine.transfer_ownership(stranger, sender=owner)
    with ape.reverts("engine: not pending owner"):
        engine.accept_ownership(sender=attacker)
    engine.transfer_ownership(ZERO_ADDRESS, sender=owner)  # cancel
    with ape.reverts("engine: not pending owner"):
        engine.accept_ownership(sender=stranger)
    assert engine.owner() == owner


def test_set_guardian__owner_only(system, owner, guardian, stranger):
    engine = system.engine
    with ape.reverts("engine: not owner"):
        engine.set_guardian(guardian, sender=stranger)
    receipt = engine.set_guardian(guardian, sender=owner)
    assert receipt.events == [
        engine.GuardianSet(previous_guardian=ZERO_ADDRESS, new_guardian=guardian)
    ]
    assert engine.guardian() == guardian


def test_set_paused__guardian_or_owner(system, owner, guardian, stranger):
    engine = system.engine
    engine.set_guardian(guardian, sender=owner)
    with ape.reverts("engine: not owner or guardian"):
        engine.set_paused(True, sender=stranger)
    receipt = engine.set_paused(True, sender=guardian)
    assert receipt.events == [engine.PauseSet(caller=guardian, paused=True)]
    assert engine.paused()
    receipt = engine.set_paused(False, sender=owner)
    assert receipt.events == [engine.PauseSet(caller=owner, paused=False)]
    assert not engine.paused()


def test_deployed_code__what_eip170_limits(chain, system):
    """The size the artefacts gate checks (runtime + immutables, from the compiler's layout)
    is exactly the code the deployed contracts hold, and fits EIP-170."""
    from scripts import _reports

    for name, contract in (
        ("MarginEngine", system.engine),
        ("MarketRegistry", system.registry),
        ("Vault", system.vault),
        ("OracleAdapter", system.oracle),
    ):
        on_chain = len(chain.provider.get_code(contract.address))
        assert on_chain == _reports.deployed_size(name), name
        assert on_chain <= _reports.EIP170_LIMIT, name
