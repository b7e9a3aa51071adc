"""``levxl recalc``: evaluate every formula of a workbook and write the results as cached values, in place of a
spreadsheet application.

The results go into the original package: only the ``<v>`` elements and ``t`` attributes of formula cells (and the
cells of array/spill ranges) change; every other zip member is copied byte for byte, in order, with its compression.

* :func:`recalc_workbook` — one workbook, in this process (Python API);
* :func:`recalc_paths` — a batch, one worker process per file with a timeout and a memory cap (the CLI);
* :mod:`levxl.recalc.fast` — the vectorised evaluator and its supported functions;
* :mod:`levxl.recalc.reference` — the ``formulas`` library fallback;
* :mod:`levxl.recalc.package` — safe reading (zip bombs, XML bombs, XXE refused) and byte-preserving writing.
"""

from levxl.recalc.core import RecalcError, Summary, recalc_workbook
from levxl.recalc.batch import recalc_paths

__all__ = ["recalc_workbook", "recalc_paths", "Summary", "RecalcError"]
