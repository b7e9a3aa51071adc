"""Reverse stress (the smallest move that liquidates really does, a move 1 bp smaller does not) and ADL ranking,
quantile and allocation against BitMEX's published walk-through."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import levxl as lx
from levxl.engine.margin import (account_reverse_stress, adl_allocation, adl_key, adl_quantile, perp_reverse_stress,
                                 position_reverse_stress)
from levxl.engine.margin.adl import binance_leverage_pnl
from levxl.engine.margin.account_with_options import make_account, surplus_at

BP = 1e-4


# -- ADL: BitMEX's example -----------------------------------------------------------------------------------------
LONGS_QTY = [10, 10, 20, 30, 20, 10]
LONGS_RANK = [3, 6, 1, 4, 5, 2]


def test_bitmex_walkthrough_quantiles():
    assert adl_quantile(LONGS_RANK, LONGS_QTY).tolist() == [0.8, 0.2, 1.0, 0.6, 0.4, 0.8]


def test_bitmex_walkthrough_a_20_short_liquidated_at_650_closes_accounts_2_and_5_for_10_each():
    closed = adl_allocation(LONGS_RANK, LONGS_QTY, 20)
    assert closed.tolist() == [0, 10, 0, 0, 10, 0]  # account 2 fully, account 5 for 10 of its 20


def test_bitmex_key_is_pnl_percent_times_effective_leverage():
    # long 1 at 100, 10x: bankruptcy 90; mark 110: PnL% = 0.1, effective leverage = 110/(110-90) = 5.5
    assert math.isclose(adl_key("long", 100, 110, 1, 10), 0.55)
    # a loser: PnL% / effective leverage; mark 95: -0.05 / (95/5) = -0.05/19
    assert math.isclose(adl_key("long", 100, 95, 1, 10), -0.05 / 19)
    # shorts win when the price falls; bankruptcy 110, mark 90: 0.1 * 90/20
    assert math.isclose(adl_key("short", 100, 90, 1, 10), 0.1 * 90 / 20)


def test_bitmex_key_uses_the_engines_bankruptcy_price():
    bp = float(lx.bankruptcy_price("long", 30_000, 10_000, leverage=20, contract="inverse"))
    key = float(adl_key("long", 30_000, 33_000, 10_000, 20, contract="inverse"))
    mark_value, bankrupt_value = 10_000 / 33_000, 10_000 / bp
    expected = (1 - 30_000 / 33_000) * mark_value / abs(mark_value - bankrupt_value)
    assert math.isclose(key, expected, rel_tol=1e-12)


def test_hyperliquid_and_binance_keys():
    hl = adl_key("long", 100, 120, 2, venue="hyperliquid", account_value=60)
    assert math.isclose(hl, (120 / 100) * (240 / 60))
    # Binance: PnL% = 40/max(1, 60); margin ratio = MM/(60 + 40) with MM = 0.01 * 240
    binance = adl_key("long", 100, 120, 2, venue="binance", account_value=60, mmr=0.01)
    assert math.isclose(binance, (40 / 60) * (2.4 / 100))
    assert float(adl_key("long", 100, 90, 2, venue="binance", account_value=60)) == 0.0  # losers rank 0


def test_binance_leverage_pnl_forum_example():
    # dev.binance.vision/t/17801: unrealised 40.2, wallet 4.27, margin ratio 13.42% -> PnL% 9.41, LeveragePnL 1.26
    maintenance = 0.1342 * (4.27 + 40.2)
    assert round(float(binance_leverage_pnl(40.2, 4.27, maintenance)), 2) == 1.26
    assert math.isclose(binance_leverage_pnl(40.2, 0.5, 1.0), 40.2 / 1.0 * (1.0 / 40.7))  # wallet floored at 1
    assert float(binance_leverage_pnl(-5.0, 4.0, 1.0)) == 0.0


@settings(max_examples=50, deadline=None)
@given(qty=st.lists(st.floats(0.1, 100), min_size=1, max_size=12), data=st.data())
def test_adl_allocation_closes_exactly_what_was_liquidated_highest_first(qty, data):
    keys = data.draw(st.lists(st.floats(-5, 5), min_size=len(qty), max_size=len(qty)))
    liquidated = data.draw(st.floats(0, 1.5 * sum(qty)))
    closed = adl_allocation(keys, qty, liquidated)
    assert math.isclose(closed.sum(), min(liquidated, sum(qty)), rel_tol=1e-9, abs_tol=1e-9)
    assert np.all(closed <= np.array(qty) + 1e-12)
    quantile = adl_quantile(keys, qty)
    assert set(np.round(quantile, 10)) <= {0.2, 0.4, 0.6, 0.8, 1.0}


# -- reverse stress ------------------------------------------------------------------------------------------------
def test_perp_move_is_the_engines_liquidation_price():
    lp = float(lx.liquidation_price("long", 60_000, 2, leverage=10, mmr=0.005))
    assert math.isclose(float(perp_reverse_stress("long", 60_000, 2, 61_000, 10, mmr=0.005)), lp / 61_000 - 1)


def test_perp_loss_fraction_closed_form():
    # isolated 10x long, margin 6,000, mark = entry: losing 25% of the equity takes 1,500 / 1 coin = -2.5%
    assert math.isclose(float(perp_reverse_stress("long", 60_000, 1, 60_000, 10, loss_fraction=0.25)), -0.025)
    inverse = float(perp_reverse_stress("short", 50_000, 10_000, 50_000, 5, contract="inverse", loss_fraction=0.5))
    # equity 0.04 BTC, budget 0.02: -Q*(1/50,000 - 1/P) = -0.02 -> 1/P = 1.8e-5 -> P = 55,555.6 (+11.1%)
    assert math.isclose(inverse, 1 / 1.8e-5 / 50_000 - 1, rel_tol=1e-12)


ACCOUNT = dict(instruments=["call", "put", "perp"], sides=["short", "short", "long"], sizes=[2.0, 1.0, 30_000.0],
               entries=[0.03, 0.025, 60_000.0], strikes=[70_000, 55_000, 0], days=[21, 45, 0],
               vols=[0.55, 0.6, 0.0], underlying=61_850.0, wallet=0.8, contract="inverse", funding_rates=0.0001)


def _check_frontier(account, frontier, loss_fraction=None):
    for i in range(frontier.vol_shift.size):
        vs, fp = frontier.vol_shift[i], frontier.funding_periods[i]
        for move, price, sign in ((frontier.move_down[i], frontier.price_down[i], -1),
                                  (frontier.move_up[i], frontier.price_up[i], 1)):
            if np.isnan(move):
                continue
            at = surplus_at(account, price, vs, fp, loss_fraction)
            smaller = surplus_at(account, account.underlying * (1 + move - sign * BP), vs, fp, loss_fraction)
            assert at <= 0 < smaller, (move, at, smaller)


@pytest.mark.parametrize("loss_fraction", [None, 0.3])
def test_account_frontier_over_vol_shifts_and_funding(loss_fraction):
    f = account_reverse_stress(**ACCOUNT, vol_shifts=[0.0, 0.1, 0.3], funding_periods=[0, 30, 90],
                               loss_fraction=loss_fraction)
    account = make_account(**ACCOUNT)
    _check_frontier(account, f, loss_fraction)
    assert f.params == "deribit@2020" and np.all(np.isfinite(f.move_down))


def test_position_frontier():
    down, up = position_reverse_stress(**ACCOUNT, loss_fraction=0.2)
    assert down.shape == (3,) and np.isnan(down[0]) and np.isnan(up[2])  # a short call loses up, a long perp down
    assert up[0] > 0 and down[1] < 0 and down[2] < 0


option = st.tuples(st.sampled_from(["call", "put"]), st.sampled_from(["long", "short"]), st.floats(0.1, 5),
                   st.floats(0.6, 1.6), st.floats(1, 180), st.floats(0.3, 1.2))


@settings(max_examples=25, deadline=None)
@given(book=st.lists(option, min_size=1, max_size=4), hedge=st.floats(-3, 3), wallet=st.floats(0.3, 5),
       slope=st.floats(-0.8, 0.0), shift=st.floats(0, 0.3), loss=st.sampled_from([None, 0.2, 0.5]))
def test_reverse_stress_move_liquidates_and_one_bp_less_does_not(book, hedge, wallet, slope, shift, loss):
    U = 60_000.0
    kinds, sides, sizes, moneyness, days, vols = map(list, zip(*book))
    kwargs = dict(instruments=kinds + ["perp"], sides=sides + ["long" if hedge >= 0 else "short"],
                  sizes=sizes + [max(abs(hedge), 0.01) * U], entries=[0.0] * len(kinds) + [U],
                  strikes=[m * U for m in moneyness] + [0.0], days=days + [0.0], vols=vols + [0.0], underlying=U,
                  wallet=wallet, contract="inverse", vol_slope=slope)
    account = make_account(**kwargs)
    assume(surplus_at(account, U * 1.0) > 1e-9 if loss is None else True)
    f = account_reverse_stress(**kwargs, vol_shifts=[shift], loss_fraction=loss)
    for move, price, sign in ((f.move_down[0], f.price_down[0], -1), (f.move_up[0], f.price_up[0], 1)):
        if np.isnan(move) or abs(move) < 2 * BP:
            continue
        assert surplus_at(account, price, shift, 0.0, loss) <= 0
        assert surplus_at(account, U * (1 + move - sign * BP), shift, 0.0, loss) > 0
