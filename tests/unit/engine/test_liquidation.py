"""`MarginEngine.liquidate` (DESIGN.md, Liquidation): each step, each rule's revert reason with
its success twin, and the guarantees (the shortfall never rises, collateral 0 => debt 0,
no other account changes, self-liquidation never beats repaying).

Amounts are checked against the formulas of module `liquidation` recomputed here in Python
(integer arithmetic, the same roundings), not against numbers copied from a run.
"""

from __future__ import annotations

import ape
import pytest
from engine_defaults import (
    CROSS,
    ISOLATED,
    MAX_UINT256,
    WAD,
    ZERO_ADDRESS,
    restart_sequencer,
    wad,
)


# ---- the arithmetic of module `liquidation`, in Python --------------------------------
def seize_for(
    repay: int, quote_price: int, quote_unit: int, price: int, unit: int, bonus: int
) -> int:
    usd = repay * quote_price // quote_unit
    return usd * (WAD + bonus) // WAD * unit // price


def repay_for(
    balance: int, quote_price: int, quote_unit: int, price: int, unit: int, bonus: int
) -> int:
    value = -(-(balance * price) // unit)  # what the liquidator takes: rounded up
    usd = -(-(value * WAD) // (WAD + bonus))
    return -(-(usd * quote_unit) // quote_price)


def bonus(system, symbol: str) -> int:
    """The token's liquidation bonus as the engine stores it."""
    return system.engine.collateral_config(system.tokens[symbol]).liquidation_bonus


# ---- fixtures -------------------------------------------------------------------------
@pytest.fixture
def liquidator_funds(system, liquidator, fund):
    """The liquidator holds 1,000,000 USDC and has approved the engine."""
    fund(liquidator, "USDC", 1_000_000)
    return system.quote.balanceOf(liquidator)


@pytest.fixture
def weth_bucket(system, trader, funded_account):
    """A bucket with 1 WETH (3,000 USD) that borrowed 2,400 USDC (its whole CF 0.80)."""
    account = funded_account(trader, ISOLATED, WETH=1)
    system.engine.borrow(account, 2_400 * system.q, trader, sender=trader)
    return account


@pytest.fixture
def weth_cross(system, trader, funded_account):
    """A cross account with 10 WETH (30,000 USD) that borrowed 24,000 USDC."""
    account = funded_account(trader, CROSS, WETH=10)
    system.engine.borrow(account, 24_000 * system.q, trader, sender=trader)
    return account


@pytest.fixture
def steady_blocks(chain):
    """Every block exactly 1 s after the previous one for the test's duration, so a
    transaction replayed after `chain.restore` runs at the same timestamp (the same interest)
    as the first run, however loaded the machine is."""
    chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
    yield
    chain.provider.make_request("anvil_removeBlockTimestampInterval", [])


def _snapshot(system, account_id) -> tuple:
    """Everything an account is: balances, debt shares, claim, positions, activity."""
    engine = system.engine
    return (
        tuple(
            (t, engine.collateral_of(account_id, t))
            for t in engine.collaterals_of(account_id)
        ),
        engine.debt_shares_of(account_id),
        engine.claim_of(account_id),
        tuple(tuple(p) for p in engine.positions_of(account_id)),
        engine.is_active(account_id),
    )


def _events(receipt, contract, name):
    return [
        log
        for log in receipt.events
        if log.event_name == name and log.contract_address == contract.address
    ]


# ---- step 1: who may be liquidated ----------------------------------------------------
def test_liquidate__healthy_account_reverts(
    system, weth_bucket, liquidator, liquidator_funds
):
    engine, weth = system.engine, system.tokens["WETH"]
    with ape.reverts("engine: not liquidatable"):
        engine.liquidate(
            weth_bucket, MAX_UINT256, weth, 0, liquidator, sender=liquidator
        )


def test_liquidate__unknown_account_reverts(system, liquidator):
    with ape.reverts("engine: unknown account"):
        system.engine.liquidate(
            999, MAX_UINT256, system.tokens["WETH"], 0, liquidator, sender=liquidator
        )


def test_liquidate__zero_receiver_reverts(
    system, weth_bucket, set_price, liquidator, liquidator_funds
):
    set_price("WETH", "2700")
    with ape.reverts("engine: zero address"):
        system.engine.liquidate(
            weth_bucket,
            MAX_UINT256,
            system.tokens["WETH"],
            0,
            ZERO_ADDRESS,
            sender=liquidator,
        )


def test_liquidate__account_without_debt_or_positions_is_not_liquidatable(
    system, funded_account, trader, liquidator
):
    account = funded_account(trader, CROSS, WETH=1)
    with ape.reverts("engine: not liquidatable"):
        system.engine.liquidate(
            account,
            MAX_UINT256,
            system.tokens["WETH"],
            0,
            liquidator,
            sender=liquidator,
        )


# ---- step 3: borrow-only accounts -----------------------------------------------------
def test_liquidate__bucket_repays_in_full_and_seizes_with_bonus(
    system, weth_bucket, set_price, liquidator, stranger, liquidator_funds
):
    engine, vault, weth, usdc = (
        system.engine,
        system.vault,
        system.tokens["WETH"],
        system.quote,
    )
    set_price("WETH", "2700")  # wc_maint 2,295 < debt 2,400: health 0.956
    before = engine.account_health(weth_bucket)
    assert before.liquidatable and before.health_factor > wad("0.95")
    debt_before = engine.debt_of(weth_bucket)  # the block's accrual is tiny but real
    total_debt = vault.total_debt()

    receipt = engine.liquidate(
        weth_bucket, MAX_UINT256, weth, 0, stranger, sender=liquidator
    )

    repaid, seized, fee = receipt.return_value
    debt = repaid  # a bucket may repay everything: all of its debt as of the call
    assert debt >= debt_before
    expected_seize = seize_for(
        debt, WAD, system.q, wad("2700"), 10**18, bonus(system, "WETH")
    )
    assert (repaid, seized, fee) == (debt, expected_seize, 0)
    assert usdc.balanceOf(liquidator) == liquidator_funds - repaid
    assert weth.balanceOf(stranger) == seized  # the receiver, not the caller
    assert engine.collateral_of(weth_bucket, weth) == 10**18 - seized
    assert engine.debt_shares_of(weth_bucket) == 0
    assert not engine.is_active(weth_bucket)
    assert vault.total_debt() <= total_debt - debt_before + 1
    [event] = _events(receipt, engine, "Liquidated")
    assert (event.account_id, event.liquidator, event.seize_token, event.receiver) == (
        weth_bucket,
        liquidator,
        weth,
        stranger,
    )
    # health before, at the call's own block: wc_maint / the debt it repaid (quote at 1 USD)
    health_before = before.wc_maint * WAD // (repaid * 10**12)
    assert abs(health_before - before.health_factor) <= before.health_factor // 10**6
    assert (event.repaid, event.seized, event.fee, event.health_before) == (
        repaid,
        seized,
        0,
        health_before,
    )
    # The shortfall never rises (here it vanishes: no debt is left).
    assert engine.account_health(weth_bucket).shortfall <= before.shortfall


def test_liquidate__seize_token_not_held_reverts(
    system, weth_bucket, set_price, liquidator, liquidator_funds
):
    set_price("WETH", "2700")
    for token in (system.tokens["WBTC"], system.quote):
        with ape.reverts("liquidation: seize token not held"):
            system.engine.liquidate(
                weth_bucket, MAX_UINT256, token, 0, liquidator, sender=liquidator
            )


def test_liquidate__seized_below_minimum_reverts(
    chain, steady_blocks, system, weth_bucket, set_price, liquidator, liquidator_funds
):
    engine, weth = system.engine, system.tokens["WETH"]
    set_price("WETH", "2700")
    # What the liquidation seizes in the next block (same timestamp after each restore).
    before = chain.snapshot()
    seized = engine.liquidate(
        weth_bucket, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    ).return_value[1]
    assert seized > 0
    chain.restore(before)
    before = chain.snapshot()  # a snapshot is consumed by its restore
    with ape.reverts("engine: seized below minimum"):
        engine.liquidate(
            weth_bucket, MAX_UINT256, weth, seized + 1, liquidator, sender=liquidator
        )
    chain.restore(before)
    receipt = engine.liquidate(
        weth_bucket, MAX_UINT256, weth, seized, liquidator, sender=liquidator
    )
    assert receipt.return_value[1] == seized


def test_liquidate__cross_account_close_factor_halves_the_repay(
    system, weth_cross, set_price, liquidator, liquidator_funds
):
    engine, weth = system.engine, system.tokens["WETH"]
    set_price(
        "WETH", "2800"
    )  # wc_maint 23,800 < 24,000: health 0.992 > max(0.95, 1.05 x 0.85)
    before = engine.account_health(weth_cross)
    assert before.liquidatable and before.health_factor > wad("0.95")
    receipt = engine.liquidate(
        weth_cross, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    )
    repaid, seized, fee = receipt.return_value
    debt = (
        repaid * 2 + (0, 1)[repaid * 2 < 24_000 * system.q]
    )  # 50 % of the debt, rounded down
    # half the debt at the call's block: 12,000 USDC plus half of a few seconds' interest
    assert 0 <= repaid - 12_000 * system.q <= 5 and debt >= 24_000 * system.q
    assert seized == seize_for(
        repaid, WAD, system.q, wad("2800"), 10**18, bonus(system, "WETH")
    )
    assert fee == 0
    after = engine.account_health(weth_cross)
    assert not after.liquidatable
    assert after.shortfall < before.shortfall


def test_liquidate__repay_amount_is_a_cap(
    system, weth_cross, set_price, liquidator, liquidator_funds
):
    engine, weth = system.engine, system.tokens["WETH"]
    set_price("WETH", "2800")
    receipt = engine.liquidate(
        weth_cross, 1_000 * system.q, weth, 0, liquidator, sender=liquidator
    )
    repaid, seized, _ = receipt.return_value
    assert repaid == 1_000 * system.q
    assert seized == seize_for(
        repaid, WAD, system.q, wad("2800"), 10**18, bonus(system, "WETH")
    )
    assert engine.is_liquidatable(weth_cross)  # a small repay may leave it liquidatable


def test_liquidate__deep_health_allows_a_full_close_on_cross(
    system, weth_cross, set_price, liquidator, liquidator_funds
):
    engine, weth = system.engine, system.tokens["WETH"]
    set_price("WETH", "2650")  # health 0.938 < 0.95: full close allowed
    assert engine.account_health(weth_cross).health_factor < wad("0.95")
    debt = engine.debt_of(weth_cross)
    receipt = engine.liquidate(
        weth_cross, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    )
    repaid, seized, _ = receipt.return_value
    assert repaid >= debt
    assert engine.debt_shares_of(weth_cross) == 0
    assert seized == seize_for(
        repaid, WAD, system.q, wad("2650"), 10**18, bonus(system, "WETH")
    )


def test_liquidate__dust_remainder_shrinks_the_repay(
    chain, steady_blocks, system, weth_bucket, set_price, liquidator, liquidator_funds
):
    """A repay cap that would leave 5 USDC of debt (min debt 10) repays debt − min_debt
    instead: never a revert for dust."""
    engine, weth = system.engine, system.tokens["WETH"]
    set_price("WETH", "2700")
    # The whole debt at the next block: what a full liquidation repays there.
    before = chain.snapshot()
    debt = engine.liquidate(
        weth_bucket, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    ).return_value[0]
    chain.restore(before)
    receipt = engine.liquidate(
        weth_bucket, debt - 5 * system.q, weth, 0, liquidator, sender=liquidator
    )
    repaid, seized, _ = receipt.return_value
    assert repaid == debt - engine.min_debt()
    # The shares burnt for the repay round down (the protocol's side), so the rest, read
    # back rounded up, is the minimum debt or one quote wei above it.
    assert 0 <= engine.debt_of(weth_bucket) - engine.min_debt() <= 1
    assert seized == seize_for(
        repaid, WAD, system.q, wad("2700"), 10**18, bonus(system, "WETH")
    )


# ---- step 4 and the sweep: underwater accounts ---------------------------------------
@pytest.fixture
def meme_bucket(system, trader, funded_account):
    """A bucket with 10,000 MEME (5,000 USD) that borrowed 2,000 USDC (CF 0.40)."""
    account = funded_account(trader, ISOLATED, MEME=10_000)
    system.engine.borrow(account, 2_000 * system.q, trader, sender=trader)
    return account


def test_liquidate__underwater_bucket_is_seized_whole_and_the_rest_written_off(
    system, meme_bucket, set_price, liquidator, liquidator_funds
):
    engine, vault, meme = system.engine, system.vault, system.tokens["MEME"]
    set_price(
        "MEME", "0.05"
    )  # 10,000 MEME now worth 500 USD against 2,000 USDC of debt
    reserve = vault.reserve()
    share_price = vault.share_price()
    receipt = engine.liquidate(
        meme_bucket, MAX_UINT256, meme, 0, liquidator, sender=liquidator
    )
    repaid, seized, _ = receipt.return_value
    assert seized == 10_000 * 10**18  # the whole balance
    assert repaid == repay_for(
        seized, WAD, system.q, wad("0.05"), 10**18, bonus(system, "MEME")
    )
    [written] = _events(receipt, engine, "BadDebtWrittenOff")
    assert written.account_id == meme_bucket and written.assets > 0
    [booked] = _events(receipt, vault, "BadDebtWrittenOff")
    assert booked.assets == written.assets
    # the reserve (a block's interest larger at the call than when read) absorbs first
    assert booked.from_reserve + booked.from_lps == booked.assets
    assert booked.from_reserve >= min(reserve, written.assets)
    assert booked.from_lps == 0 or vault.reserve() == 0
    assert (
        engine.debt_shares_of(meme_bucket) == 0
        and engine.collaterals_of(meme_bucket) == []
    )
    assert not engine.is_active(meme_bucket)
    assert vault.share_price() < share_price  # the LPs took what the reserve could not


def test_liquidate__sweep_takes_every_token_of_an_underwater_account(
    system, trader, funded_account, set_price, liquidator, liquidator_funds
):
    engine, weth, meme, usdc = (
        system.engine,
        system.tokens["WETH"],
        system.tokens["MEME"],
        system.quote,
    )
    account = funded_account(trader, CROSS, WETH="0.5", MEME=10_000, USDC=100)
    engine.borrow(
        account, 2_500 * system.q, trader, sender=trader
    )  # 1,200 + 2,000 + 95 of CF
    set_price("WETH", "1500")
    set_price("MEME", "0.05")  # collateral 750 + 500 + 100 = 1,350 USD < 2,500 of debt
    receipt = engine.liquidate(
        account, MAX_UINT256, ZERO_ADDRESS, 0, liquidator, sender=liquidator
    )
    repaid, seized, _ = receipt.return_value
    expected = (
        repay_for(100 * system.q, WAD, system.q, WAD, system.q, bonus(system, "USDC"))
        + repay_for(
            10**18 // 2, WAD, system.q, wad("1500"), 10**18, bonus(system, "WETH")
        )
        + repay_for(
            10_000 * 10**18, WAD, system.q, wad("0.05"), 10**18, bonus(system, "MEME")
        )
    )
    assert repaid == expected
    assert seized == 1_350 * system.q  # the value swept, quote units
    assert (
        weth.balanceOf(liquidator) == 10**18 // 2
        and meme.balanceOf(liquidator) == 10_000 * 10**18
    )
    assert usdc.balanceOf(liquidator) == liquidator_funds - repaid + 100 * system.q
    assert engine.collaterals_of(account) == [] and engine.debt_shares_of(account) == 0
    assert len(_events(receipt, engine, "BadDebtWrittenOff")) == 1


def test_liquidate__sweep_of_an_account_worth_more_than_its_debt_reverts(
    system, weth_cross, set_price, liquidator, liquidator_funds
):
    set_price("WETH", "2800")
    with ape.reverts("liquidation: sweep above debt"):
        system.engine.liquidate(
            weth_cross, MAX_UINT256, ZERO_ADDRESS, 0, liquidator, sender=liquidator
        )


# ---- step 2: perp positions -----------------------------------------------------------
@pytest.fixture
def eth_perp_bucket(system, trader, fund):
    """open_isolated: 2 WETH backing a 10 ETH long (30,000 USD notional, initial 10 %)."""
    engine, weth = system.engine, system.tokens["WETH"]
    fund(trader, "WETH", 2)
    receipt = engine.open_isolated(
        trader,
        weth,
        2 * 10**18,
        system.markets["ETH"],
        10 * WAD,
        MAX_UINT256,
        sender=trader,
    )
    return receipt.return_value


def test_liquidate__perps_bucket_closes_its_position_with_repay_zero(
    system, eth_perp_bucket, set_price, liquidator, stranger
):
    """A perps-only bucket: step 2 closes the position at the oracle price and pays the
    liquidation fee; `repay_amount = 0` must not revert."""
    engine, registry = system.engine, system.registry
    market = system.markets["ETH"]
    set_price("WETH", "2650")  # about -3,650 USD on the long (its fill had the spread)
    before = engine.account_health(eth_perp_bucket)
    assert before.liquidatable
    receipt = engine.liquidate(
        eth_perp_bucket, 0, ZERO_ADDRESS, 0, stranger, sender=liquidator
    )
    repaid, seized, fee = receipt.return_value
    [closed] = _events(receipt, registry, "PositionLiquidated")
    assert (closed.account_id, closed.market_id, closed.size, closed.price) == (
        eth_perp_bucket,
        market,
        10 * WAD,
        wad("2650"),
    )
    notional = 10 * wad("2650")
    params = registry.market(market).params
    assert closed.liquidation_fee == -(
        -notional * params.liquidation_fee // WAD
    )  # rounded up
    assert closed.trading_fee == -(-notional * params.trading_fee // WAD)
    assert fee == closed.liquidation_fee * system.q // WAD  # the quote is at 1 USD
    assert system.quote.balanceOf(stranger) == fee
    assert (repaid, seized) == (0, 0)
    assert engine.positions_of(eth_perp_bucket) == []
    state = registry.market_state(market)
    assert state.long_size == 0  # the only long left the aggregates
    after = engine.account_health(eth_perp_bucket)
    # The loss and both fees became settlement debt (the bucket holds no quote).
    assert (
        engine.debt_of(eth_perp_bucket) * 10**12
        >= -closed.realised_pnl + closed.liquidation_fee
    )
    assert after.shortfall <= before.shortfall


def test_liquidate__cross_closes_worst_first_until_the_buffer(
    system, trader, funded_account, trade, set_price, liquidator
):
    """Three positions, one deep in loss: the liquidation closes that one and stops once
    equity_maint >= 1.05 x maint_req; the others stay open."""
    engine, registry = system.engine, system.registry
    account = funded_account(trader, CROSS, USDC=5_000)
    trade(trader, account, "ETH", "10")  # 30,000 notional
    trade(trader, account, "BTC", "0.1")  # 6,000 notional
    trade(trader, account, "MEME", "1000")  # 500 notional
    set_price("WETH", "2650")  # -3,500 on the ETH long
    before = engine.account_health(account)
    assert before.liquidatable
    plan = registry.plan_closes(
        [tuple(p) for p in engine.positions_of(account)],
        [wad("2650"), wad("60000"), wad("0.5")],
        before.equity_maint,
        before.maint_req,
        wad("0.97"),
        False,
    )
    receipt = engine.liquidate(
        account, 0, ZERO_ADDRESS, 0, liquidator, sender=liquidator
    )
    closed = _events(receipt, registry, "PositionLiquidated")
    assert (
        [c.market_id for c in closed]
        == [p.market_id for p in plan]
        == [system.markets["ETH"]]
    )
    assert [m.market_id for m in engine.positions_of(account)] == [
        system.markets["BTC"],
        system.markets["MEME"],
    ]
    after = engine.account_health(account)
    assert not after.liquidatable
    assert after.equity_maint * WAD >= after.maint_req * wad("1.05")
    assert after.shortfall <= before.shortfall


# ---- oracle and sequencer policy ------------------------------------------------------
def test_liquidate__sequencer_down_reverts(
    system, weth_bucket, set_price, owner, chain, liquidator, liquidator_funds
):
    set_price("WETH", "2650")
    system.sequencer.set_status(True, sender=owner)
    with ape.reverts("oracle: sequencer down"):
        system.engine.liquidate(
            weth_bucket,
            MAX_UINT256,
            system.tokens["WETH"],
            0,
            liquidator,
            sender=liquidator,
        )


def test_liquidate__grace_period_only_below_the_floor(
    system, weth_bucket, set_price, owner, chain, liquidator, liquidator_funds
):
    engine, weth = system.engine, system.tokens["WETH"]
    set_price("WETH", "2700")  # health 0.956: liquidatable, above the 0.95 floor
    restart_sequencer(system, owner)  # just back up: the grace period starts
    assert engine.account_health(weth_bucket).health_factor > wad("0.95")
    with ape.reverts("engine: grace period above floor"):
        engine.liquidate(
            weth_bucket, MAX_UINT256, weth, 0, liquidator, sender=liquidator
        )
    set_price("WETH", "2650")  # health 0.938
    receipt = engine.liquidate(
        weth_bucket, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    )
    assert receipt.return_value[0] > 0


def test_liquidate__stale_collateral_price__the_token_is_never_seized(
    system, weth_bucket, set_price, chain, liquidator, liquidator_funds
):
    """M-1: a collateral token whose feed is stale counts as 0 (the bucket is liquidatable)
    but is never seized at a price nobody can check."""
    set_price("WETH", "2650")
    chain.mine(timestamp=chain.pending_timestamp + 86_401)
    set_price("USDC", "1")  # only WETH's feed is stale now
    weth = system.tokens["WETH"]
    balance = system.engine.collateral_of(weth_bucket, weth)
    assert system.engine.is_liquidatable(weth_bucket)
    with ape.reverts("engine: seize token unpriced"):
        system.engine.liquidate(
            weth_bucket, MAX_UINT256, weth, 0, liquidator, sender=liquidator
        )
    assert system.engine.collateral_of(weth_bucket, weth) == balance


def test_liquidate__stale_quote_price_reverts_with_the_oracle_reason(
    system, weth_bucket, set_price, chain, liquidator, liquidator_funds
):
    """The quote's price values the debt: without it nothing is liquidated."""
    set_price("WETH", "2650")
    chain.mine(timestamp=chain.pending_timestamp + 86_401)
    set_price("WETH", "2650")  # only the quote's feed is stale now
    assert not system.engine.is_liquidatable(weth_bucket)
    with ape.reverts("oracle: USDC stale"):
        system.engine.liquidate(
            weth_bucket,
            MAX_UINT256,
            system.tokens["WETH"],
            0,
            liquidator,
            sender=liquidator,
        )


def test_liquidate__price_below_the_sane_minimum_still_liquidates(
    system, meme_bucket, set_price, liquidator, liquidator_funds
):
    """A real crash below the feed's min price must not freeze liquidations."""
    set_price("MEME", "0.00005")  # below the 0.0001 minimum: out of band
    receipt = system.engine.liquidate(
        meme_bucket,
        MAX_UINT256,
        system.tokens["MEME"],
        0,
        liquidator,
        sender=liquidator,
    )
    assert receipt.return_value[1] == 10_000 * 10**18
    assert system.engine.debt_shares_of(meme_bucket) == 0


# ---- guarantees -----------------------------------------------------------------------
def test_liquidate__a_bucket_changes_no_other_account_of_its_owner(
    system, trader, funded_account, weth_bucket, set_price, liquidator, liquidator_funds
):
    engine = system.engine
    sibling = funded_account(trader, ISOLATED, WBTC="0.1")
    engine.borrow(sibling, 1_000 * system.q, trader, sender=trader)
    cross = funded_account(trader, CROSS, WETH=1, USDC=1_000)
    engine.borrow(cross, 500 * system.q, trader, sender=trader)
    set_price("WETH", "2700")
    others = {a: _snapshot(system, a) for a in (sibling, cross)}
    engine.liquidate(
        weth_bucket,
        MAX_UINT256,
        system.tokens["WETH"],
        0,
        liquidator,
        sender=liquidator,
    )
    assert {a: _snapshot(system, a) for a in (sibling, cross)} == others


def test_liquidate__self_liquidation_never_beats_repaying(
    steady_blocks, system, weth_bucket, set_price, trader, fund, chain
):
    """The owner liquidating its own bucket ends no richer than repaying it (USD at the
    oracle price: wallet plus what the account still holds minus what it owes)."""
    engine, weth, usdc = system.engine, system.tokens["WETH"], system.quote
    set_price("WETH", "2700")
    fund(trader, "USDC", 10_000)
    price = wad("2700")

    def wealth() -> int:
        held = engine.collateral_of(weth_bucket, weth) + weth.balanceOf(trader)
        return (
            held * price // 10**18
            + (usdc.balanceOf(trader) - engine.debt_of(weth_bucket)) * 10**12
        )

    snapshot = chain.snapshot()
    engine.repay(weth_bucket, MAX_UINT256, sender=trader)
    by_repaying = wealth()
    chain.restore(snapshot)
    engine.liquidate(weth_bucket, MAX_UINT256, weth, 0, trader, sender=trader)
    by_liquidating = wealth()
    assert by_liquidating <= by_repaying


def test_seize_plan__no_sweep_while_positions_are_open(system):
    """The engine never reaches step 3 with positions left (closing stops only once the
    account is above its buffer), but the plan is a public view the Lens quotes with."""
    registry = system.registry
    token = (10**18, wad("3000"), 18, wad("0.05"), wad("0.85"))
    terms = (
        1_000 * system.q,
        MAX_UINT256,
        False,
        wad("0.9"),
        10 * system.q,
        WAD,
        system.q,
        MAX_UINT256,
        True,
    )
    with ape.reverts("liquidation: sweep with open positions"):
        registry.seize_plan(terms, [token])
    # Without positions the same sweep gets to its next rule (3,000 USD of WETH is worth
    # more than the 1,000 USDC debt).
    with ape.reverts("liquidation: sweep above debt"):
        registry.seize_plan(terms[:-1] + (False,), [token])
