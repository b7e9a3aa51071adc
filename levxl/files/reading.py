"""Bounded readers for table inputs (positions, marks): CSV, xlsx and JSON, streamed where the format allows.

Memory is independent of the file's size beyond the rows a caller keeps:

* :func:`csv_rows` streams a CSV (the SHA-256 is computed on the way); a row the csv module cannot read (a field over
  :data:`MAX_FIELD` characters, a NUL byte) becomes a :class:`Unreadable` row, the next row is read as usual;
* :func:`xlsx_rows` streams one sheet of a workbook through :mod:`levxl.files.safety` (bounded inflation, no DTD or
  entity) and yields only the rows that hold cells: a ``<dimension ref="A1:XFD1048576"/>`` and one far cell cost one
  row, not a million padded ones (openpyxl's read-only mode walks the dimension);
* :func:`read_json` loads a JSON document of at most :data:`MAX_JSON_BYTES`, too-deep nesting is a message;
  :meth:`TableFile.json_items` streams a larger one when it is an array (ccxt ``fetch_positions`` output), one
  element at a time (ijson's C parser; nesting deeper than :data:`MAX_JSON_DEPTH` and a single value longer than
  :data:`MAX_JSON_TOKEN` bytes are messages, never a memory blow-up).

At most :data:`MAX_ROWS` data rows are read from a file: the rest is reported, not read (see :class:`TableFile`).
Every failure is a ``ValueError`` (:class:`levxl.files.safety.UnsafeWorkbook` for packages) with a one-line message.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from levxl.files.safety import UnsafeWorkbook, bounded_zip, iter_xml

__all__ = ["MAX_ROWS", "MAX_FIELD", "MAX_JSON_BYTES", "MAX_JSON_DEPTH", "MAX_JSON_TOKEN", "MAX_COLUMNS",
           "MAX_SHARED_STRINGS", "MAX_SHARED_CHARS", "MAX_SMALL_BYTES", "shared_strings",
           "Unreadable", "Uncached", "TimeCell", "DuplicateKeys", "duplicate_keys", "json_loads", "text_encoding",
           "TableFile", "csv_rows", "xlsx_rows", "read_json", "read_small_file", "file_sha256"]

MAX_ROWS = 100_000  #: data rows read from one file (each costs 0.3-1 ms in the row checks)
MAX_FIELD = csv.field_size_limit()  #: characters in one CSV field (the csv module's own limit, 131,072)
MAX_LINE = 8 * MAX_FIELD  #: characters in one physical line of a CSV; a longer line is refused without holding it
MAX_JSON_BYTES = 64 * 1024 * 1024  #: a JSON document up to this size is parsed whole; a larger array is streamed
MAX_JSON_DEPTH = 64  #: nesting levels of a streamed JSON array (a ccxt Position is 4 deep)
MAX_JSON_TOKEN = 16 * 1024 * 1024  #: bytes of one JSON value (a string, a number) in a streamed array
MAX_COLUMNS = 16_384  #: Excel's last column, XFD
MAX_SHARED_STRINGS = 2_000_000  #: a positions sheet of MAX_ROWS rows needs far fewer distinct strings
MAX_SHARED_CHARS = 64 * 1024 * 1024  #: characters in all shared strings (2M strings of 240: 912 MB in memory)

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NSR = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NSPR = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass(frozen=True)
class Uncached:
    """A formula cell saved without its value (openpyxl and some generators write none): what it computes is not
    in the file, so a reader refuses it rather than read it as blank."""

    formula: str


def text_encoding(head: bytes) -> str:
    """The encoding of a text file from its first bytes: UTF-16 with its byte-order mark (Excel's "Unicode Text"),
    else UTF-8 with or without one."""
    return "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"


@dataclass
class Unreadable:
    """A row that could not be read (its line number and why); the caller refuses that row only."""

    line: int
    reason: str


class _Hashing(io.RawIOBase):
    """A binary file that hashes what is read through it."""

    def __init__(self, raw) -> None:
        self.raw, self.digest = raw, hashlib.sha256()
        self.total = 0  #: bytes read so far
        self.limit: int | None = None  #: read() refuses past this many bytes (see TableFile.json_items)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.limit is not None and self.total > self.limit:
            raise _TokenTooLong()
        n = self.raw.readinto(buffer)
        if n:
            self.digest.update(memoryview(buffer)[:n])
            self.total += n
        return n or 0

    def drain(self) -> None:
        while chunk := self.raw.read(1 << 20):
            self.digest.update(chunk)


class TableFile:
    """An input file opened for streaming: ``with TableFile(path) as t: for row in t.csv_rows(): ...``; then
    ``t.sha256`` (of the whole file, read to the end even when rows stop at :data:`MAX_ROWS`) and ``t.truncated``
    (True when rows were left unread)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._file = open(self.path, "rb")
        except OSError as exc:
            raise ValueError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        self._hashing = _Hashing(self._file)
        self.truncated = False
        self.sha256 = ""

    def __enter__(self) -> "TableFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if not self._file.closed:
            self._hashing.drain()
            self.sha256 = self._hashing.digest.hexdigest()
            self._file.close()

    def csv_rows(self, delimiter: str = ",") -> Iterator[list[str] | Unreadable]:
        """Rows as lists of strings (the header first), or :class:`Unreadable`; at most MAX_ROWS + 1 rows."""
        buffered = io.BufferedReader(self._hashing, 1 << 16)
        encoding = text_encoding(buffered.peek(2)[:2])
        text = io.TextIOWrapper(buffered, encoding=encoding, newline="")
        lines = _BoundedLines(text)
        reader = csv.reader(lines, delimiter=delimiter)
        read = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except _LineTooLong:
                row = Unreadable(lines.number, f"line {lines.number} cannot be read: longer than {MAX_LINE:,} "
                                               "characters")
            except UnicodeDecodeError:
                raise ValueError(f"{self.path.name}: not a UTF-8 text CSV (near line {reader.line_num + 1}); save it as "
                                 "'CSV UTF-8'") from None
            except csv.Error as exc:
                row = Unreadable(reader.line_num, f"line {reader.line_num} cannot be read: {exc}")
            if read > MAX_ROWS:
                self.truncated = True
                return
            read += 1
            yield row


    def json_items(self) -> Iterator[Any]:
        """The elements of a JSON array, one at a time, as ``json.loads`` would give them (at most MAX_ROWS;
        ``truncated`` when more follow). A ValueError with one line for a document that is not an array, invalid JSON,
        nesting deeper than :data:`MAX_JSON_DEPTH` or a value longer than :data:`MAX_JSON_TOKEN` bytes: memory
        stays bounded by one element (the builder holds the element being read, never the document)."""
        import ijson

        name = self.path.name
        head = self._hashing.raw.read(3)  # a UTF-8 byte-order mark is not JSON
        self._hashing.digest.update(head)
        self._hashing.total += len(head)
        source = _Prefixed(b"" if head == b"\xef\xbb\xbf" else head, self._hashing)
        events = ijson.basic_parse(source, use_float=True, buf_size=1 << 16)
        read = 0
        try:
            self._hashing.limit = self._hashing.total + MAX_JSON_TOKEN  # moved on by each event from here
            first = next(events, (None, None))[0]
            self._hashing.limit = self._hashing.total + MAX_JSON_TOKEN
            if first != "start_array":
                raise ValueError(f"{name}: a JSON file over {MAX_JSON_BYTES:,} bytes must be an array of positions "
                                 "(ccxt fetch_positions output) to be streamed; give large books as CSV or as an "
                                 "array")
            for item in _json_elements(events, self._hashing, name):
                if read >= MAX_ROWS:  # one element past the limit: the rest is not read
                    self.truncated = True
                    return
                read += 1
                yield item
        except _TokenTooLong:
            raise ValueError(f"{name}: a JSON value longer than {MAX_JSON_TOKEN:,} bytes; refused") from None
        except ijson.JSONError as exc:
            why = " ".join(str(exc).split()) or type(exc).__name__  # yajl's message spans lines: one line
            raise ValueError(f"{name}: not valid JSON ({why[:300]})") from None
        finally:
            self._hashing.limit = None


class _LineTooLong(Exception):
    """Raised to the csv reader by :class:`_BoundedLines` for a line over MAX_LINE characters (already skipped)."""


class _BoundedLines:
    """The physical lines of a text stream for ``csv.reader``, each at most :data:`MAX_LINE` characters: a longer
    line is read past in MAX_LINE steps and raises :class:`_LineTooLong`, so a 200 MB line with no newline costs
    one step of memory, not the line (``TextIOWrapper``'s own iteration returns a line whole, however long)."""

    def __init__(self, text: io.TextIOBase) -> None:
        self.text, self.number = text, 0  #: number: the physical line last read (1-based)

    def __iter__(self) -> "_BoundedLines":
        return self

    def __next__(self) -> str:
        line = self.text.readline(MAX_LINE)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) < MAX_LINE or line.endswith(("\n", "\r")):
            return line
        while (rest := self.text.readline(MAX_LINE)) and len(rest) == MAX_LINE and not rest.endswith(("\n", "\r")):
            pass
        raise _LineTooLong()


