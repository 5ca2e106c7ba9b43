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


# ---- storage --------------------------------------------------------------------------
# @dev Feed configuration per asset (token address); `feed == empty` = not listed.
#      Units per field are in IOracleAdapter.FeedConfig (seconds, WAD ratio, WAD USD).
_feeds: HashMap[address, IOracleAdapter.FeedConfig]

# @dev L2 sequencer uptime feed (Chainlink style); empty = no sequencer check (L1, local).
sequencer_feed: public(address)
# @dev Seconds after the sequencer's last restart (`startedAt`) during which prices are GRACE.
grace_period: public(uint256)

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
    self.grace_period = DEFAULT_GRACE_PERIOD
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
    @param assets Up to 32 asset addresses (duplicates are classified twice).
    @return One (price, status) per asset.
    """
    seq_status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
    seq_reason: uint8 = R_NONE
    seq_status, seq_reason = self._sequencer()
    out: DynArray[IOracleAdapter.PriceInfo, MAX_BATCH] = []
    for asset: address in assets:
        p: uint256 = 0
        status: IOracleAdapter.PriceStatus = empty(IOracleAdapter.PriceStatus)
        reason: uint8 = R_NONE
        p, status, reason = self._classify(asset, seq_status, seq_reason)
        out.append(IOracleAdapter.PriceInfo(price=p, status=status))
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
    status, reason = self._sequencer()
    return status


@external
@view
def deviation(asset: address) -> uint256:
    """
    @notice The deviation threshold of the feed of `asset` (WAD ratio); 0 if not listed.
    @param asset The 20-byte asset address.
    @return The 32-byte WAD ratio (0.005 = 5 * 10**15).
    """
    return self._feeds[asset].deviation


@external
@view
def feed_config(asset: address) -> IOracleAdapter.FeedConfig:
    """
    @notice The stored configuration of `asset` (all zero when not listed).
    @param asset The 20-byte asset address.
    @return The FeedConfig struct.
    """
    return self._feeds[asset]


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

    self._feeds[asset] = IOracleAdapter.FeedConfig(
        symbol=symbol,
        feed=feed,
        decimals=decimals,
        heartbeat=heartbeat,
        deviation=deviation,
        min_price=min_price,
        max_price=max_price,
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
    feed: address = self._feeds[asset].feed
    assert feed != empty(address), "oracle: unknown asset"
    self._feeds[asset] = empty(IOracleAdapter.FeedConfig)
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
    log IOracleAdapter.SequencerFeedSet(old_feed=self.sequencer_feed, new_feed=feed)
    self.sequencer_feed = feed


@external
def set_grace_period(period: uint256):
    """
    @notice Set how long after a sequencer restart prices read GRACE.
    @param period The 32-byte grace period in seconds, 1..86400.
    """
    self._check_owner()
    assert period != 0, "oracle: grace period 0"
    assert period <= MAX_GRACE_PERIOD, "oracle: grace period > 1 day"
    log IOracleAdapter.GracePeriodSet(old_period=self.grace_period, new_period=period)
    self.grace_period = period


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
    @param feed The 20-byte feed address (must have code; an EOA returns no data).
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
def _sequencer() -> (IOracleAdapter.PriceStatus, uint8):
    """
    @dev Classifies the sequencer: OK (no feed, or up for at least the grace period),
         GRACE (up for less than the grace period), or SEQUENCER_DOWN (down, or a feed
         whose status cannot be trusted: no code, failed call, answer not 0/1,
         `startedAt` 0 or in the future). Uses `startedAt` (when the status last
         changed), not `updatedAt`. The grace period ends exactly at
         `startedAt + grace_period`, which is already OK.
    @return The status and its reason code.
    """
    feed: address = self.sequencer_feed
    if feed == empty(address):
        return IOracleAdapter.PriceStatus.OK, R_NONE
    if not feed.is_contract:
        return IOracleAdapter.PriceStatus.SEQUENCER_DOWN, R_SEQ_NO_CODE
    ok: bool = False
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    ok, answer, started_at, updated_at = self._read_round(feed)
    if not ok:
        return IOracleAdapter.PriceStatus.SEQUENCER_DOWN, R_SEQ_CALL_FAILED
    if started_at == 0 or started_at > block.timestamp:
        return IOracleAdapter.PriceStatus.SEQUENCER_DOWN, R_SEQ_INVALID
    if answer == SEQUENCER_DOWN:
        return IOracleAdapter.PriceStatus.SEQUENCER_DOWN, R_SEQ_DOWN
    if answer != SEQUENCER_UP:
        return IOracleAdapter.PriceStatus.SEQUENCER_DOWN, R_SEQ_INVALID
    # started_at <= block.timestamp was checked above, so the subtraction cannot underflow.
    if block.timestamp - started_at < self.grace_period:
        return IOracleAdapter.PriceStatus.GRACE, R_SEQ_GRACE
    return IOracleAdapter.PriceStatus.OK, R_NONE


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
    seq_status, seq_reason = self._sequencer()
    return self._classify(asset, seq_status, seq_reason)


@internal
@view
def _classify(
    asset: address, seq_status: IOracleAdapter.PriceStatus, seq_reason: uint8
) -> (uint256, IOracleAdapter.PriceStatus, uint8):
    """
    @dev The one classifier. Checks in precedence order, each returning at once:
         SEQUENCER_DOWN (feed not read), INVALID (not listed, no code, failed call,
         decimals changed, answer <= 0, updatedAt 0 or in the future, answer above the
         ceiling), STALE (age > heartbeat; age == heartbeat is fresh), GRACE, OUT_OF_BAND
         (price outside [min_price, max_price], bounds inclusive), OK.
         Scaling: price = answer * 10**(18 - decimals), exact (decimals <= 18).
    @param asset The 20-byte asset address.
    @param seq_status The sequencer status from `_sequencer`.
    @param seq_reason Its reason code.
    @return The WAD price (0 unless OK, GRACE or OUT_OF_BAND), the status, the reason code.
    """
    if seq_status == IOracleAdapter.PriceStatus.SEQUENCER_DOWN:
        return 0, IOracleAdapter.PriceStatus.SEQUENCER_DOWN, seq_reason

    feed: address = self._feeds[asset].feed
    if feed == empty(address):
        return 0, IOracleAdapter.PriceStatus.INVALID, R_UNKNOWN_ASSET
    if not feed.is_contract:
        return 0, IOracleAdapter.PriceStatus.INVALID, R_NO_CODE

    ok: bool = False
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    ok, answer, started_at, updated_at = self._read_round(feed)
    if not ok:
        return 0, IOracleAdapter.PriceStatus.INVALID, R_CALL_FAILED

    decimals: uint8 = self._feeds[asset].decimals
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
    # decimals is 1..18 (checked in set_feed), so the exponent is 0..17 and exact.
    scale: uint256 = 10 ** convert(WAD_DECIMALS - decimals, uint256)
    # PRICE_CEILING is a multiple of every scale, so this is exactly price > PRICE_CEILING
    # and the multiplication below cannot overflow.
    if convert(answer, uint256) > PRICE_CEILING // scale:
        return 0, IOracleAdapter.PriceStatus.INVALID, R_TOO_LARGE
    # updated_at <= block.timestamp was checked above: no underflow.
    if block.timestamp - updated_at > self._feeds[asset].heartbeat:
        return 0, IOracleAdapter.PriceStatus.STALE, R_STALE

    p: uint256 = convert(answer, uint256) * scale
    if seq_status == IOracleAdapter.PriceStatus.GRACE:
        return p, IOracleAdapter.PriceStatus.GRACE, seq_reason
    if p < self._feeds[asset].min_price or p > self._feeds[asset].max_price:
        return p, IOracleAdapter.PriceStatus.OUT_OF_BAND, R_OUT_OF_BAND
    return p, IOracleAdapter.PriceStatus.OK, R_NONE


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
    else:
        # R_OUT_OF_BAND, the only asset code left.
        rule = " out of band"
    return concat("oracle: ", self._feeds[asset].symbol, rule)
