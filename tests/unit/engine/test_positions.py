"""Positions in both modes: open, increase, decrease, flip and close; fills, acceptable
prices, minimum notional, slot rules, open-interest caps, the initial requirement, and
`open_isolated`. Every figure is checked against engine_model's re-derivation."""

from __future__ import annotations

import dataclasses

import ape
import pytest
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, PERPS, WAD, wad
from engine_model import apply_trade, div_ceil, fill_price, indices_now

ETH = PERPS[0]


@pytest.fixture
def cross(system, trader, funded_account):
    """A cross account with 100,000 USDC."""
    return funded_account(trader, CROSS, USDC=100_000)


def _expect(
    system, market_id: int, account_id: int, delta: int, now: int | None = None
):
    """(fill, TradeResult, fee in USD) the registry must produce for this trade in a block
    at time `now` (default: the head's time, for trades with no funding pending)."""
    registry = system.registry
    market = registry.market(market_id)
    state = registry.market_state(market_id)
    price, _ = system.oracle.price_info(market.oracle_asset)
    if now is None:
        now = state.last_update
    index_long, index_short = indices_now(state, price, now)
    fill = fill_price(market.params, price, state.long_size, state.short_size, delta)
    position = system.engine.position_of(account_id, market_id)
    result = apply_trade(
        position.size, position.basis, delta, fill, index_long, index_short
    )
    fee = div_ceil(div_ceil(abs(delta) * fill, WAD) * market.params.trading_fee, WAD)
    return fill, result, fee


def _quote_amount(system, usd: int, up: bool) -> int:
    """USD WAD -> quote units at the quote's oracle price, rounded up or down."""
    q, _ = system.oracle.price_info(system.quote)
    return div_ceil(usd * system.q, q) if up else usd * system.q // q


def _settled(system, realised: int, fee: int) -> int:
    """The signed quote amount a trade settles: profit down, loss and fee up."""
    if realised >= 0:
        amount = _quote_amount(system, realised, up=False)
    else:
        amount = -_quote_amount(system, -realised, up=True)
    return amount - _quote_amount(system, fee, up=True)


def test_open_long__fill_basis_fee_and_books(system, trader, cross):
    engine, registry, vault, quote = (
        system.engine,
        system.registry,
        system.vault,
        system.quote,
    )
    delta = wad("2")
    fill, result, fee = _expect(system, 1, cross, delta)
    assert fill > wad("3000") * 1005 // 1000  # oracle × (1 + spread + impact)
    balance, cash, reserve = (
        engine.collateral_of(cross, quote),
        vault.cash(),
        vault.reserve(),
    )
    receipt = engine.modify_position(cross, 1, delta, fill, sender=trader)
    fee_q = _quote_amount(system, fee, up=True)
    assert engine.position_of(cross, 1) == (1, delta, result.basis)
    assert result.basis == div_ceil(delta * fill, WAD)  # no funding yet: basis = cost
    assert engine.positions_of(cross) == [(1, delta, result.basis)]
    assert engine.collateral_of(cross, quote) == balance - fee_q
    assert vault.cash() == cash + fee_q
    assert vault.reserve() == reserve + fee_q // 10  # reserve factor 10 % of fees
    state = registry.market_state(1)
    assert (state.long_size, state.short_size, state.long_basis, state.short_basis) == (
        delta,
        0,
        result.basis,
        0,
    )
    assert engine.is_active(cross) and engine.active_at(0) == cross
    modified = receipt.events.filter(engine.PositionModified)[0]
    assert (
        modified.account_id,
        modified.market_id,
        modified.size_delta,
        modified.fill_price,
    ) == (cross, 1, delta, fill)
    assert (modified.size, modified.basis, modified.realised_pnl, modified.fee) == (
        delta,
        result.basis,
        0,
        fee,
    )
    settled = receipt.events.filter(engine.PnlSettled)[0]
    assert (settled.amount, settled.from_collateral, settled.debt_shares_minted) == (
        -fee_q,
        fee_q,
        0,
    )


