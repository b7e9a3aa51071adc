"""Option greeks: price and every greek in one pass (:func:`greeks`), or one chosen by name (:func:`option_greek`).

Units: delta and gamma per 1 unit of underlying, vega per 1 vol point (0.01), theta per calendar day, rho per 1% of
rate; coin-settled options (``contract="inverse"``) in coin, with Deribit's premium-adjusted delta. The formulas run
on the kernel of :mod:`levxl.engine.options.pricing`.
"""

from __future__ import annotations

import numpy as np

from levxl.engine.options.pricing import _OPTION_DOMAINS, Greeks, _core, _scalar, with_shared_parameters
from levxl.engine.validate import ArrayLike, ArrayOrFloat, Choice, checked

__all__ = ["GREEK", "GREEK_NAMES", "greeks", "option_greek"]

GREEK_NAMES = ("price", "delta", "gamma", "vega", "theta", "rho")
GREEK = Choice('must be one of "price", "delta", "gamma", "vega", "theta", "rho"',
               {name: code for code, name in enumerate(GREEK_NAMES)}, fill=0.0)


@checked(**_OPTION_DOMAINS)
@with_shared_parameters
def greeks(option_type: ArrayLike, underlying: ArrayLike, strike: ArrayLike, days: ArrayLike, vol: ArrayLike, *,
           risk_free_rate: ArrayLike = 0.0, model: ArrayLike = "black76", contract: ArrayLike = "linear",
           carry: ArrayLike = 0.0) -> Greeks:
    """Price and all greeks in one pass (shared d1, d2, pdf and cdf): ``Greeks(price, delta, gamma, vega, theta, rho)``.

    With the notation of :func:`~levxl.engine.options.pricing.option_price` and ``n(d1)`` the normal pdf, ``q`` =
    carry (BSM) or the rate (Black-76), ``e = D*F/underlying`` (``exp(-q*T)``; ``D`` for Black-76)::

        delta = w * e * N(w*d1)                                   per 1 unit of underlying
        gamma = e * n(d1) / (underlying * sigma * sqrt(T))       per 1 unit of underlying
        vega  = D * F * n(d1) * sqrt(T) * 0.01                    per 1 vol point
        theta = (-D*F*n(d1)*sigma/(2*sqrt(T)) + w*D*(q*F*N(w*d1) - r*K*N(w*d2))) / 365   per calendar day
        rho   = w*K*T*D*N(w*d2) * 0.01 (BSM),  -T*V * 0.01 (Black-76, forward held fixed)   per 1% of rate

    Black-76 greeks are with respect to the forward (the ``underlying``). Coin-settled (``contract="inverse"``, in
    coin, Deribit's convention): price ``V/S``; delta is the premium-adjusted delta ``delta_usd - V/S``
    (= ``S * d(V/S)/dS``, the coin exposure, Deribit's "Net Transaction Delta"; its ticker shows the plain BS delta
    instead, and BS rho: :mod:`levxl.engine.venue_greeks` reproduces those); gamma, vega, theta and rho are the USD
    greeks divided by the underlying (coin per unit / per vol point / per day / per 1%).
    At expiry (days 0) delta is the moneyness indicator (1/2 at the money) and gamma, vega, theta, rho are 0; where
    ``sigma*sqrt(T) == 0`` gamma is 0 (it is a spike at the strike).

    Parameters
    ----------
    {option}
    vol : array_like
        Annualised volatility, a fraction (0.6 = 60%), >= 0.
    {market}

    Returns
    -------
    Greeks
        ``(price, delta, gamma, vega, theta, rho)`` in the units above, each broadcast to the inputs' shape.

    Sources: Hull, *Options, Futures and Other Derivatives*, ch. 19 (BSM greeks; its worked examples are tested);
    Black (1976); Deribit API docs, "greeks" and "delta_total" (Net Transaction Delta = BS delta - mark price).

    >>> g = greeks("call", 49, 50, 0.3846 * 365, 0.2, risk_free_rate=0.05, model="bs")  # Hull's example
    >>> [round(float(v), 6) for v in g]
    [2.400461, 0.521602, 0.065545, 0.121052, -0.011796, 0.089066]
    """
    return _core(option_type, underlying, strike, days, vol, risk_free_rate, model, contract, carry)


@checked(greek=GREEK, **_OPTION_DOMAINS)
@with_shared_parameters
def option_greek(greek: ArrayLike, option_type: ArrayLike, underlying: ArrayLike, strike: ArrayLike, days: ArrayLike,
                 vol: ArrayLike, *, risk_free_rate: ArrayLike = 0.0, model: ArrayLike = "black76",
                 contract: ArrayLike = "linear", carry: ArrayLike = 0.0) -> ArrayOrFloat:
    """One field of :func:`greeks`, chosen by name (per element allowed). Formulas, units and sources as
    :func:`greeks`.

    Parameters
    ----------
    greek : {"price", "delta", "gamma", "vega", "theta", "rho"} or array_like
        Which field (case-insensitive), per element allowed.
    {option}
    vol : array_like
        Annualised volatility, a fraction (0.6 = 60%), >= 0.
    {market}

    Returns
    -------
    ndarray or float
        The greek in its unit (see :func:`greeks`).

    >>> round(float(option_greek("Vega", "put", 100, 100, 365, 0.5)), 6)  # per vol point, Black-76
    0.38667
    >>> [round(float(v), 4) for v in option_greek(["delta", "gamma"], "call", 100, 100, 30, 0.5)]
    [0.5286, 0.0277]
    """
    g = _core(option_type, underlying, strike, days, vol, risk_free_rate, model, contract, carry)
    code = _scalar(greek)
    if code is not None:
        return g[int(code)]
    shape = np.broadcast_shapes(np.shape(greek), *(np.shape(v) for v in g))
    fields = [np.broadcast_to(v, shape) for v in g]
    return np.choose(np.broadcast_to(greek, shape).astype(int), fields)