class _TokenTooLong(Exception):
    """Raised by the reader when one JSON value runs past MAX_JSON_TOKEN bytes."""


class _Prefixed:
    """A binary reader that returns ``head`` first, then ``raw`` (the bytes peeked for a byte-order mark)."""

    def __init__(self, head: bytes, raw: _Hashing) -> None:
        self.head, self.raw = head, raw

    def read(self, n: int = -1) -> bytes:
        if n == 0:  # ijson asks for 0 bytes to see whether the reader gives bytes or text
            return b""
        if self.head:
            out, self.head = self.head, b""
            return out
        buffer = bytearray(n if n and n > 0 else 1 << 16)
        got = self.raw.readinto(buffer)
        return bytes(buffer[:got])


def _json_elements(events, reader: _Hashing, name: str) -> Iterator[Any]:
    """The elements of the array whose ``start_array`` was just read, built from ijson's basic events without
    recursion; ``reader.limit`` moves on with each event, so a value spanning MAX_JSON_TOKEN bytes is refused."""
    stack: list[Any] = []  # containers of the element being built
    keys: list[Any] = []  # the pending key of each map in ``stack``
    for event, value in events:
        reader.limit = reader.total + MAX_JSON_TOKEN
        if event == "start_map" or event == "start_array":
            if len(stack) + 1 >= MAX_JSON_DEPTH:
                raise ValueError(f"{name}: JSON nested too deeply (more than {MAX_JSON_DEPTH} levels)")
            stack.append([])  # an array's values, or a map's (key, value) pairs until it ends
            keys.append(None)
            continue
        if event == "map_key":
            keys[-1] = value
            continue
        if event == "end_map" or event == "end_array":
            if not stack:  # the end of the top array: what follows is checked by the parser
                for _ in events:
                    reader.limit = reader.total + MAX_JSON_TOKEN
                return
            value = stack.pop()
            keys.pop()
            if event == "end_map":
                value = _json_object(value)  # as read_json builds it: a key given twice is a DuplicateKeys
        if not stack:
            yield value
        elif keys[-1] is None:
            stack[-1].append(value)
        else:
            stack[-1].append((keys[-1], value))


