"""The whole-system state machine (issue 8): real Vault, MarginEngine, MarketRegistry and
OracleAdapter on anvil, driven by LPs, traders, liquidators, a moving market, time, the
sequencer, stale feeds, donations and the owner, with every invariant of docs/invariants.md
checked after every step.

How a step works
- Every transaction of a step is mined at the machine's clock `now` (blocks share a
  timestamp until a time rule moves it), so a view read at the pending block before the
  action and at the head after it are as of the same second: no interest or funding
  between them, and any difference is the action's doing.
- Each action rule computes, from the state just read, the exact reason it must revert
  with (`must`) when the outcome is certain, or the set of reasons it may revert with
  (`allowed`) otherwise; a call that reverts with anything else fails the run, and a
  reverted call must leave every storage root of the system (engine, vault, registry,
  oracle, feeds, tokens) unchanged. Every call is simulated first (eth_call at the
  pending block: same second, same state, so the same outcome and return value), then
  mined as a raw transaction with an explicit gas limit, reverted calls included.
- A successful action is checked for its exact effect (balances, shares, debt, positions)
  and against the cross-cutting invariants: no other account changed (ledger and health,
  to the wei), no healthy account became liquidatable, and the share price did not fall
  (beyond rounding, except by a liquidation's write-off).
- `invariants_hold` then checks the books, the ledgers, funding, the indices, the
  parameter bounds and liveness after every step (HEAVY_EVERY can space the last two
  out in the `ci` profile; it is 1).

Rules take plain ints and bools (actor and account indices, per-mille ratios, cents), so a
failing sequence printed by Hypothesis replays as written (tests/regressions/README.md).
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

import eth_abi
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from system_machine_model import (
    GAS,
    HEAVY_EVERY,
    IDENTITY_SLACK_PER_ITEM,
    LIQUIDATOR_NAMES,
    LP_NAMES,
    MARKET_ASSET,
    MARKETS,
    MAX_ACCOUNTS_PER_TRADER,
    MAX_UINT256,
    NON_QUOTE,
    QUOTE,
    ROUND_TRIP_SLACK_QUOTE_WEI,
    SEIZE,
    SHORTFALL_SLACK_QUOTE_WEI,
    TA_TOLERANCE,
    TOKENS,
    TRADE,
    TRADER_NAMES,
    VIRTUAL_SHARES,
    WAD,
    ZERO_ADDRESS,
    Status,
    ceil_div,
    entry_assets,
    exit_assets,
    mul_div,
    PRE_RESTART,
    oracle_reason,
    share_price,
    usable,
)
from system_machine_probe import revert_reason
from system_machine_value import ValueChecks

QI = TOKENS.index(QUOTE)  # 0


@dataclass
class MachineEnv:
    """Everything the machine acts on, deployed once per module (tests/invariants/conftest.py)."""

    chain: Any
    system: Any  # tests/unit/engine/conftest.py System
    lens: Any
    probe: Any  # system_machine_probe.Probe
    owner: Any
    guardian: Any
    outsider: Any  # holds tokens, no account: unauthorised calls, donations
    lps: list
    traders: list
    liquidators: list
    heartbeat: int
    feed_decimals: int
    stats: dict = field(default_factory=dict)

    @property
    def holders(self) -> list:
        return [*self.lps, *self.traders, *self.liquidators, self.outsider]


@dataclass
class Obs:
    """One read of the system (books, every account, wallets) at the machine's clock."""

    books: Any
    accounts: dict[int, Any]
    status: dict[str, tuple[int, int]]  # symbol -> (price, status flag)
    holders: list[str]  # lower-case addresses, the order of books.shares / wallets

    def wallet(self, address: str, symbol: str) -> int:
        h = self.holders.index(address.lower())
        return self.books.wallets[h * len(TOKENS) + TOKENS.index(symbol)]

    def shares(self, address: str) -> int:
        return self.books.shares[self.holders.index(address.lower())]


@dataclass
class Sent:
    """A mined, successful transaction: its return value (the simulation's, same block and
    state) and, on demand, its decoded events (through ape, only where a rule needs them)."""

    chain: Any
    tx_hash: str
    return_value: Any
    _events: list | None = None

    @property
    def events(self) -> list:
        if self._events is None:
            self._events = list(self.chain.provider.get_receipt(self.tx_hash).events)
        return self._events


def calldata(method: Any, args: tuple) -> str:
    return "0x" + bytes(method.encode_input(*args)).hex()


def decode_return(method: Any, raw: str) -> Any:
    outputs = [o.canonical_type for o in method.abis[0].outputs]
    if not outputs:
        return None
    values = eth_abi.decode(outputs, bytes.fromhex(raw[2:]))
    return values[0] if len(values) == 1 else tuple(values)


def ledger(acc: Any) -> tuple:
    """What an account owns and owes, as stored (no prices)."""
    return (
        acc.owner,
        acc.mode,
        acc.debt_shares,
        acc.claim,
        acc.vault_claim,
        acc.balances,
        tuple(sorted(acc.held)),
        acc.positions,
    )


def solvent(b: Any) -> bool:
    """The vault takes deposits (V-03): equity > 0, or equity 0 with no shares."""
    return b.total_assets > 0 or (b.deficit == 0 and b.total_supply == 0)


def marks_usable(b: Any) -> bool:
    """LP exits are open (V-02): every price the marks need is fresh (OK, out of band,
    grace); a stale or invalid one makes `needed` max_value."""
    return b.oi_needed != MAX_UINT256


def holds_collateral(acc: Any) -> bool:
    return any(acc.balances) or acc.claim != 0


# ---- strategies -----------------------------------------------------------------------
lp_index = st.integers(0, len(LP_NAMES) - 1)
trader_index = st.integers(0, len(TRADER_NAMES) - 1)
liquidator_index = st.integers(0, len(LIQUIDATOR_NAMES) - 1)
account_index = st.integers(0, 7)
token_index = st.integers(0, len(TOKENS) - 1)
non_quote_index = st.integers(0, len(NON_QUOTE) - 1)
market_index = st.integers(0, len(MARKETS))  # len(MARKETS) = an id never listed
per_mille = st.one_of(
    st.sampled_from([500, 1_000, 900, 250, 1_100]), st.integers(0, 1_300)
)
# US cents, one significant digit, $0.01 .. $90,000,000 (mid-sized amounts drawn first).
cents = st.builds(
    lambda d, e: d * 10**e,
    st.integers(1, 9),
    st.sampled_from([5, 4, 6, 3, 7, 2, 8, 1, 0, 9]),
)
# 0 = the owner, 1 = an approved operator if any (else the owner), 2 = an outsider.
caller_kind = st.sampled_from([0, 0, 0, 1, 2])
# Mostly pick among what the account holds (a token, a position), sometimes anything.
held_first = st.sampled_from([True, True, True, False])


