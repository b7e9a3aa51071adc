"""Building the template: xlwings' standalone quickstart plus the desk sheets (openpyxl), cached values from levxl's
recalc, and a package with fixed timestamps and no ``fullCalcOnLoad``."""

from __future__ import annotations

import datetime as _dt
import re
import tempfile
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from levxl.files.atomic import atomic_output
from levxl.files.bundled import example_positions, template_path
from levxl.recalc import recalc_workbook
from levxl.workbooks.template.calculator import calculator_sheet
from levxl.workbooks.template.conf import conf_sheet
from levxl.workbooks.template.functions import functions_sheet
from levxl.workbooks.template.positions import positions_sheet, read_positions
from levxl.workbooks.template.scenarios import scenarios_sheet
from levxl.workbooks.template.start import start_sheet
from levxl.workbooks.template.styles import SPILL_MODES
from levxl.workbooks.template.tiers import tiers_sheet

__all__ = ["build_template", "quickstart_source", "SHEETS", "FIXED_TIME", "CALC_ID", "DEFAULT_PATH",
           "EXAMPLE_POSITIONS", "SPILLS"]

DEFAULT_PATH = template_path()  #: the template as shipped (workbook/levxl_template.xlsm in a checkout)
EXAMPLE_POSITIONS = example_positions()  #: the bundled example book that seeds the Positions sheet
SPILLS = "index"
"""The default way a call that returns a table is written: "index" = one ``=INDEX(LEVXL_...(...), i, j)`` per cell;
"array" = one array formula over the range (``<f t="array" ref=...>``). LibreOffice 7.4 recalculates array formulas
on load whatever the file says, so they show ``#NAME?`` there until levxl is installed; plain formulas keep the cached
values written by levxl's recalc in LibreOffice and in Excel alike."""

SHEETS = ("Start", "Calculator", "Positions", "Scenarios", "Tiers", "Functions", "xlwings.conf")
FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # zip member and docProps timestamps, so two builds give the same bytes
CALC_ID = 191029  # calcPr calcId of current Excel 365 (see _build_openpyxl)
_FULLCALC = re.compile(rb'\s+fullCalcOnLoad="(?:1|true)"')


def quickstart_source() -> Path:
    """xlwings' standalone quickstart workbook (what ``xlwings quickstart NAME --standalone`` copies)."""
    import xlwings  # noqa: PLC0415 - only to find its bundled workbook

    path = Path(xlwings.__file__).resolve().parent / "quickstart_standalone.xlsm"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: is xlwings installed?")
    return path


def _build_openpyxl(out: Path, positions_csv: Path, spills: str) -> None:
    wb = load_workbook(quickstart_source(), keep_vba=True)
    start = wb["Sheet1"]
    conf = wb["_xlwings.conf"]
    start_sheet(start)
    calc = wb.create_sheet("Calculator")
    pos = wb.create_sheet("Positions")
    scen = wb.create_sheet("Scenarios")
    tiers = wb.create_sheet("Tiers")
    funcs = wb.create_sheet("Functions")
    positions = read_positions(positions_csv)
    calculator_sheet(calc)
    anchors = positions_sheet(pos, positions, spills)
    scenarios_sheet(scen, len(positions), spills, risk_first=anchors["risk"]["first"])
    tiers_sheet(tiers, spills)
    functions_sheet(funcs)
    conf_sheet(conf)
    wb._sheets = [wb[name] for name in SHEETS]  # openpyxl has no public way to reorder sheets
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == "Start"
    # the calc engine id of current Excel 365: an older id (openpyxl writes Excel 2007's 124519) makes Excel
    # recalculate everything on open, which would replace the cached values by #NAME? before Import Functions
    wb.calculation.calcId = CALC_ID
    stamp = _dt.datetime(*FIXED_TIME)
    wb.properties.creator = "levxl"
    wb.properties.lastModifiedBy = "levxl"
    wb.properties.title = "levxl template"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.save(out)


def _finish_package(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest``: drop ``fullCalcOnLoad`` from xl/workbook.xml's calcPr; every other member's bytes
    are copied unchanged (same compression); member timestamps fixed so two builds give the same zip."""
    with atomic_output(dest, suffix=".xlsm") as tmp, zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = _FULLCALC.sub(b"", data)
            new = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            new.compress_type = info.compress_type
            new.external_attr = info.external_attr
            new.create_system = 0
            zout.writestr(new, data)


def _recalc(src: Path, dest: Path):
    """Cached values for every formula: levxl's own recalc."""
    summary = recalc_workbook(src, out=dest)
    if not summary.ok:
        raise RuntimeError(f"levxl recalc failed on the template: {summary.message}")
    return summary


def build_template(path=DEFAULT_PATH, positions_csv=EXAMPLE_POSITIONS, spills: str = SPILLS) -> Path:
    """Build the template workbook at ``path`` (an .xlsm) and return its resolved path.

    Parameters
    ----------
    path : path-like
        Where to write it (parent folders are made).
    positions_csv : path-like
        Seeds the Positions sheet.
    spills : {"index", "array"}
        How table results are written (see :data:`SPILLS`).

    Returns
    -------
    Path
    """
    if spills not in SPILL_MODES:
        raise ValueError(f"spills must be 'index' or 'array', got {spills!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="levxl-template-") as tmp:
        raw = Path(tmp) / "raw.xlsm"
        calc = Path(tmp) / "calc.xlsm"
        _build_openpyxl(raw, Path(positions_csv), spills)
        _recalc(raw, calc)
        _finish_package(calc, path)
    return path.resolve()
