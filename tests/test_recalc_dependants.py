"""The cells a divergence reaches (:func:`levxl.recalc.libreoffice._dependants`): a formula reading a cell whose
LibreOffice value may not be Excel's -- directly, through other cells, a range, a whole column, a defined name, a
spill, another sheet, a shared formula -- computed its value from that value, so it is listed too, naming the root.
No LibreOffice needed: the roots are given."""

from __future__ import annotations

import openpyxl
from openpyxl.workbook.defined_name import DefinedName

from levxl.recalc.libreoffice import _dependants, _references
from levxl.recalc.package import open_package

ROOT = ("S", 2, 10)  # S!J2


def _package(tmp_path, cells: dict, other: dict | None = None, names: dict | None = None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, value in cells.items():
        ws[ref] = value
    if other:
        ws2 = wb.create_sheet("Other sheet")
        for ref, value in other.items():
            ws2[ref] = value
    for name, text in (names or {}).items():
        wb.defined_names[name] = DefinedName(name, attr_text=text)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return open_package(path)


def _listed(lines: list[str]) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in lines)


def test_every_cell_computed_from_a_divergence_is_listed_naming_it(tmp_path):
    package = _package(tmp_path, {
        "J1": "=LEVXL_LIQ_PRICE(B1,C1,2,10)", "J2": "=LEVXL_LIQ_PRICE(B1,C2,2,10)",
        "K1": "=J2*2",  # directly
        "K2": "=SUM(J1:J3)",  # through a range
        "K3": '=LEVXL_PNL("long",J2,61000,1)',  # another LEVXL_ formula
        "K4": "=K1+1",  # through another cell
        "K5": "=J1*2",  # not: J1 is fine
        "K6": "=SUM(J:J)",  # a whole column
        "K7": "=LOG10(J1)",  # not: LOG10 is no cell reference
        "K8": "=Rate*2",  # a defined name for J2
        "K9": '=INDIRECT("J2")',  # a literal INDIRECT reads its text
        "K10": '=INDIRECT("J1")',  # ... and J1 is fine
        "K11": "=$J$2+K12",
    }, other={"A1": "=S!K4*3", "A2": "=S!J1"}, names={"Rate": "S!$J$2"})
    listed = _listed(_dependants(package, {ROOT: "S!J2: reason"}, {}))
    assert sorted(listed) == sorted(["S!K1", "S!K2", "S!K3", "S!K4", "S!K6", "S!K8", "S!K9", "S!K11",
                                     "'Other sheet'!A1"])
    assert all(text == "computed from S!J2, whose LibreOffice value may not be Excel's" for text in listed.values())


def test_a_reference_built_at_run_time_is_listed_as_maybe_reading_it(tmp_path):
    package = _package(tmp_path, {"J2": "=LEVXL_LIQ_PRICE(B1,C2,2,10)", "K1": "=OFFSET(J1,A1,0)",
                                  "K2": '=INDIRECT("J"&2)', "K3": "=J1",
                                  "K4": "=SUM(OFFSET(J1,1,0))", "K5": "=SUM(OFFSET(J1,0,0,2,1))",  # J2, J1:J2
                                  "K6": "=SUM(OFFSET(J1,2,0,3,1))", "K7": "=SUM(OFFSET(J1:J2,2,2))"})  # not
    listed = _listed(_dependants(package, {ROOT: "S!J2: reason"}, {}))
    assert sorted(listed) == ["S!K1", "S!K2", "S!K4", "S!K5"] and "OFFSET/INDIRECT" in listed["S!K1"]
    assert listed["S!K4"] == listed["S!K5"] == "computed from S!J2, whose LibreOffice value may not be Excel's"


def test_no_divergence_no_dependants_and_linked_cells_are_skipped(tmp_path):
    package = _package(tmp_path, {"J2": "=1", "K1": "=J2*2", "K2": "=J2+1"})
    assert _dependants(package, {}, {}) == []
    assert sorted(_listed(_dependants(package, {ROOT: "x"}, {}, skip={("S", 2, 11)}))) == ["S!K1"]


def test_a_spill_stands_for_its_whole_range(tmp_path):
    package = _package(tmp_path, {"J2": "=LEVXL_LIQ_PRICE(B1,C2:C3,2,10)", "K1": "=J3*2", "K2": "=J5"})
    package.sheets[0].cells[(2, 10)].kind = "array"
    package.sheets[0].cells[(2, 10)].ref = "J2:J3"
    assert sorted(_listed(_dependants(package, {ROOT: "x"}, {("S", 2, 10): (4, 10)}))) == ["S!K1"]  # J2:J4


def test_a_shared_formula_child_reads_its_own_cells(tmp_path):
    # Excel writes a filled-down formula once (the anchor) and its children as "shared": a child's text is the
    # anchor's, its references moved by the child's offset
    package = _package(tmp_path, {"K1": "=J1*2", "K2": "=J1*2", "K3": "=J1*2"})
    cells = package.sheets[0].cells
    for r in (2, 3):
        cells[(r, 11)].origin = (1, 11)  # K2, K3: children of K1's "J1*2" (J2*2, J3*2)
    assert list(_references(package, package.sheets[0], "J1*2+$J$1", at=(1, 0))) == [("S", 2, 10, 2, 10),
                                                                                     ("S", 1, 10, 1, 10)]
    assert sorted(_listed(_dependants(package, {ROOT: "x"}, {}))) == ["S!K2"]
