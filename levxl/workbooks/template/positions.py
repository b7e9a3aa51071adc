"""The Positions sheet: a book of positions (inputs seeded from the bundled example) with the ``LEVXL_`` figures of
each, totals, and a cross-margin account block."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from levxl.workbooks.template.styles import (AMOUNT, F_BOLD, F_TITLE, INT, LEV, PCT, PCT1, PRICE, PROB, RATE, SIGMA,
                                             SIZE, TOTAL_FILL, USD, BOX, header_cells, input_cell, note, output_cell,
                                             print_setup, section, spill)

__all__ = ["positions_sheet", "read_positions", "POS_FIRST", "POS_COLS", "ACCOUNT_MMR"]

POS_FIRST = 5  #: first position row
# LEVXL_ACCOUNT_LIQ_PRICES with a column of per-position mmr values does not work in the catalogue yet (the column
# is not flattened like the other vectors: the result comes back as an N x N table); until it does, the cross-margin
# block passes one account-wide rate or preset.
ACCOUNT_MMR = 0.005
POS_COLS = ("#", "venue", "symbol", "side", "contract", "size", "entry", "mark", "leverage", "margin", "mmr / tier",
            "funding rate / 8h", "vol (ann.)",
            "value at entry", "isolated margin", "effective leverage", "USD per margin unit", "uPnL",
            "liquidation price", "bankruptcy price", "distance to liq.", "σ-days to liq.",
            "PnL at move", "PnL at move", "PnL at move", "funding / day (− = paid)", "P(liq) 1 day", "P(liq) 7 days")
"""Column headers of the positions table (A = #, B:M inputs, N:AB formulas)."""
_KEYS = ("venue", "symbol", "side", "contract", "size", "entry", "mark", "leverage", "margin", "mmr", "funding_rate",
         "vol")
_FORMATS = (None, None, None, None, SIZE, PRICE, PRICE, LEV, AMOUNT, None, RATE, PCT1)


def read_positions(path: Path) -> list[dict]:
    """The rows of a positions CSV as the sheet's input values (numbers as floats, blanks None)."""
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


def _row_formulas(R: str) -> list[tuple[str, str]]:
    """The formulas of spreadsheet row ``R`` (columns N:AB) with their number formats."""
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
    return formulas


def _table(ws, positions: list[dict]) -> tuple[int, int]:
    first, last = POS_FIRST, POS_FIRST + len(positions) - 1
    header_cells(ws, 4, 1, POS_COLS)
    ws.row_dimensions[4].height = 32
    ws.cell(3, 22, "inputs →").alignment = Alignment(horizontal="right")
    for col, value, fmt in ((23, -0.1, PCT1), (24, -0.2, PCT1), (25, -0.3, PCT1), (26, 3, '0" / day"'),
                            (27, 1, '0" day"'), (28, 7, '0" days"')):
        input_cell(ws.cell(3, col), value, fmt)
    for i, p in enumerate(positions):
        row = first + i
        ws.cell(row, 1, i + 1).border = BOX
        for k, (key, fmt) in enumerate(zip(_KEYS, _FORMATS)):
            input_cell(ws.cell(row, 2 + k), p[key], fmt)
        for k, (formula, fmt) in enumerate(_row_formulas(str(row))):
            output_cell(ws.cell(row, 14 + k), formula, fmt).alignment = Alignment(horizontal="right")
    return first, last


def _totals(ws, first: int, last: int) -> int:
    tot = last + 2
    ws.cell(tot, 2, "Total, USD at mark").font = F_BOLD
    for col in ("R", "W", "X", "Y", "Z"):
        c = output_cell(ws[f"{col}{tot}"], f"=SUMPRODUCT({col}{first}:{col}{last},$Q${first}:$Q${last})", USD,
                        bold=True)
        c.fill = TOTAL_FILL
    ws.cell(tot + 1, 2, "# within 10% of liq.").font = F_BOLD
    # COUNTIF is not in the recalc's fast path: count with SUMPRODUCT over a comparison
    output_cell(ws[f"U{tot + 1}"], f"=SUMPRODUCT((U{first}:U{last}<0.1)*1)", INT, bold=True)
    ws.cell(tot + 2, 2, "Max P(liq) 7 days").font = F_BOLD
    output_cell(ws[f"AB{tot + 2}"], f"=MAX(AB{first}:AB{last})", PROB, bold=True)
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
    return tot


def _cross_margin(ws, positions: list[dict], first: int, last: int, top: int, spills: str) -> tuple:
    """The USDT-margined binance positions as one account: LEVXL_ACCOUNT_LIQ_PRICES over the picked rows."""
    cross = [i for i, p in enumerate(positions) if p["venue"] == "binance" and p["contract"] == "linear"]
    section(ws, top, "Cross margin: one USDT-margined account (LEVXL_ACCOUNT_LIQ_PRICES)", width=10)
    note(ws, f"A{top + 1}", "Pick positions of one account by their # (column A of the table above); they share the "
                            "wallet below. Each cross liquidation price assumes the others stay at their marks.")
    ws.cell(top + 2, 3, "wallet (USDT)").font = F_BOLD
    input_cell(ws.cell(top + 2, 4), 60000, USD)
    ws.cell(top + 2, 5, "account mmr").font = F_BOLD
    input_cell(ws.cell(top + 2, 6), ACCOUNT_MMR)
    note(ws, f"G{top + 2}", "a rate or a tier preset, for every position of the account")
    mmr_arg = f"$F${top + 2}"  # per-position column: see ACCOUNT_MMR
    hdr = top + 3
    header_cells(ws, hdr, 1, ["#", "symbol", "side", "size", "entry", "mark", "uPnL", "cross liq. price",
                              "isolated liq. price", "distance (cross)"])
    ws.row_dimensions[hdr].height = 32
    rows = range(hdr + 1, hdr + 1 + len(cross))
    a, b = hdr + 1, hdr + len(cross)
    for row, i in zip(rows, cross):
        input_cell(ws.cell(row, 1), i + 1, INT)
        for col, src, fmt in ((2, "C", None), (3, "D", None), (4, "F", SIZE), (5, "G", PRICE), (6, "H", PRICE),
                              (7, "R", AMOUNT)):
            output_cell(ws.cell(row, col), f"=INDEX(${src}${first}:${src}${last},$A{row})", fmt)
        output_cell(ws.cell(row, 9), f"=INDEX($S${first}:$S${last},$A{row})", PRICE)
        output_cell(ws.cell(row, 10), f'=IF(H{row}="no liquidation","none",LEVXL_LIQ_DISTANCE(C{row},F{row},'
                                      f'H{row}))', PCT).alignment = Alignment(horizontal="right")
    spill(ws, f"H{a}:H{b}", f'=LEVXL_ACCOUNT_LIQ_PRICES(C{a}:C{b},E{a}:E{b},D{a}:D{b},F{a}:F{b},'
                            f'$D${top + 2},{mmr_arg},"linear")', spills)
    for row in rows:
        ws[f"H{row}"].number_format = PRICE
        ws[f"H{row}"].border = BOX
        ws[f"H{row}"].font = F_BOLD
    return a, b, cross, top + 2


def positions_sheet(ws, positions: list[dict], spills: str) -> dict:
    """Fill the Positions sheet.

    Parameters
    ----------
    ws : openpyxl Worksheet
    positions : list of dict
        Input rows (:func:`read_positions`).
    spills : str
        How table results are written (:data:`levxl.workbooks.template.styles.SPILL_MODES`).

    Returns
    -------
    dict
        Anchors: ``first``/``last`` position rows, ``total`` row, ``cross`` (first row, last row, positions,
        wallet row) of the cross-margin block.
    """
    ws.sheet_view.showGridLines = False
    ws["A1"] = "Positions: the book's liquidation risk"
    ws["A1"].font = F_TITLE
    note(ws, "A2", "Columns B-M are inputs (seeded from workbook/examples/positions.csv; give leverage or margin). "
                   "Amounts are in each position's margin currency; totals in USD at the mark.")
    note(ws, "A3", "Row 3 (yellow, right) holds the inputs of the column below it: move from the mark, funding "
                   "intervals per day, horizon in days.")
    first, last = _table(ws, positions)
    tot = _totals(ws, first, last)
    cross = _cross_margin(ws, positions, first, last, tot + 5, spills)
    widths = [4, 11, 15, 11, 12, 14, 12, 14, 14, 12, 16, 11, 9, 13, 13, 10, 11, 13, 14, 14, 10, 9, 13, 13, 13, 14,
              10, 10]
    for k, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(k + 1)].width = w
    ws.freeze_panes = "D5"
    print_setup(ws, "1:4", f"A1:AB{cross[1]}")
    # two pages across (inputs | results), the position columns repeated on both
    ws.page_setup.fitToWidth = 2
    ws.print_title_cols = "A:C"
    ws.col_breaks.append(Break(id=13))
    return {"first": first, "last": last, "total": tot, "cross": cross}
