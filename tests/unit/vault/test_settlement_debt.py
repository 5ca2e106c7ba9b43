"""`book_settlement_debt(assets, repaid_shares, fees)`: the debt side of a perp settlement,
booked without moving cash, driven through the MockEngine.

- a realised loss the account's quote could not cover becomes debt shares (rounded up);
- a realised profit that repays the account's debt burns its shares;
- fees the vault kept without a cash inflow give the reserve its cut.
totalAssets does not jump: the engine's marks drop (rise) by the realised loss (profit) in
the same transaction, which the tests reproduce with the MockEngine's settable marks.
"""

from __future__ import annotations

import math
from fractions import Fraction

import ape
from vault_model import WAD, logs


def test_book_settlement_debt__engine_only(vault, engine, owner, stranger):
    for caller in (stranger, owner):
        with ape.reverts("vault: caller is not the engine"):
            vault.book_settlement_debt(1, 0, 0, sender=caller)


def test_loss_to_debt__mints_rounded_up_no_cash_no_jump(
    vault, engine, flat_rates, seed, trader, unit, chain
):
    """The traders owed 250.0000007 units of unrealised loss (marks −250.0000007); the loss
    is realised as debt: shares minted, cash unchanged, totalAssets unchanged (up to the
    rounding up of the debt, in the LPs' favour)."""
    flat_rates()
    seed(1_000)
    loss = 250 * unit + 7
    engine.set_marks(-loss, 0, 0, True, sender=trader)
    assets = vault.totalAssets()
    cash = vault.cash()
    index = vault.debt_index()
    expected = math.ceil(Fraction(loss * WAD, index))

    receipt = engine.book_settlement_debt(loss, 0, 0, sender=trader)
    engine.set_marks(
        0, 0, 0, True, sender=trader
    )  # the engine realised it: out of the marks

    assert receipt.return_value == expected
    assert vault.total_debt_shares() == expected
    assert vault.cash() == cash
    assert 0 <= vault.totalAssets() - assets <= 1
    # The interest clock started with the first debt.
    assert (
        vault.last_accrual() == chain.provider.get_block(receipt.block_number).timestamp
    )
    assert logs(receipt, vault.SettlementDebtBooked) == [
        {
            "assets": loss,
            "debt_shares_minted": expected,
            "debt_shares_repaid": 0,
            "fees": 0,
            "to_reserve": 0,
        }
    ]


def test_profit_repays_debt__burns_shares_no_cash_no_jump(
    vault, engine, flat_rates, seed, trader, unit
):
    """An account owes 400; its position is up 150 (marks +150). Realising the profit burns
    floor(150 × WAD / index) shares: total_debt falls as the marks do."""
    flat_rates()
    seed(1_000)
    shares = engine.lend(400 * unit, trader, 0, sender=trader).return_value
    engine.set_marks(150 * unit, 0, 0, True, sender=trader)
    assets, cash = vault.totalAssets(), vault.cash()
    burn = 150 * unit * WAD // vault.debt_index()

    receipt = engine.book_settlement_debt(0, burn, 0, sender=trader)
    engine.set_marks(0, 0, 0, True, sender=trader)

    assert receipt.return_value == 0
    assert vault.total_debt_shares() == shares - burn
    assert vault.cash() == cash
    assert 0 <= vault.totalAssets() - assets <= 1
    assert logs(receipt, vault.SettlementDebtBooked)[0]["debt_shares_repaid"] == burn


def test_repaid_shares_above_total__reverts(
    vault, engine, flat_rates, seed, trader, unit
):
    flat_rates()
    seed(1_000)
    shares = engine.lend(100 * unit, trader, 0, sender=trader).return_value
    with ape.reverts("vault: repayment exceeds debt"):
        engine.book_settlement_debt(0, shares + 1, 0, sender=trader)
    engine.book_settlement_debt(0, shares, 0, sender=trader)
    assert vault.total_debt_shares() == 0


def test_mint_and_burn_in_one_call__net(vault, engine, flat_rates, seed, trader, unit):
    flat_rates()
    seed(1_000)
    shares = engine.lend(100 * unit, trader, 0, sender=trader).return_value
    minted = engine.book_settlement_debt(
        10 * unit, shares, 0, sender=trader
    ).return_value
    assert vault.total_debt_shares() == minted == 10 * unit * WAD // vault.debt_index()


def test_fees__reserve_takes_its_factor(vault, engine, flat_rates, seed, trader, unit):
    """Fees netted against a payout (or booked as debt) stayed in the vault without an
    inflow: the reserve takes floor(fees × 10 %), the LPs the rest."""
    flat_rates()
    seed(1_000)
    reserve, cash = vault.reserve(), vault.cash()
    fees = 33 * unit + 9
    receipt = engine.book_settlement_debt(0, 0, fees, sender=trader)
    assert vault.reserve() == reserve + fees * vault.reserve_factor() // WAD
    assert vault.cash() == cash and vault.total_debt_shares() == 0
    assert logs(receipt, vault.SettlementDebtBooked)[0]["to_reserve"] == fees // 10


def test_settlement_debt__accrues_interest_like_any_debt(
    vault, engine, seed, trader, unit, chain
):
    seed(1_000)
    engine.lend(500 * unit, trader, 0, sender=trader)
    chain.mine(timestamp=chain.blocks.head.timestamp + 86_400)
    index = vault.debt_index()
    minted = engine.book_settlement_debt(100 * unit, 0, 0, sender=trader).return_value
    assert vault.debt_index() >= index > WAD
    assert minted == math.ceil(Fraction(100 * unit * WAD, vault.debt_index()))
