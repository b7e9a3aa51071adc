"""Perpetual funding: venue rate formulas, payments, holding cost, and the liquidation price after funding.

Sign convention (every venue): a positive rate means longs pay shorts. A payment is ``notional * rate`` per funding
interval, in the margin currency (linear: quote, notional ``q*P``; inverse: coin, notional ``Q/P``).
"""

from __future__ import annotations

import numpy as np

from levxl.engine.validate import (BASIS, CONTRACT, FRACTION, NONNEGATIVE, NUMBER, POSITIVE, POSITIVE_OR_NAN, SIDE,
                             checked)
from levxl.engine import kernel
from levxl.engine.liquidation import DEFAULT_MMR, round_to_tick, solve_liquidation
from levxl.engine.tiers import MAINTENANCE

__all__ = [
    "funding_rate_clamped",
    "funding_rate_okx",
    "funding_rate_deribit",
    "funding_cap_dydx",
    "funding_rate_dydx",
    "funding_payment",
    "funding_cost",
    "liquidation_price_after_funding",
    "liquidation_drift_from_funding",
]


@checked(premium=NUMBER, interest=NUMBER, clamp=NONNEGATIVE, cap=NONNEGATIVE)
def funding_rate_clamped(premium, interest=0.0001, clamp=0.0005, cap=None):
    """Funding rate per interval, Binance/Bybit/BitMEX/Hyperliquid form: ``F = P + clamp(I - P, -c, +c)``,
    then limited to ``±cap`` (a per-symbol cap; none by default).

    ``premium`` P is the interval's average premium index, ``interest`` I the interest rate per interval (0.01% per
    8 h by default), ``clamp`` c is 0.05%. All fractions per funding interval.

    >>> round(float(funding_rate_clamped(-0.00184)), 8)  # BitMEX/Binance example: -0.134%
    -0.00134
    >>> round(float(funding_rate_clamped(0.0003)), 8)  # inside the clamp: the interest rate
    0.0001
    """
    rate = premium + np.clip(interest - premium, -clamp, clamp)
    return rate if cap is None else np.clip(rate, -cap, cap)


@checked(premium=NUMBER, floor=NUMBER, cap=NUMBER)
def funding_rate_okx(premium, floor=-0.0075, cap=0.0075):
    """OKX funding rate: the interval's mean premium clamped to the symbol's ``[floor, cap]`` (interest 0).

    >>> float(funding_rate_okx(0.01))
    0.0075
    """
    return np.clip(premium, floor, cap)


@checked(premium=NUMBER, band=NONNEGATIVE)
def funding_rate_deribit(premium, band=0.00025):
    """Deribit funding over 8 h: the premium less a ±0.025% dead band,
    ``max(0, P - band) + min(0, P + band)`` (accrued continuously; this is the 8-hour rate).

    >>> round(float(funding_rate_deribit(0.001)), 8), float(funding_rate_deribit(0.0002))
    (0.00075, 0.0)
    """
    return np.maximum(0.0, premium - band) + np.minimum(0.0, premium + band)


@checked(imf=FRACTION, mmf=FRACTION)
def funding_cap_dydx(imf, mmf):
    """dYdX v4 cap on the 8-hour funding rate: ``600% x (IMF - MMF)``.

    >>> round(float(funding_cap_dydx(0.05, 0.03)), 12)
    0.12
    """
    return 6.0 * (imf - mmf)


@checked(premium=NUMBER, interest=NUMBER, imf=FRACTION, mmf=FRACTION)
def funding_rate_dydx(premium, interest=0.0, imf=0.05, mmf=0.03):
    """dYdX v4 hourly funding rate: ``premium/8 + interest``, limited to ``±cap/8`` with the 8-hour cap
    :func:`funding_cap_dydx`. ``premium`` is the 8-hour premium; ``interest`` the hourly interest component.

    >>> round(float(funding_rate_dydx(0.0008)), 8)
    0.0001
    """
    hourly_cap = 6.0 * (imf - mmf) / 8.0
    return np.clip(premium / 8.0 + interest, -hourly_cap, hourly_cap)


