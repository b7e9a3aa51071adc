"""Recalculate one workbook: check, parse, set inputs, evaluate (fast path or LibreOffice), patch, write."""

from __future__ import annotations

import gc
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from levxl.recalc.package import NS, Package, open_package, split_ref, write_package, col_letter
from levxl.recalc.values import XlError

__all__ = ["Summary", "recalc_workbook", "RecalcError", "ENGINES", "ON_DIVERGENCE"]

ENGINES = ("auto", "fast", "libreoffice")
ON_DIVERGENCE = ("fail", "warn")


log = logging.getLogger(__name__)
_F = f"{{{NS}}}f"


class RecalcError(ValueError):
    """A workbook could not be recalculated (the message says why; ``cells`` lists "Sheet!A1: reason" for each cell
    that made it fail, when cells did)."""

    def __init__(self, message: str, cells: list[str] | None = None):
        super().__init__(message)
        self.cells = list(cells or [])


@dataclass
class Summary:
    """What one recalc did. ``values`` maps "Sheet!A1" to each written value (floats, text, bools, XlError)."""

    path: str
    out: str | None = None
    ok: bool = True
    engine: str = "-"  # "fast", "libreoffice" or "-" (failed before evaluating)
    formula_cells: int = 0
    cells_written: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # "#DIV/0!": 2, "#VALUE! (text)": 3, "circular": 1
    seconds: float = 0.0
    message: str = ""  # why it failed, or why LibreOffice was used
    # "Sheet!A1: reason" per cell: why the book failed, or (on_divergence="warn") cells written with LibreOffice's
    # value where Excel's may differ, then the cells computed from those ("Sheet!B1: computed from Sheet!A1, ...")
    cells: list[str] = field(default_factory=list)
    warned: bool = False  # written, but ``cells`` may hold values Excel would not show (CLI exit status 2)
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
                    engine: str = "auto", timeout: float = 600.0, on_divergence: str = "fail") -> Summary:
    """Recalculate every formula cell of one workbook and write the results as cached values.

    ``out``: a file or directory to write to; None writes nothing (the values are in the summary) unless
    ``in_place``. ``inputs``: {"Sheet!B2": 61850.0, ...} constants set first. ``engine``: "auto" (the fast path
    when it claims the book, :func:`levxl.recalc.fast.claim`; LibreOffice 25.2 with the levxl add-in otherwise),
    "fast" (fail rather than use LibreOffice) or "libreoffice". ``on_divergence``: what to do with cells whose
    LibreOffice value may not be Excel's (:mod:`levxl.recalc.divergence`: ``0^0``, a TRUE/FALSE as text or compared
    with a number, ...): "fail" (raise RecalcError naming them, nothing written) or "warn" (write LibreOffice's
    values; ``Summary.warned`` and ``Summary.cells`` say which cells).
    Raises :class:`levxl.files.safety.UnsafeWorkbook` (a ValueError) for a hostile or broken file and
    :class:`RecalcError` for bad inputs, a workbook neither engine handles (naming the cells), or LibreOffice
    failing or taking longer than ``timeout`` seconds.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if on_divergence not in ON_DIVERGENCE:
        raise ValueError(f"on_divergence must be one of {', '.join(ON_DIVERGENCE)}, not {on_divergence!r}")
    gc_was_enabled = gc.isenabled()
    gc.disable()  # ~150k short-lived objects per 100k cells and no cycles among them: the collector only costs time
    try:
        return _recalc(path, out, inputs, in_place, engine, timeout, on_divergence)
    finally:
        if gc_was_enabled:
            gc.enable()


def _recalc(path, out, inputs, in_place, engine, timeout, on_divergence) -> Summary:
    from levxl.recalc import fast, proven

    start = time.perf_counter()
    path = Path(path)
    target = _target(path, out, in_place)
    package = open_package(path)
    # A book naming other workbooks never reaches the fast path; the LibreOffice path points every link target
    # nowhere with link updates off, so no engine opens a file a book names and linked cells keep cached values.
    linked = names_other_books(package)
    if linked and engine == "fast":
        raise RecalcError(f"{path.name}: refers to other workbooks (external links): the fast path does not take "
                          "it; levxl never opens a file a workbook names")
    if inputs:
        _apply_inputs(package, inputs)
    summary = Summary(str(path), str(target) if target else None)
    summary.formula_cells = sum(1 for _ in package.formula_cells())
    results = None
    circular = 0
    if engine in ("auto", "fast") and not linked:
        try:
            proven.claim(package)
            results, circular = fast.evaluate(package)
            summary.engine = "fast"
        except fast.Unsupported as exc:
            if engine == "fast":
                raise RecalcError(f"{path.name}: the fast path does not handle this workbook: {exc}") from None
            summary.message = f"libreoffice: {exc}"
        except MemoryError:
            raise
        except SystemError as exc:  # a C extension (numpy) whose allocation failed under the memory cap
            raise MemoryError(f"{path.name}: out of memory in the fast path ({exc})") from None
        except Exception as exc:  # a bug in the fast path must not cost the user the file: LibreOffice, say so
            log.exception("fast path failed on %s", path)
            if engine == "fast":
                raise RecalcError(f"{path.name}: the fast path failed: {type(exc).__name__}: {exc}") from None
            summary.message = f"libreoffice: the fast path failed ({type(exc).__name__}: {exc})"
    if results is None:
        results, circular, diverging, dependants = _libreoffice(package, path, timeout, on_divergence)
        summary.engine = "libreoffice"
        if diverging:
            summary.cells, summary.warned = diverging + dependants, True
            note = (f"{len(diverging)} cells written with LibreOffice's value where Excel's may differ"
                    + _dependants_note(dependants) + ": "
                    + ", ".join(c.split(": ", 1)[0] for c in diverging[:20])
                    + (f" and {len(diverging) - 20} more" if len(diverging) > 20 else ""))
            summary.message = f"{summary.message}; {note}" if summary.message else note
    by_name = {s.name: s for s in package.sheets}
    for (sheet_name, r, c), value in results.items():
        by_name[sheet_name].set_value(r, c, value)
        summary.values[f"{_quote(sheet_name)}!{col_letter(c)}{r}"] = value
    summary.cells_written = len(results)
    summary.errors = _count_errors(results.values(), circular)
    if circular:
        note = f"{circular} cells in circular references (written as 0, as Excel shows them)"
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


def _dependants_note(dependants: list[str]) -> str:
    """", and 3 cells computed from them" (their values come from those cells' values, so may differ too)."""
    return f", and {len(dependants)} cells computed from them" if dependants else ""


def _cells_message(cells: list[str]) -> str:
    return ", ".join(cells[:20]) + (f" and {len(cells) - 20} more" if len(cells) > 20 else "")


def _libreoffice(package: Package, path: Path, timeout: float, on_divergence: str = "fail"):
    """LibreOffice's values, spills resized, and the cells where Excel's may differ (``on_divergence="warn"``);
    RecalcError naming the cells when some value cannot be vouched for."""
    from levxl.recalc import libreoffice
    from levxl.recalc.office import OfficeError

    try:
        outcome = libreoffice.evaluate(package, timeout=timeout)
    except OfficeError as exc:
        raise RecalcError(f"{path.name}: {exc}") from None
    # the cells a divergence reaches: listed after the divergences themselves, so a message naming the first
    # cells names the roots
    dependants = outcome.dependants if outcome.divergences else []
    if outcome.problems:
        cells = outcome.problems + [c for c in outcome.divergences + dependants if c not in outcome.problems]
        raise RecalcError(f"{path.name}: {len(outcome.problems)} cells neither engine handles: "
                          f"{_cells_message(outcome.problems)}"
                          + (f"; and {len(outcome.divergences)} where LibreOffice may differ from Excel"
                             + _dependants_note(dependants) if outcome.divergences else ""), cells)
    if outcome.divergences and on_divergence == "fail":
        raise RecalcError(f"{path.name}: {len(outcome.divergences)} cells where LibreOffice's value may not be "
                          f"Excel's{_dependants_note(dependants)} (nothing written; --on-divergence warn writes "
                          f"them): {_cells_message(outcome.divergences)}", outcome.divergences + dependants)
    by_name = {s.name: s for s in package.sheets}
    for (name, r, c), (r2, c2) in outcome.spills.items():
        sheet = by_name[name]
        _respill(sheet, sheet.cells[(r, c)], r2, c2)
    for name, r, c in outcome.blocked:
        sheet = by_name[name]
        _respill(sheet, sheet.cells[(r, c)], r, c, keep_ref=True)
    return outcome.values, outcome.circular, outcome.divergences, dependants


def _respill(sheet, anchor, r2: int, c2: int, keep_ref: bool = False) -> None:
    """A dynamic array's new extent: ``<f ref>`` rewritten, cells of the old extent outside the new one emptied."""
    old = _extent(anchor)
    new = (anchor.row, anchor.col, r2, c2)
    if not keep_ref:
        ref = f"{col_letter(anchor.col)}{anchor.row}:{col_letter(c2)}{r2}"
        if (r2, c2) == (anchor.row, anchor.col):
            ref = f"{col_letter(anchor.col)}{anchor.row}"
        anchor.element.find(_F).set("ref", ref)
        anchor.ref = ref
        sheet.dirty = True
    for r in range(old[0], old[2] + 1):
        for c in range(old[1], old[3] + 1):
            if (r, c) != (anchor.row, anchor.col) and not (new[0] <= r <= new[2] and new[1] <= c <= new[3]):
                sheet.clear_value(r, c)


def _extent(cell) -> tuple[int, int, int, int]:
    a, _, b = (cell.ref or f"{col_letter(cell.col)}{cell.row}").partition(":")
    r1, c1 = split_ref(a)
    r2, c2 = split_ref(b) if b else (r1, c1)
    return r1, c1, r2, c2


def _quote(name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name):
        return name
    return "'" + name.replace("'", "''") + "'"
