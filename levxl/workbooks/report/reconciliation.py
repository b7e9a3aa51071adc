"""The Reconciliation sheet: the venue's liquidation price and maintenance margin beside levxl's, the difference and
why they differ, one row per position (:func:`levxl.book.reconcile.reconciliation_table`).

The numbers are the reconciliation's own (plain values; the difference a native formula over them). levxl's price
is the account's: a cross position computed on its account's wallet shows the cross number, one levxl cannot
recompute (cross without its wallet, mode unknown) shows "n/a" and the reason, never an isolated price."""

from __future__ import annotations

import math
from typing import Any

from levxl.book.reconcile import CLOSE, MM_PRECISION, RELATIVE_MATCH, TICK_EPSILON, TICKS_MATCH, rate_text
from levxl.workbooks.report.cells import (AMBER, GREEN, HEADER, NOTE, RED, TEXT, TITLE, WRAP, SheetSpec, cached,
                                          col, number, shown_price_digits, tick_digits)
from levxl.workbooks.report.layout import Layout

__all__ = ["reconciliation_sheet"]
_WORD = number("num", 0)  #: a word ("none", "n/a") in a numeric column, right-aligned like the numbers

_NOTE = (f"'matches' (green): within {TICKS_MATCH:g} tick of the row's tick (venues round to it, not always levxl's "
         f"way), or {rate_text(RELATIVE_MATCH)} relative where no tick is given; a difference is amber within "
         f"{CLOSE:.1%}, red beyond. Maintenance margins match within {MM_PRECISION['linear']:g} (linear) / "
         f"{rate_text(MM_PRECISION['inverse'])} coin (inverse). levxl's price: isolated on the position's "
         "margin, cross on the account's wallet less the other cross positions' MM plus their uPnL; n/a where levxl "
         "cannot recompute it (the venue's figure is the one to use). Maintenance margins where the venue measures "
         "them (the mark; the entry at Bybit), with the fee to close a Bybit margin holds, in the margin currency "
         "(Positions' is at the mark). Give the venue's liq. price, MM and the tick as columns (or ccxt JSON) to "
         "reconcile.")


def _price(sheet: SheetSpec, r0: int, c: int, x: float, digits: int, missing: str) -> None:
    if math.isnan(x):
        sheet.string(r0, c, missing, _WORD)
    elif math.isinf(x) or x == 0:
        sheet.string(r0, c, "none", _WORD)  # no price liquidates the position
    else:
        sheet.number(r0, c, x, number("price", digits))


def _amount(sheet: SheetSpec, r0: int, c: int, x: float, digits: int) -> None:
    if math.isnan(x):
        sheet.blank(r0, c, number("amt", digits))
    else:
        sheet.number(r0, c, x, number("amt", digits))


def _row(sheet: SheetSpec, lay: Layout, i: int, row: list[Any], inverse: bool, tick: float = math.nan) -> None:
    R = lay.reconciliation
    r0, c = R.first + i, R.col
    rownum, venue, account, symbol, side, mode, vliq, lliq, diff, tick_, ticks, vmm, lmm, reason = row
    sheet.number(r0, c("row"), int(rownum), number("int"))
    for key, text in (("venue", venue), ("account", account), ("symbol", symbol), ("side", side), ("mode", mode)):
        sheet.string(r0, c(key), str(text), TEXT)
    digits = shown_price_digits(vliq if math.isfinite(vliq) and vliq > 0 else lliq, tick)
    _price(sheet, r0, c("venue_liq"), vliq, digits, "")
    _price(sheet, r0, c("levxl_liq"), lliq, digits, "n/a")
    v, lx = R.a1("venue_liq", i), R.a1("levxl_liq", i)
    sheet.formula(r0, c("diff"), f'=IF(AND(ISNUMBER({v}),ISNUMBER({lx})),{lx}/{v}-1,"")', number("pct", 2),
                  cached(diff))
    if math.isnan(tick_):
        sheet.blank(r0, c("tick"), number("price", 2))
    else:
        sheet.number(r0, c("tick"), tick_, number("price", tick_digits(tick_)))
    t = R.a1("tick", i)
    sheet.formula(r0, c("ticks"), f'=IF(AND(ISNUMBER({v}),ISNUMBER({lx}),ISNUMBER({t})),({lx}-{v})/{t},"")',
                  number("num", 2), cached(ticks))
    amount_digits = 6 if inverse else 2
    _amount(sheet, r0, c("venue_mm"), vmm, amount_digits)
    _amount(sheet, r0, c("levxl_mm"), lmm, amount_digits)
    sheet.string(r0, c("reason"), str(reason), WRAP)
    sheet.row_height(r0, 13.5 * max(1, math.ceil(len(str(reason)) / 64)))


