"""Tests added for survivors of the mutation run (docs/mutation.md), engine side.

The lock, function by function: a token whose transfer hook calls back into the engine is
deposited, so the hook runs while the engine holds its lock. Every external function except
the few that are deliberately ``@reentrant`` must then revert with no data (the lock's
revert), and the very same call made from the same hook outside any engine action must
answer (or revert with its own reason). A mutant that adds ``@reentrant`` to one function,
or drops ``# pragma nonreentrancy on``, makes that function answer mid-action.
"""

from __future__ import annotations

import dataclasses

import ape
import pytest
from eth_abi import decode
from engine_defaults import CROSS, MAX_UINT256, PERPS, WAD, Listing, wad

# DESIGN.md, Liquidation: the buffer a cross liquidation restores (a spec value; the
# contracts keep it as a module constant and expose no getter for it).
LIQ_BUFFER = 105 * 10**16

# Session fixtures first, so ape never has to rebase its isolation snapshots mid-module.
pytestmark = pytest.mark.usefixtures("system", "funded_account", "fund")

HOOK = Listing("HOOK", 18, "10", "0.5", "0.6", "0.05", "0.1", "1000")
DEPOSIT = 5_000

# Deliberately unlocked (`@reentrant`): views of data no action changes mid-way (account
# ownership, listing, wiring) that bots and the vault may read at any time.
REENTRANT = {
    "owner_of",
    "mode_of",
    "is_operator",
    "account_count",
    "account_count_of",
    "accounts_of",
    "collateral_config",
    "listed_collaterals",
    "markets",
    "vault",
    "oracle",
    "registry",
    "extension",
    "quote",
}
# Public constants: Vyper compiles their getters without the lock (they read no state).
CONSTANTS = {
    "MODE_ISOLATED",
    "MODE_CROSS",
    "MAX_COLLATERALS",
    "MAX_POSITIONS",
    "MAX_MARKETS",
}
UNLOCKED = REENTRANT | CONSTANTS


@pytest.fixture
def hooked_engine(deploy_engine, list_token, project, owner, attacker):
    """A system with a hook token listed as collateral; the attacker made the token its
    operator, so a call from the hook passes every permission check an owner would."""
    system = deploy_engine(collaterals=())
    token = project.MockReentrantToken.deploy("Hook", "HOOK", 18, sender=owner)
    list_token(system, token, HOOK)
    engine = system.engine
    account = engine.open_account(CROSS, sender=attacker).return_value
    engine.set_operator(token, True, sender=attacker)
    token.mint(attacker, 10 * DEPOSIT, sender=attacker)
    token.approve(engine, MAX_UINT256, sender=attacker)
    engine.deposit_collateral(account, token, DEPOSIT, sender=attacker)
    return system, token, account


ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)


def _reason(data: bytes) -> str:
    assert data[:4] == ERROR_SELECTOR, data
    return decode(["string"], data[4:])[0]


