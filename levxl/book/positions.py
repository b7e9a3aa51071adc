"""A book of positions read from a CSV, a levxl positions sheet (xlsx) or ccxt's ``fetch_positions`` JSON.

Bad rows are kept out of the book and listed with their reason in :attr:`Book.issues`; the rest still load.
An unreadable file raises ``ValueError`` with a clear message.
"""

from __future__ import annotations

from types import MappingProxyType

import csv
import datetime
import re
import functools
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from levxl.engine.liquidation import DEFAULT_MMR, liquidation_price
from levxl.engine.tier_store import FUNDING_HOURS_RANGE
from levxl.engine.tiers import TierTable, preset
from levxl.engine.venues import profile_for
from levxl.book.cells import (FUNDING_PER_HOURS_KEY, FUNDING_UNREAD_PREFIX, RATE_COLUMNS, CellError, canonical_column,
                               contract_count_hint, decimal_style, inverse_by_symbol_note, parse_number,
                               parse_side, size_unit_reason, symbol_contract)
from levxl.book.checks import (BOUNDED_COLUMNS, expiry_range_reason, leverage_funding_reason, magnitude_reason,
                               plausibility_warnings, stored_table, tier_table_for, vol_range_reason)
from levxl.book.ccxt import binance_coin_m_face, ccxt_record_stream, margin_currency, records_from_ccxt
from levxl.files import reading
from levxl.files.safety import require_regular_file
from levxl.files.reading import (TableFile, TimeCell, Uncached, Unreadable, file_sha256, read_json, text_encoding,
                                 xlsx_rows)

__all__ = ["Book", "RefusedRow", "COLUMNS", "VENUE_COLUMNS", "load_positions", "book_from_records",
           "require_positions", "FLAT_BOOK"]

COLUMNS = ("venue", "symbol", "side", "contract", "size", "entry", "mark", "leverage", "margin", "mmr",
           "funding_rate", "vol", "kind", "option_type", "strike", "expiry_days", "settle", "taker_fee",
           "funding_interval_hours", "tick")
"""Columns of a positions table. Required: side, size, entry and one of leverage/margin. ``contract`` "linear" or
"inverse" (blank: what the symbol's form says where it says it, with a row warning, else linear; a contract the
form contradicts refuses the row: :func:`levxl.book.cells.symbol_contract`). ``size`` is base coin
(linear) or USD face value (inverse); ``margin`` is isolated margin in the margin currency; ``mmr`` a rate or a tier
preset such as ``binance:BTCUSDT`` (blank: the venue's stored table for the symbol, linear rows, else
:data:`DEFAULT_MMR`; an optional ``basis`` column, blank: the venue profile's ``mm_basis``); ``funding_rate`` per
funding interval, as the venue shows it (Hyperliquid's hourly rate, a Binance 4-hour symbol's 4-hour rate), the
interval being the optional ``funding_interval_hours`` column (also read as ``funding_interval``), else the period a
header names ("funding rate / 8h": per 8 hours), else the venue's interval for the symbol
(:func:`levxl.engine.conventions.funding_interval_hours`: fetched by ``levxl tiers update --funding``, or the
profile's), else 8 hours; ``vol`` annualised (0.6 = 60%); ``taker_fee`` (optional) the account's taker rate
(blank: the venue profile's base rate), which enters the figures only where the venue puts it (inside the
threshold at OKX, Gate and Bitget; the fee to close held in a Bybit position margin); ``tick`` (optional) the
instrument's price tick: given, the liquidation and bankruptcy prices are the ones the venue shows, on the tick its way
(:func:`levxl.engine.conventions.price_on_tick`: KuCoin a long's liquidation up and bankruptcy down, OKX one
tick toward the mark from the formula), blank: unrounded.

Options (optional columns): ``kind`` "perp" (default) or "option"; for an option ``option_type`` call/put,
``strike`` (USD), ``expiry_days`` (calendar days to expiry), ``settle`` "linear" (default, USD-settled) or "inverse"
(coin-settled, Deribit), ``size`` the number of options in coins of underlying, ``entry`` the premium paid per option
(USD for linear, coin for inverse), ``mark`` the underlying's price and ``vol`` the implied vol (both required);
side long = bought, short = sold. Leverage, margin, mmr and funding do not apply to options."""

_NUMERIC = ("size", "entry", "mark", "leverage", "margin", "funding_rate", "vol", "strike", "expiry_days",
            "taker_fee", "funding_interval_hours", "tick")


@dataclass(frozen=True)
class RefusedRow:
    """The account a refused row would have been a position of, as its cells read before any check: a cross
    account's figures depend on every position in it, so one refused row leaves the others of that account
    uncomputed (:func:`levxl.book.accounts.refused_siblings`). ``inverse`` from the contract cell (blank: the
    symbol's form, :func:`levxl.book.cells.symbol_contract`); ``cross`` False
    only where the row says it is no cross position (margin mode isolated, an option, a closed ccxt position)."""

    venue: str
    account: str
    symbol: str
    inverse: bool
    cross: bool


