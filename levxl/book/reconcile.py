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
from levxl.book.positions import Book, account_key
from levxl.book.venue_rules import (MM_PRECISION, close_fee_in_maintenance, conventions_text, mm_gap,
                                     profiles_for, tick_digits, tier_limits, tier_provenance)
from levxl.engine import kernel
from levxl.engine.liquidation import liquidation_price, maintenance_margin

__all__ = ["TICKS_MATCH", "TICK_EPSILON", "RELATIVE_MATCH", "CLOSE", "MM_PRECISION", "price_gap", "mm_gap",
           "difference_cell", "rate_text", "Reconciliation", "reconcile", "reconciliation_table", "TABLE_HEADERS",
           "risk_records", "RECORD_FIELDS", "NO_LIQUIDATION"]

TICKS_MATCH = 1.0
"""Ticks of the position's tick within which the two liquidation prices are reported as matching: ``|levxl -
venue| <= 1 tick`` (+ :data:`TICK_EPSILON`).

Why one tick and not half: a venue shows its liquidation price on the instrument's tick, and levxl puts its own on
the tick the venue's way when the row gives one (:func:`levxl.book.venue_rules.on_tick`), so two prices from the
same formula are 0 ticks apart, and a difference of half a tick cannot happen between two prices on the tick.
But the direction is documented for few venues (KuCoin; Bybit's liquidation direction is its bankruptcy rule's;
Binance, OKX, Hyperliquid, Gate, dYdX... round "nearest" in levxl because their direction is undocumented:
:mod:`levxl.engine.venues`), OKX shows its price off the tick, and a venue computes from inputs with more
digits than an export carries (average entry, margin), so the same formula near a tick boundary lands on the next
tick. A ceiling and a floor of the same value are one tick apart: one tick is the honest allowance, and two ticks
is a difference a desk must see."""
TICK_EPSILON = 1e-5
"""Slack, in ticks, on :data:`TICKS_MATCH`: the float noise of ``(levxl - venue) / tick``. Each price is the
double nearest its decimal (half an ulp off), so the quotient is off by up to ``price / tick * 2.2e-16`` ticks:
2.2e-6 at the positions reader's widest ratio (a tick at least 1e-10 of the price); 1e-5 covers it and is no
difference a desk could act on. The report's formulas use the same constant."""
RELATIVE_MATCH = 1e-6
"""Where the row gives no tick: ``|levxl / venue - 1| <= 1e-6`` is a match, and the text says "no tick known".
Small on purpose (a tick is 1e-5 to 1e-3 of the price at most venues): a venue's figure read from ccxt or an
export carries 8 or more significant digits, so the same formula agrees to ~1e-7; a price rounded to a tick
levxl was not told about shows as a difference, with the advice to give the tick."""
CLOSE = 0.005
"""Relative difference within which a differing price is amber, not red, in the report (0.5%), and within which
levxl with a suspected cause must land for that cause to be named."""
TAKER_FEE = 0.0005  # the usual taker fee (Binance, Bybit, OKX VIP0 are 0.05%-0.06%), for the fee hypothesis

TABLE_HEADERS = ("row", "venue", "account", "symbol", "side", "margin mode", "venue liq price", "levxl liq price",
                 "difference", "tick", "difference in ticks", "venue MM", "levxl MM", "reconciliation")


