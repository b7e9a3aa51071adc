"""Spreadsheet adapter speed: LEVXL_LIQ_PRICE called as Excel hosts call it, against a plain Python loop.

Targets (issue 14), measured in one run:

* a 100,000-row column passed as xlwings passes it (lists of one-element lists: a text side column, entry, size and
  leverage columns, a 13-row tier range; a list of lists back) at least 5x faster than a plain per-position
  Python loop doing the same tier iteration on the same lists;
* a single-cell call (scalars, and 1x1 ranges as xlwings' ``ndim=2`` passes them) under 25 us;
* (issue 4) ``evaluate()`` on numpy columns, the recalc's form, within 2x of the raw engine call.

Run: ``python benchmarks/bench_adapter.py``.
"""

from __future__ import annotations

import bisect
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of  # noqa: E402


def seconds(fn, repeat=7):
    return best_of(fn, repeat)[0]


def loop_liq_price(sides, entries, sizes, leverages, tiers):
    """The plain per-position loop: Binance's closed form, the tier re-solved at the liquidation price until stable,
    reading and writing the same lists of lists a host passes."""
    floors = [float(t[0]) for t in tiers]
    rates = [float(t[1]) for t in tiers]
    cums = [float(t[2]) for t in tiers]
    out = []
    for s_row, e_row, q_row, l_row in zip(sides, entries, sizes, leverages):
        label = s_row[0].strip().lower()
        s = 1.0 if label in ("long", "buy") else -1.0
        e, q, lev = e_row[0], q_row[0], l_row[0]
        notional = q * e
        margin = notional / lev
        k = max(bisect.bisect_right(floors, notional) - 1, 0)
        price = 0.0
        for _ in range(len(floors) + 1):
            constant = (margin + cums[k]) / q - s * e
            price = max(constant / (rates[k] - s), 0.0)
            k_at = max(bisect.bisect_right(floors, q * price) - 1, 0)
            if k_at == k:
                break
            k = k_at
        out.append([price if price > 0 else "no liquidation"])
    return out


def run(n: int = 100_000) -> list[dict]:
    import levxl as lx
    from levxl.catalogue import CATALOGUE

    fn = CATALOGUE["LEVXL_LIQ_PRICE"]
    raw = lx.liquidation_price
    reps = 2000
    scalar_raw = seconds(lambda: [raw("long", 60_000.0, 2.0, leverage=10.0, mmr=0.005) for _ in range(reps)]) / reps
    scalar_call = seconds(lambda: [fn("long", 60_000.0, 2.0, 10.0, 0.005) for _ in range(reps)]) / reps
    scalar_preset = seconds(lambda: [fn("long", 60_000.0, 2.0, 10.0, "binance:BTCUSDT") for _ in range(reps)]) / reps
    scalar_2d = seconds(lambda: [fn([["long"]], [[60_000.0]], [[2.0]], [[10.0]], [[0.005]])
                                 for _ in range(reps)]) / reps

    rng = np.random.default_rng(7)
    entry = rng.uniform(20_000, 100_000, n)
    size = rng.uniform(0.01, 50, n)
    leverage = rng.uniform(1, 100, n)
    side = np.where(rng.random(n) < 0.5, "long", "short")
    columns = [[[v] for v in a.tolist()] for a in (side, entry, size, leverage)]
    tiers = [[r[1], r[4], r[5]] for r in lx.preset("binance:BTCUSDT").rows()]  # floor, mmr, cum as a sheet holds it
    column_loop = seconds(lambda: loop_liq_price(*columns, tiers), repeat=3)
    column_call = seconds(lambda: fn(*columns, tiers), repeat=5)
    arrays = [a.reshape(-1, 1) for a in (side, entry, size, leverage)]
    column_raw = seconds(lambda: raw(*arrays[:3], leverage=arrays[3], mmr=lx.preset("binance:BTCUSDT")), repeat=5)
    column_eval = seconds(lambda: fn.evaluate(*arrays, "binance:BTCUSDT"), repeat=5)

    loop_out, call_out = loop_liq_price(*columns, tiers), fn(*columns, tiers)
    numbers = [(a[0], b[0]) for a, b in zip(loop_out, call_out) if isinstance(a[0], float)]
    agree = max(abs(a - b) / b for a, b in numbers)
    return [
        {"case": "LEVXL_LIQ_PRICE scalar: raw engine call", "n": 1, "seconds": scalar_raw},
        {"case": "  catalogue call, scalars, flat mmr", "n": 1, "seconds": scalar_call,
         "note": f"target < 25 us: {'met' if scalar_call < 25e-6 else 'NOT met'}"},
        {"case": "  catalogue call, scalars, preset", "n": 1, "seconds": scalar_preset},
        {"case": "  catalogue call, 1x1 ranges (xlwings ndim=2)", "n": 1, "seconds": scalar_2d},
        {"case": "LEVXL_LIQ_PRICE column: plain Python loop", "n": n, "seconds": column_loop},
        {"case": "  catalogue call, lists of lists in and out", "n": n, "seconds": column_call,
         "note": f"{column_loop / column_call:.1f}x faster than the loop (target >= 5x); max rel. diff {agree:.1e}"},
        {"case": "  raw engine on numpy arrays (the floor)", "n": n, "seconds": column_raw},
        {"case": "  catalogue evaluate() on numpy columns (recalc)", "n": n, "seconds": column_eval,
         "note": f"{column_eval / column_raw:.2f}x the raw engine call (target <= 2x)"},
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['case']:<48} n={row['n']:>8,} {row['seconds'] * 1e6:>12.1f} us  {row.get('note', '')}")
