"""Accounts: opening, modes, ids, operators, per-owner listing and the active set."""

from __future__ import annotations

import ape
from engine_defaults import CROSS, ISOLATED, ZERO_ADDRESS


def active_page(engine, start: int, count: int) -> list[int]:
    """The active set from `start`, read one id at a time (`active_at`), as a bot would
    without the Lens; `active_at` answers 0 past the end."""
    ids = [engine.active_at(i) for i in range(start, start + count)]
    return [i for i in ids if i != 0]


def test_constants__modes_and_caps(system):
    engine = system.engine
    assert engine.MODE_ISOLATED() == ISOLATED
    assert engine.MODE_CROSS() == CROSS
    assert engine.MAX_COLLATERALS() >= 5
    assert engine.MAX_POSITIONS() >= 10


def test_open_account__ids_from_one_never_reused(system, trader, trader2):
    engine = system.engine
    assert engine.account_count() == 0
    receipt = engine.open_account(ISOLATED, sender=trader)
    assert receipt.return_value == 1
    assert receipt.events == [
        engine.AccountOpened(account_id=1, owner=trader, mode=ISOLATED)
    ]
    assert engine.open_account(CROSS, sender=trader2).return_value == 2
    assert engine.open_account(ISOLATED, sender=trader).return_value == 3
    assert engine.account_count() == 3
    assert [engine.owner_of(i) for i in (1, 2, 3)] == [trader, trader2, trader]
    assert [engine.mode_of(i) for i in (1, 2, 3)] == [ISOLATED, CROSS, ISOLATED]


def test_open_account__bad_mode(system, trader):
    for mode in (0, 3, 2**256 - 1):
        with ape.reverts("engine: bad mode"):
            system.engine.open_account(mode, sender=trader)
    assert system.engine.account_count() == 0


def test_views__unknown_account_reads_empty(system):
    engine = system.engine
    assert engine.owner_of(7) == ZERO_ADDRESS
    assert engine.mode_of(7) == 0
    assert engine.debt_of(7) == 0
    assert engine.collaterals_of(7) == []
    assert engine.health_factor(7) == 2**256 - 1
    assert not engine.is_liquidatable(7)
    assert not engine.is_active(7)


def test_accounts_of__pages(system, trader, trader2):
    engine = system.engine
    mine = [
        engine.open_account(ISOLATED + i % 2, sender=trader).return_value
        for i in range(5)
    ]
    engine.open_account(CROSS, sender=trader2)
    assert engine.account_count_of(trader) == 5
    assert engine.account_count_of(trader2) == 1
    assert engine.accounts_of(trader, 0, 10) == mine
    assert engine.accounts_of(trader, 1, 2) == mine[1:3]
    assert engine.accounts_of(trader, 4, 10) == mine[4:]
    assert engine.accounts_of(trader, 5, 10) == []
    assert engine.accounts_of(trader, 2**256 - 1, 2**256 - 1) == []
    assert engine.accounts_of(trader, 0, 0) == []
    assert engine.accounts_of(trader2, 0, 10) == [6]


def test_accounts_of__page_capped_at_100(system, trader):
    engine = system.engine
    for _ in range(101):
        engine.open_account(CROSS, sender=trader)
    page = engine.accounts_of(trader, 0, 500)
    assert page == list(range(1, 101))
    assert engine.accounts_of(trader, 100, 500) == [101]


def test_set_operator__approve_and_revoke(system, trader, operator):
    engine = system.engine
    receipt = engine.set_operator(operator, True, sender=trader)
    assert receipt.events == [
        engine.OperatorSet(owner=trader, operator=operator, approved=True)
    ]
    assert engine.is_operator(trader, operator)
    receipt = engine.set_operator(operator, False, sender=trader)
    assert receipt.events == [
        engine.OperatorSet(owner=trader, operator=operator, approved=False)
    ]
    assert not engine.is_operator(trader, operator)


def test_set_operator__zero_address(system, trader):
    with ape.reverts("engine: zero address"):
        system.engine.set_operator(ZERO_ADDRESS, True, sender=trader)


def test_operator__acts_for_every_account_of_its_owner_only(
    system, trader, trader2, operator, fund, funded_account
):
    engine, weth = system.engine, system.tokens["WETH"]
    mine_a = funded_account(trader, ISOLATED, WETH=1)
    mine_b = funded_account(trader, CROSS, WETH=1)
    theirs = funded_account(trader2, CROSS, WETH=1)
    engine.set_operator(operator, True, sender=trader)
    unit = system.unit("WETH")
    engine.withdraw_collateral(mine_a, weth, unit // 2, operator, sender=operator)
    engine.transfer_collateral(mine_b, mine_a, weth, unit // 4, sender=operator)
    assert weth.balanceOf(operator) == unit // 2
    assert engine.collateral_of(mine_a, weth) == unit // 2 + unit // 4
    with ape.reverts("engine: not owner or operator"):
        engine.withdraw_collateral(theirs, weth, 1, operator, sender=operator)
    engine.set_operator(operator, False, sender=trader)
    with ape.reverts("engine: not owner or operator"):
        engine.withdraw_collateral(mine_a, weth, 1, operator, sender=operator)


def test_active_set__borrow_adds_full_repay_removes_swap_and_pop(
    system, trader, trader2, fund, funded_account
):
    engine, q = system.engine, system.q
    ids = [
        funded_account(actor, CROSS, WETH=1)
        for actor in (trader, trader2, trader, trader2)
    ]
    assert engine.active_count() == 0
    assert active_page(engine, 0, 10) == []
    for account_id, actor in zip(ids, (trader, trader2, trader, trader2)):
        engine.borrow(account_id, 100 * q, actor, sender=actor)
    assert engine.active_count() == 4
    assert active_page(engine, 0, 10) == ids
    assert [engine.active_at(i) for i in range(4)] == ids
    assert engine.active_at(4) == 0  # past the end: no account
    assert all(engine.is_active(i) for i in ids)

    # Full repay of the first: the last id moves into its place.
    fund(trader, "USDC", 200)
    engine.repay(ids[0], 2**256 - 1, sender=trader)
    assert not engine.is_active(ids[0])
    assert engine.active_count() == 3
    assert active_page(engine, 0, 10) == [ids[3], ids[1], ids[2]]
    # A partial repay keeps the account active.
    engine.repay(ids[1], 10 * q, sender=trader)
    assert active_page(engine, 0, 10) == [ids[3], ids[1], ids[2]]
    # Removing the last entry pops it.
    engine.repay(ids[2], 2**256 - 1, sender=trader)
    assert active_page(engine, 0, 10) == [ids[3], ids[1]]
    assert active_page(engine, 1, 1) == [ids[1]]
    assert active_page(engine, 2, 1) == []
    # Borrowing again re-enters at the end.
    engine.borrow(ids[0], 100 * q, trader, sender=trader)
    assert active_page(engine, 0, 10) == [ids[3], ids[1], ids[0]]
