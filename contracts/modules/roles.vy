# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title roles
@custom:contract-name roles
@license MIT
@notice The MarginEngine's roles: an owner with a two-step transfer, a guardian, and the
        pause switch for risk-adding actions.
@dev The engine exports the external function and the getters of this module; the
     ownership transfer and the guardian run in the MarginEngineExtension (engine bytes). The pragma makes them (and
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


# ---- internal: the owner's powers (the MarginEngineExtension runs them for the engine) ---
@internal
def _transfer_ownership(new_owner: address):
    """
    @dev Step one of an ownership transfer (owner): name `new_owner`, who must accept;
         naming the empty address cancels a pending transfer.
    """
    self._check_owner()
    self.pending_owner = new_owner
    log IMarginEngine.OwnershipTransferStarted(previous_owner=self.owner, new_owner=new_owner)


@internal
def _accept_ownership():
    """
    @dev Step two of an ownership transfer: the pending owner takes over.
    """
    new_owner: address = self.pending_owner
    checks._require(msg.sender == new_owner, "engine: not pending owner")
    previous_owner: address = self.owner
    self.owner = new_owner
    self.pending_owner = empty(address)
    log IMarginEngine.OwnershipTransferred(previous_owner=previous_owner, new_owner=new_owner)


@internal
def _set_guardian(new_guardian: address):
    """
    @dev Name the guardian (owner; the empty address removes it).
    """
    self._check_owner()
    previous_guardian: address = self.guardian
    self.guardian = new_guardian
    log IMarginEngine.GuardianSet(previous_guardian=previous_guardian, new_guardian=new_guardian)


# ---- external -------------------------------------------------------------------------
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
