"""The fast, vectorised evaluator of ``levxl recalc``. Formula reading is in :mod:`levxl.recalc.fast_parse`, the
schedule in :mod:`levxl.recalc.fast_plan`, values and operators in :mod:`levxl.recalc.fast_values`, the native
functions in :data:`levxl.recalc.fast_functions.REGISTRY` (name -> implementation; :data:`SUPPORTED_FUNCTIONS` is
its keys). Which books it may take is decided first by :func:`levxl.recalc.proven.claim`.

How it works
------------
1. Every formula is reduced to its R1C1 shape with a regex (``=A2*$B$1`` in row 2 of column C and ``=A3*$B$1`` in row 3
   are both ``=R[0]C[-2]*R1C2``). Consecutive cells of a column with the same shape form a *run*; each distinct
   shape is tokenised once (openpyxl's Tokenizer) and compiled to a small expression tree.
2. Runs are ordered by a topological sort of run -> run references (Tarjan's SCCs; a run that reads its own column
   is split into single cells first). Cells in a cycle get Excel's circular-reference behaviour: the value **0** is
   written and the summary counts them as ``circular`` errors.
3. Each run is evaluated once over numpy arrays: a reference down the run is an ``(N, 1)`` column, an absolute range
   or a whole column (``A:A``, clipped to the used rows) is a fixed block. Runs whose cells cannot share one call
   (relative multi-row ranges, a fixed array mixed with a varying value) are evaluated cell by cell with the same code.

Supported
---------
* references: ``A1``, ``$A$1``, ``Sheet!A1``, ``'My sheet'!A1:B9``, whole columns ``A:A``/``$A:$C``, defined names that
  are a plain reference or range in this workbook; array constants ``{1,2;3,4}``; numbers, text, TRUE/FALSE, errors;
* operators: ``+ - * / ^ & = <> < > <= >=``, unary ``-``/``+``, postfix ``%``; Excel's coercions (blank = 0 or "",
  numeric text in arithmetic, booleans as 1/0) and error propagation (the left operand's error first; x/0 =
  #DIV/0!; non-finite results = #NUM!);
* native functions (also with the ``_xlfn.`` prefix): SUM, MIN, MAX, AVERAGE, COUNT, COUNTA, PRODUCT, ABS, ROUND,
  INT, SIGN, IF, IFERROR, IFNA, ISERROR, ISNUMBER, ISTEXT, ISBLANK, AND, OR, NOT, LN, LOG10, EXP, SQRT, POWER, MOD,
  SUMPRODUCT, INDEX, MATCH, NORM.S.DIST, NORMSDIST, NA, PI, TRUE, FALSE, SUMIF, COUNTIF, AVERAGEIF (a criterion
  per row is fine; the range must be a reference);
* every catalogue function in every spelling (``LEVXL_X``, ``_xll.LEVXL_X``, ``_xldudf_LEVXL_X``, any case):
  elementwise entries are called once per run with ``(N, 1)`` columns; the others (grids, TIERS, MMR,
  ACCOUNT_LIQ_PRICES, AVG_ENTRY) once per cell; a run whose tier preset varies is called once per preset. An Excel
  error in a single-cell argument (or in a tier table or vector range) is the result, as Excel does for its own
  functions; one in an elementwise range argument is the error of the result elements it feeds only (as Office.js
  shows it); the catalogue's bad elements are real errors (their code).
* array formulas (``<f t="array" ref="A1:C3">``, also dynamic-array spills): the result is fitted to ``ref`` like
  Excel (a single value fills it, a row/column repeats, a larger result is cut, a smaller one padded with #N/A).

Where formulas 1.3.4 (the reference) differs from Excel, this evaluator follows Excel: ``number & text`` shows 15
significant digits, COUNT skips a text argument, 0^0 is #NUM!, ``--TRUE`` is 1 (formulas keeps TRUE); the tests list
these cells.

Anything else (another function, an unresolved or sheet-scoped defined name, an external link, a 3-D reference, a
structured table reference, the intersection operator, whole-row references, a data table) raises
:class:`Unsupported` and the whole workbook goes to LibreOffice (:mod:`levxl.recalc.libreoffice`); so does a book
holding any construct the fast path is not proven on (:mod:`levxl.recalc.proven`).
"""


