"""Lens.quote_liquidation: the quote is what MarginEngine.liquidate then does.

Same block, same state (the quote read with eth_call in the pending block the transaction
is mined in): every figure is exact, for borrow-only accounts and for perps accounts (the
Lens replays the engine's settlement and lets the registry plan the closes and the seize).
Read one block earlier, as a bot does, a perps or debt quote drifts only by the interest
and funding accrued over the gap: `drift_bound` below is the stated tolerance."""

from __future__ import annotations

import ape
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, WAD, ZERO_ADDRESS, wad
from lens_helpers import account, arm, fund, quote_then_liquidate, set_price, trade


def _price(env, token) -> int:
    return env.oracle.price_info(token)[0]


def _seize_value(env, quote, amounts_tokens) -> int:
    """Σ floor(floor(amount × price / unit) × quote_unit / quote_price), as the Lens values it."""
    qp = _price(env, env.quote)
    total = 0
    for token, amount in amounts_tokens:
        decimals = env.engine.collateral_config(token).decimals
        total += amount * _price(env, token) // 10**decimals * env.q // qp
    return total


def assert_quote_is_execution(env, quote, receipt, before, after, liquidator):
    """Every figure of the quote against the transaction and the state it left."""
    assert not quote.reverts and quote.reason == ""
    assert receipt.return_value == (quote.repay, quote.seized, quote.fee)
    event = receipt.events.filter(env.engine.Liquidated)[0]
    assert (event.repaid, event.seized, event.fee, event.health_before) == (
        quote.repay,
        quote.seized,
        quote.fee,
        quote.health_before,
    )
    # step 2: the closes, in order, with what each realised and cost
    closed = receipt.events.filter(env.registry.PositionLiquidated)
    assert [
        (e.market_id, e.size, e.price, e.realised_pnl, e.trading_fee, e.liquidation_fee)
        for e in closed
    ] == [
        (c.market_id, c.size, c.price, c.realised, c.trading_fee, c.liquidation_fee)
        for c in quote.closes
    ]
    # step 3: each token seized left the account and reached the liquidator
    seized = dict(zip(quote.tokens, quote.amounts, strict=True))
    q = env.quote.address
    for token, amount in seized.items():
        assert after["liquidator"][token] - before["liquidator"][token] == amount + (
            quote.fee - quote.repay if token == q else 0
        )
        if token != q:
            assert before["account"][token] - after["account"][token] == amount
    if not quote.seizes:
        assert quote.tokens == [] and quote.amounts == [] and quote.repay == 0
        assert after["liquidator"][q] - before["liquidator"][q] == quote.fee
    assert quote.seize_value == _seize_value(env, quote, seized.items())
    assert quote.gain == quote.fee + quote.seize_value - quote.repay
    # step 4 and the account afterwards
    written = receipt.events.filter(env.engine.BadDebtWrittenOff)
    assert quote.write_off == (written[0].assets if written else 0)
    assert env.engine.health_factor(quote.account_id) == quote.health_after


def rates(env, account_id) -> tuple[int, dict[int, int]]:
    """The vault's borrow rate and each of the account's markets' funding rate (the paying
    side's, rounded up), WAD per second, read before the liquidation changes them."""
    markets = {p.market_id for p in env.engine.positions_of(account_id)}
    return env.vault.borrow_rate(), {
        m: env.registry.market_state(m).rate_up for m in markets
    }


def drift_bound(env, quote, debt: int, rates_before, gap: int) -> int:
    """The stated tolerance of a quote read `gap` seconds before execution, quote units:
    the debt's interest plus the funding of every quoted position over the gap, at the
    rates read before (`rates`), plus 10 % (the bonus on a seize they move) and 2 wei of
    rounding."""
    borrow_rate, funding_rates = rates_before
    interest = debt * borrow_rate * gap // WAD + 1
    funding_usd = sum(
        c.notional * funding_rates[c.market_id] * gap // WAD + 1 for c in quote.closes
    )
    funding = funding_usd * env.q // WAD + 1
    return (interest + funding) * 11 // 10 + 2


