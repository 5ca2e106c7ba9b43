"""Configuration: constructor state, set_feed / remove_feed / sequencer / grace setters, bounds."""

from __future__ import annotations

import ape
import pytest
from oracle_defaults import (
    CODE_REVERT,
    DEVIATION,
    ETH_USD_8,
    HEARTBEAT,
    MAX_PRICE,
    MIN_PRICE,
    WAD,
)

ZERO = "0x0000000000000000000000000000000000000000"


def _config_tuple(cfg) -> tuple:
    return (
        cfg.symbol,
        cfg.feed,
        cfg.decimals,
        cfg.heartbeat,
        cfg.deviation,
        cfg.min_price,
        cfg.max_price,
    )


def test_deploy__sets_owner_default_grace_and_no_sequencer(project, owner, chain):
    oracle = project.OracleAdapter.deploy(sender=owner)
    assert oracle.owner() == owner
    assert oracle.pending_owner() == ZERO
    assert oracle.sequencer_feed() == ZERO
    assert oracle.grace_period() == oracle.DEFAULT_GRACE_PERIOD() == 3_600
    receipt = chain.get_receipt(oracle.txn_hash)
    transferred = receipt.decode_logs(oracle.OwnershipTransferred)
    assert [(e.previous_owner, e.new_owner) for e in transferred] == [(ZERO, owner)]
    grace = receipt.decode_logs(oracle.GracePeriodSet)
    assert [(e.old_period, e.new_period) for e in grace] == [(0, 3_600)]


# ---- set_feed ---------------------------------------------------------------------------
def test_set_feed__stores_config_and_emits(oracle, weth, deploy_feed, owner):
    feed = deploy_feed(8)
    receipt = oracle.set_feed(
        weth, "WETH", feed, 8, HEARTBEAT, DEVIATION, MIN_PRICE, MAX_PRICE, sender=owner
    )
    cfg = oracle.feed_config(weth)
    assert _config_tuple(cfg) == (
        "WETH",
        feed.address,
        8,
        HEARTBEAT,
        DEVIATION,
        MIN_PRICE,
        MAX_PRICE,
    )
    assert oracle.deviation(weth) == DEVIATION
    events = receipt.decode_logs(oracle.FeedSet)
    assert len(events) == 1
    e = events[0]
    assert (
        e.asset,
        e.feed,
        e.symbol,
        e.decimals,
        e.heartbeat,
        e.deviation,
        e.min_price,
        e.max_price,
    ) == (
        weth.address,
        feed.address,
        "WETH",
        8,
        HEARTBEAT,
        DEVIATION,
        MIN_PRICE,
        MAX_PRICE,
    )


def test_set_feed__replaces_existing_config(
    oracle, weth, weth_feed, deploy_feed, owner
):
    new_feed = deploy_feed(18, 2_500 * WAD)
    oracle.set_feed(
        weth, "ETH", new_feed, 18, 60, 10**16, 10 * WAD, 10**6 * WAD, sender=owner
    )
    cfg = oracle.feed_config(weth)
    assert _config_tuple(cfg) == (
        "ETH",
        new_feed.address,
        18,
        60,
        10**16,
        10 * WAD,
        10**6 * WAD,
    )
    assert oracle.price(weth) == 2_500 * WAD


def test_set_feed__unknown_asset_views_are_zero(oracle, weth):
    cfg = oracle.feed_config(weth)
    assert _config_tuple(cfg) == ("", ZERO, 0, 0, 0, 0, 0)
    assert oracle.deviation(weth) == 0


