# pragma version ~=0.4.3
"""
@title vault_math
@notice Multiply-then-divide with an explicit rounding direction, for the vault's share
        conversions and interest accrual.
@dev Stateless: import it, no `initializes:` needed. Products use checked 256-bit
     arithmetic (they revert on overflow instead of wrapping). The vault's figures stay far
     below the limit: token amounts below 10**33, share supplies below 10**39 and WAD factors
     give products below 10**72 < 2**256 (about 1.16 * 10**77).
"""


@internal
@pure
def _mul_div_down(x: uint256, y: uint256, denominator: uint256) -> uint256:
    """
    @notice floor(x * y / denominator).
    @dev Reverts on a zero denominator or when x * y overflows.
    @param x The 32-byte first factor.
    @param y The 32-byte second factor.
    @param denominator The 32-byte divisor, non-zero.
    @return The 32-byte quotient, rounded down.
    """
    return x * y // denominator


@internal
@pure
def _mul_div_up(x: uint256, y: uint256, denominator: uint256) -> uint256:
    """
    @notice ceil(x * y / denominator).
    @dev Reverts on a zero denominator or when x * y overflows. The rounding step adds 1
         only when the division leaves a remainder, so it cannot overflow on its own
         (the quotient is at most (2**256 - 1) / 1 and a remainder implies denominator > 1).
    @param x The 32-byte first factor.
    @param y The 32-byte second factor.
    @param denominator The 32-byte divisor, non-zero.
    @return The 32-byte quotient, rounded up.
    """
    product: uint256 = x * y
    quotient: uint256 = product // denominator
    # @dev `unsafe_add` is safe: a remainder means denominator >= 2, so the quotient is at
    # most (2**256 - 1) // 2 and adding 1 cannot wrap.
    if product % denominator != 0:
        quotient = unsafe_add(quotient, 1)
    return quotient