@dataclass
class Book:
    """Columns of valid positions (numpy arrays / lists), the rows refused with reasons, and the source."""

    venue: list[str]
    symbol: list[str]
    side: np.ndarray
    contract: list[str]
    size: np.ndarray
    entry: np.ndarray
    mark: np.ndarray
    leverage: np.ndarray
    margin: np.ndarray
    mmr: list[Any]
    funding_rate: np.ndarray
    vol: np.ndarray
    row: list[int] = field(default_factory=list)  #: 1-based row of each position in the source
    issues: list[tuple[int, str]] = field(default_factory=list)  #: (row, reason) of every refused row
    #: row -> the account of a refused row, where its cells say (a row absent here, one that could not be read or
    #: was never read, may belong to any account)
    refused: dict[int, RefusedRow] = field(default_factory=dict)
    source: str = ""
    sha256: str = ""
    #: option columns: "perp" or "option"; "call"/"put" ("" for perps); strike and days to expiry (NaN for perps).
    #: An option's ``contract`` is its settlement ("linear" USD-settled, "inverse" coin-settled).
    kind: list[str] | None = None
    option_type: list[str] | None = None
    strike: np.ndarray | None = None
    expiry_days: np.ndarray | None = None
    #: venue columns (see :data:`VENUE_COLUMNS`): "isolated" / "cross" / "" (unknown: never recomputed as isolated),
    #: the account (positions of one venue+account+margin currency share a cross wallet), where maintenance margin
    #: is measured ("mark" or "entry": Bybit), the venue's own liquidation price and maintenance margin (NaN when
    #: not given), the account's cross wallet given on the row (NaN when not), where the margin came from, and
    #: per-row warnings (the row is kept; the warning says what to check).
    margin_mode: list[str] | None = None
    account: list[str] | None = None
    basis: list[str] | None = None
    venue_liquidation: np.ndarray | None = None
    venue_maintenance: np.ndarray | None = None
    wallet: np.ndarray | None = None
    margin_source: list[str] | None = None
    warnings: list[list[str]] | None = None
    #: for cross positions, the margin of the liquidation equation ``wallet - others' MM + others' uPnL`` set by
    #: :func:`levxl.book.accounts.with_accounts` (NaN while the wallet is unknown; 0 or negative in a hedged
    #: account whose other positions lose more than the wallet covers: the price is still real), and its three
    #: terms: the account's wallet, the other positions' maintenance margin and their uPnL at their marks
    cross_margin: np.ndarray | None = None
    cross_wallet: np.ndarray | None = None
    cross_other_mm: np.ndarray | None = None
    cross_other_upnl: np.ndarray | None = None
    #: why a cross position is not computed on its account, in a few words ("account wallet not in the input",
    #: "row 2 of its account refused"), set by :func:`levxl.book.accounts.with_accounts`; "" elsewhere
    cross_note: list[str] | None = None
    #: the account's taker rate as given (NaN: blank, the venue profile's base rate), and what the venue's
    #: conventions make of it (:func:`levxl.book.venue_rules.threshold_terms`): the fee rate inside the liquidation
    #: threshold (OKX, Gate, Bitget; 0 elsewhere) and the fee to close that a given margin holds (Bybit UTA: taken
    #: out of the margin of the liquidation equation, :attr:`isolated_margin`; 0 elsewhere), margin currency
    taker_fee: np.ndarray | None = None
    fee: np.ndarray | None = None
    close_fee: np.ndarray | None = None
    #: the hours ``funding_rate`` is quoted per, as given (a ``funding_interval_hours`` column or a header such as
    #: "funding rate / 8h"; NaN: blank), and as used (:attr:`funding_hours`: the given hours, else the venue's
    #: interval for the symbol, else 8)
    funding_interval_hours: np.ndarray | None = None
    funding_hours: np.ndarray | None = None
    #: the instrument's price tick (NaN: not given; prices unrounded)
    tick: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.side)
        for name, default in (("margin_mode", "isolated"), ("account", ""), ("basis", "mark"),
                              ("margin_source", ""), ("cross_note", "")):
            if getattr(self, name) is None:
                setattr(self, name, [default] * n)
        for name in ("venue_liquidation", "venue_maintenance", "wallet", "cross_margin", "cross_wallet",
                     "cross_other_mm", "cross_other_upnl", "taker_fee", "funding_interval_hours", "tick"):
            if getattr(self, name) is None:
                setattr(self, name, np.full(n, np.nan))
        if self.warnings is None:
            self.warnings = [[] for _ in range(n)]
        if self.kind is None:
            self.kind = ["perp"] * n
        if self.option_type is None:
            self.option_type = [""] * n
        if self.strike is None:
            self.strike = np.full(n, np.nan)
        if self.expiry_days is None:
            self.expiry_days = np.full(n, np.nan)
        if self.fee is None or self.close_fee is None:
            from levxl.book.venue_rules import threshold_terms

            self.fee, self.close_fee = threshold_terms(self)
        if self.funding_hours is None:
            from levxl.book.venue_rules import funding_hours

            self.funding_hours = funding_hours(self)

    def __len__(self) -> int:
        return len(self.side)

    @property
    def profiles(self) -> list:
        """Each position's venue profile from its venue name and contract (None if unknown): levxl.book.venue_rules."""
        from levxl.book.venue_rules import profiles_for

        return profiles_for(self.venue, self.contract)

    @property
    def inverse(self) -> np.ndarray:
        return np.array([c == "inverse" for c in self.contract], dtype=bool)

    @property
    def option(self) -> np.ndarray:
        """True for option positions."""
        return np.array([k == "option" for k in self.kind], dtype=bool)

    @property
    def cross(self) -> np.ndarray:
        """True for cross-margin positions."""
        return np.array([m == "cross" for m in self.margin_mode], dtype=bool)

    @property
    def recomputable(self) -> np.ndarray:
        """True where levxl can compute the liquidation price from the input: an isolated position, or a cross one
        whose account wallet is known. Elsewhere the figures tables blank the liquidation figures (a cross position
        is never computed as isolated); :mod:`levxl.book.reconcile` shows the venue's number and why."""
        known_mode = np.array([m in ("isolated", "cross") for m in self.margin_mode], dtype=bool)
        return known_mode & ~self.option & (~self.cross | np.isfinite(self.cross_margin))

    @property
    def isolated_margin(self) -> np.ndarray:
        """The margin of the liquidation equation (margin currency): the isolated margin given (less the fee to close
        it holds at Bybit, :attr:`close_fee`), else the initial margin from leverage; for a cross position with a known wallet, ``wallet - others' MM + others' uPnL``
        (:attr:`cross_margin`, 0 or negative in a hedged account). NaN for options. Where :attr:`recomputable` is false the initial margin from
        leverage stands in (so layouts keep their shape), and the figures are blanked."""
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(self.inverse, self.size / self.entry, self.size * self.entry)
            margin = np.where(np.isnan(self.margin), value / self.leverage, self.margin - self.close_fee)
            margin = np.where(self.cross & np.isfinite(self.cross_margin), self.cross_margin, margin)
            isolated = np.array([m == "isolated" for m in self.margin_mode], dtype=bool)
            margin = np.where(~isolated & np.isnan(margin), value, margin)  # stand-in only (not recomputable)
        return np.where(self.option, np.nan, margin)

    @property
    def effective_leverage(self) -> np.ndarray:
        """Entry value / :attr:`isolated_margin`; NaN where that margin is not > 0 (a cross position whose
        account's margin for it is 0 or negative has no leverage on it: n/a, never a negative multiple)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(self.inverse, self.size / self.entry, self.size * self.entry)
            margin = self.isolated_margin
            return np.where(margin > 0, value / margin, np.nan)

    def select(self, mask) -> "Book":
        """The positions where ``mask`` is true (issues, source and hash kept)."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        pick = (lambda a: [a[i] for i in idx])
        return Book(venue=pick(self.venue), symbol=pick(self.symbol), side=self.side[idx],
                    contract=pick(self.contract), size=self.size[idx], entry=self.entry[idx], mark=self.mark[idx],
                    leverage=self.leverage[idx], margin=self.margin[idx], mmr=pick(self.mmr),
                    funding_rate=self.funding_rate[idx], vol=self.vol[idx], row=pick(self.row), issues=self.issues,
                    refused=self.refused, source=self.source, sha256=self.sha256, kind=pick(self.kind),
                    option_type=pick(self.option_type), strike=self.strike[idx], expiry_days=self.expiry_days[idx],
                    margin_mode=pick(self.margin_mode), account=pick(self.account), basis=pick(self.basis),
                    venue_liquidation=self.venue_liquidation[idx], venue_maintenance=self.venue_maintenance[idx],
                    wallet=self.wallet[idx], margin_source=pick(self.margin_source),
                    warnings=[list(w) for w in pick(self.warnings)], cross_margin=self.cross_margin[idx],
                    cross_wallet=self.cross_wallet[idx], cross_other_mm=self.cross_other_mm[idx],
                    cross_other_upnl=self.cross_other_upnl[idx], cross_note=pick(self.cross_note),
                    taker_fee=self.taker_fee[idx], fee=self.fee[idx], close_fee=self.close_fee[idx],
                    funding_interval_hours=self.funding_interval_hours[idx], funding_hours=self.funding_hours[idx],
                    tick=self.tick[idx])


AccountKey = tuple[str, str, str]  #: (venue, account, margin currency), lower/upper-cased as read


