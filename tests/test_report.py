"""levxl report: the workbook's numbers against the engine, live formulas recalculated by LibreOffice, determinism,
bad input, formula injection, the command, the rendered pages."""

from __future__ import annotations

import math
import re
import zipfile

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from levxl.testing import libreoffice
from levxl.book.positions import load_positions
from levxl.cli.report import report
from levxl.workbooks.report import MOVES, apply_marks, build_report, plan_layout
from levxl.book.figures import pnl_after_mark_move, pnl_usd_after_mark_move, risk_table

needs_lo = pytest.mark.skipif(not libreoffice.available(),
                              reason="LibreOffice not installed (Debian package libreoffice-calc-nogui)")

AS_OF = "2026-11-24T10:00:00Z"
INJECTION = '=HYPERLINK("http://evil.example","click")'

CSV = f"""venue,symbol,side,contract,size,entry,mark,leverage,margin,mmr,funding_rate,vol
binance,BTCUSDT,long,linear,2.5,64200,61850,10,,binance:BTCUSDT,0.0001,0.55
binance,BTCUSDT,long,linear,30,61000,61850,15,,binance:BTCUSDT,0.0001,0.55
binance,ETHUSDT,short,linear,40,3380,3455,20,,0.005,0.00012,0.70
bybit,BTCUSD,long,inverse,250000,63000,61850,5,,0.005,0.0001,0.55
okx,SOLUSDT,long,linear,900,148.5,139.2,10,,0.01,-0.00005,
deribit,BTC-PERPETUAL,short,inverse,100000,59800,61850,,0.9,0.005,0.0001,0.55
kraken,XBTUSD,short,inverse,10000,60000,61850,1,,0.005,0,0.55
binance,ETHUSDT,long,linear,1,3000,3455,1,,0.005,0.0001,0.7
@SUM(1),"{INJECTION.replace('"', '""')}",short,linear,1.2,60500,61850,40,,0.0125,0.0001,0.55
binance,SOLUSDT,long,linear,abc,148.5,139.2,10,,0.01,0,0.9
binance,SOLUSDT,long,linear,5,148.5,139.2,,,0.01,0,0.9
-3,+1+2,long,linear,150000,0.1712,0.1598,50,,0.01,0.0003,1.10
"""

def _letter(k: int) -> str:
    return openpyxl.utils.get_column_letter(k + 1)


def _layout(book):
    """The report's anchors for ``book`` (every cell address below comes from them)."""
    return plan_layout(risk_table(book))


def _close(a, b, rel=1e-9, abs_=1e-9) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def _engine(x: float):
    """What a cell shows for an engine number: NaN -> "" (blank formula), inf -> "none"."""
    x = float(x)
    return "" if math.isnan(x) else "none" if math.isinf(x) else x


def _shown(key: str, x: float, vol: float):
    """What a Positions cell shows for the engine's number: a figure that needs a vol reads "n/a: no vol" without
    one (unknown, and why: never blank or 0)."""
    want = _engine(x)
    return "n/a: no vol" if key in ("sigma", "p1", "p7") and want == "" and not vol > 0 else want


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    src = d / "book.csv"
    src.write_text(CSV)
    out = build_report(src, d / "report.xlsx", as_of=AS_OF)
    return src, out


@pytest.fixture(scope="module")
def lay(built):
    return _layout(load_positions(built[0]))


@pytest.fixture(scope="module")
def formulas(built):
    wb = openpyxl.load_workbook(built[1])
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row
                       if isinstance(c.value, str) and c.value.startswith("=")} for ws in wb}


@pytest.fixture(scope="module")
def cached(built):
    if not libreoffice.available():
        pytest.skip("LibreOffice not installed")
    return libreoffice.read_values(built[1], recalc="never")


@pytest.fixture(scope="module")
def recalculated(built):
    if not libreoffice.available():
        pytest.skip("LibreOffice not installed")
    return libreoffice.recalculated_values(built[1])


