"""Venue-reported numbers beside levxl's: positions as the venues' own APIs returned them (quoted verbatim in
ccxt's parsers, venue API documentation and freqtrade's tests), help-centre worked examples and a ticker.

Each case names its source and quotes the venue's inputs and figure; levxl recomputes the figure from the inputs
alone. Tolerances are the venue's own display precision (or, for the recorded Hyperliquid positions, the rounding
of the inputs the API prints to six decimals); docs/venue-conventions.md (section 9) has the derivations."""

from datetime import datetime, timezone

import pytest

import levxl as lx
from levxl.engine.conventions import liquidation_price_at_venue, price_on_tick
from levxl.engine.tiers import TierTable
from levxl.engine.venue_greeks import deribit_greeks


# -- Binance -------------------------------------------------------------------------------------------------------
def test_binance_coinm_isolated_position_risk_25119_97():
    # ccxt binance.parse_position_risk docstring (a /dapi/v1/positionRisk reply): BTCUSD_PERP isolated long 2
    # contracts of 100 USD, entryPrice 37643.10000021, isolatedWallet 0.00268058 BTC, bracket rate 0.4 %;
    # liquidationPrice 25119.97445760
    for venue in (None, "binance-coinm"):
        got = liquidation_price_at_venue("long", 37643.10000021, 200, margin=0.00268058, mmr=0.004,
                                         contract="inverse", venue=venue)
        assert float(got) == pytest.approx(25119.97445760, rel=1e-11)


def test_binance_usdm_hedge_long_5930_78_on_the_2021_table():
    # ccxt binance.parse_position_risk docstring (/fapi/v2/positionRisk, hedge mode): LONG 20 BTCUSDT @ 6563.665,
    # isolatedMargin 15517.54150468 with unRealizedProfit 2316.8342356 in it; liquidationPrice 5930.78
    wallet = 15517.54150468 - 2316.83423560
    got = lx.liquidation_price("long", 6563.665, 20, margin=wallet, mmr="binance:BTCUSDT@2021")
    assert float(got) == pytest.approx(5930.78, abs=0.005)


def test_binance_coinm_calculator_33599_40_takes_the_faq_amount_11_605():
    # dev.binance.vision thread 6292: wallet 101 BTC, long 100,000 contracts x 100 USD @ 45,000; "Binance
    # Calculator ... $33,599.40". Of the FAQ's two versions of that bracket (maintenance amount 11.81 and 11.605
    # BTC) only 11.605 gives the calculator's price; 11.81 gives the user's 33,578.86
    got = lx.liquidation_price("long", 45_000, 10_000_000, margin=101, mmr=TierTable.fixed(0.125, 11.605),
                               contract="inverse")
    assert float(got) == pytest.approx(33_599.40, abs=0.02)
    rival = lx.liquidation_price("long", 45_000, 10_000_000, margin=101, mmr=TierTable.fixed(0.125, 11.81),
                                 contract="inverse")
    assert float(rival) == pytest.approx(33_578.8597, abs=1e-3)


# -- Hyperliquid ---------------------------------------------------------------------------------------------------
def test_hyperliquid_clearinghouse_state_examples():
    # Hyperliquid API docs `clearinghouseState` (ETH isolated 0.0335 @ 2986.3, rawUsd -95.059824, maxLeverage 50,
    # liquidationPx 2866.26936529) and ccxt hyperliquid.parse_position (ETH 0.2259 @ 2213.9, rawUsd -475.23904,
    # liquidationPx 2125.00856238); isolated margin = rawUsd + size x entry, mmr = 1/(2 x max leverage)
    for q, entry, raw_usd, venue_px in ((0.0335, 2986.3, -95.059824, 2866.26936529),
                                        (0.2259, 2213.9, -475.23904, 2125.00856238)):
        got = liquidation_price_at_venue("long", entry, q, margin=raw_usd + q * entry, mmr=1 / 100,
                                         venue="hyperliquid")
        assert float(got) == pytest.approx(venue_px, rel=1e-8)


