"""Implied volatility: the vol at which :func:`~levxl.engine.options.pricing.option_price` matches a price, by a
vectorised safeguarded Halley iteration on Jaeckel's normalised Black function ("Let's be rational", 2015).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import erfcx, ndtr

from levxl.engine.options.pricing import _INV_SQRT_2PI, _YEAR, _forward, with_shared_parameters
from levxl.engine.validate import (CONTRACT, DAYS, MODEL, NUMBER, OPTION_TYPE, POSITIVE, ArrayLike, ArrayOrFloat,
                                   checked)

__all__ = ["ImpliedVol", "implied_vol", "implied_vol_reasons"]


class ImpliedVol(NamedTuple):
    """Implied vol and, per element, why there is none (``''`` where the vol is fine)."""

    vol: np.ndarray
    reasons: np.ndarray


_S_MAX = 50.0  # largest total vol sigma*sqrt(T) searched (a price needing more is at the no-arbitrage bound)
_REASON_EXPIRY = "no time value at expiry"
_REASON_BELOW = "price below intrinsic value"
_REASON_ABOVE = "price above the no-arbitrage bound"


_SQRT_HALF = math.sqrt(0.5)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _ln_otm(x, s):
    """(ln b, d ln b/ds) of the normalised out-of-the-money call b(x, s) = e^{x/2} N(x/s + s/2) - e^{-x/2} N(x/s - s/2),
    x <= 0, computed with erfcx so deep wings neither underflow nor cancel (Jaeckel, "Let's be rational", 2015)."""
    d1 = x / s + 0.5 * s
    d2 = d1 - s
    h = 0.5 * (erfcx(-d1 * _SQRT_HALF) - erfcx(-d2 * _SQRT_HALF))
    return -0.5 * (x / s) ** 2 - 0.125 * s * s + np.log(h), 1.0 / (_SQRT_2PI * h)


def _objective(x, s, low, ln_beta, ln_gap_beta):
    """(f, f', f''/f') of the increasing objective in s: 1/ln(beta) - 1/ln(b(s)) in the lower region, and
    ln(e^{x/2} - beta) - ln(e^{x/2} - b(s)) in the upper one (accurate where b is close to its bound)."""
    curvature = (x * x) / (s * s * s) - 0.25 * s  # b''/b' (b' = exp(-x^2/(2 s^2) - s^2/8)/sqrt(2 pi))
    f = np.empty_like(s)
    fp = np.empty_like(s)
    if low.all():
        return _low_objective(x, s, ln_beta, curvature)
    high = ~low
    f[low], fp[low], curve_low = _low_objective(x[low], s[low], ln_beta[low], curvature[low])
    xh, sh = x[high], s[high]
    d1 = xh / sh + 0.5 * sh
    gap = np.exp(0.5 * xh) * ndtr(-d1) + np.exp(-0.5 * xh) * ndtr(d1 - sh)
    f[high] = ln_gap_beta[high] - np.log(gap)
    fp[high] = np.exp(-0.5 * (xh / sh) ** 2 - 0.125 * sh * sh) * _INV_SQRT_2PI / gap
    curvature[high] += fp[high]
    curvature[low] = curve_low
    return f, fp, curvature


def _low_objective(x, s, ln_beta, curvature):
    """1/ln(beta) - 1/ln(b(s)): nearly quadratic in s in the lower wing, where ln b ~ -x^2/(2 s^2) (Jaeckel 2015)."""
    ln_b, dln_b = _ln_otm(x, s)
    fp = dln_b / (ln_b * ln_b)
    return 1.0 / ln_beta - 1.0 / ln_b, fp, curvature - dln_b - 2.0 * dln_b / ln_b


def _solve_total_vol(x, beta, upper):
    """Total vol s = sigma*sqrt(T) with b(x, s) = beta, for x <= 0 and 0 < beta < e^{x/2} (1-D arrays).

    Safeguarded Halley iteration on the objective of :func:`_objective` (the lower region is where beta is below
    b at the inflection point sqrt(2|x|)), with a bisection step whenever a step leaves the bracket. The initial
    guess is Corrado-Miller's, raised to the wing lower bound |x|/sqrt(-2 ln beta) (lower region) or to the
    inflection point (upper region). Converged elements leave the working set. NaN where no s <= _S_MAX fits."""
    ln_beta = np.log(beta)
    s_c = np.sqrt(-2.0 * x)
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_b_c = np.where(x == 0, -np.inf, _ln_otm(x, np.where(x == 0, 1.0, s_c))[0])
        s_wing = -x / np.sqrt(-2.0 * ln_beta)
    low_region = ln_beta <= ln_b_c
    fwd, strike = np.exp(0.5 * x), np.exp(-0.5 * x)
    a = beta - 0.5 * (fwd - strike)
    corrado_miller = _SQRT_2PI / (fwd + strike) * (a + np.sqrt(np.maximum(a * a - (fwd - strike) ** 2 / math.pi, 0.0)))
    s = np.where(low_region, np.maximum(corrado_miller, s_wing), np.maximum(corrado_miller, s_c))
    ln_gap_beta = np.log(upper - beta)
    lo = np.zeros_like(x)
    hi = np.full_like(x, _S_MAX)
    out = np.full_like(x, np.nan)
    idx = np.arange(x.size)
    for _ in range(100):
        xa, la, ha = x[idx], lo[idx], hi[idx]
        sa = s[idx]
        sa = np.where((sa > la) & (sa < ha), sa, 0.5 * (la + ha))
        with np.errstate(all="ignore"):
            f, fp, curve = _objective(xa, sa, low_region[idx], ln_beta[idx], ln_gap_beta[idx])
            newton = f / fp
            denominator = 1.0 - 0.5 * newton * curve
            step = np.where((denominator > 0.5) & (denominator < 2.0), newton / denominator, newton)
        new = sa - step
        # A step this small leaves an error of order its cube (its square for Newton): converged.
        converged = (np.abs(step) <= 1e-13 * sa) | (f == 0)
        la = np.where(f < 0, sa, la)
        ha = np.where(f > 0, sa, ha)
        lo[idx], hi[idx] = la, ha
        outside = ~((new > la) & (new < ha))
        bisect = np.where(outside, 0.5 * (la + ha), new)
        done = converged | (ha - la <= 1e-15 * ha)
        out[idx[done]] = np.where(converged, new, bisect)[done]
        s[idx] = bisect
        idx = idx[~done]
        if idx.size == 0:
            break
    out[idx] = s[idx]
    return out


def _implied(price, w, U, K, days, r, model, settle, carry):
    """(vol, reasons) for checked float arrays."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in (price, w, U, K, days, r, model, settle, carry)))
    price, w, U, K, days, r, model, settle, carry = (np.broadcast_to(a, shape).ravel()
                                                     for a in (price, w, U, K, days, r, model, settle, carry))
    T = days / _YEAR
    F, D = _forward(U, r, T, model, carry)
    usd = np.where(settle == 1.0, price * U, price)
    root = np.sqrt(F * K)
    beta = usd / D / root  # normalised undiscounted price
    x = np.log(F / K)
    intrinsic = np.maximum(w * (np.exp(0.5 * x) - np.exp(-0.5 * x)), 0.0)
    xo = -np.abs(x)
    otm = beta - intrinsic  # the out-of-the-money twin's price (put-call parity), a call on x <= 0
    upper = np.exp(0.5 * xo)
    reasons = np.full(shape, "", dtype=object).ravel()
    expired = T == 0
    # A price short of the intrinsic value by rounding only (a few ulps of F and K) is the intrinsic value: vol 0.
    rounding = 16 * np.finfo(float).eps * (upper + 1.0 / upper)
    at_intrinsic = ~expired & (otm <= 0) & (otm >= -rounding)
    below = ~expired & (otm < -rounding)
    above = ~expired & (otm >= upper)
    reasons[below] = _REASON_BELOW
    reasons[above] = _REASON_ABOVE
    reasons[expired] = _REASON_EXPIRY
    vol = np.full(beta.shape, np.nan)
    vol[at_intrinsic] = 0.0
    solve = ~expired & (otm > 0) & (otm < upper)
    if solve.any():
        s = _solve_total_vol(xo[solve], otm[solve], upper[solve])
        vol[solve] = s / np.sqrt(T[solve])
        failed = np.zeros_like(solve)
        failed[solve] = np.isnan(s)
        reasons[failed] = _REASON_ABOVE
    return vol.reshape(shape), reasons.reshape(shape)


