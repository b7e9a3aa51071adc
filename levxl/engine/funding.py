"""Perpetual funding: venue rate formulas, payments, holding cost, and the liquidation price after funding.

Sign convention (every venue): a positive rate means longs pay shorts. A payment is ``notional * rate`` per funding
interval, in the margin currency (linear: quote, notional ``q*P``; inverse: coin, notional ``Q/P``).

Names: ``funding_rate`` is a rate per funding interval (a fraction), ``funding_periods`` a number of intervals.
"""

from __future__ import annotations

import numpy as np

from levxl.engine.validate import (BASIS, CONTRACT, FRACTION, NONNEGATIVE, NUMBER, POSITIVE, POSITIVE_OR_NAN, SIDE,
                                   ArrayLike, ArrayOrFloat, checked)
from levxl.engine import kernel
from levxl.engine.liquidation import DEFAULT_MMR, round_to_tick, solve_liquidation
from levxl.engine.tiers import MAINTENANCE, MaintenanceLike

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
def funding_rate_clamped(premium: ArrayLike, *, interest: ArrayLike = 0.0001, clamp: ArrayLike = 0.0005,
                         cap: ArrayLike | None = None) -> ArrayOrFloat:
    """Funding rate per interval, Binance/Bybit/BitMEX/Hyperliquid form: ``F = P + clamp(I - P, -c, +c)``,
    then limited to ``±cap`` (a per-symbol cap; none by default).

    Parameters
    ----------
    premium : array_like
        P, the interval's average premium index (fraction).
    interest : array_like, default 0.0001
        I, the interest rate per interval (0.01% per 8 h).
    clamp : array_like, default 0.0005
        c, the clamp around the interest rate (0.05%), >= 0.
    cap : array_like, optional
        The symbol's cap on the rate (fraction per interval), >= 0; none by default.

    Returns
    -------
    ndarray or float
        Funding rate per interval, a fraction (positive = longs pay shorts).

    >>> round(float(funding_rate_clamped(-0.00184)), 8)  # BitMEX/Binance example: -0.134%
    -0.00134
    >>> round(float(funding_rate_clamped(0.0003)), 8)  # inside the clamp: the interest rate
    0.0001
    """
    rate = premium + np.clip(interest - premium, -clamp, clamp)
    return rate if cap is None else np.clip(rate, -cap, cap)


@checked(premium=NUMBER, floor=NUMBER, cap=NUMBER)
def funding_rate_okx(premium: ArrayLike, *, floor: ArrayLike = -0.0075, cap: ArrayLike = 0.0075) -> ArrayOrFloat:
    """OKX funding rate: the interval's mean premium clamped to the symbol's ``[floor, cap]`` (interest 0).

    Parameters
    ----------
    premium : array_like
        Mean premium over the interval (fraction).
    floor : array_like, default -0.0075
        Lowest rate per interval (fraction).
    cap : array_like, default 0.0075
        Highest rate per interval (fraction).

    Returns
    -------
    ndarray or float
        Funding rate per interval, a fraction.

    >>> float(funding_rate_okx(0.01))
    0.0075
    """
    return np.clip(premium, floor, cap)


@checked(premium=NUMBER, band=NONNEGATIVE)
def funding_rate_deribit(premium: ArrayLike, *, band: ArrayLike = 0.00025) -> ArrayOrFloat:
    """Deribit funding over 8 h: the premium less a ±0.025% dead band,
    ``max(0, P - band) + min(0, P + band)`` (accrued continuously; this is the 8-hour rate).

    Parameters
    ----------
    premium : array_like
        Premium over 8 hours (fraction).
    band : array_like, default 0.00025
        Half-width of the dead band (fraction), >= 0.

    Returns
    -------
    ndarray or float
        8-hour funding rate, a fraction.

    >>> round(float(funding_rate_deribit(0.001)), 8), float(funding_rate_deribit(0.0002))
    (0.00075, 0.0)
    """
    return np.maximum(0.0, premium - band) + np.minimum(0.0, premium + band)


