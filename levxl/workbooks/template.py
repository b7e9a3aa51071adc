"""The levxl template workbook: ``workbook/levxl_template.xlsm``, a leverage-risk desk sheet that works the moment
it opens.

:func:`build_template` starts from xlwings' standalone quickstart workbook (its VBA module lets xlwings' "Import
Functions" run without the add-in; the VBA project is carried over byte for byte by openpyxl's ``keep_vba``), adds
the sheets below, renames ``_xlwings.conf`` to ``xlwings.conf`` with ``UDF Modules = levxl.udfs``, writes every
formula's cached value with levxl's own recalc (:func:`levxl.recalc.recalc_workbook`) so numbers show before the
functions are imported, and removes openpyxl's ``fullCalcOnLoad`` flag (Excel would otherwise recalculate on open and
show ``#NAME?`` until Import Functions has run; for the same reason ``calcId`` is set to current Excel's).
Tables returned by one call (scenario grids, tiers, account liquidation prices) are one ``INDEX(call, i, j)`` per cell
by default, because LibreOffice 7.4 ignores cached values of array formulas (see :data:`SPILLS`).

Sheets: Start, Calculator, Positions, Scenarios, Tiers, Functions, xlwings.conf.

:func:`check_template` compares a committed template with a fresh build (sheet cells: formulas, types and values;
every other part byte for byte, the VBA project included; ``docProps/core.xml`` timestamps ignored).
CLI: ``levxl template [-o PATH] [--check]`` (:mod:`levxl.cli.template`).
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
import re
import tempfile
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from levxl.files.bundled import example_positions, template_path
from levxl.files.safety import bounded_zip, parse_xml, verify_package
from openpyxl.formatting.rule import ColorScaleRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

__all__ = ["build_template", "check_template", "DEFAULT_PATH", "quickstart_source", "SHEETS"]

DEFAULT_PATH = template_path()  #: the template as shipped (workbook/levxl_template.xlsm in a checkout)
EXAMPLE_POSITIONS = example_positions()
SHEETS = ("Start", "Calculator", "Positions", "Scenarios", "Tiers", "Functions", "xlwings.conf")
FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # zip member and docProps timestamps, so two builds give the same bytes
CALC_ID = 191029  # calcPr calcId of current Excel 365 (see _build_openpyxl)

# -- styles -----------------------------------------------------------------------------------------------------------
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


def quickstart_source() -> Path:
    """xlwings' standalone quickstart workbook (what ``xlwings quickstart NAME --standalone`` copies)."""
    import xlwings

    path = Path(xlwings.__file__).resolve().parent / "quickstart_standalone.xlsm"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: is xlwings installed?")
    return path


# -- small helpers ----------------------------------------------------------------------------------------------------
def _grid_axes(ws, header_row, corner, columns, moves):
    """A grid's axes as input cells: the corner label at column B, ``columns`` to its right (whole numbers),
    ``moves`` down column B (percent)."""
    c = ws.cell(header_row, 2, corner)
    c.font = F_HEAD
    c.fill = HEAD_FILL
    for j, value in enumerate(columns):
        _input(ws.cell(header_row, 3 + j), value, '0')
    for i, move in enumerate(moves):
        _input(ws.cell(header_row + 1 + i, 2), move, PCT1)


def _input(cell, value, fmt=None):
    cell.value = value
    cell.font = F_INPUT
    cell.fill = INPUT_FILL
    cell.border = BOX
    if fmt:
        cell.number_format = fmt
    return cell


def _out(cell, formula, fmt=None, bold=False):
    cell.value = formula
    cell.border = BOX
    if fmt:
        cell.number_format = fmt
    if bold:
        cell.font = F_BOLD
    return cell


def _head(ws, row, col, labels, wrap=True):
    for k, label in enumerate(labels):
        c = ws.cell(row, col + k, label)
        c.font = F_HEAD
        c.fill = HEAD_FILL
        c.border = BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=wrap)


def _section(ws, row, text, width=3, col=1):
    for k in range(width):
        ws.cell(row, col + k).fill = SECTION_FILL
    c = ws.cell(row, col, text)
    c.font = F_SECTION


def _note(ws, ref, text):
    c = ws[ref]
    c.value = text
    c.font = F_NOTE
    return c


def _widths(ws, widths: dict):
    for col, width in widths.items():
        ws.column_dimensions[col].width = width


def _print_setup(ws, title_rows: str | None = None, area: str | None = None):
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


SPILLS = "index"
"""How a call that returns a table is written: "index" (default) = one ``=INDEX(LEVXL_...(...), i, j)`` per cell;
"array" = one array formula over the range (``<f t="array" ref=...>``). LibreOffice 7.4 recalculates array formulas
on load whatever the file says, so they show ``#NAME?`` there until levxl is installed; plain formulas keep the cached
values written by levxl's recalc in LibreOffice and in Excel alike."""
_MODE = {"spills": SPILLS}


def _spill(ws, rng: str, formula: str, prefix: str = "") -> None:
    """Write ``formula`` (a call returning a table) over ``rng`` in the current spill mode; ``prefix`` (e.g. "--",
    booleans as 1/0: LibreOffice 7.4 does not keep cached boolean formula results) goes in front of the call."""
    if _MODE["spills"] == "array":
        ws[rng.split(":")[0]] = ArrayFormula(rng, f"={prefix}{formula[1:]}")
        return
    for i, row in enumerate(ws[rng], start=1):
        for j, cell in enumerate(row, start=1):
            cell.value = f"={prefix}INDEX({formula[1:]},{i},{j})"


def _conventions() -> str:
    from levxl.catalogue import __doc__ as doc

    text = doc.split("Conventions for every function:", 1)[1]
    return "Conventions for every function: " + " ".join(text.split()).replace("``", "")


