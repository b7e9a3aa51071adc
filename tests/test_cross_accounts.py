"""Cross accounts: one number per position in every face, and no figure computed as if a refused row of the
account did not exist.

A cross position's liquidation price depends on every position of its account (venue, account, margin currency):
with a row of that account refused, the others are left blank, with a warning naming the row and why, in
``levxl risk`` (table, ``--json``, ``--csv``) and the report workbook; isolated positions are unaffected. At the
entry-basis venues (Bybit, and KuCoin's rule until 2025-05-22: ``kucoin-2025-05-21``) the cross price measures
maintenance at the entry value in the records as in the figures table and the report. In a hedged account the
margin of a position's equation may be 0 or negative: its price is still computed (a long's above its entry), the
same in every face, and a position below maintenance at every price is n/a with the reason."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

import levxl as lx
from levxl.book.accounts import levxl_liquidation, load_book, refused_siblings, with_accounts
from levxl.book.ccxt import records_from_ccxt
from levxl.book.figures import distance_fixes, pnl_after_mark_move, risk_table
from levxl.book.positions import book_from_records
from levxl.book.reconcile import risk_records
from levxl.catalogue import CATALOGUE
from levxl.catalogue.errors import CellError
from levxl.cli import main
from levxl.testing import libreoffice
from levxl.workbooks.report import build_report, plan_layout

HEADER = "venue,account,symbol,side,size,entry,mark,margin_mode,wallet,mmr,tick\n"
BTC = "binance,A,BTCUSDT,long,1,60000,61000,cross,10000,0.004,0.1\n"
ETH = "binance,A,ETHUSDT,short,20,3000,3400,cross,10000,0.005,0.01\n"
ETH_BAD_SIZE = 'binance,A,ETHUSDT,short,"20,5,",3000,3400,cross,10000,0.005,0.01\n'
REASON = "size must be a number, got '20,5,'"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _json(path: Path) -> dict:
    out = CliRunner().invoke(main, ["risk", str(path), "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def _csv(path: Path) -> list[dict]:
    out = CliRunner().invoke(main, ["risk", str(path), "--csv"])
    assert out.exit_code == 0, out.output
    return list(csv.DictReader(io.StringIO(out.stdout)))


# -- a refused row of a cross account ------------------------------------------------------------------------------
def test_both_rows_valid_btc_stands_on_the_eth_loss(tmp_path):
    # the account as given: BTC's margin is the wallet less ETH's MM (3,400 x 20 x 0.5% = 340) plus its uPnL -8,000
    book, liq = load_book(_write(tmp_path, "ok.csv", HEADER + BTC + ETH))
    assert liq.margin[0] == pytest.approx(1660.0)
    assert liq.price[0] == pytest.approx(58574.3) and risk_table(book).liquidation[0] == liq.price[0]


def test_a_refused_row_leaves_its_cross_account_uncomputed(tmp_path):
    path = _write(tmp_path, "bad.csv", HEADER + BTC + ETH_BAD_SIZE)
    book, liq = load_book(path)
    assert book.issues == [(2, REASON)] and len(book) == 1
    # not 50,200.8 on a margin of 10,000, as if the ETH short losing 8,000 did not exist
    assert np.isnan(liq.price[0]) and np.isnan(liq.margin[0])
    table = risk_table(book)
    assert np.isnan(table.liquidation[0]) and np.isnan(table.distance[0]) and not book.recomputable[0]
    assert table.statuses(0.05, 0.10) == ["n/a"]
    (warning,) = [w for w in book.warnings[0] if w.startswith("cross account")]
    assert "row 2" in warning and REASON in warning
    assert "row 2" in liq.how[0] and REASON in liq.how[0]
    assert refused_siblings(book) == [[(2, REASON)]]


def test_the_cli_faces_leave_it_blank_and_say_which_row(tmp_path):
    path = _write(tmp_path, "bad.csv", HEADER + BTC + ETH_BAD_SIZE)
    (pos,) = _json(path)["positions"]
    assert pos["liquidation_price"] is None and pos["distance"] is None and pos["margin"] is None
    assert any("row 2" in w and REASON in w for w in pos["warnings"])
    assert "row 2" in pos["reconciliation"] and REASON in pos["reconciliation"]
    rows = _csv(path)
    assert rows[0]["liquidation_price"] == "" and "row 2" in rows[0]["warnings"] and REASON in rows[0]["warnings"]
    assert rows[1]["row"] == "2" and rows[1]["warnings"] == f"refused: {REASON}"
    out = CliRunner().invoke(main, ["risk", str(path)])
    assert out.exit_code == 0, out.output
    line = next(x for x in out.stdout.splitlines() if x.lstrip().startswith("1 "))
    assert "n/a" in line and "50,200.8" not in line
    assert "row 1 warning: cross account binance/A/USDT: row 2" in out.stderr


MIXED_HEADER = "venue,account,symbol,side,size,entry,mark,margin_mode,wallet,leverage,mmr,tick\n"
SOL_ISOLATED = "binance,A,SOLUSDT,long,10,150,160,isolated,,5,0.01,\n"
XRP_ISOLATED_BAD = "binance,A,XRPUSDT,long,abc,1,1,isolated,,5,0.01,\n"
BTC_OTHER_ACCOUNT = "binance,B,BTCUSDT,long,1,60000,61000,cross,10000,,0.004,0.1\n"


def _mixed(*rows: str) -> str:
    """Rows of :data:`HEADER` (cross, no leverage) and of :data:`MIXED_HEADER` as one MIXED_HEADER file."""
    return MIXED_HEADER + "".join(r.replace(",cross,10000,", ",cross,10000,,") if r.count(",") == 10 else r
                                  for r in rows)


def test_isolated_positions_and_other_accounts_are_unaffected(tmp_path):
    book, liq = load_book(_write(tmp_path, "mixed.csv", _mixed(BTC, ETH_BAD_SIZE, SOL_ISOLATED, BTC_OTHER_ACCOUNT)))
    assert book.row == [1, 3, 4]
    assert np.isnan(liq.price[0])  # account A's cross BTC: its ETH row is refused
    assert np.isfinite(liq.price[1]) and liq.how[1].startswith("isolated")  # A's isolated SOL stands alone
    assert liq.price[2] == pytest.approx(50200.8)  # account B is whole: its wallet alone
    assert not any(w.startswith("cross account") for i in (1, 2) for w in book.warnings[i])
    # an isolated row refused does not touch the cross account
    book, liq = load_book(_write(tmp_path, "iso_bad.csv", _mixed(BTC, ETH, XRP_ISOLATED_BAD)))
    assert [r for r, _ in book.issues] == [3] and liq.price[0] == pytest.approx(58574.3)


def test_a_row_that_names_no_account_may_be_in_any(tmp_path):
    # a record with no cell (a CSV line the reader could not decode, rows past the limit): its account is unknown
    records = [{"venue": "binance", "account": "A", "symbol": "BTCUSDT", "side": "long", "size": 1,
                "entry": 60000, "mark": 61000, "margin_mode": "cross", "wallet": 10000, "mmr": 0.004}, {}]
    book, liq = with_accounts(book_from_records(records))
    assert len(book.issues) == 1 and np.isnan(liq.price[0]) and "row 2" in liq.how[0]


def test_ccxt_refused_positions_count_and_closed_ones_do_not():
    def position(symbol, side, contracts, mark):
        return {"symbol": symbol, "side": side, "contracts": contracts, "contractSize": 1, "entryPrice": 3000,
                "markPrice": mark, "marginMode": "cross", "info": {}, "id": None, "maintenanceMarginPercentage": 0.005}
    btc = dict(position("BTC/USDT:USDT", "long", 1, 61000), entryPrice=60000)
    wallets = {("binance", "", "USDT"): 10000.0}
    for refused, blocks in ((position("ETH/USDT:USDT", None, 20, 3400), True),
                            (position("ETH/USDT:USDT", "short", 0, 3400), False)):
        records = [dict(r, venue="binance") for r in records_from_ccxt([btc, refused])]
        book, liq = with_accounts(book_from_records(records), wallets)
        assert len(book) == 1 and len(book.issues) == 1
        assert np.isnan(liq.price[0]) == blocks, book.issues


def test_the_report_leaves_it_blank_and_says_which_row(tmp_path):
    path = _write(tmp_path, "bad.csv", HEADER + BTC + ETH_BAD_SIZE)
    book, liq = load_book(path)
    out = build_report(book, tmp_path / "bad.xlsx", as_of="2026-12-03", liquidation=liq)
    lay = plan_layout(risk_table(book))
    wb = openpyxl.load_workbook(out, data_only=True)
    positions = wb["Positions"]
    assert positions[lay.positions.local("liq", 0)].value == "n/a"
    assert positions[lay.positions.local("dist", 0)].value == "n/a"
    assert positions[lay.positions.local("tier", 0)].value == "cross, row 2 of its account refused (Reconciliation)"
    texts = [v for row in wb["Reconciliation"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert any("row 2" in t and REASON in t for t in texts)
    issues = [row for row in wb["Input issues"].iter_rows(values_only=True) if row and row[0] == 2]
    assert issues and issues[0][1] == REASON


# -- entry-basis venues: one number per position -------------------------------------------------------------------
ENTRY_BASIS = """venue,account,symbol,side,size,entry,mark,leverage,margin_mode,wallet,mmr,vol
kucoin-2025-05-21,C,XBTUSDTM,short,0.5,60000,61000,20,cross,2000,0.004,0.5
bybit,D,BTCUSDT,long,1,60000,59000,20,cross,8000,0.005,0.5
"""
# maintenance on the entry value (the profiles' mm_basis; Bybit's cross formula, help 360039261334, divides the
# quantity by the average entry price): LP = EP - s*(M - q*EP*mmr)/q
KUCOIN_LP = 60000 + (2000 - 0.5 * 60000 * 0.004) / 0.5  # 63,760 (at the liquidation price: 63,745.02)
# Bybit's cross formula also takes the fee to close at the bankruptcy price (60,000 - 8,000 = 52,000) out of the
# balance: 52,000 x the profile's 0.055 % taker = 28.6
BYBIT_CLOSE_FEE = (60000 - 8000) * 0.00055
BYBIT_LP = 60000 - (8000 - 1 * 60000 * 0.005 - BYBIT_CLOSE_FEE) / 1  # 52,328.6 (fee-free: 52,300)


def test_entry_basis_cross_is_one_number_in_every_face(tmp_path):
    path = _write(tmp_path, "entry.csv", ENTRY_BASIS)
    book, liq = load_book(path)
    assert book.basis == ["entry", "entry"]
    table = risk_table(book)
    np.testing.assert_allclose(table.liquidation, [KUCOIN_LP, BYBIT_LP], rtol=1e-12)
    np.testing.assert_array_equal(liq.price, table.liquidation)
    records = _json(path)["positions"]
    for i, rec in enumerate(records):
        assert rec["liquidation_price"] == table.liquidation[i]
        # the record's distance is the one to its own price
        side = 1 if rec["side"] == "long" else -1
        assert rec["distance"] == pytest.approx(side * (rec["mark"] - rec["liquidation_price"]) / rec["mark"],
                                                rel=1e-12)
    rows = _csv(path)
    assert [float(r["liquidation_price"]) for r in rows] == list(table.liquidation)
    assert "MM on the entry value" in records[1]["reconciliation"] and "360039261334" in records[1]["reconciliation"]
    assert "not in them" in records[0]["reconciliation"]  # KuCoin's cross rule: the profile's basis, said so
    out = build_report(book, tmp_path / "entry.xlsx", as_of="2026-12-03", liquidation=liq)
    lay = plan_layout(table)
    values = openpyxl.load_workbook(out, data_only=True)["Positions"]
    for i in range(len(book)):
        assert values[lay.positions.local("liq", i)].value == pytest.approx(table.liquidation[i], rel=1e-12)


VENUES = ("binance", "bybit", "kucoin", "kucoin-2025-05-21", "okx", "hyperliquid")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(venues=st.lists(st.sampled_from(VENUES), min_size=1, max_size=4),
       moves=st.lists(st.floats(-0.3, 0.3), min_size=4, max_size=4),
       shorts=st.lists(st.booleans(), min_size=4, max_size=4),
       wallet=st.floats(500, 50_000))
def test_the_records_carry_the_figures_tables_price(venues, moves, shorts, wallet):
    # one account per venue, several positions each: the records' price is the table's, every venue profile
    records = [{"venue": v, "account": "X", "symbol": "BTC/USDT:USDT", "side": "short" if shorts[k] else "long",
                "size": 0.1 * (k + 1), "entry": 60000, "mark": 60000 * (1 + moves[k]), "margin_mode": "cross",
                "wallet": wallet, "mmr": 0.005} for k, v in enumerate(venues)]
    book, liq = with_accounts(book_from_records(records))
    table = risk_table(book)
    np.testing.assert_array_equal(liq.price, table.liquidation)
    prices = [r["liquidation_price"] for r in risk_records(book, liq, table.distance, table)]
    assert [math.nan if p is None else p for p in prices] == pytest.approx(
        [x if np.isfinite(x) else math.nan for x in table.liquidation], nan_ok=True)
    # and the reconciliation computes the same when called on the book alone
    np.testing.assert_array_equal(levxl_liquidation(book).price, liq.price)


@pytest.mark.parametrize("name, content, message", [
    ("a.json", '{"info": {"assets": [1, 2]}}', "fetch_balance result of an unexpected shape"),  # tracebacks before
    ("a.json", '{"info": {"result": {"list": ["a", 1]}}}', "fetch_balance result of an unexpected shape"),
    ("a.json", '{"info": {"result": {"list": {"a": 1}}}}', "fetch_balance result of an unexpected shape"),
    ("a.json", '{"info": {"data": [{"details": [1]}]}}', "fetch_balance result of an unexpected shape"),
    ("a.json", "[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
    ("a.json", '{"info": {"assets": [{"asset": "USDT", "walletBalance": 1000, "walletBalance": 5}]}}',
     "key 'walletBalance' is given 2 times with different values (1000, 5)"),  # the last was used, silently
    ("a.csv", "venue,account,currency,wallet\nbinance,,USDT,1000\nbinance,,USDT,5\n",
     "rows 1 and 2: two wallets for binance/USDT (1,000 and 5)"),
])
def test_a_hostile_accounts_file_is_one_line(tmp_path, name, content, message):
    from levxl.files.bundled import example_positions

    path = tmp_path / name
    path.write_text(content)
    result = CliRunner().invoke(main, ["risk", str(example_positions()), "--accounts", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in result.output, result.output


def test_an_accounts_file_is_read_bounded(tmp_path, monkeypatch):
    from levxl.files import reading
    from levxl.files.bundled import example_positions

    monkeypatch.setattr(reading, "MAX_SMALL_BYTES", 1000)  # a link to /dev/zero was read without end
    path = tmp_path / "a.csv"
    path.write_text("venue,account,currency,wallet\n" + "binance,,USDT,1000\n" * 100)
    result = CliRunner().invoke(main, ["risk", str(example_positions()), "--accounts", str(path)])
    assert result.exit_code == 1 and "accounts file larger than 1,000 bytes; refused" in result.output


# -- a hedged account: the margin of a position's equation is 0 or negative ----------------------------------------
# Account A: a BTC long deep in profit and an ETH short losing as much. For BTC, M = WB - MM_eth + UPNL_eth =
# 10,000 - 3,000 x 20 x 0.5% (300) - 20 x (3,000 - 2,000) (20,000) = -10,300: the long's equation
# M + q(P - EP) = mmr*q*P gives P = (q*EP - M)/(q(1 - mmr)) = (40,000 + 10,300)/0.996 = 50,502.008..., above its
# entry, and the long is alive while the mark (61,000) is above it: distance (61,000 - 50,502.008)/61,000 = 17.21%.
# For ETH, M = 10,000 - 61,000 x 0.4% (244) + 21,000 = 30,756: P = (M + q*EP)/(q(1 + mmr)) = 70,756/20.1.
# Account B holds the same positions with BTC's mark at 45,000: the same BTC price, now above the mark (past it),
# and ETH's M = 10,000 - 180 + 5,000 = 14,820 gives 54,820/20.1 = 2,727.36, below its mark 3,000 (past it too: the
# account's equity 10,000 + 5,000 - 20,000 is below its maintenance).
HEDGED = """venue,account,symbol,side,size,entry,mark,margin_mode,wallet,mmr,vol
binance,A,BTCUSDT,long,1,40000,61000,cross,10000,0.004,0.5
binance,A,ETHUSDT,short,20,2000,3000,cross,10000,0.005,0.6
binance,B,BTCUSDT,long,1,40000,45000,cross,10000,0.004,0.5
binance,B,ETHUSDT,short,20,2000,3000,cross,10000,0.005,0.6
"""
BTC_M = 10000 - 300 - 20000
BTC_LP = (1 * 40000 - BTC_M) / (1 * (1 - 0.004))
ETH_LP_A, ETH_LP_B = (30756 + 40000) / (20 * 1.005), (14820 + 40000) / (20 * 1.005)


def test_a_hedged_long_has_its_price_above_its_entry_in_every_face(tmp_path):
    path = _write(tmp_path, "hedged.csv", HEDGED)
    book, liq = load_book(path)
    assert liq.margin[0] == pytest.approx(BTC_M) and BTC_M < 0
    table = risk_table(book)
    np.testing.assert_allclose(table.liquidation, [BTC_LP, ETH_LP_A, BTC_LP, ETH_LP_B], rtol=1e-12)
    np.testing.assert_array_equal(liq.price, table.liquidation)
    assert BTC_LP == pytest.approx(50502.00803, rel=1e-9) and book.recomputable.all()
    np.testing.assert_allclose(table.distance[[0, 2]], [(61000 - BTC_LP) / 61000, (45000 - BTC_LP) / 45000])
    # the other figures of a margin <= 0: the bankruptcy price EP - M/q is right; leverage and the size to cut n/a
    assert table.bankruptcy[0] == pytest.approx(40000 - BTC_M) and np.isnan(table.leverage[0])
    assert np.isnan(table.funding_per_year_of_margin[0]) and table.leverage[1] == pytest.approx(40000 / 30756)
    assert "-10,300, is not > 0" in liq.how[0] and "effective leverage is n/a" in liq.how[0]
    # a move of every mark is judged on the account, not on BTC's price (which holds ETH at its mark): at -20%,
    # BTC 48,800 (+8,800) and ETH 2,400 (-8,000) leave A's equity 10,800 above its maintenance 195 + 240: alive
    pnl = pnl_after_mark_move(book, [-0.1, -0.2])
    assert pnl[0].tolist() == [pytest.approx(14900), pytest.approx(8800)]
    # BTC alone to 48,800, past its price: A's equity 10,000 + 8,800 - 20,000 < 0, so the account is liquidated and
    # loses its wallet once, shared by notional at the marks (61,000 : 60,000); B is liquidated already
    pnl = pnl_after_mark_move(book, [[-0.2], [0.0], [0.0], [0.0]])
    np.testing.assert_allclose(pnl[:, 0], [-10000 * 61 / 121, -10000 * 60 / 121, -10000 * 45 / 105,
                                           -10000 * 60 / 105], rtol=1e-12)
    records = _json(path)["positions"]
    assert [r["liquidation_price"] for r in records] == list(table.liquidation)
    assert records[0]["margin"] == pytest.approx(BTC_M)
    assert [float(r["liquidation_price"]) for r in _csv(path)] == list(table.liquidation)
    out = CliRunner().invoke(main, ["risk", str(path)])
    assert out.exit_code == 0, out.output
    line = next(x for x in out.stdout.splitlines() if x.lstrip().startswith("1 "))
    assert "50,502.0" in line and "+17.2%" in line and "GREEN" in line


# Coin-margined: a BTC inverse long of 300,000 USD @ 50,000 beside a short of 100,000 USD @ 40,000, both marked
# 60,000, wallet 0.5 BTC. For the long, M = 0.5 - 0.005 x 100,000/60,000 (0.008333) - 100,000 x (1/40,000 -
# 1/60,000) (0.833333) = -0.341667 BTC; M + Q(1/EP - 1/P) = mmr*Q/P gives P = Q(1 + mmr)/(M + Q/EP) =
# 301,200/(6 - 0.341667) = 53,231.22, above its entry and below its mark: distance 11.28%.
INVERSE_HEDGED = """venue,account,symbol,contract,side,size,entry,mark,margin_mode,wallet,mmr,vol
binance-coinm,C,BTC/USD:BTC,inverse,long,300000,50000,60000,cross,0.5,0.004,0.5
binance-coinm,C,BTC/USD:BTC-250328,inverse,short,100000,40000,60000,cross,0.5,0.005,0.5
"""
INVERSE_M = 0.5 - 0.005 * 100000 / 60000 - 100000 * (1 / 40000 - 1 / 60000)
INVERSE_LP = 300000 * 1.004 / (INVERSE_M + 300000 / 50000)


def test_a_hedged_inverse_long_has_its_price_above_its_entry(tmp_path):
    book, liq = load_book(_write(tmp_path, "inverse.csv", INVERSE_HEDGED))
    table = risk_table(book)
    assert liq.margin[0] == pytest.approx(INVERSE_M) and INVERSE_M < 0
    assert table.liquidation[0] == pytest.approx(INVERSE_LP, rel=1e-12)
    assert INVERSE_LP == pytest.approx(53231.22, abs=0.01) and 50000 < INVERSE_LP < 60000
    assert table.distance[0] == pytest.approx((60000 - INVERSE_LP) / 60000) and np.isnan(table.leverage[0])
    # bankruptcy: M + Q(1/EP - 1/P) = 0, P = Q/(M + Q/EP)
    assert table.bankruptcy[0] == pytest.approx(300000 / (INVERSE_M + 6), rel=1e-12)


def test_a_position_past_its_price_shows_it(tmp_path):
    book, _ = load_book(_write(tmp_path, "hedged.csv", HEDGED))
    table = risk_table(book)
    assert table.distance[2] < 0 and table.distance[3] < 0  # account B: BTC's mark below its price, ETH's above
    assert table.statuses(0.05, 0.10) == ["GREEN", "GREEN", "LIQUIDATED", "LIQUIDATED"]
    fixes = distance_fixes(table)
    # margin to add: max(0, M* - M), M* = mmr*q*T - q(T - EP) at T = 45,000 x 0.9 = 40,500: 162 - 500 - (-10,300)
    assert fixes.margin_to_add[2] == pytest.approx(0.004 * 40500 - 500 - BTC_M)
    assert np.isnan(fixes.size_to_cut[2]) and np.isfinite(fixes.size_to_cut[3])


def test_a_position_below_maintenance_at_every_price_is_na_with_its_reason(tmp_path):
    # a short whose account's margin for it is below -q*EP: equity M + q(EP - P) < mmr*q*P at every P > 0, so
    # there is no price (the solver's 0 would read "no liquidation"); its account is past liquidation
    text = ("venue,account,symbol,side,size,entry,mark,margin_mode,wallet,mmr\n"
            "binance,A,BTCUSDT,long,1,60000,30000,cross,1000,0.004\n"
            "binance,A,ETHUSDT,short,1,3000,3000,cross,1000,0.005\n")
    book, liq = load_book(_write(tmp_path, "under.csv", text))
    assert liq.margin[1] == pytest.approx(1000 - 120 - 30000)
    assert np.isnan(liq.price[1]) and not book.recomputable[1] and "every price" in liq.how[1]
    table = risk_table(book)
    assert table.statuses(0.05, 0.10)[1] == "n/a" and np.isnan(table.distance[1])
    assert book.cross_note[1] == "below maintenance at every price"
    (record,) = [r for r in _json(tmp_path / "under.csv")["positions"] if r["symbol"] == "ETHUSDT"]
    assert record["liquidation_price"] is None and "every price" in record["reconciliation"]


def test_the_report_computes_a_hedged_account_like_the_table(tmp_path):
    book, liq = load_book(_write(tmp_path, "hedged.csv", HEDGED))
    out = build_report(book, tmp_path / "hedged.xlsx", as_of="2026-12-03", liquidation=liq)
    table = risk_table(book)
    lay = plan_layout(table)
    values = openpyxl.load_workbook(out, data_only=True)["Positions"]
    for i in range(len(book)):
        assert values[lay.positions.local("liq", i)].value == pytest.approx(table.liquidation[i], rel=1e-12)
        assert values[lay.positions.local("bank", i)].value == pytest.approx(table.bankruptcy[i], rel=1e-12)
    assert [values[lay.positions.local("flag", i)].value for i in range(4)] == ["GREEN", "GREEN", "LIQUIDATED",
                                                                               "LIQUIDATED"]
    assert values[lay.positions.local("lev", 0)].value == "n/a"
    assert values[lay.positions.local("cut_size", 2)].value == "n/a"


@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")
@pytest.mark.parametrize("text", [HEDGED, INVERSE_HEDGED], ids=["linear", "inverse"])
def test_the_report_formulas_recalculate_a_hedged_account_to_its_cached_values(tmp_path, text):
    # the live formulas (the isolated equation on the cross margin, which may be negative) give the cached numbers
    book, liq = load_book(_write(tmp_path, "hedged.csv", text))
    out = build_report(book, tmp_path / "hedged.xlsx", as_of="2026-12-03", liquidation=liq)
    cached, again = libreoffice.read_values(out, recalc="never"), libreoffice.recalculated_values(out)
    formulas = {ws.title: [c.coordinate for row in ws.iter_rows() for c in row
                           if isinstance(c.value, str) and c.value.startswith("=")]
                for ws in openpyxl.load_workbook(out)}
    checked = 0
    for sheet, refs in formulas.items():
        for ref in refs:
            got, want = again[sheet].get(ref, ""), cached[sheet].get(ref, "")
            assert not (isinstance(got, str) and got.startswith(("#", "Err:"))), (sheet, ref, got)
            if isinstance(got, str) or isinstance(want, str):
                assert got == want, (sheet, ref, got, want)
            else:
                assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-7), (sheet, ref, got, want)
            checked += 1
    assert checked > 50


def _equity_less_threshold(book, i: int, price: float) -> float:
    """The account's equity less its threshold with position ``i`` at ``price`` and the others at their marks
    (linear, flat rates): the wallet plus every uPnL, less every position's MM where its venue measures it (the
    price, or its entry at Bybit) plus the fee its venue puts inside the threshold (OKX) on its value at the
    price, less every position's fee to close at its bankruptcy price where the venue charges it against the
    account (Bybit: in each MM). The others' threshold is the one their own prices take (it was their MM at the
    mark without their fee, which let a Bybit or OKX account past liquidation at the marks show its positions
    RED while the account's rule, every mark moved, took its wallet)."""
    total = float(book.cross_wallet[i])
    for k in range(len(book)):
        p = price if k == i else book.mark[k]
        total += book.side[k] * book.size[k] * (p - book.entry[k])
        measured = book.entry[k] if book.basis[k] == "entry" else p
        total -= float(book.mmr[k]) * book.size[k] * measured + book.fee[k] * book.size[k] * p
    return total - float(np.sum(book.close_fee))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(legs=st.lists(st.tuples(st.booleans(), st.floats(0.1, 5), st.floats(100, 1000), st.floats(-0.6, 0.6),
                               st.sampled_from([0.004, 0.005, 0.01])), min_size=2, max_size=4),
       wallet=st.floats(10, 5000), venue=st.sampled_from(["binance", "bybit", "okx"]))
