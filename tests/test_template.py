"""The template workbook (levxl.workbooks.template): built from xlwings' standalone quickstart, cached values by levxl's recalc
that reproduce the engine, visible in LibreOffice, reproducible, and the committed file is what the builder makes."""

import math
import re
import shutil
import zipfile
from pathlib import Path

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
from levxl.workbooks.template import positions
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


def _header_row(ws, label, col=5):
    """The row of a Positions table's header: column A "#" and ``label`` in column ``col``."""
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, 1).value == "#" and ws.cell(row, col).value == label:
            return row
    raise KeyError(label)


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
    stress = _header_row(pos, "PnL at mark move")
    shock = pos.cell(stress + 1, 5).value
    assert "LEVXL_PNL" in shock and f"H5*(1+E${stress - 1})" in shock  # a move of the mark
    risk = _header_row(pos, "value at entry")
    assert f"I{risk + 1}" in shock  # liquidated past the row's own (venue-convention) liquidation price
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
        "max leverage (rounded down to 0.01x)", "distance to liq. from the mark (<0 = past it)")}
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
    cap = lx.max_leverage_for_stop("long", 60000, stop=57000, mmr=mmr, buffer=0.002, contract="linear", fee=fee,
                                   size=0.5)
    _close(v["max leverage (rounded down to 0.01x)"], math.floor(cap * 100) / 100)
    liq = v["liquidation price"]
    _close(v["distance to liq. from the mark (<0 = past it)"],
           lx.engine.probability.liquidation_distance("long", mark=63000, liq_price=liq))


def test_positions_match_the_risk_table(values):
    ws = values["Positions"]
    book = load_positions(template.EXAMPLE_POSITIONS)
    table = risk_table(book)
    risk = _header_row(ws, "value at entry")
    stress = _header_row(ws, "PnL at mark move")
    moves = [ws.cell(stress - 1, 5 + k).value for k in range(6)]
    assert moves == list(template.STRESS_MOVES) and min(moves) < 0 < max(moves)  # both directions
    shocks = pnl_after_mark_move(book, moves)
    col = {name: template.RISK_COLS.index(name) + 1 for name in (
        "uPnL", "liquidation price", "bankruptcy price", positions.DISTANCE, positions.SIGMA_DAYS,
        "isolated margin", "status")}
    assert ws.cell(stress - 1, 11).value == FUNDING_INTERVALS_PER_DAY
    flags = table.statuses(positions.RED, positions.AMBER)
    for i in range(len(book)):
        row, q, p = template.POS_FIRST + i, risk + 1 + i, stress + 1 + i
        get = lambda name: ws.cell(q, col[name]).value  # noqa: E731
        assert [ws.cell(q, c).value for c in (1, 3, 4)] == [i + 1, book.symbol[i], ws.cell(row, 4).value]
        _close(get("isolated margin"), book.isolated_margin[i])
        _close(get("uPnL"), table.upnl[i])
        _close(get("liquidation price"), table.liquidation[i])
        _close(get("bankruptcy price"), table.bankruptcy[i])
        _close(get(positions.DISTANCE), table.distance[i])
        _close(get(positions.SIGMA_DAYS), table.sigma_days[i])
        assert get("status") == flags[i]
        for k in range(6):
            _close(ws.cell(p, 5 + k).value, shocks[i, k])
        _close(ws.cell(p, 11).value, table.funding_per_day[i])
        _close(ws.cell(p, 12).value, table.prob_1d[i], rel=1e-7)
        _close(ws.cell(p, 13).value, table.prob_7d[i], rel=1e-7)
    n = len(book)
    usd = np.where(book.inverse, book.mark, 1.0)
    _close(ws.cell(risk + 1 + n, 8).value, float(np.sum(table.upnl * usd)))
    for k in range(6):
        _close(ws.cell(stress + 1 + n, 5 + k).value, float(np.sum(shocks[:, k] * usd)))
    assert ws.cell(risk + 2 + n, 11).value == int(np.sum(table.distance < positions.AMBER))


