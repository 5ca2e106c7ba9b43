"""Offline L2 forks: a local anvil with the L2's mainnet chain id stands in for the upstream
RPC, with mock feeds and tokens placed at the REAL mainnet addresses from
config/<l2>-mainnet.yaml. ape then forks it exactly as it would fork a real RPC URL
(ape-config.yaml: `node: <l2>: mainnet: uri`), so the mainnet config deploys unchanged.

    python -m scripts._fork up --network arbitrum      # upstream on ape-config's port (8546)
    ape run deploy --network arbitrum:mainnet-fork:foundry --config arbitrum-mainnet --account TEST::0
    python -m scripts._fork down --network arbitrum
    python -m scripts._fork run --network arbitrum     # up -> deploy -> checks -> down, one go

How the upstream is seeded (``seed``): one template of each mock (MockAggregator per feed,
MockSequencerFeed, MockERC20 per token) is deployed normally, then its runtime code
(``anvil_setCode``) and its first ``CLONE_SLOTS`` storage slots (``anvil_setStorageAt``) are
copied to the real address, and the clone is checked against the template with ``eth_call``.
Copying the constructor-initialised storage (decimals, name, symbol, round data) is what makes
the clone answer like the template: after ``anvil_setCode`` alone, storage would be empty.
Seeding transactions come from an impersonated address, so the test accounts' nonces on
the fork are untouched. Only processes started here are ever stopped, by their pid.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional
from urllib.parse import urlparse

import yaml
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from scripts._config import ConfigError, DeployConfig, config_path, load, to_feed_answer
from scripts._deploy import DeploymentExistsError

ROOT = Path(__file__).resolve().parents[1]
STATE_DIR = (
    ROOT / ".cache" / "forks"
)  # git-ignored: pid, port and log of `up` upstreams
CLONE_SLOTS = (
    32  # plain storage of every mock fits in the first slots (checked by eth_call)
)
SEEDER = (
    "0x00000000000000000000000000000000B0FFC0DE"  # impersonated sender of seeding txs
)
SEQUENCER_UP_FOR = (
    2 * 86400
)  # seeded uptime feed: up since two days (past any grace period)
Log = Callable[[str], None]


@dataclass(frozen=True)
class ForkSpec:
    ecosystem: str  # ape ecosystem
    chain_id: int  # the L2's chain id, kept by the fork
    config: str  # config/<config>.yaml holds the real addresses
    optimism: bool  # anvil --optimism (OP-stack transaction types and fees)
    hardfork: str  # Cancun EVM under anvil's naming for the chain family
    network: str = "mainnet"  # the ape network the upstream stands in for

    @property
    def fork_network(self) -> str:
        return f"{self.ecosystem}:{self.network}-fork:foundry"


NETWORKS = {
    "arbitrum": ForkSpec(
        "arbitrum", 42161, "arbitrum-mainnet", optimism=False, hardfork="cancun"
    ),
    # anvil --optimism names OP hardforks; Ecotone is OP's Cancun (EIP-4844/1153/5656/6780).
    "optimism": ForkSpec(
        "optimism", 10, "optimism-mainnet", optimism=True, hardfork="ecotone"
    ),
    # Testnet configs are all mocks: nothing to seed, the fork only checks they deploy.
    "arbitrum-sepolia": ForkSpec(
        "arbitrum",
        421614,
        "arbitrum-sepolia",
        optimism=False,
        hardfork="cancun",
        network="sepolia",
    ),
    "optimism-sepolia": ForkSpec(
        "optimism",
        11155420,
        "optimism-sepolia",
        optimism=True,
        hardfork="ecotone",
        network="sepolia",
    ),
}
MAINNETS = ("arbitrum", "optimism")


class ForkError(RuntimeError):
    """Setting up or tearing down an offline fork failed (the CLI prints it and exits 1)."""


# ---- JSON-RPC ----------------------------------------------------------------------------
class RpcError(RuntimeError):
    pass


class Rpc:
    """A minimal JSON-RPC client (batched requests keep seeding to a few round trips)."""

    def __init__(self, url: str, timeout: float = 10.0):
        self.url = url
        self.timeout = timeout
        self._id = 0

    def _post(self, payload: Any) -> Any:
        req = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            return json.loads(resp.read())

    def call(self, method: str, params: list | None = None) -> Any:
        return self.batch([(method, params or [])])[0]

    def batch(self, calls: list[tuple[str, list]]) -> list[Any]:
        if not calls:
            return []
        payload = []
        for method, params in calls:
            self._id += 1
            payload.append(
                {"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}
            )
        replies = {r["id"]: r for r in self._post(payload)}
        out = []
        for req in payload:
            reply = replies[req["id"]]
            if "error" in reply:
                raise RpcError(f"{req['method']}: {reply['error']}")
            out.append(reply["result"])
        return out


# ---- the upstream anvil --------------------------------------------------------------------
def port_in_use(port: int) -> bool:
    """True when something listens on the port. Checked by binding, not connecting: a
    connect to a free port in the ephemeral range can succeed by connecting to itself (TCP
    self-connect when the kernel picks the same source port), which read as "in use"."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configured_port(spec: ForkSpec) -> int:
    """The port of ape-config.yaml's `node: <ecosystem>: <network>: uri` (what ape forks)."""
    data = yaml.safe_load((ROOT / "ape-config.yaml").read_text())
    try:
        uri = data["node"][spec.ecosystem][spec.network]["uri"]
    except (KeyError, TypeError):
        raise ForkError(
            f"ape-config.yaml has no node.{spec.ecosystem}.{spec.network}.uri; "
            f"use `python -m scripts._fork run --network ...` (in-process) instead"
        ) from None
    port = urlparse(uri).port
    if port is None:
        raise ForkError(
            f"ape-config.yaml node.{spec.ecosystem}.{spec.network}.uri has no port: {uri}"
        )
    return port