def _positions(path: Path = EXAMPLE_POSITIONS) -> list[dict]:
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            row = {}
            for key, value in rec.items():
                value = (value or "").strip()
                if key in ("venue", "symbol", "side", "contract"):
                    row[key] = value
                elif key == "mmr":
                    try:
                        row[key] = float(value)
                    except ValueError:
                        row[key] = value
                else:
                    row[key] = float(value) if value else None
            rows.append(row)
    return rows


# -- sheets -----------------------------------------------------------------------------------------------------------
def _start(ws):
    ws.title = "Start"
    ws.sheet_view.showGridLines = False
    _widths(ws, {"A": 4, "B": 120})
    ws["B1"] = "levxl: leverage-risk desk sheet"
    ws["B1"].font = Font(name=FONT, bold=True, size=18, color="1F3864")
    lines = [
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
         "bankruptcy prices, distance to liquidation (% and sigma-days), loss at -10/-20/-30% from the mark, "
         "funding per day, probability of liquidation in 1 and 7 days, totals and a cross-margin account block.",
         "wrap"),
        ("Scenarios - move x leverage grids of PnL and ROE for a chosen position (heatmap; liquidated cells "
         "greyed), move x funding-intervals grid, option price over price move x days to expiry.", "wrap"),
        ("Tiers - the shipped exchange tier tables (maintenance margin brackets) with their as-of dates.", "wrap"),
        ("Functions - the reference of every LEVXL_ function, generated from the levxl catalogue.", "wrap"),
        ("Units and conventions", None),
        ("Yellow cells with blue text are inputs; white cells are formulas. Prices in the quote currency (USD/"
         "USDT); amounts (PnL, margin, funding) in the position's margin currency: USD(T) for linear contracts, the "
         "coin for inverse ones. Totals on Positions convert to USD at the mark.", "wrap"),
        (_conventions(), "wrap"),
        ("A bad input shows a short message in its own cell (e.g. '#VALUE! leverage must be > 0') while the other "
         "cells still compute. 'no liquidation' means no price liquidates the position.", "wrap"),
        ("Rebuild this file with: levxl template -o workbook/levxl_template.xlsm", "note"),
    ]
    row = 3
    for k, (text, kind) in enumerate(lines):
        c = ws.cell(row, 2, text)
        if kind is None:
            if k:
                row += 1
                c.value = None
                c = ws.cell(row, 2, text)
            c.font = F_SECTION
            c.fill = SECTION_FILL
            row += 1
            continue
        c.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "note":
            c.font = F_NOTE
        ws.row_dimensions[row].height = 15.0 * max(1, math.ceil(len(text) / 115))
        row += 1
    r = row + 1
    ws.cell(r, 2, "Legend: yellow cell, blue text = input (edit it); white cell = formula").font = F_NOTE
    _print_setup(ws, area=f"A1:B{r}")


CALC_ROWS = {}