# ---- borrow-only accounts: exact ----------------------------------------------------------
def test_borrow_only_cross__partial_close__quote_is_execution(
    lens_env, chain, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, CROSS, WETH=1)
    env.engine.borrow(a, 2400 * env.q, trader, sender=trader)
    set_price(env, owner, "WETH", "2800")
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.tokens["WETH"]
    )
    assert quote.seizes and quote.closes == [] and quote.fee == 0
    debt = -(
        -before["shares"] * env.vault.debt_index() // WAD
    )  # at execution, rounded up
    assert quote.repay == debt // 2  # the close factor: half the debt
    assert quote.health_before < wad(1) and quote.write_off == 0
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_healthy_account__quote_reverts_like_the_engine(
    lens_env, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, CROSS, WETH=1)
    env.engine.borrow(a, 2000 * env.q, trader, sender=trader)
    arm(env, liquidator)
    quote = env.lens.quote_liquidation(a, env.tokens["WETH"])
    assert (quote.reverts, quote.reason) == (True, "engine: not liquidatable")
    assert quote.health_before == env.engine.health_factor(a) > wad(1)
    assert (quote.repay, quote.seized, quote.fee, quote.gain) == (0, 0, 0, 0)
    with ape.reverts("engine: not liquidatable"):
        env.engine.liquidate(
            a, MAX_UINT256, env.tokens["WETH"], 0, liquidator, sender=liquidator
        )


def test_unknown_account__quote_reverts_like_the_engine(lens_env, liquidator):
    env = lens_env
    missing = env.engine.account_count() + 1
    quote = env.lens.quote_liquidation(missing, ZERO_ADDRESS)
    assert (quote.reverts, quote.reason, quote.health_before) == (
        True,
        "engine: unknown account",
        MAX_UINT256,
    )
    with ape.reverts("engine: unknown account"):
        env.engine.liquidate(
            missing, MAX_UINT256, ZERO_ADDRESS, 0, liquidator, sender=liquidator
        )


def test_borrow_only_bucket__full_close_and_write_off__quote_is_execution(
    lens_env, chain, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, ISOLATED, WETH=1)
    env.engine.borrow(a, 2400 * env.q, trader, sender=trader)
    set_price(env, owner, "WETH", "2500")
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.tokens["WETH"]
    )
    # the whole WETH is seized (its value at the bonus is below the debt); the rest is written off
    assert quote.amounts == [0, wad(1)] and quote.write_off > 0
    assert quote.health_after == MAX_UINT256 and after["shares"] == 0
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_seize_quote_token__quote_is_execution(
    lens_env, chain, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, CROSS, USDC=1000, WETH=1)
    env.engine.borrow(a, 3300 * env.q, trader, sender=trader)
    set_price(env, owner, "WETH", "2700")
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.quote
    )
    assert (
        quote.tokens[0] == env.quote.address
        and quote.amounts[0] > 0
        and quote.amounts[1] == 0
    )
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_seize_token_not_held__quote_reverts_like_the_engine(
    lens_env, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, CROSS, WETH=1)
    env.engine.borrow(a, 2400 * env.q, trader, sender=trader)
    set_price(env, owner, "WETH", "2800")
    arm(env, liquidator)
    quote = env.lens.quote_liquidation(a, env.tokens["WBTC"])
    assert (quote.reverts, quote.reason) == (True, "liquidation: seize token not held")
    assert quote.health_before < wad(1)
    with ape.reverts("liquidation: seize token not held"):
        env.engine.liquidate(
            a, MAX_UINT256, env.tokens["WBTC"], 0, liquidator, sender=liquidator
        )


def test_capped_repay__quote_is_execution(lens_env, chain, owner, trader, liquidator):
    env = lens_env
    a = account(env, trader, CROSS, WETH=1)
    env.engine.borrow(a, 2400 * env.q, trader, sender=trader)
    set_price(env, owner, "WETH", "2800")
    arm(env, liquidator)
    cap = 100 * env.q
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.tokens["WETH"], cap=cap
    )
    assert quote.repay_cap == cap and quote.repay == cap
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_zero_cap__no_seize_step(lens_env, owner, trader):
    env = lens_env
    a = account(env, trader, CROSS, WETH=1)
    env.engine.borrow(a, 2400 * env.q, trader, sender=trader)
    set_price(env, owner, "WETH", "2800")
    quote = env.lens.quote_liquidation_capped(a, env.tokens["WETH"], 0)
    assert not quote.reverts and not quote.seizes
    assert (quote.repay, quote.seized, quote.gain, quote.write_off) == (0, 0, 0, 0)
    assert quote.health_after == quote.health_before


