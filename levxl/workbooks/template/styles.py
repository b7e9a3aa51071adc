"""The template's shared styles (fonts, fills, number formats) and the small writers every sheet uses: input and
formula cells, headers, sections, notes, print setup, and :func:`spill` for a call that returns a table."""

from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.page import PageMargins

__all__ = ["SPILL_MODES", "input_cell", "output_cell", "header_cells", "section", "note", "widths", "print_setup",
           "grid_axes", "spill", "dxf_fill", "HEAT", "heat_rules", "heat_legend", "STATUS", "status_rules",
           "PRINT_MARGINS"]

BLUE = "0000FF"
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD_FILL = PatternFill("solid", fgColor="1F3864")
SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
TOTAL_FILL = PatternFill("solid", fgColor="EDEDED")
LIQ = "7F7F7F"  #: liquidated: grey
LIQ_FILL = PatternFill("solid", fgColor=LIQ)
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
LEV_CAP = '0.00"x"'  # a leverage cap: the formula rounds it down to 0.01x first (a number format would round up)
GRID_AMOUNT = '#,##0.00##;-#,##0.00##'  # inside heat maps: the fill shows the sign, red text on red would not read
GRID_PCT = '0.0%;-0.0%'
SIGMA = '0.00'
SIZE = '#,##0.00##'
INT = '0'
OPTION = '#,##0.00##'
LIQ_FMT = '"liquidated";"liquidated";"-"'

HEAT = (("loss 75-100%", "F8696B", "<=-0.75"), ("loss 50-75%", "FA9C9D", "<=-0.5"),
        ("loss 25-50%", "FCC6C7", "<=-0.25"), ("loss < 25%", "FDE7E7", "<0"), ("0", "FFFFFF", "=0"),
        ("gain < 50%", "E3F1DA", "<0.5"), ("gain 50-100%", "B7DCA0", "<1"), ("gain ≥ 100%", "63BE7B", ">=1"))
"""The heat maps' one fixed scale, on PnL as a fraction of the initial margin (ROE): (label, fill, test). The same
loss is the same red at every leverage (a min-max colour scale over the grid made deep losses at high leverage look
paler, their margin being smaller). Discrete rules, not a colour scale: LibreOffice paints a colour scale over a
higher-priority rule's fill, so the grey "liquidated" rule would lose to it; formula rules are first-match in both."""
LIQ_TEXT = "FFFFFF"
STATUS = (("LIQUIDATED", "7F7F7F", "FFFFFF"), ("RED", "F8696B", "000000"), ("AMBER", "FFEB84", "000000"),
          ("GREEN", "C6E0B4", "000000"))
"""Position status: (word, fill, text colour). LIQUIDATED = the mark is already past the liquidation price."""
PRINT_MARGINS = PageMargins(left=0.3, right=0.3, top=0.55, bottom=0.55, header=0.25, footer=0.25)

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


def heat_rules(ws, rng: str, ratio: str, liquidated: str | None = None) -> None:
    """Colour ``rng`` on the fixed :data:`HEAT` scale of ``ratio``, a formula for the range's top-left cell giving
    PnL / initial margin (relative references move with each cell); grey with white text first where
    ``liquidated`` (a formula for the top-left cell) is true."""
    if liquidated:
        ws.conditional_formatting.add(rng, FormulaRule(formula=[liquidated], stopIfTrue=True, fill=dxf_fill(LIQ),
                                                       font=Font(name=FONT, color=LIQ_TEXT)))
    for _, color, test in HEAT:
        ws.conditional_formatting.add(rng, FormulaRule(
            formula=[f"AND(ISNUMBER({ratio}),{ratio}{test})"], stopIfTrue=True,
            fill=dxf_fill(color)))


def dxf_fill(color: str) -> PatternFill:
    """A conditional format's solid fill: both colours set (Excel reads a differential fill's bgColor, LibreOffice
    its fgColor)."""
    return PatternFill("solid", fgColor=color, bgColor=color)


def heat_legend(ws, row: int, col: int, liquidated: bool = True) -> int:
    """The heat maps' legend from (row, col) rightwards: the same fills as :func:`heat_rules` (static, so what the
    legend shows is what the rules paint). Returns the next free column."""
    items = ([("liquidated", LIQ, LIQ_TEXT)] if liquidated else []) + \
        [(label, color, "000000") for label, color, _ in HEAT]
    for k, (label, color, text) in enumerate(items):
        c = ws.cell(row, col + k, label)
        c.fill = PatternFill("solid", fgColor=color)
        c.font = Font(name=FONT, size=10, color=text)
        c.border = BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return col + len(items)


def status_rules(ws, rng: str, first: str) -> None:
    """Fill the status words of :data:`STATUS` in ``rng`` (``first`` = its top-left cell)."""
    for word, fill, text in STATUS:
        ws.conditional_formatting.add(rng, FormulaRule(formula=[f'{first}="{word}"'], stopIfTrue=True,
                                                       fill=dxf_fill(fill),
                                                       font=Font(name=FONT, bold=True, color=text)))


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
    ws.page_margins = PageMargins(left=PRINT_MARGINS.left, right=PRINT_MARGINS.right, top=PRINT_MARGINS.top,
                                  bottom=PRINT_MARGINS.bottom, header=PRINT_MARGINS.header,
                                  footer=PRINT_MARGINS.footer)
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
