"""Warnings on rows that load but look wrong: leverage above the tier's maximum, and rates that look like
percentages written as whole numbers (vol ``55`` meant as 55%, funding ``1``, mmr ``0.5``).

A warning keeps the row (the number may be deliberate) and says what to check; the faces print it with the row.
The bounds past which a number is refused, not warned about (a vol, an expiry, a price, a size or a margin no
real book has, whose products overflow a float in the figures), are here too, each with the reason function the
readers refuse their row (or a marks file its value) with.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from levxl.engine import tier_store
from levxl.engine.tiers import TierTable, preset, presets

__all__ = ["plausibility_warnings", "tier_table_for", "preset_base_names", "VOL_PLAUSIBLE", "FUNDING_PLAUSIBLE",
           "MMR_PLAUSIBLE", "VOL_MAX", "EXPIRY_DAYS_MAX", "vol_range_reason", "expiry_range_reason", "PRICE_MAX",
           "PRICE_MIN", "SIZE_MAX", "AMOUNT_MAX", "AMOUNT_MIN", "BOUNDED_COLUMNS", "magnitude_reason", "amount_text",
           "LEVERAGE_MAX", "FUNDING_MAX", "leverage_funding_reason",
           "stored_table"]

VOL_PLAUSIBLE = 5.0
"""Annualised vol above 500% is taken as a percentage typed as a number (``55`` for 55%)."""
FUNDING_PLAUSIBLE = 0.03
"""Funding per interval above 3% in size (venues cap it at 0.3%-3% a period, the 8-hour one; an hourly rate is
smaller still) is taken as a percentage typed as a number (``1`` for 1%)."""
VOL_MAX = 100.0
"""The largest annualised vol a row (or ``--vol``, or a marks file) may give: 100 = 10,000% a year, refused above.
Bitcoin's realised vol has peaked near 200-300% a year and no venue quotes an implied vol near 10,000%, so a vol
past it is a typo or a unit error; and its square, in every probability and option price, overflows a float from
about 1e154 (a vol of 1e308 printed numpy overflow warnings and priced nothing)."""
EXPIRY_DAYS_MAX = 3650.0
"""The longest expiry an option row may give, in days (10 years), refused above: listed crypto options expire
within about a year or two, and 10 years leaves room for OTC trades while keeping vol^2 x days / 365 under 1e5 at
:data:`VOL_MAX`, far from a float's range (1e308 days overflowed the variance into numpy warnings)."""
PRICE_MAX = 1e12
"""The largest price (entry, mark, strike, an option's premium, the venue's liquidation price) a row may give, in
its quote currency (USD), refused above. Bitcoin trades near 1e5 and no listed contract near 1e7 a unit, so 1e12
leaves five orders of magnitude for the dearest one while keeping a position's value (times :data:`SIZE_MAX`)
under 1e27, far from a float's range: an entry of 1e300 and a mark of 1e308 overflowed the moves of the stresses
to inf ("move must be a fraction > -1 ... got inf") and an option's mark of 1e308 its value into NaN changes."""
PRICE_MIN = 1e-12
"""The smallest price above 0 a row may give (entry, mark, strike, an option's premium; 0 and below are the
engine's to refuse, and a premium of 0 stands), refused below: the cheapest listed coins trade near 1e-8 USD
(venues quote them by the thousand or million: 1000PEPE), and 1/1e-12 keeps an inverse position's value in coin
(size / price) under 1e27 with :data:`SIZE_MAX`; a premium of 5e-324 overflowed the option's leverage."""
SIZE_MAX = 1e15
"""The largest size a row may give, in coins (linear) or USD face (inverse), either side, refused above: the largest
coin supplies are near 1e15 units (SHIB 5.9e14) and 1e15 USD is ten times the world's yearly output, so no
position comes near it; with :data:`PRICE_MAX` a value stays under 1e27."""
AMOUNT_MAX = 1e15
"""The largest margin, wallet or venue maintenance margin a row (or an accounts file, or a ``fetch_balance``) may
give, in its margin currency, either side, refused above: as :data:`SIZE_MAX`, ten times the world's yearly output
in USD, and a wallet of 1e300 overflowed an account's equity in the stresses."""
AMOUNT_MIN = 1e-12
"""The smallest size, margin, wallet or venue maintenance margin other than 0 a row may give, either side, refused
below: a satoshi is 1e-8 BTC and venues' smallest lots 1e-6 or so, so a smaller amount is rounding noise, and
dividing by it (a margin of 1e-300 is a leverage of 1e305) overflowed the figures."""
BOUNDED_COLUMNS = ("size", "entry", "mark", "strike", "margin", "wallet", "venue_liquidation", "venue_maintenance")
"""The positions columns :func:`magnitude_reason` bounds, in the order a row's first bad one is named."""
_PRICES = ("entry", "mark", "strike", "venue_liquidation")
_NO_FLOOR = ("venue_liquidation",)  # a venue's liquidation price far below the mark is its own (0: none)
LEVERAGE_MAX = 10_000.0
"""The largest leverage a row may give, refused above: venues offer up to about 1,000x, and past it the implied
margin is rounding noise (a leverage of 1e308 left a margin of ~0 and every figure meaningless)."""
FUNDING_MAX = 1.0
"""The largest funding rate a row may give, either side of 0, refused above: 100% of the position per interval
(venues cap funding at 0.3%-3% a period; a rate past 3% already gets a warning, :data:`FUNDING_PLAUSIBLE`)."""
MMR_PLAUSIBLE = 0.2
"""A maintenance rate above 20% (the venues' highest tiers stop around 50% only at absurd notionals; first tiers are
0.4%-2.5%) is taken as a percentage typed as a number (``0.5`` for 0.5%)."""


