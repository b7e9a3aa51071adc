"""The Positions sheet: one row per position, inputs as constants, every figure a native formula with the
figures table's value cached; options as Black-76 formulas."""

from __future__ import annotations

import math

import numpy as np

from levxl.book.figures import DistanceFixes, RiskTable
from levxl.book.venue_rules import profiles_for
from levxl.engine.conventions import tick_rule
from levxl.book.stresses import asset_of, market_moves_to_liquidation
from levxl.workbooks.report import cross, formulas
from levxl.workbooks.report.cells import (HEADER, STATUS_STYLES, SUBTITLE, TEXT, TITLE, SheetSpec, cached,
                                          margin_currency, number)
from levxl.workbooks.report.inputs import AMBER as AMBER_AT, RED as RED_AT
from levxl.workbooks.report.layout import HELPERS, Layout
from levxl.workbooks.report.rows import amount_style, not_recomputed_text, price_style, side_text, size_style

__all__ = ["positions_sheet"]

_NOTE = ("Amounts in each position's margin currency unless marked USD; blue cells are inputs (marks and vols live "
         "on Summary); 'none' = no price liquidates the position.")
_DISTANCE_NOTE = ("Distance: the adverse move of the mark to the liquidation price (longs a fall, shorts a rise); "
                  "≤ 0 = past it (LIQUIDATED).")
NOTE_COL = 3
"""The notes start right of the identifier columns that repeat on every printed band (never clipped there)."""
_OPTION_NOTE = (" Options: entry = premium per option, mark = the underlying's price, vol = implied; value and greeks "
                "(s × size × greek, Black-76) in the margin currency, coin for coin-settled; 'n/a' = not liquidated "
                "by the futures formulas.")
_OPTION_KEYS = ("kind", "otype", "strike", "expiry", "oval", "delta", "gamma", "vega", "theta")


TIER_WIDTH_MAX = 44
"""The widest the tier column gets (the reason of a position levxl cannot recompute fits it)."""


def _header(sheet: SheetSpec, lay: Layout, options: bool, unknown: bool = False, tier_chars: int = 0) -> None:
    P = lay.positions
    sheet.string(0, 0, "Positions", TITLE)
    sheet.string(1, NOTE_COL, _NOTE, SUBTITLE)
    sheet.string(2, NOTE_COL, _DISTANCE_NOTE + (_OPTION_NOTE if options else ""), SUBTITLE)
    for k, (key, head, width) in enumerate(P.columns):
        sheet.string(P.header_row, k, head, HEADER)
        hidden = key in HELPERS
        sheet.column(k, k, width, hidden, 1 if hidden else 0)
    sheet.row_height(P.header_row, 56)  # four lines: the distance header says what its sign means
    if options:  # option symbols are long (BTC-27DEC24-70000-C)
        sheet.column(P.col_of["symbol"], P.col_of["symbol"], 21)
    if unknown:  # "n/a (venue: 97,941.60)" and the reason where levxl cannot recompute a position
        sheet.column(P.col_of["liq"], P.col_of["liq"], 19)
        sheet.column(P.col_of["tier"], P.col_of["tier"], TIER_WIDTH_MAX)
    else:  # the longest tier label ("T4 binance:1000PEPEUSDT@2024-10-24" was cut at 27); a column holds ~1.15
        # characters of it per unit of width in LibreOffice's substitute font
        need = math.ceil(tier_chars / 1.15)
        if need > dict((k, w) for k, _, w in P.columns)["tier"]:
            sheet.column(P.col_of["tier"], P.col_of["tier"], min(need, TIER_WIDTH_MAX))
    sheet.feature("freeze_panes", 4, 3)


