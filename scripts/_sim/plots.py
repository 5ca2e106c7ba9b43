"""The report's PNG plots (matplotlib, Agg backend; no timestamps in the files, so the
same numbers give the same images)."""

from __future__ import annotations

from itertools import accumulate
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from scripts._sim.population import MODES  # noqa: E402

COLORS = {"isolated": "#d62728", "cross": "#1f77b4", "mixed": "#9467bd"}
ASSET_COLORS = {
    "WETH": "#1f77b4",
    "WBTC": "#ff7f0e",
    "MEME": "#2ca02c",
    "USDC": "#7f7f7f",
}
METADATA = {"Software": None}  # no matplotlib version in the PNG: stable bytes


def _grid(n: int, width: float = 11.0, height: float = 3.2):
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(width, height * rows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _marks(ax, scenario: dict) -> None:
    for hour, label in scenario["marks"]:
        ax.axvline(hour, color="#555555", lw=0.8, ls="--")
        ax.annotate(
            label,
            (hour, 1),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            ha="left",
            va="top",
            xytext=(2, -2),
            textcoords="offset points",
        )


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata=METADATA)
    plt.close(fig)
    return path


def prices(scenarios: list[dict], path: Path) -> Path:
    fig, axes = _grid(len(scenarios))
    for ax, s in zip(axes, scenarios):
        hours = s["series"]["hour"]
        for symbol, series in sorted(s["series"]["prices"].items()):
            if series[0]:
                ax.plot(
                    hours,
                    [p / series[0] for p in series],
                    lw=1.1,
                    label=symbol,
                    color=ASSET_COLORS.get(symbol),
                )
        _marks(ax, s)
        ax.set_title(s["title"], fontsize=9)
        ax.set_xlabel("hours", fontsize=8)
        ax.set_ylabel("price / opening price", fontsize=8)
        ax.legend(fontsize=7, loc="lower left")
        ax.grid(alpha=0.3)
    return _save(fig, path)


def liquidations(scenarios: list[dict], path: Path) -> Path:
    fig, axes = _grid(len(scenarios))
    for ax, s in zip(axes, scenarios):
        hours = s["series"]["hour"]
        for m in MODES:
            if m not in s["by_mode"]:
                continue
            per_step = s["series"]["liquidations_by_mode"][m]
            ax.step(
                hours,
                list(accumulate(per_step)),
                where="post",
                color=COLORS[m],
                label=f"{m} ({s['by_mode'][m]['accounts']} accounts)",
            )
        _marks(ax, s)
        ax.set_title(f"{s['title']}: liquidations (cumulative)", fontsize=9)
        ax.set_xlabel("hours", fontsize=8)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
    return _save(fig, path)


def values(scenarios: list[dict], path: Path) -> Path:
    fig, axes = _grid(len(scenarios))
    for ax, s in zip(axes, scenarios):
        samples = s["series"]["value_samples"]
        hours = [x["hour"] for x in samples]
        for m in MODES:
            if m not in s["by_mode"] or not samples[0].get(m):
                continue
            ax.plot(
                hours,
                [x[m] / samples[0][m] for x in samples],
                marker="o",
                ms=3,
                color=COLORS[m],
                label=m,
            )
        _marks(ax, s)
        ax.set_title(f"{s['title']}: traders' value / opening value", fontsize=9)
        ax.set_xlabel("hours", fontsize=8)
        ax.legend(fontsize=7, loc="lower left")
        ax.grid(alpha=0.3)
    return _save(fig, path)


