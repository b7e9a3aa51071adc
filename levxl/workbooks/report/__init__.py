"""``levxl report``: a book of positions -> a desk's risk workbook that needs no Python and no add-in.

The workbook is written with XlsxWriter. Every number a recipient might want to change (marks, volatilities,
scenario moves, stress shocks, flag thresholds) is an input cell, and everything that depends on it is a *native*
spreadsheet formula (no ``LEVXL_`` functions), written together with its cached value, which is the engine's own
number from the book's one figures table (:func:`levxl.book.figures.risk_table`), so previews and
``pandas.read_excel`` show the same figures as Excel and LibreOffice after a recalc, and as ``levxl risk``.

What stays frozen at report time: the maintenance tier *at the liquidation price* (its mmr and cum are written as
constants next to each position: the liquidation price does not depend on the mark, only on entry, size and margin,
so a changed mark leaves it exact); the order of the liquidation ladder; the choice of the largest position.
The tier *at the mark* (maintenance margin) is looked up live in the tier tables on the Methodology sheet.

Sheets (one module each): Summary (:mod:`.summary`), Positions (:mod:`.positions`), Reconciliation with the venue
(:mod:`.reconciliation`), Scenarios (:mod:`.scenarios`, the option grid in :mod:`.option_grid`), Stress
and Stress detail (:mod:`.stress`), Liquidation ladder (:mod:`.ladder`), Funding and decay (:mod:`.funding`), Options margin
(:mod:`.options_margin`, books with options), Tier tables (:mod:`.tier_tables`), Methodology (:mod:`.methodology`),
Input issues (:mod:`.issues`). Every anchor a formula or
a test refers to is planned once in :mod:`.layout`; the sheets produce cell specs (:mod:`.cells`) that
:mod:`.writer` hands to XlsxWriter.

Options (rows with ``kind = option``, see :data:`levxl.book.positions.COLUMNS`): Black-76 on the mark, rate 0, as
native formulas (value, delta, gamma, vega, theta on Positions; PnL at each move on Scenarios and Stress; a move x
vol-shift grid of the option book on Scenarios; the theta bleed over 7 and 30 days on Funding and decay; option lines
on Summary). They are not liquidated by the futures formulas: their liquidation columns read "n/a" and they are left
out of the ladder, the flags and the liquidation counts. A book without options gets the report it always had.

Positions levxl cannot recompute (a cross position whose account wallet is not in the input, a margin mode the input
does not give: :attr:`levxl.book.positions.Book.recomputable` false) show no liquidation figure anywhere: "n/a
(venue: X)" with the reason on Positions, the venue's number and why on Reconciliation.

Python API: :func:`build_report`; command: ``levxl report`` (:mod:`levxl.cli.report`).
"""

from __future__ import annotations

import dataclasses

import datetime as _dt
import os
from pathlib import Path
from typing import Any, Iterable

import levxl
from levxl.files.cells import safe_cell_text
from levxl.book.accounts import Liquidation
import numpy as np

from levxl.book.figures import cross_account_figures, distance_fixes, risk_table
from levxl.book.stresses import betas_of, net_by_asset, run_stresses
from levxl.book.marks import apply_marks
from levxl.book.options_book import option_accounts, options_book_figures
from levxl.book.positions import Book, load_positions
from levxl.book.reconcile import reconciliation_table
from levxl.book.venue_rules import limit_rows, provenance_rows
from levxl.files.atomic import atomic_output
from levxl.workbooks.report.funding import funding_sheet
from levxl.workbooks.report.inputs import LEVERAGES, MOVES, STRESSES, TARGET_DISTANCE
from levxl.workbooks.report.issues import issues_sheet
from levxl.workbooks.report.ladder import ladder_sheet
from levxl.workbooks.report.layout import SHEETS, Layout, plan_layout, position_columns, sheet_names
from levxl.workbooks.report.methodology import methodology_sheet
from levxl.workbooks.report.options_margin import figures_or_reason, options_margin_sheet
from levxl.workbooks.report.reconciliation import reconciliation_sheet
from levxl.workbooks.report.positions import positions_sheet
from levxl.workbooks.report.scenarios import scenarios_sheet
from levxl.workbooks.report.stress import stress_detail_sheet, stress_sheet
from levxl.workbooks.report.summary import summary_sheet
from levxl.workbooks.report.tier_tables import tier_tables_sheet
from levxl.workbooks.report.writer import write_sheets

