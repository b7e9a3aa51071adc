"""Fixes from the sixth QA round (the report and `levxl risk` checked from the outside on desk-like books), one
test each."""

import warnings

import openpyxl
import pytest

from levxl.testing import libreoffice
from levxl.workbooks.report import build_report

needs_lo = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")


def _cells(path, sheet):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: "extension is not supported" for the data bars
        return openpyxl.load_workbook(path)[sheet]


def _decimals(number_format: str) -> int:
    first = number_format.split(";")[0]
    return len(first.split(".")[1]) if "." in first else 0


def _find(ws, value, rel=1e-12):
    return [c for row in ws.iter_rows() for c in row
            if isinstance(c.value, float) and c.value == pytest.approx(value, rel=rel)]


def test_prices_show_every_decimal_of_their_tick(tmp_path):
    # 1000PEPEUSDT trades on a 0.0000001 tick: its liquidation price 0.0175067 was shown 0.017507 (digits from the
    # size of the entry alone), a price the venue never shows; the tick's decimals are now the least shown
    path = tmp_path / "pepe.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage,tick\n"
                    "binance,1000PEPEUSDT,long,50000000,0.01912,0.0185,10,0.0000001\n"
                    "binance,BTCUSDT,long,1,60000,61850,10,0.1\n")
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    positions = _cells(out, "Positions")
    for key in ("Liquidation price", "Bankruptcy price", "Entry", "Mark"):
        col = [c.column for c in positions[4] if c.value == key][0]
        assert _decimals(positions.cell(5, col).number_format) == 7, key
        assert _decimals(positions.cell(6, col).number_format) == 2, key  # BTC: the price's own 2 decimals
    recon = _cells(out, "Reconciliation")
    assert [_decimals(c.number_format) for c in _find(recon, 0.0175067)] == [7]
    summary = _cells(out, "Summary")
    assert [_decimals(c.number_format) for c in _find(summary, 0.0185)] == [7]  # the mark input


def test_a_long_no_price_liquidates_is_not_on_the_ladder_and_reads_none(tmp_path):
    # a 1x linear long has the sentinel liquidation price 0 ("none" on Positions): the ladder listed it at -100%
    # with "0.00" and counted its notional as liquidated (a short with no price, inf, is left out), and the
    # Scenarios table showed its price as "0.00"
    path = tmp_path / "one_x.csv"
    path.write_text("venue,symbol,side,contract,size,entry,mark,leverage\n"
                    "binance,SOLUSDT,long,linear,100,150,139.2,1\n"
                    "binance,BTCUSDT,long,linear,1,60000,61850,10\n")
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    ladder = _cells(out, "Liquidation ladder")
    rows = [ladder.cell(r, 1).value for r in range(6, 12)]
    assert rows[0] == "=Positions!A6" and rows[1] is None  # the 10x long alone (input row 2)
    scenarios = _cells(out, "Scenarios")
    shown = [c for row in scenarios.iter_rows() for c in row if c.value == "=Positions!M5"]
    assert shown and all(c.number_format.endswith('"none"') for c in shown)


_CROSS_UNKNOWN = ("venue,account,symbol,side,contract,size,entry,mark,leverage,funding_rate,vol,margin_mode,wallet\n"
                  "binance,A,BTCUSDT,long,linear,3,64200,61850,,0.0001,0.55,cross,120000\n"
                  "binance,A,ETHUSDT,short,linear,xx,3380,3455,,0.0001,0.7,cross,120000\n"
                  "binance,B,SOLUSDT,long,linear,100,150,139.2,,0.0001,0.9,cross,\n"
                  "binance,,DOGEUSDT,long,linear,150000,0.1712,0.1598,10,0.0003,0.9,isolated,\n")


def test_summary_says_how_many_positions_levxl_cannot_recompute(tmp_path):
    # two cross positions levxl cannot recompute (a refused row in account A, no wallet for B) were in none of
    # the Summary's counts and its nearest liquidation and expected liquidations did not say they were left out
    from levxl.workbooks.report import plan_layout
    from levxl.book.figures import risk_table
    from levxl.book.positions import load_positions

    path = tmp_path / "cross.csv"
    path.write_text(_CROSS_UNKNOWN)
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    S = plan_layout(risk_table(load_positions(path))).summary
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = openpyxl.load_workbook(out, data_only=True)["Summary"]
    left_out = "2 position(s) levxl cannot recompute left out"
    for key in ("nearest", "expected_liquidations", "margin_to_add"):
        text = ws.cell(S.headline(key) + 1, S.value_col + 2).value
        assert text.endswith(left_out), (key, text)
    assert ws.cell(S.headline("nearest") + 1, S.value_col + 2).value.startswith("4: binance DOGEUSDT long; ")