# freqtrade tests/exchange/test_hyperliquid.py::test_hyperliquid_dry_run_liquidation_price: 29 isolated mainnet
# positions as ccxt parsed them (symbol, side, entryPrice, contracts, collateral, liquidationPrice), with the max
# leverage of each market then (BTC, ETH 50x; SOL, DOGE 20x)
HYPERLIQUID_POSITIONS = [
    ("ETH", "long", 2458.5, 0.015, 36.864593, 0.86915825), ("BTC", "long", 63287.0, 0.00039, 24.673292, 22.37166537),
    ("SOL", "long", 146.82, 0.16, 23.482979, 0.05269872), ("SOL", "long", 145.83, 0.33, 24.045107, 74.83696193),
    ("ETH", "long", 2459.5, 0.0199, 24.454895, 1243.0411908), ("BTC", "long", 62739.0, 0.00077, 24.137992, 31708.03843631),
    ("DOGE", "long", 0.11586, 437.0, 25.29769, 0.05945697), ("ETH", "short", 2642.8, 0.019, 25.091876, 3924.18322043),
    ("SOL", "short", 155.89, 0.32, 24.924941, 228.07847866), ("DOGE", "short", 0.14333, 351.0, 25.136807, 0.20970228),
    ("BTC", "short", 68595.0, 0.00069, 23.64871, 101849.99354283), ("BTC", "short", 65536.0, 0.00099, 21.604172, 86493.46174617),
    ("SOL", "long", 173.06, 0.6, 20.735658, 142.05186667), ("ETH", "long", 2545.5, 0.0329, 20.909894, 1929.23322895),
    ("BTC", "short", 67400.0, 0.00031, 20.887308, 133443.97317151), ("ETH", "short", 2552.0, 0.0327, 20.833393, 3157.53150453),
    ("BTC", "long", 66930.0, 0.0015, 20.043862, 54108.51043771), ("BTC", "long", 67033.0, 0.00121, 20.251817, 50804.00091827),
    ("ETH", "long", 2521.9, 0.0237, 19.902091, 1699.14071943), ("BTC", "short", 68139.0, 0.00145, 19.72573, 80933.61590987),
    ("SOL", "short", 178.29, 0.11, 19.605036, 347.82205322), ("SOL", "long", 176.23, 0.33, 19.364946, 120.56240404),
    ("SOL", "short", 173.08, 0.33, 19.01881, 225.08561715), ("BTC", "short", 68240.0, 0.00105, 17.887922, 84431.79820839),
    ("ETH", "short", 2518.4, 0.007, 17.62263, 4986.05799151), ("ETH", "long", 2533.2, 0.0347, 17.555195, 2047.7642302),
    ("DOGE", "long", 0.13284, 360.0, 15.943218, 0.09082388), ("SOL", "short", 163.11, 0.48, 15.650731, 190.94213618),
    ("BTC", "long", 67141.0, 0.00067, 14.979079, 45236.52992613),
]
HYPERLIQUID_MAX_LEVERAGE = {"BTC": 50, "ETH": 50, "SOL": 20, "DOGE": 20}


@pytest.mark.parametrize("coin, side, entry, size, margin, venue_px", HYPERLIQUID_POSITIONS)
def test_hyperliquid_recorded_positions(coin, side, entry, size, margin, venue_px):
    got = float(liquidation_price_at_venue(side, entry, size, margin=margin,
                                           mmr=1 / (2 * HYPERLIQUID_MAX_LEVERAGE[coin]), venue="hyperliquid"))
    # the margin is printed to 1e-6 USDC: that rounding moves the price by up to 1e-6 / size (the 1x longs'
    # prices near 0 are where it shows, e.g. 22.3717 on 0.00039 BTC)
    assert got == pytest.approx(venue_px, rel=1e-7, abs=1e-6 / size)


