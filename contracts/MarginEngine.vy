# pragma version ~=0.4.3
# pragma optimize codesize
# pragma nonreentrancy on
"""
@title MarginEngine
@custom:contract-name MarginEngine
@license MIT
@notice Accounts, collateral, quote borrowing, perp positions and health of Bulkhead.
        Traders open isolated buckets (one non-quote collateral token and one position: a
        loss takes only that bucket) or cross accounts (up to MAX_COLLATERALS tokens and
        MAX_POSITIONS positions backing one debt), deposit collateral, borrow the vault's
        quote asset, and trade perps whose PnL settles against the vault. The same health
        module values both modes; isolation comes from separate accounts.
@dev Thin deployable over the modules in `contracts/modules/`:
       - `accounts` (owner/mode/market-set/active-slot word, operators, debt shares,
         active set), `collateral` (listing, balances, totals, claims), `positions` (one
         word per position), all three initialized by
       - `health` (the one health computation), and
       - `roles` (owner, guardian, pause), `transfers` (hostile-token-safe moves).
     The perp markets live in the MarketRegistry (split out for EIP-170): it prices and
     books every trade (`trade`), values positions for health (`figures`) and computes
     the vault's marks (`marks`); this engine stores the positions and settles with the
     vault (`_settle`).
     Policy per action (docs/engine.md, docs/perps.md): risk-adding actions (borrow;
     withdraw or transfer collateral out of an account with debt or positions; open,
     increase or flip a position) are pausable, need every price OK (so they stop while
     the sequencer is down or in its grace period) and must leave equity_init >=
     init_req, checked after the action. Decreasing and closing need only fresh prices
     > 0 and are never paused. repay, deposits and withdrawals from accounts with no debt
     and no positions read no price and are never paused.
     Cross-contract: the engine passes the vault every figure it needs (`reserved`), and
     never lets the vault call back while it holds its lock: the registry's `marks` read
     the oracle only, and the OI bound reads `vault.book_assets()`, never `totalAssets()`.
"""

from ethereum.ercs import IERC20Detailed
from ethereum.ercs import IERC4626
from interfaces import IMarginEngine
from interfaces import IMarginEngineMarks
from interfaces import IMarketRegistry
from interfaces import IOracleAdapter
from interfaces import IVault


interface IMarginEngineExtension:
    def wiring() -> (address, address, address, address): view

implements: IMarginEngine
implements: IMarginEngineMarks

from .modules import constants as c

from .modules import roles
# @dev Owner (two-step), guardian and the pause switch; exported below.
initializes: roles

from .modules import health
# @dev The health computation; it initializes the account, collateral and position ledgers
#      it reads.
initializes: health

from .modules import accounts
# @dev Initialized by `health`; the engine writes it (open, operators, debt shares).
uses: accounts

from .modules import collateral
# @dev Initialized by `health`; the engine writes it (listing, balances).
uses: collateral

from .modules import positions
# @dev Initialized by `health`; the engine writes it (one word per position).
uses: positions

from .modules import settlement
# @dev PnL, fee and claim settlement with the vault (the extension runs the same code); it
#      holds no storage of its own and writes the ledgers `health` initializes.
initializes: settlement[accounts := accounts, collateral := collateral]

from .modules import transfers
# @dev Stateless (token moves); no initialization.
from .modules import wad_math as w
# @dev Stateless (rounding divisions, 128-bit fields); no initialization.
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
MAX_MARKETS: public(constant(uint256)) = c.MAX_MARKETS


# ---- immutables -----------------------------------------------------------------------
# @dev The ERC-4626 vault that lends the quote asset and books debt shares.
VAULT: immutable(IVault)
# @dev The oracle adapter pricing every collateral's and market's oracle asset (WAD USD).
ORACLE: immutable(IOracleAdapter)
# @dev The perp market book: market parameters, funding, side aggregates, trade arithmetic.
REGISTRY: immutable(IMarketRegistry)
# @dev The MarginEngineExtension: `liquidate` and the owner's collateral setters run as this
#      contract's code through `_delegate` (docs/architecture.md).
EXTENSION: immutable(address)


