"""`make demo` keeps working: run the demo command end to end on its own anvil and check the
story's claims as printed, the liquidator bot's rounds included. Block times in the demo are
deterministic (1 s per block, explicit jumps, a bot round within one second), so the figures
below are exact."""

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def section(out: str, start: str, end: str) -> str:
    """The output from the heading containing `start` up to the one containing `end`."""
    return out[out.index(start) : out.index(end)]


def table_rows(text: str) -> dict[str, list[str]]:
    """Rich table body rows in `text`, keyed by their first cell (the cells stripped)."""
    rows = {}
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            rows[cells[0]] = cells[1:]
    return rows


def flat(text: str) -> str:
    """Whitespace collapsed: the console wraps long sentences at 120 columns."""
    return " ".join(text.split())


def titled(text: str, title: str) -> dict[str, list[str]]:
    """The body rows of the first table in `text` whose title starts with `title`."""
    start = text.index(title)
    return table_rows(text[start : text.index("└", start)])


def num(cell: str) -> Decimal:
    """A printed number ("7,002.57", "38,514.1343 MEME") as a Decimal."""
    return Decimal(cell.split()[0].replace(",", ""))


ROUND = "Bot round, chapter"
AFTER = "Liquidated accounts after the round"
OTHERS = "Every other account, before and after the round"


