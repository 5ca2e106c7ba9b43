"""Attack: donations straight to the contracts, to skew their accounting.

The attack. Send quote or collateral tokens to the Vault, the MarginEngine or the
MarketRegistry with a plain `transfer` (no entry point), hoping a figure somewhere is read
from `balanceOf`: the share price, an account's health, the skew and funding, free cash, or
what an LP, a trader or a liquidator can take out. The attacker holds LP shares, a
position and a loan of its own, so any such leak would show up in its P&L.

The defence. Every contract keeps internal books: the vault's cash (docs/vault.md §1: a
plain transfer is not cash; `skim` moves it into cash and the reserve together, so
totalAssets does not move), the engine's per-account balances and per-token totals
(docs/engine.md, Collateral), the registry's side aggregates (it holds no tokens at all).
`balanceOf` is only ever checked to be at least the books.

Asserted, differentially: the same chain state is run twice from one snapshot, with and
without the donations, with the same block times (the donations' blocks are mined empty in
the twin). Every view an actor prices with is identical (vault figures, previews, max*,
marks, each account's health and balances, each market's state and funding indices, the
Lens's candidates), and then every exit pays exactly the same: the attacker's LP redeem,
a trader's close, a liquidation. The donated quote only ever reaches the reserve (via
`skim`); nobody can withdraw the engine's or the registry's surplus. Unit tests that go
less far: tests/unit/vault/test_inflation.py (a donation to an empty vault),
tests/unit/engine/test_hostile_tokens.py (books vs balances for odd tokens).
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import account, fund, lp_deposit, set_price, trade
from engine_defaults import CROSS, ISOLATED, MAX_UINT256

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

SYMBOLS = ("USDC", "WETH")
DONATION = {"USDC": 50_000, "WETH": 20}  # whole tokens, sent to each of three contracts


@pytest.fixture
def donation_book(attack_env, attack_clock, owner, attacker, trader, trader2):
    """An attacker who is an LP (100,000 USDC), a trader (a 20 ETH long) and a borrower;
    other traders on both sides of ETH and BTC, one of them a WETH bucket that a WETH move
    to 2,650 makes liquidatable. The attacker already holds the tokens it will donate."""
    env = attack_env
    attack_clock(env)
    ids = {
        "attacker": account(env, attacker, CROSS, USDC=30_000, WETH=5),
        "long": account(env, trader, CROSS, USDC=100_000),
        "short": account(env, trader2, ISOLATED, USDC=50_000),
        "bucket": account(env, trader2, ISOLATED, WETH=1),
    }
    shares = lp_deposit(env, attacker, 100_000 * env.q)
    trade(env, attacker, ids["attacker"], "ETH", "20")
    env.engine.borrow(ids["attacker"], 5_000 * env.q, attacker, sender=attacker)
    trade(env, trader, ids["long"], "ETH", "60")
    trade(env, trader, ids["long"], "BTC", "-1")
    trade(env, trader2, ids["short"], "ETH", "-30")
    env.engine.borrow(ids["bucket"], 2_350 * env.q, trader2, sender=trader2)
    set_price(env, owner, "WETH", "2650")
    for symbol in SYMBOLS:
        fund(env, attacker, symbol, 3 * DONATION[symbol])
    return env, ids, shares


def observe(env, ids, attacker) -> dict:
    """Everything an LP, a trader, a liquidator or a bot prices with, at the head block."""
    vault, engine, registry = env.vault, env.engine, env.registry
    tokens = [env.tokens[s] for s in SYMBOLS]
    return {
        "vault": (
            vault.totalAssets(),
            vault.share_price(),
            vault.totalSupply(),
            vault.cash(),
            vault.free_cash(),
            vault.reserve(),
            vault.total_debt(),
            vault.utilization(),
            vault.borrow_rate(),
            vault.book_assets(),
            vault.maxDeposit(attacker),
            vault.maxWithdraw(attacker),
            vault.maxRedeem(attacker),
            vault.previewDeposit(10**6 * env.q),
            vault.previewRedeem(vault.balanceOf(attacker)),
        ),
        "marks": tuple(engine.vault_marks()),
        "accounts": {
            name: (
                tuple(engine.account_health(i)),
                tuple(engine.collateral_of(i, t) for t in tokens),
                engine.debt_of(i),
                engine.claim_of(i),
                tuple(tuple(p) for p in engine.positions_of(i)),
            )
            for name, i in ids.items()
        },
        "totals": tuple(engine.total_collateral(t) for t in tokens),
        "markets": {
            m: (tuple(registry.market_state(m)), tuple(registry.funding_indices(m)))
            for m in registry.markets()
        },
        "candidates": tuple(tuple(c) for c in env.lens.liquidatable(0, 100)),
    }


def donate(env, attacker) -> int:
    """USDC and WETH to each of the vault, the engine and the registry (6 blocks)."""
    for target in (env.vault, env.engine, env.registry):
        for symbol in SYMBOLS:
            amount = DONATION[symbol] * env.unit(symbol)
            env.tokens[symbol].transfer(target, amount, sender=attacker)
    return 6


def test_donations__change_nothing_anyone_prices_with(donation_book, chain, attacker):
    env, ids, _shares = donation_book
    snapshot = chain.snapshot()
    chain.mine(6)  # the twin: the donations' six blocks, empty
    without = observe(env, ids, attacker)
    at = chain.blocks.head.timestamp
    chain.restore(snapshot)
    donate(env, attacker)
    assert chain.blocks.head.timestamp == at
    assert observe(env, ids, attacker) == without
    # The books did not take the tokens in: the balances now exceed them by the gifts.
    q = DONATION["USDC"] * env.q
    assert env.quote.balanceOf(env.vault) == env.vault.cash() + q
    weth = env.tokens["WETH"]
    assert weth.balanceOf(env.engine) == env.engine.total_collateral(weth) + 20 * 10**18
    assert env.quote.balanceOf(env.registry) == q


def exits(env, ids, attacker, trader, liquidator, shares) -> dict:
    """Every way value leaves: the attacker's LP redeem and loan repayment, a trader's
    close, a liquidation; then `skim`. Returns what each paid or moved."""
    engine, vault, quote, weth = env.engine, env.vault, env.quote, env.tokens["WETH"]
    fund(env, liquidator, "USDC", 10_000)
    fund(env, attacker, "USDC", 10_000)
    out = {
        "redeem": vault.redeem(
            shares, attacker, attacker, sender=attacker
        ).return_value,
        "repay": engine.repay(
            ids["attacker"], MAX_UINT256, sender=attacker
        ).return_value,
    }
    before = engine.collateral_of(ids["long"], quote)
    engine.close_position(ids["long"], 1, 0, sender=trader)
    out["close"] = engine.collateral_of(ids["long"], quote) - before
    out["liquidate"] = tuple(
        engine.liquidate(
            ids["bucket"], MAX_UINT256, weth, 0, liquidator, sender=liquidator
        ).return_value
    )
    out["state"] = observe(env, ids, attacker)
    return out


def test_donations__every_exit_pays_exactly_the_same(
    donation_book, chain, attacker, trader, liquidator, stranger
):
    env, ids, shares = donation_book
    vault, engine, quote, weth = env.vault, env.engine, env.quote, env.tokens["WETH"]
    snapshot = chain.snapshot()
    chain.mine(6)
    without = exits(env, ids, attacker, trader, liquidator, shares)
    reserve = vault.reserve()
    chain.restore(snapshot)
    donate(env, attacker)
    assert exits(env, ids, attacker, trader, liquidator, shares) == without

    # `skim` (anyone) books the vault's surplus as cash and reserve at once: the share
    # price does not move, and the donor gets nothing back.
    price = vault.share_price(block_id="pending")
    assets = vault.totalAssets(block_id="pending")
    gift = DONATION["USDC"] * env.q
    assert vault.skim(sender=stranger).return_value == gift
    assert (vault.share_price(), vault.totalAssets()) == (price, assets)
    assert vault.reserve() == reserve + gift
    # The engine's surplus belongs to no account: the attacker cannot take it out.
    held = engine.collateral_of(ids["attacker"], weth)
    with ape.reverts("engine: amount above balance"):
        engine.withdraw_collateral(
            ids["attacker"], weth, held + 1, attacker, sender=attacker
        )
    engine.withdraw_collateral(ids["attacker"], weth, held, attacker, sender=attacker)
    assert weth.balanceOf(engine) - engine.total_collateral(weth) == 20 * 10**18
    assert quote.balanceOf(engine) - engine.total_collateral(quote) == gift
