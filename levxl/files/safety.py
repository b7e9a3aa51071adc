"""Refuse hostile or broken workbook packages: the one reading layer every workbook input goes through.

An .xlsx/.xlsm is a zip. A 1 MB zip bomb drives openpyxl (and LibreOffice) past 2 GB of memory, so:

* :func:`check_package` checks the zip's central directory first (declared sizes, compression ratio, member count);
* :func:`bounded_zip` opens the package as a :class:`BoundedZipFile`, whose members are inflated in 1 MiB chunks with a
  running size cap. A member is never inflated past its declared size (a member declared at 100 KB that inflates to
  3 GiB is refused after 100 KB, its CRC checked), a package never past :data:`MAX_TOTAL_BYTES`; corrupt deflate, a
  lying CRC or a truncated file become one :class:`UnsafeWorkbook` message, never ``zlib.error``/``BadZipFile``.
  ``zipfile.ZipExtFile.read()`` with no size asks zlib for up to 2 GiB at once (the 2.1 GB the issue measured);
  a bounded member never does;
* :func:`parse_xml` / :func:`iter_xml` parse one part with lxml (entities never resolved, no network, no DTD,
  libxml2's default depth and text-node limits) and refuse any DOCTYPE/ENTITY (billion laughs, XXE); running out of
  memory while parsing is reported as exactly that (a ``MemoryError``), not as "not well-formed XML".
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from pathlib import Path
from typing import IO, Iterator

__all__ = ["UnsafeWorkbook", "UnsafeFile", "require_regular_file", "check_package", "bounded_zip", "BoundedZipFile", "verify_package",
           "check_xml_part",
           "parse_xml", "iter_xml", "MAX_MEMBERS", "MAX_TOTAL_BYTES", "MAX_MEMBER_BYTES", "MAX_RATIO", "CHUNK"]

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # deflate tops out near 1000:1; real sheet XML compresses 5-30:1
CHUNK = 1 << 20  # bytes inflated per step: the most zlib is ever asked for at once

#: parts a parser reads through :class:`BoundedZipFile` anyway; every other part is verified when the package opens
XML_SUFFIXES = (".xml", ".rels", ".vml")


class UnsafeWorkbook(ValueError):
    """The file is not one levxl will open (not a zip, truncated, corrupt, or over a safety limit)."""


UnsafeFile = UnsafeWorkbook  #: the same error under the name the other readers use


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(magic)) == magic
    except OSError:
        return False


def require_regular_file(path: str | Path, what: str = "file") -> None:
    """Raise :class:`UnsafeFile` unless ``path`` (through symlinks) is a regular file: ``zipfile`` reads a device
    such as ``/dev/zero`` to its end, which never comes (22 GB before it was killed), and a reader that opens a
    file more than once (positions: the delimiter, then the rows) reads a pipe's data only once. A missing file is
    left to the caller's own message."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a pipe" if stat.S_ISFIFO(mode) else "a device or socket"
        raise UnsafeFile(f"{Path(path).name}: not a regular {what} ({kind}); give a file saved on disk")


