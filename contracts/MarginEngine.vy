# pragma version ~=0.4.3
# pragma optimize codesize
# pragma nonreentrancy on
"""
@title MarginEngine
@custom:contract-name MarginEngine
@license MIT
@notice Accounts, collateral, quote borrowing and health of Bulkhead. Traders open
        isolated buckets (one non-quote collateral token: a loss takes only that bucket)
        or cross accounts (up to MAX_COLLATERALS tokens backing one debt), deposit
        collateral, and borrow the vault's quote asset against it. The same health module
        values both modes; isolation comes from separate accounts.
@dev Thin deployable over the modules in `contracts/modules/`:
       - `accounts` (owners, modes, operators, debt shares, position slots, active set),
       - `collateral` (listing, balances, totals), both initialized by
       - `health` (the one health computation), and
       - `roles` (owner, guardian, pause), `transfers` (hostile-token-safe moves).
     Policy per action (docs/engine.md): risk-adding actions (borrow; withdraw or transfer
     collateral out of an account with debt or positions) are pausable, need every price
     OK (so they stop while the sequencer is down or in its grace period) and must leave
     equity_init >= init_req, checked after the action. repay, deposits and withdrawals
     from accounts with no debt and no positions read no price and are never paused.
     Cross-contract: the engine passes the vault every figure it needs (`reserved`), and
     never lets the vault call back while it holds its lock.
"""

from ethereum.ercs import IERC20Detailed
from ethereum.ercs import IERC4626
from interfaces import IMarginEngine
from interfaces import IMarginEngineMarks
from interfaces import IOracleAdapter
from interfaces import IVault

implements: IMarginEngine
implements: IMarginEngineMarks

from .modules import constants as c

from .modules import roles
# @dev Owner (two-step), guardian and the pause switch; exported below.
initializes: roles

from .modules import health
# @dev The health computation; it initializes the account and collateral ledgers it reads.
initializes: health

from .modules import accounts
# @dev Initialized by `health`; the engine writes it (open, operators, debt shares).
uses: accounts

from .modules import collateral
# @dev Initialized by `health`; the engine writes it (listing, balances).
uses: collateral

from .modules import transfers
# @dev Stateless (token moves); no initialization.
from .modules import checks
# @dev Stateless (shared checks and the one revert site); no initialization.

exports: (
    roles.owner,
    roles.pending_owner,
    roles.guardian,
    roles.paused,
    roles.transfer_ownership,
    roles.accept_ownership,
    roles.set_guardian,
    roles.set_paused,
)


# ---- constants ------------------------------------------------------------------------
# @dev Public so tests, scripts and bots read them from the contract (values in constants.vy).
MODE_ISOLATED: public(constant(uint256)) = c.MODE_ISOLATED
MODE_CROSS: public(constant(uint256)) = c.MODE_CROSS
MAX_COLLATERALS: public(constant(uint256)) = c.MAX_COLLATERALS
MAX_POSITIONS: public(constant(uint256)) = c.MAX_POSITIONS


# ---- immutables -----------------------------------------------------------------------
# @dev The ERC-4626 vault that lends the quote asset and books debt shares.
VAULT: immutable(IVault)
# @dev The oracle adapter pricing every collateral's oracle asset (WAD USD).
ORACLE: immutable(IOracleAdapter)
# @dev 10**quote decimals, the bound unit of `min_debt`.
QUOTE_UNIT: immutable(uint256)


