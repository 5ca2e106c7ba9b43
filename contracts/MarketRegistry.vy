# pragma version ~=0.4.3
# pragma optimize codesize
# pragma nonreentrancy on
"""
@title MarketRegistry
@custom:contract-name MarketRegistry
@license MIT
@notice The perp market book of Bulkhead. The owner lists markets and sets their
        parameters; the MarginEngine, its only writer, books every trade here: funding
        accrues, the fill price is set (oracle × (1 ± (spread + skew impact))), the
        position's new size and basis and its realised PnL are computed, and the side
        aggregates move. Health and the vault's marks read their figures from here.
@dev Split out of the MarginEngine to keep both under EIP-170 (DESIGN: "if a budget is
     missed, split out a market registry"). Positions (size, basis per account and
     market) stay in the engine with the collateral they are settled against; the
     arithmetic of a trade lives here, next to the aggregates it must match exactly.
     Lock and call graph: the engine calls `trade` (locked engine -> registry, which reads
     the oracle and may read `vault.book_assets()`: the vault is not locked then, and
     `book_assets` never calls back). The vault calls `engine.vault_marks()`, which calls `marks()` here;
     `marks()` reads the oracle only, never the vault.
     Units and formulas: module `markets` and interfaces/IMarketRegistry.vyi.
"""

from ethereum.ercs import IERC20Detailed
from ethereum.ercs import IERC4626
from interfaces import IMarginEngine
from interfaces import IMarketRegistry
from interfaces import IOracleAdapter
from interfaces import IVault

implements: IMarketRegistry

from .modules import constants as c
from .modules import checks
# @dev Stateless (the one revert site); no initialization.
from .modules import wad_math as w
# @dev Stateless (rounding divisions, 128-bit fields); no initialization.
from .modules import liquidation as liq
# @dev Stateless (the repay-and-seize arithmetic of a liquidation); no initialization.
from .modules import markets as book
# @dev Parameters, funding, aggregates and trade arithmetic live in the module (imported
#      as `book`: `markets()` is a public view).
initializes: book


# ---- constants ------------------------------------------------------------------------
# @dev Public so tests, scripts and bots read them from the contract (values in constants.vy).
MAX_MARKETS: public(constant(uint256)) = c.MAX_MARKETS
MAX_SPREAD: public(constant(uint256)) = c.MAX_SPREAD
MAX_SKEW_IMPACT: public(constant(uint256)) = c.MAX_SKEW_IMPACT
MAX_FUNDING_RATE: public(constant(uint256)) = c.MAX_FUNDING_RATE
# @dev Layout of the market module's packed words.
FIELD: constant(uint256) = 2**128 - 1
SIZE: constant(uint256) = 2**112 - 1
U64: constant(uint256) = 2**64 - 1
ENABLED_SHIFT: constant(uint256) = 224


# ---- immutables -----------------------------------------------------------------------
# @dev The oracle adapter pricing every market's oracle asset (WAD USD).
ORACLE: immutable(IOracleAdapter)
# @dev The vault the engine settles with: its `book_assets` bounds open interest.
vault: public(immutable(address))
# @dev The oracle asset of the quote (the engine's quote listing must use the same).
quote_asset: public(immutable(address))
# @dev 10**quote decimals: USD figures convert to quote units with it.
quote_unit: public(immutable(uint256))


# ---- storage --------------------------------------------------------------------------
# @dev The account that lists and configures markets.
owner: public(address)
# @dev The account that may accept ownership (step two of the transfer); empty = none.
pending_owner: public(address)
# @dev The MarginEngine, the only caller of `trade`; set once.
engine: public(address)


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(oracle: IOracleAdapter, vault_: address, quote_asset_: address):
    """
    @notice The deployer becomes the owner; the engine is set later, once (`set_engine`),
            and must use the same vault and quote oracle asset.
    @param oracle The 20-byte OracleAdapter pricing every market's oracle asset.
    @param vault_ The 20-byte Vault; its `asset()` is the quote.
    @param quote_asset_ The 20-byte asset the adapter prices the quote by.
    """
    ORACLE = oracle
    vault = vault_
    quote_asset = quote_asset_
    quote: address = staticcall IERC4626(vault_).asset()
    quote_unit = 10 ** convert(staticcall IERC20Detailed(quote).decimals(), uint256)
    self.owner = msg.sender
    log IMarketRegistry.OwnershipTransferred(previous_owner=empty(address), new_owner=msg.sender)


