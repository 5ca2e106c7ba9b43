"""Attack: acting on a stale feed.

The attack. A feed stops updating (its heartbeat passes) while the real price moves on.
An attacker who knows the real price tries every action that would profit from the old
one: borrow or withdraw against collateral still priced high, open or grow a position at a
price the market has left, enter or leave the vault before the move is marked, or
liquidate an account at the old price.

The defence (docs/oracle.md, Policy; docs/engine.md, Policy per action). The adapter
classifies an answer older than the heartbeat as STALE (an age equal to the heartbeat is
still fresh). Risk-adding actions need every price the account's health reads to be OK and
revert with the adapter's own reason ("oracle: WETH stale"); LP entries and exits halt
("vault: marks unavailable") while a market with open interest has no OK price, and the
max* views read 0. Risk-reducing actions that need no price keep working: repay, adding
collateral, withdrawing from an account with no debt and no positions, and closing a
position whose own market (and the quote) are fresh. A close in the stale market needs a
price to settle at and reverts with the adapter's reason; so does liquidation (it never
settles at a stale price), and the Lens skips such accounts.

Asserted: each blocked action with its exact reason and no state change, its success twin
once the feed is fresh, the exact heartbeat boundary, and the amounts of the actions that
still work. Unit tests that go less far: tests/unit/engine/test_perp_policy.py (one
position), tests/unit/engine/test_liquidation.py (stale liquidation),
tests/unit/lens/test_liquidatable.py (the Lens skips unpriceable accounts).
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import (
    go_stale,
    account,
    fund,
    lp_deposit,
    lp_ready,
    seize_for,
    set_price,
    trade,
)
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, WAD, Status, wad

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")


def ledger(env, *ids) -> tuple:
    engine = env.engine
    return tuple(
        (
            tuple((t, engine.collateral_of(i, t)) for t in engine.collaterals_of(i)),
            engine.debt_shares_of(i),
            tuple(tuple(p) for p in engine.positions_of(i)),
        )
        for i in ids
    )


@pytest.fixture(scope="module")
def stale_book(attack_env, attack_clock, attacker, trader):
    """The attacker: a cross account (10 WETH, 20,000 USDC, 5 ETH and 0.1 BTC long, 5,000
    USDC borrowed), a sibling cross account, an idle bucket (1 WETH, no debt, no position)
    and 100,000 USDC in the vault. A trader's WETH bucket owes 2,350 USDC."""
    env = attack_env
    attack_clock(env)
    ids = {
        "cross": account(env, attacker, CROSS, WETH=10, USDC=20_000),
        "sibling": account(env, attacker, CROSS),
        "idle": account(env, attacker, ISOLATED, WETH=1),
        "victim": account(env, trader, ISOLATED, WETH=1),
    }
    trade(env, attacker, ids["cross"], "ETH", "5")
    trade(env, attacker, ids["cross"], "BTC", "0.1")
    env.engine.borrow(ids["cross"], 5_000 * env.q, attacker, sender=attacker)
    env.engine.borrow(ids["victim"], 2_350 * env.q, trader, sender=trader)
    shares = lp_deposit(env, attacker, 100_000 * env.q)
    return env, ids, shares


