"""Venue conventions, each against the venue's own worked example or reported number (docs/venue-conventions.md),
plus the invariants of rounding."""

from datetime import datetime, timezone

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import levxl as lx
from levxl.catalogue import CATALOGUE
from levxl.engine import options, venues
from levxl.engine.conventions import (close_fee_at_bankruptcy, funding_hours, funding_interval_hours,
                                      liquidation_price_at_venue, round_price, within_tier_limits)
from levxl.engine.venue_greeks import deribit_greeks, option_greek_at_venue


# -- KuCoin: ETHUSDTM long 2 lots @ 4189.35 (API "Get Position Details" example) ----------------------------------
KUCOIN = dict(entry=4189.35, size=0.02, pos_init=3.35148, pos_margin=3.40376309, pos_maint=0.50707892, tick=0.05)


def test_kucoin_bankruptcy_price_rounds_down_to_4021_75():
    k = KUCOIN
    raw = lx.bankruptcy_price("long", k["entry"], k["size"], margin=k["pos_init"])
    assert raw == pytest.approx(4021.776, abs=1e-9)
    assert round_price(raw, "long", k["tick"], "bankruptcy", "kucoin") == pytest.approx(4021.75, abs=1e-9)
    assert round_price(raw, "long", k["tick"], "bankruptcy", "kucoinfutures") == pytest.approx(4021.75, abs=1e-9)
    # the engine's conservative default and round_to_tick give the rival 4021.80
    assert round_price(raw, "long", k["tick"], "bankruptcy") == pytest.approx(4021.80, abs=1e-9)
    assert lx.round_to_tick(raw, side=1.0, tick=k["tick"]) == pytest.approx(4021.80, abs=1e-9)


def test_kucoin_liquidation_price_rounds_up_to_4044_55():
    k = KUCOIN
    raw = k["entry"] - (k["pos_margin"] - k["pos_maint"]) / k["size"]  # the venue's own margins
    assert raw == pytest.approx(4044.5158, abs=1e-4)
    assert round_price(raw, "long", k["tick"], "liquidation", "kucoin") == pytest.approx(4044.55, abs=1e-9)


def test_kucoin_through_the_spreadsheet_function():
    assert CATALOGUE["LEVXL_ROUND_PRICE"](4021.776, "long", 0.05, "bankruptcy", "kucoin") == pytest.approx(4021.75)
    assert CATALOGUE["LEVXL_ROUND_PRICE"](4044.5158, "long", 0.05, None, "kucoin") == pytest.approx(4044.55)
    assert CATALOGUE["LEVXL_ROUND_PRICE"](4021.776, "long", 0.05, "bankruptcy", "nowhere").startswith("#VALUE! venue")


@settings(max_examples=200, deadline=None)
@given(price=st.floats(1e-3, 1e7), tick=st.sampled_from([0.5, 0.05, 0.01, 1e-5]),
       side=st.sampled_from(["long", "short"]), kind=st.sampled_from(["liquidation", "bankruptcy"]),
       venue=st.sampled_from([None, "kucoin", "bybit", "binance", "bitmex"]))
def test_rounding_lands_on_the_tick_within_one_tick_in_the_venue_direction(price, tick, side, kind, venue):
    got = float(round_price(price, side, tick, kind, venue))
    assert abs(got / tick - round(got / tick)) <= 1e-6 + 1e-12 * got / tick  # on the tick, to float precision
    assert abs(got - price) <= tick * (1 + 1e-9)
    direction = venues.profile_for(venue).rounding(kind, side) if venue else ("up" if side == "long" else "down")
    if direction == "up":
        assert got >= price - 1e-9 * tick * max(1, price / tick)
    elif direction == "down":
        assert got <= price + 1e-9 * tick * max(1, price / tick)


def test_rounding_keeps_the_no_liquidation_sentinels():
    np.testing.assert_array_equal(round_price([0.0, np.inf], ["long", "short"], 0.5, "liquidation", "kucoin"),
                                  [0.0, np.inf])


# -- Deribit: ticker of BTC-27SEP24-40000-C at 2023-11-10T01:09:08Z (ccxt deribit.fetch_greeks docstring) ---------
DERIBIT_DAYS = (datetime(2024, 9, 27, 8, tzinfo=timezone.utc)
                - datetime.fromtimestamp(1699578548.021, tz=timezone.utc)).total_seconds() / 86400
