"""Reading a workbook package safely, and writing results back into it without touching anything else.

* :func:`open_package` runs :func:`levxl.files.safety.check_package` (zip bombs, non-zips, truncated files) and then parses
  the parts the recalc needs with lxml (``resolve_entities=False, no_network=True, huge_tree=False``); any XML part of
  the package that declares a DOCTYPE or an ENTITY is refused (billion laughs, XXE), before any other parser (openpyxl,
  LibreOffice) sees the file.
* :class:`Package` holds the sheets' cells (cached values and formulas, shared formulas expanded by their anchor) and
  patches ``<c>`` elements: ``<v>`` and the ``t`` attribute only; ``<f>`` and every other attribute stay as they are.
* :func:`write_package` writes a new zip: the members in the original order, unchanged members copied as their raw
  compressed bytes (byte-for-byte, same compression), changed sheet parts recompressed with the original method.
  The write is atomic: a temp file in the target directory, then ``os.replace``.
"""

from __future__ import annotations

import bisect
import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from levxl.files.atomic import atomic_output
from levxl.files.reading import shared_strings
from levxl.files.safety import UnsafeWorkbook, bounded_zip, check_package, check_xml_part, parse_xml
from levxl.recalc.values import cell_text, error

__all__ = ["Package", "Sheet", "Cell", "open_package", "formula_text", "write_package", "safe_xml", "split_ref", "col_letter",
           "col_index", "UnsafeWorkbook"]

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NSR = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NSPR = "http://schemas.openxmlformats.org/package/2006/relationships"
_C, _ROW, _V, _F, _IS, _T = (f"{{{NS}}}{x}" for x in ("c", "row", "v", "f", "is", "t"))

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                          remove_blank_text=False)
_DECL = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


def safe_xml(data: bytes, name: str, filename: str = "workbook") -> etree._Element:
    """Parse one XML part; refuse DTDs/entities (billion laughs, XXE) and malformed XML with a clear message."""
    return parse_xml(data, name, filename)  # the one safe XML layer: levxl.files.safety


_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


_COL_CACHE: dict[str, int] = {}


def col_index(letters: str) -> int:
    n = _COL_CACHE.get(letters)
    if n is None:
        n = 0
        for ch in letters.upper():
            n = n * 26 + ord(ch) - 64
        if len(_COL_CACHE) < 100_000:
            _COL_CACHE[letters] = n
    return n


def col_letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


_PLAIN_REF = re.compile(r"([A-Z]{1,3})(\d+)$")


def split_ref(ref: str) -> tuple[int, int]:
    """'B12' -> (12, 2)."""
    m = _PLAIN_REF.match(ref)
    if m:
        return int(m.group(2)), col_index(m.group(1))
    m = _REF.match(ref)
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_index(m.group(1))


@dataclass
class Cell:
    row: int
    col: int
    value: object = None  # cached value: float, str, bool, XlError or None
    formula: str | None = None  # formula text without "=" (shared children: translated lazily)
    kind: str = "normal"  # normal | array | shared
    ref: str | None = None  # array formulas: the ref of the spill/array range
    shared_si: str | None = None
    origin: tuple[int, int] | None = None  # shared children: ``formula`` is the anchor's text, written at origin
    element: etree._Element | None = None


@dataclass
class Sheet:
    name: str
    part: str
    root: etree._Element
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    rows: dict[int, etree._Element] = field(default_factory=dict)
    sheet_data: etree._Element | None = None
    dirty: bool = False
    #: ``rows``' numbers in order, kept while rows are created (a spill's rows: one bisect each, not a scan of
    #: every row, which made an n-row spill cost n^2)
    _row_order: list[int] | None = field(default=None, repr=False, compare=False)

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=0)

    def set_value(self, row: int, col: int, value) -> None:
        """Write a value into the cell's ``<v>`` (creating the ``<c>``/``<row>`` where missing, in order)."""
        cell = self.cells.get((row, col))
        if cell is None:
            cell = Cell(row, col)
            self.cells[(row, col)] = cell
        if cell.element is None:
            cell.element = self._create(row, col)
        cell.value = value
        t, text = cell_text(value)
        el = cell.element
        if el.get("t") == "inlineStr":
            for child in el.findall(_IS):
                el.remove(child)
        v = el.find(_V)
        if v is None:
            v = etree.SubElement(el, _V)
            f = el.find(_F)
            if f is not None:  # <v> right after <f> (schema order f, v, is, extLst)
                f.addnext(v)
        v.text = text
        if t is None:
            el.attrib.pop("t", None)
        else:
            el.set("t", t)
        self.dirty = True

    def clear_value(self, row: int, col: int) -> None:
        """Empty a cell's cached value (a cell a shrunken spill no longer covers): its ``<v>`` and ``t`` go."""
        cell = self.cells.get((row, col))
        if cell is None or cell.element is None:
            return
        for child in list(cell.element):
            if child.tag in (_V, _IS):
                cell.element.remove(child)
        cell.element.attrib.pop("t", None)
        cell.value = None
        self.dirty = True

    def _create(self, row: int, col: int) -> etree._Element:
        if self.sheet_data is None:
            raise ValueError(f"sheet {self.name} has no sheetData")
        row_el = self.rows.get(row)
        if row_el is None:
            row_el = etree.Element(_ROW, r=str(row))
            order = self._row_order
            if order is None or len(order) != len(self.rows):
                order = self._row_order = sorted(self.rows)
            k = bisect.bisect_right(order, row)
            if k < len(order):  # before the next row of the sheet
                self.rows[order[k]].addprevious(row_el)
            else:
                self.sheet_data.append(row_el)
            self.rows[row] = row_el
            order.insert(k, row)
        el = etree.Element(_C, r=f"{col_letter(col)}{row}")
        for other in row_el.iterchildren(_C):
            ref = other.get("r")
            if ref and split_ref(ref)[1] > col:
                other.addprevious(el)
                break
        else:
            row_el.append(el)
        _fix_spans(row_el, col)
        return el