# ---- storage --------------------------------------------------------------------------
# @dev Smallest debt an account may keep after a borrow or a partial repay (quote units).
min_debt: public(uint256)


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(
    vault: IVault,
    oracle: IOracleAdapter,
    quote_oracle_asset: address,
    quote_collateral_factor: uint256,
    quote_liquidation_threshold: uint256,
    quote_liquidation_bonus: uint256,
    quote_supply_cap: uint256,
):
    """
    @notice Wire the engine to its vault and oracle and list the quote asset as collateral
            (DESIGN: the quote is always a listed collateral with factors below 1).
    @dev The deployer becomes the owner; the vault must then name this engine
         (`vault.set_engine`). The minimum debt starts at 10 whole quote units.
    @param vault The 20-byte ERC-4626 vault address; its `asset()` is the quote token.
    @param oracle The 20-byte OracleAdapter address; it must price `quote_oracle_asset`.
    @param quote_oracle_asset The asset the adapter prices the quote by (usually the token).
    @param quote_collateral_factor Quote CF, WAD (DESIGN default 0.95).
    @param quote_liquidation_threshold Quote LT, WAD (DESIGN default 0.97).
    @param quote_liquidation_bonus Quote liquidation bonus, WAD (DESIGN default 0.02).
    @param quote_supply_cap Most quote all accounts may hold as collateral (quote units).
    """
    quote: address = staticcall IERC4626(vault.address).asset()
    VAULT = vault
    ORACLE = oracle
    roles.__init__()
    health.__init__(quote)
    self._list_collateral(quote, quote_oracle_asset)
    collateral._configure(
        quote, quote_collateral_factor, quote_liquidation_threshold, quote_liquidation_bonus, quote_supply_cap, True
    )
    unit: uint256 = 10 ** collateral._configs[quote].decimals
    QUOTE_UNIT = unit
    self.min_debt = c.DEFAULT_MIN_DEBT_UNITS * unit
    log IMarginEngine.MinDebtSet(min_debt=c.DEFAULT_MIN_DEBT_UNITS * unit)


# ---- external: accounts ---------------------------------------------------------------
@external
def open_account(mode: uint256) -> uint256:
    """
    @notice Open an account owned by the caller.
    @param mode 1 = isolated bucket, 2 = cross account.
    @return The new 32-byte account id (ids start at 1 and are never reused).
    """
    return accounts._open(msg.sender, mode)


@external
def set_operator(operator: address, approved: bool):
    """
    @notice Let `operator` act for every account of the caller, or revoke it. An operator
            may deposit new tokens, withdraw, transfer and borrow (to any receiver).
    @param operator The 20-byte operator address (not empty).
    @param approved True to approve, False to revoke.
    """
    accounts._set_operator(msg.sender, operator, approved)


# ---- external: collateral -------------------------------------------------------------
@external
def deposit_collateral(account_id: uint256, token: address, amount: uint256):
    """
    @notice Add `amount` of `token` from the caller to an account's collateral.
    @dev Anyone may top up a token the account holds; only its owner or an operator may add
         a token it does not hold (nobody can fill a stranger's slots with dust). The account
         is credited with what the engine received (fee-on-transfer safe). Never paused,
         reads no price: adding collateral only reduces risk.
    @param account_id The 32-byte account id.
    @param token The 20-byte listed, enabled token address (approve the engine first).
    @param amount The token amount to send, token units, > 0.
    """
    accounts._check_exists(account_id)
    checks._check_amount(amount)
    collateral._check_depositable(token)
    if collateral._balances[account_id][token] == 0:
        accounts._check_controller(account_id)
        collateral._check_slot(account_id, token, accounts._mode[account_id])
    received: uint256 = transfers._pull(token, msg.sender, amount)
    balance: uint256 = collateral._credit(account_id, token, received)
    collateral._add_total(token, received)
    log IMarginEngine.CollateralDeposited(
        account_id=account_id, token=token, payer=msg.sender, amount=received, balance=balance
    )


@external
def withdraw_collateral(account_id: uint256, token: address, amount: uint256, receiver: address):
    """
    @notice Send `amount` of an account's `token` collateral to `receiver`.
    @dev From an account with debt or positions this is risk-adding: not while paused,
         every price OK, equity_init >= init_req after. From any other account it reads no
         price and always works (also while paused or with the sequencer down).
    @param account_id The 32-byte account id (caller: owner or operator).
    @param token The 20-byte token address.
    @param amount The token amount, > 0 and at most the balance.
    @param receiver The 20-byte receiver address.
    """
    accounts._check_controller(account_id)
    checks._check_amount(amount)
    checks._check_address(receiver)
    active: bool = accounts._is_active(account_id)
    if active:
        roles._check_not_paused()
    balance: uint256 = collateral._debit(account_id, token, amount)
    collateral._sub_total(token, amount)
    if active:
        health._check_initial(account_id, ORACLE, staticcall VAULT.debt_index())
    transfers._push(token, receiver, amount)
    log IMarginEngine.CollateralWithdrawn(
        account_id=account_id, token=token, receiver=receiver, amount=amount, balance=balance
    )


