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


# ---- a repeated asset is read once --------------------------------------------------------
def feed_calls(chain, receipt, feed) -> int:
    """How many calls the transaction made to `feed` (its call tree, from the node)."""
    tree = chain.provider.make_request(
        "debug_traceTransaction", [receipt.txn_hash, {"tracer": "callTracer"}]
    )

    def count(node) -> int:
        own = int(node.get("to", "").lower() == feed.address.lower())
        return own + sum(count(c) for c in node.get("calls", []))

    return count(tree)


def test_price_info_many__repeated_asset__feed_read_once_same_result(
    oracle, weth, weth_feed, deploy_asset, list_asset, stranger, chain
):
    wbtc = deploy_asset("WBTC", 8)
    btc_feed = list_asset(oracle, wbtc, symbol="WBTC", answer=60_000 * 10**8)
    batch = [weth, wbtc, weth, weth, wbtc]
    infos = [tuple(i) for i in oracle.price_info_many(batch)]
    assert infos == [tuple(oracle.price_info(a)) for a in batch]
    assert infos[0] == (3_000 * WAD, Status.OK)
    receipt = oracle.price_info_many.transact(batch, sender=stranger)
    # latestRoundData and decimals once per distinct feed
    assert feed_calls(chain, receipt, weth_feed) == 2
    assert feed_calls(chain, receipt, btc_feed) == 2


def test_price_info_many__repeated_asset__each_keeps_its_own_classification(
    oracle, weth, weth_feed, deploy_asset, list_asset, owner, clock
):
    """The twin: a non-OK asset repeated stays non-OK, between OK ones, and an unlisted
    asset repeated stays INVALID (the copy is of the asset's first result, not a neighbour's)."""
    wbtc, gone = deploy_asset("WBTC", 8), deploy_asset("GONE")
    btc_feed = list_asset(oracle, wbtc, symbol="WBTC", answer=60_000 * 10**8)
    t = clock.later()
    weth_feed.set_round(ETH_USD_8, t, sender=owner)
    btc_feed.set_round(60_000 * 10**8, t - HEARTBEAT - 1, sender=owner)  # STALE
    clock.warp(t)
    batch = [wbtc, weth, gone, wbtc, weth, gone]
    infos = [tuple(i) for i in oracle.price_info_many(batch)]
    assert (
        infos
        == [
            (0, Status.STALE),
            (3_000 * WAD, Status.OK),
            (0, Status.INVALID),
        ]
        * 2
    )
    assert infos == [tuple(oracle.price_info(a)) for a in batch]
