"""The Summary sheet: report info, the book's figures (live sums over Positions), the inputs (scenario move, flag
thresholds, marks and vols by instrument) and, for a book with options, the option book's lines."""

from __future__ import annotations

import numpy as np

import levxl
from levxl.book.figures import RiskTable, pnl_usd_after_mark_move
from levxl.workbooks.report.cells import (AMBER, GREEN, HEADER, LABEL, NOTE, RED, SECTION, SUBTITLE, TEXT, TITLE,
                                          SheetSpec, cached, col, number, price_digits)
from levxl.workbooks.report.inputs import AMBER as AMBER_AT, RED as RED_AT, SCENARIO_MOVE
from levxl.workbooks.report.layout import Layout
from levxl.workbooks.report.rows import report_flags
from levxl.workbooks.report.tier_tables import STATUS_TEXT

__all__ = ["summary_sheet"]


def _book_rows(t: RiskTable, lay: Layout) -> list[tuple]:
    """(key, label, formula, cached, style) of the book figures."""
    P, S = lay.positions, lay.summary
    fx, dist, usd = P.range("fx"), P.range("dist"), number("usd")
    equity = float(np.nansum(t.margin * t.fx)) + float(np.sum(t.upnl_usd))
    finite = t.distance[np.isfinite(t.distance)]
    worst = float(finite.min()) if finite.size else float("nan")
    gross = float(np.nansum(t.notional_usd))
    red_in, amber_in = S.a1(S.red_row), S.a1(S.amber_row)
    return [
        ("equity", "Equity (USD): isolated margin + unrealised PnL",
         f"=SUMPRODUCT({P.range('margin')},{fx})+SUM({P.range('upnl_usd')})", equity, usd),
        ("upnl", "  of which unrealised PnL (USD)", f"=SUM({P.range('upnl_usd')})", float(np.sum(t.upnl_usd)), usd),
        ("gross", "Gross notional (USD)", f"=SUM({P.range('notional_usd')})", gross, usd),
        ("net", "Net notional (USD, long - short)", f"=SUMPRODUCT({P.range('s')},{P.range('notional_usd')})",
         float(np.nansum(t.side * t.notional_usd)), usd),
        ("leverage", "Effective leverage (gross / equity)",
         f'=IF({S.cell("equity")}<=0,"",{S.cell("gross")}/{S.cell("equity")})', gross / equity if equity > 0 else "",
         number("num", 2)),
        ("worst", "Worst distance to liquidation", f'=IF(COUNT({dist})=0,"none",MIN({dist}))', cached(worst),
         number("pct", 2)),
        ("worst_position", "  position (input row)", None, None, TEXT),
        ("within_red", f"Positions within {RED_AT:.0%} of liquidation", f'=COUNTIF({dist},"<"&{red_in})',
         t.count_within(RED_AT), number("int")),
        ("within_amber", f"Positions within {AMBER_AT:.0%} of liquidation", f'=COUNTIF({dist},"<"&{amber_in})',
         t.count_within(AMBER_AT), number("int")),
        ("flags", "Flags: RED / AMBER / GREEN", None, None, None),
        ("funding", "Funding per day (USD, + = received)", f"=SUMPRODUCT({P.range('fund_day')},{fx})",
         float(np.sum(t.funding_per_day_usd)), usd),
        ("expected_liquidations", "Expected liquidations within 7 days (Σ P)", f"=SUM({P.range('p7')})",
         float(np.nansum(t.prob_7d)), number("num", 2)),
        ("scenario_pnl", "PnL at the scenario move below (USD)", f"={lay.stress.total_ref(lay.stress.scenario_move_row)}",
         float(pnl_usd_after_mark_move(t.book, [SCENARIO_MOVE])[0][:, -1].sum()), usd),
    ]


def _worst_position(t: RiskTable, lay: Layout) -> tuple[str, str]:
    P, S = lay.positions, lay.summary
    dist, w = P.range("dist"), S.cell("worst")
    i = t.closest()
    shown = f"{t.book.row[i]}: {t.book.venue[i]} {t.book.symbol[i]}" if i is not None else ""
    match = f"MATCH({w},{dist},0)"
    formula = (f'=IF(ISNUMBER({w}),INDEX({P.range("row")},{match})&": "&INDEX({P.range("venue")},{match})&" "&'
               f'INDEX({P.range("symbol")},{match}),"")')
    return formula, shown


