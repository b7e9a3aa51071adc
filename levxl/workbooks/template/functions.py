"""The Functions sheet: the reference of every ``LEVXL_`` function, generated from the catalogue."""

from __future__ import annotations

import math

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from levxl.catalogue import __doc__ as catalogue_doc
from levxl.catalogue import reference_docs
from levxl.workbooks.template.styles import BOX, F_BOLD, F_TITLE, header_cells, print_setup

__all__ = ["functions_sheet", "conventions"]


def conventions() -> str:
    """The catalogue's "Conventions for every function" paragraph, on one line (shown on Start and Functions)."""
    text = catalogue_doc.split("Conventions for every function:", 1)[1]
    return "Conventions for every function: " + " ".join(text.split()).replace("``", "")


def functions_sheet(ws) -> None:
    """Fill the Functions sheet: one row per function (signature, category, summary, arguments, example)."""
    ws.sheet_view.showGridLines = False
    ws["A1"] = "Functions: every =LEVXL_ function (generated from levxl.catalogue.reference_docs)"
    ws["A1"].font = F_TITLE
    ws["A2"] = conventions()
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:E2")
    ws.row_dimensions[2].height = 60
    header_cells(ws, 3, 1, reference_docs.HEADER)
    widths = [46, 12, 48, 90, 48]
    for k, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(k + 1)].width = w
    for i, values in enumerate(reference_docs.rows()):
        row = 4 + i
        lines = 1
        for k, value in enumerate(values):
            c = ws.cell(row, k + 1, value)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            c.border = BOX
            if k == 0:
                c.font = F_BOLD
            # keep the example formula as text
            if isinstance(value, str) and value.startswith("="):
                c.value = value
                c.data_type = "s"
            lines = max(lines, math.ceil(len(str(value)) / (widths[k] * 1.1)))
        ws.row_dimensions[row].height = 15 * lines + 2
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:E{3 + len(reference_docs.rows())}"
    print_setup(ws, "3:3")
