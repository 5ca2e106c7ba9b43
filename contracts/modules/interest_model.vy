# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title interest_model
@notice The vault's kinked borrow-rate curve, its reserve factor, and the linear
        per-second growth of the debt index.
@dev Utilisation u = debt / (cash + debt) (WAD). The per-second borrow rate (WAD per second):
         u <= kink:  rate = base + slope1 * u / kink
         u >  kink:  rate = base + slope1 + slope2 * (u - kink) / (1 - kink)
     so `slope1` is the extra rate reached at the kink and `slope2` the extra rate from the
     kink to 100% utilisation. Over an interval of dt seconds the debt index grows linearly,
     index' = index * (1 + rate * dt), with the rate taken at the start of the interval
     (simple interest between two accruals, compounding at each accrual).
     Every step rounds up (utilisation, rate, index): borrowers never pay less than the
     exact curve, so the vault never loses to rounding.
     Storage: the five parameters are read on every accrual, so they share one slot
     (one cold read instead of five):
         bits   0.. 39  base_rate       (rates <= MAX_BORROW_RATE < 2**40)
         bits  40.. 79  slope1
         bits  80..119  slope2
         bits 120..183  kink            (< 10**18 < 2**64)
         bits 184..247  reserve_factor  (<= 10**18 < 2**64)
     The owner check and the accrual before a change are the vault's job.
