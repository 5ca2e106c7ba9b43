"""The lab: a deployed Bulkhead on a local anvil, a population opened through the real
engine, and price paths replayed step by step with the real liquidator bot.

One scenario:
1. revert to the snapshot taken after the deployment (LPs in, the bot funded and approved);
2. publish the path's opening prices, then open the population in three blocks (mints and
   approvals; ``open_isolated``/``open_account``; deposits, loans and cross trades), every
   transaction through the engine as a user would send it, impersonated on anvil;
3. for each later step: move time to the step, publish every feed's answer in one block
   (interest and funding accrue over the gap), then let the bot run rounds
   (``Liquidator.run_round``: Lens scan, quotes, eth_call, send) until a round liquidates
   nothing; the bot's blocks share the step's timestamp;
4. read the outcome from the chain: the engine's, registry's and vault's events over the
   scenario's blocks, every account's collateral, debt, positions and health at the end,
   and the vault's share price at every step.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from rich.console import Console

from scripts import _bot
from scripts._sim import chain as ch
from scripts._sim.paths import PricePath
from scripts._sim.population import CROSS, ISOLATED, MIXED, MODES, Population, Trader

ZERO = "0x0000000000000000000000000000000000000000"
WAD = 10**18
SETUP_GAS = 3_000_000
MAX_BOT_ROUNDS = 5  # rounds per step while the last one liquidated something
LIQUIDATOR_CASH_X = 10  # the bot holds this many times the LP deposit in USDC


class Phases:
    """Wall-clock seconds per phase of the run, and the RPC seconds and calls inside each
    (the profile's first table)."""

    def __init__(self, rpc: ch.Rpc | None = None):
        self.rpc = rpc
        self.seconds: dict[str, float] = defaultdict(float)
        self.rpc_seconds: dict[str, float] = defaultdict(float)
        self.rpc_calls: dict[str, int] = defaultdict(int)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        rpc_before = sum(self.rpc.seconds.values()) if self.rpc else 0.0
        calls_before = sum(self.rpc.calls.values()) if self.rpc else 0
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started
            if self.rpc:
                self.rpc_seconds[name] += sum(self.rpc.seconds.values()) - rpc_before
                self.rpc_calls[name] += sum(self.rpc.calls.values()) - calls_before

    def table(self) -> list[dict]:
        return [
            {
                "phase": k,
                "seconds": v,
                "rpc_seconds": self.rpc_seconds.get(k, 0.0),
                "rpc_calls": self.rpc_calls.get(k, 0),
            }
            for k, v in self.seconds.items()
        ]


@dataclass
class StepRecord:
    step: int
    hour: float
    block_from: int
    block_to: int
    rounds: int = 0
    candidates: int = 0
    liquidated: int = 0
    skipped: int = 0
    failed: int = 0
    scan_seconds: float = 0.0


class Lab:
    """Everything the runs share: RPC, contracts, the bot, the snapshot after setup."""

    def __init__(
        self,
        rpc: ch.Rpc,
        record: dict,
        config,
        roles: dict[str, tuple[str, str]],
        console: Console | None = None,
        bot_log: Path | None = None,
    ):
        self.rpc = rpc
        self.w3 = rpc.web3()
        self.record = record
        self.config = config
        self.console = console or Console(file=io.StringIO())
        self.phases = Phases(rpc)
        self.quote = config.quote.symbol
        c = record["contracts"]
        self.engine = ch.Contract(c["MarginEngine"], ch.load_abi("MarginEngine"))
        self.lens = ch.Contract(c["Lens"], ch.load_abi("Lens"))
        self.vault = ch.Contract(c["Vault"], ch.load_abi("Vault"))
        self.registry = ch.Contract(c["MarketRegistry"], ch.load_abi("MarketRegistry"))
        self.oracle = ch.Contract(c["OracleAdapter"], ch.load_abi("OracleAdapter"))
        self.tokens = {
            s: ch.Contract(a, ch.MOCK_ERC20_ABI) for s, a in record["tokens"].items()
        }
        self.feeds = {
            s: ch.Contract(a, ch.MOCK_FEED_ABI) for s, a in record["feeds"].items()
        }
        self.decimals = {s: config.token_decimals(s) for s in self.tokens}
        # what a path leaves out stays at the config's price (the quote: 1 USD)
        self.default_prices = {
            s: float(f.mock_price)
            for s, f in config.oracle.feeds.items()
            if f.mock_price
        }
        self.feed_decimals = {
            s: f.feed_decimals for s, f in config.oracle.feeds.items()
        }
        self.market_ids = {name: m["id"] for name, m in record["markets"].items()}
        self.market_asset = {name: m["asset"] for name, m in record["markets"].items()}
        self.symbol_of = {a.lower(): s for s, a in record["tokens"].items()}
        self.deployer, _ = roles["deployer"]
        self.lp, _ = roles["lp"]
        self.liquidator, liquidator_key = roles["liquidator"]
        self._tmp = tempfile.TemporaryDirectory(prefix="bulkhead-lab-")
        self.record_path = Path(self._tmp.name) / "deployment.json"
        self.record_path.write_text(json.dumps(record))
        # the bot's own log lines: to --bot-log, else nowhere
        self._bot_log = open(bot_log or os.devnull, "a")  # noqa: SIM115
        bot_console = Console(file=self._bot_log, width=120, log_path=False)
        self._bot_console = bot_console
        self._bot_args = (_bot.KeySigner(liquidator_key), bot_console)
        self.bot: _bot.Liquidator | None = None
        self.base_snapshot: str | None = None
        self.registry_code: str | None = None  # the deployed registry's code (variants)
        self._nonces: dict[str, int] = {}
        self.share_unit = 0
        self.lp_deposit_units = 0
        self.now = 0
        # the adversarial agents (scripts/_sim/agents.py) while a scenario runs: called in
        # each step's price block, after it and after the bot's rounds
        self.hooks: Any = None

    # -- chain helpers --
    def head(self) -> dict:
        return self.rpc.call("eth_getBlockByNumber", "latest", False)

    def block_number(self) -> int:
        return int(self.rpc.call("eth_blockNumber"), 16)

    def snapshot(self) -> str:
        return self.rpc.call("evm_snapshot")

    def revert(self, snapshot: str) -> None:
        if not self.rpc.call("evm_revert", snapshot):
            raise RuntimeError(f"evm_revert {snapshot} failed")
        self._nonces.clear()
        self.now = int(self.head()["timestamp"], 16)

    @contextmanager
    def batch(self, timestamp: int | None = None) -> Iterator[ch.Batch]:
        """Automine off while the batch is queued; its blocks get `timestamp` (default:
        the last block's). Nonces carry over from batch to batch (only the lab sends
        from the impersonated traders) until a revert."""
        self.rpc.call("evm_setAutomine", False)
        batch = ch.Batch(self.rpc, self.now if timestamp is None else timestamp)
        batch.nonces = self._nonces
        try:
            yield batch
        finally:
            self.rpc.call("evm_setAutomine", True)

    def mine(self, batch: ch.Batch) -> dict:
        block = batch.mine()
        self.now = batch.timestamp
        return block

    def publish(self, batch: ch.Batch, prices: dict[str, float]) -> None:
        """One set_answer per feed (the quote's too: every feed's heartbeat restarts)."""
        for symbol, feed in self.feeds.items():
            price = prices.get(symbol, self.default_prices.get(symbol))
            if price is None:
                continue
            answer = int(round(price * 10 ** self.feed_decimals[symbol]))
            batch.tx(
                self.deployer,
                feed,
                "set_answer",
                max(answer, 1),
                gas=200_000,
                label=f"feed {symbol}",
            )

    def feed_prices(self) -> dict[str, float]:
        reader = ch.Reader(self.rpc)
        for feed in self.feeds.values():
            reader.add(feed, "latestRoundData")
        out = reader.run()
        return {
            s: int(r[1]) / 10 ** self.feed_decimals[s] for s, r in zip(self.feeds, out)
        }

    # -- setup --
    def setup(
        self, lp_deposit_usd: float, extra: Callable[[], None] | None = None
    ) -> None:
        """LP deposit, the liquidator's USDC and approval, the bot, then `extra` (the
        agents' contracts); then the base snapshot."""
        with self.phases("setup"):
            self.rpc.call("anvil_autoImpersonateAccount", True)
            self.rpc.call("anvil_setBlockTimestampInterval", 0)
            self.now = int(self.head()["timestamp"], 16)
            q = self.tokens[self.quote]
            amount = int(lp_deposit_usd * 10 ** self.decimals[self.quote])
            self.lp_deposit_units = amount
            with self.batch(self.now + 1) as b:
                b.tx(self.lp, q, "mint", self.lp, amount, gas=200_000)
                b.tx(
                    self.lp,
                    q,
                    "approve",
                    self.vault.address,
                    ch.MAX_UINT256,
                    gas=200_000,
                )
                b.tx(self.lp, self.vault, "deposit", amount, self.lp, gas=SETUP_GAS)
                b.tx(
                    self.liquidator,
                    q,
                    "mint",
                    self.liquidator,
                    amount * LIQUIDATOR_CASH_X,
                    gas=200_000,
                )
                self.mine(b)
            signer, console = self._bot_args
            self.bot = _bot.Liquidator(
                self.w3,
                _bot.load_deployment(self.record_path),
                signer,
                _bot.BotConfig(),
                console=console,
            )
            self.bot.ensure_approval()
            self._nonces.clear()  # the bot sent from the liquidator
            self.now = int(self.head()["timestamp"], 16)
            self.share_unit = 10 ** ch.call(self.rpc, self.vault, "decimals")
            if extra:
                extra()
                self._nonces.clear()
            self.base_snapshot = self.snapshot()

    def reset(self) -> None:
        assert self.base_snapshot is not None
        self.revert(self.base_snapshot)
        self.base_snapshot = self.snapshot()

    # -- the population --
    def open_population(
        self,
        population: Population,
        prices: dict[str, float],
        advance: Callable[[int], None] | None = None,
    ) -> int:
        """Publish `prices`, then open every trader's accounts (three blocks). Returns the
        opening block's timestamp."""
        prices = {**self.default_prices, **prices}
        population.plan(prices, self.decimals)
        traders = population.traders
        e = self.engine
        q = self.quote
        with self.phases("open: publish prices"), self.batch(self.now + 1) as b:
            self.publish(b, prices)
            self.mine(b)
        with self.phases("open: mint and approve"), self.batch(self.now + 1) as b:
            for t in traders:
                need: dict[str, int] = defaultdict(int)
                for acct in t.accounts:
                    for symbol, units in acct.deposits.items():
                        need[symbol] += units
                for symbol, units in need.items():
                    b.tx(
                        self.deployer,
                        self.tokens[symbol],
                        "mint",
                        t.address,
                        units,
                        gas=200_000,
                        label=f"mint {symbol} to trader {t.index}",
                    )
                    b.tx(
                        t.address,
                        self.tokens[symbol],
                        "approve",
                        e.address,
                        ch.MAX_UINT256,
                        gas=200_000,
                        label=f"approve {symbol} (trader {t.index})",
                    )
            self.mine(b)
        with self.phases("open: open accounts"), self.batch(self.now + 1) as b:
            for t in traders:
                for acct in t.accounts:
                    if acct.mode == 1 and acct.positions:
                        market, size = acct.positions[0]
                        b.tx(
                            t.address,
                            e,
                            "open_isolated",
                            t.address,
                            self.tokens[q].address,
                            acct.deposits[q],
                            self.market_ids[market],
                            size,
                            ch.MAX_UINT256 if size > 0 else 0,
                            gas=SETUP_GAS,
                            label=f"open_isolated {market} (trader {t.index})",
                        )
                    else:
                        b.tx(
                            t.address,
                            e,
                            "open_account",
                            acct.mode,
                            gas=SETUP_GAS,
                            label=f"open_account (trader {t.index})",
                        )
                if advance:
                    advance(1)
            block = self.mine(b)
        self._assign_ids(traders, block["receipts"])
        with (
            self.phases("open: deposits, loans, cross trades"),
            self.batch(self.now + 1) as b,
        ):
            for t in traders:
                for acct in t.accounts:
                    if acct.mode == 1 and acct.positions:
                        continue  # open_isolated did everything
                    for symbol, units in acct.deposits.items():
                        if units:
                            b.tx(
                                t.address,
                                e,
                                "deposit_collateral",
                                acct.account_id,
                                self.tokens[symbol].address,
                                units,
                                gas=SETUP_GAS,
                                label=f"deposit {symbol} #{acct.account_id}",
                            )
                    if acct.borrow:
                        b.tx(
                            t.address,
                            e,
                            "borrow",
                            acct.account_id,
                            acct.borrow,
                            t.address,
                            gas=SETUP_GAS,
                            label=f"borrow #{acct.account_id}",
                        )
                    for market, size in acct.positions:
                        b.tx(
                            t.address,
                            e,
                            "modify_position",
                            acct.account_id,
                            self.market_ids[market],
                            size,
                            ch.MAX_UINT256 if size > 0 else 0,
                            gas=SETUP_GAS,
                            label=f"modify_position {market} #{acct.account_id}",
                        )
            self.mine(b)
        return self.now

    def _assign_ids(self, traders: list[Trader], receipts: list[dict]) -> None:
        """Account ids from the AccountOpened events: per owner, in the order its opens
        were sent (one sender's transactions execute in nonce order)."""
        topic = "0x" + self.w3.keccak(
            text="AccountOpened(uint256,address,uint256)"
        ).hex().removeprefix("0x")
        opened: dict[str, list[int]] = defaultdict(list)
        for r in receipts:
            for log in r["logs"]:
                if (
                    log["address"].lower() == self.engine.address.lower()
                    and log["topics"][0] == topic
                ):
                    owner = "0x" + log["topics"][2][-40:]
                    opened[owner.lower()].append(int(log["topics"][1], 16))
        for t in traders:
            ids = opened.get(t.address.lower(), [])
            if len(ids) != len(t.accounts):
                raise RuntimeError(
                    f"trader {t.index}: {len(ids)} accounts opened, {len(t.accounts)} planned"
                )
            for acct, account_id in zip(t.accounts, ids):
                acct.account_id = account_id

    # -- one step --
    def step(
        self, k: int, hour: float, t_open: int, prices: dict[str, float]
    ) -> StepRecord:
        ts = t_open + int(round(hour * 3600))
        hooks = self.hooks
        with self.phases("steps: publish prices"), self.batch(ts) as b:
            self.publish(b, prices)
            if hooks:
                hooks.on_publish(b, k)
            block = self.mine(b)
        rec = StepRecord(k, hour, block["blocks"][0], block["number"])
        if hooks:
            with self.phases("agents"):
                hooks.before_bot(k)
        with self.phases("steps: bot rounds"):
            assert self.bot is not None
            book = self._book() if hooks else None
            for _ in range(MAX_BOT_ROUNDS):
                rnd = self.bot.run_round()
                rec.rounds += 1
                rec.scan_seconds += rnd.scan_seconds
                if rec.rounds == 1:
                    rec.candidates = len(rnd.candidates)
                done = len(rnd.by_outcome("liquidated"))
                rec.liquidated += done
                rec.skipped += len(rnd.by_outcome("skipped"))
                rec.failed += len(rnd.by_outcome("failed"))
                if done == 0:
                    break
                if book is not None:
                    # with the agents: a round whose liquidations changed nothing (the
                    # dust shielder's account, once its position is closed: its 1 wei
                    # of DUST blocks the write-off) is not repeated
                    before, book = book, self._book()
                    if book == before:
                        break
        if hooks:
            with self.phases("agents"):
                hooks.after_step(k)
        rec.block_to = self.block_number()
        return rec

    def _book(self) -> list:
        """The vault's debt and assets, the active accounts and every market's sizes."""
        r = ch.Reader(self.rpc)
        r.add(self.vault, "total_debt")
        r.add(self.vault, "totalAssets")
        r.add(self.engine, "active_count")
        for market_id in self.market_ids.values():
            r.add(self.registry, "market_state", market_id)
        out = r.run()
        return out[:3] + [(m["long_size"], m["short_size"]) for m in out[3:]]

    def vault_state(self) -> dict:
        r = ch.Reader(self.rpc)
        r.add(self.vault, "convertToAssets", self.share_unit)
        r.add(self.vault, "totalAssets")
        r.add(self.vault, "total_debt")
        r.add(self.vault, "reserve")
        r.add(self.vault, "utilization")
        r.add(self.vault, "borrow_rate")
        r.add(self.engine, "active_count")
        for market_id in self.market_ids.values():
            r.add(self.registry, "market_state", market_id)
        out = r.run()
        qunit = 10 ** self.decimals[self.quote]
        state = {
            "share_price": out[0] / qunit,
            "total_assets": out[1] / qunit,
            "total_debt": out[2] / qunit,
            "reserve": out[3] / qunit,
            "utilization": out[4] / WAD,
            "borrow_apr": out[5] * 365 * 86400 / WAD,
            "active": out[6],
            "markets": {},
        }
        for name, ms in zip(self.market_ids, out[7:]):
            long, short = ms["long_size"], ms["short_size"]
            sign = 1 if long >= short else -1
            state["markets"][name] = {
                "long": long / WAD,
                "short": short / WAD,
                # the heavy side pays: + = longs pay, per day
                "funding_per_day": sign * ms["rate_up"] * 86400 / WAD,
            }
        return state

    # -- reading accounts --
    def read_accounts(self, traders: list[Trader], full: bool) -> dict[int, dict]:
        """Every account's balances (the tokens it was given, plus the quote), debt and
        health figures; with `full`, also positions and claims."""
        r = ch.Reader(self.rpc)
        layout: list[tuple[int, list[str]]] = []
        for t in traders:
            for acct in t.accounts:
                symbols = sorted(set(acct.deposits) | {self.quote})
                for s in symbols:
                    r.add(
                        self.engine,
                        "collateral_of",
                        acct.account_id,
                        self.tokens[s].address,
                    )
                r.add(self.engine, "debt_of", acct.account_id)
                r.add(self.engine, "account_health", acct.account_id)
                if full:
                    r.add(self.engine, "positions_of", acct.account_id)
                    r.add(self.engine, "claim_of", acct.account_id)
                layout.append((acct.account_id, symbols))
        out = iter(r.run())
        accounts = {}
        for account_id, symbols in layout:
            balances = {s: next(out) for s in symbols}
            debt = next(out)
            health = next(out)
            row = {"balances": balances, "debt": debt, "health": health}
            if full:
                row["positions"] = next(out)
                row["claim"] = next(out)
            accounts[account_id] = row
        return accounts

    def account_value(self, row: dict, prices: dict[str, float]) -> float:
        """Collateral at `prices` (unweighted) + claim − debt + unrealised PnL (incl.
        funding), USD; below zero the owner walks away, so floored at 0."""
        price = self.price_of(prices)
        value = sum(
            units / 10 ** self.decimals[s] * price(s)
            for s, units in row["balances"].items()
        )
        qunit = 10 ** self.decimals[self.quote]
        value += row.get("claim", 0) / qunit * price(self.quote)
        value -= row["debt"] / qunit * price(self.quote)
        value += row["health"]["pnl"] / WAD
        return value

    def price_of(self, prices: dict[str, float]) -> Callable[[str], float]:
        return lambda s: prices.get(s, self.default_prices.get(s, 1.0))

    # -- events --
    def events(self, block_from: int, block_to: int) -> dict[str, list[dict]]:
        """The scenario's liquidation events, decoded (web3.py over the JSON ABIs)."""
        engine = self.w3.eth.contract(self.engine.address, abi=self.engine.abi)
        registry = self.w3.eth.contract(self.registry.address, abi=self.registry.abi)
        vault = self.w3.eth.contract(self.vault.address, abi=self.vault.abi)
        span = {"from_block": block_from, "to_block": block_to}

        def logs(event) -> list[dict]:
            return [
                dict(
                    e["args"],
                    block=e["blockNumber"],
                    tx=e["transactionHash"].to_0x_hex(),
                    log_index=e["logIndex"],
                )
                for e in event.get_logs(**span)
            ]

        return {
            "liquidated": logs(engine.events.Liquidated()),
            "bad_debt": logs(engine.events.BadDebtWrittenOff()),
            "positions": logs(registry.events.PositionLiquidated()),
            "seized": logs(engine.events.CollateralSeized()),
            "vault_bad_debt": logs(vault.events.BadDebtWrittenOff()),
        }

    def receipts(self, hashes: list[str]) -> dict[str, dict]:
        out = self.rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
        return {h: r for h, r in zip(hashes, out)}

    # -- parameters the owner can set --
    def set_maintenance_margin(self, markets: list[str], value: float) -> None:
        with self.batch() as b:
            for name in markets:
                market = ch.call(
                    self.rpc, self.registry, "market", self.market_ids[name]
                )
                params = dict(market["params"])
                params["maintenance_margin"] = int(round(value * WAD))
                b.tx(
                    self.deployer,
                    self.registry,
                    "set_market",
                    self.market_ids[name],
                    tuple(params.values()),
                    gas=SETUP_GAS,
                    label=f"set_market {name}",
                )
            self.mine(b)

    def set_bonus(self, bonuses: dict[str, float]) -> None:
        with self.batch() as b:
            for symbol, bonus in bonuses.items():
                token = self.tokens[symbol].address
                cfg = ch.call(self.rpc, self.engine, "collateral_config", token)
                b.tx(
                    self.deployer,
                    self.engine,
                    "configure_collateral",
                    token,
                    cfg["collateral_factor"],
                    cfg["liquidation_threshold"],
                    int(round(bonus * WAD)),
                    cfg["supply_cap"],
                    cfg["enabled"],
                    gas=SETUP_GAS,
                    label=f"configure_collateral {symbol}",
                )
            self.mine(b)

    def set_code(self, address: str, code: str) -> None:
        """Replace a contract's runtime code in place (the close-factor what-if)."""
        self.rpc.call("anvil_setCode", address, code)

    def collateral_configs(self) -> dict[str, dict]:
        return {
            s: ch.call(self.rpc, self.engine, "collateral_config", t.address)
            for s, t in self.tokens.items()
        }

    def close(self) -> None:
        self._bot_log.close()
        self._tmp.cleanup()


# ---- a whole scenario -------------------------------------------------------------------
@dataclass
class ScenarioRun:
    """What one scenario did, read from the chain (the report's input)."""

    path: PricePath
    t_open: int
    steps: list[StepRecord]
    states: list[dict]  # vault_state() at step 0 .. last
    samples: list[tuple[int, dict[str, float]]]  # (step, value USD per mode)
    accounts_end: dict[int, dict]
    events: dict[str, list[dict]]
    receipts: dict[str, dict]
    traders: list[Trader]
    prices_end: dict[str, float]
    block_open: int
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)
    agents: dict | None = None  # the adversarial agents' figures (agents.Agents.finish)


