"""Binance COIN-M ``positionAmt`` counts contracts of 100 USD (BTC) or 10 USD (every other coin), not USD: read
from a desk file, or from ccxt output whose ``contractSize`` did not come from the market (a position parsed
without markets loaded has none, or a made-up one), it must not be taken as the USD face."""

import json

import pytest

from levxl.book.positions import load_positions

HEADER = "venue,symbol,contract,side,positionAmt,entry,mark,leverage\n"


def _book(tmp_path, rows, name="p.csv"):
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return load_positions(path)


def test_positionamt_on_a_coin_m_row_is_contracts_times_their_usd_face(tmp_path):
    book = _book(tmp_path, "binance,BTCUSD_PERP,inverse,long,50,60000,62000,10\n"
                           "Binance COIN-M,ETHUSD_PERP,inverse,short,-30,3000,3100,5\n")
    assert not book.issues
    assert list(book.size) == [5_000.0, 300.0]  # 50 x 100 USD, 30 x 10 USD


def test_positionamt_on_a_usd_m_row_is_the_coin(tmp_path):
    book = _book(tmp_path, "binance,BTCUSDT,linear,long,0.5,60000,62000,10\n")
    assert list(book.size) == [0.5]


def test_positionamt_on_an_inverse_row_of_another_venue_is_refused(tmp_path):
    book = _book(tmp_path, "okx,BTC-USD-SWAP,inverse,long,50,60000,62000,10\n")
    assert len(book) == 0 and "positionAmt" in book.issues[0][1] and "USD face" in book.issues[0][1]


def _ccxt_position(contract_size):
    return {"symbol": "BTC/USD:BTC", "contracts": 50, "contractSize": contract_size, "side": "long",
            "entryPrice": 60000, "markPrice": 62000, "leverage": 10, "marginMode": "isolated",
            "info": {"symbol": "BTCUSD_PERP", "positionAmt": "50", "entryPrice": "60000", "markPrice": "62000",
                     "leverage": "10", "marginType": "isolated", "isolatedMargin": "0.00083"}}


@pytest.mark.parametrize("contract_size", [None, 2.73e-08, 1])
def test_ccxt_coin_m_without_the_markets_contract_size_is_refused(tmp_path, contract_size):
    path = tmp_path / "positions.json"
    path.write_text(json.dumps([_ccxt_position(contract_size)]), encoding="utf-8")
    book = load_positions(path)
    assert len(book) == 0 and "100 USD a contract" in book.issues[0][1]


def test_ccxt_coin_m_with_the_markets_contract_size_is_the_usd_face(tmp_path):
    path = tmp_path / "positions.json"
    path.write_text(json.dumps([_ccxt_position(100)]), encoding="utf-8")
    book = load_positions(path)
    assert not book.issues and list(book.size) == [5_000.0]
