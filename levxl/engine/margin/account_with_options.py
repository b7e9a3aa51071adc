"""An account holding futures/perpetuals and options, revalued at any underlying price, and the prices at which it
reaches its maintenance margin: the liquidation prices option sellers actually face.

At an underlying price ``U`` (USD) and a vol shift ``dv``, with ``vol_i(U) = max(vol_i + slope*(U/U0 - 1), 0.01) + dv``
(``slope`` in vol per unit relative move: -0.5 lifts vol 5 points on a -10% move)::

    equity(U) = wallet + sum_perps PnL_i(U) + sum_options side_i*size_i*(V_i(U) - entry_i) - funding(U)
    MM(U)     = sum_perps mmr_i*value_i(U) + sum_short_options size_i*MM_option_i(U, V_i(U))

``V_i`` is the engine's Black-76 price (:func:`levxl.engine.options.option_price`, coin-settled for a coin account),
``MM_option`` the standard margin of :mod:`levxl.engine.margin.option_margin` under the dated ``rules``;
``funding`` = sum_perps side_i*value_i(U)*funding_rate_i*periods. The account is in one currency: USD
(``contract="linear"``: linear perps, USD-settled options) or coin (``"inverse"``: inverse perps, coin-settled
options, Deribit). The liquidation prices are the nearest roots of ``equity(U) = MM(U)`` below and above ``U0``:
bracketed on a log grid of prices, then bisected, every bracket at once (vectorised); the scalar reference in
:mod:`levxl.engine.margin.reference` solves the same equation with ``scipy.optimize.brentq``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from levxl.engine import kernel, options
from levxl.engine.margin.option_margin import option_margin_usd
from levxl.engine.margin.params import ShortOptionParams, option_params
from levxl.engine.validate import (CONTRACT, NONNEGATIVE, NUMBER, POSITIVE, SIDE, Choice, Domain,
                                   checked, require)

__all__ = ["INSTRUMENT", "OptionAccount", "AccountLiquidation", "make_account", "account_liquidation_with_options",
           "surplus_at", "solve_first_crossing", "narrow_brackets", "GRID_POINTS",
           "position_values", "subaccount", "valuation", "price_grids",
           "position_columns", "one_value", "ACCOUNT_DOMAINS", "NONNEGATIVE_OR_NAN"]

INSTRUMENT = Choice('must be "perp" (or "future"), "call" or "put"',
                    {"perp": 0, "future": 0, "perpetual": 0, "call": 1, "c": 1, "put": -1, "p": -1}, fill=0.0)
GRID_POINTS = 801
"""Prices of the bracketing grid on each side of the mark (log-spaced down to 0.1% and up to 20x the mark)."""
_FIRST_CHUNK = 8
"""Grid prices in the scan's first chunk (a crossing within 8 steps of the mark costs no more than 8 prices)."""
_CLOSING_ULPS = 2
"""How far inside a bracket's ends (in ulps) a secant point is kept."""
_MIN_VOL = 0.01
NONNEGATIVE_OR_NAN = Domain("must be >= 0", lambda a: np.isnan(a) | (np.isfinite(a) & (a >= 0)), fill=0.0)
"""Days and vols of an account's positions: NaN (a blank cell) where the position is a perp."""


@dataclass(frozen=True)
class OptionAccount:
    """One account's positions as checked float arrays (positions along the last axis)."""

    instrument: np.ndarray  # 0 perp/future, +1 call, -1 put
    side: np.ndarray
    size: np.ndarray
    entry: np.ndarray  # perps: entry price; options: premium paid per option in the account currency
    strike: np.ndarray
    days: np.ndarray
    vol: np.ndarray
    mmr: np.ndarray
    funding_rate: np.ndarray
    wallet: float
    underlying: float
    inverse: bool
    rules: ShortOptionParams
    vol_slope: float = 0.0

    @property
    def is_option(self) -> np.ndarray:
        return self.instrument != 0


class Valuation(NamedTuple):
    equity: np.ndarray
    mm: np.ndarray | None  # None where asked for equity only (margin=False)


def _vol_at(account: OptionAccount, U, vol_shift):
    moved = account.vol + account.vol_slope * (U / account.underlying - 1.0)
    return np.maximum(np.maximum(moved, _MIN_VOL) + vol_shift, 0.0)