# ---- external: configuration (owner) --------------------------------------------------
@external
def list_market(oracle_asset: address, params: IMarketRegistry.MarketParams) -> uint256:
    """
    @notice List a perp market on `oracle_asset` (ids 1 .. MAX_MARKETS, never reused).
    @dev The adapter must price the asset now (any status with a price > 0); the feed's
         deviation threshold is read from it and bounds the spread from below. Bounds in
         `set_market`. The market's funding clock starts now.
    @param oracle_asset The 20-byte asset the OracleAdapter prices.
    @param params The MarketParams (units per field in IMarketRegistry).
    @return The new 32-byte market id.
    """
    self._check_owner()
    price: uint256 = 0
    status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    price, status = staticcall ORACLE.price_info(oracle_asset)
    checks._require(price != 0, "registry: oracle cannot price asset")
    return book._list(oracle_asset, staticcall ORACLE.deviation(oracle_asset), params)


@external
def set_market(market_id: uint256, params: IMarketRegistry.MarketParams):
    """
    @notice Change a market's parameters, or disable/enable it (`params.enabled`).
    @dev Funding accrues to now at the old parameters first (at the oracle price, or at the
         last accrual price when the oracle cannot price the asset: a market can be
         disabled during an oracle outage), and the market is re-marked at that price. The
         feed's deviation is read again. Bounds:
         maintenance < initial < 1; liquidation fee + trading fee < maintenance;
         deviation <= spread <= 10 %; max funding rate <= 100 %/day; skew scales > 0;
         oi share <= 1. Tighter margins can make accounts liquidatable at once.
    @param market_id The 32-byte market id.
    @param params The new MarketParams.
    """
    self._check_owner()
    asset: address = book._asset_of(book._check_listed(market_id))
    price: uint256 = 0
    status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    price, status = staticcall ORACLE.price_info(asset)
    book._accrue(market_id, price)
    book._configure(market_id, staticcall ORACLE.deviation(asset), params)
    book._remark(market_id, book._s3[market_id] >> 128)


@external
def set_engine(engine: address):
    """
    @notice Owner, once: register the MarginEngine, the only caller of `trade`.
    @dev It must settle with this registry's vault and price the quote by the same oracle
         asset (one truth for both contracts). It cannot be replaced: the engine holds the
         positions the aggregates sum.
    @param engine The 20-byte MarginEngine.
    """
    self._check_owner()
    checks._require(self.engine == empty(address), "registry: engine already set")
    checks._require(engine != empty(address), "registry: zero engine")
    quote: address = staticcall IMarginEngine(engine).quote()
    checks._require(
        staticcall IMarginEngine(engine).vault() == vault
        and (staticcall IMarginEngine(engine).collateral_config(quote)).oracle_asset == quote_asset,
        "registry: engine mismatch",
    )
    self.engine = engine
    log IMarketRegistry.EngineSet(engine=engine)


@external
def transfer_ownership(new_owner: address):
    """
    @notice Step one of an ownership transfer: name `new_owner`, who must accept.
    @dev Naming the empty address cancels a pending transfer.
    @param new_owner The 20-byte address that may accept ownership.
    """
    self._check_owner()
    self.pending_owner = new_owner
    log IMarketRegistry.OwnershipTransferStarted(previous_owner=self.owner, new_owner=new_owner)


