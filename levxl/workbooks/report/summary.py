"""The Summary sheet, read in ten seconds: headline figures (statuses, the nearest liquidation, the worst stress,
the adverse move, the margin that brings every position to the target distance, expected liquidations), the
positions closest to liquidation, a chart of the change by stress and the book's liquidation map; then report
info, the book's figures (live sums over Positions), the inputs (adverse move, flag thresholds, target distance,
marks and vols by instrument) and, for a book with options, the option book's lines."""

from __future__ import annotations

import math

import numpy as np

import levxl
from levxl.book.figures import DistanceFixes, RiskTable
from levxl.book.positions import FLAT_BOOK
from levxl.book.stresses import StressResult
from levxl.workbooks.report import formulas
from levxl.workbooks.report.cells import (AMBER, HEADER, LABEL, NOTE, RED, SECTION, STATUS_STYLES, SUBTITLE, TEXT,
                                          TITLE, SheetSpec, cached, col, number,
                                          shown_price_digits, tick_digits)
from levxl.workbooks.report.inputs import ADVERSE_MOVE, AMBER as AMBER_AT, RED as RED_AT, TARGET_DISTANCE
from levxl.workbooks.report.layout import WORST_N, Layout
from levxl.workbooks.report.rows import side_text, size_style
from levxl.workbooks.report.tier_tables import STATUS_TEXT

__all__ = ["summary_sheet"]


def _book_rows(t: RiskTable, lay: Layout) -> list[tuple]:
    """(key, label, formula, cached, style) of the book figures."""
    P, S = lay.positions, lay.summary
    fx, usd = P.range("fx"), number("usd")
    # a position levxl cannot recompute (cross without its wallet, mode unknown) has no margin on Positions ("n/a":
    # the book's is a stand-in), so the book's equity is unknown, not the others' alone
    n_unknown = int(np.sum(~t.option & ~t.book.recomputable))
    unknown = f'COUNTIF({P.range("flag")},"n/a")-{int(np.sum(t.option))}'
    equity = t.equity_usd() if not n_unknown else "n/a"
    gross = float(np.nansum(t.notional_usd))
    eq = S.cell("equity")
    return [
        # a cross account's wallet once (the margin in equity, shared by its positions), never once per position
        ("equity", "Equity (USD): margins + cross wallets + uPnL",
         f'=IF({unknown}>0,"n/a",SUMPRODUCT({P.range("eq_margin" if t.has_cross else "margin")},{fx})'
         f'+SUM({P.range("upnl_usd")}))', equity, usd),
        ("upnl", "  of which unrealised PnL (USD)", f"=SUM({P.range('upnl_usd')})", float(np.sum(t.upnl_usd)), usd),
        ("gross", "Gross notional (USD)", f"=SUM({P.range('notional_usd')})", gross, usd),
        ("net", "Net notional (USD, long - short)", f"=SUMPRODUCT({P.range('s')},{P.range('notional_usd')})",
         float(np.nansum(t.side * t.notional_usd)), usd),
        ("leverage", "Effective leverage (gross / equity)",
         f'=IF(ISNUMBER({eq}),IF({eq}<=0,"",{S.cell("gross")}/{eq}),"n/a")',
         "n/a" if isinstance(equity, str) else gross / equity if equity > 0 else "", number("num", 2)),
        ("funding", "Funding per day (USD, + = received)", f"=SUMPRODUCT({P.range('fund_day')},{fx})",
         float(np.sum(t.funding_per_day_usd)), usd),
    ]


LABEL_CHARS = 120
"""Longest position label a Summary cell shows (a venue or symbol may be up to a cell's 32,767 characters)."""


def _position_text(P, i_expr: str) -> str:
    """A position's "row: venue symbol side" from the Positions columns at the index expression ``i_expr``."""
    return (f'LEFT(INDEX({P.range("row")},{i_expr})&": "&INDEX({P.range("venue")},{i_expr})&" "&'
            f'INDEX({P.range("symbol")},{i_expr})&" "&INDEX({P.range("side")},{i_expr}),{LABEL_CHARS})')


def _label(t: RiskTable, i: int) -> str:
    book = t.book
    return f"{book.row[i]}: {book.venue[i]} {book.symbol[i]} {side_text(t, i)}"[:LABEL_CHARS]


