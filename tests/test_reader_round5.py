"""Round-5 reader findings: the positions file's funding header names its period and unit."""
import pytest

from levxl.book.cells import canonical_column
from levxl.book.positions import load_positions
from levxl.book.figures import risk_table

HEAD = "venue,symbol,side,size,entry,mark,leverage"
ROWS = "hyperliquid,BTC,long,1,60000,60000,10,{rate}\nbinance,BTCUSDT,long,1,60000,60000,10,{rate}\n"


def _daily(tmp_path, header, rate="0.0001"):
    path = tmp_path / "p.csv"
    path.write_text(f'{HEAD},"{header}"\n' + ROWS.format(rate=rate))
    book = load_positions(path)
    return book, [float(x) for x in risk_table(book).funding_per_day]


@pytest.mark.parametrize("header, column", [
    ("Funding rate (per 8h)", "funding_rate_8h"), ("Funding rate / 8h (%)", "funding_rate_8h_pct"),
    ("Funding Rate (8h, %)", "funding_rate_8h_pct"), ("Funding Rate (hourly)", "funding_rate_1h"),
    ("Funding rate per hour", "funding_rate_1h"), ("Funding rate (daily)", "funding_rate_24h"),
    ("Funding Rate (%)", "funding_rate_pct"), ("funding rate / 8h", "funding_rate_8h"), ("Funding Rate", "funding_rate"),
])
def test_funding_headers_keep_their_period_and_unit(header, column):
    assert canonical_column(header) == column
    assert canonical_column(column) == column  # a record read twice keeps its column


@pytest.mark.parametrize("header", ["Funding rate (per 8h)", "Funding rate / 8h", "Funding Rate (8h)"])
def test_a_rate_per_8h_is_read_per_8h_on_every_venue(tmp_path, header):
    _, daily = _daily(tmp_path, header)
    assert daily == pytest.approx([-18.0, -18.0])  # 1 BTC x 60,000 x 0.0001 x 3


def test_hourly_header_on_a_binance_row_is_hourly(tmp_path):
    _, daily = _daily(tmp_path, "Funding Rate (hourly)")
    assert daily == pytest.approx([-144.0, -144.0])


def test_a_percent_header_means_percent_cells(tmp_path):
    """Binance shows 0.0100 under "Funding Rate (%)": 0.01% per 8 h, not 1%."""
    book, daily = _daily(tmp_path, "Funding Rate (%)", rate="0.0100")
    assert daily[1] == pytest.approx(-60000 * 0.0001 * 3)
    _, daily = _daily(tmp_path, "Funding rate / 8h (%)", rate="0.0100")
    assert daily == pytest.approx([-18.0, -18.0])
    _, daily = _daily(tmp_path, "Funding rate / 8h (%)", rate="0.0100%")  # a % in the cell too: once
    assert daily == pytest.approx([-18.0, -18.0])


def test_an_unreadable_funding_header_refuses_its_rows(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f'{HEAD},"Funding rate (per epoch)"\n' + ROWS.format(rate="0.0001"))
    book = load_positions(path)
    assert len(book) == 0 and [r for r, _ in book.issues] == [1, 2]
    assert all("'funding rate (per epoch)' names a period or unit levxl cannot read" in why for _, why in book.issues)


def _records_book(**cells):
    from levxl.book.positions import book_from_records
    return book_from_records([{"venue": "binance", "symbol": "BTCUSDT", "side": "long", "size": 1, "entry": 60000,
                               "mark": 60000, "leverage": 10, "funding_rate": 0.0001, **cells}])


@pytest.mark.parametrize("cell", [__import__("datetime").time(8, 0), __import__("datetime").timedelta(hours=8)])
def test_an_interval_typed_as_a_time_is_its_hours(cell):
    """openpyxl gives an xlsx cell formatted 8:00 or [h]:mm as a time or a duration: 8 hours, not 0.333."""
    book = _records_book(funding_interval_hours=cell)
    assert float(book.funding_hours[0]) == 8.0
    assert float(risk_table(book).funding_per_day[0]) == pytest.approx(-18.0)


@pytest.mark.parametrize("cell", [1e-300, 0.01, 1 / 3])
def test_an_interval_below_an_hour_is_refused_on_its_row(cell):
    book = _records_book(funding_interval_hours=cell)
    assert len(book) == 0
    assert "no venue pays funding more often than hourly" in book.issues[0][1]


def test_a_header_period_over_a_day_names_the_header_not_minutes(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f'{HEAD},funding rate / 48h\n' + ROWS.format(rate="0.0001"))
    why = load_positions(path).issues[0][1]
    assert "the funding rate header's period" in why and "minutes" not in why