def _fix_spans(row_el: etree._Element, col: int) -> None:
    spans = row_el.get("spans")
    if spans and ":" in spans:
        try:
            lo, hi = (int(x) for x in spans.split(":"))
        except ValueError:
            return
        row_el.set("spans", f"{min(lo, col)}:{max(hi, col)}")


@dataclass
class Package:
    path: Path
    members: list[zipfile.ZipInfo]
    sheets: list[Sheet]
    names: dict[str, str]  # defined names (global, upper-case) -> definition text
    local_names: set[str]
    external_links: bool
    workbook_root: etree._Element
    parts: dict[str, bytes] = field(default_factory=dict)  # changed parts -> new bytes

    def sheet(self, name: str) -> Sheet | None:
        upper = name.upper()
        for s in self.sheets:
            if s.name.upper() == upper:
                return s
        return None

    def formula_cells(self) -> list[tuple[Sheet, Cell]]:
        return [(s, c) for s in self.sheets for c in s.cells.values() if c.formula is not None]

    def serialized(self) -> dict[str, bytes]:
        out = dict(self.parts)
        for s in self.sheets:
            if s.dirty:
                out[s.part] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' +
                               etree.tostring(s.root, encoding="UTF-8"))
        return out


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as f:
        return f.read()


def _rels(archive: zipfile.ZipFile, part: str, filename: str) -> dict[str, tuple[str, str, str]]:
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    try:
        data = _read(archive, rels_name)
    except KeyError:
        return {}
    root = safe_xml(data, rels_name, filename)
    out = {}
    for rel in root.iter(f"{{{NSPR}}}Relationship"):
        target = rel.get("Target", "")
        mode = rel.get("TargetMode", "")
        full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (full, rel.get("Type", ""), mode)
    return out


BYTES_PER_CELL = 730  #: memory of one cell in a sheet's tree (an empty styled cell, measured; formulas cost more)


def _cell_budget() -> int | None:
    """The cells this process can hold as sheet trees under its address-space cap (``--memory-mb``: RLIMIT_AS),
    with a quarter left for the rest; None when there is no cap. Counted before a sheet is parsed, so a 330 KB
    file of 3,000,000 empty styled cells is one line in a second, not an out-of-memory after 1.8 GB and 12 s."""
    try:
        import resource
    except ImportError:  # Windows: no RLIMIT_AS, and no cap either
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    return int(soft * 0.75) // BYTES_PER_CELL


