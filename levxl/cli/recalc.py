"""``levxl recalc``: the click command over :func:`levxl.recalc.recalc_paths`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from levxl.files.atomic import OutputError, refuse_output_over_inputs
from levxl.files.cells import terminal_text
from levxl.recalc import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, expand_paths, recalc_paths

__all__ = ["recalc"]


def _table(rows: list[dict]) -> str:
    if not rows:
        return ""
    headers = list(rows[0])
    cells = [[terminal_text(str(r[h]).splitlines()[0]) if str(r[h]).strip() else "" for h in headers] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    widths[-1] = len(headers[-1])  # the message column is not padded
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


@click.command("recalc", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the recalculated copies (created if missing).")
@click.option("--in-place", is_flag=True, help="Overwrite each input file (atomically).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per core).")
@click.option("--timeout", type=click.FloatRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds allowed per file.")
@click.option("--memory-mb", type=click.IntRange(min=64), default=DEFAULT_MEMORY_MB, show_default=True,
              help="Address-space cap per worker (RLIMIT_AS).")
@click.option("--engine", type=click.Choice(["auto", "fast", "libreoffice"]), default="auto", show_default=True,
              help="auto: the fast path for books whose every construct it is proven on, LibreOffice 25.2 with the "
                   "levxl add-in for the rest.")
@click.option("--build-addin", "build_addin", type=click.Path(path_type=Path), default=None, is_eager=True,
              expose_value=True, help="Build levxl.oxt (the LibreOffice Calc add-in) at this path and exit.")
@click.option("--register-addin", "register_addin", is_flag=True,
              help="Build the add-in from the catalogue and register it for headless use ($LEVXL_ADDIN_HOME or "
                   "~/.cache/levxl), then exit. Done on first need otherwise.")
@click.option("--on-divergence", type=click.Choice(["fail", "warn"]), default="fail", show_default=True,
              help="A cell where LibreOffice's value may not be Excel's (0^0, a TRUE/FALSE as text or compared with "
                   "a number, ...): fail the book (nothing written), or warn: write LibreOffice's values, list the "
                   "cells, exit status 2.")
@click.option("--quiet", "-q", is_flag=True, help="No per-file lines, only the final table.")
def recalc(paths, out_dir, in_place, jobs, timeout, memory_mb, engine, build_addin, register_addin, quiet,
           on_divergence):
    """Evaluate every formula in FILE_OR_DIR... (LEVXL_ functions in every spelling and the native Excel functions
    they mix with) and write the results as cached values into the original package; everything else is kept byte
    for byte. Exit status 1 if any file failed (also when a book holds a construct neither engine handles, or a cell
    where LibreOffice's value may not be Excel's: a line per cell names it and the reason); 2 if none failed but
    some were written with such cells (--on-divergence warn); 0 otherwise."""
    if build_addin is not None or register_addin:
        from levxl.recalc import AddinError, build_addin as build, register_addin as register

        try:
            click.echo(build(build_addin) if build_addin is not None else register())
        except (AddinError, OSError) as exc:  # a folder that cannot be written (OutputError), a missing tool
            raise click.ClickException(terminal_text(f"{type(exc).__name__}: {exc}" if not isinstance(exc, OutputError)
                                                     else exc)) from None
        return
    if not paths:
        raise click.UsageError("give FILE_OR_DIR... (or --build-addin PATH)")
    if bool(out_dir) == bool(in_place):
        raise click.UsageError("give exactly one of --out DIR or --in-place")
    files = expand_paths(paths)
    if not files:
        raise click.UsageError("no .xlsx/.xlsm files found")
    if out_dir is not None:
        try:
            for f in files:
                refuse_output_over_inputs(files, out_dir / f.name)
        except OutputError:
            raise click.UsageError("--out would overwrite an input; use --in-place for that") from None
    import threading

    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())  # not tqdm's cross-process lock: a killed worker could hold that one for good
    bar = tqdm(total=len(files), unit="file", disable=len(files) < 2 or quiet, file=sys.stderr)

    def done(summary):
        bar.update(1)
        if not quiet:
            status = "FAILED" if not summary.ok else "WARNING" if summary.warned else "ok"
            errors = ", ".join(f"{k} {v}" for k, v in sorted(summary.errors.items())) or "no errors"
            line = (f"{terminal_text(Path(summary.path).name)}: {status}, {summary.formula_cells} formula cells, "
                    f"{errors}, "
                    f"{summary.seconds:.2f} s, engine {summary.engine}")
            if summary.message:
                line += f" - {terminal_text(summary.message.splitlines()[0])}"
            bar.write(line, file=sys.stderr if not summary.ok else sys.stdout)
            name = terminal_text(Path(summary.path).name)
            for cell in summary.cells:  # one line per cell, greppable: "book.xlsx: S!A1: reason"
                bar.write(f"  {name}: {terminal_text(cell)}", file=sys.stderr if not summary.ok else sys.stdout)

    try:
        summaries = recalc_paths(files, out_dir, in_place=in_place, jobs=jobs or os.cpu_count(), timeout=timeout,
                                 memory_mb=memory_mb, engine=engine, on_done=done, on_divergence=on_divergence)
    except OutputError as exc:
        raise click.ClickException(terminal_text(exc)) from None
    except ValueError as exc:
        raise click.UsageError(terminal_text(exc)) from None
    finally:
        bar.close()
    click.echo(_table([s.row() for s in summaries]))
    failed = [s for s in summaries if not s.ok]
    warned = [s for s in summaries if s.ok and s.warned]
    total = sum(s.formula_cells for s in summaries)
    click.echo(f"{len(summaries)} files, {len(failed)} failed, "
               + (f"{len(warned)} written with cells Excel may show differently, " if warned else "")
               + f"{total} formula cells, {sum(s.seconds for s in summaries):.2f} s in workers")
    if failed:
        sys.exit(1)
    if warned:
        sys.exit(2)
