"""The fast path's formula reading: R1C1 shapes (the grouping key of runs) and the compiler from formula text to
expression trees (``("ref", ...)``, ``("func", name, args)``, ``("bin", op, a, b)``...).
See :mod:`levxl.recalc.fast`."""

from __future__ import annotations

import re

from levxl.recalc.package import Package, col_index
from levxl.recalc.values import error

__all__ = ["Unsupported", "PerCell", "shape_key", "Compiler", "MAX_ROW", "MAX_COL"]

VALUE, DIV0, NUM, NA, REF, NAME = (error(c) for c in ("#VALUE!", "#DIV/0!", "#NUM!", "#N/A", "#REF!", "#NAME?"))

MAX_ROW = 1_048_576
MAX_COL = 16_384
VALUE, DIV0, NUM, NA, REF, NAME = (error(c) for c in ("#VALUE!", "#DIV/0!", "#NUM!", "#N/A", "#REF!", "#NAME?"))


class Unsupported(Exception):
    """The fast path does not handle this workbook; the reference engine must."""


class PerCell(Exception):
    """This run cannot be evaluated as one call; evaluate it cell by cell."""


# -- formula shapes ------------------------------------------------------------------------------------------------
_SPLIT = re.compile(r"(\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*')")
_A1 = re.compile(r"(?<![A-Za-z0-9_.\\\]])(\$?)([A-Za-z]{1,3})(\$?)(\d{1,7})(?![A-Za-z0-9_(.\[])")


_LEVXL = re.compile(r"(?i)(?<![A-Za-z0-9_.])(?:_xll\.|_xludf\.|_xldudf_)?levxl_")
_COLUMNS = re.compile(r"(?<![A-Za-z0-9_.\\\]$])(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})(?![A-Za-z0-9_(.\[])")


def shape_key(formula: str, row: int, col: int) -> str:
    """The R1C1 form of a formula (used only as a grouping key; strings and quoted sheet names are kept; every
    spelling of a LEVXL_ function is one)."""

    def sub(m: re.Match) -> str:
        cabs, letters, rabs, digits = m.groups()
        c = col_index(letters)
        return ("R" + digits if rabs else "R[" + str(int(digits) - row) + "]") + \
            ("C" + str(c) if cabs else "C[" + str(c - col) + "]")

    def columns(m: re.Match) -> str:  # a relative whole column differs by the column it is written in
        a_abs, a, b_abs, b = m.groups()
        ca, cb = col_index(a), col_index(b)
        return ("C" + str(ca) if a_abs else f"C[{ca - col}]") + ":" + ("C" + str(cb) if b_abs else f"C[{cb - col}]")

    def shape(text: str) -> str:
        text = _A1.sub(sub, text)
        if ":" in text:
            text = _COLUMNS.sub(columns, text)
        return _LEVXL.sub("LEVXL_", text)

    if '"' not in formula and "'" not in formula:
        return shape(formula)
    parts = _SPLIT.split(formula)
    for i in range(0, len(parts), 2):
        parts[i] = shape(parts[i])
    return "".join(parts)


# -- parsing -------------------------------------------------------------------------------------------------------
_CELL = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")
_COLS = re.compile(r"^(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})$")


def _split_sheet(text: str) -> tuple[str | None, str]:
    if "!" not in text:
        return None, text
    sheet, _, ref = text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    if sheet.startswith("[") or ":" in sheet:
        raise Unsupported(f"external or 3-D reference {text!r}")
    return sheet, ref