def test_the_figures_table_converts_to_usd_at_the_mark(built):
    """One table for the CLI and the report: its USD columns and scenario PnL are its own figures converted."""
    book = load_positions(built[0])
    t = risk_table(book)
    np.testing.assert_array_equal(t.fx, np.where(book.inverse, book.mark, 1.0))
    np.testing.assert_array_equal(t.upnl_usd, t.upnl * t.fx)
    np.testing.assert_array_equal(t.funding_per_day_usd, t.funding_per_day * t.fx)
    np.testing.assert_array_equal(t.maintenance_rate, t.maintenance / t.notional)
    usd = np.where(book.inverse[:, None], book.mark[:, None] * (1 + np.array(MOVES)), 1.0)
    np.testing.assert_array_equal(pnl_usd_after_mark_move(book, MOVES)[0], pnl_after_mark_move(book, MOVES) * usd)
    assert t.closest() == int(np.nanargmin(np.where(np.isfinite(t.distance), t.distance, np.inf)))
    assert t.count_within(0.10) == int(np.sum(t.distance < 0.10))


def test_book_has_the_edge_cases(built):
    book = load_positions(built[0])
    t = risk_table(book)
    assert len(book) == 10 and [r for r, _ in book.issues] == [10, 11]
    assert np.isinf(t.liquidation).any() and (t.liquidation == 0).any()  # 1x inverse short, 1x linear long
    assert np.isnan(t.prob_1d).any()  # a position without vol
    assert (t.distance < 0).any()  # already beyond its liquidation price


@needs_lo
def test_no_error_cells_and_cached_equals_recalculated(formulas, cached, recalculated):
    checked = 0
    for sheet, cells in formulas.items():
        for ref in cells:
            got, want = recalculated[sheet].get(ref, ""), cached[sheet].get(ref, "")
            assert not (isinstance(got, str) and re.match(r"#|Err:", got)), (sheet, ref, got, cells[ref])
            # rel 1e-9; abs 1e-7 only for totals that cancel to ~0 (sum of PnL at move 0 minus uPnL)
            assert _close(got, want, abs_=1e-7), (sheet, ref, got, want, cells[ref])
            checked += 1
    assert checked > 800


@needs_lo
def test_positions_equal_the_engine(built, lay, cached, recalculated):
    book = load_positions(built[0])
    t = risk_table(book)
    fields = {"liq": t.liquidation, "bank": t.bankruptcy, "dist": t.distance, "sigma": t.sigma_days,
              "mm": t.maintenance, "upnl": t.upnl, "fund_day": t.funding_per_day, "p1": t.prob_1d,
              "p7": t.prob_7d, "notional": t.notional, "mark": book.mark, "margin": t.margin}
    for values in (cached["Positions"], recalculated["Positions"]):
        for key, arr in fields.items():
            for i in range(len(book)):
                got = values.get(lay.positions.local(key, i), "")
                assert _close(got, _shown(key, arr[i], book.vol[i])), (key, i, got, arr[i])
    # the heatmap, in USD, against pnl_after_mark_move
    pnl = pnl_after_mark_move(book, MOVES) * np.where(book.inverse[:, None],
                                                      book.mark[:, None] * (1 + np.array(MOVES)), 1.0)
    for values in (cached["Scenarios"], recalculated["Scenarios"]):
        for i in range(len(book)):
            for j in range(len(MOVES)):
                got = values[_heat(lay, i, j)]
                assert _close(got, pnl[i, j]), (i, j, got, pnl[i, j])
    # summary: equity and gross notional
    summary = recalculated["Summary"]
    assert _close(summary[lay.summary.cell("equity")], float(np.sum((t.margin + t.upnl) * t.fx)))
    assert _close(summary[lay.summary.cell("gross")], float(np.sum(t.notional_usd)))


def _heat(lay, i: int, j: int) -> str:
    """A1 reference of position i's PnL at move j on the Scenarios heatmap."""
    return f"{_letter(lay.scenarios.first_col + j)}{lay.scenarios.heat_first + 1 + i}"


