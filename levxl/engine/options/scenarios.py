"""Option scenarios: value along the remaining time (:func:`decay_curve`, :func:`option_decay`), PnL over a grid of
price moves x days passed x vol shifts (:func:`option_pnl_grid`), and option leverage (:func:`option_leverage`).
Each is one broadcast evaluation of the kernel of :mod:`levxl.engine.options.pricing`, no loop over cells.
"""

from __future__ import annotations

import numpy as np

from levxl.engine.options.pricing import _OPTION_DOMAINS, _core, with_shared_parameters
from levxl.engine.validate import DAYS, MOVE, NUMBER, POSITIVE, ArrayLike, ArrayOrFloat, checked

__all__ = ["DEFAULT_MOVES", "DEFAULT_DAYS_PASSED", "decay_curve", "option_decay", "option_pnl_grid",
           "option_leverage"]

DEFAULT_MOVES = (-0.5, -0.3, -0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
"""Default price moves of :func:`option_pnl_grid` (fractions of the underlying)."""
DEFAULT_DAYS_PASSED = (0.0, 1.0, 7.0)
"""Default days passed of :func:`option_pnl_grid`."""


# ------------------------------------------------------------------------------------------------------ time decay


@checked(step=POSITIVE, **_OPTION_DOMAINS)
@with_shared_parameters
def decay_curve(option_type: ArrayLike, underlying: ArrayLike, strike: ArrayLike, days: ArrayLike, vol: ArrayLike, *,
                step: ArrayLike = 1.0, risk_free_rate: ArrayLike = 0.0, model: ArrayLike = "black76",
                contract: ArrayLike = "linear", carry: ArrayLike = 0.0) -> np.ndarray:
    """Option value along the remaining time, all else equal: values at ``days, days - step, ..., 0`` days left.

    ``curve[..., k] = option_price(..., max(days - k*step, 0), ...)`` for ``k = 0 .. ceil(max(days)/step)``, so the
    last value is the payoff at expiry. Shape: the broadcast option shape + ``(n_steps,)`` (a 1-D array for one
    option); where options have different ``days`` the shorter ones repeat their payoff at the end.
    Sources as :func:`~levxl.engine.options.pricing.option_price` (Black 1976; Hull ch. 19, theta).

    Parameters
    ----------
    {option}
    vol : array_like
        Annualised volatility, a fraction (0.6 = 60%), >= 0.
    step : float, default 1
        Days between two points of the curve, > 0.
    {market}

    Returns
    -------
    ndarray
        Values in USD (linear) or coin (inverse), the steps on the last axis.

    >>> [round(float(v), 4) for v in decay_curve("call", 100, 100, 3, 0.8)]
    [2.8928, 2.3621, 1.6704, 0.0]
    """
    n_steps = int(np.ceil(np.max(days) / step)) + 1 if np.size(days) else 1
    k = np.arange(n_steps, dtype=float)
    remaining = np.maximum(np.asarray(days)[..., None] - k * step, 0.0)
    args = [np.asarray(a)[..., None] for a in (option_type, underlying, strike)]
    tail = [np.asarray(a)[..., None] for a in (vol, risk_free_rate, model, contract, carry)]
    return _core(*args, remaining, *tail, with_greeks=False).price


@checked(horizon=DAYS, **_OPTION_DOMAINS)
@with_shared_parameters
def option_decay(option_type: ArrayLike, underlying: ArrayLike, strike: ArrayLike, days: ArrayLike, vol: ArrayLike, *,
                 horizon: ArrayLike, risk_free_rate: ArrayLike = 0.0, model: ArrayLike = "black76",
                 contract: ArrayLike = "linear", carry: ArrayLike = 0.0) -> ArrayOrFloat:
    """Value lost to time over ``horizon`` days, all else equal: ``V(days) - V(max(days - horizon, 0))``.

    Positive = value lost (a long option's time decay; a short position earns it). Sources as
    :func:`~levxl.engine.options.pricing.option_price`.

    Parameters
    ----------
    {option}
    vol : array_like
        Annualised volatility, a fraction (0.6 = 60%), >= 0.
    horizon : array_like
        Calendar days that pass, >= 0.
    {market}

    Returns
    -------
    ndarray or float
        Value lost per option: USD (linear) or coin (inverse).

    >>> round(float(option_decay("call", 100, 100, 30, 0.6, horizon=7)), 6)
    0.850939
    """
    now = _core(option_type, underlying, strike, days, vol, risk_free_rate, model, contract, carry,
                with_greeks=False).price
    later = _core(option_type, underlying, strike, np.maximum(days - horizon, 0.0), vol, risk_free_rate, model,
                  contract, carry, with_greeks=False).price
    return now - later


# --------------------------------------------------------------------------------------------------------- PnL grid


@checked(quantity=NUMBER, moves=MOVE, days_passed=DAYS, vol_shifts=NUMBER, premium=NUMBER, **_OPTION_DOMAINS)
@with_shared_parameters
def option_pnl_grid(option_type: ArrayLike, underlying: ArrayLike, strike: ArrayLike, days: ArrayLike,
                    vol: ArrayLike, *, quantity: ArrayLike = 1.0, moves: ArrayLike = DEFAULT_MOVES,
                    days_passed: ArrayLike = DEFAULT_DAYS_PASSED, vol_shifts: ArrayLike = 0.0,
                    risk_free_rate: ArrayLike = 0.0, model: ArrayLike = "black76", contract: ArrayLike = "linear",
                    premium: ArrayLike | None = None, carry: ArrayLike = 0.0) -> np.ndarray:
    """PnL of ``quantity`` options (negative = short) over a grid of price moves x days passed (x vol shifts).

    ``PnL = quantity * (V(underlying*(1 + move), max(days - passed, 0), max(vol + shift, 0)) - premium)``, premium
    defaulting to today's value ``V(underlying, days, vol)`` (so the cell move 0, passed 0, shift 0 is 0).
    Deribit's portfolio margin scenarios shift vol up/same/down the way ``vol_shifts`` does.

    Shape: ``(len(vol_shifts), len(moves), len(days_passed))``, squeezed to ``(len(moves), len(days_passed))`` when
    ``vol_shifts`` is a scalar. Option inputs are normally scalars; arrays broadcast to a shape ``B`` and the grid
    axes are appended (``B + grid``). The grid is one broadcast evaluation, no loop over cells.
    Sources as :func:`~levxl.engine.options.pricing.option_price`; scenario layout as Deribit's portfolio margin
    risk matrix (price x vol shocks).

    Parameters
    ----------
    {option}
    vol : array_like
        Annualised volatility, a fraction (0.6 = 60%), >= 0.
    quantity : array_like, default 1
        Number of options (negative = short).
    moves : sequence of float, default DEFAULT_MOVES
        Price moves, fractions of the underlying (> -1).
    days_passed : sequence of float, default DEFAULT_DAYS_PASSED
        Calendar days passed (past expiry = the payoff), >= 0.
    vol_shifts : float or sequence of float, default 0
        *Absolute* vol changes, annualised fractions (0.1 = +10 vol points); the shifted vol is floored at 0.
    {market}
    premium : array_like, optional
        Price paid per option (USD, or coin for inverse); default: today's value.

    Returns
    -------
    ndarray
        PnL in USD (linear) or coin (inverse, per 1 coin notional), shaped as above.

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

    w, U, K, T0, sig, r, mdl, st, q = (opt(a) for a in (option_type, underlying, strike, days, vol, risk_free_rate,
                                                         model, contract, carry))
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
@with_shared_parameters
def option_leverage(option_type: ArrayLike, underlying: ArrayLike, strike: ArrayLike, days: ArrayLike,
                    vol: ArrayLike, *, risk_free_rate: ArrayLike = 0.0, model: ArrayLike = "black76",
                    contract: ArrayLike = "linear", carry: ArrayLike = 0.0) -> ArrayOrFloat:
    """Option leverage (elasticity, lambda, Omega): ``lambda = delta * S / V``, the % change in the option's value per
    1% move of the underlying (a 10x lambda call gains ~10% when the underlying gains 1%).

    ``delta`` and ``V`` are the USD (linear) delta and value of :func:`~levxl.engine.options.greeks.greeks`. For a
    coin-settled option (``contract="inverse"``) the USD-equivalent is used: the option is worth ``V_coin * S =
    V_usd`` dollars, so its dollar elasticity is the same ``delta_usd * S / V_usd``; its elasticity in coin terms is
    ``lambda - 1`` (the coin itself moves 1:1). Puts have negative lambda. NaN where the option is worthless
    (``V == 0``: expired or zero-vol out of the money).
    Sources: Hull ch. 19; Cox & Rubinstein, *Options Markets* (1985), option elasticity.

    Parameters
    ----------
    {option}
    vol : array_like
        Annualised volatility, a fraction (0.6 = 60%), >= 0.
    {market}

    Returns
    -------
    ndarray or float
        Lambda, a multiple (negative for puts); NaN where the option is worthless.

    >>> round(float(option_leverage("call", 100, 110, 30, 0.6)), 4)
    9.781
    """
    g = _core(option_type, underlying, strike, days, vol, risk_free_rate, model, 0.0, carry)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = g.delta * underlying / g.price
    return np.where(g.price > 0, lam, np.nan)
