"""Maintenance margin, bankruptcy and liquidation prices: isolated and cross, linear and inverse, long and short.

One equation covers every venue convention. With margin ``M`` (isolated margin, or for cross margin the wallet
less the other positions' maintenance margin plus their unrealised PnL), a position is liquidated where its equity
meets the liquidation threshold::

    M + PnL(P) = mmr * value(B) - cum + fee * value(P)

* ``value(P)`` is ``q*P`` (linear, quote currency) or ``Q/P`` (inverse, coin); ``PnL`` as in :mod:`levxl.engine.contracts`.
* ``B`` is where maintenance margin is measured: ``P`` itself (``basis="mark"``: Binance, Hyperliquid, dYdX, Gate,
  OKX) or the entry price (``basis="entry"``: Bybit's USDT help pages).
* ``fee`` is the close/liquidation fee rate charged on the position's value at the price in question. With
  ``cum = 0`` the equation is the Gate/OKX form ``LP = (EP - s*M/q) / (1 - s*(mmr + fee))``; with ``fee = 0`` it is
  Binance's ``LP = (M + cum - s*q*EP) / (q*mmr - s*q)`` and, for inverse, ``LP = Q*(mmr + s) / (M + cum + s*Q/EP)``.
* The bankruptcy price is the same equation with ``mmr = cum = 0`` (equity exhausted, less the fee to close).

Solved in closed form for linear and inverse. With a tier table the tier is the one of the notional *at the
liquidation price* (Binance's rule), found by iterating until the tier is stable.

Where no price liquidates the position the result is a documented sentinel, never garbage:
``0.0`` for a long (the price would have to reach zero: a 1x linear long) and ``inf`` for a short (no finite price:
a 1x inverse short). If the margin is already below the threshold at entry, the price returned lies beyond the
entry (the position would be liquidated at once); it is still the price where equity meets the threshold.
"""

from __future__ import annotations

import threading
import types

import numpy as np

from levxl.engine.validate import (BASIS, CONTRACT, FRACTION, NUMBER, POSITIVE, POSITIVE_OR_NAN, SIDE, ArrayLike,
                                   ArrayOrFloat, checked, flagged, require)
from levxl.engine.parallel import pool
from levxl.engine import kernel
from levxl.engine.tiers import MAINTENANCE, MaintenanceLike, TierTable, is_tiered, maintenance_params

__all__ = [
    "DEFAULT_MMR",
    "maintenance_margin",
    "bankruptcy_price",
    "liquidation_price",
    "liquidation_price_cross",
    "account_liquidation_prices",
    "round_to_tick",
]

DEFAULT_MMR = 0.005
"""Maintenance margin rate used when none is given: the first tier of BTC perpetuals at Bybit and OKX (0.5%)."""


def solve_liquidation(side, entry, size, margin, spec, fee, inverse, entry_basis, leverage=None):
    """Liquidation price with a flat rate or tier tables (see module docstring); arrays already checked (the
    entry point funding and scenarios share).

    ``margin`` may be None with ``leverage`` given: the initial margin is then computed alongside the entry's
    notional, chunk by chunk."""
    if margin is None:
        margin = kernel.isolated_margin(size, entry, leverage, None, inverse) if not is_tiered(spec) else None
    if not is_tiered(spec):
        rate = spec
        require(rate + fee < 1, "mmr + fee", "must be < 1", rate + fee)
        return kernel.solve_threshold(side, entry, size, margin, rate, 0.0, fee, inverse, entry_basis)
    if isinstance(spec, TierTable):
        require(spec.mmr[-1] + fee < 1, "mmr + fee", "must be < 1", spec.mmr[-1] + fee)
    sources = (side, entry, size, margin if margin is not None else leverage, fee, inverse, entry_basis)
    # a column of tier specs (one preset per row) shapes the result too
    spec_shape = () if isinstance(spec, TierTable) else np.shape(spec)
    shape = np.broadcast_shapes(*(np.shape(a) for a in sources), spec_shape)
    # Arrays are flattened views (scalars stay scalars) and walked in cache-sized chunks: a chain of numpy
    # operations on 8 MB temporaries is bound by page faults, on 256 KB chunks by arithmetic (measured 4x).
    args = [a if np.ndim(a) == 0 else np.broadcast_to(a, shape).reshape(-1) for a in sources]
    if shape == ():
        args[0] = np.reshape(side, (1,))  # all scalars: one element, so the iteration can index it
    total = int(np.prod(shape))
    price = np.empty(total)
    mixed = None if isinstance(spec, TierTable) else np.broadcast_to(spec, shape).reshape(-1)
    from_leverage = margin is None

    fast = (mixed is None and spec.size <= 16 and all(np.ndim(a) == 0 for a in args[4:])
            and not args[5] and not args[6] and all(np.ndim(a) == 1 for a in args[:4]))

    def work(part: slice) -> None:
        chunk = [a if np.ndim(a) == 0 else a[part] for a in args]
        if fast:
            _linear_mark_kernel(*chunk[:4], spec, float(chunk[4]), from_leverage, price[part])
        elif mixed is None:
            price[part] = _liquidation_one_table(*chunk[:3], chunk[3], spec, *chunk[4:], from_leverage)
        else:
            if from_leverage:
                chunk[3] = kernel.value(chunk[2], chunk[1], chunk[5]) / chunk[3]
            price[part] = _liquidation_mixed(*chunk[:4], mixed[part], *chunk[4:])

    parts = [slice(start, min(start + _CHUNK, total)) for start in range(0, max(total, 1), _CHUNK)]
    if len(parts) >= 4 and mixed is None:
        # numpy releases the GIL inside ufuncs: chunks run on every core.
        list(pool().map(work, parts))
    else:
        for part in parts:
            work(part)
    return price.reshape(shape)


