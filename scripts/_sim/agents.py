"""Two adversarial agents the lab runs through every scenario, on the real contracts,
next to the population (docs/simulate.md, section 3):

- **flash LP** (V-01): a FlashLp contract (``contracts/harness/FlashLp.vy``, the attack
  tests' harness) that, at a few steps of the path, deposits a large amount as LP, tries to
  open the largest position the market's open-interest cap would allow with that deposit
  counted, and redeems, all in one block: once atomically (``flash``: one transaction) and
  once as three transactions mined together (deposit, trade, redeem). The direction is the
  one the rest of the path rewards (the agent knows the future). The defence: deposits of
  the current block are left out of ``book_assets()``, which the registry's cap reads
  ("registry: open interest above oi share"), and LP exits keep the assets the open
  interest needs ("vault: open interest needs assets").
- **dust shielder** (M-1): a cross account with a leveraged ETH perp (direction: the one the
  path hurts most) that also deposits 1 wei of DUST, a collateral token the lab lists with
  its own feed and then makes unusable from step 1 (stale: never published again; or
  removed: ``OracleAdapter.remove_feed``), hoping the bad price blocks its liquidation. Its
  twin holds the same margin and position without the dust. The defence: outside
  risk-adding actions an unusable collateral price counts as 0, and such a token is never
  seized ("engine: seize token unpriced").

Both are measured by value: what they hold at the end at the oracle's prices against what
they put in, less their gas at the lab's gas price (the transactions they sent, the flash
LP's deployment included). Everything is deterministic: fixed addresses, sizes from the
chain's state and the path, no random draw. The agents' accounts are kept out of the
population's figures (the vault's include them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from web3 import Web3

from scripts._sim import chain as ch

WAD = 10**18
MAX_UINT256 = 2**256 - 1
DUST = "DUST"
DUST_DECIMALS = 18
DUST_FEED_DECIMALS = 8
DUST_PRICE = 1.0  # USD per whole DUST while its feed works
DUST_HEARTBEAT = 1800  # s: stale from half an hour after its last answer
# (collateral factor, liquidation threshold, bonus) of DUST: MEME's
DUST_RISK = (0.40, 0.50, 0.10)
# how the lab makes DUST's price unusable from step 1, per scenario (others: stale)
DUST_FAILURE = {
    "calm": "stale",
    "crash": "removed",
    "drawdown": "stale",
    "csv": "removed",
}
FLASH_DEPOSIT_X = 9  # the flash LP deposits this many times the LPs' deposit
FLASH_SIZE_USE = 0.98  # of the room its deposit would give (below the market's own cap)
MARGIN_BUFFER = 1.3  # the flash LP's margin: the largest cap x initial margin x this
SHIELD_MARKET = "ETH"
SHIELD_MARGIN_USD = 2_000.0
SHIELD_LEVERAGE = 8.0
GAS = 3_000_000
OI_SHARE_REASON = "registry: open interest above oi share"
EXIT_REASON = "vault: open interest needs assets"
UNPRICED_REASON = "engine: seize token unpriced"


def agent_address(label: str) -> str:
    return Web3.to_checksum_address(
        Web3.keccak(text=f"bulkhead-risk-lab-agent-{label}")[-20:]
    )


FLASH_EOA = agent_address("flash-lp")
SHIELDER = agent_address("dust-shielder")
SHIELD_TWIN = agent_address("dust-shielder-twin")


def artifacts_from_ape() -> dict[str, dict]:
    """ABI and init code of the contracts the agents deploy, from ape's build (call inside
    ape's context)."""
    from ape import project

    out = {}
    for name in ("FlashLp", "MockERC20", "MockAggregator"):
        ct = project.get_contract(name).contract_type
        out[name] = {
            "abi": [e.model_dump(by_alias=True, mode="json") for e in ct.abi],
            "bytecode": ct.deployment_bytecode.bytecode,
        }
    return out


