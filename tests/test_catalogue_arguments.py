"""How catalogue functions take their arguments: columns of presets, moves and leverages of the grids, blanks and
errors inside ranges, dropdown arguments in Office.js hosts, and the texts of LEVXL_WHY.

Each case is the same call in every form a host makes it: the catalogue directly (classic xlwings / the recalc) and
Office.js through xlwings.server (``test_catalogue_hosts`` explains the payloads)."""

from __future__ import annotations

import pytest

from levxl.catalogue import CATALOGUE, CellError, explain
from test_catalogue_hosts import addin, run, server  # noqa: F401 (fixtures)

PRESETS = ["binance:BTCUSDT", "bybit:BTCUSDT", "binance:ETHUSDT"]


def _ojs(value):
    """A cell or range as Office.js sends it."""
    if value is None:
        return None
    return value if isinstance(value, list) else [[value]]


# -- 1. a column of tier presets: each row its own preset ---------------------------------------------------------
PRESET_CALLS = {
    "LEVXL_MAX_SIZE": lambda m: ("long", 1e8, 60000, 20, m),
    "LEVXL_LIQ_PRICE": lambda m: ("long", 60000, 100, 20, m),
    "LEVXL_LOSS_AT_MOVE": lambda m: ("long", 60000, 100, 20, -0.04, m),
    "LEVXL_LIQ_PRICE_CROSS": lambda m: ("long", 60000, 100, 400000, m),
    "LEVXL_LIQ_PRICE_FUNDING": lambda m: ("long", 60000, 100, 20, 0.0001, 10, m),
    "LEVXL_MAINT_MARGIN": lambda m: (100, 60000, m),
}


@pytest.mark.parametrize("name", sorted(PRESET_CALLS))
def test_column_of_presets_is_each_preset_alone(server, addin, name):
    fn, make = CATALOGUE[name], PRESET_CALLS[name]
    alone = [[fn(*make(p))] for p in PRESETS]
    column = [[p] for p in PRESETS]
    assert fn(*make(column)) == alone
    assert run(server, addin, name, *[_ojs(a) for a in make(column)]) == alone


def test_max_size_column_of_presets_keeps_each_cap():
    got = CATALOGUE["LEVXL_MAX_SIZE"]("long", 1e8, 60000, 20, [[p] for p in PRESETS])
    assert [round(r[0]) for r in got] == [1667, 833, 1083]
    mixed = CATALOGUE["LEVXL_MAX_SIZE"]("long", 1e8, 60000, 20, [["binance:BTCUSDT"], [0.01]])
    assert mixed == [[got[0][0]], [CATALOGUE["LEVXL_MAX_SIZE"]("long", 1e8, 60000, 20, 0.01)]]


# -- 2. a grid's bad move (leverage, interval, day) is the error of its own row (column) ----------------------------
def _codes(grid):
    return [[c.code if isinstance(c, CellError) else round(c, 6) for c in row] for row in grid]


def test_bad_move_is_its_row_and_the_rest_computes(server, addin):
    sg = CATALOGUE["LEVXL_SCENARIO_GRID"]
    got = sg("long", 60000, 1, [[-0.2], [-1.5], [0.1]], [[5, 10, 20]])
    assert _codes(got) == [[-12000.0, -6000.0, -3000.0], ["#VALUE!"] * 3, [6000.0] * 3]
    assert got[1][0].reason.startswith("moves must be a fraction > -1")
    why = explain("SCENARIO_GRID", "long", 60000, 1, [[-0.2], [-1.5], [0.1]], [[5, 10, 20]])
    assert [bool(c) for c in why[1]] == [True] * 3 and why[0] == why[2] == ["", "", ""]
    ojs = run(server, addin, "LEVXL_SCENARIO_GRID", [["long"]], [[60000.0]], [[1.0]], [[-0.2], [-1.5], [0.1]],
              [[5.0, 10.0, 20.0]], None, None, None)
    assert ojs[0] == [-12000.0, -6000.0, -3000.0] and all(c.get("errorType") == "Value" for c in ojs[1])


