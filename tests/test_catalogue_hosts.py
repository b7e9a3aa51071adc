"""The LEVXL functions called the way Excel hosts call them, through xlwings' own host code.

Office.js hosts (xlwings Lite on Excel for Mac/web, xlwings Server): ``xlwings.server.custom_functions_meta`` is
what Excel registers, ``custom_functions_call`` what it runs, with the payloads Excel sends (scalars as ``[[x]]``,
omitted optionals as null, ranges as lists of rows, error cells as ``{"type": "Error", ...}``, formatted numbers
such as dates as ``{"type": "FormattedNumber", ...}``). xlwings' free ``noncommercial`` licence key enables that
code for the test suite. Also here: the error values and their reasons (``LEVXL_WHY``), the spellings, the
classic-Windows error form, and the scalar fast path pinned to the array path.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
import types

import numpy as np
import pytest

import levxl as lx
from levxl import udfs
from levxl.catalogue import CATALOGUE, CellError, canonical_name, explain, lookup, spellings
from levxl.catalogue import cells, host, scalar

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


@pytest.fixture(scope="module")
def server():
    """xlwings' Office.js code, with its conversion engine registered as xlwings registers it at import when the
    licence key is set (another test may have imported xlwings before the key was there)."""
    import xlwings
    import xlwings.server as server
    from xlwings.main import Engine
    from xlwings.pro import _xlofficejs

    if "officejs" not in [e.name for e in xlwings.engines]:
        xlwings.engines.add(Engine(impl=_xlofficejs.engine))
    return server


@pytest.fixture(scope="module")
def addin(server):
    """The UDF module as an Office.js host loads it: levxl.udfs' functions decorated with xlwings.server's
    decorators (what ``xw.func``/``xw.arg`` are under XLWINGS_ON_SERVER=true)."""
    module = types.ModuleType("levxl_officejs")
    module.__dict__.update(udfs.module_functions(office_js=True, func=server.func, arg=server.arg, ret=server.ret))
    return module


def run(server, addin, name, *args, runtime="1.5"):
    payload = {"func_name": name, "args": list(args), "version": "0", "client": "Office.js", "runtime": runtime,
               "culture_info_name": "en-US", "date_format": "M/d/yyyy"}
    return asyncio.run(server.custom_functions_call(payload, addin))


ERROR = {"type": "Error", "errorType": "Value"}


def is_error(cell, kind="Value"):
    return isinstance(cell, dict) and cell.get("type") == "Error" and cell.get("errorType") == kind


# -- the metadata Excel shows ---------------------------------------------------------------------------------------
def test_metadata_names_every_function_in_the_levxl_namespace(server, addin):
    meta = server.custom_functions_meta(addin)
    functions = {f["id"]: f for f in meta["functions"]}
    assert set(functions) == set(CATALOGUE) | {"LEVXL_WHY"} and len(CATALOGUE) >= 31
    assert meta["allowErrorForDataTypeAny"] is True
    for name, entry in CATALOGUE.items():
        f = functions[name]
        assert f["name"] == "LEVXL." + name[len("LEVXL_"):]
        assert f["description"] == f"{entry.summary}. Returns {entry.returns}."
        assert [p["name"] for p in f["parameters"]] == [a.name for a in entry.args]
        assert [p["description"] for p in f["parameters"]] == [a.doc for a in entry.args]
        assert [p.get("optional", False) for p in f["parameters"]] == [a.optional for a in entry.args]
        assert f["result"] == {"dimensionality": "matrix", "type": "any"}
    why = functions["LEVXL_WHY"]
    assert why["name"] == "LEVXL.WHY" and why["parameters"][1]["repeating"] is True


UNITS = {"leverage": "multiple", "vol": "annualised", "days": "days", "fee": "rate", "mmr": "rate",
         "move": "fraction", "risk": "fraction", "size": "coin", "funding_rate": "interval", "rate": "rate",
         "horizon": "days", "margin": "currency", "wallet": "currency", "notional": "currency", "roe": "fraction"}


def test_argument_descriptions_carry_units():
    for entry in CATALOGUE.values():
        for a in entry.args:
            if a.name in UNITS:
                assert UNITS[a.name] in a.doc, (entry.name, a.name, a.doc)


def test_fixed_choices_are_dropdowns_and_ranges_stay_free(server, addin):
    meta = server.custom_functions_meta(addin)
    enums = {e["id"]: [v["stringValue"] for v in e["values"]] for e in meta["enums"]}
    functions = {f["id"]: {p["name"]: p for p in f["parameters"]} for f in meta["functions"]}
    grid = functions["LEVXL_SCENARIO_GRID"]
    assert enums[grid["output"]["customEnumId"]] == list(host.CHOICES["output"])
    assert enums[grid["side"]["customEnumId"]] == list(host.CHOICES["side"])
    greek = functions["LEVXL_OPTION_GREEK"]
    assert enums[greek["greek"]["customEnumId"]] == list(host.CHOICES["greek"])
    assert enums[greek["model"]["customEnumId"]] == ["black76", "bs"]
    assert greek["model"]["dimensionality"] == "scalar" and greek["model"].get("optional")
    assert enums[functions["LEVXL_ACCOUNT_LIQ_PRICES"]["contract"]["customEnumId"]] == ["linear", "inverse"]
    liq = functions["LEVXL_LIQ_PRICE"]  # cell by cell: a column of sides or contracts must still pass
    assert liq["side"]["dimensionality"] == "matrix" and "customEnumId" not in liq["contract"]


# -- every function through custom_functions_call ---------------------------------------------------------------
def _parse_example(example: str) -> list:
    """The literal arguments of a catalogue example formula ("long", 60000, {-0.2;0.1}, {5,10})."""
    inner = example[example.index("(") + 1:-1]
    parts, depth, quoted, current = [], 0, False, ""
    for ch in inner:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0) if not quoted else 0
        current += ch
    parts.append(current)

    def value(text):
        text = text.strip()
        if text.startswith('"'):
            return text[1:-1]
        if text.startswith("{"):
            return [[float(x) for x in row.split(",")] for row in text[1:-1].split(";")]
        return float(text)

    return [value(p) for p in parts]


RANGES = {  # examples that name sheet ranges: the values those ranges hold
    "LEVXL_ACCOUNT_LIQ_PRICES": [[["long"], ["short"]], [[60000.0], [3000.0]], [[1.0], [10.0]], [[61000.0], [2900.0]],
                                 50000.0],
    "LEVXL_AVG_ENTRY": [[[100.0], [110.0]], [[1.0], [3.0]]],
}
_BOOK = [[["call"], ["put"], ["perp"]], [["short"], ["short"], ["long"]], [[2.0], [1.0], [30_000.0]]]
_OPTIONS = [[[70_000.0], [55_000.0], [None]], [[21.0], [45.0], [None]], [[0.55], [0.6], [None]]]
_ENTRIES = [[0.03], [0.025], [60_000.0]]
RANGES.update({  # the margin functions' examples (issue 17): a short call, a short put and a perpetual hedge
    "LEVXL_ACCOUNT_LIQ_OPTIONS": [*_BOOK, _ENTRIES, 61_850.0, 0.8, *_OPTIONS],
    "LEVXL_PM_MARGIN": [*_BOOK, 61_850.0, *_OPTIONS, "paradex"],
    "LEVXL_REVERSE_STRESS": [*_BOOK, _ENTRIES, 61_850.0, 0.8, *_OPTIONS, None, None, None, None, None,
                             [[0.0], [0.1], [0.2]]],
})


def _as_payload(value):
    return value if isinstance(value, list) else [[value]]


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_function_through_the_officejs_path(server, addin, name):
    entry = CATALOGUE[name]
    args = RANGES.get(name) or _parse_example(entry.example)
    payload = [_as_payload(v) for v in args] + [None] * (len(entry.args) - len(args))
    got = run(server, addin, name, *payload)
    want = entry(*args)
    want = want if isinstance(want, list) else [[want]]
    assert isinstance(got, list) and all(isinstance(r, list) for r in got)
    assert np.shape(got) == np.shape(want), (got, want)
    for g, w in zip(np.ravel(np.array(got, dtype=object)), np.ravel(np.array(want, dtype=object))):
        assert not isinstance(g, dict), (name, g)  # the examples are valid input: no error cell
        assert g == w or (isinstance(g, float) and abs(g - w) <= 1e-12 * max(1.0, abs(w))), (name, g, w)


def test_omitted_optionals_are_null_and_take_defaults(server, addin):
    full = run(server, addin, "LEVXL_LIQ_PRICE", [["long"]], [[100.0]], [[1.0]], [[10.0]], [[0.005]], None,
               [["linear"]], [[0.0]], [["mark"]])
    bare = run(server, addin, "LEVXL_LIQ_PRICE", [["long"]], [[100.0]], [[1.0]], [[10.0]], None, None, None, None,
               None)
    assert full == bare == [[float(lx.liquidation_price("long", 100, 1, leverage=10))]]
    assert run(server, addin, "LEVXL_LIQ_PRICE", [["long"]], [[100.0]], [[1.0]], None, None, [[10.0]], None, None,
               None) == [[float(lx.liquidation_price("long", 100, 1, margin=10))]]


def test_a_bad_row_in_a_spilled_column_is_a_real_excel_error(server, addin):
    got = run(server, addin, "LEVXL_LIQ_PRICE", [["long"], ["short"], ["long"], ["long"]], [[60000.0]] * 4,
              [[1.0], [1.0], ["two"], [1.0]], [[10.0], [0.0], [10.0], [20.0]], [["binance:BTCUSDT"]])
    assert isinstance(got[0][0], float) and isinstance(got[3][0], float)
    assert is_error(got[1][0]) and is_error(got[2][0])  # SUM/MIN over the column show #VALUE!, not a skipped text
    reasons = run(server, addin, "LEVXL_WHY", [["LIQ_PRICE"]],
                  [[["long"], ["short"], ["long"], ["long"]], [[60000.0]] * 4, [[1.0], [1.0], ["two"], [1.0]],
                   [[10.0], [0.0], [10.0], [20.0]], [["binance:BTCUSDT"]]])
    assert reasons == [[""], ["#VALUE! leverage must be > 0"], ["#VALUE! size holds text, not a number"], [""]]


def test_no_value_is_num_and_old_runtimes_get_the_code_text(server, addin):
    got = run(server, addin, "LEVXL_IMPLIED_VOL", [[1e9]], [["call"]], [[100.0]], [[100.0]], [[30.0]], None, None,
              None)
    assert is_error(got[0][0], "Num")
    old = run(server, addin, "LEVXL_LIQ_PRICE", [["long"]], [[1.0]], [[1.0]], [[0.0]], None, None, None, None, None,
              runtime="1.3")
    assert old == [["#VALUE!"]]  # before runtime 1.4 xlwings passes the code as text: still no long message


def test_error_cells_in_arguments_are_passed_on(server, addin):
    na = {"type": "Error", "basicType": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
    column = run(server, addin, "LEVXL_PNL", [["long"], ["long"]], [[100.0], [na]], [[110.0]], [[1.0]], None)
    assert column[0][0] == 10.0 and is_error(column[1][0], "NotAvailable")
    single = run(server, addin, "LEVXL_PNL", [["long"]], [[na]], [[110.0]], [[1.0]], None)
    assert is_error(single[0][0], "NotAvailable")
    div0 = {"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}
    grid = run(server, addin, "LEVXL_SCENARIO_GRID", "long", [[100.0]], [[1.0]], [[-0.1], [div0]], [[2.0, 5.0]],
               None, None, None)
    assert grid[0] == [-10.0, -10.0] and all(is_error(c, "Div0") for c in grid[1])  # the bad move's row only


def test_dates_and_formatted_numbers_arrive_as_their_number(server, addin):
    days = {"type": "FormattedNumber", "basicValue": 30.0, "numberFormat": "0 \"days\""}
    got = run(server, addin, "LEVXL_OPTION_PRICE", [["call"]], [[60000.0]], [[65000.0]], [[days]], [[0.6]], None,
              None, None)
    assert got == [[CATALOGUE["LEVXL_OPTION_PRICE"]("call", 60000, 65000, 30, 0.6)]]
    import datetime as dt  # a classic-Windows date cell arrives as a datetime: no argument is a date
    assert CATALOGUE["LEVXL_PNL"]("long", dt.datetime(2026, 1, 1), 110, 1).reason == "entry must be a number or " \
                                                                                    "text, got a date"


def test_empty_and_mismatched_ranges_get_messages(server, addin):
    got = run(server, addin, "LEVXL_WHY", [["OPTION_PRICE"]],
              [[["call"]], [[60000.0] * 3] * 2, [[65000.0] * 2] * 2, [[30.0]], [[0.6]]])
    assert got == [["#VALUE! underlying and strike ranges don't line up: 2x3 vs 2x2"]]
    assert CATALOGUE["LEVXL_LIQ_PRICE"]("long", [[]], 1, 10).reason == "entry is an empty range"
    assert CATALOGUE["LEVXL_AVG_ENTRY"]([[1], [2]], [[1], [2], [3]]).reason == \
        "prices and sizes ranges don't line up: 2 vs 3 cells"


# -- errors as values, reasons, switches -----------------------------------------------------------------------------
def test_cell_error_is_an_error_value_and_the_old_text():
    e = CATALOGUE["LEVXL_LIQ_PRICE"]("long", 100, 1, 0)
    assert isinstance(e, CellError) and e.code == "#VALUE!" and e.reason == "leverage must be > 0"
    assert e == "#VALUE! leverage must be > 0" and e.text == "#VALUE! leverage must be > 0"
    assert pickle.loads(pickle.dumps(e)).reason == e.reason
    cell = CATALOGUE["LEVXL_LIQ_PRICE"].evaluate([["long"], ["long"]], 100, 1, [[10], [0]])
    assert isinstance(cell[1, 0], CellError) and cell[0, 0] > 0


def test_why_accepts_any_spelling_and_explains_scalars():
    assert explain("LIQ_PRICE", "long", 100, 1, 0) == "#VALUE! leverage must be > 0"
    assert explain("LEVXL.LIQ_PRICE", "long", 100, 1, 10) == ""
    assert explain("levxl_liq_price", [["long"], ["x"]], 100, 1, 10) == [[""], ['#VALUE! side must be long/short, '
                                                                              'buy/sell or 1/-1']]
    assert explain("NOPE", 1).startswith("function: no LEVXL function")


def test_text_switch_brings_back_the_old_cells(monkeypatch, server):
    monkeypatch.setenv("LEVXL_ERRORS", "text")
    udf = udfs.make_udf(CATALOGUE["LEVXL_LIQ_PRICE"], office_js=True, func=server.func, arg=server.arg,
                        ret=server.ret)
    assert udf([["long"]], [[100.0]], [[1.0]], [[0.0]]) == [["#VALUE! leverage must be > 0"]]


def test_classic_windows_gets_com_error_variants(monkeypatch):
    """Classic xlwings returns Python values through COM: an error cell is a VT_ERROR variant (CVErr form)."""
    class VARIANT:
        def __init__(self, vt, value):
            self.varianttype, self.value = vt, value

    monkeypatch.setitem(sys.modules, "pythoncom", types.SimpleNamespace(VT_ERROR=10))
    monkeypatch.setitem(sys.modules, "win32com", types.ModuleType("win32com"))
    monkeypatch.setitem(sys.modules, "win32com.client", types.SimpleNamespace(VARIANT=VARIANT))
    udf = udfs.make_udf(CATALOGUE["LEVXL_LIQ_PRICE"], office_js=False, func=lambda **kw: (lambda f: f),
                        arg=lambda *a, **kw: (lambda f: f))
    out = udf([["long"], ["long"]], [[100.0]], [[1.0]], [[10.0], [0.0]])
    assert isinstance(out[0][0], float)
    assert (out[1][0].varianttype, out[1][0].value) == (10, -2146826273)  # #VALUE! as xlwings reads it back


def test_spellings_include_the_officejs_namespace():
    for spelling in ("LEVXL.PNL", "levxl.pnl", "_xll.LEVXL.PNL", "_xldudf_LEVXL_PNL", "LEVXL_PNL"):
        assert canonical_name(spelling) == "LEVXL_PNL" and lookup(spelling) is CATALOGUE["LEVXL_PNL"]
    assert "LEVXL.PNL" in spellings("LEVXL_PNL") and "_xll.LEVXL_PNL" in spellings("LEVXL_PNL")
    assert canonical_name("LEVXL.NOPE") is None


# -- the scalar fast path gives the array path's numbers exactly ------------------------------------------------------
def _general(fn, args):
    return cells._evaluate(fn, tuple(args))


@pytest.mark.parametrize("seed", range(6))
def test_scalar_fast_path_equals_the_array_path(seed):
    fn = CATALOGUE["LEVXL_LIQ_PRICE"]
    rng = np.random.default_rng(seed)
    table = lx.preset("binance:BTCUSDT")
    # OKX's tables count tiers by the position's size, not its notional: the fast path must too
    specs = [None, 0.004, 0.02, "binance:BTCUSDT", "binance:BTCUSDT@2021", table, "okx:BTC-USDT-SWAP",
             lx.preset("okx:ETH/USDT:USDT")]
    taken = 0
    for _ in range(300):
        args = ["long" if rng.random() < 0.5 else "SHORT", float(rng.uniform(1, 120_000)),
                float(rng.choice([rng.uniform(0.001, 5), rng.uniform(1, 5e6)])),
                float(rng.choice([1.0, rng.uniform(1, 125)])), specs[rng.integers(len(specs))],
                None if rng.random() < 0.7 else float(rng.uniform(1, 1e5)),
                "inverse" if rng.random() < 0.3 else None, float(rng.choice([0.0, 0.0006])),
                "entry" if rng.random() < 0.2 else None]
        if args[6] == "inverse" and isinstance(args[4], (str, TierTableType)):
            args[2] = float(rng.uniform(100, 1e7))
        fast = scalar.try_scalar(fn, tuple(args))
        slow = _general(fn, args)
        if fast is None:
            continue
        taken += 1
        assert fast == slow, (args, fast, slow)  # identical, not close
        assert fn(*args) == fast
        assert fn(*[[[a]] for a in args]) == [[fast]]  # 1x1 ranges in, a 1x1 range out, as without the fast path
    assert taken > 200


TierTableType = type(lx.preset("binance:BTCUSDT"))


def test_scalar_fast_path_leaves_bad_input_to_the_general_path():
    fn = CATALOGUE["LEVXL_LIQ_PRICE"]
    for args in [("long", 100, 1, 0), ("long", 100, 1, True), ("x", 100, 1, 10), ("long", 100, 1, 10, 0.999, None,
                 None, 0.5), ("long", 100, 1, None), ("long", 100, 1, 10, "nowhere:X")]:
        assert scalar.try_scalar(fn, args) is None
        assert isinstance(fn(*args), CellError)


def test_com_error_values_are_excels_cverr_codes():
    """The VT_ERROR value classic xlwings returns per error code: 0x800A0000 + CVErr number, signed (the table
    xlwings issue #496 quotes for what pywin32 reads from an error cell)."""
    table = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#NAME?": -2146826259, "#NULL!": -2146826288,
             "#NUM!": -2146826252, "#REF!": -2146826265, "#VALUE!": -2146826273}
    assert {code: udfs.com_error_scode(code) for code in table} == table
    assert udfs.com_error_scode("#SPILL!") == table["#VALUE!"]  # no CVErr for it: a #VALUE!


