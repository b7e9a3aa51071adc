"""The reverse stress's root search (levxl.engine.margin.account_with_options.solve_first_crossing: the grid scanned
outward in chunks, then Illinois regula falsi) pinned to the slow reference it replaced
(levxl.engine.margin.reference.first_crossing_bisection: the whole grid, then bisection): the same bracket, the same
answer to rounding, the same "no move", each problem on its own; the answer's contract (at or below zero there,
above one ulp inward) holds exactly."""

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from levxl.engine.margin import account_reverse_stress, position_reverse_stress
from levxl.engine.margin import reverse_stress as reverse_stress_module
from levxl.engine.margin.account_with_options import (make_account, narrow_brackets, position_values, price_grids,
                                                      solve_first_crossing, subaccount, surplus_at)
from levxl.engine.margin.reference import first_crossing_bisection

U = 60_000.0
DOWN, UP = price_grids(U)
ROUNDING = 1e-12  # relative: fast and reference differ only where fn's rounding crosses zero more than once


def _with_reference_solver(function, **kwargs):
    with mock.patch.object(reverse_stress_module, "solve_first_crossing", first_crossing_bisection):
        return function(**kwargs)


def _counted(fn):
    """fn, counting the (problem, price) pairs it is asked for."""
    def wrapped(prices, which):
        wrapped.pairs += prices.size
        return fn(prices, which)
    wrapped.pairs = 0
    return wrapped


# -- synthetic problems: known roots -------------------------------------------------------------------------------
def _product_of_roots(down_roots, up_roots):
    """Problem j: fn = (p - down_j)(up_j - p), above zero strictly between its roots; its sign is exact in floats,
    so the one-ulp bracket is unique and its outer end is the root itself."""
    def fn(prices, which):
        return (prices - down_roots[which, None]) * (up_roots[which, None] - prices)
    return fn


@settings(max_examples=60, deadline=None)
@given(down=st.lists(st.floats(U * 1e-3, U, exclude_max=True), min_size=1, max_size=6),
       up=st.data())
def test_monotone_problems_find_their_exact_roots_as_the_bisection_does(down, up):
    n = len(down)
    ups = up.draw(st.lists(st.floats(U, 20 * U, exclude_min=True), min_size=n, max_size=n))
    fn = _product_of_roots(np.array(down), np.array(ups))
    fast = solve_first_crossing(fn, U, DOWN, UP, shape=(n,))
    slow = first_crossing_bisection(fn, U, DOWN, UP, shape=(n,))
    for got, want, roots in zip(fast, slow, (down, ups)):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got, roots)


def test_no_crossing_stays_no_move_and_a_crossing_at_the_start_is_the_start():
    # problem 0: both roots beyond the grid; 1 and 2: a root at the start (fn = 0 there: both sides cross at once);
    # 3: a root below the grid and one on it
    down = np.array([U * 1e-4, U, U * 0.5, 1.0])
    up = np.array([U * 30, U * 2, U, U * 19])
    fn = _product_of_roots(down, up)
    for result in (solve_first_crossing(fn, U, DOWN, UP, shape=(4,)),
                   first_crossing_bisection(fn, U, DOWN, UP, shape=(4,))):
        np.testing.assert_array_equal(result[0], [0.0, U, U, 0.0])
        np.testing.assert_array_equal(result[1], [np.inf, U, U, U * 19])


def test_each_problem_is_its_own_a_nan_problem_is_no_move_and_the_rest_are_as_if_alone():
    down, up = np.array([0.7 * U, 0.9 * U, 0.5 * U]), np.array([1.3 * U, 1.1 * U, 3.0 * U])
    roots = _product_of_roots(down, up)

    def fn(prices, which):  # problem 1 is bad: NaN at every price
        values = roots(prices, which)
        return np.where((which == 1)[:, None], np.nan, values)

    together = solve_first_crossing(fn, U, DOWN, UP, shape=(3,))
    reference = first_crossing_bisection(fn, U, DOWN, UP, shape=(3,))
    np.testing.assert_array_equal(together[0], [0.7 * U, 0.0, 0.5 * U])
    np.testing.assert_array_equal(together[1], [1.3 * U, np.inf, 3.0 * U])
    for got, want in zip(together, reference):
        np.testing.assert_array_equal(got, want)
    for j in (0, 2):
        alone = solve_first_crossing(lambda p, w: fn(p, np.full_like(w, j)), U, DOWN, UP, shape=(1,))
        assert (alone[0][0], alone[1][0]) == (together[0][j], together[1][j])


