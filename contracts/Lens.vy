# pragma version ~=0.4.3
"""
@title Lens
@custom:contract-name Lens
@license MIT
@notice Batched read-only views of Bulkhead for liquidator bots and front ends: pages of
        the MarginEngine's active set, the liquidatable accounts among them, and the quote
        of a liquidation: what `MarginEngine.liquidate` would close, pay as fee, repay,
        seize and write off, and what the liquidator would gain.
@dev Holds nothing, writes nothing, so no reentrancy lock: every function is a view over
     the engine, the vault, the registry and the oracle adapter (it must be called from
     outside an engine transaction: the engine's views revert while its lock is held).
     `quote_liquidation` replays the engine's `liquidate` step by step on the account's
     stored ledger, with the same inputs the engine builds, and lets the registry do the
     arithmetic the engine delegates to it (`plan_closes` for step 2, `seize_plan` for
     step 3), so both share one formula:
       0. unknown account, unusable price (the adapter's reason), not liquidatable, and
          the grace-period floor: `reverts` with the engine's reason;
       1. the account's claim is collected (min(claim, vault cash)) into quote collateral;
       2. the registry's plan at the oracle prices; the settlement of
          realised − liquidation fee − trading fee exactly as `MarginEngine._settle`
          (profit rounded down repays debt first, then is paid by the vault up to its cash
          above claims, the rest a claim; loss and fees rounded up come from quote
          collateral first, the rest becomes settlement debt); the fee paid =
          min(floor(fee_usd × quote_unit / quote_price), vault cash above claims);
       3. if still liquidatable: `seize_plan` on the post-close ledger (quote first, then
          the account's other tokens in the engine's order); shares burnt as the engine
          burns them;
       4. the write-off of what no collateral backs, as the vault computes it.
     Same block, same state: the quote equals the execution exactly. Between the quote's
     block and the transaction's, interest and funding accrue and prices can move; see
     docs/bot.md for the drift and the guards a bot uses.
"""

from interfaces import ILens
from interfaces import IMarginEngine
from interfaces import IMarketRegistry
from interfaces import IOracleAdapter
from interfaces import IVault

implements: ILens

from .modules import constants as c
from .modules import wad_math as w
# @dev Stateless (rounding divisions); no initialization.
from .modules import valuation
# @dev Stateless: the health composition, debt value and settlement amount the engine's
#      modules run (one definition of each); no initialization.


# ---- constants ------------------------------------------------------------------------
# @dev Most ids or candidates one page returns (the engine's page size).
MAX_PAGE: public(constant(uint256)) = c.MAX_PAGE
# @dev Longest revert reason a quote carries (the adapter's reasons name a 16-byte symbol).
REASON_BYTES: constant(uint256) = 64
# @dev Return data kept from a non-reverting call: `seize_plan`'s answer
#      (3 words + 1 length word + MAX_TOKENS words) or an Error(string) of REASON_BYTES.
RETURN_BYTES: constant(uint256) = 32 * (4 + c.MAX_TOKENS)
# @dev The seizable list is quote + MAX_COLLATERALS tokens.
MAX_TOKENS: constant(uint256) = c.MAX_TOKENS
# @dev One price batch: the quote, every token, every position's market.
MAX_ASSETS: constant(uint256) = c.MAX_ASSETS


# ---- immutables -----------------------------------------------------------------------
# @dev The MarginEngine the Lens reads.
ENGINE: immutable(IMarginEngine)
# @dev Its vault (debt index, cash, claims), registry and oracle adapter.
VAULT: immutable(IVault)
REGISTRY: immutable(IMarketRegistry)
ORACLE: immutable(IOracleAdapter)
# @dev The quote token, the asset the adapter prices it by, and 10**its decimals.
QUOTE: immutable(address)
QUOTE_ASSET: immutable(address)
QUOTE_UNIT: immutable(uint256)


# ---- structs --------------------------------------------------------------------------
# @dev One token of the account as step 3 lists it (index 0 = the quote).
struct Holding:
    token: address
    oracle_asset: address
    balance: uint256  # token units
    price: uint256  # USD WAD per whole token
    decimals: uint256
    bonus: uint256  # WAD
    lt: uint256  # WAD


