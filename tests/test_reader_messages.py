"""QA: the positions reader refuses a bad cell with the reason that is true of it (a negative entry is no bad tick,
1e400 is no number at all, the funding interval's rule is 1-24 h), and a text NaN is no blank."""

import pytest

from levxl.book.positions import book_from_records
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


@pytest.mark.parametrize("column", ["entry", "size", "mark", "leverage", "funding_rate", "tick"])
@pytest.mark.parametrize("cell", ["1e400", "inf", "-1e400"])
def test_an_overflowing_cell_is_not_a_finite_number(column, cell):
    reason = _reason(**{column: cell})
    # 1e400 overflows to inf; "inf" in an amount column reads as a unit word and is no number either
    assert reason in (f"{column}: {cell!r} is not a finite number", f"{column} must be a number, got {cell!r}")
    assert "> 0" not in reason and "tick must" not in reason


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
