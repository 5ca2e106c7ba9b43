"""The liquidator bot's core: plain web3.py over the JSON ABIs in interfaces/ and a
deployment record (deployments/<network>.json). No Vyper compiler and no ape needed;
``scripts/liquidator.py`` wraps it as ``ape run liquidator`` and ``python -m scripts.liquidator``.

One round, at one block (docs/bot.md):
  1. scan the engine's active set through ``Lens.liquidatable`` in pages;
  2. for each candidate, quote every token it holds and the sweep
     (``Lens.quote_liquidation_capped`` with the bot's repay cap) and keep the most
     profitable quote that would not revert;
  3. skip it below ``min_profit`` (quote units) or when it would do nothing;
  4. simulate ``MarginEngine.liquidate`` with eth_call, then send it (``min_seize`` = the
     quoted seize less ``slippage_bps``) and log what it repaid, seized and earned.
A failed liquidation (someone else was faster, a price moved) is logged, never raised.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from eth_account import Account
from rich.console import Console
from web3 import Web3
from web3.exceptions import ContractLogicError, TransactionNotFound
from web3.logs import DISCARD

from scripts._constants import MAX_UINT256, ZERO_ADDRESS

ROOT = Path(__file__).resolve().parents[1]
ABI_DIR = ROOT / "interfaces"
KEY_ENV = "BULKHEAD_BOT_KEY"
# eth_estimateGas gives the least gas that succeeds in the pending block; a liquidation's
# nested calls (registry, vault, tokens) pass 63/64 of the gas on, and one reading of
# storage more or less moves the need: send with a margin, paying only for what is used.
GAS_MARGIN_PERCENT = 130

# The ERC-20 functions the bot uses (the quote token's approval and balance): a standard,
# not a Bulkhead interface, so it is not generated into interfaces/.
ERC20_ABI: list[dict[str, Any]] = [
    {
        "name": name,
        "type": "function",
        "stateMutability": mutability,
        "inputs": [{"name": f"a{i}", "type": t} for i, t in enumerate(inputs)],
        "outputs": [{"name": "", "type": output}],
    }
    for name, mutability, inputs, output in (
        ("approve", "nonpayable", ("address", "uint256"), "bool"),
        ("allowance", "view", ("address", "address"), "uint256"),
        ("balanceOf", "view", ("address",), "uint256"),
        ("decimals", "view", (), "uint8"),
        ("symbol", "view", (), "string"),
    )
]


def default_console() -> Console:
    """Timestamped log lines; 120 columns when the output is not a terminal (logs, pipes)."""
    return Console(width=None if sys.stdout.isatty() else 120, log_path=False)


class BotError(RuntimeError):
    """A setup problem the bot cannot run with (bad deployment file, missing ABI, no key)."""


# ---- inputs ---------------------------------------------------------------------------
def load_abi(name: str, abi_dir: Path = ABI_DIR) -> list[dict[str, Any]]:
    """interfaces/<name>.json: a JSON ABI list (or an object with an "abi" key)."""
    path = Path(abi_dir) / f"{name}.json"
    if not path.exists():
        raise BotError(f"ABI {path} not found (run `make abi`)")
    data = json.loads(path.read_text())
    return data["abi"] if isinstance(data, dict) else data


@dataclass(frozen=True)
class DeploymentInfo:
    """What the bot needs from deployments/<network>.json."""

    chain_id: int
    engine: str
    lens: str
    tokens: dict[str, str]  # symbol -> address

    def symbol_of(self, address: str) -> str | None:
        for symbol, token in self.tokens.items():
            if token.lower() == address.lower():
                return symbol
        return None


def load_deployment(path: Path) -> DeploymentInfo:
    """Read and check a deployment record (keys "chain_id", "contracts", "tokens")."""
    path = Path(path)
    if not path.exists():
        raise BotError(f"deployment file {path} not found")
    data = json.loads(path.read_text())
    contracts = data.get("contracts", {})
    missing = [name for name in ("MarginEngine", "Lens") if name not in contracts]
    if missing or "chain_id" not in data:
        what = ", ".join(
            [f"contracts.{m}" for m in missing]
            + (["chain_id"] if "chain_id" not in data else [])
        )
        raise BotError(f"{path}: missing {what}")
    return DeploymentInfo(
        chain_id=int(data["chain_id"]),
        engine=Web3.to_checksum_address(contracts["MarginEngine"]),
        lens=Web3.to_checksum_address(contracts["Lens"]),
        tokens={
            s: Web3.to_checksum_address(a) for s, a in data.get("tokens", {}).items()
        },
    )


@dataclass
class BotConfig:
    """Knobs of one bot (the CLI flags)."""

    min_profit: int = 0  # quote units: skip quotes whose gain is below this
    page_size: int = 100  # active-set entries per Lens.liquidatable call (at most 100)
    slippage_bps: int = 50  # min_seize = quoted seize × (1 − bps / 10,000)
    max_repay: int | None = (
        None  # repay cap in quote units; None = the bot's quote balance
    )
    dry_run: bool = False  # quote and simulate, never send
    receiver: str | None = None  # fee and seize receiver; None = the bot itself
    receipt_timeout: float = 120.0  # seconds to wait for a receipt
    receipt_poll: float = (
        1.0  # seconds between receipt polls at most (from 5 ms, doubling)
    )


# ---- signing --------------------------------------------------------------------------
class Signer(Protocol):
    """Signs the bot's transactions (a raw private key, or an ape account)."""

    address: str

    def sign(self, tx: dict[str, Any]) -> bytes:
        """The raw signed transaction for a web3.py transaction dict."""
        ...


