"""LEVXL_REVERSE_STRESS spills one row per frontier point (vol shift, funding periods): a bad shift or period is
the error of its own row while the other rows compute the numbers they compute alone, as a grid's bad move is
(``test_catalogue_arguments``), in every face: the catalogue, Office.js through xlwings.server, the fast recalc and
LibreOffice with the levxl add-in. A bad single value (not a range) is still the error of the whole call."""

from __future__ import annotations

import math

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl.worksheet.formula import ArrayFormula

from levxl.catalogue import CATALOGUE, CellError, explain
from levxl.recalc import recalc_workbook
from levxl.recalc.values import XlError
from levxl.testing import libreoffice
from test_catalogue_hosts import addin, run, server  # noqa: F401 (fixtures)

needs_libreoffice = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice is not installed")

col = lambda *values: [[v] for v in values]  # noqa: E731
ACCOUNT = (col("call", "put", "perp"), col("short", "short", "long"), col(2.0, 1.0, 30_000.0),
           col(0.03, 0.025, 60_000.0), 61_850.0, 0.8, col(70_000.0, 55_000.0, None), col(21.0, 45.0, None),
           col(0.55, 0.6, None), None, None, None, None, None)  # then vol_shifts, funding_periods, loss_fraction
FN = CATALOGUE["LEVXL_REVERSE_STRESS"]

# each bad element, and the start of the reason LEVXL_WHY gives for its row
BAD_SHIFTS = {"x": "vol_shifts holds text, not a number", "60,000": "vol_shifts holds a number as text",
              "#N/A": "vol_shifts is #N/A", "#DIV/0!": "vol_shifts is #DIV/0!",
              math.inf: "vol_shifts must be a finite number", -math.inf: "vol_shifts must be a finite number"}
BAD_PERIODS = {"x": "funding_periods holds text, not a number", -1.0: "funding_periods must be >= 0",
               "#N/A": "funding_periods is #N/A", math.inf: "funding_periods must be >= 0"}
CODE = {"#N/A": "#N/A", "#DIV/0!": "#DIV/0!"}


def _frontier(shifts=None, periods=None, loss_fraction=None):
    return FN(*ACCOUNT, shifts, periods, loss_fraction)


def _is_error_row(row, code="#VALUE!", reason=""):
    return len(row) == 6 and all(isinstance(c, CellError) and c.code == code and c.reason.startswith(reason)
                                 for c in row)


@pytest.mark.parametrize("bad", list(BAD_SHIFTS), ids=repr)
def test_a_bad_vol_shift_is_its_own_row_and_the_rest_compute(bad):
    got = _frontier(col(0.0, bad, 0.2))
    assert len(got) == 3 and _is_error_row(got[1], CODE.get(bad, "#VALUE!"), BAD_SHIFTS[bad]), got
    assert [got[0], got[2]] == _frontier(col(0.0, 0.2))
    why = explain("REVERSE_STRESS", *ACCOUNT, col(0.0, bad, 0.2))
    assert why[0] == why[2] == [""] * 6 and all(w.endswith(BAD_SHIFTS[bad]) or BAD_SHIFTS[bad] in w for w in why[1])


@pytest.mark.parametrize("bad", list(BAD_PERIODS), ids=repr)
def test_a_bad_funding_period_is_its_own_row(bad):
    got = _frontier(col(0.0, 0.1, 0.2), col(3.0, bad, 0.0))
    assert _is_error_row(got[1], CODE.get(bad, "#VALUE!"), BAD_PERIODS[bad]), got
    assert [got[0], got[2]] == _frontier(col(0.0, 0.2), col(3.0, 0.0))
    alone = _frontier(None, col(bad, 2.0))  # the periods alone (no vol shifts)
    assert _is_error_row(alone[0], CODE.get(bad, "#VALUE!"), BAD_PERIODS[bad]) and alone[1] == _frontier(None,
                                                                                                       col(2.0))[0]


def test_a_row_bad_in_both_lists_shows_the_vol_shifts_error_first():
    got = _frontier(col(0.0, "x"), col(1.0, -1.0))
    assert _is_error_row(got[1], reason="vol_shifts") and got[0] == _frontier(col(0.0), col(1.0))[0]