def test_set_feed__not_owner__reverts(oracle, weth, deploy_feed, stranger):
    feed = deploy_feed(8)
    with ape.reverts("oracle: not owner"):
        oracle.set_feed(
            weth,
            "WETH",
            feed,
            8,
            HEARTBEAT,
            DEVIATION,
            MIN_PRICE,
            MAX_PRICE,
            sender=stranger,
        )


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("asset", ZERO, "oracle: zero asset"),
        ("symbol", "", "oracle: empty symbol"),
        ("feed", ZERO, "oracle: zero feed"),
        ("decimals", 0, "oracle: decimals 0"),
        ("decimals", 19, "oracle: decimals > 18"),
        ("heartbeat", 0, "oracle: heartbeat 0"),
        ("heartbeat", 7 * 86_400 + 1, "oracle: heartbeat > 7 days"),
        ("deviation", 0, "oracle: deviation 0"),
        ("deviation", 10**17, "oracle: deviation >= 10%"),
        ("min_price", 0, "oracle: min price 0"),
        ("min_price", MAX_PRICE, "oracle: min >= max"),
        ("min_price", MAX_PRICE + 1, "oracle: min >= max"),
        ("max_price", 10**36 + 1, "oracle: max price > ceiling"),
    ],
)
def test_set_feed__out_of_bounds__reverts(
    oracle, weth, deploy_feed, owner, field, value, reason
):
    feed = deploy_feed(8)
    args = {
        "asset": weth.address,
        "symbol": "WETH",
        "feed": feed.address,
        "decimals": 8,
        "heartbeat": HEARTBEAT,
        "deviation": DEVIATION,
        "min_price": MIN_PRICE,
        "max_price": MAX_PRICE,
    }
    args[field] = value
    with ape.reverts(reason):
        oracle.set_feed(*args.values(), sender=owner)
    assert oracle.feed_config(weth).feed == ZERO


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("decimals", 1),
        ("decimals", 18),
        ("heartbeat", 1),
        ("heartbeat", 7 * 86_400),
        ("deviation", 1),
        ("deviation", 10**17 - 1),
        ("min_price", 1),
        ("min_price", MAX_PRICE - 1),
        ("max_price", 10**36),
    ],
)
def test_set_feed__at_bounds__accepted(oracle, weth, deploy_feed, owner, field, value):
    """The success twins of the bound checks: each limit itself is allowed."""
    args = {
        "symbol": "WETH",
        "decimals": 8,
        "heartbeat": HEARTBEAT,
        "deviation": DEVIATION,
        "min_price": MIN_PRICE,
        "max_price": MAX_PRICE,
    }
    args[field] = value
    feed = deploy_feed(args["decimals"])
    oracle.set_feed(weth, args["symbol"], feed, *list(args.values())[1:], sender=owner)
    cfg = oracle.feed_config(weth)
    assert getattr(cfg, field) == value
    assert cfg.feed == feed.address


def test_set_feed__bounds_match_public_constants(oracle):
    """The reasons above quote these limits; keep them in step with the contract."""
    assert oracle.MAX_HEARTBEAT() == 7 * 86_400
    assert oracle.MAX_DEVIATION() == 10**17
    assert oracle.PRICE_CEILING() == 10**36
    assert oracle.MAX_GRACE_PERIOD() == 86_400


def test_set_feed__feed_is_eoa__reverts(oracle, weth, stranger, owner):
    with ape.reverts("oracle: feed has no code"):
        oracle.set_feed(
            weth,
            "WETH",
            stranger,
            8,
            HEARTBEAT,
            DEVIATION,
            MIN_PRICE,
            MAX_PRICE,
            sender=owner,
        )


def test_set_feed__feed_reports_other_decimals__reverts(
    oracle, weth, deploy_feed, owner
):
    feed = deploy_feed(18, 3_000 * WAD)
    with ape.reverts("oracle: feed decimals mismatch"):
        oracle.set_feed(
            weth,
            "WETH",
            feed,
            8,
            HEARTBEAT,
            DEVIATION,
            MIN_PRICE,
            MAX_PRICE,
            sender=owner,
        )


def test_set_feed__token_address_as_feed__reverts(oracle, weth, deploy_asset, owner):
    """A classic misconfiguration: the token (decimals() = 8) instead of its feed."""
    wbtc = deploy_asset("WBTC", 8)
    with ape.reverts("oracle: feed call failed"):
        oracle.set_feed(
            weth,
            "WETH",
            wbtc,
            8,
            HEARTBEAT,
            DEVIATION,
            MIN_PRICE,
            MAX_PRICE,
            sender=owner,
        )


def test_set_feed__uptime_feed_as_price_feed__reverts(oracle, weth, sequencer, owner):
    """The sequencer uptime feed (0 decimals) listed as a price feed: caught by the decimals rule."""
    with ape.reverts("oracle: feed decimals mismatch"):
        oracle.set_feed(
            weth,
            "WETH",
            sequencer,
            8,
            HEARTBEAT,
            DEVIATION,
            MIN_PRICE,
            MAX_PRICE,
            sender=owner,
        )


def test_set_feed__reverting_feed__reverts(oracle, weth, deploy_feed, owner, chain):
    feed = deploy_feed(8)
    chain.provider.set_code(feed.address, CODE_REVERT)
    with ape.reverts("oracle: feed call failed"):
        oracle.set_feed(
            weth,
            "WETH",
            feed,
            8,
            HEARTBEAT,
            DEVIATION,
            MIN_PRICE,
            MAX_PRICE,
            sender=owner,
        )


