"""Slow, obviously-correct scalar versions of the futures engine, in plain Python floats.

They work from the definitions, not from the closed forms of :mod:`levxl.engine.liquidation`: the liquidation price is
found by bisection on ``equity(P) - threshold(P)``, with the tier found by scanning the table at every trial price.
Tests pin the vectorised engine to these on thousands of random inputs. :func:`liquidation_price_loop` is the
plain per-position closed-form loop a desk would write by hand; the benchmark times the engine against it.
"""

from __future__ import annotations

import math
from typing import Sequence

Tier = tuple[float, float, float]  # (notional floor, mmr, cum)


def value(size: float, price: float, inverse: bool) -> float:
    if inverse:
        return 0.0 if math.isinf(price) else size / price
    return size * price


def pnl(side: int, entry: float, exit: float, size: float, inverse: bool) -> float:
    if inverse:
        return side * size * (1.0 / entry - 1.0 / exit)
    return side * size * (exit - entry)


def tier_of(tiers: Sequence[Tier], notional: float) -> tuple[float, float]:
    """(mmr, cum) of the last tier whose floor is at or below the notional (a linear scan)."""
    rate, cum = tiers[0][1], tiers[0][2]
    for floor, tier_rate, tier_cum in tiers:
        if notional >= floor:
            rate, cum = tier_rate, tier_cum
    return rate, cum


def _gap(side, entry, size, margin, tiers, fee, inverse, entry_basis, price):
    """equity(P) - threshold(P): positive while the position is safe."""
    measured = entry if entry_basis else price
    rate, cum = tier_of(tiers, value(size, measured, inverse))
    threshold = rate * value(size, measured, inverse) - cum + fee * value(size, price, inverse)
    return margin + pnl(side, entry, price, size, inverse) - threshold


def liquidation_price(side: int, entry: float, size: float, margin: float, tiers: Sequence[Tier], fee: float = 0.0,
                      inverse: bool = False, entry_basis: bool = False) -> float:
    """Bisection (in log price) on the liquidation equation. 0.0 / inf when no price liquidates a long / short."""
    low, high = entry * 1e-9, entry * 1e9
    gap = lambda p: _gap(side, entry, size, margin, tiers, fee, inverse, entry_basis, p)  # noqa: E731
    if side > 0:
        if gap(low) >= 0:  # safe even at (almost) zero
            return 0.0
        if gap(high) < 0:
            return math.inf  # pragma: no cover - not reachable with sane inputs
    else:
        if gap(high) >= 0:  # safe at any price we can reach
            return math.inf
        if gap(low) < 0:
            return 0.0  # pragma: no cover
    for _ in range(200):
        middle = math.sqrt(low * high)
        unsafe = gap(middle) < 0
        if (side > 0) == unsafe:
            low = middle
        else:
            high = middle
        if high / low - 1.0 < 1e-15:
            break
    return math.sqrt(low * high)


def bankruptcy_price(side, entry, size, margin, fee=0.0, inverse=False) -> float:
    return liquidation_price(side, entry, size, margin, [(0.0, 0.0, 0.0)], fee, inverse)


def liquidation_price_loop(sides, entries, sizes, leverages, tiers: Sequence[Tier]) -> list[float]:
    """The hand-written per-position loop: linear, isolated, Binance's closed form, tier of the notional at the
    liquidation price found by re-solving until it stops changing."""
    out = []
    for side, entry, size, leverage in zip(sides, entries, sizes, leverages):
        margin = size * entry / leverage
        rate, cum = tier_of(tiers, size * entry)
        for _ in range(len(tiers) + 1):
            price = (margin + cum - side * size * entry) / (size * rate - side * size)
            price = max(price, 0.0)
            new_rate, new_cum = tier_of(tiers, size * price)
            if (new_rate, new_cum) == (rate, cum):
                break
            rate, cum = new_rate, new_cum
        out.append(price)
    return out


def loss_at_move(side, entry, size, margin, move, tiers, fee=0.0, funding_rate=0.0, funding_periods=0.0,
                 inverse=False, wallet=None):
    """(pnl, liquidated) of a move, from the definitions in :mod:`levxl.engine.scenarios`."""
    price = entry * (1.0 + move)
    funding = side * value(size, entry, inverse) * funding_rate * funding_periods
    raw = pnl(side, entry, price, size, inverse) - funding - fee * value(size, price, inverse)
    held = (margin if wallet is None else wallet) - funding
    liquidation = liquidation_price(side, entry, size, held, tiers, fee, inverse)
    liquidated = price <= liquidation if side > 0 else price >= liquidation
    if wallet is None:
        return (-margin if liquidated else raw), liquidated
    return max(raw, -wallet), liquidated


def price_on_tick(price: float, tick: float, direction: str, offset: int = 0) -> float:
    """A price on the tick, in exact decimals: ``offset`` ticks added, then rounded ``direction`` ("up", "down",
    "nearest" half up) to a whole number of ticks (an offset that would leave no price, a short's within a tick of
    0, is not added); 0, inf and NaN kept. The decimal of each float's shortest repr is the number a venue prints,
    so a price already on the tick stays (no slack needed)."""
    from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

    if not (math.isfinite(price) and price > 0):
        return price
    step = Decimal(repr(tick))
    shifted = Decimal(repr(price)) + offset * step
    if shifted <= 0:
        shifted = Decimal(repr(price))
    mode = {"up": ROUND_CEILING, "down": ROUND_FLOOR, "nearest": ROUND_HALF_UP}[direction]
    return float((shifted / step).to_integral_value(rounding=mode) * step)
