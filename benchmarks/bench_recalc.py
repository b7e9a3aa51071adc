"""Benchmark of ``levxl recalc``: the fast path against the ``formulas`` library on the same workbooks.

    python benchmarks/bench_recalc.py            # the full run (1k, 10k, 100k cells; 200-book batch)
    python benchmarks/bench_recalc.py --n 1000   # one size only
    python benchmarks/bench_recalc.py --json

Books: a positions table (13 formula columns: LEVXL functions in three spellings, native arithmetic, IF/IFERROR,
ROUND, NORM.S.DIST, INDEX/MATCH, AND, text) plus a Summary sheet with whole-column aggregates (SUM(Positions!I:I),
AVERAGE, COUNT, COUNTA, MAX), spilled grids and Excel errors (:func:`levxl.testing.samples.positions_book`,
``bench=True``). Each measurement runs in a fresh process (a wrapper process runs it as its only child and reports
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``): seconds are the wall time of ``recalc_workbook`` (read, evaluate,
write) inside the child after the imports, peak_mb the child's peak resident memory, imports included.

formulas is measured at 1k and 10k cells only: at 100k it takes many minutes and several GB (skipped, as planned).
The batch case recalculates 200 template-sized books (~200 formula cells each) with ``levxl recalc --jobs 2``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (1_000, 10_000, 100_000)
FORMULAS_MAX = 10_000  # the formulas library is not run above this (minutes, GBs)
BATCH_BOOKS = 200

_CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from levxl.recalc import recalc_workbook
import levxl.recalc.fast  # imports (numpy, scipy, the catalogue; formulas) are not timed, their memory is counted
if {engine!r} == "formulas":
    from levxl.recalc.reference import register
    register()
start = time.perf_counter()
summary = recalc_workbook({path!r}, {out!r}, engine={engine!r})
print(json.dumps({{"seconds": time.perf_counter() - start, "cells": summary.formula_cells,
                  "engine": summary.engine}}))
"""

_BATCH = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from levxl.cli.recalc import recalc
start = time.perf_counter()
try:
    recalc.main([{folder!r}, "--out", {out!r}, "--jobs", "2", "--quiet"], standalone_mode=False)
except SystemExit as exc:
    code = exc.code
print(json.dumps({{"seconds": time.perf_counter() - start}}))
"""

_WRAPPER = r"""
import json, resource, subprocess, sys
proc = subprocess.run([sys.executable, "-c", sys.argv[1]], capture_output=True, text=True, timeout=float(sys.argv[2]))
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
print(json.dumps({"rc": proc.returncode, "out": proc.stdout, "err": proc.stderr[-2000:], "peak_mb": peak}))
"""


def measure(code: str, timeout: float = 3600) -> dict:
    """Run ``code`` in a fresh interpreter (the only child of a wrapper); its JSON line + peak_mb."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, code, str(timeout)], capture_output=True, text=True,
                          timeout=timeout + 60)
    outer = json.loads(proc.stdout)
    if outer["rc"] != 0:
        raise RuntimeError(f"benchmark child failed: {outer['err']}")
    result = json.loads(outer["out"].strip().splitlines()[-1])
    result["peak_mb"] = round(outer["peak_mb"], 1)
    return result


def book(folder: Path, cells: int, seed: int = 0) -> Path:
    from levxl.testing.samples import formula_cells_per_row, positions_book

    rows = max(1, round(cells / formula_cells_per_row()))
    return positions_book(folder / f"positions_{cells}.xlsx", rows=rows, seed=seed, bench=True)


def run(n=None) -> list[dict]:
    """Rows {case, n, seconds, peak_mb, ...}: levxl recalc and formulas on books of n formula cells (all sizes when n
    is None), and the 200-book batch (full run only)."""
    sizes = SIZES if n is None else (int(n),)
    rows = []
    with tempfile.TemporaryDirectory(prefix="levxl-bench-recalc-") as tmp:
        tmp = Path(tmp)
        for size in sizes:
            path = book(tmp, size)
            fast = measure(_CHILD.format(root=str(ROOT), path=str(path), out=str(tmp / "fast.xlsx"), engine="fast"))
            rows.append({"case": "levxl recalc", "n": fast["cells"], "seconds": round(fast["seconds"], 3),
                         "peak_mb": fast["peak_mb"]})
            if size <= FORMULAS_MAX:
                ref = measure(_CHILD.format(root=str(ROOT), path=str(path), out=str(tmp / "ref.xlsx"),
                                            engine="formulas"))
                rows.append({"case": "formulas", "n": ref["cells"], "seconds": round(ref["seconds"], 3),
                             "peak_mb": ref["peak_mb"],
                             "speedup": round(ref["seconds"] / fast["seconds"], 1),
                             "memory_ratio": round(ref["peak_mb"] / fast["peak_mb"], 1)})
            else:
                rows.append({"case": "formulas", "n": fast["cells"], "seconds": None, "peak_mb": None,
                             "note": "skipped: minutes and several GB at this size"})
        if n is None:
            folder = tmp / "batch"
            folder.mkdir()
            from levxl.testing.samples import positions_book

            first = positions_book(folder / "book_000.xlsx", rows=14, seed=0, bench=True)
            data = first.read_bytes()
            for i in range(1, BATCH_BOOKS):
                (folder / f"book_{i:03d}.xlsx").write_bytes(data)
            from levxl.recalc.package import open_package

            per_book = len(open_package(first).formula_cells())
            batch = measure(_BATCH.format(root=str(ROOT), folder=str(folder), out=str(tmp / "batch_out")))
            rows.append({"case": f"batch {BATCH_BOOKS} books --jobs 2", "n": per_book * BATCH_BOOKS,
                         "seconds": round(batch["seconds"], 3), "peak_mb": batch["peak_mb"],
                         "per_book_ms": round(1000 * batch["seconds"] / BATCH_BOOKS, 1)})
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=None, help="one book size (formula cells) instead of all")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = run(args.n)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    for r in rows:
        extra = "  ".join(f"{k}={v}" for k, v in r.items() if k not in ("case", "n", "seconds", "peak_mb"))
        secs = "-" if r["seconds"] is None else f"{r['seconds']:.3f} s"
        peak = "-" if r["peak_mb"] is None else f"{r['peak_mb']:.0f} MB"
        print(f"{r['case']:<28} n={r['n']:<8} {secs:>12} {peak:>9}  {extra}")
    print(f"(total {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