def _inputs(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int) -> None:
    """Columns A:J: identity and inputs; mark and vol point at the Summary's market inputs."""
    book, r0, S = t.book, lay.positions.row0(i), lay.summary
    pf = price_style(t, i)
    sheet.number(r0, 0, book.row[i], number("int"))
    sheet.string(r0, 1, book.venue[i], TEXT)
    sheet.string(r0, 2, book.symbol[i], TEXT)
    sheet.string(r0, 3, side_text(t, i), TEXT)
    sheet.string(r0, 4, book.contract[i], TEXT)
    sheet.string(r0, 5, margin_currency(book.symbol[i], book.contract[i]), TEXT)
    sheet.number(r0, 6, float(book.size[i]), number("size"))
    sheet.number(r0, 7, float(book.entry[i]), pf)
    mk = S.market_row(i)
    sheet.formula(r0, 8, f"={S.ref(mk, S.mark_col)}", pf, float(book.mark[i]))
    vref = S.ref(mk, S.vol_col)
    sheet.formula(r0, 9, f'=IF(ISBLANK({vref}),"",{vref})', number("pct", 1), cached(book.vol[i]))


def _not_recomputed(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int) -> None:
    """A position levxl cannot recompute (cross without its wallet, mode unknown): no isolated liquidation price
    anywhere (no live formula would recompute one from a stand-in margin); the venue's figure, and why."""
    r0, c = lay.positions.row0(i), lay.positions.col_of
    shown, why = not_recomputed_text(t, i)
    sheet.string(r0, c["liq"], shown, number("num", 0))  # right-aligned like the prices
    for key in ("lev", "margin", "bank", "dist", "sigma", "flag", "p1", "p7", "add_margin", "cut_size", "mkt_liq"):
        sheet.string(r0, c[key], "n/a", number("num", 0) if key != "flag" else TEXT)
    sheet.string(r0, c["tier"], why, TEXT)


def _prices(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, g: dict, flag: str, profile,
            recomputable: bool = True, live_margin: bool = False) -> None:
    """Leverage, margin, liquidation and bankruptcy prices (on the row's tick cell the way of its venue's
    ``profile``), distance, σ-days, flag."""
    r0, inv, c = lay.positions.row0(i), bool(t.inverse[i]), lay.positions.col_of
    if not recomputable:
        # the book's margin here is a stand-in (the initial margin at the leverage or 1x): not a figure to show,
        # sum into the equity or divide by
        _not_recomputed(sheet, t, lay, i)
        return
    if np.isfinite(t.leverage[i]):
        sheet.number(r0, c["lev"], float(t.leverage[i]), number("num", 1))
    else:  # a cross position whose account's margin for it is <= 0: no leverage on it (Reconciliation says why)
        sheet.string(r0, c["lev"], "n/a", number("num", 0))
    if live_margin:  # a cross position: its account's wallet and the others' rooms, live with their marks
        sheet.formula(r0, c["margin"], cross.margin(lay, i), amount_style(t, i), float(t.margin[i]))
    else:
        sheet.number(r0, c["margin"], float(t.margin[i]), amount_style(t, i))
    S, M, Q, E, L = g["s"], g["margin"], g["size"], g["entry"], g["mark"]
    lpf = number("liqprice", price_style(t, i).digits)
    liq = formulas.liquidation(S, Q, E, M, g["mmr_liq"], g["cum_liq"], inv, t.book.basis[i] == "entry", g["fee"])
    bank = formulas.bankruptcy(S, Q, E, M, inv)
    # the prices the venue shows: the formula's in hidden helpers, rounded here on the row's tick cell, on every row
    # (a tick typed into a row that had none rounds it; a blank tick leaves the price unrounded)
    tick = float(t.book.tick[i])
    if np.isfinite(tick):
        sheet.number(r0, c["tick"], tick, price_style(t, i))
    sheet.formula(r0, c["liq_raw"], liq, lpf, cached(t.liquidation_unrounded[i]))
    sheet.formula(r0, c["bank_raw"], bank, lpf, cached(t.bankruptcy_unrounded[i]))
    liq = formulas.on_tick(g["liq_raw"], g["tick"], *tick_rule(profile, t.side[i], "liquidation"))
    bank = formulas.on_tick(g["bank_raw"], g["tick"], *tick_rule(profile, t.side[i], "bankruptcy"))
    sheet.formula(r0, c["liq"], liq, lpf, cached(t.liquidation[i]))
    sheet.formula(r0, c["bank"], bank, lpf, cached(t.bankruptcy[i]))
    LQ, D, V = g["liq"], g["dist"], g["vol"]
    # a liquidation price in error (a blanked input, text in a number) shows through: "none" is only the formula's
    # "no price liquidates"; a cleared liquidation cell is #N/A, not "none"
    sheet.formula(r0, c["dist"], f"=IF(ISNUMBER({LQ}),{S}*({L}-{LQ})/{L},IF(ISBLANK({LQ}),NA(),{LQ}))",
                  number("pct", 2), cached(t.distance[i]))
    no_liq = not np.isfinite(t.liquidation[i]) or t.liquidation[i] == 0
    sheet.formula(r0, c["sigma"], f'=IF(N({V})<=0,"{formulas.NO_VOL}",IF(ISNUMBER({D}),IF({LQ}=0,"none",'
                                  f'{S}*LN({L}/{LQ})/({V}*SQRT(1/365))),{D}))', number("num", 1),
                  "none" if no_liq and not np.isnan(t.book.vol[i]) and t.book.vol[i] > 0
                  else cached(t.sigma_days[i], formulas.NO_VOL))
    red, amber = lay.summary.ref(lay.summary.red_row), lay.summary.ref(lay.summary.amber_row)
    # ERROR, not GREEN, for a distance in error: the Summary counts it and says what its aggregates leave out
    sheet.formula(r0, c["flag"], f'=IF(ISNUMBER({D}),IF({D}<=0,"LIQUIDATED",IF({D}<{red},"RED",IF({D}<{amber},'
                                 f'"AMBER","GREEN"))),IF(ISERROR({D}),"ERROR",IF({D}="none","GREEN","ERROR")))',
                  TEXT, flag)


