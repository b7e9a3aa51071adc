"""The Liquidation ladder sheet: longs as the price falls, shorts as it rises, closest first, with the cumulative
notional liquidated and a step chart of it against the move of every mark (liquidations happen at discrete prices:
each price is a vertical step, flat in between; the points are doubled in hidden helper columns since spreadsheet
charts have no step type)."""

from __future__ import annotations

import numpy as np

from levxl.book.figures import RiskTable
from levxl.book.stresses import uniform_moves_to_liquidation
from levxl.workbooks.report.cells import HEADER, NOTE, SECTION, SUBTITLE, TEXT, TITLE, SheetSpec, cached, col, number
from levxl.workbooks.report.layout import Layout
from levxl.workbooks.report.rows import price_style

__all__ = ["ladder_sheet", "step_points", "axis_half_range", "STEP_COL", "AXIS_STEPS", "FAR_STEPS"]

_HEADS = ("Input row", "Symbol", "Liq. price", "Move to liq.", "Notional (USD)", "Cumulative (USD)",
          "Cum. % of gross")


def _order(moves: np.ndarray, falls: bool) -> list[tuple[int, float]]:
    """(position, move) of the positions liquidated as every mark falls (``falls``) or rises by the same fraction
    (:func:`levxl.book.stresses.uniform_moves_to_liquidation`: longs on the falls and shorts on the rises at their
    own prices, a cross account's positions, hedges too, at its moves on both sides), closest first in the
    direction of travel (those already beyond their price first). A position no price liquidates is left out: at
    -100% it would be counted as notional liquidated."""
    out = [(int(i), float(moves[i])) for i in np.flatnonzero(np.isfinite(moves))]
    out.sort(key=lambda e: (-e[1] if falls else e[1], e[0]))
    return out


def _side(sheet: SheetSpec, t: RiskTable, lay: Layout, title: str, col0: int, entries: list[tuple[int, float]]) -> None:
    P, L_, book = lay.positions, lay.ladder, t.book
    sheet.string(L_.header - 1, col0, title, SECTION)
    for k, h in enumerate(_HEADS):
        sheet.string(L_.header, col0 + k, h, HEADER)
    sheet.row_height(L_.header, 30)
    sheet.column(col0, col0, 6)
    sheet.column(col0 + 1, col0 + 1, 14)
    sheet.column(col0 + 2, col0 + 6, 10)  # A4 landscape at 8 pt or more: two tables of 394 pt
    cum = 0.0
    gross = float(np.nansum(t.notional_usd)) or 1.0
    gross_f = f"SUM({P.range('notional_usd')})"
    for k, (i, move) in enumerate(entries):
        r0 = L_.first + k
        cum += float(t.notional_usd[i])
        sheet.formula(r0, col0, f"={P.ref('row', i)}", number("int"), book.row[i])
        sheet.formula(r0, col0 + 1, f"={P.ref('symbol', i)}", TEXT, book.symbol[i])
        if t.account[i] >= 0:
            # its cross account's move (found by levxl at the report's marks), and where its mark is then
            sheet.number(r0, col0 + 3, move, number("pct", 1))
            sheet.formula(r0, col0 + 2, f"={P.ref('mark', i)}*(1+{col(col0 + 3)}{r0 + 1})", price_style(t, i),
                          float(book.mark[i] * (1 + move)))
        else:
            sheet.formula(r0, col0 + 2, f"={P.ref('liq', i)}", price_style(t, i), cached(t.liquidation[i]))
            liq = f"{col(col0 + 2)}{r0 + 1}"
            sheet.formula(r0, col0 + 3, f'=IF(ISTEXT({liq}),"none",{liq}/{P.ref("mark", i)}-1)', number("pct", 1),
                          cached(t.move_to_liq[i]))
        sheet.formula(r0, col0 + 4, f"={P.ref('notional_usd', i)}", number("usd"), float(t.notional_usd[i]))
        prev = f"{col(col0 + 5)}{r0}+" if k else ""
        sheet.formula(r0, col0 + 5, f"={prev}{col(col0 + 4)}{r0 + 1}", number("usd"), cum)
        sheet.formula(r0, col0 + 6, f"={col(col0 + 5)}{r0 + 1}/{gross_f}", number("pct", 1), cum / gross)
    if not entries:
        sheet.string(L_.first, col0, "none", NOTE)


AXIS_STEPS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
"""Half-ranges the chart's move axis may take: the smallest that holds every position within the last one."""
STEP_COL = 15
"""First of the hidden helper columns holding the chart's step points (move, cumulative; longs then shorts), just
right of the shorts' table (no blank column widens the printed page)."""


