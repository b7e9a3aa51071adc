"""How a catalogue entry is called with spreadsheet values and how the engine's answer becomes cells.

See the catalogue's module docstring for the rules; this module holds their implementation: argument conversion
(through :mod:`levxl.catalogue.convert`), the call of the engine's ``elementwise`` form, and the presentation of
its result (numbers, ``no liquidation``, :class:`~levxl.catalogue.errors.CellError` values with reasons).
"""

from __future__ import annotations

import gc
import logging
import math
from contextlib import contextmanager
from typing import Any

import numpy as np

from levxl.catalogue import convert, scalar
from levxl.catalogue.convert import MISSING
from levxl.catalogue.errors import BUG_MESSAGE, CellError, is_error_code, num_error, value_error
from levxl.engine.tiers import TierTable
from levxl.engine.validate import Choice

__all__ = ["evaluate", "call", "run", "explain", "present", "Patched", "pause_gc", "NO_LIQUIDATION"]

log = logging.getLogger("levxl.catalogue")

NO_LIQUIDATION = "no liquidation"
_LONGEST_TEXT = convert.LONGEST_TEXT
_BIG = 10_000  # cells from which the garbage collector is paused while whole columns become lists


@contextmanager
def _no_gc_pauses(big: bool):
    """Building 100,000 small lists triggers the cyclic garbage collector again and again, and each pass walks
    every list the host passed in (measured: most of a column call's time). Nothing built here forms a cycle."""
    if not big or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _size(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, (list, tuple)):
        return len(value) * (len(value[0]) if value and isinstance(value[0], (list, tuple)) else 1)
    return 1


