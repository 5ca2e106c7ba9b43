# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title positions
@custom:contract-name positions
@license MIT
@notice Perp positions of the MarginEngine's accounts: one storage word each.
@dev A position is a signed size s (WAD base units, > 0 long) and a basis B (USD WAD,
     signed): B = Σ over the fills of its open size of |Δ| × (fill − F_fill) / WAD, where
     F_fill is the market's funding index at the fill. Its PnL incl. funding at price P
     and index F is |s| × (P − F) / WAD − B for a long and B − |s| × (P − F) / WAD for a
     short (module `markets`). Average entry and funding snapshot are folded into B: one
     storage word per position instead of two (docs/perps.md).
     The arithmetic of a trade and of a position's figures lives with the market
     aggregates it must match (MarketRegistry, module `markets`).
"""

from . import wad_math as w


# ---- constants ------------------------------------------------------------------------
FIELD: constant(uint256) = 2**128 - 1


# ---- storage --------------------------------------------------------------------------
# @dev account id -> market id -> size (bits 0..127) | basis (128..255), both signed
#      128-bit two's complement fields (module `wad_math`); 0 = no position.
_pos: HashMap[uint256, HashMap[uint256, uint256]]


# ---- internal -------------------------------------------------------------------------
@internal
@view
def _get(account_id: uint256, market_id: uint256) -> (int256, int256):
    """
    @dev The position's size and basis (0, 0 when none).
    """
    word: uint256 = self._pos[account_id][market_id]
    if word == 0:
        return 0, 0
    return w._dec(word & FIELD), w._dec(word >> 128)


@internal
def _set(account_id: uint256, market_id: uint256, size: int256, basis: int256):
    """
    @dev Stores a position; a size of 0 clears the word (its basis is then exactly 0).
    """
    if size == 0:
        self._pos[account_id][market_id] = 0
    else:
        self._pos[account_id][market_id] = w._enc(size) | (w._enc(basis) << 128)