def open_package(path: str | Path) -> Package:
    """Check and parse a workbook package (see the module docstring); raise UnsafeWorkbook for a bad file."""
    path = Path(path)
    members = check_package(path)
    filename = path.name
    try:
        with bounded_zip(path) as archive:  # members inflate with a running cap (levxl.files.safety)
            names = {m.filename for m in members}
            workbook_part = "xl/workbook.xml"
            root_rels = _rels(archive, "", filename) if "_rels/.rels" in names else {}
            for target, kind, _ in root_rels.values():
                if kind.endswith("/officeDocument"):
                    workbook_part = target
            if workbook_part not in names:
                raise UnsafeWorkbook(f"{filename}: no workbook part ({workbook_part}) in the package")
            rels = _rels(archive, workbook_part, filename)
            shared_part = next((t for t, k, _ in rels.values() if k.endswith("/sharedStrings")), None)
            # the shared strings first, read as levxl risk reads them: the reader refuses past its string and
            # character budgets while it streams (a part inflating to 480 MB is refused in its first 64M
            # characters); checked with every other part first, all of it was parsed before that (4x risk's time)
            strings = shared_strings(archive, shared_part)
            parsed: dict[str, etree._Element] = {}
            budget, cells = _cell_budget(), 0
            for info in members:  # every XML part is checked before anything else reads the package
                lower = info.filename.lower()
                if info.filename == shared_part:
                    continue  # checked as it was read, with the same protections (levxl.files.safety.iter_xml)
                if lower.endswith((".xml", ".rels", ".vml")) and not info.is_dir():
                    if lower.startswith("xl/worksheets/"):  # kept: the recalc edits these trees
                        data = _read(archive, info.filename)
                        cells += data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/>")
                        if budget is not None and cells > budget:
                            raise UnsafeWorkbook(
                                f"{filename}: {cells:,} cells or more (at {info.filename}): about "
                                f"{cells * BYTES_PER_CELL / 2**20:,.0f} MB as trees, more than this worker's memory "
                                "cap allows; raise --memory-mb, or remove the empty styled cells")
                        parsed[info.filename] = safe_xml(data, info.filename, filename)
                        del data
                    else:  # checked streamed, kept as nothing (2M shared strings as a tree: over 1 GB)
                        check_xml_part(archive, info)
            wb_root = safe_xml(_read(archive, workbook_part), workbook_part, filename)
            external = any(k.endswith("/externalLink") for _, k, _ in rels.values())
            defined, local = {}, set()
            for dn in wb_root.iter(f"{{{NS}}}definedName"):
                name = (dn.get("name") or "").upper()
                if dn.get("localSheetId") is not None:
                    local.add(name)
                else:
                    defined[name] = dn.text or ""
            sheets = []
            for sh in wb_root.iter(f"{{{NS}}}sheet"):
                rid = sh.get(f"{{{NSR}}}id")
                target = rels.get(rid, (None, "", ""))[0]
                if not target or target not in names:
                    continue
                if not rels[rid][1].endswith("/worksheet"):
                    continue  # chartsheets, dialog sheets: no cells
                root = parsed.get(target)
                if root is None:
                    root = safe_xml(_read(archive, target), target, filename)
                sheets.append(_parse_sheet(sh.get("name", ""), target, root, strings))
    except zipfile.BadZipFile as exc:
        raise UnsafeWorkbook(f"{filename}: broken zip package ({exc})") from None
    except (EOFError, zlib.error) as exc:
        raise UnsafeWorkbook(f"{filename}: truncated or corrupt package ({exc})") from None
    return Package(path, members, sheets, defined, local, external, wb_root)


def _parse_sheet(name: str, part: str, root: etree._Element, strings: list[str]) -> Sheet:
    sheet = Sheet(name, part, root)
    sheet.sheet_data = root.find(f"{{{NS}}}sheetData")
    if sheet.sheet_data is None:
        return sheet
    row_no = 0
    for row_el in sheet.sheet_data.iterchildren(_ROW):
        row_no = int(row_el.get("r") or row_no + 1)
        sheet.rows[row_no] = row_el
        col_no = 0
        for el in row_el.iterchildren(_C):
            ref = el.get("r")
            if ref:
                row_no2, col_no = split_ref(ref)
            else:
                row_no2, col_no = row_no, col_no + 1
            cell = Cell(row_no2, col_no, element=el)
            t = el.get("t", "n")
            v = f = None
            for child in el:
                tag = child.tag
                if tag == _V:
                    v = child
                elif tag == _F:
                    f = child
            text = v.text if v is not None else None
            if t == "s" and text is not None:
                try:
                    cell.value = strings[int(text)]
                except (ValueError, IndexError):
                    cell.value = error("#REF!")
            elif t in ("str",):
                cell.value = text or ""
            elif t == "inlineStr":
                is_el = el.find(_IS)
                cell.value = "".join(x.text or "" for x in is_el.iter(_T)) if is_el is not None else ""
            elif t == "b":
                cell.value = text in ("1", "true", "TRUE")
            elif t == "e":
                cell.value = error(text or "#VALUE!")
            elif t == "d":
                cell.value = text
            elif text not in (None, ""):
                try:
                    cell.value = float(text)
                except ValueError:
                    cell.value = text
            if f is not None:
                ft = f.get("t", "normal")
                if ft == "shared":
                    cell.kind = "shared"
                    cell.shared_si = f.get("si")
                    cell.formula = f.text  # None for a child: resolved by the anchor below
                    cell.ref = f.get("ref")
                elif ft == "array":
                    cell.kind = "array"
                    cell.formula = f.text or ""
                    cell.ref = f.get("ref") or ref
                elif ft == "dataTable":
                    cell.kind = "dataTable"
                    cell.formula = None
                else:
                    cell.formula = f.text or ""
            sheet.cells[(row_no2, col_no)] = cell
    _resolve_shared(sheet)
    return sheet