def _calls(token, account, attacker) -> dict[str, tuple[tuple, str | None]]:
    """Every external function of the engine with arguments, and what the call does from
    the hook OUTSIDE an engine action: None = it succeeds, else its revert reason."""
    return {
        # actions (the hook is the attacker's operator)
        "open_account": ((CROSS,), None),
        "set_operator": ((attacker, True), None),
        "deposit_collateral": ((account, token, 0), "engine: zero amount"),
        "withdraw_collateral": ((account, token, 1, attacker), None),
        "transfer_collateral": ((account, account, token, 1), "engine: same account"),
        "borrow": ((account, 0, attacker), "engine: zero amount"),
        "repay": ((account, 1), "engine: no debt"),
        "modify_position": ((account, 1, 0, 0), "engine: zero size"),
        "close_position": ((account, 1, 0), "engine: no position"),
        "open_isolated": ((attacker, token, 0, 1, 1, 0), "engine: zero amount"),
        "liquidate": ((account, 0, token, 0, attacker), "engine: not liquidatable"),
        # owner and guardian
        "list_collateral": ((token, token, 0, 1, 0, 0), "engine: not owner"),
        "configure_collateral": ((token, 0, 1, 0, 0, True), "engine: not owner"),
        "set_min_debt": ((1,), "engine: not owner"),
        "transfer_ownership": ((attacker,), "engine: not owner"),
        "accept_ownership": ((), "engine: not pending owner"),
        "set_guardian": ((attacker,), "engine: not owner"),
        "set_paused": ((True,), "engine: not owner or guardian"),
        # views and getters
        "owner": ((), None),
        "pending_owner": ((), None),
        "guardian": ((), None),
        "paused": ((), None),
        "min_debt": ((), None),
        "MODE_ISOLATED": ((), None),
        "MODE_CROSS": ((), None),
        "MAX_COLLATERALS": ((), None),
        "MAX_POSITIONS": ((), None),
        "MAX_MARKETS": ((), None),
        "owner_of": ((account,), None),
        "mode_of": ((account,), None),
        "is_operator": ((attacker, token), None),
        "account_count": ((), None),
        "account_count_of": ((attacker,), None),
        "accounts_of": ((attacker, 0, 10), None),
        "active_count": ((), None),
        "active_at": ((0,), None),
        "is_active": ((account,), None),
        "collateral_config": ((token,), None),
        "listed_collaterals": ((), None),
        "total_collateral": ((token,), None),
        "collateral_of": ((account, token), None),
        "collaterals_of": ((account,), None),
        "debt_of": ((account,), None),
        "debt_shares_of": ((account,), None),
        "claim_of": ((account,), None),
        "markets": ((), None),
        "position_of": ((account, 1), None),
        "positions_of": ((account,), None),
        "account_health": ((account,), None),
        "health_factor": ((account,), None),
        "is_liquidatable": ((account,), None),
        "vault_marks": ((), None),
        "vault": ((), None),
        "oracle": ((), None),
        "registry": ((), None),
        "extension": ((), None),
        "quote": ((), None),
    }


def _functions(contract) -> set[str]:
    return {a.name for a in contract.contract_type.abi if a.type == "function"}


def _arm(token, engine, name, args, attacker):
    data = getattr(engine, name).encode_input(*args)
    token.arm(engine, data, False, sender=attacker)


def test_every_engine_function__is_classified(hooked_engine, attacker):
    """The tables below cover the whole ABI: a new function must say whether it is locked."""
    system, token, account = hooked_engine
    calls = _calls(token, account, attacker)
    assert set(calls) == _functions(system.engine)
    assert UNLOCKED < set(calls)


def test_locked_functions__from_a_hook_mid_action__revert_with_the_lock(
    hooked_engine, attacker
):
    """deposit_collateral -> token.transferFrom -> hook -> engine.<f>: the lock reverts
    (no revert data) for every function but the @reentrant views and the constants; the
    deposit goes through."""
    system, token, account = hooked_engine
    engine = system.engine
    answered = []
    locked = [n for n in _calls(token, account, attacker) if n not in UNLOCKED]
    for name in locked:
        _arm(token, engine, name, _calls(token, account, attacker)[name][0], attacker)
        engine.deposit_collateral(account, token, 1, sender=attacker)
        assert token.hook_called(), name
        if token.hook_success() or token.hook_return() != b"":
            answered.append(name)
    assert answered == []
    assert engine.collateral_of(account, token) == DEPOSIT + len(locked)
    assert (
        token.balanceOf(engine)
        == engine.total_collateral(token)
        == DEPOSIT + len(locked)
    )


def test_locked_functions__same_call_outside_an_action__answer(
    hooked_engine, attacker, stranger
):
    """The twin: the same calls from the same hook, run by a plain wallet-to-wallet transfer
    (no engine action under way), succeed or revert with their own reason, so a missing
    lock would show in the test above."""
    system, token, account = hooked_engine
    engine = system.engine
    for name, (args, reason) in _calls(token, account, attacker).items():
        _arm(token, engine, name, args, attacker)
        token.transfer(stranger, 1, sender=attacker)
        assert token.hook_called(), name
        if reason is None:
            assert token.hook_success(), (name, token.hook_return())
        else:
            assert not token.hook_success(), name
            assert _reason(token.hook_return()) == reason, name


def test_unlocked_views__from_a_hook_mid_action__answer(hooked_engine, attacker):
    """The deliberately unlocked views and the constants answer even while the engine
    holds its lock."""
    system, token, account = hooked_engine
    engine = system.engine
    calls = _calls(token, account, attacker)
    for name in sorted(UNLOCKED):
        _arm(token, engine, name, calls[name][0], attacker)
        engine.deposit_collateral(account, token, 1, sender=attacker)
        assert token.hook_called() and token.hook_success(), name
    assert engine.collateral_of(account, token) == DEPOSIT + len(UNLOCKED)


