"""Position sizing: size from a risk budget and a stop, the highest leverage that keeps the liquidation price
beyond the stop, and the largest position a margin balance and the tier limits allow."""

from __future__ import annotations

import numpy as np

from levxl.engine.validate import BASIS, CONTRACT, FRACTION, NONNEGATIVE, POSITIVE, RISK, SIDE, checked, require
from levxl.engine import kernel
from levxl.engine.kernel import by_contract
from levxl.engine.liquidation import DEFAULT_MMR
from levxl.engine.tiers import MAINTENANCE, TierTable, is_tiered, maintenance_params

__all__ = ["position_size", "max_leverage_for_stop", "max_position_size", "margin_for_liquidation_at"]


@checked(equity=POSITIVE, risk=RISK, entry=POSITIVE, stop=POSITIVE, fee=FRACTION, contract=CONTRACT)
def position_size(equity, risk, entry, stop, fee=0.0, contract="linear"):
    """Size whose stop-out loses exactly ``equity * risk``, fees to open (at entry) and close (at the stop)
    included. The side follows from the stop: below the entry is a long, above a short.

    Linear (size in coin): ``q = E*r / (|EP - SL| + fee*(EP + SL))``.
    Inverse (size in USD face, equity in coin): ``Q = E*r / (|1/EP - 1/SL| + fee*(1/EP + 1/SL))``.

    >>> float(position_size(10_000, 0.01, 100, 95))  # risk 100 over a 5-point stop: 20 coins
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
    rate, cum = maintenance_params(notional, spec)
    threshold = rate * notional - cum + fee * kernel.value(size, target, inverse)
    return threshold - kernel.pnl(side, entry, target, size, inverse)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, target=POSITIVE, mmr=MAINTENANCE, contract=CONTRACT,
         fee=FRACTION, basis=BASIS)
def margin_for_liquidation_at(side, entry, size, target, mmr=DEFAULT_MMR, contract="linear", fee=0.0,
                              basis="mark"):
    """Isolated margin that puts the liquidation price at ``target``:
    ``M = mmr*value(B) - cum + fee*value(target) - PnL(target)`` (the liquidation equation solved for M).

    >>> round(float(margin_for_liquidation_at("long", 100, 1, 90, 0.01)), 6)  # 0.9 + 10
    10.9
    """
    return _required_margin(side, entry, size, target, mmr, fee, contract, basis)


@checked(side=SIDE, entry=POSITIVE, stop=POSITIVE, mmr=MAINTENANCE, buffer=FRACTION, contract=CONTRACT,
         fee=FRACTION, size=POSITIVE, basis=BASIS)
def max_leverage_for_stop(side, entry, stop, mmr=DEFAULT_MMR, buffer=0.0, contract="linear", fee=0.0, size=None,
                          basis="mark"):
    """Highest leverage whose liquidation price stays beyond the stop by ``buffer`` (a fraction of the stop):
    the liquidation price must be at or below ``stop*(1 - buffer)`` for a long, at or above ``stop*(1 + buffer)``
    for a short. ``L = value(EP) / M`` with ``M`` from :func:`margin_for_liquidation_at`; ``inf`` when any margin
    will do (then only the tier limit binds). With a tier table, ``size`` picks the tier (the smallest tier when
    omitted) and the result is capped by that tier's max leverage. Venues take whole leverages: round down.

    >>> round(float(max_leverage_for_stop("long", 100, 90, 0.005)), 4)  # LP = 90: M = 0.45 + 10
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


@checked(side=SIDE, available=NONNEGATIVE, entry=POSITIVE, leverage=POSITIVE, mmr=MAINTENANCE, fee=FRACTION,
         contract=CONTRACT)
def max_position_size(side, available, entry, leverage, mmr=None, fee=0.0, contract="linear"):
    """Largest size that ``available`` margin can open at ``leverage``, paying the initial margin, the fee to
    open (on the entry value) and the fee to close at the bankruptcy price (Bybit's order cost), and no larger
    than the tier table allows at that leverage (:meth:`~levxl.engine.tiers.TierTable.max_notional_at`).

    Per unit of size the cost is ``value(EP)/L + fee*value(EP) + fee*value(BP)``, with the bankruptcy price
    ``BP = EP*(1 - s/L)`` (linear) or ``EP*L/(L + s)`` (inverse). Size in coin (linear) or USD face (inverse).

    >>> round(float(max_position_size("long", 214.85, 10_000, 50, fee=0.00075)), 9)  # Bybit order cost of 1 BTC
    1.0
    """
    linear_bankrupt = np.maximum(entry * (1.0 - side / leverage), 0.0)
    with np.errstate(divide="ignore"):
        inverse_bankrupt = np.where(leverage + side > 0, entry * leverage / np.maximum(leverage + side, 1e-300), np.inf)
    bankrupt = by_contract(contract, linear_bankrupt, inverse_bankrupt)
    per_unit = kernel.value(1.0, entry, contract) * (1.0 / leverage + fee) + fee * kernel.value(1.0, bankrupt, contract)
    size = available / per_unit
    if mmr is not None and is_tiered(mmr):
        cap_notional = mmr.max_notional_at(leverage) if isinstance(mmr, TierTable) else np.inf
        # Tier notionals are in the margin currency: q*EP (linear) or Q/EP (inverse).
        cap = by_contract(contract, lambda: cap_notional / entry, lambda: cap_notional * entry)
        size = np.minimum(size, cap)
    return size
