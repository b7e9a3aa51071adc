"""A positions row that gives its tick gets the prices the venue shows: the venue's rounding per price kind and side
(KuCoin: a long's liquidation price up, its bankruptcy price down) and display offset (OKX inverse: one tick above
the formula), in the figures, `levxl risk` and the report's formulas alike."""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from levxl.book.accounts import levxl_liquidation
from levxl.book.cells import canonical_column
from levxl.book.figures import risk_table
from levxl.book.positions import load_positions
from levxl.cli import main
from levxl.engine.conventions import liquidation_price_at_venue, price_on_tick, round_price, tick_rule
from levxl.engine.reference import engine as ref
from levxl.engine.venues import profile_for
from levxl.testing import libreoffice

needs_lo = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")

# KuCoin Futures "Get Position Details" example (docs/venue-conventions.md section 1): ETHUSDTM long, 2 lots of
# 0.01 ETH at 4,189.35, posInit 3.35148, posMargin 3.40376309, posMaint 0.50707892 (of posCost 83.787), tick 0.05;
# the venue shows bankruptcy 4,021.75 and liquidation 4,044.55. posMaint / posCost is the rate of its MM, fixed on
# the entry value: the example predates KuCoin's rule of 2025-05-22, so its rows name the rule of their time.
KUCOIN_MMR = 0.50707892 / 83.787
BOOK = f"""venue,symbol,side,contract,size,entry,mark,margin,mmr,tick,vol
kucoin-2025-05-21,ETHUSDTM,long,linear,0.02,4189.35,4189.35,3.35148,0.005,0.05,0.7
kucoin-2025-05-21,ETHUSDTM,long,linear,0.02,4189.35,4189.35,3.40376309,{KUCOIN_MMR!r},0.05,0.7
kucoin-2025-05-21,ETHUSDTM,short,linear,0.02,4189.35,4189.35,3.40376309,0.005,0.05,0.7
okx,BTC-USD-SWAP,long,inverse,10000,63000,61850,0.03,0.005,0.1,0.5
okx,BTC-USD-SWAP,short,inverse,10000,63000,61850,0.03,0.005,0.1,0.5
okx,BTC-USD-SWAP,long,inverse,10000,63000,61850,0.03,0.005,,0.5
nowhere,X,short,linear,1,100,100,10,0.01,0.01,0.5
"""


