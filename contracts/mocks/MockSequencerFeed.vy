# pragma version ~=0.4.3
"""
@title MockSequencerFeed
@notice A settable Chainlink-style L2 sequencer uptime feed for tests and local deployments.
@dev Chainlink semantics: answer 0 = sequencer up, 1 = down; `startedAt` = when the status
     last changed (0 = invalid round); 0 decimals.
     `set_round` can produce every malformed state (answer 2, startedAt 0 or in the future).
"""

decimals: public(uint8)  # always 0, as Chainlink uptime feeds
description: public(String[64])
version: public(uint256)

_round_id: uint80  # increments on every update
_answer: int256  # 0 = up, 1 = down (anything else is malformed)
_started_at: uint256  # unix seconds of the last status change
_updated_at: uint256  # unix seconds of the last update


@deploy
def __init__(_answer: int256, _started_at: uint256):
    """
    @notice Start with status `_answer` (0 = up, 1 = down) that changed at `_started_at`.
    """
    self.description = "mock L2 sequencer uptime feed"
    self.version = 1
    self._set(_answer, _started_at, block.timestamp)


@internal
def _set(answer: int256, started_at: uint256, updated_at: uint256):
    self._round_id += 1
    self._answer = answer
    self._started_at = started_at
    self._updated_at = updated_at


@external
def set_status(down: bool):
    """
    @notice Report the sequencer down (answer 1) or up (answer 0), changed now
            (`startedAt` = `updatedAt` = block time).
    """
    answer: int256 = 0
    if down:
        answer = 1
    self._set(answer, block.timestamp, block.timestamp)


@external
def set_round(answer: int256, started_at: uint256, updated_at: uint256):
    """
    @notice Publish an arbitrary round (malformed answers, startedAt 0 or in the future).
    """
    self._set(answer, started_at, updated_at)


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice (roundId, answer, startedAt, updatedAt, answeredInRound), as Chainlink.
    """
    return self._round_id, self._answer, self._started_at, self._updated_at, self._round_id
