"""Where LibreOffice 25.2 and Excel differ, ``levxl recalc`` never exits 0 having written LibreOffice's value silently:
each case below is evaluated by real LibreOffice (its value is pinned, so a LibreOffice that changes shows up here),
the cell is reported with the reason, the book fails by default and ``--on-divergence warn`` writes it with exit
status 2. A look-alike whose operands cannot hit the difference is not reported.

Excel's values are its documented behaviour (0^0 is #NUM!, 0 to a negative power #DIV/0!, booleans rank above every
number and text, a boolean is "TRUE"/"FALSE" as text, aggregates skip booleans in references and read a text
argument as a number)."""

from __future__ import annotations

import openpyxl
import pytest

from levxl.recalc import RecalcError, recalc_workbook
from levxl.recalc.divergence import REASONS
from levxl.recalc.values import XlError
from levxl.testing import libreoffice

pytestmark = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice is not installed")

INPUTS = {"A1": 0.0, "A2": 0.0, "A3": 3.0, "A8": True, "A9": False, "A11": "2", "A12": 5.0, "A13": "x",
          "D1": '=VLOOKUP("x",D5:D6,1,FALSE)'}  # not on the fast path's list: every book goes to LibreOffice
# formula -> (LibreOffice 25.2's value, Excel's value, reason)
CASES = {
    "=0^0": (1.0, "#NUM!", "pow00"),
    "=POWER(0,0)": (1.0, "#NUM!", "pow00"),
    "=A1^A2": (1.0, "#NUM!", "pow00"),
    "=A1^(A3-3)": (1.0, "#NUM!", "pow00"),
    "=0^-1": ("#NUM!", "#DIV/0!", "pow0neg"),
    "=POWER(A1,-A3)": ("#NUM!", "#DIV/0!", "pow0neg"),
    '=TRUE&"x"': ("1x", "TRUEx", "booltext"),
    '=A8&"x"': ("1x", "TRUEx", "booltext"),
    '=CONCATENATE(A9,"x")': ("0x", "FALSEx", "booltext"),
    "=LEN(A8)": (1.0, 4.0, "booltext"),
    '=EXACT(TRUE,"TRUE")': (False, True, "booltext"),
    "=1=TRUE": (True, False, "boolcmp"),
    "=A8>100": (False, True, "boolcmp"),
    '="a"<A8': (False, True, "boolcmp"),
    "=A9=0": (True, False, "boolcmp"),
    "=ISNUMBER(A8)": (True, False, "booltype"),
    "=TYPE(TRUE)": (1.0, 4.0, "booltype"),
    "=SUM(A3:A9)": (4.0, 3.0, "boolagg"),
    "=SUMPRODUCT(A8:A9)": (1.0, 0.0, "boolagg"),
    "=SUM(G12:G13)": (1.0, 0.0, "boolagg"),  # G12/G13 are formula booleans (=1=TRUE, =A8>100)
    '=SUM("2",1)': ("#VALUE!", 3.0, "numtext"),
    '=AVERAGE(A3,"2")': ("#VALUE!", 2.5, "numtext"),
    '=PRODUCT(A11&"",3)': ("#VALUE!", 6.0, "numtext"),
    "=COUNTIF(A1:A9,1)": (1.0, 0.0, "boollookup"),
    "=VLOOKUP(TRUE,A8:A9,1,FALSE)": (1.0, True, "boollookup"),
    "=IF(A11,1,2)": (1.0, "#VALUE!", "textcond"),  # A11 = "2"
    "=NOT(A11)": (False, "#VALUE!", "textcond"),
}
# look-alikes LibreOffice and Excel agree on: not reported
AGREED = {
    "=(1+A3)^(A3/365)": 4.0 ** (3 / 365), "=A1^A3": 0.0, "=A3^0": 1.0, "=A12&\"x\"": "5x", "=SUM(A11:A13)": 5.0,
    "=AVERAGE(A11:A13)": 5.0, "=SUM(TRUE,1)": 2.0, "=A8": True, "=IF(A3>0,A8,0)": True, "=A8+0": 1.0,
    "=IF(A3>9,1)": False, "=A11+1": 3.0, '="1,234.5"*1': 1234.5, "=COUNT(\"2\")": 1.0, "=(A3>1)=(A3>2)": True,
    "=SUM(OFFSET(A11,0,0,2,1))": 5.0, "=AND(A11:A12)": True, "=IF(A12,1,2)": 1.0,
    '=SUM(INDIRECT("A11:A12"))': 5.0, '=A12>"a"': False,
}


