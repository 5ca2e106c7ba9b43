"""Deploy from the unchanged mainnet configs on offline forks of Arbitrum One and OP Mainnet,
read prices through the adapter at the real Chainlink addresses, and run the sequencer
policy on the fork. Each test runs for both L2s (the `upstream` fixture's params)."""

from __future__ import annotations

import json

import ape
import pytest

from scripts import _fork
from scripts._config import ConfigError, config_path, to_feed_answer, to_wad
from scripts._constants import PriceStatus as Status
from scripts._deploy import run_deploy

OUTAGE = 60  # seconds the sequencer stays down (shorter than every feed's heartbeat)


def test_fork_keeps_the_l2_chain_id_and_sees_the_seeded_mocks(
    fork, upstream, project, chain
):
    assert chain.chain_id == upstream.spec.chain_id
    cfg = upstream.config
    for symbol, fc in cfg.oracle.feeds.items():
        feed = project.MockAggregator.at(fc.feed)
        assert feed.decimals() == fc.feed_decimals
        assert feed.latestRoundData()[1] == to_feed_answer(
            fc.mock_price, fc.feed_decimals
        )
        token = project.MockERC20.at(
            cfg.quote.token if symbol == cfg.quote.symbol else fc.token
        )
        assert token.symbol() == symbol
        assert token.decimals() == cfg.token_decimals(symbol)
    _, answer, started_at, _, _ = project.MockSequencerFeed.at(
        cfg.oracle.sequencer_feed
    ).latestRoundData()
    assert answer == 0  # up, since long before any grace period
    assert 0 < started_at <= chain.blocks.head.timestamp - _fork.SEQUENCER_UP_FOR


def test_deploy_from_mainnet_config_records_the_real_addresses(
    deployed, upstream, chain
):
    record = json.loads(deployed["path"].read_text())
    cfg = upstream.config
    assert deployed["path"].name == f"{upstream.spec.ecosystem}-mainnet-fork.json"
    assert record["chain_id"] == upstream.spec.chain_id
    assert record["ape_network"] == f"{upstream.spec.ecosystem}:mainnet-fork"
    assert record["config"] == upstream.spec.config
    assert record["mocks"] == []  # nothing deployed as a mock on a fork
    assert record["tokens"] == {
        sym: (cfg.quote.token if sym == cfg.quote.symbol else fc.token)
        for sym, fc in cfg.oracle.feeds.items()
    }
    assert record["feeds"] == {sym: fc.feed for sym, fc in cfg.oracle.feeds.items()}
    assert record["sequencer_feed"] == cfg.oracle.sequencer_feed
    assert len(chain.provider.get_code(record["contracts"]["OracleAdapter"])) > 0
    # the perp markets, listed on the real token addresses in config order
    assert record["markets"] == {
        name: {
            "id": i,
            "asset": mc.asset,
            "oracle_asset": cfg.oracle.feeds[mc.asset].token,
        }
        for i, (name, mc) in enumerate(cfg.markets.items(), start=1)
    }
    assert list(record["markets"]) == ["ETH", "BTC"]
    registry = deployed["dep"].contracts["MarketRegistry"]
    for name, market in record["markets"].items():
        stored = registry.market(market["id"])
        assert stored.oracle_asset == market["oracle_asset"], name
        assert tuple(stored.params) == tuple(cfg.markets[name].params().values()), name


def test_prices_read_through_the_adapter_at_the_real_feeds(deployed, upstream):
    oracle = deployed["dep"].contracts["OracleAdapter"]
    cfg = upstream.config
    assert oracle.sequencer_feed() == cfg.oracle.sequencer_feed
    assert oracle.grace_period() == cfg.oracle.grace_period
    for symbol, fc in cfg.oracle.feeds.items():
        asset = cfg.quote.token if symbol == cfg.quote.symbol else fc.token
        stored = oracle.feed_config(asset)
        assert (stored.symbol, stored.feed, stored.decimals, stored.heartbeat) == (
            symbol,
            fc.feed,
            fc.feed_decimals,
            fc.heartbeat,
        )
        assert (stored.deviation, stored.min_price, stored.max_price) == (
            to_wad(fc.deviation),
            to_wad(fc.min_price),
            to_wad(fc.max_price),
        )
        assert oracle.price_info(asset) == (to_wad(fc.mock_price), Status.OK)
        assert oracle.price(asset) == to_wad(fc.mock_price)


