"""The one per-position figures table (levxl.book.figures): its derived figures against the engine directly."""

from __future__ import annotations

import numpy as np

import levxl as lx
from levxl.book.figures import leverage_grid, risk_table, stress_figures
from levxl.book.positions import load_positions
from levxl.files.bundled import example_positions


def test_stress_figures_are_the_engine_at_the_shocked_inputs():
    book = load_positions(example_positions())
    t = risk_table(book)
    sf = stress_figures(t, funding_cap=0.0075, funding_days=3.0, vol_multiplier=2.0)
    for i in range(len(book)):
        want = lx.liquidation_probability(book.side[i], mark=book.mark[i], liq_price=t.liquidation[i],
                                          vol=book.vol[i] * 2.0, days=7)
        assert np.isclose(sf.prob_shocked[i], float(want), rtol=1e-12)
        assert sf.shocked_vol[i] == book.vol[i] * 2.0
    np.testing.assert_array_equal(sf.gap, -t.margin * t.fx)  # every example position has a liquidation price
    cost = t.notional * 0.0075 * 3 * 3.0
    np.testing.assert_array_equal(sf.funding_liquidated, (t.margin + t.upnl - cost <= t.maintenance).astype(int))
    np.testing.assert_allclose(sf.expected_loss, sf.prob_shocked * (t.margin + t.upnl) * t.fx, rtol=1e-12)


def test_leverage_grid_is_the_engine_at_each_leverage():
    book = load_positions(example_positions())
    t = risk_table(book)
    i = 0
    moves, levs = (-0.1, 0.0, 0.1), (2, 10, 50)
    g = leverage_grid(t, i, moves, levs)
    for j, lev in enumerate(levs):
        liq = lx.liquidation_price(book.side[i], book.entry[i], book.size[i], leverage=lev, mmr=book.mmr[i])
        assert np.isclose(g.liquidation[j], float(liq), rtol=1e-12)
        assert np.isclose(g.margin[j], book.size[i] * book.entry[i] / lev, rtol=1e-12)
        for k, mv in enumerate(moves):
            move = book.mark[i] * (1 + mv) / book.entry[i] - 1
            roe = lx.loss_at_move(book.side[i], book.entry[i], book.size[i], leverage=lev, move=move,
                                  mmr=book.mmr[i]).roe
            assert np.isclose(g.roe[k, j], float(roe), rtol=1e-12)


def test_empty_book_gives_an_empty_table(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("side,size,entry,leverage\nlong,abc,100,10\n")
    t = risk_table(load_positions(src))
    assert len(t) == 0 and t.closest() is None and t.count_within(0.1) == 0 and t.statuses(0.05, 0.1) == []
