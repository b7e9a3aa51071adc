"""Benchmark of a hostile-sized input: ``levxl risk`` on a 200 MB positions CSV (issue 15: it reached 4.7 GB RSS and
was still growing at 600 s). Target: under 2 minutes and under 500 MB peak RSS.

The CSV is written to a temp folder (valid positions, ~85 bytes a row, ~2.4 million rows). ``levxl risk`` runs in a
fresh process (its table to /dev/null); ``seconds`` is that process's wall time, ``peak_mb`` its peak resident memory
(``ru_maxrss`` of the only child). levxl reads the first ``MAX_ROWS`` (100,000) rows, reports the rest as not read,
and hashes the whole file.

Measured 2026-12-01 on the project's 2-core machine shared with other jobs: 200 MB, 4,167,000 rows: 74.7 s and
238.9 MB peak at load average 4.5; 141.6 s and 238.5 MB at load average 7-9. Reading alone (rows streamed, the whole
file hashed) took 3.5 s and 58 MB; the rest is the per-row checks of ``book_from_records`` on the 100,000 rows read
(~0.7-1.3 ms a row here) and the risk table. Before the bounded reader: 4.7 GB and still growing at 600 s.

    python benchmarks/bench_big_input.py          # 200 MB
    python benchmarks/bench_big_input.py 50       # 50 MB
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = ("binance,BTCUSDT,long,0.5,60000,61000,10,,0.0001,0.6\n", "bybit,ETHUSDT,short,4,3000,2950,5,,,0.7\n",
        "okx,SOL-USDT-SWAP,long,100,140,139.2,20,,0.0002,0.9\n")


def write_csv(path: Path, megabytes: float) -> int:
    block = "".join(ROWS * 1000)
    rows = 0
    with open(path, "w") as f:
        f.write("venue,symbol,side,size,entry,mark,leverage,margin,funding_rate,vol\n")
        while f.tell() < megabytes * 1e6:
            f.write(block)
            rows += 3000
    return rows


def run(megabytes: float = 200.0) -> dict:
    with tempfile.TemporaryDirectory(prefix="levxl-big-") as tmp:
        path = Path(tmp) / "big.csv"
        rows = write_csv(path, megabytes)
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "levxl", "risk", str(path)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return {"csv_mb": round(path.stat().st_size / 1e6, 1), "rows": rows, "exit": proc.returncode,
                "seconds": round(seconds, 1), "peak_mb": round(peak, 1),
                "stderr_tail": proc.stderr.strip().splitlines()[-1:] if proc.stderr else [],
                "targets": {"seconds": 120, "peak_mb": 500}}


if __name__ == "__main__":
    print(json.dumps(run(float(sys.argv[1]) if len(sys.argv) > 1 else 200.0), indent=1))
