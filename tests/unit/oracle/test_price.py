"""Asset classification: success paths, the bad-input list, boundaries and precedence.

Each bad input is checked on every view at once (`expect_not_ok`): the exact revert reason
of `price`, the status (and price) of `price_info`/`price_info_many`, and (0, False) from
`try_price`. The sequencer is healthy here (up since t = 1); see test_sequencer.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from oracle_defaults import (
    CODE_RETURN_ONE_WORD,
    CODE_REVERT,
    ETH_USD_8,
    HEARTBEAT,
    MAX_PRICE,
    MIN_PRICE,
    WAD,
    Status,
    expect_not_ok,
    expect_ok,
)


# ---- success paths ----------------------------------------------------------------------
def test_price__8_decimal_feed__scales_exactly_to_wad(oracle, weth, list_asset, clock):
    feed = list_asset(oracle, weth, decimals=8, answer=3_123_45678901)
    t = clock.later()
    feed.set_round(3_123_45678901, t - 10, sender=oracle.owner())
    clock.warp(t)
    expect_ok(oracle, weth, 3_123_456_789_010_000_000_000)


def test_price__18_decimal_feed__returned_unchanged(oracle, weth, list_asset, clock):
    feed = list_asset(oracle, weth, decimals=18, answer=3_000 * WAD + 7)
    t = clock.later()
    feed.set_round(3_000 * WAD + 7, t, sender=oracle.owner())
    clock.warp(t)
    expect_ok(oracle, weth, 3_000_000_000_000_000_000_007)


@pytest.mark.parametrize(
    ("decimals", "answer", "expected"),
    [
        (1, 30_001, 3_000_100_000_000_000_000_000),
        (6, 3_000_000_001, 3_000_000_001_000_000_000_000),
        (17, 300_000_000_000_000_000_001, 3_000_000_000_000_000_000_010),
    ],
)
def test_price__any_decimals_1_to_18__exact(
    oracle, weth, list_asset, decimals, answer, expected
):
    list_asset(oracle, weth, decimals=decimals, answer=answer)
    expect_ok(oracle, weth, expected)


def test_price__two_assets__each_uses_its_own_feed(
    oracle, weth, deploy_asset, list_asset
):
    wbtc = deploy_asset("WBTC", 8)
    list_asset(oracle, weth, answer=ETH_USD_8)
    list_asset(oracle, wbtc, symbol="WBTC", answer=60_000 * 10**8)
    expect_ok(oracle, weth, 3_000 * WAD)
    expect_ok(oracle, wbtc, 60_000 * WAD)
    infos = [tuple(i) for i in oracle.price_info_many([weth, wbtc, weth])]
    assert infos == [
        (3_000 * WAD, Status.OK),
        (60_000 * WAD, Status.OK),
        (3_000 * WAD, Status.OK),
    ]


# ---- the bad-input list -----------------------------------------------------------------
@dataclass
class Ctx:
    oracle: Any
    feed: Any
    owner: Any
    chain: Any
    t: int  # the instant the views are read at


@dataclass
class Case:
    arrange: Callable[[Ctx], None]
    status: Status
    reason: str
    price: int = 0  # what price_info returns alongside the status


def _round(answer: int, age: int | None) -> Callable[[Ctx], None]:
    """Publish `answer` with updatedAt = t - age (None: updatedAt = 0)."""

    def arrange(c: Ctx) -> None:
        updated_at = 0 if age is None else c.t - age
        c.feed.set_round(answer, updated_at, sender=c.owner)

    return arrange


def _code(code: bytes) -> Callable[[Ctx], None]:
    def arrange(c: Ctx) -> None:
        c.chain.provider.set_code(c.feed.address, code)

    return arrange


def _decimals(decimals: int) -> Callable[[Ctx], None]:
    def arrange(c: Ctx) -> None:
        c.feed.set_decimals(decimals, sender=c.owner)

    return arrange


BAD_INPUTS = {
    "answer_zero": Case(_round(0, 0), Status.INVALID, "oracle: WETH answer <= 0"),
    "answer_negative": Case(_round(-1, 0), Status.INVALID, "oracle: WETH answer <= 0"),
    "answer_most_negative": Case(
        _round(-(2**255), 0), Status.INVALID, "oracle: WETH answer <= 0"
    ),
    "updated_at_zero": Case(
        _round(ETH_USD_8, None), Status.INVALID, "oracle: WETH updatedAt is 0"
    ),
    "updated_at_future": Case(
        _round(ETH_USD_8, -1), Status.INVALID, "oracle: WETH updatedAt in future"
    ),
    "stale_by_one_second": Case(
        _round(ETH_USD_8, HEARTBEAT + 1), Status.STALE, "oracle: WETH stale"
    ),
    "stale_by_a_day": Case(
        _round(ETH_USD_8, 86_400), Status.STALE, "oracle: WETH stale"
    ),
    "below_min": Case(
        _round(MIN_PRICE // 10**10 - 1, 0),
        Status.OUT_OF_BAND,
        "oracle: WETH out of band",
        MIN_PRICE - 10**10,
    ),
    "above_max": Case(
        _round(MAX_PRICE // 10**10 + 1, 0),
        Status.OUT_OF_BAND,
        "oracle: WETH out of band",
        MAX_PRICE + 10**10,
    ),
    "answer_above_ceiling": Case(
        _round(10**26 + 1, 0), Status.INVALID, "oracle: WETH answer too large"
    ),
    "answer_int256_max": Case(
        _round(2**255 - 1, 0), Status.INVALID, "oracle: WETH answer too large"
    ),
    "feed_code_removed": Case(
        _code(b""), Status.INVALID, "oracle: WETH feed has no code"
    ),
    "feed_reverts": Case(
        _code(CODE_REVERT), Status.INVALID, "oracle: WETH feed call failed"
    ),
    "feed_returns_short_data": Case(
        _code(CODE_RETURN_ONE_WORD), Status.INVALID, "oracle: WETH feed call failed"
    ),
    "feed_decimals_changed_to_18": Case(
        _decimals(18), Status.INVALID, "oracle: WETH decimals mismatch"
    ),
    "feed_decimals_changed_to_0": Case(
        _decimals(0), Status.INVALID, "oracle: WETH decimals mismatch"
    ),
    # Precedence among asset faults: INVALID > STALE > OUT_OF_BAND.
    "zero_and_stale": Case(
        _round(0, HEARTBEAT + 1), Status.INVALID, "oracle: WETH answer <= 0"
    ),
    "stale_and_out_of_band": Case(
        _round(1, HEARTBEAT + 1), Status.STALE, "oracle: WETH stale"
    ),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_price__bad_input__classified_on_every_view(
    oracle, weth, weth_feed, owner, chain, clock, name
):
    case = BAD_INPUTS[name]
    ctx = Ctx(oracle, weth_feed, owner, chain, clock.later())
    # The feed is healthy first: the fault below is what changes the classification.
    expect_ok(oracle, weth, 3_000 * WAD)
    case.arrange(ctx)
    clock.warp(ctx.t)
    expect_not_ok(oracle, weth, case.status, case.reason, case.price)


def test_price__unknown_asset__invalid(oracle, deploy_asset):
    never_listed = deploy_asset("NOPE")
    expect_not_ok(oracle, never_listed, Status.INVALID, "oracle: unknown asset")


def test_price__feed_code_removed_then_restored__ok_again(
    oracle, weth, weth_feed, chain
):
    """A feed address that became an account without code (e.g. a destroyed aggregator)."""
    code = chain.provider.get_code(weth_feed.address)
    chain.provider.set_code(weth_feed.address, b"")
    expect_not_ok(oracle, weth, Status.INVALID, "oracle: WETH feed has no code")
    chain.provider.set_code(weth_feed.address, code)
    expect_ok(oracle, weth, 3_000 * WAD)


def test_price__reason_uses_configured_symbol(oracle, deploy_asset, list_asset, clock):
    wbtc = deploy_asset("WBTC", 8)
    feed = list_asset(oracle, wbtc, symbol="WBTC", answer=60_000 * 10**8)
    t = clock.later()
    feed.set_round(60_000 * 10**8, t - HEARTBEAT - 1, sender=oracle.owner())
    clock.warp(t)
    expect_not_ok(oracle, wbtc, Status.STALE, "oracle: WBTC stale")


# ---- boundaries: the success twins of the bad inputs ------------------------------------
@pytest.mark.parametrize(
    ("answer", "age", "expected"),
    [
        (ETH_USD_8, HEARTBEAT, 3_000 * WAD),  # exactly at the heartbeat: still fresh
        (ETH_USD_8, 0, 3_000 * WAD),  # updatedAt == now: fresh, not in the future
        (MIN_PRICE // 10**10, 0, MIN_PRICE),  # exactly min: in band
        (MAX_PRICE // 10**10, 0, MAX_PRICE),  # exactly max: in band
        (1, 0, 10**10),  # smallest positive answer, in band when min allows it
    ],
)
def test_price__at_boundary__ok(oracle, weth, list_asset, clock, answer, age, expected):
    min_price = 10**10 if answer == 1 else MIN_PRICE
    feed = list_asset(oracle, weth, min_price=min_price)
    t = clock.later()
    feed.set_round(answer, t - age, sender=oracle.owner())
    clock.warp(t)
    expect_ok(oracle, weth, expected)


def test_price__answer_at_ceiling__out_of_band_not_invalid(
    oracle, weth, list_asset, clock
):
    """10**36 WAD is the largest price the adapter returns; with max below it, it is OUT_OF_BAND."""
    feed = list_asset(oracle, weth)
    t = clock.later()
    feed.set_round(10**26, t, sender=oracle.owner())
    clock.warp(t)
    expect_not_ok(oracle, weth, Status.OUT_OF_BAND, "oracle: WETH out of band", 10**36)


# ---- an OCR2-shaped feed: startedAt (observation) differs from updatedAt -----------------
@pytest.fixture
def ocr2_feed(project, owner) -> Any:
    return project.MockOCR2Aggregator.deploy(8, ETH_USD_8, sender=owner)


def test_price__observed_long_ago_transmitted_now__fresh_by_updated_at(
    oracle, weth, list_asset, ocr2_feed, owner, clock
):
    """Freshness is `updatedAt` (when the round landed), never `startedAt`: an answer
    observed more than a heartbeat before it was transmitted is fresh when it lands."""
    list_asset(oracle, weth, feed=ocr2_feed)
    t = clock.later()
    ocr2_feed.transmit(3_100 * 10**8, t - HEARTBEAT - 1, t, sender=owner)
    clock.warp(t)
    expect_ok(oracle, weth, 3_100 * WAD)


def test_price__observed_now_transmitted_long_ago__stale(
    oracle, weth, list_asset, ocr2_feed, owner, clock
):
    """The twin: a recent `startedAt` does not rescue an `updatedAt` older than the heartbeat
    (mutation survivor OracleAdapter:511:literal-off-by-one:1 read `startedAt`)."""
    list_asset(oracle, weth, feed=ocr2_feed)
    t = clock.later()
    ocr2_feed.transmit(3_100 * 10**8, t, t - HEARTBEAT - 1, sender=owner)
    clock.warp(t)
    expect_not_ok(oracle, weth, Status.STALE, "oracle: WETH stale")


def test_price__stale_then_fresh_round__ok_again(oracle, weth, weth_feed, owner, clock):
    t = clock.later()
    weth_feed.set_round(ETH_USD_8, t - HEARTBEAT - 1, sender=owner)
    clock.warp(t)
    expect_not_ok(oracle, weth, Status.STALE, "oracle: WETH stale")
    weth_feed.set_answer(3_100 * 10**8, sender=owner)
    expect_ok(oracle, weth, 3_100 * WAD)


def test_price__decimals_restored__ok_again(oracle, weth, weth_feed, owner):
    weth_feed.set_decimals(18, sender=owner)
    expect_not_ok(oracle, weth, Status.INVALID, "oracle: WETH decimals mismatch")
    weth_feed.set_decimals(8, sender=owner)
    expect_ok(oracle, weth, 3_000 * WAD)
