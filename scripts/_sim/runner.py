"""One lab run end to end: node, deployment, population, scenarios, sweep, numbers.

``run(options)`` returns the report's data: ``results`` (deterministic for a seed and the
code: the test compares them across runs) and ``timing`` (wall-clock, varies).
"""

from __future__ import annotations

import cProfile
import hashlib
import io
import os
import pstats
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from scripts import _config, _deploy
from scripts._sim import agents as ag
from scripts._sim import chain as ch
from scripts._sim import paths as pp
from scripts._sim import variants
from scripts._sim.lab import Lab, run_scenario
from scripts._sim.metrics import summarise
from scripts._sim.population import FAMILIES, LEVERAGE, LTV_USE, Population

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CSV = ROOT / "config" / "price_paths" / "example.csv"
SCENARIOS = ("calm", "crash", "drawdown", "csv")


@dataclass
class Options:
    seed: int = 1
    traders: int = 300
    days: float = 7.0
    step_hours: float = 2.0
    scenarios: tuple[str, ...] = SCENARIOS
    csv: Path = DEFAULT_CSV
    crash_asset: str = "MEME"
    crash_size: float = 0.6
    depth: float = 0.30
    sweep: bool = True
    sweep_scenario: str = "csv"
    mm_values: tuple[float, ...] = (0.03, 0.04, 0.05, 0.065, 0.08)
    bonus_scales: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0)
    close_factors: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    samples: int = 8
    agents: bool = True
    gas_price_gwei: float = 0.01
    details: bool = False
    profile: bool = False
    rpc: str | None = None
    config: str = "local"

    def to_json(self) -> dict:
        out = asdict(self)
        out["csv"] = (
            str(Path(self.csv).resolve().relative_to(ROOT))
            if Path(self.csv).resolve().is_relative_to(ROOT)
            else str(self.csv)
        )
        for k in ("scenarios", "mm_values", "bonus_scales", "close_factors"):
            out[k] = list(out[k])
        return out


@dataclass
class Progress:
    """Callbacks the CLI wires to rich progress bars (no-ops by default)."""

    start: Callable[[str, int], None] = lambda task, total: None
    advance: Callable[[str, int], None] = lambda task, n: None
    done: Callable[[str], None] = lambda task: None
    note: Callable[[str], None] = lambda text: None


def make_path(name: str, opts: Options, start: dict[str, float]) -> pp.PricePath:
    days, step = opts.days, opts.step_hours
    if name == "crash" and opts.crash_asset not in start:
        raise ValueError(
            f"--crash-asset {opts.crash_asset!r}: not a feed of the config ({', '.join(sorted(start))})"
        )
    at = days / 4  # shocks a quarter of the way in: the bot has seen calm steps first
    if name == "calm":
        return pp.calm(start, days, step, opts.seed)
    if name == "crash":
        return pp.crash(
            start,
            days,
            step,
            opts.seed,
            asset=opts.crash_asset,
            size=opts.crash_size,
            at_day=at,
        )
    if name == "drawdown":
        return pp.drawdown(
            start,
            days,
            step,
            opts.seed,
            depth=opts.depth,
            start_day=at,
            length_hours=min(48.0, days * 24 / 4),
        )
    if name == "csv":
        return pp.read_csv(Path(opts.csv), start)
    raise ValueError(f"unknown scenario {name!r} (known: {', '.join(SCENARIOS)})")


