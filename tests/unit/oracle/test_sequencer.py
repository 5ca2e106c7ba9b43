"""The L2 sequencer uptime feed: DOWN, GRACE after a restart, malformed rounds, precedence."""

from __future__ import annotations

import pytest
from oracle_defaults import (
    CODE_RETURN_ONE_WORD,
    CODE_REVERT,
    ETH_USD_8,
    HEARTBEAT,
    MAX_PRICE,
    SEQ_DOWN,
    SEQ_UP,
    WAD,
    Status,
    expect_not_ok,
    expect_ok,
)

PRICE = 3_000 * WAD  # the weth_feed answer in WAD
GRACE = 3_600  # the adapter's default grace period, checked in the first test


def test_no_sequencer_feed__ok(deploy_oracle, weth, list_asset):
    oracle = deploy_oracle()
    list_asset(oracle, weth)
    assert oracle.sequencer_status() == Status.OK
    expect_ok(oracle, weth, PRICE)


def test_sequencer_up_long_ago__ok(oracle, weth, weth_feed):
    assert oracle.grace_period() == GRACE
    assert oracle.sequencer_status() == Status.OK
    expect_ok(oracle, weth, PRICE)


# ---- down -------------------------------------------------------------------------------
def test_sequencer_down__every_asset_reads_down(
    oracle, sequencer, weth, weth_feed, deploy_asset, owner
):
    sequencer.set_status(True, sender=owner)
    assert oracle.sequencer_status() == Status.SEQUENCER_DOWN
    # The frozen feed still looks fresh: that is exactly why DOWN outranks everything.
    expect_not_ok(oracle, weth, Status.SEQUENCER_DOWN, "oracle: sequencer down")
    # Precedence SEQUENCER_DOWN > INVALID: even an unlisted asset reads DOWN.
    expect_not_ok(
        oracle, deploy_asset("NOPE"), Status.SEQUENCER_DOWN, "oracle: sequencer down"
    )


def test_sequencer_down__outranks_stale_and_invalid(
    oracle, sequencer, weth, weth_feed, owner, clock
):
    t = clock.later()
    weth_feed.set_round(0, t - HEARTBEAT - 1, sender=owner)
    sequencer.set_round(SEQ_DOWN, t - 5, t - 5, sender=owner)
    clock.warp(t)
    expect_not_ok(oracle, weth, Status.SEQUENCER_DOWN, "oracle: sequencer down")


def test_sequencer_down__batch_reads_down(
    oracle, sequencer, weth, weth_feed, deploy_asset, list_asset, owner
):
    wbtc = deploy_asset("WBTC", 8)
    list_asset(oracle, wbtc, symbol="WBTC", answer=60_000 * 10**8)
    sequencer.set_status(True, sender=owner)
    infos = [tuple(i) for i in oracle.price_info_many([weth, wbtc])]
    assert infos == [(0, Status.SEQUENCER_DOWN), (0, Status.SEQUENCER_DOWN)]


# ---- grace after a restart --------------------------------------------------------------
def test_sequencer_back_up__grace_then_ok(
    oracle, sequencer, weth, weth_feed, owner, clock
):
    """The realistic flow with the mock's helper: down, up (startedAt = now), grace, OK."""
    sequencer.set_status(True, sender=owner)
    expect_not_ok(oracle, weth, Status.SEQUENCER_DOWN, "oracle: sequencer down")
    sequencer.set_status(False, sender=owner)
    restarted = clock.now()
    weth_feed.set_answer(ETH_USD_8, sender=owner)
    assert oracle.sequencer_status() == Status.GRACE
    # GRACE carries the (fresh) price, but price() refuses it.
    expect_not_ok(oracle, weth, Status.GRACE, "oracle: sequencer grace period", PRICE)
    clock.warp(restarted + GRACE)
    weth_feed.set_answer(ETH_USD_8, sender=owner)  # keep the asset fresh after the jump
    assert oracle.sequencer_status() == Status.OK
    expect_ok(oracle, weth, PRICE)


