"""Settlement with the vault: profit repays debt first and the rest is paid into quote
collateral; loss and fees come out of quote collateral first and the rest becomes
settlement debt (exempt from the minimum debt); a payout the vault's cash cannot make is
booked as a claim, valued as quote collateral and collected first when cash returns. The
vault's totalAssets never jumps at a settlement: the realised PnL was already in its marks."""

from __future__ import annotations

import ape
import pytest
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, WAD, wad
from engine_model import check_against_model, div_ceil, model_of

UNIT = 10**12  # USD WAD per quote unit at 1 USD (6-decimal quote)


def _settled_amount(realised: int, fee: int) -> int:
    """The quote amount a trade settles at a quote price of exactly 1 USD."""
    amount = realised // UNIT if realised >= 0 else -div_ceil(-realised, UNIT)
    return amount - div_ceil(fee, UNIT)


def _income(modified, price: int) -> int:
    """What a close adds to the vault's totalAssets, quote units: the fee's LP share (the
    reserve takes 10 %) and the closing spread (the marks valued the position at the
    oracle price; it realised at the fill)."""
    fee_q = div_ceil(modified.fee, UNIT)
    spread = abs(modified.size_delta) * abs(price - modified.fill_price) // WAD
    return fee_q - fee_q // 10 + spread // UNIT


def _logs(engine, receipt):
    modified = receipt.events.filter(engine.PositionModified)[0]
    settled = receipt.events.filter(engine.PnlSettled)[0]
    return modified, settled


def test_profit__paid_into_quote_collateral(
    system, trader, funded_account, trade, set_price
):
    engine, vault, quote = system.engine, system.vault, system.quote
    account = funded_account(trader, CROSS, USDC=10_000)
    trade(trader, account, "ETH", "1")
    set_price("WETH", "3300")
    balance, cash, reserve = (
        engine.collateral_of(account, quote),
        vault.cash(),
        vault.reserve(),
    )
    assets = vault.totalAssets()
    receipt = engine.close_position(account, 1, 0, sender=trader)
    modified, settled = _logs(engine, receipt)
    amount = _settled_amount(modified.realised_pnl, modified.fee)
    assert amount > 250 * system.q
    assert (settled.amount, settled.paid, settled.claimed, settled.from_collateral) == (
        amount,
        amount,
        0,
        0,
    )
    assert engine.collateral_of(account, quote) == balance + amount
    assert vault.cash() == cash - amount
    fee_q = div_ceil(modified.fee, UNIT)
    assert vault.reserve() == reserve + fee_q // 10  # the fee netted against the payout
    booked = receipt.events.filter(vault.SettlementDebtBooked)[0]
    assert (booked.assets, booked.debt_shares_repaid, booked.fees) == (0, 0, fee_q)
    # totalAssets moves by the fee's LP share and the spread (and the marks' rounding), not
    # by the payout: the profit was already in the marks.
    assert abs(vault.totalAssets() - (assets + _income(modified, wad("3300")))) <= 2


def test_profit__repays_debt_first(system, trader, funded_account, trade, set_price):
    engine, vault, quote = system.engine, system.vault, system.quote
    account = funded_account(trader, CROSS, USDC=10_000)
    engine.borrow(account, 100 * system.q, trader, sender=trader)
    trade(trader, account, "ETH", "1")
    set_price("WETH", "3300")
    debt, shares = engine.debt_of(account), engine.debt_shares_of(account)
    balance = engine.collateral_of(account, quote)
    total_shares = vault.total_debt_shares()
    assets = vault.totalAssets()
    receipt = engine.close_position(account, 1, 0, sender=trader)
    modified, settled = _logs(engine, receipt)
    amount = _settled_amount(modified.realised_pnl, modified.fee)
    assert amount > debt
    # `debt` was read a block before the close: a second of interest may add a wei.
    assert settled.debt_shares_repaid == shares
    assert amount - settled.paid in (debt, debt + 1)
    assert engine.debt_shares_of(account) == 0 and engine.debt_of(account) == 0
    assert vault.total_debt_shares() == total_shares - shares
    assert engine.collateral_of(account, quote) == balance + settled.paid
    assert not engine.is_active(account)
    assert abs(vault.totalAssets() - (assets + _income(modified, wad("3300")))) <= 2


def test_profit__partly_repays_a_larger_debt(
    system, trader, funded_account, trade, set_price
):
    """A profit below the debt burns floor(profit × WAD / index) shares (the vault's
    favour) and pays nothing; the rest of the debt stays, even below the minimum."""
    engine = system.engine
    account = funded_account(trader, CROSS, USDC=10_000)
    engine.borrow(account, 5_000 * system.q, trader, sender=trader)
    trade(trader, account, "ETH", "1")
    set_price("WETH", "3100")
    shares = engine.debt_shares_of(account)
    receipt = engine.close_position(account, 1, 0, sender=trader)
    modified, settled = _logs(engine, receipt)
    amount = _settled_amount(modified.realised_pnl, modified.fee)
    index = system.vault.debt_index()
    assert 0 < amount < engine.debt_of(account) + amount
    assert settled.debt_shares_repaid == amount * WAD // index
    assert engine.debt_shares_of(account) == shares - settled.debt_shares_repaid
    assert settled.paid == 0


