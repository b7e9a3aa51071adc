"""The Methodology sheet: conventions and formulas in words, the stress days, and the maintenance tier tables the
Positions sheet looks the tier at the mark up in (their ranges are :meth:`MethodologyLayout.tier_ranges`)."""

from __future__ import annotations

import math

from levxl.book.figures import RiskTable
from levxl.workbooks.report.cells import HEADER, LABEL, NOTE, SECTION, TEXT, TITLE, WRAP, SheetSpec, number
from levxl.workbooks.report.inputs import STRESS_DAYS
from levxl.workbooks.report.layout import Layout

__all__ = ["methodology_sheet"]

_LINES = (
    ("Conventions", None),
    ("Units", "Size: base coin (linear) or USD face value (inverse). Amounts in each position's margin "
              "currency (quote for linear, coin for inverse) unless marked USD; coin amounts are converted "
              "to USD at the mark (at the moved price in scenarios). Moves and rates are fractions."),
    ("Liquidation price", "Isolated margin, maintenance measured at the liquidation price (Binance, "
                          "Hyperliquid, dYdX, OKX), no fee: M + PnL(P) = mmr·value(P) − cum. Linear: "
                          "LP = max(0, (M/q + cum/q − s·EP)/(mmr − s)); inverse: LP = Q(mmr + s)/(M + cum "
                          "+ s·Q/EP), 'none' for a short no price liquidates. s = +1 long, −1 short."),
    ("Tiers (frozen)", "mmr and cum are those of the tier at the liquidation price, found by the engine at "
                       "report time and written as constants beside each position (hidden helper columns "
                       "on Positions). The liquidation price depends on entry, size and margin, not on the "
                       "mark, so changing a mark keeps it exact; changing size or entry may need another "
                       "tier: run the report again. The tier at the mark (maintenance margin) is looked up "
                       "live in the tables below."),
    ("Bankruptcy price", "The same equation with mmr = cum = 0: where the isolated margin is exhausted."),
    ("Distance to liquidation", "s·(mark − LP)/mark: the adverse move of the mark, fraction of the mark. "
                                "σ-days: the log distance s·ln(mark/LP) over the one-day volatility "
                                "vol·√(1/365)."),
    ("Probability of liquidation", "The mark follows a driftless geometric Brownian motion with the "
                                   "annualised vol; P(touch LP within T) = N(s(b + v²T/2)/(v√T)) + "
                                   "(mark/LP)·N(s(b − v²T/2)/(v√T)), b = ln(LP/mark), T = days/365 "
                                   "(reflection principle). Blank without a vol."),
    ("Unrealised PnL", "Linear s·q·(mark − EP); inverse s·Q·(1/EP − 1/mark) (coin)."),
    ("Funding", "Cash flow per day = −s·notional·rate·3 (8-hour intervals; positive rate: longs pay). "
                "Annualised ×365. Projected at the current rate; rates change every interval."),
    ("Scenarios", "Every mark moves by the same fraction; a position beyond its liquidation price loses "
                  "its isolated margin and no more (the loss beyond the bankruptcy price falls on the "
                  "venue). PnL is from entry; 'change vs now' subtracts today's uPnL."),
    ("Stress", "Historical days apply BTC's approximate move to every position (alts usually fell more). "
               "Funding spike: every position pays the capped rate. Vol shock: expected counts and losses "
               "from the first-passage probability at the shocked vol."),
    ("Not included", "Cross-margin accounts (every position is treated as isolated), fees and slippage on "
                     "liquidation, insurance fund and auto-deleveraging, basis between mark and last price, "
                     "correlation between assets (one move applies to every mark), options (none in the "
                     "input), mark-price smoothing and liquidation in stages."),
    ("Live cells", "Marks, vols, the scenario move and flag thresholds (Summary), the heatmap moves and "
                   "the leverages (Scenarios), the stress shocks (Stress) are inputs (blue). Every figure "
                   "that depends on them is a plain spreadsheet formula with the engine's value cached."),
)


