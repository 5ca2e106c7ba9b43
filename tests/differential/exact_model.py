"""The exact model of Bulkhead's arithmetic, for the differential tests (imported by name).

Written from ../shared/DESIGN.md and docs/*.md (vault.md §1-4, perps.md §3-8, liquidation.md,
engine.md), not from the Vyper: every figure is the formula those documents state, computed
with ``fractions.Fraction`` and never rounded. Where the documents fix a rounded integer as
*state* (a debt in quote units is ``ceil(shares × index / WAD)``, a funding index moves by
its rounded step, a position's basis is an integer), the model takes that integer as an input
and computes exactly from it.

The tolerance rule (docs/differential.md):

* every division the contract makes can cost at most 1 wei *at that step*; a later step
  that multiplies by a factor m carries that wei forward as m wei. So a figure built from
  divisions d_1..d_k with later factors m_1..m_k lies within Σ max(1, m_i)... strictly,
  within Σ m_i' where m_i' is the exact factor (1 for the last division) — which is
  exactly "as many wei as it has divisions" whenever the later factors are at most 1;
* the error is always on the protocol's side: ``Favour.DOWN`` figures (what the protocol
  pays, credits or values as backing) are never above the exact value, ``Favour.UP``
  figures (what a user owes, pays or is required to hold) never below it.

Yes/no decisions (liquidatable, allowed, full close) are the documented rule applied to the
documented figures (``spec_*``: the exact value rounded once, in the documented direction,
at each documented rounding point), and must be identical; against the never-rounded
figures a decision may differ only inside the rounding band, and only in the protocol's
favour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction

WAD = 10**18

# ---- the spec's constants (DESIGN.md defaults table, docs/vault.md §1, constants.vy notes) --
VIRTUAL_SHARES = 10**6  # decimals offset 6: totalSupply + 10**6 virtual shares ...
VIRTUAL_ASSETS = 1  # ... and totalAssets + 1 virtual asset
CLOSE_FACTOR = Fraction(
    1, 2
)  # 50 % of the debt per liquidation unless a full close applies
FULL_CLOSE_HEALTH = Fraction(95, 100)  # a full close below max(0.95, (1 + bonus) × LT)
MAX_SKEW_IMPACT = Fraction(1, 10)  # the fill's skew impact is at most 10 %


class Favour(Enum):
    """Which side of the exact value the protocol's favour is."""

    DOWN = "down"  # the contract's figure must be <= exact
    UP = "up"  # the contract's figure must be >= exact
    EXACT = "exact"  # no division: must be equal


@dataclass(frozen=True)
class Check:
    """One figure of the contract against its exact value."""

    name: str
    got: int
    exact: Fraction
    favour: Favour
    bound: Fraction = Fraction(1)  # the error must be strictly below this

    def problem(self) -> str | None:
        err = Fraction(self.got) - self.exact
        if self.favour is Favour.EXACT:
            ok = err == 0
        elif self.favour is Favour.DOWN:
            ok = -self.bound < err <= 0
        else:
            ok = 0 <= err < self.bound
        if ok:
            return None
        return (
            f"{self.name}: got {self.got}, exact {float(self.exact):.6g} "
            f"({self.exact}), error {float(err):.6g}, favour {self.favour.value}, "
            f"bound {float(self.bound):.6g}"
        )


@dataclass
class Report:
    """Problems found over a batch, with the inputs of the first few."""

    problems: list[str] = field(default_factory=list)
    cases: int = 0

    def add(
        self, case, checks: list[Check], decisions: list[tuple[str, bool, bool]] = ()
    ):
        self.cases += 1
        found = [p for c in checks if (p := c.problem())]
        found += [
            f"{name}: contract {got}, model {want}"
            for name, got, want in decisions
            if got != want
        ]
        if found:
            self.problems.append(f"case {case}:\n    " + "\n    ".join(found))

    def assert_clean(self) -> None:
        assert not self.problems, (
            f"{len(self.problems)} of {self.cases} cases differ from the model:\n"
            + "\n".join(self.problems[:5])
        )