_CHUNK = 1 << 17  # with reused scratch arrays, large chunks cost no page faults and less per-chunk Python


_SCRATCH = threading.local()


def _scratch(k: int) -> types.SimpleNamespace:
    """Per-thread work arrays for :func:`_linear_mark_kernel`, reused across chunks and calls: fresh 512 KB
    temporaries cost a page fault per 4 KB in this kind of VM (measured: a chunk 3.0 ms with temporaries,
    1.2 ms without)."""
    s = getattr(_SCRATCH, "arrays", None)
    if s is None or s.a.size < k:
        s = types.SimpleNamespace(a=np.empty(k), b=np.empty(k), c=np.empty(k), index=np.empty(k, np.int8),
                                  index2=np.empty(k, np.int8), wide=np.empty(k, np.intp), mask=np.empty(k, bool))
        _SCRATCH.arrays = s
    return s


def _linear_mark_kernel(side, entry, size, margin_or_leverage, table, fee, from_leverage, out):
    """The hot path: linear contracts, maintenance at the liquidation price, one tier table, scalar fee.

    The same arithmetic as :func:`levxl.engine.kernel.solve_threshold` and :func:`_liquidation_one_table` (tests pin them together), written
    with ``out=`` into per-thread scratch so a chunk allocates nothing."""
    k = side.size
    s = _scratch(k)
    a, b, c, mask = s.a[:k], s.b[:k], s.c[:k], s.mask[:k]
    index, index2, wide = s.index[:k], s.index2[:k], s.wide[:k]
    np.multiply(size, entry, out=a)  # notional at entry
    if from_leverage:
        np.divide(a, margin_or_leverage, out=b)  # initial margin
        margin = b
    else:
        margin = margin_or_leverage
    table.lookup_into(a, index, mask)
    np.copyto(wide, index, casting="unsafe")
    np.take(table.cum, wide, out=c)
    np.add(c, margin, out=c)
    np.divide(c, size, out=c)  # (M + cum)/q
    np.multiply(side, entry, out=a)
    np.subtract(c, a, out=c)  # constant = (M + cum)/q - s*EP
    np.take(table.mmr, wide, out=a)
    if fee:
        np.add(a, fee, out=a)
    np.subtract(a, side, out=a)  # slope = mmr + fee - s
    np.divide(c, a, out=out)
    if np.minimum.reduce(out) < 0:  # a reduction is cheaper than the write pass it usually saves
        np.maximum(out, 0.0, out=out)
    # The 1x long's rounding residue (see kernel.solve_threshold) arises where the margin is the whole notional: with leverage
    # given, only in a chunk holding a leverage of 1 or less.
    if not from_leverage or np.minimum.reduce(margin_or_leverage) <= 1.0 + 1e-9:
        np.absolute(c, out=c)
        np.multiply(entry, kernel.RESIDUE, out=a)
        np.less_equal(c, a, out=mask)
        out[mask] = 0.0
    np.multiply(size, out, out=a)  # notional at the liquidation price
    table.lookup_into(a, index2, mask)
    np.not_equal(index, index2, out=mask)
    if not mask.any():
        return
    # Elements whose tier at the liquidation price differs: re-solve them with that tier until it is stable.
    sub = np.flatnonzero(mask)
    tier = index2[sub].astype(np.intp)
    for _ in range(table.size + 1):
        q, ep, sd = size[sub], entry[sub], side[sub]
        m = margin[sub] if np.ndim(margin) else margin
        constant = (m + table.cum[tier]) / q - sd * ep
        price = np.maximum(constant / (table.mmr[tier] + fee - sd), 0.0)
        price[np.abs(constant) <= kernel.RESIDUE * ep] = 0.0
        settled = table.lookup(q * price) == tier
        out[sub[settled]] = price[settled]
        if settled.all():
            return
        sub, tier = sub[~settled], table.lookup(q[~settled] * price[~settled]).astype(np.intp)
    out[sub] = liquidation_by_tier_scan(side[sub], entry[sub], size[sub], margin[sub] if np.ndim(margin) else margin,
                                        table, fee, 0.0)