# -- whole columns: the fast conversions give the general path's cells -------------------------------------------------
_ODD_CELLS = [None, "", True, False, "LONG", " short", "#N/A", "two", 0, 1, 3, 1.5, -2.0, float("nan"), "buy",
              {"type": "Error", "errorType": "NotAvailable"}, {"type": "FormattedNumber", "basicValue": 12.0}]


@pytest.mark.parametrize("seed", range(8))
def test_column_fast_paths_equal_the_per_cell_path(seed):
    """A column of lists (the fast conversions: labels by lookup, numbers through ``sum``/``fromiter``) gives
    exactly the cells of the same column as an object array (the per-cell path), odd cells included."""
    from levxl.catalogue import convert

    fn = CATALOGUE["LEVXL_LIQ_PRICE"]
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))

    def column(good):
        cells = [good() for _ in range(n)]
        for i in rng.choice(n, size=int(rng.integers(0, 3)), replace=False) if rng.random() < 0.7 else []:
            cells[i] = _ODD_CELLS[rng.integers(len(_ODD_CELLS))]
        return [[c] for c in cells]

    args = [column(lambda: "long" if rng.random() < 0.5 else "short"),
            column(lambda: float(rng.uniform(100, 1e5))), column(lambda: float(rng.uniform(0.01, 50))),
            column(lambda: int(rng.integers(1, 100)) if rng.random() < 0.3 else float(rng.uniform(1, 100)))]
    mmr = [[[0.0, 0.004, 0.0], [50_000.0, 0.005, 50.0], [250_000.0, 0.01, 1_300.0]], "binance:BTCUSDT", 0.005]
    for spec in mmr:
        fast = fn(*args, spec)
        slow = fn(*[np.array([[convert.scalar_or_self(c) for c in row] for row in a], dtype=object) for a in args],
                  spec)  # (an object array is taken as it is: rich values are a list payload's, read per cell)
        assert fast == slow, (args, spec)