def deploy_with_ape(uri: str, config_name: str, quiet: bool = True):
    """Deploy Bulkhead with scripts/_deploy.py through ape, connected to the node at `uri`
    (ape-foundry connects to a running anvil named by APE_FOUNDRY_HOST and leaves it
    running). Returns the deployment record, the config and the roles' (address, key)."""
    os.environ["APE_FOUNDRY_HOST"] = uri
    from ape import accounts, networks
    from ape.logging import logger

    from scripts._ui import quiet_reverts

    if quiet:
        logger.set_level("WARNING")
    config, digest = _config.load(_config.config_path(config_name))
    rpc = ch.Rpc(uri)
    # deterministic deploy blocks: 1 s apart from the pinned genesis (or the node's head)
    rpc.call("anvil_setBlockTimestampInterval", 1)
    with networks.parse_network_choice("ethereum:local:foundry"):
        quiet_reverts()
        test = accounts.test_accounts
        dep = _deploy.deploy(
            config,
            digest,
            test[0],
            log=lambda _m: None,
            name="risk-lab",
            config_name=config_name,
        )
        record = dep.to_json()
        artifacts = ag.artifacts_from_ape()
        roles = {
            "deployer": (test[0].address, test[0].private_key),
            "lp": (test[2].address, test[2].private_key),
            "liquidator": (test[6].address, test[6].private_key),
        }
    return record, config, digest, roles, artifacts


def run(
    opts: Options, progress: Progress | None = None, bot_log: Path | None = None
) -> dict:
    progress = progress or Progress()
    started = time.perf_counter()
    cpu_started = time.process_time()
    profiler = cProfile.Profile() if opts.profile else None
    anvil = None if opts.rpc else ch.Anvil()
    uri = opts.rpc or anvil.uri
    timing: dict[str, Any] = {"phases": []}
    lab = None
    try:
        progress.note(
            f"node {uri}" + (" (private anvil, no --steps-tracing)" if anvil else "")
        )
        t = time.perf_counter()
        record, config, digest, roles, artifacts = deploy_with_ape(uri, opts.config)
        timing["phases"].append(
            {
                "phase": "deploy (ape)",
                "seconds": time.perf_counter() - t,
                "rpc_seconds": 0.0,
                "rpc_calls": 0,
            }
        )
        if profiler:
            profiler.enable()
        rpc = ch.Rpc(uri)
        lab = Lab(rpc, record, config, roles, bot_log=bot_log)
        start = {
            s: float(f.mock_price)
            for s, f in config.oracle.feeds.items()
            if s != config.quote.symbol and f.mock_price
        }
        markets = {
            name: {
                "asset": m.asset,
                "initial_margin": float(m.initial_margin),
                "maintenance_margin": float(m.maintenance_margin),
                "min_notional": float(m.min_notional),
                "oi_cap": float(m.oi_cap),
                "oi_share": float(m.oi_share),
            }
            for name, m in config.markets.items()
        }
        collaterals = {
            s: {
                "collateral_factor": float(c.collateral_factor),
                "liquidation_threshold": float(c.liquidation_threshold),
                "liquidation_bonus": float(c.liquidation_bonus),
            }
            for s, c in config.collaterals.items()
        }
        population = Population(
            opts.traders, opts.seed, markets, collaterals, start, config.quote.symbol
        )
        agents = ag.Agents(lab, artifacts, opts.gas_price_gwei) if opts.agents else None
        lab.setup(population.lp_deposit(), extra=agents.deploy if agents else None)
        scenarios = []
        sweep_path = None
        for name in opts.scenarios:
            path = make_path(
                name,
                opts,
                start | {config.quote.symbol: 1.0} if name == "csv" else start,
            )
            if name == opts.sweep_scenario:
                sweep_path = path
            progress.start(name, path.steps - 1)
            last = [0]

            def tick(_name: str, k: int, _total: int, last=last, name=name) -> None:
                progress.advance(name, k - last[0])
                last[0] = k

            result = run_scenario(
                lab,
                population,
                path,
                samples=opts.samples,
                progress=tick,
                agents=agents,
            )
            progress.done(name)
            with lab.phases("metrics"):
                summary = summarise(
                    lab, result, opts.gas_price_gwei, details=opts.details
                )
            summary["seconds"] = result.seconds
            scan = timing.setdefault("bot_scan_seconds", {})
            scan[name] = sum(r.scan_seconds for r in result.steps)
            scenarios.append(summary)
        sweep = None
        if opts.sweep and sweep_path is not None:
            sweep = run_sweep(lab, population, sweep_path, opts, collaterals, progress)
        timing["phases"] += lab.phases.table()
        results = {
            "population": population_summary(population, lab),
            "scenarios": scenarios,
            "sweep": sweep,
            "agents": agents.setup_json() if agents else None,
        }
        meta = {
            "seed": opts.seed,
            "options": opts.to_json(),
            "config": f"config/{opts.config}.yaml",
            "config_sha256": digest,
            "git_commit": _deploy.git_commit(),
            "contracts": record["contracts"],
            # what was simulated, exactly: the deployed runtime code (the build ape used)
            "code_sha256": {
                name: hashlib.sha256(
                    bytes.fromhex(rpc.call("eth_getCode", addr, "latest")[2:])
                ).hexdigest()
                for name, addr in record["contracts"].items()
            },
        }
    finally:
        if profiler:
            profiler.disable()
        if lab:
            lab.close()
        anvil_cpu = anvil.cpu_seconds() if anvil else float("nan")
        if anvil:
            anvil.stop()
    timing.update(
        {
            "wall_seconds": time.perf_counter() - started,
            "python_cpu_seconds": time.process_time() - cpu_started,
            "anvil_cpu_seconds": anvil_cpu,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rpc": rpc_table(rpc),
            "scenario_seconds": {s["name"]: s.pop("seconds") for s in scenarios},
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        }
    )
    if sweep:
        timing["sweep_seconds"] = sweep.pop("seconds")
    if profiler:
        timing["profile"] = profile_text(profiler)
    return {"meta": meta, "results": results, "timing": timing}


