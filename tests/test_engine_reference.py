"""The vectorised engine pinned to the scalar reference (bisection on the definitions) on thousands of inputs."""

import numpy as np
import pytest

import levxl as lx
from levxl.engine.liquidation import liquidation_by_tier_scan
from levxl.engine.reference import engine as ref

N = 2000
TABLE = lx.preset("binance:BTCUSDT")
ROWS = [(float(f), float(m), float(c)) for f, m, c in zip(TABLE.floors, TABLE.mmr, TABLE.cum)]


def random_positions(seed, n=N):
    rng = np.random.default_rng(seed)
    return dict(
        side=rng.choice([-1.0, 1.0], n),
        entry=np.exp(rng.uniform(np.log(0.01), np.log(200_000), n)),
        notional=np.exp(rng.uniform(np.log(10), np.log(2e9), n)),
        leverage=rng.uniform(1, 125, n),
        fee=rng.choice([0.0, 0.0005, 0.002], n),
        rng=rng,
    )


@pytest.mark.parametrize("basis", ["mark", "entry"])
@pytest.mark.parametrize("contract", ["linear", "inverse"])
def test_isolated_tiered_liquidation_matches_bisection(contract, basis):
    p = random_positions(1 if contract == "linear" else 2)
    inverse = contract == "inverse"
    # Tier notionals are in the margin currency; for inverse size in USD the coin value is Q/P.
    size = p["notional"] / p["entry"] if not inverse else p["notional"]
    margin = (size * p["entry"] if not inverse else size / p["entry"]) / p["leverage"]
    got = lx.liquidation_price(p["side"], p["entry"], size, margin=margin, mmr=TABLE, contract=contract,
                               fee=p["fee"], basis=basis)
    want = [ref.liquidation_price(s, e, q, m, ROWS, f, inverse, basis == "entry")
            for s, e, q, m, f in zip(p["side"], p["entry"], size, margin, p["fee"])]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("contract", ["linear", "inverse"])
def test_flat_rate_cross_matches_bisection(contract):
    p = random_positions(3)
    rng = p["rng"]
    inverse = contract == "inverse"
    size = p["notional"] / p["entry"] if not inverse else p["notional"]
    wallet = (size * p["entry"] if not inverse else size / p["entry"]) / p["leverage"] * rng.uniform(0.5, 3, N)
    other_mm = wallet * rng.uniform(0, 0.3, N)
    other_upnl = wallet * rng.uniform(-0.3, 0.3, N)
    mmr = rng.uniform(0, 0.1, N)
    got = lx.liquidation_price_cross(p["side"], p["entry"], size, wallet=wallet, mmr=mmr, other_mm=other_mm,
                                     other_upnl=other_upnl, contract=contract,
                                     fee=p["fee"])
    want = [ref.liquidation_price(s, e, q, w - om + ou, [(0.0, r, 0.0)], f, inverse)
            for s, e, q, w, om, ou, r, f in zip(p["side"], p["entry"], size, wallet, other_mm, other_upnl, mmr,
                                                p["fee"])]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_tier_iteration_equals_the_exact_envelope_root():
    p = random_positions(4, 20_000)
    size = p["notional"] / p["entry"]
    margin = p["notional"] / p["leverage"]
    iterated = lx.liquidation_price(p["side"], p["entry"], size, margin=margin, mmr=TABLE)
    exact = liquidation_by_tier_scan(p["side"], p["entry"], size, margin, TABLE, 0.0, 0.0)
    np.testing.assert_allclose(iterated, exact, rtol=1e-12)


def test_the_benchmark_loop_matches_the_engine():
    p = random_positions(5, 500)
    size = p["notional"] / p["entry"]
    got = lx.liquidation_price(p["side"], p["entry"], size, leverage=p["leverage"], mmr=TABLE)
    want = ref.liquidation_price_loop(p["side"], p["entry"], size, p["leverage"], ROWS)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("contract", ["linear", "inverse"])
def test_bankruptcy_matches_bisection(contract):
    p = random_positions(6, 500)
    inverse = contract == "inverse"
    size = p["notional"] / p["entry"] if not inverse else p["notional"]
    got = lx.bankruptcy_price(p["side"], p["entry"], size, leverage=p["leverage"], contract=contract, fee=p["fee"])
    margin = (size * p["entry"] if not inverse else size / p["entry"]) / p["leverage"]
    want = [ref.bankruptcy_price(s, e, q, m, f, inverse) for s, e, q, m, f in
            zip(p["side"], p["entry"], size, margin, p["fee"])]
    np.testing.assert_allclose(got, want, rtol=1e-9)


@pytest.mark.parametrize("contract", ["linear", "inverse"])
def test_loss_at_move_matches_reference(contract):
    p = random_positions(7, 1000)
    rng = p["rng"]
    inverse = contract == "inverse"
    size = p["notional"] / p["entry"] if not inverse else p["notional"]
    margin = (size * p["entry"] if not inverse else size / p["entry"]) / p["leverage"]
    move = rng.uniform(-0.6, 0.6, 1000)
    rate = rng.uniform(-0.001, 0.001, 1000)
    periods = rng.integers(0, 90, 1000).astype(float)
    out = lx.loss_at_move(p["side"], p["entry"], size, leverage=p["leverage"], move=move, mmr=TABLE, contract=contract,
                          fee=p["fee"],
                          funding_rate=rate, funding_periods=periods)
    want = [ref.loss_at_move(s, e, q, m, mv, ROWS, f, r, n, inverse) for s, e, q, m, mv, f, r, n in
            zip(p["side"], p["entry"], size, margin, move, p["fee"], rate, periods)]
    assert np.all(np.abs(out.pnl - [w[0] for w in want]) <= 1e-9 * (margin + np.abs(out.pnl)))
    np.testing.assert_array_equal(out.liquidated, [w[1] for w in want])