# ---- the order of the checks ------------------------------------------------------------
def test_deposit__unknown_account__reported_before_the_other_inputs(
    system, funded_account, trader
):
    """An id never opened is the first thing a deposit rejects, whatever else is wrong
    with it (a zero amount, a token never listed); its twin on an open account gets the
    other reasons."""
    engine, weth = system.engine, system.tokens["WETH"]
    unknown = engine.account_count() + 1
    with ape.reverts("engine: unknown account"):
        engine.deposit_collateral(unknown, weth, 0, sender=trader)
    with ape.reverts("engine: unknown account"):
        engine.deposit_collateral(unknown, trader, 1, sender=trader)
    account = funded_account(trader, CROSS)
    with ape.reverts("engine: zero amount"):
        engine.deposit_collateral(account, weth, 0, sender=trader)
    with ape.reverts("engine: collateral not listed"):
        engine.deposit_collateral(account, trader, 1, sender=trader)


def test_open_isolated__collateral_unlisted_or_disabled__reverts_and_opens_nothing(
    system, owner, trader, fund
):
    """`open_isolated` checks its collateral like `deposit_collateral` does: a token never
    listed and a disabled one are refused with their reasons and no bucket is opened; the
    twin, the same call once the token is enabled again, opens the bucket."""
    engine, weth = system.engine, system.tokens["WETH"]
    amount = fund(trader, "WETH", 1)
    count = engine.account_count()
    with ape.reverts("engine: collateral not listed"):
        engine.open_isolated(
            trader, trader, amount, 1, wad("0.1"), MAX_UINT256, sender=trader
        )
    config = engine.collateral_config(weth)
    args = (
        config.collateral_factor,
        config.liquidation_threshold,
        config.liquidation_bonus,
        config.supply_cap,
    )
    engine.configure_collateral(weth, *args, False, sender=owner)
    with ape.reverts("engine: collateral disabled"):
        engine.open_isolated(
            trader, weth, amount, 1, wad("0.1"), MAX_UINT256, sender=trader
        )
    assert engine.account_count() == count
    engine.configure_collateral(weth, *args, True, sender=owner)
    bucket = engine.open_isolated(
        trader, weth, amount, 1, wad("0.1"), MAX_UINT256, sender=trader
    ).return_value
    assert bucket == count + 1
    assert engine.collateral_of(bucket, weth) == amount
    assert engine.position_of(bucket, 1).size == wad("0.1")


