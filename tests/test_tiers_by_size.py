"""Tier tables counted by position size (OKX): the tier is chosen by the size in contracts x contract value, and
its rate applies to the whole position, with no maintenance amount (OKX help "Introduction to clearing mechanism":
MM = contracts x contract value x mark x the tier's rate).

levxl had converted such tables to notional at one price and kept its continuous maintenance (cum by the
recursion), so above tier 1 its maintenance margin was OKX's less that cum, and the tier moved with the price where
OKX's does not.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from levxl.book import venue_rules
from levxl.book.figures import risk_table
from levxl.book.positions import book_from_records
from levxl.catalogue import CATALOGUE
from levxl.engine.conventions import within_tier_limits
from levxl.engine.liquidation import liquidation_price, maintenance_margin
from levxl.engine.sizing import max_leverage_for_stop, max_position_size
from levxl.engine.tiers import TierTable, maintenance_params, resolve_by_size
from levxl.testing import libreoffice

# OKX's position-tier shape (GET /api/v5/public/position-tiers: minSz, maxSz in contracts, mmr, maxLever) for a
# USDT swap of ctVal 0.01 BTC: 0-500, 501-1000, 1001-2000 contracts
CT_VAL = 0.01
TABLE = TierTable.from_arrays([0, 501 * CT_VAL, 1001 * CT_VAL], [0.004, 0.005, 0.008],
                              caps=[500 * CT_VAL, 1000 * CT_VAL, 2000 * CT_VAL], max_leverage=[125, 100, 50],
                              venue="okx", symbol="BTCUSDT", as_of="2026-05-28", source="test", counted_by="size")


def _okx_rows(short_leverage):
    """A 7 BTC long at 20x (tier 2) and a 12 BTC short (tier 3) on TABLE."""
    return [{"venue": "okx", "symbol": "BTC-USDT-SWAP", "side": "long", "size": 7, "entry": 60_000, "mark": 61_000,
             "leverage": 20, "mmr": TABLE},
            {"venue": "okx", "symbol": "BTC-USDT-SWAP", "side": "short", "size": 12, "entry": 60_000,
             "mark": 61_000, "leverage": short_leverage, "mmr": TABLE}]


def test_the_rate_of_the_size_tier_applies_to_the_whole_position():
    # 7 BTC = 700 contracts: tier 2, MM = 7 x 100,000 x 0.5 % on the whole position (no cum)
    assert float(maintenance_margin(7, price=100_000, mmr=TABLE)) == pytest.approx(3500.0, rel=1e-15)
    # the tier does not move with the price: 7 BTC at 10x the price is still tier 2
    assert float(maintenance_margin(7, price=1_000_000, mmr=TABLE)) == pytest.approx(35000.0, rel=1e-15)
    # a notional-counted table of the same numbers would have given the continuous 7e5*0.005 - cum
    assert TABLE.cum.tolist() == [0, 0, 0]


def test_a_table_counted_by_size_refuses_a_maintenance_amount():
    with pytest.raises(ValueError, match="cum of tier 2"):
        TierTable.from_arrays([0, 5], [0.004, 0.005], cum=[0, 5], counted_by="size")
    with pytest.raises(ValueError, match="counted_by"):
        TierTable.from_arrays([0, 5], [0.004, 0.005], counted_by="contracts")


@settings(max_examples=200, deadline=None)
@given(size=st.floats(0.01, 25), entry=st.floats(1_000, 200_000), leverage=st.floats(1, 50),
       side=st.sampled_from(["long", "short"]), fee=st.sampled_from([0.0, 0.0005]))
def test_the_liquidation_price_is_the_flat_formula_at_the_rate_of_the_size_tier(size, entry, leverage, side, fee):
    k = int(np.searchsorted(TABLE.floors, size, side="right") - 1)
    rate = float(TABLE.mmr[k])
    got = float(liquidation_price(side, entry, size, leverage=leverage, mmr=TABLE, fee=fee))
    want = float(liquidation_price(side, entry, size, leverage=leverage, mmr=rate, fee=fee))
    assert got == pytest.approx(want, rel=1e-13) or (math.isnan(got) and math.isnan(want))


def test_arrays_of_sizes_and_mixed_specs_broadcast():
    sizes = np.array([1.0, 7.0, 15.0])
    got = liquidation_price("long", 60_000, sizes, leverage=20, mmr=TABLE)
    want = [float(liquidation_price("long", 60_000, q, leverage=20, mmr=r)) for q, r in
            zip(sizes, (0.004, 0.005, 0.008))]
    np.testing.assert_allclose(got, want, rtol=1e-14)
    mixed = np.array([TABLE, 0.01, "binance:BTCUSDT"], dtype=object)
    got = maintenance_margin(sizes, price=60_000, mmr=mixed)
    assert got[0] == pytest.approx(60_000 * 0.004) and got[1] == pytest.approx(7 * 60_000 * 0.01)
    assert got[2] == pytest.approx(float(maintenance_margin(15, price=60_000, mmr="binance:BTCUSDT")))
    tiers = resolve_by_size(TABLE, sizes)
    assert [t.symbol for t in tiers] == ["BTCUSDT tier 1", "BTCUSDT tier 2", "BTCUSDT tier 3"]


def test_without_a_size_the_table_is_refused_in_one_line():
    with pytest.raises(ValueError, match="counts its tiers by position size"):
        maintenance_params(np.array([1e5]), TABLE)
    assert CATALOGUE["LEVXL_TIERS"](TABLE)[0][1] == "size floor"


def test_the_max_leverage_for_a_stop_takes_the_size_tier_and_without_a_size_the_smallest():
    # as a notional table does: no size, the smallest tier (0.4 %, 125x); 7 BTC, tier 2 (0.5 %, 100x)
    for size, rate, cap in ((None, 0.004, 125), (7, 0.005, 100)):
        flat = float(max_leverage_for_stop("long", 60_000, size, stop=30_000, mmr=rate))
        assert float(max_leverage_for_stop("long", 60_000, size, stop=30_000, mmr=TABLE)) == pytest.approx(flat)
        assert float(max_leverage_for_stop("long", 60_000, size, stop=59_900, mmr=TABLE)) == cap


def test_limits_sizing_and_the_top_cap_count_the_size():
    # 7 BTC: tier 2 allows 100x; 25 BTC is past the top cap (2,000 contracts): no leverage is allowed
    assert within_tier_limits([7, 7, 25], 60_000, [100, 101, 1], TABLE).tolist() == [True, False, False]
    # the largest size 1e9 of margin can open at 80x: tier 2's cap, 10 BTC (1,000 contracts), at any price
    for entry in (60_000, 600_000):
        assert float(max_position_size("long", entry, available=1e9, leverage=80, mmr=TABLE)) == pytest.approx(10.0)


def test_the_book_picks_the_tier_of_each_positions_size_and_flags_its_limits(monkeypatch):
    book = book_from_records(_okx_rows(short_leverage=75))
    assert not book.issues
    t = risk_table(book)
    assert t.tier_liq[0].startswith("T2 ") and t.tier_liq[1].startswith("T3 ")
    np.testing.assert_allclose(t.maintenance, [7 * 61_000 * 0.005, 12 * 61_000 * 0.008], rtol=1e-14)
    np.testing.assert_allclose(t.mmr_mark, [0.005, 0.008]) and np.testing.assert_allclose(t.cum_mark, [0, 0])
    limits = venue_rules.tier_limits(book)
    assert len(limits) == 1 and "leverage 75x exceeds the tier's max 50x at size 12" in limits[0].message
    # the cap column stays a notional: at 75x, tier 2's 10 BTC (1,000 contracts) at the mark
    assert limits[0].max_notional == pytest.approx(10 * 61_000)


@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")
def test_the_report_looks_the_tier_up_by_size_live_and_libreoffice_agrees(tmp_path):
    from levxl.workbooks.report import build_report

    book = book_from_records(_okx_rows(short_leverage=40))
    out = build_report(book, tmp_path / "report.xlsx", as_of="2026-12-03T00:00:00Z")
    cached, again = libreoffice.read_values(out, recalc="never"), libreoffice.recalculated_values(out)
    sheets = ("Summary", "Positions", "Scenarios", "Stress", "Stress detail", "Liquidation ladder")
    checked = libreoffice.numbers_recalculated_as_cached(cached, again, sheets)
    assert checked > 100
    methodology = [v for v in again["Methodology"].values() if isinstance(v, str)]
    assert "Floor (size)" in methodology


def test_the_size_to_cut_takes_the_tier_of_the_size_left():
    from levxl.engine.sizing import size_to_cut_for_distance

    # 12 BTC short at 40x (tier 3, 0.8 %): cutting to 2.4 BTC puts it in tier 1 (0.4 %), and its price must sit at
    # the target with tier 1's rate, not tier 3's
    margin = 12 * 60_000 / 40
    cut = float(size_to_cut_for_distance("short", 60_000, 12, mark=61_000, margin=margin, distance=0.1, mmr=TABLE))
    left = 12 - cut
    assert left < 5
    price = float(liquidation_price("short", 60_000, left, margin=margin, mmr=TABLE))
    assert price == pytest.approx(61_000 * 1.1, rel=1e-12)
