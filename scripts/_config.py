"""Deployment config: one YAML file per network under ``config/``, validated before any
transaction. A bad config (unknown key, broken bound, missing or malformed address) raises a
``ConfigError`` whose message names the field, e.g. ``oracle.feeds.WETH.min_price``.

This module checks what can be checked offline (types, bounds, cross-field rules). What needs
the chain (code at every address, on-chain decimals, chain id) is checked by
``scripts._deploy.preflight``, also before any transaction. docs/deploy.md explains every field.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Optional

import yaml
from eth_utils import is_checksum_address, to_checksum_address
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from scripts._constants import WAD

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "config"

# Mirrors of the on-chain bounds (contracts/OracleAdapter.vy), so a config that the adapter
# would reject fails here, before the first transaction.
MAX_HEARTBEAT = 7 * 86400  # OracleAdapter.MAX_HEARTBEAT, seconds
MAX_DEVIATION = Decimal("0.1")  # OracleAdapter.MAX_DEVIATION (exclusive), ratio
MAX_PRICE_USD = Decimal(
    10**18
)  # OracleAdapter.PRICE_CEILING / WAD, USD per whole token
MAX_GRACE_PERIOD = 86400  # OracleAdapter.MAX_GRACE_PERIOD, seconds
SECONDS_PER_YEAR = 365 * 86400  # interest_model.SECONDS_PER_YEAR
MAX_BORROW_RATE_PER_YEAR = Decimal(
    10
)  # interest_model.MAX_BORROW_RATE (1000%/yr), ratio
MAX_MIN_DEBT_UNITS = 1_000_000  # constants.MAX_MIN_DEBT_UNITS, whole quote units
# Perp market bounds (MarketRegistry / modules/markets.vy `_configure`, constants.vy).
MAX_MARKETS = 31  # constants.MAX_MARKETS
MAX_SPREAD = Decimal("0.1")  # constants.MAX_SPREAD / WAD (inclusive), ratio
# constants.MAX_FUNDING_RATE = WAD // 86,400 per second: 100%/day
MAX_FUNDING_RATE_PER_DAY = Decimal(1)
SECONDS_PER_DAY = 86_400
# Scales and USD amounts are stored in 128-bit fields (markets.vy `w._fit(..., FIELD)`).
MARKET_FIELD_MAX = 2**128 - 1
# MarketParams field order (interfaces/IMarketRegistry.vyi): the tuple `list_market` takes.
MARKET_PARAM_FIELDS = (
    "initial_margin",
    "maintenance_margin",
    "trading_fee",
    "liquidation_fee",
    "spread",
    "skew_impact_scale",
    "max_funding_rate",
    "skew_scale",
    "min_notional",
    "oi_cap",
    "oi_share",
    "enabled",
)


class ConfigError(ValueError):
    """A config file that must not be deployed; the message names the offending field(s).

    ``fields`` holds the dotted field paths, in the order found, for callers and tests.
    """

    def __init__(self, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.fields = fields or []


class FieldProblems(ValueError):
    """Raised inside model validators: (field relative to the model, message) pairs, so the
    loader can report the exact field instead of the enclosing model."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


def _address(value: str) -> str:
    """A 20-byte hex address; mixed case must be a valid EIP-55 checksum (catches typos)."""
    if not isinstance(value, str) or len(value) != 42 or not value.startswith("0x"):
        raise ValueError("not a 0x-prefixed 20-byte hex address")
    try:
        int(value[2:], 16)
    except ValueError:
        raise ValueError("not a 0x-prefixed 20-byte hex address") from None
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise ValueError("bad EIP-55 checksum (typo?)")
    if int(body, 16) == 0:
        raise ValueError("zero address")
    return to_checksum_address(value)