# -- KuCoin (positions reported under the isolated-margin rule before 2025-05-22) ----------------------------------
def test_kucoin_help_short_28168_is_the_rule_before_2025_05_22():
    # KuCoin help "How to Calculate the Liquidation Price for KuCoin Contracts": short 5 contracts x 0.001 BTC @
    # 28,000, 100x, maintenance rate 0.4 %, LP = (28,000*5*0.001 + 1.4 - 0.56)/(5*0.001) = 28,168 (MM on the entry
    # value); under the rule since 2025-05-22 (MM on the mark) the same position liquidates at 28,167.33
    old = liquidation_price_at_venue("short", 28_000, 0.005, leverage=100, mmr=0.004, venue="kucoin-2025-05-21")
    assert float(old) == pytest.approx(28_168, abs=1e-9)
    now = liquidation_price_at_venue("short", 28_000, 0.005, leverage=100, mmr=0.004, venue="kucoin")
    assert float(now) == pytest.approx(28_000 * 1.01 / 1.004, rel=1e-12)


@pytest.mark.parametrize("side, entry, size, pos_margin, pos_comm, pos_maint, pos_cost, tick, venue_liq, venue_bkr", [
    # ccxt kucoinfutures.parse_position docstring: ETHUSDTM long 2 lots x 0.01 @ 4182.10
    ("long", 4182.10, 0.02, 3.68897586, 0.05236717, 0.50637594, 83.642, 0.05, 4023.00, 4000.25),
    # ccxt kucoinfutures add_margin reply: XRPUSDTM short 1 lot x 10 @ 0.7658, 1x, posCross 1.00016084
    ("short", 0.7658, 10, 8.6679509, 0.00979006, 0.08637006, 7.658, 0.0001, 1.6239, 1.6317),
])
def test_kucoin_reported_positions_on_the_tick(side, entry, size, pos_margin, pos_comm, pos_maint, pos_cost, tick,
                                               venue_liq, venue_bkr):
    # the bankruptcy fee frozen in posMargin (posComm, until 2025-05-22) is in posMaint too: out of both, the
    # liquidation price is the same, and the bankruptcy price is the venue's (a short's liquidation price rounded
    # down and its bankruptcy price up: the XRP short shows both)
    margin = pos_margin - pos_comm
    liq = liquidation_price_at_venue(side, entry, size, margin=margin, mmr=(pos_maint - pos_comm) / pos_cost,
                                     venue="kucoin-2025-05-21", tick=tick)
    assert float(liq) == pytest.approx(venue_liq, abs=1e-9)
    bkr = price_on_tick(lx.bankruptcy_price(side, entry, size, margin=margin), side, tick, "bankruptcy", "kucoin")
    assert float(bkr) == pytest.approx(venue_bkr, abs=1e-9)
    # with the fee left in, the bankruptcy price is a tick or more the wrong side of the venue's
    wrong = price_on_tick(lx.bankruptcy_price(side, entry, size, margin=pos_margin), side, tick, "bankruptcy", "kucoin")
    assert abs(float(wrong) - venue_bkr) > tick / 2


# -- Bybit ---------------------------------------------------------------------------------------------------------
def test_bybit_linear_position_919_10_and_bust_913_15():
    # ccxt bybit.parse_position docstring (v5 position/list): ETHUSDT isolated long 0.10 @ 1198.45, leverage 4.2,
    # positionBalance 28.58931118 (IM + fee to close), mmr 0.5 %, taker 0.06 %, tick 0.05; liqPrice 919.10,
    # bustPrice 913.15
    liq = liquidation_price_at_venue("long", 1198.45, 0.1, leverage=4.2, mmr=0.005, margin=28.58931118, fee=0.0006,
                                     venue="bybit", tick=0.05)
    assert float(liq) == pytest.approx(919.10, abs=1e-9)
    assert float(lx.bankruptcy_price("long", 1198.45, 0.1, leverage=4.2, tick=0.05)) == pytest.approx(913.15, abs=1e-9)


