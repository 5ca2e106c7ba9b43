"""Attack: dust positions and loans that nobody would liquidate.

The attack. Open many tiny loans or positions (or leave a tiny remainder after a repay, a
decrease or a liquidation) so small that the liquidator's reward is worth less than the
gas of liquidating them. When the price turns they stay, unliquidated, and their losses
fall on the LPs.

The defence (DESIGN.md, Default parameters; docs/engine.md, Borrowing; docs/perps.md §3;
docs/liquidation.md, Rules). A loan is at least `min_debt` (10 USDC) after every borrow and
every partial repay ("engine: debt below minimum"); a position is 0 or at least its
market's `min_notional` (10 USD) after every trade, decreases included ("registry: position
below min notional"). A liquidation never leaves dust: a position closes whole, a cross
account whose half-debt repay would leave less than the minimum is closed in full, and a
repay cap that would leave a dust rest shrinks so the minimum remains (never a revert).
The smallest allowed loan pays the liquidator the seize bonus (5 % of 10 USDC for WETH),
the smallest position the liquidation fee (1 % of 10 USD for ETH).

Asserted: each minimum with its exact boundary (one unit below reverts, at the minimum
works); the repay of a liquidation for caps around the dust boundary, against module
`liquidation`'s formula (`attack_helpers.liq_amounts`), with no dust left; and, for the
smallest loan and the smallest position, the liquidator's gain against the measured gas at
a stated L2 gas price (GAS_PRICE below).

Settlement debt is exempt from the minimum debt and a close is never checked, so an owner
can close a losing position whose loss exceeds its quote-only bucket and leave a debt with
no collateral (any size, from 1 wei), which no liquidator is paid to clear (F3). Since
V-04's defence the close writes such debt off in the same transaction (tested below;
value checks in test_exit_ahead_of_write_off.py).
Unit tests that go less far: tests/unit/engine/test_debt.py (minimum debt),
tests/unit/engine/test_positions.py (min notional), tests/unit/engine/test_liquidation.py
("dust_remainder_shrinks_the_repay", one cap).
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import (
    account,
    close,
    fund,
    liq_amounts,
    losing_bucket,
    report,
    set_price,
)
from engine_defaults import CROSS, ISOLATED, MAX_UINT256, WAD, ZERO_ADDRESS, wad

# Session and module fixtures first, so ape never rebases its isolation snapshots.
pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

# Stated L2 gas price for the gain-vs-gas check: 0.05 gwei, five times Arbitrum One's
# minimum base fee (0.01 gwei). The break-even price of each case is asserted too.
GAS_PRICE = 5 * 10**7  # wei per gas


@pytest.fixture(scope="module")
def dust_env(attack_env, attack_clock, liquidator):
    attack_clock(attack_env)
    fund(attack_env, liquidator, "USDC", 100_000)
    return attack_env


def smallest_size(env, market: str, price: int) -> int:
    """The smallest size whose notional floor(|s| × price / WAD) reaches min notional."""
    min_notional = env.registry.market(env.markets[market]).params.min_notional
    return -(-min_notional * WAD // price)


def test_minimums__no_dust_loan_or_position_can_be_opened(dust_env, attacker):
    env = dust_env
    engine, q = env.engine, env.q
    min_debt = engine.min_debt()
    assert min_debt == 10 * q  # DESIGN default
    bucket = account(env, attacker, ISOLATED, WETH=1)
    with ape.reverts("engine: debt below minimum"):
        engine.borrow(bucket, min_debt - 1, attacker, sender=attacker)
    engine.borrow(bucket, min_debt, attacker, sender=attacker)
    assert min_debt <= engine.debt_of(bucket) <= min_debt + 1
    fund(env, attacker, "USDC", 100)
    with ape.reverts(
        "engine: debt below minimum"
    ):  # a partial repay may not leave dust
        engine.repay(bucket, q, sender=attacker)
    engine.repay(bucket, MAX_UINT256, sender=attacker)  # all of it: no debt at all
    assert engine.debt_shares_of(bucket) == 0

    cross = account(env, attacker, CROSS, USDC=1_000)
    size = smallest_size(env, "ETH", wad("3000"))
    below = "registry: position below min notional"
    with ape.reverts(below):
        engine.modify_position(cross, 1, size - 1, MAX_UINT256, sender=attacker)
    engine.modify_position(cross, 1, size, MAX_UINT256, sender=attacker)
    assert engine.position_of(cross, 1).size == size
    with ape.reverts(below):  # a decrease may not leave dust either
        engine.modify_position(cross, 1, -1, 0, sender=attacker)
    close(env, attacker, cross, "ETH")
    assert engine.positions_of(cross) == []


def test_liquidation__never_leaves_a_dust_remainder(
    dust_env, chain, owner, trader, liquidator
):
    """A WETH bucket owing 2,350 USDC at WETH 2,650: repay caps around the dust boundary.
    Each repay is module `liquidation`'s, and the debt left is 0 or at least min_debt."""
    env = dust_env
    engine, weth, q = env.engine, env.tokens["WETH"], env.q
    bucket = account(env, trader, ISOLATED, WETH=1)
    engine.borrow(bucket, 2_350 * q, trader, sender=trader)
    set_price(env, owner, "WETH", "2650")
    min_debt = engine.min_debt()
    debt = engine.debt_of(bucket, block_id="pending")
    pricing = (
        WAD,
        q,
        wad("2650"),
        10**18,
        engine.collateral_config(weth).liquidation_bonus,
    )
    caps = (
        MAX_UINT256,
        debt - 1,
        debt - min_debt + 1,
        debt - min_debt,
        debt - min_debt - 1,
        5 * q,
    )
    for cap in caps:
        snapshot = chain.snapshot()
        expected = liq_amounts(debt, cap, True, min_debt, 10**18, False, pricing)
        got = engine.liquidate(bucket, cap, weth, 0, liquidator, sender=liquidator)
        assert got.return_value[:2] == expected, cap
        rest = engine.debt_of(bucket)
        # burnt shares round down (the vault's favour): the rest may be a wei above
        assert debt - expected[0] <= rest <= debt - expected[0] + 1
        assert rest == 0 or rest >= min_debt
        chain.restore(snapshot)


