# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title OracleAdapter
@custom:contract-name OracleAdapter
@license MIT
@notice Turns Chainlink-style `latestRoundData` answers into WAD USD prices and classifies
        every way an answer can be unusable on an L2: a halted sequencer, a broken or
        misconfigured feed, a stale answer, the grace period after a restart, and answers
        outside the sane band. The engine applies its per-action policy on the status
        (docs/oracle.md); the vault views and the Lens use the non-reverting forms.
@dev One classifier (`_classify`) serves every view, so `price`, `try_price`, `price_info`
     and `price_info_many` can never disagree. It reads the sequencer feed once and each
     asset feed once (`latestRoundData` plus `decimals`), through `raw_call` with
     `revert_on_failure=False` and explicit return-size checks: a feed that reverts, returns
     short data or has no code yields INVALID, never a revert. Only `price` reverts, with
     a reason built from the classifier's reason code (no second read).
     Status precedence (IOracleAdapter): SEQUENCER_DOWN > INVALID > STALE > GRACE >
     OUT_OF_BAND > OK. When the sequencer is down the asset feed is not read at all (its
     answer is frozen and the price is 0 anyway), so an unknown asset reads SEQUENCER_DOWN.
     Trust: the owner chooses the feeds; a feed is trusted not to burn all forwarded gas
     (it would leave the caller 1/64 of its gas, see EIP-150).
     Gas: the configuration is packed by hand (Vyper gives every struct member its own
     slot), so a classification reads two storage slots per asset plus one for the
     sequencer instead of seven; the symbol is read only on the revert and config paths.
     The layout and its bounds are under "storage packing" below and in docs/oracle.md.
