"""ERC-4626 actions and limits: deploy, deposit, mint, withdraw, redeem and the max* views.

Each success checks every state change and the events; each has its failure twin with the
exact revert reason. Expected figures come from the Python model (`Prices`), fed with what
the contract reports, never from numbers copied out of the contract.
"""

from __future__ import annotations

import ape
import pytest
from vault_model import DEFAULT_PARAMS, MAX_UINT256, WAD, ZERO_ADDRESS, Prices, logs


# ---- deploy ---------------------------------------------------------------------------
def test_deploy__fresh_vault__metadata_and_empty_books(
    vault, quote, owner, quote_decimals, chain
):
    assert vault.asset() == quote.address
    assert vault.decimals() == quote_decimals + vault.DECIMALS_OFFSET()
    assert vault.name() == "Bulkhead Quote Vault"
    assert vault.symbol() == "bhQUOTE"
    assert vault.owner() == owner.address
    assert vault.pending_owner() == ZERO_ADDRESS
    assert vault.guardian() == ZERO_ADDRESS
    assert vault.engine() == ZERO_ADDRESS
    assert not vault.deposits_paused()
    for name, value in DEFAULT_PARAMS.items():
        assert getattr(vault, name)() == value
    assert vault.debt_index() == WAD
    for view in (
        "totalAssets",
        "totalSupply",
        "cash",
        "reserve",
        "total_claims",
        "total_debt",
    ):
        assert getattr(vault, view)() == 0
    # Empty: one whole share (10**(d + offset) units) = (0 + 1) / (0 + 10**offset) of that
    # = 10**d asset units, one whole token.
    assert vault.share_price() == 10**quote_decimals

    receipt = chain.get_receipt(vault.txn_hash)
    assert logs(receipt, vault.OwnershipTransferred) == [
        {"previous_owner": ZERO_ADDRESS, "new_owner": owner.address}
    ]
    assert logs(receipt, vault.InterestModelSet) == [
        {k: DEFAULT_PARAMS[k] for k in ("base_rate", "slope1", "slope2", "kink")}
    ]
    assert logs(receipt, vault.ReserveFactorSet) == [
        {"old_factor": 0, "new_factor": DEFAULT_PARAMS["reserve_factor"]}
    ]


# Reverting deploys come from `stranger`, who deploys nothing else (see `deploy_vault`).
def test_deploy__zero_asset__reverts(deploy_vault, stranger):
    with ape.reverts("vault: zero asset"):
        deploy_vault(ZERO_ADDRESS, deployer=stranger)


def test_deploy__asset_without_code__reverts(deploy_vault, stranger, attacker):
    with ape.reverts("vault: asset has no code"):
        deploy_vault(attacker.address, deployer=stranger)


def test_deploy__asset_with_19_decimals__reverts(deploy_vault, deploy_quote, stranger):
    with ape.reverts("vault: asset decimals > 18"):
        deploy_vault(deploy_quote(19), deployer=stranger)


def test_deploy__bad_parameters__revert_with_the_setter_reasons(
    deploy_vault, quote, stranger
):
    with ape.reverts("vault: kink must be < 1"):
        deploy_vault(quote, deployer=stranger, kink=WAD)
    with ape.reverts("vault: reserve factor above 1"):
        deploy_vault(quote, deployer=stranger, reserve_factor=WAD + 1)


# ---- deposit --------------------------------------------------------------------------
def test_deposit__first_deposit__mints_at_the_virtual_price(
    vault, quote, fund, lp, lp2, unit
):
    assets = 100 * unit
    fund(lp, assets)
    expected = Prices.of(vault).deposit(assets)
    assert (
        expected == assets * 10 ** vault.DECIMALS_OFFSET()
    )  # 1 asset unit : 10**6 shares
    assert vault.previewDeposit(assets) == expected

    receipt = vault.deposit(assets, lp2, sender=lp)

    assert receipt.return_value == expected
    assert vault.balanceOf(lp2) == expected
    assert vault.balanceOf(lp) == 0
    assert vault.totalSupply() == expected
    assert vault.cash() == assets
    assert vault.totalAssets() == assets
    assert quote.balanceOf(vault) == assets
    assert quote.balanceOf(lp) == 0
    assert logs(receipt, vault.Deposit) == [
        {
            "sender": lp.address,
            "owner": lp2.address,
            "assets": assets,
            "shares": expected,
        }
    ]
    assert logs(receipt, vault.Transfer) == [
        {"sender": ZERO_ADDRESS, "receiver": lp2.address, "value": expected}
    ]


