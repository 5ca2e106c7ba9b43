"""Price paths the lab replays through the oracle's mock feeds.

A path is a list of steps: step 0 is the opening (the population trades at its prices),
every later step publishes one answer per feed at its time and lets the bot act. Four
kinds:

- ``calm``: correlated geometric random walks (no drift), yearly volatilities and
  correlations below.
- ``crash``: the calm walk, then one asset gaps down in a single step (default MEME -60%
  on day 3): no feed update in between, so nothing can be liquidated on the way down.
- ``drawdown``: a market-wide move: every asset follows one market factor (down
  ``depth`` over ``length`` hours from day 3, then back up a ``recovery`` share of the
  fall), times its beta, plus small idiosyncratic noise. ETH and BTC have beta 1, so a
  long-ETH/short-BTC pair barely moves while each leg alone moves with the market.
- ``csv``: a user's file (format in docs/simulate.md and ``read_csv``).

All random numbers come from ``numpy.random.default_rng(seed)``; a path's seed is derived
from the run's seed and the path's name, so adding a scenario never changes another.
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Yearly volatility and beta to the market factor of each asset; the quote is fixed at 1.
VOLS = {"WETH": 0.60, "WBTC": 0.50, "MEME": 1.50}
BETAS = {"WETH": 1.0, "WBTC": 1.0, "MEME": 1.6}
# Correlations of the calm walk (symmetric; pairs not listed: 0.5).
CORR = {("WETH", "WBTC"): 0.85, ("WETH", "MEME"): 0.5, ("WBTC", "MEME"): 0.45}
IDIO_VOL = 0.15  # yearly, the drawdown's noise around the factor
HOURS_PER_YEAR = 365 * 24


@dataclass
class PricePath:
    name: str
    title: str
    description: str
    hours: list[float]  # time of each step from the opening, hours (step 0 = 0)
    prices: dict[str, list[float]]  # symbol -> USD per whole token, one per step
    marks: list[tuple[float, str]] = field(
        default_factory=list
    )  # (hour, label) for plots
    # a gap in one asset: {"asset": symbol, "step": k, "size": fall}; the report checks
    # that the step liquidates only accounts exposed to it
    shock: dict | None = None

    @property
    def steps(self) -> int:
        return len(self.hours)

    def at(self, step: int) -> dict[str, float]:
        return {symbol: series[step] for symbol, series in self.prices.items()}

    def digest(self) -> str:
        """sha256 of the steps as published (times and every price), for the report."""
        h = hashlib.sha256()
        for i, hour in enumerate(self.hours):
            h.update(f"{hour:.6f}".encode())
            for symbol in sorted(self.prices):
                h.update(f"{symbol}={self.prices[symbol][i]:.12g}".encode())
        return h.hexdigest()


def sub_seed(seed: int, name: str) -> int:
    """A path's own seed: the run's seed and the path's name, hashed."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _grid(days: float, step_hours: float) -> list[float]:
    n = int(round(days * 24 / step_hours))
    return [round(i * step_hours, 6) for i in range(n + 1)]


def _correlated_returns(
    rng: np.random.Generator, symbols: list[str], n: int, dt_years: float
) -> np.ndarray:
    """n x len(symbols) log returns of a driftless correlated GBM (E[price] constant)."""
    k = len(symbols)
    corr = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            pair = (symbols[i], symbols[j])
            c = CORR.get(pair, CORR.get((pair[1], pair[0]), 0.5))
            corr[i, j] = corr[j, i] = c
    vols = np.array([VOLS.get(s, 0.8) for s in symbols])
    chol = np.linalg.cholesky(corr)
    z = rng.standard_normal((n, k)) @ chol.T
    return z * vols * math.sqrt(dt_years) - 0.5 * vols**2 * dt_years


def calm(
    start: dict[str, float],
    days: float,
    step_hours: float,
    seed: int,
    name: str = "calm",
) -> PricePath:
    hours = _grid(days, step_hours)
    symbols = sorted(start)
    rng = np.random.default_rng(sub_seed(seed, name))
    returns = _correlated_returns(
        rng, symbols, len(hours) - 1, step_hours / HOURS_PER_YEAR
    )
    levels = np.vstack([np.zeros(len(symbols)), np.cumsum(returns, axis=0)])
    prices = {
        s: [float(start[s] * math.exp(x)) for x in levels[:, i]]
        for i, s in enumerate(symbols)
    }
    vols = ", ".join(f"{s} {VOLS.get(s, 0.8):.0%}" for s in symbols)
    return PricePath(
        name,
        "Calm random walk",
        f"{days:g} days of correlated driftless random walks in {step_hours:g} h steps "
        f"(yearly volatility {vols}; ETH/BTC correlation {CORR[('WETH', 'WBTC')]}).",
        hours,
        prices,
    )


def crash(
    start: dict[str, float],
    days: float,
    step_hours: float,
    seed: int,
    asset: str = "MEME",
    size: float = 0.6,
    at_day: float = 3.0,
    name: str = "crash",
) -> PricePath:
    path = calm(start, days, step_hours, seed, name)
    k = next(i for i, h in enumerate(path.hours) if h >= at_day * 24)
    path.prices[asset] = [
        p * (1 - size) if i >= k else p for i, p in enumerate(path.prices[asset])
    ]
    path.title = f"Gap crash: {asset} -{size:.0%}"
    path.description = (
        f"The calm walk, except that {asset} gaps down {size:.0%} in one step at hour "
        f"{path.hours[k]:g} (no feed update on the way down), then walks on from there."
    )
    path.marks = [(path.hours[k], f"{asset} -{size:.0%}")]
    path.shock = {"asset": asset, "step": k, "size": size}
    return path


