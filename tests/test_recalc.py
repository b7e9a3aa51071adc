"""levxl recalc: the fast path pinned to LibreOffice 25.2 with the levxl add-in, and what is written into the
package."""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from levxl.catalogue import CATALOGUE
from levxl.recalc import RecalcError, recalc_workbook
from levxl.testing.samples import positions_book
from levxl.recalc.values import XlError

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
TEMPLATE = Path(__file__).resolve().parent.parent / "workbook" / "levxl_template.xlsm"
_NUMBER = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?")


def _norm_text(text: str) -> str:
    """Numbers inside text to 12 significant digits: formulas' ``&`` shows 17 digits, Excel (and the fast path) 15."""
    return _NUMBER.sub(lambda m: f"{float(m.group()):.12g}", text)


def same(a, b) -> bool:
    if isinstance(a, XlError) or isinstance(b, XlError):
        return isinstance(a, XlError) and isinstance(b, XlError) and a.code == b.code
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, str) and isinstance(b, str):
        return a == b or _norm_text(a) == _norm_text(b)
    return a == b


def diffs(left: dict, right: dict) -> list:
    keys = set(left) | set(right)
    return sorted((k, left.get(k, "MISSING"), right.get(k, "MISSING")) for k in keys
                  if not same(left.get(k, "MISSING"), right.get(k, "MISSING")))


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return positions_book(tmp_path_factory.mktemp("recalc") / "positions.xlsm", rows=8, seed=3, vba=True)


@pytest.fixture(scope="module")
def reference(book):
    return recalc_workbook(book, engine="libreoffice")