def test_one_bad_period_beside_many_shifts_feeds_every_row():
    """A one-cell funding range is broadcast over the vol shifts: its error is every row's, never a stand-in."""
    got = _frontier(col(0.0, 0.1), [["x"]])
    assert len(got) == 2 and all(_is_error_row(r, reason="funding_periods holds text") for r in got)


@pytest.mark.parametrize("shifts, periods", [("x", None), (col(0.0, 0.1), "x"), (col(0.0, 0.1), -1.0),
                                             (math.inf, None)])
def test_a_bad_single_value_is_still_the_whole_calls_error(shifts, periods):
    got = _frontier(shifts, periods)
    assert all(isinstance(c, CellError) for row in got for c in row), got


def test_a_bad_position_still_spoils_every_row():
    """Every frontier point depends on every position: a bad position is never left out of some rows."""
    args = list(ACCOUNT)
    args[0] = col("call", "put", "nope")
    got = FN(*args, col(0.0, 0.1, 0.2))
    assert all(_is_error_row(r, reason="instruments") for r in got), got


def test_an_account_wide_range_keeps_its_message():
    args = list(ACCOUNT)
    args[4] = col(61_850.0, 60_000.0)  # two underlyings: not a grid's "must be a single cell"
    assert FN(*args, col(0.0, 0.1)).reason == "underlying must be a single value for the whole account"


def test_officejs_shows_the_same_rows(server, addin):
    shifts, periods = col(0.0, "x", 0.2, math.inf), col(1.0, 2.0, -1.0, 0.0)
    want = _frontier(shifts, periods)
    ojs = lambda v: v if isinstance(v, list) else (None if v is None else [[v]])  # noqa: E731
    got = run(server, addin, "LEVXL_REVERSE_STRESS", *[ojs(a) for a in ACCOUNT], shifts, periods, None)
    assert got[0] == want[0] and all(c == {"type": "Error", "errorType": "Value"} for r in got[1:] for c in r)
    with_na = run(server, addin, "LEVXL_REVERSE_STRESS", *[ojs(a) for a in ACCOUNT],
                  [[0.0], [{"type": "Error", "errorType": "NotAvailable"}], [0.2]], None, None)
    assert [with_na[0], with_na[2]] == _frontier(col(0.0, 0.2))
    assert all(c.get("type") == "Error" and c.get("errorType") == "NotAvailable" for c in with_na[1]), with_na


# -- the property: good rows are the rows of a call with only the good elements -----------------------------------
_good = st.floats(-0.3, 0.6, allow_nan=False).map(lambda x: round(x, 4))
_bad_shift = st.sampled_from(list(BAD_SHIFTS))
_periods = st.floats(0.0, 30.0).map(lambda x: round(x, 2))
_bad_period = st.sampled_from(list(BAD_PERIODS))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.lists(st.one_of(_good.map(lambda x: (True, x)), _bad_shift.map(lambda x: (False, x))), min_size=2,
                max_size=6).filter(lambda e: any(ok for ok, _ in e)),
       st.one_of(st.none(), st.lists(st.one_of(_periods.map(lambda x: (True, x)),
                                               _bad_period.map(lambda x: (False, x))), min_size=6, max_size=6)))
def test_good_rows_equal_the_call_with_only_the_good_elements(shifts, periods):
    periods = periods[:len(shifts)] if periods is not None else None
    good = [i for i, (ok, _) in enumerate(shifts) if ok and (periods is None or periods[i][0])]
    got = _frontier(col(*[v for _, v in shifts]), col(*[v for _, v in periods]) if periods else None)
    assert len(got) == len(shifts)
    if good:
        alone = _frontier(col(*[shifts[i][1] for i in good]),
                          col(*[periods[i][1] for i in good]) if periods else None)
        assert [got[i] for i in good] == alone  # exactly the same numbers
    for i in set(range(len(shifts))) - set(good):
        assert all(isinstance(c, CellError) for c in got[i]), got[i]


# -- the recalc faces: the fast path and LibreOffice with the add-in ------------------------------------------------
_POSITIONS = [("call", "short", 2.0, 0.03, 70_000.0, 21.0, 0.55), ("put", "short", 1.0, 0.025, 55_000.0, 45.0, 0.6),
              ("perp", "long", 30_000.0, 60_000.0, None, None, None)]
