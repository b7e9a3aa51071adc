"""A vol or an option expiry past any market's (a vol of 1e308, 1e308 days) is refused with its row and a
one-line reason in every reader, never computed into numpy overflow warnings and infs (levxl.book.checks:
VOL_MAX, EXPIRY_DAYS_MAX say why the bounds are where they are)."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from levxl.book.checks import EXPIRY_DAYS_MAX, VOL_MAX
from levxl.book.marks import apply_marks
from levxl.book.positions import book_from_records, load_positions
from test_hostile_corpus import invoke, one_line_failure

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = (ROOT / "workbook" / "examples" / "options_book.csv").read_text()
PERP = {"venue": "binance", "symbol": "BTCUSDT", "side": "long", "size": "1", "entry": "60000", "mark": "60000",
        "leverage": "10"}
OPTION = {"venue": "deribit", "symbol": "BTC-27DEC26-70000-C", "side": "short", "size": "5", "entry": "0.021",
          "mark": "61850", "vol": "0.55", "kind": "option", "option_type": "call", "strike": "70000",
          "expiry_days": "26", "settle": "inverse"}


def _reason(row: dict) -> str:
    book = book_from_records([row], source="test")
    assert len(book) == 0, "the row must be refused"
    return book.issues[0][1]


@pytest.mark.parametrize("row", [PERP, OPTION], ids=["perp", "option"])
@pytest.mark.parametrize("vol", ["1e308", "1e154", "100.5", "20000%"])
def test_a_vol_past_the_bound_refuses_its_row(row, vol):
    assert _reason({**row, "vol": vol}) == f"vol must be an annualised vol of at most 100 (10,000% a year), got {vol!r}"


@pytest.mark.parametrize("days", ["1e308", "1e300", "3651"])
def test_an_expiry_past_the_bound_refuses_its_row(days):
    assert _reason({**OPTION, "expiry_days": days}) == f"expiry_days must be at most 3650 (10 years), got {days!r}"


def test_the_bounds_themselves_compute_without_a_warning():
    # the largest vol and expiry taken: every figure and the report are computed with no numpy warning
    from levxl.book.figures import risk_table
    from levxl.book.stresses import run_stresses

    rows = [{**PERP, "vol": str(VOL_MAX)}, {**OPTION, "vol": str(VOL_MAX), "expiry_days": str(EXPIRY_DAYS_MAX)}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book = book_from_records(rows, source="test")
        assert len(book) == 2 and not book.issues
        run_stresses(risk_table(book))


def test_a_vol_override_past_the_bound_is_one_line(tmp_path):
    pos = tmp_path / "options.csv"
    pos.write_text(OPTIONS)
    with pytest.raises(ValueError, match=r"^--vol must be an annualised vol of at most 100 \(10,000% a year\), got 1e\+308$"):
        apply_marks(load_positions(pos), vol=1e308)
    one_line_failure(invoke("report", pos, "-o", tmp_path / "r.xlsx", "--vol", "1e308"), "--vol must be an "
                     "annualised vol of at most 100")


def test_a_marks_file_vol_past_the_bound_is_a_note_and_the_books_vol_stands(tmp_path):
    pos = tmp_path / "options.csv"
    pos.write_text(OPTIONS)
    book = load_positions(pos)
    marked, notes = apply_marks(book, [{"symbol": "BTC-PERPETUAL", "mark": 62000, "vol": "1e308"}])
    assert list(marked.vol) == list(book.vol) and list(marked.mark)[3] == 62000
    assert any("vol must be an annualised vol of at most 100" in why and why.endswith("kept the book's")
               for _, why in notes), notes


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "levxl", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_the_cli_prints_no_warning_for_a_huge_vol_or_expiry(tmp_path):
    lines = OPTIONS.splitlines()
    lines[1] = lines[1].replace(",0.55,option", ",1e308,option")  # a vol of 1e308
    lines[2] = lines[2].replace(",26,inverse", ",1e308,inverse")  # 1e308 days to expiry
    pos = tmp_path / "options.csv"
    pos.write_text("\n".join(lines) + "\n")
    risk = _cli("risk", str(pos))  # numpy's "overflow encountered in multiply" on stderr before
    assert risk.returncode == 0 and risk.stderr.splitlines() == [
        "row 1 skipped: vol must be an annualised vol of at most 100 (10,000% a year), got '1e308'",
        "row 2 skipped: expiry_days must be at most 3650 (10 years), got '1e308'"], risk.stderr
    report = _cli("report", str(ROOT / "workbook/examples/positions.csv"), "-o", str(tmp_path / "r.xlsx"),
                  "--vol", "1e308")  # and "vol must be >= 0 ... got inf" after them
    assert report.returncode != 0 and report.stderr.splitlines() == [
        "Error: --vol must be an annualised vol of at most 100 (10,000% a year), got 1e+308"], report.stderr
