"""Invariants of the futures engine, checked by hypothesis."""

import numpy as np
from hypothesis import assume, given, settings, strategies as st

import levxl as lx
from levxl.engine import kernel

TABLE = lx.preset("binance:BTCUSDT")
sides = st.sampled_from([1, -1])
contracts = st.sampled_from(["linear", "inverse"])
prices = st.floats(1.0, 200_000.0)
leverages = st.floats(1.01, 100.0)
rates = st.floats(0.0, 0.05)
fees = st.sampled_from([0.0, 0.0004, 0.001])
notionals = st.floats(100.0, 5e8)


def size_for(notional, entry, contract):
    return notional / entry if contract == "linear" else notional


@settings(max_examples=300, deadline=None)
@given(sides, contracts, prices, notionals, leverages, fees, st.sampled_from([0.004, 0.01, TABLE]))
def test_equity_at_the_liquidation_price_equals_maintenance_plus_fee(side, contract, entry, notional, leverage, fee,
                                                                      mmr):
    size = size_for(notional, entry, contract)
    lp = float(lx.liquidation_price(side, entry, size, leverage=leverage, mmr=mmr, contract=contract, fee=fee))
    assume(0 < lp < np.inf)
    margin = float(lx.initial_margin(entry, size, leverage=leverage, contract=contract))
    equity = margin + float(kernel.pnl(side, entry, lp, size, 1.0 if contract == "inverse" else 0.0))
    threshold = float(lx.maintenance_margin(size, price=lp, mmr=mmr, contract=contract)) + fee * float(
        kernel.value(size, lp, 1.0 if contract == "inverse" else 0.0))
    assert abs(equity - threshold) <= 1e-9 * max(margin, abs(equity), 1e-12) + 1e-12


@settings(max_examples=300, deadline=None)
@given(sides, contracts, prices, notionals, st.lists(leverages, min_size=2, max_size=6), st.sampled_from([0.005, TABLE]))
def test_liquidation_price_moves_toward_entry_as_leverage_rises(side, contract, entry, notional, levs, mmr):
    levs = np.sort(np.array(levs))
    size = size_for(notional, entry, contract)
    lp = lx.liquidation_price(side, entry, size, leverage=levs, mmr=mmr, contract=contract)
    # A long's price rises toward the entry (a short's falls), and past it once the margin is below maintenance.
    finite = np.where(np.isfinite(lp), lp, 1e300)
    assert np.all(side * np.diff(finite) >= -1e-9 * entry)


@settings(max_examples=300, deadline=None)
@given(sides, prices, leverages, st.floats(-1e-4, 1e-4))
def test_linear_and_inverse_agree_for_small_moves(side, entry, leverage, move):
    assume(abs(move) > 1e-9)
    exit_price = entry * (1 + move)
    move = exit_price / entry - 1  # the move the rounded price really makes
    linear_roe = lx.roe(side, entry, exit=exit_price, leverage=leverage)
    inverse_roe = lx.roe(side, entry, exit=exit_price, leverage=leverage, contract="inverse")
    # ROE linear: s L m; inverse: s L m/(1+m): they agree to first order in m
    assert abs(linear_roe - inverse_roe) <= abs(linear_roe) * 2 * abs(move) + 1e-12 * leverage


@settings(max_examples=200, deadline=None)
@given(sides, contracts, prices, notionals, leverages, fees, st.lists(st.floats(-0.95, 3.0), min_size=2, max_size=20))
def test_loss_at_move_is_monotone_in_the_move(side, contract, entry, notional, leverage, fee, moves):
    moves = np.sort(np.array(moves))
    size = size_for(notional, entry, contract)
    out = lx.loss_at_move(side, entry, size, leverage=leverage, move=moves, mmr=TABLE, contract=contract, fee=fee)
    steps = np.diff(out.pnl) * side  # a long gains as the price rises, a short loses
    margin = float(lx.initial_margin(entry, size, leverage=leverage, contract=contract))
    assert np.all(steps >= -1e-9 * margin)
    assert np.all(out.pnl >= -margin * (1 + 1e-12))  # isolated: never more than the margin


