"""Gas of LP and borrower actions through the real, wired contracts (not the MockEngine)."""

from __future__ import annotations

import pytest

USDC = 10**6
WETH = 10**18


@pytest.mark.gas
def test_gas__repeat_deposit_with_real_engine_and_interest_accruing(
    protocol, fund, lp, lp2, trader, pin_time, gas
):
    vault = protocol.contracts["Vault"]
    engine = protocol.contracts["MarginEngine"]
    fund(lp, "USDC", 1_000_000 * USDC, vault)
    vault.deposit(500_000 * USDC, lp, sender=lp)
    # a borrower, so the repeat deposit has interest to accrue
    fund(trader, "WETH", 10 * WETH, engine)
    account = (
        engine.open_account(1, sender=trader)
        .decode_logs(engine.AccountOpened)[0]
        .account_id
    )
    engine.deposit_collateral(
        account, protocol.tokens["WETH"], 10 * WETH, sender=trader
    )
    pin_time(0)
    refresh_feeds(protocol, lp)
    engine.borrow(account, 10_000 * USDC, trader, sender=trader)
    pin_time(3_600)  # one hour of interest to accrue in the next transaction
    receipt = vault.deposit(1_000 * USDC, lp, sender=lp)
    assert vault.last_accrual() == receipt.timestamp
    gas.record(
        "vault: repeat deposit (real engine, no open interest, interest accruing)",
        receipt,
    )
    pin_time(7_200)
    receipt = vault.redeem(vault.balanceOf(lp) // 2, lp, lp, sender=lp)
    gas.record(
        "vault: redeem (real engine, no open interest, interest accruing)", receipt
    )


def refresh_feeds(protocol, sender) -> None:
    """Re-publish every mock feed's answer now (pinned gas timestamps jump past heartbeats)."""
    for feed in protocol.feeds.values():
        feed.set_answer(feed.latestRoundData()[1], sender=sender)