# ---- storage --------------------------------------------------------------------------
# @dev Smallest debt an account may keep after a borrow or a partial repay (quote units).
min_debt: public(uint256)
# @dev 10**quote decimals (storage, not immutable: EIP-170 counts immutables as code).
_quote_unit: uint256


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(
    vault: IVault,
    oracle: IOracleAdapter,
    registry: IMarketRegistry,
    quote_oracle_asset: address,
    quote_collateral_factor: uint256,
    quote_liquidation_threshold: uint256,
    quote_liquidation_bonus: uint256,
    quote_supply_cap: uint256,
    extension: address,
):
    """
    @notice Wire the engine to its vault and oracle and list the quote asset as collateral
            (DESIGN: the quote is always a listed collateral with factors below 1).
    @dev The deployer becomes the owner; the vault and the registry must then name this
         engine (`vault.set_engine`, `registry.set_engine`). The minimum debt starts at
         10 whole quote units.
    @param vault The 20-byte ERC-4626 vault address; its `asset()` is the quote token.
    @param oracle The 20-byte OracleAdapter address; it must price `quote_oracle_asset`.
    @param registry The 20-byte MarketRegistry (the perp market book, same oracle).
    @param quote_oracle_asset The asset the adapter prices the quote by (usually the token).
    @param quote_collateral_factor Quote CF, WAD (DESIGN default 0.95).
    @param quote_liquidation_threshold Quote LT, WAD (DESIGN default 0.97).
    @param quote_liquidation_bonus Quote liquidation bonus, WAD (DESIGN default 0.02).
    @param quote_supply_cap Most quote all accounts may hold as collateral (quote units).
    @param extension The 20-byte MarginEngineExtension deployed for the same vault, oracle,
           registry and quote (checked here; its storage layout is checked by a test).
    """
    quote: address = staticcall IERC4626(vault.address).asset()
    ext_vault: address = empty(address)
    ext_oracle: address = empty(address)
    ext_registry: address = empty(address)
    ext_quote: address = empty(address)
    ext_vault, ext_oracle, ext_registry, ext_quote = staticcall IMarginEngineExtension(extension).wiring()
    checks._require(
        ext_vault == vault.address and ext_oracle == oracle.address and ext_registry == registry.address and ext_quote == quote,
        "engine: extension wired elsewhere",
    )
    EXTENSION = extension
    VAULT = vault
    ORACLE = oracle
    REGISTRY = registry
    roles.__init__()
    health.__init__(quote)
    self._list_collateral(quote, quote_oracle_asset)
    collateral._configure(
        quote, quote_collateral_factor, quote_liquidation_threshold, quote_liquidation_bonus, quote_supply_cap, True
    )
    unit: uint256 = 10 ** collateral._configs[quote].decimals
    self._quote_unit = unit
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
        collateral._check_slot(account_id, token, accounts._mode_of(account_id))
    self._deposit(account_id, token, amount)


@external
def withdraw_collateral(account_id: uint256, token: address, amount: uint256, receiver: address):
    """
    @notice Send `amount` of an account's `token` collateral to `receiver`.
    @dev The account's claim on the vault, if any, is collected first (as much as the
         vault's cash allows), so a paid claim can be withdrawn in the same call. From an
         account with debt or positions this is risk-adding: not while paused, every price
         OK, equity_init >= init_req after. From any other account it reads no price and
         always works (also while paused or with the sequencer down).
    @param account_id The 32-byte account id (caller: owner or operator).
    @param token The 20-byte token address.
    @param amount The token amount, > 0 and at most the balance.
    @param receiver The 20-byte receiver address.
    """
    accounts._check_controller(account_id)
    checks._check_amount(amount)
    checks._check_address(receiver)
    active: bool = self._begin_out(account_id)
    balance: uint256 = collateral._debit(account_id, token, amount)
    collateral._sub_total(token, amount)
    if active:
        self._check_initial(account_id)
    transfers._push(token, receiver, amount)
    log IMarginEngine.CollateralWithdrawn(
        account_id=account_id, token=token, receiver=receiver, amount=amount, balance=balance
    )


