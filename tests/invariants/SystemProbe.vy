# pragma version ~=0.4.3
"""
@title SystemProbe
@notice Test-only reader for the system state machine (tests/invariants): one eth_call
        returns every view the invariants read after a step (each account's ledger and
        health, the vault's books, the markets, the prices, the parameters), instead of a
        few hundred separate calls.
@dev Compiled and deployed by tests/invariants/system_machine_probe.py; never part of the
     protocol. It only forwards the contracts' own public views (no arithmetic), so what
     the invariants check is exactly what the contracts answer.
"""

from ethereum.ercs import IERC20
from interfaces import IMarginEngine
from interfaces import IMarketRegistry
from interfaces import IOracleAdapter
from interfaces import IVault

MAX_IDS: constant(uint256) = 40
MAX_TOKENS: constant(uint256) = 8
MAX_HOLDERS: constant(uint256) = 12
MAX_MARKETS: constant(uint256) = 4


interface IVault4626:
    def totalAssets() -> uint256: view
    def totalSupply() -> uint256: view
    def balanceOf(owner: address) -> uint256: view
    def maxWithdraw(owner: address) -> uint256: view
    def maxRedeem(owner: address) -> uint256: view
    def maxDeposit(receiver: address) -> uint256: view
    def share_price() -> uint256: view
    def deposits_paused() -> bool: view
    def base_rate() -> uint256: view
    def slope1() -> uint256: view
    def slope2() -> uint256: view
    def kink() -> uint256: view
    def reserve_factor() -> uint256: view
    def MAX_BORROW_RATE() -> uint256: view


struct AccountView:
    account_id: uint256
    owner: address
    mode: uint256
    active: bool
    debt_shares: uint256
    debt: uint256
    claim: uint256
    vault_claim: uint256
    balances: DynArray[uint256, MAX_TOKENS]  # collateral_of for each probed token, in order
    held: DynArray[address, 6]  # collaterals_of
    positions: DynArray[IMarginEngine.Position, 10]
    health: IMarginEngine.Health


struct Books:
    total_assets: uint256
    total_supply: uint256
    cash: uint256
    total_debt: uint256
    total_debt_shares: uint256
    reserve: uint256
    total_claims: uint256
    debt_index: uint256
    free_cash: uint256
    book_assets: uint256
    share_price: uint256
    vault_quote_balance: uint256
    max_deposit: uint256
    net_pnl: int256
    reserved: uint256
    band: uint256
    marks_ok: bool
    oi_needed: uint256
    deficit: uint256
    account_count: uint256
    active_ids: DynArray[uint256, MAX_IDS]
    paused: bool
    deposits_paused: bool
    min_debt: uint256
    shares: DynArray[uint256, MAX_HOLDERS]  # LP share balance of each probed holder
    max_withdraw: DynArray[uint256, MAX_HOLDERS]
    max_redeem: DynArray[uint256, MAX_HOLDERS]
    wallets: DynArray[uint256, MAX_HOLDERS * MAX_TOKENS]  # token.balanceOf(holder), holder-major
    engine_balances: DynArray[uint256, MAX_TOKENS]  # token.balanceOf(engine)
    totals: DynArray[uint256, MAX_TOKENS]  # engine.total_collateral(token)
    prices: DynArray[IOracleAdapter.PriceInfo, 32]  # price_info_many(assets)
    funding: DynArray[int256, 2 * MAX_MARKETS]  # funding_indices: long, short per market
    states: DynArray[IMarketRegistry.MarketState, MAX_MARKETS]


struct Params:
    collaterals: DynArray[IMarginEngine.CollateralConfig, MAX_TOKENS]
    markets: DynArray[IMarketRegistry.Market, MAX_MARKETS]
    base_rate: uint256
    slope1: uint256
    slope2: uint256
    kink: uint256
    reserve_factor: uint256
    max_borrow_rate: uint256
    grace_period: uint256
    feeds: DynArray[IOracleAdapter.FeedConfig, MAX_TOKENS]


