"""Maintenance-margin tier tables ("leverage brackets", "risk limits").

Each tier has a notional floor and cap, a maximum leverage, a maintenance margin rate ``mmr`` and a maintenance
amount ``cum``. The maintenance margin of a position of notional ``n`` in tier ``k`` is ``n*mmr_k - cum_k``; the
amounts follow the recursion ``cum_0 = 0``, ``cum_k = floor_k*(mmr_k - mmr_{k-1}) + cum_{k-1}``, which keeps the
maintenance margin continuous in notional. The tier is chosen by *notional* (position value), never by margin.

OKX counts its tiers differently: by position *size* (contracts x contract value), and a tier's rate applies to the
whole position, with no maintenance amount (OKX help "Introduction to clearing mechanism": maintenance margin =
contracts x contract value x mark x the tier's rate). A table with ``counted_by="size"`` holds such tiers, floors and
caps in the position's size unit (coin for linear, USD face for inverse) and ``cum`` 0; since a position's size does
not move with the price, its tier is fixed, and :func:`resolve_by_size` turns the table into the one-tier table of
each position's size wherever the size is known (engine functions taking ``size`` do it on entry).

Tables are dated data: venues change them. Every table carries its venue, symbol and as-of date, and a table whose
published ``cum`` contradicts the recursion is refused (a stale amount is the commonest reason a calculator
disagrees with the exchange).

Wherever the engine takes a maintenance rate (an ``mmr`` argument) it accepts a flat rate (``cum`` 0), a
:class:`TierTable`, a preset name such as ``"binance:BTCUSDT"`` (latest table) or ``"binance:BTCUSDT@2021"``, or an
array mixing those per element.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence, Union

import numpy as np
from numpy.typing import ArrayLike

from levxl.engine import tier_store
from levxl.engine.validate import FRACTION, first_bad

__all__ = ["TierTable", "MaintenanceLike", "preset", "presets", "MAINTENANCE", "maintenance_params",
           "is_tiered"]

COUNTED_BY = ("notional", "size")
"""What a table's floors and caps count: position value (Binance, Bybit, Hyperliquid...) or position size (OKX)."""

_CUM_TOLERANCE_ABS = 0.01
_CUM_TOLERANCE_REL = 1e-9


def _plain(value: Any) -> str:
    """A number for a message as a user writes it (``50000``, ``0.0065``), never numpy's ``np.float64(50000.0)``;
    text that is no number is shown quoted."""
    try:
        return f"{float(value):.12g}"
    except (TypeError, ValueError):
        return repr(value)


def cum_by_recursion(floors: Sequence[float], mmrs: Sequence[float]) -> np.ndarray:
    """Maintenance amounts from the recursion ``cum_k = floor_k*(mmr_k - mmr_{k-1}) + cum_{k-1}``, ``cum_0 = 0``.

    >>> cum_by_recursion([0, 50_000, 600_000], [0.004, 0.005, 0.0065]).tolist()
    [0.0, 50.0, 950.0]
    """
    floors = np.asarray(floors, dtype=float)
    mmrs = np.asarray(mmrs, dtype=float)
    steps = np.concatenate([[0.0], floors[1:] * np.diff(mmrs)])
    return np.cumsum(steps)