#: venues whose perpetuals all settle in one currency their venue-form symbols do not name: Hyperliquid's ``BTC``
#: and dYdX v4's ``BTC-USD`` are USDC-margined (their ccxt forms: BTC/USDC:USDC, BTC/USD:USDC)
_VENUE_SETTLES = MappingProxyType({"hyperliquid": "USDC", "dydx": "USDC"})


def account_key_of(venue: str, account: str, symbol: str, inverse: bool) -> AccountKey:
    """The account of a position with these venue, account, symbol and contract kind (see :func:`account_key`)."""
    name = venue.strip().lower()
    currency = margin_currency(symbol, inverse)
    if not inverse and currency in ("", "USD") and name in _VENUE_SETTLES:
        currency = _VENUE_SETTLES[name]
    return name, account.strip(), currency


def account_key(book: "Book", i: int) -> AccountKey:
    """The account a position's margin belongs to: venue, account and margin currency."""
    return account_key_of(book.venue[i], book.account[i], book.symbol[i], bool(book.inverse[i]))


VENUE_COLUMNS = ("margin_mode", "account", "wallet", "venue_liquidation", "venue_maintenance")
"""Optional venue columns: ``margin_mode`` isolated (default) or cross; ``account`` (cross positions of one venue,
account and margin currency share a wallet); ``wallet`` the account's cross wallet balance without unrealised PnL
(margin currency); the venue's own ``venue_liquidation`` price and ``venue_maintenance`` margin, shown beside
levxl's (aliases such as "Liq. Price" and "MM" map to them, see :data:`levxl.book.cells.ALIASES`)."""

_VENUE_NUMERIC = ("wallet", "venue_liquidation", "venue_maintenance")
_MODES = {"isolated": "isolated", "iso": "isolated", "fixed": "isolated", "cross": "cross", "crossed": "cross",
          "unknown": ""}


def book_from_records(records: Iterable[dict[str, Any]], source: str = "", sha256: str = "",
                      decimal: str = "") -> Book:
    """Check every record; good ones become the book, bad ones become issues (row, reason naming the column).

    ``decimal`` is the file's decimal separator (``"comma"``, ``"point"`` or ``""`` undecided, see
    :func:`levxl.book.cells.decimal_style`).

    Records are read one at a time and their cells parsed; the engine's checks then run on whole columns of
    :data:`_CHUNK` rows at a time (:func:`_check_chunk`): one vectorised call instead of one per row, each row
    still getting its own reason, the one the engine gives for that row alone. Memory is the kept rows."""
    good: dict[str, Any] = {c: [] for c in COLUMNS + VENUE_COLUMNS + ("basis", "margin_source", "warnings")
                            if c != "settle"}
    for c in ("side",) + _NUMERIC + _VENUE_NUMERIC:
        good[c] = array("d")  # 8 bytes a number, not a float object and a list slot
    rows: list[int] = []
    issues: list[tuple[int, str]] = []
    refused: dict[int, RefusedRow] = {}
    chunk: list[tuple[int, dict[str, Any], Any]] = []
    warn = _PlausibilityCache()
    venue_table = _VenueTables()
    texts: dict[str, str] = {}  # one object per distinct venue, symbol, mode...: a book repeats a few of them

    def flush() -> None:
        failed = _check_chunk(chunk)
        for number, out, check in chunk:
            if out is None:  # a cell that could not be parsed: ``check`` is the reason
                issues.append((number, check))
                continue
            if number in failed:
                issues.append((number, failed[number]))
                refused[number] = _refused_row(out, parsed=True)
                continue
            if check is not None:  # a perpetual: its warnings once it passed the engine's checks
                out["warnings"] += warn(out)
            for c in _TEXT_KEPT:
                out[c] = texts.setdefault(out[c], out[c])
            for c in good:
                good[c].append(out[c])
            rows.append(number)
        chunk.clear()

    for number, record in enumerate(records, start=1):
        cells = {_canonical(k): v for k, v in record.items() if k is not None}
        try:
            out, check = _parsed_record(cells, decimal, venue_table)
        except CellError as exc:
            chunk.append((number, None, str(exc)))  # kept in the chunk: issues stay in row order
            if any(k != "__refuse__" for k in cells):  # else a row with no cell: its account is unknown
                refused[number] = _refused_row(cells)
            continue
        chunk.append((number, out, check))
        if len(chunk) >= _CHUNK:
            flush()
    flush()
    arrays = {c: np.array(good[c], dtype=float) for c in ("side",) + _NUMERIC + _VENUE_NUMERIC}
    return Book(venue=good["venue"], symbol=good["symbol"], contract=good["contract"], mmr=good["mmr"], row=rows,
                issues=issues, refused=refused, source=source, sha256=sha256, kind=good["kind"],
                option_type=good["option_type"], margin_mode=good["margin_mode"], account=good["account"],
                basis=good["basis"],
                margin_source=good["margin_source"], warnings=good["warnings"], **arrays)


def _refused_row(cells: dict[str, Any], parsed: bool = False) -> RefusedRow:
    """The account a refused row names (:class:`RefusedRow`), from its cells as given or, ``parsed``, as
    :func:`_parsed_record` read them (a margin mode "" there is unknown). A mode that does not read as isolated
    may be cross: the row counts against its account's cross positions."""
    text = lambda key: str(cells.get(key) or "").strip()  # noqa: E731
    mode_text = text("margin_mode").lower()
    mode = (mode_text or "unknown") if parsed else _MODES.get(mode_text or "isolated", "")
    kind = text("kind").lower() or "perp"
    contract = text("contract").lower() or (symbol_contract(text("symbol"), text("venue"))[0] if text("symbol")
                                            else "")
    return RefusedRow(venue=text("venue"), account=text("account"), symbol=text("symbol"),
                      inverse=contract == "inverse",
                      cross=mode != "isolated" and kind != "option" and not cells.get("__no_position__"))


_CHUNK = 4096  #: rows whose engine checks run as one vectorised call
_TEXT_KEPT = ("venue", "symbol", "contract", "kind", "option_type", "margin_mode", "account", "basis",
              "margin_source")


@functools.lru_cache(maxsize=4096)
def _canonical_cached(header: str) -> str:
    return canonical_column(header)


def _canonical(header: Any) -> str:
    """:func:`canonical_column`, memoised for text headers (every record of a file repeats the same keys)."""
    return _canonical_cached(header) if isinstance(header, str) else canonical_column(header)


@dataclass
class _PerpCheck:
    """What the engine checks of one perpetual row (see :func:`_check_chunk`): the arguments of the row's
    ``liquidation_price`` call, the vol, the mark used and the mark cell as given (for the message)."""

    side: float
    entry: float
    size: float
    leverage: float | None
    margin: float | None
    mmr: Any
    contract: str
    vol: float
    mark: float
    mark_cell: Any


def _has_position_columns(names: list[str]) -> bool:
    """Whether header names (levxl columns) are a positions header: a size (or Binance's ``positionAmt``) and an
    entry."""
    return "entry" in names and ("size" in names or "binance_position_amt" in names)


