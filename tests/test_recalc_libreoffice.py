"""After levxl recalc, a real spreadsheet application shows the engine's values (cached, never recalculated).

LibreOffice 7.4 recalculates array (matrix) formula cells on load even with recalculation off, so the cells of
array formulas (the spilled grids) show #NAME? there: they are checked with openpyxl (``data_only=True``) in
tests/test_recalc.py and left out here. LibreOffice also recalculates formula cells whose cached value is an error
(SQRT(-1) shows its own Err:502, a LEVXL cell with an error argument #NAME? since it does not know LEVXL_): for
error cells only "an error is shown" is checked; their codes are checked with openpyxl in tests/test_recalc.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from levxl.testing import libreoffice
from levxl.recalc import recalc_workbook
from levxl.recalc.package import open_package, split_ref
from levxl.testing.samples import positions_book
from levxl.recalc.values import XlError

pytestmark = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice is not installed")


TEMPLATE = Path(__file__).resolve().parent.parent / "workbook" / "levxl_template.xlsm"


def test_libreoffice_shows_the_cached_values(tmp_path):
    src = positions_book(tmp_path / "positions.xlsx", rows=30, seed=11)
    out = tmp_path / "out" / "positions.xlsx"
    summary = recalc_workbook(src, out)
    assert summary.engine == "fast"
    assert _compare(out, summary) > 300


def test_libreoffice_shows_the_template_values(tmp_path):
    out = tmp_path / TEMPLATE.name
    summary = recalc_workbook(TEMPLATE, out, inputs={"Positions!H5": 61000.0})
    assert _compare(out, summary) > 0.9 * summary.cells_written


def _compare(out, summary) -> int:
    arrays = set()
    for sheet in open_package(out).sheets:
        for cell in sheet.cells.values():
            if cell.kind == "array":
                a, _, b = cell.ref.partition(":")
                (r1, c1), (r2, c2) = split_ref(a), split_ref(b or a)
                arrays |= {(sheet.name, r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    shown = libreoffice.read_values(out)
    checked = 0
    for key, value in summary.values.items():
        sheet, ref = key.split("!")
        if (sheet, *split_ref(ref)) in arrays:
            continue
        got = shown[sheet].get(ref)
        if isinstance(value, XlError):
            assert isinstance(got, str) and got.startswith(("#", "Err:")), key
        elif isinstance(value, bool):
            assert got == float(value), key  # LibreOffice has no boolean type
        elif isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-12, abs=1e-12), key
        else:
            assert got == value, key
        checked += 1
    return checked
