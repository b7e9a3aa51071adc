"""The Tiers sheet: every shipped maintenance-margin tier table as a live ``=LEVXL_TIERS(preset)`` spill."""

from __future__ import annotations

from openpyxl.styles import Alignment

from levxl.engine.tiers import preset, presets
from levxl.workbooks.template.styles import (BOX, F_BOLD, F_TITLE, INT, LEV, USD, header_cells, input_cell, note,
                                             print_setup, section, spill, widths)

__all__ = ["tiers_sheet"]


def tiers_sheet(ws, spills: str) -> dict:
    """Fill the Tiers sheet.

    Parameters
    ----------
    ws : openpyxl Worksheet
    spills : str
        How table results are written (:data:`levxl.workbooks.template.styles.SPILL_MODES`).

    Returns
    -------
    dict
        preset name -> (header row, number of tiers).
    """
    ws.sheet_view.showGridLines = False
    ws["A1"] = "Tiers: the shipped maintenance-margin tier tables"
    ws["A1"].font = F_TITLE
    note(ws, "A2", "Each table is a live =LEVXL_TIERS(preset) spill. Use a preset name as any mmr argument "
                   "(\"binance:BTCUSDT\" = the latest table, \"binance:BTCUSDT@2021\" = that as-of date).")
    row = 4
    out = {}
    for name in presets(featured=True):  # the curated CSV tables, never the 349-symbol pack or fetched ones
        t = preset(name)
        rows = t.rows()
        section(ws, row, f"{name}  -  {t.venue} {t.symbol}, as of {t.as_of}", width=6)
        ws.cell(row + 1, 1, "preset").font = F_BOLD
        input_cell(ws.cell(row + 1, 2), name)
        ws.cell(row + 1, 3, "as of").font = F_BOLD
        ws.cell(row + 1, 4, str(t.as_of))
        hdr = row + 2
        header_cells(ws, hdr, 1, [None] * 6)  # styled only: the spill writes the header text
        # LEVXL_TIERS spills a header row too: start the spill on the header row, keep our styled header
        spill(ws, f"A{hdr}:F{hdr + len(rows)}", f"=LEVXL_TIERS($B${row + 1})", spills)
        for r_ in range(hdr + 1, hdr + len(rows) + 1):
            for col, fmt in zip("ABCDEF", (INT, USD, USD, LEV, '0.00%', USD)):
                ws[f"{col}{r_}"].number_format = fmt
                ws[f"{col}{r_}"].border = BOX
        out[name] = (hdr, len(rows))
        row = hdr + len(rows) + 2
    widths(ws, {"A": 16, "B": 27, "C": 20, "D": 14, "E": 10, "F": 18})
    ws.merge_cells("A2:F2")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 30
    ws.freeze_panes = "A3"
    print_setup(ws, "1:2", f"A1:F{row}")
    return out