def test_bybit_inverse_cross_help_example_5739_50():
    # Bybit help 360039261334 (inverse, cross): wallet 0.5 BTC, long 10,000 USD @ 8,000, MM 0.5 % of the entry
    # value, fee to close 0.075 % at the bankruptcy price; BP 5,718.57, LP 5,739.50 (on the 0.5 tick; the page's
    # own formula gives 5,739.08 before rounding)
    bp = lx.bankruptcy_price("long", 8000, 10_000, margin=0.5, contract="inverse", fee=0.00075)
    assert float(bp) == pytest.approx(5718.57, abs=0.005)
    lp = liquidation_price_at_venue("long", 8000, 10_000, margin=0.5, mmr=0.005, contract="inverse", fee=0.00075,
                                    venue="bybit", tick=0.5)
    assert float(lp) == 5739.5


def test_bybit_inverse_cross_help_example_in_the_book_5739_50(tmp_path):
    # the same Bybit help example (360039261334) as a cross position of a positions file: the account's balance
    # 0.5 BTC less the fee to close at the bankruptcy price (Q x 0.075 % / BP), as the page's cross formula takes
    # it, gives the venue's 5,739.50 in the risk table, `levxl risk --json` and the report (levxl gave 5,735.00,
    # fee-free, while citing that page); the report's live formulas recalculate to the same number
    import json
    import math

    import openpyxl
    from click.testing import CliRunner

    from levxl.book.accounts import load_book
    from levxl.book.figures import risk_table
    from levxl.cli import main
    from levxl.testing import libreoffice
    from levxl.workbooks.report import build_report, plan_layout

    path = tmp_path / "bybit_cross.csv"
    path.write_text("venue,symbol,side,contract,size,entry,mark,margin_mode,wallet,mmr,taker_fee,tick,"
                    "venue_liquidation\nbybit,BTCUSD,long,inverse,10000,8000,8000,cross,0.5,0.005,0.00075,0.5,"
                    "5739.50\n", encoding="utf-8")
    book, liq = load_book(path)
    table = risk_table(book)
    assert float(table.liquidation[0]) == 5739.5 and float(liq.price[0]) == 5739.5
    # the page's BP 5,718.57 (the balance less the fee) on the 0.5 tick, a long's rounded up as Bybit shows it
    assert float(table.bankruptcy[0]) == 5719.0
    out = CliRunner().invoke(main, ["risk", str(path), "--json"])
    record = json.loads(out.stdout)["positions"][0]
    assert record["liquidation_price"] == 5739.5 and record["difference"] == 0.0
    assert "fee to close at its bankruptcy price" in record["reconciliation"]
    report = build_report(book, tmp_path / "bybit_cross.xlsx", as_of="2026-12-03", liquidation=liq)
    cell = plan_layout(table).positions.local("liq", 0)
    assert openpyxl.load_workbook(report, data_only=True)["Positions"][cell].value == 5739.5
    if libreoffice.available():
        again = libreoffice.recalculated_values(report)["Positions"][cell]
        assert math.isclose(again, 5739.5, rel_tol=1e-12)


# -- OKX -----------------------------------------------------------------------------------------------------------
def test_okx_inverse_position_sits_one_tick_above_the_formula():
    # OKX API v5 docs, GET /api/v5/account/positions response example (also in ccxt okx.parse_position): ETH-USD-
    # 210430 isolated long 1 contract of 10 USD @ 2566.31, margin 0.0003896645377994 ETH, mmr 0.8 % (the reply's
    # mmr field over the value at the mark its upl implies), liqPx 2352.8496681818233. The formula with the taker
    # fee inside the threshold gives 2352.8396681818; the venue's figure is exactly one 0.01 tick above it, not
    # rounded to the tick (levxl rounds it to 2352.85, 1.4e-7 away)
    formula = liquidation_price_at_venue("long", 2566.31, 10, margin=0.0003896645377994, mmr=0.008,
                                         contract="inverse", venue="okx")
    assert float(formula) + 0.01 == pytest.approx(2352.8496681818233, abs=1e-9)
    shown = liquidation_price_at_venue("long", 2566.31, 10, margin=0.0003896645377994, mmr=0.008,
                                       contract="inverse", venue="okx", tick=0.01)
    assert float(shown) == pytest.approx(2352.85, abs=1e-9)