from __future__ import annotations

import numpy as np

from levxl.catalogue import CellError, lookup
from levxl.recalc.package import Package, Sheet
from levxl.recalc.values import XlError, error
from levxl.recalc.fast_parse import MAX_COL, MAX_ROW, PerCell, Unsupported
from levxl.recalc.fast_values import (_CMP, REF, Val, _arith, _blank0, _check_mix_levxl, _combine, _compact,
                                      _compare, _concat, _const, _iserr, _py, _scalar, num)
from levxl.recalc.fast_functions import REGISTRY, _fname, check_functions  # noqa: F401 (check_functions: API)
from levxl.recalc.fast_plan import Unit, fit, plan

__all__ = ["Unsupported", "evaluate", "SUPPORTED_FUNCTIONS", "REGISTRY"]

# -- the evaluator -------------------------------------------------------------------------------------------------
class Grid:
    """A sheet's values, column by column (object arrays indexed by row number)."""

    def __init__(self, sheet: Sheet, extra_rows: int = 0, extra_cols: int = 0):
        self.nrows = max(sheet.max_row, extra_rows) + 1
        self.ncols = max(sheet.max_col, extra_cols) + 1
        self.cols: dict[int, np.ndarray] = {}
        for (r, c), cell in sheet.cells.items():
            self.column(c)[r] = None if cell.formula is not None else cell.value

    def column(self, c: int) -> np.ndarray:
        col = self.cols.get(c)
        if col is None:
            col = self.cols[c] = np.full(self.nrows, None, dtype=object)
        return col

    def block(self, r1: int, r2: int, c1: int, c2: int) -> np.ndarray:
        """Rows r1..r2, columns c1..c2 (1-based, inclusive), blanks beyond the used area."""
        h, w = r2 - r1 + 1, c2 - c1 + 1
        out = np.full((h, w), None, dtype=object)
        top, bottom = max(r1, 1), min(r2, self.nrows - 1)
        if bottom < top:
            return out
        for j, c in enumerate(range(c1, c2 + 1)):
            col = self.cols.get(c)
            if col is not None:
                out[top - r1:bottom - r1 + 1, j] = col[top:bottom + 1]
        return out

    def gather(self, rows: np.ndarray, c: int) -> np.ndarray:
        col = self.cols.get(c)
        out = np.full((len(rows), 1), None, dtype=object)
        if col is None:
            return out
        ok = (rows >= 1) & (rows < self.nrows)
        out[ok, 0] = col[rows[ok]]
        return out


SUPPORTED_FUNCTIONS = tuple(sorted(REGISTRY))


