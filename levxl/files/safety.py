"""Refuse hostile or broken workbook packages before any parser sees them.

An .xlsx/.xlsm is a zip. A 1 MB zip bomb drives openpyxl (and LibreOffice) past 2 GB of memory, so the zip's
declared sizes, compression ratio and member count are checked first, from the central directory alone. XML bombs
and external entities are refused by the XML layer (lxml with entity resolution off, defusedxml); see
:mod:`levxl.recalc`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

__all__ = ["UnsafeWorkbook", "check_package", "MAX_MEMBERS", "MAX_TOTAL_BYTES", "MAX_MEMBER_BYTES", "MAX_RATIO"]

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # deflate tops out near 1000:1; real sheet XML compresses 5-30:1


class UnsafeWorkbook(ValueError):
    """The file is not a workbook levxl will open (not a zip, truncated, or over a safety limit)."""


def check_package(path: str | Path) -> list[zipfile.ZipInfo]:
    """Check a workbook package without decompressing it; return its members or raise :class:`UnsafeWorkbook`."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
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
