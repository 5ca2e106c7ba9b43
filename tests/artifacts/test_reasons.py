"""Every revert reason in the contracts is checked, verbatim, by at least one test."""

from scripts import _reasons

# Reasons that no test can reach, each with the argument why (keep this list short).
UNREACHABLE: dict[str, str] = {}


def test_every_revert_reason__is_checked_by_a_test():
    missing = [
        (src, reason)
        for src, reason in _reasons.unchecked()
        if reason not in UNREACHABLE
    ]
    assert missing == [], "revert reasons without a test: " + ", ".join(
        f"{s}: {r}" for s, r in missing
    )


def test_unreachable_list__only_names_existing_reasons():
    # Empty since issue 16 (V-08): the two packed-slot guards it listed saturate instead.
    assert set(UNREACHABLE) <= set(_reasons.contract_reasons())
