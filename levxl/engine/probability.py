"""Probability of liquidation (first passage of the mark through the liquidation price) and distance to it.

The mark follows geometric Brownian motion ``dS/S = mu dt + sigma dW`` (``mu`` = drift, ``sigma`` = vol, both
annualised fractions; time ``T = days/365``). A long is liquidated when the mark first falls to the liquidation price
``LP`` (a barrier below), a short when it first rises to it (a barrier above). The liquidation price may itself drift,
``LP(t) = LP * exp(g t)`` (``g`` = ``liq_drift``, e.g. funding paid out of isolated margin moves it toward the mark),
which is the same as a fixed barrier and drift ``mu - g``.

With ``X_t = ln(S_t/S_0)``, a Brownian motion with drift ``nu = mu - g - sigma^2/2``, and ``b = ln(LP/S_0)``, the
reflection principle gives (Harrison, *Brownian Motion and Stochastic Flow Systems*, 1985, 1.8; Shreve, *Stochastic
Calculus for Finance II*, 7.2.1, corollary 7.2.2)::

    long  (b < 0):  P = N((b - nu T)/(sigma sqrt T)) + exp(2 nu b/sigma^2) N((b + nu T)/(sigma sqrt T))
    short (b > 0):  P = N((nu T - b)/(sigma sqrt T)) + exp(2 nu b/sigma^2) N((-b - nu T)/(sigma sqrt T))

Monitoring is continuous (a real exchange marks every second or so); the exponential is evaluated in log space with
``log_ndtr`` so it cannot overflow.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import log_ndtr, ndtr

from levxl.engine.validate import DAYS, NUMBER, POSITIVE, SIDE, VOL, ArrayLike, ArrayOrFloat, Domain, checked

__all__ = ["LIQ_PRICE", "liquidation_probability", "liquidation_distance", "liquidation_distance_sigma"]

LIQ_PRICE = Domain("must be >= 0 (0 for a long or inf for a short = never liquidated)",
                   lambda a: ~np.isnan(a) & (a >= 0), fill=0.0)
"""A liquidation price: >= 0, with the engine's sentinels 0 (long) and +inf (short) for "no liquidation"."""

_SQRT_DAY = math.sqrt(1.0 / 365.0)


def _adverse_log_distance(side, mark, liq_price):
    """a = s*ln(mark/LP): the log move against the position that reaches the LP (> 0 while safe; inf = never)."""
    with np.errstate(divide="ignore"):
        return side * np.log(mark / liq_price)


@checked(side=SIDE, mark=POSITIVE, liq_price=LIQ_PRICE, vol=VOL, days=DAYS, drift=NUMBER, liq_drift=NUMBER)
def liquidation_probability(side: ArrayLike, *, mark: ArrayLike, liq_price: ArrayLike, vol: ArrayLike, days: ArrayLike,
                            drift: ArrayLike = 0.0, liq_drift: ArrayLike = 0.0) -> ArrayOrFloat:
    """Probability that the mark touches the liquidation price within ``days`` (first passage under GBM).

    With ``a = s*ln(mark/LP)`` the adverse log distance (``s`` = +1 long, -1 short), ``m = -s*nu`` the drift of the
    log price toward the barrier (``nu = drift - liq_drift - vol^2/2``) and ``sd = vol*sqrt(days/365)``::

        P = N((m T - a)/sd) + exp(2 m a/vol^2) * N((-a - m T)/sd)

    which is the long/short pair of the module docstring in one line (reflection principle; Harrison 1985, Shreve
    2004 7.2). The second term is computed as ``exp(2 m a/vol^2 + log N(.))``, which is at most ~1 and never
    overflows.

    Edge cases (no NaN): a mark at or beyond the LP -> 1; ``liq_price`` 0 for a long or +inf for a short ("no
    liquidation") -> 0; ``days`` 0 -> 0 unless at/beyond; ``vol`` 0 -> the deterministic path ``ln S_t = nu t``:
    1 if it reaches the LP within ``days``, else 0.

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    mark : array_like
        Mark price now (quote currency), > 0.
    liq_price : array_like
        Liquidation price (quote currency), >= 0; 0 (long) or inf (short) = never liquidated.
    vol : array_like
        Annualised volatility of the mark, a fraction (0.6 = 60%), >= 0.
    days : array_like
        Horizon in calendar days, >= 0.
    drift : array_like, default 0
        The mark's annualised drift ``mu`` (fraction).
    liq_drift : array_like, default 0
        The liquidation price's own continuous annualised drift ``g`` (``LP(t) = LP*e^{g t}``), e.g. from
        :func:`~levxl.engine.funding.liquidation_drift_from_funding`.

    Returns
    -------
    ndarray or float
        Probability in [0, 1].

    >>> round(float(liquidation_probability("long", mark=100, liq_price=90, vol=0.6, days=7)), 6)
    0.215758
    >>> float(liquidation_probability("short", mark=100, liq_price=float("inf"), vol=0.6, days=7))  # none
    0.0
    >>> float(liquidation_probability("long", mark=90, liq_price=90, vol=0.6, days=0))  # already there
    1.0
    """
    a = _adverse_log_distance(side, mark, liq_price)
    T = days / 365.0
    m = -side * (drift - liq_drift - 0.5 * vol * vol)
    sd = vol * np.sqrt(T)
    with np.errstate(all="ignore"):
        mT = m * T
        first = ndtr((mT - a) / sd)
        second = np.exp(2.0 * m * a / (vol * vol) + log_ndtr((-a - mT) / sd))
        p = np.clip(first + second, 0.0, 1.0)
    deterministic = (a <= mT).astype(float)  # sigma sqrt(T) -> 0: the drift alone reaches the barrier or not
    p = np.where((sd > 0) & np.isfinite(p), p, deterministic)
    return np.where(a <= 0, 1.0, np.where(np.isinf(a), 0.0, p))


