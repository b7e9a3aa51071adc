"""The xlwings UDF module: every function of :data:`levxl.catalogue.CATALOGUE` as an Excel function.

Point xlwings' ``UDF Modules`` setting at ``levxl.udfs`` and click "Import Functions" (classic Windows Excel), or
import it from xlwings Lite's ``main.py`` (Excel on Mac and the web) or an xlwings Server app. The functions are
generated from the catalogue (names, argument names, docs, optional arguments), so nothing here can drift from it.

* Names: ``=LEVXL_LIQ_PRICE(...)`` in classic Windows Excel; ``=LEVXL.LIQ_PRICE(...)`` in Office.js hosts (the
  ``LEVXL`` namespace, as Excel shows add-in functions there). Both spellings are the same catalogue entry and the
  recalc and template accept both.
* Arguments arrive as 2-D lists (``ndim=2``) so a range keeps its shape and a result spills in that shape; error
  cells arrive as their code (``err_to_str``) and are passed on. In Office.js hosts ranges are read raw (the lists
  Excel sends, error cells and formatted numbers as rich values, which the catalogue reads), and a result's cells
  go through xlwings' own per-cell conversion only where they are not numbers: whole columns stay fast there. In Office.js hosts an argument with one fixed
  choice per call (``model``, ``greek``, ``output``...) is a dropdown (``typing.Literal``).
* Errors: a bad element is a real Excel error (``#VALUE!``, ``#NUM!``, a passed-on ``#N/A``), so ``SUM`` or
  ``MIN`` over a column with a bad row shows an error instead of skipping the row; ``=LEVXL_WHY("LIQ_PRICE",
  <same arguments>)`` (``=LEVXL.WHY`` in Office.js) gives the reasons as text in the same shape. The environment
  variable ``LEVXL_ERRORS=text`` brings back the old text cells (``"#VALUE! leverage must be > 0"``). See
  :mod:`levxl.catalogue.host` for how each host gets its error values.
"""

from __future__ import annotations

import inspect
import os
import typing

import xlwings as xw

from levxl.catalogue import CATALOGUE, NAMESPACE, WHY_NAME, SheetFunction, explain, host
from levxl.catalogue.errors import CellError

__all__ = sorted([*CATALOGUE, WHY_NAME])

OFFICE_JS = getattr(xw.func, "__module__", "") == "xlwings.pro.udfs_officejs"
"""True under xlwings Lite and xlwings Server (``XLWINGS_ON_SERVER=true``): the Office.js custom-functions path."""

_COM_ERRORS = {"#NULL!": 2000, "#DIV/0!": 2007, "#VALUE!": 2015, "#REF!": 2023, "#NAME?": 2029, "#NUM!": 2036,
               "#N/A": 2042}
"""Excel's CVErr numbers (``xlErrValue`` = 2015...)."""


def com_error_scode(code: str) -> int:
    """The COM ``VT_ERROR`` value of an Excel error code: 0x800A0000 + the CVErr number, as a signed 32-bit
    int (``#VALUE!`` -> -2146826273, ``#N/A`` -> -2146826246): what pywin32 gives xlwings for an error cell it
    reads (xlwings issues #61, #496), and what makes Excel show that error when a UDF returns it as
    ``win32com.client.VARIANT(pythoncom.VT_ERROR, value)``. Codes Excel has no CVErr for (``#SPILL!``...) are
    ``#VALUE!``."""
    return 0x800A0000 + _COM_ERRORS.get(code, 2015) - (1 << 32)


def error_value(office_js: bool = OFFICE_JS) -> typing.Callable[[CellError], typing.Any] | None:
    """How this host gets an error cell: the exact code text in Office.js (xlwings makes it a real error), a
    COM VT_ERROR variant in classic Windows Excel, or None (text) with ``LEVXL_ERRORS=text`` or no pywin32."""
    if os.environ.get("LEVXL_ERRORS", "values").strip().lower() == "text":
        return None
    if office_js:
        return lambda e: e.code
    try:
        import pythoncom
        from win32com.client import VARIANT
    except ImportError:  # not Windows: nothing else calls this module's classic functions
        return None

    def com_error(e: CellError):
        # pywin32 turns a VARIANT instance, alone or inside the nested lists of a spilled result, into that COM
        # variant (oleargs.cpp: PyCom_VariantFromPyObject -> ConvertPyVariant); xlwings hands the UDF's value to
        # pywin32 unchanged (its prepare_xl_data_element passes unknown objects through), so Excel gets the
        # error value itself, as VBA's CVErr(xlErrValue) gives it.
        return VARIANT(pythoncom.VT_ERROR, com_error_scode(e.code))

    return com_error


