"""The core flows on REAL systems at every decimals combination (matrix_helpers.COMBOS: quote
6 / 18, collateral 6 / 8 / 18, feeds 8 / 18), each amount checked exactly: the expected
figure is computed from the chain's inputs with the documented formula (docs/vault.md,
docs/perps.md, docs/liquidation.md, DESIGN.md Health) and checked against the exact model
(tests/differential/exact_model.py) for its rounding side, and every balance the flow
touches moves by exactly that amount. Each success has its failure twin.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor

import ape
from diff_cases import Pricing
from diff_chain import health_case_of
from exact_model import (
    WAD,
    Check,
    Favour,
    Report,
    health_checks,
    health_decisions,
    seize_bound,
    seize_exact,
    to_assets,
    to_shares,
)
from matrix_helpers import (
    account,
    event,
    fund,
    odd_price,
    price_wad,
    republish,
    set_price,
    units,
)

CROSS, ISOLATED = 2, 1
MAX_UINT256 = 2**256 - 1


def _health_clean(env, account_id: int) -> None:
    """The engine's account_health against the exact model, decisions identical."""
    h = env.engine.account_health(account_id)
    case = health_case_of(env, account_id)
    report = Report()
    report.add(
        account_id,
        health_checks(case, h),
        health_decisions(case, h, h.equity_init >= h.init_req),
    )
    report.assert_clean()


def test_lp_deposit_redeem(matrix_env, lp2):
    """An LP deposits 12,345.678901 quote and redeems every share: shares and assets at the
    entry / exit price with the virtual offset, rounded down (the vault's favour), never a
    profit on the round trip; share decimals = quote decimals + 6."""
    env = matrix_env
    vault, quote = env.vault, env.quote
    amount = units(env, "USDC", "12345.678901")
    fund(env, lp2, "USDC", amount, spender=vault)
    assert vault.decimals() == env.combo.quote + 6
    assert env.engine.vault_marks()[2] == 0  # no open interest: no band
    total, supply, cash = vault.totalAssets(), vault.totalSupply(), vault.cash()
    shares = floor(to_shares(amount, supply, total + 1))
    assert vault.previewDeposit(amount) == shares > 0
    assert vault.deposit(amount, lp2, sender=lp2).return_value == shares
    assert (vault.balanceOf(lp2), quote.balanceOf(lp2)) == (shares, 0)
    assert (vault.cash(), vault.totalAssets(), vault.totalSupply()) == (
        cash + amount,
        total + amount,
        supply + shares,
    )

    total, supply = vault.totalAssets(), vault.totalSupply()
    assets = floor(to_assets(shares, supply, total + 1))
    assert (
        Check("redeem", assets, Fraction(amount), Favour.DOWN, Fraction(2)).problem()
        is None
    )
    with ape.reverts("vault: zero shares"):
        vault.redeem(0, lp2, lp2, sender=lp2)
    assert vault.redeem(shares, lp2, lp2, sender=lp2).return_value == assets
    assert (vault.balanceOf(lp2), quote.balanceOf(lp2)) == (0, assets)
    assert (vault.cash(), vault.totalSupply()) == (
        cash + amount - assets,
        supply - shares,
    )


def test_collateral_deposit_withdraw(matrix_env, owner, trader):
    """1.234567 WETH in, valued at a price using all the feed's decimals (each value and
    weight rounded down), 0.5 WETH out to the trader; a withdrawal above the balance
    reverts."""
    env = matrix_env
    engine, weth = env.engine, env.tokens["WETH"]
    amount = units(env, "WETH", "1.234567")
    a = account(env, trader, CROSS, WETH=amount)
    assert (engine.collateral_of(a, weth), engine.total_collateral(weth)) == (
        amount,
        amount,
    )
    assert weth.balanceOf(engine) == amount
    set_price(env, owner, "WETH", odd_price(env, "3001"))
    price = price_wad(env, "WETH")
    assert price == int(
        Fraction(odd_price(env, "3001")) * WAD
    )  # scaled exactly from the feed
    h = engine.account_health(a)
    value = floor(Fraction(amount * price, 10**env.combo.collateral))
    assert h.wc_maint == floor(Fraction(value * 85, 100))
    assert h.wc_init == floor(Fraction(value * 80, 100))
    _health_clean(env, a)

    with ape.reverts("engine: amount above balance"):
        engine.withdraw_collateral(a, weth, amount + 1, trader, sender=trader)
    half = units(env, "WETH", "0.5")
    engine.withdraw_collateral(a, weth, half, trader, sender=trader)
    assert (engine.collateral_of(a, weth), engine.total_collateral(weth)) == (
        amount - half,
        amount - half,
    )
    assert (weth.balanceOf(trader), weth.balanceOf(engine)) == (half, amount - half)