@settings(max_examples=40, deadline=None)
@given(freq=st.floats(0.5, 40), phase=st.floats(0, 2 * math.pi), level=st.floats(-0.9, 0.9))
def test_several_roots_same_bracket_as_the_whole_grid_and_the_contract_holds(freq, phase, level):
    def fn(prices, which):  # oscillates: several crossings on each side, the nearest one is wanted
        return np.cos(freq * np.log(prices / U) + phase + 0.1 * which[:, None]) - level

    shape = (3,)
    scanned = solve_first_crossing(fn, U, DOWN, UP, shape=shape, iterations=0)  # no narrowing: the brackets' ends
    whole = first_crossing_bisection(fn, U, DOWN, UP, shape=shape, iterations=0)
    for got, want in zip(scanned, whole):
        np.testing.assert_array_equal(got, want)
    fast = solve_first_crossing(fn, U, DOWN, UP, shape=shape)
    slow = first_crossing_bisection(fn, U, DOWN, UP, shape=shape)
    for got, want, grid in zip(fast, slow, (DOWN, UP)):
        np.testing.assert_array_equal(np.isfinite(got) & (got > 0), np.isfinite(want) & (want > 0))
        for j in range(3):
            root = got[j]
            if not (np.isfinite(root) and root > 0) or root == U:
                continue
            here = fn(np.array([[root, np.nextafter(root, U)]]), np.array([j]))[0]
            assert here[0] <= 0 < here[1], (root, here)
            outer = grid[np.searchsorted(grid, root) if grid is UP else np.searchsorted(-grid, -root)]
            assert outer == grid[np.argmax(fn(grid[None, :], np.array([j]))[0] <= 0)]  # the nearest bracket


def test_narrowing_closes_to_one_ulp_in_far_fewer_steps_than_bisection():
    fn = _product_of_roots(np.array([0.8 * U]), np.array([1.9 * U]))
    k = int(np.argmax(DOWN <= 0.8 * U))
    counted = _counted(fn)
    got = narrow_brackets(counted, np.array([0]), DOWN[k - 1:k], DOWN[k:k + 1],
                          fn(DOWN[None, k - 1:k], np.array([0]))[0], fn(DOWN[None, k:k + 1], np.array([0]))[0])
    assert got[0] == 0.8 * U and counted.pairs <= 12  # bisection: ~45 steps from a grid bracket to one ulp


# -- the account's frontier: the engine's reverse stress -----------------------------------------------------------
option = st.tuples(st.sampled_from(["call", "put"]), st.sampled_from(["long", "short"]), st.floats(0.1, 5),
                   st.floats(0.6, 1.6), st.floats(1, 180), st.floats(0.3, 1.2))


def _account_kwargs(book, hedge, wallet, slope, inverse):
    kinds, sides, sizes, moneyness, days, vols = map(list, zip(*book))
    scale = U if inverse else 1.0
    return dict(instruments=kinds + ["perp"], sides=sides + ["long" if hedge >= 0 else "short"],
                sizes=sizes + [max(abs(hedge), 0.01) * scale], entries=[0.0] * len(kinds) + [U],
                strikes=[m * U for m in moneyness] + [0.0], days=days + [0.0], vols=vols + [0.0], underlying=U,
                wallet=wallet * (1.0 if inverse else U), contract="inverse" if inverse else "linear", vol_slope=slope,
                funding_rates=0.0001)


@settings(max_examples=30, deadline=None)
@given(book=st.lists(option, min_size=1, max_size=4), hedge=st.floats(-3, 3), wallet=st.floats(0.05, 5),
       slope=st.floats(-0.8, 0.0), inverse=st.booleans(),
       shifts=st.lists(st.floats(-0.3, 0.3), min_size=1, max_size=4), loss=st.sampled_from([None, 0.2, 0.5]))
