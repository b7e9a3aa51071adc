"""Warnings on rows that load but look wrong: leverage above the tier's maximum, and rates that look like
percentages written as whole numbers (vol ``55`` meant as 55%, funding ``1``, mmr ``0.5``).

A warning keeps the row (the number may be deliberate) and says what to check; the faces print it with the row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from levxl.engine import tier_store
from levxl.engine.tiers import TierTable, preset, presets

__all__ = ["plausibility_warnings", "tier_table_for", "preset_base_names", "VOL_PLAUSIBLE", "FUNDING_PLAUSIBLE",
           "MMR_PLAUSIBLE", "VOL_MAX", "EXPIRY_DAYS_MAX", "vol_range_reason", "expiry_range_reason", "amount_text",
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
        return preset(name)
    return None


_MISSING = object()


def amount_text(value: float) -> str:
    """An amount for a message: whole units with separators, or 3 significant digits past a trillion (a size of
    1e300 must not print 300 digits)."""
    return f"{value:,.0f}" if abs(value) < 1e12 else f"{value:.3g}"


def plausibility_warnings(row: dict[str, Any], table: Any = _MISSING) -> list[str]:
    """Warnings for one checked perpetual row (keys as :data:`levxl.book.positions.COLUMNS`); ``table`` the row's
    :func:`tier_table_for` when the caller already looked it up (None: no table)."""
    out = []
    if table is _MISSING:
        table = tier_table_for(row.get("venue", ""), row.get("symbol", ""), row.get("mmr"))
    leverage = row.get("leverage", np.nan)
    if table is not None and leverage == leverage and row.get("contract") != "inverse":
        notional = row["size"] * row["entry"]
        allowed = float(table.max_leverage_at(notional))
        if leverage > allowed + 1e-9:
            out.append(f"leverage {leverage:g}x is above the {allowed:g}x the {table.name} tier allows at a "
                       f"notional of {amount_text(notional)} (the venue would refuse it or cap it; check the leverage)")
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