def test_borrow_repay(matrix_env, owner, chain, trader):
    """1.999999 WETH backs a borrow, the quote priced at 0.9998 USD: the largest amount with
    ceil(amount × 0.9998 / quote unit) <= wc_init borrows (one more unit reverts with the
    initial-requirement reason); the debt shares are minted rounded up; after 30 days the
    full repay pays ceil(shares × index / WAD) at that block's index."""
    env = matrix_env
    engine, vault, quote = env.engine, env.vault, env.quote
    qu = 10**env.combo.quote
    a = account(env, trader, CROSS, WETH=units(env, "WETH", "1.999999"))
    set_price(env, owner, "USDC", "0.9998")
    q = price_wad(env, "USDC")
    wc_init = engine.account_health(a).wc_init
    assert vault.debt_index() == WAD  # nothing borrowed yet in this system
    largest = floor(
        Fraction(wc_init * qu, q)
    )  # ceil(A × q / qu) <= wc_init  <=>  A × q / qu <= wc_init
    with ape.reverts("engine: initial requirement not met"):
        engine.borrow(a, largest + 1, trader, sender=trader)
    receipt = engine.borrow(a, largest, trader, sender=trader)
    index = vault.debt_index()
    shares = ceil(Fraction(largest * WAD, index))
    assert (
        event(receipt, "Borrowed").debt_shares_minted
        == shares
        == engine.debt_shares_of(a)
    )
    assert quote.balanceOf(trader) == largest
    h = engine.account_health(a)
    assert h.debt == ceil(Fraction(ceil(Fraction(shares * index, WAD)) * q, qu))
    assert (
        0 <= h.equity_init < Fraction(q, qu) + 1
    )  # at the boundary, within one quote unit
    _health_clean(env, a)

    chain.mine(timestamp=chain.blocks.head.timestamp + 30 * 86_400)
    republish(env, owner)
    fund(env, trader, "USDC", largest)  # enough for the interest
    before = quote.balanceOf(trader)
    receipt = engine.repay(a, MAX_UINT256, sender=trader)
    paid = ceil(Fraction(shares * vault.debt_index(), WAD))
    assert paid > largest  # interest accrued
    assert event(receipt, "Repaid").amount == paid == before - quote.balanceOf(trader)
    assert engine.debt_shares_of(a) == 0
    with ape.reverts("engine: no debt"):
        engine.repay(a, 1, sender=trader)


