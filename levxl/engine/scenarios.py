"""Loss at a price move, and scenario grids built from it by broadcasting.

A price move ``m`` takes the mark from the entry to ``EP*(1 + m)``. The position's outcome there:

* ``pnl`` = PnL at the new price - funding paid over ``funding_periods`` intervals (on the entry value) - the fee
  to close (``fee * value(P)``; the fee to open is already paid);
* liquidated "on the way" when the new price is at or beyond the liquidation price computed with the margin left
  after funding (a straight path from entry crosses it);
* isolated margin: a liquidated position loses its whole margin and no more (the loss is capped by ``M``);
  cross margin (``wallet`` given): the loss is not capped by the position's margin, only by the wallet;
* ``roe`` = pnl / margin; ``equity`` = margin (or wallet) + pnl; ``amplification`` = ``|roe| / |m|``, the fraction
  of margin lost or won per unit of price move (= leverage for a linear position without fees or liquidation).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from levxl.engine.validate import (BASIS, CONTRACT, FRACTION, MOVE, NONNEGATIVE, NUMBER, POSITIVE, POSITIVE_OR_NAN,
                                   SIDE, ArrayLike, checked)
from levxl.engine import kernel
from levxl.engine.liquidation import DEFAULT_MMR, solve_liquidation
from levxl.engine.tiers import MAINTENANCE, MaintenanceLike

__all__ = ["MoveOutcome", "loss_at_move", "scenario_grid", "funding_grid", "inverse_risk_shape"]


class MoveOutcome(NamedTuple):
    """Outcome of a price move; every field broadcasts to the same shape."""

    price: np.ndarray  #: the price after the move
    pnl: np.ndarray  #: realised PnL in the margin currency (negative = loss), liquidation included
    roe: np.ndarray  #: pnl / margin
    equity: np.ndarray  #: margin (isolated) or wallet (cross) plus pnl
    liquidated: np.ndarray  #: True when the move reached the liquidation price
    amplification: np.ndarray  #: |roe| / |move| (NaN at move 0)
    liquidation_price: np.ndarray  #: after funding, the price that liquidates the position


def _outcome(side, entry, size, leverage, move, mmr, margin, contract, fee, funding_rate, funding_periods, wallet,
             basis, mark=None):
    isolated = wallet is None
    m = wallet if not isolated and leverage is None and margin is None else kernel.isolated_margin(size, entry, leverage, margin,
                                                                                    contract)
    start = entry if mark is None else mark
    price = start * (1.0 + move)
    funding = side * kernel.value(size, entry, contract) * funding_rate * funding_periods
    raw = kernel.pnl(side, entry, price, size, contract) - funding - fee * kernel.value(size, price, contract)
    held = (m if isolated else wallet) - funding
    liq = solve_liquidation(side, entry, size, held, mmr, fee, contract, basis)
    liquidated = np.where(side > 0, price <= liq, price >= liq)
    if mark is not None:  # the path starts at the mark: a mark already at or past the price has been liquidated
        liquidated = liquidated | np.where(side > 0, mark <= liq, mark >= liq)
    if isolated:
        pnl = np.where(liquidated, -m, raw)
        equity = m + pnl
    else:
        pnl = np.maximum(raw, -wallet)
        equity = wallet + pnl
    roe = pnl / m
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a move of 1e-300: inf
        amplification = np.where(move != 0, np.abs(roe) / np.abs(move), np.nan)
    return MoveOutcome(price, pnl, roe, equity, liquidated, amplification, liq)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, move=MOVE, mmr=MAINTENANCE,
         margin=POSITIVE_OR_NAN, contract=CONTRACT, fee=FRACTION, funding_rate=NUMBER, funding_periods=NONNEGATIVE,
         wallet=POSITIVE, basis=BASIS, mark=POSITIVE)
def loss_at_move(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, move: ArrayLike,
                 leverage: ArrayLike | None = None, mmr: MaintenanceLike = DEFAULT_MMR, margin: ArrayLike | None = None,
                 contract: ArrayLike = "linear", fee: ArrayLike = 0.0, funding_rate: ArrayLike = 0.0,
                 funding_periods: ArrayLike = 0.0, wallet: ArrayLike | None = None,
                 basis: ArrayLike = "mark", mark: ArrayLike | None = None) -> MoveOutcome:
    """Outcome of a price move ``move`` for a position; see the module docstring for the definitions.

    With ``mark``, the move is a fraction of the mark (levxl's convention for a position already open: the price
    after the move is ``mark*(1 + move)``) and the path starts there: a mark already at or past the liquidation
    price has lost the isolated margin, whatever the move does next.

    Parameters
    ----------
    side, entry, size : array_like
        The position: long/short, entry price, size (base coin, or USD face for inverse).
    move : array_like
        Price move from the entry (from ``mark`` when given), a fraction > -1 (-0.1 = the price falls 10%).
    leverage : array_like, optional
        Leverage, a multiple: the isolated margin is ``value(EP)/L`` unless ``margin`` is given.
    mmr : float, TierTable, str or array_like, default DEFAULT_MMR (0.005)
        Maintenance spec: a rate (fraction), a tier table or a preset name.
    margin : array_like, optional
        Isolated margin in the margin currency.
    contract : {"linear", "inverse"} or array_like, default "linear"
    fee : array_like, default 0
        Close/liquidation fee rate on the value at the price (fraction).
    funding_rate : array_like, default 0
        Funding rate per interval (fraction; positive = longs pay), charged on the entry value.
    funding_periods : array_like, default 0
        Funding intervals held, >= 0.
    wallet : array_like, optional
        Cross margin: the wallet balance (margin currency) that carries the position instead of its margin.
    basis : {"mark", "entry"} or array_like, default "mark"
        Where maintenance margin is measured (see :func:`~levxl.engine.liquidation.liquidation_price`).
    mark : array_like, optional
        Mark price now (> 0): the move is measured from it and the path starts there.

    Returns
    -------
    MoveOutcome
        price, pnl (margin currency), roe (fraction of margin), equity, liquidated (bool), amplification (multiple)
        and the liquidation price after funding, each broadcast to the inputs' shape.

    >>> out = loss_at_move("long", 100_000, 1, leverage=10, move=-0.05, mmr=0.0)
    >>> float(out.pnl), float(out.roe), bool(out.liquidated), float(out.amplification)
    (-5000.0, -0.5, False, 10.0)
    >>> out = loss_at_move("long", 100_000, 1, leverage=10, move=-0.2)  # through the liquidation price
    >>> float(out.pnl), bool(out.liquidated)
    (-10000.0, True)
    """
    return _outcome(side, entry, size, leverage, move, mmr, margin, contract, fee, funding_rate, funding_periods,
                    wallet, basis, mark)


def _column(values):
    return np.asarray(values, dtype=float).reshape(-1, 1)


def _row(values):
    return np.asarray(values, dtype=float).reshape(1, -1)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, moves=MOVE, leverages=POSITIVE, mmr=MAINTENANCE,
         contract=CONTRACT, fee=FRACTION, funding_rate=NUMBER, funding_periods=NONNEGATIVE, basis=BASIS)
def scenario_grid(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, moves: ArrayLike, leverages: ArrayLike,
                  mmr: MaintenanceLike = DEFAULT_MMR, contract: ArrayLike = "linear", fee: ArrayLike = 0.0,
                  funding_rate: ArrayLike = 0.0, funding_periods: ArrayLike = 0.0,
                  basis: ArrayLike = "mark") -> MoveOutcome:
    """Move x leverage grid: a :class:`MoveOutcome` whose fields have shape ``(len(moves), len(leverages))``
    (rows = moves, columns = leverages), one position (scalar ``side``, ``entry``, ``size``), isolated margin.

    Parameters
    ----------
    side, entry, size : scalar
        The position: long/short, entry price, size (base coin, or USD face for inverse).
    moves : array_like
        Price moves from the entry (fractions > -1), the rows.
    leverages : array_like
        Leverages (multiples, > 0), the columns.
    mmr, contract, fee, funding_rate, funding_periods, basis
        As :func:`loss_at_move`.

    Returns
    -------
    MoveOutcome
        Fields of shape ``(len(moves), len(leverages))``.

    >>> grid = scenario_grid("long", 100, 1, moves=[-0.1, 0.0, 0.1], leverages=[2, 5, 20], mmr=0.0)
    >>> grid.roe.tolist()
    [[-0.2, -0.5, -1.0], [0.0, 0.0, 0.0], [0.2, 0.5, 2.0]]
    """
    return _outcome(side, entry, size, _row(leverages), _column(moves), mmr, None, contract, fee, funding_rate,
                    funding_periods, None, basis)


@checked(side=SIDE, entry=POSITIVE, size=POSITIVE, leverage=POSITIVE, moves=MOVE, funding_periods=NONNEGATIVE,
         funding_rate=NUMBER, mmr=MAINTENANCE, contract=CONTRACT, fee=FRACTION, basis=BASIS)
def funding_grid(side: ArrayLike, entry: ArrayLike, size: ArrayLike, *, leverage: ArrayLike, moves: ArrayLike,
                 funding_periods: ArrayLike, funding_rate: ArrayLike, mmr: MaintenanceLike = DEFAULT_MMR,
                 contract: ArrayLike = "linear", fee: ArrayLike = 0.0, basis: ArrayLike = "mark") -> MoveOutcome:
    """Move x funding-intervals grid (rows = moves, columns = numbers of intervals held at ``funding_rate``):
    how funding bleeds margin and pulls the liquidation price in while the price moves.

    Parameters
    ----------
    side, entry, size : scalar
        The position: long/short, entry price, size (base coin, or USD face for inverse).
    leverage : scalar
        Leverage, a multiple (isolated margin ``value(EP)/L``).
    moves : array_like
        Price moves from the entry (fractions > -1), the rows.
    funding_periods : array_like
        Numbers of funding intervals held (>= 0), the columns.
    funding_rate : array_like
        Funding rate per interval (fraction; positive = longs pay).
    mmr, contract, fee, basis
        As :func:`loss_at_move`.

    Returns
    -------
    MoveOutcome
        Fields of shape ``(len(moves), len(funding_periods))``.

    >>> grid = funding_grid("long", 100, 1, leverage=10, moves=[-0.05, 0.0], funding_periods=[0, 30],
    ...                     funding_rate=0.001, mmr=0.0)
    >>> grid.pnl.tolist()
    [[-5.0, -8.0], [0.0, -3.0]]
    """
    return _outcome(side, entry, size, leverage, _column(moves), mmr, None, contract, fee, funding_rate,
                    _row(funding_periods), None, basis)


@checked(moves=MOVE)
def inverse_risk_shape(moves: ArrayLike) -> np.ndarray | float:
    """PnL of a long inverse perpetual per coin of entry value at a move ``m``: ``1 - 1/(1 + m)``. Deribit's
    portfolio-margin risk vector for an inverse perpetual is proportional to it (losses convex in USD moves).

    Parameters
    ----------
    moves : array_like
        Price moves, fractions > -1.

    Returns
    -------
    ndarray or float
        PnL in coin per coin of entry value (negative = loss).

    >>> [round(float(x), 6) for x in inverse_risk_shape([-0.5, 0.5])]
    [-1.0, 0.333333]
    """
    return 1.0 - 1.0 / (1.0 + moves)
