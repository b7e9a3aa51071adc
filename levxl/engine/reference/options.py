"""Slow, obviously-correct scalar option pricing, greeks and first-passage probability, in plain Python floats.

Textbook formulas written out separately for each model (Black 1976 on a forward; Black-Scholes-Merton on spot,
Hull ch. 15/19) and each option type, with the normal CDF from ``math.erfc``. Units as :mod:`levxl.engine.options`: time in
calendar days (``T = days/365``), theta per calendar day, vega per vol point, rho per 1%. Coin-settled ("inverse",
Deribit) values are the USD values divided by the underlying; the coin delta is ``delta_usd - price_coin``.

Tests pin :mod:`levxl.engine.options` and :mod:`levxl.engine.probability` to these functions; the benchmark times
:func:`greeks_loop`, the per-option loop a desk would write by hand.
"""

from __future__ import annotations

import math

SQRT2 = math.sqrt(2.0)
SQRT2PI = math.sqrt(2.0 * math.pi)


def norm_cdf(x: float) -> float:
    """Standard normal CDF, 0.5*erfc(-x/sqrt 2) (accurate in the left tail too)."""
    return 0.5 * math.erfc(-x / SQRT2)


def log_norm_cdf(x: float) -> float:
    """ln N(x); below x = -37 (where N underflows) the asymptotic series of the Mills ratio, 8 terms."""
    if x > -37.0:
        return math.log(norm_cdf(x))
    series, term = 1.0, 1.0
    for k in range(1, 9):
        term *= -(2 * k - 1) / (x * x)
        series += term
    return -0.5 * x * x - math.log(-x) - 0.5 * math.log(2 * math.pi) + math.log(series)


def norm_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / SQRT2PI


def _flag(option_type) -> int:
    if isinstance(option_type, str):
        return 1 if option_type.lower() in ("c", "call") else -1
    return 1 if option_type > 0 else -1


def _is_bs(model) -> bool:
    return model in ("bs", 1, 1.0, "black-scholes")


def _is_inverse(settle) -> bool:
    return settle in ("inverse", 1, 1.0)


def usd_price(option_type, underlying: float, strike: float, days: float, vol: float, rate: float = 0.0,
              model="black76", carry: float = 0.0) -> float:
    """USD price of one option on 1 unit of underlying."""
    w = _flag(option_type)
    T = days / 365.0
    if _is_bs(model):
        S = underlying
        if T == 0:
            return float(max(w * (S - strike), 0.0))
        if vol == 0:
            forward = S * math.exp((rate - carry) * T)
            return math.exp(-rate * T) * max(w * (forward - strike), 0.0)
        d1 = (math.log(S / strike) + (rate - carry + 0.5 * vol * vol) * T) / (vol * math.sqrt(T))
        d2 = d1 - vol * math.sqrt(T)
        if w == 1:
            return S * math.exp(-carry * T) * norm_cdf(d1) - strike * math.exp(-rate * T) * norm_cdf(d2)
        return strike * math.exp(-rate * T) * norm_cdf(-d2) - S * math.exp(-carry * T) * norm_cdf(-d1)
    F = underlying
    if T == 0:
        return float(max(w * (F - strike), 0.0))
    if vol == 0:
        return math.exp(-rate * T) * max(w * (F - strike), 0.0)
    d1 = (math.log(F / strike) + 0.5 * vol * vol * T) / (vol * math.sqrt(T))
    d2 = d1 - vol * math.sqrt(T)
    if w == 1:
        return math.exp(-rate * T) * (F * norm_cdf(d1) - strike * norm_cdf(d2))
    return math.exp(-rate * T) * (strike * norm_cdf(-d2) - F * norm_cdf(-d1))


def price(option_type, underlying: float, strike: float, days: float, vol: float, rate: float = 0.0,
          model="black76", settle="linear", carry: float = 0.0) -> float:
    """Price in USD (linear) or coin (inverse: USD price / underlying)."""
    value = usd_price(option_type, underlying, strike, days, vol, rate, model, carry)
    return value / underlying if _is_inverse(settle) else value


