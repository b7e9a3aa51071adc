"""Options: reference vectors, finite-difference greeks, parity, the scalar reference, implied vol and bad input."""

import math

import numpy as np
import pytest
from conftest import vectors_of, assert_value_error
from hypothesis import given, settings
from hypothesis import strategies as st

from levxl.engine import options as opt
from levxl.engine.options import pricing
from levxl.engine.reference import options as ref

MODELS = ["black76", "bs"]
SETTLES = ["linear", "inverse"]
TYPES = ["call", "put"]


# ------------------------------------------------------------------------------------------- reference vectors


@pytest.mark.parametrize("v", vectors_of("bs_price"))
def test_bs_price_vector(v):
    i = v["inputs"]
    got = opt.option_price(i["flag"], i["S"], i["K"], i["t"] * 365, i["sigma"], risk_free_rate=i["r"], model="bs")
    assert abs(got - v["expected"]) <= v["tol"]


@pytest.mark.parametrize("v", vectors_of("black76_price"))
def test_black76_price_vector(v):
    i = v["inputs"]
    got = opt.option_price(i["flag"], i["F"], i["K"], i["t"] * 365, i["sigma"], risk_free_rate=i["r"], model="black76")
    assert abs(got - v["expected"]) <= v["tol"]


# vector greek name -> (option type, field, multiplier to the vector's unit)
BS_GREEKS = {"delta_c": ("call", "delta", 1.0), "theta_c_annual": ("call", "theta", 365.0),
             "theta_p_annual": ("put", "theta", 365.0), "gamma": ("call", "gamma", 1.0),
             "vega_per_volpt": ("call", "vega", 1.0), "rho_c_per_pct": ("call", "rho", 1.0)}


@pytest.mark.parametrize("v", vectors_of("bs_greek"))
def test_bs_greek_vector(v):
    i = v["inputs"]
    kind, field, scale = BS_GREEKS[i["greek"]]
    g = opt.greeks(kind, i["S"], i["K"], i["t"] * 365, i["sigma"], risk_free_rate=i["r"], model="bs")
    assert abs(getattr(g, field) * scale - v["expected"]) <= v["tol"]
    assert opt.option_greek(field, kind, i["S"], i["K"], i["t"] * 365, i["sigma"], risk_free_rate=i["r"],
                            model="bs") == \
        getattr(g, field)


# ------------------------------------------------------------------------------------------ random inputs


def random_options(seed, n, wings=False):
    rng = np.random.default_rng(seed)
    u = np.exp(rng.uniform(np.log(0.5), np.log(150_000), n))
    spread = 1.5 if wings else 0.5
    return dict(
        w=rng.choice([-1.0, 1.0], n),
        u=u,
        k=u * np.exp(rng.uniform(-spread, spread, n)),
        days=rng.uniform(1, 730, n),
        vol=np.exp(rng.uniform(np.log(0.05), np.log(3.0), n)),
        r=rng.uniform(-0.02, 0.12, n),
        q=rng.uniform(-0.05, 0.1, n),
    )


@pytest.mark.parametrize("settle", SETTLES)
@pytest.mark.parametrize("model", MODELS)
def test_fast_matches_the_scalar_reference_on_2000_random_options(model, settle):
    p = random_options(11, 2000, wings=True)
    got = opt.greeks(p["w"], p["u"], p["k"], p["days"], p["vol"], risk_free_rate=p["r"], model=model, contract=settle,
                     carry=p["q"])
    want = np.array([ref.greeks(w, u, k, d, v, r, model, settle, q)
                     for w, u, k, d, v, r, q in zip(p["w"], p["u"], p["k"], p["days"], p["vol"], p["r"], p["q"])])
    scale = np.where(settle == "inverse", 1.0, p["u"] + p["k"])  # absolute error is relative to the money amounts
    for j, field in enumerate(opt.Greeks._fields):
        mine = getattr(got, field)
        unit = {"price": scale, "delta": 1.0, "gamma": 1.0 / p["u"], "vega": scale, "theta": scale / 365,
                "rho": scale}[field]
        assert np.all(np.abs(mine - want[:, j]) <= 1e-10 * np.abs(want[:, j]) + 1e-13 * unit), field


def d1(f, x, h):
    """Five-point first derivative (error O(h^4))."""
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def d2(f, x, h):
    """Five-point second derivative (error O(h^4))."""
    return (-f(x + 2 * h) + 16 * f(x + h) - 30 * f(x) + 16 * f(x - h) - f(x - 2 * h)) / (12 * h * h)