@external
def accept_ownership():
    """
    @notice Step two of an ownership transfer: the pending owner takes over.
    """
    checks._require(msg.sender == self.pending_owner, "registry: not pending owner")
    log IMarketRegistry.OwnershipTransferred(previous_owner=self.owner, new_owner=msg.sender)
    self.owner = msg.sender
    self.pending_owner = empty(address)


# ---- external: engine-only ------------------------------------------------------------
@external
def trade(
    market_id: uint256, size: int256, basis: int256, size_delta: int256, acceptable_price: uint256
) -> IMarketRegistry.Trade:
    """
    @notice Book one trade of `size_delta` on a position of `size` and `basis`.
    @dev Order: the market is listed; one oracle batch (the quote, the market) under the
         policy: a risk-adding trade (an open, an increase or a flip) needs both statuses
         OK and the market enabled, a decrease or close any fresh price > 0 (never while
         the sequencer is down), else the adapter's own reason; funding accrues to now;
         the fill price and `acceptable_price` (buying: fill <= it; selling: fill >= it);
         the position arithmetic and the side aggregates; the rest is 0 or at least the
         min notional; if size was opened, the side's open interest is within both caps.
         The fee is ceil(ceil(|Δ| × fill / WAD) × trading_fee / WAD).
    @param market_id The 32-byte market id.
    @param size The position's size before the trade, WAD base units.
    @param basis The position's basis before the trade, USD WAD.
    @param size_delta The signed trade, WAD base units (!= 0, the engine checked).
    @param acceptable_price Buying: the highest fill; selling: the lowest (USD WAD).
    @return The Trade (new size and basis, realised PnL, fee, fill, funding indices, quote price).
    """
    checks._require(msg.sender == self.engine, "registry: caller is not the engine")
    p0: uint256 = book._check_listed(market_id)
    adding: bool = size == 0 or (size > 0) == (size_delta > 0) or w._abs(size_delta) > w._abs(size)
    asset: address = book._asset_of(p0)
    if adding:
        checks._require((p0 >> ENABLED_SHIFT) & 1 == 1, "registry: market disabled")
        # @dev The feed's deviation is read live (V-07): after the oracle raises it above
        #      the market's spread, nothing opens until `set_market` sets a spread >= it.
        checks._require(staticcall ORACLE.deviation(asset) <= book._p2[market_id] & U64, "registry: spread below deviation")
    infos: DynArray[IOracleAdapter.PriceInfo, 32] = staticcall ORACLE.price_info_many([quote_asset, asset])
    quote_price: uint256 = self._usable(infos[0], quote_asset, adding)
    price: uint256 = self._usable(infos[1], asset, adding)

    index_long: int256 = 0
    index_short: int256 = 0
    index_long, index_short = book._accrue(market_id, price)
    fill: uint256 = book._fill(market_id, price, size_delta)
    if size_delta > 0:
        checks._require(fill <= acceptable_price, "registry: price not acceptable")
    else:
        checks._require(fill >= acceptable_price, "registry: price not acceptable")
    t: book.Trade = book._apply(size, basis, size_delta, fill, index_long, index_short)
    book._book(market_id, size > 0, t, size_delta > 0)
    book._remark(market_id, price)
    checks._require(
        t.size == 0 or w._abs(t.size) * price // c.WAD >= book._p4[market_id] & FIELD,
        "registry: position below min notional",
    )
    if t.opened != 0:
        self._check_open_interest(market_id, price, quote_price, size_delta > 0)
    fee: uint256 = w._ceil_div(w._ceil_div(w._abs(size_delta) * fill, c.WAD) * ((book._p1[market_id] >> 128) & U64), c.WAD)
    return IMarketRegistry.Trade(
        size=t.size,
        basis=t.basis,
        realised=t.realised,
        fee=fee,
        fill=fill,
        funding_long=index_long,
        funding_short=index_short,
        quote_price=quote_price,
    )


