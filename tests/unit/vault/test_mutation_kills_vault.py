"""Tests added for survivors of the mutation run (docs/mutation.md), vault side.

The lock, function by function: the vault's quote token has a transfer hook that calls back
into the vault, so during a deposit (the vault pulls the tokens while holding its lock)
every external function must revert with no data (the lock's revert), and the very same
call made from the same hook outside any vault action must answer (or revert with its own
reason). A mutant that adds ``@reentrant`` to one function, or drops
``# pragma nonreentrancy on``, makes that function answer mid-action.
"""

from __future__ import annotations

import pytest
from eth_abi import decode
from vault_model import MAX_UINT256

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
SEED = 1_000 * 10**6
NOT_ENGINE = "vault: caller is not the engine"
NOT_OWNER = "vault: caller is not the owner"

# Public constants and immutables: Vyper compiles their getters without the lock (they read
# no storage, so nothing an action changes).
UNLOCKED = {"MAX_BORROW_RATE", "DECIMALS_OFFSET", "name", "symbol", "decimals", "asset"}


def _reason(data: bytes) -> str:
    assert data[:4] == ERROR_SELECTOR, data
    return decode(["string"], data[4:])[0]


@pytest.fixture(scope="module")
def hook_quote(project, owner):
    """A 6-decimal quote token whose transfers call a configurable target (once per arming)."""
    return project.MockReentrantToken.deploy("Hook Quote", "HQ", 6, sender=owner)


@pytest.fixture(scope="module")
def hook_vault(deploy_vault, hook_quote, lp):
    """A vault over the hook token (no engine), seeded by the LP."""
    vault = deploy_vault(hook_quote)
    hook_quote.mint(lp, 2 * SEED, sender=lp)
    hook_quote.approve(vault, MAX_UINT256, sender=lp)
    vault.deposit(SEED, lp, sender=lp)
    return vault


def _calls(lp) -> dict[str, tuple[tuple, str | None]]:
    """Every external function of the vault with arguments, and what the call does from the
    hook (the token contract) OUTSIDE a vault action: None = it succeeds, else its reason."""
    return {
        # LP actions
        "deposit": ((0, lp), "vault: zero assets"),
        "mint": ((0, lp), "vault: zero shares"),
        "withdraw": ((0, lp, lp), "vault: zero assets"),
        "redeem": ((0, lp, lp), "vault: zero shares"),
        "accrue": ((), None),
        "skim": ((), None),
        # engine only
        "lend": ((1, lp, 0), NOT_ENGINE),
        "pay_fee": ((1, lp), NOT_ENGINE),
        "take_repayment": ((1, 1), NOT_ENGINE),
        "pay_pnl": ((1, 1), NOT_ENGINE),
        "pay_claim": ((1,), NOT_ENGINE),
        "take_pnl": ((1, 0), NOT_ENGINE),
        "book_settlement_debt": ((0, 0, 0), NOT_ENGINE),
        "write_off": ((0,), NOT_ENGINE),
        # owner and guardian
        "withdraw_reserve": ((1, lp), NOT_OWNER),
        "set_engine": ((lp,), NOT_OWNER),
        "set_interest_model": ((0, 0, 0, 1), NOT_OWNER),
        "set_reserve_factor": ((0,), NOT_OWNER),
        "set_guardian": ((lp,), NOT_OWNER),
        "pause_deposits": ((), "vault: caller is not the guardian"),
        "unpause_deposits": ((), NOT_OWNER),
        "transfer_ownership": ((lp,), NOT_OWNER),
        "accept_ownership": ((), "vault: caller is not the pending owner"),
        # the share token
        "transfer": ((lp, 0), None),
        "transferFrom": ((lp, lp, 0), None),
        "approve": ((lp, 0), None),
        "name": ((), None),
        "symbol": ((), None),
        "decimals": ((), None),
        "totalSupply": ((), None),
        "balanceOf": ((lp,), None),
        "allowance": ((lp, lp), None),
        # ERC-4626 and accounting views
        "asset": ((), None),
        "totalAssets": ((), None),
        "convertToShares": ((1,), None),
        "convertToAssets": ((1,), None),
        "maxDeposit": ((lp,), None),
        "maxMint": ((lp,), None),
        "maxWithdraw": ((lp,), None),
        "maxRedeem": ((lp,), None),
        "previewDeposit": ((1,), None),
        "previewMint": ((1,), None),
        "previewWithdraw": ((1,), None),
        "previewRedeem": ((1,), None),
        "debt_index": ((), None),
        "total_debt": ((), None),
        "utilization": ((), None),
        "cash": ((), None),
        "last_accrual": ((), None),
        "borrow_rate": ((), None),
        "reserve": ((), None),
        "free_cash": ((), None),
        "book_assets": ((), None),
        "deficit": ((), None),
        "share_price": ((), None),
        "base_rate": ((), None),
        "slope1": ((), None),
        "slope2": ((), None),
        "kink": ((), None),
        "reserve_factor": ((), None),
        "owner": ((), None),
        "pending_owner": ((), None),
        "guardian": ((), None),
        "engine": ((), None),
        "deposits_paused": ((), None),
        "total_claims": ((), None),
        "claim_of": ((1,), None),
        "claims_booked": ((), None),
        "claim_end": ((1,), None),
        "total_debt_shares": ((), None),
        "MAX_BORROW_RATE": ((), None),
        "DECIMALS_OFFSET": ((), None),
    }