def _calculator(ws):
    ws.sheet_view.showGridLines = False
    _widths(ws, {"A": 46, "B": 18, "C": 16, "D": 58})
    ws["A1"] = "Calculator: the exchange-calculator tabs for one position"
    ws["A1"].font = F_TITLE
    _note(ws, "A2", "Edit the yellow inputs; every result below updates once the functions are imported "
                    "(xlwings -> Import Functions).")
    ws["A3"] = "Legend:"
    ws["A3"].font = F_BOLD
    _input(ws["B3"], "input")
    _out(ws["C3"], "formula")
    _note(ws, "D3", "formula cells call the LEVXL_ functions")
    r = CALC_ROWS
    r.clear()
    pos = [5]

    def nxt():
        pos[0] += 1
        return pos[0]

    def section(text):
        pos[0] += 1
        _section(ws, nxt(), text, width=4)

    def inp(key, label, value, fmt=None, note=None):
        row = nxt()
        ws.cell(row, 1, label).font = F_LABEL
        _input(ws.cell(row, 2), value, fmt)
        if note:
            _note(ws, f"D{row}", note)
        r[key] = f"$B${row}"

    def out(key, label, formula, fmt, note=None):
        row = nxt()
        ws.cell(row, 1, label).font = F_BOLD
        _out(ws.cell(row, 2), formula, fmt, bold=True)
        if note:
            _note(ws, f"D{row}", note)
        r[key] = f"$B${row}"

    pos[0] = 4
    section("Position")
    inp("side", "side", "long", None, "long or short (drop-down)")
    inp("contract", "contract", "linear", None,
        "linear (size in coin, margin USD(T)) or inverse (size in USD, margin coin)")
    inp("entry", "entry price", 60000, PRICE)
    inp("exit", "exit / mark price", 63000, PRICE)
    inp("size", "size", 0.5, SIZE, "base coin (linear) or USD face value (inverse)")
    inp("leverage", "leverage", 10, LEV, "a multiple")
    inp("margin", "isolated margin (blank = entry value / leverage)", None, AMOUNT,
        "margin currency; leave blank to use the leverage")
    inp("mmr", "maintenance margin rate or tier preset", "binance:BTCUSDT", None,
        "a rate (0.005) or a preset from the Tiers sheet")
    inp("fee", "close / liquidation fee rate", 0.0005, RATE, "0.0005 = 0.05%")
    for key, choices in (("side", "long,short"), ("contract", "linear,inverse")):
        dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=False, showErrorMessage=True,
                            errorTitle=key, error=choices.replace(",", " or "))
        dv.add(r[key].replace("$", ""))
        ws.add_data_validation(dv)
    S, C, E, X, Z, L, M, MMR, FEE = (r[k] for k in ("side", "contract", "entry", "exit", "size", "leverage",
                                                      "margin", "mmr", "fee"))

    section("PnL and ROE")
    out("pnl", "PnL at the exit price", f"=LEVXL_PNL({S},{E},{X},{Z},{C})", AMOUNT, "margin currency")
    out("roe", "ROE", f"=LEVXL_ROE({S},{E},{X},{L},{C})", PCT, "fraction of the initial margin")
    out("im", "initial margin", f"=LEVXL_MARGIN({Z},{E},{L},{C})", AMOUNT, "margin currency")

    section("Target price")
    inp("target_roe", "target ROE", 0.5, PCT, "0.5 = +50% of the margin")
    out("target", "target price", f"=LEVXL_TARGET_PRICE({S},{E},{L},{r['target_roe']},{C})", PRICE)

    section("Liquidation price (isolated margin)")
    out("liq", "liquidation price", f"=LEVXL_LIQ_PRICE({S},{E},{Z},{L},{MMR},{M},{C},{FEE})", PRICE,
        "maintenance margin from the rate or the position's tier")
    out("bankrupt", "bankruptcy price", f"=LEVXL_BANKRUPTCY_PRICE({S},{E},{Z},{L},{M},{C},{FEE})", PRICE,
        "where the margin is gone")
    out("liq_dist", "liquidation distance from entry",
        f'=IF({r["liq"]}="no liquidation","none",LEVXL_LIQ_DISTANCE({S},{E},{r["liq"]}))', PCT,
        "adverse move from the entry to liquidation")

    section("Liquidation price (cross margin)")
    inp("wallet", "wallet balance", 10000, AMOUNT, "margin currency")
    inp("other_mm", "maintenance margin of the other positions", 0, AMOUNT)
    inp("other_upnl", "unrealised PnL of the other positions", 0, AMOUNT)
    out("liq_cross", "cross liquidation price",
        f"=LEVXL_LIQ_PRICE_CROSS({S},{E},{Z},{r['wallet']},{MMR},{r['other_mm']},{r['other_upnl']},{C},{FEE})",
        PRICE)

    section("Max position size for a leverage")
    inp("available", "available margin", 1000, AMOUNT, "margin currency")
    out("max_size", "max size", f"=LEVXL_MAX_SIZE({S},{r['available']},{E},{L},{MMR},{FEE},{C})", SIZE,
        "coin (linear) or USD (inverse); capped by the tier's max leverage")

    ws.row_breaks.append(Break(id=pos[0]))
    section("Average entry over fills")
    hdr = nxt()
    _head(ws, hdr, 1, ["fill", "price", "size"])
    _note(ws, f"D{hdr}", "blank rows are ignored")
    fills = [(60000, 0.2), (59000, 0.2), (58000, 0.1), (None, None), (None, None)]
    for k, (price, size) in enumerate(fills):
        row = nxt()
        ws.cell(row, 1, f"fill {k + 1}").font = F_LABEL
        _input(ws.cell(row, 2), price, PRICE)
        _input(ws.cell(row, 3), size, SIZE)
    a, b = hdr + 1, hdr + len(fills)
    r["fills"] = (a, b)
    out("avg_entry", "average entry price", f"=LEVXL_AVG_ENTRY($B${a}:$B${b},$C${a}:$C${b},{C})", PRICE,
        "size-weighted (linear) or harmonic (inverse)")
    out("fills_size", "total size", f"=SUM($C${a}:$C${b})", SIZE)

    section("Funding cost")
    inp("funding_rate", "funding rate per interval", 0.0001, RATE, "longs pay when > 0")
    inp("periods", "funding intervals held", 21, INT, "21 = 7 days of 8-hour funding")
    out("notional", "position value at entry", f'=IF({C}="inverse",{Z}/{E},{Z}*{E})', AMOUNT, "margin currency")
    out("funding_cost", "funding cost",
        f"=LEVXL_FUNDING_COST({S},{r['notional']},{r['funding_rate']},{r['periods']})", AMOUNT,
        "paid (negative = received)")

    section("Position size from a risk budget and a stop")
    inp("equity", "account equity", 10000, AMOUNT)
    inp("risk", "risk per trade", 0.01, PCT, "fraction of equity lost at the stop")
    inp("stop", "stop price", 57000, PRICE)
    out("pos_size", "position size", f"=LEVXL_POSITION_SIZE({r['equity']},{r['risk']},{E},{r['stop']},{FEE},{C})",
        SIZE, "coin (linear) or USD (inverse); fee paid to open and close")

    section("Max leverage for a stop")
    inp("buffer", "buffer beyond the stop", 0.002, PCT, "fraction of the stop price")
    out("max_lev", "max leverage", f"=LEVXL_MAX_LEVERAGE({S},{E},{r['stop']},{MMR},{r['buffer']},{C},{FEE},{Z})",
        LEV, "liquidation stays beyond the stop (round down)")
    ws.freeze_panes = "A4"
    _print_setup(ws, "1:3", f"A1:D{pos[0]}")


POS_FIRST = 5
# LEVXL_ACCOUNT_LIQ_PRICES with a column of per-position mmr values does not work in the catalogue yet (the column
# is not flattened like the other vectors: the result comes back as an N x N table); until it does, the cross-margin
# block passes one account-wide rate or preset.
ACCOUNT_MMR = 0.005
POS_COLS = ["#", "venue", "symbol", "side", "contract", "size", "entry", "mark", "leverage", "margin", "mmr / tier",
            "funding rate / 8h", "vol (ann.)",
            "value at entry", "isolated margin", "effective leverage", "USD per margin unit", "uPnL",
            "liquidation price", "bankruptcy price", "distance to liq.", "σ-days to liq.",
            "PnL at move", "PnL at move", "PnL at move", "funding / day (− = paid)", "P(liq) 1 day", "P(liq) 7 days"]