@checked(side=SIDE, mark=POSITIVE, liq_price=LIQ_PRICE)
def liquidation_distance(side: ArrayLike, *, mark: ArrayLike, liq_price: ArrayLike) -> ArrayOrFloat:
    """The adverse move, as a fraction of the mark, that reaches the liquidation price.

    Long ``(mark - LP)/mark``, short ``(LP - mark)/mark``, i.e. ``s*(mark - LP)/mark``. Positive = safe, 0 at the LP,
    negative = already beyond it. Sentinels: a long with LP 0 gives 1.0 (a 100% fall), a short with LP inf gives
    inf. Source: definition (Binance/Bybit "distance to liquidation").

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    mark : array_like
        Mark price (quote currency), > 0.
    liq_price : array_like
        Liquidation price (quote currency), >= 0; 0 (long) or inf (short) = never liquidated.

    Returns
    -------
    ndarray or float
        The adverse move, a fraction of the mark (0.1 = 10%).

    >>> float(liquidation_distance("long", mark=100, liq_price=90))
    0.1
    >>> float(liquidation_distance("short", mark=100, liq_price=125))
    0.25
    """
    return side * (mark - liq_price) / mark


@checked(side=SIDE, mark=POSITIVE, liq_price=LIQ_PRICE, vol=VOL)
def liquidation_distance_sigma(side: ArrayLike, *, mark: ArrayLike, liq_price: ArrayLike,
                               vol: ArrayLike) -> ArrayOrFloat:
    """Distance to liquidation in daily standard deviations ("sigma-days"): ``s*ln(mark/LP) / (vol*sqrt(1/365))``.

    The log move to the LP measured in one-day GBM standard deviations: 3 means a 3-sigma daily move liquidates the
    position. Positive when safe, 0 at the LP, negative beyond it; inf for the no-liquidation sentinels (LP 0 long,
    LP inf short) and for ``vol`` 0 while safe. Source: lognormal model of the mark as
    :func:`liquidation_probability`.

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    mark : array_like
        Mark price (quote currency), > 0.
    liq_price : array_like
        Liquidation price (quote currency), >= 0; 0 (long) or inf (short) = never liquidated.
    vol : array_like
        Annualised volatility, a fraction (0.6 = 60%), >= 0.

    Returns
    -------
    ndarray or float
        Number of one-day standard deviations.

    >>> round(float(liquidation_distance_sigma("long", mark=100, liq_price=90, vol=0.6)), 6)
    3.35485
    """
    a = _adverse_log_distance(side, mark, liq_price)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a vol near 0 (1e-309): +-inf, as at 0
        z = a / (vol * _SQRT_DAY)
    return np.where(a == 0, 0.0, z)
