"""The Tier tables sheet: per position the maintenance tier table it used (name, as-of date, source, age), its status
(STALE, MISSING: a flat rate stands in), the venue's funding interval, and the positions beyond their tier's limits
(:func:`levxl.book.venue_rules.provenance_rows`, :func:`levxl.book.venue_rules.limit_rows`; plain values)."""

from __future__ import annotations

import math
from typing import Any

from levxl.book.venue_rules import STALE_DAYS
from levxl.workbooks.report.cells import (AMBER, GREEN, HEADER, RED, SECTION, SUBTITLE, TEXT, TITLE, WRAP, SheetSpec,
                                          col, number)
from levxl.workbooks.report.layout import LIMIT_COLUMNS, PROVENANCE_COLUMNS, Layout

__all__ = ["tier_tables_sheet", "STATUS_TEXT"]

STATUS_TEXT = {"ok": "ok", "stale": "STALE", "missing": "MISSING", "n/a": "n/a"}
"""How a provenance status reads on the sheet (and what the Summary counts)."""

_PROVENANCE_STYLES = {"row": WRAP, "age": WRAP, "funding": WRAP, "warning": WRAP, "source": WRAP}
# WRAP on the numbers too (General: whole numbers, top-aligned with the wrapped texts of their row)
_LIMIT_STYLES = {"row": number("int"), "notional": number("num", 0), "leverage": number("num", 2),
                 "max_leverage": number("num", 0), "max_notional": number("num", 0), "problem": WRAP}


def _value(sheet: SheetSpec, r0: int, c: int, value: Any, style) -> None:
    if value is None or value == "":
        sheet.blank(r0, c, style or TEXT)
    elif isinstance(value, str):  # wrapped and top-aligned: a row grows with its longest text
        sheet.string(r0, c, value, WRAP)
    else:
        sheet.number(r0, c, float(value), style or number("num", 2))


_WIDTH = {key: max(w1, w2) for (key, _, w1), (_, _, w2) in zip(PROVENANCE_COLUMNS, LIMIT_COLUMNS + (("", "", 0),) * 2)}
# the long wrapped texts (source path / problem, warning) narrower: the sheet prints on one A3 page wide at >= 8 pt
_WIDTH.update(source=min(_WIDTH["source"], 32), warning=min(_WIDTH["warning"], 34))


def _lines(text, key: str) -> int:
    """Lines a wrapped text cell of a provenance column needs (about 1.1 characters per width unit at 10 pt)."""
    return max(1, math.ceil(len(str(text or "")) / (_WIDTH[key] * 1.1 - 2)))


def _provenance(sheet: SheetSpec, rows: list[list[Any]], lay: Layout) -> None:
    T = lay.tier_tables
    for k, (key, head, _) in enumerate(PROVENANCE_COLUMNS):
        sheet.string(T.header, k, head, HEADER)
    sheet.row_height(T.header, 42)
    for i, row in enumerate(rows):
        r0 = T.first + i
        for k, (key, _, _) in enumerate(PROVENANCE_COLUMNS):
            value = STATUS_TEXT.get(row[k], row[k]) if key == "status" else row[k]
            _value(sheet, r0, k, value, _PROVENANCE_STYLES.get(key))
        lines = max(_lines(row[T.col(key)], key) for key in ("warning", "source", "table"))
        if lines > 1:
            sheet.row_height(r0, 13.5 * lines)
    if not rows:
        sheet.string(T.first, 0, "no positions", TEXT)
        return
    s = col(T.col("status"))
    rng = f"{s}{T.first + 1}:{s}{T.last + 1}"
    for word, fmt in (("MISSING", RED), ("STALE", AMBER), ("ok", GREEN)):
        sheet.conditional(rng, {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": fmt})


def _limits(sheet: SheetSpec, rows: list[list[Any]], lay: Layout) -> None:
    T = lay.tier_tables
    sheet.string(T.limits_section, 0, "Tier limits: positions whose leverage or notional exceeds their tier's maximum",
                 SECTION)
    for k, (key, head, _) in enumerate(LIMIT_COLUMNS):
        sheet.string(T.limits_header, k, head, HEADER)
    sheet.row_height(T.limits_header, 30)
    if not rows:
        sheet.string(T.limits_first, 0, "none: every position with a tier table is within its tier's limits", TEXT)
    for i, row in enumerate(rows):
        for k, (key, _, _) in enumerate(LIMIT_COLUMNS):
            _value(sheet, T.limits_first + i, k, row[k], _LIMIT_STYLES.get(key))
        sheet.row_height(T.limits_first + i, 13.5 * max(1, math.ceil(len(str(row[-1])) / 62)))


def tier_tables_sheet(provenance: list[list[Any]], limits: list[list[Any]], lay: Layout, as_of: str) -> SheetSpec:
    """The Tier tables sheet.

    Parameters
    ----------
    provenance : list of rows
        :func:`levxl.book.venue_rules.provenance_rows` without its header row (one row per position).
    limits : list of rows
        :func:`levxl.book.venue_rules.limit_rows` without its header row.
    lay : Layout
        The report's anchors (:attr:`Layout.tier_tables`).
    as_of : str
        The report's timestamp (the tables' ages are counted to its date).

    Returns
    -------
    SheetSpec
    """
    sheet = SheetSpec("Tier tables")
    sheet.string(0, 0, "Tier tables and venue rules", TITLE)
    sheet.string(1, 0, f"The maintenance tier table behind each position, its date and age on {as_of[:10]} (STALE: "
                       f"older than {STALE_DAYS} days; MISSING: no table, the flat mmr rate stands in; `levxl tiers "
                       "update` fetches current tables).", SUBTITLE)
    sheet.string(2, 0, "Funding interval: the venue's for the symbol (hours; blank where the venue is unknown).",
                 SUBTITLE)
    for k, (key, _, _) in enumerate(PROVENANCE_COLUMNS):
        sheet.column(k, k, _WIDTH[key])
    _provenance(sheet, provenance, lay)
    _limits(sheet, limits, lay)
    sheet.feature("freeze_panes", lay.tier_tables.first, 3)
    sheet.page("Tier tables", as_of, (lay.tier_tables.header, lay.tier_tables.header))
    return sheet
