"""Portfolio margin by scenarios: one book revalued under each venue's grid of spot moves x vol shocks, in one numpy
pass over positions x scenarios.

For a scenario (move ``m``, relative vol shock ``k``, weight ``w``) each option is repriced with the engine's Black-76
at ``U*(1+m)`` and ``vol' = vol*(1 + k*(30/max(dte_floor, DTE))**p)`` (``p`` the short- or long-dated vega power;
``vol' >= vol_up_floor`` on an up shock), each perp at ``U*(1+m)``; the book's scenario P&L is the sum. Then::

    SCAN       = max(0, max_s(-w_s * PnL_s))                     worst weighted loss
    min delta  = (net_delta_charge*|net delta| + hedged_delta_charge*(gross delta - |net delta|)/2) * U   (Paradex)
    net        = max(SCAN, min delta)
    Paradex:   IM = net + fee_provision,  MM = 50% * net + fee_provision
    others:    MM = net + fee_provision,  IM = im_multiplier * net + fee_provision

Amounts are USD for ``contract="linear"`` and coin for ``"inverse"`` (coin-settled options, inverse perps, the coin
value of each position in the scenario less its coin value now). Grids and their sources:
:mod:`levxl.engine.margin.params`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from levxl.engine import kernel, options
from levxl.engine.margin.account_with_options import INSTRUMENT, NONNEGATIVE_OR_NAN, one_value, position_columns
from levxl.engine.margin.params import PMParams, pm_params
from levxl.engine.validate import CONTRACT, NUMBER, POSITIVE, SIDE, checked, require

__all__ = ["Scenarios", "PMResult", "scenarios_of", "shocked_vols", "scenario_pnl", "pm_margin", "pm_from_pnl",
           "min_delta_from_deltas"]


class Scenarios(NamedTuple):
    """The grid of a parameter set: moves, relative vol shocks and weights (one element per scenario)."""

    moves: np.ndarray
    shocks: np.ndarray
    weights: np.ndarray
    extended: np.ndarray


def scenarios_of(params: PMParams) -> Scenarios:
    """The scenarios of a set: regular moves x regular shocks (less ``skip``), then the extended moves."""
    skip = {(round(m, 10), round(k, 10)) for m, k in params.skip}
    regular = [(m, k) for m in params.regular_moves for k in params.regular_vol_shocks
               if (round(m, 10), round(k, 10)) not in skip]
    moves = [m for m, _ in regular] + list(params.extended_moves)
    shocks = [k for _, k in regular] + [params.extended_vol_shock] * len(params.extended_moves)
    biggest = max(abs(m) for m in params.regular_moves)
    tail_weights = (list(params.extended_weights) if params.extended_weights is not None
                    else [biggest / abs(m) for m in params.extended_moves])
    weights = [1.0] * len(regular) + tail_weights
    extended = [False] * len(regular) + [True] * len(params.extended_moves)
    return Scenarios(np.array(moves), np.array(shocks), np.array(weights), np.array(extended))


def shocked_vols(vol, days, shocks, params: PMParams):
    """Scenario vols: ``vol*(1 + k*(30/max(floor, DTE))**p)``, floored at ``vol_up_floor`` on up shocks, at 0 else.
    ``vol``, ``days`` shape (n, 1) against ``shocks`` shape (1, s) or (s,). A grid has few distinct shocks (three at
    Deribit), so each is computed once per position and the columns are repeated."""
    shocks = np.asarray(shocks, dtype=float)
    distinct, which = np.unique(shocks.ravel(), return_inverse=True)
    power = np.where(days < 30, params.power_short, params.power_long)
    scale = (30.0 / np.maximum(params.dte_floor, days)) ** power
    columns = []
    for k in distinct:
        moved = vol * (1.0 + k * scale)
        columns.append(np.maximum(moved, params.vol_up_floor) if k > 0 else np.maximum(moved, 0.0) if k < 0
                       else np.broadcast_to(vol, moved.shape))
    table = np.concatenate(columns, axis=-1)  # (n, distinct)
    return table[..., which.reshape(shocks.shape[-1:])]


def scenario_pnl(instrument, qty, strike, days, vol, underlying, scenarios: Scenarios, params: PMParams, inverse=False):
    """P&L of each position in each scenario, shape (positions, scenarios), in one pass (checked float arrays;
    ``qty`` signed: side x size)."""
    prices = underlying * (1.0 + scenarios.moves)  # (s,)
    perp = instrument == 0
    opt = ~perp
    if opt.all():  # an options-only book: no row selection, no copies
        return _option_pnl(instrument, qty, strike, days, vol, underlying, prices, scenarios, params, inverse)
    out = np.zeros((instrument.size, prices.size))
    if perp.any():
        side, size = np.sign(qty[perp])[:, None], np.abs(qty[perp])[:, None]
        out[perp] = kernel.pnl(side, underlying, exit=prices[None, :], size=size, inverse=float(inverse))
    if opt.any():
        out[opt] = _option_pnl(instrument[opt], qty[opt], strike[opt], days[opt], vol[opt], underlying, prices,
                               scenarios, params, inverse)
    return out


def _option_pnl(w, qty, strike, days, vol, underlying, prices, scenarios, params, inverse):
    """(options, scenarios) P&L: ``qty*(V(U', vol') - V(U, vol))``, computed in place in the repriced array."""
    K, d, v = strike[:, None], days[:, None], vol[:, None]
    settle = "inverse" if inverse else "linear"
    vols = shocked_vols(v, d, scenarios.shocks[None, :], params)
    now = options.option_price(option_type=w[:, None], underlying=underlying, strike=K, days=d, vol=v, contract=settle)
    then = options.option_price(option_type=w[:, None], underlying=prices[None, :], strike=K, days=d, vol=vols,
                                contract=settle)
    then -= now
    then *= qty[:, None]
    return then


class PMResult(NamedTuple):
    """Margin of one book under one set: MM, IM, the worst scenario (move, vol shock, weighted loss, index), the
    minimum-delta charge, every scenario's book P&L, and the set's name."""

    mm: float
    im: float
    worst_loss: float
    worst_move: float
    worst_vol_shock: float
    worst_index: int
    min_delta: float
    book_pnl: np.ndarray
    params: str


def min_delta_charge(instrument, qty, strike, days, vol, underlying, params: PMParams, inverse=False) -> float:
    """Paradex's minimum delta requirement (0 for sets without one); deltas in coins of underlying."""
    if not (params.net_delta_charge or params.hedged_delta_charge):
        return 0.0
    delta = np.where(instrument == 0, qty / underlying if inverse else qty, 0.0)  # inverse perps: USD face
    opt = instrument != 0
    if opt.any():
        g = options.greeks(option_type=instrument[opt], underlying=underlying, strike=strike[opt], days=days[opt],
                           vol=vol[opt])
        delta[opt] = qty[opt] * g.delta
    charge = min_delta_from_deltas(delta, underlying, params)
    return float(charge / underlying if inverse else charge)


