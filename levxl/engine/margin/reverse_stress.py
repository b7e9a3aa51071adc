"""Reverse stress: the smallest adverse move of the underlying that liquidates a position, an account or a book, or
costs it a given fraction of its equity; alone, jointly with a vol shift, or jointly with funding paid over a
horizon. The answer is a frontier (arrays, one element per vol shift / horizon) for a spreadsheet to spill.

* A perpetual alone has closed forms: its liquidation price is the engine's
  (:func:`levxl.engine.liquidation.liquidation_price`), and the price that costs ``L`` of margin currency is
  ``P = mark - L/(s*q)`` (linear) or ``1/P = 1/mark + L/(s*Q)`` (inverse).
* An account with options (and a book: the accounts' positions and wallets merged) is solved numerically: the
  nearest prices below and above the mark where ``equity(U) - MM(U) <= 0`` (liquidation) or
  ``equity(U) <= (1 - f)*equity(U0)`` (a loss of ``f``), by :func:`~levxl.engine.margin.account_with_options.
  solve_first_crossing` (bracket on a log grid scanned outward, then Illinois regula falsi to one ulp), every
  frontier point at once.

Moves are fractions of the mark (-0.1 = the underlying 10% lower); no move on a side: NaN.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from levxl.engine.liquidation import liquidation_price
from levxl.engine.margin.account_with_options import (ACCOUNT_DOMAINS, make_account, one_value, position_values,
                                                      price_grids, solve_first_crossing, subaccount, surplus_at)
from levxl.engine.validate import CONTRACT, FRACTION, NONNEGATIVE, NUMBER, POSITIVE, POSITIVE_OR_NAN, SIDE, checked

__all__ = ["Frontier", "account_reverse_stress", "perp_reverse_stress", "position_reverse_stress"]


class Frontier(NamedTuple):
    """Per frontier point: the vol shift and funding periods assumed, the smallest moves down and up (fractions,
    NaN where none) and the prices they reach; ``params`` the option-margin rules used."""

    vol_shift: np.ndarray
    funding_periods: np.ndarray
    move_down: np.ndarray
    move_up: np.ndarray
    price_down: np.ndarray
    price_up: np.ndarray
    params: str


def _moves(price_down, price_up, mark):
    down = np.where(price_down > 0, price_down / mark - 1.0, np.nan)
    up = np.where(np.isfinite(price_up), price_up / mark - 1.0, np.nan)
    return down, up


@checked(vol_shifts=NUMBER, funding_periods=NONNEGATIVE, loss_fraction=FRACTION, **ACCOUNT_DOMAINS)
def account_reverse_stress(instruments, sides, sizes, entries, strikes=None, days=None, vols=None, underlying=None,
                           wallet=None, mmr=0.005,
                           contract="inverse", rules="deribit", vol_slope=0.0, funding_rates=0.0, vol_shifts=0.0,
                           funding_periods=0.0, loss_fraction=None):
    """The frontier of smallest adverse moves for one account (arguments of
    :func:`~levxl.engine.margin.account_with_options.account_liquidation_with_options`), one point per element of
    ``vol_shifts`` (absolute, 0.1 = +10 vol points) broadcast against ``funding_periods`` (funding intervals paid
    at each perp's ``funding_rates``). ``loss_fraction`` None: the move that liquidates (equity = MM); a fraction
    f: the move that costs f of today's equity.

    >>> f = account_reverse_stress(["perp"], ["long"], [1.0], [100.0], [0.0], [0.0], [0.0], 100.0, 10.0,
    ...                            contract="linear", mmr=0.0)
    >>> round(float(f.move_down[0]), 12)   # a 10x long with no maintenance: bankrupt 10% lower
    -0.1
    """
    account = make_account(instruments, sides, sizes, entries=entries, strikes=strikes, days=days, vols=vols,
                           underlying=underlying, wallet=wallet, mmr=mmr, contract=contract, rules=rules,
                           vol_slope=vol_slope, funding_rates=funding_rates)
    loss_fraction = None if loss_fraction is None else one_value("loss_fraction", loss_fraction)
    shifts, periods = np.broadcast_arrays(np.atleast_1d(np.asarray(vol_shifts, dtype=float)),
                                          np.atleast_1d(np.asarray(funding_periods, dtype=float)))
    shifts, periods = shifts.ravel(), periods.ravel()
    down, up = price_grids(account.underlying)

    def fn(prices, which):  # frontier points `which`, each at its own prices
        return surplus_at(account, prices, shifts[which, None], periods[which, None], loss_fraction)

    low, high = solve_first_crossing(fn, account.underlying, down, up, shape=shifts.shape)
    move_down, move_up = _moves(low, high, account.underlying)
    return Frontier(shifts, periods, move_down, move_up, low, high, account.rules.name)


@checked(loss_fraction=FRACTION, **ACCOUNT_DOMAINS)
def position_reverse_stress(instruments, sides, sizes, entries, strikes=None, days=None, vols=None, underlying=None,
                            wallet=None, mmr=0.005,
                            contract="inverse", rules="deribit", vol_slope=0.0, funding_rates=0.0,
                            loss_fraction=0.1):
    """For each position of an account alone: the smallest moves down and up after which that position has lost
    ``loss_fraction`` of the account's equity today (its contribution measured from today's marks). Returns
    ``(move_down, move_up)`` arrays, one element per position (NaN where no move on that side does)."""
    account = make_account(instruments, sides, sizes, entries=entries, strikes=strikes, days=days, vols=vols,
                           underlying=underlying, wallet=wallet, mmr=mmr, contract=contract, rules=rules,
                           vol_slope=vol_slope, funding_rates=funding_rates)
    today = position_values(account, account.underlying, margin=False).equity
    budget = one_value("loss_fraction", loss_fraction) * (account.wallet + today.sum())
    down, up = price_grids(account.underlying)

    def fn(prices, which):  # positions `which` alone, each at its own prices (row j: position which[j])
        alone = position_values(subaccount(account, which), prices.T, paired=True, margin=False).equity
        return (alone - today[which] + budget).T

    low, high = solve_first_crossing(fn, account.underlying, down, up, shape=today.shape)
    return _moves(low, high, account.underlying)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, mark=POSITIVE, leverage=POSITIVE_OR_NAN, margin=POSITIVE_OR_NAN,
         contract=CONTRACT, loss_fraction=FRACTION)
def perp_reverse_stress(side, entry, size, mark, leverage=None, mmr=0.005, margin=None, contract="linear",
                        loss_fraction=None):
    """The adverse move from ``mark`` that liquidates an isolated perp (the engine's liquidation price), or with
    ``loss_fraction`` f the move that costs f of its equity at the mark (margin + PnL), in closed form.

    >>> float(perp_reverse_stress("long", 100, 1, 100, 10, mmr=0.0))
    -0.1
    """
    if loss_fraction is None:
        lp = liquidation_price(side, entry, size, leverage=leverage, mmr=mmr, margin=margin, contract=contract)
        return np.where((lp > 0) & np.isfinite(lp), lp / mark - 1.0, np.nan)
    from levxl.engine import kernel

    isolated = kernel.isolated_margin(size, entry, leverage=leverage, margin=margin, inverse=contract)
    equity = isolated + kernel.pnl(side, entry, exit=mark, size=size, inverse=contract)
    budget = loss_fraction * equity
    linear = mark - budget / (side * size)
    with np.errstate(divide="ignore"):
        inverse = 1.0 / (1.0 / mark + budget / (side * size))
    price = np.where(contract != 0, inverse, linear)
    return np.where((price > 0) & np.isfinite(price), price / mark - 1.0, np.nan)
