"""Inputs, reason tables and small exact helpers of the system state machine
(tests/invariants/system_machine.py). Imported by module name.

Nothing here copies a contract figure that a test could read instead: parameters, prices,
balances and health come from the contracts through the probe; this file holds test
inputs (actor roles, step sizes, tolerances) and the revert reasons each public action may
give, spelled exactly as in contracts/.
"""

from __future__ import annotations

import os
from fractions import Fraction

from scripts._constants import MAX_UINT256, WAD, ZERO_ADDRESS  # noqa: F401 (re-exported)
from scripts._constants import PriceStatus as Status  # noqa: F401 (re-exported)

# ---- profile-dependent cadence -------------------------------------------------------------
# The Hypothesis profile (tests/conftest.py) sets examples and steps; the checks that cost
# a few extra calls (liveness: simulated liquidations, repays and withdrawals; parameter
# bounds) run every step in `fuzz` and `dev`, every HEAVY_EVERY-th step in `ci`
# (and always after the steps that can change what they check). docs/invariants.md.
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
HEAVY_EVERY = {"ci": 1}.get(PROFILE, 1)

# ---- actors, tokens, markets -------------------------------------------------------------
LP_NAMES = ("lp", "lp2", "lp3")
TRADER_NAMES = ("trader", "trader2", "trader3", "trader4")
LIQUIDATOR_NAMES = ("liquidator", "liquidator2")
TOKENS = ("USDC", "WETH", "WBTC", "MEME", "LINK", "UNI")  # the quote first
QUOTE = "USDC"
NON_QUOTE = TOKENS[1:]
MARKETS = (
    "ETH",
    "BTC",
    "MEME",
)  # market ids 1, 2, 3 (deploy_engine lists them in order)
MARKET_ASSET = {"ETH": "WETH", "BTC": "WBTC", "MEME": "MEME"}
MAX_ACCOUNTS_PER_TRADER = 5
VIRTUAL_SHARES = 10**6  # Vault.DECIMALS_OFFSET = 6 (checked against the vault at setup)
GAS = 15_000_000  # explicit gas: no estimation, reverted calls are mined (and digested)

# Wallets funded at setup (whole tokens; the quote is also what liquidators repay with).
WALLET_UNITS = {
    "USDC": 10**12,
    "WETH": 10**7,
    "WBTC": 10**6,
    "MEME": 10**13,
    "LINK": 10**9,
    "UNI": 10**9,
}

# ---- tolerances (documented in docs/invariants.md) ----------------------------------------
TA_TOLERANCE = 4  # quote wei a user action may lower totalAssets by (marks rounding)
IDENTITY_SLACK_PER_ITEM = (
    2  # quote wei per debtor / position in the independent identity
)
SHORTFALL_SLACK_QUOTE_WEI = (
    4  # quote wei (valued in USD) a liquidation's rounding may add
)
ROUND_TRIP_SLACK_QUOTE_WEI = (
    2  # quote wei (valued in USD) a round trip may gain by rounding
)

# ---- value checks (invariants 11-16, system_machine_value.py) --------------------------------
# USD valued at the quote price. Zero-sum: settlement rounds profit down and loss and fee up
# (1 quote wei each, up to two settlements in a liquidation), the liquidation fee is paid
# rounded down (1), Σ debts vs total_debt (1 before, 1 after); plus the marks' per-side
# rounding against Σ positions' PnL (invariant 3: 2 + 2 per position, before and after).
ZERO_SUM_SLACK_QUOTE_WEI = 8
ZERO_SUM_SLACK_PER_POSITION = 2
# Actions whose labels are LP exits (invariant 13 is gated on V-01 for them).
LP_EXIT_LABELS = frozenset(
    {"lp withdraw", "lp redeem", "lp redeem for", "round trip lp", "flash lp"}
)
# The dust shielder's tokens (indices into NON_QUOTE): mostly LINK and UNI, which price no
# market, so a stale feed of theirs leaves the marks ok; sometimes a market's own token.
SHIELD_TOKENS = (3, 4, 3, 4, 0, 2)

