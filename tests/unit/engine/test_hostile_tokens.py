"""Hostile tokens: fee on transfer (both kinds), no return value, `false`, and transfer hooks
that re-enter the engine or the vault. Nothing is lost, internal balances never drift from
token balances, and every re-entry reverts (each paired with the same call succeeding when
it is not a re-entry)."""

from __future__ import annotations

import ape
import pytest
from eth_abi import decode
from engine_defaults import CROSS, MAX_UINT256, Listing

# Session fixtures first, so ape never has to rebase its isolation snapshots mid-module.
pytestmark = pytest.mark.usefixtures("system", "funded_account", "fund")

HOSTILE = Listing("HOST", 18, "10", "0.5", "0.6", "0.05", "0.1", "1000")
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)


def _revert_reason(data: bytes) -> str:
    assert data[:4] == ERROR_SELECTOR, data
    return decode(["string"], data[4:])[0]


@pytest.fixture
def bare(deploy_engine):
    """A system whose only collateral is the quote; each test lists the hostile token it needs."""
    return deploy_engine(collaterals=())


@pytest.fixture
def hostile(project, owner, bare, list_token):
    """Deploy `kind` (a mock contract name) and list it as collateral on `bare`."""

    def _make(kind: str) -> object:
        token = getattr(project, kind).deploy("Hostile", "HOST", 18, sender=owner)
        list_token(bare, token, HOSTILE)
        return token

    yield _make
    for d in (bare.tokens, bare.feeds, bare.listings):
        d.pop("HOST", None)


def _fund(token, engine, actor, amount):
    token.mint(actor, amount, sender=actor)
    token.approve(engine, MAX_UINT256, sender=actor)


def _assert_books(engine, token, *accounts):
    """Σ internal balances == total == the engine's token balance (no drift either way)."""
    total = engine.total_collateral(token)
    assert sum(engine.collateral_of(a, token) for a in accounts) == total
    assert token.balanceOf(engine) == total


# ---- fee on transfer ------------------------------------------------------------------
def test_fee_on_transfer__credits_what_arrived(bare, hostile, trader, stranger):
    engine = bare.engine
    token = hostile("MockERC20")
    token.set_fee_bps(100, sender=trader)  # 1 % burnt from every transfer
    account = engine.open_account(CROSS, sender=trader).return_value
    _fund(token, engine, trader, 10_000)
    receipt = engine.deposit_collateral(account, token, 10_000, sender=trader)
    assert receipt.events.filter(engine.CollateralDeposited)[0].amount == 9_900
    assert engine.collateral_of(account, token) == 9_900
    _assert_books(engine, token, account)
    # Out: the engine pays exactly the amount; the receiver bears the token's fee.
    engine.withdraw_collateral(account, token, 9_900, stranger, sender=trader)
    assert token.balanceOf(stranger) == 9_900 - 99
    assert engine.collateral_of(account, token) == 0
    _assert_books(engine, token, account)


def test_fee_on_transfer__nothing_received(bare, hostile, trader):
    engine = bare.engine
    token = hostile("MockERC20")
    token.set_fee_bps(10_000, sender=trader)
    account = engine.open_account(CROSS, sender=trader).return_value
    _fund(token, engine, trader, 1_000)
    with ape.reverts("engine: nothing received"):
        engine.deposit_collateral(account, token, 1_000, sender=trader)
    assert engine.collaterals_of(account) == []


def test_sender_fee__withdrawal_that_would_drain_others_reverts(
    bare, hostile, trader, trader2
):
    engine = bare.engine
    token = hostile("MockSenderFeeToken")
    mine = engine.open_account(CROSS, sender=trader).return_value
    theirs = engine.open_account(CROSS, sender=trader2).return_value
    for actor, account in ((trader, mine), (trader2, theirs)):
        _fund(token, engine, actor, 1_000)
        engine.deposit_collateral(account, token, 1_000, sender=actor)
    # Without a fee the withdrawal works; with a fee taken on top, the engine would pay
    # 1,010 for a 1,000 withdrawal, the 10 from trader2's collateral.
    engine.withdraw_collateral(mine, token, 500, trader, sender=trader)
    token.set_fee_bps(100, sender=trader)
    with ape.reverts("engine: token balance mismatch"):
        engine.withdraw_collateral(mine, token, 500, trader, sender=trader)
    _assert_books(engine, token, mine, theirs)
    assert engine.collateral_of(theirs, token) == 1_000


