# pragma version ~=0.4.3
"""
@title MockReentrantToken
@custom:contract-name MockReentrantToken
@license MIT
@notice An ERC-20 for tests with a transfer hook (like ERC-777 or ERC-1363 callbacks):
        once armed, every `transfer` and `transferFrom` calls a configurable `target` with
        configurable calldata after moving the balances, so a test can re-enter the engine
        or the vault in the middle of their token movements.
@dev The hook runs once per arming (it disarms itself first, so it cannot recurse). With
     `bubble` the token reverts when the re-entrant call fails, bubbling its revert data;
     without it the token records the outcome (`hook_success`, `hook_return`) and the
     outer call continues, so a test can check both that the re-entry failed and that
     nothing was lost.
"""

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

event HookCalled:
    target: indexed(address)
    success: bool

name: public(String[32])
symbol: public(String[16])
decimals: public(uint8)
totalSupply: public(uint256)  # token units
balanceOf: public(HashMap[address, uint256])  # token units
allowance: public(HashMap[address, HashMap[address, uint256]])  # token units

hook_target: public(address)  # contract the hook calls; empty = hook disarmed
hook_data: public(Bytes[1024])  # calldata the hook sends
hook_bubble: public(bool)  # True = revert (with the inner revert data) when the hook call fails
hook_called: public(bool)  # the hook ran since it was last armed
hook_success: public(bool)  # outcome of the last hook call
hook_return: public(Bytes[1024])  # return or revert data of the last hook call


@deploy
def __init__(_name: String[32], _symbol: String[16], _decimals: uint8):
    self.name = _name
    self.symbol = _symbol
    self.decimals = _decimals


@external
def arm(target: address, data: Bytes[1024], bubble: bool):
    """@notice Call `target` with `data` on the next transfer (once)."""
    self.hook_target = target
    self.hook_data = data
    self.hook_bubble = bubble
    self.hook_called = False
    self.hook_success = False
    self.hook_return = b""


@external
def mint(to: address, amount: uint256):
    """@notice Create `amount` tokens for `to` (anyone may call: a test token)."""
    self.balanceOf[to] += amount
    self.totalSupply += amount
    log Transfer(sender=empty(address), receiver=to, value=amount)


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)
    target: address = self.hook_target
    if target != empty(address):
        self.hook_target = empty(address)  # disarm first: the hook runs once
        success: bool = False
        response: Bytes[1024] = b""
        success, response = raw_call(target, self.hook_data, max_outsize=1024, revert_on_failure=False)
        self.hook_called = True
        self.hook_success = success
        self.hook_return = response
        log HookCalled(target=target, success=success)
        if self.hook_bubble and not success:
            raw_revert(response)


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