@dataclass(frozen=True, eq=False)
class TierTable:
    """A venue's maintenance tiers for one symbol at one date. Build with the ``from_*`` constructors.

    >>> t = preset("binance:BTCUSDT@2024")
    >>> float(t.maintenance_margin(1_000_000.0))  # tier 3: 1e6 * 0.0065 - 950
    5550.0
    >>> float(t.max_leverage_at(1_000_000.0)), float(t.max_notional_at(100))
    (75.0, 600000.0)
    """

    floors: np.ndarray
    mmr: np.ndarray
    cum: np.ndarray
    caps: np.ndarray
    max_leverage: np.ndarray
    venue: str = ""
    symbol: str = ""
    as_of: str = ""
    source: str = ""
    counted_by: str = "notional"  #: "size": tiers chosen by position size, the tier's rate on the whole position

    # -- construction -------------------------------------------------------------------------------------------
    @classmethod
    def from_arrays(cls, floors: Iterable[float], mmr: Iterable[float], *, cum: Iterable[float] | None = None,
                    caps: Iterable[float] | None = None, max_leverage: Iterable[float] | None = None,
                    venue: str = "", symbol: str = "", as_of: str = "", source: str = "",
                    counted_by: str = "notional") -> "TierTable":
        """Check and build a table. ``cum`` is computed by the recursion when absent and must agree with it when
        given; ``caps`` default to the next floor (the last tier unbounded); ``max_leverage`` defaults to
        ``1/(2*mmr)`` rounded down (Hyperliquid's rule) when absent.

        Parameters
        ----------
        floors : iterable of float
            Notional floor of each tier in the margin currency, starting at 0, strictly increasing.
        mmr : iterable of float
            Maintenance margin rate of each tier, fractions in [0, 1), non-decreasing.
        cum : iterable of float, optional
            Maintenance amount of each tier (margin currency); checked against the recursion.
        caps : iterable of float, optional
            Notional cap of each tier (margin currency).
        max_leverage : iterable of float, optional
            Highest leverage allowed in each tier, a multiple.
        venue, symbol, as_of, source : str
            Where the table comes from (as_of an ISO date).
        counted_by : {"notional", "size"}, default "notional"
            ``"size"``: floors and caps are position sizes (coin for linear, USD face for inverse) and each tier's rate
            applies to the whole position (OKX), so ``cum`` is 0 in every tier.
        """
        floors_a = np.asarray(list(floors), dtype=float)
        mmr_a = np.asarray(list(mmr), dtype=float)
        label = f"tier table {venue}:{symbol}".rstrip(":") if venue or symbol else "tier table"
        if counted_by not in COUNTED_BY:
            raise ValueError(f"{label}: counted_by must be one of {COUNTED_BY}, got {counted_by!r}")
        if floors_a.ndim != 1 or floors_a.size == 0 or floors_a.shape != mmr_a.shape:
            raise ValueError(f"{label}: floors and mmr must be equal-length, non-empty columns")
        if not np.all(np.isfinite(floors_a)) or floors_a[0] != 0:
            raise ValueError(f"{label}: the first notional floor must be 0, got {_plain(floors_a[0])}")
        if np.any(np.diff(floors_a) <= 0):
            raise ValueError(f"{label}: notional floors must increase strictly, got {floors_a.tolist()}")
        if not np.all(np.isfinite(mmr_a) & (mmr_a >= 0) & (mmr_a < 1)):
            raise ValueError(f"{label}: mmr must be fractions in [0, 1), got {mmr_a.tolist()}")
        if np.any(np.diff(mmr_a) < 0):
            raise ValueError(f"{label}: mmr must not fall as notional rises, got {mmr_a.tolist()}")
        # counted by size, a tier's rate applies to the whole position: no maintenance amount to recurse
        expected = cum_by_recursion(floors_a, mmr_a) if counted_by == "notional" else np.zeros_like(floors_a)
        if cum is None:
            cum_a = expected
        else:
            cum_a = np.asarray(list(cum), dtype=float)
            if cum_a.shape != floors_a.shape:
                raise ValueError(f"{label}: cum must have one value per tier")
            off = np.abs(cum_a - expected) > np.maximum(_CUM_TOLERANCE_ABS, _CUM_TOLERANCE_REL * np.abs(expected))
            if off.any():
                k = int(np.argmax(off))
                raise ValueError(
                    f"{label}: cum of tier {k + 1} is {_plain(cum_a[k])} but the recursion "
                    f"floor*(mmr - previous mmr) + previous cum gives {_plain(expected[k])}; the table is inconsistent "
                    "(often a stale maintenance amount)")
        if caps is None:
            caps_a = np.append(floors_a[1:], np.inf)
        else:
            caps_a = np.asarray(list(caps), dtype=float)
            if caps_a.shape != floors_a.shape or np.any(caps_a < floors_a):
                raise ValueError(f"{label}: each notional cap must be >= its floor")
        if max_leverage is None:
            lev_a = np.floor(np.where(mmr_a > 0, 1 / (2 * np.where(mmr_a > 0, mmr_a, 1)), np.inf))
        else:
            lev_a = np.asarray(list(max_leverage), dtype=float)
            if lev_a.shape != floors_a.shape or not np.all(lev_a > 0):
                raise ValueError(f"{label}: max leverage must be > 0 in every tier")
        return cls(floors_a, mmr_a, cum_a, caps_a, lev_a, venue=venue, symbol=symbol, as_of=as_of, source=source,
                   counted_by=counted_by)

    @classmethod
    def fixed(cls, mmr: float, cum: float = 0.0, *, source: str = "fixed tier") -> "TierTable":
        """One tier that applies at every notional: the rate and maintenance amount a venue shows for the
        position's current tier (Binance's "Maintenance Amount"). Not checked by the recursion: there is nothing to
        recurse over.

        >>> float(TierTable.fixed(0.1, 135_365).maintenance_margin(5_366_968.97))
        401331.897
        """
        rate = float(mmr)
        if not (np.isfinite(rate) and 0 <= rate < 1):
            raise ValueError(f"mmr must be a fraction in [0, 1), got {_plain(mmr)}")
        if not np.isfinite(float(cum)):
            raise ValueError(f"cum must be a finite number, got {_plain(cum)}")
        one = lambda v: np.array([float(v)])  # noqa: E731
        return cls(one(0.0), one(rate), one(cum), one(np.inf), one(np.floor(1 / (2 * rate)) if rate else np.inf),
                   source=source)

    @classmethod
    def from_csv(cls, path: str | Path, *, venue: str | None = None, symbol: str | None = None,
                 as_of: str | None = None) -> "TierTable":
        """Read a CSV with columns ``notional_floor, mmr`` and optionally ``notional_cap, max_leverage, cum``.

        Venue, symbol and date default to the file-name convention ``venue_market_SYMBOL_DATE.csv``."""
        path = Path(path)
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            raise ValueError(f"tier table {path.name}: no rows")
        missing = {"notional_floor", "mmr"} - set(rows[0])
        if missing:
            raise ValueError(f"tier table {path.name}: missing columns {sorted(missing)}")
        guessed = _name_parts(path.stem)

        def column(name: str) -> list[float] | None:
            if name not in rows[0] or any(r[name] in ("", None) for r in rows):
                return None
            return [float(r[name]) for r in rows]

        return cls.from_arrays(column("notional_floor"), column("mmr"), cum=column("cum"),
                               caps=column("notional_cap"), max_leverage=column("max_leverage"),
                               venue=venue or guessed[0], symbol=symbol or guessed[1], as_of=as_of or guessed[2],
                               source=path.name)

    @classmethod
    def from_ccxt(cls, tiers: str | list | dict, *, venue: str = "", symbol: str | None = None,
                  as_of: str = "") -> "TierTable":
        """Build from ccxt's unified ``LeverageTier`` list (``fetch_leverage_tiers``/``fetch_market_leverage_tiers``).

        Accepts the JSON text, the list of tier dicts, or the ``{symbol: [tiers]}`` mapping (with ``symbol``).
        ``cum`` is taken from ``info['cum']`` when the venue reports it (Binance) and checked against the recursion.
        """
        if isinstance(tiers, str):
            tiers = json.loads(tiers)
        if isinstance(tiers, dict):
            if symbol is None and len(tiers) == 1:
                symbol = next(iter(tiers))
            if symbol not in tiers:
                raise ValueError(f"ccxt leverage tiers: no symbol {symbol!r}; have {sorted(tiers)[:10]}")
            tiers = tiers[symbol]
        if not isinstance(tiers, list) or not tiers:
            raise ValueError("ccxt leverage tiers: expected a non-empty list of LeverageTier objects")
        tiers = sorted(tiers, key=lambda t: float(t.get("minNotional") or 0))
        try:
            floors = [float(t.get("minNotional") or 0) for t in tiers]
            caps = [float(t["maxNotional"]) if t.get("maxNotional") is not None else np.inf for t in tiers]
            mmr = [float(t["maintenanceMarginRate"]) for t in tiers]
            lev = [float(t["maxLeverage"]) for t in tiers]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"ccxt leverage tiers: a tier lacks a usable field ({exc})") from None
        infos = [t.get("info") or {} for t in tiers]
        cum = [float(i["cum"]) for i in infos] if all("cum" in i for i in infos) else None
        symbol = symbol or str(tiers[0].get("symbol") or "")
        return cls.from_arrays(floors, mmr, cum=cum, caps=caps, max_leverage=lev, venue=venue, symbol=symbol,
                               as_of=as_of, source="ccxt LeverageTier")

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]]) -> "TierTable":
        """Build from spreadsheet rows ``(notional floor, mmr[, cum])``; blank rows are ignored."""
        cleaned = [list(r) for r in rows if r is not None and any(v not in (None, "") for v in r)]
        if not cleaned or any(len(r) < 2 for r in cleaned):
            raise ValueError("tier range needs 2 or 3 columns: notional floor, mmr[, cum]")
        try:
            floors = [float(r[0]) for r in cleaned]
            mmr = [float(r[1]) for r in cleaned]
            has_cum = len(cleaned[0]) >= 3 and all(len(r) >= 3 and r[2] not in (None, "") for r in cleaned)
            cum = [float(r[2]) for r in cleaned] if has_cum else None
        except (TypeError, ValueError):
            raise ValueError("tier range must hold numbers: notional floor, mmr[, cum]") from None
        return cls.from_arrays(floors, mmr, cum=cum, source="range")

    # -- lookups (all broadcast over notional / leverage) ---------------------------------------------------------
    @property
    def size(self) -> int:
        return int(self.floors.size)

    def lookup(self, notional: Any) -> np.ndarray:
        """0-based tier index of each notional (position value); negative notionals count as 0."""
        notional = np.asarray(notional, dtype=float)
        if self.size <= 16:
            # Branch-free counting in int8 beats a binary search on a handful of floors (measured 53 us vs 420 us
            # per 32k notionals); int8 keeps the count's memory traffic to one byte an element.
            index = np.zeros(notional.shape, dtype=np.int8)
            above = np.empty(notional.shape, dtype=bool)
            for floor in self.floors[1:]:
                np.greater_equal(notional, floor, out=above)
                np.add(index, above.view(np.int8), out=index)
            return index
        return np.maximum(np.searchsorted(self.floors, notional, side="right") - 1, 0)

    def lookup_into(self, notional: np.ndarray, index: np.ndarray, scratch: np.ndarray) -> np.ndarray:
        """:meth:`lookup` into preallocated ``index`` (int8) using a bool ``scratch`` array of the same length:
        no allocation, for the engine's chunked hot path (tables of at most 16 tiers)."""
        index.fill(0)
        for floor in self.floors[1:]:
            np.greater_equal(notional, floor, out=scratch)
            np.add(index, scratch.view(np.int8), out=index)
        return index

    def count_of(self, notional: Any, size: Any) -> np.ndarray:
        """What the tiers count for a position of this notional and size: the notional, or for a table counted by
        size (OKX) the size (absolute)."""
        return np.abs(np.asarray(size, dtype=float)) if self.counted_by == "size" else np.asarray(notional, float)

    def rate_and_amount(self, notional: Any) -> tuple[np.ndarray, np.ndarray]:
        """(mmr, cum) of the tier each notional falls in."""
        index = self.lookup(notional)
        return self.mmr[index], self.cum[index]

    def maintenance_margin(self, notional: Any) -> np.ndarray:
        """``notional*mmr - cum`` with the tier of each notional."""
        notional = np.asarray(notional, dtype=float)
        rate, amount = self.rate_and_amount(notional)
        return notional * rate - amount

    def max_leverage_at(self, notional: Any) -> np.ndarray:
        """The highest leverage allowed for a position of this notional (its tier's max leverage)."""
        return self.max_leverage[self.lookup(notional)]

    def max_notional_at(self, leverage: Any) -> np.ndarray:
        """The largest notional that may be held at this leverage: the cap of the last tier whose max leverage is
        at least the leverage (0 when even the first tier's max leverage is lower)."""
        leverage = np.asarray(leverage, dtype=float)
        allowed = self.max_leverage[None, :] >= leverage.reshape(-1, 1)
        caps = np.where(allowed, self.caps[None, :], 0.0)
        return caps.max(axis=1).reshape(leverage.shape)

    def tier_of_size(self, size: float) -> "TierTable":
        """A table counted by size, for one position: the one-tier table of its size's tier (counted by notional from
        0 to no cap, its rate on the whole position, cum 0; the same venue, symbol, date and source, the symbol
        suffixed `` tier K``). A size past the top cap gets the top tier's rate and a max leverage of 0: the venue
        allows no position that large. Built once per tier.

        >>> t = TierTable.from_arrays([0, 200, 500], [0.004, 0.005, 0.008], caps=[200, 500, 1000],
        ...                           max_leverage=[100, 75, 50], counted_by="size")
        >>> t.tier_of_size(300).symbol, float(t.tier_of_size(300).maintenance_margin(30_000_000.0))
        ('tier 2', 150000.0)
        """
        if self.counted_by != "size":
            raise ValueError(f"{self.name}: counted by notional, not by size")
        size = abs(float(size))
        beyond = size > self.caps[-1]
        k = self.size - 1 if beyond else int(self.lookup(size))
        cache = self.__dict__.setdefault("_tiers_by_size", {})
        key = (k, beyond)
        if key not in cache:
            one = lambda v: np.array([float(v)])  # noqa: E731
            cache[key] = TierTable(one(0.0), one(self.mmr[k]), one(0.0), one(np.inf),
                                   one(0.0 if beyond else self.max_leverage[k]), venue=self.venue,
                                   symbol=(f"{self.symbol} " if self.symbol else "") + f"tier {k + 1}"
                                   + (" (past the top cap)" if beyond else ""),
                                   as_of=self.as_of, source=self.source)
        return cache[key]

    def rows(self) -> list[list[float]]:
        """The table as rows: tier, floor, cap, max leverage, mmr, cum."""
        return [[k + 1, float(f), float(c), float(l), float(m), float(a)] for k, (f, c, l, m, a) in
                enumerate(zip(self.floors, self.caps, self.max_leverage, self.mmr, self.cum))]

    @property
    def name(self) -> str:
        return f"{self.venue}:{self.symbol}@{self.as_of}" if self.venue else (self.source or "custom")

    def __repr__(self) -> str:
        return f"TierTable({self.name}, {self.size} tiers)"


