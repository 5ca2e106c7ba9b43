# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Vault
@custom:contract-name Vault
@license MIT
@notice The Bulkhead liquidity vault: an ERC-4626 (and ERC-20) vault over one quote asset.
        LPs deposit the quote asset; the MarginEngine borrows it for traders, settles perp
        PnL against it, and writes off bad debt. Interest follows a kinked curve; a reserve
        takes a share of interest and fees and absorbs bad debt before the LPs do.
@dev Accounting (all figures in quote units, "as of now" = with interest accrued to this
     second; see docs/vault.md for the full definitions and the rounding table):
       cash         the quote the vault holds by its own books (deposits, repayments and PnL
                    booked through its functions). A plain token transfer to the vault is NOT
                    cash: donations cannot move the share price (`skim` moves them into the
                    reserve). Invariant: cash <= asset.balanceOf(vault).
       total_debt   ceil(total_debt_shares * debt_index / WAD).
       reserve      the protocol's share of interest and fees (a liability to the protocol).
       total_claims trader profit the vault owes but could not pay for lack of cash.
       net_pnl      Σ unrealised trader PnL from `engine.vault_marks()` (signed).
       equity       cash + total_debt - reserve - total_claims - net_pnl (signed);
                    totalAssets = max(0, equity), deficit = max(0, -equity).
       free_cash    max(0, cash - total_claims - reserved): what borrows and LP exits may take.
       needed       the assets the open interest needs (from the marks): LP exits and
                    reserve withdrawals never take totalAssets below it (exit room).
     LP pricing: deposits and mints at totalAssets + band, withdrawals and redemptions at
     max(0, totalAssets - band), band from the engine (0 without open interest); previews
     use the same figures, so ERC-4626 previews are exact. With a decimals offset of 6 the
     conversions use totalSupply + 10**6 virtual shares and totalAssets + 1 virtual asset.
     Every conversion rounds in the vault's favour (floor what the user gets, ceil what the
     user gives); debt rounds up.
     Locking: `# pragma nonreentrancy on` gives every external function, views included, one
     lock. The engine-only functions never call the engine; the only call to the engine is
     the static `vault_marks()` read, made by a raw call that turns any failure into
     "marks not ok" so no ERC-4626 view reverts.
     Roles: the owner (two-step transfer) sets parameters and, once, the engine; the
     guardian (or the owner) may pause deposits and mints; only the owner unpauses.
     Withdrawals are never paused (they are bounded by the exit room only, and halt while
     the marks are unusable). Deposits also need OK marks and positive equity (issue 16).
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from ethereum.ercs import IERC4626
from interfaces import IVault

implements: IERC20
implements: IERC4626
implements: IVault

from .modules import share_token
from .modules import interest_model
from .modules import vault_math

# @dev The LP share token: balances, allowances and supply live in the module.
initializes: share_token
# @dev The kinked rate curve and the reserve factor live in the module; the vault accrues.
initializes: interest_model

exports: (
    # @dev ERC-20 surface of the shares.
    share_token.name,
    share_token.symbol,
    share_token.decimals,
    share_token.totalSupply,
    share_token.balanceOf,
    share_token.allowance,
    share_token.transfer,
    share_token.transferFrom,
    share_token.approve,
    # @dev Interest curve parameters and their bound (WAD per second, kink WAD).
    interest_model.base_rate,
    interest_model.slope1,
    interest_model.slope2,
    interest_model.kink,
    interest_model.reserve_factor,
    interest_model.MAX_BORROW_RATE,
)


# ---- constants ------------------------------------------------------------------------
# @dev Fixed-point unit of ratios and of the debt index.
WAD: constant(uint256) = 10**18
# @dev Share decimals = asset decimals + DECIMALS_OFFSET. The offset also sets the virtual
# shares below: an inflation attack costs the attacker about 10**6 times what it takes
# from a victim (docs/vault.md).
DECIMALS_OFFSET: public(constant(uint256)) = 6
# @dev 10**DECIMALS_OFFSET virtual shares, paired with VIRTUAL_ASSETS virtual assets.
VIRTUAL_SHARES: constant(uint256) = 10**DECIMALS_OFFSET
# @dev One virtual asset unit (OpenZeppelin's ERC-4626 offset scheme).
VIRTUAL_ASSETS: constant(uint256) = 1
# @dev Largest supported asset decimals (keeps products of amounts far below 2**256).
MAX_ASSET_DECIMALS: constant(uint8) = 18
# @dev Largest |figure| accepted from `vault_marks()`; a larger one is treated as a failed
# read (ok = False, figures 0), so garbage can neither overflow nor revert a view.
MAX_MARK: constant(uint256) = 2**128 - 1
# @dev Byte size of the ABI-encoded (int256, uint256, uint256, bool, uint256) from
# `vault_marks()`.
MARKS_SIZE: constant(uint256) = 160
# @dev `needed` from `vault_marks()` when a price the marks need is unusable (stale,
# invalid, sequencer down): LP exits halt.
UNUSABLE: constant(uint256) = max_value(uint256)
# @dev `_fresh_deposits` layout: assets in bits 0..191, block number in 192..255.
FRESH_MASK: constant(uint256) = 2**192 - 1
FRESH_SHIFT: constant(uint256) = 192
# @dev `_index_and_time` layout: debt index in bits 0..191, last accrual time in 192..255.
INDEX_MASK: constant(uint256) = 2**192 - 1
TIME_SHIFT: constant(uint256) = 192
# @dev `_cash_and_reserve` layout: cash in bits 0..127, reserve in 128..255. 2**128 - 1
# (3.4 * 10**38) quote units is beyond any token supply; stores check it anyway.
AMOUNT_MASK: constant(uint256) = 2**128 - 1
RESERVE_SHIFT: constant(uint256) = 128


# ---- immutables -----------------------------------------------------------------------
# @dev The quote asset (ERC-20) the vault holds and lends.
asset: public(immutable(address))
# @dev 10**decimals shares: one whole share, for `share_price`.
ONE_SHARE: immutable(uint256)


# ---- structs --------------------------------------------------------------------------
struct Accrual:
    index: uint256  # debt index as of now, WAD
    debt: uint256  # total debt as of now, quote units
    reserve: uint256  # reserve as of now, quote units
    interest: uint256  # debt growth since the last accrual, quote units
    to_reserve: uint256  # the reserve's cut of `interest`, quote units
    moved: bool  # True when storage is behind (debt exists and time has passed)


struct Books:
    total_assets: uint256  # totalAssets as of now, quote units
    equity: int256  # cash + debt - reserve - claims - net_pnl as of now (signed), quote units
    band: uint256  # LP entry/exit band from the engine, quote units
    free_cash: uint256  # cash - claims - reserved (0 when marks are unusable), quote units
    exit_room: uint256  # min(free_cash, max(0, totalAssets - needed)): what exits may take, quote units
    ok: bool  # every price the marks need is OK (deposits; always True without an engine)
    usable: bool  # every price the marks need is fresh (exits; always True without an engine)


