"""Gas scenarios of the adapter (receipts of transactions sent to the views), at pinned times.

Each scenario reads the OK path, the one the engine pays for on every health check; every
storage slot and feed is cold, as in a real transaction that reads the price once.
"""

from __future__ import annotations

import pytest
from oracle_defaults import (
    DEVIATION,
    ETH_USD_8,
    HEARTBEAT,
    MAX_PRICE,
    MIN_PRICE,
    WAD,
    Status,
)

pytestmark = pytest.mark.gas


@pytest.fixture
def listed(
    chain, deploy_oracle, deploy_sequencer, deploy_asset, list_asset, pin_time, owner
):
    """At GAS_T0: a sequencer up since long ago, WETH (8-dec) and WBTC (8-dec), DAI (18-dec).

    The deployer's nonce is set to a fixed value first (the test's chain snapshot restores
    it), so the assets' addresses, hence the calldata bytes a scenario pays for, do not
    depend on what the suite deployed before this module."""

    def _setup(with_sequencer: bool = True):
        chain.provider.make_request("anvil_setNonce", [owner.address, hex(1_000_000)])
        t0 = pin_time(0)
        sequencer = deploy_sequencer(0, t0 - 86_400) if with_sequencer else None
        oracle = deploy_oracle(sequencer)
        assets = []
        for symbol, decimals, answer in (
            ("WETH", 8, ETH_USD_8),
            ("WBTC", 8, 60_000 * 10**8),
            ("DAI", 18, WAD),
            ("MEME", 8, 150 * 10**8),
        ):
            asset = deploy_asset(symbol)
            list_asset(
                oracle,
                asset,
                symbol=symbol,
                decimals=decimals,
                answer=answer,
                min_price=WAD // 2,
            )
            assets.append(asset)
        return oracle, assets

    return _setup


def test_gas__price_8_dec_with_sequencer(listed, pin_time, stranger, gas):
    oracle, (weth, *_) = listed()
    pin_time(600)
    receipt = oracle.price.transact(weth, sender=stranger)
    assert oracle.price(weth) == 3_000 * WAD
    gas.record("oracle: price (8-dec feed, sequencer check)", receipt)


def test_gas__price_8_dec_no_sequencer(listed, pin_time, stranger, gas):
    oracle, (weth, *_) = listed(with_sequencer=False)
    pin_time(600)
    receipt = oracle.price.transact(weth, sender=stranger)
    assert oracle.price(weth) == 3_000 * WAD
    gas.record("oracle: price (8-dec feed, no sequencer)", receipt)


def test_gas__price_18_dec_with_sequencer(listed, pin_time, stranger, gas):
    oracle, (_, _, dai, _) = listed()
    pin_time(600)
    receipt = oracle.price.transact(dai, sender=stranger)
    assert oracle.price(dai) == WAD
    gas.record("oracle: price (18-dec feed, sequencer check)", receipt)


def test_gas__price_info(listed, pin_time, stranger, gas):
    oracle, (weth, *_) = listed()
    pin_time(600)
    receipt = oracle.price_info.transact(weth, sender=stranger)
    assert tuple(oracle.price_info(weth)) == (3_000 * WAD, Status.OK)
    gas.record("oracle: price_info", receipt)


def test_gas__try_price(listed, pin_time, stranger, gas):
    oracle, (weth, *_) = listed()
    pin_time(600)
    receipt = oracle.try_price.transact(weth, sender=stranger)
    assert tuple(oracle.try_price(weth)) == (3_000 * WAD, True)
    gas.record("oracle: try_price", receipt)


def test_gas__price_info_many_4_assets(listed, pin_time, stranger, gas):
    oracle, assets = listed()
    pin_time(600)
    receipt = oracle.price_info_many.transact(assets, sender=stranger)
    assert [tuple(i)[1] for i in oracle.price_info_many(assets)] == [Status.OK] * 4
    gas.record("oracle: price_info_many (4 assets)", receipt)


def test_gas__price_info_many_4_assets_one_repeated(listed, pin_time, stranger, gas):
    """An account's batch repeats an asset when a collateral token also prices one of its
    markets (WETH and the ETH market): the repeat costs no feed read."""
    oracle, assets = listed()
    batch = assets + [assets[0]]
    pin_time(600)
    receipt = oracle.price_info_many.transact(batch, sender=stranger)
    infos = [tuple(i) for i in oracle.price_info_many(batch)]
    assert [i[1] for i in infos] == [Status.OK] * 5 and infos[4] == infos[0]
    gas.record("oracle: price_info_many (4 assets + 1 repeated)", receipt)


def test_gas__set_feed_new_asset(
    listed, deploy_asset, deploy_feed, pin_time, owner, gas
):
    oracle, _ = listed()
    link = deploy_asset("LINK")
    feed = deploy_feed(8, 15 * 10**8)
    pin_time(600)
    receipt = oracle.set_feed(
        link,
        "LINK",
        feed,
        8,
        HEARTBEAT,
        DEVIATION,
        MIN_PRICE // 100,
        MAX_PRICE,
        sender=owner,
    )
    assert oracle.feed_config(link).feed == feed.address
    gas.record("oracle: set_feed", receipt)
