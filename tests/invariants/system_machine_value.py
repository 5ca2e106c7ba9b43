"""Value and limit checks of the system state machine (issue 16, "Make the invariant suite
catch this class"), and the three hostile actors they were written against.

The ten invariants of system_machine.py check that the books agree. These check that value
is conserved and that limits hold at every step (docs/invariants.md, invariants 11-16):

11 write-off: only for an account with no collateral and no position, and never more than
   its negative equity just before the liquidation (plus what the liquidation itself paid
   out of the account: the liquidator's gain and the trading fee on the closes);
12 zero-sum: after every user action, traders + wallets + the vault + unbooked tokens are
   worth what they were (same second, same prices), within counted rounding; a trade never
   raises its trader's worth; a liquidator earns at most the stated fee and bonus;
13 open interest: no user action takes a side's open interest above oi_share x the vault's
   assets, or further above it where prices already did (LP exits: gated on V-01);
14 liveness at usable prices: an account below health 1 at its usable prices (an unusable
   collateral price counted 0) is liquidatable, and some `liquidate` call passes;
15 LP exits: while DESIGN says exits are open, maxWithdraw >= min(the LP's assets, free
   cash) (exits frozen by an out-of-band or grace mark: gated on V-02);
16 no deposit while the vault's equity <= 0 with shares outstanding (gated on V-03).

Actors: `flash_lp` (deposit, trade and redeem in one block), `dust_shield` (1 wei of a
second collateral, then that token's feed goes and stays stale), `self_liquidate` (an owner
liquidates its own account to itself).

The class is a mixin of SystemMachine: it uses the machine's plumbing (observe, send,
same_block, after_user_action) and the machine calls its checks.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from system_machine_model import (
    LP_EXIT_LABELS,
    MARKET_ASSET,
    MARKETS,
    MAX_ACCOUNTS_PER_TRADER,
    MAX_UINT256,
    NON_QUOTE,
    QUOTE,
    ROUND_TRIP_SLACK_QUOTE_WEI,
    SHIELD_TOKENS,
    TA_TOLERANCE,
    TOKENS,
    TRADE,
    V01_FIXED,
    V02_FIXED,
    V03_DEPOSIT_REASON,
    V03_FIXED,
    VIRTUAL_SHARES,
    WAD,
    ZERO_SUM_SLACK_PER_POSITION,
    ZERO_SUM_SLACK_QUOTE_WEI,
    Status,
    ceil_div,
    entry_assets,
    exit_assets,
    mul_div,
    usable,
)

QI = TOKENS.index(QUOTE)
FROZEN = Status.STALE | Status.INVALID | Status.SEQUENCER_DOWN


class ValueChecks:
    """Invariants 11-16 and the flash LP, dust shielder and self-liquidator (see above)."""

    # ---- bookkeeping --------------------------------------------------------------------
    def gated(self, what: str) -> None:
        """A violation DESIGN forbids but a fix not merged yet allows (V-01/V-02/V-03):
        counted and printed in the report, not failed (docs/invariants.md, "Gated")."""
        self.E.stats.setdefault("gated", Counter())[what] += 1

    # ---- values (USD WAD, exact) ----------------------------------------------------------
    def worth(self, acc: Any, obs: Any) -> Fraction:
        """What an account is worth: every token and the claim at its usable price (an
        unusable price counts 0, as liquidation counts it), minus the debt, plus the
        unrealised PnL incl. pending funding (the registry's per-position figures)."""
        v = Fraction(0)
        for k, sym in enumerate(TOKENS):
            amount = acc.balances[k] + (acc.claim if k == QI else 0)
            if amount:
                v += Fraction(amount * obs.status[sym][0], self.unit[sym])
        v -= Fraction(acc.debt * obs.status[QUOTE][0], self.unit[QUOTE])
        return v + acc.health.pnl

    def wallet_worth(self, address: str, obs: Any) -> Fraction:
        return sum(
            (
                Fraction(obs.wallet(address, sym) * obs.status[sym][0], self.unit[sym])
                for sym in TOKENS
            ),
            Fraction(0),
        )

    def vault_side(self, obs: Any) -> Fraction:
        """The vault's side (LPs and reserve): cash + debt owed - claims - net unrealised
        trader PnL, signed (totalAssets + reserve, without the floor at 0)."""
        b = obs.books
        q = obs.status[QUOTE][0]
        net = b.cash + b.total_debt - b.total_claims - b.net_pnl
        return Fraction(net * q, self.unit[QUOTE])

    def unbooked(self, obs: Any) -> Fraction:
        """Tokens the contracts hold but do not book (donations): the vault's quote above
        its cash, the engine's balances above its collateral totals."""
        b = obs.books
        v = Fraction(
            (b.vault_quote_balance - b.cash) * obs.status[QUOTE][0], self.unit[QUOTE]
        )
        for k, sym in enumerate(TOKENS):
            v += Fraction(
                (b.engine_balances[k] - b.totals[k]) * obs.status[sym][0],
                self.unit[sym],
            )
        return v

    def system_worth(self, obs: Any) -> Fraction:
        return (
            sum((self.worth(a, obs) for a in obs.accounts.values()), Fraction(0))
            + sum((self.wallet_worth(h, obs) for h in obs.holders), Fraction(0))
            + self.vault_side(obs)
            + self.unbooked(obs)
        )

    def vault_equity(self, obs: Any) -> int:
        """Signed: cash + debt owed - reserve - claims - net PnL (quote units)."""
        b = obs.books
        return b.cash + b.total_debt - b.reserve - b.total_claims - b.net_pnl

    def zero_sum_slack(self, before: Any, after: Any) -> Fraction:
        positions = sum(len(a.positions) for a in before.accounts.values()) + sum(
            len(a.positions) for a in after.accounts.values()
        )
        wei = ZERO_SUM_SLACK_QUOTE_WEI + ZERO_SUM_SLACK_PER_POSITION * positions
        return Fraction(wei * before.status[QUOTE][0], self.unit[QUOTE])

    def comparable(self, before: Any, after: Any) -> bool:
        """Value is compared only when both reads price the same things the same way: the
        marks ok (every market with open interest and the quote priced), the same prices."""
        return (
            before.books.marks_ok
            and after.books.marks_ok
            and before.status[QUOTE][0] != 0
            and all(before.status[s][0] == after.status[s][0] for s in TOKENS)
            and all(a.health.priced for a in after.accounts.values() if a.positions)
            and all(a.health.priced for a in before.accounts.values() if a.positions)
        )

    # ---- invariant 12: zero-sum, after every user action ------------------------------------
    def check_zero_sum(self, label: str, before: Any, after: Any) -> None:
        """Traders' accounts (realised and unrealised PnL, fees paid) + every actor's
        wallet + the vault's side + unbooked tokens are worth the same after a user
        action as before it (one second, one set of prices): perps are zero-sum between
        traders, liquidators and the vault, within counted rounding."""
        if not self.comparable(before, after):
            self.given_away = Fraction(0)
            return
        self.checked("zero-sum (system worth)")
        moved = self.system_worth(after) - self.system_worth(before) + self.given_away
        self.given_away = Fraction(0)
        slack = self.zero_sum_slack(before, after)
        assert abs(moved) <= slack, (
            f"{label}: value created or destroyed: system worth moved by {moved} USD-wei "
            f"(slack {slack})"
        )

    def check_trade_value(
        self,
        label: str,
        before: Any,
        after: Any,
        aid: int,
        payer: str | None = None,
        written: int = 0,
    ) -> None:
        """A trade at the oracle price never raises its trader's worth (account, plus the
        wallet that paid in for open_isolated): it pays the fee and the spread to the vault.
        A close that leaves debt nothing backs has it written off (`written`, quote units,
        V-04): the account's worth rises by that much and no more."""
        if not self.comparable(before, after):
            return
        self.checked("zero-sum (trader never gains)")
        old = before.accounts.get(aid)
        gained = self.worth(after.accounts[aid], after) - (
            self.worth(old, before) if old is not None else 0
        )
        if payer is not None:
            gained += self.wallet_worth(payer, after) - self.wallet_worth(payer, before)
        q = before.status[QUOTE][0]
        slack = Fraction(ROUND_TRIP_SLACK_QUOTE_WEI * q, self.unit[QUOTE])
        assert gained <= slack + Fraction(written * q, self.unit[QUOTE]), (
            f"{label}: the trader gained {gained} USD-wei from a trade "
            f"(written off: {written} quote units)"
        )

    @staticmethod
    def written_off(receipt: Any, vault: Any) -> tuple[int, int]:
        """(assets, LPs' part) the vault wrote off in `receipt`, quote units."""
        logs = [
            log
            for log in receipt.events
            if log.event_name == "BadDebtWrittenOff"
            and log.contract_address == vault.address
        ]
        return sum(log.assets for log in logs), sum(log.from_lps for log in logs)

    # ---- invariant 11 for a trade: the close's write-off (V-04) -----------------------------
    def check_trade_write_off(
        self, label: str, receipt: Any, before: Any, after: Any, aid: int, written: int
    ) -> None:
        """A trade writes off only the debt of an account it left with no collateral (no
        token, no quote, no claim) and no position, all of it, and never more than the
        account's negative equity just before the trade plus that trade's fee."""
        s = self.s
        new = after.accounts[aid]
        mine = [
            log
            for log in receipt.events
            if log.event_name == "BadDebtWrittenOff"
            and log.contract_address == s.engine.address
        ]
        if not written:
            assert not mine, f"{label}: the engine logged a write-off the vault did not"
            assert (
                new.positions or any(new.balances) or new.claim or not new.debt_shares
            ), f"{label}: account {aid} was left with debt and nothing behind it"
            return
        self.checked("write-off (trade)")
        assert [log.account_id for log in mine] == [aid]
        assert not new.positions, f"{label}: {written} written off with positions open"
        assert not any(new.balances) and new.claim == 0, (
            f"{label}: {written} written off while the account holds collateral"
        )
        assert new.debt_shares == 0, f"{label}: a write-off left debt shares"
        q = before.status[QUOTE][0]
        if not (
            q and self.comparable(before, after) and before.accounts[aid].health.priced
        ):
            return
        self.checked("write-off (trade) <= negative equity before")
        # What the trade itself cost the account, all of it the vault's gain in the same
        # transaction: the fee, and the fill's distance from the oracle price (spread and
        # skew impact) on the traded size.
        fees = Fraction(0)
        for log in receipt.events:
            if (
                log.event_name != "PositionModified"
                or log.contract_address != s.engine.address
            ):
                continue
            oracle = before.status[MARKET_ASSET[MARKETS[log.market_id - 1]]][0]
            fees += log.fee + Fraction(
                abs(log.size_delta) * abs(log.fill_price - oracle), WAD
            )
        equity = self.worth(before.accounts[aid], before)
        limit = max(-equity, 0) + fees + self.zero_sum_slack(before, after)
        assert Fraction(written * q, self.unit[QUOTE]) <= limit, (
            f"{label}: account {aid}: written off {written} quote units, but its equity "
            f"before the trade was {equity} USD-wei (+ fee and fill cost {fees})"
        )

    # ---- invariant 13: open interest within oi_share x assets ---------------------------------
    def open_interest(self, obs: Any) -> list[tuple[str, int, Fraction]]:
        """[(market side, OI in USD WAD rounded up, oi_share)] for each side with size."""
        out = []
        for m, name in enumerate(MARKETS):
            st_ = obs.books.states[m]
            price = obs.status[MARKET_ASSET[name]][0]
            share = self.params().markets[m].params.oi_share
            for side, size in (("long", st_.long_size), ("short", st_.short_size)):
                if size:
                    out.append(
                        (f"{name} {side}", ceil_div(size * price, WAD), share, price)
                    )
        return out

    def check_open_interest(
        self, label: str, before: Any, after: Any, written_off: int = 0
    ) -> None:
        """No user action takes a side's open interest (at the oracle price, from the
        registry's side sizes) above oi_share x the vault's assets (totalAssets at the
        quote's price), or further above it where a price move already did. A
        liquidation's write-off (the LPs' part) recognises a loss prices already made, and
        invariant 4's rounding (TA_TOLERANCE) is not an action's doing: both are added
        back to the assets after the action for the "not further above" comparison."""
        if (
            not (before.books.marks_ok and after.books.marks_ok)
            or not before.status[QUOTE][0]
        ):
            return
        q = before.status[QUOTE][0]
        a0 = Fraction(before.books.total_assets * q, self.unit[QUOTE])
        a1 = Fraction(after.books.total_assets * q, self.unit[QUOTE])
        a1_credited = a1 + Fraction((written_off + TA_TOLERANCE) * q, self.unit[QUOTE])
        was = {side: oi for side, oi, _, _ in self.open_interest(before)}
        for side, oi, share, price in self.open_interest(after):
            if price == 0:
                continue
            self.checked("open interest bound")
            if oi * WAD <= share * a1:
                continue
            old = was.get(side, 0)
            # Above the bound: allowed only if it was there already and is not further
            # above it (ratio oi / assets not up), i.e. oi1 x a0 <= oi0 x a1.
            if old * WAD > share * a0 and oi * a0 <= old * a1_credited:
                self.checked("open interest above the bound, not raised")
                continue
            msg = (
                f"{label}: {side} open interest {oi} USD-wei is above oi_share "
                f"{Fraction(share, WAD)} x assets {a1} (before: {old} vs {a0})"
            )
            if label in LP_EXIT_LABELS and not V01_FIXED:
                self.gated(f"V-01: {label} takes open interest above oi_share x assets")
                continue
            raise AssertionError(msg)

    def oi_room(self, obs: Any) -> int | None:
        """Quote the LPs may take without open interest exceeding oi_share x assets
        (totalAssets - the assets the largest side needs); None when nothing is open."""
        q = obs.status[QUOTE][0]
        needs = [
            ceil_div(oi * WAD * self.unit[QUOTE], share * q)
            for _, oi, share, price in self.open_interest(obs)
            if price and share
        ]
        if not needs or not q:
            return None
        return max(obs.books.total_assets - max(needs), 0)

    # ---- invariant 11: write-offs, and the liquidator's gain (per liquidation) ---------------
    def check_liquidation_value(
        self, receipt: Any, before: Any, after: Any, aid: int, who: Any, written: int
    ) -> None:
        s = self.s
        old, new = before.accounts[aid], after.accounts[aid]
        repaid, seized, fee = receipt.return_value
        closes = [
            log
            for log in receipt.events
            if log.event_name == "PositionLiquidated"
            and log.contract_address == s.registry.address
        ]
        q = before.status[QUOTE][0]
        uq = self.unit[QUOTE]
        # Each close charges at most the stated liquidation and trading fees on its notional.
        liq_fees = Fraction(0)
        trading_fees = Fraction(0)
        for log in closes:
            p = self.market_params(log.market_id - 1)
            notional = ceil_div(abs(log.size) * log.price, WAD)
            assert log.liquidation_fee <= ceil_div(notional * p.liquidation_fee, WAD), (
                "a close charged more than the liquidation fee"
            )
            assert log.trading_fee <= ceil_div(notional * p.trading_fee, WAD), (
                "a close charged more than the trading fee"
            )
            liq_fees += log.liquidation_fee
            trading_fees += log.trading_fee
        if q:
            assert fee <= liq_fees * uq / q + 1, (
                f"the liquidator was paid a fee of {fee} above the closes' {liq_fees} USD-wei"
            )
        # Invariant 11: a write-off only with nothing left, never more than a real loss.
        if written:
            self.checked("write-off")
            assert not new.positions, (
                f"account {aid}: {written} written off while {len(new.positions)} "
                "position(s) stay open"
            )
            assert not any(new.balances) and new.claim == 0, (
                f"account {aid}: {written} written off while it still holds collateral"
            )
        # The liquidator's gain: its wallet at the step's prices (one second, one set of
        # prices: the liquidation moves none), seized tokens and fee in, repayment out.
        gain = self.wallet_worth(who.address, after) - self.wallet_worth(
            who.address, before
        )
        if q:
            # The liquidator earns only the stated fee and bonus: seized value <=
            # repaid x (1 + the largest bonus of a seized token), + 1 wei of each token.
            self.checked("liquidator gain <= fee + bonus")
            bonus = max(
                [
                    self.params().collaterals[k].liquidation_bonus
                    for k in range(len(TOKENS))
                    if new.balances[k] != old.balances[k]
                ]
                or [0]
            )
            rounding = sum(
                (Fraction(before.status[sym][0], self.unit[sym]) for sym in TOKENS),
                Fraction(0),
            )
            bound = (
                Fraction(fee * q, uq)
                + Fraction(repaid * q, uq) * Fraction(bonus, WAD)
                + rounding
            )
            assert gain <= bound, (
                f"the liquidator gained {gain} USD-wei, above fee {fee} + bonus on "
                f"repaid {repaid} ({bound})"
            )
        if q and self.comparable(before, after) and old.health.priced:
            # The account loses exactly what the liquidation paid out of it (the
            # liquidator's gain, the closes' trading fees) and gains only the write-off:
            # its closes realise no more than their unrealised PnL at the oracle price.
            self.checked("liquidated account gains only the write-off")
            moved = self.worth(new, after) - self.worth(old, before)
            excess = moved + gain + trading_fees - Fraction(written * q, uq)
            assert excess <= self.zero_sum_slack(before, after), (
                f"account {aid} came out of its liquidation {excess} USD-wei richer than "
                f"its write-off ({written}) less the liquidator's gain and trading fees"
            )
        if written and q and old.health.priced:
            # Never more than the negative equity just before the liquidation (same
            # second, same prices), plus what the liquidation paid out of the account:
            # the liquidator's gain (fee and bonus) and the closes' trading fees.
            self.checked("write-off <= negative equity before")
            equity = self.worth(old, before)
            taken = max(gain, Fraction(0))
            slack = self.zero_sum_slack(before, after)
            limit = max(-equity, 0) + taken + trading_fees + slack
            assert Fraction(written * q, uq) <= limit, (
                f"account {aid}: written off {written} quote units = "
                f"{Fraction(written * q, uq)} USD-wei, but its equity before the "
                f"liquidation was {equity} (+ liquidator {taken} + trading fees "
                f"{trading_fees})"
            )

    # ---- invariant 14: liquidatable at the usable prices ------------------------------------
    def below_one_at_usable_prices(self, acc: Any, obs: Any) -> bool | None:
        """Whether the account is below health 1 at its usable prices, computed here from
        its balances, the collaterals' LT and the prices (an unusable collateral price
        counts 0); None when DESIGN lets liquidation wait (the sequencer down, the quote or
        a market it needs without a usable price)."""
        if not acc.active:
            return False
        if any(st_ & Status.SEQUENCER_DOWN for _, st_ in obs.status.values()):
            return None
        needs = [MARKET_ASSET[MARKETS[p.market_id - 1]] for p in acc.positions]
        needs.append(QUOTE)  # every liquidation reads the quote
        if not all(usable(obs.status[sym][1]) for sym in needs):
            return None
        cfgs = self.params().collaterals
        wc = 0
        for k, sym in enumerate(TOKENS):
            amount = acc.balances[k] + (acc.claim if k == QI else 0)
            price = obs.status[sym][0]
            if amount and price:
                wc += (
                    amount
                    * price
                    // self.unit[sym]
                    * cfgs[k].liquidation_threshold
                    // WAD
                )
        q = obs.status[QUOTE][0]
        debt = ceil_div(acc.debt * q, self.unit[QUOTE]) if acc.debt_shares else 0
        assert wc == acc.health.wc_maint, (
            f"account {acc.account_id}: wc_maint {acc.health.wc_maint} != {wc} at the usable prices"
        )
        if acc.balances[QI] or acc.claim or acc.debt_shares:
            assert debt == acc.health.debt
        return wc - debt + acc.health.pnl < acc.health.maint_req

    # ---- invariant 15: LP exits -------------------------------------------------------------
    def exits_open_by_design(self, obs: Any) -> bool:
        """DESIGN: out-of-band and grace prices do not freeze LP exits; only stale or
        invalid marks (of the quote, or of a market with open interest) or the sequencer
        down may."""
        syms = {QUOTE} | {
            MARKET_ASSET[name]
            for m, name in enumerate(MARKETS)
            if obs.books.states[m].long_size or obs.books.states[m].short_size
        }
        return not any(obs.status[sym][1] & FROZEN for sym in syms)

    def check_lp_exits(self, obs: Any) -> None:
        b = obs.books
        if not self.exits_open_by_design(obs):
            return
        # With V-02 fixed the marks are usable (exits open) at out-of-band and grace
        # prices, though not OK (deposits wait): unusable marks set `needed` to max_value.
        frozen = b.oi_needed == MAX_UINT256 if V02_FIXED else not b.marks_ok
        if frozen:
            if any(b.shares[h] for h in range(len(self.E.lps))):
                if V02_FIXED:
                    raise AssertionError(
                        "LP exits frozen (marks unusable) by an out-of-band or grace price"
                    )
                self.gated("V-02: LP exits frozen by an out-of-band or grace mark")
            return
        room = self.oi_room(obs) if V01_FIXED else None
        for h, lp in enumerate(self.E.lps):
            own = mul_div(
                b.shares[h],
                exit_assets(b.total_assets, b.band),
                b.total_supply + VIRTUAL_SHARES,
            )
            take = min(own, b.free_cash)
            if room is not None:
                take = min(take, room)
            self.checked("LP exit takes min(assets, free cash)")
            assert b.max_withdraw[h] >= take, (
                f"LP {h} may withdraw {b.max_withdraw[h]}, not min(its assets {own}, "
                f"free cash {b.free_cash})"
            )

    # ---- invariant 16: no deposit into a vault with equity <= 0 -----------------------------
    def insolvent(self, obs: Any) -> bool:
        b = obs.books
        return b.marks_ok and b.total_supply > 0 and self.vault_equity(obs) <= 0

    def deposit_must(self, must: str | None, obs: Any, label: str) -> str | None:
        """The expected revert of an LP entry, with invariant 16 (gated on V-03)."""
        if must is None and self.insolvent(obs):
            self.checked("deposit while equity <= 0")
            if V03_FIXED:
                return V03_DEPOSIT_REASON
        return must

    def skip_insolvent_deposit(self, obs: Any, label: str) -> bool:
        """Until V-03 is merged, an LP entry into a vault whose equity is <= 0 is not made:
        it would be accepted (V-03) and break the entry's exact checks and invariant 4
        (the new shares are worth nothing). Counted under "gated"."""
        if self.insolvent(obs) and not V03_FIXED:
            self.checked("deposit while equity <= 0")
            self.gated(f"V-03: {label} into a vault with equity <= 0 not made")
            return True
        return False

    def check_deposits_closed(self, obs: Any) -> None:
        if self.insolvent(obs):
            self.checked("maxDeposit while equity <= 0")
            if V03_FIXED:
                assert obs.books.max_deposit == 0, "deposits open while equity <= 0"
            elif obs.books.max_deposit:
                self.gated("V-03: maxDeposit > 0 while the vault's equity <= 0")

    # ======================================================================================
    # actors
    # ======================================================================================
    def trader_worth(self, t: int, obs: Any) -> Fraction:
        """A trader's wallet, accounts and LP shares (at the exit price), USD WAD."""
        who = self.trader(t).address
        b = obs.books
        shares = obs.shares(who)
        lp = Fraction(
            shares * exit_assets(b.total_assets, b.band),
            b.total_supply + VIRTUAL_SHARES,
        )
        return (
            self.wallet_worth(who, obs)
            + sum(
                (self.worth(obs.accounts[a], obs) for a in self.accounts_of[t]),
                Fraction(0),
            )
            + lp * obs.status[QUOTE][0] / self.unit[QUOTE]
        )

    @rule(
        t=st.integers(0, 3),
        i=st.integers(0, 7),
        m=st.integers(0, len(MARKETS) - 1),
        sign=st.sampled_from([1, -1]),
        units=st.sampled_from([10**6, 10**7, 3 * 10**6, 10**5]),
    )
    def flash_lp(self, t: int, i: int, m: int, sign: int, units: int) -> None:
        """A trader deposits as an LP, opens as much as the bigger vault allows, and
        redeems its shares, all in one block: the deposit must not back the open interest
        (invariant 13 after the block, gated on V-01), and the trader gains nothing."""
        aid = self.pick(t, i)
        if aid is None:
            return
        who, vault, engine = self.trader(t), self.s.vault, self.s.engine
        before = self.observe()
        b = before.books
        assets = units * self.unit[QUOTE]
        if self.skip_insolvent_deposit(before, "flash lp"):
            return
        if self.simulate(who, vault.deposit, assets, who.address)[0] is not None:
            return
        shares = mul_div(
            assets,
            b.total_supply + VIRTUAL_SHARES,
            entry_assets(b.total_assets, b.band),
        )
        name = MARKETS[m]
        price = self.price_of(MARKET_ASSET[name])
        q = self.quote_price()
        st_ = b.states[m]
        side = st_.long_size if sign > 0 else st_.short_size
        share = self.market_params(m).oi_share
        room = (
            share * (b.total_assets + assets) * q // self.unit[QUOTE] // WAD
            - side * price // WAD
        )
        capacity = abs(self.trade_size(before.accounts[aid], m, 1_000, sign, 0, 0))
        size = min(max(room, 0) * WAD // price * 99 // 100, capacity)
        if shares == 0 or size == 0:
            return
        delta = sign * size
        statuses = self.same_block(
            [
                (who, vault.deposit, (assets, who.address)),
                (
                    who,
                    engine.modify_position,
                    (aid, m + 1, delta, MAX_UINT256 if delta > 0 else 0),
                ),
                (who, vault.redeem, (shares, who.address, who.address)),
            ]
        )
        assert statuses[0] == 1, "the flash LP's deposit simulated, then failed"
        after = self.after_user_action("flash lp", before, {aid})
        stats = self.E.stats.setdefault("flash lp", Counter())
        stats["trade ok" if statuses[1] else "trade refused"] += 1
        stats["redeem ok" if statuses[2] else "redeem refused"] += 1
        if statuses[1]:
            old = {p.market_id: p.size for p in before.accounts[aid].positions}.get(
                m + 1, 0
            )
            new = {p.market_id: p.size for p in after.accounts[aid].positions}.get(
                m + 1, 0
            )
            assert new == old + delta
        if self.comparable(before, after):
            self.checked("flash LP gains nothing")
            gained = self.trader_worth(t, after) - self.trader_worth(t, before)
            slack = self.zero_sum_slack(before, after)
            assert gained <= slack, f"the flash LP gained {gained} USD-wei in one block"

    @precondition(
        lambda self: min(map(len, self.accounts_of.values())) < MAX_ACCOUNTS_PER_TRADER
    )
    @rule(
        t=st.integers(0, 3),
        c=st.sampled_from([10**6, 10**7, 10**5]),
        m=st.integers(0, len(MARKETS) - 1),
        ratio=st.integers(300, 1_000),
    )
    def hedged_account(self, t: int, c: int, m: int, ratio: int) -> None:
        """A trader opens a quote-only cross account (c US cents of quote), long one
        market with a share of its capacity and short the next one with the rest: the
        shape of H-1 (a close of the losing leg eats all the quote while the other leg's
        profit stays open). Each call goes through the ordinary rules' checks."""
        if len(self.accounts_of[t]) >= MAX_ACCOUNTS_PER_TRADER:
            return
        self.open_account(t, 2)
        i = len(self.accounts_of[t]) - 1
        self.deposit_collateral(t, i, 0, QI, c)
        self.modify_position(t, i, 0, m, 1, 0, ratio // 2, 0, 0)
        self.modify_position(t, i, 0, (m + 1) % len(MARKETS), -1, 0, ratio, 0, 0)
        self.E.stats.setdefault("hedged accounts", Counter())["opened"] += 1

    @rule(i=st.integers(0, 40), k=st.sampled_from(SHIELD_TOKENS))
    def dust_shield(self, i: int, k: int) -> None:
        """An owner adds 1 wei of a token its (most endangered, by health) active account
        does not hold, then that token's feed goes stale and stays stale (time does not
        refresh it until `refresh_feed` or a price move of it): invariant 14 must still
        find the account liquidatable when it is below health 1."""
        before = self.observe()
        active = sorted(
            (a for a in before.accounts.values() if a.active),
            key=lambda a: a.health.health_factor,
        )
        if not active:
            return
        acc = active[0] if i < 20 else active[i % len(active)]
        aid = acc.account_id
        t = self.owner_index[aid]
        sym = NON_QUOTE[k]
        kk = TOKENS.index(sym)
        cfg = self.params().collaterals[kk]
        nonquote = [x for x in acc.held if x != self.addr[QUOTE]]
        if acc.balances[kk] == 0:
            must = (
                "engine: collateral disabled"
                if not cfg.enabled
                else "engine: bucket holds another token"
                if acc.mode == 1 and nonquote
                else "engine: supply cap exceeded"
                if before.books.totals[kk] + 1 > cfg.supply_cap
                else None
            )
            if self.send(
                "dust shield",
                self.s.engine.deposit_collateral,
                aid,
                self.s.tokens[sym],
                1,
                sender=self.trader(t),
                must=must,
            ):
                after = self.after_user_action("dust shield", before, {aid})
                assert after.accounts[aid].balances[kk] == 1
        self.shielded.add(sym)
        self.stale_feed(kk)
        self.E.stats.setdefault("dust shield", Counter())[sym] += 1

    @precondition(lambda self: bool(self.candidates()))
    @rule(
        i=st.integers(0, 40),
        choice=st.sampled_from([1, 0, 1, 3]),
        cap=st.sampled_from(["max", "max", "half"]),
    )
    def self_liquidate(self, i: int, choice: int, cap: str) -> None:
        """An owner liquidates its own liquidatable account with itself as receiver: as a
        liquidator it earns at most the stated fee and bonus (invariant 12, per
        liquidation), and as owner and liquidator together it ends no richer than the
        debt written off (its limited liability: the write-off itself is invariant 11)."""
        cands = self.candidates()
        aid = cands[i % len(cands)]
        t = self.owner_index[aid]
        before = self.observe()
        who = self.trader(t)
        receipt, written = self._liquidate(
            0, i, True, choice, cap, False, who=who, aid=aid
        )
        if receipt is None:
            return
        after = self.observe()
        self.E.stats.setdefault("self-liquidations", Counter())["ok"] += 1
        if self.comparable(before, after):
            self.checked("self-liquidator gains nothing")
            q = before.status[QUOTE][0]
            gained = self.trader_worth(t, after) - self.trader_worth(t, before)
            limit = Fraction(written * q, self.unit[QUOTE]) + self.zero_sum_slack(
                before, after
            )
            assert gained <= limit, (
                f"a self-liquidation made its owner {gained} USD-wei richer "
                f"(written off {written})"
            )


__all__ = ["ValueChecks", "TRADE"]
