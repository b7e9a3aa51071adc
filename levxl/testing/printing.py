"""What a written workbook's sheets look like on paper, estimated from the file alone (openpyxl): paper,
orientation, fit-to-width, repeated rows, the print scale and the *effective* font size (cell font × scale) of the
smallest printed text. Shared by the report's and the template's print tests.

The estimate follows Excel's geometry: a column of stored width ``w`` (characters of Calibri 11 plus padding, as
XlsxWriter and Excel store it) is ``w × 7`` pixels at 96 dpi, ``w × 5.25`` points; an unset column 64 pixels. The
printable width is the paper's width less the left and right margins. With "fit to 1 page wide" the scale is
``min(1, printable / printed width)``; with a fixed scale and manual column breaks every band of columns (plus the
repeated columns) must fit the printable width at that scale. LibreOffice lays pages out from the same stored widths
to within a few per cent (checked on the rendered report: see ``tests/test_report_print.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PAPER_MM", "PageEstimate", "column_points", "sheet_estimate", "workbook_estimates", "DEFAULT_FONT",
           "LIBREOFFICE_DEJAVU", "BOX_PER_PT", "pdf_text_sizes"]

PAPER_MM = {1: (215.9, 279.4), 8: (297.0, 420.0), 9: (210.0, 297.0)}
"""Paper sizes (portrait width, height in mm) by the OOXML ``paperSize`` code: 1 Letter, 8 A3, 9 A4."""
DEFAULT_FONT = 11.0
"""The size of a cell font that names none (Calibri 11, the default style)."""
LIBREOFFICE_DEJAVU = 1.33
"""How much wider LibreOffice lays out a column than Excel when neither Calibri nor Carlito is installed (it counts a
width in digits of DejaVu Sans): measured on the rendered report (printed scale of ten sheets, 1.31 to 1.32)."""
BOX_PER_PT = 1.14
"""Height of a ``pdftotext -bbox`` word box per point of font size (DejaVu Sans, measured at 100%)."""
_PT_PER_MM = 72 / 25.4
_DEFAULT_COLUMN_PX = 64


def column_points(stored_width: float | None) -> float:
    """Printed width in points of a column of ``stored_width`` (None: the default column, 64 pixels)."""
    if stored_width is None:
        return _DEFAULT_COLUMN_PX * 0.75
    return max(0.0, stored_width) * 7 * 0.75


@dataclass
class PageEstimate:
    """One sheet's print setup and its estimated effective font size (points)."""

    sheet: str
    paper: int | None
    landscape: bool
    fit_to_page: bool
    fit_width: int | None
    fit_height: int | None
    scale: float  #: the print scale (fraction) LibreOffice/Excel would use
    printable_pt: float  #: paper width less the side margins
    printed_pt: float  #: the printed columns' total width (charts included)
    bands_pt: list = field(default_factory=list)  #: width of each band of columns between manual column breaks
    repeat_rows: str | None = None
    repeat_cols: str | None = None
    min_font: float = DEFAULT_FONT  #: smallest font size among printed non-empty cells
    columns: tuple = ()  #: 1-based indices of the printed (visible) columns

    @property
    def effective_font(self) -> float:
        """The smallest printed text's size on paper: cell font × print scale."""
        return self.min_font * self.scale

    @property
    def fits(self) -> bool:
        """Every band (or the whole width) fits the printable width at the scale (2% allowance for rounding)."""
        widest = max(self.bands_pt or [self.printed_pt])
        return widest * self.scale <= self.printable_pt * 1.02


def _range_bounds(ref: str) -> tuple[int, int, int, int] | None:
    """(min_col, min_row, max_col, max_row), 1-based, of the first range of a print area like "'S'!$A$1:$P$12"."""
    from openpyxl.utils.cell import range_boundaries

    first = ref.split(",")[0]
    first = first.rsplit("!", 1)[-1].replace("$", "")
    try:
        return range_boundaries(first)
    except (ValueError, TypeError):
        return None


def _widths(ws) -> dict[int, tuple[float | None, bool]]:
    """1-based column -> (stored width or None, hidden) for every column the sheet sets."""
    out: dict[int, tuple[float | None, bool]] = {}
    for dim in ws.column_dimensions.values():
        lo, hi = dim.min or 0, dim.max or 0
        if not lo:
            continue
        for c in range(lo, hi + 1):
            out[c] = (dim.width if dim.customWidth or dim.width else None, bool(dim.hidden))
    return out


def _chart_right_col(ws) -> tuple[int, float]:
    """(last 1-based column a chart reaches, points into it) of the sheet's charts; (0, 0) without one."""
    right, off = 0, 0.0
    for chart in getattr(ws, "_charts", []):
        anchor = chart.anchor
        to = getattr(anchor, "to", None)
        if to is None:
            continue
        c = to.col + 1
        if c > right or (c == right and to.colOff / 12700 > off):
            right, off = c, to.colOff / 12700
    return right, off


