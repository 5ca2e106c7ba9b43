# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title roles
@custom:contract-name roles
@license MIT
@notice The MarginEngine's roles: an owner with a two-step transfer, a guardian, and the
        pause switch for risk-adding actions.
@dev The engine exports the external functions of this module. The pragma makes them (and
     the public getters) take the engine's one reentrancy lock, like the engine's own.
     Who may do what:
       - owner: lists and configures collateral, sets parameters and the guardian,
         pauses and unpauses;
       - guardian: pauses and unpauses (a fast hand in an incident; the owner can replace it).
     What a pause blocks is decided by the engine (docs/engine.md): risk-adding actions only.
"""

from interfaces import IMarginEngine
from . import checks


# ---- storage --------------------------------------------------------------------------
# @dev The account that configures the engine.
owner: public(address)
# @dev The account that may accept ownership (step two of the transfer); empty = none.
pending_owner: public(address)
# @dev The account that may pause and unpause besides the owner; empty = none.
guardian: public(address)
# @dev True while risk-adding actions are paused.
paused: public(bool)


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__():
    """
    @notice The deployer becomes the owner; no guardian; not paused.
    """
    self.owner = msg.sender
    log IMarginEngine.OwnershipTransferred(previous_owner=empty(address), new_owner=msg.sender)


# ---- external -------------------------------------------------------------------------
@external
def transfer_ownership(new_owner: address):
    """
    @notice Step one of an ownership transfer: name `new_owner`, who must accept.
    @dev Naming the empty address cancels a pending transfer.
    @param new_owner The 20-byte address that may accept ownership.
    """
    self._check_owner()
    self.pending_owner = new_owner
    log IMarginEngine.OwnershipTransferStarted(previous_owner=self.owner, new_owner=new_owner)


@external
def accept_ownership():
    """
    @notice Step two of an ownership transfer: the pending owner takes over.
    """
    new_owner: address = self.pending_owner
    checks._require(msg.sender == new_owner, "engine: not pending owner")
    previous_owner: address = self.owner
    self.owner = new_owner
    self.pending_owner = empty(address)
    log IMarginEngine.OwnershipTransferred(previous_owner=previous_owner, new_owner=new_owner)


@external
def set_guardian(new_guardian: address):
    """
    @notice Name the guardian (the empty address removes it).
    @param new_guardian The 20-byte guardian address.
    """
    self._check_owner()
    previous_guardian: address = self.guardian
    self.guardian = new_guardian
    log IMarginEngine.GuardianSet(previous_guardian=previous_guardian, new_guardian=new_guardian)


@external
def set_paused(paused: bool):
    """
    @notice Pause (True) or unpause (False) risk-adding actions; owner or guardian.
    @dev Setting the current state again is allowed (and logged): an incident runbook
         may pause without first reading the state.
    @param paused The new state.
    """
    checks._require(msg.sender == self.owner or msg.sender == self.guardian, "engine: not owner or guardian")
    self.paused = paused
    log IMarginEngine.PauseSet(caller=msg.sender, paused=paused)


# ---- internal -------------------------------------------------------------------------
@internal
@view
def _check_owner():
    """
    @dev Reverts unless the caller is the owner.
    """
    checks._require(msg.sender == self.owner, "engine: not owner")


@internal
@view
def _check_not_paused():
    """
    @dev Reverts while risk-adding actions are paused.
    """
    checks._require(not self.paused, "engine: paused")
