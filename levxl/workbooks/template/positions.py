"""The Positions sheet: a book of positions (inputs seeded from the bundled example) with the ``LEVXL_`` figures of
each in two tables below it (margin and liquidation with a status; PnL at moves of the mark both ways, funding and
probability of liquidation), totals, and a cross-margin account block. Tables are stacked, not side by side, so the
sheet prints one A4 landscape page wide at 8 pt or more."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from levxl.book.positions import load_positions
from levxl.engine.tiers import TierTable
from levxl.engine.venues import PROFILES
from levxl.workbooks.template.styles import (AMOUNT, F_BOLD, F_TITLE, INT, LEV, PCT, PCT1, PRICE, PROB, RATE, SIGMA,
                                             SIZE, TOTAL_FILL, USD, BOX, header_cells, input_cell, note, output_cell,
                                             print_setup, section, spill, status_rules)

__all__ = ["positions_sheet", "read_positions", "POS_FIRST", "POS_COLS", "RISK_COLS", "MOVE_COLS", "STRESS_MOVES",
           "ACCOUNT_MMR", "RED", "AMBER", "DISTANCE", "SIGMA_DAYS", "usd_per_unit"]

POS_FIRST = 5  #: first position row
# LEVXL_ACCOUNT_LIQ_PRICES with a column of per-position mmr values does not work in the catalogue yet (the column
# is not flattened like the other vectors: the result comes back as an N x N table); until it does, the cross-margin
# block passes one account-wide rate or preset.
ACCOUNT_MMR = 0.005
POS_COLS = ("#", "venue", "symbol", "side", "contract", "size", "entry", "mark", "leverage", "margin", "mmr / tier",
            "funding rate / 8h", "vol (ann.)")
"""Column headers of the inputs table (A = #, B:M inputs), rows from :data:`POS_FIRST`."""
ID_COLS = ("#", "venue", "symbol", "side")
"""The first four columns of the two figures tables below the inputs: the position as in the inputs table."""
DISTANCE = "distance to liq. (adverse move of the mark; <0 = past it)"
SIGMA_DAYS = "σ-days to liq. (<0 = past it)"
RISK_COLS = ID_COLS + ("value at entry", "isolated margin", "effective leverage", "uPnL", "liquidation price",
                       "bankruptcy price", DISTANCE, SIGMA_DAYS, "status")
"""Column headers of the margin-and-liquidation table (A:M), one row per position in input order."""
STRESS_MOVES = (-0.3, -0.2, -0.1, 0.1, 0.2, 0.3)
"""Moves of the mark, fractions of the mark, over the stress table's PnL columns (inputs on the sheet): both
directions, so shorts are stressed too."""
MOVE_COLS = ID_COLS + ("PnL at mark move",) * len(STRESS_MOVES) + ("funding / day (− = paid)", "P(liq) within days",
                                                             "P(liq) within days")
"""Column headers of the moves-funding-probability table (A:M); the moves and horizons are the inputs above."""
RED, AMBER = 0.05, 0.10  #: status thresholds on the distance to liquidation (inputs on the sheet)
_KEYS = ("venue", "symbol", "side", "contract", "size", "entry", "mark", "leverage", "margin", "mmr", "funding_rate",
         "vol")
_FORMATS = (None, None, None, None, SIZE, PRICE, PRICE, LEV, AMOUNT, None, RATE, PCT1)
_WIDTHS = (3.5, 9.5, 13, 5.5, 11.5, 10, 10, 10, 12, 10, 14, 7.5, 10.5)
"""Column widths A:M (127 units): every table one A4 landscape page wide at >= 8 pt (tests/test_template.py)."""


def read_positions(path: Path) -> list[dict]:
    """The rows of a positions CSV as the sheet's input values (numbers as floats, blanks None), the funding rate
    per 8 hours as the sheet's header says (a Hyperliquid row's hourly rate times 8: the book's own reading of the
    file decides each row's interval)."""
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
    book = load_positions(path)
    if len(book) != len(rows):
        raise ValueError(f"{path}: the template is seeded from a clean positions file; levxl refused some rows")
    for row, rate, hours, mmr in zip(rows, book.funding_rate, book.funding_hours, book.mmr):
        if row.get("funding_rate") is not None:
            row["funding_rate"] = float(rate) * 8.0 / float(hours)
        if row.get("mmr") in ("", None):
            # a blank cell: what the book took for it, spelt out (the venue's tier preset, or the flat default),
            # since a LEVXL_ function on the sheet has no symbol to find the venue's table by
            row["mmr"] = f"{mmr.venue}:{mmr.symbol}" if isinstance(mmr, TierTable) else float(mmr)
    return rows


def _inputs(ws, positions: list[dict]) -> tuple[int, int]:
    first, last = POS_FIRST, POS_FIRST + len(positions) - 1
    header_cells(ws, 4, 1, POS_COLS)
    ws.row_dimensions[4].height = 32
    for i, p in enumerate(positions):
        row = first + i
        ws.cell(row, 1, i + 1).border = BOX
        for k, (key, fmt) in enumerate(zip(_KEYS, _FORMATS)):
            cell = input_cell(ws.cell(row, 2 + k), p[key], fmt)
            if key == "mmr":  # a preset ("binance:DOGEUSDT") is wider than the column the page width allows
                cell.alignment = Alignment(shrink_to_fit=True)
    dv = DataValidation(type="list", formula1='"long,short"', allow_blank=True)
    dv.add(f"D{first}:D{last}")
    dv2 = DataValidation(type="list", formula1='"linear,inverse"', allow_blank=True)
    dv2.add(f"E{first}:E{last}")
    # the venues levxl has a profile of; another name is allowed (warning only), its liquidation price then shows
    # #VALUE! (no conventions to apply) until the venue is blanked (the default conventions)
    venues = DataValidation(type="list", formula1='"' + ",".join(sorted({p.venue for p in PROFILES.values()})) + '"',
                            allow_blank=True, showErrorMessage=True, errorStyle="warning", errorTitle="venue",
                            error="levxl has no conventions for this venue: its liquidation price shows #VALUE!. "
                                  "Leave the venue blank for the default conventions.")
    venues.add(f"B{first}:B{last}")
    ws.add_data_validation(dv)
    ws.add_data_validation(dv2)
    ws.add_data_validation(venues)
    return first, last


def usd_per_unit(n: int) -> str:
    """USD per unit of each position's margin currency, as an array for SUMPRODUCT: the mark for an inverse
    position (margin in coin), 1 for a linear one."""
    e, h = f"$E${POS_FIRST}:$E${POS_FIRST + n - 1}", f"$H${POS_FIRST}:$H${POS_FIRST + n - 1}"
    return f'({e}="inverse")*{h}+({e}<>"inverse")'


def _ids(ws, row: int, src: int) -> None:
    """Columns A:D of a figures row: the position's #, venue, symbol and side from inputs row ``src``."""
    output_cell(ws.cell(row, 1), f"=A{src}", INT)
    for col in "BCD":
        output_cell(ws[f"{col}{row}"], f'={col}{src}&""')  # &"": a blank venue shows blank, not 0


def _block_title(ws, top: int, text: str, explain: str) -> None:
    section(ws, top, text, width=len(_WIDTHS))
    note(ws, f"A{top + 1}", explain)


def _risk(ws, n: int, top: int) -> dict:
    """Margin and liquidation, one row per position: rows top+4 .. (inputs in row top+2, header top+3)."""
    _block_title(ws, top, "Margin and liquidation", "Distance to liq.: the adverse move of the MARK that reaches the "
                 "liquidation price, a fraction of the mark; < 0 = the mark is already past it (status LIQUIDATED).")
    note(ws, f"A{top + 2}", "σ-days: that move in one-day standard deviations of the mark (the vol input).")
    ws.cell(top + 2, 10, "status: RED if distance <").alignment = Alignment(horizontal="right")
    input_cell(ws.cell(top + 2, 11), RED, PCT1)
    ws.cell(top + 2, 12, "AMBER <").alignment = Alignment(horizontal="right")
    input_cell(ws.cell(top + 2, 13), AMBER, PCT1)
    red, amber = f"$K${top + 2}", f"$M${top + 2}"
    hdr = top + 3
    header_cells(ws, hdr, 1, RISK_COLS)
    ws.row_dimensions[hdr].height = 72
    first = hdr + 1
    for i in range(n):
        q, R = first + i, POS_FIRST + i
        _ids(ws, q, R)
        B, D, E, F, G, H, I_, J, K, M = (c + str(R) for c in "BDEFGHIJKM")
        formulas = (
            (f'=IF({E}="inverse",{F}/{G},{F}*{G})', AMOUNT),                      # E value at entry
            # F isolated margin of the liquidation equation: the margin typed (a Bybit one less the fee to close
            # it holds), else value / leverage
            (f"=LEVXL_VENUE_MARGIN({D},{G},{F},{I_},{J},{E},,{B})", AMOUNT),
            (f"=E{q}/F{q}", LEV),                                                 # G effective leverage
            (f"=LEVXL_PNL({D},{G},{H},{F},{E})", AMOUNT),                          # H uPnL
            # I liquidation price with the conventions of the row's venue (B), as levxl risk and the report: where
            # it measures maintenance (Bybit: the entry), its taker fee inside the threshold (OKX, Gate,
            # Bitget), the fee to close a Bybit margin holds; the leverage and margin cells as typed (a margin from
            # leverage holds no fee to close)
            (f"=LEVXL_LIQ_PRICE({D},{G},{F},{I_},{K},{J},{E},,,{B})", PRICE),
            (f"=LEVXL_BANKRUPTCY_PRICE({D},{G},{F},G{q},F{q},{E})", PRICE),         # J bankruptcy price
            (f'=IF(I{q}="no liquidation","none",LEVXL_LIQ_DISTANCE({D},{H},I{q}))', PCT),             # K
            (f'=IF(I{q}="no liquidation","none",LEVXL_LIQ_DISTANCE_SIGMA({D},{H},I{q},{M}))', SIGMA),  # L
            (f'=IF(K{q}="none","GREEN",IF(K{q}<=0,"LIQUIDATED",IF(K{q}<{red},"RED",IF(K{q}<{amber},"AMBER",'
             f'"GREEN"))))', None),                                               # M status
        )
        for k, (formula, fmt) in enumerate(formulas):
            output_cell(ws.cell(q, 5 + k), formula, fmt).alignment = Alignment(
                horizontal="center" if k == len(formulas) - 1 else "right")
    last = first + n - 1
    status_rules(ws, f"M{first}:M{last}", f"M{first}")
    status_rules(ws, f"K{first}:K{last}", f"M{first}")  # the distance coloured as its status
    tot = last + 1
    ws.cell(tot, 2, "Total, USD at mark").font = F_BOLD
    output_cell(ws[f"H{tot}"], f"=SUMPRODUCT(H{first}:H{last},{usd_per_unit(n)})", USD, bold=True).fill = TOTAL_FILL
    ws.cell(tot + 1, 2, "positions with distance below AMBER").font = F_BOLD
    # COUNTIF is not in the recalc's fast path: count with SUMPRODUCT over a comparison
    output_cell(ws[f"K{tot + 1}"], f"=SUMPRODUCT((K{first}:K{last}<{amber})*1)", INT, bold=True)
    for ref in (f"B{tot}", f"B{tot + 1}"):
        ws[ref].fill = TOTAL_FILL
    return {"first": first, "last": last, "total": tot, "header": hdr, "inputs": top + 2}


def _stress(ws, n: int, top: int, risk: dict) -> dict:
    """PnL at moves of the mark (both directions), funding per day and probability of liquidation."""
    _block_title(ws, top, "Moves of the mark, funding and probability of liquidation",
                 "Moves are fractions of the MARK (-10% = the mark falls 10%: a loss for a long, a gain for a short). "
                 "An isolated loss stops at the margin.")
    ws.cell(top + 2, 4, "inputs →").alignment = Alignment(horizontal="right")
    inp = top + 2
    for k, move in enumerate(STRESS_MOVES):
        input_cell(ws.cell(inp, 5 + k), move, '+0%;-0%')
    for col, value, fmt in ((11, 3, '0" / day"'), (12, 1, '0" day"'), (13, 7, '0" days"')):
        input_cell(ws.cell(inp, col), value, fmt)
    hdr = top + 3
    header_cells(ws, hdr, 1, MOVE_COLS)
    ws.row_dimensions[hdr].height = 45
    first = hdr + 1
    rf = risk["first"]
    for i in range(n):
        p, q, R = first + i, rf + i, POS_FIRST + i
        _ids(ws, p, R)
        D, E, F, G, H, K, L_, M = (c + str(R) for c in "DEFGHKLM")
        for k in range(len(STRESS_MOVES)):
            col = get_column_letter(5 + k)
            # past the row's liquidation price (on the path from the mark) the isolated margin is lost, else the
            # mark-to-market PnL: levxl.book.figures.pnl_after_mark_move
            price, liq = f"{H}*(1+{col}${inp})", f"I{q}"
            hit = f'IF(ISNUMBER({liq}),IF({D}="long",MIN({price},{H})<={liq},MAX({price},{H})>={liq}),FALSE)'
            output_cell(ws[f"{col}{p}"], f"=IF({hit},-F{q},LEVXL_PNL({D},{G},{price},{F},{E}))", AMOUNT)
        output_cell(ws[f"K{p}"], f'=-LEVXL_FUNDING_COST({D},IF({E}="inverse",{F}/{H},{F}*{H}),{L_},$K${inp})',
                    AMOUNT)
        for col in "LM":
            output_cell(ws[f"{col}{p}"], f'=IF(I{q}="no liquidation",0,LEVXL_LIQ_PROBABILITY({D},{H},I{q},{M},'
                                         f'${col}${inp}))', PROB)
        for col in "EFGHIJKLM":
            ws[f"{col}{p}"].alignment = Alignment(horizontal="right")
    last = first + n - 1
    tot = last + 1
    ws.cell(tot, 2, "Total, USD at mark").font = F_BOLD
    usd = usd_per_unit(n)
    for col in "EFGHIJK":
        output_cell(ws[f"{col}{tot}"], f"=SUMPRODUCT({col}{first}:{col}{last},{usd})", USD, bold=True).fill = \
            TOTAL_FILL
    ws.cell(tot + 1, 2, "Max P(liq) within the days").font = F_BOLD
    for col in "LM":
        output_cell(ws[f"{col}{tot + 1}"], f"=MAX({col}{first}:{col}{last})", PROB, bold=True)
    for ref in (f"B{tot}", f"B{tot + 1}"):
        ws[ref].fill = TOTAL_FILL
    ws.conditional_formatting.add(f"L{first}:M{last}", ColorScaleRule(
        start_type="num", start_value=0, start_color="FFFFFF", end_type="num", end_value=0.5, end_color="F8696B"))
    return {"first": first, "last": last, "total": tot, "header": hdr, "inputs": inp}


def _cross_margin(ws, positions: list[dict], risk: dict, top: int, spills: str) -> tuple:
    """The USDT-margined binance positions as one account: LEVXL_ACCOUNT_LIQ_PRICES over the picked rows."""
    first, last = POS_FIRST, POS_FIRST + len(positions) - 1
    rf, rl = risk["first"], risk["last"]
    cross = [i for i, p in enumerate(positions) if p["venue"] == "binance" and p["contract"] == "linear"]
    section(ws, top, "Cross margin: one USDT-margined account (LEVXL_ACCOUNT_LIQ_PRICES)", width=len(_WIDTHS))
    note(ws, f"A{top + 1}", "Pick positions of one account by their # (column A of the tables above); they share the "
                            "wallet below. Each cross liquidation price assumes the others stay at their marks.")
    ws.cell(top + 2, 2, "wallet (USDT)").font = F_BOLD
    ws.cell(top + 2, 2).alignment = Alignment(horizontal="right")  # overflows left into the empty A
    input_cell(ws.cell(top + 2, 3), 60000, USD)
    ws.cell(top + 2, 4, "mmr").font = F_BOLD
    input_cell(ws.cell(top + 2, 5), ACCOUNT_MMR)
    note(ws, f"F{top + 2}", "the account's mmr: a rate or a tier preset, for every position of the account")
    mmr_arg = f"$E${top + 2}"  # per-position column: see ACCOUNT_MMR
    hdr = top + 3
    header_cells(ws, hdr, 1, ["#", "venue", "symbol", "side", "size", "entry", "mark", "uPnL", "cross liq. price",
                              "isolated liq. price", "distance (cross; adverse move of the mark, <0 = past it)"])
    ws.row_dimensions[hdr].height = 72
    rows = range(hdr + 1, hdr + 1 + len(cross))
    a, b = hdr + 1, hdr + len(cross)
    for row, i in zip(rows, cross):
        input_cell(ws.cell(row, 1), i + 1, INT)
        for col, src, fmt in ((2, "B", None), (3, "C", None), (4, "D", None), (5, "F", SIZE), (6, "G", PRICE),
                              (7, "H", PRICE)):
            output_cell(ws.cell(row, col), f"=INDEX(${src}${first}:${src}${last},$A{row})", fmt)
        output_cell(ws.cell(row, 8), f"=INDEX($H${rf}:$H${rl},$A{row})", AMOUNT)
        output_cell(ws.cell(row, 10), f"=INDEX($I${rf}:$I${rl},$A{row})", PRICE)
        output_cell(ws.cell(row, 11), f'=IF(I{row}="no liquidation","none",LEVXL_LIQ_DISTANCE(D{row},G{row},'
                                      f'I{row}))', PCT).alignment = Alignment(horizontal="right")
    spill(ws, f"I{a}:I{b}", f'=LEVXL_ACCOUNT_LIQ_PRICES(D{a}:D{b},F{a}:F{b},E{a}:E{b},G{a}:G{b},'
                            f'$C${top + 2},{mmr_arg},"linear")', spills)
    for row in rows:
        ws[f"I{row}"].number_format = PRICE
        ws[f"I{row}"].border = BOX
    return a, b, cross, top + 2


def positions_sheet(ws, positions: list[dict], spills: str) -> dict:
    """Fill the Positions sheet: the inputs table, then the margin-and-liquidation table and the moves table (one
    row per position each, in input order), then the cross-margin block; all 13 columns (A:M) wide, so the sheet
    prints one A4 landscape page wide at 8 pt or more.

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
        Anchors: ``first``/``last`` input rows; ``risk`` and ``stress`` (``first``, ``last``, ``total``, ``header``,
        ``inputs`` rows of each figures table); ``cross`` (first row, last row, positions, wallet row) of the
        cross-margin block.
    """
    ws.sheet_view.showGridLines = False
    ws["A1"] = "Positions: the book's liquidation risk"
    ws["A1"].font = F_TITLE
    note(ws, "A2", "Yellow cells are inputs: the positions (from workbook/examples/positions.csv; leverage or margin; "
                   "funding per 8 h: an hourly rate x 8) and the thresholds, moves and horizons below.")
    note(ws, "A3", "Amounts are in each position's margin currency (USD(T) linear, coin inverse); totals in USD at the "
                   "mark. To add a position, insert a row in each table and copy the row above.")
    first, last = _inputs(ws, positions)
    n = len(positions)
    risk = _risk(ws, n, last + 2)
    stress = _stress(ws, n, risk["total"] + 3, risk)
    ws.row_breaks.append(Break(id=risk["total"] + 2))  # each table whole on a page
    cross = _cross_margin(ws, positions, risk, stress["total"] + 3, spills)
    for k, w in enumerate(_WIDTHS):
        ws.column_dimensions[get_column_letter(k + 1)].width = w
    ws.freeze_panes = "A4"
    print_setup(ws, "1:3", f"A1:{get_column_letter(len(_WIDTHS))}{cross[1]}")
    return {"first": first, "last": last, "risk": risk, "stress": stress, "cross": cross}