def _option_lines(lines: list) -> list:
    """The lines of a book with options: the model and the risk of options, and what is not included."""
    lines = list(lines)
    k = next(j for j, (h, _) in enumerate(lines) if h == "Not included")
    lines[k] = ("Not included", lines[k][1].replace("options (none in the input), ", "option margin "
                                                    "(an option's premium and margin are not in equity; its "
                                                    "uPnL is), the volatility smile and its moves, "))
    lines[k:k] = [
        ("Options (model)", "Black-76 with the mark as the forward and rate 0 (Deribit prices on the "
                            "forward): V = w·(F·N(w·d1) − K·N(w·d2)), d1 = ln(F/K)/(σ√T) + σ√T/2, "
                            "d2 = d1 − σ√T, T = days to expiry/365, w = +1 call, −1 put; at expiry or zero "
                            "vol the payoff. Coin-settled (inverse, Deribit): value in coin = V/F, delta "
                            "premium-adjusted (N(w·d1)·w − V/F), gamma, vega, theta / F. Greeks per option × "
                            "s × size: delta in coins, gamma per $1, vega per vol point, theta per calendar "
                            "day. Native formulas on the live mark and vol (engine: levxl.engine.options)."),
        ("Options (risk)", "Options are not liquidated by the futures formulas: liquidation, bankruptcy, "
                           "tier and distance read 'n/a' and they are left out of the ladder, flags and "
                           "liquidation counts; no funding. Scenario PnL s·size·(V(mark·(1+move)) − premium) "
                           "at the same vol and days, coin converted at the moved price. Move × vol grid "
                           "(Scenarios): PnL vs now over moves ±16% in 4% steps × absolute vol shifts "
                           "−10/0/+10 points (Deribit portfolio margin style). Decay: value lost to 7 and 30 "
                           "fewer days, all else equal."),
    ]
    return lines



def _tiers(sheet: SheetSpec, lay: Layout) -> None:
    M = lay.methodology
    sheet.string(M.tier_start - 1, 1, "Maintenance tier tables (as shipped with levxl)", SECTION)
    for name, table, r0, head, first in M.tiers:
        sheet.string(r0, 1, f"{name}", LABEL)
        sheet.string(r0, 2, f"as of {table.as_of or 'unknown'}", TEXT)
        for k, h in enumerate(("Tier", "Floor (notional)", "Cap", "Max leverage", "MMR", "Cum")):
            sheet.string(head, 1 + k, h, HEADER)
        for k, (tier, floor, cap, lev, mmr, cum) in enumerate(table.rows()):
            rr = first + k
            sheet.number(rr, 1, tier, number("int"))
            sheet.number(rr, 2, floor, number("num", 0))
            if math.isfinite(cap):
                sheet.number(rr, 3, cap, number("num", 0))
            else:
                sheet.string(rr, 3, "no cap", TEXT)
            sheet.number(rr, 4, lev, number("num", 0))
            sheet.number(rr, 5, mmr, number("rate"))
            sheet.number(rr, 6, cum, number("num", 2))
    if not M.tiers:
        sheet.string(M.tier_start, 1, "No tier presets in this book: flat maintenance rates only.", NOTE)


def methodology_sheet(t: RiskTable, lay: Layout, as_of: str) -> SheetSpec:
    """The Methodology sheet.

    Parameters
    ----------
    t : RiskTable
        The book's figures (whether it holds options).
    lay : Layout
        The report's anchors (:attr:`Layout.methodology`: the tier tables).
    as_of : str
        The report's timestamp.

    Returns
    -------
    SheetSpec
    """
    sheet = SheetSpec("Methodology")
    for first, last, width in ((0, 0, 3), (1, 1, 30), (2, 7, 14), (8, 8, 40)):
        sheet.column(first, last, width)
    sheet.string(0, 1, "Methodology", TITLE)
    r = 2
    for head, text in (_option_lines(_LINES) if t.any_options else _LINES):
        if text is None:
            sheet.string(r, 1, head, SECTION)
        else:
            sheet.string(r, 1, head, LABEL)
            sheet.merge(r, 2, r, 8, WRAP)
            sheet.string(r, 2, text, WRAP)
            sheet.row_height(r, 15 * max(1, math.ceil(len(text) / 120)))
        r += 1
    r += 1
    sheet.string(r, 1, "Stress days (approx.)", SECTION)
    r += 1
    for name, move, note in STRESS_DAYS:
        sheet.string(r, 1, name, LABEL)
        sheet.number(r, 2, move, number("pct", 0))
        sheet.merge(r, 3, r, 8, WRAP)
        sheet.string(r, 3, note, WRAP)
        r += 1
    if r >= lay.methodology.tier_start - 1:  # pragma: no cover - a longer text needs a later tier_start
        raise RuntimeError("methodology text overflows the tier tables")
    _tiers(sheet, lay)
    if lay.methodology.tiers:  # the tier tables start on a page of their own (not a table cut after its 6th row)
        sheet.feature("set_h_pagebreaks", [lay.methodology.tier_start - 1])
    sheet.page("Methodology", as_of)
    return sheet
