"""Which books the fast path may claim: those whose every construct is on the list the differential corpus
(tests/test_recalc_corpus.py) pins cell for cell to LibreOffice and Excel. Everything else goes to LibreOffice.

:func:`claim` raises :class:`levxl.recalc.fast.Unsupported` (with the reason) for a book holding any of:

* iterative calculation (``calcPr iterate="1"``): the fast path writes circular cells as 0;
* a dynamic array (``cm="1"``): its true size is known only after evaluation, and may have changed since saving;
* an ``A1#`` spill reference (``ANCHORARRAY``);
* a whole-row reference (``1:1``; whole columns are proven);
* a range, or a defined name, used where Excel applies legacy implicit intersection (non-array formulas): a
  multi-cell operand outside any function call (``=Qty*2`` with ``Qty`` a column), or of an operator inside a
  function other than SUMPRODUCT (``=OR(A1:A9>5)``);
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
_WHOLE_ROW = re.compile(r"(?<![A-Za-z0-9_.$])\$?\d+:\$?\d+(?![A-Za-z0-9_(!])")
_FUNC = re.compile(r"(?<![A-Za-z0-9_.])((?:_xlfn\.|_xlws\.|_xll\.|_xldudf_)*[A-Za-z][A-Za-z0-9_.]*)\s*\(")
_SPILL_REF = re.compile(r"\$?[A-Za-z]{1,3}\$?\d+#")
_MULTI = re.compile(r"\$?[A-Za-z]{1,3}\$?\d+:\$?[A-Za-z]{1,3}\$?\d+")


def _bare(name: str) -> str:
    upper = name.upper()
    for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS.", "_XLUDF."):
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
    """A multi-cell range or name where Excel applies legacy implicit intersection: an operand outside any function
    call, or an operand of an operator inside a function other than SUMPRODUCT (``=OR(A1:A9>5)`` entered without
    Ctrl+Shift+Enter is #VALUE! outside rows 1-9)."""
    from openpyxl.formula.tokenizer import Token, Tokenizer

    try:
        tokens = [t for t in Tokenizer("=" + text).items if t.type != Token.WSPACE]
    except Exception:
        return True
    stack: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type in (Token.FUNC, Token.PAREN) and tok.subtype == Token.OPEN:
            stack.append(tok.value.upper().rstrip("(") if tok.type == Token.FUNC else "(")
        elif tok.type in (Token.FUNC, Token.PAREN) and tok.subtype == Token.CLOSE:
            stack.pop() if stack else None
        elif tok.type == Token.OPERAND and tok.subtype == Token.RANGE:
            ref = tok.value.split("!")[-1]
            if not (":" in ref or ref.upper() in multi):
                continue
            functions = [f for f in stack if f != "("]
            if not functions:
                return True
            if any(_bare(f) == "SUMPRODUCT" for f in functions):
                continue
            near = [tokens[j] for j in (i - 1, i + 1) if 0 <= j < len(tokens)]
            if any(t.type in (Token.OP_IN, Token.OP_PRE) for t in near):
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
            if _WHOLE_ROW.search(bare):
                raise Unsupported(f"whole-row reference in {text!r}")
            for name in _FUNC.findall(bare):
                fn = _bare(name)
                if fn not in PROVEN_FUNCTIONS and lookup(fn) is None:
                    raise Unsupported(f"function {name}")
            if cell.kind != "array" and (":" in bare or multi) and _intersects(text, multi):
                raise Unsupported(f"implicit intersection in {text!r}")