DERIBIT = ("call", 38_992.71, 40_000, DERIBIT_DAYS, 0.6127)


def test_deribit_rho_is_black_scholes_on_the_forward_130_64():
    g = deribit_greeks(*DERIBIT)
    assert g.rho == pytest.approx(130.63998, abs=0.005)
    assert g.delta == pytest.approx(0.59621, abs=5e-5)  # the plain BS delta N(d1), not premium-adjusted
    assert g.vega == pytest.approx(141.90146, abs=0.005)
    assert g.theta == pytest.approx(-13.48784, abs=0.005)
    assert g.price == pytest.approx(0.2168, abs=1e-4)  # mark_price in coin


def test_levxl_default_greeks_differ_from_the_deribit_screen_as_documented():
    black76 = options.greeks(*DERIBIT)
    assert black76.rho == pytest.approx(-74.64, abs=0.005)  # Black-76 rho = -T*C/100
    coin = options.greeks(*DERIBIT, contract="inverse")
    assert coin.delta == pytest.approx(0.59621 - 0.21678, abs=1e-4)  # premium-adjusted, not the ticker's delta


def test_deribit_greeks_through_the_spreadsheet_function():
    rho = CATALOGUE["LEVXL_OPTION_GREEK"]("rho", *DERIBIT, 0, None, None, "deribit")
    assert rho == pytest.approx(130.64, abs=0.005)
    assert CATALOGUE["LEVXL_OPTION_GREEK"]("rho", *DERIBIT) == pytest.approx(-74.64, abs=0.005)
    assert option_greek_at_venue("delta", *DERIBIT, venue="deribit") == pytest.approx(0.59621, abs=5e-5)
    assert CATALOGUE["LEVXL_OPTION_GREEK"]("rho", *DERIBIT, 0, None, None, "bybit").startswith("#VALUE! venue")


# -- Bybit UTA: fee to close at the bankruptcy price inside position margin and maintenance margin ---------------
def test_bybit_uta_initial_margin_example_includes_the_fee_to_close():
    im = lx.initial_margin(50_000, 0.5, leverage=10)
    assert im + close_fee_at_bankruptcy("long", 50_000, 0.5, 10, 0.00055) == pytest.approx(2512.375)
    assert im + close_fee_at_bankruptcy("short", 50_000, 0.5, 10, 0.00055) == pytest.approx(2515.125)
    assert im + close_fee_at_bankruptcy("long", 50_000, 0.5, 10, 0.0006) == pytest.approx(2513.50)  # older page
    # blank fee: the profile's (dated) UTA taker rate 0.055%
    assert close_fee_at_bankruptcy("long", 50_000, 0.5, 10, venue="bybit") == pytest.approx(12.375)


def test_bybit_uta_maintenance_margin_example_282_54():
    mm = lx.maintenance_margin(1, price=51_000, mmr=0.005)  # measured on the entry value (Bybit)
    assert mm + close_fee_at_bankruptcy("long", 51_000, 1, 10, 0.0006) == pytest.approx(282.54)
    assert CATALOGUE["LEVXL_CLOSE_FEE"]("long", 51_000, 1, 10, 0.0006) == pytest.approx(27.54)


def test_bybit_order_cost_vector_is_im_plus_open_fee_plus_close_fee():
    fee = close_fee_at_bankruptcy("long", 10_000, 1, 50, 0.00075)
    assert lx.initial_margin(10_000, 1, leverage=50) + 10_000 * 0.00075 + fee == pytest.approx(214.85)
    assert lx.order_cost("long", 10_000, 1, leverage=50, fee=0.00075) == pytest.approx(214.85)


# -- liquidation price with a venue's defaults --------------------------------------------------------------------
def test_bybit_preset_takes_the_entry_basis_of_its_help_page():
    assert liquidation_price_at_venue("long", 20_000, 1, 50, 0.005, venue="bybit") == pytest.approx(19_700)
    assert liquidation_price_at_venue("long", 20_000, 1, 50, 0.005) == pytest.approx(
        lx.liquidation_price("long", 20_000, 1, leverage=50, mmr=0.005))


