"""`ape run demo --network ethereum:local:foundry` — deploy Bulkhead with mocks on a fresh
local anvil and play the story, printing what happened. `make demo` runs it; ape starts the
anvil and stops it when the command ends.

The story grows with the protocol. Today: LPs fund the vault; a trader holds two isolated
buckets and another trader one cross account with the same collateral; the cross account can
take a loan neither bucket can; interest accrues to the LPs and the reserve; a memecoin crash
puts only the bucket holding it underwater. Then perps: the trader opens a leveraged MEME long
and an ETH long in two buckets, the other trader a hedged pair (long ETH, short BTC) in one
cross account and the same pair split over two buckets; funding and interest accrue over a
week; a MEME crash makes only the MEME bucket liquidatable; ETH and BTC falling together sink
one leg of the split pair while the hedged cross account stays healthy. Wherever the story
flags an account, the real liquidator bot (scripts/_bot.py, the same core `ape run liquidator`
runs) does one round through the Lens and liquidates it; the story prints what it seized and
earned, the account after, every other account unchanged, and the vault (bad debt written
off included). Last, the oracle's L2 failure modes, live.

Block times are deterministic: every block is exactly 1 s after the previous one
(anvil_setBlockTimestampInterval) except the story's explicit time jumps and the bot's
rounds, whose transactions land in the second the bot's scan read (interval 0 for the round,
as several Arbitrum blocks share a timestamp), so interest and funding, and every number
printed, are the same on every run.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import NamedTuple

import click
from ape.cli import ConnectedProviderCommand
from rich.console import Console

from scripts import _bot, _config, _deploy
from scripts._constants import ZERO_ADDRESS
from scripts._ui import console, quiet_reverts, status_name, table, units, wad

MAX_UINT = 2**256 - 1
WAD = 10**18
DAY = 86_400
SLIPPAGE = Decimal("0.05")  # acceptable price: 5% worse than the oracle price
# Minted to the liquidator's account: the bot repays debt from its own balance.
LIQUIDATOR_USDC = 100_000


class Story:
    """Deployment handles plus a gas log of every step."""

    def __init__(self, dep, config):
        self.dep = dep
        self.config = config
        self.vault = dep.contracts["Vault"]
        self.engine = dep.contracts["MarginEngine"]
        self.oracle = dep.contracts["OracleAdapter"]
        self.registry = dep.contracts["MarketRegistry"]
        self.tokens = dep.tokens
        self.quote = dep.tokens[config.quote.symbol]
        self.qdec = config.quote.decimals
        self.gas: list[tuple[str, int]] = []
        # account id -> [(market, size in base tokens, fill price USD WAD)], in trade order
        self.positions: dict[int, list[tuple[str, str, int]]] = {}
        self.names: dict[int, str] = {}
        self.vault_rows: list[list[str]] = []

    def step(self, label: str, receipt):
        self.gas.append((label, int(receipt.gas_used)))
        return receipt

    def amount(self, symbol: str, whole: str | int) -> int:
        return int(Decimal(str(whole)) * 10 ** int(self.tokens[symbol].decimals()))

    def fund(self, who, symbol: str, whole, spender) -> int:
        amount = self.amount(symbol, whole)
        self.tokens[symbol].mint(who, amount, sender=who)
        self.tokens[symbol].approve(spender, MAX_UINT, sender=who)
        return amount

    def open(self, who, mode: int, label: str) -> int:
        receipt = self.step(label, self.engine.open_account(mode, sender=who))
        return int(receipt.decode_logs(self.engine.AccountOpened)[0].account_id)

    def max_borrow(self, account_id: int) -> int:
        """Quote units the account could still borrow: equity_init − init_req at the quote price."""
        h = self.engine.account_health(account_id)
        room = int(h.equity_init) - int(h.init_req)
        if room <= 0:
            return 0
        quote_price = self.oracle.price(self.quote.address)
        return room * 10**self.qdec // quote_price

    def health(self, account_id: int) -> str:
        hf = int(self.engine.health_factor(account_id))
        return "∞ (no debt)" if hf == MAX_UINT else wad(hf, 3)

    def perp_open(self, who, label: str, market: str, size: str, collateral: str | int):
        """`engine.open_isolated`: a new bucket holding `collateral` USDC and one position of
        `size` base tokens (> 0 long); returns the bucket id."""
        amount = self.fund(
            who, self.config.quote.symbol, collateral, self.engine.address
        )
        receipt = self.step(
            label,
            self.engine.open_isolated(
                who,
                self.quote.address,
                amount,
                self.market_id(market),
                to_size(size),
                self.acceptable(market, size),
                sender=who,
            ),
        )
        account_id = int(receipt.decode_logs(self.engine.AccountOpened)[0].account_id)
        self.record_fill(account_id, market, size, receipt)
        return account_id

    def perp_trade(self, who, account_id: int, label: str, market: str, size: str):
        """`engine.modify_position` on an existing account."""
        receipt = self.step(
            label,
            self.engine.modify_position(
                account_id,
                self.market_id(market),
                to_size(size),
                self.acceptable(market, size),
                sender=who,
            ),
        )
        self.record_fill(account_id, market, size, receipt)

    def record_fill(self, account_id: int, market: str, size: str, receipt) -> None:
        fill = int(receipt.decode_logs(self.engine.PositionModified)[-1].fill_price)
        self.positions.setdefault(account_id, []).append((market, size, fill))

    def market_id(self, market: str) -> int:
        return self.dep.markets[market][0]

    def market_price(self, market: str) -> int:
        return int(self.oracle.price(self.dep.markets[market][2]))

    def acceptable(self, market: str, size: str) -> int:
        """The worst fill accepted: 5% above the oracle price buying, 5% below selling."""
        side = 1 if Decimal(size) > 0 else -1
        return int(self.market_price(market) * (1 + side * SLIPPAGE))

    def move(self, sender, market: str, ratio: str) -> None:
        """Publish `ratio` x the current answer on the mock feed pricing `market`."""
        feed = self.dep.feeds[self.dep.markets[market][1]]
        answer = int(Decimal(int(feed.latestRoundData()[1])) * Decimal(ratio))
        self.step(
            f"{market} feed update (x{ratio})", feed.set_answer(answer, sender=sender)
        )

    def position_text(self, account_id: int) -> str:
        """The trades' signed sizes in base tokens (> 0 long), e.g. +10 ETH, -0.5 BTC."""
        return ", ".join(
            f"{'+' if Decimal(size) > 0 else '-'}{abs(Decimal(size)):,} {market}"
            for market, size, _ in self.positions[account_id]
        )

    def entry_text(self, account_id: int) -> str:
        """The fill price of each trade (spread and skew impact included), USD."""
        return ", ".join(
            wad(fill, 4 if fill < 10 * WAD else 2)
            for _, _, fill in self.positions[account_id]
        )

    def notional(self, account_id: int) -> int:
        """Σ |size| × oracle price over the account's positions (read back), USD WAD."""
        return sum(
            abs(int(self.engine.position_of(account_id, self.market_id(m)).size))
            * self.market_price(m)
            // WAD
            for m in {market for market, _, _ in self.positions[account_id]}
        )

    def margin(self, account_id: int) -> int:
        """The account's quote collateral, quote units."""
        return int(self.engine.collateral_of(account_id, self.quote.address))

    def label(self, account_id: int) -> str:
        return f"#{account_id} {self.names.get(account_id, '')}".rstrip()

    def ledger(self, account_id: int) -> tuple:
        """Everything the engine books for the account: collateral per token, debt shares,
        positions (size and basis)."""
        e = self.engine
        return (
            tuple(
                (str(t), int(e.collateral_of(account_id, t)))
                for t in e.collaterals_of(account_id)
            ),
            int(e.debt_shares_of(account_id)),
            tuple(
                (int(p.market_id), int(p.size), int(p.basis))
                for p in e.positions_of(account_id)
            ),
        )

    def collateral_text(self, account_id: int) -> str:
        """The account's collateral balances, e.g. 1,234.56 USDC, 0.5 WBTC; "none"."""
        parts = []
        for token in self.engine.collaterals_of(account_id):
            amount = int(self.engine.collateral_of(account_id, token))
            symbol = self.symbol(str(token))
            parts.append(f"{units(amount, self.decimals(symbol), 4)} {symbol}")
        return ", ".join(parts) or "none"

    def positions_text(self, account_id: int) -> str:
        """The open positions read back from the engine, e.g. +10 ETH; "none"."""
        by_id = {mid: name for name, (mid, _, _) in self.dep.markets.items()}
        parts = []
        for p in self.engine.positions_of(account_id):
            size = Decimal(int(p.size)) / WAD
            parts.append(
                f"{'+' if size > 0 else '-'}{abs(size):,} {by_id[int(p.market_id)]}"
            )
        return ", ".join(parts) or "none"

    def symbol(self, address: str) -> str:
        for symbol, token in self.tokens.items():
            if token.address.lower() == address.lower():
                return symbol
        return address[:10]

    def decimals(self, symbol: str) -> int:
        return int(self.tokens[symbol].decimals())

    def vault_row(self, label: str) -> list[str]:
        v = self.vault
        return [
            label,
            units(v.totalAssets(), self.qdec),
            units(v.total_debt(), self.qdec, 4),
            f"{Decimal(int(v.utilization())) / 10**16:.2f}%",
            f"{Decimal(int(v.borrow_rate())) * 31_536_000 / 10**16:.2f}%",
            units(v.reserve(), self.qdec, 4),
            units(v.convertToAssets(10 ** int(v.decimals())), self.qdec, 6),
        ]


