"""Array formulas cost linear work in the number of rows they spill (issue 15, item 10: 40k spilled rows took
12.6 s as an array formula against 1.3 s as plain formulas).

No timing: the work is counted as the Python lines levxl's recalc code runs (``sys.settrace`` line events in
``levxl/recalc``, loop iterations and comprehensions included) for a spill of n and of 2n rows; linear work
doubles, quadratic work quadruples. Both ways a spill reaches the fast path are covered: the range's cells
written in the file (XlsxWriter writes every cell of an array range), and only the anchor's row present (a
book whose spill rows the writer must create; each created row scanned every row before: n^2).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import xlsxwriter  # a core dependency: never skipped

from levxl.recalc import recalc_workbook
from levxl.testing.work import line_events


def _book(path: Path, n: int, kind: str) -> Path:
    """Sheet1!B1:B{n} = Data!A1:A{n}*2 as one array formula (``kind`` "array" / "anchor only") or n plain ones."""
    wb = xlsxwriter.Workbook(str(path))
    ws, data = wb.add_worksheet("Sheet1"), wb.add_worksheet("Data")
    for r in range(n):
        data.write_number(r, 0, r + 1.0)
    if kind == "plain":
        for r in range(n):
            ws.write_formula(r, 1, f"=Data!A{r + 1}*2")
    else:
        ws.write_array_formula(0, 1, n - 1, 1, f"{{=Data!A1:A{n}*2}}")
    wb.close()
    if kind == "anchor only":  # drop rows 2..n of Sheet1: the spill's rows do not exist in the file
        with zipfile.ZipFile(path) as z:
            parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        parts["xl/worksheets/sheet1.xml"] = re.sub(r'<row r="(?:[2-9]|\d{2,})"[^>]*>.*?</row>', "", xml).encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data_ in parts.items():
                z.writestr(name, data_)
    return path


def _work(path: Path, out: Path) -> tuple[int, object]:
    """(line events in levxl/recalc while recalculating ``path`` on the fast path, the summary)."""
    return line_events(lambda: recalc_workbook(path, out, engine="fast"), ("recalc",))


@pytest.mark.parametrize("kind", ["array", "anchor only", "plain"])
def test_spilled_rows_cost_linear_work(tmp_path, kind):
    n = 1500
    small, s1 = _work(_book(tmp_path / "a.xlsx", n, kind), tmp_path / "a_out.xlsx")
    large, s2 = _work(_book(tmp_path / "b.xlsx", 2 * n, kind), tmp_path / "b_out.xlsx")
    assert (s1.engine, s2.engine) == ("fast", "fast")
    assert s2.values[f"Sheet1!B{2 * n}"] == 4.0 * n  # the last spilled cell is computed and written
    ratio = large / small
    assert ratio < 2.6, f"{kind}: {small:,} line events for {n} rows, {large:,} for {2 * n} (x{ratio:.2f})"


def test_created_spill_rows_are_in_order(tmp_path):
    """The rows a spill creates go where they belong between existing rows (the writer's bisect)."""
    path = _book(tmp_path / "a.xlsx", 40, "anchor only")
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    row20 = '<row r="20"><c r="A20"><v>7</v></c></row>'  # an existing row in the middle of the spill
    xml = xml.replace("</row>", "</row>" + row20, 1)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    recalc_workbook(path, tmp_path / "out.xlsx", engine="fast")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        out = z.read("xl/worksheets/sheet1.xml").decode()
    numbers = [int(r) for r in re.findall(r'<row r="(\d+)"', out)]
    assert numbers == list(range(1, 41))
    assert re.search(r'<row r="20"[^>]*><c r="A20"><v>7</v></c><c r="B20"[^>]*><v>40</v></c></row>', out)