def test_gate_preset_puts_the_fee_inside_the_threshold_freqtrade_7294():
    # Gate app value 1349.70 (freqtrade issue #7294): EP 1680.05, margin 182.81, q 0.5423, mmr 0.5%, fee 7.5e-6
    got = liquidation_price_at_venue("long", 1680.05, 0.5423, mmr=0.005, margin=182.81, fee=7.5e-6, venue="gate")
    assert got == pytest.approx(1349.70, abs=0.01)


def test_okx_liquidation_price_sits_one_tick_toward_the_mark_from_the_formula():
    # issue 12, the desk's check against OKX-reported inverse positions: "exactly one tick above the formula"
    # (the formula: Gate/OKX isolated, taker fee inside the threshold, on OKX's tick), OKX's API example (an inverse
    # long) and recorded ETH-USDT-SWAP positions (a long one tick above, a short one tick below:
    # tests/test_venue_reported.py). The linear swap and the inverse product take the same rule.
    tick = 0.1
    for contract, size in (("inverse", 1_000), ("linear", 1)):
        profile = venues.profile_for("okx", contract)
        assert profile.offset_ticks == 1
        for side, step in (("long", tick), ("short", -tick)):
            formula = lx.liquidation_price(side, 60_000, size, leverage=10, mmr=0.005, contract=contract,
                                           fee=profile.taker_fee)
            shown = liquidation_price_at_venue(side, 60_000, size, 10, 0.005, contract=contract, venue="okx",
                                               tick=tick)
            assert shown == pytest.approx(round(round((float(formula) + step) / tick) * tick, 1), abs=1e-9)
    assert "issue 12" in venues.profile_for("okx", "inverse").notes


def test_a_venue_with_both_products_takes_the_one_of_the_position_contract():
    # "okx" names the swap; an inverse position there is OKX's coin-margined product, with its conventions
    okx_inverse = liquidation_price_at_venue("long", 60_000, 1_000, 10, 0.005, contract="inverse", venue="okx", tick=0.1)
    assert okx_inverse == liquidation_price_at_venue("long", 60_000, 1_000, 10, 0.005, contract="inverse",
                                                     venue="okx-futures", tick=0.1)
    # a blank contract is the named product's: binance-coinm alone is inverse (never the linear formula)
    assert liquidation_price_at_venue("long", 60_000, 1, 10, 0.005, venue="binance-coinm") == pytest.approx(
        lx.liquidation_price("long", 60_000, 1, leverage=10, mmr=0.005, contract="inverse"))
    assert liquidation_price_at_venue("long", 60_000, 1, 10, 0.005, venue="okx-futures", tick=0.1) == okx_inverse
    # a venue with one product keeps it; no venue: linear
    assert liquidation_price_at_venue("long", 60_000, 1, 10, 0.005, venue="hyperliquid") == pytest.approx(
        lx.liquidation_price("long", 60_000, 1, leverage=10, mmr=0.005))
    assert liquidation_price_at_venue("long", 60_000, 1, 10, 0.005) == lx.liquidation_price(
        "long", 60_000, 1, leverage=10, mmr=0.005)
    # per row, in the spreadsheet function
    f = CATALOGUE["LEVXL_LIQ_PRICE"]
    rows = f([["long"], ["long"]], 60_000, 1_000, 10, 0.005, None, [["inverse"], ["inverse"]], None, None,
             [["okx"], ["okx-futures"]], 0.1)
    assert rows == [[okx_inverse], [okx_inverse]]


def test_tick_prices_are_the_doubles_a_venue_shows():
    # 548,456 ticks of 0.1 is 54,845.6, the double "54845.6" parses to (548,456 * 0.1 is 54,845.600000000006)
    assert lx.round_to_tick(54_845.55, side=1, tick=0.1) == 54_845.6
    rng = np.random.default_rng(3)
    for tick, digits in ((0.1, 1), (0.05, 2), (0.01, 2), (0.0001, 4), (0.5, 1), (1e-6, 6)):
        prices = rng.uniform(0.01, 100_000, 2_000)
        for kind in ("liquidation", "bankruptcy"):
            for side in (1.0, -1.0):
                got = round_price(prices, side, tick, kind)
                assert np.array_equal(got, np.round(got, digits))
                assert np.all(np.abs(got - prices) < tick * (1 + 1e-9))