@pytest.mark.parametrize("moves, leverages", [([[-0.2], ["x"], [0.1]], [[5, 10]]),
                                              ([[-0.2], [-0.1]], [[5, 0, 20]]),
                                              ([[-0.2], [-0.1], [0.1]], [[5, "x", 20]])])
def test_grid_lists_of_different_lengths_keep_their_good_cells(moves, leverages):
    got = CATALOGUE["LEVXL_SCENARIO_GRID"]("long", 60000, 1, moves, leverages)
    assert len(got) == len(moves) and len(got[0]) == len(leverages[0])
    bad_rows = [i for i, m in enumerate(moves) if not isinstance(m[0], float) or m[0] <= -1]
    bad_cols = [j for j, v in enumerate(leverages[0]) if not isinstance(v, (int, float)) or v <= 0]
    for i, row in enumerate(got):
        for j, cell in enumerate(row):
            assert isinstance(cell, CellError) == (i in bad_rows or j in bad_cols)


def test_funding_and_option_grids_put_bad_elements_in_their_line():
    fg = CATALOGUE["LEVXL_FUNDING_GRID"]("long", 60000, 1, 10, [[-0.05], ["x"], [0.0]], [[0, -5, 90]], 0.0003)
    assert _codes(fg) == [[-3000.0, "#VALUE!", -4620.0], ["#VALUE!"] * 3, [0.0, "#VALUE!", -1620.0]]
    assert fg[1][1].reason == "moves holds text, not a number"  # the move's error wins where its row crosses a bad column
    og = CATALOGUE["LEVXL_OPTION_PNL_GRID"]("call", 60000, 65000, 30, 0.6, -1, [[-0.2], [-1.5], [0.2]],
                                             [[0, -7, 30]])
    good = CATALOGUE["LEVXL_OPTION_PNL_GRID"]("call", 60000, 65000, 30, 0.6, -1, [[-0.2], [0.2]], [[0, 30]])
    assert [og[0][0], og[0][2], og[2][0], og[2][2]] == [good[0][0], good[0][1], good[1][0], good[1][1]]
    assert all(isinstance(c, CellError) for c in og[1]) and all(isinstance(r[1], CellError) for r in og)


def test_error_cell_in_moves_is_passed_on_in_its_row():
    got = CATALOGUE["LEVXL_SCENARIO_GRID"]("long", 60000, 1, [[-0.2], ["#N/A"], [0.1]], [[5, 10]])
    assert _codes(got) == [[-12000.0, -6000.0], ["#N/A", "#N/A"], [6000.0, 6000.0]]


# -- 3. a blank between a vector's values is an error in its own row; blanks after the last value are trimmed -------
def test_blank_move_is_its_own_row_error(server, addin):
    sg = CATALOGUE["LEVXL_SCENARIO_GRID"]
    got = sg("long", 60000, 1, [[-0.2], [None], [0.1], [0.2]], [[5, 10]])
    assert _codes(got) == [[-12000.0, -6000.0], ["#VALUE!"] * 2, [6000.0] * 2, [12000.0] * 2]
    assert got[1][0].reason == "moves is blank"
    assert sg("long", 60000, 1, [[-0.2], [0.1], [None], [None]], [[5, 10]]) == sg("long", 60000, 1,
                                                                                   [[-0.2], [0.1]], [[5, 10]])
    ojs = run(server, addin, "LEVXL_SCENARIO_GRID", [["long"]], [[60000.0]], [[1.0]], [[-0.2], [None], [0.1]],
              [[5.0, 10.0]], None, None, None)
    assert len(ojs) == 3 and all(c.get("errorType") == "Value" for c in ojs[1])


def test_account_with_a_blank_middle_row_gives_one_cell_per_row():
    acc = CATALOGUE["LEVXL_ACCOUNT_LIQ_PRICES"]
    got = acc([["long"], [None], ["short"]], [[60000], [3000], [100]], [[1], [2], [3]],
              [[60000], [3000], [100]], 50000)
    assert len(got) == 3 and all(isinstance(r[0], CellError) for r in got)
    assert got[1][0].reason == "sides is blank"
    trailing = acc([["long"], ["short"], [None]], [[60000], [100], [None]], [[1], [3], [None]],
                   [[60000], [100], [None]], 50000)
    assert trailing == acc([["long"], ["short"]], [[60000], [100]], [[1], [3]], [[60000], [100]], 50000)
    assert "#VALUE!" in CATALOGUE["LEVXL_AVG_ENTRY"]([[100], [None], [110]], [[1], [2], [3]])