def test_open_short__fills_below_oracle(system, trader, cross):
    engine = system.engine
    delta = -wad("2")
    fill, result, _fee = _expect(system, 1, cross, delta)
    assert fill < wad("3000") * 995 // 1000
    engine.modify_position(cross, 1, delta, fill, sender=trader)
    assert (
        engine.position_of(cross, 1).basis == result.basis == -delta * fill // WAD
    )  # a short's basis is what it sold for
    state = system.registry.market_state(1)
    assert (state.long_size, state.short_size, state.short_basis) == (
        0,
        -delta,
        result.basis,
    )


def test_increase_decrease_flip_close__exact(system, trader, cross, chain, set_price):
    """A sequence on one position, every step against the model: average basis on
    increase, realised PnL (within 2 wei of exact, never above) on decrease, a flip as
    close + open, and a close that zeroes the position and the side sums."""
    engine, quote = system.engine, system.quote
    steps = [
        ("1", "3000"),
        ("2", "3100"),
        ("-1.5", "3300"),
        ("-3", "2900"),
        ("2.5", "3050"),
        ("-1", "3050"),
    ]
    for size, price in steps:
        set_price("WETH", price)
        now = chain.blocks.head.timestamp + 3_600
        chain.pending_timestamp = now  # funding accrues over an exact hour
        delta = wad(size)
        fill, result, fee = _expect(system, 1, cross, delta, now)
        balance = engine.collateral_of(cross, quote)
        receipt = engine.modify_position(
            cross, 1, delta, MAX_UINT256 if delta > 0 else 0, sender=trader
        )
        modified = receipt.events.filter(engine.PositionModified)[0]
        assert (modified.fill_price, modified.realised_pnl, modified.fee) == (
            fill,
            result.realised,
            fee,
        )
        assert (
            0 <= result.exact_realised - result.realised < 2
        )  # against the trader, within 2 wei
        assert engine.position_of(cross, 1)[1:] == (result.size, result.basis)
        assert engine.collateral_of(cross, quote) == balance + _settled(
            system, result.realised, fee
        )
    assert engine.position_of(cross, 1) == (1, 0, 0)
    assert engine.positions_of(cross) == []
    assert not engine.is_active(cross)
    state = system.registry.market_state(1)
    assert (state.long_size, state.short_size, state.long_basis, state.short_basis) == (
        0,
        0,
        0,
        0,
    )


def test_close_position__whole_and_no_position(system, trader, cross, trade):
    engine = system.engine
    with ape.reverts("engine: no position"):
        engine.close_position(cross, 1, 0, sender=trader)
    trade(trader, cross, "ETH", "-1.5")
    fill, result, _fee = _expect(system, 1, cross, wad("1.5"))
    engine.close_position(cross, 1, fill, sender=trader)
    assert engine.position_of(cross, 1).size == 0 and result.size == 0


def test_acceptable_price__follows_the_trade_direction(system, trader, cross, trade):
    engine = system.engine
    # Buying: fill <= acceptable.
    fill, _result, _fee = _expect(system, 1, cross, wad("1"))
    with ape.reverts("registry: price not acceptable"):
        engine.modify_position(cross, 1, wad("1"), fill - 1, sender=trader)
    engine.modify_position(cross, 1, wad("1"), fill, sender=trader)
    # Selling (here: closing the long): fill >= acceptable.
    fill, _result, _fee = _expect(system, 1, cross, -wad("1"))
    with ape.reverts("registry: price not acceptable"):
        engine.close_position(cross, 1, fill + 1, sender=trader)
    engine.close_position(cross, 1, fill, sender=trader)
    # Opening a short sells; closing it buys.
    fill, _result, _fee = _expect(system, 2, cross, -wad("0.1"))
    with ape.reverts("registry: price not acceptable"):
        engine.modify_position(cross, 2, -wad("0.1"), fill + 1, sender=trader)
    engine.modify_position(cross, 2, -wad("0.1"), fill, sender=trader)
    fill, _result, _fee = _expect(system, 2, cross, wad("0.1"))
    with ape.reverts("registry: price not acceptable"):
        engine.close_position(cross, 2, fill - 1, sender=trader)
    engine.close_position(cross, 2, fill, sender=trader)


