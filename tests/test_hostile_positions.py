"""Positions input: streamed with memory independent of the file's size, one bad row refuses only that row."""

from __future__ import annotations

import json
import zipfile
import tracemalloc
from pathlib import Path

import pytest

from levxl.book.positions import load_positions
from test_hostile_corpus import POSITIONS_CSV, invoke, one_line_failure


def test_a_field_over_the_csv_limit_refuses_its_row_only(tmp_path):
    path = tmp_path / "pos.csv"
    lines = POSITIONS_CSV.splitlines()
    path.write_text("\n".join([lines[0], lines[1], "okx,X" + "A" * (128 * 1024 + 10) + ",long,1,100,100,10",
                               lines[2]]) + "\n")
    book = load_positions(path)
    assert len(book) == 2 and book.row == [1, 3]
    assert book.issues[0][0] == 2 and "cannot be read" in book.issues[0][1] and "field larger" in book.issues[0][1]


def _loaded_with_peak(path):
    """(the book of ``path``, the peak bytes Python allocated while loading it)."""
    tracemalloc.start()
    try:
        book = load_positions(path)
        return book, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_csv_reading_memory_does_not_grow_with_rows_not_kept(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w") as f:
        f.write("venue,symbol,side,size,entry,mark,leverage\n")
        row = "binance,BTCUSDT,long,abc,60000,61000,10\n"  # every row refused: nothing is kept
        f.write(row * 20_000)
    book, peak = _loaded_with_peak(path)
    assert len(book) == 0 and len(book.issues) == 20_000
    assert peak < 10 << 20, peak  # 4.5 MB (the issues kept); reading the 0.8 MB file whole took 18 MB


def test_rows_past_the_limit_are_reported_not_read(tmp_path, monkeypatch):
    from levxl.files import reading

    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    path = tmp_path / "pos.csv"
    path.write_text(POSITIONS_CSV.splitlines()[0] + "\n" + (POSITIONS_CSV.splitlines()[1] + "\n") * 9)
    book = load_positions(path)
    assert len(book) == 5
    assert book.issues == [(6, "rows after 5 not read (levxl reads at most 5 positions from one file)")]
    import hashlib

    assert book.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # of the whole file all the same


def _ccxt(path, *contracts):
    base = {"symbol": "BTC/USDT:USDT", "side": "long", "entryPrice": 60000, "markPrice": 61000, "leverage": 10,
            "contractSize": 1}
    path.write_text(json.dumps([dict(base, contracts=c) for c in contracts]))
    return path


def test_ccxt_bad_contracts_refuse_only_their_row(tmp_path):
    book = load_positions(_ccxt(tmp_path / "p.json", 0.5, [1, 2], "abc", True, {"x": 1}, "0.25"))
    assert book.row == [1, 6]
    assert list(book.size) == [0.5, 0.25]
    assert [row for row, _ in book.issues] == [2, 3, 4, 5]
    assert all("size must be a number" in reason for _, reason in book.issues)


def test_ccxt_contracts_true_is_not_one(tmp_path):
    book = load_positions(_ccxt(tmp_path / "p.json", True))
    assert len(book) == 0 and "True" in book.issues[0][1]


def test_deep_json_nesting_is_a_message(tmp_path):
    path = tmp_path / "p.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        load_positions(path)
    one_line_failure(invoke("risk", path), "nested too deeply")


CCXT = Path(__file__).parent / "data" / "ccxt"


def _fixture_positions() -> list:
    """Every position of the ccxt fixtures (single cases and fetch_positions lists), and items that are not."""
    out = []
    for f in sorted(CCXT.glob("*.json")):
        data = json.loads(f.read_text())
        if isinstance(data, list):
            out += data
        elif isinstance(data, dict) and isinstance(data.get("position"), dict) and not data.get("market"):
            out.append(data["position"])
    return out + [1, "x", None, [1, [2]], {"side": "long"}, {"contracts": True, "side": "long", "symbol": "A/B:B"},
                  {"side": "short", "contracts": "abc", "info": {"deep": [[{"é": "\u2028"}]]}}]


def _columns(book) -> tuple:
    numbers = [repr(getattr(book, c).tolist()) for c in ("size", "entry", "mark", "margin", "leverage",
                                                          "venue_liquidation", "venue_maintenance")]  # NaN as text
    return (book.issues, book.row, book.venue, book.symbol, book.contract, book.margin_mode, book.basis,
            book.margin_source, book.warnings, numbers,
            [m if isinstance(m, (str, float)) else repr((m.mmr.tolist(), m.cum.tolist())) for m in book.mmr],
            book.sha256)


def test_json_array_over_the_size_cap_is_streamed_as_if_parsed_whole(tmp_path, monkeypatch):
    from levxl.files import reading

    path = tmp_path / "p.json"
    path.write_text(json.dumps(_fixture_positions(), indent=1))
    whole = load_positions(path)
    assert len(whole) >= 10 and len(whole.issues) >= 7
    monkeypatch.setattr(reading, "MAX_JSON_BYTES", 100)  # every file is "large": streamed
    streamed = load_positions(path)
    assert _columns(streamed) == _columns(whole)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # a byte-order mark, as json.loads("utf-8-sig") takes
    assert _columns(load_positions(path))[:-1] == _columns(whole)[:-1]


def test_streamed_json_keeps_only_the_rows_read(tmp_path, monkeypatch):
    from levxl.files import reading

    monkeypatch.setattr(reading, "MAX_JSON_BYTES", 100)
    path = _ccxt(tmp_path / "p.json", *(["abc"] * 20_000))  # every position refused: nothing is kept
    book, peak = _loaded_with_peak(path)
    assert len(book) == 0 and len(book.issues) == 20_000
    assert peak < 12 << 20, peak  # the issues kept; the 2.6 MB document parsed whole took ~30 MB
    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    book = load_positions(_ccxt(tmp_path / "q.json", *([0.5] * 9)))
    assert len(book) == 5 and book.issues == [(6, "rows after 5 not read (levxl reads at most 5 positions from "
                                                   "one file)")]
    import hashlib

    assert book.sha256 == hashlib.sha256((tmp_path / "q.json").read_bytes()).hexdigest()


@pytest.mark.parametrize("content, message", [
    (b'{"positions": [' + b" " * 200 + b"]}", "must be an array of positions"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'[{"side": "long"}, {"side": ', "not valid JSON"),
    (b"[1, 2] x" + b" " * 200, "not valid JSON"),
    (b'["' + b"a" * 200_000 + b'"]', "a JSON value longer than 1,000 bytes"),  # past one 64 KiB read
    (b" " * 200_000 + b"[]", "a JSON value longer than 1,000 bytes"),
    (b"\xff\xfe[" + b" " * 200 + b"]", "not valid JSON"),
])
def test_streamed_json_failures_are_one_line_messages(tmp_path, monkeypatch, content, message):
    from levxl.files import reading

    monkeypatch.setattr(reading, "MAX_JSON_BYTES", 100)
    monkeypatch.setattr(reading, "MAX_JSON_TOKEN", 1000)
    path = tmp_path / "p.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_positions(path)
    one_line_failure(invoke("risk", path), message)


@pytest.mark.parametrize("command", ["risk", "report"])
def test_zero_valid_rows_is_a_one_line_error(command, tmp_path):
    path = tmp_path / "pos.csv"
    path.write_text("side,size,entry,leverage\nlong,abc,100,10\nshort,1,0,10\n")
    args = [command, path] + (["-o", tmp_path / "r.xlsx"] if command == "report" else [])
    one_line_failure(invoke(*args), "no valid position, every row was refused: row 1: size must be a number")


def test_xlsx_positions_are_read_through_the_bounded_reader(tmp_path):
    from test_hostile_corpus import positions_xlsx

    book = load_positions(positions_xlsx(tmp_path / "p.xlsx"))
    assert len(book) == 2 and book.symbol == ["BTCUSDT", "ETHUSDT"] and list(book.size) == [0.5, 4.0]


def test_a_binary_csv_is_a_message(tmp_path):
    path = tmp_path / "pos.csv"
    path.write_bytes(b"side,size,entry\n" + bytes(range(128, 256)) * 100)
    one_line_failure(invoke("risk", path), "not a UTF-8 text CSV")



def test_too_many_shared_strings_are_refused(tmp_path, monkeypatch):
    import xlsxwriter

    from levxl.files import reading

    path = tmp_path / "p.xlsx"
    wb = xlsxwriter.Workbook(str(path))  # XlsxWriter writes shared strings (openpyxl inline ones)
    ws = wb.add_worksheet("Positions")
    for r, line in enumerate(POSITIONS_CSV.splitlines()):
        for c, value in enumerate(line.split(",")):
            ws.write(r, c, float(value) if value.replace(".", "").isdigit() else value)
    wb.close()
    assert len(load_positions(path)) == 2
    monkeypatch.setattr(reading, "MAX_SHARED_STRINGS", 3)
    one_line_failure(invoke("risk", path), "more than 3 shared strings")


def test_a_package_without_its_workbook_part_is_a_message(tmp_path):
    from test_hostile_corpus import members, positions_xlsx

    good = positions_xlsx(tmp_path / "good.xlsx")
    path = tmp_path / "p.xlsx"
    with zipfile.ZipFile(path, "w") as z:  # every part but xl/workbook.xml (a KeyError traceback before)
        for info, data in members(good):
            if info.filename != "xl/workbook.xml":
                z.writestr(info, data)
    one_line_failure(invoke("risk", path), "no workbook part (xl/workbook.xml)")
    out = tmp_path / "report.xlsx"
    one_line_failure(invoke("report", path, "-o", out), "no workbook part (xl/workbook.xml)")
    assert not out.exists()


def test_a_line_too_long_is_refused_without_holding_it(tmp_path, monkeypatch):
    from levxl.files import reading

    monkeypatch.setattr(reading, "MAX_LINE", 4096)  # the same code path as a 200 MB line, at test size
    lines = POSITIONS_CSV.splitlines()
    path = tmp_path / "pos.csv"
    path.write_text("\n".join([lines[0], "x" * 50_000, lines[1], '"' + "y" * 10_000 + '",long,1,1,1,1', lines[2]])
                    + "\n")
    book = load_positions(path)
    assert book.symbol == ["BTCUSDT", "ETHUSDT"] and book.row == [2, 4]
    assert [r for r, _ in book.issues] == [1, 3]
    assert all("longer than 4,096 characters" in why for _, why in book.issues)
    assert "line 2 cannot be read" in book.issues[0][1] and "line 4 cannot be read" in book.issues[1][1]
    with open(path, "w") as f:
        f.write(lines[0] + "\n")
        for _ in range(1000):
            f.write("z" * 4000)
        f.write("\n" + lines[1] + "\n")
    book, peak = _loaded_with_peak(path)  # the reader steps through the long line: a few steps, not the line
    assert book.symbol == ["BTCUSDT"] and peak < 2_000_000  # the line is 4,000,000 characters


def test_a_json_integer_past_a_floats_range_is_a_refused_row(tmp_path):
    ccxt = {"symbol": "BTC/USDT:USDT", "side": "long", "entryPrice": 60000, "markPrice": 61000, "leverage": 10,
            "marginMode": "isolated", "info": {}}
    for digits in (400, 5000):  # OverflowError traceback / Python's 4,300-digit ValueError before
        path = tmp_path / f"pos{digits}.json"
        path.write_text(json.dumps([{**ccxt, "contracts": 7}, {**ccxt, "contracts": 1}])
                        .replace('"contracts": 7', '"contracts": 1' + "0" * digits))
        book = load_positions(path)
        assert list(book.size) == [1.0] and book.issues[0][0] == 1 and "size" in book.issues[0][1]


@pytest.mark.parametrize("streamed", [False, True])
def test_a_ccxt_key_given_twice_with_different_values_refuses_its_position(tmp_path, monkeypatch, streamed):
    from levxl.files import reading

    if streamed:
        monkeypatch.setattr(reading, "MAX_JSON_BYTES", 10)
    ccxt = {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": 2, "entryPrice": 60000, "markPrice": 61000,
            "leverage": 10, "marginMode": "isolated", "info": {"note": "x"}}
    text = json.dumps([ccxt, {**ccxt, "contracts": 3}, {**ccxt, "contracts": 4}])
    text = text.replace('"contracts": 2', '"contracts": 2, "contracts": 200', 1)  # json kept the last: 200
    text = text.replace('"contracts": 3, "entryPrice": 60000', '"contracts": 3, "entryPrice": 60000, '
                                                                '"contracts": 3', 1)  # the same value twice: fine
    text = text.rsplit('"note": "x"', 1)[0] + '"note": "x", "note": "y"' + text.rsplit('"note": "x"', 1)[1]
    path = tmp_path / "pos.json"
    path.write_text(text)
    book = load_positions(path)
    assert list(book.size) == [3.0] and book.row == [2]
    assert [r for r, _ in book.issues] == [1, 3]
    assert "key 'contracts' is given 2 times with different values (2, 200)" in book.issues[0][1]
    assert "key 'note' is given 2 times" in book.issues[1][1]


def test_shared_strings_past_a_character_budget_are_refused_by_risk_and_recalc(tmp_path, monkeypatch):
    import xlsxwriter

    from levxl.files import reading

    path = tmp_path / "p.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Positions")
    for r, line in enumerate(POSITIONS_CSV.splitlines()):
        for c, value in enumerate(line.split(",")):
            ws.write(r, c, float(value) if value.replace(".", "").isdigit() else value)
    other = wb.add_worksheet("Notes")  # strings no position uses still cost their memory: 2M of 240 chars, 912 MB
    for r in range(200):
        other.write(r, 0, f"note {r} " + "x" * 100)
    other.write_formula(0, 1, "=1+1", None, 2)
    wb.close()
    assert len(load_positions(path)) == 2
    monkeypatch.setattr(reading, "MAX_SHARED_CHARS", 10_000)
    one_line_failure(invoke("risk", path), "more than 10,000 characters of shared strings; refused")
    out = tmp_path / "out"
    result = invoke("recalc", path, "--out", out)  # the worker is forked: it inherits the patch
    assert result.exit_code == 1 and "more than 10,000 characters of shared strings" in result.output, result.output
    assert "Traceback" not in result.output and not list(out.glob("*.xlsx"))


