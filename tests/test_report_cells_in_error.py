"""The report after a recipient's edits, as LibreOffice recalculates it: a row's tick cell is honoured on every
perpetual row (blank: the prices unrounded, as its header says; a number: the venue's rounding), and a row whose
liquidation price is an error shows the error (distance, σ-days, P(liq)) and the status ERROR, never "none" /
GREEN; the Summary counts it and its nearest liquidation and expected liquidations say they leave it out."""

from __future__ import annotations

import pytest

from levxl.book.figures import risk_table
from levxl.book.positions import load_positions
from levxl.testing import libreoffice
from levxl.workbooks.report.cells import STATUS_STYLES

needs_lo = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")

HEADER = "venue,symbol,side,contract,size,entry,mark,leverage,mmr,tick,vol\n"
ROWS = ["kucoin,ETHUSDTM,long,linear,1,3001.37,3000,10,0.005,{t0},0.5",  # AMBER (9.5%)
        "binance,BTCUSDT,long,linear,1,60000,60000,5,0.005,{t1},0.5",  # GREEN (19.6%), no tick
        "okx,BTC-USD-SWAP,short,inverse,10000,63000,61850,4,0.005,{t2},0.5"]  # GREEN, inverse, a tick


ORIGINAL_TICKS = ("0.05", "", "0.1")


def _csv(path, t0=ORIGINAL_TICKS[0], t1=ORIGINAL_TICKS[1], t2=ORIGINAL_TICKS[2]):
    path.write_text(HEADER + "\n".join(r.format(t0=t0, t1=t1, t2=t2) for r in ROWS) + "\n")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """(layout, report path, its LibreOffice recalculation) of the three rows."""
    from levxl.workbooks.report import build_report
    from levxl.workbooks.report.layout import plan_layout

    tmp = tmp_path_factory.mktemp("errors")
    src = _csv(tmp / "book.csv")
    out = build_report(src, tmp / "report.xlsx", as_of="2026-12-01T00:00:00Z")
    return plan_layout(risk_table(load_positions(src))), out, tmp


def _summary_status(lay, values):
    S, v = lay.summary, lay.summary.value_col
    return {word: values["Summary"][S.a1(S.headline("status"), v + j)] for j, (word, _) in enumerate(STATUS_STYLES)}


@needs_lo
@pytest.mark.parametrize("ticks", [("", "1", "0.1"), ("0.01", "0.5", "")], ids=["blank-and-new", "changed"])
def test_every_row_rounds_on_its_tick_cell_as_the_engine_does(report, ticks):
    """Blanking a tick leaves the prices unrounded; a tick typed into a row that had none rounds them the venue's
    way: LibreOffice's prices and distances are the engine's on the book with those ticks."""
    lay, out, tmp = report
    P = lay.positions
    edits = {("Positions", P.local("tick", i)): (float(x) if x else None) for i, x in enumerate(ticks)}
    got = libreoffice.recalculated_after_edit(out, edits, tmp / "ticks.xlsx")["Positions"]
    want = risk_table(load_positions(_csv(tmp / "edited.csv", *ticks)))
    for i in range(3):
        for key, figure in (("liq_raw", want.liquidation_unrounded), ("liq", want.liquidation),
                            ("bank", want.bankruptcy), ("dist", want.distance)):
            assert got[P.local(key, i)] == pytest.approx(float(figure[i]), rel=1e-14), (key, i, ticks)
        assert got[P.local("flag", i)] == want.statuses(0.05, 0.10)[i]
    before = risk_table(load_positions(_csv(tmp / "before.csv")))
    for i in (i for i in range(3) if ticks[i] != ORIGINAL_TICKS[i]):  # each edit moved a price: none was ignored
        assert want.liquidation[i] != before.liquidation[i], i


@needs_lo
def test_the_cached_prices_are_libreoffices(report):
    """Every row's price cells, now on its tick cell whether or not it has a tick, cache what LibreOffice
    computes."""
    import openpyxl

    lay, out, _ = report
    got = libreoffice.recalculated_values(out)["Positions"]
    ws = openpyxl.load_workbook(out, data_only=True)["Positions"]
    for i in range(3):
        for key in ("liq_raw", "bank_raw", "liq", "bank", "dist", "sigma", "flag", "p1", "p7", "mkt_liq"):
            ref = lay.positions.local(key, i)
            assert ws[ref].value == pytest.approx(got[ref], rel=1e-12) if isinstance(got[ref], float) \
                else ws[ref].value == got[ref], (key, i)