@pytest.mark.parametrize("text, warned", [
    ("[]", "not a levxl-funding-1 file"),
    ('{"format": "levxl-funding-1", "venue": "binance", "as_of": "2026-12-01", "hours": []}', "unreadable"),
    ('{"format": "levxl-funding-1", "venue": "binance", "as_of": "2026-12-01", "hours": '
     '{"BTCUSDT": {"hours": 0}}}', "got 0"),
    ('{"format": "levxl-funding-1", "venue": "binance", "as_of": "2026-12-01", "hours": '
     '{"BTCUSDT": {"hours": 480}}}', "got 480"),
    ('{"format": "levxl-funding-1", "venue": "binance", "as_of": "2026-12-01", "hours": '
     '{"BTCUSDT": {"hours": "x"}}}', "got 'x'"),
])
def test_a_damaged_funding_cache_is_skipped_with_a_warning(tmp_path, monkeypatch, capsys, text, warned):
    folder = tmp_path / "funding"
    folder.mkdir()
    (folder / "binance_2026-12-01.json").write_text(text)
    monkeypatch.setenv("LEVXL_DATA_DIR", str(tmp_path))
    book = _records_book()
    assert float(book.funding_hours[0]) == 8.0  # Binance's default
    assert float(risk_table(book).funding_per_day[0]) == pytest.approx(-18.0)
    err = capsys.readouterr().err
    assert warned in err and "skipped" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name, contract, profile", [
    ("Binance USD-M", "linear", "binance-usdm"), ("Binance USDⓈ-M", "linear", "binance-usdm"),
    ("Binance Futures", "linear", "binance-usdm"), ("Binance Futures", "inverse", "binance-coinm"),
    ("Binance COIN-M", "inverse", "binance-coinm"), ("Hyperliquid Perps", "linear", "hyperliquid"),
])
def test_venue_names_a_desk_types(name, contract, profile):
    from levxl.engine.venues import profile_for
    assert profile_for(name, contract).id == profile


def test_option_rows_ignore_a_mixed_books_tick_and_funding_interval(tmp_path):
    """A perpetual's tick (0.5) and funding interval (480: minutes) do not apply to an option: not a refusal."""
    path = tmp_path / "mix.csv"
    path.write_text("venue,symbol,side,contract,size,entry,mark,leverage,mmr,kind,option_type,strike,expiry_days,vol,"
                    "tick,funding_interval_hours\n"
                    "deribit,BTC-PERPETUAL,short,inverse,100000,59800,61850,10,0.005,perp,,,,0.55,0.5,8\n"
                    "deribit,BTC-27DEC-70000-C,long,inverse,1,0.05,61850,,,option,call,70000,30,0.6,0.5,\n"
                    "deribit,BTC-27DEC-70000-C,long,inverse,1,0.05,61850,,,option,call,70000,30,0.6,,480\n"
                    "deribit,BTC-PERPETUAL,short,inverse,100000,59800,61850,10,0.005,perp,,,,0.55,0.5,480\n")
    book = load_positions(path)
    assert len(book) == 3 and [r for r, _ in book.issues] == [4]  # the perpetual's 480 is still refused


def _xlsx_interval_book(tmp_path, cells):
    """A desk's positions sheet (openpyxl) whose funding interval column holds ``cells`` as (value, number format)."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Positions"
    ws.append(["Venue", "Symbol", "Side", "Size", "Entry Price", "Mark Price", "Leverage", "Funding Rate",
               "Funding interval"])
    for n, (value, number_format) in enumerate(cells, start=2):
        ws.append(["binance", "BTCUSDT", "long", 1, 60000, 60000, 10, 0.0001, value])
        if number_format:
            ws.cell(row=n, column=9).number_format = number_format
    path = tmp_path / "desk.xlsx"
    wb.save(path)
    return load_positions(path)


def test_an_xlsx_interval_formatted_as_a_time_is_its_hours(tmp_path):
    """A cell shown as 8:00 is stored as 0.333... of a day: its number format says it is a time, so 8 hours; a
    4:00 under "[h]:mm" 4 hours; a plain 8 stays 8 and an unformatted 0.333 is still refused."""
    book = _xlsx_interval_book(tmp_path, [(1 / 3, "h:mm"), (1 / 6, "[h]:mm"), (8, None), (1 / 3, "0.000")])
    assert [float(h) for h in book.funding_hours] == [8.0, 4.0, 8.0]
    assert float(risk_table(book).funding_per_day[0]) == pytest.approx(-18.0)
    assert [r for r, _ in book.issues] == [4]
    assert "no venue pays funding more often than hourly" in book.issues[0][1]
