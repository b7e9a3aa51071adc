"""External references are never followed: a book whose formula names another workbook (``=[1]Sheet1!A1`` with the
link's target ``/abs/secret.xlsx`` or ``../../secret.xlsx``) never makes any engine open that file; cached values
stay. Tested with a real secret file next to the book."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from test_hostile_corpus import NS, invoke, rewrite

SECRET = 424242.125
NSR = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _secret(folder: Path) -> Path:
    import openpyxl

    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = SECRET
    wb.save(folder / "secret.xlsx")
    return folder / "secret.xlsx"


def linked_book(path: Path, target: str, formula: str = "[1]Sheet1!A1", cells: str | None = None) -> Path:
    """A book whose A1 is ``formula`` (cached value 7) and B1 ``=A1*2`` (cached 14), with an externalLink part
    pointing at ``target``."""
    import openpyxl

    base = path.with_name("linked-base.xlsx")
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(base)
    parts = {i.filename: z for i, z in _read(base)}
    cells = cells or (f'<c r="A1"><f>{formula}</f><v>7</v></c><c r="B1"><f>A1*2</f><v>14</v></c>'
                      '<c r="C1"><f>LEVXL_PNL("long",100,110,1)</f><v>0</v></c>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData><row r="1">'
             f'{cells}</row></sheetData></worksheet>').encode()
    workbook = parts["xl/workbook.xml"].decode()
    workbook = workbook.replace("</sheets>", '</sheets><externalReferences><externalReference r:id="rIdX1"/>'
                                             '</externalReferences>')
    root_tag = workbook[workbook.index("<workbook"):workbook.index(">", workbook.index("<workbook"))]
    if 'xmlns:r=' not in root_tag:
        workbook = workbook.replace("<workbook ", f'<workbook xmlns:r="{NSR}" ', 1)
    rels = parts["xl/_rels/workbook.xml.rels"].decode().replace(
        "</Relationships>", f'<Relationship Id="rIdX1" Type="{NSR}/externalLink" '
                            'Target="externalLinks/externalLink1.xml"/></Relationships>')
    types = parts["[Content_Types].xml"].decode().replace(
        "</Types>", '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
    link = (f'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="{NS}" xmlns:r="{NSR}"><externalBook '
            'r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames><sheetDataSet><sheetData sheetId="0">'
            '<row r="1"><cell r="A1"><v>7</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>')
    link_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL}"><Relationship Id="rId1" '
                 f'Type="{NSR}/externalLinkPath" Target="{target}" TargetMode="External"/></Relationships>')
    return rewrite(base, path, replace={"xl/worksheets/sheet1.xml": sheet, "xl/workbook.xml": workbook.encode(),
                                        "xl/_rels/workbook.xml.rels": rels.encode(),
                                        "[Content_Types].xml": types.encode()},
                   add={"xl/externalLinks/externalLink1.xml": link.encode(),
                        "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels.encode()})


def _read(path):
    with zipfile.ZipFile(path) as z:
        return [(i, z.read(i.filename)) for i in z.infolist()]


def _leaks(folder: Path) -> bool:
    text = str(SECRET).encode()
    return any(text in data for p in folder.rglob("*.xlsx") if p.name != "secret.xlsx" for _, data in _read(p))


CASES = {
    "absolute": lambda tmp: (str(_secret(tmp / "private")), "[1]Sheet1!A1"),
    "relative": lambda tmp: ("../../secret.xlsx", "[1]Sheet1!A1"),
    "named_in_formula": lambda tmp: (str(_secret(tmp / "private")), f"'{tmp / 'private'}/[secret.xlsx]Sheet1'!A1"),
}


@pytest.mark.parametrize("case", CASES)
def test_recalc_never_opens_a_linked_workbook(case, tmp_path):
    """The linked cell keeps its cached value (never the secret's), the rest computes (the LEVXL_ cell), and the
    secret workbook is never read: its bytes reach no output and its access time does not move."""
    import openpyxl

    books = tmp_path / "a" / "b"
    books.mkdir(parents=True)
    _secret(tmp_path)  # ../../secret.xlsx from the book
    target, formula = CASES[case](tmp_path)
    secrets = list(tmp_path.rglob("secret.xlsx"))
    touched = {p: p.stat().st_atime_ns for p in secrets}
    book = linked_book(books / "linked.xlsx", target, formula)
    before = book.read_bytes()
    out = tmp_path / "out"
    result = invoke("recalc", book, "--out", out)
    assert str(SECRET) not in result.output and "424242" not in result.output
    assert not _leaks(tmp_path), "the secret workbook's value reached an output"
    assert book.read_bytes() == before
    # every form (a link part, or the path written in the formula with no link part): the naming cell keeps its
    # cached value and the cells computed from it use it (LibreOffice is handed that value as a constant)
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out / "linked.xlsx", data_only=True).active
    assert sheet["A1"].value == 7  # the cached value stays
    assert sheet["B1"].value == 14 and sheet["C1"].value == pytest.approx(10.0)
    assert {p: p.stat().st_atime_ns for p in secrets} == touched
    fast = invoke("recalc", book, "--out", tmp_path / "fast", "--engine", "fast")
    assert fast.exit_code == 1 and "never opens a file a workbook names" in fast.output


def test_linked_text_and_levxl_arguments_use_the_cached_values(tmp_path):
    """A linked cell holding text (``t="str"``) and a LEVXL_ call reading a linked number: the cached values, never
    the file's, with the path in the formula and no link part holding values."""
    import openpyxl

    secret = _secret(tmp_path / "private")
    path = f"'{secret.parent}/[secret.xlsx]Sheet1'"
    cells = (f'<c r="A1" t="str"><f>{path}!B1</f><v>long</v></c><c r="B1"><f>{path}!A1</f><v>100</v></c>'
             '<c r="C1" t="str"><f>A1&amp;"!"</f><v>x</v></c><c r="D1"><f>LEVXL_PNL(A1,B1,110,1)</f><v>0</v></c>')
    book = linked_book(tmp_path / "linked.xlsx", str(secret), cells=cells)
    before = secret.stat().st_atime_ns
    result = invoke("recalc", book, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "out" / "linked.xlsx", data_only=True).active
    assert [sheet[c].value for c in ("A1", "B1", "C1")] == ["long", 100, "long!"]
    assert sheet["D1"].value == pytest.approx(10.0)
    formulas = openpyxl.load_workbook(tmp_path / "out" / "linked.xlsx").active
    assert formulas["A1"].value.startswith("='") and formulas["B1"].value.endswith("!A1")  # formulas kept
    assert secret.stat().st_atime_ns == before and not _leaks(tmp_path)
