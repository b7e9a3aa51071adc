"""One small thread pool for the engine: numpy releases the GIL inside ufuncs and reductions, so large arrays are
split into chunks (or large arguments checked) on every core."""

from __future__ import annotations

import concurrent.futures
import os

_POOL: concurrent.futures.ThreadPoolExecutor | None = None


def pool() -> concurrent.futures.ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="levxl")
    return _POOL


def workers() -> int:
    return pool()._max_workers
