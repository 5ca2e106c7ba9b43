# pragma version ~=0.4.3
"""
@title MockNoReturnToken
@custom:contract-name MockNoReturnToken
@license MIT
@notice A USDT-style ERC-20 for tests: `transfer`, `transferFrom` and `approve` return
        nothing, so a caller that decodes a `bool` return value reverts on it.
@dev Balances move exactly; an insufficient balance or allowance reverts (underflow).
"""

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

name: public(String[32])
symbol: public(String[16])
decimals: public(uint8)
totalSupply: public(uint256)  # token units
balanceOf: public(HashMap[address, uint256])  # token units
allowance: public(HashMap[address, HashMap[address, uint256]])  # token units


@deploy
def __init__(_name: String[32], _symbol: String[16], _decimals: uint8):
    self.name = _name
    self.symbol = _symbol
    self.decimals = _decimals


@external
def mint(to: address, amount: uint256):
    """@notice Create `amount` tokens for `to` (anyone may call: a test token)."""
    self.balanceOf[to] += amount
    self.totalSupply += amount
    log Transfer(sender=empty(address), receiver=to, value=amount)


@external
def transfer(receiver: address, amount: uint256):
    """@notice Move `amount` from the caller to `receiver`; returns nothing."""
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=msg.sender, receiver=receiver, value=amount)


@external
def transferFrom(sender: address, receiver: address, amount: uint256):
    """@notice Move `amount` from `sender` to `receiver` with an allowance; returns nothing."""
    allowed: uint256 = self.allowance[sender][msg.sender]
    if allowed != max_value(uint256):
        self.allowance[sender][msg.sender] = allowed - amount
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)


@external
def approve(spender: address, amount: uint256):
    """@notice Let `spender` move `amount` of the caller's tokens; returns nothing."""
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
