"""The fast, vectorised evaluator of ``levxl recalc``.

How it works
------------
1. Every formula is reduced to its R1C1 shape with a regex (``=A2*$B$1`` in row 2 of column C and ``=A3*$B$1`` in row 3
   are both ``=R[0]C[-2]*R1C2``). Consecutive cells of a column with the same shape form a *run*; each distinct
   shape is tokenised once (openpyxl's Tokenizer) and compiled to a small expression tree.
2. Runs are ordered by a topological sort of run -> run references (Tarjan's SCCs; a run that reads its own column
   is split into single cells first). Cells in a cycle get Excel's circular-reference behaviour: the value **0** is
   written and the summary counts them as ``circular`` errors.
3. Each run is evaluated once over numpy arrays: a reference down the run is an ``(N, 1)`` column, an absolute range
   or a whole column (``A:A``, clipped to the used rows) is a fixed block. Runs whose cells cannot share one call
   (relative multi-row ranges, a fixed array mixed with a varying value) are evaluated cell by cell with the same code.

Supported
---------
* references: ``A1``, ``$A$1``, ``Sheet!A1``, ``'My sheet'!A1:B9``, whole columns ``A:A``/``$A:$C``, defined names that
  are a plain reference or range in this workbook; array constants ``{1,2;3,4}``; numbers, text, TRUE/FALSE, errors;
* operators: ``+ - * / ^ & = <> < > <= >=``, unary ``-``/``+``, postfix ``%``; Excel's coercions (blank = 0 or "",
  numeric text in arithmetic, booleans as 1/0) and error propagation (the left operand's error first; x/0 =
  #DIV/0!; non-finite results = #NUM!);
* native functions (also with the ``_xlfn.`` prefix): SUM, MIN, MAX, AVERAGE, COUNT, COUNTA, PRODUCT, ABS, ROUND,
  INT, SIGN, IF, IFERROR, IFNA, ISERROR, ISNUMBER, ISTEXT, ISBLANK, AND, OR, NOT, LN, LOG10, EXP, SQRT, POWER, MOD,
  SUMPRODUCT, INDEX, MATCH, NORM.S.DIST, NORMSDIST, NA, PI, TRUE, FALSE, SUMIF, COUNTIF, AVERAGEIF (a criterion
  per row is fine; the range must be a reference);
* every catalogue function in every spelling (``LEVXL_X``, ``_xll.LEVXL_X``, ``_xldudf_LEVXL_X``, any case):
  elementwise entries are called once per run with ``(N, 1)`` columns; the others (grids, TIERS, MMR,
  ACCOUNT_LIQ_PRICES, AVG_ENTRY) once per cell. An Excel error in an argument (also inside a range argument) is the
  result, as Excel does for its own functions; the catalogue's per-element messages ("#VALUE! leverage must be > 0")
  are text, as the xlwings UDF shows them.
* array formulas (``<f t="array" ref="A1:C3">``, also dynamic-array spills): the result is fitted to ``ref`` like
  Excel (a single value fills it, a row/column repeats, a larger result is cut, a smaller one padded with #N/A).

Where formulas 1.3.4 (the reference) differs from Excel, this evaluator follows Excel: ``number & text`` shows 15
significant digits, COUNT skips a text argument, 0^0 is #NUM!, ``--TRUE`` is 1 (formulas keeps TRUE); the tests list
these cells.

Anything else (another function, an unresolved or sheet-scoped defined name, an external link, a 3-D reference, a
structured table reference, the intersection operator, whole-row references, a data table) raises
:class:`Unsupported` and the whole workbook goes to LibreOffice (:mod:`levxl.recalc.libreoffice`); so does a book
holding any construct the fast path is not proven on (:mod:`levxl.recalc.proven`).
"""

from __future__ import annotations

import bisect
import math
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from levxl.catalogue import lookup
from levxl.recalc.package import Package, Sheet, col_index, col_letter
from levxl.recalc.values import XlError, error, to_text

__all__ = ["Unsupported", "evaluate", "SUPPORTED_FUNCTIONS"]

MAX_ROW = 1_048_576
MAX_COL = 16_384
VALUE, DIV0, NUM, NA, REF, NAME = (error(c) for c in ("#VALUE!", "#DIV/0!", "#NUM!", "#N/A", "#REF!", "#NAME?"))


class Unsupported(Exception):
    """The fast path does not handle this workbook; the reference engine must."""


class PerCell(Exception):
    """This run cannot be evaluated as one call; evaluate it cell by cell."""


# -- formula shapes ------------------------------------------------------------------------------------------------
_SPLIT = re.compile(r"(\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*')")
_A1 = re.compile(r"(?<![A-Za-z0-9_.\\\]])(\$?)([A-Za-z]{1,3})(\$?)(\d{1,7})(?![A-Za-z0-9_(.\[])")


_LEVXL = re.compile(r"(?i)(?<![A-Za-z0-9_.])(?:_xll\.|_xludf\.|_xldudf_)?levxl_")
_COLUMNS = re.compile(r"(?<![A-Za-z0-9_.\\\]$])(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})(?![A-Za-z0-9_(.\[])")


def shape_key(formula: str, row: int, col: int) -> str:
    """The R1C1 form of a formula (used only as a grouping key; strings and quoted sheet names are kept; every
    spelling of a LEVXL_ function is one)."""

    def sub(m: re.Match) -> str:
        cabs, letters, rabs, digits = m.groups()
        c = col_index(letters)
        return ("R" + digits if rabs else "R[" + str(int(digits) - row) + "]") + \
            ("C" + str(c) if cabs else "C[" + str(c - col) + "]")

    def columns(m: re.Match) -> str:  # a relative whole column differs by the column it is written in
        a_abs, a, b_abs, b = m.groups()
        ca, cb = col_index(a), col_index(b)
        return ("C" + str(ca) if a_abs else f"C[{ca - col}]") + ":" + ("C" + str(cb) if b_abs else f"C[{cb - col}]")

    def shape(text: str) -> str:
        text = _A1.sub(sub, text)
        if ":" in text:
            text = _COLUMNS.sub(columns, text)
        return _LEVXL.sub("LEVXL_", text)

    if '"' not in formula and "'" not in formula:
        return shape(formula)
    parts = _SPLIT.split(formula)
    for i in range(0, len(parts), 2):
        parts[i] = shape(parts[i])
    return "".join(parts)


# -- parsing -------------------------------------------------------------------------------------------------------
_CELL = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")
_COLS = re.compile(r"^(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})$")


def _split_sheet(text: str) -> tuple[str | None, str]:
    if "!" not in text:
        return None, text
    sheet, _, ref = text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    if sheet.startswith("[") or ":" in sheet:
        raise Unsupported(f"external or 3-D reference {text!r}")
    return sheet, ref


