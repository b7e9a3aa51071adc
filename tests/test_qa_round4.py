"""QA round 4: desk files, other venues' ccxt output and batch output the earlier rounds had not seen.

Each test names the input, what levxl did, and what it must do (bad input: a clear one-line error or the row's own
issue; never a silent wrong number)."""

from __future__ import annotations

import json

import openpyxl
import pytest

from levxl.book.positions import load_positions
from test_hostile_corpus import invoke

HEADER = "venue,symbol,side,size,entry,mark,leverage"
BTC = "binance,BTCUSDT,long,2.5,64200,61850,10"
ETH = "binance,ETHUSDT,short,40,3380,3455,20"


# --- duplicate columns: the last one silently won --------------------------------------------------------------

def test_two_size_columns_that_disagree_refuse_the_row_naming_both(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(f"{HEADER},Qty\n{BTC},99\n{ETH},40\n")  # "Qty" is also size
    book = load_positions(path)
    assert book.row == [2] and list(book.size) == [40.0]  # row 2's two sizes agree
    (row, why), = book.issues
    assert row == 1 and "size" in why and "Qty" in why and "99" in why and "2.5" in why


def test_duplicate_columns_in_xlsx_refuse_the_row_too(tmp_path):
    path = tmp_path / "dup.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(HEADER.split(",") + ["size"])
    wb.active.append(BTC.split(",")[:3] + [2.5, 64200, 61850, 10, 99])
    wb.save(path)
    book = load_positions(path)
    assert len(book) == 0 and "size" in book.issues[0][1] and "99" in book.issues[0][1]


def test_a_last_price_column_beside_the_mark_is_not_read_as_the_mark(tmp_path):
    path = tmp_path / "bybit.csv"
    path.write_text("symbol,side,size,entry,Mark Price,Last Price,leverage\nBTCUSDT,long,1,60000,62000,61990,10\n")
    book = load_positions(path)
    assert list(book.mark) == [62000.0] and not book.issues


# --- batch output (--json / --csv) dropped the tier-table warnings the table prints ----------------------------

def test_risk_json_carries_the_flat_rate_and_stale_table_warnings(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f"{HEADER},mmr\n{BTC},0.005\n{BTC},\n")  # a flat rate given; a blank: Binance's stored table
    result = invoke("risk", path, "--json")
    assert result.exit_code == 0, result.output
    flat, blank = (p["warnings"] for p in json.loads(result.stdout)["positions"])
    assert any("flat maintenance rate" in w and "binance:BTCUSDT" in w for w in flat), flat
    assert any("binance:BTCUSDT@2024-10-24 is" in w and "days old" in w for w in blank), blank


# --- desk spreadsheets --------------------------------------------------------------------------------------------

def test_xlsx_positions_after_a_blank_separator_row_are_read(tmp_path):
    path = tmp_path / "desk.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["binance", "BTCUSDT", "long", 2.5, 64200, 61850, 10])
    ws.append([])
    ws.append(["binance", "ETHUSDT", "short", 40, 3380, 3455, 20])
    ws.append([])
    ws.append(["Total", None, None, 42.5, None, None, None])
    wb.save(path)
    book = load_positions(path)
    assert book.symbol == ["BTCUSDT", "ETHUSDT"] and not book.issues


def test_the_template_positions_table_still_ends_at_its_blank_row():
    from levxl.files.bundled import template_path

    book = load_positions(template_path())
    assert len(book) == 8 and not book.issues


def test_csv_with_a_title_above_the_header(tmp_path):
    path = tmp_path / "title.csv"
    path.write_text(f"Desk positions 2026-12-01;;\n\n{HEADER.replace(',', ';')}\n{BTC.replace(',', ';')}\n")
    book = load_positions(path)
    assert len(book) == 1 and book.size[0] == 2.5 and book.row == [1]


def test_an_xlsx_saved_with_a_csv_name_is_read_as_a_workbook(tmp_path):
    path = tmp_path / "positions.csv"
    wb = openpyxl.Workbook()
    wb.active.append(HEADER.split(","))
    wb.active.append(["binance", "BTCUSDT", "long", 2.5, 64200, 61850, 10])
    wb.save(path)
    book = load_positions(path)
    assert len(book) == 1 and book.size[0] == 2.5


def test_utf16_csv_as_excel_unicode_text_saves_it(tmp_path):
    path = tmp_path / "unicode.txt.csv"
    path.write_text(f"{HEADER}\n{BTC}\n".replace(",", "\t"), encoding="utf-16")
    book = load_positions(path)
    assert len(book) == 1 and book.entry[0] == 64200


def test_a_formula_with_no_cached_value_says_so(tmp_path):
    path = tmp_path / "formula.xlsx"
    wb = openpyxl.Workbook()  # openpyxl writes formulas without cached values
    wb.active.append(HEADER.split(","))
    wb.active.append(["binance", "BTCUSDT", "long", "=1+1.5", 64200, 61850, 10])
    wb.save(path)
    book = load_positions(path)
    assert len(book) == 0 and "formula" in book.issues[0][1] and "size" in book.issues[0][1]


# --- ccxt output of venues levxl had not seen --------------------------------------------------------------------

def _ccxt(tmp_path, position):
    path = tmp_path / "positions.json"
    path.write_text(json.dumps([position]))
    return load_positions(path)


# Gate's position says cross with leverage "0" (ccxt gate.parse_position: leverage '0' -> marginMode 'cross')
GATE_CROSS = {"info": {"value": "12.475572", "leverage": "0", "mode": "single", "contract": "BTC_USDT",
                       "entry_price": "62384.4", "mark_price": "62377.86", "size": 2, "maintenance_rate": "0.004",
                       "unrealised_pnl": "-0.001308", "margin": "6.24", "liq_price": "31000",
                       "cross_leverage_limit": "25", "leverage_max": "125"},
              "symbol": "BTC/USDT:USDT", "contracts": 2.0, "contractSize": 0.0001, "side": "long",
              "marginMode": "cross", "leverage": 0.0, "collateral": 6.238692, "entryPrice": 62384.4,
              "markPrice": 62377.86, "notional": 12.475572, "unrealizedPnl": -0.001308, "liquidationPrice": 31000.0,
              "initialMargin": None, "maintenanceMargin": None, "maintenanceMarginPercentage": None}


def test_gate_cross_position_with_leverage_zero_is_kept(tmp_path):
    book = _ccxt(tmp_path, GATE_CROSS)
    assert len(book) == 1 and book.margin_mode == ["cross"] and not book.issues
    assert book.size[0] == pytest.approx(0.0002)


# Deribit: ccxt deribit.parse_position gives contracts = the venue's "size" (USD for inverse futures) and
# safe_position fills contractSize from the market (10 USD for BTC-PERPETUAL); maintenanceMarginPercentage is
# MM / size_currency * 100 (a percent).
DERIBIT = {"info": {"average_price": 59800, "direction": "sell", "estimated_liquidation_price": 120000,
                    "floating_profit_loss": -0.05, "index_price": 61800, "initial_margin": 0.016,
                    "instrument_name": "BTC-PERPETUAL", "leverage": 50, "kind": "future",
                    "maintenance_margin": 0.008, "mark_price": 61850, "size": -100000, "size_currency": -1.6168},
           "symbol": "BTC/USD:BTC", "contracts": -100000.0, "contractSize": 10.0, "side": "short",
           "marginMode": None, "leverage": 50, "entryPrice": 59800.0, "markPrice": 61850.0, "notional": 1.6168,
           "initialMargin": 0.016, "maintenanceMargin": 0.008, "maintenanceMarginPercentage": 0.4948045522018802,
           "liquidationPrice": 120000.0, "unrealizedPnl": -0.05}


def test_deribit_size_is_the_usd_size_not_ten_times_it(tmp_path):
    book = _ccxt(tmp_path, DERIBIT)
    assert book.venue == ["deribit"] and book.contract == ["inverse"]
    assert book.size[0] == 100_000.0  # USD face value, as Deribit reports it
    assert book.mmr[0] == pytest.approx(0.004948045522018802)  # a rate, not the percent
    assert not any("mmr" in w for w in book.warnings[0])


def test_venue_conventions_give_no_price_for_a_position_levxl_cannot_recompute(tmp_path):
    path = tmp_path / "positions.json"
    path.write_text(json.dumps([DERIBIT]))  # margin mode unknown: never computed as isolated
    result = invoke("risk", path)
    assert result.exit_code == 0, result.output
    assert "with the venue's conventions" not in result.output


def test_an_unknown_preset_reads_whole_in_a_cell():
    from levxl.udfs import LEVXL_LIQ_PRICE

    text = str(LEVXL_LIQ_PRICE("long", 64200, 2.5, 10, "binance:BTC-PERP"))
    assert "'binance:BTC-PERP'" in text and "that text" not in text, text  # was "'binance:BTC-PERPthat texts current table"


def test_a_binance_row_without_mmr_uses_the_stored_tier_table(tmp_path):
    from levxl.book.figures import risk_table

    path = tmp_path / "p.csv"
    path.write_text(f"{HEADER}\nbinance,BTCUSDT,long,300,64200,61850,10\n")
    with_table = tmp_path / "t.csv"
    with_table.write_text(f"{HEADER},mmr\nbinance,BTCUSDT,long,300,64200,61850,10,binance:BTCUSDT\n")
    assert risk_table(load_positions(path)).liquidation[0] == pytest.approx(
        risk_table(load_positions(with_table)).liquidation[0])


def test_a_report_named_other_than_xlsx_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "r.csv"
    result = invoke("report", "-o", out)
    assert result.exit_code != 0 and ".xlsx workbook" in result.output and not out.exists()


def test_a_huge_notional_in_a_warning_is_short(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f"{HEADER},mmr\nbinance,BTCUSDT,long,1e300,64200,61850,125,binance:BTCUSDT\n")
    result = invoke("risk", path, "--json")
    warnings = [w for p in json.loads(result.stdout)["positions"] for w in p["warnings"]] if result.exit_code == 0 \
        else [result.output]
    assert all(len(w) < 400 for w in warnings), warnings


def test_batch_records_carry_the_price_with_every_venue_convention():
    result = invoke("risk", "--json")
    rows = {p["row"]: p for p in json.loads(result.stdout)["positions"]}
    okx = rows[5]  # bundled example: OKX SOL-USDT-SWAP, the taker fee inside the threshold, in the book's own price
    # (148.5 - 13,365 / 900) / (1 - 0.65 % (tier 1 of okx:SOLUSDT@2026-05-28) - 0.05 %)
    assert okx["liquidation_price"] == pytest.approx(133.65 / 0.993, rel=1e-12)
    assert okx["liquidation_price_venue_conventions"] == okx["liquidation_price"]  # kept for batch readers
    assert rows[1]["liquidation_price_venue_conventions"] == pytest.approx(rows[1]["liquidation_price"])
