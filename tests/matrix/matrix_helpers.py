"""Decimals matrix inputs and helpers (imported by name; tests/conftest.py puts this folder
on sys.path).

Axes: quote 6 / 18 decimals, collateral 6 / 8 / 18, feeds 8 / 18. ``COMBOS`` covers every
value of every axis with every flow, every pair of values of any two axes (so each quote
decimals meets each collateral decimals, each on some feed, and so on), and the two
extremes: a 6-decimal quote with an 18-decimal collateral on 18-decimal feeds, and an
18-decimal quote with a 6-decimal collateral on 8-decimal feeds. Six deployments instead of
the twelve of the full product.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from engine_defaults import MAX_UINT256, Listing, feed_answer


@dataclass(frozen=True)
class Combo:
    quote: int  # quote token decimals
    collateral: int  # collateral (WETH-like) decimals
    feed: int  # decimals of every price feed

    @property
    def id(self) -> str:
        return f"q{self.quote}-c{self.collateral}-f{self.feed}"


COMBOS = (
    Combo(6, 18, 18),  # extreme: the quote's unit is 10**12 times the collateral's
    Combo(18, 6, 8),  # extreme: the other way round
    Combo(6, 6, 18),
    Combo(6, 8, 8),
    Combo(18, 8, 18),
    Combo(18, 18, 8),
)


def quote_listing(decimals: int) -> Listing:
    """DESIGN's quote factors (CF 0.95, LT 0.97, bonus 2 %) at `decimals` (symbol USDC at
    both: the engine fixtures name the quote by it)."""
    return Listing("USDC", decimals, "1", "0.95", "0.97", "0.02", "0.9", "1.1")


def collateral_listing(decimals: int) -> Listing:
    """DESIGN's WETH factors (CF 0.80, LT 0.85, bonus 5 %) at `decimals`; the default ETH
    perp is listed on it."""
    return Listing("WETH", decimals, "3000", "0.80", "0.85", "0.05", "100", "100000")


def units(env: Any, symbol: str, whole: str) -> int:
    """`whole` tokens of `symbol` in its own decimals (exactly)."""
    value = Fraction(whole) * 10 ** env.listings[symbol].decimals
    assert value.denominator == 1, f"{whole} {symbol} not representable"
    return int(value)


def odd_price(env: Any, whole: str, digits: str = "23456789012345678901") -> str:
    """A price `whole`.digits with as many decimals as the feeds carry (so an 18-decimal
    feed's extra precision reaches the maths)."""
    return f"{whole}.{digits[: env.combo.feed]}"


def set_price(env: Any, owner: Any, symbol: str, price: str) -> None:
    env.feeds[symbol].set_answer(feed_answer(price, env.combo.feed), sender=owner)


def republish(env: Any, owner: Any) -> None:
    """Republish every feed's answer (fresh after a jump in time)."""
    for feed in env.feeds.values():
        feed.set_answer(feed.latestRoundData()[1], sender=owner)


def price_wad(env: Any, symbol: str) -> int:
    price, ok = env.oracle.try_price(env.tokens[symbol])
    assert ok
    return price


def fund(env: Any, actor: Any, symbol: str, amount: int, spender: Any = None) -> int:
    token = env.tokens[symbol]
    token.mint(actor, amount, sender=actor)
    token.approve(spender or env.engine, MAX_UINT256, sender=actor)
    return amount


def account(env: Any, actor: Any, mode: int, **deposits: int) -> int:
    """Open an account for `actor` and deposit the given token units of each symbol."""
    account_id = env.engine.open_account(mode, sender=actor).return_value
    for symbol, amount in deposits.items():
        fund(env, actor, symbol, amount)
        env.engine.deposit_collateral(
            account_id, env.tokens[symbol], amount, sender=actor
        )
    return account_id


def event(receipt: Any, name: str) -> Any:
    (log,) = [log for log in receipt.events if log.event_name == name]
    return log
