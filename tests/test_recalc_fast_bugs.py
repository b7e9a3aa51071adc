"""The fast path's silent wrong numbers found in issue 13, each pinned to Excel's value: on the fast path itself
where it is fixed, and through ``levxl recalc`` (engine "auto": the fast path where it claims the book, LibreOffice
with the add-in otherwise) for every one."""

from __future__ import annotations

import openpyxl
import pytest
import xlsxwriter

from levxl.recalc import fast, recalc_workbook
from levxl.recalc.package import open_package


def _book(path, cells: dict, sheet="S", extra=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for ref, value in cells.items():
        ws[ref] = value
    if extra:
        extra(wb)
    wb.save(path)
    return path


def _fast(path):
    return {f"{s}!{openpyxl.utils.get_column_letter(c)}{r}": v
            for (s, r, c), v in fast.evaluate(open_package(path))[0].items()}


def test_same_whole_column_formula_in_a_second_column_reads_its_own_column(tmp_path):
    def data(wb):
        d = wb.create_sheet("Data")
        for r in range(2, 6):
            d[f"H{r}"], d[f"I{r}"] = 1, -600

    path = _book(tmp_path / "cols.xlsx", {"C2": "=SUM(Data!H:H)", "D2": "=SUM(Data!I:I)", "E2": "=SUM(Data!I:I)"},
                 extra=data)
    assert _fast(path)["S!E2"] == -2400
    summary = recalc_workbook(path)
    assert (summary.values["S!C2"], summary.values["S!D2"], summary.values["S!E2"]) == (4, -2400, -2400)


def test_legacy_implicit_intersection(tmp_path):
    def name(wb):
        from openpyxl.workbook.defined_name import DefinedName

        wb.defined_names["Qty"] = DefinedName("Qty", attr_text="S!$A$2:$A$6")

    cells = {f"A{r}": float(r * 10) for r in range(2, 7)}
    cells.update({"B5": "=Qty*2", "C4": "=A2:A6+1", "D3": "=OR(A2:A6>45)", "D9": "=OR(A2:A6>45)",
                  "E9": "=SUMPRODUCT(--(A2:A6>25))"})
    summary = recalc_workbook(_book(tmp_path / "ii.xlsx", cells, extra=name))
    assert summary.engine == "libreoffice"
    assert summary.values["S!B5"] == 100.0  # row 5 of Qty, not its first cell
    assert summary.values["S!C4"] == 41.0
    assert summary.values["S!D3"] is False and summary.values["S!D9"].code == "#VALUE!"  # row 9: no intersection
    assert summary.values["S!E9"] == 4.0


@pytest.mark.parametrize("formula, excel", [("=ROUND(1.005,2)", 1.01), ("=ROUND(0.285,2)", 0.29),
                                            ("=ROUND(-0.285,2)", -0.29), ("=ROUND(2.675,2)", 2.68),
                                            ("=ROUND(1234.5,-1)", 1230.0), ("=ROUND(0.5,0)", 1.0)])
def test_round_halves_away_from_zero_on_the_decimal_excel_shows(tmp_path, formula, excel):
    path = _book(tmp_path / "round.xlsx", {"A1": formula})
    assert _fast(path)["S!A1"] == excel
    summary = recalc_workbook(path)
    assert summary.engine == "fast" and summary.values["S!A1"] == excel


def test_iterative_calculation_is_honoured(tmp_path):
    path = tmp_path / "iter.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["B1"] = 100.0, "=A1-B1*0.95"  # converges to 100/1.95 = 51.28...
    wb.calculation.iterate, wb.calculation.iterateCount, wb.calculation.iterateDelta = True, 1000, 1e-9
    wb.save(path)
    summary = recalc_workbook(path)
    assert summary.engine == "libreoffice" and "iterative" in summary.message
    assert summary.values["S!B1"] == pytest.approx(100 / 1.95, rel=1e-6)


def test_a_spill_that_grew_comes_out_at_its_true_size_and_still_spills(tmp_path):
    path = tmp_path / "tiers.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_dynamic_array_formula("A1:F12", '=LEVXL_TIERS("binance:BTCUSDT")')  # saved when it had 11 rows
    ws.write_formula("H1", "=ROWS(_xlfn.ANCHORARRAY(A1))")
    ws.write_formula("H2", "=SUM(_xlfn.ANCHORARRAY(A1))")
    wb.close()
    out = tmp_path / "out.xlsx"
    summary = recalc_workbook(path, out)
    rows = len(__import__("levxl").catalogue.CATALOGUE["LEVXL_TIERS"]("binance:BTCUSDT"))
    assert rows == 13
    assert summary.values[f"S!A{rows}"] == 12.0 and summary.values["S!H1"] == rows
    import zipfile

    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert f'ref="A1:F{rows}"' in sheet and 'cm="1"' in sheet
    assert openpyxl.load_workbook(out, data_only=True)["S"][f"F{rows}"].value == summary.values[f"S!F{rows}"]


def test_comparison_is_to_15_significant_digits(tmp_path):
    path = _book(tmp_path / "cmp.xlsx", {"A1": "=0.1+0.2=0.3", "A2": "=0.1+0.2<0.3", "A3": "=1/3=0.333333333333333",
                                         "A4": "=1=1.0000001"})
    expected = {"S!A1": True, "S!A2": False, "S!A3": True, "S!A4": False}
    assert {k: _fast(path)[k] for k in expected} == expected
    assert {k: recalc_workbook(path).values[k] for k in expected} == expected


def test_text_with_thousands_separators_is_a_number_in_arithmetic(tmp_path):
    path = _book(tmp_path / "text.xlsx", {"A1": '="1,234.5"*1', "A2": '="$1,000"+1', "A3": '="12%"*1'})
    got = _fast(path)
    assert got["S!A1"] == 1234.5 and got["S!A2"] == 1001.0 and got["S!A3"] == pytest.approx(0.12)
    office = recalc_workbook(path, engine="libreoffice").values
    assert (office["S!A1"], office["S!A2"]) == (1234.5, 1001.0) and office["S!A3"] == pytest.approx(0.12)
    assert recalc_workbook(path).values["S!A1"] == 1234.5


def test_an_error_cell_in_an_array_formulas_range_is_the_error_of_its_own_row_only(tmp_path):
    # Office.js (and Excel) show [54271.36, #N/A, 45226.13]: the good rows are not lost to the one #N/A
    from openpyxl.worksheet.formula import ArrayFormula

    def array(wb):
        wb["S"]["E1"] = ArrayFormula("E1:E3", "=LEVXL_LIQ_PRICE(B1:B3,C1:C3,2,10)")

    cells = {"B1": "long", "C1": 60000, "B2": "short", "C2": "#N/A", "B3": "long", "C3": 50000,
             "A2": "=LEVXL_LIQ_PRICE(B2,C2,2,10)", "F1": "=SUM(E1:E3)"}
    got = _fast(_book(tmp_path / "err.xlsx", cells, extra=array))
    assert got["S!E1"] == pytest.approx(54271.3567839196) and got["S!E3"] == pytest.approx(45226.13065326633)
    assert got["S!E2"].code == "#N/A" and got["S!A2"].code == "#N/A"
    assert got["S!F1"].code == "#N/A"  # the aggregate does not skip the bad row


def test_a_run_of_cells_each_with_its_own_tier_preset_gets_each_cells_own_tiers(tmp_path):
    # one catalogue call per preset value, not a column of presets (which is no tier table)
    cells = {"B1": 60000, "C1": 100, "D1": 20}
    presets = ["binance:BTCUSDT", "bybit:BTCUSDT", "binance:ETHUSDT"]
    for r, preset in enumerate(presets, start=2):
        cells[f"F{r}"] = preset
        cells[f"A{r}"] = f'=LEVXL_LIQ_PRICE("long",$B$1,$C$1,$D$1,F{r})'
        cells[f"G{r}"] = f'=LEVXL_MAX_SIZE("long",1E8,$B$1,$D$1,F{r})'
    cells["F5"], cells["A5"] = 0.01, '=LEVXL_LIQ_PRICE("long",$B$1,$C$1,$D$1,F5)'  # a flat rate in the run
    path = _book(tmp_path / "presets.xlsx", cells)
    got = _fast(path)
    from levxl.catalogue import lookup

    liq, size = lookup("LEVXL_LIQ_PRICE"), lookup("LEVXL_MAX_SIZE")
    for r, preset in enumerate(presets, start=2):
        assert got[f"S!A{r}"] == pytest.approx(liq("long", 60000.0, 100.0, 20.0, preset))
        assert got[f"S!G{r}"] == pytest.approx(size("long", 1e8, 60000.0, 20.0, preset))
    assert got["S!A2"] != pytest.approx(got["S!A3"])  # binance and bybit tiers differ
    assert got["S!A5"] == pytest.approx(liq("long", 60000.0, 100.0, 20.0, 0.01))
    summary = recalc_workbook(path)
    assert summary.engine == "fast" and summary.values["S!A3"] == pytest.approx(got["S!A3"])
