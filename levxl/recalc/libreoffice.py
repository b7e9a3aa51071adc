"""Evaluate a parsed package with LibreOffice + the levxl add-in, with Excel's semantics where they differ.

:func:`evaluate` returns the same ``{(sheet, row, col): value}`` as the fast path, plus the spills whose size
changed (the caller rewrites their ``ref``) and the cells neither engine can vouch for. What is done to get
Excel's values (see :mod:`levxl.recalc.office` for the mechanics):

* a private copy is evaluated: LEVXL_ spellings ``_xll.``/``_xludf.``/``_xldudf_`` become ``LEVXL_``; a
  single-cell reference passed straight to a LEVXL_ function becomes a one-cell range unless it holds an error
  (``J1`` -> ``IF(ISERROR(J1),J1,J1:J1)``): LibreOffice hands a blank single cell to an add-in as 0 but a blank
  cell of a range as empty, and in Excel a blank argument means "missing" (the default applies); and an error in a
  range argument makes LibreOffice skip the call and show its own Err:504, which ISNA/IFNA/ISERR/ERROR.TYPE over
  the cell then read, where an error in a single-cell argument is passed on as itself, as Excel (whose levxl
  function passes it on) shows it; in a one-cell formula ``ERROR.TYPE(LEVXL_F(..))`` and ``TYPE(LEVXL_F(..))``
  read ``INDEX(LEVXL_F(..),1,1)``: LibreOffice takes an add-in's result as an array there (#N/A, 64), Excel as
  its value;
* external links: in the copy, a cell whose formula reads another book (``[1]Sheet1!A1``, or a path written in the
  formula, ``'/abs/path/[book.xlsx]Sheet1'!A1``) is its cached value as a constant, the link targets point at a
  file that does not exist and LibreOffice's link updates are off: no file a book names is opened, those cells
  keep their cached values and the cells computed from them use them (Excel's behaviour until links are updated);
  a book with a function that fetches from outside (WEBSERVICE, FILTERXML, RTD, DDE, STOCKHISTORY, CUBE...), or
  that reports the host rather than the book (INFO, CELL("filename"): "LINUX" and the private copy's /tmp path), is
  not handed to LibreOffice at all: it fails, naming the cells;
* dynamic arrays (``cm="1"``) are resized to their true size and ``A1#`` follows them; ``cm="1"`` stays;
* iteration: the book's ``calcPr`` (``iterate``, ``iterateCount``, ``iterateDelta``) is applied;
* values are LibreOffice's doubles, unrounded; booleans come back as booleans;
* errors: Excel's codes as they are; LibreOffice's own ``Err:502``/``Err:503`` (an illegal argument or a failed
  floating-point operation, e.g. ``SQRT(-1)``) are Excel's ``#NUM!``; a circular reference without iteration is 0
  (what Excel shows); any other ``Err:NNN``, and a ``#NAME?`` where the file's cached value was not ``#NAME?`` (a
  function LibreOffice does not know), is a problem: the recalc fails naming those cells rather than write a value
  Excel would not show;
* where LibreOffice and Excel differ (``0^0``; a TRUE/FALSE as text, compared with a number, in an aggregate's
  range, in a lookup, under ISNUMBER/TYPE; numeric text passed straight to SUM/AVERAGE/...) the cells whose
  operands can hit the difference are listed in :attr:`Outcome.divergences`
  (:func:`levxl.recalc.divergence.divergences`), with the cells where an error reaching a LEVXL_ function still
  differs (:func:`_error_divergences`: two different errors in its arguments; ISNA/IFNA/ISERR/ERROR.TYPE/TYPE
  over an Err:504 left by an error cell in a range argument), and every formula cell computed from one of them,
  directly or through other cells, in :attr:`Outcome.dependants` (:func:`_dependants`); the caller fails the book
  or warns.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
import zipfile

from lxml import etree

from levxl.recalc.package import NS, Package, col_letter, formula_text, safe_xml, write_package
from levxl.recalc.values import XlError, error

__all__ = ["evaluate", "Outcome", "prepare_formula"]

_F = f"{{{NS}}}f"
_PREFIX = re.compile(r"(?i)(?<![A-Za-z0-9_.])(?:_xll\.|_xludf\.|_xldudf_)(?=levxl_)")
_EXTERNAL = re.compile(r"\[\d+\]|\[[^\[\]]+\][^\[\]!,()+*/^&=<>;]*'?!")  # [1]Sheet1!A1, '/path/[book.xlsx]Sheet1'!A1
_NUM = error("#NUM!")
_MAPPED = {502: _NUM, 503: _NUM}
_CIRCULAR = 522
_PARAMETER = 504
# a cell or range reference (not inside a name: LOG10( or RATE2 are no cell), with its $ signs
_REF = re.compile(r"(?<![A-Za-z0-9_.$'])(?:('(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?(\$?)([A-Za-z]{1,3})(\$?)(\d+)"
                  r"(?::(\$?)([A-Za-z]{1,3})(\$?)(\d+))?(?![A-Za-z0-9_.(!])")
# whole columns (A:C) and whole rows (1:3)
_WHOLE = re.compile(r"(?<![A-Za-z0-9_.$'])(?:('(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?(?:\$?([A-Za-z]{1,3}):\$?"
                    r"([A-Za-z]{1,3})|\$?(\d+):\$?(\d+))(?![A-Za-z0-9_.(!:])")
_NAME = re.compile(r"(?<![A-Za-z0-9_.$'!\\])([A-Za-z_\\][A-Za-z0-9_.]*)(?![A-Za-z0-9_.(!])")
_MAX_ROW, _MAX_COL = 1_048_576, 16_384


@dataclass
class Outcome:
    values: dict = field(default_factory=dict)  # (sheet, row, col) -> value
    circular: int = 0
    spills: dict = field(default_factory=dict)  # (sheet, row, col) anchor -> (r2, c2) new corner, 1-based
    blocked: list = field(default_factory=list)  # anchors whose spill range is not empty (#SPILL!)
    problems: list = field(default_factory=list)  # "Sheet!A1: Err:504" for cells no engine vouches for
    divergences: list = field(default_factory=list)  # "Sheet!A1: reason" where Excel's value may differ
    #: "Sheet!B1: computed from Sheet!A1, ..." for the formula cells reading a divergence (directly or not)
    dependants: list = field(default_factory=list)


#: Functions Excel stores with the ``_xlfn.`` prefix; a file written by another tool may hold them bare, which
#: LibreOffice then does not resolve (Excel does).
FUTURE_FUNCTIONS = ("NORM.S.DIST", "NORM.DIST", "NORM.INV", "NORM.S.INV", "STDEV.S", "STDEV.P", "VAR.S", "VAR.P",
                    "XLOOKUP", "XMATCH", "IFS", "SWITCH", "MAXIFS", "MINIFS", "CONCAT", "TEXTJOIN", "LET", "FILTER",
                    "SORT", "SORTBY", "UNIQUE", "SEQUENCE", "CEILING.MATH", "FLOOR.MATH", "PERCENTILE.INC",
                    "PERCENTILE.EXC", "QUARTILE.INC", "RANK.EQ", "MODE.SNGL", "IFNA", "XOR", "DAYS", "LOGNORM.DIST",
                    "CHOOSECOLS", "CHOOSEROWS", "VSTACK", "HSTACK", "TAKE", "DROP", "TOCOL", "TOROW")
_BARE_FUTURE = re.compile(r"(?i)(?<![A-Za-z0-9_.])(" + "|".join(re.escape(f) for f in FUTURE_FUNCTIONS) + r")\(")


def prepare_formula(text: str, array: bool = False) -> str:
    """A formula as the copy handed to LibreOffice holds it (see the module docstring); ``array``: an array
    formula (``<f t="array">``)."""
    if not _BARE_FUTURE.search(text) and "levxl_" not in text.lower():
        return text
    parts = re.split(r'("(?:[^"]|"")*")', text)
    parts[::2] = [_BARE_FUTURE.sub(lambda m: "_xlfn." + m.group(1).upper() + "(", p) for p in parts[::2]]
    text = "".join(parts)
    if "levxl_" not in text.lower():
        return text
    text = _PREFIX.sub("", text)
    text = _wrap_single_cells(text)
    return text if array else _scalar_under_type(text)


_TYPE_OF = re.compile(r"(?i)(?<![A-Za-z0-9_.])(?:_xlfn\.)?(?:ERROR\.TYPE|TYPE)\s*\(\s*(?=LEVXL_\w+\s*\()")


def _closing(text: str, i: int) -> int:
    """The index of the parenthesis closing the one at ``text[i]`` (strings skipped), or -1."""
    depth, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i = text.find('"', i + 1)
            while i != -1 and text.startswith('""', i):
                i = text.find('"', i + 2)
            if i == -1:
                return -1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _scalar_under_type(text: str) -> str:
    """``ERROR.TYPE(LEVXL_F(...))`` -> ``ERROR.TYPE(INDEX(LEVXL_F(...),1,1))`` (and TYPE) where the call is the whole
    argument: LibreOffice reads an add-in's result as an array there (ERROR.TYPE of an error result #N/A, TYPE 64),
    Excel as the function's value (7, 16); in a one-cell formula the value is the result's first element. Strings
    skipped."""
    if "TYPE" not in text.upper():
        return text
    out, start = [], 0
    for part_start, part in _unquoted(text):
        for m in _TYPE_OF.finditer(part):
            call = part_start + m.end()
            opening = text.index("(", call)
            close = _closing(text, opening)
            if close == -1 or text[close + 1:].lstrip()[:1] != ")":
                continue  # the call is not the whole argument: reported by levxl.recalc.divergence
            out += [text[start:call], "INDEX(", text[call:close + 1], ",1,1)"]
            start = close + 1
    return "".join(out) + text[start:]


def _unquoted(text: str):
    """(offset, text) of the parts of a formula outside string literals."""
    offset = 0
    for i, part in enumerate(re.split(r'("(?:[^"]|"")*")', text)):
        if i % 2 == 0:
            yield offset, part
        offset += len(part)


_IDENT = re.compile(r"[A-Za-z0-9_.]+$")
_ARGUMENT = re.compile(r"\s*((?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?(\$?[A-Za-z]{1,3}\$?\d+)\s*(?=[,)])")


def _wrap_single_cells(text: str) -> str:
    """``J1`` -> ``IF(ISERROR(J1),J1,J1:J1)`` where a single cell is a whole argument of a LEVXL_ function (one
    pass; strings skipped): a blank cell reaches the add-in as void (a one-cell range), an error cell stays the
    function's result (LibreOffice passes on an error argument that is not in a range)."""
    out: list[str] = []
    last = 0
    for _, m in _cell_arguments(text):
        cell = f"{m.group(1) or ''}{m.group(2)}"
        out += [text[last:m.start()], f"IF(ISERROR({cell}),{cell},{cell}:{m.group(2)})"]
        last = m.end()
    return "".join(out) + text[last:]


