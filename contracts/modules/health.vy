# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title health
@custom:contract-name health
@license MIT
@notice The one place the MarginEngine computes an account's health (DESIGN.md, Health),
        for both modes: isolation comes from separate accounts, never from a second path.
@dev This module initializes the two ledgers it reads (`accounts`, `collateral`), so no
     module needs `uses:` (ape compiles every module on its own, and a module with `uses:`
     cannot compile alone); the engine reaches them through `uses:`.
     Figures (all USD WAD):
       value(t)     = floor(balance × price / 10**decimals)
       wc_maint     = Σ floor(value(t) × LT / WAD)       wc_init = Σ floor(value(t) × CF / WAD)
       debt         = ceil(ceil(shares × index / WAD) × quote_price / 10**quote_decimals)
       pnl, maint_req, init_req: 0 until perps (issue 5) adds the position loop
       equity_maint = wc_maint − debt + pnl              equity_init = wc_init − debt − pnl_neg
       shortfall    = (debt + pnl_neg + maint_req) − (wc_maint + pnl_pos)
       health       = floor((wc_maint + pnl_pos) × WAD / (debt + pnl_neg + maint_req))
     Rounding is always against the account: collateral down, debt and requirements up.
     Prices: one `price_info_many` call per computation reads every asset once (and the
     sequencer feed once). Strict mode (risk-adding actions) reverts unless every status
     is OK; the lenient mode (views, liquidation) values any price > 0 and reports the
     union of statuses, with `priced = False` if some price was unusable.
"""

from interfaces import IMarginEngine
from interfaces import IOracleAdapter
from . import constants as c
from . import checks
from . import accounts
from . import collateral

initializes: accounts
initializes: collateral


# ---- constants ------------------------------------------------------------------------
# @dev `price_info_many` takes at most 32 assets (IOracleAdapter).
ORACLE_BATCH: constant(uint256) = 32


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(quote: address):
    """
    @param quote The 20-byte quote token address (the vault's asset).
    """
    collateral.__init__(quote)


# ---- internal -------------------------------------------------------------------------
@internal
@view
def _health(account_id: uint256, oracle: IOracleAdapter, debt_index: uint256, strict: bool) -> IMarginEngine.Health:
    """
    @dev The DESIGN.md figures of `account_id`; see the module notes for the formulas.
    @param oracle The adapter that prices every collateral's oracle asset.
    @param debt_index The vault's debt index (WAD) to value the debt shares at.
    @param strict True for risk-adding actions: revert unless every price is OK.
    @return The Health struct (USD WAD figures).
    """
    shares: uint256 = accounts.debt_shares[account_id]
    tokens: DynArray[address, c.MAX_TOKENS] = collateral._tokens_of(account_id)
    quote: address = collateral.QUOTE

    # One batch of oracle assets: one per held token, then quote if the account owes debt
    # and holds no quote (debt is valued at the quote price).
    assets: DynArray[address, ORACLE_BATCH] = []
    quote_at: uint256 = max_value(uint256)
    for token: address in tokens:
        if token == quote:
            quote_at = len(assets)
        assets.append(collateral._configs[token].oracle_asset)
    if shares != 0 and quote_at == max_value(uint256):
        quote_at = len(assets)
        assets.append(collateral._configs[quote].oracle_asset)

    infos: DynArray[IOracleAdapter.PriceInfo, ORACLE_BATCH] = []
    if len(assets) != 0:
        infos = staticcall oracle.price_info_many(assets)

    status: uint256 = 0
    priced: bool = True
    for i: uint256 in range(len(infos), bound=ORACLE_BATCH):
        if strict and infos[i].status != IOracleAdapter.PriceStatus.OK:
            # The adapter's strict view reverts with the reason naming the asset and the
            # rule ("oracle: WETH stale", "oracle: sequencer down"); same block, same status.
            price: uint256 = staticcall oracle.price(assets[i])
            raise  # unreachable: a status other than OK always makes `price` revert
        status |= convert(infos[i].status, uint256)
        if infos[i].price == 0:
            priced = False

    wc_maint: uint256 = 0
    wc_init: uint256 = 0
    for i: uint256 in range(len(tokens), bound=c.MAX_TOKENS):
        token: address = tokens[i]
        # value rounds down (collateral), then each weight rounds down again. Fields are
        # read one by one: loading the whole struct would cost three more cold reads.
        value: uint256 = collateral._balances[account_id][token] * infos[i].price // 10**collateral._configs[token].decimals
        wc_maint += value * collateral._configs[token].liquidation_threshold // c.WAD
        wc_init += value * collateral._configs[token].collateral_factor // c.WAD

    debt: uint256 = 0
    if shares != 0:
        # Debt rounds up twice: quote units (as the vault counts it), then its USD value.
        quote_price: uint256 = infos[quote_at].price
        debt = self._ceil_div(self._ceil_div(shares * debt_index, c.WAD) * quote_price, 10**collateral._configs[quote].decimals)

    return self._compose(wc_maint, wc_init, debt, 0, 0, 0, accounts._is_active(account_id), priced, status)


@internal
@pure
def _compose(
    wc_maint: uint256,
    wc_init: uint256,
    debt: uint256,
    pnl: int256,
    maint_req: uint256,
    init_req: uint256,
    active: bool,
    priced: bool,
    status: uint256,
) -> IMarginEngine.Health:
    """
    @dev Derives equities, shortfall, health factor and the liquidatable flag from the
         summed figures (USD WAD). Health rounds down; max_value(uint256) when the account
         is not active or owes nothing at all (no debt, no loss, no requirement).
    """
    pnl_pos: uint256 = 0
    pnl_neg: uint256 = 0
    if pnl > 0:
        pnl_pos = convert(pnl, uint256)
    else:
        pnl_neg = convert(-pnl, uint256)
    owed: uint256 = debt + pnl_neg + maint_req
    backing: uint256 = wc_maint + pnl_pos
    equity_maint: int256 = convert(wc_maint, int256) - convert(debt, int256) + pnl
    health_factor: uint256 = max_value(uint256)
    if active and owed != 0:
        health_factor = backing * c.WAD // owed
    return IMarginEngine.Health(
        wc_maint=wc_maint,
        wc_init=wc_init,
        debt=debt,
        pnl=pnl,
        maint_req=maint_req,
        init_req=init_req,
        equity_maint=equity_maint,
        equity_init=convert(wc_init, int256) - convert(debt, int256) - convert(pnl_neg, int256),
        shortfall=convert(owed, int256) - convert(backing, int256),
        health_factor=health_factor,
        liquidatable=active and priced and equity_maint < convert(maint_req, int256),
        active=active,
        priced=priced,
        status=status,
    )


@internal
@view
def _check_initial(account_id: uint256, oracle: IOracleAdapter, debt_index: uint256):
    """
    @dev The check after every risk-adding action: every price OK and
         equity_init >= init_req (unrealised profit never backs new risk).
    """
    h: IMarginEngine.Health = self._health(account_id, oracle, debt_index, True)
    checks._require(h.equity_init >= convert(h.init_req, int256), "engine: initial requirement not met")


@internal
@pure
def _ceil_div(x: uint256, y: uint256) -> uint256:
    """
    @dev ceil(x / y) for y > 0, without the overflow of (x + y - 1).
    """
    q: uint256 = x // y
    if q * y != x:
        q += 1
    return q
