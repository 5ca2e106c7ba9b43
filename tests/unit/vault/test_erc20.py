"""ERC-20 surface of the LP shares: transfer, transferFrom, approve, allowance and events.

Share transfers do not depend on the quote decimals, so this module runs with 6 only.
"""

from __future__ import annotations

import ape
import pytest
from vault_model import MAX_UINT256, ZERO_ADDRESS, logs


@pytest.fixture(scope="module")
def quote_decimals() -> int:
    return 6


def test_transfer__moves_shares_and_logs(vault, seed, lp, lp2):
    minted = seed()
    receipt = vault.transfer(lp2, minted // 4, sender=lp)
    assert receipt.return_value is True
    assert vault.balanceOf(lp) == minted - minted // 4
    assert vault.balanceOf(lp2) == minted // 4
    assert vault.totalSupply() == minted
    assert logs(receipt, vault.Transfer) == [
        {"sender": lp.address, "receiver": lp2.address, "value": minted // 4}
    ]


def test_transfer__to_self__keeps_the_balance(vault, seed, lp):
    minted = seed()
    vault.transfer(lp, minted, sender=lp)
    assert vault.balanceOf(lp) == minted


def test_transfer__above_balance__reverts(vault, seed, lp, lp2):
    minted = seed()
    with ape.reverts("vault: insufficient balance"):
        vault.transfer(lp2, minted + 1, sender=lp)


def test_transfer__to_zero_address__reverts(vault, seed, lp):
    minted = seed()
    with ape.reverts("vault: zero receiver"):
        vault.transfer(ZERO_ADDRESS, minted, sender=lp)


def test_approve__sets_allowance_and_logs(vault, lp, operator):
    receipt = vault.approve(operator, 12_345, sender=lp)
    assert receipt.return_value is True
    assert vault.allowance(lp, operator) == 12_345
    assert logs(receipt, vault.Approval) == [
        {"owner": lp.address, "spender": operator.address, "value": 12_345}
    ]
    vault.approve(operator, 7, sender=lp)  # replaces, does not add
    assert vault.allowance(lp, operator) == 7


def test_approve__zero_spender__reverts(vault, lp):
    with ape.reverts("vault: zero spender"):
        vault.approve(ZERO_ADDRESS, 1, sender=lp)


def test_transfer_from__spends_allowance_without_approval_log(
    vault, seed, lp, lp2, operator
):
    minted = seed()
    vault.approve(operator, minted, sender=lp)
    receipt = vault.transferFrom(lp, lp2, minted // 2, sender=operator)
    assert receipt.return_value is True
    assert vault.allowance(lp, operator) == minted - minted // 2
    assert vault.balanceOf(lp2) == minted // 2
    assert logs(receipt, vault.Transfer) == [
        {"sender": lp.address, "receiver": lp2.address, "value": minted // 2}
    ]
    assert logs(receipt, vault.Approval) == []


def test_transfer_from__infinite_allowance__never_decreases(
    vault, seed, lp, lp2, operator
):
    minted = seed()
    vault.approve(operator, MAX_UINT256, sender=lp)
    vault.transferFrom(lp, lp2, minted, sender=operator)
    assert vault.allowance(lp, operator) == MAX_UINT256


def test_transfer_from__above_allowance__reverts(vault, seed, lp, lp2, operator):
    minted = seed()
    vault.approve(operator, minted - 1, sender=lp)
    with ape.reverts("vault: insufficient allowance"):
        vault.transferFrom(lp, lp2, minted, sender=operator)
    assert vault.balanceOf(lp) == minted


def test_transfer_from__above_balance__reverts(vault, seed, lp, lp2, operator):
    minted = seed()
    vault.approve(operator, MAX_UINT256, sender=lp)
    with ape.reverts("vault: insufficient balance"):
        vault.transferFrom(lp, lp2, minted + 1, sender=operator)


def test_transfer_from__to_zero_address__reverts(vault, seed, lp, operator):
    minted = seed()
    vault.approve(operator, MAX_UINT256, sender=lp)
    with ape.reverts("vault: zero receiver"):
        vault.transferFrom(lp, ZERO_ADDRESS, minted, sender=operator)


def test_shares__transferred_holder__can_redeem(vault, quote, seed, lp, lp2, unit):
    minted = seed(100)
    vault.transfer(lp2, minted, sender=lp)
    vault.redeem(minted // 2, lp2, lp2, sender=lp2)
    assert quote.balanceOf(lp2) == 50 * unit
    with ape.reverts("vault: insufficient balance"):
        vault.redeem(minted // 2, lp, lp, sender=lp)