def _cell_arguments(text: str):
    """(where the LEVXL_ call's parenthesis opens, the match of ``_ARGUMENT``: sheet, cell) of each single cell that
    is a whole argument of a LEVXL_ function, in order (strings skipped)."""
    stack: list[int | None] = []  # per open parenthesis: where it opens if it is a LEVXL_ call's
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n:
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
            continue
        if ch == "(":
            name = _IDENT.search(text, max(0, i - 80), i)
            stack.append(i if name and name.group(0).upper().startswith("LEVXL_") else None)
        elif ch == ")" and stack:
            stack.pop()
        if ch in "(," and stack and stack[-1] is not None:
            m = _ARGUMENT.match(text, i + 1)
            if m:
                yield stack[-1], m
                i = m.end()
                continue
        i += 1


def _copy_for_office(package: Package, target: Path) -> None:
    replaced = dict(package.serialized())
    with zipfile.ZipFile(package.path) as archive:
        for sheet in package.sheets:
            data = replaced.get(sheet.part) or archive.read(sheet.part)
            root = safe_xml(data, sheet.part, package.path.name)
            changed = _freeze_linked(sheet, root)
            for f in root.iter(_F):
                if f.text:
                    new = prepare_formula(f.text, array=f.get("t") == "array")
                    if new != f.text:
                        f.text, changed = new, True
            if changed:
                replaced[sheet.part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                      standalone=True)
        for name in archive.namelist():
            if re.fullmatch(r"xl/externalLinks/_rels/externalLink\d+\.xml\.rels", name):
                rels = safe_xml(archive.read(name), name, package.path.name)
                for rel in rels:
                    if rel.get("TargetMode") == "External":
                        rel.set("Target", "levxl-external-link-not-opened.xlsx")
                replaced[name] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    write_package(package.path, target, replaced)


