"""Batches: one worker process per file (at most ``jobs`` at a time), each with a timeout and a memory cap.

A worker is a forked process that sets ``RLIMIT_AS`` (the memory cap) and runs :func:`recalc_workbook`; the parent
waits for its answer on a pipe, kills it after the timeout, and turns a crash, a MemoryError or a timeout into a failed
:class:`Summary`. One bad file never stops the batch.

With ``engine="auto"`` a worker only tries the fast path; a book the fast path does not claim comes back to the
parent (with ``engine="libreoffice"`` every book goes there), which evaluates those books one after another with
its one LibreOffice (one ``soffice`` for the batch, started on first need; LibreOffice computes in its own processes, so the memory cap does not apply to it; the
timeout does, per book).
"""

from __future__ import annotations

import multiprocessing as mp
import multiprocessing.connection
import os
import time
import traceback
from pathlib import Path
from typing import Callable, Iterable

from levxl.files.atomic import remove_temp_files
from levxl.recalc.core import RecalcError, Summary, recalc_workbook

__all__ = ["recalc_paths", "expand_paths", "DEFAULT_TIMEOUT", "DEFAULT_MEMORY_MB"]

DEFAULT_TIMEOUT = 300.0
DEFAULT_MEMORY_MB = 2048
SUFFIXES = (".xlsx", ".xlsm")
_DEFER = "defer: libreoffice"  # a worker's answer for a book the fast path does not claim


def expand_paths(items: Iterable) -> list[Path]:
    """Files as given; directories -> their .xlsx/.xlsm files (sorted, not recursive, no ~$ lock files)."""
    out = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out += sorted(x for x in p.iterdir() if x.suffix.lower() in SUFFIXES and not x.name.startswith("~$")
                          and x.is_file())
        else:
            out.append(p)
    return out


