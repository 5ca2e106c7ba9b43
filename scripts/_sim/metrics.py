"""From one scenario's chain readings to the report's numbers (JSON-able, deterministic).

Definitions (docs/simulate.md repeats them):
- **liquidations**: ``Liquidated`` events of the engine; an account counts once in
  "accounts liquidated" however many times it was liquidated.
- **deposit** of a trader: what it deposited, valued at the opening prices.
- **end value** of a trader: Σ over its accounts of max(0, collateral at the last prices +
  claim − debt + unrealised PnL incl. funding) plus the loans it drew (in its wallet).
  Below zero an owner walks away, so an account counts 0, not less.
- **lost**: deposit − end value (market moves, fees, funding, interest and liquidation).
- **liquidation penalty**: what liquidations took beyond the loss itself: the liquidation
  and trading fees on the positions they closed plus the seize bonus (value seized −
  debt repaid).
- **bad debt**: debt the vault wrote off (``BadDebtWrittenOff``), split into reserve and
  LPs; **shortfall** is what accounts still owe beyond their collateral at the end (bad
  debt not yet recognised).
- **LP return**: the vault's share price at the end over the opening one, − 1.
- **capital efficiency**: exposure (|perp notional| + debt) per USD of deposit, at the
  opening and averaged over every step (liquidated positions stop counting).
- **liquidator gas**: receipt gasUsed of every liquidation transaction, and its cost at
  ``gas_price_gwei`` and the step's ETH price.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from scripts._sim.lab import Lab, ScenarioRun, deposit_usd
from scripts._sim.population import CROSS, ISOLATED, MIXED, MODES, AccountPlan, Trader

WAD = 10**18
ZERO = "0x0000000000000000000000000000000000000000"


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[k]


def summarise(
    lab: Lab, run: ScenarioRun, gas_price_gwei: float, details: bool = False
) -> dict:
    path = run.path
    qunit = 10 ** lab.decimals[lab.quote]
    step_of_block: dict[int, int] = {run.block_open: 0}
    for rec in run.steps:
        for b in range(rec.block_from, rec.block_to + 1):
            step_of_block[b] = rec.step
    owner: dict[int, tuple[Trader, AccountPlan]] = {}
    for t in run.traders:
        for acct in t.accounts:
            owner[acct.account_id] = (t, acct)
    market_name = {mid: name for name, mid in lab.market_ids.items()}
    eth_symbol = lab.market_asset.get("ETH", "WETH")

    # -- liquidations, from the events --
    closes: dict[str, list[dict]] = defaultdict(list)
    for p in run.events["positions"]:
        closes[p["tx"]].append(p)
    written: dict[str, dict] = {}
    for v in run.events["vault_bad_debt"]:
        row = written.setdefault(
            v["tx"], {"assets": 0, "from_reserve": 0, "from_lps": 0}
        )
        for k in row:
            row[k] += v[k]
    bad_by_account: dict[int, float] = defaultdict(float)
    for b in run.events["bad_debt"]:
        bad_by_account[b["account_id"]] += b["assets"] / qunit
    liquidations = []
    per_account: dict[int, dict] = defaultdict(
        lambda: {
            "liquidations": 0,
            "penalty": 0.0,
            "first_step": None,
            "repaid": 0.0,
            "closed": [],
        }
    )
    others = 0  # liquidations of the adversarial agents' accounts (run.agents)
    for e in sorted(
        run.events["liquidated"], key=lambda e: (e["block"], e["log_index"])
    ):
        if e["account_id"] not in owner:
            others += 1
            continue
        step = step_of_block.get(e["block"], 0)
        prices = path.at(step)
        price = lab.price_of(prices)
        account_id = e["account_id"]
        trader, acct = owner[account_id]
        token = e["seize_token"]
        if not e["seized"]:
            seized_usd, symbol = 0.0, "none"
        elif token == ZERO:
            seized_usd = e["seized"] / qunit * price(lab.quote)
            symbol = "sweep"
        else:
            symbol = lab.symbol_of[token.lower()]
            seized_usd = e["seized"] / 10 ** lab.decimals[symbol] * price(symbol)
        repaid_usd = e["repaid"] / qunit * price(lab.quote)
        fee_usd = e["fee"] / qunit * price(lab.quote)
        pos = [p for p in closes[e["tx"]] if p["account_id"] == account_id]
        liq_fees = sum(p["liquidation_fee"] for p in pos) / WAD
        trading_fees = sum(p["trading_fee"] for p in pos) / WAD
        bonus = seized_usd - repaid_usd if e["seized"] else 0.0
        receipt = run.receipts.get(e["tx"]) or {}
        gas = int(receipt.get("gasUsed", "0x0"), 16)
        record = {
            "step": step,
            "hour": path.hours[step],
            "account": account_id,
            "trader": trader.index,
            "mode": trader.mode,
            "kind": acct.kind,
            "family": trader.family,
            "closed": [
                f"{'+' if p['size'] > 0 else '-'}{abs(p['size']) / WAD:.6g} "
                f"{market_name.get(p['market_id'], p['market_id'])}"
                for p in pos
            ],
            "seize": symbol,
            "repaid_usd": repaid_usd,
            "seized_usd": seized_usd,
            "fee_usd": fee_usd,
            "penalty_usd": liq_fees + trading_fees + bonus,
            "liquidator_gain_usd": fee_usd + seized_usd - repaid_usd,
            "bad_debt_usd": written.get(e["tx"], {}).get("assets", 0) / qunit,
            "health_before": e["health_before"] / WAD,
            "gas": gas,
            "gas_usd": gas * gas_price_gwei * 1e-9 * price(eth_symbol),
        }
        liquidations.append(record)
        row = per_account[account_id]
        row["liquidations"] += 1
        row["penalty"] += record["penalty_usd"]
        row["repaid"] += repaid_usd
        row["first_step"] = step if row["first_step"] is None else row["first_step"]
        for p in pos:
            row["closed"].append((market_name.get(p["market_id"]), step))

    # -- traders --
    open_prices = path.at(0)
    end_prices = run.prices_end
    traders = []
    for t in run.traders:
        dep = deposit_usd(lab, t, open_prices)
        end = 0.0
        shortfall = 0.0
        for acct in t.accounts:
            v = lab.account_value(run.accounts_end[acct.account_id], end_prices)
            end += max(0.0, v) + acct.borrow / qunit
            shortfall += max(0.0, -v)
        hit = [a.account_id for a in t.accounts if a.account_id in per_account]
        traders.append(
            {
                "trader": t.index,
                "mode": t.mode,
                "family": t.family,
                "instance": t.instance.id,
                "accounts": [a.account_id for a in t.accounts],
                "deposit_usd": dep,
                "end_usd": end,
                "lost_usd": dep - end,
                "lost_pct": (dep - end) / dep if dep else 0.0,
                "liquidated_accounts": len(hit),
                "liquidations": sum(per_account[i]["liquidations"] for i in hit),
                "penalty_usd": sum(per_account[i]["penalty"] for i in hit),
                "bad_debt_usd": sum(
                    bad_by_account.get(a.account_id, 0.0) for a in t.accounts
                ),
                "shortfall_usd": shortfall,
            }
        )

    # -- exposure over time (positions close when liquidated; debt falls when repaid) --
    exposure_open = {m: 0.0 for m in MODES}
    exposure_avg = {m: 0.0 for m in MODES}
    deposits = {m: 0.0 for m in MODES}
    repaid_by_step: dict[int, dict[int, float]] = defaultdict(
        lambda: defaultdict(float)
    )
    written_off_at: dict[int, int] = {}
    for rec in liquidations:
        repaid_by_step[rec["account"]][rec["step"]] += rec["repaid_usd"]
        if rec["bad_debt_usd"] > 0:
            written_off_at.setdefault(rec["account"], rec["step"])
    step_prices = [lab.price_of(path.at(k)) for k in range(path.steps)]
    for t, row in zip(run.traders, traders):
        deposits[t.mode] += row["deposit_usd"]
        for acct in t.accounts:
            i = acct.account_id
            closed_at = dict(per_account[i]["closed"]) if i in per_account else {}
            debt = acct.borrow / qunit
            total = 0.0
            for k in range(path.steps):
                price = step_prices[k]
                debt -= repaid_by_step[i].get(k, 0.0) if i in repaid_by_step else 0.0
                if i in written_off_at and k >= written_off_at[i]:
                    debt = 0.0
                value = max(0.0, debt)
                for market, size in acct.positions:
                    if market in closed_at and k >= closed_at[market]:
                        continue
                    value += abs(size) / WAD * price(lab.market_asset[market])
                if k == 0:
                    exposure_open[t.mode] += value
                total += value
            exposure_avg[t.mode] += total / path.steps

    # -- per mode --
    by_mode = {}
    for m in MODES:
        rows = [r for r in traders if r["mode"] == m]
        if not rows:
            continue
        accts = [a for r in rows for a in r["accounts"]]
        liq = [x for x in liquidations if x["mode"] == m]
        dep = sum(r["deposit_usd"] for r in rows)
        by_mode[m] = {
            "traders": len(rows),
            "accounts": len(accts),
            "accounts_liquidated": sum(1 for a in accts if a in per_account),
            "liquidations": len(liq),
            "positions_closed": sum(len(x["closed"]) for x in liq),
            "traders_liquidated": sum(1 for r in rows if r["liquidated_accounts"]),
            "traders_liquidated_pct": sum(1 for r in rows if r["liquidated_accounts"])
            / len(rows),
            "deposit_usd": dep,
            "end_usd": sum(r["end_usd"] for r in rows),
            "lost_usd": sum(r["lost_usd"] for r in rows),
            "lost_pct": sum(r["lost_usd"] for r in rows) / dep if dep else 0.0,
            "lost_pct_median": statistics.median(r["lost_pct"] for r in rows),
            "lost_pct_p90": _pct([r["lost_pct"] for r in rows], 0.9),
            # box-plot figures of the per-trader loss: p5, p25, p50, p75, p95
            "lost_pct_box": [
                _pct([r["lost_pct"] for r in rows], q)
                for q in (0.05, 0.25, 0.5, 0.75, 0.95)
            ],
            "penalty_usd": sum(r["penalty_usd"] for r in rows),
            "penalty_pct": sum(r["penalty_usd"] for r in rows) / dep if dep else 0.0,
            "bad_debt_usd": sum(r["bad_debt_usd"] for r in rows),
            "shortfall_usd": sum(r["shortfall_usd"] for r in rows),
            "exposure_open": exposure_open[m] / deposits[m] if deposits[m] else 0.0,
            "exposure_avg": exposure_avg[m] / deposits[m] if deposits[m] else 0.0,
            "gas": sum(x["gas"] for x in liq),
        }

    # -- twins: the same instance in each mode --
    by_instance: dict[int, dict[str, dict]] = defaultdict(dict)
    for r in traders:
        by_instance[r["instance"]][r["mode"]] = r
    families: dict[str, dict] = {}
    for inst_rows in by_instance.values():
        any_row = next(iter(inst_rows.values()))
        fam = families.setdefault(
            any_row["family"],
            {
                "instances": 0,
                "modes": {},
                "iso_only": 0,
                "cross_only": 0,
                "both": 0,
                "neither": 0,
            },
        )
        fam["instances"] += 1
        for m, r in inst_rows.items():
            cell = fam["modes"].setdefault(
                m,
                {
                    "traders": 0,
                    "liquidated": 0,
                    "deposit_usd": 0.0,
                    "end_usd": 0.0,
                    "penalty_usd": 0.0,
                },
            )
            cell["traders"] += 1
            cell["liquidated"] += 1 if r["liquidated_accounts"] else 0
            cell["deposit_usd"] += r["deposit_usd"]
            cell["end_usd"] += r["end_usd"]
            cell["penalty_usd"] += r["penalty_usd"]
        if ISOLATED in inst_rows and CROSS in inst_rows:
            iso = bool(inst_rows[ISOLATED]["liquidated_accounts"])
            cross = bool(inst_rows[CROSS]["liquidated_accounts"])
            key = (
                "both"
                if iso and cross
                else "iso_only"
                if iso
                else "cross_only"
                if cross
                else "neither"
            )
            fam[key] += 1
    for fam in families.values():
        for cell in fam["modes"].values():
            cell["end_over_deposit"] = (
                cell["end_usd"] / cell["deposit_usd"] if cell["deposit_usd"] else 0.0
            )

    # -- the vault --
    first, last = run.states[0], run.states[-1]
    written_total = {
        k: sum(w[k] for w in written.values()) / qunit
        for k in ("assets", "from_reserve", "from_lps")
    }
    years = path.hours[-1] / (365 * 24) if path.hours[-1] else 0.0
    lp_return = last["share_price"] / first["share_price"] - 1
    vault = {
        "lp_deposit_usd": lab.lp_deposit_units / qunit,
        "share_price_open": first["share_price"],
        "share_price_end": last["share_price"],
        "lp_return": lp_return,
        "lp_return_apr": lp_return / years if years else 0.0,
        "total_assets_open": first["total_assets"],
        "total_assets_end": last["total_assets"],
        "debt_open": first["total_debt"],
        "debt_end": last["total_debt"],
        "utilization_open": first["utilization"],
        "reserve_open": first["reserve"],
        "reserve_end": last["reserve"],
        "bad_debt_usd": written_total["assets"],
        "bad_debt_from_reserve_usd": written_total["from_reserve"],
        "bad_debt_from_lps_usd": written_total["from_lps"],
        "shortfall_end_usd": sum(r["shortfall_usd"] for r in traders),
        "funding_per_day_open": {
            m: s["funding_per_day"] for m, s in first["markets"].items()
        },
        "skew_open": {m: s["long"] - s["short"] for m, s in first["markets"].items()},
    }
    gas_total = sum(x["gas"] for x in liquidations)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for x in liquidations:
        by_kind[x["kind"]].append(x["gas"])
    bot = {
        "rounds": sum(r.rounds for r in run.steps),
        "candidates_first_round": sum(r.candidates for r in run.steps),
        "liquidated": sum(r.liquidated for r in run.steps),
        "agent_liquidations": others,
        "skipped": sum(r.skipped for r in run.steps),
        "failed": sum(r.failed for r in run.steps),
        "liquidations": len(liquidations),
        "gas": gas_total,
        "gas_per_liquidation": gas_total / len(liquidations) if liquidations else 0.0,
        "gas_by_kind": {
            k: {"count": len(v), "mean": sum(v) / len(v), "max": max(v)}
            for k, v in sorted(by_kind.items())
        },
        "gas_usd": sum(x["gas_usd"] for x in liquidations),
        "gain_usd": sum(x["liquidator_gain_usd"] for x in liquidations),
    }
    series = {
        "hour": list(path.hours),
        "share_price": [s["share_price"] for s in run.states],
        "total_debt": [s["total_debt"] for s in run.states],
        "utilization": [s["utilization"] for s in run.states],
        "reserve": [s["reserve"] for s in run.states],
        "funding_per_day": {
            m: [s["markets"][m]["funding_per_day"] for s in run.states]
            for m in first["markets"]
        },
        "candidates": [0] + [r.candidates for r in run.steps],
        "liquidations_by_mode": {
            m: [
                sum(1 for x in liquidations if x["mode"] == m and x["step"] == k)
                for k in range(path.steps)
            ]
            for m in MODES
        },
        "bad_debt": [
            sum(x["bad_debt_usd"] for x in liquidations if x["step"] == k)
            for k in range(path.steps)
        ],
        "prices": {s: list(v) for s, v in path.prices.items()},
        "value_samples": [
            {"step": k, "hour": path.hours[k], **v} for k, v in run.samples
        ],
    }
    out: dict[str, Any] = {
        "name": path.name,
        "title": path.title,
        "description": path.description,
        "steps": path.steps,
        "hours": path.hours[-1],
        "path_sha256": path.digest(),
        "marks": path.marks,
        "params": run.params,
        "by_mode": by_mode,
        "families": families,
        "vault": vault,
        "bot": bot,
        "claims": claims(path, run, traders, liquidations, per_account, lab),
        "liquidations": liquidations,
        "series": series,
    }
    if run.agents is not None:
        out["agents"] = run.agents
    if details:
        out["traders"] = traders
        out["accounts"] = {
            str(i): {
                "trader": t.index,
                "mode": t.mode,
                "kind": a.kind,
                "family": t.family,
                "deposits": dict(a.deposits),
                "borrow": a.borrow,
                "positions": [[m, s] for m, s in a.positions],
                "end": {
                    "balances": run.accounts_end[i]["balances"],
                    "debt": run.accounts_end[i]["debt"],
                    "positions": [
                        [p["market_id"], p["size"]]
                        for p in run.accounts_end[i]["positions"]
                    ],
                    "health_factor": run.accounts_end[i]["health"]["health_factor"],
                    "liquidatable": run.accounts_end[i]["health"]["liquidatable"],
                },
            }
            for i, (t, a) in sorted(owner.items())
        }
    return out


def claims(
    path,
    run: ScenarioRun,
    traders: list[dict],
    liquidations: list[dict],
    per_account: dict,
    lab: Lab,
) -> dict:
    """The report's headline claims, each checked on this run's chain data."""
    out: dict[str, Any] = {}
    if path.shock:
        asset, k = path.shock["asset"], path.shock["step"]
        markets = [m for m, a in lab.market_asset.items() if a == asset]
        at_step = {x["account"] for x in liquidations if x["step"] == k}
        rows = {
            "bucket": [0, 0, 0, 0],
            "cross": [0, 0, 0, 0],
        }  # holding, liq, not holding, liq
        strays = []
        for t in run.traders:
            for a in t.accounts:
                holds = any(a.holds(asset, m) for m in markets) or a.holds(asset, "")
                row = rows["cross" if a.mode == 2 else "bucket"]
                liq = a.account_id in at_step
                if holds:
                    row[0] += 1
                    row[1] += liq
                else:
                    row[2] += 1
                    row[3] += liq
                    if liq:
                        strays.append(a.account_id)
        out["shock"] = {
            "asset": asset,
            "step": k,
            "hour": path.hours[k],
            "buckets_holding": rows["bucket"][0],
            "buckets_holding_liquidated": rows["bucket"][1],
            "buckets_not_holding": rows["bucket"][2],
            "buckets_not_holding_liquidated": rows["bucket"][3],
            "cross_holding": rows["cross"][0],
            "cross_holding_liquidated": rows["cross"][1],
            "cross_not_holding": rows["cross"][2],
            "cross_not_holding_liquidated": rows["cross"][3],
            "liquidated_not_holding": strays,
            "only_holders_liquidated": not strays and bool(at_step),
        }
    hedges: dict[int, dict[str, dict]] = defaultdict(dict)
    for r in traders:
        if r["family"] == "hedge":
            hedges[r["instance"]][r["mode"]] = r
    pairs = [v for v in hedges.values() if ISOLATED in v and CROSS in v]
    iso_liq = [p for p in pairs if p[ISOLATED]["liquidated_accounts"]]
    out["hedge_twins"] = {
        "pairs": len(pairs),
        "isolated_liquidated": len(iso_liq),
        "cross_liquidated": sum(1 for p in pairs if p[CROSS]["liquidated_accounts"]),
        "cross_survived_where_isolated_liquidated": sum(
            1 for p in iso_liq if not p[CROSS]["liquidated_accounts"]
        ),
        "isolated_end_over_deposit": (
            sum(p[ISOLATED]["end_usd"] for p in pairs)
            / sum(p[ISOLATED]["deposit_usd"] for p in pairs)
            if pairs
            else 0.0
        ),
        "cross_end_over_deposit": (
            sum(p[CROSS]["end_usd"] for p in pairs)
            / sum(p[CROSS]["deposit_usd"] for p in pairs)
            if pairs
            else 0.0
        ),
    }
    mixed = [r for r in traders if r["mode"] == MIXED]
    out["mixed_traders"] = len(mixed)
    return out
