"""The fast path's schedule: runs of same-shape formulas (:class:`Unit`), what each reads, Tarjan's SCCs over
run -> run references (cycles = circular references), and Excel's fitting of an array result to its range. See
:mod:`levxl.recalc.fast`."""

from __future__ import annotations

import bisect

import numpy as np

from levxl.recalc.fast_functions import check_functions
from levxl.recalc.fast_parse import MAX_ROW, Compiler, Unsupported, shape_key
from levxl.recalc.fast_values import NA
from levxl.recalc.package import Package, col_letter

__all__ = ["Unit", "plan", "fit"]


# -- the schedule --------------------------------------------------------------------------------------------------
class Unit:
    __slots__ = ("sheet", "col", "rows", "node", "cells", "array_ref", "reads", "index")

    def __init__(self, sheet, col, rows, node, cells, array_ref=None):
        self.sheet = sheet
        self.col = col
        self.rows = rows  # np.ndarray of row numbers
        self.node = node
        self.cells = cells
        self.array_ref = array_ref  # (r1, c1, r2, c2) for an array formula
        self.reads: list = []


def _refs(node, out: list) -> None:
    kind = node[0]
    if kind in ("ref", "range"):
        out.append(node)
    elif kind == "bin":
        _refs(node[2], out)
        _refs(node[3], out)
    elif kind in ("neg", "pct"):
        _refs(node[1], out)
    elif kind == "func":
        for a in node[2]:
            _refs(a, out)


def _regions(unit: Unit, package: Package, nrows: dict) -> list[tuple[str, int, int, int, int]]:
    """(SHEET, r1, r2, c1, c2) regions a unit reads (over all its rows)."""
    refs = []
    _refs(unit.node, refs)
    lo_row, hi_row = int(unit.rows[0]), int(unit.rows[-1])
    out = []
    for ref in refs:
        sname = (ref[1] or unit.sheet.name).upper()
        if ref[0] == "ref":
            _, _, r, rabs, c, cabs = ref
            rr = (r, r) if rabs else (lo_row + r, hi_row + r)
            cc = c if cabs else unit.col + c
            out.append((sname, rr[0], rr[1], cc, cc))
        else:
            _, _, r1, r1abs, c1, c1abs, r2, r2abs, c2, c2abs = ref
            rows = []
            for r, rabs in ((r1, r1abs), (r2, r2abs)):
                rows += [r] if rabs else [lo_row + r, hi_row + r]
            cols = [c1 if c1abs else unit.col + c1, c2 if c2abs else unit.col + c2]
            out.append((sname, max(min(rows), 1), min(max(rows), nrows.get(sname, MAX_ROW)), min(cols), max(cols)))
    return out


def _split_run(unit: Unit) -> list[Unit]:
    return [Unit(unit.sheet, unit.col, unit.rows[i:i + 1], unit.node, unit.cells[i:i + 1]) for i in
            range(len(unit.rows))]


def _tarjan(n: int, edges: list[list[int]]) -> list[list[int]]:
    """Strongly connected components, dependencies first (iterative Tarjan)."""
    index = [-1] * n
    low = [0] * n
    on = [False] * n
    stack, out = [], []
    counter = 0
    for root in range(n):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on[v] = True
            recurse = False
            succ = edges[v]
            while i < len(succ):
                w = succ[i]
                i += 1
                if index[w] == -1:
                    work.append((v, i))
                    work.append((w, 0))
                    recurse = True
                    break
                if on[w]:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on[w] = False
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
    return out