def _amounts(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, g: dict, recomputable: bool = True) -> None:
    """Notional, maintenance, tier, uPnL, funding, probabilities."""
    book, r0, inv, c = t.book, lay.positions.row0(i), bool(t.inverse[i]), lay.positions.col_of
    S, Q, E, L, V = g["s"], g["size"], g["entry"], g["mark"], g["vol"]
    af = amount_style(t, i)
    sheet.formula(r0, c["notional"], f"={Q}/{L}" if inv else f"={Q}*{L}", af, float(t.notional[i]))
    sheet.formula(r0, c["notional_usd"], f"={Q}" if inv else f"={Q}*{L}", number("usd"), float(t.notional_usd[i]))
    sheet.formula(r0, c["mm"], f"={g['notional']}*{g['mmr_mark']}-{g['cum_mark']}", af, float(t.maintenance[i]))
    sheet.formula(r0, c["mm_rate"], f"={g['mm']}/{g['notional']}", number("pct", 3), float(t.maintenance_rate[i]))
    if recomputable:  # else: the reason, written with the prices
        sheet.string(r0, c["tier"], t.tier_liq[i], TEXT)
    upnl = f"={S}*{Q}*(1/{E}-1/{L})" if inv else f"={S}*{Q}*({L}-{E})"
    sheet.formula(r0, c["upnl"], upnl, af, float(t.upnl[i]))
    sheet.formula(r0, c["upnl_usd"], f"={g['upnl']}*{g['fx']}", number("usd"), float(t.upnl_usd[i]))
    sheet.number(r0, c["fund_rate"], float(book.funding_rate[i]), number("rate"))
    sheet.number(r0, c["fund_hours"], float(book.funding_hours[i]), number("num", 0))
    sheet.formula(r0, c["fund_day"], f"=-{S}*{g['notional']}*{g['fund_rate']}*24/{g['fund_hours']}", af,
                  float(t.funding_per_day[i]))
    sheet.formula(r0, c["fund_year"], f"={g['fund_day']}*365", af, float(t.funding_per_day[i] * 365))
    for key, days, val in (("p1", 1, t.prob_1d[i]), ("p7", 7, t.prob_7d[i])):
        if not recomputable:
            continue
        sheet.formula(r0, c[key], formulas.probability(S, L, g["liq"], days, V), number("pct", 2),
                      cached(val, formulas.NO_VOL))


