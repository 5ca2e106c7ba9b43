"""Re-entry across the engine, the registry and the vault during a perp trade.

A quote token with a transfer hook (MockReentrantToken) calls out in the middle of a
settlement: while the engine holds its lock, the vault cannot read the marks (every LP
entry or exit halts), the engine cannot be re-entered, and the registry books trades for
the engine only. Each is paired with the same call succeeding outside a trade.
"""

from __future__ import annotations

import pytest
from eth_abi import decode
from engine_defaults import COLLATERALS, CROSS, MAX_UINT256, wad

# Session fixtures first, so ape never has to rebase its isolation snapshots mid-module.
pytestmark = pytest.mark.usefixtures("system", "funded_account")

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)


def _reason(data: bytes) -> str:
    assert data[:4] == ERROR_SELECTOR, data
    return decode(["string"], data[4:])[0]


@pytest.fixture
def hooked(project, owner, deploy_engine, lp, trader, funded_account):
    """A system whose quote token has the hook, with WETH and the ETH market. The token
    contract holds vault shares (an LP deposited for it), so a hook calling
    `vault.redeem(shares, token, token)` is an LP exit that needs no allowance."""
    quote = project.MockReentrantToken.deploy("Mock USDC", "USDC", 6, sender=owner)
    system = deploy_engine(quote_token=quote, collaterals=COLLATERALS[:1])
    vault, q = system.vault, system.q
    quote.mint(lp, 1_000 * q, sender=lp)
    shares = vault.deposit(1_000 * q, quote, sender=lp).return_value
    account = funded_account(trader, CROSS, on=system, USDC=10_000)
    return system, account, shares


def test_lp_exit_during_a_trade__halts(hooked, trader, stranger):
    """trade -> fee to the vault (quote.transfer) -> hook -> vault.redeem: the vault is not
    locked, but it cannot read the locked engine's marks: "vault: marks unavailable"."""
    system, account, shares = hooked
    engine, quote, vault = system.engine, system.quote, system.vault
    quote.arm(
        vault, vault.redeem.encode_input(shares, quote, quote), False, sender=trader
    )
    engine.modify_position(account, 1, wad("1"), MAX_UINT256, sender=trader)
    assert quote.hook_called() and not quote.hook_success()
    assert _reason(quote.hook_return()) == "vault: marks unavailable"
    assert vault.balanceOf(quote) == shares
    assert vault.cash() <= quote.balanceOf(vault)
    # The twin: the same exit outside any engine call works (the position is still open).
    quote.arm(
        vault, vault.redeem.encode_input(shares, quote, quote), False, sender=trader
    )
    quote.mint(trader, 1, sender=trader)
    quote.transfer(stranger, 1, sender=trader)
    assert quote.hook_success() and vault.balanceOf(quote) == 0


def test_engine_reentry_during_a_payout__reverts(hooked, trader, stranger, set_price):
    """close -> vault.pay_pnl -> quote.transfer(engine) -> hook -> engine.modify_position:
    the engine's lock (no revert data); the close itself completes."""
    system, account, _shares = hooked
    engine, quote = system.engine, system.quote
    engine.modify_position(account, 1, wad("1"), MAX_UINT256, sender=trader)
    set_price("WETH", "3300", on=system)
    engine.set_operator(
        quote, True, sender=trader
    )  # so only the lock can stop the hook
    data = engine.modify_position.encode_input(account, 1, wad("1"), MAX_UINT256)
    quote.arm(engine, data, False, sender=trader)
    engine.close_position(account, 1, 0, sender=trader)
    assert quote.hook_called() and not quote.hook_success()
    assert quote.hook_return() == b""
    assert engine.position_of(account, 1).size == 0
    # The twin: the same call from the hook outside a trade goes through.
    quote.arm(engine, data, False, sender=trader)
    quote.mint(trader, 1, sender=trader)
    quote.transfer(stranger, 1, sender=trader)
    assert quote.hook_success() and engine.position_of(account, 1).size == wad("1")


def test_registry_trade_from_a_hook__engine_only(hooked, trader):
    system, account, _shares = hooked
    engine, quote, registry = system.engine, system.quote, system.registry
    quote.arm(
        registry,
        registry.trade.encode_input(1, 0, 0, wad("1"), MAX_UINT256),
        False,
        sender=trader,
    )
    engine.modify_position(account, 1, wad("1"), MAX_UINT256, sender=trader)
    assert quote.hook_called() and not quote.hook_success()
    assert _reason(quote.hook_return()) == "registry: caller is not the engine"
    state = registry.market_state(1)
    assert state.long_size == engine.position_of(account, 1).size == wad("1")
