"""A book's venue rules: each position's venue profile, the tier table it used (name, as-of date, source), warnings
for stale or missing tables, tier limits (leverage or notional beyond the tier's maximum), and the liquidation
price with the venue's own conventions.

What ``levxl risk`` prints after its table and what the report can lay out (:func:`provenance_rows`,
:func:`limit_rows`: header + rows, plain values).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
import math
from typing import Any, Iterable, Sequence

import numpy as np

from levxl.engine import kernel
from levxl.engine.conventions import (close_fee_at_bankruptcy, funding_interval_hours, liquidation_price_at_venue,
                                     price_on_tick, threshold_terms_at_venue, tick_rule)
from levxl.engine.liquidation import DEFAULT_MMR
from levxl.engine.tier_store import CCXT_IDS, refused_for
from levxl.engine.tiers import TierTable, preset
from levxl.engine.venues import VenueProfile, profile_for
from levxl.book.checks import amount_text

__all__ = ["STALE_DAYS", "profiles_for", "TierUse", "tier_provenance", "TierLimit", "tier_limits",
           "provenance_rows", "limit_rows", "warnings", "table_lines", "convention_lines", "venue_liquidation_prices",
           "DEFAULT_FUNDING_HOURS", "funding_hours", "funding_lines", "on_tick", "tick_digits", "MM_PRECISION",
           "mm_gap", "close_fee_in_maintenance"]

STALE_DAYS = 90
"""A tier table older than this many days (before the as-of date of the figures) is flagged as stale."""


def profiles_for(venues: Iterable[str], contracts: Iterable[str] | None = None) -> list[VenueProfile | None]:
    """The venue profile of each position from its venue name and contract ("inverse" picks a venue's coin-margined
    product: Binance COIN-M, Bybit inverse, OKX futures); None where the venue is blank or unknown."""
    venues = list(venues)
    contracts = list(contracts) if contracts is not None else [None] * len(venues)
    out: list[VenueProfile | None] = []
    seen: dict = {}  # a book repeats a few venues: each (venue, contract) looked up once
    for venue, contract in zip(venues, contracts):
        key = (venue, contract if contract in ("linear", "inverse") else None)
        try:
            out.append(seen[key])
            continue
        except (KeyError, TypeError):
            pass
        try:
            found = profile_for(venue, key[1])
        except (KeyError, ValueError):
            try:
                found = profile_for(venue)
            except (KeyError, ValueError):
                found = None
        try:
            seen[key] = found
        except TypeError:  # an unhashable venue (never from a book): not memoised
            pass
        out.append(found)
    return out


def _as_date(when: Any) -> date:
    if when is None:
        return date.today()
    if isinstance(when, date):
        return when
    text = str(when).strip()[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"as-of date must be an ISO date (2026-12-01), got {when!r}") from None


def _table_date(table: TierTable) -> date | None:
    text = table.as_of or ""
    for candidate in (text, text + "-12-31" if len(text) == 4 else ""):  # "2021": the year's end, the kindest case
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class TierUse:
    """The maintenance table behind one position, and what is wrong with it (``status`` "ok", "stale", "missing"
    (a flat rate used), or "n/a" for options)."""

    row: int
    venue: str
    symbol: str
    profile: str  #: venue profile id ("" when the venue is unknown)
    table: str  #: "binance:BTCUSDT@2024-10-24", or "flat 0.005"
    as_of: str
    source: str
    age_days: int | None
    status: str
    warning: str  #: "" when nothing is wrong
    funding_hours: float  #: the venue's funding interval for the symbol (NaN: none, or venue unknown)


def _available(venue: str, symbol: str, seen: dict | None = None) -> TierTable | None:
    """The stored table for a venue and symbol, or None; ``seen`` memoises the lookups of one book (a lookup that
    finds nothing searches every stored table)."""
    if not venue or not symbol:
        return None
    key = (venue, symbol)
    if seen is not None and key in seen:
        return seen[key]
    try:
        found = preset(f"{venue}:{symbol}")
    except ValueError:
        found = None
    if seen is not None:
        seen[key] = found
    return found


def _refused(venue: str, symbol: str, seen: dict) -> Any:
    """The newest refused fetched table of a venue and symbol, or None (memoised in ``seen`` as :func:`_available`)."""
    if not venue or not symbol:
        return None
    key = ("refused", venue, symbol)
    if key not in seen:
        found = refused_for(venue, symbol)
        seen[key] = found[0] if found else None
    return seen[key]


MM_PRECISION = {"linear": 0.01, "inverse": 1e-8}
"""The maintenance margins' match: within one unit of the margin currency's smallest reported amount, the cent of
a linear contract's USD margin (USDT, USDC) and the satoshi (1e-8 coin) of an inverse one: venues report margins
rounded (or truncated) to it and levxl's is unrounded."""