# ---- storage --------------------------------------------------------------------------
# @dev The account that sets parameters and the engine.
owner: public(address)
# @dev The account that may accept ownership (step two of the transfer); empty = none.
pending_owner: public(address)
# @dev The account that may pause deposits and mints; empty = none.
guardian: public(address)
# @dev The MarginEngine, the only caller of the engine-only functions; set once.
engine: public(address)
# @dev True while deposits and mints are paused (withdrawals never are).
deposits_paused: public(bool)
# @dev Cash (bits 0..127) and reserve (bits 128..255), quote units. Cash is the quote the
# vault holds by its own books (<= token balance); the reserve is as of the last accrual.
# Both are read by every LP action and written by every accrual, so they share a slot.
_cash_and_reserve: uint256
# @dev Σ of unpaid trader profit owed by the vault, quote units.
total_claims: public(uint256)
# @dev Unpaid trader profit per engine account id, quote units.
claim_of: public(HashMap[uint256, uint256])
# @dev Σ of every claim ever booked, quote units: the length of the claims queue (FIFO).
claims_booked: public(uint256)
# @dev Where each account's claim ends in the queue: `claims_booked` right after its
# latest booking, quote units (a new claim of an account moves its whole claim to the back).
claim_end: public(HashMap[uint256, uint256])
# @dev Σ of all borrowers' debt shares (the engine keeps the per-account split), debt-share units.
total_debt_shares: public(uint256)
# @dev Assets deposited in the current block (bits 0..191, quote units) and that block's
# number (bits 192..255): `book_assets`, which the registry's open-interest cap reads,
# excludes them, so a same-block (or same-transaction) deposit backs no new open interest.
_fresh_deposits: uint256
# @dev Debt index as of the last accrual, WAD (starts at 10**18, only grows), in bits
# 0..191, and the time of that accrual, seconds, in bits 192..255: both are read and
# written by every accrual, so they share a slot. The time only matters while
# total_debt_shares > 0 (`lend` restarts it when debt appears).
_index_and_time: uint256


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(
    asset_: address,
    name_: String[64],
    symbol_: String[32],
    base_rate: uint256,
    slope1: uint256,
    slope2: uint256,
    kink: uint256,
    reserve_factor: uint256,
):
    """
    @notice Deploy a vault over `asset_`; the deployer becomes the owner. The engine is set
            later, once, with `set_engine`; until then the vault is a plain ERC-4626 vault.
    @param asset_ The 20-byte quote asset (ERC-20, at most 18 decimals, no transfer fee).
    @param name_ The maximum 64-character share name.
    @param symbol_ The maximum 32-character share symbol.
    @param base_rate The 32-byte rate at zero utilisation, WAD per second.
    @param slope1 The 32-byte rate added up to the kink, WAD per second.
    @param slope2 The 32-byte rate added from the kink to 100%, WAD per second.
    @param kink The 32-byte kink utilisation, WAD ratio (0 < kink < 1).
    @param reserve_factor The 32-byte reserve factor, WAD ratio (<= 1).
    """
    assert asset_ != empty(address), "vault: zero asset"
    assert asset_.is_contract, "vault: asset has no code"
    asset_decimals: uint8 = staticcall IERC20Detailed(asset_).decimals()
    assert asset_decimals <= MAX_ASSET_DECIMALS, "vault: asset decimals > 18"

    share_decimals: uint8 = asset_decimals + convert(DECIMALS_OFFSET, uint8)
    share_token.__init__(name_, symbol_, share_decimals)
    interest_model.__init__(base_rate, slope1, slope2, kink, reserve_factor)

    asset = asset_
    ONE_SHARE = 10 ** convert(share_decimals, uint256)
    self.owner = msg.sender
    self._store_index(WAD)
    log IVault.OwnershipTransferred(previous_owner=empty(address), new_owner=msg.sender)


# ---- external: ERC-4626 views ---------------------------------------------------------
@view
@external
def totalAssets() -> uint256:
    """
    @notice max(0, cash + total_debt - reserve - total_claims - net_pnl) as of now.
    @return The 32-byte total assets, quote units.
    """
    return self._books_now().total_assets


@view
@external
def convertToShares(assets: uint256) -> uint256:
    """
    @notice Shares worth `assets` at the mid price (no band), rounded down.
    @param assets The 32-byte quote amount.
    @return The 32-byte share amount.
    """
    b: Books = self._books_now()
    return self._to_shares(assets, b.total_assets + VIRTUAL_ASSETS, False)


@view
@external
def convertToAssets(shares: uint256) -> uint256:
    """
    @notice Assets worth `shares` at the mid price (no band), rounded down.
    @param shares The 32-byte share amount.
    @return The 32-byte quote amount.
    """
    b: Books = self._books_now()
    return self._to_assets(shares, b.total_assets + VIRTUAL_ASSETS, False)


@view
@external
def maxDeposit(receiver: address) -> uint256:
    """
    @notice Unlimited, or 0 while deposits are paused, the engine's marks are not OK, or
            the vault has no equity (a deficit, or equity 0 with shares outstanding).
    @param receiver The 20-byte receiver (unused: no per-account limit).
    @return The 32-byte maximum deposit, quote units.
    """
    if self._deposits_open():
        return max_value(uint256)
    return 0


@view
@external
def maxMint(receiver: address) -> uint256:
    """
    @notice Unlimited, or 0 while deposits are paused, the engine's marks are not OK, or
            the vault has no equity (a deficit, or equity 0 with shares outstanding).
    @param receiver The 20-byte receiver (unused: no per-account limit).
    @return The 32-byte maximum mint, share units.
    """
    if self._deposits_open():
        return max_value(uint256)
    return 0


@view
@external
def maxWithdraw(owner: address) -> uint256:
    """
    @notice min(value of `owner`'s shares at the exit price, exit room): exactly what
            `withdraw` accepts now. Exit room = min(free cash, totalAssets - the assets the
            open interest needs); 0 while the engine's marks are unusable.
    @param owner The 20-byte share holder.
    @return The 32-byte maximum withdrawal, quote units.
    """
    b: Books = self._books_now()
    value: uint256 = self._to_assets(
        share_token.balanceOf[owner], self._exit_assets(b), False
    )
    return min(value, b.exit_room)


