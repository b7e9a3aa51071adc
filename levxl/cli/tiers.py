"""``levxl tiers``: list the stored tier tables, and fetch current ones from the venues through ccxt.

``levxl tiers update [VENUE [SYMBOL...]]`` calls ccxt's ``fetch_leverage_tiers`` (all symbols, or the ones named)
or, where a venue has only the per-market call, ``fetch_market_leverage_tiers`` per symbol (default BTC, ETH and SOL
perpetuals), checks every table (the maintenance amounts against the recursion) and writes them, dated today (UTC),
to ``$LEVXL_DATA_DIR/tiers/<venue>_<date>.json`` (:mod:`levxl.engine.tier_store`; a same-day file is merged). From
then on a preset ``venue:SYMBOL`` means the fetched table (the newest wins). No VENUE: every venue ccxt can fetch.

Venue notes. Binance's leverage brackets are a signed endpoint: set ``LEVXL_BINANCE_API_KEY`` and
``LEVXL_BINANCE_SECRET`` (read-only keys suffice; any venue ``V`` reads ``LEVXL_V_API_KEY``/``LEVXL_V_SECRET``).
OKX counts its tiers by position size in contracts and applies the tier's rate to the whole position (OKX help
"Introduction to clearing mechanism": MM = contracts x contract value x mark x the tier's rate): its boundaries are
stored times the market's ``contractSize`` (coin for linear, USD face for inverse, levxl's size unit) in a table
counted by size (:mod:`levxl.engine.tiers`), so levxl's maintenance margin is OKX's at every price. Hyperliquid and
Deribit have no tier call in ccxt: their shipped tables (Hyperliquid) or flat rates stay.

``levxl tiers update --funding [VENUE [SYMBOL...]]`` also fetches each symbol's funding interval (Binance
``fetch_funding_intervals``: ``/fapi/v1/fundingInfo`` ``fundingIntervalHours``, every symbol at once; Bybit: the
``fundingInterval`` minutes of ``instruments-info`` that ccxt's markets carry; OKX ``fetch_funding_interval`` per
symbol) into ``$LEVXL_DATA_DIR/funding/<venue>_<date>.json``; ``LEVXL_FUNDING_INTERVAL`` and the reports then use
the fetched interval of the symbol instead of the venue's default.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable

import click

__all__ = ["tiers", "update_tables", "update_funding", "fetch_funding", "CCXT_IDS", "DEFAULT_SYMBOLS"]

from levxl.engine.tier_store import CCXT_IDS

DEFAULT_SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT")
_SIZE_COUNTED = {"okx"}  # tiers by position size in contracts, the tier's rate on the whole position


def _exchange(venue: str) -> Any:
    import ccxt

    ccxt_id = CCXT_IDS[venue][0]
    prefix = f"LEVXL_{venue.upper()}_"
    config = {"enableRateLimit": True}
    if os.environ.get(prefix + "API_KEY"):
        config.update(apiKey=os.environ[prefix + "API_KEY"], secret=os.environ.get(prefix + "SECRET", ""))
    return getattr(ccxt, ccxt_id)(config)


def _ccxt_symbols(exchange: Any, venue: str, symbols: Iterable[str]) -> list[str]:
    """User symbols (ccxt or venue form) -> ccxt market symbols, perpetual swaps preferred."""
    from levxl.engine.tier_store import symbol_key

    markets = list(exchange.markets.values())
    out = []
    for wanted in symbols:
        if wanted in exchange.markets:
            out.append(wanted)
            continue
        key = symbol_key(venue, wanted)
        matches = [m for m in markets if m.get("contract") and (m.get("id") == wanted or
                                                               symbol_key(venue, m["symbol"]) == key)]
        if not matches:
            raise click.ClickException(f"{venue}: no contract market {wanted!r} (ccxt {exchange.id})")
        matches.sort(key=lambda m: (not m.get("swap"), not m.get("linear")))
        out.append(matches[0]["symbol"])
    return out


def _in_size(exchange: Any, symbol: str, tiers: list[dict]) -> tuple[list[dict], str]:
    """OKX: boundaries in contracts -> levxl's size unit (contracts x the market's contract size); no price."""
    market = exchange.market(symbol)
    contract_size = market.get("contractSize")
    if not contract_size:
        raise click.ClickException(f"{exchange.id} {symbol}: the market gives no contractSize to turn its tiers, "
                                   "counted in contracts, into sizes")
    converted = []
    for t in tiers:
        c = dict(t)
        for k in ("minNotional", "maxNotional"):
            if c.get(k) is not None:  # in decimals, as the venue writes both: 1000.01 x 0.01 is 10.0001, no float noise
                c[k] = float(Decimal(str(c[k])) * Decimal(str(contract_size)))
        converted.append(c)
    return converted, f"{symbol} tiers counted by size: contracts x contractSize {float(contract_size):g}"


def fetch_tiers(exchange: Any, venue: str, symbols: list[str]) -> tuple[dict[str, list[dict]], list[str]]:
    """{ccxt symbol: [LeverageTier]} from the venue and notes for the source line."""
    exchange.load_markets()
    wanted = _ccxt_symbols(exchange, venue, symbols) if symbols else []
    has = exchange.has
    if has.get("fetchLeverageTiers") is True and (not wanted or has.get("fetchMarketLeverageTiers") is not True):
        result = dict(exchange.fetch_leverage_tiers(wanted or None))
    elif has.get("fetchMarketLeverageTiers"):
        wanted = wanted or _ccxt_symbols(exchange, venue, DEFAULT_SYMBOLS)
        result = {s: exchange.fetch_market_leverage_tiers(s) for s in wanted}
    else:
        raise click.ClickException(f"ccxt {exchange.id} cannot fetch leverage tiers")
    notes = []
    if venue in _SIZE_COUNTED:
        for symbol in list(result):
            result[symbol], note = _in_size(exchange, symbol, result[symbol])
            notes.append(note)
    return result, notes


def _fetched(venue: str, what: str, exchange_factory, fetch):
    """(ccxt module, venue key, exchange, ``fetch(exchange, venue)``, now) for a ``levxl tiers update`` of
    ``what``; ccxt missing, a venue ccxt cannot fetch from, or a ccxt error is one line."""
    try:
        import ccxt
    except ImportError:
        raise click.ClickException("levxl tiers update needs ccxt: pip install 'levxl[tiers]'") from None
    from levxl.engine import tier_store

    venue = tier_store.venue_key(venue)
    if venue not in CCXT_IDS:
        raise click.ClickException(f"levxl cannot fetch {venue} {what} through ccxt; venues: {', '.join(CCXT_IDS)}")
    exchange = (exchange_factory or _exchange)(venue)
    try:
        result = fetch(exchange, venue)
    except ccxt.BaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise click.ClickException(f"{venue}: {type(exc).__name__}: {first[:200]}") from None
    return ccxt, venue, exchange, result, datetime.now(timezone.utc)


def _stored(target: Path, form: str, key: str) -> dict:
    """The ``key`` object of the same-day file being merged into (``{}`` when there is none, or it is not a ``form``
    file: damaged, a FIFO or a link to ``/dev/zero`` is read as no file, through the bounded reader)."""
    from levxl.engine import tier_store

    try:
        old = json.loads(tier_store.read_stored(target))
    except (OSError, ValueError, RecursionError):
        return {}
    entries = old.get(key) if isinstance(old, dict) and old.get("format") == form else None
    return entries if isinstance(entries, dict) else {}


def _stored_table_ok(table: Any, venue: str, key: str) -> bool:
    """Whether a table of the same-day file builds (a damaged one is not carried into the new file)."""
    from levxl.engine.tiers import table_from_rows

    try:
        table_from_rows(table["tiers"], venue=venue, symbol=key, counted_by=table.get("counted_by", "notional"))
        return True
    except (ValueError, TypeError, KeyError):
        return False


def _write(target: Path, packed: dict) -> None:
    """Write a tier or funding file atomically; a data folder that cannot be written is one line (OutputError)."""
    from levxl.files.atomic import OutputError, atomic_output

    try:
        with atomic_output(target) as tmp:
            tmp.write_text(json.dumps(packed, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    except OutputError as exc:
        raise click.ClickException(f"{exc} (the user data folder: set LEVXL_DATA_DIR to a writable folder)") from None


def update_tables(venue: str, symbols: Iterable[str] = (), exchange_factory: Callable[[str], Any] | None = None,
                  today: str | None = None) -> tuple[Path, list[str], list[str]]:
    """Fetch, check and store ``venue``'s tables; returns (file written, table names stored, problems)."""
    from levxl.engine import tier_store
    from levxl.engine.tiers import table_from_rows

    ccxt, venue, exchange, (raw, notes), now = _fetched(
        venue, "tiers", exchange_factory, lambda ex, v: fetch_tiers(ex, v, list(symbols)))
    as_of = today or now.date().isoformat()
    source = (f"{venue} via ccxt {getattr(ccxt, '__version__', '?')} {exchange.id} "
              f"{'fetch_leverage_tiers' if exchange.has.get('fetchLeverageTiers') is True else 'fetch_market_leverage_tiers'}"
              f", fetched {now.strftime('%Y-%m-%dT%H:%M:%SZ')}" + (f"; {'; '.join(notes)}" if notes else ""))
    packed = tier_store.pack(venue, CCXT_IDS[venue][1], as_of, source, raw,
                             counted_by="size" if venue in _SIZE_COUNTED else "notional")
    problems, good = [], {}
    for key, table in packed["tables"].items():
        try:
            table_from_rows(table["tiers"], venue=venue, symbol=key, counted_by=table.get("counted_by", "notional"))
            good[key] = table
        except (ValueError, TypeError) as exc:
            problems.append(f"{venue}:{key}: refused ({exc})")
    target = tier_store.user_tier_dir() / f"{venue}_{as_of}.json"
    old = _stored(target, tier_store.PACK_FORMAT, "tables")  # same venue and day: merge, the new tables winning
    good = {**{k: t for k, t in old.items() if _stored_table_ok(t, venue, k)}, **good}
    packed["tables"] = good
    _write(target, packed)
    tier_store.refresh()
    return target, [f"{venue}:{k}@{as_of}" for k in sorted(good)], problems


