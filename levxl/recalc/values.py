"""Cell values of the recalc: float, str, bool, None (blank) and :class:`XlError` (a real Excel error)."""

from __future__ import annotations

import math

__all__ = ["XlError", "ERRORS", "error", "is_error", "to_text", "cell_text"]


class XlError:
    """A real Excel error value (#DIV/0!, #REF!, ...). One instance per code: compare with ``is``."""

    __slots__ = ("code",)

    def __init__(self, code: str):
        self.code = code

    def __repr__(self) -> str:
        return self.code

    __str__ = __repr__

    def __reduce__(self):
        return (error, (self.code,))


ERRORS = {code: XlError(code) for code in
          ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
           "#CALC!")}


def error(code: str) -> XlError:
    code = str(code).strip().upper()
    if code not in ERRORS:
        ERRORS[code] = XlError(code)
    return ERRORS[code]


def is_error(value) -> bool:
    return isinstance(value, XlError)


def to_text(value) -> str:
    """A value as Excel's ``&`` / TEXT-free conversion shows it (General format)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        x = float(value)
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        text = f"{x:.15g}"
        if "e" in text:
            mantissa, exp = text.split("e")
            text = f"{mantissa}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
        return text
    return str(value)


def cell_text(value) -> tuple[str | None, str]:
    """(``t`` attribute or None, ``<v>`` text) for a result written into a sheet's XML."""
    if isinstance(value, XlError):
        return "e", value.code
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, str):
        return "str", value
    if value is None:
        return None, "0"
    x = float(value)
    if not math.isfinite(x):
        return "e", "#NUM!"
    text = repr(x)
    if text.endswith(".0"):
        text = text[:-2]
    return None, text
