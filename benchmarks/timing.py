"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import time


def best_of(fn, repeat=5):
    """(best wall-clock seconds over ``repeat`` calls, the last result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result
