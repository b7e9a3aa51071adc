"""Tier tables: loading, the cum recursion, lookups and presets."""

import json

import numpy as np
import pytest

import levxl as lx
from levxl.engine.tiers import TierTable


def test_presets_are_shipped_with_dates():
    names = lx.presets()
    assert "binance:BTCUSDT@2024-10-24" in names and "binance:BTCUSDT@2021" in names
    latest = lx.preset("binance:BTCUSDT")
    assert (latest.venue, latest.symbol, latest.as_of) == ("binance", "BTCUSDT", "2024-10-24")
    assert lx.preset("BINANCE:btcusdt@2021").as_of == "2021"
    assert lx.preset("binance:BTCUSDT@2021").size == 10


def test_lookup_by_notional_max_leverage_and_max_notional():
    t = lx.preset("binance:BTCUSDT")
    np.testing.assert_array_equal(t.lookup([0, 49_999.99, 50_000, 1e9, 1e12]), [0, 0, 1, 10, 11])
    np.testing.assert_array_equal(t.max_leverage_at([1_000, 700_000, 5e7]), [125, 75, 25])
    np.testing.assert_array_equal(t.max_notional_at([125, 100, 75, 20, 1, 200]), [50_000, 600_000, 3e6, 1e8, 1.8e9, 0])
    # the lookup beyond 16 tiers uses a binary search: same answers
    many = TierTable.from_arrays(np.arange(40) * 1e5, np.linspace(0.004, 0.5, 40))
    x = np.random.default_rng(0).uniform(0, 5e6, 1000)
    np.testing.assert_array_equal(many.lookup(x), np.searchsorted(many.floors, x, side="right") - 1)


def test_maintenance_margin_is_continuous_across_tier_floors():
    t = lx.preset("binance:BTCUSDT")
    below = t.maintenance_margin(t.floors[1:] * (1 - 1e-12))
    above = t.maintenance_margin(t.floors[1:])
    np.testing.assert_allclose(below, above, rtol=1e-9)


def test_csv_round_trip_and_computed_cum(tmp_path):
    path = tmp_path / "okx_swap_ETHUSDT_2025-01-01.csv"
    path.write_text("notional_floor,mmr\n0,0.005\n100000,0.01\n")
    t = TierTable.from_csv(path)
    assert (t.venue, t.symbol, t.as_of) == ("okx", "ETHUSDT", "2025-01-01")
    np.testing.assert_allclose(t.cum, [0, 500])


def test_ccxt_unified_leverage_tiers():
    tiers = [
        {"tier": 1, "symbol": "BTC/USDT:USDT", "currency": "USDT", "minNotional": 0, "maxNotional": 50000,
         "maintenanceMarginRate": 0.004, "maxLeverage": 125, "info": {"cum": "0.0"}},
        {"tier": 2, "symbol": "BTC/USDT:USDT", "currency": "USDT", "minNotional": 50000, "maxNotional": 600000,
         "maintenanceMarginRate": 0.005, "maxLeverage": 100, "info": {"cum": "50.0"}},
    ]
    t = TierTable.from_ccxt(json.dumps({"BTC/USDT:USDT": tiers}), venue="binance", as_of="2024-10-24")
    assert t.symbol == "BTC/USDT:USDT" and t.max_leverage.tolist() == [125, 100]
    tiers[1]["info"]["cum"] = "33578.86"  # a stale amount is refused
    with pytest.raises(ValueError, match="inconsistent"):
        TierTable.from_ccxt(tiers, venue="binance")
    del tiers[1]["info"]["cum"], tiers[0]["info"]["cum"]
    assert TierTable.from_ccxt(tiers).cum.tolist() == [0, 50]


def test_rows_from_a_spreadsheet_range():
    t = TierTable.from_rows([[0, 0.004, 0], [50_000, 0.005, 50], [None, None, None]])
    assert t.size == 2
    with pytest.raises(ValueError):
        TierTable.from_rows([[0, "x"]])


def test_mixed_specs_per_position():
    specs = ["binance:BTCUSDT", 0.01, lx.preset("binance:BTCUSDT@2021")]
    lp = lx.liquidation_price("long", 60_000, [100, 100, 100], leverage=10, mmr=specs)
    for i, spec in enumerate(specs):
        assert lp[i] == lx.liquidation_price("long", 60_000, 100, leverage=10, mmr=spec)