@pytest.fixture(scope="module")
def fast(book, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "positions.xlsm"
    summary = recalc_workbook(book, out, engine="fast")
    return summary, out


def test_fast_path_equals_reference_cell_by_cell(fast, reference):
    summary, _ = fast
    assert summary.engine == "fast" and reference.engine == "libreoffice"
    assert len(summary.values) == len(reference.values) > 100
    assert diffs(summary.values, reference.values) == []
    assert summary.errors == reference.errors


def test_excel_semantics(fast):
    v = fast[0].values
    code = lambda k: v[k].code if isinstance(v[k], XlError) else v[k]  # noqa: E731
    assert code("Summary!B12") == "#DIV/0!"
    assert code("Summary!B13") == "#VALUE!"  # "long" + 1
    assert code("Summary!B14") == "#REF!"
    assert code("Summary!B15") == "#DIV/0!"  # an error argument of a LEVXL function propagates
    assert v["Summary!B16"] == -1
    assert code("Summary!B17") == "#VALUE!"  # a bad element is a real error (its reason: LEVXL_WHY)
    assert v["Summary!B18"] == -1  # so IFERROR catches it, as SUM/MIN/COUNT see it
    assert code("Summary!B19") == "#NUM!" and code("Summary!B20") == "#N/A"
    assert v["Summary!B10"] == pytest.approx(CATALOGUE["LEVXL_LIQ_PRICE"]("long", 61850.0, 1, 10))
    grid = CATALOGUE["LEVXL_SCENARIO_GRID"]("long", 60000, 1, [[-0.2], [-0.1], [0.1]], [[5, 10, 20]])
    assert [v[f"Summary!{c}{r}"] for r in (1, 2, 3) for c in "DEF"] == pytest.approx(sum(grid, []))
    assert v["Summary!H3"] == "tier" and v["Summary!M5"] == pytest.approx(50.0)  # TIERS cut to its range
    # bad elements of a LEVXL column are real errors, and IFERROR around arithmetic on them catches them
    bad = [k for k, x in v.items() if k.startswith("Positions!H") and isinstance(x, XlError)]
    assert bad and all(v[k.replace("!H", "!K")] == "n/a" for k in bad)


def test_package_kept_byte_for_byte(book, fast):
    _, out = fast
    with zipfile.ZipFile(book) as a, zipfile.ZipFile(out) as b:
        ia, ib = a.infolist(), b.infolist()
        assert [i.filename for i in ia] == [i.filename for i in ib]
        changed = []
        for x, y in zip(ia, ib):
            assert x.compress_type == y.compress_type
            if a.read(x.filename) != b.read(y.filename):
                changed.append(x.filename)
            elif x.filename.startswith("xl/") and not x.filename.startswith("xl/worksheets/"):
                assert (x.CRC, x.compress_size) == (y.CRC, y.compress_size)
        assert set(changed) <= {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
        for name in changed:  # formulas unchanged
            fa = [(f.getparent().get("r"), f.text, dict(f.attrib)) for f in
                  etree.fromstring(a.read(name)).iterfind(".//m:f", NS)]
            fb = [(f.getparent().get("r"), f.text, dict(f.attrib)) for f in
                  etree.fromstring(b.read(name)).iterfind(".//m:f", NS)]
            assert fa == fb and fa


def test_openpyxl_reads_cached_values(fast):
    import openpyxl

    summary, out = fast
    wb = openpyxl.load_workbook(out, data_only=True)
    for key, value in summary.values.items():
        sheet, ref = key.split("!")
        got = wb[sheet][ref].value
        if isinstance(value, XlError):
            assert got == value.code, key
        elif isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-15), key
        else:
            assert got == value, key


def test_spill_cells_are_created_in_column_order(fast):
    _, out = fast
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("xl/worksheets/sheet2.xml"))
    for row in root.iterfind(".//m:sheetData/m:row", NS):
        refs = [c.get("r") for c in row.iterfind("m:c", NS)]
        cols = [re.match(r"[A-Z]+", r).group() for r in refs]
        assert cols == sorted(cols, key=lambda c: (len(c), c)), refs
    rows = {int(r.get("r")): r for r in root.iterfind(".//m:sheetData/m:row", NS)}
    assert [int(r) for r in rows] == sorted(rows)
    e1 = root.find(".//m:c[@r='E1']", NS)
    assert e1 is not None and e1.find("m:v", NS) is not None and e1.find("m:f", NS) is None
    h3 = root.find(".//m:c[@r='H3']", NS)
    assert h3.get("t") == "str" and h3.find("m:v", NS).text == "tier"
    b12 = root.find(".//m:c[@r='B12']", NS)
    assert b12.get("t") == "e" and b12.find("m:v", NS).text == "#DIV/0!"


def test_inputs_set_marks_then_recompute(book, tmp_path):
    out = tmp_path / "marked.xlsm"
    summary = recalc_workbook(book, out, inputs={"Summary!B9": 50000.0})
    assert summary.values["Summary!B10"] == pytest.approx(CATALOGUE["LEVXL_LIQ_PRICE"]("long", 50000.0, 1, 10))
    import openpyxl

    ws = openpyxl.load_workbook(out, data_only=True)["Summary"]
    assert ws["B9"].value == 50000.0
    assert ws["B10"].value == pytest.approx(summary.values["Summary!B10"])
    with pytest.raises(RecalcError, match="formula cell"):
        recalc_workbook(book, inputs={"Summary!B10": 1.0})
    with pytest.raises(RecalcError, match="no sheet"):
        recalc_workbook(book, inputs={"Nope!B1": 1.0})


def test_input_untouched_without_in_place(book):
    before = book.read_bytes()
    recalc_workbook(book)
    assert book.read_bytes() == before


def _book(tmp_path, cells: dict, name="small.xlsx") -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, value in cells.items():
        ws[ref] = value
    path = tmp_path / name
    wb.save(path)
    return path


def test_unknown_function_falls_back_to_reference(tmp_path):
    path = _book(tmp_path, {"A1": 2.0, "B1": "=FOOBAR(A1)+1", "C1": '=_xll.LEVXL_PNL("long",100,110,A1)',
                            "D1": "=C1*2"})
    summary = recalc_workbook(path, tmp_path / "out.xlsx")
    assert summary.engine == "libreoffice" and "FOOBAR" in summary.message
    assert summary.values["S!B1"].code == "#NAME?"
    assert summary.values["S!C1"] == pytest.approx(20.0) and summary.values["S!D1"] == pytest.approx(40.0)
    with pytest.raises(RecalcError, match="FOOBAR"):
        recalc_workbook(path, engine="fast")


