"""Attack (V-06): a quote token that charges the *sender* a fee on top of the amount.

The attack. `MockSenderFeeToken` delivers `amount` but takes `amount + fee` from the
sender. The vault checked only inflows (its balance must grow by exactly what it books), so
such a token passed: deposits arrive in full (the payer pays the fee), but every payout the
vault made (an LP exit, a loan, a trader's profit or claim, a liquidator's fee) cost it the
fee on top, taken from the other LPs' cash. Cash then exceeded the token balance, and the
last LPs to leave could not be paid: the first to exit won, the rest lost the fees.

The defence (docs/vault.md, Token policy). `_send` checks that the vault's balance fell by
exactly the amount sent, like the engine's `transfers._push`, and reverts
"vault: fee-on-transfer token" otherwise: the vault never pays more than it books, so cash
stays covered by the balance and no LP pays another's fee. (The engine's module is not
reused: its reasons name the engine.)

Asserted: with the fee on, an LP exit and each engine payout revert with the exact reason
and move nothing (shares, cash, balances); with the fee off (the same token) the same exit
pays the exact preview and cash still equals the balance; both LPs' value is intact.
"""

from __future__ import annotations

import ape
import pytest

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env")

MAX_UINT256 = 2**256 - 1
UNIT = 10**6
WAD = 10**18
FEE_BPS = 100  # 1 % on top, paid by the sender


@pytest.fixture(scope="module")
def fee_vault(project, owner, lp, lp2, trader):
    """A vault (DESIGN's curve) over a 6-decimal sender-fee token, with a MockEngine; lp and
    lp2 deposit 1,000 each while the fee is 0; the engine holds a 300 claim of account 7."""
    token = project.MockSenderFeeToken.deploy("Fee USDC", "fUSDC", 6, sender=owner)
    vault = project.Vault.deploy(
        token,
        "Bulkhead Quote Vault",
        "bhQUOTE",
        0,
        4 * WAD // 100 // (365 * 86400),
        75 * WAD // 100 // (365 * 86400),
        8 * WAD // 10,
        WAD // 10,
        sender=owner,
    )
    engine = project.MockEngine.deploy(vault, sender=owner)
    vault.set_engine(engine, sender=owner)
    for actor in (lp, lp2):
        token.mint(actor, 1_100 * UNIT, sender=actor)
        token.approve(vault, MAX_UINT256, sender=actor)
        vault.deposit(1_000 * UNIT, actor, sender=actor)
    return token, vault, engine


def _state(token, vault, lp, lp2):
    return (
        vault.cash(),
        token.balanceOf(vault),
        vault.balanceOf(lp),
        vault.balanceOf(lp2),
        token.balanceOf(lp),
        vault.totalAssets(),
    )


def test_sender_fee__lp_exit_reverts__nobody_pays_anothers_fee(
    fee_vault, owner, lp, lp2
):
    token, vault, _ = fee_vault
    token.set_fee_bps(FEE_BPS, sender=owner)
    before = _state(token, vault, lp, lp2)
    assert before[0] == before[1] == 2_000 * UNIT
    shares = vault.balanceOf(lp)
    lp2_value = vault.convertToAssets(vault.balanceOf(lp2))

    with ape.reverts("vault: fee-on-transfer token"):
        vault.redeem(shares, lp, lp, sender=lp)
    with ape.reverts("vault: fee-on-transfer token"):
        vault.withdraw(500 * UNIT, lp, lp, sender=lp)

    assert _state(token, vault, lp, lp2) == before  # nothing moved
    # Without the check the redeem would have cost the vault 1,010 (10 of it lp2's cash).
    assert vault.convertToAssets(vault.balanceOf(lp2)) == lp2_value


@pytest.mark.parametrize("payout", ["lend", "pay_pnl", "pay_claim", "pay_fee"])
def test_sender_fee__engine_payouts_revert(fee_vault, owner, lp, lp2, trader, payout):
    token, vault, engine = fee_vault
    if payout == "pay_claim":
        # A claim booked while the fee is off: with 1,500 lent out, a payout of 800 pays the
        # 500 of cash and books 300 as a claim (the vault stays solvent, so it still takes
        # deposits: V-03); then cash returns with an LP deposit.
        engine.lend(1_500 * UNIT, trader, 0, sender=trader)
        engine.pay_pnl(7, 800 * UNIT, sender=trader)
        assert vault.claim_of(7) == 300 * UNIT
        token.mint(lp2, 400 * UNIT, sender=lp2)
        vault.deposit(400 * UNIT, lp2, sender=lp2)
    token.set_fee_bps(FEE_BPS, sender=owner)
    before = _state(token, vault, lp, lp2)
    claims = vault.total_claims()
    call = {
        "lend": lambda: engine.lend(100 * UNIT, trader, 0, sender=trader),
        "pay_pnl": lambda: engine.pay_pnl(1, 100 * UNIT, sender=trader),
        "pay_claim": lambda: engine.pay_claim(7, sender=trader),
        "pay_fee": lambda: engine.pay_fee(100 * UNIT, trader, sender=trader),
    }[payout]
    with ape.reverts("vault: fee-on-transfer token"):
        call()
    assert _state(token, vault, lp, lp2) == before
    assert vault.total_claims() == claims


def test_no_fee__same_token__exit_pays_the_preview_and_books_hold(fee_vault, lp, lp2):
    token, vault, _ = fee_vault
    shares = vault.balanceOf(lp)
    expected = vault.previewRedeem(shares)
    lp2_value = vault.convertToAssets(vault.balanceOf(lp2))
    assert 1_000 * UNIT - 2 <= expected <= 1_000 * UNIT  # rounded down, vault's favour

    assert vault.redeem(shares, lp, lp, sender=lp).return_value == expected

    assert token.balanceOf(lp) == 100 * UNIT + expected
    assert vault.cash() == token.balanceOf(vault) == 2_000 * UNIT - expected
    assert vault.balanceOf(lp) == 0
    assert vault.convertToAssets(vault.balanceOf(lp2)) >= lp2_value