def _helpers(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, g: dict) -> None:
    """Hidden helpers: s, the tier at the liquidation price (constants), the live tier at the mark, USD per unit."""
    r0, c = lay.positions.row0(i), lay.positions.col_of
    sheet.number(r0, c["s"], float(t.side[i]), number("int"))
    sheet.number(r0, c["mmr_liq"], float(t.mmr_liq[i]), number("rate"))
    sheet.number(r0, c["cum_liq"], float(t.cum_liq[i]), number("num", 2))
    sheet.number(r0, c["fee"], float(t.book.fee[i]), number("rate"))
    _live_tier(sheet, t, lay, i, ("mmr_mark", "cum_mark"), g["notional"], g["size"], (t.mmr_mark[i], t.cum_mark[i]))
    _fx(sheet, t, lay, i, g)
    if t.has_cross:  # the cross-account helpers: a book without a cross account has none of them
        _account(sheet, t, lay, i, g)


def _account(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, g: dict) -> None:
    """The cross-account helpers: the account's number, the margin the position brings into the book's equity
    (:func:`levxl.book.figures.equity_margin`: its margin; a cross account's wallet once, shared by notional at the
    marks, live) and the account's wallet less the fees to close it pays (what its equity starts from)."""
    r0, c, book = lay.positions.row0(i), lay.positions.col_of, t.book
    a = int(t.account[i])
    sheet.number(r0, c["acct"], a, number("int"))
    af = amount_style(t, i)
    if not np.isfinite(t.equity_margin[i]):  # not recomputable (Book.recomputable reads every row: not per row)
        sheet.string(r0, c["eq_margin"], "n/a", number("num", 0))
    elif a < 0:
        sheet.formula(r0, c["eq_margin"], f"={g['margin']}", af, float(t.equity_margin[i]))
    else:
        members = np.flatnonzero(t.account == a)
        P = lay.positions
        sheet.formula(r0, c["eq_margin"], f"={float(book.cross_wallet[i])!r}*{g['notional']}/SUMIF({P.range('acct')},"
                                          f"{g['acct']},{P.range('notional')})", af, float(t.equity_margin[i]))
        sheet.number(r0, c["acct_left"], float(book.cross_wallet[i] - book.close_fee[members].sum()), af)


def _live_tier(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, keys: tuple[str, str], notional: str,
               size: str, cached_values: tuple) -> None:
    """The (mmr, cum) helper cells ``keys`` of position ``i``: the tier of ``notional`` (of ``size`` for a table
    counted by size, OKX's) looked up live in its table on Methodology, or its flat rate (cum 0) when it has
    none."""
    r0, c = lay.positions.row0(i), lay.positions.col_of
    rate, cum = (float(v) for v in cached_values)
    name = t.tier_of[i]
    if name is None:
        sheet.number(r0, c[keys[0]], rate, number("rate"))
        sheet.number(r0, c[keys[1]], 0.0, number("num", 2))
        return
    fl, mm, cu = lay.methodology.tier_ranges(name)
    counted = f"ABS({size})" if t.tier_tables[name].counted_by == "size" else notional
    sheet.formula(r0, c[keys[0]], f"=LOOKUP({counted},{fl},{mm})", number("rate"), rate)
    sheet.formula(r0, c[keys[1]], f"=LOOKUP({counted},{fl},{cu})", number("num", 2), cum)


