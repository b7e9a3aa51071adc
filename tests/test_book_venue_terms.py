"""The book's figures carry every convention of each position's venue profile (where maintenance is measured, the
taker fee inside the threshold, the fee to close a Bybit margin holds), so the table's price is the venue's own:
pinned to the engine's venue path (``liquidation_price_at_venue`` on the row's raw inputs) for every profile, and to
the venues' worked examples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from levxl.book.accounts import with_accounts
from levxl.book.figures import distance_fixes, leverage_grid, pnl_after_mark_move, risk_table
from levxl.book.positions import book_from_records, load_positions
from levxl.book.venue_rules import convention_lines, venue_liquidation_prices
from levxl.engine.conventions import liquidation_price_at_venue
from levxl.engine.liquidation import liquidation_price
from levxl.engine.venues import PROFILES

CCXT = Path(__file__).resolve().parent / "data" / "ccxt"


def _rows():
    """Every profile, long and short, margin given and leverage alone, on its own product's contract."""
    out = []
    for pid, profile in sorted(PROFILES.items()):
        inverse = profile.contract == "inverse"
        for side in ("long", "short"):
            for given in (True, False):
                size, entry = (20_000.0, 60_000.0) if inverse else (0.5, 60_000.0)
                value = size / entry if inverse else size * entry
                row = {"venue": pid, "symbol": "BTC", "side": side, "contract": "inverse" if inverse else "linear",
                       "size": size, "entry": entry, "mark": 59_000.0, "mmr": 0.006}
                row.update({"margin": value / 8 * 1.01} if given else {"leverage": 8})
                out.append(row)
    return out


def test_the_table_is_the_engine_venue_path_for_every_profile():
    book = book_from_records(_rows())
    assert not book.issues and len(book) == 4 * len(PROFILES)
    table = risk_table(book)
    np.testing.assert_allclose(table.liquidation, venue_liquidation_prices(book), rtol=1e-12)
    for i, profile in enumerate(book.profiles):  # and each row alone, straight from the engine
        at_venue = liquidation_price_at_venue(book.side[i], book.entry[i], book.size[i],
                                              leverage=None if np.isnan(book.leverage[i]) else book.leverage[i],
                                              margin=None if np.isnan(book.margin[i]) else book.margin[i],
                                              mmr=0.006, contract=book.contract[i], venue=profile.id)
        assert table.liquidation[i] == pytest.approx(float(at_venue), rel=1e-12), (profile.id, book.side[i])
    okx = [i for i, p in enumerate(book.profiles) if p.id == "okx-swap"]
    assert all(book.fee[i] == 0.0005 for i in okx)  # OKX's taker inside the threshold
    bybit_given = [i for i, p in enumerate(book.profiles) if p.id == "bybit-linear" and np.isfinite(book.margin[i])]
    assert all(book.close_fee[i] > 0 for i in bybit_given)
    assert all(book.close_fee[i] == 0 for i, p in enumerate(book.profiles) if not p.close_fee_in_margin)


def test_bybit_maintenance_margin_example_in_a_positions_file(tmp_path):
    # Bybit help "Maintenance Margin Calculation (USDC Contract)": 1 BTC long at 51,000, 10x, taker 0.06%: fee to
    # close 27.54 in both margins; a position margin of 5,100 + 27.54 liquidates where 5,100 would without the fee
    path = tmp_path / "bybit.csv"
    path.write_text("venue,symbol,side,size,entry,mark,margin,leverage,mmr,taker_fee\n"
                    "bybit,BTCUSDC,long,1,51000,50000,5127.54,10,0.005,0.06%\n"
                    "bybit,BTCUSDC,long,1,51000,50000,5100,,0.005,\n", encoding="utf-8")
    book = load_positions(path)
    assert book.close_fee[0] == pytest.approx(27.54, rel=1e-12)
    assert book.isolated_margin[0] == pytest.approx(5100, rel=1e-12)
    table = risk_table(book)
    fee_free = liquidation_price("long", 51000, 1, mmr=0.005, margin=5100, basis="entry")
    assert table.liquidation[0] == pytest.approx(fee_free, rel=1e-12)  # MM on entry: 46,155 exactly
    assert table.liquidation[0] == pytest.approx(46155.0, rel=1e-12)
    # a margin of 5,100 at the profile's dated taker (0.055%, no leverage given: the bankruptcy price from the
    # margin) holds its fee too: the price is the engine's venue path, the doctest's 46,182.54-style figure
    at_venue = liquidation_price_at_venue("long", 51000, 1, mmr=0.005, margin=5100, venue="bybit")
    assert table.liquidation[1] == pytest.approx(float(at_venue), rel=1e-12) and table.liquidation[1] > 46155
    lines = convention_lines(book)
    assert "MM on the entry value" in lines[0] and "27.54" in lines[0] and "0.06%, given" in lines[0]