def rpc_table(rpc: ch.Rpc) -> list[dict]:
    rows = [
        {"method": m, "calls": rpc.calls[m], "seconds": rpc.seconds[m]}
        for m in rpc.calls
    ]
    return sorted(rows, key=lambda r: -r["seconds"])


def profile_text(profiler: cProfile.Profile, limit: int = 18) -> str:
    """The top functions by own time, then the lab's and the bot's own functions by
    cumulative time (where the waiting and the library calls come from)."""
    parts = []
    for order, pattern, title in (
        ("tottime", None, "by own time"),
        (
            "cumulative",
            r"_bot\.py|lab\.py|chain\.py|runner\.py|metrics\.py",
            "lab and bot, by cumulative time",
        ),
    ):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
        if pattern:
            stats.print_stats(pattern, limit)
        else:
            stats.print_stats(limit)
        text = out.getvalue()
        text = text[text.index("ncalls") - 3 :] if "ncalls" in text else text
        parts.append(f"-- {title} --\n{text.rstrip()}")
    return "\n\n".join(parts) + "\n"


def population_summary(population: Population, lab: Lab) -> dict:
    out = population.summary()
    out["lp_deposit_usd"] = lab.lp_deposit_units / 10 ** lab.decimals[lab.quote]
    out["families"] = {
        f: {"weight": w, "modes": list(m), "description": d}
        for f, (w, m, d) in FAMILIES.items()
    }
    out["leverage"] = {k: list(v) for k, v in LEVERAGE.items()}
    out["ltv_use"] = list(LTV_USE)
    return out