FAR_STEPS = (0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
"""Half-ranges for a ladder with no position within ±50%: the smallest that shows the nearest one."""


def axis_half_range(moves) -> float:
    """The chart's move axis runs from ``-R`` to ``+R``: the smallest of :data:`AXIS_STEPS` that holds every ladder
    position liquidated within ±50% (its ``moves``; 5% of room past the farthest), so one far position does not
    squeeze the steps near the mark into a corner; those beyond are named under the tables. A ladder with none within
    ±50% gets the smallest of :data:`FAR_STEPS` that shows its nearest position."""
    moves = [abs(float(m)) for m in moves if np.isfinite(m)]
    inside = [m for m in moves if m <= AXIS_STEPS[-1]]
    if not inside and moves:
        near = min(moves) * 1.05
        return next((r for r in FAR_STEPS if r >= near), FAR_STEPS[-1])
    far = max(inside, default=0.0) * 1.05
    return next((r for r in AXIS_STEPS if r >= far), AXIS_STEPS[-1])


def step_points(moves: list[float], cums: list[float], longs: bool, half_range: float) -> list[tuple[float, float]]:
    """The (move, cumulative notional) points of one side's step line: from (0, 0), each liquidation move twice
    (the total before, then after it: a vertical step, nothing is liquidated between two prices), then flat to the
    axis edge. Moves are clipped to the adverse side (a position already past its price is liquidated at 0).

    Parameters
    ----------
    moves : list of float
        Move of the mark to each position's liquidation price (fraction), in ladder order.
    cums : list of float
        Cumulative notional (USD) after each position.
    longs : bool
        Longs (moves <= 0) or shorts (moves >= 0).
    half_range : float
        The axis' half-range (the last point's move is at least this far).
    """
    clip = (lambda m: min(m, 0.0)) if longs else (lambda m: max(m, 0.0))
    points, before = [(0.0, 0.0)], 0.0
    for m, c in zip(moves, cums):
        points += [(clip(m), before), (clip(m), c)]
        before = c
    if moves:
        edge = min(moves[-1], -half_range) if longs else max(moves[-1], half_range)
        points.append((edge, before))
    return points


def _steps(sheet: SheetSpec, t: RiskTable, lay: Layout, col0: int, entries: list[tuple[int, float]], longs: bool,
           half_range: float, out: int) -> int:
    """Write one side's step points as live formulas on the ladder's cells in helper columns ``out``, ``out + 1``
    (hidden); returns the number of points."""
    L_ = lay.ladder
    side = "longs" if longs else "shorts"
    sheet.string(L_.header, out, f"Chart steps: {side}, move", HEADER)
    sheet.string(L_.header, out + 1, f"Chart steps: {side}, cumulative (USD)", HEADER)
    if not entries:
        return 0
    idx = [i for i, _ in entries]
    moves = [m for _, m in entries]
    cums = list(np.cumsum([float(t.notional_usd[i]) for i in idx]))
    points = step_points(moves, cums, longs, half_range)
    fn, edge = ("MIN", -half_range) if longs else ("MAX", half_range)
    move_col, cum_col = col(col0 + 3), col(col0 + 5)
    r = L_.first
    sheet.number(r, out, 0.0, number("pct", 1))
    sheet.number(r, out + 1, 0.0, number("usd"))
    for k in range(len(idx)):
        a1 = L_.first + k + 1  # the ladder row of the k-th position (A1)
        for j in (0, 1):
            p = points[1 + 2 * k + j]
            sheet.formula(r + 1 + 2 * k + j, out, f"={fn}({move_col}{a1},0)", number("pct", 1), p[0])
            before = f"={cum_col}{a1 - 1}" if k else "=0"
            sheet.formula(r + 1 + 2 * k + j, out + 1, f"={cum_col}{a1}" if j else before, number("usd"), p[1])
    last = L_.first + len(idx)
    sheet.formula(r + 1 + 2 * len(idx), out, f"={fn}({move_col}{last},{edge})", number("pct", 1), points[-1][0])
    sheet.formula(r + 1 + 2 * len(idx), out + 1, f"={cum_col}{last}", number("usd"), points[-1][1])
    return len(points)


def _beyond(t: RiskTable, entries: list[tuple[int, float]], half_range: float) -> list[str]:
    out = []
    for i, m in entries:
        if abs(m) > half_range:
            side = "long" if t.side[i] > 0 else "short"
            out.append(f"row {t.book.row[i]} {t.book.venue[i]} {t.book.symbol[i]} {side}"
                       f" at {m:+.1%} ({float(t.notional_usd[i]):,.0f} USD)")
    return out


def _major_unit(half_range: float) -> float:
    """A round tick step giving at most 6 ticks each side of 0 (0.2 -> 5%, 0.75 -> 25%)."""
    for unit in (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0):
        n = half_range / unit
        if n <= 6 + 1e-9 and abs(n - round(n)) < 1e-9:
            return unit
    return half_range / 4


def _chart(lay: Layout, points: dict, half_range: float, anchor_row: int, cross: bool) -> dict:
    L_, series = lay.ladder, []
    for title, out, color in (("Liquidated as every mark falls", STEP_COL, "#C00000"),
                              ("Liquidated as every mark rises", STEP_COL + 2, "#2F5597")):
        count = points[out]
        if count:
            series.append({
                "name": title,
                "categories": ["Liquidation ladder", L_.first, out, L_.first - 1 + count, out],
                "values": ["Liquidation ladder", L_.first, out + 1, L_.first - 1 + count, out + 1],
                "line": {"color": color, "width": 2.25}, "marker": {"type": "none"}})
    grid = {"visible": True, "line": {"color": "#D9D9D9"}}
    return {"type": {"type": "scatter", "subtype": "straight"}, "series": series, "show_hidden_data": True,
            "title": {"name": "Cumulative notional liquidated (USD) if every mark moves by the same fraction: "
                              "steps at each liquidation price", "name_font": {"size": 11}},
            "x_axis": {"name": ("Move of every mark (falls left: longs and cross accounts; rises right: shorts and "
                                "cross accounts)") if cross else "Move of every mark (falls left: longs; rises "
                                                                 "right: shorts)", "num_format": "0%",
                       "min": -half_range, "max": half_range, "major_unit": _major_unit(half_range),
                       "crossing": "min", "major_gridlines": grid, "num_font": {"size": 10}},
            "y_axis": {"name": "Notional liquidated (USD)", "num_format": "#,##0", "min": 0,
                       "major_gridlines": grid, "num_font": {"size": 10}},
            "legend": {"position": "bottom", "font": {"size": 10}}, "size": {"width": 1060, "height": 440},
            "anchor": (anchor_row, 0)}


def ladder_sheet(t: RiskTable, lay: Layout, as_of: str) -> SheetSpec:
    """The Liquidation ladder sheet (order fixed at report time, values live).

    Parameters
    ----------
    t : RiskTable
        The book's figures.
    lay : Layout
        The report's anchors.
    as_of : str
        The report's timestamp.

    Returns
    -------
    SheetSpec
    """
    sheet = SheetSpec("Liquidation ladder")
    L_ = lay.ladder
    sheet.string(0, 0, "Liquidation ladder", TITLE)
    sheet.string(1, 0, "If every mark moved by the same fraction, which positions go and how much notional is "
                       "liquidated in total. Order fixed at report time; values live.", SUBTITLE)
    down, up = uniform_moves_to_liquidation(t)
    cross = bool((t.account >= 0).any())
    sides = [(title, col0, longs, _order(moves, longs)) for title, col0, longs, moves in (
        ("As every mark falls: longs" + (" and cross accounts" if cross else ""), L_.long_col, True, down),
        ("As every mark rises: shorts" + (" and cross accounts" if cross else ""), L_.short_col, False, up))]
    half_range = axis_half_range([m for side in sides for _, m in side[3]])
    if cross:
        sheet.string(2, 0, "A cross account is liquidated as a whole: its positions, hedges too, are listed at the "
                           "account's move (found by levxl at the report's marks), on each side that reaches it.",
                     SUBTITLE)
    points = {}
    for k, (title, col0, longs, idx) in enumerate(sides):
        _side(sheet, t, lay, title, col0, idx)
        points[STEP_COL + 2 * k] = _steps(sheet, t, lay, col0, idx, longs, half_range, STEP_COL + 2 * k)
    sheet.column(L_.long_col + len(_HEADS), L_.short_col - 1, 1)  # the gap between the two tables
    sheet.column(STEP_COL, STEP_COL + 3, 12, True, 1)  # the chart's step points: hidden, grouped
    note_row = L_.first + max(1, len(sides[0][3]), len(sides[1][3])) + 1
    beyond = _beyond(t, sides[0][3] + sides[1][3], half_range)
    shown = "; ".join(beyond[:6]) + (f"; and {len(beyond) - 6} more" if len(beyond) > 6 else "")
    sheet.note(note_row, f"Chart: move axis ±{half_range:.0%}; " + (
        f"beyond it (not drawn): {shown}" if beyond else "every position is within it") + ".",
        L_.long_col, L_.short_col + len(_HEADS) - 1)
    sheet.feature("chart", _chart(lay, points, half_range, note_row + 2, cross))
    sheet.feature("freeze_panes", L_.first, 0)
    sheet.page("Liquidation ladder", as_of, (L_.header, L_.header))
    return sheet
