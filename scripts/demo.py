"""`ape run demo --network ethereum:local:foundry` — deploy Bulkhead with mocks on a fresh
local anvil and play the story, printing what happened. `make demo` runs it; ape starts the
anvil and stops it when the command ends.

The story grows with the protocol. Today: LPs fund the vault; a trader holds two isolated
buckets and another trader one cross account with the same collateral; the cross account can
take a loan neither bucket can; interest accrues to the LPs and the reserve; a memecoin crash
puts only the bucket holding it underwater; the oracle's L2 failure modes, live.
"""

from __future__ import annotations

from decimal import Decimal

import click
from ape.cli import ConnectedProviderCommand

from scripts import _config, _deploy
from scripts._ui import console, quiet_reverts, status_name, table, units, wad

MAX_UINT = 2**256 - 1
DAY = 86_400


class Story:
    """Deployment handles plus a gas log of every step."""

    def __init__(self, dep, config):
        self.dep = dep
        self.config = config
        self.vault = dep.contracts["Vault"]
        self.engine = dep.contracts["MarginEngine"]
        self.oracle = dep.contracts["OracleAdapter"]
        self.tokens = dep.tokens
        self.quote = dep.tokens[config.quote.symbol]
        self.qdec = config.quote.decimals
        self.gas: list[tuple[str, int]] = []

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
    config, digest = _config.load(_config.config_path(config_name))
    deployer, lp, lp2, alice, bob = accounts.test_accounts[0:5]
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
                f"#{i} {s.engine.mode_of(i) == 1 and 'bucket' or 'cross'}",
                before[i][0],
                s.health(i),
                str(s.engine.is_liquidatable(i)),
            ]
        )
    console.print(
        table("Health factor", ["account", "before", "after", "liquidatable"], rows)
    )
    console.print(
        "liquidation (the entry point and the bot) is the next milestone; the flag above is what a bot will act on."
    )

    # ---- 5. oracle failure modes ----
    console.rule("5. The oracle's L2 failure modes")
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
        dep.sequencer_feed.set_status(False, sender=deployer)
        console.print(
            f"sequencer back UP: WETH status {status_name(s.oracle.price_info(weth)[1])} for {s.oracle.grace_period()} s"
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
