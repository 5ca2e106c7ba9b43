"""Attack: one non-OK price freezes LP exits while borrowers drain the cash (V-02, L-1).

The attack. ETH fell below its sane band (90 vs a minimum of 100), or the sequencer had
just restarted (grace hour): the vault's marks were "not ok", so `maxWithdraw`,
`maxRedeem` and `free_cash` read 0 and LP exits reverted "vault: marks unavailable" —
while a short closed and was paid, and `borrow` (which ignored the marks' ok flag) let a
WBTC borrower take all the cash, turning the short's profit into a claim. With a stale
feed, `reserved` fell to 0 and a borrower took more than the fresh free cash.

The defence (docs/vault.md, Marks; docs/perps.md, The vault's marks). Out-of-band and
grace prices are fresh: the marks use them, LP exits stay open within the exit room, and
only deposits (and borrows) wait for OK prices. A stale or invalid price makes the marks
unusable: LP exits halt. `borrow` needs OK marks (the engine passes reserved = max_value
to `vault.lend`, which refuses: "vault: marks unavailable", even for a borrower holding no
WETH), so nothing draws the cash that market's winners may be owed.

Asserted: each attack reverts with its exact reason and moves nothing; the twins (an LP
exit under an out-of-band or grace price; the borrow once the price is fresh) pay exactly
what the views promised, and the short's profit stays reserved out of free cash.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import account, lp_ready, set_price, trade
from engine_defaults import CROSS, HEARTBEAT, ISOLATED, restart_sequencer

pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")


@pytest.fixture
def short_book(attack_env, attack_clock, trader, liquidator):
    """A trader short 100 ETH at 3,000; a borrower's WBTC bucket (10 WBTC, no debt)."""
    env = attack_env
    attack_clock(env)
    short = account(env, trader, CROSS, USDC=100_000)
    trade(env, trader, short, "ETH", "-100")
    borrower = account(env, liquidator, ISOLATED, WBTC=10)
    return env, short, borrower


def test_out_of_band__lp_exits_open_deposits_and_borrows_wait(
    short_book, owner, lp, lp2, liquidator
):
    env, _, borrower = short_book
    vault, q = env.vault, env.q
    set_price(env, owner, "WETH", "90")  # below the band's minimum of 100
    net, reserved, _band, ok, needed = env.engine.vault_marks()
    assert not ok and needed == 100 * 90 * 2 * q  # usable: marked at 90, 0.5 oi share
    assert reserved > 280_000 * q  # the short's profit at 90
    free = vault.cash() - vault.total_claims() - reserved
    assert vault.free_cash() == free
    value = vault.previewRedeem(vault.balanceOf(lp), block_id="pending")
    room = vault.totalAssets(block_id="pending") - needed
    assert vault.maxWithdraw(lp, block_id="pending") == min(value, free, room) > 0

    # The attack's two halves are refused: a deposit at an out-of-band mark, a borrow
    # drawing cash while the marks are not OK.
    lp_ready(env, lp2, 1_000 * q)
    assert (vault.maxDeposit(lp2), vault.maxMint(lp2)) == (0, 0)
    with ape.reverts("vault: marks unavailable"):
        vault.deposit(1_000 * q, lp2, sender=lp2)
    with ape.reverts("vault: marks unavailable"):
        env.engine.borrow(borrower, 1_000 * q, liquidator, sender=liquidator)
    assert env.engine.debt_of(borrower) == 0

    # The twin: the LP exits (what the view allows, at the fresh mark) while ETH is out of band.
    allowed = vault.maxWithdraw(lp, block_id="pending")
    wallet = env.quote.balanceOf(lp)
    vault.withdraw(allowed, lp, lp, sender=lp)
    assert env.quote.balanceOf(lp) - wallet == allowed
    # The short's profit is still covered by cash: nothing it is owed left.
    assert vault.cash() - vault.total_claims() >= env.engine.vault_marks()[1]

    # Back in band: the borrow and the deposit go through.
    set_price(env, owner, "WETH", "3000")
    env.engine.borrow(borrower, 1_000 * q, liquidator, sender=liquidator)
    assert env.quote.balanceOf(liquidator) >= 1_000 * q
    vault.deposit(1_000 * q, lp2, sender=lp2)


def test_grace__lp_exits_open(short_book, owner, lp):
    env, _, _ = short_book
    vault = env.vault
    restart_sequencer(env, owner)  # every feed republishes: prices read GRACE
    net, reserved, _band, ok, needed = env.engine.vault_marks()
    assert not ok and needed == 100 * 3000 * 2 * env.q
    shares = vault.maxRedeem(lp, block_id="pending")
    assert shares > 0
    preview = vault.previewRedeem(shares, block_id="pending")
    assert vault.redeem(shares, lp, lp, sender=lp).return_value == preview


def test_stale__exits_halt_and_borrow_refused_twin_fresh(
    short_book, chain, owner, lp, liquidator
):
    env, _, borrower = short_book
    vault, q = env.vault, env.q
    chain.pending_timestamp = chain.blocks.head.timestamp + HEARTBEAT + 1
    for symbol, feed in env.feeds.items():
        if symbol != "WETH":
            feed.set_answer(feed.latestRoundData()[1], sender=owner)
    assert env.engine.vault_marks()[4] == 2**256 - 1  # unusable
    assert (vault.maxWithdraw(lp), vault.maxRedeem(lp), vault.free_cash()) == (0, 0, 0)
    with ape.reverts("vault: marks unavailable"):
        vault.redeem(1, lp, lp, sender=lp)
    # L-1: the WBTC borrower's own prices are fine, but the ETH marks may hide what the
    # short is owed: the borrow is refused.
    with ape.reverts("vault: marks unavailable"):
        env.engine.borrow(borrower, 1_000 * q, liquidator, sender=liquidator)
    assert env.engine.debt_of(borrower) == 0

    # The twin: WETH publishes again.
    set_price(env, owner, "WETH", "3000")
    env.engine.borrow(borrower, 1_000 * q, liquidator, sender=liquidator)
    assert env.engine.debt_of(borrower) >= 1_000 * q
    assert vault.maxRedeem(lp) > 0