def test_loss__quote_first_then_settlement_debt(
    system, trader, funded_account, trade, set_price
):
    """50 USDC of quote and 1 WETH of collateral; a 1 ETH long loses about 117 USD: the
    quote left (50 minus the opening fee) goes to the vault and the rest becomes debt."""
    engine, vault, quote = system.engine, system.vault, system.quote
    account = funded_account(trader, CROSS, USDC=50, WETH=1)
    trade(trader, account, "ETH", "1")
    set_price("WETH", "2900")
    cash = vault.cash()
    assets = vault.totalAssets()
    balance = engine.collateral_of(account, quote)
    receipt = engine.close_position(account, 1, 0, sender=trader)
    modified, settled = _logs(engine, receipt)
    loss = -_settled_amount(modified.realised_pnl, modified.fee)
    assert loss > balance > 0
    assert engine.collateral_of(account, quote) == 0
    assert settled.from_collateral == balance
    assert engine.collaterals_of(account) == [system.tokens["WETH"]]
    assert vault.cash() == cash + settled.from_collateral
    assert engine.debt_of(account) == loss - settled.from_collateral
    assert settled.debt_shares_minted == engine.debt_shares_of(account)
    booked = receipt.events.filter(vault.SettlementDebtBooked)[0]
    assert booked.assets == loss - settled.from_collateral
    assert engine.is_active(account)  # settlement debt makes it active
    assert abs(vault.totalAssets() - (assets + _income(modified, wad("2900")))) <= 2


def test_loss__settlement_debt_exempt_from_min_debt(
    system, trader, funded_account, trade, set_price
):
    engine = system.engine
    account = funded_account(trader, CROSS, USDC=100, WETH=1)
    trade(trader, account, "ETH", "1")
    set_price("WETH", "2928")  # loss ≈ 103 USD against 98.5 USDC left: 4.6 USDC of debt
    engine.close_position(account, 1, 0, sender=trader)
    assert 0 < engine.debt_of(account) < engine.min_debt()
    # A borrow or a partial repay must still respect the minimum.
    with ape.reverts("engine: debt below minimum"):
        engine.borrow(account, 1, trader, sender=trader)


def test_loss_with_enough_quote__no_debt(
    system, trader, funded_account, trade, set_price
):
    engine, quote = system.engine, system.quote
    account = funded_account(trader, ISOLATED, USDC=1_000)
    trade(trader, account, "ETH", "1")
    set_price("WETH", "2950")
    balance = engine.collateral_of(account, quote)
    receipt = engine.close_position(account, 1, 0, sender=trader)
    modified, settled = _logs(engine, receipt)
    loss = -_settled_amount(modified.realised_pnl, modified.fee)
    assert settled.from_collateral == loss and settled.debt_shares_minted == 0
    assert engine.collateral_of(account, quote) == balance - loss
    assert engine.debt_of(account) == 0 and not engine.is_active(account)


@pytest.fixture
def drained(system, owner, trader, trader2, funded_account, fund, trade):
    """trader: 10 ETH long (100,000 USDC of collateral); trader2 then borrows every unit of
    free cash against WETH: the vault is at 100 % utilisation."""
    engine, vault = system.engine, system.vault
    account = funded_account(trader, CROSS, USDC=100_000)
    trade(trader, account, "ETH", "10")
    borrower = funded_account(trader2, CROSS, WETH=1_000)
    engine.borrow(borrower, vault.free_cash(), trader2, sender=trader2)
    assert vault.free_cash() == 0
    return account, borrower


def test_claim__close_at_full_utilisation_then_collected(
    system, owner, trader, trader2, drained, fund, set_price
):
    engine, vault, quote = system.engine, system.vault, system.quote
    account, borrower = drained
    set_price("WETH", "3300")  # the long is up about 2,800 USD; the vault's cash is not
    cash = vault.cash()
    balance = engine.collateral_of(account, quote)
    receipt = engine.close_position(
        account, 1, 0, sender=trader
    )  # never reverts for cash
    modified, settled = _logs(engine, receipt)
    amount = _settled_amount(modified.realised_pnl, modified.fee)
    assert settled.paid == cash and settled.claimed == amount - cash > 0
    assert engine.claim_of(account) == vault.claim_of(account) == settled.claimed
    assert engine.collateral_of(account, quote) == balance + cash
    # The claim counts as quote collateral in health, but cannot be withdrawn before it is paid.
    h = engine.account_health(account)
    assert h.wc_maint == (balance + cash + settled.claimed) * UNIT * 97 // 100
    check_against_model(h, model_of(system, account))
    with ape.reverts("engine: amount above balance"):
        engine.withdraw_collateral(
            account, quote, balance + cash + 1, trader, sender=trader
        )
    # Cash returns (the borrower repays); the trader's next action collects the claim first.
    fund(trader2, "USDC", 2_000_000)
    quote.approve(engine, MAX_UINT256, sender=trader2)
    engine.repay(borrower, MAX_UINT256, sender=trader2)
    claim = settled.claimed
    receipt = engine.withdraw_collateral(
        account, quote, balance + cash + claim, trader, sender=trader
    )
    collected = receipt.events.filter(engine.ClaimCollected)[0]
    assert (collected.account_id, collected.amount) == (account, claim)
    assert (
        engine.claim_of(account) == vault.claim_of(account) == vault.total_claims() == 0
    )
    assert engine.collateral_of(account, quote) == 0


def test_claim__partly_paid_when_cash_is_short(
    system, trader, trader2, drained, fund, set_price, trade
):
    engine, vault = system.engine, system.vault
    account, borrower = drained
    set_price("WETH", "3300")
    engine.close_position(account, 1, 0, sender=trader)
    claim = engine.claim_of(account)
    fund(trader2, "USDC", 1_000)
    system.quote.approve(engine, MAX_UINT256, sender=trader2)
    engine.repay(
        borrower, 1_000 * system.q, sender=trader2
    )  # 1,000 USDC of cash returns
    cash = vault.cash()
    assert 0 < cash < claim
    receipt = trade(
        trader, account, "ETH", "0.01"
    )  # any action collects what cash allows
    assert receipt.events.filter(engine.ClaimCollected)[0].amount == cash
    assert engine.claim_of(account) == vault.claim_of(account) == claim - cash
