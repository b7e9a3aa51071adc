"""The scalar fast path: one position in single cells, in plain Python floats.

A sheet of a few thousand single-cell ``LEVXL_LIQ_PRICE`` formulas pays the per-call cost on every recalculation
(xlwings Lite runs in Pyodide, slower than CPython). The engine's array machinery costs ~75 us per call whatever
the size; the same closed form in Python floats costs a few microseconds. The closed form is the kernel's own scalar twin
(:func:`levxl.engine.kernel.solve_threshold_scalar`, beside the array form it mirrors operation for operation) and
the tier iteration that of :func:`levxl.engine.liquidation.solve_liquidation`, so the numbers are identical (IEEE
doubles either way; ``tests/test_catalogue_hosts.py`` pins them against the array path).

Only calls whose every argument is a valid single value take this path; anything else (a range, a blank
required cell, a bad value, an odd spelling) returns None and goes through the general path, which gives the
messages.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

from levxl.engine.kernel import solve_threshold_scalar as _solve, value_scalar as _value
from levxl.engine.liquidation import DEFAULT_MMR
from levxl.engine.tiers import TierTable, preset
from levxl.engine.validate import BASIS, CONTRACT, SIDE

__all__ = ["try_scalar", "liquidation_price"]

_SIDES = {k: v for k, v in SIDE.mapping.items() if isinstance(k, str)}
_CONTRACTS = {k: v for k, v in CONTRACT.mapping.items() if isinstance(k, str)}
_BASES = {k: v for k, v in BASIS.mapping.items() if isinstance(k, str)}
_TABLES: dict[int, tuple[TierTable, list, list, list]] = {}


def _cell(value: Any) -> Any:
    """A 1x1 range (xlwings passes every argument as a 2-D list) as its value."""
    if type(value) is list and len(value) == 1:
        row = value[0]
        if type(row) is list and len(row) == 1:
            return row[0]
    return value


def _number(value: Any) -> float | None:
    t = type(value)
    if t is float or t is int:
        x = float(value)
        return x if math.isfinite(x) else None
    return None


def _label(value: Any, labels: dict, default: float | None) -> float | None:
    if value is None or value == "":
        return default
    if type(value) is str:
        return labels.get(value.strip().lower())
    return None


def _positive(value: Any) -> float | None:
    x = _number(value)
    return x if x is not None and x > 0 else None


def _fraction(value: Any, default: float) -> float | None:
    if value is None or value == "":
        return default
    x = _number(value)
    return x if x is not None and 0 <= x < 1 else None


def _table(spec: TierTable) -> tuple[list, list, list]:
    cached = _TABLES.get(id(spec))
    if cached is None or cached[0] is not spec:
        cached = (spec, spec.floors.tolist(), spec.mmr.tolist(), spec.cum.tolist())
        _TABLES[id(spec)] = cached
    return cached[1:]


def _spec(value: Any) -> Any:
    if value is None or value == "":
        return DEFAULT_MMR
    if type(value) is str:
        try:
            return preset(value)
        except ValueError:
            return None
    x = _number(value)
    return x if x is not None and 0 <= x < 1 else None


def _lookup(floors: list, notional: float) -> int:
    return max(bisect.bisect_right(floors, notional) - 1, 0)


def liquidation_price(side, entry, size, leverage, mmr, margin, contract, fee, basis, venue=None,
                      tick=None) -> float | None:
    """LEVXL_LIQ_PRICE on plain values; None where the general path must answer (a venue preset or a tick)."""
    if not (venue is None or venue == "") or not (tick is None or tick == ""):
        return None
    s = _label(side, _SIDES, None) if type(side) is str else (float(side) if type(side) in (int, float) and
                                                                side in (1, -1) else None)
    entry, size = _positive(entry), _positive(size)
    inverse, e = _label(contract, _CONTRACTS, 0.0), _label(basis, _BASES, 0.0)
    fee, spec = _fraction(fee, 0.0), _spec(mmr)
    if None in (s, entry, size, inverse, e, fee, spec):
        return None
    blank_margin = margin is None or margin == ""
    if blank_margin:
        leverage = _positive(leverage)
        if leverage is None:
            return None
    else:
        margin = _positive(margin)
        if margin is None or not (leverage is None or leverage == "" or _positive(leverage) is not None):
            return None
    if not isinstance(spec, TierTable):
        if not spec + fee < 1:
            return None
        m = _value(size, entry, inverse) / leverage if blank_margin else margin
        return _solve(s, entry, size, m, spec, 0.0, fee, inverse, e)
    if spec.counted_by == "size":  # OKX: the tier of the position's size, its rate on the whole position
        spec = spec.tier_of_size(size)
    floors, rates, cums = _table(spec)
    if not rates[-1] + fee < 1:
        return None
    notional = _value(size, entry, inverse)
    m = notional / leverage if blank_margin else margin
    index = _lookup(floors, notional)
    price = _solve(s, entry, size, m, rates[index], cums[index], fee, inverse, e)
    if price is None or e:
        return price
    for _ in range(len(floors) + 1):
        with_price = _value(size, price, inverse) if price != 0 or not inverse else math.inf
        if math.isnan(with_price):
            return None
        new = _lookup(floors, with_price)
        if new == index:
            return price
        index = new
        price = _solve(s, entry, size, m, rates[index], cums[index], fee, inverse, e)
        if price is None:
            return None
    return None  # not settled (never seen): the engine's exact tier scan answers


_FAST = {"LEVXL_LIQ_PRICE": liquidation_price}
_PLAIN = (float, int, str, type(None))


def try_scalar(fn, values: tuple) -> Any:
    """The cell value of a single-position call through the fast path, or None."""
    fast = _FAST.get(fn.name)
    if fast is None or len(values) > len(fn.args):
        return None
    cells = [_cell(v) for v in values]
    if not all(type(v) in _PLAIN for v in cells):  # ranges, numpy values, dates...: the general path
        return None
    cells += [None] * (len(fn.args) - len(cells))
    try:
        price = fast(*cells)
    except (ArithmeticError, ValueError, TypeError):  # an input the general path explains
        return None
    if price is None or math.isnan(price):
        return None
    cell = "no liquidation" if price == 0 or math.isinf(price) else price
    # a 1x1 range in gives a 1x1 range out, as the general path does (a blank one is an omitted argument)
    ranged = any(type(v) is list and c is not None and c != "" for v, c in zip(values, cells))
    return [[cell]] if ranged else cell