def test_a_bybit_inverse_position_with_an_infinite_entry_is_a_refused_row(tmp_path):
    from levxl.files.bundled import example_positions

    doc = json.loads(example_positions().with_name("positions.ccxt.json").read_text())
    positions = doc["positions"] if isinstance(doc, dict) else doc
    inverse = next(k for k, p in enumerate(positions) if p["info"].get("positionMM") and p["symbol"].endswith(":BTC"))
    positions[inverse]["entryPrice"] = "1e400"  # ZeroDivisionError traceback before (the MM rate of MM / 0)
    path = tmp_path / "pos.json"
    path.write_text(json.dumps(doc))
    book = load_positions(path)
    assert book.issues and book.issues[0][0] == inverse + 1 and "entry" in book.issues[0][1]
    assert len(book) == len(positions) - 1


@pytest.mark.parametrize("contract, symbol, mark, reason", [
    ("linear", "BTCUSDT", "1e308", "mark must be a price of at most 1e+12, got '1e308'"),  # the price bound first
    ("inverse", "BTCUSD_PERP", "1e-308", "mark must be a price of at least 1e-12, got '1e-308'")])
def test_a_mark_whose_position_value_overflows_is_a_refused_row(tmp_path, contract, symbol, mark, reason):
    path = tmp_path / "pos.csv"
    path.write_text("venue,symbol,side,contract,size,entry,mark,leverage\n"
                    f"binance,{symbol},long,{contract},2.5,64200,{mark},10\n"
                    "binance,ETHUSDT,long,linear,2,3000,3100,10\n")
    book = load_positions(path)
    assert book.symbol == ["ETHUSDT"] and book.issues == [(1, reason)]
    out = tmp_path / "report.xlsx"  # a TypeError traceback from XlsxWriter (inf written as a number) before
    result = invoke("report", path, "-o", out)
    assert result.exit_code == 0 and out.exists(), result.output


