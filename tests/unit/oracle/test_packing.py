"""Storage packing (docs/oracle.md, "Storage layout"): the adapter packs each asset's
configuration into two words and the sequencer feed with the grace period into one.

These tests put every field at its bounds next to neighbours with all bits set (a feed at
the all-ones address, the largest heartbeat, deviation and prices), and check that what
`set_feed` was given is exactly what `feed_config`, `deviation`, the event and the
classifier see, and that the two setters of the sequencer word leave each other's field
alone. The bounds are read from the contract, so a bound raised past its packed width
shows up here (and the contract's compile-time width checks stop it first).
"""

from __future__ import annotations

from typing import Any

import ape
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle_defaults import (
    ALL_ONES_ADDRESS,
    DEVIATION,
    ETH_USD_8,
    HEARTBEAT,
    MAX_PRICE,
    MIN_PRICE,
    SEQ_UP,
    WAD,
    Status,
    expect_not_ok,
    expect_ok,
)

ZERO = "0x0000000000000000000000000000000000000000"
# Random addresses stay clear of the precompiles (0x01..0x11), which cannot hold a mock.
ADDRESSES = st.integers(2**16, 2**160 - 1).map(
    lambda i: to_checksum_address(i.to_bytes(20, "big"))
)
SYMBOLS = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.", min_size=1, max_size=16
)


def _config(oracle: Any, asset: Any) -> tuple:
    cfg = oracle.feed_config(asset)
    return (
        cfg.symbol,
        cfg.feed,
        cfg.decimals,
        cfg.heartbeat,
        cfg.deviation,
        cfg.min_price,
        cfg.max_price,
    )


def _place_feed(
    project: Any, place_clone: Any, template: Any, address: str, owner: Any
) -> Any:
    """A working MockAggregator at `address`, answering exactly as `template` does."""
    place_clone(template, address)
    feed = project.MockAggregator.at(address)
    assert feed.decimals() == template.decimals()
    assert feed.latestRoundData() == template.latestRoundData()
    return feed


# ---- one asset's two words ------------------------------------------------------------
def test_set_feed__every_field_at_its_maximum__round_trips(
    oracle, project, place_clone, deploy_feed, weth, owner
):
    """All bits of the feed address set, next to decimals 18, the longest heartbeat, the
    largest deviation; both prices at the ceiling in the band word."""
    ceiling = oracle.PRICE_CEILING()
    values = (
        "SIXTEEN-BYTE-SYM",
        ALL_ONES_ADDRESS,
        18,
        oracle.MAX_HEARTBEAT(),
        oracle.MAX_DEVIATION() - 1,
        ceiling - 1,
        ceiling,
    )
    _place_feed(project, place_clone, deploy_feed(18, WAD), ALL_ONES_ADDRESS, owner)
    receipt = oracle.set_feed(weth, *values, sender=owner)
    assert _config(oracle, weth) == values
    assert oracle.deviation(weth) == values[4]
    [e] = receipt.decode_logs(oracle.FeedSet)
    assert (
        e.symbol,
        e.feed,
        e.decimals,
        e.heartbeat,
        e.deviation,
        e.min_price,
        e.max_price,
    ) == values


def test_set_feed__every_field_at_its_minimum__round_trips(
    oracle, project, place_clone, deploy_feed, weth, owner
):
    low_address = to_checksum_address((2**16).to_bytes(20, "big"))
    values = ("X", low_address, 1, 1, 1, 1, 2)
    _place_feed(project, place_clone, deploy_feed(1, 30_000), low_address, owner)
    oracle.set_feed(weth, *values, sender=owner)
    assert _config(oracle, weth) == values
    assert oracle.deviation(weth) == 1


def test_classify__fields_at_their_maximum__heartbeat_and_band_exact(
    oracle, project, place_clone, deploy_feed, weth, owner, clock
):
    """The classifier reads each packed field exactly: with every neighbour at its maximum,
    an age of MAX_HEARTBEAT is fresh and one second more is stale; a price of min or max
    (both near the ceiling) is in band and one unit below min is not."""
    ceiling = oracle.PRICE_CEILING()
    max_heartbeat = oracle.MAX_HEARTBEAT()
    feed = _place_feed(
        project, place_clone, deploy_feed(18, WAD), ALL_ONES_ADDRESS, owner
    )
    oracle.set_feed(
        weth,
        "WETH",
        feed,
        18,
        max_heartbeat,
        oracle.MAX_DEVIATION() - 1,
        ceiling - 1,
        ceiling,
        sender=owner,
    )

    t = clock.later()
    feed.set_round(ceiling, t - max_heartbeat, sender=owner)
    clock.warp(t)
    expect_ok(oracle, weth, ceiling)

    t = clock.later()
    feed.set_round(ceiling - 1, t - max_heartbeat, sender=owner)
    clock.warp(t)
    expect_ok(oracle, weth, ceiling - 1)

    t = clock.later()
    feed.set_round(ceiling - 2, t, sender=owner)
    clock.warp(t)
    expect_not_ok(
        oracle, weth, Status.OUT_OF_BAND, "oracle: WETH out of band", ceiling - 2
    )

    t = clock.later()
    feed.set_round(ceiling, t - max_heartbeat - 1, sender=owner)
    clock.warp(t)
    expect_not_ok(oracle, weth, Status.STALE, "oracle: WETH stale")


