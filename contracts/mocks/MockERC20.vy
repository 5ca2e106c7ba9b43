# pragma version ~=0.4.3
"""
@title MockERC20
@notice A mintable ERC-20 with configurable decimals for tests and local deployments.
@dev `fee_bps` > 0 turns it into a fee-on-transfer token (the fee is burnt), to test
     that contracts reject or account for the balance delta.
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
totalSupply: public(uint256)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
fee_bps: public(uint256)  # transfer fee in basis points, burnt (0 = plain token)


@deploy
def __init__(_name: String[32], _symbol: String[16], _decimals: uint8):
    self.name = _name
    self.symbol = _symbol
    self.decimals = _decimals


@external
def set_fee_bps(bps: uint256):
    assert bps <= 10_000, "mock: fee above 100%"
    self.fee_bps = bps


@external
def mint(to: address, amount: uint256):
    self.balanceOf[to] += amount
    self.totalSupply += amount
    log Transfer(sender=empty(address), receiver=to, value=amount)


@external
def burn(holder: address, amount: uint256):
    self.balanceOf[holder] -= amount
    self.totalSupply -= amount
    log Transfer(sender=holder, receiver=empty(address), value=amount)


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    fee: uint256 = amount * self.fee_bps // 10_000
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount - fee
    self.totalSupply -= fee
    log Transfer(sender=sender, receiver=receiver, value=amount - fee)


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