__all__ = ["build_report", "apply_marks", "MOVES", "LEVERAGES", "STRESSES", "SHEETS", "Layout", "plan_layout",
           "position_columns", "report_sheets", "sheet_names"]

WRITE_ORDER = ("Positions", "Summary", "Scenarios", "Stress", "Stress detail", "Liquidation ladder", "Funding", "Methodology",
               "Input issues", "Reconciliation", "Tier tables", "Options margin")
"""The order the sheets are written in (formats and shared strings numbered in first-use order: kept stable so the
same book gives the same bytes)."""


def _as_of_text(as_of: Any) -> tuple[str, _dt.datetime]:
    if as_of is None:
        now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
        return now.strftime("%Y-%m-%d %H:%M UTC"), now.replace(tzinfo=None)
    if isinstance(as_of, _dt.datetime):
        when = as_of
    elif isinstance(as_of, _dt.date):
        when = _dt.datetime(as_of.year, as_of.month, as_of.day)
    else:
        text = str(as_of).strip()
        try:
            when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"as-of must be an ISO 8601 date or timestamp, got {as_of!r}") from None
    if when.tzinfo is not None:
        when = when.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    label = when.strftime("%Y-%m-%d") if (when.hour, when.minute, when.second) == (0, 0, 0) and not (
        isinstance(as_of, str) and "T" in as_of) else when.strftime("%Y-%m-%d %H:%M UTC")
    return label, when


def report_sheets(book: Book, as_of: str, issues: list[tuple[Any, str]],
                  liquidation: Liquidation | None = None) -> tuple[list, Layout]:
    """The cell specs of every sheet of ``book``'s report (tab order) and their layout.

    Parameters
    ----------
    book : Book
        Positions with their marks applied.
    as_of : str
        The timestamp shown on every page (tier tables' ages are counted to its date).
    issues : list of (row, reason)
        What the Input issues sheet lists.
    liquidation : Liquidation, optional
        levxl's liquidation per position with cross positions on their accounts
        (:func:`levxl.book.accounts.load_book`), for the Reconciliation sheet; default: recomputed from the book
        alone (:func:`levxl.book.reconcile.reconcile`).

    Returns
    -------
    (list of SheetSpec, Layout)
    """
    table = risk_table(book)
    lay = plan_layout(table)
    betas = dict(zip(lay.stress.assets, lay.stress.betas))
    stresses = run_stresses(table, betas=betas)
    fixes = distance_fixes(table, TARGET_DISTANCE)
    net = net_by_asset(table)
    assets, beta = betas_of(table, betas)
    squeezed = np.array([net[a][1] for a in assets], dtype=int)
    provenance = provenance_rows(book, as_of)[1:]
    limits = limit_rows(book)[1:]
    statuses = [row[7] for row in provenance]
    headers, recon = reconciliation_table(book, liquidation)
    by_name = {
        "Summary": summary_sheet(table, lay, as_of, book.source, book.sha256, len(issues), stresses, fixes, statuses,
                                 len(limits)),
        "Positions": positions_sheet(table, lay, as_of, fixes, beta, squeezed),
        "Reconciliation": reconciliation_sheet(headers, recon, list(table.inverse), lay, as_of,
                                              [float(x) for x in book.tick], cross_account_figures(book),
                                              list(book.row)),
        "Scenarios": scenarios_sheet(table, lay, as_of, stresses.now_usd),
        "Stress": stress_sheet(table, lay, as_of, stresses, net),
        "Stress detail": stress_detail_sheet(table, lay, as_of, stresses),
        "Liquidation ladder": ladder_sheet(table, lay, as_of), "Funding": funding_sheet(table, lay, as_of),
        "Tier tables": tier_tables_sheet(provenance, limits, lay, as_of),
        "Methodology": methodology_sheet(table, lay, as_of),
        "Input issues": issues_sheet(issues, lay, as_of, [(book.row[i], safe_cell_text(w)) for i in range(len(book))
                                                          for w in book.warnings[i]])}
    if table.any_options:
        accounts = [(label, figures_or_reason(book, idx, options_book_figures)) for label, idx in
                    option_accounts(book)]
        by_name["Options margin"] = options_margin_sheet(accounts, lay, as_of)
    return [by_name[name] for name in sheet_names(table.any_options)], lay