Address = Annotated[str, AfterValidator(_address)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuoteConfig(_Strict):
    symbol: str = Field(min_length=1, max_length=16)
    token: Optional[Address] = None
    decimals: int = Field(ge=6, le=18)


class FeedConfig(_Strict):
    token: Optional[Address] = None
    token_decimals: Optional[int] = Field(default=None, ge=0, le=18)
    feed: Optional[Address] = None
    feed_decimals: int = Field(ge=1, le=18)
    heartbeat: int = Field(gt=0, le=MAX_HEARTBEAT)
    deviation: Decimal = Field(gt=0, lt=MAX_DEVIATION)
    min_price: Decimal = Field(gt=0)
    max_price: Decimal = Field(gt=0, le=MAX_PRICE_USD)
    # Local chains: the mock feed's first answer. Live configs: the answer an offline fork
    # (scripts/_fork.py) places at the real feed address; never sent to a live chain.
    mock_price: Optional[Decimal] = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _band(self):
        low, high, mock = self.min_price, self.max_price, self.mock_price
        problems = []
        if low >= high:
            problems.append(("min_price", f"must be below max_price ({low} >= {high})"))
        elif mock is not None and not low <= mock <= high:
            band = f"[{low}, {high}]"
            problems.append(
                ("mock_price", f"must lie within [min_price, max_price] = {band}")
            )
        if low * 10**self.feed_decimals < 1:
            unit = f"{self.feed_decimals}-decimal"
            problems.append(("min_price", f"below one unit of a {unit} feed answer"))
        if problems:
            raise FieldProblems(problems)
        return self


class OracleConfig(_Strict):
    sequencer_feed: Optional[Address] = None
    mock_sequencer: bool = False
    grace_period: int = Field(default=3600, ge=1, le=MAX_GRACE_PERIOD)
    feeds: dict[str, FeedConfig] = Field(min_length=1)


class InterestConfig(_Strict):
    """The vault's kinked borrow-rate curve as yearly rates (deployed as WAD per second)."""

    # rate at 0% utilisation, per year
    base_rate: Decimal = Field(ge=0)
    # added from 0% utilisation to the kink, per year
    slope1: Decimal = Field(ge=0)
    # added from the kink to 100% utilisation, per year
    slope2: Decimal = Field(ge=0)
    # utilisation ratio where slope2 starts
    kink: Decimal = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _cap(self):
        if self.base_rate + self.slope1 + self.slope2 > MAX_BORROW_RATE_PER_YEAR:
            message = "base_rate + slope1 + slope2 above the vault's 10 (1000%/yr) cap"
            raise FieldProblems([("slope2", message)])
        return self


class VaultConfig(_Strict):
    # LP share token name and symbol
    name: str = Field(min_length=1, max_length=64)
    symbol: str = Field(min_length=1, max_length=32)
    interest: InterestConfig
    # share of interest and fees kept as the reserve, ratio
    reserve_factor: Decimal = Field(ge=0, le=1)


class EngineConfig(_Strict):
    # smallest debt an account may keep, whole quote units
    min_debt: Decimal = Field(default=Decimal(10), gt=0, le=MAX_MIN_DEBT_UNITS)


class CollateralConfig(_Strict):
    """Risk parameters of one collateral (the quote's go to the engine constructor)."""

    # CF: borrowing power per USD of value, ratio
    collateral_factor: Decimal = Field(ge=0, lt=1)
    # LT: maintenance weight per USD of value, ratio
    liquidation_threshold: Decimal = Field(gt=0, lt=1)
    # seized value = repaid x (1 + bonus), ratio
    liquidation_bonus: Decimal = Field(ge=0, lt=1)
    # most all accounts together may hold, whole tokens
    supply_cap: Decimal = Field(ge=0)

    @model_validator(mode="after")
    def _bounds(self):
        lt = self.liquidation_threshold
        problems = []
        if self.collateral_factor >= lt:
            problems.append(
                ("collateral_factor", "must be below liquidation_threshold")
            )
        if (1 + self.liquidation_bonus) * lt > 1:
            message = "(1 + liquidation_bonus) x liquidation_threshold above 1"
            problems.append(("liquidation_bonus", message))
        if problems:
            raise FieldProblems(problems)
        return self


class MarketConfig(_Strict):
    """One perp market on the MarketRegistry (deployed as IMarketRegistry.MarketParams).

    The bounds are the registry's (`markets._configure`), checked on the WAD integers the
    deploy sends, so a market the registry would reject fails here first. The spread's
    lower bound (the asset feed's deviation) is checked by DeployConfig.
    """

    # symbol under oracle.feeds whose asset (token address) prices the market
    asset: str = Field(min_length=1, max_length=16)
    # init_req = notional x initial_margin, ratio; maintenance_margin < initial_margin < 1
    initial_margin: Decimal = Field(gt=0, lt=1)
    # maint_req = notional x maintenance_margin, ratio
    maintenance_margin: Decimal = Field(gt=0, lt=1)
    # of the traded notional, paid to the vault, ratio
    trading_fee: Decimal = Field(ge=0, lt=1)
    # of the closed notional, paid to the liquidator, ratio; + trading_fee < maintenance
    liquidation_fee: Decimal = Field(ge=0, lt=1)
    # fills at oracle x (1 +- (spread + impact)), ratio; feed deviation <= spread <= 0.1
    spread: Decimal = Field(ge=0, le=MAX_SPREAD)
    # impact = skew after the trade / skew_impact_scale (at most 10%), whole base tokens
    skew_impact_scale: Decimal = Field(gt=0)
    # funding rate at a skew of skew_scale or more, ratio per day (<= 1 = 100%/day)
    max_funding_rate_per_day: Decimal = Field(ge=0, le=MAX_FUNDING_RATE_PER_DAY)
    # funding rate = max rate x clamp(skew / skew_scale, -1, 1), whole base tokens
    skew_scale: Decimal = Field(gt=0)
    # a position is 0 or at least this after every trade, USD
    min_notional: Decimal = Field(ge=0)
    # most open interest per side at the oracle price, USD
    oi_cap: Decimal = Field(ge=0)
    # per-side open interest also at most oi_share x the vault's assets, ratio
    oi_share: Decimal = Field(ge=0, le=1)
    # false: listed but no opening or increasing (decreases and closes always work)
    enabled: bool = True

    @model_validator(mode="after")
    def _bounds(self):
        p = self.params()
        problems = []
        if p["maintenance_margin"] >= p["initial_margin"]:
            problems.append(("maintenance_margin", "must be below initial_margin"))
        if p["liquidation_fee"] + p["trading_fee"] >= p["maintenance_margin"]:
            message = "liquidation_fee + trading_fee must be below maintenance_margin"
            problems.append(("liquidation_fee", message))
        for name in ("skew_impact_scale", "skew_scale"):
            if p[name] == 0:
                problems.append((name, "below 10^-18 of a token (0 on chain)"))
        for name in ("skew_impact_scale", "skew_scale", "min_notional", "oi_cap"):
            if p[name] > MARKET_FIELD_MAX:
                problems.append(
                    (name, "above the registry's 128-bit field (2^128 - 1 WAD)")
                )
        if problems:
            raise FieldProblems(problems)
        return self

    def params(self) -> dict[str, int | bool]:
        """The MarketParams in the registry's units (WAD ratios, WAD base units, USD WAD,
        WAD per second), keyed and ordered as MARKET_PARAM_FIELDS."""
        out = {
            "initial_margin": to_wad(self.initial_margin),
            "maintenance_margin": to_wad(self.maintenance_margin),
            "trading_fee": to_wad(self.trading_fee),
            "liquidation_fee": to_wad(self.liquidation_fee),
            "spread": to_wad(self.spread),
            "skew_impact_scale": to_wad(self.skew_impact_scale),
            "max_funding_rate": to_funding_rate_per_second(
                self.max_funding_rate_per_day
            ),
            "skew_scale": to_wad(self.skew_scale),
            "min_notional": to_wad(self.min_notional),
            "oi_cap": to_wad(self.oi_cap),
            "oi_share": to_wad(self.oi_share),
            "enabled": self.enabled,
        }
        assert tuple(out) == MARKET_PARAM_FIELDS
        return out


class RolesConfig(_Strict):
    """Who runs the deployment afterwards (the deployer is the owner until handed over)."""

    # Vault and MarginEngine guardian: may pause risk-adding actions and LP deposits.
    guardian: Optional[Address] = None
    # Two-step handover: transfer_ownership(owner) on every contract after wiring; the new
    # owner (e.g. a multisig) must call accept_ownership on each. Null = deployer stays owner.
    owner: Optional[Address] = None


class DeployConfig(_Strict):
    network: str = Field(min_length=1, max_length=64)
    # The chain this file is for: `ape run deploy` refuses any other chain (a fork keeps the
    # chain id of what it forks). Null = any chain (not allowed for live configs).
    chain_id: Optional[int] = Field(default=None, gt=0)
    mocks: bool = False
    quote: QuoteConfig
    oracle: OracleConfig
    # Optional: without a vault section only the oracle adapter is deployed.
    vault: Optional[VaultConfig] = None
    engine: EngineConfig = EngineConfig()
    collaterals: dict[str, CollateralConfig] = Field(default_factory=dict)
    # Perp markets, listed in this order (ids 1, 2, ...); needs the vault section.
    markets: dict[str, MarketConfig] = Field(default_factory=dict)
    roles: RolesConfig = RolesConfig()

    @model_validator(mode="after")
    def _cross_fields(self):
        problems: list[tuple[str, str]] = []

        def bad(field: str, message: str) -> None:
            problems.append((field, message))

        quote, feeds, oracle = self.quote.symbol, self.oracle.feeds, self.oracle
        if quote not in feeds:
            bad(f"oracle.feeds.{quote}", "the quote asset needs a feed")
        elif feeds[quote].token is not None or feeds[quote].token_decimals is not None:
            bad(
                f"oracle.feeds.{quote}.token",
                "set it under quote.token / quote.decimals",
            )
        if oracle.mock_sequencer and oracle.sequencer_feed is not None:
            bad("oracle.mock_sequencer", "true together with a sequencer_feed address")
        if oracle.mock_sequencer and not self.mocks:
            bad("oracle.mock_sequencer", "a mock sequencer feed needs mocks: true")
        for symbol, feed in feeds.items():
            if len(symbol.encode()) > 16:
                bad(f"oracle.feeds.{symbol}", "symbol longer than 16 bytes")
            if symbol != quote and feed.token_decimals is None:
                bad(f"oracle.feeds.{symbol}.token_decimals", "required")

        live = "required when mocks is false"
        if not self.mocks:
            if self.chain_id is None:
                bad("chain_id", live)
            if self.quote.token is None:
                bad("quote.token", live)
            if oracle.sequencer_feed is None:
                bad("oracle.sequencer_feed", f"{live} (Bulkhead targets L2s)")
            for symbol, feed in feeds.items():
                if feed.feed is None:
                    bad(f"oracle.feeds.{symbol}.feed", live)
                if feed.token is None and symbol != quote:
                    bad(f"oracle.feeds.{symbol}.token", live)
        else:
            for symbol, feed in feeds.items():
                if feed.feed is None and feed.mock_price is None:
                    bad(f"oracle.feeds.{symbol}.mock_price", "required for a mock feed")

        if self.vault is not None and quote not in self.collaterals:
            bad(
                f"collaterals.{quote}",
                "the quote is always a collateral (engine constructor)",
            )
        if self.vault is None:
            if self.collaterals:
                bad("collaterals", "listed without a vault section")
            if "engine" in self.model_fields_set:
                bad("engine", "set without a vault section")
            if self.markets:
                bad("markets", "listed without a vault section (no registry)")
            if self.roles.guardian is not None:
                bad(
                    "roles.guardian",
                    "set without a vault section (no contract to guard)",
                )
        for symbol in self.collaterals:
            if symbol not in feeds:
                bad(f"collaterals.{symbol}", "no oracle feed for this symbol")
        if len(self.markets) > MAX_MARKETS:
            bad(
                "markets",
                f"{len(self.markets)} markets, the registry takes {MAX_MARKETS}",
            )
        for name, market in self.markets.items():
            if market.asset not in feeds:
                bad(f"markets.{name}.asset", f"no oracle feed for {market.asset!r}")
                continue
            deviation = feeds[market.asset].deviation
            if to_wad(market.spread) < to_wad(deviation):
                message = f"below the {market.asset} feed's deviation ({deviation})"
                bad(f"markets.{name}.spread", message)

        seen: dict[str, str] = {}
        addresses = [
            ("quote.token", self.quote.token),
            ("oracle.sequencer_feed", oracle.sequencer_feed),
        ]
        for symbol, feed in feeds.items():
            addresses.append((f"oracle.feeds.{symbol}.token", feed.token))
            addresses.append((f"oracle.feeds.{symbol}.feed", feed.feed))
        for field, value in addresses:
            if value is not None and value in seen:
                bad(field, f"same address as {seen[value]}")
            elif value is not None:
                seen[value] = field
        if problems:
            raise FieldProblems(problems)
        return self

    def token_decimals(self, symbol: str) -> int:
        """Decimals of the token listed under `symbol` (the quote's from quote.decimals)."""
        if symbol == self.quote.symbol:
            return self.quote.decimals
        decimals = self.oracle.feeds[symbol].token_decimals
        assert decimals is not None  # enforced by the validator
        return decimals


def to_wad(value: Decimal) -> int:
    """A decimal USD price or ratio as a WAD integer (exact for up to 18 decimal places)."""
    return int(Decimal(value) * WAD)


def to_rate_per_second(yearly: Decimal) -> int:
    """A yearly rate (0.04 = 4%/yr) as WAD per second, rounded down."""
    return int(Decimal(yearly) * WAD) // SECONDS_PER_YEAR


def to_funding_rate_per_second(per_day: Decimal) -> int:
    """A daily rate (0.1 = 10%/day) as WAD per second, rounded down."""
    return int(Decimal(per_day) * WAD) // SECONDS_PER_DAY


def to_units(amount: Decimal, decimals: int) -> int:
    """Whole tokens as token units (rounded down)."""
    return int(Decimal(amount) * 10**decimals)


def to_feed_answer(value: Decimal, decimals: int) -> int:
    """A decimal USD price as a Chainlink-style answer with `decimals` decimals (rounded down)."""
    return int(Decimal(value) * 10**decimals)


def config_path(name: str) -> Path:
    return CONFIG_DIR / f"{name}.yaml"


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblems):
            for field, msg in cause.problems:
                out.append((f"{loc}.{field}" if loc else field, msg))
            continue
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
        out.append((loc or "(top level)", msg))
    return out


def parse(data: object, source: str = "config") -> DeployConfig:
    """Validate already-parsed YAML data; raises ConfigError naming every bad field."""
    try:
        return DeployConfig.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc)
        message = f"{source}: " + "; ".join(
            f"{field}: {msg}" for field, msg in problems
        )
        raise ConfigError(message, [field for field, _ in problems]) from None


def load(path: Path) -> tuple[DeployConfig, str]:
    """Parse and validate a config file; returns it with the sha256 of its bytes."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file", ["(file)"]) from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name}: not valid YAML: {exc}", ["(file)"]) from exc
    return parse(data, path.name), hashlib.sha256(raw).hexdigest()
