"""Replay (V-03, issue 16): a trader's ETH long at the vault's open-interest bound gains ten
times its notional when ETH jumps x10, the vault's equity falls below 0 with shares
outstanding, and an LP deposits. Invariant 16 (docs/invariants.md) says the deposit must be
refused; on this branch it is accepted (V-03 is fixed on another branch), so the replay
runs with the gate V03_FIXED on and is a strict xfail: when the fix is merged it passes,
the run turns red, and the mark comes off (set V03_FIXED and V03_DEPOSIT_REASON in
system_machine_model.py then).

Written by hand in the format Hypothesis prints (tests/regressions/README.md). It also
shows invariant 16 can fail: a short `ci` run rarely reaches an insolvent vault.
"""

from __future__ import annotations

import system_machine_value


def test_regression_deposit_into_insolvent_vault(machine):
    assert system_machine_value.V03_FIXED
    state = machine
    state.seed(
        lp_cents=[10**8, 10**8],  # 3,000,000 USDC of LP money with the seed
        cross_cents=[10**9, 10**6, 10**6, 10**6],  # the trader: 10,000,000 USDC + WETH
        second=[0, 0, 0, 0],
        bucket=[False, False, False, False],
        borrow=[0, 0, 0, 0],
        trades=[(0, 1, 0)] * 8,  # no positions yet
    )
    state.invariants_hold()
    # mode 3 trades c / 1000 US cents: a 1,400,000 USD ETH long (oi_share 0.5 x 3 M)
    state.modify_position(
        t=0, i=0, kind=0, m=0, sign=1, mode=3, ratio=0, c=14 * 10**10, slippage=0
    )
    state.invariants_hold()
    assert state.observe().accounts[1].positions, "the long did not open"
    state.price_jump(k=0, exponent=1_000)  # ETH x 10
    state.invariants_hold()
    obs = state.observe()
    assert state.insolvent(obs), f"equity {state.vault_equity(obs)} is not <= 0"
    state.lp_deposit(who=1, units=50_000, wei=0)  # must be refused (V-03)
    state.invariants_hold()