def _positions_sheet(ws, positions):
    ws.sheet_view.showGridLines = False
    n = len(positions)
    first, last = POS_FIRST, POS_FIRST + n - 1
    ws["A1"] = "Positions: the book's liquidation risk"
    ws["A1"].font = F_TITLE
    _note(ws, "A2", "Columns B-M are inputs (seeded from workbook/examples/positions.csv; give leverage or margin). "
                    "Amounts are in each position's margin currency; totals in USD at the mark.")
    _note(ws, "A3", "Row 3 (yellow, right) holds the inputs of the column below it: move from the mark, funding "
                    "intervals per day, horizon in days.")
    _head(ws, 4, 1, POS_COLS)
    ws.row_dimensions[4].height = 32
    ws.cell(3, 22, "inputs →").alignment = Alignment(horizontal="right")
    for col, value, fmt in ((23, -0.1, PCT1), (24, -0.2, PCT1), (25, -0.3, PCT1), (26, 3, '0" / day"'),
                            (27, 1, '0" day"'), (28, 7, '0" days"')):
        _input(ws.cell(3, col), value, fmt)
    keys = ["venue", "symbol", "side", "contract", "size", "entry", "mark", "leverage", "margin", "mmr",
            "funding_rate", "vol"]
    fmts = [None, None, None, None, SIZE, PRICE, PRICE, LEV, AMOUNT, None, RATE, PCT1]
    for i, p in enumerate(positions):
        row = first + i
        ws.cell(row, 1, i + 1).border = BOX
        for k, (key, fmt) in enumerate(zip(keys, fmts)):
            _input(ws.cell(row, 2 + k), p[key], fmt)
        R = str(row)
        D, E, F, G, H, I, J, K, L_, M = (c + R for c in "DEFGHIJKLM")
        formulas = [
            (f'=IF({E}="inverse",{F}/{G},{F}*{G})', AMOUNT),                       # N value at entry
            (f"=IF(ISBLANK({J}),N{R}/{I},{J})", AMOUNT),                          # O isolated margin
            (f"=N{R}/O{R}", LEV),                                                 # P effective leverage
            (f'=IF({E}="inverse",{H},1)', PRICE),                                 # Q USD per margin unit
            (f"=LEVXL_PNL({D},{G},{H},{F},{E})", AMOUNT),                          # R uPnL
            (f"=LEVXL_LIQ_PRICE({D},{G},{F},P{R},{K},O{R},{E})", PRICE),            # S liq
            (f"=LEVXL_BANKRUPTCY_PRICE({D},{G},{F},P{R},O{R},{E})", PRICE),         # T bankruptcy
            (f'=IF(S{R}="no liquidation","none",LEVXL_LIQ_DISTANCE({D},{H},S{R}))', PCT),           # U
            (f'=IF(S{R}="no liquidation","none",LEVXL_LIQ_DISTANCE_SIGMA({D},{H},S{R},{M}))', SIGMA),  # V
        ]
        for col in ("W", "X", "Y"):
            formulas.append((f"=LEVXL_LOSS_AT_MOVE({D},{G},{F},P{R},{H}*(1+{col}$3)/{G}-1,{K},O{R},{E})", AMOUNT))
        formulas += [
            (f'=-LEVXL_FUNDING_COST({D},IF({E}="inverse",{F}/{H},{F}*{H}),{L_},$Z$3)', AMOUNT),  # Z per day
            (f'=IF(S{R}="no liquidation",0,LEVXL_LIQ_PROBABILITY({D},{H},S{R},{M},$AA$3))', PROB),
            (f'=IF(S{R}="no liquidation",0,LEVXL_LIQ_PROBABILITY({D},{H},S{R},{M},$AB$3))', PROB),
        ]
        for k, (formula, fmt) in enumerate(formulas):
            _out(ws.cell(row, 14 + k), formula, fmt).alignment = Alignment(horizontal="right")
    tot = last + 2
    ws.cell(tot, 2, "Total, USD at mark").font = F_BOLD
    for col in ("R", "W", "X", "Y", "Z"):
        c = _out(ws[f"{col}{tot}"], f"=SUMPRODUCT({col}{first}:{col}{last},$Q${first}:$Q${last})", USD, bold=True)
        c.fill = TOTAL_FILL
    ws.cell(tot + 1, 2, "# within 10% of liq.").font = F_BOLD
    # COUNTIF is not in the recalc's fast path: count with SUMPRODUCT over a comparison
    _out(ws[f"U{tot + 1}"], f"=SUMPRODUCT((U{first}:U{last}<0.1)*1)", INT, bold=True)
    ws.cell(tot + 2, 2, "Max P(liq) 7 days").font = F_BOLD
    _out(ws[f"AB{tot + 2}"], f"=MAX(AB{first}:AB{last})", PROB, bold=True)
    for ref in (f"B{tot}", f"B{tot + 1}", f"B{tot + 2}"):
        ws[ref].fill = TOTAL_FILL
    # heat on the probability and distance columns
    ws.conditional_formatting.add(f"AA{first}:AB{last}", ColorScaleRule(
        start_type="num", start_value=0, start_color="FFFFFF", end_type="num", end_value=0.5, end_color="F8696B"))
    ws.conditional_formatting.add(f"U{first}:U{last}", ColorScaleRule(
        start_type="num", start_value=0, start_color="F8696B", mid_type="num", mid_value=0.15, mid_color="FFEB84",
        end_type="num", end_value=0.5, end_color="63BE7B"))
    dv = DataValidation(type="list", formula1='"long,short"', allow_blank=True)
    dv.add(f"D{first}:D{last + 20}")
    dv2 = DataValidation(type="list", formula1='"linear,inverse"', allow_blank=True)
    dv2.add(f"E{first}:E{last + 20}")
    ws.add_data_validation(dv)
    ws.add_data_validation(dv2)

    # cross-margin block: the USDT-margined binance positions as one account
    cross = [i for i, p in enumerate(positions) if p["venue"] == "binance" and p["contract"] == "linear"]
    top = tot + 5
    _section(ws, top, "Cross margin: one USDT-margined account (LEVXL_ACCOUNT_LIQ_PRICES)", width=10)
    _note(ws, f"A{top + 1}", "Pick positions of one account by their # (column A of the table above); they share the "
                             "wallet below. Each cross liquidation price assumes the others stay at their marks.")
    ws.cell(top + 2, 3, "wallet (USDT)").font = F_BOLD
    _input(ws.cell(top + 2, 4), 60000, USD)
    ws.cell(top + 2, 5, "account mmr").font = F_BOLD
    _input(ws.cell(top + 2, 6), ACCOUNT_MMR)
    _note(ws, f"G{top + 2}", "a rate or a tier preset, for every position of the account")
    mmr_arg = f"$F${top + 2}"  # per-position column: see ACCOUNT_MMR
    hdr = top + 3
    _head(ws, hdr, 1, ["#", "symbol", "side", "size", "entry", "mark", "uPnL", "cross liq. price",
                       "isolated liq. price", "distance (cross)"])
    ws.row_dimensions[hdr].height = 32
    rows = range(hdr + 1, hdr + 1 + len(cross))
    a, b = hdr + 1, hdr + len(cross)
    for row, i in zip(rows, cross):
        _input(ws.cell(row, 1), i + 1, INT)
        for col, src, fmt in ((2, "C", None), (3, "D", None), (4, "F", SIZE), (5, "G", PRICE), (6, "H", PRICE),
                              (7, "R", AMOUNT)):
            _out(ws.cell(row, col), f"=INDEX(${src}${first}:${src}${last},$A{row})", fmt)
        _out(ws.cell(row, 9), f"=INDEX($S${first}:$S${last},$A{row})", PRICE)
        _out(ws.cell(row, 10), f'=IF(H{row}="no liquidation","none",LEVXL_LIQ_DISTANCE(C{row},F{row},H{row}))',
             PCT).alignment = Alignment(horizontal="right")
    _spill(ws, f"H{a}:H{b}", f'=LEVXL_ACCOUNT_LIQ_PRICES(C{a}:C{b},E{a}:E{b},D{a}:D{b},F{a}:F{b},'
                                             f'$D${top + 2},{mmr_arg.format(a=a, b=b)},"linear")')
    for row in rows:
        ws[f"H{row}"].number_format = PRICE
        ws[f"H{row}"].border = BOX
        ws[f"H{row}"].font = F_BOLD
    widths = [4, 11, 15, 11, 12, 14, 12, 14, 14, 12, 16, 11, 9, 13, 13, 10, 11, 13, 14, 14, 10, 9, 13, 13, 13, 14,
              10, 10]
    for k, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(k + 1)].width = w
    ws.freeze_panes = "D5"
    _print_setup(ws, "1:4", f"A1:AB{b}")
    # two pages across (inputs | results), the position columns repeated on both
    ws.page_setup.fitToWidth = 2
    ws.print_title_cols = "A:C"
    ws.col_breaks.append(Break(id=13))
    return {"first": first, "last": last, "total": tot, "cross": (a, b, cross, top + 2)}


