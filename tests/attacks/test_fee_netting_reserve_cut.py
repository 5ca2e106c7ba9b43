"""Finding I-1: a trading fee netted against a small realised profit skipped the reserve's cut.

The leak. A close settles `amount = realised - fee` with the vault. When the fee was larger
than a small profit (amount < 0) and the account's quote collateral covered the rest, the
engine called only `take_pnl(loss, min(fee, loss))`: the part of the fee netted against the
profit never reached the reserve (the audit measured a cut of 1.0078 USDC instead of
1.5078), so the LPs kept what DESIGN gives the reserve.

The fix. In that branch `take_pnl` is the settlement's only vault call, so the engine passes
the whole fee (`MarginEngine._settle`) and the vault's `take_pnl` accepts fees above the
cash that arrived (the rest was netted against the profit). Every settlement now gives the
reserve floor(fee_q * reserve_factor) exactly once, whichever branch it takes.

Asserted for each branch, at a quote price of exactly 1 USD (fee_q = ceil(fee / 10**12)):
the reserve's exact cut (the close's own interest accrual separated by its event), the
vault call that booked it, and where the value went (the trader's collateral moves by
exactly realised_q - fee_q or repays its debt, the vault's cash by the negation).
  - fee > profit (quote covers the rest): `take_pnl(fee_q - realised_q, fee_q)`;
  - fee > profit, no quote left: `book_settlement_debt(loss, 0, fee_q)` (already right);
  - fee < profit, no debt: `book_settlement_debt(0, 0, fee_q)` then `pay_pnl`;
  - fee < profit, with debt: the profit repays debt, `book_settlement_debt(0, shares, fee_q)`.
"""

from __future__ import annotations

import pytest
from attack_helpers import account, report, set_price, trade
from engine_defaults import CROSS, WAD, wad

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

USD_PER_UNIT = 10**12  # USD WAD per quote unit at 1 USD (6-decimal quote)
SIZE = 10  # whole ETH


