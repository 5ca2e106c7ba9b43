"""Helpers for the attack regressions (imported by module name; tests/conftest.py puts this
folder on sys.path). Each takes the system (``attack_env`` or a module's own) first.

The arithmetic here re-derives the contracts' documented formulas in Python (integer
arithmetic, the same roundings), so tests compute expected figures instead of copying them:
the vault's share pricing (docs/vault.md §1), the liquidation's seize (module
`liquidation`), the registry's fill and fee (docs/perps.md §4, `MarketRegistry.trade`).
"""

from __future__ import annotations

import os
from typing import Any

from engine_defaults import HEARTBEAT, MAX_UINT256, WAD, feed_answer, wad
from engine_defaults import ISOLATED as ISOLATED_MODE
from eth_abi import decode

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)


# ---- actors and actions -----------------------------------------------------------------
def fund(env: Any, actor: Any, symbol: str, whole: int | str) -> int:
    """Mint `whole` tokens of `symbol` to `actor` and approve the engine; returns units."""
    amount = wad(whole) * env.unit(symbol) // 10**18
    token = env.tokens[symbol]
    token.mint(actor, amount, sender=actor)
    token.approve(env.engine, MAX_UINT256, sender=actor)
    return amount


def account(env: Any, actor: Any, mode: int, **deposits: int | str) -> int:
    """Open an account for `actor` and deposit `whole` tokens of each given symbol."""
    account_id = env.engine.open_account(mode, sender=actor).return_value
    for symbol, whole in deposits.items():
        amount = fund(env, actor, symbol, whole)
        env.engine.deposit_collateral(
            account_id, env.tokens[symbol], amount, sender=actor
        )
    return account_id


def trade(env: Any, actor: Any, account_id: int, market: str, size: str | int) -> Any:
    """`modify_position` by `size` whole base tokens (signed), any fill accepted."""
    delta = wad(size)
    limit = MAX_UINT256 if delta > 0 else 0
    return env.engine.modify_position(
        account_id, env.markets[market], delta, limit, sender=actor
    )


def close(env: Any, actor: Any, account_id: int, market: str) -> Any:
    """`close_position`, any fill accepted."""
    size = env.engine.position_of(account_id, env.markets[market]).size
    return env.engine.close_position(
        account_id, env.markets[market], 0 if size > 0 else MAX_UINT256, sender=actor
    )


def losing_bucket(env: Any, owner: Any, trader: Any, **extra: int | str) -> int:
    """A bucket with 400 USDC (and `extra` deposits) and a 1 ETH long; ETH then falls to
    2,500, a loss above the 400 USDC. Returns the bucket id (the position still open)."""
    bucket = account(env, trader, ISOLATED_MODE, USDC=400, **extra)
    trade(env, trader, bucket, "ETH", "1")
    set_price(env, owner, "WETH", "2500")
    return bucket


def events_of(receipt: Any, contract: Any, name: str) -> list:
    """The receipt's `name` events emitted by `contract` (the vault and the engine share
    event names, so a plain `events.filter` would mix them)."""
    return [
        log
        for log in receipt.decode_logs()
        if log.event_name == name and log.contract_address == contract.address
    ]


def set_price(env: Any, owner: Any, symbol: str, price: str) -> None:
    """Publish `price` (decimal USD) on the feed of `symbol`."""
    env.feeds[symbol].set_answer(feed_answer(price), sender=owner)


def go_stale(env: Any, chain: Any, owner: Any, *stale: str) -> None:
    """Move past every feed's heartbeat, then republish all but `stale` (symbols)."""
    chain.pending_timestamp = chain.blocks.head.timestamp + HEARTBEAT + 1
    for symbol, feed in env.feeds.items():
        if symbol not in stale:
            feed.set_answer(feed.latestRoundData()[1], sender=owner)


def lp_ready(env: Any, actor: Any, amount: int) -> None:
    """Mint `amount` quote units to `actor` and approve the vault."""
    env.quote.mint(actor, amount, sender=actor)
    env.quote.approve(env.vault, MAX_UINT256, sender=actor)


def lp_deposit(env: Any, actor: Any, amount: int) -> int:
    """`lp_ready`, then deposit `amount`; returns the shares minted."""
    lp_ready(env, actor, amount)
    return env.vault.deposit(amount, actor, sender=actor).return_value


def price_of(env: Any, symbol: str) -> int:
    """The adapter's WAD price of a listed token's oracle asset (any status)."""
    asset = env.engine.collateral_config(env.tokens[symbol]).oracle_asset
    return env.oracle.price_info(asset)[0]


def reason(data: bytes) -> str:
    """The reason string of Error(string) revert data."""
    assert data[:4] == ERROR_SELECTOR, data
    return decode(["string"], data[4:])[0]


# ---- the vault's share pricing (docs/vault.md §1) ----------------------------------------
def virtual_shares(vault: Any) -> int:
    return 10 ** vault.DECIMALS_OFFSET()


