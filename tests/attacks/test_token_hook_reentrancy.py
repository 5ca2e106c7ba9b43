"""Attack: re-entering the *other* contract through a token's transfer hook.

The attack. A token that calls out on transfer (ERC-777/ERC-1363 style; here
MockReentrantToken, whose armed hook calls any target with any calldata once) hands the
attacker control in the middle of one contract's action. The attacker then calls the other
contract, which may read or act on half-updated books: the vault in the middle of a
liquidation (seize sent, repay not yet booked), the engine in the middle of an LP entry
(shares minted and cash credited before the tokens arrive) or exit, the vault in the
middle of a loss settlement (tokens arrived, not yet booked).

The defence (DESIGN.md, Locks; docs/engine.md, Hostile tokens; docs/perps.md §1). Each
contract has one lock for every function, views included (`# pragma nonreentrancy on`).
While the engine is locked the vault cannot read its marks, so every LP entry and exit
halts ("vault: marks unavailable"); while the vault is locked every engine action that
touches the vault reverts (the vault's lock, no revert data); the engine-only entry points
of the vault and the registry check their caller; an inflow the vault has not booked yet
cannot be counted twice (`skim` would take it into the reserve, and the booking then finds
the tokens missing: "vault: assets not received").

Asserted, per path: the hook ran, the re-entrant call failed with the exact reason (or the
lock's empty revert data), the outer action completed with its exact amounts and left the
target's state unchanged, and the same call from a hook *outside* any action succeeds.
Unit tests that cover the single-contract and trade paths (not repeated here):
tests/unit/vault/test_reentrancy.py (MockEngine), tests/unit/engine/test_perp_reentry.py
(LP exit during a trade, engine re-entry during a payout, registry from a trade),
tests/unit/engine/test_hostile_tokens.py (engine during deposit/withdraw, vault during
lend and repay). New here: liquidation (seize and fee payout), vault -> engine during LP
entry and exit, and a skim racing a loss settlement.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import (
    account,
    assets_for_redeem,
    fund,
    reason,
    seize_for,
    set_price,
    shares_for_deposit,
    trade,
)
from engine_defaults import (
    COLLATERALS,
    CROSS,
    ISOLATED,
    MAX_UINT256,
    WAD,
    ZERO_ADDRESS,
    Listing,
    wad,
)

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

HOOK = Listing("HOOK", 18, "3000", "0.80", "0.85", "0.05", "100", "100000")
LOCKED = b""  # a nonreentrant function reverts without data


@pytest.fixture(scope="module")
def hooked_env(
    project, owner, deploy_engine, list_token, attack_clock, lp, trader, attacker
):
    """A system whose quote (USDC) and one collateral (HOOK, priced like WETH) have the
    hook, with WETH and the ETH market, and a Lens. Each token contract holds vault shares
    (an LP deposited for it), so a hook calling `vault.redeem(shares, token, token)` is an
    LP exit that needs no allowance; the attacker made both token contracts its operators,
    so only a lock can stop a hook's engine call. The trader owes 2,350 USDC against 1
    HOOK; the attacker has a cross account (10,000 USDC, a 1 ETH long, 1,000 USDC owed)."""
    quote = project.MockReentrantToken.deploy("Mock USDC", "USDC", 6, sender=owner)
    env = deploy_engine(quote_token=quote, collaterals=COLLATERALS[:1])
    hook = project.MockReentrantToken.deploy("Mock Hook", "HOOK", 18, sender=owner)
    list_token(env, hook, HOOK)
    env.lens = project.Lens.deploy(env.engine, sender=owner)
    attack_clock(env)
    quote.mint(lp, 2_000 * env.q, sender=lp)
    shares = {
        t: env.vault.deposit(1_000 * env.q, t, sender=lp).return_value
        for t in (quote, hook)
    }
    for token in (quote, hook):
        env.engine.set_operator(token, True, sender=attacker)
    victim = account(env, trader, ISOLATED, HOOK=1)
    env.engine.borrow(victim, 2_350 * env.q, trader, sender=trader)
    cross = account(env, attacker, CROSS, USDC=10_000)
    trade(env, attacker, cross, "ETH", "1")
    env.engine.borrow(cross, 1_000 * env.q, attacker, sender=attacker)
    fund(env, attacker, "USDC", 100_000)
    return env, {"victim": victim, "cross": cross}, shares


def snapshot_of(env, account_id) -> tuple:
    engine = env.engine
    return (
        tuple(
            (t, engine.collateral_of(account_id, t))
            for t in engine.collaterals_of(account_id)
        ),
        engine.debt_shares_of(account_id),
        tuple(tuple(p) for p in engine.positions_of(account_id)),
    )


def outside(token, actor, stranger) -> None:
    """Run an armed hook outside any engine or vault action: a plain wallet transfer."""
    token.mint(actor, 1, sender=actor)
    token.transfer(stranger, 1, sender=actor)


# ---- engine -> vault, registry, engine: during a liquidation -------------------------
CALLS = ("liquidate", "account_health", "lens_quote", "redeem", "registry", "write_off")


def _call(env, name, ids, shares, token, attacker):
    engine, vault = env.engine, env.vault
    data = {
        "liquidate": (
            engine,
            engine.liquidate.encode_input(
                ids["victim"], MAX_UINT256, token, 0, attacker
            ),
        ),
        "account_health": (engine, engine.account_health.encode_input(ids["victim"])),
        "lens_quote": (
            env.lens,
            env.lens.quote_liquidation.encode_input(ids["victim"], token),
        ),
        "redeem": (vault, vault.redeem.encode_input(shares[token], token, token)),
        "registry": (
            env.registry,
            env.registry.liquidate_positions.encode_input(
                ids["victim"], [], [], 0, 0, 0, True
            ),
        ),
        "write_off": (vault, vault.write_off.encode_input(1)),
    }
    return data[name]


EXPECTED = {
    "liquidate": LOCKED,  # the engine's own lock
    "account_health": LOCKED,  # read-only re-entrancy: the engine's views are locked too
    "lens_quote": LOCKED,  # the Lens reads the locked engine
    "redeem": "vault: marks unavailable",  # the vault cannot read the locked engine's marks
    "registry": "registry: caller is not the engine",
    "write_off": "vault: caller is not the engine",
}


@pytest.mark.parametrize("call", CALLS)
def test_liquidation__seize_hook_cannot_reenter(
    hooked_env, owner, attacker, stranger, call
):
    """liquidate -> HOOK.transfer(receiver) -> the receiver's hook -> another contract."""
    env, ids, shares = hooked_env
    engine, vault, hook = env.engine, env.vault, env.tokens["HOOK"]
    set_price(env, owner, "HOOK", "2650")  # wc_maint 2,252.5 < 2,350 owed
    target, data = _call(env, call, ids, shares, hook, attacker)
    hook.arm(target, data, False, sender=attacker)
    others = snapshot_of(env, ids["cross"])
    lp_shares = vault.balanceOf(hook)
    debt = engine.debt_of(ids["victim"], block_id="pending")
    bonus = engine.collateral_config(hook).liquidation_bonus

    repaid, seized, fee = engine.liquidate(
        ids["victim"], MAX_UINT256, hook, 0, attacker, sender=attacker
    ).return_value

    assert hook.hook_called() and not hook.hook_success()
    expected = EXPECTED[call]
    got = hook.hook_return()
    assert got == expected if expected == LOCKED else reason(got) == expected
    # The liquidation itself went through, exactly, and touched nothing else.
    assert (repaid, fee) == (debt, 0)
    assert seized == seize_for(repaid, WAD, env.q, wad("2650"), 10**18, bonus)
    assert hook.balanceOf(attacker) == seized
    assert engine.debt_shares_of(ids["victim"]) == 0
    assert vault.total_debt_shares() == engine.debt_shares_of(ids["cross"])
    assert snapshot_of(env, ids["cross"]) == others
    assert vault.balanceOf(hook) == lp_shares
    assert vault.cash() == env.quote.balanceOf(vault)
    if call in ("account_health", "lens_quote", "redeem"):  # the twin, outside
        hook.arm(target, data, False, sender=attacker)
        outside(hook, attacker, stranger)
        assert hook.hook_success()