@checked(imf=FRACTION, mmf=FRACTION)
def funding_cap_dydx(*, imf: ArrayLike, mmf: ArrayLike) -> ArrayOrFloat:
    """dYdX v4 cap on the 8-hour funding rate: ``600% x (IMF - MMF)``.

    Parameters
    ----------
    imf : array_like
        Initial margin fraction (fraction).
    mmf : array_like
        Maintenance margin fraction (fraction).

    Returns
    -------
    ndarray or float
        Cap on the 8-hour rate, a fraction.

    >>> round(float(funding_cap_dydx(imf=0.05, mmf=0.03)), 12)
    0.12
    """
    return 6.0 * (imf - mmf)


@checked(premium=NUMBER, interest=NUMBER, imf=FRACTION, mmf=FRACTION)
def funding_rate_dydx(premium: ArrayLike, *, interest: ArrayLike = 0.0, imf: ArrayLike = 0.05,
                      mmf: ArrayLike = 0.03) -> ArrayOrFloat:
    """dYdX v4 hourly funding rate: ``premium/8 + interest``, limited to ``±cap/8`` with the 8-hour cap
    :func:`funding_cap_dydx`.

    Parameters
    ----------
    premium : array_like
        The 8-hour premium (fraction).
    interest : array_like, default 0
        The hourly interest component (fraction).
    imf, mmf : array_like, default 0.05 and 0.03
        Initial and maintenance margin fractions, for the cap.

    Returns
    -------
    ndarray or float
        Hourly funding rate, a fraction.

    >>> round(float(funding_rate_dydx(0.0008)), 8)
    0.0001
    """
    hourly_cap = 6.0 * (imf - mmf) / 8.0
    return np.clip(premium / 8.0 + interest, -hourly_cap, hourly_cap)


@checked(side=SIDE, notional=NONNEGATIVE, funding_rate=NUMBER)
def funding_payment(side: ArrayLike, notional: ArrayLike, *, funding_rate: ArrayLike) -> ArrayOrFloat:
    """Funding cash flow to the position for one interval: ``-s * notional * rate`` (negative = paid).

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    notional : array_like
        Position value in the margin currency, >= 0.
    funding_rate : array_like
        Funding rate of the interval (fraction; positive = longs pay).

    Returns
    -------
    ndarray or float
        Cash flow in the margin currency (negative = paid, positive = received).

    >>> float(funding_payment("long", 20, funding_rate=0.0025))  # BitMEX: a 20 XBT long pays 0.05 XBT at 0.25%
    -0.05
    >>> float(funding_payment("short", 10 * 2.0, funding_rate=0.0001))  # the short receives
    0.002
    """
    return -side * notional * funding_rate


@checked(side=SIDE, notional=NONNEGATIVE, funding_rate=NUMBER, funding_periods=NONNEGATIVE)
def funding_cost(side: ArrayLike, notional: ArrayLike, *, funding_rate: ArrayLike,
                 funding_periods: ArrayLike) -> ArrayOrFloat:
    """Funding paid over ``funding_periods`` intervals at a constant rate: ``s * notional * rate * periods``
    (positive = the position pays, negative = it receives).

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    notional : array_like
        Position value in the margin currency, >= 0.
    funding_rate : array_like
        Funding rate per interval (fraction; positive = longs pay).
    funding_periods : array_like
        Number of funding intervals held, >= 0.

    Returns
    -------
    ndarray or float
        Funding paid in the margin currency (negative = received).

    >>> float(funding_cost("long", 100_000, funding_rate=0.0001, funding_periods=3 * 30))  # a month of 8 h at 0.01%
    900.0
    """
    return side * notional * funding_rate * funding_periods


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, funding_rate=NUMBER,
         funding_periods=NONNEGATIVE, mmr=MAINTENANCE, margin=POSITIVE_OR_NAN, contract=CONTRACT, fee=FRACTION,
         basis=BASIS, mark=POSITIVE)
