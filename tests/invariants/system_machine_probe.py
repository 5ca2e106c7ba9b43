"""Fast reads for the system state machine: the SystemProbe contract (SystemProbe.vy, next
to this file) batches every view the invariants need into one eth_call, and raw JSON-RPC
batches carry the liveness calls (liquidate, repay, withdraw simulated from their callers).

The probe is compiled here with the Vyper compiler the project pins (the repository root on
the search path, so it imports the project's own interfaces) and deployed by the owner. It
only forwards public views: every figure an invariant checks is the contracts' own answer.
Results are decoded straight with eth_abi into namedtuples named after the ABI components.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import eth_abi
from eth_utils import keccak

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PROBE_SOURCE = HERE / "SystemProbe.vy"


@cache
def compile_probe() -> tuple[list[dict], str]:
    """(abi, deployment bytecode) of SystemProbe.vy, compiled once per process."""
    import vyper
    from vyper.compiler.input_bundle import FilesystemInputBundle

    out = vyper.compile_code(
        PROBE_SOURCE.read_text(),
        contract_path="SystemProbe.vy",
        input_bundle=FilesystemInputBundle([ROOT]),
        output_formats=["abi", "bytecode"],
    )
    return out["abi"], out["bytecode"]


def deploy_probe(deployer: Any) -> Any:
    """Deploy the probe with ape (returns the ape contract instance)."""
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    abi, bytecode = compile_probe()
    contract_type = ContractType(
        contractName="SystemProbe",
        abi=abi,
        deploymentBytecode={"bytecode": bytecode},
    )
    return deployer.deploy(ContractContainer(contract_type))


# ---- ABI plumbing ----------------------------------------------------------------------
def _type(param: dict) -> str:
    t = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + t[5:]
    return t


def _converter(param: dict, name: str) -> Callable[[Any], Any]:
    t = param["type"]
    if t.startswith("tuple"):
        components = param["components"]
        cls = namedtuple(name, [c["name"] for c in components])  # noqa: PYI024
        convert = [
            _converter(c, c["name"].title().replace("_", "")) for c in components
        ]

        def one(value: Sequence[Any]) -> Any:
            return cls(*(f(v) for f, v in zip(convert, value, strict=True)))

        if t.endswith("[]"):
            return lambda values: tuple(one(v) for v in values)
        return one
    if t == "address":
        return lambda v: v.lower()
    if t == "address[]":
        return lambda vs: tuple(v.lower() for v in vs)
    if t.endswith("[]"):
        return tuple
    return lambda v: v


class _Function:
    """One probe function: encodes its inputs and decodes its single output."""

    def __init__(self, entry: dict):
        self.inputs = [_type(p) for p in entry["inputs"]]
        signature = f"{entry['name']}({','.join(self.inputs)})"
        self.selector = keccak(text=signature)[:4]
        (output,) = entry["outputs"]
        self.output = [_type(output)]
        self.convert = _converter(output, entry["name"].title())

    def data(self, *args: Any) -> str:
        return "0x" + (self.selector + eth_abi.encode(self.inputs, list(args))).hex()

    def decode(self, raw: str) -> Any:
        (value,) = eth_abi.decode(self.output, bytes.fromhex(raw[2:]))
        return self.convert(value)


class RpcError(AssertionError):
    """A probe read failed (a view reverted): the views must never revert."""


class Probe:
    """The deployed probe plus the RPC plumbing to read it in one round trip."""

    def __init__(self, contract: Any, w3: Any):
        abi, _ = compile_probe()
        self.address = contract.address
        self.w3 = w3
        self.functions = {
            e["name"]: _Function(e) for e in abi if e["type"] == "function"
        }

    def batch(self, requests: list[tuple[str, list]]) -> list[dict]:
        """Raw JSON-RPC batch; answers in request order (each a dict with result or error)."""
        answers = self.w3.provider.make_batch_request(requests)
        if isinstance(
            answers, dict
        ):  # a provider that answered the batch with one error
            raise RpcError(str(answers))
        return list(answers)

    def read(self, calls: list[tuple[str, tuple]], block: str = "pending") -> list[Any]:
        """Call probe functions [(name, args)] in one batch; decoded results in order."""
        requests = [
            (
                "eth_call",
                [{"to": self.address, "data": self.functions[name].data(*args)}, block],
            )
            for name, args in calls
        ]
        out = []
        for (name, _), answer in zip(calls, self.batch(requests), strict=True):
            if "error" in answer:
                raise RpcError(f"probe {name} failed: {answer['error']}")
            out.append(self.functions[name].decode(answer["result"]))
        return out


def revert_reason(answer: dict) -> str | None:
    """The Error(string) reason of a failed eth_call answer ('' when it carries none);
    None when the call succeeded."""
    if "error" not in answer:
        return None
    data = answer["error"].get("data") or ""
    if isinstance(data, dict):  # some nodes nest it
        data = data.get("data", "")
    if data.startswith("0x08c379a0"):
        (reason,) = eth_abi.decode(["string"], bytes.fromhex(data[10:]))
        return reason
    return ""
