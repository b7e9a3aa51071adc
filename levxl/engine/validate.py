"""Checking and converting engine arguments.

Every engine function declares the domain of each argument with :func:`checked`.

* Called normally, the function converts its arguments to float arrays (``side`` strings to +1/-1 and so on) and
  raises ``ValueError`` naming the first bad argument and its value.
* Called through ``.elementwise(...)``, bad elements are replaced by a harmless value, the computation runs on the
  whole array, and an array of short reasons comes back beside the result (``''`` where the element is valid, or
  ``None`` instead of the array when every element is valid). The spreadsheet layer writes those reasons into the
  bad cells while the good ones still compute.
* ``.raw`` is the unchecked function, for engine-internal calls on arrays that were already checked.

Checks that involve several arguments at once (a stop on the wrong side of the entry, say) call :func:`require`
inside the function body; it raises in the normal mode and records per-element reasons in the elementwise mode.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from typing import Any, Callable, Mapping, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ArrayLike",
    "ArrayOrFloat",
    "Domain",
    "Choice",
    "checked",
    "require",
    "flagged",
    "spoil_whole_result",
    "unwrap",
    "NUMBER",
    "POSITIVE",
    "POSITIVE_OR_NAN",
    "NONNEGATIVE",
    "FRACTION",
    "MOVE",
    "VOL",
    "DAYS",
    "RISK",
    "SIDE",
    "CONTRACT",
    "BASIS",
    "OPTION_TYPE",
    "MODEL",
]

ArrayOrFloat = Union[NDArray[np.float64], float]
"""What an engine function returns: a float array shaped like its broadcast inputs, or a numpy float (a ``float``
subclass) when every input is a scalar."""

_PARALLEL_CHECK = 200_000  # elements from which checking arguments on several threads pays

# Active while a function runs in elementwise mode: a list of (bad-element mask, reason) pairs.
_collector: contextvars.ContextVar[list | None] = contextvars.ContextVar("levxl_collector", default=None)


def first_bad(values: np.ndarray, bad: np.ndarray) -> Any:
    """The first offending element, for the error message."""
    flat_values = np.broadcast_to(values, np.broadcast_shapes(values.shape, bad.shape)).ravel()
    flat_bad = np.broadcast_to(bad, np.broadcast_shapes(values.shape, bad.shape)).ravel()
    first = flat_values[np.argmax(flat_bad)]
    return first.item() if hasattr(first, "item") else first


def _to_float_array(value: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Float array of `value`; elements that are not numbers become NaN and are flagged in the second array."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value, None
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        return np.asarray(value, dtype=float), None
    arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    if arr.dtype.kind in "iu":
        return arr.astype(float), None
    if arr.dtype.kind == "f":
        return arr.astype(float, copy=False), None
    out = np.empty(arr.shape, dtype=float)
    not_number = np.zeros(arr.shape, dtype=bool)
    for index, element in np.ndenumerate(arr):
        if isinstance(element, (bool, np.bool_)) or element is None or isinstance(element, (str, bytes)):
            out[index] = np.nan
            not_number[index] = True
            continue
        try:
            out[index] = float(element)
        except (TypeError, ValueError):
            out[index] = np.nan
            not_number[index] = True
    return out, (not_number if not_number.any() else None)


def _looks_numeric(text: str) -> bool:
    """Whether a text reads as a number once thousands separators and spaces are gone ("60,000", " 10 ")."""
    try:
        float(text.replace(",", "").replace(" ", "").replace("\u00a0", ""))
    except ValueError:
        return False
    return True


def _text_mask(value: Any, among: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which of the elements ``among`` hold text, which of those read as a number)."""
    text = np.zeros(among.shape, dtype=bool)
    numeric = np.zeros(among.shape, dtype=bool)
    if not among.any():
        return text, numeric
    original = np.asarray(value, dtype=object)
    for index in zip(*np.nonzero(among)) if among.ndim else [()]:
        element = original[index]
        if isinstance(element, str):
            text[index] = True
            numeric[index] = _looks_numeric(element)
    return text, numeric


