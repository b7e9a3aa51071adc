"""The project's one way of driving LibreOffice headless: convert, read what it shows, recalculate, render.

Every call starts its own ``soffice`` with a private, throw-away user profile (a temp dir handed over as
``-env:UserInstallation=file:///...``) and removes it afterwards, so the real user's profile is never read or
written and calls can run in parallel. The profile's ``registrymodifications.xcu`` sets the Calc load options
``/org.openoffice.Office.Calc/Formula/Load`` ``OOXMLRecalcMode`` and ``ODFRecalcMode`` (0 = always recalc,
1 = never, 2 = prompt) to the mode asked:

``recalc="never"`` (the default)
    show the cached values stored in the file exactly as a viewer would (cells *without* a cached value, e.g.
    formulas written by openpyxl, are still calculated on load: LibreOffice 7.4 always does that; so are array
    formulas and formula cells holding TRUE/FALSE, whose cached values LibreOffice 7.4 discards: a ``LEVXL_``
    array formula therefore shows ``#NAME?`` there, which is why the template writes spills as INDEX cells);
``recalc="always"``
    LibreOffice recomputes every formula itself on load (and :func:`read_values` also runs a hard
    ``calculateAll()`` to be sure).

How values are read (:func:`read_values`)
-----------------------------------------
Through UNO: a small script run by an interpreter that has LibreOffice's ``uno`` module (Debian's
``/usr/bin/python3`` with package ``python3-uno``; the project's own Python has none) connects over a private pipe
to the ``soffice`` this module started, loads each document with ``Hidden=True`` (LibreOffice 7.4 crashes without
it), ``ReadOnly=True`` and macros off, and for every sheet asks for the non-empty cell ranges
(``queryContentCells``), their values in bulk (``getDataArray``: ``float`` or ``str``) and the error cells
(``queryFormulaCells(ERROR)``), whose text it takes with ``getString()``. The JSON it writes back carries the
doubles exactly (``repr`` round-trips).

Why not "convert to .xlsx/.ods and read the file back", which needs no UNO? Measured on LibreOffice 7.4.7:

* both exports write numbers rounded to **15 significant digits** (``=1/3`` is stored as ``0.333333333333333``,
  ``=0.1+0.2`` as ``0.3``), so values read back from them are not LibreOffice's doubles;
* the .xlsx export maps LibreOffice's own error codes onto Excel's (``=SQRT(-1)`` shows ``Err:502`` but is written
  ``#VALUE!``; a bad reference ``Err:509`` likewise), so the text LibreOffice shows is lost;
* .xlsx limits sheet names to 31 characters; .ods stores dates as ISO text and booleans as plain ``1``.

UNO has none of these problems and is LibreOffice's own view of the cells. The file-conversion path is still the
right tool for producing files (:func:`convert`) and pictures (:func:`render_png`).

What :func:`read_values` returns: ``{sheet name: {"A1": value}}`` in sheet order, with numbers (including dates,
times, percentages and booleans, which LibreOffice keeps as numbers: ``TRUE`` is ``1.0``) as ``float``, text as
``str`` (a formula whose result is ``""`` gives ``""``), errors as the text LibreOffice shows (``"#DIV/0!"``,
``"#NAME?"``, ``"Err:502"``), and empty cells omitted. A merged range's value is on its top-left cell.

Timings measured here (2 vCPU, LibreOffice 7.4.7, fresh profile every call, small workbooks): one cold
``soffice --convert-to`` about 1.1 s; 20 files in one call 1.9 s (pdf) to 2.4 s (xlsx); :func:`read_values` about
1.2 s for one file, :func:`read_values_many` 2.4 s for 20, so batch files whenever you can.

Measured oddities of LibreOffice 7.4: an .ods file's *numeric* formula results are recomputed on load whatever
``ODFRecalcMode`` says (cached text results are kept), so ``recalc="never"`` only really means "cached" for
.xlsx/.xlsm; when it re-saves a file LibreOffice lower-cases function names it does not know (``foobar(1)``).

If LibreOffice is missing every function raises :class:`LibreOfficeMissing` (a ``RuntimeError``) that says which
Debian package to install (``libreoffice-calc-nogui``; ``python3-uno`` for reading values; ``poppler-utils`` for
:func:`render_png`).
"""

from __future__ import annotations

