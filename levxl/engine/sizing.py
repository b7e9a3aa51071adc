"""Position sizing: size from a risk budget and a stop, the highest leverage that keeps the liquidation price
beyond the stop, and the largest position a margin balance and the tier limits allow."""

from __future__ import annotations

import numpy as np

from levxl.engine.validate import (BASIS, CONTRACT, FRACTION, NONNEGATIVE, POSITIVE, POSITIVE_OR_NAN, RISK, SIDE,
                                   ArrayLike,
                                   ArrayOrFloat, checked, require)
from levxl.engine import kernel
from levxl.engine.kernel import by_contract
from levxl.engine.liquidation import DEFAULT_MMR
from levxl.engine.tiers import MAINTENANCE, MAINTENANCE_OF_ANY_SIZE, MaintenanceLike, TierTable, is_tiered, maintenance_params

__all__ = ["position_size", "max_leverage_for_stop", "max_position_size", "margin_for_liquidation_at",
           "margin_to_add_for_distance", "size_to_cut_for_distance"]


@checked(equity=POSITIVE, risk=RISK, entry=POSITIVE, stop=POSITIVE, fee=FRACTION, contract=CONTRACT)
def position_size(equity: ArrayLike, risk: ArrayLike, *, entry: ArrayLike, stop: ArrayLike, fee: ArrayLike = 0.0,
                  contract: ArrayLike = "linear") -> ArrayOrFloat:
    """Size whose stop-out loses exactly ``equity * risk``, fees to open (at entry) and close (at the stop)
    included. The side follows from the stop: below the entry is a long, above a short.

    Linear (size in coin): ``q = E*r / (|EP - SL| + fee*(EP + SL))``.
    Inverse (size in USD face, equity in coin): ``Q = E*r / (|1/EP - 1/SL| + fee*(1/EP + 1/SL))``.

    Parameters
    ----------
    equity : array_like
        Account equity in the margin currency, > 0.
    risk : array_like
        Fraction of equity to lose at the stop, in (0, 1] (0.01 = 1%).
    entry : array_like
        Entry price, > 0.
    stop : array_like
        Stop price, > 0, different from the entry.
    fee : array_like, default 0
        Taker fee rate paid to open and to close (fraction).
    contract : {"linear", "inverse"} or array_like, default "linear"

    Returns
    -------
    ndarray or float
        Size: base coin (linear) or USD face value (inverse).

    >>> float(position_size(10_000, 0.01, entry=100, stop=95))  # risk 100 over a 5-point stop: 20 coins
    20.0
    """
    require(stop != entry, "stop", "must differ from the entry", stop)
    linear = equity * risk / (np.abs(entry - stop) + fee * (entry + stop))
    inverse = equity * risk / (np.abs(1.0 / entry - 1.0 / stop) + fee * (1.0 / entry + 1.0 / stop))
    return by_contract(contract, linear, inverse)


def _required_margin(side, entry, size, target, spec, fee, inverse, entry_basis):
    """Margin that puts the liquidation price exactly at ``target``: the liquidation equation solved for M."""
    measured = np.where(entry_basis != 0, entry, target) if np.ndim(entry_basis) or entry_basis else target
    notional = kernel.value(size, measured, inverse)
    rate, cum = maintenance_params(notional, spec, size=size)  # size: the tier of a table counted by size
    threshold = rate * notional - cum + fee * kernel.value(size, target, inverse)
    return threshold - kernel.pnl(side, entry, target, size, inverse)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, liq_price=POSITIVE, mmr=MAINTENANCE, contract=CONTRACT,
         fee=FRACTION, basis=BASIS)
