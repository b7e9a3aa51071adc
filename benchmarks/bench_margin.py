"""Portfolio-margin scenario engine benchmark: 10,000 option positions x the Deribit grid (27 regular scenarios +
8 extended = 35) revalued in one numpy pass, against a per-scenario Python loop.

    python benchmarks/bench_margin.py                 # n = 10,000 positions; the scalar loop timed on 500, scaled
    python benchmarks/bench_margin.py --n 50000 --loop-n 200

Contenders (each gives the book's P&L in every scenario, checked equal to 1e-9):

* levxl: :func:`levxl.engine.margin.portfolio_margin.scenario_pnl`, positions x scenarios in one broadcast;
* per-scenario numpy loop: the same engine pricing called once per scenario on the positions' vector;
* per-scenario, per-position Python loop: :func:`levxl.engine.margin.reference.scenario_losses_loop` (scalar
  Black-76), timed on ``loop_n`` positions and scaled to ``n`` (the script says so).

Timings are the best of a few repeats; they are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of  # noqa: E402

from levxl.engine.margin.params import DERIBIT_PM  # noqa: E402
from levxl.engine.margin.portfolio_margin import Scenarios, scenario_pnl, scenarios_of  # noqa: E402
from levxl.engine.margin.reference import scenario_losses_loop  # noqa: E402

UNDERLYING = 61_850.0


def random_book(n, seed=17):
    rng = np.random.default_rng(seed)
    return dict(instrument=rng.choice([-1.0, 1.0], n), qty=rng.normal(0, 5, n),
                strike=UNDERLYING * np.exp(rng.uniform(np.log(0.5), np.log(2.0), n)),
                days=rng.uniform(1, 365, n), vol=rng.uniform(0.3, 1.2, n))


def one_pass(book, grid):
    return scenario_pnl(book["instrument"], book["qty"], book["strike"], book["days"], book["vol"], UNDERLYING, grid,
                        DERIBIT_PM).sum(axis=0)


def per_scenario_numpy(book, grid):
    out = np.empty(grid.moves.size)
    for s in range(grid.moves.size):
        one = Scenarios(grid.moves[s:s + 1], grid.shocks[s:s + 1], grid.weights[s:s + 1], grid.extended[s:s + 1])
        out[s] = one_pass(book, one)[0]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--loop-n", type=int, default=500)
    args = parser.parse_args(argv)
    grid = scenarios_of(DERIBIT_PM)
    book = random_book(args.n)
    fast_s, fast = best_of(lambda: one_pass(book, grid), repeat=7)
    numpy_s, by_scenario = best_of(lambda: per_scenario_numpy(book, grid), repeat=5)
    np.testing.assert_allclose(by_scenario, fast, rtol=1e-9, atol=1e-6)
    small = {k: v[:args.loop_n] for k, v in book.items()}
    rows = [dict(instrument=i, qty=q, strike=k, days=d, vol=v) for i, q, k, d, v in zip(*small.values())]
    loop_s, slow = best_of(lambda: scenario_losses_loop(rows, UNDERLYING, grid.moves, grid.shocks, DERIBIT_PM),
                           repeat=2)
    np.testing.assert_allclose(slow, one_pass(small, grid), rtol=1e-9, atol=1e-6)
    loop_scaled = loop_s * args.n / args.loop_n
    cells = args.n * grid.moves.size
    print(f"Deribit PM grid: {grid.moves.size} scenarios; {args.n:,} option positions = {cells:,} repricings")
    print(f"levxl one numpy pass (positions x scenarios): {fast_s * 1e3:9.1f} ms")
    print(f"per-scenario numpy loop ({grid.moves.size} passes):        {numpy_s * 1e3:9.1f} ms  "
          f"ratio {numpy_s / fast_s:6.1f}x")
    print(f"per-scenario Python loop (scalar Black-76; timed on {args.loop_n:,} positions, scaled): "
          f"{loop_scaled * 1e3:9.1f} ms  ratio {loop_scaled / fast_s:6.0f}x")


if __name__ == "__main__":
    main()
