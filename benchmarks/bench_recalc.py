"""Benchmark of ``levxl recalc``: one book of 10k LEVXL_ + 10k native formula cells, on the LibreOffice path, the
fast path and the ``formulas`` library (the peer; ``pip install -e '.[bench]'``), in one run.

    python benchmarks/bench_recalc.py            # the 10k + 10k book (--rows 2000)
    python benchmarks/bench_recalc.py --rows 200 --json

The book (built here): ``rows`` positions, 5 LEVXL_ columns (LIQ_PRICE, PNL, BANKRUPTCY_PRICE, LOSS_AT_MOVE,
MARGIN) and 5 native columns that read them and feed one of them (IF, ROUND, ABS/MAX, arithmetic); the fast path
claims it. Each measurement runs in a fresh process: ``seconds`` is the wall time of ``recalc_workbook`` (read,
evaluate, write) after the imports; for LibreOffice once cold (soffice started and the add-in loaded inside that
time: what one ``levxl recalc`` of one book costs) and once warm (the same book again with soffice running, as in
a batch). ``peak_mb``: the peak resident memory of the Python process plus, on the LibreOffice path, the peaks of
soffice and of its UNO helper (``VmHWM``; imports included). The per-add-in-cell cost is (warm time of the book -
warm time of the same book with the LEVXL_ cells as constants) / LEVXL_ cells.
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

LEVXL = {"F": "=LEVXL_LIQ_PRICE(A{r},B{r},C{r},D{r},\"binance:BTCUSDT\")",
         "G": "=LEVXL_PNL(A{r},B{r},E{r},C{r})",
         "H": "=LEVXL_BANKRUPTCY_PRICE(A{r},B{r},C{r},D{r})",
         "I": "=LEVXL_LOSS_AT_MOVE(A{r},B{r},C{r},K{r},-0.1)",
         "J": "=LEVXL_MARGIN(C{r},B{r},D{r})"}
NATIVE = {"K": "=IF(D{r}>20,D{r}/2,D{r})",  # feeds column I
          "L": '=IF(A{r}="long",F{r}/B{r}-1,1-F{r}/B{r})',
          "M": "=ROUND(G{r},2)+ABS(H{r}-F{r})",
          "N": "=MAX(I{r},-J{r})*2",
          "O": "=L{r}*100+M{r}/1000"}

_CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from levxl.recalc import recalc_workbook
import levxl.recalc.fast, levxl.recalc.libreoffice  # imports are not timed, their memory is counted
engine = {engine!r}
if engine == "formulas":
    sys.path.insert(0, {bench!r})
    from bench_recalc import formulas_recalc
    start = time.perf_counter()
    cells = formulas_recalc({path!r})
    print(json.dumps({{"seconds": time.perf_counter() - start, "cells": cells}}))
    sys.exit(0)
out = {{}}
start = time.perf_counter()
summary = recalc_workbook({path!r}, {out_path!r}, engine=engine)
out["seconds"] = time.perf_counter() - start
out["cells"] = summary.formula_cells
out["engine"] = summary.engine
if engine == "libreoffice":
    start = time.perf_counter()
    recalc_workbook({path!r}, {out_path!r}, engine=engine)
    out["warm"] = time.perf_counter() - start
    start = time.perf_counter()
    recalc_workbook({constants!r}, None, engine=engine)
    out["warm_constants"] = time.perf_counter() - start
    from levxl.recalc.office import shared_office
    office = shared_office()
    def hwm(pid):
        import re
        try:
            return int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{{pid}}/status").read()).group(1)) / 1024
        except (OSError, AttributeError):
            return 0.0
    out["office_mb"] = hwm(office.soffice.pid) + hwm(office.helper.pid)
    import glob, os
    for child in glob.glob(f"/proc/{{office.soffice.pid}}/task/*/children"):
        for pid in open(child).read().split():
            out["office_mb"] += hwm(int(pid))
import resource
out["self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""

_WRAPPER = r"""
import json, resource, subprocess, sys
proc = subprocess.run([sys.executable, "-c", sys.argv[1]], capture_output=True, text=True, timeout=float(sys.argv[2]))
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
print(json.dumps({"rc": proc.returncode, "out": proc.stdout, "err": proc.stderr[-2000:], "peak_mb": peak}))
"""


def measure(code: str, timeout: float = 3600) -> dict:
    """Run ``code`` in a fresh interpreter (the only child of a wrapper); its JSON line + the wrapper's view of
    the child's peak."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, code, str(timeout)], capture_output=True, text=True,
                          timeout=timeout + 60)
    outer = json.loads(proc.stdout)
    if outer["rc"] != 0:
        raise RuntimeError(f"benchmark child failed: {outer['err']}")
    result = json.loads(outer["out"].strip().splitlines()[-1])
    result["peak_mb"] = round(outer["peak_mb"], 1)
    return result


