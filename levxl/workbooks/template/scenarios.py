"""The Scenarios sheet: for a chosen position, move x leverage grids of PnL, ROE and liquidation (one
``LEVXL_SCENARIO_GRID`` each), a move x funding-intervals grid, and option value over move x days to expiry."""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.formatting.rule import ColorScaleRule, FormulaRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from levxl.workbooks.template.positions import POS_FIRST
from levxl.workbooks.template.styles import (AMOUNT, BOX, F_BOLD, F_HEAD, F_SECTION, F_TITLE, FONT, GRID_AMOUNT,
                                             GRID_PCT, HEAD_FILL, INT, LEV, LIQ, LIQ_FMT, OPTION, PCT, PCT1, PRICE,
                                             RATE, SECTION_FILL, SIZE, dxf_fill, grid_axes, heat_legend, heat_rules,
                                             input_cell, note, output_cell, print_setup, spill, widths)

__all__ = ["scenarios_sheet", "MOVES", "LEVERAGES"]

MOVES = (-0.3, -0.2, -0.15, -0.1, -0.075, -0.05, -0.025, 0, 0.025, 0.05, 0.1, 0.2, 0.3)
"""Moves of the mark down the grids, fractions of the mark (inputs on the sheet); column A turns each into the move
from the entry that the grid functions take (``mark*(1+move)/entry - 1``)."""
LEVERAGES = (1, 2, 3, 5, 10, 20, 50, 100)
"""Leverages across the grids (inputs on the sheet)."""
_PICKED = (("symbol", "C", None), ("side", "D", None), ("contract", "E", None), ("size", "F", SIZE),
           ("entry", "G", PRICE), ("mark", "H", PRICE), ("mmr / tier", "K", None), ("leverage", "G*", LEV),
           ("funding / 8h", "L", RATE))
"""(label, Positions column, format) of the chosen position's figures in row 4 ("G*": column G of the
margin-and-liquidation table, the effective leverage; the others from the inputs table)."""
_FROM_ENTRY = "move from entry"


@dataclass(frozen=True)
class _Grid:
    """A move x leverage grid's inputs: the first grid's leverage row and move rows (the others point at them)."""

    refs: dict
    lev_row: int = 7
    move_row: int = 8

    def from_entry(self, move_cell: str) -> str:
        """The move from the entry equal to a move of the mark in ``move_cell``."""
        return f"={self.refs['mark']}*(1+{move_cell})/{self.refs['entry']}-1"


def _picked_position(ws, n_positions: int, risk_first: int) -> dict:
    """Row 4: the position # (input) and its figures from Positions by INDEX."""
    first, last = POS_FIRST, POS_FIRST + n_positions - 1
    ws["A4"] = "position #"
    ws["A4"].font = F_BOLD
    input_cell(ws["B4"], 1, INT)
    dv = DataValidation(type="whole", operator="between", formula1="1", formula2=str(n_positions))
    dv.add("B4")
    ws.add_data_validation(dv)
    ref = {}
    for k, (label, src, fmt) in enumerate(_PICKED):
        col = 3 + k
        c = ws.cell(3, col, label)
        c.font = F_BOLD
        c.alignment = Alignment(horizontal="center")
        if src.endswith("*"):
            src, a, b = src[:-1], risk_first, risk_first + n_positions - 1
        else:
            a, b = first, last
        output_cell(ws.cell(4, col), f"=INDEX(Positions!${src}${a}:${src}${b},$B$4)", fmt)
        ref[label] = f"${get_column_letter(col)}$4"
    return ref


def _grid(ws, g: _Grid, top: int, left: int, title: str, output: str, fmt: str, spills: str,
          inputs: bool = True) -> str:
    """A scenario grid: title at (top, left); leverages in row top+1; moves of the mark in column left, the moves
    from the entry they make in column left-1 (what the grid function takes). Returns the grid's range."""
    nm, nl = len(MOVES), len(LEVERAGES)
    ws.cell(top, left, title).font = F_SECTION
    for k in range(-1, nl + 1):
        ws.cell(top, left + k).fill = SECTION_FILL
    hr = top + 1
    c = ws.cell(hr, left, "mark move \\ lev.")
    c.font = F_HEAD
    c.fill = HEAD_FILL
    c.alignment = Alignment(wrap_text=True, horizontal="center")
    c = ws.cell(hr, left - 1, _FROM_ENTRY)
    c.font = F_HEAD
    c.fill = HEAD_FILL
    c.alignment = Alignment(wrap_text=True, horizontal="center")
    ws.row_dimensions[hr].height = 30
    for j, lev in enumerate(LEVERAGES):
        cell = ws.cell(hr, left + 1 + j)
        if inputs:
            input_cell(cell, lev, LEV)
        else:
            output_cell(cell, f"={get_column_letter(3 + j)}${g.lev_row}", LEV)
            cell.font = F_BOLD
    for i, mv in enumerate(MOVES):
        cell = ws.cell(hr + 1 + i, left)
        if inputs:
            input_cell(cell, mv, PCT1)
        else:
            output_cell(cell, f"=$B{g.move_row + i}", PCT1)
            cell.font = F_BOLD
        output_cell(ws.cell(hr + 1 + i, left - 1), g.from_entry(f"{get_column_letter(left)}{hr + 1 + i}"), PCT1)
    a = f"{get_column_letter(left + 1)}{hr + 1}"
    b = f"{get_column_letter(left + nl)}{hr + nm}"
    mv_rng = f"${get_column_letter(left - 1)}${hr + 1}:${get_column_letter(left - 1)}${hr + nm}"
    lv_rng = f"${get_column_letter(left + 1)}${hr}:${get_column_letter(left + nl)}${hr}"
    S, C, E, Z, MMR = (g.refs[k] for k in ("side", "contract", "entry", "size", "mmr / tier"))
    spill(ws, f"{a}:{b}", f'=LEVXL_SCENARIO_GRID({S},{E},{Z},{mv_rng},{lv_rng},{MMR},{C},"{output}")', spills,
          prefix="--" if output == "liquidated" else "")
    for row in ws[f"{a}:{b}"]:
        for cell in row:
            cell.number_format = fmt
            cell.border = BOX
    return f"{a}:{b}"