def test_circular_reference_writes_zero_and_reports(tmp_path):
    path = _book(tmp_path, {"A1": "=B1+1", "B1": "=A1+1", "C1": "=A1*2+5", "D1": "=SUM(D2:D3)", "D2": 4.0,
                            "D3": "=D1"})
    summary = recalc_workbook(path, tmp_path / "out.xlsx")
    assert summary.engine == "fast"
    assert summary.values["S!A1"] == 0 and summary.values["S!B1"] == 0
    assert summary.values["S!C1"] == pytest.approx(5.0)  # downstream of the cycle: computed with 0
    assert summary.errors["circular"] == 4  # A1, B1, D1, D3
    assert "circular" in summary.message


def test_circular_reference_in_the_reference_engine(tmp_path):
    path = _book(tmp_path, {"A1": "=B1+1", "B1": "=A1+1", "C1": "=FOOBAR(1)"})
    summary = recalc_workbook(path, tmp_path / "out.xlsx")
    assert summary.engine == "libreoffice"
    assert summary.values["S!A1"] == 0 and summary.values["S!B1"] == 0
    assert summary.errors == {"#NAME?": 1, "circular": 2} and "circular" in summary.message


def test_shared_formulas_and_cumulative_columns(tmp_path):
    """Excel writes filled-down columns as shared formulas; a running total reads its own column."""
    path = _book(tmp_path, {**{f"A{r}": float(r) for r in range(1, 7)}, "B1": "=A1*2", "C1": "=A1",
                            **{f"C{r}": f"=C{r - 1}+A{r}" for r in range(2, 7)}})
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace("<f>A1*2</f>", '<f t="shared" ref="B1:B6" si="0">A1*2</f>')
    for r in range(2, 7):
        xml = xml.replace(f'<c r="A{r}" t="n"><v>{r}</v></c>',
                          f'<c r="A{r}" t="n"><v>{r}</v></c><c r="B{r}"><f t="shared" si="0"/></c>')
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    shared = tmp_path / "shared.xlsx"
    with zipfile.ZipFile(shared, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    summary = recalc_workbook(shared, tmp_path / "out.xlsx")
    assert summary.engine == "fast"
    assert [summary.values[f"S!B{r}"] for r in range(1, 7)] == [2.0 * r for r in range(1, 7)]
    assert [summary.values[f"S!C{r}"] for r in range(1, 7)] == [1, 3, 6, 10, 15, 21]
    assert diffs(summary.values, recalc_workbook(shared, engine="libreoffice").values) == []


def test_defined_names_and_cross_sheet(tmp_path):
    import openpyxl
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "In puts"
    ws["A1"], ws["A2"] = 0.005, 60000.0
    s = wb.create_sheet("Calc")
    s["A1"] = "=LEVXL_LIQ_PRICE(\"long\",'In puts'!A2,1,10,rate)"
    s["A2"] = "=A1/'In puts'!$A$2"
    dn = DefinedName("rate", attr_text="'In puts'!$A$1")
    try:
        wb.defined_names["rate"] = dn
    except TypeError:  # older openpyxl
        wb.defined_names.append(dn)
    path = tmp_path / "names.xlsx"
    wb.save(path)
    summary = recalc_workbook(path)
    assert summary.engine == "fast"
    assert summary.values["Calc!A1"] == pytest.approx(CATALOGUE["LEVXL_LIQ_PRICE"]("long", 60000.0, 1, 10, 0.005))
    assert diffs(summary.values, recalc_workbook(path, engine="libreoffice").values) == []


def test_template_fast_equals_reference(tmp_path):
    from levxl.recalc.package import open_package, split_ref

    summary = recalc_workbook(TEMPLATE, tmp_path / TEMPLATE.name)
    assert summary.engine == "fast", summary.message
    reference = recalc_workbook(TEMPLATE, engine="libreoffice")
    cells = {(s.name, c.row, c.col): c for s in open_package(TEMPLATE).sheets for c in s.cells.values()}

    def cell(key):
        sheet, ref = key.rsplit("!", 1)
        return cells[(sheet.strip("'").replace("''", "'"), *split_ref(ref))]

    assert diffs(summary.values, reference.values) == []
    # and the values cached in the template by the spreadsheet that saved it
    cached = {k: cell(k).value for k in summary.values if cell(k).formula is not None}
    assert diffs({k: summary.values[k] for k in cached}, cached) == []

NATIVE_INPUTS = {"A1": 4.0, "A2": -3.0, "A3": "txt", "A4": 1.0, "A5": 2.0, "A6": 3.0, "A7": 4.0, "A8": True,
                 "C1": "alpha", "C2": "beta", "C3": "gamma", "D1": 1.0, "D2": 2.0, "D3": 3.0, "A10": "=1/0"}
NATIVES = {
 "B1": "=ROUND(2.675,2)", "B2": "=ROUND(-1.5,0)", "B3": "=MOD(-7,3)", "B4": "=INT(-2.5)", "B5": "=SIGN(A2)",
 "B6": "=LOG10(1000)", "B7": "=POWER(2,10)", "B8": "=ISNUMBER(A1)", "B9": "=ISTEXT(A3)", "B10": "=ISBLANK(A9)",
 "B11": "=IFNA(MATCH(99,A1:A5,0),\"none\")", "B12": "=COUNTA(A1:A8)", "B13": "=PRODUCT(A1:A2,2)",
 "B14": "=MATCH(2.5,A4:A7,1)", "B15": "=MATCH(3,A4:A7,-1)", "B16": "=INDEX(A1:A8,3)", "B17": "=INDEX(C1:D3,2,2)",
 "B18": "=A3>A1", "B19": '="a"="A"', "B20": "=TRUE&\"x\"", "B21": "=-2^2", "B22": "=50%*A1", "B23": "=NORMSDIST(1)",
 "B24": "=NORM.S.DIST(0.5,FALSE)", "B25": '=A9=""', "B26": "=A9+1", "B27": '="3"+1', "B28": "=A3*1",
 "B29": "=AND(A1>0,A2>0)", "B30": "=OR(A1>5,A2>5)", "B31": "=NOT(A9)", "B32": "=AVERAGE(A1:A8)", "B33": "=MIN(A4:A7,-3)",
 "B34": "=MAX(A1:A8)", "B35": "=SUM(A1:A8,TRUE)", "B36": "=COUNT(A1:A8,\"x\",1)", "B37": "=IF(A1>1,\"big\")",
 "B38": "=IF(A1>100,,2)", "B39": "=SQRT(A1)*EXP(1)", "B40": "=LN(0)", "B41": "=1/A9", "B42": "=0^0",
 "B43": "=SUMPRODUCT(A4:A7,A4:A7)", "B44": "=MATCH(\"b*\",C1:C3,0)", "B45": "=IFERROR(1/0,\"div\")",
 "B46": "=A1&A2&A9", "B47": "=ABS(-A2)", "B48": '=IF(A3="txt",1,0)', "B49": "=2*A10", "B50": "=IFERROR(A10,7)",
 "B51": "=INDEX(C1:D3,3,1)&\"!\"", "B52": "=A1<>A2", "B53": "=ROUND(1234.5678,-2)", "B54": "=MOD(5,0)",
 "B55": "=SUM(A1:A2)/COUNT(A1:A8)", "B56": "=(A1+A2)*-1", "B57": "=10/4%", "B58": "=FALSE+1",
 "B59": "=ROUND(0,0)=FALSE", "B60": '="a"+NA()', "B61": '=ROUND("a",NA())', "B62": "=ISNUMBER(A3)<(A2<>10)",
 "B63": "=MIN(A3,A8)*10", "B64": '=AVERAGE(A1:A3,"2")',
}
# where LibreOffice 25.2 is not Excel, the fast path follows Excel; on the LibreOffice path these cells are
# reported (levxl.recalc.divergence), never written silently
EXCEL_NOT_LIBREOFFICE = {"S!B20": "TRUEx",  # LibreOffice: "1x"
                         "S!B42": "#NUM!",  # 0^0 is #NUM! in Excel; LibreOffice gives 1
                         "S!B59": False,  # a number never equals a boolean in Excel; LibreOffice: TRUE
                         "S!B64": 1.0}  # AVERAGE reads a text argument "2" as 2; LibreOffice: #VALUE!


def test_native_functions_pinned(tmp_path):
    path = _book(tmp_path, {**NATIVE_INPUTS, **NATIVES}, "natives.xlsx")
    summary = recalc_workbook(path, engine="fast")
    # the boolean constant A8 inside aggregated ranges: LibreOffice would count it, so it refuses, naming the cells
    with pytest.raises(RecalcError) as refused:
        recalc_workbook(path, engine="libreoffice")
    assert re.findall(r"S!(B\d+): a TRUE/FALSE cell in an aggregate", str(refused.value)) == \
        ["B32", "B34", "B35", "B36", "B55", "B63"]
    no_boolean = _book(tmp_path, {**NATIVE_INPUTS, "A8": None, **NATIVES}, "natives_no_boolean.xlsx")
    fast_values = recalc_workbook(no_boolean, engine="fast").values
    with pytest.raises(RecalcError) as refused:
        recalc_workbook(no_boolean, engine="libreoffice")
    assert sorted(refused.value.cells) == sorted(recalc_workbook(no_boolean, engine="libreoffice",
                                                                 on_divergence="warn").cells)
    reference = recalc_workbook(no_boolean, engine="libreoffice", on_divergence="warn")
    found = {k: a for k, a, b in diffs(fast_values, reference.values)}
    assert {k: (v.code if isinstance(v, XlError) else v) for k, v in found.items()} == EXCEL_NOT_LIBREOFFICE
    # the cells reported are exactly those where the engines differ (B62 compares two booleans: not reported)
    assert {c.split(":", 1)[0] for c in reference.cells} == set(EXCEL_NOT_LIBREOFFICE) and reference.warned
    v = summary.values
    assert v["S!B1"] == 2.68 and v["S!B2"] == -2 and v["S!B3"] == 2 and v["S!B21"] == 4  # -2^2 = 4 in Excel
    assert v["S!B14"] == 2 and v["S!B44"] == 2 and v["S!B20"] == "TRUEx" and v["S!B50"] == 7


def test_inputs_reach_the_reference_engine(tmp_path):
    path = _book(tmp_path, {"A1": 2.0, "B1": "=FOOBAR(A1)", "C1": '=LEVXL_PNL("long",100,110,A1)'})
    summary = recalc_workbook(path, inputs={"S!A1": 3.0})
    assert summary.engine == "libreoffice" and summary.values["S!C1"] == pytest.approx(30.0)


def test_write_is_atomic(book, tmp_path, monkeypatch):
    import os

    target = tmp_path / "target.xlsm"
    target.write_bytes(b"previous contents")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        recalc_workbook(book, target)
    assert target.read_bytes() == b"previous contents"
    assert [p.name for p in tmp_path.iterdir()] == ["target.xlsm"]  # no temp file left behind


def test_sumif_countif_criteria(tmp_path):
    """Expected values agree with LibreOffice (formulas 1.3.4 differs on most criteria forms)."""
    data = [("long", 1.0), ("short", 2.0), ("Long", 3.0), ("lo", "x"), (None, 5.0), ("3", 6.0), (3.0, 7.0),
            (True, 8.0)]
    cells = {}
    for i, (a, b) in enumerate(data):
        if a is not None:
            cells[f"A{i + 1}"] = a
        cells[f"B{i + 1}"] = b
    expected = {'=SUMIF(A1:A8,"long",B1:B8)': 4, '=COUNTIF(A1:A8,"lo*")': 3, '=SUMIF(B1:B8,">2")': 29,
                '=COUNTIF(A1:A8,"<>long")': 6, "=COUNTIF(A1:A8,3)": 1, '=COUNTIF(A1:A8,"3")': 2,
                '=SUMIF(A1:A8,"",B1:B8)': 5, "=COUNTIF(A1:A8,TRUE)": 1, '=AVERAGEIF(B1:B8,"<=3")': 2,
                '=COUNTIF(A1:A8,">=l")': 4, '=COUNTIF(B1:B8,"<>5")': 7, '=SUMIF(A1:A8,"?o*",B1:B8)': 4,
                '=COUNTIF(A1:A8,"=")': 1}
    for i, formula in enumerate(expected):
        cells[f"D{i + 1}"] = formula
    for r in range(1, 9):  # a criterion per row: one call for the run
        cells[f"E{r}"] = f"=COUNTIF($A$1:$A$8,A{r})+SUMIF($A$1:$A$8,A{r},$B$1:$B$8)"
    summary = recalc_workbook(_book(tmp_path, cells, "ifs.xlsx"), engine="fast")
    assert [summary.values[f"S!D{i + 1}"] for i in range(len(expected))] == list(expected.values())
    assert [summary.values[f"S!E{r}"] for r in range(1, 9)] == [6, 3, 6, 1, 0, 15, 8, 9]


def test_dynamic_array_spill_written_by_xlsxwriter(tmp_path):
    """Excel's dynamic-array form (``cm="1"`` + ``<f t="array" ref=...>``): the spill cells and rows are created."""
    import xlsxwriter
    path = tmp_path / "dyn.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Pos")
    ws.write_row("A1", ["long", 60000, 1, 10])
    ws.write_formula("E1", "=_xll.LEVXL_LIQ_PRICE(A1,B1,C1,D1)")
    ws.write_dynamic_array_formula("G1:I3", '=LEVXL_SCENARIO_GRID("long",60000,1,{-0.2;-0.1;0.1},{5,10,20})')
    ws.write_formula("E2", "=SUM(G1:I3)+E1")
    wb.close()
    out = tmp_path / "out.xlsx"
    summary = recalc_workbook(path, out)
    assert summary.engine == "libreoffice"  # a dynamic array's true size is known only once evaluated
    assert summary.values["Pos!E2"] == pytest.approx(summary.values["Pos!E1"] - 18000.0)
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    g1 = root.find(".//m:c[@r='G1']", NS)
    assert g1.get("cm") == "1" and g1.find("m:f", NS).get("ref") == "G1:I3"
    row3 = root.find(".//m:row[@r='3']", NS)
    assert [c.get("r") for c in row3] == ["G3", "H3", "I3"]
    assert [float(c.find("m:v", NS).text) for c in row3] == [6000.0, 6000.0, 6000.0]


def test_spill_into_missing_rows(tmp_path):
    from openpyxl.worksheet.formula import ArrayFormula

    path = _book(tmp_path, {"A1": 1.0, "A5": 2.0, "C2": ArrayFormula("C2:D4", "=A1*{1,2}+{0;10;20}")})
    out = tmp_path / "out.xlsx"
    summary = recalc_workbook(path, out)
    assert [summary.values[f"S!{c}{r}"] for r in (2, 3, 4) for c in "CD"] == [1, 2, 11, 12, 21, 22]
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    assert [r.get("r") for r in root.iterfind(".//m:sheetData/m:row", NS)] == ["1", "2", "3", "4", "5"]
    assert diffs(summary.values, recalc_workbook(path, engine="libreoffice").values) == []
