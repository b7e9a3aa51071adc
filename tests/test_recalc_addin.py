"""The levxl Calc add-in (levxl.oxt): generated from the catalogue, and LEVXL_ functions computing inside
LibreOffice together with native functions in both directions, equal to the catalogue's values."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from lxml import etree

from levxl.catalogue import CATALOGUE, WHY_NAME, explain
from levxl.recalc import addin, build_addin, recalc_workbook


def test_idl_has_one_method_per_catalogue_function_every_argument_any():
    idl = addin.idl_text()
    for fn in CATALOGUE.values():
        line = next(ln for ln in idl.splitlines() if f" {addin.method_name(fn.name)}(" in ln)
        assert line.strip().startswith("sequence< sequence< any > >"), line
        assert line.count("[in] any ") == len(fn.args), line


def test_xcu_names_docs_and_categories_come_from_the_catalogue():
    root = etree.fromstring(addin.xcu_text().encode())
    ns = {"oor": "http://openoffice.org/2001/registry"}
    functions = root.find(".//node[@oor:name='AddInFunctions']", ns)
    assert len(functions) == len(CATALOGUE) + 1  # and LEVXL_WHY
    why = functions.find(f"node[@oor:name='{addin.method_name(WHY_NAME)}']", ns)
    assert why.find("prop[@oor:name='CompatibilityName']", ns).findtext("value") == WHY_NAME
    for node in functions:
        if node is why:
            continue
        fn = next(f for f in CATALOGUE.values() if addin.method_name(f.name) == node.get(f"{{{ns['oor']}}}name"))
        props = {p.get(f"{{{ns['oor']}}}name"): p.findtext("value") for p in node.findall("prop")}
        assert props["DisplayName"] == props["CompatibilityName"] == fn.name
        assert props["Description"].startswith(f"{fn.category}: {fn.summary}")
        params = node.find("node", ns)
        docs = [p.find("prop[@oor:name='Description']", ns).findtext("value") for p in params]
        assert [d.replace(" (optional)", "") for d in docs] == [a.doc for a in fn.args]


def test_build_addin_writes_an_oxt(tmp_path):
    oxt = build_addin(tmp_path)
    assert oxt.name == "levxl.oxt"
    with zipfile.ZipFile(oxt) as z:
        assert set(z.namelist()) >= {"META-INF/manifest.xml", "description.xml", "levxl.rdb", "levxl.xcu",
                                     "levxl_addin.py"}
        source = z.read("levxl_addin.py").decode()
    assert "'levxlLiqPrice': 'LEVXL_LIQ_PRICE'" in source and "@BUILT_PATHS@" not in source


def _mixed_book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Desk"
    rows = [("long", 60000, 2, 10), ("short", 3380, 40, 20), ("long", 100, 1, 5), ("short", 25000, 0.5, 3)]
    ws.append(["side", "entry", "size", "leverage", "liq", "lev from table", "liq2", "pnl", "flag"])
    for i, (side, entry, size, lev) in enumerate(rows, start=2):
        ws.append([side, entry, size, lev])
        ws[f"E{i}"] = f'=LEVXL_LIQ_PRICE(A{i},B{i},C{i},D{i},"binance:BTCUSDT")'
        ws[f"F{i}"] = f"=VLOOKUP(A{i},$K$2:$L$3,2,FALSE)*IF(B{i}>1000,1,2)"  # native feeding LEVXL
        ws[f"G{i}"] = f"=LEVXL_LIQ_PRICE(A{i},B{i},C{i},F{i})"
        ws[f"H{i}"] = f"=_xlfn.LET(_xlpm.p,LEVXL_PNL(A{i},B{i},_xlfn.XLOOKUP(A{i},$K$2:$K$3,$M$2:$M$3)*B{i},C{i}),p*1)"
        ws[f"I{i}"] = f'=IF(E{i}<B{i},"below","above")'  # LEVXL feeding native
    ws["K2"], ws["L2"], ws["M2"] = "long", 10, 1.1
    ws["K3"], ws["L3"], ws["M3"] = "short", 20, 0.9
    ws["E8"] = "=SUMIF(A2:A5,\"long\",E2:E5)"
    ws["E9"] = "=_xll.LEVXL_MARGIN(C2,B2,D2)"
    ws["E10"] = "=LEVXL_LIQ_PRICE(A2,B2,C2,D2,J20)"  # a blank cell: "missing", the default mmr
    wb.save(path)
    return path, rows


def test_levxl_and_native_functions_compute_together_in_libreoffice(tmp_path):
    path, rows = _mixed_book(tmp_path / "mixed.xlsx")
    summary = recalc_workbook(path, tmp_path / "out.xlsx", engine="libreoffice")
    assert summary.engine == "libreoffice"
    v = summary.values
    lev = {"long": 10, "short": 20}
    move = {"long": 1.1, "short": 0.9}
    liq = CATALOGUE["LEVXL_LIQ_PRICE"]
    for i, (side, entry, size, leverage) in enumerate(rows, start=2):
        assert v[f"Desk!E{i}"] == pytest.approx(liq(side, entry, size, leverage, "binance:BTCUSDT"), rel=1e-12)
        table_lev = lev[side] * (1 if entry > 1000 else 2)
        assert v[f"Desk!F{i}"] == table_lev
        assert v[f"Desk!G{i}"] == pytest.approx(liq(side, entry, size, table_lev), rel=1e-12)
        pnl = CATALOGUE["LEVXL_PNL"](side, entry, move[side] * entry, size)
        assert v[f"Desk!H{i}"] == pytest.approx(pnl, rel=1e-12)
        assert v[f"Desk!I{i}"] == ("below" if v[f"Desk!E{i}"] < entry else "above")
    assert v["Desk!E8"] == pytest.approx(v["Desk!E2"] + v["Desk!E4"], rel=1e-12)
    assert v["Desk!E9"] == pytest.approx(CATALOGUE["LEVXL_MARGIN"](2, 60000, 10), rel=1e-12)
    assert v["Desk!E10"] == pytest.approx(liq("long", 60000, 2, 10), rel=1e-12)  # not mmr 0
    assert v["Desk!E10"] != pytest.approx(liq("long", 60000, 2, 10, 0.0), rel=1e-9)
    cached = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Desk"]
    assert cached["E2"].value == v["Desk!E2"]  # full precision in the file, not LibreOffice's 15 digits
    formulas = openpyxl.load_workbook(tmp_path / "out.xlsx")["Desk"]
    assert formulas["E2"].value == '=LEVXL_LIQ_PRICE(A2,B2,C2,D2,"binance:BTCUSDT")'  # formulas untouched


def test_levxl_why_gives_the_reasons_through_the_addin(tmp_path):
    import xlsxwriter

    path = tmp_path / "why.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write("A1", "long")
    ws.write("A2", -5)
    ws.write_formula("B1", "=LEVXL_LIQ_PRICE(A1,60000,1,A2)")
    ws.write_formula("B2", '=LEVXL_WHY("LIQ_PRICE",A1,60000,1,A2)')  # the reason of B1's error
    ws.write_formula("B3", '=_xludf.LEVXL_WHY("LEVXL_LIQ_PRICE","long",60000,1,10)')  # fine: ""
    ws.write_formula("B4", '=LEVXL_WHY("NOPE",1)')
    ws.write_formula("B5", '=LEVXL_WHY("LIQ_PRICE",A1,60000,1,A2,Z9)')  # a blank cell is "missing"
    ws.write_array_formula("C1:C2", '{=LEVXL_WHY("LIQ_PRICE",A1,60000,1,{10;-1})}')  # the call's shape
    ws.write_formula("D1", '=LEN(LEVXL_WHY("LIQ_PRICE",A1,60000,1,A2))')  # and native functions read it
    wb.close()
    summary = recalc_workbook(path)  # LEVXL_WHY is not on the fast path's list: LibreOffice with the add-in
    assert summary.engine == "libreoffice" and not summary.cells
    v = summary.values
    reason = explain("LIQ_PRICE", "long", 60000, 1, -5.0)
    assert reason.startswith("#VALUE! leverage") and v["S!B2"] == v["S!B5"] == reason
    assert v["S!B3"] == "" and v["S!B4"] == explain("NOPE", 1)
    assert [v["S!C1"], v["S!C2"]] == [row[0] for row in explain("LIQ_PRICE", "long", 60000, 1, [[10], [-1]])]
    assert v["S!C1"] == "" and v["S!C2"].startswith("#VALUE!")
    assert v["S!D1"] == len(reason)


def _error_book(path, extra: dict):
    """Marks from VLOOKUP (not on the fast path: the book goes to LibreOffice), the middle one #N/A."""
    from openpyxl.worksheet.formula import ArrayFormula

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["H1"], ws["I1"], ws["H2"], ws["I2"] = "BTC", 60000, "ETH", 50000
    for r, (side, sym) in enumerate([("long", "BTC"), ("short", "XYZ"), ("long", "ETH")], start=1):
        ws[f"B{r}"], ws[f"D{r}"] = side, sym
        ws[f"C{r}"] = f"=VLOOKUP(D{r},$H$1:$I$2,2,FALSE)"
    for ref, value in extra.items():
        ws[ref] = ArrayFormula(value[0], value[1]) if isinstance(value, tuple) else value
    wb.save(path)
    return path


