"""The risk view (issue 16): every side stressed, one distance convention, LIQUIDATED status, n/a with the reason,
margin to add / size to cut, the liquidation map, and the report and CLI that show them."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from levxl.book.figures import distance_fixes, pnl_after_mark_move, risk_table
from levxl.book.positions import book_from_records
from levxl.book.stresses import (MAP_EDGES, STRESSES, Stress, asset_of, liquidation_map, map_labels,
                                 market_move_to_liquidation, net_by_asset, run_stresses, stress_moves)
from levxl.engine.liquidation import liquidation_price
from levxl.engine.sizing import margin_to_add_for_distance, size_to_cut_for_distance
from levxl.engine.tiers import preset


def _book(rows):
    return book_from_records(rows, source="test")


LONG = {"symbol": "BTCUSDT", "side": "long", "size": 1, "entry": 60_000, "mark": 60_000, "leverage": 10}
SHORT = {"symbol": "ETHUSDT", "side": "short", "size": 10, "entry": 3_000, "mark": 3_000, "leverage": 10}


# -- the engine: margin to add and size to cut -------------------------------------------------------------------
def test_margin_to_add_puts_the_liquidation_price_at_the_target():
    add = margin_to_add_for_distance("long", 100, 1, mark=100, margin=5, distance=0.10, mmr=0.01)
    assert math.isclose(float(add), 5.9)  # M* = 0.01*90 - (90 - 100) = 10.9
    lp = liquidation_price("long", 100, 1, margin=5 + float(add), mmr=0.01)
    assert math.isclose(float(lp), 90.0)
    assert float(margin_to_add_for_distance("long", 100, 1, mark=100, margin=50, distance=0.10, mmr=0.01)) == 0.0


@settings(max_examples=150, deadline=None)
@given(side=st.sampled_from([1, -1]), entry=st.floats(100, 100_000), lev=st.floats(2, 100),
       mark_move=st.floats(-0.05, 0.05), target=st.floats(0.02, 0.4), notional=st.floats(1e3, 5e7),
       inverse=st.booleans(), tiered=st.booleans())
def test_fixes_reach_the_target_distance(side, entry, lev, mark_move, target, notional, inverse, tiered):
    """Invariant: with the margin added, or the size cut (margin kept), the liquidation price sits at the target
    distance from the mark in the adverse direction (or further, when nothing was needed)."""
    mark = entry * (1 + mark_move)
    contract = "inverse" if inverse else "linear"
    size = notional if inverse else notional / entry
    margin = notional / lev / (entry if inverse else 1)
    mmr = preset("binance:BTCUSDT") if tiered and not inverse else 0.005
    want = mark * (1 - side * target)
    add = float(margin_to_add_for_distance(side, entry, size, mark=mark, margin=margin, distance=target, mmr=mmr,
                                           contract=contract))
    lp = float(liquidation_price(side, entry, size, margin=margin + add, mmr=mmr, contract=contract))
    if add > 0:
        assert math.isclose(lp, want, rel_tol=1e-9)
    else:
        assert side * (want - lp) >= -1e-9 * want or (side < 0 and math.isinf(lp))
    cut = float(size_to_cut_for_distance(side, entry, size, mark=mark, margin=margin, distance=target, mmr=mmr,
                                         contract=contract))
    assert 0 <= cut <= size
    if cut > 0 and size - cut > 1e-9 * size:
        lp = float(liquidation_price(side, entry, size - cut, margin=margin, mmr=mmr, contract=contract))
        assert math.isclose(lp, want, rel_tol=1e-7) or side * (want - lp) >= 0  # at the target, or safer


def test_size_to_cut_worked_example():
    # keep q: 5 = q*(0.01*90 - (90 - 100)) -> q = 5/10.9; cut 1 - q
    cut = float(size_to_cut_for_distance("long", 100, 1, mark=100, margin=5, distance=0.10, mmr=0.01))
    assert math.isclose(cut, 1 - 5 / 10.9)


# -- stresses ----------------------------------------------------------------------------------------------------
def test_asset_of_names_the_underlying_in_every_form():
    for symbol, asset in [("ETH/USDT:USDT", "ETH"), ("ETHUSDT", "ETH"), ("ETH-USDT-SWAP", "ETH"), ("ETH-PERP", "ETH"),
                          ("ETHUSD_PERP", "ETH"), ("XBTUSD", "BTC"), ("BTC-27DEC24-70000-C", "BTC"), ("SOL", "SOL"),
                          ("1000PEPEUSDT", "PEPE"), ("BTC-PERPETUAL", "BTC")]:
        assert asset_of(symbol) == asset, symbol


def test_asset_of_reads_kucoin_kraken_and_multiplied_contracts():
    # QA: KuCoin's XBTUSDTM stayed "XBTUSDTM", so BTC got the alt beta 1.5 and its own squeeze net; 1000PEPEUSDT was
    # an asset apart from PEPEUSDT, though both are PEPE (the USD notional already has the multiplier in it)
    for symbol, asset in [("XBTUSDTM", "BTC"), ("ETHUSDTM", "ETH"), ("SOLUSDTM", "SOL"), ("XBTUSDM", "BTC"),
                          ("XBTUSD", "BTC"), ("PF_XBTUSD", "BTC"), ("PI_ETHUSD", "ETH"), ("BTC-USDT-SWAP", "BTC"),
                          ("BTC-PERPETUAL", "BTC"), ("BTC", "BTC"), ("BTC/USDT:USDT", "BTC"),
                          ("1000PEPEUSDT", "PEPE"), ("1000PEPE/USDT:USDT", "PEPE"), ("kPEPE", "PEPE"),
                          ("1000000MOGUSDT", "MOG"), ("KAVAUSDT", "KAVA"), ("KSM", "KSM"), ("BTCUSDC", "BTC"),
                          ("ETHFDUSD", "ETH")]:
        assert asset_of(symbol) == asset, symbol
    t = risk_table(_book([{**LONG, "symbol": "XBTUSDTM", "venue": "kucoin"}, {**SHORT, "symbol": "BTC-USDT-SWAP"}]))
    from levxl.book.stresses import betas_of
    assert betas_of(t)[1].tolist() == [1.0, 1.0]  # BTC's beta, not the alt default
    assert list(net_by_asset(t)) == ["BTC"]  # one BTC net for the squeeze


def test_adverse_stresses_hit_longs_and_shorts_alike():
    t = risk_table(_book([LONG, SHORT]))
    moves = stress_moves(t, [Stress("a", 0.1, "adverse", "")])
    assert moves[:, 0].tolist() == [-0.1, 0.1]  # the long falls, the short rises
    pnl = pnl_after_mark_move(t.book, moves)
    assert (pnl[:, 0] < 0).all()


def test_market_stresses_scale_by_beta_and_floor_the_price():
    t = risk_table(_book([LONG, SHORT, {**LONG, "symbol": "DOGEUSDT", "entry": 0.2, "mark": 0.2, "size": 1000}]))
    moves = stress_moves(t, [Stress("m", -0.2, "market", ""), Stress("crash", -0.9, "market", "")],
                         betas={"ETH": 1.25})
    assert np.allclose(moves[:, 0], [-0.2, -0.25, -0.3])  # BTC 1, ETH given 1.25, DOGE default 1.5
    assert moves[:, 1].min() == -0.95  # floored: a price does not go below zero


def test_squeeze_moves_only_what_the_book_is_net_short():
    t = risk_table(_book([LONG, SHORT]))
    net = net_by_asset(t)
    assert net["ETH"][1] == 1 and net["BTC"][1] == 0
    moves = stress_moves(t, [s for s in STRESSES if s.kind == "squeeze"])
    assert moves[0, 0] == 0 and moves[1, 0] > 0


def test_named_history_has_both_the_fall_and_the_rebound():
    kinds = {s.kind for s in STRESSES}
    assert kinds == {"adverse", "market", "squeeze"}
    falls = [s for s in STRESSES if "fall" in s.name]
    rebounds = [s for s in STRESSES if "rebound" in s.name]
    assert len(falls) == len(rebounds) >= 4 and all(s.move < 0 for s in falls) and all(s.move > 0 for s in rebounds)


def test_a_mark_past_liquidation_is_liquidated_in_every_stress():
    past = {**LONG, "mark": 50_000}  # 10x long: liquidation near 54k
    t = risk_table(_book([past]))
    assert t.distance[0] < 0 and t.statuses(0.05, 0.1) == ["LIQUIDATED"]
    res = run_stresses(t)
    margin = t.margin[0]
    assert np.allclose(res.pnl_usd[0], -margin) and res.liquidated.all()
    assert math.isclose(res.now_usd[0], -margin)  # not the uPnL: the loss stops at the margin
    assert np.allclose(res.change, 0.0)


def test_statuses_and_distance_convention():
    t = risk_table(_book([LONG, SHORT]))
    # the same number everywhere: s*(mark - LP)/mark, positive while the mark has that far to go
    assert np.allclose(t.distance, t.side * (t.book.mark - t.liquidation) / t.book.mark)
    assert (t.distance > 0).all()
    assert t.statuses(0.05, 0.2) == ["AMBER", "AMBER"]


def test_liquidation_map_puts_longs_on_falls_and_shorts_on_rises():
    t = risk_table(_book([LONG, SHORT]))
    longs, shorts = liquidation_map(t)
    labels = map_labels()
    assert len(longs) == len(shorts) == len(labels) == len(MAP_EDGES) + 1
    x = market_move_to_liquidation(t)
    k_long = int(np.searchsorted(MAP_EDGES, x[0], side="right"))
    k_short = int(np.searchsorted(MAP_EDGES, x[1], side="right"))
    assert x[0] < 0 < x[1]
    assert longs[k_long] == pytest.approx(t.notional_usd[0]) and longs.sum() == pytest.approx(t.notional_usd[0])
    assert shorts[k_short] == pytest.approx(t.notional_usd[1]) and shorts.sum() == pytest.approx(t.notional_usd[1])
    # the ETH short (beta 1.2) liquidates at a BTC move of its own move / 1.2
    assert x[1] == pytest.approx(t.move_to_liq[1] / 1.2)


def test_fixes_are_na_for_what_levxl_cannot_recompute():
    cross = {**SHORT, "margin_mode": "cross"}
    t = risk_table(_book([LONG, cross]))
    f = distance_fixes(t, 0.1)
    assert np.isfinite(f.margin_to_add[0]) and np.isnan(f.margin_to_add[1]) and np.isnan(f.size_to_cut[1])


# -- the report and the CLI --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report_cells():
    from levxl.files.bundled import example_positions
    from levxl.book.positions import load_positions
    from levxl.workbooks.report import report_sheets
    from levxl.workbooks.report.cells import Cell

    book = load_positions(example_positions())
    book = dataclasses.replace(book, vol=np.where(np.arange(len(book)) == 0, np.nan, book.vol))
    sheets, lay = report_sheets(book, "2026-12-02", [])
    cells = {s.name: {(c.row, c.col): c for c in s.items if isinstance(c, Cell)} for s in sheets}
    return book, lay, cells


def test_report_shows_na_with_the_reason_not_zero(report_cells):
    book, lay, cells = report_cells
    P = lay.positions
    for key in ("sigma", "p1", "p7"):
        assert cells["Positions"][(P.row0(0), P.col_of[key])].cached == "n/a: no vol"
    S = lay.summary
    reason = cells["Summary"][(S.headline("expected_liquidations"), S.value_col + 1)]
    assert reason.cached == "1 position(s) without a vol left out"


def test_report_headers_state_the_sign(report_cells):
    _, lay, cells = report_cells
    P = lay.positions
    head = cells["Positions"][(P.header_row, P.col_of["dist"])].value
    assert "adverse move of the mark" in head and "past" in head
    assert "LIQUIDATED" in cells["Positions"][(P.row0(0), P.col_of["flag"])].formula


def test_report_stresses_every_side_and_names_the_largest_loser(report_cells):
    book, lay, cells = report_cells
    St = lay.stress
    names = [cells["Stress"][(St.first + k, 1)].value for k in range(len(STRESSES))]
    assert names == [s.name for s in STRESSES]
    t = risk_table(book)
    res = run_stresses(t, betas=dict(zip(St.assets, St.betas)))
    for k in range(len(STRESSES)):
        assert cells["Stress"][(St.first + k, 4)].cached == pytest.approx(res.change[k])
        assert cells["Stress"][(St.first + k, 8)].cached == pytest.approx(res.worst_loss(k))
    # the adverse stress loses on the shorts too
    shorts = np.flatnonzero(t.side < 0)
    assert (res.pnl_usd[shorts, 0] - res.now_usd[shorts] < 0).all()


def test_summary_has_the_worst_positions_and_two_charts(report_cells):
    book, lay, cells = report_cells
    S = lay.summary
    t = risk_table(book)
    first = cells["Summary"][(S.worst_first, 1)].cached
    i = t.closest()
    assert first.startswith(f"{book.row[i]}: ")
    from levxl.workbooks.report import report_sheets

    sheets, _ = report_sheets(book, "2026-12-02", [])
    summary = next(s for s in sheets if s.name == "Summary")
    charts = [item[1][0] for item in summary.items if not hasattr(item, "row") and item[0] == "chart"]
    assert len(charts) == 2 and {c["type"]["type"] for c in charts} == {"bar", "column"}
    liq_map = next(c for c in charts if c["type"]["type"] == "column")
    assert all(s["gap"] == 0 for s in liq_map["series"])  # touching columns: the steps liquidations come in


def test_cli_risk_stresses_shorts_and_shows_status():
    from levxl.cli import main

    result = CliRunner().invoke(main, ["risk"])
    assert result.exit_code == 0, result.output
    head = result.output.splitlines()[1]
    assert "PnL 10% adv" in head and "status" in head and "dist to liq" in head and "PnL -10%" not in head
    assert "Short squeeze" in result.output and "rebound" in result.output


def test_cli_risk_says_no_vol_instead_of_blank(tmp_path):
    from levxl.cli import main

    path = tmp_path / "nv.csv"
    path.write_text("symbol,side,size,entry,mark,leverage\nBTCUSDT,long,1,60000,60000,10\n")
    result = CliRunner().invoke(main, ["risk", str(path)])
    assert result.exit_code == 0, result.output
    assert "no vol" in result.output.splitlines()[2] and "unknown, not 0" in result.output


def test_a_long_no_price_liquidates_is_off_the_liquidation_map():
    # QA: a long whose liquidation price is 0 (margin over its notional) was counted in the "< -30%" bucket
    from levxl.book.stresses import never_liquidated
    from levxl.workbooks.report import report_sheets
    from levxl.workbooks.report.cells import Cell

    safe = {**LONG, "leverage": None, "margin": 70_000}
    t = risk_table(_book([safe, LONG]))
    assert t.liquidation[0] == 0 and never_liquidated(t).tolist() == [True, False]
    assert np.isnan(market_move_to_liquidation(t)[0])
    longs, _ = liquidation_map(t)
    assert longs.sum() == pytest.approx(t.notional_usd[1])  # only the long a price liquidates
    sheets, lay = report_sheets(t.book, "2026-12-02", [])
    cells = {s.name: {(c.row, c.col): c for c in s.items if isinstance(c, Cell)} for s in sheets}
    P, L_ = lay.positions, lay.stress
    mkt = cells["Positions"][(P.row0(0), P.col_of["mkt_liq"])]
    assert "N(" in mkt.formula and mkt.cached in ("", None)
    assert "1 position no price liquidates: not in the map" in cells["Stress"][(L_.map_section, 2)].value
    assert sum(cells["Stress"][(L_.map_first + k, 4)].cached for k in range(len(MAP_EDGES) + 1)) == \
        pytest.approx(t.notional_usd[1])


def test_the_map_of_a_long_no_price_liquidates_recalculates_to_its_cached_values(tmp_path):
    # the live formulas (Positions' BTC move to liq., the Stress sheet's map) leave it out as the cached values do
    import openpyxl
    from levxl.testing import libreoffice
    from levxl.workbooks.report import build_report

    if not libreoffice.available():
        pytest.skip("LibreOffice not installed")
    t = risk_table(_book([{**LONG, "leverage": None, "margin": 70_000}, LONG]))
    out = build_report(t.book, tmp_path / "map.xlsx", as_of="2026-12-03")
    cached, again = libreoffice.read_values(out, recalc="never"), libreoffice.recalculated_values(out)
    wb = openpyxl.load_workbook(out)
    for sheet in ("Positions", "Stress"):
        for row in wb[sheet].iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    got, want = again[sheet].get(c.coordinate, ""), cached[sheet].get(c.coordinate, "")
                    if isinstance(got, str) or isinstance(want, str):
                        assert got == want, (sheet, c.coordinate, got, want)
                    else:
                        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-7), (sheet, c.coordinate, got, want)
