"""Slow references for the margin package: one price, one position, one scenario at a time, in plain Python over
:mod:`levxl.engine.reference.options` (scalar Black-76) and ``scipy.optimize.brentq``, and the first-crossing search
as it was first written (the whole grid, then bisection). The tests pin the vectorised code to these; the benchmarks
time the per-scenario loop against the one numpy pass and the bisection against the fast search."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from levxl.engine.reference import options as ref_options

__all__ = ["account_surplus", "account_liquidation_brentq", "first_crossing_bisection", "scenario_losses_loop"]


def _option_mm_usd(w, U, K, mark_usd, p):
    otm = max(U - K, 0.0) if w < 0 else max(K - U, 0.0)
    base = max(p.mm_itm * U - otm, p.mm_otm * U)
    if w < 0:
        base = max(base, p.put_mark_floor * mark_usd)
    mm = base + p.mm_premium * mark_usd
    if w < 0 and p.put_cap_mm is not None:
        mm = min(mm, p.put_cap_mm * K)
    return mm


def account_surplus(account, U: float, vol_shift: float = 0.0, periods: float = 0.0) -> float:
    """equity - MM of an :class:`~levxl.engine.margin.account_with_options.OptionAccount` at one price, position by
    position."""
    a = account
    equity, mm = a.wallet, 0.0
    for i in range(len(a.side)):
        s, q, e = float(a.side[i]), float(a.size[i]), float(a.entry[i])
        if a.instrument[i] == 0:
            notional = q / U if a.inverse else q * U
            equity += s * q * (1 / e - 1 / U) if a.inverse else s * q * (U - e)
            equity -= s * notional * float(a.funding_rate[i]) * periods
            mm += float(a.mmr[i]) * notional
            continue
        w = int(a.instrument[i])
        vol = max(float(a.vol[i]) + a.vol_slope * (U / a.underlying - 1.0), 0.01) + vol_shift
        usd = ref_options.usd_price("call" if w > 0 else "put", U, float(a.strike[i]), float(a.days[i]), max(vol, 0.0),
                                    model="black76")
        price = usd / U if a.inverse else usd
        equity += s * q * (price - e)
        if s < 0:
            option_mm = _option_mm_usd(w, U, float(a.strike[i]), usd, a.rules)
            mm += q * (option_mm / U if a.inverse else option_mm)
    return equity - mm


def account_liquidation_brentq(account, lower: float, upper: float) -> float:
    """The root of :func:`account_surplus` in a bracket [lower, upper] (sign change required)."""
    return brentq(lambda u: account_surplus(account, u), lower, upper, xtol=1e-9 * max(lower, 1.0), rtol=1e-14,
                  maxiter=500)


def first_crossing_bisection(fn, start, grid_down, grid_up, shape=(), iterations=200):
    """:func:`levxl.engine.margin.account_with_options.solve_first_crossing` the obvious way (same arguments and
    answer): every problem at every grid price; the first grid point at or below zero and its inner neighbour
    bracket the root, which bisection narrows, every problem at every step, until the bracket is one ulp wide."""
    count = math.prod(shape)
    every = np.arange(count)
    results = []
    for grid, sentinel in ((grid_down, 0.0), (grid_up, np.inf)):
        values = fn(np.broadcast_to(grid, (count, grid.size)), every)
        crossed = values <= 0
        any_cross = crossed.any(-1)
        first = np.argmax(crossed, axis=-1)
        outer = grid[first]
        inner = np.where(first == 0, outer, grid[np.maximum(first - 1, 0)])  # crossed at the start itself
        lo, hi = inner.copy(), outer.copy()  # fn(lo) > 0 (or lo == start crossed), fn(hi) <= 0
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            done = (mid == lo) | (mid == hi)
            if np.all(done | ~any_cross):
                break
            bad = fn(mid[:, None], every)[:, 0] <= 0
            hi = np.where(bad & ~done, mid, hi)
            lo = np.where(~bad & ~done, mid, lo)
        results.append(np.where(any_cross, hi, sentinel).reshape(shape))
    return tuple(results)


def scenario_losses_loop(positions, underlying: float, moves, shocks, params) -> list[float]:
    """Book P&L in each scenario, one scenario at a time and one position at a time (plain Python).

    ``positions``: list of dicts with instrument (0 perp, +1 call, -1 put), qty (signed), strike, days, vol."""
    out = []
    for move, shock in zip(moves, shocks):
        price = underlying * (1 + move)
        total = 0.0
        for p in positions:
            if p["instrument"] == 0:
                total += p["qty"] * (price - underlying)
                continue
            dte = p["days"]
            power = params.power_short if dte < 30 else params.power_long
            vol = p["vol"] * (1 + shock * (30 / max(params.dte_floor, dte)) ** power)
            vol = max(vol, params.vol_up_floor) if shock > 0 else max(vol, 0.0)
            kind = "call" if p["instrument"] > 0 else "put"
            now = ref_options.usd_price(kind, underlying, p["strike"], dte, p["vol"], model="black76")
            then = ref_options.usd_price(kind, price, p["strike"], dte, vol, model="black76")
            total += p["qty"] * (then - now)
        out.append(total)
    return out