def _stress_inputs(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, g: dict, beta: float, squeezed: int,
                   market_move: np.ndarray, recomputable: bool) -> None:
    """Hidden helpers the stresses read: asset, its beta and squeeze flag (looked up in the Stress sheet's betas
    table), the adverse direction, and the BTC moves (down, up) that liquidate the position (the liquidation
    map)."""
    r0, c, St = lay.positions.row0(i), lay.positions.col_of, lay.stress
    sheet.string(r0, c["asset"], asset_of(t.book.symbol[i]), TEXT)
    sheet.formula(r0, c["beta"], f"=VLOOKUP({g['asset']},{St.betas_range()},2,FALSE)", number("num", 2), beta)
    sheet.formula(r0, c["squeezed"], f"=VLOOKUP({g['asset']},{St.betas_range()},4,FALSE)", number("int"), squeezed)
    if t.option[i]:
        delta = float(t.options.delta[int((t.options.idx == i).nonzero()[0][0])])
        sheet.formula(r0, c["adv"], f"=IF({g['delta']}>0,-1,1)", number("int"), -1 if delta > 0 else 1)
        return
    sheet.formula(r0, c["adv"], f"=-{g['s']}", number("int"), -float(t.side[i]))
    if not recomputable:
        return
    if t.account[i] >= 0:
        # a cross account is liquidated as a whole: its moves on both sides, found by levxl at the report's marks
        # and betas (levxl.book.stresses.market_moves_to_liquidation), constants like its margin of the equation
        for key, x in zip(("mkt_liq", "mkt_liq2"), market_move):
            if np.isfinite(x):
                sheet.number(r0, c[key], float(x), number("pct", 1))
            else:
                sheet.string(r0, c[key], "", number("pct", 1))
        return
    D, LQ, L, B = g["dist"], g["liq"], g["mark"], g["beta"]
    # N(LQ)>0: a long no price liquidates (the sentinel 0) is off the liquidation map, not a -100% move
    sheet.formula(r0, c["mkt_liq"], f'=IF(ISNUMBER({D}),IF(AND({D}>0,{B}<>0,N({LQ})>0),({LQ}/{L}-1)/{B},""),'
                                    f'IF(ISERROR({D}),{D},""))',
                  number("pct", 1), cached(np.nanmin(market_move) if np.isfinite(market_move).any() else np.nan))


def _add_in_total(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, g: dict, total: float) -> None:
    """Position ``i``'s margin to add in the Summary's total, USD: its own; a cross account's largest, once, on its
    first position (margin added to the wallet adds to every position's), 0 on its others."""
    r0, c, a = lay.positions.row0(i), lay.positions.col_of, int(t.account[i])
    if a < 0:
        sheet.formula(r0, c["add_total"], f"={g['add_margin']}*{g['fx']}", number("usd"), total)
    elif i == int(np.flatnonzero(t.account == a)[0]):
        P = lay.positions
        sheet.formula(r0, c["add_total"], f"=_xlfn.MAXIFS({P.range('add_margin')},{P.range('acct')},{g['acct']})"
                                          f"*{g['fx']}", number("usd"), total)
    else:
        sheet.number(r0, c["add_total"], 0.0, number("usd"))