@dataclass
class Upstream:
    """An anvil started by this module, standing in for the L2's mainnet RPC."""

    spec: ForkSpec
    port: int
    proc: Optional[subprocess.Popen] = None
    pid: Optional[int] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def rpc(self) -> Rpc:
        return Rpc(self.url)

    @classmethod
    def start(
        cls, spec: ForkSpec, port: int, log_path: Optional[Path] = None
    ) -> "Upstream":
        if port_in_use(port):
            raise ForkError(
                f"port {port} is in use: another upstream (`python -m scripts._fork down --network "
                f"{spec.ecosystem}`) or another program; pick one with --port"
            )
        cmd = [
            "anvil",
            "--host", "127.0.0.1",
            "--port", str(port),
            "--chain-id", str(spec.chain_id),
            "--hardfork", spec.hardfork,
            "--silent",
        ]  # fmt: skip
        if spec.optimism:
            cmd.append("--optimism")
        out = open(log_path, "ab") if log_path else subprocess.DEVNULL
        try:
            # Own session and process group: node_modules/.bin/anvil is a node shim that spawns
            # the native binary, and stop() signals the whole group this module created.
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        except FileNotFoundError:
            raise ForkError(
                "anvil not found: run `make setup` and put node_modules/.bin on PATH"
            ) from None
        finally:
            if log_path:
                out.close()
        upstream = cls(spec, port, proc, proc.pid)
        upstream.wait_ready()
        return upstream

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise ForkError(
                    f"anvil exited with code {self.proc.returncode} (see its log)"
                )
            try:
                chain_id = int(self.rpc.call("eth_chainId"), 16)
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise ForkError(
                        f"anvil did not answer on {self.url} within {timeout:.0f} s"
                    ) from None
                time.sleep(0.1)
        if chain_id != self.spec.chain_id:
            self.stop()
            raise ForkError(
                f"{self.url} answers chain id {chain_id}, expected {self.spec.chain_id}"
            )

    def stop(self) -> None:
        """Stop this anvil: the process group this module created (its leader's pid is the
        group id), so the node shim and the native anvil it spawned both end."""
        pid = self.proc.pid if self.proc is not None else self.pid
        if pid is None or not (_alive(pid) and _is_our_anvil(pid, self.port)):
            return
        _signal_group(pid, signal.SIGTERM)
        for _ in range(50):
            if not _alive(pid):
                break
            time.sleep(0.1)
        else:
            _signal_group(pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()
        # The leader is the npm shim; the native anvil it spawned (same group) may outlive it
        # for a moment and still hold the port. Stopped means the port is free again.
        for _ in range(50):
            if not port_in_use(self.port):
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(pid) == pid:  # a group leader we started with start_new_session
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return Path(f"/proc/{pid}").exists() and "zombie" not in _proc_status(pid)


def _proc_status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return ""


def _is_our_anvil(pid: int, port: int) -> bool:
    """The pid is still the anvil we started on `port` (not a recycled pid)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(a.endswith(b"anvil") for a in argv[:2]) and str(port).encode() in argv


# ---- seeding ----------------------------------------------------------------------------
def _artifacts() -> dict[str, str]:
    """Deployment bytecode of the mocks (ape compiles them if needed)."""
    from ape import project

    return {
        name: getattr(project, name).contract_type.deployment_bytecode.bytecode
        for name in ("MockAggregator", "MockSequencerFeed", "MockERC20")
    }


def _selector(signature: str) -> str:
    return "0x" + function_signature_to_4byte_selector(signature).hex()


class Seeder:
    """Sends seeding transactions on the upstream from an impersonated address."""

    def __init__(self, rpc: Rpc, bytecode: dict[str, str]):
        self.rpc = rpc
        self.bytecode = bytecode
        info = rpc.call("web3_clientVersion")
        if "anvil" not in info.lower():  # never seed anything but a local anvil
            raise ForkError(f"{rpc.url} is not an anvil ({info}); refusing to seed it")
        rpc.batch(
            [
                ("anvil_impersonateAccount", [SEEDER]),
                ("anvil_setBalance", [SEEDER, hex(10**21)]),
            ]
        )

    def _send(self, tx: dict) -> dict:
        tx_hash = self.rpc.call(
            "eth_sendTransaction", [{"from": SEEDER, "gas": hex(5_000_000), **tx}]
        )
        # anvil automines, but the receipt can lag the reply by a moment
        deadline = time.monotonic() + 10
        receipt = None
        while receipt is None and time.monotonic() < deadline:
            receipt = self.rpc.call("eth_getTransactionReceipt", [tx_hash])
            if receipt is None:
                time.sleep(0.02)
        if receipt is None or int(receipt["status"], 16) != 1:
            raise ForkError(f"seeding transaction {tx_hash} failed: {receipt}")
        return receipt

    def deploy(self, name: str, types: list[str], args: list) -> str:
        data = self.bytecode[name] + encode(types, args).hex()
        return self._send({"data": data})["contractAddress"]

    def transact(self, to: str, signature: str, types: list[str], args: list) -> None:
        self._send({"to": to, "data": _selector(signature) + encode(types, args).hex()})

    def clone(self, template: str, target: str, probes: list[str]) -> None:
        """Copy code and the first CLONE_SLOTS storage slots of `template` to `target`, then
        check that every probe (a view signature) answers the same on both."""
        code = self.rpc.call("eth_getCode", [template, "latest"])
        slots = self.rpc.batch(
            [
                ("eth_getStorageAt", [template, hex(i), "latest"])
                for i in range(CLONE_SLOTS)
            ]
        )
        self.rpc.batch(
            [("anvil_setCode", [target, code])]
            + [
                ("anvil_setStorageAt", [target, hex(i), value])
                for i, value in enumerate(slots)
            ]
        )
        for probe in probes:
            want, got = self.rpc.batch(
                [
                    ("eth_call", [{"to": addr, "data": _selector(probe)}, "latest"])
                    for addr in (template, target)
                ]
            )
            if want != got:
                raise ForkError(
                    f"clone check failed at {target}: {probe} returned {got}, template {want}"
                )


def seed(
    rpc: Rpc,
    config: DeployConfig,
    bytecode: Optional[dict[str, str]] = None,
    log: Log = print,
) -> dict:
    """Place mocks at every real address of `config` on the upstream; returns what was placed."""
    seeder = Seeder(rpc, bytecode or _artifacts())
    head = rpc.call("eth_getBlockByNumber", ["latest", False])
    now = int(head["timestamp"], 16)
    placed: dict[str, str] = {}

    def token(symbol: str, address: Optional[str], decimals: int) -> None:
        if address is None:
            return
        name = f"{symbol} (offline fork mock)"[:32]
        template = seeder.deploy(
            "MockERC20", ["string", "string", "uint8"], [name, symbol, decimals]
        )
        seeder.clone(
            template, address, ["name()", "symbol()", "decimals()", "totalSupply()"]
        )
        placed[f"tokens.{symbol}"] = address

    token(config.quote.symbol, config.quote.token, config.quote.decimals)
    for symbol, fc in config.oracle.feeds.items():
        if symbol != config.quote.symbol:
            token(symbol, fc.token, config.token_decimals(symbol))
    for symbol, fc in config.oracle.feeds.items():
        if fc.feed is None:
            continue
        if fc.mock_price is None:
            raise ForkError(
                f"config {config.network}: oracle.feeds.{symbol}.mock_price is needed for an offline fork"
            )
        answer = to_feed_answer(fc.mock_price, fc.feed_decimals)
        template = seeder.deploy(
            "MockAggregator", ["uint8", "int256"], [fc.feed_decimals, answer]
        )
        seeder.clone(
            template,
            fc.feed,
            ["decimals()", "latestRoundData()", "description()", "version()"],
        )
        placed[f"feeds.{symbol}"] = fc.feed
    if config.oracle.sequencer_feed is not None:
        template = seeder.deploy(
            "MockSequencerFeed", ["int256", "uint256"], [0, now - SEQUENCER_UP_FOR]
        )
        seeder.clone(
            template, config.oracle.sequencer_feed, ["latestRoundData()", "decimals()"]
        )
        placed["sequencer_feed"] = config.oracle.sequencer_feed
    rpc.call("anvil_stopImpersonatingAccount", [SEEDER])
    log(f"seeded {len(placed)} mocks at real {config.network} addresses on {rpc.url}")
    return placed


def refresh(rpc: Rpc, config: DeployConfig, log: Log = print) -> None:
    """Re-publish every seeded feed's mock_price stamped with the upstream's current time
    (a long-running upstream's answers age like real ones; this makes them fresh again)."""
    seeder = Seeder(rpc, {})
    for symbol, fc in config.oracle.feeds.items():
        if fc.feed is not None and fc.mock_price is not None:
            seeder.transact(
                fc.feed,
                "set_answer(int256)",
                ["int256"],
                [to_feed_answer(fc.mock_price, fc.feed_decimals)],
            )
    rpc.call("anvil_stopImpersonatingAccount", [SEEDER])
    log(f"refreshed the feeds of {config.network} on {rpc.url}")


# ---- ape fork connection ------------------------------------------------------------------
FORK_START_TIMEOUT = (
    30  # seconds ape waits for a forked anvil to answer RPC, per attempt
)
FORK_START_ATTEMPTS = 3


@contextlib.contextmanager
def fork_connection(spec: ForkSpec, upstream_url: str) -> Iterator[Any]:
    """Connect ape to `<l2>:<network>-fork:foundry` forking `upstream_url`.

    In this process only: the node URI and the fork's hardfork name are overridden in ape's
    loaded config, not in ape-config.yaml, and restored afterwards.
    """
    from ape import chain
    from ape import config as ape_config
    from ape import networks
    from ape_foundry.provider import FoundryForkConfig

    node = getattr(ape_config.get_config("node"), spec.ecosystem)
    forks = ape_config.get_config("foundry").fork.setdefault(spec.ecosystem, {})
    had_node, had_fork = spec.network in node, spec.network in forks
    node.setdefault(spec.network, {})
    fork_cfg = forks.setdefault(
        spec.network, FoundryForkConfig(upstream_provider="node")
    )
    saved = (node[spec.network].get("uri"), fork_cfg.evm_version)
    node[spec.network]["uri"] = upstream_url
    fork_cfg.evm_version = spec.hardfork
    # ape 0.8.51 caches chain ids by network name only ("mainnet-fork"), so an Arbitrum fork
    # and an OP fork in one process would share a cached id: forget it on the way in and out.
    cache_key = f"{spec.network}-fork"
    chain._chain_id_cache.pop(cache_key, None)
    # ape waits 20 s for the forked anvil to answer, on one random port. Now and then (about
    # one fork start in 30 in a full test run) the forked anvil never answers on its port;
    # a fresh start on a new port does. So: up to FORK_START_ATTEMPTS starts, each with its
    # own timeout, the failed process stopped before the next.
    from ape.api.providers import SubprocessProvider
    from ape.exceptions import RPCTimeoutError

    original_start = SubprocessProvider.start

    def patient_start(self, timeout: int = FORK_START_TIMEOUT):
        for attempt in range(1, FORK_START_ATTEMPTS + 1):
            try:
                return original_start(self, timeout=timeout)
            except RPCTimeoutError:
                if attempt == FORK_START_ATTEMPTS:
                    raise
                self.stop()
                self._host = "auto"  # ape-foundry picks a new random port

    SubprocessProvider.start = patient_start
    try:
        with networks.parse_network_choice(spec.fork_network) as provider:
            yield provider
    finally:
        SubprocessProvider.start = original_start
        chain._chain_id_cache.pop(cache_key, None)
        node[spec.network]["uri"], fork_cfg.evm_version = saved
        if not had_node:
            del node[spec.network]
        if not had_fork:
            del forks[spec.network]


# ---- checks after deploying on the fork --------------------------------------------------
def fork_checks(
    dep, config: DeployConfig, deployer, log: Log = print
) -> list[tuple[str, str, str]]:
    """Read prices through the adapter at the real feed addresses and exercise the sequencer
    policy on the fork. Returns (check, expected, got) rows; raises if any differs."""
    from ape import chain, project

    from scripts._config import to_wad
    from scripts._constants import PriceStatus
    from scripts._ui import status_name

    ok, down, grace, stale = (
        int(PriceStatus.OK),
        int(PriceStatus.SEQUENCER_DOWN),
        int(PriceStatus.GRACE),
        int(PriceStatus.STALE),
    )
    oracle = dep.contracts["OracleAdapter"]
    rows: list[tuple[str, str, str]] = []

    def expect(
        check: str, want_price: Optional[int], want_status: int, got: tuple[int, int]
    ) -> None:
        want = f"{status_name(want_status)}" + (
            "" if want_price is None else f" {want_price}"
        )
        have = f"{status_name(got[1])}" + ("" if want_price is None else f" {got[0]}")
        rows.append((check, want, have))
        if int(got[1]) != want_status or (
            want_price is not None and int(got[0]) != want_price
        ):
            raise AssertionError(f"{check}: expected {want}, got {have}")

    for symbol, token in dep.tokens.items():
        fc = config.oracle.feeds[symbol]
        expect(
            f"{symbol} price via {fc.feed}",
            to_wad(fc.mock_price),
            ok,
            oracle.price_info(token.address),
        )
    weth = dep.tokens["WETH"].address
    seq = project.MockSequencerFeed.at(config.oracle.sequencer_feed)
    snap = chain.snapshot()
    seq.set_status(True, sender=deployer)
    expect("sequencer down -> WETH", 0, down, oracle.price_info(weth))
    # down for a minute: a restart in the second of the feed's last answer would not be later
    chain.pending_timestamp = chain.blocks.head.timestamp + 60
    seq.set_status(False, sender=deployer)
    # the answer predates the restart (frozen by the outage): STALE until the feed publishes
    expect("sequencer back up -> WETH", 0, stale, oracle.price_info(weth))
    feed = config.oracle.feeds["WETH"]
    aggregator = project.MockAggregator.at(feed.feed)
    answer = to_feed_answer(feed.mock_price, feed.feed_decimals)
    aggregator.set_answer(answer, sender=deployer)
    expect(
        "feed published after the restart -> WETH", None, grace, oracle.price_info(weth)
    )
    chain.mine(timestamp=chain.pending_timestamp + oracle.grace_period() + 1)
    # a live feed keeps publishing meanwhile (the OP heartbeat is shorter than the grace period)
    aggregator.set_answer(answer, sender=deployer)
    expect(
        "grace period over (feed updated) -> WETH",
        to_wad(feed.mock_price),
        ok,
        oracle.price_info(weth),
    )
    chain.restore(snap)
    snap = chain.snapshot()
    chain.mine(
        timestamp=chain.pending_timestamp + config.oracle.feeds["WETH"].heartbeat + 1
    )
    expect("WETH silent for heartbeat + 1 s", 0, stale, oracle.price_info(weth))
    chain.restore(snap)
    if "MarginEngine" in dep.contracts:
        rows += _money_checks(dep, config)
    for row in rows:
        log(f"  ok  {row[0]}: {row[2]}")
    return rows


def _money_checks(dep, config: DeployConfig) -> list[tuple[str, str, str]]:
    """An LP deposit and a WETH-backed borrow through the real token addresses on the fork
    (the mock tokens there mint to anyone). Restores the chain afterwards."""
    from ape import accounts, chain

    vault, engine = dep.contracts["Vault"], dep.contracts["MarginEngine"]
    usdc, weth = dep.tokens[config.quote.symbol], dep.tokens["WETH"]
    lp, trader = accounts.test_accounts[2], accounts.test_accounts[4]
    one_usdc = 10**config.quote.decimals
    rows = []
    snap = chain.snapshot()
    usdc.mint(lp, 100_000 * one_usdc, sender=lp)
    usdc.approve(vault, 100_000 * one_usdc, sender=lp)
    vault.deposit(100_000 * one_usdc, lp, sender=lp)
    rows.append(
        (
            "LP deposit 100,000 USDC -> vault assets",
            str(100_000 * one_usdc),
            str(vault.totalAssets()),
        )
    )
    weth.mint(trader, 10 * 10**18, sender=trader)
    weth.approve(engine, 10 * 10**18, sender=trader)
    engine.open_account(2, sender=trader)
    account = engine.account_count()
    engine.deposit_collateral(account, weth, 10 * 10**18, sender=trader)
    engine.borrow(account, 10_000 * one_usdc, trader, sender=trader)
    rows.append(
        (
            "borrow 10,000 USDC on 10 WETH -> trader USDC",
            str(10_000 * one_usdc),
            str(usdc.balanceOf(trader)),
        )
    )
    health = engine.health_factor(account)
    rows.append(("health factor > 1", "> 10**18", str(health)))
    chain.restore(snap)
    for check, want, got in rows[:2]:
        if want != got:
            raise AssertionError(f"{check}: expected {want}, got {got}")
    if health <= 10**18:
        raise AssertionError(f"health factor {health} not above 1")
    return rows


# ---- commands ---------------------------------------------------------------------------
def _state_path(spec: ForkSpec) -> Path:
    return STATE_DIR / f"{spec.ecosystem}.json"


def cmd_up(spec: ForkSpec, port: Optional[int], log: Log) -> None:
    state = _state_path(spec)
    if state.exists():
        info = json.loads(state.read_text())
        if _alive(info["pid"]) and _is_our_anvil(info["pid"], info["port"]):
            raise ForkError(
                f"{spec.ecosystem} upstream already running on port {info['port']} (pid {info['pid']})"
            )
        state.unlink()
    want = configured_port(spec)
    port = port or want
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    log_path = STATE_DIR / f"{spec.ecosystem}.log"
    upstream = Upstream.start(spec, port, log_path=log_path)
    try:
        config, _ = load(config_path(spec.config))
        seed(upstream.rpc, config, log=log)
    except BaseException:
        upstream.stop()
        raise
    state.write_text(
        json.dumps({"pid": upstream.pid, "port": port, "chain_id": spec.chain_id})
    )
    log(
        f"{spec.ecosystem} upstream (chain id {spec.chain_id}) on {upstream.url}, pid {upstream.pid}, log {log_path}"
    )
    if port != want:
        log(f"note: ape-config.yaml forks port {want}; ape will not see this upstream")
    log(
        f"next: ape run deploy --network {spec.fork_network} --config {spec.config} --account TEST::0"
    )
    log(f"stop: python -m scripts._fork down --network {spec.ecosystem}")


def cmd_down(spec: ForkSpec, log: Log) -> None:
    state = _state_path(spec)
    if not state.exists():
        log(f"no {spec.ecosystem} upstream recorded in {state}")
        return
    info = json.loads(state.read_text())
    if _alive(info["pid"]) and _is_our_anvil(info["pid"], info["port"]):
        Upstream(spec, info["port"], pid=info["pid"]).stop()
        log(
            f"stopped the {spec.ecosystem} upstream (pid {info['pid']}, port {info['port']})"
        )
    else:
        log(
            f"the {spec.ecosystem} upstream (pid {info['pid']}) is not running any more"
        )
    state.unlink()


def cmd_refresh(spec: ForkSpec, log: Log) -> None:
    state = _state_path(spec)
    if not state.exists():
        raise ForkError(
            f"no {spec.ecosystem} upstream running (python -m scripts._fork up --network {spec.ecosystem})"
        )
    info = json.loads(state.read_text())
    config, _ = load(config_path(spec.config))
    refresh(Rpc(f"http://127.0.0.1:{info['port']}"), config, log)


def cmd_run(
    spec: ForkSpec, port: Optional[int], deployments_dir: Optional[Path], log: Log
) -> None:
    """up -> deploy from the mainnet config on the fork -> checks -> down (always)."""
    from ape import accounts

    from scripts._deploy import run_deploy

    config, _ = load(config_path(spec.config))
    upstream = Upstream.start(spec, port or free_port())
    try:
        log(f"{spec.ecosystem} upstream (chain id {spec.chain_id}) on {upstream.url}")
        seed(upstream.rpc, config, log=log)
        with fork_connection(spec, upstream.url):
            deployer = accounts.test_accounts[0]
            dep, path = run_deploy(
                spec.config, deployer, deployments_dir=deployments_dir, log=log
            )
            log(f"deployed on {spec.fork_network}; wrote {path}")
            if (
                not config.mocks
            ):  # testnet configs deploy their own mocks: nothing real to read
                fork_checks(dep, config, deployer, log)
    finally:
        upstream.stop()
        log(f"stopped the {spec.ecosystem} upstream")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts._fork", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("command", choices=["up", "down", "refresh", "run"])
    parser.add_argument("--network", required=True, choices=sorted(NETWORKS))
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="upstream port (up: ape-config's; run: a free one)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="run: show ape's INFO log"
    )
    parser.add_argument(
        "--deployments-dir",
        type=Path,
        default=None,
        help="run: where to write <name>.json",
    )
    args = parser.parse_args(argv)
    spec = NETWORKS[args.network]
    log = print
    try:
        if args.command == "up":
            cmd_up(spec, args.port, log)
        elif args.command == "down":
            cmd_down(spec, log)
        elif args.command == "refresh":
            cmd_refresh(spec, log)
        else:
            if not args.verbose:
                from ape.logging import logger

                logger.set_level("WARNING")
            cmd_run(spec, args.port, args.deployments_dir, log)
    except (ForkError, RpcError, ConfigError, DeploymentExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