# ---- checks of fixes built on other branches (issue 16), now merged ----------------------
# Each flag turns a counted ("gated") violation into a failure. All three fixes are merged,
# so every flag is on; set one to False on a scratch branch that reverts its fix to see the
# check count the violation instead of failing.
# V-01: LP exits (withdraw/redeem, the flash LP's redeem) may take open interest above
# oi_share x assets; with the fix the same-block deposit cannot back new open interest.
V01_FIXED = True  # merged (session 7)
# V-02: an out-of-band or grace mark freezes LP exits (the marks are not ok). With the fix
# those markets are marked at their fresh price, so the marks are ok and exits open.
V02_FIXED = True  # merged (session 7)
# V-03: deposits are accepted while the vault's equity <= 0. With the fix they revert with
# V03_DEPOSIT_REASON (pin it to the fix's exact reason when merging) and maxDeposit is 0.
V03_FIXED = True  # merged (session 7)
V03_DEPOSIT_REASON = "vault: equity <= 0"

# ---- revert reasons, exactly as in contracts/ ---------------------------------------------
ORACLE_DOWN = "oracle: sequencer down"
ORACLE_GRACE = "oracle: sequencer grace period"


# Not an adapter status: the machine adds it to STALE when the answer is stale only because
# it predates the sequencer's restart (in the grace period), to know the exact reason.
PRE_RESTART = 1 << 16


def oracle_reason(symbol: str, status: int) -> str | None:
    """The adapter's revert reason for an asset whose status is `status` (None if OK)."""
    if status & Status.SEQUENCER_DOWN:
        return ORACLE_DOWN
    if status & PRE_RESTART:
        return f"oracle: {symbol} predates restart"
    if status & Status.STALE:
        return f"oracle: {symbol} stale"
    if status & Status.GRACE:
        return ORACLE_GRACE
    if status & Status.OUT_OF_BAND:
        return f"oracle: {symbol} out of band"
    # INVALID (broken feeds) is the oracle tests' business: the machine never makes a
    # feed invalid, so meeting one here is a failure, not an expected reason.
    assert not status & Status.INVALID, f"{symbol}: the machine made no feed invalid"
    return None


def usable(status: int) -> bool:
    """A price > 0 (closes and liquidations take any fresh answer)."""
    return bool(status & (Status.OK | Status.OUT_OF_BAND | Status.GRACE))


TRADE = {
    "engine: zero size",
    "engine: paused",
    "engine: bucket holds another position",
    "registry: unknown market",
    "registry: market disabled",
    "registry: price not acceptable",
    "registry: position below min notional",
    "registry: open interest cap",
    "registry: open interest above oi share",
    "engine: initial requirement not met",
}
SEIZE = {
    "liquidation: seize token not held",
    "liquidation: sweep above debt",
    "liquidation: sweep with open positions",
    "engine: seized below minimum",
}


# ---- exact helpers --------------------------------------------------------------------------
def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def mul_div(a: int, b: int, c: int, up: bool = False) -> int:
    return ceil_div(a * b, c) if up else a * b // c


def entry_assets(total_assets: int, band: int) -> int:
    """The assets side of the vault's entry price (virtual asset included)."""
    return total_assets + band + 1


def exit_assets(total_assets: int, band: int) -> int:
    """The assets side of the vault's exit price (virtual asset included)."""
    return (total_assets - band if total_assets > band else 0) + 1


def share_price(total_assets: int, supply: int) -> Fraction:
    """Mid share price (virtual asset and shares included), exact."""
    return Fraction(total_assets + 1, supply + VIRTUAL_SHARES)


def usd(amount: int, price: int, unit: int) -> Fraction:
    """Token units valued in USD WAD, exact."""
    return Fraction(amount * price, unit)
