"""Reverse-stress benchmark: the frontier of smallest adverse moves of an account of 1,000 options over 20 vol shifts
(40 root problems: a move down and a move up per shift), liquidation and a 30% loss, against the search it replaced
and a plain Python loop, in one run.

    python benchmarks/bench_reverse_stress.py                 # n = 1,000 options, 20 vol shifts
    python benchmarks/bench_reverse_stress.py --n 200 --shifts 5

Contenders (each gives the same frontier: checked equal to 1e-12, the plain loop to brentq's 1e-9):

* levxl: :func:`levxl.engine.margin.account_reverse_stress`, whose search
  (:func:`~levxl.engine.margin.account_with_options.solve_first_crossing`) scans each grid outward only as far as
  each shift's first crossing and closes the bracket by Illinois regula falsi;
* the reference search: the same function with
  :func:`levxl.engine.margin.reference.first_crossing_bisection` (every shift at all 801 grid prices of each side,
  then bisection: the code before this search), so the ratio is the search alone;
* plain Python loop: per shift and side, the grid walked outward one price at a time with the scalar
  :func:`levxl.engine.margin.reference.account_surplus` (position by position, scalar Black-76) to the first
  crossing, then ``scipy.optimize.brentq``; liquidation only (the scalar reference has no loss fraction), timed on
  ``loop_shifts`` shifts and scaled to ``shifts`` (the script says so).

Also printed: the problem-prices each search asks for (the scan's and the roots'), the peak memory numpy allocates
(tracemalloc), and the spreadsheet function ``LEVXL_REVERSE_STRESS`` on the same account as cells. Timings are the best of a few repeats; they are
measurements, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of  # noqa: E402

from levxl.engine.margin import account_reverse_stress  # noqa: E402
from levxl.engine.margin import reverse_stress as reverse_stress_module  # noqa: E402
from levxl.engine.margin.account_with_options import (make_account, price_grids, solve_first_crossing,  # noqa: E402
                                                      surplus_at)
from levxl.engine.margin.reference import (account_liquidation_brentq, account_surplus,  # noqa: E402
                                           first_crossing_bisection)

UNDERLYING = 61_850.0
HEADROOM = 30.0
"""The wallet: this many coins above the maintenance margin at the mark (liquidation some 25-50% away)."""


def random_account(n, seed=17):
    """n Deribit-style coin-settled options (calls and puts, 60% short, strikes 0.6-1.6x the mark, 1-180 days)."""
    rng = np.random.default_rng(seed)
    account = dict(instruments=list(rng.choice(["call", "put"], n)),
                   sides=list(rng.choice(["long", "short"], n, p=[0.4, 0.6])), sizes=rng.uniform(0.1, 2, n),
                   entries=np.zeros(n), strikes=UNDERLYING * np.exp(rng.uniform(np.log(0.6), np.log(1.6), n)),
                   days=rng.uniform(1, 180, n), vols=rng.uniform(0.3, 1.2, n), underlying=UNDERLYING, wallet=0.0,
                   contract="inverse")
    account["wallet"] = float(-surplus_at(make_account(**account), UNDERLYING)) + HEADROOM
    return account


def with_reference_search(**kwargs):
    with mock.patch.object(reverse_stress_module, "solve_first_crossing", first_crossing_bisection):
        return account_reverse_stress(**kwargs)


def peak_mb(fn):
    """Peak memory numpy allocates while fn runs (numpy reports its buffers to tracemalloc), in MB."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def problem_prices(search, account, shifts, loss_fraction):
    """(scan, roots): the problem-prices ``search`` asks the surplus for on this frontier."""
    counts = {"scan": 0, "roots": 0}

    def fn(prices, which):
        counts["roots" if prices.shape[1] == 1 else "scan"] += prices.size
        return surplus_at(account, prices, shifts[which, None], 0.0, loss_fraction)

    search(fn, account.underlying, *price_grids(account.underlying), shape=shifts.shape)
    return counts["scan"], counts["roots"]


def plain_loop(account, shifts):
    """Per shift and side: walk the grid outward with the scalar surplus to the first crossing, then brentq."""
    down_grid, up_grid = (g.tolist() for g in price_grids(account.underlying))
    out = []
    for shift in shifts.tolist():
        row = []
        for grid in (down_grid, up_grid):
            inner, price = None, None
            for candidate in grid:
                if account_surplus(account, candidate, shift) <= 0:
                    price = candidate if inner is None else None
                    break
                inner = candidate
            else:
                row.append(np.nan)
                continue
            if price is None:  # a bracket [inner, candidate]: the shifted account's root in it
                shifted = _shifted(account, shift)
                price = account_liquidation_brentq(shifted, min(inner, candidate), max(inner, candidate))
            row.append(price)
        out.append(row)
    return np.array(out)


