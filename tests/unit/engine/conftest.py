"""Engine fixtures: a ``deploy_engine`` factory that builds a whole system on the REAL
OracleAdapter and Vault, and a session-wide default ``system`` built with it.

``deploy_engine()`` deploys MockERC20 tokens (quote 6 dec, WETH 18, WBTC 8, MEME 18, LINK 18,
UNI 18), 8-decimal MockAggregator feeds, a sequencer uptime feed (up since long ago), the
OracleAdapter, the Vault (DESIGN interest model), the MarketRegistry, the MarginEngine (quote
listed with the DESIGN defaults), wires them (`vault.set_engine`, `registry.set_engine`),
lists every collateral and perp market with its defaults (markets ETH = 1, BTC = 2,
MEME = 3) and seeds the vault with LP liquidity. Other test folders can reuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from scripts import _engine
from engine_defaults import (
    COLLATERALS,
    DEVIATION,
    FEED_DECIMALS,
    HEARTBEAT,
    LP_SEED_UNITS,
    MAX_UINT256,
    PERPS,
    QUOTE,
    VAULT_PARAMS,
    Listing,
    PerpListing,
    feed_answer,
    publish_all,
    wad,
)


@dataclass
class System:
    """One deployed Bulkhead system and handles to every mock around it."""

    engine: Any
    vault: Any
    registry: Any
    oracle: Any
    sequencer: Any
    quote: Any
    tokens: dict[str, Any] = field(
        default_factory=dict
    )  # symbol -> token (quote included)
    feeds: dict[str, Any] = field(default_factory=dict)  # symbol -> price feed
    listings: dict[str, Listing] = field(default_factory=dict)  # symbol -> parameters
    markets: dict[str, int] = field(default_factory=dict)  # perp symbol -> market id
    perps: dict[str, PerpListing] = field(
        default_factory=dict
    )  # perp symbol -> parameters

    def unit(self, symbol: str) -> int:
        """One whole token of `symbol` in its own decimals."""
        return 10 ** self.listings[symbol].decimals

    @property
    def q(self) -> int:
        """One whole quote unit."""
        return self.unit(QUOTE.symbol)


def _deploy_oracle(project: Any, owner: Any, sequencer: Any) -> Any:
    """The OracleAdapter, whichever constructor it has (none, or (sequencer, grace))."""
    inputs = project.OracleAdapter.contract_type.constructor.inputs
    if len(inputs) == 2:
        return project.OracleAdapter.deploy(sequencer, 3_600, sender=owner)
    oracle = project.OracleAdapter.deploy(sender=owner)
    oracle.set_sequencer_feed(sequencer, sender=owner)
    return oracle


@pytest.fixture(scope="session")
def add_feed(project, owner) -> Callable[..., Any]:
    """Price `asset` on `oracle` with a fresh 8-decimal feed for `listing`; returns the feed."""

    def _add(oracle: Any, asset: Any, listing: Listing) -> Any:
        feed = project.MockAggregator.deploy(
            FEED_DECIMALS, feed_answer(listing.price), sender=owner
        )
        oracle.set_feed(
            asset,
            listing.symbol,
            feed,
            FEED_DECIMALS,
            HEARTBEAT,
            DEVIATION,
            wad(listing.min_price),
            wad(listing.max_price),
            sender=owner,
        )
        return feed

    return _add


@pytest.fixture(scope="session")
def list_token(owner, add_feed) -> Callable[..., Any]:
    """Give `token` a feed and list it as collateral on `system` with `listing`'s parameters."""

    def _list(
        system: System, token: Any, listing: Listing, supply_cap: int = MAX_UINT256
    ) -> Any:
        feed = add_feed(system.oracle, token, listing)
        system.engine.list_collateral(
            token,
            token,
            wad(listing.cf),
            wad(listing.lt),
            wad(listing.bonus),
            supply_cap,
            sender=owner,
        )
        system.tokens[listing.symbol] = token
        system.feeds[listing.symbol] = feed
        system.listings[listing.symbol] = listing
        return feed

    return _list


