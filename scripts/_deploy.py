"""Deploy Bulkhead from a validated config (library code shared by `ape run deploy`,
`ape run demo`, the offline fork runner and the tests).

Order of a deployment, and where each check lives (docs/deploy.md):
1. ``_config.load``: the file itself (keys, types, bounds, cross-field rules).
2. ``check_existing``: refuses to duplicate a deployment that is still live on this chain.
3. ``preflight``: what needs the chain, read-only (chain id, mocks only on local chains and
   testnets, code and decimals at every configured address, a price for every listing).
4. ``deploy``: mocks (local/testnet configs only), then the OracleAdapter and its feeds,
   the Vault, MarketRegistry and MarginEngine, the Lens, the collaterals, the perp markets.
5. ``write_deployment``: ``deployments/<name>.json`` for bots and integrators.
No transaction is sent before steps 1-3 pass. ``run_deploy`` chains them.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

from scripts import _engine
from scripts._config import (
    ConfigError,
    DeployConfig,
    config_path,
    load,
    to_feed_answer,
    to_rate_per_second,
    to_units,
    to_wad,
)

ROOT = Path(__file__).resolve().parents[1]
DEPLOYMENTS = ROOT / "deployments"
ZERO = "0x0000000000000000000000000000000000000000"
SCHEMA_VERSION = 1

# Chains on which mock tokens and feeds (mintable by anyone) may be deployed: ape's local
# anvil and the public testnets of the target L2s (and Ethereum Sepolia).
LOCAL_CHAIN_IDS = frozenset({31337, 1337})
TESTNET_CHAIN_IDS = frozenset({11155111, 421614, 11155420})
MOCK_CHAIN_IDS = LOCAL_CHAIN_IDS | TESTNET_CHAIN_IDS

Log = Callable[[str], None]

# The contracts with an owner (two-step transfer): the handover offers each of them.
OWNED = ("OracleAdapter", "Vault", "MarketRegistry", "MarginEngine")


class DeploymentExistsError(RuntimeError):
    """deployments/<name>.json describes a deployment that still has code on this chain."""


class DeployAborted(RuntimeError):
    """The operator declined the confirmation (nothing was sent)."""


@dataclass
class Deployment:
    """Addresses and handles of one deployment (contract objects are ape ContractInstances)."""

    # deployment name: deployments/<network>.json ("local", "arbitrum-mainnet", ...)
    network: str
    chain_id: int
    # block of the first Bulkhead (non-mock) contract: bots index events from here
    block: int
    config_hash: str
    config_name: str = ""
    # "<ecosystem>:<network>" as ape names it
    ape_network: str = ""
    deployer: str = ZERO
    # head block once everything is wired
    last_block: int = 0
    contracts: dict[str, Any] = field(default_factory=dict)
    # symbol -> token contract; symbol -> feed contract (mock or real)
    tokens: dict[str, Any] = field(default_factory=dict)
    feeds: dict[str, Any] = field(default_factory=dict)
    sequencer_feed: Any = None
    # what was deployed as a mock: "tokens.USDC", "feeds.WETH", "sequencer_feed"
    mocks: list[str] = field(default_factory=list)
    # market name -> (market id, config asset symbol, oracle asset address), in listing order
    markets: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    # roles.owner, offered ownership of every contract (two-step; ZERO = none)
    pending_owner: str = ZERO
    receipts: list[tuple[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict:
        sequencer = (
            self.sequencer_feed.address if self.sequencer_feed is not None else ZERO
        )
        return {
            "schema_version": SCHEMA_VERSION,
            "network": self.network,
            "ape_network": self.ape_network,
            "chain_id": self.chain_id,
            "block": self.block,
            "last_block": self.last_block,
            "deployed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "deployer": self.deployer,
            "pending_owner": self.pending_owner,
            "config": self.config_name,
            "config_sha256": self.config_hash,
            "git_commit": git_commit(),
            "contracts": {name: c.address for name, c in self.contracts.items()},
            "tokens": {sym: t.address for sym, t in self.tokens.items()},
            "feeds": {sym: f.address for sym, f in self.feeds.items()},
            "sequencer_feed": sequencer,
            "mocks": list(self.mocks),
            "markets": {
                name: {"id": market_id, "asset": asset, "oracle_asset": oracle_asset}
                for name, (market_id, asset, oracle_asset) in self.markets.items()
            },
        }


def git_commit() -> str:
    """HEAD's commit, suffixed "-dirty" when the tree has changes; "unknown" outside git.
    Read-only: GIT_OPTIONAL_LOCKS=0 keeps `git status` from refreshing the index."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        return head + ("-dirty" if git("status", "--porcelain") else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def deployment_name(ecosystem: str, network: str) -> str:
    """The file stem under deployments/: "local" for ape's local Ethereum chain, otherwise
    "<ecosystem>-<network>" (so a fork, "arbitrum-mainnet-fork", never overwrites the record
    of the live "arbitrum-mainnet")."""
    if ecosystem == "ethereum" and network == "local":
        return "local"
    return f"{ecosystem}-{network}"


