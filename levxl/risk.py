"""Per-position risk figures for a book: what the CLI prints and the reports lay out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from levxl.contracts import _pnl, _value
from levxl.liquidation import bankruptcy_price, liquidation_price, maintenance_margin
from levxl.positions import Book
from levxl.scenarios import loss_at_move

__all__ = ["RiskTable", "risk_table", "pnl_after_mark_move", "FUNDING_INTERVALS_PER_DAY"]

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
    liquidation included (isolated: the loss stops at the margin). Shape (positions, moves)."""
    moves = np.asarray(moves, dtype=float).reshape(1, -1)
    margin = book.isolated_margin if margin is None else margin
    from_entry = (book.mark[:, None] * (1 + moves)) / book.entry[:, None] - 1
    out = loss_at_move(book.side[:, None], book.entry[:, None], book.size[:, None], None, from_entry,
                       _mixed(book.mmr)[:, None], margin[:, None], np.array(book.contract, dtype=object)[:, None])
    return out.pnl


def risk_table(book: Book) -> RiskTable:
    from levxl.probability import liquidation_distance, liquidation_distance_sigma, liquidation_probability

    mmr = _mixed(book.mmr)
    contract = np.array(book.contract, dtype=object)
    margin = book.isolated_margin
    inverse = book.inverse.astype(float)
    liq = liquidation_price(book.side, book.entry, book.size, None, mmr, margin, contract)
    bankrupt = bankruptcy_price(book.side, book.entry, book.size, None, margin, contract)
    notional = _value(book.size, book.mark, inverse)
    mm = maintenance_margin(book.size, book.mark, mmr, contract)
    vol = np.where(np.isnan(book.vol), 0.0, book.vol)
    has_vol = ~np.isnan(book.vol) & (book.vol > 0)
    distance = liquidation_distance(book.side, book.mark, liq)
    sigma = np.where(has_vol, liquidation_distance_sigma(book.side, book.mark, liq, np.where(has_vol, vol, 1.0)),
                     np.nan)
    prob = [np.where(has_vol, liquidation_probability(book.side, book.mark, liq, vol, days), np.nan)
            for days in (1, 7)]
    return RiskTable(
        book=book, margin=margin, notional=notional, upnl=_pnl(book.side, book.entry, book.mark, book.size, inverse),
        liquidation=liq, bankruptcy=bankrupt, distance=distance, sigma_days=sigma, maintenance=mm,
        maintenance_rate=mm / notional, funding_per_day=-book.side * notional * book.funding_rate *
        FUNDING_INTERVALS_PER_DAY, prob_1d=prob[0], prob_7d=prob[1])
