"""Cross accounts: one number per position in every face.

At the entry-basis venues (Bybit, and KuCoin's rule until 2025-05-22: ``kucoin-2025-05-21``) the cross price
measures maintenance at the entry value in the ``levxl risk --json/--csv`` records as in the figures table and the
report: one computation, :func:`levxl.book.figures.liquidation_prices`."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from levxl.book.accounts import levxl_liquidation, load_book, with_accounts
from levxl.book.figures import risk_table
from levxl.book.positions import book_from_records
from levxl.book.reconcile import risk_records
from levxl.cli import main
from levxl.workbooks.report import build_report, plan_layout


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


# -- entry-basis venues: one number per position -------------------------------------------------------------------
ENTRY_BASIS = """venue,account,symbol,side,size,entry,mark,leverage,margin_mode,wallet,mmr,vol
kucoin-2025-05-21,C,XBTUSDTM,short,0.5,60000,61000,20,cross,2000,0.004,0.5
bybit,D,BTCUSDT,long,1,60000,59000,20,cross,8000,0.005,0.5
"""
# maintenance on the entry value (the profiles' mm_basis; Bybit's cross formula, help 360039261334, divides the
# quantity by the average entry price): LP = EP - s*(M - q*EP*mmr)/q
KUCOIN_LP = 60000 + (2000 - 0.5 * 60000 * 0.004) / 0.5  # 63,760 (at the liquidation price: 63,745.02)
BYBIT_LP = 60000 - (8000 - 1 * 60000 * 0.005) / 1  # 52,300 (at the liquidation price: 52,261.31)


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