@external
def transfer_collateral(from_id: uint256, to_id: uint256, token: address, amount: uint256):
    """
    @notice Move collateral between two accounts of the same owner (e.g. cross -> bucket).
    @dev The source's claim on the vault is collected first. The destination takes a slot
         if it does not hold `token` (bucket: one non-quote token; cross: MAX_COLLATERALS).
         Out of a source with debt or positions this is risk-adding (as a withdrawal); the
         destination only gains.
    @param from_id The 32-byte source account id (caller: owner or operator).
    @param to_id The 32-byte destination account id (same owner).
    @param token The 20-byte token address.
    @param amount The token amount, > 0 and at most the source balance.
    """
    owner: address = accounts._check_controller(from_id)
    checks._require(accounts._check_exists(to_id) == owner, "engine: different owners")
    checks._require(from_id != to_id, "engine: same account")
    checks._check_amount(amount)
    active: bool = self._begin_out(from_id)
    from_balance: uint256 = collateral._debit(from_id, token, amount)
    collateral._check_slot(to_id, token, accounts._mode_of(to_id))
    to_balance: uint256 = collateral._credit(to_id, token, amount)
    if active:
        self._check_initial(from_id)
    log IMarginEngine.CollateralTransferred(
        from_id=from_id, to_id=to_id, token=token, amount=amount, from_balance=from_balance, to_balance=to_balance
    )


# ---- external: debt -------------------------------------------------------------------
@external
def borrow(account_id: uint256, amount: uint256, receiver: address):
    """
    @notice Borrow `amount` of quote from the vault against the account, sent to `receiver`.
    @dev Risk-adding: not while paused; the account's claim is collected; accrues
         interest; the vault lends only from free cash (it reverts otherwise; `reserved`
         comes from the registry's marks, and is max_value when they are not OK: a stale
         or invalid mark could hide what winners are owed, so the vault lends nothing,
         "vault: marks unavailable"); then the debt must be at least `min_debt`, every
         price OK and equity_init >= init_req, all checked after the action.
    @param account_id The 32-byte account id (caller: owner or operator).
    @param amount The quote amount, > 0.
    @param receiver The 20-byte receiver of the quote.
    """
    accounts._check_controller(account_id)
    checks._check_amount(amount)
    checks._check_address(receiver)
    roles._check_not_paused()
    settlement._collect_claim(VAULT, account_id)
    index: uint256 = extcall VAULT.accrue()
    net_pnl: int256 = 0
    reserved: uint256 = 0
    band: uint256 = 0
    marks_ok: bool = False
    needed: uint256 = 0
    net_pnl, reserved, band, marks_ok, needed = staticcall REGISTRY.marks()
    if not marks_ok:
        # @dev The vault refuses to lend against marks that are not OK (issue 16, L-1).
        reserved = max_value(uint256)
    minted: uint256 = extcall VAULT.lend(amount, receiver, reserved)
    shares: uint256 = accounts.debt_shares[account_id] + minted
    accounts.debt_shares[account_id] = shares
    accounts._sync_active(account_id)
    self._check_min_debt(shares, index)
    health._check_initial(account_id, ORACLE, REGISTRY, index)
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
    paid: uint256 = w._ceil_div(shares * index, c.WAD)
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


