# pragma version ~=0.4.3
"""
@title constants
@custom:contract-name constants
@license MIT
@notice The MarginEngine's numbers, in one place. Modules and the engine import them;
        tests read them from the compiled engine (its public getters) instead of copying them.
@dev Constants only: no storage, so importing this module needs no `initializes:`.
"""

# @dev Fixed-point unit: prices are WAD USD per whole token, USD values are WAD, ratios are WAD.
WAD: constant(uint256) = 10**18

# @dev Account modes (`open_account(mode)`): an isolated bucket holds at most one non-quote
#      collateral token (and one perp position); a cross account up to MAX_COLLATERALS.
MODE_ISOLATED: constant(uint256) = 1
MODE_CROSS: constant(uint256) = 2

# @dev Most non-quote collateral tokens one cross account may hold (DESIGN: at least 5).
#      The quote token is always allowed on top, so an account holds at most MAX_TOKENS tokens.
MAX_COLLATERALS: constant(uint256) = 5
MAX_TOKENS: constant(uint256) = MAX_COLLATERALS + 1

# @dev Most perp positions one cross account may hold (DESIGN: at least 10); a bucket holds one.
MAX_POSITIONS: constant(uint256) = 10

# @dev Most tokens the owner may list as collateral (bounds the `listed_collaterals` view).
MAX_LISTED: constant(uint256) = 32

# @dev Most ids one paged view (`accounts_of`, `active_accounts`) returns.
MAX_PAGE: constant(uint256) = 100

# @dev Highest token decimals a collateral may have (values are computed as
#      amount * price // 10**decimals with WAD prices).
MAX_DECIMALS: constant(uint256) = 18

# @dev Default minimum debt after a borrow or a partial repay, in whole quote units (DESIGN: 10);
#      the owner may change it up to MAX_MIN_DEBT_UNITS whole units.
DEFAULT_MIN_DEBT_UNITS: constant(uint256) = 10
MAX_MIN_DEBT_UNITS: constant(uint256) = 1_000_000

# ---- perps ----------------------------------------------------------------------------
# @dev Most perp markets (ids 1 .. MAX_MARKETS). An account keeps its open markets as a
#      32-bit set in its account word (bit i = market i), and `vault_marks` prices the quote
#      plus every market with open interest in one adapter batch of at most 32 assets.
MAX_MARKETS: constant(uint256) = 31

# @dev Most assets one health computation prices: the quote, MAX_COLLATERALS tokens and
#      MAX_POSITIONS markets (IOracleAdapter batches take up to 32).
MAX_ASSETS: constant(uint256) = 1 + MAX_COLLATERALS + MAX_POSITIONS

# @dev Upper bounds of market parameters (WAD ratios; the funding rate is WAD per second).
#      Spread and skew impact each stay below 10 %, so a sell fills above 80 % of the oracle.
MAX_SPREAD: constant(uint256) = 10**17
MAX_SKEW_IMPACT: constant(uint256) = 10**17
# @dev 100 % per day, WAD per second (rounded down).
MAX_FUNDING_RATE: constant(uint256) = 10**18 // 86_400

# ---- liquidation (DESIGN.md, Liquidation; defaults table) -------------------------------
# @dev A cross account's liquidation closes positions until equity_maint >= LIQ_BUFFER ×
#      maint_req (projected at the call's prices) or none is left.
LIQ_BUFFER: constant(uint256) = 105 * 10**16
# @dev Share of the debt one liquidation may repay, unless a full close applies.
CLOSE_FACTOR: constant(uint256) = 50 * 10**16
# @dev Below this health a full close applies (with (1 + bonus) × LT of the seized token).
FULL_CLOSE_HEALTH: constant(uint256) = 95 * 10**16
# @dev In the sequencer's grace period, liquidation only below this health.
GRACE_HEALTH_FLOOR: constant(uint256) = 95 * 10**16
# @dev PriceStatus bits (IOracleAdapter): out of band and grace keep a price > 0.
STATUS_GRACE: constant(uint256) = 32