def _leverage_grids(ws, g: _Grid, spills: str) -> tuple[int, int, int]:
    """PnL, ROE and liquidated grids on one fixed colour scale of the ROE, grey where liquidated; returns the three
    grids' top rows."""
    nm = len(MOVES)
    pnl_rng = _grid(ws, g, 6, 2, "PnL by move of the mark (rows) and leverage (columns), margin currency", "pnl",
                    GRID_AMOUNT, spills)
    roe_top = 6 + nm + 3
    roe_rng = _grid(ws, g, roe_top, 2, "ROE by move of the mark (rows) and leverage (columns), fraction of the "
                                       "initial margin", "roe", GRID_PCT, spills, inputs=False)
    liq_top = roe_top + nm + 3
    liq_rng = _grid(ws, g, liq_top, 2, "Liquidated? (1 = the move liquidates the position at that leverage; drives "
                                       "the grey cells)", "liquidated", LIQ_FMT, spills, inputs=False)
    liq_first, roe_first = liq_rng.split(":")[0], roe_rng.split(":")[0]
    # a rule's formula is written for the range's top-left cell; the relative references to the ROE and liquidated
    # grids' top-left cells move with each cell, so every cell reads its own ROE and liquidated flag. Both grids
    # are coloured by the ROE: the same loss of margin is the same red at every leverage.
    for rng in (pnl_rng, roe_rng):
        heat_rules(ws, rng, roe_first, liquidated=f"{liq_first}=1")
    ws.conditional_formatting.add(liq_rng, FormulaRule(formula=[f"{liq_first}=1"], stopIfTrue=True,
                                                       fill=dxf_fill(LIQ), font=Font(name=FONT, color="FFFFFF")))
    return 6, roe_top, liq_top


def _funding_grid(ws, g: _Grid, ftop: int, spills: str) -> int:
    """Move x funding intervals at the position's own leverage and funding rate; returns its last row."""
    ws.cell(ftop, 2, "PnL incl. funding by move of the mark (rows) and funding intervals held (columns), "
                     "at the position's leverage").font = F_SECTION
    periods = [0, 3, 21, 90, 270, 1095]
    fmoves = [-0.2, -0.1, -0.05, 0, 0.05, 0.1, 0.2]
    for k in range(-1, len(periods) + 3):
        ws.cell(ftop, 2 + k).fill = SECTION_FILL
    hr = ftop + 1
    grid_axes(ws, hr, "mark move \\ intervals", periods, fmoves)
    ws.cell(hr, 2).alignment = Alignment(wrap_text=True, horizontal="center")
    c = ws.cell(hr, 1, _FROM_ENTRY)
    c.font = F_HEAD
    c.fill = HEAD_FILL
    c.alignment = Alignment(wrap_text=True, horizontal="center")
    ws.row_dimensions[hr].height = 30
    for i in range(len(fmoves)):
        output_cell(ws.cell(hr + 1 + i, 1), g.from_entry(f"B{hr + 1 + i}"), PCT1)
    last_col = get_column_letter(2 + len(periods))
    a, b = f"C{hr + 1}", f"{last_col}{hr + len(fmoves)}"
    S, C, E, Z, MMR = (g.refs[k] for k in ("side", "contract", "entry", "size", "mmr / tier"))
    spill(ws, f"{a}:{b}", f"=LEVXL_FUNDING_GRID({S},{E},{Z},{g.refs['leverage']},$A${hr + 1}:$A${hr + len(fmoves)},"
                          f"$C${hr}:${last_col}${hr},{g.refs['funding / 8h']},{MMR},{C},\"pnl\")", spills)
    for row in ws[f"{a}:{b}"]:
        for cell in row:
            cell.number_format = GRID_AMOUNT
            cell.border = BOX
    # the initial margin at the position's leverage: the grid's colours are PnL / margin on the same scale as the
    # grids above; a loss of the whole margin is a liquidation (isolated loss stops at the margin): grey
    mcol = get_column_letter(3 + len(periods))
    ws[f"{mcol}{hr}"] = "initial margin"
    ws[f"{mcol}{hr}"].font = F_BOLD
    ws[f"{mcol}{hr}"].alignment = Alignment(horizontal="right")
    margin = output_cell(ws[f"{get_column_letter(4 + len(periods))}{hr}"],
                         f"=LEVXL_MARGIN({Z},{E},{g.refs['leverage']},{C})", AMOUNT)
    mref = f"${margin.column_letter}${hr}"
    heat_rules(ws, f"{a}:{b}", f"{a}/{mref}", liquidated=f"ROUND({a}/{mref},9)<=-1")
    note(ws, f"B{hr + len(fmoves) + 1}", "3 intervals = 1 day of 8-hour funding; 1095 = 1 year. Colours: PnL as a "
                                         "fraction of the initial margin, the scale of the grids above.")
    return hr + len(fmoves) + 1