VAULT_COLUMNS = [
    "moment",
    "totalAssets",
    "debt",
    "utilisation",
    "borrow APR",
    "reserve",
    "share price",
]


class Liquidation(NamedTuple):
    """One account the bot liquidated, as the story reports it (a NamedTuple: `ape run`
    loads this file without registering it as a module, which a dataclass needs)."""

    chapter: str
    action: _bot.Action
    closed: str  # the positions closed, e.g. "+25,000 MEME at 0.1400"; "none"
    seized: str  # e.g. "38,514.1343 MEME"; "nothing"
    # quote units the vault wrote off in the transaction (its BadDebtWrittenOff events)
    bad_debt: int
    from_reserve: int
    from_lps: int


class Keeper:
    """The liquidator bot of scripts/_bot.py (what `ape run liquidator` runs), signing with a
    fresh ape test account and repaying debt from its own USDC; the story runs one round
    wherever it flags accounts."""

    def __init__(self, s: Story, account, path):
        from ape import chain

        self.s = s
        self.account = account
        s.quote.mint(
            account, s.amount(s.config.quote.symbol, LIQUIDATOR_USDC), sender=account
        )
        # The bot's own log lines, without the time and the source line.
        log = Console(
            width=None if sys.stdout.isatty() else 120, log_time=False, log_path=False
        )
        self.bot = _bot.Liquidator(
            chain.provider.web3,
            _bot.load_deployment(path),
            _bot.ApeSigner(account),
            _bot.BotConfig(),
            console=log,
        )
        self.bot.ensure_approval()
        self.liquidations: list[Liquidation] = []
        self.changed: list[tuple[str, int]] = []  # (chapter, id): another account moved
        self.rounds = 0

    def round(self, chapter: str) -> _bot.Round:
        """One bot round at the head: what it did (gain and gas per liquidation), the
        liquidated accounts after, every other account before and after, the vault.

        The round's transactions land in the second its scan read (block timestamp interval 0
        for the round; on Arbitrum several blocks share a timestamp too), so "before" and
        "after" are the same instant: no interest or funding accrues in between, and any
        difference in another account's health would be the liquidation's doing."""
        from ape import chain

        s = self.s
        ids = list(range(1, int(s.engine.account_count()) + 1))
        health = {i: int(s.engine.health_factor(i)) for i in ids}
        ledger = {i: s.ledger(i) for i in ids}
        vault_rows = [s.vault_row("before the round")]
        balance = int(s.quote.balanceOf(self.account))
        console.print(
            f"[bold]liquidator bot[/] (scripts/_bot.py, signing as {self.account.address}, "
            f"{units(balance, s.qdec)} USDC to repay with) runs one round:"
        )
        chain.provider.make_request("anvil_setBlockTimestampInterval", [0])
        try:
            rnd = self.bot.run_round()
        finally:
            chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
        self.rounds += 1
        rows, done = [], []
        for a in rnd.actions:
            if a.outcome != "liquidated":
                rows.append([s.label(a.account_id), f"{a.outcome}: {a.detail}"])
                continue
            receipt = s.step(
                f"liquidate #{a.account_id} ({s.names.get(a.account_id, '?')})",
                chain.get_receipt(a.tx_hash),
            )
            row = action_row(s, a, receipt)
            rows.append(row)
            logs = receipt.decode_logs(s.vault.BadDebtWrittenOff)
            done.append(
                Liquidation(
                    chapter,
                    a,
                    row[1],
                    row[2],
                    sum(int(log.assets) for log in logs),
                    sum(int(log.from_reserve) for log in logs),
                    sum(int(log.from_lps) for log in logs),
                )
            )
        self.liquidations.extend(done)
        candidates = ", ".join(f"#{i}" for i in rnd.candidates) or "none"
        console.print(
            table(
                f"Bot round, chapter {chapter} (block {rnd.block}: {rnd.active} active "
                f"accounts, liquidatable {candidates}; USDC)",
                ["account", "closed", "seized", "repaid", "fee", "gain", "gas"],
                rows,
            )
        )
        liquidated = [d.action.account_id for d in done]
        if liquidated:
            console.print(after_table(s, liquidated))
        rows, changed = [], []
        for i in ids:
            if i in liquidated:
                continue
            after = int(s.engine.health_factor(i))
            untouched = s.ledger(i) == ledger[i]
            if after != health[i] or not untouched:
                changed.append(i)
            rows.append(
                [
                    s.label(i),
                    health_text(health[i]),
                    health_text(after),
                    "untouched" if untouched else "CHANGED",
                    "NO" if i in changed else "yes",
                ]
            )
        self.changed.extend((chapter, i) for i in changed)
        console.print(
            table(
                "Every other account, before and after the round (health factor to the "
                "wei, same instant; ledger = collateral, debt shares, positions)",
                ["account", "health before", "health after", "ledger", "identical"],
                rows,
            )
        )
        vault_rows.append(s.vault_row("after the round"))
        console.print(table("Vault", VAULT_COLUMNS, vault_rows))
        console.print(bad_debt_text(s, done))
        console.print(
            f"the bot liquidated {describe(s, liquidated)}; "
            + (
                f"the other {len(rows)} accounts are identical after the round"
                if not changed
                else f"[red]changed: {describe(s, changed)}[/]"
            )
        )
        return rnd