@needs_lo
def test_changing_a_mark_recalculates_like_the_engine(built, lay, tmp_path):
    src, out = built
    wb = openpyxl.load_workbook(out)
    ws = wb["Summary"]
    target = next(r for r in range(lay.summary.market_first + 1, ws.max_row + 1)
                  if ws.cell(r, 2).value == "binance" and ws.cell(r, 3).value == "BTCUSDT")
    ws.cell(target, lay.summary.mark_col + 1).value = 55_000.0  # openpyxl drops every cached value
    assert wb["Scenarios"].cell(lay.scenarios.heat_moves + 1, 1).value == "Move of every mark (input) →"
    wb["Scenarios"].cell(lay.scenarios.heat_moves + 1, lay.scenarios.first_col + 1).value = -0.25  # a heatmap move
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    values = libreoffice.recalculated_values(edited)
    book, _ = apply_marks(load_positions(src), {"BTCUSDT": 55_000.0})
    t = risk_table(book)
    moves = (-0.25,) + MOVES[1:]
    pnl = pnl_after_mark_move(book, moves) * np.where(book.inverse[:, None],
                                                      book.mark[:, None] * (1 + np.array(moves)), 1.0)
    pos = values["Positions"]
    changed = [i for i in range(len(book)) if book.symbol[i] == "BTCUSDT"]
    assert changed == [0, 1]
    for key, arr in {"mark": book.mark, "liq": t.liquidation, "dist": t.distance, "sigma": t.sigma_days,
                     "mm": t.maintenance, "upnl": t.upnl, "fund_day": t.funding_per_day, "p1": t.prob_1d,
                     "p7": t.prob_7d, "notional": t.notional}.items():
        for i in range(len(book)):
            got = pos[lay.positions.local(key, i)]
            assert _close(got, _shown(key, arr[i], book.vol[i])), (key, i, got, arr[i])
    for i in range(len(book)):
        for j in range(len(moves)):
            got = values["Scenarios"][_heat(lay, i, j)]
            assert _close(got, pnl[i, j], abs_=1e-7), (i, j, got, pnl[i, j])
    assert not any(isinstance(v, str) and re.match(r"#|Err:", v) for s in values.values() for v in s.values())


def test_same_input_same_workbook(built, tmp_path):
    src, _ = built
    a = build_report(src, tmp_path / "a.xlsx", as_of=AS_OF)
    b = build_report(src, tmp_path / "b.xlsx", as_of=AS_OF)
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        assert za.namelist() == zb.namelist()
        for name in za.namelist():
            assert za.read(name) == zb.read(name), name


def test_bad_rows_are_listed_and_the_rest_reported(built, lay):
    wb = openpyxl.load_workbook(built[1])
    ws = wb["Input issues"]
    rows = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(lay.issues.first + 1, ws.max_row + 1)}
    assert set(rows) == {10, 11}
    assert "size" in rows[10] and "abc" in rows[10]
    assert "leverage or margin" in rows[11]
    assert wb.sheetnames == ["Summary", "Positions", "Reconciliation", "Scenarios", "Stress", "Stress detail",
                             "Liquidation ladder",
                             "Funding", "Tier tables", "Methodology", "Input issues"]
    assert wb["Positions"].cell(lay.positions.first + 9, 1).value == 12  # the last good row is still there


@pytest.mark.parametrize("content", [None, b"\x00\x01\x02 not a csv", b"foo,bar\n1,2\n"], ids=["missing", "binary",
                                                                                             "no-header"])
def test_unreadable_input_fails_with_no_file(tmp_path, content):
    src = tmp_path / "positions.csv"
    if content is not None:
        src.write_bytes(content)
    out = tmp_path / "out" / "report.xlsx"
    with pytest.raises(ValueError):
        build_report(src, out, as_of=AS_OF)
    assert not out.exists()
    assert not list(tmp_path.rglob("*.xlsx"))  # no temp file left either


def test_formula_injection_stays_text(built, lay):
    with zipfile.ZipFile(built[1]) as z:
        sheets = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")}
        strings = z.read("xl/sharedStrings.xml").decode()
    for xml in sheets.values():
        formulas = re.findall(r"<f>(.*?)</f>", xml)
        assert not any("HYPERLINK" in f or "evil" in f or "SUM(1)" in f for f in formulas)
    assert "=HYPERLINK(" in strings and "evil.example" in strings and "@SUM(1)" in strings
    wb = openpyxl.load_workbook(built[1])
    ws = wb["Positions"]
    rows = range(lay.positions.first, lay.positions.last + 1)
    symbol, venue = lay.positions.col_of["symbol"] + 1, lay.positions.col_of["venue"] + 1
    symbols = {ws.cell(r, symbol).value: ws.cell(r, symbol).data_type for r in rows}
    assert symbols[INJECTION] == "s" and symbols["+1+2"] == "s"
    venues = {ws.cell(r, venue).value for r in rows}
    assert {"@SUM(1)", "-3"} <= venues