def csv_rows(path: str | Path, delimiter: str = ",") -> Iterator[list[str] | Unreadable]:
    """The rows of a CSV file (see :meth:`TableFile.csv_rows`)."""
    with TableFile(path) as table:
        yield from table.csv_rows(delimiter)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


MAX_SMALL_BYTES = 64 * 1024 * 1024  #: side inputs read whole (marks files)


def read_small_file(path: str | Path, what: str = "file", limit: int | None = None) -> bytes:
    """The bytes of a side input (a marks file), refused past ``limit`` (default :data:`MAX_SMALL_BYTES`) bytes;
    a ValueError with one line."""
    path = Path(path)
    limit = MAX_SMALL_BYTES if limit is None else limit
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise ValueError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ValueError(f"{path.name}: {what} larger than {limit:,} bytes; refused")
    return data


class DuplicateKeys(dict):
    """A JSON object that gives one key twice with different values (``{"contracts": 1, "contracts": 100}``): it
    reads two ways (``json`` keeps the last, other parsers the first), so a reader refuses the record holding it
    (:func:`duplicate_keys`) instead of picking one. ``duplicates``: {key: the values given, in order}."""

    duplicates: dict


def _json_object(pairs: list[tuple[str, Any]]) -> dict:
    """``object_pairs_hook``: a dict, or a :class:`DuplicateKeys` when a key repeats with another value."""
    out: dict = {}
    twice: dict = {}
    for key, value in pairs:
        if key in out and out[key] != value:
            twice.setdefault(key, [out[key]]).append(value)
        out[key] = value
    if not twice:
        return out
    ambiguous = DuplicateKeys(out)
    ambiguous.duplicates = twice
    return ambiguous


