"""A funding rate is per the position's funding interval: the venue's (Hyperliquid hourly, a Binance 4-hour symbol
once fetched), or the one a row or a header gives. Funding per day = -side x notional x rate x 24 / hours."""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from levxl.book import venue_rules
from levxl.book.cells import canonical_column
from levxl.book.figures import risk_table
from levxl.book.positions import book_from_records, load_positions
from levxl.book.reconcile import RECORD_FIELDS, risk_records
from levxl.cli import main
from levxl.testing import libreoffice

needs_lo = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")

HEAD = "venue,symbol,side,contract,size,entry,mark,leverage,mmr"


def _csv(tmp_path, text: str, name: str = "book.csv"):
    path = tmp_path / name
    path.write_text(text)
    return load_positions(path)


def _daily(book, i: int) -> float:
    return float(risk_table(book).funding_per_day[i])


@pytest.mark.parametrize("header, column", [
    ("funding rate / 8h", "funding_rate_8h"), ("Funding Rate (1h)", "funding_rate_1h"),
    ("funding_rate_8h", "funding_rate_8h"), ("funding / 4 hours", "funding_rate_4h"), ("Funding", "funding_rate"),
    ("fundingRate", "funding_rate"), ("funding_interval", "funding_interval_hours"),
    ("fundingIntervalHours", "funding_interval_hours"), ("Funding interval (h)", "funding_interval_hours"),
    ("funding / day (− = paid)", "funding_amount"), ("Funding / year", "funding_amount"),
])
def test_headers_that_name_the_period(header, column):
    assert canonical_column(header) == column


def test_a_plain_rate_is_per_the_venues_interval(tmp_path):
    """Hyperliquid shows (and ccxt returns) its hourly rate: 24 payments a day; Binance BTCUSDT pays every 8 h."""
    book = _csv(tmp_path, f"""{HEAD},funding_rate
hyperliquid,BTC,short,linear,1.2,61500,61850,20,0.0125,0.0000125
binance,BTCUSDT,long,linear,2.5,64200,61850,10,binance:BTCUSDT,0.0001
nowhere,XYZ,long,linear,1,100,100,5,0.01,0.0001
""")
    np.testing.assert_array_equal(book.funding_hours, [1.0, 8.0, 8.0])
    assert _daily(book, 0) == pytest.approx(1.2 * 61850 * 0.0000125 * 24)  # the short receives
    assert _daily(book, 1) == pytest.approx(-2.5 * 61850 * 0.0001 * 3)  # the long pays, as before
    assert _daily(book, 2) == pytest.approx(-100 * 0.0001 * 3)  # unknown venue: 8 h
    lines = venue_rules.funding_lines(book)
    assert lines == ["row 1 hyperliquid BTC: funding rate per 1 h (hyperliquid's interval; 24 payments a day)"]
    no_rate = book_from_records([{"venue": "hyperliquid", "symbol": "ETH", "side": "long", "size": 1, "entry": 3000,
                                  "leverage": 5}])  # ccxt positions carry no rate: nothing to say of its period
    assert no_rate.funding_hours[0] == 1.0 and venue_rules.funding_lines(no_rate) == []


def test_a_header_period_or_an_interval_column_wins_over_the_venue(tmp_path):
    book = _csv(tmp_path, f"""{HEAD},funding rate / 8h
hyperliquid,BTC,short,linear,1.2,61500,61850,20,0.0125,0.0001
""")
    assert book.funding_hours[0] == 8.0 and book.funding_rate[0] == 0.0001
    assert _daily(book, 0) == pytest.approx(1.2 * 61850 * 0.0001 * 3)  # same cash flow as 0.0000125 hourly
    book = _csv(tmp_path, f"""{HEAD},funding_rate,funding_interval_hours
binance,BLZUSDT,long,linear,1000,0.1,0.1,5,0.01,0.0002,4h
hyperliquid,SOL,long,linear,10,150,150,5,0.02,0.0001,8
binance,ETHUSDT,long,linear,1,3000,3000,5,0.01,0.0001,
""")
    np.testing.assert_array_equal(book.funding_hours, [4.0, 8.0, 8.0])
    np.testing.assert_array_equal(book.funding_interval_hours[:2], [4.0, 8.0])
    assert math.isnan(book.funding_interval_hours[2])
    assert _daily(book, 0) == pytest.approx(-1000 * 0.1 * 0.0002 * 6)
    assert venue_rules.funding_lines(book) == [
        "row 1 binance BLZUSDT: funding rate per 4 h (as given; 6 payments a day)"]


