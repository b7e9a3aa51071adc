"""Which books the fast path may claim: those whose every construct is on the list the differential corpus
(tests/test_recalc_corpus.py) pins cell for cell to LibreOffice and Excel. Everything else goes to LibreOffice.

:func:`claim` raises :class:`levxl.recalc.fast.Unsupported` (with the reason) for a book holding any of:

* iterative calculation (``calcPr iterate="1"``): the fast path writes circular cells as 0;
* a dynamic array (``cm="1"``): its true size is known only after evaluation, and may have changed since saving;
* an ``A1#`` spill reference (``ANCHORARRAY``);
* a whole-column or whole-row reference (``A:A``, ``1:1``);
* a range, or a defined name, used where Excel applies legacy implicit intersection: a multi-cell operand of an
  operator outside any function call in a non-array formula (``=Qty*2`` with ``Qty`` a column);
* a function outside :data:`PROVEN_FUNCTIONS` (the LEVXL_ functions are all proven).
"""

from __future__ import annotations

import re

from levxl.catalogue import lookup
from levxl.recalc.package import NS, Package

__all__ = ["claim", "PROVEN_FUNCTIONS"]

#: Native functions whose fast-path results the corpus pins to Excel's (LEVXL_ functions are all claimed).
PROVEN_FUNCTIONS = frozenset({
    "SUM", "MIN", "MAX", "AVERAGE", "COUNT", "COUNTA", "PRODUCT", "ABS", "ROUND", "INT", "SIGN", "IF", "IFERROR",
    "IFNA", "ISERROR", "ISNUMBER", "ISTEXT", "ISBLANK", "AND", "OR", "NOT", "LN", "LOG10", "EXP", "SQRT", "POWER",
    "MOD", "SUMPRODUCT", "INDEX", "MATCH", "NORM.S.DIST", "NORMSDIST", "NA", "PI", "TRUE", "FALSE", "SUMIF",
    "COUNTIF", "AVERAGEIF"})

_STRINGS = re.compile(r'"(?:[^"]|"")*"')
_WHOLE = re.compile(r"(?<![A-Za-z0-9_.$])(?:\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?\d+:\$?\d+)(?![A-Za-z0-9_(!])")
_FUNC = re.compile(r"(?<![A-Za-z0-9_.])((?:_xlfn\.|_xlws\.|_xll\.|_xldudf_)*[A-Za-z][A-Za-z0-9_.]*)\s*\(")
_SPILL_REF = re.compile(r"\$?[A-Za-z]{1,3}\$?\d+#")
_MULTI = re.compile(r"\$?[A-Za-z]{1,3}\$?\d+:\$?[A-Za-z]{1,3}\$?\d+")


def _bare(name: str) -> str:
    upper = name.upper()
    for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS."):
        if upper.startswith(prefix):
            return upper[len(prefix):]
    return upper


def _multi_names(package: Package) -> set[str]:
    out = set()
    for name, text in package.names.items():
        if _MULTI.search(text or "") or ":" in (text or ""):
            out.add(name)
    return out


def _intersects(text: str, multi: set[str]) -> bool:
    """A multi-cell range or name as an operand outside any function call (Excel's implicit intersection)."""
    from openpyxl.formula.tokenizer import Token, Tokenizer

    try:
        tokens = Tokenizer("=" + text).items
    except Exception:
        return True
    depth = 0
    for tok in tokens:
        if tok.type in (Token.FUNC, Token.PAREN) and tok.subtype == Token.OPEN:
            depth += tok.type == Token.FUNC
        elif tok.type == Token.FUNC and tok.subtype == Token.CLOSE:
            depth -= 1
        elif depth == 0 and tok.type == Token.OPERAND and tok.subtype == Token.RANGE:
            ref = tok.value.split("!")[-1]
            if ":" in ref or ref.upper() in multi:
                return True
    return False


def claim(package: Package) -> None:
    """Raise :class:`levxl.recalc.fast.Unsupported` unless the fast path is proven on every construct here."""
    from levxl.recalc.fast import Unsupported

    calc = package.workbook_root.find(f"{{{NS}}}calcPr")
    if calc is not None and calc.get("iterate") in ("1", "true"):
        raise Unsupported("iterative calculation")
    multi = _multi_names(package)
    seen: set[str] = set()
    for sheet in package.sheets:
        for cell in sheet.cells.values():
            if cell.kind == "array" and cell.element is not None and cell.element.get("cm"):
                raise Unsupported(f"dynamic array at {sheet.name}!{cell.element.get('r')}")
            text = cell.formula
            if not text or text in seen:
                continue
            seen.add(text)
            bare = _STRINGS.sub('""', text)
            if "ANCHORARRAY" in bare.upper() or _SPILL_REF.search(bare):
                raise Unsupported(f"spill reference in {text!r}")
            if _WHOLE.search(bare):
                raise Unsupported(f"whole-column or whole-row reference in {text!r}")
            for name in _FUNC.findall(bare):
                fn = _bare(name)
                if fn not in PROVEN_FUNCTIONS and lookup(fn) is None:
                    raise Unsupported(f"function {name}")
            if cell.kind != "array" and (":" in bare or multi) and _intersects(text, multi):
                raise Unsupported(f"implicit intersection in {text!r}")
