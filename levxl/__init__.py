"""levxl: how leverage amplifies a crypto-derivatives desk's losses.

A pure, vectorised numpy engine (every function broadcasts like a ufunc: scalars in, scalar out) for linear and
inverse futures and perpetuals, options, funding and the probability of liquidation, with one catalogue of
spreadsheet functions over it (:mod:`levxl.catalogue`) that the Excel add-in, the headless recalc, the template and
the reports all read.

Units everywhere: rates and moves are fractions (0.01 = 1%), leverage is a multiple, size is base coin (linear) or
USD face value (inverse), time is in days unless a name says otherwise, amounts are in the margin currency.
"""

from levxl.contracts import average_entry, initial_margin, order_cost, pnl, position_value, roe, target_price
from levxl.funding import (funding_cap_dydx, funding_cost, funding_payment, funding_rate_clamped,
                           funding_rate_deribit, funding_rate_dydx, funding_rate_okx,
                           liquidation_drift_from_funding, liquidation_price_after_funding)
from levxl.liquidation import (DEFAULT_MMR, account_liquidation_prices, bankruptcy_price, liquidation_price,
                               liquidation_price_cross, maintenance_margin)
from levxl.scenarios import MoveOutcome, funding_grid, loss_at_move, scenario_grid
from levxl.sizing import margin_for_liquidation_at, max_leverage_for_stop, max_position_size, position_size
from levxl.tiers import TierTable, preset, presets

__version__ = "0.1.0"
