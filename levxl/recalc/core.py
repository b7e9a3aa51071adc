"""Recalculate one workbook: check, parse, set inputs, evaluate (fast path or reference engine), patch, write."""

from __future__ import annotations

import gc
import logging
import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from levxl.recalc.package import Package, open_package, split_ref, write_package, col_letter
from levxl.recalc.values import XlError

__all__ = ["Summary", "recalc_workbook", "RecalcError"]


log = logging.getLogger(__name__)


class RecalcError(ValueError):
    """A workbook could not be recalculated (the message says why)."""


@dataclass
class Summary:
    """What one recalc did. ``values`` maps "Sheet!A1" to each written value (floats, text, bools, XlError)."""

    path: str
    out: str | None = None
    ok: bool = True
    engine: str = "-"  # "fast", "formulas" (the reference engine) or "-" (failed before evaluating)
    formula_cells: int = 0
    cells_written: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # "#DIV/0!": 2, "#VALUE! (text)": 3, "circular": 1
    seconds: float = 0.0
    message: str = ""  # why it failed, or why the reference engine was used
    values: dict[str, object] = field(default_factory=dict, repr=False)

    def row(self) -> dict:
        return {"file": Path(self.path).name, "ok": self.ok, "engine": self.engine, "formulas": self.formula_cells,
                "errors": sum(self.errors.values()), "by type": ", ".join(f"{k} {v}" for k, v in
                                                                        sorted(self.errors.items())),
                "seconds": round(self.seconds, 3), "message": self.message}


_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
_INPUT = re.compile(r"^(?:'((?:[^']|'')+)'|([^!]+))!\$?([A-Za-z]{1,3})\$?(\d+)$")


def _target(path: Path, out, in_place: bool) -> Path | None:
    if in_place:
        return path
    if out is None:
        return None
    out = Path(out)
    if out.is_dir() or str(out).endswith(("/", "\\")) or not out.suffix:
        return out / path.name
    return out


def _apply_inputs(package: Package, inputs: dict) -> None:
    for key, value in inputs.items():
        m = _INPUT.match(key.strip())
        if not m:
            raise RecalcError(f"input {key!r}: expected 'Sheet!B2'")
        name = (m.group(1) or m.group(2)).replace("''", "'")
        sheet = package.sheet(name)
        if sheet is None:
            raise RecalcError(f"input {key!r}: no sheet named {name!r}")
        row, col = split_ref(m.group(3) + m.group(4))
        cell = sheet.cells.get((row, col))
        if cell is not None and cell.formula is not None:
            raise RecalcError(f"input {key!r} is a formula cell; inputs set constants")
        if value is not None and not isinstance(value, (int, float, str, bool, XlError)):
            raise RecalcError(f"input {key!r}: a number, text, boolean or None, got {type(value).__name__}")
        if value is None:
            if cell is not None and cell.element is not None:
                for child in list(cell.element):
                    cell.element.remove(child)
                cell.element.attrib.pop("t", None)
                cell.value = None
                sheet.dirty = True
            continue
        sheet.set_value(row, col, float(value) if isinstance(value, int) and not isinstance(value, bool) else value)


def _count_errors(values, circular: int) -> dict[str, int]:
    counts: Counter = Counter()
    for v in values:
        if isinstance(v, XlError):
            counts[v.code] += 1
        elif isinstance(v, str) and v.startswith("#"):
            code = v.split(" ", 1)[0]
            if code in _CODES:
                counts[f"{code} (text)"] += 1
    if circular:
        counts["circular"] = circular
    return dict(counts)