import glob
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Union

from levxl.files.processes import kill_group

__all__ = [
    "LibreOfficeMissing", "RECALC_MODES", "available", "convert", "read_values", "read_values_many",
    "recalculated_values", "render_png", "soffice_path", "uno_python",
]

PathLike = Union[str, os.PathLike]

#: The profile value of ``OOXMLRecalcMode``/``ODFRecalcMode`` for each ``recalc`` mode ("prompt", 2, is not
#: offered: nobody can answer a prompt headless).
RECALC_MODES = {"always": 0, "never": 1}

_CANDIDATES = ("/usr/bin/soffice", "/usr/bin/libreoffice", "/usr/lib/libreoffice/program/soffice",
               "/opt/libreoffice/program/soffice", "/Applications/LibreOffice.app/Contents/MacOS/soffice")
_INSTALL_HINT = "install Debian package libreoffice-calc-nogui (apt-get install libreoffice-calc-nogui)"
_SHUTDOWN_GRACE = 20.0  # seconds soffice gets to exit after desktop.terminate()


class LibreOfficeMissing(RuntimeError):
    """LibreOffice (or a tool this module needs beside it) is not installed."""


# ----------------------------------------------------------------------------------------------------- finding it
def soffice_path() -> str | None:
    """The ``soffice`` (or ``libreoffice``) executable: ``$LEVXL_SOFFICE``, then PATH, then the usual places."""
    env = os.environ.get("LEVXL_SOFFICE")
    if env and os.access(env, os.X_OK):
        return env
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for cand in _CANDIDATES:
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def available() -> bool:
    """True when LibreOffice can be run here."""
    return soffice_path() is not None


def _require_soffice() -> str:
    path = soffice_path()
    if path is None:
        raise LibreOfficeMissing(f"LibreOffice (soffice) not found on PATH or in /usr/bin, /usr/lib/libreoffice: "
                                 f"{_INSTALL_HINT}")
    return path


@lru_cache(maxsize=None)
def _has_uno(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "import uno"], env=_helper_env(python), capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def uno_python() -> str | None:
    """An interpreter that can ``import uno``: ``$LEVXL_UNO_PYTHON``, this one, or Debian's ``/usr/bin/python3``."""
    cands = [os.environ.get("LEVXL_UNO_PYTHON"), sys.executable, "/usr/bin/python3", shutil.which("python3")]
    for cand in cands:
        if cand and os.path.isfile(cand) and _has_uno(cand):
            return cand
    return None


def _helper_env(python: str) -> dict[str, str]:
    env = dict(os.environ)
    if os.path.realpath(python) != os.path.realpath(sys.executable):
        # another interpreter: don't hand it this one's module paths
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONHOME", None)
    return env


