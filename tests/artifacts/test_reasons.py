"""Every revert reason in the contracts is checked, verbatim, by at least one test."""

from scripts import _reasons

# Reasons that no test can reach, each with the argument why (keep this list short).
UNREACHABLE: dict[str, str] = {
    "vault: debt index overflow": (
        "packed-slot guard: the index starts at 1e18 and grows at most 1000%/yr; reaching 2**192 "
        "needs ~9 years at the capped rate and 100% utilisation, beyond anvil's timestamp range in a test"
    ),
    "vault: reserve overflow": (
        "packed-slot guard: the reserve is a share of interest and fees in quote units; 2**128 units "
        "exceed any token supply a test (or mainnet) can mint alongside the vault's other balances"
    ),
}


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
    assert set(UNREACHABLE) <= set(_reasons.contract_reasons())
