"""Generated workbooks for the recalc's tests and benchmark (no binaries committed).

:func:`positions_book` writes a positions table: inputs, LEVXL columns in mixed spellings, native columns, IFERROR
around LEVXL messages, whole-column aggregates, a Summary sheet with spilled grids (array formulas) and Excel errors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["positions_book", "COLUMNS", "formula_cells_per_row"]

# column -> formula template ({r} = row, {n} = last data row)
COLUMNS = {
    "H": "=LEVXL_LIQ_PRICE(A{r},B{r},C{r},D{r},F{r})",
    "I": "=_xll.LEVXL_PNL(A{r},B{r},E{r},C{r})",
    "J": "=_xldudf_LEVXL_BANKRUPTCY_PRICE(A{r},B{r},C{r},D{r})",
    "K": '=IFERROR(H{r}/E{r}-1,"n/a")',
    "L": "=I{r}/SUM(I:I)",
    "M": '=IF(A{r}="long",I{r},-I{r})*ROUND(D{r},0)',
    "N": "=ABS(I{r})+MAX($I$2:$I${n})-MIN(I:I)",
    "O": "=NORM.S.DIST(LN(E{r}/B{r})/G{r},TRUE)",
    "P": "=SQRT(ABS(I{r}))+EXP(-C{r})*2^2%",
    "Q": "=INDEX($B$2:$B${n},MATCH(A{r},$A$2:$A${n},0))+COUNT(H:H)",
    "R": "=AND(D{r}>5,E{r}>B{r})",
    "S": "=IFERROR(levxl_loss_at_move(A{r},B{r},C{r},D{r},-0.1),0)",
    "T": '=H{r}&" / "&A{r}',
}


# the benchmark's books: the whole-column aggregates live on the Summary sheet and rows read them there (a
# whole-column reference in every row costs formulas a 1,048,576-cell array per cell: minutes for 1k cells)
BENCH_COLUMNS = {**COLUMNS, "L": "=I{r}/Summary!$B$1", "N": "=ABS(I{r})+MAX($I$2:$I${n})-Summary!$B$4",
                 "Q": "=INDEX($B$2:$B${n},MATCH(A{r},$A$2:$A${n},0))+Summary!$B$3"}


def formula_cells_per_row() -> int:
    return len(COLUMNS)


def positions_book(path, rows: int = 40, seed: int = 0, summary: bool = True, errors: bool = True,
                   vba: bool = False, bench: bool = False, spellings: bool = True) -> Path:
    """Write a positions workbook with ``rows`` positions (``rows * 13`` formula cells + a Summary sheet).

    ``bench``: the benchmark's columns (whole-column aggregates on the Summary sheet only); ``spellings``: rotate the
    spelling of the LEVXL function in column H row by row."""
    columns = BENCH_COLUMNS if bench else COLUMNS
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    path = Path(path)
    rng = np.random.default_rng(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Positions"
    ws.append(["side", "entry", "size", "leverage", "mark", "mmr", "vol", "liq", "pnl", "bankrupt", "to liq",
               "share", "signed", "abs", "p", "misc", "lookup", "flag", "loss10", "label"])
    n = rows + 1
    for i in range(rows):
        r = i + 2
        entry = float(np.round(rng.uniform(20_000, 80_000), 2))
        lev = float(np.round(rng.uniform(1, 50), 1))
        if errors and i % 17 == 5:
            lev = -2.0  # a LEVXL per-element message
        if errors and i % 23 == 7:
            lev = None  # blank leverage, no margin: the catalogue's message
        ws.append(["long" if rng.random() < 0.6 else "short", entry, float(np.round(rng.uniform(0.01, 5), 3)),
                   lev, float(np.round(entry * rng.uniform(0.8, 1.2), 2)),
                   "binance:BTCUSDT" if i % 5 == 0 else 0.005, float(np.round(rng.uniform(0.3, 1.2), 2))])
        for col, template in columns.items():
            spelled = template
            if not spellings:
                pass
            elif col == "H" and i % 3 == 1:
                spelled = template.replace("LEVXL_", "_xll.LEVXL_")
            elif col == "H" and i % 3 == 2:
                spelled = template.replace("LEVXL_", "_xldudf_levxl_")
            ws[f"{col}{r}"] = spelled.format(r=r, n=n)
    if summary:
        s = wb.create_sheet("Summary")
        s["A1"], s["B1"] = "total pnl", "=SUM(Positions!I:I)"
        s["A2"], s["B2"] = "mean liq", "=AVERAGE(Positions!H:H)"
        s["A3"], s["B3"] = "count", "=COUNT(Positions!H:H)"
        s["A4"], s["B4"] = "max", "=MAX(Positions!I:I)*1"
        s["A5"], s["B5"] = "texts", "=COUNTA(Positions!A:A)"
        s["A6"], s["B6"] = "sumproduct", f"=SUMPRODUCT(Positions!C2:C{n},Positions!B2:B{n})"
        s["A7"], s["B7"] = "or", "=OR(Positions!R2:R5)"
        s["D1"] = ArrayFormula("D1:F3", '=LEVXL_SCENARIO_GRID("long",60000,1,{-0.2;-0.1;0.1},{5,10,20})')
        s["D5"] = ArrayFormula("D5:F6", '=_xll.LEVXL_SCENARIO_GRID("short",B9,1,{-0.2;0.1},{5,10,20},'
                                        '"binance:BTCUSDT","linear","roe")')
        s["H1"] = ArrayFormula("H1:I1", '=LEVXL_MMR(1000000,"binance:BTCUSDT")')
        s["H3"] = ArrayFormula("H3:M5", '=LEVXL_TIERS("binance:BTCUSDT")')
        s["A9"], s["B9"] = "mark", 61850.0
        s["A10"], s["B10"] = "liq at mark", '=LEVXL_LIQ_PRICE("long",B9,1,10)'
        s["A11"], s["B11"] = "pnl at mark", "=LEVXL_PNL(\"long\",60000,B9,2)"
        if errors:
            s["A12"], s["B12"] = "div0", "=1/0"
            s["A13"], s["B13"] = "text+1", "=Positions!A2+1"
            s["A14"], s["B14"] = "ref", "=#REF!+1"
            s["A15"], s["B15"] = "err arg", '=LEVXL_LIQ_PRICE("long",B12,1,10)'
            s["A16"], s["B16"] = "iferror", "=IFERROR(B15,-1)"
            s["A17"], s["B17"] = "bad element", '=LEVXL_LIQ_PRICE("long",100,1,-5)'
            s["A18"], s["B18"] = "iferror msg", '=IFERROR(B17,-1)'
            s["A19"], s["B19"] = "num", "=SQRT(-1)"
            s["A20"], s["B20"] = "na", "=MATCH(\"zzz\",Positions!A2:A5,0)"
    wb.save(path)
    if vba:
        _add_member(path, "xl/vbaProject.bin", bytes(range(256)) * 16)
    return path


def _add_member(path: Path, name: str, data: bytes) -> None:
    """Add an opaque member (stands in for a VBA project: it must survive byte for byte)."""
    import zipfile

    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
