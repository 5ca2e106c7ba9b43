"""Mutation testing of the Bulkhead contracts (issue 8): ``python -m scripts.mutation``.

Each mutant is ONE textual change to one core source (``contracts/*.vy`` deployables and
``contracts/modules/*.vy``; never the mocks), found line by line over the Vyper source with
comments, docstrings and string literals masked out. Operators (``--list-operators``):

  cmp-flip            < <-> <=, > <-> >=, == <-> !=
  assert-remove       delete an ``assert`` / ``checks._require(...)`` statement (-> ``pass``)
  assert-true         replace its condition by ``True``
  check-call-remove   delete a call statement to a ``_check_*`` helper (each wraps an assert)
  health-check-remove delete a ``_check_initial`` call of MarginEngine.vy (the check after a
                      risk-adding action)
  raise-remove        delete a ``raise <reason>`` (the single revert sites)
  lock-pragma-remove  delete ``# pragma nonreentrancy on``
  lock-reentrant-add  add ``@reentrant`` to one ``@external`` function of a locked file
  rounding-swap       _mul_div_up <-> _mul_div_down, _div_floor <-> _div_ceil,
                      _ceil_div(a, b) -> a // b, a // b -> ceil (w._ceil_div / _mul_div_up)
  const-off-by-one    a module-level constant +1 / -1
  literal-off-by-one  an integer literal in code +1 / -1 (type sizes and exponents excluded)
  arith-swap          binary + <-> -, += <-> -=, unsafe_add <-> unsafe_sub
  bool-flip           True <-> False
  not-remove          drop one ``not``
  logic-swap          and <-> or
  minmax-swap         min( <-> max(

Every mutant of the categories the issue requires at 100 % (``assert``, ``health``, ``lock``)
in MarginEngine.vy and Vault.vy is always run; the others are sampled with a fixed seed,
round-robin over (file, operator) strata, up to ``--max-mutants`` in all.

Running (never in the repository itself): the repository is copied to ``--work-dir`` (the
virtualenv and node_modules are symlinked, each worker has its own ape data folder), the
unmutated copy's test selections run first (the baseline must pass), then per mutant:

  1. apply it in the copy and compile every deployable that imports the file, with the
     venv's ``vyper`` (the bytecode ape would build: same compiler, settings and pragmas);
     a failure is ``not_compiling``;
  2. bytecode identical to the unmutated build -> ``equivalent`` (proved, nothing to run);
     identical to a mutant already run -> ``duplicate`` (its outcome is reused);
  3. patch ape's manifest in the copy with the new bytecode, and run the fast tests of the
     file (``FILE_TESTS``) with ``-x -m "not slow and not gas"``, the bytecode-size tests
     deselected, under ``nice``, with a timeout: exit 1 = ``killed`` (first failing test
     recorded), 0 = ``survived``, timeout = ``timeout`` (counted as killed: the timeout is
     at least twice the baseline of the same selection), anything else = ``error``.
  Test files whose text contains the mutated line's revert reason (and, for lock mutants,
  the reentrancy tests) run first, so ``-x`` stops early; the baseline also runs each
  selection in reverse file order to show the outcome does not depend on the order.

The JSON (``--output``) holds every mutant with its outcome; the Markdown summary (kill rate
per file, per operator, survivors with file:line and diff) replaces the block between
``<!-- mutation:begin -->`` and ``<!-- mutation:end -->`` of ``--report``.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = "contracts"
HARNESS = "contracts/harness"
EVM_VERSION = "cancun"  # ape-config.yaml
LOCK_PRAGMA = "# pragma nonreentrancy on"
BEGIN = "<!-- mutation:begin -->"
END = "<!-- mutation:end -->"

# ---- operators ------------------------------------------------------------------------
OPERATORS = {
    "cmp-flip": "comparison",
    "assert-remove": "assert",
    "assert-true": "assert",
    "check-call-remove": "assert",
    "health-check-remove": "health",
    "raise-remove": "assert",
    "lock-pragma-remove": "lock",
    "lock-reentrant-add": "lock",
    "rounding-swap": "rounding",
    "const-off-by-one": "off-by-one",
    "literal-off-by-one": "off-by-one",
    "arith-swap": "arithmetic",
    "bool-flip": "logic",
    "not-remove": "logic",
    "logic-swap": "logic",
    "minmax-swap": "arithmetic",
}
# Categories the issue requires at 100 %; all their mutants of these files always run.
REQUIRED_CATEGORIES = ("assert", "health", "lock")
REQUIRED_FILES = ("contracts/MarginEngine.vy", "contracts/Vault.vy")

# ---- tests per file -------------------------------------------------------------------
# The fast tests that exercise each file (directories expand to their test_*.py files).
# Each distinct set of files is one selection (each needs a baseline); most lists differ
# only in their order, most relevant files first, so that -x stops early on a killed
# mutant. A module that the harness contracts (contracts/harness/) expose also runs its
# differential tests: the harnesses are rebuilt with the mutant.
ENGINE_ALL = ["tests/unit/engine", "tests/unit/lens"]
VAULT_ALL = [
    "tests/unit/vault",
    "tests/unit/engine/test_debt.py",
    "tests/unit/engine/test_settlement.py",
    "tests/unit/engine/test_hostile_tokens.py",
    "tests/unit/engine/test_perp_reentry.py",
    "tests/unit/engine/test_liquidation.py",
]
ORACLE_ALL = ["tests/unit/oracle", "tests/unit/engine/test_oracle_lag.py"]
LENS_ALL = ["tests/unit/lens"]
_E = "tests/unit/engine/"
PERPS_FIRST = [
    _E + f
    for f in (
        "test_markets.py",
        "test_positions.py",
        "test_funding.py",
        "test_perp_health.py",
        "test_perp_policy.py",
        "test_settlement.py",
    )
]
LIQUIDATION_FIRST = [
    _E + "test_liquidation.py",
    _E + "test_liquidation_liveness.py",
    "tests/unit/lens",
]
HEALTH_FIRST = [
    _E + "test_health_model.py",
    _E + "test_perp_health.py",
    _E + "test_debt.py",
    _E + "test_collateral.py",
]
_D = "tests/differential/"
FILE_TESTS: dict[str, list[str]] = {
    "contracts/Vault.vy": VAULT_ALL,
    "contracts/modules/share_token.vy": ["tests/unit/vault/test_erc20.py"] + VAULT_ALL,
    "contracts/modules/interest_model.vy": ["tests/unit/vault/test_interest.py"]
    + VAULT_ALL
    + [_D + "test_diff_interest.py"],
    "contracts/modules/vault_math.vy": ["tests/unit/vault/test_erc4626.py"]
    + VAULT_ALL
    + [_D + "test_diff_shares.py"],
    "contracts/MarginEngine.vy": ENGINE_ALL,
    "contracts/MarginEngineExtension.vy": LIQUIDATION_FIRST + ENGINE_ALL,
    "contracts/modules/settlement.vy": [_E + "test_settlement.py"]
    + PERPS_FIRST
    + ENGINE_ALL,
    "contracts/modules/accounts.vy": [_E + "test_accounts.py"] + ENGINE_ALL,
    "contracts/modules/collateral.vy": [
        _E + "test_collateral.py",
        _E + "test_collateral_config.py",
    ]
    + ENGINE_ALL,
    "contracts/modules/positions.vy": PERPS_FIRST + ENGINE_ALL,
    "contracts/modules/health.vy": HEALTH_FIRST
    + ENGINE_ALL
    + [_D + "test_diff_health.py"],
    "contracts/modules/valuation.vy": HEALTH_FIRST
    + [_E + "test_settlement.py", "tests/unit/lens/test_quote_liquidation.py"]
    + ENGINE_ALL
    + [_D + "test_diff_health.py"],
    "contracts/modules/roles.vy": [_E + "test_roles.py"] + ENGINE_ALL,
    "contracts/modules/transfers.vy": [_E + "test_hostile_tokens.py"] + ENGINE_ALL,
    "contracts/modules/checks.vy": ENGINE_ALL,
    "contracts/modules/wad_math.vy": ENGINE_ALL + [_D + "test_diff_arith.py"],
    "contracts/modules/constants.vy": ENGINE_ALL,
    "contracts/MarketRegistry.vy": PERPS_FIRST + LIQUIDATION_FIRST + ENGINE_ALL,
    "contracts/modules/markets.vy": PERPS_FIRST
    + ENGINE_ALL
    + [_D + "test_diff_funding.py"],
    "contracts/modules/liquidation.vy": LIQUIDATION_FIRST
    + ENGINE_ALL
    + [_D + "test_diff_liquidation.py"],
    "contracts/OracleAdapter.vy": ORACLE_ALL,
    "contracts/Lens.vy": LENS_ALL,
}
PYTEST_MARKERS = "not slow and not gas"
# Bytecode-size checks "kill" any mutant that changes the code size: never run them.
SIZE_TESTS = [
    "tests/unit/oracle/test_size.py",
    "tests/unit/engine/test_roles.py::test_deployed_code__what_eip170_limits",
]
# Timing-dependent tests (a figure read one block earlier than the transaction differs by
# the interest of the seconds in between) would "kill" mutants at random: deselect them
# here. Empty since session 4: the two liquidation tests that were listed replay at a
# pinned block interval (`steady_blocks`) and are deterministic.
FLAKY_TESTS: list[str] = []
# Run first for lock mutants: the tests that re-enter through token hooks.
LOCK_TESTS_FIRST = re.compile(r"reentr|mutation_kills|hostile")
# Always last, whatever the order: test_cross__max_positions lists extra markets and adds
# them to the session `system` fixture's `markets` dict (the chain is reverted, the Python
# dict is not), so a file iterating `system.markets` after it fails (test_markets.py does).
# The suite's own (alphabetical) order runs it after them.
RUN_LAST = ["tests/unit/engine/test_positions.py"]


def keep_last(files: list[str]) -> list[str]:
    return [f for f in files if f not in RUN_LAST] + [f for f in files if f in RUN_LAST]


# ---- source model ---------------------------------------------------------------------
def core_files(root: Path) -> list[str]:
    """The deployables (CamelCase, top level) and the modules; never the mocks."""
    top = sorted(p for p in (root / CONTRACTS).glob("*.vy") if p.stem[:1].isupper())
    modules = sorted((root / CONTRACTS / "modules").glob("*.vy"))
    return [str(p.relative_to(root)) for p in top + modules]


def mask_source(lines: list[str]) -> list[str]:
    """Each line with docstrings, comments and string contents blanked (same columns), so
    operators only ever match code."""
    out: list[str] = []
    in_doc = False
    for line in lines:
        stripped = line.strip()
        if in_doc:
            if '"""' in line:
                in_doc = False
            out.append(" " * len(line))
            continue
        if stripped.startswith('"""'):
            if stripped.count('"""') == 1:
                in_doc = True
            out.append(" " * len(line))
            continue
        masked = []
        quote = ""
        for ch in line:
            if quote:
                masked.append(quote if ch == quote else "~")
                if ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
                masked.append(ch)
            elif ch == "#":
                break
            else:
                masked.append(ch)
        text = "".join(masked)
        out.append(text + " " * (len(line) - len(text)))
    return out


