"""The engine's kernel: the few primitives every engine module shares (value, PnL, the liquidation equation's
closed-form root, the isolated margin), on arrays already checked. It imports nothing else of levxl's but the
argument checks, so contracts, liquidation, funding, scenarios and sizing all build on it without a cycle.

The public functions over these, with argument checking and documentation, live in :mod:`levxl.engine.contracts`
and :mod:`levxl.engine.liquidation`.
"""

from __future__ import annotations

import math
from typing import Any  # noqa: F401

import numpy as np

from levxl.engine.validate import require

__all__ = ["by_contract", "value", "pnl", "solve_threshold", "bankruptcy", "isolated_margin", "RESIDUE",
           "value_scalar", "solve_threshold_scalar"]


def by_contract(inverse: np.ndarray, linear_value: Any, inverse_value: Any) -> Any:
    """Pick the linear or inverse result per element; callables are evaluated only when needed."""
    if np.ndim(inverse) == 0 or not np.any(inverse != np.ravel(inverse)[0]):
        use_inverse = bool(np.ravel(inverse)[0])
        result = inverse_value if use_inverse else linear_value
        return result() if callable(result) else result
    lin = linear_value() if callable(linear_value) else linear_value
    inv = inverse_value() if callable(inverse_value) else inverse_value
    return np.where(inverse != 0, inv, lin)


def value(size: Any, price: Any, inverse: Any) -> Any:
    """Position value in the margin currency: ``q*P`` (linear) or ``Q/P`` (inverse)."""
    return by_contract(inverse, lambda: size * price, lambda: size / price)


def pnl(side: Any, entry: Any, exit: Any, size: Any, inverse: Any) -> Any:
    return by_contract(inverse, lambda: side * size * (exit - entry),
                       lambda: side * size * (1.0 / entry - 1.0 / exit))



RESIDUE = 1e-12  # relative size of a rounding residue in a difference that is exactly 0 in exact arithmetic


def solve_threshold(side, entry, size, margin, rate, cum, fee, inverse, entry_basis):
    """Closed-form root of the liquidation equation (module docstring); sentinels where there is no root."""
    e = entry_basis

    def linear():
        slope = (rate + fee - side) if np.ndim(e) == 0 and not e else (rate * (1 - e) + fee - side)
        constant = margin / size + cum / size - side * entry
        if not (np.ndim(e) == 0 and not e):
            constant = constant - rate * e * entry
        price = constant / slope
        # slope < 0 for a long (rate + fee < 1): price <= 0 means no positive price liquidates it. A 1x long has
        # constant = EP/1 - EP, which rounds to ~1e-12*EP rather than 0: treat that residue as 0 (no liquidation).
        # An infinite constant is an overflow (a margin or value past 1.8e308), not "no liquidation": NaN.
        return np.where(np.abs(constant) <= RESIDUE * entry, 0.0,
                        np.where(np.isfinite(constant), np.maximum(price, 0.0), np.nan))

    def inverse_():
        slope = size * (rate * (1 - e) + fee + side)
        denominator = margin + cum + (side - rate * e) * size / entry
        with np.errstate(divide="ignore", invalid="ignore"):
            price = slope / denominator
        # A short whose denominator is >= 0 never reaches the threshold (e.g. 1x inverse short, whose denominator
        # Q/EP - Q/EP rounds to a residue around 0). A long whose denominator is <= 0 is below it at every price
        # (only a cross margin M <= -Q/EP - cum does that): inf, the price it would have to stay above.
        never = (side < 0) & (denominator >= -RESIDUE * size / entry)
        always = (side > 0) & (denominator <= RESIDUE * size / entry)
        overflow = ~(np.isfinite(denominator) & np.isfinite(slope))
        return np.where(overflow, np.nan, np.where(never | always, np.inf, price))

    return by_contract(inverse, linear, inverse_)


def bankruptcy(side, entry, size, margin, fee, inverse):
    return solve_threshold(side, entry, size, margin, 0.0, 0.0, fee, inverse, 0)


def isolated_margin(size, entry, leverage, margin, inverse):
    """The isolated margin: ``margin`` where given, else ``value(EP)/leverage``. Either may hold NaN in an element
    ("not given here", a blank cell in a positions table), as long as the other is given for that element."""
    if margin is None and leverage is None:
        raise ValueError("leverage or margin must be given")
    if margin is None:
        require(~np.isnan(leverage), "leverage or margin", "must be given")
        return value(size, entry, inverse) / leverage
    missing = np.isnan(margin)
    if not missing.any():
        return margin
    if leverage is None:
        require(~missing, "leverage or margin", "must be given")
        return margin
    require(~(missing & np.isnan(leverage)), "leverage or margin", "must be given")
    return np.where(missing, value(size, entry, inverse) / leverage, margin)


def value_scalar(size: float, price: float, inverse: float) -> float:
    """:func:`value` of one element in plain floats."""
    return size / price if inverse else size * price


def solve_threshold_scalar(side, entry, size, margin, rate, cum, fee, inverse, e) -> float | None:
    """:func:`solve_threshold` for one element in plain floats: the same operations in the same order, so the
    numbers are identical (the single-cell fast path of the catalogue uses it; a test pins the two together).
    None where the array form would divide by zero."""
    if not inverse:
        slope = (rate + fee - side) if not e else (rate * (1 - e) + fee - side)
        constant = margin / size + cum / size - side * entry
        if e:
            constant = constant - rate * e * entry
        if slope == 0 or not math.isfinite(constant):
            return None
        price = constant / slope
        return 0.0 if abs(constant) <= RESIDUE * entry else max(price, 0.0)
    slope = size * (rate * (1 - e) + fee + side)
    denominator = margin + cum + (side - rate * e) * size / entry
    if not (math.isfinite(denominator) and math.isfinite(slope)):
        return None
    if side < 0 and denominator >= -RESIDUE * size / entry:
        return math.inf
    if side > 0 and denominator <= RESIDUE * size / entry:
        return math.inf
    if denominator == 0:
        return None
    return slope / denominator