def _shifted(account, shift):
    """The account with every option's vol raised by ``shift`` (what account_surplus's vol_shift does, for brentq's
    one-argument surplus)."""
    from dataclasses import replace

    return replace(account, vol=np.where(account.is_option, account.vol + shift, account.vol))


def run(n=1_000, shifts=20, loop_shifts=1):
    kwargs = random_account(n)
    account = make_account(**kwargs)
    vol_shifts = np.linspace(-0.2, 0.3, shifts)
    rows = []
    for loss_fraction, label in ((None, "liquidation"), (0.3, "30% loss")):
        call = dict(**kwargs, vol_shifts=vol_shifts, loss_fraction=loss_fraction)
        fast_s, fast = best_of(lambda: account_reverse_stress(**call), repeat=5)
        ref_s, ref = best_of(lambda: with_reference_search(**call), repeat=2)
        for got, want in ((fast.price_down, ref.price_down), (fast.price_up, ref.price_up)):
            np.testing.assert_allclose(got, want, rtol=1e-12)
            assert np.array_equal(np.isnan(got), np.isnan(want))
        scan, roots = problem_prices(solve_first_crossing, account, vol_shifts, loss_fraction)
        ref_scan, ref_roots = problem_prices(first_crossing_bisection, account, vol_shifts, loss_fraction)
        problems = 2 * shifts
        fast_mb = peak_mb(lambda: account_reverse_stress(**call))
        ref_mb = peak_mb(lambda: with_reference_search(**call))
        rows += [
            {"case": f"reverse stress, {label}: levxl", "n": n, "seconds": fast_s,
             "note": f"{shifts} vol shifts = {problems} roots; {fast_s / problems * 1e3:.1f} ms a root; "
                     f"asks for {scan:,} scan + {roots:,} root problem-prices; peak {fast_mb:,.0f} MB"},
            {"case": "  reference search (whole grid + bisection)", "n": n, "seconds": ref_s,
             "note": f"{ref_scan:,} scan + {ref_roots:,} root problem-prices; peak {ref_mb:,.0f} MB; "
                     f"levxl {ref_s / fast_s:.1f}x faster"},
        ]
        if loss_fraction is None:
            small = vol_shifts[:loop_shifts]
            loop_s, looped = best_of(lambda: plain_loop(account, small), repeat=1)
            np.testing.assert_allclose(looped[:, 0], np.where(fast.price_down[:loop_shifts] > 0,
                                                              fast.price_down[:loop_shifts], np.nan), rtol=1e-8)
            np.testing.assert_allclose(looped[:, 1], np.where(np.isfinite(fast.price_up[:loop_shifts]),
                                                              fast.price_up[:loop_shifts], np.nan), rtol=1e-8)
            loop_scaled = loop_s * shifts / loop_shifts
            rows.append({"case": "  plain Python loop (scalar surplus, brentq)", "n": n, "seconds": loop_scaled,
                         "note": f"timed on {loop_shifts} shift(s), scaled; levxl {loop_scaled / fast_s:,.0f}x "
                                 "faster"})
    from levxl.catalogue import CATALOGUE

    col = lambda values: [[v] for v in values]  # noqa: E731
    cells = (col(kwargs["instruments"]), col(kwargs["sides"]), col(kwargs["sizes"].tolist()),
             col(kwargs["entries"].tolist()), UNDERLYING, kwargs["wallet"], col(kwargs["strikes"].tolist()),
             col(kwargs["days"].tolist()), col(kwargs["vols"].tolist()), None, None, None, None, None,
             col(vol_shifts.tolist()))
    sheet_s, sheet = best_of(lambda: CATALOGUE["LEVXL_REVERSE_STRESS"](*cells), repeat=5)
    assert len(sheet) == shifts and all(isinstance(v, float) for row in sheet for v in row)
    rows.append({"case": "LEVXL_REVERSE_STRESS cells, liquidation", "n": n, "seconds": sheet_s,
                 "note": "lists of lists in and out, as xlwings passes them"})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000)
    parser.add_argument("--shifts", type=int, default=20)
    parser.add_argument("--loop-shifts", type=int, default=1)
    args = parser.parse_args(argv)
    for row in run(args.n, args.shifts, args.loop_shifts):
        print(f"{row['case']:<46} {row['seconds'] * 1e3:10.1f} ms  {row.get('note', '')}")


if __name__ == "__main__":
    main()