def deployment_path(name: str, directory: Path | None = None) -> Path:
    return (directory or DEPLOYMENTS) / f"{name}.json"


def _has_code(address: str) -> bool:
    from ape import chain

    return len(chain.provider.get_code(address)) > 0


def check_existing(
    path: Path, chain_id: int, force: bool, log: Log = print
) -> Optional[dict]:
    """Refuse to deploy over a deployment that still exists.

    A record counts as live when it is for this chain id and its OracleAdapter address still
    has code. A live record is replaced only with ``force`` (said loudly); a stale record
    (a restarted local chain or fork: no code there any more) is replaced with a note. A
    record for another chain id under this name is refused without ``force``: the name says
    it should be this chain, so something is off. Returns the previous record, if any.
    """
    if not path.exists():
        return None
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    try:
        previous = json.loads(path.read_text())
        recorded_chain = int(previous["chain_id"])
        oracle = previous["contracts"]["OracleAdapter"]
    except (ValueError, KeyError, TypeError) as exc:
        if not force:
            message = f"{where} exists but cannot be read ({exc!r}); inspect it, or pass --force"
            raise DeploymentExistsError(message) from None
        log(f"--force: replacing unreadable {where}")
        return None
    if recorded_chain != chain_id:
        if not force:
            raise DeploymentExistsError(
                f"{where} records chain id {recorded_chain}, but this chain is {chain_id}; "
                "pass --force to replace the record"
            )
        log(f"--force: replacing {where} (recorded for chain id {recorded_chain})")
        return previous
    if _has_code(oracle):
        if not force:
            raise DeploymentExistsError(
                f"{where} describes a live deployment: OracleAdapter {oracle} has code on "
                f"chain {chain_id} (deployed at block {previous.get('block')}). Refusing to "
                "deploy a second one; pass --force to deploy anyway and overwrite the record"
            )
        log(
            f"--force: {where} describes a live deployment (OracleAdapter {oracle}); "
            "deploying a new one and overwriting the record. The old contracts stay on chain; "
            "the old record stays in git history."
        )
        return previous
    log(
        f"{where}: OracleAdapter {oracle} has no code on this chain (restarted?); replacing it"
    )
    return previous


