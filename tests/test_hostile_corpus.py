"""The hostile-file corpus: every input path (recalc, risk, report, report --marks, template --check) against every
hostile file, generated in tmp_path. Each must give a one-line message and a non-zero exit (or, for files that are
merely odd, a normal result), never a traceback, never unbounded memory, never an output over an input.

The generators here are shared by the other ``test_hostile_*`` modules."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from levxl.cli import main

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
POSITIONS_CSV = ("venue,symbol,side,size,entry,mark,leverage\n"
                 "binance,BTCUSDT,long,0.5,60000,61000,10\n"
                 "bybit,ETHUSDT,short,4,3000,2950,5\n")
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']><sst xmlns="' + NS.encode() + b'" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>')


# ---------------------------------------------------------------- generators

def positions_xlsx(path: Path) -> Path:
    """A small valid positions workbook (openpyxl), sheet named Positions."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Positions"
    for line in POSITIONS_CSV.splitlines():
        ws.append([float(x) if x.replace(".", "").isdigit() else x for x in line.split(",")])
    wb.save(path)
    return path


def formula_book(path: Path) -> Path:
    """A small valid book with one LEVXL_ formula (for recalc)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "long", "=LEVXL_PNL(A1,100,110,1)"
    wb.save(path)
    return path


def members(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i, z.read(i.filename)) for i in z.infolist()]


def rewrite(src: Path, dst: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> Path:
    parts = members(src)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info.filename, (replace or {}).get(info.filename, data))
        for name, data in (add or {}).items():
            z.writestr(name, data)
    return dst


def _patch_member(path: Path, name: str, *, file_size: int | None = None, crc: int | None = None) -> Path:
    """Lie in both the local header and the central directory about ``name``'s size or CRC."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for sig, size_at, crc_at, name_at in ((b"PK\x03\x04", 22, 14, 30), (b"PK\x01\x02", 24, 16, 46)):
        i = 0
        while (i := data.find(sig, i)) >= 0:
            n = struct.unpack_from("<H", data, i + (26 if sig == b"PK\x03\x04" else 28))[0]
            if bytes(data[i + name_at:i + name_at + n]) == encoded:
                if file_size is not None:
                    struct.pack_into("<I", data, i + size_at, file_size)
                if crc is not None:
                    struct.pack_into("<I", data, i + crc_at, crc)
            i += 4
    path.write_bytes(bytes(data))
    return path


def lying_size(base: Path, dst: Path, part: str = "xl/worksheets/sheet1.xml") -> Path:
    """``part`` declared at 100 KB, inflating to 64 MiB (a valid sheet, padded with whitespace) and a CRC that
    matches the real data: only inflating with a running cap catches it."""
    original = dict((i.filename, d) for i, d in members(base))[part]
    cut = original.rindex(b"</worksheet>")
    padded = original[:cut] + b" " * (64 << 20) + original[cut:]
    rewrite(base, dst, replace={part: padded})
    return _patch_member(dst, part, file_size=100_000)


def corrupt_deflate(base: Path, dst: Path, part: str = "xl/worksheets/sheet1.xml") -> Path:
    rewrite(base, dst)
    data = bytearray(dst.read_bytes())
    i = data.find(b"PK\x03\x04" + bytes(0))
    while i >= 0:
        n, m = struct.unpack_from("<HH", data, i + 26)
        if bytes(data[i + 30:i + 30 + n]) == part.encode():
            start = i + 30 + n + m
            for k in range(start + 2, start + 40):
                data[k] ^= 0x5A
            break
        i = data.find(b"PK\x03\x04", i + 4)
    dst.write_bytes(bytes(data))
    return dst


def lying_crc(base: Path, dst: Path, part: str = "xl/worksheets/sheet1.xml") -> Path:
    rewrite(base, dst)
    return _patch_member(dst, part, crc=0xDEADBEEF)