def losses(scenarios: list[dict], path: Path) -> Path:
    fig, axes = _grid(len(scenarios))
    for ax, s in zip(axes, scenarios):
        stats, colors = [], []
        for m in MODES:
            row = s["by_mode"].get(m)
            if not row:
                continue
            p5, p25, p50, p75, p95 = (100 * x for x in row["lost_pct_box"])
            stats.append(
                {
                    "label": m,
                    "whislo": p5,
                    "q1": p25,
                    "med": p50,
                    "q3": p75,
                    "whishi": p95,
                    "mean": 100 * row["lost_pct"],
                    "fliers": [],
                }
            )
            colors.append(COLORS[m])
        boxes = ax.bxp(stats, showmeans=True, patch_artist=True, widths=0.5)
        for patch, color in zip(boxes["boxes"], colors):
            patch.set_facecolor(color)
            patch.set_alpha(0.35)
        ax.axhline(0, color="#555555", lw=0.6)
        ax.set_title(f"{s['title']}: trader loss, % of deposit (5-95%)", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    return _save(fig, path)


def vault(scenarios: list[dict], path: Path) -> Path:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.4))
    for s in scenarios:
        hours = s["series"]["hour"]
        sp = s["series"]["share_price"]
        a.plot(hours, [(x / sp[0] - 1) * 100 for x in sp], lw=1.2, label=s["name"])
        b.step(
            hours,
            list(accumulate(s["series"]["bad_debt"])),
            where="post",
            label=s["name"],
        )
    a.set_title("LP share price, % change since the opening", fontsize=9)
    b.set_title("bad debt written off (USD, cumulative)", fontsize=9)
    for ax in (a, b):
        ax.set_xlabel("hours", fontsize=8)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    return _save(fig, path)


def twins(scenarios: list[dict], path: Path) -> Path:
    fig, axes = _grid(len(scenarios), height=3.4)
    for ax, s in zip(axes, scenarios):
        families = list(s["families"])
        width = 0.27
        for j, m in enumerate(MODES):
            xs, ys = [], []
            for i, f in enumerate(families):
                cell = s["families"][f]["modes"].get(m)
                if cell:
                    xs.append(i + (j - 1) * width)
                    ys.append(100 * cell["liquidated"] / cell["traders"])
            ax.bar(xs, ys, width, color=COLORS[m], label=m)
        ax.set_xticks(range(len(families)))
        ax.set_xticklabels(families, fontsize=7, rotation=15)
        ax.set_ylim(0, 105)
        ax.set_title(f"{s['title']}: traders liquidated, % per strategy", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3, axis="y")
    return _save(fig, path)


def sweep(sweep_: dict, path: Path) -> Path:
    kinds = [
        k
        for k in ("maintenance_margin", "liquidation_bonus", "close_factor")
        if any(p["parameter"] == k for p in sweep_["points"])
    ]
    titles = {
        "maintenance_margin": "ETH/BTC maintenance margin",
        "liquidation_bonus": "liquidation bonus (x the config's)",
        "close_factor": "close factor",
    }
    fig, axes = plt.subplots(
        1, len(kinds), figsize=(4.2 * len(kinds), 3.9), squeeze=False
    )
    handles: dict[str, object] = {}
    for ax, kind in zip(axes[0], kinds):
        points = [p for p in sweep_["points"] if p["parameter"] == kind]
        xs = [p["value"] for p in points]
        for m in MODES:
            ys = [p["by_mode"].get(m, {}).get("accounts_liquidated") for p in points]
            if all(y is not None for y in ys):
                (line,) = ax.plot(xs, ys, marker="o", color=COLORS[m])
                handles[f"{m}: accounts liquidated (left)"] = line
        twin = ax.twinx()
        bad = [p["bad_debt_usd"] + p["shortfall_end_usd"] for p in points]
        gain = [p["liquidator_gain_usd"] for p in points]
        (line,) = twin.plot(xs, bad, marker="s", color="black", ls="--")
        handles["bad debt + shortfall, USD (right)"] = line
        (line,) = twin.plot(xs, gain, marker="^", color="#2ca02c", ls=":")
        handles["liquidator gain, USD (right)"] = line
        twin.set_ylim(0, 1.15 * max(bad + gain + [1.0]))
        ax.set_ylim(0, 1.15 * max(max(p["accounts_liquidated"] for p in points), 1))
        ax.set_title(titles[kind], fontsize=9)
        ax.grid(alpha=0.3)
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="lower center",
        ncol=3,
        fontsize=7,
        frameon=False,
    )
    fig.suptitle(f"Parameter sweep on `{sweep_['scenario']}`", fontsize=10)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path, dpi=110, metadata=METADATA)
    plt.close(fig)
    return path