def liquidation_price_after_funding(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *,
                                    leverage: ArrayLike | None = None, funding_rate: ArrayLike = 0.0001,
                                    funding_periods: ArrayLike = 1.0, mmr: MaintenanceLike = DEFAULT_MMR,
                                    margin: ArrayLike | None = None, contract: ArrayLike = "linear",
                                    fee: ArrayLike = 0.0, basis: ArrayLike = "mark", mark: ArrayLike | None = None,
                                    tick: ArrayLike | None = None) -> ArrayOrFloat:
    """Isolated liquidation price after ``funding_periods`` funding payments at ``funding_rate`` were drawn from the
    isolated margin: ``M' = M - s*value(mark)*rate*periods`` (mark defaults to the entry), then
    :func:`~levxl.engine.liquidation.liquidation_price`. Paying funding moves the liquidation price toward the mark;
    receiving it moves the price away.

    Parameters
    ----------
    side, entry, size : array_like
        The position: long/short, entry price, size (base coin, or USD face for inverse).
    leverage, mmr, margin, contract, fee, basis, tick
        As :func:`~levxl.engine.liquidation.liquidation_price`.
    funding_rate : array_like, default 0.0001
        Funding rate per interval (fraction; positive = longs pay).
    funding_periods : array_like, default 1
        Number of funding intervals paid, >= 0.
    mark : array_like, optional
        Mark price the funding is charged on (default: the entry), > 0.

    Returns
    -------
    ndarray or float
        Liquidation price after funding; 0 (long) or inf (short) where no price liquidates.

    >>> float(liquidation_price_after_funding("long", 100, 1, leverage=10, funding_rate=0.001, funding_periods=30,
    ...                                       mmr=0.0))  # margin 10 -> 7
    93.0
    """
    m = kernel.isolated_margin(size, entry, leverage, margin, contract)
    notional = kernel.value(size, entry if mark is None else mark, contract)
    drawn = m - side * notional * funding_rate * funding_periods
    return round_to_tick(solve_liquidation(side, entry, size, drawn, mmr, fee, contract, basis), side=side, tick=tick)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, funding_rate=NUMBER,
         funding_periods_per_day=POSITIVE, mmr=MAINTENANCE, margin=POSITIVE_OR_NAN, contract=CONTRACT, fee=FRACTION,
         mark=POSITIVE)
def liquidation_drift_from_funding(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *,
                                   leverage: ArrayLike | None = None, funding_rate: ArrayLike = 0.0001,
                                   funding_periods_per_day: ArrayLike = 3.0, mmr: MaintenanceLike = DEFAULT_MMR,
                                   margin: ArrayLike | None = None, contract: ArrayLike = "linear",
                                   fee: ArrayLike = 0.0, mark: ArrayLike | None = None) -> ArrayOrFloat:
    """Annualised continuous drift ``g`` of the liquidation price while funding is drawn from isolated margin:
    ``g = 365 * ln(LP after one day of funding / LP now)``, with :func:`liquidation_price_after_funding` for one
    day (``funding_periods_per_day`` payments at ``funding_rate``). Pass it as ``liq_drift`` to
    :func:`levxl.engine.probability.liquidation_probability`, which treats the barrier as ``LP*e^(g*t)``. 0 where
    there is no liquidation price (sentinels 0 / inf).

    Parameters
    ----------
    side, entry, size : array_like
        The position: long/short, entry price, size (base coin, or USD face for inverse).
    leverage, mmr, margin, contract, fee
        As :func:`~levxl.engine.liquidation.liquidation_price` (maintenance measured at the liquidation price).
    funding_rate : array_like, default 0.0001
        Funding rate per interval (fraction; positive = longs pay).
    funding_periods_per_day : array_like, default 3
        Funding intervals per day (3 = every 8 hours), > 0.
    mark : array_like, optional
        Mark price the funding is charged on (default: the entry).

    Returns
    -------
    ndarray or float
        Annualised continuous drift of the liquidation price (fraction per year).

    >>> g = liquidation_drift_from_funding("long", 100, 1, leverage=10, funding_rate=0.001, funding_periods_per_day=3,
    ...                                    mmr=0.0)  # LP 90 -> 90.3 after a day
    >>> round(float(g), 6)
    1.214643
    """
    common = dict(leverage=leverage, funding_rate=funding_rate, mmr=mmr, margin=margin, contract=contract, fee=fee,
                  basis=0.0, mark=mark)
    now = liquidation_price_after_funding.raw(side, entry, size, funding_periods=0.0, **common)
    later = liquidation_price_after_funding.raw(side, entry, size, funding_periods=funding_periods_per_day, **common)
    usable = np.isfinite(now) & (now > 0) & np.isfinite(later) & (later > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(usable, 365.0 * np.log(np.where(usable, later / np.where(usable, now, 1.0), 1.0)), 0.0)