def book(path: Path, rows: int, constants: bool = False) -> Path:
    """The benchmark book; ``constants``: the LEVXL_ cells hold numbers instead (the natives-only baseline)."""
    import numpy as np
    import openpyxl

    rng = np.random.default_rng(7)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Book"
    ws.append(["side", "entry", "size", "leverage", "mark", *LEVXL, *NATIVE])
    for r in range(2, rows + 2):
        entry = float(rng.uniform(20_000, 90_000))
        row = ["long" if r % 2 else "short", entry, float(rng.uniform(0.01, 3)), float(rng.integers(2, 60)),
               entry * float(rng.uniform(0.8, 1.2))]
        row += [1000.0 + r if constants else f.format(r=r) for f in LEVXL.values()]
        row += [f.format(r=r) for f in NATIVE.values()]
        ws.append(row)
    wb.save(path)
    return path


def formulas_recalc(path: str) -> int:
    """The peer: the ``formulas`` library with the catalogue registered; the number of formula cells computed."""
    import formulas
    import numpy as np
    from formulas.functions import Array, wrap_func

    from levxl.catalogue import CATALOGUE

    def arg(a):
        if isinstance(a, np.ndarray):
            a = a.tolist()
            if isinstance(a, list) and len(a) == 1 and isinstance(a[0], list) and len(a[0]) == 1:
                a = a[0][0]
        return None if str(a) == "empty" else a

    def wrap(fn):
        def call(*args):
            result = fn(*[arg(a) for a in args])
            return np.asarray(result, dtype=object).view(Array) if isinstance(result, list) else result
        return wrap_func(call)

    functions = formulas.get_functions()
    for name, fn in CATALOGUE.items():
        functions[name] = wrap(fn)
    model = formulas.ExcelModel().loads(path).finish()
    solution = model.calculate()
    return sum(1 for key in solution if "!" in key and ":" not in key.rpartition("!")[2])


def run(rows: int = 2000) -> list[dict]:
    """Rows {case, n, seconds, peak_mb, ...} (the format of benchmarks/run.py)."""
    with tempfile.TemporaryDirectory(prefix="levxl-bench-recalc-") as tmp:
        tmp = Path(tmp)
        path = book(tmp / "book.xlsx", rows)
        constants = book(tmp / "constants.xlsx", rows, constants=True)
        common = dict(root=str(ROOT), bench=str(Path(__file__).parent), path=str(path), out_path=str(tmp / "o.xlsx"),
                      constants=str(constants))
        fast = measure(_CHILD.format(engine="fast", **common))
        office = measure(_CHILD.format(engine="libreoffice", **common))
        peer = measure(_CHILD.format(engine="formulas", **common))
    n = fast["cells"]
    levxl_cells = rows * len(LEVXL)
    office_peak = office["self_mb"] + office["office_mb"]
    return [
        {"case": "fast path", "n": n, "seconds": round(fast["seconds"], 3), "peak_mb": round(fast["self_mb"], 1)},
        {"case": "libreoffice + add-in, cold", "n": n, "seconds": round(office["seconds"], 3),
         "peak_mb": round(office_peak, 1), "python_mb": round(office["self_mb"], 1),
         "soffice_and_helper_mb": round(office["office_mb"], 1),
         "speedup_over_formulas": round(peer["seconds"] / office["seconds"], 1),
         "memory_vs_formulas": round(office_peak / peer["peak_mb"], 2)},
        {"case": "libreoffice + add-in, warm", "n": n, "seconds": round(office["warm"], 3)},
        {"case": "libreoffice per add-in cell", "n": levxl_cells,
         "seconds": round((office["warm"] - office["warm_constants"]) / levxl_cells, 7),
         "us": round(1e6 * (office["warm"] - office["warm_constants"]) / levxl_cells, 1)},
        {"case": "formulas (peer)", "n": n, "seconds": round(peer["seconds"], 3), "peak_mb": round(peer["peak_mb"], 1)},
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="positions (each: 5 LEVXL_ + 5 native cells)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = run(args.rows)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"book: {args.rows * len(LEVXL)} LEVXL_ + {args.rows * len(NATIVE)} native formula cells")
    for r in result:
        extra = "  ".join(f"{k}={v}" for k, v in r.items() if k not in ("case", "n", "seconds", "peak_mb"))
        peak = f"{r['peak_mb']:>7.0f} MB" if "peak_mb" in r else " " * 10
        print(f"{r['case']:<30} n={r['n']:<7} {r['seconds']:>10.4g} s {peak}  {extra}")
    print(f"(total {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