def test_ragged_and_odd_columns_get_messages():
    fn = CATALOGUE["LEVXL_LIQ_PRICE"]
    assert fn("long", [[100.0], [1.0, 2.0], [3.0]], 1, 10).reason == "entry must be a rectangular range"
    assert fn("long", [[100.0], 5.0, [3.0]], 1, 10).reason == "entry must be a rectangular range"
    out = fn([["long"], [True], ["short"]], [[100.0], [100.0], [True]], 1, 10)
    assert isinstance(out[0][0], float) and isinstance(out[1][0], CellError) and isinstance(out[2][0], CellError)
    assert out[1][0].reason.startswith("side") and out[2][0].reason.startswith("entry")  # never a silent 1


def test_a_result_lists_the_cells_that_are_not_numbers():
    fn = CATALOGUE["LEVXL_LIQ_PRICE"]
    rows = host.host_call(fn, ([["long"]] * 4, [[100.0]] * 4, [[1.0], [1.0], [1.0], ["x"]],
                               [[10.0], [0.0], [1.0], [10.0]], 0.0), lambda e: e.code)  # 1x long, mmr 0: no price
    assert isinstance(rows, host.Rows) and sorted(rows.special) == [(1, 0), (2, 0), (3, 0)]
    assert rows[1][0] == "#VALUE!" and rows[2][0] == "no liquidation" and rows[3][0] == "#VALUE!"
    assert rows == [[rows[0][0]], ["#VALUE!"], ["no liquidation"], ["#VALUE!"]]  # equal to the plain list
    plain = host.host_call(fn, ([["long"]] * 3, [[100.0]] * 3, [[1.0]] * 3, [[10.0]] * 3), None)
    assert isinstance(plain, host.Rows) and plain.special == []


