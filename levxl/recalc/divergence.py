"""Where LibreOffice's value may not be Excel's: a per-cell check of the formulas LibreOffice evaluated.

LibreOffice 25.2 and Excel disagree on a few constructs (each measured with LibreOffice here, see
tests/test_recalc_divergence.py; Excel's values are its documented behaviour):

========================================  ================================  ===================================
construct                                 Excel                             LibreOffice 25.2
========================================  ================================  ===================================
``0^0``, ``POWER(0,0)``                   #NUM!                             1
``0^-1``, ``POWER(0,-1)``                 #DIV/0!                           #NUM!
``TRUE&"x"``, CONCATENATE/CONCAT/         "TRUEx" (a boolean as text is     "1x"
TEXTJOIN/LEN/UPPER/EXACT/TEXT(TRUE,..)    TRUE/FALSE)
``1=TRUE``, ``TRUE>5``, ``"a"<TRUE``      FALSE, TRUE, TRUE (numbers <      TRUE, FALSE, FALSE (TRUE is 1)
                                          text < FALSE < TRUE)
``ISNUMBER(TRUE)``, ``TYPE(TRUE)``        FALSE, 4                          TRUE, 1
``IF(A1,..)``, ``NOT(A1)``, A1 = "2"      #VALUE! (not verified in Excel    1, FALSE (numeric text read as 2)
                                          here: only "TRUE"/"FALSE" text
                                          is a condition)
SUM/AVERAGE/COUNT/... over a range        the boolean is skipped            counted as 1/0
holding a TRUE/FALSE (constant or result)
``SUM("2",1)``, ``AVERAGE(A3,"2")``,      3, 2.5, 6 (a text argument is     #VALUE! (MAX/MIN: Err:504)
``PRODUCT("2",3)``                        read as a number)
MATCH/VLOOKUP/COUNTIF/SUMIF/... with a    only booleans match a boolean;    TRUE matches 1, FALSE 0;
TRUE/FALSE key or among booleans          VLOOKUP returns TRUE              VLOOKUP returns 1
a TRUE/FALSE argument of a LEVXL_         #VALUE! (no LEVXL_ argument       the add-in gets 1/0 and computes
function (a literal or a cell)            takes a boolean)                  (TRUE entry = 1, TRUE side = long)
a TRUE/FALSE-returning LEVXL_ function    TRUE/FALSE                        1/0 (an add-in result has no
(LEVXL_WITHIN_TIER_LIMITS)                                                  boolean type)
``ERROR.TYPE(IF(c,LEVXL_F(..)))``,        the result's error code (7 for    #N/A, 64 (an add-in's result is
``TYPE(..)``, or in an array formula      #N/A), its type (1, 16)           an array there)
``TYPE(A1)``, A1 a formula cell (not an   the type of A1's value (1, 2,     8 ("a formula")
error)                                    4, 64)
========================================  ================================  ===================================

``ERROR.TYPE(LEVXL_F(..))`` / ``TYPE(LEVXL_F(..))`` with the call the whole argument, in a one-cell formula, is
evaluated as ``ERROR.TYPE(INDEX(LEVXL_F(..),1,1))`` (:func:`levxl.recalc.libreoffice.prepare_formula`): Excel's.

A TRUE/FALSE-returning LEVXL_ call that is the whole formula is written as TRUE/FALSE (:func:`boolean_grids`), so
its dependants (``&""``, ISNUMBER, SUM over it) are checked with it as a boolean; one reaching the cell through
another function (``IFERROR(LEVXL_WITHIN_TIER_LIMITS(...),FALSE)``) is reported.

Numeric text *in ranges* is not a difference: both skip it (``SUM(A1:A2)`` with A1 = "2" is the other cell);
``"1,234.5"*1`` is 1234.5 in both.

:func:`divergences` walks each formula's tree (the fast path's compiler, :class:`levxl.recalc.fast_parse.Compiler`)
with the *kinds* each operand can take -- number (zero, negative, positive), text, numeric text, boolean, error,
blank -- taken from the recalculated values of the cells it reads (LibreOffice's results, the book's constants), and
exact values where an operand is a constant expression of single cells. A construct above whose operands can hit the
difference is reported, naming the cell and the reason: ``A1^B1`` only when both can be 0, ``A1&"x"`` only when A1
can be a boolean. LET's variables are followed. A formula the compiler cannot read (a structured reference, a
sheet-scoped name, LAMBDA...) is reported as "not checked" when it holds ``^`` (not to a nonzero number) or POWER,
or a boolean-sensitive construct with a boolean at hand (a literal, a boolean function, a cell it names holding
one). :mod:`levxl.recalc.libreoffice` adds the formula cells computed from these (their value comes from
LibreOffice's, so it may not be Excel's either: ``=A1*2`` over a LEVXL_ cell given a TRUE); the caller
(:mod:`levxl.recalc.core`) fails the book with these (default; the message names the cells found here first), or
writes it and warns (``on_divergence="warn"``, exit status 2 from the CLI).
"""

from __future__ import annotations

import logging
import math
import re

from levxl.recalc.package import Package, col_letter
from levxl.recalc.values import XlError