# ---- remove_feed ------------------------------------------------------------------------
def test_remove_feed__clears_config_and_emits(oracle, weth, weth_feed, owner):
    receipt = oracle.remove_feed(weth, sender=owner)
    cfg = oracle.feed_config(weth)
    assert _config_tuple(cfg) == ("", ZERO, 0, 0, 0, 0, 0)
    assert oracle.deviation(weth) == 0
    events = receipt.decode_logs(oracle.FeedRemoved)
    assert [(e.asset, e.feed) for e in events] == [(weth.address, weth_feed.address)]
    with ape.reverts("oracle: unknown asset"):
        oracle.price(weth)


def test_remove_feed__unknown_asset__reverts(oracle, weth, owner):
    with ape.reverts("oracle: unknown asset"):
        oracle.remove_feed(weth, sender=owner)


def test_remove_feed__not_owner__reverts(oracle, weth, weth_feed, stranger):
    with ape.reverts("oracle: not owner"):
        oracle.remove_feed(weth, sender=stranger)
    assert oracle.feed_config(weth).feed == weth_feed.address


# ---- sequencer feed ---------------------------------------------------------------------
def test_set_sequencer_feed__sets_and_emits(deploy_oracle, deploy_sequencer, owner):
    oracle = deploy_oracle()
    seq = deploy_sequencer()
    receipt = oracle.set_sequencer_feed(seq, sender=owner)
    assert oracle.sequencer_feed() == seq.address
    events = receipt.decode_logs(oracle.SequencerFeedSet)
    assert [(e.old_feed, e.new_feed) for e in events] == [(ZERO, seq.address)]


def test_set_sequencer_feed__empty_turns_check_off(
    oracle, sequencer, weth, weth_feed, owner
):
    sequencer.set_status(True, sender=owner)
    with ape.reverts("oracle: sequencer down"):
        oracle.price(weth)
    receipt = oracle.set_sequencer_feed(ZERO, sender=owner)
    assert oracle.sequencer_feed() == ZERO
    events = receipt.decode_logs(oracle.SequencerFeedSet)
    assert [(e.old_feed, e.new_feed) for e in events] == [(sequencer.address, ZERO)]
    assert oracle.price(weth) == ETH_USD_8 * 10**10


def test_set_sequencer_feed__eoa__reverts(oracle, sequencer, stranger, owner):
    with ape.reverts("oracle: sequencer feed has no code"):
        oracle.set_sequencer_feed(stranger, sender=owner)
    assert oracle.sequencer_feed() == sequencer.address


def test_set_sequencer_feed__contract_without_round_data__reverts(oracle, weth, owner):
    with ape.reverts("oracle: sequencer feed call failed"):
        oracle.set_sequencer_feed(weth, sender=owner)


def test_set_sequencer_feed__not_owner__reverts(
    deploy_oracle, deploy_sequencer, stranger
):
    oracle = deploy_oracle()
    seq = deploy_sequencer()
    with ape.reverts("oracle: not owner"):
        oracle.set_sequencer_feed(seq, sender=stranger)
    assert oracle.sequencer_feed() == ZERO


# ---- grace period -----------------------------------------------------------------------
def test_set_grace_period__sets_and_emits(oracle, owner):
    receipt = oracle.set_grace_period(600, sender=owner)
    assert oracle.grace_period() == 600
    events = receipt.decode_logs(oracle.GracePeriodSet)
    assert [(e.old_period, e.new_period) for e in events] == [(3_600, 600)]


def test_set_grace_period__max_accepted(oracle, owner):
    oracle.set_grace_period(oracle.MAX_GRACE_PERIOD(), sender=owner)
    assert oracle.grace_period() == 86_400


@pytest.mark.parametrize(
    ("period", "reason"),
    [(0, "oracle: grace period 0"), (86_401, "oracle: grace period > 1 day")],
)
def test_set_grace_period__out_of_bounds__reverts(oracle, owner, period, reason):
    with ape.reverts(reason):
        oracle.set_grace_period(period, sender=owner)
    assert oracle.grace_period() == 3_600


def test_set_grace_period__not_owner__reverts(oracle, stranger):
    with ape.reverts("oracle: not owner"):
        oracle.set_grace_period(600, sender=stranger)
    assert oracle.grace_period() == 3_600
