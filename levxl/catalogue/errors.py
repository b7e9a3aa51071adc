"""Cell errors of the catalogue: a real Excel error value that carries its reason, and messages in the user's words.

A bad element of a catalogue call comes back as a :class:`CellError`: ``.code`` is the Excel error a host shows
(``#VALUE!`` for bad input, ``#NUM!`` where no number exists, ``#N/A`` or another code passed on from an error
cell in an argument) and ``.reason`` the short reason ("leverage must be > 0"). A ``CellError`` *is* also the text
``"#VALUE! leverage must be > 0"`` (a ``str`` subclass), so a caller that still writes text keeps working; a
caller that writes Excel errors tests ``isinstance(value, CellError)`` and writes ``value.code``:

* the xlwings faces (:mod:`levxl.udfs`) return ``value.code``: a real error, so ``SUM``/``MIN``/``COUNT`` over a
  bad row show (or, for ``COUNT``, skip) an error as Excel's own functions do, and ``ISERROR``/``IFERROR`` see it;
* the reason reaches the user through ``LEVXL_WHY``/``LEVXL.WHY`` (same arguments, prefixed by the function's
  name), which returns the reasons as text in the same shape, "" where a cell is fine.

Messages are one line of at most :data:`MAX_MESSAGE` characters; they name the spreadsheet argument and what was
expected, never a range's contents, a numpy repr or a long string (see :func:`tidy`).
"""

from __future__ import annotations

import re

__all__ = ["CellError", "CODES", "MAX_MESSAGE", "BUG_MESSAGE", "value_error", "num_error", "tidy", "is_error_code"]

CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
"""Excel's error codes, as a cell holding one reads (xlwings ``err_to_str``, the recalc, openpyxl)."""

MAX_MESSAGE = 240
"""No host needs a short reason: Office.js and classic Excel get the error code alone (the reason is the text of a
LEVXL_WHY cell, which holds 32,767 characters), LEVXL_ERRORS=text puts it in a cell. The bound keeps a reason one
readable line and stops a message from echoing a long input; levxl's own messages fit, with the point first, so a
cut (at a word, marked "...") only drops the tail of a list."""


class CellError(str):
    """An Excel error value with its reason; equal to (and usable as) the text ``"<code> <reason>"``."""

    code: str
    reason: str

    def __new__(cls, code: str, reason: str = "") -> "CellError":
        reason = tidy(reason) if reason else ""
        self = super().__new__(cls, f"{code} {reason}" if reason else code)
        self.code = code
        self.reason = reason
        return self

    @property
    def text(self) -> str:
        """The old text form, ``"#VALUE! leverage must be > 0"``."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"CellError({self.code!r}, {self.reason!r})"

    def __reduce__(self):
        return (CellError, (self.code, self.reason))


def value_error(reason: str) -> CellError:
    return CellError("#VALUE!", reason)


def num_error(reason: str) -> CellError:
    return CellError("#NUM!", reason)


def is_error_code(value: object) -> bool:
    """Whether a cell value is an Excel error read as text (``"#N/A"``), as hosts pass error cells."""
    return type(value) is str and value in _CODE_SET or isinstance(value, CellError)


_CODE_SET = frozenset(CODES)

_NUMPY_SCALAR = re.compile(r"np\.(?:float|int|uint|bool|str)_?\d*\(([^()]*)\)")
_ARRAY_REPR = re.compile(r"(?:array\()?\[[\[\]\d\s.,eE+\-naninf'\"a-zA-Z]*\]\)?", re.S)
_GOT = re.compile(r",? got (.*)$", re.S)
_BROADCAST = re.compile(r"shape mismatch|could not be broadcast|operands could not be broadcast|broadcast")


def _short_value(text: str) -> str:
    """A quoted value kept only when it is short and not a range."""
    text = _NUMPY_SCALAR.sub(r"\1", text.strip())
    bare = text.strip("'\"")
    if bare.startswith("[") or bare.startswith("array(") or "\\n" in text:
        return ""
    if "\n" in text or text.startswith("[") or text.startswith("array(") or len(text) > 24:
        return ""
    return text


def tidy(message: str) -> str:
    """One line of at most :data:`MAX_MESSAGE` characters, without numpy's words or echoed ranges.

    >>> tidy("size must be a number, got np.float64(1.0)")
    'size must be a number, got 1.0'
    >>> tidy("leverage must be > 0, got '[[0. 1. 2.]\\n [3. 4. 5.]]'")
    'leverage must be > 0'
    """
    text = " ".join(str(message).split()) if message else ""
    if not text:
        return "bad input"
    if _BROADCAST.search(text):
        return "ranges don't line up (use one column or row per argument, of the same length)"
    got = _GOT.search(text)
    if got:
        quoted = _short_value(got.group(1))
        text = text[:got.start()] + (f", got {quoted}" if quoted else "")
    text = _NUMPY_SCALAR.sub(r"\1", text)
    text = _ARRAY_REPR.sub("a range", text) if "[[" in text or "array(" in text else text
    # a long quoted string (a 1 MB preset name) is not echoed; an apostrophe inside a word ("venue's") is no quote
    text = re.sub(r"(?<!\w)'[^']{25,}'(?!\w)", "that text", text)
    if len(text) > MAX_MESSAGE:
        cut = text[:MAX_MESSAGE - 3]
        space = cut.rfind(" ")
        text = (cut[:space] if space > MAX_MESSAGE // 2 else cut).rstrip(" ,;:(") + "..."
    return text

BUG_MESSAGE = "levxl could not compute this: a bug, please report it"
"""The reason shown where a call hit a bug (logged with its traceback); the fuzz tests assert it never shows."""
