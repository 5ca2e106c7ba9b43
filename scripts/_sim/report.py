"""The lab's outputs: ``<name>.json`` (meta, results, timing), ``<name>.md`` with PNG plots,
and a short terminal table."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from scripts._sim.population import CROSS, ISOLATED, MODES
from scripts._ui import table


def write_json(report: dict, path: Path) -> Path:
    """Compact (no indentation: a 1,000-trader report lists every liquidation); the
    Markdown is the readable form."""
    path.write_text(json.dumps(report, separators=(",", ":"), default=_default) + "\n")
    return path


def _default(value):
    if isinstance(value, (bytes, bytearray)):
        return "0x" + value.hex()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value))


def pct(x: float, places: int = 1) -> str:
    return f"{x * 100:.{places}f}%"


def usd(x: float, places: int = 0) -> str:
    return f"{x:,.{places}f}"


def terminal(console: Console, report: dict) -> None:
    rows = []
    for s in report["results"]["scenarios"]:
        first = True
        for m in MODES:
            row = s["by_mode"].get(m)
            if not row:
                continue
            rows.append(
                [
                    s["name"] if first else "",
                    m,
                    f"{row['accounts_liquidated']}/{row['accounts']}",
                    pct(row["traders_liquidated_pct"]),
                    pct(row["lost_pct"]),
                    usd(row["penalty_usd"]),
                    usd(row["bad_debt_usd"]),
                    f"{row['exposure_open']:.2f} / {row['exposure_avg']:.2f}",
                    pct(s["vault"]["lp_return"], 3) if first else "",
                    f"{s['bot']['gas']:,}" if first else "",
                ]
            )
            first = False
    console.print(
        table(
            "Risk lab (USD; exposure per USD of deposit: at the opening / averaged over the path)",
            [
                "scenario",
                "mode",
                "accts liquidated",
                "traders hit",
                "lost",
                "liq. penalty",
                "bad debt",
                "exposure",
                "LP return",
                "liquidator gas",
            ],
            rows,
        )
    )
    for s in report["results"]["scenarios"]:
        c = s["claims"]
        if "shock" in c:
            k = c["shock"]
            console.print(
                f"{s['name']}: {k['asset']} gap at hour {k['hour']:g} liquidated "
                f"{k['buckets_holding_liquidated']}/{k['buckets_holding']} buckets holding it and "
                f"{k['buckets_not_holding_liquidated']}/{k['buckets_not_holding']} others; cross "
                f"accounts holding it {k['cross_holding_liquidated']}/{k['cross_holding']}, "
                f"others {k['cross_not_holding_liquidated']}/{k['cross_not_holding']}"
            )
        h = c["hedge_twins"]
        if h["pairs"]:
            console.print(
                f"{s['name']}: hedged pairs: isolated twin liquidated in "
                f"{h['isolated_liquidated']}/{h['pairs']}, cross in {h['cross_liquidated']}/"
                f"{h['pairs']}; the cross account survived in "
                f"{h['cross_survived_where_isolated_liquidated']} of the "
                f"{h['isolated_liquidated']} pairs whose isolated twin was liquidated"
            )
    for s in report["results"]["scenarios"]:
        a = s.get("agents")
        if not a:
            continue
        f, d = a["flash_lp"], a["dust_shield"]
        console.print(
            f"{s['name']}: flash LP {f['attempts']} attempts, "
            f"{sum(f['reverts'].values())} reverts, {f['positions_opened']} positions opened, "
            f"net {f['net_gain_usd']:,.2f} USD, LPs {f['lp_value_change_usd']:+,.2f} USD; "
            f"dust shielder liquidated at step {d['shielder']['first_liquidation_step']} "
            f"(twin {d['twin']['first_liquidation_step']}), net over twin "
            f"{d['gain_over_twin_usd']:+,.4f} USD"
        )
    t = report["timing"]
    console.print(
        f"run time {t['wall_seconds']:,.1f} s (anvil CPU {t['anvil_cpu_seconds']:,.1f} s, "
        f"Python CPU {t['python_cpu_seconds']:,.1f} s)"
    )


# ---- Markdown -------------------------------------------------------------------------
SCALE_STEM = "scale_1000"


def _table(header: list[str], rows: list[list[str]]) -> str:
    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _gwei(report: dict) -> float:
    return report["meta"]["options"]["gas_price_gwei"]


def headline_rows(scenarios: list[dict]) -> list[list[str]]:
    rows = []
    for s in scenarios:
        for m in MODES:
            r = s["by_mode"].get(m)
            if not r:
                continue
            rows.append(
                [
                    s["name"],
                    m,
                    str(r["traders"]),
                    f"{r['accounts_liquidated']} / {r['accounts']}",
                    f"{r['traders_liquidated']} ({pct(r['traders_liquidated_pct'], 0)})",
                    f"{pct(r['lost_pct'])} / {pct(r['lost_pct_median'])} / {pct(r['lost_pct_p90'])}",
                    f"{usd(r['penalty_usd'])} ({pct(r['penalty_pct'], 2)})",
                    usd(r["bad_debt_usd"]),
                    usd(r["shortfall_usd"]),
                    f"{r['exposure_open']:.2f} / {r['exposure_avg']:.2f}",
                    f"{r['gas']:,}",
                ]
            )
    return rows


HEADLINE = [
    "scenario",
    "mode",
    "traders",
    "accounts liquidated",
    "traders liquidated",
    "lost: mean / median / p90",
    "liquidation penalty USD (% of deposit)",
    "bad debt USD",
    "shortfall USD",
    "exposure per USD: open / avg",
    "liquidator gas",
]


def vault_rows(scenarios: list[dict], gwei: float) -> list[list[str]]:
    rows = []
    for s in scenarios:
        v, b = s["vault"], s["bot"]
        rows.append(
            [
                s["name"],
                pct(v["lp_return"], 3),
                f"{usd(v['bad_debt_usd'], 2)} ({usd(v['bad_debt_from_reserve_usd'], 2)} / "
                f"{usd(v['bad_debt_from_lps_usd'], 2)})",
                usd(v["shortfall_end_usd"], 2),
                str(b["liquidations"]),
                f"{b['rounds']:,}",
                f"{b['gas']:,}",
                f"{b['gas_per_liquidation']:,.0f}",
                f"{b['gas_usd']:,.4f}",
                usd(b["gain_usd"], 2),
            ]
        )
    return rows


def findings(scenarios: list[dict], sweep: dict | None) -> list[str]:
    """One line per scenario (isolated traders against their cross twins) and per swept
    parameter (its lowest against its highest point), from the numbers above."""
    out = []
    for s in scenarios:
        iso, cross = s["by_mode"].get(ISOLATED), s["by_mode"].get(CROSS)
        if not (iso and cross):
            continue
        out.append(
            f"- **{s['title']}**: {pct(iso['traders_liquidated_pct'], 0)} of the isolated "
            f"traders had an account liquidated, {pct(cross['traders_liquidated_pct'], 0)} of "
            f"their cross twins; liquidation penalty {pct(iso['penalty_pct'], 2)} against "
            f"{pct(cross['penalty_pct'], 2)} of deposits; bad debt {usd(iso['bad_debt_usd'])} "
            f"against {usd(cross['bad_debt_usd'])} USD; exposure kept on average "
            f"{iso['exposure_avg'] / iso['exposure_open']:.0%} against "
            f"{cross['exposure_avg'] / cross['exposure_open']:.0%} of the opening; LP return "
            f"{pct(s['vault']['lp_return'], 2)}."
        )
    if sweep:
        names = {
            "maintenance_margin": "ETH/BTC maintenance margin",
            "liquidation_bonus": "liquidation bonus",
            "close_factor": "close factor",
        }
        for kind, label in names.items():
            points = [p for p in sweep["points"] if p["parameter"] == kind]
            if len(points) < 2:
                continue
            lo, hi = points[0], points[-1]

            def value(p: dict) -> str:
                return (
                    f"x{p['value']:g}"
                    if kind == "liquidation_bonus"
                    else pct(p["value"], 1)
                )

            out.append(
                f"- Sweep on `{sweep['scenario']}`, {label} {value(lo)} to {value(hi)}: "
                f"liquidations {lo['liquidations']} to {hi['liquidations']}, bad debt "
                f"{usd(lo['bad_debt_usd'])} to {usd(hi['bad_debt_usd'])} USD (LPs' share "
                f"{usd(lo['bad_debt_from_lps_usd'])} to {usd(hi['bad_debt_from_lps_usd'])}), "
                f"liquidator gain {usd(lo['liquidator_gain_usd'])} to "
                f"{usd(hi['liquidator_gain_usd'])} USD, LP return {pct(lo['lp_return'], 2)} to "
                f"{pct(hi['lp_return'], 2)}."
            )
    return out


def claims_text(scenarios: list[dict]) -> list[str]:
    out = []
    for s in scenarios:
        c = s["claims"]
        if "shock" in c:
            k = c["shock"]
            verdict = (
                "**holds**" if k["only_holders_liquidated"] else "**does not hold**"
            )
            out.append(
                f"- **{s['title']}** (hour {k['hour']:g}): the gap step liquidated "
                f"{k['buckets_holding_liquidated']} of the {k['buckets_holding']} buckets holding "
                f"{k['asset']} and {k['buckets_not_holding_liquidated']} of the "
                f"{k['buckets_not_holding']} buckets that do not; "
                f"{k['cross_holding_liquidated']} of the {k['cross_holding']} cross accounts holding "
                f"{k['asset']} (it is one of several exposures there) and "
                f"{k['cross_not_holding_liquidated']} of the {k['cross_not_holding']} others. "
                f'"A crash in one asset liquidates only the accounts holding it" {verdict} '
                f"(liquidated without holding it: {k['liquidated_not_holding'] or 'none'})."
            )
    for s in scenarios:
        h = s["claims"]["hedge_twins"]
        if not h["pairs"]:
            continue
        out.append(
            f"- **{s['title']}**, hedged pairs (the same long/short pair as two buckets or one "
            f"cross account, same total margin): the isolated twin was liquidated in "
            f"{h['isolated_liquidated']} of {h['pairs']} pairs, the cross account in "
            f"{h['cross_liquidated']}; where the isolated twin was liquidated the cross account "
            f"survived {h['cross_survived_where_isolated_liquidated']} times of "
            f"{h['isolated_liquidated']}. Value at the end per USD deposited: isolated "
            f"{h['isolated_end_over_deposit']:.3f}, cross {h['cross_end_over_deposit']:.3f}."
        )
    return out


def agents_section(scenarios: list[dict], setup: dict | None) -> list[str]:
    """The flash LP and the dust shielder per scenario (scripts/_sim/agents.py)."""
    runs = [s for s in scenarios if s.get("agents")]
    if not runs:
        return []
    setup = setup or {}
    shield_cfg = setup.get("shielder", {})
    dust = setup.get("dust", {})
    flash_rows, shield_rows = [], []
    for s in runs:
        f = s["agents"]["flash_lp"]
        reasons = "; ".join(f"{k} x{v}" for k, v in sorted(f["reverts"].items()))
        flash_rows.append(
            [
                s["name"],
                f"{f['attempts']} (steps {', '.join(str(k) for k in f['attempt_steps'])})",
                f"{sum(f['reverts'].values())}: {reasons or 'none'}",
                str(f["positions_opened"]),
                usd(f["gas_usd"], 4),
                usd(f["net_gain_usd"], 2),
                usd(f["lp_value_change_usd"], 2),
                "yes" if f["others_unchanged"] else "**no**",
            ]
        )
        d = s["agents"]["dust_shield"]
        sh, tw = d["shielder"], d["twin"]

        def step(x: int | None) -> str:
            return "-" if x is None else str(x)

        probe = d.get("seize_dust_probe")
        if not probe:
            seizing = "not liquidatable"
        elif probe.get("returned"):
            got = probe["returned"]
            seizing = (
                f"goes through (step {probe['step']}): closes the position, repays "
                f"{got['repaid']}, seizes {got['seized']}"
            )
        else:
            seizing = f"reverts (step {probe['step']}): {probe['engine_liquidate_seizing_dust']}"
        shield_rows.append(
            [
                s["name"],
                f"{d['dust_failure']} from step {step(d['dust_unusable_from_step'])}",
                f"{d['side']}: {step(sh['liquidatable_from_step'])} / "
                f"{step(tw['liquidatable_from_step'])}",
                f"{step(sh['first_liquidation_step'])} / {step(tw['first_liquidation_step'])}",
                seizing,
                str(sh["dust_left_wei"]),
                f"{usd(sh['net_gain_usd'], 2)} / {usd(tw['net_gain_usd'], 2)}",
                usd(d["gain_over_twin_usd"], 4),
                f"{usd(sh['bad_debt_written_off_usd'], 2)} / {usd(tw['bad_debt_written_off_usd'], 2)}",
                f"{usd(sh['shortfall_usd'], 2)} / {usd(tw['shortfall_usd'], 2)}",
                f"{sh['empty_liquidations']} ({sh['empty_liquidation_gas']:,} gas)",
            ]
        )
    flash_gain = max(s["agents"]["flash_lp"]["net_gain_usd"] for s in runs)
    over_twin = max(s["agents"]["dust_shield"]["gain_over_twin_usd"] for s in runs)
    stuck = [
        s["name"]
        for s in runs
        if s["agents"]["dust_shield"]["shielder"]["shortfall_usd"] > 0
    ]
    lines = [
        "## Adversarial agents",
        "",
        "Two agents run through every scenario above on the same contracts, next to the "
        "population (their accounts are not in the population's figures; the vault's "
        "include them). Each is measured by value: what it holds at the end at the "
        "oracle's prices, less what it put in and its gas at "
        f"the lab's gas price ({setup.get('gas_price_gwei', '')} gwei; scripts/_sim/agents.py, "
        "[docs/simulate.md](../docs/simulate.md)).",
        "",
        "**Flash LP** (V-01): a FlashLp contract deposits "
        f"{setup.get('flash_deposit_x_lp', '')}x the LPs' deposit, tries to open 98% of the "
        "largest position the market's open-interest cap would allow with that deposit "
        "counted (on the side the rest of the path rewards), and redeems, in one "
        "transaction (`flash`) and as three transactions in one block. *LP value change*: "
        "the honest LP's `convertToAssets(shares)` after the agent's blocks minus before "
        "(nothing else is in those blocks, and no time passes); *others unchanged*: the "
        "other holders' shares and every market's open interest are the same after as "
        "before, so the rest of the path is the one the twin run without the agent sees.",
        "",
        _table(
            [
                "scenario",
                "attempts",
                "reverts: reason x count",
                "positions opened",
                "gas USD",
                "agent net gain USD",
                "LP value change USD",
                "others unchanged",
            ],
            flash_rows,
        ),
        "",
        "**Dust shielder** (M-1): a cross account with "
        f"{usd(shield_cfg.get('margin_usd', 0))} USDC of margin and a "
        f"{shield_cfg.get('leverage', 0):g}x {shield_cfg.get('market', '')} perp on the side "
        "the path hurts most, plus 1 wei of DUST, a collateral token the lab lists (price "
        f"{dust.get('price_usd', 1):g} USD, heartbeat {dust.get('heartbeat_s', 0):,} s) and "
        "makes unusable from step 1 (*stale*: never published again; *removed*: "
        "`OracleAdapter.remove_feed`). Its twin holds the same margin and position without "
        "the dust. Pairs are shielder / twin. *Liquidate naming DUST*: an eth_call of "
        "`liquidate` with DUST as the seize token, the first time the shielder was "
        "liquidatable with DUST unusable: it goes through when the position's close leaves "
        "nothing to repay (DUST untouched), and reverts when there is debt to repay and "
        "seize for. *Empty liquidations*: the bot's liquidations of the "
        "shielder that repaid, seized and charged nothing.",
        "",
        _table(
            [
                "scenario",
                "DUST price",
                "side: liquidatable from step",
                "first liquidation step",
                "liquidate naming DUST",
                "DUST left (wei)",
                "net gain USD",
                "shielder minus twin USD",
                "bad debt written off USD",
                "shortfall at end USD",
                "empty liquidations of the shielder",
            ],
            shield_rows,
        ),
        "",
        f"Neither agent gained: the flash LP's best net result was {usd(flash_gain, 2)} USD "
        "(no position opened; its one-block round trips bought shares at the vault's entry "
        "price, totalAssets + band, and sold them at the exit price, totalAssets - band: "
        "that difference went to the LPs), and the shielder ended at most "
        f"{usd(over_twin, 4)} USD above its twin (negative: below; the dust deposit's gas), "
        "with the same liquidation steps.",
    ]
    if stuck:
        lines[-1] += (
            f" But in {', '.join(stuck)} the dust outlived the liquidation: once the "
            "shielder's position was closed, its remaining debt exceeded its collateral, and "
            "the engine writes off only an account that holds no collateral and no position; "
            "the 1 wei of DUST (never seized, valued 0) kept the debt on the books as "
            "shortfall where its twin's was written off, and the bot liquidated the account "
            "again at every later step for nothing. The shielder gains nothing from it; the "
            "LPs' loss is recognised later (or never), not avoided."
        )
    lines.append("")
    return lines


def family_tables(s: dict) -> str:
    rows = []
    for f, fam in s["families"].items():
        for m in MODES:
            cell = fam["modes"].get(m)
            if not cell:
                continue
            rows.append(
                [
                    f,
                    m,
                    str(cell["traders"]),
                    f"{cell['liquidated']} ({pct(cell['liquidated'] / cell['traders'], 0)})",
                    f"{cell['end_over_deposit']:.3f}",
                    usd(cell["penalty_usd"]),
                ]
            )
        if fam["instances"] and any(fam[k] for k in ("iso_only", "cross_only", "both")):
            rows.append(
                [
                    "",
                    "twins",
                    "",
                    f"isolated only {fam['iso_only']}, cross only {fam['cross_only']}, "
                    f"both {fam['both']}, neither {fam['neither']}",
                    "",
                    "",
                ]
            )
    return _table(
        [
            "strategy",
            "mode",
            "traders",
            "liquidated",
            "end value / deposit",
            "penalty USD",
        ],
        rows,
    )


def sweep_section(sweep: dict, scenarios: list[dict], name: str) -> list[str]:
    scen = next((s for s in scenarios if s["name"] == sweep["scenario"]), None)
    title = scen["title"] if scen else sweep["scenario"]
    lines = [
        "## Parameter sweep",
        "",
        f"Path: **{title}** (`{sweep['scenario']}`), the same population opened once at the "
        "config's parameters; each point reverts to that snapshot, changes one parameter "
        "through its owner setter (`MarketRegistry.set_market`, "
        "`MarginEngine.configure_collateral`) and replays the path with the bot. Positions "
        "are identical across points, so the differences are the parameter's doing.",
        "",
    ]
    kinds = {
        "maintenance_margin": "Maintenance margin of the ETH and BTC markets (MEME keeps 20%)",
        "liquidation_bonus": "Liquidation bonus: every collateral's bonus times a factor, capped at "
        "its bound (1 + bonus) x LT <= 1",
        "close_factor": "Close factor (compile-time constant; see below)",
    }
    for kind, heading in kinds.items():
        points = [p for p in sweep["points"] if p["parameter"] == kind]
        if not points:
            continue
        rows = []
        for p in points:
            bm = p["by_mode"]
            rows.append(
                [
                    p["label"],
                    " / ".join(
                        str(bm[m]["accounts_liquidated"]) if m in bm else "-"
                        for m in MODES
                    ),
                    str(p["liquidations"]),
                    " / ".join(
                        usd(bm[m]["penalty_usd"]) if m in bm else "-" for m in MODES
                    ),
                    usd(p["bad_debt_usd"], 2),
                    usd(p["bad_debt_from_lps_usd"], 2),
                    usd(p["shortfall_end_usd"], 2),
                    pct(p["lp_return"], 3),
                    usd(p["liquidator_gain_usd"]),
                    f"{p['hedge_twins']['cross_liquidated']} / {p['hedge_twins']['isolated_liquidated']}",
                ]
            )
        lines += [
            f"### {heading}",
            "",
            _table(
                [
                    "point",
                    "accounts liquidated (isolated / cross / mixed)",
                    "liquidations",
                    "penalty USD (isolated / cross / mixed)",
                    "bad debt USD",
                    "of which LPs",
                    "shortfall USD",
                    "LP return",
                    "liquidator gain USD",
                    "hedge pairs liquidated (cross / isolated)",
                ],
                rows,
            ),
            "",
        ]
    match = sweep.get("close_factor_variant_matches_deployed")
    note = (
        "The close factor (50%) is `CLOSE_FACTOR` in `contracts/modules/constants.vy`, a "
        "compile-time constant used only by the registry's `seize_plan` (which the engine's "
        "`liquidate` and the Lens's quotes both call). No owner setter changes it: on a real "
        "chain another value needs a new registry, and a new engine, whose registry address "
        "is immutable. The lab sweeps it anyway, on its local chain only: it compiles the "
        "registry from a copy of the sources with another constant and replaces the live "
        "registry's code with `anvil_setCode` (storage untouched). The variant built with 50% "
        "is byte-identical to the deployed registry"
    )
    if match is not None:
        note += (
            ", and its sweep point reproduces the maintenance-margin sweep's 5% point "
            + ("exactly." if match else "**not** exactly (see the JSON).")
        )
    else:
        note += "."
    if sweep.get("close_factor_note"):
        note += f" {sweep['close_factor_note']}"
    lines += [
        note,
        "The close factor only acts in step 3 of a liquidation (repay and seize) on a cross "
        "account whose health is still between 0.95 and 1 after its positions were closed "
        "(buckets and accounts below max(0.95, (1 + bonus) x LT) repay in full), so it moves "
        "little here.",
        "",
        f"![sweep]({name}_sweep.png)",
        "",
    ]
    return lines


def population_section(pop: dict) -> list[str]:
    rows = []
    for f, info in pop["families"].items():
        got = pop["by_family"].get(
            f, {"instances": 0, "traders": 0, "deposit_usd": 0.0}
        )
        rows.append(
            [
                f,
                info["description"],
                ", ".join(info["modes"]),
                str(got["instances"]),
                str(got["traders"]),
                usd(got["deposit_usd"]),
            ]
        )
    sides = ", ".join(f"{k} {usd(v)}" for k, v in pop["side_notional_usd"].items())
    lev = ", ".join(f"{k} {lo:g}-{hi:g}x" for k, (lo, hi) in pop["leverage"].items())
    return [
        "## Population",
        "",
        f"{pop['traders']} traders from {pop['instances']} strategy instances: each instance "
        "is held by one trader per mode with its own funds (twins), so modes are compared on "
        "the same positions and the same total collateral. Isolated: every leg in its own "
        "bucket. Cross: every leg in one cross account. Mixed: the core legs in one cross "
        "account, the satellite (MEME) leg in its own bucket.",
        "",
        _table(
            ["strategy", "what", "modes", "instances", "traders", "deposits USD"], rows
        ),
        "",
        f"Leverage per perp leg (uniform): {lev}; loans draw {pop['ltv_use'][0]:g}-"
        f"{pop['ltv_use'][1]:g} of the collateral factor. Margin per instance: log-normal, "
        "median 2,000 USD. Perp notional per side over all traders (USD): "
        f"{sides}; scale applied to fit the OI caps {pop['scale']:.3f} (MEME perps "
        f"{pop['meme_perp_scale']:.3f}: MEME's OI cap is 10,000 USD per side). LP deposit "
        f"{usd(pop['lp_deposit_usd'])} USDC. Traders open at step 0 and hold; they do not "
        "top up, trade or reopen.",
        "",
    ]


def timing_section(report: dict, scale: dict | None) -> list[str]:
    t = report["timing"]
    lines = [
        "## Run time and what dominates it",
        "",
        f"This report: {t['wall_seconds']:,.0f} s wall on {t['cpus']} cores "
        f"(load average at the end {', '.join(f'{x:.1f}' for x in t['load_average'])}: the "
        f"machine was shared); CPU: anvil {t['anvil_cpu_seconds']:,.0f} s, this Python process "
        f"{t['python_cpu_seconds']:,.0f} s. Per scenario: "
        + ", ".join(f"{k} {v:,.0f} s" for k, v in t["scenario_seconds"].items())
        + (f"; sweep {t['sweep_seconds']:,.0f} s." if "sweep_seconds" in t else "."),
        "",
    ]
    if scale:
        lines += scale_lines(scale)
    lines += [
        "Phases of this run (wall seconds; RPC = time waiting for anvil's answers):",
        "",
        _table(
            ["phase", "seconds", "of which RPC", "RPC calls"],
            [
                [
                    p["phase"],
                    f"{p['seconds']:,.1f}",
                    f"{p['rpc_seconds']:,.1f}",
                    f"{p['rpc_calls']:,}",
                ]
                for p in sorted(t["phases"], key=lambda p: -p["seconds"])
            ],
        ),
        "",
        "RPC methods (seconds include waiting for anvil; a batched call's time is shared by "
        "its requests):",
        "",
        _table(
            ["method", "calls", "seconds"],
            [
                [r["method"], f"{r['calls']:,}", f"{r['seconds']:,.1f}"]
                for r in t["rpc"][:10]
            ],
        ),
        "",
    ]
    if t.get("profile"):
        lines += [
            "cProfile of this run (wall times above include its overhead):",
            "",
            "```",
            t["profile"].rstrip(),
            "```",
            "",
        ]
    return lines


def scale_lines(scale: dict) -> list[str]:
    t = scale["timing"]
    pop = scale["results"]["population"]
    scen = scale["results"]["scenarios"]
    steps = [s["steps"] - 1 for s in scen]
    bot_phase = next(
        (p for p in t["phases"] if p["phase"] == "steps: bot rounds"), None
    )
    lines = [
        f"**1,000-trader run** (`{scale['meta'].get('command', '')}`, "
        f"[{SCALE_STEM}.md]({SCALE_STEM}.md)): {pop['traders']:,} traders, "
        f"{sum(s['by_mode'][m]['accounts'] for s in scen[:1] for m in s['by_mode']):,} "
        f"accounts, {', '.join(s['name'] for s in scen)} "
        f"({min(steps)}-{max(steps)} steps each, "
        f"{sum(s['bot']['liquidations'] for s in scen):,} liquidations): completed in "
        f"{t['wall_seconds']:,.0f} s wall (anvil CPU {t['anvil_cpu_seconds']:,.0f} s, Python CPU "
        f"{t['python_cpu_seconds']:,.0f} s, peak memory {t['max_rss_mb']:,.0f} MB).",
    ]
    if bot_phase:
        lines[-1] += (
            f" The bot's rounds took {bot_phase['seconds']:,.0f} s "
            f"({bot_phase['seconds'] / t['wall_seconds']:.0%} of the run), "
            f"{bot_phase['rpc_seconds']:,.0f} s of it waiting for anvil."
        )
    lines.append("")
    lines.append(
        _table(
            ["phase", "seconds", "of which RPC", "RPC calls"],
            [
                [
                    p["phase"],
                    f"{p['seconds']:,.1f}",
                    f"{p['rpc_seconds']:,.1f}",
                    f"{p['rpc_calls']:,}",
                ]
                for p in sorted(t["phases"], key=lambda p: -p["seconds"])[:8]
            ],
        )
    )
    lines.append("")
    if t.get("profile"):
        lines += [
            "Its cProfile:",
            "",
            "```",
            t["profile"].rstrip(),
            "```",
            "",
        ]
    return lines


def write_markdown(report: dict, out: Path, name: str) -> list[Path]:
    from scripts._sim import plots

    res = report["results"]
    meta = report["meta"]
    scenarios = res["scenarios"]
    written = [
        plots.prices(scenarios, out / f"{name}_prices.png"),
        plots.liquidations(scenarios, out / f"{name}_liquidations.png"),
        plots.values(scenarios, out / f"{name}_value.png"),
        plots.losses(scenarios, out / f"{name}_losses.png"),
        plots.vault(scenarios, out / f"{name}_vault.png"),
        plots.twins(scenarios, out / f"{name}_twins.png"),
    ]
    if res.get("sweep"):
        written.append(plots.sweep(res["sweep"], out / f"{name}_sweep.png"))
    scale = None
    scale_path = out / f"{SCALE_STEM}.json"
    if name != SCALE_STEM and scale_path.exists():
        scale = json.loads(scale_path.read_text())
    opts = meta["options"]
    pop = res["population"]
    lines = [
        f"# Bulkhead risk lab: {pop['traders']} traders, seed {meta['seed']}",
        "",
        f"{pop['traders']} traders holding the same strategies in isolated buckets, cross "
        f"accounts or both, through {len(scenarios)} price paths on the real contracts "
        "(deployed from config/local.yaml with mock tokens and feeds on a local anvil). Time "
        f"moves in {opts['step_hours']:g} h steps: interest and funding accrue, every feed "
        "publishes, and the real liquidator bot (scripts/_bot.py: Lens scan, quotes, eth_call, "
        "send) liquidates until a round finds nothing. Every number below is read from the "
        "chain (events, balances, the vault) after the fact. Method, definitions and limits: "
        "[docs/simulate.md](../docs/simulate.md).",
        "",
        f"**Reproduce**: `{meta.get('command', 'ape run simulate')}` (`make simulate`). The "
        "same seed and options give the same numbers (`results` in "
        f"[{name}.json]({name}.json)); run times vary.  ",
        f"Commit `{meta['git_commit']}`, {meta['config']} sha256 `{meta['config_sha256'][:16]}`; "
        "runtime code sha256 of what was deployed: "
        + ", ".join(f"{k} `{v[:12]}`" for k, v in meta.get("code_sha256", {}).items())
        + ".",
        "",
        "## Headline",
        "",
        "Per scenario and mode. *Lost*: deposit − value at the end (market moves, fees, "
        "funding, interest and liquidations), per USD deposited, over all traders / median "
        "trader / 90th percentile. *Liquidation penalty*: liquidation and trading fees on "
        "closed positions plus the seize bonus. *Shortfall*: debt beyond collateral left at "
        "the end, not yet written off. *Exposure*: |perp notional| + debt per USD of deposit, "
        "at the opening and averaged over the path. Mixed traders exist only for the "
        "strategies with a satellite (MEME) leg, so compare modes within a strategy in the "
        "scenario tables below.",
        "",
        _table(HEADLINE, headline_rows(scenarios)),
        "",
        "## Vault and liquidators",
        "",
        _table(
            [
                "scenario",
                "LP return",
                "bad debt written off USD (reserve / LPs)",
                "shortfall at end USD",
                "liquidations",
                "bot rounds",
                "liquidator gas",
                "gas per liquidation",
                f"gas cost USD at {_gwei(report):g} gwei",
                "liquidator gain USD",
            ],
            vault_rows(scenarios, _gwei(report)),
        ),
        "",
        "## What the numbers say",
        "",
        *findings(scenarios, res.get("sweep")),
        "",
        "## Claims, checked on the chain",
        "",
        *claims_text(scenarios),
        "",
        *agents_section(scenarios, res.get("agents")),
        f"![trader loss by mode]({name}_losses.png)",
        "",
        f"![liquidations]({name}_liquidations.png)",
        "",
        "## Scenarios",
        "",
    ]
    for s in scenarios:
        gas_kinds = ", ".join(
            f"{k} {v['count']} x {v['mean']:,.0f}"
            for k, v in s["bot"]["gas_by_kind"].items()
        )
        lines += [
            f"### {s['title']} (`{s['name']}`)",
            "",
            s["description"]
            + f" {s['steps'] - 1} steps; path sha256 `{s['path_sha256'][:16]}`.",
            "",
            family_tables(s),
            "",
            f"Bot: {s['bot']['rounds']:,} rounds, {s['bot']['liquidations']} liquidations, "
            f"{s['bot']['skipped']} skipped and {s['bot']['failed']} failed attempts; gas per "
            f"liquidation by account kind: {gas_kinds or 'none'}. Funding at the opening "
            "(per day, + = longs pay): "
            + ", ".join(
                f"{m} {pct(v, 3)}"
                for m, v in s["vault"]["funding_per_day_open"].items()
            )
            + f"; vault utilisation {pct(s['vault']['utilization_open'], 1)}.",
            "",
        ]
    lines += [
        f"![prices]({name}_prices.png)",
        "",
        f"![value by mode]({name}_value.png)",
        "",
        f"![strategies]({name}_twins.png)",
        "",
        f"![vault]({name}_vault.png)",
        "",
    ]
    if res.get("sweep"):
        lines += sweep_section(res["sweep"], scenarios, name)
    lines += population_section(pop)
    lines += timing_section(report, scale)
    lines += [
        "## Limits",
        "",
        "- Traders open at step 0 and hold: no top-ups, no de-risking, no reopening after a "
        "liquidation; a real user of a cross account might add margin in time.",
        "- Prices move only at steps; between steps nothing happens. A gap is one step (no "
        "feed update on the way down), which is what makes bad debt possible.",
        "- One liquidator with ample USDC, acting at every step with no competition and no "
        "latency; gas is reported, not charged against its decisions (min profit 0).",
        "- The vault is the only counterparty: LP returns include the traders' PnL.",
        "- Funding follows the population's own skew with the config's parameters.",
        "",
    ]
    md = out / f"{name}.md"
    md.write_text("\n".join(lines))
    return [md, *written]