__all__ = ["divergences", "diverging_cells", "boolean_grids", "REASONS", "GRIDS", "BOOLEAN_RESULTS"]

log = logging.getLogger(__name__)

ZERO, NEG, POS, TEXT, NUMTEXT, BOOL, ERR, BLANK = "zero", "neg", "pos", "text", "numtext", "bool", "err", "blank"
NUMBER = frozenset({ZERO, NEG, POS})
ANY = frozenset({ZERO, NEG, POS, TEXT, NUMTEXT, BOOL, ERR, BLANK})
_UNKNOWN = object()

REASONS = {
    "pow00": "0^0 (Excel #NUM!, LibreOffice 1)",
    "pow0neg": "0 to a negative power (Excel #DIV/0!, LibreOffice #NUM!)",
    "booltext": "a TRUE/FALSE used as text (Excel \"TRUE\"/\"FALSE\", LibreOffice \"1\"/\"0\")",
    "boolcmp": "a TRUE/FALSE compared with a number or text (Excel ranks booleans above every number and text, "
               "LibreOffice compares 1/0)",
    "booltype": "ISNUMBER/TYPE of a TRUE/FALSE (Excel: a boolean, LibreOffice: a number)",
    "boolagg": "a TRUE/FALSE cell in an aggregate's reference (LibreOffice counts it as a number, Excel skips it)",
    "numtext": "numeric text passed straight to an aggregate (Excel reads it as a number, LibreOffice #VALUE!)",
    "textcond": "numeric text used as a TRUE/FALSE condition (LibreOffice reads \"2\" as 2, so TRUE; Excel reads "
                "only \"TRUE\"/\"FALSE\" text as a condition, other text is #VALUE!)",
    "boollookup": "a lookup or criterion among TRUE/FALSE values (LibreOffice matches them as 1/0)",
    "levxlbool": "a TRUE/FALSE passed to a LEVXL_ function (LibreOffice passes it as 1/0, so it computes as a "
                 "number; Excel passes a boolean, which no LEVXL_ argument takes: #VALUE!)",
    "levxlboolout": "a TRUE/FALSE-returning LEVXL_ function's result reaching the cell through another function "
                    "(LibreOffice gets it as 1/0; levxl writes TRUE/FALSE only where the call is the whole formula)",
    "gridbool": "a LEVXL_ grid's \"liquidated\" TRUE/FALSE reaching LibreOffice as 1/0 (levxl writes them as "
                "TRUE/FALSE only where the grid, or INDEX of it, is the whole formula and the output is known)",
    "levxltype": "ERROR.TYPE/TYPE of a LEVXL_ function's result reaching it through another function or in an array "
                 "formula (LibreOffice reads the add-in's result as an array: ERROR.TYPE #N/A, TYPE 64; Excel "
                 "reads its value)",
    "typeformula": "TYPE of a formula cell (LibreOffice gives 8, \"a formula\"; Excel the type of its value)",
    "levxlerrors": "different errors in two or more arguments of a LEVXL_ function (LibreOffice passes on the "
                   "last, Excel's levxl function the first)",
    "whyerror": "LEVXL_WHY over an error argument (LibreOffice does not call the add-in with an error, so the "
                "cell is that error; Excel's LEVXL_WHY gives the reason as text, \"#N/A entry is #N/A\")",
    "err504": "ISNA/ISERR/IFNA/ERROR.TYPE/TYPE over an error cell in a LEVXL_ function's range argument "
              "(LibreOffice does not call the add-in and shows its own Err:504 there, which these read; levxl "
              "writes the cell's error, which Excel's would read)",
    "unchecked": "not checked (levxl cannot read this formula) and it holds a construct where LibreOffice and "
                 "Excel can differ",
}

_BOOL_FUNCS = {"AND", "OR", "NOT", "XOR", "TRUE", "FALSE", "ISNUMBER", "ISTEXT", "ISBLANK", "ISERROR", "ISERR",
               "ISNA", "ISLOGICAL", "ISNONTEXT", "ISREF", "ISEVEN", "ISODD", "EXACT", "ISFORMULA", "ISOMITTED"}
_TEXT_RESULT = {"CONCATENATE", "CONCAT", "TEXTJOIN", "LEFT", "RIGHT", "MID", "UPPER", "LOWER", "PROPER", "TRIM",
                "CLEAN", "TEXT", "REPT", "SUBSTITUTE", "REPLACE", "T", "CHAR", "FIXED", "DOLLAR", "TEXTBEFORE",
                "TEXTAFTER", "ADDRESS", "CELL", "INFO", "ARRAYTOTEXT", "VALUETOTEXT", "UNICHAR", "ENCODEURL"}
#: functions reading (some of) their arguments as text: a boolean there is "TRUE"/"FALSE" in Excel, "1"/"0" in
#: LibreOffice. The value: which arguments (None = all).
_TEXT_ARGS = {"CONCATENATE": None, "CONCAT": None, "TEXTJOIN": None, "LEN": (0,), "LEFT": (0,), "RIGHT": (0,),
              "MID": (0,), "UPPER": (0,), "LOWER": (0,), "PROPER": (0,), "TRIM": (0,), "CLEAN": (0,),
              "EXACT": (0, 1), "TEXT": (0,), "REPT": (0,), "SUBSTITUTE": (0, 1, 2), "REPLACE": (0, 3),
              "FIND": (0, 1), "SEARCH": (0, 1), "LENB": (0,), "TEXTBEFORE": (0,), "TEXTAFTER": (0,)}
