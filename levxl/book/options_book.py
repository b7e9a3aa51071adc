"""An options book's figures in one call: the account's liquidation prices with options, standard short-option
margin, the margin under each portfolio-margin rule set and the reverse-stress frontier (issue 17), from the engine's
margin functions (:mod:`levxl.engine.margin`). The report's Options margin sheet and ``LEVXL_`` callers read
:func:`options_book_figures`; no formula lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from levxl.engine import margin, options

__all__ = ["PM_RULES_COMPARED", "FRONTIER_VOL_SHIFTS", "OptionsBookFigures", "options_book_figures",
           "option_accounts"]

FRONTIER_VOL_SHIFTS = (0.0, 0.1, 0.2, 0.3)
"""Default vol shifts (absolute, annualised fractions) of the reverse-stress frontier."""

PM_RULES_COMPARED = ("deribit", "paradex", "okx")
"""The portfolio-margin sets an options book is measured under, in this order."""


@dataclass(frozen=True)
class OptionsBookFigures:
    """An options book's risk under each rule set: the account liquidation prices with options, the standard
    (per-position) margin totals, each portfolio-margin set's figures, the reverse-stress frontier per vol shift,
    and each position's own loss frontier. Amounts are in the account currency (coin for a Deribit book) with
    ``underlying`` to convert."""

    underlying: float
    wallet: float
    currency: str
    liquidation: "margin.AccountLiquidation"
    standard_im: float
    standard_mm: float
    standard_rules: str
    portfolio: dict
    frontier: "margin.Frontier"
    loss_frontier: "margin.Frontier"
    position_moves: tuple
    symbols: tuple


def _book_columns(book):
    """The engine's account columns from a :class:`~levxl.book.positions.Book` of one underlying and currency."""
    option = book.option
    if not len(book):
        raise ValueError("the options book has no valid positions")
    inverse = set(book.inverse.tolist())
    if len(inverse) != 1:
        raise ValueError("an options book must be one currency: all coin-settled (inverse) or all USD (linear)")
    marks = np.unique(book.mark)
    if marks.size != 1:
        raise ValueError("an options book must be one underlying: every row's mark (the underlying) must agree")
    instrument = np.where(option, np.where(np.array(book.option_type) == "put", -1.0, 1.0), 0.0)
    mmr = np.array([m if isinstance(m, float) else 0.005 for m in book.mmr], dtype=float)
    columns = dict(instruments=instrument, sides=book.side, sizes=book.size, entries=book.entry,
                   strikes=np.where(option, book.strike, np.nan), days=np.where(option, book.expiry_days, np.nan),
                   vols=np.where(option, book.vol, np.nan), underlying=float(marks[0]), mmr=mmr,
                   contract="inverse" if inverse.pop() else "linear", funding_rates=book.funding_rate)
    return columns


def options_book_figures(book, wallet=None, rules="deribit", vol_slope=0.0, vol_shifts=FRONTIER_VOL_SHIFTS,
                         loss_fraction=0.25) -> OptionsBookFigures:
    """Every figure of an options book (Deribit BTC options and a perpetual hedge, say) in one call.

    ``wallet`` the account balance (default: the perps' margin column summed: the collateral the book posts);
    ``rules`` the standard option-margin set; ``vol_slope`` how vol moves with the price; ``vol_shifts`` the points
    of the reverse-stress frontier; ``loss_fraction`` the share of equity of the loss frontier.
    """
    columns = _book_columns(book)
    if wallet is None:
        margins = np.where(book.option, np.nan, book.isolated_margin)
        wallet = float(np.nansum(margins))
    account = dict(columns, wallet=wallet, rules=rules, vol_slope=vol_slope)
    liquidation = margin.account_liquidation_with_options(**account)
    option = book.option
    U, settle = columns["underlying"], columns["contract"]
    kinds = np.where(np.array(book.option_type) == "put", "put", "call")
    option_mark = np.where(option, options.option_price(option_type=kinds, underlying=U,
                                                        strike=np.where(option, book.strike, U),
                                                        days=np.where(option, book.expiry_days, 0.0),
                                                        vol=np.where(option, book.vol, 0.0), contract=settle), 0.0)
    standard = margin.short_option_margin(kinds, U, np.where(option, book.strike, U), mark=option_mark,
                                          size=book.size, side=np.where(option, book.side, 1.0), rules=rules,
                                          contract=settle)
    perp_mm = np.where(option, 0.0, columns["mmr"] * np.where(book.inverse, book.size / U, book.size * U))
    portfolio = {name: margin.pm_margin(columns["instruments"], columns["sides"], columns["sizes"],
                                        strikes=columns["strikes"], days=columns["days"], vols=columns["vols"],
                                        underlying=U, rules=name, contract=settle) for name in PM_RULES_COMPARED}
    frontier = margin.account_reverse_stress(**account, vol_shifts=list(vol_shifts))
    loss_frontier = margin.account_reverse_stress(**account, vol_shifts=list(vol_shifts), loss_fraction=loss_fraction)
    moves = margin.position_reverse_stress(**account, loss_fraction=loss_fraction)
    return OptionsBookFigures(U, wallet, "coin" if settle == "inverse" else "USD", liquidation,
                              float(np.sum(standard.im) + perp_mm.sum()), float(np.sum(standard.mm) + perp_mm.sum()),
                              standard.params, portfolio, frontier, loss_frontier, moves, tuple(book.symbol))


def option_accounts(book) -> list[tuple[str, np.ndarray]]:
    """The book's accounts that hold options, each as (label, indices into ``book``): positions grouped by venue,
    account, settlement (coin or USD) and underlying price (the mark), in book order; the perps of the same group
    are the options' hedge and collateral (:func:`options_book_figures` takes one such group)."""
    groups: dict[tuple, list[int]] = {}
    inverse = book.inverse
    for i in range(len(book)):
        key = (book.venue[i].strip().lower(), book.account[i].strip(), bool(inverse[i]), float(book.mark[i]))
        groups.setdefault(key, []).append(i)
    option = book.option
    out = []
    for (venue, account, inv, mark), idx in groups.items():
        if option[idx].any():
            label = " / ".join(x for x in (venue or "venue?", account) if x)
            out.append((f"{label}, {'coin' if inv else 'USD'}-settled, underlying {mark:,.8g}", np.array(idx)))
    return out