FD_CASES = [(m, s, t) for m in MODELS for s in SETTLES for t in TYPES]


@pytest.mark.parametrize("model, settle, kind", FD_CASES)
def test_greeks_equal_finite_differences_of_the_reference_price(model, settle, kind):
    rng = np.random.default_rng(100 + FD_CASES.index((model, settle, kind)))
    checked = 0
    while checked < 60:
        u = float(np.exp(rng.uniform(np.log(1), np.log(100_000))))
        k = u * float(np.exp(rng.uniform(-0.4, 0.4)))
        days = float(rng.uniform(5, 500))
        vol = float(rng.uniform(0.1, 1.5))
        total = vol * math.sqrt(days / 365)
        if total < 0.05:  # finite differences need the price to be smooth on the scale of the steps
            continue
        checked += 1
        r = float(rng.uniform(-0.01, 0.1))
        q = float(rng.uniform(0, 0.05)) if model == "bs" else 0.0
        g = opt.greeks(kind, u, k, days, vol, risk_free_rate=r, model=model, contract=settle, carry=q)

        def price(uu=u, dd=days, vv=vol, rr=r):
            return ref.price(kind, uu, k, dd, vv, rr, model, settle, q)

        hs = 2e-3 * u * total
        if settle == "linear":
            delta = d1(lambda x: price(uu=x), u, hs)
            gamma = d2(lambda x: price(uu=x), u, hs)
        else:  # the coin delta S * d(V/S)/dS, and the USD gamma over S
            delta = u * d1(lambda x: price(uu=x), u, hs)
            gamma = d2(lambda x: ref.usd_price(kind, x, k, days, vol, r, model, q), u, hs) / u
        vega = d1(lambda x: price(vv=x), vol, 1e-3 * vol) * 0.01
        theta = -d1(lambda x: price(dd=x), days, 1e-3 * days)
        rho = d1(lambda x: price(rr=x), r, 1e-4) * 0.01
        money = (u + k) / (u if settle == "inverse" else 1.0)  # the size of the values differenced
        noise = 1e-13 * money
        assert g.price == pytest.approx(price(), rel=1e-12, abs=1e-15 * money)
        assert g.delta == pytest.approx(delta, rel=1e-7, abs=noise / hs * u ** (settle == "inverse"))
        assert g.gamma == pytest.approx(gamma, rel=1e-6, abs=noise / hs**2)
        assert g.vega == pytest.approx(vega, rel=1e-7, abs=noise / (1e-3 * vol))
        assert g.theta == pytest.approx(theta, rel=1e-7, abs=noise / (1e-3 * days))
        assert g.rho == pytest.approx(rho, rel=1e-7, abs=noise / 1e-4)


@pytest.mark.parametrize("model", MODELS)
def test_put_call_parity(model):
    p = random_options(12, 3000, wings=True)
    q = p["q"] if model == "bs" else 0.0
    args = (p["u"], p["k"], p["days"], p["vol"])
    market = dict(risk_free_rate=p["r"], model=model, carry=q)
    call = opt.option_price("call", *args, **market)
    put = opt.option_price("put", *args, **market)
    T = p["days"] / 365
    forward = p["u"] * np.exp((p["r"] - q) * T) if model == "bs" else p["u"]
    parity = np.exp(-p["r"] * T) * (forward - p["k"])
    assert np.all(np.abs(call - put - parity) <= 1e-12 * (p["u"] + p["k"]))
    coin = opt.option_price("call", *args, contract="inverse", **market) - \
        opt.option_price("put", *args, contract="inverse", **market)
    assert np.all(np.abs(coin - parity / p["u"]) <= 1e-12 * (1 + p["k"] / p["u"]))


@pytest.mark.parametrize("model", MODELS)
def test_inverse_price_is_the_linear_price_over_the_underlying(model):
    p = random_options(13, 1000)
    args = (p["w"], p["u"], p["k"], p["days"], p["vol"])
    market = dict(risk_free_rate=p["r"], model=model)
    np.testing.assert_allclose(opt.option_price(*args, contract="inverse", **market),
                               opt.option_price(*args, **market) / p["u"], rtol=1e-14)
    lin = opt.greeks(*args, **market)
    inv = opt.greeks(*args, contract="inverse", **market)
    np.testing.assert_allclose(inv.delta, lin.delta - lin.price / p["u"], rtol=1e-12, atol=1e-15)
    for field in ("gamma", "vega", "theta", "rho"):
        np.testing.assert_allclose(getattr(inv, field), getattr(lin, field) / p["u"], rtol=1e-14)