def preflight(config: DeployConfig) -> None:
    """Read-only checks against the connected chain; raises ConfigError naming every bad field.

    Chain id matches ``chain_id``; mocks only on local chains and testnets; every configured
    address has code; token and feed decimals on chain match the config; the sequencer feed
    answers ``latestRoundData``. Listing a collateral (the engine's constructor lists the
    quote) or a perp market needs the adapter to price its asset, so with a vault section
    every configured feed behind a collateral or a market must have a fresh answer > 0 and
    a configured sequencer feed must report the sequencer up (otherwise the deployment
    would stop half-wired).
    """
    from ape import chain, project

    problems: list[tuple[str, str]] = []

    def bad(field_name: str, message: str) -> None:
        problems.append((field_name, message))

    chain_id = (
        chain.provider.chain_id
    )  # from the node: ape's cache keys forks by name only
    if config.chain_id is not None and config.chain_id != chain_id:
        bad(
            "chain_id",
            f"config is for chain {config.chain_id}, connected to chain {chain_id}",
        )
    if config.mocks and chain_id not in MOCK_CHAIN_IDS:
        where = f"only deployed on local chains and testnets, not chain {chain_id}"
        bad("mocks", f"mock tokens and feeds are {where}")
    if problems:  # wrong chain: the address checks below would only add noise
        _raise(problems)

    def has_code(field_name: str, address: Optional[str]) -> bool:
        if address is not None and not _has_code(address):
            bad(field_name, f"no contract code at {address} on chain {chain_id}")
            return False
        return address is not None

    def decimals(field_name: str, contract, expected: Optional[int]) -> None:
        try:
            actual = int(contract.decimals())
        except Exception as exc:  # noqa: BLE001 - a revert or bad return data
            bad(field_name, f"decimals() failed at {contract.address}: {exc}")
            return
        if actual != expected:
            bad(
                field_name,
                f"configured {expected}, but {contract.address} reports {actual}",
            )

    def priced(fields: list[str], symbol: str, feed, heartbeat: int) -> None:
        """Listing needs a price from the adapter: a fresh feed answer > 0."""
        try:
            _, answer, _, updated_at, _ = feed.latestRoundData()
        except Exception as exc:  # noqa: BLE001 - a revert or bad return data
            reason = f"latestRoundData() failed: {exc}"
        else:
            age = chain.blocks.head.timestamp - int(updated_at)
            if int(answer) <= 0 or int(updated_at) == 0:
                reason = f"answer {int(answer)}, updated at {int(updated_at)}"
            elif age > heartbeat:
                reason = f"stale: last answer {age} s old, heartbeat {heartbeat} s"
            elif age < 0:
                reason = "answer updated in the future"
            else:
                return
        message = f"the {symbol} feed cannot price it ({reason}); listing needs a price"
        for field_name in fields:
            bad(field_name, message)

    quote = config.quote
    if has_code("quote.token", quote.token):
        decimals("quote.decimals", project.MockERC20.at(quote.token), quote.decimals)
    listed: dict[str, list[str]] = {}  # feed symbol -> the listings that need its price
    if config.vault is not None:
        for symbol in config.collaterals:
            listed.setdefault(symbol, []).append(f"collaterals.{symbol}")
        for name, mc in config.markets.items():
            listed.setdefault(mc.asset, []).append(f"markets.{name}.asset")
    sequencer = config.oracle.sequencer_feed
    if has_code("oracle.sequencer_feed", sequencer):
        try:
            answer = project.MockSequencerFeed.at(sequencer).latestRoundData()[1]
        except Exception as exc:  # noqa: BLE001 - any failure means it is not a feed
            bad("oracle.sequencer_feed", f"latestRoundData() failed: {exc}")
        else:
            if listed and int(answer) != 0:
                message = "reports the sequencer down; listing needs prices"
                bad("oracle.sequencer_feed", message)
    for symbol, fc in config.oracle.feeds.items():
        base = f"oracle.feeds.{symbol}"
        if has_code(f"{base}.token", fc.token):
            decimals(
                f"{base}.token_decimals",
                project.MockERC20.at(fc.token),
                fc.token_decimals,
            )
        if has_code(f"{base}.feed", fc.feed):
            feed = project.MockAggregator.at(fc.feed)
            decimals(f"{base}.feed_decimals", feed, fc.feed_decimals)
            if symbol in listed:
                priced(listed[symbol], symbol, feed, fc.heartbeat)
    if problems:
        _raise(problems)


def _raise(problems: list[tuple[str, str]]) -> None:
    message = "; ".join(f"{field}: {msg}" for field, msg in problems)
    raise ConfigError(message, [field for field, _ in problems])