_TYPE_TESTS = {"ISNUMBER", "TYPE"}
_CONDITIONS = {"IF", "NOT", "IFS", "AND", "OR", "XOR"}  # AND/OR/XOR skip text in references, as Excel does
#: aggregates that skip booleans and text in references and read a text argument as a number
_AGGREGATES = {"SUM", "AVERAGE", "COUNT", "MIN", "MAX", "PRODUCT", "MEDIAN", "STDEV", "STDEV.S", "STDEV.P",
               "STDEVP", "VAR", "VAR.S", "VAR.P", "VARP", "SUMPRODUCT", "MODE", "MODE.SNGL", "LARGE", "SMALL",
               "PERCENTILE", "PERCENTILE.INC", "PERCENTILE.EXC", "QUARTILE", "QUARTILE.INC", "QUARTILE.EXC",
               "SUMSQ", "GEOMEAN", "HARMEAN", "AVEDEV", "DEVSQ", "KURT", "SKEW"}
_NUMTEXT_ARGS = {"SUM", "AVERAGE", "MIN", "MAX", "PRODUCT", "MEDIAN", "STDEV", "STDEV.S", "STDEV.P", "VAR",
                 "VAR.S", "VAR.P", "SUMSQ", "GEOMEAN", "HARMEAN"}
#: lookups: (key argument, looked-up arguments)
_LOOKUPS = {"MATCH": ((0,), (1,)), "XMATCH": ((0,), (1,)), "VLOOKUP": ((0,), (1,)), "HLOOKUP": ((0,), (1,)),
            "XLOOKUP": ((0,), (1, 2)), "LOOKUP": ((0,), (1, 2)), "COUNTIF": ((1,), (0,)), "SUMIF": ((1,), (0,)),
            "AVERAGEIF": ((1,), (0,)), "COUNTIFS": ("odd", "even"), "SUMIFS": ("even1", "odd1"),
            "AVERAGEIFS": ("even1", "odd1"), "MAXIFS": ("even1", "odd1"), "MINIFS": ("even1", "odd1")}
#: functions whose result is one of their arguments' values (or a cell of a range argument)
_PASS = {"IF", "IFERROR", "IFNA", "CHOOSE", "IFS", "SWITCH", "INDEX", "VLOOKUP", "HLOOKUP", "XLOOKUP", "LOOKUP",
         "FILTER", "SORT", "SORTBY", "UNIQUE", "TAKE", "DROP", "TRANSPOSE", "CHOOSECOLS", "CHOOSEROWS", "VSTACK",
         "HSTACK", "TOCOL", "TOROW", "MAX", "MIN"}
_OPAQUE = {"OFFSET", "INDIRECT"}  # a reference built at run time: anything

_STRINGS = re.compile(r'"(?:[^"]|"")*"')
_POW_TEXT = re.compile(r"(?i)\^(?!\s*\(?\s*\+?(?:0*[1-9]\d*(?:\.\d*)?|0*\.\d*[1-9]\d*)(?![\d.%eE(]))|"
                       r"(?<![A-Za-z0-9_.])(?:_xlfn\.)?POWER\s*\(")  # a ^ not followed by a nonzero number
_GRID_TEXT = re.compile(r"(?i)levxl_\w*grid")
_LEVXL_TEXT = re.compile(r"(?i)levxl_")
_BOOL_MAKERS = re.compile(r"(?i)(?<![A-Za-z0-9_.])(?:TRUE|FALSE)(?![A-Za-z0-9_.(])|(?<![A-Za-z0-9_.])"
                          r"(?:_xlfn\.)?(?:" + "|".join(sorted(_BOOL_FUNCS, key=len, reverse=True)) + r")\s*\(")
_A1_REF = re.compile(r"(?:('(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?\$?([A-Za-z]{1,3})\$?(\d+)"
                     r"(?::\$?([A-Za-z]{1,3})\$?(\d+))?")
_SENSITIVE = sorted({*_TEXT_ARGS, *_TYPE_TESTS, *_AGGREGATES, *_LOOKUPS, *_CONDITIONS}, key=len, reverse=True)
_BOOL_TEXT = re.compile(r"(?i)&|[<>=]|(?<![A-Za-z0-9_.])(?:_xlfn\.)?(?:" + "|".join(map(re.escape, _SENSITIVE))
                        + r")\s*\(")
_TYPE_TEXT = re.compile(r"(?i)(?<![A-Za-z0-9_.])(?:ERROR\.)?TYPE\s*\(")
#: functions whose result is one of their arguments as it is (an add-in's array stays an array)
_THROUGH = {"IF": slice(1, None), "IFERROR": slice(None), "IFNA": slice(None), "CHOOSE": slice(1, None),
            "IFS": slice(1, None, 2), "SWITCH": slice(2, None)}