SCEN = {}


def _scenarios(ws, n_positions):
    ws.sheet_view.showGridLines = False
    ws["A1"] = "Scenarios: price move x leverage, funding and option grids"
    ws["A1"].font = F_TITLE
    _note(ws, "A2", "Moves are fractions of the entry price (-0.1 = -10%). Grey cells: liquidated (isolated loss "
                    "stops at the margin). Heatmaps: red = loss, green = gain.")
    P = "Positions"
    first, last = POS_FIRST, POS_FIRST + n_positions - 1
    ws["A4"] = "position #"
    ws["A4"].font = F_BOLD
    _input(ws["B4"], 1, INT)
    dv = DataValidation(type="whole", operator="between", formula1="1", formula2=str(n_positions))
    dv.add("B4")
    ws.add_data_validation(dv)
    labels = [("symbol", "C", None), ("side", "D", None), ("contract", "E", None), ("size", "F", SIZE),
              ("entry", "G", PRICE), ("mark", "H", PRICE), ("mmr / tier", "K", None),
              ("leverage", "P", LEV), ("funding / 8h", "L", RATE)]
    ref = {}
    for k, (label, src, fmt) in enumerate(labels):
        col = 3 + k
        c = ws.cell(3, col, label)
        c.font = F_BOLD
        c.alignment = Alignment(horizontal="center")
        _out(ws.cell(4, col), f"=INDEX({P}!${src}${first}:${src}${last},$B$4)", fmt)
        ref[label] = f"${get_column_letter(col)}$4"
    S, C, E, Z, MMR = ref["side"], ref["contract"], ref["entry"], ref["size"], ref["mmr / tier"]

    moves = [-0.3, -0.2, -0.15, -0.1, -0.075, -0.05, -0.025, 0, 0.025, 0.05, 0.1, 0.2, 0.3]
    levs = [1, 2, 3, 5, 10, 20, 50, 100]
    nm, nl = len(moves), len(levs)

    def grid(top, left, title, output, fmt, inputs=True, move_src=None):
        """A scenario grid: title at (top, left); leverages in row top+1; moves in column left."""
        ws.cell(top, left, title).font = F_SECTION
        for k in range(nl + 1):
            ws.cell(top, left + k).fill = SECTION_FILL
        hr = top + 1
        c = ws.cell(hr, left, "move \\ lev.")
        c.font = F_HEAD
        c.fill = HEAD_FILL
        for j, lev in enumerate(levs):
            cell = ws.cell(hr, left + 1 + j)
            if inputs:
                _input(cell, lev, LEV)
            else:
                _out(cell, f"={get_column_letter(3 + j)}${SCEN['lev_row']}", LEV)
                cell.font = F_BOLD
        for i, mv in enumerate(moves):
            cell = ws.cell(hr + 1 + i, left)
            if inputs:
                _input(cell, mv, PCT1)
            else:
                _out(cell, f"=$B{SCEN['move_row'] + i}", PCT1)
                cell.font = F_BOLD
        a = f"{get_column_letter(left + 1)}{hr + 1}"
        b = f"{get_column_letter(left + nl)}{hr + nm}"
        mv_rng = f"${get_column_letter(left)}${hr + 1}:${get_column_letter(left)}${hr + nm}"
        lv_rng = f"${get_column_letter(left + 1)}${hr}:${get_column_letter(left + nl)}${hr}"
        _spill(ws, f"{a}:{b}", f'=LEVXL_SCENARIO_GRID({S},{E},{Z},{mv_rng},{lv_rng},{MMR},{C},"{output}")',
               prefix="--" if output == "liquidated" else "")
        for row in ws[f"{a}:{b}"]:
            for cell in row:
                cell.number_format = fmt
                cell.border = BOX
        return f"{a}:{b}", hr

    SCEN["lev_row"] = 7
    SCEN["move_row"] = 8
    pnl_rng, _ = grid(6, 2, "PnL by move (rows) and leverage (columns), margin currency", "pnl", AMOUNT)
    roe_top = 6 + nm + 3
    roe_rng, _ = grid(roe_top, 2, "ROE by move (rows) and leverage (columns), fraction of the initial margin", "roe",
                      PCT1, inputs=False)
    liq_top = roe_top + nm + 3
    liq_rng, _ = grid(liq_top, 2, "Liquidated? (1 = the move liquidates the position at that leverage; drives the "
                                  "grey cells)", "liquidated", LIQ_FMT, inputs=False)
    SCEN.update(pnl=pnl_rng, roe=roe_rng, liq=liq_rng)
    liq_first = liq_rng.split(":")[0]
    for rng in (pnl_rng, roe_rng):
        # a rule's formula is written for the range's top-left cell; the relative reference to the liquidated
        # grid's top-left moves with each cell, so every cell reads its own liquidated flag
        ws.conditional_formatting.add(rng, FormulaRule(formula=[f"{liq_first}=1"], fill=LIQ_FILL,
                                                       font=Font(name=FONT, color="FFFFFF", strike=True),
                                                       stopIfTrue=True))
        ws.conditional_formatting.add(rng, ColorScaleRule(start_type="min", start_color="F8696B", mid_type="num",
                                                          mid_value=0, mid_color="FFFFFF", end_type="max",
                                                          end_color="63BE7B"))
    ws.conditional_formatting.add(liq_rng, FormulaRule(formula=[f"{liq_first}=1"], fill=LIQ_FILL,
                                                       font=Font(name=FONT, color="FFFFFF")))

    # funding grid: move x funding intervals at the position's own leverage and funding rate
    ftop = liq_top + nm + 3
    ws.cell(ftop, 2, "PnL incl. funding by move (rows) and funding intervals held (columns), at the position's "
                     "leverage and funding rate").font = F_SECTION
    periods = [0, 3, 21, 90, 270, 1095]
    fmoves = [-0.2, -0.1, -0.05, 0, 0.05, 0.1, 0.2]
    for k in range(len(periods) + 1):
        ws.cell(ftop, 2 + k).fill = SECTION_FILL
    hr = ftop + 1
    _grid_axes(ws, hr, "move \\ intervals", periods, fmoves)
    a, b = f"C{hr + 1}", f"{get_column_letter(2 + len(periods))}{hr + len(fmoves)}"
    _spill(ws, f"{a}:{b}", f"=LEVXL_FUNDING_GRID({S},{E},{Z},{ref['leverage']},$B${hr + 1}:$B$"
                                     f"{hr + len(fmoves)},$C${hr}:${get_column_letter(2 + len(periods))}${hr},"
                                     f"{ref['funding / 8h']},{MMR},{C},\"pnl\")")
    for row in ws[f"{a}:{b}"]:
        for cell in row:
            cell.number_format = AMOUNT
            cell.border = BOX
    ws.conditional_formatting.add(f"{a}:{b}", ColorScaleRule(start_type="min", start_color="F8696B", mid_type="num",
                                                             mid_value=0, mid_color="FFFFFF", end_type="max",
                                                             end_color="63BE7B"))
    _note(ws, f"{get_column_letter(3 + len(periods))}{hr}", "3 intervals = 1 day of 8-hour funding; 1095 = 1 year")
    SCEN["funding"] = f"{a}:{b}"
    SCEN["funding_hr"] = hr

    # option grid: price move x days to expiry, one LEVXL_OPTION_PRICE per cell
    otop = hr + len(fmoves) + 3
    ws.cell(otop, 2, "Option value by underlying move (rows) and days to expiry (columns): LEVXL_OPTION_PRICE"
            ).font = F_SECTION
    for k in range(9):
        ws.cell(otop, 2 + k).fill = SECTION_FILL
    o_inputs = [("type", "call", None), ("underlying", 61850, PRICE), ("strike", 65000, PRICE),
                ("vol (ann.)", 0.55, PCT1), ("rate", 0, PCT), ("model", "black76", None), ("settle", "linear", None)]
    oref = {}
    for k, (label, value, fmt) in enumerate(o_inputs):
        col = 3 + k
        c = ws.cell(otop + 1, col, label)
        c.font = F_BOLD
        c.alignment = Alignment(horizontal="center")
        _input(ws.cell(otop + 2, col), value, fmt)
        oref[label] = f"${get_column_letter(col)}${otop + 2}"
    dvo = DataValidation(type="list", formula1='"call,put"')
    dvo.add(oref["type"].replace("$", ""))
    dvs = DataValidation(type="list", formula1='"linear,inverse"')
    dvs.add(oref["settle"].replace("$", ""))
    dvm = DataValidation(type="list", formula1='"black76,bs"')
    dvm.add(oref["model"].replace("$", ""))
    for d in (dvo, dvs, dvm):
        ws.add_data_validation(d)
    ohr = otop + 4
    days = [90, 60, 30, 14, 7, 1, 0]
    omoves = [-0.3, -0.2, -0.1, -0.05, 0, 0.05, 0.1, 0.2, 0.3]
    _grid_axes(ws, ohr, "move \\ days", days, omoves)
    for i in range(len(omoves)):
        row = ohr + 1 + i
        for j in range(len(days)):
            col = get_column_letter(3 + j)
            _out(ws.cell(row, 3 + j), f"=LEVXL_OPTION_PRICE({oref['type']},{oref['underlying']}*(1+$B{row}),"
                                      f"{oref['strike']},{col}${ohr},{oref['vol (ann.)']},{oref['rate']},"
                                      f"{oref['model']},{oref['settle']})", OPTION)
    oa, ob = f"C{ohr + 1}", f"{get_column_letter(2 + len(days))}{ohr + len(omoves)}"
    ws.conditional_formatting.add(f"{oa}:{ob}", ColorScaleRule(start_type="min", start_color="FFFFFF",
                                                               end_type="max", end_color="5A8AC6"))
    SCEN.update(option=f"{oa}:{ob}", option_hr=ohr, option_inputs=oref, option_top=otop)
    widths = {"A": 11, "B": 14}
    for k in range(3, 12):
        widths[get_column_letter(k)] = 14
    widths["I"] = 17
    _widths(ws, widths)
    ws.freeze_panes = "A5"
    _print_setup(ws, "1:4", f"A1:K{ohr + len(omoves)}")
    ws.row_breaks.append(Break(id=roe_top - 2))
    ws.row_breaks.append(Break(id=ftop - 2))


