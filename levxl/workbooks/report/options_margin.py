"""The Options margin sheet (books with options): per account holding options, the account's liquidation prices with
the options revalued (below and above the underlying), the standard short-option margin, the margin of the same
book under each portfolio-margin rule set with its worst scenario, the reverse-stress frontier (smallest adverse move
per vol shift) and each position's own move to lose a share of equity (:func:`levxl.book.options_book.
options_book_figures`; values, with the prices and moves that follow from them as native formulas)."""

from __future__ import annotations

import math

import numpy as np

from levxl.book.options_book import OptionsBookFigures
from levxl.workbooks.report.cells import (HEADER, LABEL, NOTE, SECTION, SUBTITLE, TEXT, TITLE, SheetSpec,
                                          col, number)
from levxl.workbooks.report.layout import Layout, OptionBlock

__all__ = ["options_margin_sheet", "PM_HEADERS", "FRONTIER_HEADERS", "POSITION_HEADERS"]
_WORD = number("num", 0)  #: a word ("none", "n/a") in a numeric column, right-aligned like the numbers

PM_HEADERS = ("Rule set", "Parameters", "MM", "IM", "Worst scenario loss", "Worst move", "Worst vol shock",
              "Underlying at the worst move (USD)")
FRONTIER_HEADERS = ("Vol shift (abs.)", "Params", "Move down to liq.", "Price down (USD)", "Move up to liq.",
                    "Price up (USD)", "Move down to lose {f:.0%} of equity", "Move up to lose {f:.0%}")
POSITION_HEADERS = ("Symbol", "", "Move down to lose {f:.0%} of equity", "Move up to lose {f:.0%} of equity")
_RULE_NAMES = {"deribit": "Deribit PM", "paradex": "Paradex PM", "okx": "OKX MR1"}
_WIDTHS = (50, 18, 14, 14, 14, 14, 14, 16)


def _amount(cur: str) -> object:
    return number("amt", 6 if cur == "coin" else 2)


def _lines(sheet: SheetSpec, b: OptionBlock, f: OptionsBookFigures, lay: Layout) -> None:
    v = lay.options_margin.value_col
    U = f"${col(v)}${b.line('underlying') + 1}"
    has_wallet = f.wallet > 0
    rows = [("underlying", "Underlying price (the book's mark, USD)", f.underlying, number("price", 2), ""),
            ("wallet", f"Wallet ({f.currency}; the perps' margin summed)", f.wallet, _amount(f.currency),
             "" if has_wallet else "no collateral in the input: the account's liquidation prices are not shown"),
            ("liq_down", "Account liquidation price with options, below (USD)", float(f.liquidation.down),
             number("price", 2), f"options revalued by Black-76, rules {f.liquidation.params}"),
            ("liq_up", "Account liquidation price with options, above (USD)", float(f.liquidation.up),
             number("price", 2), ""),
            ("standard_im", f"Standard margin IM ({f.currency}, short options + perps)", f.standard_im,
             _amount(f.currency), f"parameter set {f.standard_rules}"),
            ("standard_mm", f"Standard margin MM ({f.currency})", f.standard_mm, _amount(f.currency),
             f"parameter set {f.standard_rules}")]
    for key, label, value, style, note in rows:
        r0 = b.line(key)
        sheet.string(r0, 1, label, LABEL)
        if key in ("liq_down", "liq_up") and not has_wallet:
            sheet.string(r0, v, "n/a", _WORD)
        elif key in ("liq_down", "liq_up") and not math.isfinite(value):
            sheet.string(r0, v, "none", _WORD)
        else:
            sheet.number(r0, v, float(value), style)
        if key in ("liq_down", "liq_up") and has_wallet and math.isfinite(value):
            cell = f"{col(v)}{r0 + 1}"
            sheet.formula(r0, v + 1, f"={cell}/{U}-1", number("pct", 2), value / f.underlying - 1)
            sheet.string(r0, v + 2, note or "move of the underlying to reach it", TEXT)
        elif note:
            sheet.string(r0, v + 2, note, TEXT)


def _pm(sheet: SheetSpec, b: OptionBlock, f: OptionsBookFigures, lay: Layout) -> None:
    U = f"${col(lay.options_margin.value_col)}${b.line('underlying') + 1}"
    for k, head in enumerate(PM_HEADERS):
        sheet.string(b.pm_header, 1 + k, head, HEADER)
    amt = _amount(f.currency)
    for j, (name, r) in enumerate(f.portfolio.items()):
        r0 = b.pm_first + j
        sheet.string(r0, 1, _RULE_NAMES.get(name, name), LABEL)
        sheet.string(r0, 2, r.params, TEXT)
        for c, x in ((3, r.mm), (4, r.im), (5, r.worst_loss)):
            sheet.number(r0, c, float(x), amt)
        sheet.number(r0, 6, float(r.worst_move), number("pct", 1))
        sheet.number(r0, 7, float(r.worst_vol_shock), number("pct", 1))
        sheet.formula(r0, 8, f"={U}*(1+G{r0 + 1})", number("price", 0), f.underlying * (1 + float(r.worst_move)))


