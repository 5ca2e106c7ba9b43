"""Health against an exact Python model of DESIGN.md's formulas (engine_model.py), over
Hypothesis-generated accounts: 1 to 5 collaterals with 6, 8 and 18 decimals, optional quote
collateral, random factors, prices before and after borrowing, interest over time.

Each figure must lie within as many wei of the exact one as it has divisions, always
against the account; the liquidatable flag must match.
"""

from __future__ import annotations

import dataclasses

import pytest
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, QUOTE, WAD, Listing, wad
from engine_model import check_against_model, model_of
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

# Session fixtures first, so ape never has to rebase its isolation snapshots mid-module.
pytestmark = pytest.mark.usefixtures("system", "funded_account")

# Tokens with 6, 8 and 18 decimals and wide sane bands so random prices stay OK.
PROPERTY_LISTINGS = tuple(
    Listing(symbol, decimals, "1", "0.5", "0.6", "0", "0.0001", "10000000")
    for symbol, decimals in (
        ("SIX", 6),
        ("EIGHT", 8),
        ("EIGHTEEN", 18),
        ("SIXB", 6),
        ("EIGHTB", 8),
    )
)
# Feed answers with 8 decimals, spread over orders of magnitude: 0.01 .. 1,000,000 USD.
ANSWERS = st.builds(
    lambda m, e: max(m * 10**e, 10**6), st.integers(1, 10**8), st.integers(0, 6)
)


@st.composite
def scenarios(draw):
    picks = draw(
        st.lists(
            st.integers(0, len(PROPERTY_LISTINGS) - 1),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    holdings = []
    for i in picks:
        decimals = PROPERTY_LISTINGS[i].decimals
        lt = draw(st.integers(5 * 10**16, 95 * 10**16))
        holdings.append(
            {
                "index": i,
                # Whole tokens plus a fraction, so balances are realistic and never all dust.
                "amount": draw(st.integers(0, 10_000)) * 10**decimals
                + draw(st.integers(1, 10**decimals)),
                "lt": lt,
                "cf": draw(st.integers(0, lt - 1)),
                "answer_before": draw(ANSWERS),
                "answer_after": draw(ANSWERS),
            }
        )
    return {
        "holdings": holdings,
        "quote_seed": draw(
            st.one_of(st.just(0), st.integers(1, 2**128))
        ),  # quote units, mod 100,000 whole
        "borrow_percent": draw(st.one_of(st.just(0), st.integers(1, 99))),
        "elapsed": draw(st.sampled_from([0, 3_600, 30 * 86_400])),
        "quote_answer_after": draw(st.integers(95 * 10**6, 105 * 10**6)),
        "mode": CROSS
        if len(holdings) > 1
        else draw(st.sampled_from([ISOLATED, CROSS])),
    }


@pytest.fixture(scope="module", params=[6, 18], ids=["quote6", "quote18"])
def prop_system(request, deploy_engine, trader):
    """A system listing the property tokens; the trader holds and approved plenty of each.
    With an 18-decimal quote the debt's USD valuation is an inexact division (with 6
    decimals and an 8-decimal feed it is always exact), so its rounding is exercised."""
    quote = dataclasses.replace(QUOTE, decimals=request.param)
    system = deploy_engine(collaterals=PROPERTY_LISTINGS, quote_listing=quote)
    for symbol, token in system.tokens.items():
        token.mint(trader, 10**40, sender=trader)
        token.approve(system.engine, MAX_UINT256, sender=trader)
    return system


def _run(system, owner, trader, chain, s) -> None:
    engine, q = system.engine, system.q
    tokens = [
        system.tokens[PROPERTY_LISTINGS[h["index"]].symbol] for h in s["holdings"]
    ]
    feeds = [system.feeds[PROPERTY_LISTINGS[h["index"]].symbol] for h in s["holdings"]]
    for token, feed, h in zip(tokens, feeds, s["holdings"]):
        engine.configure_collateral(
            token, h["cf"], h["lt"], 0, MAX_UINT256, True, sender=owner
        )
        feed.set_answer(h["answer_before"], sender=owner)
    account = engine.open_account(s["mode"], sender=trader).return_value
    for token, h in zip(tokens, s["holdings"]):
        engine.deposit_collateral(account, token, h["amount"], sender=trader)
    quote_amount = s["quote_seed"] % (100_000 * q)
    if quote_amount:
        engine.deposit_collateral(account, system.quote, quote_amount, sender=trader)

    # Borrow a share of what the account backs (USDC at 1 USD before the shock).
    backing = engine.account_health(account).wc_init * q // WAD
    amount = min(backing * s["borrow_percent"] // 100, system.vault.free_cash())
    if amount >= engine.min_debt():
        engine.borrow(account, amount, trader, sender=trader)

    # Time (interest) and a price shock, every feed republished so none is stale.
    chain.mine(timestamp=chain.blocks.head.timestamp + s["elapsed"] + 1)
    for feed, h in zip(feeds, s["holdings"]):
        feed.set_answer(h["answer_after"], sender=owner)
    system.feeds["USDC"].set_answer(s["quote_answer_after"], sender=owner)

    onchain = engine.account_health(account)
    assert onchain.priced
    check_against_model(onchain, model_of(system, account))


# No shrinking: each example costs ~20 transactions, and shrinking a failure on-chain takes
# minutes; the failing example is printed as generated.
@settings(
    max_examples=20,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(s=scenarios())
def test_health__matches_exact_model(prop_system, owner, trader, chain, s):
    snapshot = chain.snapshot()
    try:
        _run(prop_system, owner, trader, chain, s)
    finally:
        chain.restore(snapshot)


def test_health__inactive_account(system, trader, funded_account):
    """No debt: figures still computed (collateral valued) but health is max and not liquidatable."""
    account = funded_account(trader, CROSS, WETH=1)
    h = system.engine.account_health(account)
    assert (h.wc_maint, h.wc_init, h.debt) == (wad("2550"), wad("2400"), 0)
    assert (
        h.health_factor == MAX_UINT256
        and not h.liquidatable
        and not h.active
        and h.priced
    )
    check_against_model(h, model_of(system, account))


def test_health__liquidatable_exactly_below_one(system, owner, trader, funded_account):
    """1 WETH (LT 0.85) backing 2,400 USDC: liquidatable once 0.85 x price < 2,400 + interest."""
    engine, q = system.engine, system.q
    account = funded_account(trader, CROSS, WETH=1)
    engine.borrow(account, 2_400 * q, trader, sender=trader)
    system.feeds["WETH"].set_answer(
        2_824 * 10**8, sender=owner
    )  # 0.85 x 2,824 = 2,400.4
    h = engine.account_health(account)
    assert not h.liquidatable and h.health_factor >= WAD
    system.feeds["WETH"].set_answer(
        2_823 * 10**8, sender=owner
    )  # 0.85 x 2,823 = 2,399.55
    h = engine.account_health(account)
    assert h.liquidatable and h.health_factor < WAD and h.shortfall > 0
    assert engine.is_liquidatable(account)
    check_against_model(h, model_of(system, account))
