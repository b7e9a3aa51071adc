"""Spreadsheet values -> engine arguments, whole columns at a time.

Hosts pass a range as a list of rows (xlwings: a 100,000-row column is 100,000 one-element lists) or as a numpy
array (the recalc). A range becomes one numpy array without a Python object per cell where numpy can convert the
whole column: a one-column range is unpacked in one pass (which also checks every row is one cell), numbers
become a float array in one typed C pass (``array('d')``, which refuses text and blanks), text labels of a fixed
choice (side, contract, ...) become the engine's codes by one dict lookup per cell. Mixed columns (blanks,
booleans, error cells, other spellings, Office.js rich values) take the general object path, where each cell gets
its own message.

An Excel error in an argument (a cell holding ``#N/A``, read as that text) is passed on: the cells it feeds show
the same error, as Excel's own functions do. An empty range, a ragged list or ranges whose shapes cannot pair up
get a message naming the arguments.
"""

from __future__ import annotations

import array as _array
import datetime as _dt
import itertools
from typing import Any

import numpy as np

from levxl.catalogue.errors import CODES, CellError

__all__ = ["MISSING", "as_array", "is_range", "is_blank", "error_cells", "shape_text",
           "check_line_up", "scalar_value", "blank_or_error_text", "column_codes", "rich_value",
           "LONGEST_TEXT"]

MISSING = object()
"""A blank optional argument (take the default)."""

_CODE_SET = frozenset(CODES)
LONGEST_TEXT = 64
"""No label or preset name is longer; a longer text is a mistake, refused without being echoed."""