def _worker(conn, path: str, out, in_place: bool, memory_mb: int | None, inputs, engine) -> None:
    try:
        _private_progress_lock()
        if memory_mb and os.name != "nt":  # no RLIMIT_AS on Windows: the timeout still applies
            import resource

            cap = int(memory_mb) * 1024 * 1024
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard != resource.RLIM_INFINITY:
                cap = min(cap, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        try:
            summary = recalc_workbook(path, out, inputs, in_place=in_place,
                                      engine="fast" if engine == "auto" else engine)
        except RecalcError as exc:
            if engine != "auto":
                raise
            summary = Summary(path, ok=False, engine=_DEFER, message=str(exc))
        summary.values = {}
        conn.send(summary)
    except MemoryError:
        conn.send(Summary(path, ok=False, message=f"out of memory (cap {memory_mb} MB)"))
    except ValueError as exc:  # UnsafeWorkbook, RecalcError: their message is for the user
        conn.send(Summary(path, ok=False, message=str(exc), cells=list(getattr(exc, "cells", []))))
    except BaseException as exc:  # noqa: BLE001 - anything else is reported, not raised
        tb = traceback.format_exc(limit=3)
        try:
            conn.send(Summary(path, ok=False, message=f"{type(exc).__name__}: {exc}\n{tb}"))
        except Exception:
            pass
    finally:
        conn.close()


_WARM = False


def _warm_up() -> None:
    """Import and initialise once in the parent (modules, tier presets, tokenizer): every forked worker inherits it
    instead of paying ~50 ms per file."""
    global _WARM
    if _WARM:
        return
    _WARM = True
    try:
        from openpyxl.formula import Tokenizer

        from levxl.catalogue import CATALOGUE
        from levxl.engine.tiers import preset, presets
        from levxl.recalc import fast  # noqa: F401  (the evaluator's tables are built on import)

        Tokenizer("=LEVXL_LIQ_PRICE(A1,B1,C1,D1)+1").items
        for name in presets(featured=True):
            preset(name)
        CATALOGUE["LEVXL_LIQ_PRICE"]("long", 60_000, 1, 10, "binance:BTCUSDT")
    except Exception:  # warming up is an optimisation only
        pass


def _private_progress_lock() -> None:
    """Give this process's tqdm a lock of its own (a threading lock, never shared with another process).

    tqdm's default lock holds a multiprocessing lock that forked workers inherit; a worker killed while holding it
    (the ``formulas`` engine draws tqdm bars) left the parent blocked for good in ``bar.write()``. Called in the
    parent before its progress bar exists and in every worker before it runs."""
    import threading

    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return
    tqdm.set_lock(threading.RLock())


def _remove_temp(path: Path, out_dir, in_place: bool, pid: int | None) -> None:
    """A killed worker may leave its temp file (see :func:`levxl.files.atomic.atomic_output`): remove that
    worker's own (named with its pid), never another job's."""
    if pid is not None:
        remove_temp_files(path if in_place else Path(out_dir) / path.name, pid)


def _target_for(path: Path, out_dir, in_place: bool):
    if in_place:
        return None
    return Path(out_dir) / path.name


def recalc_paths(paths: Iterable, out_dir=None, *, in_place: bool = False, jobs: int | None = None,
                 timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = DEFAULT_MEMORY_MB,
                 engine: str = "auto", on_done: Callable[[Summary], None] | None = None,
                 on_divergence: str = "fail") -> list[Summary]:
    """Recalculate many workbooks in worker processes; a Summary per file, in input order. ``on_divergence``:
    see :func:`levxl.recalc.recalc_workbook` (only LibreOffice-evaluated books have divergences)."""
    files = expand_paths(paths)
    if not in_place and out_dir is None:
        raise ValueError("give out_dir or in_place=True")
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        names = [f.name for f in files]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"several inputs are named {sorted(dupes)[0]!r}; they would overwrite each other")
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    _warm_up()
    _private_progress_lock()
    # fork keeps the warmed-up parent; where there is none (Windows) workers are spawned
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    results: list[Summary | None] = [None] * len(files)
    pending = list(enumerate(files))
    running: dict = {}
    deferred: list = []
    while pending or running:
        while pending and len(running) < jobs:
            i, f = pending.pop(0)
            target = _target_for(f, out_dir, in_place)
            problem = ("no such file" if not f.is_file() else
                       f"cannot write {target}: a folder of that name is in the way; nothing was written"
                       if target is not None and target.is_dir() else None)  # recalc_workbook would write into it
            if problem:
                results[i] = Summary(str(f), ok=False, message=problem)
                if on_done:
                    on_done(results[i])
                continue
            if engine == "libreoffice":
                deferred.append((i, f, time.monotonic()))
                continue
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(child, str(f), _target_for(f, out_dir, in_place), in_place,
                                                      memory_mb, None, engine), daemon=True)
            proc.start()
            child.close()
            running[i] = (proc, parent, time.monotonic(), f)
        done = []
        if not running:
            continue
        conns = [entry[1] for entry in running.values()]
        multiprocessing.connection.wait(conns + [entry[0].sentinel for entry in running.values()], timeout=0.2)
        now = time.monotonic()
        for i, (proc, conn, started, f) in running.items():
            summary = None
            if conn.poll():
                try:
                    summary = conn.recv()
                except (EOFError, OSError):
                    summary = None
                proc.join(5)
                if summary is None:
                    summary = Summary(str(f), ok=False, message=f"worker died (exit code {proc.exitcode})")
            elif not proc.is_alive():
                proc.join()
                if conn.poll():
                    continue
                code = proc.exitcode
                summary = Summary(str(f), ok=False, message=f"worker died (exit code {code}"
                                  f"{', killed by signal ' + str(-code) if code and code < 0 else ''};"
                                  f" memory cap {memory_mb} MB)")
            elif now - started > timeout:
                proc.kill()
                proc.join()
                _remove_temp(f, out_dir, in_place, proc.pid)
                summary = Summary(str(f), ok=False, message=f"timed out after {timeout:g} s")
            if summary is not None and summary.engine == _DEFER:
                conn.close()
                deferred.append((i, f, started))
                done.append(i)
                continue
            if summary is not None:
                if not summary.ok:
                    _remove_temp(f, out_dir, in_place, proc.pid)
                if not summary.seconds:
                    summary.seconds = time.monotonic() - started
                conn.close()
                results[i] = summary
                done.append(i)
                if on_done:
                    on_done(summary)
        for i in done:
            running.pop(i)
    for i, f, started in deferred:
        results[i] = _in_parent(f, out_dir, in_place, timeout, started, on_divergence)
        if on_done:
            on_done(results[i])
    return [r for r in results if r is not None]


def _in_parent(f: Path, out_dir, in_place: bool, timeout: float, started: float,
               on_divergence: str = "fail") -> Summary:
    """A book the fast path did not claim, with this process's LibreOffice."""
    started = time.monotonic()
    try:
        summary = recalc_workbook(f, _target_for(f, out_dir, in_place), in_place=in_place, engine="libreoffice",
                                  timeout=timeout, on_divergence=on_divergence)
        summary.values = {}
    except ValueError as exc:
        summary = Summary(str(f), ok=False, engine="libreoffice", message=str(exc),
                          cells=list(getattr(exc, "cells", [])))
    except Exception as exc:  # noqa: BLE001 - reported, not raised: one bad file never stops the batch
        summary = Summary(str(f), ok=False, engine="libreoffice", message=f"{type(exc).__name__}: {exc}")
    if not summary.ok:
        _remove_temp(f, out_dir, in_place, os.getpid())
    summary.seconds = time.monotonic() - started
    return summary
