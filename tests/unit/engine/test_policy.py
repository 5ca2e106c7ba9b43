"""The sequencer/oracle policy and the guardian pause, per action.

Risk-adding actions (borrow; withdraw or transfer out of an account with debt) need every
price the account's health reads to be OK and are paused by the guardian; repay, deposits
and withdrawals from accounts with no debt read no price and always work. The revert
reason of a bad price is the adapter's own (it names the asset and the rule).
"""

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
    Status,
    feed_answer,
)


@pytest.fixture
def setup(system, trader, funded_account, fund, open_account):
    """An indebted cross account (2 WETH, 1,000 USDC borrowed), an idle one holding WETH,
    an empty one, and quote in the trader's wallet for repayments."""
    engine, q = system.engine, system.q
    active = funded_account(trader, CROSS, WETH=2)
    engine.borrow(active, 1_000 * q, trader, sender=trader)
    idle = funded_account(trader, CROSS, WETH=1)
    empty = open_account(trader, CROSS)
    fund(trader, "USDC", 1_000)
    fund(trader, "WETH", 1)
    return active, idle, empty


def _risk_adding_fail(system, trader, active, empty, reason):
    engine, weth, q = system.engine, system.tokens["WETH"], system.q
    with ape.reverts(reason):
        engine.borrow(active, 10 * q, trader, sender=trader)
    with ape.reverts(reason):
        engine.withdraw_collateral(active, weth, 1, trader, sender=trader)
    with ape.reverts(reason):
        engine.transfer_collateral(active, empty, weth, 1, sender=trader)


def _riskless_pass(system, trader, active, idle, empty):
    """Repay, deposit, and withdraw/transfer from an account with no debt: no price read."""
    engine, weth, q = system.engine, system.tokens["WETH"], system.q
    shares = engine.debt_shares_of(active)
    engine.repay(active, 100 * q, sender=trader)
    assert engine.debt_shares_of(active) < shares
    engine.deposit_collateral(active, weth, 10, sender=trader)
    engine.deposit_collateral(idle, weth, 10, sender=trader)
    engine.withdraw_collateral(idle, weth, 5, trader, sender=trader)
    engine.transfer_collateral(idle, empty, weth, 5, sender=trader)
    assert engine.collateral_of(empty, weth) == 5
    engine.repay(active, MAX_UINT256, sender=trader)
    assert not engine.is_active(active)


@pytest.mark.parametrize(
    "breakage, reason",
    [
        ("stale", "oracle: WETH stale"),
        ("negative", "oracle: WETH answer <= 0"),
        ("out_of_band", "oracle: WETH out of band"),
        ("quote_stale", "oracle: USDC stale"),
    ],
)
def test_bad_price__blocks_risk_adding_only(
    system, chain, owner, trader, setup, breakage, reason
):
    active, idle, empty = setup
    now = chain.blocks.head.timestamp
    if breakage == "stale":
        system.feeds["WETH"].set_round(
            feed_answer("3000"), now - HEARTBEAT - 1, sender=owner
        )
    elif breakage == "negative":
        system.feeds["WETH"].set_answer(-1, sender=owner)
    elif breakage == "out_of_band":
        system.feeds["WETH"].set_answer(feed_answer("100001"), sender=owner)
    else:  # the debt is valued at the quote price, so a bad quote price blocks too
        system.feeds["USDC"].set_round(
            feed_answer("1"), now - HEARTBEAT - 1, sender=owner
        )
    _risk_adding_fail(system, trader, active, empty, reason)
    _riskless_pass(system, trader, active, idle, empty)


def test_sequencer_down__only_riskless_actions(system, owner, trader, setup):
    active, idle, empty = setup
    system.sequencer.set_status(True, sender=owner)
    _risk_adding_fail(system, trader, active, empty, "oracle: sequencer down")
    # Views do not revert: the account is unpriced and not liquidatable.
    h = system.engine.account_health(active)
    assert not h.priced and not h.liquidatable and h.active
    assert h.status == Status.SEQUENCER_DOWN
    assert not system.engine.is_liquidatable(active)
    with ape.reverts("engine: price unavailable"):
        system.engine.health_factor(active)
    assert system.engine.health_factor(idle) == MAX_UINT256  # not active: no price read
    _riskless_pass(system, trader, active, idle, empty)


def test_sequencer_grace__blocks_risk_adding_until_it_ends(
    system, chain, owner, trader, setup
):
    active, idle, empty = setup
    restart_sequencer(system, owner)  # back up now, feeds publish: grace period starts
    _risk_adding_fail(system, trader, active, empty, "oracle: sequencer grace period")
    h = system.engine.account_health(active)
    assert (
        h.priced and h.status == Status.GRACE
    )  # prices are usable for views and liquidations
    assert system.engine.health_factor(active) == h.health_factor
    chain.mine(timestamp=chain.blocks.head.timestamp + GRACE_PERIOD)
    publish_all(system, owner)
    system.engine.borrow(active, 10 * system.q, trader, sender=trader)
    _riskless_pass(system, trader, active, idle, empty)


def test_stale_price_of_a_token_the_account_does_not_hold_is_irrelevant(
    system, chain, owner, trader, setup
):
    active, _idle, _empty = setup
    system.feeds["WBTC"].set_round(
        feed_answer("60000"), chain.blocks.head.timestamp - HEARTBEAT - 1, sender=owner
    )
    system.engine.borrow(active, 10 * system.q, trader, sender=trader)


def test_pause__blocks_risk_adding_only(system, owner, guardian, trader, setup):
    active, idle, empty = setup
    system.engine.set_guardian(guardian, sender=owner)
    system.engine.set_paused(True, sender=guardian)
    _risk_adding_fail(system, trader, active, empty, "engine: paused")
    system.engine.open_account(CROSS, sender=trader)  # opening an account adds no risk
    _riskless_pass(system, trader, active, idle, empty)
    system.engine.set_paused(False, sender=guardian)
    system.engine.borrow(active, 10 * system.q, trader, sender=trader)