def _name_parts(stem: str) -> tuple[str, str, str]:
    """("binance", "BTCUSDT", "2024-10-24") from "binance_usdm_BTCUSDT_2024-10-24"."""
    parts = stem.split("_")
    if len(parts) >= 3:
        return parts[0], parts[-2], parts[-1]
    return stem, "", ""


# -- presets: shipped tables and fetched ones (levxl.engine.tier_store) ---------------------------------------------
_PRESET_CACHE: dict[tuple, TierTable] = {}


def presets(*, featured: bool = False) -> list[str]:
    """Every stored table as ``venue:SYMBOL@as_of`` (shipped and fetched by ``levxl tiers update``), sorted by venue,
    symbol and date. ``featured=True``: only the hand-curated shipped CSV tables (what the template's Tiers sheet
    shows; never the user's fetched tables, so the template builds the same everywhere).

    Parameters
    ----------
    featured : bool, optional
        Only the curated shipped CSV tables (default False: every stored table).

    Returns
    -------
    list of str
        Names :func:`preset` accepts.
    """
    return tier_store.names(featured)


def table_from_rows(rows: Sequence[Sequence[Any]], *, venue: str = "", symbol: str = "", as_of: str = "",
                    source: str = "", counted_by: str = "notional") -> TierTable:
    """A table from stored rows ``(floor, cap or None, max leverage, mmr, cum or None)`` (the pack form); a row of
    another shape (a damaged fetched file: too short, text, a null floor or mmr) is a ValueError naming the table."""
    try:
        floors = [float(r[0]) for r in rows]
        caps = [np.inf if r[1] is None else float(r[1]) for r in rows]
        lev = None if any(r[2] is None for r in rows) else [float(r[2]) for r in rows]
        cum = None if any(r[4] is None for r in rows) else [float(r[4]) for r in rows]
        mmr = [float(r[3]) for r in rows]
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        name = f" {venue}:{symbol}@{as_of}" if venue else ""
        raise ValueError(f"tier table{name}: a row is not (floor, cap or null, max leverage or null, mmr, cum or null) "
                         "numbers; the stored table is damaged" + (f" ({source})" if source else "")) from None
    return TierTable.from_arrays(floors, mmr, cum=cum, caps=caps, max_leverage=lev,
                                 venue=venue, symbol=symbol, as_of=as_of, source=source, counted_by=counted_by)