def after_table(s: Story, liquidated: list[int]):
    """The liquidated accounts read back: positions, collateral and debt left, health."""
    return table(
        "Liquidated accounts after the round",
        [
            "account",
            "positions",
            "collateral left",
            "debt (USDC)",
            "health",
            "liquidatable",
        ],
        [
            [
                s.label(i),
                s.positions_text(i),
                s.collateral_text(i),
                units(s.engine.debt_of(i), s.qdec),
                s.health(i),
                "YES" if s.engine.is_liquidatable(i) else "no",
            ]
            for i in liquidated
        ],
    )


def liquidation_text(s: Story, d: Liquidation) -> str:
    """e.g. "#5 (alice MEME bucket) in chapter 7: closed +25,000 MEME at 0.1400, fee 70.00
    USDC, gain 70.00 USDC"."""
    a = d.action
    parts = [f"closed {d.closed}"] if d.closed != "none" else []
    if a.repaid:
        parts.append(f"repaid {units(a.repaid, s.qdec)} USDC")
    if d.seized != "nothing":
        parts.append(f"seized {d.seized}")
    if a.fee:
        parts.append(f"fee {units(a.fee, s.qdec)} USDC")
    parts.append(f"gain {units(a.gain, s.qdec)} USDC")
    return (
        f"#{a.account_id} ({s.names[a.account_id]}) in chapter {d.chapter}: "
        + ", ".join(parts)
    )