def test_an_interval_that_is_not_hours_is_refused_on_its_row(tmp_path):
    book = _csv(tmp_path, f"""{HEAD},funding_rate,funding_interval
bybit,BTCUSDT,long,linear,1,60000,60000,5,0.005,0.0001,480
bybit,ETHUSDT,long,linear,1,3000,3000,5,0.005,0.0001,0
bybit,SOLUSDT,long,linear,1,150,150,5,0.005,0.0001,8
bybit,XRPUSDT,long,linear,1,1,1,5,0.005,0.0001,inf
""")
    assert len(book) == 1 and book.symbol == ["SOLUSDT"]
    reasons = dict(book.issues)
    assert "minutes? Bybit's API gives 480 for 8 hours" in reasons[1]
    assert "funding_interval_hours must be the hours between funding payments" in reasons[2]
    assert reasons[4] == "funding_interval_hours: 'inf' is not a finite number"  # no number, no rule of hours


def test_a_header_period_and_an_interval_column_that_disagree_are_refused(tmp_path):
    book = _csv(tmp_path, f"""{HEAD},funding rate / 8h,funding_interval_hours
hyperliquid,BTC,short,linear,1.2,61500,61850,20,0.0125,0.0001,1
hyperliquid,ETH,short,linear,1,3000,3000,20,0.02,0.0001,8
""")
    assert book.symbol == ["ETH"]
    assert "header says per 8 h but funding_interval_hours is '1'" in dict(book.issues)[1]


def test_a_fetched_interval_is_the_symbols(data_dir):
    from levxl.cli import tiers as tiers_cli
    from test_venue_sources import _offline

    tiers_cli.update_funding("binance", exchange_factory=_offline, today="2026-12-01")  # BLZUSDT: 4 h
    book = book_from_records([
        {"venue": "binance", "symbol": "BLZ/USDT:USDT", "side": "long", "size": 1000, "entry": 0.1, "leverage": 5,
         "funding_rate": 0.0002},
        {"venue": "binance", "symbol": "ETHUSDT", "side": "long", "size": 1, "entry": 3000, "leverage": 5,
         "funding_rate": 0.0001},
    ])
    np.testing.assert_array_equal(book.funding_hours, [4.0, 8.0])
    assert "binance-usdm's interval; 6 payments a day" in venue_rules.funding_lines(book)[0]


def test_options_and_selections_carry_the_interval(tmp_path):
    book = _csv(tmp_path, f"""{HEAD},funding_rate,kind,option_type,strike,expiry_days,vol
hyperliquid,BTC,short,linear,1.2,61500,61850,20,0.0125,0.0000125,perp,,,,0.5
deribit,BTC-27DEC,long,inverse,1,0.05,0.05,,,,option,call,70000,30,0.6
""")
    assert book.funding_hours[0] == 1.0
    assert _daily(book, 1) == 0.0
    picked = book.select(np.array([True, False]))
    assert picked.funding_hours.tolist() == [1.0]