_FORMULA = "=LEVXL_REVERSE_STRESS(A1:A3,B1:B3,C1:C3,D1:D3,61850,0.8,E1:E3,F1:F3,G1:G3,,,,,,H1:H{n})"


def _stress_book(path, shifts):
    """The account in A1:G3, the vol shifts down column H, the frontier as an array formula over J1:O<n> (a fixed
    ref: LibreOffice 25.2 does not spill a dynamic array, and the fast path fits a result to its ref)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r, row in enumerate(_POSITIONS, start=1):
        for c, value in zip("ABCDEFG", row):
            if value is not None:
                ws[f"{c}{r}"] = value
    for r, value in enumerate(shifts, start=1):
        ws[f"H{r}"] = value
    ws["J1"] = ArrayFormula(f"J1:O{len(shifts)}", _FORMULA.format(n=len(shifts)))
    ws["Q1"] = f"=SUM(J1:O{len(shifts)})"  # an aggregate over the bad row shows its error
    wb.save(path)
    return path


def _spill(values, n):
    return [[values[f"S!{c}{r}"] for c in "JKLMNO"] for r in range(1, n + 1)]


def _same(got, want):
    assert len(got) == len(want)
    for g_row, w_row in zip(got, want):
        for g, w in zip(g_row, w_row):
            if isinstance(w, CellError):
                assert isinstance(g, XlError) and g.code == w.code, (g, w)
            else:
                assert g == w or (isinstance(w, float) and math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-15)), (g, w)


@pytest.mark.parametrize("bad, cell", [("x", "x"), ("#N/A", "=NA()"), ("#DIV/0!", "=1/0")])
def test_the_fast_recalc_gives_the_catalogues_rows(tmp_path, bad, cell):
    summary = recalc_workbook(_stress_book(tmp_path / "stress.xlsx", [0.0, cell, 0.2]), engine="fast")
    assert summary.engine == "fast"
    want = _frontier(col(0.0, bad, 0.2))
    _same(_spill(summary.values, 3), want)
    assert summary.values["S!Q1"].code == want[1][0].code


def test_the_fast_recalc_keeps_a_grids_good_rows_beside_an_error_cell_move(tmp_path):
    import xlsxwriter

    path = tmp_path / "grid.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_column("A1", [-0.2])
    ws.write_formula("A2", "=NA()")
    ws.write_column("A3", [0.1])
    ws.write_array_formula("C1:D3", '{=LEVXL_SCENARIO_GRID("long",60000,1,A1:A3,{5,10})}')
    wb.close()
    summary = recalc_workbook(path, engine="fast")
    want = CATALOGUE["LEVXL_SCENARIO_GRID"]("long", 60000, 1, [[-0.2], ["#N/A"], [0.1]], [[5, 10]])
    got = [[summary.values[f"S!{c}{r}"] for c in "CD"] for r in (1, 2, 3)]
    assert got[0] == want[0] and got[2] == want[2] and [c.code for c in got[1]] == ["#N/A"] * 2


@needs_libreoffice
def test_libreoffice_gives_the_catalogues_rows_for_a_text_shift(tmp_path):
    summary = recalc_workbook(_stress_book(tmp_path / "stress.xlsx", [0.0, "x", 0.2]), engine="libreoffice")
    assert summary.engine == "libreoffice" and summary.ok
    want = _frontier(col(0.0, "x", 0.2))
    _same(_spill(summary.values, 3), want)
    assert summary.values["S!Q1"].code == "#VALUE!"
    fast = recalc_workbook(_stress_book(tmp_path / "fast.xlsx", [0.0, "x", 0.2]), engine="fast")
    _same(_spill(fast.values, 3), want)


@needs_libreoffice
@pytest.mark.parametrize("formula", ["=INDEX(" + _FORMULA.format(n=3)[1:] + ",1,3)",
                                     '=INDEX(LEVXL_SCENARIO_GRID("long",60000,1,H1:H3,{5,10}),1,1)'])
def test_libreoffice_fails_the_book_on_an_error_cell_in_a_list_instead_of_losing_its_good_rows(tmp_path, formula):
    # Excel gives the first row's number (the #N/A is row 2's only); LibreOffice does not call the add-in with an
    # error cell in a range and would write #N/A
    from levxl.recalc import RecalcError

    path = _stress_book(tmp_path / "stress.xlsx", [0.0, "=NA()", 0.2])
    wb = openpyxl.load_workbook(path)
    del wb["S"]["J1"], wb["S"]["Q1"]  # only the one-cell call: before, the book was written with Q2 = #N/A
    wb["S"]["Q2"] = formula
    wb.save(path)
    with pytest.raises(RecalcError) as failed:
        recalc_workbook(path, tmp_path / "out.xlsx", engine="libreoffice")
    assert "S!Q2: an error cell in a range argument" in str(failed.value)
    assert not (tmp_path / "out.xlsx").exists()


@needs_libreoffice
def test_libreoffice_still_passes_on_an_error_cell_among_the_positions(tmp_path):
    """A position feeds every row: its error cell is the whole result in Excel too, so the book is written."""
    path = _stress_book(tmp_path / "stress.xlsx", [0.0, 0.1, 0.2])
    wb = openpyxl.load_workbook(path)
    wb["S"]["C2"] = "=NA()"
    del wb["S"]["J1"], wb["S"]["Q1"]  # (LibreOffice leaves the cells of an array formula Err:504 then: reported)
    wb["S"]["Q2"] = "=INDEX(" + _FORMULA.format(n=3)[1:] + ",1,3)"
    wb.save(path)
    summary = recalc_workbook(path, engine="libreoffice")
    args = list(ACCOUNT)
    args[2] = col(2.0, "#N/A", 30_000.0)
    assert summary.values["S!Q2"].code == FN(*args, col(0.0, 0.1, 0.2)).code == "#N/A"


def test_lists_of_different_lengths_name_the_two_lists():
    got = _frontier(col(0.0, 0.1), col(1.0, 2.0, 3.0))
    assert got.reason == "vol_shifts and funding_periods ranges don't line up: 2 vs 3 cells"


def test_a_list_drawn_longer_than_its_values_has_no_rows_for_the_blanks(server, addin):
    frontier = _frontier(col(0.0, 0.2))
    assert _frontier(col(0.0, 0.2, None, None)) == frontier  # before: two more rows, the 0-shift frontier again
    assert _frontier(col(0.0, 0.2, None), col(1.0, 2.0, None)) == _frontier(col(0.0, 0.2), col(1.0, 2.0))
    # one list's trailing blank beside the other's value is that list's default (0 periods), never a mismatch
    assert _frontier(col(0.0, 0.1, 0.2), col(3.0, 2.0, None)) == _frontier(col(0.0, 0.1, 0.2), col(3.0, 2.0, 0.0))
    assert _frontier(col(0.0, None, 0.2)) == _frontier(col(0.0, 0.0, 0.2))  # a blank between values: the default
    trailing_error = _frontier(col(0.0, 0.2, "#N/A", None))
    assert len(trailing_error) == 3 and _is_error_row(trailing_error[2], "#N/A")
    ojs = lambda v: v if isinstance(v, list) else (None if v is None else [[v]])  # noqa: E731
    assert run(server, addin, "LEVXL_REVERSE_STRESS", *[ojs(a) for a in ACCOUNT], col(0.0, 0.2, None, None), None,
               None) == frontier


@pytest.mark.parametrize("bad", [("instruments", "nope"), ("sides", "x"), ("sizes", -1.0)])
def test_a_bad_position_spoils_every_cell_whatever_the_number_of_positions(bad):
    """Six positions beside the frontier's six columns (a scenario table's four): a position's error was laid on
    the column sharing its index, the others computed with a stand-in position."""
    column, value = bad
    six = {"instruments": ["perp"] * 6, "sides": ["long"] * 6, "sizes": [1.0] * 6}
    six[column] = six[column][:5] + [value]
    frontier = FN(col(*six["instruments"]), col(*six["sides"]), col(*six["sizes"]), col(*[100.0] * 6), 100.0, 10.0,
                  None, None, None, 0.0, "linear", None, None, None, col(0.0, 0.1))
    assert all(isinstance(c, CellError) and c.reason.startswith(column) for row in frontier for c in row), frontier
    four = {k: v[:3] + [v[5]] for k, v in six.items()}
    table = CATALOGUE["LEVXL_PM_MARGIN"](col(*four["instruments"]), col(*four["sides"]), col(*four["sizes"]), 100.0,
                                         None, None, None, "paradex", None, None, "table")
    assert all(isinstance(c, CellError) and c.reason.startswith(column) for row in table for c in row)