def mm_gap(levxl_mm, venue_mm, contract) -> tuple[np.ndarray, np.ndarray]:
    """(levxl - venue maintenance margin, whether they match: within :data:`MM_PRECISION` of the contract's margin
    currency, False where either is missing)."""
    levxl_mm, venue_mm = np.asarray(levxl_mm, dtype=float), np.asarray(venue_mm, dtype=float)
    precision = np.where(np.asarray(contract, dtype=object) == "inverse", MM_PRECISION["inverse"],
                         MM_PRECISION["linear"])
    delta = levxl_mm - venue_mm
    both = np.isfinite(delta) & (venue_mm > 0)
    # the 1e-9 is float noise on a difference exactly one unit wide (409.21 - 409.20)
    return np.where(both, delta, np.nan), both & (np.abs(delta) <= precision * (1 + 1e-9))


def _venues_own_rates(book: Any) -> np.ndarray:
    """Per position: its mmr is a flat rate that gives the venue's own reported maintenance margin (with the fee to
    close where the venue counts it, matched as the reconciliation matches them, :func:`mm_gap`): a rate read from
    the venue (a ccxt position's MM / value), not typed or defaulted."""
    rate = np.array([float(m) if isinstance(m, (int, float)) and not isinstance(m, bool) else np.nan
                     for m in book.mmr])
    price = np.where(np.array(book.basis, dtype=object) == "entry", book.entry, book.mark)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = np.where(np.array(book.contract, dtype=object) == "inverse", book.size / price, book.size * price)
        levxl_mm = rate * value + close_fee_in_maintenance(book)
    return mm_gap(levxl_mm, book.venue_maintenance, book.contract)[1]


def tier_provenance(book: Any, as_of: Any = None, stale_days: int = STALE_DAYS) -> list[TierUse]:
    """Per position: the tier table used (name, as-of date, source), its age on ``as_of`` (default today) and a
    warning when it is older than ``stale_days`` or when a flat maintenance rate stands in for a table (saying
    which shipped table would apply when one exists for the position's venue and symbol)."""
    today = _as_date(as_of)
    if not (isinstance(stale_days, (int, float)) and stale_days >= 0):
        raise ValueError(f"stale_days must be a number of days >= 0, got {stale_days!r}")
    out = []
    seen: dict = {}
    hours_of: dict = {}
    venue_rate = _venues_own_rates(book)
    for i, profile in enumerate(profiles_for(book.venue, book.contract)):
        venue, symbol, spec = book.venue[i], book.symbol[i], book.mmr[i]
        hours = float("nan")
        if profile is not None:
            key = (profile.id, symbol or None)
            if key not in hours_of:
                hours_of[key] = funding_interval_hours(profile.id, symbol or None)
            hours = hours_of[key]
        common = dict(row=book.row[i], venue=venue, symbol=symbol, profile=profile.id if profile else "",
                      funding_hours=hours)
        if book.kind[i] == "option":
            out.append(TierUse(table="", as_of="", source="", age_days=None, status="n/a", warning="", **common))
            continue
        table = spec if isinstance(spec, TierTable) else preset(spec) if isinstance(spec, str) else None
        if table is None and venue_rate[i]:
            # read from the venue's position (ccxt: its maintenance margin / value): the venue's rate now, at
            # this size; not a stale or missing table, though only a table prices other sizes
            out.append(TierUse(table=f"venue rate {float(spec):g}", as_of="", source="the venue's maintenance "
                               "margin of the position (its rate at this size)", age_days=None, status="ok",
                               warning="", **common))
            continue
        if table is None:
            found = _available(venue, symbol, seen)
            refused = None if found else _refused(venue, symbol, seen)
            if found:
                hint = (f"; table {found.name} exists: leave the mmr cell blank (the venue's table is then used) or "
                        f"put \"{found.venue}:{found.symbol}\" there")
            elif refused:  # a fetched table is there but not used: say so, not "none stored"
                hint = f"; the fetched {venue}:{symbol} table in {refused.path} is refused ({refused.reason})"
            elif profile is not None and profile.venue in CCXT_IDS:
                hint = (f"; no {venue}:{symbol or '?'} table stored (`levxl tiers update {profile.venue} "
                        f"{symbol or 'SYMBOL'}` fetches it)")
            else:
                hint = f"; no {venue or '?'}:{symbol or '?'} table stored and none can be fetched for this venue"
            # the book keeps the rate, not whether its cell was blank: the default's value may be either
            source = "mmr column" if float(spec) != DEFAULT_MMR else "mmr column, or levxl's default for a blank cell"
            out.append(TierUse(table=f"flat {float(spec):g}", as_of="", source=source, age_days=None,
                               status="missing", warning=f"flat maintenance rate {float(spec):g} used{hint}",
                               **common))
            continue
        when = _table_date(table)
        age = None if when is None else (today - when).days
        stale = age is None or age > stale_days
        warning = ""
        if stale:
            warning = (f"table {table.name} is {age} days old on {today.isoformat()} (threshold {stale_days:g})"
                       if age is not None else f"table {table.name} has no as-of date")
        out.append(TierUse(table=table.name, as_of=table.as_of, source=table.source, age_days=age,
                           status="stale" if stale else "ok", warning=warning, **common))
    return out


