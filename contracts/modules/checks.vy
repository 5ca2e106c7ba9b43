# pragma version ~=0.4.3
"""
@title checks
@custom:contract-name checks
@license MIT
@notice Input checks shared by the MarginEngine, the MarketRegistry and their modules.
@dev Stateless (no `initializes:` needed). Each rule has one assert site, so its revert
     reason is encoded once in the engine's bytecode (every assert-with-reason costs about
     130 bytes in the legacy code generator; the engine has an EIP-170 budget).
"""


@internal
@pure
def _check_amount(amount: uint256):
    """
    @dev Reverts for a zero token amount.
    """
    self._require(amount != 0, "engine: zero amount")


@internal
@pure
def _check_address(addr: address):
    """
    @dev Reverts for the empty address (receivers, operators, listed tokens).
    """
    self._require(addr != empty(address), "engine: zero address")


@internal
@pure
def _require(ok: bool, reason: String[40]):
    """
    @dev Reverts with `reason` unless `ok`. Every engine rule goes through this one revert
         site: an inline `assert cond, "reason"` costs about 130 bytes of runtime code in
         Vyper 0.4.3's legacy code generator, a call here about 70 (EIP-170 budget).
    @param ok The condition that must hold.
    @param reason The revert reason, "<contract>: <rule>" (at most 40 bytes).
    """
    if not ok:
        raise reason
