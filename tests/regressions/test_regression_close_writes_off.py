"""Replay (V-04, issue 16): a quote-only cross account, long ETH alone, falls below zero
equity and its owner closes. The close realises a loss above the quote; the rest is debt
with nothing behind it, and the close must write it off in the same transaction (reserve
first, then the LPs), so no LP can redeem ahead of it.

Invariant 11 for trades (`check_trade_write_off`, docs/invariants.md) checks every trade:
a write-off only for an account left with no collateral and no position, all of its debt,
never more than its negative equity before the trade plus the trade's fee; and no trade
leaves debt with nothing behind it. With the V-04 change reverted (no write-off in
`_modify`) this replay fails on that last rule.

Written by hand in the format Hypothesis prints (tests/regressions/README.md).
"""

from __future__ import annotations


def test_regression_close_writes_off(machine):
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
    state.deposit_collateral(t=0, i=1, payer=0, k=0, c=10**6)  # 10,000 USDC only
    state.invariants_hold()
    # mode 3 trades c / 1000 US cents of notional: long 58,000 USD of ETH
    state.modify_position(
        t=0, i=1, kind=0, m=0, sign=1, mode=3, ratio=0, c=58 * 10**8, slippage=0
    )
    state.invariants_hold()
    state.price_jump(k=0, exponent=-125)  # ETH x 0.750: a loss of ~14,500 USD
    state.invariants_hold()
    before = state.observe().accounts[5]
    assert before.health.liquidatable and before.positions
    checked = state.E.stats["checked"]
    trade_write_offs = checked.get("write-off (trade)", 0)
    bounded = checked.get("write-off (trade) <= negative equity before", 0)
    state.close_position(t=0, i=1, kind=0, m=0, slippage=0, held=True)
    state.invariants_hold()
    after = state.observe().accounts[5]
    assert not after.positions and not any(after.balances) and after.claim == 0
    assert after.debt_shares == 0, "the close left debt with nothing behind it"
    assert checked["write-off (trade)"] == trade_write_offs + 1
    assert checked["write-off (trade) <= negative equity before"] == bounded + 1
