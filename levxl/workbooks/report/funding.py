"""The Funding and decay sheet: each future's funding at its current rate over a day, a week, a month and a year;
the options' theta bleed over 7 and 30 days."""

from __future__ import annotations

import numpy as np

from levxl.book.figures import RiskTable
from levxl.workbooks.report import formulas
from levxl.workbooks.report.cells import (HEADER, NOTE, SECTION, SUBTITLE, TEXT, TITLE, SheetSpec, cached, col,
                                          margin_currency, number)
from levxl.workbooks.report.layout import Layout
from levxl.workbooks.report.rows import amount_style, side_text

__all__ = ["funding_sheet"]


def _identity(sheet: SheetSpec, t: RiskTable, r0: int, i: int, g: dict) -> None:
    book = t.book
    sheet.formula(r0, 0, f"={g['row']}", number("int"), book.row[i])
    sheet.formula(r0, 1, f"={g['venue']}", TEXT, book.venue[i])
    sheet.formula(r0, 2, f"={g['symbol']}", TEXT, book.symbol[i])
    sheet.formula(r0, 3, f"={g['side']}", TEXT, side_text(t, i))
    sheet.formula(r0, 4, f"={g['ccy']}", TEXT, margin_currency(book.symbol[i], book.contract[i]))


def _funding(sheet: SheetSpec, t: RiskTable, lay: Layout) -> None:
    F, P = lay.funding, lay.positions
    perps = [i for i in range(len(t)) if not t.option[i]]
    recomputable = t.book.recomputable  # a property that reads every row: once, not per row
    for kk, i in enumerate(perps):
        r0 = F.first - 1 + kk
        g = P.refs(i)
        fd, fd_usd = float(t.funding_per_day[i]), float(t.funding_per_day_usd[i])
        _identity(sheet, t, r0, i, g)
        sheet.formula(r0, 5, f"={g['fund_rate']}", number("rate"), float(t.book.funding_rate[i]))
        sheet.formula(r0, 6, f"={g['fund_day']}", amount_style(t, i), fd)
        sheet.formula(r0, 7, f"=G{r0 + 1}*{g['fx']}", number("usd"), fd_usd)
        for c, days in ((8, 7), (9, 30), (10, 365)):
            sheet.formula(r0, c, f"=H{r0 + 1}*{days}", number("usd"), fd_usd * days)
        if recomputable[i] and t.margin[i] > 0:
            sheet.formula(r0, 11, f"=G{r0 + 1}*365/{g['margin']}", number("pct", 1),
                          float(t.funding_per_year_of_margin[i]))
        else:  # no margin known (cross without its wallet, mode unknown), or a cross margin of the equation <= 0
            sheet.string(r0, 11, "n/a", number("num", 0))
    tr = F.total_row
    sheet.string(tr, 6, "Total (USD)", number("text", top=True))
    for k, mult in ((7, 1), (8, 7), (9, 30), (10, 365)):
        cl = col(k)
        sheet.formula(tr, k, f"=SUM({cl}{F.first}:{cl}{tr})" if perps else "=0", number("usd", top=True),
                      float(np.sum(t.funding_per_day_usd)) * mult)
    if perps:
        sheet.conditional(f"L{F.first}:L{tr}", {"type": "3_color_scale", "min_color": "#F8696B",
                                                "mid_color": "#FFFFFF", "max_color": "#63BE7B",
                                                "mid_type": "num", "mid_value": 0})


def _decay_row(sheet: SheetSpec, t: RiskTable, lay: Layout, kk: int, i: int) -> None:
    book, fig, P = t.book, t.options, lay.positions
    r0, inv = lay.funding.decay_first + kk, bool(t.inverse[i])
    g = P.refs(i, True, True)
    _identity(sheet, t, r0, i, g)
    sheet.formula(r0, 5, f"={g['expiry']}", number("num", 1), float(book.expiry_days[i]))
    sheet.formula(r0, 6, f"={g['theta']}", amount_style(t, i), float(fig.theta[kk]))
    sheet.formula(r0, 7, f"=G{r0 + 1}*{g['fx']}", number("usd"), float(fig.theta_usd[kk]))
    w = 1 if book.option_type[i] == "call" else -1
    S, Q, L, K, T, V = (g[x] for x in ("s", "size", "mark", "strike", "expiry", "vol"))
    for c, days, val in ((8, 7, fig.decay_7_usd[kk]), (9, 30, fig.decay_30_usd[kk])):
        later = formulas.black76(w, L, K, f"MAX({T}-{days},0)", V, "value", inv)
        sheet.formula(r0, c, f"={S}*{Q}*({later}-{g['oval']})*{g['fx']}", number("usd"), float(val))
    sheet.formula(r0, 10, f"={S}*{Q}*{g['oval']}*{g['fx']}", number("usd"), float(fig.position_value_usd[kk]))
    sheet.formula(r0, 11, f'=IF(K{r0 + 1}=0,"",J{r0 + 1}/ABS(K{r0 + 1}))', number("pct", 1),
                  cached(fig.decay_30_of_value[kk]))


