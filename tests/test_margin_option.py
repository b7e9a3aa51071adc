"""Short-option standard margin against the venues' published formulas and worked examples, and the account's
liquidation price with options against a brentq reference."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from levxl.engine import options
from levxl.engine.margin import account_liquidation_with_options, short_option_margin
from levxl.engine.margin.account_with_options import make_account, surplus_at
from levxl.engine.margin.params import OPTION_MARGIN_SETS
from levxl.engine.margin.reference import account_liquidation_brentq, account_surplus


# -- Paradex cross margin: its page's worked examples (spot 100, example parameters) -------------------------------
@pytest.mark.parametrize("kind, strike, mark, im, mm", [
    ("call", 106, 0.0, 10.0, 5.0),   # OTM call, OTM amount 6: IMR = max(15 - 6, 10), MMR = max(7.5 - 6, 5)
    ("put", 106, 0.0, 15.0, 7.5),    # ITM put, OTM amount 0: IMR = max(15, 10), MMR = max(7.5, 5)
    ("put", 40, 25.0, 10.0, 5.0),    # OTM put capped: IMR = min(10% x 100, 50% x 40)
])
def test_paradex_cross_margin_published_examples(kind, strike, mark, im, mm):
    r = short_option_margin(kind, 100, strike, mark, rules="paradex", contract="linear")
    assert (float(r.im), float(r.mm), r.params) == (im, mm, "paradex@2024")


# -- Deribit (coin) and Bit.com (USD): one structure, one set of numbers ---------------------------------------------
def test_deribit_short_call_formula_by_hand():
    # U = 50,000, K = 55,000 (OTM 5,000 = 0.1 of U), mark 0.02 BTC:
    # IM = max(0.15 - 0.1, 0.1) + 0.02 = 0.12 BTC;  MM = 0.075 + 0.02 = 0.095 BTC
    r = short_option_margin("call", 50_000, 55_000, 0.02, rules="deribit")
    assert math.isclose(r.im, 0.12) and math.isclose(r.mm, 0.095) and r.params == "deribit@2020"
    near = short_option_margin("call", 50_000, 51_000, 0.05, rules="deribit")  # OTM 0.02: 0.13 + 0.05
    assert math.isclose(near.im, 0.18) and math.isclose(near.mm, 0.125)


def test_deribit_short_put_floor_and_im_at_least_mm():
    # ITM put, mark 1.2 BTC (deep ITM at a low underlying): MM = max(0.075, 0.075*1.2) + 1.2 = 1.29;
    # IM = max(max(0.15, 0.1) + 1.2, 1.29) = 1.35
    r = short_option_margin("put", 10_000, 22_000, 1.2, rules="deribit")
    assert math.isclose(r.mm, 1.29) and math.isclose(r.im, 1.35)


def test_deribit_coin_form_is_bitcom_usd_form_over_the_underlying():
    U, K, mark_usd = 61_850.0, np.array([50_000, 60_000, 70_000, 90_000.0]), np.array([12_500, 5_100, 1_800, 210.0])
    for kind in ("call", "put"):
        coin = short_option_margin(kind, U, K, mark_usd / U, rules="deribit", contract="inverse")
        usd = short_option_margin(kind, U, K, mark_usd, rules="bitcom-usd@2026", contract="linear")
        np.testing.assert_allclose(coin.im * U, usd.im, rtol=1e-12)
        np.testing.assert_allclose(coin.mm * U, usd.mm, rtol=1e-12)


def test_aevo_maintenance_is_ten_percent_where_deribit_has_seven_and_a_half():
    r = short_option_margin("call", 3_000, 3_600, 20.0, rules="aevo", contract="linear")  # OTM 600 = 0.2 of spot
    assert math.isclose(r.im, 0.10 * 3_000 + 20) and math.isclose(r.mm, 0.10 * 3_000 + 20) and r.params == "aevo@2026"


def test_long_options_need_no_margin_and_size_scales():
    assert float(short_option_margin("call", 100, 90, 12, side="long", contract="linear").mm) == 0.0
    one = short_option_margin("put", 100, 90, 2, contract="linear")
    ten = short_option_margin("put", 100, 90, 2, size=10, contract="linear")
    assert math.isclose(ten.im, 10 * one.im) and math.isclose(ten.mm, 10 * one.mm)


def test_every_set_names_its_source():
    for p in OPTION_MARGIN_SETS.values():
        assert p.as_of[:4].isdigit() and p.source_url.startswith("https://") and p.source_title
        assert ("mirror" in p.note) == p.mirror


def test_bad_rules_and_bad_inputs_give_one_line_errors():
    with pytest.raises(ValueError, match="option margin rules must be one of"):
        short_option_margin("call", 100, 110, 1, rules="nope")
    with pytest.raises(ValueError, match="strike must be > 0"):
        short_option_margin("call", 100, -1, 1)
    result, reasons = short_option_margin.elementwise(["call", "bad"], 100, 110, 1.0, contract="linear")
    assert reasons[0] == "" and "option_type" in reasons[1]


@settings(max_examples=60, deadline=None)
@given(U=st.floats(100, 1e6), k=st.floats(0.3, 3), mark=st.floats(0, 0.5), kind=st.sampled_from(["call", "put"]),
       rules=st.sampled_from(["deribit", "aevo", "bitcom-usd@2026", "bitcom-bch@2021"]))
def test_initial_margin_is_never_below_maintenance(U, k, mark, kind, rules):
    r = short_option_margin(kind, U, U * k, mark, rules=rules)
    assert r.im >= r.mm - 1e-12 >= -1e-12


# -- the account's liquidation price with options ---------------------------------------------------------------
BOOK = dict(instruments=["call", "put", "perp"], sides=["short", "short", "long"], sizes=[2.0, 1.0, 30_000.0],
            entries=[0.03, 0.025, 60_000.0], strikes=[70_000, 55_000, 0], days=[21, 45, 0], vols=[0.55, 0.6, 0.0],
            underlying=61_850.0, wallet=0.8, contract="inverse")


@pytest.mark.parametrize("slope", [0.0, -0.5])
def test_account_liquidation_matches_brentq_reference(slope):
    r = account_liquidation_with_options(**BOOK, vol_slope=slope)
    account = make_account(**{k: v for k, v in BOOK.items()}, vol_slope=slope)
    for price in (r.down, r.up):
        assert np.isfinite(price) and price > 0
        ref = account_liquidation_brentq(account, price * 0.999, price * 1.001)
        assert math.isclose(price, ref, rel_tol=1e-9), (price, ref)
        assert account_surplus(account, price * (0.9999 if price > BOOK["underlying"] else 1.0001)) > 0
    assert r.down < BOOK["underlying"] < r.up and r.params == "deribit@2020"


def test_vectorised_surplus_equals_the_scalar_reference():
    account = make_account(**BOOK, vol_slope=-0.3)
    prices = np.array([20_000.0, 45_000, 61_850, 80_000, 150_000])
    fast = surplus_at(account, prices)
    slow = [account_surplus(account, p) for p in prices]
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-12)


def test_linear_account_with_a_short_call_and_vol_rising_as_price_falls():
    # USD account: short 1 call (Aevo rules), long perp hedge; vol up 5 points per -10% brings the downside closer
    kwargs = dict(instruments=["call", "perp"], sides=["short", "long"], sizes=[1.0, 0.5], entries=[2_000.0, 60_000],
                  strikes=[65_000, 0], days=[14, 0], vols=[0.5, 0.0], underlying=60_000.0, wallet=12_000.0,
                  contract="linear", rules="aevo")
    flat = account_liquidation_with_options(**kwargs)
    skew = account_liquidation_with_options(**kwargs, vol_slope=-0.5)
    assert flat.params == "aevo@2026" and 0 < flat.down < 60_000 < flat.up
    assert skew.down >= flat.down  # higher vol on the way down raises the short call's value and margin


def test_no_liquidation_gives_the_sentinels():
    r = account_liquidation_with_options(["call"], ["long"], [1.0], [0.01], [70_000], [30], [0.6], 60_000, 0.5)
    assert float(r.down) == 0.0 and math.isinf(r.up)


def test_option_prices_come_from_the_engine_black76():
    account = make_account(["call"], ["long"], [1.0], [0.0], [70_000], [30], [0.6], 60_000.0, 0.0, mmr=0.0)
    expected = options.option_price(option_type="call", underlying=66_000.0, strike=70_000.0, days=30.0, vol=0.6,
                                    contract="inverse")
    assert math.isclose(float(surplus_at(account, 66_000.0)), float(expected), rel_tol=1e-12)