@external
def transfer_collateral(from_id: uint256, to_id: uint256, token: address, amount: uint256):
    """
    @notice Move collateral between two accounts of the same owner (e.g. cross -> bucket).
    @dev The destination takes a slot if it does not hold `token` (bucket: one non-quote
         token; cross: MAX_COLLATERALS). Out of a source with debt or positions this is
         risk-adding (as a withdrawal); the destination only gains.
    @param from_id The 32-byte source account id (caller: owner or operator).
    @param to_id The 32-byte destination account id (same owner).
    @param token The 20-byte token address.
    @param amount The token amount, > 0 and at most the source balance.
    """
    owner: address = accounts._check_controller(from_id)
    checks._require(accounts._check_exists(to_id) == owner, "engine: different owners")
    checks._require(from_id != to_id, "engine: same account")
    checks._check_amount(amount)
    active: bool = accounts._is_active(from_id)
    if active:
        roles._check_not_paused()
    from_balance: uint256 = collateral._debit(from_id, token, amount)
    collateral._check_slot(to_id, token, accounts._mode[to_id])
    to_balance: uint256 = collateral._credit(to_id, token, amount)
    if active:
        health._check_initial(from_id, ORACLE, staticcall VAULT.debt_index())
    log IMarginEngine.CollateralTransferred(
        from_id=from_id, to_id=to_id, token=token, amount=amount, from_balance=from_balance, to_balance=to_balance
    )


# ---- external: debt -------------------------------------------------------------------
@external
def borrow(account_id: uint256, amount: uint256, receiver: address):
    """
    @notice Borrow `amount` of quote from the vault against the account, sent to `receiver`.
    @dev Risk-adding: not while paused; accrues interest; the vault lends only from free cash
         (it reverts otherwise); then the debt must be at least `min_debt`, every price OK and
         equity_init >= init_req, all checked after the action.
    @param account_id The 32-byte account id (caller: owner or operator).
    @param amount The quote amount, > 0.
    @param receiver The 20-byte receiver of the quote.
    """
    accounts._check_controller(account_id)
    checks._check_amount(amount)
    checks._check_address(receiver)
    roles._check_not_paused()
    index: uint256 = extcall VAULT.accrue()
    net_pnl: int256 = 0
    reserved: uint256 = 0
    band: uint256 = 0
    marks_ok: bool = False
    net_pnl, reserved, band, marks_ok = self._marks()
    minted: uint256 = extcall VAULT.lend(amount, receiver, reserved)
    shares: uint256 = accounts.debt_shares[account_id] + minted
    accounts.debt_shares[account_id] = shares
    accounts._sync_active(account_id)
    self._check_min_debt(shares, index)
    health._check_initial(account_id, ORACLE, index)
    log IMarginEngine.Borrowed(
        account_id=account_id, receiver=receiver, amount=amount, debt_shares_minted=minted, debt_shares=shares
    )


@external
def repay(account_id: uint256, amount: uint256) -> uint256:
    """
    @notice Repay an account's debt with the caller's quote (anyone may repay any account).
    @dev `amount` is a cap: at or above the debt (max_value(uint256) = all) the whole debt
         is repaid and every share burnt; below it, floor(amount × WAD / index) shares are
         burnt (the vault's favour) and the rest must stay at least `min_debt`. The quote
         goes from the caller straight to the vault. Never paused, reads no price.
    @param account_id The 32-byte account id.
    @param amount The most quote to pay, > 0.
    @return The quote actually paid (quote units).
    """
    accounts._check_exists(account_id)
    checks._check_amount(amount)
    shares: uint256 = accounts.debt_shares[account_id]
    checks._require(shares != 0, "engine: no debt")
    index: uint256 = extcall VAULT.accrue()
    paid: uint256 = health._ceil_div(shares * index, c.WAD)
    burnt: uint256 = shares
    if amount < paid:
        paid = amount
        burnt = amount * c.WAD // index  # rounds down: the vault's favour
        checks._require(burnt != 0, "engine: repay too small")
        # amount < debt, so burnt < shares (see docs/engine.md): debt remains.
        self._check_min_debt(shares - burnt, index)
    remaining: uint256 = shares - burnt
    accounts.debt_shares[account_id] = remaining
    accounts._sync_active(account_id)
    transfers._pay_from(collateral.QUOTE, msg.sender, VAULT.address, paid)
    extcall VAULT.take_repayment(paid, burnt)
    log IMarginEngine.Repaid(
        account_id=account_id, payer=msg.sender, amount=paid, debt_shares_burnt=burnt, debt_shares=remaining
    )
    return paid