def _blank_mask(value: Any, unconvertible: np.ndarray) -> np.ndarray:
    """Which of the unconvertible elements are blank (None: an empty cell)."""
    if unconvertible.ndim == 0:
        return np.asarray(value is None)
    original = np.asarray(value, dtype=object)
    blank = np.zeros(unconvertible.shape, dtype=bool)
    for index in zip(*np.nonzero(unconvertible)):
        blank[index] = original[index] is None
    return blank


class Domain:
    """The set of values an argument may take, with a fill value used for bad elements in elementwise mode.

    ``bounds`` = (low, high, low included, high included, NaN allowed) lets a large float array be proved valid by
    two allocation-free reductions (min and max) before any per-element mask is built.
    """

    def __init__(self, rule: str, valid: Callable[[np.ndarray], np.ndarray], fill: float = 1.0,
                 bounds: tuple | None = None):
        self.rule = rule
        self.valid = valid
        self.fill = fill
        self.bounds = bounds

    def _surely_valid(self, arr: np.ndarray) -> bool:
        if self.bounds is None or arr.size < 4096 or arr.dtype.kind != "f":
            return False
        low, high, low_in, high_in, nan_ok = self.bounds
        smallest = (np.fmin if nan_ok else np.minimum).reduce(arr, axis=None)
        largest = (np.fmax if nan_ok else np.maximum).reduce(arr, axis=None)
        if np.isnan(smallest) or np.isnan(largest):  # NaN where not allowed, or every element NaN
            return False
        return bool((smallest >= low if low_in else smallest > low) and (largest <= high if high_in else largest < high))

    def convert(self, value: Any) -> tuple[np.ndarray, np.ndarray | None]:
        return _to_float_array(value)

    def describe_bad(self, name: str, value: Any) -> str:
        return f"{name} {self.rule}, got {value!r}"

    def strict(self, name: str, value: Any) -> np.ndarray:
        arr, unconvertible = self.convert(value)
        if unconvertible is None and self._surely_valid(arr):
            return arr
        if unconvertible is not None:
            first = first_bad(np.asarray(value, dtype=object), unconvertible)
            raise ValueError(f"{name} is blank" if first is None else f"{name} must be a number, got {first!r}")
        ok = self.valid(arr)
        if not np.all(ok):
            original = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
            raise ValueError(self.describe_bad(name, first_bad(original, ~np.asarray(ok))))
        return arr

    def lenient(self, name: str, value: Any, collector: list) -> np.ndarray:
        arr, unconvertible = self.convert(value)
        if unconvertible is None and self._surely_valid(arr):
            return arr
        if unconvertible is not None:
            blank = _blank_mask(value, unconvertible)
            if blank.any():
                collector.append((blank, f"{name} is blank"))
            text, numeric = _text_mask(value, unconvertible & ~blank)
            if numeric.any():  # "60,000" in a cell formatted as text looks like a number: say what it is
                collector.append((numeric, f"{name} holds a number as text: enter it as a number"))
            if (text & ~numeric).any():
                collector.append((text & ~numeric, f"{name} holds text, not a number"))
            collector.append((unconvertible & ~blank & ~text, f"{name} must be a number"))
        ok = self.valid(arr)
        if np.all(ok):
            return arr
        bad = ~np.asarray(ok)
        collector.append((bad, f"{name} {self.rule}"))
        return np.where(bad, self.fill, arr)


def _finite(a: np.ndarray) -> np.ndarray:
    return np.isfinite(a)


NUMBER = Domain("must be a finite number", _finite, fill=0.0, bounds=(-np.inf, np.inf, False, False, False))
POSITIVE = Domain("must be > 0", lambda a: np.isfinite(a) & (a > 0), bounds=(0.0, np.inf, False, False, False))
NONNEGATIVE = Domain("must be >= 0", lambda a: np.isfinite(a) & (a >= 0), fill=0.0,
                     bounds=(0.0, np.inf, True, False, False))
FRACTION = Domain("must be a fraction in [0, 1)", lambda a: np.isfinite(a) & (a >= 0) & (a < 1), fill=0.0,
                  bounds=(0.0, 1.0, True, False, False))
MOVE = Domain("must be a fraction > -1 (a price cannot fall 100% or more)", lambda a: np.isfinite(a) & (a > -1),
              fill=0.0)
