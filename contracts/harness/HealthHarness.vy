# pragma version ~=0.4.3
"""
@title HealthHarness
@custom:contract-name HealthHarness
@license MIT
@notice TEST ONLY, never deployed by scripts (subfolder: not a deployable). Runs the
        MarginEngine's one health computation (module `health`: `_health`, `_value`,
        `_compose`, `_check_initial`) over generated accounts in batches, for the
        differential tests (tests/differential).
@dev The harness initializes `health` (and through it the account, collateral and position
     ledgers) and writes each case into account 1's ledgers, then calls `health._health`
     with ITSELF as the oracle adapter (`price_info_many`: the case's prices, status OK) and
     as the market registry (`oracle_assets`, `figures`: each position's figure as the case
     gives it). Position arithmetic is tested on its own (MathHarness, the real registry);
     here the figures only have to be summed and composed. `batch` writes storage: use it
     with eth_call (`.call()`). The initial-requirement check runs in a static self-call so
     that a revert ("engine: initial requirement not met") becomes a returned False plus its
     revert data, and one call can hold many cases.
"""

from interfaces import IMarginEngine
from interfaces import IMarketRegistry
from interfaces import IOracleAdapter
from ..modules import health
from ..modules import valuation
from ..modules import accounts
from ..modules import collateral
from ..modules import positions

initializes: health
uses: accounts
uses: collateral
uses: positions


# ---- constants ------------------------------------------------------------------------
BATCH: constant(uint256) = 128
MAX_TOKENS: constant(uint256) = 5
MAX_POSITIONS: constant(uint256) = 10
# @dev The account every case is written into (overwritten case by case: warm slots).
ACCOUNT: constant(uint256) = 1
# @dev Fake token and market-asset addresses: TOKEN_BASE + j, MARKET_BASE + market id.
TOKEN_BASE: constant(uint160) = 4096
MARKET_BASE: constant(uint160) = 8192


# ---- structs --------------------------------------------------------------------------
struct TokenIn:
    balance: uint256  # token units, > 0
    price: uint256  # USD WAD per whole token, > 0
    decimals: uint256
    cf: uint256  # WAD
    lt: uint256  # WAD


struct PositionIn:
    pnl: int256  # the position's figure as the registry would give it (USD WAD)
    maint_req: uint256
    init_req: uint256


struct HealthCase:
    quote_balance: uint256  # quote units
    claim: uint256  # quote units owed by the vault (valued as quote collateral)
    quote_price: uint256  # USD WAD, > 0
    quote_decimals: uint256
    quote_cf: uint256
    quote_lt: uint256
    debt_shares: uint256
    debt_index: uint256  # WAD
    tokens: DynArray[TokenIn, MAX_TOKENS]
    positions: DynArray[PositionIn, MAX_POSITIONS]


struct HealthOut:
    health: IMarginEngine.Health
    allowed: bool  # health._check_initial passed
    revert_data: Bytes[256]  # its revert data when it did not


struct ComposeCase:
    wc_maint: uint256
    wc_init: uint256
    debt: uint256
    pnl: int256
    maint_req: uint256
    init_req: uint256
    active: bool


# ---- storage --------------------------------------------------------------------------
# @dev The current case's prices by asset, and figures by market id.
_prices: HashMap[address, uint256]
_figures: HashMap[uint256, IMarketRegistry.Figure]


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(quote: address):
    """
    @param quote The 20-byte address that stands for the quote token (any non-zero address).
    """
    health.__init__(quote)


# ---- external: batches ----------------------------------------------------------------
@external
def batch(cases: DynArray[HealthCase, BATCH]) -> DynArray[HealthOut, BATCH]:
    """
    @notice For each case: the Health of the account (lenient mode, as the views and the
            liquidation compute it) and whether the initial requirement holds (strict mode,
            as every risk-adding action checks it). Use with eth_call.
    """
    out: DynArray[HealthOut, BATCH] = []
    for c: HealthCase in cases:
        self._load(c)
        h: IMarginEngine.Health = health._health(ACCOUNT, IOracleAdapter(self), IMarketRegistry(self), c.debt_index, False)
        ok: bool = False
        data: Bytes[256] = b""
        ok, data = raw_call(
            self,
            abi_encode(c.debt_index, method_id=method_id("probe_initial(uint256)")),
            max_outsize=256,
            is_static_call=True,
            revert_on_failure=False,
        )
        if ok:
            data = b""
        out.append(HealthOut(health=h, allowed=ok, revert_data=data))
    return out