def test_a_taker_rate_that_is_not_a_rate_is_refused(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("venue,symbol,side,size,entry,leverage,taker_fee\nokx,BTC-USDT-SWAP,long,1,100,10,0.05\n"
                    "okx,BTC-USDT-SWAP,long,1,100,10,0.02%\n", encoding="utf-8")
    book = load_positions(path)
    assert len(book) == 1 and book.fee[0] == pytest.approx(0.0002)
    (row, reason), = book.issues
    assert row == 1 and "taker_fee must be a rate below 1%" in reason


def test_a_taker_rate_only_enters_where_the_venue_puts_it():
    rows = [{"venue": v, "symbol": "X", "side": "long", "size": 1, "entry": 100, "leverage": 10, "mmr": 0.01,
             "taker_fee": 0.0004} for v in ("binance", "okx", "hyperliquid", "nowhere")]
    book = book_from_records(rows)
    assert list(book.fee) == [0.0, 0.0004, 0.0, 0.0]
    plain = liquidation_price("long", 100, 1, leverage=10, mmr=0.01)
    table = risk_table(book)
    assert table.liquidation[0] == pytest.approx(plain) and table.liquidation[3] == pytest.approx(plain)
    assert table.liquidation[1] == pytest.approx(liquidation_price("long", 100, 1, leverage=10, mmr=0.01,
                                                                   fee=0.0004))


def test_the_derived_figures_use_the_same_price():
    book = book_from_records([{"venue": "okx", "symbol": "SOL-USDT-SWAP", "side": "long", "size": 100,
                               "entry": 150, "mark": 140, "leverage": 10, "mmr": 0.01},
                              {"venue": "bybit", "symbol": "BTCUSDT", "side": "short", "size": 1, "entry": 60_000,
                               "mark": 61_000, "margin": 6_050, "mmr": 0.005}])
    table = risk_table(book)
    # the leverage grid at the position's own leverage is the table's price (basis and fee included)
    grid = leverage_grid(table, 0, [0.0], [10])
    assert grid.liquidation[0] == pytest.approx(table.liquidation[0], rel=1e-12)
    # the margin to add reaches the target distance exactly under the same conventions
    fixes = distance_fixes(table, 0.10)
    for i in range(2):
        m = table.margin[i] + fixes.margin_to_add[i]
        again = liquidation_price(book.side[i], book.entry[i], book.size[i], mmr=book.mmr[i], margin=m,
                                  fee=book.fee[i], basis=book.basis[i])
        assert again == pytest.approx(fixes.target_price[i], rel=1e-9)
    # a move of the mark to just past the price loses the margin; just short of it, the plain PnL (no fee in it)
    for i in range(2):
        move = table.liquidation[i] / book.mark[i] - 1
        before, after = move * (1 - 1e-6), move * (1 + 1e-6)
        pnl = pnl_after_mark_move(book.select(np.arange(2) == i), [before, after])[0]
        assert pnl[1] == pytest.approx(-table.margin[i])
        plain = book.side[i] * book.size[i] * (book.mark[i] * (1 + before) - book.entry[i])
        assert pnl[0] == pytest.approx(plain, rel=1e-9)


def test_ccxt_bybit_reads_the_fee_to_close_from_the_venue_margins(tmp_path):
    case = json.loads((CCXT / "bybit-linear_btcusdt-isolated-long.json").read_text(encoding="utf-8"))
    book, liq = with_accounts(load_positions(CCXT / "bybit-linear_btcusdt-isolated-long.json"), {})
    assert book.taker_fee[0] == pytest.approx(0.00055, rel=1e-9)  # the fee over value(BP), from positionIM
    assert book.mmr[0] == pytest.approx(0.005, rel=1e-9)  # positionMM without that fee, over the entry value
    assert liq.price[0] == pytest.approx(float(case["venue_reported"]["liquidationPrice"]), rel=1e-9)
    # a classic account (margins without the fee): nothing is taken out
    info = dict(case["position"]["info"])
    value = 0.5 * 64000
    info["positionIM"] = info["positionBalance"] = str(value / 10)
    info["positionMM"] = str(value * 0.005)
    classic = dict(case["position"], info=info)
    path = tmp_path / "classic.json"
    path.write_text(json.dumps([classic]), encoding="utf-8")
    book = load_positions(path)
    assert book.taker_fee[0] == 0.0 and book.close_fee[0] == 0.0
    assert risk_table(book).liquidation[0] == pytest.approx(57920.0, rel=1e-9)


VENUE_BOOK = """venue,symbol,side,contract,size,entry,mark,leverage,margin,mmr,vol
bybit,BTCUSDT,long,linear,0.5,64000,63000,10,3215.84,0.005,0.5
bybit,BTCUSD,short,inverse,20000,60000,61000,,0.0668,0.005,0.5
okx,BTC-USDT-SWAP,short,linear,0.3,65000,63000,20,,0.004,0.5
gate,ETH_USDT,long,linear,2,3000,2900,,400,0.005,0.6
"""


def test_the_report_formulas_recalculate_to_the_venue_prices(tmp_path):
    # the report's native formulas (fee helper, margin net of Bybit's fee to close) give back the book's figures
    # in the real spreadsheet application, cell for cell
    import openpyxl

    from levxl.testing import libreoffice
    from levxl.workbooks.report import build_report

    if not libreoffice.available():
        pytest.skip("LibreOffice 25.2 not installed")
    src = tmp_path / "venues.csv"
    src.write_text(VENUE_BOOK, encoding="utf-8")
    out = build_report(src, tmp_path / "venues.xlsx", as_of="2026-12-02T00:00:00Z")
    book = load_positions(src)
    table = risk_table(book)
    assert list(book.fee) == [0.0, 0.0, 0.0005, 0.0005] and book.close_fee[0] == pytest.approx(15.84)
    assert table.liquidation[0] == pytest.approx(57920.0)
    seen = libreoffice.read_values(out)
    cached = openpyxl.load_workbook(out, data_only=True)
    compared = 0
    for sheet, cells in seen.items():
        for ref, value in cells.items():
            c = cached[sheet][ref].value
            if isinstance(c, (int, float)) and not isinstance(c, bool):
                assert value == pytest.approx(c, rel=1e-9, abs=1e-12), (sheet, ref)
                compared += 1
    assert compared > 500
    liq_shown = [v for ref, v in seen["Positions"].items() if ref.startswith("M") and isinstance(v, float)]
    for price in table.liquidation:
        assert any(v == pytest.approx(price, rel=1e-12) for v in liq_shown)


def test_batch_records_say_which_conventions_each_price_carries(tmp_path):
    from levxl.book.reconcile import RECORD_FIELDS, risk_records

    src = tmp_path / "venues.csv"
    src.write_text(VENUE_BOOK, encoding="utf-8")
    records = risk_records(load_positions(src))
    assert all(set(r) == set(RECORD_FIELDS) for r in records)
    bybit, _, okx, gate = records
    assert bybit["close_fee"] == pytest.approx(15.84) and bybit["margin"] == pytest.approx(3200.0)
    assert "MM on the entry value" in bybit["venue_conventions"] and "15.84" in bybit["venue_conventions"]
    assert bybit["maintenance_margin"] == pytest.approx(160 + 15.84)  # as Bybit reports it: the fee inside
    assert okx["fee_in_threshold"] == 0.0005 and okx["venue_conventions"] == "taker 0.05% inside the threshold"
    assert gate["liquidation_price"] == gate["liquidation_price_venue_conventions"]
