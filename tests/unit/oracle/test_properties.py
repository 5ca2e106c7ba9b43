"""Property: for random feeds, answers, ages, bands and sequencer rounds, the adapter agrees
with a small Python reference classifier on every view, and the views never revert.

The reference is written from IOracleAdapter's rules, independently of the contract's code:
the price ceiling is checked on the exact product (the contract divides first), and the
precedence is a straight list of checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import ape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from oracle_defaults import DEVIATION, ETH_USD_8, Status

ZERO = "0x0000000000000000000000000000000000000000"
CEILING = 10**36  # the adapter's PRICE_CEILING (checked against the contract below)


@dataclass
class Example:
    decimals: int  # configured
    reported_decimals: int  # what the feed reports at read time
    answer: int
    updated_at: int  # absolute
    heartbeat: int
    min_price: int
    max_price: int
    sequencer: tuple[int, int] | None  # (answer, startedAt) or no sequencer feed
    grace: int
    t: int  # the instant of the read


def reference(ex: Example) -> tuple[int, Status, str]:
    """(price_info price, status, revert reason of price())."""
    grace, started_at = False, 0
    if ex.sequencer is not None:
        answer, started_at = ex.sequencer
        if started_at == 0 or started_at > ex.t or answer not in (0, 1):
            return 0, Status.SEQUENCER_DOWN, "oracle: sequencer status invalid"
        if answer == 1:
            return 0, Status.SEQUENCER_DOWN, "oracle: sequencer down"
        grace = ex.t - started_at < ex.grace
    if ex.reported_decimals != ex.decimals:
        return 0, Status.INVALID, "oracle: WETH decimals mismatch"
    if ex.answer <= 0:
        return 0, Status.INVALID, "oracle: WETH answer <= 0"
    if ex.updated_at == 0:
        return 0, Status.INVALID, "oracle: WETH updatedAt is 0"
    if ex.updated_at > ex.t:
        return 0, Status.INVALID, "oracle: WETH updatedAt in future"
    price = ex.answer * 10 ** (18 - ex.decimals)
    if price > CEILING:
        return 0, Status.INVALID, "oracle: WETH answer too large"
    if ex.t - ex.updated_at > ex.heartbeat:
        return 0, Status.STALE, "oracle: WETH stale"
    if grace:
        if ex.updated_at < started_at:  # frozen by the outage
            return 0, Status.STALE, "oracle: WETH predates restart"
        return price, Status.GRACE, "oracle: sequencer grace period"
    if not ex.min_price <= price <= ex.max_price:
        return price, Status.OUT_OF_BAND, "oracle: WETH out of band"
    return price, Status.OK, ""


def _weighted(data: st.DataObject, weights: dict[str, int], label: str) -> str:
    """Draw a scenario kind with the given weights (so every status shows up often)."""
    return data.draw(
        st.sampled_from([k for k, w in weights.items() for _ in range(w)]), label=label
    )


def draw_example(data: st.DataObject, t: int) -> Example:
    decimals = data.draw(st.integers(1, 18), label="decimals")
    reported = decimals
    if _weighted(data, {"same": 9, "other": 1}, "reported decimals") == "other":
        reported = data.draw(st.integers(0, 255), label="reported_decimals")
    scale = 10 ** (18 - decimals)
    edge = CEILING // scale  # the largest answer whose price is within the ceiling
    answers = {
        "realistic": st.integers(1, 10**6 * 10**decimals),
        "any": st.integers(-(2**255), 2**255 - 1),
        "special": st.sampled_from([0, -1, 1, edge, edge + 1, 2**255 - 1, -(2**255)]),
    }
    answer = data.draw(
        answers[
            _weighted(data, {"realistic": 7, "any": 1, "special": 2}, "answer kind")
        ],
        label="answer",
    )
    heartbeat = data.draw(
        st.one_of(st.sampled_from([60, 3_600, 86_400]), st.integers(1, 7 * 86_400)),
        label="hb",
    )
    ages = {
        "fresh": st.integers(0, heartbeat),
        "edge": st.sampled_from([heartbeat, heartbeat + 1, 0, -1]),
        "any": st.integers(-5, 2 * heartbeat),
        "zero": st.none(),
    }
    age = data.draw(
        ages[_weighted(data, {"fresh": 6, "edge": 2, "any": 1, "zero": 1}, "age kind")],
        label="age",
    )
    price = answer * scale
    anchors = [p for p in (price - 1, price, price + 1) if 1 <= p < CEILING] or [1]
    min_price = data.draw(
        st.one_of(st.sampled_from(anchors), st.integers(1, CEILING - 1)),
        label="min_price",
    )
    max_price = data.draw(
        st.one_of(
            st.sampled_from([a for a in anchors if a > min_price] or [CEILING]),
            st.integers(min_price + 1, CEILING),
        ),
        label="max_price",
    )
    grace = data.draw(st.one_of(st.just(3_600), st.integers(1, 86_400)), label="grace")
    seq_kind = _weighted(
        data,
        {"none": 3, "up": 3, "grace": 3, "down": 1, "malformed": 1},
        "sequencer kind",
    )
    seq_round: tuple[int, int] | None = None
    if seq_kind == "up":
        seq_round = (0, t - data.draw(st.integers(grace, 3 * grace), label="up for"))
    elif seq_kind == "grace":
        seq_round = (0, t - data.draw(st.integers(0, grace - 1), label="up for"))
    elif seq_kind == "down":
        seq_round = (1, t - data.draw(st.integers(0, 3 * grace), label="down for"))
    elif seq_kind == "malformed":
        seq_answer = data.draw(
            st.sampled_from([0, 1, 2, -1, 2**255 - 1]), label="sequencer answer"
        )
        started_ago = data.draw(
            st.one_of(st.none(), st.integers(-5, -1), st.integers(0, 3 * grace)),
            label="ago",
        )
        seq_round = (seq_answer, 0 if started_ago is None else t - started_ago)
    return Example(
        decimals=decimals,
        reported_decimals=reported,
        answer=answer,
        updated_at=0 if age is None else t - age,
        heartbeat=heartbeat,
        min_price=min_price,
        max_price=max_price,
        sequencer=seq_round,
        grace=grace,
        t=t,
    )


def test_reference_constants_match_contract(oracle):
    assert oracle.PRICE_CEILING() == CEILING


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_views_match_reference_and_never_revert(
    oracle, sequencer, weth, weth_feed, owner, clock, data
):
    ex = draw_example(data, clock.later())

    weth_feed.set_decimals(ex.decimals, sender=owner)
    oracle.set_feed(
        weth,
        "WETH",
        weth_feed,
        ex.decimals,
        ex.heartbeat,
        DEVIATION,
        ex.min_price,
        ex.max_price,
        sender=owner,
    )
    weth_feed.set_round(ex.answer, ex.updated_at, sender=owner)
    weth_feed.set_decimals(ex.reported_decimals, sender=owner)
    if ex.sequencer is None:
        oracle.set_sequencer_feed(ZERO, sender=owner)
    else:
        sequencer.set_round(ex.sequencer[0], ex.sequencer[1], ex.t, sender=owner)
        oracle.set_sequencer_feed(sequencer, sender=owner)
    if oracle.grace_period() != ex.grace:
        oracle.set_grace_period(ex.grace, sender=owner)
    clock.warp(ex.t)

    price, status, reason = reference(ex)
    event(f"status {status.name}")
    assert tuple(oracle.price_info(weth)) == (price, status)
    assert [tuple(i) for i in oracle.price_info_many([weth, weth])] == [
        (price, status)
    ] * 2
    seq_expected = status if status in (Status.SEQUENCER_DOWN, Status.GRACE) else None
    if seq_expected is not None:
        assert oracle.sequencer_status() == seq_expected
    if status == Status.OK:
        assert tuple(oracle.try_price(weth)) == (price, True)
        assert oracle.price(weth) == price
    else:
        assert tuple(oracle.try_price(weth)) == (0, False)
        with ape.reverts(reason):
            oracle.price(weth)
    # The price is non-zero exactly for OK, GRACE and OUT_OF_BAND.
    assert (price > 0) == (status in (Status.OK, Status.GRACE, Status.OUT_OF_BAND))


def test_reference_sanity():
    """The reference itself on a hand-made healthy example (guards against a vacuous reference)."""
    t = 2_000_000_000
    ex = Example(8, 8, ETH_USD_8, t - 10, 3_600, 1, CEILING, (0, t - 3_600), 3_600, t)
    assert reference(ex) == (3_000 * 10**18, Status.OK, "")
    assert (
        reference(
            Example(
                8, 8, ETH_USD_8, t - 10, 3_600, 1, CEILING, (0, t - 3_599), 3_600, t
            )
        )[1]
        == Status.GRACE
    )
