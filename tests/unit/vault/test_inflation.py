"""The classic ERC-4626 inflation (donation) attack, against an empty vault.

The attacker deposits 1 wei, inflates the share price with a large gift, and a victim then
deposits. Two gifts are tried:
- a plain token transfer to the vault: not on the books (cash is internal), so the price
  does not move at all: the victim loses nothing, the attacker loses the whole gift;
- a gift the books DO count (trading losses booked through the engine, the only way to raise
  totalAssets): the 10**6 virtual shares of the decimals offset keep the victim's loss under
  the value of one share unit, about gift / (2 * 10**6), and the attacker loses about half
  the gift: some 10**6 times what the victim loses.
Numbers for 6 decimals (USDC), gift 10,000 and victim deposit 1,000 whole tokens:
plain transfer: victim loss 0, attacker loss 10,000 tokens;
booked gift: victim loss 4,546 wei (0.004546 USDC), attacker loss 4,999.997728 USDC.
The same figures are computed here from the contract's offset and compared exactly.
"""

from __future__ import annotations

from vault_model import Prices

GIFT_TOKENS = 10_000
VICTIM_TOKENS = 1_000


def _attack_setup(vault, fund, attacker) -> int:
    fund(attacker, 1)
    vault.deposit(1, attacker, sender=attacker)
    assert vault.balanceOf(attacker) == 10 ** vault.DECIMALS_OFFSET()
    return vault.balanceOf(attacker)


def test_inflation__plain_donation__victim_loses_nothing_attacker_loses_the_gift(
    vault, quote, fund, attacker, lp, unit, stranger
):
    _attack_setup(vault, fund, attacker)
    gift, victim_deposit = GIFT_TOKENS * unit, VICTIM_TOKENS * unit
    quote.mint(attacker, gift, sender=attacker)
    quote.transfer(vault, gift, sender=attacker)
    assert vault.totalAssets() == 1  # the donation is not on the books

    fund(lp, victim_deposit)
    vault.deposit(victim_deposit, lp, sender=lp)

    victim_value = vault.previewRedeem(vault.balanceOf(lp))
    attacker_value = vault.previewRedeem(vault.balanceOf(attacker))
    assert victim_value == victim_deposit  # victim loss: 0
    assert attacker_value == 1  # the attacker gets back its 1 wei, not the gift
    # Skimming does not hand the gift back either: it goes to the reserve.
    vault.skim(sender=stranger)
    assert vault.reserve() == gift
    assert vault.previewRedeem(vault.balanceOf(attacker)) == 1
    assert vault.previewRedeem(vault.balanceOf(lp)) == victim_deposit


def test_inflation__booked_gift__victim_loss_tiny_attacker_loss_a_million_times_more(
    vault, quote, fund, gift, attacker, lp, unit
):
    attacker_shares = _attack_setup(vault, fund, attacker)
    amount, victim_deposit = GIFT_TOKENS * unit, VICTIM_TOKENS * unit
    gift(amount)  # e.g. deliberate trading losses; the attacker pays them
    assert vault.totalAssets() == 1 + amount

    expected_shares = Prices.of(vault).deposit(victim_deposit)
    fund(lp, victim_deposit)
    vault.deposit(victim_deposit, lp, sender=lp)
    assert vault.balanceOf(lp) == expected_shares

    prices = Prices.of(vault)
    victim_loss = victim_deposit - vault.previewRedeem(expected_shares)
    attacker_loss = (1 + amount) - vault.previewRedeem(attacker_shares)
    assert victim_loss == victim_deposit - prices.redeem(expected_shares)
    assert attacker_loss == (1 + amount) - prices.redeem(attacker_shares)

    # The victim loses less than one share unit is worth after the gift...
    one_share_unit = (1 + amount + 1) / (
        attacker_shares + 10 ** vault.DECIMALS_OFFSET()
    )
    assert victim_loss <= one_share_unit
    # ...which is 10**-6 of the gift, while the attacker forfeits about half of it.
    assert attacker_loss > amount * 49 // 100
    assert attacker_loss > victim_loss * 10 ** vault.DECIMALS_OFFSET()
    if unit == 10**6:  # the figures quoted above and in docs/vault.md
        assert (victim_loss, attacker_loss) == (4_546, 4_999_997_728)
