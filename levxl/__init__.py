"""levxl: how leverage amplifies a crypto-derivatives desk's losses.

A pure, vectorised numpy engine (every function broadcasts like a ufunc: scalars in, scalar out) for linear and
inverse futures and perpetuals, options, funding and the probability of liquidation, with one catalogue of
spreadsheet functions over it (:mod:`levxl.catalogue`) that the Excel add-in, the headless recalc, the template and
the reports all read.

Units everywhere: rates and moves are fractions (0.01 = 1%), leverage is a multiple, size is base coin (linear) or
USD face value (inverse), time is in days unless a name says otherwise, amounts are in the margin currency.

Layers, one folder each (a test enforces the import rules): ``levxl.engine`` (pure numpy) -> ``levxl.book``
(positions, marks, the figures table) -> ``levxl.catalogue`` (spreadsheet functions) -> the faces (``levxl.udfs``,
``levxl.recalc``, ``levxl.workbooks``, ``levxl.cli``). ``import levxl`` loads the engine only.

Every public engine function is here, called the same way: the position ``side, entry, size`` positionally and every
other argument by keyword (the full rule is in :mod:`levxl.engine`)::

    >>> import levxl as lx
    >>> float(lx.liquidation_price("long", 20_000, 1, leverage=50, mmr=0.005, basis="entry"))
    19700.0
"""

from levxl.engine.contracts import (average_entry, initial_margin, order_cost, pnl, position_value, roe,
                                    target_price)
from levxl.engine.funding import (funding_cap_dydx, funding_cost, funding_payment, funding_rate_clamped,
                                  funding_rate_deribit, funding_rate_dydx, funding_rate_okx,
                                  liquidation_drift_from_funding, liquidation_price_after_funding)
from levxl.engine.liquidation import (DEFAULT_MMR, account_liquidation_prices, bankruptcy_price, liquidation_price,
                                      liquidation_price_cross, maintenance_margin, round_to_tick)
from levxl.engine.options import (Greeks, ImpliedVol, decay_curve, greeks, implied_vol, implied_vol_reasons,
                                  option_decay, option_greek, option_leverage, option_pnl_grid, option_price)
from levxl.engine.probability import liquidation_distance, liquidation_distance_sigma, liquidation_probability
from levxl.engine.scenarios import MoveOutcome, funding_grid, inverse_risk_shape, loss_at_move, scenario_grid
from levxl.engine.sizing import (margin_for_liquidation_at, margin_to_add_for_distance, max_leverage_for_stop,
                                 max_position_size, position_size, size_to_cut_for_distance)
from levxl.engine.tiers import TierTable, preset, presets

__all__ = [
    # contracts: value, PnL, margin
    "position_value", "pnl", "roe", "target_price", "initial_margin", "order_cost", "average_entry",
    # maintenance margin and tiers
    "DEFAULT_MMR", "maintenance_margin", "TierTable", "preset", "presets",
    # liquidation
    "liquidation_price", "bankruptcy_price", "liquidation_price_cross", "account_liquidation_prices",
    "round_to_tick",
    # funding
    "funding_rate_clamped", "funding_rate_okx", "funding_rate_deribit", "funding_rate_dydx", "funding_cap_dydx",
    "funding_payment", "funding_cost", "liquidation_price_after_funding", "liquidation_drift_from_funding",
    # scenarios
    "MoveOutcome", "loss_at_move", "scenario_grid", "funding_grid", "inverse_risk_shape",
    # sizing
    "position_size", "max_leverage_for_stop", "max_position_size", "margin_for_liquidation_at",
    "margin_to_add_for_distance", "size_to_cut_for_distance",
    # probability of liquidation
    "liquidation_distance", "liquidation_distance_sigma", "liquidation_probability",
    # options
    "Greeks", "ImpliedVol", "option_price", "greeks", "option_greek", "implied_vol", "implied_vol_reasons",
    "decay_curve", "option_decay", "option_pnl_grid", "option_leverage",
]

__version__ = "0.1.0"
