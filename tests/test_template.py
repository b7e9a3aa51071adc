"""The template workbook (levxl.workbooks.template): built from xlwings' standalone quickstart, cached values by levxl's recalc
that reproduce the engine, visible in LibreOffice, reproducible, and the committed file is what the builder makes."""

import math
import shutil
import zipfile

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

import levxl as lx
from levxl.catalogue import reference_docs
from levxl.engine import options
from levxl.testing import libreoffice
from levxl.cli.template import template as template_command
from levxl.workbooks import template
from levxl.book.positions import load_positions
from levxl.book.figures import FUNDING_INTERVALS_PER_DAY, pnl_after_mark_move, risk_table

needs_lo = pytest.mark.skipif(not libreoffice.available(),
                              reason="LibreOffice not installed (Debian package libreoffice-calc-nogui)")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return template.build_template(tmp_path_factory.mktemp("template") / "levxl_template.xlsm")


@pytest.fixture(scope="module")
def values(built):
    return openpyxl.load_workbook(built, data_only=True)


@pytest.fixture(scope="module")
def formulas(built):
    return openpyxl.load_workbook(built, keep_vba=True)


def _close(a, b, rel=1e-9):
    assert isinstance(a, (int, float)) and not isinstance(a, bool), a
    assert a == pytest.approx(float(b), rel=rel, abs=1e-12)


def _calc_row(ws, label):
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, 1).value == label:
            return row
    raise KeyError(label)


# -- package -----------------------------------------------------------------------------------------------------------
def test_vba_project_is_the_quickstart_one_byte_for_byte(built):
    with zipfile.ZipFile(template.quickstart_source()) as src, zipfile.ZipFile(built) as out:
        assert out.read("xl/vbaProject.bin") == src.read("xl/vbaProject.bin")
        assert "vbaProject" in out.read("[Content_Types].xml").decode()


def test_sheets_and_xlwings_conf(formulas):
    assert formulas.sheetnames == list(template.SHEETS)
    conf = formulas["xlwings.conf"]
    assert conf["A6"].value == "UDF Modules" and conf["B6"].value == "levxl.udfs"
    assert conf["A1"].value == "Interpreter_Win"  # the quickstart's settings block starts in A1


def test_no_full_calc_on_load_and_every_formula_has_a_cached_value(built):
    with zipfile.ZipFile(built) as z:
        wb_xml = z.read("xl/workbook.xml").decode()
        assert "<calcPr" in wb_xml and "fullCalcOnLoad" not in wb_xml
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        n_formulas = 0
        for name in sheets:
            xml = z.read(name).decode()
            for cell in xml.split("<c ")[1:]:
                if "<f" in cell.split("</c>")[0]:
                    n_formulas += 1
                    assert "<v>" in cell.split("</c>")[0], (name, cell[:200])
        assert n_formulas > 500