def _title_cols(ws) -> tuple[int, int] | None:
    text = ws.print_title_cols
    if not text:
        return None
    from openpyxl.utils.cell import column_index_from_string

    m = re.match(r"\$?([A-Z]+):\$?([A-Z]+)", text.split("!")[-1])
    if not m:
        return None
    return column_index_from_string(m.group(1)), column_index_from_string(m.group(2))


def sheet_estimate(ws, width_factor: float = 1.0) -> PageEstimate:
    """The print estimate of one openpyxl worksheet (loaded with ``read_only=False`` so charts are read).

    ``width_factor``: how much wider the application lays out a column than Excel does (1.0: Excel, or LibreOffice
    with Calibri or Carlito; :data:`LIBREOFFICE_DEJAVU` for LibreOffice falling back to DejaVu Sans); charts keep
    their pixel size."""
    ps, props = ws.page_setup, ws.sheet_properties.pageSetUpPr
    paper = int(ps.paperSize) if ps.paperSize else None
    landscape = ps.orientation == "landscape"
    w_mm, h_mm = PAPER_MM.get(paper or 1, PAPER_MM[1])
    page_w = (h_mm if landscape else w_mm) * _PT_PER_MM
    margins = ws.page_margins
    printable = page_w - 72 * ((margins.left or 0.7) + (margins.right or 0.7))
    widths = _widths(ws)
    bounds = _range_bounds(ws.print_area) if ws.print_area else None
    if bounds is not None:
        c0, r0, c1, r1 = bounds
    else:
        c0, r0, c1, r1 = 1, 1, ws.max_column, ws.max_row
        chart_col, _ = _chart_right_col(ws)
        c1 = max(c1, chart_col)
    chart_col, chart_off = _chart_right_col(ws)
    cols = [c for c in range(c0, c1 + 1) if not widths.get(c, (None, False))[1]]
    pts = {c: column_points(widths.get(c, (None, False))[0]) * width_factor for c in cols}
    printed = sum(pts.values())
    if chart_col and chart_col > c1 and bounds is None:  # a chart reaching into its last column only partly
        printed -= pts.get(chart_col, 0.0) - min(chart_off, pts.get(chart_col, 0.0))
    breaks = sorted(b.id for b in ws.col_breaks.brk) if ws.col_breaks and ws.col_breaks.brk else []
    titles = _title_cols(ws)
    bands: list[float] = []
    if breaks:
        edges = [c0 - 1] + [b for b in breaks if c0 - 1 < b < c1] + [c1]
        for k in range(len(edges) - 1):
            band = [c for c in cols if edges[k] < c <= edges[k + 1]]
            width = sum(pts[c] for c in band)
            if titles is not None and k > 0:  # the repeated columns print on every band after the first
                width += sum(column_points(widths.get(c, (None, False))[0]) * width_factor
                             for c in range(titles[0], titles[1] + 1) if not widths.get(c, (None, False))[1])
            bands.append(width)
    fit = bool(props is not None and props.fitToPage)
    fit_w = ps.fitToWidth if ps.fitToWidth is not None else (1 if fit else None)
    if fit and fit_w:
        scale = min(1.0, printable * fit_w / printed) if printed else 1.0
    else:
        scale = (ps.scale or 100) / 100
    fonts = [DEFAULT_FONT if cell.font is None or cell.font.sz is None else float(cell.font.sz)
             for row in ws.iter_rows(min_row=r0, max_row=r1, min_col=c0, max_col=c1)
             for cell in row if cell.value not in (None, "") and cell.column in pts]
    return PageEstimate(ws.title, paper, landscape, fit, fit_w, ps.fitToHeight, scale, printable, printed, bands,
                        ws.print_title_rows, ws.print_title_cols, min(fonts) if fonts else DEFAULT_FONT,
                        tuple(cols))


def workbook_estimates(path: str | Path, width_factor: float = 1.0) -> dict[str, PageEstimate]:
    """:func:`sheet_estimate` of every sheet of the workbook at ``path`` (xlsx or xlsm)."""
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl drops extensions it does not know (conditional formats)
        wb = openpyxl.load_workbook(path, keep_vba=str(path).endswith(".xlsm"))
    return {ws.title: sheet_estimate(ws, width_factor) for ws in wb.worksheets}


def pdf_text_sizes(pdf: str | Path, margin_pt: float = 45.0) -> list[tuple[float, str]]:
    """Per page of a PDF (``pdftotext -bbox``, poppler-utils): (smallest text size in points, the page's first
    words), page header and footer (within ``margin_pt`` of the edge: never scaled) left out. The size is a word
    box's height / :data:`BOX_PER_PT`, calibrated on the report's 10 pt cells printed at 100% (DejaVu Sans, the
    face LibreOffice substitutes for Calibri here; within about 2% for Carlito)."""
    import subprocess

    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for page in xml.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        sizes, words = [], []
        for m in re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', page):
            y0, y1 = float(m.group(1)), float(m.group(2))
            if y0 < margin_pt or y1 > height - margin_pt:
                continue
            sizes.append((y1 - y0) / BOX_PER_PT)
            words.append(m.group(3))
        out.append((min(sizes) if sizes else float("inf"), " ".join(words[:6])))
    return out