def revert_reason(exc: Exception) -> str:
    """The reason string of a reverted eth_call (anvil puts the revert data in `data`)."""
    error = getattr(exc, "error", None)
    data = error.get("data") if isinstance(error, dict) else None
    if isinstance(data, str) and data.startswith("0x08c379a0"):
        try:
            return abi_decode(["string"], bytes.fromhex(data[10:]))[0]
        except Exception:  # noqa: BLE001 - fall back to the message
            pass
    message = error.get("message", "") if isinstance(error, dict) else str(exc)
    return message.removeprefix("execution reverted: ") or "reverted"


@dataclass
class Sent:
    """One agent transaction and what became of it."""

    label: str
    tx: str
    ok: bool = True
    reason: str = ""
    gas: int = 0


@dataclass
class ScenarioState:
    name: str
    failure: str
    attempt_steps: list[int]
    eth_prices: list[float]
    prices: dict[str, list[float]]  # the path, per market asset
    flash_in: int = 0  # quote units the flash LP was given
    flash_gas_usd: float = 0.0
    flash_account: int = 0
    attempts: list[dict] = field(default_factory=list)
    shield_ids: dict[str, int] = field(default_factory=dict)  # shielder/twin -> account
    shield_gas_usd: dict[str, float] = field(default_factory=dict)
    shield_in_units: int = 0
    shield_side: int = 0
    liquidatable_at: dict[str, int | None] = field(default_factory=dict)
    dust_unusable_from: int | None = None
    probe: dict | None = None
    after_close: dict | None = None