def test_an_infinite_funding_rate_is_a_refused_row(tmp_path):
    path = tmp_path / "pos.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage,funding_rate\n"
                    "binance,BTCUSDT,long,2.5,64200,64000,10,inf\nbinance,ETHUSDT,long,2,3000,3100,10,0.0001\n")
    book = load_positions(path)  # read with a warning "inf means inf% per funding interval" before
    assert book.symbol == ["ETHUSDT"] and book.issues == [(1, "funding_rate: 'inf' is not a finite number")]
    out = tmp_path / "report.xlsx"  # and the report was an XlsxWriter TypeError traceback (inf written as a number)
    assert invoke("report", path, "-o", out).exit_code == 0 and out.exists()


def test_a_mark_a_trillion_times_from_its_entry_is_a_refused_row(tmp_path):
    path = tmp_path / "pos.csv"
    # a mark of 1e-8 against 64200 (1e-305 as it was now meets the price bound first): the ratio check
    path.write_text("venue,symbol,side,contract,size,entry,mark,leverage\n"
                    "bybit,BTCUSD,long,inverse,2.5,64200,1e-8,10\nbinance,ETHUSDT,long,linear,2,3000,3100,10\n")
    book = load_positions(path)  # was a GREEN row with the distance inf (-5.9e309 overflowed), the report refused
    assert book.symbol == ["ETHUSDT"] and book.issues[0][0] == 1
    assert "more than 1e+12 times from the entry 64200" in book.issues[0][1]
    out = tmp_path / "report.xlsx"
    assert invoke("report", path, "-o", out).exit_code == 0 and out.exists()