def _arm(token, vault, name, args, sender):
    token.arm(vault, getattr(vault, name).encode_input(*args), False, sender=sender)


def test_every_vault_function__is_classified(hook_vault, lp):
    """The table covers the whole ABI: a new function must be checked here too."""
    functions = {a.name for a in hook_vault.contract_type.abi if a.type == "function"}
    assert set(_calls(lp)) == functions
    assert UNLOCKED < functions


def test_locked_functions__from_a_hook_mid_deposit__revert_with_the_lock(
    hook_vault, hook_quote, lp
):
    """deposit -> quote.transferFrom -> hook -> vault.<f>: the lock reverts (no revert data)
    for every function but the constants and immutables; each deposit goes through."""
    vault, token = hook_vault, hook_quote
    locked = [n for n in _calls(lp) if n not in UNLOCKED]
    shares = vault.balanceOf(lp)
    answered = []
    for name in locked:
        _arm(token, vault, name, _calls(lp)[name][0], lp)
        vault.deposit(10**6, lp, sender=lp)
        assert token.hook_called(), name
        if token.hook_success() or token.hook_return() != b"":
            answered.append(name)
    assert answered == []
    assert vault.cash() == token.balanceOf(vault) == SEED + len(locked) * 10**6
    assert vault.balanceOf(lp) > shares


def test_locked_functions__same_call_outside_an_action__answer(
    hook_vault, hook_quote, lp, stranger
):
    """The twin: the same calls from the same hook, run by a plain wallet-to-wallet transfer
    (no vault action under way), succeed or revert with their own reason, so a missing lock
    would show in the test above."""
    vault, token = hook_vault, hook_quote
    for name, (args, reason) in _calls(lp).items():
        _arm(token, vault, name, args, lp)
        token.transfer(stranger, 1, sender=lp)
        assert token.hook_called(), name
        if reason is None:
            assert token.hook_success(), (name, token.hook_return())
        else:
            assert not token.hook_success(), name
            assert _reason(token.hook_return()) == reason, name


def test_constants_and_immutables__from_a_hook_mid_deposit__answer(
    hook_vault, hook_quote, lp
):
    vault, token = hook_vault, hook_quote
    for name in sorted(UNLOCKED):
        _arm(token, vault, name, (), lp)
        vault.deposit(10**6, lp, sender=lp)
        assert token.hook_called() and token.hook_success(), name


# ---- the packed-slot guards, reached ----------------------------------------------------
# Both were listed as unreachable (tests/artifacts/test_reasons.py). At the capped rate held
# flat (base rate = MAX_BORROW_RATE, no slopes) a yearly accrual multiplies the index by
# 1 + rate x 1 year (about 11), so a few decades of yearly accruals reach either bound.
YEAR = 365 * 86_400
WAD = 10**18
INDEX_MASK = 2**192 - 1
AMOUNT_MASK = 2**128 - 1