def _check_stored(stored: tier_store.StoredTable) -> None:
    """The check a fetched table passes before it is used: it builds (a ValueError says why not; the store then
    refuses it, and the newest other table of the symbol applies)."""
    table_from_rows(stored.loader(), venue=stored.venue, symbol=stored.symbol, as_of=stored.as_of,
                    counted_by=stored.counted_by)


tier_store.check_fetched_tables_with(_check_stored)


def preset(name: str) -> TierTable:
    """A stored tier table: ``"venue:SYMBOL"`` (the newest) or ``"venue:SYMBOL@DATE"`` (DATE may be a prefix, e.g.
    ``@2021``). Case-insensitive; the symbol in ccxt form (``ETH/USDT:USDT``) or the venue's (``ETHUSDT``,
    ``BTC-USDT-SWAP``, ``SOL``) names the same table; a table fetched by ``levxl tiers update`` is preferred over
    a shipped one when it is at least as new (:mod:`levxl.engine.tier_store`).

    Parameters
    ----------
    name : str
        ``"venue:SYMBOL"`` or ``"venue:SYMBOL@DATE"``; see :func:`presets` for what is stored.

    Returns
    -------
    TierTable
        The table, with its venue, symbol, as-of date and source.

    >>> preset("binance:BTCUSDT@2024").venue
    'binance'
    """
    if not isinstance(name, str):
        raise ValueError(f"tier preset must be text, got {name!r}")
    generation = tier_store.generation()
    key = (name.strip().lower(), generation)
    table = _PRESET_CACHE.get(key)
    if table is None:
        stored = tier_store.find(name)
        built = (stored.name, stored.origin, generation)  # one object per table, whatever the spelling
        table = _PRESET_CACHE.get(built)
        if table is None:
            table = table_from_rows(stored.loader(), venue=stored.venue, symbol=stored.symbol, as_of=stored.as_of,
                                    source=stored.source, counted_by=stored.counted_by)
        if len(_PRESET_CACHE) > 4096:
            _PRESET_CACHE.clear()
        _PRESET_CACHE[key] = _PRESET_CACHE[built] = table
    return table


