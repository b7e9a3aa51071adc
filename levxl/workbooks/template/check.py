"""Checking a template against a fresh build: sheet cells (formula, type, style, cached value) and the rest of
their XML, every other package member byte for byte (the VBA project included), ``docProps/core.xml`` ignored."""

from __future__ import annotations

import io
import math
import re
import tempfile
import zipfile
from pathlib import Path

from openpyxl.utils import get_column_letter

from levxl.files.safety import bounded_zip, iter_xml, verify_package
from levxl.workbooks.template.build import DEFAULT_PATH, build_template

__all__ = ["check_template"]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
IGNORED = ("docProps/core.xml",)
EXTRA_CELLS = 10_000  #: cells a checked sheet may have beyond a fresh build's before it is not compared cell by cell


def _cells(xml: bytes, limit: int | None = None) -> tuple[dict, bytes, bool]:
    """Sheet XML -> ({ref: (formula, formula attrs, type, style, value)}, the XML without <sheetData>, whether
    more than ``limit`` cells were found and the rest not read). Streamed row by row: a copy holding millions of
    empty styled cells costs ``limit`` cells of memory, not a tree of all of them (1.2 GB for a 330 KB file); a
    cell without its ``r`` is keyed by its place in its row."""
    cells: dict = {}
    over = False
    row_no = 0
    for _, row in iter_xml(io.BytesIO(xml), "sheet", tag=f"{_NS}row"):
        try:
            row_no = int(row.get("r") or row_no + 1)
        except ValueError:
            row_no += 1
        col_no = 0
        for c in row.iterchildren(f"{_NS}c"):
            col_no += 1
            ref = c.get("r") or f"{get_column_letter(col_no)}{row_no}"
            if limit is not None and len(cells) >= limit:
                over = True
                break
            f = c.find(f"{_NS}f")
            v = c.find(f"{_NS}v")
            is_ = c.find(f"{_NS}is")
            text = v.text if v is not None else ("".join(is_.itertext()) if is_ is not None else None)
            cells[ref] = (f.text if f is not None else None, tuple(sorted(f.attrib.items())) if f is not None
                          else (), c.get("t"), c.get("s"), text)
        row.clear()
        while row.getprevious() is not None:  # drop finished rows: memory stays flat
            del row.getparent()[0]
        if over:
            break
    rest = re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", b"", xml, flags=re.S)
    return cells, rest, over


def _same_value(a, b, t) -> bool:
    if a == b:
        return True
    if a is None or b is None or t not in (None, "n"):
        return False
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


def check_template(path=DEFAULT_PATH) -> list[str]:
    """Differences between the workbook at ``path`` and a fresh build (empty list: identical).

    Sheets are compared cell by cell (formula, type, style and cached value; numbers to 1e-9 relative, so a last-bit
    difference of another machine's maths library is not a difference) plus the rest of their XML; every other
    member byte for byte (the VBA project included) except the timestamps in ``docProps/core.xml``.
    """
    path = Path(path)
    if not path.exists():
        return [f"{path} does not exist; build it with `levxl template -o {path}`"]
    problems: list[str] = []
    verify_package(path)  # bounded inflation, CRC and safe XML for every part, before the fresh build or any parser
    with tempfile.TemporaryDirectory(prefix="levxl-check-") as tmp:
        fresh = build_template(Path(tmp) / "fresh.xlsm")
        with bounded_zip(path) as za, zipfile.ZipFile(fresh) as zb:
            na, nb = za.namelist(), zb.namelist()
            for name in sorted(set(nb) - set(na)):
                problems.append(f"{name}: missing from {path.name}")
            for name in sorted(set(na) - set(nb)):
                problems.append(f"{name}: in {path.name} but not in a fresh build")
            for name in [n for n in nb if n in na and n not in IGNORED]:
                a, b = za.read(name), zb.read(name)
                if a == b:
                    continue
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    cb, rest_b, _ = _cells(b)
                    ca, rest_a, over = _cells(a, limit=len(cb) + EXTRA_CELLS)
                    if over:
                        problems.append(f"{name}: more than {len(cb) + EXTRA_CELLS:,} cells (a fresh build has "
                                        f"{len(cb):,}); not compared cell by cell")
                        continue
                    diffs = []
                    for ref in sorted(set(ca) | set(cb)):
                        x, y = ca.get(ref), cb.get(ref)
                        if x is None or y is None or x[:4] != y[:4] or not _same_value(x[4], y[4], x[2]):
                            diffs.append(f"{ref}: {x} != fresh {y}")
                    if rest_a != rest_b:
                        diffs.append("sheet XML outside the cells differs")
                    problems += [f"{name}: {d}" for d in diffs[:20]]
                    if len(diffs) > 20:
                        problems.append(f"{name}: ... {len(diffs) - 20} more differences")
                else:
                    problems.append(f"{name}: bytes differ from a fresh build")
    return problems