@dataclass
class Reconciliation:
    venue_price: np.ndarray  #: NaN when the input has none
    levxl_price: np.ndarray  #: NaN when levxl cannot compute it
    difference: np.ndarray  #: levxl / venue - 1 (NaN when either is missing)
    tick: np.ndarray  #: the row's price tick (NaN: not given; the prices are then compared relatively)
    ticks: np.ndarray  #: (levxl - venue) / tick (NaN when either price or the tick is missing)
    #: the liquidation prices match (:func:`price_gap`); False where they differ or either is missing
    matches: np.ndarray
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
    tick = float(book.tick[i])
    best, best_gap, best_price = "", float(price_gap(levxl, venue, tick)[1]), levxl
    best_gap = best_gap if np.isfinite(best_gap) else np.inf  # levxl's inf: no price liquidates, any cause helps
    for text, price in _hypotheses(book, i, margin):
        if not np.isfinite(price):
            continue
        # in the match's own unit (ticks, or RELATIVE_MATCH where no tick is known): a cause is named when levxl
        # with it lands within CLOSE of the venue and matches it or halves the gap (a real improvement)
        gap = float(price_gap(price, venue, tick)[1])
        if abs(price / venue - 1) < CLOSE and gap < best_gap and gap < max(1.0, best_gap / 2):
            best, best_gap, best_price = text, gap, price
    if best:
        measure, detail = _gap_text(best_price, venue, tick)
        return f"likely cause: {best} (levxl with it: {measure} from the venue{', ' + detail if detail else ''})"
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
        levxl_mm[perp] += close_fee_in_maintenance(b)  # Bybit UTA reports MM with the fee to close in it
    tick = np.where(~book.option, np.asarray(book.tick, dtype=float), np.nan)
    levxl = np.where(np.isfinite(diff), liq.price, np.nan)  # no finite price (the sentinels) is not compared
    ticks, _, matches = price_gap(levxl, venue, tick)
    venue_mm = book.venue_maintenance.copy()
    text = [_text(book, i, venue[i], liq.price[i], diff[i], liq.margin[i], liq.how[i])
            + _mm_text(venue_mm[i], levxl_mm[i], book.contract[i]) for i in range(n)]
    return Reconciliation(venue, liq.price, diff, tick, ticks, matches, venue_mm, levxl_mm, text)