# @dev The account's ledger as the liquidation sees it, updated step by step.
struct Book:
    holdings: DynArray[Holding, MAX_TOKENS]  # the quote, then the engine's token list
    claim: uint256  # quote units owed by the vault (valued as quote collateral)
    shares: uint256  # vault debt shares
    positions: DynArray[IMarginEngine.Position, c.MAX_POSITIONS]  # in market id order
    market_prices: DynArray[uint256, c.MAX_POSITIONS]  # the oracle price of each position's market
    status: uint256  # union of the statuses read
    unpriced: address  # first oracle asset (engine order) with no usable price; empty = none


# @dev The vault's books that the liquidation moves.
struct Books:
    index: uint256  # debt index, WAD
    cash: uint256  # quote units
    claims: uint256  # Σ claims, quote units
    total_shares: uint256  # Σ debt shares


# @dev The health figures the liquidation branches on (USD WAD).
struct Figures:
    equity_maint: int256
    maint_req: uint256
    health_factor: uint256  # WAD; max_value(uint256) when not active or owing nothing
    liquidatable: bool


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(engine: IMarginEngine):
    """
    @notice Read `engine` and the contracts it is wired to.
    @param engine The 20-byte MarginEngine address.
    """
    ENGINE = engine
    VAULT = IVault(staticcall engine.vault())
    REGISTRY = IMarketRegistry(staticcall engine.registry())
    ORACLE = IOracleAdapter(staticcall engine.oracle())
    quote: address = staticcall engine.quote()
    QUOTE = quote
    config: IMarginEngine.CollateralConfig = staticcall engine.collateral_config(quote)
    QUOTE_ASSET = config.oracle_asset
    QUOTE_UNIT = 10**config.decimals


# ---- external -------------------------------------------------------------------------
@view
@external
def engine() -> address:
    """
    @notice The MarginEngine this Lens reads.
    @return The 20-byte engine address.
    """
    return ENGINE.address


@view
@external
def active_accounts(start: uint256, count: uint256) -> DynArray[uint256, MAX_PAGE]:
    """
    @notice A page of the engine's active set (accounts with debt or an open position).
    @dev The set is swap-and-pop: its order changes as accounts leave it, so scan every
         page at one block before acting on any. Never reverts.
    @param start The 32-byte index of the first entry.
    @param count The 32-byte number of entries wanted (at most MAX_PAGE are returned).
    @return Up to min(count, MAX_PAGE) account ids; empty past the end.
    """
    out: DynArray[uint256, MAX_PAGE] = []
    end: uint256 = self._page_end(start, count)
    for i: uint256 in range(start, end, bound=MAX_PAGE):
        out.append(staticcall ENGINE.active_at(i))
    return out


@view
@external
def liquidatable(start: uint256, count: uint256) -> DynArray[ILens.Candidate, MAX_PAGE]:
    """
    @notice The accounts of a page of the active set that `liquidate` would accept now.
    @dev Scans entries start .. start + min(count, MAX_PAGE) − 1. Skips accounts the
         engine cannot price (`account_health(id).priced` False: a stale or invalid feed,
         the sequencer down) and, in the sequencer's grace period, accounts at or above
         the grace floor (the engine would revert "engine: grace period above floor").
         Returns nothing while the quote itself has no usable price (every liquidation
         reads it). Never reverts.
    @param start The 32-byte index of the first active-set entry to scan.
    @param count The 32-byte number of entries to scan (at most MAX_PAGE).
    @return One Candidate per liquidatable account, in active-set order.
    """
    out: DynArray[ILens.Candidate, MAX_PAGE] = []
    end: uint256 = self._page_end(start, count)
    if end == start:
        return out
    quote_price: uint256 = 0
    quote_status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    quote_price, quote_status = staticcall ORACLE.price_info(QUOTE_ASSET)
    if quote_price == 0:
        return out
    for i: uint256 in range(start, end, bound=MAX_PAGE):
        account_id: uint256 = staticcall ENGINE.active_at(i)
        h: IMarginEngine.Health = staticcall ENGINE.account_health(account_id)
        if not h.liquidatable:
            continue
        status: uint256 = h.status | convert(quote_status, uint256)
        if status & c.STATUS_GRACE != 0 and h.health_factor >= c.GRACE_HEALTH_FLOOR:
            continue
        out.append(
            ILens.Candidate(
                account_id=account_id,
                owner=staticcall ENGINE.owner_of(account_id),
                mode=staticcall ENGINE.mode_of(account_id),
                health_factor=h.health_factor,
                shortfall=h.shortfall,
                debt=staticcall ENGINE.debt_of(account_id),
            )
        )
    return out