@view
@external
def maxRedeem(owner: address) -> uint256:
    """
    @notice `owner`'s shares, or fewer when the exit room (min(free cash, totalAssets -
            the assets the open interest needs)) cannot pay them all: exactly what `redeem`
            accepts now; 0 while the engine's marks are unusable or when the redemption
            would pay nothing.
    @param owner The 20-byte share holder.
    @return The 32-byte maximum redemption, share units.
    """
    b: Books = self._books_now()
    exit_assets: uint256 = self._exit_assets(b)
    shares: uint256 = share_token.balanceOf[owner]
    value: uint256 = self._to_assets(shares, exit_assets, False)
    if value > b.exit_room:
        # @dev The most shares whose redemption pays at most the exit room:
        # floor(s * exit / supply) <= room  <=>  s < (room + 1) * supply / exit, so
        # s = ceil((room + 1) * supply / exit) - 1 (the ceiling is >= 1).
        shares = self._to_shares(b.exit_room + 1, exit_assets, True) - 1
        value = self._to_assets(shares, exit_assets, False)
    if value == 0:
        return 0
    return shares


@view
@external
def previewDeposit(assets: uint256) -> uint256:
    """
    @notice Shares `deposit(assets)` would mint now (entry price, rounded down).
    @param assets The 32-byte quote amount.
    @return The 32-byte share amount.
    """
    return self._to_shares(assets, self._entry_assets(self._books_now()), False)


@view
@external
def previewMint(shares: uint256) -> uint256:
    """
    @notice Assets `mint(shares)` would take now (entry price, rounded up).
    @param shares The 32-byte share amount.
    @return The 32-byte quote amount.
    """
    return self._to_assets(shares, self._entry_assets(self._books_now()), True)


@view
@external
def previewWithdraw(assets: uint256) -> uint256:
    """
    @notice Shares `withdraw(assets, ...)` would burn now (exit price, rounded up).
    @param assets The 32-byte quote amount.
    @return The 32-byte share amount.
    """
    return self._to_shares(assets, self._exit_assets(self._books_now()), True)


@view
@external
def previewRedeem(shares: uint256) -> uint256:
    """
    @notice Assets `redeem(shares, ...)` would pay now (exit price, rounded down).
    @param shares The 32-byte share amount.
    @return The 32-byte quote amount.
    """
    return self._to_assets(shares, self._exit_assets(self._books_now()), False)


# ---- external: ERC-4626 actions -------------------------------------------------------
@external
def deposit(assets: uint256, receiver: address) -> uint256:
    """
    @notice Deposit `assets` of the quote asset and mint shares to `receiver` at the entry
            price (totalAssets + band), rounded down.
    @param assets The 32-byte quote amount, pulled from the caller.
    @param receiver The 20-byte share receiver.
    @return The 32-byte shares minted.
    """
    assert assets != 0, "vault: zero assets"
    b: Books = self._open_deposit(receiver)
    shares: uint256 = self._to_shares(assets, self._entry_assets(b), False)
    assert shares != 0, "vault: zero shares"
    self._enter(assets, shares, receiver)
    return shares


@external
def mint(shares: uint256, receiver: address) -> uint256:
    """
    @notice Mint exactly `shares` to `receiver`, pulling the assets they cost at the entry
            price (totalAssets + band), rounded up.
    @param shares The 32-byte share amount.
    @param receiver The 20-byte share receiver.
    @return The 32-byte quote amount pulled from the caller.
    """
    assert shares != 0, "vault: zero shares"
    b: Books = self._open_deposit(receiver)
    # @dev Rounded up, so at least 1 for shares > 0.
    assets: uint256 = self._to_assets(shares, self._entry_assets(b), True)
    self._enter(assets, shares, receiver)
    return assets


@external
def withdraw(assets: uint256, receiver: address, owner: address) -> uint256:
    """
    @notice Pay exactly `assets` to `receiver`, burning `owner`'s shares at the exit price
            (totalAssets - band), rounded up. Draws only on the exit room: free cash, and
            never below the assets the open interest needs.
    @param assets The 32-byte quote amount.
    @param receiver The 20-byte asset receiver.
    @param owner The 20-byte share holder (the caller needs its allowance unless it is the owner).
    @return The 32-byte shares burnt.
    """
    assert assets != 0, "vault: zero assets"
    b: Books = self._open_exit(receiver)
    self._check_room(b, assets)
    shares: uint256 = self._to_shares(assets, self._exit_assets(b), True)
    self._leave(assets, shares, receiver, owner)
    return shares


@external
def redeem(shares: uint256, receiver: address, owner: address) -> uint256:
    """
    @notice Burn exactly `shares` of `owner` and pay their value at the exit price
            (totalAssets - band), rounded down, to `receiver`. Draws only on the exit room:
            free cash, and never below the assets the open interest needs.
    @param shares The 32-byte share amount.
    @param receiver The 20-byte asset receiver.
    @param owner The 20-byte share holder (the caller needs its allowance unless it is the owner).
    @return The 32-byte quote amount paid.
    """
    assert shares != 0, "vault: zero shares"
    b: Books = self._open_exit(receiver)
    assets: uint256 = self._to_assets(shares, self._exit_assets(b), False)
    assert assets != 0, "vault: zero assets"
    self._check_room(b, assets)
    self._leave(assets, shares, receiver, owner)
    return assets


# ---- external: interest and accounting views ------------------------------------------
@external
def accrue() -> uint256:
    """
    @notice Accrue interest up to now (anyone may call).
    @return The 32-byte debt index after the accrual, WAD.
    """
    return self._accrue().index


@view
@external
def debt_index() -> uint256:
    """
    @notice The debt index as of now, interest not yet written to storage included.
    @return The 32-byte debt index, WAD.
    """
    return self._accrued().index


@view
@external
def total_debt() -> uint256:
    """
    @notice Quote owed by all borrowers as of now, interest included (rounded up).
    @return The 32-byte total debt, quote units.
    """
    return self._accrued().debt


@view
@external
def utilization() -> uint256:
    """
    @notice total_debt / (cash + total_debt) as of now, rounded up.
    @return The 32-byte utilisation, WAD ratio.
    """
    return interest_model._utilization(self._cash(), self._accrued().debt)


@view
@external
def cash() -> uint256:
    """
    @notice Quote held by the vault by its own books (never more than its token balance).
    @return The 32-byte cash, quote units.
    """
    return self._cash()


@view
@external
def last_accrual() -> uint256:
    """
    @notice When interest was last written to storage (restarted by `lend` when debt appears).
    @return The 32-byte timestamp, seconds.
    """
    return self._index_and_time >> TIME_SHIFT


@view
@external
def borrow_rate() -> uint256:
    """
    @notice The per-second borrow rate at the current utilisation, rounded up.
    @return The 32-byte rate, WAD per second.
    """
    return interest_model._borrow_rate(
        interest_model._params(), interest_model._utilization(self._cash(), self._accrued().debt)
    )


@view
@external
def reserve() -> uint256:
    """
    @notice The reserve as of now, its cut of interest not yet accrued included.
    @return The 32-byte reserve, quote units.
    """
    return self._accrued().reserve