@pytest.mark.parametrize("call", ("redeem", "borrow"))
def test_liquidation__fee_payout_hook_meets_the_vault_lock(
    hooked_env, owner, attacker, trader, call
):
    """A perps bucket backed by WETH only: its liquidation books the loss as debt, then the
    vault pays the fee to the receiver (USDC.transfer inside `Vault.pay_fee`, the vault
    locked) -> hook -> the vault again, or the engine (locked too)."""
    env, ids, shares = hooked_env
    engine, vault, quote, weth = env.engine, env.vault, env.quote, env.tokens["WETH"]
    fund(env, trader, "WETH", 2)
    bucket = engine.open_isolated(
        trader,
        weth,
        2 * 10**18,
        env.markets["ETH"],
        10 * WAD,
        MAX_UINT256,
        sender=trader,
    ).return_value
    set_price(env, owner, "WETH", "2650")
    data = {
        "redeem": (vault, vault.redeem.encode_input(shares[quote], quote, quote)),
        "borrow": (
            engine,
            engine.borrow.encode_input(ids["cross"], 100 * env.q, attacker),
        ),
    }[call]
    quote.arm(*data, False, sender=attacker)
    before = quote.balanceOf(attacker)
    debt_shares = engine.debt_shares_of(ids["cross"])
    receipt = engine.liquidate(bucket, 0, ZERO_ADDRESS, 0, attacker, sender=attacker)
    assert quote.hook_called() and not quote.hook_success()
    assert quote.hook_return() == LOCKED
    [closed] = receipt.events.filter(env.registry.PositionLiquidated)
    fee = closed.liquidation_fee * env.q // WAD  # the quote at 1 USD, rounded down
    assert receipt.return_value == (0, 0, fee)
    assert quote.balanceOf(attacker) - before == fee
    assert vault.balanceOf(quote) == shares[quote]
    assert engine.debt_shares_of(ids["cross"]) == debt_shares