# ---- no return value, false -----------------------------------------------------------
def test_no_return_value_token__works(bare, hostile, trader, stranger):
    engine = bare.engine
    token = hostile("MockNoReturnToken")
    account = engine.open_account(CROSS, sender=trader).return_value
    bucket = engine.open_account(1, sender=trader).return_value
    _fund(token, engine, trader, 5_000)
    engine.deposit_collateral(account, token, 5_000, sender=trader)
    engine.transfer_collateral(account, bucket, token, 2_000, sender=trader)
    engine.withdraw_collateral(account, token, 3_000, stranger, sender=trader)
    assert token.balanceOf(stranger) == 3_000
    assert engine.collateral_of(bucket, token) == 2_000
    _assert_books(engine, token, account, bucket)


def test_false_returning_token__reverts_and_keeps_books(bare, hostile, trader):
    engine = bare.engine
    token = hostile("MockFalseToken")
    account = engine.open_account(CROSS, sender=trader).return_value
    _fund(token, engine, trader, 5_000)
    engine.deposit_collateral(account, token, 4_000, sender=trader)
    token.set_fail(True, sender=trader)
    with ape.reverts("engine: token transfer failed"):
        engine.deposit_collateral(account, token, 1_000, sender=trader)
    with ape.reverts("engine: token transfer failed"):
        engine.withdraw_collateral(account, token, 1_000, trader, sender=trader)
    assert engine.collateral_of(account, token) == 4_000
    _assert_books(engine, token, account)
    token.set_fail(False, sender=trader)
    engine.withdraw_collateral(account, token, 4_000, trader, sender=trader)
    assert token.balanceOf(trader) == 5_000


def test_false_returning_quote__repay_reverts(
    project, owner, deploy_engine, trader, funded_account, fund
):
    quote = project.MockFalseToken.deploy("Mock USDC", "USDC", 6, sender=owner)
    system = deploy_engine(quote_token=quote, collaterals=())
    engine, q = system.engine, system.q
    account = funded_account(trader, CROSS, on=system, USDC=1_000)
    engine.borrow(account, 100 * q, trader, sender=trader)
    quote.set_fail(True, sender=trader)
    with ape.reverts("engine: token transfer failed"):
        engine.repay(account, MAX_UINT256, sender=trader)
    assert engine.debt_of(account) >= 100 * q
    quote.set_fail(False, sender=trader)
    quote.mint(trader, q, sender=trader)  # the interest since the borrow
    engine.repay(account, MAX_UINT256, sender=trader)
    assert engine.debt_of(account) == 0


def test_no_return_value_quote__borrow_and_repay_work(
    project, owner, deploy_engine, trader, funded_account
):
    """A USDT-style quote (transfer and transferFrom return nothing): the repayment the
    engine moves from the payer straight to the vault counts a missing return value as
    success, as every other token call does (mutation survivor transfers:56:bool-flip:0
    read it as failure there). Twin of the false-returning quote above."""
    quote = project.MockNoReturnToken.deploy("Mock USDC", "USDC", 6, sender=owner)
    system = deploy_engine(quote_token=quote, collaterals=())
    engine, vault, q = system.engine, system.vault, system.q
    account = funded_account(trader, CROSS, on=system, USDC=1_000)
    engine.borrow(account, 100 * q, trader, sender=trader)
    assert quote.balanceOf(trader) == 100 * q
    quote.mint(trader, q, sender=trader)  # the interest since the borrow
    before_vault = quote.balanceOf(vault)
    paid = engine.repay(account, MAX_UINT256, sender=trader).return_value
    assert engine.debt_of(account) == 0
    assert quote.balanceOf(vault) == before_vault + paid
    assert quote.balanceOf(trader) == 101 * q - paid


# ---- re-entrancy into the engine ------------------------------------------------------
@pytest.fixture
def reentrant(bare, hostile, attacker):
    """A hook token; the attacker approved the token contract as its operator, so a
    re-entrant call passes every permission check and only the lock can stop it."""
    engine = bare.engine
    token = hostile("MockReentrantToken")
    account = engine.open_account(CROSS, sender=attacker).return_value
    engine.set_operator(token, True, sender=attacker)
    _fund(token, engine, attacker, 10_000)
    engine.deposit_collateral(account, token, 5_000, sender=attacker)
    return token, account


def test_reentry_into_engine__same_call_works_outside(
    bare, reentrant, attacker, stranger
):
    """The twin: a plain transfer between wallets runs the hook outside any engine call,
    and the very same withdrawal succeeds."""
    engine = bare.engine
    token, account = reentrant
    token.arm(
        engine,
        engine.withdraw_collateral.encode_input(account, token, 1_000, attacker),
        False,
        sender=attacker,
    )
    token.transfer(stranger, 1, sender=attacker)
    assert token.hook_called() and token.hook_success()
    assert engine.collateral_of(account, token) == 4_000
    _assert_books(engine, token, account)