def _grids() -> dict[str, int]:
    """LEVXL_ functions with an ``output`` argument that can be "liquidated" (TRUE/FALSE cells) -> its index."""
    from levxl.catalogue import CATALOGUE

    found = {}
    for name, fn in CATALOGUE.items():
        for i, a in enumerate(fn.args):
            if a.name == "output" and "liquidated" in a.doc:
                found[name] = i
    return found


GRIDS = _grids()


def _boolean_results() -> frozenset:
    """LEVXL_ functions whose result is TRUE/FALSE (LEVXL_WITHIN_TIER_LIMITS): it reaches LibreOffice as 1/0."""
    from levxl.catalogue import CATALOGUE

    return frozenset(name for name, fn in CATALOGUE.items() if fn.returns.startswith("TRUE"))


BOOLEAN_RESULTS = _boolean_results()
_BOOLEAN_TEXT = re.compile(r"(?i)(?:" + "|".join(map(re.escape, sorted(BOOLEAN_RESULTS))) + r")\s*\(") \
    if BOOLEAN_RESULTS else re.compile(r"(?!)")


def _bare(name: str) -> str:
    upper = name.upper()
    for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS.", "_XLL.", "_XLUDF.", "_XLDUDF_"):
        if upper.startswith(prefix):
            return upper[len(prefix):]
    return upper


def _kind(value) -> str:
    if type(value) is float:
        return ZERO if value == 0 else NEG if value < 0 else POS
    if value is None:
        return BLANK
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, XlError):
        return ERR
    if isinstance(value, str):
        if value == "":
            return TEXT
        from levxl.recalc.fast_values import _text_number

        try:
            return NUMTEXT if not isinstance(_text_number(value), XlError) else TEXT
        except Exception:  # a date-like text: Excel may read it as a number
            return NUMTEXT
    x = float(value)
    return ZERO if x == 0 else NEG if x < 0 else POS


class _Val:
    __slots__ = ("kinds", "exact", "ref")

    def __init__(self, kinds, exact=_UNKNOWN, ref=False):
        self.kinds = kinds if type(kinds) is frozenset else frozenset(kinds)
        self.exact = exact
        self.ref = ref  # a reference (a cell or a range), which aggregates read differently from a value


_SINGLE = {k: frozenset({k}) for k in ANY}
_PLAIN = frozenset({ZERO, NEG, POS, TEXT, ERR, BLANK})


def _of(value, ref=False) -> _Val:
    return _Val(_SINGLE[_kind(value)], value, ref)


def _number(v: _Val):
    """The exact number an operand is in arithmetic, or _UNKNOWN."""
    x = v.exact
    if x is _UNKNOWN or isinstance(x, XlError):
        return _UNKNOWN
    if x is None:
        return 0.0
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, str):
        from levxl.recalc.fast_values import _text_number

        try:
            y = _text_number(x)
        except Exception:
            return _UNKNOWN
        return _UNKNOWN if isinstance(y, XlError) else float(y)
    return float(x)


def _may_be_zero(v: _Val) -> bool:
    x = _number(v)
    if x is not _UNKNOWN:
        return x == 0
    return bool(v.kinds & {ZERO, BLANK, BOOL, NUMTEXT})


def _may_be_negative(v: _Val) -> bool:
    x = _number(v)
    if x is not _UNKNOWN:
        return x < 0
    return bool(v.kinds & {NEG, NUMTEXT})


