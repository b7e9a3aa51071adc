"""The Reconciliation sheet: the venue's liquidation price and maintenance margin beside levxl's, the difference and
why they differ, one row per position (:func:`levxl.book.reconcile.reconciliation_table`).

The numbers are the reconciliation's own (plain values; the difference a native formula over them). levxl's price
is the account's: a cross position computed on its account's wallet shows the cross number, one levxl cannot
recompute (cross without its wallet, mode unknown) shows "n/a" and the reason, never an isolated price."""

from __future__ import annotations

import math
from typing import Any

from levxl.book.reconcile import CLOSE, MM_PRECISION, RELATIVE_MATCH, TICK_EPSILON, TICKS_MATCH, rate_text
from levxl.workbooks.report.cells import (AMBER, GREEN, HEADER, NOTE, RED, SECTION, TEXT, TITLE, WRAP, SheetSpec,
                                          cached, col, number, shown_price_digits, tick_digits)
from levxl.workbooks.report.layout import Layout

__all__ = ["reconciliation_sheet"]
_WORD = number("num", 0)  #: a word ("none", "n/a") in a numeric column, right-aligned like the numbers

_NOTE = (f"'matches' (green): within {TICKS_MATCH:g} tick of the row's tick (venues round to it, not always levxl's "
         f"way), or {rate_text(RELATIVE_MATCH)} relative where no tick is given; a difference is amber within "
         f"{CLOSE:.1%}, red beyond. Maintenance margins match within {MM_PRECISION['linear']:g} (linear) / "
         f"{rate_text(MM_PRECISION['inverse'])} coin (inverse). levxl's price: isolated on the position's "
         "margin, cross on the account's wallet less the other cross positions' MM plus their uPnL; n/a where levxl "
         "cannot recompute it (the venue's figure is the one to use). Maintenance margins where the venue measures "
         "them (the mark; the entry at Bybit), with the fee to close a Bybit margin holds, in the margin currency "
         "(Positions' is at the mark). Give the venue's liq. price, MM and the tick as columns (or ccxt JSON) to "
         "reconcile.")


def _price(sheet: SheetSpec, r0: int, c: int, x: float, digits: int, missing: str) -> None:
    if math.isnan(x):
        sheet.string(r0, c, missing, _WORD)
    elif math.isinf(x) or x == 0:
        sheet.string(r0, c, "none", _WORD)  # no price liquidates the position
    else:
        sheet.number(r0, c, x, number("price", digits))


def _amount(sheet: SheetSpec, r0: int, c: int, x: float, digits: int) -> None:
    if math.isnan(x):
        sheet.blank(r0, c, number("amt", digits))
    else:
        sheet.number(r0, c, x, number("amt", digits))


def _row(sheet: SheetSpec, lay: Layout, i: int, row: list[Any], inverse: bool, tick: float = math.nan) -> None:
    R = lay.reconciliation
    r0, c = R.first + i, R.col
    rownum, venue, account, symbol, side, mode, vliq, lliq, diff, tick_, ticks, vmm, lmm, reason = row
    sheet.number(r0, c("row"), int(rownum), number("int"))
    for key, text in (("venue", venue), ("account", account), ("symbol", symbol), ("side", side), ("mode", mode)):
        sheet.string(r0, c(key), str(text), TEXT)
    digits = shown_price_digits(vliq if math.isfinite(vliq) and vliq > 0 else lliq, tick)
    _price(sheet, r0, c("venue_liq"), vliq, digits, "")
    _price(sheet, r0, c("levxl_liq"), lliq, digits, "n/a")
    v, lx = R.a1("venue_liq", i), R.a1("levxl_liq", i)
    sheet.formula(r0, c("diff"), f'=IF(AND(ISNUMBER({v}),ISNUMBER({lx})),{lx}/{v}-1,"")', number("pct", 2),
                  cached(diff))
    if math.isnan(tick_):
        sheet.blank(r0, c("tick"), number("price", 2))
    else:
        sheet.number(r0, c("tick"), tick_, number("price", tick_digits(tick_)))
    t = R.a1("tick", i)
    sheet.formula(r0, c("ticks"), f'=IF(AND(ISNUMBER({v}),ISNUMBER({lx}),ISNUMBER({t})),({lx}-{v})/{t},"")',
                  number("num", 2), cached(ticks))
    amount_digits = 6 if inverse else 2
    _amount(sheet, r0, c("venue_mm"), vmm, amount_digits)
    _amount(sheet, r0, c("levxl_mm"), lmm, amount_digits)
    sheet.string(r0, c("reason"), str(reason), WRAP)
    sheet.row_height(r0, 13.5 * max(1, math.ceil(len(str(reason)) / 64)))