def _headline(sheet: SheetSpec, t: RiskTable, lay: Layout, res: StressResult, fixes: DistanceFixes) -> None:
    S, P, St = lay.summary, lay.positions, lay.stress
    v = S.value_col
    sheet.string(S.headline_section, 1, "Headline", SECTION)
    statuses = t.statuses(RED_AT, AMBER_AT)
    r0 = S.headline("status")
    sheet.string(r0, 1, "Positions " + " / ".join(word for word, _ in STATUS_STYLES), LABEL)
    for j, (word, fmt) in enumerate(STATUS_STYLES):
        sheet.formula(r0, v + j, f'=COUNTIF({P.range("flag")},"{word}")', fmt, statuses.count(word))
    errors = S.a1(r0, v + len(STATUS_STYLES) - 1)  # the ERROR count
    # positions levxl cannot recompute (a cross account without its wallet or with a refused row, a margin mode
    # the input does not give) are in none of the counts: status "n/a" like the options, which are not liquidated
    # by these formulas; the lines below say how many are left out, as for the rows in ERROR
    n_unknown = int(np.sum(~t.option & ~t.book.recomputable))
    unknown = f'(COUNTIF({P.range("flag")},"n/a")-{int(np.sum(t.option))})'
    unknown_text = " position(s) levxl cannot recompute left out"
    # nearest liquidation: over the positions with a distance; those in error are left out and counted, as the
    # engine refuses a bad row and counts it (never "none" while a position's distance is unknown)
    dist = P.range("dist")
    finite = np.where(np.isfinite(t.distance), t.distance, np.inf)
    i = t.closest()
    r0 = S.headline("nearest")
    sheet.string(r0, 1, "Nearest liquidation: distance (adverse move of the mark)", LABEL)
    sheet.formula(r0, v, f'=IF(COUNT({dist})=0,IF({errors}+{unknown}>0,"n/a","none"),_xlfn.AGGREGATE(5,6,{dist}))',
                  number("pct", 2), float(finite[i]) if i is not None else "n/a" if n_unknown else "none")
    match = f"MATCH({S.a1(r0)},{dist},0)"
    sheet.formula(r0, v + 1, f'=IF(ISNUMBER({S.a1(r0)}),{_position_text(P, match)},"")&IF({errors}>0,'
                             f'IF(ISNUMBER({S.a1(r0)}),"; ","")&{errors}&" position(s) in ERROR left out","")'
                             f'&IF({unknown}>0,IF(OR(ISNUMBER({S.a1(r0)}),{errors}>0),"; ","")&{unknown}&'
                             f'"{unknown_text}","")', TEXT,
                  "; ".join(x for x in (_label(t, i) if i is not None else "",
                                        f"{n_unknown}{unknown_text}" if n_unknown else "") if x))
    # worst stress
    r0 = S.headline("worst_stress")
    names = f"Stress!$B${St.first + 1}:$B${St.last_named + 1}"
    changes = f"Stress!$E${St.first + 1}:$E${St.last_named + 1}"
    k = int(np.argmin(res.change)) if len(res.change) else None
    sheet.string(r0, 1, "Worst stress: change vs now (USD)", LABEL)
    sheet.formula(r0, v, f"=MIN({changes})", number("usd"), float(res.change[k]) if k is not None else 0.0)
    # positions levxl cannot recompute are in every stress at their PnL, never liquidated (their loss is not
    # bounded by a margin levxl knows): said, as the equity's "n/a" and the nearest liquidation's count say
    stand_in = " position(s) levxl cannot recompute in it at their PnL, never liquidated"
    sheet.formula(r0, v + 1, f'=INDEX({names},MATCH({S.a1(r0)},{changes},0))&IF({unknown}>0,"; "&{unknown}&'
                             f'"{stand_in}","")', TEXT,
                  (res.stresses[k].name if k is not None else "") + (f"; {n_unknown}{stand_in}" if n_unknown else ""))
    # the adverse move
    r0 = S.headline("adverse")
    sheet.string(r0, 1, "Every mark against its position by the adverse move (input)", LABEL)
    sheet.formula(r0, v, f"={St.total_ref(St.first, 4)}", number("usd"), float(res.change[0]))
    sheet.formula(r0, v + 1, f'={St.total_ref(St.first, 5)}&" positions liquidated"', TEXT,
                  f"{int(res.n_liquidated[0])} positions liquidated")
    # margin to add
    r0 = S.headline("margin_to_add")
    sheet.string(r0, 1, "Margin to add: every position to the target distance (USD)", LABEL)
    # a cross account's once (its largest: margin added to its wallet adds to every position's), not summed
    sheet.formula(r0, v, f"=SUM({P.range('add_total')})" if t.has_cross else
                  f"=SUMPRODUCT({P.range('add_margin')},{P.range('fx')})", number("usd"),
                  float(np.nansum(fixes.margin_to_add_in_total_usd)))
    sheet.formula(r0, v + 1, f'="target distance "&TEXT({S.a1(S.target_row)},"0.0%")&IF({unknown}>0,"; "&'
                             f'{unknown}&"{unknown_text}","")', TEXT,
                  f"target distance {TARGET_DISTANCE * 100:.1f}%" + (f"; {n_unknown}{unknown_text}" if n_unknown else ""))
    # expected liquidations
    r0 = S.headline("expected_liquidations")
    p7 = P.range("p7")
    no_vol = formulas.NO_VOL
    futures = ~t.option & t.book.recomputable
    missing = int(np.sum(futures & ~(t.book.vol > 0)))
    have = int(np.sum(futures & (t.book.vol > 0)))
    sheet.string(r0, 1, "Expected liquidations within 7 days (Σ P)", LABEL)
    # a probability in error (its liquidation price is) is left out and counted, as the nearest liquidation's
    sheet.formula(r0, v, f'=IF(COUNT({p7})=0,IF({errors}+{unknown}>0,"n/a","{no_vol}"),_xlfn.AGGREGATE(9,6,{p7}))',
                  number("num", 2), float(np.nansum(t.prob_7d)) if have else "n/a" if n_unknown else no_vol)
    sheet.formula(r0, v + 1, f'=IF(COUNTIF({p7},"{no_vol}")>0,COUNTIF({p7},"{no_vol}")&" position(s) without a vol '
                             f'left out","")&IF({errors}>0,IF(COUNTIF({p7},"{no_vol}")>0,"; ","")&{errors}&" position(s) in ERROR '
                             f'left out","")&IF({unknown}>0,IF(OR(COUNTIF({p7},"{no_vol}")>0,{errors}>0),"; ","")&'
                             f'{unknown}&"{unknown_text}","")', TEXT,
                  "; ".join(x for x in (f"{missing} position(s) without a vol left out" if missing else "",
                                        f"{n_unknown}{unknown_text}" if n_unknown else "") if x))
    note_row = S.headline_first + 6
    sheet.merge(note_row, 1, note_row, 7, NOTE)
    sheet.row_height(note_row, 26)
    sheet.string(note_row, 1, "Distance = the adverse move of the mark to the liquidation price (longs a fall, shorts "
                              "a rise), a fraction of the mark; ≤ 0: LIQUIDATED (the mark is at or past it). RED / "
                              "AMBER: below the inputs. Stresses: sheet Stress.", NOTE)


