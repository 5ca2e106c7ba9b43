"""The LP entry/exit band: deposits priced at totalAssets + band, exits at totalAssets - band.

The band is the engine's Σ |skew| × price × feed deviation. An oracle update moves the
traders' PnL by at most |skew| × price × deviation (the feed updates once the price has
moved by its deviation threshold), so an LP who enters just before a known update and leaves
just after cannot profit; a move bigger than the band could pay (the twin test shows it).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from vault_model import WAD, Prices

DEVIATION = 5 * 10**15  # 0.5 %, a typical Chainlink deviation threshold (WAD ratio)


def _marks(skew_notional: int, move: Fraction, pnl_before: int) -> tuple[int, int]:
    """Traders' net PnL and the band after the price moves by `move` (a ratio), for a net
    long skew worth `skew_notional` quote units at the old price."""
    pnl = pnl_before + int(skew_notional * move)
    band = int(skew_notional * (1 + move)) * DEVIATION // WAD
    return pnl, band


def test_band__previews_and_actions__priced_with_the_band(
    vault, engine, quote, seed, fund, lp, lp2, trader, unit
):
    seed(1_000)
    band = 3 * unit + 17
    engine.set_marks(-40 * unit, 0, band, True, sender=trader)  # traders down 40
    assets = 100 * unit
    fund(lp2, 2 * assets)

    prices = Prices.of(vault, band)
    assert prices.entry == 1_040 * unit + band + 1
    assert vault.previewDeposit(assets) == prices.deposit(assets)
    # The mid price (convertTo*) carries no band; entering costs more than the mid.
    assert vault.convertToShares(assets) == assets * prices.supply // prices.mid
    assert vault.convertToShares(assets) > vault.previewDeposit(assets)
    shares = vault.deposit(assets, lp2, sender=lp2).return_value
    assert shares == prices.deposit(assets)

    prices = Prices.of(vault, band)
    cost = vault.previewMint(shares)
    assert cost == prices.mint(shares)
    assert vault.mint(shares, lp2, sender=lp2).return_value == cost

    prices = Prices.of(vault, band)
    burnt = vault.previewWithdraw(assets)
    assert burnt == prices.withdraw(assets)
    assert vault.withdraw(assets, lp2, lp2, sender=lp2).return_value == burnt

    prices = Prices.of(vault, band)
    rest = vault.balanceOf(lp2)
    paid = vault.previewRedeem(rest)
    assert paid == prices.redeem(rest)
    assert vault.redeem(rest, lp2, lp2, sender=lp2).return_value == paid
    # In and out at once: the round trip cost lp2 about two bands' share, never profit.
    assert quote.balanceOf(lp2) < 2 * assets


def test_band__wider_than_total_assets__exit_pays_almost_nothing(
    vault, engine, seed, lp, trader, unit
):
    minted = seed(10)
    engine.set_marks(0, 0, 11 * unit, True, sender=trader)
    assert vault.previewRedeem(minted) == Prices.of(vault, 11 * unit).redeem(minted)
    assert vault.previewRedeem(minted) <= 1  # the exit price sits on the virtual asset
    assert vault.maxWithdraw(lp) <= 1


@pytest.mark.parametrize("move_bps", [-50, -25, -1, 0, 1, 25, 50])
def test_band__lp_enters_before_a_mark_move_within_deviation__gains_nothing(
    vault, engine, quote, seed, fund, lp2, trader, unit, move_bps
):
    seed(1_000)
    skew_notional = 500 * unit  # traders net long 500 tokens' worth
    pnl, band = _marks(skew_notional, Fraction(0), 10 * unit)
    engine.set_marks(pnl, max(pnl, 0), band, True, sender=trader)
    assert band == skew_notional * DEVIATION // WAD

    entry = 200 * unit
    fund(lp2, entry)
    shares = vault.deposit(entry, lp2, sender=lp2).return_value

    # The oracle update the LP saw coming: at most the feed's deviation threshold.
    move = Fraction(move_bps, 10_000)
    assert abs(move) * WAD <= DEVIATION
    pnl, band = _marks(skew_notional, move, 10 * unit)
    engine.set_marks(pnl, max(pnl, 0), band, True, sender=trader)

    out = vault.redeem(shares, lp2, lp2, sender=lp2).return_value
    assert out <= entry


def test_band__move_beyond_twice_the_band__entry_before_it_would_pay(
    vault, engine, seed, fund, lp2, trader, unit
):
    # The twin: a gap of 3 x the deviation (a feed outage, a halted market) exceeds what the
    # band covers, and the same round trip is profitable. The band bounds the free option of
    # a normal update, not of an arbitrary gap.
    seed(1_000)
    skew_notional = 500 * unit
    pnl, band = _marks(skew_notional, Fraction(0), 0)
    engine.set_marks(pnl, 0, band, True, sender=trader)
    entry = 200 * unit
    fund(lp2, entry)
    shares = vault.deposit(entry, lp2, sender=lp2).return_value
    pnl, band = _marks(skew_notional, Fraction(-3 * DEVIATION, WAD), 0)  # traders lose
    engine.set_marks(pnl, 0, band, True, sender=trader)
    assert vault.redeem(shares, lp2, lp2, sender=lp2).return_value > entry