#: the cross-accounts table below the positions, in the sheet's own columns (each wide enough for its figure)
_ACCOUNT_COLUMNS = (("venue", 1, "Venue"), ("account", 2, "Account"), ("rows", 3, "Input rows"),
                    ("ccy", 4, "Margin ccy"), ("wallet", 6, "Wallet"), ("equity", 7, "Equity (wallet + uPnL)"),
                    ("threshold", 8, "Liquidation threshold (MM + fees)"), ("ratio", 9, "Margin ratio"),
                    ("down", 10, "Every mark falls: liquidated at"), ("up", 11, "Every mark rises: liquidated at"))


def _accounts(sheet: SheetSpec, lay: Layout, accounts: list, rows: list[int], top: int) -> None:
    """The cross accounts below the positions (:func:`levxl.book.figures.cross_account_figures`): wallet, equity and
    threshold live over Positions and Stress detail (the rooms at the marks), the margin ratio the venues show
    (threshold / equity), and the moves of every mark that liquidate each account (found by levxl at the report's
    marks)."""
    P, St = lay.positions, lay.stress
    c = {key: k for key, k, _ in _ACCOUNT_COLUMNS}
    sheet.string(top, 1, "Cross accounts: each liquidated as a whole, its wallet counted once", SECTION)
    for _, k, head in _ACCOUNT_COLUMNS:
        sheet.string(top + 1, k, head, HEADER)
    sheet.row_height(top + 1, 42)
    acct, upnl = P.range("acct"), P.range("upnl")
    rooms = St.column_range(St.room_col("now"))
    for j, a in enumerate(accounts):
        r0 = top + 2 + j
        amount = number("amt", 8 if a.currency not in ("USD", "USDT", "USDC") else 2)
        who = P.ref("acct", a.positions[0], True, True)
        cell = {key: f"{col(k)}{r0 + 1}" for key, k, _ in _ACCOUNT_COLUMNS}
        for key, text in (("venue", a.venue), ("account", a.account), ("ccy", a.currency),
                          ("rows", ", ".join(str(rows[i]) for i in a.positions))):
            sheet.string(r0, c[key], text, TEXT)
        sheet.number(r0, c["wallet"], a.wallet, amount)
        sheet.formula(r0, c["equity"], f"={cell['wallet']}+SUMIF({acct},{who},{upnl})", amount, a.equity)
        # PnL less room is each position's threshold at its mark (levxl.workbooks.report.cross.room)
        sheet.formula(r0, c["threshold"], f"={a.fees_to_close!r}+SUMIF({acct},{who},{upnl})-SUMIF({acct},{who},"
                                          f"{rooms})", amount, a.maintenance)
        sheet.formula(r0, c["ratio"], f'=IF({cell["equity"]}>0,{cell["threshold"]}/{cell["equity"]},"n/a")',
                      number("pct", 1), cached(a.margin_ratio, "n/a"))
        for key, move in (("down", a.move_down), ("up", a.move_up)):
            if math.isfinite(move):
                sheet.number(r0, c[key], move, number("pct", 1))
            else:
                sheet.string(r0, c[key], "none", _WORD)