def _hours(interval: Any) -> float | None:
    """ccxt's funding-rate ``interval`` ("4h", "8h", "1h") -> hours."""
    text = str(interval or "").strip().lower()
    if text.endswith("h") and text[:-1].replace(".", "", 1).isdigit():
        return float(text[:-1])
    return None


def fetch_funding(exchange: Any, venue: str, symbols: list[str]) -> tuple[dict[str, float], str]:
    """{ccxt symbol: funding interval in hours} of ``venue``'s perpetuals (or the symbols named) and the method."""
    exchange.load_markets()
    wanted = set(_ccxt_symbols(exchange, venue, symbols)) if symbols else None
    has = exchange.has
    out: dict[str, float] = {}
    if has.get("fetchFundingIntervals") is True:
        method = "fetch_funding_intervals"
        for symbol, rate in dict(exchange.fetch_funding_intervals(sorted(wanted) if wanted else None)).items():
            hours = _hours((rate or {}).get("interval"))
            if hours is not None:
                out[symbol] = hours
    elif venue == "bybit":  # instruments-info carries fundingInterval (minutes) on every perpetual
        method = "load_markets (instruments-info fundingInterval)"
        for market in exchange.markets.values():
            minutes = (market.get("info") or {}).get("fundingInterval")
            if market.get("swap") and minutes not in (None, "", "0", 0):
                out[market["symbol"]] = float(minutes) / 60.0
    elif has.get("fetchFundingInterval"):
        method = "fetch_funding_interval"
        for symbol in sorted(wanted or _ccxt_symbols(exchange, venue, DEFAULT_SYMBOLS)):
            hours = _hours((exchange.fetch_funding_interval(symbol) or {}).get("interval"))
            if hours is not None:
                out[symbol] = hours
    else:
        raise click.ClickException(f"ccxt {exchange.id} cannot fetch funding intervals")
    if wanted is not None:
        out = {k: v for k, v in out.items() if k in wanted}
    return out, method