def _officejs_result_converter():
    """The return converter of the Office.js functions: xlwings' own write pipeline (every cell through its
    ``prepare_xl_data_element``: an exact error code becomes an error value, NaN ``#NUM!``...) for small or mixed
    results, but for a :class:`~levxl.catalogue.host.Rows` result only the cells it lists as not numbers go
    through it: a finite float is returned as it is by that function anyway, and a 100,000-row column would
    otherwise pay a Python call per cell (on CPython xlwings 0.37 each call also retries a failed
    ``import pyodide``: ~0.1 ms a cell, seconds per column)."""
    from xlwings.conversion import Converter, Pipeline, ValueAccessor

    class Stage:
        def __init__(self, options):
            self.options = options
            self.default = ValueAccessor.writer(options)

        def __call__(self, c):
            special = getattr(c.value, "special", None)
            prepare = getattr(getattr(getattr(c, "engine", None), "impl", None), "prepare_xl_data_element", None)
            if special is None or prepare is None:  # (an xlwings without that hook: its own path, every cell)
                return self.default(c)
            rows = c.value
            for i, j in special:
                rows[i][j] = prepare(rows[i][j], self.options)
            c.value = list(rows)

    class LevxlCells(Converter):
        @classmethod
        def writer(cls, options):
            return Pipeline().prepend_stage(Stage(options))

    return LevxlCells


def _signature(args: typing.Sequence, annotations: dict) -> inspect.Signature:
    return inspect.Signature([
        inspect.Parameter(a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=None if a.optional else inspect.Parameter.empty,
                          annotation=annotations.get(a.name, inspect.Parameter.empty)) for a in args])


def _range_options(office_js: bool) -> dict:
    """How a range argument is read. Classic xlwings: ``ndim=2`` (a range keeps its shape), error cells as their
    code. Office.js: raw, as Excel sends it (lists of rows; error cells and formatted numbers as rich-value dicts,
    which levxl reads itself): xlwings' own reader would make a Python call per cell, which on CPython xlwings
    0.37 also retries a failed ``import pyodide`` (~0.1 ms a cell: 40 s for four 100,000-row columns)."""
    return {"convert": "raw"} if office_js else {"ndim": 2, "err_to_str": True}


def make_udf(entry: SheetFunction, office_js: bool = OFFICE_JS, func=None, arg=None, ret=None):
    """One catalogue entry as an xlwings function (``func``/``arg``/``ret``: the host's decorators, xlwings' by
    default)."""
    func, arg, ret = func or xw.func, arg or xw.arg, ret or xw.ret
    to_error = error_value(office_js)

    def udf(*values):
        return host.host_call(entry, values, to_error)

    udf.__name__ = udf.__qualname__ = entry.name
    udf.__doc__ = f"{entry.summary}. Returns {entry.returns}."
    annotations = {}
    if office_js:
        for a in entry.args:
            choices = host.dropdown(entry, a)
            if choices:
                annotations[a.name] = typing.Literal[choices]
    udf.__annotations__ = dict(annotations)
    udf.__signature__ = _signature(entry.args, annotations)
    decorated = ret(convert=_officejs_result_converter())(udf) if office_js else udf
    for a in reversed(entry.args):
        # a dropdown argument is read raw too: xlwings' own reader would turn an error cell into an omitted
        # argument (the default used, a number shown) and flatten a column into a row
        decorated = arg(a.name, doc=a.doc, **_range_options(office_js))(decorated)
    names = {"namespace": NAMESPACE, "name": entry.name[len(NAMESPACE) + 1:]} if office_js else {}
    return func(category="levxl", **names)(decorated)


def make_why(office_js: bool = OFFICE_JS, func=None, arg=None):
    """``LEVXL_WHY(function, arguments...)``: the reasons behind the error cells of that call, as text."""
    func, arg = func or xw.func, arg or xw.arg

    def LEVXL_WHY(function, *arguments):
        return explain(function, *arguments)

    LEVXL_WHY.__doc__ = ("Why cells of a LEVXL function show an error: the reasons as text, in the shape of that "
                         'call\'s result ("" where a cell is fine).')
    decorated = arg("function", ndim=2, doc='the function\'s name, e.g. "LIQ_PRICE"')(LEVXL_WHY)
    decorated = arg("arguments", doc="the same arguments as that function's call", **_range_options(office_js))(
        decorated)
    names = {"namespace": NAMESPACE, "name": "WHY"} if office_js else {}
    return func(category="levxl", **names)(decorated)


def module_functions(office_js: bool = OFFICE_JS, func=None, arg=None, ret=None) -> dict[str, typing.Callable]:
    """Every function of this module, decorated for a host (the tests build the Office.js set this way)."""
    functions = {name: make_udf(entry, office_js, func, arg, ret) for name, entry in CATALOGUE.items()}
    functions[WHY_NAME] = make_why(office_js, func, arg)
    return functions


globals().update(module_functions())