# -- 4. a blank, a text or an error cell inside a tier range is an error, never the default rate --------------------
GOOD_TIERS = [[0, 0.004, 0], [50000, 0.005, 50], [250000, 0.01, 1300]]
NA = {"type": "Error", "basicType": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}


def _with(row, column, value):
    tiers = [list(r) for r in GOOD_TIERS]
    tiers[row][column] = value
    return tiers


@pytest.mark.parametrize("row, column", [(1, 0), (1, 1), (1, 2), (2, 1)])
@pytest.mark.parametrize("value, code, words", [(None, "#VALUE!", "is blank"), ("#N/A", "#N/A", "is #N/A"),
                                                ("0.005", "#VALUE!", "holds text"),
                                                (True, "#VALUE!", "must be a number")])
def test_bad_cell_in_a_tier_range_is_an_error(server, addin, row, column, value, code, words):
    tiers = _with(row, column, value)
    for name, args in [("LEVXL_LIQ_PRICE", ("long", 60000, 2, 10)), ("LEVXL_MAINT_MARGIN", (2, 60000))]:
        got = CATALOGUE[name](*args, tiers)
        assert isinstance(got, CellError) and got.code == code, (name, got)
        assert got.reason.startswith(f"mmr tier range row {row + 1}") and words in got.reason
        assert explain(name, *args, tiers) == got.text
        ojs_tiers = [[NA if c == "#N/A" else c for c in r] for r in tiers]
        ojs = run(server, addin, name, *[[[a]] for a in args], ojs_tiers)
        assert ojs[0][0]["type"] == "Error" and ojs[0][0]["errorType"] == ("NotAvailable" if code == "#N/A"
                                                                          else "Value")


def test_tier_range_drawn_longer_than_its_table_still_reads():
    f = CATALOGUE["LEVXL_LIQ_PRICE"]
    good = f("long", 60000, 2, 10, GOOD_TIERS)
    assert f("long", 60000, 2, 10, GOOD_TIERS + [[None, None, None]] * 2) == good
    assert f("long", 60000, 2, 10, [r[:2] + [None] for r in GOOD_TIERS]) == f("long", 60000, 2, 10,
                                                                               [r[:2] for r in GOOD_TIERS])
    assert isinstance(f("long", 60000, 2, 10, [GOOD_TIERS[0], [None] * 3, GOOD_TIERS[1]]), CellError)