def _ceil_div(x: int, y: int) -> int:
    return -(-x // y)


def _max_rate_debt(vault, engine, seed, owner, trader, chain, reserve_factor):
    """One wei lent (one debt share) at the capped flat rate; returns (rate, last accrual)."""
    seed()
    rate = vault.MAX_BORROW_RATE()
    vault.set_interest_model(rate, 0, 0, vault.kink(), sender=owner)
    vault.set_reserve_factor(reserve_factor, sender=owner)
    engine.lend(1, trader, 0, sender=trader)
    assert vault.total_debt_shares() == 1
    return rate, vault.last_accrual()


def _saturating_step(index: int, rate: int, dt: int) -> int:
    """The vault's accrual of the index over `dt` (V-08): no growth once the debt of the
    one debt share, ceil(index / WAD), has reached 2**128 - 1; capped at 2**192 - 1."""
    if _ceil_div(index, WAD) >= AMOUNT_MASK:
        return index
    return min(_ceil_div(index * (WAD + rate * dt), WAD), INDEX_MASK)


def test_debt_index__saturates__accrual_never_reverts(
    vault, engine, seed, owner, trader, chain
):
    """The index shares its slot with the accrual time. Accrual saturates (V-08): interest
    stops once total debt reaches 2**128 - 1, and an accrual that would take the index past
    2**192 - 1 stores 2**192 - 1; every accrual stores exactly the model's index."""
    rate, last = _max_rate_debt(vault, engine, seed, owner, trader, chain, 0)
    index, years = WAD, 0
    while _ceil_div(_saturating_step(index, rate, YEAR), WAD) < AMOUNT_MASK:
        last += YEAR
        chain.pending_timestamp = last
        vault.accrue(sender=trader)
        index = _saturating_step(index, rate, YEAR)
        assert vault.debt_index() == index
        years += 1
    assert years == 37  # the index grows about 11x a year
    # A 20-year gap would take the index past 2**192 - 1: it stops there.
    last += 20 * YEAR
    chain.pending_timestamp = last
    vault.accrue(sender=trader)
    assert index * 201 > INDEX_MASK
    assert vault.debt_index() == _saturating_step(index, rate, 20 * YEAR) == INDEX_MASK
    assert vault.last_accrual() == last
    # The debt is now past 2**128 - 1: interest has stopped, the clock still moves.
    last += YEAR
    chain.pending_timestamp = last
    receipt = vault.accrue(sender=trader)
    assert vault.debt_index() == INDEX_MASK and vault.last_accrual() == last
    assert [
        (e.interest, e.to_reserve) for e in receipt.events.filter(vault.InterestAccrued)
    ] == [(0, 0)]


def test_reserve__saturates_at_2_pow_128__accrual_never_reverts(
    vault, engine, seed, owner, trader, chain
):
    """The reserve shares its slot with cash: with the whole interest going to the reserve
    (factor 1), every accrual stores exactly the interest accrued (one debt share: debt =
    ceil(index / WAD)) until the reserve would pass 2**128 - 1; it stays there (V-08), and
    totalAssets stays cash + debt - reserve."""
    rate, last = _max_rate_debt(vault, engine, seed, owner, trader, chain, WAD)
    index, saturated = WAD, None
    for years in range(1, 41):
        last += YEAR
        chain.pending_timestamp = last
        vault.accrue(sender=trader)
        index = _saturating_step(index, rate, YEAR)
        reserve = _ceil_div(index, WAD) - 1  # all the interest since the 1-wei loan
        assert vault.reserve() == min(reserve, AMOUNT_MASK)
        if reserve > AMOUNT_MASK and saturated is None:
            saturated = years
        assert vault.totalAssets() == max(
            0, vault.cash() + vault.total_debt() - vault.reserve()
        )
    assert saturated == 38 and index < INDEX_MASK
    assert vault.last_accrual() == last


MAX_MARK = (
    2**128 - 1
)  # Vault.vy's MAX_MARK: a private constant, no getter to read it from
# (net_pnl, reserved, band): one figure past MAX_MARK, the others ordinary.
MARKS_ONE_OUT_OF_RANGE = {
    "profit_above": (MAX_MARK + 1, 0, 0),
    "loss_below": (-(MAX_MARK + 1), 0, 0),
    "reserved_above": (0, MAX_MARK + 1, 0),
    "band_above": (0, 0, MAX_MARK + 1),
}


@pytest.mark.parametrize(
    "marks", MARKS_ONE_OUT_OF_RANGE.values(), ids=MARKS_ONE_OUT_OF_RANGE.keys()
)
def test_marks__any_one_figure_past_max_mark__unusable(
    vault, engine, seed, lp, trader, marks
):
    """The vault reads the engine's marks as unusable (no deposit, nothing free) when any ONE
    figure is out of range, not only when several are (mutation survivor
    Vault:1022:logic-swap:0 turned one `or` into `and`). Twin, first: the same marks with
    that figure back in range are usable."""
    seed()
    engine.set_marks(
        *(0 if abs(x) > MAX_MARK else x for x in marks), True, sender=trader
    )
    assert vault.maxDeposit(lp) > 0
    assert vault.free_cash() > 0
    assert vault.maxRedeem(lp) > 0
    engine.set_marks(*marks, True, sender=trader)
    assert vault.maxDeposit(lp) == 0
    assert vault.free_cash() == vault.maxWithdraw(lp) == vault.maxRedeem(lp) == 0