def vol_range_reason(vol: float, name: str = "vol", shown: Any = None) -> str:
    """Why ``vol`` is refused as out of range ("" when it is not: blank, or 0 to :data:`VOL_MAX`); ``name`` is
    the column or option that gave it and ``shown`` its cell as given (default: the number).

    >>> vol_range_reason(0.6), vol_range_reason(1e308, "--vol")
    ('', '--vol must be an annualised vol of at most 100 (10,000% a year), got 1e+308')
    """
    if not vol > VOL_MAX:
        return ""
    return f"{name} must be an annualised vol of at most {VOL_MAX:g} ({VOL_MAX:,.0%} a year), got " + (
        f"{vol:g}" if shown is None else repr(shown))


def expiry_range_reason(days: float, shown: Any = None) -> str:
    """Why an option's ``expiry_days`` is refused as out of range ("" when it is not: up to
    :data:`EXPIRY_DAYS_MAX`); ``shown`` is its cell as given (default: the number).

    >>> expiry_range_reason(26), expiry_range_reason(1e308)
    ('', 'expiry_days must be at most 3650 (10 years), got 1e+308')
    """
    if not days > EXPIRY_DAYS_MAX:
        return ""
    return f"expiry_days must be at most {EXPIRY_DAYS_MAX:g} ({EXPIRY_DAYS_MAX / 365:g} years), got " + (
        f"{days:g}" if shown is None else repr(shown))


def magnitude_reason(column: str, value: float, shown: Any = None) -> str:
    """Why a price, size or amount of ``column`` (one of :data:`BOUNDED_COLUMNS`) is refused as past any real
    book's magnitude ("" when it is not: blank, 0, within the bounds, or a price below 0, which the engine refuses
    with its own reason); ``shown`` is its cell as given (default: the number).

    >>> magnitude_reason("entry", 60000), magnitude_reason("mark", 1e308, "1e308")
    ('', "mark must be a price of at most 1e+12, got '1e308'")
    >>> magnitude_reason("entry", 1e-300)
    'entry must be a price of at least 1e-12, got 1e-300'
    >>> magnitude_reason("wallet", -1e300), magnitude_reason("wallet", 0.0)
    ('wallet must be at most 1e+15 either side of 0, got -1e+300', '')
    >>> magnitude_reason("margin", 1e-300)
    'margin must be at least 1e-12 either side of 0 (smaller is rounding noise), got 1e-300'
    """
    text = f"{value:g}" if shown is None else repr(shown)
    if column in _PRICES:
        if value > PRICE_MAX:
            return f"{column} must be a price of at most {PRICE_MAX:g}, got {text}"
        if column not in _NO_FLOOR and 0 < value < PRICE_MIN:
            return f"{column} must be a price of at least {PRICE_MIN:g}, got {text}"
        return ""
    bound = SIZE_MAX if column == "size" else AMOUNT_MAX
    if abs(value) > bound:
        return f"{column} must be at most {bound:g} either side of 0, got {text}"
    if 0 < abs(value) < AMOUNT_MIN:
        return f"{column} must be at least {AMOUNT_MIN:g} either side of 0 (smaller is rounding noise), got {text}"
    return ""


def leverage_funding_reason(leverage: float, funding_rate: float, shown: dict[str, Any]) -> str:
    """Why a perpetual row's leverage or funding rate is refused as past any venue's ("" when neither is: blank,
    or within :data:`LEVERAGE_MAX` and :data:`FUNDING_MAX`); ``shown`` holds the cells as given.

    >>> leverage_funding_reason(20, 0.0001, {}), leverage_funding_reason(1e308, 0.0, {"leverage": "1e308"})
    ('', "leverage must be at most 10000x (venues offer up to about 1,000x), got '1e308'")
    """
    if leverage > LEVERAGE_MAX:
        text = repr(shown["leverage"]) if shown.get("leverage") is not None else f"{leverage:g}"
        return f"leverage must be at most {LEVERAGE_MAX:g}x (venues offer up to about 1,000x), got {text}"
    if abs(funding_rate) > FUNDING_MAX:
        text = repr(shown["funding_rate"]) if shown.get("funding_rate") is not None else f"{funding_rate:g}"
        return (f"funding_rate must be at most {FUNDING_MAX:g} (100% per interval) either side of 0, got {text}: "
                f"if you meant {funding_rate:g}%, write {funding_rate / 100:g} or {funding_rate:g}%")
    return ""


