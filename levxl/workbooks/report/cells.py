"""What goes in which cell, apart from how it is written: a sheet is a :class:`SheetSpec`, an ordered list of
cell specs (value or formula with its cached value, and a :class:`Style`) and sheet features (merges, widths,
conditional formats, page setup, a chart). :mod:`levxl.workbooks.report.writer` turns them into XlsxWriter calls,
the way pandas' ``ExcelFormatter`` hands ``ExcelCell`` objects to its writers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from levxl.book.ccxt import margin_currency as book_margin_currency
from levxl.book.venue_rules import tick_digits

__all__ = ["Style", "named", "number", "Cell", "SheetSpec", "cached", "price_digits", "tick_digits", "shown_price_digits", "margin_currency", "col"]


@dataclass(frozen=True)
class Style:
    """A cell format: a named style (title, header, note, red, ...) or a number format ``kind`` (price, usd,
    amt, pct, rate, num, int, size, liqprice, sci, text) with ``digits``, input/bold/top-border variants."""

    kind: str
    digits: int = 2
    inp: bool = False
    bold: bool = False
    top: bool = False
    is_named: bool = False


@lru_cache(maxsize=None)
def named(name: str) -> Style:
    """A named style of the report (see :class:`levxl.workbooks.report.writer.Formats`)."""
    return Style(name, is_named=True)


@lru_cache(maxsize=None)
def number(kind: str, digits: int = 2, inp: bool = False, bold: bool = False, top: bool = False) -> Style:
    """A number format of ``kind`` (``inp``: an input cell, blue on yellow)."""
    return Style(kind, digits, inp, bold, top)


TITLE, SUBTITLE, SECTION, HEADER, LABEL, TEXT, WRAP, NOTE = (named(x) for x in (
    "title", "subtitle", "section", "header", "label", "text", "wrap", "note"))
RED, AMBER, GREEN, LIQ, LIQ_PCT, RLABEL, LIQUIDATED, ERROR = (named(x) for x in (
    "red", "amber", "green", "liq", "liq_pct", "rlabel", "liquidated", "error"))
STATUS_STYLES = (("LIQUIDATED", LIQUIDATED), ("RED", RED), ("AMBER", AMBER), ("GREEN", GREEN), ("ERROR", ERROR))
"""Each status word and its style (conditional formats and cached cells). ERROR: the row's distance is an error
(an edited input the formulas cannot use); the engine never gives it, as it refuses such a row."""


class Cell(NamedTuple):
    """One cell (0-based ``row``, ``col``): a ``value`` (number, string or None for blank) or a ``formula`` with
    its ``cached`` value (what a viewer that never calculates shows). A named tuple: reports make one per cell."""

    row: int
    col: int
    style: Style | None
    value: Any = None
    formula: str | None = None
    cached: Any = None


@dataclass
class SheetSpec:
    """The content of one sheet, in writing order: cells and sheet features (``(feature, arguments)``)."""

    name: str
    items: list = field(default_factory=list)

    def number(self, row: int, col: int, value: float, style: Style | None) -> None:
        self.items.append(Cell(row, col, style, value))

    def string(self, row: int, col: int, text: str, style: Style | None) -> None:
        self.items.append(Cell(row, col, style, str(text)))

    def blank(self, row: int, col: int, style: Style | None) -> None:
        self.items.append(Cell(row, col, style))

    def formula(self, row: int, col: int, formula: str, style: Style | None, cached: Any) -> None:
        self.items.append(Cell(row, col, style, None, formula, cached))

    def feature(self, name: str, *args: Any, **kwargs: Any) -> None:
        """A sheet feature: merge, column, row, freeze, conditional, autofilter, print_area, page, chart,
        activate (see the writer for their arguments)."""
        self.items.append((name, args, kwargs))

    def merge(self, r0: int, c0: int, r1: int, c1: int, style: Style, text: str = "") -> None:
        """Merge a range, ``text`` in its first cell."""
        self.feature("merge", r0, c0, r1, c1, style, text)

    def column(self, first: int, last: int, width: float, hidden: bool | None = None, level: int = 0) -> None:
        self.feature("column", first, last, width, hidden, level)

    def row_height(self, row: int, height: float) -> None:
        self.feature("row", row, height)

    def conditional(self, rng: str, options: dict) -> None:
        self.feature("conditional", rng, options)

    def page(self, title: str, as_of: str, repeat: tuple[int, int] | None = None, bands: bool = True,
             repeat_cols: tuple[int, int] | None = None, breaks: tuple[int, ...] | None = None) -> None:
        """Page setup: header ``title`` and ``as_of``, rows ``repeat`` on every page; the paper and scale are
        planned from the sheet's widths (:func:`levxl.workbooks.report.writer.plan_page`). A sheet too wide for
        8 pt on A3 prints in bands of columns, ``repeat_cols`` (default: the frozen columns) on each, starting at
        ``breaks`` (0-based columns; default: as even as the widths allow); ``bands`` False keeps one page wide (a
        sheet whose notes run across its columns)."""
        self.feature("page", title, as_of, repeat, bands, repeat_cols, breaks)

    def note(self, row: int, text: str, first_col: int = 7, last_col: int = 13) -> None:
        """A wrapped note merged over ``first_col..last_col``, its row as tall as the text needs."""
        self.merge(row, first_col, row, last_col, NOTE)
        self.string(row, first_col, text, NOTE)
        self.row_height(row, 13.5 * max(1, math.ceil(len(text) / 110)))


def cached(x: float, missing: str = "") -> Any:
    """A cached value: NaN -> ``missing`` (default "": the formula shows blank), inf -> "none" (no liquidation
    price)."""
    x = float(x)
    if math.isnan(x):
        return missing
    if math.isinf(x):
        return "none"
    return x


def price_digits(p: float) -> int:
    """Decimals to show a price ``p`` with (2 to 8)."""
    if not (p > 0 and math.isfinite(p)):
        return 2
    return int(max(2, min(8, 4 - math.floor(math.log10(p)))))


def shown_price_digits(p: float, tick: float = math.nan) -> int:
    """Decimals to show a price ``p`` of an instrument with price ``tick`` with: :func:`price_digits`, or more where
    the tick has more (1000PEPEUSDT at 0.0175067 on a 0.0000001 tick: 7, not 6)."""
    return max(price_digits(p), tick_digits(tick))


def margin_currency(symbol: str, contract: str) -> str:
    """USD for linear contracts; the coin of an inverse symbol (BTCUSD, PI_XBTUSD, BTC/USD:BTC -> BTC), the one
    its account is keyed by (:func:`levxl.book.ccxt.margin_currency`); "coin" where the symbol names none."""
    if contract != "inverse":
        return "USD"
    coin = book_margin_currency(str(symbol), True)
    return coin if coin and coin != "?" else "coin"


@lru_cache(maxsize=4096)
def col(k: int) -> str:
    """Column letters of 0-based column ``k`` (0 -> A, 26 -> AA)."""
    name = ""
    k += 1
    while k:
        k, rem = divmod(k - 1, 26)
        name = chr(65 + rem) + name
    return name