"""

from interfaces import IVault
from . import vault_math


# ---- constants ------------------------------------------------------------------------
# @dev Fixed-point unit of ratios and of the debt index.
WAD: constant(uint256) = 10**18
# @dev Seconds in a 365-day year, to state rates per year in comments and docs.
SECONDS_PER_YEAR: constant(uint256) = 365 * 86400
# @dev Ceiling of base + slope1 + slope2, WAD per second: 1000% per year
# (10 * 10**18 // 31_536_000 = 317_097_919_837 < 2**40). Bounds the index growth of any
# accrual, so index * (WAD + rate * dt) cannot overflow for centuries.
MAX_BORROW_RATE: public(constant(uint256)) = 10 * WAD // SECONDS_PER_YEAR
# @dev Bit layout of the packed parameters (see the module docstring).
RATE_BITS: constant(uint256) = 40
RATE_MASK: constant(uint256) = 2**RATE_BITS - 1
RATIO_MASK: constant(uint256) = 2**64 - 1
SLOPE1_SHIFT: constant(uint256) = 40
SLOPE2_SHIFT: constant(uint256) = 80
KINK_SHIFT: constant(uint256) = 120
RESERVE_FACTOR_SHIFT: constant(uint256) = 184


# ---- structs --------------------------------------------------------------------------
struct Params:
    base_rate: uint256  # borrow rate at zero utilisation, WAD per second
    slope1: uint256  # rate added from zero utilisation to the kink, WAD per second
    slope2: uint256  # rate added from the kink to full utilisation, WAD per second
    kink: uint256  # utilisation where the curve turns, WAD ratio, 0 < kink < 1
    reserve_factor: uint256  # share of interest and fees for the reserve, WAD ratio <= 1


# ---- storage --------------------------------------------------------------------------
# @dev The five `Params`, packed as in the module docstring (WAD per second / WAD ratios).
_packed_params: uint256


# ---- constructor ----------------------------------------------------------------------
@deploy
def __init__(
    base_rate: uint256, slope1: uint256, slope2: uint256, kink: uint256, reserve_factor: uint256
):
    """
    @notice Set the initial curve and reserve factor (same bounds as a later change).
    @param base_rate The 32-byte rate at zero utilisation, WAD per second.
    @param slope1 The 32-byte rate added up to the kink, WAD per second.
    @param slope2 The 32-byte rate added from the kink to 100%, WAD per second.
    @param kink The 32-byte kink utilisation, WAD ratio.
    @param reserve_factor The 32-byte reserve factor, WAD ratio.
    """
    self._set_curve(base_rate, slope1, slope2, kink)
    self._set_reserve_factor(reserve_factor)


# ---- external: getters ----------------------------------------------------------------
@view
@external
def base_rate() -> uint256:
    """
    @notice The borrow rate at zero utilisation.
    @return The 32-byte rate, WAD per second.
    """
    return self._params().base_rate


@view
@external
def slope1() -> uint256:
    """
    @notice The rate added from zero utilisation up to the kink.
    @return The 32-byte rate, WAD per second.
    """
    return self._params().slope1


@view
@external
def slope2() -> uint256:
    """
    @notice The rate added from the kink up to full utilisation.
    @return The 32-byte rate, WAD per second.
    """
    return self._params().slope2


@view
@external
def kink() -> uint256:
    """
    @notice The utilisation where the curve turns.
    @return The 32-byte kink, WAD ratio.
    """
    return self._params().kink


@view
@external
def reserve_factor() -> uint256:
    """
    @notice The reserve's share of interest and of fees.
    @return The 32-byte reserve factor, WAD ratio.
    """
    return self._params().reserve_factor


# ---- internal -------------------------------------------------------------------------
@internal
@view
def _params() -> Params:
    """
    @notice Unpack the parameters (one storage read).
    @return The parameters (see `Params`).
    """
    packed: uint256 = self._packed_params
    return Params(
        base_rate=packed & RATE_MASK,
        slope1=(packed >> SLOPE1_SHIFT) & RATE_MASK,
        slope2=(packed >> SLOPE2_SHIFT) & RATE_MASK,
        kink=(packed >> KINK_SHIFT) & RATIO_MASK,
        reserve_factor=(packed >> RESERVE_FACTOR_SHIFT) & RATIO_MASK,
    )


@internal
def _store(p: Params):
    """
    @notice Pack and store the parameters (the callers checked the bounds, which make
            every field fit its bits).
    @param p The parameters.
    """
    self._packed_params = (
        p.base_rate
        | (p.slope1 << SLOPE1_SHIFT)
        | (p.slope2 << SLOPE2_SHIFT)
        | (p.kink << KINK_SHIFT)
        | (p.reserve_factor << RESERVE_FACTOR_SHIFT)
    )


@internal
def _set_curve(base_rate: uint256, slope1: uint256, slope2: uint256, kink: uint256):
    """
    @notice Check the bounds, store the curve and log `InterestModelSet`.
    @param base_rate The 32-byte rate at zero utilisation, WAD per second.
    @param slope1 The 32-byte rate added up to the kink, WAD per second.
    @param slope2 The 32-byte rate added from the kink to 100%, WAD per second.
    @param kink The 32-byte kink utilisation, WAD ratio.
    """
    assert kink != 0, "vault: kink must be > 0"
    assert kink < WAD, "vault: kink must be < 1"
    assert base_rate + slope1 + slope2 <= MAX_BORROW_RATE, "vault: rate above max"
    p: Params = self._params()
    p.base_rate = base_rate
    p.slope1 = slope1
    p.slope2 = slope2
    p.kink = kink
    self._store(p)
    log IVault.InterestModelSet(base_rate=base_rate, slope1=slope1, slope2=slope2, kink=kink)


@internal
def _set_reserve_factor(reserve_factor: uint256):
    """
    @notice Check the bound, store the reserve factor and log `ReserveFactorSet`.
    @param reserve_factor The 32-byte reserve factor, WAD ratio.
    """
    assert reserve_factor <= WAD, "vault: reserve factor above 1"
    p: Params = self._params()
    log IVault.ReserveFactorSet(old_factor=p.reserve_factor, new_factor=reserve_factor)
    p.reserve_factor = reserve_factor
    self._store(p)


@internal
@pure
def _utilization(cash: uint256, debt: uint256) -> uint256:
    """
    @notice debt / (cash + debt), WAD, rounded up (0 when both are 0).
    @param cash The 32-byte cash held by the vault, quote units.
    @param debt The 32-byte debt owed to the vault, quote units.
    @return The 32-byte utilisation, WAD ratio in [0, 1].
    """
    total: uint256 = cash + debt
    if total == 0:
        return 0
    return vault_math._mul_div_up(debt, WAD, total)


@internal
@pure
def _borrow_rate(p: Params, utilization: uint256) -> uint256:
    """
    @notice The kinked per-second rate at `utilization`, each division rounded up.
    @param p The parameters.
    @param utilization The 32-byte utilisation, WAD ratio in [0, 1].
    @return The 32-byte borrow rate, WAD per second.
    """
    if utilization <= p.kink:
        return p.base_rate + vault_math._mul_div_up(p.slope1, utilization, p.kink)
    # @dev u > kink and kink < WAD, so both subtractions are positive.
    return (
        p.base_rate
        + p.slope1
        + vault_math._mul_div_up(p.slope2, utilization - p.kink, WAD - p.kink)
    )


@internal
@pure
def _grow_index(index: uint256, rate: uint256, dt: uint256) -> uint256:
    """
    @notice index * (1 + rate * dt), rounded up: linear growth over one interval.
    @param index The 32-byte debt index before the interval, WAD.
    @param rate The 32-byte borrow rate over the interval, WAD per second.
    @param dt The 32-byte interval length, seconds.
    @return The 32-byte debt index after the interval, WAD.
    """
    return vault_math._mul_div_up(index, WAD + rate * dt, WAD)
