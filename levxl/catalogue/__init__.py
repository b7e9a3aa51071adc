"""The catalogue of spreadsheet functions: one entry per ``LEVXL_`` function, over the engine.

Everything a spreadsheet sees is derived from :data:`CATALOGUE`: the xlwings UDF module (:mod:`levxl.udfs`), the
headless recalc's function table, the template's Functions sheet, ``levxl functions`` and ``docs/functions.md``.
No formula lives here: an entry names an engine function, its arguments (short names, one-line docs with units,
defaults) and how the engine's result becomes cells.

Calling an entry (``CATALOGUE["LEVXL_PNL"](...)``) follows spreadsheet semantics and never raises:

* arguments are what a spreadsheet passes: numbers, text, booleans, ``None`` for a blank cell or an omitted
  argument, or a 2-D range (list of rows, or a numpy array);
* ranges broadcast against each other like numpy arrays and the result spills in that shape (a single value for
  single-cell inputs);
* blank optional arguments, and blank cells inside an optional range, take their defaults; a list that lays out
  a result's rows or columns (a grid's moves, a frontier's vol shifts) drawn longer than its values has no rows
  for the blank cells after them;
* a bad element is an Excel error value in its own cell while the other elements still compute: a
  :class:`~levxl.catalogue.errors.CellError` with ``.code`` (``#VALUE!`` for bad input, ``#NUM!`` where no number
  exists, or the error of an error cell in an argument, passed on as Excel does) and ``.reason`` ("leverage must
  be > 0", naming the argument and what was expected, first; one line). It is also the old text
  ``"#VALUE! leverage must be > 0"`` (a ``str``), for callers that still write text. A problem with the whole
  call (ranges that don't line up, an empty range) gives one such error; a bad element of such a list is the
  error of its own row (column);
* hosts show real error values, so ``SUM``/``MIN`` over a column with a bad row show an error instead of silently
  leaving the row out; the reasons come from ``explain`` (the sheet function ``LEVXL_WHY("LIQ_PRICE", <the same
  arguments>)``, ``LEVXL.WHY`` in Office.js hosts), text in the shape of the result, "" where a cell is fine;
* names: ``LEVXL_X`` in classic Windows Excel and saved files (also ``_xll.``/``_xldudf_`` forms), ``LEVXL.X`` in
  Office.js hosts (Excel on Mac and the web through xlwings Lite, xlwings Server): :func:`lookup` takes any.

The cell semantics live in :mod:`levxl.catalogue.cells` (calls), :mod:`~levxl.catalogue.convert` (ranges to
arrays), :mod:`~levxl.catalogue.errors` (error values, messages), :mod:`~levxl.catalogue.scalar` (the single-cell
fast path) and :mod:`~levxl.catalogue.host` (what each Excel host gets); this module holds the entries.

Conventions for every function: ``side`` is long/short (also buy/sell, 1/-1, any case); ``contract`` is "linear"
(default) or "inverse"; size is base coin (linear) or USD face value (inverse); rates and moves are fractions
(Excel shows 1% as 0.01); leverage is a multiple; time is in days. Every ``mmr`` accepts a number (a flat rate), a
range of 2+ columns (notional floor, mmr[, cum]; one row = the position's own tier, floor ignored) or a shipped preset
name such as "binance:BTCUSDT" (latest) or "binance:BTCUSDT@2021".
"""

from __future__ import annotations

import functools
import inspect
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import levxl as lx
from levxl.engine import conventions, options, probability, venue_greeks
from levxl.engine.tiers import TierTable
from levxl.catalogue import cells
from levxl.catalogue.cells import NO_LIQUIDATION
from levxl.catalogue.errors import CellError

__all__ = ["Arg", "SheetFunction", "CATALOGUE", "CellError", "lookup", "canonical_name", "SPELLINGS", "spellings",
           "explain", "WHY_NAME", "NAMESPACE"]

log = logging.getLogger(__name__)

REQUIRED = object()