# OKX GET /api/v5/account/positions rows of ETH-USDT-SWAP (ctVal 0.1 ETH, tick 0.01) as recorded in OKX clients'
# sources (the long: whatwoot/realenergy-server@d4d6b80 PositionsRes.java; the short: pyalgoture/pyalgoture@cd01a26
# exchanges/okx.py; docs/venue-conventions.md 4 has the full commits): the venue's own fields, quoted verbatim. Each row's upl and mmr
# confirm ctVal 0.1 and the 0.4 % rate of tier 1 on the whole position (okx:ETH-USDT-SWAP, shipped 2026-05-28).
OKX_ISOLATED_ROWS = [
    # posSide, pos, avgPx, margin, markPx, mmr, liqPx, upl, uTime
    ("long", "1", "3011", "30.11", "3010.54", "1.204216", "2722.159673530889", "-0.0460000000000036", "1764434109835"),
    ("short", "1", "1333", "8.33125", "1274.09", "0.509636", "1409.9576455948234", "5.891000000000009",
     "1664201788281"),
]


@pytest.mark.parametrize("side, pos, avg, margin, mark, mmr, liq, upl, utime", OKX_ISOLATED_ROWS)
def test_okx_linear_position_sits_one_tick_toward_the_mark(side, pos, avg, margin, mark, mmr, liq, upl, utime):
    # the formula: Gate/OKX isolated, the 0.05 % taker inside the threshold, tier 1 of the shipped table; OKX's
    # figure is exactly one 0.01 tick toward the mark from it (a long's above, a short's below), not on the tick
    size = float(pos) * 0.1
    sign = 1 if side == "long" else -1
    assert sign * (float(mark) - float(avg)) * size == pytest.approx(float(upl), abs=1e-9)  # ctVal 0.1
    assert float(lx.maintenance_margin(size, price=float(mark), mmr="okx:ETH-USDT-SWAP")) == pytest.approx(
        float(mmr), rel=1e-12)
    formula = liquidation_price_at_venue(side, float(avg), size, margin=float(margin), mmr="okx:ETH-USDT-SWAP",
                                         venue="okx")
    assert float(formula) + sign * 0.01 == pytest.approx(float(liq), abs=1e-9)
    shown = liquidation_price_at_venue(side, float(avg), size, margin=float(margin), mmr="okx:ETH-USDT-SWAP",
                                       venue="okx", tick=0.01)
    assert float(shown) == round(float(liq), 2)  # the nearest tick to the venue's figure


def test_okx_cross_position_maintenance_is_the_tier_rate_on_the_whole_position():
    # github:edc3000/CTOS@b5205a1 tests/README_okx.md: a cross ETH-USDT-SWAP row, 'pos': '4.55', 'markPx': '4378.39',
    # 'mmr': '7.968669800000001', 'avgPx': '4296.5404560905112562', 'upl': '37.24154247881773'
    size = 4.55 * 0.1
    assert (4378.39 - 4296.5404560905112562) * size == pytest.approx(37.24154247881773, abs=1e-9)  # ctVal 0.1
    got = float(lx.maintenance_margin(size, price=4378.39, mmr="okx:ETH-USDT-SWAP"))
    assert got == pytest.approx(7.968669800000001, rel=1e-15)