def test_at_its_price_a_cross_positions_account_equity_is_its_maintenance(legs, wallet, venue):
    # hedged accounts of any balance: a margin of the equation of any sign (often <= 0: a leg deep in profit
    # beside one losing more than the wallet); Binance (MM at the price), Bybit (MM at the entry), OKX (a fee
    # inside the threshold)
    records = [{"venue": venue, "account": "H", "symbol": f"C{k}USDT", "side": "short" if short else "long",
                "size": size, "entry": entry, "mark": entry * (1 + move), "margin_mode": "cross", "wallet": wallet,
                "mmr": mmr} for k, (short, size, entry, move, mmr) in enumerate(legs)]
    book, liq = with_accounts(book_from_records(records))
    terms = dataclasses.replace(book, cross_wallet=np.full(len(book), wallet))  # the wallet also where uncomputed
    table = risk_table(book)
    statuses = table.statuses(0.05, 0.10)
    for i in range(len(book)):
        price, now = table.liquidation[i], _equity_less_threshold(terms, i, book.mark[i])
        scale = book.size[i] * max(price if np.isfinite(price) else 0, book.entry[i], book.mark[i]) + wallet + \
            abs(liq.margin[i])
        if np.isnan(price):
            # no price keeps it above its threshold: said, and it is below it at its mark already
            assert "every price" in liq.how[i] and now < 0 and statuses[i] == "n/a"
            continue
        if price > 0:
            assert _equity_less_threshold(terms, i, price) == pytest.approx(0.0, abs=1e-9 * scale)
        else:  # a long that no positive price liquidates
            assert book.side[i] > 0 and _equity_less_threshold(terms, i, 0.0) >= -1e-9 * scale
        # already past its price exactly when its equity is below its threshold at the mark now
        if abs(now) > 1e-9 * scale:
            assert (table.distance[i] <= 0) == (now < 0), (i, now, table.distance[i])
            assert (statuses[i] == "LIQUIDATED") == (now < 0)