def position_values(account: OptionAccount, U, vol_shift=0.0, funding_periods=0.0, paired=False,
                    margin=True) -> Valuation:
    """Each position's contribution to equity (PnL since entry, less funding) and its maintenance margin at prices
    ``U`` (any shape): arrays of shape ``U.shape + (positions,)``. ``paired``: ``U``'s last axis runs along the
    positions instead, each position at its own prices (shape ``U.shape``). ``margin=False``: equity only (``mm``
    None), for a loss threshold, which needs no margin (the option margin is a sixth of the work)."""
    U = np.asarray(U, dtype=float)
    U = U if paired else U[..., None]
    vol_shift = np.asarray(vol_shift, dtype=float)[..., None]
    periods = np.asarray(funding_periods, dtype=float)[..., None]
    a, inv = account, float(account.inverse)
    shape = np.broadcast_shapes(U.shape, vol_shift.shape, periods.shape, a.side.shape)
    equity, mm = np.zeros(shape), np.zeros(shape) if margin else None
    perp = ~a.is_option
    if perp.any():
        s, q, e = a.side[perp], a.size[perp], a.entry[perp]
        at = U[..., perp] if paired else U
        notional = kernel.value(q, price=at, inverse=inv)
        funding = s * notional * a.funding_rate[perp] * periods
        equity[..., perp] = kernel.pnl(s, e, exit=at, size=q, inverse=inv) - funding
        if margin:
            mm[..., perp] = a.mmr[perp] * notional
    opt = a.is_option
    if opt.any():
        w, K, d = a.instrument[opt], a.strike[opt], a.days[opt]
        at = U[..., opt] if paired else U
        vol = _vol_at(account, U, vol_shift)[..., opt]
        price = options.option_price(option_type=w, underlying=at, strike=K, days=d, vol=vol,
                                     contract="inverse" if a.inverse else "linear")
        equity[..., opt] = a.side[opt] * a.size[opt] * (price - a.entry[opt])
        if margin:
            _, option_mm = option_margin_usd(w, at, K, price * at if a.inverse else price, a.rules)
            mm[..., opt] = np.where(a.side[opt] < 0, a.size[opt], 0.0) * (option_mm / at if a.inverse else option_mm)
    return Valuation(equity, mm)


def subaccount(account: OptionAccount, which) -> OptionAccount:
    """The account's positions ``which`` (indices), wallet and rules unchanged."""
    columns = ("instrument", "side", "size", "entry", "strike", "days", "vol", "mmr", "funding_rate")
    return replace(account, **{name: getattr(account, name)[which] for name in columns})


def valuation(account: OptionAccount, U, vol_shift=0.0, funding_periods=0.0, margin=True) -> Valuation:
    """The account's equity (wallet + every position's contribution) and maintenance margin at prices ``U``
    (``margin=False``: equity only, ``mm`` None)."""
    each = position_values(account, U, vol_shift, funding_periods, margin=margin)
    return Valuation(account.wallet + each.equity.sum(-1), each.mm.sum(-1) if margin else None)


def surplus_at(account: OptionAccount, U, vol_shift=0.0, funding_periods=0.0, loss_fraction=None):
    """``equity - MM`` at ``U`` (liquidation where <= 0), or, with ``loss_fraction`` f, ``equity - (1-f)*equity0``
    (a loss of f of today's equity where <= 0)."""
    value = valuation(account, U, vol_shift, funding_periods, margin=loss_fraction is None)
    if loss_fraction is None:
        return value.equity - value.mm
    today = valuation(account, account.underlying, margin=False).equity
    return value.equity - (1.0 - np.asarray(loss_fraction)) * today


