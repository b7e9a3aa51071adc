"""Option and portfolio margin, the account's liquidation price with options, reverse stress and ADL exposure.

Every figure names the dated parameter set it used (:mod:`levxl.engine.margin.params`).
"""

from levxl.engine.margin.account_with_options import AccountLiquidation, account_liquidation_with_options
from levxl.engine.margin.adl import adl_allocation, adl_key, adl_quantile
from levxl.engine.margin.option_margin import OptionMargin, short_option_margin
from levxl.engine.margin.params import OPTION_MARGIN_SETS, PM_SETS, option_params, pm_params
from levxl.engine.margin.portfolio_margin import PMResult, pm_margin
from levxl.engine.margin.reverse_stress import (Frontier, account_reverse_stress, perp_reverse_stress,
                                                position_reverse_stress)

__all__ = ["AccountLiquidation", "account_liquidation_with_options", "adl_allocation", "adl_key", "adl_quantile",
           "OptionMargin", "short_option_margin", "OPTION_MARGIN_SETS", "PM_SETS", "option_params", "pm_params",
           "PMResult", "pm_margin", "Frontier", "account_reverse_stress", "perp_reverse_stress",
           "position_reverse_stress"]