def deploy(
    config: DeployConfig,
    config_hash: str,
    deployer,
    log: Log = print,
    *,
    name: Optional[str] = None,
    config_name: str = "",
) -> Deployment:
    """Check (``preflight``), then deploy and wire everything the config describes.

    ``name`` is the deployment name (deployments/<name>.json); it defaults to the ape network
    (``deployment_name``). Returns the Deployment; writing the JSON is the caller's choice.
    """
    from ape import chain, project

    preflight(config)
    net = chain.provider.network
    dep = Deployment(
        network=name or deployment_name(net.ecosystem.name, net.name),
        chain_id=chain.provider.chain_id,
        block=0,
        config_hash=config_hash,
        config_name=config_name or config.network,
        ape_network=f"{net.ecosystem.name}:{net.name}",
        deployer=deployer.address,
    )

    def send(label: str, receipt):
        dep.receipts.append((label, receipt))
        return receipt

    # ---- tokens and feeds (mocks where the config leaves them null) ----
    def token(symbol: str, address: Optional[str], decimals: int) -> None:
        if address is not None:
            dep.tokens[symbol] = project.MockERC20.at(address)  # ERC-20 ABI subset
            return
        mock = deployer.deploy(project.MockERC20, f"Mock {symbol}", symbol, decimals)
        dep.tokens[symbol] = mock
        dep.mocks.append(f"tokens.{symbol}")
        log(f"mock token {symbol} ({decimals} dec) at {mock.address}")

    token(config.quote.symbol, config.quote.token, config.quote.decimals)
    for symbol, fc in config.oracle.feeds.items():
        if symbol != config.quote.symbol:
            token(symbol, fc.token, config.token_decimals(symbol))
    for symbol, fc in config.oracle.feeds.items():
        if fc.feed is not None:
            dep.feeds[symbol] = project.MockAggregator.at(
                fc.feed
            )  # Chainlink ABI subset
            continue
        answer = to_feed_answer(fc.mock_price, fc.feed_decimals)
        mock = deployer.deploy(project.MockAggregator, fc.feed_decimals, answer)
        dep.feeds[symbol] = mock
        dep.mocks.append(f"feeds.{symbol}")
        log(f"mock feed {symbol}/USD ({fc.feed_decimals} dec) at {mock.address}")
    if config.oracle.mock_sequencer:
        # status up since one grace period ago, so the chain starts outside the grace window
        started = chain.blocks.head.timestamp - config.oracle.grace_period - 1
        dep.sequencer_feed = deployer.deploy(project.MockSequencerFeed, 0, started)
        dep.mocks.append("sequencer_feed")
        log(f"mock sequencer uptime feed at {dep.sequencer_feed.address}")
    elif config.oracle.sequencer_feed is not None:
        dep.sequencer_feed = project.MockSequencerFeed.at(config.oracle.sequencer_feed)

    # ---- oracle adapter ----
    oracle = deployer.deploy(project.OracleAdapter)
    dep.contracts["OracleAdapter"] = oracle
    dep.block = send(
        "deploy OracleAdapter", chain.get_receipt(oracle.txn_hash)
    ).block_number
    log(f"OracleAdapter at {oracle.address}")
    if dep.sequencer_feed is not None:
        receipt = oracle.set_sequencer_feed(dep.sequencer_feed.address, sender=deployer)
        send("set_sequencer_feed", receipt)
    grace = config.oracle.grace_period
    if grace != oracle.grace_period():
        send("set_grace_period", oracle.set_grace_period(grace, sender=deployer))
    for symbol, fc in config.oracle.feeds.items():
        receipt = oracle.set_feed(
            dep.tokens[symbol].address,
            symbol,
            dep.feeds[symbol].address,
            fc.feed_decimals,
            fc.heartbeat,
            to_wad(fc.deviation),
            to_wad(fc.min_price),
            to_wad(fc.max_price),
            sender=deployer,
        )
        send(f"set_feed {symbol}", receipt)

    if config.vault is not None:
        _deploy_vault_and_engine(config, dep, deployer, send, log)
    owner = config.roles.owner
    if owner is not None and owner != deployer.address:
        for label, contract in dep.contracts.items():
            if label not in OWNED:
                continue  # the Lens holds nothing and has no owner
            receipt = contract.transfer_ownership(owner, sender=deployer)
            send(f"{label}.transfer_ownership", receipt)
        dep.pending_owner = owner
        log(
            f"ownership offered to {owner}: it must accept_ownership() on each contract"
        )

    dep.last_block = chain.blocks.head.number
    return dep


