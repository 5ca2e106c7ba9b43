"""ERC-4626 properties under Hypothesis (the state machine is in test_stateful.py).

- Round trips from random books give no profit: redeem(deposit(a)) <= a,
  deposit(redeem(s)) <= s, redeem(mint(s)) <= cost, mint(withdraw(a)) costs >= a.
- max*/preview*/convert* never revert, whatever the engine's marks (garbage included).

Examples are few (the suite must stay fast on two cores); raise `max_examples` locally for
a deeper run.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from vault_model import FIXTURES_OK, MAX_UINT256, ratios, views_answer

# ---- round trips ----------------------------------------------------------------------
books = st.fixed_dictionaries(
    {
        "seed": st.integers(1, 10**6),  # whole tokens
        "gain": st.integers(-500, 10**5),  # booked trader losses (+) or paid profit (-)
        "lent_pm": st.integers(0, 900),  # per mille of cash lent out
        "band": st.integers(0, 100),
        "pnl": st.integers(-1_000, 1_000),
    }
)


def _random_books(vault, engine, quote, owner, lp, trader, unit, b: dict) -> None:
    vault.set_interest_model(
        0, 0, 0, vault.kink(), sender=owner
    )  # no drift between blocks
    quote.mint(lp, b["seed"] * unit, sender=owner)
    quote.approve(vault, MAX_UINT256, sender=lp)
    vault.deposit(b["seed"] * unit, lp, sender=lp)
    quote.mint(engine, 10**6 * unit, sender=owner)
    if b["gain"] > 0:
        engine.take_pnl(b["gain"] * unit, 0, b["gain"] * unit, sender=trader)
    elif b["gain"] < 0:
        engine.pay_pnl(1, -b["gain"] * unit, sender=trader)
    lent = vault.cash() * b["lent_pm"] // 1_000
    if lent:
        engine.lend(lent, trader, 0, sender=trader)
    engine.set_marks(
        b["pnl"] * unit, max(b["pnl"], 0) * unit, b["band"] * unit, True, sender=trader
    )


@settings(max_examples=12, deadline=None, suppress_health_check=FIXTURES_OK)
@given(b=books, tokens=st.integers(1, 10**5), wei=st.integers(0, 10**6), ratio=ratios)
def test_round_trips__no_profit(
    vault, engine, quote, chain, owner, lp, lp2, trader, unit, b, tokens, wei, ratio
):
    with chain.isolate():
        _random_books(vault, engine, quote, owner, lp, trader, unit, b)
        assets = tokens * unit + wei
        quote.mint(lp2, 4 * assets + 10 * unit, sender=owner)
        quote.approve(vault, MAX_UINT256, sender=lp2)

        # redeem(deposit(a)) <= a
        if vault.previewDeposit(assets) > 0:
            shares = vault.deposit(assets, lp2, sender=lp2).return_value
            if vault.previewRedeem(shares) > 0 and vault.maxRedeem(lp2) >= shares:
                assert vault.redeem(shares, lp2, lp2, sender=lp2).return_value <= assets

        # deposit(redeem(s)) <= s, for some of lp's shares
        shares = vault.maxRedeem(lp) * ratio // 1_000
        if shares and vault.previewRedeem(shares) > 0:
            out = vault.redeem(shares, lp, lp, sender=lp).return_value
            if vault.previewDeposit(out) > 0:
                assert vault.deposit(out, lp, sender=lp).return_value <= shares

        # redeem(mint(s)) <= cost
        shares = max(vault.previewDeposit(assets), 1)
        cost = vault.mint(shares, lp2, sender=lp2).return_value
        if vault.maxRedeem(lp2) >= shares and vault.previewRedeem(shares) > 0:
            assert vault.redeem(shares, lp2, lp2, sender=lp2).return_value <= cost

        # mint(withdraw(a)) costs >= a
        take = vault.maxWithdraw(lp) * ratio // 1_000
        if take:
            burnt = vault.withdraw(take, lp, lp, sender=lp).return_value
            assert vault.previewMint(burnt) >= take


# ---- views never revert ---------------------------------------------------------------
marks = st.tuples(
    st.one_of(st.integers(-(2**255), 2**255 - 1), st.integers(-(10**30), 10**30)),
    st.one_of(st.integers(0, 2**256 - 1), st.integers(0, 10**30)),
    st.one_of(st.integers(0, 2**256 - 1), st.integers(0, 10**30)),
    st.booleans(),
)


@settings(max_examples=20, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    m=marks, revert=st.booleans(), paused=st.booleans(), amount=st.integers(0, 10**36)
)
def test_views__any_marks__never_revert(
    vault, engine, chain, owner, lp, trader, m, revert, paused, amount
):
    with chain.isolate():
        engine.set_marks(*m, sender=trader)
        engine.set_mode(
            engine.MODE_REVERT() if revert else engine.MODE_NORMAL(), sender=trader
        )
        if paused:
            vault.pause_deposits(sender=owner)
        views_answer(vault, [lp, trader], [0, 1, amount])
        not_ok = revert or not m[3] or max(abs(m[0]), m[1], m[2]) >= 2**128
        if not_ok or paused:
            assert vault.maxDeposit(lp) == 0
        if not_ok:
            assert (
                vault.maxWithdraw(lp) == vault.maxRedeem(lp) == vault.free_cash() == 0
            )
