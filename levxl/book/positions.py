"""A book of positions read from a CSV, a levxl positions sheet (xlsx) or ccxt's ``fetch_positions`` JSON.

Bad rows are kept out of the book and listed with their reason in :attr:`Book.issues`; the rest still load.
An unreadable file raises ``ValueError`` with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from levxl.engine.liquidation import DEFAULT_MMR, liquidation_price
from levxl.files import reading
from levxl.files.reading import TableFile, Unreadable, file_sha256, read_json, xlsx_rows

__all__ = ["Book", "COLUMNS", "load_positions", "book_from_records"]

COLUMNS = ("venue", "symbol", "side", "contract", "size", "entry", "mark", "leverage", "margin", "mmr",
           "funding_rate", "vol", "kind", "option_type", "strike", "expiry_days", "settle")
"""Columns of a positions table. Required: side, size, entry and one of leverage/margin. ``size`` is base coin
(linear) or USD face value (inverse); ``margin`` is isolated margin in the margin currency; ``mmr`` a rate or a tier
preset such as ``binance:BTCUSDT``; ``funding_rate`` per 8-hour interval; ``vol`` annualised (0.6 = 60%).

Options (optional columns): ``kind`` "perp" (default) or "option"; for an option ``option_type`` call/put,
``strike`` (USD), ``expiry_days`` (calendar days to expiry), ``settle`` "linear" (default, USD-settled) or "inverse"
(coin-settled, Deribit), ``size`` the number of options in coins of underlying, ``entry`` the premium paid per option
(USD for linear, coin for inverse), ``mark`` the underlying's price and ``vol`` the implied vol (both required);
side long = bought, short = sold. Leverage, margin, mmr and funding do not apply to options."""

_NUMERIC = ("size", "entry", "mark", "leverage", "margin", "funding_rate", "vol", "strike", "expiry_days")


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
    source: str = ""
    sha256: str = ""
    #: option columns: "perp" or "option"; "call"/"put" ("" for perps); strike and days to expiry (NaN for perps).
    #: An option's ``contract`` is its settlement ("linear" USD-settled, "inverse" coin-settled).
    kind: list[str] | None = None
    option_type: list[str] | None = None
    strike: np.ndarray | None = None
    expiry_days: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.side)
        if self.kind is None:
            self.kind = ["perp"] * n
        if self.option_type is None:
            self.option_type = [""] * n
        if self.strike is None:
            self.strike = np.full(n, np.nan)
        if self.expiry_days is None:
            self.expiry_days = np.full(n, np.nan)

    def __len__(self) -> int:
        return len(self.side)

    @property
    def inverse(self) -> np.ndarray:
        return np.array([c == "inverse" for c in self.contract], dtype=bool)

    @property
    def option(self) -> np.ndarray:
        """True for option positions."""
        return np.array([k == "option" for k in self.kind], dtype=bool)

    @property
    def isolated_margin(self) -> np.ndarray:
        """The margin given, else the initial margin from leverage (margin currency); NaN for options."""
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(self.inverse, self.size / self.entry, self.size * self.entry)
            margin = np.where(np.isnan(self.margin), value / self.leverage, self.margin)
        return np.where(self.option, np.nan, margin)

    @property
    def effective_leverage(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(self.inverse, self.size / self.entry, self.size * self.entry)
            return value / self.isolated_margin

    def select(self, mask) -> "Book":
        """The positions where ``mask`` is true (issues, source and hash kept)."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        pick = (lambda a: [a[i] for i in idx])
        return Book(venue=pick(self.venue), symbol=pick(self.symbol), side=self.side[idx],
                    contract=pick(self.contract), size=self.size[idx], entry=self.entry[idx], mark=self.mark[idx],
                    leverage=self.leverage[idx], margin=self.margin[idx], mmr=pick(self.mmr),
                    funding_rate=self.funding_rate[idx], vol=self.vol[idx], row=pick(self.row), issues=self.issues,
                    source=self.source, sha256=self.sha256, kind=pick(self.kind),
                    option_type=pick(self.option_type), strike=self.strike[idx], expiry_days=self.expiry_days[idx])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and np.isnan(value))


def _number(value: Any) -> float:
    if _blank(value):
        return float("nan")
    if isinstance(value, bool):
        raise ValueError
    return float(str(value).replace(",", "").strip()) if isinstance(value, str) else float(value)


