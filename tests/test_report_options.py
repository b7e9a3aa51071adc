"""levxl report with option positions: greeks on Positions, the move x vol grid on Scenarios, the theta bleed on
Funding and decay, the Summary lines, all against the engine (levxl.engine.options) as cached values and after a
LibreOffice recalculation; options kept out of the liquidation figures; a perps-only book unchanged."""

from __future__ import annotations

import math
import re

import numpy as np
import openpyxl
import pytest

from levxl.testing import libreoffice
from levxl.engine.options import greeks, option_decay, option_pnl_grid, option_price
from levxl.book.positions import load_positions
from levxl.workbooks.report import MOVES, build_report, plan_layout, position_columns
from levxl.book.figures import (OPTION_MOVES, OPTION_VOL_SHIFTS, option_figures, pnl_after_mark_move,
                                pnl_usd_after_mark_move, risk_table)

needs_lo = pytest.mark.skipif(not libreoffice.available(),
                              reason="LibreOffice not installed (Debian package libreoffice-calc-nogui)")

AS_OF = "2026-11-24T10:00:00Z"
HEAD = "venue,symbol,side,contract,size,entry,mark,leverage,margin,mmr,funding_rate,vol,kind,option_type,strike," \
       "expiry_days,settle\n"
CSV = HEAD + """binance,BTCUSDT,long,linear,2.5,64200,61850,10,,binance:BTCUSDT,0.0001,0.55,,,,,
bybit,BTCUSD,short,inverse,250000,63000,61850,5,,0.005,0.0001,0.55,perp,,,,
deribit,BTC-27DEC-70000-C,long,,2,0.012,61850,,,,,0.58,option,call,70000,33,inverse
deribit,BTC-27DEC-55000-P,short,,3,0.021,61850,,,,,0.62,option,put,55000,33,inverse
okx,ETH-USD-250131-3600-C,short,,20,95,3455,,,,,0.68,option,c,3600,68,linear
binance,BTC-250103-60000-P,long,,1.5,2100,61850,,,,,0.57,option,put,60000,10,
deribit,BTC-BAD-STRIKE,long,,1,0.01,61850,,,,,0.6,option,call,,30,inverse
deribit,BTC-BAD-TYPE,long,,1,0.01,61850,,,,,0.6,option,straddle,60000,30,inverse
deribit,BTC-BAD-EXPIRY,long,,1,0.01,61850,,,,,0.6,option,put,60000,-1,inverse
okx,ETH-OLD,short,,1,80,3455,,,,,0.6,option,call,3600,0,linear
"""
N_GOOD = 7  # rows 1-6 and the expired option (row 10)
OPTION_ROWS = [3, 4, 5, 6, 10]


def _close(a, b, rel=1e-9, abs_=1e-9) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def _letter(k: int) -> str:
    return openpyxl.utils.get_column_letter(k + 1)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("report_options")
    src = d / "book.csv"
    src.write_text(CSV)
    return src, build_report(src, d / "report.xlsx", as_of=AS_OF)


@pytest.fixture(scope="module")
def book(built):
    return load_positions(built[0])


@pytest.fixture(scope="module")
def lay(book):
    """The report's anchors (every cell address below comes from them)."""
    return plan_layout(risk_table(book))


@pytest.fixture(scope="module")
def shown(built):
    """What a viewer that never calculates shows: the cached values in the file."""
    wb = openpyxl.load_workbook(built[1], data_only=True)
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in wb}


@pytest.fixture(scope="module")
def recalculated(built):
    if not libreoffice.available():
        pytest.skip("LibreOffice not installed")
    return libreoffice.recalculated_values(built[1])


def _engine_greeks(book, i):
    """The engine's numbers for option position i, computed here straight from levxl.engine.options."""
    args = (book.option_type[i], book.mark[i], book.strike[i], book.expiry_days[i], book.vol[i])
    g = greeks(*args, contract=book.contract[i])
    q = book.side[i] * book.size[i]
    return {"oval": float(g.price), "delta": q * float(g.delta), "gamma": q * float(g.gamma),
            "vega": q * float(g.vega), "theta": q * float(g.theta),
            "upnl": q * (float(g.price) - book.entry[i])}