# -- the `mmr` argument of engine functions -----------------------------------------------------------------------
MaintenanceLike = Union[ArrayLike, TierTable]
"""Type of an ``mmr`` argument: a flat rate (fraction), a :class:`TierTable`, a preset name, or an array of those."""

def _as_spec(element: Any) -> Any:
    """One element of an mmr argument: a float rate or a TierTable (presets resolved)."""
    if isinstance(element, TierTable):
        return element
    if isinstance(element, str):
        return preset(element)
    if element is None or isinstance(element, (bool, np.bool_)):
        raise ValueError("not a rate")
    rate = float(element)
    if not (np.isfinite(rate) and 0 <= rate < 1):
        raise ValueError("not a rate")
    return rate


class _MaintenanceDomain:
    """Domain of ``mmr`` arguments: flat rates, a TierTable, a preset name, or an array mixing them per element."""

    rule = 'must be a rate in [0, 1), a tier table or a preset like "binance:BTCUSDT"'

    def _convert(self, name: str, value: Any, collector: list | None) -> Any:
        if isinstance(value, TierTable):
            return value
        if isinstance(value, str):
            try:
                return preset(value)
            except ValueError as exc:
                if collector is None:
                    raise ValueError(f"{name}: {exc}") from None
                collector.append((np.asarray(True), f"{name}: {exc}"))
                return 0.0
        if isinstance(value, np.ndarray) and value.dtype.kind in "fiu" or isinstance(value, (int, float)):
            return FRACTION.strict(name, value) if collector is None else FRACTION.lenient(name, value, collector)
        arr = np.asarray(value, dtype=object)
        if all(isinstance(e, (int, float, np.floating, np.integer)) and not isinstance(e, bool) for e in arr.flat):
            return self._convert(name, arr.astype(float), collector)
        specs = np.empty(arr.shape, dtype=object)
        bad = np.zeros(arr.shape, dtype=bool)
        for index, element in np.ndenumerate(arr):
            try:
                specs[index] = _as_spec(element)
            except ValueError:
                specs[index] = 0.0
                bad[index] = True
        if bad.any():
            if collector is None:
                raise ValueError(f"{name} {self.rule}, got {first_bad(arr, bad)!r}")
            collector.append((bad, f"{name} {self.rule}"))
        if all(isinstance(s, float) for s in specs.flat):
            return specs.astype(float)
        return specs

    def strict(self, name: str, value: Any) -> Any:
        return self._convert(name, value, None)

    def lenient(self, name: str, value: Any, collector: list) -> Any:
        return self._convert(name, value, collector)

    def __init__(self, by_size: bool = True) -> None:
        self.by_size = by_size

    def resolve(self, name: str, value: Any, arguments: Mapping[str, Any]) -> Any:
        """After every argument is checked: a table counted by size takes the tier of the function's ``size``
        (or ``sizes``) argument; a call leaving an optional size out takes the smallest tier, as a table counted by
        notional does there (``max_leverage_for_stop``). A function with no size parameter (sizing: the size is
        what it solves for) gets the table itself."""
        if not self.by_size or ("size" not in arguments and "sizes" not in arguments):
            return value
        size = arguments.get("size", arguments.get("sizes"))
        return resolve_by_size(value, 0.0 if size is None else size)


