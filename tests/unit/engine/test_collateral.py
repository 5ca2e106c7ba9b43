"""deposit_collateral, withdraw_collateral and transfer_collateral: every rule, each success
paired with its failure."""

from __future__ import annotations

import ape
import pytest
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, ZERO_ADDRESS, Listing, wad


@pytest.fixture
def weth(system):
    return system.tokens["WETH"]


@pytest.fixture
def eth(system):
    """One whole WETH in token units."""
    return system.unit("WETH")


# ---- deposit --------------------------------------------------------------------------
def test_deposit__books_balance_total_and_event(system, trader, fund, weth, eth):
    engine = system.engine
    account = engine.open_account(ISOLATED, sender=trader).return_value
    fund(trader, "WETH", 3)
    receipt = engine.deposit_collateral(account, weth, 2 * eth, sender=trader)
    assert receipt.events.filter(engine.CollateralDeposited) == [
        engine.CollateralDeposited(
            account_id=account,
            token=weth,
            payer=trader,
            amount=2 * eth,
            balance=2 * eth,
        )
    ]
    assert engine.collateral_of(account, weth) == 2 * eth
    assert engine.collaterals_of(account) == [weth]
    assert engine.total_collateral(weth) == 2 * eth
    assert weth.balanceOf(engine) == 2 * eth
    assert weth.balanceOf(trader) == eth
    engine.deposit_collateral(account, weth, eth, sender=trader)
    assert engine.collateral_of(account, weth) == 3 * eth
    assert engine.collaterals_of(account) == [weth]


def test_deposit__unknown_account(system, trader, fund, weth):
    fund(trader, "WETH", 1)
    with ape.reverts("engine: unknown account"):
        system.engine.deposit_collateral(1, weth, 1, sender=trader)


def test_deposit__zero_amount(system, trader, weth, open_account):
    account = open_account(trader, CROSS)
    with ape.reverts("engine: zero amount"):
        system.engine.deposit_collateral(account, weth, 0, sender=trader)


def test_deposit__token_not_listed(project, system, owner, trader, open_account):
    account = open_account(trader, CROSS)
    other = project.MockERC20.deploy("Other", "OTH", 18, sender=owner)
    other.mint(trader, 10, sender=trader)
    other.approve(system.engine, 10, sender=trader)
    with ape.reverts("engine: collateral not listed"):
        system.engine.deposit_collateral(account, other, 10, sender=trader)


def test_deposit__stranger_may_top_up_but_not_add_a_token(
    system, trader, stranger, fund, funded_account, weth
):
    engine = system.engine
    account = funded_account(trader, CROSS, WETH=1)
    fund(stranger, "WETH", 1)
    fund(stranger, "WBTC", 1)
    engine.deposit_collateral(account, weth, 5, sender=stranger)
    assert engine.collateral_of(account, weth) == system.unit("WETH") + 5
    with ape.reverts("engine: not owner or operator"):
        engine.deposit_collateral(account, system.tokens["WBTC"], 5, sender=stranger)
    assert engine.collaterals_of(account) == [weth]


def test_deposit__operator_may_add_a_token(
    system, trader, operator, fund, open_account, weth
):
    engine = system.engine
    account = open_account(trader, CROSS)
    engine.set_operator(operator, True, sender=trader)
    fund(operator, "WETH", 1)
    engine.deposit_collateral(account, weth, 7, sender=operator)
    assert engine.collateral_of(account, weth) == 7
    assert weth.balanceOf(engine) == 7


def test_deposit__supply_cap(system, owner, trader, fund, funded_account, weth, eth):
    engine = system.engine
    account = funded_account(trader, CROSS, WETH=1)
    engine.configure_collateral(
        weth, wad("0.8"), wad("0.85"), wad("0.05"), 3 * eth, True, sender=owner
    )
    fund(trader, "WETH", 5)
    with ape.reverts("engine: supply cap exceeded"):
        engine.deposit_collateral(account, weth, 2 * eth + 1, sender=trader)
    engine.deposit_collateral(
        account, weth, 2 * eth, sender=trader
    )  # exactly at the cap
    assert engine.total_collateral(weth) == 3 * eth
    # Lowering the cap below the total only blocks new deposits.
    engine.configure_collateral(
        weth, wad("0.8"), wad("0.85"), wad("0.05"), eth, True, sender=owner
    )
    with ape.reverts("engine: supply cap exceeded"):
        engine.deposit_collateral(account, weth, 1, sender=trader)
    engine.withdraw_collateral(account, weth, eth, trader, sender=trader)
    assert engine.total_collateral(weth) == 2 * eth