@settings(max_examples=300, deadline=None)
@given(st.floats(100, 1e7), st.floats(0.001, 0.2), prices, st.floats(-0.3, 0.3), fees, contracts)
def test_sizing_inverts_the_loss_at_the_stop(equity, risk, entry, stop_move, fee, contract):
    assume(abs(stop_move) > 1e-4)
    stop = entry * (1 + stop_move)
    size = float(lx.position_size(equity, risk, entry=entry, stop=stop, fee=fee, contract=contract))
    side = 1 if stop < entry else -1
    inverse = 1.0 if contract == "inverse" else 0.0
    loss = -float(kernel.pnl(side, entry, stop, size, inverse)) + fee * float(kernel.value(size, entry, inverse)) \
        + fee * float(kernel.value(size, stop, inverse))
    assert np.isclose(loss, equity * risk, rtol=1e-9)


@settings(max_examples=200, deadline=None)
@given(sides, contracts, prices, st.floats(0.01, 0.5), st.sampled_from([0.004, 0.02]), st.floats(0, 0.05))
def test_max_leverage_puts_the_liquidation_price_on_the_buffered_stop(side, contract, entry, distance, mmr, buffer):
    stop = entry * (1 - side * distance)
    leverage = float(lx.max_leverage_for_stop(side, entry, stop=stop, mmr=mmr, buffer=buffer, contract=contract))
    assume(np.isfinite(leverage))
    lp = float(lx.liquidation_price(side, entry, 1000.0, leverage=leverage, mmr=mmr, contract=contract))
    assert np.isclose(lp, stop * (1 - side * buffer), rtol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(prices, st.floats(0.001, 100)), min_size=1, max_size=8), contracts)
def test_average_entry_keeps_the_pnl_of_the_fills(fills, contract):
    p = np.array([f[0] for f in fills])
    q = np.array([f[1] for f in fills])
    avg = float(lx.average_entry(p, q, contract=contract))
    exit_price = float(p.mean() * 1.1)
    one = float(lx.pnl("long", avg, q.sum(), exit=exit_price, contract=contract))
    many = float(np.sum(lx.pnl("long", p, q, exit=exit_price, contract=contract)))
    assert np.isclose(one, many, rtol=1e-9, atol=1e-12)


def test_grids_broadcast_without_loops():
    grid = lx.scenario_grid("short", 3000, 2, moves=np.linspace(-0.5, 0.5, 11), leverages=[1, 2, 5, 10, 50], mmr=TABLE)
    assert grid.pnl.shape == (11, 5)
    single = lx.loss_at_move("short", 3000, 2, leverage=10, move=0.3, mmr=TABLE)
    assert grid.pnl[8, 3] == single.pnl and grid.liquidated[8, 3] == single.liquidated
    funding = lx.funding_grid("long", 3000, 2, leverage=10, moves=[-0.1, 0, 0.1], funding_periods=[0, 3, 90],
                              funding_rate=0.0005)
    assert funding.pnl.shape == (3, 3)
    assert np.all(np.diff(funding.liquidation_price, axis=1) >= 0)  # paying funding pulls a long's price up


def test_sentinels_are_documented_values_not_garbage():
    assert lx.liquidation_price("short", 8000, 8000, leverage=1, contract="inverse") == np.inf
    assert lx.liquidation_price("long", 100, 1, leverage=1, mmr=0.005) == 0.0
    assert lx.bankruptcy_price("long", 100, 1, leverage=1) == 0.0
    assert np.isclose(lx.bankruptcy_price("long", 100, 100, leverage=1, contract="inverse"),
                      50.0)  # 1x inverse long: -50%
    assert lx.liquidation_price(1, 10, 1, leverage=3, mmr=0.01, tick=0.5) == 7.0  # 6.7239 rounded up, toward entry
