"""The Stress sheet: historical days and the Summary's scenario move applied to every mark, a gap through every
liquidation price, a funding spike to the cap and a volatility shock; a detail table per position."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from levxl.book.figures import (FUNDING_INTERVALS_PER_DAY, RiskTable, StressFigures, pnl_usd_after_mark_move,
                                stress_figures)
from levxl.workbooks.report import formulas
from levxl.workbooks.report.cells import (HEADER, LABEL, SECTION, SUBTITLE, TEXT, TITLE, SheetSpec, cached, col,
                                          number)
from levxl.workbooks.report.inputs import (FUNDING_CAP, FUNDING_STRESS_DAYS, SCENARIO_MOVE, STRESS_DAYS,
                                           VOL_MULTIPLIER)
from levxl.workbooks.report.layout import Layout
from levxl.workbooks.report.rows import side_text

__all__ = ["stress_sheet"]

_NOTES = MappingProxyType({
    "gap": "Each mark jumps past its liquidation price with no fill in between: the whole isolated margin is lost "
           "(USD at the mark); the shortfall beyond the bankruptcy price falls on the venue's insurance fund / ADL.",
    "funding": "Rate per 8 h at its cap (0.75% = OKX default; Binance/Bybit caps vary by symbol), charged against "
               "each position whatever its side, on the notional at the mark. Liquidated: margin + uPnL - funding "
               "<= maintenance margin at the mark.",
    "vol": "Expected values: Σ P(liquidated within 7 days at the shocked vol) for the count, x notional, and x "
           "equity (margin + uPnL) for the change vs now.",
})


class _Refs:
    """Ranges the summary rows share: detail columns and Positions columns."""

    def __init__(self, lay: Layout):
        L_, P = lay.stress, lay.positions
        self.n = L_.n
        self.lay = L_
        self.upnl = f"SUM({P.range('upnl_usd')})"
        self.liqs, self.sides, self.marks, self.nus = (P.range(k) for k in ("liq", "s", "mark", "notional_usd"))

    def detail(self, what) -> str:
        c = col(self.lay.detail_col(what))
        return f"{c}{self.lay.detail_first + 1}:{c}{self.lay.detail_last + 1}"

    def total(self, fn: str, what, extra: str = "") -> str:
        return f"={fn}({self.detail(what)}{extra})" if self.n else "=0"


def _scenarios(sheet: SheetSpec, t: RiskTable, lay: Layout, r: _Refs, pnl, liquidated) -> None:
    L_ = lay.stress
    moves = [d[1] for d in STRESS_DAYS] + [SCENARIO_MOVE]
    up_tot = float(t.upnl_usd.sum())
    for k, (name, mv) in enumerate(zip(L_.names, moves)):
        r0 = L_.first + k
        sheet.string(r0, 1, name, LABEL)
        if k < len(STRESS_DAYS):
            sheet.number(r0, 2, mv, number("pct", 0, inp=True))
            sheet.note(r0, STRESS_DAYS[k][2])
        else:
            sheet.formula(r0, 2, f"={lay.summary.ref(lay.summary.move_row)}", number("pct", 1), mv)
            sheet.note(r0, "The move on Summary's input cell")
        mvr = f"$C${r0 + 1}"
        sheet.formula(r0, 3, r.total("SUM", k), number("usd"), float(pnl[:, k].sum()))
        sheet.formula(r0, 4, f"=D{r0 + 1}-{r.upnl}", number("usd"), float(pnl[:, k].sum() - up_tot))
        hit = (f"ISNUMBER({r.liqs})*((({r.sides}>0)*({r.marks}*(1+{mvr})<={r.liqs}))+(({r.sides}<0)*"
               f"({r.marks}*(1+{mvr})>={r.liqs})))")
        sheet.formula(r0, 5, f"=SUMPRODUCT({hit})" if r.n else "=0", number("int"), int(liquidated[:, k].sum()))
        sheet.formula(r0, 6, f"=SUMPRODUCT({hit}*{r.nus})" if r.n else "=0", number("usd"),
                      float((liquidated[:, k] * np.nan_to_num(t.notional_usd)).sum()))


def _gap_and_funding(sheet: SheetSpec, t: RiskTable, lay: Layout, r: _Refs, sf: StressFigures) -> None:
    L_, up_tot = lay.stress, float(t.upnl_usd.sum())
    rg, rf = L_.gap_row, L_.funding_row
    sheet.string(rg, 1, "Gap through every liquidation price", LABEL)
    sheet.string(rg, 2, "all", TEXT)
    sheet.formula(rg, 3, r.total("SUM", "gap"), number("usd"), float(sf.gap.sum()))
    sheet.formula(rg, 4, f"=D{rg + 1}-{r.upnl}", number("usd"), float(sf.gap.sum() - up_tot))
    sheet.formula(rg, 5, f"=COUNT({r.liqs})" if r.n else "=0", number("int"), int(sf.gapped.sum()))
    sheet.formula(rg, 6, f"=SUMPRODUCT(ISNUMBER({r.liqs})*{r.nus})" if r.n else "=0", number("usd"),
                  float(np.where(sf.gapped, t.notional_usd, 0.0).sum()))
    sheet.note(rg, _NOTES["gap"])
    sheet.string(rf, 1, "Funding spike to the cap, paid by every position", LABEL)
    sheet.number(rf, 2, FUNDING_CAP, number("rate", inp=True))
    sheet.string(rf + 1, 1, "  days at the cap (3 intervals a day)", TEXT)
    sheet.number(rf + 1, 2, FUNDING_STRESS_DAYS, number("num", 1, inp=True))
    cost = float(-sf.funding_cost_usd.sum())
    sheet.formula(rf, 4, f"=-SUM({r.detail('funding_cost')})" if r.n else "=0", number("usd"), cost)
    sheet.formula(rf, 3, f"=E{rf + 1}+{r.upnl}", number("usd"), cost + up_tot)
    sheet.formula(rf, 5, r.total("SUM", "funding_hit"), number("int"), int(sf.funding_liquidated.sum()))
    sheet.formula(rf, 6, r.total("SUMPRODUCT", "funding_hit", f",{r.nus}"), number("usd"),
                  float((sf.funding_liquidated * np.nan_to_num(t.notional_usd)).sum()))
    sheet.note(rf, _NOTES["funding"])


def _vol_shock(sheet: SheetSpec, t: RiskTable, lay: Layout, r: _Refs, sf: StressFigures) -> None:
    rv, up_tot = lay.stress.vol_row, float(t.upnl_usd.sum())
    sheet.string(rv, 1, "Volatility shock: vol x, liquidation within 7 days", LABEL)
    sheet.number(rv, 2, VOL_MULTIPLIER, number("num", 1, inp=True))
    loss = float(-sf.expected_loss.sum())
    sheet.formula(rv, 4, f"=-SUM({r.detail('loss')})" if r.n else "=0", number("usd"), loss)
    sheet.formula(rv, 3, f"=E{rv + 1}+{r.upnl}", number("usd"), loss + up_tot)
    sheet.formula(rv, 5, r.total("SUM", "prob"), number("num", 2), float(np.nansum(sf.prob_shocked)))
    sheet.formula(rv, 6, r.total("SUMPRODUCT", "prob", f",{r.nus}"), number("usd"),
                  float(np.nansum(sf.prob_shocked * np.nan_to_num(t.notional_usd))))
    sheet.note(rv, _NOTES["vol"])
    sheet.conditional(f"D5:E{rv + 1}", {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFFFFF",
                                        "max_color": "#63BE7B", "mid_type": "num", "mid_value": 0})


def _detail_row(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, pnl, sf: StressFigures) -> None:
    L_, book = lay.stress, t.book
    r0, inv = L_.detail_first + i, bool(t.inverse[i])
    g = lay.positions.refs(i, True, True)
    sheet.formula(r0, 0, f"={g['row']}", number("int"), book.row[i])
    sheet.formula(r0, 1, f"={g['symbol']}", TEXT, book.symbol[i])
    sheet.formula(r0, 2, f"={g['side']}", TEXT, side_text(t, i))
    S, Q, E, M, L, LQ = g["s"], g["size"], g["entry"], g["margin"], g["mark"], g["liq"]
    shock = [f"$C${L_.first + 1 + k}" for k in range(len(L_.names))]
    if t.option[i]:  # not liquidated, no funding: Black-76 value at the moved mark, from the premium
        w = 1 if book.option_type[i] == "call" else -1
        for k in range(len(L_.names)):
            f = formulas.option_move_pnl(w, S, Q, E, f"({L}*(1+{shock[k]}))", g["strike"], g["expiry"], g["vol"], inv)
            sheet.formula(r0, L_.detail_col(k), f, number("usd"), float(pnl[i, k]))
        for c in range(L_.detail_col("gap"), L_.detail_col("loss") + 1):
            sheet.string(r0, c, "n/a", number("num", 0))
        return
    for k in range(len(L_.names)):
        sheet.formula(r0, L_.detail_col(k), formulas.move_pnl(S, Q, E, M, LQ, f"{L}*(1+{shock[k]})", inv),
                      number("usd"), float(pnl[i, k]))
    cap, days = f"$C${L_.funding_row + 1}", f"$C${L_.funding_row + 2}"
    per_day = f"{g['notional']}*{cap}*{FUNDING_INTERVALS_PER_DAY}*{days}"
    sheet.formula(r0, L_.detail_col("gap"), f"=IF(ISNUMBER({LQ}),-{M}*{g['fx']},0)", number("usd"),
                  float(sf.gap[i]))
    sheet.formula(r0, L_.detail_col("funding_cost"), f"={per_day}*{g['fx']}", number("usd"),
                  float(sf.funding_cost_usd[i]))
    sheet.formula(r0, L_.detail_col("funding_hit"), f"=IF({M}+{g['upnl']}-{per_day}<={g['mm']},1,0)",
                  number("int"), int(sf.funding_liquidated[i]))
    vcell = f"{col(L_.detail_col('vol'))}{r0 + 1}"
    sheet.formula(r0, L_.detail_col("vol"), f'=IF(N({g["vol"]})>0,{g["vol"]}*$C${L_.vol_row + 1},"")',
                  number("pct", 1), cached(sf.shocked_vol[i]))
    sheet.formula(r0, L_.detail_col("prob"), formulas.probability(S, L, LQ, 7, vcell), number("pct", 2),
                  cached(sf.prob_shocked[i]))
    sheet.formula(r0, L_.detail_col("loss"), f"=N({col(L_.detail_col('prob'))}{r0 + 1})*({M}+{g['upnl']})*{g['fx']}",
                  number("usd"), float(sf.expected_loss[i]))


def _detail(sheet: SheetSpec, t: RiskTable, lay: Layout, pnl, sf: StressFigures) -> None:
    L_ = lay.stress
    sheet.string(L_.detail_header - 1, 0, "Detail by position (USD)", SECTION)
    heads = ["Input row", "Symbol", "Side"] + L_.names + ["Gap", "Funding cost", "Liq. by funding",
                                                          "Ann. vol shocked", "P(liq 7d) shocked", "Expected loss"]
    for k, h in enumerate(heads):
        sheet.string(L_.detail_header, k, h, HEADER)
    sheet.row_height(L_.detail_header, 42)
    sheet.column(8, 8 + 7, 13)
    for i in range(len(t)):
        _detail_row(sheet, t, lay, i, pnl, sf)


def stress_sheet(t: RiskTable, lay: Layout, as_of: str) -> SheetSpec:
    """The Stress sheet.

    Parameters
    ----------
    t : RiskTable
        The book's figures (scenario PnL and :func:`levxl.book.figures.stress_figures` for the cached values).
    lay : Layout
        The report's anchors (:attr:`Layout.stress`).
    as_of : str
        The report's timestamp.

    Returns
    -------
    SheetSpec
    """
    sheet = SheetSpec("Stress")
    sheet.string(0, 0, "Stress", TITLE)
    sheet.string(1, 0, "Historical days apply BTC's move to every position's mark (alts usually fell further: edit "
                       "the moves). Isolated margin: a liquidated position loses its margin.", SUBTITLE)
    for k, width in enumerate([8, 44, 11, 15, 15, 12, 15, 13]):
        sheet.column(k, k, width)
    heads = ["", "Scenario", "Shock", "PnL from entry (USD)", "Change vs now (USD)", "Positions liquidated",
             "Notional liquidated (USD)", "Notes"]
    for k, h in enumerate(heads):
        if h:
            sheet.string(lay.stress.header, k, h, HEADER)
    sheet.row_height(lay.stress.header, 30)
    pnl, liquidated = pnl_usd_after_mark_move(t.book, [d[1] for d in STRESS_DAYS] + [SCENARIO_MOVE])
    sf = stress_figures(t, FUNDING_CAP, FUNDING_STRESS_DAYS, VOL_MULTIPLIER)
    refs = _Refs(lay)
    _scenarios(sheet, t, lay, refs, pnl, liquidated)
    _gap_and_funding(sheet, t, lay, refs, sf)
    _vol_shock(sheet, t, lay, refs, sf)
    _detail(sheet, t, lay, pnl, sf)
    sheet.feature("freeze_panes", lay.stress.detail_header + 1, 3)
    # too wide for 8 pt on one A3 page: two bands, the scenario names (A:C) on both; the second starts at the
    # notes (merged H:N) so no note is cut
    sheet.page("Stress", as_of, repeat_cols=(0, 2), breaks=(7,))
    return sheet
