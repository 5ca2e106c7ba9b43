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
    """
    quote: address = staticcall IERC4626(vault.address).asset()
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
    self._collect_claim(account_id)
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
               one; a cross account: until equity_maint >= 1.05 × maint_req); the
               liquidator earns the liquidation fee on closed notional (`fee`), paid from
               the account's quote collateral, else lent by the vault as the account's debt.
            3. Only if still liquidatable, with debt and collateral and `repay_amount` > 0:
               the caller repays up to the close factor of the debt (50 %; all of it for a
               bucket, below health max(0.95, (1 + bonus) × LT), or when the rest would be
               below the minimum debt) and `receiver` gets `seize_token` worth the repay ×
               (1 + bonus), capped at the balance (the repay shrinks to match); a rest below
               the minimum debt shrinks the repay instead. `seize_token` = empty sweeps
               every token (each at its bonus, the quote first) of an account with no
               positions whose collateral is worth no more than its debt.
            4. With no collateral left, the remaining debt is written off (reserve, then LPs).
    @dev Prices: any fresh answer > 0 (out of band too); otherwise the adapter's reason.
         While the sequencer is down nothing is liquidated; in its grace period only
         accounts below health 0.95. Each oracle is read once per call. The registry logs
         each closed position (`PositionLiquidated`).
    @param account_id The 32-byte account id.
    @param repay_amount The most quote the caller repays in step 3 (a cap; 0 = none).
    @param seize_token The 20-byte token to seize (empty = sweep).
    @param min_seize The least the receiver must get when step 3 runs (token units; for a
           sweep, the seized value in quote units at the oracle prices).
    @param receiver The 20-byte receiver of the fee and the seized collateral.
    @return (repaid quote, seized amount, fee in quote units).
    """
    accounts._check_exists(account_id)
    checks._check_address(receiver)
    self._collect_claim(account_id)
    index: uint256 = extcall VAULT.accrue()
    snap: health.Snapshot = health._read(account_id, ORACLE, REGISTRY, health.NEED_PRICE, True)
    h: IMarginEngine.Health = health._value(account_id, snap, REGISTRY, index)
    checks._require(h.liquidatable, "engine: not liquidatable")
    if snap.status & c.STATUS_GRACE != 0:
        checks._require(h.health_factor < c.GRACE_HEALTH_FLOOR, "engine: grace period above floor")
    health_before: uint256 = h.health_factor
    quote: address = collateral.QUOTE
    quote_price: uint256 = snap.prices[0]
    bucket: bool = accounts._mode_of(account_id) == c.MODE_ISOLATED

    # 2. Close positions: the registry plans, books and logs each close; the engine clears
    #    them and settles the sum with the vault.
    fee: uint256 = 0
    if len(snap.positions) != 0:
        closed: uint256 = 0
        realised: int256 = 0
        trading_fee: uint256 = 0
        closed, realised, trading_fee, fee = extcall REGISTRY.liquidate_positions(
            account_id, snap.positions, snap.market_prices, h.equity_maint, h.maint_req, collateral._configs[quote].liquidation_threshold, bucket
        )
        for position: IMarginEngine.Position in snap.positions:
            if (closed >> position.market_id) & 1 == 1:
                positions._set(account_id, position.market_id, 0, 0)
        accounts._set_markets(account_id, accounts._markets_of(account_id) & ~closed)
        # The liquidation fee is part of the account's loss; the vault then pays it on.
        self._settle(account_id, realised - convert(fee, int256), trading_fee, quote_price)
        fee = extcall VAULT.pay_fee(fee * self._quote_unit // quote_price, receiver)
        h = health._value(account_id, snap, REGISTRY, index)

    # 3. Repay and seize, if still liquidatable: the registry's `seize_plan` gives the
    #    amounts for one token, or for every token in a sweep; the engine moves them.
    repaid: uint256 = 0
    seized: uint256 = 0
    shares: uint256 = accounts.debt_shares[account_id]
    if h.liquidatable and repay_amount != 0 and shares != 0 and self._holds_collateral(account_id):
        debt: uint256 = w._ceil_div(shares * index, c.WAD)
        # max_value = sweep; past the list = not held (the plan reverts).
        target: uint256 = max_value(uint256)
        if seize_token != empty(address):
            target = c.MAX_TOKENS
        tokens: DynArray[address, c.MAX_TOKENS] = [quote]
        seizable: DynArray[IMarketRegistry.Seizable, c.MAX_TOKENS] = []
        for i: uint256 in range(len(snap.tokens) + 1, bound=c.MAX_TOKENS):
            token: address = quote
            if i != 0:
                token = snap.tokens[i - 1]
                tokens.append(token)
            balance: uint256 = collateral._balances[account_id][token]
            if token == seize_token and balance != 0:
                target = i
            seizable.append(
                IMarketRegistry.Seizable(
                    balance=balance,
                    price=snap.prices[snap.first_token + i - 1],
                    decimals=collateral._configs[token].decimals,
                    bonus=collateral._configs[token].liquidation_bonus,
                    lt=collateral._configs[token].liquidation_threshold,
                )
            )
        amounts: DynArray[uint256, c.MAX_TOKENS] = []
        repaid, seized, amounts = staticcall REGISTRY.seize_plan(
            IMarketRegistry.SeizeTerms(
                debt=debt,
                cap=repay_amount,
                bucket=bucket,
                health_factor=h.health_factor,
                min_debt=self.min_debt,
                quote_price=quote_price,
                quote_unit=self._quote_unit,
                target=target,
                positions_open=h.maint_req != 0,
            ),
            seizable,
        )
        for i: uint256 in range(len(amounts), bound=c.MAX_TOKENS):
            amount: uint256 = amounts[i]
            if amount != 0:
                token: address = tokens[i]
                collateral._debit(account_id, token, amount)
                collateral._sub_total(token, amount)
                transfers._push(token, receiver, amount)
                log IMarginEngine.CollateralSeized(account_id=account_id, token=token, receiver=receiver, amount=amount)
        if repaid != 0:
            burnt: uint256 = shares
            if repaid < debt:
                burnt = repaid * c.WAD // index  # rounds down: the vault's favour
            shares -= burnt
            accounts.debt_shares[account_id] = shares
            transfers._pay_from(quote, msg.sender, VAULT.address, repaid)
            extcall VAULT.take_repayment(repaid, burnt)
        checks._require(seized >= min_seize, "engine: seized below minimum")

    # 4. Write off what no collateral backs.
    if shares != 0 and not self._holds_collateral(account_id):
        written: uint256 = extcall VAULT.write_off(shares)
        accounts.debt_shares[account_id] = 0
        log IMarginEngine.BadDebtWrittenOff(account_id=account_id, debt_shares=shares, assets=written)
    accounts._sync_active(account_id)
    log IMarginEngine.Liquidated(
        account_id=account_id,
        liquidator=msg.sender,
        seize_token=seize_token,
        receiver=receiver,
        repaid=repaid,
        seized=seized,
        fee=fee,
        health_before=health_before,
    )
    return repaid, seized, fee


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
    checks._require(min_debt != 0 and min_debt <= c.MAX_MIN_DEBT_UNITS * self._quote_unit, "engine: min debt out of range")
    self.min_debt = min_debt
    log IMarginEngine.MinDebtSet(min_debt=min_debt)



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
    self._collect_claim(account_id)

    # The registry prices the trade under the oracle policy and books it.
    t: IMarketRegistry.Trade = extcall REGISTRY.trade(market_id, size, basis, size_delta, acceptable_price)
    positions._set(account_id, market_id, t.size, t.basis)
    if t.size == 0:
        accounts._set_markets(account_id, held & ~(1 << market_id))
    elif size == 0:
        accounts._set_markets(account_id, held | (1 << market_id))
    self._settle(account_id, t.realised, t.fee, t.quote_price)
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
def _settle(account_id: uint256, realised: int256, fee: uint256, quote_price: uint256):
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
        amount = convert(convert(realised, uint256) * self._quote_unit // quote_price, int256)
    else:
        amount = -convert(w._ceil_div(convert(-realised, uint256) * self._quote_unit, quote_price), int256)
    fee_q: uint256 = w._ceil_div(fee * self._quote_unit, quote_price)
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
            index: uint256 = staticcall VAULT.debt_index()
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
            extcall VAULT.book_settlement_debt(0, repaid, fee_q)
        if profit != used:
            paid = extcall VAULT.pay_pnl(account_id, profit - used)
            claimed = profit - used - paid
            if paid != 0:
                self._credit_quote(account_id, paid)
            if claimed != 0:
                collateral._claims[account_id] += claimed
    else:
        loss: uint256 = convert(-amount, uint256)
        from_collateral = min(loss, collateral._balances[account_id][quote])
        cash_fee: uint256 = min(fee_q, from_collateral)
        if from_collateral != 0:
            collateral._debit(account_id, quote, from_collateral)
            collateral._sub_total(quote, from_collateral)
            transfers._push(quote, VAULT.address, from_collateral)
            extcall VAULT.take_pnl(from_collateral, cash_fee)
        if loss != from_collateral:
            minted = extcall VAULT.book_settlement_debt(loss - from_collateral, 0, fee_q - cash_fee)
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
def _begin_out(account_id: uint256) -> bool:
    """
    @dev Before collateral leaves an account: its claim is collected; out of an account
         with debt or positions this is risk-adding (not while paused, checked after).
    @return Whether the account is active (the caller then runs `_check_initial`).
    """
    self._collect_claim(account_id)
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
@view
def _holds_collateral(account_id: uint256) -> bool:
    """
    @dev Whether the account holds any collateral (a token, quote, or a claim on the vault).
    """
    return len(collateral._tokens[account_id]) != 0 or collateral._balances[account_id][collateral.QUOTE] + collateral._claims[account_id] != 0


@internal
def _collect_claim(account_id: uint256):
    """
    @dev Collects as much of the account's claim as the vault's cash allows into its quote
         collateral (claims are senior: cash that came back pays them first).
    """
    claim: uint256 = collateral._claims[account_id]
    if claim == 0:
        return
    paid: uint256 = extcall VAULT.pay_claim(account_id)
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