def _option_grid(ws, otop: int) -> int:
    """Option value by underlying move x days to expiry, one LEVXL_OPTION_PRICE per cell; returns its last row."""
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
        input_cell(ws.cell(otop + 2, col), value, fmt)
        oref[label] = f"${get_column_letter(col)}${otop + 2}"
    for key, choices in (("type", '"call,put"'), ("settle", '"linear,inverse"'), ("model", '"black76,bs"')):
        dv = DataValidation(type="list", formula1=choices)
        dv.add(oref[key].replace("$", ""))
        ws.add_data_validation(dv)
    ohr = otop + 4
    days = [90, 60, 30, 14, 7, 1, 0]
    omoves = [-0.3, -0.2, -0.1, -0.05, 0, 0.05, 0.1, 0.2, 0.3]
    grid_axes(ws, ohr, "move \\ days", days, omoves)
    for i in range(len(omoves)):
        row = ohr + 1 + i
        for j in range(len(days)):
            col = get_column_letter(3 + j)
            output_cell(ws.cell(row, 3 + j), f"=LEVXL_OPTION_PRICE({oref['type']},{oref['underlying']}*(1+$B{row}),"
                                             f"{oref['strike']},{col}${ohr},{oref['vol (ann.)']},{oref['rate']},"
                                             f"{oref['model']},{oref['settle']})", OPTION)
    oa, ob = f"C{ohr + 1}", f"{get_column_letter(2 + len(days))}{ohr + len(omoves)}"
    ws.conditional_formatting.add(f"{oa}:{ob}", ColorScaleRule(start_type="min", start_color="FFFFFF",
                                                               end_type="max", end_color="5A8AC6"))
    return ohr + len(omoves)


def scenarios_sheet(ws, n_positions: int, spills: str, risk_first: int | None = None) -> None:
    """Fill the Scenarios sheet.

    Parameters
    ----------
    ws : openpyxl Worksheet
    n_positions : int
        Rows of the Positions table (the position # input is validated against it).
    spills : str
        How table results are written (:data:`levxl.workbooks.template.styles.SPILL_MODES`).
    risk_first : int, optional
        First row of the Positions sheet's margin-and-liquidation table (default: where
        :func:`levxl.workbooks.template.positions.positions_sheet` puts it).
    """
    if risk_first is None:
        risk_first = POS_FIRST + n_positions + 5
    ws.sheet_view.showGridLines = False
    ws["A1"] = "Scenarios: moves of the mark x leverage, funding and option grids"
    ws["A1"].font = F_TITLE
    note(ws, "A2", "Moves are fractions of the MARK (-0.1 = the mark falls 10%); column A: the move from the entry "
                   "it makes. Isolated margin: a loss stops at the margin.")
    g = _Grid(_picked_position(ws, n_positions, risk_first))
    ws["A5"] = "colour = ROE:"
    ws["A5"].font = F_BOLD
    heat_legend(ws, 5, 3)
    ws.row_dimensions[5].height = 30
    _, roe_top, liq_top = _leverage_grids(ws, g, spills)
    ftop = liq_top + len(MOVES) + 3
    funding_last = _funding_grid(ws, g, ftop, spills)
    last = _option_grid(ws, funding_last + 3)
    column_widths = {"A": 9.5, "B": 10.5}
    for k in range(3, 12):
        column_widths[get_column_letter(k)] = 10.5
    column_widths["I"] = 14.5  # "binance:BTCUSDT" in row 4
    widths(ws, column_widths)
    ws.freeze_panes = "A5"
    print_setup(ws, "1:4", f"A1:K{last}")
    ws.row_breaks.append(Break(id=roe_top - 2))
    ws.row_breaks.append(Break(id=ftop - 2))