# -- the engine's cross functions on a margin <= 0 -----------------------------------------------------------------
def test_the_engine_cross_price_takes_a_margin_of_any_sign_and_the_venue_basis():
    # M = 5 - 4 - 3 = -2: -2 + (P - 100) = 0.004*P, so P = 102/0.996, above the entry
    assert lx.liquidation_price_cross("long", 100, 1, wallet=5, mmr=0.004, other_mm=4, other_upnl=-3) == \
        pytest.approx(102 / 0.996, rel=1e-12)
    # Bybit's entry basis: MM on the entry value, LP = EP - (M - q*EP*mmr)/q = 100 + 2 + 0.5
    assert lx.liquidation_price_cross("long", 100, 1, wallet=5, mmr=0.005, other_mm=4, other_upnl=-3,
                                      basis="entry") == pytest.approx(102.5, rel=1e-12)
    # on a margin > 0 it is the isolated equation on that margin, either basis
    for basis in ("mark", "entry"):
        assert lx.liquidation_price_cross("short", 100, 2, wallet=30, mmr=0.01, other_mm=5, basis=basis) == \
            lx.liquidation_price("short", 100, 2, margin=25, mmr=0.01, basis=basis)
    # the isolated function still wants a margin > 0
    with pytest.raises(ValueError, match="margin"):
        lx.liquidation_price("long", 100, 1, margin=-2, mmr=0.004)
    # and the spreadsheet function computes the cross price on M = -2 (wallet, mmr, other_mm, other_upnl)
    assert CATALOGUE["LEVXL_LIQ_PRICE_CROSS"]("long", 100, 1, 5, 0.004, 4, -3) == pytest.approx(102 / 0.996)