class Evaluator:
    def __init__(self, package: Package):
        self.package = package
        self.grids: dict[str, Grid] = {}

    def grid(self, sheet_name: str | None, default: Sheet) -> Grid:
        sheet = default if sheet_name is None else self.package.sheet(sheet_name)
        return self.grids[sheet.name.upper()]

    # node evaluation over a run: sheet, rows (N,), col
    def ev(self, node, sheet: Sheet, rows: np.ndarray, col: int) -> Val:
        kind = node[0]
        n = len(rows)
        if kind == "const":
            return _const(node[1])
        if kind == "ref":
            _, sname, r, rabs, c, cabs = node
            grid = self.grid(sname, sheet)
            cc = c if cabs else col + c
            if cc < 1 or cc > MAX_COL:
                return _const(REF)
            if rabs:
                return Val(grid.block(r, r, cc, cc), False, True)
            rr = rows + r
            if (rr < 1).any() or (rr > MAX_ROW).any():
                out = grid.gather(np.clip(rr, 1, MAX_ROW), cc)
                out[(rr < 1) | (rr > MAX_ROW), 0] = REF
                return Val(out, n > 1, True)
            return Val(grid.gather(rr, cc), n > 1, True)
        if kind == "range":
            _, sname, r1, r1abs, c1, c1abs, r2, r2abs, c2, c2abs = node
            grid = self.grid(sname, sheet)
            cc1, cc2 = (c1 if c1abs else col + c1), (c2 if c2abs else col + c2)
            cc1, cc2 = min(cc1, cc2), max(cc1, cc2)
            if cc1 < 1 or cc2 > MAX_COL:
                return _const(REF)
            if r1abs and r2abs:
                lo, hi = min(r1, r2), max(r1, r2)
                hi = min(hi, grid.nrows - 1) if hi - lo > 10_000 else hi  # whole columns: the used rows
                return Val(grid.block(lo, max(hi, lo), cc1, cc2), False, True)
            if n == 1:
                a = r1 if r1abs else rows[0] + r1
                b = r2 if r2abs else rows[0] + r2
                lo, hi = min(a, b), max(a, b)
                if lo < 1 or hi > MAX_ROW:
                    return _const(REF)
                return Val(grid.block(lo, hi, cc1, cc2), False, True)
            if not r1abs and not r2abs and r1 == r2:  # a one-row range moving down the run
                rr = rows + r1
                if (rr < 1).any():
                    raise PerCell()
                return Val(np.hstack([grid.gather(rr, c) for c in range(cc1, cc2 + 1)]), True, True)
            raise PerCell()
        if kind == "array":
            return Val(np.array(node[1], dtype=object), False)
        if kind == "missing":
            return _const(None)
        if kind == "neg":
            v = self.ev(node[1], sheet, rows, col)
            f, e = num(v.arr)
            return Val(_combine(f.shape, -f, e), v.varying)
        if kind == "pct":
            v = self.ev(node[1], sheet, rows, col)
            f, e = num(v.arr)
            return Val(_combine(f.shape, f / 100.0, e), v.varying)
        if kind == "bin":
            op = node[1]
            a = self.ev(node[2], sheet, rows, col)
            b = self.ev(node[3], sheet, rows, col)
            if op in _CMP:
                return _compare(op, a, b, n)
            if op == "&":
                return _concat(a, b, n)
            return _arith(op, a, b, n)
        if kind == "func":
            return self.call(node, sheet, rows, col)
        raise Unsupported(f"node {kind}")

    def call(self, node, sheet, rows, col) -> Val:
        raw = node[1]
        name = _fname(raw)
        argn = node[2]
        entry = lookup(name)
        if entry is not None:
            return self.levxl(entry, [self.ev(a, sheet, rows, col) for a in argn], argn, len(rows))
        found = REGISTRY.get(name)
        if found is None:
            raise Unsupported(f"function {raw}")
        if found.lazy:
            return found.impl(self, name, argn, sheet, rows, col)
        return found.impl(name, [self.ev(a, sheet, rows, col) for a in argn], len(rows))

    # the catalogue's functions
    def levxl(self, entry, args: list[Val], argn, n: int) -> Val:
        if entry.elementwise:
            _check_mix_levxl(n, args)
        elif n > 1:
            raise PerCell()
        if len(args) > len(entry.args):
            return _const(error("#VALUE!"))
        varying = any(a.varying for a in args)
        m = n if varying and entry.elementwise else 1
        if m == 1 and entry.elementwise:
            args = [_errors_per_element(a, spec) for a, spec in zip(args, entry.args)]
        elif not entry.elementwise:  # a grid's (a frontier's) list: an error cell is the error of its row only
            args = [_errors_per_element(a, spec) if spec.axis is not None else a for a, spec in zip(args, entry.args)]
        # Excel errors in arguments are the result (first argument first)
        err = np.full(m, None, dtype=object)
        for a in reversed(args):
            arr = a.arr
            if arr.dtype != object:
                continue
            bad = _iserr(arr).astype(bool)
            if not bad.any():
                continue
            if a.varying and entry.elementwise:
                first = np.array([r[b][0] if b.any() else None for r, b in zip(arr, bad)], dtype=object)
            else:
                first = np.full(1, arr[bad][0], dtype=object)
            first = np.broadcast_to(first, (m,))
            err = np.where(first != None, first, err)  # noqa: E711
        has_err = err != None  # noqa: E711
        if has_err.all():
            return Val(err.reshape(-1, 1), varying and entry.elementwise)
        if not (varying and entry.elementwise):
            call_args = [_py(a.arr[0, 0]) if a.arr.shape == (1, 1) else _compact(a.arr) for a in args]
            result = entry(*call_args)
            out = _excel_errors(np.array(result, dtype=object)) if isinstance(result, list) else None
            if out is None:
                return _const(_py(_excel_error(result)))
            if out.ndim != 2:
                out = out.reshape(1, -1) if out.ndim < 2 else out.reshape(out.shape[0], -1)
            return Val(out, False)
        # rows with a blank in a varying argument are called one by one (an omitted argument, as Excel passes it)
        blank = np.zeros(m, dtype=bool)
        for a in args:
            if a.varying and a.arr.dtype == object:
                blank |= (a.arr == None).any(axis=1)  # noqa: E711
        vector = ~has_err & ~blank
        full = np.empty((m, 1), dtype=object)
        # a varying argument the catalogue does not read element by element (a tier preset): a text in it is one
        # cell's own argument (a column of presets is no tier table), so those rows are called in groups sharing
        # it; its numbers (a flat rate per row) stay a column
        own = [i for i, (a, spec) in enumerate(zip(args, entry.args))
               if a.varying and spec.kind not in _PER_ELEMENT_KINDS and a.arr.dtype == object]
        if own and vector.any():
            groups: dict = {}
            for r in np.flatnonzero(vector):
                key = tuple(v if isinstance(v, str) else _COLUMN for v in (_py(args[i].arr[r, 0]) for i in own))
                groups.setdefault(key, []).append(r)
            for key, rows in groups.items():
                pick = np.zeros(m, dtype=bool)
                pick[rows] = True
                full[pick] = self._levxl_rows(entry, args, pick,
                                              {i: v for i, v in zip(own, key) if v is not _COLUMN})
        elif vector.any():
            full[vector] = self._levxl_rows(entry, args, vector, {})
        for i in np.flatnonzero(blank & ~has_err):
            call_args = [_py(a.arr[i if a.varying else 0, 0]) if a.varying or a.arr.shape == (1, 1)
                         else _compact(a.arr) for a in args]
            full[i, 0] = _py(_excel_error(_scalar(entry(*call_args))))
        full[has_err, 0] = err[has_err]
        return Val(full, True)

    @staticmethod
    def _levxl_rows(entry, args: list[Val], pick: np.ndarray, fixed: dict) -> np.ndarray:
        """One catalogue call for the rows ``pick`` of a run: varying arguments as (k, 1) columns of those rows,
        ``fixed`` (argument index -> value) passed as a single value; the (k, 1) result."""
        k = int(pick.sum())
        call_args = []
        for i, a in enumerate(args):
            if i in fixed:
                call_args.append(fixed[i])
            elif a.varying:
                call_args.append(_compact(a.arr[pick] if k != len(pick) else a.arr))
            else:
                call_args.append(_py(a.arr[0, 0]) if a.arr.shape == (1, 1) else _compact(a.arr))
        result = entry(*call_args)
        out = _excel_errors(np.array(result, dtype=object)) if isinstance(result, list) else \
            np.full((1, 1), _excel_error(result), dtype=object)
        if out.shape == (1, 1) and k != 1:
            out = np.broadcast_to(out, (k, 1))
        if out.shape != (k, 1):
            raise PerCell()
        return out