def floor(x: Fraction) -> int:
    return math.floor(x)


def ceil(x: Fraction) -> int:
    return math.ceil(x)


# ---- shares (docs/vault.md §1 "Share pricing", §4) ---------------------------------------
def total_assets(
    cash: int, debt_shares: int, index: int, reserve: int, claims: int, net_pnl: int
) -> Fraction:
    """max(0, cash + debt − reserve − claims − net_pnl), the debt exactly shares × index."""
    return max(
        Fraction(0),
        cash + Fraction(debt_shares * index, WAD) - reserve - claims - net_pnl,
    )


def price_sides(total: int, band: int) -> dict[str, int]:
    """The assets side of each price, the virtual asset included (vault.md table)."""
    return {
        "mid": total + VIRTUAL_ASSETS,
        "entry": total + band + VIRTUAL_ASSETS,
        "exit": max(0, total - band) + VIRTUAL_ASSETS,
    }


def to_shares(assets: int, supply: int, priced: int) -> Fraction:
    return Fraction(assets * (supply + VIRTUAL_SHARES), priced)


def to_assets(shares: int, supply: int, priced: int) -> Fraction:
    return Fraction(shares * priced, supply + VIRTUAL_SHARES)


def share_checks(amount: int, total: int, supply: int, band: int, got) -> list[Check]:
    """The six ERC-4626 conversions of `amount` (assets for the *ToShares/deposit/withdraw
    ones, shares for the others). Protocol's favour: the user gets less (shares minted,
    assets paid: DOWN) and gives more (assets pulled by mint, shares burnt by withdraw: UP).
    One division each."""
    side = price_sides(total, band)
    return [
        Check(
            "convertToShares",
            got.convert_to_shares,
            to_shares(amount, supply, side["mid"]),
            Favour.DOWN,
        ),
        Check(
            "convertToAssets",
            got.convert_to_assets,
            to_assets(amount, supply, side["mid"]),
            Favour.DOWN,
        ),
        Check(
            "previewDeposit",
            got.preview_deposit,
            to_shares(amount, supply, side["entry"]),
            Favour.DOWN,
        ),
        Check(
            "previewMint",
            got.preview_mint,
            to_assets(amount, supply, side["entry"]),
            Favour.UP,
        ),
        Check(
            "previewWithdraw",
            got.preview_withdraw,
            to_shares(amount, supply, side["exit"]),
            Favour.UP,
        ),
        Check(
            "previewRedeem",
            got.preview_redeem,
            to_assets(amount, supply, side["exit"]),
            Favour.DOWN,
        ),
    ]


# ---- interest (docs/vault.md §3) ---------------------------------------------------------
@dataclass(frozen=True)
class Curve:
    base_rate: int  # WAD per second
    slope1: int
    slope2: int
    kink: int  # WAD

    def rate(self, u: Fraction) -> Fraction:
        """The kinked per-second rate at utilisation u (WAD), exactly."""
        if u <= self.kink:
            return self.base_rate + Fraction(self.slope1) * u / self.kink
        return (
            self.base_rate
            + self.slope1
            + Fraction(self.slope2) * (u - self.kink) / (WAD - self.kink)
        )

    def steepness(self) -> Fraction:
        """The largest rate change per wei of utilisation (how far one wei of u carries)."""
        return max(
            Fraction(self.slope1, self.kink), Fraction(self.slope2, WAD - self.kink)
        )


def utilization(cash: int, debt: int) -> Fraction:
    """debt / (cash + debt), WAD (0 for an empty vault)."""
    if cash + debt == 0:
        return Fraction(0)
    return Fraction(debt * WAD, cash + debt)


def grown_index(index: int | Fraction, rate: int | Fraction, dt: int) -> Fraction:
    """index × (1 + rate × dt): linear growth over one interval (vault.md §3)."""
    return Fraction(index) * (WAD + Fraction(rate) * dt) / WAD


