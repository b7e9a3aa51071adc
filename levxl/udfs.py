"""The xlwings UDF module: every function of :data:`levxl.catalogue.CATALOGUE` as an Excel function.

Point xlwings' ``UDF Modules`` setting at ``levxl.udfs`` and click "Import Functions". The functions are generated
from the catalogue (names, argument names, docs, optional arguments), so nothing here can drift from it. The same
decorators serve classic Windows Excel (the xlwings add-in) and xlwings Lite (Excel on Mac and the web).

Every argument arrives as a 2-D list (``ndim=2``) so a range keeps its shape and a result spills in that shape;
numbers come as floats (``dtype=float`` is not forced because text and blank cells must reach the catalogue, which
turns them into per-cell messages).
"""

from __future__ import annotations

import inspect

import xlwings as xw

from levxl.catalogue import CATALOGUE, SheetFunction

__all__ = sorted(CATALOGUE)


def _udf(entry: SheetFunction):
    def udf(*values):
        return entry(*values)

    udf.__name__ = udf.__qualname__ = entry.name
    udf.__doc__ = f"{entry.summary}. Returns {entry.returns}."
    udf.__signature__ = inspect.Signature([
        inspect.Parameter(a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=None if a.optional else inspect.Parameter.empty) for a in entry.args])
    decorated = udf
    for arg in reversed(entry.args):
        decorated = xw.arg(arg.name, ndim=2, doc=arg.doc)(decorated)
    return xw.func(category="levxl")(decorated)


for _name, _entry in CATALOGUE.items():
    globals()[_name] = _udf(_entry)
