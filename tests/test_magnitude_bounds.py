"""A price, size, margin or wallet past any real book's (an entry of 1e300, a mark of 1e308, a wallet of 1e300) is
refused with its row and a one-line reason naming the column in every reader (CSV, xlsx, ccxt JSON, marks file,
accounts file, fetch_balance), never computed into numpy overflow warnings, inf moves and NaN stresses
(levxl.book.checks: PRICE_MAX, PRICE_MIN, SIZE_MAX, AMOUNT_MAX say why the bounds are where they are). Inside the
bounds no warning escapes the figures (a hypothesis test), and the spreadsheet functions give an error cell with a
reason, not a warning, for the same numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from levxl.book.accounts import read_wallets, with_accounts
from levxl.book.ccxt import wallets_from_balance
from levxl.book.checks import AMOUNT_MAX, AMOUNT_MIN, PRICE_MAX, PRICE_MIN, SIZE_MAX
from levxl.book.figures import (TARGET_DISTANCE, cross_account_figures, distance_fixes, pnl_after_mark_move,
                                risk_table)
from levxl.book.marks import apply_marks
from levxl.book.positions import book_from_records, load_positions
from levxl.book.reconcile import reconcile, risk_records
from levxl.book.stresses import ADVERSE_MOVES, Stress, run_stresses, stress_moves
from levxl.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbook" / "examples" / "positions.csv"
CCXT = ROOT / "workbook" / "examples" / "positions.ccxt.json"
PERP = {"venue": "binance", "symbol": "BTCUSDT", "side": "long", "size": "2.5", "entry": "64200", "mark": "61850",
        "leverage": "10", "mmr": "0.005"}
OPTION = {"venue": "deribit", "symbol": "BTC-27DEC26-70000-C", "side": "short", "size": "5", "entry": "0.021",
          "mark": "61850", "vol": "0.55", "kind": "option", "option_type": "call", "strike": "70000",
          "expiry_days": "26", "settle": "inverse"}
CROSS = {**PERP, "leverage": "", "margin_mode": "cross", "wallet": "20000"}


def _reason(row: dict) -> str:
    book = book_from_records([row], source="test")
    assert len(book) == 0, "the row must be refused"
    return book.issues[0][1]


@pytest.mark.parametrize("row, column, value, reason", [
    (PERP, "entry", "1e300", "entry must be a price of at most 1e+12, got '1e300'"),
    (PERP, "mark", "1e13", "mark must be a price of at most 1e+12, got '1e13'"),
    (PERP, "entry", "1e-300", "entry must be a price of at least 1e-12, got '1e-300'"),
    (PERP, "size", "1e300", "size must be at most 1e+15 either side of 0, got '1e300'"),
    (PERP, "size", "-2e15", "size must be at most 1e+15 either side of 0, got '-2e15'"),
    (PERP, "margin", "1e300", "margin must be at most 1e+15 either side of 0, got '1e300'"),
    (PERP, "margin", "1e-300", "margin must be at least 1e-12 either side of 0 (smaller is rounding noise), got "
                               "'1e-300'"),
    (PERP, "size", "1e-13", "size must be at least 1e-12 either side of 0 (smaller is rounding noise), got '1e-13'"),
    (PERP, "venue_liquidation", "1e300", "venue_liquidation must be a price of at most 1e+12, got '1e300'"),
    (PERP, "venue_maintenance", "1e300", "venue_maintenance must be at most 1e+15 either side of 0, got '1e300'"),
    (CROSS, "wallet", "1e300", "wallet must be at most 1e+15 either side of 0, got '1e300'"),
    (CROSS, "wallet", "-1e16", "wallet must be at most 1e+15 either side of 0, got '-1e16'"),
    (CROSS, "wallet", "2.2e-308", "wallet must be at least 1e-12 either side of 0 (smaller is rounding noise), got "
                                  "'2.2e-308'"),
    (OPTION, "mark", "1e308", "mark must be a price of at most 1e+12, got '1e308'"),
    (OPTION, "strike", "1e300", "strike must be a price of at most 1e+12, got '1e300'"),
    (OPTION, "strike", "1e-300", "strike must be a price of at least 1e-12, got '1e-300'"),
    (OPTION, "entry", "1e300", "entry must be a price of at most 1e+12, got '1e300'"),
    (OPTION, "entry", "5e-324", "entry must be a price of at least 1e-12, got '5e-324'"),
    (OPTION, "size", "1e300", "size must be at most 1e+15 either side of 0, got '1e300'"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None)
def test_a_number_past_any_book_refuses_its_row_naming_the_column(row, column, value, reason):
    assert _reason({**row, column: value}) == reason


def test_the_first_bad_column_is_named_and_the_other_rows_compute():
    book = book_from_records([{**PERP, "entry": "1e300", "mark": "1e308"}, PERP], source="test")
    assert book.issues == [(1, "entry must be a price of at most 1e+12, got '1e300'")] and book.row == [2]


def test_the_bounds_themselves_and_small_premiums_load():
    rows = [{**PERP, "entry": str(PRICE_MAX), "mark": str(PRICE_MAX), "size": str(SIZE_MAX)},
            {**PERP, "entry": str(PRICE_MIN), "mark": str(PRICE_MIN), "contract": "inverse", "symbol": "BTCUSD_PERP", "size": str(SIZE_MAX)},
            {**CROSS, "wallet": str(-AMOUNT_MAX)}, {**PERP, "margin": str(AMOUNT_MAX), "leverage": ""},
            {**PERP, "venue_liquidation": "1e-30"},  # a venue's far-away liquidation price is its own
            {**CROSS, "wallet": "0"}, {**CROSS, "wallet": str(AMOUNT_MIN)}, {**PERP, "size": str(AMOUNT_MIN)},
            {**OPTION, "entry": "0"}, {**OPTION, "entry": str(PRICE_MIN)}, {**OPTION, "strike": str(PRICE_MIN)}]
    book = book_from_records(rows, source="test")
    assert not book.issues and len(book) == len(rows)


def test_an_xlsx_row_past_the_bounds_is_refused(tmp_path):
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(PERP))
    ws.append([1e300 if k == "entry" else v for k, v in PERP.items()])  # a number cell, not text
    ws.append(list(PERP.values()))
    wb.save(path)
    book = load_positions(path)
    assert book.issues == [(1, "entry must be a price of at most 1e+12, got 1e+300")] and len(book) == 1


def _ccxt_with_huge_prices(tmp_path: Path) -> Path:
    data = json.loads(CCXT.read_text())
    position = data["positions"][0]
    position.update(entryPrice=1e300, markPrice=1e308, contracts=1.0, notional=None)
    for key in ("entryPrice", "markPrice", "notional"):
        position["info"].pop(key, None)
    path = tmp_path / "positions.ccxt.json"
    path.write_text(json.dumps(data))
    return path


def test_a_ccxt_position_past_the_bounds_is_refused(tmp_path):
    book = load_positions(_ccxt_with_huge_prices(tmp_path))
    assert book.issues == [(1, "entry must be a price of at most 1e+12, got 1e+300")]
    assert len(book) == len(json.loads(CCXT.read_text())["positions"]) - 1


def test_a_marks_file_mark_past_the_bound_is_a_note_and_the_books_mark_stands():
    book = load_positions(EXAMPLE)
    marked, notes = apply_marks(book, [{"symbol": "BTCUSDT", "mark": "1e308"}, {"symbol": "ETHUSDT", "mark": "1e-13"}])
    assert list(marked.mark) == list(book.mark)
    assert [why for _, why in notes] == ["mark must be a price of at most 1e+12, got '1e308'; kept the book's",
                                         "mark must be a price of at least 1e-12, got '1e-13'; kept the book's"]


def test_an_accounts_file_wallet_past_the_bound_is_one_line(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("venue,currency,wallet\nbinance,USDT,20000\nbybit,USDT,1e300\n")
    with pytest.raises(ValueError, match=r"^accounts.csv row 2: wallet must be at most 1e\+15 either side of 0, "
                                         r"got '1e300'$"):
        read_wallets(path)


def test_a_fetch_balance_wallet_past_the_bound_is_one_line():
    balance = json.loads(CCXT.read_text())["balances"][0]
    assert wallets_from_balance(balance)  # the example reads
    balance["info"]["assets"][0]["walletBalance"] = "1e300"
    balance["info"]["assets"][0].pop("crossWalletBalance", None)
    with pytest.raises(ValueError, match=r"^a ccxt fetch_balance result: the binance USDT wallet must be at most "
                                         r"1e\+15 either side of 0, got 1e\+300$"):
        wallets_from_balance(balance)


# ---------------------------------------------------------------- the command line: one line a refused row

def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "always"}  # every warning shown, none hidden
    return subprocess.run([sys.executable, "-m", "levxl", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=180)


def _huge_rows_csv(tmp_path: Path) -> Path:
    lines = EXAMPLE.read_text().splitlines()
    lines[1] = lines[1].replace(",64200,61850,", ",1e300,1e308,")  # the perpetual whose moves went inf
    lines.append("deribit,BTC-27DEC26-70000-C,short,,5,0.0210,1e308,,,,,0.55,option,call,70000,26,inverse")
    lines[0] += ",kind,option_type,strike,expiry_days,settle"
    lines[2:-1] = [line + ",perp,,,," for line in lines[2:-1]]
    lines[1] += ",perp,,,,"
    path = tmp_path / "positions.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_cli_prints_only_the_skipped_rows_for_huge_numbers(tmp_path):
    pos = _huge_rows_csv(tmp_path)
    skipped = ["row 1 skipped: entry must be a price of at most 1e+12, got '1e300'",
               "row 9 skipped: mark must be a price of at most 1e+12, got '1e308'"]
    risk = _cli("risk", str(pos))  # numpy's "overflow encountered in multiply" on stderr before
    assert risk.returncode == 0 and risk.stderr.splitlines() == skipped, risk.stderr
    report = _cli("report", str(pos), "-o", str(tmp_path / "r.xlsx"))
    assert report.returncode == 0 and report.stderr == "", report.stderr
    ccxt = _cli("risk", str(_ccxt_with_huge_prices(tmp_path)))
    assert ccxt.returncode == 0 and ccxt.stderr.splitlines() == [
        "row 1 skipped: entry must be a price of at most 1e+12, got 1e+300"], ccxt.stderr


def test_the_report_with_a_huge_marks_file_mark_writes_its_note(tmp_path):
    marks = tmp_path / "marks.csv"
    marks.write_text("symbol,mark\nBTCUSDT,1e308\n")
    out = tmp_path / "r.xlsx"
    report = _cli("report", str(EXAMPLE), "-o", str(out), "--marks", str(marks))  # a traceback before
    assert report.returncode == 0 and report.stderr == "", report.stderr
    issues = openpyxl.load_workbook(out)["Input issues"]
    assert any("mark must be a price of at most 1e+12, got '1e308'; kept the book's" in str(c.value)
               for row in issues.iter_rows() for c in row)


def test_the_cli_refuses_a_huge_accounts_wallet_in_one_line(tmp_path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("venue,currency,wallet\nbinance,USDT,1e300\n")
    risk = _cli("risk", str(EXAMPLE), "--accounts", str(accounts))
    assert risk.returncode != 0 and risk.stderr.splitlines() == [
        "Error: accounts.csv row 1: wallet must be at most 1e+15 either side of 0, got '1e300'"], risk.stderr


# ---------------------------------------------------------------- inside the bounds: no warning escapes

def _text(value: float) -> str:
    return repr(float(value))


PRICES = st.floats(PRICE_MIN, PRICE_MAX)
SIZES = st.floats(AMOUNT_MIN, SIZE_MAX)
AMOUNTS = st.floats(AMOUNT_MIN, AMOUNT_MAX)
WALLETS = st.one_of(st.just(0.0), AMOUNTS, AMOUNTS.map(lambda a: -a))


@st.composite
def perp_rows(draw) -> dict:
    row = {**PERP, "side": draw(st.sampled_from(["long", "short"])),
           "contract": draw(st.sampled_from(["linear", "inverse"])), "size": _text(draw(SIZES)),
           "entry": _text(draw(PRICES)), "mark": _text(draw(PRICES)), "vol": _text(draw(st.floats(0, 100))),
           "funding_rate": _text(draw(st.floats(-0.03, 0.03))), "mmr": _text(draw(st.floats(0, 0.2)))}
    mode = draw(st.sampled_from(["leverage", "margin", "cross"]))
    if mode == "leverage":
        row["leverage"] = _text(draw(st.floats(1, 125)))
    elif mode == "margin":
        row.update(leverage="", margin=_text(draw(AMOUNTS)))
    else:
        row.update(leverage="", margin_mode="cross", wallet=_text(draw(WALLETS)))
    if draw(st.booleans()):
        row["venue_liquidation"] = _text(draw(PRICES))
        row["venue_maintenance"] = _text(draw(AMOUNTS))
    return row


@st.composite
def option_rows(draw) -> dict:
    return {**OPTION, "side": draw(st.sampled_from(["long", "short"])), "size": _text(draw(SIZES)),
            "settle": draw(st.sampled_from(["linear", "inverse"])),
            "option_type": draw(st.sampled_from(["call", "put"])),
            "entry": _text(draw(st.one_of(st.just(0.0), PRICES))), "mark": _text(draw(PRICES)),
            "strike": _text(draw(PRICES)), "vol": _text(draw(st.floats(0, 100))),
            "expiry_days": _text(draw(st.floats(0, 3650)))}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(perp_rows(), option_rows()), min_size=1, max_size=6))
def test_no_warning_escapes_the_figures_for_numbers_inside_the_bounds(rows):
    # the figures `levxl risk` computes, in its order: accounts, the table, the stresses, fixes, the reconciliation
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book, liquidation = with_accounts(book_from_records(rows, source="test"))
        table = risk_table(book)
        pnl_after_mark_move(book, stress_moves(table, [Stress(f"{m:.0%} adverse", m, "adverse", "")
                                                       for m in ADVERSE_MOVES]))
        distance_fixes(table, TARGET_DISTANCE)
        run_stresses(table)
        table.statuses(0.05, 0.10)
        cross_account_figures(book)
        reconcile(book, liquidation)
        risk_records(book, liquidation, table.distance, table)


# ---------------------------------------------------------------- the spreadsheet functions: an error cell

@pytest.mark.parametrize("name, args", [
    ("LEVXL_LIQ_PRICE", ("long", 1e300, 1e300, 10, 0.005)),
    ("LEVXL_LIQ_PRICE", ("short", 1.7e308, 1, 1.5, 0.005)),  # inf here would read "no liquidation": it must not
    ("LEVXL_PNL", ("long", 1e300, 1e308, 2)),
    ("LEVXL_PNL", ("long", 1e-300, 1e-308, 2, "inverse")),
    ("LEVXL_MAINT_MARGIN", (1e300, 1e300, 0.005)),
    ("LEVXL_LOSS_AT_MOVE", ("long", 1e308, 2, 10, 0.5)),
    ("LEVXL_MARGIN", (1e300, 1e300, 10)),
])
def test_a_spreadsheet_function_on_huge_numbers_is_an_error_cell_with_a_reason(name, args):
    # the elementwise engine runs without numpy warnings and the cell layer makes inf / NaN a #NUM! with its
    # reason: no bound is needed there (a price of 1e300 is no domain error, its liquidation price exists)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, why = CATALOGUE[name](*args), CATALOGUE[name].explain(*args)
    assert getattr(value, "code", None) == "#NUM!" and str(why).startswith("#NUM! "), (value, why)
    sane = [60000 if isinstance(a, float) and not 1e-12 < abs(a) < 1e12 else a for a in args]
    assert np.isfinite(CATALOGUE[name](*sane))  # the same call at a real price computes