def _fixes(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, g: dict, fixes: DistanceFixes) -> None:
    """Margin to add, or size to cut with the margin kept, to bring the liquidation price to the target distance
    (Summary input) from the mark: the engine's figures (:func:`levxl.book.figures.distance_fixes`) cached."""
    r0, c, inv = lay.positions.row0(i), lay.positions.col_of, bool(t.inverse[i])
    S, Q, E, M, L = g["s"], g["size"], g["entry"], g["margin"], g["mark"]
    T, target = g["tgt_price"], lay.summary.ref(lay.summary.target_row)
    sheet.formula(r0, c["tgt_price"], f"={L}*(1-{S}*{target})", price_style(t, i), float(fixes.target_price[i]))
    B = E if t.book.basis[i] == "entry" else T  # where maintenance is measured
    _live_tier(sheet, t, lay, i, ("mmr_tgt", "cum_tgt"), f"{Q}/{B}" if inv else f"{Q}*{B}", Q,
               (fixes.mmr_target[i], fixes.cum_target[i]))
    sheet.number(r0, c["mmr_cut"], float(fixes.mmr_cut[i]), number("rate"))
    sheet.number(r0, c["cum_cut"], float(fixes.cum_cut[i]), number("num", 2))
    F = g["fee"]  # the fee inside the threshold, on the value at the target price
    if inv:
        need = f"{g['mmr_tgt']}*{Q}/{B}-{g['cum_tgt']}+{F}*{Q}/{T}-{S}*{Q}*(1/{E}-1/{T})"
        den = f"({g['mmr_cut']}/{B}+{F}/{T}-{S}*(1/{E}-1/{T}))"
    else:
        need = f"{g['mmr_tgt']}*{Q}*{B}-{g['cum_tgt']}+{F}*{Q}*{T}-{S}*{Q}*({T}-{E})"
        den = f"({g['mmr_cut']}*{B}+{F}*{T}-{S}*({T}-{E}))"
    sheet.formula(r0, c["add_margin"], f"=MAX(0,{need}-{M})", amount_style(t, i), float(fixes.margin_to_add[i]))
    if t.has_cross:  # without a cross account the Summary sums the margins to add themselves
        _add_in_total(sheet, t, lay, i, g, float(fixes.margin_to_add_in_total_usd[i]))
    if np.isnan(fixes.size_to_cut[i]):  # a cross margin of the equation <= 0: no cut moves the price to the target
        sheet.string(r0, c["cut_size"], "n/a", number("num", 0))
        return
    sheet.formula(r0, c["cut_size"], f"=IF({den}<=0,0,MAX(0,{Q}-({M}+{g['cum_cut']})/{den}))", size_style(t, i),
                  float(fixes.size_to_cut[i]))


def _fx(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, g: dict) -> None:
    r0, col = lay.positions.row0(i), lay.positions.col_of["fx"]
    if t.inverse[i]:
        sheet.formula(r0, col, f"={g['mark']}", number("num", 2), float(t.fx[i]))
    else:
        sheet.number(r0, col, 1.0, number("num", 2))


def _option_row(sheet: SheetSpec, t: RiskTable, lay: Layout, i: int, g: dict) -> None:
    """An option: premium, value and greeks as native Black-76 formulas on the live mark and vol (cached: the
    engine's :func:`levxl.engine.options.greeks`); the futures columns read "n/a"."""
    book, r0, c, fig = t.book, lay.positions.row0(i), lay.positions.col_of, t.options
    k = int((fig.idx == i).nonzero()[0][0])
    inv, af, na = bool(t.inverse[i]), amount_style(t, i), number("num", 0)
    sheet.number(r0, 7, float(book.entry[i]), af)
    for key in ("lev", "margin", "liq", "bank", "dist", "sigma", "flag", "tier", "add_margin", "cut_size",
                "mkt_liq"):
        sheet.string(r0, c[key], "n/a", na if key != "tier" else TEXT)
    # blank, not text: sums and array products over these columns skip them
    for key in ("notional", "notional_usd", "mm", "mm_rate", "fund_rate", "fund_hours", "fund_day", "fund_year",
                "p1", "p7", "mmr_liq", "cum_liq", "mmr_mark", "cum_mark", "tgt_price", "mmr_tgt", "cum_tgt", "mmr_cut",
                "cum_cut", "fee"):
        sheet.blank(r0, c[key], TEXT)
    sheet.string(r0, c["kind"], "option", TEXT)
    sheet.string(r0, c["otype"], book.option_type[i], TEXT)
    sheet.number(r0, c["strike"], float(book.strike[i]), price_style(t, i))
    sheet.number(r0, c["expiry"], float(book.expiry_days[i]), number("num", 1))
    w = 1 if book.option_type[i] == "call" else -1
    S, Q, E, L, V, K, T = (g[x] for x in ("s", "size", "entry", "mark", "vol", "strike", "expiry"))
    sheet.formula(r0, c["oval"], "=" + formulas.black76(w, L, K, T, V, "value", inv), af, float(fig.value[k]))
    for key, fmt in (("delta", number("num", 4)), ("gamma", number("sci")), ("vega", af), ("theta", af)):
        sheet.formula(r0, c[key], f"={S}*{Q}*" + formulas.black76(w, L, K, T, V, key, inv), fmt,
                      float(getattr(fig, key)[k]))
    if t.has_cross:
        sheet.number(r0, c["acct"], -1, number("int"))
    sheet.formula(r0, c["upnl"], f"={S}*{Q}*({g['oval']}-{E})", af, float(t.upnl[i]))
    sheet.formula(r0, c["upnl_usd"], f"={g['upnl']}*{g['fx']}", number("usd"), float(t.upnl_usd[i]))
    sheet.number(r0, c["s"], float(t.side[i]), number("int"))
    _fx(sheet, t, lay, i, g)