def plan(package: Package):
    """Compile and schedule every formula cell: (units in evaluation order, the set of cyclic unit indexes)."""
    if package.external_links:
        raise Unsupported("external links")
    compiler = Compiler(package)
    compiled: dict[str, object] = {}
    units: list[Unit] = []
    for sheet in package.sheets:
        by_col: dict[int, list] = {}
        for (r, c), cell in sheet.cells.items():
            if cell.kind == "dataTable":
                raise Unsupported("data table")
            if cell.formula is None:
                continue
            if cell.kind == "array":
                key = "A:" + shape_key(cell.formula, r, c)
                node = compiled.get(key)
                if node is None:
                    node = compiled[key] = compiler.compile(cell.formula, r, c)
                    check_functions(node)
                try:
                    from levxl.recalc.package import split_ref

                    a, _, b = (cell.ref or f"{col_letter(c)}{r}").partition(":")
                    r1, c1 = split_ref(a)
                    r2, c2 = split_ref(b) if b else (r1, c1)
                except ValueError:
                    raise Unsupported(f"array ref {cell.ref!r}") from None
                units.append(Unit(sheet, c, np.array([r]), node, [cell], (r1, c1, r2, c2)))
                continue
            by_col.setdefault(c, []).append(cell)
        for c, cells in by_col.items():
            cells.sort(key=lambda x: x.row)
            keys = [shape_key(cell.formula, *(cell.origin or (cell.row, c))) for cell in cells]
            start = 0
            for i in range(1, len(cells) + 1):
                if i == len(cells) or keys[i] != keys[start] or cells[i].row != cells[i - 1].row + 1:
                    key = keys[start]
                    node = compiled.get(key)
                    if node is None:
                        first = cells[start]
                        node = compiled[key] = compiler.compile(first.formula, *(first.origin or (first.row, c)))
                        check_functions(node)
                    run = cells[start:i]
                    units.append(Unit(sheet, c, np.array([x.row for x in run]), node, run))
                    start = i
    nrows = {}
    for s in package.sheets:
        extra = max((u.array_ref[2] for u in units if u.array_ref and u.sheet is s), default=0)
        nrows[s.name.upper()] = max(s.max_row, extra)
    # split runs that read their own rows
    final: list[Unit] = []
    for u in units:
        u.reads = _regions(u, package, nrows)
        if len(u.rows) > 1 and any(s == u.sheet.name.upper() and c1 <= u.col <= c2 and r1 <= u.rows[-1] and
                                   r2 >= u.rows[0] for s, r1, r2, c1, c2 in u.reads):
            for part in _split_run(u):
                part.reads = _regions(part, package, nrows)
                final.append(part)
        else:
            final.append(u)
    units = final
    # index of what each unit writes: (SHEET, col) -> sorted [(r1, r2, unit)]
    writes: dict[tuple[str, int], list] = {}
    for i, u in enumerate(units):
        u.index = i
        s = u.sheet.name.upper()
        if u.array_ref:
            r1, c1, r2, c2 = u.array_ref
            for c in range(c1, c2 + 1):
                writes.setdefault((s, c), []).append((r1, r2, i))
        else:
            writes.setdefault((s, u.col), []).append((int(u.rows[0]), int(u.rows[-1]), i))
    maxend = {}
    starts = {}
    for k, lst in writes.items():
        lst.sort()
        starts[k] = [x[0] for x in lst]
        maxend[k] = list(np.maximum.accumulate([x[1] for x in lst]))
    edges: list[list[int]] = [[] for _ in units]
    for i, u in enumerate(units):
        seen = set()
        for s, r1, r2, c1, c2 in u.reads:
            for c in range(c1, c2 + 1):
                lst = writes.get((s, c))
                if not lst:
                    continue
                ends = maxend[(s, c)]
                for k in range(bisect.bisect_right(starts[(s, c)], r2) - 1, -1, -1):
                    if ends[k] < r1:
                        break
                    a, b, unit = lst[k]
                    if b >= r1 and unit not in seen:
                        seen.add(unit)
                        edges[i].append(unit)
    comps = _tarjan(len(units), edges)
    order, cyclic = [], set()
    for comp in comps:
        if len(comp) > 1 or comp[0] in edges[comp[0]]:
            cyclic.update(comp)
        order.extend(comp)
    return [units[i] for i in order], cyclic


def fit(value: np.ndarray, h: int, w: int) -> np.ndarray:
    """An array result fitted to an array formula's range, as Excel does."""
    value = np.asarray(value, dtype=object)
    if value.ndim < 2:
        value = value.reshape(1, -1) if value.ndim == 1 else value.reshape(1, 1)
    vh, vw = value.shape
    if vh == 1 and h > 1:
        value = np.repeat(value, h, axis=0)
        vh = h
    if vw == 1 and w > 1:
        value = np.repeat(value, w, axis=1)
        vw = w
    out = np.full((h, w), NA, dtype=object)
    out[:min(h, vh), :min(w, vw)] = value[:h, :w]
    return out
