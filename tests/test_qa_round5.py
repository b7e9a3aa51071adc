"""Fixes from the fifth QA round (independent checks of desk files, hosts and venue numbers), one test each."""

import csv
import io
import unicodedata

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from levxl.cli import _csv_cell, main


def test_risk_csv_writes_formula_text_as_text_and_lists_refused_rows(tmp_path):
    # a symbol or account that reads as a formula must not run when a desk opens the CSV (OWASP: lead with ');
    # a refused row is a row of the CSV, so a batch job summing a column sees that one is missing
    path = tmp_path / "book.csv"
    path.write_text('venue,symbol,side,size,entry,mark,leverage,account\n'
                    'binance,"=HYPERLINK(""http://evil.example/"",""x"")",long,1,60000,60000,10,@SUM(1+1)\n'
                    '"=1+1",ETHUSDT,short,1,3000,3000,10,"+cmd|\' /C calc\'!A0"\n'
                    'binance,-2+3,long,1,3000,3000,10,\n'
                    'binance,BTCUSDT,long,=1+1,3000,3000,10,\n')
    result = CliRunner().invoke(main, ["risk", str(path), "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["symbol"] for r in rows[:3]] == ["'=HYPERLINK(\"http://evil.example/\",\"x\")", "ETHUSDT", "'-2+3"]
    assert rows[0]["account"] == "'@SUM(1+1)" and rows[1]["venue"] == "'=1+1"
    assert rows[1]["account"].startswith("'+cmd")
    for row in rows:
        for value in row.values():
            assert not (value or "").startswith(("=", "+", "-", "@")) or _is_number(value)
    assert rows[3]["row"] == "4" and rows[3]["warnings"].startswith("refused: size must be a number")
    assert rows[3]["liquidation_price"] == ""
    assert "-0.0" not in result.stdout.split(",")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_okx_pos_counts_contracts_and_is_never_read_as_the_size(tmp_path):
    # OKX's positions field pos is a number of contracts (ctVal 0.01 BTC on BTC-USDT-SWAP): read as BTC it gave a
    # position 100x too large; a file whose only size column is pos is refused, and the message says why
    path = tmp_path / "okx.csv"
    path.write_text("instId,posSide,pos,avgPx,lever\nBTC-USDT-SWAP,long,50,60000,10\n")
    result = CliRunner().invoke(main, ["risk", str(path)])
    assert result.exit_code == 1 and "OKX's pos counts contracts" in result.output


def test_risk_csv_leads_full_width_and_space_led_formula_text_with_an_apostrophe(tmp_path):
    # Excel in a Japanese or Chinese locale takes a full-width ＝ ＋ － ＠ for the ASCII one, so ＝cmd|... ran
    path = tmp_path / "book.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage,account\n"
                    "binance,＝cmd|' /C calc'!A0,long,1,60000,60000,10,＠SUM(1+1)\n"
                    "binance,＋1+1,long,1,60000,60000,10,－2+3\n"
                    "binance,BTCUSDT,long,1,60000,60000,10,\u3000＝1+1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["risk", str(path), "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["symbol"] for r in rows] == ["'＝cmd|' /C calc'!A0", "'＋1+1", "BTCUSDT"]
    assert [r["account"] for r in rows[:2]] == ["'＠SUM(1+1)", "'－2+3"]
    assert rows[0]["size"] == "1.0" and rows[0]["margin"] == "6000.0"  # numbers stay numbers


@pytest.mark.parametrize("text", ["\t=cmd", "\r=cmd", "\n=cmd", " =1+1", "\t\t+cmd", "\r\n@SUM(1)", "＝1", "＋1",
                                  "－1", "＠A1", " ＝1", "\u3000＝1", "﹦1", "=1+1", "-2+3", "-"])
def test_a_formula_led_cell_gets_an_apostrophe(text):
    assert _csv_cell(text) == "'" + text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_as_text_stays_a_number(number):
    # a real number (-12.5, -1e-05) cannot run: an apostrophe would make it text a column's SUM leaves out
    assert _csv_cell(repr(number)) == repr(number) and _csv_cell(number) == number + 0.0


@given(st.text(min_size=1))
def test_text_whose_lead_folds_to_a_formula_sign_is_never_written_bare(text):
    cell = _csv_cell(text)
    lead = unicodedata.normalize("NFKC", text.lstrip()[:1])[:1]
    if lead in ("=", "+", "-", "@") and lead and not _is_number(text.strip()):
        assert cell == "'" + text