# ---- external: configuration (owner) --------------------------------------------------
@external
def list_collateral(
    token: address,
    oracle_asset: address,
    collateral_factor: uint256,
    liquidation_threshold: uint256,
    liquidation_bonus: uint256,
    supply_cap: uint256,
):
    """
    @notice List `token` as collateral (enabled) with its risk parameters.
    @dev Decimals are read from the token (at most 18); the adapter must currently price
         `oracle_asset` (any status with a price > 0). Bounds: CF < LT < 1 and
         (1 + bonus) × LT <= 1.
    @param token The 20-byte ERC-20 token address.
    @param oracle_asset The 20-byte asset the OracleAdapter prices the token by.
    @param collateral_factor CF, WAD ratio.
    @param liquidation_threshold LT, WAD ratio.
    @param liquidation_bonus Liquidation bonus, WAD ratio.
    @param supply_cap Most of the token all accounts may hold together (token units).
    """
    roles._check_owner()
    self._list_collateral(token, oracle_asset)
    collateral._configure(token, collateral_factor, liquidation_threshold, liquidation_bonus, supply_cap, True)


@external
def configure_collateral(
    token: address,
    collateral_factor: uint256,
    liquidation_threshold: uint256,
    liquidation_bonus: uint256,
    supply_cap: uint256,
    enabled: bool,
):
    """
    @notice Change a listed token's risk parameters, supply cap, or enable/disable deposits.
    @dev Same bounds as `list_collateral`. A disabled token takes no new deposits; balances
         keep counting in health and may be withdrawn or moved between accounts. A cap
         below the current total only blocks new deposits.
    @param token The 20-byte listed token address.
    @param collateral_factor CF, WAD ratio.
    @param liquidation_threshold LT, WAD ratio.
    @param liquidation_bonus Liquidation bonus, WAD ratio.
    @param supply_cap Token units.
    @param enabled False to stop new deposits.
    """
    roles._check_owner()
    collateral._configure(token, collateral_factor, liquidation_threshold, liquidation_bonus, supply_cap, enabled)


@external
def set_min_debt(min_debt: uint256):
    """
    @notice Set the smallest debt an account may keep after a borrow or partial repay.
    @param min_debt Quote units, from 1 to 1,000,000 whole quote units.
    """
    roles._check_owner()
    checks._require(min_debt != 0 and min_debt <= c.MAX_MIN_DEBT_UNITS * QUOTE_UNIT, "engine: min debt out of range")
    self.min_debt = min_debt
    log IMarginEngine.MinDebtSet(min_debt=min_debt)


# ---- external: views ------------------------------------------------------------------
@view
@external
def owner_of(account_id: uint256) -> address:
    """
    @notice The owner of an account.
    @param account_id The 32-byte account id.
    @return The 20-byte owner; empty for an id never opened.
    """
    return accounts._owner[account_id]


@view
@external
def mode_of(account_id: uint256) -> uint256:
    """
    @notice The mode of an account.
    @param account_id The 32-byte account id.
    @return 1 (isolated bucket) or 2 (cross); 0 for an id never opened.
    """
    return accounts._mode[account_id]


@view
@external
def is_operator(owner: address, operator: address) -> bool:
    """
    @notice Whether `operator` may act for every account of `owner`.
    @param owner The 20-byte account owner.
    @param operator The 20-byte operator.
    @return True if approved.
    """
    return accounts._operators[owner][operator]