@pytest.mark.parametrize("side, contract, size, other_mm", [("short", "linear", 1, 200.0),  # M + q*EP < 0
                                                            ("long", "inverse", 10_000, 150.0)])  # M + Q/EP < 0
def test_no_price_keeps_it_above_maintenance_is_an_error_not_no_liquidation(side, contract, size, other_mm):
    # linear short: M = 10 - 200 = -190 < -q*EP = -100; inverse long: M = 10 - 150 = -140 < -Q/EP = -100 (the
    # solver's 0 and a negative price before, which read "no liquidation" and garbage)
    kw = dict(wallet=10, other_mm=other_mm, contract=contract, mmr=0.005)
    with pytest.raises(ValueError, match="below its maintenance at every price"):
        lx.liquidation_price_cross(side, 100, size, **kw)
    cell = CATALOGUE["LEVXL_LIQ_PRICE_CROSS"](side, 100, size, 10, 0.005, other_mm, 0, contract)
    assert isinstance(cell, CellError) and "every price" in cell.reason  # an error cell with its reason
    prices, why = lx.liquidation_price_cross.elementwise([side, side], 100, size, **dict(kw, other_mm=[other_mm, 0]))
    assert "every price" in why[0] and why[1] == "" and np.isfinite(prices[1]) and prices[1] > 0
    # the same in an account: the other position's loss (mark 50 for a long of 3, mark 200 for an inverse short of
    # 30,000 USD) takes M below -value(EP): 10 - 0.75 - 150 = -140.75 < -100; 1 - 0.75 - 150 = -149.75 < -100
    account = (dict(sides=["short", "long"], sizes=[1, 3], marks=[100, 50], wallet=10, contract="linear")
               if contract == "linear" else
               dict(sides=["long", "short"], sizes=[10_000, 30_000], marks=[100, 200], wallet=1, contract="inverse"))
    with pytest.raises(ValueError, match="every price"):
        lx.account_liquidation_prices(account["sides"], [100, 100], account["sizes"], marks=account["marks"],
                                      wallet=account["wallet"], mmr=0.005, contract=account["contract"])