def _cell_safe(book: Book) -> Book:
    """The book's text as a cell may hold it (:func:`levxl.files.cells.safe_cell_text`): a control character in a
    venue or symbol would otherwise reach the cached ``<v>`` of formula cells unescaped (not well-formed XML)."""
    text = (lambda values: [safe_cell_text(v) for v in values])
    return dataclasses.replace(book, venue=text(book.venue), symbol=text(book.symbol), contract=text(book.contract),
                               mmr=text(book.mmr), option_type=text(book.option_type), kind=text(book.kind),
                               source=safe_cell_text(book.source),
                               issues=[(r, safe_cell_text(str(m))) for r, m in book.issues])


def build_report(positions: str | os.PathLike | Book, out_path: str | os.PathLike = "report.xlsx", as_of: Any = None,
                 marks: Any = None, vol: float | None = None, notes: Iterable[tuple[Any, str]] = (),
                 liquidation: Liquidation | None = None) -> Path:
    """Write the risk report workbook for ``positions`` and return its path.

    Parameters
    ----------
    positions : path-like or Book
        A positions file (CSV, xlsx or ccxt JSON) or a :class:`~levxl.book.positions.Book`.
    out_path : path-like
        Where to write the workbook (.xlsx), atomically.
    as_of : str, date or datetime, optional
        ISO date/timestamp shown on the report (default: now, UTC).
    marks : path-like, dict or records, optional
        A marks file (CSV symbol,mark[,venue,vol] or JSON {symbol: mark}) or a dict/records overriding the book's
        marks (:func:`levxl.book.marks.apply_marks`).
    vol : float, optional
        Annualised volatility for every position.
    notes : iterable of (row, reason)
        Issues from a caller that applied marks itself, listed on "Input issues".
    liquidation : Liquidation, optional
        levxl's liquidation per position of ``positions`` (a Book) with cross positions computed on their account's
        wallet: the second value of :func:`levxl.book.accounts.load_book`, shown on Reconciliation. Default: the
        book alone (:func:`levxl.book.reconcile.reconcile` without it). Ignored when ``marks`` are given here
        (a cross price depends on the other positions' marks).

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        An unreadable positions or marks file, or a bad ``as_of``; no output file is left.
    """
    import xlsxwriter  # noqa: PLC0415 - the workbook writer is only needed here
    from xlsxwriter.exceptions import FileCreateError  # noqa: PLC0415

    book = positions if isinstance(positions, Book) else load_positions(positions)
    label, when = _as_of_text(as_of)
    book, mark_notes = apply_marks(book, marks, vol)
    book = _cell_safe(book)
    issues: list[tuple[Any, str]] = [(safe_cell_text(row), safe_cell_text(str(reason)))
                                     for row, reason in list(book.issues) + list(notes) + mark_notes]
    if marks is not None:  # the cross prices were computed at the book's own marks
        liquidation = None
    sheets, _ = report_sheets(book, label, issues, liquidation)
    out = Path(out_path)
    with atomic_output(out, suffix=".xlsx") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": False, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False,
                                            "use_future_functions": False, "nan_inf_to_errors": False})
        wb.set_properties({"title": "levxl risk report", "subject": book.source or "positions",
                           "author": "levxl", "comments": f"levxl {levxl.__version__}; input sha256 {book.sha256}",
                           "created": when})
        wb.set_calc_mode("auto")
        write_sheets(wb, sheets, [name for name in WRITE_ORDER if any(s.name == name for s in sheets)])
        try:
            wb.close()
        except FileCreateError as exc:
            _release_half_written_zip(exc)
            raise
    return out


def _release_half_written_zip(exc: BaseException) -> None:
    """Close the zip file XlsxWriter was writing when the disk filled up (its ``_store_workbook`` leaves it open in
    the failed frame): otherwise ``ZipFile.__del__`` retries the write at exit and prints "Exception ignored ...
    Traceback ... No space left on device" after the one-line error. The temp file itself is removed by
    :func:`levxl.files.atomic.atomic_output`."""
    import contextlib
    import zipfile

    seen = exc
    while seen is not None:
        tb = seen.__traceback__
        while tb is not None:
            for value in list(tb.tb_frame.f_locals.values()):
                if isinstance(value, zipfile.ZipFile) and value.fp is not None:
                    with contextlib.suppress(OSError):
                        value.fp.close()  # its buffered bytes cannot be written: the file is closed all the same
                    value.fp = None  # ZipFile.close() (and __del__) return at once on a closed archive
            tb = tb.tb_next
        seen = seen.__context__