def _linked_cells(sheet) -> set:
    """(row, col) of the formula cells that read another workbook (``[1]Sheet1!A1``, ``'/path/[b.xlsx]S'!A1``)."""
    return {key for key, cell in sheet.cells.items() if cell.formula and "[" in cell.formula
            and _EXTERNAL.search(cell.formula)}


def _freeze_linked(sheet, root) -> bool:
    """In LibreOffice's copy, a cell reading another workbook becomes its cached value (a constant): LibreOffice
    never sees the path or the link, and the cells computed from it use the value Excel shows until links are
    updated. Returns whether anything changed."""
    from levxl.recalc.package import split_ref

    linked = _linked_cells(sheet)
    if not linked:
        return False
    for c in root.iter(f"{{{NS}}}c"):
        if c.get("r") is None or split_ref(c.get("r")) not in linked:
            continue
        f = c.find(_F)
        if f is not None:
            c.remove(f)
        c.attrib.pop("cm", None)
        if c.get("t") == "str":  # a formula's text result: as a constant it is an inline string
            v = c.find(f"{{{NS}}}v")
            text = v.text if v is not None else ""
            if v is not None:
                c.remove(v)
            c.set("t", "inlineStr")
            etree.SubElement(etree.SubElement(c, f"{{{NS}}}is"), f"{{{NS}}}t").text = text or ""
    return True


def _iteration(package: Package) -> dict | None:
    calc = package.workbook_root.find(f"{{{NS}}}calcPr")
    if calc is None or calc.get("iterate") not in ("1", "true"):
        return None
    return {"count": int(calc.get("iterateCount") or 100), "delta": float(calc.get("iterateDelta") or 0.001)}


def _spill_anchors(package: Package) -> list[list[int]]:
    anchors = []
    for s, sheet in enumerate(package.sheets):
        for (r, c), cell in sheet.cells.items():
            if cell.kind == "array" and cell.element is not None and cell.element.get("cm"):
                anchors.append([s, r - 1, c - 1])
    return anchors


def _quote(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) else "'" + name.replace("'", "''") + "'"


_FETCHING = re.compile(r"(?i)(?<![A-Za-z0-9_.])(?:_xlfn\.)?(WEBSERVICE|FILTERXML|RTD|DDE|STOCKHISTORY|"
                       r"CUBEVALUE|CUBEMEMBER)\s*\(")