def _worst(sheet: SheetSpec, t: RiskTable, lay: Layout, res: StressResult, fixes: DistanceFixes) -> None:
    """The positions closest to liquidation (order fixed at report time, values live)."""
    S, P, St = lay.summary, lay.positions, lay.stress
    sheet.string(S.worst_section, 1, f"Closest to liquidation (worst {WORST_N})", SECTION)
    heads = ("Position (input row: venue symbol side)", "Status", "Distance to liq.",
             "Change at the adverse move (USD)", "Margin to add (USD)", "Or size to cut (size unit)")
    for k, h in enumerate(heads):
        sheet.string(S.worst_header, 1 + k, h, HEADER)
    sheet.row_height(S.worst_header, 45)
    statuses = t.statuses(RED_AT, AMBER_AT)
    order = [i for i in np.argsort(np.where(np.isfinite(t.distance), t.distance, np.inf), kind="stable")
             if np.isfinite(t.distance[i])][:WORST_N]
    for k, i in enumerate(order):
        r0 = S.worst_first + k
        g = P.refs(int(i), True, True)
        sheet.formula(r0, 1, f'=LEFT({g["row"]}&": "&{g["venue"]}&" "&{g["symbol"]}&" "&{g["side"]},{LABEL_CHARS})',
                      TEXT, _label(t, i))
        style = dict(STATUS_STYLES).get(statuses[i], TEXT)
        sheet.formula(r0, 2, f"={g['flag']}", style, statuses[i])
        sheet.formula(r0, 3, f"={g['dist']}", number("pct", 2), float(t.distance[i]))
        sheet.formula(r0, 4, f"={St.detail_ref(0, int(i))}", number("usd"),
                      float(res.pnl_usd[i, 0] - res.now_usd[i]))
        sheet.formula(r0, 5, f"={g['add_margin']}*{g['fx']}", number("usd"), cached(fixes.margin_to_add_usd[i]))
        sheet.formula(r0, 6, f"={g['cut_size']}", size_style(t, i), cached(fixes.size_to_cut[i], "n/a"))
    if not order:
        sheet.string(S.worst_first, 1, "none: no position has a liquidation price", NOTE)
    else:  # the status cells are live: their colour follows their word after an edit (ERROR, not AMBER's fill)
        rng = f"{col(2)}{S.worst_first + 1}:{col(2)}{S.worst_first + len(order)}"
        for word, fmt in STATUS_STYLES:
            sheet.conditional(rng, {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": fmt})


def _charts(sheet: SheetSpec, lay: Layout, res: StressResult) -> None:
    """Change vs now by stress (bars) and the liquidation map (columns by BTC move: the steps liquidations come
    in, longs on the falls, shorts on the rises)."""
    S, St = lay.summary, lay.stress
    grid = {"visible": True, "line": {"color": "#D9D9D9"}}
    sheet.feature("chart", {
        "type": {"type": "bar"},
        "series": [{"name": "Change vs now (USD)",
                    "categories": ["Stress", St.first, 1, St.last_named, 1],
                    "values": ["Stress", St.first, 4, St.last_named, 4],
                    "fill": {"color": "#2F5597"}, "invert_if_negative": False,
                    "data_labels": {"value": True, "num_format": "#,##0", "font": {"size": 8}}}],
        "title": {"name": "Change vs now by stress (USD)", "name_font": {"size": 11}},
        "x_axis": {"num_format": "#,##0", "major_gridlines": grid, "num_font": {"size": 8}},
        # categories top-down, their labels at the left edge (not under the negative bars), values at the bottom
        "y_axis": {"reverse": True, "label_position": "low", "crossing": "max", "num_font": {"size": 8}},
        "legend": {"none": True}, "size": {"width": 960, "height": 330}, "anchor": (S.chart_first, 1)})
    series = []
    for name, c, color in (("Longs liquidated (USD)", 4, "#C00000"), ("Shorts liquidated (USD)", 5, "#2F5597")):
        series.append({"name": name, "categories": ["Stress", St.map_first, 1, St.map_last, 1],
                       "values": ["Stress", St.map_first, c, St.map_last, c], "fill": {"color": color},
                       "gap": 0, "border": {"color": "#FFFFFF", "width": 0.5}})
    sheet.feature("chart", {
        "type": {"type": "column", "subtype": "stacked"}, "series": series,
        "title": {"name": "Liquidation map: notional liquidated as BTC moves (assets by beta)",
                  "name_font": {"size": 11}},
        "x_axis": {"name": "BTC move (bucket start; every asset moves beta × it)", "num_font": {"size": 8}},
        "y_axis": {"name": "USD", "num_format": "#,##0", "min": 0, "major_gridlines": grid, "num_font": {"size": 8}},
        "legend": {"position": "bottom"}, "size": {"width": 960, "height": 330}, "anchor": (S.chart_second, 1)})


def _book(sheet: SheetSpec, t: RiskTable, lay: Layout) -> None:
    S = lay.summary
    sheet.string(S.book_section, 1, "Book", SECTION)
    for key, label, formula, value, style in _book_rows(t, lay):
        r0 = S.row(key)
        sheet.string(r0, 1, label, LABEL if not label.startswith("  ") else TEXT)
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
    sheet.string(S.move_row, 1, "Adverse move of every mark (against its position)", LABEL)
    sheet.number(S.move_row, 2, ADVERSE_MOVE, number("pct", 1, inp=True))
    sheet.string(S.move_row, 3, "the first stress on Stress, and the headline above", SUBTITLE)
    sheet.string(S.red_row, 1, "RED flag: distance to liquidation below", LABEL)
    sheet.number(S.red_row, 2, RED_AT, number("pct", 1, inp=True))
    sheet.string(S.amber_row, 1, "AMBER flag: distance to liquidation below", LABEL)
    sheet.number(S.amber_row, 2, AMBER_AT, number("pct", 1, inp=True))
    sheet.string(S.target_row, 1, "Target distance: margin to add / size to cut", LABEL)
    sheet.number(S.target_row, 2, TARGET_DISTANCE, number("pct", 1, inp=True))
    sheet.string(S.target_row, 3, "columns on Positions, total above", SUBTITLE)


def _market(sheet: SheetSpec, lay: Layout, t: RiskTable) -> None:
    S = lay.summary
    # an instrument's mark with as many decimals as the finest tick its positions give (options have none)
    ticks = [math.nan] * len(S.instruments)
    for i, k in enumerate(S.instrument_of):
        if not t.option[i] and tick_digits(float(t.book.tick[i])) > tick_digits(ticks[k]):
            ticks[k] = float(t.book.tick[i])
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
        sheet.number(r0, S.mark_col, mark, number("price", shown_price_digits(mark, ticks[k]), inp=True))
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
                  res: StressResult, fixes: DistanceFixes, tier_statuses: list[str] | None = None,
                  n_limits: int = 0) -> SheetSpec:
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
    res : StressResult
        The named stresses (:func:`levxl.book.stresses.run_stresses`): headline, worst-N table, chart.
    fixes : DistanceFixes
        Margin to add and size to cut at the target distance (:func:`levxl.book.figures.distance_fixes`).
    tier_statuses : list of str, optional
        Each position's tier-table status ("ok", "stale", "missing", "n/a": Tier tables); with ``n_limits`` (the
        tier-limit breaches) the line counting them (none without).

    Returns
    -------
    SheetSpec
    """
    S = lay.summary
    sheet = SheetSpec("Summary")
    for first, last, width in ((0, 0, 2), (1, 1, 50), (2, 2, 16), (3, 3, 14), (4, 6, 14), (7, 7, 14)):
        sheet.column(first, last, width)
    sheet.string(0, 1, "Leverage risk report", TITLE)
    warned = sum(1 for w in t.book.warnings if w)
    sheet.string(1, 1, f"{source or 'book'}: {len(t)} positions, {n_issues} input issue(s)"
                       + (f", {warned} row(s) with a warning (sheet Input issues)" if warned else "")
                       + f"; as of {as_of}" + (f"; {FLAT_BOOK}" if not len(t) and not n_issues else ""),
                 SUBTITLE)
    _headline(sheet, t, lay, res, fixes)
    _worst(sheet, t, lay, res, fixes)
    _charts(sheet, lay, res)
    info = [("As of", as_of), ("levxl version", levxl.__version__), ("Input file", source or "(in memory)"),
            ("Input SHA-256", sha or "(n/a)")]
    sheet.string(S.info_section, 1, "Report", SECTION)
    for k, (lab, val) in enumerate(info):
        sheet.string(S.info_section + 1 + k, 1, lab, LABEL)
        sheet.string(S.info_section + 1 + k, 2, val, TEXT)
    _book(sheet, t, lay)
    if tier_statuses is not None and lay.tier_tables is not None:
        _tiers(sheet, lay, tier_statuses, n_limits)
    _inputs(sheet, lay)
    _market(sheet, lay, t)
    if t.any_options:
        _options(sheet, t, lay)
    # the headline, the worst and the stresses on page 1; the map starts a row below the break (LibreOffice draws an
    # object anchored on the break row's edge on both pages)
    sheet.feature("set_h_pagebreaks", [S.chart_second - 1])
    sheet.page("Summary", as_of)
    sheet.feature("activate")
    return sheet
