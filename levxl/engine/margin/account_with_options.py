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

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from levxl.engine import kernel, options
from levxl.engine.margin.option_margin import option_margin_usd
from levxl.engine.margin.params import ShortOptionParams, option_params
from levxl.engine.validate import (CONTRACT, NONNEGATIVE, NUMBER, POSITIVE, SIDE, Choice, Domain,
                                   checked, require)

__all__ = ["INSTRUMENT", "OptionAccount", "AccountLiquidation", "make_account", "account_liquidation_with_options",
           "surplus_at", "solve_first_crossing", "GRID_POINTS",
           "position_values", "valuation", "price_grids",
           "position_columns", "one_value", "ACCOUNT_DOMAINS", "NONNEGATIVE_OR_NAN"]

INSTRUMENT = Choice('must be "perp" (or "future"), "call" or "put"',
                    {"perp": 0, "future": 0, "perpetual": 0, "call": 1, "c": 1, "put": -1, "p": -1}, fill=0.0)
GRID_POINTS = 801
"""Prices of the bracketing grid on each side of the mark (log-spaced down to 0.1% and up to 20x the mark)."""
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
    mm: np.ndarray


def _vol_at(account: OptionAccount, U, vol_shift):
    moved = account.vol + account.vol_slope * (U / account.underlying - 1.0)
    return np.maximum(np.maximum(moved, _MIN_VOL) + vol_shift, 0.0)


def position_values(account: OptionAccount, U, vol_shift=0.0, funding_periods=0.0) -> Valuation:
    """Each position's contribution to equity (PnL since entry, less funding) and its maintenance margin at prices
    ``U`` (any shape): arrays of shape ``U.shape + (positions,)``."""
    U = np.asarray(U, dtype=float)[..., None]
    vol_shift = np.asarray(vol_shift, dtype=float)[..., None]
    periods = np.asarray(funding_periods, dtype=float)[..., None]
    a, inv = account, float(account.inverse)
    shape = np.broadcast_shapes(U.shape, vol_shift.shape, periods.shape, a.side.shape)
    equity, mm = np.zeros(shape), np.zeros(shape)
    perp = ~a.is_option
    if perp.any():
        s, q, e = a.side[perp], a.size[perp], a.entry[perp]
        notional = kernel.value(q, price=U, inverse=inv)
        funding = s * notional * a.funding_rate[perp] * periods
        equity[..., perp] = kernel.pnl(s, e, exit=U, size=q, inverse=inv) - funding
        mm[..., perp] = a.mmr[perp] * notional
    opt = a.is_option
    if opt.any():
        w, K, d = a.instrument[opt], a.strike[opt], a.days[opt]
        vol = _vol_at(account, U, vol_shift)[..., opt]
        price = options.option_price(option_type=w, underlying=U, strike=K, days=d, vol=vol,
                                     contract="inverse" if a.inverse else "linear")
        equity[..., opt] = a.side[opt] * a.size[opt] * (price - a.entry[opt])
        _, option_mm = option_margin_usd(w, U, K, price * U if a.inverse else price, a.rules)
        mm[..., opt] = np.where(a.side[opt] < 0, a.size[opt], 0.0) * (option_mm / U if a.inverse else option_mm)
    return Valuation(equity, mm)


def valuation(account: OptionAccount, U, vol_shift=0.0, funding_periods=0.0) -> Valuation:
    """The account's equity (wallet + every position's contribution) and maintenance margin at prices ``U``."""
    each = position_values(account, U, vol_shift, funding_periods)
    return Valuation(account.wallet + each.equity.sum(-1), each.mm.sum(-1))


def surplus_at(account: OptionAccount, U, vol_shift=0.0, funding_periods=0.0, loss_fraction=None):
    """``equity - MM`` at ``U`` (liquidation where <= 0), or, with ``loss_fraction`` f, ``equity - (1-f)*equity0``
    (a loss of f of today's equity where <= 0)."""
    value = valuation(account, U, vol_shift, funding_periods)
    if loss_fraction is None:
        return value.equity - value.mm
    today = valuation(account, account.underlying).equity
    return value.equity - (1.0 - np.asarray(loss_fraction)) * today


def solve_first_crossing(fn, start, grid_down, grid_up, iterations=200):
    """Nearest prices below and above ``start`` where ``fn(prices) <= 0`` (``fn`` maps an array of prices, shape
    (..., n), to values of that shape; leading axes are independent problems). Returns (down, up) with 0.0 / inf
    where no price on the grid crosses; ``start`` itself where ``fn(start) <= 0``.

    The grids are scanned outward from ``start``; the first grid point at or below zero and its inner neighbour
    bracket the root, which bisection narrows until the bracket is one ulp wide."""
    results = []
    for grid, sentinel in ((grid_down, 0.0), (grid_up, np.inf)):
        values = fn(grid)
        crossed = values <= 0
        any_cross = crossed.any(-1)
        first = np.argmax(crossed, axis=-1)
        outer = np.take_along_axis(np.broadcast_to(grid, values.shape), first[..., None], -1)[..., 0]
        inner_index = np.maximum(first - 1, 0)
        inner = np.take_along_axis(np.broadcast_to(grid, values.shape), inner_index[..., None], -1)[..., 0]
        inner = np.where(first == 0, outer, inner)  # crossed at the start itself
        lo, hi = inner.copy(), outer.copy()  # fn(lo) > 0 (or lo == start crossed), fn(hi) <= 0
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            done = (mid == lo) | (mid == hi)
            if np.all(done | ~any_cross):
                break
            bad = fn(mid[..., None])[..., 0] <= 0
            hi = np.where(bad & ~done, mid, hi)
            lo = np.where(~bad & ~done, mid, lo)
        results.append(np.where(any_cross, hi, sentinel))
    return tuple(results)


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
    low, high = solve_first_crossing(lambda prices: surplus_at(account, prices), account.underlying, down, up)
    return AccountLiquidation(low, high, account.rules.name)
