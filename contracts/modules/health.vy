# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title health
@custom:contract-name health
@license MIT
@notice The one place the MarginEngine computes an account's health (DESIGN.md, Health),
        for both modes: isolation comes from separate accounts, never from a second path.
@dev This module initializes the ledgers it reads (`accounts`, `collateral`,
     `positions`), so no module needs `uses:` (ape compiles every module on its own, and a
     module with `uses:` cannot compile alone); the engine reaches them through `uses:`.
     Figures (all USD WAD; q = the quote's price, F = a market's funding index as of now):
       value(t)     = floor(balance × price / 10**decimals)   (quote: balance + claim)
       wc_maint     = Σ floor(value(t) × LT / WAD)       wc_init = Σ floor(value(t) × CF / WAD)
       debt         = ceil(ceil(shares × index / WAD) × q / 10**quote_decimals)
       pnl          = Σ positions' PnL incl. pending funding, rounded against the trader
       notional     = ceil(|size| × price / WAD)
       maint_req    = Σ ceil(notional × maintenance / WAD)  init_req likewise with initial
                      (per position from the MarketRegistry's `figures`, at these prices)
       equity_maint = wc_maint − debt + pnl              equity_init = wc_init − debt − pnl_neg
       shortfall    = (debt + pnl_neg + maint_req) − (wc_maint + pnl_pos)
       health       = floor((wc_maint + pnl_pos) × WAD / (debt + pnl_neg + maint_req))
     Rounding is always against the account: collateral and PnL down, debt and
     requirements up. Prices: one `price_info_many` call per computation reads every asset
     once (the quote if the account holds quote, has a claim or owes debt; each held
     token; each position's market) and the sequencer feed once. Strict mode (risk-adding
     actions) reverts unless every status is OK; the lenient mode (views, liquidation)
     values any price > 0 and reports the union of statuses, with `priced = False` if the
     quote's or a market's price was unusable. A collateral token whose price is unusable
     (other than with the sequencer down) counts as 0 in the lenient mode and leaves
     `priced` alone (M-1: dust of a badly fed token never shields an account).
"""

from interfaces import IMarginEngine
from interfaces import IMarketRegistry
from interfaces import IOracleAdapter
from . import constants as c
from . import checks
from . import wad_math as w
from . import valuation
from . import accounts
from . import collateral
from . import positions

initializes: accounts
initializes: collateral
initializes: positions


# ---- constants ------------------------------------------------------------------------
# @dev `price_info_many` takes at most 32 assets (IOracleAdapter); one account needs at most
#      c.MAX_ASSETS of them.
ORACLE_BATCH: constant(uint256) = 32
# @dev What `_read` requires of the prices it reads.
NEED_NOTHING: constant(uint256) = 0
NEED_PRICE: constant(uint256) = 1
NEED_OK: constant(uint256) = 2


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(quote: address):
    """
    @param quote The 20-byte quote token address (the vault's asset).
    """
    collateral.__init__(quote)


# ---- structs --------------------------------------------------------------------------
# @dev The prices one health computation reads, and what it read them for: a liquidation
#      values the account twice (before and after closing positions) from one snapshot,
#      reading each oracle once per call.
struct Snapshot:
    prices: DynArray[uint256, ORACLE_BATCH]  # quote (if read), then each held token
    market_prices: DynArray[uint256, c.MAX_POSITIONS]  # each position's market, in order
    tokens: DynArray[address, c.MAX_COLLATERALS]  # the held non-quote tokens, in order
    first_token: uint256  # index of the first token in `prices` (1 if the quote was read)
    positions: DynArray[IMarginEngine.Position, c.MAX_POSITIONS]  # in market id order
    status: uint256  # union of the statuses
    priced: bool  # every price > 0


# ---- internal -------------------------------------------------------------------------
@internal
@view
def _health(
    account_id: uint256, oracle: IOracleAdapter, registry: IMarketRegistry, debt_index: uint256, strict: bool
) -> IMarginEngine.Health:
    """
    @dev The DESIGN.md figures of `account_id`; see the module notes for the formulas.
    @param oracle The adapter that prices every collateral's and market's oracle asset.
    @param registry The MarketRegistry: the positions' oracle assets and figures.
    @param debt_index The vault's debt index (WAD) to value the debt shares at.
    @param strict True for risk-adding actions: revert unless every price is OK.
    @return The Health struct (USD WAD figures).
    """
    need: uint256 = NEED_NOTHING
    if strict:
        need = NEED_OK
    return self._value(account_id, self._read(account_id, oracle, registry, need, False), registry, debt_index)


@internal
@view
def _read(
    account_id: uint256, oracle: IOracleAdapter, registry: IMarketRegistry, need: uint256, with_quote: bool
) -> Snapshot:
    """
    @dev One oracle batch for the account: the quote first (if it holds quote, has a claim,
         owes debt, or `with_quote`), then each held token, then each position's market in
         id order. `need`: NEED_OK reverts unless every status is OK (risk-adding
         actions), NEED_PRICE unless every price is usable (> 0: liquidation), each with
         the adapter's reason for the first asset that fails; NEED_NOTHING never reverts.
    """
    s: Snapshot = empty(Snapshot)
    assets: DynArray[address, ORACLE_BATCH] = []
    quote: address = collateral.QUOTE
    if with_quote or accounts.debt_shares[account_id] != 0 or collateral._balances[account_id][quote] + collateral._claims[account_id] != 0:
        assets.append(collateral._configs[quote].oracle_asset)
    s.first_token = len(assets)
    s.tokens = collateral._tokens[account_id]
    for token: address in s.tokens:
        assets.append(collateral._configs[token].oracle_asset)
    market_start: uint256 = len(assets)
    s.positions = self._positions(account_id)
    if len(s.positions) != 0:
        ids: DynArray[uint256, c.MAX_POSITIONS] = []
        for p: IMarginEngine.Position in s.positions:
            ids.append(p.market_id)
        for asset: address in staticcall registry.oracle_assets(ids):
            assets.append(asset)
    s.priced = True
    if len(assets) == 0:
        return s
    infos: DynArray[IOracleAdapter.PriceInfo, ORACLE_BATCH] = staticcall oracle.price_info_many(assets)
    for i: uint256 in range(len(infos), bound=ORACLE_BATCH):
        status: IOracleAdapter.PriceStatus = infos[i].status
        if infos[i].price == 0 and need != NEED_OK and i >= s.first_token and i < market_start and status != IOracleAdapter.PriceStatus.SEQUENCER_DOWN:
            # M-1: outside risk-adding actions a collateral token whose price is unusable
            # (stale, predates a restart, no feed) counts as 0 and is skipped for seizing:
            # a dust balance of it never shields the account from its liquidation.
            pass
        elif infos[i].price == 0 or (need == NEED_OK and status != IOracleAdapter.PriceStatus.OK):
            if need != NEED_NOTHING:
                # The adapter's strict view reverts with the reason naming the asset and
                # the rule ("oracle: WETH stale", "oracle: sequencer down"): same block,
                # same classification, and the status here is not OK.
                price: uint256 = staticcall oracle.price(assets[i])
                raise  # unreachable: a status other than OK always makes `price` revert
            s.priced = False
        s.status |= convert(status, uint256)
        if i < market_start:
            s.prices.append(infos[i].price)
        else:
            s.market_prices.append(infos[i].price)
    return s


@internal
@view
def _positions(account_id: uint256) -> DynArray[IMarginEngine.Position, c.MAX_POSITIONS]:
    """
    @dev Every open position of the account, in market id order.
    """
    out: DynArray[IMarginEngine.Position, c.MAX_POSITIONS] = []
    held: uint256 = accounts._markets_of(account_id)
    for m: uint256 in range(1, c.MAX_MARKETS + 1):
        if held >> m == 0:
            break
        if (held >> m) & 1 == 1:
            size: int256 = 0
            basis: int256 = 0
            size, basis = positions._get(account_id, m)
            out.append(IMarginEngine.Position(market_id=m, size=size, basis=basis))
    return out


@internal
@view
def _value(account_id: uint256, s: Snapshot, registry: IMarketRegistry, debt_index: uint256) -> IMarginEngine.Health:
    """
    @dev The account's figures at the snapshot's prices, from its balances, debt and
         positions as stored now (a position of the snapshot closed since counts no more).
    """
    shares: uint256 = accounts.debt_shares[account_id]
    quote: address = collateral.QUOTE
    wc_maint: uint256 = 0
    wc_init: uint256 = 0
    debt: uint256 = 0
    if s.first_token == 1:
        # value rounds down (collateral), then each weight rounds down again.
        quote_price: uint256 = s.prices[0]
        quote_unit: uint256 = 10**collateral._configs[quote].decimals
        value: uint256 = (collateral._balances[account_id][quote] + collateral._claims[account_id]) * quote_price // quote_unit
        wc_maint = value * collateral._configs[quote].liquidation_threshold // c.WAD
        wc_init = value * collateral._configs[quote].collateral_factor // c.WAD
        if shares != 0:
            # Debt rounds up twice: quote units (as the vault counts it), then its USD value.
            debt = valuation._debt_value(shares, debt_index, quote_price, quote_unit)
    for i: uint256 in range(len(s.tokens), bound=c.MAX_COLLATERALS):
        token: address = s.tokens[i]
        # Fields are read one by one: loading the whole struct would cost more cold reads.
        value: uint256 = collateral._balances[account_id][token] * s.prices[s.first_token + i] // 10**collateral._configs[token].decimals
        wc_maint += value * collateral._configs[token].liquidation_threshold // c.WAD
        wc_init += value * collateral._configs[token].collateral_factor // c.WAD

    pnl: int256 = 0
    maint_req: uint256 = 0
    init_req: uint256 = 0
    if len(s.positions) != 0:
        held: DynArray[IMarginEngine.Position, c.MAX_POSITIONS] = []
        prices: DynArray[uint256, c.MAX_POSITIONS] = []
        for i: uint256 in range(len(s.positions), bound=c.MAX_POSITIONS):
            m: uint256 = s.positions[i].market_id
            size: int256 = 0
            basis: int256 = 0
            size, basis = positions._get(account_id, m)
            if size != 0:
                held.append(IMarginEngine.Position(market_id=m, size=size, basis=basis))
                prices.append(s.market_prices[i])
        if len(held) != 0:
            for f: IMarketRegistry.Figure in staticcall registry.figures(held, prices):
                pnl += f.pnl
                maint_req += f.maint_req
                init_req += f.init_req

    return valuation._compose(wc_maint, wc_init, debt, pnl, maint_req, init_req, accounts._is_active(account_id), s.priced, s.status)


@internal
@view
def _check_initial(account_id: uint256, oracle: IOracleAdapter, registry: IMarketRegistry, debt_index: uint256):
    """
    @dev The check after every risk-adding action: every price OK and
         equity_init >= init_req (unrealised profit never backs new risk).
    """
    h: IMarginEngine.Health = self._health(account_id, oracle, registry, debt_index, True)
    checks._require(h.equity_init >= convert(h.init_req, int256), "engine: initial requirement not met")
