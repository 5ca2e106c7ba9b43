"""The lab's traders: strategies, and how each margin mode holds the same strategy.

A strategy *instance* is drawn once (family, size, leverage, loan-to-value, direction) and
then held by one trader per mode, each with their own funds, so every comparison between
modes is between twins holding the same positions on the same total collateral:

- **isolated**: every leg in its own bucket (a perp leg's bucket holds its share of the
  USDC margin; a loan leg's bucket holds its collateral token and its loan);
- **cross**: every leg in one cross account (all the margin, all the collateral, one loan);
- **mixed**: the strategy's core legs in one cross account, each satellite leg (the MEME
  exposure) in its own bucket. Only families with a satellite have a mixed twin.

Sizes are in USD at the opening prices; ``Population.plan(prices)`` turns them into
token units for one scenario. Perp sizes are scaled so that every market side stays below
60% of its open-interest cap summed over all twins (``fit_caps``); the LP deposit is sized
from the population (``lp_deposit``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from web3 import Web3

from scripts._sim.paths import sub_seed

ISOLATED, CROSS, MIXED = "isolated", "cross", "mixed"
MODES = (ISOLATED, CROSS, MIXED)
MODE_ID = {ISOLATED: 1, CROSS: 2}

# family: (weight, modes, description)
FAMILIES: dict[str, tuple[float, tuple[str, ...], str]] = {
    "hedge": (
        0.25,
        (ISOLATED, CROSS),
        "long one of ETH/BTC, short the other, equal notional (the pair trade)",
    ),
    "hedge+meme_loan": (
        0.15,
        (ISOLATED, CROSS, MIXED),
        "the pair trade plus a USDC loan against MEME (satellite)",
    ),
    "directional": (
        0.20,
        (ISOLATED, CROSS),
        "one leveraged ETH or BTC perp, long or short",
    ),
    "basket": (
        0.15,
        (ISOLATED, CROSS, MIXED),
        "ETH and BTC perps on one side plus a small MEME perp long (satellite)",
    ),
    "borrower": (
        0.15,
        (ISOLATED, CROSS),
        "USDC loan against WETH and WBTC",
    ),
    "borrower+meme": (
        0.10,
        (ISOLATED, CROSS, MIXED),
        "USDC loan against WETH, plus MEME collateral with its own loan (satellite)",
    ),
}

LEVERAGE = {"ETH": (2.0, 8.5), "BTC": (2.0, 8.5), "MEME": (1.3, 2.4)}
LTV_USE = (0.5, 0.95)  # borrow = use x collateral factor x collateral value
MARGIN_MEDIAN_USD = 2_000.0
MARGIN_SIGMA = 0.8
MARGIN_RANGE = (200.0, 40_000.0)
BORROWER_COLLATERAL_X = 4.0  # a borrower brings this many times its draw in collateral
CAP_USE = 0.6  # population OI per market side at most this share of the market's cap
MIN_NOTIONAL_X = 1.5  # perp legs at least this multiple of the market's min notional


@dataclass(frozen=True)
class Leg:
    """One exposure of a strategy, in USD at the opening prices."""

    kind: str  # "perp" | "loan"
    core: bool  # mixed mode: core legs share the cross account; satellites get buckets
    market: str = ""  # perp: market name
    side: int = 0  # perp: +1 long, -1 short
    notional: float = 0.0  # perp: USD
    margin: float = 0.0  # perp: USDC margin of its share (a bucket's deposit)
    token: str = ""  # loan: collateral symbol
    collateral: float = 0.0  # loan: USD value of the collateral
    borrow: float = 0.0  # loan: USDC borrowed

    def scaled(self, k: float) -> Leg:
        return Leg(
            self.kind,
            self.core,
            self.market,
            self.side,
            self.notional * k,
            self.margin * k,
            self.token,
            self.collateral * k,
            self.borrow * k,
        )

    def text(self) -> str:
        if self.kind == "perp":
            side = "long" if self.side > 0 else "short"
            return f"{side} {self.market} {self.notional:,.0f} USD on {self.margin:,.0f} USDC"
        return f"{self.token} {self.collateral:,.0f} USD, loan {self.borrow:,.0f} USDC"


@dataclass
class Instance:
    id: int
    family: str
    legs: list[Leg]
    modes: tuple[str, ...]

    @property
    def deposit_usd(self) -> float:
        return sum(
            leg.margin if leg.kind == "perp" else leg.collateral for leg in self.legs
        )

    def holds(self, symbol: str, market: str) -> bool:
        return any(
            (leg.kind == "perp" and leg.market == market)
            or (leg.kind == "loan" and leg.token == symbol)
            for leg in self.legs
        )


@dataclass
class AccountPlan:
    """One engine account of one trader, in token units for one scenario's prices."""

    mode: int  # 1 isolated bucket, 2 cross account
    legs: list[Leg]
    deposits: dict[str, int]  # symbol -> token units (USDC margin included)
    borrow: int  # USDC units
    positions: list[tuple[str, int]]  # (market, signed WAD size)
    account_id: int = 0  # set once opened

    def holds(self, symbol: str, market: str) -> bool:
        return symbol in self.deposits or any(m == market for m, _ in self.positions)

    @property
    def kind(self) -> str:
        """bucket-perp, bucket-loan or cross (the report's account types)."""
        if self.mode == 2:
            return "cross"
        return "bucket-perp" if self.positions else "bucket-loan"