class Compiler:
    """Tokenise a formula (at its anchor cell) into a tree whose references are relative to the anchor."""

    def __init__(self, package: Package):
        self.package = package
        self._names: dict[str, tuple] = {}

    def compile(self, formula: str, row: int, col: int):
        from openpyxl.formula import Tokenizer

        try:
            tokens = [t for t in Tokenizer("=" + formula).items]
        except Exception as exc:
            raise Unsupported(f"cannot tokenise {formula!r}: {exc}") from None
        self.tokens = [t for t in tokens if t.type != "WHITE-SPACE"]
        self.pos = 0
        self.row, self.col = row, col
        node = self.expr()
        if self.pos != len(self.tokens):
            raise Unsupported(f"cannot parse {formula!r}")
        return node

    # grammar: comparison > concat > additive > multiplicative > power > unary > postfix > primary
    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        t = self.tokens[self.pos]
        self.pos += 1
        return t

    def _infix(self, ops, sub):
        node = sub()
        while (t := self.peek()) is not None and t.type == "OPERATOR-INFIX" and t.value in ops:
            self.take()
            node = ("bin", t.value, node, sub())
        return node

    def expr(self):
        return self._infix(("=", "<>", "<", ">", "<=", ">="), self.concat)

    def concat(self):
        return self._infix(("&",), self.additive)

    def additive(self):
        return self._infix(("+", "-"), self.mult)

    def mult(self):
        return self._infix(("*", "/"), self.power)

    def power(self):
        return self._infix(("^",), self.unary)

    def unary(self):
        t = self.peek()
        if t is not None and t.type == "OPERATOR-PREFIX":
            self.take()
            inner = self.unary()
            return ("neg", inner) if t.value == "-" else inner
        return self.postfix()

    def postfix(self):
        node = self.primary()
        while (t := self.peek()) is not None and t.type == "OPERATOR-POSTFIX":
            self.take()
            node = ("pct", node)
        return node

    def primary(self):
        t = self.peek()
        if t is None:
            raise Unsupported("formula ends early")
        if t.type == "OPERAND":
            self.take()
            return self.operand(t)
        if t.type == "PAREN" and t.subtype == "OPEN":
            self.take()
            node = self.expr()
            close = self.take() if self.peek() is not None else None
            if close is None or close.type != "PAREN":
                raise Unsupported("unbalanced parentheses")
            return node
        if t.type == "FUNC" and t.subtype == "OPEN":
            self.take()
            name = t.value[:-1].upper()
            args = []
            if self.peek() is not None and self.peek().type == "FUNC" and self.peek().subtype == "CLOSE":
                self.take()
                return ("func", name, args)
            while True:
                nxt = self.peek()
                if nxt is not None and (nxt.type == "SEP" or (nxt.type == "FUNC" and nxt.subtype == "CLOSE")):
                    args.append(("missing",))
                else:
                    args.append(self.expr())
                sep = self.take()
                if sep.type == "FUNC" and sep.subtype == "CLOSE":
                    break
                if sep.type != "SEP" or sep.subtype != "ARG":
                    raise Unsupported("bad argument list")
            return ("func", name, args)
        if t.type == "ARRAY" and t.subtype == "OPEN":
            self.take()
            rows, row = [], []
            while True:
                item = self.take()
                if item.type == "OPERAND":
                    row.append(self.operand(item, constant=True)[1])
                elif item.type == "OPERATOR-PREFIX" and self.peek().type == "OPERAND":
                    value = self.operand(self.take(), constant=True)[1]
                    row.append(-value if item.value == "-" else value)
                elif item.type == "SEP":
                    if item.subtype == "ROW":
                        rows.append(row)
                        row = []
                elif item.type == "ARRAY" and item.subtype == "CLOSE":
                    rows.append(row)
                    break
                else:
                    raise Unsupported("bad array constant")
            if len({len(r) for r in rows}) != 1:
                raise Unsupported("ragged array constant")
            return ("array", rows)
        raise Unsupported(f"unexpected {t.value!r}")

    def operand(self, t, constant=False):
        v = t.value
        if t.subtype == "NUMBER":
            return ("const", float(v))
        if t.subtype == "TEXT":
            return ("const", v[1:-1].replace('""', '"'))
        if t.subtype == "LOGICAL":
            return ("const", v.upper() == "TRUE")
        if t.subtype == "ERROR":
            return ("const", error(v))
        if constant:
            raise Unsupported("reference inside an array constant")
        return self.reference(v)

    def reference(self, text: str, resolving: str | None = None):
        if "[" in text and not text.startswith("'["):
            raise Unsupported(f"structured or external reference {text!r}")
        sheet, ref = _split_sheet(text)
        if ref.upper() == "#REF!":
            return ("const", REF)
        if sheet is not None and self.package.sheet(sheet) is None:
            return ("const", REF)
        m = _CELL.match(ref)
        if m:
            return ("ref", sheet, *self._axis(m))
        if ":" in ref:
            a, b = ref.split(":", 1)
            ma, mb = _CELL.match(a), _CELL.match(b)
            if ma and mb:
                return ("range", sheet, *self._axis(ma), *self._axis(mb))
            mc = _COLS.match(ref)
            if mc:
                c1, c2 = col_index(mc.group(2)), col_index(mc.group(4))
                c1 = c1 if mc.group(1) else c1 - self.col
                c2 = c2 if mc.group(3) else c2 - self.col
                return ("range", sheet, 1, True, c1, bool(mc.group(1)), MAX_ROW, True, c2, bool(mc.group(3)))
            raise Unsupported(f"reference {text!r}")
        if sheet is None:
            name = ref.upper()
            if name in self.package.local_names:
                raise Unsupported(f"sheet-scoped defined name {ref!r}")
            if name in self.package.names and name != resolving:
                definition = self.package.names[name].strip().lstrip("=")
                saved = self.row, self.col
                self.row, self.col = 0, 0  # a name's references are absolute
                try:
                    node = self.reference(definition, resolving=name)
                finally:
                    self.row, self.col = saved
                if not _absolute(node):
                    raise Unsupported(f"defined name {ref!r} with relative references")
                return node
        raise Unsupported(f"unknown name {text!r}")

    def _axis(self, m):
        c = col_index(m.group(2))
        r = int(m.group(4))
        cabs, rabs = bool(m.group(1)), bool(m.group(3))
        return (r if rabs else r - self.row, rabs, c if cabs else c - self.col, cabs)


def _absolute(node) -> bool:
    if node[0] == "ref":
        return node[3] and node[5]
    if node[0] == "range":
        return node[3] and node[5] and node[7] and node[9]
    return node[0] == "const"


# -- values --------------------------------------------------------------------------------------------------------
class Val:
    """An evaluated operand: a 2-D array, and whether it varies down the run (``(N, 1)``/``(N, w)``) and whether it is
    a reference (ranges and references skip text in aggregates, expressions coerce it)."""

    __slots__ = ("arr", "varying", "is_ref")

    def __init__(self, arr: np.ndarray, varying: bool, is_ref: bool = False):
        self.arr = arr
        self.varying = varying
        self.is_ref = is_ref


def _const(value) -> Val:
    arr = np.empty((1, 1), dtype=object)
    arr[0, 0] = value
    return Val(arr, False)


def _obj(arr) -> np.ndarray:
    return arr if arr.dtype == object else arr.astype(object)


_NUMBER_TEXT = re.compile(r"^\s*([+-]?)\s*\$?\s*((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)"
                          r"([eE][+-]?\d+)?\s*(%?)\s*$")
_DATE_LIKE = re.compile(r"(?i)\d\s*[-/:.]\s*\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b")


def _text_number(text: str):
    """Numeric text as Excel (en-US) reads it in arithmetic: thousands separators, a currency sign, a percent.
    Dates and times in text are not read here: the book goes to LibreOffice."""
    m = _NUMBER_TEXT.match(text)
    if m:
        sign, digits, exponent, percent = m.groups()
        x = float(digits.replace(",", "") + (exponent or ""))
        x = -x if sign == "-" else x
        return x / 100 if percent else x
    if _DATE_LIKE.search(text) and any(ch.isdigit() for ch in text):
        raise Unsupported(f"text {text!r} that Excel may read as a date or time")
    return VALUE


def _tonum1(v):
    t = type(v)
    if t is float:
        return v
    if t is int or t is bool:
        return float(v)
    if v is None:
        return 0.0
    if t is str:
        try:
            return float(v)
        except ValueError:
            return _text_number(v)
    if t is XlError:
        return v
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        return float(v)
    return VALUE


_tonum = np.frompyfunc(_tonum1, 1, 1)
_iserr = np.frompyfunc(lambda v: type(v) is XlError, 1, 1)
_isnum = np.frompyfunc(lambda v: (type(v) is float or type(v) is int or isinstance(v, (np.floating, np.integer)))
                       and type(v) is not bool, 1, 1)


