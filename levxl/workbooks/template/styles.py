"""The template's shared styles (fonts, fills, number formats) and the small writers every sheet uses: input and
formula cells, headers, sections, notes, print setup, and :func:`spill` for a call that returns a table."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.page import PageMargins

__all__ = ["SPILL_MODES", "input_cell", "output_cell", "header_cells", "section", "note", "widths", "print_setup",
           "grid_axes", "spill"]

BLUE = "0000FF"
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD_FILL = PatternFill("solid", fgColor="1F3864")
SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
TOTAL_FILL = PatternFill("solid", fgColor="EDEDED")
LIQ_FILL = PatternFill("solid", fgColor="7F7F7F")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = "Calibri"
F_TITLE = Font(name=FONT, bold=True, size=15, color="1F3864")
F_HEAD = Font(name=FONT, size=11, bold=True, color="FFFFFF")
F_SECTION = Font(name=FONT, size=12, bold=True, color="1F3864")
F_INPUT = Font(name=FONT, size=11, color=BLUE)
F_NOTE = Font(name=FONT, size=10, italic=True, color="595959")
F_BOLD = Font(name=FONT, size=11, bold=True)
F_LABEL = Font(name=FONT, size=11)

PRICE = '[>=1000]#,##0.00;[>=1]#,##0.00##;0.00####'
AMOUNT = '#,##0.00##;[Red]-#,##0.00##'
USD = '#,##0.00;[Red]-#,##0.00'
PCT = '0.00%;[Red]-0.00%'
PCT1 = '0.0%;[Red]-0.0%'
PROB = '0.00%'
RATE = '0.0000%'
LEV = '0.0#"x"'
SIGMA = '0.00'
SIZE = '#,##0.00##'
INT = '0'
OPTION = '#,##0.00##'
LIQ_FMT = '"liquidated";"liquidated";"-"'

SPILL_MODES = ("index", "array")
"""How a call that returns a table is written: "index" (default) = one ``=INDEX(LEVXL_...(...), i, j)`` per cell;
"array" = one array formula over the range (``<f t="array" ref=...>``). LibreOffice 7.4 recalculates array formulas
on load whatever the file says, so they show ``#NAME?`` there until levxl is installed; plain formulas keep the cached
values written by levxl's recalc in LibreOffice and in Excel alike."""


def grid_axes(ws, header_row, corner, columns, moves):
    """A grid's axes as input cells: the corner label at column B, ``columns`` to its right (whole numbers),
    ``moves`` down column B (percent)."""
    c = ws.cell(header_row, 2, corner)
    c.font = F_HEAD
    c.fill = HEAD_FILL
    for j, value in enumerate(columns):
        input_cell(ws.cell(header_row, 3 + j), value, '0')
    for i, move in enumerate(moves):
        input_cell(ws.cell(header_row + 1 + i, 2), move, PCT1)


def input_cell(cell, value, fmt=None):
    """An input: blue text on yellow, boxed."""
    cell.value = value
    cell.font = F_INPUT
    cell.fill = INPUT_FILL
    cell.border = BOX
    if fmt:
        cell.number_format = fmt
    return cell


def output_cell(cell, formula, fmt=None, bold=False):
    """A formula cell, boxed."""
    cell.value = formula
    cell.border = BOX
    if fmt:
        cell.number_format = fmt
    if bold:
        cell.font = F_BOLD
    return cell


def header_cells(ws, row, col, labels, wrap=True):
    """Column headers (white on dark blue) from (row, col) to the right."""
    for k, label in enumerate(labels):
        c = ws.cell(row, col + k, label)
        c.font = F_HEAD
        c.fill = HEAD_FILL
        c.border = BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=wrap)


def section(ws, row, text, width=3, col=1):
    """A section title over ``width`` filled cells."""
    for k in range(width):
        ws.cell(row, col + k).fill = SECTION_FILL
    c = ws.cell(row, col, text)
    c.font = F_SECTION


def note(ws, ref, text):
    """A grey italic note at ``ref``."""
    c = ws[ref]
    c.value = text
    c.font = F_NOTE
    return c


def widths(ws, by_column: dict):
    """Column widths by letter."""
    for col, width in by_column.items():
        ws.column_dimensions[col].width = width


def print_setup(ws, title_rows: str | None = None, area: str | None = None):
    """Landscape A4, one page wide, header and footer; repeated ``title_rows``, print ``area``."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "&A - page &P of &N"
    ws.oddHeader.left.text = "levxl template"
    if title_rows:
        ws.print_title_rows = title_rows
    if area:
        ws.print_area = area


def spill(ws, rng: str, formula: str, spills: str, prefix: str = "") -> None:
    """Write ``formula`` (a call returning a table) over ``rng`` in the ``spills`` mode (see :data:`SPILL_MODES`);
    ``prefix`` (e.g. "--", booleans as 1/0: LibreOffice 7.4 does not keep cached boolean formula results) goes in
    front of the call."""
    if spills == "array":
        ws[rng.split(":")[0]] = ArrayFormula(rng, f"={prefix}{formula[1:]}")
        return
    for i, row in enumerate(ws[rng], start=1):
        for j, cell in enumerate(row, start=1):
            cell.value = f"={prefix}INDEX({formula[1:]},{i},{j})"
