# pragma version ~=0.4.3
"""
@title MathHarness
@custom:contract-name MathHarness
@license MIT
@notice TEST ONLY, never deployed by scripts (it lives in a subfolder: scripts/_reports.py and
        tests/artifacts count only top-level CamelCase contracts as deployables). It exposes
        the internal arithmetic of the Vault's and the MarginEngine's modules in batches, so
        the differential tests (tests/differential) compare thousands of cases with an exact
        `fractions.Fraction` model in a handful of eth_calls.
@dev Every batch function calls the modules' own internal functions; nothing here
     re-implements a formula. Functions that need a market's storage (funding, fills) write
     it into market id 1 of this harness's own `markets` module and are meant for eth_call
     (`.call()`), so nothing is ever persisted.
"""

from ..modules import wad_math as w
from ..modules import vault_math as vm
from ..modules import interest_model as im
from ..modules import liquidation as liq
from ..modules import markets as book

initializes: book


# ---- constants ------------------------------------------------------------------------
# @dev Most cases per call.
BATCH: constant(uint256) = 512
# @dev The scratch market every storage-backed case is written into.
M: constant(uint256) = 1
FIELD: constant(uint256) = 2**128 - 1


# ---- structs --------------------------------------------------------------------------
struct MulDivCase:
    x: uint256
    y: uint256
    d: uint256


struct MulDivOut:
    down: uint256  # vault_math._mul_div_down
    up: uint256  # vault_math._mul_div_up
    ceil: uint256  # wad_math._ceil_div(x * y, d)


struct SignedDivCase:
    x: int256
    y: uint256


struct SignedDivOut:
    floor: int256  # wad_math._div_floor
    ceil: int256  # wad_math._div_ceil


struct InterestCase:
    cash: uint256  # quote units
    debt: uint256  # quote units
    base_rate: uint256  # WAD per second
    slope1: uint256
    slope2: uint256
    kink: uint256  # WAD
    index: uint256  # WAD, the debt index before the interval
    dt: uint256  # seconds
    shares: uint256  # debt shares valued at the old and new index


struct InterestOut:
    utilization: uint256  # interest_model._utilization(cash, debt)
    rate: uint256  # interest_model._borrow_rate at that utilisation
    index: uint256  # interest_model._grow_index(index, rate, dt)
    debt_before: uint256  # ceil(shares × index / WAD) (the vault's _accrued)
    debt_after: uint256  # ceil(shares × new index / WAD)


struct FundingCase:
    long_size: uint256  # Σ long sizes, WAD base units
    short_size: uint256  # Σ |short sizes|
    max_rate: uint256  # WAD per second
    skew_scale: uint256  # WAD base units
    index_long: int256  # stored funding indices, USD WAD
    index_short: int256
    long_basis: int256  # Σ bases of each side, USD WAD
    short_basis: int256
    last_price: uint256  # the last accrual price (used when `price` is 0)
    price: uint256  # the price the pending funding is valued at (0 = unusable)
    dt: uint256  # seconds since the last accrual


struct FundingOut:
    rate_up: uint256  # stored by markets._store_rates
    rate_down: uint256
    index_long: int256  # markets._indices_now
    index_short: int256
    long_pnl: int256  # markets._side_pnls
    short_pnl: int256


struct TradeCase:
    size: int256
    basis: int256
    size_delta: int256
    fill: uint256
    index_long: int256
    index_short: int256


struct PnlCase:
    size: int256
    basis: int256
    price: uint256
    index_long: int256
    index_short: int256


struct FillCase:
    long_size: uint256
    short_size: uint256
    spread: uint256  # WAD
    skew_impact_scale: uint256  # WAD base units
    price: uint256
    size_delta: int256


struct LiqCase:
    debt: uint256  # quote units
    cap: uint256  # the liquidator's repay_amount
    bucket: bool
    health_factor: uint256  # WAD
    min_debt: uint256  # quote units
    balance: uint256  # token units
    others: bool  # other collateral remains
    lt: uint256  # WAD
    pricing: liq.Pricing


struct LiqOut:
    full: bool  # liquidation._full_close
    repay: uint256  # liquidation._amounts
    seize: uint256
    seize_for_cap: uint256  # liquidation._seize_for(cap)
    repay_for_balance: uint256  # liquidation._repay_for(balance)


# ---- vault_math / wad_math ------------------------------------------------------------
@external
@pure
def mul_div(cases: DynArray[MulDivCase, BATCH]) -> DynArray[MulDivOut, BATCH]:
    """
    @notice floor and ceil of x × y / d through each module's rounding primitive.
    """
    out: DynArray[MulDivOut, BATCH] = []
    for c: MulDivCase in cases:
        out.append(
            MulDivOut(
                down=vm._mul_div_down(c.x, c.y, c.d),
                up=vm._mul_div_up(c.x, c.y, c.d),
                ceil=w._ceil_div(c.x * c.y, c.d),
            )
        )
    return out


@external
@pure
def signed_div(cases: DynArray[SignedDivCase, BATCH]) -> DynArray[SignedDivOut, BATCH]:
    """
    @notice wad_math's signed divisions toward −∞ and +∞.
    """
    out: DynArray[SignedDivOut, BATCH] = []
    for c: SignedDivCase in cases:
        out.append(SignedDivOut(floor=w._div_floor(c.x, c.y), ceil=w._div_ceil(c.x, c.y)))
    return out


@external
@pure
def fields(values: DynArray[int256, BATCH]) -> DynArray[uint256, BATCH]:
    """
    @notice wad_math's 128-bit two's complement field of each value (reverts out of range).
    """
    out: DynArray[uint256, BATCH] = []
    for x: int256 in values:
        out.append(w._enc(x))
    return out


