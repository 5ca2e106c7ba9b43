# pragma version ~=0.4.3
"""
@title MockOCR2Aggregator
@notice A price feed shaped like Chainlink's OCR2 aggregator: `latestRoundData` reports the
        observation time as `startedAt` and the transmission time as `updatedAt`, so the two
        differ (the simple MockAggregator stamps both with one time).
@dev For tests: the adapter must judge freshness by `updatedAt` alone.
"""

decimals: public(uint8)

_round_id: uint80
_answer: int256
_observed_at: uint256
_transmitted_at: uint256


@deploy
def __init__(_decimals: uint8, _initial_answer: int256):
    self.decimals = _decimals
    self._round_id = 1
    self._answer = _initial_answer
    self._observed_at = block.timestamp
    self._transmitted_at = block.timestamp


@external
def transmit(answer: int256, observed_at: uint256, transmitted_at: uint256):
    """@notice Publish a new round observed at `observed_at`, transmitted at `transmitted_at`."""
    self._round_id += 1
    self._answer = answer
    self._observed_at = observed_at
    self._transmitted_at = transmitted_at


@view
@external
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    return self._round_id, self._answer, self._observed_at, self._transmitted_at, self._round_id