def margin_for_liquidation_at(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, liq_price: ArrayLike,
                              mmr: MaintenanceLike = DEFAULT_MMR, contract: ArrayLike = "linear",
                              fee: ArrayLike = 0.0, basis: ArrayLike = "mark") -> ArrayOrFloat:
    """Isolated margin that puts the liquidation price at ``liq_price``:
    ``M = mmr*value(B) - cum + fee*value(LP) - PnL(LP)`` (the liquidation equation solved for M).

    Parameters
    ----------
    side, entry, size : array_like
        The position: long/short, entry price, size (base coin, or USD face for inverse).
    liq_price : array_like
        The wanted liquidation price, > 0.
    mmr, contract, fee, basis
        As :func:`~levxl.engine.liquidation.liquidation_price`.

    Returns
    -------
    ndarray or float
        Isolated margin in the margin currency (negative: no margin is low enough).

    >>> round(float(margin_for_liquidation_at("long", 100, 1, liq_price=90, mmr=0.01)), 6)  # 0.9 + 10
    10.9
    """
    return _required_margin(side, entry, size, liq_price, mmr, fee, contract, basis)


@checked(side=SIDE, entry=POSITIVE, stop=POSITIVE, mmr=MAINTENANCE, buffer=FRACTION, contract=CONTRACT,
         fee=FRACTION, size=POSITIVE, basis=BASIS)
def max_leverage_for_stop(side: ArrayLike, entry: ArrayLike, size: ArrayLike | None = None, *, stop: ArrayLike,
                          mmr: MaintenanceLike = DEFAULT_MMR, buffer: ArrayLike = 0.0, contract: ArrayLike = "linear",
                          fee: ArrayLike = 0.0, basis: ArrayLike = "mark") -> ArrayOrFloat:
    """Highest leverage whose liquidation price stays beyond the stop by ``buffer`` (a fraction of the stop):
    the liquidation price must be at or below ``stop*(1 - buffer)`` for a long, at or above ``stop*(1 + buffer)``
    for a short. ``L = value(EP) / M`` with ``M`` from :func:`margin_for_liquidation_at`; ``inf`` when any margin
    will do (then only the tier limit binds). With a tier table, ``size`` picks the tier (the smallest tier when
    omitted) and the result is capped by that tier's max leverage. Venues take whole leverages: round down.

    Parameters
    ----------
    side, entry : array_like
        The position: long/short, entry price.
    size : array_like, optional
        Size (base coin, or USD face for inverse): picks the tier of a tier table.
    stop : array_like
        Stop price: below the entry for a long, above it for a short.
    mmr : float, TierTable, str or array_like, default DEFAULT_MMR (0.005)
        Maintenance spec: a rate (fraction), a tier table or a preset name.
    buffer : array_like, default 0
        Extra distance beyond the stop, a fraction of the stop.
    contract, fee, basis
        As :func:`~levxl.engine.liquidation.liquidation_price`.

    Returns
    -------
    ndarray or float
        Leverage, a multiple (inf when any leverage will do and no tier limit binds).

    >>> round(float(max_leverage_for_stop("long", 100, stop=90, mmr=0.005)), 4)  # LP = 90: M = 0.45 + 10
    9.5694
    """
    require(side * (entry - stop) > 0, "stop", "must be below the entry for a long and above it for a short", stop)
    target = stop * (1.0 - side * buffer)
    units = 1.0 if size is None else size
    margin = _required_margin(side, entry, units, target, mmr, fee, contract, basis)
    with np.errstate(divide="ignore"):
        leverage = np.where(margin > 0, kernel.value(units, entry, contract) / np.where(margin > 0, margin, 1.0), np.inf)
    if is_tiered(mmr):
        notional = kernel.value(units, entry, contract) if size is not None else np.zeros(np.shape(leverage))
        leverage = np.minimum(leverage, _max_leverage_at(mmr, notional))
    return leverage


def _max_leverage_at(spec, notional):
    if isinstance(spec, TierTable):
        return spec.max_leverage_at(notional)
    notional, spec = np.broadcast_arrays(notional, spec)
    out = np.full(notional.shape, np.inf)
    for index, element in np.ndenumerate(spec):
        if isinstance(element, TierTable):
            out[index] = element.max_leverage_at(notional[index])
    return out


def _max_notional_at(spec, leverage):
    """The tier cap at each leverage: one table's, or each element's own (a column of presets; a flat rate in it
    has no cap)."""
    if isinstance(spec, TierTable):
        return spec.max_notional_at(leverage)
    leverage, spec = np.broadcast_arrays(np.asarray(leverage, dtype=float), spec)
    out = np.full(leverage.shape, np.inf)
    for index, element in np.ndenumerate(spec):
        if isinstance(element, TierTable):
            out[index] = element.max_notional_at(leverage[index])
    return out