@checked(side=SIDE, notional=NONNEGATIVE, rate=NUMBER)
def funding_payment(side, notional, rate):
    """Funding cash flow to the position for one interval: ``-s * notional * rate`` (negative = paid).

    >>> float(funding_payment("long", 20, 0.0025))  # BitMEX guide: a 20 XBT long pays 0.05 XBT at 0.25%
    -0.05
    >>> float(funding_payment("short", 10 * 2.0, 0.0001))  # the short receives
    0.002
    """
    return -side * notional * rate


@checked(side=SIDE, notional=NONNEGATIVE, rate=NUMBER, periods=NONNEGATIVE)
def funding_cost(side, notional, rate, periods):
    """Funding paid over ``periods`` intervals at a constant ``rate``: ``s * notional * rate * periods``
    (positive = the position pays, negative = it receives). Notional in the margin currency.

    >>> float(funding_cost("long", 100_000, 0.0001, 3 * 30))  # a month of 8-hour intervals at 0.01%
    900.0
    """
    return side * notional * rate * periods


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, rate=NUMBER, periods=NONNEGATIVE,
         mmr=MAINTENANCE, margin=POSITIVE_OR_NAN, contract=CONTRACT, fee=FRACTION, basis=BASIS, mark=POSITIVE)
def liquidation_price_after_funding(side, entry, size, leverage=None, rate=0.0001, periods=1.0, mmr=DEFAULT_MMR,
                                    margin=None, contract="linear", fee=0.0, basis="mark", mark=None, tick=None):
    """Isolated liquidation price after ``periods`` funding payments at ``rate`` were drawn from the isolated
    margin: ``M' = M - s*value(mark)*rate*periods`` (mark defaults to the entry), then
    :func:`~levxl.engine.liquidation.liquidation_price`. Paying funding moves the liquidation price toward the mark;
    receiving it moves the price away.

    >>> float(liquidation_price_after_funding("long", 100, 1, 10, 0.001, 30, mmr=0.0))  # margin 10 -> 7
    93.0
    """
    m = kernel.isolated_margin(size, entry, leverage, margin, contract)
    notional = kernel.value(size, entry if mark is None else mark, contract)
    drawn = m - side * notional * rate * periods
    return round_to_tick(solve_liquidation(side, entry, size, drawn, mmr, fee, contract, basis), side, tick)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, rate=NUMBER, intervals_per_day=POSITIVE,
         mmr=MAINTENANCE, margin=POSITIVE_OR_NAN, contract=CONTRACT, fee=FRACTION, mark=POSITIVE)
def liquidation_drift_from_funding(side, entry, size, leverage=None, rate=0.0001, intervals_per_day=3.0,
                                   mmr=DEFAULT_MMR, margin=None, contract="linear", fee=0.0, mark=None):
    """Annualised continuous drift ``g`` of the liquidation price while funding is drawn from isolated margin:
    ``g = 365 * ln(LP after one day of funding / LP now)``, with :func:`liquidation_price_after_funding` for one
    day (``intervals_per_day`` payments at ``rate``). Pass it as ``liq_drift`` to
    :func:`levxl.engine.probability.liquidation_probability`, which treats the barrier as ``LP*e^(g*t)``. 0 where there is
    no liquidation price (sentinels 0 / inf).

    >>> g = liquidation_drift_from_funding("long", 100, 1, 10, 0.001, 3, mmr=0.0)  # LP 90 -> 90.3 after a day
    >>> round(float(g), 6)
    1.214643
    """
    now = liquidation_price_after_funding.raw(side, entry, size, leverage, rate, 0.0, mmr, margin, contract, fee,
                                              0.0, mark)
    later = liquidation_price_after_funding.raw(side, entry, size, leverage, rate, intervals_per_day, mmr, margin,
                                                contract, fee, 0.0, mark)
    usable = np.isfinite(now) & (now > 0) & np.isfinite(later) & (later > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(usable, 365.0 * np.log(np.where(usable, later / np.where(usable, now, 1.0), 1.0)), 0.0)
