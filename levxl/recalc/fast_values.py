"""The fast path's values and operators over numpy arrays: :class:`Val`, Excel's coercions (blank = 0 or "", numeric
text, booleans), arithmetic, comparison (to 15 significant digits), concatenation, truth, aggregates, ROUND, and the
lookup/criteria helpers the functions share. See :mod:`levxl.recalc.fast`."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from levxl.recalc.fast_parse import PerCell, Unsupported
from levxl.recalc.values import XlError, error, to_text

VALUE, DIV0, NUM, NA, REF, NAME = (error(c) for c in ("#VALUE!", "#DIV/0!", "#NUM!", "#N/A", "#REF!", "#NAME?"))

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
