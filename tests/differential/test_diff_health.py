"""Health (DESIGN.md, Health; health.vy notes): the module `health` over generated accounts
(quote + up to 5 tokens with any decimals and factors, a claim, debt shares at an index,
up to 10 positions' figures) through contracts/harness/HealthHarness.vy, against the exact
model.

Protocol's favour: collateral (wc_maint, wc_init) DOWN, debt UP, equities DOWN, shortfall
UP, health factor DOWN. Decisions: ``liquidatable`` and ``allowed`` (the initial
requirement every risk-adding action checks) identical to DESIGN's rules on the documented
figures, both sides of every boundary (the generator puts half the accounts with positions
exactly on, and one wei either side of, equity_maint = maint_req and equity_init =
init_req); against the never-rounded figures a decision may differ only in the protocol's
favour.
"""

from __future__ import annotations

from diff_cases import (
    ComposeCase,
    HealthCase,
    PositionIn,
    TokenIn,
    as_tuple,
    as_tuples,
    chunks,
    compose_cases,
    health_cases,
    health_strategy,
    shrinking,
)
from eth_abi import decode
from exact_model import (
    WAD,
    Report,
    compose_checks,
    health_checks,
    health_decisions,
    health_spec,
    protocol_side_decisions,
)
from hypothesis import given

BATCH = 64
INITIAL_NOT_MET = "engine: initial requirement not met"
MAX_UINT256 = 2**256 - 1


def _reason(data: bytes) -> str:
    assert data[:4] == bytes.fromhex("08c379a0"), data
    return decode(["string"], data[4:])[0]


def _check(report: Report, c: HealthCase, out) -> None:
    h = out.health
    if not out.allowed:
        assert _reason(out.revert_data) == INITIAL_NOT_MET
    decisions = health_decisions(c, h, out.allowed)
    decisions += [(p, True, False) for p in protocol_side_decisions(c, h, out.allowed)]
    report.add(c, health_checks(c, h), decisions)


def _run(health_harness, cases) -> Report:
    report = Report()
    for part in chunks(cases, BATCH):
        for c, out in zip(
            part, health_harness.batch.call(as_tuples(part)), strict=True
        ):
            _check(report, c, out)
    return report


def test_health__accounts_match_exact_model(health_harness):
    cases = health_cases(1_024)
    report = _run(health_harness, cases)
    report.assert_clean()
    assert report.cases == 1_024
    # both sides of both decisions were exercised
    specs = [health_spec(c) for c in cases]
    assert {s.liquidatable for s in specs} == {True, False}
    assert {s.allowed for s in specs} == {True, False}
    on_edge = [s for s in specs if s.active and s.equity_maint == s.maint_req]
    assert len(on_edge) > 20


@shrinking(40)
@given(case=health_strategy())
def test_health__shrinking(health_harness, case):
    _run(health_harness, [case]).assert_clean()


def test_compose__figures_to_equities_health_and_decision(health_harness):
    cases = compose_cases(2_048)
    report = Report()
    for part in chunks(cases, 128):
        for c, h in zip(part, health_harness.compose(as_tuples(part)), strict=True):
            liquidatable = c.active and c.wc_maint - c.debt + c.pnl < c.maint_req
            report.add(
                c, compose_checks(h), [("liquidatable", h.liquidatable, liquidatable)]
            )
    report.assert_clean()


def _one_token_account(
    balance: int, shares: int, maint: int, init: int, pnl: int = 0
) -> HealthCase:
    """1 WETH-like token (18 dec, 3,000 USD, CF 0.80, LT 0.85), a 6-decimal quote at 1 USD
    (CF 0.95, LT 0.97) owed through `shares` at index 1, and one position's figures."""
    return HealthCase(
        0,
        0,
        WAD,
        6,
        95 * 10**16,
        97 * 10**16,
        shares,
        WAD,
        (TokenIn(balance, 3_000 * WAD, 18, 80 * 10**16, 85 * 10**16),),
        (PositionIn(pnl, maint, init),),
    )


def test_liquidatable__exactly_at_the_boundary_and_one_wei_either_side(health_harness):
    """equity_maint = 2,550 − 1,000 = 1,550 USD: maint_req 1,550 USD − 1 wei, 1,550 USD and
    1,550 USD + 1 wei: liquidatable only strictly below (equity_maint < maint_req)."""
    equity = 1_550 * WAD
    cases = [
        _one_token_account(WAD, 1_000 * 10**6, equity + d, equity + d + 1)
        for d in (-1, 0, 1)
    ]
    outs = health_harness.batch.call(as_tuples(cases))
    assert [o.health.equity_maint for o in outs] == [equity] * 3
    assert [o.health.liquidatable for o in outs] == [False, False, True]
    assert [o.health.health_factor < WAD for o in outs] == [False, False, True]
    assert outs[1].health.health_factor == WAD  # backing == owed exactly
    report = Report()
    for c, o in zip(cases, outs, strict=True):
        _check(report, c, o)
    report.assert_clean()


def test_allowed__exactly_at_the_boundary_and_one_wei_either_side(health_harness):
    """equity_init = 2,400 − 1,000 − 100 (a loss) = 1,300 USD: init_req 1,300 USD − 1 wei and
    1,300 USD pass the initial check, 1,300 USD + 1 wei reverts with its reason."""
    equity = 1_300 * WAD
    cases = [
        _one_token_account(WAD, 1_000 * 10**6, 0, equity + d, pnl=-100 * WAD)
        for d in (-1, 0, 1)
    ]
    outs = health_harness.batch.call(as_tuples(cases))
    assert [o.health.equity_init for o in outs] == [equity] * 3
    assert [o.allowed for o in outs] == [True, True, False]
    assert _reason(outs[2].revert_data) == INITIAL_NOT_MET
    report = Report()
    for c, o in zip(cases, outs, strict=True):
        _check(report, c, o)
    report.assert_clean()


def test_health__inactive_account_is_max_and_never_liquidatable(health_harness):
    """No debt and no position: figures computed, health max_value, not liquidatable — the
    twin of an account with 1 debt share."""
    idle = HealthCase(10**6, 0, WAD, 6, 95 * 10**16, 97 * 10**16, 0, WAD, (), ())
    owing = HealthCase(10**6, 0, WAD, 6, 95 * 10**16, 97 * 10**16, 1, WAD, (), ())
    a, b = health_harness.batch.call([as_tuple(idle), as_tuple(owing)])
    assert (a.health.active, a.health.health_factor, a.health.liquidatable) == (
        False,
        MAX_UINT256,
        False,
    )
    assert a.health.wc_maint == 97 * 10**16
    assert (b.health.active, b.health.debt) == (
        True,
        10**12,
    )  # 1 share at index 1 = 1 unit
    assert b.health.health_factor == 97 * 10**16 * WAD // 10**12


def test_compose__owing_nothing_is_max(health_harness):
    """Active but owing nothing (no debt, no loss, no requirement): health max_value."""
    (h,) = health_harness.compose([as_tuple(ComposeCase(5, 4, 0, 0, 0, 0, True))])
    assert (h.health_factor, h.liquidatable, h.shortfall) == (MAX_UINT256, False, -5)