@dataclass
class Trader:
    index: int
    address: str
    instance: Instance
    mode: str
    accounts: list[AccountPlan] = field(default_factory=list)

    @property
    def family(self) -> str:
        return self.instance.family


def trader_address(index: int) -> str:
    """A fixed address per trader index (impersonated on the lab's anvil)."""
    return Web3.to_checksum_address(
        Web3.keccak(text=f"bulkhead-risk-lab-trader-{index}")[-20:]
    )


class Population:
    """``n`` traders drawn from ``seed``: one instance of each family first, then
    families by weight, until n traders (the last instance may hold fewer modes); sized
    against the markets' caps."""

    def __init__(
        self,
        n: int,
        seed: int,
        markets: dict[str, dict],
        collaterals: dict[str, dict],
        prices: dict[str, float],
        quote: str = "USDC",
    ):
        self.n = n
        self.seed = seed
        self.markets = markets  # name -> {"asset", "initial_margin", "min_notional", "oi_cap", ...}
        self.collaterals = collaterals  # symbol -> {"collateral_factor", ...}
        self.quote = quote
        self.instances: list[Instance] = []
        self.traders: list[Trader] = []
        self.scale = 1.0
        self.meme_scale = 1.0
        self._draw(prices)
        self.fit_caps()

    # -- drawing --
    def _draw(self, prices: dict[str, float]) -> None:
        rng = np.random.default_rng(sub_seed(self.seed, "population"))
        names = list(FAMILIES)
        weights = np.array([FAMILIES[f][0] for f in names])
        weights = weights / weights.sum()
        count = 0
        # one instance of each family first (while all its twins fit), so that even a
        # small population holds every strategy; then families by weight
        first = list(names)
        while count < self.n:
            if first and len(FAMILIES[first[0]][1]) <= self.n - count:
                family = first.pop(0)
            else:
                first = []
                family = names[int(rng.choice(len(names), p=weights))]
            legs = self._legs(rng, family)
            modes = FAMILIES[family][1][: self.n - count]
            inst = Instance(len(self.instances), family, legs, modes)
            self.instances.append(inst)
            for mode in modes:
                self.traders.append(Trader(count, trader_address(count), inst, mode))
                count += 1

    def _legs(self, rng: np.random.Generator, family: str) -> list[Leg]:
        margin = float(
            np.clip(
                MARGIN_MEDIAN_USD * math.exp(MARGIN_SIGMA * rng.standard_normal()),
                *MARGIN_RANGE,
            )
        )

        def perp(market: str, side: int, m: float, core: bool = True) -> Leg:
            lo, hi = LEVERAGE[market]
            lev = float(rng.uniform(lo, hi))
            return Leg(
                "perp", core, market=market, side=side, notional=m * lev, margin=m
            )

        def loan(token: str, value: float, core: bool = True) -> Leg:
            use = float(rng.uniform(*LTV_USE))
            cf = self.collaterals[token]["collateral_factor"]
            return Leg(
                "loan", core, token=token, collateral=value, borrow=value * cf * use
            )

        side = 1 if rng.random() < 0.5 else -1
        if family == "hedge":
            lev = float(rng.uniform(*LEVERAGE["ETH"]))
            return [
                Leg("perp", True, "ETH", side, margin / 2 * lev, margin / 2),
                Leg("perp", True, "BTC", -side, margin / 2 * lev, margin / 2),
            ]
        if family == "hedge+meme_loan":
            lev = float(rng.uniform(*LEVERAGE["ETH"]))
            m = margin * 0.75
            return [
                Leg("perp", True, "ETH", side, m / 2 * lev, m / 2),
                Leg("perp", True, "BTC", -side, m / 2 * lev, m / 2),
                loan("MEME", margin * 0.25, core=False),
            ]
        if family == "directional":
            market = "ETH" if rng.random() < 0.6 else "BTC"
            return [perp(market, side, margin)]
        if family == "basket":
            side = 1 if rng.random() < 0.6 else -1
            lev = float(rng.uniform(*LEVERAGE["ETH"]))
            return [
                Leg("perp", True, "ETH", side, margin * 0.45 * lev, margin * 0.45),
                Leg("perp", True, "BTC", side, margin * 0.45 * lev, margin * 0.45),
                perp("MEME", 1, margin * 0.10, core=False),
            ]
        if family == "borrower":
            value = margin * BORROWER_COLLATERAL_X
            share = float(rng.uniform(0.3, 0.7))
            return [loan("WETH", value * share), loan("WBTC", value * (1 - share))]
        if family == "borrower+meme":
            value = margin * BORROWER_COLLATERAL_X
            return [loan("WETH", value * 0.7), loan("MEME", value * 0.3, core=False)]
        raise ValueError(family)

    # -- sizing --
    def side_totals(self) -> dict[tuple[str, int], float]:
        """USD notional per (market, side) over every trader (twins each count)."""
        totals: dict[tuple[str, int], float] = {}
        for t in self.traders:
            for leg in t.instance.legs:
                if leg.kind == "perp":
                    key = (leg.market, leg.side)
                    totals[key] = totals.get(key, 0.0) + leg.notional
        return totals

    def fit_caps(self) -> None:
        """Scale every instance so no ETH/BTC market side passes CAP_USE of its cap, and the
        MEME perp legs alone so their side fits MEME's (small) cap; drop MEME perp legs
        that would fall below MIN_NOTIONAL_X x the market's min notional."""
        totals = self.side_totals()
        scale = 1.0
        for (market, _), total in totals.items():
            if market == "MEME" or total == 0:
                continue
            scale = min(scale, CAP_USE * self.markets[market]["oi_cap"] / total)
        self.scale = scale
        for inst in self.instances:
            inst.legs = [leg.scaled(scale) for leg in inst.legs]
        meme = sum(t for (m, _), t in self.side_totals().items() if m == "MEME")
        cap = self.markets["MEME"]["oi_cap"] if "MEME" in self.markets else 0.0
        self.meme_scale = min(1.0, CAP_USE * cap / meme) if meme else 1.0
        floor = MIN_NOTIONAL_X * self.markets.get("MEME", {}).get("min_notional", 0.0)
        for inst in self.instances:
            legs = []
            for leg in inst.legs:
                if leg.kind == "perp" and leg.market == "MEME":
                    leg = leg.scaled(self.meme_scale)
                    if leg.notional < floor:
                        continue  # below the market's minimum: the instance holds no MEME perp
                legs.append(leg)
            inst.legs = legs

    def lp_deposit(self) -> float:
        """USDC the LPs deposit: enough that every side's OI is within oi_share of the
        vault (with room), and utilisation from the loans is about 60% at most."""
        borrow = sum(leg.borrow for t in self.traders for leg in t.instance.legs)
        need = max(1_000_000.0, borrow / 0.6)
        for (market, _), total in self.side_totals().items():
            share = self.markets[market]["oi_share"]
            if share > 0:
                need = max(need, total / (CAP_USE * share))
        return float(math.ceil(need / 100_000) * 100_000)

    # -- a scenario's plan --
    def plan(self, prices: dict[str, float], decimals: dict[str, int]) -> None:
        """Give every trader its accounts in token units at `prices` (USD per token)."""
        q = self.quote

        def units(symbol: str, usd: float) -> int:
            return int(usd / prices[symbol] * 10 ** decimals[symbol])

        def size(leg: Leg) -> int:
            asset = self.markets[leg.market]["asset"]
            return leg.side * int(leg.notional / prices[asset] * 10**18)

        def account(mode: int, legs: list[Leg]) -> AccountPlan:
            deposits: dict[str, int] = {}
            borrow = 0
            positions = []
            for leg in legs:
                if leg.kind == "perp":
                    deposits[q] = deposits.get(q, 0) + units(q, leg.margin)
                    positions.append((leg.market, size(leg)))
                else:
                    deposits[leg.token] = deposits.get(leg.token, 0) + units(
                        leg.token, leg.collateral
                    )
                    borrow += units(q, leg.borrow)
            return AccountPlan(mode, list(legs), deposits, borrow, positions)

        for t in self.traders:
            legs = t.instance.legs
            if t.mode == ISOLATED:
                t.accounts = [account(1, [leg]) for leg in legs]
            elif t.mode == CROSS:
                t.accounts = [account(2, legs)]
            else:
                core = [leg for leg in legs if leg.core]
                t.accounts = [account(2, core)] + [
                    account(1, [leg]) for leg in legs if not leg.core
                ]

    def summary(self) -> dict:
        by_family: dict[str, dict] = {}
        for inst in self.instances:
            row = by_family.setdefault(
                inst.family, {"instances": 0, "traders": 0, "deposit_usd": 0.0}
            )
            row["instances"] += 1
            row["traders"] += len(inst.modes)
            row["deposit_usd"] += inst.deposit_usd * len(inst.modes)
        by_mode = {m: sum(1 for t in self.traders if t.mode == m) for m in MODES}
        return {
            "traders": len(self.traders),
            "instances": len(self.instances),
            "by_mode": by_mode,
            "by_family": by_family,
            "scale": self.scale,
            "meme_perp_scale": self.meme_scale,
            "side_notional_usd": {
                f"{m} {'long' if s > 0 else 'short'}": v
                for (m, s), v in sorted(self.side_totals().items())
            },
        }