def run_scenario(
    lab: Lab,
    population: Population,
    path: PricePath,
    *,
    samples: int = 12,
    progress: Callable[[str, int, int], None] | None = None,
    before_steps: Callable[[], None] | None = None,
    reopen: bool = True,
    agents: Any = None,
) -> ScenarioRun:
    """Open the population at the path's first prices (unless `reopen` is False: the
    caller reverted to an opened snapshot), then the agents' accounts (if any), step
    through the path, read the outcome."""
    started = time.perf_counter()
    if reopen:
        lab.reset()
        lab.open_population(population, path.at(0))
    if agents:
        with lab.phases("agents"):
            agents.begin(path)
    block_open = lab.block_number()
    t_open = lab.now
    if before_steps:
        before_steps()
    traders = population.traders
    states = [lab.vault_state()]
    every = max(1, (path.steps - 1) // max(1, samples))
    sample_steps = set(range(0, path.steps, every)) | {path.steps - 1}
    sampled = []
    with lab.phases("samples: trader values"):
        sampled.append((0, _values_by_mode(lab, traders, path.at(0))))
    records = []
    for k in range(1, path.steps):
        rec = lab.step(k, path.hours[k], t_open, path.at(k))
        records.append(rec)
        with lab.phases("steps: vault state"):
            states.append(lab.vault_state())
        if k in sample_steps and k != path.steps - 1:
            with lab.phases("samples: trader values"):
                sampled.append((k, _values_by_mode(lab, traders, path.at(k))))
        if progress:
            progress(path.name, k, path.steps - 1)
    prices_end = path.at(path.steps - 1)
    with lab.phases("end: read accounts and events"):
        accounts_end = lab.read_accounts(traders, full=True)
        sampled.append(
            (path.steps - 1, _mode_values(lab, traders, accounts_end, prices_end))
        )
        events = lab.events(block_open + 1, lab.block_number())
        hashes = sorted({e["tx"] for e in events["liquidated"]})
        receipts = lab.receipts(hashes)
    run = ScenarioRun(
        path,
        t_open,
        records,
        states,
        sampled,
        accounts_end,
        events,
        receipts,
        traders,
        prices_end,
        block_open,
        time.perf_counter() - started,
    )
    if agents:
        with lab.phases("agents"):
            run.agents = agents.finish(run)
        run.seconds = time.perf_counter() - started
    return run


def _values_by_mode(
    lab: Lab, traders: list[Trader], prices: dict[str, float]
) -> dict[str, float]:
    return _mode_values(lab, traders, lab.read_accounts(traders, full=False), prices)


def _mode_values(
    lab: Lab, traders: list[Trader], rows: dict[int, dict], prices: dict[str, float]
) -> dict[str, float]:
    """Σ trader value per mode: accounts (floored at 0) + the loans they drew (in their
    wallets), USD."""
    out = {m: 0.0 for m in MODES}
    qunit = 10 ** lab.decimals[lab.quote]
    for t in traders:
        value = 0.0
        for acct in t.accounts:
            value += max(0.0, lab.account_value(rows[acct.account_id], prices))
            value += acct.borrow / qunit
        out[t.mode] += value
    return out


def deposit_usd(lab: Lab, trader: Trader, prices: dict[str, float]) -> float:
    price = lab.price_of(prices)
    return sum(
        units / 10 ** lab.decimals[s] * price(s)
        for acct in trader.accounts
        for s, units in acct.deposits.items()
    )


__all__ = [
    "CROSS",
    "ISOLATED",
    "MIXED",
    "Lab",
    "ScenarioRun",
    "StepRecord",
    "deposit_usd",
    "run_scenario",
]