def duplicate_keys(obj: Any) -> str | None:
    """Why ``obj`` (a JSON object read by this module) reads two ways, or None: "key 'contracts' is given twice
    with different values (1, 100)"."""
    if not isinstance(obj, DuplicateKeys):
        return None
    key, values = next(iter(obj.duplicates.items()))
    shown = ", ".join(repr(v) if len(repr(v)) <= 20 else repr(v)[:17] + "..." for v in values[:3])
    return f"key {str(key)[:40]!r} is given {len(values)} times with different values ({shown}), so it reads two ways"


_FLOAT_DIGITS = 308  #: an integer of at most this many digits (below 1e308) is inside a float's range (1.8e308);
# a 309-digit one may be past it (9...9), so it is read as a float, which float() of the text makes inf


def _json_int(text: str) -> int | float:
    """A JSON integer as ``json`` reads it, but one past a float's range is a float (``inf``): every number levxl
    reads becomes a float, and ``float(10**400)`` raises OverflowError (and 4,300 digits and over, a ValueError
    that ``json`` would raise from inside the parse) instead of giving a value the row checks can refuse."""
    return int(text) if len(text.lstrip("-")) <= _FLOAT_DIGITS else float(text)


def json_loads(text: str) -> Any:
    """``json.loads`` as every levxl reader parses JSON: an integer past a float's range is ``inf``, an object giving
    a key twice with different values is a :class:`DuplicateKeys`."""
    return json.loads(text, parse_int=_json_int, object_pairs_hook=_json_object)


def read_json(path: str | Path) -> tuple[Any, str]:
    """(the parsed document, its SHA-256); a ValueError for a file over MAX_JSON_BYTES, invalid or too deep."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:  # read at call time: tests lower it
            raise ValueError(f"{path.name}: {size:,} bytes of JSON, more than levxl reads ({MAX_JSON_BYTES:,}); "
                             "give large books as CSV")
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json_loads(raw.decode("utf-8-sig")), hashlib.sha256(raw).hexdigest()
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: not valid JSON ({exc})") from None
    except RecursionError:
        raise ValueError(f"{path.name}: JSON nested too deeply") from None


class TimeCell(float):
    """A number cell whose number format shows it as a time or a duration ("h:mm", "[h]:mm:ss"): the float is the
    fraction of a day Excel stores (8:00 is 0.333...), the type says the sheet means a time. It is a float
    everywhere else, so only a reader that wants hours (the funding interval) treats it differently."""

    @property
    def hours(self) -> float:
        return round(float(self) * 86_400) / 3_600  # to the second: 4:00 is stored as 0.1666..., not 4.000...01 h


class DateCell(float):
    """A number cell whose number format shows it as a date ("yyyy-mm-dd", "d-mmm"): the float is Excel's serial
    day (2024-01-01 is 45292). No positions column is a date, so the type lets a reader refuse one: an entry typed
    as a date would otherwise be read as a price of 45,292."""


#: Excel's built-in number formats that show a time of day or a duration with no date part
_BUILTIN_TIME_FORMATS = frozenset({18, 19, 20, 21, 45, 46, 47})
#: Excel's built-in number formats that show a date (with or without a time)
_BUILTIN_DATE_FORMATS = frozenset({14, 15, 16, 17, 22})


def _is_time_format(code: str) -> bool:
    """A format code that shows hours, minutes or seconds and no year or day (quoted text, escapes and colour or
    locale brackets aside; "[h]" is a duration's elapsed hours, a time all the same)."""
    code = re.sub(r'"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]', "", code.lower())
    return bool(re.search(r"[hs]", code)) and not re.search(r"[yd]", code)


def _is_date_format(code: str) -> bool:
    """A format code that shows a year or a day (quoted text, escapes and bracketed parts aside)."""
    return bool(re.search(r"[yd]", re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code.lower())))