def test_account_frontier_equals_the_bisection_and_each_price_crosses_there_and_not_one_ulp_inward(
        book, hedge, wallet, slope, inverse, shifts, loss):
    kwargs = _account_kwargs(book, hedge, wallet, slope, inverse)
    periods = [3.0 * i for i in range(len(shifts))]
    fast = account_reverse_stress(**kwargs, vol_shifts=shifts, funding_periods=periods, loss_fraction=loss)
    slow = _with_reference_solver(account_reverse_stress, **kwargs, vol_shifts=shifts, funding_periods=periods,
                                  loss_fraction=loss)
    account = make_account(**kwargs)
    for got, want, price in ((fast.move_down, slow.move_down, fast.price_down),
                             (fast.move_up, slow.move_up, fast.price_up)):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))  # "no move" exactly where it was
        np.testing.assert_allclose(got, want, rtol=0, atol=ROUNDING * 2)
        for i in np.flatnonzero(~np.isnan(got)):
            if price[i] == U:
                continue
            at, inward = surplus_at(account, np.array([[price[i], np.nextafter(price[i], U)]]),
                                    fast.vol_shift[i, None, None], fast.funding_periods[i, None, None], loss)[0]
            assert at <= 0 < inward, (price[i], at, inward)
    for got, want in ((fast.price_down, slow.price_down), (fast.price_up, slow.price_up)):
        np.testing.assert_allclose(got, want, rtol=ROUNDING)


@settings(max_examples=15, deadline=None)
@given(book=st.lists(option, min_size=1, max_size=5), hedge=st.floats(-3, 3), wallet=st.floats(0.3, 5),
       slope=st.floats(-0.8, 0.0), inverse=st.booleans(), loss=st.sampled_from([0.05, 0.2, 0.5]))
def test_position_frontier_equals_the_bisection(book, hedge, wallet, slope, inverse, loss):
    kwargs = _account_kwargs(book, hedge, wallet, slope, inverse)
    fast = position_reverse_stress(**kwargs, loss_fraction=loss)
    slow = _with_reference_solver(position_reverse_stress, **kwargs, loss_fraction=loss)
    for got, want in zip(fast, slow):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=0, atol=ROUNDING * 2)


def test_position_values_paired_is_each_position_at_its_own_price():
    kwargs = _account_kwargs([("call", "short", 2, 1.1, 20, 0.6), ("put", "long", 1, 0.9, 90, 0.8)], 1.0, 1.0,
                             -0.4, True)
    account = make_account(**kwargs)
    which = np.array([2, 0])
    prices = np.array([[50_000.0, 70_000.0], [61_000.0, 40_000.0], [90_000.0, 55_000.0]])  # (k, positions which)
    paired = position_values(subaccount(account, which), prices, 0.1, 4.0, paired=True)
    every = position_values(account, prices, 0.1, 4.0)  # (k, 2, all positions)
    for field, whole in zip(paired, every):
        np.testing.assert_array_equal(field, whole[:, [0, 1], which])


@pytest.mark.parametrize("loss", [None, 0.3])
def test_the_search_asks_for_a_fraction_of_the_bisections_prices(loss):
    kwargs = _account_kwargs([("call", "short", 2, 1.15, 21, 0.55), ("put", "short", 1, 0.9, 45, 0.6)], 0.5, 0.8,
                             0.0, True)
    account = make_account(**kwargs)
    shifts = np.array([0.0, 0.1, 0.3])

    def fn(prices, which):
        return surplus_at(account, prices, shifts[which, None], 0.0, loss)

    fast, slow = _counted(fn), _counted(fn)
    got = solve_first_crossing(fast, U, DOWN, UP, shape=(3,))
    want = first_crossing_bisection(slow, U, DOWN, UP, shape=(3,))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=ROUNDING)
    assert fast.pairs * 4 < slow.pairs, (fast.pairs, slow.pairs)


def test_equity_only_valuation_is_the_full_valuations_equity():
    kwargs = _account_kwargs([("call", "short", 2, 1.1, 20, 0.6), ("put", "long", 1, 0.9, 90, 0.8)], -1.0, 1.0,
                             -0.4, False)
    account = make_account(**kwargs)
    prices = np.array([[50_000.0, 70_000.0], [61_000.0, 40_000.0]])
    full = position_values(account, prices, 0.1, 4.0)
    equity_only = position_values(account, prices, 0.1, 4.0, margin=False)
    assert equity_only.mm is None
    np.testing.assert_array_equal(equity_only.equity, full.equity)
    loss = surplus_at(account, prices, 0.1, 4.0, 0.3)
    today = position_values(account, U).equity.sum(-1) + account.wallet
    np.testing.assert_array_equal(loss, account.wallet + full.equity.sum(-1) - 0.7 * today)
