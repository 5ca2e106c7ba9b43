# pragma version ~=0.4.3
# pragma optimize codesize
# pragma nonreentrancy on
"""
@title MarginEngineExtension
@custom:contract-name MarginEngineExtension
@license MIT
@notice The MarginEngine's liquidation entry point and owner configuration, run as the
        engine's own code: the engine delegatecalls here (`liquidate`, `list_collateral`,
        `configure_collateral`, `set_min_debt`), so the code runs on the engine's storage,
        with the engine's address, balances, approvals and lock. Split out for EIP-170
        room (docs/architecture.md): the engine keeps the hot paths (collateral, debt,
        trades), this contract the long, rarely called ones.
@dev Storage: this contract declares exactly the engine's storage, in the same order
     (`roles`, `health` with the ledgers it initializes, `min_debt`, `_quote_unit`); a test
     compares the two compiled layouts slot by slot (tests/artifacts). Immutables are code,
     so this contract carries its own copies of the engine's (VAULT, ORACLE, REGISTRY and
     the quote), set to the same addresses; the engine's constructor checks them.
     Every entry point refuses a direct call (`_check_delegated`): on its own storage this
     contract holds nothing. Its entry points are `@reentrant` because they run inside the
     engine's lock: the engine's forwarding functions take it (the transient lock slot is
     the engine's, the same in both layouts).
"""

from ethereum.ercs import IERC20Detailed
from interfaces import IMarginEngine
from interfaces import IMarketRegistry
from interfaces import IOracleAdapter
from interfaces import IVault

from .modules import constants as c

from .modules import roles
# @dev The engine's owner/guardian/pause storage (slot order as in the engine).
initializes: roles

from .modules import health
# @dev The engine's ledgers and health computation (slot order as in the engine).
initializes: health

from .modules import accounts
# @dev Initialized by `health`; liquidation writes debt shares and the active set.
uses: accounts

from .modules import collateral
# @dev Initialized by `health`; liquidation seizes and listing writes configs.
uses: collateral

from .modules import positions
# @dev Initialized by `health`; liquidation clears closed positions.
uses: positions

from .modules import settlement
# @dev PnL, fee and claim settlement with the vault (the engine runs the same code); it holds
#      no storage of its own and writes the ledgers `health` initializes.
initializes: settlement[accounts := accounts, collateral := collateral]

from .modules import transfers
# @dev Stateless (token moves); no initialization.
from .modules import wad_math as w
# @dev Stateless (rounding divisions); no initialization.
from .modules import checks
# @dev Stateless (shared checks and the one revert site); no initialization.


# ---- immutables -----------------------------------------------------------------------
# @dev The engine's vault, oracle and registry (the engine's constructor checks they match).
VAULT: immutable(IVault)
ORACLE: immutable(IOracleAdapter)
REGISTRY: immutable(IMarketRegistry)
# @dev This contract's own address: code running at any other address runs delegated.
SELF: immutable(address)


# ---- storage (the engine's, in the engine's order) ------------------------------------
# @dev Smallest debt an account may keep after a borrow or a partial repay (quote units).
min_debt: uint256
# @dev 10**quote decimals.
_quote_unit: uint256


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(vault: IVault, oracle: IOracleAdapter, registry: IMarketRegistry, quote: address):
    """
    @notice Deploy the extension for an engine wired to `vault`, `oracle` and `registry`.
    @dev Its own storage stays unused (the owner it records is never read).
    @param vault The 20-byte vault the engine will use.
    @param oracle The 20-byte OracleAdapter the engine will use.
    @param registry The 20-byte MarketRegistry the engine will use.
    @param quote The 20-byte quote token (the vault's asset).
    """
    VAULT = vault
    ORACLE = oracle
    REGISTRY = registry
    SELF = self
    roles.__init__()
    health.__init__(quote)


