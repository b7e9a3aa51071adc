"""Cross accounts in the report's formulas: a cross account is liquidated as a whole, where its wallet (less the
fees to close it pays) plus every position's PnL at the moved marks falls to the sum of their thresholds, and it
then loses its wallet once, shared by its positions (:func:`levxl.book.figures.equity_margin`). The same rule as
:func:`levxl.book.figures.pnl_after_mark_move`, as cell formulas: each position's *room* at a price (its PnL less
its threshold) in a helper cell, the account's flag a SUMIF of its positions' rooms."""

from __future__ import annotations

import numpy as np

from levxl.book.figures import RiskTable
from levxl.book.positions import account_key
from levxl.workbooks.report.cells import col
from levxl.workbooks.report.layout import Layout

__all__ = ["room", "flag", "pnl_usd", "whole_accounts", "margin"]


def whole_accounts(t: RiskTable) -> np.ndarray:
    """Per position: computed on a cross account every cross position of which levxl computes (its margin of the
    equation is then its account's rooms at the marks, :func:`margin`); False elsewhere, and for an account one of
    whose positions no price keeps above maintenance (that position is in its margins, not in the rooms)."""
    book = t.book
    on = t.account >= 0
    if not on.any():
        return on
    left_out = {account_key(book, i) for i in np.flatnonzero(book.cross & ~book.option & ~on)}
    if not left_out:
        return on
    return np.array([bool(on[i]) and account_key(book, i) not in left_out for i in range(len(book))], dtype=bool)


def margin(lay: Layout, i: int) -> str:
    """Position ``i``'s margin of the equation, live: its account's wallet less fees to close plus the other
    positions' rooms at their marks (the SUMIF of the account's rooms on Stress detail less its own), which is
    wallet - the others' threshold + their uPnL (:func:`levxl.book.accounts.levxl_liquidation`), so a mark edited
    moves every price of the account as levxl would."""
    P, St = lay.positions, lay.stress
    g = P.locals(i)
    c = col(St.room_col("now"))
    own = f"{St.detail_sheet}!${c}${St.detail_first + 1 + i}"
    return f"={g['acct_left']}+SUMIF({P.range('acct')},{g['acct']},{St.column_range(St.room_col('now'))})-{own}"


def room(t: RiskTable, lay: Layout, i: int, price: str) -> str:
    """Position ``i``'s room at ``price`` (an expression), margin currency, no "=": its PnL from entry less its
    maintenance where its venue measures it (the tier of that value, live from its table on Methodology, or its
    flat rate) and the fee inside its threshold on the value at ``price``."""
    g = lay.positions.refs(i, True, True)
    S, Q, E = g["s"], g["size"], g["entry"]
    inv = bool(t.inverse[i])
    value = f"{Q}/({price})" if inv else f"{Q}*({price})"
    measured = (f"{Q}/{E}" if inv else f"{Q}*{E}") if t.book.basis[i] == "entry" else value
    name = t.tier_of[i]
    if name is None:
        mm = f"({measured})*{g['mmr_mark']}"  # the flat rate (a constant there)
    else:
        fl, rates, cums = lay.methodology.tier_ranges(name)
        mm = f"({measured})*LOOKUP({measured},{fl},{rates})-LOOKUP({measured},{fl},{cums})"
    pnl = f"{S}*{Q}*(1/{E}-1/({price}))" if inv else f"{S}*{Q}*(({price})-{E})"
    return f"{pnl}-({mm})-{g['fee']}*{value}"


def flag(lay: Layout, i: int, rooms: str, now: str | None = None) -> str:
    """1 where position ``i``'s account is liquidated: its wallet less fees to close plus the SUMIF of its
    positions' ``rooms`` (a range of room cells, one per position in book order) is <= 0, or (``now``, a flag
    cell) it is already at the marks; else 0."""
    P = lay.positions
    g = P.refs(i, True, True)
    cond = f"{g['acct_left']}+SUMIF({P.range('acct')},{g['acct']},{rooms})<=0"
    if now is not None:
        cond = f"OR({cond},{now}=1)"
    return f"=IF({cond},1,0)"


def pnl_usd(t: RiskTable, lay: Layout, i: int, price: str, liquidated: str) -> str:
    """Position ``i``'s PnL from entry in USD at ``price``: its share of the wallet lost where its account's flag
    ``liquidated`` is 1, else its PnL; coin amounts at ``price``."""
    g = lay.positions.refs(i, True, True)
    S, Q, E = g["s"], g["size"], g["entry"]
    if t.inverse[i]:
        return f"=IF({liquidated}=1,-{g['eq_margin']},{S}*{Q}*(1/{E}-1/({price})))*({price})"
    return f"=IF({liquidated}=1,-{g['eq_margin']},{S}*{Q}*(({price})-{E}))"