"""

from interfaces import IOracleAdapter

implements: IOracleAdapter


# ---- constants ------------------------------------------------------------------------
# @dev The bounds are public so tests, scripts and bots read them instead of copying them.
# @dev Decimals of a WAD (10**18): prices are WAD USD per whole token, ratios are WAD.
WAD_DECIMALS: constant(uint8) = 18
# @dev Hard ceiling of any price this adapter returns: 10**18 USD per whole token (WAD).
#      An answer above it is garbage (INVALID), never a price; it also keeps every
#      `answer * 10**(18 - decimals)` and the engine's value maths far from overflow.
PRICE_CEILING: public(constant(uint256)) = 10**36
# @dev Longest heartbeat a feed may be configured with (7 days, seconds).
MAX_HEARTBEAT: public(constant(uint256)) = 7 * 86400
# @dev Deviation thresholds must be strictly below 10% (WAD ratio): the engine sets each
#      market's spread to at least the deviation, so a larger value is a misconfiguration.
MAX_DEVIATION: public(constant(uint256)) = 10**17
# @dev Grace period after the sequencer comes back up (seconds): default and bounds.
DEFAULT_GRACE_PERIOD: public(constant(uint256)) = 3600
MAX_GRACE_PERIOD: public(constant(uint256)) = 86400
# @dev Most assets `price_info_many` takes in one call (matches IOracleAdapter).
MAX_BATCH: public(constant(uint256)) = 32
# @dev Chainlink L2 sequencer uptime feed answers.
SEQUENCER_UP: constant(int256) = 0
SEQUENCER_DOWN: constant(int256) = 1
# @dev `latestRoundData()` returns five 32-byte words (roundId, answer, startedAt,
#      updatedAt, answeredInRound); `decimals()` returns one.
ROUND_DATA_SIZE: constant(uint256) = 160
WORD_SIZE: constant(uint256) = 32

# @dev Reason codes the classifier returns with its status; `_reason` turns them into the
#      revert strings of `price` ("oracle: WETH stale").
R_NONE: constant(uint8) = 0
R_UNKNOWN_ASSET: constant(uint8) = 1
R_NO_CODE: constant(uint8) = 2
R_CALL_FAILED: constant(uint8) = 3
R_DECIMALS: constant(uint8) = 4
R_ANSWER: constant(uint8) = 5
R_UPDATED_ZERO: constant(uint8) = 6
R_UPDATED_FUTURE: constant(uint8) = 7
R_TOO_LARGE: constant(uint8) = 8
R_STALE: constant(uint8) = 9
R_OUT_OF_BAND: constant(uint8) = 10
R_SEQ_DOWN: constant(uint8) = 11
R_SEQ_GRACE: constant(uint8) = 12
R_SEQ_INVALID: constant(uint8) = 13
R_SEQ_NO_CODE: constant(uint8) = 14
R_SEQ_CALL_FAILED: constant(uint8) = 15
R_PRE_RESTART: constant(uint8) = 16

# ---- storage packing ------------------------------------------------------------------
# @dev Vyper stores each struct member in a slot of its own, so the hot-path fields are
#      packed by hand into whole words. Fields are unsigned; bit 0 is the lowest bit.
#      `StoredFeed.params` (read by every classification):
#        bits   0..159  feed address                     160 bits
#        bits 160..167  feed decimals (1..18)              8 bits
#        bits 168..191  heartbeat, seconds (<= 604,800)   24 bits
#        bits 192..255  deviation, WAD ratio (< 10**17)   64 bits
#      `StoredFeed.band` (read when the answer is otherwise usable):
#        bits   0..127  min_price, WAD (<= 10**36 < 2**120)  128 bits
#        bits 128..255  max_price, WAD (<= 10**36 < 2**120)  128 bits
#      `_sequencer_config`:
#        bits   0..159  sequencer uptime feed address    160 bits
#        bits 160..255  grace_period, seconds (<= 86,400) 96 bits
#      Every value is bound-checked in its setter before it is packed, and each bound fits
#      its field (the compile-time checks below), so no field can spill into the next.
# @dev Low 160 bits: an address field (feed, sequencer feed).
ADDRESS_MASK: constant(uint256) = 2**160 - 1
# @dev Feed decimals: 8 bits from bit 160 (the full uint8 range fits).
DECIMALS_SHIFT: constant(uint256) = 160
DECIMALS_MASK: constant(uint256) = 2**8 - 1
# @dev Heartbeat: 24 bits from bit 168 (2**24 - 1 s is about 194 days).
HEARTBEAT_SHIFT: constant(uint256) = 168
HEARTBEAT_MASK: constant(uint256) = 2**24 - 1
# @dev Deviation: the top 64 bits (from bit 192); a right shift alone extracts it, so its
#      mask serves only the width check below.
DEVIATION_SHIFT: constant(uint256) = 192
DEVIATION_MASK: constant(uint256) = 2**64 - 1
# @dev Price band: min_price in the low 128 bits, max_price in the high 128 bits.
PRICE_MASK: constant(uint256) = 2**128 - 1
MAX_PRICE_SHIFT: constant(uint256) = 128
# @dev Grace period: the top 96 bits of `_sequencer_config` (from bit 160); like the
#      deviation, read by a right shift alone (the mask serves the width check).
GRACE_SHIFT: constant(uint256) = 160
GRACE_MASK: constant(uint256) = 2**96 - 1
# @dev Compile-time width checks: each headroom must be a valid (non-negative) uint256, so
#      raising a bound past its packed field stops compilation ("literal can only be cast
#      as int..."). Not used at run time. Decimals need none: the field holds any uint8.
_HEARTBEAT_HEADROOM: constant(uint256) = HEARTBEAT_MASK - MAX_HEARTBEAT
_DEVIATION_HEADROOM: constant(uint256) = DEVIATION_MASK - MAX_DEVIATION
_PRICE_HEADROOM: constant(uint256) = PRICE_MASK - PRICE_CEILING
_GRACE_HEADROOM: constant(uint256) = GRACE_MASK - MAX_GRACE_PERIOD


# ---- structs --------------------------------------------------------------------------
# @dev The stored form of an asset's IOracleAdapter.FeedConfig (layout above). Members
#      are consecutive slots; reading one member costs one SLOAD.
struct StoredFeed:
    params: uint256  # feed | decimals | heartbeat (s) | deviation (WAD ratio), packed
    band: uint256  # min_price | max_price (WAD USD per whole token), packed
    symbol: String[16]  # asset symbol for revert reasons; not on the hot path


# @dev The unpacked `StoredFeed.params` word.
struct FeedParams:
    feed: address  # Chainlink-style aggregator (proxy); empty = asset not listed
    decimals: uint8  # decimals of the feed's answer, 1..18
    heartbeat: uint256  # max age of `updatedAt`, in seconds
    deviation: uint256  # the feed's deviation threshold, WAD ratio


# ---- storage --------------------------------------------------------------------------
# @dev Feed configuration per asset (token address), packed (see "storage packing");
#      feed == empty = not listed. Units: seconds, WAD ratio, WAD USD per whole token.
_feeds: HashMap[address, StoredFeed]

# @dev The L2 sequencer uptime feed (low 160 bits; empty = no sequencer check: L1, local)
#      and the grace period in seconds after its last restart (`startedAt`) during which
#      prices are GRACE (high bits). One slot: every classification reads both.
#      Read through `sequencer_feed()` and `grace_period()`.
_sequencer_config: uint256

# @dev The only account that may change the configuration.
owner: public(address)
# @dev The account that may accept ownership (step two of the transfer); empty = none.
pending_owner: public(address)


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__():
    """
    @notice The deployer becomes the owner; no sequencer feed; grace period 3600 s.
    """
    self.owner = msg.sender
    # No sequencer feed (low bits empty); the default grace period in the high bits.
    self._sequencer_config = DEFAULT_GRACE_PERIOD << GRACE_SHIFT
    log IOracleAdapter.OwnershipTransferred(previous_owner=empty(address), new_owner=msg.sender)
    log IOracleAdapter.GracePeriodSet(old_period=0, new_period=DEFAULT_GRACE_PERIOD)


# ---- external: prices -----------------------------------------------------------------
@external
@view
def price_info(asset: address) -> (uint256, IOracleAdapter.PriceStatus):
    """
    @notice The WAD USD price of one whole `asset` and its classification. Never reverts.
    @param asset The 20-byte asset (token) address.
    @return The 32-byte WAD price (0 unless OK, GRACE or OUT_OF_BAND) and the status.
    """
    p: uint256 = 0
    status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    reason: uint8 = R_NONE
    p, status, reason = self._price_info(asset)
    return p, status


@external
@view
def price_info_many(assets: DynArray[address, MAX_BATCH]) -> DynArray[IOracleAdapter.PriceInfo, MAX_BATCH]:
    """
    @notice `price_info` for each of `assets`, in order, reading the sequencer feed once.
            Never reverts (beyond calldata that does not decode).
    @param assets Up to 32 asset addresses. A repeated asset is read once: it gets the
           result of its first occurrence (same block, same state, same classification),
           so an account whose markets share an oracle asset pays for one feed read.
    @return One (price, status) per asset.
    """
    seq_status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    seq_reason: uint8 = R_NONE
    restarted_at: uint256 = 0
    seq_status, seq_reason, restarted_at = self._sequencer()
    out: DynArray[IOracleAdapter.PriceInfo, MAX_BATCH] = []
    i: uint256 = 0
    for asset: address in assets:
        info: IOracleAdapter.PriceInfo = empty(IOracleAdapter.PriceInfo)
        for j: uint256 in range(i, bound=MAX_BATCH):
            if assets[j] == asset:
                info = out[j]
                break
        if info.status == empty(IOracleAdapter.PriceStatus):  # not seen: _classify never returns an empty flag
            reason: uint8 = R_NONE
            info.price, info.status, reason = self._classify(asset, seq_status, seq_reason, restarted_at)
        out.append(info)
        i += 1
    return out


@external
@view
def price(asset: address) -> uint256:
    """
    @notice The WAD USD price of one whole `asset`; reverts unless the status is OK.
    @dev The revert reason names the asset and the rule, e.g. "oracle: WETH stale",
         "oracle: unknown asset", "oracle: sequencer grace period".
    @param asset The 20-byte asset address.
    @return The 32-byte WAD price (> 0).
    """
    p: uint256 = 0
    status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    reason: uint8 = R_NONE
    p, status, reason = self._price_info(asset)
    if status != IOracleAdapter.PriceStatus.OK:
        raise self._reason(asset, reason)
    return p


@external
@view
def try_price(asset: address) -> (uint256, bool):
    """
    @notice (price, True) when the status of `asset` is OK, else (0, False). Never reverts.
    @param asset The 20-byte asset address.
    @return The 32-byte WAD price and whether it is OK.
    """
    p: uint256 = 0
    status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    reason: uint8 = R_NONE
    p, status, reason = self._price_info(asset)
    if status != IOracleAdapter.PriceStatus.OK:
        return 0, False
    return p, True


@external
@view
def sequencer_status() -> IOracleAdapter.PriceStatus:
    """
    @notice OK, GRACE or SEQUENCER_DOWN. OK when no sequencer feed is configured; a feed
            that is broken or answers something other than 0/1 reads SEQUENCER_DOWN.
    @return The sequencer part of the classification.
    """
    status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    reason: uint8 = R_NONE
    restarted_at: uint256 = 0
    status, reason, restarted_at = self._sequencer()
    return status


@external
@view
def deviation(asset: address) -> uint256:
    """
    @notice The deviation threshold of the feed of `asset` (WAD ratio); 0 if not listed.
    @param asset The 20-byte asset address.
    @return The 32-byte WAD ratio (0.005 = 5 * 10**15).
    """
    return self._unpack_params(self._feeds[asset].params).deviation


@external
@view
def feed_config(asset: address) -> IOracleAdapter.FeedConfig:
    """
    @notice The stored configuration of `asset` (all zero when not listed).
    @param asset The 20-byte asset address.
    @return The FeedConfig struct.
    """
    params: FeedParams = self._unpack_params(self._feeds[asset].params)
    band: uint256 = self._feeds[asset].band
    return IOracleAdapter.FeedConfig(
        symbol=self._feeds[asset].symbol,
        feed=params.feed,
        decimals=params.decimals,
        heartbeat=params.heartbeat,
        deviation=params.deviation,
        min_price=band & PRICE_MASK,
        max_price=band >> MAX_PRICE_SHIFT,
    )


@external
@view
def sequencer_feed() -> address:
    """
    @notice The L2 sequencer uptime feed; empty = no sequencer check.
    @return The 20-byte feed address.
    """
    return convert(self._sequencer_config & ADDRESS_MASK, address)


@external
@view
def grace_period() -> uint256:
    """
    @notice Seconds after the sequencer's last restart during which prices read GRACE.
    @return The 32-byte period in seconds, 1..86400.
    """
    return self._sequencer_config >> GRACE_SHIFT


# ---- external: configuration (owner) --------------------------------------------------
@external
def set_feed(
    asset: address,
    symbol: String[16],
    feed: address,
    decimals: uint8,
    heartbeat: uint256,
    deviation: uint256,
    min_price: uint256,
    max_price: uint256,
):
    """
    @notice List `asset` or replace its configuration.
    @dev The feed must have code, answer `latestRoundData` with five words and report
         exactly `decimals`; its current answer is not judged (listing during an outage
         is allowed, the classifier handles it).
    @param asset The 20-byte asset (token) address.
    @param symbol The asset's symbol for revert reasons, 1..16 bytes.
    @param feed The 20-byte Chainlink-style feed address.
    @param decimals The feed's answer decimals, 1..18.
    @param heartbeat The longest accepted age of an answer, 1..7 days in seconds.
    @param deviation The feed's deviation threshold, a WAD ratio in (0, 0.1).
    @param min_price The lowest sane WAD price, > 0.
    @param max_price The highest sane WAD price, > min_price and <= 10**36.
    """
    self._check_owner()
    assert asset != empty(address), "oracle: zero asset"
    assert len(symbol) != 0, "oracle: empty symbol"
    assert feed != empty(address), "oracle: zero feed"
    assert feed.is_contract, "oracle: feed has no code"
    assert decimals != 0, "oracle: decimals 0"
    assert decimals <= WAD_DECIMALS, "oracle: decimals > 18"
    assert heartbeat != 0, "oracle: heartbeat 0"
    assert heartbeat <= MAX_HEARTBEAT, "oracle: heartbeat > 7 days"
    assert deviation != 0, "oracle: deviation 0"
    assert deviation < MAX_DEVIATION, "oracle: deviation >= 10%"
    assert min_price != 0, "oracle: min price 0"
    assert min_price < max_price, "oracle: min >= max"
    assert max_price <= PRICE_CEILING, "oracle: max price > ceiling"

    ok: bool = False
    feed_decimals: uint256 = 0
    ok, feed_decimals = self._read_decimals(feed)
    assert ok, "oracle: feed call failed"
    assert feed_decimals == convert(decimals, uint256), "oracle: feed decimals mismatch"
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    ok, answer, started_at, updated_at = self._read_round(feed)
    assert ok, "oracle: feed call failed"

    # Each value is within its field (bounds above, widths under "storage packing").
    self._feeds[asset] = StoredFeed(
        params=(
            convert(feed, uint256)
            | (convert(decimals, uint256) << DECIMALS_SHIFT)
            | (heartbeat << HEARTBEAT_SHIFT)
            | (deviation << DEVIATION_SHIFT)
        ),
        band=min_price | (max_price << MAX_PRICE_SHIFT),
        symbol=symbol,
    )
    log IOracleAdapter.FeedSet(
        asset=asset,
        feed=feed,
        symbol=symbol,
        decimals=decimals,
        heartbeat=heartbeat,
        deviation=deviation,
        min_price=min_price,
        max_price=max_price,
    )


@external
def remove_feed(asset: address):
    """
    @notice Unlist `asset`: from now on it reads INVALID ("oracle: unknown asset").
    @dev The engine must not hold a market or collateral on an unlisted asset; that is
         the owner's (configurator's) responsibility.
    @param asset The 20-byte asset address.
    """
    self._check_owner()
    feed: address = self._unpack_params(self._feeds[asset].params).feed
    assert feed != empty(address), "oracle: unknown asset"
    self._feeds[asset] = empty(StoredFeed)
    log IOracleAdapter.FeedRemoved(asset=asset, feed=feed)


@external
def set_sequencer_feed(feed: address):
    """
    @notice Set the L2 sequencer uptime feed; `empty(address)` turns the check off (L1, local).
    @dev A non-empty feed must have code and answer `latestRoundData` with five words.
    @param feed The 20-byte uptime feed address, or empty.
    """
    self._check_owner()
    if feed != empty(address):
        assert feed.is_contract, "oracle: sequencer feed has no code"
        ok: bool = False
        answer: int256 = 0
        started_at: uint256 = 0
        updated_at: uint256 = 0
        ok, answer, started_at, updated_at = self._read_round(feed)
        assert ok, "oracle: sequencer feed call failed"
    config: uint256 = self._sequencer_config
    log IOracleAdapter.SequencerFeedSet(
        old_feed=convert(config & ADDRESS_MASK, address), new_feed=feed
    )
    # Keep the grace period (high bits), replace the feed (low 160 bits).
    self._sequencer_config = (config & ~ADDRESS_MASK) | convert(feed, uint256)


@external
def set_grace_period(period: uint256):
    """
    @notice Set how long after a sequencer restart prices read GRACE.
    @param period The 32-byte grace period in seconds, 1..86400.
    """
    self._check_owner()
    assert period != 0, "oracle: grace period 0"
    assert period <= MAX_GRACE_PERIOD, "oracle: grace period > 1 day"
    config: uint256 = self._sequencer_config
    log IOracleAdapter.GracePeriodSet(old_period=config >> GRACE_SHIFT, new_period=period)
    # Keep the feed (low 160 bits), replace the grace period (high bits; period <= 1 day).
    self._sequencer_config = (config & ADDRESS_MASK) | (period << GRACE_SHIFT)


# ---- external: ownership --------------------------------------------------------------
@external
def transfer_ownership(new_owner: address):
    """
    @notice Step one: name `new_owner`, who must call `accept_ownership`. Naming
            `empty(address)` cancels a pending transfer. Ownership cannot be renounced:
            an oracle nobody can fix would freeze the protocol.
    @param new_owner The 20-byte address of the next owner, or empty to cancel.
    """
    self._check_owner()
    self.pending_owner = new_owner
    log IOracleAdapter.OwnershipTransferStarted(previous_owner=msg.sender, new_owner=new_owner)


@external
def accept_ownership():
    """
    @notice Step two: the pending owner takes ownership.
    """
    assert msg.sender == self.pending_owner, "oracle: not pending owner"
    previous: address = self.owner
    self.owner = msg.sender
    self.pending_owner = empty(address)
    log IOracleAdapter.OwnershipTransferred(previous_owner=previous, new_owner=msg.sender)


# ---- internal -------------------------------------------------------------------------
@internal
@view
def _check_owner():
    """
    @dev Reverts unless the caller is the owner.
    """
    assert msg.sender == self.owner, "oracle: not owner"


@internal
@view
def _read_round(feed: address) -> (bool, int256, uint256, uint256):
    """
    @dev Reads `latestRoundData()` without reverting.
    @param feed The 20-byte feed address; a call to an account without code succeeds
           with no data, which reads as not ok.
    @return ok (the call succeeded and returned at least five words), answer, startedAt
            and updatedAt. Fields are read as raw words, so no value can fail to decode.
    """
    success: bool = False
    data: Bytes[ROUND_DATA_SIZE] = b""
    success, data = raw_call(
        feed,
        method_id("latestRoundData()"),
        max_outsize=ROUND_DATA_SIZE,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not success or len(data) < ROUND_DATA_SIZE:
        return False, 0, 0, 0
    return (
        True,
        extract32(data, 1 * WORD_SIZE, output_type=int256),
        extract32(data, 2 * WORD_SIZE, output_type=uint256),
        extract32(data, 3 * WORD_SIZE, output_type=uint256),
    )


@internal
@view
def _read_decimals(feed: address) -> (bool, uint256):
    """
    @dev Reads `decimals()` without reverting.
    @param feed The 20-byte feed address.
    @return ok (the call succeeded and returned a word) and the word as uint256 (a value
            that is not a valid uint8 simply fails the comparison with the config).
    """
    success: bool = False
    data: Bytes[WORD_SIZE] = b""
    success, data = raw_call(
        feed,
        method_id("decimals()"),
        max_outsize=WORD_SIZE,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not success or len(data) < WORD_SIZE:
        return False, 0
    return True, extract32(data, 0, output_type=uint256)


@internal
@view
def _sequencer() -> (IOracleAdapter.PriceStatus, uint8, uint256):
    """
    @dev Classifies the sequencer: OK (no feed, or up for at least the grace period),
         GRACE (up for less than the grace period), or SEQUENCER_DOWN (down, or a feed
         whose status cannot be trusted: no code, failed call, answer not 0/1,
         `startedAt` 0 or in the future). Uses `startedAt` (when the status last
         changed), not `updatedAt`. The grace period ends exactly at
         `startedAt + grace_period`, which is already OK.
    @return The status, its reason code and, for GRACE, the restart time (`startedAt`;
            0 otherwise): in the grace period only answers published at or after it
            are used (`_classify`).
    """
    config: uint256 = self._sequencer_config
    feed: address = convert(config & ADDRESS_MASK, address)
    if feed == empty(address):
        return IOracleAdapter.PriceStatus.OK, R_NONE, 0
    ok: bool = False
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    ok, answer, started_at, updated_at = self._read_round(feed)
    if not ok:
        # A call to an account without code succeeds with no data: tell the two apart
        # only now, when the call has warmed the account (see `_classify`).
        if not feed.is_contract:
            return IOracleAdapter.PriceStatus.SEQUENCER_DOWN, R_SEQ_NO_CODE, 0
        return IOracleAdapter.PriceStatus.SEQUENCER_DOWN, R_SEQ_CALL_FAILED, 0
    if started_at == 0 or started_at > block.timestamp:
        return IOracleAdapter.PriceStatus.SEQUENCER_DOWN, R_SEQ_INVALID, 0
    if answer == SEQUENCER_DOWN:
        return IOracleAdapter.PriceStatus.SEQUENCER_DOWN, R_SEQ_DOWN, 0
    if answer != SEQUENCER_UP:
        return IOracleAdapter.PriceStatus.SEQUENCER_DOWN, R_SEQ_INVALID, 0
    # started_at <= block.timestamp was checked above: unsafe_sub cannot underflow.
    if unsafe_sub(block.timestamp, started_at) < config >> GRACE_SHIFT:
        return IOracleAdapter.PriceStatus.GRACE, R_SEQ_GRACE, started_at
    return IOracleAdapter.PriceStatus.OK, R_NONE, 0


@internal
@view
def _price_info(asset: address) -> (uint256, IOracleAdapter.PriceStatus, uint8):
    """
    @dev The sequencer read and the asset classification for one asset.
    @param asset The 20-byte asset address.
    @return The WAD price, the status and the reason code (see `_classify`).
    """
    seq_status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    seq_reason: uint8 = R_NONE
    restarted_at: uint256 = 0
    seq_status, seq_reason, restarted_at = self._sequencer()
    return self._classify(asset, seq_status, seq_reason, restarted_at)


@internal
@view
def _classify(
    asset: address,
    seq_status: IOracleAdapter.PriceStatus,
    seq_reason: uint8,
    restarted_at: uint256,
) -> (uint256, IOracleAdapter.PriceStatus, uint8):
    """
    @dev The one classifier. Checks in precedence order, each returning at once:
         SEQUENCER_DOWN (feed not read), INVALID (not listed, no code, failed call,
         decimals changed, answer <= 0, updatedAt 0 or in the future, answer above the
         ceiling), STALE (age > heartbeat; age == heartbeat is fresh; and in the grace
         period an answer published before the restart), GRACE, OUT_OF_BAND
         (price outside [min_price, max_price], bounds inclusive), OK.
         Scaling: price = answer * 10**(18 - decimals), exact (decimals <= 18).
         Storage: one slot (`params`) for every listed asset; the `band` slot only when
         the answer is otherwise usable; the symbol never (only `_reason` reads it).
    @param asset The 20-byte asset address.
    @param seq_status The sequencer status from `_sequencer`.
    @param seq_reason Its reason code.
    @param restarted_at When the sequencer came back up, if GRACE (else unused).
    @return The WAD price (0 unless OK, GRACE or OUT_OF_BAND), the status, the reason code.
    """
    if seq_status == IOracleAdapter.PriceStatus.SEQUENCER_DOWN:
        return 0, IOracleAdapter.PriceStatus.SEQUENCER_DOWN, seq_reason

    params: FeedParams = self._unpack_params(self._feeds[asset].params)
    feed: address = params.feed
    if feed == empty(address):
        return 0, IOracleAdapter.PriceStatus.INVALID, R_UNKNOWN_ASSET

    ok: bool = False
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    ok, answer, started_at, updated_at = self._read_round(feed)
    if not ok:
        # A call to an account without code succeeds and returns no data, so it lands
        # here too. Checking the code only now gives the same result as checking it
        # first, and the account is already warm (EXTCODESIZE costs 100, not 2600).
        if not feed.is_contract:
            return 0, IOracleAdapter.PriceStatus.INVALID, R_NO_CODE
        return 0, IOracleAdapter.PriceStatus.INVALID, R_CALL_FAILED

    decimals: uint8 = params.decimals
    feed_decimals: uint256 = 0
    ok, feed_decimals = self._read_decimals(feed)
    if not ok:
        return 0, IOracleAdapter.PriceStatus.INVALID, R_CALL_FAILED
    if feed_decimals != convert(decimals, uint256):
        return 0, IOracleAdapter.PriceStatus.INVALID, R_DECIMALS

    if answer <= 0:
        return 0, IOracleAdapter.PriceStatus.INVALID, R_ANSWER
    if updated_at == 0:
        return 0, IOracleAdapter.PriceStatus.INVALID, R_UPDATED_ZERO
    if updated_at > block.timestamp:
        return 0, IOracleAdapter.PriceStatus.INVALID, R_UPDATED_FUTURE
    # decimals is 1..18 (checked in set_feed), so the exponent is 0..17: 10**17 < 2**57,
    # the power is exact and unsafe_sub cannot wrap.
    scale: uint256 = pow_mod256(10, convert(unsafe_sub(WAD_DECIMALS, decimals), uint256))
    # PRICE_CEILING is a multiple of every scale, so this is exactly price > PRICE_CEILING;
    # scale >= 1, so unsafe_div is a plain division (rounding irrelevant: exact).
    if convert(answer, uint256) > unsafe_div(PRICE_CEILING, scale):
        return 0, IOracleAdapter.PriceStatus.INVALID, R_TOO_LARGE
    # updated_at <= block.timestamp was checked above: unsafe_sub cannot underflow.
    if unsafe_sub(block.timestamp, updated_at) > params.heartbeat:
        return 0, IOracleAdapter.PriceStatus.STALE, R_STALE

    # answer <= PRICE_CEILING // scale (checked above), so the product is <= 10**36:
    # unsafe_mul cannot overflow.
    p: uint256 = unsafe_mul(convert(answer, uint256), scale)
    if seq_status == IOracleAdapter.PriceStatus.GRACE:
        # An answer published before the restart was frozen by the outage: fresh by its
        # heartbeat, but the market may have moved while no update could land. In the
        # grace period the feeds catch up; until an asset's feed has published, it has
        # no usable price (after the grace period the heartbeat rule alone applies).
        if updated_at < restarted_at:
            return 0, IOracleAdapter.PriceStatus.STALE, R_PRE_RESTART
        return p, IOracleAdapter.PriceStatus.GRACE, seq_reason
    # The band slot is read only here, once the answer is otherwise usable.
    band: uint256 = self._feeds[asset].band
    if p < band & PRICE_MASK or p > band >> MAX_PRICE_SHIFT:
        return p, IOracleAdapter.PriceStatus.OUT_OF_BAND, R_OUT_OF_BAND
    return p, IOracleAdapter.PriceStatus.OK, R_NONE


@internal
@pure
def _unpack_params(word: uint256) -> FeedParams:
    """
    @dev Unpacks a `StoredFeed.params` word (layout under "storage packing").
    @param word The packed 32-byte word; 0 (an unlisted asset) unpacks to all zeros.
    @return The feed address, decimals, heartbeat (seconds) and deviation (WAD ratio).
    """
    return FeedParams(
        feed=convert(word & ADDRESS_MASK, address),
        decimals=convert((word >> DECIMALS_SHIFT) & DECIMALS_MASK, uint8),
        heartbeat=(word >> HEARTBEAT_SHIFT) & HEARTBEAT_MASK,
        # The top field: the shift leaves only its 64 bits.
        deviation=word >> DEVIATION_SHIFT,
    )


@internal
@view
def _reason(asset: address, code: uint8) -> String[64]:
    """
    @dev The revert reason of `price` for a reason code: sequencer and unknown-asset
         reasons are fixed; the others name the asset by its configured symbol.
    @param asset The 20-byte asset address.
    @param code A reason code other than R_NONE.
    @return The reason, at most 8 + 16 + 20 = 44 bytes.
    """
    if code == R_UNKNOWN_ASSET:
        return "oracle: unknown asset"
    if code == R_SEQ_DOWN:
        return "oracle: sequencer down"
    if code == R_SEQ_GRACE:
        return "oracle: sequencer grace period"
    if code == R_SEQ_INVALID:
        return "oracle: sequencer status invalid"
    if code == R_SEQ_NO_CODE:
        return "oracle: sequencer feed has no code"
    if code == R_SEQ_CALL_FAILED:
        return "oracle: sequencer feed call failed"
    rule: String[20] = ""
    if code == R_NO_CODE:
        rule = " feed has no code"
    elif code == R_CALL_FAILED:
        rule = " feed call failed"
    elif code == R_DECIMALS:
        rule = " decimals mismatch"
    elif code == R_ANSWER:
        rule = " answer <= 0"
    elif code == R_UPDATED_ZERO:
        rule = " updatedAt is 0"
    elif code == R_UPDATED_FUTURE:
        rule = " updatedAt in future"
    elif code == R_TOO_LARGE:
        rule = " answer too large"
    elif code == R_STALE:
        rule = " stale"
    elif code == R_PRE_RESTART:
        rule = " predates restart"
    else:
        # R_OUT_OF_BAND, the only asset code left.
        rule = " out of band"
    return concat("oracle: ", self._feeds[asset].symbol, rule)