def _ceil(x: int, y: int) -> int:
    return -(-x // y)


def _price_for_profit(env, open_fill: int, profit_per_eth: str) -> str:
    """The oracle price at which closing the long (a sell: fill = price × (1 − spread))
    realises about `profit_per_eth` USD per ETH before funding."""
    spread = env.registry.market(env.markets["ETH"]).params.spread
    # In the feed's 8 decimals, rounded up.
    price = _ceil((open_fill + wad(profit_per_eth)) * WAD, (WAD - spread) * 10**10)
    return f"{price // 10**8}.{price % 10**8:08d}"


def _open_long(env, trader, quote_usdc: int, borrow_usdc: int = 0):
    """A cross account with `quote_usdc` USDC (and 10 WETH when it borrows), 10 ETH long."""
    deposits = {"USDC": quote_usdc} if quote_usdc else {}
    if borrow_usdc:
        deposits["WETH"] = 10
    acct = account(env, trader, CROSS, **deposits)
    if borrow_usdc:
        env.engine.borrow(acct, borrow_usdc * env.q, trader, sender=trader)
    receipt = trade(env, trader, acct, "ETH", str(SIZE))
    [opened] = receipt.events.filter(env.engine.PositionModified)
    return acct, opened.fill_price


def _close_and_measure(env, trader, acct):
    """Close with the interest clock just written, so the close's own accrual is one
    second; returns (modified, settled, receipt, reserve cut of the fee, the account's
    debt in the close's block before it)."""
    engine, vault = env.engine, env.vault
    vault.accrue(sender=trader)
    reserve = vault.reserve()
    debt = engine.debt_of(acct, block_id="pending")
    receipt = engine.close_position(acct, env.markets["ETH"], 0, sender=trader)
    [modified] = receipt.events.filter(engine.PositionModified)
    [settled] = receipt.events.filter(engine.PnlSettled)
    interest_cut = sum(
        e.to_reserve for e in receipt.events.filter(vault.InterestAccrued)
    )
    fee_cut = vault.reserve() - reserve - interest_cut
    return modified, settled, receipt, fee_cut, debt


def test_fee_above_small_profit__quote_pays_the_rest__reserve_takes_the_whole_cut(
    attack_env, attack_clock, owner, trader
):
    """The audit's case: the profit pays part of the fee, quote collateral the rest."""
    env = attack_env
    engine, vault, quote = env.engine, env.vault, env.quote
    attack_clock(env)
    acct, open_fill = _open_long(env, trader, 10_000)
    set_price(env, owner, "WETH", _price_for_profit(env, open_fill, "0.5"))
    balance, cash = engine.collateral_of(acct, quote), vault.cash()

    modified, settled, receipt, fee_cut, debt = _close_and_measure(env, trader, acct)

    realised_q = modified.realised_pnl // USD_PER_UNIT
    fee_q = _ceil(modified.fee, USD_PER_UNIT)
    assert 0 < realised_q < fee_q, "a small profit, smaller than the fee"
    loss = fee_q - realised_q
    expected_cut = fee_q * vault.reserve_factor() // WAD
    assert (
        fee_cut == expected_cut
    )  # was (fee_q - realised_q) * 10 %: the netted part skipped
    [received] = receipt.events.filter(vault.PnlReceived)
    assert (received.assets, received.fees, received.to_reserve) == (
        loss,
        fee_q,
        expected_cut,
    )
    assert receipt.events.filter(vault.SettlementDebtBooked) == []
    # Value: the trader paid exactly the fee net of its profit; the vault received it.
    assert (settled.amount, settled.from_collateral) == (-loss, loss)
    assert engine.collateral_of(acct, quote) == balance - loss
    assert vault.cash() == cash + loss
    assert engine.debt_of(acct) == 0
    report("fee_netting", realised=realised_q, fee=fee_q, cut=fee_cut)


def test_fee_above_small_profit__no_quote__fee_cut_booked_with_the_debt(
    attack_env, attack_clock, owner, trader
):
    """The twin branch (no quote collateral: the rest of the fee becomes settlement debt)
    already gave the whole cut; it still does."""
    env = attack_env
    engine, vault = env.engine, env.vault
    attack_clock(env)
    acct = account(env, trader, CROSS, WETH=10)
    [opened] = trade(env, trader, acct, "ETH", str(SIZE)).events.filter(
        engine.PositionModified
    )
    set_price(env, owner, "WETH", _price_for_profit(env, opened.fill_price, "0.5"))

    modified, settled, receipt, fee_cut, debt = _close_and_measure(env, trader, acct)

    realised_q = modified.realised_pnl // USD_PER_UNIT
    fee_q = _ceil(modified.fee, USD_PER_UNIT)
    assert 0 < realised_q < fee_q
    expected_cut = fee_q * vault.reserve_factor() // WAD
    assert fee_cut == expected_cut
    [booked] = receipt.events.filter(vault.SettlementDebtBooked)
    assert (booked.assets, booked.fees, booked.to_reserve) == (
        fee_q - realised_q,
        fee_q,
        expected_cut,
    )
    assert receipt.events.filter(vault.PnlReceived) == []
    assert settled.debt_shares_minted == booked.debt_shares_minted > 0
    assert engine.debt_of(acct) >= fee_q - realised_q  # the account owes the rest


def test_fee_below_profit__no_debt__reserve_takes_the_cut_and_the_rest_is_paid(
    attack_env, attack_clock, owner, trader
):
    env = attack_env
    engine, vault, quote = env.engine, env.vault, env.quote
    attack_clock(env)
    acct, open_fill = _open_long(env, trader, 10_000)
    set_price(env, owner, "WETH", _price_for_profit(env, open_fill, "40"))
    balance, cash = engine.collateral_of(acct, quote), vault.cash()

    modified, settled, receipt, fee_cut, debt = _close_and_measure(env, trader, acct)

    realised_q = modified.realised_pnl // USD_PER_UNIT
    fee_q = _ceil(modified.fee, USD_PER_UNIT)
    assert realised_q > fee_q > 0
    expected_cut = fee_q * vault.reserve_factor() // WAD
    assert fee_cut == expected_cut
    [booked] = receipt.events.filter(vault.SettlementDebtBooked)
    assert (
        booked.assets,
        booked.debt_shares_repaid,
        booked.fees,
        booked.to_reserve,
    ) == (
        0,
        0,
        fee_q,
        expected_cut,
    )
    paid = realised_q - fee_q
    assert (settled.amount, settled.paid, settled.claimed) == (paid, paid, 0)
    assert engine.collateral_of(acct, quote) == balance + paid
    assert vault.cash() == cash - paid


def test_fee_below_profit__with_debt__profit_repays_and_reserve_takes_the_cut(
    attack_env, attack_clock, owner, trader
):
    env = attack_env
    engine, vault, quote = env.engine, env.vault, env.quote
    attack_clock(env)
    acct, open_fill = _open_long(env, trader, 0, borrow_usdc=1_000)
    set_price(env, owner, "WETH", _price_for_profit(env, open_fill, "40"))
    shares, cash = vault.total_debt_shares(), vault.cash()

    modified, settled, receipt, fee_cut, debt = _close_and_measure(env, trader, acct)

    realised_q = modified.realised_pnl // USD_PER_UNIT
    fee_q = _ceil(modified.fee, USD_PER_UNIT)
    profit = realised_q - fee_q
    assert 0 < fee_q < profit < debt, "the profit repays part of the debt"
    expected_cut = fee_q * vault.reserve_factor() // WAD
    assert fee_cut == expected_cut
    [booked] = receipt.events.filter(vault.SettlementDebtBooked)
    assert (booked.assets, booked.fees, booked.to_reserve) == (0, fee_q, expected_cut)
    repaid = booked.debt_shares_repaid
    assert repaid == settled.debt_shares_repaid > 0
    assert vault.total_debt_shares() == shares - repaid
    # Value: no cash moved; the profit became repaid debt (rounded in the vault's favour).
    assert vault.cash() == cash
    assert settled.paid == settled.claimed == 0
    assert profit - 1 <= debt - engine.debt_of(acct) <= profit
    assert engine.collateral_of(acct, quote) == 0