@dataclass(frozen=True)
class TierLimit:
    """A position beyond its tier's limits: leverage above the max leverage of the tier of its notional, or a
    notional above the table's top cap."""

    row: int
    venue: str
    symbol: str
    table: str
    notional: float  #: value at the mark (margin currency)
    leverage: float  #: effective leverage: value at entry / isolated margin
    max_leverage: float  #: of the tier the notional falls in
    max_notional: float  #: the largest notional the table allows at this leverage
    message: str


def tier_limits(book: Any) -> list[TierLimit]:
    """The positions whose leverage or notional exceeds what their tier table allows (flat-rate positions and
    options have no table and are not checked). Notional at the mark (the venues' tier lookup); leverage is the
    position's effective leverage, value at entry over isolated margin."""
    out = []
    leverage = book.effective_leverage
    inverse = book.inverse  # the columns once, not once per row
    for i in range(len(book)):
        spec = book.mmr[i]
        if book.kind[i] == "option" or not isinstance(spec, (str, TierTable)):
            continue
        table = spec if isinstance(spec, TierTable) else preset(spec)
        notional = float(kernel.value(book.size[i], book.mark[i], float(inverse[i])))
        lev = float(leverage[i])
        counted = float(table.count_of(notional, book.size[i]))
        what = table.counted_by  # "notional", or "size" (OKX)
        cap_lev = float(table.max_leverage_at(counted))
        cap_counted = float(table.max_notional_at(lev))
        # a size cap is given as the notional it means at the mark, so the column stays one unit
        cap_notional = cap_counted if what == "notional" else float(kernel.value(cap_counted, book.mark[i],
                                                                                 float(inverse[i])))
        problems = []
        if lev > cap_lev * (1 + 1e-9):
            problems.append(f"leverage {lev:.4g}x exceeds the tier's max {cap_lev:g}x at {what} {amount_text(counted)}")
        if counted > float(table.caps[-1]):
            problems.append(f"{what} {amount_text(counted)} exceeds the table's top cap "
                            f"{amount_text(float(table.caps[-1]))}")
        if problems:
            out.append(TierLimit(book.row[i], book.venue[i], book.symbol[i], table.name, notional, lev, cap_lev,
                                 cap_notional, "; ".join(problems) + f" ({table.name})"))
    return out


