# pragma version ~=0.4.3
"""
@title MockFalseToken
@custom:contract-name MockFalseToken
@license MIT
@notice An ERC-20 for tests that, once `set_fail(True)`, answers `transfer` and
        `transferFrom` with `false` and moves nothing (old tokens signal failure this way
        instead of reverting). Otherwise it behaves like a plain token.
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
fail: public(bool)  # True = transfers return false and move nothing


@deploy
def __init__(_name: String[32], _symbol: String[16], _decimals: uint8):
    self.name = _name
    self.symbol = _symbol
    self.decimals = _decimals


@external
def set_fail(_fail: bool):
    """@notice Make every later transfer return `false` (True) or behave normally (False)."""
    self.fail = _fail


@external
def mint(to: address, amount: uint256):
    """@notice Create `amount` tokens for `to` (anyone may call: a test token)."""
    self.balanceOf[to] += amount
    self.totalSupply += amount
    log Transfer(sender=empty(address), receiver=to, value=amount)


@internal
def _transfer(sender: address, receiver: address, amount: uint256) -> bool:
    if self.fail:
        return False
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)
    return True


@external
def transfer(receiver: address, amount: uint256) -> bool:
    """@notice Move `amount` from the caller; `false` (and nothing moved) while failing."""
    return self._transfer(msg.sender, receiver, amount)


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    """@notice Move `amount` from `sender` with an allowance; `false` while failing."""
    if self.fail:
        return False
    allowed: uint256 = self.allowance[sender][msg.sender]
    if allowed != max_value(uint256):
        self.allowance[sender][msg.sender] = allowed - amount
    return self._transfer(sender, receiver, amount)


@external
def approve(spender: address, amount: uint256) -> bool:
    """@notice Let `spender` move `amount` of the caller's tokens."""
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True
