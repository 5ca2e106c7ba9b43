"""Attack: first-depositor share inflation (the ERC-4626 "donation" attack), end to end.

The attack. The first depositor of an empty vault mints a sliver of shares, then inflates
the assets behind them (a gift the books count), so the next depositor's shares round down
to (almost) nothing and the attacker redeems part of the victim's deposit. Variants tried
here, end to end on the real Vault, MarginEngine, MarketRegistry and OracleAdapter:
- plain donations of quote to the vault, to the engine and to the registry;
- booking the gift through the engine (trading losses, fees, interest: the only ways to
  raise totalAssets) from an empty vault;
- the attacker as the vault's only LP inflating the *entry* price instead: a skew of its own
  widens the LP band (docs/vault.md §1) just before the victim deposits, and closes after.

The defence (docs/vault.md §5). Cash is internal: a plain transfer is not on the books, so a
donation moves no price (``skim`` sends it to the reserve, never back). 10**6 virtual shares
and 1 virtual asset bound the victim's rounding loss by one share unit. New here: the engine
cannot book a gift into an empty vault at all (open interest is capped at ``oi_share`` × the
vault's assets and borrowing needs free cash), and a band the attacker inflates is paid back
to the vault by the closing spread (spread >= deviation).

Asserted: exact share and asset amounts from the vault's formulas (``attack_helpers``), the
victim's loss (0 here: the bound is one share unit), the attacker's loss, the revert reasons
of the blocked paths with their success twins, and the money conservation of the whole
sequence. Unit tests that go less far: tests/unit/vault/test_inflation.py (MockEngine gift),
tests/unit/vault/test_band.py.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import (
    account,
    assets_for_redeem,
    close,
    lp_deposit,
    lp_ready,
    report,
    shares_for_deposit,
    trade,
    virtual_shares,
)
from engine_defaults import CROSS, MAX_UINT256, wad

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

GIFT = 10_000  # whole quote units the attacker gives away per channel
VICTIM = 1_000  # whole quote units the victim deposits


@pytest.fixture(scope="module")
def empty_env(project, owner, deploy_engine):
    """The default system with no LP seed: the vault is empty."""
    env = deploy_engine(lp_seed=0)
    assert env.vault.totalSupply() == 0 and env.vault.totalAssets() == 0
    return env


def test_donations_to_vault_engine_and_registry__victim_loses_nothing(
    empty_env, attacker, lp, stranger
):
    env = empty_env
    vault, quote, q = env.vault, env.quote, env.q
    # 1 wei buys 10**6 shares: 1 × (0 + V) / (0 + 0 + 1).
    expected = shares_for_deposit(vault, 1, 0, 0)
    assert expected == virtual_shares(vault)
    assert lp_deposit(env, attacker, 1) == expected
    price = vault.share_price()

    gift = GIFT * q
    quote.mint(attacker, 3 * gift, sender=attacker)
    for target in (vault, env.engine, env.registry):
        quote.transfer(target, gift, sender=attacker)
    # Nothing the vault prices with moved.
    assert vault.totalAssets() == 1 and vault.cash() == 1
    assert vault.share_price() == price
    assert env.engine.total_collateral(quote) == 0

    deposit = VICTIM * q
    victim_shares = shares_for_deposit(vault, deposit, 1, 0)
    assert victim_shares == deposit * virtual_shares(vault)  # (V + V) / (1 + 1)
    assert lp_deposit(env, lp, deposit) == victim_shares

    # Skimming moves the vault's donation into the reserve: still not the attacker's.
    assert vault.skim(sender=stranger).return_value == gift
    assert vault.reserve() == gift and vault.totalAssets() == 1 + deposit

    supply = vault.totalSupply()
    victim_out = assets_for_redeem(vault, victim_shares, 1 + deposit, 0, supply)
    attacker_out = assets_for_redeem(vault, expected, 1 + deposit, 0, supply)
    assert (victim_out, attacker_out) == (deposit, 1)  # the victim loses 0 wei
    assert vault.redeem(victim_shares, lp, lp, sender=lp).return_value == deposit
    assert vault.redeem(expected, attacker, attacker, sender=attacker).return_value == 1
    # The attacker is out the three gifts: the reserve holds one, the engine and the
    # registry the others (no account owns them, no entry point pays them out).
    assert quote.balanceOf(attacker) == 1
    assert quote.balanceOf(env.engine) - env.engine.total_collateral(quote) == gift
    assert quote.balanceOf(env.registry) == gift


def test_empty_vault__the_engine_cannot_book_a_gift(empty_env, attacker, lp):
    """The booked variant needs the engine to move value into the vault: a trading loss
    (a position), a fee or interest (a loan). Against a 1-wei vault both are refused; the
    twin shows the same position and loan go through once an LP has funded the vault."""
    env = empty_env
    vault, engine, q = env.vault, env.engine, env.q
    lp_deposit(env, attacker, 1)
    cross = account(env, attacker, CROSS, USDC=1_000, WETH=1)
    min_notional = env.registry.market(env.markets["ETH"]).params.min_notional
    size = -(-min_notional * 10**18 // wad("3000"))  # the smallest position allowed
    with ape.reverts("registry: open interest above oi share"):
        engine.modify_position(cross, 1, size, MAX_UINT256, sender=attacker)
    with ape.reverts("vault: exceeds free cash"):
        engine.borrow(cross, engine.min_debt(), attacker, sender=attacker)
    assert vault.totalAssets() == 1 and engine.positions_of(cross) == []

    lp_deposit(env, lp, VICTIM * q)
    engine.modify_position(cross, 1, size, MAX_UINT256, sender=attacker)
    engine.borrow(cross, engine.min_debt(), attacker, sender=attacker)
    assert engine.position_of(cross, 1).size == size
    assert engine.debt_of(cross) >= engine.min_debt()


def test_only_lp_inflates_the_entry_band__pays_for_it(
    empty_env, attack_clock, attacker, lp
):
    """The attacker is the vault's only LP and opens the largest skew the OI share allows
    just before the victim deposits: the victim buys at totalAssets + band. The attacker
    then closes, and both redeem. The closing spread (>= the feed deviation the band is
    priced at) goes to the vault the victim now shares, so the victim ends with at least
    its deposit and the attacker pays for the whole round trip."""
    env = empty_env
    vault, quote, q = env.vault, env.quote, env.q
    attack_clock(env)
    seed, margin, deposit = 1_000_000 * q, 60_000 * q, 100_000 * q
    attacker_shares = lp_deposit(env, attacker, seed)
    assert attacker_shares == seed * virtual_shares(vault)  # priced 1:1 at 0 + 0 + 1
    cross = account(env, attacker, CROSS, USDC=60_000)
    trade(env, attacker, cross, "ETH", "150")  # 450,000 USD of skew: band 2,250 USDC
    deviation = env.registry.market(1).deviation
    lp_ready(env, lp, deposit)
    band = env.engine.vault_marks(block_id="pending")[2]
    # band = ceil(ceil(|skew| × price) × deviation) USD, in quote units (quote at 1 USD)
    notional = 150 * wad("3000")
    assert band == -(-(-(-notional * deviation // 10**18)) * q // 10**18)
    assets = vault.totalAssets(block_id="pending")
    victim_shares = shares_for_deposit(vault, deposit, assets, band)
    assert vault.deposit(deposit, lp, sender=lp).return_value == victim_shares

    close(env, attacker, cross, "ETH")
    assert env.engine.vault_marks() == (0, 0, 0, True, 0)  # no skew: no band, no marks
    assets = vault.totalAssets(block_id="pending")
    victim_out = assets_for_redeem(vault, victim_shares, assets, 0)
    assert vault.redeem(victim_shares, lp, lp, sender=lp).return_value == victim_out
    assert victim_out >= deposit  # the victim lost nothing (it earned part of a spread)
    env.vault.redeem(attacker_shares, attacker, attacker, sender=attacker)
    left = env.engine.collateral_of(cross, quote)
    env.engine.withdraw_collateral(cross, quote, left, attacker, sender=attacker)

    attacker_pnl = quote.balanceOf(attacker) - seed - margin
    victim_pnl = quote.balanceOf(lp) - deposit
    report(
        "share_inflation", band=band, attacker_pnl=attacker_pnl, victim_pnl=victim_pnl
    )
    assert attacker_pnl < 0 and victim_pnl >= 0
    # Conservation: every unit either party is down sits in the vault (the reserve's cut
    # of the fees and what the virtual shares keep).
    assert attacker_pnl + victim_pnl == -vault.cash()
    assert vault.totalSupply() == 0 and quote.balanceOf(vault) == vault.cash()