def _notional_at(size, price, inverse):
    with np.errstate(divide="ignore", invalid="ignore"):
        return kernel.value(size, price, inverse)


def _at(values, where):
    return values if np.ndim(values) == 0 else values[where]


def _liquidation_one_table(side, entry, size, margin, table, fee, inverse, entry_basis, from_leverage=False):
    """Tier iteration against one table; tiers compared by index (cheaper than comparing rates).
    With ``from_leverage`` the ``margin`` argument holds the leverage."""
    notional = kernel.value(size, entry, inverse)
    if from_leverage:
        margin = notional / margin
    index = table.lookup(notional)
    price = np.asarray(kernel.solve_threshold(side, entry, size, margin, table.mmr[index], table.cum[index], fee, inverse,
                              entry_basis), dtype=float)
    if np.ndim(entry_basis) == 0 and entry_basis:
        return price  # measured at entry: the entry's tier is the tier
    if index.shape != price.shape:  # the entry's notional was a scalar shared by every element
        index = np.broadcast_to(index, price.shape).copy()
    pending = np.ones(price.shape, dtype=bool)
    for _ in range(table.size + 1):
        # The maintenance tier is the tier of the notional at the price where maintenance is measured.
        changed = table.lookup(_notional_at(size, price, inverse)) != index
        if np.ndim(entry_basis):
            changed &= entry_basis == 0
        if not changed.any():
            return price
        sub = np.nonzero(changed)
        index[sub] = table.lookup(_notional_at(_at(size, sub), price[sub], _at(inverse, sub)))
        price[sub] = kernel.solve_threshold(_at(side, sub), _at(entry, sub), _at(size, sub), _at(margin, sub), table.mmr[index[sub]],
                            table.cum[index[sub]], _at(fee, sub), _at(inverse, sub), _at(entry_basis, sub))
        pending = changed
    # Not settled after as many rounds as tiers (never seen): take the exact root for those elements.
    sub = np.nonzero(pending)
    price[sub] = liquidation_by_tier_scan(_at(side, sub), _at(entry, sub), _at(size, sub), _at(margin, sub), table,
                                          _at(fee, sub), _at(inverse, sub))
    return price


def _liquidation_mixed(side, entry, size, margin, spec, fee, inverse, entry_basis):
    """Tier iteration when elements use different tables (or flat rates): tiers compared by (mmr, cum)."""
    rate, cum = maintenance_params(kernel.value(size, entry, inverse), spec)
    require(rate + fee < 1, "mmr + fee", "must be < 1", rate + fee)
    price = kernel.solve_threshold(side, entry, size, margin, rate, cum, fee, inverse, entry_basis)
    for _ in range(64):
        new_rate, new_cum = maintenance_params(_notional_at(size, price, inverse), spec)
        changed = ((new_rate != rate) | (new_cum != cum)) & (np.asarray(entry_basis) == 0)
        if not changed.any():
            return price
        rate = np.where(changed, new_rate, rate)
        cum = np.where(changed, new_cum, cum)
        price = np.where(changed, kernel.solve_threshold(side, entry, size, margin, rate, cum, fee, inverse, entry_basis), price)
    raise RuntimeError("liquidation tier iteration did not settle")  # pragma: no cover - monotone equation