@view
@external
def free_cash() -> uint256:
    """
    @notice max(0, cash - total_claims - reserved): what borrows and LP exits may take now
            (LP exits also keep the assets the open interest needs). 0 while the engine's
            marks are unusable (stale or invalid prices: LP exits halt then).
    @return The 32-byte free cash, quote units.
    """
    return self._books_now().free_cash


@view
@external
def book_assets() -> uint256:
    """
    @notice max(0, cash + total_debt - reserve - total_claims - assets deposited in this
            block) as of now: totalAssets before the engine's marks, without the deposits
            that cannot back new open interest yet (the registry's cap reads this). Never
            calls the engine.
    @return The 32-byte book assets, quote units.
    """
    a: Accrual = self._accrued()
    equity: int256 = self._equity(a.debt, a.reserve, 0)
    fresh: uint256 = self._fresh_deposits
    if fresh >> FRESH_SHIFT == block.number:
        equity -= convert(fresh & FRESH_MASK, int256)
    return convert(max(equity, 0), uint256)


@view
@external
def deficit() -> uint256:
    """
    @notice max(0, -(cash + total_debt - reserve - total_claims - net_pnl)) as of now: what
            the vault owes beyond everything it has (totalAssets floors at 0). While it is
            > 0 (or equity is 0 with shares outstanding) deposits and mints are refused.
    @return The 32-byte deficit, quote units.
    """
    return convert(max(-self._books_now().equity, 0), uint256)


@view
@external
def share_price() -> uint256:
    """
    @notice Assets one whole share (10**decimals share units) is worth at the mid price.
    @return The 32-byte price, quote units per whole share (rounded down).
    """
    b: Books = self._books_now()
    return self._to_assets(ONE_SHARE, b.total_assets + VIRTUAL_ASSETS, False)


# ---- external: engine-only ------------------------------------------------------------
@external
def lend(assets: uint256, receiver: address, reserved: uint256) -> uint256:
    """
    @notice Send `assets` to `receiver` as a new borrow, drawing only on free cash.
    @param assets The 32-byte quote amount.
    @param receiver The 20-byte receiver of the quote.
    @param reserved The 32-byte Σ max(0, unrealised trader PnL) from the engine, quote units;
           max_value(uint256) when the engine's marks are not OK: nothing is lent then (a
           stale or invalid mark may hide what winners are owed; issue 16, L-1).
    @return The 32-byte debt shares minted, ceil(assets * WAD / debt_index).
    """
    self._check_engine()
    assert assets != 0, "vault: zero assets"
    assert receiver != empty(address), "vault: zero receiver"
    assert reserved != max_value(uint256), "vault: marks unavailable"
    a: Accrual = self._accrue()
    cash: uint256 = self._cash()
    assert cash >= self.total_claims + reserved + assets, "vault: exceeds free cash"
    debt_shares: uint256 = vault_math._mul_div_up(assets, WAD, a.index)
    self.total_debt_shares += debt_shares
    # @dev `unsafe_sub` is safe: cash >= assets by the check above.
    self._set_cash(unsafe_sub(cash, assets))
    # @dev Starts the interest clock when the first debt appears (`_accrue` leaves the
    # timestamp alone while there is no debt); rewrites the same value otherwise.
    self._store_index(a.index)
    self._send(receiver, assets)
    log IVault.Lend(receiver=receiver, assets=assets, debt_shares=debt_shares)
    return debt_shares


@external
def pay_fee(assets: uint256, receiver: address) -> uint256:
    """
    @notice Pay a liquidator's fee the engine has just booked as the account's loss
            (collected from its collateral or as its debt in the same settlement): up to
            `assets` to `receiver`, as far as cash above the claims allows (a liquidation
            never waits for cash; a shortfall only pays the liquidator less, and the LPs
            keep what was not paid).
    @param assets The 32-byte fee, quote units.
    @param receiver The 20-byte receiver (the liquidator's).
    @return The 32-byte amount paid, quote units.
    """
    self._check_engine()
    self._accrue()
    cash: uint256 = self._cash()
    claims: uint256 = self.total_claims
    paid: uint256 = 0
    if cash > claims:
        paid = min(assets, unsafe_sub(cash, claims))
    if paid != 0:
        # @dev `unsafe_sub` is safe: paid <= cash - claims <= cash.
        self._set_cash(unsafe_sub(cash, paid))
        self._send(receiver, paid)
    log IVault.FeePaid(receiver=receiver, assets=paid)
    return paid


@external
def take_repayment(assets: uint256, debt_shares: uint256):
    """
    @notice Book a repayment the engine has already transferred; burns `debt_shares`.
    @dev Reverts unless the token balance covers cash + assets, and unless `assets` is worth
         at least the burnt shares (assets * WAD >= debt_shares * debt_index).
    @param assets The 32-byte quote amount received.
    @param debt_shares The 32-byte debt shares repaid.
    """
    self._check_engine()
    assert debt_shares <= self.total_debt_shares, "vault: repayment exceeds debt"
    a: Accrual = self._accrue()
    assert assets * WAD >= debt_shares * a.index, "vault: repayment below debt"
    self._book_inflow(assets)
    # @dev `unsafe_sub` is safe: checked against total_debt_shares above.
    self.total_debt_shares = unsafe_sub(self.total_debt_shares, debt_shares)
    log IVault.Repay(assets=assets, debt_shares=debt_shares)


@external
def pay_pnl(account_id: uint256, assets: uint256) -> uint256:
    """
    @notice Pay realised trader profit to the engine: min(assets, cash - total_claims) now,
            the rest booked as the account's claim, at the back of the claims queue.
    @param account_id The 32-byte engine account id.
    @param assets The 32-byte profit owed, quote units.
    @return The 32-byte amount paid now, quote units.
    """
    self._check_engine()
    self._accrue()
    cash: uint256 = self._cash()
    claims: uint256 = self.total_claims
    available: uint256 = 0
    if cash > claims:
        available = unsafe_sub(cash, claims)
    paid: uint256 = min(assets, available)
    # @dev `unsafe_sub` is safe: paid <= assets.
    claimed: uint256 = unsafe_sub(assets, paid)
    if claimed != 0:
        self.claim_of[account_id] += claimed
        self.total_claims = claims + claimed
        # @dev Joins the back of the queue (the whole claim of the account, see `pay_claim`).
        booked: uint256 = self.claims_booked + claimed
        self.claims_booked = booked
        self.claim_end[account_id] = booked
    if paid != 0:
        # @dev `unsafe_sub` is safe: paid <= cash - claims <= cash.
        self._set_cash(unsafe_sub(cash, paid))
        self._send(msg.sender, paid)
    log IVault.PnlPaid(account_id=account_id, assets=paid, claimed=claimed)
    return paid


