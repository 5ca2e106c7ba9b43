# pragma version ~=0.4.3
"""
@title FlashLp
@custom:contract-name FlashLp
@license MIT
@notice TEST ONLY, never deployed by scripts (subfolder: not a deployable). An LP and a
        trader in one contract, so tests can act in ONE transaction: the flash-LP attack
        (deposit as LP, open a position the deposit would back, redeem; V-01) and the
        "max* views are exactly what the actions accept" checks (V-09), which read a view
        and act on it in the same state.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC4626
from interfaces import IMarginEngine

# @dev The vault the contract is an LP of.
VAULT: immutable(IERC4626)
# @dev The engine the contract trades on.
ENGINE: immutable(IMarginEngine)
# @dev The quote asset (the vault's asset).
QUOTE: immutable(IERC20)

# @dev The contract's cross account on the engine (0 = none yet).
account_id: public(uint256)


@deploy
def __init__(vault: IERC4626, engine: IMarginEngine):
    """
    @notice Approve the vault and the engine for the quote without limit.
    @param vault The 20-byte vault.
    @param engine The 20-byte engine.
    """
    VAULT = vault
    ENGINE = engine
    QUOTE = IERC20(staticcall vault.asset())
    extcall QUOTE.approve(vault.address, max_value(uint256))
    extcall QUOTE.approve(engine.address, max_value(uint256))


@external
def open_account(collateral: uint256) -> uint256:
    """
    @notice Open a cross account and deposit `collateral` quote units from this contract.
    @param collateral The 32-byte quote amount.
    @return The 32-byte account id.
    """
    account: uint256 = extcall ENGINE.open_account(2)
    extcall ENGINE.deposit_collateral(account, QUOTE.address, collateral)
    self.account_id = account
    return account


@external
def deposit(assets: uint256) -> uint256:
    """
    @notice Deposit `assets` into the vault for this contract.
    @param assets The 32-byte quote amount.
    @return The 32-byte shares minted.
    """
    return extcall VAULT.deposit(assets, self)


@external
def trade(market_id: uint256, size_delta: int256):
    """
    @notice Trade `size_delta` on `market_id` from this contract's account, any fill.
    @param market_id The 32-byte market id.
    @param size_delta The signed WAD size.
    """
    self._trade(market_id, size_delta)


@external
def flash(assets: uint256, market_id: uint256, size_delta: int256) -> uint256:
    """
    @notice In one transaction: deposit `assets` as LP, trade `size_delta` (none when 0),
            redeem every share this contract holds.
    @param assets The 32-byte quote amount deposited.
    @param market_id The 32-byte market id.
    @param size_delta The signed WAD size.
    @return The 32-byte quote amount the redemption paid.
    """
    extcall VAULT.deposit(assets, self)
    if size_delta != 0:
        self._trade(market_id, size_delta)
    return self._redeem_all()


@external
def withdraw(assets: uint256) -> uint256:
    """
    @notice Withdraw `assets` from the vault to this contract.
    @param assets The 32-byte quote amount.
    @return The 32-byte shares burnt.
    """
    return extcall VAULT.withdraw(assets, self, self)


@external
def redeem_all() -> uint256:
    """
    @notice Redeem every share this contract holds.
    @return The 32-byte quote amount paid.
    """
    return self._redeem_all()


@external
def redeem_max() -> (uint256, uint256):
    """
    @notice `redeem(maxRedeem(self))` in one transaction (same state for view and action).
    @return The 32-byte shares the view allowed and the quote amount the redemption paid.
    """
    shares: uint256 = staticcall VAULT.maxRedeem(self)
    return shares, extcall VAULT.redeem(shares, self, self)


@external
def withdraw_max() -> (uint256, uint256):
    """
    @notice `withdraw(maxWithdraw(self))` in one transaction (same state for view and action).
    @return The 32-byte assets the view allowed and the shares the withdrawal burnt.
    """
    assets: uint256 = staticcall VAULT.maxWithdraw(self)
    return assets, extcall VAULT.withdraw(assets, self, self)


@internal
def _trade(market_id: uint256, size_delta: int256):
    """
    @notice Trade `size_delta` on `market_id` from this contract's account, any fill.
    @param market_id The 32-byte market id.
    @param size_delta The signed WAD size.
    """
    limit: uint256 = max_value(uint256)
    if size_delta < 0:
        limit = 0
    extcall ENGINE.modify_position(self.account_id, market_id, size_delta, limit)


@internal
def _redeem_all() -> uint256:
    """
    @notice Redeem every share this contract holds.
    @return The 32-byte quote amount paid.
    """
    return extcall VAULT.redeem(staticcall IERC20(VAULT.address).balanceOf(self), self, self)
