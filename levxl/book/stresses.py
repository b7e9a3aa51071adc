"""The book's stresses: which way and how far each position's mark moves in each named scenario, the PnL and
liquidations that follow, and the liquidation map of the book under a market move.

One convention everywhere (CLI, report, template, functions):

* a **distance** to liquidation is the move of the *mark* that reaches the liquidation price, as a fraction of the
  mark, signed by the position's adverse direction: ``s*(mark - LP)/mark``; positive = that far to go, zero or
  negative = the mark is at or past it (LIQUIDATED);
* a **move** is a fraction of the mark (-0.2 = the mark falls 20%).

Two kinds of stress move the marks:

* ``adverse``: every mark moves ``m`` *against its own position* (longs fall, shorts rise, an option the way its
  delta loses): the stress that hits every side at once;
* ``market``: the reference asset (BTC) moves ``m`` and every other asset by ``beta*m`` (:data:`DEFAULT_BETAS`,
  inputs), longs and shorts alike: historical days with both their fall and their rebound, a market fall and rise;
* ``squeeze``: the assets the book is net short (futures notional, long minus short) rise by ``beta*m``, the others
  stay.

A moved price is floored at :data:`MOVE_FLOOR` (a price does not go below zero).

Units: moves and distances fractions of the mark; PnL in USD (coin amounts converted at the moved price).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from levxl.book.cells import asset_of  # noqa: F401  (read by the report and the risk view from here)
from levxl.book.figures import RiskTable, account_liquidation_moves, pnl_usd_after_mark_move, rooms_after_mark_move

__all__ = ["Stress", "STRESSES", "DEFAULT_BETAS", "DEFAULT_BETA", "MOVE_FLOOR", "ADVERSE_MOVES", "asset_of",
           "betas_of", "stress_moves", "StressResult", "run_stresses", "liquidation_map", "MAP_EDGES", "map_labels",
           "market_move_to_liquidation", "market_moves_to_liquidation", "uniform_moves_to_liquidation",
           "net_by_asset", "never_liquidated"]

MOVE_FLOOR = -0.95
"""Lowest move a stress applies to a mark (beta x a large fall would otherwise take a price below zero)."""

DEFAULT_BETA = 1.5
"""Beta to BTC of an asset not in :data:`DEFAULT_BETAS`: alts have moved further than BTC on the crash days."""

DEFAULT_BETAS = MappingProxyType({"BTC": 1.0, "ETH": 1.2, "SOL": 1.5, "BNB": 0.9, "XRP": 1.3, "DOGE": 1.5,
                                  "USDT": 0.0, "USDC": 0.0})
"""Betas to BTC by asset: round desk defaults, not estimates levxl makes; every one is an input cell in the
report (Stress sheet). Daily-return betas to BTC over 2023-25 have mostly been about 1.1-1.3 for ETH and
1.2-1.6 for large alts, higher on crash days (10 Oct 2025: BTC -12 to -15%, alts -20 to -70%)."""


@dataclass(frozen=True)
class Stress:
    """A named stress: ``kind`` "adverse" (every mark ``move`` against its position) or "market" (BTC ``move``,
    other assets ``beta*move``); ``note`` says where the figure comes from."""

    name: str
    move: float
    kind: str
    note: str


ADVERSE_MOVES = (0.10, 0.20, 0.30)
"""Adverse moves of every mark: the CLI's shock columns and the report's first stresses (the first is the
Summary's input)."""

STRESSES = (
    Stress("Every mark 10% against its position", 0.10, "adverse",
           "Longs fall and shorts rise 10% at once (the Summary's adverse move, an input)"),
    Stress("Every mark 20% against its position", 0.20, "adverse", "Longs fall and shorts rise 20% at once"),
    Stress("Market -20% (BTC), alts by beta", -0.20, "market", "BTC -20%; each asset moves beta x -20%"),
    Stress("Market +20% (BTC), alts by beta", 0.20, "market", "BTC +20%; each asset moves beta x +20%"),
    Stress("12 Mar 2020 'Black Thursday': fall", -0.50, "market",
           "BTC about -50% from the 12 Mar high to the 13 Mar BitMEX low (approx.)"),
    Stress("13 Mar 2020: rebound", 0.45, "market", "BTC about +45% from the 13 Mar low (~3.8k) to ~5.6k (approx.)"),
    Stress("19 May 2021 China mining ban: fall", -0.30, "market", "BTC about -30% intraday, 43k to 30k (approx.)"),
    Stress("19 May 2021: rebound", 0.30, "market", "BTC about +30% from the 30k low to ~39k the same day (approx.)"),
    Stress("8-9 Nov 2022 FTX collapse: fall", -0.26, "market",
           "BTC about -26% over two days, 21k to 15.7k (approx.)"),
    Stress("10 Nov 2022: rebound", 0.15, "market", "BTC about +15%, 15.7k to 18k (approx.)"),
    Stress("10 Oct 2025 tariff crash: fall", -0.15, "market",
           "BTC about -12% on the main indices (122k to 107k), about -15% on some venues; alts -20% to -70%; "
           "about $19bn liquidated (Coinglass) (approx.)"),
    Stress("11-13 Oct 2025: rebound", 0.08, "market", "BTC about +8% from the low to ~115k (approx.)"),
    Stress("Short squeeze: net-short assets +30% x beta", 0.30, "squeeze",
           "Every asset the book is net short rises 30% x its beta in one candle, the others stay: the squeeze "
           "that takes out crowded shorts, with no gain on the longs to offset it"),
)
"""The named stresses of the report and ``levxl risk``, in order (moves are inputs in the report)."""

def betas_of(table: RiskTable, betas=None) -> tuple[list[str], np.ndarray]:
    """(asset of each position, its beta to BTC): ``betas`` (asset -> beta) over :data:`DEFAULT_BETAS`, else
    :data:`DEFAULT_BETA`."""
    chosen = dict(DEFAULT_BETAS)
    chosen.update({str(k).upper(): float(v) for k, v in (betas or {}).items()})
    assets = [asset_of(s) for s in table.book.symbol]
    return assets, np.array([chosen.get(a, DEFAULT_BETA) for a in assets], dtype=float)


def _adverse_sign(table: RiskTable) -> np.ndarray:
    """+1 where a rise of the mark loses (shorts; options with negative position delta), -1 where a fall does."""
    sign = -np.asarray(table.side, dtype=float)
    fig = table.options
    if len(fig.idx):
        sign[fig.idx] = np.where(fig.delta > 0, -1.0, 1.0)
    return sign


def net_by_asset(table: RiskTable) -> dict:
    """asset -> (the book's net futures notional in it, USD long minus short; 1 if the squeeze moves it, else 0),
    in first-seen order."""
    assets = [asset_of(s) for s in table.book.symbol]
    signed = np.where(table.option, 0.0, np.nan_to_num(table.side * table.notional_usd)) if len(table) else []
    net: dict = {}
    for asset, value in zip(assets, signed):
        net[asset] = net.get(asset, 0.0) + float(value)
    return {a: (v, int(v < 0)) for a, v in net.items()}


def stress_moves(table: RiskTable, stresses=STRESSES, betas=None) -> np.ndarray:
    """The move of each position's mark (rows) in each stress (columns), floored at :data:`MOVE_FLOOR`."""
    assets, beta = betas_of(table, betas)
    adverse = _adverse_sign(table)
    net = net_by_asset(table)
    squeezed = np.array([net[a][1] for a in assets], dtype=float)
    cols = [adverse * s.move if s.kind == "adverse" else beta * squeezed * s.move if s.kind == "squeeze"
            else beta * s.move for s in stresses]
    moves = np.stack(cols, axis=1) if cols else np.zeros((len(table), 0))
    return np.maximum(moves, MOVE_FLOOR)


@dataclass
class StressResult:
    """Each stress's outcome (arrays over stresses unless per position)."""

    stresses: tuple
    moves: np.ndarray  #: (positions, stresses) move of each mark
    pnl_usd: np.ndarray  #: (positions, stresses) PnL from entry after the move, liquidation included
    now_usd: np.ndarray  #: (positions,) PnL from entry at the mark now (a position past liquidation: -margin)
    liquidated: np.ndarray  #: (positions, stresses)
    total: np.ndarray  #: Σ PnL per stress
    change: np.ndarray  #: total - Σ now
    n_liquidated: np.ndarray
    notional_liquidated: np.ndarray  #: USD at the mark
    worst: list  #: per stress: index of the position losing most vs now, or None when none loses
    liquidated_now: np.ndarray  #: (positions,) past its price at the mark (a cross account: the account)
    #: (positions, stresses) and (positions,): a cross position's room after the move and at the mark
    #: (:func:`levxl.book.figures.rooms_after_mark_move`; NaN elsewhere)
    room: np.ndarray
    room_now: np.ndarray

    def worst_loss(self, k: int) -> float:
        i = self.worst[k]
        return float(self.pnl_usd[i, k] - self.now_usd[i]) if i is not None else 0.0


def run_stresses(table: RiskTable, stresses=STRESSES, betas=None) -> StressResult:
    """The PnL, liquidations and largest loser of every stress on the book of ``table``
    (:func:`levxl.book.figures.pnl_usd_after_mark_move` at the moves of :func:`stress_moves`)."""
    moves = stress_moves(table, stresses, betas)
    both = np.concatenate([np.zeros((len(table), 1)), moves], axis=1)
    pnl, liquidated = pnl_usd_after_mark_move(table.book, both)
    rooms = rooms_after_mark_move(table.book, both)
    now, pnl, liquidated_now, liquidated = pnl[:, 0], pnl[:, 1:], liquidated[:, 0], liquidated[:, 1:]
    notional = np.nan_to_num(table.notional_usd)
    change = pnl - now[:, None]
    worst = []
    for k in range(len(stresses)):
        column = np.where(np.isfinite(change[:, k]), change[:, k], np.inf)
        i = int(np.argmin(column)) if len(column) else None
        worst.append(i if i is not None and column[i] < 0 else None)
    return StressResult(tuple(stresses), moves, pnl, now, liquidated, pnl.sum(axis=0),
                        pnl.sum(axis=0) - now.sum(), liquidated.sum(axis=0),
                        (liquidated * notional[:, None]).sum(axis=0), worst, liquidated_now, rooms[:, 1:],
                        rooms[:, 0])


MAP_EDGES = tuple(round(-0.3 + 0.025 * k, 4) for k in range(25))
"""Bucket edges of the liquidation map: BTC moves from -30% to +30% in 2.5% steps; two open buckets beyond."""


def map_labels(edges=MAP_EDGES) -> list[str]:
    """The liquidation map's bucket labels: "< -30%", "-30%", "-27.5%", ..., "+27.5%", ">= +30%" (each bucket by
    its start)."""
    def pct(x):
        return f"{x * 100:+.1f}%".replace(".0%", "%").replace("+0%", "0%")
    return [f"< {pct(edges[0])}"] + [pct(x) for x in edges[:-1]] + [f"≥ {pct(edges[-1])}"]


def market_move_to_liquidation(table: RiskTable, betas=None) -> np.ndarray:
    """The BTC move that liquidates each position when every asset moves by its beta: ``(LP/mark - 1)/beta``
    (NaN for options, positions without a liquidation price, beta 0, positions already past their price:
    LIQUIDATED now, no move liquidates them, and positions no price liquidates: the engine's 0 of a long, whose
    move of -100% would otherwise count as a fall that liquidates it, and inf of a short)."""
    _, beta = betas_of(table, betas)
    alive = np.nan_to_num(table.distance, nan=-1.0) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((beta != 0) & np.isfinite(table.move_to_liq) & ~table.option & alive
                        & ~never_liquidated(table), table.move_to_liq / beta, np.nan)


def market_moves_to_liquidation(table: RiskTable, betas=None) -> tuple[np.ndarray, np.ndarray]:
    """(down, up): the BTC moves, every asset by its beta, that liquidate each position, at or below 0 and at or
    above 0 (NaN where none): a position alone, :func:`market_move_to_liquidation` on its side; a cross account's
    positions, the account's moves on both sides (:func:`levxl.book.figures.account_liquidation_moves`), since an
    account is liquidated as a whole, its hedges with it (NaN both where it is past liquidation now)."""
    x = market_move_to_liquidation(table, betas)
    down, up = np.where(x <= 0, x, np.nan), np.where(x > 0, x, np.nan)
    on = table.account >= 0
    if on.any():
        _, beta = betas_of(table, betas)
        d, u = account_liquidation_moves(table.book, beta)
        alive = (d != 0) & (u != 0)  # 0: past liquidation at the marks (LIQUIDATED now, not in the map)
        down, up = np.where(on, np.where(alive, d, np.nan), down), np.where(on, np.where(alive, u, np.nan), up)
    return down, up


def uniform_moves_to_liquidation(table: RiskTable) -> tuple[np.ndarray, np.ndarray]:
    """(down, up): the move of every mark by the same fraction that liquidates each futures position, the falls and
    the rises of the liquidation ladder: a position alone, its own price's move on its adverse side (a long's down, a
    short's up; past its price already: that move, of the wrong sign, which the ladder puts first); a cross
    account's positions, the account's moves on both sides (0 where it is past liquidation at the marks). NaN where
    none: options, positions no price liquidates, levxl cannot compute."""
    move = np.where(~table.option & np.isfinite(table.move_to_liq) & ~never_liquidated(table), table.move_to_liq,
                    np.nan)
    down, up = np.where(table.side > 0, move, np.nan), np.where(table.side < 0, move, np.nan)
    on = table.account >= 0
    if on.any():
        d, u = account_liquidation_moves(table.book, 1.0)
        down, up = np.where(on, d, down), np.where(on, u, up)
    return down, up


def never_liquidated(table: RiskTable) -> np.ndarray:
    """Futures positions no price liquidates (the engine's sentinel: 0 for a long, inf for a short): not in the
    liquidation map, which says how many it leaves out."""
    lp = np.asarray(table.liquidation, dtype=float)
    with np.errstate(invalid="ignore"):
        never = ((table.side > 0) & (lp <= 0)) | ((table.side < 0) & np.isposinf(lp))
    return ~np.asarray(table.option, dtype=bool) & never


def liquidation_map(table: RiskTable, betas=None, edges=MAP_EDGES) -> tuple[np.ndarray, np.ndarray]:
    """(long notional, short notional) liquidated in USD in each bucket of the BTC move, every asset moving by its
    beta: the book's liquidation map (longs on the falls, shorts on the rises). Buckets: below ``edges[0]``,
    ``[edges[k], edges[k+1])``, and at or above ``edges[-1]`` (``len(edges) + 1`` in all). Positions already past
    their price (distance <= 0) are not in it: they are LIQUIDATED now; nor are positions no price liquidates
    (:func:`never_liquidated`). A cross account's positions are in it at the account's moves, both sides
    (:func:`market_moves_to_liquidation`)."""
    notional = np.nan_to_num(table.notional_usd)
    edges = np.asarray(edges, dtype=float)
    out = []
    for longs in (True, False):
        total = np.zeros(len(edges) + 1)
        for x in market_moves_to_liquidation(table, betas):
            sel = np.isfinite(x) & ((table.side > 0) if longs else (table.side < 0))
            k = np.searchsorted(edges, x[sel], side="right")  # 0: below the first edge; len(edges): at/above the last
            total += np.bincount(k, weights=notional[sel], minlength=len(edges) + 1)
        out.append(total)
    return out[0], out[1]
