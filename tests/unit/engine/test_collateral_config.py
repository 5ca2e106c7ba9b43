"""Collateral listing and configuration (owner), and the minimum-debt setter."""

from __future__ import annotations

import ape
import pytest
from web3.exceptions import ContractLogicError
from engine_defaults import (
    COLLATERALS,
    CROSS,
    MAX_UINT256,
    QUOTE,
    WAD,
    ZERO_ADDRESS,
    Listing,
    wad,
)

NEW = Listing("NEW", 18, "2", "0.5", "0.6", "0.1", "0.1", "100")


@pytest.fixture
def new_token(project, owner, system, add_feed):
    """A fresh 18-decimal token the adapter prices (not listed on the engine yet)."""
    token = project.MockERC20.deploy("Mock NEW", "NEW", 18, sender=owner)
    add_feed(system.oracle, token, NEW)
    return token


def test_constructor__quote_listed_with_defaults(system):
    engine, quote = system.engine, system.quote
    assert engine.quote() == quote
    assert engine.vault() == system.vault
    assert engine.oracle() == system.oracle
    cfg = engine.collateral_config(quote)
    assert cfg.oracle_asset == quote
    assert cfg.decimals == QUOTE.decimals
    assert cfg.collateral_factor == wad(QUOTE.cf)
    assert cfg.liquidation_threshold == wad(QUOTE.lt)
    assert cfg.liquidation_bonus == wad(QUOTE.bonus)
    assert cfg.supply_cap == MAX_UINT256
    assert cfg.enabled
    assert engine.listed_collaterals() == [
        system.tokens[s] for s in [QUOTE.symbol] + [c.symbol for c in COLLATERALS]
    ]
    # DESIGN: minimum debt 10 whole quote units.
    assert engine.min_debt() == 10 * system.q


def test_constructor__quote_bounds_checked(project, owner, system, chain):
    """The constructor lists the quote through the same bound checks as `list_collateral`.
    (Checked with a raw eth_call: ape's revert tracing cannot decode a failed deployment.)"""
    tx = project.MarginEngine.constructor.serialize_transaction(
        system.vault,
        system.oracle,
        system.registry,
        system.quote,
        wad("0.97"),
        wad("0.97"),
        wad("0.02"),
        MAX_UINT256,
        system.engine.extension(),
        sender=owner,
    )
    with pytest.raises(ContractLogicError, match="engine: CF not below LT"):
        chain.provider.web3.eth.call({"from": owner.address, "data": tx.data})


def test_list_collateral__success(system, owner, new_token):
    engine = system.engine
    receipt = engine.list_collateral(
        new_token,
        new_token,
        wad(NEW.cf),
        wad(NEW.lt),
        wad(NEW.bonus),
        10**24,
        sender=owner,
    )
    assert receipt.events == [
        engine.CollateralListed(token=new_token, oracle_asset=new_token, decimals=18),
        engine.CollateralConfigured(
            token=new_token,
            collateral_factor=wad(NEW.cf),
            liquidation_threshold=wad(NEW.lt),
            liquidation_bonus=wad(NEW.bonus),
            supply_cap=10**24,
            enabled=True,
        ),
    ]
    cfg = engine.collateral_config(new_token)
    assert (cfg.oracle_asset, cfg.decimals, cfg.supply_cap, cfg.enabled) == (
        new_token,
        18,
        10**24,
        True,
    )
    assert engine.listed_collaterals()[-1] == new_token


def test_list_collateral__other_oracle_asset_and_decimals(
    project, system, owner, add_feed
):
    """A wrapped token priced by another asset; decimals come from the token (8 here)."""
    engine = system.engine
    token = project.MockERC20.deploy("Wrapped", "WX", 8, sender=owner)
    asset = project.MockERC20.deploy("Underlying", "X", 18, sender=owner)
    add_feed(system.oracle, asset, NEW)
    engine.list_collateral(
        token, asset, wad("0.5"), wad("0.6"), 0, MAX_UINT256, sender=owner
    )
    cfg = engine.collateral_config(token)
    assert (cfg.oracle_asset, cfg.decimals) == (asset, 8)


def test_list_collateral__not_owner(system, stranger, new_token):
    with ape.reverts("engine: not owner"):
        system.engine.list_collateral(
            new_token, new_token, wad("0.5"), wad("0.6"), 0, 1, sender=stranger
        )


def test_list_collateral__bad_inputs(project, system, owner, new_token, add_feed):
    engine = system.engine
    weth = system.tokens["WETH"]
    with ape.reverts("engine: collateral already listed"):
        engine.list_collateral(weth, weth, wad("0.5"), wad("0.6"), 0, 1, sender=owner)
    with ape.reverts("engine: oracle cannot price asset"):
        engine.list_collateral(
            new_token, system.vault, wad("0.5"), wad("0.6"), 0, 1, sender=owner
        )
    with ape.reverts("engine: oracle cannot price asset"):
        engine.list_collateral(
            new_token, ZERO_ADDRESS, wad("0.5"), wad("0.6"), 0, 1, sender=owner
        )
    big = project.MockERC20.deploy("Big", "BIG", 24, sender=owner)
    add_feed(system.oracle, big, NEW)
    with ape.reverts("engine: decimals above 18"):
        engine.list_collateral(big, big, wad("0.5"), wad("0.6"), 0, 1, sender=owner)


