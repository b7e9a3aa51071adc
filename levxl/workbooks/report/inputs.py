"""The report's default inputs: scenario moves, leverages, stresses (:mod:`levxl.book.stresses`), flag thresholds
and the target distance (every one is an input cell in the workbook, so a recipient can change it)."""

from __future__ import annotations

from levxl.book.figures import TARGET_DISTANCE as FIGURES_TARGET
from levxl.book.stresses import ADVERSE_MOVES, STRESSES

__all__ = ["MOVES", "LEVERAGES", "STRESSES", "ADVERSE_MOVE", "TARGET_DISTANCE", "FUNDING_CAP", "FUNDING_STRESS_DAYS",
           "VOL_MULTIPLIER", "RED", "AMBER"]

MOVES = (-0.5, -0.4, -0.3, -0.2, -0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
"""Price moves of the Scenarios heatmap, fractions of each position's mark (editable in the workbook)."""

LEVERAGES = (1, 2, 3, 5, 10, 20, 25, 50, 75, 100, 125)
"""Leverages of the move x leverage grid for the largest position."""

ADVERSE_MOVE = ADVERSE_MOVES[0]  #: the Summary's adverse move of every mark (an input cell): the first stress
TARGET_DISTANCE = FIGURES_TARGET  #: target distance of the margin-to-add and size-to-cut columns (an input cell)
FUNDING_CAP = 0.0075  #: per 8 h: OKX's default cap and the high end of Binance/Bybit caps
FUNDING_STRESS_DAYS = 3.0  #: days the funding spike lasts
VOL_MULTIPLIER = 2.0  #: the vol shock
RED, AMBER = 0.05, 0.10  #: flag thresholds on the distance to liquidation