# catalogue argument kinds read element by element: an error cell in such a range is the error of the result
# cells it feeds (the catalogue passes it on), as Office.js and Excel show it; a tier table's or a vector's error
# stays the whole result, except in a list a grid lays along its rows or columns (an Arg with an axis: moves, a
# frontier's vol shifts), whose error cell is the error of its own row or column
_PER_ELEMENT_KINDS = frozenset({"number", "text", "liq_price", "option"})
_COLUMN = object()  # a row's value of a preset argument that is not a text: passed in the column
_as_cell_error = np.frompyfunc(lambda v: CellError(v.code) if type(v) is XlError else v, 1, 1)


def _errors_per_element(a: Val, spec) -> Val:
    """A fixed multi-cell range of an elementwise argument with its Excel errors as catalogue error cells, so the
    catalogue call gives the error only in the elements they feed (the rest compute)."""
    arr = a.arr
    if arr.dtype != object or arr.size <= 1 or (spec.kind not in _PER_ELEMENT_KINDS and spec.axis is None) \
            or not _iserr(arr).astype(bool).any():
        return a
    return Val(_as_cell_error(arr).astype(object), a.varying, a.is_ref)


def _excel_error(value):
    """A catalogue error cell (:class:`levxl.catalogue.CellError`, a real Excel error with its reason) as the
    recalc's error value, so SUM/MIN/COUNT over it show the error instead of skipping a text cell."""
    return error(value.code) if isinstance(value, CellError) else value