def health_text(hf: int) -> str:
    """A health factor WAD to the wei (18 decimals), or ∞ without debt or positions."""
    return "∞ (no debt)" if hf == MAX_UINT else wad(hf, 18)


def bad_debt_text(s: Story, done: list[Liquidation]) -> str:
    bad_debt = sum(d.bad_debt for d in done)
    if not bad_debt:
        return "no bad debt: the vault wrote nothing off"
    return (
        f"bad debt written off (vault BadDebtWrittenOff): {units(bad_debt, s.qdec, 4)} USDC, "
        f"{units(sum(d.from_reserve for d in done), s.qdec, 4)} from the reserve and "
        f"{units(sum(d.from_lps for d in done), s.qdec, 4)} from the LPs"
    )


def action_row(s: Story, a: _bot.Action, receipt) -> list[str]:
    """One row of a bot round: the positions it closed (registry PositionLiquidated), what
    it seized (a token, or the sweep's quote value), repaid, the fee it was paid, its gain
    (fee + seized value − repaid) and the transaction's gas (receipt gas_used)."""
    by_id = {mid: name for name, (mid, _, _) in s.dep.markets.items()}
    closed = ", ".join(
        f"{'+' if int(log.size) > 0 else '-'}{abs(Decimal(int(log.size)) / WAD):,} "
        f"{by_id[int(log.market_id)]} at {wad(log.price, 4 if log.price < 10 * WAD else 2)}"
        for log in receipt.decode_logs(s.registry.PositionLiquidated)
    )
    if a.seized == 0:
        seized = "nothing"
    elif a.seize_token == ZERO_ADDRESS:
        seized = f"sweep: {units(a.seized, s.qdec)} USDC of value"
    else:
        token = s.symbol(a.seize_token)
        seized = f"{units(a.seized, s.decimals(token), 4)} {token}"
    return [
        s.label(a.account_id),
        closed or "none",
        seized,
        units(a.repaid, s.qdec),
        units(a.fee, s.qdec),
        units(a.gain, s.qdec),
        f"{int(receipt.gas_used):,}",
    ]


