"""Positions at scale (issue 15): the engine's checks run on whole columns with each row's own reason, and the work
of reading a book and printing its risk grows linearly with its rows.

No timing: work is counted as the Python lines run in ``levxl/book`` and ``levxl/cli`` (``sys.settrace`` line
events, loop iterations and comprehensions included) for n and 2n rows; linear work doubles, quadratic work
quadruples (rebuilding a whole column per row made 100,000 rows cost hours).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from levxl.book import positions
from levxl.book.positions import _VenueTables, _parsed_record, _row_reason, book_from_records
from levxl.book.cells import CellError
from levxl.cli import main
from levxl.testing.work import line_events

CELLS = {
    "venue": ["binance", "bybit", "okx", "", "hyperliquid", "deribit", "weird"],
    "symbol": ["BTCUSDT", "ETHUSDT", "BTCUSD", "SOL-USDT-SWAP", "", "BTC"],
    "side": ["long", "short", "buy", "sell", "", "both", "x", "1", "-1", 1, -1.0, True, None],
    "size": ["1", "-2", "0", "abc", "0.5", "", "inf", "nan", "1e400", "2 BTC", "60,000", 3, 0.25, None],
    "entry": ["60000", "0", "-5", "", "3000", "abc", "inf", "61,000", "140", "1e-300", 100.0],
    "mark": ["", "0", "-1", "61000", "2950", "nan", "139.2", "x", None],
    "leverage": ["10", "0", "-5", "5x", "", "x20", "200", "inf", "1", "125", 10, None],
    "margin": ["", "100", "0", "-3", "abc", "1e9", "50", None, 75.5],
    "mmr": ["", "0.005", "1.5", "binance:BTCUSDT", "nope:XYZ", "0.5%", "-0.1", "bogus", "0.6", "0.99", "1",
            0.004, 2.0, True, [1], None],
    "contract": ["linear", "inverse", "", "quanto", "LINEAR", None],
    "margin_mode": ["", "cross", "isolated", "weird", "crossed", "unknown", None],
    "vol": ["", "-0.1", "0.6", "60", "abc", "0", -1.0],
    "funding_rate": ["", "0.0001", "1", "abc", "-0.05"],
    "kind": ["", "perp", "option", "swap", None],
    "option_type": ["", "call", "put", "c", "x"],
    "strike": ["", "60000", "0", "-1"],
    "expiry_days": ["", "30", "0", "-2"],
}
RECORD = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CELLS.items()})


def _one_by_one(records):
    """The reason of each refused record when checked alone (the engine's scalar call), else the row kept."""
    out = []
    for number, record in enumerate(records, start=1):
        try:
            row, check = _parsed_record(dict(record), "", _VenueTables())
        except CellError as exc:
            out.append((number, str(exc)))
            continue
        reason = _row_reason(check) if check is not None else ""
        out.append((number, reason) if reason else (number, row["size"], row["entry"], row["mark"]))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(RECORD, min_size=1, max_size=40), st.integers(1, 7))
def test_column_checks_give_each_row_its_own_reason(records, chunk):
    old = positions._CHUNK
    positions._CHUNK = chunk  # chunks of every size, rows of every kind mixed in them
    try:
        book = book_from_records([dict(r) for r in records])
    finally:
        positions._CHUNK = old
    issues = dict(book.issues)
    kept = {n: (s, e, m) for n, s, e, m in zip(book.row, book.size.tolist(), book.entry.tolist(),
                                                 book.mark.tolist())}
    for item in _one_by_one(records):
        if len(item) == 2:
            assert issues.get(item[0]) == item[1]
        else:
            assert repr(kept.get(item[0])) == repr(item[1:])
    assert [n for n, _ in book.issues] == sorted(issues)  # in row order


def _csv(path: Path, n: int) -> Path:
    rows = ["venue,symbol,side,size,entry,mark,leverage,margin,mmr,funding_rate,vol,margin_mode,wallet"]
    kinds = ["binance,BTCUSDT,long,0.5,60000,61000,10,,,0.0001,0.6,,", "bybit,ETHUSDT,short,4,3000,2950,5,,,,0.7,,",
             "okx,SOL-USDT-SWAP,long,100,140,139.2,20,,0.01,0.0002,0.9,,",
             "binance,BTCUSDT,long,0.2,60000,61000,,300,binance:BTCUSDT,,0.5,,",
             "binance,ETHUSDT,short,1,3000,3100,,,,,0.6,cross,5000", "bybit,BTCUSDT,long,abc,1,1,1,,,,,,"]
    rows += [kinds[k % len(kinds)] for k in range(n)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _work(args: list[str], watched: tuple = ("book", "cli", "files")) -> int:
    count, result = line_events(lambda: CliRunner().invoke(main, args), watched)
    assert result.exit_code == 0, result.output
    return count


def test_risk_work_grows_linearly_with_rows(tmp_path):
    n = 300
    small = _work(["risk", str(_csv(tmp_path / "a.csv", n))])
    large = _work(["risk", str(_csv(tmp_path / "b.csv", 2 * n))])
    assert large / small < 2.6, f"{small:,} line events for {n} rows, {large:,} for {2 * n} (x{large / small:.2f})"


def test_report_work_grows_linearly_with_rows(tmp_path):
    """The report's sheets (and the book figures they read) do a row's work once per row. Its fixed work is large
    (every sheet's layout), so the test compares increments: for n, 2n and 4n rows linear work adds about twice as
    much from 2n to 4n as from n to 2n; a whole-book property read per row (the recomputable flags, 21 s of a
    10,000-position report) makes that x2.4 and more."""
    n = 150
    watched = ("book", "workbooks/report")
    work = [_work(["report", "--as-of", "2026-12-02", "-o", str(tmp_path / f"{k}.xlsx"),
                   str(_csv(tmp_path / f"{k}.csv", k * n))], watched) for k in (1, 2, 4)]
    growth = (work[2] - work[1]) / (work[1] - work[0])
    assert growth < 2.25, f"line events for {n}, {2 * n}, {4 * n} rows: {work} (increments x{growth:.2f})"