# -- Deribit -------------------------------------------------------------------------------------------------------
def test_deribit_ticker_an_hour_later_pr_19908():
    # ccxt PR #19908: Deribit public/ticker for BTC-27SEP24-40000-C at 1699593511632 ms (2023-11-10T05:18:31Z),
    # underlying_price 39165.86, mark_iv 60.86, interest_rate 0: delta 0.59833, theta -13.4441, vega 142.30124,
    # rho 131.82621, mark_price 0.2169 BTC (the ticker rounds greeks to 5 decimals and prices to the 0.0001 tick)
    expiry = datetime(2024, 9, 27, 8, tzinfo=timezone.utc)
    days = (expiry - datetime.fromtimestamp(1699593511.632, timezone.utc)).total_seconds() / 86400
    g = deribit_greeks("call", 39165.86, 40_000, days, 0.6086)
    assert float(g.delta) == pytest.approx(0.59833, abs=5e-5)
    assert float(g.rho) == pytest.approx(131.82621, abs=5e-3)
    assert float(g.vega) == pytest.approx(142.30124, abs=5e-3)
    assert float(g.theta) == pytest.approx(-13.4441, abs=2e-3)
    assert float(g.price) == pytest.approx(0.2169, abs=5e-5)


def test_deribit_ticker_gamma_is_the_usd_gamma_0_00002():
    # the ccxt deribit.fetch_greeks ticker of docs/venue-conventions.md section 2 (BTC-27SEP24-40000-C at
    # 2023-11-10T01:09:08Z, underlying_price 38992.71, mark_iv 61.27) shows gamma 0.00002 (5 decimals): the
    # gamma of the USD price per 1 USD of the forward (1.73e-5), not that of the coin price (-5.7e-11, 0.00000)
    expiry = datetime(2024, 9, 27, 8, tzinfo=timezone.utc)
    days = (expiry - datetime.fromtimestamp(1699578548.021, timezone.utc)).total_seconds() / 86400
    g = deribit_greeks("call", 38992.71, 40_000, days, 0.6127)
    assert round(float(g.gamma), 5) == 0.00002
    usd = lx.option_price("call", 38992.71, 40_000, days, 0.6127)
    f, h = 38992.71, 1.0
    coin = [float(lx.option_price("call", f + d, 40_000, days, 0.6127)) / (f + d) for d in (-h, 0.0, h)]
    coin_gamma = (coin[0] - 2 * coin[1] + coin[2]) / h ** 2
    assert round(coin_gamma, 5) == 0.0 and float(usd) == pytest.approx(0.2167801721 * f, rel=1e-9)


def test_bybit_option_ticker_greeks_are_black76_per_vol_point_and_calendar_day():
    # ccxt bybit.parse_greeks docstring (a v5 option ticker): BTC-26JAN24-39000-C, underlyingPrice 37649.67254894,
    # markIv 0.5577, markPrice 3273.02263032 USD; delta 0.49640971, gamma 0.00004131, vega 69.08651675, theta
    # -24.9443226. The reply has no timestamp: the time to expiry is the one at which Black-76 (r = 0) on the
    # underlying gives the mark price (77.23 days: 2023-11-09 ~02:30 UTC, the day before the Deribit tickers above);
    # there levxl's default greeks (vega per vol point, theta per calendar day) are Bybit's, delta and gamma within
    # 1.7e-4 of their size (one last printed digit of the gamma), vega and theta within 3e-5
    from scipy.optimize import brentq

    from levxl.catalogue import CATALOGUE

    f, k, vol, mark = 37649.67254894, 39_000, 0.5577, 3273.02263032
    days = brentq(lambda d: float(lx.option_price("call", f, k, d, vol)) - mark, 1, 200)
    assert days == pytest.approx(77.23, abs=0.01)
    greek = CATALOGUE["LEVXL_OPTION_GREEK"]
    assert greek("delta", "call", f, k, days, vol) == pytest.approx(0.49640971, abs=5e-5)
    assert greek("gamma", "call", f, k, days, vol) == pytest.approx(0.00004131, abs=1e-8)  # 4.1303e-5
    assert greek("vega", "call", f, k, days, vol) == pytest.approx(69.08651675, abs=2e-3)
    assert greek("theta", "call", f, k, days, vol) == pytest.approx(-24.9443226, abs=1e-3)
    # a 252-day year or vega per unit of vol would be far off
    assert abs(greek("theta", "call", f, k, days, vol) * 365 / 252 - -24.9443226) > 5