def test_deposit__second_deposit__priced_by_the_books(
    vault, gift, fund, seed, lp2, unit
):
    seed(1_000)
    gift(37 * unit)  # traders lost 37 tokens to the vault: the share price rises
    fund(lp2, 500 * unit)
    expected = Prices.of(vault).deposit(500 * unit)
    supply = vault.totalSupply()

    receipt = vault.deposit(500 * unit, lp2, sender=lp2)

    assert receipt.return_value == expected
    assert vault.balanceOf(lp2) == expected
    assert vault.totalSupply() == supply + expected
    assert vault.totalAssets() == 1_537 * unit


def test_deposit__zero_assets__reverts(vault, fund, lp, unit):
    fund(lp, unit)
    with ape.reverts("vault: zero assets"):
        vault.deposit(0, lp, sender=lp)


def test_deposit__zero_receiver__reverts(vault, fund, lp, unit):
    fund(lp, unit)
    with ape.reverts("vault: zero receiver"):
        vault.deposit(unit, ZERO_ADDRESS, sender=lp)


def test_deposit__would_mint_zero_shares__reverts(vault, gift, fund, lp, lp2, unit):
    # 1 wei buys 10**6 shares; a booked gain of 10 tokens (>= 2 * 10**6 wei) then makes one
    # share unit worth more than 1 wei, so a 1-wei deposit would mint nothing.
    fund(lp, 1)
    vault.deposit(1, lp, sender=lp)
    gift(10 * unit)
    fund(lp2, unit + 1)
    assert vault.previewDeposit(1) == 0
    with ape.reverts("vault: zero shares"):
        vault.deposit(1, lp2, sender=lp2)
    # Twin: a whole token is worth many shares and goes through.
    expected = vault.previewDeposit(unit)
    assert expected > 0
    vault.deposit(unit, lp2, sender=lp2)
    assert vault.balanceOf(lp2) == expected


def test_deposit__without_allowance__reverts_in_the_token(vault, quote, lp, unit):
    quote.mint(lp, unit, sender=lp)
    with ape.reverts():
        vault.deposit(unit, lp, sender=lp)
    assert vault.totalSupply() == 0
    assert vault.cash() == 0


# ---- mint -----------------------------------------------------------------------------
def test_mint__exact_shares__pulls_the_rounded_up_cost(
    vault, gift, quote, fund, seed, lp2, unit
):
    seed(1_000)
    gift(3 * unit)  # a share price that does not divide evenly
    shares = 123_456_789_012
    cost = Prices.of(vault).mint(shares)
    assert vault.previewMint(shares) == cost
    fund(lp2, cost)
    cash = vault.cash()

    receipt = vault.mint(shares, lp2, sender=lp2)

    assert receipt.return_value == cost
    assert vault.balanceOf(lp2) == shares
    assert vault.cash() == cash + cost
    assert quote.balanceOf(lp2) == 0
    assert logs(receipt, vault.Deposit) == [
        {"sender": lp2.address, "owner": lp2.address, "assets": cost, "shares": shares}
    ]


def test_mint__zero_shares__reverts(vault, fund, lp, unit):
    fund(lp, unit)
    with ape.reverts("vault: zero shares"):
        vault.mint(0, lp, sender=lp)


def test_mint__zero_receiver__reverts(vault, fund, lp, unit):
    fund(lp, unit)
    with ape.reverts("vault: zero receiver"):
        vault.mint(10**6, ZERO_ADDRESS, sender=lp)


