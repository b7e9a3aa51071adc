"""levxl benchmarks: the hot paths against a plain per-position Python loop and the peer libraries, in one run.

    python benchmarks/run.py            # a table
    python benchmarks/run.py --json     # one JSON object
    python benchmarks/run.py --only engine options

Each section is a function returning rows ``{"case", "n", "seconds", ...}``; ratios are printed beside them.
Timings are the best of a few repeats on this machine; they are measurements, not assertions (no test times them).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of  # noqa: E402


def peak_bytes(fn):
    """Peak memory numpy allocates while fn runs (numpy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def engine(n=1_000_000, loop_n=200_000):
    """Tiered isolated liquidation price for n positions (Binance BTCUSDT tiers, long and short mixed)."""
    import levxl as lx
    from levxl.engine.reference.engine import liquidation_price_loop

    rng = np.random.default_rng(42)
    table = lx.preset("binance:BTCUSDT")
    side = rng.choice([-1.0, 1.0], n)
    entry = rng.uniform(20_000, 120_000, n)
    size = np.exp(rng.uniform(np.log(0.001), np.log(5_000), n))
    leverage = rng.uniform(1, 100, n)
    inputs = (side, entry, size, leverage)
    input_bytes = sum(a.nbytes for a in inputs)

    t_engine, prices = best_of(lambda: lx.liquidation_price(side, entry, size, leverage=leverage, mmr=table))
    t_copy, _ = best_of(lambda: [a.copy() for a in inputs])
    rows = [(float(f), float(m), float(c)) for f, m, c in zip(table.floors, table.mmr, table.cum)]
    lists = [a[:loop_n].tolist() for a in inputs]
    t_loop, looped = best_of(lambda: liquidation_price_loop(*lists, rows), repeat=3)
    assert np.allclose(looped, prices[:loop_n], rtol=1e-12)
    peak = peak_bytes(lambda: lx.liquidation_price(side, entry, size, leverage=leverage, mmr=table))
    loop_scaled = t_loop * n / loop_n
    # The slow, obviously-correct reference (bisection on the definition, tier scanned at every trial price).
    from levxl.engine.reference.engine import liquidation_price as reference_price

    ref_n = min(loop_n, 2_000)
    ref_args = [a[:ref_n].tolist() for a in inputs]
    t_ref, _ = best_of(lambda: [reference_price(s, e, q, q * e / lev, rows) for s, e, q, lev in zip(*ref_args)],
                       repeat=1)
    ref_scaled = t_ref * n / ref_n
    return [
        {"case": "liquidation price, tiered: levxl", "n": n, "seconds": t_engine,
         "peak_memory_x_inputs": round(peak / input_bytes, 2)},
        {"case": "  numpy copy of the inputs (floor)", "n": n, "seconds": t_copy,
         "note": f"levxl = {t_engine / t_copy:.1f}x the floor"},
        {"case": "  plain Python per-position loop", "n": n, "seconds": loop_scaled,
         "note": f"closed form, timed on {loop_n:,}, scaled; levxl {loop_scaled / t_engine:,.0f}x faster"},
        {"case": "  scalar reference implementation, per position", "n": n, "seconds": ref_scaled,
         "note": f"bisection, timed on {ref_n:,}, scaled; levxl {ref_scaled / t_engine:,.0f}x faster"},
    ]


def options(n=1_000_000, loop_n=20_000):
    import bench_options

    return bench_options.run(n=n, loop_n=loop_n)


SECTIONS = {"engine": engine, "options": options}


def optional_sections():
    """Sections whose modules exist in this checkout (added by later features)."""
    for name, module in (("adapter", "bench_adapter"), ("recalc", "bench_recalc"), ("report", "bench_report"),
                         ("reverse_stress", "bench_reverse_stress")):
        try:
            SECTIONS[name] = __import__(module).run
        except ImportError:
            pass


def main(argv=None):
    optional_sections()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--only", nargs="*", choices=sorted(SECTIONS), help="run only these sections")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args(argv)
    results = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                           "cpu": platform.processor() or platform.machine()}}
    for name in args.only or list(SECTIONS):
        fn = SECTIONS[name]
        rows = fn(**({"n": 20_000, "loop_n": 2_000} if args.quick and name in ("engine", "options") else {}))
        results[name] = rows
        if not args.json:
            print(f"\n== {name}")
            for row in rows:
                extra = "  ".join(f"{k}={v}" for k, v in row.items() if k not in ("case", "n", "seconds"))
                seconds = row.get("seconds")
                shown = f"{seconds * 1e3:>10.1f} ms" if isinstance(seconds, (int, float)) and seconds == seconds \
                    else f"{'skipped':>13}"
                print(f"{row['case']:<48} n={row['n']:>10,}  {shown}  {extra}")
    if args.json:
        print(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