def test_per_element_model_settle_and_type_match_the_scalar_calls():
    p = random_options(14, 400)
    rng = np.random.default_rng(0)
    model = rng.choice(["black76", "bs"], 400).astype(object)
    settle = rng.choice(["linear", "inverse"], 400).astype(object)
    kind = np.where(p["w"] > 0, "call", "put").astype(object)
    got = opt.greeks(kind, p["u"], p["k"], p["days"], p["vol"], risk_free_rate=p["r"], model=model, contract=settle,
                     carry=p["q"])
    for m in MODELS:
        for s in SETTLES:
            sel = (model == m) & (settle == s)
            want = opt.greeks(p["w"][sel], p["u"][sel], p["k"][sel], p["days"][sel], p["vol"][sel],
                              risk_free_rate=p["r"][sel], model=m, contract=s, carry=p["q"][sel])
            for a, b in zip(got, want):
                np.testing.assert_allclose(a[sel], b, rtol=1e-13, atol=1e-300)


def test_chunked_threaded_evaluation_equals_one_pass():
    p = random_options(15, 300_000, wings=True)
    rng = np.random.default_rng(1)
    model = rng.choice([0.0, 1.0], 300_000)
    settle = rng.choice([0.0, 1.0], 300_000)
    days = np.where(rng.random(300_000) < 0.01, 0.0, p["days"])
    args = (p["w"], p["u"], p["k"], days, p["vol"], p["r"], model, settle, p["q"])
    chunked = opt.greeks(*args[:5], risk_free_rate=p["r"], model=model, contract=settle, carry=p["q"])
    with np.errstate(all="ignore"):
        one_pass = pricing._kernel(*args)
    for a, b in zip(chunked, one_pass):
        np.testing.assert_array_equal(a, b)
    grid = opt.greeks("call", p["u"][:1000], 100.0, np.linspace(0, 100, 400)[:, None], 0.5)
    assert grid.delta.shape == (400, 1000)
    np.testing.assert_array_equal(grid.theta, pricing._kernel(1.0, p["u"][:1000], 100.0,
                                                              np.linspace(0, 100, 400)[:, None], 0.5, 0.0, 0.0, 0.0,
                                                              0.0).theta)


# --------------------------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize("settle", SETTLES)
@pytest.mark.parametrize("model", MODELS)
def test_expiry_gives_the_payoff_and_zero_vol_the_discounted_intrinsic_value(model, settle):
    s = np.array([80.0, 100.0, 120.0])
    for kind, w in (("call", 1), ("put", -1)):
        payoff = np.maximum(w * (s - 100), 0) / (s if settle == "inverse" else 1)
        np.testing.assert_array_equal(opt.option_price(kind, s, 100, 0, 0.5, risk_free_rate=0.05, model=model,
                                                       contract=settle), payoff)
        g = opt.greeks(kind, s, 100, 0, 0.5, risk_free_rate=0.05, model=model, contract=settle)
        assert np.all(np.isfinite(np.array(g)))
        np.testing.assert_array_equal(g.gamma, 0)
        np.testing.assert_array_equal(g.theta, 0)
        T, r = 0.5, 0.05
        forward = s * np.exp(r * T) if model == "bs" else s
        want = np.exp(-r * T) * np.maximum(w * (forward - 100), 0) / (s if settle == "inverse" else 1)
        zero_vol = opt.greeks(kind, s, 100, 182.5, 0.0, risk_free_rate=r, model=model, contract=settle)
        np.testing.assert_allclose(zero_vol.price, want, rtol=1e-14)
        assert np.all(np.isfinite(np.array(zero_vol)))
        want_g = np.array([ref.greeks(kind, float(x), 100, 182.5, 0.0, r, model, settle) for x in s])
        np.testing.assert_allclose(np.array(zero_vol).T, want_g, rtol=1e-12, atol=1e-15)


def test_scalars_give_numpy_scalars_and_arrays_broadcast():
    price = opt.option_price("call", 100, 100, 30, 0.5)
    assert isinstance(price, np.floating)
    g = opt.greeks("put", [90, 100, 110], 100, [[7], [30]], 0.5)
    assert all(a.shape == (2, 3) for a in g)
    assert opt.option_price(["call", "put"], 100, [90, 110], 30, 0.5).shape == (2,)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("settle", SETTLES)