def _size_from_position_amt(record: dict[str, Any], decimal: str) -> dict[str, Any]:
    """The record with its size from Binance's ``positionAmt``: the coin on a USD-M (linear) row, a count of
    contracts on a COIN-M (inverse) row, whose size is then that count x the contract's USD face (100 USD for BTC,
    10 USD for other coins: :func:`levxl.book.ccxt.binance_coin_m_face`). An inverse row of another venue is
    refused: its contracts' face is not known here. A size column beside it wins where it is filled."""
    amount = record["binance_position_amt"]
    if not _blank(record.get("size")) or _blank(amount):
        return record
    contract = str(record.get("contract") or "linear").strip().lower()
    if contract != "inverse":
        return {**record, "size": amount}
    venue = str(record.get("venue") or "").strip()
    try:
        binance = profile_for(venue, "inverse").venue == "binance"
    except (KeyError, ValueError):  # an unknown venue: its contracts' face is not known either
        binance = False
    if not binance:
        raise CellError(f"positionAmt {amount!r} on an inverse row of {venue or 'an unnamed venue'} counts "
                        "contracts whose USD face levxl does not know: give the size in USD face value")
    face = binance_coin_m_face(str(record.get("symbol") or ""))
    count = parse_number(amount, "positionAmt", decimal)
    return {**record, "size": count * face}


def _parsed_record(record: dict[str, Any], decimal: str, venue_table: Any) -> tuple[dict[str, Any], _PerpCheck | None]:
    """One record's cells parsed as book columns, and for a perpetual what the engine must still check (None for
    an option, already fully checked); :class:`CellError` with the reason (see :func:`book_from_records`).
    ``venue_table(venue, symbol, contract)``: the stored table a blank mmr cell takes, or None."""
    if record.get("__refuse__"):
        raise CellError(record["__refuse__"])
    for column, value in record.items():
        if isinstance(value, Uncached):
            raise CellError(f"{column or 'a cell'} is a formula saved without its value (={value.formula}): open and "
                            "save the workbook in Excel or LibreOffice, or run `levxl recalc` on it")
    quoted_hours = _funding_period(record, decimal)
    contract_note = ""
    if str(record.get("kind") or "perp").strip().lower() != "option":  # an option's contract is its settlement
        record, contract_note = _contract_read(record)
    if "binance_position_amt" in record:
        record = _size_from_position_amt(record, decimal)
    unit_reason = size_unit_reason(record.get("size"), str(record.get("symbol") or ""),
                                   str(record.get("contract") or "linear").strip().lower(),
                                   not _blank(record.get("entry")))
    if unit_reason:
        raise CellError(unit_reason)
    values = {c: parse_number(record.get(c), c, decimal) for c in _NUMERIC + _VENUE_NUMERIC}
    option = str(record.get("kind") or "perp").strip().lower() == "option"
    # prices, sizes and margins past any real book's (levxl.book.checks: PRICE_MAX and the others say why): their
    # products overflowed the figures into numpy warnings, inf moves and NaN stresses
    out_of_range = next((why for c in BOUNDED_COLUMNS if (why := magnitude_reason(c, values[c], record.get(c)))), "")
    out_of_range = out_of_range or vol_range_reason(values["vol"], shown=record.get("vol"))
    if option:
        # an option pays no funding and its price is not rounded to a perpetual's tick: a mixed book's values in
        # those columns do not apply to it and must not refuse it
        values["tick"] = values["funding_interval_hours"] = np.nan
        quoted_hours = None
        out_of_range = out_of_range or expiry_range_reason(values["expiry_days"], record.get("expiry_days"))
    else:
        out_of_range = out_of_range or leverage_funding_reason(values["leverage"], values["funding_rate"], record)
    if out_of_range:
        raise CellError(out_of_range)
    hours = values["funding_interval_hours"]
    if quoted_hours is not None:
        if not np.isnan(hours) and hours != quoted_hours:
            raise CellError(f"the funding rate's header says per {quoted_hours:g} h but funding_interval_hours is "
                            f"{record.get('funding_interval_hours')!r}: give the rate per the interval, or drop the "
                            "interval column")
        values["funding_interval_hours"] = hours = quoted_hours
    low, high = FUNDING_HOURS_RANGE
    if not np.isnan(hours) and not low <= hours <= high:
        given = not _blank(record.get("funding_interval_hours"))
        shown = repr(record.get("funding_interval_hours")) if given else f"{hours:g} (the funding rate header's period)"
        if high < hours < np.inf and given:
            hint = " (minutes? Bybit's API gives 480 for 8 hours)"
        elif 0 < hours < low:
            hint = (" (no venue pays funding more often than hourly; a time 8:00 saved as a number is 0.333 of a "
                    "day: type 8)")
        else:
            hint = ""
        raise CellError(f"funding_interval_hours must be the hours between funding payments, {low:g} to {high:g} "
                        f"(1, 4 and 8 are usual), got {shown}{hint}")
    side, values["size"] = parse_side(record.get("side"), values["size"])
    out: dict[str, Any] = {"venue": str(record.get("venue") or "").strip(),
                           "symbol": str(record.get("symbol") or "").strip(), "side": side,
                           "account": str(record.get("account") or "").strip(),
                           "basis": str(record.get("basis") or ""),  # "entry": ccxt Bybit rows
                           "margin_source": str(record.get("margin_source") or ""),
                           "warnings": list(record.get("warnings") or []) + ([contract_note] if contract_note else [])}
    tick = values["tick"]
    # an entry not > 0 is the engine's to refuse, with its own reason, not as a tick above it
    if not np.isnan(tick) and values["entry"] > 0 and (not tick > 0 or tick >= values["entry"]
                                                       or tick < values["entry"] * 1e-10):
        # venues' ticks sit between 1e-8 and 1e-2 of the price; 1e-10 leaves room and keeps the rounding exact
        raise CellError(f"tick must be the instrument's price step (> 0, below the price and at least 1e-10 of "
                        f"it), got {record.get('tick')!r}")
    if np.isinf(values["funding_rate"]):  # "inf" or 1e400: funding per day inf, a report that cannot be written
        raise CellError(f"funding_rate must be a finite number, got {record.get('funding_rate')!r}")
    taker = values["taker_fee"]
    if not np.isnan(taker) and not 0 <= taker < 0.01:  # venues' taker rates are 0.02%-0.1%
        raise CellError(f"taker_fee must be a rate below 1% (0.0005 or 0.05%), got {record.get('taker_fee')!r}")
    kind = str(record.get("kind") or "perp").strip().lower()
    if kind not in ("perp", "option"):
        raise CellError(f'kind must be "perp" or "option", got {record.get("kind")!r}')
    if kind == "option":
        reason, option_type, settle = _option_reason(record, "long" if side > 0 else "short", values)
        if reason:
            raise CellError(reason)
        out.update(values, contract=settle, mmr=DEFAULT_MMR, kind="option", option_type=option_type, basis="mark",
                   leverage=np.nan, margin=np.nan, funding_rate=0.0, margin_mode="isolated")
        return out, None
    mode_text = str(record.get("margin_mode") or "isolated").strip().lower()
    if mode_text not in _MODES:
        raise CellError(f'margin_mode must be "isolated" or "cross", got {record.get("margin_mode")!r}')
    mode = _MODES[mode_text]
    contract = str(record.get("contract") or "linear").strip().lower()
    if not out["basis"]:  # blank: where the venue measures maintenance margin (Bybit, KuCoin: the entry value)
        out["basis"] = venue_table.basis(out["venue"], contract)
    mmr = _mmr_cell(record.get("mmr"), decimal)
    if mmr is None:  # blank: the venue's own table for the symbol where one is stored, else the flat default
        mmr = venue_table(out["venue"], out["symbol"], contract) or DEFAULT_MMR
    if mode == "isolated" and np.isnan(values["leverage"]) and np.isnan(values["margin"]):
        raise CellError("leverage or margin must be given")
    mark = values["mark"]
    if np.isnan(mark):
        out["warnings"].append("mark blank: the ENTRY price stands in for the mark (uPnL 0, distance measured "
                               "from the entry); give the mark")
        mark = values["entry"]
    margin = None if np.isnan(values["margin"]) else values["margin"]
    leverage = None if np.isnan(values["leverage"]) else values["leverage"]
    if margin is None and leverage is None:
        leverage = 1.0  # a cross row needs neither: its margin comes from the account (checks only)
    out.update(values, contract=contract, mmr=mmr, kind="perp", option_type="", margin_mode=mode, mark=mark,
               strike=np.nan, expiry_days=np.nan,
               funding_rate=0.0 if np.isnan(values["funding_rate"]) else values["funding_rate"])
    return out, _PerpCheck(side, values["entry"], values["size"], leverage, margin, mmr, contract, values["vol"],
                           mark, record.get("mark"))


