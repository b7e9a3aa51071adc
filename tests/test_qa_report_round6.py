"""Fixes from the sixth QA round (the report and `levxl risk` checked from the outside on desk-like books), one
test each."""

import warnings

import openpyxl
import pytest

from levxl.workbooks.report import build_report


def _cells(path, sheet):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: "extension is not supported" for the data bars
        return openpyxl.load_workbook(path)[sheet]


def _decimals(number_format: str) -> int:
    first = number_format.split(";")[0]
    return len(first.split(".")[1]) if "." in first else 0


def _find(ws, value, rel=1e-12):
    return [c for row in ws.iter_rows() for c in row
            if isinstance(c.value, float) and c.value == pytest.approx(value, rel=rel)]


def test_prices_show_every_decimal_of_their_tick(tmp_path):
    # 1000PEPEUSDT trades on a 0.0000001 tick: its liquidation price 0.0175067 was shown 0.017507 (digits from the
    # size of the entry alone), a price the venue never shows; the tick's decimals are now the least shown
    path = tmp_path / "pepe.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage,tick\n"
                    "binance,1000PEPEUSDT,long,50000000,0.01912,0.0185,10,0.0000001\n"
                    "binance,BTCUSDT,long,1,60000,61850,10,0.1\n")
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    positions = _cells(out, "Positions")
    for key in ("Liquidation price", "Bankruptcy price", "Entry", "Mark"):
        col = [c.column for c in positions[4] if c.value == key][0]
        assert _decimals(positions.cell(5, col).number_format) == 7, key
        assert _decimals(positions.cell(6, col).number_format) == 2, key  # BTC: the price's own 2 decimals
    recon = _cells(out, "Reconciliation")
    assert [_decimals(c.number_format) for c in _find(recon, 0.0175067)] == [7]
    summary = _cells(out, "Summary")
    assert [_decimals(c.number_format) for c in _find(summary, 0.0185)] == [7]  # the mark input


def test_a_long_no_price_liquidates_is_not_on_the_ladder_and_reads_none(tmp_path):
    # a 1x linear long has the sentinel liquidation price 0 ("none" on Positions): the ladder listed it at -100%
    # with "0.00" and counted its notional as liquidated (a short with no price, inf, is left out), and the
    # Scenarios table showed its price as "0.00"
    path = tmp_path / "one_x.csv"
    path.write_text("venue,symbol,side,contract,size,entry,mark,leverage\n"
                    "binance,SOLUSDT,long,linear,100,150,139.2,1\n"
                    "binance,BTCUSDT,long,linear,1,60000,61850,10\n")
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    ladder = _cells(out, "Liquidation ladder")
    rows = [ladder.cell(r, 1).value for r in range(6, 12)]
    assert rows[0] == "=Positions!A6" and rows[1] is None  # the 10x long alone (input row 2)
    scenarios = _cells(out, "Scenarios")
    shown = [c for row in scenarios.iter_rows() for c in row if c.value == "=Positions!M5"]
    assert shown and all(c.number_format.endswith('"none"') for c in shown)