def test_each_argument_alone_can_carry_the_array(model, settle):
    base = dict(option_type=-1.0, underlying=100.0, strike=95.0, days=40.0, vol=0.7, risk_free_rate=0.03, carry=0.01)
    values = dict(option_type=[1.0, -1.0], underlying=[90.0, 120.0], strike=[80.0, 130.0], days=[0.0, 3.0],
                  vol=[0.0, 1.2], risk_free_rate=[-0.01, 0.08], carry=[0.0, 0.05])
    for name, column in values.items():
        kw = dict(base, **{name: np.array(column)[:, None] * np.ones((1, 3))})
        got = opt.greeks(model=model, contract=settle, **kw)
        for i, value in enumerate(column):
            args = dict(base, **{name: value})
            want = ref.greeks(args["option_type"], args["underlying"], args["strike"], args["days"], args["vol"],
                              args["risk_free_rate"], model, settle, args["carry"])
            for field, a, b in zip(opt.Greeks._fields, got, want):
                assert a.shape == (2, 3)
                np.testing.assert_allclose(a[i], b, rtol=1e-12, atol=1e-15, err_msg=f"{name} {field}")


def test_option_greek_by_name_per_element():
    names = np.array(["PRICE", "delta", "Gamma", "vega", "theta", "rho"], dtype=object)
    got = opt.option_greek(names, "call", 100, 95, 45, 0.7, risk_free_rate=0.03, model="bs")
    want = opt.greeks("call", 100, 95, 45, 0.7, risk_free_rate=0.03, model="bs")
    np.testing.assert_array_equal(got, np.array(want))


# ------------------------------------------------------------------------------------------------ implied vol


@pytest.mark.parametrize("settle", SETTLES)
@pytest.mark.parametrize("model", MODELS)
def test_implied_vol_round_trip_including_the_wings(model, settle):
    rng = np.random.default_rng(21)
    n = 20_000
    u = np.exp(rng.uniform(np.log(1), np.log(1e5), n))
    k = u * np.exp(rng.uniform(-3, 3, n))  # strikes from 5% to 20x the underlying
    w = rng.choice([-1.0, 1.0], n)
    days = rng.uniform(1, 730, n)
    vol = np.exp(rng.uniform(np.log(0.05), np.log(3.0), n))
    r = rng.uniform(-0.02, 0.1, n)
    price = opt.option_price(w, u, k, days, vol, risk_free_rate=r, model=model, contract=settle)
    iv, reasons = opt.implied_vol_reasons(price, w, u, k, days, risk_free_rate=r, model=model, contract=settle)
    assert not np.any(np.isnan(iv)) and set(reasons.tolist()) == {""}
    # Where the vol is identifiable from a price rounded to ~1e-16 of the money amounts, it is recovered.
    g = opt.greeks(w, u, k, days, vol, risk_free_rate=r, model=model)
    usd = np.where(settle == "inverse", price * u, price)
    identifiable = (g.vega * 100 * 1e-9 > 1e-13 * np.maximum(u, k)) | ((usd > 1e-250 * u) & (w * np.log(u / k) < 0))
    assert identifiable.mean() > 0.5
    np.testing.assert_allclose(iv[identifiable], vol[identifiable], rtol=1e-9)
    # Elsewhere (deep in the money, time value below rounding) the price is still reproduced.
    back = opt.option_price(w, u, k, days, iv, risk_free_rate=r, model=model, contract=settle)
    assert np.all(np.abs(back - price) <= 1e-12 * np.abs(price) + 1e-15 * (u + k) / np.where(settle == "inverse", u, 1))
    sample = np.flatnonzero(identifiable)[:50]
    for i in sample:
        assert ref.implied_vol(price[i], w[i], u[i], k[i], days[i], r[i], model, settle) == \
            pytest.approx(iv[i], rel=1e-7)


@settings(max_examples=200, deadline=None)
@given(moneyness=st.floats(-2.5, 2.5), vol=st.floats(0.05, 3.0), days=st.floats(1, 730),
       kind=st.sampled_from(TYPES), model=st.sampled_from(MODELS))