# ------------------------------------------------------------------------------------------------------- profile
_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse">\
<value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse">\
<value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" \
oor:op="fuse"><value>3</value></prop></item>
</oor:items>
"""


def _mode(recalc: str) -> int:
    try:
        return RECALC_MODES[recalc]
    except KeyError:
        raise ValueError(f"recalc must be one of {sorted(RECALC_MODES)}, not {recalc!r}") from None


@contextmanager
def _workdir(recalc: str) -> Iterator[Path]:
    """A temp dir holding a fresh profile (``profile/user/registrymodifications.xcu``); removed on exit."""
    mode = _mode(recalc)
    tmp = Path(tempfile.mkdtemp(prefix="levxl-lo-"))
    try:
        user = tmp / "profile" / "user"
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(_XCU.format(mode=mode), encoding="utf-8")
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _base_cmd(soffice: str, work: Path) -> list[str]:
    return [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--invisible",
            "--norestore", "--nologo", "--nodefault", "--nolockcheck"]


# --------------------------------------------------------------------------------------------------- processes
def _tail(path: Path, limit: int = 4000) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    lines = [ln for ln in text.splitlines() if "failed to launch javaldx" not in ln]
    return "\n".join(lines)[-limit:].strip()


def _run(cmd: list[str], work: Path, timeout: float, what: str) -> tuple[int, str, str]:
    """Run ``cmd`` in its own session; on timeout kill that session and raise ``TimeoutError``."""
    out, err = work / f"{what}.out", work / f"{what}.err"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            raise TimeoutError(f"LibreOffice {what} took longer than {timeout:g} s and was killed; "
                               f"stderr: {_tail(err) or '(empty)'}") from None
    return proc.returncode, _tail(out), _tail(err)


def _inputs(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out = [Path(p).resolve() for p in paths]
    for p in out:
        if not p.is_file():
            raise FileNotFoundError(f"no such file: {p}")
    return out


# ------------------------------------------------------------------------------------------------------ convert
def convert(paths: PathLike | Iterable[PathLike], to: str, outdir: PathLike, recalc: str = "never",
            timeout: float = 180) -> list[Path]:
    """Convert one or many files with a single ``soffice --headless --convert-to`` call.

    ``to`` is what ``--convert-to`` takes: ``"pdf"``, ``"xlsx"``, ``"ods"``, ``"csv"`` (first sheet only) or with a
    filter, e.g. ``'csv:Text - txt - csv (StarCalc):44,34,UTF8'``. The outputs (``<stem>.<ext>``, one per input, in
    input order) are written to a private dir first and then moved into ``outdir`` (created if needed, existing
    files of the same name replaced), so a stale file is never mistaken for a fresh one. Raises ``RuntimeError``
    with soffice's output when an expected output is missing, ``TimeoutError`` after ``timeout`` seconds,
    :class:`LibreOfficeMissing` without LibreOffice, ``ValueError`` when two inputs share a stem.
    """
    soffice = _require_soffice()
    srcs = _inputs(paths)
    if not srcs:
        return []
    ext = to.split(":", 1)[0].strip().lower()
    if not ext or "/" in ext:
        raise ValueError(f"bad target format {to!r}")
    names = [f"{p.stem}.{ext}" for p in srcs]
    if len(set(names)) != len(names):
        raise ValueError(f"two inputs would both be converted to the same name in {outdir}: {names}")
    dest = Path(outdir)
    dest.mkdir(parents=True, exist_ok=True)
    with _workdir(recalc) as work:
        tmp_out = work / "out"
        tmp_out.mkdir()
        cmd = _base_cmd(soffice, work) + ["--convert-to", to, "--outdir", str(tmp_out)] + [str(p) for p in srcs]
        rc, out, err = _run(cmd, work, timeout, "convert")
        missing = [str(p) for p, n in zip(srcs, names) if not (tmp_out / n).is_file()]
        if missing:
            raise RuntimeError(f"LibreOffice did not convert {', '.join(missing)} to {to!r} (exit code {rc}); "
                               f"stderr: {err or '(empty)'}; stdout: {out or '(empty)'}")
        results = []
        for n in names:
            target = dest / n
            shutil.move(str(tmp_out / n), str(target))
            results.append(target.resolve())
    return results


# ------------------------------------------------------------------------------------------------- read values
# Run by the UNO interpreter (Debian's python3): argv = pipe name, request JSON file, result JSON file.
_UNO_SCRIPT = r'''
import json, sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.sheet.CellFlags import VALUE, DATETIME, STRING, FORMULA
from com.sun.star.sheet.FormulaResult import ERROR

pipe, req_file, res_file = sys.argv[1:4]
with open(req_file, encoding="utf-8") as f:
    req = json.load(f)

def pv(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

def col_name(c):
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s

local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
deadline = time.time() + req["connect_timeout"]
while True:
    try:
        ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        break
    except NoConnectException:
        if time.time() > deadline:
            raise
        time.sleep(0.05)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

def read_doc(doc):
    sheets = {}
    for sheet in doc.Sheets:
        cells = {}
        errors = {}
        for a in sheet.queryFormulaCells(ERROR).getRangeAddresses():
            for r in range(a.StartRow, a.EndRow + 1):
                for c in range(a.StartColumn, a.EndColumn + 1):
                    errors[(r, c)] = sheet.getCellByPosition(c, r).getString()
        ranges = sorted(sheet.queryContentCells(VALUE | DATETIME | STRING | FORMULA).getRangeAddresses(),
                        key=lambda a: (a.StartRow, a.StartColumn))
        found = []
        for a in ranges:
            data = sheet.getCellRangeByPosition(a.StartColumn, a.StartRow, a.EndColumn, a.EndRow).getDataArray()
            for i, row in enumerate(data):
                for j, v in enumerate(row):
                    r, c = a.StartRow + i, a.StartColumn + j
                    if (r, c) in errors:
                        v = errors[(r, c)]
                    elif v is None:
                        v = sheet.getCellByPosition(c, r).getString()
                    found.append((r, c, v))
        found.sort()
        for r, c, v in found:
            cells[col_name(c) + str(r + 1)] = v
        sheets[sheet.Name] = cells
    return sheets

results = []
try:
    for path in req["paths"]:
        try:
            props = (pv("Hidden", True), pv("ReadOnly", True), pv("MacroExecutionMode", 0),
                     pv("UpdateDocMode", 0))
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, props)
            if doc is None or not hasattr(doc, "Sheets"):
                if doc is not None:
                    doc.close(True)
                results.append({"error": "LibreOffice could not open it as a spreadsheet"})
                continue
            try:
                if req["calculate_all"]:
                    doc.calculateAll()
                results.append({"sheets": read_doc(doc)})
            finally:
                doc.close(True)
        except Exception as e:
            results.append({"error": "%s: %s" % (type(e).__name__, getattr(e, "Message", "") or e)})
    with open(res_file, "w", encoding="utf-8") as f:
        json.dump(results, f)
finally:
    try:
        desktop.terminate()
    except Exception:
        pass  # the bridge goes down as soffice exits
'''


def read_values_many(paths: PathLike | Iterable[PathLike], recalc: str = "never",
                     timeout: float = 180) -> list[dict[str, dict[str, object]]]:
    """:func:`read_values` for many files with one ``soffice`` (saves ~1 s of start-up per file)."""
    soffice = _require_soffice()
    srcs = _inputs(paths)
    if not srcs:
        return []
    python = uno_python()
    if python is None:
        raise LibreOfficeMissing("no Python with LibreOffice's uno module found (tried $LEVXL_UNO_PYTHON, "
                                 f"{sys.executable}, /usr/bin/python3): install Debian package python3-uno")
    deadline = time.monotonic() + timeout
    with _workdir(recalc) as work:
        pipe = f"levxl-{uuid.uuid4().hex}"
        script, req_file, res_file = work / "read.py", work / "request.json", work / "result.json"
        script.write_text(_UNO_SCRIPT, encoding="utf-8")
        req_file.write_text(json.dumps({"paths": [str(p) for p in srcs], "calculate_all": recalc == "always",
                                        "connect_timeout": max(5.0, timeout)}), encoding="utf-8")
        cmd = _base_cmd(soffice, work) + [f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]
        with open(work / "soffice.out", "wb") as so, open(work / "soffice.err", "wb") as se, \
                open(work / "helper.out", "wb") as ho, open(work / "helper.err", "wb") as he:
            office = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=so, stderr=se, start_new_session=True)
            helper = None
            try:
                helper = subprocess.Popen([python, str(script), pipe, str(req_file), str(res_file)],
                                          stdin=subprocess.DEVNULL, stdout=ho, stderr=he, env=_helper_env(python),
                                          start_new_session=True)
                while helper.poll() is None:
                    if office.poll() is not None:
                        # soffice ended (crashed, or refused to start) before the helper got its answers
                        try:
                            helper.wait(timeout=2)
                        except subprocess.TimeoutExpired:
                            kill_group(helper)
                        if not res_file.is_file():
                            raise RuntimeError(f"LibreOffice exited (code {office.returncode}) before the values "
                                               f"were read; soffice stderr: {_tail(work / 'soffice.err') or '-'}; "
                                               f"helper stderr: {_tail(work / 'helper.err') or '-'}")
                        break
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"reading values with LibreOffice took longer than {timeout:g} s; "
                                           f"soffice stderr: {_tail(work / 'soffice.err') or '-'}; "
                                           f"helper stderr: {_tail(work / 'helper.err') or '-'}")
                    time.sleep(0.02)
                if not res_file.is_file():
                    raise RuntimeError(f"reading values with LibreOffice failed (helper exit code "
                                       f"{helper.returncode}); helper stderr: {_tail(work / 'helper.err') or '-'}; "
                                       f"soffice stderr: {_tail(work / 'soffice.err') or '-'}")
                try:
                    office.wait(timeout=max(1.0, min(_SHUTDOWN_GRACE, deadline - time.monotonic())))
                except subprocess.TimeoutExpired:
                    pass  # killed below
            finally:
                if helper is not None:
                    kill_group(helper)
                kill_group(office)
        results = json.loads(res_file.read_text(encoding="utf-8"))
    out = []
    for src, res in zip(srcs, results):
        if "error" in res:
            raise RuntimeError(f"LibreOffice could not read {src}: {res['error']}")
        out.append({name: {ref: (float(v) if isinstance(v, (int, float)) else v) for ref, v in cells.items()}
                    for name, cells in res["sheets"].items()})
    return out


def read_values(path: PathLike, recalc: str = "never", timeout: float = 180) -> dict[str, dict[str, object]]:
    """The values LibreOffice shows in every non-empty cell: ``{sheet name: {"A1": value}}``.

    Numbers (dates, booleans too) as ``float``, text as ``str``, errors as their text (``"#DIV/0!"``,
    ``"Err:502"``); sheets in order. ``recalc="never"`` keeps the file's cached results, ``"always"`` has
    LibreOffice compute every formula itself. See the module docstring for how and why.
    """
    return read_values_many([path], recalc=recalc, timeout=timeout)[0]


def recalculated_values(path: PathLike, timeout: float = 180) -> dict[str, dict[str, object]]:
    """LibreOffice's own calculation of every formula: ``read_values(path, recalc="always")``."""
    return read_values(path, recalc="always", timeout=timeout)


