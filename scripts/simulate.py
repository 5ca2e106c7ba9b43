"""`ape run simulate` — the risk lab (docs/simulate.md).

Deploys Bulkhead with mocks (config/local.yaml) on a private local anvil, opens a
population of traders whose strategies are held in isolated buckets, in cross accounts or
mixed, replays price paths (a calm random walk, a gap crash in one asset, a market-wide
drawdown, a CSV of prices) step by step with interest and funding accruing, and lets the
real liquidator bot (scripts/_bot.py) liquidate at every step. Then a parameter sweep
(maintenance margin, liquidation bonus, close factor) on one path. Writes
reports/<name>.md, reports/<name>.json and the PNG plots, and prints a short table.

The same seed and options give the same numbers: the chain's clock, the mempool order and
every random draw are pinned (the report's `results`; `timing` is wall-clock).

    ape run simulate                       # the committed report (reports/risk_lab.md)
    ape run simulate --traders 1000 --no-sweep --name scale_1000
    ape run simulate --scenario csv --csv my_prices.csv --no-sweep --name mine
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from scripts._sim import report as rp
from scripts._sim import runner
from scripts._ui import console

ROOT = Path(__file__).resolve().parents[1]
LOCAL_NETWORK = "ethereum:local:foundry"


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",") if x.strip())


@click.command(context_settings={"show_default": True})
@click.option(
    "--seed", default=1, type=int, help="seed of the population and the price paths"
)
@click.option(
    "--traders",
    default=runner.Options.traders,
    type=click.IntRange(2, 5000),
    help="number of traders (twins included)",
)
@click.option(
    "--days",
    default=runner.Options.days,
    type=click.FloatRange(0.1, 365),
    help="length of the generated paths",
)
@click.option(
    "--step-hours",
    default=runner.Options.step_hours,
    type=click.FloatRange(0.05, 24),
    help="time between price updates (and bot rounds)",
)
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=click.Choice(runner.SCENARIOS),
    help="scenarios to run (repeat; default: all four)",
)
@click.option(
    "--csv",
    "csv_path",
    default=runner.DEFAULT_CSV,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="price path for the csv scenario (format: docs/simulate.md)",
)
@click.option(
    "--crash-asset", default="MEME", help="the asset that gaps down in `crash`"
)
@click.option(
    "--crash-size", default=0.6, type=click.FloatRange(0.01, 0.99), help="its fall"
)
@click.option(
    "--depth",
    default=0.30,
    type=click.FloatRange(0.01, 0.95),
    help="the market factor's fall in `drawdown`",
)
@click.option("--sweep/--no-sweep", default=True, help="run the parameter sweep")
@click.option(
    "--sweep-scenario",
    default=runner.Options.sweep_scenario,
    type=click.Choice(runner.SCENARIOS),
    help="the path the sweep replays (must be among the scenarios run; the default CSV "
    "has a slide, a gap and a rebound, so both liquidations and bad debt move)",
)
@click.option(
    "--mm",
    "mm_values",
    default="0.03,0.04,0.05,0.065,0.08",
    help="sweep: ETH/BTC maintenance margins",
)
@click.option(
    "--bonus-scales",
    default="0.5,1,2,3",
    help="sweep: multiples of every collateral's liquidation bonus (capped at its bound)",
)
@click.option(
    "--close-factors",
    default="0.25,0.5,0.75,1",
    help="sweep: close factors (a recompiled registry; empty to skip)",
)
@click.option(
    "--agents/--no-agents",
    default=True,
    help="run the adversarial agents (flash LP, dust shielder) in every scenario",
)
@click.option(
    "--gas-price-gwei",
    default=0.01,
    type=float,
    help="L2 gas price for the liquidators' gas cost in USD",
)
@click.option(
    "--out",
    default=ROOT / "reports",
    type=click.Path(file_okay=False, path_type=Path),
    help="report folder",
)
@click.option("--name", default="risk_lab", help="report file stem")
@click.option(
    "--json-only", is_flag=True, help="write <name>.json only (no Markdown, no plots)"
)
@click.option(
    "--details", is_flag=True, help="per-trader and per-account rows in the JSON"
)
@click.option(
    "--profile", is_flag=True, help="cProfile the run; top functions in the report"
)
@click.option(
    "--rpc", default=None, help="use this running anvil instead of a private one"
)
@click.option(
    "--network",
    default=LOCAL_NETWORK,
    type=click.Choice([LOCAL_NETWORK]),
    help="accepted for symmetry with `ape run demo`: the lab always runs on a local "
    "anvil it starts itself (or --rpc)",
)
@click.option(
    "--bot-log",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="append the bot's own log lines to this file",
)
def cli(
    seed,
    traders,
    days,
    step_hours,
    scenarios,
    csv_path,
    crash_asset,
    crash_size,
    depth,
    sweep,
    sweep_scenario,
    mm_values,
    bonus_scales,
    close_factors,
    agents,
    gas_price_gwei,
    out,
    name,
    json_only,
    details,
    profile,
    rpc,
    network,
    bot_log,
):
    """Replay price paths through the real contracts with a population of traders and the
    real liquidator bot; report what isolated and cross margin and the risk parameters did."""
    scenarios = tuple(scenarios) or runner.SCENARIOS
    opts = runner.Options(
        seed=seed,
        traders=traders,
        days=days,
        step_hours=step_hours,
        scenarios=scenarios,
        csv=csv_path,
        crash_asset=crash_asset,
        crash_size=crash_size,
        depth=depth,
        sweep=sweep and sweep_scenario in scenarios,
        sweep_scenario=sweep_scenario,
        mm_values=_floats(mm_values),
        bonus_scales=_floats(bonus_scales),
        close_factors=_floats(close_factors),
        agents=agents,
        gas_price_gwei=gas_price_gwei,
        details=details,
        profile=profile,
        rpc=rpc,
    )
    argv = sys.argv[1:]
    if (
        "simulate" in argv[:3]
    ):  # `ape run simulate ...`: the options after the script's name
        argv = argv[argv.index("simulate") + 1 :]
    kept, skip = [], False
    for a in argv:  # ape's own -v/--verbosity LEVEL is not a lab option
        if skip or a in ("-v", "--verbosity") or a.startswith("--verbosity="):
            skip = a in ("-v", "--verbosity")
            continue
        kept.append(a)
    argv = [
        a
        for i, a in enumerate(kept)
        if a != "--network" and (i == 0 or kept[i - 1] != "--network")
    ]
    argv = [a for a in argv if not a.startswith("--network=")]
    command = " ".join(["ape run simulate", shlex.join(argv)]).strip()
    console.rule(f"[bold]Bulkhead risk lab[/]: {traders} traders, seed {seed}")
    columns = (
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    started = time.perf_counter()
    with Progress(*columns, console=console, transient=False) as bars:
        tasks: dict[str, int] = {}

        def start(task: str, total: int) -> None:
            label = (
                f"sweep ({opts.sweep_scenario})"
                if task == "sweep"
                else f"scenario {task}"
            )
            tasks[task] = bars.add_task(label, total=total)

        progress = runner.Progress(
            start=start,
            advance=lambda task, n: bars.advance(tasks[task], n),
            done=lambda task: bars.update(
                tasks[task], completed=bars.tasks[tasks[task]].total
            ),
            note=lambda text: bars.console.print(f"[dim]{text}[/]"),
        )
        report = runner.run(opts, progress, bot_log=bot_log)
    report["meta"]["command"] = command
    out.mkdir(parents=True, exist_ok=True)
    written = [rp.write_json(report, out / f"{name}.json")]
    if not json_only:
        written += rp.write_markdown(report, out, name)
    rp.terminal(console, report)
    where = ", ".join(
        str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p) for p in written
    )
    console.print(f"wrote {where} in {time.perf_counter() - started:,.1f} s")


if __name__ == "__main__":  # python -m scripts.simulate
    cli()
