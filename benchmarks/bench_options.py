"""Option greeks benchmark: levxl.engine.options.greeks vs py_vollib_vectorized vs a per-option Python loop, in one run.

    python benchmarks/bench_options.py                 # n = 1,000,000 options, loop timed on 20,000
    python benchmarks/bench_options.py --n 200000 --loop-n 5000

n random Black-Scholes options (calls and puts, strikes 0.6x-1.6x spot, 1-730 days, vol 10%-150%, rates 0-5%);
each contender computes the price and all five greeks (delta, gamma, vega, theta, rho). py_vollib_vectorized is an
optional benchmark-only extra (``pip install py_vollib_vectorized``); it is skipped with a note when it is absent or
fails. The scalar loop over :mod:`levxl.engine.reference.options` is timed on ``loop_n`` options and scaled to ``n``.
Timings are the best of a few repeats; they are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of  # noqa: E402


def random_options(n, seed=42):
    rng = np.random.default_rng(seed)
    spot = np.exp(rng.uniform(np.log(10), np.log(100_000), n))
    return dict(
        w=rng.choice([-1.0, 1.0], n),
        spot=spot,
        strike=spot * np.exp(rng.uniform(np.log(0.6), np.log(1.6), n)),
        days=rng.uniform(1, 730, n),
        vol=rng.uniform(0.1, 1.5, n),
        rate=rng.uniform(0, 0.05, n),
    )


def _vollib_greeks(p, flags):
    import py_vollib_vectorized as pv

    args = (flags, p["spot"], p["strike"], p["days"] / 365.0, p["rate"], p["vol"])
    kw = dict(model="black_scholes", return_as="numpy")
    return (pv.vectorized_black_scholes(*args, return_as="numpy"), pv.vectorized_delta(*args, **kw),
            pv.vectorized_gamma(*args, **kw), pv.vectorized_vega(*args, **kw), pv.vectorized_theta(*args, **kw),
            pv.vectorized_rho(*args, **kw))


_PY_VOLLIB_LOOP = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
from py_vollib.black_scholes import black_scholes as price
from py_vollib.black_scholes.greeks import analytical as g
w, S, K, t, r, v = json.load(sys.stdin)
start = time.perf_counter()
for i in range(len(S)):
    a = ("c" if w[i] > 0 else "p", S[i], K[i], t[i], r[i], v[i])
    price(*a), g.delta(*a), g.gamma(*a), g.vega(*a), g.theta(*a), g.rho(*a)
print(time.perf_counter() - start)
"""


def _py_vollib_loop_seconds(p, loop_n):
    """Seconds py_vollib takes for price + five greeks of loop_n options, or None when it is not installed."""
    import json
    import subprocess

    payload = json.dumps([p["w"][:loop_n].tolist(), p["spot"][:loop_n].tolist(), p["strike"][:loop_n].tolist(),
                          (p["days"][:loop_n] / 365.0).tolist(), p["rate"][:loop_n].tolist(),
                          p["vol"][:loop_n].tolist()])
    done = subprocess.run([sys.executable, "-c", _PY_VOLLIB_LOOP], input=payload, capture_output=True, text=True)
    return float(done.stdout) if done.returncode == 0 else None