@click.command(cls=ConnectedProviderCommand)
@click.option(
    "--config",
    "config_name",
    default="local",
    show_default=True,
    help="config/<name>.yaml",
)
def cli(config_name: str):
    """Deploy on a local chain and play the Bulkhead story."""
    from ape import accounts, chain

    quiet_reverts()
    # Deterministic block times (see the module notes): every block 1 s after the previous.
    chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
    config, digest = _config.load(_config.config_path(config_name))
    deployer, lp, lp2, alice, bob, liquidator = accounts.test_accounts[0:6]
    console.rule("[bold]Bulkhead demo")
    console.print(
        f"chain id {chain.chain_id}, deployer {deployer.address}, config {config_name}.yaml ({digest[:12]})"
    )

    with console.status("deploying"):
        dep = _deploy.deploy(
            config, digest, deployer, log=lambda msg: None, config_name=config_name
        )
    path = _deploy.write_deployment(dep)
    console.print(
        f"deployed {len(dep.receipts)} transactions; wrote {path.relative_to(_deploy.ROOT)}"
    )
    console.print(
        table(
            "Contracts",
            ["contract", "address"],
            [[k, v.address] for k, v in dep.contracts.items()],
        )
    )
    s = Story(dep, config)
    rows = []
    for symbol, token in dep.tokens.items():
        price, status = s.oracle.price_info(token.address)
        rows.append([symbol, wad(price, 4), status_name(status)])
    console.print(table("Oracle prices (USD)", ["asset", "price", "status"], rows))
    keeper = Keeper(s, liquidator, path)
    console.print(
        f"liquidator {liquidator.address}: {LIQUIDATOR_USDC:,} USDC minted to repay debt "
        f"with; it runs the liquidator bot (scripts/_bot.py) on {path.name}"
    )

    # ---- 1. LPs fund the vault ----
    console.rule("1. LPs deposit into the ERC-4626 vault")
    vault_rows = [s.vault_row("empty")]
    for who, whole in ((lp, 500_000), (lp2, 250_000)):
        assets = s.fund(who, "USDC", whole, s.vault.address)
        s.step(f"LP deposit {whole:,} USDC", s.vault.deposit(assets, who, sender=who))
    vault_rows.append(s.vault_row("after LP deposits"))

    # ---- 2. buckets vs a cross account with the same collateral ----
    console.rule("2. Isolated buckets vs one cross account, same collateral")
    weth_bucket = s.open(alice, 1, "open bucket (alice, WETH)")
    wbtc_bucket = s.open(alice, 1, "open bucket (alice, WBTC)")
    meme_bucket = s.open(alice, 1, "open bucket (alice, MEME)")
    cross = s.open(bob, 2, "open cross account (bob)")
    s.names.update(
        {
            weth_bucket: "alice WETH loan bucket",
            wbtc_bucket: "alice WBTC bucket",
            meme_bucket: "alice MEME loan bucket",
            cross: "bob loan cross",
        }
    )
    for who, acct, symbol, whole in (
        (alice, weth_bucket, "WETH", 10),
        (alice, wbtc_bucket, "WBTC", "0.5"),
        (alice, meme_bucket, "MEME", 40_000),
        (bob, cross, "WETH", 10),
        (bob, cross, "WBTC", "0.5"),
    ):
        amount = s.fund(who, symbol, whole, s.engine.address)
        s.step(
            f"deposit {whole} {symbol} into #{acct}",
            s.engine.deposit_collateral(
                acct, symbol_addr(s, symbol), amount, sender=who
            ),
        )
    loan = s.amount("USDC", 40_000)
    rows = [
        [
            f"#{weth_bucket} alice bucket",
            "10 WETH",
            units(s.max_borrow(weth_bucket), s.qdec),
        ],
        [
            f"#{wbtc_bucket} alice bucket",
            "0.5 WBTC",
            units(s.max_borrow(wbtc_bucket), s.qdec),
        ],
        [
            f"#{cross} bob cross",
            "10 WETH + 0.5 WBTC",
            units(s.max_borrow(cross), s.qdec),
        ],
    ]
    console.print(
        table(
            "Borrowing power (USDC)",
            ["account", "collateral", "max single borrow"],
            rows,
        )
    )
    try:
        s.engine.borrow(weth_bucket, loan, alice, sender=alice)
        console.print("[red]unexpected: a bucket took the 40,000 USDC loan")
    except Exception as exc:  # the revert reason is the point of this step
        console.print(
            f"alice's WETH bucket asks for 40,000 USDC: [yellow]reverts[/] ({_reason(exc)})"
        )
    s.step(
        "cross borrow 40,000 USDC (bob)", s.engine.borrow(cross, loan, bob, sender=bob)
    )
    console.print(
        "bob's cross account borrows 40,000 USDC against both tokens: [green]ok[/]"
    )
    s.step(
        "bucket borrow 20,000 USDC (alice, WETH)",
        s.engine.borrow(weth_bucket, s.amount("USDC", 20_000), alice, sender=alice),
    )
    s.step(
        "bucket borrow 7,000 USDC (alice, MEME)",
        s.engine.borrow(meme_bucket, s.amount("USDC", 7_000), alice, sender=alice),
    )
    vault_rows.append(s.vault_row("after borrows"))

    # ---- 3. time passes: interest ----
    console.rule("3. Thirty days pass: interest accrues to LPs and the reserve")
    chain.mine(timestamp=chain.pending_timestamp + 30 * DAY)
    refresh_feeds(s, deployer)
    s.step("vault.accrue()", s.vault.accrue(sender=deployer))
    vault_rows.append(s.vault_row("after 30 days"))
    console.print(table("Vault", VAULT_COLUMNS, vault_rows))

    # ---- 4. a memecoin crash hits one bucket only ----
    console.rule("4. MEME crashes 60%: only the bucket holding it is exposed")
    ids = [weth_bucket, wbtc_bucket, meme_bucket, cross]
    before = {i: (s.health(i), s.engine.is_liquidatable(i)) for i in ids}
    meme_feed = dep.feeds["MEME"]
    s.step(
        "MEME feed update (-60%)",
        meme_feed.set_answer(
            int(meme_feed.latestRoundData()[1]) * 4 // 10, sender=deployer
        ),
    )
    rows = []
    for i in ids:
        rows.append(
            [
                s.label(i),
                before[i][0],
                s.health(i),
                "YES" if s.engine.is_liquidatable(i) else "no",
            ]
        )
    console.print(
        table("Health factor", ["account", "before", "after", "liquidatable"], rows)
    )
    flagged = [i for i in ids if s.engine.is_liquidatable(i)]
    console.print(f"liquidatable after the MEME crash: {describe(s, flagged)}")
    keeper.round("4")

    # ---- 5.-8. perps ----
    perps = perps_open(s, alice, bob)
    perps_funding(s, perps, deployer)
    after_crash = perps_meme_crash(s, perps, deployer, keeper)
    after_move = perps_correlated_move(s, perps, deployer, keeper)

    # ---- 9. oracle failure modes ----
    console.rule("9. The oracle's L2 failure modes")
    weth = dep.tokens["WETH"].address
    heartbeat = s.oracle.feed_config(weth).heartbeat
    snap = chain.snapshot()
    chain.mine(timestamp=chain.pending_timestamp + heartbeat + 1)
    console.print(
        f"WETH feed silent for heartbeat + 1 s: status {status_name(s.oracle.price_info(weth)[1])}"
    )
    chain.restore(snap)
    if dep.sequencer_feed is not None:
        dep.sequencer_feed.set_status(True, sender=deployer)
        console.print(
            f"sequencer DOWN: WETH status {status_name(s.oracle.price_info(weth)[1])}"
        )
        try:
            s.engine.borrow(cross, s.amount("USDC", 100), bob, sender=bob)
        except Exception as exc:
            console.print(
                f"  bob borrows 100 USDC: [yellow]reverts[/] ({_reason(exc)})"
            )
        s.quote.approve(s.engine.address, MAX_UINT, sender=bob)
        s.step(
            "repay 1,000 USDC while the sequencer is down (bob)",
            s.engine.repay(cross, s.amount("USDC", 1_000), sender=bob),
        )
        console.print(
            "  bob repays 1,000 USDC: [green]ok[/] (repay never needs a price)"
        )
        # the outage lasts a minute (a restart in the second of a feed's last answer would
        # not be later than it: anvil mines several blocks per second)
        chain.pending_timestamp = chain.blocks.head.timestamp + 60
        dep.sequencer_feed.set_status(False, sender=deployer)
        console.print(
            f"sequencer back UP: WETH status {status_name(s.oracle.price_info(weth)[1])}"
            " (its answer predates the restart, frozen by the outage)"
        )
        refresh_feeds(s, deployer)  # the feeds catch up after the restart
        console.print(
            f"feeds publish after the restart: WETH status {status_name(s.oracle.price_info(weth)[1])} for {s.oracle.grace_period()} s"
        )
        chain.mine(timestamp=chain.pending_timestamp + s.oracle.grace_period() + 1)
        console.print(
            f"after the grace period: WETH status {status_name(s.oracle.price_info(weth)[1])}"
        )

    console.print(
        table(
            "Gas per step (receipt gas_used, intrinsic included)",
            ["step", "gas"],
            [[k, f"{g:,}"] for k, g in s.gas],
        )
    )
    console.rule("[bold green]Summary")
    v = s.vault
    console.print(
        f"vault: {units(v.totalAssets(), s.qdec)} USDC of assets, share price "
        f"{units(v.convertToAssets(10 ** int(v.decimals())), s.qdec, 6)}, reserve {units(v.reserve(), s.qdec, 4)} USDC; "
        f"the cross account borrowed what neither bucket could; the MEME crash reached one bucket only."
    )
    console.print(
        f"perps: liquidatable after the MEME crash: {describe(s, after_crash)}; after ETH and "
        f"BTC -10%: {describe(s, after_move)}."
    )
    done = keeper.liquidations
    liquidated = "; ".join(liquidation_text(s, d) for d in done)
    ids = {d.action.account_id for d in done}
    console.print(
        f"liquidations: the bot ran {keeper.rounds} rounds and liquidated {len(done)} "
        f"accounts: {liquidated or 'none'}. The liquidator gained "
        f"{units(sum(d.action.gain for d in done), s.qdec)} USDC in all; "
        f"{bad_debt_text(s, done)}. "
        + (
            f"bob's hedged cross account #{perps['cross']} was never liquidated. "
            if perps["cross"] not in ids
            else f"[red]bob's hedged cross account #{perps['cross']} was liquidated.[/] "
        )
        + (
            "Every other account was identical after each round."
            if not keeper.changed
            else "[red]Accounts changed in a round they were not liquidated in: "
            + ", ".join(f"#{i} (chapter {c})" for c, i in keeper.changed)
            + "[/]"
        )
    )