def _decay(sheet: SheetSpec, t: RiskTable, lay: Layout) -> None:
    """Theta bleed of the options: theta per day (Positions) and the value lost to time over 7 and 30 days, all
    else equal (native Black-76 formulas; cached: :func:`levxl.engine.options.option_decay`)."""
    F, fig = lay.funding, t.options
    sheet.string(F.decay_section, 0, "Theta bleed of the options (all else equal; + = earned by a seller, − = paid "
                                     "by a buyer)", SECTION)
    heads = ["Input row", "Venue", "Symbol", "Side", "Margin ccy", "Days to expiry", "Theta / day (margin ccy)",
             "Theta / day (USD)", "7 days (USD)", "30 days (USD)", "Value now (USD)", "30 days, % of value"]
    hr = F.decay_section + 1
    for k, h in enumerate(heads):
        sheet.string(hr, k, h, HEADER)
    sheet.row_height(hr, 30)
    for kk, i in enumerate(fig.idx):
        _decay_row(sheet, t, lay, kk, i)
    first, tr = F.decay_first, F.decay_first + len(fig.idx)
    sheet.string(tr, 6, "Total (USD)", number("text", top=True))
    for c, val in ((7, fig.theta_usd), (8, fig.decay_7_usd), (9, fig.decay_30_usd), (10, fig.position_value_usd)):
        cl = col(c)
        sheet.formula(tr, c, f"=SUM({cl}{first + 1}:{cl}{tr})", number("usd", top=True), float(np.sum(val)))
    sheet.merge(tr + 1, 0, tr + 1, 11, NOTE)
    sheet.row_height(tr + 1, 27)
    sheet.string(tr + 1, 0, "Theta is the engine's per calendar day (Black-76, rate 0); the 7- and 30-day figures "
                            "reprice each option with 7 and 30 fewer days (payoff if it expires first) at today's "
                            "mark and vol: decay is not linear, it speeds up near expiry.", NOTE)


def funding_sheet(t: RiskTable, lay: Layout, as_of: str) -> SheetSpec:
    """The Funding and decay sheet.

    Parameters
    ----------
    t : RiskTable
        The book's figures (funding per day, option decay).
    lay : Layout
        The report's anchors (:attr:`Layout.funding`).
    as_of : str
        The report's timestamp.

    Returns
    -------
    SheetSpec
    """
    sheet = SheetSpec("Funding")
    sheet.string(0, 0, "Funding and decay", TITLE)
    sheet.string(1, 0, "Funding projected at each position's current rate per its interval (hours: Positions "
                       "sheet; positive rate: longs pay). " + ("Options pay no funding: their theta bleed is below."
                                               if t.any_options else "No options in this book, so no theta bleed."),
                 SUBTITLE)
    heads = ["Input row", "Venue", "Symbol", "Side", "Margin ccy", "Rate / interval", "Per day (margin ccy)",
             "Per day (USD)", "7 days (USD)", "30 days (USD)", "Per year (USD)", "% of margin / year"]
    widths = [7, 10, 14 if not t.any_options else 21, 6, 7, 10, 14, 12, 12, 12, 13, 11]
    for k, (h, width) in enumerate(zip(heads, widths)):
        sheet.string(lay.funding.header, k, h, HEADER)
        sheet.column(k, k, width)
    sheet.row_height(lay.funding.header, 30)
    _funding(sheet, t, lay)
    sheet.feature("freeze_panes", 4, 3)
    if t.any_options:
        _decay(sheet, t, lay)
    sheet.page("Funding and decay", as_of, (3, 3))
    return sheet