#: functions whose value is the host's, not the book's: INFO (LibreOffice says "LINUX" where Excel says "pcdos"),
#: CELL("filename") or CELL with an info type from a cell (the path of LibreOffice's private copy in /tmp)
_HOST = re.compile(r'(?i)(?<![A-Za-z0-9_.])(?:(INFO)\s*\(|(CELL)\s*\(\s*(?!"(?!filename")[^"]*"))')


def _fetching_cells(package: Package) -> list[str]:
    """Cells whose functions fetch from outside the book (a URL, an RTD/DDE server, a data cube), or report the
    host LibreOffice runs on rather than anything in the book (INFO, CELL("filename"))."""
    found = []
    for sheet in package.sheets:
        for (r, c), cell in sheet.cells.items():
            if not cell.formula:
                continue
            outside_text = re.sub(r'"(?:[^"]|"")*"', '""', cell.formula)
            m = _FETCHING.search(outside_text)
            where = f"{_quote(sheet.name)}!{col_letter(c)}{r}"
            if m:
                found.append(f"{where}: {m.group(1).upper()} fetches from outside the book (not evaluated)")
            elif re.search(r"(?i)(?<![A-Za-z0-9_.])(?:INFO|CELL)\s*\(", outside_text) and \
                    (host := _HOST.search(cell.formula)):
                name = (host.group(1) or host.group(2)).upper()
                found.append(f"{where}: {name} reports what LibreOffice's host or private copy is, not what Excel "
                             "shows for the book (not evaluated)")
    return found