def test_implied_vol_round_trip_property(moneyness, vol, days, kind, model):
    k = 30_000 * math.exp(moneyness)
    price = opt.option_price(kind, 30_000, k, days, vol, risk_free_rate=0.01, model=model)
    vega = opt.option_greek("vega", kind, 30_000, k, days, vol, risk_free_rate=0.01, model=model)
    iv = opt.implied_vol(price, kind, 30_000, k, days, risk_free_rate=0.01, model=model)
    if vega * 100 * 1e-9 > 1e-13 * max(30_000, k) or price > 1e-200:
        assert abs(opt.option_price(kind, 30_000, k, days, iv, risk_free_rate=0.01,
                                    model=model) - price) <= 1e-12 * (30_000 + k)
    if vega * 100 * 1e-9 > 1e-13 * max(30_000, k):
        assert iv == pytest.approx(vol, rel=1e-9)


def test_implied_vol_nan_and_reasons():
    iv, reasons = opt.implied_vol_reasons(
        [5.0, 10.0, 12.0, 101.0, 100.0, -1.0, 0.5, 95.0, 0.12],
        ["call", "call", "call", "call", "call", "put", "put", "put", "call"], 100, 90,
        [30, 30, 0, 30, 30, 30, 30, 30, 30], contract=["linear"] * 8 + ["inverse"])
    assert reasons.tolist() == ["price below intrinsic value", "", "no time value at expiry",
                                "price above the no-arbitrage bound", "price above the no-arbitrage bound",
                                "price below intrinsic value", "", "price above the no-arbitrage bound", ""]
    assert iv[1] == 0.0  # exactly the intrinsic value: zero vol
    assert np.isnan(iv[[0, 2, 3, 4, 5, 7]]).all()
    assert 0 < iv[6] < 5 and 0 < iv[8] < 5
    assert np.isnan(opt.implied_vol(5.0, "call", 100, 90, 30))


def test_implied_vol_tiny_and_huge_vols():
    for vol in (1e-3, 0.01, 5.0, 10.0):
        price = opt.option_price("call", 100, 100, 365, vol)
        assert opt.implied_vol(price, "call", 100, 100, 365) == pytest.approx(vol, rel=1e-10)


# ------------------------------------------------------------------------------------- decay, grid, leverage


def test_decay_curve_and_option_decay():
    curve = opt.decay_curve("put", 100, 105, 10, 0.6, step=3)
    assert curve.shape == (5,)  # 10, 7, 4, 1, 0 days left
    want = [opt.option_price("put", 100, 105, d, 0.6) for d in (10, 7, 4, 1, 0)]
    np.testing.assert_allclose(curve, want, rtol=1e-14)
    grid = opt.decay_curve(["call", "put"], 100, [100, 90], [2, 5], 0.6)
    assert grid.shape == (2, 6)
    assert grid[0, 2:].tolist() == [0.0] * 4  # expired ATM call repeats its payoff
    lost = opt.option_decay("call", 100, 100, 30, 0.6, horizon=7, contract="inverse")
    assert lost == pytest.approx(opt.option_price("call", 100, 100, 30, 0.6, contract="inverse")
                                 - opt.option_price("call", 100, 100, 23, 0.6, contract="inverse"), rel=1e-14)
    assert lost > 0
    assert opt.option_decay("call", 100, 100, 3, 0.6, horizon=10) == opt.option_price("call", 100, 100, 3, 0.6)


def test_pnl_grid_shape_and_values():
    moves = [-0.2, 0.0, 0.2]
    passed = [0, 10, 40]
    shifts = [-0.1, 0.0, 0.1]
    grid = opt.option_pnl_grid("call", 100, 100, 30, 0.5, quantity=-3, moves=moves, days_passed=passed,
                               vol_shifts=shifts, contract="inverse")
    assert grid.shape == (3, 3, 3)
    today = opt.option_price("call", 100, 100, 30, 0.5, contract="inverse")
    assert grid[1, 1, 0] == 0.0
    for a, shift in enumerate(shifts):
        for b, move in enumerate(moves):
            for c, d in enumerate(passed):
                value = opt.option_price("call", 100 * (1 + move), 100, max(30 - d, 0), 0.5 + shift,
                                         contract="inverse")
                assert grid[a, b, c] == pytest.approx(-3 * (value - today), rel=1e-12, abs=1e-15)
    flat = opt.option_pnl_grid("put", 100, 100, 30, 0.5, quantity=2, moves=moves, days_passed=passed, premium=4.0)
    assert flat.shape == (3, 3)
    assert flat[2, 2] == pytest.approx(2 * (0 - 4.0))


