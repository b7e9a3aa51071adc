"""Venue conventions around the formulas: tick rounding per price kind and side, the fee to close inside Bybit's
unified-account margins, funding intervals, and a liquidation price with a venue's defaults.

The conventions themselves are data in :mod:`levxl.engine.venues` (one dated, sourced profile per venue and
product); this module applies them, vectorised, with the engine's argument checks. ``venue`` arguments take any
spelling :func:`levxl.engine.venues.profile_for` knows ("kucoin", "kucoinfutures", "bybit", "okx", ...), a profile
id ("binance-coinm", "bybit-inverse") or, per element, a range of them.
"""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple

import numpy as np

from levxl.engine import kernel
from levxl.engine.liquidation import DEFAULT_MMR, liquidation_price, ticks_to_price
from levxl.engine.validate import (BASIS, CONTRACT, FRACTION, POSITIVE, POSITIVE_OR_NAN, SIDE, Choice, Domain,
                                   checked)
from levxl.engine.tiers import MAINTENANCE
from levxl.engine.venues import PROFILES, VenueProfile, product_for, profile_for

__all__ = ["VENUE", "PRICE_KIND", "profile_of_code", "round_price", "close_fee_at_bankruptcy", "funding_hours",
           "tier_caps", "within_tier_limits", "ThresholdTerms", "threshold_terms_at_venue", "margin_at_venue",
           "funding_interval_hours", "liquidation_price_at_venue", "price_on_tick", "tick_rule"]

_IDS = sorted(PROFILES)
_ALIASES: dict[str, int] = {}
for _code, _id in enumerate(_IDS, start=1):
    for _alias in PROFILES[_id].aliases + (_id,):
        _ALIASES.setdefault(_alias.lower(), _code)

VENUE = Choice("must be a venue: " + ", ".join(_IDS), _ALIASES, fill=0.0)
"""A venue argument: text (a profile alias or id) -> the code of its profile (1-based index into the ids)."""
PRICE_KIND = Choice('must be "liquidation" or "bankruptcy"', {"liquidation": 0, "liq": 0, "bankruptcy": 1,
                                                               "bankrupt": 1, "bust": 1}, fill=0.0)
DIRECTION_CODES = {"up": 1.0, "down": -1.0, "nearest": 0.0}
TICK = Domain("must be > 0", lambda a: np.isfinite(a) & (a > 0), fill=1.0)


def profile_of_code(code: float) -> VenueProfile:
    """The profile a :data:`VENUE` code stands for."""
    return PROFILES[_IDS[int(code) - 1]]