def evaluate(package: Package, office=None, timeout: float = 600.0) -> Outcome:
    """Evaluate every formula cell of ``package`` with LibreOffice (``office``: a running
    :class:`levxl.recalc.office.Office`, default this process's shared one)."""
    from levxl.recalc.office import shared_office

    fetching = _fetching_cells(package)
    if fetching:  # never let LibreOffice reach out (a URL, a server); Excel's value cannot be vouched for
        return Outcome(problems=fetching)
    office = office or shared_office()
    # inside the run's work dir: a run killed mid-book leaves this copy of the user's book where the next run's
    # reaper removes it (levxl.recalc.office.reap_orphans)
    tmp = Path(tempfile.mkdtemp(prefix="levxl-lo-book-", dir=getattr(office, "work", None)))
    try:
        copy = tmp / ("book" + (package.path.suffix or ".xlsx"))
        _copy_for_office(package, copy)
        answer = office.evaluate(copy, spills=_spill_anchors(package), iterate=_iteration(package),
                                 timeout=timeout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return _outcome(package, answer)


def _outcome(package: Package, answer: dict) -> Outcome:
    from levxl.recalc.divergence import diverging_cells

    out = Outcome()
    remapped: dict = {}  # (sheet, row, col) -> the argument error given to a LEVXL_ cell LibreOffice left Err:504
    pending: list = []  # other Err:504 cells: (sheet, key, where)
    covered: dict[str, set] = {}
    for s, r, c, r2, c2, blocked in answer.get("spills", []):
        sheet = package.sheets[s]
        cell = sheet.cells[(r + 1, c + 1)]
        if blocked:
            out.blocked.append((sheet.name, r + 1, c + 1))
        else:
            out.spills[(sheet.name, r + 1, c + 1)] = (r2 + 1, c2 + 1)
        del cell
    for index, data in enumerate(answer["sheets"]):
        sheet = package.sheets[index]
        formula_at = {}
        for (r, c), cell in sheet.cells.items():
            if cell.formula is not None:
                formula_at[(r, c)] = cell
        booleans = {(r + 1, c + 1) for r, c in data["booleans"]}
        arrays = _array_cells(sheet, out.spills)
        keep = _linked_cells(sheet)
        covered[sheet.name] = keep
        for r, c, value in data["cells"]:
            key = (r + 1, c + 1)
            if key in keep or (key not in formula_at and key not in arrays):
                continue  # a boolean constant, which LibreOffice holds as =TRUE()
            if key in booleans and value in (0.0, 1.0) and not isinstance(value, str):
                value = bool(value)
            out.values[(sheet.name, *key)] = value
        for r, c, code, text in data["errors"]:
            key = (r + 1, c + 1)
            if key in keep:
                continue
            where = f"{_quote(sheet.name)}!{col_letter(key[1])}{key[0]}"
            cached = formula_at[key].value if key in formula_at else None
            if code == _CIRCULAR:
                out.values[(sheet.name, *key)] = 0.0
                out.circular += 1
            elif code in _MAPPED:
                out.values[(sheet.name, *key)] = _MAPPED[code]
            elif code == _PARAMETER and key in formula_at and "LEVXL_" in formula_at[key].formula.upper() and \
                    _argument_error(package, sheet, formula_at[key], answer) is not None:
                if (_elementwise_levxl(formula_at[key].formula) and
                        _argument_error(package, sheet, formula_at[key], answer, ranges_only=True) is not None) or \
                        _argument_error(package, sheet, formula_at[key], answer, ranges_only=True,
                                        within=_list_arguments(formula_at[key].formula)) is not None:
                    # LibreOffice does not call an add-in with an error cell in a range argument: the whole
                    # result (a spill shrunk to one cell) is that error, where Excel's is the error only in
                    # the elements it feeds (a grid's or a frontier's list: the rows of the bad elements)
                    out.problems.append(f"{where}: an error cell in a range argument (LibreOffice does not call "
                                        "the levxl add-in then, so the rows that compute in Excel are lost)")
                    continue
                # an Excel error in a LEVXL_ argument: Excel hands it to the function, whose result it is
                out.values[(sheet.name, *key)] = _argument_error(package, sheet, formula_at[key], answer)
                remapped[(sheet.name, *key)] = out.values[(sheet.name, *key)]
            elif code == _PARAMETER and key in formula_at:
                pending.append((sheet, key, where))  # maybe a dependant of such a LEVXL_ cell, resolved below
            elif text.startswith("#") and not (text == "#NAME?" and
                                               _unknown_to_libreoffice(formula_at.get(key), cached)):
                # a #NAME? where the file held another value (a function of another add-in), or over an Excel
                # function (_xlfn.) LibreOffice lacks, is not what Excel shows
                out.values[(sheet.name, *key)] = error(text)
            else:
                out.problems.append(f"{where}: {text}" + (" (a function LibreOffice does not know)"
                                                          if text == "#NAME?" else ""))
    # a formula over such a LEVXL_ cell gets LibreOffice's Err:504 too: Excel's value is that cell's error, passed
    # on (SUM, MIN, arithmetic); followed until no more resolve, the rest are problems
    while pending:
        left = []
        for sheet, key, where in pending:
            found = _remapped_reference(package, sheet, sheet.cells[key], remapped)
            if found is None:
                left.append((sheet, key, where))
            else:
                out.values[(sheet.name, *key)] = remapped[(sheet.name, *key)] = found
        if len(left) == len(pending):
            out.problems += [f"{where}: Err:504" for _, _, where in left]
            break
        pending = left
    for anchor in out.blocked:
        out.values[anchor] = error("#SPILL!")
    _grid_booleans(package, out)
    skip = {(name, *key) for name, keys in covered.items() for key in keys}
    roots = diverging_cells(package, out.values, skip=skip)
    for key, text in _error_divergences(package, out.values, remapped, answer, skip).items():
        roots[key] = roots[key] + "; " + text.split(": ", 1)[1] if key in roots else text
    order = {s.name: i for i, s in enumerate(package.sheets)}
    roots = {key: roots[key] for key in sorted(roots, key=lambda k: (order[k[0]], k[1], k[2]))}
    out.divergences = list(roots.values())
    out.dependants = _dependants(package, roots, out.spills, skip)
    return out


_ERROR_TESTS = re.compile(r"(?i)(?<![A-Za-z0-9_.])(?:_xlfn\.)?(?:ISNA|ISERR|IFNA|ERROR\.TYPE|TYPE)\s*\(")


def _error_divergences(package: Package, values: dict, remapped: dict, answer: dict, skip=frozenset()) -> dict:
    """The cells where an error reaching a LEVXL_ function gives LibreOffice another value than Excel:
    (sheet, row, col) -> ``"Sheet!A1: reason"``.

    * a LEVXL_ cell whose arguments hold two different errors (LibreOffice passes on the last one, the catalogue
      the first);
    * a LEVXL_WHY cell that is an error: LibreOffice did not call the add-in (an error argument), Excel's
      LEVXL_WHY gives the reason as text;
    * ISNA/ISERR/IFNA/ERROR.TYPE/TYPE reading a LEVXL_ cell LibreOffice left Err:504 (an error cell in a range
      argument; levxl writes that cell's error instead) or such a call inside the formula: these read
      LibreOffice's Err:504, not the error Excel would hand them. (An error in a single-cell argument is passed on
      by LibreOffice itself: see :func:`prepare_formula`.)"""
    from levxl.catalogue import WHY_NAME
    from levxl.recalc.divergence import REASONS

    found = {}
    for sheet in package.sheets:
        for (r, c), cell in sheet.cells.items():
            key = (sheet.name, r, c)
            if cell.formula is None or key in skip or "LEVXL_" not in cell.formula.upper() and not remapped:
                continue
            body = re.sub(r'"(?:[^"]|"")*"', '""', cell.formula)
            reasons = []
            if "LEVXL_" in body.upper() and isinstance(values.get(key), XlError):
                codes: dict[int, set] = {}  # per LEVXL_ call: the errors in its single-cell arguments
                for call, m in _cell_arguments(formula_text(cell)):
                    for name, r1, c1, _, _ in _references(package, sheet, (m.group(1) or "") + m.group(2)):
                        value = values.get((name, r1, c1))
                        if value is None:
                            target = package.sheet(name).cells.get((r1, c1))
                            value = target.value if target is not None and target.formula is None else None
                        if isinstance(value, XlError):
                            codes.setdefault(call, set()).add(value.code)
                if any(len(found_codes) > 1 for found_codes in codes.values()):
                    reasons.append(REASONS["levxlerrors"])
                if WHY_NAME in body.upper():
                    reasons.append(REASONS["whyerror"])
            if _ERROR_TESTS.search(body) and (
                    _remapped_reference(package, sheet, cell, remapped) is not None
                    or ("LEVXL_" in body.upper() and _argument_error(package, sheet, cell, answer, ranges_only=True)
                        is not None)):
                reasons.append(REASONS["err504"])
            if reasons:
                found[key] = f"{_quote(sheet.name)}!{col_letter(c)}{r}: " + "; ".join(reasons)
    return found


_RUN_TIME = re.compile(r"(?i)(?<![A-Za-z0-9_.])(?:_xlfn\.)?(OFFSET|INDIRECT)\s*\(")
_INDIRECT_TEXT = re.compile(r'(?i)(?<![A-Za-z0-9_.])INDIRECT\s*\(\s*"((?:[^"]|"")*)"\s*\)')
# OFFSET(B2,1,0) / OFFSET(B2,1,0,3,2) with whole numbers: the cells are known
_OFFSET_FIXED = re.compile(r"(?i)(?<![A-Za-z0-9_.])OFFSET\s*\(\s*((?:'(?:[^']|'')+'!|[A-Za-z_][A-Za-z0-9_.]*!)?"
                           r"\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*"
                           r"(?:,\s*(\d+)\s*)?(?:,\s*(\d+)\s*)?\)")


def _dependants(package: Package, roots, spills: dict, skip=frozenset()) -> list[str]:
    """``"Sheet!B1: computed from Sheet!A1, ..."`` for every formula cell that reads, directly or through other
    cells, a cell of ``roots`` ((sheet, row, col) of the cells whose LibreOffice value may not be Excel's; a spill's
    anchor stands for its whole range): its value was computed from a value Excel would not show, so it may not be
    Excel's either. Each names the root it was reached from. References are read by :func:`_references` (whole
    columns and rows and defined names included); a formula building a reference at run time (OFFSET, INDIRECT)
    may read anything, so it is listed too. ``skip``: cells not evaluated (they keep their cached values)."""
    from bisect import bisect_left
    from collections import deque

    if not roots:
        return []
    by_name = {s.name: s for s in package.sheets}
    order = {s.name: i for i, s in enumerate(package.sheets)}
    single: dict[tuple, list] = {}  # a referenced cell -> the formula cells naming it
    ranges: list[tuple] = []  # (sheet, r1, c1, r2, c2, formula cell) of the multi-cell references
    run_time: list[tuple] = []  # formula cells with OFFSET/INDIRECT
    for sheet in package.sheets:
        for (r, c), cell in sheet.cells.items():
            key = (sheet.name, r, c)
            if cell.formula is None or key in skip:
                continue
            # INDIRECT("B2") reads B2, OFFSET(B2,1,0) B3 (not B2); any other INDIRECT or OFFSET a cell known at
            # run time
            rest = _OFFSET_FIXED.sub("0", _INDIRECT_TEXT.sub("0", cell.formula))
            at = (cell.row - cell.origin[0], cell.col - cell.origin[1]) if cell.origin else None
            references = list(_references(package, sheet, rest, at, complete=True))
            for text in _INDIRECT_TEXT.findall(cell.formula):
                references += _references(package, sheet, text.replace('""', '"'), complete=True)
            for base, rows, cols, height, width in _OFFSET_FIXED.findall(cell.formula):
                for name, r1, c1, r2, c2 in _references(package, sheet, base, at):
                    r1, c1 = r1 + int(rows), c1 + int(cols)
                    r2 = r1 + int(height) - 1 if height else r2 + int(rows)
                    c2 = c1 + int(width) - 1 if width else c2 + int(cols)
                    references.append((name, r1, c1, r2, c2))
            if _RUN_TIME.search(re.sub(r'"(?:[^"]|"")*"', '""', rest)):
                run_time.append(key)
            for name, r1, c1, r2, c2 in references:
                if (r1, c1) == (r2, c2):
                    single.setdefault((name, r1, c1), []).append(key)
                else:
                    ranges.append((name, r1, c1, r2, c2, key))
    found: dict[tuple, tuple] = {}  # dependant -> (root, how)
    reached = set(roots)
    queue = deque((key, key) for key in roots)
    while queue:
        frontier: dict[str, dict[int, list]] = {}  # the cells reached this round, by sheet and column
        while queue:  # single-cell references: followed one cell at a time
            key, root = queue.popleft()
            name = key[0]
            cell = by_name[name].cells.get(key[1:])
            for r, c in (_array_cells_of(name, cell, spills) if cell is not None else {key[1:]}):
                frontier.setdefault(name, {}).setdefault(c, []).append((r, root))
                for dependant in single.get((name, r, c), ()):
                    if dependant not in reached:
                        reached.add(dependant)
                        found[dependant] = (root, "computed")
                        queue.append((dependant, root))
        for columns in frontier.values():
            for rows in columns.values():
                rows.sort()
        left = []
        for entry in ranges:  # ranges: checked against the round's cells, a bisect per column
            name, r1, c1, r2, c2, dependant = entry
            if dependant in reached:
                continue
            columns = frontier.get(name)
            hit = None
            if columns:
                for c in (range(c1, c2 + 1) if c2 - c1 < len(columns) else [c for c in columns if c1 <= c <= c2]):
                    rows = columns.get(c)
                    if rows:
                        i = bisect_left(rows, (r1,))
                        if i < len(rows) and rows[i][0] <= r2:
                            hit = rows[i][1]
                            break
            if hit is None:
                left.append(entry)
            else:
                reached.add(dependant)
                found[dependant] = (hit, "computed")
                queue.append((dependant, hit))
        ranges = left
        if not queue:  # nothing more through references: OFFSET/INDIRECT may still reach a reached cell
            first = min(roots, key=lambda k: (order[k[0]], k[1], k[2]))
            for dependant in run_time:
                if dependant not in reached:
                    reached.add(dependant)
                    found[dependant] = (first, "run time")
                    queue.append((dependant, first))
            run_time = []
    out = []
    for key in sorted(found, key=lambda k: (order[k[0]], k[1], k[2])):
        root, how = found[key]
        root_where = f"{_quote(root[0])}!{col_letter(root[2])}{root[1]}"
        where = f"{_quote(key[0])}!{col_letter(key[2])}{key[1]}"
        if how == "run time":
            out.append(f"{where}: builds a reference at run time (OFFSET/INDIRECT), which may read {root_where} or a "
                       "cell computed from it, whose LibreOffice value may not be Excel's")
        else:
            out.append(f"{where}: computed from {root_where}, whose LibreOffice value may not be Excel's")
    return out


def _elementwise_levxl(formula: str) -> bool:
    """Whether the formula calls an elementwise LEVXL_ function (one result element per range element)."""
    from levxl.catalogue import WHY_NAME, lookup

    for name in re.findall(r"(?i)LEVXL_\w+", formula):
        entry = lookup(name.upper())
        if name.upper() == WHY_NAME or (entry is not None and entry.elementwise):
            return True
    return False


_LEVXL_CALL = re.compile(r"(?i)(?<![A-Za-z0-9_.])((?:_xll\.|_xldudf_)?LEVXL[._][A-Za-z0-9_]+)\s*\(")


def _list_arguments(formula: str) -> list[str]:
    """The texts of the arguments of the formula's LEVXL_ calls that are a grid's lists, laid along its rows or
    columns (:attr:`levxl.catalogue.Arg.axis`: moves, a frontier's vol shifts): an error cell in one is the error of
    its own row there, never the whole result's."""
    from levxl.catalogue import lookup

    body = re.sub(r'"(?:[^"]|"")*"', lambda m: '"' + " " * (len(m.group(0)) - 2) + '"', formula)  # same offsets
    found = []
    for m in _LEVXL_CALL.finditer(body):
        entry = lookup(m.group(1))
        lists = {i for i, a in enumerate(entry.args) if a.axis is not None} if entry is not None else ()
        if not lists:
            continue
        close = _closing(body, m.end() - 1)
        depth, start, index = 0, m.end(), 0
        for i in range(m.end(), close + 1 if close != -1 else len(body)):
            ch = body[i]
            if ch in "({":
                depth += 1
            elif ch in ")}" and depth:
                depth -= 1
            elif ch in ",)" and depth == 0:
                if index in lists:
                    found.append(formula[start:i])
                start, index = i + 1, index + 1
    return found


def _references(package: Package, sheet, formula: str, at: tuple[int, int] | None = None, complete: bool = False):
    """(sheet name, first row, first column, last row, last column) of each cell or range reference of the formula
    (1-based; text literals skipped) to a sheet of the package. ``at``: (rows, columns) to move the relative parts
    by (a shared formula's child: its text is the anchor's). ``complete``: also whole columns and rows (``A:A``,
    ``1:1``) and the references of the defined names the formula uses."""
    from levxl.recalc.package import col_index

    names = {s.name for s in package.sheets}
    body = re.sub(r'"(?:[^"]|"")*"', '""', formula)
    dr, dc = at or (0, 0)
    for m in _REF.finditer(body):
        quoted, cabs1, c1, rabs1, r1, cabs2, c2, rabs2, r2 = m.groups()
        name = quoted.strip("'").replace("''", "'") if quoted else sheet.name
        if name in names:
            r1, c1 = int(r1) + (0 if rabs1 else dr), col_index(c1) + (0 if cabs1 else dc)
            r2, c2 = (int(r2) + (0 if rabs2 else dr), col_index(c2) + (0 if cabs2 else dc)) if c2 else (r1, c1)
            yield name, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)
    if not complete:
        return
    for m in _WHOLE.finditer(body):
        quoted, c1, c2, r1, r2 = m.groups()
        name = quoted.strip("'").replace("''", "'") if quoted else sheet.name
        if name in names and c1:
            c1, c2 = sorted((col_index(c1), col_index(c2)))
            yield name, 1, c1, _MAX_ROW, c2
        elif name in names:
            r1, r2 = sorted((int(r1), int(r2)))
            yield name, r1, 1, r2, _MAX_COL
    for m in _NAME.finditer(_REF.sub("", body)):
        text = package.names.get(m.group(1).upper())
        if text:  # a name stands for its definition's cells (no relative parts: Excel's names are absolute)
            yield from _references(package, sheet, text, complete=False)