@dataclass(frozen=True)
class Arg:
    """One argument: spreadsheet name, one-line doc with units, kind, default (REQUIRED if none)."""

    name: str
    doc: str
    kind: str = "number"  # number | text | mmr | vector (a range flattened to a list) | single (one cell) | table
    default: Any = REQUIRED
    engine_name: str | None = None  # the engine's parameter name, when it differs
    may_be_blank: bool = False  # a required position that a blank cell may fill (the engine then decides)
    axis: int | None = None  # a grid's vector: the result's axis it runs along (0 = rows, 1 = columns)

    @property
    def optional(self) -> bool:
        return self.default is not REQUIRED

    @property
    def type_name(self) -> str:
        return {"number": "number", "text": "text", "mmr": "number, range or text", "vector": "range",
                "table": "range", "single": "one value", "mmr_each": "number, range or text",
                "liq_price": "number or text"}.get(self.kind, self.kind)


@dataclass(frozen=True)
class SheetFunction:
    """A spreadsheet function over one engine function."""

    name: str
    summary: str
    category: str
    engine: Callable
    args: tuple[Arg, ...]
    returns: str
    example: str
    pick: Callable[[Any, dict], Any] = field(default=lambda result, kwargs: result)
    present: str = "number"  # number | price (0/inf = no liquidation) | table; boolean results show TRUE/FALSE
    elementwise: bool = True  # every argument broadcasts cell by cell, and so does the result
    stacked: int = 0  # > 0: pick adds a last axis of this many values per element, laid out as a row
    nan_means: str = "#NUM! no value"
    inf_means: str | None = None  # text for an infinite result, when it has a meaning (no liquidation)

    def __call__(self, *values: Any) -> Any:
        """Spreadsheet call (see the module docstring). Returns a value or a 2-D list; never raises."""
        return cells.call(self, values)

    def evaluate(self, *values: Any) -> Any:
        """Like calling the entry, but ranges come back as a 2-D numpy array (float where every cell is a number,
        object otherwise): the form for callers that hold numpy columns already (the recalc's fast path)."""
        return cells.evaluate(self, values)

    def explain(self, *values: Any) -> Any:
        """``LEVXL_WHY``: the reason of each error cell of the same call, as text in the same shape ("" where a
        cell is fine)."""
        return cells.explain(self, values)

    @functools.cached_property
    def engine_params(self) -> frozenset:
        return frozenset(inspect.signature(self.engine).parameters)

    def sheet_names(self, message: str) -> str:
        """An engine message about a renamed argument in the spreadsheet's name ("risk_free_rate ..." -> "rate")."""
        for arg in self.args:
            if arg.engine_name and message.startswith(arg.engine_name + " "):
                return arg.name + message[len(arg.engine_name):]
        return message

    @property
    def signature(self) -> str:
        parts = [a.name if not a.optional else f"[{a.name}]" for a in self.args]
        return f"{self.name}({', '.join(parts)})"


# -- small adapters: shaping, not formulas ------------------------------------------------------------------------
def _field(name: str) -> Callable[[Any, dict], Any]:
    return lambda result, selector: getattr(result, name)


_OUTPUTS = {"pnl": "pnl", "roe": "roe", "liquidated": "liquidated", "equity": "equity", "price": "price",
            "liq_price": "liquidation_price"}


def _grid_output(result: Any, selector: dict) -> Any:
    wanted = str(selector.get("output") or "pnl").strip().lower()
    if wanted not in _OUTPUTS:
        raise ValueError(f'output must be one of {", ".join(_OUTPUTS)}, got {wanted!r}')
    return getattr(result, _OUTPUTS[wanted])


def _grid_present(result: Any, selector: dict) -> Any:
    return _grid_output(result, selector)


def _checked(**domains):  # adapters that are engine-shaped but not formulas use the same argument checks
    from levxl.engine.validate import checked

    return checked(**domains)


from levxl.engine.validate import NONNEGATIVE as _NONNEG  # noqa: E402
from levxl.engine.tiers import MAINTENANCE as _MMR  # noqa: E402


@_checked()
def tier_rows(preset):
    """The tier table of a preset as rows with a header (an adapter for LEVXL_TIERS)."""
    if isinstance(preset, TierTable):
        table = preset
    elif isinstance(preset, str):
        table = lx.preset(preset)
    else:  # a range or a number where a preset name belongs: say so, never echo the range
        raise ValueError('preset must be one text cell, e.g. "binance:BTCUSDT"')
    counted = table.counted_by  # "notional", or "size" (OKX)
    header = [["tier", f"{counted} floor", f"{counted} cap", "max leverage", "mmr", "cum"]]
    rows = [[r[0], r[1], r[2] if math.isfinite(r[2]) else "no cap", r[3], r[4], r[5]] for r in table.rows()]
    return header + rows