VOL = Domain("must be >= 0 (annualised, 0.6 = 60%)", lambda a: np.isfinite(a) & (a >= 0), fill=0.5)
DAYS = Domain("must be >= 0 days", lambda a: np.isfinite(a) & (a >= 0), fill=1.0)
POSITIVE_OR_NAN = Domain("must be > 0", lambda a: np.isnan(a) | (np.isfinite(a) & (a > 0)),
                         bounds=(0.0, np.inf, False, False, True))
"""For leverage and margin: NaN in an element means "not given here" (the other one decides)."""
RISK = Domain("must be a fraction in (0, 1]", lambda a: np.isfinite(a) & (a > 0) & (a <= 1), fill=0.01)


class Choice(Domain):
    """A categorical argument: text labels (case-insensitive) or numbers mapped to numeric codes."""

    def __init__(self, rule: str, mapping: Mapping[Any, float], fill: float):
        super().__init__(rule, lambda a: ~np.isnan(a), fill)
        self.mapping = {(k.lower() if isinstance(k, str) else k): float(v) for k, v in mapping.items()}
        for code in set(self.mapping.values()):  # the codes themselves, as internal callers pass them
            self.mapping.setdefault(code, code)

    def _all_codes(self, arr: np.ndarray) -> bool:
        """Whether every element is one of two numeric codes p < q, by allocation-free reductions: with every
        element in [p, q], each (a - p)(a - q) is <= 0, so their sum is 0 only if every term is."""
        codes = sorted({code for code in self.mapping if not isinstance(code, str)})
        if len(codes) != 2 or arr.ndim != 1:
            return False
        p, q = codes
        if not (np.minimum.reduce(arr) >= p and np.maximum.reduce(arr) <= q):  # NaN fails here too
            return False
        # einsum, not np.dot: BLAS threads spin after a call and steal the cores from the chunks that follow
        linear_term = (p + q) * arr.sum() if p + q else 0.0  # zero for the +1/-1 codes: skip that pass
        return float(np.einsum("i,i->", arr, arr) - linear_term + arr.size * p * q) == 0.0

    def _code(self, element: Any) -> float:
        if isinstance(element, str):
            return self.mapping.get(element.strip().lower(), np.nan)
        if isinstance(element, (bool, np.bool_)) or element is None:
            return np.nan
        try:
            number = float(element)
        except (TypeError, ValueError):
            return np.nan
        return self.mapping.get(number, np.nan) if number in self.mapping else np.nan

    def lenient(self, name: str, value: Any, collector: list) -> np.ndarray:
        start = len(collector)
        out = super().lenient(name, value, collector)
        if len(collector) > start and not (isinstance(value, np.ndarray) and value.dtype.kind in "fiu"):
            numeric = self._numeric_text(value)
            if numeric.any():  # "-1" as text: the number -1 is a label, the text is not; say which it is
                collector.insert(start, (numeric, f"{name} holds a number as text: enter it as a number, or use a "
                                                  "label"))
        return out

    def _numeric_text(self, value: Any) -> np.ndarray:
        """Which elements are text spelling one of the numeric codes ("1", "-1")."""
        codes = {code for code in self.mapping if not isinstance(code, str)}

        def spelled(element: Any) -> bool:
            if not isinstance(element, str) or element.strip().lower() in self.mapping:
                return False
            try:
                return float(element) in codes
            except ValueError:
                return False

        if isinstance(value, str):
            return np.asarray(spelled(value))
        arr = np.asarray(value, dtype=object)
        return np.asarray(np.frompyfunc(spelled, 1, 1)(arr), dtype=bool) if arr.size else np.zeros(arr.shape, bool)

    def convert(self, value: Any) -> tuple[np.ndarray, np.ndarray | None]:
        if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
            arr = value.astype(float, copy=False)
            if arr.size >= 4096 and self._all_codes(arr):
                return arr, None  # every element is a code: no mask needed
            ok = np.zeros(arr.shape, dtype=bool)
            for code in self.mapping:
                if not isinstance(code, str):
                    ok |= arr == code
            if ok.all():
                return np.asarray(arr, dtype=float), None
            return np.where(ok, arr, np.nan), None
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return np.asarray(self._code(value)), None
        if isinstance(value, np.ndarray) and value.dtype.kind == "U":
            # A column of labels: compare whole arrays per known label (vectorised), then map the rare rest.
            # Exact labels first (np.char.lower is slow: 15 ms per 1e5); other spellings go through _code.
            out = np.full(value.shape, np.nan)
            for key, code in self.mapping.items():
                if isinstance(key, str):
                    out[value == key] = code
            unknown = np.isnan(out)
            if unknown.any():
                out[unknown] = [self._code(v) for v in value[unknown]]
            return out, None
        arr = np.asarray(value, dtype=object)
        out = np.empty(arr.shape, dtype=float)
        blank = np.zeros(arr.shape, dtype=bool)
        for index, element in np.ndenumerate(arr):
            out[index] = self._code(element)
            blank[index] = element is None
        return out, (blank if blank.any() else None)


