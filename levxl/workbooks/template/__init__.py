"""The levxl template workbook: ``workbook/levxl_template.xlsm``, a leverage-risk desk sheet that works the moment
it opens.

:func:`build_template` starts from xlwings' standalone quickstart workbook (its VBA module lets xlwings' "Import
Functions" run without the add-in; the VBA project is carried over byte for byte by openpyxl's ``keep_vba``), adds
the sheets below, renames ``_xlwings.conf`` to ``xlwings.conf`` with ``UDF Modules = levxl.udfs``, writes every
formula's cached value with levxl's own recalc (:func:`levxl.recalc.recalc_workbook`) so numbers show before the
functions are imported, and removes openpyxl's ``fullCalcOnLoad`` flag (Excel would otherwise recalculate on open and
show ``#NAME?`` until Import Functions has run; for the same reason ``calcId`` is set to current Excel's).
Tables returned by one call (scenario grids, tiers, account liquidation prices) are one ``INDEX(call, i, j)`` per cell
by default, because LibreOffice 7.4 ignores cached values of array formulas (see :data:`SPILLS`).

Sheets, one module each: Start (:mod:`.start`), Calculator (:mod:`.calculator`), Positions (:mod:`.positions`),
Scenarios (:mod:`.scenarios`), Tiers (:mod:`.tiers`), Functions (:mod:`.functions`), xlwings.conf (:mod:`.conf`);
shared styles in :mod:`.styles`; the build in :mod:`.build`. No module keeps state between builds: the spill mode
is passed to the sheets that need it.

:func:`check_template` compares a committed template with a fresh build (sheet cells: formulas, types and values;
every other part byte for byte, the VBA project included; ``docProps/core.xml`` timestamps ignored).
CLI: ``levxl template [-o PATH] [--check]`` (:mod:`levxl.cli.template`).
"""

from __future__ import annotations

from levxl.workbooks.template.build import (DEFAULT_PATH, EXAMPLE_POSITIONS, SHEETS, SPILLS, build_template,
                                            quickstart_source)
from levxl.workbooks.template.check import check_template
from levxl.workbooks.template.functions import conventions
from levxl.workbooks.template.positions import ACCOUNT_MMR, MOVE_COLS, STRESS_MOVES, POS_COLS, POS_FIRST, RISK_COLS

__all__ = ["build_template", "check_template", "DEFAULT_PATH", "EXAMPLE_POSITIONS", "SPILLS", "SHEETS",
           "quickstart_source", "conventions", "POS_COLS", "RISK_COLS", "MOVE_COLS", "STRESS_MOVES", "POS_FIRST",
           "ACCOUNT_MMR"]