def test_perp_open_close(matrix_env, owner, trader):
    """open_isolated with 2,000 quote and 0.5 ETH long, then a close after a 3.3 % rise:
    each fill (buy up, sell down), fee, basis, realised PnL and the quote settled (profit
    rounded down, fee up) checked exactly; closing twice reverts."""
    env = matrix_env
    engine, registry, quote = env.engine, env.registry, env.quote
    qu = 10**env.combo.quote
    m = env.markets["ETH"]
    params = registry.market(m).params
    deposit, size = units(env, "USDC", "2000"), 5 * 10**17
    fund(env, trader, "USDC", deposit)
    set_price(env, owner, "WETH", odd_price(env, "3000"))
    p, q = price_wad(env, "WETH"), price_wad(env, "USDC")
    receipt = engine.open_isolated(
        trader, quote, deposit, m, size, MAX_UINT256, sender=trader
    )
    b = receipt.return_value
    opened = event(receipt, "PositionModified")
    impact = min(Fraction(1, 10), Fraction(size, params.skew_impact_scale))
    report = Report()
    report.add(
        "open",
        [
            Check(
                "fill",
                opened.fill_price,
                p * (1 + Fraction(params.spread, WAD) + impact),
                Favour.UP,
                1 + Fraction(p, WAD),
            ),
            Check(
                "fee",
                opened.fee,
                Fraction(size * opened.fill_price * params.trading_fee, WAD * WAD),
                Favour.UP,
                Fraction(2),
            ),
            Check(
                "basis",
                opened.basis,
                Fraction(size * (opened.fill_price - opened.funding_long), WAD),
                Favour.UP,
            ),
        ],
    )
    fee_q = ceil(Fraction(opened.fee * qu, q))
    assert engine.collateral_of(b, quote) == deposit - fee_q
    assert (opened.size, engine.position_of(b, m).basis) == (size, opened.basis)

    set_price(env, owner, "WETH", odd_price(env, "3100"))
    p = price_wad(env, "WETH")
    before = engine.collateral_of(b, quote)
    closed = event(engine.close_position(b, m, 0, sender=trader), "PositionModified")
    realised = (
        Fraction(size * (closed.fill_price - closed.funding_long), WAD) - opened.basis
    )
    report.add(
        "close",
        [
            Check(
                "fill",
                closed.fill_price,
                p * (1 - Fraction(params.spread, WAD)),
                Favour.DOWN,
                1 + Fraction(p, WAD),
            ),
            Check("realised", closed.realised_pnl, realised, Favour.DOWN),
        ],
    )
    assert closed.realised_pnl > 0 and closed.size == 0
    settled = floor(Fraction(closed.realised_pnl * qu, q)) - ceil(
        Fraction(closed.fee * qu, q)
    )
    report.add(
        "settle",
        [
            Check(
                "quote settled",
                settled,
                (realised - closed.fee) * qu / q,
                Favour.DOWN,
                2 + Fraction(qu, q),
            )
        ],
    )
    report.assert_clean()
    assert engine.collateral_of(b, quote) == before + settled
    with ape.reverts("engine: no position"):
        engine.close_position(b, m, 0, sender=trader)


def test_liquidation(matrix_env, owner, trader, liquidator):
    """1 WETH backing 2,300 quote: healthy at 3,000 (liquidating reverts); at ~2,650 it is
    liquidatable above health 0.95, so the liquidator repays floor(debt / 2) (close factor)
    and receives WETH worth it plus 5 % (rounded down, within the seize bound); every
    balance and the debt shares (burnt rounded down) move by exactly those amounts."""
    env = matrix_env
    engine, vault, quote, weth = env.engine, env.vault, env.quote, env.tokens["WETH"]
    balance = units(env, "WETH", "1")
    a = account(env, trader, CROSS, WETH=balance)
    engine.borrow(a, units(env, "USDC", "2300"), trader, sender=trader)
    fund(env, liquidator, "USDC", units(env, "USDC", "5000"))
    with ape.reverts("engine: not liquidatable"):
        engine.liquidate(a, MAX_UINT256, weth, 0, liquidator, sender=liquidator)

    set_price(env, owner, "WETH", odd_price(env, "2650"))
    p, q = price_wad(env, "WETH"), price_wad(env, "USDC")
    assert engine.is_liquidatable(a)
    _health_clean(env, a)
    shares = engine.debt_shares_of(a)
    quote_before = quote.balanceOf(liquidator)
    receipt = engine.liquidate(a, MAX_UINT256, weth, 0, liquidator, sender=liquidator)
    index = vault.debt_index()  # as of the liquidation's block
    debt = ceil(Fraction(shares * index, WAD))
    liq = event(receipt, "Liquidated")
    assert 95 * 10**16 <= liq.health_before < WAD  # a partial close
    assert liq.repaid == debt // 2  # the close factor, in whole quote units
    pricing = Pricing(
        q,
        10**env.combo.quote,
        p,
        10**env.combo.collateral,
        engine.collateral_config(weth).liquidation_bonus,
    )
    check = Check(
        "seized",
        liq.seized,
        seize_exact(liq.repaid, pricing),
        Favour.DOWN,
        seize_bound(pricing),
    )
    assert check.problem() is None
    assert weth.balanceOf(liquidator) == liq.seized
    assert engine.collateral_of(a, weth) == balance - liq.seized
    assert quote.balanceOf(liquidator) == quote_before - liq.repaid
    assert engine.debt_shares_of(a) == shares - liq.repaid * WAD // index
