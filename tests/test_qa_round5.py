"""Fixes from the fifth QA round (independent checks of desk files, hosts and venue numbers), one test each."""

import csv
import io

from click.testing import CliRunner

from levxl.cli import main


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