def _book(tmp_path, cells: dict, name="book.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, value in {**INPUTS, **cells}.items():
        ws[ref] = value
    path = tmp_path / name
    wb.save(path)
    return path


def _code(v):
    return v.code if isinstance(v, XlError) else v


def test_each_difference_is_measured_and_reported(tmp_path):
    cells = {f"G{i}": f for i, f in enumerate(CASES, start=1)}
    cells.update({f"H{i}": f for i, f in enumerate(AGREED, start=1)})
    path = _book(tmp_path, cells)
    with pytest.raises(RecalcError) as failed:
        recalc_workbook(path, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()  # nothing written
    assert "where LibreOffice's value may not be Excel's" in str(failed.value)
    summary = recalc_workbook(path, tmp_path / "out.xlsx", on_divergence="warn")
    assert summary.engine == "libreoffice" and summary.warned and (tmp_path / "out.xlsx").exists()
    assert sorted(failed.value.cells) == sorted(summary.cells)
    reported = dict(c.split(": ", 1) for c in summary.cells)
    for ref, formula in cells.items():
        got = _code(summary.values[f"S!{ref}"])
        if formula in CASES:
            lo, excel, reason = CASES[formula]
            assert got == lo and type(got) is type(lo), (formula, got)  # what LibreOffice 25.2 gives
            assert got != excel or type(got) is not type(excel), formula
            assert REASONS[reason] in reported.get(f"S!{ref}", ""), (formula, reported.get(f"S!{ref}"))
        else:
            assert f"S!{ref}" not in reported, (formula, reported[f"S!{ref}"])
            assert got == pytest.approx(AGREED[formula]) and type(got) is type(AGREED[formula]), (formula, got)


def test_let_variables_are_followed(tmp_path):
    path = _book(tmp_path, {"G1": "=_xlfn.LET(_xlpm.x,A1,_xlpm.x^A2)", "G2": "=_xlfn.LET(_xlpm.x,A3,_xlpm.x^A1)",
                            "G3": '=_xlfn.LET(_xlpm.x,A8,_xlpm.x&"")', "G4": '=_xlfn.LET(_xlpm.x,A12,_xlpm.x&"")'})
    summary = recalc_workbook(path, on_divergence="warn")
    assert [_code(summary.values[f"S!G{i}"]) for i in range(1, 5)] == [1.0, 1.0, "1", "5"]  # LibreOffice's
    reported = dict(c.split(": ", 1) for c in summary.cells)
    assert sorted(reported) == ["S!G1", "S!G3"]  # 3^0 and 5&"" agree with Excel
    assert reported["S!G1"] == REASONS["pow00"] and reported["S!G3"] == REASONS["booltext"]


def test_a_formula_levxl_cannot_read_is_reported_when_it_can_diverge(tmp_path):
    from openpyxl.worksheet.table import Table

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, value in {**INPUTS, "J1": "q", "J2": 1.0, "J3": 2.0}.items():
        ws[ref] = value
    ws.add_table(Table(displayName="Tq", ref="J1:J3"))
    ws["G1"] = "=SUM(Tq[q])^A2"  # a structured reference: not read, and ^ to a cell can meet 0^0
    ws["G2"] = "=SUM(Tq[q])^2"  # to a nonzero number: cannot diverge
    ws["G3"] = "=COUNTIF(Tq[q],TRUE)"  # a boolean at hand in a lookup
    ws["G4"] = "=SUM(Tq[q])*2"
    path = tmp_path / "table.xlsx"
    wb.save(path)
    summary = recalc_workbook(path, on_divergence="warn")
    # G3: LibreOffice counts the 1 as TRUE (Excel: 0) -- the reason it is reported
    assert [summary.values[f"S!G{i}"] for i in range(1, 5)] == [1.0, 9.0, 1.0, 6.0]
    assert [c.split(":")[0] for c in summary.cells] == ["S!G1", "S!G3"]
    assert all(REASONS["unchecked"] in c for c in summary.cells)


def test_the_fast_path_gives_excels_values_and_no_warning(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A8"] = 0.0, 0.0, True
    ws["B1"], ws["B2"], ws["B3"] = "=A1^A2", '=A8&"x"', "=A8=1"
    path = tmp_path / "fast.xlsx"
    wb.save(path)
    summary = recalc_workbook(path)
    assert summary.engine == "fast" and not summary.warned and not summary.cells
    assert [_code(summary.values[f"S!B{i}"]) for i in (1, 2, 3)] == ["#NUM!", "TRUEx", False]


def test_cli_exit_status_and_one_line_per_cell(tmp_path):
    from click.testing import CliRunner

    from levxl.cli.recalc import recalc

    folder = tmp_path / "books"
    folder.mkdir()
    _book(folder, {"G1": "=A1^A2", "G2": '=A8&"x"', "G3": "=A3*2"}, "diverging.xlsx")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    wb.save(folder / "plain.xlsx")
    runner = CliRunner()
    result = runner.invoke(recalc, [str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "diverging.xlsx: S!G1: 0^0" in result.output and "diverging.xlsx: S!G2: a TRUE/FALSE used as text" \
        in result.output and "S!G3" not in result.output
    assert not (tmp_path / "out" / "diverging.xlsx").exists() and (tmp_path / "out" / "plain.xlsx").exists()
    result = runner.invoke(recalc, [str(folder), "--out", str(tmp_path / "out2"), "--on-divergence", "warn"])
    assert result.exit_code == 2, result.output
    assert "diverging.xlsx: WARNING" in result.output and "diverging.xlsx: S!G1: 0^0" in result.output
    assert (tmp_path / "out2" / "diverging.xlsx").exists()
    result = runner.invoke(recalc, [str(folder / "plain.xlsx"), "--out", str(tmp_path / "out3")])
    assert result.exit_code == 0, result.output


def test_levxl_grid_booleans_come_out_as_booleans_or_are_reported(tmp_path):
    """LEVXL_SCENARIO_GRID(..., "liquidated") is TRUE/FALSE in the catalogue (and Excel); LibreOffice receives 1/0
    from the add-in (a matrix cannot carry a boolean, LibreOffice has no boolean type). levxl writes TRUE/FALSE where
    the grid (or INDEX of it) is the whole formula and the output is known -- a literal or a cell's value -- and
    reports the cells where the 1/0 would go further."""
    import xlsxwriter

    from levxl.catalogue import CATALOGUE

    path = tmp_path / "grid.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    grid = 'LEVXL_SCENARIO_GRID("long",60000,1,{-0.2;0.1},{5,50},0.005,"linear",%s)'
    ws.write("H1", "Liquidated")
    ws.write("H2", "pnl")
    ws.write_array_formula("A1:B2", "{=" + grid % "H1" + "}")  # the output from a cell
    ws.write_formula("A4", "=INDEX(" + grid % "H1" + ",1,1)")
    ws.write_formula("A5", "=IFERROR(INDEX(" + grid % '"liquidated"' + ",1,1),0)")  # wrapped: reported
    ws.write_formula("A6", "=--INDEX(" + grid % '"liquidated"' + ",1,1)")  # arithmetic: 1/0 is Excel's too
    ws.write_formula("A7", "=SUM(A1:B2)")  # Excel skips the booleans: reported
    ws.write_formula("A8", "=INDEX(" + grid % "H2" + ",1,1)")  # pnl: numbers
    ws.write_formula("A10", '=VLOOKUP("zz",H1:H2,1,FALSE)')
    wb.close()
    expected = CATALOGUE["LEVXL_SCENARIO_GRID"]("long", 60000, 1, [[-0.2], [0.1]], [[5, 50]], 0.005, "linear",
                                                "liquidated")
    summary = recalc_workbook(path, on_divergence="warn")
    v = summary.values
    assert summary.engine == "libreoffice"
    assert [[v[f"S!{c}{r}"] for c in "AB"] for r in (1, 2)] == expected
    assert all(type(v[f"S!{c}{r}"]) is bool for c in "AB" for r in (1, 2))
    assert v["S!A4"] is True and v["S!A6"] == 1.0 and type(v["S!A6"]) is float and type(v["S!A8"]) is float
    reported = dict(c.split(": ", 1) for c in summary.cells)
    assert sorted(reported) == ["S!A5", "S!A7"]
    assert REASONS["gridbool"] in reported["S!A5"] and REASONS["boolagg"] in reported["S!A7"]


def test_levxl_booleans_in_arguments_and_results_are_booleans_or_reported(tmp_path):
    """LibreOffice passes a TRUE/FALSE to the add-in as 1/0 (TRUE entry = 1, TRUE side = long) and takes
    LEVXL_WITHIN_TIER_LIMITS's TRUE/FALSE as 1/0; Excel (and the fast path, and Office.js) give #VALUE! for the
    first and TRUE/FALSE for the second. The whole-formula boolean is written as a boolean; every other cell whose
    value would differ is reported."""
    within = 'LEVXL_WITHIN_TIER_LIMITS(0.1,100000,10,"binance:BTCUSDT")'
    cells = {"B1": "long", "C1": 60000, "B2": True, "C2": True,
             "J1": "=LEVXL_LIQ_PRICE(B1,C1,2,10)",  # no boolean: not reported
             "J2": "=LEVXL_LIQ_PRICE(B1,C2,2,10)",  # entry TRUE
             "J3": "=LEVXL_LIQ_PRICE(B2,C1,2,10)",  # side TRUE
             "J4": '=LEVXL_PNL("long",60000,TRUE,1)',
             "K1": "=" + within, "K2": "=" + within + '&""', "K3": "=ISNUMBER(" + within + ")",
             "K4": "=SUM(K1:K1)", "K5": "=IFERROR(" + within + ",FALSE)",
             "K6": '=IF(' + within + ',"ok","too big")',  # a condition: 1/0 is Excel's too
             # computed from J2, which Excel shows as #VALUE!: LibreOffice's numbers here are not Excel's either
             "L1": "=J2*2", "L2": "=SUM(J1:J2)", "L3": '=LEVXL_PNL("long",J2,61000,1)', "L4": "=L1+1",
             "L5": "=J1*2"}  # J1 is fine
    summary = recalc_workbook(_book(tmp_path, cells), on_divergence="warn")
    v = summary.values
    assert summary.engine == "libreoffice" and summary.warned
    assert v["S!K1"] is True and v["S!K6"] == "ok"
    reported = dict(c.split(": ", 1) for c in summary.cells)
    for ref in ("S!J2", "S!J3", "S!J4"):
        assert REASONS["levxlbool"] in reported[ref], ref
    assert REASONS["booltext"] in reported["S!K2"] and REASONS["booltype"] in reported["S!K3"]
    assert REASONS["boolagg"] in reported["S!K4"] and REASONS["levxlboolout"] in reported["S!K5"]
    assert not {"S!J1", "S!K1", "S!K6", "S!L5"} & set(reported)
    for ref in ("S!L1", "S!L2", "S!L3", "S!L4"):  # listed after the roots, each naming the root it comes from
        assert reported[ref] == "computed from S!J2, whose LibreOffice value may not be Excel's", ref
    assert [c.split(": ")[0] for c in summary.cells][-4:] == ["S!L1", "S!L2", "S!L3", "S!L4"]
    assert "7 cells written with LibreOffice's value where Excel's may differ, and 4 cells computed from them: " \
        "S!J2, S!K2, S!J3, S!K3, S!J4, S!K4, S!K5" in summary.message
    with pytest.raises(RecalcError) as failed:  # by default the book fails instead, naming the roots
        recalc_workbook(_book(tmp_path, cells, "again.xlsx"), tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()
    assert "7 cells where LibreOffice's value may not be Excel's, and 4 cells computed from them" in str(failed.value)
    assert "S!J2: a TRUE/FALSE passed to a LEVXL_ function" in str(failed.value)
    assert failed.value.cells == summary.cells
