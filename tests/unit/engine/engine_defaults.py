"""Engine test inputs shared by the fixtures and the tests (imported by module name).

DESIGN.md's default parameters are test inputs here (the contract enforces only bounds);
every contract constant a test needs is read from the deployed engine instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from scripts._constants import MAX_UINT256, WAD, ZERO_ADDRESS  # noqa: F401 (re-exported to the tests)
from scripts._constants import PriceStatus as Status  # noqa: F401 (re-exported to the tests)

SECONDS_PER_YEAR = 365 * 86_400

ISOLATED = 1  # open_account modes (the tests also check them against MODE_ISOLATED / MODE_CROSS)
CROSS = 2

FEED_DECIMALS = 8
HEARTBEAT = 86_400  # seconds: long enough that no test goes stale by accident
DEVIATION = 5 * 10**15  # 0.5 %, WAD ratio
GRACE_PERIOD = 3_600  # DESIGN default, seconds
LP_SEED_UNITS = 1_000_000  # whole quote units the LP deposits into the vault


def wad(x: str | int | Fraction) -> int:
    """A decimal string such as "0.85" as an exact WAD integer."""
    value = Fraction(x) * WAD
    assert value.denominator == 1, f"{x} is not representable in WAD"
    return int(value)


@dataclass(frozen=True)
class Listing:
    """One collateral: its token, feed and risk parameters (DESIGN defaults where given)."""

    symbol: str
    decimals: int
    price: str  # USD per whole token, decimal string
    cf: str
    lt: str
    bonus: str
    min_price: str
    max_price: str


# The quote asset (USDC-like) and the collaterals every default system lists. WETH, WBTC,
# MEME and the quote use DESIGN.md's defaults; LINK and UNI are extra tokens so a cross
# account can fill all MAX_COLLATERALS slots.
QUOTE = Listing("USDC", 6, "1", "0.95", "0.97", "0.02", "0.9", "1.1")
COLLATERALS = (
    Listing("WETH", 18, "3000", "0.80", "0.85", "0.05", "100", "100000"),
    Listing("WBTC", 8, "60000", "0.75", "0.80", "0.06", "1000", "1000000"),
    Listing("MEME", 18, "0.5", "0.40", "0.50", "0.10", "0.0001", "100"),
    Listing("LINK", 18, "15", "0.60", "0.70", "0.08", "0.1", "1000"),
    Listing("UNI", 18, "8", "0.55", "0.65", "0.08", "0.1", "1000"),
)

# DESIGN.md interest model: base 0, slope1 4 %/yr to the kink at 80 %, slope2 +75 %/yr, reserve 10 %.
VAULT_PARAMS = {
    "base_rate": 0,
    "slope1": Fraction(4, 100) * WAD // SECONDS_PER_YEAR,
    "slope2": Fraction(75, 100) * WAD // SECONDS_PER_YEAR,
    "kink": wad("0.8"),
    "reserve_factor": wad("0.1"),
}


@dataclass(frozen=True)
class PerpListing:
    """One perp market: the collateral symbol whose feed prices it, and its parameters
    (decimal strings: ratios, USD, base units; the funding rate is per day)."""

    symbol: str  # market name ("ETH")
    asset: str  # symbol of the listed token whose oracle asset (and feed) prices it
    initial: str
    maintenance: str
    trading_fee: str
    liquidation_fee: str
    spread: str
    skew_impact_scale: str  # whole base tokens
    funding_per_day: str  # max funding rate, ratio per day
    skew_scale: str  # whole base tokens
    min_notional: str  # USD
    oi_cap: str  # USD
    oi_share: str
    enabled: bool = True

    def params(self) -> tuple:
        """The MarketParams tuple (IMarketRegistry field order)."""
        return (
            wad(self.initial),
            wad(self.maintenance),
            wad(self.trading_fee),
            wad(self.liquidation_fee),
            wad(self.spread),
            wad(self.skew_impact_scale),
            wad(self.funding_per_day) // 86_400,
            wad(self.skew_scale),
            wad(self.min_notional),
            wad(self.oi_cap),
            wad(self.oi_share),
            self.enabled,
        )


# DESIGN.md perps: ETH and BTC at initial 10 %, maintenance 5 %, fee 0.05 %, spread 0.5 %,
# liquidation fee 1 %; the volatile token at 33 % / 20 % with a 2 % spread and a small cap.
PERPS = (
    PerpListing(
        "ETH",
        "WETH",
        "0.10",
        "0.05",
        "0.0005",
        "0.01",
        "0.005",
        "1000000",
        "0.1",
        "10000",
        "10",
        "10000000",
        "0.5",
    ),
    PerpListing(
        "BTC",
        "WBTC",
        "0.10",
        "0.05",
        "0.0005",
        "0.01",
        "0.005",
        "50000",
        "0.1",
        "500",
        "10",
        "10000000",
        "0.5",
    ),
    PerpListing(
        "MEME",
        "MEME",
        "0.33",
        "0.20",
        "0.001",
        "0.02",
        "0.02",
        "100000000",
        "0.1",
        "1000000",
        "10",
        "10000",
        "0.1",
    ),
)


def feed_answer(price: str, decimals: int = FEED_DECIMALS) -> int:
    """A decimal USD price as a feed answer with `decimals` decimals (exact)."""
    value = Fraction(price) * 10**decimals
    assert value.denominator == 1
    return int(value)


def restart_sequencer(system, owner, publish: bool = True) -> None:
    """The sequencer goes down and comes back up now (its grace period starts); with
    `publish` every feed then republishes its answer, as live feeds catch up after a
    restart (answers published before it are STALE in the grace period)."""
    from ape import chain

    system.sequencer.set_status(True, sender=owner)
    # anvil mines blocks of the same second: the outage lasts at least a second so that
    # every answer published before it is strictly older than the restart
    chain.pending_timestamp = chain.blocks.head.timestamp + 1
    system.sequencer.set_status(False, sender=owner)
    if publish:
        publish_all(system, owner)


def publish_all(system, owner) -> None:
    """Every feed publishes its current answer again (updatedAt = the next block)."""
    for feed in system.feeds.values():
        feed.set_answer(feed.latestRoundData()[1], sender=owner)
