"""QA: a header-only positions file is a flat desk's book: `levxl risk` and `levxl report` exit 0 and say "no
positions"; a file whose every row was refused, or with no header, still fails."""

import csv
import io
import json

import openpyxl
from click.testing import CliRunner

from levxl.book.positions import FLAT_BOOK
from levxl.cli import main

HEADER = "venue,symbol,side,size,entry,mark,leverage\n"


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_header_only_file_is_a_flat_book_in_every_face(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text(HEADER, encoding="utf-8")
    out = _run("risk", path)
    assert out.exit_code == 0, out.output
    assert FLAT_BOOK in out.output
    out = _run("risk", path, "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["positions"] == [] and FLAT_BOOK in out.stderr
    out = _run("risk", path, "--csv")
    assert out.exit_code == 0, out.output
    assert list(csv.DictReader(io.StringIO(out.stdout))) == [] and out.stdout.startswith("row,")
    xlsx = tmp_path / "flat.xlsx"
    out = _run("report", path, "-o", xlsx)
    assert out.exit_code == 0, out.output
    assert FLAT_BOOK in out.output
    summary = openpyxl.load_workbook(xlsx)["Summary"]
    assert any(FLAT_BOOK in str(c.value) for row in summary.iter_rows() for c in row if c.value)


def test_an_empty_ccxt_list_is_a_flat_book(tmp_path):
    path = tmp_path / "flat.json"
    path.write_text("[]", encoding="utf-8")
    out = _run("risk", path, "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["positions"] == []


def test_every_row_refused_or_no_header_still_fails(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "binance,BTCUSDT,long,abc,60000,60000,10\n", encoding="utf-8")
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("foo,bar\n1,2\n", encoding="utf-8")
    for path in (bad, nohead):
        for cmd in (["risk", path], ["risk", path, "--json"], ["report", path, "-o", tmp_path / "x.xlsx"]):
            out = _run(*cmd)
            assert out.exit_code == 1, (cmd, out.output)
            assert FLAT_BOOK not in out.output