OPEN_COLUMNS = [
    "account",
    "position",
    "entry",
    "notional",
    "USDC margin",
    "leverage",
    "health",
]
RISK_COLUMNS = [
    "account",
    "position",
    "PnL",
    "equity",
    "maint req",
    "before",
    "after",
    "liquidatable",
]


def open_rows(s: Story, ids: list[int]) -> list[list[str]]:
    """One row per account: its positions and fills, the notional at the oracle price, its
    USDC margin, leverage (notional / margin) and health factor."""
    rows = []
    for i in ids:
        notional, margin = s.notional(i), s.margin(i)
        leverage = Decimal(notional) / WAD / (Decimal(margin) / 10**s.qdec)
        rows.append(
            [
                f"#{i} {s.names[i]}",
                s.position_text(i),
                s.entry_text(i),
                wad(notional, 2),
                units(margin, s.qdec),
                f"{leverage:.2f}x",
                s.health(i),
            ]
        )
    return rows


def risk_rows(s: Story, ids: list[int], before: dict[int, str]) -> list[list[str]]:
    """One row per account: PnL incl. funding, equity (wc_maint − debt + PnL) and the
    maintenance requirement (`engine.account_health`), the health factor before and after
    (`engine.health_factor`), and `engine.is_liquidatable`, the flag a bot acts on."""
    rows = []
    for i in ids:
        h = s.engine.account_health(i)
        rows.append(
            [
                f"#{i} {s.names[i]}",
                s.position_text(i),
                wad(h.pnl, 2),
                wad(h.equity_maint, 2),
                wad(h.maint_req, 2),
                before[i],
                s.health(i),
                "YES" if s.engine.is_liquidatable(i) else "no",
            ]
        )
    return rows


