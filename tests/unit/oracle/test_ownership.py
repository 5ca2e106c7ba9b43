"""Two-step ownership: transfer_ownership names a pending owner, accept_ownership completes it."""

from __future__ import annotations

import ape
from oracle_defaults import DEVIATION, HEARTBEAT, MAX_PRICE, MIN_PRICE

ZERO = "0x0000000000000000000000000000000000000000"


def test_transfer_ownership__two_steps__new_owner_configures(
    oracle, owner, guardian, weth, deploy_feed
):
    receipt = oracle.transfer_ownership(guardian, sender=owner)
    assert oracle.pending_owner() == guardian
    assert oracle.owner() == owner  # nothing changes before step two
    started = receipt.decode_logs(oracle.OwnershipTransferStarted)
    assert [(e.previous_owner, e.new_owner) for e in started] == [
        (owner.address, guardian.address)
    ]

    receipt = oracle.accept_ownership(sender=guardian)
    assert oracle.owner() == guardian
    assert oracle.pending_owner() == ZERO
    done = receipt.decode_logs(oracle.OwnershipTransferred)
    assert [(e.previous_owner, e.new_owner) for e in done] == [
        (owner.address, guardian.address)
    ]

    # The new owner holds every setter; the old owner none.
    feed = deploy_feed(8)
    oracle.set_feed(
        weth,
        "WETH",
        feed,
        8,
        HEARTBEAT,
        DEVIATION,
        MIN_PRICE,
        MAX_PRICE,
        sender=guardian,
    )
    assert oracle.feed_config(weth).feed == feed.address
    with ape.reverts("oracle: not owner"):
        oracle.set_grace_period(600, sender=owner)
    with ape.reverts("oracle: not owner"):
        oracle.transfer_ownership(owner, sender=owner)


def test_transfer_ownership__not_owner__reverts(oracle, attacker):
    with ape.reverts("oracle: not owner"):
        oracle.transfer_ownership(attacker, sender=attacker)
    assert oracle.pending_owner() == ZERO


def test_accept_ownership__not_pending_owner__reverts(
    oracle, owner, guardian, attacker
):
    oracle.transfer_ownership(guardian, sender=owner)
    with ape.reverts("oracle: not pending owner"):
        oracle.accept_ownership(sender=attacker)
    with ape.reverts("oracle: not pending owner"):
        oracle.accept_ownership(
            sender=owner
        )  # the current owner is not the pending one
    assert oracle.owner() == owner
    assert oracle.pending_owner() == guardian


def test_accept_ownership__nothing_pending__reverts(oracle, owner, attacker):
    with ape.reverts("oracle: not pending owner"):
        oracle.accept_ownership(sender=attacker)
    assert oracle.owner() == owner


def test_pending_owner__cannot_configure_before_accepting(oracle, owner, guardian):
    oracle.transfer_ownership(guardian, sender=owner)
    with ape.reverts("oracle: not owner"):
        oracle.set_grace_period(600, sender=guardian)
    assert oracle.grace_period() == 3_600


def test_transfer_ownership__renamed__first_pending_owner_loses_claim(
    oracle, owner, guardian, operator
):
    oracle.transfer_ownership(guardian, sender=owner)
    oracle.transfer_ownership(operator, sender=owner)
    assert oracle.pending_owner() == operator
    with ape.reverts("oracle: not pending owner"):
        oracle.accept_ownership(sender=guardian)
    oracle.accept_ownership(sender=operator)
    assert oracle.owner() == operator


def test_transfer_ownership__to_empty__cancels(oracle, owner, guardian):
    oracle.transfer_ownership(guardian, sender=owner)
    receipt = oracle.transfer_ownership(ZERO, sender=owner)
    assert oracle.pending_owner() == ZERO
    started = receipt.decode_logs(oracle.OwnershipTransferStarted)
    assert [(e.previous_owner, e.new_owner) for e in started] == [(owner.address, ZERO)]
    with ape.reverts("oracle: not pending owner"):
        oracle.accept_ownership(sender=guardian)
    assert oracle.owner() == owner