def book_from_records(records: list[dict[str, Any]], source: str = "", sha256: str = "") -> Book:
    """Check every record; good ones become the book, bad ones become issues."""
    good: dict[str, list] = {c: [] for c in COLUMNS}
    rows: list[int] = []
    issues: list[tuple[int, str]] = []
    for number, record in enumerate(records, start=1):
        record = {column_name(k): v for k, v in record.items() if k is not None}
        try:
            values = {c: _number(record.get(c)) for c in _NUMERIC}
        except (TypeError, ValueError):
            bad = next(c for c in _NUMERIC if not _parses(record.get(c)))
            issues.append((number, f"{bad} must be a number, got {record.get(bad)!r}"))
            continue
        side = str(record.get("side") or "").strip()
        contract = str(record.get("contract") or "linear").strip().lower()
        kind = str(record.get("kind") or "perp").strip().lower()
        if kind not in ("perp", "option"):
            issues.append((number, f'kind must be "perp" or "option", got {record.get("kind")!r}'))
            continue
        if kind == "option":
            reason, option_type, settle = _option_reason(record, side, values)
            if reason:
                issues.append((number, reason))
                continue
            good["venue"].append(str(record.get("venue") or "").strip())
            good["symbol"].append(str(record.get("symbol") or "").strip())
            good["side"].append(1.0 if side.lower() in ("long", "buy") else -1.0)
            good["contract"].append(settle)
            good["mmr"].append(DEFAULT_MMR)
            good["kind"].append("option")
            good["option_type"].append(option_type)
            for c in _NUMERIC:
                good[c].append(values[c])
            good["leverage"][-1] = good["margin"][-1] = np.nan
            good["funding_rate"][-1] = 0.0
            rows.append(number)
            continue
        mmr_text = record.get("mmr")
        try:
            mmr = DEFAULT_MMR if _blank(mmr_text) else _number(mmr_text)
        except (TypeError, ValueError):
            mmr = str(mmr_text).strip()
        if np.isnan(values["leverage"]) and np.isnan(values["margin"]):
            issues.append((number, "leverage or margin must be given"))
            continue
        mark = values["mark"] if not np.isnan(values["mark"]) else values["entry"]
        margin = None if np.isnan(values["margin"]) else values["margin"]
        leverage = None if np.isnan(values["leverage"]) else values["leverage"]
        # The engine's own checks decide what a bad row is: one mechanism for the CLI, reports and cells.
        _, reasons = liquidation_price.elementwise(side, values["entry"], values["size"], leverage, mmr, margin,
                                                   contract)
        if reasons is None and not np.isnan(values["vol"]) and values["vol"] < 0:
            reasons = np.array("vol must be >= 0")
        if reasons is None and not mark > 0:
            reasons = np.array("mark must be > 0")
        if reasons is not None and str(reasons[()]):
            issues.append((number, str(reasons[()])))
            continue
        good["venue"].append(str(record.get("venue") or "").strip())
        good["symbol"].append(str(record.get("symbol") or "").strip())
        good["side"].append(1.0 if side.lower() in ("long", "buy", "1", "1.0") else -1.0)
        good["contract"].append(contract)
        good["mmr"].append(mmr)
        good["kind"].append("perp")
        good["option_type"].append("")
        for c in _NUMERIC:
            good[c].append(values[c])
        good["strike"][-1] = good["expiry_days"][-1] = np.nan
        good["mark"][-1] = mark
        good["funding_rate"][-1] = 0.0 if np.isnan(values["funding_rate"]) else values["funding_rate"]
        rows.append(number)
    arrays = {c: np.array(good[c], dtype=float) for c in ("side",) + _NUMERIC}
    return Book(venue=good["venue"], symbol=good["symbol"], contract=good["contract"], mmr=good["mmr"], row=rows,
                issues=issues, source=source, sha256=sha256, kind=good["kind"], option_type=good["option_type"],
                **arrays)


_OPTION_NAMES = {"underlying": "mark (the underlying's price)", "days": "expiry_days", "settle": "settle",
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
                                          values["vol"], settle=settle)
    if reasons is not None and str(reasons[()]):
        text = str(reasons[()])
        for engine_name, column in _OPTION_NAMES.items():
            if text.startswith(engine_name + " "):
                text = column + text[len(engine_name):]
                break
        return f"option: {text}", option_type, settle
    canonical = {"c": "call", "p": "put"}.get(option_type, option_type)
    return "", canonical, settle


def _parses(value: Any) -> bool:
    try:
        _number(value)
        return True
    except (TypeError, ValueError):
        return False


def _records_from_csv(rows, unreadable: dict[int, str]) -> Iterator[dict[str, Any]]:
    """Rows from :meth:`levxl.files.reading.TableFile.csv_rows` -> records, streamed (as ``csv.DictReader`` would
    give them); a row the csv module cannot read is an empty record whose reason goes into ``unreadable``."""
    header = next((r for r in rows if r != []), None)
    if isinstance(header, Unreadable) or not header or \
            not {"side", "size", "entry"} <= {column_name(f) for f in header}:
        raise ValueError("positions CSV needs a header with at least side, size and entry columns")
    number = 0
    for row in rows:
        if row == []:
            continue
        number += 1
        if isinstance(row, Unreadable):
            unreadable[number] = row.reason
            yield {}
            continue
        record: dict[Any, Any] = dict(zip(header, row))
        if len(row) > len(header):
            record[None] = row[len(header):]
        yield record


