"""Replay (H-1, issue 16): a quote-only cross account, long ETH and short BTC, becomes
liquidatable with positive equity; closing the worst position (ETH) eats all its quote and
leaves settlement debt while the BTC short stays open with a profit above that debt.

The liquidation must keep closing (the short's profit repays the debt) and write nothing
off. Invariant 11 (docs/invariants.md) checks every liquidation: a write-off only with no
collateral and no position, and never more than the negative equity before it. With the
H-1 fix reverted (one closing pass, step 4 without the "no position" condition) this
replay fails in `liquidate_candidate` (the commands and output are in docs/invariants.md).

Written by hand in the format Hypothesis prints (tests/regressions/README.md): the figures
are chosen so the first closing pass stops at the buffer with debt and no collateral.
"""

from __future__ import annotations


def test_regression_write_off_with_open_profit(machine):
    state = machine
    state.seed(
        lp_cents=[10**8, 10**8],
        cross_cents=[10**6, 10**6, 10**6, 10**6],
        second=[0, 0, 0, 0],
        bucket=[False, False, False, False],
        borrow=[0, 0, 0, 0],
        trades=[(0, 1, 0)] * 8,  # no positions
    )
    state.invariants_hold()
    state.open_account(t=0, mode=2)  # account 5: the trader's second cross account
    state.invariants_hold()
    state.deposit_collateral(
        t=0, i=1, payer=0, k=0, c=10**6
    )  # 10,000 USDC, nothing else
    state.invariants_hold()
    # mode 3 trades c / 1000 US cents of notional: long 58,000 USD of ETH, short 29,000 of BTC
    state.modify_position(
        t=0, i=1, kind=0, m=0, sign=1, mode=3, ratio=0, c=58 * 10**8, slippage=0
    )
    state.invariants_hold()
    state.modify_position(
        t=0, i=1, kind=0, m=1, sign=-1, mode=3, ratio=0, c=29 * 10**8, slippage=0
    )
    state.invariants_hold()
    state.price_jump(k=0, exponent=-125)  # ETH x 0.750
    state.invariants_hold()
    state.price_jump(k=1, exponent=-137)  # BTC x 0.729: the short gains ~7,800 USD
    state.invariants_hold()
    before = state.observe().accounts[5]
    assert before.health.liquidatable and before.health.equity_maint > 0
    assert state.candidates() == [5]
    written = state.E.stats.get("liquidations", {}).get("write-off", 0)
    state.liquidate_candidate(liq=0, i=0, choice=0, cap="max", greedy=False)
    state.invariants_hold()
    after = state.observe().accounts[5]
    assert not after.positions, "the short stayed open"
    assert after.debt_shares == 0, "the short's profit did not repay the debt"
    assert after.balances[0] > 0, "the rest of the short's profit was not paid out"
    assert state.E.stats["liquidations"].get("write-off", 0) == written, (
        "debt was written off while the account had open profit"
    )