@_checked(notional=_NONNEG, mmr=_MMR)
def rate_and_amount(notional, mmr=lx.DEFAULT_MMR):
    """(mmr, maintenance amount) of the tier each notional falls in, stacked on the last axis."""
    from levxl.engine.tiers import maintenance_params

    rate, cum = maintenance_params(notional, mmr)
    return np.broadcast_arrays(rate, notional * rate - cum)


def _stack(result, selector):
    return np.stack(result, axis=-1)


def _entry(name, summary, category, engine, args, returns, example, **kw) -> SheetFunction:
    return SheetFunction(name=name, summary=summary, category=category, engine=engine, args=tuple(args),
                         returns=returns, example=example, **kw)


A = Arg
LIQ = A("liq_price", 'liquidation price ("no liquidation" accepted)', "liq_price")
SIDE = A("side", 'long or short (also buy/sell, 1/-1)', "text")
ENTRY = A("entry", "entry price", "number")
SIZE = A("size", "size: base coin (linear) or USD face value (inverse)")
LEVERAGE = A("leverage", "leverage, a multiple (10 = 10x); may be blank when margin is given", may_be_blank=True)
MMR = A("mmr", 'maintenance margin rate, tier range or preset ("binance:BTCUSDT"); default 0.005', "mmr",
        default=lx.DEFAULT_MMR)
MARGIN = A("margin", "isolated margin in the margin currency; default: entry value / leverage", default=None,
           may_be_blank=True)
CONTRACT = A("contract", '"linear" (default) or "inverse"', "text", default="linear")
FEE = A("fee", "close/liquidation fee rate on the value at that price (0.0005 = 0.05%)", default=0.0)
VENUE = A("venue", 'venue preset ("binance", "bybit", "okx", "kucoin", "bybit-inverse", ...): its conventions as '
                   'defaults (levxl.engine.venues); blank: none', "text", default=None)
TICK = A("tick", "price tick: round the price the venue's way (blank: no rounding)", default=None)
OPT = [A("type", '"call" or "put"', "text", engine_name="option_type"),
       A("underlying", "forward (black76) or spot (bs) price"), A("strike", "strike price"),
       A("days", "calendar days to expiry (0 = expiry: the payoff)"), A("vol", "annualised volatility (0.6 = 60%)")]
OPT_TAIL = [A("rate", "risk-free rate, annual fraction", default=0.0, engine_name="risk_free_rate"),
            A("model", '"black76" (default) or "bs"', "text", default="black76"),
            A("settle", '"linear" (default) or "inverse" (coin-settled, Deribit)', "text", default="linear",
              engine_name="contract")]

DISTANCE_FIX = [SIDE, ENTRY, SIZE, LEVERAGE, A("mark", "mark price now"),
                A("distance", "target distance: adverse move of the mark to liquidation, fraction (0.1 = 10%)"), MMR,
                MARGIN, CONTRACT]
"""Arguments of the two functions that bring a position back to a target distance (margin to add, size to cut)."""