def liquidation_by_tier_scan(side, entry, size, margin, table, fee, inverse):
    """The exact root with a tier table, without iteration (mark basis).

    The maintenance margin is the upper envelope of the tiers' lines, ``MM(n) = max_k (n*mmr_k - cum_k)`` (the
    ``cum`` recursion makes it continuous and convex). Equity minus each line is increasing in price for a long
    and decreasing for a short, so the liquidation price is the largest per-tier root for a long and the smallest
    for a short. Used as the fallback of the iteration and as its reference in tests.
    """
    roots = [kernel.solve_threshold(side, entry, size, margin, rate, cum, fee, inverse, 0) for rate, cum in zip(table.mmr, table.cum)]
    stacked = np.stack(np.broadcast_arrays(*roots))
    return np.where(np.asarray(side) > 0, stacked.max(axis=0), stacked.min(axis=0))


def round_to_tick(price: ArrayLike, *, side: ArrayLike, tick: ArrayLike | None) -> ArrayOrFloat:
    """Round a liquidation/bankruptcy price to the tick the conservative way: a long's up, a short's down (toward
    the entry, as Bybit and BitMEX round bankruptcy prices). Sentinels 0 and inf are kept.

    Parameters
    ----------
    price : array_like
        Prices to round (quote currency per coin); 0 and inf pass through.
    side : array_like
        +1 (long) or -1 (short) per price, numeric (already checked).
    tick : array_like or None
        Tick size (quote currency), > 0; None returns ``price`` unchanged.

    Returns
    -------
    ndarray or float
        The rounded prices.

    >>> float(round_to_tick(99.123, side=1, tick=0.5)), float(round_to_tick(99.123, side=-1, tick=0.5))
    (99.5, 99.0)
    """
    if tick is None:
        return price
    tick = np.asarray(tick, dtype=float)
    require(np.isfinite(tick) & (tick > 0), "tick", "must be > 0", tick)
    with np.errstate(invalid="ignore"):
        steps = price / tick
        rounded = ticks_to_price(np.where(side > 0, np.ceil(steps - 1e-9), np.floor(steps + 1e-9)), tick)
    return np.where(np.isfinite(price) & (price > 0), rounded, price)


def ticks_to_price(steps: ArrayLike, tick: ArrayLike) -> np.ndarray:
    """A whole number of ticks as a price: the double nearest the decimal price the venue shows.

    ``steps * tick`` misses it for about a third of prices (548,456 * 0.1 = 54,845.600000000006, not 54,845.6, which a
    venue's "54845.6" parses to), so where ``1/tick`` is a whole number (0.1, 0.05, 0.25, 1e-6: every tick venues
    use below 1) the price is one correctly rounded division, ``steps / (1/tick)``; other ticks (5, 0.3) keep the
    product (exact for whole ticks).

    >>> float(ticks_to_price(548_456, 0.1)), 548_456 * 0.1
    (54845.6, 54845.600000000006)
    """
    steps = np.asarray(steps, dtype=float)
    tick = np.asarray(tick, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.round(1.0 / tick)
        whole = (per_unit >= 1) & (np.abs(1.0 / tick - per_unit) <= 1e-9 * per_unit)
        return np.where(whole, steps / np.where(whole, per_unit, 1.0), steps * tick)


@checked(size=POSITIVE, price=POSITIVE, mmr=MAINTENANCE, contract=CONTRACT)
def maintenance_margin(size: ArrayLike, *, price: ArrayLike, mmr: MaintenanceLike = DEFAULT_MMR,
                       contract: ArrayLike = "linear") -> ArrayOrFloat:
    """Maintenance margin at ``price``: ``value(P)*mmr - cum``, the tier chosen by the notional ``value(P)``.

    Linear ``q*P*mmr - cum`` (quote); inverse ``(Q/P)*mmr - cum`` (coin). Source: Binance USDⓈ-M and COIN-M
    "Leverage and Margin" FAQs.

    Parameters
    ----------
    size : array_like
        Base coin (linear) or USD face value (inverse), > 0.
    price : array_like
        The (mark) price the maintenance margin is measured at, > 0.
    mmr : float, TierTable, str or array_like, default DEFAULT_MMR (0.005)
        Flat maintenance margin rate (fraction), a tier table or a preset name such as ``"binance:BTCUSDT"``.
    contract : {"linear", "inverse"} or array_like, default "linear"

    Returns
    -------
    ndarray or float
        Maintenance margin in the margin currency.

    >>> float(maintenance_margin(10_000, price=25_000, mmr=0.004, contract="inverse"))  # Binance COIN-M, 100 x 100 USD
    0.0016
    >>> float(maintenance_margin(10, price=100_000, mmr="binance:BTCUSDT"))  # 1e6 notional, tier 3: 1e6*0.0065 - 950
    5550.0
    """
    notional = kernel.value(size, price, contract)
    rate, cum = maintenance_params(notional, mmr)
    return notional * rate - cum


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, margin=POSITIVE_OR_NAN,
         contract=CONTRACT, fee=FRACTION)