def num(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(float array, object array of errors or None) for arithmetic: blank = 0, numeric text = its number."""
    if arr.dtype != object:
        return arr.astype(float, copy=False), None
    conv = _tonum(arr)
    bad = _iserr(conv).astype(bool)
    if bad.any():
        errs = np.where(bad, conv, None)
        return np.where(bad, np.nan, conv).astype(float), errs
    return conv.astype(float), None


def num2(arr: np.ndarray):
    """num() for an operator: (floats, the operand's own errors, errors of text that is not a number). An operator
    returns its operands' own errors first (left, then right), then a coercion #VALUE!: "a"+NA() is #N/A in Excel."""
    f, e = num(arr)
    if e is None:
        return f, None, None
    own = _iserr(arr).astype(bool)
    if own.all():
        return f, e, None
    if not own.any():
        return f, None, e
    return f, np.where(own, e, None), np.where(own, None, e)


def _combine(shape, result, *errs) -> np.ndarray:
    """Put errors into a result: the first argument's error wins (Excel evaluates left to right)."""
    errs = [e for e in errs if e is not None]
    if not errs:
        return result
    out = np.broadcast_to(result, shape).astype(object)
    for e in reversed(errs):
        e = np.broadcast_to(e, shape)
        mask = e != None  # noqa: E711 (elementwise)
        if mask.any():
            out[mask] = e[mask]
    return out


def _finish(r: np.ndarray, bad_code=NUM) -> np.ndarray:
    bad = ~np.isfinite(r)
    if bad.any():
        out = r.astype(object)
        out[bad] = bad_code
        return out
    return r


def _shape2(a: Val, b: Val, n: int) -> tuple[int, int]:
    try:
        return np.broadcast_shapes(a.arr.shape, b.arr.shape)
    except ValueError:
        raise PerCell() from None


def _check_mix(n: int, *vals: Val) -> None:
    """A fixed array of several cells mixed with a value varying down a run is ambiguous: evaluate per cell."""
    if n > 1 and any(v.varying for v in vals) and any(not v.varying and v.arr.size > 1 for v in vals):
        raise PerCell()


def _arith(op: str, a: Val, b: Val, n: int) -> Val:
    _check_mix(n, a, b)
    fa, ea, ca = num2(a.arr)
    fb, eb, cb = num2(b.arr)
    shape = _shape2(a, b, n)
    with np.errstate(all="ignore"):
        if op == "+":
            r = fa + fb
        elif op == "-":
            r = fa - fb
        elif op == "*":
            r = fa * fb
        elif op == "/":
            r = fa / fb
            zero = np.broadcast_to(fb == 0, shape)
            r = _finish(np.broadcast_to(r, shape))
            if zero.any():
                r = r.astype(object)
                r[zero] = DIV0
            return Val(_combine(shape, r, ea, eb, ca, cb), a.varying or b.varying)
        elif op == "^":
            r = np.power(fa, fb)
            odd_root = (fa < 0) & (fb != 0) & np.isfinite(fb)
            if np.any(odd_root):  # Excel takes odd roots of negatives: (-8)^(1/3) = -2
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    inverse = 1.0 / fb
                    odd_root &= (np.abs(inverse - np.round(inverse)) < 1e-9) & (np.round(inverse) % 2 == 1)
                    r = np.where(odd_root, -np.power(np.abs(fa), fb), r)
            zero_zero = np.broadcast_to((fa == 0) & (fb == 0), shape)
            zero_neg = np.broadcast_to((fa == 0) & (fb < 0), shape)
            r = _finish(np.broadcast_to(r, shape))
            if zero_zero.any() or zero_neg.any():
                r = r.astype(object)
                r[zero_zero] = NUM
                r[zero_neg] = DIV0
            return Val(_combine(shape, r, ea, eb, ca, cb), a.varying or b.varying)
        else:
            raise Unsupported(f"operator {op}")
    return Val(_combine(shape, _finish(np.broadcast_to(r, shape)), ea, eb, ca, cb), a.varying or b.varying)


def _rank(v):
    t = type(v)
    if v is None:
        return 0
    if t is bool:
        return 3
    if t is str:
        return 2
    return 1


def _cmp1(op: str):
    def cmp(a, b):
        if type(a) is XlError:
            return a
        if type(b) is XlError:
            return b
        if a is None:
            a = "" if type(b) is str else (False if type(b) is bool else 0.0)
        if b is None:
            b = "" if type(a) is str else (False if type(a) is bool else 0.0)
        ra, rb = _rank(a), _rank(b)
        if ra != rb:
            x, y = ra, rb
        elif ra == 2:
            x, y = a.lower(), b.lower()
        else:
            x, y = _sig15(float(a)), _sig15(float(b))
        if op == "=":
            return x == y
        if op == "<>":
            return x != y
        if op == "<":
            return x < y
        if op == ">":
            return x > y
        if op == "<=":
            return x <= y
        return x >= y

    return np.frompyfunc(cmp, 2, 1)


_CMP = {op: _cmp1(op) for op in ("=", "<>", "<", ">", "<=", ">=")}
_NPCMP = {"=": np.equal, "<>": np.not_equal, "<": np.less, ">": np.greater, "<=": np.less_equal,
          ">=": np.greater_equal}


def _sig15(x: float) -> float:
    """A number as Excel compares it: to 15 significant digits (0.1+0.2 = 0.3 is TRUE)."""
    return float(f"{x:.15g}") if x == x and x not in (math.inf, -math.inf) else x


def _sig15_array(x: np.ndarray) -> np.ndarray:
    x = x.astype(float, copy=False)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mag = np.floor(np.log10(np.abs(x)))
        scale = 10.0 ** (14 - np.where(np.isfinite(mag), mag, 0))
        out = np.round(x * scale) / scale
    return np.where(np.isfinite(out) & (x != 0), out, x)


def _compare(op: str, a: Val, b: Val, n: int) -> Val:
    _check_mix(n, a, b)
    if a.arr.dtype.kind in "fi" and b.arr.dtype.kind in "fi":  # numbers only (booleans rank above numbers)
        return Val(_NPCMP[op](_sig15_array(a.arr), _sig15_array(b.arr)), a.varying or b.varying)
    return Val(_CMP[op](_obj(a.arr), _obj(b.arr)), a.varying or b.varying)


def _text1(v):
    return v if type(v) is XlError else to_text(v)


_text = np.frompyfunc(_text1, 1, 1)
_cat = np.frompyfunc(lambda a, b: a if type(a) is XlError else (b if type(b) is XlError else a + b), 2, 1)


def _concat(a: Val, b: Val, n: int) -> Val:
    _check_mix(n, a, b)
    return Val(_cat(_text(_obj(a.arr)), _text(_obj(b.arr))), a.varying or b.varying)


def _truth1(v):
    t = type(v)
    if t is bool:
        return v
    if t is float or t is int:
        return v != 0
    if v is None:
        return False
    if t is str:
        u = v.strip().upper()
        if u == "TRUE":
            return True
        if u == "FALSE":
            return False
        return VALUE
    if t is XlError:
        return v
    return bool(v)


_truth = np.frompyfunc(_truth1, 1, 1)


def truth(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if arr.dtype == bool:
        return arr, None
    if arr.dtype != object:
        return arr != 0, None
    conv = _truth(arr)
    bad = _iserr(conv).astype(bool)
    if bad.any():
        return np.where(bad, False, conv).astype(bool), np.where(bad, conv, None)
    return conv.astype(bool), None


# -- aggregates ----------------------------------------------------------------------------------------------------
def _range_numbers(arr: np.ndarray):
    """Numbers of a range (text, booleans, blanks skipped) as floats with NaN elsewhere, and the first error per
    row (or None)."""
    if arr.dtype != object:
        return arr.astype(float), None
    isnum = _isnum(arr).astype(bool)
    nums = np.where(isnum, arr, np.nan).astype(float)
    errs = _iserr(arr).astype(bool)
    first = None
    if errs.any():
        first = np.empty(arr.shape[0], dtype=object)
        for i in range(arr.shape[0]):
            row = arr[i]
            hit = np.flatnonzero(errs[i])
            first[i] = row[hit[0]] if len(hit) else None
    return nums, first


def _agg_args(args: list[Val], n: int, countall=False):
    """Per-row numbers of all aggregate arguments: a list of (float matrix rows x k, first error per row or None)."""
    parts = []
    for a in args:
        arr = a.arr
        if a.is_ref or arr.shape[0] * arr.shape[1] > 1 and not a.varying or arr.shape[1] > 1:
            if a.varying:
                rows = arr.reshape(arr.shape[0], -1)
            else:
                rows = arr.reshape(1, -1)
            nums, first = _range_numbers(rows)
            parts.append((nums, first, rows))
        else:  # a value: booleans and numeric text count, other text is #VALUE!
            rows = arr.reshape(arr.shape[0], -1)
            f, e = num(rows)
            if rows.dtype == object and e is None:
                pass
            first = None if e is None else e[:, 0]
            parts.append((np.where(np.isnan(f), np.nan, f) if e is None else np.where(e != None, np.nan, f),  # noqa
                          first, rows))
    return parts


def _agg(kind: str, args: list[Val], n: int) -> Val:
    varying = any(a.varying for a in args)
    m = n if varying else 1
    parts = _agg_args(args, n)
    total = np.zeros(m)
    count = np.zeros(m)
    lo = np.full(m, np.inf)
    hi = np.full(m, -np.inf)
    prod = np.ones(m)
    counta = np.zeros(m)
    err = np.full(m, None, dtype=object)
    for nums, first, rows in reversed(parts):
        valid = ~np.isnan(nums)
        with np.errstate(all="ignore"):
            total = total + np.where(valid, nums, 0).sum(axis=1)
            prod = prod * np.where(valid, nums, 1).prod(axis=1)
            lo = np.minimum(lo, np.where(valid, nums, np.inf).min(axis=1, initial=np.inf))
            hi = np.maximum(hi, np.where(valid, nums, -np.inf).max(axis=1, initial=-np.inf))
        count = count + valid.sum(axis=1)
        if kind == "COUNTA":
            counta = counta + (np.frompyfunc(lambda v: v is not None, 1, 1)(rows).astype(bool)).sum(axis=1)
        if first is not None:
            first = np.broadcast_to(first, (m,))
            err = np.where(first != None, first, err)  # noqa: E711
    if kind == "SUM":
        out = total
    elif kind == "COUNT":
        return Val(count.reshape(-1, 1), varying)
    elif kind == "COUNTA":
        return Val(counta.reshape(-1, 1), varying)
    elif kind == "PRODUCT":
        out = np.where(count > 0, prod, 0.0)
    elif kind == "MIN":
        out = np.where(count > 0, lo, 0.0)
    elif kind == "MAX":
        out = np.where(count > 0, hi, 0.0)
    else:  # AVERAGE
        with np.errstate(all="ignore"):
            out = total / count
        out = out.astype(object)
        out[count == 0] = DIV0
    out = _finish(np.asarray(out)) if out.dtype != object else out
    if (err != None).any():  # noqa: E711
        out = out.astype(object)
        mask = err != None  # noqa: E711
        out[mask] = err[mask]
    return Val(out.reshape(-1, 1), varying)


# -- the evaluator -------------------------------------------------------------------------------------------------
class Grid:
    """A sheet's values, column by column (object arrays indexed by row number)."""

    def __init__(self, sheet: Sheet, extra_rows: int = 0, extra_cols: int = 0):
        self.nrows = max(sheet.max_row, extra_rows) + 1
        self.ncols = max(sheet.max_col, extra_cols) + 1
        self.cols: dict[int, np.ndarray] = {}
        for (r, c), cell in sheet.cells.items():
            self.column(c)[r] = None if cell.formula is not None else cell.value

    def column(self, c: int) -> np.ndarray:
        col = self.cols.get(c)
        if col is None:
            col = self.cols[c] = np.full(self.nrows, None, dtype=object)
        return col

    def block(self, r1: int, r2: int, c1: int, c2: int) -> np.ndarray:
        """Rows r1..r2, columns c1..c2 (1-based, inclusive), blanks beyond the used area."""
        h, w = r2 - r1 + 1, c2 - c1 + 1
        out = np.full((h, w), None, dtype=object)
        top, bottom = max(r1, 1), min(r2, self.nrows - 1)
        if bottom < top:
            return out
        for j, c in enumerate(range(c1, c2 + 1)):
            col = self.cols.get(c)
            if col is not None:
                out[top - r1:bottom - r1 + 1, j] = col[top:bottom + 1]
        return out

    def gather(self, rows: np.ndarray, c: int) -> np.ndarray:
        col = self.cols.get(c)
        out = np.full((len(rows), 1), None, dtype=object)
        if col is None:
            return out
        ok = (rows >= 1) & (rows < self.nrows)
        out[ok, 0] = col[rows[ok]]
        return out


_NATIVE = {"SUM", "MIN", "MAX", "AVERAGE", "COUNT", "COUNTA", "PRODUCT", "ABS", "ROUND", "INT", "SIGN", "IF",
           "IFERROR", "IFNA", "ISERROR", "ISNUMBER", "ISTEXT", "ISBLANK", "AND", "OR", "NOT", "LN", "LOG10", "EXP",
           "SQRT", "POWER", "MOD", "SUMPRODUCT", "INDEX", "MATCH", "NORM.S.DIST", "NORMSDIST", "NA", "PI", "TRUE",
           "FALSE", "SUMIF", "COUNTIF", "AVERAGEIF"}
SUPPORTED_FUNCTIONS = tuple(sorted(_NATIVE))


def _fname(name: str) -> str:
    upper = name.upper()
    for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS.", "_XLUDF."):  # _xludf.: a UDF Excel did not have loaded
        if upper.startswith(prefix):
            upper = upper[len(prefix):]
    return upper


def check_functions(node) -> None:
    """Raise Unsupported for a function the fast path does not know."""
    if node[0] == "func":
        name = _fname(node[1])
        if name not in _NATIVE and lookup(name) is None:
            raise Unsupported(f"function {node[1]}")
        for a in node[2]:
            check_functions(a)
    elif node[0] in ("bin",):
        check_functions(node[2])
        check_functions(node[3])
    elif node[0] in ("neg", "pct"):
        check_functions(node[1])


def _round1(x, d):
    """Excel's ROUND: half away from zero on the decimal Excel shows (15 significant digits), so ROUND(1.005, 2)
    is 1.01 although the double 1.005 is 1.00499999999999989..."""
    if not (math.isfinite(x) and math.isfinite(d)):
        return math.nan
    d = int(d)
    if d > 15:
        return x
    if d < -308:
        return 0.0
    shown = Decimal(f"{x:.15g}")
    if d >= 0 and abs(x) >= 1e15:
        return x
    return float(shown.quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP))


class Evaluator:
    def __init__(self, package: Package):
        self.package = package
        self.grids: dict[str, Grid] = {}

    def grid(self, sheet_name: str | None, default: Sheet) -> Grid:
        sheet = default if sheet_name is None else self.package.sheet(sheet_name)
        return self.grids[sheet.name.upper()]

    # node evaluation over a run: sheet, rows (N,), col
    def ev(self, node, sheet: Sheet, rows: np.ndarray, col: int) -> Val:
        kind = node[0]
        n = len(rows)
        if kind == "const":
            return _const(node[1])
        if kind == "ref":
            _, sname, r, rabs, c, cabs = node
            grid = self.grid(sname, sheet)
            cc = c if cabs else col + c
            if cc < 1 or cc > MAX_COL:
                return _const(REF)
            if rabs:
                return Val(grid.block(r, r, cc, cc), False, True)
            rr = rows + r
            if (rr < 1).any() or (rr > MAX_ROW).any():
                out = grid.gather(np.clip(rr, 1, MAX_ROW), cc)
                out[(rr < 1) | (rr > MAX_ROW), 0] = REF
                return Val(out, n > 1, True)
            return Val(grid.gather(rr, cc), n > 1, True)
        if kind == "range":
            _, sname, r1, r1abs, c1, c1abs, r2, r2abs, c2, c2abs = node
            grid = self.grid(sname, sheet)
            cc1, cc2 = (c1 if c1abs else col + c1), (c2 if c2abs else col + c2)
            cc1, cc2 = min(cc1, cc2), max(cc1, cc2)
            if cc1 < 1 or cc2 > MAX_COL:
                return _const(REF)
            if r1abs and r2abs:
                lo, hi = min(r1, r2), max(r1, r2)
                hi = min(hi, grid.nrows - 1) if hi - lo > 10_000 else hi  # whole columns: the used rows
                return Val(grid.block(lo, max(hi, lo), cc1, cc2), False, True)
            if n == 1:
                a = r1 if r1abs else rows[0] + r1
                b = r2 if r2abs else rows[0] + r2
                lo, hi = min(a, b), max(a, b)
                if lo < 1 or hi > MAX_ROW:
                    return _const(REF)
                return Val(grid.block(lo, hi, cc1, cc2), False, True)
            if not r1abs and not r2abs and r1 == r2:  # a one-row range moving down the run
                rr = rows + r1
                if (rr < 1).any():
                    raise PerCell()
                return Val(np.hstack([grid.gather(rr, c) for c in range(cc1, cc2 + 1)]), True, True)
            raise PerCell()
        if kind == "array":
            return Val(np.array(node[1], dtype=object), False)
        if kind == "missing":
            return _const(None)
        if kind == "neg":
            v = self.ev(node[1], sheet, rows, col)
            f, e = num(v.arr)
            return Val(_combine(f.shape, -f, e), v.varying)
        if kind == "pct":
            v = self.ev(node[1], sheet, rows, col)
            f, e = num(v.arr)
            return Val(_combine(f.shape, f / 100.0, e), v.varying)
        if kind == "bin":
            op = node[1]
            a = self.ev(node[2], sheet, rows, col)
            b = self.ev(node[3], sheet, rows, col)
            if op in _CMP:
                return _compare(op, a, b, n)
            if op == "&":
                return _concat(a, b, n)
            return _arith(op, a, b, n)
        if kind == "func":
            return self.call(node, sheet, rows, col)
        raise Unsupported(f"node {kind}")

    def call(self, node, sheet, rows, col) -> Val:
        raw = node[1]
        name = _fname(raw)
        n = len(rows)
        argn = node[2]
        entry = lookup(name)
        if entry is not None:
            return self.levxl(entry, [self.ev(a, sheet, rows, col) for a in argn], argn, n)
        if name == "IF":
            if not 1 <= len(argn) <= 3:
                return _const(VALUE)
            cond = self.ev(argn[0], sheet, rows, col)
            a = self.ev(argn[1], sheet, rows, col) if len(argn) > 1 else _const(0.0)
            if len(argn) > 2:
                b = self.ev(argn[2], sheet, rows, col)
            else:
                b = _const(False)
            if argn[1:2] == [("missing",)]:
                a = _const(0.0)
            if argn[2:3] == [("missing",)]:
                b = _const(0.0)
            _check_mix(n, cond, a, b)
            t, e = truth(cond.arr)
            av, bv = _blank0(a), _blank0(b)
            out = np.where(t, _obj(av), _obj(bv))
            return Val(_combine(out.shape, out, e), cond.varying or a.varying or b.varying)
        if name in ("IFERROR", "IFNA"):
            if len(argn) != 2:
                return _const(VALUE)
            a = self.ev(argn[0], sheet, rows, col)
            b = self.ev(argn[1], sheet, rows, col)
            _check_mix(n, a, b)
            av = _obj(_blank0(a))
            test = _iserr(av).astype(bool) if name == "IFERROR" else \
                np.frompyfunc(lambda v: v is NA, 1, 1)(av).astype(bool)
            out = np.where(test, _obj(_blank0(b)), av)
            return Val(out, a.varying or b.varying)
        if name in ("NA", "PI", "TRUE", "FALSE"):
            if argn:
                return _const(VALUE)
            return _const({"NA": NA, "PI": math.pi, "TRUE": True, "FALSE": False}[name])
        args = [self.ev(a, sheet, rows, col) for a in argn]
        if name in ("SUM", "MIN", "MAX", "AVERAGE", "COUNT", "COUNTA", "PRODUCT"):
            return _agg(name, args, n)
        if name in ("AND", "OR"):
            return self._andor(name, args, n)
        if name == "NOT":
            if len(args) != 1:
                return _const(VALUE)
            t, e = truth(args[0].arr)
            return Val(_combine(t.shape, ~t, e), args[0].varying)
        if name in ("ISERROR", "ISNUMBER", "ISTEXT", "ISBLANK"):
            if len(args) != 1:
                return _const(VALUE)
            test = {"ISERROR": lambda v: type(v) is XlError,
                    "ISNUMBER": lambda v: type(v) in (float, int) or isinstance(v, np.floating),
                    "ISTEXT": lambda v: type(v) is str,
                    "ISBLANK": lambda v: v is None}[name]
            return Val(np.frompyfunc(test, 1, 1)(_obj(args[0].arr)).astype(bool), args[0].varying)
        if name in ("ABS", "LN", "LOG10", "EXP", "SQRT", "INT", "SIGN"):
            if len(args) != 1:
                return _const(VALUE)
            f, e = num(args[0].arr)
            with np.errstate(all="ignore"):
                if name == "ABS":
                    r = np.abs(f)
                elif name == "EXP":
                    r = np.exp(f)
                elif name == "INT":
                    r = np.floor(f)
                elif name == "SIGN":
                    r = np.sign(f)
                elif name == "SQRT":
                    r = np.where(f < 0, np.nan, np.sqrt(np.abs(f)))
                else:
                    r = np.where(f <= 0, np.nan, (np.log if name == "LN" else np.log10)(np.where(f > 0, f, 1)))
            return Val(_combine(f.shape, _finish(r), e), args[0].varying)
        if name in ("ROUND", "POWER", "MOD"):
            if len(args) != 2:
                return _const(VALUE)
            if name == "POWER":
                return _arith("^", args[0], args[1], n)
            _check_mix(n, *args)
            fa, ea, ca = num2(args[0].arr)
            fb, eb, cb = num2(args[1].arr)
            shape = np.broadcast_shapes(fa.shape, fb.shape)
            with np.errstate(all="ignore"):
                if name == "ROUND":
                    r = np.frompyfunc(_round1, 2, 1)(fa, fb)
                    r = _finish(np.asarray(r, dtype=float))
                else:
                    r = _finish(fa - fb * np.floor(fa / fb))
                    zero = np.broadcast_to(fb == 0, shape)
                    if zero.any():
                        r = np.broadcast_to(r, shape).astype(object)
                        r[zero] = DIV0
            return Val(_combine(shape, np.broadcast_to(r, shape), ea, eb, ca, cb),
                       args[0].varying or args[1].varying)
        if name in ("NORM.S.DIST", "NORMSDIST"):
            if len(args) != (2 if name == "NORM.S.DIST" else 1):
                return _const(VALUE)
            _check_mix(n, *args)
            from scipy.special import ndtr

            f, e, ce0 = num2(args[0].arr)
            if name == "NORMSDIST":
                return Val(_combine(f.shape, _finish(ndtr(f)), e, ce0), args[0].varying)
            c, ce = truth(args[1].arr)
            shape = np.broadcast_shapes(f.shape, c.shape)
            r = np.where(c, ndtr(f), np.exp(-0.5 * f * f) / math.sqrt(2 * math.pi))
            own = None if ce is None else np.where(_iserr(_obj(args[1].arr)).astype(bool), ce, None)
            return Val(_combine(shape, _finish(np.broadcast_to(r, shape)), e, own, ce0, ce),
                       args[0].varying or args[1].varying)
        if name == "SUMPRODUCT":
            if any(a.varying for a in args) and n > 1:
                raise PerCell()
            if not args:
                return _const(VALUE)
            shape = args[0].arr.shape
            total = np.ones(shape)
            for a in args:
                if a.arr.shape != shape:
                    return _const(VALUE)
                arr = a.arr
                if arr.dtype == object:
                    errs = _iserr(arr).astype(bool)
                    if errs.any():
                        return _const(arr[errs][0])
                    isnum = _isnum(arr).astype(bool)
                    arr = np.where(isnum, arr, 0.0).astype(float)
                total = total * arr
            return Val(_finish(np.array([[total.sum()]])), False)
        if name in ("SUMIF", "COUNTIF", "AVERAGEIF"):
            return self._xif(name, args, n)
        if name == "INDEX":
            return self._index(args, n)
        if name == "MATCH":
            return self._match(args, n)
        raise Unsupported(f"function {raw}")

    def _andor(self, name, args, n) -> Val:
        varying = any(a.varying for a in args)
        m = n if varying else 1
        acc = np.full(m, name == "AND")
        seen = np.zeros(m, dtype=bool)
        err = np.full(m, None, dtype=object)
        for a in reversed(args):
            rows = a.arr.reshape(a.arr.shape[0], -1) if a.varying else a.arr.reshape(1, -1)
            if a.is_ref or rows.shape[1] > 1:
                types = np.frompyfunc(type, 1, 1)(rows)
                use = (types == float) | (types == int) | (types == bool)
                vals = np.where(use, rows, False).astype(float) != 0
                errs = types == XlError
                if errs.any():
                    first = np.array([r[e][0] if e.any() else None for r, e in zip(rows, errs)], dtype=object)
                    err = np.where(np.broadcast_to(first, (m,)) != None, np.broadcast_to(first, (m,)), err)  # noqa
            else:
                t, e = truth(rows)
                use = np.ones(rows.shape, dtype=bool)
                vals = t
                if e is not None:
                    e0 = np.broadcast_to(e[:, 0], (m,))
                    err = np.where(e0 != None, e0, err)  # noqa: E711
            seen = seen | np.broadcast_to(use.any(axis=1), (m,))
            if name == "AND":
                acc = acc & np.broadcast_to((vals | ~use).all(axis=1), (m,))
            else:
                acc = acc | np.broadcast_to((vals & use).any(axis=1), (m,))
        out = acc.astype(object)
        out[~seen] = VALUE
        mask = err != None  # noqa: E711
        out[mask] = err[mask]
        return Val(out.reshape(-1, 1), varying)

    def _xif(self, name, args, n) -> Val:
        """SUMIF / COUNTIF / AVERAGEIF over a fixed range; the criterion may vary down the run."""
        if len(args) not in ((2,) if name == "COUNTIF" else (2, 3)):
            return _const(VALUE)
        rng, crit = args[0], args[1]
        if not rng.is_ref or rng.varying or (len(args) == 3 and (args[2].varying or not args[2].is_ref)):
            if n > 1:
                raise PerCell()
            if not rng.is_ref:
                return _const(VALUE)
        cells = list(_obj(rng.arr).reshape(-1))
        if len(args) == 3:
            target = _obj(args[2].arr)
            if target.shape != rng.arr.shape:  # Excel resizes sum_range from its top-left cell
                raise Unsupported("SUMIF with a sum_range of another shape")
            values = list(target.reshape(-1))
        else:
            values = cells
        keys = _obj(crit.arr).reshape(-1)
        cache: dict = {}
        out = np.empty(len(keys), dtype=object)
        for j, key in enumerate(keys):
            if type(key) is XlError:
                out[j] = key
                continue
            ck = (type(key), key)
            if ck not in cache:
                test = _criterion(key)
                total, count, err = 0.0, 0, None
                for c, v in zip(cells, values):
                    if test(c):
                        if name == "COUNTIF":
                            count += 1
                        elif type(v) is XlError:
                            err = err or v
                        elif _isnum1(v):
                            total += float(v)
                            count += 1
                if err is not None:
                    cache[ck] = err
                elif name == "SUMIF":
                    cache[ck] = total
                elif name == "COUNTIF":
                    cache[ck] = float(count)
                else:
                    cache[ck] = total / count if count else DIV0
            out[j] = cache[ck]
        return Val(out.reshape(crit.arr.shape), crit.varying)

    def _index(self, args, n) -> Val:
        if not 2 <= len(args) <= 3:
            return _const(VALUE)
        table = args[0]
        if table.varying and n > 1:
            raise PerCell()
        arr = table.arr
        h, w = arr.shape
        rn, re_ = num(args[1].arr)
        if len(args) == 3 and not (args[2].arr.shape == (1, 1) and args[2].arr[0, 0] is None):
            cn, ce = num(args[2].arr)
        else:
            cn, ce = np.ones((1, 1)), None
            if h == 1 and w > 1:  # INDEX(row range, k): k is the column
                cn, ce, rn, re_ = rn, re_, np.ones((1, 1)), None
        shape = np.broadcast_shapes(rn.shape, cn.shape)
        rn, cn = np.broadcast_to(rn, shape), np.broadcast_to(cn, shape)
        r = np.trunc(np.nan_to_num(rn, nan=-1)).astype(np.int64)
        c = np.trunc(np.nan_to_num(cn, nan=-1)).astype(np.int64)
        if ((r == 0) | (c == 0)).any():
            raise Unsupported("INDEX with row or column 0 (a whole row/column)")
        ok = (r >= 1) & (r <= h) & (c >= 1) & (c <= w)
        out = np.full(shape, REF, dtype=object)
        out[ok] = arr[r[ok] - 1, c[ok] - 1]
        out = np.where(out == None, 0.0, out) if (out == None).any() else out  # noqa: E711
        return Val(_combine(shape, out, re_, ce), args[1].varying or (len(args) == 3 and args[2].varying))

    def _match(self, args, n) -> Val:
        if not 2 <= len(args) <= 3:
            return _const(VALUE)
        table = args[1]
        if table.varying and n > 1:
            raise PerCell()
        arr = table.arr
        if arr.shape[0] != 1 and arr.shape[1] != 1:
            return _const(NA)
        seq = list(arr.reshape(-1))
        mtype = 1.0
        if len(args) == 3:
            f, e = num(args[2].arr)
            if args[2].varying or f.size != 1:
                raise PerCell()
            if e is not None:
                return _const(e.reshape(-1)[0])
            mtype = float(np.sign(f.reshape(-1)[0]))
        keys = _obj(args[0].arr).reshape(-1)
        exact = {}
        if mtype == 0:
            for i, v in enumerate(seq):
                k = _matchkey(v)
                if k is not None and k not in exact:
                    exact[k] = i + 1
        out = np.empty(len(keys), dtype=object)
        for j, key in enumerate(keys):
            if type(key) is XlError:
                out[j] = key
                continue
            if key is None:
                key = 0.0
            if mtype == 0:
                if type(key) is str and any(ch in key for ch in "*?~"):
                    out[j] = _wild_match(key, seq)
                else:
                    out[j] = exact.get(_matchkey(key), NA)
            else:
                out[j] = _approx_match(key, seq, mtype)
        return Val(out.reshape(args[0].arr.shape), args[0].varying)

    # the catalogue's functions
    def levxl(self, entry, args: list[Val], argn, n: int) -> Val:
        if entry.elementwise:
            _check_mix_levxl(n, args)
        elif n > 1:
            raise PerCell()
        if len(args) > len(entry.args):
            return _const(f"#VALUE! {entry.name} takes at most {len(entry.args)} arguments")
        varying = any(a.varying for a in args)
        m = n if varying and entry.elementwise else 1
        # Excel errors in arguments are the result (first argument first)
        err = np.full(m, None, dtype=object)
        for a in reversed(args):
            arr = a.arr
            if arr.dtype != object:
                continue
            bad = _iserr(arr).astype(bool)
            if not bad.any():
                continue
            if a.varying and entry.elementwise:
                first = np.array([r[b][0] if b.any() else None for r, b in zip(arr, bad)], dtype=object)
            else:
                first = np.full(1, arr[bad][0], dtype=object)
            first = np.broadcast_to(first, (m,))
            err = np.where(first != None, first, err)  # noqa: E711
        has_err = err != None  # noqa: E711
        if has_err.all():
            return Val(err.reshape(-1, 1), varying and entry.elementwise)
        if not (varying and entry.elementwise):
            call_args = [_py(a.arr[0, 0]) if a.arr.shape == (1, 1) else _compact(a.arr) for a in args]
            result = entry(*call_args)
            out = np.array(result, dtype=object) if isinstance(result, list) else None
            if out is None:
                return _const(_py(result))
            if out.ndim != 2:
                out = out.reshape(1, -1) if out.ndim < 2 else out.reshape(out.shape[0], -1)
            return Val(out, False)
        # rows with a blank in a varying argument are called one by one (an omitted argument, as Excel passes it)
        blank = np.zeros(m, dtype=bool)
        for a in args:
            if a.varying and a.arr.dtype == object:
                blank |= (a.arr == None).any(axis=1)  # noqa: E711
        vector = ~has_err & ~blank
        full = np.empty((m, 1), dtype=object)
        k = int(vector.sum())
        if k:
            call_args = []
            for a in args:
                if a.varying:
                    call_args.append(_compact(a.arr[vector] if k != m else a.arr))
                else:
                    call_args.append(_py(a.arr[0, 0]) if a.arr.shape == (1, 1) else _compact(a.arr))
            result = entry(*call_args)
            out = np.array(result, dtype=object) if isinstance(result, list) else \
                np.full((1, 1), result, dtype=object)
            if out.shape == (1, 1) and k != 1:
                out = np.broadcast_to(out, (k, 1))
            if out.shape != (k, 1):
                raise PerCell()
            full[vector] = out
        for i in np.flatnonzero(blank & ~has_err):
            call_args = [_py(a.arr[i if a.varying else 0, 0]) if a.varying or a.arr.shape == (1, 1)
                         else _compact(a.arr) for a in args]
            full[i, 0] = _py(_scalar(entry(*call_args)))
        full[has_err, 0] = err[has_err]
        return Val(full, True)


def _scalar(result):
    while isinstance(result, list):
        result = result[0] if result else None
    return result


def _compact(arr: np.ndarray) -> np.ndarray:
    """An object array of plain numbers as floats (the catalogue is faster on them)."""
    if arr.dtype != object or arr.size == 0:
        return arr
    types = set(np.frompyfunc(type, 1, 1)(arr).reshape(-1).tolist())
    if types <= {float, int}:
        return arr.astype(float)
    return arr


def _check_mix_levxl(n: int, args: list[Val]) -> None:
    """Elementwise catalogue functions: fixed ranges pass as they are (a tier table, a preset), varying args are
    columns; a varying multi-column range cannot be split per row."""
    if n > 1:
        for a in args:
            if a.varying and a.arr.shape[1] != 1:
                raise PerCell()


def _py(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def _blank0(v: Val) -> np.ndarray:
    """A blank reference as a result is 0."""
    arr = v.arr
    if arr.dtype == object and v.is_ref:
        blank = arr == None  # noqa: E711
        if blank.any():
            arr = np.where(blank, 0.0, arr)
    return arr


def _matchkey(v):
    if v is None:
        return None
    if type(v) is str:
        return ("s", v.lower())
    if type(v) is bool:
        return ("b", v)
    if type(v) is XlError:
        return None
    return ("n", float(v))


def _wild_match(pattern: str, seq) -> object:
    import fnmatch

    regex = re.compile(fnmatch.translate(pattern.lower().replace("~*", "[*]").replace("~?", "[?]")))
    for i, v in enumerate(seq):
        if type(v) is str and regex.match(v.lower()):
            return i + 1
    return NA


def _isnum1(v) -> bool:
    return (type(v) is float or type(v) is int or isinstance(v, (np.floating, np.integer))) and type(v) is not bool


_CRIT = re.compile(r"^(<=|>=|<>|=|<|>)?(.*)$", re.S)


def _criterion(key):
    """Excel's COUNTIF/SUMIF criterion -> a test on one cell value."""
    if key is None:
        key = 0.0
    if type(key) is bool:
        return lambda v: type(v) is bool and v == key
    if _isnum1(key):
        k = float(key)
        return lambda v: _isnum1(v) and float(v) == k
    text = str(key)
    op, rest = _CRIT.match(text).groups()
    op = op or "="
    try:
        number = float(rest) if rest.strip() else None
    except ValueError:
        number = None
    if rest.upper() in ("TRUE", "FALSE"):
        flag = rest.upper() == "TRUE"
        if op == "=":
            return lambda v: type(v) is bool and v == flag
        if op == "<>":
            return lambda v: not (type(v) is bool and v == flag)
    if number is not None:
        cmp = {"=": lambda a: a == number, "<>": lambda a: a != number, "<": lambda a: a < number,
               ">": lambda a: a > number, "<=": lambda a: a <= number, ">=": lambda a: a >= number}[op]
        low = rest.strip().lower()
        if op == "=":  # "3" also matches the text "3"
            return lambda v: (_isnum1(v) and v == number) or (type(v) is str and v.strip().lower() == low)
        if op == "<>":
            return lambda v: not ((_isnum1(v) and v == number) or (type(v) is str and v.strip().lower() == low))
        return lambda v: _isnum1(v) and cmp(float(v))
    if rest == "":
        if op == "=":
            return lambda v: v is None or v == ""
        if op == "<>":
            return lambda v: not (v is None or v == "")
    if op in ("=", "<>"):
        if any(ch in rest for ch in "*?~"):
            import fnmatch

            regex = re.compile(fnmatch.translate(rest.lower().replace("~*", "[*]").replace("~?", "[?]")), re.S)
            match = lambda v: type(v) is str and regex.match(v.lower()) is not None  # noqa: E731
        else:
            low = rest.lower()
            match = lambda v: type(v) is str and v.lower() == low  # noqa: E731
        return match if op == "=" else (lambda v: not match(v))
    low = rest.lower()
    cmp = {"<": lambda a: a < low, ">": lambda a: a > low, "<=": lambda a: a <= low, ">=": lambda a: a >= low}[op]
    return lambda v: type(v) is str and cmp(v.lower())


def _approx_match(key, seq, mtype) -> object:
    """MATCH type 1 / -1 on a sorted range (Excel's binary search, same-type values only)."""
    kr = _rank(key)
    best = None
    for i, v in enumerate(seq):
        if v is None or _rank(v) != kr:
            continue
        a = v.lower() if kr == 2 else v
        b = key.lower() if kr == 2 else key
        if (mtype > 0 and a <= b) or (mtype < 0 and a >= b):
            best = i + 1
        else:
            break
    return NA if best is None else best


# -- the schedule --------------------------------------------------------------------------------------------------
class Unit:
    __slots__ = ("sheet", "col", "rows", "node", "cells", "array_ref", "reads", "index")

    def __init__(self, sheet, col, rows, node, cells, array_ref=None):
        self.sheet = sheet
        self.col = col
        self.rows = rows  # np.ndarray of row numbers
        self.node = node
        self.cells = cells
        self.array_ref = array_ref  # (r1, c1, r2, c2) for an array formula
        self.reads: list = []


def _refs(node, out: list) -> None:
    kind = node[0]
    if kind in ("ref", "range"):
        out.append(node)
    elif kind == "bin":
        _refs(node[2], out)
        _refs(node[3], out)
    elif kind in ("neg", "pct"):
        _refs(node[1], out)
    elif kind == "func":
        for a in node[2]:
            _refs(a, out)


def _regions(unit: Unit, package: Package, nrows: dict) -> list[tuple[str, int, int, int, int]]:
    """(SHEET, r1, r2, c1, c2) regions a unit reads (over all its rows)."""
    refs = []
    _refs(unit.node, refs)
    lo_row, hi_row = int(unit.rows[0]), int(unit.rows[-1])
    out = []
    for ref in refs:
        sname = (ref[1] or unit.sheet.name).upper()
        if ref[0] == "ref":
            _, _, r, rabs, c, cabs = ref
            rr = (r, r) if rabs else (lo_row + r, hi_row + r)
            cc = c if cabs else unit.col + c
            out.append((sname, rr[0], rr[1], cc, cc))
        else:
            _, _, r1, r1abs, c1, c1abs, r2, r2abs, c2, c2abs = ref
            rows = []
            for r, rabs in ((r1, r1abs), (r2, r2abs)):
                rows += [r] if rabs else [lo_row + r, hi_row + r]
            cols = [c1 if c1abs else unit.col + c1, c2 if c2abs else unit.col + c2]
            out.append((sname, max(min(rows), 1), min(max(rows), nrows.get(sname, MAX_ROW)), min(cols), max(cols)))
    return out


def _split_run(unit: Unit) -> list[Unit]:
    return [Unit(unit.sheet, unit.col, unit.rows[i:i + 1], unit.node, unit.cells[i:i + 1]) for i in
            range(len(unit.rows))]


def _tarjan(n: int, edges: list[list[int]]) -> list[list[int]]:
    """Strongly connected components, dependencies first (iterative Tarjan)."""
    index = [-1] * n
    low = [0] * n
    on = [False] * n
    stack, out = [], []
    counter = 0
    for root in range(n):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on[v] = True
            recurse = False
            succ = edges[v]
            while i < len(succ):
                w = succ[i]
                i += 1
                if index[w] == -1:
                    work.append((v, i))
                    work.append((w, 0))
                    recurse = True
                    break
                if on[w]:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on[w] = False
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
    return out


def plan(package: Package):
    """Compile and schedule every formula cell: (units in evaluation order, the set of cyclic unit indexes)."""
    if package.external_links:
        raise Unsupported("external links")
    compiler = Compiler(package)
    compiled: dict[str, object] = {}
    units: list[Unit] = []
    for sheet in package.sheets:
        by_col: dict[int, list] = {}
        for (r, c), cell in sheet.cells.items():
            if cell.kind == "dataTable":
                raise Unsupported("data table")
            if cell.formula is None:
                continue
            if cell.kind == "array":
                key = "A:" + shape_key(cell.formula, r, c)
                node = compiled.get(key)
                if node is None:
                    node = compiled[key] = compiler.compile(cell.formula, r, c)
                    check_functions(node)
                try:
                    from levxl.recalc.package import split_ref

                    a, _, b = (cell.ref or f"{col_letter(c)}{r}").partition(":")
                    r1, c1 = split_ref(a)
                    r2, c2 = split_ref(b) if b else (r1, c1)
                except ValueError:
                    raise Unsupported(f"array ref {cell.ref!r}") from None
                units.append(Unit(sheet, c, np.array([r]), node, [cell], (r1, c1, r2, c2)))
                continue
            by_col.setdefault(c, []).append(cell)
        for c, cells in by_col.items():
            cells.sort(key=lambda x: x.row)
            keys = [shape_key(cell.formula, *(cell.origin or (cell.row, c))) for cell in cells]
            start = 0
            for i in range(1, len(cells) + 1):
                if i == len(cells) or keys[i] != keys[start] or cells[i].row != cells[i - 1].row + 1:
                    key = keys[start]
                    node = compiled.get(key)
                    if node is None:
                        first = cells[start]
                        node = compiled[key] = compiler.compile(first.formula, *(first.origin or (first.row, c)))
                        check_functions(node)
                    run = cells[start:i]
                    units.append(Unit(sheet, c, np.array([x.row for x in run]), node, run))
                    start = i
    nrows = {}
    for s in package.sheets:
        extra = max((u.array_ref[2] for u in units if u.array_ref and u.sheet is s), default=0)
        nrows[s.name.upper()] = max(s.max_row, extra)
    # split runs that read their own rows
    final: list[Unit] = []
    for u in units:
        u.reads = _regions(u, package, nrows)
        if len(u.rows) > 1 and any(s == u.sheet.name.upper() and c1 <= u.col <= c2 and r1 <= u.rows[-1] and
                                   r2 >= u.rows[0] for s, r1, r2, c1, c2 in u.reads):
            for part in _split_run(u):
                part.reads = _regions(part, package, nrows)
                final.append(part)
        else:
            final.append(u)
    units = final
    # index of what each unit writes: (SHEET, col) -> sorted [(r1, r2, unit)]
    writes: dict[tuple[str, int], list] = {}
    for i, u in enumerate(units):
        u.index = i
        s = u.sheet.name.upper()
        if u.array_ref:
            r1, c1, r2, c2 = u.array_ref
            for c in range(c1, c2 + 1):
                writes.setdefault((s, c), []).append((r1, r2, i))
        else:
            writes.setdefault((s, u.col), []).append((int(u.rows[0]), int(u.rows[-1]), i))
    maxend = {}
    starts = {}
    for k, lst in writes.items():
        lst.sort()
        starts[k] = [x[0] for x in lst]
        maxend[k] = list(np.maximum.accumulate([x[1] for x in lst]))
    edges: list[list[int]] = [[] for _ in units]
    for i, u in enumerate(units):
        seen = set()
        for s, r1, r2, c1, c2 in u.reads:
            for c in range(c1, c2 + 1):
                lst = writes.get((s, c))
                if not lst:
                    continue
                ends = maxend[(s, c)]
                for k in range(bisect.bisect_right(starts[(s, c)], r2) - 1, -1, -1):
                    if ends[k] < r1:
                        break
                    a, b, unit = lst[k]
                    if b >= r1 and unit not in seen:
                        seen.add(unit)
                        edges[i].append(unit)
    comps = _tarjan(len(units), edges)
    order, cyclic = [], set()
    for comp in comps:
        if len(comp) > 1 or comp[0] in edges[comp[0]]:
            cyclic.update(comp)
        order.extend(comp)
    return [units[i] for i in order], cyclic


def fit(value: np.ndarray, h: int, w: int) -> np.ndarray:
    """An array result fitted to an array formula's range, as Excel does."""
    value = np.asarray(value, dtype=object)
    if value.ndim < 2:
        value = value.reshape(1, -1) if value.ndim == 1 else value.reshape(1, 1)
    vh, vw = value.shape
    if vh == 1 and h > 1:
        value = np.repeat(value, h, axis=0)
        vh = h
    if vw == 1 and w > 1:
        value = np.repeat(value, w, axis=1)
        vw = w
    out = np.full((h, w), NA, dtype=object)
    out[:min(h, vh), :min(w, vw)] = value[:h, :w]
    return out


def evaluate(package: Package, progress=None) -> tuple[dict[tuple[str, int, int], object], int]:
    """Evaluate every formula cell: ({(sheet name, row, col): value}, number of cells in circular references).

    Raises :class:`Unsupported` when the workbook needs the reference engine."""
    units, cyclic = plan(package)
    ev = Evaluator(package)
    for s in package.sheets:
        extra_r = max((u.array_ref[2] for u in units if u.array_ref and u.sheet is s), default=0)
        extra_c = max((u.array_ref[3] for u in units if u.array_ref and u.sheet is s), default=0)
        ev.grids[s.name.upper()] = Grid(s, extra_r, extra_c)
    results: dict[tuple[str, int, int], object] = {}
    circular = 0
    for u in units:
        grid = ev.grids[u.sheet.name.upper()]
        if u.array_ref:
            r1, c1, r2, c2 = u.array_ref
            if u.index in cyclic:
                block = np.full((r2 - r1 + 1, c2 - c1 + 1), 0.0, dtype=object)
                circular += block.size
            else:
                v = ev.ev(u.node, u.sheet, u.rows, u.col)
                block = fit(_blank0(v), r2 - r1 + 1, c2 - c1 + 1)
            for i in range(block.shape[0]):
                for j in range(block.shape[1]):
                    value = _py(block[i, j])
                    value = 0.0 if value is None else value
                    grid.column(c1 + j)[r1 + i] = value
                    results[(u.sheet.name, r1 + i, c1 + j)] = value
            continue
        if u.index in cyclic:
            values = [0.0] * len(u.rows)
            circular += len(u.rows)
        else:
            values = _run_values(ev, u)
        col = grid.column(u.col)
        for r, value in zip(u.rows.tolist(), values):
            col[r] = value
            results[(u.sheet.name, r, u.col)] = value
        if progress:
            progress(len(u.rows))
    return results, circular


def _run_values(ev: Evaluator, u: Unit) -> list:
    n = len(u.rows)
    try:
        v = ev.ev(u.node, u.sheet, u.rows, u.col)
        arr = _blank0(v)
        if arr.shape[1] != 1 or arr.shape[0] not in (1, n):
            if n > 1:
                raise PerCell()
            arr = arr[:1, :1]
        if arr.shape[0] == 1 and n > 1:
            arr = np.broadcast_to(arr, (n, 1))
    except PerCell:
        out = []
        grid = ev.grids[u.sheet.name.upper()]
        col = grid.column(u.col)
        for r in u.rows.tolist():
            v = ev.ev(u.node, u.sheet, np.array([r]), u.col)
            value = _blank0(v)[0, 0]
            value = 0.0 if value is None else _py(value)
            col[r] = value  # later cells of a split run may read it
            out.append(value)
        return out
    values = arr[:, 0].tolist()
    return [0.0 if x is None else _py(x) for x in values]