@external
def liquidate_positions(
    account_id: uint256,
    positions: DynArray[IMarginEngine.Position, c.MAX_POSITIONS],
    prices: DynArray[uint256, c.MAX_POSITIONS],
    equity_maint: int256,
    maint_req: uint256,
    quote_lt: uint256,
    close_all: bool,
) -> (uint256, int256, uint256, uint256):
    """
    @notice Close an account's positions for its liquidation (DESIGN.md, Liquidation step
            2) at the oracle prices the engine read, in the order and number `plan_closes`
            gives, and book each close like a trade filled at the oracle price (funding
            accrues first; no spread, no acceptable price, no min notional).
    @dev Engine only. The trading fee is charged as on any close; the liquidation fee is
         the liquidator's. The other arguments are those of `plan_closes`.
    @param account_id The engine's account (for the event).
    @return The closed markets (bit i = market i), and over the closes: the realised PnL
            incl. funding, the trading fees and the liquidation fees (USD WAD).
    """
    checks._require(msg.sender == self.engine, "registry: caller is not the engine")
    closed: uint256 = 0
    realised: int256 = 0
    trading_fees: uint256 = 0
    liquidation_fees: uint256 = 0
    plan: DynArray[IMarketRegistry.Close, c.MAX_POSITIONS] = self._plan(positions, prices, equity_maint, maint_req, quote_lt, close_all)
    for close: IMarketRegistry.Close in plan:
        m: uint256 = close.market_id
        index_long: int256 = 0
        index_short: int256 = 0
        index_long, index_short = book._accrue(m, close.price)
        t: book.Trade = book._apply(close.size, close.basis, -close.size, close.price, index_long, index_short)
        book._book(m, close.size > 0, t, close.size < 0)
        book._remark(m, close.price)
        closed |= 1 << m
        realised += t.realised
        trading_fees += close.trading_fee
        liquidation_fees += close.liquidation_fee
        log IMarketRegistry.PositionLiquidated(
            account_id=account_id,
            market_id=m,
            size=close.size,
            price=close.price,
            realised_pnl=t.realised,
            trading_fee=close.trading_fee,
            liquidation_fee=close.liquidation_fee,
        )
    return closed, realised, trading_fees, liquidation_fees


# ---- external: views ------------------------------------------------------------------
@view
@external
def oracle_assets(market_ids: DynArray[uint256, c.MAX_POSITIONS]) -> DynArray[address, c.MAX_POSITIONS]:
    """
    @notice The oracle asset of each market, in order.
    @dev Reverts "registry: unknown market" for an id never listed.
    @param market_ids Up to MAX_POSITIONS market ids.
    @return Their oracle assets.
    """
    out: DynArray[address, c.MAX_POSITIONS] = []
    for m: uint256 in market_ids:
        out.append(book._asset_of(book._check_listed(m)))
    return out


@view
@external
def figures(
    positions: DynArray[IMarginEngine.Position, c.MAX_POSITIONS], prices: DynArray[uint256, c.MAX_POSITIONS]
) -> DynArray[IMarketRegistry.Figure, c.MAX_POSITIONS]:
    """
    @notice Each position's PnL incl. pending funding, notional and requirements at the
            given prices (USD WAD): the inputs of the engine's one health computation.
    @dev PnL rounds against the trader (module `markets`, `_pnl`); notional and
         requirements round up. Pending funding accrues at `prices[i]` (at the last
         accrual price when it is 0: the engine then reports the account unpriced).
    @param positions The account's positions (market id, size, basis).
    @param prices The oracle price of each position's market, USD WAD.
    @return One Figure per position, in order.
    """
    out: DynArray[IMarketRegistry.Figure, c.MAX_POSITIONS] = []
    for i: uint256 in range(len(positions), bound=c.MAX_POSITIONS):
        m: uint256 = positions[i].market_id
        price: uint256 = prices[i]
        notional: uint256 = w._ceil_div(w._abs(positions[i].size) * price, c.WAD)
        margins: uint256 = book._p1[m]
        index_long: int256 = 0
        index_short: int256 = 0
        index_long, index_short = book._indices_now(m, price)
        out.append(
            IMarketRegistry.Figure(
                pnl=book._pnl(positions[i].size, positions[i].basis, price, index_long, index_short),
                notional=notional,
                maint_req=w._ceil_div(notional * ((margins >> 64) & U64), c.WAD),
                init_req=w._ceil_div(notional * (margins & U64), c.WAD),
            )
        )
    return out


