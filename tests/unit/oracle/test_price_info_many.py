"""price_info_many: one sequencer read, each asset classified exactly as price_info does."""

from __future__ import annotations

import ape
from oracle_defaults import ETH_USD_8, HEARTBEAT, WAD, Status


def test_price_info_many__mixed_batch__matches_price_info(
    oracle, weth, weth_feed, deploy_asset, list_asset, owner, clock
):
    wbtc, meme, gone = (
        deploy_asset("WBTC", 8),
        deploy_asset("MEME"),
        deploy_asset("GONE"),
    )
    btc_feed = list_asset(oracle, wbtc, symbol="WBTC", answer=60_000 * 10**8)
    meme_feed = list_asset(oracle, meme, symbol="MEME", answer=ETH_USD_8)
    t = clock.later()
    weth_feed.set_round(ETH_USD_8, t, sender=owner)  # OK
    btc_feed.set_round(60_000 * 10**8, t - HEARTBEAT - 1, sender=owner)  # STALE
    meme_feed.set_round(5 * 10**8, t, sender=owner)  # 5 USD < 100 USD min: OUT_OF_BAND
    clock.warp(t)
    batch = [weth, wbtc, meme, gone]
    infos = [tuple(i) for i in oracle.price_info_many(batch)]
    assert infos == [
        (3_000 * WAD, Status.OK),
        (0, Status.STALE),
        (5 * WAD, Status.OUT_OF_BAND),
        (0, Status.INVALID),
    ]
    assert infos == [tuple(oracle.price_info(a)) for a in batch]


def test_price_info_many__empty__empty(oracle):
    assert list(oracle.price_info_many([])) == []


def test_price_info_many__max_batch__accepted(oracle, weth, weth_feed):
    n = oracle.MAX_BATCH()
    assert n == 32  # also the bound in IOracleAdapter.price_info_many
    infos = [tuple(i) for i in oracle.price_info_many([weth] * n)]
    assert infos == [(3_000 * WAD, Status.OK)] * n


def test_price_info_many__over_max_batch__rejected(oracle, weth, weth_feed):
    with (
        ape.reverts()
    ):  # the ABI decoder rejects the calldata (a bare revert, no reason)
        oracle.price_info_many([weth] * (oracle.MAX_BATCH() + 1))
