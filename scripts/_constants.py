"""Numbers and encodings every script and test shares (one place, imported everywhere)."""

from __future__ import annotations

from enum import IntFlag

WAD = 10**18  # prices, USD values and ratios are WAD
MAX_UINT256 = 2**256 - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class PriceStatus(IntFlag):
    """IOracleAdapter.PriceStatus as the ABI encodes it (a Vyper flag: one bit per member)."""

    OK = 1
    OUT_OF_BAND = 2
    STALE = 4
    INVALID = 8
    SEQUENCER_DOWN = 16
    GRACE = 32