# ---- sweep ---------------------------------------------------------------------------------
def test_sweep__every_token_and_write_off__quote_is_execution(
    lens_env, chain, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, CROSS, WETH=1, MEME=1000)
    env.engine.borrow(a, 2500 * env.q, trader, sender=trader)
    set_price(env, owner, "WETH", "1500")
    set_price(env, owner, "MEME", "0.1")
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, ZERO_ADDRESS
    )
    assert quote.seizes and quote.seized == quote.seize_value
    assert sorted(quote.amounts) == sorted([0, wad(1), wad(1000)])
    assert quote.write_off > 0 and after["shares"] == 0
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_sweep_above_debt__quote_reverts_like_the_engine(
    lens_env, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, CROSS, WETH=1)
    env.engine.borrow(a, 2400 * env.q, trader, sender=trader)
    set_price(env, owner, "WETH", "2800")
    arm(env, liquidator)
    quote = env.lens.quote_liquidation(a, ZERO_ADDRESS)
    assert (quote.reverts, quote.reason) == (True, "liquidation: sweep above debt")
    with ape.reverts("liquidation: sweep above debt"):
        env.engine.liquidate(
            a, MAX_UINT256, ZERO_ADDRESS, 0, liquidator, sender=liquidator
        )


# ---- perps accounts: exact in the same block ------------------------------------------------
def test_perps_bucket__loss_within_collateral__quote_is_execution(
    lens_env, chain, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, ISOLATED, USDC=500)
    trade(env, trader, a, "ETH", "1")
    set_price(env, owner, "WETH", "2650")
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.quote
    )
    assert [c.market_id for c in quote.closes] == [env.markets["ETH"]] and quote.fee > 0
    assert not quote.seizes and quote.health_after == MAX_UINT256  # nothing left owed
    assert after["positions"] == [] and after["account"][env.quote.address] > 0
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_perps_bucket__loss_above_collateral__settlement_debt_written_off(
    lens_env, chain, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, ISOLATED, USDC=500)
    trade(env, trader, a, "ETH", "1")
    set_price(env, owner, "WETH", "2400")
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.quote
    )
    assert quote.closes[0].realised < -500 * WAD and quote.write_off > 0
    assert after["shares"] == 0 and after["account"][env.quote.address] == 0
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_perps_cross_with_debt__close_then_seize__quote_is_execution(
    lens_env, chain, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, CROSS, WETH=2)
    env.engine.borrow(a, 3000 * env.q, trader, sender=trader)
    trade(env, trader, a, "ETH", "5")
    set_price(env, owner, "WETH", "2600")
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.tokens["WETH"]
    )
    assert len(quote.closes) == 1 and quote.seizes and quote.amounts[1] > 0
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_perps_cross__plan_stops_at_the_buffer__quote_is_execution(
    lens_env, chain, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, CROSS, USDC=2000)
    trade(env, trader, a, "ETH", "3")
    trade(env, trader, a, "BTC", "0.02")
    set_price(env, owner, "WETH", "2450")
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.quote
    )
    # the ETH loss closes first; the equity then covers LIQ_BUFFER × the BTC requirement
    assert [c.market_id for c in quote.closes] == [env.markets["ETH"]]
    assert after["positions"] == [(env.markets["BTC"], wad("0.02"))]
    assert not quote.seizes and quote.health_after_close >= wad(1)
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_perps_and_debt__quote_one_block_early__within_drift_bound(
    lens_env, chain, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, CROSS, WETH=2)
    env.engine.borrow(a, 3000 * env.q, trader, sender=trader)
    trade(env, trader, a, "ETH", "5")
    set_price(env, owner, "WETH", "2600")
    arm(env, liquidator)
    gap = 3_600
    debt, rates_before = env.engine.debt_of(a), rates(env, a)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.tokens["WETH"], gap=gap
    )
    repaid, seized, fee = receipt.return_value
    closed = receipt.events.filter(env.registry.PositionLiquidated)[0]
    written = receipt.events.filter(env.engine.BadDebtWrittenOff)[0].assets
    bound = drift_bound(env, quote, debt, rates_before, gap)
    weth = _price(env, env.tokens["WETH"])
    # the funding accrued over the gap moved the realised loss, and so the write-off ...
    assert closed.realised_pnl != quote.closes[0].realised
    assert abs(closed.realised_pnl - quote.closes[0].realised) * env.q // WAD <= bound
    assert written != quote.write_off and abs(written - quote.write_off) <= bound
    # ... and nothing else: the notional (fee) and the seize are priced, not accrued
    assert fee == quote.fee and abs(repaid - quote.repay) <= bound
    assert abs(seized - quote.seized) * weth // WAD * env.q // WAD <= bound
    gain = fee + seized * weth // WAD * env.q // WAD - repaid
    assert abs(gain - quote.gain) <= bound
    print(
        f"drift over {gap} s: realised {closed.realised_pnl - quote.closes[0].realised} USD wei, "
        f"write-off {written - quote.write_off} quote units, bound {bound}"
    )


