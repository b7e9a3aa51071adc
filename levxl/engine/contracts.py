"""Linear and inverse futures contracts: value, PnL, margin, ROE, target price, average entry.

Notation (``docs/venues.md``): ``s`` = +1 long / -1 short; linear size ``q`` in base coin, inverse size ``Q`` in
USD face value (contracts x contract size); ``EP`` entry price, ``P`` another price, ``L`` leverage.

* linear (USDT/USDC-margined): value ``q*P`` (quote currency), PnL ``s*q*(P - EP)``
* inverse (coin-margined): value ``Q/P`` (coin), PnL ``s*Q*(1/EP - 1/P)`` (coin)

Every amount is in the margin currency of the contract: quote currency for linear, coin for inverse.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from levxl.engine import kernel
from levxl.engine.kernel import by_contract
from levxl.engine.validate import CONTRACT, FRACTION, NUMBER, POSITIVE, SIDE, checked

__all__ = ["position_value", "pnl", "initial_margin", "roe", "target_price", "average_entry", "order_cost"]


@checked(size=POSITIVE, price=POSITIVE, contract=CONTRACT)
def position_value(size, price, contract="linear"):
    """Position value (notional) in the margin currency at ``price``.

    Linear: ``q*P`` (quote currency). Inverse: ``Q/P`` (coin), ``Q`` the USD face value.
    This is the notional that selects a maintenance tier.

    >>> float(position_value(2, 30_000)), float(position_value(10_000, 25_000, "inverse"))
    (60000.0, 0.4)
    """
    return kernel.value(size, price, contract)


@checked(side=SIDE, entry=POSITIVE, exit=POSITIVE, size=POSITIVE, contract=CONTRACT)
def pnl(side, entry, exit, size, contract="linear"):
    """Unrealised (or realised) PnL of a position closed at ``exit``, in the margin currency.

    Linear ``s*q*(exit - EP)``; inverse ``s*Q*(1/EP - 1/exit)`` (Bybit/Binance/BitMEX inverse PnL).

    >>> round(float(pnl("long", 7000, 8000, 200, "inverse")), 10)  # Bybit inverse example 1: 0.0035714 BTC
    0.0035714286
    >>> float(pnl("short", 100, 90, 3))
    30.0
    """
    return kernel.pnl(side, entry, exit, size, contract)


@checked(size=POSITIVE, entry=POSITIVE, leverage=POSITIVE, contract=CONTRACT)
def initial_margin(size, entry, leverage, contract="linear"):
    """Initial margin ``value(EP)/L``: ``q*EP/L`` (quote) or ``Q/(EP*L)`` (coin).

    >>> float(initial_margin(12_000, 8_000, 50, "inverse"))  # Bybit inverse IM example: 0.03 BTC
    0.03
    """
    return kernel.value(size, entry, contract) / leverage


def _roe(side, entry, exit, leverage, inverse):
    return by_contract(inverse, lambda: side * leverage * (exit / entry - 1.0),
                       lambda: side * leverage * (1.0 - entry / exit))


@checked(side=SIDE, entry=POSITIVE, exit=POSITIVE, leverage=POSITIVE, contract=CONTRACT)
def roe(side, entry, exit, leverage, contract="linear"):
    """Return on initial margin: PnL / IM.

    Linear ``s*L*(exit/EP - 1)``: a move of ``x`` costs ``L*x`` of the margin (the amplification).
    Inverse ``s*L*(1 - EP/exit)``. Margin measured at entry (Binance's and Bybit's convention).

    >>> float(roe("long", 100_000, 95_000, 10))
    -0.5
    """
    return _roe(side, entry, exit, leverage, contract)


@checked(side=SIDE, entry=POSITIVE, leverage=POSITIVE, roe=NUMBER, contract=CONTRACT)
def target_price(side, entry, leverage, roe, contract="linear"):
    """The exit price at which the position earns ``roe`` on its initial margin.

    Linear ``EP*(1 + s*ROE/L)`` (Binance futures calculator); inverse ``EP/(1 - s*ROE/L)`` (Binance COIN-M,
    Bybit inverse "target price"). Where no positive price gives the ROE (a linear loss of more than the
    whole notional, or an inverse short gaining L x margin or more) the result is NaN.

    >>> float(target_price("long", 100_000, 10, 0.5))
    105000.0
    >>> round(float(target_price("long", 7000, 5, 0.2, "inverse")), 2)  # Bybit inverse example 2
    7291.67
    """
    linear = entry * (1.0 + side * roe / leverage)
    denominator = 1.0 - side * roe / leverage
    inverse = entry / np.where(denominator > 0, denominator, np.nan)
    result = by_contract(contract, linear, inverse)
    return np.where(result > 0, result, np.nan)


@checked(prices=POSITIVE, sizes=POSITIVE, contract=CONTRACT)
def average_entry(prices, sizes, contract="linear"):
    """Average entry price over several fills (along the last axis).

    Linear: size-weighted arithmetic mean ``sum(q*P)/sum(q)``. Inverse: the harmonic mean weighted by USD face
    value ``sum(Q)/sum(Q/P)`` (it keeps the coin PnL of the fills). ``contract`` applies to the whole row.

    >>> float(average_entry([100, 110], [1, 3]))
    107.5
    >>> round(float(average_entry([100, 110], [1000, 3000], "inverse")), 4)
    107.3171
    """
    prices, sizes = np.broadcast_arrays(prices, sizes)
    linear = lambda: (prices * sizes).sum(axis=-1) / sizes.sum(axis=-1)  # noqa: E731
    harmonic = lambda: sizes.sum(axis=-1) / (sizes / prices).sum(axis=-1)  # noqa: E731
    return by_contract(contract, linear, harmonic)


@checked(side=SIDE, size=POSITIVE, entry=POSITIVE, leverage=POSITIVE, fee=FRACTION, contract=CONTRACT)
def order_cost(side, size, entry, leverage, fee, contract="linear"):
    """Margin an order ties up on Bybit: initial margin + fee to open at ``EP`` + fee to close at the bankruptcy
    price (without fees), each fee ``fee*value(price)``.

    >>> round(float(order_cost("long", 1, 10_000, 50, 0.00075)), 6)  # Bybit "Order cost": 200 + 7.5 + 7.35
    214.85
    """
    # A bankruptcy price at 0 (linear long, L <= 1) or infinity (1x inverse short) has value 0 there: no fee.
    bankrupt = np.maximum(kernel.bankruptcy(side, entry, size, kernel.value(size, entry, contract) / leverage, 0.0, contract), 0)
    return (kernel.value(size, entry, contract) / leverage + fee * kernel.value(size, entry, contract)
            + fee * kernel.value(size, bankrupt, contract))