_excel_errors = np.frompyfunc(_excel_error, 1, 1)


def evaluate(package: Package, progress=None) -> tuple[dict[tuple[str, int, int], object], int]:
    """Evaluate every formula cell: ({(sheet name, row, col): value}, number of cells in circular references).

    Raises :class:`Unsupported` when the workbook needs the reference engine."""
    units, cyclic = plan(package)
    ev = Evaluator(package)
    for s in package.sheets:
        extra_r = max((u.array_ref[2] for u in units if u.array_ref and u.sheet is s), default=0)
        extra_c = max((u.array_ref[3] for u in units if u.array_ref and u.sheet is s), default=0)
        ev.grids[s.name.upper()] = Grid(s, extra_r, extra_c)
    results: dict[tuple[str, int, int], object] = {}
    circular = 0
    for u in units:
        grid = ev.grids[u.sheet.name.upper()]
        if u.array_ref:
            r1, c1, r2, c2 = u.array_ref
            if u.index in cyclic:
                block = np.full((r2 - r1 + 1, c2 - c1 + 1), 0.0, dtype=object)
                circular += block.size
            else:
                v = ev.ev(u.node, u.sheet, u.rows, u.col)
                block = fit(_blank0(v), r2 - r1 + 1, c2 - c1 + 1)
            for i in range(block.shape[0]):
                for j in range(block.shape[1]):
                    value = _py(block[i, j])
                    value = 0.0 if value is None else value
                    grid.column(c1 + j)[r1 + i] = value
                    results[(u.sheet.name, r1 + i, c1 + j)] = value
            continue
        if u.index in cyclic:
            values = [0.0] * len(u.rows)
            circular += len(u.rows)
        else:
            values = _run_values(ev, u)
        col = grid.column(u.col)
        for r, value in zip(u.rows.tolist(), values):
            col[r] = value
            results[(u.sheet.name, r, u.col)] = value
        if progress:
            progress(len(u.rows))
    return results, circular


def _run_values(ev: Evaluator, u: Unit) -> list:
    n = len(u.rows)
    try:
        v = ev.ev(u.node, u.sheet, u.rows, u.col)
        arr = _blank0(v)
        if arr.shape[1] != 1 or arr.shape[0] not in (1, n):
            if n > 1:
                raise PerCell()
            arr = arr[:1, :1]
        if arr.shape[0] == 1 and n > 1:
            arr = np.broadcast_to(arr, (n, 1))
    except PerCell:
        out = []
        grid = ev.grids[u.sheet.name.upper()]
        col = grid.column(u.col)
        for r in u.rows.tolist():
            v = ev.ev(u.node, u.sheet, np.array([r]), u.col)
            value = _blank0(v)[0, 0]
            value = 0.0 if value is None else _py(value)
            col[r] = value  # later cells of a split run may read it
            out.append(value)
        return out
    values = arr[:, 0].tolist()
    return [0.0 if x is None else _py(x) for x in values]
