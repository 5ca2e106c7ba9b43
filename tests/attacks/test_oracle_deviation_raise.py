"""Attack: a feed's deviation is raised on the oracle, the market keeps the old spread (V-07).

The attack. The spread (and the LP band) must be at least the feed's deviation threshold:
a feed that only moves 2 % at a time is a free option for a trade filled at 0.5 %. The
registry copied the deviation at listing, so raising it on the oracle (0.5 % → 2 %) left
the market trading at 0.5 % and the band at 0.5 %.

The defence (docs/perps.md, Oracle-lag defence). The registry reads the deviation live:
a risk-adding trade whose market's spread is below the feed's current deviation reverts
("registry: spread below deviation") until the owner re-configures the market
(`set_market` re-reads the deviation and requires spread >= it); the vault's band uses the
live deviation at once.

Asserted: the open reverts with its reason and moves nothing; the band follows the live
deviation; the twin (after `set_market` with a 2 % spread) opens, filled at 2 % or more.
"""

from __future__ import annotations

import ape
import pytest
from attack_helpers import account, trade
from engine_defaults import CROSS, WAD, wad

pytestmark = pytest.mark.usefixtures("attack_env", "attack_clock")


def test_deviation_raise__open_at_old_spread_reverts_twin_after_set_market(
    attack_env, attack_clock, owner, trader
):
    env = attack_env
    attack_clock(env)
    market_id = env.markets["ETH"]
    market = env.registry.market(market_id)
    asset = market.oracle_asset
    acct = account(env, trader, CROSS, USDC=100_000)
    trade(env, trader, acct, "ETH", "10")  # an open skew of 10 ETH
    band_before = env.engine.vault_marks()[2]
    assert band_before == 10 * 3000 * market.params.spread // WAD * env.q  # 0.5 %: 150

    cfg = env.oracle.feed_config(asset)
    env.oracle.set_feed(
        asset,
        cfg.symbol,
        cfg.feed,
        cfg.decimals,
        cfg.heartbeat,
        wad("0.02"),
        cfg.min_price,
        cfg.max_price,
        sender=owner,
    )
    # The band follows the live deviation at once (2 %: 600).
    assert env.engine.vault_marks()[2] == 600 * env.q
    position = env.engine.position_of(acct, market_id)
    with ape.reverts("registry: spread below deviation"):
        trade(env, trader, acct, "ETH", "1")
    assert env.engine.position_of(acct, market_id) == position
    # Reducing risk still works at the market's own spread.
    trade(env, trader, acct, "ETH", "-1")

    # The twin: the owner re-configures the market with a spread >= the new deviation.
    params = list(market.params)
    params[4] = wad("0.02")  # spread
    env.registry.set_market(market_id, params, sender=owner)
    assert env.registry.market(market_id).deviation == wad("0.02")
    basis = env.engine.position_of(acct, market_id).basis
    trade(env, trader, acct, "ETH", "1")
    after = env.engine.position_of(acct, market_id)
    assert after.size == wad("10")
    # basis grew by fill − funding index (the index moved by far less than 1 USD): the
    # fill paid at least the 2 % spread.
    assert after.basis - basis >= wad("3060") - wad("1")