class _Checker:
    def __init__(self, package: Package, values: dict):
        self.package = package
        self.values = values  # (sheet, row, col) -> the value written (LibreOffice's) or kept
        self.sheets = {s.name: s for s in package.sheets}
        self.booleans: dict[str, list] = {s.name: [] for s in package.sheets}
        self.numtext: dict[str, list] = {s.name: [] for s in package.sheets}
        for s in package.sheets:
            for key, cell in s.cells.items():
                if cell.formula is None:
                    self._note(s.name, key, cell.value)
        for (name, r, c), value in values.items():
            if name in self.booleans:
                self._note(name, (r, c), value)
        self.any_boolean = any(self.booleans.values())
        # no TRUE/FALSE or numeric text in any cell: a formula without ^ diverges or not whatever its cells hold,
        # so it is checked once per R1C1 shape (``static``), with every reference "a number, text, error or blank"
        self.uniform = not self.any_boolean and not any(self.numtext.values())
        self.static = False
        self.array = False
        self._ranges: dict = {}

    def _note(self, name, key, value):
        kind = _kind(value) if isinstance(value, (bool, str)) else None
        if kind == BOOL:
            self.booleans[name].append(key)
        elif kind == NUMTEXT:
            self.numtext[name].append(key)

    def value_at(self, name: str, r: int, c: int):
        found = self.values.get((name, r, c), _UNKNOWN)
        if found is not _UNKNOWN:
            return found
        cell = self.sheets[name].cells.get((r, c))
        return None if cell is None else cell.value

    def range_kinds(self, name: str, r1, c1, r2, c2) -> frozenset:
        """What a range can hold: any number, text, error or blank (not scanned: the per-cell values matter only for
        the kinds that diverge), plus boolean / numeric text when the range holds one (indexed by column)."""
        kinds = {ZERO, NEG, POS, TEXT, ERR, BLANK}
        if _holds(self._index(self.booleans, "b")[name], r1, c1, r2, c2):
            kinds.add(BOOL)
        if _holds(self._index(self.numtext, "n")[name], r1, c1, r2, c2):
            kinds.add(NUMTEXT)
        return frozenset(kinds)

    def _index(self, positions: dict, tag: str) -> dict:
        cached = self._ranges.get(tag)
        if cached is None:
            cached = {}
            for name, keys in positions.items():
                by_col: dict[int, list] = {}
                for r, c in keys:
                    by_col.setdefault(c, []).append(r)
                cached[name] = {c: sorted(rows) for c, rows in by_col.items()}
            self._ranges[tag] = cached
        return cached

    def unreadable(self, sheet, formula: str) -> bool:
        """A formula the compiler cannot read (a structured reference, a sheet-scoped name, LAMBDA...): whether it
        holds a ^/POWER not raising to a nonzero number, or a boolean-sensitive construct with a boolean at hand (a
        literal, a boolean function, or a cell it names by address holding one)."""
        from levxl.recalc.package import col_index

        body = _STRINGS.sub('""', formula)
        if _POW_TEXT.search(body):
            return True
        if not _BOOL_TEXT.search(body):
            return False
        if _BOOL_MAKERS.search(body):
            return True
        for m in _A1_REF.finditer(body):
            quoted, c1, r1, c2, r2 = m.groups()
            name = quoted.strip("'").replace("''", "'") if quoted else sheet.name
            if name not in self.booleans:
                continue
            r1, c1 = int(r1), col_index(c1)
            r2, c2 = (int(r2), col_index(c2)) if c2 else (r1, c1)
            if any(r1 <= r <= r2 and c1 <= c <= c2 for r, c in self.booleans[name]):
                return True
        return False

    # -- one formula -------------------------------------------------------------------------------------------
    def check(self, sheet, row: int, col: int, node, array: bool = False) -> tuple[set, _Val]:
        self.sheet, self.row, self.col = sheet.name, row, col
        self.array = array  # an array formula: ERROR.TYPE(LEVXL_F(..)) is not made a value for LibreOffice
        self.found: set[str] = set()
        self.root_grid = root_grid(node)
        self.numeric_grids: set[int] = set()
        self.scopes: list[dict] = []
        self.nested_boolean = False
        result = self.eval(node)
        if self.nested_boolean and root_boolean(node) is None and BOOL in result.kinds:
            self.found.add("levxlboolout")  # levxl writes TRUE/FALSE only where the call is the whole formula
        return self.found, result

    def grid_is_boolean(self, sheet, row: int, col: int, node) -> bool:
        """Whether the formula is a LEVXL_ grid (or INDEX of one) asked for "liquidated" (known exactly)."""
        grid = root_grid(node)
        if grid is None:
            return False
        self.sheet, self.row, self.col = sheet.name, row, col
        self.found, self.numeric_grids, self.root_grid, self.scopes = set(), set(), grid, []
        self.nested_boolean = False
        index = GRIDS[_bare(grid[1])]
        return index < len(grid[2]) and _grid_status(self.eval(grid[2][index])) == "yes"

    def _pos(self, r, rabs, c, cabs):
        return (r if rabs else r + self.row), (c if cabs else c + self.col)

    def eval(self, node) -> _Val:
        kind = node[0]
        if kind == "const":
            return _of(node[1])
        if kind == "missing":
            return _Val({BLANK}, None)
        if kind == "ref":
            if self.static:
                return _Val(_PLAIN, ref=True)
            name = node[1] or self.sheet
            r, c = self._pos(*node[2:6])
            return _of(self.value_at(name, r, c), ref=True)
        if kind == "range":
            name = node[1] or self.sheet
            r1, c1 = self._pos(*node[2:6])
            r2, c2 = self._pos(*node[6:10])
            r1, r2 = sorted((r1, r2))
            c1, c2 = sorted((c1, c2))
            return _Val(self.range_kinds(name, r1, c1, r2, c2), ref=True)
        if kind == "array":
            return _Val({_kind(v) for row in node[1] for v in row})
        if kind in ("neg", "pct") or (kind == "bin" and node[1] in ("+", "-", "*", "/", "^")):
            for child in node[1:] if kind != "bin" else node[2:]:
                grid = root_grid(child)
                if grid is not None:  # arithmetic on a "liquidated" grid: 1/0 is Excel's value too
                    self.numeric_grids.add(id(grid))
        if kind in ("neg", "pct"):
            inner = self.eval(node[1])
            x = _number(inner)
            if x is not _UNKNOWN:
                y = -x if kind == "neg" else x / 100
                return _of(y)
            return _Val(NUMBER | (inner.kinds & {ERR}))
        if kind == "bin":
            return self.binary(node[1], self.eval(node[2]), self.eval(node[3]))
        if kind == "var":
            for scope in reversed(self.scopes):
                if node[1] in scope:
                    return scope[node[1]]
            return _Val(ANY)
        if kind == "func":
            if _bare(node[1]) == "LET" and len(node[2]) % 2 == 1:
                return self.let(node[2])
            return self.func(_bare(node[1]), node[2], node)
        return _Val(ANY)

    def let(self, args) -> _Val:
        """LET(name, value, ..., result): each name bound to its value's kinds (and exact value)."""
        scope: dict = {}
        self.scopes.append(scope)
        try:
            for name, value in zip(args[:-1:2], args[1:-1:2]):
                if name[0] != "var":
                    return _Val(ANY)
                scope[name[1]] = self.eval(value)
            return self.eval(args[-1])
        finally:
            self.scopes.pop()

    def binary(self, op: str, a: _Val, b: _Val) -> _Val:
        if op == "&":
            if BOOL in a.kinds or BOOL in b.kinds:
                self.found.add("booltext")
            return _Val({TEXT, NUMTEXT} | ((a.kinds | b.kinds) & {ERR}))
        if op in ("=", "<>", "<", ">", "<=", ">="):
            others = {ZERO, NEG, POS, TEXT, NUMTEXT}
            if (BOOL in a.kinds and b.kinds & others) or (BOOL in b.kinds and a.kinds & others):
                self.found.add("boolcmp")
            return _Val({BOOL} | ((a.kinds | b.kinds) & {ERR}))
        x, y = _number(a), _number(b)
        if op == "^":
            if x is not _UNKNOWN and y is not _UNKNOWN:
                if x == 0 and y == 0:
                    self.found.add("pow00")
                elif x == 0 and y < 0:
                    self.found.add("pow0neg")
            elif _may_be_zero(a):
                if _may_be_zero(b):
                    self.found.add("pow00")
                if _may_be_negative(b):
                    self.found.add("pow0neg")
        if x is not _UNKNOWN and y is not _UNKNOWN:
            try:
                z = {"+": x + y, "-": x - y, "*": x * y}.get(op)
                if z is None:
                    z = x / y if op == "/" else (x ** y if op == "^" else _UNKNOWN)
                if isinstance(z, float) and math.isfinite(z):
                    return _of(z)
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                pass
            return _Val(NUMBER | {ERR})
        return _Val(NUMBER | {ERR})

    def _area(self, node):
        name = node[1] or self.sheet
        r1, c1 = self._pos(*node[2:6])
        r2, c2 = self._pos(*node[6:10]) if node[0] == "range" else (r1, c1)
        return name, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)

    def _built_reference(self, name: str, arg_nodes, args) -> _Val | None:
        """OFFSET/INDIRECT whose arguments are exact: the range they name (None: unknown, anything)."""
        if name == "OFFSET" and len(args) >= 3 and arg_nodes[0][0] in ("ref", "range"):
            sheet, r1, c1, r2, c2 = self._area(arg_nodes[0])
            numbers = [_number(a) for a in args[1:5]]
            while len(numbers) < 4:
                numbers.append(None)
            dr, dc, h, w = numbers
            h = r2 - r1 + 1 if h is None or args[3].exact is None else h
            w = c2 - c1 + 1 if w is None or args[4].exact is None else w
            if any(x is _UNKNOWN for x in (dr, dc, h, w)) or h < 1 or w < 1:
                return None
            r1, c1 = r1 + int(dr), c1 + int(dc)
            if r1 < 1 or c1 < 1:
                return None
            return _Val(self.range_kinds(sheet, r1, c1, r1 + int(h) - 1, c1 + int(w) - 1), ref=True)
        if name == "INDIRECT" and len(args) == 1 and isinstance(args[0].exact, str):
            from levxl.recalc.fast_parse import Compiler

            compiler = Compiler(self.package)
            compiler.row = compiler.col = 0  # the text names cells by their address
            try:
                node = compiler.reference(args[0].exact)
            except Exception:
                return None
            if node[0] not in ("ref", "range"):
                return None
            saved = self.row, self.col
            self.row = self.col = 0
            try:
                sheet, r1, c1, r2, c2 = self._area(node)
            finally:
                self.row, self.col = saved
            return _Val(self.range_kinds(sheet, r1, c1, r2, c2), ref=True)
        return None

    def func(self, name: str, arg_nodes, node=None) -> _Val:
        args = [self.eval(a) for a in arg_nodes]
        if name == "TYPE" and arg_nodes and arg_nodes[0][0] == "ref" and not self.static:
            sheet, r, c, _, _ = self._area(arg_nodes[0])
            target = self.sheets[sheet].cells.get((r, c)) if sheet in self.sheets else None
            if target is not None and target.formula is not None and not isinstance(self.value_at(sheet, r, c),
                                                                                       XlError):
                self.found.add("typeformula")
        if name in ("ERROR.TYPE", "TYPE") and arg_nodes and _add_in_result(arg_nodes[0]):
            direct = arg_nodes[0][0] == "func" and _bare(arg_nodes[0][1]).startswith("LEVXL_")
            if self.array or not direct:  # else prepare_formula hands LibreOffice INDEX(call,1,1): a value
                self.found.add("levxltype")
        if name == "POWER" and len(args) == 2:
            self.binary("^", args[0], args[1])
        if name in _TEXT_ARGS:
            which = _TEXT_ARGS[name]
            picked = args if which is None else [args[i] for i in which if i < len(args)]
            if name == "TEXTJOIN":
                picked = args[2:] + args[:1]
            if any(BOOL in a.kinds for a in picked):
                self.found.add("booltext")
        if name in _CONDITIONS:
            picked = args[0::2][:-1] if name == "IFS" else (args if name in ("AND", "OR", "XOR") else args[:1])
            if any(NUMTEXT in a.kinds and not (a.ref and name in ("AND", "OR", "XOR")) for a in picked):
                self.found.add("textcond")
        if name in _TYPE_TESTS and args and BOOL in args[0].kinds:
            self.found.add("booltype")
        if name in _AGGREGATES:
            for a in args:
                if a.ref and BOOL in a.kinds:
                    self.found.add("boolagg")
                if name in _NUMTEXT_ARGS and not a.ref and NUMTEXT in a.kinds:
                    self.found.add("numtext")
        if name in _LOOKUPS:
            keys, within = _LOOKUPS[name]
            if isinstance(keys, str):
                pairs = args[1:] if keys.endswith("1") else args
                keys = tuple(range(1, len(pairs), 2))
                within = tuple(range(0, len(pairs), 2))
                picked_keys = [pairs[i] for i in keys]
                picked_within = [pairs[i] for i in within]
            else:
                picked_keys = [args[i] for i in keys if i < len(args)]
                picked_within = [args[i] for i in within if i < len(args)]
            if any(BOOL in a.kinds for a in picked_keys + picked_within):
                self.found.add("boollookup")
        if name in _BOOL_FUNCS:
            return _Val({BOOL, ERR})
        if name in _TEXT_RESULT:
            return _Val({TEXT, NUMTEXT, ERR})
        if name in _OPAQUE:
            return self._built_reference(name, arg_nodes, args) or _Val(_PLAIN if self.uniform else ANY, ref=True)
        if name in _PASS:
            if name in ("MAX", "MIN"):
                return _Val(NUMBER | {ERR})
            picked = args
            if name == "IF":
                picked = args[1:] or [_Val({BOOL})]
                if len(args) == 2:
                    picked = [args[1], _Val({BOOL})]  # IF(c, x) is FALSE when c is false
            elif name == "CHOOSE":
                picked = args[1:]
            elif name in ("VLOOKUP", "HLOOKUP", "LOOKUP", "XLOOKUP"):
                picked = args[1:3] if name != "XLOOKUP" else args[2:4]
            elif name == "INDEX":
                picked = args[:1]
            kinds = frozenset().union(*(a.kinds for a in picked)) if picked else ANY
            return _Val(kinds | {ERR}, ref=name in ("INDEX", "CHOOSE", "IF"))
        if name in GRIDS:
            status = _grid_status(args[GRIDS[name]] if GRIDS[name] < len(args) else _Val({BLANK}, None))
            if id(node) in self.numeric_grids:
                pass
            elif status == "maybe" or (status == "yes" and node is not self.root_grid):
                self.found.add("gridbool")
            if status != "no":
                return _Val(NUMBER | {TEXT, ERR, BLANK, BOOL})
        if name.startswith("LEVXL_"):
            if any(BOOL in a.kinds for a in args):
                self.found.add("levxlbool")
            if name in BOOLEAN_RESULTS:  # TRUE/FALSE in Excel, whatever LibreOffice showed (1/0)
                self.nested_boolean = True
                return _Val({BOOL, ERR})
            return _Val(NUMBER | {TEXT, ERR, BLANK})
        return _Val(NUMBER | {TEXT, ERR})


