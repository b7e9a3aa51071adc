"""Per-position risk figures for a book: what the CLI prints and the reports lay out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from levxl.engine import kernel
from levxl.engine.liquidation import bankruptcy_price, liquidation_price, maintenance_margin
from levxl.book.positions import Book
from levxl.engine.scenarios import loss_at_move

__all__ = ["RiskTable", "risk_table", "pnl_after_mark_move", "FUNDING_INTERVALS_PER_DAY", "OptionFigures",
           "option_figures", "option_value_at", "OPTION_MOVES", "OPTION_VOL_SHIFTS"]

OPTION_MOVES = (-0.16, -0.12, -0.08, -0.04, 0.0, 0.04, 0.08, 0.12, 0.16)
"""Underlying moves of the option book's move x vol grid (Deribit portfolio margin: +-16% in 4% steps)."""
OPTION_VOL_SHIFTS = (-0.10, 0.0, 0.10)
"""Absolute vol shifts of that grid (annualised fractions: -10 / 0 / +10 vol points; floored at vol 0)."""

FUNDING_INTERVALS_PER_DAY = 3  # 8-hour funding, the default at Binance, Bybit, OKX and BitMEX


@dataclass
class RiskTable:
    book: Book
    margin: np.ndarray  #: isolated margin (margin currency)
    notional: np.ndarray  #: value at the mark (margin currency)
    upnl: np.ndarray
    liquidation: np.ndarray
    bankruptcy: np.ndarray
    distance: np.ndarray  #: adverse move from the mark to liquidation, fraction of the mark
    sigma_days: np.ndarray  #: that distance in one-day standard deviations (NaN without vol)
    maintenance: np.ndarray
    maintenance_rate: np.ndarray
    funding_per_day: np.ndarray  #: cash flow per day at the current rate (negative = paid)
    prob_1d: np.ndarray
    prob_7d: np.ndarray


def _mixed(values: list) -> object:
    """A per-position mmr column for the engine: floats stay a float array; presets make an object array."""
    if all(isinstance(v, float) for v in values):
        return np.array(values, dtype=float)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def pnl_after_mark_move(book: Book, moves, margin=None) -> np.ndarray:
    """PnL of each position (rows) if the price moves by each of ``moves`` (columns) from its *mark*,
    liquidation included (isolated: the loss stops at the margin). Shape (positions, moves).

    Options (not liquidated): ``s*size*(V(mark*(1 + move)) - entry)``, PnL from the premium paid like a future's
    PnL from its entry, Black-76 at the same vol and days to expiry (margin currency: coin for coin-settled)."""
    moves = np.asarray(moves, dtype=float).reshape(1, -1)
    opt = book.option
    out = np.full((len(book), moves.shape[1]), np.nan)
    perp = ~opt
    if perp.any():
        b = book.select(perp)
        m = b.isolated_margin if margin is None else np.asarray(margin, dtype=float)[perp]
        from_entry = (b.mark[:, None] * (1 + moves)) / b.entry[:, None] - 1
        res = loss_at_move(b.side[:, None], b.entry[:, None], b.size[:, None], None, from_entry,
                           _mixed(b.mmr)[:, None], m[:, None], np.array(b.contract, dtype=object)[:, None])
        out[perp] = res.pnl
    if opt.any():
        b = book.select(opt)
        value = option_value_at(b, moves)
        out[opt] = b.side[:, None] * b.size[:, None] * (value - b.entry[:, None])
    return out


def _option_args(book: Book):
    """Per-option engine arguments (type, underlying, strike, days, vol, settle) as arrays."""
    return (np.array(book.option_type, dtype=object), book.mark, book.strike, book.expiry_days, book.vol,
            np.array(book.contract, dtype=object))


def option_value_at(book: Book, moves, vol_shift: float = 0.0) -> np.ndarray:
    """Black-76 value per option (margin currency) of an options-only ``book`` after each of ``moves`` of the
    underlying (columns) and an absolute ``vol_shift`` (vol floored at 0); same days to expiry, rate 0."""
    from levxl.engine.options import option_price

    w, U, K, T, vol, settle = _option_args(book)
    moves = np.asarray(moves, dtype=float).reshape(1, -1)
    return np.asarray(option_price(w[:, None], U[:, None] * (1 + moves), K[:, None], T[:, None],
                                   np.maximum(vol + vol_shift, 0.0)[:, None], settle=settle[:, None]), dtype=float)


@dataclass
class OptionFigures:
    """Option positions of a book (index ``idx`` into the book): value per option and position greeks
    (``s*size*greek``), in the margin currency (USD linear, coin for coin-settled); Black-76 on the mark, rate 0."""

    idx: np.ndarray
    value: np.ndarray  #: per option
    delta: np.ndarray  #: coins of underlying (coin-settled: Deribit's premium-adjusted delta)
    gamma: np.ndarray  #: per 1 USD of the underlying
    vega: np.ndarray  #: per vol point
    theta: np.ndarray  #: per calendar day
    decay_7: np.ndarray  #: value lost to time over 7 days (position, negative = lost)
    decay_30: np.ndarray
    grid: np.ndarray  #: PnL vs now, (options, vol shifts, moves), margin currency