def test_sequencer_down_on_the_fork_blocks_prices_then_grace_then_ok(
    deployed, upstream, project, chain
):
    oracle = deployed["dep"].contracts["OracleAdapter"]
    cfg = upstream.config
    weth, feed = cfg.oracle.feeds["WETH"].token, cfg.oracle.feeds["WETH"]
    sequencer = project.MockSequencerFeed.at(cfg.oracle.sequencer_feed)
    keeper = deployed["deployer"]

    sequencer.set_status(True, sender=keeper)
    assert oracle.sequencer_status() == Status.SEQUENCER_DOWN
    assert oracle.price_info(weth) == (0, Status.SEQUENCER_DOWN)
    assert oracle.try_price(weth) == (0, False)
    with ape.reverts("oracle: sequencer down"):
        oracle.price(weth)

    # the outage lasts a minute (anvil mines blocks of the same second: without it the
    # restart could share the second of the feed's last answer, which then is not older)
    chain.pending_timestamp = chain.blocks.head.timestamp + OUTAGE
    sequencer.set_status(False, sender=keeper)
    aggregator = project.MockAggregator.at(feed.feed)
    assert aggregator.latestRoundData()[3] < sequencer.latestRoundData()[2]
    # the answer was published before the restart: frozen by the outage, it waits
    assert oracle.price_info(weth) == (0, Status.STALE)
    with ape.reverts("oracle: WETH predates restart"):
        oracle.price(weth)
    answer = to_feed_answer(feed.mock_price, feed.feed_decimals)
    aggregator.set_answer(answer, sender=keeper)  # the feed publishes after the restart
    assert oracle.price_info(weth) == (to_wad(feed.mock_price), Status.GRACE)
    with ape.reverts("oracle: sequencer grace period"):
        oracle.price(weth)

    # one second before the grace period ends it is still GRACE, at the end it is over; the
    # feed publishes meanwhile, as a live feed does (OP's 1200 s heartbeat < 3600 s grace)
    # The restart's own time (the status round's startedAt), not the head's: under load
    # anvil's later blocks can be seconds after it, which ended the grace period early.
    restarted = sequencer.latestRoundData()[2]
    chain.mine(timestamp=restarted + cfg.oracle.grace_period - 1)
    assert oracle.sequencer_status() == Status.GRACE
    project.MockAggregator.at(feed.feed).set_round(
        to_feed_answer(feed.mock_price, feed.feed_decimals),
        restarted + cfg.oracle.grace_period,
        sender=keeper,
    )
    chain.mine(timestamp=restarted + cfg.oracle.grace_period)
    assert oracle.sequencer_status() == Status.OK
    assert oracle.price_info(weth) == (to_wad(feed.mock_price), Status.OK)


def test_feed_silent_past_its_heartbeat_reads_stale_on_the_fork(
    deployed, upstream, project, chain
):
    oracle = deployed["dep"].contracts["OracleAdapter"]
    fc = upstream.config.oracle.feeds["WETH"]
    updated_at = project.MockAggregator.at(fc.feed).latestRoundData()[
        3
    ]  # seeded on the upstream
    chain.mine(timestamp=updated_at + fc.heartbeat)
    assert oracle.price_info(fc.token) == (to_wad(fc.mock_price), Status.OK)
    chain.mine(timestamp=updated_at + fc.heartbeat + 1)
    assert oracle.price_info(fc.token) == (0, Status.STALE)


