"""European options on crypto underlyings: price, greeks, implied vol, time decay, PnL grids and option leverage.

Two models, one formula. With ``T = days / 365``, discount ``D = exp(-r*T)`` and forward ``F``::

    V = D * w * (F * N(w*d1) - K * N(w*d2)),   d1 = (ln(F/K) + sigma^2*T/2) / (sigma*sqrt(T)),   d2 = d1 - sigma*sqrt(T)

with ``w = +1`` for a call and ``-1`` for a put.

* ``model="black76"`` (Black 1976): ``underlying`` *is* the forward/futures price, ``F = underlying``; the rate only
  discounts. This is how Deribit prices its options (on the forward of the expiry).
* ``model="bs"`` (Black-Scholes-Merton, Hull ch. 15): ``underlying`` is the spot ``S`` and ``F = S*exp((r-q)*T)``
  with ``q = carry``, the continuous dividend / cost-of-carry yield (ignored by Black-76).

``settle="linear"`` gives values in the quote currency (USD) per 1 unit of underlying. ``settle="inverse"`` is a
coin-settled option (Deribit BTC/ETH): the payoff ``max(w*(S_T - K), 0) / S_T`` is paid in coin and its value in coin
is the USD value divided by the underlying, ``V_coin = V_usd / underlying``.

Units (project-wide): rates are fractions, vol is annualised (0.6 = 60%), time is in calendar days, theta is per
calendar day, vega per 1 vol point (0.01), rho per 1% of rate, gamma per 1 unit of underlying.

At expiry (``days == 0``) prices are the payoff; with ``vol == 0`` they are the discounted intrinsic value of the
forward, ``D * max(w*(F - K), 0)``; neither gives NaN.

Every function broadcasts like a ufunc. Large inputs are evaluated in cache-sized chunks on ``THREADS`` threads
(numpy and scipy release the GIL inside their loops); the results are the same as one pass, element for element.
"""

from __future__ import annotations

import math
import os
from typing import NamedTuple

import numpy as np
from scipy.special import erfcx, ndtr

from levxl.engine.parallel import pool
from levxl.engine.validate import CONTRACT, DAYS, MODEL, MOVE, NUMBER, OPTION_TYPE, POSITIVE, VOL, Choice, checked

__all__ = [
    "Greeks",
    "ImpliedVol",
    "GREEK",
    "option_price",
    "greeks",
    "option_greek",
    "implied_vol",
    "implied_vol_reasons",
    "decay_curve",
    "option_decay",
    "option_pnl_grid",
    "option_leverage",
]

GREEK_NAMES = ("price", "delta", "gamma", "vega", "theta", "rho")
GREEK = Choice('must be one of "price", "delta", "gamma", "vega", "theta", "rho"',
               {name: code for code, name in enumerate(GREEK_NAMES)}, fill=0.0)

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_YEAR = 365.0

