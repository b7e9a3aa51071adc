"""The Input issues sheet: rows left out of the report (and marks that could not be used), with the reason, and
the rows kept with a warning (an implausible value, a blank mark the entry stands in for), with the warning."""

from __future__ import annotations

from typing import Any

import numpy as np

from levxl.workbooks.report.cells import HEADER, SUBTITLE, TEXT, TITLE, WRAP, SheetSpec, number
from levxl.workbooks.report.layout import Layout

__all__ = ["issues_sheet"]


def issues_sheet(issues: list[tuple[Any, str]], lay: Layout, as_of: str,
                 warnings: list[tuple[Any, str]] = ()) -> SheetSpec:
    """The Input issues sheet.

    Parameters
    ----------
    issues : list of (row, reason)
        Refused rows (a row number) and unusable marks ("marks.csv row 3").
    lay : Layout
        The report's anchors (:attr:`Layout.issues`).
    as_of : str
        The report's timestamp.
    warnings : list of (row, warning)
        The rows kept with a warning (:attr:`levxl.book.positions.Book.warnings`: what ``levxl risk`` prints),
        listed below the issues.

    Returns
    -------
    SheetSpec
    """
    sheet, L_ = SheetSpec("Input issues"), lay.issues
    sheet.column(0, 0, 12)
    sheet.column(1, 1, 92)  # wrapped: A4 landscape at 100% (LibreOffice's wider substitute font included)
    sheet.string(0, 0, "Input issues", TITLE)
    sheet.string(1, 0, "Rows left out of the report, with the reason; the rest of the book is reported.", SUBTITLE)
    sheet.string(L_.header, 0, "Row", HEADER)
    sheet.string(L_.header, 1, "Reason", HEADER)
    if not issues:
        sheet.string(L_.first, 0, "none", TEXT)
        sheet.string(L_.first, 1, "every row was read", TEXT)
    for k, (row, reason) in enumerate(issues):
        if isinstance(row, (int, np.integer)):
            sheet.number(L_.first + k, 0, int(row), number("int"))
        else:
            sheet.string(L_.first + k, 0, str(row), TEXT)
        sheet.string(L_.first + k, 1, str(reason), WRAP)
    if warnings:  # in the workbook too: its reader may never run levxl risk, which lists them
        top = L_.first + max(len(issues), 1) + 1
        sheet.string(top, 0, "Rows kept with a warning: their figures use the value as read; check it", SUBTITLE)
        sheet.string(top + 1, 0, "Row", HEADER)
        sheet.string(top + 1, 1, "Warning", HEADER)
        for k, (row, text) in enumerate(warnings):
            sheet.number(top + 2 + k, 0, int(row), number("int"))
            sheet.string(top + 2 + k, 1, str(text), WRAP)
    sheet.feature("freeze_panes", L_.first, 0)
    sheet.page("Input issues", as_of, (L_.header, L_.header))
    return sheet
