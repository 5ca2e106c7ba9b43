"""The mutation tool's own logic (scripts/mutation.py): what it mutates, what it leaves
alone, how it samples and how it counts. The kill rates in docs/mutation.md are only as
good as these parts; running mutants needs a chain and hours, so it is not tested here."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import mutation as mt

SOURCE = '''# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@notice Docstring text: a < b and assert x must not be mutated.
"""

LIMIT: constant(uint256) = 10


@external
def put(amount: uint256) -> uint256:
    assert amount > 0, "toy: zero amount"  # a comment with < and 7
    self._check_cap(amount)
    if amount <= LIMIT and amount != 3:
        return amount + 1
    return min(amount, LIMIT)


@internal
def _check_cap(amount: uint256):
    assert amount < 100, "toy: over < cap"
'''


@pytest.fixture
def mutants(tmp_path: Path) -> dict[str, mt.Mutant]:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "Toy.vy").write_text(SOURCE)
    return {m.id: m for m in mt.Generator(tmp_path, "contracts/Toy.vy").generate()}


def changed(m: mt.Mutant) -> tuple[str, str]:
    return m.before.strip(), m.after.strip()


def test_operators__each_makes_its_one_change(mutants):
    assert changed(mutants["Toy:2:lock-pragma-remove:0"]) == (mt.LOCK_PRAGMA, "")
    assert mutants["Toy:10:lock-reentrant-add:0"].after == "@external\n@reentrant"
    assert changed(mutants["Toy:12:assert-remove:0"])[1] == "pass"
    assert "assert True," in mutants["Toy:12:assert-true:0"].after
    assert changed(mutants["Toy:13:check-call-remove:0"]) == (
        "self._check_cap(amount)",
        "pass",
    )
    flips = {
        changed(m)[1] for m in mutants.values() if m.id.startswith("Toy:14:cmp-flip")
    }
    assert flips == {
        "if amount < LIMIT and amount != 3:",
        "if amount <= LIMIT and amount == 3:",
    }
    assert changed(mutants["Toy:14:logic-swap:0"])[1] == (
        "if amount <= LIMIT or amount != 3:"
    )
    assert changed(mutants["Toy:15:arith-swap:0"])[1] == "return amount - 1"
    assert changed(mutants["Toy:16:minmax-swap:0"])[1] == "return max(amount, LIMIT)"
    consts = {
        changed(m)[1] for m in mutants.values() if m.operator == "const-off-by-one"
    }
    assert consts == {
        "LIMIT: constant(uint256) = 10 + 1",
        "LIMIT: constant(uint256) = 10 - 1",
    }


def test_operators__docstrings_comments_and_strings_are_left_alone(mutants):
    lines = {m.line for m in mutants.values()}
    assert not lines & {3, 4, 5}  # the docstring
    kept = {12: '"toy: zero amount"  # a comment with < and 7', 21: '"toy: over < cap"'}
    on_asserts = [m for m in mutants.values() if m.line in kept]
    assert {m.operator for m in on_asserts} >= {"cmp-flip", "literal-off-by-one"}
    for m in on_asserts:
        # The reason strings and the comment keep their "<", "7" and "assert".
        assert m.operator == "assert-remove" or m.after.endswith(kept[m.line]), m.id


def test_apply__changes_exactly_its_lines_and_refuses_a_moved_source(mutants):
    m = mutants["Toy:15:arith-swap:0"]
    out = m.apply(SOURCE).split("\n")
    assert out[14].strip() == "return amount - 1"
    assert [x for n, x in enumerate(out) if n != 14] == [
        x for n, x in enumerate(SOURCE.split("\n")) if n != 14
    ]
    with pytest.raises(AssertionError):
        m.apply("\n" + SOURCE)  # the line moved: never mutate the wrong text


def test_select__all_required_then_a_seeded_sample(mutants):
    pool = list(mutants.values())
    for m in pool:
        m.required = m.category in mt.REQUIRED_CATEGORIES
    required = {m.id for m in pool if m.required}
    a = mt.select(pool, len(required) + 3, seed=8)
    b = mt.select(pool, len(required) + 3, seed=8)
    assert [m.id for m in a] == [m.id for m in b]
    assert required <= {m.id for m in a} and len(a) == len(required) + 3
    assert len(mt.select(pool, 10_000, seed=1)) == len(pool)


def test_rates__count_only_mutants_that_compiled_and_ran():
    outcomes = ["killed"] * 8 + ["timeout", "survived", "survived"]
    outcomes += ["equivalent", "duplicate", "not_compiling", "pending"]
    c = mt.tally([{"outcome": o} for o in outcomes], lambda m: "x")["x"]
    assert mt._rate(c) == "81.8 %"  # 9 of 11
    assert mt._rate(mt.tally([{"outcome": "pending"}], lambda m: "x")["x"]) == "n/a"


def test_argued_equivalent__reported_with_and_without_them():
    argued = next(iter(mt.ARGUED_EQUIVALENT))
    ms = [
        {"id": "A:1:x:0", "outcome": "killed", "category": "lock"},
        {"id": argued, "outcome": "survived", "category": "lock"},
    ]
    line = mt._argued_rates(ms)
    assert "all 100.0 %" in line and "lock 100.0 %" in line
    assert mt._rate(mt.tally(ms, lambda m: "x")["x"]) == "50.0 %"
    assert mt._argued_rates(ms[:1]) == ""


def _git(root: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_changed_since__names_edited_contracts_and_tests_only(tmp_path: Path):
    """`--resume` keeps a recorded outcome only for a file unchanged since the recorded
    commit; a changed test or contract also drops the recorded baselines."""
    for path in ("contracts/A.vy", "contracts/B.vy", "tests/test_a.py", "README.md"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("one\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "recorded")
    recorded = _git(tmp_path, "rev-parse", "HEAD")
    assert mt.changed_since(tmp_path, recorded) == set()

    (tmp_path / "contracts/B.vy").write_text("two\n")  # uncommitted edits count too
    (tmp_path / "README.md").write_text("two\n")  # outside contracts/ and tests/
    assert mt.changed_since(tmp_path, recorded) == {"contracts/B.vy"}
    _git(tmp_path, "commit", "-q", "-am", "later")
    (tmp_path / "tests/test_a.py").write_text("two\n")
    assert mt.changed_since(tmp_path, recorded) == {"contracts/B.vy", "tests/test_a.py"}


@pytest.mark.parametrize("commit", ["", "0" * 40])
def test_changed_since__unknown_commit_trusts_nothing(tmp_path: Path, commit: str):
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts/A.vy").write_text("one\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "x")
    assert mt.changed_since(tmp_path, commit) is None


def test_compile_bytecode__a_comment_edit_compiles_to_the_same_code(tmp_path: Path):
    """Vyper's initcode ends with the sources' integrity hash; the tool strips that footer,
    so a mutant that changes no code (a label, a lock pragma on a module without external
    functions) is found equivalent instead of being run and 'surviving'. Twin: a real code
    change still differs."""
    (tmp_path / "contracts").mkdir()
    variants = {
        "a": SOURCE,
        "comment": SOURCE.replace("# a comment with < and 7", "# another comment"),
        "code": SOURCE.replace("return amount + 1", "return amount + 2"),
    }
    codes = {}
    for name, text in variants.items():
        (tmp_path / "contracts" / f"{name}.vy").write_text(text)
        codes[name] = mt.compile_bytecode(tmp_path, f"contracts/{name}.vy")
    key = {name: mt.code_key(code) for name, code in codes.items()}
    assert key["comment"] == key["a"]
    assert key["code"][0] != key["a"][0] and key["code"][1] != key["a"][1]
    # What is deployed keeps the footer: the constructor reads its arguments after it.
    assert codes["comment"][0] != codes["a"][0]
    deployed, compared = codes["a"][0], key["a"][0]
    assert deployed.startswith(compared) and len(deployed) > len(compared)


def test_strip_metadata__drops_exactly_the_footer():
    body = "6001600255"
    footer = "a1656879706572" + "0009"  # 7 bytes of "CBOR" + the length (9, itself too)
    assert mt.strip_metadata("0x" + body + footer) == "0x" + body
    assert mt.strip_metadata("0x00") == "0x00"  # too short: left alone
    assert mt.strip_metadata("0x" + body + "ffff") == "0x" + body + "ffff"  # no footer


def test_affected__a_module_rebuilds_its_importers_and_the_harnesses(tmp_path: Path):
    """A mutated module is compiled into every deployable and every test harness that
    imports it (directly or through another module), so the differential tests, which call
    module functions through contracts/harness/, see the mutant too."""
    files = {
        "contracts/modules/low.vy": "",
        "contracts/modules/mid.vy": "from . import low\n",
        "contracts/Top.vy": "from .modules import mid\n",
        "contracts/Other.vy": "",
        "contracts/harness/Probe.vy": "from ..modules import low as l\n",
        "contracts/harness/Blind.vy": "",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    graph = mt.import_graph(tmp_path)
    assert mt.affected(tmp_path, "contracts/modules/low.vy", graph) == [
        "contracts/Top.vy",
        "contracts/harness/Probe.vy",
    ]
    assert mt.affected(tmp_path, "contracts/Other.vy", graph) == ["contracts/Other.vy"]


def test_file_tests__every_core_source_has_a_selection():
    assert set(mt.core_files(mt.ROOT)) <= set(mt.FILE_TESTS)


def test_make_copy__takes_core_sources_mocks_and_harnesses_only(tmp_path: Path):
    """The working copy must hold the harnesses the differential tests deploy (a copy
    without them failed every differential baseline), and nothing else under contracts/."""
    src, dest = tmp_path / "src", tmp_path / "dest"
    for path in (
        "contracts/Top.vy",
        "contracts/modules/m.vy",
        "contracts/mocks/Mock.vy",
        "contracts/harness/Probe.vy",
        "contracts/wip/Draft.vy",
        "tests/test_x.py",
    ):
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text("x\n")
    mt.make_copy(src, dest)
    copied = sorted(str(p.relative_to(dest)) for p in dest.rglob("*.*") if p.is_file())
    assert copied == [
        "contracts/Top.vy",
        "contracts/harness/Probe.vy",
        "contracts/mocks/Mock.vy",
        "contracts/modules/m.vy",
        "tests/test_x.py",
    ]