def test_vault_short_of_cash__fee_capped__quote_is_execution(
    project, deploy_engine, chain, owner, trader, trader2, liquidator
):
    """pay_fee pays the liquidation fee only as far as the vault's cash above claims goes:
    the quote caps it the same way."""
    env = deploy_engine(lp_seed=10_000)
    env.lens = project.Lens.deploy(env.engine, sender=owner)
    borrower = account(env, trader2, CROSS, WETH=5)
    env.engine.borrow(
        borrower, 9_990 * env.q, trader2, sender=trader2
    )  # the vault's cash
    a = account(env, trader, ISOLATED, WETH=1)
    trade(env, trader, a, "ETH", "1")
    set_price(env, owner, "WETH", "1300")
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.tokens["WETH"]
    )
    full_fee = quote.closes[0].liquidation_fee * env.q // _price(env, env.quote)
    assert 0 < quote.fee < full_fee  # capped by the cash
    assert quote.seizes and quote.write_off > 0
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_perps_profit_repays_debt__quote_is_execution(
    lens_env, chain, owner, trader, liquidator
):
    env = lens_env
    a = account(env, trader, CROSS, WETH=2)
    env.engine.borrow(a, 4000 * env.q, trader, sender=trader)
    trade(env, trader, a, "BTC", "-0.05")
    set_price(env, owner, "WBTC", "57000")  # the short gains
    set_price(env, owner, "WETH", "2300")  # the collateral falls
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.tokens["WETH"]
    )
    assert (
        quote.closes[0].realised
        > quote.closes[0].liquidation_fee + quote.closes[0].trading_fee
    )
    assert 0 < after["shares"] < before["shares"]  # the net profit repaid debt
    assert not quote.seizes  # and the account is healthy again
    settled = receipt.events.filter(env.engine.PnlSettled)[0]
    assert settled.debt_shares_repaid == before["shares"] - after["shares"]
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_claim_collected_first__quote_is_execution(
    project, deploy_engine, chain, owner, trader, trader2, liquidator
):
    """An account whose profit the vault could not pay holds a claim; the liquidation
    collects what the vault's cash allows first, and the quote does the same."""
    env = deploy_engine(lp_seed=10_000)
    env.lens = project.Lens.deploy(env.engine, sender=owner)
    a = account(env, trader, CROSS, USDC=1000)
    trade(env, trader, a, "ETH", "1")
    trade(env, trader, a, "BTC", "0.05")
    borrower = account(env, trader2, CROSS, WETH=10)
    env.engine.borrow(
        borrower, env.vault.free_cash() - 5 * env.q, trader2, sender=trader2
    )
    set_price(env, owner, "WETH", "3300")
    env.engine.close_position(
        a, env.markets["ETH"], 0, sender=trader
    )  # profit > cash: a claim
    assert env.engine.claim_of(a) > 0
    fund(env, trader2, "USDC", 100)
    env.engine.repay(
        borrower, 100 * env.q, sender=trader2
    )  # cash comes back: 100 of it
    set_price(env, owner, "WBTC", "37000")
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.quote
    )
    collected = receipt.events.filter(env.engine.ClaimCollected)
    assert [c.amount for c in collected] == [100 * env.q]
    assert after["claim"] == before["claim"] - 100 * env.q
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)