@checked(side=SIDE, available=NONNEGATIVE, entry=POSITIVE, leverage=POSITIVE, mmr=MAINTENANCE, fee=FRACTION,
         contract=CONTRACT)
def max_position_size(side: ArrayLike, entry: ArrayLike, *, available: ArrayLike, leverage: ArrayLike,
                      mmr: MaintenanceLike | None = None, fee: ArrayLike = 0.0,
                      contract: ArrayLike = "linear") -> ArrayOrFloat:
    """Largest size that ``available`` margin can open at ``leverage``, paying the initial margin, the fee to
    open (on the entry value) and the fee to close at the bankruptcy price (Bybit's order cost), and no larger
    than the tier table allows at that leverage (:meth:`~levxl.engine.tiers.TierTable.max_notional_at`).

    Per unit of size the cost is ``value(EP)/L + fee*value(EP) + fee*value(BP)``, with the bankruptcy price
    ``BP = EP*(1 - s/L)`` (linear) or ``EP*L/(L + s)`` (inverse).

    Parameters
    ----------
    side, entry : array_like
        The position to open: long/short, entry price.
    available : array_like
        Available margin in the margin currency, >= 0.
    leverage : array_like
        Leverage, a multiple, > 0.
    mmr : TierTable, str or array_like, optional
        A tier table or preset whose notional caps limit the size at that leverage (a flat rate sets no cap).
    fee : array_like, default 0
        Taker fee rate (fraction).
    contract : {"linear", "inverse"} or array_like, default "linear"

    Returns
    -------
    ndarray or float
        Size: base coin (linear) or USD face value (inverse).

    >>> round(float(max_position_size("long", 10_000, available=214.85, leverage=50, fee=0.00075)), 9)  # Bybit 1 BTC
    1.0
    """
    linear_bankrupt = np.maximum(entry * (1.0 - side / leverage), 0.0)
    with np.errstate(divide="ignore"):
        inverse_bankrupt = np.where(leverage + side > 0, entry * leverage / np.maximum(leverage + side, 1e-300), np.inf)
    bankrupt = by_contract(contract, linear_bankrupt, inverse_bankrupt)
    per_unit = kernel.value(1.0, entry, contract) * (1.0 / leverage + fee) + fee * kernel.value(1.0, bankrupt, contract)
    size = available / per_unit
    if mmr is not None and is_tiered(mmr):
        cap_notional = _max_notional_at(mmr, leverage)
        # Tier notionals are in the margin currency: q*EP (linear) or Q/EP (inverse); a table counted by size
        # (OKX) caps the size itself.
        cap = by_contract(contract, lambda: cap_notional / entry, lambda: cap_notional * entry)
        cap = np.where(_counted_by_size(mmr, np.shape(cap)), cap_notional, cap)
        size = np.minimum(size, cap)
    return size


def _counted_by_size(spec, shape) -> np.ndarray:
    """Where the spec is a table counted by position size (its caps are sizes, not notionals)."""
    if isinstance(spec, TierTable):
        return np.full(shape, spec.counted_by == "size")
    return np.broadcast_to(np.vectorize(lambda e: isinstance(e, TierTable) and e.counted_by == "size",
                                        otypes=[bool])(np.asarray(spec, dtype=object)), shape)


def _target_price(side, mark, distance):
    """The liquidation price ``distance`` away from the mark in the adverse direction: ``mark*(1 - s*d)``."""
    return mark * (1.0 - side * distance)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, mark=POSITIVE, margin=POSITIVE_OR_NAN, distance=FRACTION,
         leverage=POSITIVE_OR_NAN, mmr=MAINTENANCE, contract=CONTRACT, fee=FRACTION, basis=BASIS)