@view
@external
def seize_plan(
    terms: IMarketRegistry.SeizeTerms, tokens: DynArray[IMarketRegistry.Seizable, c.MAX_TOKENS]
) -> (uint256, uint256, DynArray[uint256, c.MAX_TOKENS]):
    """
    @notice The repay and seize of a liquidation's step 3 for each of an account's tokens
            (DESIGN.md, Liquidation): the MarginEngine executes exactly this, the Lens
            quotes it. One token (`terms.target`) or, for a sweep, every token in order.
    @dev Per token (module `liquidation`): a full close for a bucket, below health
         max(0.95, (1 + bonus) × LT), or when half the debt would leave less than the
         minimum; otherwise at most CLOSE_FACTOR of the debt; the seize is worth the
         repay × (1 + bonus), capped at the balance (the repay shrinks to match); a rest
         below the minimum debt while collateral remains shrinks the repay. A sweep needs
         no open position and collateral worth no more than the debt (at the oracle
         prices, unweighted), takes every token in full as far as `cap` pays, and ignores
         the dust rule (the rest is written off).
    @param terms The account's debt and health, the liquidator's cap, the quote's price.
    @param tokens The account's collateral: the quote first, then its other tokens.
    @return The repay (quote units), the seized amount (token units of the target; for a
            sweep, the seized value in quote units at the oracle prices, rounded down), and
            the amount seized of each token, in order.
    """
    sweep: bool = terms.target == max_value(uint256)
    checks._require(not (sweep and terms.positions_open), "liquidation: sweep with open positions")
    checks._require(sweep or terms.target < len(tokens), "liquidation: seize token not held")
    held: uint256 = 0
    for t: IMarketRegistry.Seizable in tokens:
        if t.balance != 0:
            held += 1
    amounts: DynArray[uint256, c.MAX_TOKENS] = []
    repaid: uint256 = 0
    seized: uint256 = 0
    value: uint256 = 0
    for i: uint256 in range(len(tokens), bound=c.MAX_TOKENS):
        t: IMarketRegistry.Seizable = tokens[i]
        r: uint256 = 0
        amount: uint256 = 0
        if t.balance != 0 and (sweep or i == terms.target):
            p: liq.Pricing = liq.Pricing(
                quote_price=terms.quote_price, quote_unit=terms.quote_unit, token_price=t.price, token_unit=10**t.decimals, bonus=t.bonus
            )
            full: bool = sweep or liq._full_close(terms.bucket, terms.health_factor, t.bonus, t.lt, terms.debt, terms.min_debt)
            r, amount = liq._amounts(
                terms.debt - repaid, terms.cap - repaid, full, terms.min_debt, t.balance, held > 1 and not sweep, p
            )
            value += t.balance * t.price // p.token_unit
            repaid += r
            if sweep:
                seized += amount * t.price // p.token_unit * terms.quote_unit // terms.quote_price
            else:
                seized = amount
        amounts.append(amount)
    if sweep:
        checks._require(
            value <= w._ceil_div(terms.debt * terms.quote_price, terms.quote_unit), "liquidation: sweep above debt"
        )
    return repaid, seized, amounts


