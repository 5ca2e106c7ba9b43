"""Liquidation amounts (DESIGN.md, Liquidation step 3; docs/liquidation.md): the full-close
rule, the close-factor repay, the seize with its bonus, the cap at the balance (the repay
shrinks to match), the dust rule — module `liquidation` through
contracts/harness/MathHarness.vy, and the real registry's ``seize_plan`` (single token and
sweep) — against the exact model.

Protocol's favour: against the liquidator (the liquidated account keeps the rest): the
tokens seized for a repay are DOWN (never more than the repay's value plus the bonus), the
repay asked for a whole balance is UP (never less than its value over 1 + bonus).
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from diff_cases import (
    LiqCase,
    Pricing,
    as_tuple,
    as_tuples,
    chunks,
    liq_cases,
    liq_strategy,
    magnitude,
    shrinking,
)
from exact_model import (
    WAD,
    Check,
    Favour,
    Report,
    full_close,
    liquidation_checks,
    repay_bound,
    repay_exact,
    seize_bound,
    seize_exact,
)
from hypothesis import given

BATCH = 512
WETH = Pricing(
    WAD, 10**6, 3_000 * WAD, 10**18, 5 * 10**16
)  # USDC quote, WETH at 3,000, bonus 5 %


def _check(report: Report, c: LiqCase, out) -> bool:
    checks, decisions, boundary = liquidation_checks(c, out)
    report.add(c, checks, decisions)
    return boundary


def _in_fractional_threshold_band(c: LiqCase) -> bool:
    """health == floor(T) < T for T = (1 + bonus) × LT above the 0.95 floor and not a whole
    wei, with no other reason for a full close: the band a floored threshold missed (D1)."""
    threshold = Fraction(WAD + c.pricing.bonus, WAD) * c.lt
    return (
        threshold.denominator != 1
        and threshold > Fraction(95, 100) * WAD
        and c.health_factor == math.floor(threshold)
        and not c.bucket
        and c.debt - c.debt // 2 >= c.min_debt
    )


def _floored_value_falls_short(c: LiqCase) -> bool:
    """Whether valuing the balance rounded DOWN (the pre-fix repay_for, D2) would have asked
    less than the balance's exact value over 1 + bonus: the cases the fix changes."""
    p = c.pricing
    usd = -(-(c.balance * p.token_price // p.token_unit * WAD) // (WAD + p.bonus))
    return -(-(usd * p.quote_unit) // p.quote_price) < repay_exact(c.balance, p)


def test_liquidation__amounts_match_exact_rule(math_harness):
    """The full-close decision is identical to the model on both sides of each threshold
    (the generator puts a third of the cases on a threshold or one wei around it); repay
    and seize are within their bounds on the protocol's side whenever the branch is certain
    (a branch decided within a rounding bound may go either way); the invariants (repay <=
    cap, debt and close factor; seize <= balance; the repay never below the seized tokens'
    value over 1 + bonus) hold on every case. Nothing is tolerated: the cases in the bands
    of findings D1 and D2 (fixed; docs/differential.md §6) are compared like the rest, and
    the generator must keep putting cases there."""
    cases = liq_cases(2_048)
    report = Report()
    boundary = 0
    for part in chunks(cases, BATCH):
        for c, out in zip(
            part, math_harness.liquidations(as_tuples(part)), strict=True
        ):
            boundary += _check(report, c, out)
    report.assert_clean()
    assert report.cases == 2_048
    assert (
        boundary < len(cases) // 4
    )  # most branches are certain, so most figures are compared
    d1_band = sum(map(_in_fractional_threshold_band, cases))
    d2_band = sum(map(_floored_value_falls_short, cases))
    assert d1_band > 0 and d2_band > 0  # the fixed bands stay covered
    print(
        f"liquidation bulk: {boundary} boundary cases, {d1_band} in the D1 band, "
        f"{d2_band} in the D2 band"
    )


@shrinking(60)
@given(case=liq_strategy())
def test_liquidation__shrinking(math_harness, case):
    (out,) = math_harness.liquidations([as_tuple(case)])
    report = Report()
    _check(report, case, out)
    report.assert_clean()


def _case(
    debt,
    cap,
    health,
    balance,
    min_debt=10 * 10**6,
    bucket=False,
    others=False,
    lt=85 * 10**16,
    pricing=WETH,
):
    return LiqCase(debt, cap, bucket, health, min_debt, balance, others, lt, pricing)


def test_full_close__both_sides_of_each_threshold(math_harness):
    """health one wei below / at the 0.95 floor and the (1 + 5 %) × 0.95 = 0.9975 threshold;
    a bucket always; half the debt leaving one unit below / exactly the minimum debt."""
    lt_high = 95 * 10**16  # (1.05 × 0.95 = 0.9975 > 0.95)
    cases = [
        _case(10**10, 10**12, 95 * 10**16 - 1, 10**19),  # below 0.95: full
        _case(
            10**10, 10**12, 95 * 10**16, 10**19
        ),  # at 0.95 (LT 0.85: 0.8925): partial
        _case(
            10**10, 10**12, 9975 * 10**14 - 1, 10**19, lt=lt_high
        ),  # below 0.9975: full
        _case(10**10, 10**12, 9975 * 10**14, 10**19, lt=lt_high),  # at 0.9975: partial
        _case(10**10, 10**12, WAD - 1, 10**19, bucket=True),  # a bucket: full
        _case(2 * 10**7 - 2, 10**12, WAD - 1, 10**19),  # rest 9,999,999 < 10**7: full
        _case(2 * 10**7, 10**12, WAD - 1, 10**19),  # rest exactly 10**7: partial
    ]
    outs = math_harness.liquidations(as_tuples(cases))
    assert [o.full for o in outs] == [True, False, True, False, True, True, False]
    assert [o.full for o in outs] == [
        full_close(c.bucket, c.health_factor, c.pricing.bonus, c.lt, c.debt, c.min_debt)
        for c in cases
    ]
    assert [o.repay for o in outs] == [
        10**10,
        5 * 10**9,
        10**10,
        5 * 10**9,
        10**10,
        2 * 10**7 - 2,
        10**7,
    ]


def test_cap__seize_above_balance_takes_balance_and_shrinks_repay(math_harness):
    """1,000 USDC of debt, full close, 0.2 WETH held (worth 600 USD): the seize is the whole
    balance, the repay its value over 1.05 (571.428572 USDC, rounded up); its twin with
    1 WETH seizes 1,000 × 1.05 / 3,000 WETH and repays the whole debt."""
    capped, free = math_harness.liquidations(
        as_tuples(
            [_case(10**9, 10**12, 0, 2 * 10**17), _case(10**9, 10**12, 0, 10**18)]
        )
    )
    assert (capped.seize, capped.repay) == (2 * 10**17, 571_428_572)
    assert Fraction(capped.repay) >= repay_exact(2 * 10**17, WETH) > capped.repay - 1
    assert (free.repay, free.seize) == (10**9, 35 * 10**16)
    assert free.seize == seize_exact(10**9, WETH)


def test_dust__rest_below_min_debt_shrinks_repay_unless_nothing_remains(math_harness):
    """Debt 15 USDC, min debt 10, cap 10 USDC, a full close: repaying 10 would leave 5
    (dust). While collateral remains — more WETH than the repay seizes, or this WETH taken
    whole but another token held — the repay shrinks to 5 and 10 stays; with the WETH taken
    whole (10.5 USD: 10 USDC at the 5 % bonus) and nothing else held, the repay stays 10 and
    the rest is left for the write-off."""
    cases = [
        _case(15 * 10**6, 10 * 10**6, 0, 10**18),  # plenty of WETH left
        _case(
            15 * 10**6, 10 * 10**6, 0, 35 * 10**14, others=True
        ),  # WETH gone, others held
        _case(15 * 10**6, 10 * 10**6, 0, 35 * 10**14),  # nothing remains
    ]
    plenty, others, drained = math_harness.liquidations(as_tuples(cases))
    assert (plenty.repay, plenty.seize) == (5 * 10**6, seize_exact(5 * 10**6, WETH))
    assert (others.repay, others.seize) == (5 * 10**6, seize_exact(5 * 10**6, WETH))
    assert (drained.repay, drained.seize) == (10 * 10**6, 35 * 10**14)
    report = Report()
    for c, out in zip(cases, (plenty, others, drained), strict=True):
        _check(report, c, out)
    report.assert_clean()


def test_dust__debt_at_exactly_min_debt_repays_the_cap(diff_env, math_harness):
    """Debt exactly at the 10 USDC minimum (a full close: half of it would leave dust), cap
    4 USDC, plenty of WETH: no repay can leave the minimum, so the cap is repaid and 6 USDC
    stays (the write-off or a later call takes it); the repay never shrinks to 0, which
    would let a liquidatable account at the minimum debt never be repaid (mutation
    survivor liquidation:94:cmp-flip:0). Twin: one wei more debt shrinks the repay to that
    wei, so exactly the minimum stays. The module (harness) and the deployed registry's
    seize_plan agree."""
    min_debt, cap, weth = 10 * 10**6, 4 * 10**6, 10**18
    expected = {
        min_debt: (cap, seize_exact(cap, WETH)),
        min_debt + 1: (1, math.floor(seize_exact(1, WETH))),
    }
    outs = math_harness.liquidations(
        as_tuples([_case(debt, cap, 0, weth) for debt in expected])
    )
    tokens = [
        (0, WAD, 6, 2 * 10**16, 97 * 10**16),  # no quote held
        (weth, WETH.token_price, 18, WETH.bonus, 85 * 10**16),
    ]
    for (debt, (repay, seize)), out in zip(expected.items(), outs, strict=True):
        assert (out.repay, out.seize) == (repay, seize)
        terms = (debt, cap, False, 0, min_debt, WAD, 10**6, 1, False)
        assert diff_env.registry.seize_plan(terms, tokens) == (repay, seize, [0, seize])


def test_full_close__fractional_threshold_at_its_floor(math_harness):
    """Full-close threshold T = (1 + bonus) × LT with bonus 5 %, LT 0.9 + 1 wei: T = 0.945 +
    1.05 wei (not a whole WAD), so max(0.95, T) = 0.95 and there is no fractional edge here;
    with LT 0.95 − 1 wei, T = 0.9975 − 1.05 wei, floor(T) = 0.9975e18 − 2: a health of
    0.9975e18 − 2 is below T (full close by DESIGN's rule) and the contract agrees only if it
    compares with the exact T. See test_full_close_threshold__exact_product_band_fully_closes."""
    lt = 95 * 10**16 - 1
    threshold = Fraction(WAD + 5 * 10**16, WAD) * lt
    assert threshold.denominator != 1
    floor_t = int(threshold)
    cases = [
        _case(10**10, 10**12, h, 10**18, lt=lt) for h in (floor_t - 1, floor_t + 1)
    ]
    below, above = math_harness.liquidations(as_tuples(cases))
    assert (below.full, above.full) == (True, False)  # both agree with the model
    assert full_close(False, floor_t - 1, 5 * 10**16, lt, 10**10, 10**7)
    assert not full_close(False, floor_t + 1, 5 * 10**16, lt, 10**10, 10**7)


def test_full_close_threshold__exact_product_band_fully_closes(math_harness):
    """Regression for finding D1 (docs/differential.md §6): bonus 5 %, LT 0.95 − 1 wei, so
    T = (1 + bonus) × LT = 997_499_999_999_999_998.95 (WAD), not a whole wei. A health of
    floor(T) is below T and fully closes (it got a partial close while the module compared
    with floor(T)); its twin ceil(T) is not below T and gets a partial close."""
    lt = 95 * 10**16 - 1
    threshold = Fraction(WAD + 5 * 10**16, WAD) * lt
    health = math.floor(threshold)  # 997_499_999_999_999_998
    assert health == 997_499_999_999_999_998 and Fraction(health) < threshold
    cases = [
        _case(10**10, 10**12, h, 10**18, lt=lt) for h in (health, math.ceil(threshold))
    ]
    band, twin = math_harness.liquidations(as_tuples(cases))
    assert (band.full, twin.full) == (True, False)
    assert [band.full, twin.full] == [
        full_close(False, c.health_factor, 5 * 10**16, lt, 10**10, 10**7) for c in cases
    ]
    report = Report()
    for c, out in zip(cases, (band, twin), strict=True):
        _check(report, c, out)
    report.assert_clean()


def test_repay_for_whole_balance__rounds_value_up(math_harness):
    """Regression for finding D2 (docs/differential.md §6): the repay asked for a whole
    balance values it rounded UP. 1 wei of an 18-decimal token at 10.9 USD, an 18-decimal
    quote at 1 USD, bonus 0: worth 10.9 quote wei, so the repay is 11 (it was 10, below the
    value); its twin at 10 USD is worth exactly 10 and asks exactly 10 (no rounding)."""
    fractional = Pricing(WAD, 10**18, 109 * 10**17, 10**18, 0)
    whole = Pricing(WAD, 10**18, 10 * WAD, 10**18, 0)
    cases = [
        LiqCase(10**30, 10**30, True, 0, 1, 1, False, 5 * 10**17, p)
        for p in (fractional, whole)
    ]
    up, exact = math_harness.liquidations(as_tuples(cases))
    assert repay_exact(1, fractional) == Fraction(109, 10)
    assert (up.repay_for_balance, exact.repay_for_balance) == (11, 10)
    for out, p in ((up, fractional), (exact, whole)):
        check = Check(
            "repay_for(balance)",
            out.repay_for_balance,
            repay_exact(1, p),
            Favour.UP,
            repay_bound(p),
        )
        assert check.problem() is None
    # through `_amounts`: the balance is taken whole (the repay shrinks to repay_for it)
    assert (up.repay, up.seize) == (11, 1)
    assert (exact.repay, exact.seize) == (10, 1)


def test_repay_for_whole_balance__dust_balance_is_never_seized_for_nothing(
    math_harness,
):
    """The D2 case through `_amounts`: a full close (the rest of a half repay is below the
    minimum debt) with a cap of 1 quote wei against 12 wei of a token at 1e-8 USD (worth
    1.2e-7 USD wei). The cap seizes more than the balance, so the repay shrinks to
    repay_for(12): the value rounded up is 1 USD wei, 1 quote wei — not 0, as it was with
    the value rounded down (12 wei seized for nothing). Its twin with nothing to value
    (balance 0) asks no repay for it."""
    p = Pricing(1_346_428_281_896_353_417, 10**18, 10**10, 10**18, 0)
    debt, min_debt = 121_195_264_202_080_970, 60_597_632_101_040_486
    cases = [
        LiqCase(debt, 1, False, 10378 * 10**14, min_debt, b, False, 5 * 10**17, p)
        for b in (12, 0)
    ]
    dust, empty = math_harness.liquidations(as_tuples(cases))
    assert dust.full and empty.full  # debt − ⌊debt / 2⌋ < min debt
    assert dust.repay_for_balance == 1 and empty.repay_for_balance == 0
    assert (dust.repay, dust.seize) == (1, 12)
    assert Fraction(dust.repay) >= repay_exact(dust.seize, p)
    assert (empty.repay, empty.seize) == (0, 0)
    report = Report()
    for c, out in zip(cases, (dust, empty), strict=True):
        _check(report, c, out)
    report.assert_clean()


def test_seize_plan__real_registry_single_token_and_sweep(diff_env, math_harness):
    """The deployed registry's seize_plan (what the engine executes and the Lens quotes):
    for one token, exactly the module's repay and seize (checked against the exact rule
    above), only that token moving; for a sweep of every token (quote first, each at its
    bonus, as far as the cap pays), every amount within its balance, tokens taken in order
    (a token is touched only after the ones before it are taken whole), and the repay never
    below the value seized over each token's 1 + bonus."""
    registry = diff_env.registry
    rng = random.Random("seize-plan")
    quote_unit, min_debt = 10**6, 10 * 10**6
    report = Report()
    sweeps = 0
    for _ in range(120):
        debt = magnitude(rng, 10**7, 10**14)
        tokens = [
            (magnitude(rng, 1, 10**12), WAD, 6, 2 * 10**16, 97 * 10**16),  # quote
            (
                magnitude(rng, 1, 10**20),
                3_000 * WAD,
                18,
                5 * 10**16,
                85 * 10**16,
            ),  # WETH
            (
                magnitude(rng, 1, 10**9),
                60_000 * WAD,
                8,
                6 * 10**16,
                80 * 10**16,
            ),  # WBTC
        ]
        pricings = [Pricing(WAD, quote_unit, t[1], 10 ** t[2], t[3]) for t in tokens]
        cap = rng.choice([debt, debt // 3, 10**18])
        health, bucket, target = (
            rng.randint(0, WAD),
            rng.random() < 0.3,
            rng.randint(0, 2),
        )
        terms = (debt, cap, bucket, health, min_debt, WAD, quote_unit, target, False)
        repaid, seized, amounts = registry.seize_plan(terms, tokens)
        c = LiqCase(
            debt,
            cap,
            bucket,
            health,
            min_debt,
            tokens[target][0],
            True,
            tokens[target][4],
            pricings[target],
        )
        (module,) = math_harness.liquidations([as_tuple(c)])
        checks, decisions, _ = liquidation_checks(c, module)
        decisions += [
            ("plan repaid = module", repaid == module.repay, True),
            ("plan seized = module", seized == module.seize, True),
        ] + [
            (
                f"token {i} moves only if targeted",
                amounts[i] != 0,
                i == target and module.seize != 0,
            )
            for i in range(3)
        ]
        report.add((terms, tokens), checks, decisions)
        # a sweep needs collateral worth no more than the debt (unweighted)
        if sum(t[0] * t[1] // 10 ** t[2] for t in tokens) > debt * WAD // quote_unit:
            continue
        sweeps += 1
        repaid, seized, amounts = registry.seize_plan(
            (*terms[:7], 2**256 - 1, False), tokens
        )
        worth = sum(
            (
                seize_exact(0, p)
                + Fraction(a * p.token_price, p.token_unit) * WAD / (WAD + p.bonus)
            )
            * quote_unit
            / WAD
            for a, p in zip(amounts, pricings, strict=True)
        )
        # each token: its repay's three divisions, and a partly taken token's floor carried back
        bound = sum(
            repay_bound(p)
            + seize_bound(p)
            * Fraction(p.token_price * p.quote_unit, p.token_unit * WAD)
            for p in pricings
        )
        whole = [a == t[0] for a, t in zip(amounts, tokens, strict=True)]
        report.add(
            ("sweep", terms, tokens, amounts),
            [
                Check(
                    "sweep: repay vs value seized / (1 + bonus)",
                    repaid,
                    worth,
                    Favour.UP,
                    bound,
                )
            ],
            [("sweep: repay <= cap", repaid <= cap, True)]
            + [
                (f"sweep: token {i} within its balance", a <= t[0], True)
                for i, (a, t) in enumerate(zip(amounts, tokens, strict=True))
            ]
            + [
                (
                    f"sweep: token {i} only after the ones before",
                    amounts[i] == 0 or all(whole[:i]),
                    True,
                )
                for i in range(3)
            ],
        )
    report.assert_clean()
    assert sweeps > 10