def update_funding(venue: str, symbols: Iterable[str] = (), exchange_factory: Callable[[str], Any] | None = None,
                   today: str | None = None) -> tuple[Path, int]:
    """Fetch and store ``venue``'s per-symbol funding intervals; returns (file written, symbols stored)."""
    from levxl.engine import tier_store

    ccxt, venue, exchange, (hours, method), now = _fetched(
        venue, "funding intervals", exchange_factory, lambda ex, v: fetch_funding(ex, v, list(symbols)))
    as_of = today or now.date().isoformat()
    source = (f"{venue} via ccxt {getattr(ccxt, '__version__', '?')} {exchange.id} {method}, fetched "
              f"{now.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    packed = tier_store.funding_pack(venue, as_of, source, hours)
    target = tier_store.user_funding_dir() / f"{venue}_{as_of}.json"
    old = _stored(target, tier_store.FUNDING_FORMAT, "hours")  # same venue and day: merge, the new intervals winning
    packed["hours"] = {**old, **packed["hours"]}
    _write(target, packed)
    tier_store.refresh()
    return target, len(packed["hours"])


@click.group("tiers", context_settings={"help_option_names": ["-h", "--help"]})
def tiers() -> None:
    """Tier tables: the shipped ones and the ones fetched from the venues."""


@tiers.command("update")
@click.argument("venue", required=False)
@click.argument("symbols", nargs=-1)
@click.option("--funding", is_flag=True, help="also fetch each symbol's funding interval (hours) into the user "
                                               "data folder")
def update(venue: str | None, symbols: tuple[str, ...], funding: bool) -> None:
    """Fetch VENUE's current tier tables (all venues when omitted) into the user data folder, dated today."""
    from levxl.engine import tier_store

    venues = [venue] if venue else list(CCXT_IDS)
    if not venue and symbols:
        raise click.ClickException("name a VENUE before SYMBOLs")
    failures = 0
    for v in venues:
        try:
            path, names, problems = update_tables(v, symbols)
        except click.ClickException as exc:
            if venue:
                raise
            failures += 1
            click.echo(f"{v}: {exc.message}", err=True)
            continue
        click.echo(f"{v}: {len(names)} tables -> {path}")
        for p in problems:
            click.echo(f"  {p}", err=True)
        if funding:
            try:
                fpath, count = update_funding(v, symbols)
                click.echo(f"{v}: {count} funding intervals -> {fpath}")
            except click.ClickException as exc:
                click.echo(f"{v}: funding intervals not fetched: {exc.message}", err=True)
    if failures == len(venues):
        raise click.ClickException(f"no venue could be fetched (data folder {tier_store.user_tier_dir()})")


@tiers.command("list")
@click.argument("venue", required=False)
def list_tables(venue: str | None) -> None:
    """List the stored tables (shipped and fetched), newest last, with their source; then the fetched files and
    tables that are refused (damaged, failing a table's checks, or dated after today), with the reason."""
    from levxl.engine import tier_store

    wanted = tier_store.venue_key(venue) if venue else None
    refused = tier_store.refused(announce=False)  # listed here, not also warned about on stderr
    for t in tier_store.all_tables():
        if wanted is None or t.venue == wanted:
            click.echo(f"{t.name:<40} {t.origin:<8} {t.source}")
    shown = [r for r in refused if wanted is None or r.venue == wanted]
    if shown:
        click.echo("refused (not used; an older stored table applies where there is one):")
        for r in shown:
            what = "" if len(r.symbols) <= 1 else f" ({len(r.symbols)} tables)"
            click.echo(f"{r.name:<40} {'refused':<8} {r.reason}{what} [{r.path}]")
    click.echo(f"(fetched tables live in {tier_store.user_tier_dir()})", err=True)
