"""A blank contract is read from the symbol's form where the form says it, never silently linear.

QA: an OKX row ``okx,o1,BTC-USD-SWAP,long,20000,60000,61000,cross`` with no contract column (BTC-USD-SWAP is
OKX's coin-margined swap, 20,000 USD of face) was a linear position of 20,000 BTC: a notional of 1.2 billion USD
and a uPnL of 20,000,000, with no warning. The symbol's form says inverse (ccxt ``BTC/USD:BTC``, OKX
``BTC-USD-SWAP``, Binance ``BTCUSD_PERP``, Deribit ``BTC-PERPETUAL``...): a blank contract now takes it, with a row
warning, and a contract that contradicts the form refuses the row.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from levxl.book.cells import asset_of, symbol_contract
from levxl.book.figures import liquidation_prices
from levxl.book.positions import book_from_records, load_positions
from levxl.cli import main

#: (venue, symbol): forms a venue uses only for its coin-margined (inverse) contracts
INVERSE_FORMS = [("okx", "BTC-USD-SWAP"), ("okx", "ETH-USD-241227"), ("binance", "BTCUSD_PERP"),
                 ("binance", "ETHUSD_250328"), ("deribit", "BTC-PERPETUAL"), ("deribit", "ETH-27DEC24"),
                 ("bybit", "BTCUSD"), ("bybit", "BTCUSDH25"), ("bitmex", "XBTUSD"), ("kraken", "PI_XBTUSD"),
                 ("kraken", "FI_ETHUSD_241227"), ("binance", "BTC/USD:BTC"), ("okx", "ETH/USD:ETH-241227"),
                 ("", "BTC-USD-SWAP"), ("", "BTCUSD_PERP"), ("", "BTC-PERPETUAL"), ("", "BTC/USD:BTC"),
                 ("gate", "BTC_USD"), ("kucoin", "XBTUSDM"), ("bitget", "BTCUSD"), ("bitget", "BTCUSD_DMCBL")]
#: forms that are linear on every venue
LINEAR_FORMS = [("binance", "BTCUSDT"), ("okx", "BTC-USDT-SWAP"), ("binance", "BTC/USDT:USDT"),
                ("binance", "BTCUSDC"), ("bybit", "BTCUSDT"), ("deribit", "BTC_USDC-PERPETUAL"),
                ("kucoin", "XBTUSDTM"), ("kraken", "PF_XBTUSD"), ("okx", "BTC-USDC-SWAP"),
                ("binance", "BTCUSDT_250328"),
                ("hyperliquid", "BTC/USDC:USDC"), ("bitmex", "XBTUSDT"), ("bitget", "BTCUSDT_UMCBL")]
#: forms that say nothing (or another venue's contract): read as linear as before, no warning
AMBIGUOUS_FORMS = [("", "BTCUSD"), ("binance", "BTCUSD"), ("hyperliquid", "BTC"), ("dydx", "BTC-USD"),
                   ("bitmex", "ETHUSD"), ("bybit", "BTC-27DEC24"), ("", "BTC-27DEC24"), ("", "XBTUSD"),
                   ("", "BTC_USD"), ("", "BTC/USDT"), ("bybit", "BTCPERP")]

HEADER = "venue,account,symbol,side,contract,size,entry,mark,leverage\n"


def _load(tmp_path, text, name="pos.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_positions(path)


def _risk_json(path):
    result = CliRunner().invoke(main, ["risk", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("venue, symbol", INVERSE_FORMS)
def test_a_blank_contract_on_an_inverse_form_is_inverse_with_a_warning(tmp_path, venue, symbol):
    book = _load(tmp_path, HEADER + f"{venue},a,{symbol},long,,20000,60000,61000,10\n")
    assert not book.issues and book.contract == ["inverse"]
    assert any(w.startswith(f"contract blank: {symbol} is a coin-margined (inverse) contract by its symbol")
               and "read as inverse" in w for w in book.warnings[0]), book.warnings


@pytest.mark.parametrize("venue, symbol", INVERSE_FORMS)
def test_the_inferred_row_computes_as_the_row_that_says_inverse(tmp_path, venue, symbol):
    blank, given = tmp_path / "blank.csv", tmp_path / "given.csv"
    rows = [("long", "20000,60000,61000,10,"), ("short", "5000,62000,61000,,0.01")]  # on leverage, on coin margin
    for path, contract in ((blank, ""), (given, "inverse")):
        path.write_text(HEADER.replace("leverage", "leverage,margin") + "".join(
            f"{venue},a,{symbol},{side},{contract},{cells}\n" for side, cells in rows), encoding="utf-8")
    a, b = _risk_json(blank), _risk_json(given)
    for row in a["positions"]:
        row["warnings"] = [w for w in row["warnings"] if not w.startswith("contract blank:")]
    assert a["positions"] == b["positions"]
    assert a["positions"][0]["contract"] == "inverse" and a["positions"][0]["liquidation_price"] is not None


def test_no_contract_column_at_all_reads_the_okx_coin_margined_swap_as_inverse(tmp_path):
    # the QA row: 20,000 USD of face on BTC-USD-SWAP was a linear 20,000 BTC (uPnL 20,000,000)
    book = _load(tmp_path, "venue,account,symbol,side,size,entry,mark,margin_mode,wallet\n"
                           "okx,o1,BTC-USD-SWAP,long,20000,60000,61000,cross,0.05\n")
    assert not book.issues and book.contract == ["inverse"] and list(book.size) == [20000.0]
    assert "read as inverse" in book.warnings[0][0]


def test_levxl_risk_on_the_okx_example_shows_coin_amounts_and_the_warning(tmp_path):
    path = tmp_path / "okx.csv"
    path.write_text("venue,account,symbol,side,size,entry,mark,margin_mode,wallet\n"
                    "okx,o1,BTC-USD-SWAP,long,20000,60000,61000,cross,0.05\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["risk", str(path)])
    assert result.exit_code == 0, result.output
    assert "20,000,000" not in result.stdout  # the linear reading's uPnL
    row = next(line for line in result.stdout.splitlines() if line.lstrip().startswith("1 "))
    assert " inv " in row and "0.00546448" in row  # uPnL 20000 x (1/60000 - 1/61000) BTC
    assert ("row 1 warning: contract blank: BTC-USD-SWAP is a coin-margined (inverse) contract by its symbol"
            in result.stderr)
    record = _risk_json(path)["positions"][0]
    assert record["contract"] == "inverse" and record["liquidation_price"] is not None
    # the cross wallet is the account's BTC one: an accounts file's BTC wallet is found for the row
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("venue,account,currency,wallet\nokx,o1,BTC,0.05\n", encoding="utf-8")
    path.write_text("venue,account,symbol,side,size,entry,mark,margin_mode\n"
                    "okx,o1,BTC-USD-SWAP,long,20000,60000,61000,cross\n", encoding="utf-8")
    with_file = CliRunner().invoke(main, ["risk", str(path), "--accounts", str(accounts), "--json"])
    assert with_file.exit_code == 0, with_file.output
    assert json.loads(with_file.stdout)["positions"][0]["liquidation_price"] == record["liquidation_price"]


@pytest.mark.parametrize("venue, symbol", LINEAR_FORMS + AMBIGUOUS_FORMS)
def test_linear_and_ambiguous_forms_stay_linear_without_a_warning(tmp_path, venue, symbol):
    book = _load(tmp_path, HEADER + f"{venue},a,{symbol},long,,2,60000,61000,10\n")
    assert not book.issues and book.contract == ["linear"]
    assert not any("contract" in w for w in book.warnings[0]), book.warnings


@pytest.mark.parametrize("venue, symbol, contract", [("okx", "BTC-USD-SWAP", "linear"),
                                                     ("binance", "BTCUSD_PERP", "linear"),
                                                     ("bybit", "BTCUSD", "Linear"),
                                                     ("binance", "BTCUSDT", "inverse"),
                                                     ("okx", "BTC/USDT:USDT", "inverse")])
def test_a_contract_that_contradicts_the_symbol_refuses_the_row(tmp_path, venue, symbol, contract):
    book = _load(tmp_path, HEADER + f"{venue},a,{symbol},long,{contract},2,60000,61000,10\n"
                                    "binance,a,ETHUSDT,long,linear,2,3000,3100,10\n")
    assert book.symbol == ["ETHUSDT"] and [r for r, _ in book.issues] == [1]
    reason = book.issues[0][1]
    other = "linear" if contract.lower() == "inverse" else "inverse"
    assert "\n" not in reason and symbol in reason and f"contract {contract!r}" in reason
    assert f"the contract column reads {contract.lower()}" in reason and f"reads {other}" in reason


def test_the_contradiction_is_listed_with_its_row_by_levxl_risk(tmp_path):
    path = tmp_path / "pos.csv"
    path.write_text(HEADER + "binance,a,ETHUSDT,long,linear,2,3000,3100,10\n"
                             "okx,a,BTC-USD-SWAP,long,linear,2,60000,61000,10\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["risk", str(path)])
    assert result.exit_code == 0, result.output
    assert "row 2 skipped: contract 'linear' contradicts the symbol BTC-USD-SWAP" in result.stderr


def test_an_xlsx_without_a_contract_column_reads_the_symbol(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["venue", "symbol", "side", "size", "entry", "mark", "leverage"])
    ws.append(["binance", "BTCUSD_PERP", "long", 20000, 60000, 61000, 10])
    ws.append(["binance", "BTCUSDT", "long", 2, 60000, 61000, 10])
    path = tmp_path / "pos.xlsx"
    wb.save(path)
    book = load_positions(path)
    assert not book.issues and book.contract == ["inverse", "linear"]
    assert "read as inverse" in book.warnings[0][0] and not any("contract" in w for w in book.warnings[1])


def test_a_binance_position_amt_on_a_coin_m_symbol_counts_contracts_of_its_face(tmp_path):
    # as with contract=inverse given (test_binance_coin_m_contracts): 50 contracts of 100 USD, not 50 BTC
    book = _load(tmp_path, "venue,symbol,side,positionAmt,entry,mark,leverage\n"
                           "binance,BTCUSD_PERP,long,50,60000,62000,10\n"
                           "binance,ETHUSD_PERP,short,-30,3000,3100,5\n")
    assert not book.issues and book.contract == ["inverse", "inverse"] and list(book.size) == [5_000.0, 300.0]


def test_a_refused_row_on_an_inverse_form_counts_against_the_coin_account(tmp_path):
    book = _load(tmp_path, "venue,account,symbol,side,size,entry,mark,margin_mode\n"
                           "okx,o1,BTC-USD-SWAP,long,abc,60000,61000,cross\n")
    assert book.refused[1].inverse


def test_an_option_row_keeps_its_settlement_column():
    # an option's contract is its settlement: the perpetual forms' rule does not touch it
    assert symbol_contract("BTC-27DEC24-70000-C", "deribit") == ("", "")
    assert symbol_contract("BTC/USD:BTC-241227-60000-C") == ("", "")


def test_asset_of_reads_bybit_quarterlies():
    assert [asset_of(s) for s in ("BTCUSDH25", "ETHUSDZ24", "BTCUSD_PERP", "PI_XBTUSD")] == ["BTC", "ETH", "BTC",
                                                                                            "BTC"]


# -- generated symbol forms -------------------------------------------------------------------------------------
COINS = st.sampled_from(["BTC", "ETH", "SOL", "XRP", "DOGE", "LTC", "ADA", "DOT", "LINK", "AVAX", "1000PEPE"])
YYMMDD = st.dates().map(lambda d: d.strftime("%y%m%d"))
DDMMMYY = st.dates().map(lambda d: f"{d.day}{d.strftime('%b').upper()}{d.strftime('%y')}")
MONTH = st.sampled_from("FGHJKMNQUVXZ").flatmap(lambda m: st.integers(20, 35).map(lambda y: f"{m}{y}"))


@st.composite
def inverse_symbols(draw):
    coin = draw(COINS)
    venue, symbol = draw(st.sampled_from([
        ("okx", f"{coin}-USD-SWAP"), ("okx", f"{coin}-USD-{draw(YYMMDD)}"), ("binance", f"{coin}USD_PERP"),
        ("binance", f"{coin}USD_{draw(YYMMDD)}"), ("deribit", f"{coin}-PERPETUAL"),
        ("deribit", f"{coin}-{draw(DDMMMYY)}"), ("bybit", f"{coin}USD"), ("bybit", f"{coin}USD{draw(MONTH)}"),
        ("kraken", f"PI_{coin}USD"), ("", f"{coin}/USD:{coin}"), ("", f"{coin}/USD:{coin}-{draw(YYMMDD)}")]))
    return venue, symbol, coin


@st.composite
def linear_symbols(draw):
    coin, quote = draw(COINS), draw(st.sampled_from(["USDT", "USDC"]))
    venue = draw(st.sampled_from(["", "binance", "bybit", "okx", "deribit", "bitmex", "kucoin", "gate", "bitget"]))
    symbol = draw(st.sampled_from([f"{coin}{quote}", f"{coin}-{quote}-SWAP", f"{coin}/{quote}:{quote}",
                                   f"{coin}_{quote}-PERPETUAL", f"{coin}{quote}_{draw(YYMMDD)}", f"PF_{coin}USD"]))
    return venue, symbol, coin


def _coin(name):
    return name.removeprefix("1000")


@settings(max_examples=200, deadline=None)
@given(inverse_symbols())
def test_every_generated_inverse_form_is_inverse_and_names_its_coin(case):
    venue, symbol, coin = case
    assert symbol_contract(symbol, venue)[0] == "inverse", symbol
    assert asset_of(symbol) == _coin(coin)


@settings(max_examples=200, deadline=None)
@given(linear_symbols())
def test_every_generated_linear_form_is_linear_and_names_its_coin(case):
    venue, symbol, coin = case
    assert symbol_contract(symbol, venue)[0] == "linear", symbol
    assert asset_of(symbol) == _coin(coin)


@settings(max_examples=100, deadline=None)
@given(inverse_symbols(), st.sampled_from(["long", "short"]), st.floats(100, 1e7), st.floats(1.5, 100),
       st.floats(0.8, 1.25))
def test_a_generated_inverse_row_computes_as_the_row_that_says_inverse(case, side, size, leverage, move):
    venue, symbol, _ = case
    row = {"venue": venue, "symbol": symbol, "side": side, "size": size, "entry": 60000.0, "mark": 60000.0 * move,
           "leverage": leverage}
    blank, given = book_from_records([row]), book_from_records([{**row, "contract": "inverse"}])
    assert not blank.issues and blank.contract == given.contract == ["inverse"]
    assert list(blank.size) == list(given.size) and [str(m) for m in blank.mmr] == [str(m) for m in given.mmr]
    np.testing.assert_array_equal(liquidation_prices(blank), liquidation_prices(given))
    assert len(blank.warnings[0]) == len(given.warnings[0]) + 1


@settings(max_examples=100, deadline=None)
@given(linear_symbols(), st.sampled_from(["long", "short"]), st.floats(0.01, 100), st.floats(1.5, 100))
def test_a_generated_linear_row_is_the_row_that_says_linear_with_no_warning_more(case, side, size, leverage):
    venue, symbol, _ = case
    row = {"venue": venue, "symbol": symbol, "side": side, "size": size, "entry": 60000.0, "mark": 61000.0,
           "leverage": leverage}
    blank, given = book_from_records([row]), book_from_records([{**row, "contract": "linear"}])
    assert not blank.issues and blank.contract == given.contract == ["linear"]
    assert blank.warnings == given.warnings
    np.testing.assert_array_equal(liquidation_prices(blank), liquidation_prices(given))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.sampled_from(["", "okx", "bybit", "deribit", "bitmex", "nowhere", " "]))
def test_any_text_as_a_symbol_gives_a_reading_or_none_never_an_error(symbol, venue):
    kind, form = symbol_contract(symbol, venue)
    assert kind in ("", "linear", "inverse") and bool(kind) == bool(form)


# -- ccxt positions whose symbol is the venue's id (ccxt run without markets: no settle currency) ----------------
def _ccxt(symbol, info, **extra):
    return {"symbol": symbol, "contracts": 50, "contractSize": 100, "side": "long", "entryPrice": 60000,
            "markPrice": 62000, "leverage": 10, "marginMode": "isolated", "info": info, **extra}


BINANCE_INFO = {"symbol": "BTCUSD_PERP", "positionAmt": "50", "entryPrice": "60000", "markPrice": "62000",
                "leverage": "10", "marginType": "isolated", "isolatedWallet": "0.0083"}
OKX_INFO = {"instId": "BTC-USD-SWAP", "mgnMode": "isolated", "margin": "0.0083", "avgPx": "60000"}


@pytest.mark.parametrize("symbol, info", [("BTCUSD_PERP", BINANCE_INFO), ("BTC-USD-SWAP", OKX_INFO)])
def test_a_ccxt_venue_form_symbol_is_read_by_its_form(tmp_path, symbol, info):
    path = tmp_path / "positions.json"
    path.write_text(json.dumps([_ccxt(symbol, info), _ccxt("BTC/USD:BTC", info)]), encoding="utf-8")
    book = load_positions(path)
    assert not book.issues and book.contract == ["inverse", "inverse"]
    assert list(book.size) == [5000.0, 5000.0]  # 50 contracts of 100 USD, not 5,000 BTC
    assert any(w.startswith(f"no settle currency in the ccxt symbol: {symbol} is a coin-margined (inverse)")
               for w in book.warnings[0]), book.warnings
    assert not any("coin-margined" in w for w in book.warnings[1])  # BTC/USD:BTC says so itself
    assert book.margin[0] == book.margin[1]


def test_a_ccxt_linear_venue_form_symbol_stays_linear_without_a_warning(tmp_path):
    info = dict(BINANCE_INFO, symbol="BTCUSDT", positionAmt="0.5")
    path = tmp_path / "positions.json"
    path.write_text(json.dumps([_ccxt("BTCUSDT", info, contracts=0.5, contractSize=1)]), encoding="utf-8")
    book = load_positions(path)
    assert not book.issues and book.contract == ["linear"] and list(book.size) == [0.5]
    assert not any("coin-margined" in w for w in book.warnings[0])


def test_the_report_names_an_inverse_rows_coin_as_its_account_does(tmp_path):
    # the report's own parse made PI_XBTUSD's margin currency "PIXBT" and XBTUSD's "XBT" (the account: BTC)
    path = tmp_path / "pos.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage,vol\n"
                    "kraken,PI_XBTUSD,long,20000,60000,61000,10,0.5\n"
                    "okx,BTC-USD-SWAP,long,20000,60000,61000,10,0.5\n"
                    "bitmex,XBTUSD,short,20000,60000,61000,10,0.5\n"
                    "binance,BTCUSDT,long,1,60000,61000,10,0.5\n", encoding="utf-8")
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    import openpyxl
    ws = openpyxl.load_workbook(out)["Positions"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(k for k, r in enumerate(rows) if r and r[0] == "Input row")
    ccy = rows[header].index("Margin ccy")
    contract = rows[header].index("Contract")
    assert [(r[contract], r[ccy]) for r in rows[header + 1:header + 5]] == [
        ("inverse", "BTC"), ("inverse", "BTC"), ("inverse", "BTC"), ("linear", "USD")]
