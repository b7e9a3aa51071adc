"""Spreadsheet functions for option and portfolio margin, the account's liquidation price with options, reverse
stress and ADL (issue 17), as :class:`~levxl.catalogue.SheetFunction` entries with the catalogue's cell semantics.

No formula lives here: the adapters below only choose which of an engine result's fields a cell shows and lay a
frontier or a scenario table out as rows. Account-level functions take one column per position field; an option's
strike, days and vol are blank on a perp's row. Every margin figure comes from a dated rule set (its name is a
function argument; ``LEVXL_MARGIN_RULES`` lists the sets with their dates and sources).
"""

from __future__ import annotations

import numpy as np

from levxl.book.options_book import PM_RULES_COMPARED, OptionsBookFigures, options_book_figures  # re-exported
from levxl.catalogue import Arg, SheetFunction
from levxl.engine import margin
from levxl.engine.margin import params as margin_params
from levxl.engine.margin.account_with_options import ACCOUNT_DOMAINS
from levxl.engine.margin.portfolio_margin import scenarios_of
from levxl.engine.validate import FRACTION, NONNEGATIVE, NUMBER, checked, spoil_whole_result

__all__ = ["MARGIN_FUNCTIONS", "OptionsBookFigures", "options_book_figures", "PM_RULES_COMPARED"]

A = Arg
_OPTION_OUTPUTS = ("im", "mm")
_PM_OUTPUTS = ("mm", "im", "worst_loss", "worst_move", "worst_vol_shock", "min_delta", "table")


def _option_output(result, selector):
    wanted = str(selector.get("output") or "im").strip().lower()
    if wanted not in _OPTION_OUTPUTS:
        raise ValueError(f'output must be "im" or "mm", got {wanted!r}')
    return getattr(result, wanted)


@checked(fee_provision=NUMBER, **{k: v for k, v in ACCOUNT_DOMAINS.items()
                                  if k in ("instruments", "sides", "sizes", "strikes", "days", "vols", "underlying",
                                           "contract")})
def pm_figure(instruments, sides, sizes, strikes=None, days=None, vols=None, underlying=None, rules="deribit",
              contract="linear", fee_provision=0.0, output="mm"):
    """One figure of :func:`levxl.engine.margin.pm_margin`, or its scenario table (move, vol shock, weight, book
    P&L) with ``output="table"`` (an adapter for LEVXL_PM_MARGIN)."""
    wanted = str(output or "mm").strip().lower()
    if wanted not in _PM_OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(_PM_OUTPUTS)}, got {wanted!r}")
    result = margin.pm_margin.raw(instruments, sides, sizes, strikes=strikes, days=days, vols=vols,
                                  underlying=underlying, rules=rules, contract=contract, fee_provision=fee_provision)
    if wanted != "table":
        return np.asarray(getattr(result, wanted), dtype=float)
    spoil_whole_result()  # every scenario's P&L is the whole book's: a bad position is never one column's error
    grid = scenarios_of(margin_params.pm_params(rules))
    return np.stack([grid.moves, grid.shocks, grid.weights, result.book_pnl], axis=-1)


@checked(**ACCOUNT_DOMAINS)
def liquidation_pair(instruments, sides, sizes, entries, strikes=None, days=None, vols=None, underlying=None,
                     wallet=None, mmr=0.005, contract="inverse", rules="deribit", vol_slope=0.0, funding_rates=0.0):
    """(down, up) of :func:`levxl.engine.margin.account_liquidation_with_options` (an adapter: cells show them as
    one row)."""
    r = margin.account_liquidation_with_options.raw(instruments, sides, sizes, entries=entries, strikes=strikes,
                                                    days=days, vols=vols, underlying=underlying, wallet=wallet,
                                                    mmr=mmr, contract=contract, rules=rules, vol_slope=vol_slope,
                                                    funding_rates=funding_rates)
    return np.asarray(r.down), np.asarray(r.up)


def _row(result, selector):
    return np.stack(result, axis=-1)