def _products_for_contracts(venue: np.ndarray, contract: Any, shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(venue codes, contract codes) per element, checked codes in: a blank contract is the venue product's
    ("binance-coinm" alone is inverse), and a venue named with a position's contract is that venue's product for
    it ("okx" with an inverse position is okx-futures, whose conventions differ from the swap's)."""
    codes = np.broadcast_to(np.asarray(venue, dtype=float), shape).copy()
    known = ~np.isnan(codes)
    if contract is None:
        inverse = _venue_field(codes, lambda p: 1.0 if p.contract == "inverse" else 0.0, 0.0, shape)
        return codes, inverse
    contract = np.broadcast_to(np.asarray(contract, dtype=float), np.broadcast_shapes(shape, np.shape(contract)))
    codes = np.broadcast_to(codes, contract.shape).copy()
    known = np.broadcast_to(known, contract.shape)
    for code in np.unique(codes[known]):
        profile = profile_of_code(code)
        for name, value in (("linear", 0.0), ("inverse", 1.0)):
            other = product_for(profile, name)
            if other is not profile:
                codes[(codes == code) & (contract == value)] = _IDS.index(other.id) + 1
    return codes, contract


def _direction(venue_code: np.ndarray, kind_code: np.ndarray, side: np.ndarray) -> np.ndarray:
    """+1 up, -1 down, 0 nearest per element; no venue (NaN code): the conservative default (long up, short down,
    as :func:`levxl.engine.liquidation.round_to_tick`)."""
    shape = np.broadcast_shapes(np.shape(venue_code), np.shape(kind_code), np.shape(side))
    venue_b, kind_b, side_b = (np.broadcast_to(a, shape) for a in (venue_code, kind_code, side))
    out = np.where(side_b > 0, 1.0, -1.0)  # tick_rule(None, ...)
    for code in np.unique(venue_b[~np.isnan(venue_b)]) if np.size(venue_b) else ():
        profile = profile_of_code(code)
        for k, kind in enumerate(("liquidation", "bankruptcy")):
            for s in (1.0, -1.0):
                mask = (venue_b == code) & (kind_b == k) & (side_b == s)
                out[mask] = DIRECTION_CODES[tick_rule(profile, s, kind)[0]]
    return out


def tick_rule(profile: VenueProfile | None, side: float, kind: str = "liquidation") -> tuple[str, int]:
    """(direction "up" / "down" / "nearest", display offset in ticks, + up) of a price of ``kind`` for ``side`` at
    the venue of ``profile``: the rule :func:`round_price` and :func:`price_on_tick` apply, in words (the report's
    formulas and texts use it); no profile: toward the entry (a long up, a short down), no offset. The offset is a
    liquidation price's only, and toward the mark (OKX: a long's one tick above the formula, a short's one below).

    >>> tick_rule(profile_for("kucoin"), -1, "bankruptcy"), tick_rule(profile_for("okx-futures"), 1), tick_rule(None, 1)
    (('up', 0), ('nearest', 1), ('up', 0))
    >>> tick_rule(profile_for("okx"), -1)
    ('nearest', -1)
    """
    sign = 1 if side > 0 else -1
    if profile is None:
        return ("up" if side > 0 else "down"), 0
    return profile.rounding(kind, sign), (sign * int(profile.offset_ticks) if kind == "liquidation" else 0)


# a price, or the engine's "no liquidation" sentinels (0 for a long, inf for a short), which pass through unrounded
PRICE_OR_SENTINEL = Domain("must be a price (a number >= 0)", lambda a: ~np.isnan(a) & (a >= 0), fill=0.0)


@checked(price=PRICE_OR_SENTINEL, side=SIDE, tick=TICK, kind=PRICE_KIND, venue=VENUE)
def round_price(price, side, tick, kind="liquidation", venue=None):
    """A liquidation or bankruptcy price rounded to the instrument's tick the way the venue rounds that kind of
    price for that side (``venue.tick_rounding``, :mod:`levxl.engine.venues`).

    Directions: "up" ``ceil(P/tick)*tick``, "down" ``floor(P/tick)*tick``, "nearest" half up; a price already on
    the tick (within 1e-9 tick, or a few ulps of ``P/tick``) is kept. Without ``venue``: long up, short down (toward the entry: the engine's
    :func:`~levxl.engine.liquidation.round_to_tick`). The sentinels 0 and inf (no liquidation) and NaN are kept.
    Units: price and tick in quote currency.

    Source: KuCoin Futures "Get Position Details" example (ETHUSDTM long, tick 0.05): liquidation 4,044.5158 is
    shown 4,044.55 (up), bankruptcy 4,021.776 is shown 4,021.75 (DOWN); docs/venue-conventions.md section 1.

    >>> float(round_price(4021.776, "long", 0.05, "bankruptcy", "kucoin"))
    4021.75
    >>> float(round_price(4044.5158, "long", 0.05, "liquidation", "kucoin"))
    4044.55
    >>> float(round_price(4021.776, "long", 0.05, "bankruptcy"))  # no venue: a long rounds up
    4021.8
    """
    price = np.asarray(price, dtype=float)
    venue_code = np.asarray(np.nan if venue is None else venue, dtype=float)
    direction = _direction(venue_code, np.asarray(kind, dtype=float), np.asarray(side, dtype=float))
    with np.errstate(invalid="ignore"):
        steps = price / tick
        # "already on the tick" within 1e-9 tick or a few ulps of the quotient (large price / tick ratios); the
        # same slack makes a half tick in decimals a half (1.15 / 0.1 = 11.499999999999998), rounded up
        slack = np.maximum(1e-9, 8 * np.spacing(np.abs(np.where(np.isfinite(steps), steps, 0.0))))
        rounded = ticks_to_price(np.select([direction > 0, direction < 0],
                                           [np.ceil(steps - slack), np.floor(steps + slack)],
                                           np.floor(steps + 0.5 + slack)), tick)
    return np.where(np.isfinite(price) & (price > 0), rounded, price)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, fee=FRACTION, contract=CONTRACT,
         margin=POSITIVE_OR_NAN, venue=VENUE)
def close_fee_at_bankruptcy(side, entry, size, leverage=None, fee=None, contract="linear", margin=None, venue=None):
    """The estimated fee to close at the bankruptcy price, ``fee * value(BP)`` (BP without fees: linear
    ``EP*(1 - s/L)``, inverse ``Q/BP`` coin), in the margin currency. ``fee`` blank: the venue's default taker rate
    (``venue.taker_fee``, dated), else 0.

    Bybit's unified trading account (UTA) puts this fee inside both the position margin and the maintenance margin:
    position margin = IM + close fee (:func:`levxl.engine.contracts.initial_margin` + this), MM = ``value(EP)*mmr -
    deduction`` + this (measured on the entry value). Sources: Bybit help "Initial Margin Calculation (USDC
    Contract)" (0.5 BTC at 50,000, 10x, taker 0.055%: long 12.375, short 15.125), "Maintenance Margin Calculation
    (USDC Contract)" (1 BTC at 51,000, 10x, 0.06%: 27.54, MM 255 + 27.54 = 282.54), "Position Margin".

    >>> float(close_fee_at_bankruptcy("long", 50_000, 0.5, 10, 0.00055))
    12.375
    >>> round(float(close_fee_at_bankruptcy("short", 50_000, 0.5, 10, venue="bybit")), 6)  # taker 0.055% (dated)
    15.125
    """
    if fee is None:
        fee = _venue_field(venue, "taker_fee", 0.0, np.shape(side))
    m = kernel.isolated_margin(size, entry, leverage, margin, contract)
    bankrupt = kernel.bankruptcy(side, entry, size, m, 0.0, contract)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = kernel.value(size, bankrupt, contract)
    return np.where(np.isfinite(value), value * fee, 0.0)


def _venue_field(venue: Any, field: Any, default: float, shape: tuple) -> np.ndarray:
    """A numeric profile field (a name, or a function of the profile) per element of a checked venue code (NaN or
    None: ``default``)."""
    codes = np.asarray(np.nan if venue is None else venue, dtype=float)
    out = np.full(np.broadcast_shapes(codes.shape, shape), default, dtype=float)
    codes_b = np.broadcast_to(codes, out.shape)
    for code in np.unique(codes_b[~np.isnan(codes_b)]):
        profile = profile_of_code(code)
        value = field(profile) if callable(field) else getattr(profile, field)
        out[codes_b == code] = default if value is None else value
    return out


def funding_interval_hours(venue: str, symbol: str | None = None) -> float:
    """Hours between funding payments at ``venue`` for ``symbol``: the profile's documented per-symbol exception,
    else its default (Hyperliquid and dYdX 1 h; Binance, Bybit, OKX swaps, BitMEX, Gate, KuCoin 8 h). NaN for a
    product that pays no funding (dated futures). Venues publish the interval per symbol in their APIs (Binance
    ``fundingInfo.fundingIntervalHours``, Bybit ``instruments-info.fundingInterval``); levxl ships no per-symbol
    list it could not source: ``levxl tiers update --funding VENUE`` fetches them through ccxt into the user data
    folder, and from then on a fetched symbol's interval wins (a 4 h Binance symbol shows 4); unfetched, a 4 h
    symbol shows the 8 h default.

    >>> funding_interval_hours("hyperliquid"), funding_interval_hours("binance", "BTCUSDT")
    (1.0, 8.0)
    """
    hours = _hours(profile_for(venue), symbol)
    return float("nan") if hours is None else float(hours)


def _hours(profile: VenueProfile, symbol: str | None) -> float | None:
    """A fetched per-symbol interval (``levxl tiers update --funding``), else the profile's exception or default;
    None where the product pays no funding."""
    if profile.funding_interval_hours is not None and symbol:
        from levxl.engine import tier_store

        fetched = tier_store.funding_interval(profile.venue, symbol)
        if fetched is not None:
            return fetched[0]
    return profile.funding_hours(symbol)


class ThresholdTerms(NamedTuple):
    """The inputs of the liquidation equation with a venue's conventions resolved (:func:`threshold_terms_at_venue`)."""

    basis: np.ndarray  #: 1.0 where maintenance margin is measured on the entry value, 0.0 at the mark
    fee: np.ndarray  #: the fee rate inside the threshold (fraction)
    margin: np.ndarray  #: the margin of the equation (margin currency): a given margin less any fee to close it holds
    close_fee: np.ndarray  #: that fee to close taken out of a given margin (Bybit UTA; 0 elsewhere)


def _terms(side, entry, size, leverage, margin, contract, fee, basis, venue, shape) -> ThresholdTerms:
    """:class:`ThresholdTerms` of checked arguments, ``venue`` and ``contract`` already the product's codes."""
    if basis is None:
        basis = np.where(_venue_field(venue, lambda p: p.mm_basis == "entry", 0.0, shape) > 0, 1.0, 0.0)
    close = _venue_field(venue, lambda p: 1.0 if p.close_fee_in_margin else 0.0, 0.0, shape) > 0
    if fee is None:
        taker = _venue_field(venue, "taker_fee", 0.0, shape)
        fee = _venue_field(venue, lambda p: p.taker_fee if p.fee_in_threshold else 0.0, 0.0, shape)
    else:  # at a close-fee venue (Bybit) the fee given is the taker rate of the fee to close, not a threshold fee
        taker = np.where(close, fee, 0.0)
        fee = np.where(close, 0.0, fee)
    net = margin
    if margin is not None and np.any(close):
        net = _margin_net_of_close_fee(side, entry, size, leverage, margin, contract, close, taker)
    close_fee = np.zeros(shape) if margin is None else np.where(np.isfinite(margin), margin - net, 0.0)
    return ThresholdTerms(np.broadcast_to(np.asarray(basis, dtype=float), shape),
                          np.broadcast_to(np.asarray(fee, dtype=float), shape), net, close_fee)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, margin=POSITIVE_OR_NAN,
         contract=CONTRACT, fee=FRACTION, basis=BASIS, venue=VENUE)
