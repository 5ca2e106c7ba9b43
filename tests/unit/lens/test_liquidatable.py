"""Lens.liquidatable and Lens.active_accounts: the candidates are exactly the accounts the
engine would liquidate now, page by page; unpriceable accounts and, in the sequencer's
grace period, accounts at or above the grace floor are skipped."""

from __future__ import annotations

import ape
import pytest
from engine_defaults import (
    CROSS,
    HEARTBEAT,
    ISOLATED,
    MAX_UINT256,
    WAD,
    Status,
    publish_all,
    restart_sequencer,
)
from lens_helpers import account, arm, set_price, trade


@pytest.fixture
def book(lens_env, owner, trader, trader2):
    """Six accounts of both modes: four active (three of which a shock makes liquidatable),
    one healthy active, one inactive."""
    env = lens_env
    ids = {
        "weth_cross": account(env, trader, CROSS, WETH=1),
        "weth_healthy": account(env, trader2, CROSS, WETH=1),
        "eth_bucket": account(env, trader, ISOLATED, USDC=500),
        "wbtc_bucket": account(env, trader2, ISOLATED, WBTC="0.1"),
        "idle": account(env, trader, CROSS, MEME=10_000),
        "quote_bucket": account(env, trader2, ISOLATED, USDC=1000),
    }
    env.engine.borrow(ids["weth_cross"], 2400 * env.q, trader, sender=trader)
    env.engine.borrow(ids["weth_healthy"], 1000 * env.q, trader2, sender=trader2)
    trade(env, trader, ids["eth_bucket"], "ETH", "1")
    env.engine.borrow(ids["wbtc_bucket"], 4400 * env.q, trader2, sender=trader2)
    env.engine.borrow(ids["quote_bucket"], 500 * env.q, trader2, sender=trader2)
    return ids


def shock(env, owner) -> None:
    set_price(env, owner, "WETH", "2650")
    set_price(env, owner, "WBTC", "54000")


def active_ids(env) -> list[int]:
    return [env.engine.active_at(i) for i in range(env.engine.active_count())]


def expected(env) -> list[int]:
    """What the engine itself says, one call per active account."""
    return [i for i in active_ids(env) if env.engine.is_liquidatable(i)]


def age_feeds(env, chain, owner, keep_stale: tuple[str, ...] = ()) -> None:
    """Move past the heartbeat and republish every feed but `keep_stale`."""
    chain.mine(timestamp=chain.blocks.head.timestamp + HEARTBEAT + 1)
    for symbol, feed in env.feeds.items():
        if symbol not in keep_stale:
            feed.set_answer(feed.latestRoundData()[1], sender=owner)


# ---- candidates ------------------------------------------------------------------------------
def test_no_shock__no_candidates(lens_env, book):
    env = lens_env
    assert env.engine.active_count() == 5  # the idle account is not active
    assert expected(env) == []
    assert env.lens.liquidatable(0, 100) == []


def test_shock__candidates_are_exactly_the_liquidatable_accounts(lens_env, owner, book):
    env = lens_env
    shock(env, owner)
    candidates = env.lens.liquidatable(0, 100)
    assert [c.account_id for c in candidates] == expected(env)
    assert {c.account_id for c in candidates} == {
        book["weth_cross"],
        book["eth_bucket"],
        book["wbtc_bucket"],
    }
    for c in candidates:
        health = env.engine.account_health(c.account_id)
        assert (c.owner, c.mode) == (
            env.engine.owner_of(c.account_id),
            env.engine.mode_of(c.account_id),
        )
        assert (c.health_factor, c.shortfall) == (
            health.health_factor,
            health.shortfall,
        )
        assert c.health_factor < WAD and c.shortfall > 0
        assert c.debt == env.engine.debt_of(c.account_id)


def test_liquidated_account__leaves_the_candidates(lens_env, owner, liquidator, book):
    env = lens_env
    shock(env, owner)
    arm(env, liquidator)
    env.engine.liquidate(
        book["eth_bucket"], MAX_UINT256, env.quote, 0, liquidator, sender=liquidator
    )
    assert book["eth_bucket"] not in [
        c.account_id for c in env.lens.liquidatable(0, 100)
    ]
    assert [c.account_id for c in env.lens.liquidatable(0, 100)] == expected(env)


# ---- pages -----------------------------------------------------------------------------------
def test_pages__concatenate_to_the_whole_set(lens_env, owner, book):
    env = lens_env
    shock(env, owner)
    n = env.engine.active_count()
    assert env.lens.active_accounts(0, 100) == active_ids(env)
    pages, found = [], []
    for start in range(0, n, 2):
        pages.extend(env.lens.active_accounts(start, 2))
        found.extend(c.account_id for c in env.lens.liquidatable(start, 2))
    assert pages == active_ids(env) and found == expected(env)
    assert len(env.lens.active_accounts(1, 2)) == 2


def test_pages__past_the_end_and_huge_counts_never_revert(lens_env, owner, book):
    env = lens_env
    shock(env, owner)
    n = env.engine.active_count()
    assert (
        env.lens.active_accounts(n, 100) == [] and env.lens.liquidatable(n, 100) == []
    )
    assert env.lens.active_accounts(MAX_UINT256, MAX_UINT256) == []
    assert env.lens.active_accounts(0, 0) == [] and env.lens.liquidatable(0, 0) == []
    assert env.lens.active_accounts(1, MAX_UINT256) == active_ids(env)[1:]
    assert [c.account_id for c in env.lens.liquidatable(1, MAX_UINT256)] == [
        i for i in expected(env) if i in active_ids(env)[1:]
    ]
    assert env.lens.MAX_PAGE() == 100