def test_writes_on_the_fork_never_reach_the_upstream(deployed, upstream, project):
    seq = upstream.config.oracle.sequencer_feed
    project.MockSequencerFeed.at(seq).set_status(True, sender=deployed["deployer"])
    raw = upstream.rpc.call(
        "eth_call",
        [{"to": seq, "data": _fork._selector("latestRoundData()")}, "latest"],
    )
    answer = int(raw[2 + 64 : 2 + 128], 16)
    assert answer == 0  # still up upstream
    assert (
        len(
            upstream.rpc.call(
                "eth_getCode",
                [deployed["dep"].contracts["OracleAdapter"].address, "latest"],
            )
        )
        == 2
    )


def test_deploying_twice_on_the_same_fork_is_refused(deployed, upstream, chain):
    from scripts._deploy import DeploymentExistsError

    nonce = deployed["deployer"].nonce
    with pytest.raises(DeploymentExistsError, match="describes a live deployment"):
        run_deploy(
            upstream.spec.config,
            deployed["deployer"],
            deployments_dir=deployed["dir"],
            log=lambda _m: None,
        )
    assert deployed["deployer"].nonce == nonce


def test_the_other_l2s_config_is_refused_before_any_transaction(
    deployed, upstream, tmp_path
):
    other = next(
        s for s in _fork.NETWORKS.values() if s.ecosystem != upstream.spec.ecosystem
    )
    nonce = deployed["deployer"].nonce
    with pytest.raises(ConfigError) as err:
        run_deploy(
            config_path(other.config),
            deployed["deployer"],
            deployments_dir=tmp_path,
            log=lambda _m: None,
        )
    assert err.value.fields == ["chain_id"]
    assert (
        f"config is for chain {other.chain_id}, connected to chain {upstream.spec.chain_id}"
        in str(err.value)
    )
    assert deployed["deployer"].nonce == nonce
    assert not any(tmp_path.iterdir())


def test_vault_and_engine_work_with_the_real_token_addresses(
    deployed, upstream, accounts
):
    dep, cfg = deployed["dep"], upstream.config
    vault, engine = dep.contracts["Vault"], dep.contracts["MarginEngine"]
    usdc, weth = dep.tokens[cfg.quote.symbol], dep.tokens["WETH"]
    assert (usdc.address, weth.address) == (
        cfg.quote.token,
        cfg.oracle.feeds["WETH"].token,
    )
    assert vault.asset() == cfg.quote.token and vault.engine() == engine.address
    assert sorted(engine.listed_collaterals()) == sorted(
        cfg.quote.token if s == cfg.quote.symbol else cfg.oracle.feeds[s].token
        for s in cfg.collaterals
    )
    lp, trader = accounts[2], accounts[4]
    usdc.mint(lp, 100_000 * 10**6, sender=lp)
    usdc.approve(vault, 100_000 * 10**6, sender=lp)
    vault.deposit(100_000 * 10**6, lp, sender=lp)
    weth.mint(trader, 10 * 10**18, sender=trader)
    weth.approve(engine, 10 * 10**18, sender=trader)
    engine.open_account(2, sender=trader)
    account = engine.account_count()
    engine.deposit_collateral(account, weth, 10 * 10**18, sender=trader)
    engine.borrow(account, 10_000 * 10**6, trader, sender=trader)
    assert usdc.balanceOf(trader) == 10_000 * 10**6
    assert (
        engine.health_factor(account) == 25_500 * 10**18 // 10_000
    )  # 10 x 3000 x 0.85 / 10,000