def test_no_add_in_functions_and_print_setup(built):
    with zipfile.ZipFile(built[1]) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        assert "LEVXL_" not in xml
        n = 11  # every sheet (a book without options has no Options margin sheet)
        assert xml.count('orientation="landscape"') == n
        # one page wide, or bands of columns at a fixed scale for the sheets too wide for 8 pt (test_report_print)
        assert xml.count('fitToHeight="0"') + xml.count("<colBreaks") == n
        assert "_xlfn.NORM.S.DIST" in xml
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_marks_file_and_vol_override(tmp_path):
    src = tmp_path / "book.csv"
    src.write_text(CSV)
    marks = tmp_path / "marks.csv"
    marks.write_text("symbol,mark\nBTCUSDT,58000\nETHUSDT,3600\nNOSUCH,1\nSOLUSDT,-1\n")
    out = build_report(src, tmp_path / "r.xlsx", as_of=AS_OF, marks=marks, vol=0.8)
    wb = openpyxl.load_workbook(out)
    summary = wb["Summary"]
    S = _layout(load_positions(src)).summary
    table = {(summary.cell(r, 2).value, summary.cell(r, 3).value): (summary.cell(r, S.mark_col + 1).value,
                                                                     summary.cell(r, S.vol_col + 1).value)
             for r in range(S.market_first + 1, summary.max_row + 1)}
    assert table[("binance", "BTCUSDT")] == (58000, 0.8)
    assert table[("binance", "ETHUSDT")][0] == 3600 and table[("okx", "SOLUSDT")] == (139.2, 0.8)
    first = _layout(load_positions(src)).issues.first + 1
    reasons = [wb["Input issues"].cell(r, 2).value for r in range(first, wb["Input issues"].max_row + 1)]
    assert any("NOSUCH" in r for r in reasons) and any("mark must be > 0" in r for r in reasons)


