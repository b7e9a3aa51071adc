"""xlwings Lite entry point: exposes every levxl spreadsheet function.

The functions are generated from levxl's one catalogue by ``levxl.udfs`` with xlwings' own decorators; importing
them here makes them this workbook's functions.
"""

from levxl.udfs import *  # noqa: F401,F403  (the LEVXL_ functions, decorated with @xw.func / @xw.arg)
