# pragma version ~=0.4.3
"""
@title MockAggregator
@notice A settable Chainlink-style price feed for tests and local deployments.
@dev Every field of `latestRoundData` is settable, so tests can produce each failure mode
     the oracle adapter classifies (zero or negative answer, zero/future/old `updatedAt`).
"""

decimals: public(uint8)
description: public(String[64])
version: public(uint256)

_round_id: uint80
_answer: int256
_started_at: uint256
_updated_at: uint256
_answered_in_round: uint80


@deploy
def __init__(_decimals: uint8, _initial_answer: int256):
    self.decimals = _decimals
    self.description = "mock aggregator"
    self.version = 4
    self._set(_initial_answer, block.timestamp)


@internal
def _set(answer: int256, updated_at: uint256):
    self._round_id += 1
    self._answer = answer
    self._started_at = updated_at
    self._updated_at = updated_at
    self._answered_in_round = self._round_id


@external
def set_answer(answer: int256):
    """@notice Publish a new answer stamped with the current block time."""
    self._set(answer, block.timestamp)


@external
def set_round(answer: int256, updated_at: uint256):
    """@notice Publish a new answer with an arbitrary `updatedAt` (0, future, old)."""
    self._set(answer, updated_at)


@external
def set_decimals(_decimals: uint8):
    """@notice Change the reported decimals (to test a mismatch with the configuration)."""
    self.decimals = _decimals


@view
@external
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    return self._round_id, self._answer, self._started_at, self._updated_at, self._answered_in_round