def _deploy_vault_and_engine(
    config: DeployConfig, dep: Deployment, deployer, send, log: Log
) -> None:
    """Vault over the quote token, MarginEngine over vault and oracle (the quote listed as
    collateral by its constructor), `vault.set_engine`, then the other collaterals."""
    from ape import chain, project

    vc = config.vault
    assert vc is not None
    quote = config.quote.symbol
    quote_token = dep.tokens[quote].address
    rates = vc.interest
    vault = deployer.deploy(
        project.Vault,
        quote_token,
        vc.name,
        vc.symbol,
        to_rate_per_second(rates.base_rate),
        to_rate_per_second(rates.slope1),
        to_rate_per_second(rates.slope2),
        to_wad(rates.kink),
        to_wad(vc.reserve_factor),
    )
    dep.contracts["Vault"] = vault
    send("deploy Vault", chain.get_receipt(vault.txn_hash))
    log(f"Vault at {vault.address}")

    qc = config.collaterals[quote]
    # Perp markets live in their own registry (the engine would not fit EIP-170 with them).
    registry = deployer.deploy(
        project.MarketRegistry,
        dep.contracts["OracleAdapter"].address,
        vault.address,
        quote_token,  # the adapter prices the quote by its own token address
    )
    dep.contracts["MarketRegistry"] = registry
    send("deploy MarketRegistry", chain.get_receipt(registry.txn_hash))
    log(f"MarketRegistry at {registry.address}")
    # The engine's liquidation and collateral setters run as its code from the extension
    # (delegatecall; docs/architecture.md): deploy the extension first, for the same wiring.
    extension = deployer.deploy(
        project.MarginEngineExtension,
        vault.address,
        dep.contracts["OracleAdapter"].address,
        registry.address,
        quote_token,
    )
    dep.contracts["MarginEngineExtension"] = extension
    send("deploy MarginEngineExtension", chain.get_receipt(extension.txn_hash))
    engine = deployer.deploy(
        project.MarginEngine,
        vault.address,
        dep.contracts["OracleAdapter"].address,
        registry.address,
        quote_token,  # the adapter prices the quote by its own token address
        to_wad(qc.collateral_factor),
        to_wad(qc.liquidation_threshold),
        to_wad(qc.liquidation_bonus),
        to_units(qc.supply_cap, config.quote.decimals),
        extension.address,
    )
    send("deploy MarginEngine", chain.get_receipt(engine.txn_hash))
    # The engine decodes the extension's events too (they come from the engine's address).
    engine = _engine.attach(project, engine.address)
    dep.contracts["MarginEngine"] = engine
    log(f"MarginEngine at {engine.address}")
    send("vault.set_engine", vault.set_engine(engine.address, sender=deployer))
    send("registry.set_engine", registry.set_engine(engine.address, sender=deployer))
    # The read-only Lens bots scan with (it holds nothing and has no owner).
    lens = deployer.deploy(project.Lens, engine.address)
    dep.contracts["Lens"] = lens
    send("deploy Lens", chain.get_receipt(lens.txn_hash))
    log(f"Lens at {lens.address}")
    if config.roles.guardian is not None:
        guardian = config.roles.guardian
        send("vault.set_guardian", vault.set_guardian(guardian, sender=deployer))
        send("engine.set_guardian", engine.set_guardian(guardian, sender=deployer))
    min_debt = to_units(config.engine.min_debt, config.quote.decimals)
    if min_debt != engine.min_debt():
        send("engine.set_min_debt", engine.set_min_debt(min_debt, sender=deployer))
    for symbol, cc in config.collaterals.items():
        if symbol == quote:
            continue
        token = dep.tokens[symbol].address
        receipt = engine.list_collateral(
            token,
            token,  # oracle asset: the adapter keys feeds by token address
            to_wad(cc.collateral_factor),
            to_wad(cc.liquidation_threshold),
            to_wad(cc.liquidation_bonus),
            to_units(cc.supply_cap, config.token_decimals(symbol)),
            sender=deployer,
        )
        send(f"engine.list_collateral {symbol}", receipt)
    _list_markets(config, dep, deployer, send, log)