def threshold_terms_at_venue(side, entry, size, leverage=None, margin=None, contract=None, fee=None, basis=None,
                             venue=None) -> ThresholdTerms:
    """Where a venue measures maintenance margin, the fee inside its threshold and the margin of its liquidation
    equation, per element: what :func:`liquidation_price_at_venue` passes to
    :func:`~levxl.engine.liquidation.liquidation_price` (the book resolves its positions' conventions with it, so
    its figures are the venue's price).

    ``basis`` blank: the venue's ``mm_basis``; ``fee`` blank: the venue's taker rate where it sits inside the
    threshold (OKX, Gate, Bitget), else 0; a given ``margin`` at a venue that holds the fee to close in the position
    margin (Bybit UTA) is lowered by that fee (``margin`` blank or NaN: no fee taken, it cancels against a margin
    from leverage). Without ``venue`` the terms are the engine's defaults (basis as given or "mark", fee as given or
    0, the margin unchanged).

    >>> t = threshold_terms_at_venue("long", 51_000, 1, margin=5_100, fee=0.0006, venue="bybit")
    >>> float(t.basis), float(t.fee), round(float(t.margin), 6), round(float(t.close_fee), 6)
    (1.0, 0.0, 5072.46, 27.54)
    >>> float(threshold_terms_at_venue("long", 100, 1, 10, venue="okx").fee)
    0.0005
    """
    shape = np.broadcast_shapes(*(np.shape(a) for a in (side, entry, size, venue) if a is not None))
    if venue is None:
        venue = np.full(shape, np.nan)
    venue, contract = _products_for_contracts(venue, contract, shape)
    shape = np.broadcast_shapes(shape, np.shape(contract))
    return _terms(side, entry, size, leverage, margin, contract, fee, basis, venue, shape)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, margin=POSITIVE_OR_NAN,
         contract=CONTRACT, fee=FRACTION, venue=VENUE)
