"""The differential corpus: books mixing LEVXL_ functions with the native Excel constructs desks use, each probe cell
pinned to Excel's value (LibreOffice's where they agree, Excel's documented behaviour where they do not), through
``levxl recalc`` and, wherever the fast path claims a book (:func:`levxl.recalc.proven.claim`), on both engines.

Books are built here with openpyxl and xlsxwriter; some are saved by LibreOffice itself first."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

from levxl.catalogue import CATALOGUE
from levxl.recalc import RecalcError, fast, proven, recalc_workbook
from levxl.recalc.package import open_package
from levxl.recalc.values import XlError

LIQ = CATALOGUE["LEVXL_LIQ_PRICE"]
DESK = "Bob's desk"  # an apostrophe in a sheet name
Q = "'Bob''s desk'"  # as a formula (and levxl recalc's summary) names it


def _desk(wb):
    ws = wb.active
    ws.title = DESK
    ws.append(["side", "qty", "px", "lev"])
    for row in (("long", 10, 100.0, 10), ("short", 5, 200.0, 20), ("long", 2, 50.0, 5)):
        ws.append(list(row))
    return ws


def natives(wb):
    ws = _desk(wb)
    cells = {
        "F1": ('=SUMIFS(C:C,A:A,"long",B:B,">3")', 100.0), "F2": ("=ROUNDUP(2.121,2)", 2.13),
        "F3": ('=_xlfn.IFS(B2>5,"big",TRUE,"small")', "big"), "F4": ('=CHOOSE(2,"a","b","c")', "b"),
        "F5": ("=DATE(2024,2,29)", 45351.0), "F6": ('=TEXT(1234.5,"#,##0.00")', "1,234.50"),
        "F7": ("=MEDIAN(B2:B4)", 5.0), "F8": ('=SUMPRODUCT(--(A2:A4="long"),C2:C4)', 150.0),
        "F9": ("=SUM(OFFSET(B2,0,0,3,1))", 17.0), "F10": ('=INDIRECT("B"&(1+2))', 5.0),
        "F11": ("=(-8)^(1/3)", -2.0), "F12": ("=TODAY()>45000", True), "F13": ("=SUM(Table1[qty])", 17.0),
        "F14": ("=Rate*2", 0.1), "F15": ("=LocalRate*2", 0.5), "F16": ('=VLOOKUP("short",A2:C4,3,FALSE)', 200.0),
        "F17": (f"=SUM({Q}!B2:B4)", 17.0),
        "F18": ('=_xlfn.XLOOKUP("short",A2:A4,D2:D4)', 20.0),
        "F19": ("=_xlfn.LET(_xlpm.x,B2*2,_xlpm.x+1)", 21.0),
        "F20": ('=LEVXL_LIQ_PRICE(A2,C2*600,B2/10,_xlfn.XLOOKUP("long",A2:A4,D2:D4),"binance:BTCUSDT")',
                LIQ("long", 60000, 1, 10, "binance:BTCUSDT")),
        "F21": ('=IF(LEVXL_LIQ_PRICE("long",60000,1,10)<55000,"safe","near")', "safe"),
        "F22": ("=SUMIF(A:A,\"long\",C:C)", 150.0), "F23": ("=ROUND(1.005,2)", 1.01),
        "F24": ("=0.1+0.2=0.3", True), "F25": ('="1,234.5"*1', 1234.5),
    }
    for ref, (formula, _) in cells.items():
        ws[ref] = formula
    ws.add_table(Table(displayName="Table1", ref="A1:D4"))
    wb.defined_names["Rate"] = DefinedName("Rate", attr_text="0.05")
    ws.defined_names["LocalRate"] = DefinedName("LocalRate", attr_text="0.25")
    return {f"{Q}!{ref}": v for ref, (_, v) in cells.items()}


def levxl_spellings(wb):
    ws = _desk(wb)
    expected = LIQ("long", 100.0, 10, 10)
    for i, spelling in enumerate(("LEVXL_LIQ_PRICE", "levxl_liq_price", "_xll.LEVXL_LIQ_PRICE",
                                  "_xldudf_LEVXL_LIQ_PRICE", "_xludf.LEVXL_LIQ_PRICE"), start=1):
        ws[f"H{i}"] = f"={spelling}(A2,C2,B2,D2)"
    ws["H6"] = "=LEVXL_LIQ_PRICE(A2,C2,B2,D2,Z1)"  # blank: the default mmr, not 0
    ws["H7"] = "=LEVXL_LIQ_PRICE(A2,C2,B2,D2,,,,)"
    ws["H8"] = '=LEVXL_LIQ_PRICE(A2,C2,B2,D2,"binance:BTCUSDT")*1'
    probes = {f"{Q}!H{i}": expected for i in range(1, 8)}
    probes[f"{Q}!H8"] = LIQ("long", 100.0, 10, 10, "binance:BTCUSDT")
    return probes


def fast_claimed(wb):
    """Constructs the fast path is proven on: it must claim this book and agree with LibreOffice and Excel."""
    ws = _desk(wb)
    cells = {
        "H1": ("=LEVXL_LIQ_PRICE(A2,C2,B2,D2)", LIQ("long", 100.0, 10, 10)),
        "H2": ("=SUM(B:B)", 17.0), "H3": ("=SUM(C:C)/COUNT(C:C)", 350 / 3),
        "H4": ("=ROUND(0.285,2)", 0.29), "H5": ("=0.1+0.2=0.3", True), "H6": ('="1,234.5"*1', 1234.5),
        "H7": ('=SUMIF(A2:A4,"long",C2:C4)', 150.0), "H8": ('=INDEX(C2:C4,MATCH("short",A2:A4,0))', 200.0),
        "H9": ('=IFERROR(1/0,"div")', "div"), "H10": ("=MAX(C2:C4)-MIN(C2:C4)", 150.0),
        "H11": ("=LEVXL_PNL(A3,C3,C3*1.1,B3)", CATALOGUE["LEVXL_PNL"]("short", 200.0, 220.0, 5)),
        "H12": ("=SUMPRODUCT(B2:B4,C2:C4)", 2100.0), "H13": ("=(-8)^(1/3)", -2.0),
    }
    for ref, (formula, _) in cells.items():
        ws[ref] = formula
    return {f"{Q}!{ref}": v for ref, (_, v) in cells.items()}


def iterative(wb):
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["B1"] = 100.0, "=A1-B1*0.95"
    wb.calculation.iterate, wb.calculation.iterateCount, wb.calculation.iterateDelta = True, 1000, 1e-12
    return {"S!B1": pytest.approx(100 / 1.95, rel=1e-9)}


def circular(wb):
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["B1"] = "=B1+1", "=A1+1"  # no iteration: Excel shows 0
    return {"S!A1": 0.0, "S!B1": 0.0}


BOOKS = [natives, levxl_spellings, fast_claimed, iterative, circular]


def _build(tmp_path, make):
    wb = openpyxl.Workbook()
    probes = make(wb)
    path = tmp_path / f"{make.__name__}.xlsx"
    wb.save(path)
    return path, probes


def _same(got, want) -> bool:
    if isinstance(want, XlError):
        return isinstance(got, XlError) and got.code == want.code
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, float) and isinstance(got, float):
        return got == pytest.approx(want, rel=1e-12, abs=1e-12)
    return got == want


def _claims(path) -> bool:
    try:
        proven.claim(open_package(path))
        return True
    except fast.Unsupported:
        return False


@pytest.mark.parametrize("make", BOOKS, ids=lambda m: m.__name__)
def test_probe_cells_equal_excel(tmp_path, make):
    path, probes = _build(tmp_path, make)
    engines = ["auto", "libreoffice"] + (["fast"] if _claims(path) else [])
    if make is fast_claimed:
        assert "fast" in engines
    for engine in engines:
        values = recalc_workbook(path, engine=engine).values
        wrong = {k: (values.get(k), v) for k, v in probes.items() if not _same(values.get(k), v)}
        assert wrong == {}, engine


def test_books_saved_by_libreoffice_itself(tmp_path):
    from levxl.testing import libreoffice

    for make in (fast_claimed, levxl_spellings):
        path, probes = _build(tmp_path, make)
        saved = libreoffice.convert([path], "xlsx", tmp_path / "lo")[0]
        for engine in ["auto", "libreoffice"] + (["fast"] if _claims(saved) else []):
            values = recalc_workbook(saved, engine=engine).values
            wrong = {k: (values.get(k), v) for k, v in probes.items() if not _same(values.get(k), v)}
            assert wrong == {}, (make.__name__, engine)


def test_a_construct_neither_engine_handles_fails_naming_the_cells(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["B2"] = 3.0, "=_xlfn.LAMBDA(_xlpm.x,_xlpm.x*2)(A1)"
    ws["C3"] = "=A1*2"
    path = tmp_path / "lambda.xlsx"
    wb.save(path)
    with pytest.raises(RecalcError, match=r"S!B2"):
        recalc_workbook(path, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()
    from click.testing import CliRunner

    from levxl.cli.recalc import recalc

    result = CliRunner().invoke(recalc, [str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "S!B2" in result.output


def test_a_boolean_cell_in_an_aggregate_libreoffice_would_count_is_reported(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A3"] = 4.0, True, 2.0
    ws["B1"] = "=AVERAGE(A1:A3)"  # Excel 3 (TRUE skipped); LibreOffice 7/3
    ws["B2"] = '=VLOOKUP(4,A1:A3,1,FALSE)'  # not on the fast path's list: the book goes to LibreOffice
    path = tmp_path / "bool.xlsx"
    wb.save(path)
    with pytest.raises(RecalcError, match=r"S!B1: a TRUE/FALSE cell"):
        recalc_workbook(path)
    ws["B2"] = "=MAX(A1:A3)"
    wb.save(path)
    assert recalc_workbook(path).values["S!B1"] == 3.0  # the fast path claims it: Excel's value


def test_levxl_booleans_stay_booleans_on_the_libreoffice_path(tmp_path):
    path = tmp_path / "liquidated.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_array_formula("A1:B2", '{=LEVXL_SCENARIO_GRID("long",60000,1,{-0.2;0.1},{5,50},0.005,"linear",'
                           '"liquidated")}')
    wb.close()
    expected = CATALOGUE["LEVXL_SCENARIO_GRID"]("long", 60000, 1, [[-0.2], [0.1]], [[5, 50]], 0.005, "linear",
                                                "liquidated")
    for engine in ("fast", "libreoffice"):
        values = recalc_workbook(path, engine=engine).values
        assert [[values[f"S!{c}{r}"] for c in "AB"] for r in (1, 2)] == expected, engine
        assert all(type(values[f"S!{c}{r}"]) is bool for c in "AB" for r in (1, 2))


def test_proven_functions_are_implemented_by_the_fast_path():
    assert proven.PROVEN_FUNCTIONS <= set(fast.SUPPORTED_FUNCTIONS)


def test_a_function_of_another_add_in_with_a_cached_value_is_reported(tmp_path):
    path = tmp_path / "bdp.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", '=BDP("BTC Curncy","PX_LAST")', None, 61000.0)  # Bloomberg's, cached by Excel
    ws.write_formula("A2", "=A1*2", None, 122000.0)
    wb.close()
    with pytest.raises(RecalcError, match=r"S!A1: #NAME\?"):
        recalc_workbook(path)


def _external_link_book(tmp_path: Path, secret: Path) -> Path:
    """A book whose B1 reads [1]Sheet1!A1 of ``secret`` (cached 5 in the link part, B1 cached 10)."""
    path = tmp_path / "linked.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_formula("B1", "=[1]Sheet1!$A$1*2", None, 10.0)
    ws.write_formula("B2", "=B1+1", None, 11.0)
    ws.write_formula("B3", "=LEVXL_MARGIN(1,B1*6000,10)", None, 0.0)
    wb.close()
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/externalLinks/externalLink1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames><sheetDataSet><sheetData '
        b'sheetId="0"><row r="1"><cell r="A1"><v>5</v></cell></row></sheetData></sheetDataSet></externalBook>'
        b'</externalLink>')
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
        b'.org/officeDocument/2006/relationships/externalLinkPath" Target="' + secret.as_uri().encode() +
        b'" TargetMode="External"/></Relationships>')
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdX1" Type="http://schemas.openxmlformats.org/'
                        'officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/>'
                        "</Relationships>")
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    book = parts["xl/workbook.xml"].decode()
    book = re.sub(r"</sheets>", '</sheets><externalReferences><externalReference r:id="rIdX1"/>'
                  "</externalReferences>", book)
    parts["xl/workbook.xml"] = book.encode()
    types = parts["[Content_Types].xml"].decode().replace(
        "</Types>", '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
    parts["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_external_links_are_never_opened_and_keep_their_cached_values(tmp_path):
    secret = tmp_path / "secret" / "secret.xlsx"
    secret.parent.mkdir()
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = 999.0
    wb.save(secret)
    os.utime(secret, (946684800, 1_700_000_000))  # atime far before mtime: any read updates it (relatime)
    path = _external_link_book(tmp_path, secret)
    summary = recalc_workbook(path, tmp_path / "out.xlsx")
    assert summary.engine == "libreoffice"
    assert "S!B1" not in summary.values  # the linked cell keeps its cached value
    assert summary.values["S!B2"] == 11.0 and summary.values["S!B3"] == pytest.approx(6000.0)
    assert openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["S"]["B1"].value == 10
    assert secret.stat().st_atime == 946684800, "LibreOffice read the linked file"
    shutil.rmtree(secret.parent)


def test_functions_that_fetch_from_outside_are_never_evaluated(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = '=_xlfn.WEBSERVICE("http://127.0.0.1:9/levxl")'
    ws["A2"] = '=INDIRECT("\'file:///etc/passwd\'#$Sheet1.A1")'
    path = tmp_path / "fetch.xlsx"
    wb.save(path)
    with pytest.raises(RecalcError, match=r"S!A1: WEBSERVICE fetches from outside"):
        recalc_workbook(path)
    ws["A1"] = 1.0
    wb.save(path)
    assert recalc_workbook(path).values["S!A2"].code == "#REF!"  # Excel cannot read a closed book either


def test_stale_cached_errors_are_not_written_over_fresh_spills(tmp_path):
    path = tmp_path / "stale.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_dynamic_array_formula("A1:C3", '=LEVXL_SCENARIO_GRID("long",60000,1,{-0.2;-0.1;0.1},{5,10,20})',
                                   None, "#N/A")
    ws.write_formula("E1", "=_xlfn.SEQUENCE(3)*2", None, "#NAME?")
    wb.close()
    summary = recalc_workbook(path, tmp_path / "out.xlsx")
    grid = CATALOGUE["LEVXL_SCENARIO_GRID"]("long", 60000, 1, [[-0.2], [-0.1], [0.1]], [[5, 10, 20]])
    for r in range(3):
        for c in range(3):
            assert summary.values[f"S!{'ABC'[c]}{r + 1}"] == pytest.approx(grid[r][c], rel=1e-12)
    assert [summary.values[f"S!E{r}"] for r in (1, 2, 3)] == [2.0, 4.0, 6.0]
    sheet = zipfile.ZipFile(tmp_path / "out.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert 'ref="E1:E3"' in sheet and sheet.count('cm="1"') == 2


def test_soffice_is_25():
    out = subprocess.run(["soffice", "--version"], capture_output=True, text=True, timeout=60).stdout
    assert re.search(r"LibreOffice (2[5-9]|[3-9]\d)\.", out), out


def test_a_batch_mixes_fast_and_libreoffice_books(tmp_path):
    from click.testing import CliRunner

    from levxl.cli.recalc import recalc

    folder = tmp_path / "books"
    folder.mkdir()
    for make in (fast_claimed, natives):
        wb = openpyxl.Workbook()
        make(wb)
        wb.save(folder / f"{make.__name__}.xlsx")
    result = CliRunner().invoke(recalc, [str(folder), "--out", str(tmp_path / "out"), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "fast_claimed.xlsx: ok" in result.output and "engine fast" in result.output
    assert "natives.xlsx: ok" in result.output and "engine libreoffice" in result.output
    cached = openpyxl.load_workbook(tmp_path / "out" / "natives.xlsx", data_only=True)[DESK]
    assert cached["F18"].value == 20 and cached["F13"].value == 17


def test_functions_that_report_the_host_are_never_evaluated(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = '=CELL("filename")'  # LibreOffice: 'file:///tmp/levxl-lo-book-.../book.xlsx'#$S, written as exit 0
    ws["A2"] = '=INFO("system")'  # LibreOffice: LINUX; Excel: pcdos
    ws["A3"] = '=CELL("address",B1)'  # the book's own: evaluated
    ws["A4"] = '="CELL(""filename"")"'  # text, not a call
    path = tmp_path / "host.xlsx"
    wb.save(path)
    with pytest.raises(RecalcError) as caught:
        recalc_workbook(path)
    assert "S!A1: CELL reports what LibreOffice's host" in str(caught.value)
    assert "S!A2: INFO reports" in str(caught.value)
    assert "S!A3" not in str(caught.value) and "S!A4" not in str(caught.value)
    ws["A1"], ws["A2"] = 1.0, 2.0
    wb.save(path)
    assert recalc_workbook(path).values["S!A3"] == "$B$1"