def reconciliation_sheet(headers: tuple, rows: list[list[Any]], inverse: list[bool], lay: Layout,
                         as_of: str, ticks: list[float] | None = None, accounts: list | None = None,
                         input_rows: list[int] | None = None) -> SheetSpec:
    """The Reconciliation sheet.

    Parameters
    ----------
    headers, rows
        :func:`levxl.book.reconcile.reconciliation_table` of the book (book order, as Positions).
    inverse : list of bool
        Per position: coin-margined (maintenance margins in coin, 6 decimals).
    lay : Layout
        The report's anchors (:attr:`Layout.reconciliation`).
    as_of : str
        The report's timestamp.
    ticks : list of float, optional
        Per position: its price tick (NaN: none given); the prices show at least its decimals.
    accounts : list of CrossAccount, optional
        :func:`levxl.book.figures.cross_account_figures` of the book: a table of them below the positions.
    input_rows : list of int, optional
        Per position: its input row (the accounts table names them).

    Returns
    -------
    SheetSpec
    """
    sheet, R = SheetSpec("Reconciliation"), lay.reconciliation
    sheet.string(0, 0, "Reconciliation with the venue", TITLE)
    sheet.merge(1, 0, 2, len(R.columns) - 1, NOTE)
    sheet.string(1, 0, _NOTE, NOTE)
    sheet.row_height(1, 15)
    sheet.row_height(2, 15)
    for k, (key, head, width) in enumerate(R.columns):
        sheet.string(R.header, k, head, HEADER)
        sheet.column(k, k, width)
    sheet.row_height(R.header, 42)
    for i, row in enumerate(rows):
        _row(sheet, lay, i, row, inverse[i], ticks[i] if ticks is not None else math.nan)
    if not rows:
        sheet.string(R.first, 0, "no positions", TEXT)
    if rows:
        # the verdict's colours from the same rule as its text (levxl.book.reconcile.price_gap): green a match,
        # amber a difference within CLOSE, red beyond; on the difference and the difference in ticks
        d, t, k = (col(R.col(key)) for key in ("diff", "tick", "ticks"))
        first = R.first + 1
        cells = (f"${d}{first}", f"${t}{first}", f"${k}{first}")
        for column in (d, k):
            rng = f"{column}{first}:{column}{R.first + len(rows)}"
            for fmt, formula in ((GREEN, _match(*cells)), (AMBER, _differs(*cells, True)),
                                 (RED, _differs(*cells, False))):
                sheet.conditional(rng, {"type": "formula", "criteria": formula, "format": fmt})
    if accounts:
        _accounts(sheet, lay, accounts, input_rows, R.first + max(len(rows), 1) + 2)
    sheet.feature("freeze_panes", R.first, 4)
    sheet.page("Reconciliation", as_of, (R.header, R.header))
    return sheet


def _matches(diff: str, tick: str, ticks: str) -> str:
    """The match rule of :func:`levxl.book.reconcile.price_gap` over a row's cells, without the leading "=": within
    TICKS_MATCH ticks (+ TICK_EPSILON) where the tick is given, within RELATIVE_MATCH where it is not."""
    return (f"OR(AND(ISNUMBER({ticks}),ABS(N({ticks}))<={TICKS_MATCH + TICK_EPSILON!r}),AND(NOT(ISNUMBER({tick})),"
            f"ISNUMBER({diff}),ABS(N({diff}))<={RELATIVE_MATCH!r}))")


def _match(diff: str, tick: str, ticks: str) -> str:
    """A conditional-format formula: the row's prices match (blank cells never do)."""
    return f"={_matches(diff, tick, ticks)}"


def _differs(diff: str, tick: str, ticks: str, within_close: bool) -> str:
    """A conditional-format formula: the row's prices differ, by at most CLOSE (``within_close``) or more."""
    size = f"ABS(N({diff}))<={CLOSE!r}"
    return f"=AND(ISNUMBER({diff}),NOT({_matches(diff, tick, ticks)}),{size if within_close else 'NOT(' + size + ')'})"