def test_empty_book_still_builds(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("side,size,entry,leverage\nlong,abc,100,10\n")
    out = build_report(src, tmp_path / "r.xlsx", as_of=AS_OF)
    wb = openpyxl.load_workbook(out)
    assert wb["Input issues"].cell(_layout(load_positions(src)).issues.first + 1, 1).value == 1


def test_command(tmp_path):
    src = tmp_path / "book.csv"
    src.write_text(CSV)
    out = tmp_path / "r.xlsx"
    runner = CliRunner()
    result = runner.invoke(report, [str(src), "-o", str(out), "--as-of", AS_OF, "--vol", "0.5"])
    assert result.exit_code == 0, result.output
    assert out.exists() and "wrote" in result.output
    bad = runner.invoke(report, [str(tmp_path / "missing.csv"), "-o", str(tmp_path / "x.xlsx")])
    assert bad.exit_code != 0 and "cannot read" in bad.output and not (tmp_path / "x.xlsx").exists()
    bad_date = runner.invoke(report, [str(src), "-o", str(tmp_path / "y.xlsx"), "--as-of", "yesterday"])
    assert bad_date.exit_code != 0 and "ISO 8601" in bad_date.output and not (tmp_path / "y.xlsx").exists()


@needs_lo
def test_renders_to_pages(built, tmp_path):
    pages = libreoffice.render_png(built[1], tmp_path, dpi=40)
    assert len(pages) >= 8 and all(p.stat().st_size > 2000 for p in pages)


@needs_lo
def test_one_x_long_has_no_liquidation_in_the_engine_and_the_sheet(tmp_path):
    # Once a rounding residue (M/q - EP = ~7e-12 for M = q*EP/1) gave a tiny "liquidation price" and ~1274
    # sigma-days where the sheet shows "none"; the engine now returns the documented sentinel 0.0.
    src = tmp_path / "one.csv"
    src.write_text("venue,symbol,side,contract,size,entry,mark,leverage,mmr,vol\n"
                   "x,BTCUSDT,long,linear,23.615,47861.8,50000,1,0.005,0.7\n")
    book = load_positions(src)
    out = build_report(book, tmp_path / "r.xlsx", as_of=AS_OF)
    got = libreoffice.recalculated_values(out)["Positions"][_layout(book).positions.local("sigma", 0)]
    assert _close(got, _engine(risk_table(book).sigma_days[0]))


@needs_lo
def test_every_formula_has_its_cached_value_in_the_file(built, formulas, recalculated):
    """What a viewer that never calculates shows (openpyxl data_only, like pandas.read_excel): the cached values,
    read from the file itself, equal LibreOffice's own results."""
    wb = openpyxl.load_workbook(built[1], data_only=True)
    with zipfile.ZipFile(built[1]) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode()
                assert len(re.findall(r"<f>", xml)) == len(re.findall(r"<f>[^<]*</f><v>", xml)), name
    for sheet, cells in formulas.items():
        for ref in cells:
            shown = wb[sheet][ref].value
            want = recalculated[sheet].get(ref, "")
            assert _close("" if shown is None else shown, want, abs_=1e-7), (sheet, ref, shown, want)


def test_command_summary_reads_the_marked_book(tmp_path):
    """Regression: the one-line summary was computed from the unmarked book while the workbook used the marks."""
    from levxl.book.figures import risk_table

    src = tmp_path / "book.csv"
    src.write_text(CSV)
    marks = tmp_path / "marks.csv"
    marks.write_text("symbol,mark\nBTCUSDT,58500\n")
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(report, [str(src), "-o", str(out), "--as-of", AS_OF, "--marks", str(marks)])
    assert result.exit_code == 0, result.output
    marked, _ = apply_marks(load_positions(src), marks)
    table = risk_table(marked)
    i = table.closest()
    d = table.distance[i]
    where = f"{d:.1%} away" if d > 0 else f"{-d:.1%} past its liquidation price"
    assert f"closest: {marked.venue[i]} {marked.symbol[i]} {where}" in result.output
    assert f"{int(np.sum(table.distance < 0.10))} within 10%" in result.output
    unmarked = risk_table(load_positions(src))
    assert not np.allclose(unmarked.distance, table.distance, equal_nan=True)


def test_summary_line_and_workbook_agree(tmp_path):
    """The command's one-line summary and the workbook's Summary read the same figures table of the marked book."""
    src = tmp_path / "book.csv"
    src.write_text(CSV)
    marks = tmp_path / "marks.csv"
    marks.write_text("symbol,mark\nBTCUSDT,58500\n")
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(report, [str(src), "-o", str(out), "--as-of", AS_OF, "--marks", str(marks)])
    assert result.exit_code == 0, result.output
    marked, _ = apply_marks(load_positions(src), marks)
    S = _layout(marked).summary
    summary = openpyxl.load_workbook(out, data_only=True)["Summary"]
    r0 = S.headline("status") + 1
    within = sum(summary.cell(r0, S.value_col + 1 + j).value for j in range(3))  # LIQUIDATED, RED, AMBER
    worst = summary.cell(S.headline("nearest") + 1, S.value_col + 1).value
    shown = f"{worst:.1%} away" if worst > 0 else f"{-worst:.1%} past its liquidation price"
    assert f"{within} within 10%" in result.output and shown in result.output


def test_no_anchor_is_written_twice(built):
    """Formulas that point at another block take its address from the layout: the Summary counts compare with the
    threshold inputs, Positions flags read them, the scenario PnL line reads the Stress total it names."""
    from levxl.workbooks.report import report_sheets
    from levxl.workbooks.report.cells import Cell

    book = load_positions(built[0])
    sheets, lay = report_sheets(book, AS_OF, [])
    cells = {s.name: {(c.row, c.col): c for c in s.items if isinstance(c, Cell)} for s in sheets}
    S = lay.summary
    status = cells["Summary"][(S.headline("status"), S.value_col + 1)]
    assert status.formula == f'=COUNTIF({lay.positions.range("flag")},"RED")'
    assert cells["Summary"][(S.red_row, S.value_col)].value == 0.05
    flag = cells["Positions"][(lay.positions.row0(0), lay.positions.col_of["flag"])].formula
    assert S.ref(S.red_row) in flag and S.ref(S.amber_row) in flag
    adverse = cells["Summary"][(S.headline("adverse"), S.value_col)]
    assert adverse.formula == f"={lay.stress.total_ref(lay.stress.first, 4)}"
    assert cells["Stress"][(lay.stress.first, 4)].cached == adverse.cached
    assert cells["Stress"][(lay.stress.first, 2)].formula == f"={S.ref(S.move_row)}"
    # blocks do not overlap
    assert lay.stress.vol_row < lay.stress.betas_section < lay.stress.map_section
    assert S.option_section > S.market_first + len(S.instruments)
    assert lay.scenarios.heat_top > lay.scenarios.grid_header + len(MOVES)


def test_no_formula_is_a_dynamic_array_or_array_formula(formulas):
    """The report's formula writer stores formulas without XlsxWriter's dynamic-array search
    (:func:`levxl.workbooks.report.writer._formula_writer`): the report must write none, nor an array formula."""
    from xlsxwriter.worksheet import re_dynamic_function

    found = [(sheet, ref) for sheet, cells in formulas.items() for ref, f in cells.items()
             if re_dynamic_function.search(f) or f.startswith("{")]
    assert sum(len(cells) for cells in formulas.values()) > 1000 and not found, found[:5]