def test_deposit__bucket_one_non_quote_token_plus_quote(
    system, trader, fund, funded_account, eth
):
    engine = system.engine
    bucket = funded_account(trader, ISOLATED, WETH=1)
    fund(trader, "WBTC", 1)
    with ape.reverts("engine: bucket holds another token"):
        engine.deposit_collateral(bucket, system.tokens["WBTC"], 1, sender=trader)
    amount = fund(trader, "USDC", 100)
    engine.deposit_collateral(bucket, system.quote, amount, sender=trader)
    # The quote is listed first whenever it is held (it takes no slot).
    assert engine.collaterals_of(bucket) == [system.quote, system.tokens["WETH"]]
    # Quote first, then one non-quote token, is the same rule.
    bucket2 = funded_account(trader, ISOLATED, USDC=10, WBTC=1)
    fund(trader, "WETH", 1)
    with ape.reverts("engine: bucket holds another token"):
        engine.deposit_collateral(bucket2, system.tokens["WETH"], eth, sender=trader)
    # Withdrawing the whole token frees the slot.
    engine.withdraw_collateral(
        bucket, system.tokens["WETH"], eth, trader, sender=trader
    )
    engine.deposit_collateral(bucket, system.tokens["WBTC"], 1, sender=trader)
    assert engine.collaterals_of(bucket) == [system.quote, system.tokens["WBTC"]]


def test_deposit__cross_collateral_cap(system, trader, fund, funded_account):
    engine = system.engine
    cap = engine.MAX_COLLATERALS()
    symbols = ["WETH", "WBTC", "MEME", "LINK", "UNI"]
    assert len(symbols) == cap
    account = funded_account(trader, CROSS, **{s: 1 for s in symbols})
    assert engine.collaterals_of(account) == [system.tokens[s] for s in symbols]
    # The quote is always allowed on top of the cap, and held tokens may be topped up.
    amount = fund(trader, "USDC", 10)
    engine.deposit_collateral(account, system.quote, amount, sender=trader)
    fund(trader, "UNI", 1)
    engine.deposit_collateral(
        account, system.tokens["UNI"], system.unit("UNI"), sender=trader
    )
    assert len(engine.collaterals_of(account)) == cap + 1
    assert engine.collateral_of(account, system.tokens["UNI"]) == 2 * system.unit("UNI")


@pytest.fixture
def sixth(project, system, owner, trader, list_token):
    """A sixth listed non-quote token, minted to the trader (removed from the shared
    session `system` handles afterwards; the chain state is reverted by isolation)."""
    token = project.MockERC20.deploy("Sixth", "SIX", 18, sender=owner)
    list_token(
        system, token, Listing("SIX", 18, "1", "0.5", "0.6", "0.05", "0.1", "10")
    )
    token.mint(trader, 100, sender=trader)
    token.approve(system.engine, 100, sender=trader)
    yield token
    del system.tokens["SIX"], system.feeds["SIX"], system.listings["SIX"]


def test_deposit__cross_full_rejects_another_token(
    system, trader, funded_account, sixth
):
    engine = system.engine
    account = funded_account(trader, CROSS, WETH=1, WBTC=1, MEME=1, LINK=1, UNI=1)
    with ape.reverts("engine: collateral slots full"):
        engine.deposit_collateral(account, sixth, 10, sender=trader)
    # Freeing a slot lets it in.
    engine.withdraw_collateral(
        account, system.tokens["MEME"], system.unit("MEME"), trader, sender=trader
    )
    engine.deposit_collateral(account, sixth, 10, sender=trader)
    assert sixth in engine.collaterals_of(account)
    assert len(engine.collaterals_of(account)) == engine.MAX_COLLATERALS()