@view
@external
def quote_liquidation(account_id: uint256, seize_token: address) -> ILens.Quote:
    """
    @notice What `liquidate(account_id, max_value(uint256), seize_token, 0, receiver)`
            would do now: the positions it closes, the fee, the repay and the seize, the
            seize's value, the liquidator's gain and the write-off (see the contract notes).
    @dev Never reverts for the account's state: a liquidation that would revert is quoted
         with `reverts` and the engine's reason (unknown account, the adapter's reason for
         an unusable price, not liquidatable, the grace-period floor, and the registry's
         seize reasons: token not held, sweep above debt, sweep with open positions).
    @param account_id The 32-byte account id.
    @param seize_token The 20-byte token to seize; empty = sweep.
    @return The Quote (ILens).
    """
    return self._quote(account_id, seize_token, max_value(uint256))


@view
@external
def quote_liquidation_capped(account_id: uint256, seize_token: address, repay_amount: uint256) -> ILens.Quote:
    """
    @notice `quote_liquidation` for a liquidator that repays at most `repay_amount`.
    @param account_id The 32-byte account id.
    @param seize_token The 20-byte token to seize; empty = sweep.
    @param repay_amount The `repay_amount` cap, quote units (0 = step 3 does not run).
    @return The Quote (ILens).
    """
    return self._quote(account_id, seize_token, repay_amount)


# ---- internal -------------------------------------------------------------------------
@internal
@view
def _page_end(start: uint256, count: uint256) -> uint256:
    """
    @dev The end (exclusive) of the page start .. start + min(count, MAX_PAGE), within the
         active set.
    """
    n: uint256 = staticcall ENGINE.active_count()
    if start >= n:
        return start
    return min(n, start + min(count, MAX_PAGE))


