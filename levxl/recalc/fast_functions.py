"""The native Excel functions of the fast path: :data:`REGISTRY` maps each name to its implementation.

An implementation is registered with :func:`native`: an eager one, ``impl(name, args, n)``, gets its arguments
evaluated (:class:`levxl.recalc.fast_values.Val` over a run of ``n`` cells); a lazy one (IF, IFERROR, IFNA and the
constants), ``impl(evaluator, name, argument_nodes, sheet, rows, col)``, evaluates what it needs. The supported names
(:data:`levxl.recalc.fast.SUPPORTED_FUNCTIONS`) are the registry's keys. The LEVXL_ functions are not here: every
catalogue entry is called by :meth:`levxl.recalc.fast.Evaluator.levxl`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from levxl.catalogue import lookup
from levxl.recalc.fast_parse import PerCell, Unsupported
from levxl.recalc.fast_values import (DIV0, NA, REF, VALUE, Val, _agg, _approx_match, _arith, _blank0,
                                      _check_mix, _combine, _const, _criterion, _finish, _iserr, _isnum,
                                      _isnum1, _matchkey, _obj, _round1, _wild_match, num, num2, truth)
from levxl.recalc.values import XlError

__all__ = ["REGISTRY", "Native", "native", "check_functions"]


@dataclass(frozen=True)
class Native:
    impl: Callable
    lazy: bool = False  # True: takes argument nodes and evaluates them itself


REGISTRY: dict[str, Native] = {}


def native(*names: str, lazy: bool = False):
    """Register the decorated implementation under ``names``."""
    def register(fn):
        for name in names:
            REGISTRY[name] = Native(fn, lazy)
        return fn
    return register


@native('IF', lazy=True)
def _if(ev, name: str, argn: list, sheet, rows: np.ndarray, col: int) -> Val:
    """IF(test, [then], [else]): a missing branch is 0, an omitted else FALSE."""
    n = len(rows)
    if not 1 <= len(argn) <= 3:
        return _const(VALUE)
    cond = ev.ev(argn[0], sheet, rows, col)
    a = ev.ev(argn[1], sheet, rows, col) if len(argn) > 1 else _const(0.0)
    if len(argn) > 2:
        b = ev.ev(argn[2], sheet, rows, col)
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


@native('IFERROR', 'IFNA', lazy=True)
def _iferror(ev, name: str, argn: list, sheet, rows: np.ndarray, col: int) -> Val:
    """IFERROR / IFNA(value, fallback)."""
    n = len(rows)
    if len(argn) != 2:
        return _const(VALUE)
    a = ev.ev(argn[0], sheet, rows, col)
    b = ev.ev(argn[1], sheet, rows, col)
    _check_mix(n, a, b)
    av = _obj(_blank0(a))
    test = _iserr(av).astype(bool) if name == "IFERROR" else \
        np.frompyfunc(lambda v: v is NA, 1, 1)(av).astype(bool)
    out = np.where(test, _obj(_blank0(b)), av)
    return Val(out, a.varying or b.varying)


@native('NA', 'PI', 'TRUE', 'FALSE', lazy=True)
def _constant(ev, name: str, argn: list, sheet, rows: np.ndarray, col: int) -> Val:
    """NA(), PI(), TRUE(), FALSE()."""
    if argn:
        return _const(VALUE)
    return _const({"NA": NA, "PI": math.pi, "TRUE": True, "FALSE": False}[name])


@native('SUM', 'MIN', 'MAX', 'AVERAGE', 'COUNT', 'COUNTA', 'PRODUCT')
def _aggregate(name: str, args: list[Val], n: int) -> Val:
    """The aggregates, with Excel's rules for references (text and booleans skipped) and literals."""
    return _agg(name, args, n)


@native('NOT')
def _not(name: str, args: list[Val], n: int) -> Val:
    """NOT(value)."""
    if len(args) != 1:
        return _const(VALUE)
    t, e = truth(args[0].arr)
    return Val(_combine(t.shape, ~t, e), args[0].varying)


@native('ISERROR', 'ISNUMBER', 'ISTEXT', 'ISBLANK')
def _is(name: str, args: list[Val], n: int) -> Val:
    """The IS- tests."""
    if len(args) != 1:
        return _const(VALUE)
    test = {"ISERROR": lambda v: type(v) is XlError,
            "ISNUMBER": lambda v: type(v) in (float, int) or isinstance(v, np.floating),
            "ISTEXT": lambda v: type(v) is str,
            "ISBLANK": lambda v: v is None}[name]
    return Val(np.frompyfunc(test, 1, 1)(_obj(args[0].arr)).astype(bool), args[0].varying)


@native('ABS', 'LN', 'LOG10', 'EXP', 'SQRT', 'INT', 'SIGN')
def _math1(name: str, args: list[Val], n: int) -> Val:
    """One-argument math (#NUM! off the domain)."""
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


@native('ROUND', 'POWER', 'MOD')
def _math2(name: str, args: list[Val], n: int) -> Val:
    """ROUND (half away from zero on the shown decimal), POWER, MOD."""
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


@native('NORM.S.DIST', 'NORMSDIST')
def _normal(name: str, args: list[Val], n: int) -> Val:
    """The standard normal distribution."""
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


@native('SUMPRODUCT')
def _sumproduct(name: str, args: list[Val], n: int) -> Val:
    """SUMPRODUCT of same-shape arrays (non-numbers count 0)."""
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


@native("AND", "OR")
def _andor(name, args, n) -> Val:
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

@native("SUMIF", "COUNTIF", "AVERAGEIF")
def _xif(name, args, n) -> Val:
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

@native("INDEX")
def _index(name, args, n) -> Val:
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

@native("MATCH")
def _match(name, args, n) -> Val:
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
        if name not in REGISTRY and lookup(name) is None:
            raise Unsupported(f"function {node[1]}")
        for a in node[2]:
            check_functions(a)
    elif node[0] in ("bin",):
        check_functions(node[2])
        check_functions(node[3])
    elif node[0] in ("neg", "pct"):
        check_functions(node[1])
