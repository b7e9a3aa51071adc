"""``levxl recalc``: evaluate every formula of a workbook and write the results as cached values, in place of a
spreadsheet application.

The results go into the original package: only the ``<v>`` elements and ``t`` attributes of formula cells (and the
cells of array/spill ranges) change; every other zip member is copied byte for byte, in order, with its compression.

What is written: a number as ``<v>`` (no ``t``); text ``t="str"``; booleans ``t="b"``; real Excel errors
(#DIV/0!, #REF!, #NAME?, #VALUE!, #NUM!, #N/A) ``t="e"`` -- the catalogue's bad elements included (a
:class:`levxl.catalogue.CellError` is written as its code, on both engines, so SUM/MIN/COUNT over it show the error;
the reason is what ``LEVXL_WHY`` returns in Excel). Array formulas and dynamic-array spills
(``<f t="array" ref="D1:F3">``) fill every cell of ``ref``, creating missing ``<c>``/``<row>`` elements in order. Cells
in a circular reference are written as 0 (what Excel shows) and counted as ``circular`` in the summary. ``<f>``,
styles and every other attribute are untouched; ``fullCalcOnLoad`` is neither added nor removed.

* :func:`recalc_workbook` — one workbook, in this process (Python API): ``recalc_workbook(path, out=None,
  inputs=None)`` returns a :class:`Summary` (``.values`` maps "Sheet!A1" to each value written); ``out`` is a file or a
  directory (None: compute only; ``in_place=True`` overwrites ``path``); ``inputs={"Sheet!B2": 61850.0}`` sets
  constants first (their ``<v>`` is patched too). Hostile/broken files raise :class:`levxl.files.safety.UnsafeWorkbook`;
* the CLI, :data:`levxl.cli.recalc.recalc` — ``levxl recalc FILE_OR_DIR... (--out DIR | --in-place) [--jobs N]
  [--timeout S] [--memory-mb MB] [--engine auto|fast|libreoffice] [--on-divergence fail|warn]``, ``levxl recalc
  --build-addin levxl.oxt``; exit status 0 only when every file was written with values levxl vouches for, 1 when
  one failed, 2 when (``--on-divergence warn``) one was written with cells where Excel's value may differ;
* :func:`recalc_paths` — a batch, one worker process per file with a timeout and a memory cap (the CLI);
* :mod:`levxl.recalc.proven` — which books the fast path claims (every construct proven by the differential corpus);
* :mod:`levxl.recalc.fast` — the vectorised evaluator and its supported functions;
* :mod:`levxl.recalc.libreoffice` and :mod:`levxl.recalc.office` — every other book: LibreOffice 25.2 headless with
  the levxl Calc add-in (:mod:`levxl.recalc.addin`, ``levxl.oxt`` built from the catalogue), Excel's semantics where
  LibreOffice differs; a construct neither engine handles fails the book, naming the cells;
* :mod:`levxl.recalc.divergence` — the cells of a LibreOffice-evaluated book where LibreOffice and Excel can differ
  (``0^0``, a TRUE/FALSE as text or compared with a number, ...), judged from the operands' recalculated values:
  ``Summary.cells`` names each with its reason, then each formula cell computed from one ("computed from
  Sheet!A1, ..."); ``recalc_workbook(..., on_divergence="fail")`` (the default) raises
  :class:`RecalcError` (its ``cells`` likewise), ``"warn"`` writes the book and sets ``Summary.warned``;
* :mod:`levxl.recalc.package` — safe reading (zip bombs, XML bombs, XXE refused) and byte-preserving writing.
"""

from levxl.recalc.core import RecalcError, Summary, recalc_workbook
from levxl.recalc.batch import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, expand_paths, recalc_paths
from levxl.recalc.addin import AddinError, build_addin


def register_addin():
    """Build levxl.oxt from the catalogue and register it for headless recalc (once per catalogue version); the
    tree's path (see :func:`levxl.recalc.office.addin_home`)."""
    from levxl.recalc.office import addin_home

    return addin_home()


__all__ = ["recalc_workbook", "recalc_paths", "expand_paths", "Summary", "RecalcError", "DEFAULT_TIMEOUT",
           "DEFAULT_MEMORY_MB", "build_addin", "register_addin", "AddinError"]
