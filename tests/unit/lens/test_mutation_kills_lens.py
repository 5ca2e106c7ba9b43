"""Tests added for survivors of the mutation run (docs/mutation.md), Lens side.

- A vault with no cash at all: a liquidation whose close realises more than the debt turns
  the rest into a claim (`pay_pnl` pays nothing); the Lens replays that settlement exactly.
- A cross account at every limit (the quote, MAX_COLLATERALS tokens, MAX_POSITIONS
  positions): the Lens reads all of its prices in one batch and still quotes it.
"""

from __future__ import annotations

from engine_defaults import CROSS, PERPS, ZERO_ADDRESS
from lens_helpers import account, arm, quote_then_liquidate, set_price, trade
from test_quote_liquidation import assert_quote_is_execution

ETH = PERPS[0]


def test_vault_without_cash__profit_beyond_the_debt_becomes_a_claim__quote_is_execution(
    project, deploy_engine, chain, owner, trader, trader2, liquidator
):
    env = deploy_engine(lp_seed=10_000)
    env.lens = project.Lens.deploy(env.engine, sender=owner)
    a = account(env, trader, CROSS, WETH=2)
    trade(env, trader, a, "BTC", "-0.08")
    env.engine.borrow(a, 680 * env.q, trader, sender=trader)
    borrower = account(env, trader2, CROSS, WETH=10)
    env.engine.borrow(borrower, env.vault.free_cash(), trader2, sender=trader2)
    assert env.vault.cash() == 0 == env.vault.total_claims()
    # The short gains about 776 USD: more than the debt and the close's fees (about 42),
    # less than the debt plus the maintenance requirement (200) minus the collateral (the
    # WETH, crashed to 50 USD: 42.5 at its LT): liquidatable, and the close leaves a rest.
    set_price(env, owner, "WBTC", "50000")
    set_price(env, owner, "WETH", "50")
    assert env.engine.is_liquidatable(a)
    arm(env, liquidator)
    quote, receipt, before, after = quote_then_liquidate(
        env, chain, liquidator, a, env.tokens["WETH"]
    )
    settled = receipt.events.filter(env.engine.PnlSettled)[0]
    assert settled.debt_shares_repaid == before["shares"] and after["shares"] == 0
    assert settled.paid == 0 and settled.claimed > 0  # no cash: the rest is a claim
    assert after["claim"] == settled.claimed == env.vault.claim_of(a)
    assert quote.fee == 0 and not quote.seizes  # no cash for the fee; healthy after
    assert_quote_is_execution(env, quote, receipt, before, after, liquidator)


def test_account_at_every_limit__quoted_in_one_price_batch(lens_env, owner, trader):
    """The quote, MAX_COLLATERALS tokens and MAX_POSITIONS markets: MAX_ASSETS prices."""
    env = lens_env
    engine, registry = env.engine, env.registry
    tokens = [s for s in env.tokens if s != "USDC"]
    assert len(tokens) == engine.MAX_COLLATERALS()
    a = account(env, trader, CROSS, USDC=100_000, **{s: 10 for s in tokens})
    while len(registry.markets()) < engine.MAX_POSITIONS():
        market = registry.list_market(env.tokens["WETH"], ETH.params(), sender=owner)
        env.engine.modify_position(
            a, market.return_value, 10**16, 2**256 - 1, sender=trader
        )
    for name in ("ETH", "BTC", "MEME"):
        trade(
            env, trader, a, name, {"ETH": "0.01", "BTC": "0.001", "MEME": "100"}[name]
        )
    assert len(engine.positions_of(a)) == engine.MAX_POSITIONS()
    assert len(engine.collaterals_of(a)) == engine.MAX_COLLATERALS() + 1
    quote = env.lens.quote_liquidation(a, ZERO_ADDRESS)
    assert quote.reverts and quote.reason == "engine: not liquidatable"
    assert quote.health_before == engine.health_factor(a)