def margin_at_venue(side, entry, size, leverage=None, margin=None, contract=None, fee=None, venue=None):
    """The isolated margin of a venue's liquidation equation: ``margin`` where given, less the fee to close it holds
    where the venue puts that fee in the position margin (Bybit UTA: :func:`threshold_terms_at_venue`), else
    ``value(EP)/leverage`` (where that fee cancels). Margin currency. ``fee``: the account's taker rate (blank: the
    venue's dated base rate). Without ``venue``, or at a venue without that convention: the margin as given.

    >>> round(float(margin_at_venue("long", 51_000, 1, margin=5_127.54, fee=0.0006, leverage=10, venue="bybit")), 6)
    5100.0
    >>> float(margin_at_venue("long", 51_000, 1, margin=5_127.54, venue="okx"))
    5127.54
    >>> float(margin_at_venue("long", 51_000, 1, leverage=10, venue="bybit"))
    5100.0
    """
    shape = np.broadcast_shapes(np.shape(side), np.shape(venue) if venue is not None else ())
    if venue is None:
        venue = np.full(shape, np.nan)
    venue, contract = _products_for_contracts(venue, contract, shape)
    shape = np.broadcast_shapes(shape, np.shape(contract))
    net = _terms(side, entry, size, leverage, margin, contract, fee, None, venue, shape).margin
    return kernel.isolated_margin(size, entry, leverage, net, contract)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, mmr=MAINTENANCE,
         margin=POSITIVE_OR_NAN, contract=CONTRACT, fee=FRACTION, basis=BASIS, venue=VENUE, tick=TICK)
