"""The reference engine: the ``formulas`` library (complete Excel semantics), with the catalogue registered.

Every catalogue function is registered in ``formulas.get_functions()`` under every spelling a file can hold
(``LEVXL_X``, ``_XLL.LEVXL_X``, ``_XLDUDF_LEVXL_X``; formulas upper-cases names). The wrapper converts formulas'
arguments to spreadsheet values (0-d arrays -> scalars, ``EMPTY`` -> None, ranges -> 2-D lists), returns an Excel
error found in any argument (first argument first, as the fast path does), and gives results back as numpy object
arrays (the catalogue's error texts stay text).

One behaviour of formulas 1.3.4 is corrected here: an array result larger than its array-formula range became
#VALUE! in every cell; Excel cuts it to the range (``_reshape_array_as_excel`` is patched accordingly).

It is slow (about 2 ms and 70 KB per formula cell; a whole-column reference becomes 1,048,576 cells) and is used when
the fast path (:mod:`levxl.recalc.fast`) cannot handle a workbook.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from levxl.catalogue import CATALOGUE, SPELLINGS
from levxl.recalc.package import Package, split_ref
from levxl.recalc.values import XlError, error

__all__ = ["evaluate_reference", "register"]


def _value(v):
    import schedula as sh
    from formulas.tokens.operand import XlError as FXlError

    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v.item() if v.dtype != object else v[()]
        return _value(v)
    if v is sh.EMPTY:
        return None
    if isinstance(v, FXlError):
        return error(str(v))
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return _value(v.reshape(()) if v.size == 1 else v)
    return v


def _arg(a):
    """formulas' argument -> (spreadsheet value, first error or None)."""
    if isinstance(a, np.ndarray) and a.ndim >= 1:
        arr = np.asarray(a, dtype=object)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        rows = [[_value(x) for x in row] for row in arr]
        first = next((x for row in rows for x in row if isinstance(x, XlError)), None)
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0], first
        return rows, first
    v = _value(a)
    return v, (v if isinstance(v, XlError) else None)


def _wrap(fn):
    from formulas.functions import Array, wrap_func

    def call(*args):
        values = []
        for a in args:
            v, err = _arg(a)
            if err is not None:
                from formulas.tokens.operand import Error

                return np.asarray([[Error.errors.get(err.code, Error.errors["#VALUE!"])]], object).view(Array)
            values.append(v)
        result = fn(*values)
        if isinstance(result, list):
            return np.asarray(result, dtype=object).view(Array)
        return result

    call.__name__ = fn.name
    return wrap_func(call)


@functools.lru_cache(None)
def register() -> None:
    """Register the catalogue in formulas (once per process) and fix array-result truncation."""
    import formulas
    import formulas.ranges as franges

    functions = formulas.get_functions()
    for name, fn in CATALOGUE.items():
        wrapped = _wrap(fn)
        for prefix in SPELLINGS:
            functions[(prefix + name).upper()] = wrapped

    original = franges._reshape_array_as_excel

    def reshape(value, base_shape):
        try:
            return np.reshape(value, base_shape)
        except ValueError:
            pass
        value = np.asarray(value, dtype=object)
        if value.ndim == 2 and (value.shape[0] > base_shape[0] or value.shape[1] > base_shape[1]):
            value = value[:base_shape[0], :base_shape[1]]
            if value.shape == tuple(base_shape):
                return value
        return original(value, base_shape)

    franges._reshape_array_as_excel = reshape
    _only_the_book_itself()


_ALLOWED: list[str] = []  # the one workbook formulas may open (evaluate_reference sets it)


def _only_the_book_itself() -> None:
    """formulas opens every workbook a formula names (``[1]Sheet1!A1`` -> ``/abs/secret.xlsx``): refuse them all but
    the book being recalculated (formulas then shows #REF!; :mod:`levxl.recalc.core` refuses such books earlier)."""
    import os

    import formulas.excel.xlreader as xlreader

    original = xlreader.load_workbook

    def load_workbook(filename, *args, **kwargs):
        if os.path.realpath(str(filename)) not in _ALLOWED:
            raise LookupError("levxl never opens another workbook a formula names")
        return original(filename, *args, **kwargs)

    xlreader.load_workbook = load_workbook


def evaluate_reference(path: Path, package: Package) -> tuple[dict[tuple[str, int, int], object], int]:
    """Evaluate a (checked) package with formulas: ({(sheet name, row, col): value} for formula and spill cells,
    number of cells formulas left without a value).

    formulas (without its iterative ``circular`` mode) gives no value to the cells of a circular reference nor to
    the cells depending on them: they are written as 0 and counted as circular."""
    import formulas

    import os

    register()
    _ALLOWED[:] = [os.path.realpath(str(path))]
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    wanted: dict[tuple[str, int, int], None] = {}
    by_upper = {s.name.upper(): s for s in package.sheets}
    for s in package.sheets:
        for (r, c), cell in s.cells.items():
            if cell.formula is not None:
                if cell.kind == "array" and cell.ref:
                    a, _, b = cell.ref.partition(":")
                    r1, c1 = split_ref(a)
                    r2, c2 = split_ref(b) if b else (r1, c1)
                    for rr in range(r1, r2 + 1):
                        for cc in range(c1, c2 + 1):
                            wanted[(s.name, rr, cc)] = None
                else:
                    wanted[(s.name, r, c)] = None
    results: dict[tuple[str, int, int], object] = {}
    for key, ranges in solution.items():
        if "!" not in key:
            continue
        book_sheet, _, ref = key.rpartition("!")
        sheet_name = book_sheet.strip("'")
        if "]" in sheet_name:
            sheet_name = sheet_name.split("]", 1)[1]
        sheet = by_upper.get(sheet_name.upper().replace("''", "'"))
        if sheet is None or ":" in ref and not _cells_range(ref):
            continue
        a, _, b = ref.partition(":")
        try:
            r1, c1 = split_ref(a)
            r2, c2 = split_ref(b) if b else (r1, c1)
        except ValueError:
            continue
        value = getattr(ranges, "value", ranges)
        arr = np.asarray(value, dtype=object)
        if arr.ndim < 2:
            arr = arr.reshape(1, -1) if arr.ndim == 1 else arr.reshape(1, 1)
        for i in range(r2 - r1 + 1):
            for j in range(c2 - c1 + 1):
                k = (sheet.name, r1 + i, c1 + j)
                if k in wanted:
                    v = _value(arr[i, j]) if i < arr.shape[0] and j < arr.shape[1] else error("#N/A")
                    results[k] = 0.0 if v is None else v
    missing = [k for k in wanted if k not in results]
    for k in missing:
        results[k] = 0.0
    return results, len(missing)


def _cells_range(ref: str) -> bool:
    a, _, b = ref.partition(":")
    try:
        split_ref(a)
        split_ref(b)
        return True
    except ValueError:
        return False