# -- two wallets for one account ---------------------------------------------------------------------------------
def test_two_wallets_for_one_account_leave_it_uncomputed_naming_both(tmp_path):
    # QA: the first row's wallet was used, silently; which one is the account's is the user's to say
    eth = ETH.replace(",cross,10000,", ",cross,12000,")
    book, liq = load_book(_write(tmp_path, "two.csv", HEADER + BTC + eth))
    assert np.isnan(liq.price).all() and not book.recomputable.any()
    for i in range(2):
        (warning,) = [w for w in book.warnings[i] if w.startswith("cross account")]
        assert "10,000 (row 1)" in warning and "12,000 (row 2)" in warning
    # the same wallet twice is one wallet
    book, liq = load_book(_write(tmp_path, "same.csv", HEADER + BTC + ETH))
    assert np.isfinite(liq.price).all()


def test_a_wallet_column_and_an_accounts_file_that_disagree_are_named(tmp_path):
    # ccxt symbols: an accounts file names the margin currency, which BTCUSDT leaves unsaid
    btc, eth = BTC.replace("BTCUSDT", "BTC/USDT:USDT"), ETH.replace("ETHUSDT", "ETH/USDT:USDT")
    path = _write(tmp_path, "pos.csv", HEADER + btc + eth.replace(",cross,10000,", ",cross,,"))
    accounts = _write(tmp_path, "acc.csv", "venue,account,currency,wallet\nbinance,A,USDT,9000\n")
    book, liq = load_book(path, accounts)
    assert np.isnan(liq.price).all()
    (warning,) = [w for w in book.warnings[1] if w.startswith("cross account")]
    assert "10,000 (row 1)" in warning and "9,000 (accounts input)" in warning
    agreeing = _write(tmp_path, "acc2.csv", "venue,account,currency,wallet\nbinance,A,USDT,10000\n")
    assert np.isfinite(load_book(path, agreeing)[1].price).all()


