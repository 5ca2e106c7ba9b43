"""The peer benchmark's nine lending rows (issue 17, section 3), tracked in the gas snapshot.

`../shared/peers/run.py` measures Bulkhead side by side with Morpho Blue, Aave v3 and
LlamaLend v2 on one anvil. These scenarios replay its Bulkhead column the same way, so
every change is judged on the rows the peers are compared on: a system with the quote and
WETH listed and the ETH perp market (as the benchmark deploys from config/local.yaml; the
risk parameters here are DESIGN.md's defaults, which local.yaml uses too), a pool that
already has an LP (1,000,000 USDC) and three borrowers (100 WETH / 200,000 USDC and twice
10 WETH / 20,000 USDC) in cross accounts, one day between measured operations (so every
call pays its interest accrual), both feeds republished just before each operation, and
every actor holding both tokens with the engine and vault approved (no measured transfer
writes a zero balance slot). The benchmark's liquidation runs at WETH = 2,150 USD.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from engine_defaults import COLLATERALS, CROSS, MAX_UINT256, PERPS, feed_answer

pytestmark = [pytest.mark.gas, pytest.mark.usefixtures("system")]

DAY = 86_400
HOUR = 3_600
WETH_LISTING = next(c for c in COLLATERALS if c.symbol == "WETH")
ETH_PERP = next(p for p in PERPS if p.symbol == "ETH")


def test_gas__peer_rows(
    deploy_engine,
    pin_time,
    gas,
    owner,
    lp,
    lp2,
    trader,
    trader2,
    attacker,
    stranger,
    liquidator,
):
    env = deploy_engine(collaterals=(WETH_LISTING,), perps=(ETH_PERP,), lp_seed=0)
    engine, vault = env.engine, env.vault
    usdc, weth = env.quote, env.tokens["WETH"]
    q, e = env.q, 10**18
    whale, doomed, other, user = trader2, attacker, stranger, trader
    for who in (lp, lp2, whale, doomed, other, user, liquidator):
        usdc.mint(who, 10**8 * q, sender=owner)
        weth.mint(who, 10**4 * e, sender=owner)
        for token in (usdc, weth):
            token.approve(engine, MAX_UINT256, sender=who)
        usdc.approve(vault, MAX_UINT256, sender=who)
    prices = {"USDC": "1", "WETH": "3000"}
    t = 0

    def at(offset: int) -> None:
        """Republish both feeds, then pin the next block `offset` s after GAS_T0."""
        nonlocal t
        t = offset
        pin_time(t - 10)
        for symbol in ("USDC", "WETH"):
            env.feeds[symbol].set_answer(feed_answer(prices[symbol]), sender=owner)
        pin_time(t)

    # The starting state: a pool with an LP and three borrowers.
    at(0)
    vault.deposit(1_000_000 * q, lp, sender=lp)
    accounts = {}
    for who, coll, debt, offset in (
        (whale, 100, 200_000, 60),
        (doomed, 10, 20_000, 120),
        (other, 10, 20_000, 180),
    ):
        at(offset)
        accounts[who] = engine.open_account(CROSS, sender=who).return_value
        engine.deposit_collateral(accounts[who], weth, coll * e, sender=who)
        engine.borrow(accounts[who], debt * q, who, sender=who)

    # Measured, one day apart (the benchmark's order).
    at(DAY)
    vault.deposit(10_000 * q, lp2, sender=lp2)  # LP deposit, first
    at(2 * DAY)
    gas.record("peers: LP deposit, repeat", vault.deposit(5_000 * q, lp2, sender=lp2))
    at(3 * DAY)
    opened = engine.open_account(CROSS, sender=user)
    account = opened.return_value
    at(3 * DAY + HOUR)
    deposited = engine.deposit_collateral(account, weth, 10 * e, sender=user)
    gas.record("peers: deposit collateral, first (10 WETH)", deposited)
    at(3 * DAY + 2 * HOUR)
    borrowed = engine.borrow(account, 10_000 * q, user, sender=user)
    gas.record("peers: borrow, first", borrowed)
    whole_open = sum(int(r.gas_used) for r in (opened, deposited, borrowed))
    gas.record(
        "peers: a borrower's whole open (account + collateral + borrow)",
        SimpleNamespace(gas_used=whole_open),
    )
    at(4 * DAY)
    gas.record(
        "peers: borrow, repeat", engine.borrow(account, 5_000 * q, user, sender=user)
    )
    at(5 * DAY)
    gas.record(
        "peers: add collateral, repeat",
        engine.deposit_collateral(account, weth, e, sender=user),
    )
    at(6 * DAY)
    engine.repay(account, 5_000 * q, sender=user)  # repay, partial
    at(7 * DAY)
    gas.record("peers: repay, full", engine.repay(account, MAX_UINT256, sender=user))
    at(8 * DAY)
    balance = engine.collateral_of(account, weth)
    gas.record(
        "peers: withdraw collateral, all",
        engine.withdraw_collateral(account, weth, balance, user, sender=user),
    )
    at(9 * DAY)
    vault.withdraw(5_000 * q, lp2, lp2, sender=lp2)  # LP withdraw, partial
    at(10 * DAY)
    vault.redeem(vault.balanceOf(lp2), lp2, lp2, sender=lp2)  # LP withdraw, all

    # WETH falls to 2,150: the 10 WETH / 20,000 USDC borrower is liquidated in full.
    prices["WETH"] = "2150"
    at(11 * DAY)
    at(11 * DAY + HOUR)
    assert engine.is_liquidatable(accounts[doomed])
    liquidated = engine.liquidate(
        accounts[doomed], MAX_UINT256, weth, 0, liquidator, sender=liquidator
    )
    repaid, seized, _ = liquidated.return_value
    assert repaid > 0 and seized > 0
    gas.record(
        "peers: liquidate, full (10 WETH, ~20,000 debt, no position)", liquidated
    )
