"""Liveness of liquidation (issue 6): after a drop of every non-quote price by 10, 30, 50
or 90 %, every liquidatable account (buckets and cross accounts; borrow-only, perps-only
and mixed; solvent and already underwater) is liquidated by one call that does not revert;
no liquidation raises the account's shortfall; an account left without collateral owes
nothing.

The shortfall is read before the call (one block earlier) and after it; the block between
them accrues at most a second of interest and funding, far below the tolerance (1 cent).
"""

from __future__ import annotations

from fractions import Fraction

import ape
import pytest
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, WAD, ZERO_ADDRESS, wad

DRIFT = 10**16  # 0.01 USD (WAD): a block's interest and funding on these books


@pytest.fixture
def population(system, trader, trader2, fund, funded_account, trade):
    """Eight accounts at or near their initial requirement, one of each kind."""
    engine, q = system.engine, system.q
    weth, meme = system.tokens["WETH"], system.tokens["MEME"]
    accounts = {}

    accounts["bucket borrow WETH"] = funded_account(trader, ISOLATED, WETH=1)
    engine.borrow(accounts["bucket borrow WETH"], 2_390 * q, trader, sender=trader)

    accounts["bucket borrow MEME"] = funded_account(trader, ISOLATED, MEME=10_000)
    engine.borrow(accounts["bucket borrow MEME"], 1_990 * q, trader, sender=trader)

    fund(trader, "WETH", 4)
    accounts["bucket perp ETH"] = engine.open_isolated(
        trader,
        weth,
        2 * 10**18,
        system.markets["ETH"],
        15 * WAD,
        MAX_UINT256,
        sender=trader,
    ).return_value
    accounts["bucket perp+borrow ETH"] = engine.open_isolated(
        trader,
        weth,
        2 * 10**18,
        system.markets["ETH"],
        5 * WAD,
        MAX_UINT256,
        sender=trader,
    ).return_value
    engine.borrow(accounts["bucket perp+borrow ETH"], 2_500 * q, trader, sender=trader)

    fund(trader, "MEME", 12_000)
    accounts["bucket perp MEME"] = engine.open_isolated(
        trader,
        meme,
        12_000 * 10**18,
        system.markets["MEME"],
        12_000 * WAD,
        MAX_UINT256,
        sender=trader,
    ).return_value

    accounts["cross borrow"] = funded_account(trader2, CROSS, WETH=2, WBTC="0.1")
    engine.borrow(accounts["cross borrow"], 9_250 * q, trader2, sender=trader2)

    accounts["cross perps"] = funded_account(trader2, CROSS, USDC=6_000)
    trade(trader2, accounts["cross perps"], "ETH", "10")
    trade(trader2, accounts["cross perps"], "BTC", "0.2")
    trade(trader2, accounts["cross perps"], "MEME", "2000")

    accounts["cross mixed"] = funded_account(trader2, CROSS, WETH=2, USDC=2_000)
    trade(trader2, accounts["cross mixed"], "ETH", "-5")
    trade(trader2, accounts["cross mixed"], "BTC", "0.5")
    engine.borrow(accounts["cross mixed"], 1_500 * q, trader2, sender=trader2)
    return accounts


def _seize_choices(system, account_id):
    """The account's tokens, most valuable first, then the sweep: what a bot tries (a token
    the closes of step 2 empty, such as the quote paying a loss, cannot be seized)."""
    engine, oracle = system.engine, system.oracle
    values = []
    for token in engine.collaterals_of(account_id):
        config = engine.collateral_config(token)
        price, _ = oracle.price_info(config.oracle_asset)
        values.append(
            (
                engine.collateral_of(account_id, token) * price // 10**config.decimals,
                token,
            )
        )
    return [token for _, token in sorted(values, reverse=True)] + [ZERO_ADDRESS]


def _first_that_simulates(system, account_id, liquidator):
    """Simulate (eth_call) each choice as a bot would; the first that does not revert."""
    for token in _seize_choices(system, account_id):
        try:
            system.engine.liquidate.call(
                account_id, MAX_UINT256, token, 0, liquidator, sender=liquidator
            )
        except ape.exceptions.ContractLogicError:
            continue
        return token
    raise AssertionError(f"account {account_id}: every liquidation choice reverts")


@pytest.mark.parametrize("drop", ["0.10", "0.30", "0.50", "0.90"])
def test_every_liquidatable_account_can_be_liquidated(
    system, population, set_price, liquidator, fund, drop
):
    engine = system.engine
    fund(liquidator, "USDC", 10_000_000)
    for symbol, listing in system.listings.items():
        if symbol != "USDC":
            price = Fraction(listing.price) * (1 - Fraction(drop))
            set_price(
                symbol,
                str(float(price)) if price.denominator != 1 else str(price.numerator),
            )
    liquidated = []
    for name, account_id in population.items():
        before = engine.account_health(account_id)
        assert before.priced, name
        if not before.liquidatable:
            continue
        token = _first_that_simulates(system, account_id, liquidator)
        engine.liquidate(
            account_id, MAX_UINT256, token, 0, liquidator, sender=liquidator
        )
        after = engine.account_health(account_id)
        assert after.shortfall <= before.shortfall + DRIFT, name
        if engine.collaterals_of(account_id) == [] and engine.claim_of(account_id) == 0:
            assert engine.debt_shares_of(account_id) == 0, name
        liquidated.append(name)
    # The larger drops leave nothing healthy that was leveraged; the smallest still bites.
    assert liquidated, drop
    if drop in ("0.50", "0.90"):
        assert len(liquidated) == len(population), (drop, liquidated)


def test_population__is_healthy_before_the_drop(system, population):
    for name, account_id in population.items():
        health = system.engine.account_health(account_id)
        assert health.priced and not health.liquidatable, name
        assert health.health_factor > wad("1"), name