@view
@external
def plan_closes(
    positions: DynArray[IMarginEngine.Position, c.MAX_POSITIONS],
    prices: DynArray[uint256, c.MAX_POSITIONS],
    equity_maint: int256,
    maint_req: uint256,
    quote_lt: uint256,
    close_all: bool,
) -> DynArray[IMarketRegistry.Close, c.MAX_POSITIONS]:
    """
    @notice Which of a liquidatable account's positions its liquidation closes, and what
            each close realises and costs, at `prices` (the Lens quotes with this; the
            engine's `liquidate_positions` executes exactly this plan).
    @dev Most negative PnL incl. funding first, ties by market id (`positions` come in id
         order). With `close_all` (a bucket) every position closes; otherwise closing stops
         once the projected equity_maint >= LIQ_BUFFER × the remaining maint_req. The
         projection, per close: equity −= trading fee + liquidation fee + (1 − quote LT) ×
         the realised profit net of fees (profit becomes quote collateral, weighted at its
         LT; a loss only moves from PnL to collateral or debt), maint_req −= its requirement.
    @param positions The account's positions, in market id order.
    @param prices The oracle price of each position's market (> 0), USD WAD.
    @param equity_maint The account's equity_maint at these prices, USD WAD.
    @param maint_req The account's maint_req at these prices, USD WAD.
    @param quote_lt The quote's liquidation threshold, WAD.
    @param close_all True for a bucket: close everything.
    @return The closes, in closing order (size and basis as before the close).
    """
    return self._plan(positions, prices, equity_maint, maint_req, quote_lt, close_all)


@view
@external
def marks() -> (int256, uint256, uint256, bool, uint256):
    """
    @notice The vault's marks (IMarginEngineMarks.vault_marks, through the engine), in quote
            units, O(markets with open interest), one oracle batch, never a call to the vault:
              net_pnl  = Σ sides' PnL incl. pending funding,
              reserved = Σ over markets and sides of max(0, side PnL),
              band     = Σ |skew| × price × the feed's deviation (read live, V-07),
              ok       = every price needed (the quote's and each such market's) is OK,
              needed   = the assets the open interest needs: max over markets and sides of
                         side OI × price / oi share (rounded up); max_value(uint256) when a
                         needed price is unusable (stale, invalid, sequencer down).
    @dev Side PnL rounds in the traders' favour (an upper bound of what the positions
         would realise one by one), band and needed round up, and the USD → quote
         conversion rounds up (net_pnl toward +∞): the vault never under-books what it owes.
         Out-of-band and grace prices are fresh: the figures use them (ok is False, so
         deposits and borrows halt, LP exits do not; the engine's `borrow` passes
         reserved = max_value to `vault.lend` then, which refuses). An unusable price marks its market at
         its last accrual price (1 USD for the quote) and sets needed to max_value: the
         vault halts LP exits and only shows the figures.
    @return net_pnl (signed), reserved, band, ok and needed (quote units).
    """
    open_markets: uint256 = book._open
    if open_markets == 0:
        return 0, 0, 0, True, 0
    assets: DynArray[address, c.MAX_MARKETS + 1] = [quote_asset]
    ids: DynArray[uint256, c.MAX_MARKETS] = []
    for m: uint256 in range(1, c.MAX_MARKETS + 1):
        if (open_markets >> m) & 1 == 1:
            ids.append(m)
            assets.append(book._asset_of(book._p0[m]))
    infos: DynArray[IOracleAdapter.PriceInfo, 32] = staticcall ORACLE.price_info_many(assets)
    ok: bool = True
    usable: bool = True
    net: int256 = 0
    reserved: uint256 = 0
    band: uint256 = 0
    needed: uint256 = 0
    for i: uint256 in range(len(ids), bound=c.MAX_MARKETS):
        m: uint256 = ids[i]
        price: uint256 = infos[i + 1].price
        if infos[i + 1].status != IOracleAdapter.PriceStatus.OK:
            ok = False
        if price == 0:
            usable = False
            price = book._s3[m] >> 128
        long_pnl: int256 = 0
        short_pnl: int256 = 0
        long_pnl, short_pnl = book._side_pnls(m, price)
        net += long_pnl + short_pnl
        reserved += convert(max(long_pnl, 0) + max(short_pnl, 0), uint256)
        sizes: uint256 = book._s1[m]
        long: uint256 = sizes & SIZE
        short: uint256 = (sizes >> 112) & SIZE
        needed = max(
            needed,
            w._ceil_div(w._ceil_div(max(long, short) * price, c.WAD) * c.WAD, max((book._p2[m] >> 128) & U64, 1)),
        )
        band += w._ceil_div(
            w._ceil_div((max(long, short) - min(long, short)) * price, c.WAD)
            * staticcall ORACLE.deviation(assets[i + 1]),
            c.WAD,
        )
    quote_price: uint256 = infos[0].price
    if infos[0].status != IOracleAdapter.PriceStatus.OK:
        ok = False
    if quote_price == 0:
        usable = False
        quote_price = c.WAD
    unit: uint256 = quote_unit
    if usable:
        needed = w._ceil_div(needed * unit, quote_price)
    else:
        needed = max_value(uint256)
    return (
        w._div_ceil(net * convert(unit, int256), quote_price),
        w._ceil_div(reserved * unit, quote_price),
        w._ceil_div(band * unit, quote_price),
        ok,
        needed,
    )


