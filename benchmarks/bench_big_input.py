"""Benchmark of a hostile-sized input: ``levxl risk`` on a 200 MB positions CSV (issue 15: it reached 4.7 GB RSS and
was still growing at 600 s), or on a 150 MB ccxt ``fetch_positions`` JSON array (``--json``; refused over 64 MiB
before it was streamed). Target: under 2 minutes and under 500 MB peak RSS.

The CSV is written to a temp folder (valid positions, ~48 bytes a row, ~4.2 million rows); the JSON repeats three
ccxt fixture positions (Binance, Bybit, OKX; ~1.5 KB each, ~98,000 positions). ``levxl risk`` runs in a fresh
process (its table to /dev/null); ``seconds`` is that process's wall time, ``peak_mb`` its peak resident memory
(``ru_maxrss`` of the only child). levxl reads the first ``MAX_ROWS`` (100,000) rows, reports the rest as not read,
and hashes the whole file.

Measured 2026-12-02 on the project's 2-core machine shared with other jobs (load average 1.5-3.7):

* CSV, 200 MB, 4,167,000 rows: 16.0 s and 293 MB peak by this script (19.6 s / 301 MB by ``/usr/bin/time -v levxl
  risk``; 34.0 s / 414 MB before the positions were packed; before the column checks the run did not finish:
  killed after 10 min at 341 MB, the venue-rules loops rebuilt whole columns per row, n^2). The 2026-12-01
  figure, 74.7 s / 239 MB, predates the venue-rules sheets.
* CSV again, 2026-12-02 evening (load average 1.0), after the book took on each venue's fee conventions: 29.9,
  36.2 and 34.8 s, 334-337 MB; the code before that change, same machine and hour: 43.5 and 32.6 s, 328-330 MB.
  The spread is the machine's; the change costs nothing measurable.
* CSV again, 2026-12-03 (a quieter machine, load average 0.9-1.0), after funding per the row's interval and the
  tick column: 17.0, 16.4 and 17.3 s, 338-342 MB; the code before both (5a79a2f), alternating runs in the same
  minutes: 16.6, 16.4 and 16.5 s, 334-339 MB (about +0.4 s, +4 MB).
* JSON, 150 MB, 97,659 positions: 30.5 s and 288 MB by this script (26.2 s / 293 MB by ``/usr/bin/time -v``; 34.7 s
  before the tier names were listed once). About 7 s of it is building the positions from ijson's events.

    python benchmarks/bench_big_input.py          # 200 MB CSV
    python benchmarks/bench_big_input.py 50       # 50 MB
    python benchmarks/bench_big_input.py 150 --json
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


def write_json(path: Path, megabytes: float) -> int:
    """A ccxt fetch_positions array of three fixture positions repeated to ``megabytes``."""
    fixtures = ROOT / "tests" / "data" / "ccxt"
    items = []
    for name in ("binance-usdm_btcusdt-isolated-long-loss", "bybit-linear_btcusdt-isolated-long",
                 "okx-swap_btc-usdt-swap-isolated-long"):
        data = json.loads((fixtures / f"{name}.json").read_text())
        items.append(json.dumps(data.get("position", data)))
    rows = 0
    with open(path, "w") as f:
        f.write("[")
        while f.tell() < megabytes * 1e6:
            for item in items:
                f.write(("," if rows else "") + item)
                rows += 1
        f.write("]")
    return rows


def run(megabytes: float = 200.0, as_json: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="levxl-big-") as tmp:
        path = Path(tmp) / ("big.json" if as_json else "big.csv")
        rows = (write_json if as_json else write_csv)(path, megabytes)
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "levxl", "risk", str(path)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return {"file_mb": round(path.stat().st_size / 1e6, 1), "format": path.suffix[1:], "rows": rows,
                "exit": proc.returncode,
                "seconds": round(seconds, 1), "peak_mb": round(peak, 1),
                "stderr_tail": proc.stderr.strip().splitlines()[-1:] if proc.stderr else [],
                "targets": {"seconds": 120, "peak_mb": 500}}


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if not a.startswith("--")]
    print(json.dumps(run(float(numbers[0]) if numbers else 200.0, as_json="--json" in sys.argv), indent=1))