_NAMES: tuple[Any, frozenset[str]] | None = None


def preset_base_names() -> frozenset[str]:
    """The stored tables' names without their date (``binance:BTCUSDT``), listed once per state of the tier store
    (listing them walks every stored table: a per-position lookup made 100,000 positions cost minutes)."""
    global _NAMES
    generation = tier_store.generation()
    if _NAMES is None or _NAMES[0] != generation:
        _NAMES = (generation, frozenset(p.split("@")[0] for p in presets()))
    return _NAMES[1]


def stored_table(venue: str, symbol: str) -> TierTable | None:
    """The stored tier table of a venue's symbol (ccxt or venue form: ``preset("venue:symbol")``), or None."""
    try:
        return preset(f"{venue}:{symbol}")
    except (KeyError, ValueError):
        return None


def tier_table_for(venue: str, symbol: str, mmr: Any) -> TierTable | None:
    """The tier table that bounds a row's leverage: its ``mmr`` when that is a table or preset, else the latest
    bundled preset named by the venue and the symbol's letters (``binance`` + ``BTC/USDT:USDT`` ->
    ``binance:BTCUSDT``), else None."""
    if isinstance(mmr, TierTable):
        return mmr
    if isinstance(mmr, str) and ":" in mmr:
        try:
            return preset(mmr)
        except (KeyError, ValueError):
            return None
    plain = "".join(ch for ch in symbol.split(":")[0] if ch.isalnum()).upper()
    name = f"{venue.strip().lower()}:{plain}"
    if venue and plain and name in preset_base_names():
        try:
            return preset(name)
        except (KeyError, ValueError):  # a plausibility check must not cost the run; the mmr's own check says why
            return None
    return None


def _table_of_another_market(row: dict[str, Any], table: TierTable) -> list[str]:
    """A warning when the row's mmr names another venue's or another symbol's table than the row's own (a
    ``binance:DOGEUSDT`` preset on a BTCUSDT row is a typo the numbers would not show)."""
    venue, symbol = str(row.get("venue") or ""), str(row.get("symbol") or "")
    if not (venue and symbol and table.venue and table.symbol):
        return []
    if tier_store.venue_key(venue) != table.venue:
        return [f"mmr names {table.name}, a {table.venue} table, for a {venue} position: check the preset"]
    if tier_store.symbol_key(table.venue, symbol) != tier_store.symbol_key(table.venue, table.symbol):
        return [f"mmr names {table.name}, {table.symbol}'s table, for a {symbol} position: check the preset"]
    return []


_MISSING = object()


def amount_text(value: float) -> str:
    """An amount for a message: 4 significant digits below a thousand, whole units with separators above, 3
    significant digits past a trillion (a size of 1e300 must not print 300 digits)."""
    if abs(value) < 1000:  # a size of 0.5 BTC or a notional of 0.16 is not "0"
        return f"{value:.4g}"
    return f"{value:,.0f}" if abs(value) < 1e12 else f"{value:.3g}"


def plausibility_warnings(row: dict[str, Any], table: Any = _MISSING) -> list[str]:
    """Warnings for one checked perpetual row (keys as :data:`levxl.book.positions.COLUMNS`); ``table`` the row's
    :func:`tier_table_for` when the caller already looked it up (None: no table)."""
    out = []
    if table is _MISSING:
        table = tier_table_for(row.get("venue", ""), row.get("symbol", ""), row.get("mmr"))
    leverage = row.get("leverage", np.nan)
    if table is not None and leverage == leverage and row.get("contract") != "inverse":
        counted = float(table.count_of(row["size"] * row["entry"], row["size"]))
        what = table.counted_by  # "notional", or "size" (OKX)
        allowed = float(table.max_leverage_at(counted))
        if leverage > allowed + 1e-9:
            out.append(f"leverage {leverage:g}x is above the {allowed:g}x the {table.name} tier allows at a "
                       f"{what} of {amount_text(counted)} (the venue would refuse it or cap it; check the leverage)")
    if table is not None:
        out += _table_of_another_market(row, table)
    vol = row.get("vol", np.nan)
    if vol == vol and vol > VOL_PLAUSIBLE:
        out.append(f"vol {vol:g} means {vol:.0%} a year: if you meant {vol:g}%, write {vol / 100:g} or {vol:g}%")
    funding = row.get("funding_rate", np.nan)
    if funding == funding and abs(funding) > FUNDING_PLAUSIBLE:
        out.append(f"funding_rate {funding:g} means {funding:.0%} per funding interval: if you meant {funding:g}%, "
                   f"write {funding / 100:g} or {funding:g}%")
    mmr = row.get("mmr")
    if isinstance(mmr, float) and mmr > MMR_PLAUSIBLE:
        out.append(f"mmr {mmr:g} means a maintenance rate of {mmr:.0%}: if you meant {mmr:g}%, write "
                   f"{mmr / 100:g} or {mmr:g}%")
    return out