def _views(shown, recalculated):
    return [shown, recalculated] if recalculated is not None else [shown]


def test_book_reads_options_and_refuses_bad_ones(book):
    assert len(book) == N_GOOD and book.row == [1, 2, 3, 4, 5, 6, 10]
    assert book.kind == ["perp", "perp", "option", "option", "option", "option", "option"]
    assert book.option_type[2:] == ["call", "put", "call", "put", "call"]  # "c" read as call
    assert book.contract[2:] == ["inverse", "inverse", "linear", "linear", "linear"]  # settle, linear by default
    reasons = dict(book.issues)
    assert set(reasons) == {7, 8, 9}
    assert "strike must be given" in reasons[7]
    assert 'option_type must be "call" or "put"' in reasons[8]  # the engine's own check
    assert "expiry_days must be >= 0" in reasons[9]
    bad = option_price.elementwise("straddle", 61850.0, 60000.0, 30.0, 0.6, contract="inverse")[1]
    assert str(bad[()]) in reasons[8]


def test_risk_table_keeps_options_out_of_liquidation(book):
    t = risk_table(book)
    opt = book.option
    assert np.isnan(t.liquidation[opt]).all() and np.isfinite(t.liquidation[~opt]).all()
    assert np.isnan(t.margin[opt]).all() and np.isnan(t.notional[opt]).all() and (t.funding_per_day[opt] == 0).all()
    assert [t.tier_liq[i] for i in np.flatnonzero(opt)] == ["n/a"] * int(opt.sum())
    assert t.statuses(0.05, 0.10)[2:] == ["n/a"] * 5
    for i in np.flatnonzero(opt):
        assert _close(t.upnl[i], _engine_greeks(book, i)["upnl"])
    # the perps are what they would be without the options
    perps = risk_table(book.select(~opt))
    for name in ("liquidation", "upnl", "distance", "maintenance", "prob_7d", "mmr_liq", "notional_usd"):
        np.testing.assert_array_equal(getattr(t, name)[~opt], getattr(perps, name), err_msg=name)
    # scenario PnL: perps as before, options s*size*(V(mark*(1+m)) - premium), coin at the moved price
    usd = np.where(book.inverse[:, None], book.mark[:, None] * (1 + np.array(MOVES)), 1.0)
    pnl, liquidated = pnl_usd_after_mark_move(book, MOVES)
    np.testing.assert_allclose(pnl, pnl_after_mark_move(book, MOVES) * usd, rtol=1e-12)
    for i in np.flatnonzero(opt):
        v = option_price(book.option_type[i], book.mark[i] * (1 + np.array(MOVES)), book.strike[i],
                         book.expiry_days[i], book.vol[i], contract=book.contract[i])
        want = book.side[i] * book.size[i] * (v - book.entry[i]) * usd[i]
        np.testing.assert_allclose(pnl[i], want, rtol=1e-12)
    assert not liquidated[opt].any()


def test_greeks_on_positions_equal_the_engine(book, lay, shown, recalculated):
    _pos = lay.positions.local
    pos_views = [v["Positions"] for v in _views(shown, recalculated)]
    for i in np.flatnonzero(book.option):
        want = _engine_greeks(book, i)
        for values in pos_views:
            for key, val in want.items():
                assert _close(values[_pos(key, i)], val), (key, i, values[_pos(key, i)], val)
            for key in ("liq", "bank", "dist", "flag", "tier", "margin"):
                assert values[_pos(key, i)] == "n/a", (key, i)
            assert values[_pos("kind", i)] == "option"
    for values in pos_views:  # perps: no option figures
        for i in np.flatnonzero(~book.option):
            assert values.get(_pos("delta", i)) in (None, "") and values[_pos("kind", i)] == "perp"