def test_classify__fields_at_their_minimum__heartbeat_and_band_exact(
    oracle, weth, list_asset, owner, clock
):
    """Heartbeat 1 s, decimals 1, band [1 unit, 2 units] of the 1-decimal feed."""
    unit = 10**17  # one unit of a 1-decimal answer, in WAD
    feed = list_asset(
        oracle,
        weth,
        decimals=1,
        answer=1,
        heartbeat=1,
        deviation=1,
        min_price=unit,
        max_price=2 * unit,
    )
    t = clock.later()
    feed.set_round(2, t - 1, sender=owner)
    clock.warp(t)
    expect_ok(oracle, weth, 2 * unit)

    t = clock.later()
    feed.set_round(3, t, sender=owner)
    clock.warp(t)
    expect_not_ok(
        oracle, weth, Status.OUT_OF_BAND, "oracle: WETH out of band", 3 * unit
    )

    t = clock.later()
    feed.set_round(1, t - 2, sender=owner)
    clock.warp(t)
    expect_not_ok(oracle, weth, Status.STALE, "oracle: WETH stale")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_set_feed__any_in_bound_config__round_trips(
    oracle, project, place_clone, deploy_feed, weth, weth_feed, owner, data
):
    """Random assets, feed addresses and in-bound values (bounds included) come back
    exactly from every reader; another asset's configuration is untouched."""
    ceiling = oracle.PRICE_CEILING()
    max_heartbeat = oracle.MAX_HEARTBEAT()
    max_deviation = oracle.MAX_DEVIATION()
    asset = data.draw(ADDRESSES, label="asset")
    feed_address = data.draw(
        st.one_of(st.just(ALL_ONES_ADDRESS), ADDRESSES), label="feed"
    )
    symbol = data.draw(SYMBOLS, label="symbol")
    decimals = data.draw(st.integers(1, 18), label="decimals")
    heartbeat = data.draw(
        st.one_of(st.sampled_from([1, max_heartbeat]), st.integers(1, max_heartbeat)),
        label="heartbeat",
    )
    deviation = data.draw(
        st.one_of(
            st.sampled_from([1, max_deviation - 1]), st.integers(1, max_deviation - 1)
        ),
        label="deviation",
    )
    min_price = data.draw(
        st.one_of(st.sampled_from([1, ceiling - 1]), st.integers(1, ceiling - 1)),
        label="min_price",
    )
    max_price = data.draw(
        st.one_of(st.just(ceiling), st.integers(min_price + 1, ceiling)),
        label="max_price",
    )
    before = _config(oracle, weth)

    feed = _place_feed(project, place_clone, weth_feed, feed_address, owner)
    feed.set_decimals(decimals, sender=owner)
    values = (
        symbol,
        feed_address,
        decimals,
        heartbeat,
        deviation,
        min_price,
        max_price,
    )
    receipt = oracle.set_feed(asset, *values, sender=owner)

    assert _config(oracle, asset) == values
    assert oracle.deviation(asset) == deviation
    [e] = receipt.decode_logs(oracle.FeedSet)
    assert e.asset == asset
    assert (
        e.symbol,
        e.feed,
        e.decimals,
        e.heartbeat,
        e.deviation,
        e.min_price,
        e.max_price,
    ) == values
    assert _config(oracle, weth) == before


def test_set_feed__replaced_by_smaller_values__no_bits_left_over(
    oracle, project, place_clone, deploy_feed, weth, owner
):
    """A listing with every field at its maximum, replaced by one with small values: the
    packed words are rewritten whole, not OR-ed into."""
    ceiling = oracle.PRICE_CEILING()
    _place_feed(project, place_clone, deploy_feed(8), ALL_ONES_ADDRESS, owner)
    oracle.set_feed(
        weth,
        "SIXTEEN-BYTE-SYM",
        ALL_ONES_ADDRESS,
        8,
        oracle.MAX_HEARTBEAT(),
        oracle.MAX_DEVIATION() - 1,
        ceiling - 1,
        ceiling,
        sender=owner,
    )
    small_feed = deploy_feed(8)
    values = ("E", small_feed.address, 8, 60, DEVIATION, MIN_PRICE, MAX_PRICE)
    oracle.set_feed(weth, *values, sender=owner)
    assert _config(oracle, weth) == values
    expect_ok(oracle, weth, ETH_USD_8 * 10**10)