# ---- the sweep --------------------------------------------------------------------------
def run_sweep(
    lab: Lab,
    population: Population,
    path: pp.PricePath,
    opts: Options,
    collaterals: dict[str, dict],
    progress: Progress,
) -> dict:
    """Each point: the population as opened at the base parameters (one snapshot), one
    parameter changed by its owner setter (or the registry's code swapped for the close
    factor), then the same path. Positions are identical across points."""
    started = time.perf_counter()
    points: list[tuple[str, float, str, Callable[[], None]]] = []
    perp_markets = [m for m, a in lab.market_asset.items() if m in ("ETH", "BTC")]
    for v in opts.mm_values:
        points.append(
            (
                "maintenance_margin",
                v,
                f"ETH/BTC maintenance margin {v:.1%}",
                lambda v=v: lab.set_maintenance_margin(perp_markets, v),
            )
        )
    for k in opts.bonus_scales:
        bonuses = {}
        for s, c in collaterals.items():
            cap = 1 / c["liquidation_threshold"] - 1
            bonuses[s] = min(c["liquidation_bonus"] * k, int(cap * 10_000) / 10_000)
        text = ", ".join(f"{s} {b:.2%}" for s, b in bonuses.items())
        points.append(
            (
                "liquidation_bonus",
                k,
                f"bonus x{k:g} ({text})",
                lambda b=bonuses: lab.set_bonus(b),
            )
        )
    codes: dict[float, str] = {}
    cf_note = None
    if opts.close_factors:
        progress.note("compiling MarketRegistry variants for the close-factor sweep")
        try:
            with lab.phases("sweep: compile close-factor variants"):
                codes = variants.registry_codes(lab, opts.close_factors)
        except variants.VariantError as exc:
            cf_note = f"close-factor sweep skipped: {exc}"
            codes = {}
        for cf, code in codes.items():
            points.append(
                (
                    "close_factor",
                    cf,
                    f"close factor {cf:.0%} (registry recompiled)",
                    lambda code=code: lab.set_code(lab.registry.address, code),
                )
            )
    progress.start("sweep", len(points))
    lab.reset()
    lab.open_population(population, path.at(0))
    opened = lab.snapshot()
    rows = []
    for kind, value, label, apply in points:
        lab.revert(opened)
        opened = lab.snapshot()
        result = run_scenario(
            lab, population, path, samples=1, before_steps=apply, reopen=False
        )
        with lab.phases("metrics"):
            s = summarise(lab, result, opts.gas_price_gwei)
        rows.append(
            {
                "parameter": kind,
                "value": value,
                "label": label,
                "by_mode": {
                    m: {
                        k: row[k]
                        for k in (
                            "accounts_liquidated",
                            "liquidations",
                            "traders_liquidated_pct",
                            "lost_pct",
                            "penalty_usd",
                            "penalty_pct",
                            "bad_debt_usd",
                            "shortfall_usd",
                        )
                    }
                    for m, row in s["by_mode"].items()
                },
                "liquidations": s["bot"]["liquidations"],
                "accounts_liquidated": sum(
                    r["accounts_liquidated"] for r in s["by_mode"].values()
                ),
                "bad_debt_usd": s["vault"]["bad_debt_usd"],
                "bad_debt_from_lps_usd": s["vault"]["bad_debt_from_lps_usd"],
                "shortfall_end_usd": s["vault"]["shortfall_end_usd"],
                "lp_return": s["vault"]["lp_return"],
                "liquidator_gain_usd": s["bot"]["gain_usd"],
                "gas": s["bot"]["gas"],
                "hedge_twins": s["claims"]["hedge_twins"],
            }
        )
        progress.advance("sweep", 1)
    progress.done("sweep")
    lab.set_code(lab.registry.address, lab.registry_code) if codes else None
    baseline = [
        r
        for r in rows
        if r["parameter"] == "close_factor" and abs(r["value"] - 0.5) < 1e-9
    ]
    reference = [
        r
        for r in rows
        if r["parameter"] == "maintenance_margin" and abs(r["value"] - 0.05) < 1e-9
    ]
    check = None
    if baseline and reference:
        keys = (
            "liquidations",
            "bad_debt_usd",
            "shortfall_end_usd",
            "lp_return",
            "liquidator_gain_usd",
            "gas",
        )
        check = all(baseline[0][k] == reference[0][k] for k in keys)
    return {
        "scenario": path.name,
        "points": rows,
        "close_factor_variant_matches_deployed": check,
        "close_factor_note": cf_note,
        "seconds": time.perf_counter() - started,
    }


__all__ = ["Options", "Progress", "SCENARIOS", "field", "make_path", "run"]