# ---- the liquidation plan's projection ---------------------------------------------------
def test_plan_closes__stops_exactly_at_the_buffer_with_each_requirement_rounded_up(
    system,
):
    """A cross liquidation stops closing once equity_maint >= LIQ_BUFFER x the remaining
    maint_req. maint_req is a sum of per-position requirements each rounded up, so a close
    removes exactly its rounded-up requirement: an account sitting exactly on the buffer
    after its worst close stops there (one close), while one wei of equity less closes
    the next position too (its twin)."""
    registry, markets = system.registry, system.markets
    eth, btc = markets["ETH"], markets["BTC"]
    size_eth, price_eth = wad("1.234567891234567891"), wad("2650.123456789")
    size_btc, price_btc = wad("0.012345678912345679"), wad("60000.712345679")
    positions = [
        # Longs entered well above the prices: the ETH one is the worst.
        (eth, size_eth, size_eth * wad("3000") // WAD),
        (btc, size_btc, size_btc * wad("61000") // WAD),
    ]
    prices = [price_eth, price_btc]
    quote_lt = wad("0.97")
    full = registry.plan_closes(positions, prices, 0, 0, quote_lt, True)
    assert [c.market_id for c in full] == [eth, btc]
    assert all(c.realised < 0 for c in full)  # losses: no profit weighting

    def requirement(close) -> int:
        margin = registry.market(close.market_id).params.maintenance_margin
        assert close.notional * margin % WAD != 0  # rounding matters here
        return -(-close.notional * margin // WAD)

    worst, other = full
    maint_req = requirement(worst) + requirement(other)
    remaining = requirement(other)
    on_buffer = -(-remaining * LIQ_BUFFER // WAD)  # the least equity at the buffer
    equity = on_buffer + worst.trading_fee + worst.liquidation_fee
    assert equity * WAD < maint_req * LIQ_BUFFER  # below the buffer before any close
    plan = registry.plan_closes(positions, prices, equity, maint_req, quote_lt, False)
    assert [c.market_id for c in plan] == [eth]
    plan = registry.plan_closes(
        positions, prices, equity - 1, maint_req, quote_lt, False
    )
    assert [c.market_id for c in plan] == [eth, btc]


def test_seize_plan__whole_balance__repay_values_it_rounded_up_at_every_step(system):
    """When the bonus-weighted seize exceeds the balance, the liquidator takes the whole
    balance and pays `repay_for` it: the balance's USD value rounded up, divided by
    (1 + bonus) rounded up, converted to quote rounded up (docs/differential.md, D2). A
    balance whose USD value is not a whole wei tells the inner rounding apart."""
    registry = system.registry
    balance, price, decimals = 12_347, wad("60000.123456789123"), 8
    bonus, unit = wad("0.05"), 10**decimals

    def ceil_div(a: int, b: int) -> int:
        return -(-a // b)

    value_up = ceil_div(balance * price, unit)
    assert value_up != balance * price // unit  # not a whole wei
    repay_up = ceil_div(value_up * WAD, WAD + bonus)
    repay_down_inner = ceil_div(balance * price // unit * WAD, WAD + bonus)
    assert repay_up != repay_down_inner  # the case tells the two roundings apart
    terms = (
        10**21,  # 1,000 of an 18-decimal quote at 1 USD: far above the balance's value
        MAX_UINT256,
        True,  # a bucket: full close
        wad("0.5"),
        10**18,
        WAD,
        10**18,
        0,
        False,
    )
    repaid, seized, amounts = registry.seize_plan(
        terms, [(balance, price, decimals, bonus, wad("0.85"))]
    )
    assert (repaid, seized, list(amounts)) == (repay_up, balance, [balance])


@pytest.mark.parametrize("size", ["0.100000000000000001", "-0.100000000000000001"])
def test_position__odd_size_in_wei__stored_and_read_back_exactly(
    system, trader, funded_account, size
):
    """A position word packs size and basis as 128-bit fields: every bit of the size comes
    back, the lowest included (sizes in whole fractions of a token are even in wei)."""
    engine, eth = system.engine, system.markets["ETH"]
    account = funded_account(trader, CROSS, USDC=100_000)
    delta = wad(size)
    assert delta % 2 == 1
    limit = MAX_UINT256 if delta > 0 else 0
    engine.modify_position(account, eth, delta, limit, sender=trader)
    assert engine.position_of(account, eth).size == delta
    engine.modify_position(account, eth, delta, limit, sender=trader)
    assert engine.position_of(account, eth).size == 2 * delta


def test_position_basis__beyond_its_packed_field_reverts(
    system, owner, lp, trader, funded_account
):
    """A position's basis (entry notional) is stored in a signed 128-bit field (1.7 x 10**20
    USD). With a cap that allows it, a 2 x 10**15 BTC long at 60,000 (1.2 x 10**20 USD) is
    stored; 3 x 10**15 (1.8 x 10**20 USD), still inside the 112-bit side size, is refused."""
    engine, registry, vault, quote = (
        system.engine,
        system.registry,
        system.vault,
        system.quote,
    )
    market = system.markets["BTC"]
    btc = dataclasses.replace(
        next(p for p in PERPS if p.symbol == "BTC"),
        skew_impact_scale=str(10**20),
        skew_scale=str(10**20),
        oi_cap=str(3 * 10**20),  # 3 x 10**38 WAD: fits its 128-bit field
        oi_share="1",
    )
    registry.set_market(market, btc.params(), sender=owner)
    quote.mint(lp, 10**21 * system.q, sender=lp)
    quote.approve(vault, MAX_UINT256, sender=lp)
    vault.deposit(10**21 * system.q, lp, sender=lp)
    account = funded_account(trader, CROSS, USDC=10**20)
    with ape.reverts("bulkhead: value out of range"):
        engine.modify_position(
            account, market, wad(3 * 10**15), MAX_UINT256, sender=trader
        )
    assert engine.position_of(account, market).size == 0
    engine.modify_position(account, market, wad(2 * 10**15), MAX_UINT256, sender=trader)
    assert engine.position_of(account, market).size == wad(2 * 10**15)
    assert engine.position_of(account, market).basis >= wad(12 * 10**19)