# -- funding intervals ----------------------------------------------------------------------------------------------
def test_funding_intervals_per_venue():
    assert funding_interval_hours("hyperliquid") == 1.0  # Hyperliquid docs "Funding": paid every hour
    assert funding_interval_hours("binance", "BTCUSDT") == 8.0 and funding_interval_hours("bybit") == 8.0
    assert funding_interval_hours("dydx") == 1.0
    assert np.isnan(funding_interval_hours("okx-futures"))  # dated futures: no funding
    np.testing.assert_array_equal(funding_hours(["hl", "bitmex"]), [1.0, 8.0])
    assert CATALOGUE["LEVXL_FUNDING_INTERVAL"]("hyperliquid") == 1.0
    # the Hyperliquid worked number: 0.01% per 8 h interest, paid hourly at 1/8
    assert 0.0001 * funding_interval_hours("hyperliquid") / 8 == pytest.approx(0.0000125)


# -- tier limits ------------------------------------------------------------------------------------------------------
def test_tier_limits_from_the_tables():
    assert not within_tier_limits(10, 100_000, 100, "binance:BTCUSDT")  # tier 3 (1e6) allows 75x
    assert within_tier_limits(10, 100_000, 75, "binance:BTCUSDT")
    assert within_tier_limits(10, 100_000, 500, 0.005)  # a flat rate has no limits
    assert within_tier_limits(1, 60_000, 40, "hyperliquid:BTC@2026")  # Hyperliquid BTC: 40x up to 150M
    assert not within_tier_limits(1, 60_000, 41, "hyperliquid:BTC@2026")
    assert CATALOGUE["LEVXL_WITHIN_TIER_LIMITS"](10, 100_000, 100, "binance:BTCUSDT") is False
    assert CATALOGUE["LEVXL_MAX_LEVERAGE"]("long", 100, 90, "hyperliquid:SOL") == pytest.approx(
        float(lx.max_leverage_for_stop("long", 100, stop=90, mmr="hyperliquid:SOL")))
    assert float(lx.max_leverage_for_stop("long", 100, 1, stop=99.9, mmr="hyperliquid:SOL")) == 20.0  # capped by the tier


def test_liq_price_function_with_venue_and_tick():
    f = CATALOGUE["LEVXL_LIQ_PRICE"]
    assert f("long", 20_000, 1, 50, 0.005, None, None, None, None, "bybit") == pytest.approx(19_700)
    assert f("short", 10, 1, 5, 0.01, None, None, None, None, "okx") == pytest.approx(
        float(lx.liquidation_price("short", 10, 1, leverage=5, mmr=0.01, fee=0.0005)))  # OKX: taker inside the threshold
    # KuCoin since 2025-05-22: MM on the mark value, LP = EP(1 - 1/L)/(1 - mmr) = 4041.98, up to the 0.05 tick
    assert f("long", 4189.35, 0.02, 25, 0.005, None, None, None, None, "kucoin", 0.05) == pytest.approx(4042.00)
    # its rule until then: MM on the entry value, EP(1 - 1/L + mmr) = 4042.7228, up to 4042.75
    assert f("long", 4189.35, 0.02, 25, 0.005, None, None, None, None, "kucoin-2025-05-21", 0.05) == pytest.approx(
        4042.75)
    assert f("long", 1, 1, 1, 0.005, None, None, None, None, "nowhere").startswith("#VALUE! venue")


@settings(max_examples=150, deadline=None)
@given(side=st.sampled_from(["long", "short"]), entry=st.floats(1, 1e5), size=st.floats(1e-3, 1e3),
       leverage=st.floats(1.1, 100), mmr=st.sampled_from([0.004, 0.01, "binance:BTCUSDT", "hyperliquid:SOL"]),
       contract=st.sampled_from(["linear", "inverse"]))
def test_liq_price_function_without_a_venue_is_the_engine_unchanged(side, entry, size, leverage, mmr, contract):
    got = CATALOGUE["LEVXL_LIQ_PRICE"](side, entry, size, leverage, mmr, None, contract)
    want = float(lx.liquidation_price(side, entry, size, leverage=leverage, mmr=mmr, contract=contract))
    if isinstance(got, str):
        assert got == "no liquidation" and (want == 0 or np.isinf(want))
    else:
        assert got == pytest.approx(want, rel=1e-12)


def test_round_price_names_a_bad_price_argument():
    from levxl.catalogue import lookup

    out = lookup("LEVXL_ROUND_PRICE")("[[", 0, 0)
    assert out.code == "#VALUE!" and out.reason.startswith("price ") and "float" not in out.reason