def interest_checks(c, out) -> list[Check]:
    """Utilisation, rate, index and debt — each against the never-rounded chain from the
    case's integers, and each step against the exact value of its own integer inputs.
    Protocol's favour: UP everywhere (borrowers never pay less than the exact curve)."""
    curve = Curve(c.base_rate, c.slope1, c.slope2, c.kink)
    u = utilization(c.cash, c.debt)
    rate = curve.rate(u)
    rate_bound = 1 + curve.steepness()  # the rate's own division + one wei of u carried
    index = grown_index(c.index, rate, c.dt)
    carry = Fraction(
        c.index * c.dt, WAD
    )  # one wei of rate moves the index by this much
    index_bound = 1 + rate_bound * carry
    return [
        Check("utilization", out.utilization, u, Favour.UP),
        Check("rate", out.rate, rate, Favour.UP, rate_bound),
        Check("rate|u", out.rate, curve.rate(Fraction(out.utilization)), Favour.UP),
        Check("index", out.index, index, Favour.UP, index_bound),
        Check("index|rate", out.index, grown_index(c.index, out.rate, c.dt), Favour.UP),
        Check(
            "debt_before", out.debt_before, Fraction(c.shares * c.index, WAD), Favour.UP
        ),
        Check(
            "debt_after",
            out.debt_after,
            Fraction(c.shares) * index / WAD,
            Favour.UP,
            1 + index_bound * Fraction(c.shares, WAD),
        ),
        Check(
            "debt_after|index",
            out.debt_after,
            Fraction(c.shares * out.index, WAD),
            Favour.UP,
        ),
    ]


# ---- funding (DESIGN.md, Perps; docs/perps.md §5) ----------------------------------------
def funding_rate(max_rate: int, skew_scale: int, long: int, short: int) -> Fraction:
    """|r| = max_funding_rate × clamp(|skew| / skew_scale, 0, 1), WAD per second."""
    return max_rate * min(Fraction(abs(long - short), skew_scale), Fraction(1))


def funding_checks(c, out) -> list[Check]:
    """The stored rates, each side's index step and each side's aggregate PnL.

    Protocol's favour: the paying (heavy) side's rate and index step are UP in magnitude,
    the receiving side's DOWN (so the vault's net only grows); a side's aggregate PnL is UP
    (the vault books its liability to the traders in full: perps.md §7)."""
    exact_rate = funding_rate(c.max_rate, c.skew_scale, c.long_size, c.short_size)
    checks = [
        Check("rate_up", out.rate_up, exact_rate, Favour.UP),
        Check("rate_down", out.rate_down, exact_rate, Favour.DOWN),
    ]
    price = (
        c.price or c.last_price
    )  # an unusable price accrues at the last one (perps.md §5)
    if c.dt == 0 or c.long_size == c.short_size:
        step_heavy = step_light = Fraction(0)
        bound = Fraction(1)
        got_heavy = got_light = 0
        heavy_from_rate = light_from_rate = Fraction(0)
    else:
        step_heavy = step_light = exact_rate * price * c.dt / WAD
        # the rate's wei (its own division) is carried by price × dt / WAD
        bound = 1 + Fraction(price * c.dt, WAD)
        heavy_from_rate = Fraction(out.rate_up * price * c.dt, WAD)
        light_from_rate = Fraction(out.rate_down * price * c.dt, WAD)
        if (
            c.long_size > c.short_size
        ):  # longs pay: their index rises; shorts' rises less
            got_heavy = out.index_long - c.index_long
            got_light = out.index_short - c.index_short
        else:  # shorts pay: their index falls; longs' falls less
            got_heavy = c.index_short - out.index_short
            got_light = c.index_long - out.index_long
    checks += [
        Check("heavy step", got_heavy, step_heavy, Favour.UP, bound),
        Check("light step", got_light, step_light, Favour.DOWN, bound),
        Check("heavy step|rate", got_heavy, heavy_from_rate, Favour.UP),
        Check("light step|rate", got_light, light_from_rate, Favour.DOWN),
    ]
    if c.dt == 0 or c.long_size == c.short_size:
        checks += [
            Check(
                "index_long unchanged",
                out.index_long,
                Fraction(c.index_long),
                Favour.EXACT,
            ),
            Check(
                "index_short unchanged",
                out.index_short,
                Fraction(c.index_short),
                Favour.EXACT,
            ),
        ]
    # each side's PnL incl. pending funding at the case's price, from the indices as of now
    long_pnl = Fraction(c.long_size * (c.price - out.index_long), WAD) - c.long_basis
    short_pnl = c.short_basis - Fraction(
        c.short_size * (c.price - out.index_short), WAD
    )
    checks += [
        Check("long side pnl", out.long_pnl, long_pnl, Favour.UP),
        Check("short side pnl", out.short_pnl, short_pnl, Favour.UP),
    ]
    return checks


