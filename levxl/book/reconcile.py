"""Reconciliation: the venue's liquidation price (and maintenance margin) beside levxl's, and why they differ.

A desk's first question is "why doesn't it match the exchange". For each position this module puts the venue's
numbers (from the input: ccxt ``liquidationPrice``, a "Liq. Price" column) beside levxl's, the relative
difference, and a likely cause, found by recomputing with each usual suspect changed and keeping the one that
lands on the venue's number:

* margin: the isolated margin given includes unrealised PnL (ccxt ``collateral``), or levxl had only the initial
  margin from leverage (added margin, fees already charged);
* where maintenance is measured: at the entry (Bybit) or at the liquidation price (Binance, OKX, Hyperliquid);
* the tier table: a dated table whose tiers have since changed (the venue's maintenance margin shows the rate);
* fees: a liquidation/close fee inside the venue's threshold;
* cross accounts: a wallet or other positions that differ from the input, or a wallet that is not in it.

:func:`reconciliation_table` returns headers and rows for the CLI and a report sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from levxl.book.accounts import Liquidation, levxl_liquidation
from levxl.book.figures import RiskTable, risk_table
from levxl.book.positions import Book
from levxl.book.venue_rules import conventions_text, profiles_for, tier_limits, tier_provenance
from levxl.engine import kernel
from levxl.engine.liquidation import liquidation_price, maintenance_margin

__all__ = ["MATCH", "CLOSE", "Reconciliation", "reconcile", "reconciliation_table", "TABLE_HEADERS", "risk_records",
           "RECORD_FIELDS", "NO_LIQUIDATION"]

MATCH = 0.001
"""Relative difference under which the two liquidation prices are reported as matching (0.1%: ticks, rounding)."""
CLOSE = 0.005
"""Relative difference under which they are "close" (0.5%)."""
TAKER_FEE = 0.0005  # the usual taker fee (Binance, Bybit, OKX VIP0 are 0.05%-0.06%), for the fee hypothesis

TABLE_HEADERS = ("row", "venue", "account", "symbol", "side", "margin mode", "venue liq price", "levxl liq price",
                 "difference", "venue MM", "levxl MM", "reconciliation")


@dataclass
class Reconciliation:
    venue_price: np.ndarray  #: NaN when the input has none
    levxl_price: np.ndarray  #: NaN when levxl cannot compute it
    difference: np.ndarray  #: levxl / venue - 1 (NaN when either is missing)
    venue_mm: np.ndarray
    #: levxl's maintenance margin on the venue's basis (the row's ``basis``: the entry value at Bybit, else the
    #: mark), with the fee to close where the venue counts it (Bybit), margin currency
    levxl_mm: np.ndarray
    text: list[str]


def _isolated(book: Book, i: int, margin: float, basis: str, fee: float | None = None, mmr=None) -> float:
    fee = float(book.fee[i]) if fee is None else fee  # the book's: the venue's fee inside the threshold
    try:
        return float(liquidation_price(book.side[i], book.entry[i], book.size[i], mmr=book.mmr[i] if mmr is None
                                       else mmr, margin=margin, contract=book.contract[i], fee=fee, basis=basis))
    except ValueError:
        return float("nan")


def _hypotheses(book: Book, i: int, margin: float) -> list[tuple[str, float]]:
    """(cause, liquidation price if that were the cause) for position ``i`` of an isolated-margin position."""
    basis = book.basis[i]
    other = "entry" if basis == "mark" else "mark"
    upnl = float(kernel.pnl(book.side[i], book.entry[i], book.mark[i], book.size[i], float(book.inverse[i])))
    out = [(f"maintenance measured at the {other} price, not the {basis} (venue convention)",
            _isolated(book, i, margin, other))]
    if margin - upnl > 0:
        out.append(("the margin given includes unrealised PnL (ccxt collateral = isolated wallet + uPnL); give the "
                    "margin without it", _isolated(book, i, margin - upnl, basis)))
    if book.fee[i] > 0:  # the venue profile puts one in: the venue's figure may not
        out.append((f"the venue's figure has no fee inside the threshold (levxl's has {book.fee[i]:.3%})",
                    _isolated(book, i, margin, basis, fee=0.0)))
    else:
        out.append((f"the venue charges a liquidation/close fee inside its threshold (~{TAKER_FEE:.2%})",
                    _isolated(book, i, margin, basis, fee=TAKER_FEE)))
    vmm = book.venue_maintenance[i]
    if np.isfinite(vmm) and vmm > 0:
        value = float(kernel.value(book.size[i], book.mark[i], float(book.inverse[i])))
        out.append((f"tier table: the venue's maintenance rate is {vmm / value:.4%} at the mark (levxl's table "
                    "may be stale)", _isolated(book, i, margin, basis, mmr=vmm / value)))
    if not np.isfinite(book.margin[i]):
        out.append(("levxl used the initial margin from leverage; the venue's margin differs (added margin, fees "
                    "paid from it): give the position's margin", float("nan")))
    return out


def _cause(book: Book, i: int, venue: float, levxl: float, margin: float) -> str:
    """The hypothesis that brings levxl's price nearest the venue's, when it gets within :data:`CLOSE`."""
    if book.margin_mode[i] == "cross":  # one element, not the whole column per row
        return ("cross: the wallet or the other positions in the input differ from the venue's account (other "
                "collateral, open orders, positions not in the file, or fees)")
    best, best_gap = "", abs(levxl / venue - 1)
    for text, price in _hypotheses(book, i, margin):
        gap = abs(price / venue - 1) if np.isfinite(price) else np.inf
        if gap < min(CLOSE, best_gap) and gap < max(MATCH, abs(levxl / venue - 1) / 2):  # a real improvement
            best, best_gap = text, abs(price / venue - 1)
    if best:
        return f"likely cause: {best} (levxl with it: {best_gap:.2%} from the venue)"
    if not np.isfinite(book.margin[i]):
        return ("levxl used the initial margin from leverage; the venue's margin differs (added margin, fees "
                "paid from it): give the position's margin")
    return "no single cause found: check margin, tier table, fees and mode against the venue"


def reconcile(book: Book, liquidation: Liquidation | None = None) -> Reconciliation:
    """The venue's and levxl's liquidation prices and maintenance margins side by side, with a likely cause."""
    liq = liquidation if liquidation is not None else levxl_liquidation(book)
    n = len(book)
    venue = np.where(book.venue_liquidation > 0, book.venue_liquidation, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.where(np.isfinite(venue) & np.isfinite(liq.price) & (liq.price > 0), liq.price / venue - 1,
                        np.nan)
    levxl_mm = np.full(n, np.nan)
    perp = ~book.option
    if perp.any():
        b = book.select(perp)
        mmr = np.empty(len(b), dtype=object)
        mmr[:] = b.mmr
        levxl_mm[perp] = np.asarray(maintenance_margin(b.size, price=np.where(np.array(b.basis) == "entry", b.entry,
                                                                        b.mark), mmr=mmr,
                                                       contract=np.array(b.contract, dtype=object)), dtype=float)
        levxl_mm[perp] += b.close_fee  # Bybit UTA reports MM with the fee to close in it (0 elsewhere)
    text = [_text(book, i, venue[i], liq.price[i], diff[i], liq.margin[i], liq.how[i]) for i in range(n)]
    return Reconciliation(venue, liq.price, diff, book.venue_maintenance.copy(), levxl_mm, text)


def _text(book: Book, i: int, venue: float, levxl: float, diff: float, margin: float, how: str) -> str:
    if book.kind[i] == "option":  # one element, not the whole column per row
        return how
    if not np.isfinite(levxl):
        if np.isfinite(venue):
            move = book.side[i] * (book.mark[i] - venue) / book.mark[i]
            return f"{how}: {venue:,.8g}, {move:.1%} adverse move from the mark"
        return how.replace("; the venue's figure is shown", "; the input has no "
                                                          "venue figure either")
    if not np.isfinite(venue):
        return f"no venue liquidation price in the input; levxl: {how}"
    if abs(diff) <= MATCH:
        return f"matches the venue ({diff:+.3%}); {how}"
    prefix = f"close to the venue ({diff:+.2%})" if abs(diff) <= CLOSE else f"differs from the venue ({diff:+.2%})"
    return f"{prefix}; {how}; {_cause(book, i, venue, levxl, margin)}"


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "" if np.isnan(x) else "none"
    if x == 0:
        return "none"
    digits = max(0, min(8, 5 - int(np.floor(np.log10(abs(x))))))
    return f"{x:,.{digits}f}"


def reconciliation_table(book: Book, liquidation: Liquidation | None = None) -> tuple[tuple[str, ...], list[list]]:
    """Headers (:data:`TABLE_HEADERS`) and one row per position: numbers as floats (NaN blank), text as text,
    ready for a report sheet or the CLI."""
    r = reconcile(book, liquidation)
    rows = [[book.row[i], book.venue[i], book.account[i], book.symbol[i], "long" if book.side[i] > 0 else "short",
             book.margin_mode[i] or "unknown", float(r.venue_price[i]), float(r.levxl_price[i]),
             float(r.difference[i]), float(r.venue_mm[i]), float(r.levxl_mm[i]), r.text[i]] for i in range(len(book))]
    return TABLE_HEADERS, rows


RECORD_FIELDS = ("row", "venue", "account", "symbol", "side", "contract", "size", "entry", "mark", "margin_mode",
                 "margin", "leverage", "liquidation_price", "liquidation_status", "liquidation_price_venue_conventions",
                 "venue_conventions", "fee_in_threshold", "close_fee", "tick", "venue_liquidation_price", "difference",
                 "maintenance_margin", "venue_maintenance_margin", "distance", "funding_rate",
                 "funding_interval_hours", "funding_per_day", "reconciliation", "warnings")
"""Keys of :func:`risk_records` (``levxl risk --json`` / ``--csv``)."""


def _plain(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


NO_LIQUIDATION = "none: no price liquidates"
"""``liquidation_status`` of a position no price liquidates (the engine's 0 for a long, inf for a short: the
table's "none"); "computed" where levxl has the price, "not computed: <why>" where it has none (the table's
"n/a"): the JSON's null price alone cannot tell the two apart."""