MAINTENANCE = _MaintenanceDomain()
MAINTENANCE_OF_ANY_SIZE = _MaintenanceDomain(by_size=False)
"""The ``mmr`` domain of a function that varies the size itself (the size to cut): a table counted by size is
passed on whole, each size it tries taking its own tier."""


def _counted_by_size(element: Any) -> bool:
    return isinstance(element, TierTable) and element.counted_by == "size"


def _first_counted_by_size(spec: Any) -> TierTable | None:
    """The spec's first table counted by size, if it has one."""
    if isinstance(spec, np.ndarray) and spec.dtype == object:
        return next((e for e in spec.flat if _counted_by_size(e)), None)
    return spec if _counted_by_size(spec) else None


def resolve_by_size(spec: Any, size: Any) -> Any:
    """A checked maintenance spec with each table counted by size (OKX) replaced by the one-tier table of its
    position's size (:meth:`TierTable.tier_of_size`); other specs are returned as they are. ``size`` broadcasts
    against the spec, as positions do.

    >>> t = TierTable.from_arrays([0, 200], [0.004, 0.005], caps=[200, 500], max_leverage=[100, 75], counted_by="size")
    >>> [e.symbol for e in resolve_by_size(t, [100, 300])]
    ['tier 1', 'tier 2']
    """
    if _first_counted_by_size(spec) is None:
        return spec
    if isinstance(spec, TierTable):
        if np.ndim(size) == 0:
            return spec.tier_of_size(float(size))
        spec = np.array(spec, dtype=object)  # one table for every size: a 0-d column that broadcasts
    size = np.asarray(size, dtype=float)
    shape = np.broadcast_shapes(spec.shape, size.shape)
    spec_b, size_b = np.broadcast_to(spec, shape), np.broadcast_to(size, shape)
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        element = spec_b[index]
        out[index] = element.tier_of_size(size_b[index]) if _counted_by_size(element) else element
    return out


