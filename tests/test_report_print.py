"""The report on paper: every sheet's print setup read back from the written file (paper, landscape where wide,
fit to one page wide or bands of columns that fit, repeated header rows, effective font >= 8 pt), the rendered
pages measured (LibreOffice -> PDF), and the liquidation ladder's step chart (doubled points, clipped axis)."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from levxl.book.figures import risk_table
from levxl.book.positions import load_positions
from levxl.testing import libreoffice
from levxl.testing.printing import LIBREOFFICE_DEJAVU, PAPER_MM, pdf_text_sizes, workbook_estimates
from levxl.workbooks.report import build_report, report_sheets
from levxl.workbooks.report.cells import Cell
from levxl.workbooks.report.ladder import AXIS_STEPS, STEP_COL, axis_half_range, step_points
from levxl.workbooks.report.writer import LIBREOFFICE_WIDTH, plan_page

EXAMPLES = Path(__file__).resolve().parent.parent / "workbook" / "examples"
AS_OF = "2026-12-01"
#: sheets whose table has a header row to repeat on every page
TABLES = {"Positions", "Reconciliation", "Liquidation ladder", "Funding", "Tier tables", "Input issues"}
needs_lo = pytest.mark.skipif(not libreoffice.available() or shutil.which("pdftotext") is None,
                              reason="LibreOffice and poppler-utils needed")


@pytest.fixture(scope="module", params=["positions.csv", "options_book.csv"])
def built(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("print") / "report.xlsx"
    return build_report(EXAMPLES / request.param, out, as_of=AS_OF)


# Excel's geometry (and LibreOffice's with Calibri or Carlito), and LibreOffice's with neither (DejaVu Sans: 1.33x)
@pytest.mark.parametrize("factor", [1.0, LIBREOFFICE_DEJAVU], ids=["excel", "libreoffice-dejavu"])
def test_every_sheet_prints_readable(built, factor):
    for name, e in workbook_estimates(built, factor).items():
        a4_portrait = PAPER_MM[9][0] * 72 / 25.4 - 0.8 * 72
        assert e.paper in (8, 9), name
        assert e.landscape or e.printed_pt <= a4_portrait, name  # landscape where wide
        if e.fit_to_page:
            assert e.fit_width == 1 and e.fit_height == 0, name  # one page wide, as many tall as needed
        else:  # bands of columns at a fixed scale, identifiers repeated
            assert e.bands_pt and len(e.bands_pt) >= 2 and e.repeat_cols, name
            assert e.fits, (name, e.bands_pt, e.scale)
        if name in TABLES:
            assert e.repeat_rows, name
        assert e.effective_font >= 8.0, (name, round(e.effective_font, 2))


def test_wide_positions_print_in_bands_with_identifiers(built):
    e = workbook_estimates(built)["Positions"]
    assert not e.fit_to_page and e.repeat_cols == "$A:$C" and e.paper == 8
    wb = openpyxl.load_workbook(built)
    ws = wb["Positions"]
    assert ws.col_breaks.brk and ws.page_setup.pageOrder == "overThenDown"
    assert ws.freeze_panes == "D5"


def test_page_plan_prefers_a4_then_a3_then_bands():
    book = load_positions(EXAMPLES / "positions.csv")
    sheets, _ = report_sheets(book, AS_OF, [])
    plans = {s.name: plan_page(s) for s in sheets}
    assert LIBREOFFICE_WIDTH == LIBREOFFICE_DEJAVU  # the planner and the check use one measurement
    assert plans["Funding"].paper == "A4 landscape" and plans["Funding"].scale is None
    assert plans["Positions"].scale is not None and plans["Positions"].repeat_cols == (0, 2)
    for plan in plans.values():
        if plan.scale is not None:
            assert 80 <= plan.scale <= 100


# ---- the liquidation ladder's step chart


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-0.9, 0.05), st.floats(1, 1e7)), min_size=1, max_size=12),
       st.sampled_from(AXIS_STEPS), st.booleans())
def test_step_points_double_every_liquidation(rows, half_range, longs):
    sign = 1 if longs else -1
    moves = sorted((sign * m for m, _ in rows), key=lambda m: -sign * m)
    cums = list(np.cumsum([n for _, n in rows]))
    pts = step_points(moves, cums, longs, half_range)
    assert pts[0] == (0.0, 0.0) and len(pts) == 2 * len(moves) + 2
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    for k, m in enumerate(moves):  # each price twice: the total before it, then after it (a vertical step)
        x = min(m, 0.0) if longs else max(m, 0.0)
        assert pts[1 + 2 * k] == (x, cums[k - 1] if k else 0.0) and pts[2 + 2 * k] == (x, cums[k])
    assert all(b >= a for a, b in zip(ys, ys[1:]))  # nothing un-liquidates
    assert all((b <= a) if longs else (b >= a) for a, b in zip(xs, xs[1:]))  # longs on falls, shorts on rises
    assert abs(xs[-1]) >= half_range and ys[-1] == cums[-1]  # flat to the axis edge


def test_axis_is_not_stretched_by_a_far_position():
    table = risk_table(load_positions(EXAMPLES / "positions.csv"))
    idx = [i for i in range(len(table)) if np.isfinite(table.liquidation[i])]
    assert max(abs(table.move_to_liq[i]) for i in idx) > 1.0  # the deribit short at +108%
    assert axis_half_range([table.move_to_liq[i] for i in idx]) == 0.2
    # no position within ±50% (the option book's one perp long at -69.9%): the axis still shows the nearest
    table = risk_table(load_positions(EXAMPLES / "options_book.csv"))
    idx = [i for i in range(len(table)) if not table.option[i] and np.isfinite(table.liquidation[i])]
    assert axis_half_range([table.move_to_liq[i] for i in idx]) == 0.75


def test_ladder_chart_series_are_the_doubled_points(tmp_path):
    book = load_positions(EXAMPLES / "positions.csv")
    sheets, lay = report_sheets(book, AS_OF, [])
    spec = next(s for s in sheets if s.name == "Liquidation ladder")
    chart = next(args[0] for item in spec.items if not isinstance(item, Cell) and item[0] == "chart"
                 for args in [item[1]])
    assert chart["type"] == {"type": "scatter", "subtype": "straight"} and chart["show_hidden_data"]
    assert chart["x_axis"]["min"] == -0.2 and chart["x_axis"]["max"] == 0.2
    cells = {(c.row, c.col): c for c in spec.items if isinstance(c, Cell)}
    table = risk_table(book)
    for series, longs in zip(chart["series"], (True, False)):
        _, r0, c0, r1, c1 = series["categories"]
        assert c0 == c1 and series["values"][2] == c0 + 1 and c0 in (STEP_COL, STEP_COL + 2)
        xs = [cells[(r, c0)].cached if cells[(r, c0)].formula else cells[(r, c0)].value for r in range(r0, r1 + 1)]
        ys = [cells[(r, c0 + 1)].cached if cells[(r, c0 + 1)].formula else cells[(r, c0 + 1)].value
              for r in range(r0, r1 + 1)]
        side = [i for i in range(len(table)) if (table.side[i] > 0) == longs and np.isfinite(table.liquidation[i])]
        assert len(xs) == 2 * len(side) + 2
        inner = xs[1:-1]
        assert inner[0::2] == inner[1::2]  # every liquidation move appears twice
        assert ys[0] == 0 and ys[-1] == pytest.approx(float(np.sum(table.notional_usd[side])))
    note = [c.value for c in spec.items if isinstance(c, Cell) and isinstance(c.value, str) and "axis" in c.value]
    assert note and "+108.3%" in note[0] and "BTC-PERPETUAL" in note[0]
    out = build_report(book, tmp_path / "r.xlsx", as_of=AS_OF)
    with zipfile.ZipFile(out) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = next(x for x in charts if "<c:scatterChart>" in x)  # the ladder's (Summary has a bar and a column)
    assert "<c:scatterChart>" in xml and '<c:plotVisOnly val="1"/>' not in xml  # hidden step columns plotted
    assert '<c:min val="-0.2"/>' in xml and '<c:max val="0.2"/>' in xml
    refs = re.findall(r"<c:f>'Liquidation ladder'!\$([A-Z]+)\$\d+:\$[A-Z]+\$\d+</c:f>", xml)
    assert set(refs) == {"P", "Q", "R", "S"}  # the hidden step columns, not the ladder's own
    ws = openpyxl.load_workbook(out)["Liquidation ladder"]
    dim = ws.column_dimensions["P"]  # openpyxl keeps P:S as one dimension
    assert dim.hidden and (dim.min, dim.max) == (STEP_COL + 1, STEP_COL + 4)


# ---- the rendered pages


@needs_lo
def test_rendered_pages_are_readable(built, tmp_path):
    pdf = libreoffice.convert([built], "pdf", tmp_path)[0]
    text = __import__("subprocess").run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                        text=True).stdout
    assert "###" not in text  # every value fits its column
    for k, (size, words) in enumerate(pdf_text_sizes(pdf), 1):
        assert size >= 7.9, (k, words, round(size, 2))  # 8 pt, 1% for the measure's calibration


def test_split_sheets_keep_their_labels_and_notes(built):
    from levxl.workbooks.report.inputs import MOVES

    est = workbook_estimates(built, LIBREOFFICE_DEJAVU)
    wb = openpyxl.load_workbook(built)
    # Stress: the kind and scenario names on both bands, the second from the largest loser to the notes (never cut)
    assert est["Stress"].repeat_cols == "$A:$B" and [b.id for b in wb["Stress"].col_breaks.brk] == [7]
    # Scenarios: falls | rises, the row labels (ids, side, mark, liquidation price) on both
    assert est["Scenarios"].repeat_cols == "$A:$F"
    assert [b.id for b in wb["Scenarios"].col_breaks.brk] == [6 + list(MOVES).index(0)]
    options = "Options margin" in wb.sheetnames
    # the heatmap's header repeats, unless the option grid (its own moves) follows on a page of its own
    assert bool(est["Scenarios"].repeat_rows) != options
    assert bool(wb["Scenarios"].row_breaks.brk) == options


@needs_lo
@pytest.mark.parametrize("rows", [1, None], ids=["one position", "the example book"])
def test_the_liquidation_map_prints_whole_on_a_page_of_its_own(tmp_path, rows):
    # the Stress sheet is a few rows longer than a page: its last map buckets printed alone on a page (a
    # one-position book's "+27.5%" and ">= +30%"), cut from the map's title and header
    import subprocess

    lines = (EXAMPLES / "positions.csv").read_text().splitlines()
    src = tmp_path / "book.csv"
    src.write_text("\n".join(lines if rows is None else lines[:1 + rows]) + "\n")
    built = build_report(src, tmp_path / "report.xlsx", as_of=AS_OF)
    pdf = libreoffice.convert([built], "pdf", tmp_path)[0]
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout.split("\f")
    stress = [p for p in pages if re.search(r"Page \d+ of \d+\s+Stress\s*$", p.strip())]
    with_map = [p for p in stress if "< -30%" in p or "≥ +30%" in p or "Liquidation map by BTC move" in p]
    assert len(with_map) == 1, with_map  # title, header and every bucket together
    assert "Liquidation map by BTC move" in with_map[0] and "< -30%" in with_map[0] and "≥ +30%" in with_map[0]
    assert "Every mark 10% against its position" not in with_map[0]  # the stresses on the pages before