def bankruptcy_price(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, leverage: ArrayLike | None = None,
                     margin: ArrayLike | None = None, contract: ArrayLike = "linear", fee: ArrayLike = 0.0,
                     tick: ArrayLike | None = None) -> ArrayOrFloat:
    """Price at which the position's margin is exhausted (equity = the fee to close at that price).

    Without fee: linear ``EP*(1 - s/L)``; inverse long ``EP*L/(L+1)``, short ``EP*L/(L-1)``. With ``fee``, equity
    equals ``fee*value(BP)`` (the fee to close charged on the value at the bankruptcy price, as in Bybit's order cost).
    Sentinels: 0.0 for a long that no positive price bankrupts (linear long at 1x), inf for a short that no finite
    price bankrupts (inverse short at 1x).

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    entry : array_like
        Entry price, > 0.
    size : array_like
        Base coin (linear) or USD face value (inverse), > 0.
    leverage : array_like, optional
        Leverage, a multiple: the isolated margin is ``value(EP)/L``. NaN in an element = not given there.
    margin : array_like, optional
        Isolated margin in the margin currency; replaces the one from ``leverage`` where given.
    contract : {"linear", "inverse"} or array_like, default "linear"
    fee : array_like, default 0
        Close fee rate on the value at the bankruptcy price, a fraction in [0, 1).
    tick : array_like, optional
        Tick size (quote currency): rounds a long's price up, a short's down.

    Returns
    -------
    ndarray or float
        Bankruptcy price (quote currency per coin); 0 (long) or inf (short) where there is none.

    >>> float(bankruptcy_price("long", 10_000, 1, leverage=50))  # Bybit "Bankruptcy Price (USDT Contract)"
    9800.0
    >>> float(bankruptcy_price("short", 8_000, 8_000, leverage=1, contract="inverse"))
    inf
    """
    m = kernel.isolated_margin(size, entry, leverage, margin, contract)
    return round_to_tick(kernel.bankruptcy(side, entry, size, m, fee, contract), side=side, tick=tick)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, mmr=MAINTENANCE,
         margin=POSITIVE_OR_NAN, contract=CONTRACT, fee=FRACTION, basis=BASIS)
def liquidation_price(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, leverage: ArrayLike | None = None,
                      mmr: MaintenanceLike = DEFAULT_MMR, margin: ArrayLike | None = None,
                      contract: ArrayLike = "linear", fee: ArrayLike = 0.0, basis: ArrayLike = "mark",
                      tick: ArrayLike | None = None) -> ArrayOrFloat:
    """Isolated-margin liquidation price (see the module docstring for the equation and sentinels).

    With a tier table the tier is the one of the notional at the liquidation price, iterated until stable.

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    entry : array_like
        Entry price, > 0.
    size : array_like
        Base coin (linear) or USD face value (inverse), > 0.
    leverage : array_like, optional
        Leverage, a multiple, giving the isolated margin ``value(EP)/L`` unless ``margin`` is given (NaN in an
        element = not given there).
    mmr : float, TierTable, str or array_like, default DEFAULT_MMR (0.005)
        Flat maintenance margin rate (fraction), a :class:`~levxl.engine.tiers.TierTable` or a preset name.
    margin : array_like, optional
        Isolated margin in the margin currency.
    contract : {"linear", "inverse"} or array_like, default "linear"
    fee : array_like, default 0
        Liquidation/close fee rate inside the threshold, on the value at the liquidation price (Gate/OKX).
    basis : {"mark", "entry"} or array_like, default "mark"
        Where maintenance margin is measured: at the liquidation price (Binance, Hyperliquid, dYdX) or at the
        entry (Bybit).
    tick : array_like, optional
        Tick size (quote currency): rounds toward the entry.

    Returns
    -------
    ndarray or float
        Liquidation price (quote currency per coin); 0 (long) or inf (short) where no price liquidates.

    >>> from levxl.engine.tiers import TierTable
    >>> tier = TierTable.fixed(0.1, 135_365)  # the position's tier: mmr 10%, maintenance amount 135,365
    >>> round(float(liquidation_price("long", 1456.84, 3683.979, mmr=tier, margin=1535443.01)), 2)  # Binance FAQ
    1114.78
    >>> float(liquidation_price("long", 20_000, 1, leverage=50, mmr=0.005, basis="entry"))  # Bybit USDT example 1
    19700.0
    >>> round(float(liquidation_price("short", 10, 1, leverage=5, mmr=0.01, fee=0.0006)), 6)  # Gate/OKX form
    11.874134
    """
    if margin is not None or leverage is None or np.isnan(np.min(leverage)):  # min is NaN iff any element is
        margin, leverage = kernel.isolated_margin(size, entry, leverage, margin, contract), None
    return round_to_tick(solve_liquidation(side, entry, size, margin, mmr, fee, contract, basis, leverage),
                         side=side, tick=tick)