# ---- withdraw -------------------------------------------------------------------------
def test_withdraw__books_and_event(system, trader, stranger, funded_account, weth, eth):
    engine = system.engine
    account = funded_account(trader, CROSS, WETH=2)
    receipt = engine.withdraw_collateral(account, weth, eth, stranger, sender=trader)
    assert receipt.events.filter(engine.CollateralWithdrawn) == [
        engine.CollateralWithdrawn(
            account_id=account, token=weth, receiver=stranger, amount=eth, balance=eth
        )
    ]
    assert weth.balanceOf(stranger) == eth
    assert engine.collateral_of(account, weth) == eth
    assert engine.total_collateral(weth) == eth
    engine.withdraw_collateral(account, weth, eth, trader, sender=trader)
    assert engine.collaterals_of(account) == []
    assert engine.total_collateral(weth) == 0
    assert weth.balanceOf(engine) == 0


def test_withdraw__failures(system, trader, stranger, funded_account, weth, eth):
    engine = system.engine
    account = funded_account(trader, CROSS, WETH=1)
    with ape.reverts("engine: unknown account"):
        engine.withdraw_collateral(account + 1, weth, 1, trader, sender=trader)
    with ape.reverts("engine: not owner or operator"):
        engine.withdraw_collateral(account, weth, 1, stranger, sender=stranger)
    with ape.reverts("engine: zero amount"):
        engine.withdraw_collateral(account, weth, 0, trader, sender=trader)
    with ape.reverts("engine: zero address"):
        engine.withdraw_collateral(account, weth, 1, ZERO_ADDRESS, sender=trader)
    with ape.reverts("engine: amount above balance"):
        engine.withdraw_collateral(account, weth, eth + 1, trader, sender=trader)
    with ape.reverts("engine: amount above balance"):
        engine.withdraw_collateral(
            account, system.tokens["WBTC"], 1, trader, sender=trader
        )
    assert engine.collateral_of(account, weth) == eth


def test_withdraw__below_initial_requirement(system, trader, funded_account, weth, eth):
    """1 WETH at 3,000 USD with CF 0.8 backs 2,400 USD; 2,000 borrowed needs 0.8334 WETH."""
    engine, q = system.engine, system.q
    account = funded_account(trader, CROSS, WETH=1)
    engine.borrow(account, 2_000 * q, trader, sender=trader)
    keep_too_little = (
        eth * 2_000 // 2_400
    )  # exactly 2,000 USD of CF value; interest since makes it short
    with ape.reverts("engine: initial requirement not met"):
        engine.withdraw_collateral(
            account, weth, eth - keep_too_little, trader, sender=trader
        )
    keep = wad("0.834")
    engine.withdraw_collateral(account, weth, eth - keep, trader, sender=trader)
    assert engine.collateral_of(account, weth) == keep
    h = engine.account_health(account)
    assert h.equity_init >= h.init_req


# ---- transfer -------------------------------------------------------------------------
def test_transfer__cross_to_bucket_books_and_event(
    system, trader, funded_account, open_account, weth, eth
):
    engine = system.engine
    cross = funded_account(trader, CROSS, WETH=3)
    bucket = open_account(trader, ISOLATED)
    receipt = engine.transfer_collateral(cross, bucket, weth, eth, sender=trader)
    assert receipt.events == [
        engine.CollateralTransferred(
            from_id=cross,
            to_id=bucket,
            token=weth,
            amount=eth,
            from_balance=2 * eth,
            to_balance=eth,
        )
    ]
    assert engine.collateral_of(cross, weth) == 2 * eth
    assert engine.collateral_of(bucket, weth) == eth
    assert engine.collaterals_of(bucket) == [weth]
    assert engine.total_collateral(weth) == 3 * eth
    assert weth.balanceOf(engine) == 3 * eth
    engine.transfer_collateral(cross, bucket, weth, 2 * eth, sender=trader)
    assert engine.collaterals_of(cross) == []
    assert engine.collateral_of(bucket, weth) == 3 * eth