def _add_in_result(node) -> bool:
    """Whether the node's value can be a LEVXL_ call's result as it is (LibreOffice: an array): the call, or a
    function passing one of its arguments through (IF, IFERROR...), or arithmetic on one."""
    kind = node[0]
    if kind == "func":
        name = _bare(node[1])
        if name.startswith("LEVXL_"):
            return True
        if name in _THROUGH:
            return any(_add_in_result(a) for a in node[2][_THROUGH[name]])
        return False
    if kind in ("neg", "pct"):
        return _add_in_result(node[1])
    if kind == "bin" and node[1] in ("+", "-", "*", "/", "^"):
        return _add_in_result(node[2]) or _add_in_result(node[3])
    return False


def _compiler(package: Package):
    """The fast path's compiler, also reading LET's variables (``_xlpm.x``) as ``("var", name)``."""
    from levxl.recalc.fast_parse import Compiler

    class _Reader(Compiler):
        def reference(self, text: str, resolving: str | None = None):
            if text.lower().startswith("_xlpm."):
                return ("var", text.lower())
            return super().reference(text, resolving)

    return _Reader(package)


def _holds(by_col: dict, r1, c1, r2, c2) -> bool:
    from bisect import bisect_left

    if not by_col:
        return False
    cols = range(c1, c2 + 1) if c2 - c1 < len(by_col) else [c for c in by_col if c1 <= c <= c2]
    for c in cols:
        rows = by_col.get(c)
        if rows:
            i = bisect_left(rows, r1)
            if i < len(rows) and rows[i] <= r2:
                return True
    return False