def test_an_accounts_file_with_two_wallets_for_one_account_is_refused(tmp_path):
    from levxl.book.accounts import read_wallets
    path = _write(tmp_path, "acc.csv", "venue,account,currency,wallet\nbinance,A,USDT,9000\nbinance,A,USDT,9500\n")
    with pytest.raises(ValueError, match=r"rows 1 and 2: two wallets for binance/A/USDT \(9,000 and 9,500\)"):
        read_wallets(path)


# -- liquidation_status: no liquidation vs not computed --------------------------------------------------------------
def test_the_records_tell_no_liquidation_from_not_computed(tmp_path):
    # QA: a short no price liquidates and a cross position without its wallet both gave null price and distance
    text = ("venue,account,symbol,contract,side,size,entry,mark,margin,leverage,margin_mode,wallet,mmr\n"
            "binance,,BTCUSD_PERP,inverse,short,60000,60000,60000,2,,isolated,,0.004\n"  # coin margin >= face: never
            "binance,,BTCUSDT,linear,long,1,60000,60000,70000,,isolated,,0.004\n"        # sentinel 0
            "binance,,ETHUSDT,linear,long,1,3000,3000,,10,isolated,,0.005\n"
            "binance,B,SOLUSDT,linear,long,10,150,150,,,cross,,0.01\n")                  # no wallet
    path = _write(tmp_path, "s.csv", text)
    recs = _json(path)["positions"]
    status = [r["liquidation_status"] for r in recs]
    assert status[0] == status[1] == "none: no price liquidates"
    assert recs[0]["liquidation_price"] is None and recs[1]["liquidation_price"] == 0
    assert status[2] == "computed" and recs[2]["liquidation_price"] > 0
    assert status[3].startswith("not computed: ") and "wallet" in status[3]
    assert recs[3]["liquidation_price"] is None
    rows = _csv(path)
    assert [r["liquidation_status"] for r in rows] == status
    out = CliRunner().invoke(main, ["risk", str(path), "--json"])
    assert "Infinity" not in out.stdout and "NaN" not in out.stdout
