"""Cross accounts in the report's formulas: a cross account is liquidated as a whole, where its wallet (less the
fees to close it pays) plus every position's PnL at the moved marks falls to the sum of their thresholds, and it
then loses its wallet once, shared by its positions (:func:`levxl.book.figures.equity_margin`). The same rule as
:func:`levxl.book.figures.pnl_after_mark_move`, as cell formulas: each position's *room* at a price (its PnL less
its threshold) in a helper cell, the account's flag a SUMIF of its positions' rooms."""

from __future__ import annotations

from levxl.book.figures import RiskTable
from levxl.workbooks.report.layout import Layout

__all__ = ["room", "flag", "pnl_usd"]


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