# ---- external: perps ------------------------------------------------------------------
@external
def modify_position(account_id: uint256, market_id: uint256, size_delta: int256, acceptable_price: uint256):
    """
    @notice Open, increase, decrease or flip the account's position in a market by
            `size_delta`, filled at oracle × (1 ± (spread + skew impact)) in the trade's
            direction; realised PnL, funding and the fee settle with the vault at once.
    @dev Opening, growing or flipping is risk-adding: not while paused, the market enabled,
         every price OK, the OI caps, and equity_init >= init_req after. Decreasing and
         closing need only fresh prices > 0 (OK, grace period or out of band) and work
         while paused or on a disabled market. After every trade the position is 0 or at
         least the market's min notional. A bucket holds one position, a cross account up
         to MAX_POSITIONS.
    @param account_id The 32-byte account id (caller: owner or operator).
    @param market_id The 32-byte market id.
    @param size_delta The signed size change, WAD base units (> 0 buys, < 0 sells), != 0.
    @param acceptable_price Buying: the highest fill accepted; selling: the lowest (USD WAD).
    """
    accounts._check_controller(account_id)
    self._modify(account_id, market_id, size_delta, acceptable_price)


@external
def close_position(account_id: uint256, market_id: uint256, acceptable_price: uint256):
    """
    @notice Close the account's whole position in a market (a trade of −size).
    @dev Never paused; needs fresh prices > 0 (see `modify_position`).
    @param account_id The 32-byte account id (caller: owner or operator).
    @param market_id The 32-byte market id.
    @param acceptable_price Closing a long sells: the lowest fill accepted; closing a short
           buys: the highest (USD WAD).
    """
    accounts._check_controller(account_id)
    size: int256 = 0
    basis: int256 = 0
    size, basis = positions._get(account_id, market_id)
    checks._require(size != 0, "engine: no position")
    self._modify(account_id, market_id, -size, acceptable_price)


@external
def open_isolated(
    owner: address,
    collateral_token: address,
    collateral_amount: uint256,
    market_id: uint256,
    size_delta: int256,
    acceptable_price: uint256,
) -> uint256:
    """
    @notice Open an isolated bucket for `owner`, deposit `collateral_amount` of
            `collateral_token` from the caller into it, and open a position, in one call.
    @dev The caller is `owner` or an operator of `owner`; the tokens come from the caller.
         The same rules as `open_account`, `deposit_collateral` and `modify_position`.
    @param owner The 20-byte owner of the new bucket.
    @param collateral_token The 20-byte listed, enabled token (approve the engine first).
    @param collateral_amount The token amount, > 0.
    @param market_id The 32-byte market id.
    @param size_delta The signed size, WAD base units, != 0.
    @param acceptable_price See `modify_position` (USD WAD).
    @return The new 32-byte bucket id.
    """
    accounts._check_acts_for(owner)
    checks._check_amount(collateral_amount)
    collateral._check_depositable(collateral_token)
    account_id: uint256 = accounts._open(owner, c.MODE_ISOLATED)
    # A new bucket holds nothing: any one token may join it.
    self._deposit(account_id, collateral_token, collateral_amount)
    self._modify(account_id, market_id, size_delta, acceptable_price)
    return account_id


# ---- external: liquidation ------------------------------------------------------------
@external
def liquidate(
    account_id: uint256, repay_amount: uint256, seize_token: address, min_seize: uint256, receiver: address
) -> (uint256, uint256, uint256):
    """
    @notice Liquidate an account (DESIGN.md, Liquidation). Permissionless, never paused.
            1. Accrue interest and funding; revert unless the account is liquidatable.
            2. Close its positions at the oracle price, worst PnL first (a bucket: its
               one; a cross account: until equity_maint >= 1.05 × maint_req, and on to
               the last while debt remains that no collateral backs); the liquidator earns
               the liquidation fee on closed notional (`fee`).
            3. Only if still liquidatable, with debt and collateral and `repay_amount` > 0:
               repay up to the close factor and seize `seize_token` (empty = sweep) worth
               the repay × (1 + bonus).
            4. With no collateral and no position left, the remaining debt is written off.
    @dev Runs the MarginEngineExtension's `liquidate` as this contract's code
         (delegatecall) inside this contract's lock; see that function for every rule.
         Approvals go to this engine.
    @param account_id The 32-byte account id.
    @param repay_amount The most quote the caller repays in step 3 (a cap; 0 = none).
    @param seize_token The 20-byte token to seize (empty = sweep).
    @param min_seize The least the receiver must get when step 3 runs.
    @param receiver The 20-byte receiver of the fee and the seized collateral.
    @return (repaid quote, seized amount, fee in quote units).
    """
    return abi_decode(self._delegate(), (uint256, uint256, uint256))


