"""Portfolio-margin scenario grids (Deribit, Paradex, OKX MR1) against their published tables, Paradex's worked
example, the per-scenario reference loop, and the invariant that the margin covers the worst scenario."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from levxl.engine.margin import pm_margin
from levxl.engine.margin.params import DERIBIT_PM, OKX_MR1_2024, OKX_MR1_2025, PARADEX_PM, PM_SETS
from levxl.engine.margin.portfolio_margin import (min_delta_from_deltas, scenario_pnl, scenarios_of, shocked_vols)
from levxl.engine.margin.reference import scenario_losses_loop


def test_deribit_grid_is_nine_buckets_of_16_percent_times_three_vols_plus_the_extended_table():
    grid = scenarios_of(DERIBIT_PM)
    regular = ~grid.extended
    assert sorted(set(np.round(grid.moves[regular], 10))) == [-0.16, -0.12, -0.08, -0.04, 0.0, 0.04, 0.08, 0.12, 0.16]
    assert regular.sum() == 27 and sorted(set(grid.shocks[regular])) == [-0.25, 0.0, 0.5]
    assert list(grid.moves[~regular]) == [-0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert set(grid.shocks[~regular]) == {0.5}  # the extended table: vol up only


@pytest.mark.parametrize("vol, dte, expected", [
    (0.6, 30, 0.9),                                   # 0.6 * (1 + 0.5 * 1^0.30)
    (0.6, 7, 0.6 * (1 + 0.5 * (30 / 7) ** 0.30)),     # short-dated power 0.30
    (0.6, 90, 0.6 * (1 + 0.5 * (30 / 90) ** 0.13)),   # long-dated power 0.13
    (0.2, 90, 0.5),                                   # floored at minVolForShockUp 0.5
])
def test_deribit_vol_up(vol, dte, expected):
    got = shocked_vols(np.array([[vol]]), np.array([[dte]]), np.array([0.5]), DERIBIT_PM)
    assert math.isclose(float(got[0, 0]), expected, rel_tol=1e-12)


def test_deribit_vol_down_and_same():
    got = shocked_vols(np.array([[0.6]]), np.array([[7.0]]), np.array([-0.25, 0.0]), DERIBIT_PM)[0]
    assert math.isclose(got[0], 0.6 * (1 - 0.25 * (30 / 7) ** 0.30)) and got[1] == 0.6


def test_paradex_grid_is_its_published_table_of_24_weighted_scenarios():
    grid = scenarios_of(PARADEX_PM)
    assert len(grid.moves) == 24
    table = list(zip(np.round(grid.moves, 4), np.round(grid.shocks, 4), np.round(grid.weights, 4)))
    assert (0.16, 0.4, 1.0) in table and (-0.16, 0.4, 1.0) in table
    assert (0.16, -0.22, 1.0) not in table and (-0.16, -0.22, 1.0) not in table
    tails = [(m, w) for m, k, w in table if w < 1]
    assert tails == [(-0.66, 0.24), (-0.33, 0.48), (0.5, 0.32), (1.0, 0.16), (2.0, 0.08), (3.0, 0.0533),
                     (4.0, 0.04), (5.0, 0.032)]
    assert all(k == 0.4 for m, k, w in table if w < 1)


def test_paradex_min_delta_worked_example():
    # Paradex's example: long 1 BTC-USD-PERP (delta +1), short 5 BTC 70k calls (delta +0.3 each), spot 70,000:
    # net = -0.5, gross = 2.5, hedged = (2.5 - 0.5)/2 = 1.0; min delta = (2% x 0.5 + 1% x 1.0) x 70,000 = 1,400
    assert math.isclose(min_delta_from_deltas([1.0, -5 * 0.3], 70_000, PARADEX_PM), 1_400.0)


def test_paradex_mmr_is_half_the_net_requirement_plus_the_fee_provision():
    r = pm_margin(["perp", "call"], ["long", "short"], [1.0, 5.0], [0, 70_000], [0, 7], [0, 0.5], 70_000,
                  rules="paradex", fee_provision=25.0)
    net = max(r.worst_loss, r.min_delta)
    assert math.isclose(r.im, net + 25.0) and math.isclose(r.mm, 0.5 * net + 25.0) and r.params == "paradex-pm@2025"


def test_okx_mr1_tables_before_and_after_january_2025():
    assert scenarios_of(OKX_MR1_2025).moves.tolist() == [-0.12, -0.08, -0.04, 0.0, 0.04, 0.08, 0.12]
    assert scenarios_of(OKX_MR1_2024).moves.tolist() == [-0.15, -0.10, -0.05, 0.0, 0.05, 0.10, 0.15]
    short = pm_margin(["perp"], ["short"], [2.0], [0.0], [0.0], [0.0], 50_000, rules="okx-mr1@2024")
    assert math.isclose(short.mm, 2 * 50_000 * 0.15) and short.worst_move == 0.15


def test_one_pass_equals_the_per_scenario_reference_loop():
    rng = np.random.default_rng(7)
    n = 40
    instrument = rng.choice([0.0, 1.0, -1.0], n)
    qty = rng.normal(0, 2, n)
    strike = np.where(instrument == 0, 0.0, rng.uniform(40_000, 90_000, n))
    days = np.where(instrument == 0, 0.0, rng.uniform(1, 200, n))
    vol = np.where(instrument == 0, 0.0, rng.uniform(0.3, 1.2, n))
    for params in (DERIBIT_PM, PARADEX_PM, OKX_MR1_2025):
        grid = scenarios_of(params)
        fast = scenario_pnl(instrument, qty, strike, days, vol, 61_850.0, grid, params).sum(axis=0)
        book = [dict(instrument=i, qty=q, strike=k, days=d, vol=v)
                for i, q, k, d, v in zip(instrument, qty, strike, days, vol)]
        slow = scenario_losses_loop(book, 61_850.0, grid.moves, grid.shocks, params)
        np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-6)


def test_sets_name_sources_and_mirrors():
    for p in PM_SETS.values():
        assert p.source_url.startswith("https://") and p.as_of[:4].isdigit()
    assert DERIBIT_PM.mirror and "third-party" in DERIBIT_PM.note and not PARADEX_PM.mirror


def test_unknown_rules_is_a_clear_error():
    with pytest.raises(ValueError, match="portfolio margin rules must be one of"):
        pm_margin(["perp"], ["long"], [1.0], [0.0], [0.0], [0.0], 100.0, rules="cme")


position = st.tuples(st.sampled_from(["perp", "call", "put"]), st.sampled_from(["long", "short"]),
                     st.floats(0.01, 50), st.floats(0.5, 2.0), st.floats(1, 365), st.floats(0.2, 1.5))


@settings(max_examples=40, deadline=None)
@given(book=st.lists(position, min_size=1, max_size=6), rules=st.sampled_from(sorted(PM_SETS)),
       contract=st.sampled_from(["linear", "inverse"]))
def test_margin_never_below_the_worst_scenario_loss(book, rules, contract):
    kinds, sides, sizes, moneyness, days, vols = map(list, zip(*book))
    U = 60_000.0
    sizes = [s * U if (k == "perp" and contract == "inverse") else s for k, s in zip(kinds, sizes)]
    r = pm_margin(kinds, sides, sizes, [m * U for m in moneyness], days, vols, U, rules=rules, contract=contract)
    grid = scenarios_of(PM_SETS[rules])
    worst = max(0.0, float(np.max(-grid.weights * r.book_pnl)))
    assert r.im >= worst - 1e-9 * max(1.0, worst)
    if PM_SETS[rules].mm_fraction == 1.0:
        assert r.mm >= worst - 1e-9 * max(1.0, worst)
    assert math.isclose(-grid.weights[r.worst_index] * r.book_pnl[r.worst_index], r.worst_loss,
                        rel_tol=1e-12, abs_tol=1e-12) or r.worst_loss == 0.0