# ---- positions (docs/perps.md §3-4) ------------------------------------------------------
def position_pnl(
    size: int, basis: int, price: int, index_long: int, index_short: int
) -> Fraction:
    """PnL incl. funding: long |s| × (P − F_long) / WAD − B; short B − |s| × (P − F_short) / WAD."""
    if size > 0:
        return Fraction(size * (price - index_long), WAD) - basis
    return basis - Fraction(-size * (price - index_short), WAD)


def pnl_check(c, got: int) -> Check:
    """Protocol's favour: DOWN (an account's PnL is never overstated), one division."""
    return Check(
        "pnl",
        got,
        position_pnl(c.size, c.basis, c.price, c.index_long, c.index_short),
        Favour.DOWN,
    )


def trade_checks(c, out) -> list[Check]:
    """One trade of Δ on a position (perps.md §3 table).

    closed = min(|Δ|, |s|) when Δ is against the position; its carried basis is B × closed /
    |s| (exactly B for a full close); its realised PnL is the closed size's edge at the fill
    minus that basis (long) or that basis minus the edge (short): DOWN, two divisions (the
    edge and the pro-rata basis). The opened rest's basis is opened × (fill − F) at the
    trade side's index: UP for a long (it pays more), DOWN for a short (it sold for less).
    The new basis is exactly old − carried + opened (the side sums move by these integers)."""
    size, basis, delta = c.size, c.basis, c.size_delta
    closing = size != 0 and (size > 0) != (delta > 0)
    closed = min(abs(delta), abs(size)) if closing else 0
    opened = abs(delta) - closed
    checks = [
        Check("size", out.size, Fraction(size + delta), Favour.EXACT),
        Check("closed", out.closed, Fraction(closed), Favour.EXACT),
        Check("opened", out.opened, Fraction(opened), Favour.EXACT),
        Check(
            "basis",
            out.basis,
            Fraction(basis - out.closed_basis + out.opened_basis),
            Favour.EXACT,
        ),
    ]
    if closed:
        carried = Fraction(basis * closed, abs(size))
        if size > 0:
            edge = Fraction(closed * (c.fill - c.index_long), WAD)
            realised = edge - carried
            carried_favour = (
                Favour.UP
            )  # a long carries out at least its share: realises less
        else:
            edge = Fraction(closed * (c.fill - c.index_short), WAD)
            realised = carried - edge
            carried_favour = Favour.DOWN
        checks += [
            Check("closed_basis", out.closed_basis, carried, carried_favour),
            Check("realised", out.realised, realised, Favour.DOWN, Fraction(2)),
        ]
        if closed == abs(size):
            checks.append(
                Check(
                    "full close carries B",
                    out.closed_basis,
                    Fraction(basis),
                    Favour.EXACT,
                )
            )
    else:
        checks += [
            Check("closed_basis", out.closed_basis, Fraction(0), Favour.EXACT),
            Check("realised", out.realised, Fraction(0), Favour.EXACT),
        ]
    if opened:
        index = c.index_long if delta > 0 else c.index_short
        checks.append(
            Check(
                "opened_basis",
                out.opened_basis,
                Fraction(opened * (c.fill - index), WAD),
                Favour.UP if delta > 0 else Favour.DOWN,
            )
        )
    else:
        checks.append(
            Check("opened_basis", out.opened_basis, Fraction(0), Favour.EXACT)
        )
    return checks


