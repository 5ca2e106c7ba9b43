# pragma version ~=0.4.3
"""
@title MockEngine
@notice A stand-in MarginEngine for the vault's unit tests: settable `vault_marks()`
        figures and pass-through calls to the vault's engine-only functions.
@dev Where IVault says the engine has ALREADY transferred the quote, the pass-through first
     transfers `funded` quote units from this contract's own balance (tests mint to it), so
     tests can also under-fund on purpose. `mode` makes `vault_marks()` misbehave:
       MODE_NORMAL  returns the stored figures;
       MODE_REVERT  reverts (the vault must treat it as ok = False);
       MODE_REENTER reads `vault.cash()` first (a locked view that does not call back):
                    fine from a plain view call, a revert while the vault holds its lock
                    (read-only reentrancy protection).
     No reentrancy pragma: tests must be able to call anything in any order.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC4626
from interfaces import IMarginEngineMarks
from interfaces import IVault

implements: IMarginEngineMarks


# ---- constants ------------------------------------------------------------------------
MODE_NORMAL: public(constant(uint256)) = 0
MODE_REVERT: public(constant(uint256)) = 1
MODE_REENTER: public(constant(uint256)) = 2


# ---- storage --------------------------------------------------------------------------
# @dev The vault this engine drives.
vault: public(address)
# @dev The vault's quote asset.
asset: public(address)
# @dev Signed unrealised trader PnL reported to the vault, quote units.
net_pnl: public(int256)
# @dev Reserved trader profit reported to the vault, quote units.
reserved: public(uint256)
# @dev LP entry/exit band reported to the vault, quote units.
band: public(uint256)
# @dev Whether the marks are usable.
ok: public(bool)
# @dev Assets the open interest needs reported to the vault, quote units (max = unusable).
needed: public(uint256)
# @dev How `vault_marks()` behaves (MODE_*).
mode: public(uint256)


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(vault: address):
    """
    @notice Drive `vault`; marks start at (0, 0, 0, True).
    @param vault The 20-byte vault.
    """
    self.vault = vault
    self.asset = staticcall IERC4626(vault).asset()
    self.ok = True


# ---- external: marks ------------------------------------------------------------------
@external
def set_marks(net_pnl: int256, reserved: uint256, band: uint256, ok: bool):
    """
    @notice Set the figures `vault_marks()` returns.
    @param net_pnl The 32-byte signed trader PnL, quote units.
    @param reserved The 32-byte reserved profit, quote units.
    @param band The 32-byte band, quote units.
    @param ok Whether the marks are OK. False also makes them unusable (needed =
              max_value, as for a stale price); `set_needed` afterwards models an
              out-of-band or grace price (not OK, but usable). True resets needed to 0.
    """
    self.net_pnl = net_pnl
    self.reserved = reserved
    self.band = band
    self.ok = ok
    if ok:
        self.needed = 0
    else:
        self.needed = max_value(uint256)


@external
def set_needed(needed: uint256):
    """
    @notice Set the assets the open interest needs that `vault_marks()` returns.
    @param needed The 32-byte figure, quote units (max_value(uint256) = marks unusable).
    """
    self.needed = needed


@external
def set_mode(mode: uint256):
    """
    @notice Choose how `vault_marks()` behaves.
    @param mode The 32-byte MODE_* value.
    """
    assert mode <= MODE_REENTER, "mock: unknown mode"
    self.mode = mode


@view
@external
def vault_marks() -> (int256, uint256, uint256, bool, uint256):
    """
    @notice The stored figures, or a revert / a read of the vault, depending on `mode`.
    @return (net_pnl, reserved, band, ok, needed).
    """
    mode: uint256 = self.mode
    assert mode != MODE_REVERT, "mock: marks down"
    if mode == MODE_REENTER:
        seen: uint256 = staticcall IVault(self.vault).cash()
    return self.net_pnl, self.reserved, self.band, self.ok, self.needed


# ---- external: pass-throughs to the vault's engine-only functions ---------------------
@external
def lend(assets: uint256, receiver: address, reserved: uint256) -> uint256:
    """
    @notice `vault.lend(assets, receiver, reserved)`.
    @param assets The 32-byte quote amount.
    @param receiver The 20-byte receiver of the quote.
    @param reserved The 32-byte reserved trader profit to report, quote units.
    @return The debt shares minted.
    """
    return extcall IVault(self.vault).lend(assets, receiver, reserved)


@external
def take_repayment(assets: uint256, debt_shares: uint256, funded: uint256):
    """
    @notice Transfer `funded` quote to the vault, then `vault.take_repayment(assets, debt_shares)`.
    @param assets The 32-byte quote amount to book.
    @param debt_shares The 32-byte debt shares to burn.
    @param funded The 32-byte quote amount actually transferred first.
    """
    self._fund(funded)
    extcall IVault(self.vault).take_repayment(assets, debt_shares)


@external
def pay_pnl(account_id: uint256, assets: uint256) -> uint256:
    """
    @notice `vault.pay_pnl(account_id, assets)`.
    @param account_id The 32-byte account id.
    @param assets The 32-byte profit owed, quote units.
    @return The amount paid now.
    """
    return extcall IVault(self.vault).pay_pnl(account_id, assets)


@external
def pay_fee(assets: uint256, receiver: address) -> uint256:
    """
    @notice `vault.pay_fee(assets, receiver)`.
    @param assets The 32-byte fee, quote units.
    @param receiver The 20-byte receiver.
    @return The amount paid.
    """
    return extcall IVault(self.vault).pay_fee(assets, receiver)


@external
def pay_claim(account_id: uint256) -> uint256:
    """
    @notice `vault.pay_claim(account_id)`.
    @param account_id The 32-byte account id.
    @return The amount paid.
    """
    return extcall IVault(self.vault).pay_claim(account_id)


@external
def take_pnl(assets: uint256, fees: uint256, funded: uint256):
    """
    @notice Transfer `funded` quote to the vault, then `vault.take_pnl(assets, fees)`.
    @param assets The 32-byte quote amount to book.
    @param fees The 32-byte part of `assets` that is fees.
    @param funded The 32-byte quote amount actually transferred first.
    """
    self._fund(funded)
    extcall IVault(self.vault).take_pnl(assets, fees)


@external
def book_settlement_debt(assets: uint256, repaid_shares: uint256, fees: uint256) -> uint256:
    """
    @notice `vault.book_settlement_debt(assets, repaid_shares, fees)`.
    @param assets The 32-byte quote amount booked as new debt.
    @param repaid_shares The 32-byte debt shares repaid out of profit.
    @param fees The 32-byte fees kept without a cash inflow.
    @return The debt shares minted.
    """
    return extcall IVault(self.vault).book_settlement_debt(assets, repaid_shares, fees)


@external
def write_off(debt_shares: uint256) -> uint256:
    """
    @notice `vault.write_off(debt_shares)`.
    @param debt_shares The 32-byte debt shares to write off.
    @return The debt written off.
    """
    return extcall IVault(self.vault).write_off(debt_shares)


# ---- internal -------------------------------------------------------------------------
@internal
def _fund(amount: uint256):
    """
    @notice Transfer `amount` of the quote asset from this contract to the vault.
    @param amount The 32-byte quote amount (0 = nothing).
    """
    if amount != 0:
        assert extcall IERC20(self.asset).transfer(self.vault, amount, default_return_value=True)