@pytest.mark.parametrize("during", ["deposit", "withdraw"])
@pytest.mark.parametrize("call", ["withdraw", "deposit", "view"])
def test_reentry_into_engine__reverts(bare, reentrant, attacker, during, call):
    engine = bare.engine
    token, account = reentrant
    data = {
        "withdraw": engine.withdraw_collateral.encode_input(
            account, token, 1_000, attacker
        ),
        "deposit": engine.deposit_collateral.encode_input(account, token, 1),
        "view": engine.collateral_of.encode_input(account, token),
    }[call]
    token.arm(engine, data, False, sender=attacker)
    if during == "deposit":
        engine.deposit_collateral(account, token, 1_000, sender=attacker)
        expected = 6_000
    else:
        engine.withdraw_collateral(account, token, 1_000, attacker, sender=attacker)
        expected = 4_000
    assert token.hook_called()
    assert (
        not token.hook_success()
    )  # the lock: the re-entrant call (even a view) reverted
    assert token.hook_return() == b""  # the nonreentrant check reverts without data
    assert engine.collateral_of(account, token) == expected
    _assert_books(engine, token, account)


def test_reentry_into_engine__bubbling_hook_reverts_the_outer_call(
    bare, reentrant, attacker
):
    engine = bare.engine
    token, account = reentrant
    token.arm(
        engine,
        engine.withdraw_collateral.encode_input(account, token, 1_000, attacker),
        True,
        sender=attacker,
    )
    with ape.reverts():
        engine.deposit_collateral(account, token, 1_000, sender=attacker)
    assert engine.collateral_of(account, token) == 5_000
    assert token.balanceOf(attacker) == 5_000
    _assert_books(engine, token, account)


# ---- re-entrancy into the vault -------------------------------------------------------
@pytest.fixture
def hooked_quote(project, owner, deploy_engine, lp, trader, funded_account):
    """A system whose quote token has the hook. The token contract itself holds vault shares
    (an LP deposited for it), so a hook calling `vault.redeem(shares, token, token)` is an
    LP exit that needs no allowance."""
    quote = project.MockReentrantToken.deploy("Mock USDC", "USDC", 6, sender=owner)
    system = deploy_engine(quote_token=quote, collaterals=())
    vault, q = system.vault, system.q
    quote.mint(lp, 1_000 * q, sender=lp)
    shares = vault.deposit(1_000 * q, quote, sender=lp).return_value
    account = funded_account(trader, CROSS, on=system, USDC=2_000)
    return system, account, shares


def test_reentry_into_vault__same_exit_works_outside(hooked_quote, trader, stranger):
    system, _account, shares = hooked_quote
    quote, vault = system.quote, system.vault
    quote.mint(trader, 1, sender=trader)
    quote.arm(
        vault, vault.redeem.encode_input(shares, quote, quote), False, sender=trader
    )
    quote.transfer(stranger, 1, sender=trader)
    assert quote.hook_success()
    assert vault.balanceOf(quote) == 0


def test_reentry_into_vault__during_lend_reverts(hooked_quote, trader):
    """borrow -> vault.lend -> quote.transfer(receiver) -> hook -> vault.redeem: the vault's lock."""
    system, account, shares = hooked_quote
    engine, quote, vault, q = system.engine, system.quote, system.vault, system.q
    quote.arm(
        vault, vault.redeem.encode_input(shares, quote, quote), False, sender=trader
    )
    engine.borrow(account, 500 * q, trader, sender=trader)
    assert quote.hook_called() and not quote.hook_success()
    assert quote.hook_return() == b""
    assert vault.balanceOf(quote) == shares
    assert vault.cash() == quote.balanceOf(vault)
    assert engine.debt_shares_of(account) == vault.total_debt_shares()


def test_reentry_into_vault__during_repay_reverts(hooked_quote, trader):
    """repay -> quote.transferFrom(payer, vault) -> hook -> vault.redeem: the vault is not
    locked, but it cannot read the engine's marks while the engine's lock is held, so every
    LP entry and exit halts ("vault: marks unavailable")."""
    system, account, shares = hooked_quote
    engine, quote, vault, q = system.engine, system.quote, system.vault, system.q
    engine.borrow(account, 500 * q, trader, sender=trader)
    quote.approve(engine, MAX_UINT256, sender=trader)
    quote.arm(
        vault, vault.redeem.encode_input(shares, quote, quote), False, sender=trader
    )
    # The trader holds exactly the 500 it borrowed: a block's interest (a wei or two) more.
    quote.mint(trader, q, sender=trader)
    engine.repay(account, MAX_UINT256, sender=trader)
    assert quote.hook_called() and not quote.hook_success()
    assert _revert_reason(quote.hook_return()) == "vault: marks unavailable"
    assert vault.balanceOf(quote) == shares
    assert engine.debt_shares_of(account) == 0 == vault.total_debt_shares()
    assert vault.cash() == quote.balanceOf(vault)