def fill_exact(c) -> Fraction:
    """oracle × (1 ± (spread + impact)) in the trade's direction (perps.md §4), with
    impact = min(10 %, max(0, skew_after × sign(Δ)) / skew_impact_scale)."""
    directed = c.long_size - c.short_size + c.size_delta
    if c.size_delta < 0:
        directed = -directed
    impact = min(MAX_SKEW_IMPACT, Fraction(max(0, directed), c.skew_impact_scale))
    adjust = Fraction(c.spread, WAD) + impact
    if c.size_delta > 0:
        return c.price * (1 + adjust)
    return c.price * (1 - adjust)


def fill_check(c, got: int) -> Check:
    """Protocol's favour: a buy fills UP, a sell DOWN. Divisions: the impact's (carried by
    price / WAD) and the fill's own."""
    return Check(
        "fill",
        got,
        fill_exact(c),
        Favour.UP if c.size_delta > 0 else Favour.DOWN,
        1 + Fraction(c.price, WAD),
    )


# ---- health (DESIGN.md, Health; health.vy notes) -----------------------------------------
@dataclass(frozen=True)
class HealthFigures:
    """Figures of one account (USD WAD): Fractions for the exact model, ints for the spec."""

    wc_maint: Fraction | int
    wc_init: Fraction | int
    debt: Fraction | int
    pnl: int
    maint_req: int
    init_req: int
    active: bool

    @property
    def pnl_pos(self):
        return max(self.pnl, 0)

    @property
    def pnl_neg(self):
        return max(-self.pnl, 0)

    @property
    def equity_maint(self):
        return self.wc_maint - self.debt + self.pnl

    @property
    def equity_init(self):
        return self.wc_init - self.debt - self.pnl_neg

    @property
    def owed(self):
        return self.debt + self.pnl_neg + self.maint_req

    @property
    def backing(self):
        return self.wc_maint + self.pnl_pos

    @property
    def shortfall(self):
        return self.owed - self.backing

    @property
    def liquidatable(self) -> bool:
        return self.active and self.equity_maint < self.maint_req

    @property
    def allowed(self) -> bool:
        return self.equity_init >= self.init_req

    @property
    def health_factor(self) -> Fraction | None:
        """None = infinite (not active or nothing owed)."""
        if not self.active or self.owed == 0:
            return None
        return Fraction(self.backing * WAD, 1) / self.owed


def _holdings(c) -> list[tuple[int, int, int, int, int]]:
    """(amount, price, decimals, cf, lt) of every token the account's health values: the
    quote (balance + claim) when it holds quote, has a claim or owes debt, then each token."""
    out = []
    if c.quote_balance + c.claim != 0 or c.debt_shares != 0:
        out.append(
            (
                c.quote_balance + c.claim,
                c.quote_price,
                c.quote_decimals,
                c.quote_cf,
                c.quote_lt,
            )
        )
    out += [(t.balance, t.price, t.decimals, t.cf, t.lt) for t in c.tokens]
    return out


def health_exact(c) -> HealthFigures:
    """Every figure never rounded: value = amount × price / 10**decimals, weighted by LT or
    CF; debt = shares × index / WAD quote units at the quote's price."""
    wc_maint = wc_init = Fraction(0)
    for amount, price, decimals, cf, lt in _holdings(c):
        value = Fraction(amount * price, 10**decimals)
        wc_maint += value * lt / WAD
        wc_init += value * cf / WAD
    debt = Fraction(
        c.debt_shares * c.debt_index * c.quote_price, WAD * 10**c.quote_decimals
    )
    return HealthFigures(
        wc_maint,
        wc_init,
        debt,
        sum(p.pnl for p in c.positions),
        sum(p.maint_req for p in c.positions),
        sum(p.init_req for p in c.positions),
        c.debt_shares != 0 or len(c.positions) != 0,
    )