@external
def pay_claim(account_id: uint256) -> uint256:
    """
    @notice Pay as much of the account's claim as cash allows to the engine, first come
            first served by booking (FIFO): a claim is paid only from cash that every claim
            booked before it leaves over.
    @dev Claims are senior to free cash and only `pay_claim` spends cash below total_claims,
         so cash always funds the queue from its front: the unfunded part is its last
         max(0, total_claims - cash) units, and the queue is funded up to
         `funded` = claims_booked - that. The account's claim counts as one block ending at
         `claim_end`; the part past `funded` waits (rounding: none, whole units). Paying a
         later claim before an earlier one that has not collected takes only cash past the
         earlier one's end, so the earlier claim stays funded. O(1), no loop.
    @param account_id The 32-byte engine account id.
    @return The 32-byte amount paid, quote units (0 when nothing is owed or not yet funded).
    """
    self._check_engine()
    self._accrue()
    claim: uint256 = self.claim_of[account_id]
    if claim == 0:
        return 0
    cash: uint256 = self._cash()
    claims: uint256 = self.total_claims
    funded: uint256 = self.claims_booked
    if claims > cash:
        # @dev `unsafe_sub` is safe twice: claims > cash, and claims <= claims_booked.
        funded = unsafe_sub(funded, unsafe_sub(claims, cash))
    end: uint256 = self.claim_end[account_id]
    waiting: uint256 = 0
    if end > funded:
        waiting = min(claim, unsafe_sub(end, funded))
    # @dev paid <= min(claims, cash): the funded, unpaid part of the queue is held in cash.
    paid: uint256 = unsafe_sub(claim, waiting)
    if paid != 0:
        # @dev `unsafe_sub` is safe three times: paid <= claim <= total_claims, paid <= cash.
        self.claim_of[account_id] = waiting
        self.total_claims = unsafe_sub(claims, paid)
        self._set_cash(unsafe_sub(cash, paid))
        self._send(msg.sender, paid)
        log IVault.ClaimPaid(account_id=account_id, assets=paid)
    return paid


@external
def take_pnl(assets: uint256, fees: uint256):
    """
    @notice Book trader losses, funding and fees the engine has already transferred; the
            reserve takes reserve_factor of `fees` (rounded down).
    @param assets The 32-byte quote amount received.
    @param fees The 32-byte fees the settlement kept: the part of `assets` that is fees plus
           any fee netted against the trader's realised profit (so it may exceed `assets`).
    """
    self._check_engine()
    a: Accrual = self._accrue()
    self._book_inflow(assets)
    to_reserve: uint256 = fees * interest_model._params().reserve_factor // WAD
    if to_reserve != 0:
        self._set_reserve(a.reserve + to_reserve)
    log IVault.PnlReceived(assets=assets, fees=fees, to_reserve=to_reserve)


@external
def book_settlement_debt(assets: uint256, repaid_shares: uint256, fees: uint256) -> uint256:
    """
    @notice Book the debt side of a perp settlement, moving no cash: mint debt shares worth
            `assets` (a realised loss or fee the account's quote collateral could not cover:
            settlement debt), burn `repaid_shares` (debt repaid out of realised profit), and
            give the reserve floor(fees * reserve_factor) of `fees` (fees the vault kept
            without a cash inflow: netted against a payout or booked as debt).
    @dev totalAssets = cash + total_debt - reserve - claims - net_pnl does not jump: the
         realised loss (profit) leaves the engine's marks in the same transaction as the
         debt appears (disappears), so only the fees' LP share and the rounding (up on the
         minted debt, down on the shares repaid by the engine) reach the LPs. Like `lend`,
         restarts the interest clock when debt appears.
    @param assets The 32-byte quote amount booked as new debt.
    @param repaid_shares The 32-byte debt shares repaid out of realised profit.
    @param fees The 32-byte fees kept without a cash inflow, quote units.
    @return The 32-byte debt shares minted, ceil(assets * WAD / debt_index).
    """
    self._check_engine()
    a: Accrual = self._accrue()
    minted: uint256 = 0
    if assets != 0:
        minted = vault_math._mul_div_up(assets, WAD, a.index)
    shares: uint256 = self.total_debt_shares + minted
    assert repaid_shares <= shares, "vault: repayment exceeds debt"
    # @dev `unsafe_sub` is safe: checked above.
    self.total_debt_shares = unsafe_sub(shares, repaid_shares)
    to_reserve: uint256 = fees * interest_model._params().reserve_factor // WAD
    if to_reserve != 0:
        self._set_reserve(a.reserve + to_reserve)
    self._store_index(a.index)
    log IVault.SettlementDebtBooked(
        assets=assets,
        debt_shares_minted=minted,
        debt_shares_repaid=repaid_shares,
        fees=fees,
        to_reserve=to_reserve,
    )
    return minted


@external
def write_off(debt_shares: uint256) -> uint256:
    """
    @notice Burn `debt_shares` of unrecoverable debt. The reserve absorbs first; the rest
            lowers totalAssets (and the share price) by exactly that much, in this call.
    @param debt_shares The 32-byte debt shares to burn.
    @return The 32-byte debt written off: the fall of total_debt, quote units.
    """
    self._check_engine()
    total_shares: uint256 = self.total_debt_shares
    assert debt_shares <= total_shares, "vault: write-off exceeds debt"
    a: Accrual = self._accrue()
    # @dev `unsafe_sub` is safe: checked above.
    remaining: uint256 = unsafe_sub(total_shares, debt_shares)
    # @dev The fall of total_debt (both terms rounded up), so totalAssets falls by exactly
    # `assets - from_reserve`.
    assets: uint256 = a.debt - vault_math._mul_div_up(remaining, a.index, WAD)
    from_reserve: uint256 = min(assets, a.reserve)
    self.total_debt_shares = remaining
    if from_reserve != 0:
        self._set_reserve(unsafe_sub(a.reserve, from_reserve))
    log IVault.BadDebtWrittenOff(
        debt_shares=debt_shares,
        assets=assets,
        from_reserve=from_reserve,
        from_lps=unsafe_sub(assets, from_reserve),
    )
    return assets


# ---- external: reserve and donations ---------------------------------------------------
@external
def skim() -> uint256:
    """
    @notice Move the token balance the books do not know (donations, mistaken transfers)
            into cash and the reserve. totalAssets does not change, so donations cannot
            move the share price. Anyone may call.
    @return The 32-byte amount moved, quote units.
    """
    a: Accrual = self._accrue()
    cash: uint256 = self._cash()
    surplus: uint256 = staticcall IERC20(asset).balanceOf(self) - cash
    if surplus != 0:
        self._set_cash(cash + surplus)
        self._set_reserve(a.reserve + surplus)
        log IVault.Skimmed(assets=surplus)
    return surplus


