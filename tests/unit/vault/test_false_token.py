"""A quote token that signals failure by returning `false` (old ERC-20 style): nothing moves."""

import ape
import pytest

from vault_model import MAX_UINT256


@pytest.fixture
def false_quote(project, owner):
    return project.MockFalseToken.deploy("False USD", "FUSD", 6, sender=owner)


def test_deposit__token_returns_false__reverts_and_books_nothing(
    deploy_vault, false_quote, lp
):
    vault = deploy_vault(false_quote)
    false_quote.mint(lp, 1_000 * 10**6, sender=lp)
    false_quote.approve(vault, MAX_UINT256, sender=lp)
    false_quote.set_fail(True, sender=lp)
    with ape.reverts("vault: transfer failed"):
        vault.deposit(1_000 * 10**6, lp, sender=lp)
    assert vault.totalSupply() == 0
    assert vault.cash() == 0
    assert false_quote.balanceOf(lp) == 1_000 * 10**6


def test_withdraw__token_returns_false__reverts_and_keeps_shares(
    deploy_vault, false_quote, lp
):
    vault = deploy_vault(false_quote)
    false_quote.mint(lp, 1_000 * 10**6, sender=lp)
    false_quote.approve(vault, MAX_UINT256, sender=lp)
    vault.deposit(1_000 * 10**6, lp, sender=lp)
    shares = vault.balanceOf(lp)
    false_quote.set_fail(True, sender=lp)
    with ape.reverts("vault: transfer failed"):
        vault.withdraw(500 * 10**6, lp, lp, sender=lp)
    assert vault.balanceOf(lp) == shares
    assert vault.cash() == 1_000 * 10**6
    false_quote.set_fail(False, sender=lp)
    vault.withdraw(500 * 10**6, lp, lp, sender=lp)  # the success twin
    assert false_quote.balanceOf(lp) == 500 * 10**6
