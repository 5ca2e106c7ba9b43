"""Attack: the L2 sequencer halts, then restarts.

The attack. While the sequencer is down no feed moves, yet (within its heartbeat) every
answer still looks fresh; anyone able to force a transaction through the L1 inbox could act
at those frozen prices. At the restart prices jump to reality at once: whoever acts first
(before the feeds publish) trades, borrows, exits the vault or liquidates at a price the
market has left, and users who could not react during the outage are exposed.

The defence (DESIGN.md, Oracle adapter and the L2 sequencer; docs/oracle.md, "The
sequencer policy, and why"; docs/liquidation.md, Rules). DOWN: nothing settles at a price;
only repay, adding collateral and withdrawals from accounts with no debt and no positions
work (no price read). Liquidations revert "oracle: sequencer down", so do closes; LP
entries and exits halt ("vault: marks unavailable"). GRACE (an hour after the restart):
risk-adding actions revert "oracle: sequencer grace period", LP deposits stay halted but
exits reopen at the fresh prices (issue 16, V-02: test_marks_freeze_exits.py), closes
and shrinks work, and only accounts below health 0.95 may be liquidated ("engine: grace
period above floor"): the others get the hour to add collateral.

Asserted: each rule with its reason and its success twin, the exact repay and seize of a
deep liquidation in the grace period, and the owner's hour (an account topped up during
the grace period survives it; its twin without the top-up is liquidated after it).

FIXED (found by this file, session 3): the grace period used to accept any fresh answer,
including one published *before* the restart, so in the first blocks after the restart a
close or a liquidation settled at the frozen pre-outage price (a trader holding a short
through an outage in which ETH rose 2,700 -> 3,300 closed at 2,700 and avoided its loss;
a liquidator seized a bucket healthy at the real price). Now, in the grace period, an
answer older than the sequencer's restart reads STALE ("oracle: WETH predates restart"):
nothing settles until the asset's feed has published after the restart; once the grace
period is over the heartbeat rule alone applies. The last two tests are the regressions.
Unit tests that go less far: tests/unit/oracle/test_sequencer.py (classification),
tests/unit/engine/test_liquidation.py and tests/unit/engine/test_perp_policy.py (one rule
each), tests/unit/lens/test_liquidatable.py.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import (
    account,
    close,
    fund,
    lp_deposit,
    lp_ready,
    report,
    seize_for,
    set_price,
    trade,
)
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, WAD, wad

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

OUTAGE = 600  # seconds the sequencer is down: far below the feeds' heartbeat


@pytest.fixture(scope="module")
def outage_book(attack_env, attack_clock, owner, attacker, trader, trader2):
    """At WETH 2,700 and WBTC 50,000: `marginal` (1 WETH, 2,350 USDC owed) has health
    0.977, liquidatable but above the 0.95 floor; `deep` (0.1 WBTC, 4,400 owed) has 0.909.
    The attacker holds a 10 ETH short in a cross account, an idle WETH bucket and 100,000
    USDC of vault shares."""
    env = attack_env
    attack_clock(env)
    ids = {
        "marginal": account(env, trader, ISOLATED, WETH=1),
        "deep": account(env, trader2, ISOLATED, WBTC="0.1"),
        "short": account(env, attacker, CROSS, USDC=20_000),
        "idle": account(env, attacker, ISOLATED, WETH=1),
    }
    env.engine.borrow(ids["marginal"], 2_350 * env.q, trader, sender=trader)
    env.engine.borrow(ids["deep"], 4_400 * env.q, trader2, sender=trader2)
    trade(env, attacker, ids["short"], "ETH", "-10")
    shares = lp_deposit(env, attacker, 100_000 * env.q)
    set_price(env, owner, "WETH", "2700")
    set_price(env, owner, "WBTC", "50000")
    return env, ids, shares


def outage(env, chain, owner, back_up: bool = False) -> None:
    """The sequencer goes down; with `back_up` it restarts OUTAGE seconds later (GRACE)."""
    env.sequencer.set_status(True, sender=owner)
    if back_up:
        chain.pending_timestamp = chain.blocks.head.timestamp + OUTAGE
        env.sequencer.set_status(False, sender=owner)


def test_down__nothing_settles_at_a_frozen_price(
    outage_book, chain, owner, attacker, trader, liquidator
):
    env, ids, shares = outage_book
    engine, vault, weth, wbtc = (
        env.engine,
        env.vault,
        env.tokens["WETH"],
        env.tokens["WBTC"],
    )
    fund(env, liquidator, "USDC", 10_000)
    fund(env, trader, "USDC", 1_000)
    fund(env, trader, "WETH", 1)
    lp_ready(env, attacker, 1_000 * env.q)
    assert engine.is_liquidatable(ids["deep"])
    outage(env, chain, owner)
    down = "oracle: sequencer down"
    for victim, token in ((ids["deep"], wbtc), (ids["marginal"], weth)):
        with ape.reverts(down):
            engine.liquidate(
                victim, MAX_UINT256, token, 0, liquidator, sender=liquidator
            )
    assert env.lens.liquidatable(0, 100) == []
    with ape.reverts(down):
        close(env, attacker, ids["short"], "ETH")
    with ape.reverts(down):
        trade(env, attacker, ids["short"], "ETH", "-1")
    with ape.reverts(
        "vault: marks unavailable"
    ):  # marks not OK: nothing is lent (issue 16)
        engine.borrow(ids["short"], 100 * env.q, attacker, sender=attacker)
    with ape.reverts(down):
        engine.withdraw_collateral(
            ids["short"], env.quote, env.q, attacker, sender=attacker
        )
    assert vault.maxWithdraw(attacker) == 0
    with ape.reverts("vault: marks unavailable"):
        vault.deposit(1_000 * env.q, attacker, sender=attacker)
    with ape.reverts("vault: marks unavailable"):
        vault.redeem(shares, attacker, attacker, sender=attacker)

    # What reads no price keeps working.
    debt = engine.debt_of(ids["marginal"])
    engine.repay(ids["marginal"], 1_000 * env.q, sender=trader)
    assert engine.debt_of(ids["marginal"]) <= debt - 1_000 * env.q + 1
    engine.deposit_collateral(ids["marginal"], weth, 10**18, sender=trader)
    assert engine.collateral_of(ids["marginal"], weth) == 2 * 10**18
    engine.withdraw_collateral(ids["idle"], weth, 10**18, attacker, sender=attacker)
    assert engine.collaterals_of(ids["idle"]) == []


def test_grace__deep_liquidations_and_closes_only(
    outage_book, chain, owner, attacker, liquidator
):
    env, ids, _ = outage_book
    engine, wbtc, weth = env.engine, env.tokens["WBTC"], env.tokens["WETH"]
    fund(env, liquidator, "USDC", 10_000)
    lp_ready(env, attacker, 1_000 * env.q)
    outage(env, chain, owner, back_up=True)
    # Before the feeds publish again nothing settles: every answer predates the restart.
    assert env.lens.liquidatable(0, 100) == []
    with ape.reverts("oracle: USDC predates restart"):
        engine.liquidate(
            ids["deep"], MAX_UINT256, wbtc, 0, liquidator, sender=liquidator
        )
    # The feeds publish again after the restart (same prices: nothing moved).
    publish(env, owner, USDC="1", WETH="2700", WBTC="50000")
    floor = wad("0.95")
    assert WAD > engine.account_health(ids["marginal"]).health_factor >= floor
    assert engine.account_health(ids["deep"]).health_factor < floor
    assert [c.account_id for c in env.lens.liquidatable(0, 100)] == [ids["deep"]]

    with ape.reverts("engine: grace period above floor"):
        engine.liquidate(
            ids["marginal"], MAX_UINT256, weth, 0, liquidator, sender=liquidator
        )
    debt = engine.debt_of(ids["deep"], block_id="pending")
    bonus = engine.collateral_config(wbtc).liquidation_bonus
    repaid, seized, _ = engine.liquidate(
        ids["deep"], MAX_UINT256, wbtc, 0, liquidator, sender=liquidator
    ).return_value
    assert repaid == debt  # a bucket below the floor: the whole debt
    assert seized == seize_for(repaid, WAD, env.q, wad("50000"), 10**8, bonus)

    grace = "oracle: sequencer grace period"
    with ape.reverts(
        "vault: marks unavailable"
    ):  # marks not OK: nothing is lent (issue 16)
        engine.borrow(ids["short"], 100 * env.q, attacker, sender=attacker)
    with ape.reverts(grace):
        trade(env, attacker, ids["short"], "ETH", "-1")
    with ape.reverts(grace):
        engine.withdraw_collateral(
            ids["short"], env.quote, env.q, attacker, sender=attacker
        )
    with ape.reverts("vault: marks unavailable"):
        env.vault.deposit(1_000 * env.q, attacker, sender=attacker)
    trade(env, attacker, ids["short"], "ETH", "1")  # a shrink
    close(env, attacker, ids["short"], "ETH")
    assert engine.positions_of(ids["short"]) == []

    # After the grace period every rule is back: the same borrow goes through.
    chain.pending_timestamp = chain.blocks.head.timestamp + env.oracle.grace_period()
    set_price(env, owner, "WETH", "2700")
    engine.borrow(ids["idle"], 100 * env.q, attacker, sender=attacker)
    assert engine.debt_of(ids["idle"]) >= 100 * env.q


def test_grace__the_owner_hour(outage_book, chain, owner, trader, liquidator):
    """An owner who could not act during the outage tops up its marginal bucket in the
    grace period and survives it; the twin without the top-up is liquidated after it."""
    env, ids, _ = outage_book
    engine, weth = env.engine, env.tokens["WETH"]
    fund(env, liquidator, "USDC", 10_000)
    fund(env, trader, "WETH", "0.2")
    outage(env, chain, owner, back_up=True)
    for topped_up in (True, False):
        snapshot = chain.snapshot()
        if topped_up:
            engine.deposit_collateral(ids["marginal"], weth, wad("0.2"), sender=trader)
        chain.pending_timestamp = (
            chain.blocks.head.timestamp + env.oracle.grace_period()
        )
        set_price(env, owner, "WETH", "2700")
        if topped_up:  # 1.2 WETH × 2,700 × 0.85 = 2,754 > 2,350 of debt
            assert not engine.is_liquidatable(ids["marginal"])
            with ape.reverts("engine: not liquidatable"):
                engine.liquidate(
                    ids["marginal"], MAX_UINT256, weth, 0, liquidator, sender=liquidator
                )
        else:
            receipt = engine.liquidate(
                ids["marginal"], MAX_UINT256, weth, 0, liquidator, sender=liquidator
            )
            assert receipt.return_value[1] > 0
        chain.restore(snapshot)


def test_grace__a_close_at_the_frozen_price_front_runs_the_restart(
    outage_book, chain, owner, attacker
):
    """During the outage ETH rose 2,700 -> 3,300. At the restart the attacker tries to close
    its 10 ETH short before the feeds publish: it reverts (the answers predate the restart),
    so the close settles at the real price once the feeds have published."""
    env, ids, _ = outage_book
    engine, usdc = env.engine, env.quote
    outage(env, chain, owner, back_up=True)
    start = engine.collateral_of(ids["short"], usdc)
    position = engine.positions_of(ids["short"])

    with ape.reverts("oracle: USDC predates restart"):
        close(env, attacker, ids["short"], "ETH")
    assert engine.positions_of(ids["short"]) == position
    publish(env, owner, USDC="1")
    with ape.reverts("oracle: WETH predates restart"):
        close(env, attacker, ids["short"], "ETH")
    assert engine.collateral_of(ids["short"], usdc) == start

    publish(env, owner, WETH="3300")  # the feed catches up with the market
    close(env, attacker, ids["short"], "ETH")
    honest = engine.collateral_of(ids["short"], usdc) - start
    report("sequencer_outage close", honest=honest)
    assert engine.positions_of(ids["short"]) == []
    # The short lost at least the move from its entry to 3,300 (plus spread and fees).
    assert honest * WAD // env.q <= -(wad("33000") - position[0].basis) < 0


def test_grace__a_liquidation_at_the_frozen_price_front_runs_the_restart(
    outage_book, chain, owner, liquidator
):
    """During the outage WBTC recovered 50,000 -> 60,000: `deep` (0.1 WBTC, 4,400 owed) is
    healthy again at the real price (health 1.09). At the restart, before the WBTC feed
    publishes, a liquidator tries to seize it at 50,000 (health 0.909 < 0.95): it reverts,
    and once the feed has published the same call reverts "engine: not liquidatable"."""
    env, ids, _ = outage_book
    engine, wbtc = env.engine, env.tokens["WBTC"]
    fund(env, liquidator, "USDC", 10_000)
    outage(env, chain, owner, back_up=True)
    publish(env, owner, USDC="1", WETH="2700")  # every feed but WBTC's has published
    collateral = engine.collateral_of(ids["deep"], wbtc)

    def liquidate_now():
        engine.liquidate(
            ids["deep"], MAX_UINT256, wbtc, 0, liquidator, sender=liquidator
        )

    # M-1 (issue 16): the WBTC whose answer predates the restart counts as 0, so `deep` is
    # listed, but it is never seized at the frozen price.
    assert [c.account_id for c in env.lens.liquidatable(0, 100)] == [ids["deep"]]
    with ape.reverts("engine: seize token unpriced"):
        liquidate_now()
    assert engine.collateral_of(ids["deep"], wbtc) == collateral
    publish(env, owner, WBTC="60000")
    assert not engine.is_liquidatable(ids["deep"])
    with ape.reverts("engine: not liquidatable"):
        liquidate_now()
    assert engine.collateral_of(ids["deep"], wbtc) == collateral


def test_grace__after_the_grace_period__a_feed_that_never_published_prices_again(
    outage_book, chain, owner, attacker
):
    """The twin of the two above: a feed that has not published since the restart (its
    price never left the deviation band, so its nodes had nothing to publish) prices again
    as soon as the grace period ends, by the heartbeat rule alone."""
    env, ids, _ = outage_book
    engine = env.engine
    outage(env, chain, owner, back_up=True)
    with ape.reverts("oracle: USDC predates restart"):
        close(env, attacker, ids["short"], "ETH")
    chain.pending_timestamp = chain.blocks.head.timestamp + env.oracle.grace_period()
    close(env, attacker, ids["short"], "ETH")
    assert engine.positions_of(ids["short"]) == []


def publish(env, owner, **prices: str) -> None:
    """The feeds of `prices` publish (symbol=decimal USD) after the restart."""
    for symbol, price in prices.items():
        set_price(env, owner, symbol, price)