def _ccxt_size(contracts: Any, contract_size: Any) -> Any:
    """``contracts * contractSize`` when both are numbers; otherwise the raw value, which the row's checks refuse
    (a list, "abc" or ``true`` refuses that position only; ``true`` is not 1)."""
    if contracts is None:
        return None
    for value in (contracts, contract_size):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or not _parses(value):
            return value  # refused by the row's checks: "size must be a number, got ..."
    return _number(contracts) * _number(contract_size)


def _records_from_ccxt(data: Any) -> list[dict[str, Any]]:
    """ccxt unified Position structures -> records. ``contracts * contractSize`` is the size (base coin for linear,
    USD face for inverse); ``collateral`` is the isolated margin."""
    if isinstance(data, dict):
        data = data.get("positions", data.get("data", [data]))
    if not isinstance(data, list):
        raise ValueError("ccxt positions JSON must be a list of Position objects")
    records = []
    for p in data:
        if not isinstance(p, dict):
            records.append({"side": None})
            continue
        contracts, contract_size = p.get("contracts"), p.get("contractSize") or 1
        size = _ccxt_size(contracts, contract_size)
        symbol = str(p.get("symbol") or "")
        base = symbol.partition("/")[0]
        settle = symbol.rpartition(":")[2] if ":" in symbol else ""
        # The Position structure has no linear/inverse flag; ccxt's symbol says it: BTC/USD:BTC settles in BTC.
        inverse = p.get("inverse") is True or p.get("linear") is False or (bool(settle) and settle == base)
        mmr = p.get("maintenanceMarginPercentage")
        records.append({
            "venue": (p.get("info") or {}).get("exchange", "") if isinstance(p.get("info"), dict) else "",
            "symbol": p.get("symbol", ""), "side": p.get("side"), "contract": "inverse" if inverse else "linear",
            "size": size, "entry": p.get("entryPrice"), "mark": p.get("markPrice"), "leverage": p.get("leverage"),
            "margin": p.get("collateral") if p.get("marginMode") == "isolated" else None,
            "mmr": mmr if mmr is not None else None, "funding_rate": None, "vol": None,
        })
    return records


def _records_from_xlsx(path: Path) -> list[dict[str, Any]]:
    rows = xlsx_rows(path, prefer_sheet="Positions")  # bounded: see levxl.files.reading
    try:
        for row in rows:  # the header is the first row naming side, size and entry
            names = [column_name(v) for v in row]
            if {"side", "size", "entry"} <= set(names):
                records = []
                for r in rows:
                    if not any(v not in (None, "") for v in r):
                        break  # the table ends at its first blank row (totals and notes follow in a levxl sheet)
                    records.append(dict(zip(names, r)))
                return records
    finally:
        rows.close()
    raise ValueError(f"{path.name}: no header row with side, size and entry columns")


def column_name(header: Any) -> str:
    """A header cell as a column name: "mmr / tier" -> "mmr", "funding rate / 8h" -> "funding_rate",
    "vol (ann.)" -> "vol" (the template's Positions headers), "Entry" -> "entry"."""
    text = str(header).strip().lower() if header is not None else ""
    for cut in (" /", " ("):
        text = text.split(cut, 1)[0]
    return text.strip().replace(" ", "_")


def load_positions(path: str | Path) -> Book:
    """Read a positions CSV, xlsx (the first sheet, or one named Positions) or ccxt ``fetch_positions`` JSON.

    Files are read through :mod:`levxl.files.reading` (bounded size, streamed CSV, at most ``MAX_ROWS`` rows)."""
    path = Path(path)
    suffix = path.suffix.lower()
    unreadable: dict[int, str] = {}
    truncated = False
    if suffix in (".xlsx", ".xlsm"):
        records = _records_from_xlsx(path)
        truncated = len(records) > reading.MAX_ROWS
        book = book_from_records(records[:reading.MAX_ROWS], source=path.name, sha256=file_sha256(path))
    elif suffix == ".json":
        data, digest = read_json(path)
        records = _records_from_ccxt(data)
        truncated = len(records) > reading.MAX_ROWS
        book = book_from_records(records[:reading.MAX_ROWS], source=path.name, sha256=digest)
    else:
        with TableFile(path) as table:
            book = book_from_records(_records_from_csv(table.csv_rows(), unreadable), source=path.name)
        book.sha256, truncated = table.sha256, table.truncated
    if unreadable:
        book.issues = [(row, unreadable.get(row, reason)) for row, reason in book.issues]
    if truncated:
        limit = reading.MAX_ROWS
        book.issues.append((limit + 1, f"rows after {limit:,} not read (levxl reads at most {limit:,} positions "
                                       "from one file)"))
    return book
