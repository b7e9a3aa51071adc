"""The Functions sheet: the reference of every ``LEVXL_`` function, generated from the catalogue."""

from __future__ import annotations

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from levxl.catalogue import __doc__ as catalogue_doc
from levxl.catalogue import reference_docs
from openpyxl.styles import Font

from levxl.workbooks.template.styles import BOX, FONT, F_TITLE, header_cells, print_setup

__all__ = ["functions_sheet", "conventions"]

F_BODY = Font(name=FONT, size=10)
F_BODY_BOLD = Font(name=FONT, size=10, bold=True)


def conventions() -> str:
    """The catalogue's "Conventions for every function" paragraph, on one line (shown on Start and Functions)."""
    text = catalogue_doc.split("Conventions for every function:", 1)[1]
    return "Conventions for every function: " + " ".join(text.split()).replace("``", "")


def functions_sheet(ws) -> None:
    """Fill the Functions sheet: one row per function (signature, category, summary, arguments, example).

    Body text is 10 pt in columns 126 units wide in all, so the sheet prints one A4 landscape page wide at 8 pt or
    more; row heights are estimated for LibreOffice's widest fallback font (DejaVu Sans, about 1.5 characters of
    10 pt text per width unit), so no text is cut in Excel or LibreOffice."""
    ws.sheet_view.showGridLines = False
    ws["A1"] = "Functions: every =LEVXL_ function (generated from levxl.catalogue.reference_docs)"
    ws["A1"].font = F_TITLE
    ws["A2"] = conventions()
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws["A2"].font = F_BODY
    ws.merge_cells("A2:E2")
    header_cells(ws, 3, 1, reference_docs.HEADER)
    widths = [27, 9, 27, 42, 21]
    ws.row_dimensions[2].height = _height(ws["A2"].value, sum(widths))
    for k, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(k + 1)].width = w
    for i, values in enumerate(reference_docs.rows()):
        row = 4 + i
        height = _LINE
        for k, value in enumerate(values):
            c = ws.cell(row, k + 1, value)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            c.border = BOX
            c.font = F_BODY_BOLD if k == 0 else F_BODY
            # keep the example formula as text
            if isinstance(value, str) and value.startswith("="):
                c.value = value
                c.data_type = "s"
            height = max(height, _height(str(value), widths[k]))
        ws.row_dimensions[row].height = height
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:E{3 + len(reference_docs.rows())}"
    print_setup(ws, "3:3")


_LINE = 13.0  # points per line of 10 pt text
_PER_UNIT = 1.5  # characters of 10 pt text per width unit, for the widest font either host draws (DejaVu Sans ~1.65)


def _height(text: str, width: float) -> float:
    """Row height (points) for ``text`` wrapped in ``width`` units: words wrap whole, so count line by line."""
    per_line = max(1, int(width * _PER_UNIT) - 1)
    lines, used = 1, 0
    for word in text.split():
        n = len(word)
        while n > per_line:  # a word longer than the line breaks inside it
            lines += 1 if used else 0
            n -= per_line
            used = 0
        if used and used + 1 + n > per_line:
            lines += 1
            used = n
        else:
            used += n + (1 if used else 0)
    return _LINE * lines + 3
