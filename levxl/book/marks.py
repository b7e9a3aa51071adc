"""Marks (and vols) applied to a book: from a marks file (CSV ``symbol,mark[,venue,vol]`` or JSON
``{symbol: mark}`` / a list of records), a dict or records; what ``levxl report --marks`` reads."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from levxl.files.reading import DuplicateKeys, json_loads, read_small_file
from levxl.book.checks import magnitude_reason, vol_range_reason
from levxl.book.positions import Book

__all__ = ["apply_marks", "read_marks"]


def read_marks(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a marks file.

    Parameters
    ----------
    path : path-like
        CSV with columns ``symbol``, ``mark`` (optional ``venue``, ``vol``), or JSON ``{symbol: mark}`` / a list
        of records (``.json``).

    Returns
    -------
    list of dict
        One record per row, keys lower-cased.

    Raises
    ------
    ValueError
        Unreadable, not UTF-8, invalid JSON, or a CSV without symbol and mark columns (one-line message).
    """
    path = Path(path)
    raw = read_small_file(path, "marks file")  # bounded size (levxl.files.reading)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name}: marks file is not UTF-8 text") from None
    if path.suffix.lower() == ".json":
        try:
            data = json_loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name}: not valid JSON ({exc})") from None
        except RecursionError:
            raise ValueError(f"{path.name}: JSON nested too deeply") from None
        if isinstance(data, dict):  # {"BTCUSDT": 60000, "BTCUSDT": 1}: both are kept, to be refused as a conflict
            twice = data.duplicates if isinstance(data, DuplicateKeys) else {}
            return [{"symbol": k, "mark": v} for k, values in ((k, twice.get(k, [v])) for k, v in data.items())
                    for v in values]
        if isinstance(data, list) and all(isinstance(r, dict) for r in data):
            return [{str(k).lower(): v for k, v in r.items()} for r in data]
        raise ValueError(f"{path.name}: marks JSON must be an object {{symbol: mark}} or a list of records")
    reader = csv.DictReader(io.StringIO(text))
    try:
        if not reader.fieldnames or not {"symbol", "mark"} <= {f.strip().lower() for f in reader.fieldnames}:
            raise ValueError(f"{path.name}: marks CSV needs a header with symbol and mark columns")
        return [{str(k).strip().lower(): v for k, v in r.items() if k is not None} for r in reader]
    except csv.Error as exc:  # a field over the csv module's limit, a NUL byte
        raise ValueError(f"{path.name}: marks CSV line {reader.line_num} cannot be read ({exc})") from None


def _records(marks: Any) -> tuple[list[dict[str, Any]], str]:
    if isinstance(marks, (str, os.PathLike)):
        return read_marks(Path(marks)), Path(marks).name
    if isinstance(marks, dict):
        return [{"symbol": k, "mark": v} for k, v in marks.items()], "marks"
    return list(marks), "marks"


def _apply_record(book: Book, record: dict, where: str, mark: np.ndarray, vols: np.ndarray) -> str | None:
    """Set the mark (and vol) of the positions ``record`` names; the reason it was not used, if any."""
    symbol = str(record.get("symbol") or "").strip()
    try:
        value = float(str(record.get("mark")).replace(",", "").strip())
    except (TypeError, ValueError):
        return f"mark must be a number, got {record.get('mark')!r}"
    if not (math.isfinite(value) and value > 0):
        return f"mark must be > 0, got {value!r}"
    reason = magnitude_reason("mark", value, record.get("mark"))  # 1e308: the figures overflowed, as in a book
    if reason:
        return f"{reason}; kept the book's"
    hit = [i for i in range(len(book)) if _names(book, i, record)]
    if not hit:
        return f"symbol {symbol!r} matches no position; ignored"
    mark[hit] = value
    v = record.get("vol")
    if v not in (None, ""):
        try:
            fv = float(v)
            if not fv >= 0:
                raise ValueError
        except (TypeError, ValueError):
            return f"vol must be a number >= 0, got {v!r}; kept the book's"
        if vol_range_reason(fv, shown=v):
            return f"{vol_range_reason(fv, shown=v)}; kept the book's"
        vols[hit] = fv
    return None


def _names(book: Book, i: int, record: dict) -> bool:
    """Whether ``record`` names position ``i`` (its symbol, and its venue when the record gives one)."""
    venue = str(record.get("venue") or "").strip().lower()
    return book.symbol[i] == str(record.get("symbol") or "").strip() and (not venue or book.venue[i].lower() == venue)


def apply_marks(book: Book, marks: Any = None, vol: float | None = None) -> tuple[Book, list[tuple[str, str]]]:
    """A copy of ``book`` with marks (and vols) replaced.

    Parameters
    ----------
    book : Book
        The positions.
    marks : path-like, dict or iterable of dict, optional
        A marks file (see :func:`read_marks`), a ``{symbol: mark}`` dict or records with ``symbol``, ``mark`` and
        optional ``venue`` (restricts the match) and ``vol`` (annualised fraction).
    vol : float, optional
        Annualised volatility for every position (0.6 = 60%).

    Returns
    -------
    (Book, list of (where, reason))
        The marked book and notes about marks that could not be used (bad number, unknown symbol).

    Raises
    ------
    ValueError
        An unreadable marks file or a ``vol`` that is not a number >= 0.
    """
    notes: list[tuple[str, str]] = []
    mark = np.array(book.mark, dtype=float, copy=True)
    vols = np.array(book.vol, dtype=float, copy=True)
    if marks is not None:
        records, where = _records(marks)
        given: dict[int, tuple[float, int]] = {}  # position -> (the mark a record gave it, that record's row)
        conflicted: set[int] = set()
        for k, record in enumerate(records, start=1):
            reason = _apply_record(book, record, where, mark, vols)
            if reason is not None:
                notes.append((f"{where} row {k}", reason))
                if not reason.startswith("vol "):  # a bad vol still sets the mark
                    continue
            touched = [i for i in range(len(book)) if _names(book, i, record)]
            clash = [(i, given[i]) for i in touched if i in given and given[i][0] != mark[i]]
            if clash:  # two records give one position different marks: which is meant is unknown
                i, (value, row) = clash[0]
                notes.append((f"{where} row {k}", f"mark {float(mark[i])!r} for {book.symbol[i]!r} contradicts row {row}'s "
                                                   f"{value!r}: neither is used, the book's mark stands"))
                conflicted.update(i for i, _ in clash)
            for i in touched:
                given.setdefault(i, (float(mark[i]), k))
        if conflicted:
            keep = sorted(conflicted)
            mark[keep] = np.asarray(book.mark, dtype=float)[keep]
    if vol is not None:
        if not (math.isfinite(vol) and vol >= 0):
            raise ValueError(f"--vol must be a number >= 0, got {vol!r}")
        if vol_range_reason(vol, "--vol"):
            raise ValueError(vol_range_reason(vol, "--vol"))
        vols[:] = vol
    return dataclasses.replace(book, mark=mark, vol=vols), notes
