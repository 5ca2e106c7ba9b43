"""The lab's chain plumbing: a private anvil, a JSON-RPC client that counts what it sends,
contract encoding over the JSON ABIs, and batches of transactions mined together.

Why a private anvil: ape-foundry starts anvil with ``--steps-tracing``, which records every
EVM step of every transaction. Measured on the project's 2-core machine, 200
``open_isolated`` transactions mined in one block took 5.2 s with it and 0.05-0.08 s
without. The lab never needs step traces, so it starts its own anvil without the flag
(same mnemonic, accounts, zero base fee and hardfork as ape's) and lets ape connect to it
for the deployment only (``APE_FOUNDRY_HOST``). Everything else is plain JSON-RPC.

Determinism: the genesis timestamp is pinned (``--timestamp``), the mempool is ordered
first in, first out (``--order fifo``) and every block's timestamp is set explicitly, so
the same inputs give the same blocks, the same account ids and the same numbers.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak
from eth_utils.abi import get_abi_input_types, get_abi_output_types
from web3 import Web3
from web3.providers.base import JSONBaseProvider

ROOT = Path(__file__).resolve().parents[2]
ABI_DIR = ROOT / "interfaces"
MNEMONIC = "test test test test test test test test test test test junk"
# 2033-05-18, as tests/conftest.py's GAS_T0: a fixed origin after any real clock.
GENESIS_TIME = 2_000_000_000
BLOCK_GAS_LIMIT = 100_000_000_000  # a whole population's setup fits one block
MAX_UINT256 = 2**256 - 1
PRUNE_HISTORY = 64  # recent block states anvil keeps (in memory only)


class RpcError(RuntimeError):
    def __init__(self, method: str, error: Any):
        self.method = method
        self.error = error
        message = error.get("message", error) if isinstance(error, dict) else error
        data = error.get("data") if isinstance(error, dict) else None
        super().__init__(f"{method}: {message}" + (f" ({data})" if data else ""))


class Rpc:
    """JSON-RPC over one keep-alive HTTP connection (http.client: about 0.3 ms a call on
    the project's machine where requests took 3 ms). Counts calls and seconds per method
    (the profile's "where the RPC time went")."""

    def __init__(self, uri: str, timeout: float = 600.0):
        self.uri = uri
        parts = urlsplit(uri)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._path = parts.path or "/"
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._id = 0
        self.calls: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)

    def _connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _post(self, payload: Any) -> Any:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = self._connect()
            try:
                self._conn.request("POST", self._path, body, headers)
                response = self._conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                self._conn.close()
                self._conn = None
                if attempt:
                    raise
                continue
            if response.status != 200:
                raise RpcError("http", f"HTTP {response.status}: {data[:200]!r}")
            return json.loads(data)
        raise AssertionError("unreachable")

    def raw(self, method: str, params: Any) -> dict:
        """The whole response object (web3's provider interface needs it)."""
        self._id += 1
        started = time.perf_counter()
        out = self._post(
            {"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}
        )
        self.seconds[method] += time.perf_counter() - started
        self.calls[method] += 1
        return out

    def call(self, method: str, *params: Any) -> Any:
        out = self.raw(method, list(params))
        if "error" in out:
            raise RpcError(method, out["error"])
        return out["result"]

    def batch(self, requests_: list[tuple[str, list]], chunk: int = 500) -> list[Any]:
        """Many requests in few HTTP posts; each result, or an RpcError in its place."""
        results: list[Any] = []
        for start in range(0, len(requests_), chunk):
            part = requests_[start : start + chunk]
            payload = []
            for method, params in part:
                self._id += 1
                payload.append(
                    {
                        "jsonrpc": "2.0",
                        "id": self._id,
                        "method": method,
                        "params": params,
                    }
                )
            started = time.perf_counter()
            out = self._post(payload)
            elapsed = time.perf_counter() - started
            by_id = {item["id"]: item for item in out}
            for (method, _), request in zip(part, payload):
                self.calls[method] += 1
                self.seconds[method] += elapsed / len(part)
                item = by_id[request["id"]]
                results.append(
                    RpcError(method, item["error"])
                    if "error" in item
                    else item["result"]
                )
        return results

    def web3(self) -> Web3:
        """A web3.py client whose requests go through this counter (the bot uses it)."""
        return Web3(_CountingProvider(self))


class _CountingProvider(JSONBaseProvider):
    def __init__(self, rpc: Rpc):
        super().__init__()
        self.rpc = rpc
        self._chain_id: dict | None = None

    def make_request(self, method, params):  # type: ignore[override]
        # web3.py asks for the chain id before most calls; it never changes on one node
        if method == "eth_chainId":
            if self._chain_id is None:
                self._chain_id = self.rpc.raw("eth_chainId", [])
            return dict(self._chain_id)
        return self.rpc.raw(str(method), params)

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


# ---- the node ---------------------------------------------------------------------------
def anvil_binary() -> str:
    """The native anvil the npm package installed (not its Node.js shim, so the pid is
    anvil's own: its CPU time is measured and stopping it stops the node), else PATH's."""
    native = sorted((ROOT / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil"))
    if native:
        return str(native[0])
    found = shutil.which("anvil")
    if found:
        return found
    raise FileNotFoundError(
        "anvil not found: run `make setup` (it installs anvil from npm)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Anvil:
    """A private anvil process for one lab run (stopped by its own pid)."""

    def __init__(self, log_path: Path | None = None):
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        cmd = [
            anvil_binary(),
            "--port",
            str(self.port),
            "--mnemonic",
            MNEMONIC,
            "--accounts",
            "12",
            "--balance",
            "1000000",
            "--hardfork",
            "cancun",
            "--block-base-fee-per-gas",
            "0",
            "--gas-price",
            "0",
            "--gas-limit",
            str(BLOCK_GAS_LIMIT),
            "--timestamp",
            str(GENESIS_TIME),
            "--order",
            "fifo",
            # no state history on disk: by default anvil moves old blocks' states to
            # ~/.foundry/anvil/tmp and leaves them there when stopped (2.4 GB for the
            # default report, 4.2 GB for the 1,000-trader run); the lab reads only the
            # latest state (snapshots are kept in memory)
            "--prune-history",
            str(PRUNE_HISTORY),
        ]
        self.log_path = log_path
        out = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115
        # its own process group: stop() ends the node and anything it started, nothing else
        self.process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 30
        rpc = Rpc(self.uri, timeout=5)
        while True:
            try:
                rpc.call("eth_chainId")
                break
            except (OSError, http.client.HTTPException, RpcError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"anvil did not start: {' '.join(cmd)}"
                    ) from None
                time.sleep(0.1)

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time of the anvil process so far (Linux /proc)."""
        try:
            fields = (
                Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            )
        except OSError:
            return float("nan")
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# ---- contracts --------------------------------------------------------------------------
def load_abi(name: str) -> list[dict]:
    data = json.loads((ABI_DIR / f"{name}.json").read_text())
    return data["abi"] if isinstance(data, dict) else data


def _fn(name, inputs, outputs=(), mutability="nonpayable"):
    return {
        "type": "function",
        "name": name,
        "stateMutability": mutability,
        "inputs": [{"name": f"a{i}", "type": t} for i, t in enumerate(inputs)],
        "outputs": [{"name": f"r{i}", "type": t} for i, t in enumerate(outputs)],
    }


# The mock token and feed functions the lab uses (contracts/mocks/): not integrator ABIs.
MOCK_ERC20_ABI = [
    _fn("mint", ("address", "uint256")),
    _fn("approve", ("address", "uint256"), ("bool",)),
    _fn("balanceOf", ("address",), ("uint256",), "view"),
    _fn("decimals", (), ("uint8",), "view"),
]
MOCK_FEED_ABI = [
    _fn("set_answer", ("int256",)),
    _fn(
        "latestRoundData",
        (),
        ("uint80", "int256", "uint256", "uint256", "uint80"),
        "view",
    ),
]


class Contract:
    """Encodes calls and decodes results for one address and ABI (no node needed).

    Selectors and types are computed once per function: web3.py's ``encode_abi``
    re-validates the whole ABI on every call (about 5 ms for the engine's), which was
    the largest Python cost of the lab before this class."""

    def __init__(self, address: str, abi: list[dict]):
        self.address = Web3.to_checksum_address(address)
        self.abi = abi
        self._fns: dict[str, list[dict]] = defaultdict(list)
        for entry in abi:
            if entry.get("type") == "function":
                self._fns[entry["name"]].append(entry)
        self._prepared: dict[tuple[str, int], tuple[str, list[str], dict]] = {}

    def _prepare(self, fn: str, n: int) -> tuple[str, list[str], dict]:
        key = (fn, n)
        if key not in self._prepared:
            matches = [e for e in self._fns[fn] if len(e["inputs"]) == n]
            if len(matches) != 1:
                raise ValueError(f"{fn} with {n} arguments: {len(matches)} ABI entries")
            abi = matches[0]
            types = list(get_abi_input_types(abi))
            selector = keccak(text=f"{fn}({','.join(types)})")[:4].hex()
            self._prepared[key] = ("0x" + selector, types, abi)
        return self._prepared[key]

    def data(self, fn: str, *args: Any) -> str:
        selector, types, _ = self._prepare(fn, len(args))
        return selector + abi_encode(types, list(args)).hex()

    def decode(self, fn: str, raw: str, n_args: int | None = None) -> Any:
        """The function's outputs: one value, or a tuple; structs become dicts."""
        entries = self._fns[fn]
        abi = (
            entries[0]
            if len(entries) == 1 or n_args is None
            else self._prepare(fn, n_args)[2]
        )
        values = abi_decode(get_abi_output_types(abi), bytes.fromhex(raw[2:]))
        named = [_named(o, v) for o, v in zip(abi["outputs"], values)]
        return named[0] if len(named) == 1 else tuple(named)


def _named(abi: dict, value: Any) -> Any:
    """Struct values as dicts keyed by the ABI's component names (recursively)."""
    typ = abi["type"]
    if typ == "tuple":
        return {c["name"]: _named(c, v) for c, v in zip(abi["components"], value)}
    if typ.startswith("tuple[") or typ.endswith("[]") and "components" in abi:
        inner = dict(abi, type=typ[: typ.rindex("[")])
        return [_named(inner, v) for v in value]
    return value


class Reader:
    """Batched eth_calls: queue (contract, fn, args), run them in one or a few posts."""

    def __init__(self, rpc: Rpc, block: str | int = "latest"):
        self.rpc = rpc
        self.block = block if isinstance(block, str) else hex(block)
        self._queue: list[tuple[Contract, str, int]] = []
        self._requests: list[tuple[str, list]] = []

    def add(self, contract: Contract, fn: str, *args: Any) -> int:
        self._queue.append((contract, fn, len(args)))
        self._requests.append(
            (
                "eth_call",
                [
                    {"to": contract.address, "data": contract.data(fn, *args)},
                    self.block,
                ],
            )
        )
        return len(self._queue) - 1

    def run(self) -> list[Any]:
        raw = self.rpc.batch(self._requests)
        out = []
        for (contract, fn, n), result in zip(self._queue, raw):
            if isinstance(result, RpcError):
                raise result
            out.append(contract.decode(fn, result, n))
        self._queue.clear()
        self._requests.clear()
        return out


def call(rpc: Rpc, contract: Contract, fn: str, *args: Any, block: str = "latest"):
    raw = rpc.call(
        "eth_call", {"to": contract.address, "data": contract.data(fn, *args)}, block
    )
    return contract.decode(fn, raw, len(args))


# ---- transactions -----------------------------------------------------------------------
class TxFailed(RuntimeError):
    """A batch transaction reverted; the message names it and the revert reason."""


class Batch:
    """Transactions sent with automine off and mined together, in blocks of at most
    ``chunk`` transactions at one timestamp.

    Senders are anvil's unlocked accounts or any impersonated address
    (``anvil_autoImpersonateAccount``); fees are zero (base fee 0), nonces and gas
    explicit, so sending is one round trip per transaction and no estimate. Every block's
    receipts are checked. Why chunks: anvil builds a block's receipts in time quadratic
    in its transactions (measured: 250 per block 0.05 s, 1,000 0.66 s, 2,000 3.2 s, for
    ``eth_getBlockReceipts`` and per-transaction receipts alike), so a 1,000-trader
    opening in single blocks spent 229 s on receipts alone. A sender's transactions stay
    in nonce order across blocks; blocks may share a timestamp."""

    CHUNK = 200

    def __init__(self, rpc: Rpc, timestamp: int | None = None, chunk: int = CHUNK):
        self.rpc = rpc
        self.timestamp = timestamp
        self.chunk = chunk
        self.nonces: dict[str, int] = {}
        self.sent: list[tuple[str, str]] = []  # (label, hash) not mined yet
        self.blocks: list[int] = []
        self.receipts: list[dict] = []

    def nonce(self, sender: str) -> int:
        if sender not in self.nonces:
            self.nonces[sender] = int(
                self.rpc.call("eth_getTransactionCount", sender, "pending"), 16
            )
        return self.nonces[sender]

    def send(
        self,
        sender: str,
        contract: Contract | str,
        data: str,
        gas: int,
        label: str = "",
    ) -> str:
        to = contract.address if isinstance(contract, Contract) else contract
        tx = {
            "from": sender,
            "data": data,
            "gas": hex(gas),
            "nonce": hex(self.nonce(sender)),
            "maxFeePerGas": "0x0",
            "maxPriorityFeePerGas": "0x0",
        }
        if to:  # empty: a contract creation
            tx["to"] = to
        tx_hash = self.rpc.call("eth_sendTransaction", tx)
        self.nonces[sender] += 1
        self.sent.append((label, tx_hash))
        if self.timestamp is not None and len(self.sent) >= self.chunk:
            self._mine_block(self.timestamp)
        return tx_hash

    def tx(
        self,
        sender: str,
        contract: Contract,
        fn: str,
        *args: Any,
        gas: int = 1_500_000,
        label: str = "",
    ) -> str:
        return self.send(sender, contract, contract.data(fn, *args), gas, label or fn)

    def mine(self, timestamp: int | None = None) -> dict:
        """Mine what is still pending at `timestamp` (default: the batch's); raise TxFailed
        naming each reverted transaction. Returns the last block's number and the
        receipts of every block the batch mined."""
        ts = self.timestamp if timestamp is None else timestamp
        if ts is None:
            raise ValueError("a batch needs a timestamp to mine at")
        self.timestamp = ts
        if self.sent or not self.blocks:
            self._mine_block(ts)
        return {
            "number": self.blocks[-1],
            "blocks": list(self.blocks),
            "receipts": self.receipts,
        }

    def _mine_block(self, timestamp: int) -> None:
        self.rpc.call("evm_setNextBlockTimestamp", hex(timestamp))
        self.rpc.call("evm_mine")
        number = int(self.rpc.call("eth_blockNumber"), 16)
        receipts = self.rpc.call("eth_getBlockReceipts", hex(number)) or []
        by_hash = {r["transactionHash"]: r for r in receipts}
        missing = [label for label, h in self.sent if h not in by_hash]
        failed = [
            (label, h)
            for label, h in self.sent
            if h in by_hash and by_hash[h]["status"] != "0x1"
        ]
        if missing or failed:
            reasons = [f"{label}: {self.reason(h)}" for label, h in failed[:10]]
            raise TxFailed(
                f"block {number}: {len(failed)} reverted, {len(missing)} not mined"
                + (f" (first: {missing[:3]})" if missing else "")
                + ("; " + "; ".join(reasons) if reasons else "")
            )
        self.sent.clear()
        self.blocks.append(number)
        self.receipts.extend(receipts)

    def reason(self, tx_hash: str) -> str:
        try:
            trace = self.rpc.call(
                "debug_traceTransaction", tx_hash, {"tracer": "callTracer"}
            )
        except RpcError as exc:
            return f"(no trace: {exc})"
        return str(trace.get("revertReason") or trace.get("error") or "reverted")


def gas_used(receipts: Iterable[dict]) -> int:
    return sum(int(r["gasUsed"], 16) for r in receipts)
