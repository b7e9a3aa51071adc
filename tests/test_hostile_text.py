"""Text from a file is made safe where it goes: a report cell (well-formed XML, at most 32,767 characters) and a
terminal (no escape sequence reaches it)."""

from __future__ import annotations

import zipfile

from test_hostile_corpus import formula_book, invoke

EVIL = "BTC\x00\x01\x08\x0b\x1b]0;pwned\x07\x1b[2J\x7f\ufffe"
LONG = "L" * 40_000
MAX_CELL_CHARS = 32_767


def _positions(tmp_path):
    path = tmp_path / "pos.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage\n"
                    f"{EVIL},{EVIL}USDT,long,0.5,60000,61000,10\n"
                    f"bybit,{LONG},short,4,3000,2950,5\n"
                    f"okx,{EVIL},sideways,1,1,1,1\n", encoding="utf-8")
    return path


def test_safe_cell_text():
    from levxl.files.cells import safe_cell_text

    assert safe_cell_text("a\x00b\tc\nd\x1f\ufffe") == "ab\tc\nd"
    assert len(safe_cell_text(LONG)) == MAX_CELL_CHARS and safe_cell_text(LONG).endswith("...")
    astral = "\U0001F600" * 20_000  # two UTF-16 units each: Excel counts units
    assert len(safe_cell_text(astral).encode("utf-16-le")) // 2 <= MAX_CELL_CHARS
    assert safe_cell_text(1.5) == 1.5


def test_report_is_well_formed_xml_whatever_a_symbol_holds(tmp_path):
    import openpyxl
    from lxml import etree

    out = tmp_path / "r.xlsx"
    result = invoke("report", _positions(tmp_path), "-o", out)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))  # raises on a control character in a <v>
    wb = openpyxl.load_workbook(out, data_only=True)
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts and max(len(t) for t in texts) <= MAX_CELL_CHARS
    assert not any("\x1b" in t or "\x00" in t for t in texts)
    assert any("BTC" in t and "pwned" in t for t in texts)  # the text stays, only the control characters go


def test_no_escape_sequence_reaches_the_terminal(tmp_path):
    pos = _positions(tmp_path)
    for args in (("risk", pos), ("report", pos, "-o", tmp_path / "r.xlsx")):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output and "\x00" not in result.output
        assert "\\x1b" in result.output
    evil_name = tmp_path / "b\x1b]0;x\x07.xlsx"
    formula_book(tmp_path / "base.xlsx").rename(evil_name)
    (tmp_path / "corrupt\x1b[2J.xlsx").write_bytes(b"not a zip")
    result = invoke("recalc", tmp_path, "--out", tmp_path / "out")
    assert "\x1b" not in result.output and "\x07" not in result.output, result.output
    assert "\\x1b" in result.output


def test_terminal_text():
    from levxl.files.cells import terminal_text

    assert terminal_text("a\x1b[31mb\tc\nd\x9b\u202e") == "a\\x1b[31mb\tc\nd\\x9b\\u202e"