def test_option_leverage():
    g = opt.greeks("call", 100, 110, 30, 0.6)
    assert opt.option_leverage("call", 100, 110, 30, 0.6) == pytest.approx(g.delta * 100 / g.price, rel=1e-14)
    assert opt.option_leverage("call", 100, 110, 30, 0.6, contract="inverse") == \
        opt.option_leverage("call", 100, 110, 30, 0.6)
    assert opt.option_leverage("put", 100, 90, 30, 0.6) < 0
    assert np.isnan(opt.option_leverage("call", 100, 110, 0, 0.6))
    deep = opt.option_leverage("call", 100, [100, 150], 30, 0.6)
    assert deep[1] > deep[0] > 1


# ---------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("call, words", [
    (lambda: opt.option_price("call", 100, 100, 30, -0.1), ["vol", "-0.1"]),
    (lambda: opt.greeks("call", 100, 100, -1, 0.5), ["days", "-1"]),
    (lambda: opt.option_price("call", 100, 0, 30, 0.5), ["strike", "0"]),
    (lambda: opt.option_price("call", 100, -5, 30, 0.5), ["strike", "-5"]),
    (lambda: opt.option_price("call", 0, 100, 30, 0.5), ["underlying", "0"]),
    (lambda: opt.option_price("straddle", 100, 100, 30, 0.5), ["option_type", "straddle"]),
    (lambda: opt.option_price("call", 100, 100, 30, 0.5, model="heston"), ["model", "heston"]),
    (lambda: opt.option_price("call", 100, 100, 30, 0.5, contract="quanto"), ["contract", "quanto"]),
    (lambda: opt.option_greek("vanna", "call", 100, 100, 30, 0.5), ["greek", "vanna"]),
    (lambda: opt.implied_vol(1.0, "call", 100, -1, 30), ["strike", "-1"]),
    (lambda: opt.option_decay("call", 100, 100, 30, 0.5, horizon=-2), ["horizon", "-2"]),
    (lambda: opt.decay_curve("call", 100, 100, 30, 0.5, step=0), ["step", "0"]),
    (lambda: opt.option_pnl_grid("call", 100, 100, 30, 0.5, moves=[-1.5]), ["moves", "-1.5"]),
])
def test_bad_input_raises_value_error_naming_the_argument(call, words):
    assert_value_error(call, words)


def test_elementwise_gives_per_element_reasons():
    price, reasons = opt.option_price.elementwise(["call", "fly", "put", "call"], 100, [100, 100, 0, 100], 30,
                                                  [0.5, 0.5, 0.5, -1])
    assert reasons.tolist() == ["", 'option_type must be "call" or "put"', "strike must be > 0",
                                "vol must be >= 0 (annualised, 0.6 = 60%)"]
    assert np.isfinite(price).all()
    assert price[0] == opt.option_price("call", 100, 100, 30, 0.5)
    value, reasons = opt.option_greek.elementwise(["delta", "charm"], "call", 100, 100, 30, 0.5)
    assert reasons[0] == "" and "greek" in reasons[1]
    _, none = opt.greeks.elementwise("call", [90, 100], 100, 30, 0.5)
    assert none is None


@pytest.mark.parametrize("vol", [1.2e-238, 1e-300, 5e-324])
def test_a_vol_near_zero_prices_the_intrinsic_value_without_a_warning(vol):
    # d1 overflowed (and its square in the density) into numpy warnings; the limit is the payoff, greeks finite
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = opt.greeks("call", 1.0, 2.0, 1.0, vol)
        itm = opt.option_price("call", 2.0, 1.0, 1.0, vol)
    assert float(g.price) == 0.0 and float(g.gamma) == 0.0 and np.isfinite(float(g.theta))
    assert float(itm) == pytest.approx(1.0)


@pytest.mark.parametrize("vol", [5e-324, 1e-200])
def test_an_at_the_money_option_at_a_vol_near_zero_has_the_zero_vol_greeks_without_a_warning(vol):
    # gamma = density / (U sd) overflowed for sd just above 0; below _SD_ZERO the option is priced as at vol 0
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = opt.greeks("call", 1.0, 1.0, 92.0, vol)
        at_zero = opt.greeks("call", 1.0, 1.0, 92.0, 0.0)
    assert float(g.price) == float(at_zero.price) == 0.0 and float(g.gamma) == float(at_zero.gamma) == 0.0
    assert float(g.delta) == pytest.approx(0.5)