@internal
@view
def _quote(account_id: uint256, seize_token: address, repay_amount: uint256) -> ILens.Quote:
    """
    @dev `liquidate` replayed on the stored ledger (see the contract notes).
    """
    q: ILens.Quote = empty(ILens.Quote)
    q.account_id = account_id
    q.seize_token = seize_token
    q.repay_cap = repay_amount
    q.health_before = max_value(uint256)
    q.health_after_close = max_value(uint256)
    q.health_after = max_value(uint256)
    if staticcall ENGINE.owner_of(account_id) == empty(address):
        return self._reverted(q, "engine: unknown account")
    bucket: bool = staticcall ENGINE.mode_of(account_id) == c.MODE_ISOLATED

    # 0. The engine's snapshot: one price batch (quote, tokens, markets), all > 0.
    b: Book = self._read(account_id)
    v: Books = Books(
        index=staticcall VAULT.debt_index(),
        cash=staticcall VAULT.cash(),
        claims=staticcall VAULT.total_claims(),
        total_shares=staticcall VAULT.total_debt_shares(),
    )
    q.status = b.status
    if b.unpriced != empty(address):
        return self._reverted(q, self._oracle_reason(b.unpriced))
    f: Figures = self._value(b, v.index)
    q.health_before = f.health_factor
    q.health_after_close = f.health_factor
    q.health_after = f.health_factor
    if not f.liquidatable:
        return self._reverted(q, "engine: not liquidatable")
    if b.status & c.STATUS_GRACE != 0 and f.health_factor >= c.GRACE_HEALTH_FLOOR:
        return self._reverted(q, "engine: grace period above floor")

    # 1. The claim is collected (pay_claim: as much as cash allows).
    collected: uint256 = min(b.claim, v.cash)
    b.holdings[0].balance += collected
    b.claim -= collected
    v.cash -= collected
    v.claims -= collected

    # 2. Close positions as the registry plans; settle realised − fees like `_settle`. A
    #    second pass closes the rest when the first leaves debt and no collateral (H-1).
    if len(b.positions) != 0:
        close_all: bool = bucket
        fee_usd: uint256 = 0
        for _pass: uint256 in range(2):
            plan: DynArray[IMarketRegistry.Close, c.MAX_POSITIONS] = staticcall REGISTRY.plan_closes(
                b.positions, b.market_prices, f.equity_maint, f.maint_req, b.holdings[0].lt, close_all
            )
            closed: uint256 = 0
            realised: int256 = 0
            trading_fee: uint256 = 0
            pass_fee: uint256 = 0
            for close: IMarketRegistry.Close in plan:
                q.closes.append(close)
                closed |= 1 << close.market_id
                realised += close.realised
                trading_fee += close.trading_fee
                pass_fee += close.liquidation_fee
            kept: DynArray[IMarginEngine.Position, c.MAX_POSITIONS] = []
            kept_prices: DynArray[uint256, c.MAX_POSITIONS] = []
            for i: uint256 in range(len(b.positions), bound=c.MAX_POSITIONS):
                if (closed >> b.positions[i].market_id) & 1 == 0:
                    kept.append(b.positions[i])
                    kept_prices.append(b.market_prices[i])
            b.positions = kept
            b.market_prices = kept_prices
            b, v = self._settle(b, v, realised - convert(pass_fee, int256), trading_fee)
            fee_usd += pass_fee
            if len(kept) == 0 or b.shares == 0 or self._holds(b):
                break
            close_all = True
        # pay_fee: the fee in quote units rounded down, as far as cash above claims allows.
        q.fee = fee_usd * QUOTE_UNIT // b.holdings[0].price
        available: uint256 = 0
        if v.cash > v.claims:
            available = v.cash - v.claims
        q.fee = min(q.fee, available)
        v.cash -= q.fee
        f = self._value(b, v.index)
        q.health_after_close = f.health_factor

    # 3. Repay and seize, if still liquidatable: the registry's plan for this ledger.
    if f.liquidatable and repay_amount != 0 and b.shares != 0 and self._holds(b):
        debt: uint256 = w._ceil_div(b.shares * v.index, c.WAD)
        target: uint256 = max_value(uint256)
        if seize_token != empty(address):
            target = MAX_TOKENS
        seizable: DynArray[IMarketRegistry.Seizable, MAX_TOKENS] = []
        for i: uint256 in range(len(b.holdings), bound=MAX_TOKENS):
            h: Holding = b.holdings[i]
            q.tokens.append(h.token)
            if h.token == seize_token and h.balance != 0:
                if h.price == 0:
                    q.tokens = []
                    return self._reverted(q, "engine: seize token unpriced")
                target = i
            if h.price == 0:
                h.balance = 0  # M-1: an unpriced token is never seized (the engine skips it)
            seizable.append(IMarketRegistry.Seizable(balance=h.balance, price=h.price, decimals=h.decimals, bonus=h.bonus, lt=h.lt))
        terms: IMarketRegistry.SeizeTerms = IMarketRegistry.SeizeTerms(
            debt=debt,
            cap=repay_amount,
            bucket=bucket,
            health_factor=f.health_factor,
            min_debt=staticcall ENGINE.min_debt(),
            quote_price=b.holdings[0].price,
            quote_unit=QUOTE_UNIT,
            target=target,
            positions_open=f.maint_req != 0,
        )
        ok: bool = False
        data: Bytes[RETURN_BYTES] = b""
        # The registry's own checks (token not held, sweep rules) revert `seize_plan`: a
        # non-reverting static call turns them into the quote's reason.
        ok, data = raw_call(
            REGISTRY.address,
            abi_encode(terms, seizable, method_id=method_id("seize_plan((uint256,uint256,bool,uint256,uint256,uint256,uint256,uint256,bool),(uint256,uint256,uint256,uint256,uint256)[])")),
            max_outsize=RETURN_BYTES,
            is_static_call=True,
            revert_on_failure=False,
        )
        if not ok:
            q.tokens = []
            return self._reverted(q, self._error_reason(data))
        q.seizes = True
        q.repay, q.seized, q.amounts = abi_decode(data, (uint256, uint256, DynArray[uint256, MAX_TOKENS]))
        for i: uint256 in range(len(q.amounts), bound=MAX_TOKENS):
            amount: uint256 = q.amounts[i]
            if amount != 0:
                h: Holding = b.holdings[i]
                b.holdings[i].balance = h.balance - amount
                q.seize_value += amount * h.price // 10**h.decimals * QUOTE_UNIT // b.holdings[0].price
        if q.repay != 0:
            burnt: uint256 = b.shares
            if q.repay < debt:
                burnt = q.repay * c.WAD // v.index  # rounds down, as the engine burns
            b.shares -= burnt
            v.total_shares -= burnt

    # 4. Write off what nothing backs (no collateral, no position): the fall of the
    #    vault's total debt.
    if b.shares != 0 and len(b.positions) == 0 and not self._holds(b):
        q.write_off = w._ceil_div(v.total_shares * v.index, c.WAD) - w._ceil_div((v.total_shares - b.shares) * v.index, c.WAD)
        v.total_shares -= b.shares
        b.shares = 0

    q.health_after = self._value(b, v.index).health_factor
    q.gain = convert(q.fee + q.seize_value, int256) - convert(q.repay, int256)
    return q