class Compiler:
    """Tokenise a formula (at its anchor cell) into a tree whose references are relative to the anchor."""

    def __init__(self, package: Package):
        self.package = package
        self._names: dict[str, tuple] = {}

    def compile(self, formula: str, row: int, col: int):
        from openpyxl.formula import Tokenizer

        try:
            tokens = [t for t in Tokenizer("=" + formula).items]
        except Exception as exc:
            raise Unsupported(f"cannot tokenise {formula!r}: {exc}") from None
        self.tokens = [t for t in tokens if t.type != "WHITE-SPACE"]
        self.pos = 0
        self.row, self.col = row, col
        node = self.expr()
        if self.pos != len(self.tokens):
            raise Unsupported(f"cannot parse {formula!r}")
        return node

    # grammar: comparison > concat > additive > multiplicative > power > unary > postfix > primary
    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        t = self.tokens[self.pos]
        self.pos += 1
        return t

    def _infix(self, ops, sub):
        node = sub()
        while (t := self.peek()) is not None and t.type == "OPERATOR-INFIX" and t.value in ops:
            self.take()
            node = ("bin", t.value, node, sub())
        return node

    def expr(self):
        return self._infix(("=", "<>", "<", ">", "<=", ">="), self.concat)

    def concat(self):
        return self._infix(("&",), self.additive)

    def additive(self):
        return self._infix(("+", "-"), self.mult)

    def mult(self):
        return self._infix(("*", "/"), self.power)

    def power(self):
        return self._infix(("^",), self.unary)

    def unary(self):
        t = self.peek()
        if t is not None and t.type == "OPERATOR-PREFIX":
            self.take()
            inner = self.unary()
            return ("neg", inner) if t.value == "-" else inner
        return self.postfix()

    def postfix(self):
        node = self.primary()
        while (t := self.peek()) is not None and t.type == "OPERATOR-POSTFIX":
            self.take()
            node = ("pct", node)
        return node

    def primary(self):
        t = self.peek()
        if t is None:
            raise Unsupported("formula ends early")
        if t.type == "OPERAND":
            self.take()
            return self.operand(t)
        if t.type == "PAREN" and t.subtype == "OPEN":
            self.take()
            node = self.expr()
            close = self.take() if self.peek() is not None else None
            if close is None or close.type != "PAREN":
                raise Unsupported("unbalanced parentheses")
            return node
        if t.type == "FUNC" and t.subtype == "OPEN":
            self.take()
            name = t.value[:-1].upper()
            args = []
            if self.peek() is not None and self.peek().type == "FUNC" and self.peek().subtype == "CLOSE":
                self.take()
                return ("func", name, args)
            while True:
                nxt = self.peek()
                if nxt is not None and (nxt.type == "SEP" or (nxt.type == "FUNC" and nxt.subtype == "CLOSE")):
                    args.append(("missing",))
                else:
                    args.append(self.expr())
                sep = self.take()
                if sep.type == "FUNC" and sep.subtype == "CLOSE":
                    break
                if sep.type != "SEP" or sep.subtype != "ARG":
                    raise Unsupported("bad argument list")
            return ("func", name, args)
        if t.type == "ARRAY" and t.subtype == "OPEN":
            self.take()
            rows, row = [], []
            while True:
                item = self.take()
                if item.type == "OPERAND":
                    row.append(self.operand(item, constant=True)[1])
                elif item.type == "OPERATOR-PREFIX" and self.peek().type == "OPERAND":
                    value = self.operand(self.take(), constant=True)[1]
                    row.append(-value if item.value == "-" else value)
                elif item.type == "SEP":
                    if item.subtype == "ROW":
                        rows.append(row)
                        row = []
                elif item.type == "ARRAY" and item.subtype == "CLOSE":
                    rows.append(row)
                    break
                else:
                    raise Unsupported("bad array constant")
            if len({len(r) for r in rows}) != 1:
                raise Unsupported("ragged array constant")
            return ("array", rows)
        raise Unsupported(f"unexpected {t.value!r}")

    def operand(self, t, constant=False):
        v = t.value
        if t.subtype == "NUMBER":
            return ("const", float(v))
        if t.subtype == "TEXT":
            return ("const", v[1:-1].replace('""', '"'))
        if t.subtype == "LOGICAL":
            return ("const", v.upper() == "TRUE")
        if t.subtype == "ERROR":
            return ("const", error(v))
        if constant:
            raise Unsupported("reference inside an array constant")
        return self.reference(v)

    def reference(self, text: str, resolving: str | None = None):
        if "[" in text and not text.startswith("'["):
            raise Unsupported(f"structured or external reference {text!r}")
        sheet, ref = _split_sheet(text)
        if ref.upper() == "#REF!":
            return ("const", REF)
        if sheet is not None and self.package.sheet(sheet) is None:
            return ("const", REF)
        m = _CELL.match(ref)
        if m:
            return ("ref", sheet, *self._axis(m))
        if ":" in ref:
            a, b = ref.split(":", 1)
            ma, mb = _CELL.match(a), _CELL.match(b)
            if ma and mb:
                return ("range", sheet, *self._axis(ma), *self._axis(mb))
            mc = _COLS.match(ref)
            if mc:
                c1, c2 = col_index(mc.group(2)), col_index(mc.group(4))
                c1 = c1 if mc.group(1) else c1 - self.col
                c2 = c2 if mc.group(3) else c2 - self.col
                return ("range", sheet, 1, True, c1, bool(mc.group(1)), MAX_ROW, True, c2, bool(mc.group(3)))
            raise Unsupported(f"reference {text!r}")
        if sheet is None:
            name = ref.upper()
            if name in self.package.local_names:
                raise Unsupported(f"sheet-scoped defined name {ref!r}")
            if name in self.package.names and name != resolving:
                definition = self.package.names[name].strip().lstrip("=")
                saved = self.row, self.col
                self.row, self.col = 0, 0  # a name's references are absolute
                try:
                    node = self.reference(definition, resolving=name)
                finally:
                    self.row, self.col = saved
                if not _absolute(node):
                    raise Unsupported(f"defined name {ref!r} with relative references")
                return node
        raise Unsupported(f"unknown name {text!r}")

    def _axis(self, m):
        c = col_index(m.group(2))
        r = int(m.group(4))
        cabs, rabs = bool(m.group(1)), bool(m.group(3))
        return (r if rabs else r - self.row, rabs, c if cabs else c - self.col, cabs)


def _absolute(node) -> bool:
    if node[0] == "ref":
        return node[3] and node[5]
    if node[0] == "range":
        return node[3] and node[5] and node[7] and node[9]
    return node[0] == "const"