def _require_resolved(spec: Any) -> None:
    table = _first_counted_by_size(spec)
    if table is not None:
        raise ValueError(f"{table.name} counts its tiers by position size (OKX): its maintenance needs the size, "
                         "which this calculation does not have")


def is_tiered(spec: Any) -> bool:
    """True when the maintenance spec depends on notional (a table, or an array holding one)."""
    return isinstance(spec, TierTable) or (isinstance(spec, np.ndarray) and spec.dtype == object)


def maintenance_params(notional: np.ndarray, spec: Any, size: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """(mmr, cum) for each notional under a checked maintenance spec (see :data:`MAINTENANCE`); ``size``, the
    position sizes, picks the tier of a table counted by size (a ValueError names such a table when it is absent)."""
    if size is not None:
        spec = resolve_by_size(spec, size)
    _require_resolved(spec)
    if isinstance(spec, TierTable):
        return spec.rate_and_amount(notional)
    if isinstance(spec, np.ndarray) and spec.dtype == object:
        shape = np.broadcast_shapes(np.shape(notional), spec.shape)
        notional_b = np.broadcast_to(notional, shape)
        rate = np.empty(shape)
        amount = np.zeros(shape)
        # Group elements by table so each group is one vectorised lookup; there are few distinct tables. The
        # groups are found on the spec itself, not on its broadcast (positions x moves: millions of elements).
        tables: dict[int, TierTable] = {}
        flat = spec.ravel()
        key = np.empty(flat.size, dtype=np.int64)
        flats = np.full(flat.size, np.nan)
        for k, element in enumerate(flat):
            if isinstance(element, TierTable):
                key[k] = id(element)
                tables[id(element)] = element
            else:
                key[k], flats[k] = -1, float(element)
        key_b = np.broadcast_to(key.reshape(spec.shape), shape)
        if (key == -1).any():
            where = key_b == -1
            rate[where] = np.broadcast_to(flats.reshape(spec.shape), shape)[where]
        for table_id, table in tables.items():
            where = key_b == table_id
            rate[where], amount[where] = table.rate_and_amount(notional_b[where])
        return rate, amount
    rate = np.asarray(spec, dtype=float)
    return rate, np.zeros_like(rate)


def as_of_date(table: TierTable) -> date | None:
    try:
        return date.fromisoformat(table.as_of)
    except ValueError:
        return None