@pytest.mark.parametrize(
    ("up_for", "status"),
    [(0, Status.GRACE), (GRACE - 1, Status.GRACE), (GRACE, Status.OK)],
)
def test_grace_boundary__ends_exactly_at_started_at_plus_grace(
    oracle, sequencer, weth, weth_feed, owner, clock, up_for, status
):
    t = clock.later()
    sequencer.set_round(SEQ_UP, t - up_for, t - up_for, sender=owner)
    weth_feed.set_round(ETH_USD_8, t, sender=owner)
    clock.warp(t)
    assert oracle.sequencer_status() == status
    if status == Status.OK:
        expect_ok(oracle, weth, PRICE)
    else:
        expect_not_ok(
            oracle, weth, Status.GRACE, "oracle: sequencer grace period", PRICE
        )


def test_grace_boundary__follows_set_grace_period(
    oracle, sequencer, weth, weth_feed, owner, clock
):
    oracle.set_grace_period(600, sender=owner)
    t = clock.later()
    sequencer.set_round(SEQ_UP, t - 599, t - 599, sender=owner)
    weth_feed.set_round(ETH_USD_8, t, sender=owner)
    clock.warp(t)
    assert oracle.sequencer_status() == Status.GRACE
    clock.warp(t + 1)
    assert oracle.sequencer_status() == Status.OK
    expect_ok(oracle, weth, PRICE)


def test_grace__uses_started_at_not_updated_at(
    oracle, sequencer, weth, weth_feed, owner, clock
):
    t = clock.later()
    weth_feed.set_round(ETH_USD_8, t, sender=owner)
    # Up since long ago, heartbeat round just now: not a restart.
    sequencer.set_round(SEQ_UP, t - 10 * GRACE, t, sender=owner)
    clock.warp(t)
    assert oracle.sequencer_status() == Status.OK
    expect_ok(oracle, weth, PRICE)
    # Restarted just now, last round long ago: a restart.
    sequencer.set_round(SEQ_UP, t, t - 10 * GRACE, sender=owner)
    assert oracle.sequencer_status() == Status.GRACE


@pytest.mark.parametrize(
    ("answer", "age", "status", "reason", "price"),
    [
        (
            ETH_USD_8,
            HEARTBEAT + 1,
            Status.STALE,
            "oracle: WETH stale",
            0,
        ),  # STALE > GRACE
        (-5, 0, Status.INVALID, "oracle: WETH answer <= 0", 0),  # INVALID > GRACE
        (
            MAX_PRICE // 10**10 + 1,
            0,
            Status.GRACE,
            "oracle: sequencer grace period",
            MAX_PRICE + 10**10,
        ),
    ],
)
def test_grace__precedence_with_asset_faults(
    oracle, sequencer, weth, weth_feed, owner, clock, answer, age, status, reason, price
):
    t = clock.later()
    sequencer.set_round(SEQ_UP, t - 1, t - 1, sender=owner)
    weth_feed.set_round(answer, t - age, sender=owner)
    clock.warp(t)
    assert oracle.sequencer_status() == Status.GRACE
    expect_not_ok(oracle, weth, status, reason, price)


# ---- answers frozen by the outage ---------------------------------------------------------
@pytest.mark.parametrize(
    ("published", "status", "reason", "price"),
    [
        (-1, Status.STALE, "oracle: WETH predates restart", 0),
        (0, Status.GRACE, "oracle: sequencer grace period", PRICE),
        (1, Status.GRACE, "oracle: sequencer grace period", PRICE),
    ],
)
def test_grace__an_answer_published_before_the_restart_is_stale(
    oracle, sequencer, weth, weth_feed, owner, clock, published, status, reason, price
):
    """In the grace period only answers published at or after the restart (`startedAt`)
    price: an older one, fresh by its heartbeat, was frozen by the outage."""
    t = clock.later()
    restart = t - 100
    sequencer.set_round(SEQ_UP, restart, restart, sender=owner)
    weth_feed.set_round(ETH_USD_8, restart + published, sender=owner)
    clock.warp(t)
    assert oracle.sequencer_status() == Status.GRACE
    expect_not_ok(oracle, weth, status, reason, price)