class KeySigner:
    """A private key (hex), e.g. from the BULKHEAD_BOT_KEY environment variable."""

    def __init__(self, private_key: str):
        self._account = Account.from_key(private_key)
        self.address = self._account.address

    def sign(self, tx: dict[str, Any]) -> bytes:
        return bytes(self._account.sign_transaction(tx).raw_transaction)


class ApeSigner:
    """An ape account (keyfile alias, hardware wallet, TEST::n): ape signs, web3 sends."""

    def __init__(self, account: Any):
        self._account = account
        self.address = account.address

    def sign(self, tx: dict[str, Any]) -> bytes:
        from ape import networks

        fields = {
            "chain_id": tx["chainId"],
            "nonce": tx["nonce"],
            "gas": tx["gas"],
            "receiver": tx["to"],
            "data": tx["data"],
            "value": tx.get("value", 0),
        }
        if "maxFeePerGas" in tx:  # EIP-1559
            fields |= {
                "type": 2,
                "max_fee": tx["maxFeePerGas"],
                "max_priority_fee": tx["maxPriorityFeePerGas"],
            }
        else:  # legacy: a node that quotes a gas price only
            fields |= {"type": 0, "gas_price": tx["gasPrice"]}
        txn = networks.provider.network.ecosystem.create_transaction(**fields)
        signed = self._account.sign_transaction(txn)
        if signed is None:
            raise BotError(f"account {self.address} did not sign")
        return bytes(signed.serialize_transaction())


def signer_from_env(environ: dict[str, str]) -> KeySigner:
    key = environ.get(KEY_ENV, "").strip()
    if not key:
        raise BotError(f"no signer: set {KEY_ENV} to the bot's private key (hex)")
    return KeySigner(key)


# ---- results --------------------------------------------------------------------------
@dataclass
class Action:
    """What the bot did with one candidate."""

    account_id: int
    outcome: str  # liquidated | dry-run | skipped | failed
    detail: str = ""
    seize_token: str = ZERO_ADDRESS
    quoted_gain: int = 0  # quote units
    repaid: int = 0
    seized: int = 0
    fee: int = 0
    gain: int = 0  # realised: fee + value(seized) − repaid, quote units
    tx_hash: str = ""


@dataclass
class Round:
    """One scan-and-act pass at one block."""

    block: int
    active: int = 0
    candidates: list[int] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    scan_seconds: float = 0.0
    seconds: float = 0.0

    def by_outcome(self, outcome: str) -> list[Action]:
        return [a for a in self.actions if a.outcome == outcome]


# ---- the bot --------------------------------------------------------------------------
def revert_reason(exc: Exception) -> str:
    """The revert reason of a failed eth_call or estimate, as plainly as the node gives it."""
    if isinstance(exc, ContractLogicError):
        message = exc.message or str(exc)
    else:
        message = str(exc)
    return message.removeprefix("execution reverted: ").strip() or type(exc).__name__


