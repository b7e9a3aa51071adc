"""The report's Reconciliation, Tier tables and Options margin sheets against the book-layer functions they lay out
(every address from the layout), no isolated liquidation figure for positions levxl cannot recompute, and the
sheets recalculated by LibreOffice without error cells."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from levxl.book.accounts import load_book
from levxl.book.figures import risk_table
from levxl.book.options_book import option_accounts, options_book_figures
from levxl.book.positions import load_positions
from levxl.book.reconcile import reconciliation_table
from levxl.book.venue_rules import limit_rows, provenance_rows
from levxl.testing import libreoffice
from levxl.workbooks.report import build_report, plan_layout
from levxl.workbooks.report.layout import LIMIT_COLUMNS, PROVENANCE_COLUMNS, RECONCILIATION_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbook" / "examples"
AS_OF = "2026-12-01"
needs_lo = pytest.mark.skipif(not libreoffice.available(),
                              reason="LibreOffice not installed (Debian package libreoffice-calc-nogui)")

TIER_CSV = """venue,symbol,side,contract,size,entry,mark,leverage,margin,mmr,funding_rate,vol
binance,BTCUSDT,long,linear,2.5,64200,61850,10,,binance:BTCUSDT,0.0001,0.55
binance,BTCUSDT,long,linear,100,61000,61850,125,,binance:BTCUSDT,0.0001,0.55
binance,ETHUSDT,short,linear,40,3380,3455,20,,0.005,0.00012,0.70
hyperliquid,SOL,long,linear,900,148.5,139.2,10,,hyperliquid:SOL,0.0001,0.9
"""


def _cell(ws, row0: int, col0: int):
    return ws.cell(row0 + 1, col0 + 1).value


def _same(got, want, rel=1e-12) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return got in (None, "")
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        return isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=rel, abs_tol=1e-12)
    return (got if got is not None else "") == (want if want is not None else "")


@pytest.fixture(scope="module")
def ccxt_reports(tmp_path_factory):
    """The bundled ccxt export: with its accounts (load_book) and without (load_positions: cross unknown)."""
    d = tmp_path_factory.mktemp("report_sheets")
    src = EXAMPLES / "positions.ccxt.json"
    book, liquidation = load_book(src)
    with_accounts = build_report(book, d / "accounts.xlsx", as_of=AS_OF, liquidation=liquidation)
    bare = load_positions(src)
    without = build_report(bare, d / "bare.xlsx", as_of=AS_OF)
    return (book, liquidation, with_accounts), (bare, without)


@pytest.fixture(scope="module")
def options_report(tmp_path_factory):
    d = tmp_path_factory.mktemp("report_options_margin")
    book = load_positions(EXAMPLES / "options_book.csv")
    return book, build_report(book, d / "options.xlsx", as_of=AS_OF)


@pytest.fixture(scope="module")
def tier_report(tmp_path_factory):
    d = tmp_path_factory.mktemp("report_tiers")
    src = d / "book.csv"
    src.write_text(TIER_CSV)
    return load_positions(src), build_report(src, d / "tiers.xlsx", as_of=AS_OF)


def _check_reconciliation(path, book, liquidation):
    lay = plan_layout(risk_table(book))
    R = lay.reconciliation
    ws = openpyxl.load_workbook(path, data_only=True)["Reconciliation"]
    headers, rows = reconciliation_table(book, liquidation)
    assert [h for _, h, _ in RECONCILIATION_COLUMNS][0] == _cell(ws, R.header, 0)
    keys = [k for k, _, _ in RECONCILIATION_COLUMNS]
    assert len(keys) == len(headers)
    for i, row in enumerate(rows):
        for key, want in zip(keys, row):
            got = _cell(ws, R.first + i, R.col(key))
            if key == "levxl_liq" and isinstance(want, float) and math.isnan(want):
                assert got == "n/a", (i, key, got)
            elif key == "venue_liq" and isinstance(want, float) and math.isnan(want):
                assert got in (None, ""), (i, key, got)
            else:
                assert _same(got, want), (i, key, got, want)
    return rows


def test_reconciliation_shows_cross_positions_on_their_accounts(ccxt_reports):
    (book, liquidation, path), _ = ccxt_reports
    rows = _check_reconciliation(path, book, liquidation)
    cross = [i for i in range(len(book)) if book.cross[i]]
    assert cross and all(np.isfinite(rows[i][7]) for i in cross)  # levxl's cross number, not n/a
    for i in cross:  # within 0.5% of the venue's own figure
        assert abs(rows[i][8]) < 0.005, rows[i]


def test_reconciliation_without_accounts_says_why(ccxt_reports):
    _, (bare, path) = ccxt_reports
    rows = _check_reconciliation(path, bare, None)
    for i in range(len(bare)):
        if bare.cross[i]:
            assert rows[i][7] != rows[i][7] and "cannot recompute" in rows[i][-1]


def test_positions_levxl_cannot_recompute_show_no_isolated_price(ccxt_reports):
    _, (bare, path) = ccxt_reports
    lay = plan_layout(risk_table(bare))
    P = lay.positions
    formulas = openpyxl.load_workbook(path)["Positions"]
    values = openpyxl.load_workbook(path, data_only=True)["Positions"]
    unknown = [i for i in range(len(bare)) if not bare.recomputable[i]]
    assert unknown
    for i in unknown:
        liq = formulas[P.local("liq", i)].value
        assert liq == f"n/a (venue: {bare.venue_liquidation[i]:,.{_digits(bare.venue_liquidation[i])}f})"
        for key in ("bank", "dist", "sigma", "flag", "p1", "p7"):
            assert formulas[P.local(key, i)].value == "n/a", key  # a value: no live isolated formula
        assert "(Reconciliation)" in values[P.local("tier", i)].value
    # nowhere else in the report: the heatmap shows the same text, the ladder leaves them out, no grid on them
    wb = openpyxl.load_workbook(path, data_only=True)
    sc = wb["Scenarios"]
    for i in unknown:
        assert _cell(sc, lay.scenarios.heat_first + i, 5) == formulas[P.local("liq", i)].value
    assert lay.scenarios.grid_position is None or bare.recomputable[lay.scenarios.grid_position]
    ladder_rows = {v for row in wb["Liquidation ladder"].iter_rows(values_only=True) for v in row[:1] + row[8:9]
                   if isinstance(v, (int, float))}
    assert not ladder_rows & {bare.row[i] for i in unknown}


def _digits(p: float) -> int:
    return int(max(2, min(8, 4 - math.floor(math.log10(p)))))


def test_tier_tables_sheet_is_provenance_and_limits(tier_report):
    book, path = tier_report
    lay = plan_layout(risk_table(book))
    T = lay.tier_tables
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["Tier tables"]
    prov = provenance_rows(book, AS_OF)
    assert [h for _, h, _ in PROVENANCE_COLUMNS] and len(prov[0]) == len(PROVENANCE_COLUMNS)
    status = {"ok": "ok", "stale": "STALE", "missing": "MISSING", "n/a": "n/a"}
    for i, row in enumerate(prov[1:]):
        for k, (key, _, _) in enumerate(PROVENANCE_COLUMNS):
            want = status[row[k]] if key == "status" else row[k]
            assert _same(_cell(ws, T.first + i, k), want), (i, key, _cell(ws, T.first + i, k), want)
    limits = limit_rows(book)[1:]
    assert len(limits) == 1 and limits[0][0] == 2  # 125x on 100 BTC
    for i, row in enumerate(limits):
        for k, (key, _, _) in enumerate(LIMIT_COLUMNS):
            assert _same(_cell(ws, T.limits_first + i, k), row[k]), (key, _cell(ws, T.limits_first + i, k))
    # the Summary's line: STALE / MISSING / limit breaches
    S = lay.summary
    summary = wb["Summary"]
    counts = [_cell(summary, S.tiers_row, S.value_col + j) for j in range(3)]
    statuses = [r[7] for r in prov[1:]]
    assert counts == [statuses.count("stale"), statuses.count("missing"), 1]
    assert statuses.count("missing") == 1 and "Tier tables" in _cell(summary, S.tiers_row, S.value_col + 3)


def test_options_margin_sheet_is_the_function(options_report):
    book, path = options_report
    lay = plan_layout(risk_table(book))
    O = lay.options_margin
    ws = openpyxl.load_workbook(path, data_only=True)["Options margin"]
    (label, idx), = option_accounts(book)
    f = options_book_figures(book)
    b, v = O.blocks[0], O.value_col
    assert _cell(ws, b.top, 1) == label
    assert _same(_cell(ws, b.line("underlying"), v), f.underlying)
    assert _same(_cell(ws, b.line("wallet"), v), f.wallet)
    assert _same(_cell(ws, b.line("liq_down"), v), float(f.liquidation.down))
    assert _same(_cell(ws, b.line("liq_up"), v), float(f.liquidation.up))
    assert _same(_cell(ws, b.line("liq_down"), v + 1), f.liquidation.down / f.underlying - 1)
    assert _same(_cell(ws, b.line("standard_im"), v), f.standard_im)
    assert _same(_cell(ws, b.line("standard_mm"), v), f.standard_mm)
    assert f.standard_rules in _cell(ws, b.line("standard_im"), v + 2)
    for j, r in enumerate(f.portfolio.values()):
        row = [_cell(ws, b.pm_first + j, c) for c in range(1, 9)]
        assert row[1] == r.params
        for got, want in zip(row[2:7], (r.mm, r.im, r.worst_loss, r.worst_move, r.worst_vol_shock)):
            assert _same(got, float(want)), (r.params, got, want)
        assert _same(row[7], f.underlying * (1 + r.worst_move))
    fr, lf = f.frontier, f.loss_frontier
    for j in range(len(fr.vol_shift)):
        row = [_cell(ws, b.frontier_first + j, c) for c in range(1, 9)]
        want = [fr.vol_shift[j], fr.params, fr.move_down[j], fr.price_down[j], fr.move_up[j], fr.price_up[j],
                lf.move_down[j], lf.move_up[j]]
        for got, w in zip(row, want):
            assert _same(got, w if isinstance(w, str) else float(w), rel=1e-9), (j, got, w)
    down, up = f.position_moves
    for j, symbol in enumerate(f.symbols):
        row = [_cell(ws, b.positions_first + j, c) for c in (1, 3, 4)]
        assert row[0] == symbol
        for got, w in zip(row[1:], (down[j], up[j])):
            assert (got == "none") if math.isnan(w) else _same(got, float(w))


def test_a_book_without_options_has_no_options_sheet(tier_report):
    assert "Options margin" not in openpyxl.load_workbook(tier_report[1]).sheetnames


def test_options_margin_of_an_account_without_collateral_shows_no_liquidation_price(tmp_path):
    src = tmp_path / "mixed.csv"
    src.write_text((EXAMPLES / "options_book.csv").read_text()
                   + "deribit,BTC-27DEC26-60000-P,long,,1,0.02,61850,,,,,0.6,option,put,60000,26,linear\n")
    path = build_report(src, tmp_path / "r.xlsx", as_of=AS_OF)
    ws = openpyxl.load_workbook(path, data_only=True)["Options margin"]
    lay = plan_layout(risk_table(load_positions(src)))
    coin, usd = lay.options_margin.blocks  # the coin-settled account and the USD-settled one
    v = lay.options_margin.value_col
    assert isinstance(_cell(ws, coin.line("liq_down"), v), float)
    assert _cell(ws, usd.line("wallet"), v) == 0
    assert _cell(ws, usd.line("liq_down"), v) == _cell(ws, usd.line("liq_up"), v) == "n/a"
    assert _cell(ws, usd.frontier_first, 3) == "n/a"
    assert isinstance(_cell(ws, usd.pm_first, 3), float)  # portfolio margin needs no wallet


@needs_lo
def test_new_sheets_recalculate_without_error_cells(ccxt_reports, options_report):
    (_, _, accounts), (_, bare) = ccxt_reports
    for path in (accounts, bare, options_report[1]):
        cached = libreoffice.read_values(path, recalc="never")
        recalculated = libreoffice.recalculated_values(path)
        formulas = openpyxl.load_workbook(path)
        for sheet in formulas.sheetnames:
            cells = [c.coordinate for row in formulas[sheet].iter_rows() for c in row
                     if isinstance(c.value, str) and c.value.startswith("=")]
            for ref in cells:
                got, want = recalculated[sheet].get(ref, ""), cached[sheet].get(ref, "")
                assert not (isinstance(got, str) and re.match(r"#|Err:", got)), (path.name, sheet, ref, got)
                if isinstance(got, float) and isinstance(want, float):
                    assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), (sheet, ref, got, want)
                else:
                    assert got == want, (path.name, sheet, ref, got, want)