def check_package(path: str | Path) -> list[zipfile.ZipInfo]:
    """Check a workbook package without decompressing it; return its members or raise :class:`UnsafeWorkbook`."""
    path = Path(path)
    require_regular_file(path, "workbook file")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        if _starts_with(path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # an OLE2 compound file, not a zip
            raise UnsafeWorkbook(f"{path.name}: not an .xlsx/.xlsm workbook: a password-protected (encrypted) "
                                 "workbook or an old .xls; save a copy without a password as .xlsx") from None
        raise UnsafeWorkbook(f"{path.name}: not an .xlsx/.xlsm workbook (not a zip package, or truncated)") from None
    except OSError as exc:
        raise UnsafeWorkbook(f"{path.name}: cannot read ({exc.strerror or exc})") from None
    if len(members) > MAX_MEMBERS:
        raise UnsafeWorkbook(f"{path.name}: {len(members)} parts in the package, more than {MAX_MEMBERS}")
    total = 0
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            raise UnsafeWorkbook(f"{path.name}: part {member.filename} declares {member.file_size:,} bytes "
                                 f"uncompressed, more than {MAX_MEMBER_BYTES:,}")
        if member.compress_size and member.file_size / member.compress_size > MAX_RATIO and member.file_size > 1 << 20:
            raise UnsafeWorkbook(f"{path.name}: part {member.filename} expands {member.file_size / member.compress_size:,.0f}"
                                 f" times (a zip bomb?); the limit is {MAX_RATIO}")
        total += member.file_size
    if total > MAX_TOTAL_BYTES:
        raise UnsafeWorkbook(f"{path.name}: {total:,} bytes uncompressed in all, more than {MAX_TOTAL_BYTES:,}")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise UnsafeWorkbook(f"{path.name}: a zip, but not a spreadsheet package (no [Content_Types].xml / xl/)")
    return members


class _BoundedMember:
    """A member being inflated: ``read(n)`` in chunks of at most :data:`CHUNK`, every byte counted against the
    member's declared size and the package's running total; zip/zlib errors become :class:`UnsafeWorkbook`."""

    def __init__(self, owner: "BoundedZipFile", raw: IO[bytes], info: zipfile.ZipInfo) -> None:
        self._owner, self._raw, self._info = owner, raw, info
        self._count = 0

    def _step(self, n: int) -> bytes:
        try:
            data = self._raw.read(n)
        except zipfile.BadZipFile as exc:  # a lying CRC (a member inflating past its declared size ends here too)
            raise self._owner.refuse(f"part {self._info.filename} does not match its declared size and CRC "
                                     f"(corrupt, or a zip bomb): {exc}") from None
        except (zlib.error, EOFError, OSError, ValueError) as exc:
            raise self._owner.refuse(f"part {self._info.filename} is truncated or corrupt ({exc})") from None
        self._count += len(data)
        self._owner.count(len(data), self._info)
        return data

    def read(self, n: int = -1) -> bytes:
        if n is not None and 0 <= n <= CHUNK:
            return self._step(n)
        chunks = []
        left = None if n is None or n < 0 else n
        while left is None or left > 0:
            chunk = self._step(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                break
            chunks.append(chunk)
            if left is not None:
                left -= len(chunk)
        return b"".join(chunks)

    def read1(self, n: int = -1) -> bytes:
        return self._step(CHUNK if n is None or n < 0 else min(n, CHUNK))

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> "_BoundedMember":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class BoundedZipFile(zipfile.ZipFile):
    """A :class:`zipfile.ZipFile` whose members inflate with a running cap (see the module docstring)."""

    def __init__(self, path: str | Path, *, verify: bool = True) -> None:
        self.display_name = Path(path).name
        self.members = check_package(path)
        self.inflated = 0
        try:
            super().__init__(path)
        except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
            raise self.refuse(f"broken zip package ({exc})") from None
        if verify:  # parts no parser reads through this reader (vbaProject.bin, media) are checked now
            for info in self.members:
                if not info.is_dir() and not info.filename.lower().endswith(XML_SUFFIXES):
                    with self.open(info) as member:
                        while member.read(CHUNK):
                            pass

    def refuse(self, why: str) -> UnsafeWorkbook:
        return UnsafeWorkbook(f"{self.display_name}: {why}")

    def count(self, n: int, info: zipfile.ZipInfo) -> None:
        self.inflated += n
        if self.inflated > MAX_TOTAL_BYTES:
            raise self.refuse(f"more than {MAX_TOTAL_BYTES:,} bytes inflated (at part {info.filename}); refused")

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):  # type: ignore[override]
        if mode != "r":
            return super().open(name, mode, pwd, force_zip64=force_zip64)
        try:
            raw = super().open(name, mode, pwd)
        except KeyError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError) as exc:
            raise self.refuse(f"part {getattr(name, 'filename', name)} cannot be opened ({exc})") from None
        return _BoundedMember(self, raw, name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name))

    def read(self, name, pwd=None) -> bytes:  # type: ignore[override]
        with self.open(name, "r", pwd) as member:
            return member.read()


def bounded_zip(path: str | Path, *, verify: bool = True) -> BoundedZipFile:
    """Open a workbook package for reading through the bounded layer (use as a context manager)."""
    return BoundedZipFile(path, verify=verify)