def _tiers(ws):
    import levxl as lx

    ws.sheet_view.showGridLines = False
    ws["A1"] = "Tiers: the shipped maintenance-margin tier tables"
    ws["A1"].font = F_TITLE
    _note(ws, "A2", "Each table is a live =LEVXL_TIERS(preset) spill. Use a preset name as any mmr argument "
                    "(\"binance:BTCUSDT\" = the latest table, \"binance:BTCUSDT@2021\" = that as-of date).")
    row = 4
    out = {}
    names = lx.presets()
    latest = {}
    for name in names:
        t = lx.preset(name)
        latest.setdefault(f"{t.venue}:{t.symbol}", []).append(name)
    for name in names:
        t = lx.preset(name)
        rows = t.rows()
        _section(ws, row, f"{name}  -  {t.venue} {t.symbol}, as of {t.as_of}", width=6)
        ws.cell(row + 1, 1, "preset").font = F_BOLD
        _input(ws.cell(row + 1, 2), name)
        ws.cell(row + 1, 3, "as of").font = F_BOLD
        ws.cell(row + 1, 4, str(t.as_of))
        hdr = row + 2
        _head(ws, hdr, 1, [None] * 6)  # styled only: the spill writes the header text
        a, b = f"A{hdr + 1}", f"F{hdr + len(rows)}"
        # LEVXL_TIERS spills a header row too: start the spill on the header row, keep our styled header
        _spill(ws, f"A{hdr}:F{hdr + len(rows)}", f"=LEVXL_TIERS($B${row + 1})")
        for r_ in range(hdr + 1, hdr + len(rows) + 1):
            for col, fmt in zip("ABCDEF", (INT, USD, USD, LEV, '0.00%', USD)):
                ws[f"{col}{r_}"].number_format = fmt
                ws[f"{col}{r_}"].border = BOX
        out[name] = (hdr, len(rows))
        row = hdr + len(rows) + 2
    _widths(ws, {"A": 16, "B": 27, "C": 20, "D": 14, "E": 10, "F": 18})
    ws.merge_cells("A2:F2")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 30
    _print_setup(ws, "1:2", f"A1:F{row}")
    return out