# ---- prices ----------------------------------------------------------------------------------
def test_stale_collateral_feed__account_listed_token_not_seized(
    lens_env, chain, owner, liquidator, book
):
    """M-1: a collateral token whose feed is stale counts as 0, so its holder is listed
    (never shielded by a bad feed), but the token itself is never seized unpriced."""
    env = lens_env
    shock(env, owner)
    age_feeds(env, chain, owner, keep_stale=("WBTC",))
    health = env.engine.account_health(book["wbtc_bucket"])
    assert health.priced and health.status & Status.STALE and health.liquidatable
    ids = [c.account_id for c in env.lens.liquidatable(0, 100)]
    assert book["wbtc_bucket"] in ids and ids == expected(env)
    assert book["weth_cross"] in ids  # the others are still found
    quote = env.lens.quote_liquidation(book["wbtc_bucket"], env.tokens["WBTC"])
    assert (quote.reverts, quote.reason) == (True, "engine: seize token unpriced")
    arm(env, liquidator)
    with ape.reverts("engine: seize token unpriced"):
        env.engine.liquidate(
            book["wbtc_bucket"],
            MAX_UINT256,
            env.tokens["WBTC"],
            0,
            liquidator,
            sender=liquidator,
        )


def test_stale_feed_refreshed__account_listed_again(lens_env, chain, owner, book):
    env = lens_env
    shock(env, owner)
    age_feeds(env, chain, owner, keep_stale=("WBTC",))
    env.feeds["WBTC"].set_answer(env.feeds["WBTC"].latestRoundData()[1], sender=owner)
    ids = [c.account_id for c in env.lens.liquidatable(0, 100)]
    assert book["wbtc_bucket"] in ids and ids == expected(env)


def test_stale_quote__nothing_listed(lens_env, chain, owner, liquidator, book):
    env = lens_env
    shock(env, owner)
    age_feeds(env, chain, owner, keep_stale=("USDC",))
    assert env.lens.liquidatable(0, 100) == []
    quote = env.lens.quote_liquidation(book["weth_cross"], env.tokens["WETH"])
    assert (quote.reverts, quote.reason) == (True, "oracle: USDC stale")
    arm(env, liquidator)
    with ape.reverts("oracle: USDC stale"):
        env.engine.liquidate(
            book["weth_cross"],
            MAX_UINT256,
            env.tokens["WETH"],
            0,
            liquidator,
            sender=liquidator,
        )


# ---- sequencer grace period ---------------------------------------------------------------
def start_grace(env, owner) -> None:
    """Back up now (the grace period starts); before the feeds publish again nothing is
    listed (every answer predates the restart), then they do."""
    restart_sequencer(env, owner, publish=False)
    assert env.lens.liquidatable(0, 100) == []
    publish_all(env, owner)


def test_grace__only_accounts_below_the_floor_listed(lens_env, owner, liquidator, book):
    env = lens_env
    shock(env, owner)
    start_grace(env, owner)
    floor = (
        95 * 10**16
    )  # DESIGN: liquidation only below health 0.95 in the grace period
    weth_cross = env.engine.account_health(book["weth_cross"])
    wbtc_bucket = env.engine.account_health(book["wbtc_bucket"])
    assert weth_cross.status & Status.GRACE and weth_cross.health_factor < floor
    assert floor <= wbtc_bucket.health_factor < WAD and wbtc_bucket.liquidatable
    ids = [c.account_id for c in env.lens.liquidatable(0, 100)]
    assert ids == [
        i for i in expected(env) if env.engine.account_health(i).health_factor < floor
    ]
    assert book["weth_cross"] in ids and book["wbtc_bucket"] not in ids
    arm(env, liquidator)
    quote = env.lens.quote_liquidation(book["wbtc_bucket"], env.tokens["WBTC"])
    assert (quote.reverts, quote.reason) == (True, "engine: grace period above floor")
    assert quote.status & Status.GRACE
    with ape.reverts("engine: grace period above floor"):
        env.engine.liquidate(
            book["wbtc_bucket"],
            MAX_UINT256,
            env.tokens["WBTC"],
            0,
            liquidator,
            sender=liquidator,
        )
    quote = env.lens.quote_liquidation(book["weth_cross"], env.tokens["WETH"])
    assert not quote.reverts
    receipt = env.engine.liquidate(
        book["weth_cross"],
        MAX_UINT256,
        env.tokens["WETH"],
        0,
        liquidator,
        sender=liquidator,
    )
    assert receipt.return_value[0] > 0


def test_grace_over__every_liquidatable_account_listed(lens_env, chain, owner, book):
    env = lens_env
    shock(env, owner)
    start_grace(env, owner)
    chain.mine(timestamp=chain.blocks.head.timestamp + env.oracle.grace_period() + 1)
    ids = [c.account_id for c in env.lens.liquidatable(0, 100)]
    assert book["wbtc_bucket"] in ids and ids == expected(env)
