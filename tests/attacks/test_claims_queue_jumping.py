"""Attack (V-05): a newer claim on the vault jumps the queue and takes an older claim's cash.

The attack. When the vault cannot pay a trader's realised profit, the rest is booked as a
claim (DESIGN, Money flows) and paid "first when cash returns". `pay_claim` used to pay
`min(claim, cash)` to whichever claimant acted first: the audit saw an older claim of
21,329 USDC left 12,640 short while a newer one was paid in full. A claimant that watches
repayments (or one with a bot) could always take the returning cash from slower claimants.

The defence (docs/vault.md, Claims). Claims are a FIFO queue: each booking extends
`claims_booked` and the account's claim ends there (`claim_end`); cash funds the queue from
its front, so the unfunded part is always its last max(0, total_claims - cash) units and a
claim is paid only from cash that every earlier claim leaves over. O(1), no loop, so no
claimant can grief another by making the queue long, and an older claimant that never acts
keeps its cash earmarked without blocking later claims that cash also covers.

Asserted: the newer claimant acting first gets only the cash past the older claim; the
older claim stays fully funded and is then paid in full; the honest order gives the same
end state; every unit paid is a unit of cash that came back (nobody gains another's cash,
LP free cash never includes claimed cash); a claimant that never acts does not block.
"""

from __future__ import annotations

import pytest
from attack_helpers import account, report, set_price, trade
from engine_defaults import CROSS, MAX_UINT256

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")


@pytest.fixture
def two_claims(attack_env, attack_clock, owner, trader, trader2, attacker, liquidator):
    """trader (the older claim) and attacker (the newer) each hold an ETH long; liquidator's
    account borrows every unit of free cash; ETH doubles; trader closes, then attacker:
    both profits become claims (the older first). Returns (env, older, newer, borrower)."""
    env = attack_env
    engine, vault = env.engine, env.vault
    attack_clock(env)
    older = account(env, trader, CROSS, USDC=100_000)
    trade(env, trader, older, "ETH", "10")
    newer = account(env, attacker, CROSS, USDC=100_000)
    trade(env, attacker, newer, "ETH", "5")
    borrower = account(env, liquidator, CROSS, WETH=1_000)
    engine.borrow(borrower, vault.free_cash(), liquidator, sender=liquidator)
    assert vault.free_cash() == 0
    set_price(env, owner, "WETH", "6000")
    engine.close_position(older, env.markets["ETH"], 0, sender=trader)
    engine.close_position(newer, env.markets["ETH"], 0, sender=attacker)
    a, b = vault.claim_of(older), vault.claim_of(newer)
    assert a > b > 0 and vault.total_claims() == a + b
    assert vault.claims_booked() == a + b
    assert (vault.claim_end(older), vault.claim_end(newer)) == (a, a + b)
    assert engine.claim_of(older) == a and engine.claim_of(newer) == b
    return env, older, newer, borrower


def _cash_returns(env, liquidator, borrower, amount: int) -> None:
    """The borrower repays `amount` quote units: that much cash comes back."""
    env.quote.mint(liquidator, amount, sender=liquidator)
    env.quote.approve(env.engine, MAX_UINT256, sender=liquidator)
    env.engine.repay(borrower, amount, sender=liquidator)


def _collect(env, actor, account_id) -> int:
    """The account's owner withdraws 1 quote unit: its claim is collected first. Returns
    the amount collected (0 when the ClaimCollected event is absent)."""
    receipt = env.engine.withdraw_collateral(
        account_id, env.quote, 1, actor, sender=actor
    )
    events = receipt.events.filter(env.engine.ClaimCollected)
    return events[0].amount if events else 0


def test_newer_claim_acting_first__takes_only_cash_past_the_older_claim(
    two_claims, trader, attacker, liquidator
):
    env, older, newer, borrower = two_claims
    engine, vault = env.engine, env.vault
    a, b = vault.claim_of(older), vault.claim_of(newer)
    cash0 = vault.cash()
    back = a + b // 2 - cash0  # cash covers the older claim and half the newer
    _cash_returns(env, liquidator, borrower, back)
    assert vault.cash() == a + b // 2

    # The attack: the newer claimant acts first.
    got = _collect(env, attacker, newer)

    assert got == b // 2  # only the cash past the older claim (was: all of b)
    assert vault.claim_of(newer) == engine.claim_of(newer) == b - b // 2
    assert vault.cash() == a  # the older claim stays funded
    assert vault.total_claims() == a + b - b // 2
    assert vault.free_cash() == 0
    # Acting again changes nothing until more cash comes back.
    assert _collect(env, attacker, newer) == 0

    # The older claimant acts later and is paid in full.
    assert _collect(env, trader, older) == a
    assert vault.claim_of(older) == engine.claim_of(older) == 0
    assert vault.cash() == 0
    # Value: every unit paid came back as cash; nobody took another's.
    assert got + a == back + cash0
    report("claims_queue", older=a, newer=b, newer_got=got)


def test_honest_order__older_first__same_end_state(
    two_claims, trader, attacker, liquidator
):
    env, older, newer, borrower = two_claims
    vault = env.vault
    a, b = vault.claim_of(older), vault.claim_of(newer)
    back = a + b // 2 - vault.cash()
    _cash_returns(env, liquidator, borrower, back)

    assert _collect(env, trader, older) == a
    assert _collect(env, attacker, newer) == b // 2
    assert vault.claim_of(newer) == b - b // 2
    assert vault.total_claims() == b - b // 2 and vault.cash() == 0


def test_older_claimant_never_acts__does_not_block_later_claims(
    two_claims, attacker, liquidator
):
    """Cash past the older claim pays the newer in full while the older claim keeps its
    cash earmarked: LP free cash never includes it."""
    env, older, newer, borrower = two_claims
    vault = env.vault
    a, b = vault.claim_of(older), vault.claim_of(newer)
    _cash_returns(env, liquidator, borrower, a + b + 1_000 * env.q - vault.cash())

    assert _collect(env, attacker, newer) == b
    assert vault.claim_of(newer) == 0
    assert vault.claim_of(older) == vault.total_claims() == a
    assert vault.cash() == a + 1_000 * env.q
    assert vault.free_cash() <= 1_000 * env.q  # the older claim's cash is not free