def _find(values: dict, text: str) -> str:
    hits = [ref for ref, v in values.items() if isinstance(v, str) and v.startswith(text)]
    assert hits, text
    return hits[0]


def test_move_vol_grid_equals_the_engine(book, lay, shown, recalculated):
    opt = np.flatnonzero(book.option)
    want = np.zeros((len(OPTION_VOL_SHIFTS), len(OPTION_MOVES)))
    for i in opt:
        grid = option_pnl_grid(book.option_type[i], book.mark[i], book.strike[i], book.expiry_days[i],
                               book.vol[i], quantity=book.side[i] * book.size[i], moves=list(OPTION_MOVES),
                               days_passed=[0.0], vol_shifts=list(OPTION_VOL_SHIFTS), contract=book.contract[i])
        usd = book.mark[i] * (1 + np.array(OPTION_MOVES)) if book.inverse[i] else np.ones(len(OPTION_MOVES))
        want += np.asarray(grid)[:, :, 0] * usd
    G, first = lay.scenarios.option_grid, lay.scenarios.first_col
    for values in [v["Scenarios"] for v in _views(shown, recalculated)]:
        assert values[f"A{G.move_row + 1}"].startswith("Move of every underlying (input)")
        for k, sh in enumerate(OPTION_VOL_SHIFTS):
            assert _close(values[f"{_letter(first - 1)}{G.shift_first + 1 + k}"], sh)
            for j, mv in enumerate(OPTION_MOVES):
                assert _close(values[f"{_letter(first + j)}{G.move_row + 1}"], mv)
                got = values[f"{_letter(first + j)}{G.shift_first + 1 + k}"]
                assert _close(got, want[k, j], abs_=1e-7), (k, j, got, want[k, j])
    assert want[1, OPTION_MOVES.index(0.0)] == pytest.approx(0.0, abs=1e-9)


def test_decay_equals_the_engine(book, lay, shown, recalculated):
    first = lay.funding.decay_first + 1
    for values in [v["Funding"] for v in _views(shown, recalculated)]:
        assert values[f"A{lay.funding.decay_section + 1}"].startswith("Theta bleed of the options")
        for k, i in enumerate(np.flatnonzero(book.option)):
            r = first + k
            assert values[f"A{r}"] == book.row[i]
            fx = book.mark[i] if book.inverse[i] else 1.0
            q = book.side[i] * book.size[i]
            args = (book.option_type[i], book.mark[i], book.strike[i], book.expiry_days[i], book.vol[i])
            theta = q * float(greeks(*args, contract=book.contract[i]).theta)
            assert _close(values[f"G{r}"], theta) and _close(values[f"H{r}"], theta * fx)
            for col, days in (("I", 7), ("J", 30)):
                lost = float(option_decay(*args, horizon=days, contract=book.contract[i]))
                assert _close(values[f"{col}{r}"], -q * lost * fx, abs_=1e-9), (col, i)
        # the expired option (0 days) has no theta and no decay
        r = first + len(np.flatnonzero(book.option)) - 1
        assert values[f"G{r}"] == 0 and values[f"J{r}"] == 0


def test_summary_option_lines(book, lay, shown, recalculated):
    fig = option_figures(book)
    i = fig.idx
    fx = np.where(book.inverse[i], book.mark[i], 1.0)
    want = {"Option positions": len(i), "Net delta (coin-equivalents": float(np.sum(fig.delta)),
            "Net delta (USD": float(np.sum(fig.delta * book.mark[i])), "Vega (USD": float(np.sum(fig.vega * fx)),
            "Theta (USD": float(np.sum(fig.theta * fx)),
            "Value of the options held": float(np.sum(book.side[i] * book.size[i] * fig.value * fx))}
    for values in [v["Summary"] for v in _views(shown, recalculated)]:
        for label, val in want.items():
            ref = _find(values, label)
            assert int(ref[1:]) > lay.summary.option_section + 1  # the option lines, below their section
            value = values[lay.summary.a1(int(ref[1:]) - 1)]  # the value column of the label's row
            assert _close(value, val), (label, value, val)