def _require_a_live_price(side, price, margin) -> None:
    """A cross margin ``M <= 0`` is real (a hedged account: the other positions' loss and maintenance exceed the
    wallet plus their gains) and the equation still has its root (a long's above the entry). Only where no price
    keeps the position above its threshold is there none: a linear short with ``M + cum <= -q*EP``, an inverse
    long with ``M + cum <= -Q/EP`` (the solver's 0 for a short, inf for a long there); that is an error, not the
    "no liquidation" sentinel it would read as."""
    every = np.where(np.asarray(side) > 0, price == np.inf, price == 0.0)
    require(~every, "margin wallet - other_mm + other_upnl",
            "leaves the position below its maintenance at every price (its account is past liquidation)", margin)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, wallet=POSITIVE, mmr=MAINTENANCE, other_mm=NUMBER,
         other_upnl=NUMBER, contract=CONTRACT, fee=FRACTION, basis=BASIS)
def liquidation_price_cross(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, wallet: ArrayLike,
                            mmr: MaintenanceLike = DEFAULT_MMR, other_mm: ArrayLike = 0.0,
                            other_upnl: ArrayLike = 0.0, contract: ArrayLike = "linear",
                            fee: ArrayLike = 0.0, basis: ArrayLike = "mark") -> ArrayOrFloat:
    """Cross-margin liquidation price (Binance one-way mode): the isolated equation with the margin
    ``M = wallet - other_mm + other_upnl``, the maintenance margin and unrealised PnL of the account's *other*
    positions at their marks (margin currency), maintenance measured at the liquidation price (or at the entry:
    ``basis="entry"``, Bybit's cross formula).

    ``LP = (WB - TMM + UPNL + cum - s*q*EP) / (q*mmr - s*q)`` (linear);
    ``LP = Q*(mmr + s) / (WB - TMM + UPNL + cum + s*Q/EP)`` (inverse).

    ``M`` may be 0 or negative (a hedged account whose other positions lose more than the wallet and their gains
    cover): a long's price is then above its entry, a short's below, and the position is alive only on the far
    side of it. Where no price keeps the position above its threshold (a linear short with ``M + cum <= -q*EP``,
    an inverse long with ``M + cum <= -Q/EP``: its account is already past liquidation) the element is an error.

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    entry : array_like
        Entry price, > 0.
    size : array_like
        Base coin (linear) or USD face value (inverse), > 0.
    wallet : array_like
        Wallet balance in the margin currency, > 0.
    mmr : float, TierTable, str or array_like, default DEFAULT_MMR (0.005)
        This position's maintenance spec: a rate (fraction), a tier table or a preset name.
    other_mm : array_like, default 0
        Maintenance margin of the account's other positions (margin currency).
    other_upnl : array_like, default 0
        Unrealised PnL of the account's other positions (margin currency).
    contract : {"linear", "inverse"} or array_like, default "linear"
    fee : array_like, default 0
        Liquidation fee rate on the value at the liquidation price, a fraction.
    basis : {"mark", "entry"} or array_like, default "mark"
        Where this position's maintenance margin is measured (see :func:`liquidation_price`).

    Returns
    -------
    ndarray or float
        Liquidation price; 0 (long) or inf (short) where no price liquidates.

    >>> round(float(liquidation_price_cross("long", 100, 1, wallet=5, mmr=0.004, other_mm=4)), 6)  # 5+(P-100)=.004P+4
    99.39759
    >>> # M = 5 - 4 - 3 = -2 (the others lose 3): -2 + (P - 100) = 0.004*P, above the entry
    >>> round(float(liquidation_price_cross("long", 100, 1, wallet=5, mmr=0.004, other_mm=4, other_upnl=-3)), 6)
    102.409639
    """
    margin = wallet - other_mm + other_upnl
    price = solve_liquidation(side, entry, size, margin, mmr, fee, contract, basis)
    _require_a_live_price(side, price, margin)
    return price


