"""European options on crypto underlyings: price, greeks, implied vol, time decay, PnL grids and option leverage.

* :mod:`~levxl.engine.options.pricing`: the model (Black-76 on a forward, Black-Scholes-Merton on spot; USD or
  coin-settled), the vectorised kernel and :func:`option_price`;
* :mod:`~levxl.engine.options.greeks`: :func:`greeks` (all in one pass) and :func:`option_greek` (one by name);
* :mod:`~levxl.engine.options.implied_vol`: :func:`implied_vol` and :func:`implied_vol_reasons`;
* :mod:`~levxl.engine.options.scenarios`: :func:`decay_curve`, :func:`option_decay`, :func:`option_pnl_grid`,
  :func:`option_leverage`.

Every option function takes the option and its market positionally, ``(option_type, underlying, strike, days,
vol)`` (:func:`implied_vol` takes ``price`` first and no vol; :func:`option_greek` takes ``greek`` first), and
everything else by keyword: ``risk_free_rate``, ``model`` ("black76" or "bs"), ``contract`` ("linear" = USD-settled,
"inverse" = coin-settled, Deribit), ``carry``.

Units (project-wide): rates are fractions, vol is annualised (0.6 = 60%), time is in calendar days, theta is per
calendar day, vega per 1 vol point (0.01), rho per 1% of rate, gamma per 1 unit of underlying.

Every function broadcasts like a ufunc; large inputs run in cache-sized chunks on ``pricing.THREADS`` threads.
"""

from levxl.engine.options.pricing import Greeks, option_price
from levxl.engine.options.greeks import GREEK, GREEK_NAMES, greeks, option_greek
from levxl.engine.options.implied_vol import ImpliedVol, implied_vol, implied_vol_reasons
from levxl.engine.options.scenarios import (DEFAULT_DAYS_PASSED, DEFAULT_MOVES, decay_curve, option_decay,
                                            option_leverage, option_pnl_grid)

__all__ = [
    "Greeks",
    "ImpliedVol",
    "GREEK",
    "GREEK_NAMES",
    "DEFAULT_MOVES",
    "DEFAULT_DAYS_PASSED",
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
