"""Attack M-1 (issue 16): one wei of a badly fed second collateral shields an account.

The attack. A cross account borrows against WETH and also holds 1 wei of MEME. When MEME's
feed goes stale (or its answer predates a sequencer restart, or the feed is removed), every
price batch the liquidation reads fails on MEME: `liquidate` reverted "oracle: MEME stale"
and `is_liquidatable` read False, even at a debt far above the WETH's worth. The owner
picks the shield; a MEME holder cannot be told apart from an attacker.

The defence (DESIGN.md, Rules that hold after every action; module `health`). Outside
risk-adding actions, a collateral token whose price is unusable (not because the sequencer
is down) counts as 0 and is skipped for seizing; the quote's and the markets' prices must
still be usable. Risk-adding actions still need every price OK.

Asserted: the shielded account is liquidatable (engine, Lens page, Lens quote), its WETH is
seized at the bonus for exactly the debt repaid, and the MEME wei stays; the twins: seizing
the unpriced MEME reverts with the plan's reason, a borrow still reverts on the stale
MEME, and a healthy account holding the same dust is not liquidatable.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import go_stale, account, fund, seize_for, set_price
from engine_defaults import CROSS, MAX_UINT256, WAD, Status, wad

pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")


@pytest.fixture(scope="module")
def shielded(attack_env, attack_clock, attacker, trader):
    """The attacker's cross account: 10 WETH and 1 wei of MEME, 20,000 USDC owed. The
    trader's cross account: 10 WETH and 1 wei of MEME, 5,000 USDC owed (healthy)."""
    env = attack_env
    attack_clock(env)
    ids = {}
    for name, actor, debt in (("shield", attacker, 20_000), ("healthy", trader, 5_000)):
        account_id = account(env, actor, CROSS, WETH=10)
        env.tokens["MEME"].mint(actor, 1, sender=actor)
        env.tokens["MEME"].approve(env.engine, MAX_UINT256, sender=actor)
        env.engine.deposit_collateral(account_id, env.tokens["MEME"], 1, sender=actor)
        env.engine.borrow(account_id, debt * env.q, actor, sender=actor)
        ids[name] = account_id
    return env, ids


def test_dust_collateral_shield__stale_dust_token__account_is_liquidated(
    shielded, chain, owner, liquidator
):
    env, ids = shielded
    engine, weth, meme = env.engine, env.tokens["WETH"], env.tokens["MEME"]
    victim = ids["shield"]
    fund(env, liquidator, "USDC", 50_000)
    go_stale(env, chain, owner, "MEME")
    set_price(env, owner, "WETH", "2300")  # wc_maint 19,550 < 20,000 of debt
    health = engine.account_health(victim)
    assert health.priced and health.status & Status.STALE
    assert health.liquidatable and engine.is_liquidatable(victim)
    assert victim in [c.account_id for c in env.lens.liquidatable(0, 100)]
    assert ids["healthy"] not in [c.account_id for c in env.lens.liquidatable(0, 100)]
    quote = env.lens.quote_liquidation(victim, weth, block_id="pending")
    assert not quote.reverts and quote.seizes

    debt = engine.debt_of(victim, block_id="pending")
    receipt = engine.liquidate(
        victim, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    )
    repaid, seized, fee = receipt.return_value
    bonus = engine.collateral_config(weth).liquidation_bonus
    assert fee == 0 and 0 < repaid <= debt
    assert seized == seize_for(repaid, WAD, env.q, wad("2300"), 10**18, bonus)
    assert (repaid, seized) == (quote.repay, quote.seized)
    assert weth.balanceOf(liquidator) == seized
    assert engine.collateral_of(victim, weth) == 10**18 * 10 - seized
    assert engine.collateral_of(victim, meme) == 1  # skipped: never seized at price 0
    # The liquidator paid the repay and took WETH worth the repay plus the bonus.
    assert seized * 2300 * env.q // 10**18 >= repaid


def test_dust_collateral_shield__unpriced_token__cannot_be_seized_or_borrowed_against(
    shielded, chain, owner, liquidator
):
    env, ids = shielded
    engine, meme = env.engine, env.tokens["MEME"]
    fund(env, liquidator, "USDC", 50_000)
    go_stale(env, chain, owner, "MEME")
    set_price(env, owner, "WETH", "2300")
    quote = env.lens.quote_liquidation(ids["shield"], meme)
    assert (quote.reverts, quote.reason) == (True, "engine: seize token unpriced")
    with ape.reverts("engine: seize token unpriced"):
        engine.liquidate(
            ids["shield"], MAX_UINT256, meme, 0, liquidator, sender=liquidator
        )
    assert engine.collateral_of(ids["shield"], meme) == 1
    # Risk-adding actions still need every price OK: the healthy account cannot borrow.
    with ape.reverts("oracle: MEME stale"):
        engine.borrow(
            ids["healthy"], env.q, owner, sender=engine.owner_of(ids["healthy"])
        )
    assert not engine.is_liquidatable(ids["healthy"])