def test_distance_is_from_the_mark_signed_and_a_mark_past_liquidation_is_liquidated(built, values):
    """One convention: the adverse move of the mark, negative once past the liquidation price, status LIQUIDATED
    (not RED); the sign's meaning is in every header that shows a distance."""
    from levxl.engine.probability import liquidation_distance
    from levxl.recalc import recalc_workbook

    ws = values["Positions"]
    risk = _header_row(ws, "value at entry")
    headers = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "distance" in c.value
               and c.fill.fgColor.rgb.endswith("1F3864")]
    assert len(headers) == 2 and all("<0 = past it" in h and "mark" in h for h in headers), headers
    i = next(k for k in range(8) if ws.cell(risk + 1 + k, 4).value == "short")  # the ETH short
    liq = ws.cell(risk + 1 + i, 9).value
    past = liq * 1.02
    out = recalc_workbook(built, inputs={f"Positions!H{template.POS_FIRST + i}": past})
    got = out.values[f"Positions!K{risk + 1 + i}"]
    assert got < 0
    _close(got, liquidation_distance("short", mark=past, liq_price=liq))
    assert out.values[f"Positions!M{risk + 1 + i}"] == "LIQUIDATED"
    assert ws.cell(risk + 1 + i, 13).value != "LIQUIDATED"
    calc = values["Calculator"]
    assert any("<0 = past it" in str(c.value) and "mark" in str(c.value) for c in calc["A"])


def test_cross_margin_block_matches_the_engine(values):
    ws = values["Positions"]
    top = _header_row(ws, "size")  # the cross-margin block's header (the inputs table has "contract" in E)
    rows = [r for r in range(top + 1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, (int, float))]
    wallet = ws.cell(top - 1, 3).value
    mmr = ws.cell(top - 1, 5).value
    sides, entries, sizes, marks = [[ws.cell(r, c).value for r in rows] for c in (4, 6, 5, 7)]
    expected = lx.account_liquidation_prices(sides, entries, sizes, marks=marks, wallet=wallet, mmr=mmr)
    for r, e in zip(rows, expected):
        got = ws.cell(r, 9).value
        if e == 0 or not np.isfinite(e):
            assert got == "no liquidation"
        else:
            _close(got, e)


def test_scenario_grids_match_the_engine(values, formulas):
    ws = values["Scenarios"]
    side, contract, size, entry, mmr, lev, rate = (ws[c].value for c in ("D4", "E4", "F4", "G4", "I4", "J4", "K4"))
    assert (side, entry) == ("long", 64200)
    mark = ws["H4"].value
    moves = [ws.cell(r, 2).value for r in range(8, 21)]  # moves of the mark
    from_entry = [mark * (1 + m) / entry - 1 for m in moves]
    for r, expected in zip(range(8, 21), from_entry):
        _close(ws.cell(r, 1).value, expected)
    levs = [ws.cell(7, c).value for c in range(3, 11)]
    grid = lx.scenario_grid(side, entry, size, moves=np.array(from_entry)[:, None],
                            leverages=np.array(levs)[None, :], mmr=mmr, contract=contract)
    roe_top = 8 + len(moves) + 3  # the ROE grid's first row, below the PnL grid
    liq_top = roe_top + len(moves) + 3
    for i in range(len(moves)):
        for j in range(len(levs)):
            _close(ws.cell(8 + i, 3 + j).value, grid.pnl[i, j])
            _close(ws.cell(roe_top + i, 3 + j).value, grid.roe[i, j])
            assert ws.cell(liq_top + i, 3 + j).value == int(grid.liquidated[i, j])
    assert grid.liquidated.any() and not grid.liquidated.all()
    # funding grid
    hr = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "mark move \\ intervals")
    periods = [ws.cell(hr, c).value for c in range(3, 9)]
    fmoves = [mark * (1 + ws.cell(r, 2).value) / entry - 1 for r in range(hr + 1, hr + 8)]
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
    # this checkout's file (DEFAULT_PATH is wherever the installed levxl.workbook package lives, which for an
    # editable install made from another worktree is that worktree's)
    committed = Path(__file__).resolve().parent.parent / "workbook" / "levxl_template.xlsm"
    assert template.check_template(committed) == []


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