# ---- external: configuration (owner), run by the extension ----------------------------
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
    @notice List `token` as collateral (enabled) with its risk parameters (owner).
    @dev Runs in the MarginEngineExtension (delegatecall); bounds: CF < LT < 1 and
         (1 + bonus) × LT <= 1; the adapter must price `oracle_asset` now.
    @param token The 20-byte ERC-20 token address.
    @param oracle_asset The 20-byte asset the OracleAdapter prices the token by.
    @param collateral_factor CF, WAD ratio.
    @param liquidation_threshold LT, WAD ratio.
    @param liquidation_bonus Liquidation bonus, WAD ratio.
    @param supply_cap Most of the token all accounts may hold together (token units).
    """
    self._delegate()


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
    @notice Change a listed token's risk parameters, supply cap, or enable/disable deposits
            (owner).
    @dev Runs in the MarginEngineExtension (delegatecall); same bounds as `list_collateral`.
    @param token The 20-byte listed token address.
    @param collateral_factor CF, WAD ratio.
    @param liquidation_threshold LT, WAD ratio.
    @param liquidation_bonus Liquidation bonus, WAD ratio.
    @param supply_cap Token units.
    @param enabled False to stop new deposits.
    """
    self._delegate()


@external
def set_min_debt(min_debt: uint256):
    """
    @notice Set the smallest debt an account may keep after a borrow or partial repay
            (owner).
    @dev Runs in the MarginEngineExtension (delegatecall).
    @param min_debt Quote units, from 1 to 1,000,000 whole quote units.
    """
    self._delegate()



# ---- external: views ------------------------------------------------------------------
@view
@external
@reentrant
def owner_of(account_id: uint256) -> address:
    """
    @notice The owner of an account.
    @param account_id The 32-byte account id.
    @return The 20-byte owner; empty for an id never opened.
    """
    return accounts._owner_of(account_id)


@view
@external
@reentrant
def mode_of(account_id: uint256) -> uint256:
    """
    @notice The mode of an account.
    @param account_id The 32-byte account id.
    @return 1 (isolated bucket) or 2 (cross); 0 for an id never opened.
    """
    return accounts._mode_of(account_id)


@view
@external
@reentrant
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
@reentrant
def account_count() -> uint256:
    """
    @notice Accounts ever opened.
    @return The 32-byte count (= the highest id).
    """
    return accounts._count


@view
@external
@reentrant
def account_count_of(owner: address) -> uint256:
    """
    @notice Accounts `owner` has opened.
    @param owner The 20-byte owner.
    @return The 32-byte count.
    """
    return accounts._owner_account_count[owner]


@view
@external
@reentrant
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
def is_active(account_id: uint256) -> bool:
    """
    @notice Whether the account has debt or an open position.
    @param account_id The 32-byte account id.
    @return True if active.
    """
    return accounts._is_active(account_id)


@view
@external
@reentrant
def collateral_config(token: address) -> IMarginEngine.CollateralConfig:
    """
    @notice The listing of `token`.
    @param token The 20-byte token address.
    @return Its CollateralConfig (all zero if not listed).
    """
    return collateral._configs[token]