@view
@external
def markets() -> DynArray[uint256, c.MAX_MARKETS]:
    """
    @notice Every market id, in listing order (ids are 1 .. n).
    @return Up to MAX_MARKETS ids.
    """
    out: DynArray[uint256, c.MAX_MARKETS] = []
    for m: uint256 in range(1, book._count + 1, bound=c.MAX_MARKETS):
        out.append(m)
    return out


@view
@external
def market(market_id: uint256) -> IMarketRegistry.Market:
    """
    @notice A market's oracle asset, feed deviation and parameters.
    @param market_id The 32-byte market id.
    @return The Market struct (all zero for an unknown id).
    """
    return book._market(market_id)


@view
@external
def market_state(market_id: uint256) -> IMarketRegistry.MarketState:
    """
    @notice A market's funding index and rate and its side aggregates as stored (funding
            as of `last_update`; `funding_index(id)` adds the pending part).
    @param market_id The 32-byte market id.
    @return The MarketState struct.
    """
    return book._state(market_id)


@view
@external
def funding_indices(market_id: uint256) -> (int256, int256):
    """
    @notice The market's funding indices (longs, shorts) as of now: the stored ones plus
            the pending part at the oracle price (or at the last accrual price if the
            oracle cannot price the asset).
    @param market_id The 32-byte market id.
    @return The signed indices, USD WAD per whole base token.
    """
    price: uint256 = 0
    status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    price, status = staticcall ORACLE.price_info(book._asset_of(book._check_listed(market_id)))
    return book._indices_now(market_id, price)


@view
@external
def oracle() -> address:
    """
    @notice The oracle adapter this registry prices with.
    @return The 20-byte adapter address.
    """
    return ORACLE.address


# ---- internal -------------------------------------------------------------------------
@internal
@view
def _usable(info: IOracleAdapter.PriceInfo, asset: address, strict: bool) -> uint256:
    """
    @dev The price of a batch entry if usable: status OK when `strict`, any price > 0
         otherwise. Else reverts with the adapter's own reason (its strict view, same block,
         same classification), which names the asset and the rule.
    """
    if info.price == 0 or (strict and info.status != IOracleAdapter.PriceStatus.OK):
        price: uint256 = staticcall ORACLE.price(asset)
        raise  # unreachable: the status is not OK, so `price` reverts
    return info.price