_IV_DOMAINS = dict(price=NUMBER, option_type=OPTION_TYPE, underlying=POSITIVE, strike=POSITIVE, days=DAYS,
                   risk_free_rate=NUMBER, model=MODEL, contract=CONTRACT, carry=NUMBER)


@checked(**_IV_DOMAINS)
@with_shared_parameters
def implied_vol(price: ArrayLike, option_type: ArrayLike, underlying: ArrayLike, strike: ArrayLike, days: ArrayLike, *,
                risk_free_rate: ArrayLike = 0.0, model: ArrayLike = "black76", contract: ArrayLike = "linear",
                carry: ArrayLike = 0.0) -> ArrayOrFloat:
    """Implied vol: the annualised ``sigma`` with ``option_price(..., sigma, ...) == price``; NaN where none fits.

    The price (USD, or coin for ``contract="inverse"``: multiplied by the underlying first) is normalised to
    ``beta = V / (D*sqrt(F*K))`` and mapped by put-call parity to the out-of-the-money twin, a call on
    ``x = -|ln(F/K)|``: ``b(x, s) = e^{x/2} N(x/s + s/2) - e^{-x/2} N(x/s - s/2)``, ``s = sigma*sqrt(T)``. ``b`` is
    solved for ``s`` by a vectorised safeguarded Halley iteration (on ``1/ln b`` in the lower wing, ``ln b`` evaluated
    with ``erfcx`` so deep wings neither underflow nor cancel, and on the log of the gap to the upper bound in the
    upper region; a bisection step whenever a step leaves the bracket), to about 1e-13 relative in ``s`` or better,
    typically in 3-6 iterations.

    NaN (see :func:`implied_vol_reasons` for why) where the price is below the intrinsic value
    ``D*max(w*(F-K), 0)``, at or above the no-arbitrage bound (``D*F`` for a call, ``D*K`` for a put), or at expiry.
    A price at the intrinsic value (to within rounding, ~1e-15 of ``F + K``) gives vol 0: a deep in-the-money option
    whose time value is below rounding has no identifiable vol.

    Parameters
    ----------
    price : array_like
        Option price: USD per 1 unit of underlying (linear) or coin per 1 coin (inverse).
    {option}
    {market}

    Returns
    -------
    ndarray or float
        Annualised volatility, a fraction (0.6 = 60%); NaN where no vol fits.

    Sources: Black (1976); Hull ch. 15 (implied volatility); P. Jaeckel, "Let's be rational", Wilmott (2015)
    (normalised Black function, regions and the inflection point ``sqrt(2|x|)``).

    >>> round(float(implied_vol(12.111581435, "call", 100, 90, 182.5, risk_free_rate=0.01, model="bs")), 6)
    0.2
    >>> float(implied_vol(5, "call", 100, 90, 30))  # below the intrinsic value 10
    nan
    """
    return _implied(price, option_type, underlying, strike, days, risk_free_rate, model, contract, carry)[0]