def test_borrowing_is_refused_while_the_sequencer_is_down_on_the_fork(
    deployed, upstream, project, accounts
):
    dep, cfg = deployed["dep"], upstream.config
    vault, engine = dep.contracts["Vault"], dep.contracts["MarginEngine"]
    usdc, weth = dep.tokens[cfg.quote.symbol], dep.tokens["WETH"]
    lp, trader = accounts[2], accounts[4]
    usdc.mint(lp, 100_000 * 10**6, sender=lp)
    usdc.approve(vault, 100_000 * 10**6, sender=lp)
    vault.deposit(100_000 * 10**6, lp, sender=lp)
    weth.mint(trader, 10 * 10**18, sender=trader)
    weth.approve(engine, 10 * 10**18, sender=trader)
    engine.open_account(2, sender=trader)
    account = engine.account_count()
    engine.deposit_collateral(
        account, weth, 10 * 10**18, sender=trader
    )  # allowed while down
    project.MockSequencerFeed.at(cfg.oracle.sequencer_feed).set_status(
        True, sender=trader
    )
    with ape.reverts(
        "oracle: sequencer down"
    ):  # the engine's strict read bubbles the adapter's reason
        engine.borrow(account, 1_000 * 10**6, trader, sender=trader)
    assert usdc.balanceOf(trader) == 0
    assert engine.debt_of(account) == 0


@pytest.mark.slow
def test_fork_run_command_does_up_deploy_checks_down(upstream, tmp_path):
    """`python -m scripts._fork run` end to end (what `make fork-demo` runs), in a subprocess."""
    import os
    import subprocess
    import sys

    if upstream.spec.ecosystem != "arbitrum":
        pytest.skip("one network is enough for the command wiring")
    out = tmp_path / "deployments"
    env = dict(os.environ, PYTHONPATH=str(_fork.ROOT))
    cmd = [
        sys.executable,
        "-m",
        "scripts._fork",
        "run",
        "--network",
        "arbitrum",
        "--deployments-dir",
        str(out),
    ]
    result = subprocess.run(
        cmd, cwd=_fork.ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok  sequencer down -> WETH: SEQUENCER_DOWN 0" in result.stdout
    assert "stopped the arbitrum upstream" in result.stdout
    assert (
        json.loads((out / "arbitrum-mainnet-fork.json").read_text())["chain_id"]
        == 42161
    )


@pytest.mark.slow
def test_up_and_down_manage_only_their_own_upstream(upstream, tmp_path, monkeypatch):
    """`up` records its anvil (pid, port) and `down` stops exactly that process group."""
    if upstream.spec.ecosystem != "arbitrum":
        pytest.skip("one network is enough for the process handling")
    monkeypatch.setattr(_fork, "STATE_DIR", tmp_path)
    port = _fork.free_port()
    _fork.cmd_up(upstream.spec, port, log=lambda _m: None)
    info = json.loads((tmp_path / "arbitrum.json").read_text())
    assert info["port"] == port and _fork._is_our_anvil(info["pid"], port)
    assert _fork.Rpc(f"http://127.0.0.1:{port}").call("eth_chainId") == hex(42161)
    with pytest.raises(_fork.ForkError, match="already running"):
        _fork.cmd_up(upstream.spec, port, log=lambda _m: None)
    _fork.cmd_down(upstream.spec, log=lambda _m: None)
    assert not _fork._alive(info["pid"])
    assert not _fork.port_in_use(port)
    assert not (tmp_path / "arbitrum.json").exists()
    assert upstream.rpc.call("eth_chainId") == hex(
        42161
    )  # the fixture's upstream is untouched


def test_refresh_republishes_the_upstream_feeds_at_the_current_time(upstream, fork):
    rpc, cfg = upstream.rpc, upstream.config
    feed = cfg.oracle.feeds["WETH"].feed
    selector = _fork._selector("latestRoundData()")

    def updated_at() -> int:
        raw = rpc.call("eth_call", [{"to": feed, "data": selector}, "latest"])
        return int(raw[2 + 3 * 64 : 2 + 4 * 64], 16)

    before = updated_at()
    rpc.batch([("evm_increaseTime", [600]), ("evm_mine", [])])
    _fork.refresh(rpc, cfg, log=lambda _m: None)
    head = int(rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
    # stamped with the block that republished it (a later feed's block may be a second on)
    assert before + 600 <= updated_at() <= head