def health_spec(c) -> HealthFigures:
    """The documented figures: each value rounded down, then each weight rounded down;
    the debt in quote units rounded up (as the vault counts it), then its USD value up."""
    wc_maint = wc_init = 0
    for amount, price, decimals, cf, lt in _holdings(c):
        value = floor(Fraction(amount * price, 10**decimals))
        wc_maint += floor(Fraction(value * lt, WAD))
        wc_init += floor(Fraction(value * cf, WAD))
    debt = 0
    if c.debt_shares:
        units = ceil(Fraction(c.debt_shares * c.debt_index, WAD))
        debt = ceil(Fraction(units * c.quote_price, 10**c.quote_decimals))
    exact = health_exact(c)
    return HealthFigures(
        wc_maint,
        wc_init,
        debt,
        exact.pnl,
        exact.maint_req,
        exact.init_req,
        exact.active,
    )


def health_bounds(c) -> tuple[Fraction, Fraction]:
    """(collateral bound, debt bound): two divisions per valued token (the value's wei is
    carried by a weight < 1); the debt's quote-unit wei is carried by quote_price /
    10**quote_decimals, plus its own division."""
    wc = Fraction(2 * len(_holdings(c)))
    debt = (
        1 + Fraction(c.quote_price, 10**c.quote_decimals)
        if c.debt_shares
        else Fraction(0)
    )
    return wc, debt


def health_checks(c, h) -> list[Check]:
    """The Health struct against the exact figures. Protocol's favour: collateral DOWN,
    debt UP, equities DOWN, shortfall UP, health factor DOWN (each vs the never-rounded
    figures, bounds summed over the divisions that feed them)."""
    exact = health_exact(c)
    wc_bound, debt_bound = health_bounds(c)
    total = wc_bound + debt_bound
    checks = [
        Check(
            "wc_maint",
            h.wc_maint,
            exact.wc_maint,
            Favour.DOWN if wc_bound else Favour.EXACT,
            wc_bound,
        ),
        Check(
            "wc_init",
            h.wc_init,
            exact.wc_init,
            Favour.DOWN if wc_bound else Favour.EXACT,
            wc_bound,
        ),
        Check(
            "debt",
            h.debt,
            exact.debt,
            Favour.UP if debt_bound else Favour.EXACT,
            debt_bound,
        ),
        Check(  # one division from the debt in quote units (the vault's books)
            "debt|units",
            h.debt,
            Fraction(
                ceil(Fraction(c.debt_shares * c.debt_index, WAD)) * c.quote_price,
                10**c.quote_decimals,
            ),
            Favour.UP if c.debt_shares else Favour.EXACT,
        ),
        Check("pnl", h.pnl, Fraction(exact.pnl), Favour.EXACT),
        Check("maint_req", h.maint_req, Fraction(exact.maint_req), Favour.EXACT),
        Check("init_req", h.init_req, Fraction(exact.init_req), Favour.EXACT),
        Check(
            "equity_maint",
            h.equity_maint,
            exact.equity_maint,
            Favour.DOWN if total else Favour.EXACT,
            total,
        ),
        Check(
            "equity_init",
            h.equity_init,
            exact.equity_init,
            Favour.DOWN if total else Favour.EXACT,
            total,
        ),
        Check(
            "shortfall",
            h.shortfall,
            exact.shortfall,
            Favour.UP if total else Favour.EXACT,
            total,
        ),
    ]
    checks += compose_checks(h)
    if exact.health_factor is not None and h.health_factor != 2**256 - 1:
        # never above the exact ratio (its inputs are on the protocol's side already)
        checks.append(
            Check(
                "health_factor",
                h.health_factor,
                exact.health_factor,
                Favour.DOWN,
                exact.health_factor + 1,
            )
        )
    return checks