def _contract_read(record: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The record with its contract cell read, and the row warning that says how ("" where there is none to say).

    A blank contract is what the symbol's form says where it says it (:func:`levxl.book.cells.symbol_contract`:
    ``BTC-USD-SWAP``, ``BTCUSD_PERP``, ``BTC/USD:BTC`` are inverse), said so in the warning: read as linear, an
    OKX ``BTC-USD-SWAP`` row's 20,000 USD face would be 20,000 BTC, a notional of a billion. Else linear, as always.
    A contract that contradicts the symbol's form refuses the row (:class:`CellError`): which one is wrong is not
    levxl's to tell."""
    given = str(record.get("contract") or "").strip().lower()
    symbol = str(record.get("symbol") or "").strip()
    by_symbol, form = symbol_contract(symbol, str(record.get("venue") or "")) if symbol else ("", "")
    if not given:
        if by_symbol == "inverse":
            return {**record, "contract": "inverse"}, inverse_by_symbol_note(symbol, form)
        return {**record, "contract": "linear"}, ""
    if by_symbol and given in ("linear", "inverse") and given != by_symbol:
        raise CellError(f"contract {record.get('contract')!r} contradicts the symbol {symbol}: the contract column "
                        f"reads {given}, the symbol's form ({form}) reads {by_symbol}; correct the one that is wrong")
    return record, ""


_HOURS_TEXT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hour|hours)\s*$", re.IGNORECASE)


def _funding_period(record: dict[str, Any], decimal: str = "") -> float | None:
    """The hours a header says the funding rate is quoted per ("funding rate / 8h", key ``funding_rate_8h``: its
    cell becomes ``funding_rate``), else None; a ``funding_interval_hours`` cell reading "8h" loses its unit. The
    caller refuses a header's period and an interval column that disagree (which one is the rate's?)."""
    interval = record.get("funding_interval_hours")
    if isinstance(interval, TimeCell):  # read from an xlsx cell formatted h:mm: 0.333 of a day is 8 hours
        record["funding_interval_hours"] = interval.hours
    elif isinstance(interval, datetime.time):  # an xlsx cell typed as 8:00: its hours, not 0.333 of a day
        record["funding_interval_hours"] = interval.hour + interval.minute / 60 + interval.second / 3600
    elif isinstance(interval, datetime.timedelta):  # a [h]:mm duration
        record["funding_interval_hours"] = interval.total_seconds() / 3600
    elif isinstance(interval, str):
        m = _HOURS_TEXT.match(interval)
        if m:
            record["funding_interval_hours"] = m.group(1)
    for key in [k for k in record if isinstance(k, str) and k.startswith(FUNDING_UNREAD_PREFIX)]:
        if not _blank(record.pop(key)):  # a period or unit read wrongly would be a rate off by a factor
            raise CellError(f"the funding-rate header {key[len(FUNDING_UNREAD_PREFIX):]!r} names a period or unit "
                            "levxl cannot read: name it as 'funding rate / 8h', '(hourly)', '(daily)' or '(%)'")
    quoted = None
    for key in [k for k in record if isinstance(k, str) and FUNDING_PER_HOURS_KEY.match(k)]:
        value = record.pop(key)
        if not _blank(value):
            hours, pct = FUNDING_PER_HOURS_KEY.match(key).groups()
            if pct and not (isinstance(value, str) and value.strip().endswith("%")):
                value = parse_number(value, "funding_rate", decimal) / 100.0  # the header says its cells are %
            plain = record.get("funding_rate")
            if not _blank(plain) and (parse_number(plain, "funding_rate", decimal)
                                      != parse_number(value, "funding_rate", decimal)):
                # "Funding Rate" beside "Funding rate / 8h": one rate each, and which is the row's is a guess
                raise CellError(f"two columns give funding_rate and disagree: 'funding_rate' = {plain!r} vs "
                                f"{key!r} = {value!r} (keep one)")
            record["funding_rate"] = value
            if hours is not None:
                quoted = float(hours)
    return quoted


def _row_reason(c: _PerpCheck) -> str:
    """The reason one perpetual row is refused ("" when it passes): the engine's own checks decide what a bad row
    is (one mechanism for the CLI, reports and cells), then vol >= 0 and mark > 0. The reference for
    :func:`_check_chunk`, which gives the same reasons for many rows at once."""
    _, reasons = liquidation_price.elementwise(c.side, c.entry, c.size, leverage=c.leverage, mmr=c.mmr,
                                               margin=c.margin, contract=c.contract)
    if reasons is not None and str(reasons[()]):
        return str(reasons[()])
    if not np.isnan(c.vol) and c.vol < 0:
        return "vol must be >= 0"
    return _mark_reasons(np.array([c.side]), np.array([c.size]), np.array([c.entry]), np.array([c.mark]),
                         np.array([c.contract == "inverse"]), [c.mark_cell])[0]


def _mark_reasons(side: np.ndarray, size: np.ndarray, entry: np.ndarray, mark: np.ndarray, inverse: np.ndarray,
                  cells: list[Any]) -> list[str]:
    """Per row, why its mark cannot be used ("" when it can): not > 0, or so large (or, inverse, so small) that
    the position's value or its PnL at the mark is not a finite number (a mark of 1e308 with a size of 2.5: the
    risk figures overflowed to inf and the report could not be written)."""
    with np.errstate(all="ignore"):
        value = np.where(inverse, size / mark, size * mark)
        pnl = np.where(inverse, side * size * (1 / entry - 1 / mark) * mark, side * size * (mark - entry))
        positive = mark > 0
        overflows = positive & ~(np.isfinite(value) & np.isfinite(pnl) & np.isfinite(mark))
        ratio = mark / entry
        far = positive & ~overflows & ~((ratio >= 1 / MAX_MARK_RATIO) & (ratio <= MAX_MARK_RATIO))
    return ["" if positive[k] and not overflows[k] and not far[k] else
            f"mark must be > 0, got {cells[k]!r}" if not positive[k] else
            f"mark {cells[k]!r}: the position's value at it is past a float's range" if overflows[k] else
            f"mark {cells[k]!r} is more than {MAX_MARK_RATIO:.0e} times from the entry {entry[k]:g} either way (a "
            "typo or a unit error?): distances to liquidation past that overflow" for k in range(len(cells))]