@needs_lo
def test_summary_and_stress_detail_cache_what_libreoffice_computes_for_uncomputed_positions(tmp_path):
    # the Stress detail of a cross position without its wallet cached "n/a: no vol" for its shocked probability
    # (it has a vol) and LibreOffice recomputed 0 from the "n/a" price: both now read "n/a", as on Positions
    path = tmp_path / "cross.csv"
    path.write_text(_CROSS_UNKNOWN)
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cached = {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row}
                  for ws in openpyxl.load_workbook(out, data_only=True)}
    got = libreoffice.recalculated_after_edit(out, {}, tmp_path / "recalc.xlsx")
    for sheet in ("Summary", "Stress detail", "Stress"):
        for ref, value in got[sheet].items():
            want = cached[sheet].get(ref)
            if isinstance(value, float) and isinstance(want, (int, float)):
                assert value == pytest.approx(want, rel=1e-9, abs=1e-9), (sheet, ref)
            elif value not in (None, ""):
                assert value == want, (sheet, ref, value, want)


def test_size_to_cut_of_a_large_position_fits_its_column(tmp_path):
    # 9,000,000,000 1000PEPE with 4 decimals ("9,000,000,000.0000") printed as ### on Positions and the Summary;
    # the decimals now follow the size (4 below 10,000 units, 2 below 1,000,000, none above)
    from levxl.book.figures import risk_table
    from levxl.book.positions import load_positions
    from levxl.workbooks.report import plan_layout

    path = tmp_path / "whale.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage,vol\n"
                    "binance,1000PEPEUSDT,long,9000000000,0.01912,0.0185,5,1.2\n"
                    "binance,DOGEUSDT,long,150000,0.1712,0.1598,10,1.1\n"
                    "binance,BTCUSDT,long,2.5,64200,61850,10,0.55\n")
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    lay = plan_layout(risk_table(load_positions(path)))
    positions = _cells(out, "Positions")
    assert [_decimals(positions[lay.positions.local("cut_size", i)].number_format) for i in range(3)] == [0, 2, 4]
    summary = _cells(out, "Summary")
    shown = {summary.cell(r, 7).value: summary.cell(r, 7).number_format
             for r in range(lay.summary.worst_header + 2, lay.summary.worst_header + 5)}
    assert sorted(_decimals(f) for f in shown.values()) == [0, 2, 4]


@needs_lo
@pytest.mark.parametrize("example", ["positions.csv", "options_book.csv"])
def test_positions_print_in_the_bands_planned(tmp_path, example):
    # the bands of columns were planned to fill the page to the last point; LibreOffice's widths round up, so it
    # broke before each band's last column and printed that column (Status) on a page of its own: 3 pages for the
    # 2 bands planned of the bundled example, 4 for the 3 of the options book
    import subprocess
    from pathlib import Path

    examples = Path(__file__).resolve().parent.parent / "workbook" / "examples"
    out = build_report(examples / example, tmp_path / "r.xlsx", as_of="2026-12-03")
    planned = len(_cells(out, "Positions").col_breaks.brk) + 1
    pdf = libreoffice.convert([out], "pdf", tmp_path)[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    headers = [page.splitlines()[0].split() for page in text.split("\f") if page.strip()]
    assert sum(1 for h in headers if h[3:4] == ["Positions"]) == planned


def test_maintenance_margins_say_where_they_are_measured(tmp_path):
    # a Bybit position's maintenance margin is 409.20 on Reconciliation and in `levxl risk --json` (on the entry
    # value, where Bybit measures it) and 408.21 on Positions (at the mark): the Reconciliation note said both
    # were at the mark and Positions did not say
    path = tmp_path / "bybit.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage\nbybit,BTCUSDT,long,2,62000,61850,20\n")
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    recon = _cells(out, "Reconciliation")
    assert "the entry at Bybit" in recon["A2"].value and "Maintenance margins at the mark" not in recon["A2"].value
    assert "Maint. margin at the mark" in [c.value for c in _cells(out, "Positions")[4]]


_WHALE = ("venue,symbol,side,contract,size,entry,mark,leverage,funding_rate,vol,tick\n"
          "binance,1000PEPEUSDT,long,linear,9000000000,0.01912,0.0185,5,0.0002,1.2,0.0000001\n"
          "binance,BTCUSDT,short,linear,1500,64200,61850,3,0.0001,0.55,0.1\n"
          "bybit,BTCUSD,long,inverse,250000000,63000,61850,2,0.0001,0.55,0.5\n")


def test_scenario_columns_widen_for_a_book_losing_tens_of_millions(tmp_path):
    # "LIQ -34,416,000" (a 34M margin lost) printed as ### in the 10-wide move columns of the PnL table
    path = tmp_path / "whale.csv"
    path.write_text(_WHALE)
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    ws = _cells(out, "Scenarios")
    assert min(ws.column_dimensions[letter].width for letter in "GHIJKLMNOPQRSTU") >= 13
    small = build_report(_write(tmp_path / "small.csv"), tmp_path / "s.xlsx", as_of="2026-12-03")
    assert _cells(small, "Scenarios").column_dimensions["G"].width < 11  # an ordinary book keeps its layout