def _frontier(sheet: SheetSpec, b: OptionBlock, f: OptionsBookFigures, lay: Layout, fraction: float) -> None:
    U = f"${col(lay.options_margin.value_col)}${b.line('underlying') + 1}"
    for k, head in enumerate(FRONTIER_HEADERS):
        sheet.string(b.frontier_header, 1 + k, head.format(f=fraction), HEADER)
    fr, lf = f.frontier, f.loss_frontier
    for j in range(b.n_shifts):
        r0 = b.frontier_first + j
        sheet.number(r0, 1, float(fr.vol_shift[j]), number("pct", 0))
        sheet.string(r0, 2, fr.params, TEXT)
        for c, move in ((3, fr.move_down[j]), (5, fr.move_up[j])):
            if f.wallet > 0 and math.isfinite(move):
                sheet.number(r0, c, float(move), number("pct", 2))
                sheet.formula(r0, c + 1, f"={U}*(1+{col(c)}{r0 + 1})", number("price", 0),
                              f.underlying * (1 + float(move)))
            else:
                sheet.string(r0, c, "n/a" if f.wallet <= 0 else "none", _WORD)
                sheet.string(r0, c + 1, "", _WORD)
        for c, move in ((7, lf.move_down[j]), (8, lf.move_up[j])):
            _move(sheet, r0, c, float(move), f.wallet > 0)


def _move(sheet: SheetSpec, r0: int, c: int, move: float, ok: bool = True) -> None:
    if ok and math.isfinite(move):
        sheet.number(r0, c, move, number("pct", 2))
    else:
        sheet.string(r0, c, "none" if ok else "n/a", _WORD)


def _positions(sheet: SheetSpec, b: OptionBlock, f: OptionsBookFigures, fraction: float) -> None:
    for k, head in enumerate(POSITION_HEADERS):
        sheet.string(b.positions_header, 1 + k, head.format(f=fraction), HEADER)
    down, up = f.position_moves
    for j, symbol in enumerate(f.symbols):
        r0 = b.positions_first + j
        sheet.string(r0, 1, symbol, TEXT)
        _move(sheet, r0, 3, float(down[j]), f.wallet > 0)
        _move(sheet, r0, 4, float(up[j]), f.wallet > 0)


def options_margin_sheet(accounts: list[tuple[str, OptionsBookFigures | str]], lay: Layout, as_of: str,
                         loss_fraction: float = 0.25) -> SheetSpec:
    """The Options margin sheet.

    Parameters
    ----------
    accounts : list of (label, OptionsBookFigures or str)
        Per account holding options (:func:`levxl.book.options_book.option_accounts`): its figures, or the reason
        they cannot be computed (a one-line message).
    lay : Layout
        The report's anchors (:attr:`Layout.options_margin`).
    as_of : str
        The report's timestamp.
    loss_fraction : float
        The share of equity of the loss frontier (as passed to ``options_book_figures``).

    Returns
    -------
    SheetSpec
    """
    sheet, O = SheetSpec("Options margin"), lay.options_margin
    sheet.string(0, 1, "Options margin, account liquidation and reverse stress", TITLE)
    sheet.string(1, 1, "Per account holding options (venue, account, settlement, underlying): amounts in the "
                       "account's currency, moves as fractions of the underlying.", SUBTITLE)
    sheet.string(2, 1, "Every figure names its dated rule set (LEVXL_MARGIN_RULES lists their sources).", SUBTITLE)
    sheet.column(0, 0, 2)
    for k, w in enumerate(_WIDTHS):
        sheet.column(1 + k, 1 + k, w)
    for (label, f), b in zip(accounts, O.blocks):
        sheet.string(b.top, 1, label, SECTION)
        if isinstance(f, str):
            sheet.string(b.top + 1, 1, f"not computed: {f}", TEXT)
            continue
        sheet.merge(b.top + 1, 1, b.top + 1, 8, NOTE)
        sheet.string(b.top + 1, 1, "Standard margin: per-position short-option margin plus the perps' MM; portfolio "
                                   "margin: the whole book (options and perps) under each venue's scenario grid; "
                                   "frontier: smallest adverse move that liquidates the account.", NOTE)
        sheet.row_height(b.top + 1, 27)
        _lines(sheet, b, f, lay)
        for r0, text in ((b.pm_header - 1, "Portfolio margin of the book under each rule set, and its worst scenario"),
                         (b.frontier_header - 1, "Reverse stress: the smallest adverse move of the underlying per vol "
                                                 "shift"),
                         (b.positions_header - 1, "Each position alone: the move that costs it the share of equity")):
            sheet.string(r0, 1, text, LABEL)
        _pm(sheet, b, f, lay)
        _frontier(sheet, b, f, lay, loss_fraction)
        _positions(sheet, b, f, loss_fraction)
    sheet.feature("freeze_panes", O.first - 1, 0)
    sheet.page("Options margin", as_of)
    return sheet


def figures_or_reason(book, idx: np.ndarray, compute) -> OptionsBookFigures | str:
    """``compute(book.select(idx))``, or the one-line reason it refused the account (a ValueError)."""
    mask = np.zeros(len(book), dtype=bool)
    mask[idx] = True
    try:
        return compute(book.select(mask))
    except ValueError as exc:
        return str(exc).splitlines()[0]