def test_transfer__failures(
    system, trader, trader2, stranger, funded_account, open_account, weth, eth
):
    engine = system.engine
    cross = funded_account(trader, CROSS, WETH=1, WBTC=1)
    bucket = funded_account(trader, ISOLATED, WBTC=1)
    theirs = open_account(trader2, CROSS)
    with ape.reverts("engine: unknown account"):
        engine.transfer_collateral(999, bucket, weth, 1, sender=trader)
    with ape.reverts("engine: unknown account"):
        engine.transfer_collateral(cross, 999, weth, 1, sender=trader)
    with ape.reverts("engine: not owner or operator"):
        engine.transfer_collateral(cross, bucket, weth, 1, sender=stranger)
    with ape.reverts("engine: different owners"):
        engine.transfer_collateral(cross, theirs, weth, 1, sender=trader)
    with ape.reverts("engine: same account"):
        engine.transfer_collateral(cross, cross, weth, 1, sender=trader)
    with ape.reverts("engine: zero amount"):
        engine.transfer_collateral(cross, bucket, weth, 0, sender=trader)
    with ape.reverts("engine: amount above balance"):
        engine.transfer_collateral(cross, bucket, weth, eth + 1, sender=trader)
    with ape.reverts("engine: bucket holds another token"):
        engine.transfer_collateral(cross, bucket, weth, 1, sender=trader)
    # The same token into the bucket is fine.
    engine.transfer_collateral(cross, bucket, system.tokens["WBTC"], 1, sender=trader)
    assert (
        engine.collateral_of(bucket, system.tokens["WBTC"]) == system.unit("WBTC") + 1
    )


def test_transfer__into_full_cross_account(system, trader, funded_account, sixth):
    engine = system.engine
    full = funded_account(trader, CROSS, WETH=1, WBTC=1, MEME=1, LINK=1, UNI=1, USDC=1)
    source = funded_account(trader, CROSS, WETH=1)
    engine.deposit_collateral(source, sixth, 10, sender=trader)
    engine.transfer_collateral(
        source, full, system.tokens["WETH"], 1, sender=trader
    )  # held: no new slot
    with ape.reverts("engine: collateral slots full"):
        engine.transfer_collateral(source, full, sixth, 10, sender=trader)
    engine.withdraw_collateral(
        full, system.tokens["LINK"], system.unit("LINK"), trader, sender=trader
    )
    engine.transfer_collateral(source, full, sixth, 10, sender=trader)
    assert engine.collateral_of(full, sixth) == 10
    assert engine.collaterals_of(source) == [system.tokens["WETH"]]


def test_transfer__out_of_borrowing_account_below_initial_requirement(
    system, trader, funded_account, open_account, weth, eth
):
    engine, q = system.engine, system.q
    cross = funded_account(trader, CROSS, WETH=1)
    bucket = open_account(trader, ISOLATED)
    engine.borrow(cross, 2_000 * q, trader, sender=trader)
    with ape.reverts("engine: initial requirement not met"):
        engine.transfer_collateral(
            cross, bucket, weth, eth - eth * 2_000 // 2_400, sender=trader
        )
    engine.transfer_collateral(cross, bucket, weth, eth - wad("0.834"), sender=trader)
    assert engine.collateral_of(bucket, weth) == eth - wad("0.834")


def test_transfer__into_borrowing_account_needs_no_price(
    system, trader, funded_account, weth, eth
):
    """A destination only gains: it may be active; the source has no debt, so no check runs."""
    engine, q = system.engine, system.q
    target = funded_account(trader, CROSS, WETH=1)
    engine.borrow(target, 1_000 * q, trader, sender=trader)
    source = funded_account(trader, CROSS, WETH=1)
    system.feeds["WETH"].set_round(3_000 * 10**8, 1, sender=trader)  # WETH stale
    engine.transfer_collateral(source, target, weth, eth, sender=trader)
    assert engine.collateral_of(target, weth) == 2 * eth


def test_max_uint_amount_is_not_special_for_collateral(
    system, trader, funded_account, weth
):
    with ape.reverts("engine: amount above balance"):
        system.engine.withdraw_collateral(
            funded_account(trader, CROSS, WETH=1),
            weth,
            MAX_UINT256,
            trader,
            sender=trader,
        )