def _at_venue(side, entry, size, leverage=None, mmr=DEFAULT_MMR, margin=None, contract=None, fee=None, basis=None,
              venue=None, tick=None):
    """The venue path of :func:`liquidation_price_at_venue` (arguments checked)."""
    shape = np.broadcast_shapes(np.shape(side), np.shape(venue))
    venue, contract = _products_for_contracts(venue, contract, shape)
    shape = np.broadcast_shapes(shape, np.shape(contract))
    terms = _terms(side, entry, size, leverage, margin, contract, fee, basis, venue, shape)
    raw = liquidation_price(side, entry, size, leverage=leverage, mmr=mmr, margin=terms.margin, contract=contract,
                            fee=terms.fee, basis=terms.basis)
    if tick is None:
        return raw
    return _on_tick(raw, side, tick, 0.0, venue, shape)


def _on_tick(price, side, tick, kind, venue, shape):
    """A price as the venue shows it, checked codes in: a liquidation price (``kind`` 0) moved by the venue's
    ``offset_ticks`` toward the mark (a long's up, a short's down: :func:`tick_rule`), then rounded its way for the
    kind and side (:func:`round_price`)."""
    offset = np.where(np.asarray(kind) == 0, _venue_field(venue, "offset_ticks", 0.0, shape) * np.sign(side), 0.0)
    with np.errstate(invalid="ignore"):
        moved = price + offset * tick
        # a short's tick below must leave a price: a price within a tick of 0 keeps the formula's
        shifted = np.where(np.isfinite(price) & (price > 0) & (moved > 0), moved, price)
    return round_price(shifted, side, tick, kind=kind, venue=venue)


@checked(price=PRICE_OR_SENTINEL, side=SIDE, tick=TICK, kind=PRICE_KIND, venue=VENUE, contract=CONTRACT)
def price_on_tick(price, side, tick, kind="liquidation", venue=None, contract=None):
    """A computed liquidation or bankruptcy price as the venue displays it on the instrument's tick: a liquidation
    price moved by the venue's display offset toward the mark (``offset_ticks``: OKX one tick, a long's above the
    formula, a short's below), then
    rounded the venue's way for that kind of price and side (:func:`round_price`: KuCoin rounds a long's
    liquidation price up and its bankruptcy price down; no venue: toward the entry). ``contract`` picks the venue's
    product as :func:`liquidation_price_at_venue` does ("okx" with an inverse position is okx-futures). The
    sentinels 0 and inf are kept. Units: price and tick in quote currency.

    The positions book applies it where a row gives its tick (a ``tick`` column), so its liquidation and bankruptcy
    prices are the numbers the venue shows.

    >>> float(price_on_tick(4044.5158, "long", 0.05, venue="kucoin")), float(price_on_tick(4021.776, "long", 0.05,
    ...                                                                      "bankruptcy", "kucoin"))
    (4044.55, 4021.75)
    >>> float(price_on_tick(52_719.664, "long", 0.1, venue="okx", contract="inverse"))  # +1 tick, then rounded
    52719.8
    """
    shape = np.broadcast_shapes(*(np.shape(a) for a in (price, side, tick, kind, venue) if a is not None))
    if venue is None:
        return round_price(price, side, tick, kind=kind)
    venue, _ = _products_for_contracts(venue, contract, shape)
    return _on_tick(price, side, tick, kind, venue, venue.shape)