def test_an_error_argument_passes_on_to_the_levxl_cell_and_its_dependants(tmp_path):
    # Excel hands the #N/A to the function and SUM/MIN over its result show that #N/A; LibreOffice does not call the
    # add-in with an error argument (Err:504 where the argument is a range), passing on an error that is not in a
    # range itself: levxl's copy keeps such an argument a single cell
    cells = {f"A{r}": f"=LEVXL_LIQ_PRICE(B{r},C{r},2,10)" for r in (1, 2, 3)}
    cells.update({"F1": "=SUM(A2)", "F2": "=MIN(A1:A3)", "F3": "=F2+1"})
    summary = recalc_workbook(_error_book(tmp_path / "na.xlsx", cells))
    v = summary.values
    assert summary.engine == "libreoffice" and summary.ok
    liq = CATALOGUE["LEVXL_LIQ_PRICE"]
    assert v["S!A1"] == pytest.approx(liq("long", 60000, 2, 10)) and v["S!A3"] == pytest.approx(liq("long", 50000, 2, 10))
    assert [v[f"S!{ref}"].code for ref in ("A2", "F1", "F2", "F3")] == ["#N/A"] * 4


@pytest.mark.parametrize("formula", [("E1:E3", "=LEVXL_LIQ_PRICE(B1:B3,C1:C3,2,10)"),
                                     "=LEVXL_LIQ_PRICE(B1,C1:C3,2,10)"])
def test_an_error_cell_in_a_range_argument_fails_the_book_instead_of_losing_rows(tmp_path, formula):
    # Excel gives [54271.36, #N/A, 45226.13]; LibreOffice would give one #N/A for the whole result
    from levxl.recalc import RecalcError

    path = _error_book(tmp_path / "range.xlsx", {"E1": formula})
    with pytest.raises(RecalcError) as failed:
        recalc_workbook(path, tmp_path / "out.xlsx")
    assert "S!E1: an error cell in a range argument" in str(failed.value)
    assert not (tmp_path / "out.xlsx").exists()


def test_building_or_registering_the_addin_where_no_folder_can_be_made_is_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from levxl.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("")  # no folder can be made under a file, root included
    for args, env in ((["recalc", "--build-addin", str(blocker / "levxl.oxt")], None),
                      (["recalc", "--register-addin"], str(blocker / "home"))):
        if env:
            monkeypatch.setenv("LEVXL_ADDIN_HOME", env)
        result = CliRunner().invoke(main, args)  # OSError tracebacks before
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # no partial .oxt left anywhere
