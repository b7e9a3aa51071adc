"""Where tier tables come from: the tables shipped with levxl and the ones ``levxl tiers update`` fetched.

Standard library only; it returns plain rows and metadata, :func:`levxl.engine.tiers.preset` turns them into
:class:`~levxl.engine.tiers.TierTable` objects (so this module imports nothing of the tiers module: no cycle).

Naming. A preset is ``venue:SYMBOL`` or ``venue:SYMBOL@DATE`` (DATE an ISO date or a prefix of one). The venue may be
spelled as a user or ccxt spells it (``binance``, ``binanceusdm``, ``okx``, ``hyperliquid``: the venue profiles'
aliases, :func:`levxl.engine.venues.profile_for`). The symbol may be in ccxt's unified form (``ETH/USDT:USDT``,
``BTC/USD:BTC``, ``SOL/USDC:USDC``) or the venue's own (``ETHUSDT``, ``BTCUSD_PERP``, ``BTC-USDT-SWAP``, ``SOL``):
both reduce to one key, base + quote (+ expiry digits for a dated future) with separators and ``SWAP``/``PERP``
dropped; Hyperliquid keys are the coin alone (its perps are all USDC-quoted).

>>> symbol_key("binance", "ETH/USDT:USDT"), symbol_key("binance", "ETHUSDT")
('ETHUSDT', 'ETHUSDT')
>>> symbol_key("okx", "BTC-USDT-SWAP"), symbol_key("okx", "BTC/USDT:USDT")
('BTCUSDT', 'BTCUSDT')
>>> symbol_key("hyperliquid", "SOL/USDC:USDC"), symbol_key("binance", "BTCUSD_PERP")
('SOL', 'BTCUSD')

Sources, newest first. Shipped: ``levxl/data/tiers/*.csv`` (one table a file, ``venue_market_SYMBOL_DATE.csv``,
its source document and URL in ``csv_sources.json`` beside it) and
``*.json`` packs (many symbols of one venue at one date, the compact form below). Fetched: the same pack form in the
user data folder, ``$LEVXL_DATA_DIR/tiers/`` (default: the platform's user data folder + ``levxl``), one file per
venue and fetch date. For ``venue:SYMBOL`` without a date the newest table wins, a fetched one over a shipped one of
the same date.

Pack form (JSON)::

    {"format": "levxl-tiers-1", "venue": "binance", "market": "usdm", "as_of": "2024-10-24", "source": "...",
     "columns": ["notional_floor", "notional_cap", "max_leverage", "mmr", "cum"],
     "tables": {"BTCUSDT": {"symbol": "BTC/USDT:USDT", "tiers": [[0, 50000, 125, 0.004, 0], ...]}}}

``notional_cap`` of an uncapped top tier is ``null``; ``cum`` is ``null`` where the venue publishes none (it is then
computed by the recursion ``cum_k = floor_k*(mmr_k - mmr_{k-1}) + cum_{k-1}``).

Refused fetched tables. The user data folder is checked when it is read, table by table: a table that fails
:class:`~levxl.engine.tiers.TierTable`'s checks (negative or NaN rates, unsorted floors, an inconsistent ``cum``, an
unknown ``counted_by``), a file dated after today (UTC) or not dated at all, and a damaged file (not JSON, not a
pack, too large, not UTF-8) are not used: the newest other table of the symbol (usually the shipped one) applies.
Each refusal is one line on stderr, once per process, and ``levxl tiers list`` lists them (:func:`refused`). Were
such a table used, one bad download would fail every position of its symbol, or, being the newest, hide every real
table from then on.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from levxl.engine import venues

__all__ = ["StoredTable", "RefusedTable", "read_stored", "MAX_STORED_BYTES", "data_dir", "user_tier_dir", "venue_key",
           "symbol_key", "parse_name", "find", "names", "refused", "refused_for", "check_fetched_tables_with",
           "pack", "refresh", "generation", "all_tables", "CCXT_IDS", "PACK_FORMAT", "PACK_COLUMNS",
           "FUNDING_FORMAT", "FUNDING_HOURS_RANGE", "user_funding_dir", "funding_pack", "funding_interval"]

PACK_FORMAT = "levxl-tiers-1"
SOURCES_FILE = "csv_sources.json"  #: {shipped CSV file name: its source document and URL}
#: venue -> (ccxt exchange id, market label of the stored file): the venues ``levxl tiers update`` can fetch
CCXT_IDS = {"binance": ("binanceusdm", "usdm"), "bybit": ("bybit", "linear"), "okx": ("okx", "swap"),
            "gate": ("gate", "swap"), "kucoin": ("kucoinfutures", "usdtm")}
PACK_COLUMNS = ("notional_floor", "notional_cap", "max_leverage", "mmr", "cum")
_DROPPED_TOKENS = {"SWAP", "PERP", "PERPETUAL"}


@dataclass(frozen=True)
class StoredTable:
    """One table as stored: rows ``(floor, cap or None, max leverage, mmr, cum or None)`` and where it came from."""

    venue: str
    symbol: str  #: the key (venue form, e.g. BTCUSDT)
    as_of: str
    source: str
    origin: str  #: "shipped" or "fetched"
    featured: bool  #: a hand-curated shipped CSV (the template shows these)
    loader: Any  #: () -> rows
    counted_by: str = "notional"  #: "size" for a table whose tiers count position size (OKX)

    @property
    def name(self) -> str:
        return f"{self.venue}:{self.symbol}@{self.as_of}"


@dataclass(frozen=True)
class RefusedTable:
    """A fetched file, or one table in it, that is not used, and why."""

    path: str  #: the file in the user data folder
    reason: str  #: one line, numbers written plainly
    venue: str = ""  #: "" when the file could not be read that far
    as_of: str = ""
    symbols: tuple[str, ...] = ()  #: the tables refused (keys); () for a file that could not be read

    @property
    def name(self) -> str:
        """``venue:SYMBOL@DATE`` of a refused table; the file name for a refused file."""
        if len(self.symbols) == 1 and self.venue:
            return f"{self.venue}:{self.symbols[0]}@{self.as_of}"
        return Path(self.path).name

    def means(self, venue: str, key: str, when: str | None) -> bool:
        """Whether a preset ``venue:key[@when]`` names one of the refused tables."""
        return (self.venue == venue and key in self.symbols
                and (when is None or self.as_of.startswith(when)))

    @property
    def line(self) -> str:
        """The stderr line: the file, what in it is refused, and why."""
        if not self.symbols:
            what = "not used"
        elif len(self.symbols) == 1:
            what = f"table {self.symbols[0]} not used"
        else:
            shown = ", ".join(self.symbols[:3]) + (", ..." if len(self.symbols) > 3 else "")
            what = f"its {len(self.symbols)} tables ({shown}) not used"
        return f"levxl: warning: {self.path}: {self.reason}; {what} (an older stored table applies where there is one)"


# -- names ---------------------------------------------------------------------------------------------------------
def venue_key(venue: str) -> str:
    """The venue as tables name it: a profile alias maps to its venue (``binanceusdm`` -> ``binance``)."""
    text = str(venue).strip().lower()
    try:
        return venues.profile_for(text).venue
    except (KeyError, ValueError):
        return re.sub(r"[^a-z0-9]", "", text)


def symbol_key(venue: str, symbol: str) -> str:
    """One key for the ccxt and the venue spelling of a symbol (see the module docstring)."""
    text = str(symbol).strip().upper()
    if "/" in text:
        base, _, rest = text.partition("/")
        quote, _, settle = rest.partition(":")
        expiry = settle.partition("-")[2]
        key = base + ("" if venue_key(venue) == "hyperliquid" else quote) + re.sub(r"[^0-9A-Z]", "", expiry)
    else:
        tokens = [t for t in re.split(r"[-_]", text) if t and t not in _DROPPED_TOKENS]
        key = "".join(tokens)
    return re.sub(r"[^0-9A-Z]", "", key)


def parse_name(name: str) -> tuple[str, str, str | None]:
    """(venue, symbol key, date prefix or None) of ``venue:SYMBOL[@DATE]``; ValueError when it is not one."""
    if not isinstance(name, str) or ":" not in name:
        raise ValueError(f'tier preset must look like "binance:BTCUSDT" or "binance:BTCUSDT@2021", got {name!r}')
    venue, _, rest = name.strip().partition(":")
    when = None
    if "@" in rest:
        rest, _, when = rest.rpartition("@")
        if not re.fullmatch(r"[0-9][0-9\-]*", when):
            raise ValueError(f"tier preset {name!r}: the part after @ must be a date such as 2024-10-24 or 2021")
    key = symbol_key(venue, rest)
    if not venue.strip() or not key:
        raise ValueError(f'tier preset must look like "binance:BTCUSDT" or "binance:BTCUSDT@2021", got {name!r}')
    return venue_key(venue), key, when


# -- folders ---------------------------------------------------------------------------------------------------------
def data_dir() -> Path:
    """The user data folder: ``$LEVXL_DATA_DIR`` if set, else the platform's (Windows ``%LOCALAPPDATA%\\levxl``,
    macOS ``~/Library/Application Support/levxl``, elsewhere ``$XDG_DATA_HOME/levxl`` or ``~/.local/share/levxl``)."""
    explicit = os.environ.get("LEVXL_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    home = Path.home()
    if sys.platform.startswith("win"):
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "levxl"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "levxl"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "levxl"


_DIR_CACHE: dict[tuple, Path] = {}


def user_tier_dir() -> Path:
    """``data_dir() / "tiers"`` (memoised on the environment variables it depends on: it is on every preset's path)."""
    env = os.environ
    key = (env.get("LEVXL_DATA_DIR"), env.get("XDG_DATA_HOME"), env.get("LOCALAPPDATA"), env.get("HOME"))
    folder = _DIR_CACHE.get(key)
    if folder is None:
        folder = _DIR_CACHE[key] = data_dir() / "tiers"
    return folder


# -- reading ---------------------------------------------------------------------------------------------------------
MAX_STORED_BYTES = 64 * 1024 * 1024  #: a fetched tier or funding file (every Binance USD-M symbol is ~120 KB)


def read_stored(path: Path) -> str:
    """The text of a file in the user data folder, read only when it is a regular file of at most
    :data:`MAX_STORED_BYTES`: the folder is the user's, and a file there may be a symlink to ``/dev/zero`` (read
    whole, memory without end) or a FIFO (``open`` alone blocks for good). Opened without blocking, then checked on
    the open file, so what is read is what was checked. An ``OSError`` or ``ValueError`` with one line."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path}: not a regular file")
        data = handle.read(MAX_STORED_BYTES + 1)
    if len(data) > MAX_STORED_BYTES:
        raise ValueError(f"{path}: larger than {MAX_STORED_BYTES:,} bytes")
    return data.decode("utf-8")


def _stored_json(path: Path) -> Any:
    """:func:`read_stored` parsed as JSON; nesting too deep to parse is a ValueError like any damaged file."""
    text = read_stored(path)
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"{path}: JSON nested too deeply") from None


def _name_parts(stem: str) -> tuple[str, str, str]:
    parts = stem.split("_")
    return (parts[0], parts[-2], parts[-1]) if len(parts) >= 3 else (stem, "", "")


def _csv_rows(path: Any) -> list[tuple]:
    import csv

    with path.open("r", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    def num(row: Mapping[str, str], column: str) -> float | None:
        value = (row.get(column) or "").strip()
        return None if value in ("", "inf", "Infinity") else float(value)

    return [(num(r, "notional_floor"), num(r, "notional_cap"), num(r, "max_leverage"), num(r, "mmr"), num(r, "cum"))
            for r in rows]


def _pack_entries(text: str | dict, origin: str, label: str,
                  damaged: list[tuple[str, str]] | None = None) -> list[StoredTable]:
    """The tables of a pack. A table whose entry is not ``{"tiers": [[...], ...]}`` raises, or, given ``damaged``,
    is added there as (key, reason) and left out: one bad entry in a fetched file must not cost its other tables."""
    data = json.loads(text) if isinstance(text, str) else text
    if not isinstance(data, dict) or data.get("format") != PACK_FORMAT:
        raise ValueError(f"{label}: not a levxl tier pack ({PACK_FORMAT})")
    venue, as_of, source = venue_key(data["venue"]), str(data["as_of"]), str(data.get("source") or label)
    if not isinstance(data["tables"], dict):
        raise TypeError("tables is not a {symbol: table} object")
    out = []
    for key, table in sorted(data["tables"].items()):
        try:
            rows = [tuple(r) for r in table["tiers"]]
            counted_by = str(table.get("counted_by") or "notional")
        except (KeyError, TypeError, AttributeError) as exc:
            if damaged is None:
                raise
            damaged.append((symbol_key(venue, key) or str(key), f"entry {str(key)[:40]!r} is not a "
                            f'{{"tiers": [[floor, cap, max leverage, mmr, cum], ...]}} object ({_why(exc)})'))
            continue
        out.append(StoredTable(venue, symbol_key(venue, key), as_of, f"{source} [{label}]", origin, False,
                               (lambda rows=rows: rows), counted_by))
    return out


def _why(exc: BaseException, path: Path | None = None) -> str:
    """An exception as one short line for a refusal (the file's own path, named by the line already, dropped)."""
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r} field" if exc.args else "a field is missing"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg}: line {exc.lineno} column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if path is not None and text.startswith(f"{path}: "):
        text = text[len(f"{path}: "):]
    return text[:300]


_SHIPPED: list[StoredTable] | None = None
_FETCHED: tuple[Any, list[StoredTable]] | None = None


def _shipped() -> list[StoredTable]:
    global _SHIPPED
    if _SHIPPED is None:
        folder = resources.files("levxl") / "data" / "tiers"
        try:  # the source (document and URL) of each shipped CSV table: data beside the tables
            cited = json.loads((folder / SOURCES_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cited = {}
        found = []
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if path.name.endswith(".csv"):
                venue, symbol, as_of = _name_parts(path.name[:-4])
                source = f"{cited[path.name]} [{path.name}]" if path.name in cited else path.name
                found.append(StoredTable(venue_key(venue), symbol_key(venue, symbol), as_of, source, "shipped",
                                         True, (lambda path=path: _csv_rows(path))))
            elif path.name.endswith(".json") and path.name != SOURCES_FILE:
                found.extend(_pack_entries(path.read_text(encoding="utf-8"), "shipped", path.name))
        _SHIPPED = found
    return _SHIPPED


_RECHECK_SECONDS = 1.0
_CHECKED: tuple[Path, float] | None = None  # (folder, monotonic time) of the last look at the folder
_REFUSED: list[RefusedTable] = []  # of the folder as last read
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_table_check: Callable[[StoredTable], Any] | None = None


def check_fetched_tables_with(check: Callable[[StoredTable], Any]) -> None:
    """Set the check every fetched table passes before it is used: ``check(stored)`` raises ValueError saying what
    is wrong. :mod:`levxl.engine.tiers` sets it to building the :class:`~levxl.engine.tiers.TierTable` when it is
    imported (``import levxl`` imports it): the rules live with the table, and this module importing that one would
    be an import cycle."""
    global _table_check, _FETCHED, _CHECKED
    _table_check = check
    _FETCHED = _CHECKED = None  # tables read before were not checked by it


def _today() -> date:
    """Today in UTC, the date ``levxl tiers update`` gives a fetched file."""
    return datetime.now(timezone.utc).date()


def _read_fetched(path: Path, today: date) -> tuple[list[StoredTable], list[RefusedTable]]:
    """The usable tables of one fetched file and what in it is refused (the whole file, or single tables)."""
    try:
        damaged: list[tuple[str, str]] = []
        data = _stored_json(path)
        entries = _pack_entries(data, "fetched", str(path), damaged)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        guess = venue_key(path.name.partition("_")[0])  # venue_DATE.json: which venue's `tiers list` shows it
        return [], [RefusedTable(str(path), _why(exc, path), venue=guess)]
    venue, as_of = venue_key(data["venue"]), str(data["as_of"])  # there: the pack was read
    bad = [RefusedTable(str(path), why, venue, as_of, (key,)) for key, why in damaged]
    if not entries:
        return [], bad
    symbols = tuple(t.symbol for t in entries)
    try:
        when = date.fromisoformat(as_of) if _ISO_DATE.fullmatch(as_of) else None
    except ValueError:
        when = None
    if when is None:  # a fetched file is dated by the fetch; an undated one would sort as newest of all
        return [], bad + [RefusedTable(str(path), f"as_of {as_of[:40]!r} is not a date (YYYY-MM-DD)", venue,
                                       as_of, symbols)]
    if when > today:  # newest wins: a table from the future would hide every real one from then on
        return [], bad + [RefusedTable(str(path), f"dated {as_of}, after today ({today.isoformat()} UTC)",
                                       venue, as_of, symbols)]
    usable = []
    for entry in entries:
        try:
            if _table_check is not None:
                _table_check(entry)
        except ValueError as exc:
            bad.append(RefusedTable(str(path), _why(exc), venue, as_of, (entry.symbol,)))
            continue
        usable.append(entry)
    return usable, bad


def _fetched(announce: bool = True) -> list[StoredTable]:
    """Tables in the user data folder that pass the checks (the module docstring); re-read when the folder changes
    (another process may have updated it) or the date does (a table dated tomorrow is good then), looked at no more
    than once a second (a preset lookup must stay in microseconds). What is refused goes to stderr on a read, each
    line once per process; ``announce=False``: not printed, for a caller listing them itself."""
    global _FETCHED, _CHECKED, _REFUSED
    now = time.monotonic()
    if _CHECKED is not None and now - _CHECKED[1] < _RECHECK_SECONDS:
        return _FETCHED[1] if _FETCHED is not None else []
    folder = user_tier_dir()
    _CHECKED = (folder, now)
    today = _today()
    try:
        stamp = (str(folder), os.stat(folder).st_mtime_ns, today.isoformat())
    except OSError:
        _FETCHED, _REFUSED = None, []
        return []
    if _FETCHED is not None and _FETCHED[0] == stamp:
        return _FETCHED[1]
    found: list[StoredTable] = []
    refusals: list[RefusedTable] = []
    for path in sorted(folder.glob("*.json")):
        usable, bad = _read_fetched(path, today)
        found.extend(usable)
        refusals.extend(bad)
    _FETCHED, _REFUSED = (stamp, found), refusals
    for r in refusals:
        _warn_once(r.line, quiet=not announce)
    return found


def refused(announce: bool = True) -> list[RefusedTable]:
    """What in the user data folder is refused, as last read (reading it if due); see :func:`_fetched`."""
    _fetched(announce)
    return list(_REFUSED)


def refused_for(venue: str, symbol: str, when: str | None = None) -> list[RefusedTable]:
    """The refused tables a preset ``venue:symbol[@when]`` would name, newest first."""
    venue, key = venue_key(venue), symbol_key(venue, symbol)
    return sorted((r for r in refused() if r.means(venue, key, when)), key=lambda r: r.as_of, reverse=True)


def refresh() -> None:
    """Forget what was read: after writing a table, or changing ``LEVXL_DATA_DIR``, in this process."""
    global _FETCHED, _CHECKED, _FUNDING, _REFUSED
    _FETCHED = _CHECKED = _FUNDING = None
    _REFUSED = []


def all_tables(featured: bool = False) -> list[StoredTable]:
    """Every stored table; ``featured``: only the hand-curated shipped CSV tables (what the template shows)."""
    shipped = _shipped()
    if featured:
        return [t for t in shipped if t.featured]
    seen, out = set(), []
    for t in _fetched() + shipped:  # a fetched table hides a shipped one of the same name
        if t.name not in seen:
            seen.add(t.name)
            out.append(t)
    return sorted(out, key=lambda t: (t.venue, t.symbol, t.as_of))


def names(featured: bool = False) -> list[str]:
    return [t.name for t in all_tables(featured)]


def generation() -> Any:
    """Changes whenever the fetched tables may have changed (for callers that cache built tables)."""
    _fetched()
    return None if _FETCHED is None else _FETCHED[0]


def find(name: str) -> StoredTable:
    """The table a preset name means: the newest match, a fetched one over a shipped one of the same date."""
    venue, key, when = parse_name(name)
    candidates = [t for t in _fetched() + _shipped()
                  if t.venue == venue and t.symbol == key and (when is None or t.as_of.startswith(when))]
    if not candidates:
        stored = _fetched() + _shipped()
        shown = repr(name.strip()) if len(name.strip()) <= 40 else repr(name.strip()[:37] + "...")
        bad = sorted((r for r in _REFUSED if r.means(venue, key, when)), key=lambda r: r.as_of)
        if bad:  # the table is there but refused: say which file and why, not "unknown"
            r = bad[-1]
            raise ValueError(f"tier preset {shown}: the table {venue}:{key}@{r.as_of} in {r.path} is refused "
                             f"({r.reason})")
        dates = sorted({t.as_of for t in stored if t.venue == venue and t.symbol == key})
        if dates:  # the symbol is stored, only not at that date: say which dates are
            listed = ", ".join(dates[-6:]) + (f" and {len(dates) - 6} older" if len(dates) > 6 else "")
            raise ValueError(f"tier preset {shown}: no table dated {when}; stored dates: {listed} (without @: the "
                             "newest)")
        known = sorted({t.symbol for t in stored if t.venue == venue})
        symbol = name.strip().partition(":")[2].rpartition("@")[0] or name.strip().partition(":")[2]
        if not known:
            raise ValueError(f"unknown tier preset {shown}: no {venue} table is stored; `levxl tiers update "
                             f"{venue} {symbol[:40]}` fetches the venue's current table")
        close = difflib.get_close_matches(key, known, n=3, cutoff=0.75)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ValueError(f"unknown tier preset {shown}: {hint}{len(known)} {venue} symbols are stored (e.g. "
                         f"{', '.join(known[:3])}); `levxl tiers update {venue} {symbol[:40]}` fetches the venue's "
                         "current table")
    return max(candidates, key=lambda t: (t.as_of, t.origin == "fetched", t.featured))


# -- writing (the pack form) -----------------------------------------------------------------------------------------
def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    return None if number != number or number in (float("inf"), float("-inf")) else number


def pack(venue: str, market: str, as_of: str, source: str, tiers_by_symbol: Mapping[str, Iterable[Mapping]],
         counted_by: str = "notional") -> dict:
    """A pack from ccxt's unified ``LeverageTier`` lists (``{symbol: [tier, ...]}``); ``cum`` from the venue's raw
    tier where it reports one (Binance ``cum``, Bybit ``mmDeduction``; checked against the recursion when the table
    is built), else ``null``. Symbols without tiers are left out. ``counted_by="size"``: the boundaries are position
    sizes (OKX's contracts times the contract size) and each tier's rate applies to the whole position; the tables
    then say so (``"counted_by": "size"``) and their ``cum`` is 0."""
    tables = {}
    for symbol, tiers in sorted(tiers_by_symbol.items()):
        tiers = sorted(list(tiers or []), key=lambda t: float(t.get("minNotional") or 0))
        if not tiers:
            continue
        rows = []
        for t in tiers:
            info = t.get("info") if isinstance(t.get("info"), dict) else {}
            rows.append([_number(t.get("minNotional")) or 0.0, _number(t.get("maxNotional")),
                         _number(t.get("maxLeverage")), _number(t.get("maintenanceMarginRate")),
                         _number(info.get("cum", info.get("mmDeduction")))])  # Binance cum, Bybit mmDeduction
        if rows[0][4] is None and len(rows) > 1 and all(r[4] is not None for r in rows[1:]):
            rows[0][4] = 0.0  # Bybit leaves the first tier's mmDeduction blank: it is 0
        if counted_by == "size":
            for r in rows:
                r[4] = 0.0  # the tier's rate on the whole position: no maintenance amount
        tables[symbol_key(venue, symbol)] = {"symbol": symbol, "tiers": rows}
        if counted_by != "notional":
            tables[symbol_key(venue, symbol)]["counted_by"] = counted_by
    return {"format": PACK_FORMAT, "venue": venue_key(venue), "market": market, "as_of": as_of, "source": source,
            "columns": list(PACK_COLUMNS), "tables": tables}


# -- funding intervals fetched per symbol (levxl tiers update --funding) ----------------------------------------------
FUNDING_FORMAT = "levxl-funding-1"
FUNDING_HOURS_RANGE = (1.0, 24.0)
"""The hours a funding interval may be, fetched or typed: no venue pays more often than hourly (Hyperliquid, dYdX),
nor less often than daily."""
"""Funding-interval file form: ``{"format": "levxl-funding-1", "venue": "binance", "as_of": "2026-12-01",
"source": "...", "hours": {"BTCUSDT": {"symbol": "BTC/USDT:USDT", "hours": 8}, ...}}``, one file per venue and
fetch date in ``$LEVXL_DATA_DIR/funding/``. Venues publish the interval per symbol only in their APIs (Binance
``/fapi/v1/fundingInfo`` ``fundingIntervalHours``, Bybit ``instruments-info`` ``fundingInterval`` in minutes, OKX
``funding-rate`` ``fundingTime``/``nextFundingTime``), so levxl ships no list: it fetches one."""


def user_funding_dir() -> Path:
    """``data_dir() / "funding"``: where ``levxl tiers update --funding`` writes the per-symbol intervals."""
    return user_tier_dir().parent / "funding"


def funding_pack(venue: str, as_of: str, source: str, hours_by_symbol: Mapping[str, float]) -> dict:
    """The funding-interval file for ``{ccxt or venue symbol: hours}`` (hours > 0; others left out)."""
    hours = {}
    for symbol, value in sorted(hours_by_symbol.items()):
        number = _number(value)
        if number is not None and number > 0:
            hours[symbol_key(venue, symbol)] = {"symbol": symbol, "hours": number}
    return {"format": FUNDING_FORMAT, "venue": venue_key(venue), "as_of": as_of, "source": source, "hours": hours}


_FUNDING: tuple[Any, dict] | None = None


def _funding_index() -> dict:
    """{(venue, key): (hours, as_of, source)}, the newest file per venue winning; re-read when the folder changes."""
    global _FUNDING
    folder = user_funding_dir()
    try:
        stamp = (str(folder), os.stat(folder).st_mtime_ns)
    except OSError:
        return {}
    if _FUNDING is not None and _FUNDING[0] == stamp:
        return _FUNDING[1]
    index: dict = {}
    for path in sorted(folder.glob("*.json")):  # venue_DATE.json: later dates overwrite earlier ones
        try:
            data = _stored_json(path)
            if not isinstance(data, dict) or data.get("format") != FUNDING_FORMAT:
                _skipped(path, f"not a {FUNDING_FORMAT} file")
                continue
            venue, as_of, source = venue_key(data["venue"]), str(data["as_of"]), str(data.get("source") or path)
            entries = data["hours"]
            if not isinstance(entries, dict):
                raise TypeError("hours is not a {symbol: entry} object")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _skipped(path, f"unreadable ({exc})")  # a damaged file must not hide the defaults
            continue
        for key, entry in entries.items():
            given = entry.get("hours") if isinstance(entry, dict) else entry
            try:
                hours = _number(given) if isinstance(entry, dict) and not isinstance(given, bool) else None
            except (TypeError, ValueError):
                hours = None
            low, high = FUNDING_HOURS_RANGE
            if hours is None or not low <= hours <= high:
                _skipped(path, f"entry {key!r}: hours must be between {low:g} and {high:g}, got {given!r}")
                continue
            old = index.get((venue, key))
            if old is None or old[1] <= as_of:
                index[(venue, key)] = (hours, as_of, f"{source} [{path.name}]")
    _FUNDING = (stamp, index)
    return index


_WARNED: set[str] = set()  # the lines printed: a long-lived process re-reads the folders, and says a thing once


def _warn_once(line: str, quiet: bool = False) -> None:
    """``line`` on stderr unless it was printed (or, ``quiet``, shown otherwise) before in this process."""
    if line not in _WARNED:
        _WARNED.add(line)
        if not quiet:
            print(line, file=sys.stderr)


def _skipped(path: Path, why: str) -> None:
    """One line on stderr for a damaged funding-interval file or entry: skipped, the venue's default applies."""
    _warn_once(f"levxl: warning: {path}: {why}; skipped (the venue's default interval applies)")


def funding_interval(venue: str, symbol: str) -> tuple[float, str, str] | None:
    """(hours, as_of, source) of ``symbol`` at ``venue`` as last fetched, or None when none was fetched."""
    if not symbol:
        return None
    return _funding_index().get((venue_key(venue), symbol_key(venue, symbol)))