def root_boolean(node):
    """The LEVXL_ call returning TRUE/FALSE that is the whole formula, else None."""
    return node if node[0] == "func" and _bare(node[1]) in BOOLEAN_RESULTS else None


def root_grid(node):
    """The LEVXL_ grid call that is the whole formula, or the first argument of INDEX that is; else None."""
    if node[0] == "func" and _bare(node[1]) == "INDEX" and node[2]:
        node = node[2][0]
    return node if node[0] == "func" and _bare(node[1]) in GRIDS else None


def _grid_status(output: _Val) -> str:
    """"yes": the output is "liquidated" (TRUE/FALSE cells); "no": it is not; "maybe": not known."""
    if isinstance(output.exact, str):
        return "yes" if output.exact.strip().lower() == "liquidated" else "no"
    if output.exact is not _UNKNOWN:
        return "no"
    return "maybe" if output.kinds & {TEXT} else "no"


def boolean_grids(package: Package, values: dict) -> set:
    """(sheet, row, col) of the formula cells that are a LEVXL_ grid (or INDEX of one) asked for "liquidated", or
    a call of a TRUE/FALSE-returning LEVXL_ function (:data:`BOOLEAN_RESULTS`): the catalogue's TRUE/FALSE, which
    reach LibreOffice as 1/0 (an add-in's matrix cannot carry a boolean)."""

    checker = _Checker(package, values)
    compiler = _compiler(package)
    found = set()
    for sheet in package.sheets:
        for (r, c), cell in sheet.cells.items():
            text = cell.formula
            if not text or "levxl" not in text.lower() or ("grid" not in text.lower()
                                                            and not _BOOLEAN_TEXT.search(text)):
                continue
            try:
                node = compiler.compile(text, *(cell.origin or (r, c)))
                if root_boolean(node) is not None or checker.grid_is_boolean(sheet, r, c, node):
                    found.add((sheet.name, r, c))
            except Exception:  # not read: left as 1/0, and divergences() reports the cell as not checked
                continue
    return found