def _functions(ws):
    from levxl.catalogue import reference_docs

    ws.sheet_view.showGridLines = False
    ws["A1"] = "Functions: every =LEVXL_ function (generated from levxl.catalogue.reference_docs)"
    ws["A1"].font = F_TITLE
    ws["A2"] = _conventions()
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:E2")
    ws.row_dimensions[2].height = 60
    _head(ws, 3, 1, reference_docs.HEADER)
    widths = [46, 12, 48, 90, 48]
    for k, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(k + 1)].width = w
    for i, values in enumerate(reference_docs.rows()):
        row = 4 + i
        lines = 1
        for k, value in enumerate(values):
            c = ws.cell(row, k + 1, value)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            c.border = BOX
            if k == 0:
                c.font = F_BOLD
            # keep the example formula as text
            if isinstance(value, str) and value.startswith("="):
                c.value = value
                c.data_type = "s"
            lines = max(lines, math.ceil(len(str(value)) / (widths[k] * 1.1)))
        ws.row_dimensions[row].height = 15 * lines + 2
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:E{3 + len(reference_docs.rows())}"
    _print_setup(ws, "3:3")


def _conf(ws):
    ws.title = "xlwings.conf"
    ws["B6"] = "levxl.udfs"
    ws["B6"].font = F_INPUT
    ws["B6"].fill = INPUT_FILL
    ws.column_dimensions["B"].width = 14
    _print_setup(ws, area="A1:O17")


