"""Spreadsheet adapter overhead: a catalogue call as Excel makes it vs the raw engine call on the same numbers.

Targets (issue 4): a scalar call within 50 us of the raw engine call; a 100,000-row column call (lists of
one-element lists in, lists out, as xlwings passes them) within 2x of the raw engine call on the same arrays.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of  # noqa: E402


def seconds(fn, repeat=7):
    return best_of(fn, repeat)[0]


def run(n: int = 100_000, loop_n: int | None = None) -> list[dict]:
    import levxl as lx
    from levxl.catalogue import CATALOGUE

    fn = CATALOGUE["LEVXL_LIQ_PRICE"]
    scalar_raw = seconds(lambda: [lx.liquidation_price("long", 60_000.0, 2.0, leverage=10.0, mmr=0.005)
                                  for _ in range(1000)])
    scalar_udf = seconds(lambda: [fn("long", 60_000.0, 2.0, 10.0, 0.005) for _ in range(1000)])
    scalar_udf_2d = seconds(lambda: [fn([["long"]], [[60_000.0]], [[2.0]], [[10.0]], [[0.005]]) for _ in range(1000)])

    rng = np.random.default_rng(7)
    entry = rng.uniform(20_000, 100_000, n)
    size = rng.uniform(0.01, 50, n)
    leverage = rng.uniform(1, 100, n)
    side = np.where(rng.random(n) < 0.5, "long", "short")
    columns = [[[v] for v in a.tolist()] for a in (side, entry, size, leverage)]
    arrays = [a.reshape(-1, 1) for a in (side, entry, size, leverage)]
    position, leverages = arrays[:3], arrays[3]
    # the same arrays for both: the side column holds the labels "long"/"short" as a spreadsheet does
    column_raw = seconds(lambda: lx.liquidation_price(*position, leverage=leverages, mmr=0.005), repeat=5)
    column_eval = seconds(lambda: fn.evaluate(*arrays, 0.005), repeat=5)
    column_udf = seconds(lambda: fn(*columns, 0.005), repeat=5)
    return [
        {"case": "LEVXL_LIQ_PRICE scalar: raw engine", "n": 1, "seconds": scalar_raw / 1000},
        {"case": "  catalogue call, scalars", "n": 1, "seconds": scalar_udf / 1000,
         "note": f"overhead {(scalar_udf - scalar_raw) / 1000 * 1e6:.1f} us (target < 50 us)"},
        {"case": "  catalogue call, 1x1 ranges (xlwings ndim=2)", "n": 1, "seconds": scalar_udf_2d / 1000,
         "note": f"overhead {(scalar_udf_2d - scalar_raw) / 1000 * 1e6:.1f} us"},
        {"case": "LEVXL_LIQ_PRICE column: raw engine on arrays", "n": n, "seconds": column_raw},
        {"case": "  catalogue evaluate() on numpy columns", "n": n, "seconds": column_eval,
         "note": f"{column_eval / column_raw:.2f}x the raw call (target <= 2x)"},
        {"case": "  catalogue call on lists of lists (xlwings)", "n": n, "seconds": column_udf,
         "note": f"{column_udf / column_raw:.1f}x: converting 100k Python lists each way dominates"},
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['case']:<48} n={row['n']:>8,} {row['seconds'] * 1e6:>12.1f} us  {row.get('note', '')}")
