# pragma version ~=0.4.3
"""
@title wad_math
@custom:contract-name wad_math
@license MIT
@notice Rounding divisions and 128-bit storage fields shared by the MarginEngine's modules.
@dev Stateless (no `initializes:` needed). Vyper's signed `//` truncates toward zero, so
     every signed division that must round a given way goes through `_div_floor` or
     `_div_ceil`, named by the direction they round (toward −∞ or +∞).
     Storage words hold two 128-bit fields. A signed field stores x in 128-bit two's
     complement (x + 2**128 for x < 0), so an untouched word reads 0 and fields pack and
     unpack with plain masks; `_enc` rejects a value out of range with
     "bulkhead: value out of range" rather than wrapping.
"""

from . import checks


# ---- constants ------------------------------------------------------------------------
# @dev Bound of a signed 128-bit field (|x| <= 2**127) and its modulus.
HALF: constant(int256) = 2**127
MODULUS: constant(int256) = 2**128
# @dev Mask of one 128-bit field.
FIELD: constant(uint256) = 2**128 - 1


# ---- internal -------------------------------------------------------------------------
@internal
@pure
def _ceil_div(x: uint256, y: uint256) -> uint256:
    """
    @dev ceil(x / y) for y > 0, without the overflow of (x + y - 1).
    """
    q: uint256 = x // y
    if q * y != x:
        q += 1
    return q


@internal
@pure
def _div_floor(x: int256, y: uint256) -> int256:
    """
    @dev floor(x / y) (toward −∞) for 0 < y < 2**255.
    """
    d: int256 = convert(y, int256)
    q: int256 = x // d
    if x < 0 and q * d != x:
        q -= 1
    return q


@internal
@pure
def _div_ceil(x: int256, y: uint256) -> int256:
    """
    @dev ceil(x / y) (toward +∞) for 0 < y < 2**255.
    """
    d: int256 = convert(y, int256)
    q: int256 = x // d
    if x > 0 and q * d != x:
        q += 1
    return q


@internal
@pure
def _abs(x: int256) -> uint256:
    """
    @dev |x| (x > −2**255).
    """
    if x < 0:
        return convert(-x, uint256)
    return convert(x, uint256)


@internal
@pure
def _enc(x: int256) -> uint256:
    """
    @dev The 128-bit two's complement field of a signed value; reverts unless
         −2**127 <= x < 2**127.
    """
    checks._require(x >= -HALF and x < HALF, "bulkhead: value out of range")
    if x < 0:
        return convert(x + MODULUS, uint256)
    return convert(x, uint256)


@internal
@pure
def _dec(field: uint256) -> int256:
    """
    @dev The signed value of a 128-bit two's complement field (`field` already masked).
    """
    value: int256 = convert(field, int256)
    if value >= HALF:
        return value - MODULUS
    return value


@internal
@pure
def _fit(x: uint256, limit: uint256) -> uint256:
    """
    @dev `x` as an unsigned field whose largest value is `limit`; reverts above it.
    """
    checks._require(x <= limit, "bulkhead: value out of range")
    return x
