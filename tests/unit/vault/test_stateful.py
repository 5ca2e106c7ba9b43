"""ERC-4626 state machine (Hypothesis): LP actions, share transfers, borrows, repayments,
trader PnL (paid, claimed, received), write-offs, mark changes (including not-ok marks) and
time, in random order.

Every LP action's result equals its preview read at the same block (`next_block` pins the
block and reads views as of it); after every step Σ balances = totalSupply,
cash <= token balance, totalAssets = max(0, cash + debt - reserve - claims - net_pnl), and
every max*/preview* view answers. Examples are few to keep the suite fast; raise
`max_examples` locally for a deeper run.
"""

from __future__ import annotations

from typing import Any

import ape
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from vault_model import FIXTURES_OK, MAX_UINT256, WAD, next_block, ratios, views_answer


def test_state_machine__previews_exact_and_books_consistent(
    vault, engine, quote, chain, owner, lp, lp2, attacker, trader, unit
):
    holders = [lp, lp2, attacker]
    quote.mint(
        engine, 10**9 * unit, sender=owner
    )  # the engine's float for repayments and PnL
    for holder in holders:
        quote.mint(holder, 10**9 * unit, sender=owner)
        quote.approve(vault, MAX_UINT256, sender=holder)

    class VaultMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.ok = True

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        @initialize(tokens=st.lists(st.integers(1, 10**5), min_size=3, max_size=3))
        def seed(self, tokens: list[int]) -> None:
            for holder, amount in zip(holders, tokens, strict=True):
                vault.deposit(amount * unit, holder, sender=holder)

        # -- LP actions: the result equals the preview at the same block --
        @rule(
            who=st.sampled_from(holders),
            tokens=st.integers(1, 10**6),
            wei=st.integers(0, 10**6),
        )
        def deposit(self, who: Any, tokens: int, wei: int) -> None:
            assets = tokens * unit + wei
            at = next_block(chain)
            if not self.ok:
                with ape.reverts("vault: marks unavailable"):
                    vault.deposit(assets, who, sender=who)
                return
            expected = vault.previewDeposit(assets, **at)
            if expected == 0:
                with ape.reverts("vault: zero shares"):
                    vault.deposit(assets, who, sender=who)
                return
            before = vault.balanceOf(who)
            assert vault.deposit(assets, who, sender=who).return_value == expected
            assert vault.balanceOf(who) == before + expected

        @rule(who=st.sampled_from(holders), shares=st.integers(1, 10**12))
        def mint(self, who: Any, shares: int) -> None:
            shares *= unit
            at = next_block(chain)
            if not self.ok:
                with ape.reverts("vault: marks unavailable"):
                    vault.mint(shares, who, sender=who)
                return
            cost = vault.previewMint(shares, **at)
            if cost > quote.balanceOf(who):
                return
            paid_before = quote.balanceOf(who)
            assert vault.mint(shares, who, sender=who).return_value == cost
            assert quote.balanceOf(who) == paid_before - cost

        @rule(who=st.sampled_from(holders), ratio=ratios)
        def withdraw(self, who: Any, ratio: int) -> None:
            at = next_block(chain)
            assets = vault.maxWithdraw(who, **at) * ratio // 1_000
            if assets == 0:
                return
            expected = vault.previewWithdraw(assets, **at)
            before = vault.balanceOf(who)
            assert vault.withdraw(assets, who, who, sender=who).return_value == expected
            assert vault.balanceOf(who) == before - expected

        @rule(who=st.sampled_from(holders), ratio=ratios)
        def redeem(self, who: Any, ratio: int) -> None:
            at = next_block(chain)
            shares = vault.maxRedeem(who, **at) * ratio // 1_000
            if shares == 0 or vault.previewRedeem(shares, **at) == 0:
                return
            expected = vault.previewRedeem(shares, **at)
            received = quote.balanceOf(who)
            assert vault.redeem(shares, who, who, sender=who).return_value == expected
            assert quote.balanceOf(who) == received + expected

        @rule(
            sender=st.sampled_from(holders),
            receiver=st.sampled_from(holders),
            ratio=ratios,
        )
        def transfer(self, sender: Any, receiver: Any, ratio: int) -> None:
            vault.transfer(
                receiver, vault.balanceOf(sender) * ratio // 1_000, sender=sender
            )

        # -- the engine's side --
        @rule(ratio=ratios)
        def lend(self, ratio: int) -> None:
            at = next_block(chain)
            free = vault.cash(**at) - vault.total_claims() - engine.reserved()
            assets = max(free, 0) * ratio // 1_000
            if assets:
                engine.lend(assets, trader, engine.reserved(), sender=trader)

        @rule(ratio=ratios)
        def repay(self, ratio: int) -> None:
            shares = vault.total_debt_shares() * ratio // 1_000
            if shares == 0:
                return
            at = next_block(chain)
            index = vault.debt_index(**at)
            assets = -(-shares * index // WAD)  # an engine repays the rounded-up debt
            engine.take_repayment(assets, shares, assets, sender=trader)

        @rule(tokens=st.integers(0, 5_000), fee_ratio=ratios)
        def receive_pnl(self, tokens: int, fee_ratio: int) -> None:
            assets = tokens * unit
            engine.take_pnl(assets, assets * fee_ratio // 1_000, assets, sender=trader)

        @rule(account=st.integers(1, 3), tokens=st.integers(0, 5_000))
        def pay_pnl(self, account: int, tokens: int) -> None:
            engine.pay_pnl(account, tokens * unit, sender=trader)

        @rule(account=st.integers(1, 3))
        def pay_claim(self, account: int) -> None:
            engine.pay_claim(account, sender=trader)

        @rule(ratio=ratios)
        def write_off(self, ratio: int) -> None:
            shares = vault.total_debt_shares() * ratio // 1_000
            if shares:
                engine.write_off(shares, sender=trader)

        @rule(
            pnl=st.integers(-2_000, 2_000),
            band=st.integers(0, 50),
            ok=st.sampled_from([True, True, True, False]),
        )
        def set_marks(self, pnl: int, band: int, ok: bool) -> None:
            engine.set_marks(
                pnl * unit, max(pnl, 0) * unit, band * unit, ok, sender=trader
            )
            self.ok = ok

        @rule(dt=st.integers(1, 30 * 86_400))
        def advance(self, dt: int) -> None:
            next_block(chain, dt)
            vault.accrue(sender=trader)

        # -- invariants --
        @invariant()
        def books(self) -> None:
            assert sum(vault.balanceOf(h) for h in holders) == vault.totalSupply()
            assert vault.cash() <= quote.balanceOf(vault)
            # The vault uses the engine's figures even when not ok (they are sane here).
            identity = (
                vault.cash()
                + vault.total_debt()
                - vault.reserve()
                - vault.total_claims()
                - engine.net_pnl()
            )
            assert vault.totalAssets() == max(identity, 0)
            views_answer(vault, [lp], [unit], full=False)

    run_state_machine_as_test(
        VaultMachine,
        settings=settings(
            max_examples=4,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=FIXTURES_OK,
        ),
    )
