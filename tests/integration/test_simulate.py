"""The risk lab (`ape run simulate`, scripts/_sim/) on a small scenario, run end to end as
a user runs it: its own anvil, the deploy script, a population opened through the engine,
the real liquidator bot at every step. The headline numbers of the report are checked
against the per-account rows the run read back from the chain (`--details`), and a second
run with the same seed must give the same numbers.

Two runs of 24 traders through a MEME gap and a market-wide drawdown, 12 steps each:
about 15-25 s per run on the project's 2-core machine (most of it ape's start-up and the
deployment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts._sim import paths as pp
from scripts._sim.population import CROSS, ISOLATED, MIXED, Population

ROOT = Path(__file__).resolve().parents[2]
SEED = 3
ARGS = [
    "--traders",
    "24",
    "--days",
    "2",
    "--step-hours",
    "4",
    "--scenario",
    "crash",
    "--scenario",
    "drawdown",
    "--no-sweep",
    "--json-only",
    "--details",
]


def run_lab(out: Path, seed: int = SEED) -> dict:
    ape = os.path.join(os.path.dirname(sys.executable), "ape")
    done = subprocess.run(
        [ape, "run", "simulate", *ARGS, "--seed", str(seed), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return json.loads((out / "risk_lab.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[dict, dict]:
    first = run_lab(tmp_path_factory.mktemp("lab-a"))
    second = run_lab(tmp_path_factory.mktemp("lab-b"))
    return first, second


def scenario(report: dict, name: str) -> dict:
    return next(s for s in report["results"]["scenarios"] if s["name"] == name)


def holds(account: dict, symbol: str, market: str) -> bool:
    return symbol in account["deposits"] or any(
        m == market for m, _ in account["positions"]
    )


def liquidated_at(s: dict, step: int | None = None) -> set[int]:
    return {
        x["account"] for x in s["liquidations"] if step is None or x["step"] == step
    }


# ---- the gap crash ------------------------------------------------------------------------
def test_simulate__gap_crash_liquidates_only_the_accounts_holding_the_asset(runs):
    s = scenario(runs[0], "crash")
    shock = s["claims"]["shock"]
    accounts = s["accounts"]
    at_gap = liquidated_at(s, shock["step"])
    assert shock["asset"] == "MEME" and at_gap
    # every account the gap step liquidated holds MEME (as collateral or a MEME perp) ...
    assert all(holds(accounts[str(i)], "MEME", "MEME") for i in at_gap)
    # ... and the report's counts are those of the per-account rows
    buckets = {int(i): a for i, a in accounts.items() if a["kind"] != "cross"}
    meme_buckets = {i for i, a in buckets.items() if holds(a, "MEME", "MEME")}
    assert shock["buckets_holding"] == len(meme_buckets) > 0
    assert shock["buckets_holding_liquidated"] == len(at_gap & meme_buckets) > 0
    assert shock["buckets_not_holding_liquidated"] == 0
    assert shock["liquidated_not_holding"] == [] and shock["only_holders_liquidated"]


def test_simulate__buckets_without_the_asset_keep_their_positions_and_collateral(runs):
    s = scenario(runs[0], "crash")
    hit = liquidated_at(s)
    untouched = [
        a
        for i, a in s["accounts"].items()
        if a["kind"] != "cross" and int(i) not in hit and not holds(a, "MEME", "MEME")
    ]
    assert untouched
    for a in untouched:
        # a perp bucket still holds its position; a loan bucket still holds its collateral
        assert [size for _, size in a["end"]["positions"]] == [
            s for _, s in a["positions"]
        ]
        for symbol, units in a["deposits"].items():
            if (
                symbol != "USDC"
            ):  # the USDC margin paid the opening trade's fee; tokens stay
                assert a["end"]["balances"][symbol] == units
        assert not a["end"]["liquidatable"]


def test_simulate__a_bucket_fares_the_same_whoever_holds_it(runs):
    """Isolation: an isolated trader's MEME bucket and its mixed twin's MEME bucket hold the
    same thing, so the gap liquidates both or neither; the cross twin, holding MEME next
    to its other legs, is a different account and may survive."""
    s = scenario(runs[0], "crash")
    hit = liquidated_at(s)
    traders = {t["trader"]: t for t in s["traders"]}
    by_instance: dict[int, dict[str, dict]] = {}
    for t in traders.values():
        by_instance.setdefault(t["instance"], {})[t["mode"]] = t
    compared = 0
    for modes in by_instance.values():
        if ISOLATED not in modes or MIXED not in modes:
            continue

        def meme_buckets(t: dict) -> list[int]:
            return [
                i
                for i in t["accounts"]
                if s["accounts"][str(i)]["kind"] != "cross"
                and holds(s["accounts"][str(i)], "MEME", "MEME")
            ]

        found = meme_buckets(modes[ISOLATED]), meme_buckets(modes[MIXED])
        if found == ([], []):
            continue  # a basket whose MEME leg was below the market's minimum notional
        (iso,), (mixed,) = found
        assert (
            s["accounts"][str(iso)]["deposits"] == s["accounts"][str(mixed)]["deposits"]
        )
        assert (iso in hit) == (mixed in hit), (iso, mixed)
        compared += 1
    assert compared > 0


# ---- the market-wide drawdown -------------------------------------------------------------
def test_simulate__hedged_cross_accounts_survive_the_move_that_liquidates_their_twins(
    runs,
):
    s = scenario(runs[0], "drawdown")
    twins = s["claims"]["hedge_twins"]
    hit = liquidated_at(s)
    pairs = {}
    for t in s["traders"]:
        if t["family"] == "hedge":
            pairs.setdefault(t["instance"], {})[t["mode"]] = t
    iso_hit = [p for p in pairs.values() if set(p[ISOLATED]["accounts"]) & hit]
    assert twins["pairs"] == len(pairs) > 0
    assert twins["isolated_liquidated"] == len(iso_hit) > 0
    assert twins["cross_liquidated"] == 0
    assert twins["cross_survived_where_isolated_liquidated"] == len(iso_hit)
    for p in iso_hit:
        (cross_id,) = p[CROSS]["accounts"]
        cross = s["accounts"][str(cross_id)]
        # both legs still open in the cross account, at the sizes it opened with, healthy
        assert [size for _, size in cross["end"]["positions"]] == [
            s for _, s in cross["positions"]
        ]
        assert (
            cross["end"]["health_factor"] >= 10**18 and not cross["end"]["liquidatable"]
        )
        # the isolated twin lost at least one bucket's position to the bot
        closed = [
            i
            for i in p[ISOLATED]["accounts"]
            if i in hit and s["accounts"][str(i)]["end"]["positions"] == []
        ]
        assert closed


def test_simulate__liquidations_went_through_the_bot_and_cost_gas(runs):
    for name in ("crash", "drawdown"):
        s = scenario(runs[0], name)
        bot = s["bot"]
        assert bot["liquidations"] == len(s["liquidations"]) > 0
        # the bot's count includes the adversarial agents' accounts (reported apart)
        assert bot["liquidated"] == bot["liquidations"] + bot["agent_liquidations"]
        assert bot["failed"] == 0
        assert all(x["gas"] > 21_000 for x in s["liquidations"])
        assert bot["gas"] == sum(x["gas"] for x in s["liquidations"])
        by_mode = s["by_mode"]
        assert sum(m["liquidations"] for m in by_mode.values()) == bot["liquidations"]


# ---- the adversarial agents ---------------------------------------------------------------
OI_SHARE = "registry: open interest above oi share"


def test_simulate__adversarial_agents_gain_nothing(runs):
    """The flash LP's deposit backs nothing in its own block, so its position never opens
    and it ends with less than it put in, the LPs with no less; the dust shielder is
    liquidated at the same step as its twin, its DUST is never seized, and it ends no
    better than the twin."""
    shielded = 0
    for name in ("crash", "drawdown"):
        s = scenario(runs[0], name)
        f = s["agents"]["flash_lp"]
        assert f["attempts"] >= 4 and f["positions_opened"] == 0
        assert f["reverts"] == {
            f"flash: {OI_SHARE}": f["attempts"] // 2,
            f"trade: {OI_SHARE}": f["attempts"] // 2,
        }
        for a in f["detail"]:
            # the size needed the deposit: above the room the vault gives without it
            assert a["notional_usd"] > a["room_without_deposit_usd"]
        assert f["net_gain_usd"] < 0 and f["gas_usd"] > 0
        assert f["lp_value_change_usd"] >= 0 and f["others_unchanged"]
        assert f["shares_left"] == 0 and f["positions_left"] == 0

        d = s["agents"]["dust_shield"]
        sh, tw = d["shielder"], d["twin"]
        assert d["dust_unusable_from_step"] == 1
        assert d["same_fate"]
        assert sh["first_liquidation_step"] == tw["first_liquidation_step"]
        assert sh["dust_left_wei"] == 1
        assert d["gain_over_twin_usd"] <= 0
        if sh["first_liquidation_step"] is not None:
            shielded += 1
            probe = d["seize_dust_probe"]
            if probe["returned"] is None:  # debt to repay: DUST cannot be the seize
                assert probe["engine_liquidate_seizing_dust"] == (
                    "engine: seize token unpriced"
                )
                assert probe["lens_quote_reason"] == "engine: seize token unpriced"
            else:  # the close left nothing to repay: DUST is never touched
                assert probe["returned"]["seized"] == 0
            assert sh["positions_left"] == tw["positions_left"] == 0
    assert shielded  # the drawdown liquidates the long shielder and its twin


# ---- reproducibility ----------------------------------------------------------------------
def test_simulate__same_seed_same_numbers(runs):
    first, second = runs
    assert first["results"] == second["results"]
    assert first["meta"]["seed"] == second["meta"]["seed"] == SEED
    assert first["timing"]["wall_seconds"] > 0


def test_simulate__another_seed_draws_another_population_and_paths():
    markets = {
        "ETH": {"asset": "WETH", "oi_cap": 1e7, "oi_share": 0.5, "min_notional": 10},
        "BTC": {"asset": "WBTC", "oi_cap": 1e7, "oi_share": 0.5, "min_notional": 10},
        "MEME": {"asset": "MEME", "oi_cap": 1e4, "oi_share": 0.1, "min_notional": 10},
    }
    collaterals = {
        s: {"collateral_factor": cf}
        for s, cf in (("USDC", 0.95), ("WETH", 0.8), ("WBTC", 0.75), ("MEME", 0.4))
    }
    start = {"WETH": 3000.0, "WBTC": 60000.0, "MEME": 0.5}

    def draw(seed: int):
        pop = Population(24, seed, markets, collaterals, start)
        legs = [(i.family, [leg.text() for leg in i.legs]) for i in pop.instances]
        return legs, pp.calm(start, 2, 4, seed).prices

    assert draw(SEED) == draw(SEED)
    assert draw(SEED)[0] != draw(SEED + 1)[0]
    assert draw(SEED)[1] != draw(SEED + 1)[1]
