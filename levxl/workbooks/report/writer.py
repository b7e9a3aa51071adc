"""How the report is written: XlsxWriter formats, page setup and the replay of each sheet's
:class:`~levxl.workbooks.report.cells.SheetSpec` (what goes in which cell is decided by the sheet modules)."""

from __future__ import annotations

from typing import Any

from levxl.workbooks.report.cells import Cell, SheetSpec, Style

__all__ = ["Formats", "write_sheets"]


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
            "pct": "0." + "0" * digits + "%;[Red]-0." + "0" * digits + "%", "rate": "0.0000%;[Red]-0.0000%",
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
    functions (3/4 of the run time at 10,000 positions). The report uses none of them and writes its one newer
    function, NORM.S.DIST, already prefixed, so the formula only needs its leading ``=`` removed."""
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


def _page(ws, title: str, as_of: str, repeat: tuple[int, int] | None = None) -> None:
    ws.set_landscape()
    ws.set_paper(8 if title in ("Positions", "Scenarios", "Stress", "Tier tables") else 9)  # A3 for the wide sheets
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header(f'&L&"Calibri,Bold"levxl risk report&C{title}&R{as_of}')
    ws.set_footer("&LPage &P of &N&R&A")
    if repeat is not None:
        ws.repeat_rows(*repeat)
    ws.hide_gridlines(2)


def _cell_writers(ws) -> tuple:
    """(formula, blank, string, number) writers of a worksheet: XlsxWriter's undecorated ones where it has them
    (the public ones only add A1-notation parsing, a million times at 10,000 positions; row and column are
    always numbers here)."""
    return tuple(getattr(ws, "_" + name, None) or getattr(ws, name)
                 for name in ("write_formula", "write_blank", "write_string", "write_number"))


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
    if spec["series"]:  # a chart without a series is not a valid part
        ws.insert_chart(*spec["anchor"], chart)


def _feature(wb, ws, F: Formats, name: str, args: tuple, kwargs: dict) -> None:
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
        _page(ws, *args)
    elif name == "chart":
        _chart(wb, ws, args[0])
    elif name in ("freeze_panes", "autofilter", "print_area", "activate"):
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
                _feature(wb, ws, F, *item)
        by_name[name].items = []  # replayed: its cells live in the workbook now (a spec's million cells freed)
    return worksheets
