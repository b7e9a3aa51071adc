"""An independent QA round on tier presets and hostile books (2026-12-04): a preset that names another market's
table, amounts too small for whole units in warnings, and refused rows the text table's totals leave out."""

from __future__ import annotations

from datetime import datetime

import openpyxl
from click.testing import CliRunner

from levxl.book.checks import amount_text
from levxl.book.positions import load_positions
from levxl.cli import main

BOOK = ("venue,symbol,side,size,entry,mark,leverage,mmr\n"
        "binance,BTCUSDT,long,0.5,60000,60000,10,binance:DOGEUSDT\n"  # another symbol's table
        "binance,BTCUSDT,long,0.5,60000,60000,10,bybit:BTCUSDT\n"  # another venue's table
        "binance,BTCUSDT,long,0.5,60000,60000,10,binance:BTC/USDT:USDT\n"  # the row's own, in ccxt's spelling
        "okx,BTC-USDT-SWAP,long,0.5,60000,60000,10,okx:BTC/USDT:USDT\n"
        "hyperliquid,BTC/USDC:USDC,long,0.5,60000,60000,10,hyperliquid:BTC\n"
        "binanceusdm,ETHUSDT,long,0.5,3000,3000,10,binance:ETHUSDT\n"  # a profile alias of the table's venue
        "okx,BTC-USDT-SWAP,long,0.5,60000,60000,150,\n")  # leverage above the tier's max at a size of 0.5


def test_a_preset_naming_another_markets_table_is_said(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(BOOK, encoding="utf-8")
    book = load_positions(path)
    assert book.warnings[0] == ["mmr names binance:DOGEUSDT@2024-10-24, DOGEUSDT's table, for a BTCUSDT position: "
                                "check the preset"]
    assert book.warnings[1] == ["mmr names bybit:BTCUSDT@2026-09-19, a bybit table, for a binance position: check "
                                "the preset"]
    assert book.warnings[2:6] == [[], [], [], []]  # the same market in another spelling is the row's own table


def test_warnings_show_amounts_below_a_thousand_with_their_digits(tmp_path):
    # "the tier allows at a size of 0" for 0.5 BTC, "a notional of 0" for 0.16 USDT, before
    assert amount_text(0.5) == "0.5" and amount_text(0.1598) == "0.1598" and amount_text(12.0) == "12"
    assert amount_text(50_000.0) == "50,000" and amount_text(1e300) == "1e+300"
    path = tmp_path / "book.csv"
    path.write_text(BOOK, encoding="utf-8")
    assert "allows at a size of 0.5 (" in load_positions(path).warnings[6][0]


def test_the_text_table_says_how_many_rows_its_totals_leave_out(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage\nbinance,BTCUSDT,long,0.5,60000,60000,10\n"
                    "binance,BTCUSDT,long,lots,60000,60000,10\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["risk", str(path)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "(1 positions; 1 row(s) refused, in no figure or total below" in lines[0]
    assert any(line.startswith("stresses (") and "without the 1 refused row(s)" in line for line in lines)
    assert "row 2 skipped: size must be a number" in result.stderr


def test_a_date_in_a_number_column_of_an_xlsx_is_refused_not_read_as_its_serial_day(tmp_path):
    # 2024-01-01 typed into the entry column is Excel's serial day 45292: read as a number it was a BTC entry of
    # 45,292 and a wrong liquidation price, with no word
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["venue", "symbol", "side", "size", "entry", "mark", "leverage"])
    ws.append(["binance", "BTCUSDT", "long", 1, 60000, 60000, 10])
    ws.append(["binance", "BTCUSDT", "long", 1, datetime(2024, 1, 1), 60000, 10])
    ws.append(["binance", "BTCUSDT", "long", 1, 61000, 60000, 10])
    ws["E4"].number_format = "#,##0.00"  # a plain number format stays a number
    path = tmp_path / "book.xlsx"
    wb.save(path)
    book = load_positions(path)
    assert book.entry.tolist() == [60000.0, 61000.0]
    assert book.issues == [(2, "entry is a date (2024-01-01) in the sheet, not a number")]


def test_a_rate_read_from_the_venues_own_position_is_not_a_missing_table():
    # the bundled ccxt export: Bybit's and OKX's positions carry their maintenance margin, so the rate levxl reads
    # from them is the venue's own at this size (not "flat ... MISSING: leave the mmr cell blank", which a ccxt
    # export has no cell for); Binance COIN-M's carries no maintenance margin to confirm its rate by
    from levxl.book.accounts import load_book
    from levxl.book.venue_rules import tier_provenance
    from levxl.files.bundled import example_file

    book, _ = load_book(example_file("positions.ccxt.json"))
    uses = {u.row: u for u in tier_provenance(book, as_of="2026-12-04")}
    for row in (5, 6, 7, 8, 9):
        assert uses[row].status == "ok" and uses[row].table.startswith("venue rate ") and not uses[row].warning
    assert uses[4].status == "missing" and uses[4].table == "flat 0.004"


def test_a_typed_flat_rate_is_the_venues_only_where_it_gives_the_venues_maintenance_margin(tmp_path):
    from levxl.book.venue_rules import tier_provenance

    path = tmp_path / "book.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage,mmr,venue_maintenance\n"
                    "okx,BTC-USDT-SWAP,long,0.5,60000,60000,10,0.004,120\n"  # 0.5 x 60,000 x 0.4 %
                    "okx,BTC-USDT-SWAP,long,0.5,60000,60000,10,0.004,150\n"
                    "okx,BTC-USDT-SWAP,long,0.5,60000,60000,10,0.004,\n", encoding="utf-8")
    assert [u.status for u in tier_provenance(load_positions(path))] == ["ok", "missing", "missing"]


def test_leverage_and_funding_past_any_venues_refuse_their_row(tmp_path):
    # a leverage of 1e308 was accepted with a warning and left a margin of ~0; a funding rate of 5 (500% an interval)
    # only warned
    path = tmp_path / "book.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage,funding_rate\n"
                    "binance,BTCUSDT,long,1,60000,60000,1e308,\n"
                    "binance,BTCUSDT,long,1,60000,60000,10,5\n"
                    "binance,BTCUSDT,long,1,60000,60000,1000,-1\n", encoding="utf-8")
    book = load_positions(path)
    assert book.row == [3] and book.leverage.tolist() == [1000.0]  # 1,000x and -100% are a venue's extremes
    assert book.issues == [
        (1, "leverage must be at most 10000x (venues offer up to about 1,000x), got '1e308'"),
        (2, "funding_rate must be at most 1 (100% per interval) either side of 0, got '5': if you meant 5%, write "
            "0.05 or 5%")]