def price_gap(levxl, venue, tick) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How far levxl's liquidation price is from the venue's, and whether they match.

    Parameters
    ----------
    levxl, venue : array_like
        The two liquidation prices (NaN: missing).
    tick : array_like
        The position's price tick (NaN: not known).

    Returns
    -------
    ticks : ndarray
        ``(levxl - venue) / tick``; NaN where either price or the tick is missing.
    gap : ndarray
        The difference in match allowances: ``|ticks| / TICKS_MATCH`` where the tick is known, else ``|levxl /
        venue - 1| / RELATIVE_MATCH``; NaN where either price is missing. The hypotheses of a cause are ranked by it.
    matches : ndarray of bool
        ``|levxl - venue| <= TICKS_MATCH`` ticks (+ :data:`TICK_EPSILON`) where the tick is known, else
        ``|levxl / venue - 1| <= RELATIVE_MATCH``; False where either price is missing. Symmetric in the sign of
        the difference and monotone in its size.

    Examples
    --------
    >>> [float(a[0]) for a in price_gap([5735.0], [5739.5], [0.5])]  # Bybit's 5,739.50 vs levxl's fee-free price
    [-9.0, 9.0, 0.0]
    >>> bool(price_gap(5739.0, 5739.5, 0.5)[2]), bool(price_gap(5739.08, 5739.5, float("nan"))[2])
    (True, False)
    """
    levxl, venue, tick = (np.asarray(a, dtype=float) for a in (levxl, venue, tick))
    both = np.isfinite(levxl) & np.isfinite(venue) & (venue > 0)
    ticked = both & np.isfinite(tick) & (tick > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ticks = np.where(ticked, (levxl - venue) / np.where(ticked, tick, 1.0), np.nan)
        relative = np.where(both, levxl / np.where(both, venue, 1.0) - 1, np.nan)
    gap = np.where(ticked, np.abs(ticks) / TICKS_MATCH, np.abs(relative) / RELATIVE_MATCH)
    matches = np.where(ticked, np.abs(ticks) <= TICKS_MATCH + TICK_EPSILON, np.abs(relative) <= RELATIVE_MATCH)
    return ticks, np.where(both, gap, np.nan), both & matches


def _mm_text(venue_mm: float, levxl_mm: float, contract: str) -> str:
    """"" where the maintenance margins match or either is missing, else how far apart they are."""
    delta, matches = mm_gap(levxl_mm, venue_mm, contract)
    if matches or np.isnan(delta):
        return ""
    unit = MM_PRECISION["inverse" if contract == "inverse" else "linear"]

    def amount(x: float, sign: str = "") -> str:
        """The cents of a USD margin (4 significant digits under 1), the satoshis of a coin."""
        if contract == "inverse":
            return f"{x:{sign},.8f}"
        return f"{x:{sign},.2f}" if abs(x) >= 1 else f"{x:{sign}.4g}"

    return (f"; maintenance margin differs from the venue's by {amount(float(delta), '+')} (levxl "
            f"{amount(levxl_mm)}, venue {amount(venue_mm)}; compared to {unit if unit >= 0.01 else rate_text(unit)} "
            "of the margin currency)")


def _count(ticks: float) -> str:
    """A number of ticks as text: "0 ticks", "+1 tick", "-9 ticks", "+2.5 ticks", "+12,000 ticks"."""
    whole = round(ticks)
    if abs(ticks - whole) <= TICK_EPSILON:
        ticks = float(whole)
    if ticks == 0:
        return "0 ticks"
    number = f"{ticks:+,.0f}" if abs(ticks) >= 1000 or ticks == whole else f"{ticks:+.3f}".rstrip("0")
    return f"{number} tick{'' if abs(ticks) == 1 else 's'}"


def _percent(relative: float) -> str:
    """A relative difference as a percentage with 3 significant digits ("-0.0784%", "+3.64e-06%"): never
    "+0.000%" for a difference that is not 0."""
    return "0%" if relative == 0 else f"{relative * 100:+.3g}%"


def _gap_text(levxl: float, venue: float, tick: float) -> tuple[str, str]:
    """The difference of ``levxl`` from ``venue`` in words, (the measure, the detail): in ticks of ``tick`` with
    the amount and the percentage ("-9 ticks of 0.5", "-4.50, -0.0784%"), or, no tick known, the percentage and
    the amount ("-0.0784%", "-4.5"); no detail ("") when the two are equal."""
    ticks = float(price_gap(levxl, venue, tick)[0])
    relative, delta = levxl / venue - 1, levxl - venue
    if np.isnan(ticks):
        return _percent(relative), "" if delta == 0 else f"{delta:+.4g}"
    detail = "" if delta == 0 else f"{delta:+,.{max(2, tick_digits(tick))}f}, {_percent(relative)}"
    return f"{_count(ticks)} of {tick:g}", detail


def rate_text(x: float) -> str:
    """A small rate as text: 1e-06 -> "1e-6"."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def difference_cell(ticks: float, relative: float) -> str:
    """The difference in a table cell: "-9 ticks" where the tick is known, else the percentage; "" when there is
    none (``levxl risk``'s "vs venue")."""
    if np.isfinite(ticks):
        return _count(ticks)
    return "" if np.isnan(relative) else _percent(relative)


