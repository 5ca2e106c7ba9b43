"""Health with perps: unrealised PnL (incl. pending funding) and margin requirements
against the exact model (engine_model.py) over Hypothesis-generated accounts, and the rule
that unrealised profit never backs new risk (no borrowing or withdrawing against it)."""

from __future__ import annotations

import ape
import pytest
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, WAD, feed_answer, wad
from engine_model import check_against_model, model_of
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

# Session fixtures first, so ape never has to rebase its isolation snapshots mid-module.
pytestmark = pytest.mark.usefixtures("system", "funded_account")

PRICES = {"ETH": ("WETH", 3000), "BTC": ("WBTC", 60000), "MEME": ("MEME", 0.5)}


def test_paper_profit__backs_no_borrowing_or_withdrawal(
    system, trader, funded_account, trade, set_price, open_account
):
    """1,000 USDC and a 2 ETH long; ETH pumps to 4,000 (about +1,970 USD of paper profit).
    Borrowing or withdrawing against it reverts; once realised (closed), the same money can
    be withdrawn."""
    engine, quote = system.engine, system.quote
    account = funded_account(trader, ISOLATED, USDC=1_000)
    trade(trader, account, "ETH", "2")
    set_price("WETH", "4000")
    h = engine.account_health(account)
    assert h.pnl > wad("1900")
    assert h.equity_maint > h.maint_req  # healthy, thanks to the profit
    assert h.equity_init == h.wc_init  # the profit adds nothing to equity_init
    with ape.reverts("engine: initial requirement not met"):
        engine.borrow(account, 500 * system.q, trader, sender=trader)
    with ape.reverts("engine: initial requirement not met"):
        engine.withdraw_collateral(
            account, quote, 500 * system.q, trader, sender=trader
        )
    other = open_account(trader, CROSS)
    with ape.reverts("engine: initial requirement not met"):
        engine.transfer_collateral(account, other, quote, 500 * system.q, sender=trader)
    # A smaller withdrawal within equity_init - init_req works (the twin).
    headroom = (
        (h.equity_init - h.init_req) * system.q // WAD * 100 // 96
    )  # CF 0.95, rounding slack
    engine.withdraw_collateral(
        account, quote, headroom * 9 // 10, trader, sender=trader
    )
    engine.close_position(account, 1, 0, sender=trader)
    balance = engine.collateral_of(account, quote)
    assert balance > 2_500 * system.q  # the profit is now quote collateral
    engine.withdraw_collateral(account, quote, balance, trader, sender=trader)


def test_health__figures_with_positions(
    system, trader, funded_account, trade, set_price, chain
):
    """One exact example: a cross account long ETH and short BTC, a day of funding."""
    engine = system.engine
    account = funded_account(trader, CROSS, USDC=20_000, WETH=1)
    trade(trader, account, "ETH", "3")
    trade(trader, account, "BTC", "-0.1")
    chain.mine(timestamp=chain.blocks.head.timestamp + 86_400)
    for symbol, price in (
        ("USDC", "1"),
        ("WETH", "3100"),
        ("WBTC", "61000"),
        ("WBTC", "61000"),
    ):
        set_price(symbol, price)
    h = engine.account_health(account)
    assert h.maint_req == -(-wad("3") * wad("3100") // WAD * 5 // 100) + -(
        -wad("0.1") * wad("61000") // WAD * 5 // 100
    )
    check_against_model(h, model_of(system, account))


@st.composite
def scenarios(draw):
    markets = draw(
        st.lists(st.sampled_from(sorted(PRICES)), min_size=1, max_size=3, unique=True)
    )
    mode = CROSS if len(markets) > 1 else draw(st.sampled_from([ISOLATED, CROSS]))
    return {
        "mode": mode,
        "usdc": draw(st.integers(1_000, 100_000)),
        "weth": draw(st.sampled_from([0, 0, 1, 5])) if mode == CROSS else 0,
        # Each position's notional as a share of the quote collateral (signed: side).
        "legs": [
            (m, draw(st.integers(-300, 300).filter(lambda x: abs(x) >= 5)))
            for m in markets
        ],
        "borrow_percent": draw(st.sampled_from([0, 0, 20, 60])),
        "elapsed": draw(st.sampled_from([0, 3_600, 5 * 86_400])),
        "moves": {m: draw(st.integers(-25, 25)) for m in PRICES},  # percent, after
        "quote_move": draw(st.integers(-3, 3)),  # percent, after
    }


def _run(system, owner, trader, funded_account, chain, s) -> None:
    engine = system.engine
    deposits = {"USDC": s["usdc"]}
    if s["weth"]:
        deposits["WETH"] = s["weth"]
    account = funded_account(trader, s["mode"], **deposits)
    for market, percent in s["legs"]:
        _symbol, price = PRICES[market]
        size = wad(s["usdc"]) * percent // 100 * WAD // wad(str(price))
        try:
            engine.modify_position(
                account,
                system.markets[market],
                size,
                MAX_UINT256 if size > 0 else 0,
                sender=trader,
            )
        except (
            ape.exceptions.ContractLogicError
        ) as err:  # too much risk for the collateral
            assert "initial requirement" in str(err) or "open interest" in str(err), err
    if s["borrow_percent"]:
        h = engine.account_health(account)
        room = (
            (h.equity_init - h.init_req) * system.q // WAD * s["borrow_percent"] // 100
        )
        if room >= engine.min_debt():
            engine.borrow(
                account, min(room, system.vault.free_cash()), trader, sender=trader
            )
    chain.mine(timestamp=chain.blocks.head.timestamp + s["elapsed"] + 1)
    for market, (symbol, price) in PRICES.items():
        moved = str(price * (100 + s["moves"][market]) / 100)
        system.feeds[symbol].set_answer(feed_answer(moved), sender=owner)
    system.feeds["USDC"].set_answer(
        feed_answer(str((100 + s["quote_move"]) / 100)), sender=owner
    )
    onchain = engine.account_health(account)
    assert onchain.priced
    check_against_model(onchain, model_of(system, account))
    assert engine.is_liquidatable(account) == onchain.liquidatable


@settings(
    max_examples=15,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(s=scenarios())
def test_health__matches_exact_model_with_positions(
    system, owner, trader, funded_account, chain, s
):
    snapshot = chain.snapshot()
    try:
        _run(system, owner, trader, funded_account, chain, s)
    finally:
        chain.restore(snapshot)
