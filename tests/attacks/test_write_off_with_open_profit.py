"""Attack H-1 (issue 16): a write-off while a profitable position stays open.

The attack. A quote-only cross account holds an ETH long and a BTC short. ETH falls hard and
BTC falls a little: the account is liquidatable with *positive* maintenance equity. The
liquidation closes the worst position (the ETH long), stops at the 1.05 buffer, the loss
eats all the quote and the rest becomes settlement debt. The old step 4 then wrote that debt
off because the account "held no collateral", while the BTC short stayed open in profit:
its owner closed it afterwards and withdrew the profit the LPs had just paid for.

The defence (DESIGN.md, Liquidation step 2 and 4; docs/liquidation.md). Debt is written off
only when the account has no collateral AND no open position; when the buffer's stop would
leave debt that no collateral backs, the liquidation closes every remaining position, whose
profit repays the debt. The Lens quotes the same two passes.

Asserted, with value (USD WAD at the oracle): nothing is written off, the account ends with
no debt and no position, the LPs' assets do not fall, and the owner's account is worth what
it was worth before minus exactly the fees the closes charged. The twin: when every
position loses, the debt left is written off and equals the account's negative equity.
"""

from __future__ import annotations

import pytest
from attack_helpers import account, account_value, events_of, set_price, trade
from engine_defaults import CROSS, MAX_UINT256, ZERO_ADDRESS

pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")

QUOTE_WEI_WAD = 10**12  # one quote unit (USDC 6 decimals) in USD WAD
# The valuation is taken a block before the liquidation: one second of funding on the two
# legs plus the roundings of two settlements stay below 100 quote units (0.0001 USDC).
TOLERANCE = 100 * QUOTE_WEI_WAD


@pytest.fixture(scope="module")
def hedged(attack_env, attack_clock, trader):
    """A quote-only cross account: 10,000 USDC, 14 ETH long, 0.35 BTC short."""
    env = attack_env
    attack_clock(env)
    account_id = account(env, trader, CROSS, USDC=10_000)
    trade(env, trader, account_id, "ETH", "14")
    trade(env, trader, account_id, "BTC", "-0.35")
    return env, account_id


def _liquidate(env, account_id, liquidator):
    return env.engine.liquidate(
        account_id, MAX_UINT256, ZERO_ADDRESS, 0, liquidator, sender=liquidator
    )


def test_write_off_with_open_profit__liquidated__profit_repays_debt_nothing_written_off(
    hedged, owner, liquidator, attack_clock
):
    env, account_id = hedged
    set_price(env, owner, "WETH", "2143")  # ETH long: about -12,000
    set_price(env, owner, "WBTC", "48571")  # BTC short: about +4,000
    attack_clock(env)
    health = env.engine.account_health(account_id)
    assert health.liquidatable and health.equity_maint > 0  # the finding's precondition

    quote = env.lens.quote_liquidation(account_id, ZERO_ADDRESS)
    value_before = account_value(env, account_id)
    lp_assets_before = env.vault.totalAssets()
    receipt = _liquidate(env, account_id, liquidator)

    # Both positions closed (two passes), the debt repaid by the short's profit.
    closed = events_of(receipt, env.registry, "PositionLiquidated")
    assert [c.market_id for c in closed] == [env.markets["ETH"], env.markets["BTC"]]
    assert not events_of(receipt, env.engine, "BadDebtWrittenOff")
    assert env.engine.debt_of(account_id) == 0
    assert env.engine.positions_of(account_id) == []
    assert not env.engine.is_active(account_id)
    # The Lens quoted exactly this.
    assert not quote.reverts and quote.write_off == 0
    assert [c.market_id for c in quote.closes] == [c.market_id for c in closed]
    repaid, seized, fee = receipt.return_value
    assert (repaid, seized, fee) == (quote.repay, quote.seized, quote.fee)

    # Value: the owner lost exactly the fees; the LPs lost nothing.
    fees_usd = sum(c.trading_fee + c.liquidation_fee for c in closed)
    value_after = account_value(env, account_id)
    assert value_after > 0
    assert abs(value_after - (value_before - fees_usd)) <= TOLERANCE
    assert env.vault.totalAssets() >= lp_assets_before


def test_write_off_with_open_profit__every_position_loses__write_off_is_the_negative_equity(
    hedged, owner, liquidator, attack_clock
):
    env, account_id = hedged
    set_price(env, owner, "WETH", "2143")  # ETH long: about -12,000
    set_price(env, owner, "WBTC", "62000")  # BTC short: about -700
    attack_clock(env)
    health = env.engine.account_health(account_id)
    assert health.liquidatable and health.equity_maint < 0

    quote = env.lens.quote_liquidation(account_id, ZERO_ADDRESS)
    value_before = account_value(env, account_id)
    receipt = _liquidate(env, account_id, liquidator)
    closed = events_of(receipt, env.registry, "PositionLiquidated")
    assert len(closed) == 2
    written = events_of(receipt, env.engine, "BadDebtWrittenOff")
    assert len(written) == 1
    # The write-off is the account's negative equity after its closes (value before minus
    # the closes' fees), within the tolerance; the Lens, a block earlier, quoted it too.
    fees_usd = sum(c.trading_fee + c.liquidation_fee for c in closed)
    negative_equity = fees_usd - value_before
    assert negative_equity > 0
    assert abs(written[0].assets * QUOTE_WEI_WAD - negative_equity) <= TOLERANCE
    assert abs(written[0].assets - quote.write_off) * QUOTE_WEI_WAD <= TOLERANCE
    assert env.engine.debt_of(account_id) == 0
    assert env.engine.collaterals_of(account_id) == []
    assert env.engine.positions_of(account_id) == []
    assert account_value(env, account_id) == 0