def _text(book: Book, i: int, venue: float, levxl: float, diff: float, margin: float, how: str) -> str:
    if book.kind[i] == "option":  # one element, not the whole column per row
        return how
    if np.isfinite(venue) and ((book.side[i] > 0 and levxl <= 0) or np.isposinf(levxl)):
        # the engine's "no liquidation" sentinel is no price to count ticks from (a long's 0 is not 100% off)
        return (f"differs from the venue: levxl finds no price that liquidates the position, the venue shows "
                f"{venue:,.8g}; {how}; {_cause(book, i, venue, levxl, margin)}")
    if not np.isfinite(levxl):
        if np.isfinite(venue):
            move = book.side[i] * (book.mark[i] - venue) / book.mark[i]
            return f"{how}: {venue:,.8g}, {move:.1%} adverse move from the mark"
        return how.replace("; the venue's figure is shown", "; the input has no "
                                                          "venue figure either")
    if not np.isfinite(venue):
        return f"no venue liquidation price in the input; levxl: {how}"
    tick = float(book.tick[i])
    matches = bool(price_gap(levxl, venue, tick)[2])
    measure, detail = _gap_text(levxl, venue, tick)
    # one tick where the row gives it (TICKS_MATCH says why), else a relative 1e-6 that the text owns up to
    rule = (f"within {TICKS_MATCH:g} tick" if np.isfinite(tick)
            else f"no tick known; compared to {rate_text(RELATIVE_MATCH)}")
    if matches:
        return f"matches the venue ({measure}{': ' + detail if detail else ''}; {rule}); {how}"
    verdict = f"differs from the venue by {measure} ({detail}{'' if np.isfinite(tick) else '; ' + rule})"
    return f"{verdict}; {how}; {_cause(book, i, venue, levxl, margin)}"


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
             float(r.difference[i]), float(r.tick[i]), float(r.ticks[i]), float(r.venue_mm[i]), float(r.levxl_mm[i]),
             r.text[i]] for i in range(len(book))]
    return TABLE_HEADERS, rows


RECORD_FIELDS = ("row", "venue", "account", "symbol", "side", "contract", "size", "entry", "mark", "margin_mode",
                 "margin", "leverage", "liquidation_price", "liquidation_status", "liquidation_price_venue_conventions",
                 "venue_conventions", "fee_in_threshold", "close_fee", "tick", "venue_liquidation_price", "difference",
                 "difference_ticks", "matches_venue", "maintenance_margin", "venue_maintenance_margin",
                 "maintenance_margin_matches_venue", "distance", "funding_rate", "funding_interval_hours",
                 "funding_per_day", "reconciliation", "warnings", "margin_in_equity", "cross_account")
"""Keys of :func:`risk_records` (``levxl risk --json`` / ``--csv``; the last two added after the others, so a
reader of the earlier columns finds them where they were)."""


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
    book's, computed when not given; margin currency, negative = paid, 0 for options). ``margin`` is the margin of
    the liquidation equation (a cross position's holds its account's whole wallet: never sum it);
    ``margin_in_equity`` what a total may sum (:func:`levxl.book.figures.equity_margin`: a cross account's wallet
    once, shared by notional), ``cross_account`` the account a cross position is computed on ("" elsewhere)."""
    r = reconcile(book, liquidation)
    mm_delta, mm_matches = mm_gap(r.levxl_mm, r.venue_mm, np.array(book.contract, dtype=object))
    table = table if table is not None else risk_table(book)
    funding = table.funding_per_day
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
                    "difference": _plain(r.difference[i]), "difference_ticks": _plain(r.ticks[i]),
                    "matches_venue": bool(r.matches[i]) if np.isfinite(r.difference[i]) else None,
                    "maintenance_margin": _plain(r.levxl_mm[i]),
                    "venue_maintenance_margin": _plain(r.venue_mm[i]),
                    "maintenance_margin_matches_venue": bool(mm_matches[i]) if np.isfinite(mm_delta[i]) else None,
                    "distance": None if distance is None else _plain(distance[i]),
                    "funding_rate": float(book.funding_rate[i]),
                    "funding_interval_hours": float(book.funding_hours[i]),
                    "funding_per_day": _plain(funding[i]),
                    "reconciliation": r.text[i],
                    "warnings": list(book.warnings[i]) + rules.get(book.row[i], []),
                    # what a total may sum: a cross position's margin holds its account's whole wallet
                    "margin_in_equity": _plain(table.equity_margin[i]),
                    "cross_account": "/".join(x for x in account_key(book, i) if x) if table.account[i] >= 0
                    else ""})
    return out