def test_stale_feed__every_risk_adding_action_reverts(
    stale_book, chain, owner, attacker
):
    env, ids, shares = stale_book
    engine, vault, usdc = env.engine, env.vault, env.quote
    cross, q = ids["cross"], env.q
    fund(env, attacker, "USDC", 1_000)
    lp_ready(env, attacker, 1_000 * q)
    go_stale(env, chain, owner, "WETH")  # the real price has moved on; the feed has not
    before = ledger(env, *ids.values())
    stale = "oracle: WETH stale"
    # The vault's marks (the ETH market) are not OK first: nothing is lent (issue 16, L-1).
    with ape.reverts("vault: marks unavailable"):
        engine.borrow(cross, 100 * q, attacker, sender=attacker)
    with ape.reverts(stale):
        engine.withdraw_collateral(cross, usdc, 100 * q, attacker, sender=attacker)
    with ape.reverts(stale):
        engine.transfer_collateral(cross, ids["sibling"], usdc, q, sender=attacker)
    with ape.reverts(stale):  # grow the position in the stale market
        trade(env, attacker, cross, "ETH", "1")
    with ape.reverts(stale):  # a fresh market, but the account's health reads WETH
        trade(env, attacker, cross, "BTC", "0.01")
    with ape.reverts(stale):
        engine.open_isolated(
            attacker,
            usdc,
            1_000 * q,
            env.markets["ETH"],
            wad("0.1"),
            MAX_UINT256,
            sender=attacker,
        )
    # LPs can neither enter nor leave before the move is marked.
    assert (vault.maxDeposit(attacker), vault.maxWithdraw(attacker)) == (0, 0)
    assert vault.maxRedeem(attacker) == 0
    with ape.reverts("vault: marks unavailable"):
        vault.deposit(1_000 * q, attacker, sender=attacker)
    with ape.reverts("vault: marks unavailable"):
        vault.redeem(shares, attacker, attacker, sender=attacker)
    assert ledger(env, *ids.values()) == before
    assert vault.balanceOf(attacker) == shares

    # The twin: the feed publishes again and the same actions go through.
    set_price(env, owner, "WETH", "3000")
    engine.borrow(cross, 100 * q, attacker, sender=attacker)
    trade(env, attacker, cross, "BTC", "0.01")
    assert vault.deposit(1_000 * q, attacker, sender=attacker).return_value > 0
    assert engine.position_of(cross, env.markets["BTC"]).size == wad("0.11")


def test_stale_feed__heartbeat_boundary(stale_book, chain, owner, attacker):
    """An answer exactly `heartbeat` seconds old is fresh; one second more is stale."""
    env, ids, _ = stale_book
    engine = env.engine
    updated = env.feeds["WETH"].latestRoundData()[3]
    heartbeat = env.oracle.feed_config(env.tokens["WETH"]).heartbeat
    for at, fresh in ((updated + heartbeat, True), (updated + heartbeat + 1, False)):
        snapshot = chain.snapshot()
        chain.pending_timestamp = at - 1
        set_price(env, owner, "USDC", "1")  # the quote (the debt's price) stays fresh
        assert chain.blocks.head.timestamp == at - 1
        if fresh:
            engine.borrow(ids["idle"], 100 * env.q, attacker, sender=attacker)
            assert engine.debt_of(ids["idle"]) >= 100 * env.q
        else:
            # the ETH market's mark is stale too: the vault lends nothing (issue 16, L-1)
            with ape.reverts("vault: marks unavailable"):
                engine.borrow(ids["idle"], 100 * env.q, attacker, sender=attacker)
            assert engine.debt_shares_of(ids["idle"]) == 0
        assert chain.blocks.head.timestamp == at
        chain.restore(snapshot)


def test_stale_feed__risk_reducing_actions_still_work(
    stale_book, chain, owner, attacker
):
    env, ids, _ = stale_book
    engine, vault, weth, usdc = env.engine, env.vault, env.tokens["WETH"], env.quote
    cross, idle, q = ids["cross"], ids["idle"], env.q
    fund(env, attacker, "USDC", 10_000)
    fund(env, attacker, "WETH", 1)
    go_stale(env, chain, owner, "WETH")

    # repay (partial): floor(amount × WAD / index) shares burnt, no price read
    shares = engine.debt_shares_of(cross)
    index = vault.debt_index(block_id="pending")
    engine.repay(cross, 1_000 * q, sender=attacker)
    assert engine.debt_shares_of(cross) == shares - 1_000 * q * WAD // index
    # add collateral to a held token
    engine.deposit_collateral(cross, weth, 10**18, sender=attacker)
    assert engine.collateral_of(cross, weth) == 11 * 10**18
    # withdraw everything from an account with no debt and no position
    engine.withdraw_collateral(idle, weth, 10**18, attacker, sender=attacker)
    assert engine.collaterals_of(idle) == [] and weth.balanceOf(attacker) == 10**18
    # close the position whose market is fresh (the account's WETH is not needed to settle)
    btc = env.markets["BTC"]
    engine.close_position(cross, btc, 0, sender=attacker)
    assert engine.position_of(cross, btc).size == 0
    # the stale market itself has no price to settle at: closing or shrinking waits
    with ape.reverts("oracle: WETH stale"):
        engine.close_position(cross, env.markets["ETH"], 0, sender=attacker)
    with ape.reverts("oracle: WETH stale"):
        trade(env, attacker, cross, "ETH", "-1")
    # a full repay works too; the account keeps its ETH position, so taking collateral
    # out is still risk-adding and waits for the feed
    engine.repay(cross, MAX_UINT256, sender=attacker)
    assert engine.debt_shares_of(cross) == 0
    with ape.reverts("oracle: WETH stale"):
        engine.withdraw_collateral(cross, usdc, q, attacker, sender=attacker)
    set_price(env, owner, "WETH", "3000")
    engine.close_position(cross, env.markets["ETH"], 0, sender=attacker)
    engine.withdraw_collateral(cross, usdc, q, attacker, sender=attacker)
    assert not engine.is_active(cross)


