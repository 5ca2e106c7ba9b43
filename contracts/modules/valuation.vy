# pragma version ~=0.4.3
"""
@title valuation
@custom:contract-name valuation
@license MIT
@notice The pure money arithmetic that the MarginEngine (modules `health` and
        `settlement`, so its extension too) and the Lens both run: one definition of how
        summed figures become an account's health, how debt shares are valued, and how a
        realised PnL and a fee become the quote amount a settlement moves.
@dev Stateless and pure: no storage, no calls; every input comes in as an argument, so
     the Lens, which replays a liquidation on a copy of the ledger, calls exactly the
     functions the engine calls on its storage. Units: USD WAD, quote units, WAD ratios.
"""

from interfaces import IMarginEngine
from . import constants as c
from . import wad_math as w


@internal
@pure
def _debt_value(shares: uint256, debt_index: uint256, quote_price: uint256, quote_unit: uint256) -> uint256:
    """
    @dev The USD value of `shares` debt shares: rounded up twice, to quote units as the
         vault counts its debt, then to USD WAD at the quote's price.
    """
    return w._ceil_div(w._ceil_div(shares * debt_index, c.WAD) * quote_price, quote_unit)


@internal
@pure
def _settlement_amount(realised: int256, fee: uint256, quote_unit: uint256, quote_price: uint256) -> (int256, uint256):
    """
    @dev (amount, fee in quote units) of a settlement at the quote's price:
         amount = realised (profit rounded down, loss rounded up) − fee (rounded up),
         both against the account.
    """
    amount: int256 = 0
    if realised >= 0:
        amount = convert(convert(realised, uint256) * quote_unit // quote_price, int256)
    else:
        amount = -convert(w._ceil_div(convert(-realised, uint256) * quote_unit, quote_price), int256)
    fee_q: uint256 = w._ceil_div(fee * quote_unit, quote_price)
    return amount - convert(fee_q, int256), fee_q


@internal
@pure
def _profit_repays(profit: uint256, shares: uint256, debt_index: uint256) -> (uint256, uint256):
    """
    @dev (debt shares burnt, quote used) when a settlement's profit repays the account's
         debt first: all the shares if the profit covers the debt (rounded up), else
         floor(profit × WAD / index) shares for the whole profit (the vault's favour).
    """
    if shares == 0 or profit == 0:
        return 0, 0
    debt: uint256 = w._ceil_div(shares * debt_index, c.WAD)
    if profit >= debt:
        return shares, debt
    repaid: uint256 = profit * c.WAD // debt_index
    if repaid == 0:
        return 0, 0
    return repaid, profit


@internal
@pure
def _compose(
    wc_maint: uint256,
    wc_init: uint256,
    debt: uint256,
    pnl: int256,
    maint_req: uint256,
    init_req: uint256,
    active: bool,
    priced: bool,
    status: uint256,
) -> IMarginEngine.Health:
    """
    @dev Derives equities, shortfall, health factor and the liquidatable flag from the
         summed figures (USD WAD). Health rounds down; max_value(uint256) when the account
         is not active or owes nothing at all (no debt, no loss, no requirement).
    """
    pnl_pos: uint256 = 0
    pnl_neg: uint256 = 0
    if pnl > 0:
        pnl_pos = convert(pnl, uint256)
    else:
        pnl_neg = convert(-pnl, uint256)
    owed: uint256 = debt + pnl_neg + maint_req
    backing: uint256 = wc_maint + pnl_pos
    equity_maint: int256 = convert(wc_maint, int256) - convert(debt, int256) + pnl
    health_factor: uint256 = max_value(uint256)
    if active and owed != 0:
        health_factor = backing * c.WAD // owed
    return IMarginEngine.Health(
        wc_maint=wc_maint,
        wc_init=wc_init,
        debt=debt,
        pnl=pnl,
        maint_req=maint_req,
        init_req=init_req,
        equity_maint=equity_maint,
        equity_init=convert(wc_init, int256) - convert(debt, int256) - convert(pnl_neg, int256),
        shortfall=convert(owed, int256) - convert(backing, int256),
        health_factor=health_factor,
        liquidatable=active and priced and equity_maint < convert(maint_req, int256),
        active=active,
        priced=priced,
        status=status,
    )