def _margin_net_of_close_fee(side, entry, size, leverage, margin, contract, close, taker):
    """The margin of the liquidation equation where the venue puts the fee to close inside the maintenance margin
    (``close_fee_in_margin``: Bybit UTA), checked arguments.

    Bybit UTA: maintenance margin = ``value(EP)*mmr - deduction + fee to close`` and position margin = ``value/L +
    fee to close``, the fee to close being ``taker * value(BP)`` (:func:`close_fee_at_bankruptcy`, the profile's
    dated taker rate). Equity = MM is the same equation as the fee-free one with the margin lowered by the fee
    (the fee is a fixed amount, known at entry), so: a margin *given* (the venue's position margin, which holds the
    fee) is lowered by the fee; a margin from leverage is ``value/L + fee - fee = value/L`` (the fee cancels, which
    is why Bybit's fee-free worked examples hold). Elsewhere (``close`` false) the margin is returned unchanged."""
    if margin is None:
        return margin
    margin = np.asarray(margin, dtype=float)
    # Bybit's bankruptcy price of the fee to close is EP*(1 - s/L): the leverage's margin where a leverage is given
    with np.errstate(divide="ignore", invalid="ignore"):
        by_leverage = kernel.value(size, entry, contract) / (np.nan if leverage is None else leverage)
        m = np.where(np.isfinite(by_leverage), by_leverage, margin)
        value = kernel.value(size, kernel.bankruptcy(side, entry, size, m, 0.0, contract), contract)
        fee_close = np.where(np.isfinite(value), value * taker, 0.0)
        floor = 1e-12 * kernel.value(size, entry, contract)  # a margin at or under the fee: liquidates at once
        net = np.maximum(margin - fee_close, floor)
    return np.where(close & np.isfinite(margin), net, margin)


def liquidation_price_at_venue(side, entry, size, leverage=None, mmr=DEFAULT_MMR, margin=None, contract=None,
                               fee=None, basis=None, venue=None, tick=None):
    """:func:`~levxl.engine.liquidation.liquidation_price` with a venue's conventions as defaults.

    With ``venue`` given: ``basis`` blank takes the venue's ``mm_basis`` ("entry" at Bybit and kucoin-2025-05-21, "mark"
    elsewhere); ``fee`` blank takes the venue's taker rate where the venue puts the fee inside the threshold
    (``fee_in_threshold``: OKX, Gate), else 0; where the venue puts the fee to close at the bankruptcy price
    inside the maintenance margin (``close_fee_in_margin``: Bybit UTA, MM = ``value(EP)*mmr - deduction +
    taker*value(BP)``, the profile's taker rate) a ``margin`` given is taken as the venue's position margin, which
    holds that fee, and the fee is charged against it; with ``leverage`` alone the position margin is
    ``value/L + fee`` and the fee cancels (Bybit's fee-free worked example, 19,700, holds); there a ``fee`` given is
    that taker rate (no fee inside the threshold); ``tick`` rounds the price the venue's way for a liquidation price
    (:func:`round_price`) and adds the venue's display offset in ticks toward the mark (OKX: one tick, a long's above
    the formula and a short's below, as OKX-reported positions show; 0 elsewhere). ``contract`` blank is the venue product's
    ("binance-coinm", "okx-futures": inverse), and a venue that has both products is taken as its product for the
    position's contract ("okx" with ``contract="inverse"``: okx-futures). Without ``venue`` it is exactly
    ``liquidation_price`` (linear unless ``contract`` says otherwise, basis "mark", fee 0, a tick rounds toward the
    entry).

    >>> float(liquidation_price_at_venue("long", 20_000, 1, 50, 0.005, venue="bybit"))  # Bybit: MM on entry value
    19700.0
    >>> round(float(liquidation_price_at_venue("long", 51_000, 1, mmr=0.005, margin=5_100, fee=0.0006,
    ...                                          venue="bybit")), 6)  # Bybit's MM 255 + 27.54 against 5,100
    46182.54
    """
    if venue is None:  # exactly liquidation_price, checked once
        return liquidation_price(side, entry, size, leverage=leverage, mmr=mmr, margin=margin,
                                 contract="linear" if contract is None else contract,
                                 fee=0.0 if fee is None else fee, basis="mark" if basis is None else basis, tick=tick)
    return _at_venue(side, entry, size, leverage=leverage, mmr=mmr, margin=margin, contract=contract, fee=fee,
                     basis=basis, venue=venue, tick=tick)