def margin_to_add_for_distance(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, mark: ArrayLike,
                               distance: ArrayLike, leverage: ArrayLike | None = None,
                               margin: ArrayLike | None = None, mmr: MaintenanceLike = DEFAULT_MMR,
                               contract: ArrayLike = "linear", fee: ArrayLike = 0.0,
                               basis: ArrayLike = "mark") -> ArrayOrFloat:
    """Isolated margin to add so that the liquidation price sits ``distance`` from the mark in the adverse
    direction: ``max(0, M* - M)`` with ``M*`` from :func:`margin_for_liquidation_at` at the price
    ``LP* = mark*(1 - s*distance)`` (0 when the position is already at least that far).

    Parameters
    ----------
    side, entry, size : array_like
        The position: long/short, entry price, size (base coin, or USD face for inverse).
    mark : array_like
        Mark price now, > 0.
    distance : array_like
        Target distance to liquidation, the adverse move of the mark as a fraction of it, in [0, 1].
    leverage, margin : array_like, optional
        The isolated margin now: ``margin`` (margin currency) where given, else ``value(EP)/leverage``.
    mmr, contract, fee, basis
        As :func:`~levxl.engine.liquidation.liquidation_price`.

    Returns
    -------
    ndarray or float
        Margin to add (margin currency), >= 0.

    >>> round(float(margin_to_add_for_distance("long", 100, 1, mark=100, margin=5, distance=0.10, mmr=0.01)), 6)
    5.9
    """
    margin = kernel.isolated_margin(size, entry, leverage, margin, contract)
    needed = _required_margin(side, entry, size, _target_price(side, mark, distance), mmr, fee, contract, basis)
    return np.maximum(needed - margin, 0.0)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, mark=POSITIVE, margin=POSITIVE_OR_NAN, distance=FRACTION,
         leverage=POSITIVE_OR_NAN, mmr=MAINTENANCE_OF_ANY_SIZE, contract=CONTRACT, fee=FRACTION, basis=BASIS)
def size_to_cut_for_distance(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, mark: ArrayLike,
                             distance: ArrayLike, leverage: ArrayLike | None = None,
                             margin: ArrayLike | None = None, mmr: MaintenanceLike = DEFAULT_MMR,
                             contract: ArrayLike = "linear", fee: ArrayLike = 0.0,
                             basis: ArrayLike = "mark") -> ArrayOrFloat:
    """Size to close, keeping the whole isolated margin on what is left, so that the liquidation price sits
    ``distance`` from the mark in the adverse direction (0 when it already does).

    The remaining size ``q`` solves ``M = q*(mmr*v(B) + fee*v(LP*) - pnl(LP*)) - cum`` with the per-unit value ``v``
    and PnL ``pnl`` at ``LP* = mark*(1 - s*distance)`` (``B`` the price maintenance is measured at), the tier of
    the notional ``q*v(B)``. The required margin grows with ``q`` (maintenance margin is continuous and
    non-decreasing in notional), so ``q`` is found in ``[0, size]`` by bisection to the last bit. Venues that release margin pro rata when a position is reduced keep the liquidation price
    of a linear flat-rate position unchanged: the figure assumes the released margin stays (or is added back).

    Parameters
    ----------
    side, entry, size, mark, distance, leverage, margin, mmr, contract, fee, basis
        As :func:`margin_to_add_for_distance`.

    Returns
    -------
    ndarray or float
        Size to close, in the position's size unit (base coin, or USD face for inverse), in ``[0, size]``.

    >>> round(float(size_to_cut_for_distance("long", 100, 1, mark=100, margin=5, distance=0.10, mmr=0.01)), 6)
    0.541284
    """
    target = _target_price(side, mark, distance)
    margin = kernel.isolated_margin(size, entry, leverage, margin, contract)
    side, entry, size, target, margin = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in
                                                              (side, entry, size, target, margin)))

    def required(q):
        return _required_margin(side, entry, q, target, mmr, fee, contract, basis)

    fits = required(size) <= margin
    keep, high = np.zeros_like(size), size.copy()
    # 60 halvings narrow the bracket to 2**-60 of the size, below a double's resolution: the root to the last bit
    # (the largest size whose required margin the margin covers), tiers included, with no per-tier solve
    for _ in range(60):
        mid = 0.5 * (keep + high)
        over = required(mid) > margin
        high = np.where(over, mid, high)
        keep = np.where(over, keep, mid)
    return np.where(fits, 0.0, np.maximum(size - keep, 0.0))
