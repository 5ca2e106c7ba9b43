"""Every revert reason in the contracts is checked by at least one test.

Collects the reason strings of the deployables and modules (``assert ..., "x: ..."``,
``raise "x: ..."``, and the oracle's per-asset reason fragments ``rule = " stale"``, which a
test must check as ``"oracle: <SYMBOL> stale"``) and looks for each among the string
literals of ``tests/``. ``python -m scripts._reasons`` lists the unchecked ones (exit 1 if any).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "contracts").glob("*.vy")) + sorted(
    (ROOT / "contracts" / "modules").glob("*.vy")
)
REASON = re.compile(
    r'"((?:oracle|vault|engine|registry|bulkhead|lens|market|liquidation): [^"]+)"'
)
FRAGMENT = re.compile(r'^\s*rule = "( [^"]+)"', re.MULTILINE)


def contract_reasons() -> dict[str, str]:
    """reason (or fragment pattern) -> file it comes from."""
    found: dict[str, str] = {}
    for path in SOURCES:
        text = path.read_text()
        for match in REASON.finditer(text):
            if "<" not in match.group(
                1
            ):  # skip NatSpec placeholders such as "engine: <rule>"
                found.setdefault(match.group(1), path.name)
        for match in FRAGMENT.finditer(text):
            found.setdefault("oracle: <SYMBOL>" + match.group(1), path.name)
    return found


def test_strings() -> set[str]:
    """All string literals (f-strings rendered with their placeholders as <SYMBOL>) in tests/."""
    strings: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
            elif isinstance(node, ast.JoinedStr):
                strings.add(
                    "".join(
                        v.value if isinstance(v, ast.Constant) else "<SYMBOL>"
                        for v in node.values
                    )
                )
    return strings


def _checked(reason: str, strings: set[str]) -> bool:
    if "<SYMBOL>" not in reason:
        return reason in strings
    pattern = re.compile(
        "^" + re.escape(reason).replace(re.escape("<SYMBOL>"), r"(\w+|<SYMBOL>)") + "$"
    )
    return any(pattern.match(s) for s in strings)


def unchecked() -> list[tuple[str, str]]:
    strings = test_strings()
    return sorted(
        (src, reason)
        for reason, src in contract_reasons().items()
        if not _checked(reason, strings)
    )


def main() -> int:
    missing = unchecked()
    total = len(contract_reasons())
    for src, reason in missing:
        print(f"{src}: {reason!r} is not checked by any test")
    print(f"{total - len(missing)}/{total} revert reasons are checked by a test")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
