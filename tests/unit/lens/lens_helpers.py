"""Helpers for the Lens tests (imported by module name; tests/conftest.py puts this folder
on sys.path). Each takes the system (``lens_env``) first."""

from __future__ import annotations

from typing import Any

from engine_defaults import MAX_UINT256, QUOTE, feed_answer, wad


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


def set_price(env: Any, owner: Any, symbol: str, price: str) -> None:
    """Publish `price` (decimal USD) on the feed of `symbol`."""
    env.feeds[symbol].set_answer(feed_answer(price), sender=owner)


def arm(env: Any, liquidator: Any, whole: int = 10_000_000) -> None:
    """Give the liquidator quote to repay with and approve the engine."""
    fund(env, liquidator, QUOTE.symbol, whole)


def tokens_of(env: Any) -> list[Any]:
    """Every listed token, the quote first."""
    return [env.quote] + [t for s, t in env.tokens.items() if t != env.quote]


def ledger(env: Any, account_id: int, liquidator: Any) -> dict[str, Any]:
    """The account's and the liquidator's balances, the account's claim, debt and positions."""
    return {
        "account": {
            t.address: env.engine.collateral_of(account_id, t) for t in tokens_of(env)
        },
        "liquidator": {t.address: t.balanceOf(liquidator) for t in tokens_of(env)},
        "claim": env.engine.claim_of(account_id),
        "shares": env.engine.debt_shares_of(account_id),
        "positions": [
            (p.market_id, p.size) for p in env.engine.positions_of(account_id)
        ],
    }


def quote_then_liquidate(
    env: Any,
    chain: Any,
    liquidator: Any,
    account_id: int,
    token: Any,
    cap: int = MAX_UINT256,
    gap: int = 0,
) -> tuple[Any, Any, dict, dict]:
    """Quote a liquidation, then execute it with the same arguments.

    gap = 0: the quote is read in the pending block (eth_call "pending" at the timestamp the
    transaction is then mined at): same block, same state. gap > 0: the quote is read at the
    head and the transaction lands `gap` seconds later (what a bot sees)."""
    at = chain.blocks.head.timestamp + max(gap, 12)
    chain.pending_timestamp = at
    if gap == 0:
        quote = env.lens.quote_liquidation_capped(
            account_id, token, cap, block_id="pending"
        )
    else:
        quote = env.lens.quote_liquidation_capped(account_id, token, cap)
    before = ledger(env, account_id, liquidator)
    receipt = env.engine.liquidate(
        account_id, cap, token, 0, liquidator, sender=liquidator
    )
    assert receipt.timestamp == at
    return quote, receipt, before, ledger(env, account_id, liquidator)
