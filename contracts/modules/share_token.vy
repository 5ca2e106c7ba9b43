# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title share_token
@notice ERC-20 accounting of the vault's LP shares: balances, allowances, supply,
        transfer/transferFrom/approve, and internal mint, burn and allowance spending.
@dev Follows EIP-20. Transfers and mints to the zero address revert; an allowance of
     max_value(uint256) is infinite and never decreases; spending an allowance does not log
     `Approval` (as in OpenZeppelin 5), read `allowance` for the remaining amount.
     Revert reasons carry the "vault: " prefix because the shares are the vault's token.
"""

from ethereum.ercs import IERC20


# ---- storage --------------------------------------------------------------------------
# @dev Token name, e.g. "Bulkhead USDC Vault".
name: public(immutable(String[64]))
# @dev Token symbol, e.g. "bhUSDC".
symbol: public(immutable(String[32]))
# @dev Share decimals (the asset's decimals plus the vault's decimals offset).
decimals: public(immutable(uint8))
# @dev Shares in existence, share units.
totalSupply: public(uint256)
# @dev Shares held per account, share units.
balanceOf: public(HashMap[address, uint256])
# @dev Shares an owner lets a spender move: owner -> spender -> share units.
allowance: public(HashMap[address, HashMap[address, uint256]])


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(name_: String[64], symbol_: String[32], decimals_: uint8):
    """
    @notice Fix the token's name, symbol and decimals.
    @param name_ The maximum 64-character name.
    @param symbol_ The maximum 32-character symbol.
    @param decimals_ The 1-byte share decimals.
    """
    name = name_
    symbol = symbol_
    decimals = decimals_


# ---- external -------------------------------------------------------------------------
@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Move `amount` shares from the caller to `to`.
    @param to The 20-byte receiver, not the zero address.
    @param amount The 32-byte share amount.
    @return True (reverts on failure).
    """
    self._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Move `amount` shares from `owner` to `to` using the caller's allowance.
    @param owner The 20-byte account whose shares move.
    @param to The 20-byte receiver, not the zero address.
    @param amount The 32-byte share amount.
    @return True (reverts on failure).
    """
    self._spend_allowance(owner, msg.sender, amount)
    self._transfer(owner, to, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @notice Let `spender` move up to `amount` of the caller's shares (replaces the old value).
    @param spender The 20-byte spender, not the zero address.
    @param amount The 32-byte allowance in shares; max_value(uint256) = infinite.
    @return True.
    """
    assert spender != empty(address), "vault: zero spender"
    self.allowance[msg.sender][spender] = amount
    log IERC20.Approval(owner=msg.sender, spender=spender, value=amount)
    return True


# ---- internal -------------------------------------------------------------------------
@internal
def _transfer(owner: address, to: address, amount: uint256):
    """
    @notice Move shares between two accounts and log `Transfer`.
    @param owner The 20-byte sender.
    @param to The 20-byte receiver, not the zero address.
    @param amount The 32-byte share amount.
    """
    assert to != empty(address), "vault: zero receiver"
    owner_balance: uint256 = self.balanceOf[owner]
    assert owner_balance >= amount, "vault: insufficient balance"
    # @dev `unsafe_sub` is safe: checked on the line above.
    self.balanceOf[owner] = unsafe_sub(owner_balance, amount)
    # @dev `unsafe_add` is safe: the sum of all balances is totalSupply, which fits.
    self.balanceOf[to] = unsafe_add(self.balanceOf[to], amount)
    log IERC20.Transfer(sender=owner, receiver=to, value=amount)


@internal
def _mint(to: address, amount: uint256):
    """
    @notice Create `amount` shares for `to` and log `Transfer` from the zero address.
    @param to The 20-byte receiver (the caller checked it is not the zero address).
    @param amount The 32-byte share amount.
    """
    self.totalSupply += amount
    # @dev `unsafe_add` is safe: a balance never exceeds totalSupply, which did not overflow.
    self.balanceOf[to] = unsafe_add(self.balanceOf[to], amount)
    log IERC20.Transfer(sender=empty(address), receiver=to, value=amount)


@internal
def _burn(owner: address, amount: uint256):
    """
    @notice Destroy `amount` of `owner`'s shares and log `Transfer` to the zero address.
    @param owner The 20-byte holder.
    @param amount The 32-byte share amount.
    """
    owner_balance: uint256 = self.balanceOf[owner]
    assert owner_balance >= amount, "vault: insufficient balance"
    # @dev `unsafe_sub` is safe twice: checked above, and a balance never exceeds totalSupply.
    self.balanceOf[owner] = unsafe_sub(owner_balance, amount)
    self.totalSupply = unsafe_sub(self.totalSupply, amount)
    log IERC20.Transfer(sender=owner, receiver=empty(address), value=amount)


@internal
def _spend_allowance(owner: address, spender: address, amount: uint256):
    """
    @notice Use `amount` of the allowance `owner` gave `spender` (infinite stays infinite).
    @param owner The 20-byte holder.
    @param spender The 20-byte spender.
    @param amount The 32-byte share amount.
    """
    allowed: uint256 = self.allowance[owner][spender]
    if allowed != max_value(uint256):
        assert allowed >= amount, "vault: insufficient allowance"
        # @dev `unsafe_sub` is safe: checked on the line above.
        self.allowance[owner][spender] = unsafe_sub(allowed, amount)