@external
def withdraw_reserve(assets: uint256, receiver: address):
    """
    @notice Owner: take `assets` out of the reserve (and cash) to `receiver`; totalAssets
            does not change. Draws only on the exit room, like LP exits: the reserve is the
            first-loss cover of the open interest, so it leaves only while totalAssets
            minus the assets the open interest needs is at least `assets`.
    @param assets The 32-byte quote amount.
    @param receiver The 20-byte receiver.
    """
    self._check_owner()
    assert assets != 0, "vault: zero assets"
    b: Books = self._open_exit(receiver)
    reserve: uint256 = self._stored_reserve()
    assert assets <= reserve, "vault: exceeds reserve"
    self._check_room(b, assets)
    # @dev `unsafe_sub` is safe twice: assets <= reserve and assets <= free cash <= cash.
    self._set_reserve(unsafe_sub(reserve, assets))
    self._set_cash(unsafe_sub(self._cash(), assets))
    self._send(receiver, assets)
    log IVault.ReserveWithdrawn(receiver=receiver, assets=assets)


# ---- external: configuration ----------------------------------------------------------
@external
def set_engine(engine: address):
    """
    @notice Owner, once: register the MarginEngine. It cannot be replaced: the engine holds
            the per-account debt shares and claims, so a new engine would orphan them.
    @param engine The 20-byte MarginEngine (a contract).
    """
    self._check_owner()
    assert self.engine == empty(address), "vault: engine already set"
    assert engine != empty(address), "vault: zero engine"
    assert engine.is_contract, "vault: engine has no code"
    self.engine = engine
    log IVault.EngineSet(engine=engine)


@external
def set_interest_model(base_rate: uint256, slope1: uint256, slope2: uint256, kink: uint256):
    """
    @notice Owner: change the rate curve; interest up to now accrues at the old curve first.
    @param base_rate The 32-byte rate at zero utilisation, WAD per second.
    @param slope1 The 32-byte rate added up to the kink, WAD per second.
    @param slope2 The 32-byte rate added from the kink to 100%, WAD per second.
    @param kink The 32-byte kink utilisation, WAD ratio (0 < kink < 1).
    """
    self._check_owner()
    self._accrue()
    interest_model._set_curve(base_rate, slope1, slope2, kink)


@external
def set_reserve_factor(reserve_factor: uint256):
    """
    @notice Owner: change the reserve's share of interest and fees; interest up to now
            accrues at the old factor first.
    @param reserve_factor The 32-byte reserve factor, WAD ratio (<= 1).
    """
    self._check_owner()
    self._accrue()
    interest_model._set_reserve_factor(reserve_factor)


@external
def set_guardian(guardian: address):
    """
    @notice Owner: appoint the guardian (empty = none).
    @param guardian The 20-byte guardian.
    """
    self._check_owner()
    log IVault.GuardianSet(old_guardian=self.guardian, new_guardian=guardian)
    self.guardian = guardian


@external
def pause_deposits():
    """
    @notice Guardian or owner: pause deposits and mints. Withdrawals stay open.
    """
    assert msg.sender == self.guardian or msg.sender == self.owner, "vault: caller is not the guardian"
    assert not self.deposits_paused, "vault: deposits already paused"
    self.deposits_paused = True
    log IVault.DepositsPaused(account=msg.sender)


@external
def unpause_deposits():
    """
    @notice Owner: resume deposits and mints.
    """
    self._check_owner()
    assert self.deposits_paused, "vault: deposits not paused"
    self.deposits_paused = False
    log IVault.DepositsUnpaused(account=msg.sender)


@external
def transfer_ownership(new_owner: address):
    """
    @notice Owner: start a two-step ownership transfer (empty cancels a pending one).
    @param new_owner The 20-byte account that must call `accept_ownership`.
    """
    self._check_owner()
    self.pending_owner = new_owner
    log IVault.OwnershipTransferStarted(previous_owner=self.owner, new_owner=new_owner)


@external
def accept_ownership():
    """
    @notice Pending owner: finish the two-step ownership transfer.
    """
    assert msg.sender == self.pending_owner, "vault: caller is not the pending owner"
    log IVault.OwnershipTransferred(previous_owner=self.owner, new_owner=msg.sender)
    self.owner = msg.sender
    self.pending_owner = empty(address)


