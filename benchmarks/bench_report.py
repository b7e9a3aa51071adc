"""Benchmark of ``levxl report``: synthetic books of 1,000 and 10,000 positions, every sheet.

Each case runs in a fresh Python process (started by a fresh parent, so ``RUSAGE_CHILDREN`` sees that one child
only): ``seconds`` is the wall time of :func:`levxl.workbooks.report.build_report` (reading the CSV, the engine, writing the
workbook), ``peak_mb`` the child's peak resident memory (``ru_maxrss``, which includes the interpreter, numpy and
scipy: see the ``import only`` row, whose ``seconds`` is the import time). Targets: 1,000 positions < 3 s, 10,000 < 20 s, memory linear in n.

    python benchmarks/bench_report.py            # 0 (imports only), 1,000, 3,000, 10,000
    python benchmarks/bench_report.py 5000       # one case
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CASES = (0, 1_000, 3_000, 10_000)
TARGETS = {1_000: 3.0, 10_000: 20.0}

INSTRUMENTS = [  # venue, symbol, contract, mark, vol, mmr
    ("binance", "BTCUSDT", "linear", 61_850.0, 0.55, "binance:BTCUSDT"),
    ("binance", "ETHUSDT", "linear", 3_455.0, 0.70, "0.005"),
    ("binance", "SOLUSDT", "linear", 139.2, 0.90, "0.01"),
    ("binance", "DOGEUSDT", "linear", 0.1598, 1.10, "0.01"),
    ("bybit", "BTCUSD", "inverse", 61_850.0, 0.55, "0.005"),
    ("bybit", "ETHUSD", "inverse", 3_455.0, 0.70, "0.005"),
    ("okx", "BTC-USDT-SWAP", "linear", 61_850.0, 0.55, "0.004"),
    ("okx", "SOL-USDT-SWAP", "linear", 139.2, 0.90, "0.01"),
    ("hyperliquid", "BTC", "linear", 61_850.0, 0.55, "0.0125"),
    ("hyperliquid", "ETH", "linear", 3_455.0, 0.70, "0.0125"),
    ("deribit", "BTC-PERPETUAL", "inverse", 61_850.0, 0.55, "0.005"),
    ("deribit", "ETH-PERPETUAL", "inverse", 3_455.0, 0.70, "0.005"),
]


def synthetic_csv(n: int, path: Path, seed: int = 7) -> Path:
    """``n`` positions over a dozen instruments: random side, leverage 1-50, entry within ±15% of the mark,
    notional 1k-2M USD; a tenth give an isolated margin instead of a leverage."""
    rng = np.random.default_rng(seed)
    lines = ["venue,symbol,side,contract,size,entry,mark,leverage,margin,mmr,funding_rate,vol"]
    for k in range(n):
        venue, symbol, contract, mark, vol, mmr = INSTRUMENTS[k % len(INSTRUMENTS)]
        side = "long" if rng.random() < 0.6 else "short"
        entry = float(f"{mark * (1 + rng.uniform(-0.15, 0.15)):.6g}")
        usd = float(np.exp(rng.uniform(np.log(1e3), np.log(2e6))))
        lev = float(rng.choice([1, 2, 3, 5, 10, 20, 25, 50]))
        size = round(usd, 0) if contract == "inverse" else float(f"{usd / entry:.6g}")
        margin = ""
        leverage = f"{lev:g}"
        if rng.random() < 0.1:
            value = size / entry if contract == "inverse" else size * entry
            margin, leverage = f"{value / lev * rng.uniform(0.8, 1.5):.8g}", ""
        rate = float(f"{rng.normal(0.0001, 0.0002):.6f}")
        lines.append(f"{venue},{symbol},{side},{contract},{size},{entry},{mark},{leverage},{margin},{mmr},{rate},"
                     f"{vol}")
    path.write_text("\n".join(lines) + "\n")
    return path


_WORKER = r"""
import sys, time, json
t0 = time.perf_counter()
from levxl.workbooks.report import build_report
t1 = time.perf_counter()
n = int(sys.argv[1])
if n:
    build_report(sys.argv[2], sys.argv[3], as_of="2026-01-01")
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "seconds": t2 - t1}))
"""

_PARENT = r"""
import json, resource, subprocess, sys
out = subprocess.run([sys.executable, "-c", sys.argv[1], *sys.argv[2:]], capture_output=True, text=True)
if out.returncode:
    sys.stderr.write(out.stderr)
    sys.exit(out.returncode)
row = json.loads(out.stdout.strip().splitlines()[-1])
row["peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
print(json.dumps(row))
"""


def _case(n: int, tmp: Path) -> dict:
    src = synthetic_csv(n, tmp / f"book_{n}.csv") if n else tmp / "none.csv"
    out = tmp / f"report_{n}.xlsx"
    env_path = str(ROOT)
    proc = subprocess.run([sys.executable, "-c", _PARENT, _WORKER, str(n), str(src), str(out)], capture_output=True,
                          text=True, cwd=env_path, env={**__import__("os").environ, "PYTHONPATH": env_path})
    if proc.returncode:
        raise RuntimeError(proc.stderr)
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"case": "import only" if n == 0 else f"{n:,} positions, all sheets", "n": n,
            "seconds": round(row["seconds"] if n else row["import_s"], 3), "peak_mb": round(row["peak_mb"], 1),
            "file_mb": round(out.stat().st_size / 2**20, 2) if n else 0.0}


def run(n: int | None = None) -> list[dict]:
    """Rows {case, n, seconds, peak_mb, file_mb}: the default cases, or one case of ``n`` positions."""
    with tempfile.TemporaryDirectory(prefix="levxl-bench-report-") as tmp:
        return [_case(k, Path(tmp)) for k in ((n,) if n is not None else CASES)]


if __name__ == "__main__":
    rows = run(int(sys.argv[1]) if len(sys.argv) > 1 else None)
    for row in rows:
        target = TARGETS.get(row["n"])
        flag = "" if target is None else (" (target < %g s: %s)" % (target, "ok" if row["seconds"] < target
                                                                    else "MISSED"))
        print(f"{row['case']:>32}: {row['seconds']:7.2f} s  peak {row['peak_mb']:7.1f} MB  "
              f"file {row['file_mb']:5.2f} MB{flag}")
    sized = [r for r in rows if r["n"]]
    for a, b in zip(sized, sized[1:]):
        print(f"  {a['n']:>6,} -> {b['n']:>6,}: {(b['peak_mb'] - a['peak_mb']) / (b['n'] - a['n']) * 1024:.1f} KB "
              f"and {(b['seconds'] - a['seconds']) / (b['n'] - a['n']) * 1e3:.2f} ms per extra position")