def _book(sheet: SheetSpec, t: RiskTable, lay: Layout) -> None:
    S = lay.summary
    sheet.string(S.book_section, 1, "Book", SECTION)
    flags = report_flags(t, RED_AT, AMBER_AT)
    for key, label, formula, value, style in _book_rows(t, lay):
        r0 = S.row(key)
        sheet.string(r0, 1, label, LABEL if not label.startswith("  ") else TEXT)
        if key == "worst_position":
            formula, value = _worst_position(t, lay)
            sheet.formula(r0, S.value_col, formula, TEXT, value)
        elif key == "flags":
            for j, (word, fmt) in enumerate((("RED", RED), ("AMBER", AMBER), ("GREEN", GREEN))):
                sheet.formula(r0, S.value_col + j, f'=COUNTIF({lay.positions.range("flag")},"{word}")', fmt,
                              flags.count(word))
        else:
            sheet.formula(r0, S.value_col, formula, style, value)


def _tiers(sheet: SheetSpec, lay: Layout, statuses: list[str], n_limits: int) -> None:
    """One line: stale and missing tier tables and tier-limit breaches, counted live on the Tier tables sheet."""
    S, T = lay.summary, lay.tier_tables
    r0 = S.tiers_row
    sheet.string(r0, 1, "Tier tables: STALE / MISSING / tier-limit breaches", LABEL)
    rng = T.status_range()
    for j, word in enumerate(("stale", "missing")):
        text = STATUS_TEXT[word]
        count = sum(1 for s in statuses if s == word)
        sheet.formula(r0, S.value_col + j, f'=COUNTIF({rng},"{text}")', AMBER if count else number("int"), count)
    c = col(T.limit_col("row"))
    limits = f"'Tier tables'!${c}${T.limits_first + 1}:${c}${T.limits_first + max(n_limits, 1)}"
    sheet.formula(r0, S.value_col + 2, f"=COUNT({limits})", RED if n_limits else number("int"), n_limits)
    sheet.string(r0, S.value_col + 3, "see sheet 'Tier tables'", TEXT)


def _inputs(sheet: SheetSpec, lay: Layout) -> None:
    S = lay.summary
    sheet.string(S.inputs_section, 1, "Inputs (blue cells: change them, the workbook recalculates)", SECTION)
    sheet.string(S.move_row, 1, "Scenario move of every mark", LABEL)
    sheet.number(S.move_row, 2, SCENARIO_MOVE, number("pct", 1, inp=True))
    sheet.string(S.move_row, 3, "used on Stress ('Scenario move') and above", SUBTITLE)
    sheet.string(S.red_row, 1, "RED flag: distance to liquidation below", LABEL)
    sheet.number(S.red_row, 2, RED_AT, number("pct", 1, inp=True))
    sheet.string(S.amber_row, 1, "AMBER flag: distance to liquidation below", LABEL)
    sheet.number(S.amber_row, 2, AMBER_AT, number("pct", 1, inp=True))


def _market(sheet: SheetSpec, lay: Layout) -> None:
    S = lay.summary
    sheet.string(S.market_section, 1, "Market inputs: marks and volatilities by instrument", SECTION)
    sheet.string(S.market_section + 1, 1, "Each position's mark and vol on Positions point here; amounts follow.",
                 SUBTITLE)
    for k, head in enumerate(("Venue", "Symbol", "Contract", "Mark", "Vol (ann.)", "Positions")):
        sheet.string(S.market_header, 1 + k, head, HEADER)
    counts = np.bincount(np.asarray(S.instrument_of, dtype=int), minlength=len(S.instruments)) \
        if S.instrument_of else []
    for k, (venue, symbol, contract, mark, vol) in enumerate(S.instruments):
        r0 = S.market_first + k
        sheet.string(r0, 1, venue, TEXT)
        sheet.string(r0, 2, symbol, TEXT)
        sheet.string(r0, 3, contract, TEXT)
        sheet.number(r0, S.mark_col, mark, number("price", price_digits(mark), inp=True))
        if vol is None:
            sheet.blank(r0, S.vol_col, number("pct", 1, inp=True))
        else:
            sheet.number(r0, S.vol_col, vol, number("pct", 1, inp=True))
        sheet.number(r0, 6, int(counts[k]), number("int"))


OPTION_LINES = ("Option positions", "Value of the options held (USD, s·size·value)",
                "Net delta (coin-equivalents, Σ over all underlyings)", "Net delta (USD, delta × mark)",
                "Vega (USD per vol point)", "Theta (USD per day, + = earned)")