@needs_lo
def test_a_row_in_error_shows_it_and_the_summary_counts_it(report):
    """Text in row 1's margin (#VALUE!) and a zero tick on row 3 (#NUM!, the engine refuses a tick <= 0): their
    distances and P(liq) are the error, their status ERROR (not "none" / GREEN); the Summary counts 2 ERROR, no
    AMBER, and its nearest liquidation is row 2's, saying the two are left out."""
    lay, out, tmp = report
    P, S = lay.positions, lay.summary
    edits = {("Positions", P.local("margin", 0)): "abc", ("Positions", P.local("tick", 2)): 0.0}
    values = libreoffice.recalculated_after_edit(out, edits, tmp / "errors.xlsx")
    got = values["Positions"]
    for i, error in ((0, "#VALUE!"), (2, "#NUM!")):
        for key in ("liq", "dist", "sigma", "p1", "p7", "mkt_liq"):
            assert got[P.local(key, i)] == error, (key, i)
        assert got[P.local("flag", i)] == "ERROR"
    assert got[P.local("flag", 1)] == "GREEN" and isinstance(got[P.local("dist", 1)], float)
    assert _summary_status(lay, values) == {"LIQUIDATED": 0, "RED": 0, "AMBER": 0, "GREEN": 1, "ERROR": 2}
    summary, v, r0 = values["Summary"], S.value_col, S.headline("nearest")
    assert summary[S.a1(r0, v)] == got[P.local("dist", 1)]
    assert summary[S.a1(r0, v + 1)] == "2: binance BTCUSDT long; 2 position(s) in ERROR left out"
    r1 = S.headline("expected_liquidations")
    assert summary[S.a1(r1, v)] == pytest.approx(got[P.local("p7", 1)], rel=1e-12)
    assert summary[S.a1(r1, v + 1)] == "2 position(s) in ERROR left out"


@needs_lo
def test_with_every_row_in_error_the_nearest_is_not_none(report):
    """"none" means no price liquidates any position: with every distance unknown the nearest is "n/a"."""
    lay, out, tmp = report
    P, S = lay.positions, lay.summary
    edits = {("Positions", P.local("margin", i)): "abc" for i in range(3)}
    values = libreoffice.recalculated_after_edit(out, edits, tmp / "all.xlsx")
    summary, v = values["Summary"], S.value_col
    assert _summary_status(lay, values)["ERROR"] == 3
    assert summary[S.a1(S.headline("nearest"), v)] == "n/a"
    assert summary[S.a1(S.headline("nearest"), v + 1)] == "3 position(s) in ERROR left out"
    assert summary[S.a1(S.headline("expected_liquidations"), v)] == "n/a"



@needs_lo
def test_the_stresses_of_a_row_in_error_are_errors_not_a_position_that_never_liquidates(report):
    """Row 1's margin as text: its PnL in every stress (Stress detail), its gap and its ladder move are the error,
    so the stress totals and the Summary's worst stress are too, instead of row 1 counted as never liquidating."""
    lay, out, tmp = report
    St = lay.stress
    values = libreoffice.recalculated_after_edit(out, {("Positions", lay.positions.local("margin", 0)): "abc"},
                                                 tmp / "stress.xlsx")
    detail = values[St.detail_sheet.strip("'")]
    for k in range(len(St.names)):
        ref = St.detail_ref(k, 0).split("!")[1].replace("$", "")
        assert detail[ref] == "#VALUE!", k
        assert isinstance(detail[St.detail_ref(k, 1).split("!")[1].replace("$", "")], float), k
    assert detail[St.detail_ref("gap", 0).split("!")[1].replace("$", "")] == "#VALUE!"
    S = lay.summary
    assert values["Summary"][S.a1(S.headline("worst_stress"), S.value_col)] == "#VALUE!"