class SystemMachine(ValueChecks, RuleBasedStateMachine):
    env: ClassVar[MachineEnv | None] = None

    # ---- lifecycle --------------------------------------------------------------------
    def __init__(self) -> None:
        super().__init__()
        env = type(self).env
        assert env is not None, (
            "SystemMachine.env is set by the test (machine_env fixture)"
        )
        self.E = env
        self.s = env.system
        self.chain = env.chain
        self.snapshot = self.chain.snapshot()
        self.now = self.chain.blocks.head.timestamp
        self.count = self.s.engine.account_count()
        self.accounts_of: dict[int, list[int]] = {
            i: [] for i in range(len(TRADER_NAMES))
        }
        self.owner_index: dict[int, int] = {}
        self.operators: set[tuple[int, str]] = set()
        self.obs: Obs | None = None
        self.prev: Obs | None = None
        self.step_kind = "init"
        self.steps = 0
        self.param_cache = None
        self.shielded: set[str] = (
            set()
        )  # tokens whose feed the dust shielder keeps stale
        self.given_away = Fraction(
            0
        )  # value a donation sent out of the books (invariant 12)
        self.addr = {sym: self.s.tokens[sym].address.lower() for sym in TOKENS}
        self.unit = {sym: 10 ** self.s.listings[sym].decimals for sym in TOKENS}
        self.market_id = {name: self.s.markets[name] for name in MARKETS}
        self.answers = {sym: self.s.feeds[sym].latestRoundData()[1] for sym in TOKENS}
        self.holder_addrs = [h.address.lower() for h in env.holders]
        self.digest_addrs = [
            c.address
            for c in (
                self.s.engine,
                self.s.vault,
                self.s.registry,
                self.s.oracle,
                self.s.sequencer,
                *self.s.feeds.values(),
                *self.s.tokens.values(),
            )
        ]
        self.t0 = time.monotonic()
        env.stats["examples"] = env.stats.get("examples", 0) + 1

    def teardown(self) -> None:
        stats = self.E.stats
        stats["steps"] = stats.get("steps", 0) + self.steps
        stats["seconds"] = stats.get("seconds", 0.0) + time.monotonic() - self.t0
        log = os.environ.get("SYSTEM_MACHINE_LOG")
        if log:
            with open(log, "a") as f:
                f.write(
                    f"example {stats['examples']} steps {self.steps} accounts {self.count}"
                    f" total_steps {stats['steps']} seconds {stats['seconds']:.0f}\n"
                )
        self.chain.restore(self.snapshot)

    # ---- plumbing ---------------------------------------------------------------------
    def pin(self) -> None:
        """The next block (and views read at the pending block) are at `now`."""
        self.chain.provider.make_request("evm_setNextBlockTimestamp", [self.now])

    def checked(self, what: str, n: int = 1) -> None:
        """Count a conditional check that ran (the report shows none is vacuous)."""
        self.E.stats.setdefault("checked", Counter())[what] += n

    def timed(self, key: str, since: float) -> None:
        t = self.E.stats.setdefault("time", Counter())
        t[key] += time.monotonic() - since

    def observe(self) -> Obs:
        if self.obs is not None:
            return self.obs
        t0 = time.monotonic()
        self.pin()
        e, s = self.E, self.s
        tokens = [self.addr[sym] for sym in TOKENS]
        ids = list(range(1, self.count + 1))
        books, accounts = e.probe.read(
            [
                (
                    "books",
                    (
                        s.engine.address,
                        s.vault.address,
                        s.registry.address,
                        s.oracle.address,
                        self.holder_addrs,
                        tokens,
                        tokens,
                        [self.market_id[m] for m in MARKETS],
                    ),
                ),
                ("accounts", (s.engine.address, s.vault.address, ids, tokens)),
            ]
        )
        status = {
            sym: (p.price, p.status)
            for sym, p in zip(TOKENS, books.prices, strict=True)
        }
        status = self.mark_pre_restart(status)
        self.obs = Obs(
            books, {a.account_id: a for a in accounts}, status, self.holder_addrs
        )
        self.timed("observe", t0)
        return self.obs

    def params(self) -> Any:
        if self.param_cache is None:
            self.pin()
            s = self.s
            (self.param_cache,) = self.E.probe.read(
                [
                    (
                        "params",
                        (
                            s.engine.address,
                            s.vault.address,
                            s.registry.address,
                            s.oracle.address,
                            [self.addr[sym] for sym in TOKENS],
                            [self.market_id[m] for m in MARKETS],
                        ),
                    )
                ]
            )
        return self.param_cache

    def digest(self) -> tuple:
        t0 = time.monotonic()
        answers = self.E.probe.batch(
            [("eth_getProof", [a, [], "latest"]) for a in self.digest_addrs]
        )
        self.timed("digest", t0)
        return tuple(a["result"]["storageHash"] for a in answers)

    def rpc(self, method: str, params: list) -> Any:
        answer = self.E.probe.w3.provider.make_request(method, params)
        assert "error" not in answer, f"{method}: {answer['error']}"
        return answer["result"]

    def submit(self, sender: Any, method: Any, args: tuple) -> str:
        """Send one transaction as raw JSON-RPC (anvil holds the test keys): explicit gas,
        no estimation, no ape bookkeeping (ape would make ~20 requests per transaction)."""
        return self.rpc(
            "eth_sendTransaction",
            [
                {
                    "from": sender.address,
                    "to": method.contract.address,
                    "data": calldata(method, args),
                    "gas": hex(GAS),
                    "gasPrice": "0x0",
                }
            ],
        )

    def receipt(self, tx_hash: str) -> dict:
        for _ in range(3_000):
            answer = self.rpc("eth_getTransactionReceipt", [tx_hash])
            if answer is not None:
                return answer
            time.sleep(0.002)
        raise AssertionError(f"no receipt for {tx_hash}")

    def simulate(self, sender: Any, method: Any, *args: Any) -> tuple[str | None, str]:
        """(revert reason or None, return data) of `method(*args)` from `sender` now."""
        self.pin()
        (answer,) = self.E.probe.batch(
            [
                (
                    "eth_call",
                    [
                        {
                            "from": sender.address,
                            "to": method.contract.address,
                            "data": calldata(method, args),
                            "gas": hex(GAS),
                        },
                        "pending",
                    ],
                )
            ]
        )
        return revert_reason(answer), answer.get("result", "0x")

    def tx(self, fn: Any, *args: Any, sender: Any) -> Sent:
        """A transaction that must succeed (setup, feeds, owner moves)."""
        reason, raw = self.simulate(sender, fn, *args)
        assert reason is None, f"{fn}: reverts {reason!r}"
        self.pin()
        tx_hash = self.submit(sender, fn, args)
        assert int(self.receipt(tx_hash)["status"], 16) == 1, (
            f"{fn}: simulated, then failed"
        )
        self.obs = None
        return Sent(self.chain, tx_hash, decode_return(fn, raw))

    def send(
        self,
        label: str,
        fn: Any,
        *args: Any,
        sender: Any,
        must: str | None = None,
        allowed: set[str] | frozenset = frozenset(),
    ) -> Sent | None:
        """Send an action. It reverts with `must` if given (else with a reason in
        `allowed`, or succeeds). The call is first simulated at the pending block (same
        second, same state: same outcome, and the return value); then it is mined. A
        reverted call must fail on chain too and leave every storage root unchanged."""
        before = self.observe()
        stats = self.E.stats.setdefault("calls", Counter())
        t0 = time.monotonic()
        reason, raw = self.simulate(sender, fn, *args)
        if reason is None:
            assert must is None, f"{label}: succeeds, expected the revert {must!r}"
            self.pin()
            tx_hash = self.submit(sender, fn, args)
            assert int(self.receipt(tx_hash)["status"], 16) == 1, (
                f"{label}: simulated, then failed"
            )
            self.obs = None
            stats[f"{label} ok"] += 1
            self.timed("send ok", t0)
            return Sent(self.chain, tx_hash, decode_return(fn, raw))
        stats[f"{label} reverted: {reason}"] += 1
        if must is not None:
            assert reason == must, f"{label}: reverts {reason!r}, expected {must!r}"
        else:
            assert reason in allowed, (
                f"{label}: unexpected revert {reason!r} (allowed: {sorted(allowed)})"
            )
        roots = self.digest()
        self.pin()
        tx_hash = self.submit(sender, fn, args)
        assert int(self.receipt(tx_hash)["status"], 16) == 0, (
            f"{label}: mined and passed"
        )
        assert self.digest() == roots, (
            f"{label}: reverted ({reason!r}) but state changed"
        )
        self.obs = before  # same second, same state
        self.timed("send revert", t0)
        return None

    def mark_pre_restart(
        self, status: dict[str, tuple[int, int]]
    ) -> dict[str, tuple[int, int]]:
        """Add PRE_RESTART to a STALE status whose answer is within its heartbeat but was
        published before the sequencer's restart, in the grace period (the adapter's
        "oracle: WETH predates restart"; reads the feeds only when such a case can arise)."""
        stale = [sym for sym, (_, st_) in status.items() if st_ & Status.STALE]
        if (
            not stale
            or self.s.oracle.sequencer_status(block_id="pending") != Status.GRACE
        ):
            return status
        restarted = self.s.sequencer.latestRoundData()[2]
        for sym in stale:
            updated = self.s.feeds[sym].latestRoundData()[3]
            heartbeat = self.s.oracle.feed_config(self.addr[sym]).heartbeat
            if self.now - updated <= heartbeat and updated < restarted:
                status[sym] = (status[sym][0], status[sym][1] | PRE_RESTART)
                self.checked("answer predates the restart")
        return status

    def relevant_status(self, acc: Any, extra: tuple[str, ...] = ()) -> dict[str, int]:
        """Statuses of the assets the account's health reads (plus `extra`)."""
        obs = self.observe()
        syms = set(extra)
        if acc is not None:
            if acc.balances[QI] or acc.claim or acc.debt_shares:
                syms.add(QUOTE)
            syms |= {sym for k, sym in enumerate(TOKENS) if k != QI and acc.balances[k]}
            syms |= {MARKET_ASSET[MARKETS[p.market_id - 1]] for p in acc.positions}
        return {sym: obs.status[sym][1] for sym in syms}

    @staticmethod
    def oracle_reasons(statuses: dict[str, int], strict: bool) -> set[str]:
        out = set()
        for sym, status in statuses.items():
            if (strict and status != Status.OK) or not usable(status):
                reason = oracle_reason(sym, status)
                if reason:
                    out.add(reason)
        return out

    # ---- actors and accounts ----------------------------------------------------------
    def trader(self, t: int) -> Any:
        return self.E.traders[t]

    def caller(self, t: int, kind: int) -> Any:
        """The owner (0), an approved operator of it (1; the owner if none), an outsider (2)."""
        if kind == 1:
            for owner, op in sorted(self.operators):
                if owner == t:
                    for actor in self.E.holders:
                        if actor.address.lower() == op:
                            return actor
            return self.trader(t)
        if kind == 2:
            return self.E.outsider
        return self.trader(t)

    def controls(self, actor: Any, t: int) -> bool:
        a = actor.address.lower()
        return a == self.trader(t).address.lower() or (t, a) in self.operators

    def token_of(self, acc: Any, k: int, held: bool) -> int:
        """Token index: the k-th token the account holds if `held` (and it holds any)."""
        ks = [j for j in range(len(TOKENS)) if acc.balances[j]]
        return ks[k % len(ks)] if held and ks else k

    def market_of(self, acc: Any, m: int, held: bool) -> int:
        """Market index: the m-th market it has a position in if `held` (and it has one)."""
        ms = [p.market_id - 1 for p in acc.positions]
        return ms[m % len(ms)] if held and ms else m

    def pick(self, t: int, i: int) -> int | None:
        ids = self.accounts_of[t]
        return ids[i % len(ids)] if ids else None

    def any_account(self, i: int) -> int | None:
        return (i % self.count) + 1 if self.count else None

    def register(self, account_id: int, t: int) -> None:
        assert account_id == self.count + 1, "ids are sequential and never reused"
        self.count = account_id
        self.accounts_of[t].append(account_id)
        self.owner_index[account_id] = t

    def quote_price(self) -> int:
        price = self.observe().status[QUOTE][0]
        return price or self.answers[QUOTE] * 10 ** (18 - self.E.feed_decimals)

    def price_of(self, sym: str) -> int:
        price = self.observe().status[sym][0]
        return price or self.answers[sym] * 10 ** (18 - self.E.feed_decimals)

    def amount_for(self, sym: str, cents_: int) -> int:
        """Token units worth `cents_` US cents at the current (or last) price."""
        return cents_ * 10**16 * self.unit[sym] // self.price_of(sym)

    # ---- cross-cutting checks of one action -----------------------------------------------
    def after_user_action(
        self, label: str, before: Obs, targets: set[int], written_off: int = 0
    ) -> Obs:
        """Isolation, no healthy -> unhealthy, share price (invariants 4 and 5)."""
        after = self.observe()
        for aid, acc in before.accounts.items():
            now_acc = after.accounts[aid]
            if aid not in targets:
                assert ledger(now_acc) == ledger(acc), (
                    f"{label}: account {aid} was not targeted but its ledger changed"
                )
                assert now_acc.health == acc.health, (
                    f"{label}: account {aid} was not targeted but its health changed"
                )
            # Healthy = priced and not liquidatable. An unpriced account (a price its health
            # needs is unusable) is not known to be healthy: repaying all its debt, say,
            # can drop the stale quote from what it reads and show it liquidatable.
            healthy = acc.health.priced and not acc.health.liquidatable
            assert not healthy or not now_acc.health.liquidatable, (
                f"{label}: account {aid} was healthy and a user action made it liquidatable"
                f" (health {acc.health.health_factor} -> {now_acc.health.health_factor})"
            )
        for aid in after.accounts:
            assert aid in before.accounts or aid in targets, (
                f"{label}: stray account {aid}"
            )
        self.checked(
            "isolation (accounts compared)", len(before.accounts) - len(targets)
        )
        b0, b1 = before.books, after.books
        # Claims are paid first (invariant 3): the cash that backs the claims already
        # booked, min(cash, claims), leaves only to pay those claims (a targeted account's
        # collection); payouts, fees, LP exits and borrows draw on the rest.
        collected = sum(
            min(before.accounts[a].claim, b0.cash)
            for a in targets
            if a in before.accounts
        )
        assert b1.cash + collected >= min(b0.cash, b0.total_claims), (
            f"{label}: cash owed to claims was spent (cash {b0.cash} -> {b1.cash}, "
            f"claims {b0.total_claims} -> {b1.total_claims})"
        )
        if b0.total_claims:
            self.checked("claims first")
        if b0.marks_ok and b1.marks_ok:
            self.checked("share price")
            lowest = share_price(b0.total_assets, b0.total_supply)
            got = share_price(
                b1.total_assets + TA_TOLERANCE + written_off, b1.total_supply
            )
            assert got >= lowest, (
                f"{label}: share price fell: totalAssets {b0.total_assets} -> "
                f"{b1.total_assets}, supply {b0.total_supply} -> {b1.total_supply}, "
                f"written off by the LPs {written_off}"
            )
        self.check_zero_sum(label, before, after)  # invariant 12
        self.check_open_interest(label, before, after, written_off)  # invariant 13
        return after

    def ledgers_unchanged(self, label: str, before: Obs) -> None:
        """Prices, time and the owner never touch what an account owns or owes."""
        after = self.observe()
        for aid, acc in before.accounts.items():
            assert ledger(after.accounts[aid]) == ledger(acc), (
                f"{label}: account {aid}'s ledger changed"
            )

    # ======================================================================================
    # setup
    # ======================================================================================
    @initialize(
        lp_cents=st.lists(cents, min_size=2, max_size=2),
        cross_cents=st.lists(cents, min_size=4, max_size=4),
        second=st.lists(non_quote_index, min_size=4, max_size=4),
        bucket=st.lists(st.booleans(), min_size=4, max_size=4),
        borrow=st.lists(st.integers(0, 900), min_size=4, max_size=4),
        trades=st.lists(
            st.tuples(
                st.integers(0, len(MARKETS) - 1),
                st.sampled_from([1, -1]),
                st.integers(0, 900),
            ),
            min_size=8,
            max_size=8,
        ),
    )
    def seed(self, lp_cents, cross_cents, second, bucket, borrow, trades) -> None:
        """Two more LPs join the seeded vault; each trader opens a cross account with quote
        and one other token, and maybe a WETH bucket; then each borrows a share of what its
        cross account may and trades in it and in its bucket (through the rules, checked)."""
        s = self.s
        for who, c in zip(self.E.lps[1:], lp_cents, strict=True):
            self.tx(s.vault.deposit, max(c, 100) * 10**4, who, sender=who)
        for t, (c, k, b) in enumerate(zip(cross_cents, second, bucket, strict=True)):
            who = self.trader(t)
            receipt = self.tx(s.engine.open_account, 2, sender=who)
            self.register(receipt.return_value, t)
            aid = receipt.return_value
            amount = (
                min(max(c, 10**5), 10**9) * 10**4
            )  # 1,000 .. 10,000,000 quote units
            self.tx(s.engine.deposit_collateral, aid, s.quote, amount, sender=who)
            sym = NON_QUOTE[k]
            self.tx(
                s.engine.deposit_collateral,
                aid,
                s.tokens[sym],
                self.amount_for(sym, min(max(c, 10**5), 10**9)),
                sender=who,
            )
            if b:
                receipt = self.tx(s.engine.open_account, 1, sender=who)
                self.register(receipt.return_value, t)
                self.tx(
                    s.engine.deposit_collateral,
                    receipt.return_value,
                    s.tokens["WETH"],
                    self.amount_for("WETH", 10**6),
                    sender=who,
                )
        for t in range(len(TRADER_NAMES)):
            if borrow[t]:
                self.borrow(t, 0, 0, borrow[t], "capacity", False)
            for i in range(len(self.accounts_of[t])):
                m, sign, ratio = trades[2 * t + i]
                if ratio:
                    self.modify_position(t, i, 0, m, sign, 0, ratio, 10**4, 0)

    # ======================================================================================
    # LPs
    # ======================================================================================
    @rule(who=lp_index, units=st.integers(0, 10**6), wei=st.integers(0, 10**4))
    def lp_deposit(self, who: int, units: int, wei: int) -> None:
        lp, s = self.E.lps[who], self.s
        before = self.observe()
        b = before.books
        assets = units * self.unit[QUOTE] + wei
        shares = mul_div(
            assets,
            b.total_supply + VIRTUAL_SHARES,
            entry_assets(b.total_assets, b.band),
        )
        must = (
            "vault: zero assets"
            if assets == 0
            else "vault: deposits paused"
            if b.deposits_paused
            else "vault: marks unavailable"
            if not b.marks_ok
            else "vault: equity <= 0"
            if not solvent(b)
            else "vault: zero shares"
            if shares == 0
            else None
        )
        must = self.deposit_must(must, before, "lp deposit")
        if must is None and self.skip_insolvent_deposit(before, "lp deposit"):
            return
        receipt = self.send(
            "lp deposit", s.vault.deposit, assets, lp, sender=lp, must=must
        )
        if receipt is None:
            return
        assert receipt.return_value == shares, "deposit minted other than its price"
        after = self.after_user_action("lp deposit", before, set())
        assert after.shares(lp.address) == before.shares(lp.address) + shares
        assert (
            after.wallet(lp.address, QUOTE) == before.wallet(lp.address, QUOTE) - assets
        )
        assert after.books.cash == b.cash + assets
        assert after.books.total_assets == b.total_assets + assets

    @rule(who=lp_index, units=st.integers(0, 10**6))
    def lp_mint(self, who: int, units: int) -> None:
        lp, s = self.E.lps[who], self.s
        before = self.observe()
        b = before.books
        shares = units * 10**6 * self.unit[QUOTE]  # whole shares (asset decimals + 6)
        cost = mul_div(
            shares,
            entry_assets(b.total_assets, b.band),
            b.total_supply + VIRTUAL_SHARES,
            up=True,
        )
        must = (
            "vault: zero shares"
            if shares == 0
            else "vault: deposits paused"
            if b.deposits_paused
            else "vault: marks unavailable"
            if not b.marks_ok
            else "vault: equity <= 0"
            if not solvent(b)
            else None
        )
        must = self.deposit_must(must, before, "lp mint")
        if must is None and self.skip_insolvent_deposit(before, "lp mint"):
            return
        receipt = self.send("lp mint", s.vault.mint, shares, lp, sender=lp, must=must)
        if receipt is None:
            return
        assert receipt.return_value == cost, "mint took other than its price"
        after = self.after_user_action("lp mint", before, set())
        assert after.shares(lp.address) == before.shares(lp.address) + shares
        assert (
            after.wallet(lp.address, QUOTE) == before.wallet(lp.address, QUOTE) - cost
        )

    @rule(who=lp_index, ratio=per_mille)
    def lp_withdraw(self, who: int, ratio: int) -> None:
        lp, s = self.E.lps[who], self.s
        before = self.observe()
        b = before.books
        h = before.holders.index(lp.address.lower())
        assets = b.max_withdraw[h] * ratio // 1_000
        if ratio > 1_000 and assets == b.max_withdraw[h]:
            assets += 1
        shares = mul_div(
            assets,
            b.total_supply + VIRTUAL_SHARES,
            exit_assets(b.total_assets, b.band),
            up=True,
        )
        must = (
            "vault: zero assets"
            if assets == 0
            else "vault: marks unavailable"
            if not marks_usable(b)
            else "vault: exceeds free cash"
            if assets > b.free_cash
            else "vault: open interest needs assets"
            if assets > b.total_assets - b.oi_needed
            else "vault: insufficient balance"
            if shares > b.shares[h]
            else None
        )
        receipt = self.send(
            "lp withdraw", s.vault.withdraw, assets, lp, lp, sender=lp, must=must
        )
        if receipt is None:
            return
        assert receipt.return_value == shares, "withdraw burnt other than its price"
        after = self.after_user_action("lp withdraw", before, set())
        assert after.shares(lp.address) == b.shares[h] - shares
        assert (
            after.wallet(lp.address, QUOTE) == before.wallet(lp.address, QUOTE) + assets
        )
        assert after.books.cash >= after.books.total_claims, (
            "an LP exit took claimed cash"
        )

    @rule(who=lp_index, ratio=per_mille)
    def lp_redeem(self, who: int, ratio: int) -> None:
        lp, s = self.E.lps[who], self.s
        before = self.observe()
        b = before.books
        h = before.holders.index(lp.address.lower())
        shares = b.shares[h] * ratio // 1_000
        assets = mul_div(
            shares, exit_assets(b.total_assets, b.band), b.total_supply + VIRTUAL_SHARES
        )
        must = (
            "vault: zero shares"
            if shares == 0
            else "vault: marks unavailable"
            if not marks_usable(b)
            else "vault: zero assets"
            if assets == 0
            else "vault: exceeds free cash"
            if assets > b.free_cash
            else "vault: open interest needs assets"
            if assets > b.total_assets - b.oi_needed
            else "vault: insufficient balance"
            if shares > b.shares[h]
            else None
        )
        receipt = self.send(
            "lp redeem", s.vault.redeem, shares, lp, lp, sender=lp, must=must
        )
        if receipt is None:
            return
        assert receipt.return_value == assets, "redeem paid other than its price"
        after = self.after_user_action("lp redeem", before, set())
        assert after.shares(lp.address) == b.shares[h] - shares
        assert (
            after.wallet(lp.address, QUOTE) == before.wallet(lp.address, QUOTE) + assets
        )
        assert after.books.cash >= after.books.total_claims, (
            "an LP exit took claimed cash"
        )

    @rule(owner=lp_index, spender=lp_index, ratio=per_mille, approve=st.booleans())
    def lp_redeem_for(
        self, owner: int, spender: int, ratio: int, approve: bool
    ) -> None:
        """Another LP redeems the owner's shares to itself, with (or without) an allowance."""
        a, b_, vault = self.E.lps[owner], self.E.lps[spender], self.s.vault
        before = self.observe()
        b = before.books
        h = before.holders.index(a.address.lower())
        shares = b.max_redeem[h] * ratio // 1_000
        if shares == 0 or owner == spender:
            return
        if approve:
            self.tx(vault.approve, b_, shares, sender=a)
            before = self.observe()
        allowance = vault.allowance(a, b_)
        assets = mul_div(
            shares, exit_assets(b.total_assets, b.band), b.total_supply + VIRTUAL_SHARES
        )
        must = (
            "vault: marks unavailable"
            if not marks_usable(b)
            else "vault: zero assets"
            if assets == 0
            else "vault: exceeds free cash"
            if assets > b.free_cash
            else "vault: open interest needs assets"
            if assets > b.total_assets - b.oi_needed
            else "vault: insufficient allowance"
            if shares > allowance
            else "vault: insufficient balance"
            if shares > b.shares[h]
            else None
        )
        sent = self.send(
            "lp redeem for", vault.redeem, shares, b_, a, sender=b_, must=must
        )
        if sent is None:
            return
        assert sent.return_value == assets
        after = self.after_user_action("lp redeem for", before, set())
        assert after.shares(a.address) == b.shares[h] - shares
        assert (
            after.wallet(b_.address, QUOTE) == before.wallet(b_.address, QUOTE) + assets
        )
        assert vault.allowance(a, b_) == allowance - shares

    @rule(sender=lp_index, receiver=lp_index, ratio=per_mille)
    def lp_transfer(self, sender: int, receiver: int, ratio: int) -> None:
        a, b_, s = self.E.lps[sender], self.E.lps[receiver], self.s
        before = self.observe()
        balance = before.shares(a.address)
        shares = balance * ratio // 1_000
        must = "vault: insufficient balance" if shares > balance else None
        receipt = self.send(
            "lp transfer", s.vault.transfer, b_, shares, sender=a, must=must
        )
        if receipt is None:
            return
        after = self.after_user_action("lp transfer", before, set())
        if sender != receiver:
            assert after.shares(a.address) == balance - shares
            assert after.shares(b_.address) == before.shares(b_.address) + shares
        assert after.books.total_assets == before.books.total_assets

    # ======================================================================================
    # traders: accounts and collateral
    # ======================================================================================
    @precondition(
        lambda self: min(map(len, self.accounts_of.values())) < MAX_ACCOUNTS_PER_TRADER
    )
    @rule(t=trader_index, mode=st.sampled_from([1, 1, 2, 0, 3]))
    def open_account(self, t: int, mode: int) -> None:
        if len(self.accounts_of[t]) >= MAX_ACCOUNTS_PER_TRADER:
            return
        before = self.observe()
        must = None if mode in (1, 2) else "engine: bad mode"
        receipt = self.send(
            "open_account",
            self.s.engine.open_account,
            mode,
            sender=self.trader(t),
            must=must,
        )
        if receipt is None:
            return
        aid = receipt.return_value
        self.register(aid, t)
        after = self.after_user_action("open_account", before, {aid})
        acc = after.accounts[aid]
        assert (acc.owner, acc.mode, acc.active) == (
            self.trader(t).address.lower(),
            mode,
            False,
        )

    @rule(t=trader_index, operator=st.integers(0, 7), approved=st.booleans())
    def set_operator(self, t: int, operator: int, approved: bool) -> None:
        """Operators: another trader, a liquidator, the outsider, or the empty address."""
        candidates = [*self.E.traders, *self.E.liquidators, self.E.outsider]
        op = (
            ZERO_ADDRESS
            if operator >= len(candidates)
            else candidates[operator].address
        )
        before = self.observe()
        must = "engine: zero address" if op == ZERO_ADDRESS else None
        receipt = self.send(
            "set_operator",
            self.s.engine.set_operator,
            op,
            approved,
            sender=self.trader(t),
            must=must,
        )
        if receipt is None:
            return
        key = (t, op.lower())
        if approved:
            self.operators.add(key)
        else:
            self.operators.discard(key)
        assert self.s.engine.is_operator(self.trader(t), op) == approved
        self.after_user_action("set_operator", before, set())

    @rule(
        t=trader_index,
        i=account_index,
        payer=st.sampled_from([0, 0, 1, 2]),
        k=token_index,
        c=cents,
    )
    def deposit_collateral(self, t: int, i: int, payer: int, k: int, c: int) -> None:
        """The owner, its operator or an outsider adds collateral (an outsider may only top
        up a token the account already holds)."""
        aid = self.pick(t, i)
        if aid is None:
            return
        sym = TOKENS[k]
        who = self.caller(t, payer)
        before = self.observe()
        acc = before.accounts[aid]
        cfg = self.params().collaterals[k]
        amount = self.amount_for(sym, c)
        nonquote = [x for x in acc.held if x != self.addr[QUOTE]]
        must = None
        if amount == 0:
            must = "engine: zero amount"
        elif not cfg.enabled:
            must = "engine: collateral disabled"
        elif acc.balances[k] == 0 and not self.controls(who, t):
            must = "engine: not owner or operator"
        elif acc.balances[k] == 0 and sym != QUOTE and acc.mode == 1 and nonquote:
            must = "engine: bucket holds another token"
        # (A cross account's MAX_COLLATERALS = 5 slots cannot be full for a new token: the
        # system lists exactly 5 non-quote tokens. The engine tests cover that rule.)
        elif before.books.totals[k] + amount > cfg.supply_cap:
            must = "engine: supply cap exceeded"
        receipt = self.send(
            "deposit_collateral",
            self.s.engine.deposit_collateral,
            aid,
            self.s.tokens[sym],
            amount,
            sender=who,
            must=must,
        )
        if receipt is None:
            return
        after = self.after_user_action("deposit_collateral", before, {aid})
        assert after.accounts[aid].balances[k] == acc.balances[k] + amount
        assert (
            after.wallet(who.address, sym) == before.wallet(who.address, sym) - amount
        )
        assert after.books.totals[k] == before.books.totals[k] + amount
        assert ledger(after.accounts[aid])[2:5] == ledger(acc)[2:5], (
            "deposit moved debt or claims"
        )

    def _claim_collected(self, aid: int, acc: Any, b: Any) -> int:
        """What `pay_claim` pays the account now (call before the action): claims are a
        FIFO queue (docs/vault.md, Claims), funded up to claims_booked - max(0, claims -
        cash); the part of the claim past that waits."""
        if not acc.claim:
            return 0
        vault = self.s.vault
        funded = vault.claims_booked() - max(0, b.total_claims - b.cash)
        return acc.claim - min(acc.claim, max(0, vault.claim_end(aid) - funded))

    @rule(
        t=trader_index,
        i=account_index,
        kind=caller_kind,
        k=token_index,
        ratio=per_mille,
        to_zero=st.sampled_from([False, False, False, False, True]),
        held=held_first,
    )
    def withdraw_collateral(self, t, i, kind, k, ratio, to_zero, held) -> None:
        aid = self.pick(t, i)
        if aid is None:
            return
        who = self.caller(t, kind)
        before = self.observe()
        acc, b = before.accounts[aid], before.books
        k = self.token_of(acc, k, held)
        sym = TOKENS[k]
        collected = self._claim_collected(aid, acc, b)
        balance = acc.balances[k] + (collected if k == QI else 0)
        amount = acc.balances[k] * ratio // 1_000
        if ratio > 1_000:
            amount = max(amount, balance + 1)
        receiver = ZERO_ADDRESS if to_zero else who.address
        active = acc.active
        must, allowed = None, set()
        if not self.controls(who, t):
            must = "engine: not owner or operator"
        elif amount == 0:
            must = "engine: zero amount"
        elif to_zero:
            must = "engine: zero address"
        elif active and b.paused:
            must = "engine: paused"
        elif amount > balance:
            must = "engine: amount above balance"
        elif active:
            allowed = {"engine: initial requirement not met"} | self.oracle_reasons(
                self.relevant_status(acc), strict=True
            )
        receipt = self.send(
            "withdraw_collateral",
            self.s.engine.withdraw_collateral,
            aid,
            self.s.tokens[sym],
            amount,
            receiver,
            sender=who,
            must=must,
            allowed=allowed,
        )
        if receipt is None:
            return
        after = self.after_user_action("withdraw_collateral", before, {aid})
        new = after.accounts[aid]
        assert new.balances[k] == balance - amount
        assert new.claim == acc.claim - collected, "the claim was not collected first"
        assert (
            after.wallet(who.address, sym) == before.wallet(who.address, sym) + amount
        )
        if active:
            self.assert_ok_prices("withdraw_collateral", new, strict=True)
            assert new.health.equity_init >= new.health.init_req

    @rule(
        t=trader_index,
        i=account_index,
        j=account_index,
        other=st.sampled_from([False, False, False, True]),
        k=token_index,
        ratio=per_mille,
        held=held_first,
    )
    def transfer_collateral(self, t, i, j, other, k, ratio, held) -> None:
        """Between two accounts of the trader (j = 0 is the next one), or to another
        trader's account (`other`: "engine: different owners")."""
        src = self.pick(t, i)
        dst = (
            self.pick((t + 1) % len(TRADER_NAMES), j)
            if other
            else self.pick(t, i + 1 + j)
        )
        if src is None or dst is None:
            return
        who = self.trader(t)
        before = self.observe()
        a, d, b = before.accounts[src], before.accounts[dst], before.books
        k = self.token_of(a, k, held)
        sym = TOKENS[k]
        collected = self._claim_collected(src, a, b)
        balance = a.balances[k] + (collected if k == QI else 0)
        amount = a.balances[k] * ratio // 1_000
        if ratio > 1_000:
            amount = max(amount, balance + 1)
        d_nonquote = [x for x in d.held if x != self.addr[QUOTE]]
        must, allowed = None, set()
        if a.owner != d.owner:
            must = "engine: different owners"
        elif src == dst:
            must = "engine: same account"
        elif amount == 0:
            must = "engine: zero amount"
        elif a.active and b.paused:
            must = "engine: paused"
        elif amount > balance:
            must = "engine: amount above balance"
        elif sym != QUOTE and d.balances[k] == 0 and d.mode == 1 and d_nonquote:
            must = "engine: bucket holds another token"
        elif a.active:
            allowed = {"engine: initial requirement not met"} | self.oracle_reasons(
                self.relevant_status(a), strict=True
            )
        receipt = self.send(
            "transfer_collateral",
            self.s.engine.transfer_collateral,
            src,
            dst,
            self.s.tokens[sym],
            amount,
            sender=who,
            must=must,
            allowed=allowed,
        )
        if receipt is None:
            return
        after = self.after_user_action("transfer_collateral", before, {src, dst})
        assert after.accounts[src].balances[k] == balance - amount
        assert after.accounts[dst].balances[k] == d.balances[k] + amount
        assert after.books.totals == before.books.totals, "a transfer moved tokens"
        if a.active:
            self.assert_ok_prices(
                "transfer_collateral", after.accounts[src], strict=True
            )

    def assert_ok_prices(
        self, label: str, acc: Any, strict: bool, extra: tuple = ()
    ) -> None:
        """A risk-adding action that succeeded read only OK prices; a close or liquidation
        only usable ones (the oracle policy, docs/engine.md)."""
        for sym, status in self.relevant_status(acc, extra).items():
            good = status == Status.OK if strict else usable(status)
            assert good, f"{label} succeeded with {sym} status {Status(status)!r}"

    # ======================================================================================
    # traders: debt
    # ======================================================================================
    def capacity_usd(self, acc: Any) -> int:
        h = acc.health
        return max(h.equity_init - h.init_req, 0)

    @rule(
        t=trader_index,
        i=account_index,
        kind=caller_kind,
        ratio=per_mille,
        size=st.sampled_from(["capacity", "capacity", "drain", "tiny"]),
        to_zero=st.sampled_from([False] * 9 + [True]),
    )
    def borrow(
        self, t: int, i: int, kind: int, ratio: int, size: str, to_zero: bool
    ) -> None:
        """A share of what the account may borrow ("capacity"), of that capped at the
        vault's free cash ("drain": utilisation up to 100 %, so payouts become claims), or
        0 .. 13 quote units ("tiny": around the minimum debt)."""
        aid = self.pick(t, i)
        if aid is None:
            return
        who = self.caller(t, kind)
        before = self.observe()
        acc, b = before.accounts[aid], before.books
        collected = self._claim_collected(aid, acc, b)
        q = self.quote_price()
        capacity = self.capacity_usd(acc) * self.unit[QUOTE] // q
        if size == "tiny":
            amount = ratio * self.unit[QUOTE] // 100
        elif size == "drain":
            amount = min(capacity, b.free_cash) * ratio // 1_000
        else:
            amount = capacity * ratio // 1_000
        receiver = ZERO_ADDRESS if to_zero else who.address
        minted = ceil_div(amount * WAD, b.debt_index)
        debt_after = ceil_div((acc.debt_shares + minted) * b.debt_index, WAD)
        must, allowed = None, set()
        if not self.controls(who, t):
            must = "engine: not owner or operator"
        elif amount == 0:
            must = "engine: zero amount"
        elif to_zero:
            must = "engine: zero address"
        elif b.paused:
            must = "engine: paused"
        elif b.marks_ok and amount > b.free_cash:
            must = "vault: exceeds free cash"
        elif b.marks_ok and debt_after < b.min_debt:
            must = "engine: debt below minimum"
        else:
            # Marks not OK: the engine passes reserved = max_value and the vault lends
            # nothing (issue 16, V-02/L-1).
            allowed = {
                "vault: exceeds free cash",
                "vault: marks unavailable",
                "engine: debt below minimum",
                "engine: initial requirement not met",
            } | self.oracle_reasons(self.relevant_status(acc, (QUOTE,)), strict=True)
        receipt = self.send(
            "borrow",
            self.s.engine.borrow,
            aid,
            amount,
            receiver,
            sender=who,
            must=must,
            allowed=allowed,
        )
        if receipt is None:
            return
        after = self.after_user_action("borrow", before, {aid})
        new = after.accounts[aid]
        assert new.debt_shares == acc.debt_shares + minted
        assert (
            after.wallet(who.address, QUOTE)
            == before.wallet(who.address, QUOTE) + amount
        )
        assert after.books.cash == b.cash - collected - amount
        assert after.books.cash >= after.books.total_claims + after.books.reserved, (
            "a borrow took cash owed to claims or reserved for profits"
        )
        assert new.debt >= b.min_debt
        self.assert_ok_prices("borrow", new, strict=True, extra=(QUOTE,))
        assert new.health.equity_init >= new.health.init_req

    @rule(t=trader_index, i=account_index)
    def drain_vault(self, t: int, i: int) -> None:
        """A trader tops up quote collateral until it may borrow all of the vault's free
        cash, and borrows it (utilisation 100 %): later profits beyond the cash reserved
        for them become claims, and LP exits wait for repayments. Both calls go through
        the ordinary rules' checks."""
        aid = self.pick(t, i)
        if aid is None:
            return
        b = self.observe().books
        if not b.marks_ok or b.paused or b.free_cash < b.min_debt:
            return
        cf = self.params().collaterals[QI].collateral_factor
        q = self.quote_price()
        # Collateral worth the free cash at the quote's CF, and then some.
        need = b.free_cash * WAD // max(cf, 1) * WAD // q * 11 // 10
        self.deposit_collateral(t, i, 0, QI, need * 100 // self.unit[QUOTE] + 1)
        free = self.observe().books.free_cash
        capacity = (
            self.capacity_usd(self.observe().accounts[aid]) * self.unit[QUOTE] // q
        )
        if capacity >= free > 0:
            self.borrow(t, i, 0, 1_000 * free // capacity, "capacity", False)

    @rule(
        payer=st.integers(0, 6),
        i=st.integers(0, 40),
        ratio=per_mille,
        full=st.sampled_from([False, True, True]),
    )
    def repay(self, payer: int, i: int, ratio: int, full: bool) -> None:
        """Anyone repays any account: a trader, a liquidator or the outsider."""
        aid = self.any_account(i)
        if aid is None:
            return
        who = [*self.E.traders, *self.E.liquidators, self.E.outsider][payer]
        before = self.observe()
        acc, b = before.accounts[aid], before.books
        amount = MAX_UINT256 if full else acc.debt * ratio // 1_000
        must = None
        if amount == 0:
            must = "engine: zero amount"
        elif acc.debt_shares == 0:
            must = "engine: no debt"
        elif amount < acc.debt:
            burnt = amount * WAD // b.debt_index
            if burnt == 0:
                must = "engine: repay too small"
            elif ceil_div((acc.debt_shares - burnt) * b.debt_index, WAD) < b.min_debt:
                must = "engine: debt below minimum"
        receipt = self.send(
            "repay", self.s.engine.repay, aid, amount, sender=who, must=must
        )
        if receipt is None:
            return
        after = self.after_user_action("repay", before, {aid})
        paid = min(amount, acc.debt)
        assert receipt.return_value == paid
        new = after.accounts[aid]
        if amount >= acc.debt:
            assert new.debt_shares == 0
        else:
            assert new.debt_shares == acc.debt_shares - amount * WAD // b.debt_index
        assert (
            after.wallet(who.address, QUOTE) == before.wallet(who.address, QUOTE) - paid
        )
        assert after.books.cash == b.cash + paid

    # ======================================================================================
    # traders: perps
    # ======================================================================================
    def market_params(self, m: int) -> Any:
        return self.params().markets[m].params

    def trade_size(
        self, acc: Any, m: int, ratio: int, sign: int, mode: int, cents_: int
    ) -> int:
        """mode 0: grow by a share of the capacity; 1: reduce the position by `ratio`;
        2: flip it; 3: a dust trade of `cents_` (min notional checks)."""
        name = MARKETS[m]
        price = self.price_of(MARKET_ASSET[name])
        held = {p.market_id: p.size for p in acc.positions}
        size = held.get(self.market_id[name], 0)
        if mode == 1 and size:
            return -size * min(ratio, 1_000) // 1_000
        if mode == 2 and size:
            return -size - size * ratio // 1_000
        if mode == 3:
            return sign * cents_ * 10**16 * WAD // price // 1_000
        p = self.market_params(m)
        per_unit = price * (p.initial_margin + p.spread + p.trading_fee + 10**16) // WAD
        return sign * self.capacity_usd(acc) * WAD // max(per_unit, 1) * ratio // 1_000

    def acceptable(self, m: int, delta: int, slippage: int) -> int:
        """0: any fill; 1: the oracle price itself (a fill never meets it); 2: 15 % away."""
        price = self.price_of(MARKET_ASSET[MARKETS[m]]) if m < len(MARKETS) else WAD
        if slippage == 0:
            return MAX_UINT256 if delta > 0 else 0
        if slippage == 1:
            return price
        return price * 115 // 100 if delta > 0 else price * 85 // 100

    def trade_expectation(
        self, acc: Any, m: int, delta: int, slippage: int, who: Any, t: int
    ) -> tuple[str | None, set[str], bool]:
        """(must, allowed, adding) for a trade of `delta` in market index `m`."""
        b = self.observe().books
        mid = m + 1
        held = {p.market_id: p.size for p in acc.positions}
        size = held.get(mid, 0)
        adding = size == 0 or (size > 0) == (delta > 0) or abs(delta) > abs(size)
        if not self.controls(who, t):
            return "engine: not owner or operator", set(), adding
        if delta == 0:
            return "engine: zero size", set(), adding
        if adding and b.paused:
            return "engine: paused", set(), adding
        if adding and size == 0 and acc.mode == 1 and acc.positions:
            return "engine: bucket holds another position", set(), adding
        if m >= len(MARKETS):
            return "registry: unknown market", set(), adding
        if adding and not self.market_params(m).enabled:
            return "registry: market disabled", set(), adding
        sym = MARKET_ASSET[MARKETS[m]]
        statuses = self.observe().status
        for asset in (QUOTE, sym):  # the registry reads the quote, then the market
            st_ = statuses[asset][1]
            if (adding and st_ != Status.OK) or not usable(st_):
                return oracle_reason(asset, st_), set(), adding
        if slippage == 1:
            return "registry: price not acceptable", set(), adding
        allowed = set(TRADE)
        if adding:
            allowed |= self.oracle_reasons(
                self.relevant_status(acc, (QUOTE, sym)), strict=True
            )
        return None, allowed, adding

    def after_trade(
        self,
        label: str,
        receipt: Any,
        before: Obs,
        aid: int,
        m: int,
        delta: int,
        adding: bool,
    ) -> None:
        written, from_lps = self.written_off(receipt, self.s.vault)
        after = self.after_user_action(label, before, {aid}, written_off=from_lps)
        self.check_trade_write_off(
            label, receipt, before, after, aid, written
        )  # inv. 11
        old = {p.market_id: p.size for p in before.accounts[aid].positions}.get(
            m + 1, 0
        )
        new = {p.market_id: p.size for p in after.accounts[aid].positions}.get(m + 1, 0)
        assert new == old + delta, f"{label}: size {old} + {delta} became {new}"
        acc = after.accounts[aid]
        sym = MARKET_ASSET[MARKETS[m]]
        self.check_trade_value(label, before, after, aid, written=written)  # inv. 12
        if adding:  # the whole account's health is checked strictly after the trade
            self.assert_ok_prices(label, acc, strict=True, extra=(QUOTE, sym))
            assert acc.health.equity_init >= acc.health.init_req
        else:  # a decrease reads the quote and the market only, any fresh answer
            self.assert_ok_prices(label, None, strict=False, extra=(QUOTE, sym))

    @rule(
        t=trader_index,
        i=account_index,
        kind=caller_kind,
        m=market_index,
        sign=st.sampled_from([1, -1]),
        mode=st.sampled_from([0, 0, 0, 1, 1, 2, 3]),
        ratio=per_mille,
        c=cents,
        slippage=st.sampled_from([0, 0, 2, 1]),
    )
    def modify_position(self, t, i, kind, m, sign, mode, ratio, c, slippage) -> None:
        """mode 0 grows (a share of the capacity), 1 reduces, 2 flips (in a market the
        account holds), 3 trades a small notional."""
        aid = self.pick(t, i)
        if aid is None:
            return
        who = self.caller(t, kind)
        before = self.observe()
        acc = before.accounts[aid]
        m = self.market_of(acc, m, mode in (1, 2))
        delta = self.trade_size(acc, min(m, len(MARKETS) - 1), ratio, sign, mode, c)
        must, allowed, adding = self.trade_expectation(acc, m, delta, slippage, who, t)
        receipt = self.send(
            "modify_position",
            self.s.engine.modify_position,
            aid,
            m + 1,
            delta,
            self.acceptable(m, delta, slippage),
            sender=who,
            must=must,
            allowed=allowed,
        )
        if receipt is not None:
            self.after_trade("modify_position", receipt, before, aid, m, delta, adding)

    @rule(
        t=trader_index,
        i=account_index,
        kind=caller_kind,
        m=market_index,
        slippage=st.sampled_from([0, 0, 2, 1]),
        held=held_first,
    )
    def close_position(self, t, i, kind, m, slippage, held) -> None:
        aid = self.pick(t, i)
        if aid is None:
            return
        who = self.caller(t, kind)
        before = self.observe()
        acc = before.accounts[aid]
        m = self.market_of(acc, m, held)
        size = {p.market_id: p.size for p in acc.positions}.get(m + 1, 0)
        if not self.controls(who, t):
            must, allowed = "engine: not owner or operator", set()
        elif size == 0:
            must, allowed = "engine: no position", set()
        else:
            must, allowed, _ = self.trade_expectation(acc, m, -size, slippage, who, t)
        receipt = self.send(
            "close_position",
            self.s.engine.close_position,
            aid,
            m + 1,
            self.acceptable(m, -size, slippage),
            sender=who,
            must=must,
            allowed=allowed,
        )
        if receipt is not None:
            self.after_trade("close_position", receipt, before, aid, m, -size, False)

    @rule(
        t=trader_index,
        kind=caller_kind,
        k=token_index,
        c=cents,
        m=market_index,
        sign=st.sampled_from([1, -1]),
        ratio=per_mille,
        slippage=st.sampled_from([0, 0, 2, 1]),
    )
    def open_isolated(self, t, kind, k, c, m, sign, ratio, slippage) -> None:
        if len(self.accounts_of[t]) >= MAX_ACCOUNTS_PER_TRADER:
            return
        who = self.caller(t, kind)
        owner = self.trader(t)
        before = self.observe()
        sym = TOKENS[k]
        amount = self.amount_for(sym, c)
        cfg = self.params().collaterals[k]
        mi = min(m, len(MARKETS) - 1)
        value = (
            amount * self.price_of(sym) // self.unit[sym] * cfg.collateral_factor // WAD
        )
        p = self.market_params(mi)
        price = self.price_of(MARKET_ASSET[MARKETS[mi]])
        per_unit = price * (p.initial_margin + p.spread + p.trading_fee + 10**16) // WAD
        delta = sign * value * WAD // max(per_unit, 1) * ratio // 1_000
        must, allowed = None, set()
        if not self.controls(who, t):
            must = "engine: not owner or operator"
        elif amount == 0:
            must = "engine: zero amount"
        elif not cfg.enabled:
            must = "engine: collateral disabled"
        elif before.books.totals[k] + amount > cfg.supply_cap:
            must = "engine: supply cap exceeded"
        else:
            fresh = before.accounts[1]._replace(  # a new empty bucket
                account_id=self.count + 1,
                mode=1,
                positions=(),
                balances=tuple(0 for _ in TOKENS),
                held=(),
                debt_shares=0,
                claim=0,
            )
            must, allowed, _ = self.trade_expectation(fresh, m, delta, slippage, who, t)
            if must is None:
                allowed = allowed | self.oracle_reasons(
                    {sym: before.status[sym][1]}, strict=True
                )
        receipt = self.send(
            "open_isolated",
            self.s.engine.open_isolated,
            owner,
            self.s.tokens[sym],
            amount,
            m + 1,
            delta,
            self.acceptable(m, delta, slippage),
            sender=who,
            must=must,
            allowed=allowed,
        )
        if receipt is None:
            return
        aid = receipt.return_value
        self.register(aid, t)
        after = self.after_user_action("open_isolated", before, {aid})
        acc = after.accounts[aid]
        assert acc.owner == owner.address.lower() and acc.mode == 1
        assert [(p.market_id, p.size) for p in acc.positions] == [(m + 1, delta)]
        assert (
            after.wallet(who.address, sym) == before.wallet(who.address, sym) - amount
        )
        self.assert_ok_prices("open_isolated", acc, strict=True, extra=(QUOTE,))
        assert acc.health.equity_init >= acc.health.init_req
        self.check_trade_value("open_isolated", before, after, aid, payer=who.address)

    # ======================================================================================
    # liquidators
    # ======================================================================================
    def seize_choice(self, acc: Any, choice: int) -> str:
        """0: the quote; 1: a held non-quote token (else the quote); 2: a token the account
        does not hold; 3: sweep (the empty address)."""
        if choice == 3:
            return ZERO_ADDRESS
        if choice == 1:
            for k, sym in enumerate(TOKENS):
                if k != QI and acc.balances[k]:
                    return self.addr[sym]
        if choice == 2:
            for k, sym in enumerate(TOKENS):
                if acc.balances[k] == 0 and k != QI:
                    return self.addr[sym]
        return self.addr[QUOTE]

    def candidates(self) -> list[int]:
        obs = self.observe()
        return [a for a, acc in sorted(obs.accounts.items()) if acc.health.liquidatable]

    liquidation_args = {
        "liq": liquidator_index,
        "i": st.integers(0, 40),
        "choice": st.sampled_from([1, 0, 1, 3, 2]),
        "cap": st.sampled_from(["max", "max", "half", "zero", "one"]),
        "greedy": st.sampled_from([False] * 5 + [True]),
    }

    @rule(prefer=st.booleans(), **liquidation_args)
    def liquidate(self, liq, i, prefer, choice, cap, greedy) -> None:
        """Liquidate any account (a liquidatable one if `prefer` and there is one) with a
        varied seize token, repay cap and min_seize; invariant 6 on success."""
        self._liquidate(liq, i, prefer, choice, cap, greedy)

    @precondition(lambda self: bool(self.candidates()))
    @rule(**liquidation_args)
    def liquidate_candidate(self, liq, i, choice, cap, greedy) -> None:
        """As `liquidate`, enabled (and weighted) while some account is liquidatable."""
        self._liquidate(liq, i, True, choice, cap, greedy)

    def _liquidate(
        self,
        liq,
        i,
        prefer,
        choice,
        cap,
        greedy,
        who: Any = None,
        aid: int | None = None,
    ) -> tuple[Any, int]:
        """(receipt or None, quote written off). `who` and `aid` override the liquidator
        and the account (the self-liquidator)."""
        before = self.observe()
        candidates = [
            a for a, acc in sorted(before.accounts.items()) if acc.health.liquidatable
        ]
        if aid is not None:
            pass
        elif prefer and candidates:
            aid = candidates[i % len(candidates)]
        else:
            aid = self.any_account(i)
        if aid is None:
            return None, 0
        who = who if who is not None else self.E.liquidators[liq]
        acc = before.accounts[aid]
        h = acc.health
        seize = self.seize_choice(acc, choice)
        repay = {"max": MAX_UINT256, "half": acc.debt // 2, "zero": 0, "one": 1}[cap]
        min_seize = MAX_UINT256 if greedy else 0
        statuses = self.relevant_status(acc, (QUOTE,))
        symbol = {self.addr[sym]: sym for sym in TOKENS}
        order = (
            [QUOTE]
            + [symbol[x] for x in acc.held if x != self.addr[QUOTE]]
            + [MARKET_ASSET[MARKETS[p.market_id - 1]] for p in acc.positions]
        )
        must, allowed = None, set()
        # M-1: a held collateral token whose price is unusable counts 0 and never stops a
        # liquidation; only the quote, the markets and the sequencer (down) do.
        collateral_only = (
            {symbol[x] for x in acc.held}
            - {QUOTE}
            - {MARKET_ASSET[MARKETS[p.market_id - 1]] for p in acc.positions}
        )
        unusable = [
            sym
            for sym in order
            if not usable(statuses[sym])
            and (sym not in collateral_only or statuses[sym] & Status.SEQUENCER_DOWN)
        ]
        if unusable:
            must = oracle_reason(unusable[0], statuses[unusable[0]])
        elif not h.liquidatable:
            must = "engine: not liquidatable"
        elif (
            any(st_ & Status.GRACE for st_ in statuses.values())
            and h.health_factor >= 95 * 10**16
        ):
            must = "engine: grace period above floor"
        else:
            allowed = set(SEIZE)
            seize_sym = symbol.get(seize)
            if seize_sym in statuses and not usable(statuses[seize_sym]):
                # M-1: a token whose price is unusable is never seized.
                allowed.add("engine: seize token unpriced")
        receipt = self.send(
            "liquidate",
            self.s.engine.liquidate,
            aid,
            repay,
            seize,
            min_seize,
            who,
            sender=who,
            must=must,
            allowed=allowed,
        )
        if receipt is None:
            return None, 0
        return receipt, self.after_liquidation(receipt, before, aid, who, seize)

    def after_liquidation(
        self, receipt: Any, before: Obs, aid: int, who: Any, seize: str
    ) -> int:
        s = self.s
        written = sum(
            log.from_lps
            for log in receipt.events
            if log.event_name == "BadDebtWrittenOff"
            and log.contract_address == s.vault.address
        )
        after = self.after_user_action("liquidate", before, {aid}, written_off=written)
        old, new = before.accounts[aid], after.accounts[aid]
        repaid, seized, fee = receipt.return_value
        seizes = [
            log
            for log in receipt.events
            if log.event_name == "CollateralSeized"
            and log.contract_address == s.engine.address
        ]
        # Invariant 6: seized <= held (non-quote tokens exactly: nothing else moves them).
        for log in seizes:
            k = TOKENS.index(
                next(sym for sym in TOKENS if self.addr[sym] == log.token.lower())
            )
            if k != QI:
                assert log.amount <= old.balances[k], (
                    "seized more than the account held"
                )
                assert new.balances[k] == old.balances[k] - log.amount
        for k in range(len(TOKENS)):
            if k != QI and not any(
                self.addr[TOKENS[k]] == log.token.lower() for log in seizes
            ):
                assert new.balances[k] == old.balances[k], (
                    "a token moved without a seize"
                )
        if seize != ZERO_ADDRESS and seizes:
            assert sum(log.amount for log in seizes) == seized
        if not holds_collateral(new):
            assert new.debt_shares == 0, "an account with no collateral kept debt"
        q = self.quote_price()
        slack = SHORTFALL_SLACK_QUOTE_WEI * q // self.unit[QUOTE] + 10
        self.checked("liquidation shortfall")
        assert new.health.shortfall <= old.health.shortfall + slack, (
            f"liquidation raised the shortfall: {old.health.shortfall} -> {new.health.shortfall}"
        )
        assert old.mode == 2 or not new.positions, "a bucket kept its position"
        if new.positions and any(
            log.event_name == "PositionLiquidated" for log in receipt.events
        ):
            # A cross close stops at the buffer (projected conservatively, docs/liquidation.md).
            h = new.health
            self.checked("liquidation buffer")
            assert h.equity_maint * WAD >= h.maint_req * 105 * 10**16 - 10**30, (
                f"closing stopped below the buffer: {h.equity_maint} vs {h.maint_req}"
            )
        # The liquidator pays what it repaid and receives the fee and the seized tokens.
        got_quote = sum(
            log.amount for log in seizes if log.token.lower() == self.addr[QUOTE]
        )
        assert after.wallet(who.address, QUOTE) == (
            before.wallet(who.address, QUOTE) - repaid + fee + got_quote
        )
        markets = tuple(MARKET_ASSET[MARKETS[p.market_id - 1]] for p in old.positions)
        self.assert_ok_prices("liquidate", None, strict=False, extra=(QUOTE, *markets))
        total_written = sum(
            log.assets
            for log in receipt.events
            if log.event_name == "BadDebtWrittenOff"
            and log.contract_address == s.vault.address
        )
        self.check_liquidation_value(receipt, before, after, aid, who, total_written)
        self.E.stats.setdefault("liquidations", Counter())[
            "write-off" if written else "seize" if seizes else "close only"
        ] += 1
        return total_written

    # ======================================================================================
    # same-block round trips (invariant 9)
    # ======================================================================================
    def same_block(self, calls: list[tuple[Any, Any, tuple]]) -> list[int]:
        """Send [(sender, method, args)] in ONE block (automine off); return the statuses."""
        self.pin()
        self.rpc("evm_setAutomine", [False])
        try:
            hashes = [
                self.submit(sender, method, args) for sender, method, args in calls
            ]
            self.rpc("evm_mine", [])
        finally:
            self.rpc("evm_setAutomine", [True])
        receipts = [self.receipt(h) for h in hashes]
        assert len({r["blockNumber"] for r in receipts}) == 1, (
            "round trip spread over blocks"
        )
        self.obs = None
        return [int(r["status"], 16) for r in receipts]

    @rule(who=lp_index, units=st.integers(1, 10**6))
    def round_trip_lp(self, who: int, units: int) -> None:
        lp, vault = self.E.lps[who], self.s.vault
        before = self.observe()
        b = before.books
        assets = units * self.unit[QUOTE]
        shares = mul_div(
            assets,
            b.total_supply + VIRTUAL_SHARES,
            entry_assets(b.total_assets, b.band),
        )
        if (
            self.simulate(lp, vault.deposit, assets, lp.address)[0] is not None
            or shares == 0
        ):
            return
        if self.skip_insolvent_deposit(before, "round trip lp"):
            return
        statuses = self.same_block(
            [
                (lp, vault.deposit, (assets, lp.address)),
                (lp, vault.redeem, (shares, lp.address, lp.address)),
            ]
        )
        after = self.after_user_action("round trip lp", before, set())
        if (
            statuses[1] == 0
        ):  # the redeem could not pay (free cash): a plain deposit remains
            assert statuses[0] == 1
            return
        assert statuses == [1, 1]
        assert after.shares(lp.address) == before.shares(lp.address)
        assert after.wallet(lp.address, QUOTE) <= before.wallet(lp.address, QUOTE), (
            "a same-block deposit and redeem profited"
        )
        self.E.stats.setdefault("round trips", Counter())["lp"] += 1

    def account_value(self, acc: Any, obs: Obs) -> Fraction:
        """What the account is worth to its owner at the block's prices, USD WAD: quote and
        claim minus debt, plus unrealised PnL (other tokens do not move in a round trip)."""
        q = obs.status[QUOTE][0] or self.quote_price()
        return (
            Fraction((acc.balances[QI] + acc.claim - acc.debt) * q, self.unit[QUOTE])
            + acc.health.pnl
        )

    @rule(t=trader_index, i=account_index, ratio=st.integers(1, 1_000))
    def round_trip_borrow(self, t: int, i: int, ratio: int) -> None:
        aid = self.pick(t, i)
        if aid is None:
            return
        who, engine = self.trader(t), self.s.engine
        before = self.observe()
        acc = before.accounts[aid]
        amount = (
            self.capacity_usd(acc)
            * self.unit[QUOTE]
            // self.quote_price()
            * ratio
            // 1_000
        )
        if (
            amount == 0
            or self.simulate(who, engine.borrow, aid, amount, who.address)[0]
            is not None
        ):
            return
        # Repay what was borrowed (or everything, when a partial repay would leave less
        # than the minimum: no prior debt, or settlement debt below it).
        partial = acc.debt_shares and acc.debt >= before.books.min_debt
        statuses = self.same_block(
            [
                (who, engine.borrow, (aid, amount, who.address)),
                (who, engine.repay, (aid, amount if partial else MAX_UINT256)),
            ]
        )
        assert statuses == [1, 1], "a repay in the borrow's block failed"
        after = self.after_user_action("round trip borrow", before, {aid})
        gained = after.wallet(who.address, QUOTE) - before.wallet(who.address, QUOTE)
        owed = after.accounts[aid].debt - acc.debt
        assert gained - owed <= 0, (
            f"a same-block borrow and repay profited {gained - owed}"
        )
        self.E.stats.setdefault("round trips", Counter())["borrow"] += 1

    @rule(
        t=trader_index,
        i=account_index,
        m=st.integers(0, len(MARKETS) - 1),
        sign=st.sampled_from([1, -1]),
        ratio=st.integers(1, 1_000),
    )
    def round_trip_trade(self, t: int, i: int, m: int, sign: int, ratio: int) -> None:
        aid = self.pick(t, i)
        if aid is None:
            return
        who, engine = self.trader(t), self.s.engine
        before = self.observe()
        acc = before.accounts[aid]
        delta = self.trade_size(acc, m, ratio, sign, 0, 0)
        limit = MAX_UINT256 if delta > 0 else 0
        back = 0 if delta > 0 else MAX_UINT256
        if (
            delta == 0
            or self.simulate(who, engine.modify_position, aid, m + 1, delta, limit)[0]
            is not None
        ):
            return
        statuses = self.same_block(
            [
                (who, engine.modify_position, (aid, m + 1, delta, limit)),
                (who, engine.modify_position, (aid, m + 1, -delta, back)),
            ]
        )
        after = self.after_user_action("round trip trade", before, {aid})
        if statuses[1] == 0:
            # The way back may be refused (min notional of a rest, a flip's OI cap);
            # then the open stands alone and is checked like any trade.
            assert statuses[0] == 1
            return
        assert statuses == [1, 1]
        q = before.status[QUOTE][0] or self.quote_price()
        slack = Fraction(ROUND_TRIP_SLACK_QUOTE_WEI * q, self.unit[QUOTE])
        gained = self.account_value(after.accounts[aid], after) - self.account_value(
            acc, before
        )
        assert gained <= slack, f"a same-block open and close profited {gained} USD-wei"
        self.check_trade_value("round trip trade", before, after, aid)  # invariant 12
        self.E.stats.setdefault("round trips", Counter())["trade"] += 1

    # ======================================================================================
    # the market, time, the sequencer, feeds
    # ======================================================================================
    def publish(self, sym: str, answer: int) -> None:
        self.shielded.discard(sym)  # a fresh answer: no longer kept stale
        self.answers[sym] = max(answer, 1)
        self.tx(self.s.feeds[sym].set_answer, self.answers[sym], sender=self.E.owner)

    def market_move(self, label: str, change: Any) -> None:
        before = self.observe()
        self.step_kind = "price"
        change()
        self.ledgers_unchanged(label, before)

    @rule(k=non_quote_index, bps=st.integers(-800, 800))
    def price_walk(self, k: int, bps: int) -> None:
        sym = NON_QUOTE[k]
        self.market_move(
            "price walk",
            lambda: self.publish(sym, self.answers[sym] * (10_000 + bps) // 10_000),
        )

    @rule(k=non_quote_index, exponent=st.integers(-1_000, 1_000))
    def price_jump(self, k: int, exponent: int) -> None:
        """A jump of 0.1x .. 10x: the price times 10 ** (exponent / 1000)."""
        sym = NON_QUOTE[k]
        factor = Fraction(round(10 ** (exponent / 1_000) * 10**9), 10**9)
        self.market_move(
            "price jump", lambda: self.publish(sym, int(self.answers[sym] * factor))
        )

    @rule(k=token_index, above=st.booleans())
    def price_out_of_band(self, k: int, above: bool) -> None:
        """An answer outside the feed's sane band (fresh, > 0: closes and liquidations use it)."""
        sym = TOKENS[k]
        feed = self.params().feeds[k]
        scale = 10 ** (18 - self.E.feed_decimals)
        target = feed.max_price * 2 if above else feed.min_price // 2
        self.market_move(
            "price out of band", lambda: self.publish(sym, target // scale)
        )

    @rule(bps=st.integers(-400, 400))
    def quote_moves(self, bps: int) -> None:
        self.market_move(
            "quote moves",
            lambda: self.publish(
                QUOTE, 10**self.E.feed_decimals * (10_000 + bps) // 10_000
            ),
        )

    @rule(
        dt=st.one_of(
            st.sampled_from([1, 60, 3_600, 3_601, 86_400, 86_401]),
            st.integers(1, 3 * 86_400),
        ),
        refresh=st.sampled_from([True, True, True, True, True, False]),
        poke=st.booleans(),
    )
    def advance_time(self, dt: int, refresh: bool, poke: bool) -> None:
        """Time passes (interest, funding, grace, staleness); feeds republish their answers
        unless `refresh` is False; anyone may accrue the vault."""
        before = self.observe()
        self.step_kind = "time"
        self.now += dt
        self.obs = None
        if refresh:
            for sym in TOKENS:
                if (
                    sym in self.shielded
                ):  # the dust shielder keeps its token's feed stale
                    continue
                self.tx(
                    self.s.feeds[sym].set_answer, self.answers[sym], sender=self.E.owner
                )
        if poke:
            self.tx(self.s.vault.accrue, sender=self.E.outsider)
        self.ledgers_unchanged("time", before)
        after = self.observe()
        assert after.books.debt_index >= before.books.debt_index
        assert after.books.total_debt >= before.books.total_debt, "debt fell with time"
        assert after.books.reserve >= before.books.reserve, "the reserve fell with time"

    @rule(k=token_index)
    def stale_feed(self, k: int) -> None:
        sym = TOKENS[k]
        self.market_move(
            "stale feed",
            lambda: self.tx(
                self.s.feeds[sym].set_round,
                self.answers[sym],
                self.now - self.E.heartbeat - 1,
                sender=self.E.owner,
            ),
        )

    @rule(k=token_index)
    def refresh_feed(self, k: int) -> None:
        sym = TOKENS[k]
        self.market_move("refresh feed", lambda: self.publish(sym, self.answers[sym]))

    @rule(down=st.booleans())
    def sequencer(self, down: bool) -> None:
        """The sequencer goes down, or comes back up (its grace period starts now)."""
        self.market_move(
            "sequencer",
            lambda: self.tx(self.s.sequencer.set_status, down, sender=self.E.owner),
        )

    # ======================================================================================
    # donations
    # ======================================================================================
    @rule(k=token_index, c=cents, to_vault=st.booleans(), skim=st.booleans())
    def donate(self, k: int, c: int, to_vault: bool, skim: bool) -> None:
        """Tokens sent straight to the vault or the engine count for nothing: totalAssets,
        cash, collateral and every account are unchanged; the vault's `skim` books a quote
        donation into cash and the reserve without moving totalAssets."""
        sym = TOKENS[k]
        outsider, s = self.E.outsider, self.s
        target = s.vault if to_vault else s.engine
        # After a price fall the cents can be more tokens than the outsider was funded with:
        # the mock token's transfer then reverts without a reason (make fuzz found it). The
        # outsider donates what it has (a read, no transaction: block times stay pinned).
        amount = min(max(self.amount_for(sym, c), 1), s.tokens[sym].balanceOf(outsider))
        if amount == 0:
            return
        before = self.observe()
        self.send("donate", s.tokens[sym].transfer, target, amount, sender=outsider)
        # The vault books only its quote: another token sent to it leaves the system
        # (invariant 12 counts the rest of every donation as unbooked tokens).
        if to_vault and sym != QUOTE:
            self.given_away = Fraction(amount * before.status[sym][0], self.unit[sym])
        after = self.after_user_action("donate", before, set())
        assert after.books.total_assets == before.books.total_assets
        assert after.books.cash == before.books.cash
        assert after.books.totals == before.books.totals
        if to_vault and sym == QUOTE:
            assert (
                after.books.vault_quote_balance
                == before.books.vault_quote_balance + amount
            )
        if skim:
            b = after.books
            receipt = self.send("skim", s.vault.skim, sender=outsider)
            final = self.after_user_action("skim", after, set())
            surplus = b.vault_quote_balance - b.cash
            assert receipt.return_value == surplus
            assert final.books.cash == b.cash + surplus
            assert final.books.reserve == b.reserve + surplus
            assert final.books.total_assets == b.total_assets

    # ======================================================================================
    # the owner and the guardian (parameters: invariant 10)
    # ======================================================================================
    def owner_move(
        self, label: str, fn: Any, *args: Any, sender: Any, must: str | None
    ) -> Any:
        before = self.observe()
        self.step_kind = "owner"
        receipt = self.send(label, fn, *args, sender=sender, must=must)
        if receipt is not None:
            self.param_cache = None
            self.ledgers_unchanged(label, before)
        return receipt

    @precondition(lambda self: self.steps % 2 == 0)
    @rule(
        k=token_index,
        lt=st.integers(-200, 200),
        gap=st.integers(-50, 400),
        bonus=st.integers(0, 200),
        cap=st.sampled_from(["same", "same", "total", "max"]),
        enabled=st.sampled_from([True, True, True, False]),
        outsider=st.sampled_from([False] * 9 + [True]),
    )
    def owner_configure_collateral(
        self, k, lt, gap, bonus, cap, enabled, outsider
    ) -> None:
        """Move LT by -20 % .. +20 % (per mille of WAD), CF `gap` per mille below it, a
        bonus of 0 .. 20 %; out-of-bound combinations revert with the first rule broken."""
        cfg = self.params().collaterals[k]
        new_lt = cfg.liquidation_threshold + lt * 10**15
        new_cf = new_lt - gap * 10**15
        new_bonus = bonus * 10**15
        supply_cap = {
            "same": cfg.supply_cap,
            "total": self.observe().books.totals[k],
            "max": MAX_UINT256,
        }[cap]
        if min(new_lt, new_cf) < 0:
            return
        who = self.E.outsider if outsider else self.E.owner
        must = (
            "engine: not owner"
            if outsider
            else "engine: CF not below LT"
            if new_cf >= new_lt
            else "engine: LT not below 1"
            if new_lt >= WAD
            else "engine: bonus too high for LT"
            if (WAD + new_bonus) * new_lt > WAD * WAD
            else None
        )
        if self.owner_move(
            "configure_collateral",
            self.s.engine.configure_collateral,
            self.s.tokens[TOKENS[k]],
            new_cf,
            new_lt,
            new_bonus,
            supply_cap,
            enabled,
            sender=who,
            must=must,
        ):
            got = self.params().collaterals[k]
            assert (
                got.collateral_factor,
                got.liquidation_threshold,
                got.liquidation_bonus,
            ) == (new_cf, new_lt, new_bonus)
            assert (got.supply_cap, got.enabled) == (supply_cap, enabled)

    @precondition(lambda self: self.steps % 2 == 0)
    @rule(
        m=st.integers(0, len(MARKETS) - 1),
        maint=st.integers(-30, 30),
        initial=st.one_of(st.integers(-30, 60), st.integers(600, 700)),
        fees=st.one_of(st.integers(-5, 40), st.integers(400, 600)),
        spread=st.one_of(st.integers(-6, 6), st.integers(95, 100)),
        funding=st.integers(0, 3),
        enabled=st.sampled_from([True, True, True, False]),
    )
    def owner_set_market(
        self, m, maint, initial, fees, spread, funding, enabled
    ) -> None:
        """Margins moved by per-mille steps (initial up to +70 %), the liquidation fee by
        0.01 % steps (up to +6 %), the spread around the feed's deviation (up to +10 %),
        the funding rate up to twice its bound; enable or disable. Each bound is reachable."""
        market = self.params().markets[m]
        p = market.params
        new = p._replace(
            maintenance_margin=max(p.maintenance_margin + maint * 10**15, 0),
            initial_margin=max(p.initial_margin + initial * 10**15, 0),
            liquidation_fee=max(p.liquidation_fee + fees * 10**14, 0),
            spread=max(market.deviation + spread * 10**15, 0),
            max_funding_rate=[
                p.max_funding_rate,
                0,
                10**18 // 86_400,
                2 * 10**18 // 86_400,
            ][funding],
            enabled=enabled,
        )
        must = (
            "registry: maintenance not below initial"
            if new.maintenance_margin >= new.initial_margin
            else "registry: initial not below 1"
            if new.initial_margin >= WAD
            else "registry: fees not below maintenance"
            if new.liquidation_fee + new.trading_fee >= new.maintenance_margin
            else "registry: spread below deviation"
            if new.spread < market.deviation
            else "registry: spread above max"
            if new.spread > 10**17
            else "registry: funding rate above max"
            if new.max_funding_rate > 10**18 // 86_400
            else None
        )
        if self.owner_move(
            "set_market",
            self.s.registry.set_market,
            m + 1,
            tuple(new),
            sender=self.E.owner,
            must=must,
        ):
            assert self.params().markets[m].params == new

    @precondition(lambda self: self.steps % 2 == 0)
    @rule(
        units=st.sampled_from([10, 5, 50, 1, 1_000_000, 0, 1_000_001]),
        outsider=st.booleans(),
    )
    def owner_set_min_debt(self, units: int, outsider: bool) -> None:
        who = self.E.outsider if outsider else self.E.owner
        amount = units * self.unit[QUOTE]
        must = (
            "engine: not owner"
            if outsider
            else "engine: min debt out of range"
            if amount == 0 or units > 1_000_000
            else None
        )
        if self.owner_move(
            "set_min_debt", self.s.engine.set_min_debt, amount, sender=who, must=must
        ):
            assert self.s.engine.min_debt() == amount

    @precondition(lambda self: self.steps % 2 == 0)
    @rule(paused=st.booleans(), who=st.sampled_from(["guardian", "owner", "outsider"]))
    def guardian_pause(self, paused: bool, who: str) -> None:
        e = self.E
        sender = {"guardian": e.guardian, "owner": e.owner, "outsider": e.outsider}[who]
        must = "engine: not owner or guardian" if who == "outsider" else None
        self.owner_move(
            "set_paused", self.s.engine.set_paused, paused, sender=sender, must=must
        )

    @precondition(lambda self: self.steps % 2 == 0)
    @rule(pause=st.booleans(), by_guardian=st.booleans())
    def vault_deposits_switch(self, pause: bool, by_guardian: bool) -> None:
        e, vault = self.E, self.s.vault
        paused = self.observe().books.deposits_paused
        if pause:
            sender = e.guardian if by_guardian else e.owner
            must = "vault: deposits already paused" if paused else None
            self.owner_move(
                "pause_deposits", vault.pause_deposits, sender=sender, must=must
            )
        else:
            sender = e.guardian if by_guardian else e.owner
            must = (
                "vault: caller is not the owner"
                if by_guardian
                else "vault: deposits not paused"
                if not paused
                else None
            )
            self.owner_move(
                "unpause_deposits", vault.unpause_deposits, sender=sender, must=must
            )

    @precondition(lambda self: self.steps % 2 == 0)
    @rule(
        factor=st.integers(0, 1_200),
        slope=st.sampled_from([0, 1, 10, 100, 1_000]),
        kink=st.integers(0, 1_000),
    )
    def owner_interest(self, factor: int, slope: int, kink: int) -> None:
        """Reserve factor 0 .. 120 % and a curve of slope1 = slope2 = `slope` per mille of
        the maximum rate each, kink per mille; out of bounds reverts with the first rule."""
        vault = self.s.vault
        rf = factor * 10**15
        self.owner_move(
            "set_reserve_factor",
            vault.set_reserve_factor,
            rf,
            sender=self.E.owner,
            must="vault: reserve factor above 1" if rf > WAD else None,
        )
        top = self.params().max_borrow_rate
        s1 = s2 = top * slope // 1_000
        k = kink * 10**15
        must = (
            "vault: kink must be > 0"
            if k == 0
            else "vault: kink must be < 1"
            if k >= WAD
            else "vault: rate above max"
            if s1 + s2 > top
            else None
        )
        self.owner_move(
            "set_interest_model",
            vault.set_interest_model,
            0,
            s1,
            s2,
            k,
            sender=self.E.owner,
            must=must,
        )

    @precondition(lambda self: self.steps % 6 == 0)
    @rule(period=st.sampled_from([3_600, 600, 1, 86_400, 0, 86_401]))
    def owner_grace_period(self, period: int) -> None:
        must = (
            "oracle: grace period 0"
            if period == 0
            else "oracle: grace period > 1 day"
            if period > 86_400
            else None
        )
        self.owner_move(
            "set_grace_period",
            self.s.oracle.set_grace_period,
            period,
            sender=self.E.owner,
            must=must,
        )

    # ---- weights: a rule listed n times is drawn n times as often -----------------------
    _w_modify_2 = _w_modify_3 = _w_modify_4 = modify_position
    _w_close_2 = close_position
    _w_isolated_2 = open_isolated
    _w_borrow_2 = _w_borrow_3 = borrow
    _w_repay_2 = repay
    _w_deposit_2 = deposit_collateral
    _w_withdraw_2 = withdraw_collateral
    _w_liquidate_2 = liquidate
    _w_candidate_2 = _w_candidate_3 = _w_candidate_4 = _w_candidate_5 = (
        liquidate_candidate
    )
    _w_walk_2 = _w_walk_3 = price_walk
    _w_jump_2 = _w_jump_3 = price_jump
    _w_time_2 = _w_time_3 = advance_time

    # ======================================================================================
    # invariants after every step
    # ======================================================================================
    @invariant()
    def invariants_hold(self) -> None:
        obs = self.observe()
        self.steps += 1
        self.check_books(obs)
        self.check_ledgers(obs)
        self.check_funding(obs)
        self.check_monotonic(obs)
        heavy = self.steps % HEAVY_EVERY == 0 or self.step_kind in (
            "owner",
            "price",
            "time",
        )
        if heavy:
            t0 = time.monotonic()
            self.check_parameters()
            self.check_liveness(obs)
            self.timed("liveness", t0)
        self.prev, self.step_kind = obs, "user"

    def check_books(self, obs: Obs) -> None:
        """Invariants 1, 2, 3."""
        b, accs = obs.books, list(obs.accounts.values())
        assert b.account_count == self.count
        # 1. LP shares and debt shares add up.
        assert sum(b.shares) == b.total_supply, (
            "LP share balances do not sum to totalSupply"
        )
        assert sum(a.debt_shares for a in accs) == b.total_debt_shares, (
            "debt shares do not sum"
        )
        assert all(a.claim == a.vault_claim for a in accs), (
            "engine and vault claims differ"
        )
        assert sum(a.claim for a in accs) == b.total_claims
        # 2. Internal balances never exceed token balances.
        for k, sym in enumerate(TOKENS):
            assert sum(a.balances[k] for a in accs) == b.totals[k], (
                f"{sym} balances do not sum"
            )
            assert b.totals[k] <= b.engine_balances[k], (
                f"engine {sym} collateral above its balance"
            )
        assert b.cash <= b.vault_quote_balance, "vault cash above its token balance"
        # 3. The totalAssets identity, as the vault states it ...
        gross = b.cash + b.total_debt
        liabilities = b.reserve + b.total_claims + b.net_pnl
        assert b.total_assets == max(0, gross - liabilities)
        # ... and rebuilt from the accounts: Σ debts and Σ unrealised PnL.
        debtors = [a for a in accs if a.debt_shares]
        debts = sum(a.debt for a in debtors)
        assert b.total_debt <= debts <= b.total_debt + len(debtors), (
            "Σ debts far from total_debt"
        )
        for a in accs:
            assert a.debt == ceil_div(a.debt_shares * b.debt_index, WAD)
        positions = sum(len(a.positions) for a in accs)
        q = obs.status[QUOTE]
        if (
            b.marks_ok
            and positions
            and q[1] == Status.OK
            and all(a.health.priced for a in accs if a.positions)
        ):
            self.checked("identity with positions")
            exact = Fraction(
                sum(a.health.pnl for a in accs if a.positions) * self.unit[QUOTE], q[0]
            )
            assert b.net_pnl >= exact - 1, (
                "the vault books less trader PnL than the positions hold"
            )
            assert b.net_pnl <= exact + 2 + IDENTITY_SLACK_PER_ITEM * positions, (
                f"the vault books more trader PnL ({b.net_pnl}) than the positions hold ({exact})"
            )
        if not positions:
            assert (b.net_pnl, b.reserved, b.band) == (0, 0, 0)
        # Free cash: never negative, never what the claims or reserved profits need.
        if marks_usable(b):
            assert b.free_cash == max(0, b.cash - b.total_claims - b.reserved)
        else:
            assert b.free_cash == 0
        if not b.marks_ok or not solvent(b):
            assert b.max_deposit == 0, (
                "deposits open while the marks are not OK or equity <= 0"
            )
        # Exits never take totalAssets below what the open interest needs (V-01).
        room = max(0, b.total_assets - b.oi_needed) if marks_usable(b) else 0
        assert all(m <= min(b.free_cash, room) for m in b.max_withdraw), (
            "maxWithdraw above free cash or the open-interest room"
        )
        self.check_deposits_closed(obs)  # invariant 16

    def check_ledgers(self, obs: Obs) -> None:
        """The active set, token lists, bucket limits, market aggregates."""
        b = obs.books
        active = {
            aid for aid, a in obs.accounts.items() if a.debt_shares or a.positions
        }
        assert len(b.active_ids) == len(set(b.active_ids)), (
            "an id twice in the active set"
        )
        assert set(b.active_ids) == active, (
            "the active set differs from debt-or-positions"
        )
        sums = {m: [0, 0, 0, 0] for m in range(1, len(MARKETS) + 1)}
        for aid, a in obs.accounts.items():
            assert a.active == (aid in active)
            assert a.owner == self.trader(self.owner_index[aid]).address.lower()
            held = [self.addr[sym] for k, sym in enumerate(TOKENS) if a.balances[k]]
            assert sorted(a.held) == sorted(held), f"account {aid}'s token list is off"
            assert not a.held or a.held[0] == self.addr[QUOTE] or not a.balances[QI]
            if a.mode == 1:
                assert len([x for x in a.held if x != self.addr[QUOTE]]) <= 1
                assert len(a.positions) <= 1
            for p in a.positions:
                assert p.size != 0
                side = 0 if p.size > 0 else 2
                sums[p.market_id][side] += abs(p.size)
                sums[p.market_id][side + 1] += p.basis
        for m, st_ in zip(sums, b.states, strict=True):
            assert (
                st_.long_size,
                st_.long_basis,
                st_.short_size,
                st_.short_basis,
            ) == tuple(sums[m]), f"market {m}'s side sums differ from its positions"

    def check_funding(self, obs: Obs) -> None:
        """Invariant 8: the funding pending since each market's last accrual is what the
        skew owes at the exact continuous rate, never less (the traders never gain), and
        no more than its rounding (zero-sum up to rounding)."""
        b = obs.books
        for m, name in enumerate(MARKETS):
            st_ = b.states[m]
            price = obs.status[MARKET_ASSET[name]][0]
            dt = self.now - st_.last_update
            long_, short = st_.long_size, st_.short_size
            if price == 0 or dt <= 0 or long_ == short:
                continue
            p = self.market_params(m)
            fl, fs = b.funding[2 * m], b.funding[2 * m + 1]
            self.checked("pending funding")
            paid = Fraction(
                long_ * (fl - st_.funding_long) - short * (fs - st_.funding_short), WAD
            )
            skew = long_ - short
            rate = Fraction(p.max_funding_rate) * max(
                min(Fraction(skew, p.skew_scale), 1), -1
            )
            exact = Fraction(skew, WAD) * rate * price * dt / WAD
            assert paid >= exact, f"{name}: traders pay {paid} < exact funding {exact}"
            slack = Fraction((long_ + short) * (price * dt // WAD + 2), WAD) + 1
            assert paid <= exact + slack, (
                f"{name}: traders pay {paid}, exact {exact} (+{slack})"
            )
            # The stored rates are the exact rate rounded each way.
            assert st_.rate_down <= abs(rate) <= st_.rate_up <= st_.rate_down + 1

    def check_monotonic(self, obs: Obs) -> None:
        """Invariant 8 (indices): the debt index never falls; each market's stored funding
        spread F_long - F_short (the vault's cut) never falls, and the funding pending
        since the last accrual never narrows it (the view's spread >= the stored one).
        The view itself is not monotonic to the wei: it rounds the whole pending interval
        at once (the paying side up, the other down), so a few more seconds can lower it by
        one wei; the accrual at the next touch books the interval with the same rounding."""
        for m, name in enumerate(MARKETS):
            s1 = obs.books.states[m]
            view = obs.books.funding[2 * m] - obs.books.funding[2 * m + 1]
            assert view >= s1.funding_long - s1.funding_short, (
                f"{name}: pending funding narrows the funding spread"
            )
        prev = self.prev
        if prev is None:
            return
        b, a = prev.books, obs.books
        assert a.debt_index >= b.debt_index, "the debt index fell"
        for m, name in enumerate(MARKETS):
            s0, s1 = b.states[m], a.states[m]
            assert (
                s1.funding_long - s1.funding_short >= s0.funding_long - s0.funding_short
            ), f"{name}: the stored funding spread fell"
            assert s1.last_update >= s0.last_update

    def check_parameters(self) -> None:
        """Invariant 10: every parameter is inside the bounds its setter enforces (read
        afresh: a parameter moved by anything but its setter would show here)."""
        self.param_cache = None
        p = self.params()
        for k, cfg in enumerate(p.collaterals):
            sym = TOKENS[k]
            assert cfg.collateral_factor < cfg.liquidation_threshold < WAD, (
                f"{sym} CF/LT"
            )
            assert (
                WAD + cfg.liquidation_bonus
            ) * cfg.liquidation_threshold <= WAD * WAD, sym
            assert cfg.decimals <= 18 and cfg.oracle_asset == self.addr[sym]
        for m, market in enumerate(p.markets):
            mp = market.params
            assert mp.maintenance_margin < mp.initial_margin < WAD, MARKETS[m]
            assert mp.liquidation_fee + mp.trading_fee < mp.maintenance_margin, MARKETS[
                m
            ]
            assert market.deviation <= mp.spread <= 10**17, MARKETS[m]
            assert mp.max_funding_rate <= 10**18 // 86_400, MARKETS[m]
            assert mp.skew_scale > 0 and mp.skew_impact_scale > 0 and mp.oi_share <= WAD
        assert (
            0 < p.kink < WAD and p.base_rate + p.slope1 + p.slope2 <= p.max_borrow_rate
        )
        assert p.reserve_factor <= WAD
        assert 1 <= p.grace_period <= 86_400
        for k, f in enumerate(p.feeds):
            assert (
                0 < f.min_price < f.max_price <= 10**36 and 0 < f.deviation < 10**17
            ), TOKENS[k]
            assert 1 <= f.heartbeat <= 7 * 86_400
        b = self.observe().books
        assert 1 <= b.min_debt <= 1_000_000 * self.unit[QUOTE]

    def check_liveness(self, obs: Obs) -> None:
        """Invariant 7, simulated from each caller at the current block:
        - every account the Lens lists is liquidated by `liquidate(id, max, token, 0, ...)`
          with some seize token, and every liquidatable account is either listed or refused
          only by the grace floor or an unusable quote price;
        - every account with debt can be repaid in full by anyone;
        - an account with no debt and no position can withdraw every token it holds, even
          with stale feeds or the sequencer down;
        - every LP can withdraw maxWithdraw and redeem maxRedeem."""
        e, s = self.E, self.s
        engine, liq = s.engine, e.liquidators[0]
        self.pin()
        listed = {c.account_id for c in e.lens.liquidatable(0, 100, block_id="pending")}
        calls, what = [], []
        degraded = any(status != Status.OK for _, status in obs.status.values())
        for aid, acc in obs.accounts.items():
            # Invariant 14: below health 1 at the usable prices => liquidatable, whatever
            # dust and bad feeds its other tokens have (an unusable collateral counts 0).
            below = self.below_one_at_usable_prices(acc, obs)
            if below is not None and acc.active:
                self.checked("liquidatable at usable prices")
                if below and any(not usable(st_) for _, st_ in obs.status.values()):
                    self.checked("liquidatable at usable prices, a feed unusable")
                assert acc.health.liquidatable == below, (
                    f"account {aid} is {'below' if below else 'at or above'} health 1 at "
                    f"the usable prices but is_liquidatable is {acc.health.liquidatable} "
                    f"(priced {acc.health.priced}, status {acc.health.status})"
                )
            if acc.health.liquidatable:
                assert aid in listed or self.lens_may_skip(acc, obs), (
                    f"liquidatable account {aid} missing from the Lens"
                )
            if aid in listed:
                assert acc.health.liquidatable
                for seize in self.seize_options(acc):
                    calls.append(
                        (
                            liq,
                            engine.liquidate,
                            (aid, MAX_UINT256, seize, 0, liq.address),
                        )
                    )
                    what.append(("liquidate", aid))
            if acc.debt_shares:
                calls.append((liq, engine.repay, (aid, MAX_UINT256)))
                what.append(("repay", aid))
                if degraded or obs.books.paused:
                    self.checked("liveness: repay while paused or a price is not OK")
            if not acc.debt_shares and not acc.positions and any(acc.balances):
                if degraded or obs.books.paused:
                    self.checked(
                        "liveness: withdraw-all while paused or a price is not OK"
                    )
                owner = self.trader(self.owner_index[aid])
                for k, sym in enumerate(TOKENS):
                    if acc.balances[k]:
                        calls.append(
                            (
                                owner,
                                engine.withdraw_collateral,
                                (
                                    aid,
                                    s.tokens[sym].address,
                                    acc.balances[k],
                                    owner.address,
                                ),
                            )
                        )
                        what.append(("withdraw", aid))
        for h, lp in enumerate(e.lps):
            b = obs.books
            if b.max_withdraw[h]:
                calls.append(
                    (lp, s.vault.withdraw, (b.max_withdraw[h], lp.address, lp.address))
                )
                what.append(("lp withdraw", h))
            if b.max_redeem[h]:
                calls.append(
                    (lp, s.vault.redeem, (b.max_redeem[h], lp.address, lp.address))
                )
                what.append(("lp redeem", h))
        self.check_lp_exits(obs)  # invariant 15
        if not calls:
            return
        answers = e.probe.batch(
            [
                (
                    "eth_call",
                    [
                        {
                            "from": who.address,
                            "to": m.contract.address,
                            "data": m.encode_input(*args),
                            "gas": hex(GAS),
                        },
                        "pending",
                    ],
                )
                for who, m, args in calls
            ]
        )
        liquidated: dict[int, list[str]] = {}
        for (kind, ref), answer in zip(what, answers, strict=True):
            reason = revert_reason(answer)
            if kind == "liquidate":
                liquidated.setdefault(ref, []).append(reason)
                continue
            assert reason is None, f"liveness: {kind} of {ref} reverts {reason!r}"
        for aid, reasons in liquidated.items():
            assert None in reasons, (
                f"liveness: account {aid} listed but no liquidation passes: {reasons}"
            )
        self.E.stats.setdefault("liveness", Counter())["checks"] += 1
        self.E.stats["liveness"]["liquidatable"] += len(liquidated)

    def seize_options(self, acc: Any) -> list[str]:
        """A held non-quote token with a usable price first (the close may spend the
        quote), the quote, a sweep."""
        status = self.observe().status
        options = [
            self.addr[sym]
            for k, sym in enumerate(TOKENS)
            if k != QI and acc.balances[k] and status[sym][0]
        ]
        return [*options[:1], self.addr[QUOTE], ZERO_ADDRESS]

    def lens_may_skip(self, acc: Any, obs: Obs) -> bool:
        """The Lens skips an account the engine would refuse: the quote unusable (every
        liquidation reads it) or the grace period above the floor."""
        q = obs.status[QUOTE][1]
        grace = (acc.health.status | q) & Status.GRACE
        return not usable(q) or (
            bool(grace) and acc.health.health_factor >= 95 * 10**16
        )


# ---- the run's statistics (printed by the test; `-s` shows them) ----------------------------
def format_stats(stats: dict) -> str:
    lines = [
        f"examples {stats.get('examples', 0)}, steps {stats.get('steps', 0)}, "
        f"{stats.get('seconds', 0.0):.0f} s in examples"
    ]
    for key in (
        "time",
        "checked",
        "liquidations",
        "round trips",
        "liveness",
        "flash lp",
        "dust shield",
        "self-liquidations",
        "hedged accounts",
        "gated",
    ):
        if key in stats:
            lines.append(f"{key}: {dict(stats[key])}")
    if "calls" in stats:
        lines.append(
            "calls: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["calls"].items()))
        )
    return "\n".join(lines)


def report(stats: dict) -> None:
    print("\n" + format_stats(stats), file=sys.stderr)


__all__ = ["MachineEnv", "SystemMachine", "format_stats", "report"]
