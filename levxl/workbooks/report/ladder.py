"""The Liquidation ladder sheet: longs as the price falls, shorts as it rises, closest first, with the cumulative
notional liquidated and a chart of it against the move of every mark."""

from __future__ import annotations

import numpy as np

from levxl.book.figures import RiskTable
from levxl.workbooks.report.cells import HEADER, NOTE, SECTION, SUBTITLE, TEXT, TITLE, SheetSpec, cached, col, number
from levxl.workbooks.report.layout import Layout
from levxl.workbooks.report.rows import price_style

__all__ = ["ladder_sheet"]

_HEADS = ("Input row", "Symbol", "Liq. price", "Move to liq.", "Notional (USD)", "Cumulative (USD)",
          "Cum. % of gross")


def _order(t: RiskTable, longs: bool) -> list[int]:
    """Futures of one side with a liquidation price, closest first in the direction of travel (those already beyond
    their price first)."""
    sel = t.side > 0 if longs else t.side < 0
    idx = [i for i in range(len(t)) if sel[i] and np.isfinite(t.liquidation[i])]
    idx.sort(key=lambda i: (-t.side[i] * t.move_to_liq[i], i))
    return idx


def _side(sheet: SheetSpec, t: RiskTable, lay: Layout, title: str, col0: int, idx: list[int]) -> None:
    P, L_, book = lay.positions, lay.ladder, t.book
    sheet.string(L_.header - 1, col0, title, SECTION)
    for k, h in enumerate(_HEADS):
        sheet.string(L_.header, col0 + k, h, HEADER)
    sheet.row_height(L_.header, 30)
    sheet.column(col0, col0, 7)
    sheet.column(col0 + 1, col0 + 1, 14)
    sheet.column(col0 + 2, col0 + 6, 12)
    cum = 0.0
    gross = float(np.nansum(t.notional_usd)) or 1.0
    gross_f = f"SUM({P.range('notional_usd')})"
    for k, i in enumerate(idx):
        r0 = L_.first + k
        cum += float(t.notional_usd[i])
        sheet.formula(r0, col0, f"={P.ref('row', i)}", number("int"), book.row[i])
        sheet.formula(r0, col0 + 1, f"={P.ref('symbol', i)}", TEXT, book.symbol[i])
        sheet.formula(r0, col0 + 2, f"={P.ref('liq', i)}", price_style(t, i), cached(t.liquidation[i]))
        liq = f"{col(col0 + 2)}{r0 + 1}"
        sheet.formula(r0, col0 + 3, f'=IF(ISNUMBER({liq}),{liq}/{P.ref("mark", i)}-1,"none")', number("pct", 1),
                      cached(t.move_to_liq[i]))
        sheet.formula(r0, col0 + 4, f"={P.ref('notional_usd', i)}", number("usd"), float(t.notional_usd[i]))
        prev = f"{col(col0 + 5)}{r0}+" if k else ""
        sheet.formula(r0, col0 + 5, f"={prev}{col(col0 + 4)}{r0 + 1}", number("usd"), cum)
        sheet.formula(r0, col0 + 6, f"={col(col0 + 5)}{r0 + 1}/{gross_f}", number("pct", 1), cum / gross)
    if not idx:
        sheet.string(L_.first, col0, "none", NOTE)


def _chart(lay: Layout, counts: dict) -> dict:
    L_, series = lay.ladder, []
    for title, col0, color in (("Longs (falls)", L_.long_col, "#C00000"), ("Shorts (rises)", L_.short_col, "#2F5597")):
        count = counts[col0]
        if count:
            series.append({
                "name": title,
                "categories": ["Liquidation ladder", L_.first, col0 + 3, L_.first - 1 + count, col0 + 3],
                "values": ["Liquidation ladder", L_.first, col0 + 5, L_.first - 1 + count, col0 + 5],
                "line": {"color": color, "width": 2}, "marker": {"type": "circle", "size": 4,
                                                                  "fill": {"color": color},
                                                                  "border": {"color": color}}})
    grid = {"visible": True, "line": {"color": "#D9D9D9"}}
    return {"type": {"type": "scatter", "subtype": "straight_with_markers"}, "series": series,
            "title": {"name": "Cumulative notional liquidated vs. move of every mark", "name_font": {"size": 11}},
            "x_axis": {"name": "Move of the mark", "num_format": "0%", "crossing": "min", "major_gridlines": grid},
            "y_axis": {"name": "Notional liquidated (USD)", "num_format": "#,##0", "min": 0,
                       "major_gridlines": grid},
            "legend": {"position": "bottom"}, "size": {"width": 900, "height": 420}, "anchor": (3, 16)}


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
    counts = {}
    for title, col0, longs in (("As the price falls: longs", L_.long_col, True),
                               ("As the price rises: shorts", L_.short_col, False)):
        idx = _order(t, longs)
        _side(sheet, t, lay, title, col0, idx)
        counts[col0] = len(idx)
    sheet.feature("chart", _chart(lay, counts))
    sheet.feature("freeze_panes", L_.first, 0)
    sheet.page("Liquidation ladder", as_of, (L_.header, L_.header))
    return sheet