def solve_first_crossing(fn, start, grid_down, grid_up, shape=(), iterations=200):
    """Nearest prices below and above ``start`` where ``fn(prices, which) <= 0``, for every problem of ``shape``
    (independent problems: the frontier's points, an account's positions). ``fn`` takes prices of shape (m, k), row
    j for problem ``which[j]`` (an index into the flattened problems), and returns their values, shape (m, k).
    Returns (down, up), each of ``shape``: 0.0 / inf where no grid price crosses, ``start`` itself where
    ``fn(start) <= 0``.

    Each grid is scanned outward from ``start`` in growing chunks, each problem only until its first grid point at
    or below zero: the same point a scan of the whole grid finds, at a fraction of the work when the crossing is
    near (the scan, not the root, is most of the cost: 801 prices a side against some 10 root steps). That point
    and its inner neighbour bracket the root, which :func:`narrow_brackets` closes to one ulp, every bracket at
    once. The answer is the bracket's outer end, where ``fn <= 0``, with ``fn > 0`` one ulp inward: what the
    bisection of :func:`levxl.engine.margin.reference.first_crossing_bisection` (the slow reference the tests pin
    this to) returns."""
    count = math.prod(shape)
    results = []
    for grid, sentinel in ((grid_down, 0.0), (grid_up, np.inf)):
        first = np.full(count, -1)  # index of each problem's first grid point at or below zero (-1: none)
        f_inner, f_outer = np.full(count, np.nan), np.full(count, np.nan)
        last = np.full(count, np.nan)  # each open problem's value at the last grid point scanned
        pending = np.arange(count)
        begin = 0
        while pending.size and begin < grid.size:
            end = min(grid.size, begin + max(_FIRST_CHUNK, begin // 4))  # chunks grow by a quarter: few calls
            values = fn(np.broadcast_to(grid[begin:end], (pending.size, end - begin)), pending)
            below = values <= 0
            hit = below.any(-1)
            at = np.argmax(below, axis=-1)[hit]
            rows = pending[hit]
            first[rows] = begin + at
            f_outer[rows] = values[hit, at]
            f_inner[rows] = np.where(at > 0, values[hit, np.maximum(at - 1, 0)], last[rows])
            last[pending] = values[:, -1]
            pending = pending[~hit]
            begin = end
        root = np.where(first >= 0, grid[np.maximum(first, 0)], sentinel)
        solve = np.flatnonzero(first > 0)  # first == 0: the start itself crossed
        root[solve] = narrow_brackets(fn, solve, grid[first[solve] - 1], grid[first[solve]], f_inner[solve],
                                      f_outer[solve], iterations)
        results.append(root.reshape(shape))
    return tuple(results)


def narrow_brackets(fn, which, inner, outer, f_inner, f_outer, iterations=200):
    """Close the brackets [inner, outer] of problems ``which`` (``fn(inner) > 0 >= fn(outer)``, the two ends in
    either order) until each is one ulp wide; returns the outer ends (``fn <= 0``). ``fn`` as for
    :func:`solve_first_crossing`; a NaN value counts as above zero, as in the bisection.

    Illinois regula falsi (Dowell & Jarratt 1971): the secant point of the bracket's ends, and when the same end
    is kept twice running its value is halved, so both ends converge (superlinearly, order ~1.44) instead of one
    end staying put. Each trial is kept at least ``_CLOSING_ULPS`` ulps inside both ends (Dekker's rule), so once
    the secant sits on the root the next trial lands just past it and closes the bracket (also where ``fn`` is
    exactly 0 at an end, where a secant cannot move). Bisection instead where the secant is NaN, the bracket is a
    few ulps wide, or it failed to halve over the last two steps, so no problem takes more than about twice
    bisection's steps; in practice some 8-12 instead of its ~45. Only the problems whose bracket is still open
    are evaluated."""
    a, b = np.array(inner, dtype=float), np.array(outer, dtype=float)
    fa, fb = np.array(f_inner, dtype=float), np.array(f_outer, dtype=float)
    kept = np.zeros(a.size, dtype=np.int8)  # the end the last secant step kept: 1 inner, -1 outer, 0 none
    width = [np.full(a.size, np.inf), np.full(a.size, np.inf)]  # the bracket's width one and two steps ago
    live = np.arange(a.size)
    for _ in range(iterations):
        mid = 0.5 * (a[live] + b[live])
        live = live[(mid != a[live]) & (mid != b[live])]  # one ulp wide (or closed): done
        if not live.size:
            break
        A, B, FA, FB = a[live], b[live], fa[live], fb[live]
        w, toward = np.abs(B - A), np.sign(A - B)  # the bracket's width; the direction from B to A
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            secant = B - FB * (B - A) / (FB - FA)
        # at least `tol` inside each end: a secant on the root's end (or on an exact zero at B) is tried just past
        # the root, which closes the bracket there at once instead of leaving the far end to bisection
        tol = _CLOSING_ULPS * np.spacing(np.abs(B))
        x = B + toward * np.clip((secant - B) * toward, tol, w - tol)
        bisect = np.isnan(secant) | (w <= 2 * tol) | (w > 0.5 * width[1][live])
        x = np.where(bisect, 0.5 * (A + B), x)
        fx = fn(x[:, None], which[live])[:, 0]
        crossed = fx <= 0
        keeps = np.where(crossed, 1, -1).astype(np.int8)
        halve = ~bisect & (keeps == kept[live])
        a[live], fa[live] = np.where(crossed, A, x), np.where(crossed, np.where(halve, 0.5 * FA, FA), fx)
        b[live], fb[live] = np.where(crossed, x, B), np.where(crossed, fx, np.where(halve, 0.5 * FB, FB))
        kept[live] = np.where(bisect, 0, keeps)
        width[1][live], width[0][live] = width[0][live], w
    return b


def price_grids(underlying, points=GRID_POINTS):
    """Log-spaced prices outward from the mark: down to 0.1% of it, up to 20 times it (first point = the mark)."""
    down = underlying * np.geomspace(1.0, 1e-3, points)
    up = underlying * np.geomspace(1.0, 20.0, points)
    return down, up


class AccountLiquidation(NamedTuple):
    """Underlying prices where the account reaches its maintenance margin (0.0 / inf: none below / above), and the
    name of the option-margin rules used."""

    down: np.ndarray
    up: np.ndarray
    params: str


ACCOUNT_DOMAINS = dict(instruments=INSTRUMENT, sides=SIDE, sizes=POSITIVE, entries=NONNEGATIVE,
                       strikes=NONNEGATIVE_OR_NAN, days=NONNEGATIVE_OR_NAN, vols=NONNEGATIVE_OR_NAN,
                       underlying=POSITIVE, wallet=NUMBER, mmr=NONNEGATIVE,
                       contract=CONTRACT, vol_slope=NUMBER, funding_rates=NUMBER)


@checked(**ACCOUNT_DOMAINS)
def make_account(instruments, sides, sizes, entries, strikes=None, days=None, vols=None, underlying=None, wallet=None,
                 mmr=0.005, contract="inverse", rules="deribit", vol_slope=0.0, funding_rates=0.0) -> OptionAccount:
    """An :class:`OptionAccount` (see :func:`account_liquidation_with_options`); strikes, days and vols may be
    NaN (or omitted) for perps and must be given for every option."""
    require(np.asarray(underlying is not None and wallet is not None), "underlying and wallet", "are required")
    strikes, days, vols = (np.nan if x is None else x for x in (strikes, days, vols))
    instrument, side, size, entry, strike, day, vol, rate, funding = position_columns(
        instruments=instruments, sides=sides, sizes=sizes, entries=entries, strikes=strikes, days=days, vols=vols,
        mmr=mmr, funding_rates=funding_rates)
    option = instrument != 0
    for name, values in (("strike", strike), ("days", day), ("vol", vol)):
        require(~option | np.isfinite(values), name, "must be given for every option")
        values[~option] = 0.0  # a perp's blank option columns
    require(~option | (strike > 0), "strike", "must be > 0 for an option")
    return OptionAccount(instrument, side, size, entry, strike, day, vol, rate, funding, one_value("wallet", wallet),
                         one_value("underlying", underlying), bool(one_value("contract", contract)),
                         option_params(rules), one_value("vol_slope", vol_slope))


def position_columns(**columns) -> list[np.ndarray]:
    """Per-position arguments as 1-D float arrays of one length (a single value is repeated); a clear error when
    two columns have different numbers of rows."""
    flat = {name: np.ravel(np.asarray(value, dtype=float)) for name, value in columns.items()}
    rows = max(v.size for v in flat.values())
    for name, values in flat.items():
        if values.size not in (1, rows):
            raise ValueError(f"{name} has {values.size} rows where the positions have {rows}")
    return [np.array(np.broadcast_to(v, (rows,))) for v in flat.values()]


def one_value(name: str, value) -> float:
    """A whole-account argument: exactly one number."""
    values = np.ravel(np.asarray(value, dtype=float))
    if values.size != 1:
        raise ValueError(f"{name} must be a single value for the whole account")
    return float(values[0])


@checked(**ACCOUNT_DOMAINS)
def account_liquidation_with_options(instruments, sides, sizes, entries, strikes=None, days=None, vols=None,
                                     underlying=None, wallet=None, mmr=0.005, contract="inverse", rules="deribit",
                                     vol_slope=0.0,
                                     funding_rates=0.0):
    """Underlying prices below and above ``underlying`` at which the account reaches its maintenance margin.

    Positions (one per element of the vectors): ``instruments`` "perp"/"call"/"put"; ``sides`` long/short;
    ``sizes`` coins of underlying for options and linear perps, USD face for inverse perps; ``entries`` the perp's
    entry price or the option's premium per option (coin for a coin account); ``strikes`` (options); ``days`` to
    expiry; ``vols`` implied vols; ``mmr`` the perps' maintenance rate. ``underlying`` the underlying's price now
    (USD), ``wallet`` the balance (coin or USD), ``contract`` "inverse" (coin account, Deribit) or "linear",
    ``rules`` the dated option-margin set, ``vol_slope`` how vol moves with the price. Returns
    :class:`AccountLiquidation` (0.0 / inf sentinels where no price liquidates).

    >>> r = account_liquidation_with_options(["call"], ["short"], [1.0], [0.0], [60_000], [30], [0.6], 50_000, 0.3)
    >>> round(float(r.down), 2), round(float(r.up)), r.params
    (0.0, 65125, 'deribit@2020')
    """
    account = make_account(instruments, sides, sizes, entries=entries, strikes=strikes, days=days, vols=vols,
                           underlying=underlying, wallet=wallet, mmr=mmr, contract=contract, rules=rules,
                           vol_slope=vol_slope, funding_rates=funding_rates)
    down, up = price_grids(account.underlying)
    low, high = solve_first_crossing(lambda prices, which: surplus_at(account, prices), account.underlying, down,
                                     up)
    return AccountLiquidation(low, high, account.rules.name)
