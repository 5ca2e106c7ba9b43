"""Isolation: an action on one bucket changes that bucket (and, for a transfer, its
destination) and no other account: not the sibling bucket, not the owner's cross account,
not another owner's account."""

from __future__ import annotations

import pytest
from engine_defaults import CROSS, ISOLATED, MAX_UINT256


def _state(engine, account_id):
    """Everything stored per account, plus its collateral valuation."""
    tokens = engine.collaterals_of(account_id)
    h = engine.account_health(account_id)
    return {
        "owner": engine.owner_of(account_id),
        "mode": engine.mode_of(account_id),
        "tokens": tokens,
        "balances": {t: engine.collateral_of(account_id, t) for t in tokens},
        "debt_shares": engine.debt_shares_of(account_id),
        "active": engine.is_active(account_id),
        "wc": (h.wc_maint, h.wc_init),
    }


@pytest.fixture
def world(system, trader, trader2, funded_account, fund):
    """trader: bucket `target` (1 WETH, 1,000 borrowed), sibling bucket (0.05 WBTC, 500
    borrowed), cross account (2 WETH, 0.1 WBTC, 500 USDC, 2,000 borrowed);
    trader2: a cross account (1 WETH, 500 borrowed). The trader keeps spare WETH and USDC."""
    engine, q = system.engine, system.q
    target = funded_account(trader, ISOLATED, WETH=1)
    sibling = funded_account(trader, ISOLATED, WBTC="0.05")
    cross = funded_account(trader, CROSS, WETH=2, WBTC="0.1", USDC=500)
    other = funded_account(trader2, CROSS, WETH=1)
    for account, amount, actor in (
        (target, 1_000, trader),
        (sibling, 500, trader),
        (cross, 2_000, trader),
        (other, 500, trader2),
    ):
        engine.borrow(account, amount * q, actor, sender=actor)
    fund(trader, "WETH", 1)
    fund(trader, "USDC", 5_000)
    return target, [sibling, cross, other]


def _check(system, world, action):
    engine = system.engine
    target, others = world
    before = {a: _state(engine, a) for a in others}
    target_before = _state(engine, target)
    action(target)
    assert _state(engine, target) != target_before  # the action did something
    assert {a: _state(engine, a) for a in others} == before


def test_isolation__deposit(system, trader, world):
    weth = system.tokens["WETH"]
    _check(
        system,
        world,
        lambda t: system.engine.deposit_collateral(t, weth, 10**17, sender=trader),
    )


def test_isolation__withdraw(system, trader, world):
    weth = system.tokens["WETH"]
    _check(
        system,
        world,
        lambda t: system.engine.withdraw_collateral(
            t, weth, 10**17, trader, sender=trader
        ),
    )


def test_isolation__transfer(system, trader, world, open_account):
    weth = system.tokens["WETH"]
    fresh = open_account(trader, ISOLATED)
    _check(
        system,
        world,
        lambda t: system.engine.transfer_collateral(
            t, fresh, weth, 10**17, sender=trader
        ),
    )
    assert system.engine.collateral_of(fresh, weth) == 10**17


def test_isolation__borrow(system, trader, world):
    _check(
        system,
        world,
        lambda t: system.engine.borrow(t, 100 * system.q, trader, sender=trader),
    )


def test_isolation__repay(system, trader, world):
    _check(system, world, lambda t: system.engine.repay(t, MAX_UINT256, sender=trader))