def is_range(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


try:  # Pyodide >= 0.28 (xlwings Lite) passes a blank cell inside a range as JS null's own sentinel, not None
    from pyodide.ffi import JsNull as _JsNull  # type: ignore[import-not-found]
except ImportError:
    _JsNull = None

_ERROR_TYPES = {"Div0": "#DIV/0!", "NotAvailable": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
                "Ref": "#REF!", "Value": "#VALUE!", "Spill": "#SPILL!", "Calc": "#CALC!",
                "GettingData": "#GETTING_DATA"}
"""Office.js ``errorType`` names -> the error code, for an error cell passed as a rich value."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "") or (_JsNull is not None and
                                                                        isinstance(value, _JsNull))


def rich_value(value: dict) -> Any:
    """An Office.js rich value as a plain cell: an error cell as its code (``"#N/A"``), any other (a formatted
    number such as a date cell) as its number. Office.js hosts pass cells this way when levxl reads their
    arguments raw (see :mod:`levxl.udfs`)."""
    if value.get("type") == "Error":
        code = value.get("basicValue")
        return code if isinstance(code, str) and code in _CODE_SET else _ERROR_TYPES.get(value.get("errorType"),
                                                                                         "#VALUE!")
    return value.get("basicValue")


def shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape) if shape else "1x1"


def scalar_value(value: Any) -> Any:
    """A single cell as the engine takes it: dates become a message (no argument is a date), a Python int a
    float, numpy scalars plain Python values."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        raise ValueError("got a date")
    if isinstance(value, dict):  # an Office.js rich value: an error cell, or a formatted number (a date cell)
        value = rich_value(value)
    elif _JsNull is not None and isinstance(value, _JsNull):
        value = None
    return value


def as_array(name: str, value: Any) -> np.ndarray:
    """A range as a 2-D array: float where every cell is a number, str where every cell is text, else object
    (nothing is coerced: a boolean or a blank stays what it is, for its own message)."""
    if isinstance(value, np.ndarray):
        array = value if value.ndim == 2 else (np.atleast_2d(value) if value.ndim < 2 else
                                               value.reshape(value.shape[0], -1))
        if array.size == 0:
            raise ValueError(f"{name} is an empty range")
        return array
    rows, flat = _flatten(name, value)
    numbers = _all_numbers(flat)
    if numbers is not None:
        return numbers.reshape(len(rows), -1)
    kinds = set(map(type, flat))
    texts = flat if kinds == {str} else [v for v in flat if isinstance(v, str)]
    longest = max(map(len, texts), default=0)
    if longest > LONGEST_TEXT:
        raise ValueError(f"{name} holds too long a text ({longest:,} characters)")
    if kinds == {str}:
        array = np.array(flat, dtype=f"U{max(longest, 1)}")  # all text: one fixed-width array, no objects
    else:
        array = np.empty(len(flat), dtype=object)
        array[:] = [scalar_or_self(v) for v in flat]
    return array.reshape(len(rows), -1)


def _flatten(name: str, value: Any) -> tuple[list, list]:
    """(rows, the cells row by row in one flat list). A one-column range (the common case: 100,000 one-element
    lists) is unpacked row by row, which checks that every row holds exactly one cell at no extra cost; a wider
    range is caught by the total count."""
    rows = value if value and isinstance(value[0], (list, tuple)) else [value]
    if not rows or not rows[0]:
        raise ValueError(f"{name} is an empty range")
    width = len(rows[0])
    try:
        if width == 1:
            flat = [cell for cell, in rows]
            ragged = False
        else:
            flat = list(itertools.chain.from_iterable(rows))
            ragged = len(flat) != len(rows) * width
    except (TypeError, ValueError):
        ragged = True
    if ragged:
        raise ValueError(f"{name} must be a rectangular range")
    return rows, flat


def column_codes(value: Any, mapping: dict) -> np.ndarray | None:
    """A list-of-rows range of text labels spelled exactly as the engine's table has them ("long", "short",
    "linear"...) as a 2-D array of the engine's codes, in one pass (a dict lookup per cell); None when any cell is
    something else (another spelling, a blank, an error code, a number, a rich value) or a row is not one cell
    wide: the general path maps or explains those."""
    if type(value) is not list or not value or type(value[0]) is not list or not value[0]:
        return None
    labels = _label_table(mapping)
    width = len(value[0])
    try:
        if width == 1:  # the unpacking also checks that every row holds exactly one cell
            codes = [labels[cell] for cell, in value]
        else:
            codes = [labels[cell] for cell in _flatten("range", value)[1]]
    except (KeyError, TypeError, ValueError):  # not a label, an unhashable cell, a ragged range
        return None
    return np.frombuffer(_array.array("d", codes), dtype=float).reshape(len(value), width)


_LABEL_TABLES: dict[int, tuple[dict, dict]] = {}


def _label_table(mapping: dict) -> dict:
    """The text labels of an engine domain's mapping, kept per mapping (built once, not per call)."""
    cached = _LABEL_TABLES.get(id(mapping))
    if cached is None or cached[0] is not mapping:
        cached = (mapping, {k: float(v) for k, v in mapping.items() if isinstance(k, str)})
        _LABEL_TABLES[id(mapping)] = cached
    return cached[1]


def _all_numbers(flat: list) -> np.ndarray | None:
    """The cells as one float array when every one is a number, else None, in one C pass: ``array('d', ...)``
    takes Python floats and ints (and numpy floats) and refuses text, a blank's None or a rich value, where numpy
    would infer types first (slower) or parse "1.5" and turn None into NaN. The only non-number it takes is a
    boolean, which can only have become 0.0 or 1.0, so only those cells are looked at (a TRUE in a numbers column
    gets its own message, never a silent 1)."""
    try:
        array = np.frombuffer(_array.array("d", flat), dtype=float)
    except (ValueError, TypeError, OverflowError):
        return None
    suspects = np.flatnonzero((array == 0.0) | (array == 1.0))
    if suspects.size and any(isinstance(flat[i], (bool, np.bool_)) for i in suspects.tolist()):
        return None
    return array


def scalar_or_self(value: Any) -> Any:
    """Per-cell clean-up on the mixed path: Office.js rich values to their number, dates kept for a message."""
    if isinstance(value, dict):
        return rich_value(value)
    if _JsNull is not None and isinstance(value, _JsNull):
        return None  # a blank cell, as every other host passes it
    if isinstance(value, np.generic):
        return value.item()
    return value


def error_cells(array: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(mask, codes) of the cells holding an Excel error (``"#N/A"``...), or None when there are none."""
    if array.dtype != object:
        return None
    found = np.frompyfunc(lambda v: isinstance(v, str) and (v in _CODE_SET or isinstance(v, CellError)), 1, 1)(array)
    mask = np.asarray(found, dtype=bool)
    if not mask.any():
        return None
    codes = np.empty(array.shape, dtype=object)
    codes[mask] = [v.code if isinstance(v, CellError) else v for v in array[mask]]
    return mask, codes


def blank_or_error_text(array: np.ndarray) -> bool:
    """Whether a text array (numpy ``U``) holds a blank or an error code (``#N/A``...), judged by each cell's first
    character in one vectorised pass (a blank's is NUL, an error code's ``#``)."""
    if array.size == 0 or array.itemsize == 0:
        return True
    first = np.ascontiguousarray(array).view(np.uint32).reshape(array.size, -1)[:, 0]
    return bool(np.any((first == 0) | (first == ord("#"))))


def check_line_up(shapes: dict[str, tuple[int, ...]]) -> None:
    """Raise a message naming two ranges whose shapes cannot pair up cell by cell (numpy broadcasting: each
    dimension equal, or 1 in one of them)."""
    items = [(n, s) for n, s in shapes.items() if s not in ((), (1, 1))]
    for (a, sa), (b, sb) in itertools.combinations(items, 2):
        try:
            np.broadcast_shapes(sa, sb)
        except ValueError:
            raise ValueError(f"{a} and {b} ranges don't line up: {shape_text(sa)} vs {shape_text(sb)}") from None