# ---- withdraw -------------------------------------------------------------------------
def test_withdraw__own_shares__burns_the_rounded_up_shares(
    vault, quote, seed, lp, lp2, unit
):
    minted = seed(1_000)
    assets = 250 * unit + 1
    expected = Prices.of(vault).withdraw(assets)
    assert vault.previewWithdraw(assets) == expected

    receipt = vault.withdraw(assets, lp2, lp, sender=lp)

    assert receipt.return_value == expected
    assert vault.balanceOf(lp) == minted - expected
    assert vault.totalSupply() == minted - expected
    assert vault.cash() == 1_000 * unit - assets
    assert quote.balanceOf(lp2) == assets
    assert quote.balanceOf(vault) == 1_000 * unit - assets
    assert logs(receipt, vault.Withdraw) == [
        {
            "sender": lp.address,
            "receiver": lp2.address,
            "owner": lp.address,
            "assets": assets,
            "shares": expected,
        }
    ]
    assert logs(receipt, vault.Transfer) == [
        {"sender": lp.address, "receiver": ZERO_ADDRESS, "value": expected}
    ]


def test_withdraw__by_a_spender__uses_up_the_allowance(
    vault, quote, seed, lp, operator, unit
):
    minted = seed(1_000)
    shares = vault.previewWithdraw(100 * unit)
    vault.approve(operator, shares + 5, sender=lp)

    vault.withdraw(100 * unit, operator, lp, sender=operator)

    assert vault.allowance(lp, operator) == 5
    assert vault.balanceOf(lp) == minted - shares
    assert quote.balanceOf(operator) == 100 * unit


def test_withdraw__infinite_allowance__stays_infinite(vault, seed, lp, operator, unit):
    seed(1_000)
    vault.approve(operator, MAX_UINT256, sender=lp)
    vault.withdraw(100 * unit, operator, lp, sender=operator)
    assert vault.allowance(lp, operator) == MAX_UINT256


def test_withdraw__without_allowance__reverts(vault, seed, lp, operator, unit):
    seed(1_000)
    shares = vault.previewWithdraw(100 * unit)
    vault.approve(operator, shares - 1, sender=lp)
    with ape.reverts("vault: insufficient allowance"):
        vault.withdraw(100 * unit, operator, lp, sender=operator)


def test_withdraw__zero_assets__reverts(vault, seed, lp):
    seed()
    with ape.reverts("vault: zero assets"):
        vault.withdraw(0, lp, lp, sender=lp)


def test_withdraw__zero_receiver__reverts(vault, seed, lp, unit):
    seed()
    with ape.reverts("vault: zero receiver"):
        vault.withdraw(unit, ZERO_ADDRESS, lp, sender=lp)


def test_withdraw__above_max_withdraw__reverts(vault, seed, fund, lp, lp2, unit):
    seed(1_000)
    fund(lp2, 1_000 * unit)
    vault.deposit(1_000 * unit, lp2, sender=lp2)  # free cash is not the limit for lp
    most = vault.maxWithdraw(lp)
    balance = vault.balanceOf(lp)
    assert most == vault.previewRedeem(balance)
    with ape.reverts("vault: insufficient balance"):
        vault.withdraw(most + 1, lp, lp, sender=lp)
    burnt = vault.previewWithdraw(most)
    vault.withdraw(most, lp, lp, sender=lp)
    assert vault.balanceOf(lp) == balance - burnt


def test_withdraw__above_free_cash__reverts(
    vault, engine, flat_rates, seed, lp, trader, unit
):
    flat_rates()
    seed(1_000)
    engine.lend(900 * unit, trader, 0, sender=trader)
    engine.set_marks(0, 60 * unit, 0, True, sender=trader)  # reserved trader profit
    free = vault.free_cash()
    assert free == 40 * unit
    assert vault.maxWithdraw(lp) == free
    with ape.reverts("vault: exceeds free cash"):
        vault.withdraw(free + 1, lp, lp, sender=lp)
    vault.withdraw(free, lp, lp, sender=lp)
    assert vault.free_cash() == 0
    assert vault.maxWithdraw(lp) == 0


