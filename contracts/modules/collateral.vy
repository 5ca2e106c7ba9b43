# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title collateral
@custom:contract-name collateral
@license MIT
@notice The collateral ledger of the MarginEngine: listed tokens and their risk parameters,
        each account's balances and token list, and the total the engine holds per token.
@dev Internal functions only; the engine moves the tokens (module `transfers`) and calls
     these to book them. Invariants kept here:
       - an account's token list holds exactly the NON-QUOTE tokens with a non-zero balance
         (the quote is implicit: every account may hold it, health always reads its
         balance, and a quote-only account needs no list entry, two fresh slots less);
       - a bucket holds at most one non-quote token, a cross account at most MAX_COLLATERALS;
       - `_total[token]` = Σ over accounts of their balance of `token` (token units), and the
         engine's token balance is never below it (the engine checks every transfer).
     Bounds (DESIGN): CF < LT < 1 and (1 + bonus) × LT ≤ 1, so seizing a liquidated
     account's collateral at its bonus never raises its shortfall.
"""

from interfaces import IMarginEngine
from . import constants as c
from . import checks


# ---- immutables -----------------------------------------------------------------------
# @dev The quote token (the vault's asset): always allowed on top of an account's
#      non-quote slots, and the token debt is valued in.
QUOTE: immutable(address)


# ---- storage --------------------------------------------------------------------------
# @dev Risk parameters per token (units per field in IMarginEngine.CollateralConfig);
#      `oracle_asset == empty` = not listed.
_configs: HashMap[address, IMarginEngine.CollateralConfig]
# @dev Every token ever listed, in listing order (tokens are never unlisted, only disabled).
_listed: DynArray[address, c.MAX_LISTED]

# @dev account id -> token -> balance (token units).
_balances: HashMap[uint256, HashMap[address, uint256]]
# @dev account id -> the non-quote tokens it holds with a non-zero balance (order changes
#      on removal); at most MAX_COLLATERALS.
_tokens: HashMap[uint256, DynArray[address, c.MAX_COLLATERALS]]
# @dev account id -> realised perp profit the vault owes it but could not pay yet (quote
#      units): a mirror of `vault.claim_of(id)`. Valued as quote collateral by health and
#      collected (`vault.pay_claim`) when the account next acts; never withdrawable before.
_claims: HashMap[uint256, uint256]
# @dev token -> Σ of all accounts' balances (token units); bounded by the supply cap on deposit.
_total: HashMap[address, uint256]


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(quote: address):
    """
    @param quote The 20-byte quote token address (the vault's asset).
    """
    QUOTE = quote


# ---- internal: configuration ----------------------------------------------------------
@internal
def _list(token: address, oracle_asset: address, decimals: uint256):
    """
    @dev Lists `token` (parameters follow with `_configure`). The caller checked the
         oracle knows `oracle_asset` and read `decimals` from the token.
    """
    checks._check_address(token)
    checks._check_address(oracle_asset)
    checks._require(self._configs[token].oracle_asset == empty(address), "engine: collateral already listed")
    checks._require(decimals <= c.MAX_DECIMALS, "engine: decimals above 18")
    self._configs[token].oracle_asset = oracle_asset
    self._configs[token].decimals = decimals
    self._listed.append(token)  # reverts past MAX_LISTED listings
    log IMarginEngine.CollateralListed(token=token, oracle_asset=oracle_asset, decimals=decimals)


@internal
def _configure(
    token: address,
    collateral_factor: uint256,
    liquidation_threshold: uint256,
    liquidation_bonus: uint256,
    supply_cap: uint256,
    enabled: bool,
):
    """
    @dev Sets the risk parameters of a listed token, checking the DESIGN bounds:
         CF < LT < 1 and (1 + bonus) × LT ≤ 1 (exact integer form: (WAD + bonus) × LT ≤ WAD²).
         CF may be 0 (the token then backs no new borrowing). Lowering LT can make accounts
         liquidatable at once: the owner's responsibility.
    """
    self._check_listed(token)
    checks._require(collateral_factor < liquidation_threshold, "engine: CF not below LT")
    checks._require(liquidation_threshold < c.WAD, "engine: LT not below 1")
    checks._require((c.WAD + liquidation_bonus) * liquidation_threshold <= c.WAD * c.WAD, "engine: bonus too high for LT")
    self._configs[token].collateral_factor = collateral_factor
    self._configs[token].liquidation_threshold = liquidation_threshold
    self._configs[token].liquidation_bonus = liquidation_bonus
    self._configs[token].supply_cap = supply_cap
    self._configs[token].enabled = enabled
    log IMarginEngine.CollateralConfigured(
        token=token,
        collateral_factor=collateral_factor,
        liquidation_threshold=liquidation_threshold,
        liquidation_bonus=liquidation_bonus,
        supply_cap=supply_cap,
        enabled=enabled,
    )


# ---- internal: balances ---------------------------------------------------------------
@internal
def _credit(account_id: uint256, token: address, amount: uint256) -> uint256:
    """
    @dev Adds `amount` (> 0) of `token` to the account; a non-quote token it did not hold
         joins its list. The caller ran `_check_slot` first (before moving any token).
    @return The account's new balance of `token` (token units).
    """
    balance: uint256 = self._balances[account_id][token]
    if balance == 0 and token != QUOTE:
        self._tokens[account_id].append(token)  # cannot overflow: `_check_slot` bounds it
    balance += amount
    self._balances[account_id][token] = balance
    return balance


@internal
def _debit(account_id: uint256, token: address, amount: uint256) -> uint256:
    """
    @dev Removes `amount` of `token` from the account; a non-quote token whose balance
         reaches 0 leaves the account's list (swap with the last entry, pop).
    @return The account's new balance of `token` (token units).
    """
    balance: uint256 = self._balances[account_id][token]
    checks._require(amount <= balance, "engine: amount above balance")
    balance = unsafe_sub(balance, amount)  # amount <= balance was checked above
    self._balances[account_id][token] = balance
    if balance == 0 and token != QUOTE:
        tokens: DynArray[address, c.MAX_COLLATERALS] = self._tokens[account_id]
        last: uint256 = len(tokens) - 1
        # The token is in the list: it held a non-zero balance until now.
        for i: uint256 in range(len(tokens), bound=c.MAX_COLLATERALS):
            if tokens[i] == token:
                if i != last:
                    self._tokens[account_id][i] = tokens[last]
                self._tokens[account_id].pop()
                break
    return balance


@internal
def _add_total(token: address, amount: uint256):
    """
    @dev Books `amount` more of `token` held by the engine; reverts above the supply cap.
    """
    total: uint256 = self._total[token] + amount
    checks._require(total <= self._configs[token].supply_cap, "engine: supply cap exceeded")
    self._total[token] = total


@internal
def _sub_total(token: address, amount: uint256):
    """
    @dev Books `amount` less of `token` held by the engine (after a `_debit`, so it cannot
         underflow: the total is at least the debited account's balance).
    """
    self._total[token] -= amount


# ---- internal: views ------------------------------------------------------------------
@internal
@view
def _check_slot(account_id: uint256, token: address, mode: uint256):
    """
    @dev Reverts if `token` may not join the account: a token it already holds, and the
         quote, always may; otherwise a bucket takes one non-quote token and a cross
         account up to MAX_COLLATERALS.
    """
    if token == QUOTE or self._balances[account_id][token] != 0:
        return
    held: uint256 = len(self._tokens[account_id])
    if mode == c.MODE_ISOLATED:
        checks._require(held == 0, "engine: bucket holds another token")
    else:
        checks._require(held < c.MAX_COLLATERALS, "engine: collateral slots full")


@internal
@view
def _check_listed(token: address):
    """
    @dev Reverts unless `token` is listed.
    """
    checks._require(self._configs[token].oracle_asset != empty(address), "engine: collateral not listed")


@internal
@view
def _check_depositable(token: address):
    """
    @dev Reverts unless `token` is listed and enabled (new tokens entering the engine).
    """
    self._check_listed(token)
    checks._require(self._configs[token].enabled, "engine: collateral disabled")


@internal
@view
def _held(account_id: uint256) -> DynArray[address, c.MAX_TOKENS]:
    """
    @dev Every token the account holds: the quote first if its balance is non-zero, then
         the non-quote tokens in list order.
    """
    out: DynArray[address, c.MAX_TOKENS] = []
    if self._balances[account_id][QUOTE] != 0:
        out.append(QUOTE)
    for token: address in self._tokens[account_id]:
        out.append(token)
    return out