# -- heat maps, legend, function reference ---------------------------------------------------------------------------
def _rules(ws, rng):
    for cf in ws.conditional_formatting:
        if str(cf.sqref) == rng:
            return cf.rules
    raise KeyError(rng)


def test_heat_maps_are_one_fixed_scale_of_the_margin_and_grey_where_liquidated(formulas):
    """PnL and ROE grids are coloured by the ROE on fixed thresholds (a min-max colour scale made deep losses at high
    leverage paler), first grey where liquidated; no colour scale (LibreOffice paints one over the grey rule)."""
    from levxl.workbooks.template.styles import HEAT, LIQ

    ws = formulas["Scenarios"]
    n = len(template.scenarios.MOVES)
    roe_first, liq_first = f"C{8 + n + 3}", f"C{8 + 2 * (n + 3)}"
    for rng in (f"C8:J{7 + n}", f"C{8 + n + 3}:J{7 + 2 * n + 3}"):
        rules = sorted(_rules(ws, rng), key=lambda r: r.priority)
        assert all(r.type == "expression" and r.stopIfTrue for r in rules)
        assert rules[0].formula == [f"{liq_first}=1"] and rules[0].dxf.fill.fgColor.rgb.endswith(LIQ)
        assert not rules[0].dxf.font.strike
        for rule, (_, color, test) in zip(rules[1:], HEAT):
            assert rule.formula == [f"AND(ISNUMBER({roe_first}),{roe_first}{test})"]
            assert rule.dxf.fill.fgColor.rgb.endswith(color) and rule.dxf.fill.bgColor.rgb.endswith(color)
        assert len(rules) == 1 + len(HEAT)
    # the legend shows the same fills, in the same order
    legend = [ws.cell(5, 3 + k) for k in range(1 + len(HEAT))]
    assert [c.fill.fgColor.rgb[-6:] for c in legend] == [LIQ] + [color for _, color, _ in HEAT]
    assert legend[0].value == "liquidated"
    # thresholds increase: a deeper loss is never a paler red
    bounds = [float(test.lstrip("<=>")) for _, _, test in HEAT]
    assert bounds == sorted(bounds)


def test_function_reference_states_each_default_once():
    for row in reference_docs.rows():
        for line in row[3].split("; "):
            assert line.lower().count("default") <= 1, line
    text = reference_docs.markdown()
    assert "(default 0.005) (default 0.005)" not in text and "default 0.005 (default 0.005)" not in text
    mmr = [a for e in lx_catalogue().values() for a in e.args if a.name == "mmr" and "default 0.005" in a.doc]
    assert mmr and all(line.count("0.005") <= 1 for e in lx_catalogue().values()
                       for line in reference_docs.argument_lines(e) if line.startswith("mmr:"))


def lx_catalogue():
    from levxl.catalogue import CATALOGUE

    return CATALOGUE


# -- printing ----------------------------------------------------------------------------------------------------------
# LibreOffice draws Calibri (absent) as DejaVu Sans, whose digits set the column-width unit: measured on the rendered
# template, one unit of the 12 pt default font prints 7.66-7.75 pt wide at 100% (Excel's Calibri unit is narrower, so
# this is the worse case). Fit-to-width scales the sheet by printable width / the print area's width.
UNIT_PT = 7.75
A4_LANDSCAPE_WIDTH = 841.89  # points