def option_figures(book: Book, moves=OPTION_MOVES, vol_shifts=OPTION_VOL_SHIFTS) -> OptionFigures:
    """The engine's option figures for the option positions of ``book``."""
    from levxl.engine.options import greeks, option_decay, option_pnl_grid

    idx = np.flatnonzero(book.option)
    b = book.select(book.option)
    w, U, K, T, vol, settle = _option_args(b)
    q = b.side * b.size
    if not len(b):
        z = np.zeros(0)
        return OptionFigures(idx, z, z, z, z, z, z, z, np.zeros((0, len(vol_shifts), len(moves))))
    g = greeks(w, U, K, T, vol, settle=settle)
    decay = [-q * np.asarray(option_decay(w, U, K, T, vol, h, settle=settle), dtype=float) for h in (7.0, 30.0)]
    grid = np.stack([np.asarray(option_pnl_grid(w[k], U[k], K[k], T[k], vol[k], quantity=q[k], moves=list(moves),
                                                days_passed=[0.0], vol_shifts=list(vol_shifts),
                                                settle=settle[k]), dtype=float)[:, :, 0] for k in range(len(b))])
    return OptionFigures(idx, np.asarray(g.price, dtype=float), q * g.delta, q * g.gamma, q * g.vega,
                         q * g.theta, decay[0], decay[1], grid)


def risk_table(book: Book) -> RiskTable:
    """Per-position figures; options are not liquidated by these formulas: their liquidation, bankruptcy,
    distance, maintenance, funding and probabilities are NaN, margin NaN, notional ``size*mark`` (coins of
    underlying at the mark; coin-settled: ``size`` coin) and uPnL ``s*size*(V - entry)``."""
    opt = book.option
    if opt.any():
        perp = risk_table(book.select(~opt)) if (~opt).any() else None
        n = len(book)
        fields = {}
        for name in ("margin", "notional", "upnl", "liquidation", "bankruptcy", "distance", "sigma_days",
                     "maintenance", "maintenance_rate", "funding_per_day", "prob_1d", "prob_7d"):
            arr = np.full(n, np.nan)
            if perp is not None:
                arr[~opt] = getattr(perp, name)
            fields[name] = arr
        o = book.select(opt)
        fig = option_figures(book)
        fields["notional"][opt] = np.where(o.inverse, o.size, o.size * o.mark)
        fields["upnl"][opt] = o.side * o.size * (fig.value - o.entry)
        fields["funding_per_day"][opt] = 0.0
        return RiskTable(book=book, **fields)
    from levxl.engine.probability import liquidation_distance, liquidation_distance_sigma, liquidation_probability

    mmr = _mixed(book.mmr)
    contract = np.array(book.contract, dtype=object)
    margin = book.isolated_margin
    inverse = book.inverse.astype(float)
    liq = liquidation_price(book.side, book.entry, book.size, None, mmr, margin, contract,
                            basis=np.array(book.basis, dtype=object))
    # A position levxl cannot recompute (cross without its wallet, mode unknown) is never figured as isolated.
    liq = np.where(book.recomputable, liq, np.nan)
    bankrupt = np.where(book.recomputable, bankruptcy_price(book.side, book.entry, book.size, None, margin,
                                                            contract), np.nan)
    notional = kernel.value(book.size, book.mark, inverse)
    mm = maintenance_margin(book.size, book.mark, mmr, contract)
    vol = np.where(np.isnan(book.vol), 0.0, book.vol)
    has_vol = ~np.isnan(book.vol) & (book.vol > 0)
    known = ~np.isnan(liq)
    liq_or_never = np.where(known, liq, np.where(book.side > 0, 0.0, np.inf))  # placeholders, blanked below
    distance = np.where(known, liquidation_distance(book.side, book.mark, liq_or_never), np.nan)
    sigma = np.where(has_vol & known, liquidation_distance_sigma(book.side, book.mark, liq_or_never,
                                                                 np.where(has_vol, vol, 1.0)), np.nan)
    prob = [np.where(has_vol & known, liquidation_probability(book.side, book.mark, liq_or_never, vol, days),
                     np.nan) for days in (1, 7)]
    return RiskTable(
        book=book, margin=margin, notional=notional, upnl=kernel.pnl(book.side, book.entry, book.mark, book.size, inverse),
        liquidation=liq, bankruptcy=bankrupt, distance=distance, sigma_days=sigma, maintenance=mm,
        maintenance_rate=mm / notional, funding_per_day=-book.side * notional * book.funding_rate *
        FUNDING_INTERVALS_PER_DAY, prob_1d=prob[0], prob_7d=prob[1])
