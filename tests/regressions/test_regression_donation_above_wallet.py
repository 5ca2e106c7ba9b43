"""Replay (make fuzz, session 8): after UNI fell far, a donation of 60,000,000 USD
worth of UNI was more tokens than the outsider had been funded with, and the mock token's
transfer reverted without a reason ("donate: unexpected revert ''"). A fault of the machine,
not of the contracts: the `donate` rule now donates at most what the outsider holds. The replay keeps the shape that failed (UNI down 1,000x, the largest
donation straight to the vault, then `skim`) and checks the donation counts for nothing.

Written by hand in the format Hypothesis prints (tests/regressions/README.md).
"""

from __future__ import annotations


def test_regression_donation_above_wallet(machine):
    state = machine
    state.seed(
        lp_cents=[10**6, 10**6],
        cross_cents=[10**5, 10**5, 10**5, 10**5],
        second=[0, 0, 0, 0],
        bucket=[False, False, False, False],
        borrow=[0, 0, 0, 0],
        trades=[(0, 1, 0)] * 8,
    )
    state.invariants_hold()
    state.price_jump(k=4, exponent=-1000)  # UNI x 0.1
    state.invariants_hold()
    state.price_jump(k=4, exponent=-1000)  # UNI x 0.01
    state.invariants_hold()
    state.price_jump(k=4, exponent=-1000)  # UNI x 0.001
    state.invariants_hold()
    before = state.observe().books
    state.donate(c=6_000_000_000, k=5, skim=True, to_vault=True)
    state.invariants_hold()
    after = state.observe().books
    assert after.total_assets == before.total_assets
    assert state.E.stats["calls"]["donate ok"] >= 1
