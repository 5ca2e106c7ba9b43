"""Terminal output helpers shared by the scripts (rich tables, status names)."""

from __future__ import annotations

import os
import sys
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from scripts._constants import WAD, PriceStatus

# Tables are wide: use 120 columns when the output is not a terminal (CI logs, pipes).
console = Console(width=None if sys.stdout.isatty() else 120)


def status_name(value: int) -> str:
    try:
        return PriceStatus(int(value)).name or f"UNKNOWN({value})"
    except ValueError:
        return f"UNKNOWN({value})"


def wad(value: int, places: int = 4) -> str:
    """A WAD integer as a human decimal string."""
    return f"{Decimal(int(value)) / WAD:,.{places}f}"


def units(value: int, decimals: int, places: int = 2) -> str:
    return f"{Decimal(int(value)) / Decimal(10**decimals):,.{places}f}"


def table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    t = Table(title=title, title_justify="left", header_style="bold")
    for i, col in enumerate(columns):
        t.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        t.add_row(*[str(cell) for cell in row])
    return t


def quiet_reverts() -> None:
    """Skip ape's revert diagnostics (set BULKHEAD_APE_TRACES=1 to keep them).

    For every revert ape builds a Vyper source-level traceback and prints the call tree:
    about 3 s per reverted transaction through the engine, and pages of output in a script
    whose reverts are expected. Revert reasons come from the revert data and are unaffected.
    """
    if os.environ.get("BULKHEAD_APE_TRACES"):
        return
    from ape.exceptions import TransactionError
    from ape_ethereum.trace import Trace

    TransactionError.source_traceback = property(lambda self: None)
    Trace.show = lambda self, *args, **kwargs: None