def recalc_workbook(path, out=None, inputs: dict | None = None, *, in_place: bool = False,
                    engine: str = "auto") -> Summary:
    """Recalculate every formula cell of one workbook and write the results as cached values.

    ``out``: a file or directory to write to; None writes nothing (the values are in the summary) unless
    ``in_place``. ``inputs``: {"Sheet!B2": 61850.0, ...} constants set first. ``engine``: "auto" (the fast path,
    the reference engine when the workbook needs it), "fast" (fail rather than fall back) or "formulas".
    Raises :class:`levxl.files.safety.UnsafeWorkbook` (a ValueError) for a hostile or broken file and
    :class:`RecalcError` for bad inputs or a workbook neither engine handles.
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()  # ~150k short-lived objects per 100k cells and no cycles among them: the collector only costs time
    try:
        return _recalc(path, out, inputs, in_place, engine)
    finally:
        if gc_was_enabled:
            gc.enable()


def _recalc(path, out, inputs, in_place, engine) -> Summary:
    from levxl.recalc import fast

    start = time.perf_counter()
    path = Path(path)
    target = _target(path, out, in_place)
    package = open_package(path)
    if names_other_books(package):  # before any engine: none may open a file a book names
        raise RecalcError(f"{path.name}: refers to other workbooks (external links); levxl never opens a file a "
                          "workbook names, so it is not recalculated and its cached values stay")
    if inputs:
        _apply_inputs(package, inputs)
    summary = Summary(str(path), str(target) if target else None)
    summary.formula_cells = sum(1 for _ in package.formula_cells())
    results = None
    circular = 0
    if engine in ("auto", "fast"):
        try:
            results, circular = fast.evaluate(package)
            summary.engine = "fast"
        except fast.Unsupported as exc:
            if engine == "fast":
                raise RecalcError(f"{path.name}: the fast path does not handle this workbook: {exc}") from None
            summary.message = f"reference engine: {exc}"
        except MemoryError:
            raise
        except Exception as exc:  # a bug in the fast path must not cost the user the file: fall back, say so
            log.exception("fast path failed on %s", path)
            if engine == "fast":
                raise RecalcError(f"{path.name}: the fast path failed: {type(exc).__name__}: {exc}") from None
            summary.message = f"reference engine: the fast path failed ({type(exc).__name__}: {exc})"
    if results is None:
        from levxl.recalc.reference import evaluate_reference

        source = path
        tmpdir = None
        try:
            if inputs:
                tmpdir = tempfile.mkdtemp(prefix="levxl-recalc-")
                source = Path(tmpdir) / path.name
                write_package(path, source, package.serialized())
            results, circular = evaluate_reference(source, package)
        except (MemoryError, SystemError) as exc:  # SystemError: a C extension whose allocation failed
            raise MemoryError(f"{path.name}: out of memory in the reference engine ({exc})") from None
        except Exception as exc:  # formulas raises many kinds; the message is what matters
            raise RecalcError(f"{path.name}: the reference engine failed: {type(exc).__name__}: {exc}") from None
        finally:
            if tmpdir:
                shutil.rmtree(tmpdir, ignore_errors=True)
        summary.engine = "formulas"
    by_name = {s.name: s for s in package.sheets}
    for (sheet_name, r, c), value in results.items():
        by_name[sheet_name].set_value(r, c, value)
        summary.values[f"{_quote(sheet_name)}!{col_letter(c)}{r}"] = value
    summary.cells_written = len(results)
    summary.errors = _count_errors(results.values(), circular)
    if circular:
        note = (f"{circular} cells in circular references (written as 0, as Excel shows them)" if
                summary.engine == "fast" else
                f"{circular} cells in or depending on circular references (written as 0)")
        summary.message = f"{summary.message}; {note}" if summary.message else note
    if target is not None:
        write_package(path, target, package.serialized())
    summary.seconds = time.perf_counter() - start
    return summary


_OTHER_BOOK = re.compile(r"\[[^\[\]]+\][^\[\]!]*'?!")


def names_other_books(package: Package) -> bool:
    """Whether the workbook links to other workbooks (an externalLink part, or a formula or defined name such as
    ``[1]Sheet1!A1`` / ``'/path/[book.xlsx]Sheet1'!A1``): such books never reach an engine that would open them."""
    if package.external_links:
        return True
    texts = [c.formula for _, c in package.formula_cells()] + list(package.names.values())
    return any(text and "[" in text and _OTHER_BOOK.search(text) for text in texts)


def _quote(name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name):
        return name
    return "'" + name.replace("'", "''") + "'"