@external
@pure
def unfields(fields: DynArray[uint256, BATCH]) -> DynArray[int256, BATCH]:
    """
    @notice wad_math's signed value of each 128-bit field.
    """
    out: DynArray[int256, BATCH] = []
    for f: uint256 in fields:
        out.append(w._dec(f))
    return out


# ---- interest_model -------------------------------------------------------------------
@external
@pure
def interest(cases: DynArray[InterestCase, BATCH]) -> DynArray[InterestOut, BATCH]:
    """
    @notice Utilisation, kinked rate and index growth (module interest_model), and the
            debt of `shares` before and after (vault_math, as the vault's accrual does).
    """
    out: DynArray[InterestOut, BATCH] = []
    for c: InterestCase in cases:
        p: im.Params = im.Params(
            base_rate=c.base_rate, slope1=c.slope1, slope2=c.slope2, kink=c.kink, reserve_factor=0
        )
        u: uint256 = im._utilization(c.cash, c.debt)
        rate: uint256 = im._borrow_rate(p, u)
        index: uint256 = im._grow_index(c.index, rate, c.dt)
        out.append(
            InterestOut(
                utilization=u,
                rate=rate,
                index=index,
                debt_before=vm._mul_div_up(c.shares, c.index, 10**18),
                debt_after=vm._mul_div_up(c.shares, index, 10**18),
            )
        )
    return out


# ---- markets: funding, fills, trades, PnL ---------------------------------------------
@external
def funding(cases: DynArray[FundingCase, BATCH]) -> DynArray[FundingOut, BATCH]:
    """
    @notice For each case: write the market's sizes, indices, bases and clock into the
            scratch market, store the rates for its skew (markets._store_rates), then read
            the indices as of now (markets._indices_now) and each side's PnL
            (markets._side_pnls) at `price`. Use with eth_call.
    """
    out: DynArray[FundingOut, BATCH] = []
    for c: FundingCase in cases:
        book._p2[M] = c.max_rate << 64
        book._p3[M] = c.skew_scale
        book._s0[M] = w._enc(c.index_long) | (w._enc(c.index_short) << 128)
        book._s1[M] = c.long_size | (c.short_size << 112) | ((block.timestamp - c.dt) << 224)
        book._s2[M] = w._enc(c.long_basis) | (w._enc(c.short_basis) << 128)
        book._s3[M] = c.last_price << 128
        book._store_rates(M)
        s3: uint256 = book._s3[M]
        index_long: int256 = 0
        index_short: int256 = 0
        index_long, index_short = book._indices_now(M, c.price)
        long_pnl: int256 = 0
        short_pnl: int256 = 0
        long_pnl, short_pnl = book._side_pnls(M, c.price)
        out.append(
            FundingOut(
                rate_up=s3 & (2**64 - 1),
                rate_down=(s3 >> 64) & (2**64 - 1),
                index_long=index_long,
                index_short=index_short,
                long_pnl=long_pnl,
                short_pnl=short_pnl,
            )
        )
    return out


@external
def fills(cases: DynArray[FillCase, BATCH]) -> DynArray[uint256, BATCH]:
    """
    @notice The fill price of each trade (markets._fill) after writing the market's sizes,
            spread and skew impact scale into the scratch market. Use with eth_call.
    """
    out: DynArray[uint256, BATCH] = []
    for c: FillCase in cases:
        book._p2[M] = c.spread
        book._p3[M] = c.skew_impact_scale << 128
        book._s1[M] = c.long_size | (c.short_size << 112)
        out.append(book._fill(M, c.price, c.size_delta))
    return out


@external
@pure
def trades(cases: DynArray[TradeCase, BATCH]) -> DynArray[book.Trade, BATCH]:
    """
    @notice The arithmetic of one trade on a position (markets._apply).
    """
    out: DynArray[book.Trade, BATCH] = []
    for c: TradeCase in cases:
        out.append(book._apply(c.size, c.basis, c.size_delta, c.fill, c.index_long, c.index_short))
    return out


@external
@pure
def pnls(cases: DynArray[PnlCase, BATCH]) -> DynArray[int256, BATCH]:
    """
    @notice A position's unrealised PnL incl. funding (markets._pnl).
    """
    out: DynArray[int256, BATCH] = []
    for c: PnlCase in cases:
        out.append(book._pnl(c.size, c.basis, c.price, c.index_long, c.index_short))
    return out


# ---- liquidation ----------------------------------------------------------------------
@external
@pure
def liquidations(cases: DynArray[LiqCase, BATCH]) -> DynArray[LiqOut, BATCH]:
    """
    @notice The full-close rule, the repay and seize of one token, and the two conversions
            behind them (module liquidation), as the registry's seize_plan calls them.
    """
    out: DynArray[LiqOut, BATCH] = []
    for c: LiqCase in cases:
        full: bool = liq._full_close(c.bucket, c.health_factor, c.pricing.bonus, c.lt, c.debt, c.min_debt)
        repay: uint256 = 0
        seize: uint256 = 0
        repay, seize = liq._amounts(c.debt, c.cap, full, c.min_debt, c.balance, c.others, c.pricing)
        out.append(
            LiqOut(
                full=full,
                repay=repay,
                seize=seize,
                seize_for_cap=liq._seize_for(c.cap, c.pricing),
                repay_for_balance=liq._repay_for(c.balance, c.pricing),
            )
        )
    return out


# ---- clock ----------------------------------------------------------------------------
@view
@external
def now() -> uint256:
    """
    @notice The block timestamp an eth_call sees (views that accrue "as of now" use it).
    """
    return block.timestamp
