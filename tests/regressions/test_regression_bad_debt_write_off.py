"""Replay: a cross account backed by quote and MEME borrows all it may, MEME falls to a
tenth, and two liquidations (MEME first, then the quote) leave debt no collateral backs,
which is written off (reserve first, then the LPs) in the same call.

Written in the format Hypothesis prints a failing sequence (tests/regressions/README.md),
so it also checks that format replays: every step runs the machine's checks, and
`invariants_hold` runs every invariant of docs/invariants.md between steps.
"""

from __future__ import annotations


def test_regression_bad_debt_write_off(machine):
    state = machine
    state.seed(
        lp_cents=[10**8, 10**8],
        cross_cents=[10**6, 10**6, 10**6, 10**6],
        second=[2, 0, 0, 0],  # trader: quote + MEME; the others: quote + WETH
        bucket=[False, False, False, False],
        borrow=[1_000, 0, 0, 0],  # trader borrows all its cross account may
        trades=[(0, 1, 0)] * 8,  # no positions
    )
    state.invariants_hold()
    state.price_jump(k=2, exponent=-1_000)  # MEME x 0.1
    state.invariants_hold()
    account = state.candidates()
    assert account == [1], "only the trader's cross account is liquidatable"
    state.liquidate_candidate(
        liq=0, i=0, choice=1, cap="max", greedy=False
    )  # seize MEME
    state.invariants_hold()
    state.liquidate_candidate(
        liq=1, i=0, choice=0, cap="max", greedy=False
    )  # seize quote
    state.invariants_hold()
    acc = state.observe().accounts[1]
    assert acc.debt_shares == 0 and not any(acc.balances) and not acc.active
    assert state.E.stats["liquidations"]["write-off"] >= 1