def test_a_long_column_through_the_officejs_path(server, addin, monkeypatch):
    """2,000 rows read raw (as Excel sends them): the good rows compute, each bad row is its own error value, a
    blank (null, or Pyodide's JsNull) in an optional column takes the default, an error cell is passed on."""
    class JsNull:  # a stand-in for pyodide.ffi.JsNull (Pyodide >= 0.28 passes blank cells as it)
        pass

    from levxl.catalogue import convert
    monkeypatch.setattr(convert, "_JsNull", JsNull)
    n = 2_000
    rng = np.random.default_rng(3)
    sides = [["long" if rng.random() < 0.5 else "short"] for _ in range(n)]
    entries = [[float(v)] for v in rng.uniform(20_000, 100_000, n)]
    sizes = [[float(v)] for v in rng.uniform(0.01, 50, n)]
    leverage = [[float(v)] for v in rng.uniform(1, 100, n)]
    margins = [[None] for _ in range(n)]
    leverage[10] = [0.0]
    sizes[20] = ["two"]
    entries[30] = [{"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}]
    margins[40], margins[41] = [JsNull()], [None]
    got = run(server, addin, "LEVXL_LIQ_PRICE", sides, entries, sizes, leverage, [["binance:BTCUSDT"]], margins)
    plain_entries = [[e if not isinstance(e, dict) else "#N/A"] for e, in entries]
    want = CATALOGUE["LEVXL_LIQ_PRICE"](sides, plain_entries, sizes, leverage, "binance:BTCUSDT")
    assert type(got) is list and len(got) == n
    assert is_error(got[10][0]) and is_error(got[20][0]) and is_error(got[30][0], "NotAvailable")
    for i, (g, w) in enumerate(zip(got, want)):
        if i not in (10, 20, 30):
            assert g == w, (i, g, w)
    assert isinstance(got[40][0], float) and got[40] == want[40]
    blank_entry = [r[:] for r in entries[:3]]
    blank_entry[1] = [JsNull()]
    got = run(server, addin, "LEVXL_LIQ_PRICE", sides[:3], blank_entry, sizes[:3], leverage[:3])
    want = CATALOGUE["LEVXL_LIQ_PRICE"](sides[:3], [entries[0], [None], entries[2]], sizes[:3], leverage[:3])
    assert is_error(got[1][0]) and explain("LIQ_PRICE", sides[:3], blank_entry, sizes[:3], leverage[:3])[1] == \
        [want[1][0]] and isinstance(got[0][0], float)  # a blank required cell reads as a blank, not an object
