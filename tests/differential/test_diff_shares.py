"""Shares (docs/vault.md §1 "Share pricing", §4): the REAL Vault's six ERC-4626 conversions
against the exact prices with the virtual offset (totalSupply + 10**6 shares, totalAssets
+ 1 asset; entry adds the band, exit subtracts it), over a walk of vault states.

Protocol's favour (one division each): what the user receives is DOWN (convertToShares,
convertToAssets, previewDeposit's shares, previewRedeem's assets), what the user gives is
UP (previewMint's assets, previewWithdraw's shares). totalAssets' debt term is the
vault's own ``ceil(shares × index / WAD)`` (UP: borrowers repay at least it).

The vault is driven by the MockEngine (marks: net PnL and band; lending) and probed by
contracts/harness/VaultProbe.vy, which reads the books and 64 amounts × 6 conversions in
one eth_call.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from diff_cases import magnitude, shrinking
from exact_model import WAD, Check, Favour, Report, share_checks, total_assets
from hypothesis import given
from hypothesis import strategies as st

SECONDS_PER_YEAR = 365 * 86_400
MAX_UINT256 = 2**256 - 1
STEPS = 24  # vault states per quote decimals
AMOUNTS = 64  # amounts probed per state


def _deploy(project, owner, lp, decimals: int):
    quote = project.MockERC20.deploy("Mock Quote", "QUOTE", decimals, sender=owner)
    vault = project.Vault.deploy(
        quote,
        "Bulkhead Quote Vault",
        "bhQUOTE",
        0,
        4 * WAD // 100 // SECONDS_PER_YEAR,
        75 * WAD // 100 // SECONDS_PER_YEAR,
        8 * 10**17,
        10**17,
        sender=owner,
    )
    engine = project.MockEngine.deploy(vault, sender=owner)
    vault.set_engine(engine, sender=owner)
    quote.approve(vault, MAX_UINT256, sender=lp)
    return quote, vault, engine


def _amounts(rng: random.Random, unit: int, supply: int) -> list[int]:
    fixed = [0, 1, 2, unit, 10**6, supply, supply + 10**6]
    return fixed + [
        magnitude(rng, 1, max(10**36 // max(supply, 1), 10**12))
        for _ in range(AMOUNTS - len(fixed))
    ]


def _probe(
    vault_probe, vault, engine, amounts: list[int], report: Report, label
) -> None:
    books, outs = vault_probe.conversions(vault, amounts)
    net_pnl, band = engine.net_pnl(), engine.band()
    exact_total = total_assets(
        books.cash,
        books.debt_shares,
        books.debt_index,
        books.reserve,
        books.claims,
        net_pnl,
    )
    report.add(
        (label, "totalAssets", tuple(books)),
        [Check("totalAssets", books.total_assets, exact_total, Favour.UP)],
    )
    for amount, out in zip(amounts, outs, strict=True):
        report.add(
            (label, amount, books.total_assets, books.total_supply, band),
            share_checks(amount, books.total_assets, books.total_supply, band, out),
        )


def _step(rng: random.Random, quote, vault, engine, lp, owner, chain, unit: int) -> str:
    """One random move of the vault's state: a deposit, new marks, a loan, or time."""
    action = rng.choice(["deposit", "deposit", "marks", "marks", "lend", "time"])
    if action == "deposit" or vault.totalSupply() == 0:
        amount = magnitude(rng, 1, 10**9 * unit)
        if vault.previewDeposit(amount) == 0:
            amount = vault.previewMint(1)  # the smallest deposit that mints a share
        quote.mint(lp, amount, sender=lp)
        vault.deposit(amount, lp, sender=lp)
        return f"deposit {amount}"
    gross = vault.cash() + vault.total_debt() - vault.reserve() - vault.total_claims()
    if action == "marks":
        # traders' PnL from a large loss to above the vault's assets (totalAssets 0)
        net_pnl = rng.randint(-gross, gross + gross // 5)
        band = rng.choice([0, 1, rng.randint(0, max(gross, 1)), 2 * gross + 7])
        engine.set_marks(net_pnl, 0, band, True, sender=owner)
        return f"marks {net_pnl} {band}"
    if action == "lend" and vault.free_cash() > 1:
        amount = rng.randint(1, vault.free_cash() * 9 // 10)
        engine.lend(amount, lp, 0, sender=owner)
        return f"lend {amount}"
    dt = rng.choice([1, 3_600, 86_400, 30 * 86_400, SECONDS_PER_YEAR])
    chain.mine(timestamp=chain.blocks.head.timestamp + dt)
    return f"time {dt}"


@pytest.mark.parametrize("decimals", [6, 18], ids=["quote6", "quote18"])
def test_conversions__real_vault_matches_exact_prices(
    project, owner, lp, chain, vault_probe, decimals
):
    quote, vault, engine = _deploy(project, owner, lp, decimals)
    unit = 10**decimals
    rng = random.Random(f"shares-{decimals}")
    report = Report()
    _probe(vault_probe, vault, engine, _amounts(rng, unit, 0), report, "empty vault")
    for _ in range(STEPS):
        label = _step(rng, quote, vault, engine, lp, owner, chain, unit)
        _probe(
            vault_probe,
            vault,
            engine,
            _amounts(rng, unit, vault.totalSupply()),
            report,
            label,
        )
    report.assert_clean()
    assert report.cases == (STEPS + 1) * (AMOUNTS + 1)
    # the walk reached the states that matter: debt, a band, and exit at the virtual asset alone
    assert vault.total_debt_shares() > 0


@shrinking(12)
@given(
    deposit=st.integers(1, 10**24),
    net_pnl_pct=st.integers(-100, 150),
    band=st.integers(0, 10**24),
    amount=st.integers(0, 10**30),
)
def test_conversions__shrinking(
    project, owner, lp, chain, vault_probe, deposit, net_pnl_pct, band, amount
):
    snapshot = chain.snapshot()
    try:
        quote, vault, engine = _deploy(project, owner, lp, 6)
        quote.mint(lp, deposit, sender=lp)
        vault.deposit(deposit, lp, sender=lp)
        engine.set_marks(deposit * net_pnl_pct // 100, 0, band, True, sender=owner)
        report = Report()
        _probe(vault_probe, vault, engine, [amount], report, "hypothesis")
        report.assert_clean()
    finally:
        chain.restore(snapshot)


def test_virtual_offset__first_deposit_gets_a_million_shares_per_unit(
    project, owner, lp, vault_probe
):
    """The offset itself: an empty vault prices 1 asset unit at 10**6 shares (decimals + 6),
    and a vault whose traders are up by more than its assets prices exits at the virtual
    asset alone (1 share in 10**6 + supply is worth almost nothing)."""
    quote, vault, engine = _deploy(project, owner, lp, 6)
    books, (out,) = vault_probe.conversions(vault, [1])
    assert (books.total_assets, books.total_supply) == (0, 0)
    assert (out.convert_to_shares, out.preview_deposit, out.preview_mint) == (
        10**6,
        10**6,
        1,
    )
    quote.mint(lp, 10**6, sender=lp)
    vault.deposit(10**6, lp, sender=lp)
    engine.set_marks(
        2 * 10**6, 0, 0, True, sender=owner
    )  # traders up 2 units on 1 unit of assets
    books, (out,) = vault_probe.conversions(vault, [10**12])
    assert books.total_assets == 0
    exact = Fraction(
        10**12 * 1, books.total_supply + 10**6
    )  # exit side = 0 + 1 virtual asset
    assert out.preview_redeem == int(exact) == 0