def compose_checks(h) -> list[Check]:
    """The composed figures from the contract's own summed figures: equities and shortfall
    exact, the health factor one division DOWN (max_value when not active or owing nothing)."""
    f = HealthFigures(
        h.wc_maint, h.wc_init, h.debt, h.pnl, h.maint_req, h.init_req, h.active
    )
    checks = [
        Check(
            "equity_maint|figures",
            h.equity_maint,
            Fraction(f.equity_maint),
            Favour.EXACT,
        ),
        Check(
            "equity_init|figures", h.equity_init, Fraction(f.equity_init), Favour.EXACT
        ),
        Check("shortfall|figures", h.shortfall, Fraction(f.shortfall), Favour.EXACT),
    ]
    hf = f.health_factor
    if hf is None:
        checks.append(
            Check(
                "health_factor=max", h.health_factor, Fraction(2**256 - 1), Favour.EXACT
            )
        )
    else:
        checks.append(Check("health_factor|figures", h.health_factor, hf, Favour.DOWN))
    return checks


def health_decisions(c, h, allowed: bool) -> list[tuple[str, bool, bool]]:
    """(name, contract, model): liquidatable and allowed identical to the documented rule on
    the documented figures; the health factor below 1 exactly when liquidatable."""
    spec = health_spec(c)
    out = [
        ("active", h.active, spec.active),
        ("liquidatable", h.liquidatable, spec.liquidatable),
        ("allowed", allowed, spec.allowed),
    ]
    if h.active and spec.owed != 0:
        out.append(("health<1 iff liquidatable", h.health_factor < WAD, h.liquidatable))
    return out


def protocol_side_decisions(c, h, allowed: bool) -> list[str]:
    """Against the never-rounded figures: a decision may differ only in the protocol's
    favour (liquidatable when the exact figures say healthy; refused when they allow)."""
    exact = health_exact(c)
    problems = []
    if exact.liquidatable and not h.liquidatable:
        problems.append("exact liquidatable, contract not")
    if allowed and not exact.allowed:
        problems.append("contract allows what the exact figures refuse")
    return problems


# ---- liquidation (DESIGN.md, Liquidation step 3; docs/liquidation.md) --------------------
def full_close(
    bucket: bool, health: int, bonus: int, lt: int, debt: int, min_debt: int
) -> bool:
    """A full close: a bucket, health < max(0.95, (1 + bonus) × LT), or the rest of the
    largest partial repay (⌊CF × debt⌋: a repay is whole quote units) below min debt."""
    threshold = max(FULL_CLOSE_HEALTH, Fraction(WAD + bonus, WAD) * Fraction(lt, WAD))
    largest_partial = floor(CLOSE_FACTOR * debt)
    return (
        bucket or Fraction(health, WAD) < threshold or debt - largest_partial < min_debt
    )


def seize_exact(repay: int | Fraction, p) -> Fraction:
    """Token units worth `repay` quote units plus the bonus: repay × q / quote_unit ×
    (1 + bonus) × token_unit / p."""
    usd = Fraction(repay * p.quote_price, p.quote_unit)
    return usd * Fraction(WAD + p.bonus, WAD) * p.token_unit / p.token_price


def repay_exact(balance: int, p) -> Fraction:
    """Quote units that buy `balance` at the bonus: value / (1 + bonus) in quote units."""
    usd = Fraction(balance * p.token_price, p.token_unit)
    return usd * WAD / (WAD + p.bonus) * p.quote_unit / p.quote_price


def seize_bound(p) -> Fraction:
    """seize = ⌊⌊⌊repay × q⌋ × (1 + b)⌋ × unit / p⌋: the USD wei of the first two divisions
    are carried into token units by (1 + b) × unit / p and unit / p."""
    per_usd = Fraction(p.token_unit, p.token_price)
    return 1 + per_usd + Fraction(WAD + p.bonus, WAD) * per_usd


