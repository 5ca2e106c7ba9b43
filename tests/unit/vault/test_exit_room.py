"""The vault's LP-safety bounds (issue 16) with the MockEngine's marks:

- exit room (V-01): `withdraw`/`redeem`/`withdraw_reserve` never take totalAssets below
  the assets the open interest needs (`needed`, the marks' fifth word);
  `maxWithdraw`/`maxRedeem` are exactly min(value, free cash, totalAssets − needed);
- usable vs OK marks (V-02): `needed = max_value` (a stale or invalid price) halts exits;
  OK = False with a usable `needed` (out of band, grace) halts deposits only;
- fresh deposits (V-01): `book_assets()` excludes what was deposited in the current block;
- equity and deficit (V-03): `deficit()` = max(0, −equity); deposits and mints are refused
  while equity <= 0 with shares outstanding.
"""

from __future__ import annotations

import ape
import pytest
from vault_model import MAX_UINT256


@pytest.fixture(scope="module")
def quote_decimals() -> int:
    return 6


ROOM = "vault: open interest needs assets"


def test_exit_room__views_are_min_of_value_free_cash_and_room(
    vault, engine, seed, lp, trader, unit
):
    seed(1_000)
    engine.set_needed(700 * unit, sender=trader)
    assert vault.totalAssets() == 1_000 * unit
    assert vault.maxWithdraw(lp) == 300 * unit
    shares = vault.maxRedeem(lp)
    assert vault.previewRedeem(shares) == 300 * unit
    assert vault.previewRedeem(shares + 1) > 300 * unit
    # free cash binds below the room
    engine.set_marks(0, 900 * unit, 0, True, sender=trader)
    engine.set_needed(700 * unit, sender=trader)
    assert vault.maxWithdraw(lp) == 100 * unit


def test_exit_room__beyond__reverts_with_the_rule(
    vault, engine, seed, lp, trader, unit
):
    seed(1_000)
    engine.set_needed(700 * unit, sender=trader)
    with ape.reverts(ROOM):
        vault.withdraw(300 * unit + 1, lp, lp, sender=lp)
    with ape.reverts(ROOM):
        vault.redeem(vault.maxRedeem(lp) + 1, lp, lp, sender=lp)
    # the twins: exactly the views
    vault.withdraw(vault.maxWithdraw(lp), lp, lp, sender=lp)
    assert vault.totalAssets() == 700 * unit
    assert (vault.maxWithdraw(lp), vault.maxRedeem(lp)) == (0, 0)


def test_exit_room__needed_above_assets__no_exit(vault, engine, seed, lp, trader, unit):
    seed(1_000)
    engine.set_needed(1_200 * unit, sender=trader)
    assert (vault.maxWithdraw(lp), vault.maxRedeem(lp)) == (0, 0)
    assert vault.free_cash() == 1_000 * unit  # free cash is not the bound here
    with ape.reverts(ROOM):
        vault.withdraw(1, lp, lp, sender=lp)


def test_withdraw_reserve__beyond_room__reverts(
    vault, engine, seed, gift, owner, trader, unit
):
    seed(1_000)
    gift(100 * unit, 100 * unit)  # 100 of fees: the reserve takes 10
    assert vault.reserve() == 10 * unit
    engine.set_needed(vault.totalAssets() - 5 * unit, sender=trader)
    with ape.reverts(ROOM):
        vault.withdraw_reserve(10 * unit, owner, sender=owner)
    vault.withdraw_reserve(5 * unit, owner, sender=owner)
    assert vault.reserve() == 5 * unit