def verify_package(path: str | Path) -> list[zipfile.ZipInfo]:
    """Inflate every member of a package once (bounded, CRC checked) and parse every XML part safely; for a
    package another library (openpyxl) will read afterwards. Returns the members or raises :class:`UnsafeWorkbook`."""
    with bounded_zip(path) as archive:
        for info in archive.members:
            if not info.is_dir() and info.filename.lower().endswith(XML_SUFFIXES):
                check_xml_part(archive, info)
        return archive.members


def check_xml_part(archive: BoundedZipFile, info: zipfile.ZipInfo) -> None:
    """Stream-parse one XML part of an open package with :func:`iter_xml`'s protections, keeping nothing: each
    element is dropped once parsed, so memory does not grow with the part (3M empty cells as a tree: 1.2 GB)."""
    with archive.open(info) as member:
        for _, element in iter_xml(member, info.filename, archive.display_name, events=("end",)):
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]


_DECL = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           remove_blank_text=False)


def _xml_error(exc: Exception, name: str, filename: str) -> BaseException:
    text = str(exc)
    if "memory" in text.lower():  # libxml2 could not allocate: the memory cap, not a broken file
        return MemoryError(f"{filename}: out of memory while parsing part {name} ({text})")
    return UnsafeWorkbook(f"{filename}: part {name} is not well-formed XML ({text})")


def parse_xml(data: bytes, name: str, filename: str = "workbook"):
    """Parse one XML part; refuse DTDs/entities (billion laughs, XXE) and malformed XML with a clear message."""
    from lxml import etree

    if _DECL.search(data) or (data[:2] in (b"\xff\xfe", b"\xfe\xff") and _DECL.search(data.decode("utf-16", "ignore")
                                                                                       .encode())):
        raise UnsafeWorkbook(f"{filename}: part {name} declares a DOCTYPE/ENTITY (XML entity expansion or external "
                             "entity); refused")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise _xml_error(exc, name, filename) from None
    except MemoryError:
        raise MemoryError(f"{filename}: out of memory while parsing part {name}") from None
    if root.getroottree().docinfo.doctype:
        raise UnsafeWorkbook(f"{filename}: part {name} declares a DOCTYPE; refused")
    return root


class _Refusing:
    """A stream that refuses a DOCTYPE/ENTITY declaration anywhere in it (before the parser could expand one)."""

    def __init__(self, stream, name: str, filename: str) -> None:
        self._stream, self._name, self._filename, self._tail = stream, name, filename, b""

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(CHUNK if n is None or n < 0 else min(n, CHUNK))
        if _DECL.search(self._tail + data) or self._tail == b"" and data[:2] in (b"\xff\xfe", b"\xfe\xff") and \
                _DECL.search(data.decode("utf-16", "ignore").encode()):
            raise UnsafeWorkbook(f"{self._filename}: part {self._name} declares a DOCTYPE/ENTITY (XML entity "
                                 "expansion or external entity); refused")
        self._tail = data[-16:] if data else self._tail
        return data


def iter_xml(stream, name: str, filename: str = "workbook", events=("end",), tag=None) -> Iterator:
    """Stream-parse one XML part (``lxml.etree.iterparse`` with the same protections as :func:`parse_xml`):
    yields ``(event, element)``; the caller clears elements it is done with, so memory stays flat."""
    from lxml import etree

    try:
        parser = etree.iterparse(_Refusing(stream, name, filename), events=events, tag=tag, resolve_entities=False,
                                 no_network=True, huge_tree=False, load_dtd=False)
        checked = False
        for event, element in parser:
            if not checked:
                checked = True
                docinfo = element.getroottree().docinfo
                if docinfo.doctype or docinfo.internalDTD is not None:
                    raise UnsafeWorkbook(f"{filename}: part {name} declares a DOCTYPE/ENTITY; refused")
            yield event, element
    except etree.XMLSyntaxError as exc:
        raise _xml_error(exc, name, filename) from None
    except MemoryError:
        raise MemoryError(f"{filename}: out of memory while parsing part {name}") from None