def _resolve_shared(sheet: Sheet) -> None:
    """Shared-formula children get their anchor's text and position (``origin``): their R1C1 form is the anchor's,
    so nothing is translated unless :func:`formula_text` is asked for."""
    anchors = {}
    for cell in sheet.cells.values():
        if cell.kind == "shared" and cell.formula:
            anchors[cell.shared_si] = cell
    for cell in sheet.cells.values():
        if cell.kind == "shared" and not cell.formula:
            anchor = anchors.get(cell.shared_si)
            if anchor is None:
                cell.formula = "#REF!"
                continue
            cell.formula = anchor.formula
            cell.origin = (anchor.row, anchor.col)


def formula_text(cell: Cell) -> str | None:
    """A cell's own formula text (a shared child's translated from its anchor)."""
    if cell.origin is None or cell.formula is None:
        return cell.formula
    from openpyxl.formula.translate import Translator

    row, col = cell.origin
    return Translator("=" + cell.formula, f"{col_letter(col)}{row}").translate_formula(
        f"{col_letter(cell.col)}{cell.row}")[1:]


def _raw_member(f, info: zipfile.ZipInfo) -> bytes:
    f.seek(info.header_offset)
    header = f.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise UnsafeWorkbook(f"bad local header for {info.filename}")
    n, m = struct.unpack("<HH", header[26:30])
    f.seek(info.header_offset + 30 + n + m)
    data = f.read(info.compress_size)
    if len(data) != info.compress_size:
        raise UnsafeWorkbook(f"truncated member {info.filename}")
    return data


def _dos_time(date_time) -> tuple[int, int]:
    y, mo, d, h, mi, s = date_time
    return (h << 11) | (mi << 5) | (s // 2), ((max(y, 1980) - 1980) << 9) | (mo << 5) | d


def _strip_zip64(extra: bytes) -> bytes:
    out, i = b"", 0
    while i + 4 <= len(extra):
        tp, ln = struct.unpack("<HH", extra[i:i + 4])
        if tp != 0x0001:
            out += extra[i:i + 4 + ln]
        i += 4 + ln
    return out


def write_package(source: Path, target: Path, replaced: dict[str, bytes]) -> None:
    """Write ``target``: ``source``'s members in order, raw-copied unless replaced. Atomic (temp + os.replace)."""
    source, target = Path(source), Path(target)
    with zipfile.ZipFile(source) as archive:
        infos = archive.infolist()
    central = []
    with atomic_output(target) as tmp, open(tmp, "wb") as out, open(source, "rb") as src:
        for info in infos:
            name, flags = info._encodeFilenameFlags()
            flags &= ~0x08  # sizes go in the local header, no data descriptor
            if info.filename in replaced:
                data = replaced[info.filename]
                crc = zlib.crc32(data)
                usize = len(data)
                if info.compress_type == zipfile.ZIP_DEFLATED:
                    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
                    raw = comp.compress(data) + comp.flush()
                elif info.compress_type == zipfile.ZIP_STORED:
                    raw = data
                else:
                    raise UnsafeWorkbook(f"{source.name}: unsupported compression for {info.filename}")
            else:
                raw = _raw_member(src, info)
                crc, usize = info.CRC, info.file_size
            if len(raw) >= 0xFFFFFFFF or usize >= 0xFFFFFFFF:
                raise UnsafeWorkbook(f"{source.name}: member {info.filename} too large")
            t, d = _dos_time(info.date_time)
            offset = out.tell()
            local_extra = b""
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", max(info.extract_version, 20), flags,
                                  info.compress_type, t, d, crc, len(raw), usize, len(name), len(local_extra)))
            out.write(name)
            out.write(raw)
            extra = _strip_zip64(info.extra)
            comment = info.comment or b""
            central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02",
                                       (info.create_system << 8) | (info.create_version & 0xFF),
                                       max(info.extract_version, 20), flags, info.compress_type, t, d, crc,
                                       len(raw), usize, len(name), len(extra), len(comment), 0,
                                       info.internal_attr, info.external_attr, offset) + name + extra + comment)
        start = out.tell()
        blob = b"".join(central)
        out.write(blob)
        if len(infos) > 0xFFFF or start > 0xFFFFFFFF:
            raise UnsafeWorkbook(f"{source.name}: package too large to rewrite")
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(infos), len(infos), len(blob), start, 0))
        out.flush()
        os.fsync(out.fileno())


