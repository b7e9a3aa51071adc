"""Linear and inverse futures contracts: value, PnL, margin, ROE, target price, average entry.

Notation (``docs/venues.md``): ``s`` = +1 long / -1 short; linear size ``q`` in base coin, inverse size ``Q`` in
USD face value (contracts x contract size); ``EP`` entry price, ``P`` another price, ``L`` leverage.

* linear (USDT/USDC-margined): value ``q*P`` (quote currency), PnL ``s*q*(P - EP)``
* inverse (coin-margined): value ``Q/P`` (coin), PnL ``s*Q*(1/EP - 1/P)`` (coin)

Every amount is in the margin currency of the contract: quote currency for linear, coin for inverse.

Call convention (:mod:`levxl.engine`): the position ``side, entry, size`` positionally, in that order (the ones a
function uses), every other argument by keyword.
"""

from __future__ import annotations

import numpy as np

from levxl.engine import kernel
from levxl.engine.kernel import by_contract
from levxl.engine.validate import CONTRACT, FRACTION, NUMBER, POSITIVE, SIDE, ArrayLike, ArrayOrFloat, checked

__all__ = ["position_value", "pnl", "initial_margin", "roe", "target_price", "average_entry", "order_cost"]


@checked(size=POSITIVE, price=POSITIVE, contract=CONTRACT)
def position_value(size: ArrayLike, *, price: ArrayLike, contract: ArrayLike = "linear") -> ArrayOrFloat:
    """Position value (notional) in the margin currency at ``price``.

    Linear: ``q*P`` (quote currency). Inverse: ``Q/P`` (coin), ``Q`` the USD face value.
    This is the notional that selects a maintenance tier.

    Parameters
    ----------
    size : array_like
        Base coin (linear) or USD face value (inverse), > 0.
    price : array_like
        The price the position is valued at (quote currency per coin), > 0.
    contract : {"linear", "inverse"} or array_like, default "linear"

    Returns
    -------
    ndarray or float
        Notional in the margin currency (quote for linear, coin for inverse).

    >>> float(position_value(2, price=30_000)), float(position_value(10_000, price=25_000, contract="inverse"))
    (60000.0, 0.4)
    """
    return kernel.value(size, price, contract)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, exit=POSITIVE, contract=CONTRACT)
def pnl(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, exit: ArrayLike,
        contract: ArrayLike = "linear") -> ArrayOrFloat:
    """Unrealised (or realised) PnL of a position closed at ``exit``, in the margin currency.

    Linear ``s*q*(exit - EP)``; inverse ``s*Q*(1/EP - 1/exit)`` (Bybit/Binance/BitMEX inverse PnL).

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    entry : array_like
        Entry price (quote currency per coin), > 0.
    size : array_like
        Base coin (linear) or USD face value (inverse), > 0.
    exit : array_like
        Exit (or mark) price, > 0.
    contract : {"linear", "inverse"} or array_like, default "linear"

    Returns
    -------
    ndarray or float
        PnL in the margin currency (quote for linear, coin for inverse); negative = loss.

    >>> round(float(pnl("long", 7000, 200, exit=8000, contract="inverse")), 10)  # Bybit inverse example 1
    0.0035714286
    >>> float(pnl("short", 100, 3, exit=90))
    30.0
    """
    return kernel.pnl(side, entry, exit, size, contract)


@checked(entry=POSITIVE, size=POSITIVE, leverage=POSITIVE, contract=CONTRACT)
def initial_margin(entry: ArrayLike, size: ArrayLike, *, leverage: ArrayLike,
                   contract: ArrayLike = "linear") -> ArrayOrFloat:
    """Initial margin ``value(EP)/L``: ``q*EP/L`` (quote) or ``Q/(EP*L)`` (coin).

    Parameters
    ----------
    entry : array_like
        Entry price (quote currency per coin), > 0.
    size : array_like
        Base coin (linear) or USD face value (inverse), > 0.
    leverage : array_like
        Leverage, a multiple (10 = 10x), > 0.
    contract : {"linear", "inverse"} or array_like, default "linear"

    Returns
    -------
    ndarray or float
        Initial margin in the margin currency.

    >>> float(initial_margin(8_000, 12_000, leverage=50, contract="inverse"))  # Bybit inverse IM example: 0.03 BTC
    0.03
    """
    return kernel.value(size, entry, contract) / leverage


def _roe(side, entry, exit, leverage, inverse):
    return by_contract(inverse, lambda: side * leverage * (exit / entry - 1.0),
                       lambda: side * leverage * (1.0 - entry / exit))


@checked(side=SIDE, entry=POSITIVE, exit=POSITIVE, leverage=POSITIVE, contract=CONTRACT)
def roe(side: ArrayLike, entry: ArrayLike, *, exit: ArrayLike, leverage: ArrayLike,
        contract: ArrayLike = "linear") -> ArrayOrFloat:
    """Return on initial margin: PnL / IM.

    Linear ``s*L*(exit/EP - 1)``: a move of ``x`` costs ``L*x`` of the margin (the amplification).
    Inverse ``s*L*(1 - EP/exit)``. Margin measured at entry (Binance's and Bybit's convention).

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    entry : array_like
        Entry price, > 0.
    exit : array_like
        Exit (or mark) price, > 0.
    leverage : array_like
        Leverage, a multiple, > 0.
    contract : {"linear", "inverse"} or array_like, default "linear"

    Returns
    -------
    ndarray or float
        ROE as a fraction of the initial margin (-0.5 = half the margin lost).

    >>> float(roe("long", 100_000, exit=95_000, leverage=10))
    -0.5
    """
    return _roe(side, entry, exit, leverage, contract)