SIDE = Choice("must be long/short, buy/sell or 1/-1",
              {"long": 1, "buy": 1, "short": -1, "sell": -1, 1: 1, -1: -1}, fill=1.0)
CONTRACT = Choice('must be "linear" or "inverse"', {"linear": 0, "inverse": 1}, fill=0.0)
BASIS = Choice('must be "mark" or "entry"', {"mark": 0, "entry": 1}, fill=0.0)
OPTION_TYPE = Choice('must be "call" or "put"', {"call": 1, "c": 1, "put": -1, "p": -1}, fill=1.0)
MODEL = Choice('must be "black76" or "bs"', {"black76": 0, "black": 0, "bs": 1, "black-scholes": 1}, fill=0.0)


def require(ok: Any, name: str, rule: str, value: Any = None) -> None:
    """A check across arguments: raise (normal mode) or record per-element reasons (elementwise mode).

    `ok` is a boolean array (True = fine); `value` is the array the message quotes in normal mode.
    """
    ok = np.asarray(ok, dtype=bool)
    if ok.all():
        return
    collector = _collector.get()
    if collector is not None:
        collector.append((~ok, f"{name} {rule}"))
        return
    if value is None:
        raise ValueError(f"{name} {rule}")
    raise ValueError(f"{name} {rule}, got {first_bad(np.asarray(value, dtype=object), ~ok)!r}")


def flagged(shape: tuple[int, ...]) -> np.ndarray | None:
    """Elements flagged bad so far in elementwise mode (broadcast to `shape`), or None in normal mode.

    For functions where every element depends on every other (an account's positions), so one bad element must
    spoil the rest instead of silently skewing them."""
    collector = _collector.get()
    if collector is None:
        return None
    mask = np.zeros(shape, dtype=bool)
    for bad, _ in collector:
        try:
            mask |= np.broadcast_to(bad, shape)
        except ValueError:
            mask |= bool(np.any(bad))
    return mask


def spoil_whole_result() -> None:
    """In elementwise mode, make every element flagged bad so far the error of every element of the result.

    For functions whose result is not laid out by their arguments (an account's frontier, one row per vol shift;
    a scenario table): each result element depends on every position, and a position's mask broadcast against the
    result would mark only the result column that happens to share its index (the 6th position and the 6th
    column of a frontier row) and leave the others computed with a stand-in position."""
    collector = _collector.get()
    if collector is not None:
        collector[:] = [(np.asarray(bool(np.any(bad))), reason) for bad, reason in collector]


def unwrap(result: Any) -> Any:
    """0-d arrays become numpy scalars (scalar in, scalar out), inside tuples and NamedTuples too."""
    if isinstance(result, np.ndarray):
        return result[()] if result.ndim == 0 else result
    if isinstance(result, tuple):
        values = [unwrap(v) for v in result]
        return type(result)(*values) if hasattr(result, "_fields") else tuple(values)
    return result


def _result_shape(result: Any) -> tuple[int, ...]:
    if isinstance(result, tuple):
        shapes = [np.shape(v) for v in result if isinstance(v, (np.ndarray, np.generic, float))]
        return np.broadcast_shapes(*shapes) if shapes else ()
    return np.shape(result)