def _number_styles(archive, rels: dict[str, str]) -> dict[int, type]:
    """The cell styles (``s=`` on a cell) whose number format is a time or a date, by index: :class:`TimeCell` or
    :class:`DateCell`."""
    part = next((t for t in rels.values() if t.endswith("styles.xml")), None)
    if not part or part not in archive.namelist():
        return {}
    custom: dict[int, str] = {}
    out: dict[int, type] = {}
    with archive.open(part) as stream:
        index = 0
        for _, el in iter_xml(stream, part, archive.display_name, tag=(f"{_NS}numFmt", f"{_NS}xf")):
            if el.tag == f"{_NS}numFmt":
                try:
                    custom[int(el.get("numFmtId", ""))] = el.get("formatCode", "")
                except ValueError:
                    pass
            elif el.getparent() is not None and el.getparent().tag == f"{_NS}cellXfs":
                try:
                    fmt = int(el.get("numFmtId", "0"))
                except ValueError:
                    fmt = 0
                if fmt in custom and _is_time_format(custom[fmt]) or fmt not in custom and fmt in _BUILTIN_TIME_FORMATS:
                    out[index] = TimeCell
                elif (fmt in custom and _is_date_format(custom[fmt])
                      or fmt not in custom and fmt in _BUILTIN_DATE_FORMATS):
                    out[index] = DateCell
                index += 1
    return out