def test_liquidation__half_the_debt_would_leave_dust__closed_in_full(
    dust_env, owner, trader, liquidator
):
    """A cross account owing 15 USDC at health 0.958 (above the 0.95 full-close line):
    the close factor would repay 7.5 and leave 7.5 < min_debt, so the whole debt goes."""
    env = dust_env
    engine, weth, q = env.engine, env.tokens["WETH"], env.q
    cross = account(env, trader, CROSS, WETH="0.0065")
    engine.borrow(cross, 15 * q, trader, sender=trader)
    set_price(env, owner, "WETH", "2600")  # 0.0065 × 2,600 × 0.85 = 14.365 < 15
    health = engine.account_health(cross).health_factor
    assert wad("0.95") <= health < WAD
    debt = engine.debt_of(cross, block_id="pending")
    assert debt - debt // 2 < engine.min_debt()  # the full-close rule that applies
    pricing = (
        WAD,
        q,
        wad("2600"),
        10**18,
        engine.collateral_config(weth).liquidation_bonus,
    )
    expected = liq_amounts(
        debt, MAX_UINT256, True, engine.min_debt(), wad("0.0065"), False, pricing
    )
    repaid, seized, _ = engine.liquidate(
        cross, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    ).return_value
    assert (repaid, seized) == expected and repaid == debt
    assert engine.debt_shares_of(cross) == 0


def _cost_usd(receipt, eth_price: int) -> int:
    """USD WAD the transaction costs at GAS_PRICE and `eth_price`."""
    return receipt.gas_used * GAS_PRICE * eth_price // WAD


