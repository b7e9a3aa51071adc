"""Marks applied to a book (levxl.book.marks): files, dicts and records; bad marks become notes, bad files a clear
one-line error."""

from __future__ import annotations

import numpy as np
import pytest

from levxl.book.marks import apply_marks, read_marks
from levxl.book.positions import load_positions
from levxl.files.bundled import example_positions


@pytest.fixture(scope="module")
def book():
    return load_positions(example_positions())


def test_dict_file_and_records_set_the_same_marks(book, tmp_path):
    csv = tmp_path / "m.csv"
    csv.write_text("symbol,mark,venue,vol\nBTCUSDT,58000,binance,0.7\n")
    js = tmp_path / "m.json"
    js.write_text('[{"Symbol": "BTCUSDT", "Mark": 58000, "Venue": "binance", "Vol": 0.7}]')
    a, _ = apply_marks(book, csv)
    b, _ = apply_marks(book, js)
    c, _ = apply_marks(book, [{"symbol": "BTCUSDT", "mark": "58,000", "venue": "BINANCE", "vol": 0.7}])
    hit = [i for i in range(len(book)) if book.symbol[i] == "BTCUSDT" and book.venue[i] == "binance"]
    for marked in (a, b, c):
        np.testing.assert_array_equal(marked.mark[hit], 58000.0)
        np.testing.assert_array_equal(marked.vol[hit], 0.7)
        others = np.setdiff1d(np.arange(len(book)), hit)
        np.testing.assert_array_equal(marked.mark[others], book.mark[others])
    assert book.mark[hit[0]] != 58000.0  # the book itself is not changed


def test_bad_marks_are_notes_not_errors(book):
    marked, notes = apply_marks(book, [{"symbol": "BTCUSDT", "mark": "abc"}, {"symbol": "NOSUCH", "mark": 1},
                                       {"symbol": "ETHUSDT", "mark": -5}, {"symbol": "ETHUSDT", "mark": 3500,
                                                                          "vol": "x"}], vol=None)
    reasons = [r for _, r in notes]
    assert [w for w, _ in notes] == ["marks row 1", "marks row 2", "marks row 3", "marks row 4"]
    assert "must be a number" in reasons[0] and "matches no position" in reasons[1]
    assert "must be > 0" in reasons[2] and "kept the book's" in reasons[3]
    assert (marked.mark[np.array(book.symbol) == "ETHUSDT"] == 3500).all()  # the mark is used, the bad vol is not


@pytest.mark.parametrize("name, content, message", [
    ("m.json", "{not json", "not valid JSON"),
    ("m.json", "[1, 2]", "must be an object"),
    ("m.csv", "sym,price\nBTCUSDT,1\n", "needs a header with symbol and mark"),
    ("m.csv", b"\xff\xfe\x00bad", "not UTF-8"),
    ("missing.csv", None, "cannot read marks file"),
])
def test_unreadable_marks_file_is_one_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_marks(path)


def test_vol_override_must_be_a_number(book):
    assert (apply_marks(book, vol=0.8)[0].vol == 0.8).all()
    with pytest.raises(ValueError, match="--vol must be a number >= 0"):
        apply_marks(book, vol=-1.0)


@pytest.mark.parametrize("name, content, row", [
    ("m.json", '{"BTCUSDT": 58000, "ETHUSDT": 3500, "BTCUSDT": 5.8}', 2),  # json kept the last: 5.8
    ("m.csv", "symbol,mark,venue\nBTCUSDT,58000,binance\nETHUSDT,3500,\nBTCUSDT,5.8,\n", 3),  # the last row won
])
def test_two_marks_for_one_position_are_a_note_and_neither_is_used(book, tmp_path, name, content, row):
    path = tmp_path / name
    path.write_text(content)
    marked, notes = apply_marks(book, path)
    btc = np.array(book.symbol) == "BTCUSDT"
    eth = np.array(book.symbol) == "ETHUSDT"
    np.testing.assert_array_equal(marked.mark[btc], book.mark[btc])  # the book's own marks, not 5.8
    assert (marked.mark[eth] == 3500).all()
    assert len(notes) == 1 and notes[0][0] == f"{name} row {row}"  # a key's values are records in a row
    assert "mark 5.8 for 'BTCUSDT' contradicts row 1's 58000.0: neither is used" in notes[0][1]


def test_the_same_mark_twice_and_a_huge_integer_are_read_as_they_are(book, tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"BTCUSDT": 58000, "BTCUSDT": 58000, "ETHUSDT": 1' + "0" * 5000 + "}")  # ValueError before
    marked, notes = apply_marks(book, path)
    assert (marked.mark[np.array(book.symbol) == "BTCUSDT"] == 58000).all()
    assert [w for w, _ in notes] == ["m.json row 2"] and "must be > 0, got inf" in notes[0][1]
