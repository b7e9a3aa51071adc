"""The Methodology sheet: conventions and formulas in words, the stresses, and the maintenance tier tables the
Positions sheet looks the tier at the mark up in (their ranges are :meth:`MethodologyLayout.tier_ranges`)."""

from __future__ import annotations

import math

from levxl.book.figures import RiskTable
from levxl.workbooks.report.cells import HEADER, LABEL, NOTE, SECTION, TEXT, TITLE, WRAP, SheetSpec, number
from levxl.book.stresses import DEFAULT_BETA, MOVE_FLOOR
from levxl.workbooks.report.inputs import STRESSES
from levxl.workbooks.report.layout import Layout

__all__ = ["methodology_sheet"]

_LINES = (
    ("Conventions", None),
    ("Units", "Size: base coin (linear) or USD face value (inverse). Amounts in each position's margin "
              "currency (quote for linear, coin for inverse) unless marked USD; coin amounts are converted "
              "to USD at the mark (at the moved price in scenarios). Moves and rates are fractions."),
    ("Liquidation price", "Isolated margin, with each venue's conventions: M + PnL(P) = mmr·value(B) − cum "
                          "+ fee·value(P), B the price where the venue measures maintenance (the liquidation "
                          "price; the entry at Bybit and at KuCoin before 2025-05-22), fee its taker rate where it sits inside the "
                          "threshold (OKX, Gate, Bitget; 0 elsewhere; hidden helper column on Positions). At the "
                          "liquidation price, linear: LP = max(0, (M/q + cum/q − s·EP)/(mmr + fee − s)); "
                          "inverse: LP = Q(mmr + fee + s)/(M + cum + s·Q/EP), 'none' for a short no price "
                          "liquidates. s = +1 long, −1 short. A Bybit position margin given holds the fee to "
                          "close at the bankruptcy price: the isolated margin shown is net of it. Where the input "
                          "gives the instrument's tick (hidden helper column), the liquidation and bankruptcy "
                          "prices are on that tick as the venue shows them (KuCoin: a long's liquidation price "
                          "up, its bankruptcy price down; OKX: one tick toward the mark from the formula; unknown venue: "
                          "toward the entry); the formula's prices are in the helpers beside it."),
    ("Cross margin", "A cross position's M is its account's margin for it, wallet − the other positions' MM + "
                     "their uPnL at their marks (Binance's cross formula; Reconciliation says how), each MM where "
                     "its venue measures it (Bybit: the entry value) plus the fee its venue puts inside the "
                     "threshold (OKX), so at the marks every position of an account is liquidated or none; live: the "
                     "account's wallet less fees to close plus the others' rooms at their marks (hidden helpers on "
                     "Stress detail), so a mark edited moves every price of its account. Fixed at report time: "
                     "Bybit's fees to close (at each bankruptcy price) and a cross account's moves in the ladder and "
                     "the liquidation map (found at the report's marks and betas: run the report again after "
                     "editing them). It may be 0 "
                     "or negative in a hedged account: the price is still the root of the equation, a long's "
                     "above its entry and a short's below, alive only while the mark stays beyond it; its "
                     "effective leverage, funding as a share of margin and size to cut are then n/a. Where no "
                     "price keeps it above maintenance (its account is past liquidation) it is n/a, and "
                     "Reconciliation says why."),
    ("Cross accounts", "Each cross position's M holds the whole wallet, so no total sums M: the equity counts "
                       "each account's wallet once (Positions' hidden 'Margin in equity': the wallet shared by "
                       "notional at the marks). In the scenarios and stresses every mark moves at once, so an "
                       "account is liquidated as a whole where its wallet, less the fees to close it pays, plus "
                       "its positions' PnL at the moved marks falls to their maintenance where the venue measures "
                       "it plus the fee inside the threshold (hidden 'room' helpers); it then loses its wallet "
                       "once, each position its share. A one-position account is liquidated exactly past its own "
                       "price; a position's own price holds the others at their marks."),
    ("Tiers (frozen)", "mmr and cum are those of the tier at the liquidation price, found by the engine at "
                       "report time and written as constants beside each position (hidden helper columns "
                       "on Positions). The liquidation price depends on entry, size and margin, not on the "
                       "mark, so changing a mark keeps it exact; changing size or entry may need another "
                       "tier: run the report again. The tier at the mark (maintenance margin) is looked up "
                       "live in the tables below."),
    ("Bankruptcy price", "The same equation with mmr = cum = 0: where the isolated margin is exhausted."),
    ("Distance to liquidation", "s·(mark − LP)/mark: the adverse move of the mark (longs: a fall, shorts: "
                                "a rise), a fraction of the mark, the same in levxl risk, the template and "
                                "the functions. Positive: that far to go; 0 or below: the mark is at or past "
                                "the liquidation price (status LIQUIDATED). σ-days: the log distance "
                                "s·ln(mark/LP) over the one-day volatility vol·√(1/365): how many typical "
                                "days' moves away the liquidation price is."),
    ("Status", "LIQUIDATED: distance ≤ 0; RED: below the RED input; AMBER: below the AMBER input; GREEN: "
               "further, or no price liquidates it; n/a: an option, or a position levxl cannot recompute."),
    ("Margin to add / size to cut", "What brings a position back to the target distance (Summary input): "
                                    "margin M* − M with M* = mmr·value(B) − cum − PnL(LP*) at LP* = "
                                    "mark·(1 − s·target), the tier of the notional there looked up live; or "
                                    "the size to close keeping the whole margin on the rest, q = (M + cum)/"
                                    "(mmr·v(B) − pnl(LP*)) per unit, the tier of the size left found at "
                                    "report time."),
    ("Probability of liquidation", "The mark follows a driftless geometric Brownian motion with the "
                                   "annualised vol; P(touch LP within T) = N(s(b + v²T/2)/(v√T)) + "
                                   "(mark/LP)·N(s(b − v²T/2)/(v√T)), b = ln(LP/mark), T = days/365 "
                                   "(reflection principle). 'n/a: no vol' without a vol."),
    ("Unrealised PnL", "Linear s·q·(mark − EP); inverse s·Q·(1/EP − 1/mark) (coin)."),
    ("Funding", "Cash flow per day = −s·notional·rate·24/h, the rate per the position's funding interval of h "
                "hours (Positions: the input's interval, or the one a header names, else the venue's for the "
                "symbol: Hyperliquid and dYdX 1 h, a fetched per-symbol interval, else 8 h; positive rate: longs "
                "pay). Annualised ×365. Projected at the current rate; rates change every interval."),
    ("Scenarios", "Moves are fractions of each mark. A position whose price path from the mark reaches its "
                  "liquidation price loses its isolated margin and no more (the loss beyond the bankruptcy "
                  "price falls on the venue); a mark already past it has lost the margin. PnL is from "
                  "entry; 'change vs now' subtracts the PnL at the mark now."),
    ("Stress", "Adverse: every mark moves against its own position at once (longs fall, shorts rise, an "
               "option the way its delta loses). Market: BTC moves and every asset by its beta (Stress "
               f"sheet inputs; {DEFAULT_BETA:g} for an asset not listed), moved prices floored at "
               f"{MOVE_FLOOR:.0%}: historical days with their fall and their rebound, and a short squeeze "
               "(assets the book is net short rise by beta × the move, the others stay). Funding spike: "
               "every position pays the capped rate. Vol shock: expected counts and losses from the "
               "first-passage probability at the shocked vol. Liquidation map: notional liquidated in "
               "each bucket of the BTC move, longs on the falls and shorts on the rises."),
    ("Not included", "A cross position's own price beyond that formula (the other positions stay at "
                     "their marks; the scenarios, stresses, ladder and map move them all), liquidation fees and "
                     "slippage beyond the venue's threshold, insurance fund and auto-deleveraging, basis between mark and last price, "
                     "correlation beyond one beta per asset, options (none in the "
                     "input), mark-price smoothing and liquidation in stages."),
    ("Live cells", "Marks, vols, the adverse move, flag thresholds and target distance (Summary), the heatmap moves and "
                   "the leverages (Scenarios), the stress moves and betas (Stress) are inputs (blue). Every figure "
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



def _decimals(values) -> int:
    """The fewest decimals (up to 6) that show every finite boundary exactly: OKX's BTC size floors step by
    0.0001 BTC (0.01 contract x 0.01 BTC), so 10.0001 must not read 10.00, the cap of the tier before."""
    finite = [v for v in values if math.isfinite(v)]
    return next((d for d in range(7) if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in finite)), 6)


def _tiers(sheet: SheetSpec, lay: Layout) -> None:
    M = lay.methodology
    sheet.string(M.tier_start - 1, 1, "Maintenance tier tables the positions use (shipped or fetched)", SECTION)
    for name, table, r0, head, first in M.tiers:
        sheet.string(r0, 1, f"{name}", LABEL)
        by_size = table.counted_by == "size"
        sheet.string(r0, 2, f"as of {table.as_of or 'unknown'}" + (
            "; tiers counted by position size (coin, or USD face if inverse), the tier's rate on the whole position"
            if by_size else ""), TEXT)
        for k, h in enumerate(("Tier", "Floor (size)" if by_size else "Floor (notional)", "Cap", "Max leverage",
                               "MMR", "Cum")):
            sheet.string(head, 1 + k, h, HEADER)
        rows = table.rows()
        bound = number("num", _decimals([v for row in rows for v in row[1:3]]))
        leverage = number("num", _decimals([row[3] for row in rows]))  # OKX's 66.66x must not read 67x
        for k, (tier, floor, cap, lev, mmr, cum) in enumerate(rows):
            rr = first + k
            sheet.number(rr, 1, tier, number("int"))
            sheet.number(rr, 2, floor, bound)
            if math.isfinite(cap):
                sheet.number(rr, 3, cap, bound)
            else:
                sheet.string(rr, 3, "no cap", TEXT)
            sheet.number(rr, 4, lev, leverage)
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
    for first, last, width in ((0, 0, 3), (1, 1, 38), (2, 7, 14), (8, 8, 40)):
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
    sheet.string(r, 1, "Stresses (historical moves approx.)", SECTION)
    r += 1
    for stress in STRESSES:
        sheet.string(r, 1, stress.name, LABEL)
        sheet.number(r, 2, stress.move, number("pct", 0))
        sheet.merge(r, 3, r, 8, WRAP)
        sheet.string(r, 3, f"{stress.kind}: {stress.note}", WRAP)
        r += 1
    if r >= lay.methodology.tier_start - 1:  # pragma: no cover - a longer text needs a later tier_start
        raise RuntimeError("methodology text overflows the tier tables")
    _tiers(sheet, lay)
    if lay.methodology.tiers:  # the tier tables start on a page of their own (not a table cut after its 6th row)
        sheet.feature("set_h_pagebreaks", [lay.methodology.tier_start - 1])
    sheet.page("Methodology", as_of)
    return sheet
