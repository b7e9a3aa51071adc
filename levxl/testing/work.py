"""Work counted, not timed: the Python lines a call runs in chosen folders of levxl (``sys.settrace`` line events,
loop iterations and comprehensions included). Deterministic for the same code and input, whatever the machine's
load, so a test can tell linear from quadratic growth by running n and 2n rows."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import levxl

__all__ = ["line_events"]

ROOT = Path(levxl.__file__).resolve().parent


def line_events(call: Callable[[], Any], folders: tuple[str, ...]) -> tuple[int, Any]:
    """(line events in ``levxl/<folder>`` for each of ``folders`` while ``call()`` runs, its result)."""
    count = 0
    watched = tuple(str(ROOT / folder) for folder in folders)

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(watched) else None

    sys.settrace(tracer)
    try:
        result = call()
    finally:
        sys.settrace(None)
    return count, result