@pytest.fixture(scope="module")
def demo() -> str:
    ape = os.path.join(os.path.dirname(sys.executable), "ape")
    result = subprocess.run(
        [ape, "run", "demo", "--network", "ethereum:local:foundry", "-v", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout


@pytest.mark.slow
def test_demo__borrowing_story_claims(demo):
    out = demo
    assert (
        "reverts (engine: initial requirement not met)" in out
    )  # the bucket cannot take the loan
    assert "borrows 40,000 USDC against both tokens: ok" in out  # the cross account can
    # With the sequencer down the vault's marks are not OK: no borrow draws cash (V-02).
    assert "reverts (vault: marks unavailable)" in out
    assert "repays 1,000 USDC: ok" in out
    crash = section(out, "4. MEME crashes 60%", "5. Perps")
    rows = titled(crash, "Health factor")
    # exactly one account (the MEME collateral bucket) is liquidatable
    assert {label: cells[-1] for label, cells in rows.items()} == {
        "#1 alice WETH loan bucket": "no",
        "#2 alice WBTC bucket": "no",
        "#3 alice MEME loan bucket": "YES",
        "#4 bob loan cross": "no",
    }
    assert rows["#3 alice MEME loan bucket"] == ["1.428", "0.571", "YES"]
    assert "liquidatable after the MEME crash: #3 (alice MEME loan bucket)" in crash


@pytest.mark.slow
def test_demo__deploy_lists_the_markets_and_records_them(demo):
    assert (
        "markets listed by the deploy script: ETH (id 1, 3,000.00 USD), "
        "BTC (id 2, 60,000.00 USD), MEME (id 3, 0.20 USD)" in demo
    )
    rows = table_rows(section(demo, "5. Perps", "6. A week passes"))
    # market: id, priced by, initial, maint., fee, spread, liq. fee, max funding/day, OI cap
    assert rows["ETH"] == [
        "1",
        "WETH",
        "10%",
        "5%",
        "0.05%",
        "0.5%",
        "1%",
        "10%",
        "10,000,000",
    ]
    assert rows["BTC"] == [
        "2",
        "WBTC",
        "10%",
        "5%",
        "0.05%",
        "0.5%",
        "1%",
        "10%",
        "10,000,000",
    ]
    assert rows["MEME"] == [
        "3",
        "MEME",
        "33%",
        "20%",
        "0.10%",
        "2.0%",
        "2%",
        "10%",
        "10,000",
    ]
    record = json.loads((ROOT / "deployments" / "local.json").read_text())
    assert {name: m["id"] for name, m in record["markets"].items()} == {
        "ETH": 1,
        "BTC": 2,
        "MEME": 3,
    }
    assert record["markets"]["ETH"]["oracle_asset"] == record["tokens"]["WETH"]
    assert record["markets"]["MEME"]["oracle_asset"] == record["tokens"]["MEME"]


@pytest.mark.slow
def test_demo__perps_open_in_buckets_and_a_cross_account(demo):
    rows = table_rows(section(demo, "5. Perps", "6. A week passes"))
    # account: position, entry (fill), notional, USDC margin, leverage, health
    assert rows["#5 alice MEME bucket"][:5] == [
        "+25,000 MEME",
        "0.2040",  # 0.20 x (1 + 2% spread + 0.025% impact), rounded up
        "5,000.00",
        "1,994.90",  # 2,000 less the 0.1% fee on 5,100 USD filled
        "2.51x",
    ]
    assert rows["#6 alice ETH bucket"][0] == "+3 ETH"
    assert rows["#7 bob hedged cross"][:5] == [
        "+10 ETH, -0.5 BTC",
        "3,015.04, 59,699.40",
        "60,000.00",
        "6,970.00",
        "8.61x",
    ]
    assert rows["#8 bob twin ETH leg"][0] == "+10 ETH"
    assert rows["#9 bob twin BTC leg"][0] == "-0.5 BTC"
    # the same margin (7,000 = 2 x 3,500) and positions: the same health to start with
    for label in ("#7 bob hedged cross", "#8 bob twin ETH leg", "#9 bob twin BTC leg"):
        assert rows[label][-1] == "2.048", label


@pytest.mark.slow
def test_demo__funding_and_interest_accrue_over_the_week(demo):
    week = section(demo, "6. A week passes", "7. MEME crashes 30%")
    rows = table_rows(week)
    # the heavy side pays: ETH and MEME are long-heavy, BTC short-heavy
    assert rows["ETH"][:3] == ["23.0", "0.0", "longs pay 0.0230%/day"]
    assert rows["BTC"][:3] == ["0.0", "1.0", "shorts pay 0.0200%/day"]
    assert rows["MEME"][:3] == ["25,000.0", "0.0", "longs pay 0.2500%/day"]
    assert rows["ETH"][3].endswith("→ 4.830095")  # 3,000 x 0.023% x 7 days
    assert rows["BTC"][3].endswith("→ -84.001250")  # 60,000 x 0.02% x 7 days
    # account: position, PnL before, after, funding
    assert rows["#5 alice MEME bucket"][3] == "-87.50"  # 25,000 x 0.2 x 0.25% x 7
    assert rows["#7 bob hedged cross"][3] == "-90.30"  # 48.30 ETH + 42.00 BTC
    assert rows["#8 bob twin ETH leg"][3] == "-48.30"
    assert rows["#9 bob twin BTC leg"][3] == "-42.00"
    share = {m: rows[m][-1] for m in ("before perps", "perps open", "7 days later")}
    assert (
        share
        == {
            "before perps": "1.000029",  # chapter 4's liquidation repaid, nothing written off
            "perps open": "1.001110",  # fees and the opening spread
            "7 days later": "1.001493",  # funding and interest
        }
    )


@pytest.mark.slow
def test_demo__meme_crash_makes_only_the_meme_bucket_liquidatable(demo):
    crash = section(demo, "7. MEME crashes 30%", "8. ETH and BTC")
    rows = titled(crash, "Perp accounts after MEME -30%")
    flags = {label: cells[-1] for label, cells in rows.items()}
    assert flags == {
        "#5 alice MEME bucket": "YES",
        "#6 alice ETH bucket": "no",
        "#7 bob hedged cross": "no",
        "#8 bob twin ETH leg": "no",
        "#9 bob twin BTC leg": "no",
    }
    # PnL, equity, maint req, health before, after
    assert rows["#5 alice MEME bucket"][1:] == [
        "-1,662.50",
        "272.55",
        "700.00",
        "1.628",
        "0.819",
        "YES",
    ]
    for label in ("#6 alice ETH bucket", "#7 bob hedged cross", "#8 bob twin ETH leg"):
        assert rows[label][4] == rows[label][5], label  # health unmoved
    assert "liquidatable after the MEME crash: #5 (alice MEME bucket)" in flat(crash)


@pytest.mark.slow
def test_demo__hedged_cross_survives_while_its_isolated_twin_is_liquidatable(demo):
    move = section(demo, "8. ETH and BTC", "9. The oracle's")
    rows = titled(move, "Hedged cross account vs its isolated twin")
    assert rows["#7 bob hedged cross"][1:] == [
        "-381.96",
        "6,378.94",
        "2,700.00",
        "1.994",
        "2.194",
        "no",
    ]
    assert rows["#8 bob twin ETH leg"][-3:] == ["1.990", "0.744", "YES"]
    assert rows["#9 bob twin BTC leg"][-3:] == ["1.997", "4.587", "no"]
    assert rows["#6 alice ETH bucket"][-1] == "no"
    assert (
        "hedged cross account: #7 healthy (health 2.194); the same positions in two "
        "buckets: ETH leg #8 liquidatable (health 0.744), BTC leg #9 healthy "
        "(health 4.587)" in flat(move)
    )


def check_others_identical(text: str, liquidated: str, count: int) -> None:
    """The isolation promise: every account but the liquidated one has the same health
    factor to the wei before and after the round (read at the same instant) and an
    untouched ledger."""
    others = titled(text, OTHERS)
    assert len(others) == count and liquidated not in others
    for label, (before, after, ledger, identical) in others.items():
        assert (before == after, ledger, identical) == (True, "untouched", "yes"), label


def liquidation_gas(demo: str) -> dict[str, int]:
    """The gas table's liquidation steps, in story order."""
    gas = table_rows(section(demo, "Gas per step", "Summary"))
    return {
        step: int(cells[0].replace(",", ""))
        for step, cells in gas.items()
        if "liquidat" in step
    }


@pytest.mark.slow
def test_demo__bot_liquidates_the_meme_loan_bucket_after_the_memecoin_crash(demo):
    crash = section(demo, "4. MEME crashes 60%", "5. Perps")
    assert re.search(
        r"block \d+: 3 active, 1 liquidatable", crash
    )  # the bot's own log line
    rows = titled(crash, ROUND)
    assert list(rows) == ["#3 alice MEME loan bucket"]  # the flagged account, no other
    closed, seized, repaid, fee, gain, gas = rows["#3 alice MEME loan bucket"]
    # a borrowing bucket: no position to close, the whole debt (7,000 + 30 days of
    # interest) repaid against MEME at its 10% bonus, priced at 0.20
    assert (closed, seized, repaid, fee, gain) == (
        "none",
        "38,514.1343 MEME",
        "7,002.57",
        "0.00",
        "700.26",
    )
    assert abs(num(seized) * Decimal("0.20") - num(repaid) * Decimal("1.10")) < 1
    assert num(gain) > 0 and abs(num(gain) - num(repaid) / 10) < Decimal("0.01")
    assert (
        liquidation_gas(demo)["liquidate #3 (alice MEME loan bucket)"] == num(gas) > 0
    )
    # the account after: its debt gone, the rest of its MEME still its own
    assert titled(crash, AFTER)["#3 alice MEME loan bucket"] == [
        "none",
        "1,485.8657 MEME",  # 40,000 - 38,514.1343
        "0.00",
        "∞ (no debt)",
        "no",
    ]
    assert num(seized) + Decimal("1485.8657") == 40_000
    check_others_identical(crash, "#3 alice MEME loan bucket", 3)
    vault = titled(crash, "Vault")
    before, after = vault["before the round"], vault["after the round"]
    # debt falls by what the bot repaid (the table shows 4 decimals, the repay 2)
    assert abs(num(before[1]) - num(after[1]) - num(repaid)) < Decimal("0.01")
    assert before[-1] == after[-1] == "1.000029"  # share price: repaid in full, no loss
    text = flat(crash)
    assert "no bad debt: the vault wrote nothing off" in text
    assert (
        "the bot liquidated #3 (alice MEME loan bucket); the other 3 accounts are "
        "identical after the round" in text
    )


@pytest.mark.slow
def test_demo__bot_closes_the_meme_perp_bucket_and_nothing_else(demo):
    crash = section(demo, "7. MEME crashes 30%", "8. ETH and BTC")
    rows = titled(crash, ROUND)
    assert list(rows) == ["#5 alice MEME bucket"]
    closed, seized, repaid, fee, gain, gas = rows["#5 alice MEME bucket"]
    # no debt: the bot closes the long at the oracle price and earns the 2% liquidation fee
    # on 25,000 x 0.14 = 3,500 USD; nothing to repay, nothing to seize
    assert (closed, seized, repaid, fee, gain) == (
        "+25,000 MEME at 0.1400",
        "nothing",
        "0.00",
        "70.00",
        "70.00",
    )
    assert liquidation_gas(demo)["liquidate #5 (alice MEME bucket)"] == num(gas) > 0
    # the loss, the fees and the week's funding came out of the bucket's own USDC
    assert titled(crash, AFTER)["#5 alice MEME bucket"] == [
        "none",
        "258.8965 USDC",
        "0.00",
        "∞ (no debt)",
        "no",
    ]
    check_others_identical(crash, "#5 alice MEME bucket", 8)
    vault = titled(crash, "Vault")
    # the bucket's loss beyond the fee stays with the LPs: the share price rises
    assert num(vault["after the round"][-1]) > num(vault["before the round"][-1])
    text = flat(crash)
    assert "no bad debt: the vault wrote nothing off" in text
    assert (
        "the bot liquidated #5 (alice MEME bucket); the other 8 accounts are identical "
        "after the round" in text
    )


@pytest.mark.slow
def test_demo__bot_liquidates_the_isolated_eth_leg_and_leaves_the_hedge(demo):
    move = section(demo, "8. ETH and BTC", "9. The oracle's")
    assert re.search(r"block \d+: 6 active, 1 liquidatable", move)
    rows = titled(move, ROUND)
    assert list(rows) == ["#8 bob twin ETH leg"]
    closed, seized, repaid, fee, gain, gas = rows["#8 bob twin ETH leg"]
    assert (closed, seized, repaid, fee, gain) == (
        "+10 ETH at 2,700.00",
        "nothing",
        "0.00",
        "270.00",  # 1% of 27,000 USD
        "270.00",
    )
    assert liquidation_gas(demo)["liquidate #8 (bob twin ETH leg)"] == num(gas) > 0
    assert titled(move, AFTER)["#8 bob twin ETH leg"] == [
        "none",
        "7.2638 USDC",
        "0.00",
        "∞ (no debt)",
        "no",
    ]
    # the hedged cross account (same legs, same margin) and the twin's BTC leg untouched
    check_others_identical(move, "#8 bob twin ETH leg", 8)
    others = titled(move, OTHERS)
    assert others["#7 bob hedged cross"][:2] == [
        "2.193700105510980901",
        "2.193700105510980901",
    ]
    text = flat(move)
    assert (
        "bob's hedged cross account #7 (health 2.194): not a candidate; the bot found "
        "nothing to do with it" in text
    )
    assert "no bad debt: the vault wrote nothing off" in text


@pytest.mark.slow
def test_demo__the_bot_liquidated_exactly_the_flagged_accounts_and_the_summary_says_so(
    demo,
):
    # the bot's own log: one liquidation per flagged account, in story order, none failed
    assert re.findall(r"^liquidated #(\d+) ", demo, re.M) == ["3", "5", "8"]
    assert not re.search(r"^(failed|skipped) #", demo, re.M)
    assert list(liquidation_gas(demo)) == [
        "liquidate #3 (alice MEME loan bucket)",
        "liquidate #5 (alice MEME bucket)",
        "liquidate #8 (bob twin ETH leg)",
    ]
    steps = list(table_rows(section(demo, "Gas per step", "Summary")))
    assert "open_isolated: alice, 2,000 USDC, +25,000 MEME" in steps
    assert "modify_position: bob cross, -0.5 BTC" in steps
    summary = flat(demo[demo.index("Summary") :])
    assert re.search(
        r"perps: liquidatable after the MEME crash: #5 \(alice MEME bucket\); after ETH "
        r"and BTC -10%: #8 \(bob twin ETH leg\)\.",
        summary,
    )
    assert (
        "liquidations: the bot ran 3 rounds and liquidated 3 accounts: "
        "#3 (alice MEME loan bucket) in chapter 4: repaid 7,002.57 USDC, seized "
        "38,514.1343 MEME, gain 700.26 USDC; "
        "#5 (alice MEME bucket) in chapter 7: closed +25,000 MEME at 0.1400, fee 70.00 "
        "USDC, gain 70.00 USDC; "
        "#8 (bob twin ETH leg) in chapter 8: closed +10 ETH at 2,700.00, fee 270.00 USDC, "
        "gain 270.00 USDC. "
        "The liquidator gained 1,040.26 USDC in all; no bad debt: the vault wrote nothing "
        "off. bob's hedged cross account #7 was never liquidated. Every other account was "
        "identical after each round." in summary
    )
    assert "Nothing was liquidated" not in summary