@pytest.mark.parametrize(
    "cf, lt, bonus, reason",
    [
        ("0.6", "0.6", "0", "engine: CF not below LT"),
        ("0.7", "0.6", "0", "engine: CF not below LT"),
        ("0.9", "1", "0", "engine: LT not below 1"),
        ("0.5", "0.8", "0.250000000000000001", "engine: bonus too high for LT"),
        ("0.5", "0.97", "0.031", "engine: bonus too high for LT"),
    ],
)
def test_list_collateral__bounds(system, owner, new_token, cf, lt, bonus, reason):
    with ape.reverts(reason):
        system.engine.list_collateral(
            new_token, new_token, wad(cf), wad(lt), wad(bonus), 1, sender=owner
        )
    assert system.engine.collateral_config(new_token).oracle_asset == ZERO_ADDRESS


@pytest.mark.parametrize(
    "cf, lt, bonus",
    [("0", "0.5", "1"), ("0.5", "0.8", "0.25"), ("0.999", "0.999999999999999999", "0")],
)
def test_list_collateral__bounds_inclusive_edges(
    system, owner, new_token, cf, lt, bonus
):
    """CF may be 0; (1 + bonus) x LT == 1 is allowed; LT just below 1 is allowed."""
    system.engine.list_collateral(
        new_token, new_token, wad(cf), wad(lt), wad(bonus), 1, sender=owner
    )
    cfg = system.engine.collateral_config(new_token)
    assert (
        cfg.collateral_factor,
        cfg.liquidation_threshold,
        cfg.liquidation_bonus,
    ) == (wad(cf), wad(lt), wad(bonus))


def test_configure_collateral__success_and_event(system, owner):
    engine, weth = system.engine, system.tokens["WETH"]
    receipt = engine.configure_collateral(
        weth, wad("0.7"), wad("0.75"), wad("0.1"), 123, False, sender=owner
    )
    assert receipt.events == [
        engine.CollateralConfigured(
            token=weth,
            collateral_factor=wad("0.7"),
            liquidation_threshold=wad("0.75"),
            liquidation_bonus=wad("0.1"),
            supply_cap=123,
            enabled=False,
        )
    ]
    cfg = engine.collateral_config(weth)
    assert (
        cfg.collateral_factor,
        cfg.liquidation_threshold,
        cfg.liquidation_bonus,
    ) == (
        wad("0.7"),
        wad("0.75"),
        wad("0.1"),
    )
    assert (cfg.supply_cap, cfg.enabled, cfg.oracle_asset, cfg.decimals) == (
        123,
        False,
        weth,
        18,
    )


def test_configure_collateral__failures(system, owner, stranger, new_token):
    engine, weth = system.engine, system.tokens["WETH"]
    with ape.reverts("engine: not owner"):
        engine.configure_collateral(
            weth, wad("0.7"), wad("0.75"), 0, 1, True, sender=stranger
        )
    with ape.reverts("engine: collateral not listed"):
        engine.configure_collateral(
            new_token, wad("0.7"), wad("0.75"), 0, 1, True, sender=owner
        )
    with ape.reverts("engine: CF not below LT"):
        engine.configure_collateral(
            weth, wad("0.75"), wad("0.75"), 0, 1, True, sender=owner
        )
    with ape.reverts("engine: LT not below 1"):
        engine.configure_collateral(weth, wad("0.75"), WAD, 0, 1, True, sender=owner)
    with ape.reverts("engine: bonus too high for LT"):
        engine.configure_collateral(
            weth, wad("0.75"), wad("0.8"), wad("0.3"), 1, True, sender=owner
        )


def test_disabled_collateral__no_deposit_but_withdraw_and_transfer(
    system, owner, trader, fund, funded_account
):
    engine, weth, unit = system.engine, system.tokens["WETH"], system.unit("WETH")
    account = funded_account(trader, CROSS, WETH=2)
    bucket = system.engine.open_account(1, sender=trader).return_value
    engine.configure_collateral(
        weth, wad("0.80"), wad("0.85"), wad("0.05"), MAX_UINT256, False, sender=owner
    )
    fund(trader, "WETH", 1)
    with ape.reverts("engine: collateral disabled"):
        engine.deposit_collateral(account, weth, unit, sender=trader)
    engine.transfer_collateral(account, bucket, weth, unit, sender=trader)
    engine.withdraw_collateral(account, weth, unit, trader, sender=trader)
    assert engine.collateral_of(account, weth) == 0
    assert engine.collateral_of(bucket, weth) == unit
    # Its balance still counts in health (CF 0.8 at 3,000 USD).
    assert engine.account_health(bucket).wc_init == 3_000 * wad("0.8")


def test_set_min_debt__bounds_and_event(system, owner, stranger):
    engine, q = system.engine, system.q
    with ape.reverts("engine: not owner"):
        engine.set_min_debt(5 * q, sender=stranger)
    with ape.reverts("engine: min debt out of range"):
        engine.set_min_debt(0, sender=owner)
    with ape.reverts("engine: min debt out of range"):
        engine.set_min_debt(1_000_000 * q + 1, sender=owner)
    receipt = engine.set_min_debt(1, sender=owner)
    assert receipt.events == [engine.MinDebtSet(min_debt=1)]
    engine.set_min_debt(1_000_000 * q, sender=owner)
    assert engine.min_debt() == 1_000_000 * q
