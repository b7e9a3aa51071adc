"""levxl recalc on hostile or broken files: a clear message, bounded memory, no output (or an untouched one)."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from levxl.recalc import recalc_workbook
from levxl.cli.recalc import recalc
from levxl.files.safety import UnsafeWorkbook

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>"""


def _valid(tmp_path: Path, name="valid.xlsx") -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "long", '=LEVXL_PNL(A1,100,110,1)'
    path = tmp_path / name
    wb.save(path)
    return path


def _replace_member(src: Path, dst: Path, name: str, data: bytes, extra: dict | None = None) -> Path:
    with zipfile.ZipFile(src) as z:
        parts = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for info, content in parts:
            z.writestr(info.filename, data if info.filename == name else content)
        if name not in {i.filename for i, _ in parts}:
            z.writestr(name, data)
        for k, v in (extra or {}).items():
            z.writestr(k, v)
    return dst


def _xxe(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    sheet = (f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file://{secret}">]>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>').encode()
    return _replace_member(_valid(tmp_path), tmp_path / "xxe.xlsx", "xl/worksheets/sheet1.xml", sheet)


def _bomb(tmp_path: Path) -> Path:
    src = _valid(tmp_path)
    dst = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(src) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, data)
        z.writestr("xl/media/zeros.bin", bytes(8 * 1024 * 1024))  # 8 MB of zeros -> ~8 KB
    return dst


def _truncated(tmp_path: Path) -> Path:
    data = _valid(tmp_path).read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def _not_xlsx(tmp_path: Path) -> Path:
    path = tmp_path / "notes.xlsx"
    path.write_text("side,entry\nlong,100\n")
    return path


def _billion(tmp_path: Path) -> Path:
    return _replace_member(_valid(tmp_path), tmp_path / "laughs.xlsx", "xl/sharedStrings.xml", BILLION_LAUGHS)


HOSTILE = {
    "billion_laughs": (_billion, "DOCTYPE/ENTITY"),
    "xxe": (_xxe, "DOCTYPE/ENTITY"),
    "zip_bomb": (_bomb, "zip bomb"),
    "truncated": (_truncated, "not an .xlsx/.xlsm workbook"),
    "not_xlsx": (_not_xlsx, "not an .xlsx/.xlsm workbook"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_file_refused_with_bounded_memory(kind, tmp_path):
    make, message = HOSTILE[kind]
    path = make(tmp_path)
    before = path.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeWorkbook, match=message) as info:
            recalc_workbook(path, out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024
    assert list(out.iterdir()) == []
    assert path.read_bytes() == before
    assert "TOP SECRET" not in str(info.value)


def test_cli_batch_goes_on_after_bad_files(tmp_path):
    files = [make(tmp_path) for make, _ in HOSTILE.values()] + [_valid(tmp_path, "good.xlsx")]
    originals = {f: f.read_bytes() for f in files}
    out = tmp_path / "out"
    result = CliRunner().invoke(recalc, [*map(str, files), "--out", str(out), "--jobs", "2"])
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.iterdir()) == ["good.xlsx"]
    for kind, (_, message) in HOSTILE.items():
        assert message in result.output
    assert "1 formula cells" in result.output
    assert all(f.read_bytes() == data for f, data in originals.items())


def test_cli_in_place_timeout_and_memory_cap(tmp_path):
    from levxl.testing.samples import positions_book

    good = _valid(tmp_path, "good.xlsx")
    result = CliRunner().invoke(recalc, [str(good), "--in-place"])
    assert result.exit_code == 0, result.output
    import openpyxl

    assert openpyxl.load_workbook(good, data_only=True).active["B1"].value == pytest.approx(10.0)
    slow = positions_book(tmp_path / "slow.xlsx", rows=6)
    before = slow.read_bytes()
    from levxl.recalc import office

    real = office.Office.evaluate

    def stalled(self, path, spills=(), iterate=None, timeout=600):
        return real(self, path, spills, iterate, timeout=min(timeout, 0.001))  # LibreOffice cannot answer in 1 ms

    office.Office.evaluate = stalled
    try:
        result = CliRunner().invoke(recalc, [str(slow), "--in-place", "--engine", "libreoffice", "--timeout", "1"])
    finally:
        office.Office.evaluate = real
    assert result.exit_code == 1 and "timed out after 0.001 s" in result.output
    assert slow.read_bytes() == before
    assert not list(tmp_path.glob(".slow.xlsx.*.tmp"))
    result = CliRunner().invoke(recalc, [str(slow), "--in-place", "--engine", "libreoffice"])  # a new soffice
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(recalc, [str(slow), "--out", str(tmp_path / "o"), "--memory-mb", "64", "--engine",
                                         "fast"])
    assert result.exit_code == 1 and ("memory" in result.output)
    assert not (tmp_path / "o" / "slow.xlsx").exists()


def test_cli_usage(tmp_path):
    good = _valid(tmp_path, "good.xlsx")
    assert CliRunner().invoke(recalc, [str(good)]).exit_code == 2  # neither --out nor --in-place
    assert CliRunner().invoke(recalc, [str(good), "--out", str(tmp_path)]).exit_code == 2  # would overwrite


def test_a_book_of_more_cells_than_the_memory_cap_holds_is_refused_before_parsing(tmp_path, monkeypatch):
    import levxl.recalc.package as package
    from click.testing import CliRunner

    from levxl.cli import main

    path = tmp_path / "styled.xlsx"  # 3,000,000 such cells in 330 KB: out of memory after 1.8 GB and 12 s before
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{package.NS}" xmlns:r="{package.NSR}"><sheets><sheet '
                                      'name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        rows = "".join(f'<row r="{r}">' + '<c s="1"/>' * 20 + "</row>" for r in range(1, 201))  # 4,000 cells
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{package.NS}"><sheetData>{rows}</sheetData>'
                                               "</worksheet>")
    monkeypatch.setattr(package, "BYTES_PER_CELL", 10**6)  # the 2 GB default cap holds ~1,600 cells (forked)
    result = CliRunner().invoke(main, ["recalc", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "4,000 cells or more (at xl/worksheets/sheet1.xml)" in result.output
    assert "raise --memory-mb" in result.output and "Traceback" not in result.output
    monkeypatch.setattr(package, "BYTES_PER_CELL", 730)
    assert CliRunner().invoke(main, ["recalc", str(path), "--out", str(tmp_path / "out")]).exit_code == 0