# ---- vault -> engine: during an LP entry or exit -------------------------------------
@pytest.mark.parametrize("call", ("borrow", "open", "close"))
@pytest.mark.parametrize("during", ("deposit", "redeem"))
def test_lp_flow_hook__engine_cannot_act_on_a_half_booked_vault(
    hooked_env, attacker, stranger, during, call
):
    """deposit: the vault mints and credits cash, then pulls the tokens (the sender's hook
    runs with the tokens not yet in); redeem: it burns and debits, then sends (the
    receiver's hook). Either way the vault is locked and every engine action that
    touches it reverts: borrowing, opening (the OI bound reads the vault) or closing
    (settlement)."""
    env, ids, _ = hooked_env
    engine, vault, quote = env.engine, env.vault, env.quote
    cross = ids["cross"]
    data = {
        "borrow": engine.borrow.encode_input(cross, 100 * env.q, attacker),
        "open": engine.modify_position.encode_input(cross, 1, wad("0.5"), MAX_UINT256),
        "close": engine.close_position.encode_input(cross, 1, 0),
    }[call]
    quote.approve(vault, MAX_UINT256, sender=attacker)
    amount = 50_000 * env.q
    lp_shares = 0
    if during == "redeem":
        lp_shares = vault.deposit(amount, attacker, sender=attacker).return_value
    before = snapshot_of(env, cross)
    quote.arm(engine, data, False, sender=attacker)
    assets = vault.totalAssets(block_id="pending")
    band = engine.vault_marks(block_id="pending")[2]
    supply = vault.totalSupply()
    if during == "deposit":
        expected = shares_for_deposit(vault, amount, assets, band)
        assert vault.deposit(amount, attacker, sender=attacker).return_value == expected
    else:
        expected = assets_for_redeem(vault, lp_shares, assets, band, supply)
        out = vault.redeem(lp_shares, attacker, attacker, sender=attacker).return_value
        assert out == expected
    assert quote.hook_called() and not quote.hook_success()
    assert quote.hook_return() == LOCKED
    assert snapshot_of(env, cross) == before
    assert vault.cash() == quote.balanceOf(vault)
    # The twin: the same engine call from a hook outside any vault action goes through.
    quote.arm(engine, data, False, sender=attacker)
    outside(quote, attacker, stranger)
    assert quote.hook_success() and snapshot_of(env, cross) != before


# ---- a loss settlement: tokens in, not yet booked ------------------------------------
def test_loss_settlement_hook__skim_cannot_book_the_inflow_twice(
    hooked_env, owner, attacker, stranger
):
    """close at a loss -> USDC.transfer(engine -> vault) -> hook -> `vault.skim()`: the
    vault is unlocked (the engine holds its lock), so the skim runs and takes the
    in-flight loss into cash and the reserve; `take_pnl` then finds the tokens already
    booked and the whole close reverts. Nothing is counted twice, nobody gains. (Only a
    token that calls out on transfers between the engine and the vault could do this: the
    ERC-777 hooks of such a transfer belong to the two contracts; a quote that runs
    arbitrary code there must not be listed.)"""
    env, ids, _ = hooked_env
    engine, vault, quote = env.engine, env.vault, env.quote
    cross = ids["cross"]
    set_price(env, owner, "WETH", "2900")  # the attacker's 1 ETH long is at a loss
    before = snapshot_of(env, cross)
    reserve, cash = vault.reserve(), vault.cash()
    quote.arm(vault, vault.skim.encode_input(), False, sender=attacker)
    with ape.reverts("vault: assets not received"):
        engine.close_position(cross, 1, 0, sender=attacker)
    assert snapshot_of(env, cross) == before
    assert (vault.reserve(), vault.cash()) == (reserve, cash)
    # The twin: with nothing in flight the same skim finds no surplus, and the close works.
    quote.arm(vault, vault.skim.encode_input(), False, sender=attacker)
    outside(quote, attacker, stranger)
    assert quote.hook_success() and vault.reserve() == reserve
    engine.close_position(cross, 1, 0, sender=attacker)
    assert engine.positions_of(cross) == []