def test_stale_feed__liquidation_waits_for_a_fresh_price(
    stale_book, chain, owner, liquidator
):
    env, ids, _ = stale_book
    engine, lens, weth = env.engine, env.lens, env.tokens["WETH"]
    victim = ids["victim"]
    fund(env, liquidator, "USDC", 10_000)
    set_price(env, owner, "WETH", "2650")  # wc_maint 2,252.5 < 2,350 of debt
    assert engine.is_liquidatable(victim)
    go_stale(env, chain, owner, "WETH")
    # M-1 (issue 16): the stale token counts as 0, so the bucket is listed, but its WETH
    # is never seized at a price nobody can check.
    health = engine.account_health(victim)
    assert health.priced and health.status & Status.STALE
    assert engine.is_liquidatable(victim)
    assert victim in [c.account_id for c in lens.liquidatable(0, 100)]
    quote = lens.quote_liquidation(victim, weth)
    assert (quote.reverts, quote.reason) == (True, "engine: seize token unpriced")
    with ape.reverts("engine: seize token unpriced"):
        engine.liquidate(victim, MAX_UINT256, weth, 0, liquidator, sender=liquidator)
    assert engine.collateral_of(victim, weth) == 10**18

    set_price(env, owner, "WETH", "2650")  # fresh again, same price
    assert victim in [c.account_id for c in lens.liquidatable(0, 100)]
    debt = engine.debt_of(victim, block_id="pending")
    bonus = engine.collateral_config(weth).liquidation_bonus
    repaid, seized, fee = engine.liquidate(
        victim, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    ).return_value
    assert (repaid, fee) == (debt, 0)  # a bucket: the whole debt
    assert seized == seize_for(repaid, WAD, env.q, wad("2650"), 10**18, bonus)
    assert weth.balanceOf(liquidator) == seized


def test_stale_quote__repay_and_idle_withdrawal_work_nothing_else(
    stale_book, chain, owner, attacker, liquidator
):
    env, ids, _ = stale_book
    engine, weth = env.engine, env.tokens["WETH"]
    fund(env, attacker, "USDC", 10_000)
    go_stale(env, chain, owner, "USDC")
    stale = "oracle: USDC stale"
    with ape.reverts(
        "vault: marks unavailable"
    ):  # the marks need the quote (issue 16, L-1)
        engine.borrow(ids["cross"], 100 * env.q, attacker, sender=attacker)
    with ape.reverts(stale):
        engine.liquidate(
            ids["victim"], MAX_UINT256, weth, 0, liquidator, sender=liquidator
        )
    with ape.reverts("vault: marks unavailable"):
        env.vault.redeem(
            env.vault.balanceOf(attacker), attacker, attacker, sender=attacker
        )
    engine.repay(ids["cross"], MAX_UINT256, sender=attacker)
    engine.withdraw_collateral(ids["idle"], weth, 10**18, attacker, sender=attacker)
    assert engine.debt_shares_of(ids["cross"]) == 0
    assert engine.collaterals_of(ids["idle"]) == []