def test_remove_feed__after_maximum_config__every_field_zero(
    oracle, project, place_clone, deploy_feed, weth, owner
):
    ceiling = oracle.PRICE_CEILING()
    _place_feed(project, place_clone, deploy_feed(18, WAD), ALL_ONES_ADDRESS, owner)
    oracle.set_feed(
        weth,
        "SIXTEEN-BYTE-SYM",
        ALL_ONES_ADDRESS,
        18,
        oracle.MAX_HEARTBEAT(),
        oracle.MAX_DEVIATION() - 1,
        ceiling - 1,
        ceiling,
        sender=owner,
    )
    oracle.remove_feed(weth, sender=owner)
    assert _config(oracle, weth) == ("", ZERO, 0, 0, 0, 0, 0)
    assert oracle.deviation(weth) == 0
    expect_not_ok(oracle, weth, Status.INVALID, "oracle: unknown asset")


# ---- the sequencer word: feed | grace period ------------------------------------------
def test_sequencer_word__all_ones_feed_and_longest_grace__each_exact(
    deploy_oracle,
    deploy_sequencer,
    project,
    place_clone,
    weth,
    list_asset,
    owner,
    clock,
):
    """The uptime feed at the all-ones address next to the longest grace period: the grace
    ends exactly MAX_GRACE_PERIOD seconds after the restart."""
    oracle = deploy_oracle()
    max_grace = oracle.MAX_GRACE_PERIOD()
    oracle.set_grace_period(max_grace, sender=owner)
    place_clone(deploy_sequencer(SEQ_UP, 1), ALL_ONES_ADDRESS)
    sequencer = project.MockSequencerFeed.at(ALL_ONES_ADDRESS)
    oracle.set_sequencer_feed(sequencer, sender=owner)
    assert oracle.sequencer_feed() == ALL_ONES_ADDRESS
    assert oracle.grace_period() == max_grace
    feed = list_asset(oracle, weth)

    t = clock.later()
    sequencer.set_round(SEQ_UP, t - max_grace + 1, t, sender=owner)
    feed.set_round(ETH_USD_8, t, sender=owner)
    clock.warp(t)
    assert oracle.sequencer_status() == Status.GRACE
    expect_not_ok(
        oracle, weth, Status.GRACE, "oracle: sequencer grace period", 3_000 * WAD
    )

    t = clock.later()
    sequencer.set_round(SEQ_UP, t - max_grace, t, sender=owner)
    feed.set_round(ETH_USD_8, t - HEARTBEAT, sender=owner)
    clock.warp(t)
    assert oracle.sequencer_status() == Status.OK
    expect_ok(oracle, weth, 3_000 * WAD)


OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("feed"), st.one_of(st.none(), st.just(ALL_ONES_ADDRESS), ADDRESSES)
        ),
        st.tuples(
            st.just("grace"),
            st.one_of(st.sampled_from([1, 86_400]), st.integers(1, 86_400)),
        ),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=OPS)
def test_sequencer_word__setters_keep_the_other_field(
    oracle, sequencer, place_clone, owner, ops
):
    """Any sequence of set_sequencer_feed / set_grace_period: each getter and each event's
    old value follow a two-field model; neither setter disturbs the other field."""
    assert oracle.MAX_GRACE_PERIOD() == 86_400  # the range drawn above
    model = {"feed": oracle.sequencer_feed(), "grace": oracle.grace_period()}
    for kind, value in ops:
        if kind == "feed":
            new_feed = ZERO
            if value is not None:
                new_feed = place_clone(sequencer, value)
            receipt = oracle.set_sequencer_feed(new_feed, sender=owner)
            [e] = receipt.decode_logs(oracle.SequencerFeedSet)
            assert (e.old_feed, e.new_feed) == (model["feed"], new_feed)
            model["feed"] = new_feed
        else:
            receipt = oracle.set_grace_period(value, sender=owner)
            [e] = receipt.decode_logs(oracle.GracePeriodSet)
            assert (e.old_period, e.new_period) == (model["grace"], value)
            model["grace"] = value
        assert oracle.sequencer_feed() == model["feed"]
        assert oracle.grace_period() == model["grace"]


def test_sequencer_word__rejected_setters_change_nothing(
    oracle, sequencer, stranger, owner
):
    """The failure twins: a rejected setter leaves both fields as they were."""
    oracle.set_grace_period(600, sender=owner)
    with ape.reverts("oracle: grace period > 1 day"):
        oracle.set_grace_period(oracle.MAX_GRACE_PERIOD() + 1, sender=owner)
    with ape.reverts("oracle: sequencer feed has no code"):
        oracle.set_sequencer_feed(stranger, sender=owner)
    assert oracle.sequencer_feed() == sequencer.address
    assert oracle.grace_period() == 600