@internal
@view
def _read(account_id: uint256) -> Book:
    """
    @dev The account's ledger and the engine's price batch for it: the quote (always, as
         `liquidate` reads it), each held non-quote token in the engine's list order, each
         position's market in id order. Records the union of the statuses and the first
         asset whose price is 0 (the engine reverts with that asset's reason).
    """
    b: Book = empty(Book)
    assets: DynArray[address, MAX_ASSETS] = []
    quote_config: IMarginEngine.CollateralConfig = staticcall ENGINE.collateral_config(QUOTE)
    b.holdings.append(
        Holding(
            token=QUOTE,
            oracle_asset=QUOTE_ASSET,
            balance=staticcall ENGINE.collateral_of(account_id, QUOTE),
            price=0,
            decimals=quote_config.decimals,
            bonus=quote_config.liquidation_bonus,
            lt=quote_config.liquidation_threshold,
        )
    )
    assets.append(QUOTE_ASSET)
    for token: address in staticcall ENGINE.collaterals_of(account_id):
        if token == QUOTE:
            continue
        config: IMarginEngine.CollateralConfig = staticcall ENGINE.collateral_config(token)
        b.holdings.append(
            Holding(
                token=token,
                oracle_asset=config.oracle_asset,
                balance=staticcall ENGINE.collateral_of(account_id, token),
                price=0,
                decimals=config.decimals,
                bonus=config.liquidation_bonus,
                lt=config.liquidation_threshold,
            )
        )
        assets.append(config.oracle_asset)
    b.claim = staticcall ENGINE.claim_of(account_id)
    b.shares = staticcall ENGINE.debt_shares_of(account_id)
    b.positions = staticcall ENGINE.positions_of(account_id)
    if len(b.positions) != 0:
        ids: DynArray[uint256, c.MAX_POSITIONS] = []
        for p: IMarginEngine.Position in b.positions:
            ids.append(p.market_id)
        for asset: address in staticcall REGISTRY.oracle_assets(ids):
            assets.append(asset)
    infos: DynArray[IOracleAdapter.PriceInfo, 32] = staticcall ORACLE.price_info_many(assets)
    held: uint256 = len(b.holdings)
    for i: uint256 in range(len(infos), bound=MAX_ASSETS):
        price: uint256 = infos[i].price
        b.status |= convert(infos[i].status, uint256)
        # M-1: a non-quote collateral token's unusable price (not the sequencer's) counts
        # as 0 and never makes the account unpriced, as in the engine's `health._read`.
        if price == 0 and b.unpriced == empty(address) and not (i != 0 and i < held and infos[i].status != IOracleAdapter.PriceStatus.SEQUENCER_DOWN):
            b.unpriced = assets[i]
        if i < held:
            b.holdings[i].price = price
        else:
            b.market_prices.append(price)
    return b


@internal
@view
def _value(b: Book, index: uint256) -> Figures:
    """
    @dev The engine's health figures (module `health`) of the ledger at its prices:
         collateral and PnL rounded down, debt and requirements rounded up.
    """
    quote: Holding = b.holdings[0]
    value: uint256 = (quote.balance + b.claim) * quote.price // QUOTE_UNIT
    wc_maint: uint256 = value * quote.lt // c.WAD
    debt: uint256 = 0
    if b.shares != 0:
        debt = valuation._debt_value(b.shares, index, quote.price, QUOTE_UNIT)
    for i: uint256 in range(1, len(b.holdings), bound=MAX_TOKENS):
        h: Holding = b.holdings[i]
        wc_maint += h.balance * h.price // 10**h.decimals * h.lt // c.WAD
    pnl: int256 = 0
    maint_req: uint256 = 0
    if len(b.positions) != 0:
        for fig: IMarketRegistry.Figure in staticcall REGISTRY.figures(b.positions, b.market_prices):
            pnl += fig.pnl
            maint_req += fig.maint_req
    # The engine's own composition of the sums (module `valuation`); the initial-margin
    # figures play no part in a liquidation.
    h: IMarginEngine.Health = valuation._compose(
        wc_maint, 0, debt, pnl, maint_req, 0, b.shares != 0 or len(b.positions) != 0, b.unpriced == empty(address), b.status
    )
    return Figures(equity_maint=h.equity_maint, maint_req=maint_req, health_factor=h.health_factor, liquidatable=h.liquidatable)