class Agents:
    """The flash LP and the dust shielder (and its twin), driven through the lab's hooks."""

    def __init__(self, lab, artifacts: dict[str, dict], gas_price_gwei: float):
        self.lab = lab
        self.artifacts = artifacts
        self.gwei = gas_price_gwei
        self.flash: ch.Contract | None = None
        self.dust: ch.Contract | None = None
        self.dust_feed: ch.Contract | None = None
        self.deploy_gas = 0
        self.state: ScenarioState | None = None

    # -- transactions that may revert --
    def _block(self, txs: list[tuple[str, Any, str, tuple, str]]) -> list[Sent]:
        """Send (sender, contract, fn, args, label) with automine off and mine them in one
        block at the lab's current time; reverts are recorded with their reason, not
        raised. `contract` None with fn "" and args (init code,) is a creation."""
        lab = self.lab
        out: list[Sent] = []
        with lab.batch() as b:
            for sender, contract, fn, args, label in txs:
                if contract is None:
                    h = b.send(sender, "", args[0], GAS * 2, label)
                else:
                    h = b.tx(sender, contract, fn, *args, gas=GAS, label=label)
                out.append(Sent(label, h))
            lab.rpc.call("evm_setNextBlockTimestamp", hex(lab.now))
            lab.rpc.call("evm_mine")
            number = lab.rpc.call("eth_blockNumber")
            receipts = {
                r["transactionHash"]: r
                for r in lab.rpc.call("eth_getBlockReceipts", number) or []
            }
            b.sent.clear()
            for s in out:
                r = receipts.get(s.tx)
                if r is None:
                    raise RuntimeError(f"agent transaction not mined: {s.label}")
                s.gas = int(r["gasUsed"], 16)
                s.ok = r["status"] == "0x1"
                if not s.ok:
                    s.reason = b.reason(s.tx)
                s.receipt = r  # type: ignore[attr-defined]
        return out

    def _gas_usd(self, sent: list[Sent], eth_price: float) -> float:
        return sum(s.gas for s in sent) * self.gwei * 1e-9 * eth_price

    # -- once, before the lab's base snapshot --
    def deploy(self) -> None:
        """DUST (a mock token) and its mock feed, listed in the adapter and as collateral
        (owner), and the flash LP's contract."""
        lab = self.lab
        art = self.artifacts
        dep = lab.deployer
        token_init = (
            art["MockERC20"]["bytecode"]
            + abi_encode(
                ["string", "string", "uint8"], ["Mock DUST", DUST, DUST_DECIMALS]
            ).hex()
        )
        answer = int(DUST_PRICE * 10**DUST_FEED_DECIMALS)
        feed_init = (
            art["MockAggregator"]["bytecode"]
            + abi_encode(["uint8", "int256"], [DUST_FEED_DECIMALS, answer]).hex()
        )
        flash_init = (
            art["FlashLp"]["bytecode"]
            + abi_encode(
                ["address", "address"], [lab.vault.address, lab.engine.address]
            ).hex()
        )
        sent = self._block(
            [
                (dep, None, "", (token_init,), "deploy DUST"),
                (dep, None, "", (feed_init,), "deploy DUST feed"),
                (FLASH_EOA, None, "", (flash_init,), "deploy FlashLp"),
            ]
        )
        if not all(s.ok for s in sent):
            raise RuntimeError(f"agents: deployment failed {sent}")
        addr = [s.receipt["contractAddress"] for s in sent]  # type: ignore[attr-defined]
        self.dust = ch.Contract(addr[0], ch.MOCK_ERC20_ABI)
        self.dust_feed = ch.Contract(addr[1], ch.MOCK_FEED_ABI)
        self.flash = ch.Contract(addr[2], art["FlashLp"]["abi"])
        self.deploy_gas = sent[2].gas
        cf, lt, bonus = (int(round(x * WAD)) for x in DUST_RISK)
        sent = self._block(
            [
                (
                    dep,
                    lab.oracle,
                    "set_feed",
                    (
                        self.dust.address,
                        DUST,
                        self.dust_feed.address,
                        DUST_FEED_DECIMALS,
                        DUST_HEARTBEAT,
                        WAD // 100,
                        WAD // 10_000,
                        100 * WAD,
                    ),
                    "set_feed DUST",
                ),
                (
                    dep,
                    lab.engine,
                    "list_collateral",
                    (self.dust.address, self.dust.address, cf, lt, bonus, 10**30),
                    "list_collateral DUST",
                ),
            ]
        )
        if not all(s.ok for s in sent):
            raise RuntimeError(
                "agents: listing DUST failed: "
                + "; ".join(f"{s.label}: {s.reason}" for s in sent if not s.ok)
            )

    def setup_json(self) -> dict:
        cf, lt, bonus = DUST_RISK
        return {
            "gas_price_gwei": self.gwei,
            "flash_lp_deploy_gas": self.deploy_gas,
            "flash_deposit_x_lp": FLASH_DEPOSIT_X,
            "dust": {
                "price_usd": DUST_PRICE,
                "heartbeat_s": DUST_HEARTBEAT,
                "collateral_factor": cf,
                "liquidation_threshold": lt,
                "liquidation_bonus": bonus,
                "failure_by_scenario": DUST_FAILURE,
            },
            "shielder": {
                "market": SHIELD_MARKET,
                "margin_usd": SHIELD_MARGIN_USD,
                "leverage": SHIELD_LEVERAGE,
            },
        }

    # -- per scenario --
    def begin(self, path) -> None:
        """After the population opened (the lab's time is the opening's): fund the flash
        LP and open its account; open the shielder and its twin."""
        lab = self.lab
        q = lab.tokens[lab.quote]
        qunit = 10 ** lab.decimals[lab.quote]
        steps = path.steps
        attempt = {1, (steps - 1) // 2}
        attempt.add(path.shock["step"] if path.shock else 3 * (steps - 1) // 4)
        eth = lab.market_asset[SHIELD_MARKET]
        self.state = st = ScenarioState(
            path.name,
            DUST_FAILURE.get(path.name, "stale"),
            sorted(k for k in attempt if 1 <= k < steps),
            [
                path.at(k).get(eth, lab.default_prices.get(eth, 0.0))
                for k in range(steps)
            ],
            {
                a: [
                    path.at(k).get(a, lab.default_prices.get(a, 0.0))
                    for k in range(steps)
                ]
                for a in lab.market_asset.values()
            },
        )
        # the flash LP: its deposit and the largest margin any market's cap would need
        margin = 0
        for name, mid in lab.market_ids.items():
            params = ch.call(lab.rpc, lab.registry, "market", mid)["params"]
            need = params["oi_cap"] * params["initial_margin"] // WAD // WAD
            margin = max(margin, int(need * MARGIN_BUFFER) * qunit)
        deposit = lab.lp_deposit_units * FLASH_DEPOSIT_X
        st.flash_in = deposit + margin
        # the shielder's position: the direction the path hurts most
        prices = [path.at(k)[eth] for k in range(steps)]
        up, down = max(prices) / prices[0] - 1, 1 - min(prices) / prices[0]
        st.shield_side = -1 if up > down else 1
        margin_units = int(SHIELD_MARGIN_USD * qunit)
        st.shield_in_units = margin_units
        size = st.shield_side * int(
            SHIELD_MARGIN_USD * SHIELD_LEVERAGE / prices[0] * WAD
        )
        dep = lab.deployer
        answer = int(DUST_PRICE * 10**DUST_FEED_DECIMALS)
        first = self._block(
            [
                (dep, self.dust_feed, "set_answer", (answer,), "DUST answer"),
                (dep, q, "mint", (self.flash.address, st.flash_in), "mint flash LP"),
                (dep, q, "mint", (SHIELDER, margin_units), "mint shielder"),
                (dep, q, "mint", (SHIELD_TWIN, margin_units), "mint twin"),
                (dep, self.dust, "mint", (SHIELDER, 1), "mint 1 wei DUST"),
                (FLASH_EOA, self.flash, "open_account", (margin,), "flash account"),
                (SHIELD_TWIN, q, "approve", (lab.engine.address, MAX_UINT256), "a"),
                (SHIELD_TWIN, lab.engine, "open_account", (2,), "twin account"),
                (SHIELDER, q, "approve", (lab.engine.address, MAX_UINT256), "a"),
                (SHIELDER, self.dust, "approve", (lab.engine.address, 1), "a"),
                (SHIELDER, lab.engine, "open_account", (2,), "shield account"),
            ]
        )
        bad = [f"{s.label}: {s.reason}" for s in first if not s.ok]
        if bad:
            raise RuntimeError("agents: opening failed: " + "; ".join(bad))
        opened = self._opened(first)
        st.flash_account = opened[self.flash.address.lower()][0]
        st.shield_ids = {
            "shielder": opened[SHIELDER.lower()][0],
            "twin": opened[SHIELD_TWIN.lower()][0],
        }
        e, mid = lab.engine, lab.market_ids[SHIELD_MARKET]
        limit = MAX_UINT256 if size > 0 else 0
        second = self._block(
            [
                (SHIELD_TWIN, e, "deposit_collateral", (st.shield_ids["twin"], q.address, margin_units), "twin margin"),
                (SHIELD_TWIN, e, "modify_position", (st.shield_ids["twin"], mid, size, limit), "twin position"),
                (SHIELDER, e, "deposit_collateral", (st.shield_ids["shielder"], self.dust.address, 1), "1 wei DUST"),
                (SHIELDER, e, "deposit_collateral", (st.shield_ids["shielder"], q.address, margin_units), "shield margin"),
                (SHIELDER, e, "modify_position", (st.shield_ids["shielder"], mid, size, limit), "shield position"),
            ]
        )  # fmt: skip
        bad = [f"{s.label}: {s.reason}" for s in second if not s.ok]
        if bad:
            raise RuntimeError("agents: opening failed: " + "; ".join(bad))
        p0 = st.eth_prices[0]
        st.flash_gas_usd = self.deploy_gas * self.gwei * 1e-9 * p0 + self._gas_usd(
            [s for s in first if s.label == "flash account"], p0
        )
        for who, sender in (("shielder", SHIELDER), ("twin", SHIELD_TWIN)):
            mine = [s for s in first + second if self._sender(s.tx) == sender.lower()]
            st.shield_gas_usd[who] = self._gas_usd(mine, p0)
        st.liquidatable_at = {"shielder": None, "twin": None}
        lab.hooks = self

    def _sender(self, tx: str) -> str:
        return self.lab.rpc.call("eth_getTransactionByHash", tx)["from"].lower()

    def _opened(self, sent: list[Sent]) -> dict[str, list[int]]:
        topic = "0x" + Web3.keccak(
            text="AccountOpened(uint256,address,uint256)"
        ).hex().removeprefix("0x")
        out: dict[str, list[int]] = {}
        for s in sent:
            for log in s.receipt["logs"]:  # type: ignore[attr-defined]
                if (
                    log["address"].lower() == self.lab.engine.address.lower()
                    and log["topics"][0] == topic
                ):
                    owner = ("0x" + log["topics"][2][-40:]).lower()
                    out.setdefault(owner, []).append(int(log["topics"][1], 16))
        return out

    # -- the lab's hooks --
    def on_publish(self, batch: ch.Batch, k: int) -> None:
        """Inside step k's price block: DUST's feed is never published again (stale once
        its heartbeat passes); where the scenario removes it, that happens at step 1."""
        st = self.state
        if st and k == 1 and st.failure == "removed":
            batch.tx(
                self.lab.deployer,
                self.lab.oracle,
                "remove_feed",
                self.dust.address,
                gas=GAS,
                label="remove_feed DUST",
            )

    def before_bot(self, k: int) -> None:
        """After step k's prices, before the bot: is DUST usable, are the shielder and its
        twin liquidatable; the first time the shielder is, with DUST unusable, ask the
        engine (eth_call) and the Lens to seize its DUST."""
        lab, st = self.lab, self.state
        r = ch.Reader(lab.rpc)
        r.add(lab.oracle, "try_price", self.dust.address)
        for who in ("shielder", "twin"):
            r.add(lab.engine, "is_liquidatable", st.shield_ids[who])
        (_, usable), *liq = r.run()
        if not usable and st.dust_unusable_from is None:
            st.dust_unusable_from = k
        for who, flag in zip(("shielder", "twin"), liq):
            if flag and st.liquidatable_at[who] is None:
                st.liquidatable_at[who] = k
        if liq[0] and st.probe is not None and st.after_close is None:
            # liquidatable again after its position was closed: what the Lens promises
            quote = ch.call(
                lab.rpc,
                lab.lens,
                "quote_liquidation",
                st.shield_ids["shielder"],
                "0x0000000000000000000000000000000000000000",
            )
            if not quote["closes"]:
                st.after_close = {
                    "step": k,
                    **{
                        key: quote[key]
                        for key in (
                            "reverts",
                            "reason",
                            "closes",
                            "seizes",
                            "repay",
                            "seized",
                            "write_off",
                        )
                    },
                    "debt_usd": ch.call(
                        lab.rpc, lab.engine, "debt_of", st.shield_ids["shielder"]
                    )
                    / 10 ** lab.decimals[lab.quote],
                }
        if liq[0] and not usable and st.probe is None:
            account = st.shield_ids["shielder"]
            data = lab.engine.data(
                "liquidate", account, MAX_UINT256, self.dust.address, 0, lab.liquidator
            )
            returned = None
            try:
                raw = lab.rpc.call(
                    "eth_call",
                    {"from": lab.liquidator, "to": lab.engine.address, "data": data},
                    "latest",
                )
                # it goes through when nothing is left to repay once the position is
                # closed (step 3, repay and seize, is skipped): DUST is never touched
                engine_reason = "no revert"
                repaid, seized, fee = lab.engine.decode("liquidate", raw, 5)
                returned = {"repaid": repaid, "seized": seized, "fee": fee}
            except ch.RpcError as exc:
                engine_reason = revert_reason(exc)
            quote = ch.call(
                lab.rpc, lab.lens, "quote_liquidation", account, self.dust.address
            )
            st.probe = {
                "step": k,
                "engine_liquidate_seizing_dust": engine_reason,
                "returned": returned,
                "lens_quote_reverts": quote["reverts"],
                "lens_quote_reason": quote["reason"],
            }

    def after_step(self, k: int) -> None:
        """After the bot at step k: the flash LP's attempts at its steps."""
        st = self.state
        if st is None or k not in st.attempt_steps:
            return
        lab = self.lab
        mid, market, room = self._target()
        price_eth = st.eth_prices[k]
        # everything it holds in its wallet (its deposit, less what earlier tries lost)
        deposit = ch.call(
            lab.rpc, lab.tokens[lab.quote], "balanceOf", self.flash.address
        )
        asset = lab.market_asset[market]
        # the side the rest of the path rewards (the agent knows the future)
        future = st.prices[asset]
        side = 1 if future[-1] >= future[k] else -1
        price = ch.call(lab.rpc, lab.oracle, "price", lab.tokens[asset].address)
        size = side * int(room["with"] * FLASH_SIZE_USE * WAD * WAD // price)
        for variant in ("one transaction", "one block"):
            before = self._lp_view()
            if variant == "one transaction":
                sent = self._block(
                    [(FLASH_EOA, self.flash, "flash", (deposit, mid, size), "flash")]
                )
            else:
                sent = self._block(
                    [
                        (FLASH_EOA, self.flash, "deposit", (deposit,), "deposit"),
                        (FLASH_EOA, self.flash, "trade", (mid, size), "trade"),
                        (FLASH_EOA, self.flash, "redeem_all", (), "redeem"),
                    ]
                )
            after = self._lp_view()
            gas_usd = self._gas_usd(sent, price_eth)
            st.flash_gas_usd += gas_usd
            st.attempts.append(
                {
                    "step": k,
                    "variant": variant,
                    "market": market,
                    "side": "long" if side > 0 else "short",
                    "notional_usd": abs(size) * price / WAD / WAD,
                    "room_without_deposit_usd": room["without"],
                    "room_with_deposit_usd": room["with"],
                    "deposit_usd": deposit / 10 ** lab.decimals[lab.quote],
                    "txs": [
                        {"label": s.label, "ok": s.ok, "reason": s.reason, "gas": s.gas}
                        for s in sent
                    ],
                    "position_opened": after["agent_positions"] > 0,
                    "gas_usd": gas_usd,
                    "lp_value_change_usd": after["lp_value"] - before["lp_value"],
                    "others_unchanged": all(
                        after[key] == before[key]
                        for key in ("others_supply", "oi", "lp_shares")
                    ),
                }
            )

    def _target(self) -> tuple[int, str, dict]:
        """The market where the flash deposit would add the most room (USD), and that
        room: the largest notional the side's caps allow with and without the deposit
        counted (book_assets x oi share, the market's own cap; the traders' marked PnL,
        which the registry also subtracts, is left out here)."""
        lab = self.lab
        qunit = 10 ** lab.decimals[lab.quote]
        book = ch.call(lab.rpc, lab.vault, "book_assets") / qunit
        deposit = lab.lp_deposit_units * FLASH_DEPOSIT_X / qunit
        best = None
        for name, mid in lab.market_ids.items():
            params = ch.call(lab.rpc, lab.registry, "market", mid)["params"]
            state = ch.call(lab.rpc, lab.registry, "market_state", mid)
            asset = lab.market_asset[name]
            price = ch.call(lab.rpc, lab.oracle, "price", lab.tokens[asset].address)
            cap = params["oi_cap"] / WAD
            share = params["oi_share"] / WAD
            side = max(state["long_size"], state["short_size"]) * price / WAD / WAD
            room = {
                "without": max(0.0, min(cap, share * book) - side),
                "with": max(0.0, min(cap, share * (book + deposit)) - side),
            }
            gain = room["with"] - room["without"]
            if best is None or gain > best[3]:
                best = (mid, name, room, gain)
        assert best is not None
        return best[:3]

    def _lp_view(self) -> dict:
        lab, st = self.lab, self.state
        r = ch.Reader(lab.rpc)
        r.add(lab.vault, "balanceOf", lab.lp)
        r.add(lab.vault, "totalSupply")
        r.add(lab.vault, "balanceOf", self.flash.address)
        r.add(lab.engine, "positions_of", st.flash_account)
        for mid in lab.market_ids.values():
            r.add(lab.registry, "market_state", mid)
        out = r.run()
        lp_shares, supply, agent_shares, positions = out[:4]
        value = ch.call(lab.rpc, lab.vault, "convertToAssets", lp_shares)
        return {
            "lp_shares": lp_shares,
            "lp_value": value / 10 ** lab.decimals[lab.quote],
            "others_supply": supply - agent_shares,
            "agent_positions": len(positions),
            "oi": [(m["long_size"], m["short_size"]) for m in out[4:]],
        }

    # -- the scenario's figures --
    def finish(self, run) -> dict:
        """Read what the agents hold at the end; value it at the last prices."""
        lab, st = self.lab, self.state
        lab.hooks = None
        self.state = None
        qunit = 10 ** lab.decimals[lab.quote]
        q = lab.tokens[lab.quote]
        prices = run.prices_end
        price = lab.price_of(prices)
        r = ch.Reader(lab.rpc)
        r.add(q, "balanceOf", self.flash.address)
        r.add(lab.vault, "balanceOf", self.flash.address)
        r.add(lab.engine, "collateral_of", st.flash_account, q.address)
        r.add(lab.engine, "debt_of", st.flash_account)
        r.add(lab.engine, "account_health", st.flash_account)
        r.add(lab.engine, "positions_of", st.flash_account)
        wallet, shares, coll, debt, health, positions = r.run()
        share_value = ch.call(lab.rpc, lab.vault, "convertToAssets", shares)
        account = lab.account_value(
            {"balances": {lab.quote: coll}, "debt": debt, "health": health},
            prices,
        )
        flash_end = (wallet + share_value) / qunit * price(lab.quote) + account
        flash_in = st.flash_in / qunit * price(lab.quote)
        attempts = st.attempts
        reverts: dict[str, int] = {}
        for a in attempts:
            for t in a["txs"]:
                if not t["ok"]:
                    key = f"{t['label']}: {t['reason']}"
                    reverts[key] = reverts.get(key, 0) + 1
        flash = {
            "attempts": len(attempts),
            "attempt_steps": st.attempt_steps,
            "positions_opened": sum(1 for a in attempts if a["position_opened"]),
            "reverts": reverts,
            "put_in_usd": flash_in,
            "end_usd": flash_end,
            "gas_usd": st.flash_gas_usd,
            "net_gain_usd": flash_end - flash_in - st.flash_gas_usd,
            "shares_left": shares,
            "positions_left": len(positions),
            "lp_value_change_usd": sum(a["lp_value_change_usd"] for a in attempts),
            "others_unchanged": all(a["others_unchanged"] for a in attempts),
            "detail": attempts,
        }
        # the shielder and its twin
        liq = {}
        ids = st.shield_ids
        by_account = {v: k for k, v in ids.items()}
        step_of = {}
        for rec in run.steps:
            for b in range(rec.block_from, rec.block_to + 1):
                step_of[b] = rec.step
        for e in run.events["liquidated"]:
            who = by_account.get(e["account_id"])
            if who is None:
                continue
            token = e["seize_token"]
            symbol = (
                "sweep"
                if token == "0x0000000000000000000000000000000000000000"
                else DUST
                if token.lower() == self.dust.address.lower()
                else lab.symbol_of.get(token.lower(), token)
            )
            receipt = run.receipts.get(e["tx"]) or {}
            liq.setdefault(who, []).append(
                {
                    "step": step_of.get(e["block"], 0),
                    "gas": int(receipt.get("gasUsed", "0x0"), 16),
                    "repaid_usd": e["repaid"] / qunit,
                    "seized": e["seized"],
                    "seize_token": symbol if e["seized"] else "none",
                    "fee_usd": e["fee"] / qunit,
                }
            )
        written: dict[str, float] = {}
        for b in run.events["bad_debt"]:
            who = by_account.get(b["account_id"])
            if who:
                written[who] = written.get(who, 0.0) + b["assets"] / qunit
        r = ch.Reader(lab.rpc)
        for who in ("shielder", "twin"):
            r.add(lab.engine, "collateral_of", ids[who], q.address)
            r.add(lab.engine, "collateral_of", ids[who], self.dust.address)
            r.add(lab.engine, "debt_of", ids[who])
            r.add(lab.engine, "account_health", ids[who])
            r.add(lab.engine, "positions_of", ids[who])
        out = iter(r.run())
        shield: dict[str, Any] = {
            "side": "long" if st.shield_side > 0 else "short",
            "dust_failure": st.failure,
            "dust_unusable_from_step": st.dust_unusable_from,
            "seize_dust_probe": st.probe,
            "quote_after_close": st.after_close,
        }
        put_in = st.shield_in_units / qunit * price(lab.quote)
        for who in ("shielder", "twin"):
            usdc, dust, debt, health, positions = (next(out) for _ in range(5))
            value = lab.account_value(
                {"balances": {lab.quote: usdc}, "debt": debt, "health": health}, prices
            )
            # DUST at its last published price (its feed is unusable at the end)
            value += dust / 10**DUST_DECIMALS * DUST_PRICE
            end = max(0.0, value)
            dust_in = DUST_PRICE * 1 / 10**DUST_DECIMALS if who == "shielder" else 0.0
            gas = st.shield_gas_usd[who]
            events = liq.get(who, [])
            empty = [
                x
                for x in events
                if not (x["repaid_usd"] or x["seized"] or x["fee_usd"])
            ]
            shield[who] = {
                "account": ids[who],
                "liquidatable_from_step": st.liquidatable_at[who],
                "liquidations": len(events),
                "first_liquidation_step": events[0]["step"] if events else None,
                "liquidation_events": events[:3],
                "empty_liquidations": len(empty),
                "empty_liquidation_gas": sum(x["gas"] for x in empty),
                "empty_liquidation_gas_usd": sum(
                    x["gas"] * self.gwei * 1e-9 * st.eth_prices[x["step"]]
                    for x in empty
                ),
                "bad_debt_written_off_usd": written.get(who, 0.0),
                "debt_left_usd": debt / qunit,
                "shortfall_usd": max(0.0, -value),
                "dust_left_wei": dust if who == "shielder" else None,
                "positions_left": len(positions),
                "put_in_usd": put_in + dust_in,
                "end_usd": end,
                "gas_usd": gas,
                "net_gain_usd": end - put_in - dust_in - gas,
            }
        s, t = shield["shielder"], shield["twin"]
        shield["same_fate"] = (
            s["first_liquidation_step"] == t["first_liquidation_step"]
            and s["liquidatable_from_step"] == t["liquidatable_from_step"]
        )
        shield["gain_over_twin_usd"] = s["net_gain_usd"] - t["net_gain_usd"]
        shield["liquidations"] = s["liquidations"] + t["liquidations"]
        return {"flash_lp": flash, "dust_shield": shield}