def numbers_recalculated_as_cached(cached: dict, again: dict, sheets: Iterable[str], rel: float = 1e-9,
                                   absolute: float = 1e-7) -> int:
    """How many numeric cells of ``sheets`` LibreOffice's recalculation ``again`` gives as the ``cached`` values
    (both :func:`read_values` dicts); an AssertionError names the first cell that differs."""
    checked = 0
    for sheet in sheets:
        for ref, want in cached[sheet].items():
            got = again[sheet].get(ref)
            if isinstance(want, float) and isinstance(got, float):
                assert math.isclose(got, want, rel_tol=rel, abs_tol=absolute), (sheet, ref, got, want)
                checked += 1
    return checked


def recalculated_after_edit(path: PathLike, edits: dict[tuple[str, str], object], out: PathLike,
                            timeout: float = 180) -> dict[str, dict[str, object]]:
    """LibreOffice's calculation of the workbook at ``path`` after a user's edits, ``{(sheet, "A1"): value}``
    (written with openpyxl to ``out``, which drops every cached value, so LibreOffice computes them all)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for (sheet, ref), value in edits.items():
        wb[sheet][ref].value = value
    wb.save(out)
    return recalculated_values(out, timeout=timeout)


# ------------------------------------------------------------------------------------------------------- render
def render_png(path: PathLike, outdir: PathLike, dpi: int = 70, recalc: str = "never",
               timeout: float = 180) -> list[Path]:
    """Print ``path`` to PDF with LibreOffice, then ``pdftoppm -png -r dpi``: the page images, in page order.

    The images are ``<outdir>/<stem>-<page>.png`` (pdftoppm pads the page number to the width of the page
    count); earlier images of the same stem in ``outdir`` are replaced.
    """
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise LibreOfficeMissing("pdftoppm not found: install Debian package poppler-utils")
    src = _inputs(path)[0]
    dest = Path(outdir)
    dest.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="levxl-png-") as tmp:
        tmpdir = Path(tmp)
        pdf = convert([src], "pdf", tmpdir, recalc=recalc, timeout=timeout)[0]
        pages = tmpdir / "pages"
        pages.mkdir()
        remaining = max(10.0, timeout - (time.monotonic() - start))
        proc = subprocess.run([pdftoppm, "-png", "-r", str(int(dpi)), str(pdf), str(pages / src.stem)],
                              capture_output=True, text=True, timeout=remaining)
        made = sorted(pages.glob("*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[-1]))
        if proc.returncode != 0 or not made:
            raise RuntimeError(f"pdftoppm failed on {pdf.name} (exit code {proc.returncode}): {proc.stderr.strip()}")
        for old in dest.glob(f"{glob.escape(src.stem)}-*.png"):
            if old.stem.rsplit("-", 1)[-1].isdigit():
                old.unlink()
        out = []
        for p in made:
            target = dest / p.name
            shutil.move(str(p), str(target))
            out.append(target.resolve())
    return out
