"""`ape run deploy --network <ecosystem:network:provider> --config <name>` — deploy Bulkhead
from config/<name>.yaml and record it in deployments/<ecosystem>-<network>.json
(deployments/local.json on the local chain).

Nothing is sent before the config, the existing record and the chain have been checked
(scripts/_deploy.py). On a live network (not local, not a fork) the command shows a summary
and asks before broadcasting; `--yes` skips the question (CI, scripted testnet deploys).
Deploying twice is refused while the recorded OracleAdapter still has code; `--force`
deploys anyway and overwrites the record, saying so. See docs/deploy.md.

Examples:
    ape run deploy --network ethereum:local:foundry --config local --account TEST::0
    ape run deploy --network arbitrum:mainnet-fork:foundry --config arbitrum-mainnet --account TEST::0
    ape run deploy --network arbitrum:mainnet:node --config arbitrum-mainnet --account deployer
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from scripts import _config, _deploy


def default_config_name(ecosystem: str, network: str) -> str:
    """config/<ecosystem>-<network>.yaml, a fork using its upstream's file ("local" on ethereum:local)."""
    if ecosystem == "ethereum" and network == "local":
        return "local"
    return f"{ecosystem}-{network.removesuffix('-fork')}"


@click.command(
    cls=ConnectedProviderCommand, short_help="Deploy Bulkhead from config/<name>.yaml"
)
@account_option()
@click.option(
    "--config",
    "config_name",
    default=None,
    help="config/<name>.yaml, or a path to a .yaml file [default: <ecosystem>-<network> without -fork, or local]",
)
@click.option(
    "--force",
    is_flag=True,
    help="deploy even if deployments/<name>.json is still live, and overwrite it",
)
@click.option(
    "--yes", is_flag=True, help="do not ask before broadcasting to a live network"
)
@click.option(
    "--deployments-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="where to write <name>.json [default: deployments/]",
)
def cli(
    ecosystem,
    network,
    account,
    config_name: str | None,
    force: bool,
    yes: bool,
    deployments_dir: Path | None,
):
    """Deploy Bulkhead (oracle adapter and feeds; mocks on local chains) from a config file."""
    source = _deploy.resolve_config(
        config_name or default_config_name(ecosystem.name, network.name)
    )
    click.echo(
        f"network {ecosystem.name}:{network.name}, config {source}, deployer {account.address}"
    )
    confirm = None if yes else (lambda summary: click.confirm(summary, default=False))
    try:
        dep, path = _deploy.run_deploy(
            source,
            account,
            force=force,
            confirm=confirm,
            deployments_dir=deployments_dir,
            log=click.echo,
        )
    except (
        _config.ConfigError,
        _deploy.DeploymentExistsError,
        _deploy.DeployAborted,
    ) as exc:
        raise click.ClickException(str(exc)) from None
    for label, address in dep.to_json()["contracts"].items():
        click.echo(f"{label}: {address}")
    click.echo(
        f"wrote {path.relative_to(_deploy.ROOT) if path.is_relative_to(_deploy.ROOT) else path}"
    )
