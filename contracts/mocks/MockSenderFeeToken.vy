# pragma version ~=0.4.3
"""
@title MockSenderFeeToken
@custom:contract-name MockSenderFeeToken
@license MIT
@notice An ERC-20 for tests that charges its fee ON TOP of the amount: the receiver gets
        `amount`, the sender loses `amount + fee` (fee burnt). A holder that trusts the
        amount it sent loses the fee from its other users' funds: the engine must notice
        that its balance fell by more than it sent.
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
fee_bps: public(uint256)  # fee in basis points of the amount, taken from the sender on top


@deploy
def __init__(_name: String[32], _symbol: String[16], _decimals: uint8):
    self.name = _name
    self.symbol = _symbol
    self.decimals = _decimals


@external
def set_fee_bps(bps: uint256):
    """@notice Charge `bps` basis points on top of every later transfer."""
    assert bps <= 10_000, "mock: fee above 100%"
    self.fee_bps = bps


@external
def mint(to: address, amount: uint256):
    """@notice Create `amount` tokens for `to` (anyone may call: a test token)."""
    self.balanceOf[to] += amount
    self.totalSupply += amount
    log Transfer(sender=empty(address), receiver=to, value=amount)


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    fee: uint256 = amount * self.fee_bps // 10_000
    self.balanceOf[sender] -= amount + fee
    self.balanceOf[receiver] += amount
    self.totalSupply -= fee
    log Transfer(sender=sender, receiver=receiver, value=amount)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    allowed: uint256 = self.allowance[sender][msg.sender]
    if allowed != max_value(uint256):
        self.allowance[sender][msg.sender] = allowed - amount
    self._transfer(sender, receiver, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True