def _print_columns(ws):
    area = ws.print_area
    if area:
        ref = area.split("!")[-1].replace("$", "").split(",")[0]
        a, _, b = ref.partition(":")
        lo, hi = openpyxl.utils.cell.coordinate_from_string(a)[0], openpyxl.utils.cell.coordinate_from_string(b)[0]
        cols = range(openpyxl.utils.column_index_from_string(lo), openpyxl.utils.column_index_from_string(hi) + 1)
    else:
        cols = range(1, ws.max_column + 1)
    return [openpyxl.utils.get_column_letter(c) for c in cols]


def print_scale(ws) -> float:
    """The fit-to-width scale LibreOffice applies to ``ws`` (estimate, see UNIT_PT)."""
    default = ws.sheet_format.defaultColWidth or 8.43
    width = 0.0
    for col in _print_columns(ws):
        dim = ws.column_dimensions.get(col)
        width += dim.width if dim is not None and dim.width else default
    printable = A4_LANDSCAPE_WIDTH - 72 * (ws.page_margins.left + ws.page_margins.right)
    return min(1.0, printable / (width * UNIT_PT))


def test_every_sheet_prints_a4_landscape_one_page_wide_at_8pt_with_repeated_headers(formulas):
    for ws in formulas.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape" and str(ps.paperSize) == ws.PAPERSIZE_A4, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth == 1 and ps.fitToHeight == 0, ws.title
        assert not ws.col_breaks.brk and not ws.print_title_cols, ws.title  # one page wide: no column breaks
        if ws.title != "xlwings.conf":  # the quickstart's settings block: 17 rows, one page
            assert ws.print_title_rows, ws.title
            assert ws.freeze_panes, ws.title
        scale = print_scale(ws)
        cols = set(_print_columns(ws))
        small = [(c.coordinate, c.font.sz) for row in ws.iter_rows() for c in row
                 if c.value is not None and c.column_letter in cols and c.font.sz * scale < 8.0]
        assert not small, (ws.title, round(scale, 3), small[:5])
        assert 12 * scale >= 8.0  # header and footer (the default font)


