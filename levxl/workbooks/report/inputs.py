"""The report's default inputs: scenario moves, leverages, stress days and flag thresholds (every one is an input
cell in the workbook, so a recipient can change it)."""

from __future__ import annotations

__all__ = ["MOVES", "LEVERAGES", "STRESS_DAYS", "SCENARIO_MOVE", "FUNDING_CAP", "FUNDING_STRESS_DAYS",
           "VOL_MULTIPLIER", "RED", "AMBER"]

MOVES = (-0.5, -0.4, -0.3, -0.2, -0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
"""Price moves of the Scenarios heatmap, fractions of each position's mark (editable in the workbook)."""

LEVERAGES = (1, 2, 3, 5, 10, 20, 25, 50, 75, 100, 125)
"""Leverages of the move x leverage grid for the largest position."""

STRESS_DAYS = (
    ("12 Mar 2020 'Black Thursday'", -0.50,
     "BTC fell about 50% from the 12 Mar high to the 13 Mar BitMEX low (approx.)"),
    ("19 May 2021 China mining ban", -0.30, "BTC about -30% intraday, 43k to 30k (approx.)"),
    ("8-9 Nov 2022 FTX collapse", -0.26, "BTC about -26% over two days, 21k to 15.7k (approx.)"),
    ("10 Oct 2025 tariff crash", -0.15,
     "BTC about -12% on the main indices (122k to 107k), about -15% or more on some venues; alts -20% to -70%; "
     "about $19bn liquidated (Coinglass) (approx.)"),
)
"""Named historical days: (name, BTC move applied to every position's mark, note)."""

SCENARIO_MOVE = -0.10  #: the Summary's scenario move of every mark (an input cell)
FUNDING_CAP = 0.0075  #: per 8 h: OKX's default cap and the high end of Binance/Bybit caps
FUNDING_STRESS_DAYS = 3.0  #: days the funding spike lasts
VOL_MULTIPLIER = 2.0  #: the vol shock
RED, AMBER = 0.05, 0.10  #: flag thresholds on the distance to liquidation