def threshold_terms(book: Any) -> tuple[np.ndarray, np.ndarray]:
    """(fee rate inside the liquidation threshold, fee to close held in the given margin) of each position, from its
    venue profile and the account's taker rate (``book.taker_fee``, NaN: the profile's base rate):
    :func:`levxl.engine.conventions.threshold_terms_at_venue`, one vectorised call per profile.

    The taker rate enters only where the venue puts it: inside the threshold at OKX, Gate and Bitget
    (``fee_in_threshold``), in the position margin and the maintenance margin at Bybit UTA (``close_fee_in_margin``:
    the fee to close at the bankruptcy price is taken out of a margin *given*; with a margin from leverage it
    cancels). Elsewhere, on an unknown venue and for options both are 0; a cross position's fee to close is 0 here
    (its margin is the account's): :mod:`levxl.book.accounts` charges it against the account once the account's
    margin for it is known. Units: a fraction, and the margin currency."""
    n = len(book)
    fee, close = np.zeros(n), np.zeros(n)
    if not n:
        return fee, close
    groups: dict[str, tuple[VenueProfile, list[int]]] = {}
    for i, profile in enumerate(profiles_for(book.venue, book.contract)):
        if profile is not None and book.kind[i] != "option" and (profile.fee_in_threshold or
                                                                 profile.close_fee_in_margin):
            groups.setdefault(profile.id, (profile, []))[1].append(i)
    isolated = np.array([m == "isolated" for m in book.margin_mode], dtype=bool)
    taker = np.asarray(book.taker_fee, dtype=float)
    for venue, (profile, members) in groups.items():
        idx = np.array(members, dtype=int)
        contract = np.empty(len(idx), dtype=object)
        contract[:] = [book.contract[i] for i in members]
        given = np.isfinite(taker[idx])
        for part, rate in ((~given, None), (given, taker[idx])):
            if not part.any():
                continue
            sub = idx[part]
            margin = np.where(isolated[sub], book.margin[sub], np.nan)  # NaN: from leverage, no fee taken
            terms = threshold_terms_at_venue(book.side[sub], book.entry[sub], book.size[sub],
                                             leverage=book.leverage[sub], margin=margin, contract=contract[part],
                                             fee=None if rate is None else rate[part], venue=venue)
            fee[sub] = terms.fee
            close[sub] = np.where(isolated[sub], np.nan_to_num(terms.close_fee), 0.0)
    return fee, close


def close_fee_in_maintenance(book: Any) -> np.ndarray:
    """The fee to close at the bankruptcy price that a venue counts in each isolated position's maintenance
    margin (Bybit UTA, ``close_fee_in_margin``; 0 elsewhere and for cross positions), in the margin currency.

    It is :attr:`Book.close_fee` where a margin was given; with a margin from leverage that fee cancels in the
    liquidation equation (``close_fee`` is 0 there) but Bybit's reported positionMM still holds it, so it is
    :func:`levxl.engine.conventions.close_fee_at_bankruptcy` at the leverage and the account's taker rate (NaN:
    the profile's dated base rate)."""
    out = np.asarray(book.close_fee, dtype=float).copy()
    rate = np.asarray(book.taker_fee, dtype=float).copy()
    from_leverage = np.zeros(len(out), dtype=bool)
    for i, profile in enumerate(profiles_for(book.venue, book.contract)):
        if (profile is not None and profile.close_fee_in_margin and book.kind[i] != "option"
                and book.margin_mode[i] == "isolated" and not np.isfinite(book.margin[i])):
            from_leverage[i] = True
            if not np.isfinite(rate[i]):
                rate[i] = profile.taker_fee or 0.0
    if from_leverage.any():
        contract = np.array(book.contract, dtype=object)[from_leverage]
        out[from_leverage] = close_fee_at_bankruptcy(book.side[from_leverage], book.entry[from_leverage],
                                                     book.size[from_leverage], leverage=book.leverage[from_leverage],
                                                     fee=rate[from_leverage], contract=contract)
    return out


DEFAULT_FUNDING_HOURS = 8.0
"""The period a funding rate is taken to be quoted per where neither the row nor its venue says (8 hours: Binance,
Bybit, OKX swaps, BitMEX, Gate and KuCoin by default)."""


def funding_hours(book: Any) -> np.ndarray:
    """The hours each position's ``funding_rate`` is quoted per: the row's own (``book.funding_interval_hours``: a
    ``funding_interval_hours`` column, or a header naming the period), else the venue's interval for the symbol
    (:func:`levxl.engine.conventions.funding_interval_hours`: a fetched per-symbol interval, else the profile's
    exception or default: Hyperliquid and dYdX 1 h), else :data:`DEFAULT_FUNDING_HOURS` (an unknown venue, or a
    dated future, which pays no funding)."""
    given = np.asarray(book.funding_interval_hours, dtype=float)
    out = np.where(np.isfinite(given), given, DEFAULT_FUNDING_HOURS)
    seen: dict = {}
    for i, profile in enumerate(profiles_for(book.venue, book.contract)):
        if profile is None or np.isfinite(given[i]) or book.kind[i] == "option":
            continue
        key = (profile.id, book.symbol[i] or None)
        if key not in seen:
            seen[key] = funding_interval_hours(*key)
        if np.isfinite(seen[key]):
            out[i] = seen[key]
    return out