# -- build ------------------------------------------------------------------------------------------------------------
def _build_openpyxl(out: Path, positions_csv: Path = EXAMPLE_POSITIONS) -> None:
    wb = load_workbook(quickstart_source(), keep_vba=True)
    start = wb["Sheet1"]
    conf = wb["_xlwings.conf"]
    _start(start)
    calc = wb.create_sheet("Calculator")
    pos = wb.create_sheet("Positions")
    scen = wb.create_sheet("Scenarios")
    tiers = wb.create_sheet("Tiers")
    funcs = wb.create_sheet("Functions")
    positions = _positions(positions_csv)
    _calculator(calc)
    _positions_sheet(pos, positions)
    _scenarios(scen, len(positions))
    _tiers(tiers)
    _functions(funcs)
    _conf(conf)
    wb._sheets = [wb[name] for name in ("Start", "Calculator", "Positions", "Scenarios", "Tiers", "Functions",
                                        "xlwings.conf")]
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == "Start"
    # the calc engine id of current Excel 365: an older id (openpyxl writes Excel 2007's 124519) makes Excel
    # recalculate everything on open, which would replace the cached values by #NAME? before Import Functions
    wb.calculation.calcId = CALC_ID
    stamp = _dt.datetime(*FIXED_TIME)
    wb.properties.creator = "levxl"
    wb.properties.lastModifiedBy = "levxl"
    wb.properties.title = "levxl template"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.save(out)


_FULLCALC = re.compile(rb'\s+fullCalcOnLoad="(?:1|true)"')


def _finish_package(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest``: drop ``fullCalcOnLoad`` from xl/workbook.xml's calcPr; every other member's bytes
    are copied unchanged (same compression); member timestamps fixed so two builds give the same zip."""
    from levxl.files.atomic import atomic_output

    with atomic_output(dest, suffix=".xlsm") as tmp, zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = _FULLCALC.sub(b"", data)
            new = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            new.compress_type = info.compress_type
            new.external_attr = info.external_attr
            new.create_system = 0
            zout.writestr(new, data)


def _recalc(src: Path, dest: Path):
    """Cached values for every formula: levxl's own recalc."""
    from levxl.recalc import recalc_workbook

    summary = recalc_workbook(src, out=dest)
    if not summary.ok:
        raise RuntimeError(f"levxl recalc failed on the template: {summary.message}")
    return summary


def build_template(path=DEFAULT_PATH, positions_csv=EXAMPLE_POSITIONS, spills: str = SPILLS) -> Path:
    """Build the template workbook at ``path`` (an .xlsm) and return its path.

    ``positions_csv`` seeds the Positions sheet; ``spills`` is "index" or "array" (see :data:`SPILLS`).
    """
    if spills not in ("index", "array"):
        raise ValueError(f"spills must be 'index' or 'array', got {spills!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="levxl-template-") as tmp:
        raw = Path(tmp) / "raw.xlsm"
        calc = Path(tmp) / "calc.xlsm"
        _MODE["spills"] = spills
        try:
            _build_openpyxl(raw, Path(positions_csv))
        finally:
            _MODE["spills"] = SPILLS
        _recalc(raw, calc)
        _finish_package(calc, path)
    return path.resolve()


# -- check ------------------------------------------------------------------------------------------------------------
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
IGNORED = ("docProps/core.xml",)


def _cells(xml: bytes) -> tuple[dict, bytes]:
    """Sheet XML -> ({ref: (formula, formula attrs, type, value)}, the XML without <sheetData>)."""
    from lxml import etree

    root = parse_xml(xml, "sheet")
    cells = {}
    data = root.find(f"{_NS}sheetData")
    for c in data.iter(f"{_NS}c") if data is not None else ():
        f = c.find(f"{_NS}f")
        v = c.find(f"{_NS}v")
        is_ = c.find(f"{_NS}is")
        text = v.text if v is not None else ("".join(is_.itertext()) if is_ is not None else None)
        cells[c.get("r")] = (f.text if f is not None else None, tuple(sorted(f.attrib.items())) if f is not None
                             else (), c.get("t"), c.get("s"), text)
    rest = re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", b"", xml, flags=re.S)
    return cells, rest


def _same_value(a, b, t) -> bool:
    if a == b:
        return True
    if a is None or b is None or t not in (None, "n"):
        return False
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


def check_template(path=DEFAULT_PATH) -> list[str]:
    """Differences between the workbook at ``path`` and a fresh build (empty list: identical).

    Sheets are compared cell by cell (formula, type, style and cached value; numbers to 1e-9 relative, so a last-bit
    difference of another machine's maths library is not a difference) plus the rest of their XML; every other
    member byte for byte (the VBA project included) except the timestamps in ``docProps/core.xml``.
    """
    path = Path(path)
    if not path.exists():
        return [f"{path} does not exist; build it with `levxl template -o {path}`"]
    problems: list[str] = []
    verify_package(path)  # bounded inflation, CRC and safe XML for every part, before the fresh build or any parser
    with tempfile.TemporaryDirectory(prefix="levxl-check-") as tmp:
        fresh = build_template(Path(tmp) / "fresh.xlsm")
        with bounded_zip(path) as za, zipfile.ZipFile(fresh) as zb:
            na, nb = za.namelist(), zb.namelist()
            for name in sorted(set(nb) - set(na)):
                problems.append(f"{name}: missing from {path.name}")
            for name in sorted(set(na) - set(nb)):
                problems.append(f"{name}: in {path.name} but not in a fresh build")
            for name in [n for n in nb if n in na and n not in IGNORED]:
                a, b = za.read(name), zb.read(name)
                if a == b:
                    continue
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    ca, rest_a = _cells(a)
                    cb, rest_b = _cells(b)
                    diffs = []
                    for ref in sorted(set(ca) | set(cb)):
                        x, y = ca.get(ref), cb.get(ref)
                        if x is None or y is None or x[:4] != y[:4] or not _same_value(x[4], y[4], x[2]):
                            diffs.append(f"{ref}: {x} != fresh {y}")
                    if rest_a != rest_b:
                        diffs.append("sheet XML outside the cells differs")
                    problems += [f"{name}: {d}" for d in diffs[:20]]
                    if len(diffs) > 20:
                        problems.append(f"{name}: ... {len(diffs) - 20} more differences")
                else:
                    problems.append(f"{name}: bytes differ from a fresh build")
    return problems