@pytest.fixture()
def book_csv(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(BOOK)
    return path


def test_kucoin_rows_show_the_venues_prices(book_csv):
    t = risk_table(load_positions(book_csv))
    assert t.bankruptcy[0] == 4021.75 and t.bankruptcy_unrounded[0] == pytest.approx(4021.776)  # down
    assert t.liquidation[1] == 4044.55 and t.liquidation_unrounded[1] == pytest.approx(4044.5158, abs=1e-4)  # up
    # the figures measure from the price shown
    assert t.distance[1] == pytest.approx(1 - 4044.55 / 4189.35, rel=1e-12)


def test_okx_inverse_is_one_tick_above_and_untick_rows_are_unrounded(book_csv):
    book = load_positions(book_csv)
    t = risk_table(book)
    raw = float(t.liquidation_unrounded[3])
    assert t.liquidation[3] == float(round_price(raw + 0.1, 1, 0.1, "liquidation", "okx-futures"))
    engine = float(liquidation_price_at_venue("long", 63000, 10000, mmr=0.005, margin=0.03, contract="inverse",
                                              venue="okx", tick=0.1))
    assert t.liquidation[3] == engine  # the book and the spreadsheet function's venue path agree
    assert t.liquidation[5] == raw and not float(raw * 10).is_integer()  # no tick given: the formula's price
    assert t.liquidation[6] == 108.91  # an unknown venue rounds toward the entry (a short down)
    np.testing.assert_array_equal(levxl_liquidation(book).price, t.liquidation)


def test_risk_says_how_each_price_was_put_on_its_tick(book_csv):
    out = CliRunner().invoke(main, ["risk", str(book_csv), "--json"])
    assert out.exit_code == 0, out.output
    records = json.loads(out.stdout)["positions"]
    assert records[1]["liquidation_price"] == 4044.55 and records[1]["tick"] == 0.05 and records[5]["tick"] is None
    assert records[1]["venue_conventions"] == "MM on the entry value, on the tick 0.05 rounded up"
    assert "on the tick 0.1 rounded nearest after +1 tick as the venue shows it" in records[3]["venue_conventions"]
    assert records[5]["venue_conventions"] == "taker 0.05% inside the threshold"
    assert "on the tick 0.05 the venue's way" in records[1]["reconciliation"]


@pytest.mark.parametrize("header", ["tick", "Tick Size", "tickSz", "price_tick", "priceIncrement", "tick_size"])
def test_tick_headers(header):
    assert canonical_column(header) == "tick"


@pytest.mark.parametrize("tick", ["0", "-0.05", "5000", "abc", "inf", "1e-300"])
def test_a_bad_tick_is_refused_on_its_row(tmp_path, tick):
    path = tmp_path / "b.csv"
    path.write_text(f"venue,symbol,side,size,entry,leverage,tick\nkucoin-2025-05-21,ETHUSDTM,long,1,4189.35,10,{tick}\n"
                    "kucoin-2025-05-21,ETHUSDTM,long,1,4189.35,10,0.05\n")
    book = load_positions(path)
    assert len(book) == 1 and book.row == [2]
    assert "tick" in dict(book.issues)[1]


# prices, ticks 1e-6..10, both sides, venues of each rounding rule (up/down, nearest + offset, nearest, none)
TICK_CASES = dict(price=st.floats(1e-4, 1e6), tick_exp=st.integers(-6, 1), side=st.sampled_from([1.0, -1.0]),
                  venue=st.sampled_from(["kucoin", "okx-futures", "binance", "bybit", None]),
                  kind=st.sampled_from(["liquidation", "bankruptcy"]))


@settings(max_examples=300, deadline=None)
@given(**TICK_CASES)
def test_price_on_tick_lands_on_the_tick_within_one_step(price, tick_exp, side, venue, kind):
    tick = 10.0 ** tick_exp
    shown = float(price_on_tick(price, side, tick, kind, venue))
    steps = shown / tick
    assert math.isclose(steps, round(steps), abs_tol=1e-6)  # on the tick
    offset = side if (venue == "okx-futures" and kind == "liquidation") else 0  # toward the mark
    if price + offset * tick <= 0:
        offset = 0  # a short within a tick of 0 keeps the formula's price
    assert abs(shown - (price + offset * tick)) <= tick * (1 + 1e-9)  # within one tick of the displayed formula
    rule = tick_rule(None if venue is None else profile_for(venue), side, kind)[0]
    slack = 2e-3 * tick  # the engine's "already on the tick" slack: 1e-9 tick, or a few ulps of price / tick
    if rule == "up":
        assert shown >= price + offset * tick - slack
    elif rule == "down":
        assert shown <= price + offset * tick + slack


@settings(max_examples=500, deadline=None)
@given(**TICK_CASES)
def test_price_on_tick_matches_the_exact_decimal_reference(price, tick_exp, side, venue, kind):
    """The vectorised rounding against exact decimals; they may differ only where the price sits within the
    engine's slack (1e-9 tick, or a few ulps of price / tick) of a tick, where the engine keeps the tick."""
    tick = 10.0 ** tick_exp
    direction, offset = tick_rule(None if venue is None else profile_for(venue), side, kind)
    want = ref.price_on_tick(price, tick, direction, offset)
    got = float(price_on_tick(price, side, tick, kind, venue))
    steps = (price + offset * tick if price + offset * tick > 0 else price) / tick
    assert got == want or abs(steps - round(steps)) < 1e-3, (got, want)


def test_price_on_tick_broadcasts_and_keeps_the_sentinels():
    got = price_on_tick([4044.5158, 0.0, np.inf], ["long", "long", "short"], 0.05, "liquidation", "kucoin")
    assert got.tolist() == [4044.55, 0.0, np.inf]
    with pytest.raises(ValueError, match="tick"):
        price_on_tick(100.0, 1, 0.0)


@needs_lo
def test_the_report_rounds_in_its_formulas_as_the_engine_does(book_csv, tmp_path, report_recalculated):
    """The report's liquidation and bankruptcy cells round the formula's price on the row's tick the venue's way:
    LibreOffice recalculates the engine's numbers, and an edited tick re-rounds them."""
    book, t, lay, out, values = report_recalculated(book_csv)
    for i in range(len(book)):
        for key, want in (("liq", t.liquidation[i]), ("bank", t.bankruptcy[i]), ("dist", t.distance[i])):
            assert values[lay.positions.local(key, i)] == pytest.approx(float(want), rel=1e-14), (key, i)
    assert values[lay.positions.local("liq", 1)] == 4044.55 and values[lay.positions.local("bank", 0)] == 4021.75
    again = libreoffice.recalculated_after_edit(out, {("Positions", lay.positions.local("tick", 1)): 1.0},
                                                tmp_path / "edited.xlsx")["Positions"]
    assert again[lay.positions.local("liq", 1)] == 4045.0  # up to the new tick


@needs_lo
def test_a_desk_sheet_saved_by_libreoffice_reads_like_the_csv(tmp_path):
    """A desk's sheet as LibreOffice saves it (xlsx, from the same rows), with venue-export headers for the
    tick and the funding interval: the same book, the same prices on the tick, the same funding."""
    src = tmp_path / "desk.csv"
    src.write_text("Venue,Symbol,Side,Contract,Size,Entry Price,Mark Price,Margin,mmr,Tick Size,Funding Rate,"
                   "Funding interval (h)\n"
                   "kucoin-2025-05-21,ETHUSDTM,long,linear,0.02,4189.35,4189.35,3.35148,0.005,0.05,0.0001,4\n"
                   "okx,BTC-USD-SWAP,long,inverse,10000,63000,61850,0.03,0.005,0.1,0.0001,\n")
    want = risk_table(load_positions(src))
    saved = libreoffice.convert([src], "xlsx", tmp_path / "saved")[0]
    got = risk_table(load_positions(saved))
    assert got.book.tick.tolist() == [0.05, 0.1] and got.book.funding_hours.tolist() == [4.0, 8.0]
    np.testing.assert_array_equal(got.liquidation, want.liquidation)
    np.testing.assert_array_equal(got.bankruptcy, want.bankruptcy)
    np.testing.assert_array_equal(got.funding_per_day, want.funding_per_day)
    assert want.bankruptcy[0] == 4021.75


def test_a_half_tick_in_decimals_rounds_up_to_nearest():
    # 1.15 / 0.1 is 11.499999999999998 in doubles; the venue's decimals see a half, rounded up (hypothesis found it)
    direction, offset = tick_rule(profile_for("okx-futures"), 1.0, "bankruptcy")
    assert direction == "nearest"
    assert float(price_on_tick(1.15, 1.0, 0.1, "bankruptcy", "okx-futures")) == 1.2 == ref.price_on_tick(
        1.15, 0.1, direction, offset)