def _elementwise_at_venue(*args, **kwargs):
    """``(result, reasons)`` like every checked engine function (the spreadsheet path)."""
    named = inspect.signature(liquidation_price_at_venue).bind_partial(*args, **kwargs).arguments
    if named.get("venue") is None:
        named = {k: v for k, v in named.items() if not (k in ("fee", "basis", "venue", "contract") and v is None)}
        return liquidation_price.elementwise(**named)
    return _at_venue.elementwise(**named)


liquidation_price_at_venue.elementwise = _elementwise_at_venue  # type: ignore[attr-defined]
liquidation_price_at_venue.domains = _at_venue.domains  # type: ignore[attr-defined]


@checked(venue=VENUE)
def funding_hours(venue, symbol=None):
    """:func:`funding_interval_hours` per element: ``venue`` a venue name (or a range of them), ``symbol`` blank or
    the symbol (per-symbol exceptions where a profile documents them). Hours; NaN where the product pays no
    funding."""
    codes = np.asarray(venue, dtype=float)
    symbols = np.broadcast_to(np.asarray(symbol if symbol is not None else "", dtype=object), codes.shape) \
        if np.ndim(symbol) <= codes.ndim else np.asarray(symbol, dtype=object)
    shape = np.broadcast_shapes(codes.shape, symbols.shape)
    codes, symbols = np.broadcast_to(codes, shape), np.broadcast_to(symbols, shape)
    out = np.full(shape, np.nan)
    for index in np.ndindex(shape):
        if not np.isnan(codes[index]):
            hours = _hours(profile_of_code(codes[index]), str(symbols[index] or "") or None)
            out[index] = np.nan if hours is None else hours
    return out


def tier_caps(notional, mmr):
    """(max leverage of the tier of each notional, the table's top notional cap) under a checked maintenance spec;
    ``(inf, inf)`` for a flat rate (no table, no cap)."""
    from levxl.engine.tiers import TierTable

    notional = np.asarray(notional, dtype=float)
    if isinstance(mmr, TierTable):
        return mmr.max_leverage_at(notional), np.full(notional.shape, float(mmr.caps[-1]))
    spec = np.asarray(mmr, dtype=object)
    shape = np.broadcast_shapes(notional.shape, spec.shape)
    notional_b, spec_b = np.broadcast_to(notional, shape), np.broadcast_to(spec, shape)
    lev, cap = np.full(shape, np.inf), np.full(shape, np.inf)
    for index in np.ndindex(shape):
        element = spec_b[index]
        if isinstance(element, TierTable):
            lev[index] = element.max_leverage_at(notional_b[index])
            cap[index] = element.caps[-1]
    return lev, cap


@checked(size=POSITIVE, price=POSITIVE, leverage=POSITIVE, mmr=MAINTENANCE, contract=CONTRACT)
def within_tier_limits(size, price, leverage, mmr=DEFAULT_MMR, contract="linear"):
    """True where the position's leverage is at most the max leverage of the tier of its notional ``value(price)``
    and the notional is at most the table's top cap; always True for a flat rate (no table). Units: ``price`` the
    mark (venues look the tier up by the notional at the mark), ``leverage`` a multiple (effective: value at entry
    over isolated margin).

    >>> bool(within_tier_limits(10, 100_000, 100, "binance:BTCUSDT"))  # 1e6 notional: tier 3 allows 75x
    False
    >>> bool(within_tier_limits(10, 100_000, 50, "binance:BTCUSDT"))
    True
    """
    notional = kernel.value(size, price, contract)
    max_lev, cap = tier_caps(notional, mmr)
    return (leverage <= max_lev * (1 + 1e-9)) & (notional <= cap)