def _merge_reasons(found: list, shape: tuple[int, ...]) -> np.ndarray | None:
    if not found:
        return None
    reasons = np.full(shape, "", dtype=object)
    for bad, reason in found:
        bad = np.asarray(bad)
        while bad.ndim > len(shape):  # an argument reduced away (fills of an average, say): any bad element counts
            bad = bad.any(axis=-1)
        try:
            bad = np.broadcast_to(bad, shape)
        except ValueError:
            bad = np.broadcast_to(bad.any(), shape)
        reasons[bad & (reasons == "")] = reason
    return reasons


def checked(**domains: Domain | Callable) -> Callable:
    """Decorate an engine function with the domains of its arguments (see the module docstring).

    A domain may be a :class:`Domain`, or any object with ``strict(name, value)`` and
    ``lenient(name, value, collector)`` methods (the maintenance-rate argument uses that). Arguments whose value is
    ``None`` are passed through unchecked: ``None`` means "use the default" and the function handles it.

    Positional, keyword and keyword-only parameters are all checked (arguments are bound to the signature first),
    and the decorated function, ``.elementwise`` and ``.raw`` keep the signature of ``fn``.
    """

    def decorate(fn: Callable) -> Callable:
        signature = inspect.signature(fn)
        required = {n for n, p in signature.parameters.items() if p.default is inspect.Parameter.empty}
        missing = set(domains) - set(signature.parameters)
        if missing:
            raise TypeError(f"{fn.__name__}: no parameters named {sorted(missing)}")

        resolving = [(name, domain) for name, domain in domains.items() if hasattr(domain, "resolve")]

        def _resolve(arguments: dict) -> None:
            # a domain whose value depends on the others once checked (a tier table counted by size takes the
            # tier of the size argument)
            for name, domain in resolving:
                if arguments[name] is not None:
                    arguments[name] = domain.resolve(name, arguments[name], arguments)

        def bind(args: tuple, kwargs: dict) -> inspect.BoundArguments:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return bound

        @functools.wraps(fn)
        def strict_call(*args: Any, **kwargs: Any) -> Any:
            collector = _collector.get()
            if collector is not None:  # called from inside an elementwise call: stay lenient
                return _lenient_call(args, kwargs, collector)
            bound = bind(args, kwargs)
            for name in domains:
                if bound.arguments[name] is None and name in required:
                    raise ValueError(f"{name} is required")
            checks = [(name, domain, bound.arguments[name]) for name, domain in domains.items()
                      if bound.arguments[name] is not None]
            if sum(isinstance(v, np.ndarray) and v.size >= _PARALLEL_CHECK for _, _, v in checks) >= 2:
                # Large arrays: check the arguments concurrently (the reductions release the GIL); the first
                # failing argument in signature order still gives the error.
                from levxl.engine.parallel import pool

                futures = [pool().submit(domain.strict, name, value) for name, domain, value in checks]
                for (name, _, _), future in zip(checks, futures):
                    bound.arguments[name] = future.result()
            else:
                for name, domain, value in checks:
                    bound.arguments[name] = domain.strict(name, value)
            _resolve(bound.arguments)
            return unwrap(fn(*bound.args, **bound.kwargs))

        def _lenient_call(args: tuple, kwargs: dict, collector: list) -> Any:
            bound = bind(args, kwargs)
            for name, domain in domains.items():
                value = bound.arguments[name]
                if value is not None:
                    bound.arguments[name] = domain.lenient(name, value, collector)
                elif name in required:
                    collector.append((np.asarray(True), f"{name} is blank"))
                    bound.arguments[name] = domain.lenient(name, getattr(domain, "fill", 1.0), collector)
            try:
                _resolve(bound.arguments)
            except ValueError as exc:
                collector.append((np.asarray(True), str(exc)))
                return np.nan
            with np.errstate(all="ignore"):
                return fn(*bound.args, **bound.kwargs)

        def elementwise(*args: Any, **kwargs: Any) -> tuple[Any, np.ndarray | None]:
            """Like the function, but bad elements give reasons instead of an exception: ``(result, reasons)``."""
            found: list = []
            token = _collector.set(found)
            try:
                result = _lenient_call(args, kwargs, found)
            finally:
                _collector.reset(token)
            return result, _merge_reasons(found, _result_shape(result))

        strict_call.raw = fn
        strict_call.elementwise = elementwise
        strict_call.domains = dict(domains)
        return strict_call

    return decorate