def drawdown(
    start: dict[str, float],
    days: float,
    step_hours: float,
    seed: int,
    depth: float = 0.30,
    start_day: float = 3.0,
    length_hours: float = 48.0,
    recovery: float = 0.3,
    name: str = "drawdown",
) -> PricePath:
    hours = _grid(days, step_hours)
    symbols = sorted(start)
    rng = np.random.default_rng(sub_seed(seed, name))
    t0, t1 = start_day * 24, start_day * 24 + length_hours
    floor = math.log(1 - depth)

    def factor(hour: float) -> float:
        """The market's log level: 0, down linearly to log(1 - depth), then part way back."""
        if hour <= t0:
            return 0.0
        if hour <= t1:
            return floor * (hour - t0) / (t1 - t0)
        rest = max(hours[-1] - t1, 1e-9)
        return floor * (1 - recovery * min(1.0, (hour - t1) / rest))

    dt = step_hours / HOURS_PER_YEAR
    noise = (
        rng.standard_normal((len(hours) - 1, len(symbols))) * IDIO_VOL * math.sqrt(dt)
    )
    idio = np.vstack([np.zeros(len(symbols)), np.cumsum(noise, axis=0)])
    prices = {}
    for i, s in enumerate(symbols):
        beta = BETAS.get(s, 1.0)
        prices[s] = [
            float(start[s] * math.exp(beta * factor(h) + idio[k, i]))
            for k, h in enumerate(hours)
        ]
    betas = ", ".join(f"{s} {BETAS.get(s, 1.0):g}" for s in symbols)
    return PricePath(
        name,
        f"Market-wide drawdown -{depth:.0%}",
        f"Every asset follows one market factor: flat until hour {t0:g}, down {depth:.0%} "
        f"over {length_hours:g} h, then back up {recovery:.0%} of the fall by day {days:g}; "
        f"betas {betas}; idiosyncratic noise {IDIO_VOL:.0%}/yr.",
        hours,
        prices,
        marks=[(t0, "drawdown starts"), (t1, "bottom")],
    )


class PathError(ValueError):
    """A price CSV the lab cannot replay; the message names the row and column."""


def read_csv(path: Path, start: dict[str, float], name: str = "csv") -> PricePath:
    """A user's price path. Format (docs/simulate.md):

    - ``#`` lines are comments; the first other line is the header;
    - the first column is ``hours`` (time since the opening; starts at 0, strictly rising);
    - every other column is a feed symbol of the config (WETH, WBTC, MEME, USDC, ...);
      symbols left out stay at their start price;
    - cells are USD per whole token (> 0); an empty cell repeats the row above.
    """
    path = Path(path)
    rows = [
        line
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(rows) < 2:
        raise PathError(f"{path}: needs a header and at least two rows of prices")
    reader = list(csv.reader(rows))
    header = [cell.strip() for cell in reader[0]]
    if not header or header[0].lower() != "hours":
        raise PathError(f"{path}: the first column must be 'hours', not {header[:1]}")
    unknown = [s for s in header[1:] if s not in start]
    if unknown:
        raise PathError(
            f"{path}: unknown symbols {unknown} (the config's feeds: {sorted(start)})"
        )
    hours: list[float] = []
    prices = {s: [] for s in start}
    for line_no, cells in enumerate(reader[1:], start=2):
        cells = [c.strip() for c in cells]
        if len(cells) != len(header):
            raise PathError(
                f"{path}: row {line_no} has {len(cells)} cells, header {len(header)}"
            )
        try:
            hour = float(cells[0])
        except ValueError:
            raise PathError(
                f"{path}: row {line_no}: hours {cells[0]!r} is not a number"
            ) from None
        if (not hours and hour != 0) or (hours and hour <= hours[-1]):
            raise PathError(
                f"{path}: row {line_no}: hours must start at 0 and rise strictly ({hour})"
            )
        hours.append(hour)
        given = dict(zip(header[1:], cells[1:]))
        for s in start:
            cell = given.get(s, "")
            if cell == "":
                prices[s].append(prices[s][-1] if prices[s] else float(start[s]))
                continue
            try:
                value = float(cell)
            except ValueError:
                raise PathError(
                    f"{path}: row {line_no}, {s}: {cell!r} is not a number"
                ) from None
            if not value > 0:
                raise PathError(
                    f"{path}: row {line_no}, {s}: price must be > 0 ({cell})"
                )
            prices[s].append(value)
    listed = ", ".join(header[1:])
    return PricePath(
        name,
        f"CSV: {path.name}",
        f"Prices read from {path.name} ({len(hours)} rows over {hours[-1]:g} h; columns "
        f"{listed}; other feeds held at their start prices).",
        hours,
        prices,
    )


def with_quote(prices: dict[str, float], quote: str) -> dict[str, float]:
    """The feeds a path drives: every non-quote symbol (the quote stays at its price)."""
    return {s: p for s, p in prices.items() if s != quote}
