"""Attack-regression fixtures: the engine's ``deploy_engine`` factory
(tests/unit/engine/conftest.py, loaded by path: conftest modules are not importable by
name) builds a whole system on the real contracts, and a Lens is deployed next to it.

The session system is ``attack_env`` (never ``system``: ape isolates chain snapshots per
fixture name, and tests/unit/engine has a session-scoped ``system``). Helpers that act on
it are plain functions in ``attack_helpers.py``. Modules that need a system of their own
(an empty vault, a hooked quote) build it with ``deploy_engine`` in a module fixture and
request ``attack_env`` first, so ape never rebases its snapshots mid-module.
"""

from __future__ import annotations


import pytest
from conftest_loader import engine_fixtures


_engine = engine_fixtures()
# Re-exported so pytest registers them for this folder (factories: they deploy nothing).
add_feed = _engine.add_feed
list_token = _engine.list_token
deploy_engine = _engine.deploy_engine
System = _engine.System


@pytest.fixture(scope="session")
def attack_env(
    project,
    chain,
    deploy_engine,
    list_token,
    owner,
    guardian,
    lp,
    lp2,
    trader,
    trader2,
    liquidator,
    attacker,
    stranger,
    operator,
):
    """The default system (DESIGN parameters, 1,000,000 USDC of LP seed) with a Lens
    (``.lens``), deployed once per session; each test runs on a chain snapshot of it.
    It requests every session fixture a test here uses (the actors, `chain`, the
    factories), so none is first requested mid-module: ape would then "rebase" its
    isolation snapshots, re-running the module's fixtures."""
    env = deploy_engine()
    env.lens = project.Lens.deploy(env.engine, sender=owner)
    return env


@pytest.fixture(scope="module")
def attack_clock(chain, owner):
    """Deterministic block times: ``attack_clock(env, gap)`` moves the next block `gap`
    seconds (default 10) past the head, makes every later block exactly 1 s after the
    previous one, and republishes every feed (so prices are fresh at the new time); it
    returns the time of the block that republished the last feed. Module-scoped, so
    module fixtures can pin the time too (ape's per-test snapshots restore block times);
    the interval is removed when the module ends."""

    class Clock:
        pinned = False

        def __call__(self, env, gap: int = 10) -> int:
            chain.pending_timestamp = chain.blocks.head.timestamp + gap
            if not self.pinned:
                chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
                self.pinned = True
            for feed in env.feeds.values():
                feed.set_answer(feed.latestRoundData()[1], sender=owner)
            return chain.blocks.head.timestamp

    c = Clock()
    yield c
    if c.pinned:
        chain.provider.make_request("anvil_removeBlockTimestampInterval", [])