def divergences(package: Package, values: dict, skip=frozenset()) -> list[str]:
    """``"Sheet!A1: reason; reason"`` for every formula cell whose LibreOffice value may not be Excel's (see the
    module docstring). ``values``: (sheet, row, col) -> the value LibreOffice gave (booleans as bool); ``skip``:
    (sheet, row, col) of cells not evaluated (external links keep their cached values)."""
    return list(diverging_cells(package, values, skip).values())


def diverging_cells(package: Package, values: dict, skip=frozenset()) -> dict[tuple, str]:
    """:func:`divergences` by cell: (sheet, row, col) -> ``"Sheet!A1: reason; reason"``, in sheet and cell order."""
    from levxl.recalc.fast_parse import Unsupported

    checker = _Checker(package, values)
    compiler = _compiler(package)
    out = {}
    trees: dict = {}
    from levxl.recalc.fast_parse import shape_key

    for sheet in package.sheets:
        for (r, c), cell in sorted(sheet.cells.items()):
            if cell.formula is None or (sheet.name, r, c) in skip:
                continue
            body = _STRINGS.sub('""', cell.formula)
            if not (_POW_TEXT.search(body) or _BOOL_TEXT.search(body) or _GRID_TEXT.search(body)
                    or _TYPE_TEXT.search(body)
                    or (_LEVXL_TEXT.search(body) and (checker.any_boolean or _BOOL_MAKERS.search(body)))):
                continue  # none of the constructs that diverge
            origin = cell.origin or (r, c)
            # references are relative to the cell: one tree per R1C1 shape
            array = cell.kind == "array"
            key = (id(sheet), shape_key(cell.formula, *origin), array)
            try:
                if key not in trees:
                    trees[key] = compiler.compile(cell.formula, *origin)
                node = trees[key]
            except Unsupported:
                node = None
            except Exception:  # the compiler is the fast path's: anything it cannot read is "not checked"
                node = None
            if node is None:
                if checker.unreadable(sheet, cell.formula):
                    found = {"unchecked"}
                else:
                    continue
            elif checker.uniform and not _POW_TEXT.search(body) and not _TYPE_TEXT.search(body):
                if ("static", key) not in trees:
                    checker.static = True
                    try:
                        trees[("static", key)] = set(checker.check(sheet, r, c, node, array)[0])
                    except Exception:  # a bug here must not pass a cell as checked
                        log.exception("divergence check failed on %s!%s%d", sheet.name, col_letter(c), r)
                        trees[("static", key)] = {"unchecked"}
                    finally:
                        checker.static = False
                found = trees[("static", key)]
            else:
                try:
                    found, _ = checker.check(sheet, r, c, node, array)
                except Exception:  # a bug here must not pass a cell as checked
                    log.exception("divergence check failed on %s!%s%d", sheet.name, col_letter(c), r)
                    found = {"unchecked"}
            if found:
                out[(sheet.name, r, c)] = (f"{_quote(sheet.name)}!{col_letter(c)}{r}: "
                                           + "; ".join(REASONS[k] for k in REASONS if k in found))
    return out


def _quote(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) else "'" + name.replace("'", "''") + "'"
