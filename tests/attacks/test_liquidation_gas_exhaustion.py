"""Attack: fill an account to its caps so that liquidating it runs out of gas.

The attack. A cross account holds as much as the engine allows: MAX_COLLATERALS non-quote
tokens plus the quote, and MAX_POSITIONS positions, each in a different market with its own
feed (so every one is a separate, cold oracle read). If liquidating it cost more gas than a
block (or a bot's budget) allows, it could never be liquidated and its losses would grow
unchecked; if the Lens could not scan it, bots would never find it.

The defence (DESIGN.md, Accounts and Liquidation; docs/liquidation.md, Measured). Both caps
are small constants ("engine: collateral slots full", "engine: position slots full"), every
loop in `liquidate` is bounded by them, each oracle is read once per call, and a single call
does everything: closes every position, sweeps every token and writes off the rest.

Asserted: the caps hold (one more token, one more position revert, with their reasons);
after a crash of every market the account is found by `Lens.liquidatable`, quoted by
`Lens.quote_liquidation` exactly as it then executes, and liquidated in ONE call that closes
all ten positions, sweeps every token left and writes off the rest, with the measured gas
below GAS_LIMIT (a tenth of a 30,000,000-gas L2 block: OP Mainnet's block gas limit;
Arbitrum One's per-transaction limit is 32,000,000) and the Lens's views below LENS_LIMIT
(RPC providers commonly cap eth_call at 50,000,000). Unit tests that go less far:
tests/unit/engine/test_gas.py (caps with every market on one feed, one token seized;
a gas snapshot, not a bound), tests/unit/lens/test_gas.py.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import account, fund, report, set_price
from engine_defaults import CROSS, MAX_UINT256, WAD, ZERO_ADDRESS, Listing, wad

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

GAS_LIMIT = 3_000_000
LENS_LIMIT = 5_000_000
EXTRA = 7  # markets listed on top of ETH, BTC and MEME, each on a feed of its own
SIZES = {
    "ETH": "0.3",
    "BTC": "0.015",
    "MEME": "1800",
}  # 900 USD each; extras 9 × 100 USD


@pytest.fixture(scope="module")
def capped(project, owner, deploy_engine, add_feed, attack_clock, attacker):
    """A system of its own (its feeds are extended), with EXTRA more markets, each on an
    asset priced 100 USD by a feed of its own; the attacker's cross account holds the
    quote and MAX_COLLATERALS tokens and one position in each of MAX_POSITIONS markets."""
    env = deploy_engine()
    env.lens = project.Lens.deploy(env.engine, sender=owner)
    params = tuple(env.registry.market(env.markets["ETH"]).params)
    for i in range(EXTRA):
        symbol = f"X{i}"
        asset = "0x" + f"{0xA77AC0 + i:040x}"  # a priced asset needs no token
        listing = Listing(symbol, 18, "100", "0.5", "0.6", "0.05", "1", "10000")
        env.feeds[symbol] = add_feed(env.oracle, asset, listing)
        env.markets[symbol] = env.registry.list_market(
            asset, params, sender=owner
        ).return_value
    engine = env.engine
    assert len(env.markets) == engine.MAX_POSITIONS()
    attack_clock(env)
    cross = account(
        env,
        attacker,
        CROSS,
        USDC=1_000,
        WETH="0.1",
        WBTC="0.005",
        MEME=100,
        LINK=1,
        UNI=1,
    )
    for market, market_id in env.markets.items():
        size = wad(SIZES.get(market, "9"))
        engine.modify_position(cross, market_id, size, MAX_UINT256, sender=attacker)
    return env, cross


def test_caps__one_more_token_or_position_reverts(capped, owner, project, attacker):
    env, cross = capped
    engine = env.engine
    assert len(engine.collaterals_of(cross)) == engine.MAX_COLLATERALS() + 1
    assert len(engine.positions_of(cross)) == engine.MAX_POSITIONS()
    # One more token: a sixth non-quote listing.
    extra = project.MockERC20.deploy("Mock AAVE", "AAVE", 18, sender=owner)
    feed = project.MockAggregator.deploy(8, 100 * 10**8, sender=owner)
    env.oracle.set_feed(
        extra, "AAVE", feed, 8, 86_400, 5 * 10**15, WAD, 10_000 * WAD, sender=owner
    )
    engine.list_collateral(
        extra, extra, wad("0.5"), wad("0.6"), wad("0.05"), MAX_UINT256, sender=owner
    )
    extra.mint(attacker, 10**18, sender=attacker)
    extra.approve(engine, MAX_UINT256, sender=attacker)
    with ape.reverts("engine: collateral slots full"):
        engine.deposit_collateral(cross, extra, 10**18, sender=attacker)
    # One more position: an eleventh market.
    params = tuple(env.registry.market(1).params)
    eleventh = env.registry.list_market(extra, params, sender=owner).return_value
    with ape.reverts("engine: position slots full"):
        engine.modify_position(
            cross, eleventh, wad("0.1"), MAX_UINT256, sender=attacker
        )
    # The twins: the same token and market in a fresh cross account.
    other = account(env, attacker, CROSS, USDC=100)
    engine.deposit_collateral(other, extra, 10**18, sender=attacker)
    engine.modify_position(other, eleventh, wad("0.1"), MAX_UINT256, sender=attacker)
    assert engine.position_of(other, eleventh).size == wad("0.1")


def test_full_account__one_liquidation_within_bounded_gas(
    capped, chain, owner, liquidator, stranger
):
    """Every market crashes 40 %: the account owes far more than it holds. One call closes
    all ten positions (their losses take all the quote), sweeps the five other tokens
    whole and writes off the rest."""
    env, cross = capped
    engine, lens, registry = env.engine, env.lens, env.registry
    fund(env, liquidator, "USDC", 100_000)
    for symbol, price in (("WETH", "1800"), ("WBTC", "36000"), ("MEME", "0.3")):
        set_price(env, owner, symbol, price)
    for i in range(EXTRA):
        set_price(env, owner, f"X{i}", "60")
    assert engine.is_liquidatable(cross)
    assert cross in [c.account_id for c in lens.liquidatable(0, 100)]
    page = lens.liquidatable.transact(0, 100, sender=stranger)
    quoted = lens.quote_liquidation.transact(cross, ZERO_ADDRESS, sender=stranger)
    assert page.gas_used < LENS_LIMIT and quoted.gas_used < LENS_LIMIT

    held = {t: engine.collateral_of(cross, t) for t in engine.collaterals_of(cross)}
    wallet = {t.address: t.balanceOf(liquidator) for t in env.tokens.values()}
    quote = lens.quote_liquidation(cross, ZERO_ADDRESS, block_id="pending")
    receipt = engine.liquidate(
        cross, MAX_UINT256, ZERO_ADDRESS, 0, liquidator, sender=liquidator
    )
    report(
        "gas",
        liquidate=receipt.gas_used,
        lens_page=page.gas_used,
        lens_quote=quoted.gas_used,
    )
    assert receipt.gas_used < GAS_LIMIT, receipt.gas_used

    closed = receipt.events.filter(registry.PositionLiquidated)
    assert len(closed) == engine.MAX_POSITIONS()
    assert [(c.market_id, c.price) for c in quote.closes] == [
        (e.market_id, e.price) for e in closed
    ]
    assert receipt.return_value == (quote.repay, quote.seized, quote.fee)
    assert not quote.reverts and quote.seizes
    # Every token is swept whole (the quote was spent on the losses first).
    swept = dict(zip(quote.tokens, quote.amounts, strict=True))
    for token, balance in held.items():
        if token != env.quote.address:
            assert swept[token] == balance
            gained = _token(env, token).balanceOf(liquidator) - wallet[token]
            assert gained == balance
    [written] = receipt.events.filter(engine.BadDebtWrittenOff)
    assert written.assets == quote.write_off > 0
    assert engine.positions_of(cross) == [] and engine.collaterals_of(cross) == []
    assert engine.debt_shares_of(cross) == 0 and not engine.is_active(cross)
    assert lens.liquidatable(0, 100) == []


def _token(env, address):
    return next(t for t in env.tokens.values() if t.address == address)
