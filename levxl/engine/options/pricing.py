"""Option pricing: the model (Black-76 on a forward, Black-Scholes-Merton on spot), the vectorised kernel every
option function runs on, and :func:`option_price`.

Two models, one formula. With ``T = days / 365``, discount ``D = exp(-r*T)`` (``r`` = ``risk_free_rate``) and
forward ``F``::

    V = D * w * (F * N(w*d1) - K * N(w*d2)),   d1 = (ln(F/K) + sigma^2*T/2) / (sigma*sqrt(T)),   d2 = d1 - sigma*sqrt(T)

with ``w = +1`` for a call and ``-1`` for a put.

* ``model="black76"`` (Black 1976): ``underlying`` *is* the forward/futures price, ``F = underlying``; the rate only
  discounts. This is how Deribit prices its options (on the forward of the expiry).
* ``model="bs"`` (Black-Scholes-Merton, Hull ch. 15): ``underlying`` is the spot ``S`` and ``F = S*exp((r-q)*T)``
  with ``q = carry``, the continuous dividend / cost-of-carry yield (ignored by Black-76).

``contract="linear"`` gives values in the quote currency (USD) per 1 unit of underlying. ``contract="inverse"`` is a
coin-settled option (Deribit BTC/ETH): the payoff ``max(w*(S_T - K), 0) / S_T`` is paid in coin and its value in coin
is the USD value divided by the underlying, ``V_coin = V_usd / underlying``.

At expiry (``days == 0``) prices are the payoff; with ``vol == 0`` they are the discounted intrinsic value of the
forward, ``D * max(w*(F - K), 0)``; neither gives NaN.

Large inputs are evaluated in cache-sized chunks on ``THREADS`` threads (numpy and scipy release the GIL inside their
loops); the results are the same as one pass, element for element.
"""

from __future__ import annotations

import math
import os
from typing import NamedTuple

import numpy as np
from scipy.special import ndtr

from levxl.engine.parallel import pool
from levxl.engine.validate import (CONTRACT, DAYS, MODEL, NUMBER, OPTION_TYPE, POSITIVE, VOL, ArrayLike, ArrayOrFloat,
                                   checked)

__all__ = ["Greeks", "THREADS", "option_price"]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_YEAR = 365.0
_SD_ZERO = 1e-150
"""A vol x sqrt(years) below this is taken as 0 (the payoff, gamma 0): the formula's price there equals the limit's to
a float's precision (d1 = log(U/K) / sd is past 1e130 unless U == K, where both give N = 1/2), and d1 stays under
1e154, so its square in the density does not overflow (|log(U/K)| < 1,500 for any floats)."""

OPTION_PARAMETERS = """option_type : {"call", "put"} or array_like
        "call"/"put" (also "c"/"p", 1/-1).
    underlying : array_like
        The forward/futures price (Black-76) or the spot (BSM), quote currency (USD), > 0.
    strike : array_like
        Strike price, quote currency, > 0.
    days : array_like
        Calendar days to expiry, >= 0 (0 = at expiry: the payoff)."""
"""The numpydoc entries of the option itself, shared by every option function's docstring."""

MARKET_PARAMETERS = """risk_free_rate : array_like, default 0
        Annualised continuously compounded risk-free rate, a fraction (0.05 = 5%).
    model : {"black76", "bs"} or array_like, default "black76"
        Black-76 on a forward (Deribit) or Black-Scholes-Merton on spot.
    contract : {"linear", "inverse"} or array_like, default "linear"
        USD-settled (values in USD per 1 unit of underlying) or coin-settled (values in coin, Deribit).
    carry : array_like, default 0
        Continuous dividend / cost-of-carry yield ``q`` (annualised fraction; BSM only)."""
"""The numpydoc entries of the model and market options, shared by every option function's docstring."""


def with_shared_parameters(fn):
    """Fill the ``{option}`` and ``{market}`` placeholders of a docstring with the shared parameter entries (applied
    before :func:`~levxl.engine.validate.checked`, which copies the docstring)."""
    fn.__doc__ = fn.__doc__.replace("{option}", OPTION_PARAMETERS).replace("{market}", MARKET_PARAMETERS)
    return fn

class Greeks(NamedTuple):
    """Price and greeks of an option (units: see :func:`greeks`)."""

    price: np.ndarray
    delta: np.ndarray
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray
    rho: np.ndarray



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
    # a vol or an expiry near 0 (a vol of 1e-238) makes sd tiny and d1 overflow to +-inf (and the at-the-money gamma
    # pdf / (U sd)) with numpy warnings: those elements are taken at sd = 0 below, so their overflow is ignored here
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        d1 = x / sd
    d1 += 0.5 * sd
    zero = sd < _SD_ZERO
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
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # sd below _SD_ZERO: gamma 0 below
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
                       risk_free_rate=NUMBER, model=MODEL, contract=CONTRACT, carry=NUMBER)


@checked(**_OPTION_DOMAINS)
@with_shared_parameters
def option_price(option_type: ArrayLike, underlying: ArrayLike, strike: ArrayLike, days: ArrayLike, vol: ArrayLike, *,
                 risk_free_rate: ArrayLike = 0.0, model: ArrayLike = "black76", contract: ArrayLike = "linear",
                 carry: ArrayLike = 0.0) -> ArrayOrFloat:
    """Price of a European option: Black-76 on a forward, or Black-Scholes-Merton on spot; USD or coin-settled.

    ``V = D*w*(F*N(w*d1) - K*N(w*d2))``, ``d1 = (ln(F/K) + sigma^2*T/2)/(sigma*sqrt(T))``, ``d2 = d1 - sigma*sqrt(T)``,
    ``T = days/365``, ``D = exp(-risk_free_rate*T)``; ``F = underlying`` (Black-76) or
    ``underlying*exp((risk_free_rate - carry)*T)`` (BSM). Coin-settled (``contract="inverse"``, Deribit):
    ``V_coin = V_usd / underlying``. ``days == 0`` gives the payoff ``max(w*(S-K), 0)`` (inverse: ``/S``);
    ``vol == 0`` gives ``D*max(w*(F-K), 0)``.

    Parameters
    ----------
    {option}
    vol : array_like
        Annualised volatility, a fraction (0.6 = 60%), >= 0.
    {market}

    Returns
    -------
    ndarray or float
        USD per 1 unit of underlying (linear) or coin per 1 coin of notional (inverse).

    Sources: F. Black, "The pricing of commodity contracts", J. Financial Economics 3 (1976); Hull, *Options, Futures
    and Other Derivatives*, ch. 15 and 18; Deribit, "Inverse Options" (support.deribit.com).

    >>> round(float(option_price("call", 100, 90, 0.5 * 365, 0.2, risk_free_rate=0.01, model="bs")), 6)  # py_vollib
    12.111581
    >>> round(float(option_price("c", 60_000, 65_000, 30, 0.6, contract="inverse")), 6)  # coin per BTC
    0.037298
    """
    return _core(option_type, underlying, strike, days, vol, risk_free_rate, model, contract, carry,
                 with_greeks=False).price
