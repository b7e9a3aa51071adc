"""The Scenarios sheet: the move x leverage grid of the largest future, the heatmap of every position's PnL at a
move of every mark (liquidation included) and, for a book with options, the option book's move x vol grid
(:mod:`levxl.workbooks.report.option_grid`)."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from levxl.book.figures import RiskTable, leverage_grid, pnl_usd_after_mark_move, rooms_after_mark_move
from levxl.workbooks.report import cross, formulas
from levxl.workbooks.report.cells import (HEADER, LABEL, LIQ, LIQ_PCT, RLABEL, SECTION, SUBTITLE, TITLE, SheetSpec,
                                          Cell, cached, col, number)
from levxl.workbooks.report.inputs import LEVERAGES, MOVES
from levxl.workbooks.report.layout import Layout
from levxl.workbooks.report.option_grid import option_grid
from levxl.workbooks.report.rows import amount_style, identity_cells, not_recomputed_text, price_style, side_text

__all__ = ["scenarios_sheet"]

_SCALE = MappingProxyType({"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFFFFF",
                           "max_color": "#63BE7B", "mid_type": "num", "mid_value": 0})


def _grid_rows(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, refs: tuple):
    """Leverage (inputs), margin, tier at the liquidation price (frozen) and liquidation price per leverage."""
    r0, inv = lay.scenarios.grid_leverage_row, bool(t.inverse[i])
    S, Q, E, _ = refs
    fee = lay.positions.ref("fee", i, True, True)  # the venue's fee inside the threshold (Positions helper)
    grid = leverage_grid(t, i, MOVES, LEVERAGES)
    for k, lab in enumerate(["Leverage", "Margin", "mmr at liq.", "cum at liq.", "Liquidation price"]):
        sheet.string(r0 + k, 4, lab, LABEL)
    for j, lev in enumerate(LEVERAGES):
        c = lay.scenarios.first_col + j
        cl = col(c)
        sheet.number(r0, c, lev, number("num", 0, inp=True))
        margin = f"={Q}/{E}/{cl}{r0 + 1}" if inv else f"={Q}*{E}/{cl}{r0 + 1}"
        sheet.formula(r0 + 1, c, margin, amount_style(t, i), float(grid.margin[j]))
        sheet.number(r0 + 2, c, float(grid.mmr[j]), number("rate"))
        sheet.number(r0 + 3, c, float(grid.cum[j]), number("num", 2))
        liq = formulas.liquidation(S, Q, E, f"{cl}{r0 + 2}", f"{cl}{r0 + 3}", f"{cl}{r0 + 4}", inv,
                                   t.book.basis[i] == "entry", fee)
        sheet.formula(r0 + 4, c, liq, price_style(t, i), cached(grid.liquidation[j]))
    return grid


def _grid(sheet: SheetSpec, t: RiskTable, lay: Layout) -> None:
    """Move x leverage: the largest future re-margined at each leverage; return on margin."""
    L_, i = lay.scenarios, lay.scenarios.grid_position
    book, inv = t.book, bool(t.inverse[i])
    # titles short enough for the columns every printed band repeats; the details right of them (band 1 only)
    sheet.string(L_.grid_top, 0, "Move x leverage: the largest position", SECTION)
    sheet.string(L_.grid_top, L_.first_col, f"input row {book.row[i]}, {book.venue[i]} {book.symbol[i]} "
                                            f"{side_text(t, i)}, re-margined at each leverage; return on margin",
                 SUBTITLE)
    sheet.string(L_.grid_top + 1, L_.first_col, "Tiers frozen at report time: after editing a leverage, run the "
                                                "report again.", SUBTITLE)
    refs = tuple(lay.positions.ref(k, i, True, True) for k in ("s", "size", "entry", "mark"))
    S, Q, E, L = refs
    grid = _grid_rows(sheet, t, lay, i, refs)
    r0, hr, first = L_.grid_leverage_row, L_.grid_header, L_.first_col
    sheet.string(hr, 4, "Move of the mark", HEADER)
    sheet.string(hr, 5, "Price", HEADER)
    for j in range(len(LEVERAGES)):
        sheet.formula(hr, first + j, f'={col(first + j)}{r0 + 1}&"x"', HEADER, f"{LEVERAGES[j]}x")
    for k, mv in enumerate(MOVES):
        rr = hr + 1 + k
        sheet.number(rr, 4, mv, number("pct", 0, inp=True))
        sheet.formula(rr, 5, f"={L}*(1+E{rr + 1})", price_style(t, i), float(book.mark[i] * (1 + mv)))
        for j in range(len(LEVERAGES)):
            cl = col(first + j)
            LQ, M, Pm = f"{cl}${r0 + 5}", f"{cl}${r0 + 2}", f"$F{rr + 1}"
            raw = f"{S}*{Q}*(1/{E}-1/{Pm})" if inv else f"{S}*{Q}*({Pm}-{E})"
            cond = f"IF(ISTEXT({LQ}),FALSE,IF({S}>0,{Pm}<={LQ},{Pm}>={LQ}))"  # an error in LQ shows through
            sheet.formula(rr, first + j, f"=IF({cond},-{M},{raw})/{M}", number("pct", 0), float(grid.roe[k, j]))
    g0, g1 = hr + 1, hr + len(MOVES)
    rng = f"G{g0 + 1}:{col(5 + len(LEVERAGES))}{g1 + 1}"
    sheet.conditional(rng, {"type": "formula", "criteria": f"=G{g0 + 1}<=-1", "format": LIQ_PCT,
                            "stop_if_true": True})
    sheet.conditional(rng, {**_SCALE, "min_type": "num", "min_value": -1, "max_type": "num", "max_value": 1})


def _heat_totals(sheet: SheetSpec, t: RiskTable, lay: Layout, pnl: np.ndarray, liquidated: np.ndarray,
                 now_total: float) -> None:
    L_ = lay.scenarios
    _, tr, first, last = L_.heat_moves, L_.heat_total, L_.heat_first, L_.heat_last
    sheet.merge(tr, 0, tr, 5, RLABEL, "Total PnL (USD)")
    sheet.merge(tr + 1, 0, tr + 1, 5, RLABEL, "Change vs now (USD)")
    sheet.merge(tr + 2, 0, tr + 2, 5, RLABEL, "Positions liquidated")
    St = lay.stress
    # "now" is the PnL at the mark with liquidation included (a position past its price has lost its margin)
    upnl_total = f"SUM({St.detail_range('now')})" if len(t) else "0"
    hr = L_.heat_moves
    cross = bool((t.account >= 0).any())
    for j in range(len(MOVES)):
        cl = col(L_.first_col + j)
        mvr = f"{cl}${hr + 1}"
        if len(t):
            tot = f"=SUM({cl}{first + 1}:{cl}{last + 1})"
            sides, marks, liqs = (f"${x}${first + 1}:${x}${last + 1}" for x in ("D", "E", "F"))
            # the path starts at the mark: a mark already past its price counts as liquidated at every move
            hit = (f"ISNUMBER({liqs})*((({sides}=\"long\")*((({marks}*(1+{mvr})<={liqs})+"
                   f"({marks}<={liqs}))>0))+(({sides}=\"short\")*((({marks}*(1+{mvr})>={liqs})+({marks}>={liqs}))>0)))")
            # a cross account's positions by their account's flag (hidden, on their rows only)
            cnt = (f"=SUMPRODUCT(({lay.positions.range('acct')}<0)*{hit})+SUM({L_.heat_range(L_.flag_col(j))})"
                   if cross else f"=SUMPRODUCT({hit})")
        else:
            tot, cnt = "=0", "=0"
        sheet.formula(tr, L_.first_col + j, tot, number("usd", bold=True), float(pnl[:, j].sum()))
        sheet.formula(tr + 1, L_.first_col + j, f"={cl}{tr + 1}-{upnl_total}", number("usd"),
                      float(pnl[:, j].sum() - now_total))
        sheet.formula(tr + 2, L_.first_col + j, cnt, number("int"), int(liquidated[:, j].sum()))


@dataclass
class _Moved:
    """The heatmap's cached values: PnL (USD) and liquidated per position and move, the cross positions' rooms,
    and both at the marks."""

    pnl: np.ndarray
    liquidated: np.ndarray
    rooms: np.ndarray
    liquidated_now: np.ndarray
    rooms_now: np.ndarray


def _heat_row(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, moved: "_Moved",
              recomputable: bool = True) -> None:
    L_, P, book = lay.scenarios, lay.positions, t.book
    r0, hr, inv = L_.heat_first + i, L_.heat_moves, bool(t.inverse[i])
    identity_cells(sheet, r0, t, i, lambda k: P.ref(k, i))
    shown = cached(t.liquidation[i]) if t.option[i] or recomputable else not_recomputed_text(t, i)[0]
    # the liquidation price's own format: the sentinel 0 of a long no price liquidates reads "none", as on Positions
    sheet.formula(r0, 5, f"={P.ref('liq', i)}", number("liqprice", price_style(t, i).digits), shown)
    S, Q, E, M = (P.ref(k, i, col_abs=True) for k in ("s", "size", "entry", "margin"))
    pnl, liquidated, rooms = moved.pnl, moved.liquidated, moved.rooms
    if t.option[i]:
        sheet.formula(r0, 5, f"={P.ref('liq', i)}", number("num", 0), "n/a")
        K, T, V = (P.ref(k, i, col_abs=True) for k in ("strike", "expiry", "vol"))
        w = 1 if book.option_type[i] == "call" else -1
        for j in range(len(MOVES)):
            Pm = f"($E{r0 + 1}*(1+{col(L_.first_col + j)}${hr + 1}))"
            sheet.formula(r0, L_.first_col + j, formulas.option_move_pnl(w, S, Q, E, Pm, K, T, V, inv),
                          number("usd"), float(pnl[i, j]))
        return
    mark, on_account = f"$E{r0 + 1}", t.account[i] >= 0
    flag_now = f"${col(L_.flag_col('now'))}{r0 + 1}"
    if on_account:
        sheet.formula(r0, L_.room_col("now"), "=" + cross.room(t, lay, i, mark), number("num", 2),
                      float(moved.rooms_now[i]))
        sheet.formula(r0, L_.flag_col("now"), cross.flag(lay, i, L_.heat_range(L_.room_col("now"))), number("int"),
                      int(moved.liquidated_now[i]))
    for j in range(len(MOVES)):
        Pm = f"{mark}*(1+{col(L_.first_col + j)}${hr + 1})"
        flag = f"${col(L_.flag_col(j))}{r0 + 1}"
        if on_account:  # liquidated with its account, the wallet lost once (levxl.workbooks.report.cross)
            sheet.formula(r0, L_.room_col(j), "=" + cross.room(t, lay, i, Pm), number("num", 2), float(rooms[i, j]))
            sheet.formula(r0, L_.flag_col(j), cross.flag(lay, i, L_.heat_range(L_.room_col(j)), flag_now),
                          number("int"), int(liquidated[i, j]))
            sheet.formula(r0, L_.first_col + j, cross.pnl_usd(t, lay, i, f"({Pm})", flag), number("usd"),
                          float(pnl[i, j]))
            continue
        sheet.formula(r0, L_.first_col + j, formulas.move_pnl(S, Q, E, M, f"$F{r0 + 1}", Pm, inv, mark), number("usd"),
                      float(pnl[i, j]))


def _heatmap(sheet: SheetSpec, t: RiskTable, lay: Layout, now_total: float) -> None:
    """PnL by position at a move of every mark (USD; from entry, liquidation included)."""
    L_ = lay.scenarios
    hr, tr, first, last = L_.heat_moves, L_.heat_total, L_.heat_first, L_.heat_last
    sheet.string(L_.heat_top, 0, "PnL by position at a move of every mark (USD)", SECTION)
    sheet.string(L_.heat_top, L_.first_col, "From entry, liquidation included; LIQ = liquidated: the isolated margin "
                                            "is lost (a cross account's wallet, once, shared by its positions).",
                 SUBTITLE)
    sheet.merge(hr, 0, hr, 5, RLABEL, "Move of every mark (input) →")
    for j, mv in enumerate(MOVES):
        sheet.number(hr, L_.first_col + j, mv, number("pct", 0, inp=True))
    pnl, liquidated = pnl_usd_after_mark_move(t.book, MOVES)
    moved = _Moved(pnl, liquidated, rooms_after_mark_move(t.book, MOVES),
                   pnl_usd_after_mark_move(t.book, [0.0])[1][:, 0], rooms_after_mark_move(t.book, [0.0])[:, 0])
    _heat_totals(sheet, t, lay, pnl, liquidated, now_total)
    for k, h in enumerate(["Input row", "Venue", "Symbol", "Side", "Mark", "Liq. price"]):
        sheet.string(first - 1, k, h, HEADER)
    for j in range(len(MOVES)):
        sheet.formula(first - 1, L_.first_col + j, f"={col(L_.first_col + j)}{hr + 1}", number("pct", 0, bold=True),
                      MOVES[j])
        if (t.account >= 0).any():
            sheet.string(first - 1, L_.flag_col(j), f"Cross account liquidated (1/0) at {MOVES[j]:+.0%}", HEADER)
            sheet.string(first - 1, L_.room_col(j), f"Cross room at {MOVES[j]:+.0%}", HEADER)
    if (t.account >= 0).any():
        sheet.string(first - 1, L_.flag_col("now"), "Cross account liquidated (1/0) at the marks", HEADER)
        sheet.string(first - 1, L_.room_col("now"), "Cross room at the marks", HEADER)
    recomputable = t.book.recomputable
    for i in range(len(t)):
        _heat_row(sheet, t, lay, i, moved, bool(recomputable[i]))
    if len(t):
        rng = f"G{first + 1}:{col(5 + len(MOVES))}{last + 1}"
        own = (f'AND(ISNUMBER($F{first + 1}),IF($D{first + 1}="long",'
               f'MIN($E{first + 1}*(1+G${hr + 1}),$E{first + 1})<=$F{first + 1},'
               f'MAX($E{first + 1}*(1+G${hr + 1}),$E{first + 1})>=$F{first + 1}))')
        if (t.account >= 0).any():  # a cross account's row: its flag (hidden, the same offset right of the move)
            flag = f"{col(L_.flag_col(0))}{first + 1}"
            own = f'IF(ISNUMBER({flag}),{flag}=1,{own})'
        sheet.conditional(rng, {"type": "formula", "format": LIQ, "stop_if_true": True, "criteria": "=" + own})
        sheet.conditional(rng, dict(_SCALE))
        sheet.conditional(f"G{tr + 1}:{col(5 + len(MOVES))}{tr + 1}", dict(_SCALE))


MOVE_WIDTH = 10
"""Width of a move column of the PnL table, enough for "LIQ -9,999,999" in Excel and LibreOffice."""


def _widen_moves(sheet: SheetSpec) -> None:
    """Widen the move columns where a figure needs more than :data:`MOVE_WIDTH` (a position losing tens of millions:
    "LIQ -34,416,000" printed as ###): the widest whole-unit figure, its sign and the "LIQ " a liquidated cell
    shows, less the two characters a column of that width holds beyond its width."""
    first, last = 6, 6 + len(MOVES)
    widest = max((abs(float(c.cached if c.formula is not None else c.value)) for c in sheet.items
                  if isinstance(c, Cell) and first <= c.col <= last
                  and isinstance(c.cached if c.formula is not None else c.value, (int, float))
                  and np.isfinite(float(c.cached if c.formula is not None else c.value))), default=0.0)
    chars = len(f"{widest:,.0f}") + 1 + len("LIQ ")
    if chars - 2 > MOVE_WIDTH:
        sheet.column(first, last, chars - 2)


def scenarios_sheet(t: RiskTable, lay: Layout, as_of: str, now_usd: np.ndarray) -> SheetSpec:
    """The Scenarios sheet.

    Parameters
    ----------
    t : RiskTable
        The book's figures.
    lay : Layout
        The report's anchors (:attr:`Layout.scenarios`: grid, heatmap and option grid rows).
    as_of : str
        The report's timestamp.
    now_usd : ndarray
        Each position's PnL at its mark now, liquidation included (:attr:`levxl.book.stresses.StressResult.now_usd`):
        the "change vs now" rows subtract it.

    Returns
    -------
    SheetSpec
    """
    sheet = SheetSpec("Scenarios")
    sheet.string(0, 0, "Scenarios", TITLE)
    for first, last, width in ((0, 0, 8), (1, 1, 12), (2, 2, 14 if not t.any_options else 21), (3, 3, 7),
                               (4, 5, 11), (6, 6 + len(MOVES), MOVE_WIDTH)):
        sheet.column(first, last, width)
    L_ = lay.scenarios
    if (t.account >= 0).any():
        sheet.column(L_.flag_col(0), L_.room_col("now"), 10, True, 1)  # the heatmap's helpers: hidden, grouped
    if lay.scenarios.grid_position is not None:
        _grid(sheet, t, lay)
    _heatmap(sheet, t, lay, float(np.sum(now_usd)))
    _widen_moves(sheet)
    first = lay.scenarios.heat_first
    sheet.feature("freeze_panes", first, 3)
    # too wide for 8 pt on one A3 page: falls and rises print as two bands, the row labels (ids, side, mark,
    # liquidation price; the grid's labels) on both
    zero = lay.scenarios.first_col + list(MOVES).index(0) if 0 in MOVES else None
    grid = lay.scenarios.option_grid
    # the heatmap's header repeats on every page, unless the option grid (its own moves and headers) follows: it
    # starts on a page of its own, under no header of the heatmap's moves
    sheet.page("Scenarios", as_of, (first - 1, first - 1) if grid is None else None,
               repeat_cols=(0, lay.scenarios.first_col - 1), breaks=(zero,) if zero else None)
    if grid is not None:
        sheet.feature("set_h_pagebreaks", [grid.top])
    if lay.scenarios.option_grid is not None:
        option_grid(sheet, t, lay)
    return sheet