FUNCTIONS = [
    _entry("LEVXL_LIQ_PRICE", "Isolated-margin liquidation price", "Liquidation",
           conventions.liquidation_price_at_venue,
           [SIDE, ENTRY, SIZE, LEVERAGE, MMR, MARGIN,
            A("contract", '"linear" or "inverse"; blank: linear, or the venue product\'s (binance-coinm: inverse); '
                          'with a venue that has both, its product for this contract', "text", default=None),
            A("fee", "fee rate inside the threshold, on the value at that price; blank: 0, or the venue's taker "
                     "rate where the venue counts it (OKX, Gate, Bitget)", default=None),
            A("basis", '"mark" (MM at the liquidation price) or "entry" (Bybit); blank: "mark", or the venue\'s',
              "text", default=None), VENUE, TICK],
           "price; \"no liquidation\" when no price liquidates the position", '=LEVXL_LIQ_PRICE("long",60000,2,10,'
           '"binance:BTCUSDT")', present="price"),
    _entry("LEVXL_LIQ_PRICE_CROSS", "Cross-margin liquidation price", "Liquidation", lx.liquidation_price_cross,
           [SIDE, ENTRY, SIZE, A("wallet", "wallet balance in the margin currency"), MMR,
            A("other_mm", "maintenance margin of the account's other positions", default=0.0),
            A("other_upnl", "unrealised PnL of the account's other positions", default=0.0), CONTRACT, FEE],
           "price", '=LEVXL_LIQ_PRICE_CROSS("long",100,1,5,0.004,4)', present="price"),
    _entry("LEVXL_ACCOUNT_LIQ_PRICES", "Each position's cross-margin liquidation price in one account",
           "Liquidation", lx.account_liquidation_prices,
           [A("sides", "column of long/short", "vector"), A("entries", "column of entry prices", "vector"),
            A("sizes", "column of sizes", "vector"), A("marks", "column of mark prices", "vector"),
            A("wallet", "wallet balance in the margin currency"), A("mmr", "rate, preset, tier range, or a column with one per position",
                                            "mmr_each", default=lx.DEFAULT_MMR),
            A("contract", '"linear" (default) or "inverse" for the whole account', "text", default="linear")],
           "a column: one price per position", "=LEVXL_ACCOUNT_LIQ_PRICES(C2:C5,D2:D5,E2:E5,F2:F5,50000)",
           present="price", elementwise=False),
    _entry("LEVXL_BANKRUPTCY_PRICE", "Bankruptcy price (margin exhausted, less the fee to close)", "Liquidation",
           lx.bankruptcy_price, [SIDE, ENTRY, SIZE, LEVERAGE, MARGIN, CONTRACT, FEE], "price",
           '=LEVXL_BANKRUPTCY_PRICE("long",10000,1,50)', present="price"),
    _entry("LEVXL_PNL", "PnL of closing at a price", "Position", lx.pnl,
           [SIDE, ENTRY, A("exit", "exit (or mark) price"), SIZE, CONTRACT], "PnL in the margin currency",
           '=LEVXL_PNL("long",7000,8000,200,"inverse")'),
    _entry("LEVXL_ROE", "Return on initial margin", "Position", lx.roe,
           [SIDE, ENTRY, A("exit", "exit (or mark) price"), A("leverage", "leverage, a multiple"), CONTRACT],
           "fraction of the initial margin", '=LEVXL_ROE("long",100000,95000,10)'),
    _entry("LEVXL_TARGET_PRICE", "Exit price that earns a given ROE", "Position", lx.target_price,
           [SIDE, ENTRY, A("leverage", "leverage, a multiple"), A("roe", "target ROE, fraction (0.5 = 50%)"),
            CONTRACT], "price", '=LEVXL_TARGET_PRICE("long",100000,10,0.5)',
           nan_means="#NUM! no price gives that ROE"),
    _entry("LEVXL_AVG_ENTRY", "Average entry price over fills", "Position", lx.average_entry,
           [A("prices", "fill prices", "vector"), A("sizes", "fill sizes", "vector"), CONTRACT], "price",
           "=LEVXL_AVG_ENTRY(B2:B6,C2:C6)", elementwise=False),
    _entry("LEVXL_MARGIN", "Initial margin", "Position", lx.initial_margin,
           [SIZE, ENTRY, A("leverage", "leverage, a multiple"), CONTRACT], "margin-currency amount",
           "=LEVXL_MARGIN(2,60000,10)"),
    _entry("LEVXL_ORDER_COST", "Margin an order ties up: IM + fee to open + fee to close at bankruptcy",
           "Position", lx.order_cost,
           [SIDE, SIZE, ENTRY, A("leverage", "leverage, a multiple"), A("fee", "taker fee rate"), CONTRACT],
           "margin-currency amount", '=LEVXL_ORDER_COST("long",1,10000,50,0.00075)'),
    _entry("LEVXL_MAINT_MARGIN", "Maintenance margin at a price", "Liquidation", lx.maintenance_margin,
           [SIZE, A("price", "mark price"), MMR, CONTRACT], "margin-currency amount",
           '=LEVXL_MAINT_MARGIN(10,100000,"binance:BTCUSDT")'),
    _entry("LEVXL_MMR", "Maintenance rate and amount of the tier of a notional", "Liquidation", rate_and_amount,
           [A("notional", "position value in the margin currency"), MMR], "two cells: mmr, maintenance margin",
           '=LEVXL_MMR(1000000,"binance:BTCUSDT")', pick=_stack, stacked=2, elementwise=False),
    _entry("LEVXL_TIERS", "A shipped tier table (spills)", "Liquidation", tier_rows,
           [A("preset", 'preset name, e.g. "binance:BTCUSDT" or "binance:BTCUSDT@2021"', "text")],
           "table: tier, floor, cap, max leverage, mmr, cum", '=LEVXL_TIERS("binance:BTCUSDT")', present="table",
           elementwise=False),
    _entry("LEVXL_LOSS_AT_MOVE", "PnL after a price move, liquidation included", "Scenario", lx.loss_at_move,
           [SIDE, ENTRY, SIZE, LEVERAGE, A("move", "price move, fraction of the mark (of the entry without a mark; "
                                                   "-0.1 = -10%)"), MMR, MARGIN,
            CONTRACT, FEE, A("funding_rate", "funding rate per interval (longs pay when > 0)", default=0.0),
            A("funding_periods", "funding intervals held", default=0.0),
            A("mark", "mark price now: the move and the path start there (blank: at the entry)", default=None)],
           "PnL in the margin currency (negative = loss); isolated loss capped at the margin",
           '=LEVXL_LOSS_AT_MOVE("long",100000,1,10,-0.05)', pick=_field("pnl")),
    _entry("LEVXL_SCENARIO_GRID", "Move x leverage grid (spills)", "Scenario", lx.scenario_grid,
           [SIDE, ENTRY, SIZE, A("moves", "price moves (a column or row)", "vector", axis=0),
            A("leverages", "leverages (a row or column)", "vector", axis=1), MMR, CONTRACT,
            A("output", '"pnl" (default), "roe", "liquidated", "equity" or "liq_price"', "single", default="pnl")],
           "rows = moves, columns = leverages", '=LEVXL_SCENARIO_GRID("long",60000,1,{-0.2;-0.1;0.1},{5,10,20})',
           pick=_grid_output, elementwise=False),
    _entry("LEVXL_FUNDING_GRID", "Move x funding-intervals grid (spills)", "Scenario", lx.funding_grid,
           [SIDE, ENTRY, SIZE, A("leverage", "leverage, a multiple"), A("moves", "price moves", "vector", axis=0),
            A("periods", "numbers of funding intervals", "vector", engine_name="funding_periods", axis=1),
            A("funding_rate", "rate per interval"), MMR,
            CONTRACT, A("output", '"pnl" (default), "roe", "liquidated", "equity" or "liq_price"', "single",
                        default="pnl")],
           "rows = moves, columns = intervals", '=LEVXL_FUNDING_GRID("long",60000,1,10,{-0.05;0},{0,90},0.0003)',
           pick=_grid_output, elementwise=False),
    _entry("LEVXL_POSITION_SIZE", "Size whose stop-out loses equity x risk (fees included)", "Sizing",
           lx.position_size, [A("equity", "account equity in the margin currency"),
                              A("risk", "fraction of equity to risk (0.01 = 1%)"), ENTRY, A("stop", "stop price"),
                              A("fee", "taker fee rate, paid to open and to close", default=0.0), CONTRACT],
           "size: coin (linear) or USD face (inverse)", "=LEVXL_POSITION_SIZE(10000,0.01,100,95)"),
    _entry("LEVXL_MAX_LEVERAGE", "Highest leverage whose liquidation price stays beyond the stop", "Sizing",
           lx.max_leverage_for_stop, [SIDE, ENTRY, A("stop", "stop price"), MMR,
                                      A("buffer", "extra distance beyond the stop, fraction of the stop", default=0.0),
                                      CONTRACT, FEE, A("size", "size (coin or USD face), to pick the tier of a tier table", default=None)],
           "leverage, a multiple (round down)", '=LEVXL_MAX_LEVERAGE("long",100,90)',
           nan_means="#NUM! no leverage"),
    _entry("LEVXL_MAX_SIZE", "Largest size a margin balance opens at a leverage (tier caps included)", "Sizing",
           lx.max_position_size, [SIDE, A("available", "available margin"), ENTRY,
                                  A("leverage", "leverage, a multiple"), A("mmr", "maintenance rate, tier preset or "
                                                                          "range for the tier cap", "mmr", default=None),
                                  A("fee", "taker fee rate", default=0.0), CONTRACT],
           "size", '=LEVXL_MAX_SIZE("long",1000,60000,20,"binance:BTCUSDT",0.0005)'),
    _entry("LEVXL_MARGIN_TO_ADD", "Margin to add so the liquidation price is a target distance from the mark",
           "Sizing", lx.margin_to_add_for_distance,
           DISTANCE_FIX,
           "margin-currency amount (0 when already that far)", '=LEVXL_MARGIN_TO_ADD("long",60000,1,20,60000,0.1)'),
    _entry("LEVXL_SIZE_TO_CUT", "Size to close, margin kept, so the liquidation price is a target distance away",
           "Sizing", lx.size_to_cut_for_distance,
           DISTANCE_FIX,
           "size to close: coin (linear) or USD face (inverse); 0 when already that far",
           '=LEVXL_SIZE_TO_CUT("long",60000,1,20,60000,0.1)'),
    _entry("LEVXL_FUNDING_COST", "Funding paid over a holding period", "Funding", lx.funding_cost,
           [SIDE, A("notional", "position value in the margin currency"),
            A("rate", "funding rate per interval", engine_name="funding_rate"),
            A("periods", "number of funding intervals", engine_name="funding_periods")],
           "amount paid (negative = received)",
           '=LEVXL_FUNDING_COST("long",100000,0.0001,90)'),
    _entry("LEVXL_FUNDING_RATE", "Funding rate, Binance/Bybit/BitMEX clamp form", "Funding",
           lx.funding_rate_clamped, [A("premium", "average premium index per interval"),
                                     A("interest", "interest per interval", default=0.0001),
                                     A("clamp", "clamp around the interest", default=0.0005),
                                     A("cap", "per-symbol cap", default=None)], "rate per interval",
           "=LEVXL_FUNDING_RATE(-0.00184)"),
    _entry("LEVXL_LIQ_PRICE_FUNDING", "Liquidation price after funding drawn from isolated margin", "Funding",
           lx.liquidation_price_after_funding,
           [SIDE, ENTRY, SIZE, LEVERAGE, A("rate", "funding rate per interval", engine_name="funding_rate"),
            A("periods", "intervals paid", engine_name="funding_periods"), MMR, MARGIN, CONTRACT], "price",
           '=LEVXL_LIQ_PRICE_FUNDING("long",100,1,10,0.001,30)', present="price"),
    _entry("LEVXL_LIQ_DISTANCE", "Adverse move from the mark to the liquidation price", "Probability",
           probability.liquidation_distance, [SIDE, A("mark", "mark price"), LIQ],
           "the signed adverse move of the mark that reaches the liquidation price, a fraction of the mark (0.1 = "
           "10% away; negative = the mark is already past it)", '=LEVXL_LIQ_DISTANCE("long",60000,54000)',
           inf_means=NO_LIQUIDATION),
    _entry("LEVXL_LIQ_DISTANCE_SIGMA", "Distance to liquidation in one-day standard deviations", "Probability",
           probability.liquidation_distance_sigma,
           [SIDE, A("mark", "mark price"), LIQ, A("vol", "annualised volatility")],
           "sigma-days: the adverse log move of the mark to the liquidation price in one-day standard deviations "
           "(negative = the mark is already past it)", '=LEVXL_LIQ_DISTANCE_SIGMA("long",60000,54000,0.6)',
           inf_means=NO_LIQUIDATION),
    _entry("LEVXL_LIQ_PROBABILITY", "Probability the mark touches the liquidation price within some days",
           "Probability", probability.liquidation_probability,
           [SIDE, A("mark", "mark price"), LIQ, A("vol", "annualised volatility"),
            A("days", "horizon in days"), A("drift", "annualised drift of the price", default=0.0)],
           "probability 0..1 (GBM first passage)", '=LEVXL_LIQ_PROBABILITY("long",60000,54000,0.6,7)'),
    _entry("LEVXL_OPTION_PRICE", "Option price (Black-76 or Black-Scholes; linear or coin-settled)", "Options",
           options.option_price, [*OPT, *OPT_TAIL], "price: USD (linear) or coin (inverse)",
           '=LEVXL_OPTION_PRICE("call",60000,65000,30,0.6)'),
    _entry("LEVXL_OPTION_GREEK", "One greek of an option", "Options", venue_greeks.option_greek_at_venue,
           [A("greek", "price, delta, gamma, vega (per vol point), theta (per day) or rho (per 1%)", "text"), *OPT,
            *OPT_TAIL, A("venue", '"deribit": as Deribit\'s ticker shows it (BS on the underlying, USD greeks, price '
                              'in coin); blank: levxl\'s', "text", default=None)],
           "the greek in its unit", '=LEVXL_OPTION_GREEK("theta","call",60000,65000,30,0.6)'),
    _entry("LEVXL_OPTION_DECAY", "Value an option loses over a horizon, all else equal", "Options",
           options.option_decay, [*OPT, A("horizon", "days that pass"), *OPT_TAIL], "value lost (positive = lost)",
           '=LEVXL_OPTION_DECAY("call",60000,65000,30,0.6,7)'),
    _entry("LEVXL_OPTION_LEVERAGE", "Effective leverage of an option (lambda = delta x S / V)", "Options",
           options.option_leverage, [*OPT, *OPT_TAIL], "a multiple",
           '=LEVXL_OPTION_LEVERAGE("call",60000,65000,30,0.6)'),
    _entry("LEVXL_OPTION_PNL_GRID", "Option position PnL over price moves x days passed (spills)", "Options",
           options.option_pnl_grid,
           [*OPT, A("quantity", "number of options (negative = short)"), A("moves", "price moves (a column)", "vector", axis=0),
            A("days_passed", "days passed (a row)", "vector", axis=1),
            A("vol_shift", "absolute vol change, annualised (0.1 = +10 vol points)", "single", default=0.0,
              engine_name="vol_shifts"), *OPT_TAIL],
           "rows = moves, columns = days passed; USD (linear) or coin (inverse)",
           '=LEVXL_OPTION_PNL_GRID("call",60000,65000,30,0.6,-1,{-0.2;0;0.2},{0,7,30})', elementwise=False),
    _entry("LEVXL_IMPLIED_VOL", "Implied volatility from an option price", "Options", options.implied_vol,
           [A("price", "option price: USD (linear) or coin (inverse)"), *OPT[:4], *OPT_TAIL],
           "annualised volatility", '=LEVXL_IMPLIED_VOL(3000,"call",60000,65000,30)',
           nan_means="#NUM! no volatility fits that price"),
]