def funding_lines(book: Any) -> list[str]:
    """One line per position whose funding rate (non-zero) is read per an interval other than 8 hours (the row's
    own, or its venue's for the symbol), so a funding figure says which period its rate was taken for."""
    lines = []
    given = np.asarray(book.funding_interval_hours, dtype=float)
    for i, profile in enumerate(profiles_for(book.venue, book.contract)):
        hours = float(book.funding_hours[i])
        if book.kind[i] == "option" or hours == DEFAULT_FUNDING_HOURS or book.funding_rate[i] == 0:
            continue  # a zero (or absent: ccxt positions carry none) rate pays nothing whatever its period
        where = "as given" if np.isfinite(given[i]) else f"{profile.id}'s interval"
        lines.append(f"row {book.row[i]} {book.venue[i]} {book.symbol[i]}: funding rate per {hours:g} h ({where}; "
                     f"{24 / hours:g} payments a day)")
    return lines


def tick_digits(tick: float) -> int:
    """Decimals of an instrument's price ``tick`` (0.0000001 -> 7, 0.5 -> 1, 1 -> 0; 0 when not given), at most 10:
    a price on that tick shown with fewer would hide the digit the venue moves it by."""
    if not (tick > 0 and math.isfinite(tick)):
        return 0
    text = f"{tick:.10f}".rstrip("0")
    return len(text) - text.index(".") - 1


def on_tick(book: Any, prices: np.ndarray, kind: str = "liquidation") -> np.ndarray:
    """``prices`` (one per position: liquidation or bankruptcy, as ``kind`` says) as each venue shows them where
    the row gives its tick (:func:`levxl.engine.conventions.price_on_tick`, the row's venue profile; an unknown
    venue rounds toward the entry); unchanged where no tick is given, for options, and for NaN (not computed)."""
    out = np.array(prices, dtype=float, copy=True)
    tick = np.asarray(book.tick, dtype=float)
    ticked = np.isfinite(tick) & ~np.isnan(out) & ~np.asarray(book.option, dtype=bool)
    if not ticked.any():
        return out
    groups: dict[str | None, list[int]] = {}
    profiles = profiles_for(book.venue, book.contract)
    for i in np.flatnonzero(ticked):
        groups.setdefault(profiles[i].id if profiles[i] else None, []).append(int(i))
    for venue, members in groups.items():
        idx = np.array(members, dtype=int)
        out[idx] = price_on_tick(out[idx], np.asarray(book.side, dtype=float)[idx], tick[idx], kind, venue)
    return out


def conventions_text(profile: VenueProfile | None, fee: float = 0.0, close_fee: float = 0.0,
                     tick: float = float("nan"), side: float = 1.0, cross: bool = False) -> str:
    """What a venue profile changes in a position's liquidation price, in words ("MM on the entry value, taker
    0.05% inside the threshold", "on the tick 0.05 rounded up"); "" for the engine's defaults. ``cross``: the
    position's fee to close is charged against its account (Bybit cross), not held in a margin given."""
    if profile is None:
        return f"on the tick {tick:g} rounded {tick_rule(None, side)[0]}" if np.isfinite(tick) else ""
    why = []
    if profile.mm_basis == "entry":
        why.append("MM on the entry value")
    if fee:
        why.append(f"taker {fee * 100:g}% inside the threshold")
    if close_fee:
        why.append(f"the fee to close at its bankruptcy price ({close_fee:,.6g}) taken out of its account's margin"
                   if cross else f"the fee to close it holds ({close_fee:,.6g}) taken out of the margin given")
    if np.isfinite(tick):
        direction, offset = tick_rule(profile, side)
        shown = f" after {offset:+d} tick as the venue shows it" if offset else ""
        why.append(f"on the tick {tick:g} rounded {direction}{shown}")
    return ", ".join(why)