def test_grace_over__an_answer_published_before_the_restart_prices_again(
    oracle, sequencer, weth, weth_feed, owner, clock
):
    """The twin: once the grace period is over only the heartbeat rule applies (a feed
    whose price stayed inside its deviation band had nothing to publish)."""
    oracle.set_grace_period(600, sender=owner)  # shorter than the heartbeat (3,600 s)
    t = clock.later()
    restart = t - 600
    sequencer.set_round(SEQ_UP, restart, restart, sender=owner)
    weth_feed.set_round(ETH_USD_8, restart - 60, sender=owner)
    clock.warp(t - 1)
    expect_not_ok(oracle, weth, Status.STALE, "oracle: WETH predates restart")
    clock.warp(t)
    assert oracle.sequencer_status() == Status.OK
    expect_ok(oracle, weth, PRICE)


def test_grace__batch_classifies_each_answer_against_the_restart(
    oracle, sequencer, weth, weth_feed, owner, clock, deploy_asset, list_asset
):
    wbtc = deploy_asset("WBTC", 8)
    wbtc_feed = list_asset(oracle, wbtc, symbol="WBTC", answer=60_000 * 10**8)
    t = clock.later()
    sequencer.set_round(SEQ_UP, t - 10, t - 10, sender=owner)
    weth_feed.set_round(ETH_USD_8, t - 11, sender=owner)
    wbtc_feed.set_round(60_000 * 10**8, t - 10, sender=owner)
    clock.warp(t)
    infos = [tuple(i) for i in oracle.price_info_many([weth, wbtc, weth])]
    assert infos == [
        (0, Status.STALE),
        (60_000 * 10**18, Status.GRACE),
        (0, Status.STALE),
    ]


# ---- malformed or broken uptime feeds: treated as down ----------------------------------
@pytest.mark.parametrize(
    ("answer", "started_ago", "reason"),
    [
        (SEQ_UP, None, "oracle: sequencer status invalid"),  # startedAt = 0, "up"
        (SEQ_DOWN, None, "oracle: sequencer status invalid"),  # startedAt = 0, "down"
        (2, 10 * GRACE, "oracle: sequencer status invalid"),
        (-1, 10 * GRACE, "oracle: sequencer status invalid"),
        (SEQ_UP, -1, "oracle: sequencer status invalid"),  # startedAt in the future
    ],
)
def test_sequencer_round_malformed__down(
    oracle, sequencer, weth, weth_feed, owner, clock, answer, started_ago, reason
):
    t = clock.later()
    started_at = 0 if started_ago is None else t - started_ago
    sequencer.set_round(answer, started_at, t, sender=owner)
    weth_feed.set_round(ETH_USD_8, t, sender=owner)
    clock.warp(t)
    assert oracle.sequencer_status() == Status.SEQUENCER_DOWN
    expect_not_ok(oracle, weth, Status.SEQUENCER_DOWN, reason)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (b"", "oracle: sequencer feed has no code"),
        (CODE_REVERT, "oracle: sequencer feed call failed"),
        (CODE_RETURN_ONE_WORD, "oracle: sequencer feed call failed"),
    ],
)
def test_sequencer_feed_broken__down(
    oracle, sequencer, weth, weth_feed, chain, code, reason
):
    chain.provider.set_code(sequencer.address, code)
    assert oracle.sequencer_status() == Status.SEQUENCER_DOWN
    expect_not_ok(oracle, weth, Status.SEQUENCER_DOWN, reason)
