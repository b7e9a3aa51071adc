"""Reading the cells of a positions table the way desks write them, or refusing them with a message.

* **Delimiters**: ``,``, ``;``, tab or ``|``, detected from the header line (European spreadsheets export ``;``).
* **Numbers**: ``60,000`` and ``1,234.5`` (thousands commas), ``2,5`` and ``1.234,5`` (decimal comma), spaces or
  thin spaces between digit groups, ``10%`` (rates only: mmr, funding, vol), ``5x``/``x5``/``5×`` (leverage only), a
  trailing unit word (``1.5 BTC``, ``64,000 USDT``) on amounts and prices. The file's decimal separator is decided
  once from its unambiguous cells; a cell that reads two ways in that file (``60,000`` beside ``2,5``) is refused
  with its row and column, never guessed.
* **Headers**: the column names of the venues' own exports and APIs (Binance, Bybit, OKX, Hyperliquid, ccxt) map to
  levxl's columns; see :data:`ALIASES`.
* **Sides**: long/short, buy/sell, 1/-1, or a signed size (negative = short) with the side blank, ``both`` or ``net``.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
import functools
import io
import math
import re
from types import MappingProxyType
from typing import Any, NamedTuple

from levxl.engine.venues import profile_for
from levxl.files.reading import DateCell

__all__ = ["ALIASES", "CellError", "canonical_column", "FUNDING_PER_HOURS_KEY", "FUNDING_UNREAD_PREFIX", "read_csv_table", "parse_number",
           "decimal_style", "parse_side", "SIDE_WORDS", "RATE_COLUMNS", "AMOUNT_COLUMNS", "asset_of", "SymbolForm",
           "symbol_form", "symbol_contract", "inverse_by_symbol_note"]

#: header (lower case, after :func:`canonical_column`'s clean-up) -> levxl column. Sources: the venues' position
#: API fields (Binance positionRisk, Bybit v5 position/list, OKX /account/positions, Hyperliquid clearinghouseState),
#: their web/app position-table labels, and ccxt's unified Position keys.
ALIASES = {
    # venue / account
    "exchange": "venue", "platform": "venue", "account_id": "account", "sub_account": "account",
    "subaccount": "account", "uid": "account",
    # symbol
    "contracts_symbol": "symbol", "instrument": "symbol", "instid": "symbol", "inst_id": "symbol", "coin": "symbol",
    "pair": "symbol", "market": "symbol", "contract_name": "symbol", "futures": "symbol", "ticker": "symbol",
    # side
    "direction": "side", "position_side": "side", "posside": "side", "pos_side": "side", "long/short": "side",
    # size
    "qty": "size", "quantity": "size", "amount": "size", "positionamt": "binance_position_amt", "position_amount": "size",
    "position_amt": "size", "szi": "size", "position": "size", "position_size": "size",
    "contracts": "size", "open_position": "size", "holding": "size",
    # prices
    "entry_price": "entry", "entryprice": "entry", "avg_price": "entry", "avgprice": "entry", "avgpx": "entry",
    "avg._open_price": "entry", "avg_open_price": "entry", "average_open_price": "entry", "open_price": "entry",
    "avg_entry_price": "entry", "avg._entry_price": "entry", "average_price": "entry", "avg_entry": "entry", "entrypx": "entry", "average_entry_price": "entry", "entry_px": "entry",
    "mark_price": "mark", "markprice": "mark", "markpx": "mark", "mark_px": "mark", "last_price": "mark",
    "liq._price": "venue_liquidation", "liq.price": "venue_liquidation", "liq_price": "venue_liquidation",
    "liqprice": "venue_liquidation", "liquidation_price": "venue_liquidation", "liquidationprice": "venue_liquidation",
    "liqpx": "venue_liquidation", "est._liq._price": "venue_liquidation", "est_liq_price": "venue_liquidation",
    "liquidationpx": "venue_liquidation", "liq_px": "venue_liquidation",
    # leverage / margin
    "lever": "leverage", "lev": "leverage", "lev.": "leverage",
    "isolatedwallet": "margin", "isolated_wallet": "margin", "positionbalance": "margin",
    "position_balance": "margin", "position_margin": "margin", "positionmargin": "margin", "isolated_margin": "margin",
    "marginmode": "margin_mode", "margintype": "margin_mode", "margin_type": "margin_mode", "mgnmode": "margin_mode",
    "mgn_mode": "margin_mode", "mode": "margin_mode",
    "maintenance_margin": "venue_maintenance", "maint_margin": "venue_maintenance", "maintmargin": "venue_maintenance",
    "positionmm": "venue_maintenance", "mm": "venue_maintenance",
    "wallet_balance": "wallet", "walletbalance": "wallet", "cross_wallet": "wallet", "crosswalletbalance": "wallet",
    "cross_wallet_balance": "wallet", "balance": "wallet",
    # rates
    "taker_fee_rate": "taker_fee", "takerfeerate": "taker_fee", "taker": "taker_fee",
    "mmr_rate": "mmr", "maintenance_margin_rate": "mmr", "maintenance_rate": "mmr", "tier": "mmr",
    "maintenancemarginpercentage": "mmr",
    "funding": "funding_rate", "fundingrate": "funding_rate", "funding_interval": "funding_interval_hours",
    "fundingintervalhours": "funding_interval_hours", "fundinginterval": "funding_interval_hours",
    "funding_hours": "funding_interval_hours", "funding_period": "funding_interval_hours",
    "fundingperiod": "funding_interval_hours",
    "tick_size": "tick", "ticksize": "tick", "ticksz": "tick", "tick_sz": "tick", "price_tick": "tick",
    "pricetick": "tick", "price_increment": "tick", "priceincrement": "tick", "min_price_increment": "tick",
    "volatility": "vol", "implied_vol": "vol", "iv": "vol", "type": "contract",
}
RATE_COLUMNS = ("mmr", "funding_rate", "vol", "taker_fee")  #: columns where ``10%`` means 0.10
AMOUNT_COLUMNS = ("size", "entry", "mark", "margin", "wallet", "strike", "venue_liquidation", "venue_maintenance")
SIDE_WORDS = {"long": 1.0, "buy": 1.0, "l": 1.0, "b": 1.0, "1": 1.0, "+1": 1.0, "1.0": 1.0,
              "short": -1.0, "sell": -1.0, "s": -1.0, "-1": -1.0, "-1.0": -1.0}
SIDE_HELP = ('side must be long/short, buy/sell or 1/-1 (or blank, "both" or "net" with a signed size: '
             "negative = short)")


class CellError(ValueError):
    """A cell that cannot be read (the message names the column; the caller adds the row)."""


_FUNDING_PER_HOURS = re.compile(
    r"^funding(?:[ _]?rate)?\s*(?:/|\(|_|per)?\s*(\d+(?:\.\d+)?)\s*-?\s*h(?:ours?|rs?)?\)?$")
"""A funding-rate header that names the hours the rate is quoted per ("funding rate / 8h")."""
FUNDING_PER_HOURS_KEY = re.compile(r"^funding_rate(?:_(\d+(?:\.\d+)?)h)?(_pct)?(?<!^funding_rate)$")
"""The column :func:`canonical_column` makes of a funding-rate header naming its period or a % unit
(``funding_rate_8h``, ``funding_rate_8h_pct``, ``funding_rate_pct``)."""
FUNDING_UNREAD_PREFIX = "funding_rate?"
"""The column of a funding-rate header whose period or unit levxl cannot read (the header follows the prefix):
its cells are refused, never read as per the venue's interval."""
_FUNDING_RATE_HEADER = re.compile(r"^funding[ _]?rate\b\s*(?P<rest>.*)$")
_PERIOD_WORDS = ((re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*h(?:ours?|rs?)?\b"), None),
                 (re.compile(r"\b(?:hourly|per\s+hour|1\s*hour)\b"), 1.0),
                 (re.compile(r"\b(?:daily|per\s+day|24\s*hours?)\b"), 24.0))


def _funding_rate_column(text: str) -> str | None:
    """The column of a "funding rate ..." header that says more than "funding rate": the period it names
    ("(per 8h)", "/ 8h", "(8h, %)", "hourly", "daily") and a "%" (its cells are percents), or
    :data:`FUNDING_UNREAD_PREFIX` + the header when the rest is words levxl cannot read; None for a plain
    "funding rate" (the alias table decides)."""
    m = _FUNDING_RATE_HEADER.match(text)
    if not m or not m.group("rest").strip(" _"):
        return None
    rest = m.group("rest")
    pct = "%" in rest
    rest = rest.replace("%", " ")
    hours = None
    for pattern, fixed in _PERIOD_WORDS:
        found = pattern.search(rest)
        if found:
            if hours is not None:
                return FUNDING_UNREAD_PREFIX + text
            hours = fixed if fixed is not None else float(found.group(1))
            rest = rest[:found.start()] + " " + rest[found.end():]
    if re.sub(r"\b(?:per|in|rate)\b", " ", rest).strip(" \t/()[],_-:"):
        return FUNDING_UNREAD_PREFIX + text
    if hours is None and not pct:
        return None
    return "funding_rate" + (f"_{hours:g}h" if hours is not None else "") + ("_pct" if pct else "")


#: venue headers that count contracts, not coin or USD: never read as the size (OKX ``pos`` x ``ctVal``, 0.01 BTC
#: for BTC-USDT-SWAP, 100 USD for BTC-USD-SWAP), so a file that has only them is refused with this hint
CONTRACT_COUNT_HEADERS = {"pos": "OKX's pos counts contracts (ctVal each, e.g. 0.01 BTC on BTC-USDT-SWAP, 100 USD on "
                                 "BTC-USD-SWAP): give the size in coin (linear) or USD face value (inverse)"}


# Longest first where one quote ends another: KuCoin's USDT-margined ``XBTUSDTM`` and coin-margined ``XBTUSDM``.
_QUOTES = ("USDTM", "USDCM", "USDM", "FDUSD", "USDT", "USDC", "BUSD", "USD", "PERP", "EUR")
_BITMEX = MappingProxyType({"XBT": "BTC"})  # BitMEX, KuCoin and Kraken spell bitcoin XBT
_KRAKEN_FUTURES = re.compile(r"^(?:PF|PI|FI|FF)_")  # Kraken futures: PF_XBTUSD (linear), PI_XBTUSD (inverse)...
# A contract on 1000 (or 10^k) units of a small coin (Binance 1000PEPEUSDT, Bybit 1000000MOGUSDT, Hyperliquid's
# kPEPE): the asset is the coin, so its beta is the coin's and its notional (USD, multiplier already in it) nets
# against the coin's other contracts in the squeeze.
_MULTIPLE = re.compile(r"^(?:10{3,})(?=[A-Z])")
_HYPERLIQUID_K = re.compile(r"^k(?=[A-Z]{2,}$)")


class SymbolForm(NamedTuple):
    """A symbol taken apart (:func:`symbol_form`): the one reading of a symbol's form that :func:`asset_of` and
    :func:`symbol_contract` share."""

    asset: str  #: the underlying, as :func:`asset_of` gives it ("BTC" of XBTUSD, "PEPE" of 1000PEPEUSDT)
    quote: str  #: the quote currency the symbol names ("USD", "USDT", KuCoin's "USDM"), "" where it names none
    settle: str  #: a ccxt unified symbol's settle currency (``BTC/USD:BTC`` -> "BTC", spelled as ``asset``), else ""
    joined: bool  #: the quote written onto the base (``BTCUSDT``, ``BTCUSD_PERP``), not a part of its own
    tail: tuple[str, ...]  #: the parts after base and quote: ("SWAP",), ("PERP",), ("240927",), ("H25",)...
    prefix: str  #: a Kraken futures prefix ("PI", "PF", "FI", "FF"), else ""
    unified: bool  #: ccxt's ``BASE/QUOTE:SETTLE`` form


# A futures month code after a USD quote: Bybit's inverse quarterlies BTCUSDH25, BTCUSDZ24 (F..Z = Jan..Dec).
_MONTH_CODE = re.compile(r"(?<=USD)[FGHJKMNQUVXZ]\d{2}$")


@functools.lru_cache(maxsize=8192)
def symbol_form(symbol: str) -> SymbolForm:
    """A symbol in ccxt or venue form taken apart (:class:`SymbolForm`).

    >>> symbol_form("BTC-USD-SWAP")[1:5], symbol_form("BTCUSD_PERP")[1:5], symbol_form("BTC/USD:BTC")[1:5]
    (('USD', '', False, ('SWAP',)), ('USD', '', True, ('PERP',)), ('USD', 'BTC', False, ()))
    """
    text = _HYPERLIQUID_K.sub("", str(symbol).strip()).upper()
    kraken = _KRAKEN_FUTURES.match(text)
    prefix = kraken.group(0)[:2] if kraken else ""
    text = text[kraken.end():] if kraken else text
    parts = re.split(r"[/:\-_ ]", text)
    head, tail = parts[0], tuple(parts[1:])
    unified = any(c in text for c in "/:")
    quote = settle = ""
    joined = False
    if unified:  # BASE/QUOTE:SETTLE, a future's or option's expiry (and strike, type) after the settle: "-241227"
        quote, _, settled = text.partition("/")[2].partition(":")
        settle, *rest = settled.split("-")
        tail = tuple(rest)
    else:  # venue form: strip a quote currency (and a futures month code after it) from the end
        month = _MONTH_CODE.search(head)
        if month:
            head, tail = head[:month.start()], (month.group(0),) + tail
        for candidate in _QUOTES:
            if head.endswith(candidate) and len(head) > len(candidate):
                head = head[:-len(candidate)]
                quote, joined = ("" if candidate == "PERP" else candidate), True
                tail = (("PERP",) if candidate == "PERP" else ()) + tail
                break
        else:
            if month:  # no quote before it after all: a coin whose name ends so
                head, tail = head + tail[0], tail[1:]
            if tail and tail[0] in _QUOTES and tail[0] != "PERP":  # BTC-USDT-SWAP, BTC_USDC-PERPETUAL, BTC_USD
                quote, tail = tail[0], tail[1:]
    head, settle = _MULTIPLE.sub("", head), _MULTIPLE.sub("", settle)  # spelled as the asset is, to compare
    return SymbolForm(_BITMEX.get(head, head) or "?", quote, _BITMEX.get(settle, settle), joined, tail, prefix,
                      unified)


def asset_of(symbol: str) -> str:
    """The underlying asset of a symbol in ccxt or venue form: ``ETH/USDT:USDT``, ``ETHUSDT``, ``ETH-USDT-SWAP``,
    ``ETH-PERP``, ``ETHUSD_PERP``, ``XBTUSD`` (BitMEX: BTC), KuCoin's ``XBTUSDTM``/``XBTUSDM``, Kraken's
    ``PF_XBTUSD``, ``BTC-27DEC24-70000-C``, Bybit's ``ETHUSDH25`` and Hyperliquid's ``ETH`` all give ``ETH``/``BTC``;
    a contract on 1000 coins, ``1000PEPEUSDT`` (or Hyperliquid's ``kPEPE``), gives the coin, ``PEPE``."""
    return symbol_form(str(symbol)).asset


_LINEAR_QUOTES = frozenset({"USDT", "USDC", "USDTM", "USDCM", "FDUSD", "BUSD"})  # no venue settles these in coin
_YYMMDD = re.compile(r"^\d{6}$")  # OKX BTC-USD-241227, Binance BTCUSD_241227
_DDMMMYY = re.compile(r"^\d{1,2}(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\d{2}$")  # Deribit BTC-27DEC24


def _venue_family(venue: str) -> str:
    """The venue a name spells ("binanceusdm" -> "binance", "bybit-inverse" -> "bybit"), else the name lower-cased."""
    try:
        return profile_for(venue).venue
    except (KeyError, ValueError):
        return str(venue).strip().lower()


@functools.lru_cache(maxsize=8192)
def symbol_contract(symbol: str, venue: str = "") -> tuple[str, str]:
    """("inverse" or "linear", the form that says so) where a symbol's form alone tells a coin-margined (inverse)
    contract from a quote-margined (linear) one, else ("", ""): the form says nothing, and levxl does not guess.

    Inverse by its form on any venue: ccxt ``BTC/USD:BTC`` (settles in its base), OKX ``BTC-USD-SWAP`` and
    ``BTC-USD-241227``, Binance COIN-M ``BTCUSD_PERP`` and ``BTCUSD_241227``, Deribit ``BTC-PERPETUAL``, Kraken
    ``PI_XBTUSD`` and ``FI_XBTUSD_241227``, Bitget's v1 ``BTCUSD_DMCBL``. Inverse on the venue that names its
    coin-margined contracts so, ambiguous elsewhere: Bybit (and Bitget) ``BTCUSD``, Bybit ``BTCUSDH25``, BitMEX
    ``XBTUSD`` (its ``ETHUSD`` is a quanto), Deribit ``BTC-27DEC24`` (Bybit's USDC futures are named so too), Gate
    ``BTC_USD``, KuCoin ``XBTUSDM``. Linear: a USDT, USDC, FDUSD or BUSD quote (``BTCUSDT``, ``BTC-USDT-SWAP``,
    ``BTC_USDC-PERPETUAL``, ``XBTUSDTM``), ccxt ``BTC/USDT:USDT`` (settles in its quote), Kraken ``PF_XBTUSD``. An
    option's symbol says nothing of a perpetual's contract: ("", "").

    >>> symbol_contract("BTC-USD-SWAP"), symbol_contract("BTCUSDT"), symbol_contract("BTCUSD")
    (('inverse', 'OKX coin-margined swap BASE-USD-SWAP'), ('linear', 'a USDT quote'), ('', ''))
    >>> symbol_contract("BTCUSD", "bybit")
    ('inverse', 'Bybit inverse perpetual BASEUSD')
    """
    f = symbol_form(str(symbol))
    if f.asset == "?" or (len(f.tail) >= 2 and f.tail[-1] in ("C", "P")):  # no symbol, or an option's
        return "", ""
    if f.prefix:
        return (("inverse", "Kraken inverse futures PI_/FI_") if f.prefix in ("PI", "FI") else
                ("linear", "Kraken linear futures PF_/FF_"))
    if f.unified:
        if f.settle and f.settle == f.asset:
            return "inverse", "ccxt BASE/QUOTE:BASE, settled in its base coin"
        if f.settle and f.settle == f.quote:
            return "linear", "ccxt BASE/QUOTE:QUOTE, settled in its quote"
        return "", ""
    if f.quote in _LINEAR_QUOTES:
        return "linear", f"a {f.quote} quote"
    family = _venue_family(venue) if str(venue).strip() else ""
    dated = len(f.tail) == 1 and bool(_YYMMDD.match(f.tail[0]))
    if f.quote == "USD" and not f.joined:
        if f.tail == ("SWAP",):
            return "inverse", "OKX coin-margined swap BASE-USD-SWAP"
        if dated:
            return "inverse", "OKX coin-margined futures BASE-USD-YYMMDD"
        if not f.tail and family == "gate":
            return "inverse", "Gate coin-margined perpetual BASE_USD"
    if f.quote == "USD" and f.joined:
        if f.tail == ("PERP",):
            return "inverse", "Binance COIN-M perpetual BASEUSD_PERP"
        if dated:
            return "inverse", "Binance COIN-M futures BASEUSD_YYMMDD"
        if f.tail == ("DMCBL",):  # Bitget's v1 ids: _DMCBL coin-margined, _UMCBL USDT-, _CMCBL USDC-margined
            return "inverse", "Bitget coin-margined BASEUSD_DMCBL"
        if not f.tail and family in ("bybit", "bitget"):
            return "inverse", f"{family.capitalize()} inverse perpetual BASEUSD"
        if not f.tail and family == "bitmex" and f.asset == "BTC":
            return "inverse", "BitMEX inverse perpetual XBTUSD"
        if len(f.tail) == 1 and _MONTH_CODE.search("USD" + f.tail[0]) and family == "bybit":
            return "inverse", "Bybit inverse futures BASEUSD + month code"
    if f.quote == "USDM" and not f.tail and family == "kucoin":
        return "inverse", "KuCoin coin-margined perpetual BASEUSDM"
    if not f.quote and f.tail == ("PERPETUAL",):
        return "inverse", "Deribit inverse perpetual BASE-PERPETUAL"
    if not f.quote and len(f.tail) == 1 and _DDMMMYY.match(f.tail[0]) and family == "deribit":
        return "inverse", "Deribit inverse futures BASE-DDMMMYY"
    return "", ""


def inverse_by_symbol_note(symbol: str, form: str, blank: str = "contract blank",
                           fix: str = "give a contract column to say so") -> str:
    """The row warning of a contract read as inverse from its symbol's form (:func:`symbol_contract`)."""
    return f"{blank}: {symbol} is a coin-margined (inverse) contract by its symbol ({form}); read as inverse ({fix})"


def contract_count_hint(headers: Any) -> str:
    """"; why" for a header row whose size column is a count of contracts (:data:`CONTRACT_COUNT_HEADERS`)."""
    found = [CONTRACT_COUNT_HEADERS[h] for h in (str(x).strip().lower().rstrip(".") for x in headers)
             if h in CONTRACT_COUNT_HEADERS]
    return f"; {found[0]}" if found else ""


def canonical_column(header: Any) -> str:
    """A header cell as a levxl column: units in ``" /"`` or ``" ("`` cut ("mmr / tier" -> "mmr"), case and spaces
    folded, venue aliases mapped ("Entry Price" -> "entry", "Liq. Price" -> "venue_liquidation", "szi" -> "size").

    A funding rate whose header names its period keeps it ("funding rate / 8h" -> "funding_rate_8h": the rate is
    per 8 hours whatever the venue's interval).

    >>> [canonical_column(h) for h in ("Entry Price", "Liq. Price", "mmr / tier", "positionAmt", "Lev.")]
    ['entry', 'venue_liquidation', 'mmr', 'binance_position_amt', 'leverage']
    >>> [canonical_column(h) for h in ("funding rate / 8h", "Funding (1h)", "funding_rate", "fundingIntervalHours")]
    ['funding_rate_8h', 'funding_rate_1h', 'funding_rate', 'funding_interval_hours']
    """
    text = str(header).strip().lower().lstrip("\ufeff") if header is not None else ""
    quoted = _FUNDING_PER_HOURS.match(text)
    if quoted:  # "funding rate / 8h", "Funding (1h)", "funding_rate_8h": a rate quoted per so many hours
        return f"funding_rate_{float(quoted.group(1)):g}h"
    if re.match(r"^funding\b.*/\s*(day|year|month|week)", text):  # an amount per day (levxl's own sheets), no rate
        return "funding_amount"
    if text.startswith(FUNDING_UNREAD_PREFIX):  # already a column name (a record read twice)
        return text
    rate_column = _funding_rate_column(text)
    if rate_column:  # "Funding rate (per 8h)", "Funding Rate (%)", "Funding Rate (hourly)"
        return rate_column
    for cut in (" /", " ("):
        text = text.split(cut, 1)[0]
    text = re.sub(r"\s+", "_", text.strip())
    return ALIASES.get(text, ALIASES.get(text.replace("_", ""), text))


_THOUSANDS_COMMA = re.compile(r"^[1-9]\d{0,2}(,\d{3})+$")  # 60,000  1,234,567
_THOUSANDS_POINT = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")  # 60.000  1.234.567 (European)
_POINT_THEN_COMMA = re.compile(r"^\d{1,3}(\.\d{3})+,\d+$")  # 1.234,5
_COMMA_THEN_POINT = re.compile(r"^\d{1,3}(,\d{3})+\.\d+$")  # 1,234.5
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")  # digits with at most a decimal point: one reading only
_GROUP_SPACES = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009'](?=\d{3}\b)")


def _core(text: str) -> str:
    """The numeric part of a cell: spaces between digit groups dropped, sign kept."""
    return _GROUP_SPACES.sub("", text.strip())


def decimal_style(cells: list[str]) -> str:
    """The file's decimal separator from its unambiguous numeric cells: ``"comma"`` if some cell can only be a
    decimal comma (``2,5``, ``0,150``, ``1.234,5``), ``"point"`` if some can only be a decimal point with thousands
    commas (``1,234.5``), else ``""`` (undecided: ``60,000`` then reads as sixty thousand).

    >>> decimal_style(["2,5", "64000"]), decimal_style(["1,234.5"]), decimal_style(["60,000", "3.5"])
    ('comma', 'point', '')
    """
    comma = point = False
    for cell in cells:
        if isinstance(cell, str) and _PLAIN_NUMBER.fullmatch(cell):
            continue  # digits with at most a point ("61000", "0.5") say nothing about the separator
        text = _core(str(cell)).lstrip("+-")
        if _POINT_THEN_COMMA.match(text) or (re.fullmatch(r"\d+,\d+", text) and not _THOUSANDS_COMMA.match(text)):
            comma = True
        elif _COMMA_THEN_POINT.match(text):
            point = True
    if comma and point:
        raise CellError("the file mixes decimal commas (2,5) and decimal points with thousands commas (1,234.5)")
    return "comma" if comma else "point" if point else ""


def parse_number(value: Any, column: str, style: str = "") -> float:
    """A cell as a float (NaN when blank), by the rules in the module docstring; :class:`CellError` otherwise.

    >>> parse_number("60,000", "entry"), parse_number("2,5", "size", "comma"), parse_number("10%", "vol")
    (60000.0, 2.5, 0.1)
    >>> parse_number("5x", "leverage"), parse_number("-1.5 BTC", "size")
    (5.0, -1.5)
    """
    if value is None or isinstance(value, bool):
        if value is None:
            return float("nan")
        raise CellError(f"{column} must be a number, got {value!r}")
    if isinstance(value, DateCell):  # an xlsx cell formatted as a date: its serial day is no price or size
        day = date(1899, 12, 30) + timedelta(days=int(value)) if 0 < value < 2_958_466 else None
        raise CellError(f"{column} is a date{f' ({day.isoformat()})' if day else ''} in the sheet, not a number")
    if isinstance(value, (int, float)):
        try:
            return _finite(float(value), column, value)
        except OverflowError:  # an int past a float's range (10**400): no finite number, as the text "1e400" is not;
            # shown as inf, since its 400 digits would swamp the message (and repr fails from 4,300 digits)
            return _finite(math.inf if value > 0 else -math.inf, column, math.inf if value > 0 else -math.inf)
    raw = str(value)
    if _PLAIN_NUMBER.fullmatch(raw) and (style != "comma" or "." not in raw):
        # the common cell ("61000", "0.5"): what the rules below give it, without them
        return _finite(float(raw), column, raw)
    text = _core(raw)
    if not text:
        return float("nan")
    scale = 1.0
    if text.endswith("%"):
        if column not in RATE_COLUMNS:
            raise CellError(f"{column} must be a number, got {raw!r} (a % is read only in mmr, funding_rate, vol)")
        text, scale = text[:-1].strip(), 0.01
    lowered = text.lower()
    if column == "leverage" and re.fullmatch(r"(x|×)?\s*[\d.,]+\s*(x|×)?", lowered):
        text = lowered.strip("x× ")
    elif column in AMOUNT_COLUMNS:
        text = re.sub(r"(?<=[\d.])\s*[a-zA-Z]{2,9}$", "", text)  # a unit word after the number: "1.5 BTC",
        # "64,000 USDT" (a size's is checked against its position by size_unit_reason); "inf" alone is no unit word
        # but the number, which _finite refuses as such
    sign = ""
    if text and text[0] in "+-":
        sign, text = text[0], text[1:].strip()
    if not text or not re.fullmatch(r"[\d.,]+(e[+-]?\d+)?|inf|nan|infinity", text.lower()):
        raise CellError(f"{column} must be a number, got {raw!r}")
    if text.lower() == "nan":  # text, not a blank cell: read as blank it would be a silent 0 funding, a missing mark
        raise CellError(f"{column} must be a number, got {raw!r} (not a number)")
    number = _as_plain(text, style, column, raw)
    try:
        result = float(sign + number) * scale
    except ValueError:
        raise CellError(f"{column} must be a number, got {raw!r}") from None
    return _finite(result, column, raw)


def _finite(number: float, column: str, raw: Any) -> float:
    """``number``, or a :class:`CellError` when it is infinite ("inf", 1e400, which overflows): the reason is that
    it is no finite number, not a rule of the column (``entry must be > 0`` of 1e400 would mislead)."""
    if number in (math.inf, -math.inf):
        raise CellError(f"{column}: {raw!r} is not a finite number")
    return number


def _as_plain(text: str, style: str, column: str, raw: str) -> str:
    """Digits with a ``.`` decimal point, or a :class:`CellError` when the cell reads two ways in this file."""
    if "," in text and "." in text:
        if _COMMA_THEN_POINT.match(text) and style != "comma":
            return text.replace(",", "")
        if _POINT_THEN_COMMA.match(text) and style != "point":
            return text.replace(".", "").replace(",", ".")
        raise CellError(f"{column}: cannot read {raw!r} as a number in this file")
    if "," in text:
        if _THOUSANDS_COMMA.match(text):
            if style == "comma":
                raise CellError(f"{column}: {raw!r} is ambiguous in a file with decimal commas (thousands or "
                                "decimals?); write it without separators")
            return text.replace(",", "")
        if re.fullmatch(r"\d*,\d+", text):
            if style == "point":
                raise CellError(f"{column}: {raw!r} has a decimal comma in a file with decimal points")
            return text.replace(",", ".")
        raise CellError(f"{column} must be a number, got {raw!r}")
    if style == "comma" and _THOUSANDS_POINT.match(text):
        raise CellError(f"{column}: {raw!r} is ambiguous in a file with decimal commas (1.234 = 1234 or 1.234?); "
                        "write it without separators")
    return text


#: unit words of a size cell that count contracts or lots, not coin
_CONTRACT_UNITS = frozenset({"cont", "conts", "contract", "contracts", "ct", "cts", "lot", "lots"})


def size_unit_reason(value: Any, symbol: str, contract: str, entry_given: bool) -> str:
    """Why the unit word on a size cell ("1.5 BTC", "30,500 USDT", "50 Cont") does not fit the position, else "".

    A linear size is base coin: the symbol's own coin is fine, a quote currency is a notional (never divided by
    the entry here: the sheet's size would be a guess), another coin is another instrument's size; an inverse size
    is USD face value; a count of contracts or lots needs the contract's size, which the row does not give.

    >>> size_unit_reason("1.5 BTC", "BTCUSDT", "linear", True), size_unit_reason("-2.5 BTC", "ETHUSDT", "linear", True)
    ('', "size '-2.5 BTC' is in BTC but ETHUSDT's size is in ETH: give the size in ETH")
    """
    if not isinstance(value, str):
        return ""
    m = re.search(r"\d\s*([a-zA-Z]{2,9})$", value.strip())  # a number then a word ("nan" and "inf" are numbers)
    if not m:
        return ""
    unit = _BITMEX.get(m.group(1).upper(), m.group(1).upper())
    if unit.lower() in _CONTRACT_UNITS:
        return f"size {value!r} counts contracts, not coin{contract_count_hint(['pos'])}"
    if contract == "inverse":
        if unit == "USD":
            return ""
        return f"size {value!r} is in {unit} but an inverse size is USD face value: give the size in USD"
    base = asset_of(symbol) if str(symbol).strip() else ""
    if base == "?":
        base = ""
    if unit in _QUOTES:
        coin = base or "the base coin"
        why = f"size {value!r} is a notional in {unit}, not a size in {coin}: give the size in {coin}"
        if entry_given:
            why += " (levxl does not divide a notional by the entry: the venue's size may differ)"
        return why
    if base and unit != base:
        return f"size {value!r} is in {unit} but {symbol}'s size is in {base}: give the size in {base}"
    return ""


def parse_side(value: Any, size: float) -> tuple[float, float]:
    """(side +1/-1, size > 0) from a side cell and a possibly signed size; :class:`CellError` when they disagree or
    the side is unreadable. Accepted: long/short, buy/sell, l/s, 1/-1; blank, ``both`` or ``net`` take the sign of
    the size.

    >>> parse_side("Sell", 2.0), parse_side("", -2.0), parse_side(-1, 3.0)
    ((-1.0, 2.0), (-1.0, 2.0), (-1.0, 3.0))
    """
    if isinstance(value, bool):
        raise CellError(f"{SIDE_HELP}, got {value!r}")
    text = ("" if value is None else (f"{value:g}" if isinstance(value, (int, float)) else str(value))).strip().lower()
    if text in ("", "both", "net", "nan"):
        if size != size or size == 0:
            raise CellError(f"{SIDE_HELP}, got {value!r}")
        return (1.0 if size > 0 else -1.0), abs(size)
    if text not in SIDE_WORDS:
        raise CellError(f"{SIDE_HELP}, got {value!r}")
    side = SIDE_WORDS[text]
    if size == size and size < 0 and side > 0:
        raise CellError(f"side says long but size is negative ({size:g}): which is it?")
    return side, abs(size) if size == size else size


def read_csv_table(text: str) -> tuple[list[dict[str, Any]], str]:
    """Rows of a CSV text as {levxl column: cell} and the file's decimal style (see :func:`decimal_style`).

    The delimiter is the one of ``,``, ``;``, tab, ``|`` that splits the header line into the most fields."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("positions CSV is empty (it needs a header with at least side, size and entry columns)")
    header_line = lines[0]
    delimiter = max(",;\t|", key=lambda d: len(next(csv.reader([header_line], delimiter=d))))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [r for r in reader if any(c.strip() for c in r)]
    names = [canonical_column(h) for h in rows[0]]
    if not {"size", "entry"} <= set(names):
        raise ValueError("positions CSV needs a header with at least size and entry columns (and side unless the "
                         f"size is signed); found {', '.join(h.strip() for h in rows[0] if h.strip()) or 'none'}"
                         f"{contract_count_hint(rows[0])}")
    records = []
    for k, row in enumerate(rows[1:], start=2):
        record: dict[str, Any] = dict(zip(names, row))
        if len(row) > len(names):
            record["__refuse__"] = (f"line {k} has {len(row)} fields but the header has {len(names)} (delimiter "
                                   f"{delimiter!r}: is a number written with a decimal comma and not quoted?)")
        records.append(record)
    numeric = [v for r in records for c, v in r.items() if c not in ("venue", "symbol", "side", "contract", "kind",
                                                                      "option_type", "settle", "margin_mode",
                                                                      "account", "__refuse__")]
    return records, decimal_style([str(v) for v in numeric])