class Patched:
    """A float result with a few cells that are not numbers (errors, "no liquidation"): the numbers stay one
    float array and the others are laid over it when the cells are built, so a 100,000-row column with three bad
    rows never becomes an array of 100,000 Python objects."""

    __slots__ = ("numbers", "index", "values")

    def __init__(self, numbers: np.ndarray, index: np.ndarray, values: list):
        self.numbers, self.index, self.values = numbers, index, values

    def array(self) -> np.ndarray:
        out = self.numbers.astype(object)
        flat = out.reshape(-1)
        for i, v in zip(self.index.tolist(), self.values):
            flat[i] = v
        return out

    def rows(self, convert=None) -> list:
        rows = self.numbers.tolist()
        width = self.numbers.shape[1]
        for i, v in zip(self.index.tolist(), self.values):
            rows[i // width][i % width] = convert(v) if convert else v
        return rows


def pause_gc(values: tuple):
    """No garbage-collector passes while a large call builds its lists (see :func:`_no_gc_pauses`)."""
    return _no_gc_pauses(sum(map(_size, values)) >= _BIG)


def call(fn, values: tuple) -> Any:
    """A spreadsheet call: a value, or a 2-D list (rows) for a range result. Never raises."""
    fast = scalar.try_scalar(fn, values)
    if fast is not None:
        return fast
    with pause_gc(values):
        result = run(fn, values)
        if isinstance(result, Patched):
            return result.rows()
        return result.tolist() if isinstance(result, np.ndarray) else result


def evaluate(fn, values: tuple) -> Any:
    """Like :func:`call`, but a range result is a 2-D numpy array (float where every cell is a number)."""
    result = run(fn, values)
    return result.array() if isinstance(result, Patched) else result


def run(fn, values: tuple) -> Any:
    """The call's result as a value, a 2-D array or a :class:`Patched` float array (for the faces' converters)."""
    try:
        fast = scalar.try_scalar(fn, values)
        if fast is not None:
            if isinstance(fast, list):
                return np.array(fast, dtype=float if isinstance(fast[0][0], float) else object)
            return fast
        return _evaluate(fn, values)
    except ValueError as exc:
        return value_error(fn.sheet_names(str(exc)))
    except Exception as exc:  # a bug must not show a traceback in a cell; it is logged instead
        log.exception("%s failed", fn.name)
        return value_error(f"{BUG_MESSAGE} ({fn.name}, {type(exc).__name__})")


def _evaluate(fn, values: tuple) -> Any:
    if len(values) > len(fn.args):
        raise ValueError(f"{fn.name} takes at most {len(fn.args)} arguments, got {len(values)}")
    kwargs: dict[str, Any] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    passed: list[tuple[str, np.ndarray, np.ndarray]] = []  # error cells in range arguments: (name, mask, codes)
    for arg, value in zip(fn.args, values + (None,) * (len(fn.args) - len(values))):
        converted = _convert(fn, arg, value, shapes, passed)
        if isinstance(converted, CellError):
            return converted  # an error in a single-cell argument is the result, as in Excel
        if converted is MISSING:
            if arg.may_be_blank:
                continue
            if not arg.optional:
                raise ValueError(f"{arg.name} is required")
            if arg.default is None:
                continue
            converted = arg.default
        kwargs[arg.engine_name or arg.name] = converted
    if any(a.axis is not None for a in fn.args) and not any(a.kind == "vector" and a.axis is None
                                                            for a in fn.args):
        _one_position(fn, shapes)  # a grid of one position (an account's frontier has its positions' columns)
    _trim_lists(fn, kwargs, passed)
    lines = _grid_lines(fn, kwargs, passed)
    if passed and not fn.elementwise:
        name, mask, codes = passed[0]
        code = codes[mask][0]
        return CellError(code, f"{name} holds {code}")
    if fn.elementwise:
        convert.check_line_up(shapes)
    selector = {k: kwargs.pop(k) for k in ("output",) if k in kwargs and "output" not in fn.engine_params}
    if "liq_price" in kwargs and any(a.kind == "liq_price" for a in fn.args):
        kwargs["liq_price"] = _no_liquidation_sentinels(kwargs["liq_price"], kwargs.get("side"))
    try:
        result, reasons = fn.engine.elementwise(**kwargs)
    except ValueError as exc:
        raise ValueError(_name_mismatch(str(exc), shapes, kwargs, fn)) from None
    if reasons is not None and any(a.engine_name for a in fn.args):  # the engine's names in the sheet's words
        reasons = np.frompyfunc(fn.sheet_names, 1, 1)(reasons)
    cells = present(fn.pick(result, selector), reasons, fn)
    if lines:
        cells = _lay_lines(cells, lines)
    if passed:
        cells = _pass_errors(cells.array() if isinstance(cells, Patched) else cells, passed, fn)
    return cells


def _one_position(fn, shapes: dict) -> None:
    """A grid is one position over its lists: a range where a single value belongs would be paired with the rows or
    the columns by broadcasting, depending on its orientation, so it is refused with a message instead."""
    for name, shape in shapes.items():
        if int(np.prod(shape)) > 1:
            lists = " x ".join(a.name for a in fn.args if a.axis is not None)
            raise ValueError(f"{name} must be a single cell (the grid is one position over {lists}), "
                             f"got a {convert.shape_text(shape)} range")


def _trim_lists(fn, kwargs: dict, passed: list) -> None:
    """A grid's lists drawn longer than their values (moves, a frontier's vol shifts and funding periods): the
    blank cells after the last value of every list of one axis are trimmed together, so the result has no row for
    them. The lists of an axis pair up element by element, so one list's blank beside another's value stays, as a
    blank between values does: the list's default where it has one (a blank cell of an optional range), else its
    own row's "is blank" (an error cell counts as a value: its code is passed on in its row)."""
    errors = {name: mask.reshape(-1) for name, mask, _ in passed}
    for axis in {a.axis for a in fn.args if a.axis is not None}:
        lists = [(a, a.engine_name or a.name) for a in fn.args if a.axis == axis]
        lists = [(a, key) for a, key in lists if isinstance(kwargs.get(key), np.ndarray) and kwargs[key].ndim == 1]
        blanks, length = {}, 0
        for a, key in lists:
            values = kwargs[key]
            blank = np.zeros(values.shape, dtype=bool) if values.dtype != object else \
                np.frompyfunc(convert.is_blank, 1, 1)(values).astype(bool)
            if a.name in errors:
                blank &= ~errors[a.name][:values.size]
            kept = np.flatnonzero(~blank)
            blanks[key], length = blank, max(length, kept[-1] + 1 if kept.size else 0)
        for a, key in lists:
            values, blank = kwargs[key][:length], blanks[key][:length]
            if blank.any() and a.optional and a.default is not None:
                values = values.copy()
                values[blank] = a.default
            kwargs[key] = values


def _grid_lines(fn, kwargs: dict, passed: list) -> list[tuple[int, np.ndarray]]:
    """The bad elements of a grid's vectors (moves down the rows, leverages across the columns...), checked here
    with the engine's own rule, as (axis, one cell per element: "" or the error of its whole row or column). The
    engine gets a valid stand-in in their place: its reasons would be laid out by numpy's broadcasting, which
    pairs a list with the columns whatever it means, and spoils the whole grid when the two lists differ in length.
    An error cell in such a vector is passed on in its row or column only (taken out of ``passed``)."""
    lines = []
    for arg in fn.args:
        key = arg.engine_name or arg.name
        if arg.axis is None or key not in kwargs or np.ndim(kwargs[key]) == 0:
            continue
        domain = getattr(fn.engine, "domains", {}).get(key)
        if domain is None:
            continue
        values = kwargs[key]
        found: list = []
        kwargs[key] = domain.lenient(arg.name, values, found)
        cells = np.full(np.size(values), None, dtype=object)
        for entry in [p for p in passed if p[0] == arg.name]:
            passed.remove(entry)
            _, mask, codes = entry
            where = np.flatnonzero(mask.reshape(-1)[:cells.size])
            cells[where] = [CellError(code, f"{arg.name} is {code}") for code in codes.reshape(-1)[where]]
        for bad, reason in found:
            bad = np.broadcast_to(np.asarray(bad, dtype=bool).reshape(-1), cells.shape) if np.size(bad) in (
                1, cells.size) else np.zeros(cells.shape, dtype=bool)
            fresh = bad & np.equal(cells, None)
            cells[fresh] = value_error(reason)
        if any(c is not None for c in cells):
            lines.append((arg.axis, cells))
    return lines


def _lay_lines(cells: Any, lines: list) -> Any:
    """The errors of a grid's bad moves (or leverages...) over their whole row (column); the first argument's
    error wins where a bad row crosses a bad column. A list of one element that the engine broadcasts over the
    others of its axis (a frontier's one funding period beside its vol shifts) feeds every row of that axis."""
    array = cells.array() if isinstance(cells, Patched) else cells
    if not isinstance(array, np.ndarray) or array.ndim != 2:
        return cells
    array = np.array(array, dtype=object)
    for axis, errors in reversed(lines):
        if errors.size == 1:
            errors = np.repeat(errors, array.shape[axis])
        for i, error in enumerate(errors.tolist()):
            if error is not None and i < array.shape[axis]:
                if axis == 0:
                    array[i, :] = error
                else:
                    array[:, i] = error
    return array


def _name_mismatch(message: str, shapes: dict, kwargs: dict, fn) -> str:
    """numpy's "could not be broadcast" in the user's words: the two ranges whose sizes differ."""
    if "broadcast" not in message and "shape mismatch" not in message:
        return message
    sizes = {a.name: np.size(kwargs[a.engine_name or a.name]) for a in fn.args
             if a.kind == "vector" and (a.engine_name or a.name) in kwargs}
    sizes.update({n: int(np.prod(s)) for n, s in shapes.items()})
    named = [(n, k) for n, k in sizes.items() if k > 1]
    # the lists of one axis pair up with each other, not with an account's position columns (a frontier's vol
    # shifts against its funding periods): their pairs are checked first
    lists = [[(a.name, sizes[a.name]) for a in fn.args if a.axis == axis and sizes.get(a.name, 0) > 1]
             for axis in (0, 1)]
    for (a, ka), (b, kb) in [pair for same in lists for pair in zip(same, same[1:])] + list(zip(named, named[1:])):
        if ka != kb:
            return f"{a} and {b} ranges don't line up: {ka} vs {kb} cells"
    return message


def _choice_domain(fn, arg) -> Choice | None:
    domain = getattr(fn.engine, "domains", {}).get(arg.engine_name or arg.name)
    return domain if isinstance(domain, Choice) else None


def _convert(fn, arg, value: Any, shapes: dict, passed: list) -> Any:
    """A spreadsheet value -> an engine argument, MISSING for a blank optional argument, or the CellError of an
    error cell given as a single value."""
    if not convert.is_range(value):
        try:
            value = convert.scalar_value(value)
        except ValueError:
            raise ValueError(f"{arg.name} must be a number or text, got a date") from None
        if convert.is_blank(value) or (isinstance(value, float) and math.isnan(value)):
            return MISSING
        if isinstance(value, str) and is_error_code(value):
            return CellError(value.code if isinstance(value, CellError) else value, f"{arg.name} is {value[:8]}")
        if isinstance(value, str) and len(value) > _LONGEST_TEXT:
            raise ValueError(f"{arg.name} is too long a text ({len(value):,} characters)")
        return value
    domain = _choice_domain(fn, arg) if arg.kind not in ("single", "vector", "mmr", "mmr_each", "table") else None
    if domain is not None:  # a column of labels ("long"/"short"...) straight to the engine's codes
        codes = convert.column_codes(value, domain.mapping)
        if codes is not None:
            shapes[arg.name] = codes.shape
            return codes
    array = convert.as_array(arg.name, value)
    if array.size == 1 and not fn.elementwise and arg.kind in ("text", "number", "mmr"):
        return _convert(fn, arg, array.reshape(-1)[0].item() if isinstance(array.reshape(-1)[0], np.generic)
                        else array.reshape(-1)[0], shapes, passed)
    if arg.kind in ("mmr", "mmr_each") and array.shape[1] >= 2:
        return _tier_range(arg, array)
    if array.dtype.kind == "U" and convert.blank_or_error_text(array):
        array = array.astype(object)  # error cells or blanks among the texts: the per-cell path below
    errors = None
    if array.dtype == object:
        errors = convert.error_cells(array)
        if errors is not None:
            if array.size == 1 or arg.kind in ("single",):
                code = errors[1][errors[0]][0]
                return CellError(code, f"{arg.name} is {code}")
            passed.append((arg.name, *errors))
            array = array.copy()
            array[errors[0]] = None
        blanks = np.frompyfunc(convert.is_blank, 1, 1)(array).astype(bool)
        if blanks.all():
            return MISSING
        if blanks.any() and arg.axis is None and (arg.may_be_blank or (arg.optional and arg.default is not None)):
            array = array.copy()
            array[blanks] = np.nan if arg.may_be_blank else arg.default
    if arg.kind == "single":
        if array.size != 1:
            raise ValueError(f"{arg.name} must be a single cell, got a {convert.shape_text(array.shape)} range")
        return array.reshape(-1)[0]
    if arg.kind == "vector":
        if arg.axis is not None:
            return array.reshape(-1)  # a grid's list: trimmed with the other lists of its axis (_trim_lists)
        return _vector(array, errors[0] if array.dtype == object and errors is not None else None)
    if arg.kind == "mmr_each" and array.shape[1] == 1:
        shapes[arg.name] = array.shape
        return array.reshape(-1)
    if arg.kind == "table":
        return array
    shapes[arg.name] = array.shape
    return array


def _vector(array: np.ndarray, error_mask: np.ndarray | None) -> np.ndarray:
    """A range flattened to a list of values. Blank cells after the last value are trimmed (a range drawn longer
    than the list); a blank between values stays, so the engine gives it its own "is blank" in its own row instead
    of the rows below moving up a place (an error cell counts as a value here: its code is passed on in its place)."""
    flat = array.reshape(-1)
    if flat.dtype != object:
        return flat
    blank = np.frompyfunc(convert.is_blank, 1, 1)(flat).astype(bool)
    if error_mask is not None:
        blank &= ~error_mask.reshape(-1)
    kept = np.flatnonzero(~blank)
    return flat[:kept[-1] + 1] if kept.size else flat[:0]


_TIER_COLUMNS = ("notional floor", "mmr", "cum")


def _tier_range(arg, array: np.ndarray) -> Any:
    """A tier range (floor, mmr[, cum] per row) as a TierTable, or the error of the whole call: the table feeds
    every cell, so an error cell in it is passed on and a blank or a text inside it is refused (never the default
    rate in its place). Blank rows after the last tier are trimmed (a range drawn longer than the table), and so is
    a wholly blank cum column (the amounts then follow from the recursion)."""
    if array.shape[1] > 3:
        raise ValueError(f"{arg.name} tier range needs 2 or 3 columns (floor, mmr[, cum]), got {array.shape[1]}")
    cells = np.array(array, dtype=object)
    if cells.dtype == object:
        cells = np.frompyfunc(convert.scalar_or_self, 1, 1)(cells)
    blank = np.frompyfunc(convert.is_blank, 1, 1)(cells).astype(bool)
    filled = np.flatnonzero(~blank.all(axis=1))
    if not filled.size:
        return MISSING  # a wholly blank range is an omitted argument, as a blank cell is
    cells, blank = cells[:filled[-1] + 1], blank[:filled[-1] + 1]
    if cells.shape[1] == 3 and blank[:, 2].all():
        cells, blank = cells[:, :2], blank[:, :2]
    one_row = cells.shape[0] == 1
    for (row, column), value in np.ndenumerate(cells):
        if one_row and column == 0 and blank[row, column]:
            continue  # one row is the position's own tier: its floor is not used
        where = f"{arg.name} tier range row {row + 1} {_TIER_COLUMNS[column]}"
        if isinstance(value, str) and is_error_code(value):
            return CellError(value.code if isinstance(value, CellError) else value, f"{where} is {value[:8]}")
        if blank[row, column]:
            raise ValueError(f"{where} is blank")
        if isinstance(value, str):
            raise ValueError(f"{where} holds text, not a number")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            raise ValueError(f"{where} must be a number")
    return TierTable.from_rows(cells.tolist()) if not one_row else _one_tier(cells[0])


def _one_tier(row: np.ndarray) -> TierTable:
    """A one-row tier range (floor, mmr[, cum]): the position's own tier, whatever its notional."""
    cells = [v for v in row[1:3]]
    if not cells or any(v is None or isinstance(v, (str, bool)) for v in cells):
        raise ValueError("tier range must hold numbers: notional floor, mmr[, cum]")
    try:
        values = [float(v) for v in cells]
    except (TypeError, ValueError):
        raise ValueError("tier range must hold numbers: notional floor, mmr[, cum]") from None
    return TierTable.fixed(*values, source="range")


def _no_liquidation_sentinels(liq_price: Any, side: Any) -> Any:
    """A liquidation price cell showing "no liquidation" becomes the engine's sentinel: 0 for a long, inf for a
    short, so distance and probability functions take LEVXL_LIQ_PRICE's output as it is."""
    prices = np.asarray(liq_price, dtype=object)
    marked = np.frompyfunc(lambda v: isinstance(v, str) and v.strip().lower() == NO_LIQUIDATION, 1, 1)(prices)
    marked = np.asarray(marked, dtype=bool)
    if not marked.any():
        return liq_price
    from levxl.engine.validate import SIDE as side_domain

    sides, _ = side_domain.convert(side if side is not None else 1.0)
    shape = np.broadcast_shapes(np.shape(sides), prices.shape)
    sentinel = np.where(np.broadcast_to(sides, shape) < 0, np.inf, 0.0)
    out = np.array(np.broadcast_to(prices, shape), dtype=object)
    marked = np.broadcast_to(marked, shape)
    out[marked] = np.broadcast_to(sentinel, shape)[marked]
    return out if out.ndim else out[()]


def _special_cells(numbers: np.ndarray, fn) -> tuple[np.ndarray, np.ndarray] | None:
    """(mask, values) of the non-finite results and what they show."""
    finite = np.isfinite(numbers)
    if fn.present == "price":
        special = ~finite | (numbers == 0)
    else:
        special = ~finite
    if not special.any():
        return None
    values = np.empty(numbers.shape, dtype=object)
    where = np.flatnonzero(special)
    flat = numbers.reshape(-1)
    # "#NUM! no value": an error code and its reason; a text without a code ("no move") is shown as that text
    nan_code, _, nan_reason = fn.nan_means.partition(" ")
    nan_cell = CellError(nan_code, nan_reason) if is_error_code(nan_code) else fn.nan_means
    out = values.reshape(-1)
    for i in where:
        x = flat[i]
        if math.isnan(x):
            out[i] = nan_cell
        elif fn.present == "price" or fn.inf_means:
            out[i] = fn.inf_means or NO_LIQUIDATION
        else:
            out[i] = num_error("+infinity" if x > 0 else "-infinity")
    return special, values


def present(values: Any, reasons: np.ndarray | None, fn) -> Any:
    """Engine output -> a cell value or 2-D array, each bad element a CellError with its reason."""
    if fn.present == "table":
        return np.array(values, dtype=object)
    array = np.asarray(values)
    overlay = None
    if array.dtype == bool:
        cells = array.astype(object)
    else:
        cells = array.astype(float, copy=False)
        special = _special_cells(cells, fn)
        if special is not None:
            overlay = np.array(special[1], dtype=object)
            overlay[~special[0]] = None
    if reasons is not None:
        if fn.stacked:
            reasons = reasons[..., None]  # the values stacked for an element share its reason
        reasons = np.broadcast_to(reasons, cells.shape)
        bad = reasons != ""
        if bad.any():
            if overlay is None:
                overlay = np.full(cells.shape, None, dtype=object)
            overlay[bad] = [value_error(r) for r in reasons[bad]]
    if overlay is not None:
        if cells.dtype == object or cells.ndim == 0:
            cells = np.array(cells, dtype=object)
            laid = overlay != None  # noqa: E711
            cells[laid] = overlay[laid]
            overlay = None
    if cells.ndim == 0:
        item = cells[()]
        return item.item() if isinstance(item, np.generic) else item
    if fn.stacked:
        cells = cells.reshape(-1, fn.stacked)
    if cells.ndim == 1:
        cells = cells.reshape(-1, 1)
    if cells.ndim > 2:
        cells = cells.reshape(cells.shape[0], -1)
    if overlay is not None:
        flat = overlay.reshape(-1)
        index = np.flatnonzero(flat != None)  # noqa: E711
        return Patched(cells, index, flat[index].tolist())
    return cells


def _pass_errors(cells: Any, passed: list, fn) -> Any:
    """Error cells in range arguments show in the result cells they feed (the first argument's error first)."""
    for name, mask, codes in reversed(passed):
        shape = np.shape(cells) if isinstance(cells, np.ndarray) else ()
        try:
            target = np.broadcast_shapes(mask.shape, shape)
        except ValueError:
            continue
        if target != shape:
            continue
        m = np.broadcast_to(mask, target)
        if not m.any():
            continue
        c = np.broadcast_to(codes, target)
        if not isinstance(cells, np.ndarray):
            return CellError(c[m][0], f"{name} holds {c[m][0]}")
        cells = np.array(cells, dtype=object)
        cells[m] = [CellError(code, f"{name} is {code}") for code in c[m]]
    return cells


def explain(fn, values: tuple) -> Any:
    """LEVXL_WHY: the reasons behind a call's error cells, as text in the result's shape ("" where fine)."""
    result = evaluate(fn, values)

    def reason(v: Any) -> str:
        return str.__str__(v) if isinstance(v, CellError) else ""

    if isinstance(result, np.ndarray):
        return [[reason(v) for v in row] for row in result.tolist()]
    return reason(result)