def describe(s: Story, ids: list[int]) -> str:
    return ", ".join(f"#{i} ({s.names[i]})" for i in ids) or "none"


def perps_open(s: Story, alice, bob) -> dict[str, int]:
    """Chapter 5: alice's leveraged MEME and ETH longs in two buckets; bob's hedged pair
    (long ETH, short BTC) in one cross account on USDC, and the same pair in two buckets
    with the same total margin split in two (its isolated twin)."""
    console.rule(
        "5. Perps: leverage in isolated buckets, a hedged pair in one cross account"
    )
    listed = ", ".join(
        f"{name} (id {mid}, {wad(s.market_price(name), 2)} USD)"
        for name, (mid, _, _) in s.dep.markets.items()
    )
    console.print(f"markets listed by the deploy script: {listed}")
    rows = []
    for name, (mid, asset, _) in s.dep.markets.items():
        m = s.registry.market(mid).params
        rows.append(
            [
                name,
                str(mid),
                asset,
                pct(m.initial_margin),
                pct(m.maintenance_margin),
                pct(m.trading_fee, 2),
                pct(m.spread, 1),
                pct(m.liquidation_fee),
                pct(int(m.max_funding_rate) * DAY, 0),
                wad(m.oi_cap, 0),
            ]
        )
    console.print(
        table(
            f"Perp markets (registry.market(id), as config/{s.dep.config_name}.yaml lists them)",
            [
                "market",
                "id",
                "priced by",
                "initial",
                "maint.",
                "fee",
                "spread",
                "liq. fee",
                "max funding/day",
                "OI cap (USD)",
            ],
            rows,
        )
    )
    s.vault_rows.append(s.vault_row("before perps"))
    p: dict[str, int] = {}
    p["meme"] = s.perp_open(
        alice, "open_isolated: alice, 2,000 USDC, +25,000 MEME", "MEME", "25000", 2000
    )
    p["eth"] = s.perp_open(
        alice, "open_isolated: alice, 3,000 USDC, +3 ETH", "ETH", "3", 3000
    )
    cross = s.open(bob, 2, "open cross account (bob, perps)")
    amount = s.fund(bob, s.config.quote.symbol, 7000, s.engine.address)
    s.step(
        f"deposit 7,000 USDC into #{cross}",
        s.engine.deposit_collateral(cross, s.quote.address, amount, sender=bob),
    )
    s.perp_trade(bob, cross, "modify_position: bob cross, +10 ETH", "ETH", "10")
    s.perp_trade(bob, cross, "modify_position: bob cross, -0.5 BTC", "BTC", "-0.5")
    p["cross"] = cross
    p["twin_eth"] = s.perp_open(
        bob, "open_isolated: bob, 3,500 USDC, +10 ETH", "ETH", "10", 3500
    )
    p["twin_btc"] = s.perp_open(
        bob, "open_isolated: bob, 3,500 USDC, -0.5 BTC", "BTC", "-0.5", 3500
    )
    s.names.update(
        {
            p["meme"]: "alice MEME bucket",
            p["eth"]: "alice ETH bucket",
            cross: "bob hedged cross",
            p["twin_eth"]: "bob twin ETH leg",
            p["twin_btc"]: "bob twin BTC leg",
        }
    )
    console.print(
        table(
            "Perp accounts after opening (USD; entry = fill incl. spread and impact)",
            OPEN_COLUMNS,
            open_rows(s, list(p.values())),
        )
    )
    console.print(
        f"bob's hedge: cross account #{cross} holds both legs on 7,000 USDC; its isolated "
        f"twin holds the same legs in buckets #{p['twin_eth']} and #{p['twin_btc']} on "
        "3,500 USDC each"
    )
    return p