def repay_bound(p) -> Fraction:
    """repay = ⌈⌈⌈value⌉ / (1 + b)⌉ × quote_unit / q⌉ (every step rounded up: the liquidator
    pays at least what it takes): the USD wei are carried into quote units by
    quote_unit / q (the first also by 1 / (1 + b) < 1)."""
    return 1 + 2 * Fraction(p.quote_unit, p.quote_price)


def liquidation_checks(
    c, out
) -> tuple[list[Check], list[tuple[str, bool, bool]], bool]:
    """One liquidation in one token against the documented rule, evaluated exactly.

    Protocol's favour (against the liquidator, so the liquidated account keeps the rest):
    a seize is DOWN (never more than the repay's value plus the bonus), a repay for a
    whole balance is UP (never less than its value over 1 + bonus). Returns the checks,
    the decisions, and whether the case sat on a rounding boundary of a branch (the
    branch then may go either way; the invariants still hold)."""
    p = c.pricing
    full = full_close(c.bucket, c.health_factor, p.bonus, c.lt, c.debt, c.min_debt)
    decisions = [("full close", out.full, full)]
    if out.full != full:  # reported above; follow the contract's branch for the amounts
        full = out.full
    s_bound, r_bound = seize_bound(p), repay_bound(p)
    checks = [
        Check(
            "seize_for(cap)",
            out.seize_for_cap,
            seize_exact(c.cap, p),
            Favour.DOWN,
            s_bound,
        ),
        Check(
            "repay_for(balance)",
            out.repay_for_balance,
            repay_exact(c.balance, p),
            Favour.UP,
            r_bound,
        ),
    ]
    # The rule, evaluated exactly; `boundary` marks a branch taken within a rounding bound.
    boundary = False
    repay = min(c.cap, c.debt)
    if not full:
        repay = min(repay, floor(CLOSE_FACTOR * c.debt))
    wanted = seize_exact(repay, p)
    if abs(wanted - c.balance) < s_bound:
        boundary = True
    capped = wanted >= c.balance
    if capped:
        seize = Fraction(c.balance)
        need = repay_exact(c.balance, p)
        if abs(need - repay) < r_bound:
            boundary = True
        repay_f = min(Fraction(repay), need)
    else:
        seize = wanted
        repay_f = Fraction(repay)
    rest = c.debt - repay_f
    # a repay shrunk to the balance is rounded: its rest is known within r_bound only
    if repay_f != repay and (abs(rest) < r_bound or abs(rest - c.min_debt) < r_bound):
        boundary = True
    if 0 < rest < c.min_debt and (seize < c.balance or c.others):
        if c.debt > c.min_debt:
            repay_f = Fraction(c.debt - c.min_debt)
        seize = min(seize_exact(repay_f, p), Fraction(c.balance))
        if abs(seize_exact(repay_f, p) - c.balance) < s_bound:
            boundary = True
    # Invariants that hold on every branch.
    invariants = [
        ("repay <= cap", out.repay <= c.cap, True),
        ("repay <= debt", out.repay <= c.debt, True),
        ("seize <= balance", out.seize <= c.balance, True),
    ]
    # the liquidator never gets more than the repay's value plus the bonus (as a figure:
    # the repay is never below the seized tokens' value over 1 + bonus)
    checks.append(
        Check(
            "repay vs value of seize",
            out.repay,
            repay_exact(out.seize, p),
            Favour.UP,
            Fraction(c.debt + 1),
        )
    )
    if not out.full:  # the dust rule only ever shrinks a repay
        invariants.append(
            ("repay <= close factor", out.repay <= floor(CLOSE_FACTOR * c.debt), True)
        )
    decisions += invariants
    if not boundary:
        # the branch is certain: the figures must match the exact rule within their bounds
        checks += [
            Check(
                "repay",
                out.repay,
                repay_f,
                Favour.UP if capped and repay_f < repay else Favour.EXACT,
                r_bound,
            ),
            Check(
                "seize",
                out.seize,
                seize,
                Favour.DOWN if seize < c.balance else Favour.EXACT,
                s_bound,
            ),
        ]
    return checks, decisions, boundary