def mul_div(x: int, y: int, d: int, up: bool = False) -> int:
    return -(-x * y // d) if up else x * y // d


def entry_assets(total_assets: int, band: int) -> int:
    """The assets side of the entry price: totalAssets + band + 1 virtual asset."""
    return total_assets + band + 1


def exit_assets(total_assets: int, band: int) -> int:
    """The assets side of the exit price: max(0, totalAssets − band) + 1."""
    return max(0, total_assets - band) + 1


def shares_for_deposit(vault: Any, assets: int, total_assets: int, band: int) -> int:
    """Shares `deposit(assets)` mints (rounded down)."""
    supply = vault.totalSupply() + virtual_shares(vault)
    return mul_div(assets, supply, entry_assets(total_assets, band))


def assets_for_redeem(
    vault: Any, shares: int, total_assets: int, band: int, supply: int | None = None
) -> int:
    """Assets `redeem(shares)` pays (rounded down)."""
    supply = (vault.totalSupply() if supply is None else supply) + virtual_shares(vault)
    return mul_div(shares, exit_assets(total_assets, band), supply)


# ---- the registry's fill and fee (docs/perps.md §4) --------------------------------------
def fill_price(params: Any, price: int, long: int, short: int, delta: int) -> int:
    """oracle × (1 ± (spread + impact)) in the trade's direction."""
    skew_after = long - short + delta
    directed = skew_after if delta > 0 else -skew_after
    adjust = params.spread
    if directed > 0:
        adjust += min(10**17, -(-directed * WAD // params.skew_impact_scale))
    if delta > 0:
        return -(-price * (WAD + adjust) // WAD)
    return price * (WAD - adjust) // WAD


def trading_fee(params: Any, delta: int, fill: int) -> int:
    """ceil(ceil(|Δ| × fill / WAD) × trading_fee / WAD), USD WAD."""
    notional = -(-abs(delta) * fill // WAD)
    return -(-notional * params.trading_fee // WAD)


# ---- the liquidation's seize (module `liquidation`) --------------------------------------
def seize_for(
    repay: int, quote_price: int, quote_unit: int, price: int, unit: int, bonus: int
) -> int:
    """Token units worth `repay` quote units plus the bonus, rounded down."""
    usd = repay * quote_price // quote_unit
    return usd * (WAD + bonus) // WAD * unit // price


def repay_for(
    balance: int, quote_price: int, quote_unit: int, price: int, unit: int, bonus: int
) -> int:
    """Quote units a liquidator pays to seize all of `balance`, rounded up."""
    value = -(-(balance * price) // unit)  # what the liquidator takes, rounded up
    usd = -(-(value * WAD) // (WAD + bonus))
    return -(-(usd * quote_unit) // quote_price)


# ---- wealth at the oracle -------------------------------------------------------------
def token_value(env: Any, token: Any, amount: int) -> int:
    """floor(amount × price / 10**decimals): USD WAD at the oracle."""
    cfg = env.engine.collateral_config(token)
    price = env.oracle.price_info(cfg.oracle_asset)[0]
    return amount * price // 10**cfg.decimals


def wallet_value(env: Any, actor: Any) -> int:
    """Every listed token the actor holds, at the oracle (USD WAD)."""
    return sum(token_value(env, t, t.balanceOf(actor)) for t in env.tokens.values())


def account_value(env: Any, account_id: int) -> int:
    """What the account is worth to its owner at the oracle (USD WAD, signed): collateral
    and claim, minus debt, plus unrealised PnL incl. funding (unweighted)."""
    engine = env.engine
    value = sum(
        token_value(env, t, engine.collateral_of(account_id, t))
        for t in env.tokens.values()
    )
    value += token_value(env, env.quote, engine.claim_of(account_id))
    value -= token_value(env, env.quote, engine.debt_of(account_id))
    return value + engine.account_health(account_id).pnl


def liq_amounts(
    debt: int,
    cap: int,
    full: bool,
    min_debt: int,
    balance: int,
    others: bool,
    pricing: tuple[int, int, int, int, int],
) -> tuple[int, int]:
    """(repay, seize) of one liquidation in one token (module `liquidation`, `_amounts`);
    `pricing` = (quote_price, quote_unit, price, unit, bonus)."""
    repay = min(cap, debt)
    if not full:
        repay = min(repay, debt * 50 * 10**16 // WAD)
    seize = seize_for(repay, *pricing)
    if seize >= balance:
        seize = balance
        repay = min(repay, repay_for(balance, *pricing))
    rest = debt - repay
    if rest != 0 and rest < min_debt and (seize < balance or others):
        if debt > min_debt:
            repay = debt - min_debt
        seize = min(seize_for(repay, *pricing), balance)
    return repay, seize


def report(attack: str, **figures: int) -> None:
    """Print the figures docs/attacks.md quotes, when ATTACK_FIGURES=1 (run with -s):
    `ATTACK_FIGURES=1 ape test tests/attacks -s -q`. Silent otherwise."""
    if os.environ.get("ATTACK_FIGURES"):
        shown = ", ".join(f"{k}={v}" for k, v in figures.items())
        print(f"\n[{attack}] {shown}")