# ---- internal: accrual ----------------------------------------------------------------
@internal
@view
def _accrued() -> Accrual:
    """
    @notice Index, total debt and reserve as of now, without writing storage.
    @dev Linear growth over the whole interval at the rate of its start (rounded up); the
         reserve takes floor(interest * reserve_factor). Storage only moves while debt
         exists, so with no debt this costs one storage read. Saturating, so no accrual
         ever reverts (a revert here would freeze every LP exit and setter): interest
         stops once total debt reaches 2**128 - 1 quote units (more than any token's
         supply), the index stops at 2**192 - 1 and the reserve at 2**128 - 1; a cut
         past that cap stays with the LPs.
    @return The accrual (see `Accrual`).
    """
    packed: uint256 = self._index_and_time
    index: uint256 = packed & INDEX_MASK
    reserve: uint256 = self._stored_reserve()
    shares: uint256 = self.total_debt_shares
    if shares == 0:
        return Accrual(index=index, debt=0, reserve=reserve, interest=0, to_reserve=0, moved=False)
    debt: uint256 = vault_math._mul_div_up(shares, index, WAD)
    dt: uint256 = block.timestamp - (packed >> TIME_SHIFT)
    if dt == 0:
        return Accrual(index=index, debt=debt, reserve=reserve, interest=0, to_reserve=0, moved=False)
    p: interest_model.Params = interest_model._params()
    new_index: uint256 = index
    if debt < AMOUNT_MASK:
        rate: uint256 = interest_model._borrow_rate(p, interest_model._utilization(self._cash(), debt))
        new_index = min(interest_model._grow_index(index, rate, dt), INDEX_MASK)
    new_debt: uint256 = vault_math._mul_div_up(shares, new_index, WAD)
    # @dev The index only grows, so new_debt >= debt.
    interest: uint256 = new_debt - debt
    new_reserve: uint256 = min(reserve + interest * p.reserve_factor // WAD, AMOUNT_MASK)
    return Accrual(
        index=new_index,
        debt=new_debt,
        reserve=new_reserve,
        interest=interest,
        # @dev `unsafe_sub` is safe: the stored reserve is at most AMOUNT_MASK.
        to_reserve=unsafe_sub(new_reserve, reserve),
        moved=True,
    )


@internal
def _accrue() -> Accrual:
    """
    @notice Write the accrual to storage (when it moved) and log `InterestAccrued`.
    @return The accrual as of now.
    """
    a: Accrual = self._accrued()
    if a.moved:
        self._store_index(a.index)
        self._set_reserve(a.reserve)
        log IVault.InterestAccrued(debt_index=a.index, interest=a.interest, to_reserve=a.to_reserve)
    return a


@internal
def _store_index(index: uint256):
    """
    @notice Store the debt index with the current time as the last accrual.
    @param index The 32-byte debt index, WAD (<= INDEX_MASK: `_accrued` saturates it).
    """
    self._index_and_time = index | (block.timestamp << TIME_SHIFT)


@internal
@view
def _cash() -> uint256:
    """
    @notice Cash by the vault's books.
    @return The 32-byte cash, quote units.
    """
    return self._cash_and_reserve & AMOUNT_MASK


@internal
@view
def _stored_reserve() -> uint256:
    """
    @notice The reserve as of the last accrual (`_accrued` adds the pending cut).
    @return The 32-byte reserve, quote units.
    """
    return self._cash_and_reserve >> RESERVE_SHIFT


@internal
def _set_cash(cash: uint256):
    """
    @notice Store cash, keeping the reserve.
    @param cash The 32-byte cash, quote units (< 2**128).
    """
    assert cash <= AMOUNT_MASK, "vault: cash overflow"
    self._cash_and_reserve = (self._cash_and_reserve & ~AMOUNT_MASK) | cash


@internal
def _set_reserve(reserve: uint256):
    """
    @notice Store the reserve, keeping cash; saturates at 2**128 - 1 (the excess stays
            with the LPs) rather than revert.
    @param reserve The 32-byte reserve, quote units.
    """
    self._cash_and_reserve = (self._cash_and_reserve & AMOUNT_MASK) | (
        min(reserve, AMOUNT_MASK) << RESERVE_SHIFT
    )


# ---- internal: books and marks --------------------------------------------------------
@internal
@view
def _marks() -> (int256, uint256, uint256, bool, uint256):
    """
    @notice The engine's (net_pnl, reserved, band, ok, needed); (0, 0, 0, True, 0) without
            an engine.
    @dev A static raw call: a revert, short return data or a figure above MAX_MARK (other
         than needed = UNUSABLE) count as (0, 0, 0, False, UNUSABLE), so no view of the
         vault reverts because of the engine. The bool is read as "== 1" instead of
         ABI-decoded for the same reason.
    @return The signed net PnL, the reserved profit and the band (quote units), ok, and
            the assets the open interest needs (quote units; UNUSABLE: exits halt).
    """
    engine: address = self.engine
    if engine == empty(address):
        return 0, 0, 0, True, 0
    success: bool = False
    response: Bytes[MARKS_SIZE] = b""
    success, response = raw_call(
        engine,
        method_id("vault_marks()"),
        max_outsize=MARKS_SIZE,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not success or len(response) < MARKS_SIZE:
        return 0, 0, 0, False, UNUSABLE
    net_pnl: int256 = convert(extract32(response, 0), int256)
    reserved: uint256 = extract32(response, 32, output_type=uint256)
    band: uint256 = extract32(response, 64, output_type=uint256)
    ok: bool = extract32(response, 96, output_type=uint256) == 1
    needed: uint256 = extract32(response, 128, output_type=uint256)
    if (
        net_pnl > convert(MAX_MARK, int256)
        or net_pnl < -convert(MAX_MARK, int256)
        or reserved > MAX_MARK
        or band > MAX_MARK
        or (needed > MAX_MARK and needed != UNUSABLE)
    ):
        return 0, 0, 0, False, UNUSABLE
    return net_pnl, reserved, band, ok, needed


@internal
@view
def _equity(debt: uint256, reserve: uint256, net_pnl: int256) -> int256:
    """
    @notice cash + debt - reserve - total_claims - net_pnl, signed (negative = deficit).
    @dev cash and reserve are < 2**128, |net_pnl| <= MAX_MARK, debt and claims are bounded
         by token supplies: every term fits an int256.
    @param debt The 32-byte total debt as of now, quote units.
    @param reserve The 32-byte reserve as of now, quote units.
    @param net_pnl The 32-byte signed unrealised trader PnL (|net_pnl| <= MAX_MARK).
    @return The 32-byte signed equity, quote units.
    """
    return (
        convert(self._cash() + debt, int256)
        - convert(reserve + self.total_claims, int256)
        - net_pnl
    )


@internal
@view
def _books(debt: uint256, reserve: uint256) -> Books:
    """
    @notice totalAssets, equity, band, free cash, exit room and the marks' flags from the
            given debt and reserve and the engine's marks.
    @param debt The 32-byte total debt as of now, quote units.
    @param reserve The 32-byte reserve as of now, quote units.
    @return The books (see `Books`).
    """
    net_pnl: int256 = 0
    reserved: uint256 = 0
    band: uint256 = 0
    ok: bool = False
    needed: uint256 = 0
    net_pnl, reserved, band, ok, needed = self._marks()
    equity: int256 = self._equity(debt, reserve, net_pnl)
    total_assets: uint256 = convert(max(equity, 0), uint256)
    usable: bool = needed != UNUSABLE
    free: uint256 = 0
    room: uint256 = 0
    if usable:
        committed: uint256 = self.total_claims + reserved
        cash: uint256 = self._cash()
        if cash > committed:
            free = unsafe_sub(cash, committed)
        if total_assets > needed:
            room = min(free, unsafe_sub(total_assets, needed))
    return Books(
        total_assets=total_assets,
        equity=equity,
        band=band,
        free_cash=free,
        exit_room=room,
        ok=ok,
        usable=usable,
    )


@internal
@view
def _books_now() -> Books:
    """
    @notice The books as of now, for views (no storage writes).
    @return The books (see `Books`).
    """
    a: Accrual = self._accrued()
    return self._books(a.debt, a.reserve)


@internal
@view
def _deposits_open() -> bool:
    """
    @notice True unless deposits are paused, the engine's marks are not OK, or the vault
            has no equity (`_solvent`).
    @return Whether deposits and mints are accepted now.
    """
    if self.deposits_paused:
        return False
    b: Books = self._books_now()
    return b.ok and self._solvent(b)


@internal
@view
def _solvent(b: Books) -> bool:
    """
    @notice False while equity < 0, or equity == 0 with shares outstanding: a deposit then
            would be worth less than it paid at once (it would cover the deficit).
    @param b The books as of now.
    @return Whether the vault may take deposits.
    """
    return b.equity > 0 or (b.equity == 0 and share_token.totalSupply == 0)


# ---- internal: share pricing ----------------------------------------------------------
@internal
@pure
def _entry_assets(b: Books) -> uint256:
    """
    @notice The assets side of the entry price: totalAssets + band + 1 virtual asset.
    @param b The books as of now.
    @return The 32-byte priced assets, quote units.
    """
    return b.total_assets + b.band + VIRTUAL_ASSETS


@internal
@pure
def _exit_assets(b: Books) -> uint256:
    """
    @notice The assets side of the exit price: max(0, totalAssets - band) + 1 virtual asset.
    @param b The books as of now.
    @return The 32-byte priced assets, quote units.
    """
    if b.total_assets <= b.band:
        return VIRTUAL_ASSETS
    return unsafe_sub(b.total_assets, b.band) + VIRTUAL_ASSETS


@internal
@view
def _to_shares(assets: uint256, priced_assets: uint256, round_up: bool) -> uint256:
    """
    @notice assets * (totalSupply + virtual shares) / priced_assets.
    @param assets The 32-byte quote amount.
    @param priced_assets The 32-byte assets side of the price, virtual asset included.
    @param round_up True to round up (what the user gives), False to round down.
    @return The 32-byte share amount.
    """
    supply: uint256 = share_token.totalSupply + VIRTUAL_SHARES
    if round_up:
        return vault_math._mul_div_up(assets, supply, priced_assets)
    return vault_math._mul_div_down(assets, supply, priced_assets)


@internal
@view
def _to_assets(shares: uint256, priced_assets: uint256, round_up: bool) -> uint256:
    """
    @notice shares * priced_assets / (totalSupply + virtual shares).
    @param shares The 32-byte share amount.
    @param priced_assets The 32-byte assets side of the price, virtual asset included.
    @param round_up True to round up (what the user gives), False to round down.
    @return The 32-byte quote amount.
    """
    supply: uint256 = share_token.totalSupply + VIRTUAL_SHARES
    if round_up:
        return vault_math._mul_div_up(shares, priced_assets, supply)
    return vault_math._mul_div_down(shares, priced_assets, supply)


# ---- internal: LP flows ---------------------------------------------------------------
@internal
def _open_deposit(receiver: address) -> Books:
    """
    @notice Checks shared by deposit and mint, then accrue and read the books.
    @param receiver The 20-byte share receiver.
    @return The books as of now.
    """
    assert receiver != empty(address), "vault: zero receiver"
    assert not self.deposits_paused, "vault: deposits paused"
    a: Accrual = self._accrue()
    b: Books = self._books(a.debt, a.reserve)
    assert b.ok, "vault: marks unavailable"
    assert self._solvent(b), "vault: equity <= 0"
    return b


@internal
def _open_exit(receiver: address) -> Books:
    """
    @notice Checks shared by withdraw, redeem and withdraw_reserve, then accrue and read
            the books.
    @param receiver The 20-byte asset receiver.
    @return The books as of now.
    """
    assert receiver != empty(address), "vault: zero receiver"
    a: Accrual = self._accrue()
    b: Books = self._books(a.debt, a.reserve)
    assert b.usable, "vault: marks unavailable"
    return b


@internal
@pure
def _check_room(b: Books, assets: uint256):
    """
    @notice Revert unless an exit of `assets` fits the exit room: free cash first, then
            the assets the open interest needs (totalAssets - assets >= needed).
    @param b The books as of now.
    @param assets The 32-byte quote amount leaving.
    """
    assert assets <= b.free_cash, "vault: exceeds free cash"
    assert assets <= b.exit_room, "vault: open interest needs assets"


@internal
def _enter(assets: uint256, shares: uint256, receiver: address):
    """
    @notice Book a deposit: mint, add to cash, pull the tokens, log `Deposit`.
    @param assets The 32-byte quote amount pulled from the caller.
    @param shares The 32-byte shares minted to `receiver`.
    @param receiver The 20-byte share receiver.
    """
    share_token._mint(receiver, shares)
    self._set_cash(self._cash() + assets)
    fresh: uint256 = self._fresh_deposits
    if fresh >> FRESH_SHIFT != block.number:
        fresh = block.number << FRESH_SHIFT
    # @dev Fits: cash < 2**128, so this block's deposits are too.
    self._fresh_deposits = fresh + assets
    self._pull(msg.sender, assets)
    log IERC4626.Deposit(sender=msg.sender, owner=receiver, assets=assets, shares=shares)


@internal
def _leave(assets: uint256, shares: uint256, receiver: address, owner: address):
    """
    @notice Book an exit: spend the allowance, burn, take from cash, send, log `Withdraw`.
    @param assets The 32-byte quote amount sent to `receiver` (<= free cash <= cash).
    @param shares The 32-byte shares burnt from `owner`.
    @param receiver The 20-byte asset receiver.
    @param owner The 20-byte share holder.
    """
    if msg.sender != owner:
        share_token._spend_allowance(owner, msg.sender, shares)
    share_token._burn(owner, shares)
    # @dev `unsafe_sub` is safe: the callers check assets <= free cash <= cash.
    self._set_cash(unsafe_sub(self._cash(), assets))
    self._send(receiver, assets)
    log IERC4626.Withdraw(
        sender=msg.sender, receiver=receiver, owner=owner, assets=assets, shares=shares
    )


# ---- internal: tokens and roles -------------------------------------------------------
@internal
def _pull(sender: address, assets: uint256):
    """
    @notice Pull `assets` from `sender` and check the balance grew by exactly that.
    @dev Fee-on-transfer (and rebasing-down) tokens are rejected rather than accounted for.
    @param sender The 20-byte payer (it approved the vault).
    @param assets The 32-byte quote amount.
    """
    before: uint256 = staticcall IERC20(asset).balanceOf(self)
    assert extcall IERC20(asset).transferFrom(sender, self, assets, default_return_value=True), "vault: transfer failed"
    assert staticcall IERC20(asset).balanceOf(self) == before + assets, "vault: fee-on-transfer token"


@internal
def _send(receiver: address, assets: uint256):
    """
    @notice Send `assets` of the quote asset to `receiver` and check the balance fell by
            exactly that.
    @dev A token that charges the sender on top of the amount is rejected like any
         fee-on-transfer token: otherwise the fee would come out of other LPs' cash and
         leave cash above the token balance.
    @param receiver The 20-byte receiver.
    @param assets The 32-byte quote amount.
    """
    before: uint256 = staticcall IERC20(asset).balanceOf(self)
    assert extcall IERC20(asset).transfer(receiver, assets, default_return_value=True), "vault: transfer failed"
    assert before - staticcall IERC20(asset).balanceOf(self) == assets, "vault: fee-on-transfer token"


@internal
def _book_inflow(assets: uint256):
    """
    @notice Add `assets` the engine already transferred to cash, after checking the token
            balance covers the new cash.
    @param assets The 32-byte quote amount.
    """
    cash: uint256 = self._cash() + assets
    assert staticcall IERC20(asset).balanceOf(self) >= cash, "vault: assets not received"
    self._set_cash(cash)


@internal
@view
def _check_engine():
    """
    @notice Revert unless the caller is the registered engine.
    """
    assert msg.sender == self.engine, "vault: caller is not the engine"


@internal
@view
def _check_owner():
    """
    @notice Revert unless the caller is the owner.
    """
    assert msg.sender == self.owner, "vault: caller is not the owner"