@checked(side=SIDE, entry=POSITIVE, leverage=POSITIVE, roe=NUMBER, contract=CONTRACT)
def target_price(side: ArrayLike, entry: ArrayLike, *, leverage: ArrayLike, roe: ArrayLike,
                 contract: ArrayLike = "linear") -> ArrayOrFloat:
    """The exit price at which the position earns ``roe`` on its initial margin.

    Linear ``EP*(1 + s*ROE/L)`` (Binance futures calculator); inverse ``EP/(1 - s*ROE/L)`` (Binance COIN-M,
    Bybit inverse "target price"). Where no positive price gives the ROE (a linear loss of more than the
    whole notional, or an inverse short gaining L x margin or more) the result is NaN.

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    entry : array_like
        Entry price, > 0.
    leverage : array_like
        Leverage, a multiple, > 0.
    roe : array_like
        Target return on initial margin, a fraction (0.5 = 50%; negative = a loss).
    contract : {"linear", "inverse"} or array_like, default "linear"

    Returns
    -------
    ndarray or float
        Exit price (quote currency per coin); NaN where no positive price gives ``roe``.

    >>> float(target_price("long", 100_000, leverage=10, roe=0.5))
    105000.0
    >>> round(float(target_price("long", 7000, leverage=5, roe=0.2, contract="inverse")), 2)  # Bybit inverse ex. 2
    7291.67
    """
    linear = entry * (1.0 + side * roe / leverage)
    denominator = 1.0 - side * roe / leverage
    inverse = entry / np.where(denominator > 0, denominator, np.nan)
    result = by_contract(contract, linear, inverse)
    return np.where(result > 0, result, np.nan)


@checked(prices=POSITIVE, sizes=POSITIVE, contract=CONTRACT)
def average_entry(prices: ArrayLike, sizes: ArrayLike, *, contract: ArrayLike = "linear") -> ArrayOrFloat:
    """Average entry price over several fills (along the last axis).

    Linear: size-weighted arithmetic mean ``sum(q*P)/sum(q)``. Inverse: the harmonic mean weighted by USD face
    value ``sum(Q)/sum(Q/P)`` (it keeps the coin PnL of the fills). ``contract`` applies to the whole row.

    Parameters
    ----------
    prices : array_like
        Fill prices along the last axis, > 0.
    sizes : array_like
        Fill sizes (base coin, or USD face for inverse), > 0, broadcast against ``prices``.
    contract : {"linear", "inverse"}, default "linear"

    Returns
    -------
    ndarray or float
        Average entry price, the last axis reduced.

    >>> float(average_entry([100, 110], [1, 3]))
    107.5
    >>> round(float(average_entry([100, 110], [1000, 3000], contract="inverse")), 4)
    107.3171
    """
    prices, sizes = np.broadcast_arrays(prices, sizes)
    linear = lambda: (prices * sizes).sum(axis=-1) / sizes.sum(axis=-1)  # noqa: E731
    harmonic = lambda: sizes.sum(axis=-1) / (sizes / prices).sum(axis=-1)  # noqa: E731
    return by_contract(contract, linear, harmonic)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE, fee=FRACTION, contract=CONTRACT)
def order_cost(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, leverage: ArrayLike, fee: ArrayLike,
               contract: ArrayLike = "linear") -> ArrayOrFloat:
    """Margin an order ties up on Bybit: initial margin + fee to open at ``EP`` + fee to close at the bankruptcy
    price (without fees), each fee ``fee*value(price)``.

    Parameters
    ----------
    side : array_like
        "long"/"short" (also "buy"/"sell", 1/-1).
    entry : array_like
        Order (entry) price, > 0.
    size : array_like
        Base coin (linear) or USD face value (inverse), > 0.
    leverage : array_like
        Leverage, a multiple, > 0.
    fee : array_like
        Taker fee rate, a fraction in [0, 1) (0.00075 = 0.075%).
    contract : {"linear", "inverse"} or array_like, default "linear"

    Returns
    -------
    ndarray or float
        Order cost in the margin currency.

    >>> round(float(order_cost("long", 10_000, 1, leverage=50, fee=0.00075)), 6)  # Bybit: 200 + 7.5 + 7.35
    214.85
    """
    # A bankruptcy price at 0 (linear long, L <= 1) or infinity (1x inverse short) has value 0 there: no fee.
    bankrupt = np.maximum(kernel.bankruptcy(side, entry, size, kernel.value(size, entry, contract) / leverage, 0.0, contract), 0)
    return (kernel.value(size, entry, contract) / leverage + fee * kernel.value(size, entry, contract)
            + fee * kernel.value(size, bankrupt, contract))
