"""Roles and housekeeping: two-step ownership, guardian and the deposit pause, skim of
donations into the reserve, and the owner's reserve withdrawal."""

from __future__ import annotations

import ape
import pytest
from vault_model import ZERO_ADDRESS, logs


@pytest.fixture(scope="module")
def quote_decimals() -> int:
    return 6


# ---- ownership ------------------------------------------------------------------------
def test_transfer_ownership__two_steps__new_owner_takes_over(
    vault, owner, guardian, stranger
):
    receipt = vault.transfer_ownership(guardian, sender=owner)
    assert vault.pending_owner() == guardian.address
    assert vault.owner() == owner.address
    assert logs(receipt, vault.OwnershipTransferStarted) == [
        {"previous_owner": owner.address, "new_owner": guardian.address}
    ]

    receipt = vault.accept_ownership(sender=guardian)
    assert vault.owner() == guardian.address
    assert vault.pending_owner() == ZERO_ADDRESS
    assert logs(receipt, vault.OwnershipTransferred) == [
        {"previous_owner": owner.address, "new_owner": guardian.address}
    ]
    vault.set_guardian(stranger, sender=guardian)
    with ape.reverts("vault: caller is not the owner"):
        vault.set_guardian(owner, sender=owner)


def test_transfer_ownership__not_owner__reverts(vault, stranger):
    with ape.reverts("vault: caller is not the owner"):
        vault.transfer_ownership(stranger, sender=stranger)
    assert vault.pending_owner() == ZERO_ADDRESS


def test_accept_ownership__not_pending_owner__reverts(vault, owner, guardian, stranger):
    vault.transfer_ownership(guardian, sender=owner)
    with ape.reverts("vault: caller is not the pending owner"):
        vault.accept_ownership(sender=stranger)
    assert vault.owner() == owner.address


def test_transfer_ownership__to_zero__cancels(vault, owner, guardian):
    vault.transfer_ownership(guardian, sender=owner)
    vault.transfer_ownership(ZERO_ADDRESS, sender=owner)
    with ape.reverts("vault: caller is not the pending owner"):
        vault.accept_ownership(sender=guardian)


# ---- guardian and pause ---------------------------------------------------------------
def test_set_guardian__owner__sets_and_logs(vault, owner, guardian):
    receipt = vault.set_guardian(guardian, sender=owner)
    assert vault.guardian() == guardian.address
    assert logs(receipt, vault.GuardianSet) == [
        {"old_guardian": ZERO_ADDRESS, "new_guardian": guardian.address}
    ]


def test_set_guardian__not_owner__reverts(vault, guardian):
    with ape.reverts("vault: caller is not the owner"):
        vault.set_guardian(guardian, sender=guardian)


def test_pause_deposits__guardian__pauses_owner_unpauses(
    vault, owner, guardian, fund, lp
):
    vault.set_guardian(guardian, sender=owner)
    receipt = vault.pause_deposits(sender=guardian)
    assert vault.deposits_paused()
    assert logs(receipt, vault.DepositsPaused) == [{"account": guardian.address}]
    with ape.reverts("vault: deposits already paused"):
        vault.pause_deposits(sender=owner)
    with ape.reverts("vault: caller is not the owner"):
        vault.unpause_deposits(sender=guardian)

    receipt = vault.unpause_deposits(sender=owner)
    assert not vault.deposits_paused()
    assert logs(receipt, vault.DepositsUnpaused) == [{"account": owner.address}]
    with ape.reverts("vault: deposits not paused"):
        vault.unpause_deposits(sender=owner)
    fund(lp, 10**6)
    vault.deposit(10**6, lp, sender=lp)


def test_pause_deposits__owner__may_pause(vault, owner):
    vault.pause_deposits(sender=owner)
    assert vault.deposits_paused()


def test_pause_deposits__stranger__reverts(vault, owner, guardian, stranger):
    vault.set_guardian(guardian, sender=owner)
    with ape.reverts("vault: caller is not the guardian"):
        vault.pause_deposits(sender=stranger)
    assert not vault.deposits_paused()


# ---- skim -----------------------------------------------------------------------------
def test_skim__donation__moves_into_cash_and_reserve_price_unchanged(
    vault, quote, seed, attacker, stranger, unit
):
    seed(1_000)
    total, price = vault.totalAssets(), vault.share_price()
    quote.mint(vault, 77 * unit, sender=attacker)  # a donation: not on the books
    assert vault.totalAssets() == total
    assert vault.cash() == 1_000 * unit

    receipt = vault.skim(sender=stranger)

    assert receipt.return_value == 77 * unit
    assert vault.cash() == 1_077 * unit
    assert vault.reserve() == 77 * unit
    assert vault.totalAssets() == total
    assert vault.share_price() == price
    assert logs(receipt, vault.Skimmed) == [{"assets": 77 * unit}]


def test_skim__nothing_to_skim__returns_zero(vault, seed, stranger):
    seed()
    receipt = vault.skim(sender=stranger)
    assert receipt.return_value == 0
    assert vault.reserve() == 0
    assert logs(receipt, vault.Skimmed) == []


# ---- withdraw_reserve -----------------------------------------------------------------
@pytest.fixture
def reserve_of_50(vault, quote, seed, attacker, stranger, unit) -> int:
    seed(1_000)
    quote.mint(vault, 50 * unit, sender=attacker)
    vault.skim(sender=stranger)
    return 50 * unit


def test_withdraw_reserve__owner__pays_out_books_unchanged(
    vault, quote, owner, guardian, reserve_of_50, unit
):
    total = vault.totalAssets()
    receipt = vault.withdraw_reserve(20 * unit, guardian, sender=owner)
    assert quote.balanceOf(guardian) == 20 * unit
    assert vault.reserve() == reserve_of_50 - 20 * unit
    assert vault.cash() == 1_030 * unit
    assert vault.totalAssets() == total
    assert logs(receipt, vault.ReserveWithdrawn) == [
        {"receiver": guardian.address, "assets": 20 * unit}
    ]


def test_withdraw_reserve__above_reserve__reverts(vault, owner, reserve_of_50):
    with ape.reverts("vault: exceeds reserve"):
        vault.withdraw_reserve(reserve_of_50 + 1, owner, sender=owner)


def test_withdraw_reserve__above_free_cash__reverts(
    vault, engine, owner, trader, reserve_of_50, unit
):
    engine.set_marks(
        0, 1_040 * unit, 0, True, sender=trader
    )  # free cash: 1,050 - 1,040
    with ape.reverts("vault: exceeds free cash"):
        vault.withdraw_reserve(10 * unit + 1, owner, sender=owner)
    vault.withdraw_reserve(10 * unit, owner, sender=owner)


def test_withdraw_reserve__bad_inputs__revert(
    vault, engine, owner, stranger, trader, reserve_of_50
):
    with ape.reverts("vault: caller is not the owner"):
        vault.withdraw_reserve(1, stranger, sender=stranger)
    with ape.reverts("vault: zero assets"):
        vault.withdraw_reserve(0, owner, sender=owner)
    with ape.reverts("vault: zero receiver"):
        vault.withdraw_reserve(1, ZERO_ADDRESS, sender=owner)
    engine.set_marks(0, 0, 0, False, sender=trader)
    with ape.reverts("vault: marks unavailable"):
        vault.withdraw_reserve(1, owner, sender=owner)
