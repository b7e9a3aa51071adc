"""How the report is written: XlsxWriter formats, page setup and the replay of each sheet's
:class:`~levxl.workbooks.report.cells.SheetSpec` (what goes in which cell is decided by the sheet modules)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from levxl.workbooks.report.cells import Cell, SheetSpec, Style

__all__ = ["Formats", "write_sheets", "plan_page", "PagePlan", "column_points", "MIN_PRINTED_PT", "PAPERS"]


class Formats:
    """The report's XlsxWriter formats: the named ones made up front, number formats on first use (cached)."""

    def __init__(self, wb):
        self.wb = wb
        self.cache: dict = {}
        base = {"font_name": "Calibri", "font_size": 10}
        self.base = base
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "font_color": "#1F3864"})
        self.subtitle = wb.add_format({**base, "italic": True, "font_color": "#595959"})
        self.section = wb.add_format({**base, "bold": True, "font_size": 12, "font_color": "#1F3864",
                                      "bottom": 2, "bottom_color": "#1F3864"})
        self.header = wb.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864",
                                     "text_wrap": True, "valign": "vcenter", "align": "center", "border": 1,
                                     "border_color": "#8EA9DB"})
        self.label = wb.add_format({**base, "bold": True, "valign": "top"})
        self.text = wb.add_format({**base})
        self.wrap = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self.note = wb.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True,
                                   "valign": "top"})
        self.red = wb.add_format({**base, "bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.amber = wb.add_format({**base, "bold": True, "font_color": "#7F6000", "bg_color": "#FFEB9C"})
        self.green = wb.add_format({**base, "font_color": "#006100", "bg_color": "#C6EFCE"})
        self.liquidated = wb.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#404040"})
        self.error = wb.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#7030A0"})
        # black on a red fill: readable whether or not a viewer lets the colour scale paint over the fill
        self.liq = wb.add_format({"bold": True, "italic": True, "font_color": "#000000", "bg_color": "#FF5050",
                                  "num_format": '"LIQ "#,##0;"LIQ "-#,##0'})
        self.liq_pct = wb.add_format({"bold": True, "italic": True, "font_color": "#000000", "bg_color": "#FF5050",
                                      "num_format": '"LIQ"'})
        self.rlabel = wb.add_format({**base, "bold": True, "align": "right"})
        self.grey = wb.add_format({"font_color": "#808080"})

    def resolve(self, style: Style | None):
        """The XlsxWriter format of a style spec."""
        if style is None:
            return None
        if style.is_named:
            return getattr(self, style.kind)
        return self.get(style.kind, style.digits, style.inp, style.bold, style.top)

    @staticmethod
    def _num_format(kind: str, digits: int) -> str | None:
        fixed = "#,##0." + "0" * digits if digits else "#,##0"
        return {
            "price": fixed, "num": fixed, "usd": "#,##0;[Red]-#,##0",
            "amt": "#,##0." + "0" * digits + ";[Red]-#,##0." + "0" * digits,  # USD with 2 dp, coin with 6
            "pct": "0." + "0" * digits + "%;[Red]-0." + "0" * digits + "%", "rate": "0.0000#%;[Red]-0.0000#%",
            "int": "0", "size": "#,##0.########", "sci": "0.000E+00;[Red]-0.000E+00",
            "liqprice": fixed + ';-#,##0;"none"',  # the engine's sentinel 0 (a long no price liquidates) reads "none"
        }.get(kind)

    def get(self, kind: str, digits: int = 2, inp: bool = False, bold: bool = False, top: bool = False):
        key = (kind, digits, inp, bold, top)
        fmt = self.cache.get(key)
        if fmt is None:
            props = dict(self.base)
            num_format = self._num_format(kind, digits)
            if num_format is not None:
                props["num_format"] = num_format
            if kind != "text":
                props["align"] = "right"  # also for the text results of numeric columns ("none", "")
            if inp:
                props.update({"font_color": "#0000FF", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000"})
            if bold:
                props["bold"] = True
            if top:
                props.update({"top": 1, "bold": True})
            fmt = self.wb.add_format(props)
            self.cache[key] = fmt
        return fmt


def _fast_formulas(ws) -> None:
    """XlsxWriter runs ~30 regular expressions over every formula to add ``_xlfn.`` prefixes to dynamic-array
    functions (3/4 of the run time at 10,000 positions). The report uses none of them and writes its newer
    functions, NORM.S.DIST and MAXIFS, already prefixed, so the formula only needs its leading ``=`` removed."""
    if not hasattr(ws, "_prepare_formula"):  # pragma: no cover - another XlsxWriter version: keep its own
        return

    def prepare(formula: str, expand_future_functions: bool = False) -> str:
        if formula[:1] == "=" and formula[-1:] != "}":  # the report's every formula: the steps below, at once
            return formula[1:]
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula

    ws._prepare_formula = prepare


_MARGIN_IN = 0.4
_A4_PT, _A3_PT = (595.3, 841.9), (841.9, 1190.6)
PAPERS = (("A4 portrait", 9, False, _A4_PT[0] - 144 * _MARGIN_IN),
          ("A4 landscape", 9, True, _A4_PT[1] - 144 * _MARGIN_IN),
          ("A3 landscape", 8, True, _A3_PT[1] - 144 * _MARGIN_IN))
"""(name, XlsxWriter paper code, landscape, printable width in points: paper less 0.4 in margins each side)."""
BASE_FONT_PT = 10.0
"""The report's cell font (Calibri 10): the smallest text a sheet prints."""
MIN_PRINTED_PT = 8.0
"""The smallest effective font (cell font x print scale) a page may have (planned on the wider LibreOffice geometry)."""
LIBREOFFICE_WIDTH = 1.33
"""How much wider LibreOffice lays out a column than Excel when Calibri and its metric twin Carlito are missing
(it measures a column's width in digits of the substitute, DejaVu Sans): measured on the rendered report (the
tests' :data:`levxl.testing.printing.LIBREOFFICE_DEJAVU`; faces do not import the test harness). Pages are planned
on the wider of the two, so they fit in either application."""


BAND_ROOM = 0.97
"""The share of the printable width a band of columns is planned to fill (see :func:`plan_page`)."""


def column_points(width: float | None) -> float:
    """Printed width (points, Excel's geometry) of a column ``width`` characters wide (None: the default 8.43).
    XlsxWriter stores ``int(width * 7 + 0.5) + 5`` pixels (Calibri 11's digit is 7 px at 96 dpi)."""
    if width is None:
        width = 8.43
    if width <= 0:
        return 0.0
    px = int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)
    return px * 0.75


@dataclass(frozen=True)
class PagePlan:
    """How a sheet prints: the paper, fit to one page wide (``scale`` None) or, for a sheet too wide for
    :data:`MIN_PRINTED_PT` even on A3 landscape, bands of columns at a fixed ``scale`` (percent) with the frozen
    identifier columns repeated on every band (``breaks``: 0-based first column of each band after the first)."""

    paper: str
    code: int
    landscape: bool
    scale: int | None = None
    breaks: tuple = ()
    repeat_cols: tuple | None = None
    widths_pt: tuple = ()  #: printed width of each band (points, the planning geometry)


def _partition(widths: list[float], fixed: float, k: int) -> tuple[float, list[int]]:
    """Split ``widths`` (in order) into ``k`` contiguous bands minimising the widest band (each band also prints the
    ``fixed`` repeated columns): (widest, index of the first column of every band after the first)."""
    n = len(widths)
    pre = [0.0]
    for w in widths:
        pre.append(pre[-1] + w)
    INF = float("inf")
    best = [[INF] * (n + 1) for _ in range(k + 1)]
    cut = [[0] * (n + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    for j in range(1, k + 1):
        for i in range(1, n + 1):
            for m in range(j - 1, i):
                w = max(best[j - 1][m], fixed + pre[i] - pre[m])
                if w < best[j][i]:
                    best[j][i], cut[j][i] = w, m
    starts, i = [], n
    for j in range(k, 1, -1):
        i = cut[j][i]
        starts.append(i)
    return best[k][n], sorted(starts)


def plan_page(spec: SheetSpec, bands: bool = True, repeat_cols: tuple[int, int] | None = None,
              breaks: tuple[int, ...] | None = None) -> PagePlan:
    """The paper and scale of ``spec``'s sheet from its column widths, printed extent and charts.

    A4 when the sheet prints at 100% on it (portrait, else landscape) or at :data:`MIN_PRINTED_PT` or more
    (landscape), else A3 landscape, fit to one page wide; a sheet too wide even for that prints in bands of columns
    (the frozen identifier columns repeated), as few bands as keep :data:`MIN_PRINTED_PT`, pages ordered across
    then down so a row's bands follow each other.
    """
    widths: dict[int, float | None] = {}
    hidden: set[int] = set()
    last, area, freeze_col, chart_right = 0, None, 0, 0.0
    charts = []
    for item in spec.items:
        if isinstance(item, Cell):
            last = max(last, item.col)
            continue
        name, args, _ = item
        if name == "column":
            first, end, width, hide, _level = args
            for c in range(first, end + 1):
                widths[c] = width
                (hidden.add if hide else hidden.discard)(c)
            # a formatted but empty column does not print: the extent comes from cells and merges
        elif name == "merge":
            last = max(last, args[3])
        elif name == "print_area":
            area = args
        elif name == "freeze_panes":
            freeze_col = args[1] if len(args) > 1 else 0
        elif name == "chart" and args[0]["series"]:
            charts.append(args[0])
    c0, c1 = (area[1], area[3]) if area else (0, last)
    cols = [c for c in range(c0, c1 + 1) if c not in hidden]
    pts = {c: column_points(widths.get(c)) * LIBREOFFICE_WIDTH for c in cols}
    total = sum(pts.values())
    for chart in charts:  # a chart's size is in pixels: it does not widen with the substitute font
        r, c = chart["anchor"][:2]
        left = sum(pts.get(k, 0.0) for k in range(c0, c))
        chart_right = max(chart_right, left + chart["size"]["width"] * 0.75)
    total = max(total, chart_right)
    need = BASE_FONT_PT / MIN_PRINTED_PT
    for paper, code, landscape, printable in PAPERS:
        if total <= printable or (landscape and total <= printable * need):
            if paper == "A4 portrait" and total > printable:
                continue
            return PagePlan(paper, code, landscape, widths_pt=(total,))
    paper, code, landscape, printable = PAPERS[-1]
    if not bands:
        return PagePlan(paper, code, landscape, widths_pt=(total,))
    first_free = freeze_col if repeat_cols is None else repeat_cols[1] + 1
    fixed_cols = [c for c in range(c0, min(first_free, c1 + 1)) if c in pts]
    fixed = sum(pts[c] for c in fixed_cols)
    rest = [c for c in cols if c >= first_free]
    # a band is planned to fill BAND_ROOM of the page: one planned to the last point overflows it in LibreOffice
    # (its column widths round up), which then breaks before the band's last column and prints that column alone
    printable *= BAND_ROOM
    if breaks:  # the sheet's own band starts
        edges = [c for c in breaks if c in rest]
        groups, start = [], rest[0]
        for c in edges + [None]:
            groups.append([k for k in rest if k >= start and (c is None or k < c)])
            start = c
        widest, starts = max(fixed + sum(pts[k] for k in g) for g in groups), [rest.index(c) for c in edges]
    else:
        for k in range(2, len(rest) + 1):
            widest, starts = _partition([pts[c] for c in rest], fixed, k)
            if widest <= printable * need:
                break
    scale = int(min(1.0, printable / widest) * 100)
    return PagePlan(paper, code, landscape, scale, tuple(rest[s] for s in starts),
                    (c0, first_free - 1) if fixed_cols else None, (widest,))


def _page(ws, plan: PagePlan, title: str, as_of: str, repeat: tuple[int, int] | None = None, *_hints) -> None:
    if plan.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(plan.code)
    if plan.scale is None:
        ws.fit_to_pages(1, 0)
    else:  # Excel ignores manual page breaks under "fit to": the bands print at a fixed scale
        ws.set_print_scale(plan.scale)
        ws.set_v_pagebreaks(list(plan.breaks))
        ws.print_across()
        if plan.repeat_cols is not None:
            ws.repeat_columns(*plan.repeat_cols)
    ws.set_margins(left=_MARGIN_IN, right=_MARGIN_IN, top=0.6, bottom=0.6)
    ws.set_header(f'&L&"Calibri,Bold"levxl risk report&C{title}&R{as_of}')
    ws.set_footer("&LPage &P of &N&R&A")
    if repeat is not None:
        ws.repeat_rows(*repeat)
    ws.hide_gridlines(2)


def _cell_writers(ws) -> tuple:
    """(formula, blank, string, number) writers of a worksheet: XlsxWriter's undecorated ones where it has them
    (the public ones only add A1-notation parsing, a million times at 10,000 positions; row and column are
    always numbers here), and for formulas :func:`_formula_writer`."""
    writers = tuple(getattr(ws, "_" + name, None) or getattr(ws, name)
                    for name in ("write_formula", "write_blank", "write_string", "write_number"))
    return (_formula_writer(ws, writers[0]),) + writers[1:]


def _formula_writer(ws, fallback):
    """A formula writer that stores the cell as XlsxWriter's ``_write_formula`` does, without its search for
    dynamic-array functions (a regular expression over each of the report's million formulas, a tenth of the run
    at 10,000 positions; the report writes none, a test checks): the same cell table, so the same file. An array
    formula, an XlsxWriter without those internals, or constant-memory mode: ``fallback``, XlsxWriter's own."""
    import xlsxwriter.worksheet as xw

    store = getattr(xw, "CellFormulaTuple", None)
    if store is None or getattr(ws, "constant_memory", True) or not isinstance(getattr(ws, "table", None), dict) \
            or getattr(ws, "_prepare_formula", None) is None or not hasattr(ws, "_check_dimensions"):
        return fallback  # pragma: no cover - another XlsxWriter version
    check, table = ws._check_dimensions, ws.table

    def write(row: int, col: int, formula: str, fmt=None, value=0):
        if formula[:1] != "=" or formula[-1:] == "}":
            return fallback(row, col, formula, fmt, value)
        if check(row, col):
            return -1
        table[row][col] = store(formula[1:], fmt, value)
        return 0

    return write


def _write_cell(writers: tuple, cell: Cell, fmt) -> None:
    row, col, _, value, formula, cached = cell
    if formula is not None:
        writers[0](row, col, formula, fmt, cached)
    elif value is None:
        writers[1](row, col, None, fmt)
    elif isinstance(value, str):
        writers[2](row, col, value, fmt)
    else:
        writers[3](row, col, value, fmt)


def _chart(wb, ws, spec: dict) -> None:
    chart = wb.add_chart(spec["type"])
    for series in spec["series"]:
        chart.add_series(series)
    chart.set_title(spec["title"])
    chart.set_x_axis(spec["x_axis"])
    chart.set_y_axis(spec["y_axis"])
    chart.set_legend(spec["legend"])
    chart.set_size(spec["size"])
    if spec.get("show_hidden_data"):  # series read hidden helper columns (the ladder's doubled step points)
        chart.show_hidden_data()
    if spec["series"]:  # a chart without a series is not a valid part
        ws.insert_chart(*spec["anchor"], chart)


def _feature(wb, ws, F: Formats, spec: SheetSpec, name: str, args: tuple, kwargs: dict) -> None:
    if name == "merge":
        r0, c0, r1, c1, style, text = args
        ws.merge_range(r0, c0, r1, c1, text, F.resolve(style))
    elif name == "column":
        first, last, width, hidden, level = args
        if hidden is None:
            ws.set_column(first, last, width)
        else:
            ws.set_column(first, last, width, None, {"hidden": hidden, "level": level})
    elif name == "row":
        ws.set_row(*args)
    elif name == "conditional":
        rng, options = args
        ws.conditional_format(rng, {k: F.resolve(v) if isinstance(v, Style) else v for k, v in options.items()})
    elif name == "page":
        _page(ws, plan_page(spec, *args[3:]), *args)
    elif name == "chart":
        _chart(wb, ws, args[0])
    elif name in ("freeze_panes", "autofilter", "print_area", "activate", "set_h_pagebreaks"):
        getattr(ws, name)(*args, **kwargs)
    else:  # pragma: no cover - a sheet module asked for a feature the writer does not know
        raise ValueError(f"unknown sheet feature {name!r}")


def write_sheets(wb, sheets: list[SheetSpec], order: list[str] | None = None) -> Any:
    """Add one worksheet per spec (in ``sheets`` order, the tab order) and replay each spec, in ``order`` of sheet
    names if given (the order formats and shared strings are first used in, kept for byte-identical output).
    Each spec's ``items`` are emptied once replayed: the cells then live in the workbook only (peak memory)."""
    F = Formats(wb)
    worksheets = {}
    for spec in sheets:
        worksheets[spec.name] = wb.add_worksheet(spec.name)
        _fast_formulas(worksheets[spec.name])
    by_name = {spec.name: spec for spec in sheets}
    resolved: dict = {}  # Style -> XlsxWriter format (a report has a few dozen styles and a million cells)
    for name in order or [s.name for s in sheets]:
        ws = worksheets[name]
        writers = _cell_writers(ws)
        for item in by_name[name].items:
            if isinstance(item, Cell):
                style = item.style
                fmt = resolved.get(style)
                if fmt is None and style is not None:
                    fmt = resolved[style] = F.resolve(style)
                _write_cell(writers, item, fmt)
            else:
                _feature(wb, ws, F, by_name[name], *item)
        by_name[name].items = []  # replayed: its cells live in the workbook now (a spec's million cells freed)
    return worksheets