def test_zero_size_and_unknown_market(system, trader, cross):
    engine = system.engine
    with ape.reverts("engine: zero size"):
        engine.modify_position(cross, 1, 0, MAX_UINT256, sender=trader)
    for market_id in (0, 4):
        with ape.reverts("registry: unknown market"):
            engine.modify_position(
                cross, market_id, wad("1"), MAX_UINT256, sender=trader
            )


def test_controller_and_account_checks(system, trader, stranger, operator, cross):
    engine = system.engine
    with ape.reverts("engine: unknown account"):
        engine.modify_position(999, 1, wad("1"), MAX_UINT256, sender=trader)
    with ape.reverts("engine: not owner or operator"):
        engine.modify_position(cross, 1, wad("1"), MAX_UINT256, sender=stranger)
    with ape.reverts("engine: not owner or operator"):
        engine.close_position(cross, 1, 0, sender=stranger)
    engine.set_operator(operator, True, sender=trader)
    engine.modify_position(cross, 1, wad("1"), MAX_UINT256, sender=operator)
    engine.close_position(cross, 1, 0, sender=operator)


def test_disabled_market__blocks_opening_not_closing(
    system, owner, trader, cross, trade
):
    engine, registry = system.engine, system.registry
    trade(trader, cross, "ETH", "2")
    registry.set_market(
        1, dataclasses.replace(ETH, enabled=False).params(), sender=owner
    )
    with ape.reverts("registry: market disabled"):
        trade(trader, cross, "ETH", "1")
    with ape.reverts("registry: market disabled"):  # a flip opens the other side
        trade(trader, cross, "ETH", "-3")
    trade(trader, cross, "ETH", "-1")  # a decrease works
    engine.close_position(cross, 1, 0, sender=trader)
    assert engine.position_of(cross, 1).size == 0


def test_min_notional__open_and_after_decrease(system, owner, trader, cross, trade):
    """Min notional 1,000 USD: 0.33 ETH (≈ 990 USD) cannot open; 0.34 can; a decrease that
    leaves less than the minimum reverts; closing all works."""
    registry, engine = system.registry, system.engine
    registry.set_market(
        1, dataclasses.replace(ETH, min_notional="1000").params(), sender=owner
    )
    with ape.reverts("registry: position below min notional"):
        trade(trader, cross, "ETH", "0.33")
    trade(trader, cross, "ETH", "0.34")
    trade(trader, cross, "ETH", "0.34")
    with ape.reverts("registry: position below min notional"):
        trade(trader, cross, "ETH", "-0.35")  # leaves 0.33
    trade(trader, cross, "ETH", "-0.34")  # leaves 0.34
    engine.close_position(cross, 1, 0, sender=trader)


def test_bucket__one_position(system, trader, funded_account, trade):
    engine = system.engine
    bucket = funded_account(trader, ISOLATED, USDC=10_000)
    trade(trader, bucket, "ETH", "1")
    with ape.reverts("engine: bucket holds another position"):
        trade(trader, bucket, "BTC", "0.01")
    trade(trader, bucket, "ETH", "1")  # the same market grows
    engine.close_position(bucket, 1, 0, sender=trader)
    trade(trader, bucket, "BTC", "0.01")  # the slot is free again
    assert [p.market_id for p in engine.positions_of(bucket)] == [2]


