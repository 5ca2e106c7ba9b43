"""Case generators for the differential tests (imported by name).

Each family has a dataclass whose fields are the harness struct's, in its order (so
``dataclasses.astuple`` is the ABI tuple and the model reads the same names), a seeded
generator for the bulk (``random.Random(seed)``: the same cases on every run, rich in
edge values: zeros, ones, exact multiples, powers of ten, boundaries), and a Hypothesis
strategy for the shrinking tests. The bounds keep every product below 2**256 as the
contracts' documented ranges do (token amounts < 10**33, prices <= 10**24 here, rates
within their caps).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from fractions import Fraction

from exact_model import WAD, health_spec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

MAX_BORROW_RATE = 10 * WAD // (365 * 86_400)  # docs/vault.md §3 bound
MAX_FUNDING_RATE = WAD // 86_400  # docs/perps.md §2 bound
MAX_SPREAD = 10**17


def as_tuple(case) -> tuple:
    return dataclasses.astuple(case)


def as_tuples(cases) -> list[tuple]:
    return [as_tuple(c) for c in cases]


def chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---- value helpers ------------------------------------------------------------------------
def magnitude(rng: random.Random, lo: int, hi: int) -> int:
    """A value in [lo, hi], log-uniform most of the time, an edge value sometimes."""
    roll = rng.random()
    if roll < 0.08:
        return lo
    if roll < 0.12:
        return hi
    if roll < 0.2:
        powers = [10**k for k in range(0, 40) if lo <= 10**k <= hi]
        if powers:
            return rng.choice(powers)
    lo_bits = max(lo, 1).bit_length()
    bits = rng.randint(lo_bits, max(hi, 1).bit_length())
    return max(lo, min(hi, rng.getrandbits(bits) | (1 << (bits - 1)) if bits else 0))


def signed(rng: random.Random, hi: int, zero: float = 0.05) -> int:
    if rng.random() < zero:
        return 0
    v = magnitude(rng, 1, hi)
    return v if rng.random() < 0.5 else -v


def ratio(rng: random.Random, lo: int, hi: int) -> int:
    """A WAD ratio in [lo, hi]: round figures (5 %, 80 %) sometimes, any wei otherwise."""
    if rng.random() < 0.3:
        step = 10**16
        lo_s, hi_s = -(-lo // step), hi // step
        if lo_s <= hi_s:
            return rng.randint(lo_s, hi_s) * step
    return rng.randint(lo, hi)


# ---- vault_math / wad_math ----------------------------------------------------------------
@dataclass(frozen=True)
class MulDivCase:
    x: int
    y: int
    d: int


def mul_div_cases(n: int, seed: int = 1) -> list[MulDivCase]:
    rng = random.Random(f"mul_div-{seed}")
    out = []
    for _ in range(n):
        x = magnitude(rng, 0, 2**120)
        y = magnitude(rng, 0, 2**120)
        if rng.random() < 0.2 and x * y:
            d = rng.choice([x, y, x * y, 1, 2])  # exact divisions
        else:
            d = magnitude(rng, 1, 2**128)
        out.append(MulDivCase(x, y, d))
    return out


@dataclass(frozen=True)
class SignedDivCase:
    x: int
    y: int


def signed_div_cases(n: int, seed: int = 1) -> list[SignedDivCase]:
    rng = random.Random(f"signed_div-{seed}")
    out = []
    for _ in range(n):
        y = magnitude(rng, 1, 2**128)
        x = signed(rng, 2**200)
        if rng.random() < 0.2:
            x = rng.choice([-1, 1]) * y * rng.randint(0, 1000)  # exact
        out.append(SignedDivCase(x, y))
    return out


# ---- interest ------------------------------------------------------------------------------
@dataclass(frozen=True)
class InterestCase:
    cash: int
    debt: int
    base_rate: int
    slope1: int
    slope2: int
    kink: int
    index: int
    dt: int
    shares: int


def interest_case(rng: random.Random) -> InterestCase:
    budget = MAX_BORROW_RATE
    if rng.random() < 0.3:  # DESIGN.md's curve
        base, s1, s2 = (
            0,
            4 * WAD // 100 // (365 * 86_400),
            75 * WAD // 100 // (365 * 86_400),
        )
    else:
        base = rng.randint(0, budget) if rng.random() < 0.5 else 0
        s1 = rng.randint(0, budget - base)
        s2 = rng.randint(0, budget - base - s1)
    roll = rng.random()
    if roll < 0.05:
        kink = rng.choice(
            [1, WAD - 1]
        )  # extreme kinks: the rate's bound grows with the slope
    else:
        kink = ratio(rng, 10**16, WAD - 10**16)
    cash = magnitude(rng, 0, 10**33)
    debt = magnitude(rng, 0, 10**33)
    if (
        rng.random() < 0.1
    ):  # utilisation right at, one wei around, or far beyond the kink
        total = magnitude(rng, 10**6, 10**33)
        debt = total * kink // WAD + rng.choice([-1, 0, 1])
        debt = max(0, min(total, debt))
        cash = total - debt
    if rng.random() < 0.03:
        cash = debt = 0
    index = magnitude(rng, WAD, 10 * WAD)
    dt = (
        rng.choice([0, 1, 12, 3_600, 86_400, 365 * 86_400])
        if rng.random() < 0.3
        else magnitude(rng, 0, 10 * 365 * 86_400)
    )
    shares = magnitude(rng, 0, 10**33)
    return InterestCase(cash, debt, base, s1, s2, kink, index, dt, shares)


def interest_cases(n: int, seed: int = 1) -> list[InterestCase]:
    rng = random.Random(f"interest-{seed}")
    return [interest_case(rng) for _ in range(n)]


# ---- funding, fills, trades, PnL ----------------------------------------------------------
@dataclass(frozen=True)
class FundingCase:
    long_size: int
    short_size: int
    max_rate: int
    skew_scale: int
    index_long: int
    index_short: int
    long_basis: int
    short_basis: int
    last_price: int
    price: int
    dt: int


def funding_case(rng: random.Random) -> FundingCase:
    long = magnitude(rng, 0, 10**30) if rng.random() < 0.9 else 0
    short = magnitude(rng, 0, 10**30) if rng.random() < 0.9 else 0
    if rng.random() < 0.08:
        short = long  # balanced: no funding
    scale = magnitude(rng, 1, 10**30)
    if rng.random() < 0.1:  # skew exactly at, one wei around the scale (the clamp)
        short = 0
        long = max(0, scale + rng.choice([-1, 0, 1]))
    max_rate = (
        rng.choice([0, 1, MAX_FUNDING_RATE, WAD // 10 // 86_400])
        if rng.random() < 0.2
        else rng.randint(0, MAX_FUNDING_RATE)
    )
    last = magnitude(rng, 1, 10**24)
    price = magnitude(rng, 1, 10**24) if rng.random() < 0.92 else 0
    dt = (
        rng.choice([0, 1, 60, 3_600, 86_400])
        if rng.random() < 0.3
        else magnitude(rng, 0, 365 * 86_400)
    )
    return FundingCase(
        long,
        short,
        max_rate,
        scale,
        signed(rng, 10**24),
        signed(rng, 10**24),
        signed(rng, 10**33),
        signed(rng, 10**33),
        last,
        price,
        dt,
    )


def funding_cases(n: int, seed: int = 1) -> list[FundingCase]:
    rng = random.Random(f"funding-{seed}")
    return [funding_case(rng) for _ in range(n)]


@dataclass(frozen=True)
class TradeCase:
    size: int
    basis: int
    size_delta: int
    fill: int
    index_long: int
    index_short: int


def trade_case(rng: random.Random) -> TradeCase:
    size = signed(rng, 10**30, zero=0.1)
    delta = signed(rng, 10**30, zero=0)
    roll = rng.random()
    if size and roll < 0.15:
        delta = -size  # a full close
    elif size and roll < 0.25:
        delta = -size + rng.choice([-1, 1]) * magnitude(
            rng, 1, 10**24
        )  # just past / short of it
        delta = delta or -size
    fill = magnitude(rng, 1, 10**24)
    index_long, index_short = signed(rng, 10**22), signed(rng, 10**22)
    entry = magnitude(rng, 1, 10**24)
    index = index_long if size > 0 else index_short
    basis = abs(size) * (entry - index) // WAD + signed(rng, 10**6)  # a plausible basis
    if rng.random() < 0.1:
        basis = signed(rng, 10**33)
    return TradeCase(size, basis, delta, fill, index_long, index_short)


def trade_cases(n: int, seed: int = 1) -> list[TradeCase]:
    rng = random.Random(f"trade-{seed}")
    return [trade_case(rng) for _ in range(n)]


@dataclass(frozen=True)
class PnlCase:
    size: int
    basis: int
    price: int
    index_long: int
    index_short: int


def pnl_cases(n: int, seed: int = 1) -> list[PnlCase]:
    rng = random.Random(f"pnl-{seed}")
    out = []
    for _ in range(n):
        t = trade_case(rng)
        out.append(
            PnlCase(
                t.size or 1,
                t.basis,
                magnitude(rng, 1, 10**24),
                t.index_long,
                t.index_short,
            )
        )
    return out


@dataclass(frozen=True)
class FillCase:
    long_size: int
    short_size: int
    spread: int
    skew_impact_scale: int
    price: int
    size_delta: int


def fill_case(rng: random.Random) -> FillCase:
    long = magnitude(rng, 0, 10**30)
    short = magnitude(rng, 0, 10**30)
    delta = signed(rng, 10**30, zero=0)
    scale = magnitude(rng, 1, 10**30)
    if (
        rng.random() < 0.15
    ):  # the trade leaves the skew exactly 0, or one wei on either side
        delta = short - long + rng.choice([-1, 0, 1])
        delta = delta or 1
    return FillCase(
        long, short, rng.randint(0, MAX_SPREAD), scale, magnitude(rng, 1, 10**24), delta
    )


def fill_cases(n: int, seed: int = 1) -> list[FillCase]:
    rng = random.Random(f"fill-{seed}")
    return [fill_case(rng) for _ in range(n)]


# ---- liquidation ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Pricing:
    quote_price: int
    quote_unit: int
    token_price: int
    token_unit: int
    bonus: int


@dataclass(frozen=True)
class LiqCase:
    debt: int
    cap: int
    bucket: bool
    health_factor: int
    min_debt: int
    balance: int
    others: bool
    lt: int
    pricing: Pricing


def full_close_threshold(bonus: int, lt: int) -> Fraction:
    return max(Fraction(95, 100), Fraction(WAD + bonus, WAD) * Fraction(lt, WAD))


def liq_case(rng: random.Random) -> LiqCase:
    quote_unit = 10 ** rng.choice([6, 6, 8, 18])
    quote_price = (
        rng.choice([WAD, WAD, 999_800_000_000_000_000])
        if rng.random() < 0.6
        else magnitude(rng, 10**17, 10**19)
    )
    token_unit = 10 ** rng.choice([0, 6, 8, 18, 18])
    token_price = magnitude(rng, 10**10, 10**24)
    bonus = (
        rng.choice([0, 2 * 10**16, 5 * 10**16, 10**17])
        if rng.random() < 0.5
        else rng.randint(0, 2 * 10**17)
    )
    lt_max = WAD * WAD // (WAD + bonus)  # (1 + bonus) × LT <= 1
    lt = ratio(rng, 10**17, lt_max)
    min_debt = rng.choice([1, 10 * quote_unit, magnitude(rng, 1, 10**6 * quote_unit)])
    debt = magnitude(rng, 0, 10**30)
    roll = rng.random()
    if roll < 0.15:  # half the debt leaves exactly / one wei around min debt
        debt = max(0, 2 * min_debt + rng.choice([-2, -1, 0, 1]))
    debt = max(debt, 1)
    cap = (
        rng.choice([debt, debt // 2, debt + 1, 10**33])
        if rng.random() < 0.4
        else magnitude(rng, 0, min(10**33, 2 * debt + 10))
    )
    p = Pricing(quote_price, quote_unit, token_price, token_unit, bonus)
    # the balance: around what the repay would seize (the cap boundary) or anywhere
    wanted = (
        debt
        * quote_price
        // quote_unit
        * (WAD + bonus)
        // WAD
        * token_unit
        // token_price
    )
    if rng.random() < 0.35 and wanted:
        balance = max(1, wanted // rng.choice([1, 2, 3]) + rng.choice([-1, 0, 1]))
    else:
        balance = magnitude(rng, 1, 10**30)
    threshold = full_close_threshold(bonus, lt)
    roll = rng.random()
    if roll < 0.3:  # health right at the full-close threshold
        base = int(threshold * WAD)
        health = base + rng.choice(
            [-1, 0, 1, 2]
        )  # base = floor(T): below T when T is not whole
    elif roll < 0.4:
        health = 95 * 10**16 + rng.choice([-1, 0, 1])
    else:
        health = rng.randint(0, 2 * WAD)
    return LiqCase(
        debt,
        cap,
        rng.random() < 0.25,
        health,
        min_debt,
        balance,
        rng.random() < 0.5,
        lt,
        p,
    )


def liq_cases(n: int, seed: int = 1) -> list[LiqCase]:
    rng = random.Random(f"liq-{seed}")
    return [liq_case(rng) for _ in range(n)]


# ---- health --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenIn:
    balance: int
    price: int
    decimals: int
    cf: int
    lt: int


@dataclass(frozen=True)
class PositionIn:
    pnl: int
    maint_req: int
    init_req: int


@dataclass(frozen=True)
class HealthCase:
    quote_balance: int
    claim: int
    quote_price: int
    quote_decimals: int
    quote_cf: int
    quote_lt: int
    debt_shares: int
    debt_index: int
    tokens: tuple[TokenIn, ...] = field(default_factory=tuple)
    positions: tuple[PositionIn, ...] = field(default_factory=tuple)


def _factors(rng: random.Random) -> tuple[int, int]:
    lt = ratio(rng, 10**16, WAD - 1)
    cf = ratio(rng, 0, lt - 1)
    return cf, lt


def health_case(rng: random.Random) -> HealthCase:
    qdec = rng.choice([6, 6, 8, 18])
    qprice = (
        rng.choice([WAD, 999_900_000_000_000_000])
        if rng.random() < 0.7
        else magnitude(rng, 10**17, 10**19)
    )
    qcf, qlt = _factors(rng)
    tokens = []
    for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
        cf, lt = _factors(rng)
        dec = rng.choice([0, 6, 8, 18, 18])
        tokens.append(
            TokenIn(magnitude(rng, 1, 10**30), magnitude(rng, 1, 10**24), dec, cf, lt)
        )
    shares = magnitude(rng, 0, 10**33) if rng.random() < 0.8 else 0
    quote_balance = magnitude(rng, 0, 10**30) if rng.random() < 0.6 else 0
    claim = magnitude(rng, 0, 10**27) if rng.random() < 0.15 else 0
    index = magnitude(rng, WAD, 3 * WAD)
    case = HealthCase(
        quote_balance, claim, qprice, qdec, qcf, qlt, shares, index, tuple(tokens), ()
    )
    n_pos = rng.choice([0, 0, 1, 2, 10])
    positions = [PositionIn(signed(rng, 10**30), 0, 0) for _ in range(n_pos)]
    spec = health_spec(case)
    roll = rng.random()
    if positions and roll < 0.5:
        # requirements right at the documented figures' boundaries, one wei either side
        pnl = sum(p.pnl for p in positions)
        equity_maint = spec.wc_maint - spec.debt + pnl
        equity_init = spec.wc_init - spec.debt - max(-pnl, 0)
        maint = max(0, equity_maint + rng.choice([-1, 0, 1]))
        init = max(maint + 1, equity_init + rng.choice([-1, 0, 1]))
        split_m = [maint // n_pos] * n_pos
        split_m[0] += maint - sum(split_m)
        split_i = [init // n_pos] * n_pos
        split_i[0] += init - sum(split_i)
        positions = [
            PositionIn(p.pnl, m, i)
            for p, m, i in zip(positions, split_m, split_i, strict=True)
        ]
    else:
        out = []
        for p in positions:
            m = magnitude(rng, 0, 10**30)
            out.append(PositionIn(p.pnl, m, m + magnitude(rng, 0, 10**30)))
        positions = out
    return dataclasses.replace(case, positions=tuple(positions))


def health_cases(n: int, seed: int = 1) -> list[HealthCase]:
    rng = random.Random(f"health-{seed}")
    return [health_case(rng) for _ in range(n)]


@dataclass(frozen=True)
class ComposeCase:
    wc_maint: int
    wc_init: int
    debt: int
    pnl: int
    maint_req: int
    init_req: int
    active: bool


def compose_cases(n: int, seed: int = 1) -> list[ComposeCase]:
    rng = random.Random(f"compose-{seed}")
    out = []
    for _ in range(n):
        wc_maint = magnitude(rng, 0, 10**33)
        wc_init = wc_maint * rng.randint(0, 99) // 100
        debt = magnitude(rng, 0, 10**33)
        pnl = signed(rng, 10**33, zero=0.2)
        maint = magnitude(rng, 0, 10**33) if rng.random() < 0.7 else 0
        init = maint + magnitude(rng, 0, 10**33)
        roll = rng.random()
        if roll < 0.3:  # equity_maint vs maint_req: equal, one wei either side
            maint = max(0, wc_maint - debt + pnl + rng.choice([-1, 0, 1]))
        elif roll < 0.45:  # owed == backing exactly (health exactly 1)
            pnl = 0
            debt = max(0, wc_maint - maint)
        active = rng.random() < 0.85
        out.append(ComposeCase(wc_maint, wc_init, debt, pnl, maint, init, active))
    return out


# ---- Hypothesis strategies (one case per example, so a failure shrinks to one case) --------
def _big(lo: int, hi: int):
    """Integers in [lo, hi] that shrink toward lo, with the edges and powers of ten."""
    edges = sorted(
        {
            v
            for v in [lo, lo + 1, hi - 1, hi] + [10**k for k in range(40)]
            if lo <= v <= hi
        }
    )
    return st.one_of(st.sampled_from(edges), st.integers(lo, hi))


@st.composite
def interest_strategy(draw) -> InterestCase:
    base = draw(st.integers(0, MAX_BORROW_RATE))
    s1 = draw(st.integers(0, MAX_BORROW_RATE - base))
    s2 = draw(st.integers(0, MAX_BORROW_RATE - base - s1))
    return InterestCase(
        draw(_big(0, 10**33)),
        draw(_big(0, 10**33)),
        base,
        s1,
        s2,
        draw(_big(1, WAD - 1)),
        draw(_big(WAD, 10 * WAD)),
        draw(_big(0, 10 * 365 * 86_400)),
        draw(_big(0, 10**33)),
    )


@st.composite
def funding_strategy(draw) -> FundingCase:
    return FundingCase(
        draw(_big(0, 10**30)),
        draw(_big(0, 10**30)),
        draw(_big(0, MAX_FUNDING_RATE)),
        draw(_big(1, 10**30)),
        draw(st.integers(-(10**24), 10**24)),
        draw(st.integers(-(10**24), 10**24)),
        draw(st.integers(-(10**33), 10**33)),
        draw(st.integers(-(10**33), 10**33)),
        draw(_big(1, 10**24)),
        draw(_big(0, 10**24)),
        draw(_big(0, 365 * 86_400)),
    )


@st.composite
def trade_strategy(draw) -> TradeCase:
    size = draw(st.integers(-(10**30), 10**30))
    delta = draw(st.integers(-(10**30), 10**30).filter(lambda d: d != 0))
    return TradeCase(
        size,
        draw(st.integers(-(10**33), 10**33)),
        delta,
        draw(_big(1, 10**24)),
        draw(st.integers(-(10**22), 10**22)),
        draw(st.integers(-(10**22), 10**22)),
    )


@st.composite
def fill_strategy(draw) -> FillCase:
    return FillCase(
        draw(_big(0, 10**30)),
        draw(_big(0, 10**30)),
        draw(st.integers(0, MAX_SPREAD)),
        draw(_big(1, 10**30)),
        draw(_big(1, 10**24)),
        draw(st.integers(-(10**30), 10**30).filter(lambda d: d != 0)),
    )


@st.composite
def liq_strategy(draw) -> LiqCase:
    bonus = draw(
        st.one_of(
            st.sampled_from([0, 2 * 10**16, 5 * 10**16, 10**17]),
            st.integers(0, 2 * 10**17),
        )
    )
    lt = draw(
        st.one_of(
            st.sampled_from([5 * 10**17, 8 * 10**17, 85 * 10**16]),
            st.integers(10**17, WAD * WAD // (WAD + bonus)),
        )
    )
    lt = min(lt, WAD * WAD // (WAD + bonus))
    quote_unit = 10 ** draw(st.sampled_from([6, 8, 18]))
    p = Pricing(
        draw(_big(10**17, 10**19)),
        quote_unit,
        draw(_big(10**10, 10**24)),
        10 ** draw(st.sampled_from([0, 6, 8, 18])),
        bonus,
    )
    debt = draw(_big(1, 10**30))
    return LiqCase(
        debt,
        draw(_big(0, 10**33)),
        draw(st.booleans()),
        draw(_big(0, 2 * WAD)),
        draw(_big(1, 10**6 * quote_unit)),
        draw(_big(1, 10**30)),
        draw(st.booleans()),
        lt,
        p,
    )


@st.composite
def factors_strategy(draw) -> tuple[int, int]:
    lt = draw(st.integers(10**16, WAD - 1))
    return draw(st.integers(0, lt - 1)), lt


@st.composite
def health_strategy(draw) -> HealthCase:
    qcf, qlt = draw(factors_strategy())
    tokens = []
    for _ in range(draw(st.integers(0, 5))):
        cf, lt = draw(factors_strategy())
        tokens.append(
            TokenIn(
                draw(_big(1, 10**30)),
                draw(_big(1, 10**24)),
                draw(st.sampled_from([0, 6, 8, 18])),
                cf,
                lt,
            )
        )
    positions = []
    for _ in range(draw(st.integers(0, 10))):
        m = draw(_big(0, 10**30))
        positions.append(
            PositionIn(
                draw(st.integers(-(10**30), 10**30)), m, m + draw(_big(0, 10**30))
            )
        )
    return HealthCase(
        draw(_big(0, 10**30)),
        draw(_big(0, 10**27)),
        draw(_big(10**17, 10**19)),
        draw(st.sampled_from([6, 8, 18])),
        qcf,
        qlt,
        draw(_big(0, 10**33)),
        draw(_big(WAD, 3 * WAD)),
        tuple(tokens),
        tuple(positions),
    )


def shrinking(max_examples: int):
    """The differential tests' Hypothesis profile: derandomized and database-free (the same
    examples on every run and machine), no deadline (each example is an eth_call)."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
        ],
    )