@checked(vol_shifts=NUMBER, funding_periods=NONNEGATIVE, loss_fraction=FRACTION, **ACCOUNT_DOMAINS)
def frontier_rows(instruments, sides, sizes, entries, strikes=None, days=None, vols=None, underlying=None,
                  wallet=None, mmr=0.005, contract="inverse", rules="deribit", vol_slope=0.0, funding_rates=0.0,
                  vol_shifts=0.0, funding_periods=0.0, loss_fraction=None):
    """The reverse-stress frontier as rows: vol shift, funding periods, move down, move up, price down, price up."""
    f = margin.account_reverse_stress.raw(instruments, sides, sizes, entries=entries, strikes=strikes, days=days,
                                          vols=vols, underlying=underlying, wallet=wallet, mmr=mmr,
                                          contract=contract, rules=rules, vol_slope=vol_slope,
                                          funding_rates=funding_rates, vol_shifts=vol_shifts,
                                          funding_periods=funding_periods, loss_fraction=loss_fraction)
    spoil_whole_result()  # every frontier point is the whole account's: a bad position is never one column's error
    # where no move reaches the threshold the engine's price is 0 (down) or inf (up); both show "no liquidation"
    # (the move "no move"), as the liquidation-price functions show it; with a loss fraction there is no price
    none = np.inf if loss_fraction is None else np.nan
    price_down = np.where(np.isnan(f.move_down) | (f.price_down <= 0), none, f.price_down)
    price_up = np.where(np.isnan(f.move_up) | np.isinf(f.price_up), none, f.price_up)
    return np.stack([f.vol_shift, f.funding_periods, f.move_down, f.move_up, price_down, price_up], axis=-1)


@checked()
def rule_sets(kind="option"):
    """The dated rule sets as rows: name, venue, as of, mirror?, source title, source URL (an adapter)."""
    wanted = str(kind or "option").strip().lower()
    if wanted not in ("option", "pm"):
        raise ValueError(f'kind must be "option" or "pm", got {wanted!r}')
    sets = margin_params.OPTION_MARGIN_SETS if wanted == "option" else margin_params.PM_SETS
    rows = [["name", "venue", "as of", "third-party mirror", "source", "url"]]
    for name, p in sets.items():
        if name == p.name:
            rows.append([p.name, p.venue, p.as_of, "yes" if p.mirror else "no", p.source_title, p.source_url])
    return rows


POSITIONS = [A("instruments", 'column of "perp", "call" or "put"', "vector"),
             A("sides", "column of long/short", "vector"),
             A("sizes", "column of sizes: coins (options, linear perps) or USD face (inverse perps)", "vector")]
OPTION_COLUMNS = [A("strikes", "column of strikes (blank for perps)", "vector", default=None, may_be_blank=True),
                  A("days", "column of days to expiry (blank for perps)", "vector", default=None, may_be_blank=True),
                  A("vols", "column of implied vols (blank for perps)", "vector", default=None, may_be_blank=True)]
ENTRIES = A("entries", "column of perp entry prices / option premiums per option (account currency)", "vector")
UNDERLYING = A("underlying", "the underlying's price now (USD)")
WALLET = A("wallet", "wallet balance in the account's currency (coin for an inverse account, USD for linear)")
ACCOUNT_TAIL = [A("mmr", "the perps' maintenance rate", default=0.005),
                A("contract", '"inverse" (coin account, Deribit; default) or "linear" (USD)', "text",
                  default="inverse"),
                A("rules", 'option margin rules: "deribit" (default), "aevo", "paradex", "bitcom-usd@2026", ...',
                  "single", default="deribit"),
                A("vol_slope", "vol change per unit relative move (-0.5: +5 vol points on a -10% move)", default=0.0),
                A("funding_rates", "column of the perps' funding rates per interval", "vector", default=0.0)]