def min_delta_from_deltas(deltas, underlying, params: PMParams) -> float:
    """``(net_charge*|net| + hedged_charge*(gross - |net|)/2) * U`` from position deltas (coins of underlying).

    >>> from levxl.engine.margin.params import PARADEX_PM
    >>> round(min_delta_from_deltas([1.0, -1.5], 70_000, PARADEX_PM), 6)  # Paradex's example: 1 perp, 5 calls
    1400.0
    """
    deltas = np.asarray(deltas, dtype=float)
    net, gross = float(deltas.sum()), float(np.abs(deltas).sum())
    return (params.net_delta_charge * abs(net) + params.hedged_delta_charge * (gross - abs(net)) / 2) * underlying


def pm_from_pnl(book_pnl, scenarios: Scenarios, params: PMParams, min_delta=0.0, fee_provision=0.0) -> PMResult:
    """MM and IM from the book's scenario P&L (see the module docstring)."""
    weighted_loss = -scenarios.weights * book_pnl
    worst = int(np.argmax(weighted_loss))
    scan = max(float(weighted_loss[worst]), 0.0)
    net = max(scan, min_delta)
    if params.mm_fraction < 1.0:
        im, mm = net + fee_provision, params.mm_fraction * net + fee_provision
    else:
        im, mm = params.im_multiplier * net + fee_provision, net + fee_provision
    return PMResult(mm, im, scan, float(scenarios.moves[worst]), float(scenarios.shocks[worst]), worst,
                    float(min_delta), book_pnl, params.name)


@checked(instruments=INSTRUMENT, sides=SIDE, sizes=POSITIVE, strikes=NONNEGATIVE_OR_NAN, days=NONNEGATIVE_OR_NAN,
         vols=NONNEGATIVE_OR_NAN, underlying=POSITIVE, contract=CONTRACT, fee_provision=NUMBER)
def pm_margin(instruments, sides, sizes, strikes=None, days=None, vols=None, underlying=None, rules="deribit",
              contract="linear", fee_provision=0.0):
    """Portfolio margin of one book under one dated set of rules (:class:`PMResult`).

    Positions along the vectors: ``instruments`` "perp"/"call"/"put", ``sides``, ``sizes`` (coins; USD face for an
    inverse perp), ``strikes``, ``days`` to expiry, ``vols``; ``underlying`` the price now (USD), ``rules`` a set
    name ("deribit", "paradex", "okx", "deribit-pm@2019", ...), ``fee_provision`` added to IM and MM.

    >>> r = pm_margin(["perp"], ["long"], [1.0], [0.0], [0.0], [0.0], 70_000, rules="okx")
    >>> round(r.mm, 2), r.worst_move, r.params   # a long perp's MR1: the -12% move
    (8400.0, -0.12, 'okx-mr1@2025-01-06')
    """
    params = pm_params(rules)
    require(np.asarray(underlying is not None), "underlying", "is required")
    strikes, days, vols = (np.nan if x is None else x for x in (strikes, days, vols))
    instrument, side, size, strike, day, vol = position_columns(instruments=instruments, sides=sides, sizes=sizes,
                                                                strikes=strikes, days=days, vols=vols)
    option = instrument != 0
    for name, values in (("strikes", strike), ("days", day), ("vols", vol)):
        require(~option | np.isfinite(values), name, "must be given for every option")
        values[~option] = 0.0
    require(~option | (strike > 0), "strikes", "must be > 0 for an option")
    U, inverse = one_value("underlying", underlying), bool(one_value("contract", contract))
    qty = side * size
    grid = scenarios_of(params)
    pnl = scenario_pnl(instrument, qty, strike, day, vol, U, grid, params, inverse).sum(axis=0)
    delta = min_delta_charge(instrument, qty, strike, day, vol, U, params, inverse)
    return pm_from_pnl(pnl, grid, params, delta, one_value("fee_provision", fee_provision))
