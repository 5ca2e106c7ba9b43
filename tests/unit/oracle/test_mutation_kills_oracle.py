"""Tests added for survivors of the mutation run (docs/mutation.md), oracle side.

The adapter's lock, function by function. The adapter calls feeds only statically, but a
feed can still call back into it (statically) while it runs. A callback feed, compiled here
from source (no mock feed calls back), reads the adapter from its ``latestRoundData`` and
fails the read when that call hit the lock (a revert without data); any other outcome (an
answer, or a revert with a reason) lets the read succeed. So while the owner registers the
feed (``set_feed`` holds the lock while it reads the round), every function but the
constants makes ``set_feed`` revert "oracle: feed call failed", and outside any adapter
action the very same read answers. A mutant that adds ``@reentrant`` to one function, or
drops ``# pragma nonreentrancy on``, lets ``set_feed`` through.
"""

from __future__ import annotations

import ape
import pytest
import vyper
from ape.contracts import ContractContainer
from ethpm_types import ContractType
from oracle_defaults import DEVIATION, ETH_USD_8, HEARTBEAT, MAX_PRICE, MIN_PRICE

CALLBACK_FEED = """
# pragma version ~=0.4.3
ADAPTER: immutable(address)
decimals: public(uint8)
data: public(Bytes[512])


@deploy
def __init__(adapter: address):
    ADAPTER = adapter
    self.decimals = 8


@external
def set_data(data: Bytes[512]):
    self.data = data


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    ok: bool = False
    response: Bytes[1024] = b""
    ok, response = raw_call(
        ADAPTER, self.data, max_outsize=1024, is_static_call=True, revert_on_failure=False
    )
    assert ok or len(response) != 0  # the lock reverts without data: fail the read
    return 1, 3000 * 10**8, block.timestamp, block.timestamp, 1
"""

# Public constants: Vyper compiles their getters without the lock (they read no state).
CONSTANTS = {
    "PRICE_CEILING",
    "MAX_HEARTBEAT",
    "MAX_DEVIATION",
    "DEFAULT_GRACE_PERIOD",
    "MAX_GRACE_PERIOD",
    "MAX_BATCH",
}


@pytest.fixture
def callback_feed(oracle, owner):
    out = vyper.compile_code(CALLBACK_FEED, output_formats=["abi", "bytecode"])
    contract_type = ContractType.model_validate(
        {
            "contractName": "CallbackFeed",
            "abi": out["abi"],
            "deploymentBytecode": {"bytecode": out["bytecode"]},
        }
    )
    return ContractContainer(contract_type).deploy(oracle, sender=owner)


def _calls(asset, owner) -> dict[str, tuple]:
    """Every external function of the adapter with arguments for the callback."""
    return {
        "price_info": (asset,),
        "price_info_many": ([asset],),
        "price": (asset,),
        "try_price": (asset,),
        "sequencer_status": (),
        "deviation": (asset,),
        "feed_config": (asset,),
        "sequencer_feed": (),
        "grace_period": (),
        "owner": (),
        "pending_owner": (),
        "set_feed": (asset, "X", asset, 8, 1, 1, 1, 2),
        "remove_feed": (asset,),
        "set_sequencer_feed": (owner,),
        "set_grace_period": (1,),
        "transfer_ownership": (owner,),
        "accept_ownership": (),
        **{name: () for name in CONSTANTS},
    }


def _register(oracle, asset, feed, owner):
    return oracle.set_feed(
        asset,
        "CB",
        feed,
        8,
        HEARTBEAT,
        DEVIATION,
        MIN_PRICE,
        MAX_PRICE,
        sender=owner,
    )


def test_every_oracle_function__is_classified(oracle, deploy_asset, owner):
    calls = _calls(deploy_asset(), owner)
    assert set(calls) == {
        a.name for a in oracle.contract_type.abi if a.type == "function"
    }


def test_locked_functions__read_back_while_registering__set_feed_reverts(
    oracle, callback_feed, deploy_asset, owner
):
    """set_feed -> feed.latestRoundData -> adapter.<f>: the lock fails the read, so the
    feed is not registered."""
    asset = deploy_asset()
    answered = []
    for name, args in _calls(asset, owner).items():
        if name in CONSTANTS:
            continue
        callback_feed.set_data(getattr(oracle, name).encode_input(*args), sender=owner)
        try:
            with ape.reverts("oracle: feed call failed"):
                _register(oracle, asset, callback_feed, owner)
        except AssertionError:
            answered.append(name)
    assert answered == []
    assert oracle.feed_config(asset).feed == "0x" + "00" * 20


def _writes(oracle) -> set[str]:
    return {
        a.name
        for a in oracle.contract_type.abi
        if a.type == "function" and a.stateMutability not in ("view", "pure")
    }


def test_views__same_read_outside_an_action__answers(
    oracle, callback_feed, deploy_asset, owner
):
    """The twin: the same read-back of a view with the adapter idle answers (or gets its
    reason), so the feed's round comes through."""
    asset = deploy_asset()
    writes = _writes(oracle)
    for name, args in _calls(asset, owner).items():
        if name in writes:
            continue
        callback_feed.set_data(getattr(oracle, name).encode_input(*args), sender=owner)
        assert callback_feed.latestRoundData()[1] == ETH_USD_8, name


def test_state_changing_functions__read_back_outside_an_action__fail_on_the_lock(
    oracle, callback_feed, deploy_asset, owner
):
    """A static call cannot run a locked state-changing function even with the adapter
    idle: taking the lock is a storage write. So the read fails the same way outside an
    action, without data, where an unlocked function would revert with its reason (every
    one checks the caller first: "oracle: not owner" / "oracle: not pending owner")."""
    asset = deploy_asset()
    writes = _writes(oracle)
    assert writes == {
        "set_feed",
        "remove_feed",
        "set_sequencer_feed",
        "set_grace_period",
        "transfer_ownership",
        "accept_ownership",
    }
    for name in sorted(writes):
        args = _calls(asset, owner)[name]
        callback_feed.set_data(getattr(oracle, name).encode_input(*args), sender=owner)
        with ape.reverts():
            callback_feed.latestRoundData()


def test_constants__read_back_while_registering__feed_registered(
    oracle, callback_feed, deploy_asset, owner
):
    """The constants answer mid-action: the same feed reading one of them is registered."""
    asset = deploy_asset()
    for name in sorted(CONSTANTS):
        callback_feed.set_data(getattr(oracle, name).encode_input(), sender=owner)
        _register(oracle, asset, callback_feed, owner)
        assert oracle.feed_config(asset).feed == callback_feed.address, name