def test_cross__max_positions(system, owner, trader, cross, trade):
    engine, registry = system.engine, system.registry
    cap = engine.MAX_POSITIONS()
    assert cap == 10
    for i in range(cap - len(registry.markets())):
        receipt = registry.list_market(
            system.tokens["WETH"], ETH.params(), sender=owner
        )
        system.markets[f"ETH{i}"] = receipt.return_value
    names = [n for n in system.markets if n != "MEME"][: cap - 1] + ["MEME"]
    sizes = {"ETH": "0.01", "BTC": "0.001", "MEME": "100"}
    for name in names:
        trade(trader, cross, name, sizes.get(name, "0.01"))
    assert len(engine.positions_of(cross)) == cap
    extra = registry.list_market(
        system.tokens["WETH"], ETH.params(), sender=owner
    ).return_value
    with ape.reverts("engine: position slots full"):
        engine.modify_position(cross, extra, wad("0.01"), MAX_UINT256, sender=trader)
    trade(trader, cross, "ETH", "0.01")  # growing a held position takes no slot
    engine.close_position(cross, 1, 0, sender=trader)
    engine.modify_position(cross, extra, wad("0.01"), MAX_UINT256, sender=trader)
    assert [p.market_id for p in engine.positions_of(cross)][-1] == extra


def test_open_interest__cap_per_side(
    system, owner, trader, trader2, cross, funded_account, trade
):
    """OI cap 30,000 USD per side (at the oracle price, 3,000): 10 ETH fit, 10.000001 do not;
    the short side has its own cap; a decrease is never capped."""
    registry = system.registry
    registry.set_market(
        1, dataclasses.replace(ETH, oi_cap="30000").params(), sender=owner
    )
    other = funded_account(trader2, CROSS, USDC=100_000)
    trade(trader, cross, "ETH", "6")
    with ape.reverts("registry: open interest cap"):
        trade(trader2, other, "ETH", "4.000001")
    trade(trader2, other, "ETH", "4")
    trade(trader2, other, "ETH", "-14")  # flip: 10 short, the short side's own cap
    with ape.reverts("registry: open interest cap"):
        trade(trader, cross, "ETH", "-6.1")  # a flip to 0.1 short: 10.1 short in all
    state = registry.market_state(1)
    assert (state.long_size, state.short_size) == (wad("6"), wad("10"))
    registry.set_market(1, dataclasses.replace(ETH, oi_cap="1").params(), sender=owner)
    trade(trader, cross, "ETH", "-1")  # decreasing above the cap works


def test_open_interest__vault_share(system, owner, trader, cross, trade):
    """oi_share bounds each side by a share of the vault's assets (1,000,000 USDC here):
    0.1 % = 1,000 USD, i.e. 0.3333 ETH at 3,000."""
    registry = system.registry
    registry.set_market(
        1, dataclasses.replace(ETH, oi_share="0.001").params(), sender=owner
    )
    with ape.reverts("registry: open interest above oi share"):
        trade(trader, cross, "ETH", "0.34")
    trade(trader, cross, "ETH", "0.333")
    with ape.reverts("registry: open interest above oi share"):
        trade(trader, cross, "ETH", "0.001")
    trade(trader, cross, "ETH", "-0.333")


def test_initial_requirement__checked_after_opening(
    system, trader, funded_account, trade
):
    """1,000 USDC (CF 0.95) backs about 3 ETH of longs at 10 % initial margin: 3.1 ETH
    (9,300 USD: 930 required, against 0.95 × (1,000 − 4.7 fee) − 46.5 spread loss = 899)
    fails, 2.5 ETH passes, and growing it to 3.1 fails."""
    engine = system.engine
    bucket = funded_account(trader, ISOLATED, USDC=1_000)
    with ape.reverts("engine: initial requirement not met"):
        trade(trader, bucket, "ETH", "3.1")
    trade(trader, bucket, "ETH", "2.5")
    h = engine.account_health(bucket)
    assert h.equity_init >= h.init_req
    with ape.reverts("engine: initial requirement not met"):
        trade(trader, bucket, "ETH", "0.6")
    trade(trader, bucket, "ETH", "-1")  # a decrease is never checked