def _col(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            n = n * 26 + ord(ch) - 96
        else:
            break
    return n


def _rels(archive, part: str) -> dict[str, str]:
    folder, _, base = part.rpartition("/")
    name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    out = {}
    try:
        stream = archive.open(name)
    except KeyError:
        return out
    with stream:
        for _, el in iter_xml(stream, name, archive.display_name, tag=f"{_NSPR}Relationship"):
            target = el.get("Target", "")
            if el.get("TargetMode") == "External":
                continue  # never followed
            out[el.get("Id", "")] = target.lstrip("/") if target.startswith("/") else \
                (f"{folder}/{target}" if folder else target)
    return out


def shared_strings(archive, part: str | None) -> list[str]:
    """The shared strings of an open package (:func:`levxl.files.safety.bounded_zip`), streamed: their text without
    phonetic runs; more than :data:`MAX_SHARED_STRINGS` strings or :data:`MAX_SHARED_CHARS` characters in all is
    an :class:`UnsafeWorkbook` (the list is what a reader keeps, however few cells use it)."""
    if not part:
        return []
    try:
        stream = archive.open(part)
    except KeyError:
        return []
    out = []
    chars = 0
    with stream:
        for _, si in iter_xml(stream, part, archive.display_name, tag=f"{_NS}si"):
            text = "".join(t.text or "" for t in si.iter(f"{_NS}t") if t.getparent().tag != f"{_NS}rPh")
            out.append(text)
            chars += len(text)
            si.clear()
            while si.getprevious() is not None:  # drop read strings from the tree too
                del si.getparent()[0]
            if len(out) > MAX_SHARED_STRINGS:
                raise UnsafeWorkbook(f"{archive.display_name}: more than {MAX_SHARED_STRINGS:,} shared strings; "
                                     "refused")
            if chars > MAX_SHARED_CHARS:
                raise UnsafeWorkbook(f"{archive.display_name}: more than {MAX_SHARED_CHARS:,} characters of shared "
                                     "strings; refused")
    return out


def _sheet_part(archive, prefer: str) -> tuple[str, list[str], dict[int, type]]:
    workbook = "xl/workbook.xml"
    rels = _rels(archive, workbook)
    sheets = []
    try:
        stream = archive.open(workbook)
    except KeyError:
        raise UnsafeWorkbook(f"{archive.display_name}: no workbook part ({workbook}) in the package") from None
    with stream:
        for _, el in iter_xml(stream, workbook, archive.display_name, tag=f"{_NS}sheet"):
            sheets.append((el.get("name", ""), rels.get(el.get(f"{_NSR}id", ""), "")))
    if not sheets:
        raise UnsafeWorkbook(f"{archive.display_name}: no sheets in the workbook")
    chosen = next((t for n, t in sheets if n == prefer), sheets[0][1])
    shared = next((t for t in rels.values() if t.endswith("sharedStrings.xml")), None)
    if not chosen or chosen not in archive.namelist():
        raise UnsafeWorkbook(f"{archive.display_name}: the sheet's part ({chosen or '?'}) is missing")
    return chosen, shared_strings(archive, shared), _number_styles(archive, rels)


def _value(c, strings: list[str]) -> Any:
    t = c.get("t", "n")
    if t == "inlineStr":
        return "".join(x.text or "" for x in c.iter(f"{_NS}t"))
    v = c.find(f"{_NS}v")
    text = v.text if v is not None else None
    if text is None:
        # a formula with no <v>, or an empty one where the type is not text (openpyxl writes <v></v>): no value saved
        formula = c.find(f"{_NS}f") if v is None or t != "str" else None
        return None if formula is None else Uncached(formula.text or "(shared formula)")
    if t == "s":
        try:
            return strings[int(text)]
        except (ValueError, IndexError):
            return None
    if t == "b":
        return text.strip() in ("1", "true")
    if t in ("str", "e", "d"):
        return text
    try:
        # a 400-digit integer is inf, as in JSON: int(text) would be a value no reader can make a float of
        return _json_int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return text


def xlsx_rows(path: str | Path, prefer_sheet: str = "Positions") -> Iterator[list[Any]]:
    """The rows holding cells of the sheet named ``prefer_sheet`` (else the first), as lists of cached values (None
    for an empty cell); a run of missing rows yields one empty list (so a table ends at its first blank row).
    At most :data:`MAX_ROWS` + 1 rows."""
    with bounded_zip(path) as archive:
        part, strings, number_styles = _sheet_part(archive, prefer_sheet)
        previous, count = 0, 0
        with archive.open(part) as stream:
            for _, row in iter_xml(stream, part, archive.display_name, tag=f"{_NS}row"):
                try:
                    number = int(row.get("r") or previous + 1)
                except ValueError:
                    number = previous + 1
                if number > previous + 1 and previous:
                    yield []
                previous = number
                cells: dict[int, Any] = {}
                col = 0
                for c in row.iterchildren(f"{_NS}c"):
                    col = _col(c.get("r") or "") or col + 1
                    if col <= MAX_COLUMNS:
                        value = _value(c, strings)
                        if number_styles and type(value) in (int, float) and c.get("t", "n") == "n":
                            try:
                                kind = number_styles.get(int(c.get("s") or 0))
                            except ValueError:
                                kind = None
                            if kind is not None:
                                value = kind(value)
                        cells[col] = value
                row.clear()
                while row.getprevious() is not None:  # drop finished rows: memory stays flat
                    del row.getparent()[0]
                if cells:
                    values = [None] * max(cells)
                    for k, v in cells.items():
                        values[k - 1] = v
                    count += 1
                    if count > MAX_ROWS + 1:
                        return
                    yield values
                else:
                    yield []