@view
@external
def account_count() -> uint256:
    """
    @notice Accounts ever opened.
    @return The 32-byte count (= the highest id).
    """
    return accounts._count


@view
@external
def account_count_of(owner: address) -> uint256:
    """
    @notice Accounts `owner` has opened.
    @param owner The 20-byte owner.
    @return The 32-byte count.
    """
    return accounts._owner_account_count[owner]


@view
@external
def accounts_of(owner: address, start: uint256, count: uint256) -> DynArray[uint256, c.MAX_PAGE]:
    """
    @notice The ids `owner` opened, in order, from index `start`. Never reverts.
    @param owner The 20-byte owner.
    @param start The 32-byte index of the first id (0 = the owner's first account).
    @param count The 32-byte number of ids wanted (at most 100 are returned).
    @return Up to min(count, 100) ids; empty past the end.
    """
    return accounts._accounts_of(owner, start, count)


@view
@external
def active_count() -> uint256:
    """
    @notice Number of active accounts (debt or an open position).
    @return The 32-byte size of the active set.
    """
    return accounts._active_count


@view
@external
def active_at(index: uint256) -> uint256:
    """
    @notice The active account id at `index`; the order changes as accounts leave the
            set (swap-and-pop).
    @param index The 32-byte position, below `active_count()`.
    @return The 32-byte account id; 0 past the end.
    """
    return accounts._active_at(index)


@view
@external
def active_accounts(start: uint256, count: uint256) -> DynArray[uint256, c.MAX_PAGE]:
    """
    @notice Active ids from position `start`. Never reverts.
    @param start The 32-byte position of the first id.
    @param count The 32-byte number of ids wanted (at most 100 are returned).
    @return Up to min(count, 100) ids; empty past the end.
    """
    return accounts._active_page(start, count)


@view
@external
def is_active(account_id: uint256) -> bool:
    """
    @notice Whether the account has debt or an open position.
    @param account_id The 32-byte account id.
    @return True if active.
    """
    return accounts._is_active(account_id)


@view
@external
def collateral_config(token: address) -> IMarginEngine.CollateralConfig:
    """
    @notice The listing of `token`.
    @param token The 20-byte token address.
    @return Its CollateralConfig (all zero if not listed).
    """
    return collateral._configs[token]


@view
@external
def listed_collaterals() -> DynArray[address, c.MAX_LISTED]:
    """
    @notice Every token ever listed, in listing order (the quote first).
    @return Up to 32 token addresses.
    """
    return collateral._listed


@view
@external
def total_collateral(token: address) -> uint256:
    """
    @notice Σ of every account's balance of `token`; the engine's token balance is
            never below it.
    @param token The 20-byte token address.
    @return The 32-byte total, token units.
    """
    return collateral._total[token]


@view
@external
def collateral_of(account_id: uint256, token: address) -> uint256:
    """
    @notice An account's collateral balance of `token`.
    @param account_id The 32-byte account id.
    @param token The 20-byte token address.
    @return The 32-byte balance, token units.
    """
    return collateral._balances[account_id][token]


@view
@external
def collaterals_of(account_id: uint256) -> DynArray[address, c.MAX_TOKENS]:
    """
    @notice The tokens an account holds (non-zero balances); the order changes on removal.
    @param account_id The 32-byte account id.
    @return Up to MAX_COLLATERALS + 1 token addresses.
    """
    return collateral._tokens[account_id]


@view
@external
def debt_of(account_id: uint256) -> uint256:
    """
    @notice An account's debt as of now, interest included.
    @param account_id The 32-byte account id.
    @return The 32-byte debt, quote units, rounded up (what a full repay costs now).
    """
    shares: uint256 = accounts.debt_shares[account_id]
    if shares == 0:
        return 0
    return health._ceil_div(shares * staticcall VAULT.debt_index(), c.WAD)


@view
@external
def debt_shares_of(account_id: uint256) -> uint256:
    """
    @notice An account's vault debt shares.
    @param account_id The 32-byte account id.
    @return The 32-byte debt shares.
    """
    return accounts.debt_shares[account_id]