def test_smallest_loan__liquidator_gain_beats_gas(dust_env, owner, trader, liquidator):
    """The smallest loan (min_debt against 0.005 WETH) once WETH falls to 2,300 (health
    0.978): the liquidator repays it all and earns the 5 % bonus on it."""
    env = dust_env
    engine, weth = env.engine, env.tokens["WETH"]
    bucket = account(env, trader, ISOLATED, WETH="0.005")
    engine.borrow(bucket, engine.min_debt(), trader, sender=trader)
    set_price(env, owner, "WETH", "2300")
    assert engine.is_liquidatable(bucket)
    receipt = engine.liquidate(
        bucket, MAX_UINT256, weth, 0, liquidator, sender=liquidator
    )
    repaid, seized, _ = receipt.return_value
    gain = seized * wad("2300") // 10**18 - repaid * 10**12
    bonus = engine.collateral_config(weth).liquidation_bonus
    # the bonus on the repay, within a quote unit
    assert gain >= repaid * 10**12 * bonus // WAD - 10**12
    assert gain > _cost_usd(receipt, wad("2300"))
    break_even = gain * WAD // (receipt.gas_used * wad("2300"))  # wei per gas
    report(
        "dust loan", gain_usd_wad=gain, gas=receipt.gas_used, break_even_wei=break_even
    )
    assert break_even > 10 * GAS_PRICE


def test_smallest_position__liquidator_gain_beats_gas(
    dust_env, owner, attacker, liquidator
):
    """The smallest ETH position (min notional) backed by 1.2 USDC, once ETH falls 7 %:
    the liquidator earns the 1 % liquidation fee on the closed notional."""
    env = dust_env
    engine, registry = env.engine, env.registry
    bucket = account(env, attacker, ISOLATED, USDC="1.2")
    size = smallest_size(env, "ETH", wad("3000"))
    engine.modify_position(bucket, 1, size, MAX_UINT256, sender=attacker)
    set_price(env, owner, "WETH", "2790")
    assert engine.is_liquidatable(bucket)
    receipt = engine.liquidate(
        bucket, 0, ZERO_ADDRESS, 0, liquidator, sender=liquidator
    )
    [closed] = receipt.events.filter(registry.PositionLiquidated)
    notional = -(-size * wad("2790") // WAD)
    assert closed.liquidation_fee == -(
        -notional * registry.market(1).params.liquidation_fee // WAD
    )
    fee = receipt.return_value[2]
    assert fee == closed.liquidation_fee * env.q // WAD
    gain = fee * 10**12
    assert engine.positions_of(bucket) == []
    assert gain > _cost_usd(receipt, wad("2790"))
    break_even = gain * WAD // (receipt.gas_used * wad("2790"))  # wei per gas
    report(
        "dust position",
        gain_usd_wad=gain,
        gas=receipt.gas_used,
        break_even_wei=break_even,
    )
    assert break_even > GAS_PRICE


def test_collateral_less_debt__the_close_writes_it_off(dust_env, owner, trader):
    """F3, closed by V-04's defence: a quote-only bucket (400 USDC) with a 1 ETH long;
    ETH falls to 2,500 (a loss above the collateral) and the owner closes. The rest of the
    loss would be settlement debt with no collateral behind it, which no liquidator is paid
    to clear; the close writes it off at once (reserve first, then the LPs), so nothing is
    left (tests/attacks/test_exit_ahead_of_write_off.py has the value checks)."""
    env = dust_env
    engine, vault = env.engine, env.vault
    bucket = losing_bucket(env, owner, trader)
    held = engine.collateral_of(bucket, env.quote)
    index = env.vault.debt_index(block_id="pending")
    receipt = close(env, trader, bucket, "ETH")
    [settled] = receipt.events.filter(engine.PnlSettled)
    assert settled.from_collateral == held
    rest = -settled.amount - held
    assert settled.debt_shares_minted == -(-rest * WAD // index)
    [written] = receipt.events.filter(vault.BadDebtWrittenOff)
    assert written.debt_shares == settled.debt_shares_minted
    assert abs(written.assets - rest) <= 1  # the fall of total_debt (both ceil'ed)
    report("dust walk-away", debt=rest, gas=receipt.gas_used)
    assert engine.collaterals_of(bucket) == [] and engine.debt_of(bucket) == 0
    assert not engine.is_active(bucket) and not engine.is_liquidatable(bucket)
