"""Text that is safe where it goes: a spreadsheet cell (well-formed XML, within Excel's limits) or a terminal.

* :func:`safe_cell_text` - what a workbook may hold: XML 1.0 forbids most control characters (XlsxWriter escapes them
  in shared strings but not in the cached ``<v>`` of a formula cell, which makes the package unreadable), lone
  surrogates and U+FFFE/U+FFFF; Excel refuses cell text over 32,767 characters.
* :func:`terminal_text` - what may be printed: no escape sequence from a file (``\\x1b]0;title\\x07`` retitles a
  terminal, others move the cursor or rewrite the screen) reaches the terminal, even when output is piped.

>>> safe_cell_text("BTC\\x00USDT\\x1b[31m")
'BTCUSDT[31m'
>>> terminal_text("BTC\\x1b]0;pwned\\x07")
'BTC\\\\x1b]0;pwned\\\\x07'
"""

from __future__ import annotations

import re

__all__ = ["MAX_CELL_CHARS", "safe_cell_text", "terminal_text"]

MAX_CELL_CHARS = 32_767  #: Excel's limit on the text of one cell (UTF-16 code units)

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_NOT_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def safe_cell_text(text, limit: int = MAX_CELL_CHARS):
    """``text`` without the characters XML 1.0 cannot hold (C0 controls but tab/newline/CR, DEL, surrogates,
    U+FFFE/U+FFFF), cut to ``limit`` UTF-16 code units (ending in "..." when cut). Non-strings pass unchanged."""
    if not isinstance(text, str):
        return text
    clean = _NOT_XML.sub("", text)
    if len(clean) > limit // 2 and len(clean.encode("utf-16-le", "surrogatepass")) // 2 > limit:
        keep = limit - 3
        while len(clean[:keep].encode("utf-16-le", "surrogatepass")) // 2 > limit - 3:
            keep -= max(1, (len(clean[:keep].encode("utf-16-le", "surrogatepass")) // 2 - (limit - 3)) // 2)
        clean = clean[:keep] + "..."
    return clean


def terminal_text(text) -> str:
    """``str(text)`` with every control character (C0 but newline and tab, DEL, C1) and bidi override shown as an
    escape (``\\x1b``) instead of being sent to the terminal."""
    return _NOT_TERMINAL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else
                             f"\\u{ord(m.group()):04x}", str(text))