def perps_funding(s: Story, p: dict[str, int], sender) -> None:
    """Chapter 6: a week passes. Funding moves each side's index (the heavy side pays),
    interest accrues on chapter 2's loans, and the LPs' share price rises."""
    from ape import chain

    console.rule("6. A week passes: funding and interest accrue")
    ids = list(p.values())
    markets = list(s.dep.markets)
    indices = {m: s.registry.funding_indices(s.market_id(m)) for m in markets}
    pnl = {i: int(s.engine.account_health(i).pnl) for i in ids}
    vault_rows = [*s.vault_rows, s.vault_row("perps open")]
    chain.mine(timestamp=chain.pending_timestamp + 7 * DAY)
    refresh_feeds(s, sender)
    s.step("vault.accrue() after 7 days", s.vault.accrue(sender=sender))
    vault_rows.append(s.vault_row("7 days later"))
    rows = []
    for m in markets:
        state = s.registry.market_state(s.market_id(m))
        after = s.registry.funding_indices(s.market_id(m))
        long, short = int(state.long_size), int(state.short_size)
        payer = "longs" if long > short else "shorts" if short > long else "nobody"
        rate = Decimal(int(state.rate_up)) * DAY / WAD * 100
        rows.append(
            [
                m,
                wad(long, 1),
                wad(short, 1),
                f"{payer} pay {rate:.4f}%/day",
                f"{wad(indices[m][0], 6)} → {wad(after[0], 6)}",
                f"{wad(indices[m][1], 6)} → {wad(after[1], 6)}",
            ]
        )
    console.print(
        table(
            "Funding indices (registry.funding_indices, USD per whole base token)",
            ["market", "longs", "shorts", "rate", "longs' index", "shorts' index"],
            rows,
        )
    )
    console.print(table("Vault", VAULT_COLUMNS, vault_rows))
    rows = []
    for i in ids:
        now = int(s.engine.account_health(i).pnl)
        rows.append(
            [
                f"#{i} {s.names[i]}",
                s.position_text(i),
                wad(pnl[i], 2),
                wad(now, 2),
                wad(now - pnl[i], 2),
            ]
        )
    console.print(
        table(
            "PnL incl. funding over the week (USD, prices unchanged)",
            ["account", "position", "before", "after", "funding"],
            rows,
        )
    )


def perps_meme_crash(s: Story, p: dict[str, int], sender, keeper: Keeper) -> list[int]:
    """Chapter 7: MEME -30%. Only the bucket holding the MEME long becomes liquidatable;
    the same trader's ETH bucket and everyone else's accounts do not move."""
    console.rule("7. MEME crashes 30%: only the MEME bucket is liquidatable")
    ids = list(p.values())
    before = {i: s.health(i) for i in ids}
    s.move(sender, "MEME", "0.7")
    console.print(
        table(
            "Perp accounts after MEME -30% (USD; health factor before and after)",
            RISK_COLUMNS,
            risk_rows(s, ids, before),
        )
    )
    flagged = [i for i in ids if s.engine.is_liquidatable(i)]
    console.print(f"liquidatable after the MEME crash: {describe(s, flagged)}")
    keeper.round("7")
    return flagged


def perps_correlated_move(
    s: Story, p: dict[str, int], sender, keeper: Keeper
) -> list[int]:
    """Chapter 8: ETH and BTC -10% together. The hedged cross account nets its legs; split
    over two buckets, the losing leg's bucket is liquidatable although bob is flat overall."""
    console.rule("8. ETH and BTC fall 10% together: the hedge nets inside one account")
    ids = [p["cross"], p["twin_eth"], p["twin_btc"], p["eth"]]
    before = {i: s.health(i) for i in ids}
    s.move(sender, "ETH", "0.9")
    s.move(sender, "BTC", "0.9")
    console.print(
        table(
            "Hedged cross account vs its isolated twin after ETH and BTC -10% "
            "(USD; health factor before and after)",
            RISK_COLUMNS,
            risk_rows(s, ids, before),
        )
    )

    def state(i: int) -> str:
        flag = "liquidatable" if s.engine.is_liquidatable(i) else "healthy"
        return f"#{i} {flag} (health {s.health(i)})"

    console.print(
        f"hedged cross account: {state(p['cross'])}; the same positions in two buckets: "
        f"ETH leg {state(p['twin_eth'])}, BTC leg {state(p['twin_btc'])}"
    )
    flagged = [i for i in ids if s.engine.is_liquidatable(i)]
    rnd = keeper.round("8")
    cross = p["cross"]
    touched = cross in rnd.candidates or any(a.account_id == cross for a in rnd.actions)
    console.print(
        f"bob's hedged cross account #{cross} (health {s.health(cross)}): "
        + (
            "[red]the bot acted on it[/]"
            if touched
            else "not a candidate; the bot found nothing to do with it"
        )
    )
    return flagged


def pct(value: int, places: int = 0) -> str:
    """A WAD ratio as a percentage."""
    return f"{Decimal(int(value)) * 100 / WAD:.{places}f}%"


def to_size(size: str | int) -> int:
    """Base tokens (signed decimal string) as WAD base units."""
    return int(Decimal(str(size)) * WAD)


def symbol_addr(s: Story, symbol: str) -> str:
    return s.tokens[symbol].address


def refresh_feeds(s: Story, sender) -> None:
    """Re-publish every mock feed's answer at the current time (heartbeats after a time jump)."""
    for symbol, feed in s.dep.feeds.items():
        if f"feeds.{symbol}" in s.dep.mocks:
            feed.set_answer(int(feed.latestRoundData()[1]), sender=sender)


def _reason(exc: Exception) -> str:
    return str(
        getattr(exc, "revert_message", None) or getattr(exc, "message", None) or exc
    ).splitlines()[0]