def test_formulas_use_the_catalogue(formulas):
    calc = formulas["Calculator"]
    texts = [c.value for row in calc.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    used = {name for name in lx_names() if any(name + "(" in t for t in texts)}
    for name in ("LEVXL_PNL", "LEVXL_ROE", "LEVXL_TARGET_PRICE", "LEVXL_LIQ_PRICE", "LEVXL_LIQ_PRICE_CROSS",
                 "LEVXL_BANKRUPTCY_PRICE", "LEVXL_MAX_SIZE", "LEVXL_AVG_ENTRY", "LEVXL_FUNDING_COST",
                 "LEVXL_POSITION_SIZE", "LEVXL_MAX_LEVERAGE"):
        assert name in used
    pos = formulas["Positions"]
    assert "LEVXL_LOSS_AT_MOVE" in pos["W5"].value and "H5*(1+W$3)/G5-1" in pos["W5"].value
    assert any("LEVXL_ACCOUNT_LIQ_PRICES" in str(c.value) for row in pos.iter_rows() for c in row)
    # inputs are styled as inputs and side/contract are drop-downs
    assert calc["B8"].font.color.rgb.endswith("0000FF")
    lists = {dv.formula1 for dv in calc.data_validations.dataValidation}
    assert '"long,short"' in lists and '"linear,inverse"' in lists
    assert formulas["Scenarios"].conditional_formatting  # heatmaps
    for ws in formulas.worksheets[:-1]:
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage


def lx_names():
    from levxl.catalogue import CATALOGUE

    return list(CATALOGUE)


# -- the cached values are the engine's numbers ----------------------------------------------------------------------
def test_calculator_matches_the_engine(values):
    ws = values["Calculator"]
    v = {label: ws.cell(_calc_row(ws, label), 2).value for label in (
        "liquidation price", "bankruptcy price", "PnL at the exit price", "ROE", "target price",
        "cross liquidation price", "max size", "average entry price", "funding cost", "position size",
        "max leverage")}
    mmr, fee = "binance:BTCUSDT", 0.0005
    _close(v["liquidation price"], lx.liquidation_price("long", 60000, 0.5, leverage=10, mmr=mmr, margin=None,
                                                        contract="linear", fee=fee))
    _close(v["bankruptcy price"], lx.bankruptcy_price("long", 60000, 0.5, leverage=10, contract="linear",
                                                      fee=fee))
    _close(v["PnL at the exit price"], lx.pnl("long", 60000, 0.5, exit=63000))
    _close(v["ROE"], lx.roe("long", 60000, exit=63000, leverage=10))
    _close(v["target price"], lx.target_price("long", 60000, leverage=10, roe=0.5))
    _close(v["cross liquidation price"], lx.liquidation_price_cross("long", 60000, 0.5, wallet=10000, mmr=mmr,
                                                                    other_mm=0, other_upnl=0, contract="linear",
                                                                     fee=fee))
    _close(v["max size"], lx.max_position_size("long", 60000, available=1000, leverage=10, mmr=mmr, fee=fee,
                                               contract="linear"))
    _close(v["average entry price"], lx.average_entry([60000, 59000, 58000], [0.2, 0.2, 0.1]))
    _close(v["funding cost"], lx.funding_cost("long", 30000, funding_rate=0.0001, funding_periods=21))
    _close(v["position size"], lx.position_size(10000, 0.01, entry=60000, stop=57000, fee=fee))
    _close(v["max leverage"], lx.max_leverage_for_stop("long", 60000, stop=57000, mmr=mmr, buffer=0.002,
                                                       contract="linear", fee=fee, size=0.5))


def test_positions_match_the_risk_table(values):
    ws = values["Positions"]
    book = load_positions(template.EXAMPLE_POSITIONS)
    table = risk_table(book)
    shocks = pnl_after_mark_move(book, [-0.1, -0.2, -0.3])
    col = {name: template.POS_COLS.index(name) + 1 for name in (
        "uPnL", "liquidation price", "bankruptcy price", "distance to liq.", "σ-days to liq.", "P(liq) 1 day",
        "P(liq) 7 days", "funding / day (− = paid)", "isolated margin")}
    assert ws.cell(3, 26).value == FUNDING_INTERVALS_PER_DAY
    for i in range(len(book)):
        row = template.POS_FIRST + i
        get = lambda name: ws.cell(row, col[name]).value  # noqa: E731
        _close(get("isolated margin"), book.isolated_margin[i])
        _close(get("uPnL"), table.upnl[i])
        _close(get("liquidation price"), table.liquidation[i])
        _close(get("bankruptcy price"), table.bankruptcy[i])
        _close(get("distance to liq."), table.distance[i])
        _close(get("σ-days to liq."), table.sigma_days[i])
        _close(get("P(liq) 1 day"), table.prob_1d[i], rel=1e-7)
        _close(get("P(liq) 7 days"), table.prob_7d[i], rel=1e-7)
        _close(get("funding / day (− = paid)"), table.funding_per_day[i])
        for k, letter in enumerate("WXY"):
            _close(ws[f"{letter}{row}"].value, shocks[i, k])
    last = template.POS_FIRST + len(book) - 1
    usd = np.where(book.inverse, book.mark, 1.0)
    _close(ws[f"R{last + 2}"].value, float(np.sum(table.upnl * usd)))
    _close(ws[f"W{last + 2}"].value, float(np.sum(shocks[:, 0] * usd)))
    assert ws[f"U{last + 3}"].value == int(np.sum(table.distance < 0.1))


def test_cross_margin_block_matches_the_engine(values):
    ws = values["Positions"]
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "#" and r > template.POS_FIRST)
    rows = [r for r in range(top + 1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, (int, float))]
    wallet = ws.cell(top - 1, 4).value
    mmr = ws.cell(top - 1, 6).value
    sides, entries, sizes, marks = [[ws.cell(r, c).value for r in rows] for c in (3, 5, 4, 6)]
    expected = lx.account_liquidation_prices(sides, entries, sizes, marks=marks, wallet=wallet, mmr=mmr)
    for r, e in zip(rows, expected):
        got = ws.cell(r, 8).value
        if e == 0 or not np.isfinite(e):
            assert got == "no liquidation"
        else:
            _close(got, e)


