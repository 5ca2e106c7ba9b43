"""`ape run demo --network ethereum:local:foundry` — deploy Bulkhead with mocks on a fresh
local anvil and play the scenario, printing what happened. `make demo` runs it; ape starts
the anvil and stops it when the command ends.
"""

from __future__ import annotations

import click
from ape.cli import ConnectedProviderCommand

from scripts import _config, _deploy
from scripts._ui import console, status_name, table, wad


def _price_rows(oracle, dep) -> list[list[str]]:
    rows = []
    for symbol, token in dep.tokens.items():
        price, status = oracle.price_info(token.address)
        rows.append([symbol, wad(price, 6), status_name(status)])
    return rows


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

    config, digest = _config.load(_config.config_path(config_name))
    deployer = accounts.test_accounts[0]
    console.rule("[bold]Bulkhead demo")
    console.print(
        f"chain id {chain.chain_id}, deployer {deployer.address}, config {config_name}.yaml ({digest[:12]})"
    )

    with console.status("deploying"):
        dep = _deploy.deploy(
            config, digest, deployer, log=lambda msg: console.print(f"  {msg}")
        )
    path = _deploy.write_deployment(dep)
    console.print(f"wrote {path.relative_to(_deploy.ROOT)}")
    console.print(
        table(
            "Deployed",
            ["contract", "address"],
            [[k, v.address] for k, v in dep.contracts.items()],
        )
    )

    oracle = dep.contracts["OracleAdapter"]
    console.print(
        table(
            "Oracle prices (WAD USD)",
            ["asset", "price", "status"],
            _price_rows(oracle, dep),
        )
    )

    # ---- the oracle's L2 failure modes, live ----
    console.rule("Oracle failure modes")
    weth = dep.tokens["WETH"].address
    heartbeat = oracle.feed_config(weth).heartbeat
    snap = chain.snapshot()
    chain.mine(timestamp=chain.pending_timestamp + heartbeat + 1)
    price, status = oracle.price_info(weth)
    console.print(
        f"WETH feed silent for heartbeat + 1 s ({heartbeat + 1} s): status {status_name(status)}"
    )
    chain.restore(snap)
    if dep.sequencer_feed is not None:
        dep.sequencer_feed.set_status(True, sender=deployer)
        console.print(
            f"sequencer reports DOWN: WETH status {status_name(oracle.price_info(weth)[1])}"
        )
        dep.sequencer_feed.set_status(False, sender=deployer)
        console.print(
            f"sequencer back UP: WETH status {status_name(oracle.price_info(weth)[1])} "
            f"for {oracle.grace_period()} s (grace period)"
        )
        chain.mine(timestamp=chain.pending_timestamp + oracle.grace_period() + 1)
        console.print(
            f"after the grace period: WETH status {status_name(oracle.price_info(weth)[1])}"
        )

    gas_rows = [[label, f"{r.gas_used:,}"] for label, r in dep.receipts]
    console.print(
        table("Gas (deployment configuration)", ["step", "gas used"], gas_rows)
    )
    console.rule("[bold green]done")