def venue_liquidation_prices(book: Any, ticks: Sequence[float] | None = None) -> np.ndarray:
    """Each isolated position's liquidation price by the engine's venue path on the position's own inputs (the
    margin as given, or its leverage; the venue profile's conventions: MM basis, fee inside the threshold, the fee
    to close in a Bybit margin, and tick rounding when ``ticks``, one per position, are given:
    :func:`levxl.engine.conventions.liquidation_price_at_venue`). Without ticks it is the figures table's price
    (the book resolves the same conventions, :func:`threshold_terms`; a test pins the two); positions on an unknown
    venue get the engine's defaults; NaN for options, cross positions and a taker rate given in the book (the book
    applies it; this path takes the profile's)."""
    out = np.full(len(book), np.nan)
    profiles = profiles_for(book.venue, book.contract)
    isolated = np.array([m == "isolated" for m in book.margin_mode], dtype=bool)
    groups: dict[str | None, list[int]] = {}  # one vectorised engine call per venue profile
    for i, profile in enumerate(profiles):
        if book.kind[i] != "option" and isolated[i] and np.isnan(book.taker_fee[i]):
            groups.setdefault(profile.id if profile else None, []).append(i)
    for venue, members in groups.items():
        idx = np.array(members, dtype=int)
        mmr = np.empty(len(idx), dtype=object)
        mmr[:] = [book.mmr[i] for i in members]
        contract = np.empty(len(idx), dtype=object)
        contract[:] = [book.contract[i] for i in members]
        basis = np.array([book.basis[i] for i in members], dtype=object)
        out[idx] = liquidation_price_at_venue(book.side[idx], book.entry[idx], book.size[idx], margin=book.margin[idx],
                                              leverage=book.leverage[idx], mmr=mmr, contract=contract, venue=venue,
                                              basis=basis, tick=None if ticks is None else
                                              np.asarray(ticks, dtype=float)[idx])
    return out


PROVENANCE_HEADER = ["row", "venue", "symbol", "venue profile", "tier table", "as of", "age (days)", "status",
                     "source", "funding interval (h)", "warning"]
LIMIT_HEADER = ["row", "venue", "symbol", "tier table", "notional", "leverage", "tier max leverage",
                "max notional at this leverage", "problem"]


def provenance_rows(book: Any, as_of: Any = None, stale_days: int = STALE_DAYS) -> list[list[Any]]:
    """:func:`tier_provenance` as a header row + one row per position (plain values, for a report sheet)."""
    rows: list[list[Any]] = [list(PROVENANCE_HEADER)]
    for u in tier_provenance(book, as_of, stale_days):
        rows.append([u.row, u.venue, u.symbol, u.profile, u.table, u.as_of, u.age_days, u.status, u.source,
                     None if np.isnan(u.funding_hours) else u.funding_hours, u.warning])
    return rows


def limit_rows(book: Any) -> list[list[Any]]:
    """:func:`tier_limits` as a header row + one row per flagged position."""
    rows: list[list[Any]] = [list(LIMIT_HEADER)]
    for f in tier_limits(book):
        rows.append([f.row, f.venue, f.symbol, f.table, f.notional, f.leverage, f.max_leverage, f.max_notional,
                     f.message])
    return rows


def table_lines(book: Any, as_of: Any = None, stale_days: int = STALE_DAYS) -> list[str]:
    """One line per position: the table used, its date, age and source, and its status when not "ok"."""
    lines = []
    for u in tier_provenance(book, as_of, stale_days):
        if u.status == "n/a":
            continue
        what = (f"{u.table} (as of {u.as_of}, {u.age_days} days old; {u.source})" if u.as_of
                else f"{u.table} (no tier table; {u.source})" if u.status == "ok" else f"{u.table} (no tier table)")
        flag = {"ok": "", "stale": "  STALE", "missing": "  MISSING"}[u.status]
        lines.append(f"row {u.row} {u.venue} {u.symbol} [{u.profile or 'unknown venue'}]: {what}{flag}")
    return lines


def convention_lines(book: Any) -> list[str]:
    """One line per position whose liquidation price carries a convention of its venue beyond the engine's
    defaults (MM on the entry value, a fee inside the threshold, the fee to close taken out of the margin): what
    the figures applied, so a price that differs from a textbook formula says why."""
    lines = []
    for i, profile in enumerate(profiles_for(book.venue, book.contract)):
        if book.kind[i] == "option":
            continue
        text = conventions_text(profile, float(book.fee[i]), float(book.close_fee[i]), float(book.tick[i]),
                                float(book.side[i]), bool(book.cross[i]))
        if text:
            rate = "" if np.isnan(book.taker_fee[i]) else f" (taker rate {book.taker_fee[i] * 100:.4g}%, given)"
            name = profile.id if profile else "no venue profile"
            lines.append(f"row {book.row[i]} {book.venue[i]} {book.symbol[i]} [{name}]: {text}{rate}")
    return lines


def warnings(book: Any, as_of: Any = None, stale_days: int = STALE_DAYS) -> list[str]:
    """One line per problem: stale or missing tables, then tier limits exceeded."""
    lines = [f"row {u.row} {u.venue} {u.symbol}: {u.warning}" for u in tier_provenance(book, as_of, stale_days)
             if u.warning]
    lines += [f"row {f.row} {f.venue} {f.symbol}: TIER LIMIT {f.message}" for f in tier_limits(book)]
    return lines

