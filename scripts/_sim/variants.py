"""Close-factor what-ifs: the close factor is a compile-time constant
(``CLOSE_FACTOR`` in contracts/modules/constants.vy), used only by the MarketRegistry's
``seize_plan`` (module ``liquidation``), which both the engine's ``liquidate`` and the
Lens's quotes call. No owner setter changes it; a real deployment would need a new
registry (and engine, whose registry address is immutable).

On the lab's local chain the registry's code can be replaced in place: compile the
registry from a copy of the sources with another constant (same vyper 0.4.3, same
``--evm-version cancun`` as ape-config.yaml), deploy it once with the live registry's
constructor arguments to get its runtime code with the same immutables, and
``anvil_setCode`` it over the live registry. Storage is untouched (only a constant
differs, so the layout is the same). The variant compiled with the deployed 50% is
checked to be byte-identical to the deployed registry before any result is used.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from eth_abi import encode as abi_encode

from scripts._sim import chain as ch

ROOT = Path(__file__).resolve().parents[2]
CONSTANT = re.compile(r"^CLOSE_FACTOR: constant\(uint256\) = .*$", re.M)
CACHE = Path(tempfile.gettempdir()) / "bulkhead-risk-lab-variants"
VARIANT_DEPLOYER = "0x00000000000000000000000000000000000c1053"


class VariantError(RuntimeError):
    """The variant could not be built or does not reproduce the deployed registry."""


def _sources_digest() -> str:
    h = hashlib.sha256()
    for folder in ("contracts", "interfaces"):
        for p in sorted((ROOT / folder).rglob("*.vy*")):
            h.update(str(p.relative_to(ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def compile_registry(close_factor: float) -> str:
    """Init bytecode (hex) of MarketRegistry with CLOSE_FACTOR = close_factor (WAD)."""
    wad = int(round(close_factor * 10**18))
    if not 0 < wad <= 10**18:
        raise VariantError(f"close factor {close_factor} outside (0, 1]")
    key = f"{_sources_digest()}-{wad}"
    cached = CACHE / f"MarketRegistry-{key}.hex"
    if cached.exists():
        return cached.read_text().strip()
    with tempfile.TemporaryDirectory(prefix="bulkhead-cf-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "contracts", work / "contracts")
        shutil.copytree(ROOT / "interfaces", work / "interfaces")
        constants = work / "contracts" / "modules" / "constants.vy"
        text = constants.read_text()
        if not CONSTANT.search(text):
            raise VariantError(
                "CLOSE_FACTOR not found in contracts/modules/constants.vy"
            )
        constants.write_text(
            CONSTANT.sub(f"CLOSE_FACTOR: constant(uint256) = {wad}", text)
        )
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "vyper",
                "-f",
                "bytecode",
                "--evm-version",
                "cancun",
                "-p",
                str(work),
                "contracts/MarketRegistry.vy",
            ],
            cwd=work,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise VariantError(f"vyper failed: {done.stderr.strip()[-500:]}")
        code = done.stdout.strip()
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(code)
    return code


def registry_codes(lab, close_factors: tuple[float, ...]) -> dict[float, str]:
    """Runtime code (with the live registry's immutables) per close factor; the chain is
    left as it was (the deployments happen inside a snapshot that is reverted)."""
    registry = lab.registry
    live = lab.rpc.call("eth_getCode", registry.address, "latest")
    lab.registry_code = live
    oracle = ch.call(lab.rpc, registry, "oracle")
    vault = ch.call(lab.rpc, registry, "vault")
    quote = ch.call(lab.rpc, registry, "quote_asset")
    args = abi_encode(["address", "address", "address"], [oracle, vault, quote]).hex()
    wanted = sorted(set(close_factors) | {0.5})
    inits = {cf: compile_registry(cf) for cf in wanted}
    snap = lab.snapshot()
    codes = {}
    try:
        for cf, init in inits.items():
            with lab.batch() as b:
                b.send(
                    VARIANT_DEPLOYER, "", init + args, 15_000_000, f"registry cf {cf}"
                )
                block = lab.mine(b)
            address = block["receipts"][0]["contractAddress"]
            codes[cf] = lab.rpc.call("eth_getCode", address, "latest")
    finally:
        lab.revert(snap)
    if codes[0.5] != live:
        raise VariantError(
            "the registry recompiled from the sources with the deployed close factor (50%) "
            "differs from the deployed registry: ape's build is stale (an imported module "
            "changed; `make compile` rebuilds from scratch) or the compiler settings differ"
        )
    return {cf: codes[cf] for cf in close_factors}
