# pragma version ~=0.4.3
"""
@title transfers
@custom:contract-name transfers
@license MIT
@notice Token movements of the MarginEngine, safe against the usual ERC-20 deviations.
@dev Stateless (no `initializes:` needed). Policy, documented in docs/engine.md:
       - tokens that return nothing (USDT style) are accepted: `default_return_value=True`;
       - a token that returns `false` reverts "engine: token transfer failed";
       - fee-on-transfer: a deposit credits what the engine actually received (its balance
         delta), so a fee never becomes phantom collateral; a transfer out must lower the
         engine's balance by exactly the amount, else "engine: token balance mismatch"
         (a token that takes more than it says would otherwise drain other accounts).
     Together these keep every internal balance covered by the engine's token balance.
     Re-entrancy through a token hook is stopped by the engine's lock (nonreentrancy pragma),
     which covers its views too, so no half-updated state is ever readable.
"""

from ethereum.ercs import IERC20
from . import checks


@internal
def _pull(token: address, payer: address, amount: uint256) -> uint256:
    """
    @dev Moves up to `amount` of `token` from `payer` to this contract (needs an allowance).
    @return What this contract received (token units): its balance delta, > 0.
    """
    before: uint256 = staticcall IERC20(token).balanceOf(self)
    ok: bool = extcall IERC20(token).transferFrom(payer, self, amount, default_return_value=True)
    self._check_ok(ok)
    # A hostile token that lowers our balance during the call makes this underflow: revert.
    received: uint256 = staticcall IERC20(token).balanceOf(self) - before
    checks._require(received != 0, "engine: nothing received")
    return received


@internal
def _push(token: address, receiver: address, amount: uint256):
    """
    @dev Sends exactly `amount` of `token` from this contract to `receiver`; the receiver
         may get less from a fee-on-transfer token, but this contract never pays more.
    """
    before: uint256 = staticcall IERC20(token).balanceOf(self)
    ok: bool = extcall IERC20(token).transfer(receiver, amount, default_return_value=True)
    self._check_ok(ok)
    checks._require(before - staticcall IERC20(token).balanceOf(self) == amount, "engine: token balance mismatch")


@internal
def _pay_from(token: address, payer: address, receiver: address, amount: uint256):
    """
    @dev Moves `amount` of `token` from `payer` straight to `receiver` (a repayment to the
         vault, which checks its own balance covers what it books).
    """
    ok: bool = extcall IERC20(token).transferFrom(payer, receiver, amount, default_return_value=True)
    self._check_ok(ok)


@internal
@pure
def _check_ok(ok: bool):
    """
    @dev Reverts when a token call returned `false` (no return value counts as true).
    """
    checks._require(ok, "engine: token transfer failed")