@checked(**_IV_DOMAINS)
@with_shared_parameters
def implied_vol_reasons(price: ArrayLike, option_type: ArrayLike, underlying: ArrayLike, strike: ArrayLike,
                        days: ArrayLike, *, risk_free_rate: ArrayLike = 0.0, model: ArrayLike = "black76",
                        contract: ArrayLike = "linear", carry: ArrayLike = 0.0) -> ImpliedVol:
    """:func:`implied_vol` with, per element, why no vol fits: ``ImpliedVol(vol, reasons)``.

    ``reasons`` is an object array of short texts, ``''`` where the vol is fine: "price below intrinsic value",
    "price above the no-arbitrage bound" or "no time value at expiry". Method and sources as :func:`implied_vol`.

    Parameters
    ----------
    price : array_like
        Option price: USD per 1 unit of underlying (linear) or coin per 1 coin (inverse).
    {option}
    {market}

    Returns
    -------
    ImpliedVol
        ``vol`` (annualised fraction, NaN where none fits) and ``reasons`` (object array of texts).

    >>> iv = implied_vol_reasons([5, 12.0, 101], "call", 100, 90, [30, 0, 30])
    >>> iv.reasons.tolist()
    ['price below intrinsic value', 'no time value at expiry', 'price above the no-arbitrage bound']
    """
    return ImpliedVol(*_implied(price, option_type, underlying, strike, days, risk_free_rate, model, contract, carry))
