# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title markets
@custom:contract-name markets
@license MIT
@notice The perp market book of the MarketRegistry: each market's parameters, its funding
        indices, the per-side aggregates that value every position of the market at once
        (O(1) per market, no loop over positions), and the arithmetic of one trade.
@dev Internal functions only. Units: sizes WAD base units (signed: > 0 long), prices and
     funding indices USD WAD per whole base token, USD values WAD, ratios WAD, funding
     rates WAD per second.

     Positions. A position (stored by the MarginEngine, module `positions`) is a size s and
     a basis B = Σ over the fills of its open size of |Δ| × (fill − F_fill) / WAD (USD WAD,
     signed), F being the funding index of the position's side. Its PnL incl. funding is
       long  |s| × (price − F_long) / WAD − B        short  B − |s| × (price − F_short) / WAD
     i.e. size × (price − entry) − size × (F − F_entry) summed over the fills: the average
     entry price and the funding snapshot folded into one number (docs/perps.md). Each side
     keeps Σ |s| and Σ B as exact integer sums of what its positions hold, so a side's PnL
     is one multiplication and the sums never drift (a side with no size has basis 0).

     Funding (DESIGN). skew = long − short; r = max_funding_rate × clamp(skew / skew_scale,
     −1, 1) per second; at every touch of the market F += r × price × dt / WAD, and a
     position owes size × ΔF. The vault takes the net: skew × ΔF. One exact index would
     have to be rounded one way for both sides; so each side has its own index, and each
     rounds against its own traders:
       heavy side (the one r's sign makes pay): |ΔF| = ceil(ceil(|r|) × price × dt / WAD)
       light side (the one that receives):     |ΔF| = floor(floor(|r|) × price × dt / WAD)
     both moving in the direction of the skew's sign. The heavy side pays at least the
     exact amount, the light side receives at most it, and the vault's net only grows.
     The two rates are stored at every touch (the skew only changes at a touch, which
     accrues first), so a view adds the pending part without reading the parameters.

     One trade of Δ on a position (`_apply`):
       - against the position's side, it first closes min(|Δ|, |s|) at the old side's
         index F: that part carries the pro-rata basis cb = B × closed / |s| and realises
         long  floor(closed × (fill − F) / WAD) − cb     (cb rounded up),
         short cb − ceil(closed × (fill − F) / WAD)      (cb rounded down);
       - the rest (all of Δ for an open or increase; the excess for a flip) opens at the
         fill with basis ob = opened × (fill − F') / WAD at the new side's index F',
         rounded up for a long (it pays more) and down for a short (it sold for less).
     Every rounding is against the trader; a full close carries exactly B (cb = B), and
     the side sums move by exactly cb and ob.

     Storage (module `wad_math` for the 128-bit signed fields):
       _s0 = F_long (bits 0..127) | F_short (128..255), signed
       _s1 = Σ long sizes (0..111) | Σ short sizes (112..223) | last accrual time (224..255)
       _s2 = Σ long bases (0..127) | Σ short bases (128..255), signed
       _s3 = ceil |r| (0..63) | floor |r| (64..127) | last accrual price (128..255)
     `_open` flags the markets with open interest (bit i = market i).
     Bounds this implies, checked when stored: a side's size below 2**112 WAD (5 * 10**15
     whole tokens), timestamps below 2**32 (the year 2106), |r| below 2**64 (the parameter
     bound is 100 %/day = 1.2 * 10**13 per second).
"""

from interfaces import IMarketRegistry
from . import constants as c
from . import checks
from . import wad_math as w


# ---- constants ------------------------------------------------------------------------
ADDRESS_MASK: constant(uint256) = 2**160 - 1
U64: constant(uint256) = 2**64 - 1
FIELD: constant(uint256) = 2**128 - 1
SIZE: constant(uint256) = 2**112 - 1
TIME_SHIFT: constant(uint256) = 224
TIME_MAX: constant(uint256) = 2**32 - 1
DEVIATION_SHIFT: constant(uint256) = 160
ENABLED_SHIFT: constant(uint256) = 224


# ---- structs --------------------------------------------------------------------------
# @dev One trade on one position (`_apply`); the registry returns part of it.
struct Trade:
    size: int256  # new signed size, WAD base units
    basis: int256  # new basis, USD WAD
    realised: int256  # PnL incl. funding of the closed part, USD WAD (against the trader)
    closed: uint256  # base units closed on the old side, WAD
    closed_basis: int256  # basis carried out by the closed part, USD WAD
    opened: uint256  # base units opened on the side of the trade, WAD
    opened_basis: int256  # basis of the opened part, USD WAD


# ---- storage --------------------------------------------------------------------------
# @dev Markets listed (= the highest id; ids 1 .. c.MAX_MARKETS, never reused).
_count: uint256
# @dev The markets with open interest (bit i = market i): the marks and the open-interest
#      bound loop over these only, one read instead of one per listed market.
_open: uint256

# @dev Parameters, packed (units in IMarketRegistry.MarketParams):
#      oracle asset (bits 0..159) | feed deviation, WAD (160..223) | enabled (224).
_p0: HashMap[uint256, uint256]
# @dev initial margin | maintenance margin | trading fee | liquidation fee: WAD, 64 bits each.
_p1: HashMap[uint256, uint256]
# @dev spread, WAD (0..63) | max funding rate, WAD per second (64..127) | oi share, WAD (128..191).
_p2: HashMap[uint256, uint256]
# @dev skew scale (0..127) | skew impact scale (128..255): WAD base units.
_p3: HashMap[uint256, uint256]
# @dev min position notional (0..127) | OI cap per side (128..255): USD WAD.
_p4: HashMap[uint256, uint256]

# @dev Each market's traders' net PnL incl. funding (longs + shorts, signed USD WAD) as of
#      its last trade, and their sum: the open-interest bound subtracts the sum from the
#      vault's assets in O(1), however many markets are open (`_remark`).
_marked: HashMap[uint256, int256]
_marked_total: int256

# @dev Funding index of the longs | of the shorts: signed USD WAD per whole base token.
_s0: HashMap[uint256, uint256]
# @dev Σ long sizes | Σ |short sizes| (WAD base units, 112 bits each) | last accrual time (s).
_s1: HashMap[uint256, uint256]
# @dev Σ bases of the longs | of the shorts: signed USD WAD.
_s2: HashMap[uint256, uint256]
# @dev Funding rate since the last accrual, rounded up | rounded down (WAD per second,
#      magnitudes: the sign is the current skew's) | last accrual price (USD WAD).
_s3: HashMap[uint256, uint256]


# ---- internal: registry ---------------------------------------------------------------
@internal
def _list(oracle_asset: address, deviation: uint256, params: IMarketRegistry.MarketParams) -> uint256:
    """
    @dev Lists a market on `oracle_asset` (the caller checked the adapter prices it and
         read its `deviation`) and configures it; its funding clock starts now.
    @return The new market id.
    """
    market_id: uint256 = self._count + 1
    checks._require(market_id <= c.MAX_MARKETS, "registry: too many markets")
    self._count = market_id
    self._p0[market_id] = convert(oracle_asset, uint256)
    self._s1[market_id] = block.timestamp << TIME_SHIFT
    log IMarketRegistry.MarketListed(market_id=market_id, oracle_asset=oracle_asset)
    self._configure(market_id, deviation, params)
    return market_id


@internal
def _configure(market_id: uint256, deviation: uint256, p: IMarketRegistry.MarketParams):
    """
    @dev Checks the bounds and stores the parameters; the caller accrued funding at the
         old parameters first. The stored rates are recomputed for the new funding
         parameters. Bounds: maintenance < initial < 1; liquidation fee + trading fee <
         maintenance (a liquidation's close never raises the shortfall); deviation <=
         spread <= 10 %; funding rate <= 100 %/day; scales > 0; oi share <= 1.
    """
    checks._require(p.maintenance_margin < p.initial_margin, "registry: maintenance not below initial")
    checks._require(p.initial_margin < c.WAD, "registry: initial not below 1")
    checks._require(p.liquidation_fee + p.trading_fee < p.maintenance_margin, "registry: fees not below maintenance")
    checks._require(p.spread >= deviation, "registry: spread below deviation")
    checks._require(p.spread <= c.MAX_SPREAD, "registry: spread above max")
    checks._require(p.max_funding_rate <= c.MAX_FUNDING_RATE, "registry: funding rate above max")
    checks._require(p.skew_scale != 0 and p.skew_impact_scale != 0, "registry: zero skew scale")
    checks._require(p.oi_share <= c.WAD, "registry: oi share above 1")
    enabled: uint256 = 0
    if p.enabled:
        enabled = 1
    # deviation <= spread <= 10 % and every ratio < 1 < 2**64: only the scales and USD
    # amounts need a range check.
    self._p0[market_id] = (self._p0[market_id] & ADDRESS_MASK) | (deviation << DEVIATION_SHIFT) | (enabled << ENABLED_SHIFT)
    self._p1[market_id] = p.initial_margin | (p.maintenance_margin << 64) | (p.trading_fee << 128) | (p.liquidation_fee << 192)
    self._p2[market_id] = p.spread | (p.max_funding_rate << 64) | (p.oi_share << 128)
    self._p3[market_id] = w._fit(p.skew_scale, FIELD) | (w._fit(p.skew_impact_scale, FIELD) << 128)
    self._p4[market_id] = w._fit(p.min_notional, FIELD) | (w._fit(p.oi_cap, FIELD) << 128)
    self._store_rates(market_id)
    log IMarketRegistry.MarketConfigured(market_id=market_id, deviation=deviation, params=p)


@internal
@view
def _check_listed(market_id: uint256) -> uint256:
    """
    @dev Reverts for an id never listed (a listed market's first word holds its non-empty
         oracle asset).
    @return The market's first parameter word (oracle asset | deviation | enabled).
    """
    p0: uint256 = self._p0[market_id]
    checks._require(p0 != 0, "registry: unknown market")
    return p0


@internal
@pure
def _asset_of(p0: uint256) -> address:
    """
    @dev The oracle asset in a first parameter word.
    """
    return convert(convert(p0 & ADDRESS_MASK, uint160), address)


@internal
@view
def _market(market_id: uint256) -> IMarketRegistry.Market:
    """
    @dev The unpacked parameters of a market (all zero for an unknown id).
    """
    p0: uint256 = self._p0[market_id]
    p1: uint256 = self._p1[market_id]
    p2: uint256 = self._p2[market_id]
    p3: uint256 = self._p3[market_id]
    p4: uint256 = self._p4[market_id]
    return IMarketRegistry.Market(
        oracle_asset=self._asset_of(p0),
        deviation=(p0 >> DEVIATION_SHIFT) & U64,
        params=IMarketRegistry.MarketParams(
            initial_margin=p1 & U64,
            maintenance_margin=(p1 >> 64) & U64,
            trading_fee=(p1 >> 128) & U64,
            liquidation_fee=p1 >> 192,
            spread=p2 & U64,
            skew_impact_scale=p3 >> 128,
            max_funding_rate=(p2 >> 64) & U64,
            skew_scale=p3 & FIELD,
            min_notional=p4 & FIELD,
            oi_cap=p4 >> 128,
            oi_share=(p2 >> 128) & U64,
            enabled=(p0 >> ENABLED_SHIFT) & 1 == 1,
        ),
    )


@internal
@view
def _state(market_id: uint256) -> IMarketRegistry.MarketState:
    """
    @dev The unpacked state of a market as stored (funding as of the last accrual).
    """
    s0: uint256 = self._s0[market_id]
    s1: uint256 = self._s1[market_id]
    s2: uint256 = self._s2[market_id]
    s3: uint256 = self._s3[market_id]
    return IMarketRegistry.MarketState(
        funding_long=w._dec(s0 & FIELD),
        funding_short=w._dec(s0 >> 128),
        rate_up=s3 & U64,
        rate_down=(s3 >> 64) & U64,
        last_price=s3 >> 128,
        last_update=s1 >> TIME_SHIFT,
        long_size=s1 & SIZE,
        short_size=(s1 >> 112) & SIZE,
        long_basis=w._dec(s2 & FIELD),
        short_basis=w._dec(s2 >> 128),
    )


# ---- internal: funding ----------------------------------------------------------------
@internal
@view
def _indices_now(market_id: uint256, price: uint256) -> (int256, int256):
    """
    @dev The funding indices (longs, shorts) as of now: the stored ones plus the pending
         part at `price` (at the last accrual price when `price` is 0, an unusable oracle
         answer); see the module notes for the rounding of each side.
    """
    s0: uint256 = self._s0[market_id]
    s1: uint256 = self._s1[market_id]
    index_long: int256 = w._dec(s0 & FIELD)
    index_short: int256 = w._dec(s0 >> 128)
    dt: uint256 = block.timestamp - (s1 >> TIME_SHIFT)
    long: uint256 = s1 & SIZE
    short: uint256 = (s1 >> 112) & SIZE
    if dt == 0 or long == short:
        return index_long, index_short
    s3: uint256 = self._s3[market_id]
    p: uint256 = price
    if p == 0:
        p = s3 >> 128
    up: int256 = convert(w._ceil_div((s3 & U64) * p * dt, c.WAD), int256)
    down: int256 = convert(((s3 >> 64) & U64) * p * dt // c.WAD, int256)  # rounds down
    if long > short:
        # Longs pay (their index rises, rounded up); shorts receive (rounded down).
        return index_long + up, index_short + down
    # Shorts pay (their index falls, rounded up in size); longs receive (rounded down).
    return index_long - down, index_short - up


@internal
def _accrue(market_id: uint256, price: uint256) -> (int256, int256):
    """
    @dev Writes the funding indices as of now (see `_indices_now`) and restarts the clock;
         a price > 0 becomes the last accrual price. The rates are unchanged.
    @return The indices (longs, shorts) as of now.
    """
    index_long: int256 = 0
    index_short: int256 = 0
    index_long, index_short = self._indices_now(market_id, price)
    self._s0[market_id] = w._enc(index_long) | (w._enc(index_short) << 128)
    self._s1[market_id] = (self._s1[market_id] & ~(TIME_MAX << TIME_SHIFT)) | (w._fit(block.timestamp, TIME_MAX) << TIME_SHIFT)
    if price != 0:
        self._s3[market_id] = (self._s3[market_id] & FIELD) | (w._fit(price, FIELD) << 128)
    return index_long, index_short


@internal
def _store_rates(market_id: uint256):
    """
    @dev Stores the rates for the current skew (after an accrual to now):
         |r| = min(max_rate, max_rate × |skew| / skew_scale), rounded up and rounded down.
    """
    s1: uint256 = self._s1[market_id]
    long: uint256 = s1 & SIZE
    short: uint256 = (s1 >> 112) & SIZE
    skew: uint256 = 0
    if long > short:
        skew = long - short
    else:
        skew = short - long
    max_rate: uint256 = (self._p2[market_id] >> 64) & U64
    scale: uint256 = self._p3[market_id] & FIELD
    up: uint256 = max_rate
    down: uint256 = max_rate
    if skew < scale:
        up = w._ceil_div(max_rate * skew, scale)
        down = max_rate * skew // scale  # rounds down
    self._s3[market_id] = (self._s3[market_id] & ~FIELD) | up | (down << 64)


# ---- internal: trades and aggregates --------------------------------------------------
@internal
@view
def _fill(market_id: uint256, price: uint256, size_delta: int256) -> uint256:
    """
    @dev The fill price of a trade of `size_delta` at oracle `price`: buying pays
         price × (1 + spread + impact), rounded up; selling gets price × (1 − spread −
         impact), rounded down. impact = min(10 %, ceil(max(0, skew after the trade in
         the trade's direction) / skew_impact_scale)): a trade that leaves the skew on its
         own side pays for the imbalance it leaves; one that only reduces it pays spread.
    """
    s1: uint256 = self._s1[market_id]
    skew_after: int256 = convert(s1 & SIZE, int256) - convert((s1 >> 112) & SIZE, int256) + size_delta
    if size_delta < 0:
        skew_after = -skew_after
    adjust: uint256 = self._p2[market_id] & U64
    if skew_after > 0:
        scale: uint256 = self._p3[market_id] >> 128
        adjust += min(c.MAX_SKEW_IMPACT, w._ceil_div(convert(skew_after, uint256) * c.WAD, scale))
    if size_delta > 0:
        return w._ceil_div(price * (c.WAD + adjust), c.WAD)
    return price * (c.WAD - adjust) // c.WAD  # rounds down: the seller gets less


@internal
def _book(market_id: uint256, was_long: bool, t: Trade, now_long: bool):
    """
    @dev Moves a trade's closed part out of its old side's sums and its opened part into
         its new side's sums (exact integers, the same the position books), then stores
         the funding rates for the new skew.
    """
    s1: uint256 = self._s1[market_id]
    s2: uint256 = self._s2[market_id]
    long: uint256 = s1 & SIZE
    short: uint256 = (s1 >> 112) & SIZE
    long_basis: int256 = w._dec(s2 & FIELD)
    short_basis: int256 = w._dec(s2 >> 128)
    if t.closed != 0:
        if was_long:
            long -= t.closed
            long_basis -= t.closed_basis
        else:
            short -= t.closed
            short_basis -= t.closed_basis
    if t.opened != 0:
        if now_long:
            long += t.opened
            long_basis += t.opened_basis
        else:
            short += t.opened
            short_basis += t.opened_basis
    self._s1[market_id] = (s1 & (TIME_MAX << TIME_SHIFT)) | w._fit(long, SIZE) | (w._fit(short, SIZE) << 112)
    self._s2[market_id] = w._enc(long_basis) | (w._enc(short_basis) << 128)
    self._store_rates(market_id)
    had: bool = s1 & (SIZE | (SIZE << 112)) != 0
    has: bool = long != 0 or short != 0
    if had != has:
        self._open ^= 1 << market_id


@internal
@view
def _side_pnls(market_id: uint256, price: uint256) -> (int256, int256):
    """
    @dev The unrealised PnL incl. pending funding of all longs and of all shorts at
         `price` (USD WAD), rounded in the traders' favour: an upper bound of what the
         positions would realise one by one (each rounds against its trader), so the
         vault never under-books its liabilities.
    """
    index_long: int256 = 0
    index_short: int256 = 0
    index_long, index_short = self._indices_now(market_id, price)
    s1: uint256 = self._s1[market_id]
    s2: uint256 = self._s2[market_id]
    p: int256 = convert(price, int256)
    long_pnl: int256 = w._div_ceil(convert(s1 & SIZE, int256) * (p - index_long), c.WAD) - w._dec(s2 & FIELD)
    short_pnl: int256 = w._dec(s2 >> 128) - w._div_floor(convert((s1 >> 112) & SIZE, int256) * (p - index_short), c.WAD)
    return long_pnl, short_pnl


@internal
def _remark(market_id: uint256, price: uint256):
    """
    @dev Re-marks a market after a touch (accrued to now): its traders' net PnL at `price`
         replaces its old mark in the running total.
    """
    long_pnl: int256 = 0
    short_pnl: int256 = 0
    long_pnl, short_pnl = self._side_pnls(market_id, price)
    marked: int256 = long_pnl + short_pnl
    self._marked_total += marked - self._marked[market_id]
    self._marked[market_id] = marked


# ---- internal: positions --------------------------------------------------------------
@internal
@pure
def _apply(size: int256, basis: int256, size_delta: int256, fill: uint256, index_long: int256, index_short: int256) -> Trade:
    """
    @dev One trade of `size_delta` (!= 0) at `fill` on a position of `size` and `basis`,
         with the market's funding indices; see the module notes.
    """
    t: Trade = empty(Trade)
    old: uint256 = w._abs(size)
    if size != 0 and (size > 0) != (size_delta > 0):
        t.closed = min(w._abs(size_delta), old)
        carried: int256 = basis * convert(t.closed, int256)
        if size > 0:
            t.closed_basis = w._div_ceil(carried, old)
            t.realised = w._div_floor(convert(t.closed, int256) * (convert(fill, int256) - index_long), c.WAD) - t.closed_basis
        else:
            t.closed_basis = w._div_floor(carried, old)
            t.realised = t.closed_basis - w._div_ceil(convert(t.closed, int256) * (convert(fill, int256) - index_short), c.WAD)
    t.opened = w._abs(size_delta) - t.closed
    if t.opened != 0:
        if size_delta > 0:
            t.opened_basis = w._div_ceil(convert(t.opened, int256) * (convert(fill, int256) - index_long), c.WAD)
        else:
            t.opened_basis = w._div_floor(convert(t.opened, int256) * (convert(fill, int256) - index_short), c.WAD)
    t.size = size + size_delta
    t.basis = basis - t.closed_basis + t.opened_basis
    return t


@internal
@pure
def _pnl(size: int256, basis: int256, price: uint256, index_long: int256, index_short: int256) -> int256:
    """
    @dev Unrealised PnL incl. funding of a position at `price` with the market's funding
         indices as of now (USD WAD), rounded against the trader: what closing it at
         `price` without spread would realise.
    """
    if size > 0:
        return w._div_floor(size * (convert(price, int256) - index_long), c.WAD) - basis
    # short: size × edge = −|s| × edge, so −ceil(|s| × edge / WAD) = floor(size × edge / WAD).
    return basis + w._div_floor(size * (convert(price, int256) - index_short), c.WAD)