"""Labels of the option book lines, one row each below :attr:`SummaryLayout.option_section`."""


def _options(sheet: SheetSpec, t: RiskTable, lay: Layout) -> None:
    """Option book lines (live: sums of the Positions greeks converted to USD at the mark)."""
    P, r = lay.positions, lay.summary.option_section
    fig, book = t.options, t.book
    i = fig.idx
    fx, mark = t.fx[i], book.mark[i]
    sheet.string(r, 1, "Option book (Black-76 on the mark, rate 0; see Positions and Methodology)", SECTION)
    fxr = P.range("fx")
    rows = [
        (f'=COUNTIF({P.range("kind")},"option")', len(i), number("int")),
        (f"=SUMPRODUCT({P.range('s')},{P.range('size')},{P.range('oval')},{fxr})",
         float(np.sum(fig.position_value_usd)), number("usd")),
        (f"=SUM({P.range('delta')})", float(np.sum(fig.delta)), number("num", 4)),
        (f"=SUMPRODUCT({P.range('delta')},{P.range('mark')})", float(np.sum(fig.delta * mark)), number("usd")),
        (f"=SUMPRODUCT({P.range('vega')},{fxr})", float(np.sum(fig.vega * fx)), number("usd")),
        (f"=SUMPRODUCT({P.range('theta')},{fxr})", float(np.sum(fig.theta_usd)), number("usd")),
    ]
    for k, (label, (formula, val, fmt)) in enumerate(zip(OPTION_LINES, rows)):
        sheet.string(r + 1 + k, 1, label, LABEL)
        sheet.formula(r + 1 + k, 2, formula, fmt, val)
    end = r + 1 + len(rows)
    sheet.merge(end, 1, end, 7, NOTE)
    sheet.string(end, 1, "Options are not liquidated by the futures formulas: they are left out of the liquidation "
                         "figures, flags and ladder. Their 'mark' above is the underlying's price, their vol the "
                         "implied vol.", NOTE)


def summary_sheet(t: RiskTable, lay: Layout, as_of: str, source: str, sha: str, n_issues: int,
                  tier_statuses: list[str] | None = None, n_limits: int = 0) -> SheetSpec:
    """The Summary sheet.

    Parameters
    ----------
    t : RiskTable
        The book's figures.
    lay : Layout
        The report's anchors.
    as_of : str
        The report's timestamp.
    source, sha : str
        Input file name and its SHA-256 (shown as report info).
    n_issues : int
        Input issues (refused rows and unusable marks).
    tier_statuses : list of str, optional
        Each position's tier-table status ("ok", "stale", "missing", "n/a": Tier tables); with ``n_limits`` (the
        tier-limit breaches) the line counting them (none without).

    Returns
    -------
    SheetSpec
    """
    sheet = SheetSpec("Summary")
    for first, last, width in ((0, 0, 2), (1, 1, 44), (2, 2, 18), (3, 3, 14), (4, 6, 13), (7, 7, 40)):
        sheet.column(first, last, width)
    sheet.string(0, 1, "Leverage risk report", TITLE)
    sheet.string(1, 1, f"{source or 'book'}: {len(t)} positions, {n_issues} input issue(s)", SUBTITLE)
    info = [("As of", as_of), ("levxl version", levxl.__version__), ("Input file", source or "(in memory)"),
            ("Input SHA-256", sha or "(n/a)")]
    sheet.string(3, 1, "Report", SECTION)
    for k, (lab, val) in enumerate(info):
        sheet.string(4 + k, 1, lab, LABEL)
        sheet.string(4 + k, 2, val, TEXT)
    _book(sheet, t, lay)
    if tier_statuses is not None and lay.tier_tables is not None:
        _tiers(sheet, lay, tier_statuses, n_limits)
    _inputs(sheet, lay)
    _market(sheet, lay)
    if t.any_options:
        _options(sheet, t, lay)
    sheet.string(8, 6, "Flags", SECTION)  # the legend
    for r0, word, fmt, text in ((9, "RED", RED, "distance to liquidation below the RED input"),
                                (10, "AMBER", AMBER, "below the AMBER input"), (11, "GREEN", GREEN, "otherwise")):
        sheet.string(r0, 6, word, fmt)
        sheet.string(r0, 7, text, TEXT)
    sheet.page("Summary", as_of)
    sheet.feature("activate")
    return sheet
