"""Reading a book of positions: CSV, a levxl positions sheet (xlsx) and ccxt's fetch_positions JSON."""

import json

import numpy as np
import openpyxl
import pytest

import levxl as lx

from levxl.book.positions import load_positions
from levxl.engine.tiers import TierTable
from levxl.workbooks.report import build_report
from levxl.book.figures import risk_table
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbook" / "examples" / "positions.csv"

CCXT_POSITIONS = [  # ccxt unified Position structures, as fetch_positions returns them
    {"info": {}, "id": None, "symbol": "BTC/USDT:USDT", "timestamp": 1732400000000, "isolated": True,
     "hedged": False, "side": "long", "contracts": 2.5, "contractSize": 1.0, "entryPrice": 64200.0,
     "markPrice": 61850.0, "notional": 154625.0, "leverage": 10, "collateral": 16050.0, "initialMargin": 16050.0,
     "maintenanceMargin": 723.1, "initialMarginPercentage": 0.1, "maintenanceMarginPercentage": 0.005,
     "unrealizedPnl": -5875.0, "liquidationPrice": None, "marginMode": "isolated", "percentage": -36.6},
    {"info": {}, "symbol": "BTC/USD:BTC", "side": "short", "contracts": 1000, "contractSize": 100.0,
     "entryPrice": 59800.0, "markPrice": 61850.0, "leverage": 5, "collateral": None, "marginMode": "cross",
     "maintenanceMarginPercentage": 0.005},
    {"info": {}, "symbol": "ETH/USDT:USDT", "side": None, "contracts": 3, "entryPrice": 3000.0, "leverage": 5},
]


def test_ccxt_fetch_positions_json(tmp_path):
    path = tmp_path / "positions.json"
    path.write_text(json.dumps(CCXT_POSITIONS))
    book = load_positions(path)
    assert len(book) == 2 and [r for r, _ in book.issues] == [3]
    assert book.contract == ["linear", "inverse"]  # BTC/USD:BTC settles in BTC: inverse, size in USD face
    np.testing.assert_allclose(book.size, [2.5, 100_000.0])
    # ccxt's collateral includes unrealised PnL (here -5875): the isolated margin is collateral - uPnL
    np.testing.assert_allclose(book.margin[0], 16050.0 + 5875.0)
    assert book.margin_mode == ["isolated", "cross"]
    assert np.isnan(book.margin[1])  # cross: no isolated margin
    table = risk_table(book)
    # ccxt gives the position's maintenance rate, not its tier's amount: the book uses it as a flat rate
    np.testing.assert_allclose(table.liquidation[0], lx.liquidation_price("long", 64200, 2.5, mmr=0.005,
                                                                          margin=21925.0))
    assert np.isnan(table.liquidation[1])  # cross without the account's wallet: never computed as isolated
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-11-24T00:00:00Z")
    assert out.exists()


def test_a_levxl_positions_sheet_reads_like_the_csv():
    # the template's Positions sheet: header names with units ("mmr / tier", "vol (ann.)"), totals below a blank row
    sheet = load_positions(ROOT / "workbook" / "levxl_template.xlsm")
    csv = load_positions(EXAMPLE)
    assert sheet.issues == [] and len(sheet) == len(csv)
    # a blank mmr cell in the CSV is the venue's table; the sheet spells it out as that table's preset, since a
    # LEVXL_ function on the sheet has no symbol to find it by
    spelt = [f"{m.venue}:{m.symbol}" if isinstance(m, TierTable) else m for m in csv.mmr]
    assert sheet.mmr == spelt and sheet.symbol == csv.symbol
    assert any(isinstance(m, TierTable) for m in csv.mmr)
    np.testing.assert_allclose(risk_table(sheet).liquidation, risk_table(csv).liquidation)


def test_a_plain_xlsx_table(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Side", "Size", "Entry", "Leverage", "MMR"])
    ws.append(["long", 1, 100, 10, 0.01])
    ws.append(["short", "lots", 100, 10, 0.01])
    wb.save(tmp_path / "p.xlsx")
    book = load_positions(tmp_path / "p.xlsx")
    assert len(book) == 1 and book.issues == [(2, "size must be a number, got 'lots'")]


def test_hostile_or_unreadable_files_are_refused_with_a_message(tmp_path):
    renamed = tmp_path / "notes.xlsx"
    renamed.write_text("not a workbook")
    with pytest.raises(ValueError, match="not an .xlsx/.xlsm workbook"):
        load_positions(renamed)
    with pytest.raises(ValueError, match="not valid JSON"):
        (tmp_path / "p.json").write_text("{nope")
        load_positions(tmp_path / "p.json")
    with pytest.raises(ValueError, match="cannot read"):
        load_positions(tmp_path / "missing.csv")
