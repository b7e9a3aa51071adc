"""Probability of liquidation: closed form vs a seeded Monte Carlo, the scalar reference, limits and monotonicity."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from levxl.engine import probability as prob
from levxl.engine.reference import options as ref
from conftest import assert_value_error


def monte_carlo(side, mark, liq, vol, days, drift=0.0, liq_drift=0.0, paths=20_000, steps=64, seed=7):
    """P(first passage) by simulation of the mark and of the (moving) liquidation price.

    Between grid points the log price is a Brownian bridge; the probability that it crosses the (linear in log
    space) barrier given both ends on the safe side is exp(-2 d0 d1 / (sigma^2 dt)). Averaging
    1 - prod(1 - p_crossing) over paths is unbiased for continuous monitoring, so the grid adds no bias.
    Returns (estimate, standard error)."""
    rng = np.random.default_rng(seed)
    T = days / 365
    dt = T / steps
    t = np.linspace(0, T, steps + 1)
    increments = (drift - 0.5 * vol**2) * dt + vol * math.sqrt(dt) * rng.standard_normal((paths, steps))
    log_s = np.concatenate([np.zeros((paths, 1)), np.cumsum(increments, axis=1)], axis=1) + math.log(mark)
    log_barrier = math.log(liq) + liq_drift * t
    gap = side * (log_s - log_barrier)  # > 0 while safe
    hit_at_nodes = (gap <= 0).any(axis=1)
    cross = np.exp(-2 * np.clip(gap[:, :-1], 0, None) * np.clip(gap[:, 1:], 0, None) / (vol**2 * dt))
    survive = np.where(hit_at_nodes, 0.0, np.prod(1 - cross, axis=1))
    values = 1 - survive
    return values.mean(), values.std(ddof=1) / math.sqrt(paths)


MC_CASES = [
    ("long", 100, 90, 0.6, 7, 0.0, 0.0),
    ("short", 100, 112, 0.8, 14, 0.0, 0.0),
    ("long", 100, 80, 0.5, 30, -0.5, 0.0),
    ("short", 100, 105, 0.4, 3, 1.0, 0.0),
    ("long", 100, 95, 0.3, 20, 0.2, 0.8),   # funding drags the long's liquidation price up toward the mark
    ("short", 100, 130, 1.2, 60, -0.3, -1.0),
]


@pytest.mark.parametrize("case", MC_CASES, ids=[f"{c[0]}-lp{c[2]}-vol{c[3]}-d{c[4]}" for c in MC_CASES])
def test_closed_form_matches_monte_carlo(case):
    side, mark, liq, vol, days, drift, liq_drift = case
    estimate, se = monte_carlo(1 if side == "long" else -1, mark, liq, vol, days, drift, liq_drift)
    closed = prob.liquidation_probability(side, mark=mark, liq_price=liq, vol=vol, days=days, drift=drift,
                                          liq_drift=liq_drift)
    assert 0.01 < closed < 0.99  # an informative case
    assert abs(closed - estimate) <= 4 * se + 2e-3


def test_matches_the_scalar_reference_on_random_inputs():
    rng = np.random.default_rng(3)
    n = 3000
    side = rng.choice([-1.0, 1.0], n)
    mark = np.exp(rng.uniform(np.log(0.01), np.log(1e5), n))
    liq = mark * np.exp(-side * rng.uniform(-0.05, 1.0, n))  # includes some already beyond the LP
    vol = rng.uniform(0, 3, n)
    vol[::50] = 0.0
    days = rng.uniform(0, 400, n)
    days[::37] = 0.0
    drift = rng.uniform(-2, 2, n)
    liq_drift = rng.uniform(-1, 1, n)
    got = prob.liquidation_probability(side, mark=mark, liq_price=liq, vol=vol, days=days, drift=drift,
                                       liq_drift=liq_drift)
    want = [ref.liquidation_probability(*a) for a in zip(side, mark, liq, vol, days, drift, liq_drift)]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_no_drift_long_is_twice_the_terminal_probability():
    # With mu = sigma^2/2 (nu = 0) the reflection principle gives P = 2 N(b / (sigma sqrt T)) exactly.
    p = prob.liquidation_probability("long", mark=100, liq_price=90, vol=0.5, days=30, drift=0.125)
    b = math.log(0.9)
    assert p == pytest.approx(2 * ref.norm_cdf(b / (0.5 * math.sqrt(30 / 365))), rel=1e-13)


def test_limits_and_sentinels():
    def lp(side, mark, liq_price, vol, days, **options):
        return prob.liquidation_probability(side, mark=mark, liq_price=liq_price, vol=vol, days=days, **options)

    assert lp("long", 100, 90, 0.6, 0) == 0.0  # no time
    assert lp("long", 100, 90, 0.6, 1e-9) < 1e-12
    assert lp("long", 90, 90, 0.6, 0) == 1.0 and lp("short", 110, 110, 0.6, 5) == 1.0  # at the LP
    assert lp("long", 85, 90, 0.0, 0) == 1.0 and lp("short", 120, 110, 0.6, 5) == 1.0  # beyond
    assert lp("long", 100, 0, 0.6, 365) == 0.0 and lp("short", 100, math.inf, 0.6, 365) == 0.0  # never
    # sigma = 0: deterministic. ln(90/100) = -0.105 is reached by drift -1/yr after 38.5 days
    assert lp("long", 100, 90, 0.0, 38, drift=-1.0) == 0.0
    assert lp("long", 100, 90, 0.0, 39, drift=-1.0) == 1.0
    assert lp("short", 100, 110, 0.0, 365, drift=-1.0) == 0.0
    assert lp("short", 100, 110, 0.0, 365, liq_drift=-0.2) == 1.0  # the LP comes down to the mark
    # sigma -> 0 converges to the deterministic answer, without overflow or NaN
    assert lp("long", 100, 90, 1e-4, 39, drift=-1.0) == pytest.approx(1.0)
    assert lp("long", 100, 90, 1e-4, 38, drift=-1.0) == pytest.approx(0.0, abs=1e-12)
    assert lp("long", 100, 90, 1e-160, 39, drift=-1.0) == 1.0
    tiny = lp("long", 100, 50, [1e-3, 1e-2, 0.05], 365, drift=5.0)
    assert np.all(np.isfinite(tiny)) and np.all(tiny < 1e-12)
    scalar = lp("long", 100, 90, 0.6, 7)
    assert isinstance(scalar, np.floating)
    assert lp("long", [100, 100], 90, 0.6, [[1], [7], [30]]).shape == (3, 2)


@settings(max_examples=150, deadline=None)
@given(side=st.sampled_from(["long", "short"]), distance=st.floats(0.001, 0.9), vol=st.floats(0.01, 3),
       d1=st.floats(0, 400), d2=st.floats(0, 400), drift=st.floats(-3, 3), liq_drift=st.floats(-1, 1))
def test_monotone_in_days(side, distance, vol, d1, d2, drift, liq_drift):
    liq = 100 * (1 - distance) if side == "long" else 100 / (1 - distance)
    a, b = sorted((d1, d2))
    p = prob.liquidation_probability(side, mark=100, liq_price=liq, vol=vol, days=[a, b], drift=drift,
                                     liq_drift=liq_drift)
    assert p[0] <= p[1] + 1e-12


@settings(max_examples=150, deadline=None)
@given(side=st.sampled_from(["long", "short"]), distance=st.floats(0.001, 0.9), v1=st.floats(0, 3),
       v2=st.floats(0, 3), days=st.floats(0.01, 400))
def test_monotone_in_vol_without_drift(side, distance, v1, v2, days):
    # With mu = 0 the mark is a martingale and the hitting time scales with sigma^2 T (time change), so more vol
    # means more risk. (With a drift toward the LP, more vol can lower the probability of a sure hit.)
    liq = 100 * (1 - distance) if side == "long" else 100 / (1 - distance)
    a, b = sorted((v1, v2))
    p = prob.liquidation_probability(side, mark=100, liq_price=liq, vol=[a, b], days=days)
    assert p[0] <= p[1] + 1e-12


def test_distances():
    assert prob.liquidation_distance("long", mark=100, liq_price=80) == pytest.approx(0.2)
    assert prob.liquidation_distance("short", mark=100, liq_price=130) == pytest.approx(0.3)
    assert prob.liquidation_distance("long", mark=100, liq_price=110) == pytest.approx(-0.1)  # already beyond
    assert prob.liquidation_distance("long", mark=100, liq_price=0) == 1.0
    assert prob.liquidation_distance("short", mark=100, liq_price=math.inf) == math.inf
    sigma = prob.liquidation_distance_sigma(["long", "short", "long", "short"], mark=100, liq_price=[90, 110, 0,
                                                                                                     math.inf], vol=0.6)
    daily = 0.6 * math.sqrt(1 / 365)
    np.testing.assert_allclose(sigma[:2], [math.log(100 / 90) / daily, math.log(110 / 100) / daily], rtol=1e-14)
    assert sigma[2] == sigma[3] == math.inf
    assert prob.liquidation_distance_sigma("long", mark=100, liq_price=100, vol=0.0) == 0.0
    assert prob.liquidation_distance_sigma("long", mark=100, liq_price=105, vol=0.6) < 0


@pytest.mark.parametrize("call, words", [
    (lambda: prob.liquidation_probability("long", mark=100, liq_price=90, vol=-0.5, days=7), ["vol", "-0.5"]),
    (lambda: prob.liquidation_probability("long", mark=100, liq_price=90, vol=0.5, days=-1), ["days", "-1"]),
    (lambda: prob.liquidation_probability("long", mark=0, liq_price=90, vol=0.5, days=7), ["mark", "0"]),
    (lambda: prob.liquidation_probability("long", mark=100, liq_price=-90, vol=0.5, days=7), ["liq_price", "-90"]),
    (lambda: prob.liquidation_probability("flat", mark=100, liq_price=90, vol=0.5, days=7), ["side", "flat"]),
    (lambda: prob.liquidation_probability("long", mark=100, liq_price=90, vol=0.5, days=7, drift=math.nan), ["drift",
                                                                                                             "nan"]),
    (lambda: prob.liquidation_distance("long", mark=100, liq_price=math.nan), ["liq_price", "nan"]),
    (lambda: prob.liquidation_distance_sigma("long", mark=100, liq_price=90, vol=-1), ["vol", "-1"]),
])
def test_bad_input_raises_value_error_naming_the_argument(call, words):
    assert_value_error(call, words)


def test_elementwise_gives_per_element_reasons():
    p, reasons = prob.liquidation_probability.elementwise("long", mark=100, liq_price=[90, -1, 90], vol=[0.6, 0.6, -2],
                                                          days=7)
    assert reasons[0] == "" and reasons[1].startswith("liq_price must be >= 0")
    assert reasons[2] == "vol must be >= 0 (annualised, 0.6 = 60%)"
    assert p[0] == prob.liquidation_probability("long", mark=100, liq_price=90, vol=0.6, days=7)


def test_funding_drift_of_the_liquidation_price_feeds_the_probability():
    import levxl as lx

    # A long paying funding: its liquidation price climbs toward the mark, so liquidation is likelier.
    g = lx.liquidation_drift_from_funding("long", 60_000, 1, leverage=20, funding_rate=0.0005,
                                          funding_periods_per_day=3, mmr=0.005)
    assert g > 0
    lp_now = lx.liquidation_price("long", 60_000, 1, leverage=20, mmr=0.005)
    lp_week = lx.liquidation_price_after_funding("long", 60_000, 1, leverage=20, funding_rate=0.0005,
                                                 funding_periods=21, mmr=0.005)
    assert np.isclose(lp_now * np.exp(g * 7 / 365), lp_week, rtol=1e-4)  # the barrier path the closed form assumes
    base = prob.liquidation_probability("long", mark=60_000, liq_price=lp_now, vol=0.6, days=7)
    assert prob.liquidation_probability("long", mark=60_000, liq_price=lp_now, vol=0.6, days=7, liq_drift=g) > base
    # a short receiving the same funding: its price moves away, liquidation less likely
    g_short = lx.liquidation_drift_from_funding("short", 60_000, 1, leverage=20, funding_rate=0.0005,
                                                funding_periods_per_day=3, mmr=0.005)
    assert g_short > 0  # an upper barrier drifting up, away from the mark
    lp_short = lx.liquidation_price("short", 60_000, 1, leverage=20, mmr=0.005)
    assert prob.liquidation_probability("short", mark=60_000, liq_price=lp_short, vol=0.6, days=7,
                                        liq_drift=g_short) < \
        prob.liquidation_probability("short", mark=60_000, liq_price=lp_short, vol=0.6, days=7)
    assert lx.liquidation_drift_from_funding("long", 100, 1, leverage=1, funding_rate=0.001,
                                             mmr=0.0) == 0.0  # no liquidation price


@pytest.mark.parametrize("vol", [1e-309, 5e-324, 1e-300])
def test_sigma_days_at_a_vol_near_zero_is_the_limit_without_a_warning(vol):
    # a vol next to 0 divided the log distance into an overflow warning; near the vol-0 limit (+-inf) instead
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        safe = prob.liquidation_distance_sigma("long", mark=1.0, liq_price=0.5, vol=vol)
        past = prob.liquidation_distance_sigma("short", mark=1.0, liq_price=0.5, vol=vol)
    assert safe > 1e300 and past < -1e300  # inf (-inf) at the smallest vols, past 1e300 (-1e300) near them
