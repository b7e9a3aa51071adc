"""The Stress and Stress detail sheets: the named stresses of :mod:`levxl.book.stresses` (every mark against its position, market moves
with betas, historical days with their fall and their rebound, a short squeeze), a gap through every liquidation
price, a funding spike to the cap and a volatility shock; the betas by asset; the liquidation map of the book by
BTC move; and (Stress detail) each position's change vs now in each stress."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from levxl.book.figures import FUNDING_INTERVALS_PER_DAY, RiskTable, StressFigures, stress_figures
from levxl.book.stresses import (MAP_EDGES, MOVE_FLOOR, STRESSES, StressResult, liquidation_map, map_labels,
                                 never_liquidated)
from levxl.workbooks.report import cross, formulas
from levxl.workbooks.report.cells import (HEADER, LABEL, SECTION, SUBTITLE, TEXT, TITLE, SheetSpec, cached, col,
                                          number)
from levxl.workbooks.report.inputs import FUNDING_CAP, FUNDING_STRESS_DAYS, VOL_MULTIPLIER
from levxl.workbooks.report.layout import Layout
from levxl.workbooks.report.rows import price_style, side_text

__all__ = ["stress_sheet", "stress_detail_sheet"]

_NOTES = MappingProxyType({
    "gap": "Each mark jumps past its liquidation price with no fill in between: the whole isolated margin (a cross "
           "account: its wallet, once) is lost "
           "(USD at the mark); the shortfall beyond the bankruptcy price falls on the venue's insurance fund / ADL.",
    "funding": "Rate per 8 h at its cap (0.75% = OKX default; Binance/Bybit caps vary by symbol), charged against "
               "each position whatever its side, on the notional at the mark. Liquidated: margin + uPnL - funding "
               "<= maintenance margin at the mark; a cross account as a whole: its wallet, less the fees to close it pays, "
               "plus its positions' rooms at the marks (PnL less maintenance where the venue measures it and the fee "
               "inside the threshold) less all their funding <= 0.",
    "vol": "Expected values: Σ P(liquidated within 7 days at the shocked vol) for the count, x notional, and x "
           "equity (margin + uPnL) for the change vs now. Positions without a vol are left out (n/a: no vol).",
})
_LABEL_CHARS = 120  #: longest position label a cell shows (a symbol may be up to 32,767 characters)
_FIRST_NOTE_COL = 9  #: notes in one wide column (J), K a spacer the merge needs


class _Refs:
    """Ranges the stress rows share: detail columns and Positions columns."""

    def __init__(self, lay: Layout, cross: bool = False):
        L_, P = lay.stress, lay.positions
        self.cross = cross  #: the book has a cross account (its positions' flags on Stress detail)
        self.n = L_.n
        self.lay = L_
        self.P = P
        (self.liqs, self.sides, self.marks, self.nus, self.adv, self.beta,
         self.squeezed) = (P.range(k) for k in ("liq", "s", "mark", "notional_usd", "adv", "beta", "squeezed"))

    def detail(self, what) -> str:
        return self.lay.detail_range(what)

    def total(self, fn: str, what, extra: str = "") -> str:
        return f"={fn}({self.detail(what)}{extra})" if self.n else "=0"

    @property
    def now(self) -> str:
        return f"SUM({self.detail('now')})" if self.n else "0"


def _move(kind: str, move: str, adv: str, beta: str, squeezed: str) -> str:
    """The move of a mark in a stress of ``kind`` (cell references or ranges), before the floor."""
    if kind == "adverse":
        return f"{adv}*{move}"
    if kind == "squeeze":
        return f"{beta}*{squeezed}*{move}"
    return f"{beta}*{move}"


def _floored(raw: str) -> str:
    """``max(raw, MOVE_FLOOR)`` as arithmetic (elementwise inside SUMPRODUCT, where MAX would not be)."""
    return f"(({raw})+({MOVE_FLOOR}-({raw}))*(({raw})<{MOVE_FLOOR}))"


def _hit(r: _Refs, moved: str) -> str:
    """1 where the path from the mark to ``moved`` reaches the liquidation price (or the mark is past it)."""
    S, L, LQ = r.sides, r.marks, r.liqs
    return (f"ISNUMBER({LQ})*((({S}>0)*((({moved}<={LQ})+({L}<={LQ}))>0))+(({S}<0)*((({moved}>={LQ})+"
            f"({L}>={LQ}))>0)))")


def _stress_rows(sheet: SheetSpec, t: RiskTable, lay: Layout, r: _Refs, res: StressResult) -> None:
    L_, book = lay.stress, t.book
    now_total = float(res.now_usd.sum())
    for k, stress in enumerate(STRESSES):
        r0 = L_.first + k
        sheet.string(r0, 0, stress.kind, TEXT)
        sheet.string(r0, 1, stress.name, LABEL)
        if k == 0:  # the Summary's adverse move
            sheet.formula(r0, 2, f"={lay.summary.ref(lay.summary.move_row)}", number("pct", 1), stress.move)
        else:
            sheet.number(r0, 2, stress.move, number("pct", 0, inp=True))
        sheet.note(r0, stress.note, _FIRST_NOTE_COL, _FIRST_NOTE_COL + 1)
        change = r.detail(k)
        sheet.formula(r0, 4, f"=SUM({change})" if r.n else "=0", number("usd"), float(res.change[k]))
        sheet.formula(r0, 3, f"=E{r0 + 1}+{r.now}", number("usd"), float(res.change[k] + now_total))
        moved = f"{r.marks}*(1+{_floored(_move(stress.kind, f'$C${r0 + 1}', r.adv, r.beta, r.squeezed))})"
        hit = _hit(r, moved)
        if r.cross:  # a cross account's positions by its flag on Stress detail (written on their rows only)
            hit = f"(1-ISNUMBER({r.P.range('acct')})+({r.P.range('acct')}<0))*{hit}"
            flags = L_.column_range(L_.flag_col(k))
            count, notional = f"=SUMPRODUCT({hit})+SUM({flags})", f"=SUMPRODUCT({hit}*{r.nus})+SUMPRODUCT({flags},{r.nus})"
        else:
            count, notional = f"=SUMPRODUCT({hit})", f"=SUMPRODUCT({hit}*{r.nus})"
        sheet.formula(r0, 5, count if r.n else "=0", number("int"), int(res.n_liquidated[k]))
        sheet.formula(r0, 6, notional if r.n else "=0", number("usd"), float(res.notional_liquidated[k]))
        i = res.worst[k]
        P = lay.positions
        match = f"MATCH(MIN({change}),{change},0)"
        who = (f'=IF(MIN({change})<0,LEFT(INDEX({P.range("row")},{match})&": "&INDEX({P.range("symbol")},{match})&" "&'
               f'INDEX({P.range("side")},{match}),{_LABEL_CHARS}),"none")') if r.n else '="none"'
        shown = f"{book.row[i]}: {book.symbol[i]} {side_text(t, i)}"[:_LABEL_CHARS] if i is not None else "none"
        sheet.formula(r0, 7, who, TEXT, shown)
        sheet.formula(r0, 8, f"=MIN(0,MIN({change}))" if r.n else "=0", number("usd"), res.worst_loss(k))


def _gap_and_funding(sheet: SheetSpec, t: RiskTable, lay: Layout, r: _Refs, sf: StressFigures,
                     now_total: float) -> None:
    L_ = lay.stress
    rg, rf = L_.gap_row, L_.funding_row
    sheet.string(rg, 1, "Gap through every liquidation price", LABEL)
    sheet.string(rg, 2, "all", TEXT)
    sheet.formula(rg, 3, r.total("SUM", "gap"), number("usd"), float(sf.gap.sum()))
    sheet.formula(rg, 4, f"=D{rg + 1}-{r.now}", number("usd"), float(sf.gap.sum() - now_total))
    # the positions losing their margin in equity (a cross account's all of them, where any has a price)
    gaps = r.detail("gap")
    sheet.formula(rg, 5, f'=COUNTIF({gaps},"<0")' if r.n else "=0", number("int"), int(sf.gapped.sum()))
    sheet.formula(rg, 6, f'=SUMIF({gaps},"<0",{r.nus})' if r.n else "=0", number("usd"),
                  float(np.where(sf.gapped, t.notional_usd, 0.0).sum()))
    sheet.note(rg, _NOTES["gap"], _FIRST_NOTE_COL, _FIRST_NOTE_COL + 1)
    sheet.string(rf, 1, "Funding spike to the cap, paid by every position", LABEL)
    sheet.number(rf, 2, FUNDING_CAP, number("rate", inp=True))
    sheet.string(rf + 1, 1, "  days at the cap (3 intervals a day)", TEXT)
    sheet.number(rf + 1, 2, FUNDING_STRESS_DAYS, number("num", 1, inp=True))
    cost = float(-sf.funding_cost_usd.sum())
    sheet.formula(rf, 4, f"=-SUM({r.detail('funding_cost')})" if r.n else "=0", number("usd"), cost)
    sheet.formula(rf, 3, f"=E{rf + 1}+{r.now}", number("usd"), cost + now_total)
    hit = np.where(t.book.recomputable, sf.funding_liquidated, 0)  # "n/a" on Stress detail where no margin is known
    sheet.formula(rf, 5, r.total("SUM", "funding_hit"), number("int"), int(hit.sum()))
    sheet.formula(rf, 6, r.total("SUMPRODUCT", "funding_hit", f",{r.nus}"), number("usd"),
                  float((hit * np.nan_to_num(t.notional_usd)).sum()))
    sheet.note(rf, _NOTES["funding"], _FIRST_NOTE_COL, _FIRST_NOTE_COL + 1)


def _vol_shock(sheet: SheetSpec, t: RiskTable, lay: Layout, r: _Refs, sf: StressFigures, now_total: float) -> None:
    rv = lay.stress.vol_row
    sheet.string(rv, 1, "Volatility shock: vol x, liquidation within 7 days", LABEL)
    sheet.number(rv, 2, VOL_MULTIPLIER, number("num", 1, inp=True))
    loss = float(-sf.expected_loss.sum())
    sheet.formula(rv, 4, f"=-SUM({r.detail('loss')})" if r.n else "=0", number("usd"), loss)
    sheet.formula(rv, 3, f"=E{rv + 1}+{r.now}", number("usd"), loss + now_total)
    sheet.formula(rv, 5, r.total("SUM", "prob"), number("num", 2), float(np.nansum(sf.prob_shocked)))
    sheet.formula(rv, 6, r.total("SUMPRODUCT", "prob", f",{r.nus}"), number("usd"),
                  float(np.nansum(sf.prob_shocked * np.nan_to_num(t.notional_usd))))
    sheet.note(rv, _NOTES["vol"], _FIRST_NOTE_COL, _FIRST_NOTE_COL + 1)
    sheet.conditional(f"D{lay.stress.first + 1}:E{rv + 1}", {
        "type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFFFFF", "max_color": "#63BE7B",
        "mid_type": "num", "mid_value": 0})


def _betas(sheet: SheetSpec, t: RiskTable, lay: Layout, r: _Refs, squeezed: dict) -> None:
    """The betas table: one row per asset (beta an input), the book's net notional in it and whether the squeeze
    moves it (the book is net short)."""
    L_, P = lay.stress, lay.positions
    sheet.string(L_.betas_section, 1, "Betas to BTC (inputs) and the squeeze", SECTION)
    for k, head in enumerate(("Asset", "Beta to BTC", "Net notional (USD, long − short)",
                              "Squeezed (1 = book net short)")):
        sheet.string(L_.betas_header, 1 + k, head, HEADER)
    sheet.row_height(L_.betas_header, 42)
    for k, asset in enumerate(L_.assets):
        r0 = L_.betas_first + k
        sheet.string(r0, 1, asset, TEXT)
        sheet.number(r0, 2, L_.betas[k], number("num", 2, inp=True))
        net, flag = squeezed[asset]
        sheet.formula(r0, 3, f"=SUMPRODUCT(({P.range('asset')}=B{r0 + 1})*{r.sides}*{r.nus})", number("usd"), net)
        sheet.formula(r0, 4, f"=IF(D{r0 + 1}<0,1,0)", number("int"), flag)
    if not L_.assets:
        sheet.string(L_.betas_first, 1, "none", TEXT)


def _map(sheet: SheetSpec, t: RiskTable, lay: Layout, r: _Refs) -> None:
    """The liquidation map: USD notional liquidated in each bucket of the BTC move, longs on the falls and shorts
    on the rises, every asset moving by its beta (:func:`levxl.book.stresses.liquidation_map`)."""
    L_, P = lay.stress, lay.positions
    longs, shorts = liquidation_map(t, dict(zip(L_.assets, L_.betas)))
    sheet.string(L_.map_section, 1, "Liquidation map by BTC move", SECTION)
    subtitle = "notional liquidated as BTC moves, every asset by its beta"
    never = int(never_liquidated(t).sum())
    if never:  # left out of the buckets, and said so: no move liquidates them
        subtitle += f"; {never} position{'s' if never > 1 else ''} no price liquidates: not in the map"
    if (t.account >= 0).any():  # its moves are constants (a root levxl finds), unlike a position's own price's
        subtitle += ("; a cross account at its moves found at the report's marks and betas (run the report again "
                     "after editing them)")
    sheet.string(L_.map_section, 2, subtitle, SUBTITLE)
    for k, head in enumerate(("Bucket", "BTC move from", "to", "Longs liquidated (USD)", "Shorts liquidated (USD)")):
        sheet.string(L_.map_header, 1 + k, head, HEADER)
    sheet.row_height(L_.map_header, 42)
    edges = [None, *MAP_EDGES, None]
    # a position's BTC move to liquidation, and a cross account's other side (its positions go with it both ways)
    moves = [P.range("mkt_liq"), P.range("mkt_liq2")] if (t.account >= 0).any() else [P.range("mkt_liq")]
    for k, label in enumerate(map_labels()):
        r0 = L_.map_first + k
        lo, hi = edges[k], edges[k + 1]
        sheet.string(r0, 1, label, TEXT)
        if lo is not None:
            sheet.number(r0, 2, lo, number("pct", 1))
        if hi is not None:
            sheet.number(r0, 3, hi, number("pct", 1))
        for j, (sign, values) in enumerate(((">0", longs), ("<0", shorts))):
            terms = []
            for x in moves:
                conds = [f"ISNUMBER({x})"] + ([f"({x}>=C{r0 + 1})"] if lo is not None else []) + \
                    ([f"({x}<D{r0 + 1})"] if hi is not None else [])
                terms.append(f"SUMPRODUCT({'*'.join(conds)}*({r.sides}{sign})*{r.nus})")
            sheet.formula(r0, 4 + j, "=" + "+".join(terms) if r.n else "=0", number("usd"), float(values[k]))


def _detail_row(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, res: StressResult, sf: StressFigures,
                recomputable: bool = True) -> None:
    L_, book = lay.stress, t.book
    r0, inv = L_.detail_first + i, bool(t.inverse[i])
    g = lay.positions.refs(i, True, True)
    sheet.formula(r0, 0, f"={g['row']}", number("int"), book.row[i])
    sheet.formula(r0, 1, f"={g['symbol']}", TEXT, book.symbol[i])
    sheet.formula(r0, 2, f"={g['side']}", TEXT, side_text(t, i))
    S, Q, E, M, L, LQ = g["s"], g["size"], g["entry"], g["margin"], g["mark"], g["liq"]
    now = f"$D{r0 + 1}"
    shock = [f"Stress!$C${L_.first + 1 + k}" for k in range(len(STRESSES))]
    prices = []
    for k, stress in enumerate(STRESSES):
        c = L_.price_col(k)
        # one cell each: MAX is elementwise here (a single cell), unlike inside the totals' SUMPRODUCT
        move = _move(stress.kind, shock[k], g["adv"], g["beta"], g["squeezed"])
        sheet.formula(r0, c, f"={L}*(1+MAX({MOVE_FLOOR},{move}))", price_style(t, i),
                      float(book.mark[i] * (1 + res.moves[i, k])))
        prices.append(f"{col(c)}{r0 + 1}")
    if t.option[i]:  # not liquidated, no funding: Black-76 value at the moved mark, from the premium
        w = 1 if book.option_type[i] == "call" else -1
        sheet.formula(r0, 3, formulas.option_move_pnl(w, S, Q, E, f"({L})", g["strike"], g["expiry"], g["vol"],
                                                      inv), number("usd"), float(res.now_usd[i]))
        for k, price in enumerate(prices):
            f = formulas.option_move_pnl(w, S, Q, E, f"({price})", g["strike"], g["expiry"], g["vol"], inv)
            sheet.formula(r0, L_.detail_col(k), f"{f}-{now}", number("usd"),
                          float(res.pnl_usd[i, k] - res.now_usd[i]))
        for c in range(L_.detail_col("gap"), L_.detail_col("loss") + 1):
            sheet.string(r0, c, "n/a", number("num", 0))
        return
    on_account = t.account[i] >= 0  # the liquidated flags and rooms: a cross account's positions only
    flag_now = f"${col(L_.flag_col('now'))}{r0 + 1}"
    if on_account:
        # liquidated with its account (cross.flag over the rooms of the account's positions), the wallet lost once
        sheet.formula(r0, L_.room_col("now"), "=" + cross.room(t, lay, i, L), number("num", 2),
                      float(res.room_now[i]))
        sheet.formula(r0, L_.flag_col("now"), cross.flag(lay, i, L_.column_range(L_.room_col("now"))),
                      number("int"), int(res.liquidated_now[i]))
        sheet.formula(r0, 3, cross.pnl_usd(t, lay, i, L, flag_now), number("usd"), float(res.now_usd[i]))
    else:
        sheet.formula(r0, 3, formulas.move_pnl(S, Q, E, M, LQ, L, inv, L), number("usd"), float(res.now_usd[i]))
    for k, price in enumerate(prices):
        flag = f"${col(L_.flag_col(k))}{r0 + 1}"
        if on_account:
            sheet.formula(r0, L_.room_col(k), "=" + cross.room(t, lay, i, price), number("num", 2),
                          float(res.room[i, k]))
            sheet.formula(r0, L_.flag_col(k), cross.flag(lay, i, L_.column_range(L_.room_col(k)), flag_now),
                          number("int"), int(res.liquidated[i, k]))
            pnl = cross.pnl_usd(t, lay, i, price, flag)
        else:
            pnl = formulas.move_pnl(S, Q, E, M, LQ, price, inv, L)
        sheet.formula(r0, L_.detail_col(k), pnl + f"-{now}", number("usd"), float(res.pnl_usd[i, k] - res.now_usd[i]))
    cap, days = f"Stress!$C${L_.funding_row + 1}", f"Stress!$C${L_.funding_row + 2}"
    per_day = f"{g['notional']}*{cap}*{FUNDING_INTERVALS_PER_DAY}*{days}"
    # a gap loses the margin in equity (a cross account's wallet once, shared by its positions)
    if on_account:  # the account goes whole where any of its positions has a price to gap through
        P = lay.positions
        priced = f"SUMPRODUCT(({P.range('acct')}={g['acct']})*ISNUMBER({P.range('liq')}))"
        gap = f"=IF(ISERROR({LQ}),{LQ},IF({priced}=0,0,-{g['eq_margin']}*{g['fx']}))"
    else:
        gap = f"=IF(ISTEXT({LQ}),0,IF(ISERROR({LQ}),{LQ},-{M}*{g['fx']}))"  # its margin is its equity's
    sheet.formula(r0, L_.detail_col("gap"), gap, number("usd"), float(sf.gap[i]))
    sheet.formula(r0, L_.detail_col("funding_cost"), f"={per_day}*{g['fx']}", number("usd"),
                  float(sf.funding_cost_usd[i]))
    if not recomputable:
        # no margin and no liquidation price (cross without its wallet, mode unknown): whether funding liquidates
        # it, and the probability of reaching its price, are unknown, as on Positions (the formulas would read the
        # "n/a" price as "never liquidated", 0, and the cached value said "no vol" of a position that has one)
        for c in range(L_.detail_col("funding_hit"), L_.detail_col("loss") + 1):
            sheet.string(r0, c, "n/a", number("num", 0))
        return
    if on_account:  # the account pays every position's funding at once, against its threshold (room at the mark)
        sheet.formula(r0, L_.room_col("funding"), f"={col(L_.room_col('now'))}{r0 + 1}-{per_day}", number("num", 2),
                      float(res.room_now[i] - sf.funding_cost[i]))
        sheet.formula(r0, L_.detail_col("funding_hit"), cross.flag(lay, i, L_.column_range(L_.room_col("funding"))),
                      number("int"), int(sf.funding_liquidated[i]))
    else:
        sheet.formula(r0, L_.detail_col("funding_hit"), f"=IF({M}+{g['upnl']}-{per_day}<={g['mm']},1,0)",
                      number("int"), int(sf.funding_liquidated[i]))
    vcell = f"{col(L_.detail_col('vol'))}{r0 + 1}"
    sheet.formula(r0, L_.detail_col("vol"), f'=IF(N({g["vol"]})>0,{g["vol"]}*Stress!$C${L_.vol_row + 1},"")',
                  number("pct", 1), cached(sf.shocked_vol[i]))
    sheet.formula(r0, L_.detail_col("prob"), formulas.probability(S, L, LQ, 7, vcell), number("pct", 2),
                  cached(sf.prob_shocked[i], formulas.NO_VOL))
    EM = g["eq_margin"] if on_account else M  # the margin in equity: a cross account's wallet share
    sheet.formula(r0, L_.detail_col("loss"), f"=N({col(L_.detail_col('prob'))}{r0 + 1})*({EM}+{g['upnl']})*{g['fx']}",
                  number("usd"), float(sf.expected_loss[i]))


def stress_detail_sheet(t: RiskTable, lay: Layout, as_of: str, res: StressResult) -> SheetSpec:
    """The Stress detail sheet: each position's PnL now and its change vs now in each stress of the Stress sheet,
    the gap, funding and vol-shock figures (the Stress totals sum these columns).

    Parameters
    ----------
    t : RiskTable
        The book's figures.
    lay : Layout
        The report's anchors (:attr:`Layout.stress`).
    as_of : str
        The report's timestamp.
    res : StressResult
        The named stresses' figures (cached values).

    Returns
    -------
    SheetSpec
    """
    L_ = lay.stress
    sheet = SheetSpec("Stress detail")
    sheet.string(0, 0, "Stress detail", TITLE)
    # right of the identifier columns every printed band repeats (never clipped there)
    sheet.string(1, 3, "Each position's PnL now (from entry, liquidation included) and its change vs now in each "
                       "stress of the Stress sheet (USD; moves and betas are inputs there).", SUBTITLE)
    heads = (["Input row", "Symbol", "Side", "PnL now (from entry)"] + L_.names
             + ["Gap", "Funding cost", "Liq. by funding", "Ann. vol shocked", "P(liq 7d) shocked", "Expected loss"])
    for k, h in enumerate(heads):
        sheet.string(L_.detail_header, k, h, HEADER)
    cross = bool((t.account >= 0).any())
    for k in range(len(STRESSES)):
        sheet.string(L_.detail_header, L_.price_col(k), f"Mark after: {L_.names[k]}", HEADER)
        if cross:
            sheet.string(L_.detail_header, L_.flag_col(k), f"Cross account liquidated (1/0): {L_.names[k]}",
                         HEADER)
            sheet.string(L_.detail_header, L_.room_col(k), f"Cross room (PnL less threshold): {L_.names[k]}",
                         HEADER)
    if cross:
        sheet.string(L_.detail_header, L_.flag_col("now"), "Cross account liquidated (1/0) at the marks", HEADER)
        sheet.string(L_.detail_header, L_.room_col("now"), "Cross room at the marks", HEADER)
        sheet.string(L_.detail_header, L_.room_col("funding"), "Cross room after the funding spike", HEADER)
    sheet.row_height(L_.detail_header, 80)
    for k, width in enumerate([7, 16, 6, 11]):
        sheet.column(k, k, width)
    sheet.column(4, len(heads) - 1, 10)
    # helpers: hidden, grouped
    sheet.column(L_.price_col(0), L_.room_col("funding") if cross else L_.price_col(len(STRESSES) - 1), 12, True, 1)
    sf = stress_figures(t, FUNDING_CAP, FUNDING_STRESS_DAYS, VOL_MULTIPLIER)
    recomputable = t.book.recomputable  # a property that reads every row: once, not per row
    for i in range(len(t)):
        _detail_row(sheet, t, lay, i, res, sf, bool(recomputable[i]))
    sheet.feature("freeze_panes", L_.detail_header + 1, 3)
    sheet.page("Stress detail", as_of, (L_.detail_header, L_.detail_header))
    return sheet


def stress_sheet(t: RiskTable, lay: Layout, as_of: str, res: StressResult, squeezed: dict) -> SheetSpec:
    """The Stress sheet.

    Parameters
    ----------
    t : RiskTable
        The book's figures (:func:`levxl.book.figures.stress_figures` for the non-price stresses' cached values).
    lay : Layout
        The report's anchors (:attr:`Layout.stress`).
    as_of : str
        The report's timestamp.
    res : StressResult
        The named stresses' figures (:func:`levxl.book.stresses.run_stresses` at the layout's betas).
    squeezed : dict
        asset -> (net notional USD, 1 if the squeeze moves it): the betas table's cached values.

    Returns
    -------
    SheetSpec
    """
    sheet = SheetSpec("Stress")
    sheet.string(0, 0, "Stress", TITLE)
    # right of the columns every printed band repeats (never clipped there)
    sheet.string(1, 2, "Moves are fractions of each mark. Adverse: every mark against its own position (longs fall, "
                       "shorts rise). Market: BTC's move, every asset by its beta (table below).", SUBTITLE)
    sheet.string(2, 2, "A liquidated isolated position loses its margin; a cross account is liquidated as a whole "
                       "and loses its wallet once.", SUBTITLE)
    for k, width in enumerate([8, 40, 9, 14, 14, 11, 14, 24, 13, 100, 2]):
        sheet.column(k, k, width)
    heads = ["Kind", "Scenario", "Move (input)", "PnL from entry (USD)", "Change vs now (USD)",
             "Positions liquidated", "Notional liquidated (USD)", "Largest loss: position", "Its change vs now (USD)",
             "Notes"]
    for k, h in enumerate(heads):
        sheet.string(lay.stress.header, k, h, HEADER)
    sheet.row_height(lay.stress.header, 30)
    sf = stress_figures(t, FUNDING_CAP, FUNDING_STRESS_DAYS, VOL_MULTIPLIER)
    refs = _Refs(lay, bool((t.account >= 0).any()))
    now_total = float(res.now_usd.sum())
    _stress_rows(sheet, t, lay, refs, res)
    _gap_and_funding(sheet, t, lay, refs, sf, now_total)
    _vol_shock(sheet, t, lay, refs, sf, now_total)
    _betas(sheet, t, lay, refs, squeezed)
    _map(sheet, t, lay, refs)
    sheet.feature("freeze_panes", lay.stress.header + 1, 2)
    # the liquidation map starts a page: the stresses, betas and map are a few rows longer than one page, so
    # without the break the map's last buckets printed alone on a page of their own (any book, one position too)
    sheet.feature("set_h_pagebreaks", [lay.stress.map_section])
    # too wide for 8 pt on one A3 page: two bands, the scenario names (A:B) on both; the second starts at the
    # largest-loss columns, so the notes print whole beside them
    sheet.page("Stress", as_of, repeat_cols=(0, 1), breaks=(7,))
    return sheet
