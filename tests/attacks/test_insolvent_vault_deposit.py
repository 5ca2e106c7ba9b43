"""Attack: a deposit into an insolvent vault pays the old LPs' deficit (V-03).

The attack. When the traders' unrealised profit exceeds everything the vault has,
`totalAssets()` floors at 0 and hides the deficit; `maxDeposit` stayed unlimited, and a new
LP's 50,000 was worth 0 the moment it landed (it went to pay an old claim).

The defence (docs/vault.md, Equity and deficit). The vault keeps its equity signed
(cash + debt − reserve − claims − net PnL) and shows `deficit()`; while the deficit is
> 0 (or equity is 0 with shares outstanding), `maxDeposit`/`maxMint` read 0 and
`deposit`/`mint` revert "vault: equity <= 0".

Asserted: the deposit and the mint revert with the reason and move nothing; the deficit
view equals the books' shortfall; the twin (the same deposit once prices recover) is worth
what it paid, up to rounding in the vault's favour.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import account, lp_ready, set_price, trade
from engine_defaults import CROSS

pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

REASON = "vault: equity <= 0"


@pytest.fixture
def deficit_book(attack_env, attack_clock, owner, trader):
    """A trader long 160 ETH from 3,000; ETH then trades at 10,000: the long is up about
    1,120,000, more than the 1,000,000 vault has."""
    env = attack_env
    attack_clock(env)
    acct = account(env, trader, CROSS, USDC=100_000)
    trade(env, trader, acct, "ETH", "160")
    set_price(env, owner, "WETH", "10000")
    return env, acct


def test_deposit__insolvent_vault__reverts_twin_after_recovery(
    deficit_book, owner, lp2
):
    env, _ = deficit_book
    vault, q = env.vault, env.q
    net_pnl = env.engine.vault_marks()[0]
    shortfall = (
        net_pnl
        + vault.reserve()
        + vault.total_claims()
        - vault.cash()
        - vault.total_debt()
    )
    assert shortfall > 0
    assert vault.deficit() == shortfall
    assert vault.totalAssets() == 0
    lp_ready(env, lp2, 50_000 * q)
    assert (vault.maxDeposit(lp2), vault.maxMint(lp2)) == (0, 0)
    supply, cash = vault.totalSupply(), vault.cash()
    with ape.reverts(REASON):
        vault.deposit(50_000 * q, lp2, sender=lp2)
    with ape.reverts(REASON):
        vault.mint(10**12, lp2, sender=lp2)
    assert (vault.totalSupply(), vault.cash(), env.quote.balanceOf(lp2)) == (
        supply,
        cash,
        50_000 * q,
    )

    # The twin: ETH back at 3,000, the vault has equity again and the deposit keeps its value.
    set_price(env, owner, "WETH", "3000")
    assert vault.deficit() == 0 and vault.maxDeposit(lp2) == 2**256 - 1
    total = vault.totalAssets(block_id="pending")
    band = env.engine.vault_marks(block_id="pending")[2]
    preview = vault.previewDeposit(50_000 * q, block_id="pending")
    shares = vault.deposit(50_000 * q, lp2, sender=lp2).return_value
    assert shares == preview
    # Priced at the entry price (totalAssets + band): worth its amount less the band's part.
    worth = vault.convertToAssets(shares)
    assert 50_000 * q * total // (total + band) - 2 <= worth <= 50_000 * q