# ---- external: liquidation ------------------------------------------------------------
@external
@reentrant
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
    self._check_delegated()
    accounts._check_exists(account_id)
    checks._check_address(receiver)
    settlement._collect_claim(VAULT, account_id)
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
    #    them and settles the sum with the vault. A first pass stops at the buffer (a
    #    bucket closes its one position). If it leaves debt that no collateral backs while
    #    positions stay open, that debt is not a loss yet: their PnL is the account's, so a
    #    second pass closes every position left and its profit repays the debt (H-1: a
    #    write-off never happens while profitable positions stay open).
    fee: uint256 = 0
    if len(snap.positions) != 0:
        open_positions: DynArray[IMarginEngine.Position, c.MAX_POSITIONS] = snap.positions
        open_prices: DynArray[uint256, c.MAX_POSITIONS] = snap.market_prices
        close_all: bool = bucket
        for _pass: uint256 in range(2):
            closed: uint256 = 0
            realised: int256 = 0
            trading_fee: uint256 = 0
            pass_fee: uint256 = 0
            closed, realised, trading_fee, pass_fee = extcall REGISTRY.liquidate_positions(
                account_id, open_positions, open_prices, h.equity_maint, h.maint_req, collateral._configs[quote].liquidation_threshold, close_all
            )
            rest: DynArray[IMarginEngine.Position, c.MAX_POSITIONS] = []
            rest_prices: DynArray[uint256, c.MAX_POSITIONS] = []
            for i: uint256 in range(len(open_positions), bound=c.MAX_POSITIONS):
                m: uint256 = open_positions[i].market_id
                if (closed >> m) & 1 == 1:
                    positions._set(account_id, m, 0, 0)
                else:
                    rest.append(open_positions[i])
                    rest_prices.append(open_prices[i])
            accounts._set_markets(account_id, accounts._markets_of(account_id) & ~closed)
            # The liquidation fee is part of the account's loss; the vault then pays it on.
            settlement._settle(VAULT, self._quote_unit, account_id, realised - convert(pass_fee, int256), trading_fee, quote_price)
            fee += pass_fee
            if len(rest) == 0 or accounts.debt_shares[account_id] == 0 or settlement._holds_collateral(account_id):
                break
            open_positions = rest
            open_prices = rest_prices
            close_all = True
        fee = extcall VAULT.pay_fee(fee * self._quote_unit // quote_price, receiver)
        h = health._value(account_id, snap, REGISTRY, index)

    # 3. Repay and seize, if still liquidatable: the registry's `seize_plan` gives the
    #    amounts for one token, or for every token in a sweep; the engine moves them.
    repaid: uint256 = 0
    seized: uint256 = 0
    shares: uint256 = accounts.debt_shares[account_id]
    if h.liquidatable and repay_amount != 0 and shares != 0 and settlement._holds_collateral(account_id):
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
            price: uint256 = snap.prices[snap.first_token + i - 1]
            balance: uint256 = collateral._balances[account_id][token]
            if token == seize_token and balance != 0:
                # M-1: a token whose price is unusable is valued 0 and never seized.
                checks._require(price != 0, "engine: seize token unpriced")
                target = i
            if price == 0:
                balance = 0
            seizable.append(
                IMarketRegistry.Seizable(
                    balance=balance,
                    price=price,
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

    # 4. Write off what nothing backs: no collateral and no open position left (so the
    #    debt is exactly the account's negative equity).
    settlement._write_off_unbacked(VAULT, account_id)
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
@reentrant
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
    self._check_delegated()
    roles._check_owner()
    self._list_collateral(token, oracle_asset)
    collateral._configure(token, collateral_factor, liquidation_threshold, liquidation_bonus, supply_cap, True)


@external
@reentrant
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
    self._check_delegated()
    roles._check_owner()
    collateral._configure(token, collateral_factor, liquidation_threshold, liquidation_bonus, supply_cap, enabled)


@external
@reentrant
def set_min_debt(min_debt: uint256):
    """
    @notice Set the smallest debt an account may keep after a borrow or partial repay.
    @param min_debt Quote units, from 1 to 1,000,000 whole quote units.
    """
    self._check_delegated()
    roles._check_owner()
    checks._require(min_debt != 0 and min_debt <= c.MAX_MIN_DEBT_UNITS * self._quote_unit, "engine: min debt out of range")
    self.min_debt = min_debt
    log IMarginEngine.MinDebtSet(min_debt=min_debt)


# ---- external: views of the wiring (read on this contract itself) ---------------------
@view
@external
@reentrant
def wiring() -> (address, address, address, address):
    """
    @notice The vault, oracle, registry and quote this extension was deployed for.
    @return (vault, oracle, registry, quote) 20-byte addresses.
    """
    return VAULT.address, ORACLE.address, REGISTRY.address, collateral.QUOTE


# ---- internal -------------------------------------------------------------------------
@internal
@view
def _check_delegated():
    """
    @dev Reverts unless running as the engine's code (a delegatecall): called directly,
         this contract would act on its own empty storage.
    """
    checks._require(self != SELF, "extension: call the engine")


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