def test_scenario_grids_match_the_engine(values, formulas):
    ws = values["Scenarios"]
    side, contract, size, entry, mmr, lev, rate = (ws[c].value for c in ("D4", "E4", "F4", "G4", "I4", "J4", "K4"))
    assert (side, entry) == ("long", 64200)
    moves = [ws.cell(r, 2).value for r in range(8, 21)]
    levs = [ws.cell(7, c).value for c in range(3, 11)]
    grid = lx.scenario_grid(side, entry, size, moves=np.array(moves)[:, None], leverages=np.array(levs)[None, :],
                            mmr=mmr, contract=contract)
    roe_top = 8 + len(moves) + 3  # the ROE grid's first row, below the PnL grid
    liq_top = roe_top + len(moves) + 3
    for i in range(len(moves)):
        for j in range(len(levs)):
            _close(ws.cell(8 + i, 3 + j).value, grid.pnl[i, j])
            _close(ws.cell(roe_top + i, 3 + j).value, grid.roe[i, j])
            assert ws.cell(liq_top + i, 3 + j).value == int(grid.liquidated[i, j])
    assert grid.liquidated.any() and not grid.liquidated.all()
    # funding grid
    hr = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "move \\ intervals")
    periods = [ws.cell(hr, c).value for c in range(3, 9)]
    fmoves = [ws.cell(r, 2).value for r in range(hr + 1, hr + 8)]
    fg = lx.funding_grid(side, entry, size, leverage=lev, moves=np.array(fmoves)[:, None],
                         funding_periods=np.array(periods)[None, :], funding_rate=rate, mmr=mmr,
                         contract=contract)
    for i in range(len(fmoves)):
        for j in range(len(periods)):
            _close(ws.cell(hr + 1 + i, 3 + j).value, fg.pnl[i, j])
    # option grid
    oh = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "move \\ days")
    typ, und, strike, vol, rate_, model, settle = (ws.cell(oh - 2, c).value for c in range(3, 10))
    for i in range(9):
        for j in range(7):
            move, days = ws.cell(oh + 1 + i, 2).value, ws.cell(oh, 3 + j).value
            _close(ws.cell(oh + 1 + i, 3 + j).value,
                   options.option_price(typ, und * (1 + move), strike, days, vol, risk_free_rate=rate_, model=model,
                                        contract=settle), rel=1e-8)
    assert "LEVXL_OPTION_PRICE" in formulas["Scenarios"].cell(oh + 1, 3).value


def test_tiers_and_functions_sheets(values):
    ws = values["Tiers"]
    found = 0
    for row in range(1, ws.max_row + 1):
        name = ws.cell(row, 2).value
        if ws.cell(row, 1).value == "preset" and name in lx.presets(featured=True):
            t = lx.preset(name)
            assert ws.cell(row, 4).value == str(t.as_of)
            assert [ws.cell(row + 1, c).value for c in range(1, 7)][0] == "tier"
            for k, tier in enumerate(t.rows()):
                for c, expected in enumerate(tier):
                    if math.isinf(expected):  # an uncapped top tier (Hyperliquid) shows LEVXL_TIERS' "no cap"
                        assert ws.cell(row + 2 + k, 1 + c).value == "no cap"
                        continue
                    _close(ws.cell(row + 2 + k, 1 + c).value, expected)
            found += 1
    assert found == len(lx.presets(featured=True))
    fn = values["Functions"]
    rows = reference_docs.rows()
    assert [c.value for c in fn[3]] == reference_docs.HEADER
    for i, expected in enumerate(rows):
        assert [fn.cell(4 + i, 1 + k).value for k in range(5)] == expected
    start = values["Start"]
    text = " ".join(str(c.value) for row in start.iter_rows() for c in row if c.value)
    assert "install/windows/README.md" in text and "install/lite/README.md" in text and "Import Functions" in text
    assert template.conventions() in text