@view
@external
def account_health(account_id: uint256) -> IMarginEngine.Health:
    """
    @notice Every health figure of an account (DESIGN.md, Health), USD WAD.
    @dev Never reverts for an unusable price: such a price counts as 0, `priced` is False,
         `status` carries the union of the statuses, and `liquidatable` is False.
    @param account_id The 32-byte account id.
    @return The Health struct (IMarginEngine.Health).
    """
    return self._account_health(account_id)


@view
@external
def health_factor(account_id: uint256) -> uint256:
    """
    @notice (wc_maint + pnl_pos) / (debt + pnl_neg + maint_req), WAD, rounded down;
            max_value(uint256) when not active (no price read). Below 1e18 = liquidatable.
    @dev Reverts "engine: price unavailable" when a needed price is unusable: one number
         cannot carry that flag (use `account_health` or `is_liquidatable` to scan).
    @param account_id The 32-byte account id.
    @return The 32-byte health factor, WAD.
    """
    if not accounts._is_active(account_id):
        return max_value(uint256)
    h: IMarginEngine.Health = self._account_health(account_id)
    checks._require(h.priced, "engine: price unavailable")
    return h.health_factor


@view
@external
def is_liquidatable(account_id: uint256) -> bool:
    """
    @notice Active and equity_maint < maint_req, at any fresh price > 0 (also out of band
            or in the grace period). False when a needed price is unusable. Never reverts.
    @dev The grace-period floor on liquidations (DESIGN: only below health 0.95) is the
         liquidation entry point's rule; `account_health(id).status` shows GRACE.
    @param account_id The 32-byte account id.
    @return True if the account can be liquidated at current prices.
    """
    if not accounts._is_active(account_id):
        return False
    return self._account_health(account_id).liquidatable


@view
@external
def vault_marks() -> (int256, uint256, uint256, bool):
    """
    @notice (net_pnl, reserved, band, ok) for the vault's books (IMarginEngineMarks).
    @dev Locked like every view: while the engine is mid-action the vault's raw static
         call fails and the vault halts LP entries and exits (it never reads half-updated
         marks).
    @return Net unrealised trader PnL, reserved profit, LP band (quote units), and ok.
    """
    return self._marks()


@view
@external
def vault() -> address:
    """
    @notice The vault this engine borrows from.
    @return The 20-byte vault address.
    """
    return VAULT.address


@view
@external
def oracle() -> address:
    """
    @notice The oracle adapter this engine prices with.
    @return The 20-byte adapter address.
    """
    return ORACLE.address


@view
@external
def quote() -> address:
    """
    @notice The quote token (the vault's asset).
    @return The 20-byte token address.
    """
    return collateral.QUOTE


# ---- internal -------------------------------------------------------------------------
@internal
def _list_collateral(token: address, oracle_asset: address):
    """
    @dev Lists `token` with its decimals read from the token, after checking the adapter
         can price `oracle_asset` now (any status with a price > 0).
    """
    price: uint256 = 0
    status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    price, status = staticcall ORACLE.price_info(oracle_asset)
    checks._require(price != 0, "engine: oracle cannot price asset")
    decimals: uint8 = staticcall IERC20Detailed(token).decimals()
    collateral._list(token, oracle_asset, convert(decimals, uint256))


@internal
@view
def _check_min_debt(shares: uint256, index: uint256):
    """
    @dev Reverts if `shares` at `index` are worth less than `min_debt` (debt rounded up).
    """
    checks._require(health._ceil_div(shares * index, c.WAD) >= self.min_debt, "engine: debt below minimum")


@internal
@view
def _account_health(account_id: uint256) -> IMarginEngine.Health:
    """
    @dev Lenient health as of now: the vault's current index (accrued or not).
    """
    index: uint256 = 0
    if accounts.debt_shares[account_id] != 0:
        index = staticcall VAULT.debt_index()
    return health._health(account_id, ORACLE, index, False)


@internal
@view
def _marks() -> (int256, uint256, uint256, bool):
    """
    @dev The vault's marks: net unrealised trader PnL, reserved profit, LP band, ok.
         With no perp markets listed every sum is empty: (0, 0, 0, True). Perps (issue 5)
         sum their per-market aggregates here, O(markets).
    """
    return 0, 0, 0, True