def _finish(sheet: SheetSpec, t: RiskTable, lay: Layout, as_of: str) -> None:
    P = lay.positions
    visible = len(P.columns) - 1 - len(HELPERS)
    if P.n:
        rng = f"{P.letter('flag')}{P.first}:{P.letter('flag')}{P.last}"
        for word, fmt in STATUS_STYLES:
            sheet.conditional(rng, {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": fmt})
        sheet.conditional(f"{P.letter('p7')}{P.first}:{P.letter('p7')}{P.last}",
                          {"type": "data_bar", "bar_color": "#F4B183", "bar_solid": True,
                           "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1})
        sheet.feature("autofilter", P.header_row, 0, P.last - 1, visible)
    sheet.page("Positions", as_of, (P.header_row, P.header_row))
    sheet.feature("print_area", 0, 0, max(P.last - 1, 4), visible)


def positions_sheet(t: RiskTable, lay: Layout, as_of: str, fixes: DistanceFixes, betas: np.ndarray,
                    squeezed: np.ndarray) -> SheetSpec:
    """The Positions sheet of ``t`` laid out by ``lay``.

    Parameters
    ----------
    t : RiskTable
        The book's figures (cached values).
    lay : Layout
        The report's anchors (columns, first row, Summary inputs, tier table ranges).
    as_of : str
        The report's timestamp (page header).
    fixes : DistanceFixes
        Margin to add and size to cut at the Summary's target distance.
    betas, squeezed : ndarray
        Each position's beta to BTC and whether its asset is squeezed (the book is net short it).

    Returns
    -------
    SheetSpec
    """
    sheet = SheetSpec("Positions")
    recomputable = t.book.recomputable
    _header(sheet, lay, t.any_options, bool(np.any(~recomputable & ~t.option)),
            max((len(x) for x in t.tier_liq), default=0))
    P = lay.positions
    statuses = t.statuses(RED_AT, AMBER_AT)
    down, up = market_moves_to_liquidation(t, dict(zip(lay.stress.assets, lay.stress.betas)))
    market_move = np.stack([down, up], axis=1) if len(t) else np.zeros((0, 2))
    profiles = profiles_for(t.book.venue, t.book.contract)  # once: each row's tick rule
    live = cross.whole_accounts(t)
    for i in range(P.n):
        g = P.locals(i)
        _inputs(sheet, t, lay, i)
        if t.option[i]:
            _option_row(sheet, t, lay, i, g)
            _stress_inputs(sheet, t, lay, i, g, float(betas[i]), int(squeezed[i]), np.full(2, np.nan), False)
            continue
        if t.any_options:
            for key in _OPTION_KEYS:
                sheet.blank(P.row0(i), P.col_of[key], TEXT)
            sheet.string(P.row0(i), P.col_of["kind"], "perp", TEXT)
        _prices(sheet, t, lay, i, g, statuses[i], profiles[i], bool(recomputable[i]), bool(live[i]))
        _amounts(sheet, t, lay, i, g, bool(recomputable[i]))
        _helpers(sheet, t, lay, i, g)
        _stress_inputs(sheet, t, lay, i, g, float(betas[i]), int(squeezed[i]), market_move[i],
                       bool(recomputable[i]))
        if recomputable[i]:
            _fixes(sheet, t, lay, i, g, fixes)
    _finish(sheet, t, lay, as_of)
    return sheet