@internal
@view
def _settle(book: Book, books: Books, realised: int256, fee: uint256) -> (Book, Books):
    """
    @dev `MarginEngine._settle` on the ledger and the vault's books: amount =
         realised (profit rounded down, loss up) − fee (rounded up), in quote units.
         A profit repays debt first (shares burnt rounded down), the vault pays the rest
         up to its cash above claims, the remainder becomes a claim. A loss comes from
         quote collateral first (into the vault's cash); the rest is settlement debt
         (shares minted rounded up).
    """
    b: Book = book
    v: Books = books
    amount: int256 = 0
    fee_q: uint256 = 0
    amount, fee_q = valuation._settlement_amount(realised, fee, QUOTE_UNIT, b.holdings[0].price)
    if amount >= 0:
        profit: uint256 = convert(amount, uint256)
        used: uint256 = 0
        repaid: uint256 = 0
        repaid, used = valuation._profit_repays(profit, b.shares, v.index)
        b.shares -= repaid
        v.total_shares -= repaid
        rest: uint256 = profit - used
        if rest != 0:
            available: uint256 = 0
            if v.cash > v.claims:
                available = v.cash - v.claims
            paid: uint256 = min(rest, available)
            v.cash -= paid
            v.claims += rest - paid
            b.holdings[0].balance += paid
            b.claim += rest - paid
    else:
        loss: uint256 = convert(-amount, uint256)
        from_collateral: uint256 = min(loss, b.holdings[0].balance)
        b.holdings[0].balance -= from_collateral
        v.cash += from_collateral
        if loss != from_collateral:
            minted: uint256 = w._ceil_div((loss - from_collateral) * c.WAD, v.index)
            b.shares += minted
            v.total_shares += minted
    return b, v


@internal
@pure
def _holds(b: Book) -> bool:
    """
    @dev Whether the ledger holds any collateral (a token, quote, or a claim).
    """
    if b.claim != 0:
        return True
    for h: Holding in b.holdings:
        if h.balance != 0:
            return True
    return False


@internal
@pure
def _reverted(q: ILens.Quote, reason: String[REASON_BYTES]) -> ILens.Quote:
    """
    @dev The quote of a liquidation that reverts with `reason`.
    """
    out: ILens.Quote = q
    out.reverts = True
    out.reason = reason
    return out


@internal
@view
def _oracle_reason(asset: address) -> String[REASON_BYTES]:
    """
    @dev The adapter's reason for `asset` (what the engine reverts with): its strict
         `price` view, called so that it cannot make this view revert.
    """
    ok: bool = False
    data: Bytes[RETURN_BYTES] = b""
    ok, data = raw_call(
        ORACLE.address,
        abi_encode(asset, method_id=method_id("price(address)")),
        max_outsize=RETURN_BYTES,
        is_static_call=True,
        revert_on_failure=False,
    )
    return self._error_reason(data)


@internal
@pure
def _error_reason(data: Bytes[RETURN_BYTES]) -> String[REASON_BYTES]:
    """
    @dev The string of an Error(string) revert (selector, offset, length, bytes); empty
         when `data` is anything else (a panic, no data) or the string is longer than
         REASON_BYTES. Every reason of the adapter and the registry is such a string.
    """
    if len(data) < 68 or convert(slice(data, 0, 4), bytes4) != method_id("Error(string)", output_type=bytes4):
        return ""
    n: uint256 = convert(slice(data, 36, 32), uint256)
    if n > REASON_BYTES or len(data) < 68 + n:
        return ""
    return abi_decode(slice(data, 4, len(data) - 4), String[REASON_BYTES])