def _write(path):
    path.write_text("venue,symbol,side,size,entry,mark,leverage\nbinance,BTCUSDT,long,2.5,64200,61850,10\n")
    return path


@needs_lo
def test_a_large_book_prints_no_hash_marks(tmp_path):
    import subprocess

    path = tmp_path / "whale.csv"
    path.write_text(_WHALE)
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    pdf = libreoffice.convert([out], "pdf", tmp_path)[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "###" not in text


def test_no_stand_in_margin_is_shown_or_summed_where_levxl_cannot_recompute(tmp_path):
    # a cross position without its wallet showed "Isolated margin 192,600.00" and "Eff. leverage 1.0" (the
    # book's stand-in: its notional at 1x), and the Summary's equity summed it (200,328 for a book whose only known
    # margin is 2,568); the cells now read n/a, the equity and leverage n/a, the funding share of margin n/a
    from levxl.book.figures import risk_table
    from levxl.book.positions import load_positions
    from levxl.workbooks.report import plan_layout

    path = tmp_path / "cross.csv"
    path.write_text(_CROSS_UNKNOWN)
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    lay = plan_layout(risk_table(load_positions(path)))
    P, S = lay.positions, lay.summary
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(out, data_only=True)
    for i in (0, 1):  # the two cross positions (input rows 1 and 3)
        assert wb["Positions"][P.local("margin", i)].value == "n/a"
        assert wb["Positions"][P.local("lev", i)].value == "n/a"
    assert wb["Positions"][P.local("margin", 2)].value == pytest.approx(2568.0)
    assert wb["Summary"][S.cell("equity").split("!")[-1].replace("$", "")].value == "n/a"
    assert wb["Summary"][S.cell("leverage").split("!")[-1].replace("$", "")].value == "n/a"
    funding = wb["Funding"]
    shares = [funding.cell(lay.funding.first + k, 12).value for k in range(3)]
    assert shares[:2] == ["n/a", "n/a"] and isinstance(shares[2], float)


def test_rows_kept_with_a_warning_are_listed_in_the_workbook(tmp_path):
    # vol 55 (5500% a year), funding 1 (100% per interval) and a blank mark the entry stands in for were warned
    # only by levxl risk: the workbook a risk desk receives showed Vol 5500.0% and no word; they are now listed
    # on Input issues, and the Summary's subtitle counts them
    from click.testing import CliRunner

    from levxl.cli import main

    path = tmp_path / "warn.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage,vol,funding_rate\n"
                    "binance,BTCUSDT,long,1,60000,61850,10,55,1\n"
                    "binance,ETHUSDT,long,1,3000,,10,0.5,0.0001\n")
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    issues = _cells(out, "Input issues")
    listed = [(r[0].value, r[1].value) for r in issues.iter_rows() if isinstance(r[0].value, int)]
    assert [row for row, _ in listed] == [1, 1, 2]
    assert listed[0][1].startswith("vol 55 means 5500% a year") and "ENTRY price stands in" in listed[2][1]
    assert "2 row(s) with a warning (sheet Input issues)" in _cells(out, "Summary")["B2"].value
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "cli.xlsx")])
    assert "2 rows with warnings (sheet Input issues lists them)" in result.output


def test_the_tier_column_holds_the_longest_tier_label(tmp_path):
    # "T4 binance:1000PEPEUSDT@2024-10-24" printed cut at "...@2024-10-" in the 27-wide column
    from levxl.book.figures import risk_table
    from levxl.book.positions import load_positions
    from levxl.workbooks.report import plan_layout

    path = tmp_path / "pepe.csv"
    path.write_text("venue,symbol,side,size,entry,mark,leverage\n"
                    "binance,1000PEPEUSDT,long,50000000,0.01912,0.0185,10\n")
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    t = risk_table(load_positions(path))
    letter = plan_layout(t).positions.letter("tier")
    assert t.tier_liq[0] == "T4 binance:1000PEPEUSDT@2024-10-24"
    assert _cells(out, "Positions").column_dimensions[letter].width >= len(t.tier_liq[0]) / 1.15
    examples = __import__("pathlib").Path(__file__).resolve().parent.parent / "workbook" / "examples"
    plain = build_report(examples / "positions.csv", tmp_path / "p.xlsx", as_of="2026-12-03")
    assert _cells(plain, "Positions").column_dimensions[letter].width < 28  # the bundled example keeps its 27


@needs_lo
def test_the_summary_prints_its_left_out_counts_whole(tmp_path):
    # "...; 2 position(s) levxl cannot recompute left out (n/a: see Reconciliation)" ran past the printed page
    import subprocess

    path = tmp_path / "cross.csv"
    path.write_text(_CROSS_UNKNOWN.replace("0.0003,0.9,isolated", "0.0003,,isolated"))  # DOGE: no vol
    out = build_report(path, tmp_path / "r.xlsx", as_of="2026-12-03")
    pdf = libreoffice.convert([out], "pdf", tmp_path)[0]
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    assert "1 position(s) without a vol left out; 2 position(s) levxl cannot recompute left out\n" in text
