"""The xlwings.conf sheet: the quickstart's ``_xlwings.conf`` renamed, with ``UDF Modules = levxl.udfs``."""

from __future__ import annotations

from openpyxl.styles import Font

from levxl.workbooks.template.styles import BLUE, FONT, INPUT_FILL, print_setup

__all__ = ["conf_sheet", "UDF_MODULES"]

F_INPUT_12 = Font(name=FONT, size=12, color=BLUE)
UDF_MODULES = "levxl.udfs"  #: the module xlwings imports the functions from (its import path is fixed)


def conf_sheet(ws) -> None:
    """Rename the quickstart's ``_xlwings.conf`` to ``xlwings.conf`` and point UDF Modules at levxl."""
    ws.title = "xlwings.conf"
    ws["B6"] = UDF_MODULES
    ws["B6"].font = F_INPUT_12  # the quickstart's cells are 12 pt: keep this one as large when printed
    ws["B6"].fill = INPUT_FILL
    ws.column_dimensions["B"].width = 14
    print_setup(ws, area="A1:O17")
