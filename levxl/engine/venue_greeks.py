"""Option greeks as a venue displays them.

levxl's own greeks (:func:`levxl.engine.options.greeks`) default to Black-76 on the forward, with a coin-settled
option's delta premium-adjusted (``delta_usd - V/S``, the coin exposure). A venue's screen may follow another
convention; this module reproduces it so a desk can reconcile with the venue.

Deribit (``public/ticker`` greeks; profile ``deribit`` in :mod:`levxl.engine.venues`): Black-Scholes with
``S = underlying_price`` (the forward of the option's expiry, or the index for a perpetual-settled expiry) and
``r = interest_rate`` (0 on Deribit), greeks in USD: delta ``N(d1)`` (the plain BS delta, *not* premium-adjusted),
gamma per 1 USD, vega per vol point, theta per calendar day, rho ``K*T*exp(-rT)*N(d2)/100`` per 1% of rate. Its
``mark_price`` is in coin, the USD value divided by ``underlying_price``. Black-76 (price held fixed in the forward)
would give rho ``-T*C/100`` instead: -74.64 where Deribit shows +130.64.

Source: the ticker of BTC-27SEP24-40000-C at 2023-11-10T01:09:08Z quoted in ccxt's ``deribit.fetch_greeks``
docstring (underlying_price 38,992.71, mark_iv 61.27%, interest_rate 0; delta 0.59621, rho 130.63998, vega
141.90146, theta -13.48784, mark_price 0.2168); docs/venue-conventions.md section 2 has the arithmetic.
"""

from __future__ import annotations

import numpy as np

from levxl.engine import options
from levxl.engine.options import Greeks
from levxl.engine.validate import DAYS, NUMBER, OPTION_TYPE, POSITIVE, VOL, Choice, checked

__all__ = ["deribit_greeks", "option_greek_at_venue", "GREEK_VENUE"]

GREEK_VENUE = Choice('must be "deribit" (the venues whose displayed greeks levxl reproduces)', {"deribit": 1},
                     fill=1.0)


@checked(option_type=OPTION_TYPE, underlying=POSITIVE, strike=POSITIVE, days=DAYS, vol=VOL, risk_free_rate=NUMBER)
def deribit_greeks(option_type, underlying, strike, days, vol, *, risk_free_rate=0.0):
    """The greeks Deribit's ticker shows: ``Greeks(price, delta, gamma, vega, theta, rho)`` with ``price`` the
    mark price in coin (``V_usd / underlying``) and the greeks in USD, Black-Scholes on ``underlying`` (Deribit's
    ``underlying_price``) at ``risk_free_rate`` (its ``interest_rate``, 0). ``days`` calendar days to expiry (365 a year).

    >>> g = deribit_greeks("call", 38_992.71, 40_000, 322.2853, 0.6127)  # BTC-27SEP24-40000-C, 2023-11-10
    >>> round(float(g.delta), 4), round(float(g.rho), 2), round(float(g.vega), 2), round(float(g.price), 4)
    (0.5962, 130.64, 141.9, 0.2168)
    """
    usd = options.greeks(option_type, underlying, strike, days, vol, risk_free_rate=risk_free_rate, model="bs",
                         contract="linear")
    return Greeks(usd.price / underlying, usd.delta, usd.gamma, usd.vega, usd.theta, usd.rho)


@checked(greek=options.GREEK, venue=GREEK_VENUE)
def option_greek_at_venue(greek, option_type, underlying, strike, days, vol, *, risk_free_rate=0.0, model="black76",
                          contract="linear", venue=None):
    """:func:`levxl.engine.options.option_greek`, or with ``venue="deribit"`` the greek as Deribit displays it
    (:func:`deribit_greeks`: BS on ``underlying``, USD greeks, price in coin; ``model`` and ``contract`` are then the
    venue's and ignored)."""
    if venue is None:
        return options.option_greek(greek, option_type, underlying, strike, days, vol,
                                    risk_free_rate=risk_free_rate, model=model, contract=contract)
    shown = deribit_greeks(option_type, underlying, strike, days, vol, risk_free_rate=risk_free_rate)
    shape = np.broadcast_shapes(np.shape(greek), *(np.shape(v) for v in shown))
    fields = [np.broadcast_to(np.asarray(v, dtype=float), shape) for v in shown]
    return np.choose(np.broadcast_to(np.asarray(greek), shape).astype(int), fields)