MAX_MARK_RATIO = 1e12  #: a mark this many times the entry, or under 1/this: no price moves so far while held


def _batch_spec(mmr: Any) -> Any:
    """The maintenance spec of a row for a column call (a float rate or a TierTable), or None when the row must
    be checked alone: a preset that does not resolve or a rate out of range get their own message from the
    engine's scalar check, which an array element would not."""
    if isinstance(mmr, TierTable):
        return mmr
    if isinstance(mmr, str):
        try:
            return preset(mmr)
        except ValueError:
            return None
    if isinstance(mmr, (int, float)) and not isinstance(mmr, bool) and np.isfinite(mmr) and 0 <= mmr < 1:
        return float(mmr)
    return None


def _check_chunk(chunk: list[tuple[int, dict[str, Any], Any]]) -> dict[int, str]:
    """{row number: reason} of the perpetual rows of ``chunk`` that the engine refuses, each reason the one
    :func:`_row_reason` gives for that row alone.

    The rows go through ``liquidation_price.elementwise`` as columns, in two calls that mirror the scalar call's
    two forms: rows with a margin (leverage NaN where not given) and rows with only a leverage (margin not
    passed). Rows whose maintenance spec an array would describe differently are checked one by one."""
    failed: dict[int, str] = {}
    groups: dict[bool, list[tuple[int, _PerpCheck, Any]]] = {True: [], False: []}
    for number, out, check in chunk:
        if out is None or check is None:
            continue
        spec = _batch_spec(check.mmr)
        if spec is None:
            reason = _row_reason(check)
            if reason:
                failed[number] = reason
            continue
        groups[check.margin is not None].append((number, check, spec))
    for with_margin, members in groups.items():
        if not members:
            continue
        checks = [c for _, c, _ in members]
        specs = np.empty(len(members), dtype=object)
        specs[:] = [s for _, _, s in members]
        if all(isinstance(s, float) for s in specs):
            specs = specs.astype(float)
        leverage = np.array([np.nan if c.leverage is None else c.leverage for c in checks], dtype=float)
        margin = np.array([c.margin for c in checks], dtype=float) if with_margin else None
        contract = np.empty(len(members), dtype=object)
        contract[:] = [c.contract for c in checks]
        _, reasons = liquidation_price.elementwise(
            np.array([c.side for c in checks], dtype=float), np.array([c.entry for c in checks], dtype=float),
            np.array([c.size for c in checks], dtype=float), leverage=leverage, mmr=specs, margin=margin,
            contract=contract)
        vol = np.array([c.vol for c in checks], dtype=float)
        mark = np.array([c.mark for c in checks], dtype=float)
        with np.errstate(invalid="ignore"):
            bad_vol = ~np.isnan(vol) & (vol < 0)
        mark_reasons = _mark_reasons(np.array([c.side for c in checks], dtype=float),
                                     np.array([c.size for c in checks], dtype=float),
                                     np.array([c.entry for c in checks], dtype=float), mark,
                                     np.array([c.contract == "inverse" for c in checks]),
                                     [c.mark_cell for c in checks])
        bad_mark = np.array([bool(r) for r in mark_reasons], dtype=bool)
        engine_bad = np.zeros(len(members), dtype=bool) if reasons is None else reasons.astype(str) != ""
        for k in np.flatnonzero(engine_bad | bad_vol | bad_mark):
            number = members[k][0]
            failed[number] = (str(reasons[k]) if engine_bad[k] else "vol must be >= 0" if bad_vol[k] else
                              mark_reasons[k])
    return failed


class _VenueTables:
    """A book's lookups of its venues' rules, once per venue (and symbol). Called: the stored tier table of a venue and symbol (``binance`` + ``ETH/USDT:USDT`` or ``ETHUSDT``: the newest
    ``binance:ETHUSDT``), looked up once per pair in a book; None where none is stored. Linear rows only: every
    table levxl ships is a linear product's, and a coin-margined position's tiers are in contracts, so an inverse
    row takes a table only when its mmr cell names one."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], Any] = {}
        self.bases: dict[tuple[str, str], str] = {}

    def basis(self, venue: str, contract: str) -> str:
        """Where the venue's profile measures maintenance margin ("mark", or "entry" at Bybit and KuCoin); "mark"
        for a venue levxl has no profile of."""
        key = (venue.lower(), contract)
        if key not in self.bases:
            try:
                self.bases[key] = profile_for(venue, contract if contract in ("linear", "inverse") else None).mm_basis
            except (KeyError, ValueError):
                self.bases[key] = "mark"
        return self.bases[key]

    def __call__(self, venue: str, symbol: str, contract: str) -> Any:
        if contract != "linear" or not venue or not symbol:
            return None
        key = (venue.lower(), symbol)
        if key not in self.found:
            self.found[key] = stored_table(venue, symbol)
        return self.found[key]


class _PlausibilityCache:
    """:func:`levxl.book.checks.plausibility_warnings` with the row's tier table looked up once per venue, symbol
    and maintenance spec (a book repeats them; the lookup lists every stored table)."""

    def __init__(self) -> None:
        self.tables: dict[Any, Any] = {}

    def __call__(self, row: dict[str, Any]) -> list[str]:
        mmr = row.get("mmr")
        key = (row.get("venue", ""), row.get("symbol", ""), mmr if isinstance(mmr, (str, float, int)) else id(mmr))
        if key not in self.tables:  # the spec is kept beside its table: its id cannot be reused meanwhile
            self.tables[key] = (mmr, tier_table_for(row.get("venue", ""), row.get("symbol", ""), mmr))
        return plausibility_warnings(row, table=self.tables[key][1])


def _mmr_cell(value: Any, decimal: str) -> Any:
    """A maintenance rate cell: a number (``0.5%`` = 0.005), a tier preset name kept as text, or None (blank)."""
    if value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and
                                                                            np.isnan(value)):
        return None
    if not isinstance(value, str):
        return value  # a number, or a TierTable from a venue reader
    try:
        return parse_number(value, "mmr", decimal)
    except CellError:
        return value.strip()


_OPTION_NAMES = {"underlying": "mark (the underlying's price)", "days": "expiry_days", "contract": "settle",
                 "option_type": "option_type", "strike": "strike", "vol": "vol"}


def _option_reason(record: dict[str, Any], side: str, values: dict[str, float]) -> tuple[str, str, str]:
    """(reason or "", option_type, settle) of an option row: the required columns, then the engine's own checks
    (:func:`levxl.engine.options.option_price` elementwise)."""
    from levxl.engine.options import option_price

    option_type = str(record.get("option_type") or "").strip().lower()
    settle = str(record.get("settle") or "").strip().lower()
    if not settle:  # a coin-settled option may say so in the contract column too
        settle = str(record.get("contract") or "linear").strip().lower()
    if side.lower() not in ("long", "short", "buy", "sell"):
        return f'option: side must be "long" or "short", got {record.get("side")!r}', option_type, settle
    for name, blank in (("option_type", not option_type), ("strike", np.isnan(values["strike"])),
                        ("expiry_days", np.isnan(values["expiry_days"])), ("mark", np.isnan(values["mark"])),
                        ("vol", np.isnan(values["vol"]))):
        if blank:
            what = " (the underlying's price)" if name == "mark" else ""
            return f"option: {name}{what} must be given", option_type, settle
    if not (values["size"] > 0 and np.isfinite(values["size"])):
        return f"option: size must be > 0, got {values['size']!r}", option_type, settle
    if not (values["entry"] >= 0 and np.isfinite(values["entry"])):
        return f"option: entry (premium paid per option) must be >= 0, got {values['entry']!r}", option_type, settle
    _, reasons = option_price.elementwise(option_type, values["mark"], values["strike"], values["expiry_days"],
                                          values["vol"], contract=settle)
    if reasons is not None and str(reasons[()]):
        text = str(reasons[()])
        for engine_name, column in _OPTION_NAMES.items():
            if text.startswith(engine_name + " "):
                text = column + text[len(engine_name):]
                break
        return f"option: {text}", option_type, settle
    canonical = {"c": "call", "p": "put"}.get(option_type, option_type)
    return "", canonical, settle


_TEXT_COLUMNS = {"venue", "symbol", "side", "contract", "kind", "option_type", "settle", "margin_mode", "account", "mmr"}


def _csv_delimiter(path: Path) -> str:
    """The one of ``,``, ``;``, tab, ``|`` that splits the header line into the most fields (the file's first
    64 KiB are enough to see the header)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(1 << 16)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    lines = [line for line in raw.decode(text_encoding(raw), errors="replace").splitlines() if line.strip()]
    for line in lines[:_TITLE_LINES + 1]:  # the header line: the first naming size and entry (a title may precede)
        fits = [d for d in ",;\t|" if {"size", "entry"} <= set(_header_names(line, d))]
        if fits:
            return max(fits, key=lambda d: len(_header_names(line, d)))
    first = lines[0] if lines else ""
    return max(",;\t|", key=lambda d: len(next(csv.reader([first], delimiter=d), [])))


