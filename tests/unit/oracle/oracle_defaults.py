"""Oracle test constants shared by the fixtures and the tests (imported by module name)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ape
from scripts._constants import WAD  # noqa: F401 (re-exported to the tests)
from scripts._constants import PriceStatus as Status  # noqa: F401 (re-exported to the tests)

ETH_USD_8 = 3_000 * 10**8  # 3,000 USD with 8 decimals (a Chainlink USD feed)
HEARTBEAT = 3_600  # seconds
DEVIATION = 5 * 10**15  # 0.5 %, WAD ratio
MIN_PRICE = 100 * WAD  # 100 USD
MAX_PRICE = 100_000 * WAD  # 100,000 USD
SEQ_UP = 0  # Chainlink uptime feed answers
SEQ_DOWN = 1


# The mocks (MockAggregator, MockSequencerFeed) keep their whole state in their first slots
# (no mappings); `place_clone` copies this many.
CLONE_SLOTS = 16
# An address with all 160 bits set: packed next to other fields, it shows any mask error.
ALL_ONES_ADDRESS = "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF"

# Reverting and short-return runtime codes for `chain.provider.set_code` (Cancun opcodes).
CODE_REVERT = bytes.fromhex("5f5ffd")  # PUSH0 PUSH0 REVERT
CODE_RETURN_ONE_WORD = bytes.fromhex("60205ff3")  # PUSH1 32 PUSH0 RETURN: one zero word


@dataclass
class Clock:
    """The chain's notion of "now" for views: the timestamp of the latest block."""

    chain: Any

    def now(self) -> int:
        return int(self.chain.blocks.head.timestamp)

    def warp(self, timestamp: int) -> int:
        """Mine one block at `timestamp` (must be later than the head); views then see it."""
        self.chain.mine(timestamp=timestamp)
        assert self.now() == timestamp
        return timestamp

    def later(self, seconds: int = 1_000) -> int:
        """A future instant comfortably after every transaction the test still sends."""
        return self.now() + seconds


def expect_not_ok(
    oracle: Any, asset: Any, status: Status, reason: str, price: int = 0
) -> None:
    """Every view agrees on a non-OK classification: price_info and price_info_many give
    (price, status), try_price gives (0, False), price reverts with exactly `reason`."""
    assert status != Status.OK
    info = tuple(oracle.price_info(asset))
    assert info == (price, status), info
    assert [tuple(info) for info in oracle.price_info_many([asset])] == [
        (price, status)
    ]
    assert tuple(oracle.try_price(asset)) == (0, False)
    with ape.reverts(reason):
        oracle.price(asset)


def expect_ok(oracle: Any, asset: Any, price: int) -> None:
    """Every view agrees on an OK price."""
    assert price > 0
    assert tuple(oracle.price_info(asset)) == (price, Status.OK)
    assert [tuple(info) for info in oracle.price_info_many([asset])] == [
        (price, Status.OK)
    ]
    assert tuple(oracle.try_price(asset)) == (price, True)
    assert oracle.price(asset) == price