@pytest.mark.skipif(not Path("/dev/zero").exists() or not hasattr(__import__("os"), "mkfifo"), reason="POSIX")
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_device_or_a_pipe_as_input_is_one_line(tmp_path, suffix):
    import os

    zero = tmp_path / f"zero{suffix}"
    zero.symlink_to("/dev/zero")  # zipfile read it to its end: 22 GB before it was killed; the CSV reader never ended
    fifo = tmp_path / f"fifo{suffix}"
    os.mkfifo(fifo)  # opening it blocked for good (no writer)
    for path, kind in ((zero, "a device or socket"), (fifo, "a pipe")):
        one_line_failure(invoke("risk", path), f"not a regular positions file ({kind})")
        out = tmp_path / "report.xlsx"
        one_line_failure(invoke("report", path, "-o", out), f"not a regular positions file ({kind})")
        assert not out.exists()
    one_line_failure(invoke("template", "--check", "-o", zero), "not a regular workbook file")


def _shared_strings_book(path: Path, megabytes: int) -> Path:
    """A positions workbook whose sharedStrings part also holds ``megabytes`` MB of strings no cell uses, stored
    (not deflated: a deflated repeat would be refused as a zip bomb before any part is read)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Positions")
    for r, line in enumerate(POSITIONS_CSV.splitlines()):
        for c, value in enumerate(line.split(",")):
            ws.write(r, c, float(value) if value.replace(".", "").isdigit() else value)
    ws.write_formula(20, 0, "=1+1", None, 2)
    wb.close()
    with zipfile.ZipFile(path) as z:
        parts = {info: z.read(info) for info in z.infolist()}
    block = b"<si><t>" + b"q" * 1000 + b"</t></si>"
    with zipfile.ZipFile(path, "w") as out:
        for info, data in parts.items():
            if info.filename == "xl/sharedStrings.xml":
                head, tail = data.rsplit(b"</sst>", 1)
                data = head + block * (megabytes * 2 ** 20 // len(block)) + b"</sst>" + tail
                info.compress_type = zipfile.ZIP_STORED
            out.writestr(info, data)
    return path


def test_recalc_refuses_shared_strings_past_the_budget_as_early_as_risk(tmp_path, monkeypatch):
    # recalc stream-checked every XML part first, so it parsed the whole sharedStrings part (480 MB: 7 s) before
    # the shared-strings reader refused it at its character budget; risk reads that part first (2.5 s)
    from levxl.files import reading, safety
    from levxl.recalc.package import open_package

    path = _shared_strings_book(tmp_path / "p.xlsx", 8)
    monkeypatch.setattr(reading, "MAX_SHARED_CHARS", 10_000)
    inflated: dict[str, int] = {}
    count = safety.BoundedZipFile.count

    def counting(self, n, info):
        inflated[info.filename] = inflated.get(info.filename, 0) + n
        return count(self, n, info)

    monkeypatch.setattr(safety.BoundedZipFile, "count", counting)
    message = "p.xlsx: more than 10,000 characters of shared strings; refused"
    for read in (load_positions, open_package):  # the risk path, then recalc's
        inflated.clear()
        with pytest.raises(ValueError, match=message):
            read(path)
        assert inflated["xl/sharedStrings.xml"] <= 2 * safety.CHUNK, (read.__name__, inflated)  # of 8 MB
    one_line_failure(invoke("risk", path), message)
    result = invoke("recalc", path, "--out", tmp_path / "out")
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output, result.output