@external
@pure
def compose(cases: DynArray[ComposeCase, BATCH]) -> DynArray[IMarginEngine.Health, BATCH]:
    """
    @notice valuation._compose (run by module health) over summed figures (priced, status 0).
    """
    out: DynArray[IMarginEngine.Health, BATCH] = []
    for c: ComposeCase in cases:
        out.append(valuation._compose(c.wc_maint, c.wc_init, c.debt, c.pnl, c.maint_req, c.init_req, c.active, True, 0))
    return out


@view
@external
def probe_initial(debt_index: uint256):
    """
    @notice health._check_initial on the loaded account (reverts when not met).
    """
    health._check_initial(ACCOUNT, IOracleAdapter(self), IMarketRegistry(self), debt_index)


# ---- external: the fake oracle and registry health reads ------------------------------
@view
@external
def price_info_many(assets: DynArray[address, 32]) -> DynArray[IOracleAdapter.PriceInfo, 32]:
    """
    @notice The loaded case's price of each asset, status OK.
    """
    out: DynArray[IOracleAdapter.PriceInfo, 32] = []
    for a: address in assets:
        out.append(IOracleAdapter.PriceInfo(price=self._prices[a], status=IOracleAdapter.PriceStatus.OK))
    return out


@view
@external
def price(asset: address) -> uint256:
    """
    @notice Never reached with the generated prices (all > 0, status OK).
    """
    raise "harness: no strict price"


@view
@external
def oracle_assets(market_ids: DynArray[uint256, MAX_POSITIONS]) -> DynArray[address, MAX_POSITIONS]:
    """
    @notice A fake oracle asset per market.
    """
    out: DynArray[address, MAX_POSITIONS] = []
    for m: uint256 in market_ids:
        out.append(convert(MARKET_BASE + convert(m, uint160), address))
    return out


@view
@external
def figures(
    held: DynArray[IMarginEngine.Position, MAX_POSITIONS], prices: DynArray[uint256, MAX_POSITIONS]
) -> DynArray[IMarketRegistry.Figure, MAX_POSITIONS]:
    """
    @notice The loaded case's figure of each position.
    """
    out: DynArray[IMarketRegistry.Figure, MAX_POSITIONS] = []
    for p: IMarginEngine.Position in held:
        out.append(self._figures[p.market_id])
    return out


# ---- internal -------------------------------------------------------------------------
@internal
def _load(c: HealthCase):
    """
    @dev Writes a case into account ACCOUNT's ledgers and this harness's price and figure
         tables (overwriting the previous case).
    """
    quote: address = collateral.QUOTE
    collateral._configs[quote] = IMarginEngine.CollateralConfig(
        oracle_asset=quote,
        decimals=c.quote_decimals,
        collateral_factor=c.quote_cf,
        liquidation_threshold=c.quote_lt,
        liquidation_bonus=0,
        supply_cap=0,
        enabled=True,
    )
    self._prices[quote] = c.quote_price
    collateral._balances[ACCOUNT][quote] = c.quote_balance
    collateral._claims[ACCOUNT] = c.claim
    tokens: DynArray[address, MAX_TOKENS] = []
    for j: uint256 in range(len(c.tokens), bound=MAX_TOKENS):
        t: TokenIn = c.tokens[j]
        token: address = convert(TOKEN_BASE + convert(j, uint160), address)
        collateral._configs[token] = IMarginEngine.CollateralConfig(
            oracle_asset=token,
            decimals=t.decimals,
            collateral_factor=t.cf,
            liquidation_threshold=t.lt,
            liquidation_bonus=0,
            supply_cap=0,
            enabled=True,
        )
        self._prices[token] = t.price
        collateral._balances[ACCOUNT][token] = t.balance
        tokens.append(token)
    collateral._tokens[ACCOUNT] = tokens
    accounts.debt_shares[ACCOUNT] = c.debt_shares
    held: uint256 = 0
    for j: uint256 in range(len(c.positions), bound=MAX_POSITIONS):
        m: uint256 = j + 1
        p: PositionIn = c.positions[j]
        positions._set(ACCOUNT, m, 1, 0)
        self._prices[convert(MARKET_BASE + convert(m, uint160), address)] = 1
        self._figures[m] = IMarketRegistry.Figure(pnl=p.pnl, notional=0, maint_req=p.maint_req, init_req=p.init_req)
        held |= 1 << m
    accounts._set_markets(ACCOUNT, held)