def _cell_references(package: Package, sheet, cell, complete: bool = False):
    """:func:`_references` of a formula cell's own formula (a shared formula's child: the anchor's text, moved)."""
    at = (cell.row - cell.origin[0], cell.col - cell.origin[1]) if cell.origin else None
    return _references(package, sheet, cell.formula, at, complete)


def _remapped_reference(package: Package, sheet, cell, remapped: dict):
    """The value of the first cell in ``remapped`` ((sheet, row, col) -> error) that the formula cell
    references."""
    for name, r1, c1, r2, c2 in _cell_references(package, sheet, cell):
        for (s, r, c), value in remapped.items():
            if s == name and r1 <= r <= r2 and c1 <= c <= c2:
                return value
    return None


def _argument_error(package: Package, sheet, cell, answer: dict, ranges_only: bool = False,
                    within: list[str] | None = None):
    """The first Excel error among the cells a formula cell references (LibreOffice's values, else the cached ones);
    ``ranges_only``: among the cells of its multi-cell range references only; ``within``: only those of these
    parts of its formula (arguments' texts)."""
    if within is not None and not within:
        return None
    names = [s.name for s in package.sheets]
    errors = {}
    for index, data in enumerate(answer["sheets"]):
        for r, c, code, text in data["errors"]:
            errors[(index, r + 1, c + 1)] = _MAPPED.get(code) or (error(text) if text.startswith("#") else None)
    at = (cell.row - cell.origin[0], cell.col - cell.origin[1]) if cell.origin else None
    references = _cell_references(package, sheet, cell) if within is None else \
        [ref for part in within for ref in _references(package, sheet, part, at)]
    for name, r1, c1, r2, c2 in references:
        index = names.index(name)
        target = package.sheets[index]
        if ranges_only and (r1, c1) == (r2, c2):
            continue
        for r in range(r1, min(r2, r1 + 10_000) + 1):
            for c in range(c1, c2 + 1):
                found = errors.get((index, r, c))
                if found is None:
                    cell = target.cells.get((r, c))
                    found = cell.value if cell is not None and cell.formula is None and \
                        isinstance(cell.value, XlError) else None
                if found is not None:
                    return found
    return None