DEFAULT_MOVES = (-0.5, -0.3, -0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
"""Default price moves of :func:`option_pnl_grid` (fractions of the underlying)."""
DEFAULT_DAYS_PASSED = (0.0, 1.0, 7.0)
"""Default days passed of :func:`option_pnl_grid`."""


class Greeks(NamedTuple):
    """Price and greeks of an option (units: see :func:`greeks`)."""

    price: np.ndarray
    delta: np.ndarray
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray
    rho: np.ndarray


class ImpliedVol(NamedTuple):
    """Implied vol and, per element, why there is none (``''`` where the vol is fine)."""

    vol: np.ndarray
    reasons: np.ndarray


# --------------------------------------------------------------------------------------------------- the kernel


def _scalar(a) -> float | None:
    """The value of a 0-d argument, else None."""
    return float(a) if np.ndim(a) == 0 else None


def _forward(U, r, T, model, carry):
    """(F, D): the forward and the discount factor (Black-76: F = U; BSM: F = U*exp((r - q)*T))."""
    D = np.exp(-r * T)
    m = _scalar(model)
    if m == 0.0:
        return U, D
    q = carry if m == 1.0 else np.where(model == 1.0, carry, r)
    return U * np.exp(-q * T) / D, D


def _core(w, U, K, days, vol, r, model, settle, carry, with_greeks=True):
    """Price (and greeks) for checked float arrays; returns a :class:`Greeks` (greeks None if not asked for).

    Large inputs run through :func:`_kernel` in cache-sized chunks, spread over ``THREADS`` threads (numpy and scipy
    release the GIL inside ufunc loops); every element is computed exactly as in one pass."""
    args = (w, U, K, days, vol, r, model, settle, carry)
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    size = math.prod(shape)
    if size < 4 * _CHUNK:
        result = _kernel(*args, with_greeks)
        # Like a ufunc, every output has the shape of all the inputs (carry is unused by Black-76, say).
        return Greeks(*(v if v is None or np.shape(v) == shape else np.array(np.broadcast_to(v, shape))
                        for v in result))
    flat = [a if np.ndim(a) == 0 else np.broadcast_to(a, shape).reshape(-1) for a in args]
    outputs = [np.empty(size) for _ in range(6 if with_greeks else 1)]

    def run(lo, hi):  # one contiguous part, chunk by chunk (each chunk's temporaries stay in cache)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for start in range(lo, hi, _CHUNK):
                part = slice(start, min(start + _CHUNK, hi))
                views = [out[part] for out in outputs] + [None] * (6 - len(outputs))
                result = _kernel(*(a if np.ndim(a) == 0 else a[part] for a in flat), with_greeks, views)
                for view, value in zip(views, result):
                    if view is not None and value is not view:  # not written in place by the kernel
                        view[...] = value

    threads = max(1, min(THREADS, size // (2 * _CHUNK)))
    bounds = [size * i // threads for i in range(threads + 1)]
    futures = [pool().submit(run, bounds[i], bounds[i + 1]) for i in range(1, threads)]
    run(bounds[0], bounds[1])
    for future in futures:
        future.result()
    fields = [out.reshape(shape) for out in outputs]
    return Greeks(*fields) if with_greeks else Greeks(fields[0], None, None, None, None, None)


THREADS = max(1, min(os.cpu_count() or 1, 8))
"""Parts a large input is split into, run on the shared pool (1 = evaluate the chunks in the calling thread)."""
_CHUNK = 32_768


def _kernel(w, U, K, days, vol, r, model, settle, carry, with_greeks=True, out=None):
    """The formulas of the module docstring, in one pass over (a chunk of) the arrays.

    Written around ``G = D*F/U = exp(-q*T)`` (Black-76: ``q = r``, so ``G = D``) and ``D*F = U*G``, with the scalar
    cases (one model, zero carry, all calls or all puts) skipping work they do not need. ``out``: optional arrays
    (price, delta, gamma, vega, theta, rho) of the full broadcast shape that the results are written into."""
    o = out if out is not None else (None,) * 6
    T = days / _YEAR
    m = _scalar(model)
    rT = r * T
    D = np.exp(-rT)
    x = np.log(U / K)
    if m == 0.0:  # Black-76: the underlying is the forward, q = r
        q, G = r, D
    elif m == 1.0 and _scalar(carry) == 0.0:
        q, G = 0.0, None  # G = 1
        x = x + rT
    else:
        q = carry if m == 1.0 else np.where(model == 1.0, carry, r)
        qT = q * T
        G = np.exp(-qT)
        x = x + (rT - qT)
    DF = U if G is None else U * G
    sqrtT = np.sqrt(T)
    sd = vol * sqrtT
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = x / sd
    d1 += 0.5 * sd
    zero = sd == 0
    any_zero = bool(np.any(zero))
    if any_zero:  # expiry or zero vol: N(d) is the indicator of moneyness (1/2 exactly at the money)
        d1 = np.where(zero, np.where(x > 0, np.inf, np.where(x < 0, -np.inf, 0.0)), d1)
    d2 = d1 - sd
    ws = _scalar(w)
    if ws == 1.0:
        Nd1, Nd2 = ndtr(d1), ndtr(d2)
    elif ws == -1.0:
        Nd1, Nd2 = ndtr(-d1), ndtr(-d2)
    else:
        Nd1, Nd2 = ndtr(w * d1), ndtr(w * d2)
    DKN2 = D * K * Nd2
    price = np.multiply(DF, Nd1, out=o[0])
    price -= DKN2
    if ws != 1.0:
        price *= w
    if isinstance(price, np.ndarray):
        np.maximum(price, 0.0, out=price)
    else:
        price = np.maximum(price, 0.0)
    if not with_greeks:
        return _settle(Greeks(price, None, None, None, None, None), U, settle)

    pdf = np.exp(-0.5 * d1 * d1)
    pdf *= _INV_SQRT_2PI
    if G is None:
        delta = Nd1 if ws == 1.0 else np.multiply(w, Nd1, out=o[1])
    else:
        delta = np.multiply(G, Nd1, out=o[1])
        if ws != 1.0:
            delta *= w
    DFpdf = DF * pdf
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.divide(pdf if G is None else G * pdf, U * sd, out=o[2])
        decay = DFpdf * vol
        decay /= 2.0 * sqrtT
    vega = np.multiply(DFpdf, 0.01 * sqrtT, out=o[3])
    theta = np.multiply(r, DKN2, out=o[4])  # theta = -(w*(q*D*F*N(w d1) - r*D*K*N(w d2)) - decay) / 365 below
    if not (isinstance(q, float) and q == 0.0):
        theta -= q * DF * Nd1
    if ws != 1.0:
        theta *= w
    theta += decay
    theta *= -1.0 / _YEAR
    if m == 0.0:
        rho = np.multiply(-0.01 * T, price, out=o[5])
    else:
        rho = np.multiply(0.01 * T, DKN2, out=o[5])
        if ws != 1.0:
            rho *= w
        if m != 1.0:
            rho = np.where(model == 1.0, rho, (-0.01 * T) * price)
    if any_zero:
        gamma = np.where(zero, 0.0, gamma)
        theta = np.where(T == 0, 0.0, theta)
    return _settle(Greeks(price, delta, gamma, vega, theta, rho), U, settle)


def _settle(g: Greeks, U, settle) -> Greeks:
    """Coin-settled values: price / U; delta S*d(V/S)/dS = delta - price_coin; gamma, vega, theta, rho / U."""
    s = _scalar(settle)
    if s == 0.0:
        return g

    def coin():
        price = g.price / U
        if g.delta is None:
            return Greeks(price, None, None, None, None, None)
        return Greeks(price, g.delta - price, g.gamma / U, g.vega / U, g.theta / U, g.rho / U)

    inv = coin()
    if s == 1.0:
        return inv
    flag = settle == 1.0
    return Greeks(*(None if a is None else np.where(flag, b, a) for a, b in zip(g, inv)))


_OPTION_DOMAINS = dict(option_type=OPTION_TYPE, underlying=POSITIVE, strike=POSITIVE, days=DAYS, vol=VOL,
                       rate=NUMBER, model=MODEL, settle=CONTRACT, carry=NUMBER)


# ------------------------------------------------------------------------------------------------ public functions


@checked(**_OPTION_DOMAINS)
def option_price(option_type, underlying, strike, days, vol, rate=0.0, model="black76", settle="linear", carry=0.0):
    """Price of a European option: Black-76 on a forward, or Black-Scholes-Merton on spot; USD or coin-settled.

    ``V = D*w*(F*N(w*d1) - K*N(w*d2))``, ``d1 = (ln(F/K) + sigma^2*T/2)/(sigma*sqrt(T))``, ``d2 = d1 - sigma*sqrt(T)``,
    ``T = days/365``, ``D = exp(-rate*T)``; ``F = underlying`` (Black-76) or ``underlying*exp((rate - carry)*T)``
    (BSM). Coin-settled (``settle="inverse"``, Deribit): ``V_coin = V_usd / underlying``.
    ``days == 0`` gives the payoff ``max(w*(S-K), 0)`` (inverse: ``/S``); ``vol == 0`` gives ``D*max(w*(F-K), 0)``.

    Inputs: ``option_type`` "call"/"put" (or 1/-1); ``underlying`` forward (Black-76) or spot (BSM) and ``strike``
    in USD; ``days`` calendar days to expiry; ``vol`` annualised fraction; ``rate``, ``carry`` annualised continuous
    fractions (``carry`` = dividend/cost-of-carry yield q, BSM only). Output: USD per 1 unit of underlying (linear) or
    coin per 1 coin of notional (inverse).

    Sources: F. Black, "The pricing of commodity contracts", J. Financial Economics 3 (1976); Hull, *Options, Futures
    and Other Derivatives*, ch. 15 and 18; Deribit, "Inverse Options" (support.deribit.com).

    >>> round(float(option_price("call", 100, 90, 0.5 * 365, 0.2, 0.01, model="bs")), 6)  # py_vollib doctest
    12.111581
    >>> round(float(option_price("c", 60_000, 65_000, 30, 0.6, settle="inverse")), 6)  # coin per BTC
    0.037298
    """
    return _core(option_type, underlying, strike, days, vol, rate, model, settle, carry, with_greeks=False).price


@checked(**_OPTION_DOMAINS)
def greeks(option_type, underlying, strike, days, vol, rate=0.0, model="black76", settle="linear", carry=0.0):
    """Price and all greeks in one pass (shared d1, d2, pdf and cdf): ``Greeks(price, delta, gamma, vega, theta, rho)``.

    With the notation of :func:`option_price` and ``n(d1)`` the normal pdf, ``q`` = carry (BSM) or rate (Black-76),
    ``e = D*F/underlying`` (``exp(-q*T)``; ``D`` for Black-76)::

        delta = w * e * N(w*d1)                                   per 1 unit of underlying
        gamma = e * n(d1) / (underlying * sigma * sqrt(T))       per 1 unit of underlying
        vega  = D * F * n(d1) * sqrt(T) * 0.01                    per 1 vol point
        theta = (-D*F*n(d1)*sigma/(2*sqrt(T)) + w*D*(q*F*N(w*d1) - r*K*N(w*d2))) / 365   per calendar day
        rho   = w*K*T*D*N(w*d2) * 0.01 (BSM),  -T*V * 0.01 (Black-76, forward held fixed)   per 1% of rate

    Black-76 greeks are with respect to the forward (the ``underlying``). Coin-settled (``settle="inverse"``, in coin,
    Deribit's convention): price ``V/S``; delta is the premium-adjusted delta ``delta_usd - V/S`` (= ``S * d(V/S)/dS``,
    the coin exposure, Deribit's "Net Transaction Delta"; its ticker shows the plain BS delta instead, and BS rho:
    :mod:`levxl.engine.venue_greeks` reproduces those); gamma, vega, theta and rho are the USD greeks
    divided by the underlying (coin per unit / per vol point / per day / per 1%).
    At expiry (days 0) delta is the moneyness indicator (1/2 at the money) and gamma, vega, theta, rho are 0; where
    ``sigma*sqrt(T) == 0`` gamma is 0 (it is a spike at the strike).

    Sources: Hull, *Options, Futures and Other Derivatives*, ch. 19 (BSM greeks; its worked examples are tested);
    Black (1976); Deribit API docs, "greeks" and "delta_total" (Net Transaction Delta = BS delta - mark price).

    >>> g = greeks("call", 49, 50, 0.3846 * 365, 0.2, 0.05, model="bs")  # Hull's example
    >>> [round(float(v), 6) for v in g]
    [2.400461, 0.521602, 0.065545, 0.121052, -0.011796, 0.089066]
    """
    return _core(option_type, underlying, strike, days, vol, rate, model, settle, carry)


@checked(greek=GREEK, **_OPTION_DOMAINS)
def option_greek(greek, option_type, underlying, strike, days, vol, rate=0.0, model="black76", settle="linear",
                 carry=0.0):
    """One field of :func:`greeks`, chosen by name (per element allowed): "price", "delta", "gamma", "vega",
    "theta" or "rho" (case-insensitive). Formulas, units and sources as in :func:`greeks`.

    >>> round(float(option_greek("Vega", "put", 100, 100, 365, 0.5)), 6)  # per vol point, Black-76
    0.38667
    >>> [round(float(v), 4) for v in option_greek(["delta", "gamma"], "call", 100, 100, 30, 0.5)]
    [0.5286, 0.0277]
    """
    g = _core(option_type, underlying, strike, days, vol, rate, model, settle, carry)
    code = _scalar(greek)
    if code is not None:
        return g[int(code)]
    shape = np.broadcast_shapes(np.shape(greek), *(np.shape(v) for v in g))
    fields = [np.broadcast_to(v, shape) for v in g]
    return np.choose(np.broadcast_to(greek, shape).astype(int), fields)


# ---------------------------------------------------------------------------------------------------- implied vol

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
                   rate=NUMBER, model=MODEL, settle=CONTRACT, carry=NUMBER)


@checked(**_IV_DOMAINS)
def implied_vol(price, option_type, underlying, strike, days, rate=0.0, model="black76", settle="linear", carry=0.0):
    """Implied vol: the annualised ``sigma`` with ``option_price(..., sigma, ...) == price``; NaN where none fits.

    The price (USD, or coin for ``settle="inverse"``: multiplied by the underlying first) is normalised to
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

    Inputs and units as :func:`option_price`; output annualised vol (0.6 = 60%).
    Sources: Black (1976); Hull ch. 15 (implied volatility); P. Jaeckel, "Let's be rational", Wilmott (2015)
    (normalised Black function, regions and the inflection point ``sqrt(2|x|)``).

    >>> round(float(implied_vol(12.111581435, "call", 100, 90, 182.5, 0.01, model="bs")), 6)
    0.2
    >>> float(implied_vol(5, "call", 100, 90, 30))  # below the intrinsic value 10
    nan
    """
    return _implied(price, option_type, underlying, strike, days, rate, model, settle, carry)[0]


@checked(**_IV_DOMAINS)
def implied_vol_reasons(price, option_type, underlying, strike, days, rate=0.0, model="black76", settle="linear",
                        carry=0.0):
    """:func:`implied_vol` with, per element, why no vol fits: ``ImpliedVol(vol, reasons)``.

    ``reasons`` is an object array of short texts, ``''`` where the vol is fine: "price below intrinsic value",
    "price above the no-arbitrage bound" or "no time value at expiry". Method, units and sources as
    :func:`implied_vol`.

    >>> iv = implied_vol_reasons([5, 12.0, 101], "call", 100, 90, [30, 0, 30])
    >>> iv.reasons.tolist()
    ['price below intrinsic value', 'no time value at expiry', 'price above the no-arbitrage bound']
    """
    return ImpliedVol(*_implied(price, option_type, underlying, strike, days, rate, model, settle, carry))


# ------------------------------------------------------------------------------------------------------ time decay


@checked(step=POSITIVE, **_OPTION_DOMAINS)
def decay_curve(option_type, underlying, strike, days, vol, rate=0.0, model="black76", settle="linear", step=1.0,
                carry=0.0):
    """Option value along the remaining time, all else equal: values at ``days, days - step, ..., 0`` days left.

    ``curve[..., k] = option_price(..., max(days - k*step, 0), ...)`` for ``k = 0 .. ceil(max(days)/step)``, so the
    last value is the payoff at expiry. Shape: the broadcast option shape + ``(n_steps,)`` (a 1-D array for one
    option); where options have different ``days`` the shorter ones repeat their payoff at the end.
    Inputs and units as :func:`option_price` (``step`` in days, > 0); values in USD (linear) or coin (inverse).
    Sources as :func:`option_price` (Black 1976; Hull ch. 19, theta).

    >>> [round(float(v), 4) for v in decay_curve("call", 100, 100, 3, 0.8)]
    [2.8928, 2.3621, 1.6704, 0.0]
    """
    n_steps = int(np.ceil(np.max(days) / step)) + 1 if np.size(days) else 1
    k = np.arange(n_steps, dtype=float)
    remaining = np.maximum(np.asarray(days)[..., None] - k * step, 0.0)
    args = [np.asarray(a)[..., None] for a in (option_type, underlying, strike)]
    tail = [np.asarray(a)[..., None] for a in (vol, rate, model, settle, carry)]
    return _core(*args, remaining, *tail, with_greeks=False).price


@checked(horizon=DAYS, **_OPTION_DOMAINS)
def option_decay(option_type, underlying, strike, days, vol, horizon, rate=0.0, model="black76", settle="linear",
                 carry=0.0):
    """Value lost to time over ``horizon`` days, all else equal: ``V(days) - V(max(days - horizon, 0))``.

    Positive = value lost (a long option's time decay; a short position earns it). Inputs and units as
    :func:`option_price` (``horizon`` in calendar days, >= 0); output in USD (linear) or coin (inverse) per option.
    Sources as :func:`option_price`.

    >>> round(float(option_decay("call", 100, 100, 30, 0.6, 7)), 6)
    0.850939
    """
    now = _core(option_type, underlying, strike, days, vol, rate, model, settle, carry, with_greeks=False).price
    later = _core(option_type, underlying, strike, np.maximum(days - horizon, 0.0), vol, rate, model, settle, carry,
                  with_greeks=False).price
    return now - later


# --------------------------------------------------------------------------------------------------------- PnL grid


@checked(quantity=NUMBER, moves=MOVE, days_passed=DAYS, vol_shifts=NUMBER, premium=NUMBER, **_OPTION_DOMAINS)
def option_pnl_grid(option_type, underlying, strike, days, vol, quantity=1.0, moves=DEFAULT_MOVES,
                    days_passed=DEFAULT_DAYS_PASSED, vol_shifts=0.0, rate=0.0, model="black76", settle="linear",
                    premium=None, carry=0.0):
    """PnL of ``quantity`` options (negative = short) over a grid of price moves x days passed (x vol shifts).

    ``PnL = quantity * (V(underlying*(1 + move), max(days - passed, 0), max(vol + shift, 0)) - premium)``, premium
    defaulting to today's value ``V(underlying, days, vol)`` (so the cell move 0, passed 0, shift 0 is 0).
    ``moves`` are fractions of the underlying (> -1); ``days_passed`` calendar days (past expiry = payoff);
    ``vol_shifts`` are *absolute* vol changes in annualised fractions (0.1 = +10 vol points; Deribit's portfolio
    margin scenarios shift vol up/same/down this way), the shifted vol floored at 0.
    Values in USD (linear) or coin (inverse, per 1 coin notional; ``premium`` then in coin too).

    Shape: ``(len(vol_shifts), len(moves), len(days_passed))``, squeezed to ``(len(moves), len(days_passed))`` when
    ``vol_shifts`` is a scalar. Option inputs are normally scalars; arrays broadcast to a shape ``B`` and the grid
    axes are appended (``B + grid``). The grid is one broadcast evaluation, no loop over cells.
    Sources as :func:`option_price`; scenario layout as Deribit's portfolio margin risk matrix (price x vol shocks).

    >>> grid = option_pnl_grid("call", 100, 100, 30, 0.6, quantity=-2, moves=[-0.1, 0, 0.1], days_passed=[0, 30])
    >>> grid.shape
    (3, 2)
    >>> [round(float(v), 4) for v in grid[:, 1]]  # short 2 calls, held to expiry
    [13.7079, 13.7079, -6.2921]
    """
    moves = np.atleast_1d(moves)
    passed = np.atleast_1d(days_passed)
    squeeze = np.ndim(vol_shifts) == 0
    shifts = np.atleast_1d(vol_shifts)
    if moves.ndim != 1 or passed.ndim != 1 or shifts.ndim != 1:
        raise ValueError("moves, days_passed and vol_shifts must be scalars or 1-D lists")
    grid = (shifts.size, moves.size, passed.size)

    def opt(a):
        return np.asarray(a)[(...,) + (None,) * 3]

    w, U, K, T0, sig, r, mdl, st, q = (opt(a) for a in (option_type, underlying, strike, days, vol, rate, model,
                                                         settle, carry))
    if premium is None:
        premium = _core(w, U, K, T0, sig, r, mdl, st, q, with_greeks=False).price
    else:
        premium = opt(premium)
    new_u = U * (1.0 + moves.reshape(1, -1, 1))
    new_days = np.maximum(T0 - passed.reshape(1, 1, -1), 0.0)
    new_vol = np.maximum(sig + shifts.reshape(-1, 1, 1), 0.0)
    value = _core(w, new_u, K, new_days, new_vol, r, mdl, st, q, with_greeks=False).price
    pnl = opt(quantity) * (value - premium)
    pnl = np.broadcast_to(pnl, pnl.shape[:-3] + grid) if pnl.shape[-3:] != grid else pnl
    return pnl[..., 0, :, :] if squeeze else pnl


# --------------------------------------------------------------------------------------------------------- leverage


@checked(**_OPTION_DOMAINS)
def option_leverage(option_type, underlying, strike, days, vol, rate=0.0, model="black76", settle="linear",
                    carry=0.0):
    """Option leverage (elasticity, lambda, Omega): ``lambda = delta * S / V``, the % change in the option's value per
    1% move of the underlying (a 10x lambda call gains ~10% when the underlying gains 1%).

    ``delta`` and ``V`` are the USD (linear) delta and value of :func:`greeks`. For a coin-settled option
    (``settle="inverse"``) the USD-equivalent is used: the option is worth ``V_coin * S = V_usd`` dollars, so its
    dollar elasticity is the same ``delta_usd * S / V_usd``; its elasticity in coin terms is ``lambda - 1`` (the coin
    itself moves 1:1). Puts have negative lambda. NaN where the option is worthless (``V == 0``: expired or zero-vol
    out of the money). Inputs and units as :func:`option_price`; output a multiple.
    Sources: Hull ch. 19; Cox & Rubinstein, *Options Markets* (1985), option elasticity.

    >>> round(float(option_leverage("call", 100, 110, 30, 0.6)), 4)
    9.781
    """
    g = _core(option_type, underlying, strike, days, vol, rate, model, 0.0, carry)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = g.delta * underlying / g.price
    return np.where(g.price > 0, lam, np.nan)
