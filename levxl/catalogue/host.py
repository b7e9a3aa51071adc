"""What an Excel host shows of a catalogue call: error cells as real Excel errors, fixed choices as dropdowns.

Errors. A bad element is a :class:`~levxl.catalogue.errors.CellError`; a host gets it as a real error value,
so ``SUM``/``MIN``/``AVERAGE`` over a column with a bad row show the error (and ``COUNT`` leaves it out, as it
does with Excel's own errors) instead of silently skipping a text cell, and ``ISERROR``/``IFERROR`` see it:

* Office.js hosts (xlwings Lite on Excel for Mac and the web, xlwings Server) turn the exact text ``"#VALUE!"``
  (or ``"#NUM!"``, ``"#N/A"``...) into a real error (Excel custom-functions runtime 1.4+). An error value in a
  spilled matrix has no room for a message there (only a whole-function error would), so the reason comes from
  ``=LEVXL.WHY("LIQ_PRICE", <same arguments>)``;
* classic Windows Excel (the xlwings add-in): a UDF returns a Python value through COM; a string stays text
  (xlwings issue #776), so each error cell is returned as a COM ``VT_ERROR`` variant (the form Excel's own
  ``CVErr(xlErrValue)`` has), built with pywin32; ``=LEVXL_WHY(...)`` gives the reasons;
* the switch ``LEVXL_ERRORS=text`` (environment variable of the Python process) brings back the old text cells
  (``"#VALUE! leverage must be > 0"``) for a user who prefers reading the reason in the cell and knows that
  ``SUM`` then skips those rows.

Dropdowns. In Office.js hosts an argument that takes one fixed choice for the whole call gets a dropdown of its
values (``typing.Literal``): ``model``, ``settle``, ``greek``, ``output`` everywhere, and ``side``, ``type``,
``contract``, ``basis`` in the functions that are not cell-by-cell (grids, the account function, AVG_ENTRY). In
cell-by-cell functions those arguments take a range (a column of sides is the common case), which a dropdown
argument cannot (Office.js passes it as one scalar), so they stay free; their doc lists the values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from levxl.catalogue.cells import Patched, run
from levxl.catalogue.errors import CellError

__all__ = ["CHOICES", "dropdown", "for_host", "host_call", "Rows", "ERROR_MODES"]

CHOICES = {
    "side": ("long", "short", "buy", "sell"),
    "contract": ("linear", "inverse"),
    "settle": ("linear", "inverse"),
    "basis": ("mark", "entry"),
    "type": ("call", "put"),
    "model": ("black76", "bs"),
    "greek": ("price", "delta", "gamma", "vega", "theta", "rho"),
    "output": ("pnl", "roe", "liquidated", "equity", "liq_price"),
}
"""The values a dropdown offers (other spellings the engine accepts still work when typed)."""

_PER_CALL = frozenset({"model", "settle", "greek", "output"})

ERROR_MODES = ("values", "text")


def dropdown(fn, arg) -> tuple[str, ...] | None:
    """The dropdown values of one argument in Office.js hosts, or None (a free value or range)."""
    choices = CHOICES.get(arg.name)
    if choices is None:
        return None
    if arg.name in _PER_CALL or not fn.elementwise or arg.kind == "single":
        return choices
    return None


def host_call(fn, values: tuple, error: Any = None) -> Any:
    """A catalogue call as a host takes its result (see :func:`for_host`)."""
    from levxl.catalogue.cells import pause_gc

    with pause_gc(values):
        return for_host(run(fn, values), error)


class Rows(list):
    """A range result as a host takes it (a list of row lists) that also says which cells are not numbers:
    ``special`` lists their (row, column), so a host's converter can give only those cells its own treatment
    (an error value, a text) instead of looking at 100,000 floats one by one. Equal to the plain list."""

    __slots__ = ("special",)

    def __init__(self, rows: list, special: list):
        super().__init__(rows)
        self.special = special


def for_host(result: Any, error: Any = None) -> Any:
    """A catalogue result (value or 2-D numpy array) as a host takes it: a value or a 2-D list, each CellError
    replaced by ``error(cell)`` (the host's error value); ``error=None`` keeps the old text form. A range whose
    non-number cells are known (the common case) comes back as :class:`Rows`."""
    if isinstance(result, CellError):
        return error(result) if error else str.__str__(result)
    if isinstance(result, Patched):
        width = result.numbers.shape[1]
        special = [divmod(i, width) for i in result.index.tolist()]
        return Rows(result.rows(lambda v: (error(v) if error else str.__str__(v)) if isinstance(v, CellError)
                                else v), special)
    if not isinstance(result, np.ndarray):
        return result
    if result.dtype == object:
        convert = (lambda v: error(v) if isinstance(v, CellError) else v) if error else \
            (lambda v: str.__str__(v) if isinstance(v, CellError) else v)
        return np.frompyfunc(convert, 1, 1)(result).tolist()
    if result.dtype.kind == "f" and result.ndim == 2:  # numbers (present() lays the others over as Patched)
        odd = np.argwhere(~np.isfinite(result))  # none, unless a function skipped present(): the host decides
        return Rows(result.tolist(), [tuple(ij) for ij in odd.tolist()])
    return result.tolist()