def test_usable_not_ok__exits_open_deposits_closed(
    vault, engine, seed, fund, lp, lp2, trader, unit
):
    seed(1_000)
    engine.set_marks(0, 0, 0, False, sender=trader)
    engine.set_needed(0, sender=trader)  # out of band: not OK, still usable
    assert (vault.maxDeposit(lp2), vault.maxMint(lp2)) == (0, 0)
    fund(lp2, 10 * unit)
    with ape.reverts("vault: marks unavailable"):
        vault.deposit(10 * unit, lp2, sender=lp2)
    assert vault.maxWithdraw(lp) == vault.free_cash() == 1_000 * unit
    vault.redeem(vault.maxRedeem(lp), lp, lp, sender=lp)
    # unusable (stale): exits halt too
    engine.set_marks(0, 0, 0, True, sender=trader)
    seed(1_000)
    engine.set_marks(0, 0, 0, False, sender=trader)
    assert engine.needed() == MAX_UINT256
    assert (vault.maxWithdraw(lp), vault.maxRedeem(lp), vault.free_cash()) == (0, 0, 0)
    with ape.reverts("vault: marks unavailable"):
        vault.withdraw(1, lp, lp, sender=lp)


def test_marks__needed_above_max_mark__failed_read(
    vault, engine, seed, lp, trader, unit
):
    seed(1_000)
    engine.set_needed(2**128, sender=trader)
    # a failed read: figures 0, not OK, unusable
    assert (vault.maxWithdraw(lp), vault.maxDeposit(lp)) == (0, 0)
    assert vault.totalAssets() == 1_000 * unit
    engine.set_needed(2**128 - 1, sender=trader)  # the largest figure read as such
    assert vault.maxDeposit(lp) == MAX_UINT256 and vault.maxWithdraw(lp) == 0


def test_book_assets__excludes_this_blocks_deposits(
    vault, engine, seed, fund, lp, chain, unit
):
    seed(1_000)
    chain.mine()
    assert vault.book_assets() == 1_000 * unit
    fund(lp, 500 * unit)
    probe = vault.deposit(500 * unit, lp, sender=lp)
    # Read at the deposit's block (anvil runs calls on "latest" with its block number).
    assert vault.book_assets() == 1_000 * unit
    assert vault.totalAssets() == 1_500 * unit
    # A later block: the deposit counts.
    chain.mine()
    assert vault.book_assets() == 1_500 * unit
    assert probe.return_value > 0


def test_deficit__equity_below_zero__deposits_refused_twin_after_recovery(
    vault, engine, seed, fund, lp, lp2, trader, unit
):
    seed(1_000)
    engine.set_marks(1_250 * unit, 0, 0, True, sender=trader)
    assert vault.totalAssets() == 0
    assert vault.deficit() == 250 * unit
    assert (vault.maxDeposit(lp2), vault.maxMint(lp2)) == (0, 0)
    fund(lp2, 100 * unit)
    with ape.reverts("vault: equity <= 0"):
        vault.deposit(100 * unit, lp2, sender=lp2)
    with ape.reverts("vault: equity <= 0"):
        vault.mint(10**6, lp2, sender=lp2)
    # equity exactly 0 with shares outstanding: still refused
    engine.set_marks(1_000 * unit, 0, 0, True, sender=trader)
    assert vault.deficit() == 0 and vault.maxDeposit(lp2) == 0
    # the twin: equity back above 0
    engine.set_marks(999 * unit, 0, 0, True, sender=trader)
    assert vault.maxDeposit(lp2) == MAX_UINT256
    vault.deposit(100 * unit, lp2, sender=lp2)


def test_deficit__empty_vault_at_zero_equity__deposits_open(
    vault, engine, fund, lp, unit
):
    assert vault.deficit() == 0 and vault.totalSupply() == 0
    assert vault.maxDeposit(lp) == MAX_UINT256
    fund(lp, 10 * unit)
    vault.deposit(10 * unit, lp, sender=lp)


def test_lend__marks_not_ok_sentinel__lends_nothing(vault, engine, seed, trader, unit):
    """The engine passes reserved = max_value when its marks are not OK (issue 16, L-1)."""
    seed(1_000)
    with ape.reverts("vault: marks unavailable"):
        engine.lend(10 * unit, trader, MAX_UINT256, sender=trader)
    assert vault.total_debt_shares() == 0
    engine.lend(10 * unit, trader, 0, sender=trader)  # the twin: OK marks
    assert vault.total_debt() == 10 * unit
