# pragma version ~=0.4.3
"""
@title liquidation
@custom:contract-name liquidation
@license MIT
@notice The arithmetic of a liquidation's repay-and-seize step (DESIGN.md, Liquidation
        step 3), behind the MarketRegistry's `seize_plan`: the MarginEngine executes that
        plan and the Lens quotes it, so both use one formula.
@dev Stateless, pure. Units: debt and repay in quote units, balances and seize in token
     units, prices USD WAD per whole token, ratios WAD.
       seize_for(repay) = floor(floor(repay × q / quote_unit) × (1 + bonus) × token_unit / p)
       repay_for(bal)   = ceil(ceil(ceil(bal × p / token_unit) / (1 + bonus)) × quote_unit / q)
     Both round against the account's liquidator: it seizes at most the bonus and pays at
     least the value it takes, so the account never loses more than the bonus.
"""

from . import constants as c
from . import wad_math as w


# ---- structs --------------------------------------------------------------------------
struct Pricing:
    quote_price: uint256  # USD WAD per whole quote token
    quote_unit: uint256  # 10**quote decimals
    token_price: uint256  # USD WAD per whole seized token
    token_unit: uint256  # 10**token decimals
    bonus: uint256  # the seized token's liquidation bonus, WAD


# ---- internal -------------------------------------------------------------------------
@internal
@pure
def _full_close(bucket: bool, health: uint256, bonus: uint256, lt: uint256, debt: uint256, min_debt: uint256) -> bool:
    """
    @dev A liquidation may repay the whole debt (not just CLOSE_FACTOR of it) for a bucket,
         when health < max(FULL_CLOSE_HEALTH, (1 + bonus) × LT of the seized token), or
         when the rest of a partial repay would be below the minimum debt.
    """
    # health < (1 + bonus) × LT exactly: for an integer health that is health < ceil(product),
    # so a product that is not a whole wei still fully closes the band just below it.
    floor_: uint256 = max(c.FULL_CLOSE_HEALTH, w._ceil_div((c.WAD + bonus) * lt, c.WAD))
    return bucket or health < floor_ or debt - debt * c.CLOSE_FACTOR // c.WAD < min_debt


@internal
@pure
def _seize_for(repay: uint256, p: Pricing) -> uint256:
    """
    @dev Token units worth `repay` quote units plus the bonus, rounded down.
    """
    usd: uint256 = repay * p.quote_price // p.quote_unit
    return usd * (c.WAD + p.bonus) // c.WAD * p.token_unit // p.token_price


@internal
@pure
def _repay_for(balance: uint256, p: Pricing) -> uint256:
    """
    @dev Quote units a liquidator pays to seize all of `balance`, rounded up.
    """
    usd: uint256 = w._ceil_div(w._ceil_div(balance * p.token_price, p.token_unit) * c.WAD, c.WAD + p.bonus)
    return w._ceil_div(usd * p.quote_unit, p.quote_price)


@internal
@pure
def _amounts(
    debt: uint256, cap: uint256, full: bool, min_debt: uint256, balance: uint256, others: bool, p: Pricing
) -> (uint256, uint256):
    """
    @dev The repay and seize of one liquidation in one token:
           repay = min(cap, debt × (full ? 1 : CLOSE_FACTOR)), seize = seize_for(repay);
           a seize above the balance takes the balance, and repay shrinks to repay_for it;
           if 0 < debt − repay < min_debt while collateral remains (the rest of this token,
           or `others`), repay shrinks so min_debt remains (never a revert for dust);
           with nothing left the rest is written off instead.
    @param debt The account's debt, quote units (rounded up).
    @param cap The liquidator's `repay_amount`.
    @param full Whether a full close applies (`_full_close`).
    @param min_debt The engine's minimum debt, quote units.
    @param balance The account's balance of the seized token.
    @param others Whether the account holds collateral besides this token.
    @return (repay in quote units, seize in token units).
    """
    repay: uint256 = min(cap, debt)
    if not full:
        repay = min(repay, debt * c.CLOSE_FACTOR // c.WAD)
    seize: uint256 = self._seize_for(repay, p)
    if seize >= balance:
        seize = balance
        repay = min(repay, self._repay_for(balance, p))
    rest: uint256 = debt - repay
    if rest != 0 and rest < min_debt and (seize < balance or others):
        if debt > min_debt:
            repay = debt - min_debt
        seize = min(self._seize_for(repay, p), balance)
    return repay, seize
