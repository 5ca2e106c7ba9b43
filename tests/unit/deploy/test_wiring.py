"""What the deployment wires, read back from the chain: the vault over the quote token, the
engine over vault and oracle, `vault.set_engine`, the collateral listings and the minimum
debt, all as config/local.yaml says."""

from __future__ import annotations

import json

import pytest

from scripts import _deploy
from deploy_helpers import config_dict, set_path

from scripts._config import config_path, load, to_units, to_wad
from scripts._constants import WAD

LOCAL = config_dict("local")
CONFIG, _ = load(config_path("local"))


@pytest.fixture
def wired(deploy_with):
    dep, _ = deploy_with("local")
    return dep


def test_lens_reads_the_engine(wired):
    lens, engine = wired.contracts["Lens"], wired.contracts["MarginEngine"]
    assert lens.engine() == engine.address
    assert lens.active_accounts(0, 10) == [] and lens.liquidatable(0, 10) == []


def test_vault_holds_the_quote_token_and_names_the_engine(wired):
    vault, engine, oracle = (
        wired.contracts[n] for n in ("Vault", "MarginEngine", "OracleAdapter")
    )
    usdc = wired.tokens["USDC"]
    assert vault.asset() == usdc.address
    assert vault.engine() == engine.address
    assert (vault.name(), vault.symbol()) == (
        LOCAL["vault"]["name"],
        LOCAL["vault"]["symbol"],
    )
    assert vault.decimals() == usdc.decimals() + vault.DECIMALS_OFFSET()
    assert vault.borrow_rate() == 0  # base rate at zero utilisation
    assert (engine.vault(), engine.oracle(), engine.quote()) == (
        vault.address,
        oracle.address,
        usdc.address,
    )


def test_guardian_is_empty_unless_configured(
    wired, deploy_with, write_config, accounts
):
    zero = "0x0000000000000000000000000000000000000000"
    assert wired.contracts["Vault"].guardian() == zero
    assert wired.contracts["MarginEngine"].guardian() == zero
    guardian = accounts[1].address
    data = set_path(config_dict("local"), "roles.guardian", guardian)
    dep, _ = deploy_with(write_config(data), force=True)
    assert dep.contracts["Vault"].guardian() == guardian
    assert dep.contracts["MarginEngine"].guardian() == guardian


def test_owner_handover_offers_every_contract_and_needs_acceptance(
    deploy_with, write_config, accounts, owner
):
    new_owner = accounts[9]
    data = set_path(config_dict("local"), "roles.owner", new_owner.address)
    dep, path = deploy_with(write_config(data))
    assert json.loads(path.read_text())["pending_owner"] == new_owner.address
    # The Lens holds nothing and has no owner; the extension's code runs on the engine's
    # storage, where the engine's owner is the one that counts.
    assert set(dep.contracts) - set(_deploy.OWNED) == {"Lens", "MarginEngineExtension"}
    for name in _deploy.OWNED:
        contract = dep.contracts[name]
        assert contract.owner() == owner.address, (
            name
        )  # still the deployer until accepted
        assert contract.pending_owner() == new_owner.address, name
        contract.accept_ownership(sender=new_owner)
        assert contract.owner() == new_owner.address, name


def test_no_handover_leaves_the_deployer_in_charge(wired, owner):
    zero = "0x0000000000000000000000000000000000000000"
    for name in _deploy.OWNED:
        contract = wired.contracts[name]
        assert (contract.owner(), contract.pending_owner()) == (owner.address, zero), (
            name
        )


@pytest.mark.parametrize("symbol", list(LOCAL["collaterals"]))
def test_collaterals_are_listed_with_their_parameters(wired, symbol):
    engine = wired.contracts["MarginEngine"]
    token = wired.tokens[symbol]
    cc = CONFIG.collaterals[symbol]
    stored = engine.collateral_config(token.address)
    assert stored.oracle_asset == token.address
    assert stored.decimals == token.decimals()
    assert stored.collateral_factor == to_wad(cc.collateral_factor)
    assert stored.liquidation_threshold == to_wad(cc.liquidation_threshold)
    assert stored.liquidation_bonus == to_wad(cc.liquidation_bonus)
    assert stored.supply_cap == to_units(cc.supply_cap, token.decimals())
    assert stored.enabled


def test_only_configured_collaterals_are_listed(wired):
    engine = wired.contracts["MarginEngine"]
    assert sorted(engine.listed_collaterals()) == sorted(
        wired.tokens[s].address for s in LOCAL["collaterals"]
    )


def test_min_debt_follows_the_config(wired, deploy_with, write_config):
    assert wired.contracts["MarginEngine"].min_debt() == 10 * 10**6
    labels = [label for label, _ in wired.receipts]
    assert (
        "engine.set_min_debt" not in labels
    )  # the constructor default already matches
    dep, _ = deploy_with(
        write_config(set_path(config_dict("local"), "engine.min_debt", 25)), force=True
    )
    assert dep.contracts["MarginEngine"].min_debt() == 25 * 10**6
    assert "engine.set_min_debt" in [label for label, _ in dep.receipts]


def test_without_a_vault_section_only_the_oracle_is_deployed(deploy_with, write_config):
    data = config_dict("local")
    for key in ("vault", "engine", "collaterals", "markets"):
        del data[key]
    dep, path = deploy_with(write_config(data))
    assert set(dep.contracts) == {"OracleAdapter"}
    assert dep.markets == {}
    assert json.loads(path.read_text())["markets"] == {}


def test_lp_deposit_and_a_borrow_work_on_the_wired_deployment(wired, accounts):
    lp, trader = accounts[2], accounts[4]
    vault, engine = wired.contracts["Vault"], wired.contracts["MarginEngine"]
    usdc, weth = wired.tokens["USDC"], wired.tokens["WETH"]
    usdc.mint(lp, 100_000 * 10**6, sender=lp)
    usdc.approve(vault, 100_000 * 10**6, sender=lp)
    vault.deposit(100_000 * 10**6, lp, sender=lp)
    assert vault.totalAssets() == 100_000 * 10**6
    weth.mint(trader, 10 * WAD, sender=trader)
    weth.approve(engine, 10 * WAD, sender=trader)
    engine.open_account(2, sender=trader)
    account = engine.account_count()
    engine.deposit_collateral(account, weth, 10 * WAD, sender=trader)
    engine.borrow(account, 10_000 * 10**6, trader, sender=trader)
    assert usdc.balanceOf(trader) == 10_000 * 10**6
    # 10 WETH x 3000 USD x LT 0.85 against 10,000 USD of debt
    assert engine.health_factor(account) == 25_500 * WAD // 10_000
