"""QA: the positions reader refuses a bad cell with the reason that is true of it (a negative entry is no bad tick,
1e400 is no number at all, the funding interval's rule is 1-24 h), and a text NaN is no blank."""

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from levxl.book.positions import book_from_records, load_positions
from levxl.engine.tier_store import FUNDING_HOURS_RANGE

ROW = {"venue": "binance", "symbol": "BTCUSDT", "side": "long", "size": "1", "entry": "60000", "mark": "60000",
       "leverage": "10"}


def _reason(**cells):
    book = book_from_records([{**ROW, **cells}], source="test")
    assert len(book) == 0, "the row must be refused"
    return book.issues[0][1]


def test_a_negative_entry_with_a_tick_is_refused_as_an_entry():
    reason = _reason(entry="-5", tick="0.1")
    assert "entry must be > 0" in reason and "tick" not in reason


@pytest.mark.parametrize("column", ["entry", "size", "mark", "margin", "leverage", "funding_rate", "tick"])
@pytest.mark.parametrize("cell", ["1e400", "inf", "-inf", "Infinity", " INF ", "-1e400"])
def test_an_overflowing_cell_is_not_a_finite_number(column, cell):
    reason = _reason(**{column: cell})
    # "inf" in an amount column (size, entry, mark, margin) was stripped as a unit word ("1.5 BTC") and read
    # "must be a number, got 'inf'": it is a number, just not a finite one, as 1e400 (which overflows to inf) is
    assert reason == f"{column}: {cell!r} is not a finite number"


@pytest.mark.parametrize("column", ["entry", "size", "mark", "margin"])
@pytest.mark.parametrize("number", [10 ** 400, -10 ** 400, int("9" * 309), 10 ** 5000],
                         ids=["1e400", "-1e400", "309 nines", "1e5000"])
def test_an_integer_past_a_floats_range_is_not_a_finite_number(column, number):
    # an OverflowError traceback before (float(10**400)); a 5,000-digit int cannot even be repr'd
    sign = "-" if number < 0 else ""
    assert _reason(**{column: number}) == f"{column}: {sign}inf is not a finite number"


def _xlsx(path: Path, column: str, cell_xml: str) -> Path:
    """A Positions sheet of two rows whose first row's ``column`` holds the raw cell XML ``cell_xml`` (a number
    no writer would save: openpyxl refuses inf)."""
    header = ["venue", "symbol", "side", "size", "entry", "mark", "leverage", "margin"]
    first = {"venue": "binance", "symbol": "BTCUSDT", "side": "long", "size": 2.5, "entry": 64200, "mark": 64000,
             "leverage": 10 if column != "margin" else None, "margin": None}
    second = {**first, "symbol": "ETHUSDT", "size": 2, "entry": 3000, "mark": 3100, "leverage": 10}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Positions"
    ws.append(header)
    ws.append([777777 if name == column else first[name] for name in header])
    ws.append([second[name] for name in header])
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"<v>777777</v>", f"<v>{cell_xml}</v>".encode())
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("column", ["size", "entry", "mark", "margin"])
@pytest.mark.parametrize("cell, shown", [("1e400", "inf"), ("-1e400", "-inf"), ("INF", "inf"),
                                         ("1" + "0" * 400, "inf"), ("9" * 309, "inf"), ("-" + "9" * 5000, "-inf")],
                         ids=["1e400", "-1e400", "INF", "401 digits", "309 nines", "-5000 nines"])
def test_an_xlsx_number_past_a_floats_range_is_not_a_finite_number(tmp_path, column, cell, shown):
    book = load_positions(_xlsx(tmp_path / "pos.xlsx", column, cell))  # a 400-digit integer: OverflowError before
    assert book.symbol == ["ETHUSDT"] and book.issues == [(1, f"{column}: {shown} is not a finite number")]


@pytest.mark.parametrize("field, column", [("contracts", "size"), ("entryPrice", "entry"), ("markPrice", "mark")])
@pytest.mark.parametrize("value, shown", [('"inf"', "'inf'"), ('"Infinity"', "'Infinity'"), ("Infinity", "inf"),
                                          ("1e400", "inf"), ("9" * 309, "inf")],
                         ids=["'inf'", "'Infinity'", "Infinity", "1e400", "309 nines"])
def test_a_ccxt_number_past_a_floats_range_is_not_a_finite_number(tmp_path, field, column, value, shown):
    ccxt = {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": 2, "entryPrice": 60000, "markPrice": 61000,
            "leverage": 10, "marginMode": "isolated", "info": {}}
    text = json.dumps([{**ccxt, field: "@"}, ccxt]).replace('"@"', value)
    path = tmp_path / "pos.json"
    path.write_text(text)
    book = load_positions(path)  # "entry must be a number, got 'inf'", a 309-digit int an OverflowError, before
    if field == "contracts":
        shown = "inf"  # the size is |contracts| x contractSize, a float: its text is not kept
    assert len(book) == 1 and book.issues == [(1, f"{column}: {shown} is not a finite number")]


def test_the_funding_interval_message_states_the_real_rule():
    low, high = FUNDING_HOURS_RANGE
    reason = _reason(funding_interval_hours="25")
    assert f"{low:g} to {high:g}" in reason and "(1, 4 or 8)" not in reason
    book = book_from_records([{**ROW, "funding_interval_hours": "2"}], source="test")
    assert len(book) == 1  # 2 h is inside the rule the message states


@pytest.mark.parametrize("column", ["funding_rate", "mark", "entry", "size", "vol", "wallet", "tick", "margin"])
@pytest.mark.parametrize("cell", ["nan", "NaN", " NAN ", "-nan"])
def test_a_text_nan_is_refused_not_read_as_blank(column, cell):
    reason = _reason(**{column: cell})
    assert reason.startswith(f"{column} must be a number, got {cell!r}")  # funding_rate "nan" was read as 0