def _list_markets(
    config: DeployConfig, dep: Deployment, deployer, send, log: Log
) -> None:
    """`registry.list_market` for every configured market, in config order, from the owner
    (the deployer): ids run 1, 2, ... on the fresh registry. The id is read from the
    MarketListed event (no trace needed) and checked against the expected one."""
    registry = dep.contracts["MarketRegistry"]
    for expected_id, (name, mc) in enumerate(config.markets.items(), start=1):
        asset = dep.tokens[mc.asset].address  # the adapter keys feeds by token address
        params = tuple(mc.params().values())  # IMarketRegistry.MarketParams order
        receipt = send(
            f"registry.list_market {name}",
            registry.list_market(asset, params, sender=deployer),
        )
        listed = receipt.decode_logs(registry.MarketListed)
        market_id = int(listed[0].market_id) if len(listed) == 1 else 0
        if market_id != expected_id:
            raise RuntimeError(
                f"markets.{name}: listed as id {market_id}, expected {expected_id} "
                "(was the registry fresh?)"
            )
        dep.markets[name] = (market_id, mc.asset, asset)
        log(f"market {name} (id {market_id}) on {mc.asset} {asset}")


def write_deployment(dep: Deployment, path: Path | None = None) -> Path:
    """Write deployments/<name>.json atomically (a reader never sees half a file)."""
    path = path or deployment_path(dep.network)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(dep.to_json(), indent=2) + "\n")
    os.replace(tmp, path)
    return path


def resolve_config(config: str | Path) -> Path:
    """A config given by name (config/<name>.yaml) or by path (anything ending in .yaml/.yml)."""
    text = str(config)
    if isinstance(config, Path) or text.endswith((".yaml", ".yml")):
        return Path(config)
    return config_path(text)


def is_live(network) -> bool:
    """A network whose transactions are real: anything but ape's local chains and forks."""
    return not network.is_dev


def node_client() -> str:
    """The connected node's web3_clientVersion ("" when it does not answer)."""
    from ape import chain

    try:
        return str(chain.provider.make_request("web3_clientVersion", []))
    except Exception:  # noqa: BLE001 - a node without the method is not an anvil
        return ""


def run_deploy(
    config: str | Path,
    deployer,
    *,
    force: bool = False,
    confirm: Optional[Callable[[str], bool]] = None,
    deployments_dir: Path | None = None,
    log: Log = print,
) -> tuple[Deployment, Path]:
    """Everything `ape run deploy` does once connected: load and check the config (a name
    under config/ or a path), refuse a duplicate, refuse a test account on a live network,
    ask ``confirm`` before broadcasting to a live network (None = do not ask), deploy, write
    deployments/<name>.json (or into ``deployments_dir``). Nothing is sent unless every
    check passed. Returns the Deployment and the path written.
    """
    from ape import chain
    from ape.api.accounts import TestAccountAPI

    source = resolve_config(config)
    config_name = source.stem
    config, digest = load(source)
    net = chain.provider.network
    name = deployment_name(net.ecosystem.name, net.name)
    path = deployment_path(name, deployments_dir)
    chain_id = chain.provider.chain_id
    check_existing(path, chain_id, force, log)
    preflight(config)

    live = is_live(net)
    if live and "anvil" in node_client().lower():
        # e.g. ape-config's node URI still pointing at the offline fork upstream
        raise ConfigError(
            f"--network: {net.ecosystem.name}:{net.name} is a live network, but the node at "
            f"{getattr(chain.provider, 'uri', '?')} is an anvil (the offline fork upstream?); "
            "nothing would reach the real chain. Use the real RPC URL (docs/deploy.md)",
            ["--network"],
        )
    if live and isinstance(deployer, TestAccountAPI):
        raise ConfigError(
            f"--account: {deployer.address} is a test account (public mnemonic) on the live network "
            f"{net.ecosystem.name}:{net.name}; use an account from `ape accounts`",
            ["--account"],
        )
    if live and confirm is not None:
        summary = (
            f"Deploy Bulkhead to LIVE network {net.ecosystem.name}:{net.name} (chain id {chain_id})\n"
            f"  node     {getattr(chain.provider, 'uri', '?')} ({node_client() or 'unknown client'})\n"
            f"  deployer {deployer.address} (balance {deployer.balance / 10**18:.6f} ETH)\n"
            f"  config   {source} (sha256 {digest[:16]}...)\n"
            f"  record   {path}\n"
            "Broadcast the transactions?"
        )
        if not confirm(summary):
            raise DeployAborted("aborted by the operator; nothing was sent")

    dep = deploy(config, digest, deployer, log, name=name, config_name=config_name)
    return dep, write_deployment(dep, path)