def test_risk_records_and_cli_say_the_interval(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(f"""{HEAD},funding_rate
hyperliquid,BTC,short,linear,1.2,61500,61850,20,0.0125,0.0000125
binance,BTCUSDT,long,linear,2.5,64200,61850,10,binance:BTCUSDT,0.0001
""")
    assert {"funding_rate", "funding_interval_hours", "funding_per_day"} <= set(RECORD_FIELDS)
    book = load_positions(path)
    records = risk_records(book)
    assert [r["funding_interval_hours"] for r in records] == [1.0, 8.0]
    np.testing.assert_allclose([r["funding_per_day"] for r in records], risk_table(book).funding_per_day)
    out = CliRunner().invoke(main, ["risk", str(path), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["positions"][0]["funding_interval_hours"] == 1.0
    out = CliRunner().invoke(main, ["risk", str(path)])
    assert "funding intervals other than 8 h" in out.output
    assert "row 1 hyperliquid BTC: funding rate per 1 h" in out.output


@needs_lo
def test_the_report_recalculates_funding_per_the_interval(tmp_path, report_recalculated):
    """The report's funding/day formula reads the row's interval cell: LibreOffice recalculates the engine's number,
    and a changed interval changes it."""
    src = tmp_path / "book.csv"
    src.write_text(f"""{HEAD},funding_rate,funding_interval_hours,vol
hyperliquid,BTC,short,linear,1.2,61500,61850,20,0.0125,0.0000125,,0.55
binance,BLZUSDT,long,linear,1000,0.1,0.1,5,0.01,0.0002,4,0.9
binance,BTCUSDT,long,linear,2.5,64200,61850,10,binance:BTCUSDT,0.0001,,0.55
""")
    book, t, lay, out, values = report_recalculated(src)
    for i in range(len(book)):
        assert values[lay.positions.local("fund_hours", i)] == book.funding_hours[i]
        assert values[lay.positions.local("fund_day", i)] == pytest.approx(t.funding_per_day[i], rel=1e-12)
    # the desk says the Hyperliquid rate was per 8 h after all
    again = libreoffice.recalculated_after_edit(out, {("Positions", lay.positions.local("fund_hours", 0)): 8},
                                                tmp_path / "edited.xlsx")["Positions"]
    assert again[lay.positions.local("fund_day", 0)] == pytest.approx(t.funding_per_day[0] / 8, rel=1e-12)


def test_the_templates_per_8h_column_reads_back_to_the_examples_funding():
    """The template's Positions sheet says "funding rate / 8h" (its Hyperliquid row is the hourly rate x 8): read
    back, every row is per 8 h and pays what the example CSV's own rates pay."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sheet = load_positions(root / "workbook" / "levxl_template.xlsm")
    example = load_positions(root / "workbook" / "examples" / "positions.csv")
    assert sheet.funding_hours.tolist() == [8.0] * len(sheet)
    assert example.funding_hours[example.venue.index("hyperliquid")] == 1.0
    np.testing.assert_allclose(risk_table(sheet).funding_per_day, risk_table(example).funding_per_day, rtol=1e-12)


def test_the_books_funding_reproduces_the_venues_examples():
    """BitMEX perpetual guide (vector bitmex_funding_amount): a long of 20 XBT value at 0.25% per 8 h pays 0.05 XBT
    an interval, so 0.15 XBT a day. Hyperliquid docs "Funding": 0.01% per 8 h of interest is paid hourly at
    0.00125%, the same cash a day as 0.01% three times."""
    from conftest import VECTORS

    v = next(x for x in VECTORS if x["id"] == "bitmex_funding_amount")
    book = book_from_records([
        {"venue": "bitmex", "symbol": "XBTUSD", "side": "long", "contract": "inverse", "size": 1_000_000,
         "entry": 50_000, "mark": 50_000, "leverage": 5, "funding_rate": v["inputs"]["rate"]},   # 20 XBT at the mark
        {"venue": "hyperliquid", "symbol": "BTC", "side": "long", "size": 1, "entry": 60_000, "mark": 60_000,
         "leverage": 10, "funding_rate": 0.0000125},
        {"venue": "binance", "symbol": "BTCUSDT", "side": "long", "size": 1, "entry": 60_000, "mark": 60_000,
         "leverage": 10, "funding_rate": 0.0001},
    ])
    daily = risk_table(book).funding_per_day
    assert daily[0] == pytest.approx(v["expected"] * 3, abs=v["tol"])  # -0.05 XBT per 8 h
    assert daily[2] == pytest.approx(-60_000 * 0.0001 * 3, rel=1e-12)  # Binance: 8-hourly, three a day
    assert daily[1] == pytest.approx(daily[2], rel=1e-12)  # Hyperliquid: the hourly rate, 24 a day