FUNCTIONS += [  # venue conventions (issue 12)
    _entry("LEVXL_ROUND_PRICE", "A liquidation or bankruptcy price rounded to the tick the venue's way", "Liquidation",
           conventions.round_price,
           [A("price", "the unrounded price"), SIDE, A("tick", "price tick of the instrument"),
            A("kind", '"liquidation" (default) or "bankruptcy"', "text", default="liquidation"), VENUE],
           "price on the tick; blank venue: long up, short down", '=LEVXL_ROUND_PRICE(4021.776,"long",0.05,'
           '"bankruptcy","kucoin")', present="price"),
    _entry("LEVXL_CLOSE_FEE", "Estimated fee to close at the bankruptcy price (in Bybit UTA margins)", "Position",
           conventions.close_fee_at_bankruptcy,
           [SIDE, ENTRY, SIZE, LEVERAGE, A("fee", "taker fee rate; blank: the venue's (dated), else 0", default=None),
            CONTRACT, MARGIN, VENUE],
           "margin-currency amount; Bybit UTA position margin = LEVXL_MARGIN + this, MM = LEVXL_MAINT_MARGIN at "
           "the entry + this", '=LEVXL_CLOSE_FEE("long",50000,0.5,10,0.00055)'),
    _entry("LEVXL_VENUE_MARGIN", "Isolated margin of a venue's liquidation equation (a Bybit margin less the fee "
           "to close it holds)", "Position", conventions.margin_at_venue,
           [SIDE, ENTRY, SIZE, LEVERAGE, MARGIN,
            A("contract", '"linear" or "inverse"; blank: linear, or the venue product\'s', "text", default=None),
            A("fee", "the account's taker fee rate; blank: the venue's (dated)", default=None), VENUE],
           "margin-currency amount: the margin given (Bybit UTA: less the fee to close), else entry value / leverage",
           '=LEVXL_VENUE_MARGIN("long",51000,1,10,5127.54,"linear",0.0006,"bybit")'),
    _entry("LEVXL_FUNDING_INTERVAL", "Hours between funding payments at a venue", "Funding", conventions.funding_hours,
           [A("venue", 'venue ("hyperliquid", "binance", "bybit", ...)', "text"),
            A("symbol", "symbol, for a per-symbol interval where documented", "text", default=None)],
           "hours (NaN: no funding)", '=LEVXL_FUNDING_INTERVAL("hyperliquid")',
           nan_means="#N/A no funding for this product"),
    _entry("LEVXL_WITHIN_TIER_LIMITS", "Whether leverage and notional are within the tier table's limits", "Liquidation",
           conventions.within_tier_limits,
           [SIZE, A("price", "mark price (the tier of the notional at the mark)"),
            A("leverage", "effective leverage, a multiple"), MMR, CONTRACT],
           "TRUE, or FALSE when the leverage exceeds the tier's max leverage or the notional the top cap",
           '=LEVXL_WITHIN_TIER_LIMITS(10,100000,100,"binance:BTCUSDT")'),
]