def reconciliation_sheet(headers: tuple, rows: list[list[Any]], inverse: list[bool], lay: Layout,
                         as_of: str, ticks: list[float] | None = None) -> SheetSpec:
    """The Reconciliation sheet.

    Parameters
    ----------
    headers, rows
        :func:`levxl.book.reconcile.reconciliation_table` of the book (book order, as Positions).
    inverse : list of bool
        Per position: coin-margined (maintenance margins in coin, 6 decimals).
    lay : Layout
        The report's anchors (:attr:`Layout.reconciliation`).
    as_of : str
        The report's timestamp.
    ticks : list of float, optional
        Per position: its price tick (NaN: none given); the prices show at least its decimals.

    Returns
    -------
    SheetSpec
    """
    sheet, R = SheetSpec("Reconciliation"), lay.reconciliation
    sheet.string(0, 0, "Reconciliation with the venue", TITLE)
    sheet.merge(1, 0, 2, len(R.columns) - 1, NOTE)
    sheet.string(1, 0, _NOTE, NOTE)
    sheet.row_height(1, 15)
    sheet.row_height(2, 15)
    for k, (key, head, width) in enumerate(R.columns):
        sheet.string(R.header, k, head, HEADER)
        sheet.column(k, k, width)
    sheet.row_height(R.header, 42)
    for i, row in enumerate(rows):
        _row(sheet, lay, i, row, inverse[i], ticks[i] if ticks is not None else math.nan)
    if not rows:
        sheet.string(R.first, 0, "no positions", TEXT)
    if rows:
        # the verdict's colours from the same rule as its text (levxl.book.reconcile.price_gap): green a match,
        # amber a difference within CLOSE, red beyond; on the difference and the difference in ticks
        d, t, k = (col(R.col(key)) for key in ("diff", "tick", "ticks"))
        first = R.first + 1
        cells = (f"${d}{first}", f"${t}{first}", f"${k}{first}")
        for column in (d, k):
            rng = f"{column}{first}:{column}{R.first + len(rows)}"
            for fmt, formula in ((GREEN, _match(*cells)), (AMBER, _differs(*cells, True)),
                                 (RED, _differs(*cells, False))):
                sheet.conditional(rng, {"type": "formula", "criteria": formula, "format": fmt})
    sheet.feature("freeze_panes", R.first, 4)
    sheet.page("Reconciliation", as_of, (R.header, R.header))
    return sheet


def _matches(diff: str, tick: str, ticks: str) -> str:
    """The match rule of :func:`levxl.book.reconcile.price_gap` over a row's cells, without the leading "=": within
    TICKS_MATCH ticks (+ TICK_EPSILON) where the tick is given, within RELATIVE_MATCH where it is not."""
    return (f"OR(AND(ISNUMBER({ticks}),ABS(N({ticks}))<={TICKS_MATCH + TICK_EPSILON!r}),AND(NOT(ISNUMBER({tick})),"
            f"ISNUMBER({diff}),ABS(N({diff}))<={RELATIVE_MATCH!r}))")


def _match(diff: str, tick: str, ticks: str) -> str:
    """A conditional-format formula: the row's prices match (blank cells never do)."""
    return f"={_matches(diff, tick, ticks)}"


def _differs(diff: str, tick: str, ticks: str, within_close: bool) -> str:
    """A conditional-format formula: the row's prices differ, by at most CLOSE (``within_close``) or more."""
    size = f"ABS(N({diff}))<={CLOSE!r}"
    return f"=AND(ISNUMBER({diff}),NOT({_matches(diff, tick, ticks)}),{size if within_close else 'NOT(' + size + ')'})"
