"""Round-6 reader findings: a unit word on a size cell is checked against the position, never just stripped."""
import pytest

from levxl.book.positions import load_positions

HEAD = "Venue,Symbol,Contract,Side,Size,Entry Price,Mark Price,Leverage\n"


def _book(tmp_path, rows):
    path = tmp_path / "desk.csv"
    path.write_text(HEAD + "".join(f"{r}\n" for r in rows))
    return load_positions(path)


def test_a_size_in_the_symbols_own_coin_is_read(tmp_path):
    book = _book(tmp_path, ['binance,BTCUSDT,linear,long,"1.5 BTC",60000,60000,10',
                            'binance,ETH/USDT:USDT,linear,short,-2.5 eth,3000,3000,10',
                            'bitmex,XBTUSD,inverse,long,"10,000 USD",60000,60000,10',
                            'bitmex,XBTUSDT,linear,long,0.1 XBT,60000,60000,10'])
    assert not book.issues
    assert [float(s) for s in book.size] == [1.5, 2.5, 10000.0, 0.1]


@pytest.mark.parametrize("row, why", [
    ('binance,BTCUSDT,linear,long,"30,500 USDT",61000,61000,10', "is a notional in USDT, not a size in BTC"),
    ("okx,BTC-USDT-SWAP,linear,long,50 Cont,60000,60000,10", "counts contracts, not coin"),
    ("binance,BTCUSDT,linear,long,500 lots,60000,60000,10", "counts contracts, not coin"),
    ("binance,ETHUSDT,linear,short,-2.5 BTC,3000,3000,10", "is in BTC but ETHUSDT's size is in ETH"),
    ("binance,BTCUSD_PERP,inverse,long,0.5 BTC,60000,60000,10", "an inverse size is USD face value"),
])
def test_a_size_in_another_unit_is_refused_on_its_row(tmp_path, row, why):
    book = _book(tmp_path, ["binance,BTCUSDT,linear,long,1 BTC,60000,60000,10", row])
    assert len(book) == 1 and [r for r, _ in book.issues] == [2]
    reason = book.issues[0][1]
    assert why in reason and "\n" not in reason and "size" in reason
    if "notional" in why:  # the entry is there, yet 30,500 / 61,000 = 0.5 BTC is not assumed
        assert "give the size in BTC" in reason and "does not divide a notional by the entry" in reason
    if "contracts" in why:
        assert "give the size in coin (linear) or USD face value (inverse)" in reason


def _xlsx(tmp_path, rows):
    """A European desk's sheet (openpyxl) whose numbers were pasted as text: "2,5", "3.012,5"."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Positions"
    ws.append(["Venue", "Symbol", "Side", "Size", "Entry Price", "Mark Price", "Leverage"])
    for row in rows:
        ws.append(row)
    path = tmp_path / "desk.xlsx"
    wb.save(path)
    return path


def test_xlsx_text_numbers_get_the_sheets_decimal_style(tmp_path):
    """A sheet with decimal commas ("2,5", "3.012,5"): its "3,012" is ambiguous there (3.012 or 3012?) and is
    refused on its row, as in a CSV; before, each text cell was read on its own and "3,012" became 3012."""
    path = _xlsx(tmp_path, [["binance", "ETHUSDT", "long", "2,5", "3.012,5", "3.012,5", 10],
                            ["binance", "ETHUSDT", "long", 1, "3,012", 3012, 10]])
    book = load_positions(path)
    assert [float(e) for e in book.entry] == [3012.5]
    assert [r for r, _ in book.issues] == [2] and "ambiguous in a file with decimal commas" in book.issues[0][1]


def test_an_xlsx_mixing_decimal_commas_and_points_in_text_is_refused(tmp_path):
    path = _xlsx(tmp_path, [["binance", "ETHUSDT", "long", "2,5", "3.012,5", "3.012,5", 10],
                            ["binance", "BTCUSDT", "long", 1, "61,234.5", "61,234.5", 10]])
    with pytest.raises(ValueError, match="desk.xlsx: the sheet mixes decimal commas"):
        load_positions(path)


DESK = "Symbol,Side,Size,Entry Price,Mark Price,Leverage,Margin,Margin (USDT),Unrealized PnL (USDT),Unrealized PnL (%)"


def test_columns_of_one_field_compare_what_they_mean(tmp_path):
    """A Binance-style desk sheet: uPnL in USDT beside uPnL in % are two quantities, and 1000 beside
    "1,000.00" under two margin headers is one value written twice: neither refuses the row."""
    path = tmp_path / "desk.csv"
    path.write_text(f'venue,{DESK}\nbinance,BTCUSDT,long,0.5,60000,61000,10,1000,"1,000.00",500,16.67\n')
    book = load_positions(path)
    assert not book.issues and [float(m) for m in book.margin] == [1000.0]


def test_two_funding_rate_columns_that_disagree_are_refused(tmp_path):
    """"Funding Rate" (per the venue's interval) beside "Funding rate / 8h": which is the row's rate is a guess;
    equal values are one rate."""
    path = tmp_path / "desk.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage,Funding Rate,Funding rate / 8h\n"
                    "binance,BTCUSDT,long,1,60000,60000,10,0.0001,0.0003\n"
                    "binance,BTCUSDT,long,1,60000,60000,10,0.0001,0.0001\n")
    book = load_positions(path)
    assert [r for r, _ in book.issues] == [1]
    assert "two columns give funding_rate and disagree" in book.issues[0][1]
    assert [float(r) for r in book.funding_rate] == [0.0001] and [float(h) for h in book.funding_hours] == [8.0]