def truncated(base: Path, dst: Path) -> Path:
    data = base.read_bytes()
    dst.write_bytes(data[: len(data) * 2 // 3])
    return dst


def malformed_xml(base: Path, dst: Path) -> Path:
    return rewrite(base, dst, replace={"xl/worksheets/sheet1.xml":
                                       f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1"'.encode()})


def billion_laughs(base: Path, dst: Path) -> Path:
    return rewrite(base, dst, replace={"xl/sharedStrings.xml": BILLION_LAUGHS}
                   if "xl/sharedStrings.xml" in {i.filename for i, _ in members(base)} else
                   {"xl/worksheets/sheet1.xml": BILLION_LAUGHS})


def xxe(base: Path, dst: Path, secret: Path) -> Path:
    sheet = (f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file://{secret}">]>'
             f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
             '</sheetData></worksheet>').encode()
    return rewrite(base, dst, replace={"xl/worksheets/sheet1.xml": sheet})


def honest_bomb(base: Path, dst: Path) -> Path:
    return rewrite(base, dst, add={"xl/media/zeros.bin": bytes(64 << 20)})


def lying_binary(base: Path, dst: Path) -> Path:
    """A non-XML part (what openpyxl or the formulas engine would inflate whole) lying about its size."""
    rewrite(base, dst, add={"xl/media/image1.bin": bytes(48 << 20)})
    return _patch_member(dst, "xl/media/image1.bin", file_size=50_000)


def far_cell(dst: Path) -> Path:
    """``<dimension ref="A1:XFD1048576"/>``, a header, one position and one cell in the last row and column."""
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>side</t></is></c><c r="B1" t="inlineStr"><is><t>size</t></is>'
            '</c><c r="C1" t="inlineStr"><is><t>entry</t></is></c><c r="D1" t="inlineStr"><is><t>leverage</t></is>'
            '</c></row><row r="2"><c r="A2" t="inlineStr"><is><t>long</t></is></c><c r="B2"><v>1</v></c>'
            '<c r="C2"><v>100</v></c><c r="D2"><v>10</v></c></row>'
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><dimension ref="A1:XFD1048576"/>'
             f'<sheetData>{rows}</sheetData></worksheet>').encode()
    base = positions_xlsx(dst.with_name("far-base.xlsx"))
    return rewrite(base, dst, replace={"xl/worksheets/sheet1.xml": sheet})


WORKBOOK_HOSTILE = {
    "lying_size": (lying_size, "does not match its declared size"),
    "lying_binary": (lying_binary, "does not match its declared size"),
    "corrupt_deflate": (corrupt_deflate, "corrupt"),
    "lying_crc": (lying_crc, "CRC"),
    "truncated": (truncated, "truncated"),
    "malformed_xml": (malformed_xml, "not well-formed XML"),
    "billion_laughs": (billion_laughs, "DOCTYPE"),
    "honest_bomb": (honest_bomb, "zip bomb"),
}


def make(kind: str, tmp_path: Path, base_maker=positions_xlsx) -> tuple[Path, str]:
    maker, message = WORKBOOK_HOSTILE[kind]
    base = base_maker(tmp_path / f"base-{kind}.xlsx")
    return maker(base, tmp_path / f"{kind}.xlsx"), message


def one_line_failure(result, message: str) -> None:
    """A non-zero exit with one ``Error:`` line holding ``message``; no traceback, no uncaught exception."""
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.output


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


# ---------------------------------------------------------------- the corpus on every path

@pytest.mark.parametrize("kind", WORKBOOK_HOSTILE)
def test_risk_and_report_refuse_hostile_position_workbooks(kind, tmp_path):
    path, message = make(kind, tmp_path)
    before = path.read_bytes()
    one_line_failure(invoke("risk", path), message)
    out = tmp_path / "report.xlsx"
    one_line_failure(invoke("report", path, "-o", out), message)
    assert not out.exists() and path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


@pytest.mark.parametrize("kind", WORKBOOK_HOSTILE)
def test_template_check_refuses_hostile_files(kind, tmp_path):
    path, message = make(kind, tmp_path, base_maker=formula_book)
    one_line_failure(invoke("template", "--check", "-o", path), message)


@pytest.mark.parametrize("kind", WORKBOOK_HOSTILE)
def test_recalc_refuses_hostile_books_with_their_reason(kind, tmp_path):
    path, message = make(kind, tmp_path, base_maker=formula_book)
    before = path.read_bytes()
    out = tmp_path / "out"
    result = invoke("recalc", path, "--out", out, "--jobs", "1", "--memory-mb", "1024")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert message in result.output
    assert list(out.iterdir()) == [] and path.read_bytes() == before


def test_recalc_python_api_refuses_a_lying_member_with_bounded_memory(tmp_path):
    import tracemalloc

    from levxl.files.safety import UnsafeWorkbook
    from levxl.recalc import recalc_workbook

    path, message = make("lying_size", tmp_path, base_maker=formula_book)
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeWorkbook, match=message):
            recalc_workbook(path, tmp_path / "out.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # never inflated past the declared 100 KB (+ one chunk)


def test_xxe_never_reads_the_file_it_names(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4711")
    path = xxe(positions_xlsx(tmp_path / "base.xlsx"), tmp_path / "xxe.xlsx", secret)
    for args in (("risk", path), ("report", path, "-o", tmp_path / "r.xlsx"), ("template", "--check", "-o", path)):
        result = invoke(*args)
        one_line_failure(result, "DOCTYPE")
        assert "TOP-SECRET" not in result.output


def test_far_cell_does_not_walk_a_million_padded_rows(tmp_path):
    """Fails before the fix by taking an hour: run in a subprocess with a hard timeout."""
    import subprocess
    import sys

    path = far_cell(tmp_path / "far.xlsx")
    from levxl.files.reading import xlsx_rows

    assert len(list(xlsx_rows(path))) == 4  # header, position, one blank-run marker, the far row
    proc = subprocess.run([sys.executable, "-m", "levxl", "risk", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "1 positions" in proc.stdout


MARKS_HOSTILE = {
    "deep_json": ("marks.json", b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    "not_utf8": ("marks.csv", b"\xff\xfe\x00\x01symbol,mark\n", "not UTF-8"),
    "huge": ("marks.csv", None, "larger than"),
    "no_header": ("marks.csv", b"a,b\n1,2\n", "needs a header"),
    "huge_field": ("marks.csv", b"symbol,mark\nBTC" + b"X" * 200_000 + b",1\n", "cannot be read"),
}


@pytest.mark.parametrize("kind", MARKS_HOSTILE)
def test_report_marks_refuses_hostile_marks_files(kind, tmp_path, monkeypatch):
    name, data, message = MARKS_HOSTILE[kind]
    marks = tmp_path / name
    if data is None:
        from levxl.files import reading

        monkeypatch.setattr(reading, "MAX_SMALL_BYTES", 1000)
        data = b"symbol,mark\n" + b"BTCUSDT,60000\n" * 200
    marks.write_bytes(data)
    positions = tmp_path / "pos.csv"
    positions.write_text(POSITIONS_CSV)
    out = tmp_path / "r.xlsx"
    one_line_failure(invoke("report", positions, "--marks", marks, "-o", out), message)
    assert not out.exists()


def test_recalc_of_a_missing_file_is_a_failed_row_not_a_crash(tmp_path):
    """In a fresh process: ``multiprocessing.connection`` was used without being imported (AttributeError)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "levxl", "recalc", str(tmp_path / "missing.xlsx"), "--out",
                           str(tmp_path / "o")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "no such file" in proc.stdout + proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_running_out_of_memory_while_parsing_is_reported_as_memory(monkeypatch):
    """libxml2 reports a failed allocation (the worker's memory cap) as a syntax error: say what it is."""
    from lxml import etree

    from levxl.files.safety import parse_xml

    def fails_to_allocate(*args, **kwargs):
        raise etree.XMLSyntaxError("Memory allocation failed : growing buffer", 2, 1, 1)

    monkeypatch.setattr(etree, "fromstring", fails_to_allocate)
    with pytest.raises(MemoryError, match="out of memory while parsing part xl/worksheets/sheet1.xml"):
        parse_xml(b"<worksheet/>", "xl/worksheets/sheet1.xml", "big.xlsx")


def test_template_check_of_cells_without_a_reference_lists_differences(tmp_path):
    import re as _re

    from levxl.files.bundled import template_path

    parts = dict((i.filename, d) for i, d in members(template_path()))
    sheet = "xl/worksheets/sheet1.xml"  # cells may omit r (their place in the row says it): a TypeError before
    path = rewrite(template_path(), tmp_path / "t.xlsm", replace={sheet: _re.sub(rb'(<c) r="[A-Z]+\d+"', rb"\1",
                                                                                    parts[sheet])})
    result = invoke("template", "--check", "-o", path)
    one_line_failure(result, "differs from a fresh build")
    assert f"{sheet}: sheet XML outside the cells differs" not in result.output or "A1" in result.output


def test_template_check_of_a_sheet_with_far_more_cells_than_a_fresh_build_stops_counting(tmp_path, monkeypatch):
    from levxl.files.bundled import template_path
    from levxl.workbooks.template import check

    monkeypatch.setattr(check, "EXTRA_CELLS", 100)
    parts = dict((i.filename, d) for i, d in members(template_path()))
    sheet = "xl/worksheets/sheet1.xml"
    rows = b"".join(b'<row r="%d">' % r + b'<c s="1"/>' * 30 + b"</row>" for r in range(2000, 2100))
    path = rewrite(template_path(), tmp_path / "t.xlsm",
                   replace={sheet: parts[sheet].replace(b"</sheetData>", rows + b"</sheetData>")})
    result = invoke("template", "--check", "-o", path)
    one_line_failure(result, "differs from a fresh build")
    assert f"{sheet}: more than 119 cells (a fresh build has 19); not compared cell by cell" in result.output


def test_verifying_a_package_does_not_hold_its_xml_tree(tmp_path, monkeypatch):
    from levxl.files import safety

    rows = "".join(f'<row r="{i}">' + '<c s="1"/>' * 50 + "</row>" for i in range(1, 2_001))  # 100,000 cells
    path = rewrite(positions_xlsx(tmp_path / "p.xlsx"), tmp_path / "styled.xlsx",
                   add={"xl/worksheets/extra.xml": f'<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData>'
                                                   "</worksheet>".encode()})
    parse, most = safety.iter_xml, [0]

    def watched(*args, **kwargs):  # after each element, how many finished ones the tree still holds before it
        for event, element in parse(*args, **kwargs):
            yield event, element
            most[0] = max(most[0], sum(1 for _ in element.itersiblings(preceding=True)))

    monkeypatch.setattr(safety, "iter_xml", watched)
    safety.verify_package(path)
    assert most[0] == 0  # every element checked is dropped: all 2,000 rows (430 MB for 1M cells) kept before
