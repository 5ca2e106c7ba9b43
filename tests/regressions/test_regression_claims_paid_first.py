"""Replay: a trader's ETH long doubles while another trader has borrowed all the vault's
free cash; closing the long pays what cash there is and books the rest as a claim (the
close never reverts for lack of cash). The borrower repays; the claim is then collected
first, before the account's own withdrawal, and no LP exit could have taken that cash.

Written in the format Hypothesis prints a failing sequence (tests/regressions/README.md):
every step runs the machine's checks, `invariants_hold` every invariant (the claims
mirror, free cash net of claims, "claims first") between steps.
"""

from __future__ import annotations


def test_regression_claims_paid_first(machine):
    state = machine
    state.seed(
        lp_cents=[10**6, 10**6],
        cross_cents=[
            10**9,
            10**8,
            10**6,
            10**6,
        ],  # trader: $10M, trader2: $1M (+ as much WETH)
        second=[0, 0, 0, 0],
        bucket=[False, False, False, False],
        borrow=[0, 0, 0, 0],
        trades=[(0, 1, 0)] * 8,
    )
    state.invariants_hold()
    state.modify_position(
        t=1, i=0, kind=0, m=0, sign=1, mode=0, ratio=25, c=0, slippage=0
    )
    state.invariants_hold()
    long_account = 2
    assert state.observe().accounts[long_account].positions, "trader2 holds an ETH long"
    state.borrow(t=0, i=0, kind=0, ratio=1_000, size="drain", to_zero=False)
    state.invariants_hold()
    assert state.observe().books.free_cash == 0, "the vault's free cash is borrowed"
    state.price_jump(k=0, exponent=301)  # WETH (the ETH market's asset) x 2
    state.invariants_hold()
    state.close_position(t=1, i=0, kind=0, m=0, slippage=0, held=True)
    state.invariants_hold()
    books = state.observe().books
    claim = state.observe().accounts[long_account].claim
    assert claim > 0 and books.total_claims == claim, (
        "the payout beyond cash is a claim"
    )
    assert books.free_cash == 0 and books.max_withdraw == (0,) * len(books.max_withdraw)
    state.repay(
        payer=0, i=0, ratio=1_000, full=True
    )  # the borrower repays: cash returns
    state.invariants_hold()
    state.withdraw_collateral(
        t=1, i=0, kind=0, k=0, ratio=500, to_zero=False, held=False
    )
    state.invariants_hold()
    assert state.observe().accounts[long_account].claim == 0, (
        "the claim was collected first"
    )
    assert state.E.stats["checked"]["claims first"] >= 1
