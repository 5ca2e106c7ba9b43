"""No free option on the oracle (DESIGN: oracle-lag defence).

Feeds move in steps: an update within the deviation threshold (0.5 %) can be seen coming.
 - A trader who opens just before such an update and closes just after pays the spread
   (>= the deviation) twice: the round trip loses, in both directions.
 - An LP who deposits just before an update that makes the traders lose, and redeems just
   after, pays the band (|skew| × price × deviation) on entry and on exit: no gain, with
   the skew on either side.
Each twin shows the defence is sized, not absolute: a gap of three deviations does pay.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_defaults import CROSS, MAX_UINT256

MOVE = Decimal("0.0049")  # just inside the 0.5 % deviation threshold
GAP = Decimal("0.015")  # three deviations: a feed would have updated long before


def _price(move: Decimal) -> str:
    return str(Decimal(3000) * (1 + move))


@pytest.mark.parametrize("side", [1, -1], ids=["long", "short"])
@pytest.mark.parametrize(
    "move, pays", [(MOVE, False), (GAP, True)], ids=["within", "gap"]
)
def test_trader__round_trip_across_an_update(
    system, trader, funded_account, trade, set_price, side, move, pays
):
    engine, quote = system.engine, system.quote
    account = funded_account(trader, CROSS, USDC=100_000)
    before = engine.collateral_of(account, quote)
    trade(trader, account, "ETH", str(10 * side))
    set_price("WETH", _price(move * side))  # the update the trader saw coming
    engine.close_position(account, 1, 0 if side > 0 else MAX_UINT256, sender=trader)
    gained = engine.collateral_of(account, quote) - before
    assert (gained > 0) == pays, gained


@pytest.mark.parametrize("side", [1, -1], ids=["long_skew", "short_skew"])
@pytest.mark.parametrize(
    "move, pays", [(MOVE, False), (GAP, True)], ids=["within", "gap"]
)
def test_lp__deposit_before_an_update_redeem_after(
    system, trader, lp2, funded_account, fund, trade, set_price, side, move, pays
):
    """Traders hold 100 ETH of skew (300,000 USD; band 1,500 USD). The update moves the
    price against them (down for a long skew, up for a short one): the vault gains, and an
    LP who joined just before tries to take a share of it."""
    vault, quote = system.vault, system.quote
    account = funded_account(trader, CROSS, USDC=200_000)
    trade(trader, account, "ETH", str(100 * side))
    band = system.engine.vault_marks()[2]
    assert band >= 1_500 * system.q
    deposit = 1_000_000 * system.q
    quote.mint(lp2, deposit, sender=lp2)
    quote.approve(vault, MAX_UINT256, sender=lp2)
    shares = vault.deposit(deposit, lp2, sender=lp2).return_value
    set_price("WETH", _price(-move * side))  # the traders lose
    out = vault.redeem(shares, lp2, lp2, sender=lp2).return_value
    assert (out > deposit) == pays, out - deposit
