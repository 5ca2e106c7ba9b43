# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title accounts
@custom:contract-name accounts
@license MIT
@notice The account ledger of the MarginEngine: who owns which account and in which mode,
        owner-level operators, each account's vault debt shares, the set of markets it holds
        perp positions in, and the enumerable set of active accounts.
@dev Internal functions only. An account is active when it has debt shares or an open
     position; `_sync_active` keeps the set in step after every change of either, with
     swap-and-pop so removal is O(1) and bots scan only accounts that can be liquidated.
     Ids start at 1 and are never reused (0 marks "no account" everywhere).
"""

from interfaces import IMarginEngine
from . import constants as c
from . import checks


# ---- constants ------------------------------------------------------------------------
# @dev Layout of an account word (see `_word`).
OWNER_MASK: constant(uint256) = 2**160 - 1
MODE_SHIFT: constant(uint256) = 160
MODE_MASK: constant(uint256) = 2**8 - 1
MARKETS_SHIFT: constant(uint256) = 168
MARKETS_MASK: constant(uint256) = 2**32 - 1
SLOT_SHIFT: constant(uint256) = 200
# @dev Every bit below the active-set slot (owner, mode, markets).
BELOW_SLOT: constant(uint256) = 2**200 - 1


# ---- storage --------------------------------------------------------------------------
# @dev One word per account id, everything an action on the account reads first:
#        bits   0..159  owner (empty = the id does not exist),
#        bits 160..167  mode (c.MODE_ISOLATED or c.MODE_CROSS),
#        bits 168..199  the set of markets it holds a perp position in (bit i = market i,
#                       markets 1 .. c.MAX_MARKETS), at most one for a bucket,
#        bits 200..255  its position in the active set + 1 (0 = not in the set).
#      One word instead of four keeps a new bucket with a position at one fresh slot.
_word: HashMap[uint256, uint256]
# @dev Number of accounts ever opened (= the highest id).
_count: uint256

# @dev Per owner: the account ids it opened, in order (index -> id), and how many.
_owner_accounts: HashMap[address, HashMap[uint256, uint256]]
_owner_account_count: HashMap[address, uint256]

# @dev owner -> operator -> approved: an operator acts for every account of the owner.
_operators: HashMap[address, HashMap[address, bool]]

# @dev Vault debt shares of each account (WAD-scaled shares of the vault's debt index:
#      debt in quote units = ceil(shares * debt_index / WAD)).
debt_shares: HashMap[uint256, uint256]

# @dev The active set: position -> id for positions 0 .. _active_count - 1 (the id -> position
#      link lives in the account word).
_active_ids: HashMap[uint256, uint256]
_active_count: uint256


# ---- internal: writes -----------------------------------------------------------------
@internal
def _open(owner: address, mode: uint256) -> uint256:
    """
    @dev Opens an account for `owner` after checking the mode; logs AccountOpened.
    @param owner The 20-byte owner address.
    @param mode 1 (isolated bucket) or 2 (cross).
    @return The new 32-byte account id (>= 1).
    """
    checks._require(mode == c.MODE_ISOLATED or mode == c.MODE_CROSS, "engine: bad mode")
    account_id: uint256 = self._count + 1
    self._count = account_id
    self._word[account_id] = convert(owner, uint256) | (mode << MODE_SHIFT)
    n: uint256 = self._owner_account_count[owner]
    self._owner_accounts[owner][n] = account_id
    self._owner_account_count[owner] = n + 1
    log IMarginEngine.AccountOpened(account_id=account_id, owner=owner, mode=mode)
    return account_id


@internal
def _set_operator(owner: address, operator: address, approved: bool):
    """
    @dev Approves or revokes `operator` for every account of `owner`.
    """
    checks._check_address(operator)
    self._operators[owner][operator] = approved
    log IMarginEngine.OperatorSet(owner=owner, operator=operator, approved=approved)


@internal
def _set_markets(account_id: uint256, markets: uint256):
    """
    @dev Stores the set of markets the account holds a position in (bit i = market i).
    """
    word: uint256 = self._word[account_id]
    self._word[account_id] = (word & ~(MARKETS_MASK << MARKETS_SHIFT)) | (markets << MARKETS_SHIFT)


@internal
def _sync_active(account_id: uint256):
    """
    @dev Adds `account_id` to, or removes it from, the active set to match `_is_active`.
         Removal moves the last id into the freed position (swap-and-pop).
    """
    word: uint256 = self._word[account_id]
    slot: uint256 = word >> SLOT_SHIFT
    if self._is_active(account_id):
        if slot == 0:
            n: uint256 = self._active_count
            self._active_ids[n] = account_id
            self._word[account_id] = word | ((n + 1) << SLOT_SHIFT)
            self._active_count = n + 1
    elif slot != 0:
        last: uint256 = self._active_count - 1
        if slot - 1 != last:
            moved: uint256 = self._active_ids[last]
            self._active_ids[slot - 1] = moved
            moved_word: uint256 = self._word[moved]
            self._word[moved] = (moved_word & BELOW_SLOT) | (slot << SLOT_SHIFT)
        self._active_ids[last] = 0
        self._word[account_id] = word & BELOW_SLOT
        self._active_count = last


# ---- internal: checks and views -------------------------------------------------------
@internal
@view
def _check_exists(account_id: uint256) -> address:
    """
    @dev Reverts for an id that was never opened.
    @return The owner of the account.
    """
    owner: address = self._owner_of(account_id)
    checks._require(owner != empty(address), "engine: unknown account")
    return owner


@internal
@view
def _check_controller(account_id: uint256) -> address:
    """
    @dev Reverts unless the account exists and the caller is its owner or an operator of
         its owner (every action that moves value out, adds risk, or takes a token slot).
    @return The owner of the account.
    """
    owner: address = self._check_exists(account_id)
    self._check_acts_for(owner)
    return owner


@internal
@view
def _check_acts_for(owner: address):
    """
    @dev Reverts unless the caller is `owner` or an operator of `owner`.
    """
    checks._require(msg.sender == owner or self._operators[owner][msg.sender], "engine: not owner or operator")


@internal
@view
def _is_active(account_id: uint256) -> bool:
    """
    @dev An account is active when it owes debt or has an open position.
    """
    return self.debt_shares[account_id] != 0 or self._markets_of(account_id) != 0


@internal
@view
def _owner_of(account_id: uint256) -> address:
    """
    @dev The owner of the account; empty for an id never opened.
    """
    return convert(convert(self._word[account_id] & OWNER_MASK, uint160), address)


@internal
@view
def _mode_of(account_id: uint256) -> uint256:
    """
    @dev The mode of the account; 0 for an id never opened.
    """
    return (self._word[account_id] >> MODE_SHIFT) & MODE_MASK


@internal
@view
def _markets_of(account_id: uint256) -> uint256:
    """
    @dev The set of markets the account holds a position in (bit i = market i).
    """
    return (self._word[account_id] >> MARKETS_SHIFT) & MARKETS_MASK


@internal
@view
def _accounts_of(owner: address, start: uint256, count: uint256) -> DynArray[uint256, c.MAX_PAGE]:
    """
    @dev The ids `owner` opened, from index `start`, at most min(count, MAX_PAGE) of them;
         an empty list past the end. Never reverts.
    """
    out: DynArray[uint256, c.MAX_PAGE] = []
    n: uint256 = self._owner_account_count[owner]
    if start >= n:
        return out
    stop: uint256 = start + min(min(count, c.MAX_PAGE), n - start)
    for i: uint256 in range(start, stop, bound=c.MAX_PAGE):
        out.append(self._owner_accounts[owner][i])
    return out


@internal
@view
def _active_at(index: uint256) -> uint256:
    """
    @dev The id at `index` of the active set; 0 (no account) past the end.
    """
    return self._active_ids[index]
