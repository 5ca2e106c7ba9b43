# pragma version ~=0.4.3
"""
@title settlement
@custom:contract-name settlement
@license MIT
@notice How an account's realised PnL, fees and claims move between the account and the
        vault: the one definition the MarginEngine (trades) and its extension
        (liquidations) both run.
@dev Uses the ledgers the engine's `health` module initializes (`accounts`, `collateral`);
     a module with `uses:` cannot compile on its own, so ape-config.yaml excludes it from
     stand-alone compilation. The vault and the quote unit come in as arguments (modules
     hold no immutables of their own here). Amounts: USD WAD in, quote units out.
"""

from interfaces import IMarginEngine
from interfaces import IVault
from . import constants as c
from . import wad_math as w
from . import transfers
from . import accounts
from . import collateral

uses: accounts
uses: collateral


@internal
def _settle(vault: IVault, quote_unit: uint256, account_id: uint256, realised: int256, fee: uint256, quote_price: uint256):
    """
    @dev Settles a trade with the vault in quote units at the quote's price: profit
         rounded down, loss and fee rounded up. amount = realised − fee.
           amount >= 0: the profit first repays the account's debt (shares burnt without
             cash: `book_settlement_debt`, which also gives the reserve its cut of the fee
             kept); the rest is paid by the vault into the account's quote collateral
             (`pay_pnl`), and whatever the vault's cash cannot pay becomes the account's
             claim.
           amount < 0: the loss comes out of the account's quote collateral first (sent
             to the vault, `take_pnl`, the fee counted first); the rest becomes
             settlement debt (`book_settlement_debt`, exempt from the minimum debt).
    """
    amount: int256 = 0
    if realised >= 0:
        amount = convert(convert(realised, uint256) * quote_unit // quote_price, int256)
    else:
        amount = -convert(w._ceil_div(convert(-realised, uint256) * quote_unit, quote_price), int256)
    fee_q: uint256 = w._ceil_div(fee * quote_unit, quote_price)
    amount -= convert(fee_q, int256)
    quote: address = collateral.QUOTE
    shares: uint256 = accounts.debt_shares[account_id]
    from_collateral: uint256 = 0
    minted: uint256 = 0
    repaid: uint256 = 0
    paid: uint256 = 0
    claimed: uint256 = 0
    if amount >= 0:
        profit: uint256 = convert(amount, uint256)
        used: uint256 = 0
        if shares != 0 and profit != 0:
            index: uint256 = staticcall vault.debt_index()
            debt: uint256 = w._ceil_div(shares * index, c.WAD)
            if profit >= debt:
                repaid = shares
                used = debt
            else:
                repaid = profit * c.WAD // index  # rounds down: the vault's favour
                if repaid != 0:
                    used = profit
        if repaid != 0 or fee_q != 0:
            accounts.debt_shares[account_id] = shares - repaid
            extcall vault.book_settlement_debt(0, repaid, fee_q)
        if profit != used:
            paid = extcall vault.pay_pnl(account_id, profit - used)
            claimed = profit - used - paid
            if paid != 0:
                self._credit_quote(account_id, paid)
            if claimed != 0:
                collateral._claims[account_id] += claimed
    else:
        loss: uint256 = convert(-amount, uint256)
        from_collateral = min(loss, collateral._balances[account_id][quote])
        cash_fee: uint256 = min(fee_q, from_collateral)
        if loss == from_collateral:
            # The collateral covered the loss, so `take_pnl` is the only vault call: it
            # books the whole fee, including the part netted against a realised profit (I-1).
            cash_fee = fee_q
        if from_collateral != 0:
            collateral._debit(account_id, quote, from_collateral)
            collateral._sub_total(quote, from_collateral)
            transfers._push(quote, vault.address, from_collateral)
            extcall vault.take_pnl(from_collateral, cash_fee)
        if loss != from_collateral:
            minted = extcall vault.book_settlement_debt(loss - from_collateral, 0, fee_q - cash_fee)
            accounts.debt_shares[account_id] = shares + minted
    log IMarginEngine.PnlSettled(
        account_id=account_id,
        amount=amount,
        from_collateral=from_collateral,
        debt_shares_minted=minted,
        debt_shares_repaid=repaid,
        paid=paid,
        claimed=claimed,
    )


@internal
def _collect_claim(vault: IVault, account_id: uint256):
    """
    @dev Collects as much of the account's claim as the vault's cash allows into its quote
         collateral (claims are senior: cash that came back pays them first).
    """
    claim: uint256 = collateral._claims[account_id]
    if claim == 0:
        return
    paid: uint256 = extcall vault.pay_claim(account_id)
    if paid != 0:
        collateral._claims[account_id] = claim - paid
        self._credit_quote(account_id, paid)
        log IMarginEngine.ClaimCollected(account_id=account_id, amount=paid)


@internal
def _credit_quote(account_id: uint256, amount: uint256):
    """
    @dev Books quote the vault paid into the account (no supply cap: a payout never fails).
    """
    quote: address = collateral.QUOTE
    collateral._credit(account_id, quote, amount)
    collateral._total[quote] += amount


@internal
def _write_off_unbacked(vault: IVault, account_id: uint256):
    """
    @dev Writes off the account's debt when nothing backs it: no collateral (no token,
         no quote, no claim) and no open position, so the debt is exactly its negative
         equity (reserve first, then the LPs: `vault.write_off`). Runs where such debt can
         appear: after a trade that closes the last position (V-04: the loss is recognised
         in the transaction that realises it, so no LP can leave ahead of it) and at the
         end of a liquidation.
    """
    shares: uint256 = accounts.debt_shares[account_id]
    if shares == 0 or accounts._markets_of(account_id) != 0 or self._holds_collateral(account_id):
        return
    written: uint256 = extcall vault.write_off(shares)
    accounts.debt_shares[account_id] = 0
    log IMarginEngine.BadDebtWrittenOff(account_id=account_id, debt_shares=shares, assets=written)


@internal
@view
def _holds_collateral(account_id: uint256) -> bool:
    """
    @dev Whether the account holds any collateral (a token, quote, or a claim on the vault).
    """
    return len(collateral._tokens[account_id]) != 0 or collateral._balances[account_id][collateral.QUOTE] + collateral._claims[account_id] != 0