class Liquidator:
    """Scans, quotes, simulates and liquidates; see the module notes."""

    def __init__(
        self,
        w3: Web3,
        deployment: DeploymentInfo,
        signer: Signer,
        config: BotConfig | None = None,
        abi_dir: Path = ABI_DIR,
        console: Console | None = None,
    ):
        self.w3 = w3
        self.dep = deployment
        self.signer = signer
        self.config = config or BotConfig()
        self.console = console or default_console()
        chain_id = w3.eth.chain_id
        if chain_id != deployment.chain_id:
            raise BotError(
                f"RPC chain id {chain_id} is not the deployment's {deployment.chain_id}"
            )
        # Structs decode to named tuples only for the Lens: web3.py's decode_tuples folds a
        # function's unnamed outputs (liquidate's three uint256) into one value.
        self.engine = w3.eth.contract(
            deployment.engine, abi=load_abi("MarginEngine", abi_dir)
        )
        self.lens = w3.eth.contract(
            deployment.lens, abi=load_abi("Lens", abi_dir), decode_tuples=True
        )
        self.quote_token = w3.eth.contract(
            self.engine.functions.quote().call(), abi=ERC20_ABI
        )
        self.quote_decimals = self.quote_token.functions.decimals().call()
        self.quote_symbol = self._symbol(self.quote_token.address)
        self._decimals: dict[str, int] = {self.quote_token.address: self.quote_decimals}
        self.configure(self.config)

    def configure(self, config: BotConfig) -> None:
        """Use `config` from now on (the CLI builds it once the quote's decimals are known)."""
        receiver = config.receiver or self.signer.address
        if not Web3.is_address(receiver):
            raise BotError(f"receiver {receiver!r} is not an address")
        self.config = config
        self.receiver = Web3.to_checksum_address(receiver)

    # -- setup --
    def _allowance(self) -> int:
        return self.quote_token.functions.allowance(
            self.signer.address, self.engine.address
        ).call()

    def ensure_approval(self) -> str | None:
        """Approve the engine for the quote once (max); returns the tx hash if one was sent.
        Never in a dry run."""
        if self.config.dry_run or self._allowance() >= MAX_UINT256 // 2:
            return None
        fn = self.quote_token.functions.approve(self.engine.address, MAX_UINT256)
        tx_hash, receipt = self._send(fn)
        if receipt["status"] != 1:
            raise BotError(f"approve of the engine failed (tx {tx_hash})")
        self.console.log(f"approved the engine for {self.quote_symbol} (tx {tx_hash})")
        return tx_hash

    # -- one round --
    def scan(self, block: int) -> tuple[int, list[Any]]:
        """Every candidate of the active set at `block`, page by page through the Lens."""
        active = self.engine.functions.active_count().call(block_identifier=block)
        page = max(1, min(self.config.page_size, 100))
        found: list[Any] = []
        for start in range(0, active, page):
            found.extend(
                self.lens.functions.liquidatable(start, page).call(
                    block_identifier=block
                )
            )
        return active, found

    def run_round(self, block: int | None = None) -> Round:
        """Scan at `block` (default: the head) and act on every candidate."""
        started = time.perf_counter()
        block = self.w3.eth.block_number if block is None else block
        result = Round(block=block)
        result.active, candidates = self.scan(block)
        result.scan_seconds = time.perf_counter() - started
        result.candidates = [c.account_id for c in candidates]
        self.console.log(
            f"block {block}: {result.active} active, {len(candidates)} liquidatable "
            f"(scan {result.scan_seconds * 1000:.0f} ms)"
        )
        for candidate in candidates:
            try:
                action = self.handle(candidate)
            except Exception as exc:  # noqa: BLE001 - one account never stops the round
                action = Action(
                    candidate.account_id, "failed", f"{type(exc).__name__}: {exc}"
                )
            self._log_action(action)
            result.actions.append(action)
        result.seconds = time.perf_counter() - started
        return result

    def run(
        self,
        once: bool = False,
        poll_interval: float = 2.0,
        max_rounds: int | None = None,
    ) -> list[Round]:
        """Act at every new block (or once); a failing round (the RPC) is logged and, unless
        `once`, retried at the next poll. Returns the completed rounds."""
        rounds: list[Round] = []
        last = -1
        while True:
            try:
                head = self.w3.eth.block_number
                if head != last:
                    rounds.append(self.run_round(head))
                    last = head
            except Exception as exc:  # noqa: BLE001 - the RPC may hiccup; try again next poll
                self.console.log(f"[red]round failed[/]: {type(exc).__name__}: {exc}")
            if once or (max_rounds is not None and len(rounds) >= max_rounds):
                return rounds
            time.sleep(poll_interval)

    # -- one candidate --
    def repay_cap(self) -> int:
        balance = self.quote_token.functions.balanceOf(self.signer.address).call()
        if self.config.max_repay is not None:
            return min(balance, self.config.max_repay)
        return balance

    def quotes(self, account_id: int, cap: int) -> list[Any]:
        """The Lens quote for each token the account holds and for the sweep."""
        tokens: list[str] = list(
            self.engine.functions.collaterals_of(account_id).call()
        )
        return [
            self.lens.functions.quote_liquidation_capped(account_id, token, cap).call()
            for token in [*tokens, ZERO_ADDRESS]
        ]

    @staticmethod
    def best(quotes: Iterable[Any]) -> Any | None:
        """The non-reverting quote with the highest gain (the first on ties)."""
        best = None
        for q in quotes:
            if not q.reverts and (best is None or q.gain > best.gain):
                best = q
        return best

    def handle(self, candidate: Any) -> Action:
        account_id = candidate.account_id
        cap = self.repay_cap()
        quotes = self.quotes(account_id, cap)
        q = self.best(quotes)
        if q is None:
            reasons = sorted({x.reason or "no reason" for x in quotes})
            return Action(
                account_id, "skipped", "every quote reverts: " + "; ".join(reasons)
            )
        action = Action(
            account_id, "skipped", seize_token=q.seize_token, quoted_gain=q.gain
        )
        # A seize step that repays and seizes nothing (the only collateral left is a token
        # whose price is unusable, never seized: M-1) does nothing either.
        if not (q.closes or q.repay or q.seized or q.write_off):
            action.detail = "nothing to do (no position to close, nothing to seize or repay, nothing to write off)"
            return action
        if q.gain < self.config.min_profit:
            action.detail = f"gain {self._quote_units(q.gain)} below min profit {self._quote_units(self.config.min_profit)}"
            return action
        min_seize = (
            q.seized * (10_000 - self.config.slippage_bps) // 10_000 if q.seizes else 0
        )
        fn = self.engine.functions.liquidate(
            account_id, q.repay_cap, q.seize_token, min_seize, self.receiver
        )
        if self.config.dry_run and q.repay > self._allowance():
            # Nothing is approved in a dry run: the repay's transferFrom would fail the eth_call.
            action.outcome, action.detail = (
                "dry-run",
                "quoted, not simulated (the engine has no quote allowance yet)",
            )
            action.repaid, action.seized, action.fee, action.gain = (
                q.repay,
                q.seized,
                q.fee,
                q.gain,
            )
            return action
        try:
            repaid, seized, fee = fn.call({"from": self.signer.address})
        except Exception as exc:  # noqa: BLE001 - a revert, or a node error: skip this one
            action.outcome, action.detail = (
                "failed",
                f"simulation reverted: {revert_reason(exc)}",
            )
            return action
        action.repaid, action.seized, action.fee = repaid, seized, fee
        action.gain = self._realised_gain(q, repaid, seized, fee)
        if self.config.dry_run:
            action.outcome, action.detail = "dry-run", "simulated, not sent"
            return action
        try:
            tx_hash, gas = self._broadcast(fn)
        except Exception as exc:  # noqa: BLE001 - the estimate reverted (someone was faster) or the node refused
            action.outcome, action.detail = "failed", f"not sent: {revert_reason(exc)}"
            return action
        action.tx_hash = tx_hash
        try:
            receipt = self._receipt(tx_hash)
        except Exception as exc:  # noqa: BLE001 - not mined in time: the next round sees the outcome
            action.outcome, action.detail = (
                "failed",
                f"sent, no receipt: {type(exc).__name__}: {exc}",
            )
            return action
        if receipt["status"] != 1:
            action.outcome = "failed"
            action.detail = f"reverted on chain, gas {receipt['gasUsed']} of {gas} (someone else was faster?)"
            return action
        events = self.engine.events.Liquidated().process_receipt(
            receipt, errors=DISCARD
        )
        if events:
            args = events[0]["args"]
            action.repaid, action.seized, action.fee = (
                args["repaid"],
                args["seized"],
                args["fee"],
            )
            action.gain = self._realised_gain(
                q, action.repaid, action.seized, action.fee
            )
        action.outcome = "liquidated"
        return action

    # -- helpers --
    def _broadcast(self, fn: Any) -> tuple[str, int]:
        """Estimate (a revert raises here), add the gas margin, sign and send; returns the
        transaction hash and its gas limit."""
        sender = self.signer.address
        gas = fn.estimate_gas({"from": sender}) * GAS_MARGIN_PERCENT // 100
        tx = fn.build_transaction(
            {
                "from": sender,
                "nonce": self.w3.eth.get_transaction_count(sender, "pending"),
                "chainId": self.dep.chain_id,
                "gas": gas,
            }
        )
        tx_hash = self.w3.eth.send_raw_transaction(self.signer.sign(tx))
        return "0x" + bytes(tx_hash).hex().removeprefix("0x"), gas

    def _receipt(self, tx_hash: str) -> Any:
        """Wait for the receipt, polling fast first (a local chain or a 250 ms L2 block)
        and backing off to `receipt_poll` (a slower chain, a rate-limited RPC)."""
        deadline = time.monotonic() + self.config.receipt_timeout
        delay = 0.005
        while True:
            try:
                return self.w3.eth.get_transaction_receipt(tx_hash)
            except TransactionNotFound:
                if time.monotonic() > deadline:
                    raise
            time.sleep(delay)
            delay = min(2 * delay, self.config.receipt_poll)

    def _send(self, fn: Any) -> tuple[str, Any]:
        tx_hash, _ = self._broadcast(fn)
        return tx_hash, self._receipt(tx_hash)

    @staticmethod
    def _realised_gain(q: Any, repaid: int, seized: int, fee: int) -> int:
        """fee + value(seized) − repaid, the seize valued at the quote's prices."""
        value = q.seize_value * seized // q.seized if q.seized else 0
        return fee + value - repaid

    def _symbol(self, token: str) -> str:
        if token == ZERO_ADDRESS:
            return "sweep"
        symbol = self.dep.symbol_of(token)
        if symbol is None:
            try:
                symbol = (
                    self.w3.eth.contract(token, abi=ERC20_ABI).functions.symbol().call()
                )
            except Exception:  # noqa: BLE001 - a token without symbol(): show the address
                symbol = token[:10]
        return symbol

    def _token_decimals(self, token: str) -> int:
        if token not in self._decimals:
            self._decimals[token] = (
                self.w3.eth.contract(token, abi=ERC20_ABI).functions.decimals().call()
            )
        return self._decimals[token]

    def _quote_units(self, amount: int) -> str:
        return f"{Decimal(amount) / Decimal(10**self.quote_decimals):,.2f} {self.quote_symbol}"

    def log_summary(self, rounds: list[Round]) -> None:
        """One line over all rounds: actions per outcome and the realised profit."""
        actions = [a for r in rounds for a in r.actions]
        counts = ", ".join(
            f"{sum(1 for a in actions if a.outcome == o)} {o}"
            for o in ("liquidated", "dry-run", "skipped", "failed")
        )
        profit = sum(a.gain for a in actions if a.outcome == "liquidated")
        self.console.log(
            f"{len(rounds)} round(s): {counts}; realised profit {self._quote_units(profit)}"
        )

    def _log_action(self, a: Action) -> None:
        token = self._symbol(a.seize_token)
        style = {
            "liquidated": "green",
            "dry-run": "cyan",
            "skipped": "yellow",
            "failed": "red",
        }[a.outcome]
        if a.outcome in ("liquidated", "dry-run"):
            if a.seize_token == ZERO_ADDRESS:
                seized = self._quote_units(a.seized) + " (value)"
            else:
                decimals = self._token_decimals(a.seize_token)
                seized = f"{Decimal(a.seized) / Decimal(10**decimals):,.6f} {token}"
            # Step 2 alone (positions closed, nothing repaid or seized) earns the closing fee.
            what = (
                "positions closed"
                if a.repaid == 0 and a.seized == 0
                else f"seize {token}: repaid {self._quote_units(a.repaid)}, seized {seized}"
            )
            text = (
                f"#{a.account_id} {what}, fee {self._quote_units(a.fee)}, "
                f"profit {self._quote_units(a.gain)} (quoted {self._quote_units(a.quoted_gain)})"
            )
            if a.tx_hash:
                text += f" tx {a.tx_hash}"
        else:
            text = f"#{a.account_id} ({token}): {a.detail}"
        self.console.log(f"[{style}]{a.outcome}[/] {text}")