# -- 5. Office.js dropdown arguments: error cells passed on, shapes kept; a grid's position is single cells --------
DIV0 = {"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}
OPTION = [[["call"]], [[60000.0]], [[65000.0]], [[30.0]], [[0.6]]]


@pytest.mark.parametrize("name, args, errors", [
    ("LEVXL_OPTION_PRICE", OPTION + [None, [[NA]], None], "NotAvailable"),
    ("LEVXL_OPTION_PRICE", OPTION + [None, None, [[NA]]], "NotAvailable"),
    ("LEVXL_OPTION_PRICE", OPTION + [None, [[DIV0]], None], "Div0"),
    ("LEVXL_OPTION_GREEK", [[[NA]]] + OPTION + [None, None, None, None], "NotAvailable"),
    ("LEVXL_SCENARIO_GRID", [[["long"]], [[60000.0]], [[1.0]], [[-0.2], [0.1]], [[5.0, 10.0]], None, None, [[NA]]],
     "NotAvailable"),
    ("LEVXL_SCENARIO_GRID", [[["long"]], [[60000.0]], [[1.0]], [[-0.2], [0.1]], [[5.0, 10.0]], None, [[NA]], None],
     "NotAvailable"),
    ("LEVXL_AVG_ENTRY", [[[100.0], [110.0]], [[1.0], [3.0]], [[NA]]], "NotAvailable"),
    ("LEVXL_ACCOUNT_LIQ_PRICES", [[["long"], ["short"]], [[60000.0], [3000.0]], [[1.0], [10.0]],
                                  [[61000.0], [2900.0]], [[50000.0]], None, [[NA]]], "NotAvailable"),
])
def test_office_js_dropdown_passes_an_error_cell_on(server, addin, name, args, errors):
    got = run(server, addin, name, *args)
    assert got == [[{"type": "Error", "errorType": errors}]] or (
        len(got) == 1 and got[0][0].get("errorType") == errors), got


def test_office_js_dropdown_column_keeps_its_shape(server, addin):
    column = [["bs"], ["black76"]]
    direct = CATALOGUE["LEVXL_OPTION_PRICE"]("call", 60000, 65000, 30, 0.6, 0.05, column)
    assert len(direct) == 2 and len(direct[0]) == 1
    assert run(server, addin, "LEVXL_OPTION_PRICE", *OPTION, [[0.05]], column, None) == direct


@pytest.mark.parametrize("side", [[["long"], ["short"]], [["long", "short"]]])
def test_grid_position_must_be_single_cells(server, addin, side):
    for name, args in [("LEVXL_SCENARIO_GRID", (side, 60000, 1, [[-0.2], [0.1]], [[5, 10]])),
                       ("LEVXL_FUNDING_GRID", (side, 60000, 1, 10, [[-0.05], [0.0]], [[0, 90]], 0.0003))]:
        got = CATALOGUE[name](*args)
        assert isinstance(got, CellError) and got.reason.startswith("side must be a single cell"), got
        ojs = run(server, addin, name, *[_ojs(a) for a in args], *[None] * (len(CATALOGUE[name].args) - len(args)))
        assert ojs == [[{"type": "Error", "errorType": "Value"}]]


# -- 6. REVERSE_STRESS: "no move" and "no liquidation" are plain text, never an error code "no" -------------------
def test_reverse_stress_without_a_move_shows_text(server, addin):
    args = [[["perp"]], [["long"]], [[1.0]], [[60000.0]], 61850.0, 1e9]  # a huge wallet: nothing liquidates
    got = CATALOGUE["LEVXL_REVERSE_STRESS"](*args)
    assert got == [[0.0, 0.0, "no move", "no move", "no liquidation", "no liquidation"]]
    assert not any(isinstance(c, CellError) for c in got[0])
    assert explain("REVERSE_STRESS", *args) == [[""] * 6]
    ojs = run(server, addin, "LEVXL_REVERSE_STRESS", *[_ojs(a) for a in args], *[None] * 11)
    assert ojs == got
    share = CATALOGUE["LEVXL_REVERSE_STRESS"](*args, *[None] * 10, 0.5)  # a loss fraction: no move, no price
    assert share == [[0.0, 0.0, "no move", "no move", "no move", "no move"]]


# -- 7. an overflowing position is #NUM!, never "no liquidation" ---------------------------------------------------
@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize("mmr", [None, "binance:BTCUSDT"])
def test_overflow_is_num_error(side, mmr):
    for got in (CATALOGUE["LEVXL_LIQ_PRICE"](side, 1e200, 1e200, 10, mmr),
                CATALOGUE["LEVXL_LIQ_PRICE"](side, [[1e200]], [[1e200]], 10, mmr)[0][0],
                CATALOGUE["LEVXL_BANKRUPTCY_PRICE"](side, 1e200, 1e200, 10),
                CATALOGUE["LEVXL_MARGIN"](1e200, 1e200, 10)):
        assert isinstance(got, CellError) and got.code == "#NUM!", got
    column = CATALOGUE["LEVXL_LIQ_PRICE"](side, [[1e200], [100]], 1, 10, mmr)
    assert column[1][0] == CATALOGUE["LEVXL_LIQ_PRICE"](side, 100, 1, 10, mmr) and not isinstance(column[1][0], str)


# -- 8. LEVXL_WHY texts: a dated preset names the stored dates, a number typed as text says so, no cut mid-word ------
def test_preset_of_a_missing_date_names_the_stored_dates():
    reason = explain("LIQ_PRICE", "long", 60000, 2, 10, "binance:BTCUSDT@2019")
    assert "no table dated 2019" in reason and "2024-10-24" in reason and "symbols are stored" not in reason
    typo = explain("LIQ_PRICE", "long", 60000, 2, 10, "binance:BTCUSD")
    assert "did you mean BTCUSDT" in typo


@pytest.mark.parametrize("call, reason", [
    (("long", "60,000", 2, 10), "entry holds a number as text: enter it as a number"),
    (("long", 60000, 2, "10x"), "leverage holds text, not a number"),
    (("-1", 60000, 2, 10), "side holds a number as text"),
    (("1", 60000, 2, 10), "side holds a number as text"),
])
def test_text_where_a_number_belongs_says_the_cell_holds_text(call, reason):
    assert explain("LIQ_PRICE", *call).startswith("#VALUE! " + reason)
    column = CATALOGUE["LEVXL_LIQ_PRICE"](*[[[v], [v]] if i == next(j for j, x in enumerate(call) if isinstance(x, str)
                                                                      and x not in ("long",)) else v
                                           for i, v in enumerate(call)])
    assert all(c.reason.startswith(reason) for c, in column)


def test_long_reasons_are_cut_at_a_word_and_keep_their_point():
    from levxl.catalogue.errors import MAX_MESSAGE, tidy

    long_list = "venue must be a venue: " + ", ".join(f"venue{i}" for i in range(60))
    cut = tidy(long_list)
    assert len(cut) <= MAX_MESSAGE and cut.endswith("...") and cut.startswith("venue must be a venue: venue0")
    assert cut[:-3].split()[-1].rstrip(",") in long_list.split(", ") + [w.rstrip(",") for w in long_list.split()]
    tier = explain("LIQ_PRICE", "long", 60000, 2, 10, [[0, 0.004, 0], [50000, 0.005, 60]])
    assert not tier.endswith("...") and "inconsistent" in tier  # the whole cum message fits now


from hypothesis import given, settings, strategies as st  # noqa: E402

_MOVE = st.one_of(st.sampled_from([-0.5, -0.2, -0.05, 0.0, 0.1, 0.3]), st.sampled_from([-1.5, -1.0, "x", None, True]))
_LEVERAGE = st.one_of(st.sampled_from([1.0, 5.0, 20.0, 100.0]), st.sampled_from([0.0, -2.0, "y", None]))


@settings(max_examples=60, deadline=None)
@given(st.lists(_MOVE, min_size=1, max_size=5), st.lists(_LEVERAGE, min_size=1, max_size=4))
def test_grid_cells_are_the_grid_of_the_good_lists_alone(moves, leverages):
    """Each cell of a grid depends on its own move and leverage only: a bad move (leverage) is the error of its
    row (column) and every other cell is what the grid of the good ones alone gives, whatever the lengths."""
    while moves and moves[-1] is None:  # blanks after the last value are trimmed: not rows of the grid
        moves.pop()
    while leverages and leverages[-1] is None:
        leverages.pop()
    if not moves or not leverages:
        return
    sg = CATALOGUE["LEVXL_SCENARIO_GRID"]
    got = sg("long", 60000, 1, [[m] for m in moves], [leverages])
    good_move = [isinstance(m, float) and m > -1 for m in moves]
    good_lev = [isinstance(v, float) and v > 0 for v in leverages]
    assert len(got) == len(moves) and all(len(r) == len(leverages) for r in got)
    if any(good_move) and any(good_lev):
        alone = sg("long", 60000, 1, [[m] for m, ok in zip(moves, good_move) if ok],
                   [[v for v, ok in zip(leverages, good_lev) if ok]])
    rows = iter(range(len(moves)))
    i_good = 0
    for i in rows:
        j_good = 0
        for j in range(len(leverages)):
            if good_move[i] and good_lev[j]:
                assert got[i][j] == alone[i_good][j_good]
                j_good += 1
            else:
                assert isinstance(got[i][j], CellError)
        i_good += good_move[i]
