"""Per-position helpers shared by the sheets: the price and amount formats of a position and the identity columns
(input row, venue, symbol, side, mark) that point back to Positions."""

from __future__ import annotations

import math
from typing import Callable

from levxl.book.figures import RiskTable
from levxl.workbooks.report.cells import TEXT, SheetSpec, Style, number, price_digits, shown_price_digits

__all__ = ["price_style", "amount_style", "size_style", "side_text", "identity_cells", "not_recomputed_text"]


def price_style(table: RiskTable, i: int, **kw) -> Style:
    """Price format of position ``i``: digits from its entry (an option's from the mark: its entry is a premium),
    at least as many as its price tick has (the venue shows its prices on it)."""
    book = table.book
    price = float(book.mark[i] if table.option[i] else book.entry[i])
    return number("price", shown_price_digits(price, float(book.tick[i]) if not table.option[i] else math.nan), **kw)


def amount_style(table: RiskTable, i: int, **kw) -> Style:
    """Margin-currency amount format: 2 decimals for USD, 6 for a coin."""
    return number("amt", 2 if not table.inverse[i] else 6, **kw)


def size_style(table: RiskTable, i: int, **kw) -> Style:
    """Format of a quantity in position ``i``'s size unit (coin, or USD face for inverse), such as the size to cut: 4
    decimals for a size below 10,000 units, 2 below 1,000,000, none above (9,000,000,000 1000PEPE with 4 decimals
    is wider than its column: "###")."""
    size = abs(float(table.book.size[i]))
    return number("num", 4 if size < 1e4 else 2 if size < 1e6 else 0, **kw)


def not_recomputed_text(table: RiskTable, i: int) -> tuple[str, str]:
    """(liquidation cell, reason) of a position levxl cannot recompute: "n/a (venue: 4,420)" or "n/a", and why
    (the Reconciliation sheet has the full text)."""
    book = table.book
    venue = float(book.venue_liquidation[i])
    shown = f"n/a (venue: {venue:,.{price_digits(venue)}f})" if venue > 0 else "n/a"
    # a cross position: why its account cannot be computed (no wallet, a refused row of the account...)
    why = (f"cross, {book.cross_note[i] or 'account wallet not in the input'}" if book.cross[i] else
           "margin mode not in the input")
    return shown, f"{why} (Reconciliation)"


def side_text(table: RiskTable, i: int) -> str:
    return "long" if table.side[i] > 0 else "short"


def identity_cells(sheet: SheetSpec, row: int, table: RiskTable, i: int, ref: Callable[[str], str]) -> None:
    """Columns A:E of a per-position row (input row, venue, symbol, side, mark) as references to the Positions
    sheet; ``ref(key)`` gives the reference of a Positions column for this position."""
    book = table.book
    sheet.formula(row, 0, f"={ref('row')}", number("int"), book.row[i])
    sheet.formula(row, 1, f"={ref('venue')}", TEXT, book.venue[i])
    sheet.formula(row, 2, f"={ref('symbol')}", TEXT, book.symbol[i])
    sheet.formula(row, 3, f"={ref('side')}", TEXT, side_text(table, i))
    sheet.formula(row, 4, f"={ref('mark')}", price_style(table, i), float(book.mark[i]))