@view
@external
@reentrant
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
    @notice The tokens an account holds (non-zero balances): the quote first if held, then
            the others (their order changes on removal).
    @param account_id The 32-byte account id.
    @return Up to MAX_COLLATERALS + 1 token addresses.
    """
    return collateral._held(account_id)


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
    return w._ceil_div(shares * staticcall VAULT.debt_index(), c.WAD)


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
def claim_of(account_id: uint256) -> uint256:
    """
    @notice Realised profit the vault owes the account but could not pay yet; valued as
            quote collateral and collected when the account next acts.
    @param account_id The 32-byte account id.
    @return The 32-byte claim, quote units.
    """
    return collateral._claims[account_id]


@view
@external
@reentrant
def markets() -> DynArray[uint256, c.MAX_MARKETS]:
    """
    @notice Every perp market id, in listing order (the MarketRegistry's `markets()`).
    @return Up to MAX_MARKETS ids.
    """
    return staticcall REGISTRY.markets()


@view
@external
def position_of(account_id: uint256, market_id: uint256) -> IMarginEngine.Position:
    """
    @notice An account's position in a market.
    @param account_id The 32-byte account id.
    @param market_id The 32-byte market id.
    @return The Position (size 0 and basis 0 when none).
    """
    size: int256 = 0
    basis: int256 = 0
    size, basis = positions._get(account_id, market_id)
    return IMarginEngine.Position(market_id=market_id, size=size, basis=basis)


@view
@external
def positions_of(account_id: uint256) -> DynArray[IMarginEngine.Position, c.MAX_POSITIONS]:
    """
    @notice Every open position of an account, by market id.
    @param account_id The 32-byte account id.
    @return Up to MAX_POSITIONS positions.
    """
    return health._positions(account_id)


@view
@external
def account_health(account_id: uint256) -> IMarginEngine.Health:
    """
    @notice Every health figure of an account (DESIGN.md, Health), USD WAD.
    @dev Never reverts for an unusable price: such a price counts as 0 and `status`
         carries the union of the statuses; if it is the quote's or a market's, `priced` is
         False and `liquidatable` is False (a collateral token's never unprices the account).
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
            or in the grace period). A collateral token whose price is unusable counts as
            0; False when the quote's or a market's price is unusable. Never reverts.
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
def vault_marks() -> (int256, uint256, uint256, bool, uint256):
    """
    @notice (net_pnl, reserved, band, ok, needed) for the vault's books (IMarginEngineMarks).
    @dev Locked like every view: while the engine is mid-action the vault's raw static
         call fails and the vault halts LP entries and exits (it never reads half-updated
         marks).
    @return Net unrealised trader PnL, reserved profit, LP band, ok, and the assets the
            open interest needs (quote units).
    """
    return staticcall REGISTRY.marks()


@view
@external
@reentrant
def vault() -> address:
    """
    @notice The vault this engine borrows from.
    @return The 20-byte vault address.
    """
    return VAULT.address


@view
@external
@reentrant
def oracle() -> address:
    """
    @notice The oracle adapter this engine prices with.
    @return The 20-byte adapter address.
    """
    return ORACLE.address


@view
@external
@reentrant
def registry() -> address:
    """
    @notice The MarketRegistry holding this engine's perp markets.
    @return The 20-byte registry address.
    """
    return REGISTRY.address


@view
@external
@reentrant
def extension() -> address:
    """
    @notice The MarginEngineExtension whose code runs `liquidate` and the collateral
            setters on this engine's storage (delegatecall).
    @return The 20-byte extension address.
    """
    return EXTENSION


@view
@external
@reentrant
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
    checks._require(w._ceil_div(shares * index, c.WAD) >= self.min_debt, "engine: debt below minimum")


@internal
@view
def _account_health(account_id: uint256) -> IMarginEngine.Health:
    """
    @dev Lenient health as of now: the vault's current index (accrued or not).
    """
    index: uint256 = 0
    if accounts.debt_shares[account_id] != 0:
        index = staticcall VAULT.debt_index()
    return health._health(account_id, ORACLE, REGISTRY, index, False)


@internal
def _modify(account_id: uint256, market_id: uint256, size_delta: int256, acceptable_price: uint256):
    """
    @dev One trade (see `modify_position`), for a checked controller. Order: the checks
         that need no price; the account's claim is collected; the registry books the
         trade (oracle policy, funding, fill, acceptable price, aggregates, min notional,
         OI caps); the position and the account's market set; settlement with the vault
         at the quote price the registry checked; the active set; for a risk-adding trade
         the initial requirement, checked after the action.
    """
    checks._require(size_delta != 0, "engine: zero size")
    size: int256 = 0
    basis: int256 = 0
    size, basis = positions._get(account_id, market_id)
    # Risk-adding: an open, an increase, or a flip (its new side).
    adding: bool = size == 0 or (size > 0) == (size_delta > 0) or w._abs(size_delta) > w._abs(size)
    held: uint256 = accounts._markets_of(account_id)
    if adding:
        roles._check_not_paused()
        if size == 0:
            if accounts._mode_of(account_id) == c.MODE_ISOLATED:
                checks._require(held == 0, "engine: bucket holds another position")
            else:
                count: uint256 = 0
                for m: uint256 in range(1, c.MAX_MARKETS + 1):
                    count += (held >> m) & 1
                checks._require(count < c.MAX_POSITIONS, "engine: position slots full")
    settlement._collect_claim(VAULT, account_id)

    # The registry prices the trade under the oracle policy and books it.
    t: IMarketRegistry.Trade = extcall REGISTRY.trade(market_id, size, basis, size_delta, acceptable_price)
    positions._set(account_id, market_id, t.size, t.basis)
    if t.size == 0:
        accounts._set_markets(account_id, held & ~(1 << market_id))
    elif size == 0:
        accounts._set_markets(account_id, held | (1 << market_id))
    settlement._settle(VAULT, self._quote_unit, account_id, t.realised, t.fee, t.quote_price)
    if t.size == 0:
        settlement._write_off_unbacked(VAULT, account_id)
    accounts._sync_active(account_id)
    if adding:
        self._check_initial(account_id)
    log IMarginEngine.PositionModified(
        account_id=account_id,
        market_id=market_id,
        size_delta=size_delta,
        fill_price=t.fill,
        funding_long=t.funding_long,
        funding_short=t.funding_short,
        size=t.size,
        basis=t.basis,
        realised_pnl=t.realised,
        fee=t.fee,
    )


@internal
def _begin_out(account_id: uint256) -> bool:
    """
    @dev Before collateral leaves an account: its claim is collected; out of an account
         with debt or positions this is risk-adding (not while paused, checked after).
    @return Whether the account is active (the caller then runs `_check_initial`).
    """
    settlement._collect_claim(VAULT, account_id)
    active: bool = accounts._is_active(account_id)
    if active:
        roles._check_not_paused()
    return active


@internal
@view
def _check_initial(account_id: uint256):
    """
    @dev The check after a risk-adding action, at the vault's current debt index.
    """
    health._check_initial(account_id, ORACLE, REGISTRY, staticcall VAULT.debt_index())


@internal
def _deposit(account_id: uint256, token: address, amount: uint256):
    """
    @dev Pulls `amount` of `token` from the caller and credits the account with what
         arrived (fee-on-transfer safe), within the supply cap. The caller checked the slot.
    """
    received: uint256 = transfers._pull(token, msg.sender, amount)
    balance: uint256 = collateral._credit(account_id, token, received)
    collateral._add_total(token, received)
    log IMarginEngine.CollateralDeposited(
        account_id=account_id, token=token, payer=msg.sender, amount=received, balance=balance
    )


@internal
def _delegate() -> Bytes[96]:
    """
    @dev Runs this call's calldata as the MarginEngineExtension's code on this contract's
         storage (delegatecall), inside this contract's lock; a revert bubbles up with its
         reason. At most 96 bytes come back (`liquidate`'s three words).
    """
    return raw_call(EXTENSION, msg.data, max_outsize=96, is_delegate_call=True)