def _grid_booleans(package: Package, out: Outcome) -> None:
    """The cells of LEVXL_ grids asked for "liquidated" (the output a literal or a cell's value): the catalogue's
    TRUE/FALSE, which reach LibreOffice as 1/0 (an add-in's matrix cannot carry a boolean; LibreOffice has no boolean
    type, only a number format that an add-in's result does not get). A grid whose output is not known, or wrapped
    in another function, is reported by :func:`levxl.recalc.divergence.divergences`."""
    from levxl.recalc.divergence import boolean_grids

    by_name = {s.name: s for s in package.sheets}
    for name, r, c in boolean_grids(package, out.values):
        for key in _array_cells_of(name, by_name[name].cells[(r, c)], out.spills):
            value = out.values.get((name, *key))
            if type(value) is float and value in (0.0, 1.0):
                out.values[(name, *key)] = bool(value)


def _array_cells_of(name: str, cell, spills: dict) -> set:
    from levxl.recalc.package import split_ref

    if cell.kind != "array":
        return {(cell.row, cell.col)}
    a, _, b = (cell.ref or f"{col_letter(cell.col)}{cell.row}").partition(":")
    (r1, c1), (r2, c2) = split_ref(a), split_ref(b or a)
    r2, c2 = spills.get((name, cell.row, cell.col), (r2, c2))
    return {(i, j) for i in range(r1, r2 + 1) for j in range(c1, c2 + 1)}


def _array_cells(sheet, spills: dict) -> set:
    from levxl.recalc.package import split_ref

    cells = set()
    for (r, c), cell in sheet.cells.items():
        if cell.kind != "array":
            continue
        a, _, b = (cell.ref or f"{col_letter(c)}{r}").partition(":")
        (r1, c1), (r2, c2) = split_ref(a), split_ref(b or a)
        r2, c2 = spills.get((sheet.name, r, c), (r2, c2))
        r2, c2 = max(r2, split_ref(b or a)[0]), max(c2, split_ref(b or a)[1])
        cells |= {(i, j) for i in range(r1, r2 + 1) for j in range(c1, c2 + 1)}
    return cells


def _unknown_to_libreoffice(cell, cached) -> bool:
    if cached is not None and not _is(cached, "#NAME?"):
        return True
    return cell is not None and "_xlfn." in (cell.formula or "").lower() and not _is(cached, "#NAME?")


def _is(value, code: str) -> bool:
    return isinstance(value, XlError) and value.code == code