CATALOGUE: dict[str, SheetFunction] = {f.name: f for f in FUNCTIONS}
"""Every spreadsheet function by its Excel name."""

SPELLINGS = ("", "_xll.", "_xldudf_")
"""Prefixes a saved workbook can put before a LEVXL_ name (Excel's add-in and UDF forms). Office.js hosts (Excel on
Mac and the web, xlwings Server) show the same function as ``LEVXL.X`` (the ``LEVXL`` namespace): see
:func:`spellings` for every form and :func:`canonical_name`, which accepts them all."""

NAMESPACE = "LEVXL"
"""The Office.js namespace: ``=LEVXL.LIQ_PRICE(...)`` there, ``=LEVXL_LIQ_PRICE(...)`` in classic Windows Excel."""


def spellings(name: str) -> list[str]:
    """Every spelling of one function a workbook can hold: ``LEVXL_X``, ``_xll.LEVXL_X``, ``_xldudf_LEVXL_X``,
    ``LEVXL.X``, ``_xll.LEVXL.X`` and ``_xldudf_LEVXL.X`` (for registering the catalogue in another engine)."""
    dotted = NAMESPACE + "." + name[len(NAMESPACE) + 1:]
    return [prefix + form for form in (name, dotted) for prefix in SPELLINGS]