def test_levxl_recalc_reproduces_the_cached_values(built, values, tmp_path):
    from levxl.recalc import recalc_workbook

    summary = recalc_workbook(built)
    assert summary.ok and summary.engine == "fast" and not summary.errors
    for key, value in summary.values.items():
        sheet, ref = key.rsplit("!", 1)
        cached = values[sheet.strip("'").replace("''", "'")][ref].value
        if isinstance(value, float):
            assert cached == pytest.approx(value, rel=1e-12, abs=1e-300), key
        else:
            assert cached == value, key
    # an input changed through the recalc gives the engine's answer for the new input
    row = _calc_row(values["Calculator"], "entry price")
    liq_row = _calc_row(values["Calculator"], "liquidation price")
    out = recalc_workbook(built, inputs={f"Calculator!B{row}": 50000})
    _close(out.values[f"Calculator!B{liq_row}"],
           lx.liquidation_price("long", 50000, 0.5, leverage=10, mmr="binance:BTCUSDT", contract="linear",
                                fee=0.0005))


# -- LibreOffice -------------------------------------------------------------------------------------------------------
@needs_lo
def test_libreoffice_shows_the_cached_values(built, values):
    seen = libreoffice.read_values(built)
    assert list(seen) == list(template.SHEETS)
    errors = {(s, ref): v for s, cells in seen.items() for ref, v in cells.items()
              if isinstance(v, str) and (v.startswith(("#NAME", "#VALUE", "#N/A", "#REF", "#DIV", "#NUM", "Err:")))}
    assert not errors
    compared = 0
    for sheet in ("Calculator", "Positions", "Scenarios", "Tiers"):
        for ref, v in seen[sheet].items():
            cached = values[sheet][ref].value
            if isinstance(cached, (int, float)) and not isinstance(cached, bool):
                assert v == pytest.approx(float(cached), rel=1e-12, abs=1e-300), (sheet, ref)
                compared += 1
    assert compared > 700


@needs_lo
def test_every_sheet_renders(built, tmp_path):
    pngs = libreoffice.render_png(built, tmp_path, dpi=40)
    assert len(pngs) >= len(template.SHEETS)
    assert all(p.stat().st_size > 2000 for p in pngs)


# -- reproducible ------------------------------------------------------------------------------------------------------
def test_building_twice_gives_the_same_workbook(built, tmp_path):
    again = template.build_template(tmp_path / "again.xlsm")
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(again) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name != "docProps/core.xml":
                assert a.read(name) == b.read(name), name


def test_array_spills_give_the_same_numbers(built, values, tmp_path):
    arrays = template.build_template(tmp_path / "arrays.xlsm", spills="array")
    other = openpyxl.load_workbook(arrays, data_only=True)
    with zipfile.ZipFile(arrays) as z:
        assert 't="array" ref="C8:J20"' in z.read("xl/worksheets/sheet4.xml").decode()
    for sheet in ("Positions", "Scenarios", "Tiers"):
        for row_a, row_b in zip(values[sheet].iter_rows(), other[sheet].iter_rows()):
            for a, b in zip(row_a, row_b):
                assert a.value == b.value, (sheet, a.coordinate)


def test_committed_template_is_what_the_builder_produces():
    assert template.DEFAULT_PATH.exists(), "run `levxl template -o workbook/levxl_template.xlsm`"
    assert template.check_template(template.DEFAULT_PATH) == []


def test_check_template_reports_a_changed_cell(built, tmp_path):
    changed = tmp_path / "changed.xlsm"
    shutil.copy(built, changed)
    wb = openpyxl.load_workbook(changed, keep_vba=True)
    wb["Calculator"]["B8"] = 12345
    wb.save(changed)
    problems = template.check_template(changed)
    assert any("B8" in p for p in problems)


def test_cli_writes_the_template(tmp_path):
    out = tmp_path / "cli.xlsm"
    result = CliRunner().invoke(template_command, ["-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and template.check_template(out) == []
    result = CliRunner().invoke(template_command, ["-o", str(out), "--check"])
    assert result.exit_code == 0 and "up to date" in result.output
