"""Bulkhead liquidator bot (docs/bot.md).

Two ways to run it, same core (scripts/_bot.py):

    ape run liquidator --network arbitrum:mainnet:node --account bot [--once] [--dry-run]
    python -m scripts.liquidator --rpc URL --deployment deployments/<net>.json [--once] [--dry-run]

The ape command signs with an ape account (``--account`` alias) or, without one, with the
private key in BULKHEAD_BOT_KEY; it reads deployments/<ecosystem>-<network>.json (or
deployments/local.json) unless ``--deployment`` says otherwise. The plain command needs only
web3.py, the JSON ABIs in interfaces/ and the deployment file, and signs with BULKHEAD_BOT_KEY.
"""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal
from pathlib import Path

from scripts import _bot

DEFAULTS = _bot.BotConfig()


def _units(text: str, decimals: int, flag: str) -> int:
    """A decimal amount of whole quote tokens ("12.5") in quote units."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise _bot.BotError(f"{flag}: {text!r} is not a number") from None
    if value < 0:
        raise _bot.BotError(f"{flag}: {text!r} is negative")
    return int(value * 10**decimals)


def start(w3, dep, signer, options: dict, console=None) -> list[_bot.Round]:
    """Build the bot from parsed options and run it (shared by both entry points)."""
    bot = _bot.Liquidator(
        w3, dep, signer, abi_dir=Path(options["abi_dir"]), console=console
    )
    decimals = bot.quote_decimals  # amounts on the command line are whole quote tokens
    max_repay = options["max_repay"]
    bot.configure(
        _bot.BotConfig(
            min_profit=_units(options["min_profit"], decimals, "--min-profit"),
            page_size=options["page_size"],
            slippage_bps=options["slippage_bps"],
            max_repay=None
            if max_repay is None
            else _units(max_repay, decimals, "--max-repay"),
            dry_run=options["dry_run"],
            receiver=options["receiver"],
        )
    )
    mode = "dry run" if options["dry_run"] else "live"
    bot.console.log(
        f"liquidator {signer.address} on chain {dep.chain_id} ({mode}): engine {dep.engine}, "
        f"lens {dep.lens}, min profit {options['min_profit']} {bot.quote_symbol}"
    )
    bot.ensure_approval()
    rounds = bot.run(once=options["once"], poll_interval=options["poll_interval"])
    bot.log_summary(rounds)
    return rounds


# ---- python -m scripts.liquidator -------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m scripts.liquidator",
        description="Bulkhead liquidator bot over plain web3.py (signs with $BULKHEAD_BOT_KEY).",
    )
    p.add_argument("--rpc", required=True, help="JSON-RPC URL of the chain")
    p.add_argument(
        "--deployment", required=True, type=Path, help="deployments/<network>.json"
    )
    _add_common(p.add_argument)
    return p


def _add_common(add) -> None:
    """The flags both entry points share (argparse spelling)."""
    add("--once", action="store_true", help="one scan-and-act round, then exit")
    add(
        "--dry-run",
        action="store_true",
        help="quote and simulate only; send nothing (no approval either)",
    )
    add(
        "--min-profit",
        default="0",
        help="skip liquidations whose quoted gain is below this (whole quote tokens) [0]",
    )
    add(
        "--page-size",
        type=int,
        default=DEFAULTS.page_size,
        help="active-set entries per Lens call (<= 100) [100]",
    )
    add(
        "--slippage-bps",
        type=int,
        default=DEFAULTS.slippage_bps,
        help="min_seize = quoted seize less this [50]",
    )
    add(
        "--max-repay",
        default=None,
        help="repay at most this per liquidation (whole quote tokens) [the bot's balance]",
    )
    add(
        "--receiver",
        default=None,
        help="receiver of fees and seized collateral [the bot]",
    )
    add(
        "--poll-interval",
        type=float,
        default=2.0,
        help="seconds between head checks [2]",
    )
    add(
        "--abi-dir",
        default=str(_bot.ABI_DIR),
        help="folder of the JSON ABIs [interfaces/]",
    )


def main(argv: list[str] | None = None) -> int:
    from web3 import Web3

    args = parser().parse_args(argv)
    try:
        signer = _bot.signer_from_env(os.environ)
        dep = _bot.load_deployment(args.deployment)
        w3 = Web3(Web3.HTTPProvider(args.rpc, request_kwargs={"timeout": 30}))
        if not w3.is_connected():
            raise _bot.BotError(f"cannot reach {args.rpc}")
        rounds = start(w3, dep, signer, vars(args))
    except _bot.BotError as exc:
        print(f"liquidator: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0 if rounds else 1  # --once: its round failed (the RPC), logged above


# ---- ape run liquidator -----------------------------------------------------------------
if __name__ != "__main__":
    import click
    from ape.cli import ConnectedProviderCommand, account_option

    def _click_common(f):
        """The shared flags as click options (same names and defaults as argparse)."""
        options = []
        _add_common(lambda *decls, **kw: options.append((decls, kw)))
        for decls, kw in reversed(options):
            if kw.get("action") == "store_true":
                f = click.option(*decls, is_flag=True, help=kw["help"])(f)
            else:
                f = click.option(
                    *decls,
                    type=kw.get("type", str),
                    default=kw["default"],
                    show_default=False,
                    help=kw["help"],
                )(f)
        return f

    @click.command(
        cls=ConnectedProviderCommand, short_help="Run the Bulkhead liquidator bot"
    )
    @account_option(prompt=False)
    @click.option(
        "--deployment",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="deployment record [deployments/<ecosystem>-<network>.json, or local.json]",
    )
    @_click_common
    def cli(ecosystem, network, provider, account, deployment: Path | None, **options):
        """Find liquidatable accounts through the Lens and liquidate the profitable ones."""
        from scripts._deploy import deployment_name, deployment_path

        try:
            signer = (
                _bot.ApeSigner(account)
                if account is not None
                else _bot.signer_from_env(os.environ)
            )
            path = deployment or deployment_path(
                deployment_name(ecosystem.name, network.name)
            )
            dep = _bot.load_deployment(path)
            rounds = start(provider.web3, dep, signer, options)
        except _bot.BotError as exc:
            raise click.ClickException(str(exc)) from None
        if not rounds:
            raise click.ClickException("the round failed (see the log)")


if __name__ == "__main__":
    sys.exit(main())
