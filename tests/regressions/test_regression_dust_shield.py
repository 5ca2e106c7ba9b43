"""Replay (M-1, issue 16): an owner fully borrowed against quote and WETH adds 1 wei of
LINK to its account and LINK's feed goes stale; WETH then falls and the account is below
health 1 at its usable prices. The stale LINK dust must not shield it: invariant 14
(docs/invariants.md) requires `is_liquidatable` and a passing `liquidate` call, and the
liquidation seizes WETH. With the M-1 fix reverted (health.vy's `# M-1:` branch in `_read`)
this replay fails in `invariants_hold` after the price fall (commands and output in
docs/invariants.md).

Written by hand in the format Hypothesis prints (tests/regressions/README.md), with the
machine's dust-shielder actor (`dust_shield`).
"""

from __future__ import annotations


def test_regression_dust_shield(machine):
    state = machine
    state.seed(
        lp_cents=[10**8, 10**8],
        cross_cents=[10**6, 10**6, 10**6, 10**6],
        second=[0, 0, 0, 0],  # every cross account: quote + WETH
        bucket=[False, False, False, False],
        borrow=[1_000, 0, 0, 0],  # the trader borrows all its cross account may
        trades=[(0, 1, 0)] * 8,  # no positions
    )
    state.invariants_hold()
    state.dust_shield(
        i=0, k=3
    )  # 1 wei of LINK into account 1, then LINK's feed goes stale
    state.invariants_hold()
    acc = state.observe().accounts[1]
    assert acc.balances[4] == 1 and "LINK" in state.shielded
    state.price_jump(k=0, exponent=-100)  # WETH x 0.794
    state.invariants_hold()
    acc = state.observe().accounts[1]
    assert acc.health.liquidatable, "1 wei of a stale-fed token shields the account"
    assert state.candidates() == [1]
    state.liquidate_candidate(
        liq=0, i=0, choice=1, cap="max", greedy=False
    )  # seize WETH
    state.invariants_hold()
    after = state.observe().accounts[1]
    assert after.balances[1] < acc.balances[1], "no WETH was seized"
    assert after.balances[4] == 1, "the unusable LINK dust was seized"