def _liquidation_status(book: Book, i: int, price: float, liquidation: Liquidation | None, text: str) -> str:
    if np.isnan(price):
        why = (liquidation.note[i] or liquidation.how[i]) if liquidation is not None and liquidation.how else text
        return f"not computed: {why}" if why else "not computed"
    if (book.side[i] > 0 and price <= 0) or (book.side[i] < 0 and np.isposinf(price)):
        return NO_LIQUIDATION
    return "computed"


def risk_records(book: Book, liquidation: Liquidation | None = None, distance=None,
                 table: RiskTable | None = None) -> list[dict]:
    """One dict per position for batch jobs: the identity, levxl's liquidation price (None where it cannot be
    computed, or where no finite price liquidates a short; ``liquidation_status`` tells the two apart:
    "computed", :data:`NO_LIQUIDATION` or "not computed: <why>"), the venue's (None when the input has none), the
    difference, maintenance margins, ``distance`` (adverse move to levxl's price, fraction of the mark), the
    reconciliation text and the row's warnings (the book's, then the tier table's: stale or missing, limits).
    ``liquidation_price_venue_conventions``: kept for the batch jobs that read it; the book's figures now apply
    every convention of the row's venue profile (MM basis, the fee inside the threshold at OKX, Gate and Bitget, the
    fee to close in a Bybit margin: :func:`levxl.book.venue_rules.threshold_terms`), so it equals
    ``liquidation_price``. ``venue_conventions`` says which of them the price carries ("" for the engine's
    defaults), ``fee_in_threshold`` the taker rate inside the threshold, ``close_fee`` the fee to close taken out
    of a given margin (margin currency), ``tick`` the row's price tick when given (the price is then on it the
    venue's way; None: unrounded). ``funding_rate`` is per ``funding_interval_hours`` (the row's interval, or
    its venue's for the symbol: :func:`levxl.book.venue_rules.funding_hours`) and ``funding_per_day`` the cash flow
    at that rate (the figures table's, :attr:`~levxl.book.figures.RiskTable.funding_per_day`; ``table`` is the
    book's, computed when not given; margin currency, negative = paid, 0 for options)."""
    r = reconcile(book, liquidation)
    funding = (table if table is not None else risk_table(book)).funding_per_day
    margin = liquidation.margin if liquidation is not None else book.isolated_margin
    # the table's warnings that `levxl risk` prints below its table (stale or missing tier table, tier limits),
    # on the row they concern: a batch job reading only the records must see them too
    rules: dict[int, list[str]] = {}
    for u in tier_provenance(book):
        if u.warning:
            rules.setdefault(u.row, []).append(u.warning)
    for f in tier_limits(book):
        rules.setdefault(f.row, []).append(f"TIER LIMIT {f.message}")
    out = []
    conventions = [conventions_text(p, float(book.fee[i]), float(book.close_fee[i]), float(book.tick[i]),
                                    float(book.side[i]), bool(book.cross[i])) if book.kind[i] != "option"
                   else "" for i, p in enumerate(profiles_for(book.venue, book.contract))]
    for i in range(len(book)):
        out.append({"row": book.row[i], "venue": book.venue[i], "account": book.account[i],
                    "symbol": book.symbol[i], "side": "long" if book.side[i] > 0 else "short",
                    "contract": book.contract[i], "size": float(book.size[i]), "entry": float(book.entry[i]),
                    "mark": float(book.mark[i]), "margin_mode": book.margin_mode[i] or "unknown",
                    "margin": _plain(margin[i]), "leverage": _plain(book.leverage[i]),
                    "liquidation_price": _plain(r.levxl_price[i]),
                    "liquidation_status": _liquidation_status(book, i, float(r.levxl_price[i]), liquidation,
                                                              r.text[i]),
                    "liquidation_price_venue_conventions": _plain(r.levxl_price[i]),
                    "venue_conventions": conventions[i], "fee_in_threshold": float(book.fee[i]),
                    "close_fee": float(book.close_fee[i]), "tick": _plain(book.tick[i]),
                    "venue_liquidation_price": _plain(r.venue_price[i]),
                    "difference": _plain(r.difference[i]), "maintenance_margin": _plain(r.levxl_mm[i]),
                    "venue_maintenance_margin": _plain(r.venue_mm[i]),
                    "distance": None if distance is None else _plain(distance[i]),
                    "funding_rate": float(book.funding_rate[i]),
                    "funding_interval_hours": float(book.funding_hours[i]),
                    "funding_per_day": _plain(funding[i]),
                    "reconciliation": r.text[i],
                    "warnings": list(book.warnings[i]) + rules.get(book.row[i], [])})
    return out