def test_ladder_and_flags_leave_options_out(built, book, lay, shown):
    ladder, L_ = shown["Liquidation ladder"], lay.ladder
    columns = {_letter(L_.long_col), _letter(L_.short_col)}
    listed = {v for ref, v in ladder.items() if re.sub(r"\d+", "", ref) in columns
              and int(re.sub(r"[A-Z]+", "", ref)) > L_.first and isinstance(v, int)}
    assert listed == {1, 2}
    summary, S = shown["Summary"], lay.summary
    assert summary[f"B{S.headline('status') + 1}"].startswith("Positions LIQUIDATED / RED")
    counts = [summary[S.a1(S.headline("status"), S.value_col + j)] for j in range(4)]
    assert sum(counts) == 2  # the two perps only
    assert "Options (model)" in shown["Methodology"].values()


@needs_lo
def test_no_error_cells_and_cached_equals_recalculated(built, shown, recalculated):
    wb = openpyxl.load_workbook(built[1])
    checked = 0
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    got = recalculated[ws.title].get(cell.coordinate, "")
                    want = shown[ws.title].get(cell.coordinate, "")
                    assert not (isinstance(got, str) and re.match(r"#|Err:", got)), (ws.title, cell.coordinate, got)
                    assert _close(got, want, abs_=1e-7), (ws.title, cell.coordinate, got, want, cell.value[:100])
                    checked += 1
    assert checked > 800


@needs_lo
def test_changing_the_underlying_recalculates_the_greeks(built, book, lay, tmp_path):
    wb = openpyxl.load_workbook(built[1])
    ws = wb["Summary"]
    S = lay.summary
    target = S.market_row(book.symbol.index("ETH-USD-250131-3600-C")) + 1
    assert ws.cell(target, 3).value == "ETH-USD-250131-3600-C"
    ws.cell(target, S.mark_col + 1).value = 3700.0
    ws.cell(target, S.vol_col + 1).value = 0.75
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    values = libreoffice.recalculated_values(edited)["Positions"]
    i = book.symbol.index("ETH-USD-250131-3600-C")
    g = greeks("call", 3700.0, 3600.0, 68.0, 0.75)
    q = book.side[i] * book.size[i]
    for key, val in (("oval", g.price), ("delta", q * g.delta), ("vega", q * g.vega), ("theta", q * g.theta)):
        got = values[lay.positions.local(key, i)]
        assert _close(got, float(val)), (key, got, val)


def test_perps_only_book_has_no_option_sections(tmp_path):
    from test_report import CSV as PERPS  # tests/ is on sys.path (pytest rootdir-relative import)

    src = tmp_path / "perps.csv"
    src.write_text(PERPS)
    out = build_report(src, tmp_path / "r.xlsx", as_of=AS_OF)
    wb = openpyxl.load_workbook(out)
    columns = position_columns(False)
    header = plan_layout(risk_table(load_positions(src))).positions.header_row + 1
    heads = [wb["Positions"].cell(header, k + 1).value for k in range(len(columns) + 2)]
    assert heads == [h for _, h, _ in columns] + [None, None]
    text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert "Option book" not in text and "Theta bleed" not in text and "Options (model)" not in text
    assert "No options in this book, so no theta bleed." in text
    assert "options (none in the input)" in text


@needs_lo
def test_option_pages_render(built, tmp_path):
    pages = libreoffice.render_png(built[1], tmp_path, dpi=40)
    assert len(pages) >= 8 and all(p.stat().st_size > 2000 for p in pages)


def test_same_option_book_same_workbook(built, tmp_path):
    import zipfile

    a = build_report(built[0], tmp_path / "a.xlsx", as_of=AS_OF)
    b = build_report(built[0], tmp_path / "b.xlsx", as_of=AS_OF)
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        assert za.namelist() == zb.namelist()
        for name in za.namelist():
            assert za.read(name) == zb.read(name), name