@pytest.fixture(scope="session")
def deploy_engine(project, owner, lp, add_feed, list_token) -> Callable[..., System]:
    """Build a system. `quote_token` replaces the MockERC20 quote (e.g. a hostile token with
    the same constructor); `collaterals` chooses the listings; `lp_seed` whole quote units;
    `perps` the markets (each listed only if its asset is a listed collateral)."""

    def _deploy(
        quote_token: Any = None,
        collaterals: tuple[Listing, ...] = COLLATERALS,
        lp_seed: int = LP_SEED_UNITS,
        quote_listing: Listing = QUOTE,
        perps: tuple[PerpListing, ...] = PERPS,
    ) -> System:
        sequencer = project.MockSequencerFeed.deploy(0, 1, sender=owner)
        oracle = _deploy_oracle(project, owner, sequencer)
        quote = quote_token or project.MockERC20.deploy(
            f"Mock {quote_listing.symbol}",
            quote_listing.symbol,
            quote_listing.decimals,
            sender=owner,
        )
        quote_feed = add_feed(oracle, quote, quote_listing)
        vault = project.Vault.deploy(
            quote,
            "Bulkhead USDC",
            "bhUSDC",
            VAULT_PARAMS["base_rate"],
            VAULT_PARAMS["slope1"],
            VAULT_PARAMS["slope2"],
            VAULT_PARAMS["kink"],
            VAULT_PARAMS["reserve_factor"],
            sender=owner,
        )
        registry = project.MarketRegistry.deploy(oracle, vault, quote, sender=owner)
        engine, _ = _engine.deploy(
            project,
            lambda container, *args: container.deploy(*args, sender=owner),
            vault,
            oracle,
            registry,
            quote,
            wad(quote_listing.cf),
            wad(quote_listing.lt),
            wad(quote_listing.bonus),
            MAX_UINT256,
        )
        vault.set_engine(engine, sender=owner)
        registry.set_engine(engine, sender=owner)
        system = System(
            engine=engine,
            vault=vault,
            registry=registry,
            oracle=oracle,
            sequencer=sequencer,
            quote=quote,
            tokens={quote_listing.symbol: quote},
            feeds={quote_listing.symbol: quote_feed},
            listings={quote_listing.symbol: quote_listing},
        )
        for listing in collaterals:
            token = project.MockERC20.deploy(
                f"Mock {listing.symbol}", listing.symbol, listing.decimals, sender=owner
            )
            list_token(system, token, listing)
        for perp in perps:
            if perp.asset not in system.tokens:
                continue  # a system with other collaterals lists only the markets it can price
            receipt = registry.list_market(
                system.tokens[perp.asset], perp.params(), sender=owner
            )
            system.markets[perp.symbol] = receipt.return_value
            system.perps[perp.symbol] = perp
        if lp_seed:
            amount = lp_seed * 10**quote_listing.decimals
            quote.mint(lp, amount, sender=lp)
            quote.approve(vault, MAX_UINT256, sender=lp)
            vault.deposit(amount, lp, sender=lp)
        return system

    return _deploy


@pytest.fixture(scope="session")
def system(deploy_engine) -> System:
    """The default system, deployed once per session (each test runs on a chain snapshot)."""
    return deploy_engine()


@pytest.fixture(scope="session")
def fund(system) -> Callable[..., int]:
    """Mint `whole` tokens of `symbol` (or `raw` token units) to `actor` and approve the engine."""

    def _fund(
        actor: Any,
        symbol: str,
        whole: int | str = 0,
        raw: int | None = None,
        on: System | None = None,
    ) -> int:
        s = on or system
        amount = raw if raw is not None else wad(whole) * s.unit(symbol) // 10**18
        token = s.tokens[symbol]
        token.mint(actor, amount, sender=actor)
        token.approve(s.engine, MAX_UINT256, sender=actor)
        return amount

    return _fund


@pytest.fixture(scope="session")
def open_account(system) -> Callable[..., int]:
    """Open an account for `actor` (mode 1 or 2); returns its id."""

    def _open(actor: Any, mode: int, on: System | None = None) -> int:
        s = on or system
        return s.engine.open_account(mode, sender=actor).return_value

    return _open


@pytest.fixture(scope="session")
def funded_account(system, fund, open_account) -> Callable[..., int]:
    """Open an account for `actor` and deposit `whole` tokens of each given symbol."""

    def _make(
        actor: Any, mode: int, on: System | None = None, **deposits: int | str
    ) -> int:
        s = on or system
        account_id = open_account(actor, mode, s)
        for symbol, whole in deposits.items():
            amount = fund(actor, symbol, whole, on=s)
            s.engine.deposit_collateral(
                account_id, s.tokens[symbol], amount, sender=actor
            )
        return account_id

    return _make


@pytest.fixture(scope="session")
def advance(chain, system, owner) -> Callable[..., None]:
    """Move time forward by `seconds` (one block) and republish every feed's answer, so
    prices stay fresh across long jumps (interest accrual tests)."""

    def _advance(seconds: int, on: System | None = None) -> None:
        s = on or system
        chain.mine(timestamp=chain.blocks.head.timestamp + seconds)
        publish_all(s, owner)

    return _advance


@pytest.fixture(scope="session")
def set_price(system, owner) -> Callable[..., None]:
    """Publish a new answer (decimal USD string) on the feed of collateral `symbol` ("WETH")."""

    def _set(symbol: str, price: str, on: System | None = None) -> None:
        s = on or system
        s.feeds[symbol].set_answer(feed_answer(price), sender=owner)

    return _set


@pytest.fixture(scope="session")
def trade(system) -> Callable[..., Any]:
    """`modify_position` on `market` ("ETH") by `size` whole base tokens (decimal string,
    signed) with no price limit (buys accept any fill, sells any fill > 0)."""

    def _trade(
        actor: Any,
        account_id: int,
        market: str,
        size: str | int,
        on: System | None = None,
    ) -> Any:
        s = on or system
        delta = wad(size)
        limit = MAX_UINT256 if delta > 0 else 0
        return s.engine.modify_position(
            account_id, s.markets[market], delta, limit, sender=actor
        )

    return _trade