@view
@external
def accounts(
    engine: IMarginEngine, vault: IVault, ids: DynArray[uint256, MAX_IDS], tokens: DynArray[address, MAX_TOKENS]
) -> DynArray[AccountView, MAX_IDS]:
    out: DynArray[AccountView, MAX_IDS] = []
    for account_id: uint256 in ids:
        balances: DynArray[uint256, MAX_TOKENS] = []
        for token: address in tokens:
            balances.append(staticcall engine.collateral_of(account_id, token))
        out.append(
            AccountView(
                account_id=account_id,
                owner=staticcall engine.owner_of(account_id),
                mode=staticcall engine.mode_of(account_id),
                active=staticcall engine.is_active(account_id),
                debt_shares=staticcall engine.debt_shares_of(account_id),
                debt=staticcall engine.debt_of(account_id),
                claim=staticcall engine.claim_of(account_id),
                vault_claim=staticcall vault.claim_of(account_id),
                balances=balances,
                held=staticcall engine.collaterals_of(account_id),
                positions=staticcall engine.positions_of(account_id),
                health=staticcall engine.account_health(account_id),
            )
        )
    return out


@view
@external
def books(
    engine: IMarginEngine,
    vault: IVault,
    registry: IMarketRegistry,
    oracle: IOracleAdapter,
    holders: DynArray[address, MAX_HOLDERS],
    tokens: DynArray[address, MAX_TOKENS],
    assets: DynArray[address, 32],
    market_ids: DynArray[uint256, MAX_MARKETS],
) -> Books:
    v: IVault4626 = IVault4626(vault.address)
    b: Books = empty(Books)
    b.total_assets = staticcall v.totalAssets()
    b.total_supply = staticcall v.totalSupply()
    b.cash = staticcall vault.cash()
    b.total_debt = staticcall vault.total_debt()
    b.total_debt_shares = staticcall vault.total_debt_shares()
    b.reserve = staticcall vault.reserve()
    b.total_claims = staticcall vault.total_claims()
    b.debt_index = staticcall vault.debt_index()
    b.free_cash = staticcall vault.free_cash()
    b.book_assets = staticcall vault.book_assets()
    b.deficit = staticcall vault.deficit()
    b.share_price = staticcall v.share_price()
    b.vault_quote_balance = staticcall IERC20(tokens[0]).balanceOf(vault.address)
    b.max_deposit = staticcall v.maxDeposit(self)
    b.net_pnl, b.reserved, b.band, b.marks_ok, b.oi_needed = staticcall engine.vault_marks()
    b.account_count = staticcall engine.account_count()
    n: uint256 = staticcall engine.active_count()
    for i: uint256 in range(n, bound=MAX_IDS):
        b.active_ids.append(staticcall engine.active_at(i))
    b.paused = staticcall engine.paused()
    b.deposits_paused = staticcall v.deposits_paused()
    b.min_debt = staticcall engine.min_debt()
    for holder: address in holders:
        b.shares.append(staticcall v.balanceOf(holder))
        b.max_withdraw.append(staticcall v.maxWithdraw(holder))
        b.max_redeem.append(staticcall v.maxRedeem(holder))
        for token: address in tokens:
            b.wallets.append(staticcall IERC20(token).balanceOf(holder))
    for token: address in tokens:
        b.engine_balances.append(staticcall IERC20(token).balanceOf(engine.address))
        b.totals.append(staticcall engine.total_collateral(token))
    b.prices = staticcall oracle.price_info_many(assets)
    for m: uint256 in market_ids:
        long_index: int256 = 0
        short_index: int256 = 0
        long_index, short_index = staticcall registry.funding_indices(m)
        b.funding.append(long_index)
        b.funding.append(short_index)
        b.states.append(staticcall registry.market_state(m))
    return b


@view
@external
def params(
    engine: IMarginEngine,
    vault: IVault,
    registry: IMarketRegistry,
    oracle: IOracleAdapter,
    tokens: DynArray[address, MAX_TOKENS],
    market_ids: DynArray[uint256, MAX_MARKETS],
) -> Params:
    v: IVault4626 = IVault4626(vault.address)
    p: Params = empty(Params)
    for token: address in tokens:
        p.collaterals.append(staticcall engine.collateral_config(token))
        p.feeds.append(staticcall oracle.feed_config(token))
    for m: uint256 in market_ids:
        p.markets.append(staticcall registry.market(m))
    p.base_rate = staticcall v.base_rate()
    p.slope1 = staticcall v.slope1()
    p.slope2 = staticcall v.slope2()
    p.kink = staticcall v.kink()
    p.reserve_factor = staticcall v.reserve_factor()
    p.max_borrow_rate = staticcall v.MAX_BORROW_RATE()
    p.grace_period = staticcall oracle.grace_period()
    return p
