"""Sourced venue conventions added for issue 12: Bybit's fee to close inside the maintenance margin of the
liquidation price, taker fees and funding intervals as cited in the profiles, and the tables that remain unsourced
(docs/venue-conventions.md, levxl/data/tiers/SOURCES.md)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import levxl as lx
from levxl.catalogue import CATALOGUE
from levxl.engine.conventions import close_fee_at_bankruptcy, liquidation_price_at_venue


# -- Bybit UTA: the fee to close at the bankruptcy price inside the maintenance margin ---------------------------
# Bybit help "Maintenance Margin Calculation (USDC Contract)": 1 BTC long at 51,000, 10x, mmr 0.5%, taker 0.06%:
# MM = 255 + 27.54 (fee to close at BP 45,900); "Initial Margin Calculation": position IM = value/L + that fee.
def test_bybit_liquidation_price_charges_the_close_fee_against_a_given_margin():
    lp = liquidation_price_at_venue("long", 51_000, 1, mmr=0.005, margin=5_100, fee=0.0006, venue="bybit")
    equity_at_lp = 5_100 - 1 * (51_000 - lp)
    assert equity_at_lp == pytest.approx(255 + 27.54)  # equity at the liquidation price = Bybit's MM, 282.54
    assert lp == pytest.approx(46_182.54)
    # without the fee term (any other venue's convention on the entry basis) the price would be 46,155
    assert lx.liquidation_price("long", 51_000, 1, margin=5_100, mmr=0.005, basis="entry") == pytest.approx(46_155)


def test_bybit_position_margin_from_leverage_holds_the_fee_so_it_cancels():
    # position margin = 5,100 + 27.54 (Bybit's IM with the fee to close); MM = 255 + 27.54: LP = 46,155
    assert liquidation_price_at_venue("long", 51_000, 1, 10, 0.005, margin=5_127.54, fee=0.0006,
                                      venue="bybit") == pytest.approx(46_155)
    assert liquidation_price_at_venue("long", 51_000, 1, 10, 0.005, venue="bybit") == pytest.approx(46_155)
    # Bybit's fee-free help-page example (1 BTC at 20,000, 50x, 0.5%): 19,700 still
    assert liquidation_price_at_venue("long", 20_000, 1, 50, 0.005, venue="bybit") == pytest.approx(19_700)


def test_bybit_blank_fee_takes_the_profile_taker_rate():
    fee = float(close_fee_at_bankruptcy("long", 51_000, 1, 10, venue="bybit"))  # 0.055% of 45,900
    assert fee == pytest.approx(25.245)
    lp = liquidation_price_at_venue("long", 51_000, 1, mmr=0.005, margin=5_100, venue="bybit")
    assert lp == pytest.approx(51_000 - (5_100 - 255 - fee))


def test_the_spreadsheet_function_follows_the_preset():
    f = CATALOGUE["LEVXL_LIQ_PRICE"]
    assert f("long", 51_000, 1, None, 0.005, 5_100, None, 0.0006, None, "bybit") == pytest.approx(46_182.54)
    assert f("long", 51_000, 1, 10, 0.005, None, None, 0.0006, None, "bybit") == pytest.approx(46_155)
    # no venue: the fee is a threshold fee on the value at the liquidation price, as before
    assert f("long", 51_000, 1, None, 0.005, 5_100, None, 0.0006) == pytest.approx(
        float(lx.liquidation_price("long", 51_000, 1, margin=5_100, mmr=0.005, fee=0.0006)))


def test_other_venues_are_unchanged_by_the_close_fee_rule():
    for venue in ("binance", "okx", "kucoin", "gate", "hyperliquid"):
        a = liquidation_price_at_venue("short", 3_000, 2, mmr=0.01, margin=400, venue=venue)
        basis = "entry" if venue == "kucoin" else "mark"
        fee = 0.0005 if venue in ("okx", "gate") else 0.0
        assert a == pytest.approx(float(lx.liquidation_price("short", 3_000, 2, margin=400, mmr=0.01, fee=fee,
                                                             basis=basis)))


@settings(max_examples=60, deadline=None)
@given(side=st.sampled_from(["long", "short"]), entry=st.floats(10, 1e5), size=st.floats(0.01, 100),
       lev=st.floats(1.5, 100), taker=st.floats(0, 0.001), contract=st.sampled_from(["linear", "inverse"]))
def test_bybit_close_fee_moves_a_given_margin_price_toward_the_entry_and_cancels_from_leverage(
        side, entry, size, lev, taker, contract):
    venue = "bybit" if contract == "linear" else "bybit-inverse"
    value = size * entry if contract == "linear" else size / entry
    im = value / lev
    plain = float(lx.liquidation_price(side, entry, size, margin=im, mmr=0.005, basis="entry", contract=contract))
    from_leverage = float(liquidation_price_at_venue(side, entry, size, lev, 0.005, fee=taker, contract=contract,
                                                     venue=venue))
    given = float(liquidation_price_at_venue(side, entry, size, mmr=0.005, margin=im, fee=taker,
                                             contract=contract, venue=venue))
    assert from_leverage == pytest.approx(plain, rel=1e-9)
    s = 1 if side == "long" else -1
    if np.isfinite(given) and np.isfinite(plain) and plain > 0:
        assert s * (given - plain) >= -1e-9 * entry  # a long's price rises, a short's falls (closer to the entry)