def _gist(error: Exception) -> str:
    """The telling line of an error message (numba's are long, coloured and start with boilerplate)."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(error).splitlines()]
    lines = [line for line in lines if line]
    telling = [line for line in lines if line.startswith(("cannot", "Untyped", "No module", "Unknown"))]
    return (telling or lines or [""])[0][:160]


def run(n=1_000_000, loop_n=20_000) -> list[dict]:
    """Rows ``{"case", "n", "seconds", ...}`` as benchmarks/run.py prints them."""
    from levxl.engine import options as opt
    from levxl.engine.options import pricing
    from levxl.engine.reference.options import greeks_loop

    p = random_options(n)
    args = (p["w"], p["spot"], p["strike"], p["days"], p["vol"])
    market = dict(risk_free_rate=p["rate"], model="bs")
    t_levxl, mine = best_of(lambda: opt.greeks(*args, **market))
    threads, pricing.THREADS = pricing.THREADS, 1
    try:
        t_single, _ = best_of(lambda: opt.greeks(*args, **market))
    finally:
        pricing.THREADS = threads
    flags = np.where(p["w"] > 0, "c", "p")
    t_text, _ = best_of(lambda: opt.greeks(flags, *args[1:], **market), repeat=2)
    rows = [
        {"name": "greeks (price + 5 greeks): levxl", "n": n, "seconds": t_levxl,
         "per_option_ns": round(t_levxl / n * 1e9, 1), "threads": threads},
        {"name": "  levxl on 1 thread", "n": n, "seconds": t_single,
         "per_option_ns": round(t_single / n * 1e9, 1)},
        {"name": "  levxl with 'c'/'p' text flags", "n": n, "seconds": t_text,
         "note": "includes the checked() layer's conversion of the text labels to +1/-1"},
    ]

    # py_vollib_vectorized (optional)
    try:
        import py_vollib_vectorized  # noqa: F401

        _vollib_greeks({k: v[:100] for k, v in p.items()}, flags[:100])  # compile (numba) outside the timing
        t_vollib, theirs = best_of(lambda: _vollib_greeks(p, flags), repeat=3)
        diff = max(float(np.max(np.abs(a - b) / (1e-8 + np.abs(b)))) for a, b in zip(mine, theirs))
        rows.append({"name": "  py_vollib_vectorized (same 6 outputs)", "n": n, "seconds": t_vollib,
                     "note": f"levxl {t_vollib / t_levxl:.1f}x faster; max rel diff {diff:.1e}",
                     "ratio_vollib_over_levxl": round(t_vollib / t_levxl, 2)})
    except Exception as error:  # absent, or broken on this numpy/numba
        rows.append({"name": "  py_vollib_vectorized", "n": n, "seconds": float("nan"),
                     "note": f"skipped: {type(error).__name__}: {_gist(error)}"})

    # py_vollib itself (the scalar library py_vollib_vectorized vectorises), one option at a time. In a fresh
    # interpreter: importing py_vollib_vectorized patches py_vollib's functions with its (broken) numba versions.
    t_peer = _py_vollib_loop_seconds(p, loop_n)
    if t_peer is None:
        rows.append({"name": "  py_vollib", "n": n, "seconds": float("nan"), "note": "skipped: not installed"})
    else:
        rows.append({"name": "  py_vollib, per-option calls", "n": n, "seconds": t_peer * n / loop_n,
                     "note": f"timed on {loop_n:,}, scaled; levxl {t_peer * n / loop_n / t_levxl:,.0f}x faster",
                     "ratio_py_vollib_over_levxl": round(t_peer * n / loop_n / t_levxl, 1)})

    # the scalar reference, one option at a time
    lists = [a[:loop_n].tolist() for a in args + (p["rate"],)]
    t_loop, looped = best_of(lambda: greeks_loop(*lists, model="bs"), repeat=3)
    np.testing.assert_allclose(np.array(looped).T, np.array([a[:loop_n] for a in mine]), rtol=1e-9, atol=1e-12)
    scaled = t_loop * n / loop_n
    rows.append({"name": "  plain Python per-option loop (reference)", "n": n, "seconds": scaled,
                 "note": f"timed on {loop_n:,} options and scaled to n; levxl {scaled / t_levxl:,.0f}x faster "
                         f"({scaled / t_single:,.0f}x on 1 thread)",
                 "ratio_loop_over_levxl": round(scaled / t_levxl, 1)})
    return [{"case": row.pop("name"), **row} for row in rows]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--loop-n", type=int, default=20_000)
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    for row in run(args.n, args.loop_n):
        extra = "  ".join(f"{k}={v}" for k, v in row.items() if k not in ("case", "n", "seconds"))
        print(f"{row['case']:<44} n={row['n']:>10,}  {row['seconds'] * 1e3:>10.1f} ms  {extra}")


if __name__ == "__main__":
    main()