@checked(sides=SIDE, entries=POSITIVE, sizes=POSITIVE, marks=POSITIVE, wallet=POSITIVE, mmr=MAINTENANCE,
         contract=CONTRACT, fee=FRACTION)
def account_liquidation_prices(sides: ArrayLike, entries: ArrayLike, sizes: ArrayLike, *, marks: ArrayLike,
                               wallet: ArrayLike, mmr: MaintenanceLike = DEFAULT_MMR,
                               contract: ArrayLike = "linear", fee: ArrayLike = 0.0) -> ArrayOrFloat:
    """Each position's cross-margin liquidation price in one account (one-way mode, one margin currency).

    For position ``i``, the other positions' maintenance margin ``TMM_i`` and unrealised PnL ``UPNL_i`` are taken at
    their ``marks`` (totals minus the position's own), then :func:`liquidation_price_cross` with ``wallet``.
    Positions are along the last axis; ``mmr`` may differ per position (rates, tables or presets). All positions
    share the wallet, so they must share the margin currency: one ``contract`` kind for the whole account.

    Parameters
    ----------
    sides, entries, sizes : array_like
        The account's positions along the last axis: long/short, entry prices, sizes (coin or USD face).
    marks : array_like
        Mark price of each position, > 0.
    wallet : array_like
        Wallet balance in the margin currency, > 0.
    mmr : float, TierTable, str or array_like, default DEFAULT_MMR (0.005)
        Maintenance spec, one for all or one per position.
    contract : {"linear", "inverse"}, default "linear"
        One kind for the whole account.
    fee : array_like, default 0
        Liquidation fee rate, a fraction.

    Returns
    -------
    ndarray
        One liquidation price per position; 0 (long) or inf (short) where no price liquidates.

    >>> from levxl.engine.tiers import TierTable
    >>> tiers = [TierTable.fixed(0.1, 135_365), TierTable.fixed(0.025, 16_300)]
    >>> lp = account_liquidation_prices(["long", "long"], [1456.84, 32481.98], [3683.979, 109.488],
    ...                                 marks=[1335.18, 31967.27], wallet=1535443.01, mmr=tiers)
    >>> [round(float(x), 2) for x in lp]  # Binance FAQ cross-margin example (ETH and BTC)
    [1153.26, 26316.89]
    """
    sides, entries, sizes, marks = np.broadcast_arrays(sides, entries, sizes, marks)
    if np.ndim(contract) > 0:
        kinds = np.unique(np.asarray(contract)[np.isfinite(contract)])
        require(np.full(np.shape(contract), kinds.size <= 1), "contract", "must be the same for every position "
                "of one account (linear and inverse margins are different currencies)", contract)
    own_mm = maintenance_margin.raw(sizes, price=marks, mmr=mmr, contract=contract)
    own_upnl = kernel.pnl(sides, entries, marks, sizes, contract)
    other_mm = own_mm.sum(axis=-1, keepdims=True) - own_mm
    other_upnl = own_upnl.sum(axis=-1, keepdims=True) - own_upnl
    bad_rows = flagged(sides.shape)
    if bad_rows is not None:
        # Every position's price depends on every other: one bad row makes them all unknowable.
        require(~np.broadcast_to(bad_rows.any(axis=-1, keepdims=True), sides.shape) | bad_rows,
                "account", "has an invalid position in another row")
    margin = wallet - other_mm + other_upnl
    price = solve_liquidation(sides, entries, sizes, margin, mmr, fee, contract, 0)
    _require_a_live_price(sides, price, margin)
    return price
