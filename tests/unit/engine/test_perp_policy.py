"""The oracle/sequencer policy and the guardian pause for perps.

Opening, increasing and flipping are risk-adding: they need every price OK (the market's
and the quote's, then every price the account's health reads) and are paused by the
guardian. Decreasing and closing need only a fresh answer > 0 (OK, grace period or out of
band) for the market and the quote, and are never paused. While the sequencer is down
nothing settles, and a stale or invalid answer cannot settle anything either (no fresh
price to settle at). The revert reason of a bad price is the adapter's own."""

from __future__ import annotations

import ape
import pytest
from engine_defaults import (
    publish_all,
    restart_sequencer,
    CROSS,
    GRACE_PERIOD,
    HEARTBEAT,
    MAX_UINT256,
    feed_answer,
    wad,
)


@pytest.fixture
def held(system, trader, funded_account, trade):
    """A cross account (100,000 USDC) with a 2 ETH long, and quote for `open_isolated`."""
    account = funded_account(trader, CROSS, USDC=100_000)
    trade(trader, account, "ETH", "2")
    return account


def _risk_adding_fail(system, trader, account, fund, reason):
    engine = system.engine
    with ape.reverts(reason):
        engine.modify_position(
            account, 1, wad("1"), MAX_UINT256, sender=trader
        )  # increase
    with ape.reverts(reason):
        engine.modify_position(account, 1, -wad("3"), 0, sender=trader)  # flip
    with ape.reverts(reason):
        engine.modify_position(
            account, 2, wad("0.01"), MAX_UINT256, sender=trader
        )  # open
    amount = fund(trader, "USDC", 1_000)
    with ape.reverts(reason):
        engine.open_isolated(
            trader, system.quote, amount, 1, wad("0.1"), MAX_UINT256, sender=trader
        )


def _risk_reducing_pass(system, trader, account):
    engine = system.engine
    engine.modify_position(account, 1, -wad("0.5"), 0, sender=trader)  # decrease
    assert engine.position_of(account, 1).size == wad("1.5")
    engine.close_position(account, 1, 0, sender=trader)
    assert engine.position_of(account, 1).size == 0


def _risk_reducing_fail(system, trader, account, reason):
    engine = system.engine
    with ape.reverts(reason):
        engine.modify_position(account, 1, -wad("0.5"), 0, sender=trader)
    with ape.reverts(reason):
        engine.close_position(account, 1, 0, sender=trader)


def test_out_of_band__blocks_opening_not_closing(system, owner, trader, held, fund):
    system.feeds["WETH"].set_answer(feed_answer("100001"), sender=owner)
    _risk_adding_fail(system, trader, held, fund, "oracle: WETH out of band")
    _risk_reducing_pass(system, trader, held)


def test_sequencer_grace__blocks_opening_not_closing(
    system, owner, chain, trader, held, fund, trade
):
    restart_sequencer(system, owner, publish=False)
    # Until the feeds publish after the restart, their answers were frozen by the outage.
    with ape.reverts("oracle: USDC predates restart"):
        system.engine.close_position(held, 1, 0, sender=trader)
    publish_all(system, owner)
    _risk_adding_fail(system, trader, held, fund, "oracle: sequencer grace period")
    _risk_reducing_pass(system, trader, held)
    chain.mine(timestamp=chain.blocks.head.timestamp + GRACE_PERIOD)
    publish_all(system, owner)
    trade(trader, held, "ETH", "1")  # after the grace period, opening works again


def test_sequencer_down__nothing_settles(system, owner, trader, held, fund):
    system.sequencer.set_status(True, sender=owner)
    _risk_adding_fail(system, trader, held, fund, "oracle: sequencer down")
    _risk_reducing_fail(system, trader, held, "oracle: sequencer down")
    # Views never revert: the account is unpriced and not liquidatable.
    h = system.engine.account_health(held)
    assert h.active and not h.priced and not h.liquidatable
    assert system.engine.vault_marks()[3] is False


@pytest.mark.parametrize(
    "symbol, reason",
    [("WETH", "oracle: WETH stale"), ("USDC", "oracle: USDC stale")],
)
def test_stale__no_fresh_price_no_settlement(
    system, owner, chain, trader, held, fund, symbol, reason
):
    """A stale market or quote answer blocks opening and closing alike: there is no fresh
    price to settle at. A fresh answer reopens both."""
    now = chain.blocks.head.timestamp
    system.feeds[symbol].set_round(
        feed_answer(system.listings[symbol].price), now - HEARTBEAT - 1, sender=owner
    )
    _risk_adding_fail(system, trader, held, fund, reason)
    _risk_reducing_fail(system, trader, held, reason)
    system.feeds[symbol].set_answer(
        feed_answer(system.listings[symbol].price), sender=owner
    )
    _risk_reducing_pass(system, trader, held)


def test_stale_price_of_another_market_blocks_only_risk_adding_in_that_account(
    system, owner, chain, trader, held, trade, funded_account
):
    """A stale BTC feed: an account holding a BTC position cannot add risk anywhere (its
    health needs every price OK) but can still close its ETH position; an account without
    BTC is not affected."""
    trade(trader, held, "BTC", "0.01")
    other = funded_account(trader, CROSS, USDC=10_000)
    now = chain.blocks.head.timestamp
    system.feeds["WBTC"].set_round(
        feed_answer("60000"), now - HEARTBEAT - 1, sender=owner
    )
    with ape.reverts("oracle: WBTC stale"):
        trade(trader, held, "ETH", "1")
    trade(trader, other, "ETH", "1")
    system.engine.close_position(held, 1, 0, sender=trader)


def test_pause__blocks_risk_adding_only(
    system, owner, guardian, trader, held, fund, trade
):
    engine = system.engine
    engine.set_guardian(guardian, sender=owner)
    engine.set_paused(True, sender=guardian)
    _risk_adding_fail(system, trader, held, fund, "engine: paused")
    _risk_reducing_pass(system, trader, held)
    engine.set_paused(False, sender=guardian)
    trade(trader, held, "ETH", "1")