_TITLE_LINES = 10  #: lines of title and notes a CSV may have above its header (Excel exports of a desk sheet)


def _header_names(line: str, delimiter: str) -> list[str]:
    return [canonical_column(h) for h in next(csv.reader([line], delimiter=delimiter), [])]


def _csv_names(rows: Iterator[Any], path: Path, with_headers: bool = False) -> Any:
    """The header row of streamed CSV rows as levxl column names (aliases resolved); with ``with_headers`` also the
    header cells as written."""
    first, skipped = None, 0
    for header in rows:
        if isinstance(header, Unreadable):
            raise ValueError(f"{path.name}: the header line cannot be read ({header.reason})")
        if not any(str(c).strip() for c in header):
            continue
        first = header if first is None else first
        names = [canonical_column(h) for h in header]
        if _has_position_columns(names) or skipped >= _TITLE_LINES:
            break
        skipped += 1  # a title or note line above the header
    else:
        if first is None:
            raise ValueError(f"{path.name}: positions CSV is empty (it needs a header with at least side, size and "
                             "entry columns)")
    if not _has_position_columns(names):
        header = first
        raise ValueError(f"{path.name}: positions CSV needs a header with at least size and entry columns (and side "
                         f"unless the size is signed); found {', '.join(h.strip() for h in header if h.strip()) or 'none'}"
                         f"{contract_count_hint(header)}")
    return (names, list(header)) if with_headers else names


#: headers that name a column only loosely: dropped when the file also has a column named for it exactly
#: ("Last Price" beside "Mark Price" is not the mark)
_WEAK_HEADERS = {"last_price": "mark"}


def _record_builder(names: list[str], headers: list[Any]):
    """A function turning a row (cells in header order) into a record by levxl column name.

    Where two headers name one column ("size" and "Qty"), the row's cells must agree: a row where they differ is
    refused naming both headers and values, never read as whichever came last. A loose header (see
    :data:`_WEAK_HEADERS`) beside an exact one is ignored."""
    where: dict[str, list[int]] = {}
    for k, name in enumerate(names):
        where.setdefault(name, []).append(k)
    for name, ks in where.items():
        strong = [k for k in ks if _header_key(headers[k]) not in _WEAK_HEADERS]
        if len(ks) > 1 and strong and len(strong) < len(ks):
            where[name] = ks = strong
        # "Unrealized PnL (USDT)" beside "Unrealized PnL (%)": a percent of an amount is another quantity, not a
        # second copy of the column (a rate column's "%" is its unit and stays a duplicate)
        amounts = [k for k in ks if not _percent_header(headers[k])]
        if len(ks) > 1 and name not in RATE_COLUMNS and amounts and len(amounts) < len(ks):
            where[name] = amounts
    duplicated = {name: ks for name, ks in where.items() if len(ks) > 1 and name}
    single = [(name, ks[0]) for name, ks in where.items() if name not in duplicated]
    if len(single) == len(names):  # every header names its own column: the plain (fast) record
        return lambda row: dict(zip(names, row))

    def build(row: list[Any]) -> dict[str, Any]:
        record = {name: row[k] for name, k in single if k < len(row)}
        for name, ks in duplicated.items():
            cells = [(k, row[k]) for k in ks if k < len(row) and not _blank(row[k])]
            record[name] = cells[0][1] if cells else None
            if len({_same(v) for _, v in cells}) > 1 and "__refuse__" not in record:
                shown = " vs ".join(f"{str(headers[k]).strip()!r} = {v!r}" for k, v in cells)
                record["__refuse__"] = f"two columns give {name} and disagree: {shown} (keep one)"
        return record

    return build


def _percent_header(header: Any) -> bool:
    """A header whose unit, after the name, is a percent: "Unrealized PnL (%)", "ROE %", "PnL / %"."""
    text = str(header or "").strip().lower()
    return bool(re.search(r"(\(\s*%\s*\)|/\s*%|\s%)\s*$", text))