def _pdf_pages(pdf):
    """Per page: (text, font sizes, fill colours) of a LibreOffice PDF (sizes are in Tf, no text-matrix scale)."""
    import re
    import subprocess
    import zlib

    data = pdf.read_bytes()
    streams = []
    for m in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", m.end())
        try:
            s = zlib.decompress(data[m.end():end])
        except zlib.error:
            continue
        if b" Tf" in s:
            streams.append(s)
    pages = []
    for k, s in enumerate(streams, start=1):
        text = subprocess.run(["pdftotext", "-f", str(k), "-l", str(k), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        sizes = [float(x) for x in re.findall(rb"/F\d+ ([\d.]+) Tf", s)]
        fills = re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) rg\s+[\d.]+ [\d.]+ [\d.]+ ([\d.]+) re f", s)
        pages.append((text, sizes, [(tuple(round(float(v) * 255) for v in f[:3]), float(f[3])) for f in fills]))
    return pages


@needs_lo
def test_libreoffice_prints_every_page_readable_and_liquidated_cells_grey(built, values, tmp_path):
    """Printed by LibreOffice: no text under 8 pt, no ######, titles on every page, liquidated grid cells grey (the
    legend's promise), one page per Positions table."""
    import shutil as _shutil

    if _shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    pdf = libreoffice.convert([built], "pdf", tmp_path)[0]
    pages = _pdf_pages(pdf)
    assert len(pages) >= len(template.SHEETS)
    for text, sizes, _ in pages:
        assert min(sizes) >= 7.95, (text[:80], min(sizes))
        assert "###" not in text, text[:200]
    by_sheet = {}
    for text, sizes, fills in pages:
        sheet = next(s for s in template.SHEETS if f"{s} - page" in text)
        by_sheet.setdefault(sheet, []).append((text, fills))
    assert len(by_sheet["Positions"]) <= 2
    for text, _ in by_sheet["Positions"]:
        assert "Positions: the book's liquidation risk" in text  # the title on every page, uncut
    ws = values["Scenarios"]
    n = len(template.scenarios.MOVES)
    flags = [[ws.cell(8 + 2 * (n + 3) + i, 3 + j).value for j in range(8)] for i in range(n)]
    pnl_page = next(fills for text, fills in by_sheet["Scenarios"] if "PnL by move of the mark" in text)
    grey = sorted(height for color, height in pnl_page if color == (127, 127, 127))
    # the legend's "liquidated" cell (the tallest) and the PnL grid's liquidated cells, which LibreOffice paints
    # grey (it painted them red with a strike-through while a colour scale shared their range)
    assert len(grey) >= 2 and grey[-1] > grey[0]
    assert len(grey) - 1 in (sum(map(any, flags)), sum(map(sum, flags)))  # one run per row, or one per cell


def test_positions_venue_is_a_dropdown_of_the_profiled_venues_and_sets_the_basis(formulas):
    ws = formulas["Positions"]
    venue_lists = [dv for dv in ws.data_validations.dataValidation if any(str(r).startswith("B") for r in dv.sqref.ranges)]
    assert len(venue_lists) == 1 and venue_lists[0].errorStyle == "warning"
    listed = venue_lists[0].formula1.strip('"').split(",")
    assert {"binance", "bybit", "okx", "hyperliquid", "deribit", "kucoin"} <= set(listed)
    # the liquidation price passes the row's venue: maintenance measured where that venue measures it
    liq = [c.value for c in ws["I"] if isinstance(c.value, str) and c.value.startswith("=LEVXL_LIQ_PRICE(")]
    assert liq and all(re.search(r",,,B\d+\)$", f) for f in liq)  # fee and basis blank: the venue's


def test_a_bybit_margin_and_an_okx_row_follow_their_venues_like_the_book(built, values):
    # row 1 becomes a Bybit position whose typed margin holds the UTA fee to close (IM 3,200 + 15.84); row 5 is
    # the example's OKX row (taker inside the threshold): the sheet's figures are the book's, through the recalc
    from levxl.book.positions import book_from_records
    from levxl.recalc import recalc_workbook

    ws = values["Positions"]
    r = template.POS_FIRST
    inputs = {f"Positions!{c}{r}": v for c, v in zip("BCDEFGHIJK", ("bybit", "BTCUSDT", "long", "linear", 0.5,
                                                                    64000, 63000, 10, 3215.84, 0.005))}
    out = recalc_workbook(built, inputs=inputs)
    assert out.ok and not out.errors
    risk = _header_row(ws, "value at entry") + 1
    liq_col = openpyxl.utils.get_column_letter(template.RISK_COLS.index("liquidation price") + 1)
    margin_col = openpyxl.utils.get_column_letter(template.RISK_COLS.index("isolated margin") + 1)
    rows = [{"venue": "bybit", "symbol": "BTCUSDT", "side": "long", "contract": "linear", "size": 0.5,
             "entry": 64000, "mark": 63000, "leverage": 10, "margin": 3215.84, "mmr": 0.005}]
    book = book_from_records(rows)
    table = risk_table(book)
    assert book.close_fee[0] == pytest.approx(15.84, rel=1e-9)
    _close(out.values[f"Positions!{margin_col}{risk}"], book.isolated_margin[0])  # 3,200: the fee taken out
    _close(out.values[f"Positions!{liq_col}{risk}"], table.liquidation[0])
    _close(table.liquidation[0], 57920.0)  # Bybit's LP = EP - (IM - MM)/q, the fee cancelling
    example = load_positions(template.EXAMPLE_POSITIONS)
    okx = example.venue.index("okx")
    assert example.fee[okx] == 0.0005
    _close(out.values[f"Positions!{liq_col}{risk + okx}"], risk_table(example).liquidation[okx])