def usd_greeks(option_type, underlying: float, strike: float, days: float, vol: float, rate: float = 0.0,
               model="black76", carry: float = 0.0) -> tuple[float, float, float, float, float, float]:
    """(price, delta, gamma, vega, theta, rho) in USD, Hull's formulas (BSM) and Black's (Black-76)."""
    w = _flag(option_type)
    T = days / 365.0
    value = usd_price(option_type, underlying, strike, days, vol, rate, model, carry)
    bs = _is_bs(model)
    q = carry if bs else rate  # Black-76 is BSM with zero cost of carry (q = r)
    growth = math.exp(-q * T)  # dF/dS * D
    F = underlying * math.exp((rate - q) * T) if bs else underlying
    if T == 0 or vol == 0:
        x = math.log(F / strike)
        ind = 1.0 if w * x > 0 else (0.5 if x == 0 else 0.0)
        delta = w * growth * ind
        if T == 0:
            return value, delta, 0.0, 0.0, 0.0, 0.0
        n1 = ind  # N(w*d1) = N(w*d2) = the indicator
        vega = math.exp(-rate * T) * F * norm_pdf(0.0) * math.sqrt(T) * 0.01 if x == 0 else 0.0
        theta = w * (q * underlying * growth * n1 - rate * strike * math.exp(-rate * T) * n1) / 365.0
        rho = (w * strike * T * math.exp(-rate * T) * n1 if bs else -T * value) * 0.01
        return value, delta, 0.0, vega, theta, rho
    sqrtT = math.sqrt(T)
    if bs:
        S = underlying
        d1 = (math.log(S / strike) + (rate - carry + 0.5 * vol * vol) * T) / (vol * sqrtT)
        d2 = d1 - vol * sqrtT
        disc_q, disc_r = math.exp(-carry * T), math.exp(-rate * T)
        gamma = disc_q * norm_pdf(d1) / (S * vol * sqrtT)
        vega = S * disc_q * norm_pdf(d1) * sqrtT
        if w == 1:
            delta = disc_q * norm_cdf(d1)
            theta = (-S * disc_q * norm_pdf(d1) * vol / (2 * sqrtT) + carry * S * disc_q * norm_cdf(d1)
                     - rate * strike * disc_r * norm_cdf(d2))
            rho = strike * T * disc_r * norm_cdf(d2)
        else:
            delta = -disc_q * norm_cdf(-d1)
            theta = (-S * disc_q * norm_pdf(d1) * vol / (2 * sqrtT) - carry * S * disc_q * norm_cdf(-d1)
                     + rate * strike * disc_r * norm_cdf(-d2))
            rho = -strike * T * disc_r * norm_cdf(-d2)
    else:
        d1 = (math.log(F / strike) + 0.5 * vol * vol * T) / (vol * sqrtT)
        d2 = d1 - vol * sqrtT
        disc = math.exp(-rate * T)
        gamma = disc * norm_pdf(d1) / (F * vol * sqrtT)
        vega = F * disc * norm_pdf(d1) * sqrtT
        delta = disc * norm_cdf(d1) if w == 1 else -disc * norm_cdf(-d1)
        theta = -F * disc * norm_pdf(d1) * vol / (2 * sqrtT) + rate * value
        rho = -T * value
    return value, delta, gamma, vega * 0.01, theta / 365.0, rho * 0.01


def greeks(option_type, underlying: float, strike: float, days: float, vol: float, rate: float = 0.0,
           model="black76", settle="linear", carry: float = 0.0) -> tuple[float, float, float, float, float, float]:
    """(price, delta, gamma, vega, theta, rho); inverse: coin price, delta_usd - price_coin, other greeks / S."""
    value, delta, gamma, vega, theta, rho = usd_greeks(option_type, underlying, strike, days, vol, rate, model, carry)
    if not _is_inverse(settle):
        return value, delta, gamma, vega, theta, rho
    S = underlying
    coin = value / S
    return coin, delta - coin, gamma / S, vega / S, theta / S, rho / S


def greeks_loop(option_types, underlyings, strikes, days, vols, rates, model="bs", settle="linear"):
    """The per-option Python loop: a list of greeks tuples (what the benchmark times)."""
    return [greeks(w, u, k, d, v, r, model, settle)
            for w, u, k, d, v, r in zip(option_types, underlyings, strikes, days, vols, rates)]


def implied_vol(target: float, option_type, underlying: float, strike: float, days: float, rate: float = 0.0,
                model="black76", settle="linear", carry: float = 0.0, high: float = 20.0) -> float:
    """Plain bisection on the price in vol over [0, high] (NaN outside the reachable range)."""
    f = lambda v: price(option_type, underlying, strike, days, v, rate, model, settle, carry) - target  # noqa: E731
    lo, hi = 0.0, high
    if days == 0 or f(lo) > 0 or f(hi) < 0:
        return math.nan
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def liquidation_probability(side, mark: float, liq_price: float, vol: float, days: float, drift: float = 0.0,
                            liq_drift: float = 0.0) -> float:
    """P(the mark touches the liquidation price within `days`) under GBM, the reflection-principle formula.

    Written for each side separately, with X = ln(S_t/S_0) a Brownian motion with drift nu = mu - g - sigma^2/2
    (g = liq_drift, a barrier moving as LP*e^{gt}) and b = ln(LP/S_0):
    long (b < 0): P(min X <= b) = N((b - nu T)/(s sqrt T)) + exp(2 nu b / s^2) N((b + nu T)/(s sqrt T));
    short (b > 0): P(max X >= b) = N((-b + nu T)/(s sqrt T)) + exp(2 nu b / s^2) N((-b - nu T)/(s sqrt T)).
    """
    long = side in (1, 1.0, "long", "buy")
    if long and liq_price == 0 or not long and math.isinf(liq_price):
        return 0.0
    if long and mark <= liq_price or not long and mark >= liq_price:
        return 1.0
    T = days / 365.0
    nu = drift - liq_drift - 0.5 * vol * vol
    b = math.log(liq_price / mark)
    if T == 0:
        return 0.0
    if vol * vol == 0:  # deterministic path ln S_t = nu t reaches b within T?
        return 1.0 if (nu < 0 and long and nu * T <= b) or (nu > 0 and not long and nu * T >= b) else 0.0
    sd = vol * math.sqrt(T)
    if long:
        first = norm_cdf((b - nu * T) / sd)
        z = (b + nu * T) / sd
    else:
        first = norm_cdf((-b + nu * T) / sd)
        z = (-b - nu * T) / sd
    # exp(2 nu b / s^2) * N(z), in log space so the exponential cannot overflow
    second = math.exp(2 * nu * b / (vol * vol) + log_norm_cdf(z))
    return min(max(first + second, 0.0), 1.0)