def _header_key(header: Any) -> str:
    text = str(header).strip().lower().lstrip("\ufeff") if header is not None else ""
    return "_".join(text.split())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _same(value: Any) -> Any:
    """A cell as compared between duplicate columns: numbers by value (2.5 and "2.5" agree), text folded."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:  # as the reader parses it: 1000 and "1,000.00" agree
        number = parse_number(value, "size")
        if not np.isnan(number):
            return number
    except CellError:
        pass
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        return text.lower()


def _csv_decimal(path: Path, delimiter: str) -> str:
    """The file's decimal style (:func:`levxl.book.cells.decimal_style`) from all its numeric cells, streamed: a
    first pass over the file, so memory does not grow with its size."""
    comma = point = False
    with TableFile(path) as table:
        rows = table.csv_rows(delimiter)
        names = _csv_names(rows, path)
        numeric = [k for k, name in enumerate(names) if name not in _TEXT_COLUMNS]
        for row in rows:
            if isinstance(row, Unreadable) or not row:
                continue
            style = decimal_style([row[k] for k in numeric if k < len(row)])
            comma, point = comma or style == "comma", point or style == "point"
            if comma and point:
                raise CellError("the file mixes decimal commas (2,5) and decimal points with thousands commas "
                                "(1,234.5)")
    return "comma" if comma else "point" if point else ""


def _records_decimal(records: list[dict[str, Any]]) -> str:
    """The decimal style of a workbook's text-number cells ("1.234,5" or "1,234.5" stored as strings), decided
    over the whole sheet as :func:`_csv_decimal` decides a CSV's: a sheet that mixes the two is refused, and one
    unambiguous cell settles how "1,234" reads in the others. Cells stored as numbers read one way only."""
    comma = point = False
    for record in records:
        style = decimal_style([v for k, v in record.items()
                               if isinstance(v, str) and isinstance(k, str) and k not in _TEXT_COLUMNS])
        comma, point = comma or style == "comma", point or style == "point"
        if comma and point:
            raise CellError("the sheet mixes decimal commas (2,5) and decimal points with thousands commas "
                            "(1,234.5) in cells stored as text")
    return "comma" if comma else "point" if point else ""


def _csv_records(rows: Iterator[Any], path: Path, unreadable: dict[int, str],
                 delimiter: str) -> Iterator[dict[str, Any]]:
    """Streamed CSV rows -> records by levxl column name; a row the csv module cannot read is an empty record whose
    reason goes into ``unreadable``; a row with more fields than the header is refused with the likely cause."""
    names, headers = _csv_names(rows, path, with_headers=True)
    build = _record_builder(names, headers)
    number = 0
    for row in rows:
        if not isinstance(row, Unreadable) and not any(c.strip() for c in row):
            continue
        number += 1
        if isinstance(row, Unreadable):
            unreadable[number] = row.reason
            yield {}
            continue
        record = build(row)
        if len(row) > len(names):
            # no line number: the row's own number leads the issue, and title lines above the header would skew one
            record["__refuse__"] = (f"{len(row)} fields but the header has {len(names)} (delimiter "
                                   f"{delimiter!r}: is a number written with a decimal comma and not "
                                   "quoted?)")
        yield record


def _records_from_xlsx(path: Path) -> list[dict[str, Any]]:
    rows = xlsx_rows(path, prefer_sheet="Positions")  # bounded: see levxl.files.reading
    try:
        for row in rows:  # the header is the first row naming size and entry
            names = [canonical_column(v) for v in row]
            if _has_position_columns(names):
                build = _record_builder(names, list(row))
                records = []
                after_blank = False
                for r in rows:
                    if not any(v not in (None, "") for v in r):
                        after_blank = True
                        continue
                    record = build(r)
                    if after_blank and not _looks_like_position(record):
                        break  # the table ends at a blank row followed by something else (a levxl sheet's next table)
                    after_blank = False
                    records.append(record)
                return records
    finally:
        rows.close()
    raise ValueError(f"{path.name}: no header row with size and entry columns (and side unless the size is signed)")


def _looks_like_position(record: dict[str, Any]) -> bool:
    """A row after a blank row that continues the positions table (a desk's blank separator between groups): it
    gives a size and an entry and is not a total. Anything else (a title, the next table, a total) ends the table."""
    if any(isinstance(v, str) and v.strip().lower().startswith(("total", "subtotal", "sum")) for v in record.values()):
        return False
    return not _blank(record.get("size")) and not _blank(record.get("entry"))


def column_name(header: Any) -> str:
    """A header cell as a column name: "mmr / tier" -> "mmr", "funding rate / 8h" -> "funding_rate",
    "vol (ann.)" -> "vol" (the template's Positions headers), "Entry" -> "entry"."""
    text = str(header).strip().lower() if header is not None else ""
    for cut in (" /", " ("):
        text = text.split(cut, 1)[0]
    return text.strip().replace(" ", "_")


def load_positions(path: str | Path) -> Book:
    """Read a positions CSV, xlsx (the first sheet, or one named Positions) or ccxt ``fetch_positions`` JSON.

    Files are read through :mod:`levxl.files.reading` (bounded size, CSV streamed twice: once for its decimal
    style, once for its rows; a JSON array over ``MAX_JSON_BYTES`` streamed one position at a time; at most
    ``MAX_ROWS`` rows). Refused rows are in :attr:`Book.issues`; a book may come
    back empty (a report still lists its issues). Faces that need positions call :func:`require_positions`
    (``levxl risk`` and ``levxl report`` do, through :func:`levxl.book.accounts.load_book`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    unreadable: dict[int, str] = {}
    truncated = False
    require_regular_file(path, "positions file")  # /dev/zero, a FIFO: read without end, or blocked for good
    try:
        if suffix in (".xlsx", ".xlsm"):
            records = _records_from_xlsx(path)
            truncated = len(records) > reading.MAX_ROWS
            book = book_from_records(records[:reading.MAX_ROWS], source=path.name, sha256=file_sha256(path),
                                     decimal=_records_decimal(records[:reading.MAX_ROWS]))
        elif suffix == ".json" and _size(path) > reading.MAX_JSON_BYTES:  # read at call time: tests lower it
            with TableFile(path) as table:  # a large array streamed one position at a time
                book = book_from_records(ccxt_record_stream(table.json_items()), source=path.name)
            book.sha256, truncated = table.sha256, table.truncated
        elif suffix == ".json":
            data, digest = read_json(path)
            records = records_from_ccxt(data)
            truncated = len(records) > reading.MAX_ROWS
            book = book_from_records(records[:reading.MAX_ROWS], source=path.name, sha256=digest)
        elif _is_zip(path):  # an xlsx saved or renamed with a .csv name: read as the workbook it is
            records = _records_from_xlsx(path)
            truncated = len(records) > reading.MAX_ROWS
            book = book_from_records(records[:reading.MAX_ROWS], source=path.name, sha256=file_sha256(path),
                                     decimal=_records_decimal(records[:reading.MAX_ROWS]))
        else:
            delimiter = _csv_delimiter(path)
            decimal = _csv_decimal(path, delimiter)
            with TableFile(path) as table:
                book = book_from_records(_csv_records(table.csv_rows(delimiter), path, unreadable, delimiter),
                                         source=path.name, decimal=decimal)
            book.sha256, truncated = table.sha256, table.truncated
    except CellError as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    if unreadable:
        book.issues = [(row, unreadable.get(row, reason)) for row, reason in book.issues]
    if truncated:
        limit = reading.MAX_ROWS
        book.issues.append((limit + 1, f"rows after {limit:,} not read (levxl reads at most {limit:,} positions "
                                       "from one file)"))
    return book


def _is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False  # the CSV reader says why it cannot be read


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None


FLAT_BOOK = "no positions: the file holds a header and no rows (a flat book); nothing to liquidate"
"""What every face says of a book with no position and no refused row (:func:`require_positions` lets it pass)."""


def require_positions(book: Book, limit: int = 20) -> Book:
    """``book`` if it holds at least one position, or none and no refused row (a header and no rows, an empty
    ``fetch_positions`` list: a flat desk, whose faces say "no positions"); else ``ValueError`` with one line
    naming why each row was refused (the first ``limit`` rows), so no face works on a book whose every row was
    refused."""
    if len(book) or not book.issues:
        return book
    name = book.source or "positions"
    shown = "; ".join(f"row {r}: {why}" for r, why in book.issues[:limit])
    more = f"; and {len(book.issues) - limit} more" if len(book.issues) > limit else ""
    raise ValueError(f"{name}: no valid position, every row was refused: {shown}{more}")
