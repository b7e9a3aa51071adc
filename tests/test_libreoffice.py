"""levxl.testing.libreoffice against a real LibreOffice: cached vs recalculated values, types, errors, sheet names, PNGs."""

import re
import zipfile

import openpyxl
import pytest

from levxl.testing import libreoffice

needs_lo = pytest.mark.skipif(not libreoffice.available(),
                              reason="LibreOffice not installed (Debian package libreoffice-calc-nogui)")

SHEET1, SHEET2 = "Résumé ü", "Σ données"


def _patch_cached_value(path, sheet_xml, ref, formula, value):
    """Give cell ``ref`` of ``sheet_xml`` the cached value ``value`` (openpyxl writes formulas without one)."""
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    xml = items[sheet_xml].decode()
    xml, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', f'<c r="{ref}"><f>{formula}</f><v>{value}</v></c>', xml)
    assert n == 1, xml
    items[sheet_xml] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("books")
    # 1. a formula whose cached value is deliberately wrong: 21*2 cached as 999
    stale = d / "stale.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Stale"
    ws["A1"] = 21
    ws["B1"] = "=A1*2"
    wb.save(stale)
    _patch_cached_value(stale, "xl/worksheets/sheet1.xml", "B1", "A1*2", 999)

    # 2. text, numbers, errors, two sheets with non-ASCII names
    mixed = d / "mixed.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET1
    ws["A1"] = "prix €"
    ws["A2"] = 3
    ws["A3"] = 2.5
    ws["A4"] = "=1/0"
    ws["A5"] = "=A2*A3"
    ws["A6"] = "=1/3"
    ws["A7"] = '="x"&A2'
    ws["A8"] = "=SQRT(-1)"
    ws["A9"] = "=NOSUCHFUNCTION(1)"
    ws["C10"] = "far"
    ws2 = wb.create_sheet(SHEET2)
    ws2["B2"] = f"='{SHEET1}'!A2+1"
    wb.create_sheet("vide")
    wb.save(mixed)
    return {"stale": stale, "mixed": mixed, "dir": d}


def test_missing_libreoffice_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(libreoffice, "soffice_path", lambda: None)
    f = tmp_path / "a.xlsx"
    f.write_bytes(b"")
    for call in (lambda: libreoffice.convert([f], "pdf", tmp_path), lambda: libreoffice.read_values(f)):
        with pytest.raises(libreoffice.LibreOfficeMissing, match="libreoffice-calc-nogui"):
            call()


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError):
        libreoffice.convert([tmp_path / "nope.xlsx"], "pdf", tmp_path)
    f = tmp_path / "a.xlsx"
    f.write_bytes(b"")
    with pytest.raises(ValueError, match="recalc"):
        libreoffice.convert([f], "pdf", tmp_path, recalc="sometimes")


@needs_lo
def test_cached_vs_recalculated(books):
    stale = books["stale"]
    assert libreoffice.read_values(stale) == {"Stale": {"A1": 21.0, "B1": 999.0}}
    assert libreoffice.recalculated_values(stale) == {"Stale": {"A1": 21.0, "B1": 42.0}}


@needs_lo
def test_convert_honours_recalc_mode(books, tmp_path):
    """The profile setting itself (OOXMLRecalcMode; no calculateAll on this path), many files per call."""
    ins = [books["stale"], books["mixed"]]
    never = libreoffice.convert(ins, "xlsx", tmp_path / "never")
    always = libreoffice.convert(ins, "xlsx", tmp_path / "always", recalc="always")
    assert [p.name for p in never] == [p.name for p in always] == ["stale.xlsx", "mixed.xlsx"]
    assert all(p.parent == (tmp_path / d).resolve() for d, ps in (("never", never), ("always", always)) for p in ps)
    assert openpyxl.load_workbook(never[0], data_only=True)["Stale"]["B1"].value == 999
    assert openpyxl.load_workbook(always[0], data_only=True)["Stale"]["B1"].value == 42
    # what LO writes for errors in .xlsx: Excel's codes, not its own Err:5xx
    sheet = openpyxl.load_workbook(always[1], data_only=True)[SHEET1]
    assert (sheet["A4"].value, sheet["A8"].value, sheet["A9"].value) == ("#DIV/0!", "#VALUE!", "#NAME?")


@needs_lo
def test_convert_missing_output_is_a_clear_error(books, tmp_path):
    with pytest.raises(RuntimeError, match="did not convert"):
        libreoffice.convert([books["stale"]], "nosuchformat", tmp_path)


@needs_lo
def test_values_types_errors_and_sheet_names(books):
    v = libreoffice.read_values(books["mixed"])
    assert list(v) == [SHEET1, SHEET2, "vide"]
    s = v[SHEET1]
    assert s["A1"] == "prix €"
    assert s["A2"] == 3.0 and type(s["A2"]) is float
    assert s["A3"] == 2.5
    assert s["A4"] == "#DIV/0!"
    assert s["A5"] == 7.5
    assert s["A6"] == 1 / 3                      # the full double, not the 15 digits LO writes to files
    assert s["A7"] == "x3"
    assert s["A8"] == "Err:502"                  # LO's own error text (its .xlsx export would say #VALUE!)
    assert s["A9"] == "#NAME?"
    assert s["C10"] == "far"
    assert set(s) == {"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "C10"}   # empty cells omitted
    assert v[SHEET2] == {"B2": 4.0}
    assert v["vide"] == {}


@needs_lo
def test_render_png(books, tmp_path):
    pngs = libreoffice.render_png(books["mixed"], tmp_path, dpi=40)
    assert pngs and all(p.parent == tmp_path for p in pngs)
    for p in pngs:
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 500


@needs_lo
def test_timeout_kills_soffice(books, tmp_path):
    with pytest.raises(TimeoutError, match="killed"):
        libreoffice.convert([books["stale"]], "pdf", tmp_path, timeout=0.2)
    assert not list(tmp_path.iterdir())