@internal
@view
def _plan(
    positions: DynArray[IMarginEngine.Position, c.MAX_POSITIONS],
    prices: DynArray[uint256, c.MAX_POSITIONS],
    equity_maint: int256,
    maint_req: uint256,
    quote_lt: uint256,
    close_all: bool,
) -> DynArray[IMarketRegistry.Close, c.MAX_POSITIONS]:
    """
    @dev See `plan_closes`. Fees round up (against the account).
    """
    n: uint256 = len(positions)
    pnls: DynArray[int256, c.MAX_POSITIONS] = []
    for i: uint256 in range(n, bound=c.MAX_POSITIONS):
        index_long: int256 = 0
        index_short: int256 = 0
        index_long, index_short = book._indices_now(positions[i].market_id, prices[i])
        pnls.append(book._pnl(positions[i].size, positions[i].basis, prices[i], index_long, index_short))
    out: DynArray[IMarketRegistry.Close, c.MAX_POSITIONS] = []
    equity: int256 = equity_maint
    required: uint256 = maint_req
    done: uint256 = 0  # bit i = position i planned
    for _: uint256 in range(n, bound=c.MAX_POSITIONS):
        if not close_all and equity >= 0 and convert(equity, uint256) * c.WAD >= required * c.LIQ_BUFFER:
            break
        worst: uint256 = n
        for i: uint256 in range(n, bound=c.MAX_POSITIONS):
            if (done >> i) & 1 == 0 and (worst == n or pnls[i] < pnls[worst]):
                worst = i
        done |= 1 << worst
        p: IMarginEngine.Position = positions[worst]
        price: uint256 = prices[worst]
        margins: uint256 = book._p1[p.market_id]
        notional: uint256 = w._ceil_div(w._abs(p.size) * price, c.WAD)
        trading_fee: uint256 = w._ceil_div(notional * ((margins >> 128) & U64), c.WAD)
        liquidation_fee: uint256 = w._ceil_div(notional * (margins >> 192), c.WAD)
        fees: int256 = convert(trading_fee + liquidation_fee, int256)
        equity -= fees
        if pnls[worst] > fees:
            equity -= convert(w._ceil_div(convert(pnls[worst] - fees, uint256) * (c.WAD - quote_lt), c.WAD), int256)
        required -= min(required, w._ceil_div(notional * ((margins >> 64) & U64), c.WAD))
        out.append(
            IMarketRegistry.Close(
                market_id=p.market_id,
                size=p.size,
                basis=p.basis,
                price=price,
                realised=pnls[worst],
                notional=notional,
                trading_fee=trading_fee,
                liquidation_fee=liquidation_fee,
            )
        )
    return out


@internal
@view
def _check_owner():
    """
    @dev Reverts unless the caller is the owner.
    """
    checks._require(msg.sender == self.owner, "registry: not owner")


@internal
@view
def _check_open_interest(market_id: uint256, price: uint256, quote_price: uint256, long: bool):
    """
    @dev After a trade that opened size on a side: that side's open interest at the oracle
         price (rounded up) is at most the market's cap and at most oi_share × the vault's
         assets in USD. The vault's assets are `book_assets()` (it never calls back) minus
         the traders' net PnL as each market was marked at its last trade (this market
         just now; module `markets`, `_remark`): O(1) and no fresh price of every market,
         and `totalAssets()` would make the vault call the locked engine's `vault_marks`.
    """
    sizes: uint256 = book._s1[market_id]
    side: uint256 = sizes & SIZE
    if not long:
        side = (sizes >> 112) & SIZE
    side_usd: uint256 = w._ceil_div(side * price, c.WAD)
    checks._require(side_usd <= book._p4[market_id] >> 128, "registry: open interest cap")
    assets_usd: int256 = convert(staticcall IVault(vault).book_assets() * quote_price // quote_unit, int256) - book._marked_total
    share: uint256 = (book._p2[market_id] >> 128) & U64
    checks._require(
        assets_usd > 0 and side_usd * c.WAD <= share * convert(assets_usd, uint256),
        "registry: open interest above oi share",
    )