def test_open_isolated__one_call(system, trader, operator, stranger, fund):
    engine, quote = system.engine, system.quote
    amount = fund(trader, "USDC", 5_000)
    with ape.reverts("engine: not owner or operator"):
        engine.open_isolated(
            trader, quote, amount, 1, wad("1"), MAX_UINT256, sender=stranger
        )
    receipt = engine.open_isolated(
        trader, quote, amount, 1, wad("1"), MAX_UINT256, sender=trader
    )
    bucket = receipt.return_value
    assert engine.owner_of(bucket) == trader and engine.mode_of(bucket) == ISOLATED
    assert engine.position_of(bucket, 1).size == wad("1")
    assert engine.collaterals_of(bucket) == [quote]
    # An operator opens a bucket for the owner with its own tokens.
    engine.set_operator(operator, True, sender=trader)
    amount = fund(operator, "USDC", 5_000)
    spent = quote.balanceOf(operator)
    bucket2 = engine.open_isolated(
        trader, quote, amount, 2, -wad("0.05"), 0, sender=operator
    ).return_value
    assert engine.owner_of(bucket2) == trader
    assert quote.balanceOf(operator) == spent - amount
    assert engine.accounts_of(trader, 0, 10) == [bucket, bucket2]


def test_open_isolated__failures_leave_nothing(system, trader, fund):
    engine, quote = system.engine, system.quote
    amount = fund(trader, "USDC", 100)
    count = engine.account_count()
    with ape.reverts("engine: zero amount"):
        engine.open_isolated(trader, quote, 0, 1, wad("1"), MAX_UINT256, sender=trader)
    with ape.reverts("engine: initial requirement not met"):
        engine.open_isolated(
            trader, quote, amount, 1, wad("1"), MAX_UINT256, sender=trader
        )
    with ape.reverts("registry: unknown market"):
        engine.open_isolated(
            trader, quote, amount, 9, wad("1"), MAX_UINT256, sender=trader
        )
    assert engine.account_count() == count


def test_open_isolated__non_quote_collateral_fee_becomes_settlement_debt(
    system, trader, fund
):
    """A WETH-only bucket has no quote to pay the fee: it becomes debt, exempt from the
    minimum debt (10 USDC), and the bucket is active."""
    engine, weth = system.engine, system.tokens["WETH"]
    amount = fund(trader, "WETH", 1)
    delta = wad("0.5")
    fill, _result, fee = _expect(system, 1, 0, delta)
    receipt = engine.open_isolated(
        trader, weth, amount, 1, delta, MAX_UINT256, sender=trader
    )
    bucket = receipt.return_value
    fee_q = _quote_amount(system, fee, up=True)
    assert 0 < engine.debt_of(bucket) < engine.min_debt()
    assert engine.debt_of(bucket) == fee_q  # debt index 1 at the first debt
    settled = receipt.events.filter(engine.PnlSettled)[0]
    assert (settled.amount, settled.from_collateral) == (-fee_q, 0)
    assert settled.debt_shares_minted == engine.debt_shares_of(bucket)
    assert engine.is_active(bucket)
    assert fill > 0


def test_side_size__beyond_its_packed_field_reverts(
    system, owner, lp, trader, funded_account, set_price
):
    """A side's size is stored in 112 bits (5.2 × 10**15 whole tokens). A MEME market at
    0.0001 USD with a huge cap and vault: 10**15 tokens open; 2**112 WAD more cannot."""
    engine, registry, vault, quote = (
        system.engine,
        system.registry,
        system.vault,
        system.quote,
    )
    set_price("MEME", "0.0001")
    meme = dataclasses.replace(
        PERPS[2],
        initial="0.02",
        maintenance="0.015",
        trading_fee="0.001",
        liquidation_fee="0.001",
        skew_impact_scale=str(10**20),
        skew_scale=str(10**20),
        oi_cap=str(10**20),
        oi_share="1",
    )
    registry.set_market(3, meme.params(), sender=owner)
    quote.mint(lp, 10**12 * system.q, sender=lp)
    vault.deposit(10**12 * system.q, lp, sender=lp)
    account = funded_account(trader, CROSS, USDC=10**11)
    engine.modify_position(account, 3, wad(10**15), MAX_UINT256, sender=trader)
    with ape.reverts("bulkhead: value out of range"):
        engine.modify_position(account, 3, 2**112, MAX_UINT256, sender=trader)
    assert registry.market_state(3).long_size == wad(10**15)
