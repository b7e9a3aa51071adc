"""The Start sheet: what the workbook is, the two steps that make its formulas live, the sheets, units."""

from __future__ import annotations

import math

from openpyxl.styles import Alignment, Font

from levxl.workbooks.template.functions import conventions
from levxl.workbooks.template.styles import F_NOTE, F_SECTION, FONT, SECTION_FILL, print_setup, widths

__all__ = ["start_sheet"]

_LINES = (
    ("What this is", None),
    ("A crypto-derivatives leverage-risk workbook: liquidation and bankruptcy prices, PnL/ROE, sizing, funding, "
     "scenario grids and tier tables for linear and inverse futures and perpetuals, computed by the levxl engine "
     "through =LEVXL_... Excel functions (served by xlwings from the Python module levxl.udfs).", "wrap"),
    ("Every formula cell already holds the value levxl computed when this file was built, so the numbers show "
     "before anything is installed. Editing an input only recalculates once the functions are live:", "wrap"),
    ("Two steps to make the formulas live", None),
    ("1. Install levxl and xlwings. Windows Excel: see install/windows/README.md (runs install\\windows\\"
     "install.ps1: installs levxl into Python and the xlwings add-in). Excel on Mac / the web: see "
     "install/lite/README.md (xlwings Lite: paste requirements.txt and main.py into the add-in).", "wrap"),
    ("2. In Excel: xlwings tab -> Import Functions. This workbook carries its own xlwings VBA module and an "
     "xlwings.conf sheet (UDF Modules = levxl.udfs), so Import Functions works even without the add-in. "
     "Enable macros when Excel asks.", "wrap"),
    ("Sheets", None),
    ("Calculator - the exchange-calculator tabs for one position: PnL/ROE, target price, liquidation price "
     "(isolated and cross), bankruptcy price, max position size, average entry over fills, funding cost, "
     "position size from a risk budget and a stop, max leverage for a stop.", "wrap"),
    ("Positions - a book of positions (seeded from workbook/examples/positions.csv) with liquidation and "
     "bankruptcy prices, distance to liquidation (% and sigma-days) and a status (LIQUIDATED, RED, AMBER, GREEN), "
     "PnL at moves of the mark both ways (-30% to +30%), funding per day, probability of liquidation in 1 and 7 "
     "days, totals and a cross-margin account block.", "wrap"),
    ("Scenarios - move x leverage grids of PnL and ROE for a chosen position (one colour scale of the loss as a "
     "fraction of the margin; liquidated cells grey), move x funding-intervals grid, option price over price move "
     "x days to expiry.", "wrap"),
    ("Tiers - the shipped exchange tier tables (maintenance margin brackets) with their as-of dates.", "wrap"),
    ("Functions - the reference of every LEVXL_ function, generated from the levxl catalogue.", "wrap"),
    ("Units and conventions", None),
    ("Yellow cells with blue text are inputs; white cells are formulas. Prices in the quote currency (USD/"
     "USDT); amounts (PnL, margin, funding) in the position's margin currency: USD(T) for linear contracts, the "
     "coin for inverse ones. Totals on Positions convert to USD at the mark.", "wrap"),
    (None, "wrap"),  # the catalogue's conventions (see conventions())
    ("A bad input is a real error in its own cell (#VALUE!, so a SUM over the column shows it) while the other "
     "cells still compute; =LEVXL_WHY(\"LIQ_PRICE\", <the same arguments>) gives the reason as text. "
     "'no liquidation' means no price liquidates the position.", "wrap"),
    ("One convention for distance and moves: a distance to liquidation is the adverse move of the MARK that reaches "
     "the liquidation price, a fraction of the mark (< 0 = the mark is already past it: LIQUIDATED); scenario moves "
     "are fractions of the mark.", "wrap"),
    ("Legend: yellow cell, blue text = input (edit it); white cell = formula. Rebuild this file with: levxl "
     "template -o workbook/levxl_template.xlsm", "note"),
)


def start_sheet(ws) -> None:
    """Fill the quickstart's first sheet as Start.

    Parameters
    ----------
    ws : openpyxl Worksheet
        The quickstart workbook's ``Sheet1`` (renamed here).
    """
    ws.title = "Start"
    ws.sheet_view.showGridLines = False
    widths(ws, {"A": 4, "B": 120})
    ws["B1"] = "levxl: leverage-risk desk sheet"
    ws["B1"].font = Font(name=FONT, bold=True, size=18, color="1F3864")
    row = 3
    for text, kind in _LINES:
        text = conventions() if text is None else text
        c = ws.cell(row, 2, text)
        if kind is None:
            c.font = F_SECTION
            c.fill = SECTION_FILL
            row += 1
            continue
        c.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "note":
            c.font = F_NOTE
        # 12 pt text in 120 units: ~139 characters a line in LibreOffice's DejaVu Sans, more in Calibri
        ws.row_dimensions[row].height = 15.0 * max(1, math.ceil(len(text) / 128))
        row += 1
    r = row - 1  # the whole sheet on one printed page
    ws.freeze_panes = "A2"
    print_setup(ws, "1:1", f"A1:B{r}")