# ---- redeem ---------------------------------------------------------------------------
def test_redeem__own_shares__pays_the_rounded_down_value(
    vault, quote, seed, lp, lp2, unit
):
    minted = seed(1_000)
    shares = minted // 3
    expected = Prices.of(vault).redeem(shares)
    assert vault.previewRedeem(shares) == expected

    receipt = vault.redeem(shares, lp2, lp, sender=lp)

    assert receipt.return_value == expected
    assert vault.balanceOf(lp) == minted - shares
    assert vault.cash() == 1_000 * unit - expected
    assert quote.balanceOf(lp2) == expected
    assert logs(receipt, vault.Withdraw) == [
        {
            "sender": lp.address,
            "receiver": lp2.address,
            "owner": lp.address,
            "assets": expected,
            "shares": shares,
        }
    ]


def test_redeem__by_a_spender__uses_up_the_allowance(vault, seed, lp, operator):
    minted = seed(1_000)
    vault.approve(operator, minted, sender=lp)
    vault.redeem(minted // 2, operator, lp, sender=operator)
    assert vault.allowance(lp, operator) == minted - minted // 2
    with ape.reverts("vault: insufficient allowance"):
        vault.redeem(minted - minted // 2 + 1, operator, lp, sender=operator)


def test_redeem__zero_shares__reverts(vault, seed, lp):
    seed()
    with ape.reverts("vault: zero shares"):
        vault.redeem(0, lp, lp, sender=lp)


def test_redeem__zero_receiver__reverts(vault, seed, lp):
    minted = seed()
    with ape.reverts("vault: zero receiver"):
        vault.redeem(minted, ZERO_ADDRESS, lp, sender=lp)


def test_redeem__dust_worth_zero_assets__reverts(vault, seed, lp):
    seed()
    # One share unit is worth 10**-6 of an asset unit.
    assert vault.previewRedeem(1) == 0
    with ape.reverts("vault: zero assets"):
        vault.redeem(1, lp, lp, sender=lp)
    assert vault.maxRedeem(lp) == vault.balanceOf(lp)


def test_redeem__above_max_redeem__reverts(vault, seed, fund, lp, lp2, unit):
    minted = seed(1_000)
    fund(lp2, 1_000 * unit)
    vault.deposit(1_000 * unit, lp2, sender=lp2)
    assert vault.maxRedeem(lp) == minted
    with ape.reverts("vault: insufficient balance"):
        vault.redeem(minted + 1, lp, lp, sender=lp)
    vault.redeem(minted, lp, lp, sender=lp)
    assert vault.balanceOf(lp) == 0


def test_redeem__above_free_cash__reverts(
    vault, engine, flat_rates, seed, lp, trader, unit
):
    flat_rates()
    seed(1_000)
    engine.lend(700 * unit, trader, 0, sender=trader)
    engine.pay_pnl(1, 100 * unit, sender=trader)  # paid from cash: free cash = 200
    most = vault.maxRedeem(lp)
    assert vault.previewRedeem(most) == vault.free_cash() == 200 * unit
    with ape.reverts("vault: exceeds free cash"):
        vault.redeem(most + 1, lp, lp, sender=lp)
    vault.redeem(most, lp, lp, sender=lp)
    assert vault.free_cash() == 0


# ---- max* views -----------------------------------------------------------------------
def test_max_deposit_and_mint__open_vault__unlimited(vault, lp):
    assert vault.maxDeposit(lp) == MAX_UINT256
    assert vault.maxMint(lp) == MAX_UINT256


def test_max_views__deposits_paused__deposits_zero_exits_open(
    vault, seed, owner, lp, unit
):
    minted = seed()
    vault.pause_deposits(sender=owner)
    assert vault.maxDeposit(lp) == 0
    assert vault.maxMint(lp) == 0
    assert vault.maxRedeem(lp) == minted
    with ape.reverts("vault: deposits paused"):
        vault.deposit(unit, lp, sender=lp)
    with ape.reverts("vault: deposits paused"):
        vault.mint(10**6, lp, sender=lp)
    # Withdrawals never pause.
    vault.redeem(minted, lp, lp, sender=lp)
    assert vault.balanceOf(lp) == 0


@pytest.mark.parametrize("mode", ["not_ok", "revert", "garbage"])
def test_marks_not_ok__lp_entries_and_exits_halt__views_do_not_revert(
    vault, engine, seed, fund, lp, trader, unit, mode
):
    minted = seed(1_000)
    fund(lp, unit)
    if mode == "not_ok":
        engine.set_marks(-5 * unit, unit, unit, False, sender=trader)
    elif mode == "revert":
        engine.set_mode(engine.MODE_REVERT(), sender=trader)
    else:  # a figure beyond any token supply counts as a failed read
        engine.set_marks(2**200, 0, 0, True, sender=trader)

    for view in ("maxDeposit", "maxMint", "maxWithdraw", "maxRedeem"):
        assert getattr(vault, view)(lp) == 0
    assert vault.free_cash() == 0
    for view in ("previewDeposit", "previewMint", "previewWithdraw", "previewRedeem"):
        getattr(vault, view)(unit)  # returns, never reverts
    vault.totalAssets()
    vault.convertToShares(unit)
    vault.convertToAssets(minted)
    vault.share_price()

    for action, args in (
        (vault.deposit, (unit, lp)),
        (vault.mint, (10**6, lp)),
        (vault.withdraw, (unit, lp, lp)),
        (vault.redeem, (minted, lp, lp)),
    ):
        with ape.reverts("vault: marks unavailable"):
            action(*args, sender=lp)

    # Twin: marks back to normal, everything works again.
    engine.set_mode(engine.MODE_NORMAL(), sender=trader)
    engine.set_marks(0, 0, 0, True, sender=trader)
    vault.redeem(minted, lp, lp, sender=lp)
    assert vault.balanceOf(lp) == 0


# ---- fee-on-transfer ------------------------------------------------------------------
def test_deposit__fee_on_transfer_token__reverts(vault, quote, fund, lp, unit):
    fund(lp, 1_000 * unit)
    quote.set_fee_bps(10, sender=lp)  # 0.1 % burnt on every transfer
    with ape.reverts("vault: fee-on-transfer token"):
        vault.deposit(1_000 * unit, lp, sender=lp)
    with ape.reverts("vault: fee-on-transfer token"):
        vault.mint(10**6 * unit, lp, sender=lp)
    # Twin: the same token without the fee is accepted.
    quote.set_fee_bps(0, sender=lp)
    vault.deposit(1_000 * unit, lp, sender=lp)
    assert vault.cash() == 1_000 * unit


def test_deposit__donation_on_the_books__fee_still_detected(
    vault, quote, fund, lp, attacker, unit
):
    # A surplus balance (a donation) must not hide a fee: the check is on the balance delta.
    quote.mint(vault, 1_000 * unit, sender=attacker)
    fund(lp, 1_000 * unit)
    quote.set_fee_bps(10, sender=lp)
    with ape.reverts("vault: fee-on-transfer token"):
        vault.deposit(1_000 * unit, lp, sender=lp)


# ---- bounds of the packed books -------------------------------------------------------
def test_deposit__cash_beyond_2_pow_128__reverts(vault, fund, lp):
    most = 2**128 - 1  # cash shares a slot with the reserve: 128 bits each
    fund(lp, most + 1)
    with ape.reverts("vault: cash overflow"):
        vault.deposit(most + 1, lp, sender=lp)
    vault.deposit(most, lp, sender=lp)  # twin: the largest cash fits
    assert vault.cash() == most
    assert vault.totalAssets() == most