def canonical_name(name: str) -> str | None:
    """``LEVXL_X`` for any spelling a file or host can hold (``_xll.LEVXL_X``, ``_xldudf_LEVXL_X``, the Office.js
    ``LEVXL.X``, any case)."""
    upper = name.strip().upper()
    for prefix in ("_XLL.", "_XLDUDF_"):
        if upper.startswith(prefix):
            upper = upper[len(prefix):]
    if upper.startswith(NAMESPACE + "."):
        upper = NAMESPACE + "_" + upper[len(NAMESPACE) + 1:]
    return upper if upper in CATALOGUE else None


def lookup(name: str) -> SheetFunction | None:
    """The catalogue entry of any spelling of a function name (see :func:`canonical_name`), or None."""
    canonical = canonical_name(name)
    return CATALOGUE.get(canonical) if canonical else None


WHY_NAME = "LEVXL_WHY"


def explain(function: Any, *values: Any) -> Any:
    """``=LEVXL_WHY("LIQ_PRICE", <the same arguments>)``: the reason behind each error cell of that call, as
    text in the result's shape, ``""`` where a cell is fine. ``function`` is any spelling of the name, with or
    without the ``LEVXL_`` prefix (``"LIQ_PRICE"``, ``"LEVXL_LIQ_PRICE"``, ``"LEVXL.LIQ_PRICE"``)."""
    if isinstance(function, list):
        function = function[0][0] if function and isinstance(function[0], list) and function[0] else None
    if not isinstance(function, str) or not function.strip():
        return "function must be a LEVXL function name, e.g. \"LIQ_PRICE\""
    text = function.strip()
    entry = lookup(text) or lookup(NAMESPACE + "_" + text)
    if entry is None:
        shown = text if len(text) <= 30 else text[:27] + "..."
        return f"function: no LEVXL function named {shown!r}"
    return entry.explain(*values)


from levxl.catalogue.margin import MARGIN_FUNCTIONS; FUNCTIONS += MARGIN_FUNCTIONS; CATALOGUE.update({f.name: f for f in MARGIN_FUNCTIONS})  # noqa: E402,E702 (issue 17: margin functions)