MARGIN_FUNCTIONS = [
    SheetFunction(
        name="LEVXL_OPTION_MARGIN", summary="Standard margin of a short option under dated venue rules",
        category="Margin", engine=margin.short_option_margin,
        args=(A("type", '"call" or "put"', "text", engine_name="option_type"),
              A("underlying", "underlying price (USD)"), A("strike", "strike (USD)"),
              A("mark", "option mark price: coin (inverse) or USD (linear)"),
              A("size", "number of options, in coins of underlying", default=1.0), A("side", '"short" (default) or "long" (no margin)',
                                                             "text", default="short"),
              A("rules", '"deribit" (default), "aevo", "paradex", "bitcom-usd@2026", "bitcom-bch@2021"', "single",
                default="deribit"),
              A("settle", '"inverse" (coin, Deribit; default) or "linear" (USD)', "text", default="inverse",
                engine_name="contract"),
              A("output", '"im" (default) or "mm"', "single", default="im")),
        returns="margin in the settlement currency", example='=LEVXL_OPTION_MARGIN("call",50000,55000,0.02)',
        pick=_option_output),
    SheetFunction(
        name="LEVXL_ACCOUNT_LIQ_OPTIONS", summary="Underlying prices where an account with options hits its MM",
        category="Margin", engine=liquidation_pair,
        args=(*POSITIONS, ENTRIES, UNDERLYING, WALLET, *OPTION_COLUMNS, *ACCOUNT_TAIL),
        returns="one row: price below, price above (\"no liquidation\" where none)",
        example="=LEVXL_ACCOUNT_LIQ_OPTIONS(B2:B4,C2:C4,D2:D4,E2:E4,61850,0.8,F2:F4,G2:G4,H2:H4)",
        pick=_row, present="price", elementwise=False, stacked=2),
    SheetFunction(
        name="LEVXL_PM_MARGIN", summary="Portfolio margin of a book under a venue's scenario grid",
        category="Margin", engine=pm_figure,
        args=(*POSITIONS, UNDERLYING, *OPTION_COLUMNS,
              A("rules", '"deribit" (default), "paradex", "okx", "deribit-pm@2019", "okx-mr1@2024"', "single",
                default="deribit"),
              A("contract", '"linear" (USD; default) or "inverse" (coin)', "text", default="linear"),
              A("fee_provision", "fee (and funding) provision added to IM and MM", default=0.0),
              A("output", '"mm" (default), "im", "worst_loss", "worst_move", "worst_vol_shock", "min_delta" or '
                          '"table"', "single", default="mm")),
        returns="amount (USD or coin), a move, or the scenario table (move, vol shock, weight, book P&L)",
        example='=LEVXL_PM_MARGIN(B2:B4,C2:C4,D2:D4,61850,F2:F4,G2:G4,H2:H4,"paradex")', elementwise=False),
    SheetFunction(
        name="LEVXL_REVERSE_STRESS", summary="Smallest adverse moves that liquidate an account (or cost a share)",
        category="Margin", engine=frontier_rows,
        args=(*POSITIONS, ENTRIES, UNDERLYING, WALLET, *OPTION_COLUMNS, *ACCOUNT_TAIL,
              # one frontier point per row: a bad shift or period is the error of its own row (the grids' rule)
              A("vol_shifts", "vol shifts of the frontier, absolute (0.1 = +10 points)", "vector", default=0.0,
                axis=0),
              A("funding_periods", "funding intervals paid, one per frontier point", "vector", default=0.0,
                axis=0),
              A("loss_fraction", "blank: the move that liquidates; a fraction: the move that costs it", default=None)),
        returns="rows: vol shift, funding periods, move down, move up, price down, price up",
        example="=LEVXL_REVERSE_STRESS(B2:B4,C2:C4,D2:D4,E2:E4,61850,0.8,F2:F4,G2:G4,H2:H4,,,,,,{0;0.1;0.2})",
        elementwise=False, nan_means="no move", inf_means="no liquidation"),
    SheetFunction(
        name="LEVXL_ADL_RANK", summary="A venue's auto-deleveraging ranking key (higher = deleveraged first)",
        category="Margin", engine=margin.adl_key,
        args=(A("side", "long or short (also buy/sell, 1/-1)", "text"), A("entry", "entry price"),
              A("mark", "mark price"), A("size", "size: base coin (linear) or USD face value (inverse)"),
              A("leverage", "leverage, a multiple (BitMEX: fixes the bankruptcy price)", default=None, may_be_blank=True),
              A("margin", "isolated margin in the margin currency, instead of leverage", default=None, may_be_blank=True),
              A("venue", '"bitmex" (default), "binance" or "hyperliquid"', "text", default="bitmex"),
              A("account_value", "account value / collateral (Binance, Hyperliquid)", default=None,
                may_be_blank=True),
              A("contract", '"linear" (default) or "inverse"', "text", default="linear"),
              A("mmr", "maintenance rate, tier range or preset (Binance's maintenance margin)", "mmr",
                default=0.005)),
        returns="the ranking key", example='=LEVXL_ADL_RANK("long",100,110,1,10)'),
    SheetFunction(
        name="LEVXL_ADL_QUANTILE", summary="Place in the ADL queue: share of quantity ranked at or above, to 20%",
        category="Margin", engine=margin.adl_quantile,
        args=(A("keys", "column of ranking keys of one side", "vector"),
              A("quantities", "column of their quantities", "vector")),
        returns="a column: 0.2 (first fifth, deleveraged first) ... 1.0",
        example="=LEVXL_ADL_QUANTILE({3;6;1;4;5;2},{10;10;20;30;20;10})", elementwise=False),
    SheetFunction(
        name="LEVXL_ADL_ALLOCATION", summary="Quantity of each opposing position closed by ADL",
        category="Margin", engine=margin.adl_allocation,
        args=(A("keys", "column of ranking keys of one side", "vector"),
              A("quantities", "column of their quantities", "vector"),
              A("liquidated", "quantity of the liquidated position to absorb")),
        returns="a column of quantities closed", example="=LEVXL_ADL_ALLOCATION({3;6;1;4;5;2},{10;10;20;30;20;10},20)",
        elementwise=False),
    SheetFunction(
        name="LEVXL_MARGIN_RULES", summary="The dated margin rule sets with their sources (spills)",
        category="Margin", engine=rule_sets,
        args=(A("kind", '"option" (default) or "pm"', "text", default="option"),),
        returns="table: name, venue, as of, third-party mirror, source, url", example='=LEVXL_MARGIN_RULES("pm")',
        present="table", elementwise=False),
]

