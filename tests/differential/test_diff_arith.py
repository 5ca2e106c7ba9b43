"""The rounding primitives every figure is built from, against exact division.

vault_math._mul_div_down/_mul_div_up and wad_math._ceil_div/_div_floor/_div_ceil: each is
one division, so each must be within 1 wei of the exact quotient, on the side its name says.
"""

from __future__ import annotations

import random
from fractions import Fraction

import ape

from diff_cases import as_tuples, chunks, mul_div_cases, signed_div_cases
from exact_model import Check, Favour, Report

BATCH = 512


def test_mul_div__within_one_wei_on_its_named_side(math_harness):
    cases = mul_div_cases(1_024)
    report = Report()
    for part in chunks(cases, BATCH):
        for c, out in zip(part, math_harness.mul_div(as_tuples(part)), strict=True):
            exact = Fraction(c.x * c.y, c.d)
            report.add(
                c,
                [
                    Check("mul_div_down", out.down, exact, Favour.DOWN),
                    Check("mul_div_up", out.up, exact, Favour.UP),
                    Check("ceil_div", out.ceil, exact, Favour.UP),
                ],
            )
    report.assert_clean()
    assert report.cases == 1_024


def test_signed_div__floor_and_ceil_toward_their_infinities(math_harness):
    cases = signed_div_cases(1_024)
    report = Report()
    for part in chunks(cases, BATCH):
        for c, out in zip(part, math_harness.signed_div(as_tuples(part)), strict=True):
            exact = Fraction(c.x, c.y)
            report.add(
                c,
                [
                    Check("div_floor", out.floor, exact, Favour.DOWN),
                    Check("div_ceil", out.ceil, exact, Favour.UP),
                ],
            )
    report.assert_clean()
    assert report.cases == 1_024


def test_field__every_signed_128_bit_value_round_trips_and_no_other_fits(math_harness):
    """wad_math's field is 128-bit two's complement: -2**127 .. 2**127 - 1 encode to
    x mod 2**128 and decode back exactly, the two ends included (mutation survivor
    wad_math:97:cmp-flip:0 decoded the field of -2**127 as +2**127); one past either end
    reverts with the range reason."""
    rng = random.Random("fields")
    ends = [-(2**127), -(2**127) + 1, -1, 0, 1, 2**127 - 1]
    values = ends + [rng.randint(-(2**127), 2**127 - 1) for _ in range(250)]
    encoded = math_harness.fields(values)
    assert encoded == [x % 2**128 for x in values]
    assert math_harness.unfields(encoded) == values
    for outside in (-(2**127) - 1, 2**127):
        with ape.reverts("bulkhead: value out of range"):
            math_harness.fields([outside])


def test_report__flags_a_figure_on_the_wrong_side():
    """The checker itself: a figure one wei on the user's side of exact, or two wei off
    with a one-division bound, is reported; exact and in-bound figures are not."""
    exact = Fraction(7, 2)
    assert Check("x", 3, exact, Favour.DOWN).problem() is None
    assert Check("x", 4, exact, Favour.DOWN).problem() is not None
    assert Check("x", 4, exact, Favour.UP).problem() is None
    assert Check("x", 3, exact, Favour.UP).problem() is not None
    assert (
        Check("x", 2, exact, Favour.DOWN).problem() is not None
    )  # 1.5 wei > 1 division
    assert Check("x", 2, exact, Favour.DOWN, Fraction(2)).problem() is None
    assert Check("x", 3, Fraction(3), Favour.EXACT).problem() is None
    assert Check("x", 4, Fraction(3), Favour.EXACT).problem() is not None