def _statement_end(masked: list[str], start: int) -> int:
    """Index of the last line of the statement starting at line index `start` (parens)."""
    depth = 0
    i = start
    while True:
        depth += (
            masked[i].count("(")
            + masked[i].count("[")
            - masked[i].count(")")
            - masked[i].count("]")
        )
        if depth <= 0 or i + 1 >= len(masked):
            return i
        i += 1


def _functions(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Per line: (enclosing function name, its decorators)."""
    out: list[tuple[str, list[str]]] = []
    name, decorators, pending = "", [], []
    for line in lines:
        if line.startswith("@"):
            pending.append(line.strip())
        elif line.startswith("def "):
            name = line[4:].split("(")[0]
            decorators, pending = pending, []
        elif line and not line[0].isspace() and not line.startswith(("#", ")")):
            name, decorators, pending = "", [], []
        out.append((name, decorators))
    return out


@dataclass
class Mutant:
    id: str
    file: str
    line: int  # first line changed (1-based)
    end_line: int  # last line changed
    operator: str
    category: str
    function: str
    before: str  # the original text of lines line..end_line
    after: str  # what replaces it
    required: bool = False
    outcome: str = "pending"
    killed_by: str = ""
    seconds: float = 0.0
    duplicate_of: str = ""
    detail: str = ""
    code_hash: str = ""

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        assert "\n".join(lines[self.line - 1 : self.end_line]) == self.before, self.id
        lines[self.line - 1 : self.end_line] = self.after.split("\n")
        return "\n".join(lines)

    def diff(self) -> str:
        """The changed lines only, each with its line number."""
        old, new = self.before.split("\n"), self.after.split("\n")
        if len(old) != len(new):
            minus = "\n".join(f"- {x}" for x in old)
            plus = "\n".join(f"+ {x}" for x in new)
            return f"{minus}\n{plus}"
        out = []
        for n, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                out += (
                    [f"- {a}", f"+ {b}"]
                    if len(old) == 1
                    else [f"- {self.line + n}: {a}", f"+ {self.line + n}: {b}"]
                )
        return "\n".join(out)


class Generator:
    """All mutants of one file."""

    CMP = re.compile(r"(?<![<>=!\-])(<=|>=|==|!=|<|>)(?![<>=])")
    ASSERT = re.compile(r"^\s*(assert\s|(\w+\.)?_require\()")
    CHECK_CALL = re.compile(r"^\s*(\w+)\.(_check_\w+)\(.*\)\s*$")
    INT = re.compile(r"(?<![\w.])(\d[\d_]*)(?![\w.])")
    CONST = re.compile(
        r"^(\w+):\s*(public\()?constant\((u?int\d+)\)\)?\s*=\s*(.+?)\s*$"
    )
    FLOORDIV = re.compile(r"//")

    def __init__(self, root: Path, path: str):
        self.path = path
        self.text = (root / path).read_text()
        self.lines = self.text.split("\n")
        self.masked = mask_source(self.lines)
        self.funcs = _functions(self.lines)
        self.locked = any(x.strip() == LOCK_PRAGMA for x in self.lines)
        self.stem = Path(path).stem
        self.counter: dict[tuple[int, str], int] = defaultdict(int)
        self.out: list[Mutant] = []
        imports = self.text
        self.ceil_helper = ""
        if re.search(r"^from \.(modules)? import wad_math as w$", imports, re.M):
            self.ceil_helper = "w._ceil_div({a}, {b})"
        elif re.search(r"^from \.(modules)? import vault_math$", imports, re.M):
            self.ceil_helper = "vault_math._mul_div_up({a}, 1, {b})"

    # -- helpers --
    def add(self, i: int, j: int, operator: str, after: str) -> None:
        before = "\n".join(self.lines[i : j + 1])
        if after == before:
            return
        k = self.counter[(i, operator)]
        self.counter[(i, operator)] += 1
        self.out.append(
            Mutant(
                id=f"{self.stem}:{i + 1}:{operator}:{k}",
                file=self.path,
                line=i + 1,
                end_line=j + 1,
                operator=operator,
                category=OPERATORS[operator],
                function=self.funcs[i][0],
                before=before,
                after=after,
            )
        )

    def replace_span(
        self, i: int, start: int, end: int, new: str, operator: str
    ) -> None:
        line = self.lines[i]
        self.add(i, i, operator, line[:start] + new + line[end:])

    def indent(self, i: int) -> str:
        return self.lines[i][: len(self.lines[i]) - len(self.lines[i].lstrip())]

    def is_code(self, i: int) -> bool:
        return bool(self.masked[i].strip())

    # -- generation --
    def generate(self) -> list[Mutant]:
        for i in range(len(self.lines)):
            if self.lines[i].strip() == LOCK_PRAGMA:
                self.add(i, i, "lock-pragma-remove", "")
                # A file that marks functions @reentrant does not compile without the
                # pragma: the lock's removal then also drops those decorators (one logical
                # change, several lines, blanked so line numbers stay).
                marks = [
                    k for k, x in enumerate(self.lines) if x.strip() == "@reentrant"
                ]
                if marks:
                    span = self.lines[i : marks[-1] + 1]
                    blanked = [
                        "" if x.strip() in (LOCK_PRAGMA, "@reentrant") else x
                        for x in span
                    ]
                    self.add(i, marks[-1], "lock-pragma-remove", "\n".join(blanked))
            if not self.is_code(i):
                continue
            m = self.masked[i]
            if m.lstrip().startswith(("def ", "@")) or m.startswith(
                ("from ", "import ", "implements", "initializes", "uses", "exports")
            ):
                if (
                    m.strip() == "@external"
                    and self.locked
                    and "@reentrant" not in self._decorators_after(i)
                ):
                    self.add(i, i, "lock-reentrant-add", self.lines[i] + "\n@reentrant")
                continue
            decl = re.match(
                r"^\s*(\w+):\s*[\w\[\], .()]+=\s*(0|False|True|empty\(.*\)|b\"\")\s*$",
                m,
            )
            if decl and self._placeholder(i, decl.group(1)):
                continue  # a declaration Vyper needs before a tuple assignment: no effect
            self.statements(i)
            self.comparisons(i)
            self.arithmetic(i)
            self.literals(i)
            self.words(i)
            self.rounding(i)
        return self.out

    def _decorators_after(self, i: int) -> list[str]:
        out = []
        j = i
        while j < len(self.lines) and self.lines[j].startswith("@"):
            out.append(self.lines[j].strip())
            j += 1
        k = i - 1
        while k >= 0 and self.lines[k].startswith("@"):
            out.append(self.lines[k].strip())
            k -= 1
        return out

    def statements(self, i: int) -> None:
        m = self.masked[i]
        ind = self.indent(i)
        if self.ASSERT.match(m):
            j = _statement_end(self.masked, i)
            self.add(i, j, "assert-remove", ind + "pass")
            self.assert_true(i, j)
            return
        call = self.CHECK_CALL.match(m)
        if call and _statement_end(self.masked, i) == i:
            if call.group(2) == "_check_initial" and self.stem == "MarginEngine":
                self.add(i, i, "health-check-remove", ind + "pass")
            else:
                self.add(i, i, "check-call-remove", ind + "pass")
            return
        stripped = m.strip()
        if stripped.startswith("raise ") and self.funcs[i][0]:
            self.add(i, i, "raise-remove", ind + "pass")

    def assert_true(self, i: int, j: int) -> None:
        """Replace the condition of an assert / _require by True."""
        text = "\n".join(self.lines[i : j + 1])
        masked = "\n".join(self.masked[i : j + 1])
        start = re.match(r"^\s*(assert\s+|(\w+\.)?_require\(\s*)", masked).end()
        depth = 0
        end = len(masked.rstrip())
        for pos in range(start, len(masked)):
            ch = masked[pos]
            if ch in "([":
                depth += 1
            elif ch in ")]":
                if depth == 0:
                    end = pos
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                end = pos
                break
        if masked[start:end].strip() in ("True", ""):
            return
        self.add(i, j, "assert-true", text[:start] + "True" + text[end:])

    def comparisons(self, i: int) -> None:
        flip = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
        for match in self.CMP.finditer(self.masked[i]):
            self.replace_span(
                i, match.start(), match.end(), flip[match.group(1)], "cmp-flip"
            )

    def arithmetic(self, i: int) -> None:
        m = self.masked[i]
        for match in re.finditer(r"(?<![*=<>!+\-])([+-])(=?)(?![>=])", m):
            sign, eq = match.group(1), match.group(2)
            prev = m[: match.start()].rstrip()
            if eq:
                self.replace_span(
                    i,
                    match.start(),
                    match.end(),
                    ("-" if sign == "+" else "+") + "=",
                    "arith-swap",
                )
                continue
            if not prev or not (prev[-1].isalnum() or prev[-1] in ")]_"):
                continue  # unary
            if re.search(r"(?<![\w.])(return|and|or|not|in)$", prev):
                continue
            self.replace_span(
                i, match.start(), match.end(), "-" if sign == "+" else "+", "arith-swap"
            )
        for match in re.finditer(r"\bunsafe_(add|sub)\(", m):
            new = "unsafe_sub(" if match.group(1) == "add" else "unsafe_add("
            self.replace_span(i, match.start(), match.end(), new, "arith-swap")
        for match in re.finditer(r"(?<![\w.])(min|max)\(", m):
            new = "max(" if match.group(1) == "min" else "min("
            self.replace_span(i, match.start(), match.end(), new, "minmax-swap")

    def literals(self, i: int) -> None:
        m = self.masked[i]
        const = (
            self.CONST.match(m.rstrip()) if not self.lines[i][:1].isspace() else None
        )
        if const:
            expr = const.group(4)
            col = m.rstrip().rindex(expr)
            for delta in ("+ 1", "- 1"):
                self.replace_span(
                    i,
                    col,
                    col + len(expr),
                    f"({expr}) {delta}"
                    if re.search(r"[\s+\-*/]", expr)
                    else f"{expr} {delta}",
                    "const-off-by-one",
                )
            return
        if not self.lines[i][:1].isspace():
            return  # storage declarations, struct fields and the like
        for match in self.INT.finditer(m):
            before = m[: match.start()]
            after = m[match.end() :]
            if before.rstrip().endswith("**") or after.lstrip().startswith("**"):
                continue
            opener = before.rfind("[")
            if opener > before.rfind("]") and re.search(
                r"(String|Bytes|DynArray)\[$", before[: opener + 1]
            ):
                continue
            if re.search(r"DynArray\[[^\]]*,\s*$", before) or re.search(
                r"convert\([^()]*,\s*u?int\d*$", before
            ):
                continue
            value = int(match.group(1).replace("_", ""))
            for new in (value + 1, value - 1):
                if new >= 0:
                    self.replace_span(
                        i, match.start(), match.end(), str(new), "literal-off-by-one"
                    )

    def _placeholder(self, i: int, name: str) -> bool:
        """`x: T = 0` before a tuple assignment to x (Vyper needs the declaration)."""
        for k in range(i + 1, min(i + 8, len(self.lines))):
            target = self.masked[k].split("=")[0]
            if (
                "," in target
                and re.search(rf"\b{name}\b", target)
                and "==" not in self.masked[k]
            ):
                return True
        return False

    def words(self, i: int) -> None:
        m = self.masked[i]
        for match in re.finditer(r"\b(True|False)\b", m):
            if re.match(r"^\s*(assert\s+True|(\w+\.)?_require\(True)", m):
                continue
            self.replace_span(
                i,
                match.start(),
                match.end(),
                "False" if match.group(1) == "True" else "True",
                "bool-flip",
            )
        for match in re.finditer(r"\bnot\s+", m):
            self.replace_span(i, match.start(), match.end(), "", "not-remove")
        for match in re.finditer(r"\s(and|or)\s", m):
            new = " or " if match.group(1) == "and" else " and "
            self.replace_span(i, match.start(), match.end(), new, "logic-swap")

    def rounding(self, i: int) -> None:
        m = self.masked[i]
        swaps = {
            "_mul_div_up(": "_mul_div_down(",
            "_mul_div_down(": "_mul_div_up(",
            "_div_floor(": "_div_ceil(",
            "_div_ceil(": "_div_floor(",
        }
        for match in re.finditer(
            r"\.(_mul_div_up\(|_mul_div_down\(|_div_floor\(|_div_ceil\()", m
        ):
            self.replace_span(
                i,
                match.start() + 1,
                match.end(),
                swaps[match.group(1)],
                "rounding-swap",
            )
        for match in re.finditer(r"\b\w+\._ceil_div\(", m):
            args = _call_args(m, match.end())
            if args:
                (a0, a1), (b0, b1), close = args
                line = self.lines[i]
                self.replace_span(
                    i,
                    match.start(),
                    close + 1,
                    f"({line[a0:a1].strip()}) // ({line[b0:b1].strip()})",
                    "rounding-swap",
                )
        if (
            not self.ceil_helper
            or self.stem in ("wad_math", "vault_math")
            or not self.lines[i][:1].isspace()
        ):
            return  # the helpers themselves; constant expressions cannot call functions
        for match in self.FLOORDIV.finditer(m):
            span = _floordiv_operands(m, match.start())
            if span:
                a0, b1 = span
                line = self.lines[i]
                left, right = (
                    line[a0 : match.start()].strip(),
                    line[match.end() : b1].strip(),
                )
                self.replace_span(
                    i, a0, b1, self.ceil_helper.format(a=left, b=right), "rounding-swap"
                )


def _call_args(
    m: str, start: int
) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """Spans of the two arguments of a call whose '(' ends at `start`, and its ')'."""
    depth = 0
    comma = -1
    for pos in range(start, len(m)):
        ch = m[pos]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            if depth == 0:
                if comma < 0:
                    return None
                return (start, comma), (comma + 1, pos), pos
            depth -= 1
        elif ch == "," and depth == 0:
            if comma >= 0:
                return None
            comma = pos
    return None


def _floordiv_operands(m: str, pos: int) -> tuple[int, int] | None:
    """The span of `a // b` around the `//` at `pos`: a is the term of * and // before it
    (up to a top-level + - , = ( or keyword), b one atom (name, attribute, call, literal)."""
    depth = 0
    a0 = None
    k = pos - 1
    while k >= 0:
        ch = m[k]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth == 0:
                a0 = k + 1
                break
            depth -= 1
        elif depth == 0 and ch in "+-,=<>:":
            a0 = k + 1
            break
        elif (
            depth == 0
            and ch == " "
            and re.search(
                r"(?<![\w.])(and|or|not|in|return|if|elif|assert|while)$", m[:k]
            )
        ):
            a0 = k + 1
            break
        k -= 1
    if a0 is None:
        a0 = len(m) - len(m.lstrip())
    keyword = re.match(
        r"\s*((return|if|elif|assert|not|and|or|in|while)\s+)*", m[a0:pos]
    )
    a0 += keyword.end()
    if not m[a0:pos].strip():
        return None
    atom = re.match(r"\s*[\w.]+(\((?:[^()]|\([^()]*\))*\))?", m[pos + 2 :])
    if not atom:
        return None
    b1 = pos + 2 + atom.end()
    if m[b1:].lstrip().startswith(("**", "[", ".")):
        return None  # binds tighter than //: the atom is not the whole divisor
    return a0, b1


def generate_all(root: Path, files: list[str], operators: set[str]) -> list[Mutant]:
    mutants: list[Mutant] = []
    for path in files:
        for mutant in Generator(root, path).generate():
            if mutant.operator in operators:
                mutant.required = (
                    mutant.file in REQUIRED_FILES
                    and mutant.category in REQUIRED_CATEGORIES
                )
                mutants.append(mutant)
    return mutants


def select(mutants: list[Mutant], max_mutants: int, seed: int) -> list[Mutant]:
    """The required mutants, then round-robin over shuffled (file, operator) strata."""
    rng = random.Random(seed)
    chosen = [m for m in mutants if m.required]
    strata: dict[tuple[str, str], list[Mutant]] = defaultdict(list)
    for m in mutants:
        if not m.required:
            strata[(m.file, m.operator)].append(m)
    keys = sorted(strata)
    rng.shuffle(keys)
    for key in keys:
        rng.shuffle(strata[key])
    while len(chosen) < max_mutants and any(strata.values()):
        for key in keys:
            if strata[key] and len(chosen) < max_mutants:
                chosen.append(strata[key].pop())
    order = {m.id: n for n, m in enumerate(mutants)}
    return sorted(chosen, key=lambda m: order[m.id])


# ---- dependencies and compilation -----------------------------------------------------
def import_graph(root: Path) -> dict[str, set[str]]:
    """source -> every core source it imports, transitively."""
    direct: dict[str, set[str]] = {}
    for path in core_files(root) + harnesses(root):
        text = (root / path).read_text()
        deps = set()
        base = Path(path).parent
        for mod in re.findall(r"^from \.{1,2}modules import (\w+)", text, re.M):
            deps.add(str(Path(CONTRACTS) / "modules" / f"{mod}.vy"))
        for mod in re.findall(r"^from \. import (\w+)", text, re.M):
            deps.add(str(base / f"{mod}.vy"))
        direct[path] = deps
    closure: dict[str, set[str]] = {}
    for path in direct:
        seen: set[str] = set()
        todo = list(direct[path])
        while todo:
            d = todo.pop()
            if d not in seen:
                seen.add(d)
                todo.extend(direct.get(d, ()))
        closure[path] = seen
    return closure


def deployables(root: Path) -> list[str]:
    return [p for p in core_files(root) if "/modules/" not in p]


def harnesses(root: Path) -> list[str]:
    """The test-only contracts that expose module functions (contracts/harness/): never
    mutated, but rebuilt with a mutated module, so the differential tests see the mutant."""
    return [str(p.relative_to(root)) for p in sorted((root / HARNESS).glob("*.vy"))]


def builds(root: Path) -> list[str]:
    """Every contract a mutant may change: the deployables and the harnesses."""
    return deployables(root) + harnesses(root)


def affected(root: Path, path: str, graph: dict[str, set[str]]) -> list[str]:
    return [d for d in builds(root) if d == path or path in graph[d]]


def compile_bytecode(work: Path, path: str) -> tuple[str, str]:
    """(deployment, runtime) bytecode of one deployable, as ape-vyper builds it."""
    vyper = Path(sys.executable).with_name("vyper")
    out = subprocess.run(
        [
            "nice",
            "-n",
            "10",
            str(vyper),
            "-p",
            str(work),
            "--evm-version",
            EVM_VERSION,
            "-f",
            "bytecode,bytecode_runtime",
            path,
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        errors = re.findall(
            r"^(?:vyper\.exceptions\.)?(\w+(?:Exception|Error|Mismatch)\b.*)$",
            out.stderr,
            re.M,
        )
        raise CompileError(errors[-1] if errors else "vyper failed")
    deploy, runtime = out.stdout.split()
    return deploy, runtime


def code_key(code: tuple[str, str]) -> tuple[str, str]:
    """What decides equivalence and duplicates: the initcode without its metadata footer,
    and the runtime. (Deploy the full initcode: the constructor finds its arguments after
    the footer, so a stripped initcode would read garbage.)"""
    return strip_metadata(code[0]), code[1]


def strip_metadata(initcode: str) -> str:
    """`initcode` (hex) without the footer Vyper appends to it: CBOR metadata that holds the
    integrity hash of the sources, then the footer's length in two bytes (counting those
    two). With the footer, any edit, even to a comment, would change the bytecode, and no
    mutant could be found equivalent; the runtime code has no footer."""
    code = bytes.fromhex(initcode.removeprefix("0x"))
    footer = int.from_bytes(code[-2:], "big") if len(code) >= 2 else 0
    if not 2 <= footer <= len(code):
        return initcode
    return "0x" + code[:-footer].hex()


class CompileError(Exception):
    pass


# ---- the working copies ---------------------------------------------------------------
SKIP_COPY = {
    ".venv",
    "node_modules",
    ".git",
    ".hypothesis",
    ".pytest_cache",
    ".stamps",
    ".ruff_cache",
    ".cache",
}


def make_copy(src: Path, dest: Path) -> None:
    """A copy of the project for mutants: .venv and node_modules symlinked, own ape data."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for item in src.iterdir():
        if item.name in SKIP_COPY or item.name == CONTRACTS:
            continue
        if item.is_dir():
            shutil.copytree(item, dest / item.name, symlinks=True)
        else:
            shutil.copy2(item, dest / item.name)
    # Only the core sources, their mocks and the test harnesses: work in progress elsewhere
    # under contracts/ must not break the copy's build.
    (dest / CONTRACTS).mkdir()
    for item in (src / CONTRACTS).iterdir():
        if item.is_file() and item.suffix == ".vy":
            shutil.copy2(item, dest / CONTRACTS / item.name)
        elif item.name in ("modules", "mocks", "harness"):
            shutil.copytree(item, dest / CONTRACTS / item.name)
    for name in (".venv", "node_modules"):
        if (src / name).exists():
            (dest / name).symlink_to((src / name).resolve())
    (dest / ".ape").mkdir(exist_ok=True)


def env_for(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        APE_DATA_FOLDER=str(work / ".ape"),
        PATH=f"{work / '.venv' / 'bin'}:{work / 'node_modules' / '.bin'}:{env.get('PATH', '')}",
        PYTHONPATH=str(work),
    )
    return env


def ape_compile(work: Path) -> None:
    """Bring the copy's manifest up to date (every source, so nothing compiles in a test run)."""
    subprocess.run(
        ["nice", "-n", "10", "ape", "compile", "--force"],
        cwd=work,
        env=env_for(work),
        check=True,
        capture_output=True,
        timeout=1800,
    )


class Manifest:
    """ape's build manifest of a copy, patched per mutant with the mutant's bytecode."""

    def __init__(self, work: Path):
        self.path = work / ".build" / "__local__.json"
        self.original = self.path.read_text()

    def patch(
        self, source_id: str, content: str, bytecodes: dict[str, tuple[str, str]]
    ) -> None:
        data = json.loads(self.original)
        for path, (deploy, runtime) in bytecodes.items():
            ct = data["contractTypes"][Path(path).stem]
            ct["deploymentBytecode"] = {"bytecode": deploy}
            ct["runtimeBytecode"] = {"bytecode": runtime}
        # ape recompiles a source whose text differs from the manifest's: record the mutant's.
        data["sources"][source_id]["content"] = content.rstrip() + "\n"
        self.path.write_text(json.dumps(data))

    def restore(self) -> None:
        self.path.write_text(self.original)


# ---- test selections ------------------------------------------------------------------
def expand(root: Path, paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        full = root / p
        items = (
            sorted(str(x.relative_to(root)) for x in full.glob("test_*.py"))
            if full.is_dir()
            else [p]
        )
        for item in items:
            if item not in out and item not in SIZE_TESTS:
                out.append(item)
    return out


def selection_key(paths: list[str]) -> str:
    return hashlib.sha1("\n".join(sorted(paths)).encode()).hexdigest()[:10]


_TEST_TEXT: dict[str, str] = {}
REASON = re.compile(r'"([a-z]+: [^"]+)"')
HELPER_CALL = re.compile(
    r"\b(self|\w+)\.(_check_\w+|_require|_debit|_add_total|_enc|_fit|_pull|_push|_open|_list|_configure|_set_curve|_set_reserve_factor)\("
)


def reason_index(root: Path) -> dict[tuple[str, str], set[str]]:
    """(file, function) -> the revert reasons it can raise: its own literals and, through
    the helpers it calls (checks, ledgers), theirs."""
    own: dict[tuple[str, str], set[str]] = {}
    calls: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for path in core_files(root):
        text = (root / path).read_text()
        alias = {}
        for mod, name in re.findall(
            r"^from \.(?:modules)? import (\w+)(?: as (\w+))?", text, re.M
        ):
            alias[name or mod] = str(Path(CONTRACTS) / "modules" / f"{mod}.vy")
        func = ""
        for line in text.split("\n"):
            if line.startswith("def "):
                func = line[4:].split("(")[0]
            elif (
                line and not line[0].isspace() and not line.startswith(("@", "#", ")"))
            ):
                func = ""
            if not func:
                continue
            key = (path, func)
            own.setdefault(key, set()).update(REASON.findall(line))
            for target, name in HELPER_CALL.findall(line):
                calls.setdefault(key, set()).add(
                    (path if target == "self" else alias.get(target, ""), name)
                )
    out: dict[tuple[str, str], set[str]] = {}
    for key in own:
        seen, todo, reasons = set(), [key], set()
        while todo:
            k = todo.pop()
            if k in seen:
                continue
            seen.add(k)
            reasons |= own.get(k, set())
            todo.extend(calls.get(k, ()))
        out[key] = reasons
    return out


_REASONS: dict[str, dict[tuple[str, str], set[str]]] = {}


def mutant_reasons(root: Path, mutant: Mutant) -> set[str]:
    """The reasons a test would check to catch the mutant: the mutated text's own, and for
    a removed helper call, the helper's."""
    if str(root) not in _REASONS:
        _REASONS[str(root)] = reason_index(root)
    index = _REASONS[str(root)]
    reasons = set(REASON.findall(mutant.before))
    if mutant.operator in ("check-call-remove", "health-check-remove"):
        alias = {}
        text = (root / mutant.file).read_text()
        for mod, name in re.findall(
            r"^from \.(?:modules)? import (\w+)(?: as (\w+))?", text, re.M
        ):
            alias[name or mod] = str(Path(CONTRACTS) / "modules" / f"{mod}.vy")
        for target, name in HELPER_CALL.findall(mutant.before):
            reasons |= index.get(
                (mutant.file if target == "self" else alias.get(target, ""), name),
                set(),
            )
    return reasons


def order_tests(root: Path, files: list[str], mutant: Mutant | None) -> list[str]:
    """Files most likely to kill the mutant first (-x then stops early); same set: for a
    lock mutant the reentrancy tests, else the files that check one of its revert reasons,
    then those that call the function it is in."""
    if mutant is None:
        return files
    reasons = mutant_reasons(root, mutant)
    func = mutant.function.lstrip("_")

    def text(f: str) -> str:
        if f not in _TEST_TEXT:
            _TEST_TEXT[f] = (root / f).read_text()
        return _TEST_TEXT[f]

    def rank(f: str) -> int:
        if mutant.category == "lock":
            return (
                0 if "mutation_kills" in f else 1 if LOCK_TESTS_FIRST.search(f) else 2
            )
        if reasons and any(r in text(f) for r in reasons):
            return 0
        if func and f"{func}(" in text(f):
            return 1
        return 2

    return keep_last(sorted(files, key=lambda f: (rank(f), files.index(f))))


def _test_functions(root: Path, path: str) -> dict[str, str]:
    """node id -> source of each test function of a test file."""
    import ast

    text = (root / path).read_text()
    out: dict[str, str] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            out[f"{path}::{node.name}"] = ast.get_source_segment(text, node) or ""
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for sub in node.body:
                if isinstance(sub, ast.FunctionDef) and sub.name.startswith("test"):
                    out[f"{path}::{node.name}::{sub.name}"] = (
                        ast.get_source_segment(text, sub) or ""
                    )
    return out


def focused_tests(root: Path, files: list[str], mutant: Mutant) -> list[str]:
    """The test functions most likely to kill the mutant, run first on their own (one
    short run; the whole selection only if none fails): the lock tests for a lock mutant,
    else those that check one of the mutant's revert reasons."""
    if mutant.category == "lock":
        return [f for f in files if "mutation_kills" in f]
    reasons = mutant_reasons(root, mutant)
    if not reasons:
        return []
    out = []
    for f in files:
        for node, source in _test_functions(root, f).items():
            if any(f'"{r}"' in source for r in reasons):
                out.append(node)
    return out


def run_tests(
    work: Path,
    files: list[str],
    timeout: float,
    stop: bool = True,
    deselect: tuple[str, ...] = (),
) -> tuple[str, str, float]:
    """(outcome, first failing test or detail, seconds)."""
    cmd = [
        "nice",
        "-n",
        "10",
        "ape",
        "test",
        *files,
        "-q",
        "-rfE",
        "-m",
        PYTEST_MARKERS,
    ] + (["-x"] if stop else [])
    for t in SIZE_TESTS + FLAKY_TESTS + list(deselect):
        cmd += ["--deselect", t]
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=work,
        env=env_for(work),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "timeout", f"no result within {timeout:.0f} s", time.monotonic() - start
    seconds = time.monotonic() - start
    (work / "last_test_output.txt").write_text(out)
    if proc.returncode == 0:
        return "survived", "", seconds
    if proc.returncode == 1:
        failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out, re.M)
        return "killed", " ".join(failed) if failed else "tests failed", seconds
    tail = out.strip().splitlines()[-1] if out.strip() else ""
    return "error", f"exit {proc.returncode}: {tail}", seconds


# ---- the run --------------------------------------------------------------------------
class Runner:
    def __init__(
        self,
        source: Path,
        work_dir: Path,
        jobs: int,
        timeout_factor: float,
        output: Path,
        report: Path | None,
        reverse_baseline: bool = True,
    ):
        self.source = source
        self.work_dir = work_dir
        self.jobs = jobs
        self.timeout_factor = timeout_factor
        self.output = output
        self.report = report
        self.lock = threading.Lock()
        self.data: dict = {}
        self.seen_hashes: dict[str, str] = {}
        self.reverse_baseline = reverse_baseline
        self.flaky: list[str] = []
        self.ids: set[str] = set()

    def log(self, msg: str) -> None:
        print(time.strftime("%H:%M:%S"), msg, flush=True)

    def prepare(self) -> Path:
        """Snapshot the source into work_dir/base and build it (the unmutated reference)."""
        base = self.work_dir / "base"
        self.log(f"copying {self.source} -> {base}")
        make_copy(self.source, base)
        self.log("compiling the unmutated copy (ape compile --force)")
        ape_compile(base)
        return base

    def workers(self, base: Path) -> list[Path]:
        out = []
        for n in range(self.jobs):
            w = self.work_dir / f"w{n}"
            make_copy(base, w)
            out.append(w)
        return out

    def save(self) -> None:
        with self.lock:
            tmp = self.output.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, indent=1) + "\n")
            tmp.replace(self.output)
            if self.report:
                write_report(self.data, self.report)

    def baseline(self, work: Path, selections: dict[str, list[str]]) -> None:
        for key, files in selections.items():
            if self.data["selections"].get(key, {}).get("passed"):
                continue
            self.log(f"baseline {key}: {len(files)} files")
            outcome, detail, seconds = run_tests(work, keep_last(files), 4 * 3600)
            rev_outcome, rev_detail, rev_seconds = "survived", "", 0.0
            if self.reverse_baseline:
                rev_outcome, rev_detail, rev_seconds = run_tests(
                    work, keep_last(list(reversed(files))), 4 * 3600
                )
            passed = outcome == "survived" and rev_outcome == "survived"
            self.data["selections"][key] = {
                "files": files,
                "seconds": round(seconds, 1),
                "reversed_seconds": round(rev_seconds, 1),
                "passed": passed,
                "detail": detail or rev_detail,
                "timeout": round(
                    self.timeout_factor * max(seconds, rev_seconds) + 120, 0
                ),
            }
            self.log(
                f"baseline {key}: {'green' if passed else 'RED ' + (detail or rev_detail)} in {seconds:.0f} s / reversed {rev_seconds:.0f} s"
            )
            self.save()

    def run_one(
        self,
        work: Path,
        manifest: Manifest,
        mutant: Mutant,
        graph,
        original: dict[str, tuple[str, str]],
    ) -> None:
        start = time.monotonic()
        twin = f"{Path(mutant.file).stem}:{mutant.line}:assert-remove:0"
        if mutant.operator == "assert-true" and twin in self.ids:
            # `assert True` / `_require(True, ...)` and `pass` both drop the evaluation of
            # the condition (its reads, calls and checked arithmetic): the same program.
            mutant.outcome, mutant.duplicate_of = "duplicate", twin
            mutant.detail = f"same semantics as {twin}: both drop the condition"
            return
        src = work / mutant.file
        text = src.read_text()
        mutated = mutant.apply(text)
        targets = affected(work, mutant.file, graph)
        try:
            src.write_text(mutated)
            try:
                codes = {t: compile_bytecode(work, t) for t in targets}
            except CompileError as exc:
                mutant.outcome, mutant.detail = "not_compiling", str(exc)[:300]
                return
            except subprocess.TimeoutExpired:
                mutant.outcome, mutant.detail = "not_compiling", "compiler timeout"
                return
            changed = {
                t: c for t, c in codes.items() if code_key(c) != code_key(original[t])
            }
            mutant.code_hash = hashlib.sha1(
                json.dumps(
                    sorted((t, code_key(c)) for t, c in changed.items())
                ).encode()
            ).hexdigest()[:16]
            if not changed:
                mutant.outcome, mutant.detail = (
                    "equivalent",
                    "bytecode identical to the unmutated build",
                )
                return
            with self.lock:
                first = self.seen_hashes.get(mutant.code_hash)
                if first is None:
                    self.seen_hashes[mutant.code_hash] = mutant.id
            if first is not None:
                mutant.outcome, mutant.duplicate_of = "duplicate", first
                mutant.detail = f"same bytecode as {first}"
                return
            key = selection_key(expand(work, FILE_TESTS[mutant.file]))
            sel = self.data["selections"][key]
            files = order_tests(work, expand(work, FILE_TESTS[mutant.file]), mutant)
            manifest.patch(mutant.file, mutated, changed)
            focused = [
                t for t in focused_tests(work, files, mutant) if t not in self.flaky
            ]
            outcome, detail = "survived", ""
            if focused:
                outcome, detail, _ = run_tests(
                    work, focused, sel["timeout"], deselect=tuple(self.flaky)
                )
            if outcome != "killed":
                outcome, detail, _ = run_tests(
                    work, files, sel["timeout"], deselect=tuple(self.flaky)
                )
            mutant.outcome, mutant.killed_by = outcome, ""
            if outcome == "killed":
                mutant.killed_by = detail.split()[0] if "::" in detail else detail
            if outcome != "killed":
                mutant.detail = detail
        finally:
            src.write_text(text)
            manifest.restore()
            mutant.seconds = round(time.monotonic() - start, 1)

    def run(
        self,
        mutants: list[Mutant],
        meta: dict,
        resume: bool,
        rerun: frozenset[str] = frozenset(),
        only: frozenset[str] | None = None,
    ) -> None:
        if resume and self.output.exists():
            self.data = json.loads(self.output.read_text())
            changed = changed_since(self.source, self.data.get("commit", ""))
            if changed is None or changed:
                # Outcomes of a changed (or unknown) source are stale; so are baselines and
                # verified kills, which ran other contracts or tests.
                self.log(
                    f"changed since {self.data.get('commit', '?')[:10]}: "
                    f"{sorted(changed) if changed is not None else 'unknown commit'}"
                )
                self.data["selections"], self.data["verified_kills"] = {}, []
            done = {
                m["id"]: m
                for m in self.data["mutants"]
                if m["outcome"] != "pending"
                and m["id"] not in rerun
                and changed is not None
                and m["file"] not in changed
            }
        else:
            self.data = {**meta, "selections": {}, "mutants": []}
            done = {}
        self.data.update({k: v for k, v in meta.items() if k not in ("started",)})
        self.data.setdefault("started", meta["started"])
        for m in mutants:
            if m.id in done:
                prev = done[m.id]
                for k in (
                    "outcome",
                    "killed_by",
                    "seconds",
                    "duplicate_of",
                    "detail",
                    "code_hash",
                ):
                    setattr(m, k, prev.get(k, getattr(m, k)))
        self.data["mutants"] = [asdict(m) for m in mutants]
        self.ids = {m.id for m in mutants}
        for m in mutants:
            if (
                m.outcome not in ("pending", "duplicate")
                and m.code_hash
                and m.id not in rerun
            ):
                self.seen_hashes.setdefault(m.code_hash, m.id)
        base = self.prepare()
        graph = import_graph(base)
        original = {d: compile_bytecode(base, d) for d in builds(base)}
        selections = {}
        # Baselines only for the selections that will run a mutant, each in the suite's
        # own (sorted) order.
        for m in mutants:
            if m.outcome == "pending" and (only is None or m.id in only):
                files = expand(base, FILE_TESTS[m.file])
                selections[selection_key(files)] = sorted(files)
        self.baseline(base, selections)
        red = [k for k, s in self.data["selections"].items() if not s["passed"]]
        if red:
            self.log(f"baseline red for {red}: mutants of those selections are not run")
        pool: queue.Queue[tuple[Path, Manifest]] = queue.Queue()
        for w in self.workers(base):
            pool.put((w, Manifest(w)))
        todo = [
            m
            for m in mutants
            if m.outcome == "pending"
            and selection_key(expand(base, FILE_TESTS[m.file])) not in red
            and (only is None or m.id in only)
        ]
        self.log(
            f"{len(todo)} mutants to run ({len(mutants) - len(todo)} done or skipped)"
        )
        index = {m.id: n for n, m in enumerate(mutants)}

        def job(m: Mutant) -> None:
            w, manifest = pool.get()
            try:
                self.run_one(w, manifest, m, graph, original)
            except Exception as exc:  # keep going; the mutant is reported as an error
                m.outcome, m.detail = "error", f"{type(exc).__name__}: {exc}"[:300]
            finally:
                pool.put((w, manifest))
            with self.lock:
                self.data["mutants"][index[m.id]] = asdict(m)
            self.data["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
            self.save()
            self.log(
                f"{m.id:50s} {m.outcome:13s} {m.seconds:7.1f} s {m.killed_by or m.detail}"
            )

        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as ex:
            list(ex.map(job, todo))
        self.save()
        # A kill only counts if the killing test passes on the unmutated copy: run every
        # killing test there once; mutants killed by one that fails are run again without it.
        self.flaky = list(self.data.get("flaky", []))
        for _ in range(3):
            new = self.verify_kills(base)
            if not new:
                break
            self.flaky += new
            self.data["flaky"] = self.flaky
            again = [m for m in mutants if m.outcome == "killed" and m.killed_by in new]
            self.log(
                f"killing tests red on the unmutated copy: {new}; re-running {len(again)} mutants without them"
            )
            for m in again:
                m.outcome, m.killed_by = "pending", ""
            with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as ex:
                list(ex.map(job, again))
            self.save()

    def verify_kills(self, base: Path) -> list[str]:
        verified = set(self.data.get("verified_kills", []))
        # A parametrized id whose parameters hold a space is cut at it in pytest's summary
        # ("test_x[a-registry:"): verify the whole test then.
        tests = sorted(
            {
                _node_id(m["killed_by"])
                for m in self.data["mutants"]
                if m["outcome"] == "killed" and "::" in m["killed_by"]
            }
            - verified
        )
        if not tests:
            return []
        self.log(f"verifying {len(tests)} killing tests on the unmutated copy")
        outcome, detail, seconds = run_tests(
            base, tests, 4 * 3600, stop=False, deselect=tuple(self.flaky)
        )
        red = [t for t in tests if t in detail.split()] if outcome == "killed" else []
        if outcome not in ("killed", "survived"):
            self.log(f"verification run failed: {detail}")
            return []
        self.data["verified_kills"] = sorted(verified | (set(tests) - set(red)))
        self.save()
        return red


def _node_id(test: str) -> str:
    """A test id pytest can select: a parametrized id cut before its `]` loses its brackets."""
    return test.split("[")[0] if "[" in test and not test.endswith("]") else test


# ---- the report -----------------------------------------------------------------------
COUNTED = ("killed", "timeout", "survived")  # outcomes of mutants that compiled and ran


def tally(mutants: list[dict], key) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for m in mutants:
        out[key(m)][m["outcome"]] += 1
    return out


def _rate(c: dict[str, int]) -> str:
    ran = sum(c.get(k, 0) for k in COUNTED)
    if not ran:
        return "n/a"
    return f"{100 * (c.get('killed', 0) + c.get('timeout', 0)) / ran:.1f} %"


def _row(name: str, c: dict[str, int]) -> str:
    ran = sum(c.get(k, 0) for k in COUNTED)
    cells = [
        sum(c.values()),
        c.get("not_compiling", 0),
        c.get("equivalent", 0),
        c.get("duplicate", 0),
        ran,
        c.get("killed", 0),
        c.get("timeout", 0),
        c.get("survived", 0),
        c.get("error", 0) + c.get("pending", 0),
    ]
    return f"| {name} | " + " | ".join(str(x) for x in cells) + f" | {_rate(c)} |"


HEADER = (
    "| | mutants | not compiling | equivalent (same bytecode) | duplicate | compiled and ran "
    "| killed | timeout | survived | error / not run | kill rate |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


# Survivors examined and argued equivalent (the bytecode differs, no behaviour does). They
# stay "survived" in the tables; the report adds the rates without them, with the argument.
ARGUED_EQUIVALENT = {
    "MarketRegistry:177:lock-reentrant-add:0": (
        "`@reentrant` lands on `accept_ownership` (the function after line 177; the "
        "report names the one before). The registry makes only `staticcall`s (oracle, "
        "vault, engine views), so while its lock is held no code can run a state-changing "
        "registry function: the lock on `accept_ownership` (no external call) can never "
        "be the one that stops a call."
    ),
    "OracleAdapter:78:const-off-by-one:0": (
        "`R_PRE_RESTART` is a label: reason codes never leave the contract (`_reason` maps "
        "each to its string) and 17, like 16, is used by no other code."
    ),
}


def _argued_rates(ms: list[dict]) -> str:
    argued = [
        m for m in ms if m["outcome"] == "survived" and m["id"] in ARGUED_EQUIVALENT
    ]
    if not argued:
        return ""
    rest = [m for m in ms if m not in argued]
    parts = [f"all {_rate(tally(rest, lambda m: 'x')['x'])}"]
    for cat in sorted(REQUIRED_CATEGORIES):
        c = tally([m for m in rest if m["category"] == cat], lambda m: "x")["x"]
        parts.append(f"{cat} {_rate(c)}")
    return (
        f"Without the {len(argued)} survivor(s) argued equivalent (see Survivors): "
        + ", ".join(parts)
        + "."
    )


def _diff_block(m: dict) -> list[str]:
    mutant = Mutant(**{k: m[k] for k in Mutant.__dataclass_fields__ if k in m})
    return ["  ```diff"] + ["  " + x for x in mutant.diff().split("\n")] + ["  ```"]


def render(data: dict) -> str:
    ms = data["mutants"]
    total = tally(ms, lambda m: "all")["all"]
    lines = [
        BEGIN,
        "<!-- generated by `python -m scripts.mutation`; edit outside this block -->",
        "",
        f"Commit mutated: `{data.get('commit', '?')}`"
        + (" (uncommitted contract changes)" if data.get("dirty") else "")
        + f". Seed {data.get('seed')}, {data.get('max_mutants')} mutants at most (of "
        f"{data.get('generated', '?')} generated), jobs {data.get('jobs')}. "
        f"Run {data.get('started', '?')} to {data.get('finished', '?')}.",
        "",
        "Kill rate = (killed + timeout) / (compiled and ran). Not compiling, equivalent "
        "(bytecode identical to the unmutated build) and duplicate mutants (bytecode "
        "identical to another mutant's, or an `assert-true` whose `assert-remove` twin "
        "ran: both drop the condition) are not counted.",
        "",
        "### Overall",
        "",
        HEADER,
        _row("**all**", total),
        "",
        "### Categories the issue requires at 100 %",
        "",
        HEADER,
    ]
    req = [m for m in ms if m["category"] in REQUIRED_CATEGORIES]

    def group(m: dict) -> str:
        where = (
            f"`{m['file']}`" if m["file"] in REQUIRED_FILES else "other files (sampled)"
        )
        return f"{m['category']}, {where}"

    for name, c in sorted(tally(req, group).items()):
        lines.append(_row(name, c))
    for name, c in sorted(
        tally(req, lambda m: f"**{m['category']}, all files**").items()
    ):
        lines.append(_row(name, c))
    argued = _argued_rates(ms)
    if argued:
        lines += ["", argued]
    lines += ["", "### Per file", "", HEADER]
    for name, c in sorted(tally(ms, lambda m: m["file"]).items()):
        lines.append(_row(f"`{name}`", c))
    lines += ["", "### Per operator", "", HEADER]
    for name, c in sorted(tally(ms, lambda m: m["operator"]).items()):
        lines.append(_row(f"`{name}`", c))
    sels = data.get("selections", {})
    if sels:
        lines += [
            "",
            "### Baselines (unmutated copy)",
            "",
            "| selection | files | seconds | reversed order, s | timeout, s | green |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for key, sel in sorted(sels.items()):
            green = "yes" if sel["passed"] else "NO: " + sel["detail"]
            first = sel["files"][0].rsplit("/", 1)[0] if sel["files"] else ""
            lines.append(
                f"| `{key}` ({first}, ...) | {len(sel['files'])} | {sel['seconds']} | "
                f"{sel['reversed_seconds']} | {sel['timeout']} | {green} |"
            )
    if data.get("flaky"):
        lines += [
            "",
            "Killing tests red on the unmutated copy (kills re-run without them): "
            + ", ".join(f"`{t}`" for t in data["flaky"]),
        ]
    surv = [m for m in ms if m["outcome"] in ("survived", "error")]
    lines += ["", f"### Survivors ({len(surv)})", ""]
    for m in surv:
        lines.append(
            f"- `{m['id']}` {m['file']}:{m['line']} in `{m['function'] or '(module)'}`: "
            f"{m['outcome']} {m.get('detail', '')}".rstrip()
        )
        lines += [""] + _diff_block(m) + [""]
        if m["id"] in ARGUED_EQUIVALENT:
            lines += [f"  Argued equivalent: {ARGUED_EQUIVALENT[m['id']]}", ""]
    other = [
        m for m in ms if m["outcome"] in ("not_compiling", "equivalent", "duplicate")
    ]
    lines += [f"### Not compiling, equivalent and duplicate ({len(other)})", ""]
    for m in other:
        why = m["detail"] if m["outcome"] != "not_compiling" else m["detail"][:100]
        lines.append(
            f"- `{m['id']}` {m['outcome']}: `{m['after'].strip()[:80]}` ({why})"
        )
    lines += ["", END]
    return "\n".join(lines)


def write_report(data: dict, path: Path) -> None:
    block = render(data)
    if path.exists():
        text = path.read_text()
        if BEGIN in text and END in text:
            text = (
                text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
            )
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    else:
        text = "# Mutation testing\n\n" + block + "\n"
    path.write_text(text)


# ---- CLI ------------------------------------------------------------------------------
def changed_since(root: Path, commit: str) -> set[str] | None:
    """Files under contracts/ and tests/ that differ between `commit` and the working tree
    of `root` (None when `commit` is not known there: then nothing recorded can be trusted)."""
    if not commit or not _git(
        root, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}"
    ):
        return None
    diff = _git(root, "diff", "--name-only", commit, "--", "contracts", "tests")
    return set(diff.splitlines())


def _git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


@click.command()
@click.option(
    "--file",
    "files",
    multiple=True,
    help="Core source(s) to mutate (default: all). Repeatable; substrings match.",
)
@click.option(
    "--operator",
    "operators",
    multiple=True,
    type=click.Choice(sorted(OPERATORS)),
    help="Operator(s) (default: all). Repeatable.",
)
@click.option(
    "--max-mutants",
    default=400,
    show_default=True,
    help="Mutants in all: the required ones, then a seeded sample.",
)
@click.option("--seed", default=8, show_default=True, help="Sampling seed.")
@click.option(
    "--jobs",
    default=1,
    show_default=True,
    help="Mutants run in parallel (one working copy each).",
)
@click.option(
    "--output",
    default="docs/mutation.json",
    show_default=True,
    type=click.Path(path_type=Path),
    help="JSON of every mutant and outcome.",
)
@click.option(
    "--report",
    default="docs/mutation.md",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Markdown report (its generated block is replaced).",
)
@click.option(
    "--work-dir",
    default="/tmp/mutation-work",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Where the working copies live.",
)
@click.option(
    "--source",
    default=str(ROOT),
    show_default=True,
    type=click.Path(path_type=Path),
    help="Project to copy (never modified).",
)
@click.option(
    "--timeout-factor",
    default=2.0,
    show_default=True,
    help="Per-mutant timeout = factor x baseline of its selection + 120 s.",
)
@click.option(
    "--reverse-baseline/--no-reverse-baseline",
    default=True,
    show_default=True,
    help="Also run each baseline in reverse file order.",
)
@click.option(
    "--id",
    "ids",
    multiple=True,
    help="Run only these mutant ids (e.g. survivors after adding a test).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Keep the outcomes already in --output; run the rest.",
)
@click.option(
    "--list", "list_only", is_flag=True, help="Show the selected mutants and exit."
)
@click.option(
    "--report-only", is_flag=True, help="Regenerate --report from --output and exit."
)
def main(
    files,
    operators,
    max_mutants,
    seed,
    jobs,
    output,
    report,
    work_dir,
    source,
    timeout_factor,
    reverse_baseline,
    ids,
    resume,
    list_only,
    report_only,
):
    """Mutation testing of the core contracts (see the module notes)."""
    source = source.resolve()
    if report_only:
        write_report(json.loads(output.read_text()), report)
        click.echo(f"wrote {report}")
        return
    all_files = core_files(source)
    chosen = [f for f in all_files if not files or any(x in f for x in files)]
    ops = set(operators) if operators else set(OPERATORS)
    mutants = generate_all(source, chosen, ops)
    if ids:
        wanted = set(ids)
        sample = [m for m in mutants if m.id in wanted]
        missing = wanted - {m.id for m in sample}
        if missing:
            raise click.BadParameter(f"unknown mutant ids: {sorted(missing)}")
    else:
        sample = select(mutants, max_mutants, seed)
    if list_only:
        for m in sample:
            flag = "*" if m.required else " "
            click.echo(f"{flag} {m.id:48s} {m.file}:{m.line} {m.operator}")
            click.echo("    " + m.diff().replace("\n", "\n    "))
        by_op = defaultdict(int)
        for m in sample:
            by_op[m.operator] += 1
        click.echo(
            f"{len(sample)} of {len(mutants)} mutants ({sum(m.required for m in sample)} required): {dict(sorted(by_op.items()))}"
        )
        return
    dirty = bool(
        _git(source, "status", "--porcelain", "--untracked-files=no", "--", "contracts")
    )
    meta = {
        "tool": "scripts/mutation.py",
        "commit": _git(source, "rev-parse", "HEAD"),
        "dirty": dirty,
        "uncommitted": _git(
            source, "status", "--porcelain", "--", "contracts", "tests"
        ).splitlines(),
        "seed": seed,
        "max_mutants": max_mutants,
        "jobs": jobs,
        "generated": len(mutants),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "markers": PYTEST_MARKERS,
        "deselected": SIZE_TESTS + FLAKY_TESTS,
        "file_tests": FILE_TESTS,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    runner = Runner(
        source, work_dir, jobs, timeout_factor, output, report, reverse_baseline
    )
    if ids and output.exists():
        # Re-run selected mutants inside the recorded sample (re-drawn from the current
        # sources with the recorded seed and size, so an id whose line moved is not kept).
        data = json.loads(output.read_text())
        everything = (
            mutants
            if chosen == all_files and ops == set(OPERATORS)
            else generate_all(source, all_files, set(OPERATORS))
        )
        current = select(
            everything, data.get("max_mutants", max_mutants), data.get("seed", seed)
        )
        known = {m.id for m in current}
        merged = current + [s for s in sample if s.id not in known]
        meta.update(
            {k: data[k] for k in ("seed", "max_mutants", "started") if k in data}
        )
        chosen = frozenset(m.id for m in sample)
        runner.run(merged, meta, resume=True, rerun=chosen, only=chosen)
        return
    runner.run(sample, meta, resume)


if __name__ == "__main__":
    main()
