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
* blank optional arguments, and blank cells inside an optional range, take their defaults;
* a bad element gives a short message in its own cell, e.g. ``#VALUE! leverage must be > 0``, while the other
  elements still compute; a problem with the whole call gives one such message.

Conventions for every function: ``side`` is long/short (also buy/sell, 1/-1, any case); ``contract`` is "linear"
(default) or "inverse"; size is base coin (linear) or USD face value (inverse); rates and moves are fractions
(Excel shows 1% as 0.01); leverage is a multiple; time is in days. Every ``mmr`` accepts a number (a flat rate), a
range of 2+ columns (notional floor, mmr[, cum]; one row = the position's own tier, floor ignored) or a shipped preset
name such as "binance:BTCUSDT" (latest) or "binance:BTCUSDT@2021".
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import levxl as lx
from levxl.engine import conventions, options, probability, venue_greeks
from levxl.engine.tiers import TierTable

__all__ = ["Arg", "SheetFunction", "CATALOGUE", "lookup", "canonical_name", "SPELLINGS"]

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
        result = self.evaluate(*values)
        return result.tolist() if isinstance(result, np.ndarray) else result

    def evaluate(self, *values: Any) -> Any:
        """Like calling the entry, but ranges come back as a 2-D numpy array (float where every cell is a number,
        object otherwise): the form for callers that hold numpy columns already (the recalc's fast path)."""
        try:
            if len(values) > len(self.args):
                return f"#VALUE! {self.name} takes at most {len(self.args)} arguments"
            kwargs = {}
            for arg, value in zip(self.args, values + (None,) * (len(self.args) - len(values))):
                converted = _convert(arg, value)
                if converted is _MISSING:
                    if arg.may_be_blank:
                        continue
                    if not arg.optional:
                        return f"#VALUE! {arg.name} is required"
                    if arg.default is None:
                        continue
                    converted = arg.default
                kwargs[arg.engine_name or arg.name] = converted
            selector = {k: kwargs.pop(k) for k in ("output",) if k in kwargs and "output" not in _params(self)}
            if "liq_price" in kwargs and any(a.kind == "liq_price" for a in self.args):
                kwargs["liq_price"] = _no_liquidation_sentinels(kwargs["liq_price"], kwargs.get("side"))
            result, reasons = self.engine.elementwise(**kwargs)
            if reasons is not None and any(a.engine_name for a in self.args):
                reasons = np.frompyfunc(self._sheet_names, 1, 1)(reasons)
            values_out = self.pick(result, selector)
            return _present(values_out, reasons, self)
        except ValueError as exc:
            return _error(self._sheet_names(str(exc)))
        except Exception as exc:  # a bug must not show a traceback in a cell; it is logged instead
            log.exception("%s failed", self.name)
            return f"#VALUE! levxl internal error ({type(exc).__name__})"

    def _sheet_names(self, message: str) -> str:
        """An engine message about a renamed argument in the spreadsheet's name ("risk_free_rate ..." -> "rate")."""
        for arg in self.args:
            if arg.engine_name and message.startswith(arg.engine_name + " "):
                return arg.name + message[len(arg.engine_name):]
        return message

    @property
    def signature(self) -> str:
        parts = [a.name if not a.optional else f"[{a.name}]" for a in self.args]
        return f"{self.name}({', '.join(parts)})"


def _params(fn: SheetFunction) -> set[str]:
    import inspect

    return set(inspect.signature(fn.engine).parameters)


_MISSING = object()


def _error(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "bad input"
    return "#VALUE! " + (first if len(first) <= 160 else first[:157] + "...")


def _as_array(value: Any) -> np.ndarray:
    """A range as a 2-D numpy array, built from one flat list because numpy converts a flat list ~10x faster
    than a list of one-element lists (measured: 0.02 s vs 0.2 s for 1e6 rows). Numbers become float, all-text
    ranges unicode, anything mixed (blanks, booleans, text among numbers) object, so nothing is coerced."""
    if isinstance(value, np.ndarray):
        return value if value.ndim == 2 else np.atleast_2d(value)
    rows = value if value and isinstance(value[0], (list, tuple)) else [value]
    widths = set(map(len, rows))
    if len(widths) != 1:
        raise ValueError("ranges must be rectangular")
    width = widths.pop()
    flat = list(itertools.chain.from_iterable(rows))
    kinds = set(map(type, flat))
    if kinds <= {float, int}:
        array = np.array(flat, dtype=float)
    elif kinds == {str}:
        array = np.array(flat, dtype=str)
    else:
        array = np.empty(len(flat), dtype=object)
        array[:] = flat
    return array.reshape(len(rows), width)


NO_LIQUIDATION = "no liquidation"


def _no_liquidation_sentinels(liq_price: Any, side: Any) -> Any:
    """A liquidation price cell showing "no liquidation" becomes the engine's sentinel: 0 for a long, inf for a
    short, so distance and probability functions take LEVXL_LIQ_PRICE's output as it is."""
    prices = np.asarray(liq_price, dtype=object)
    marked = np.frompyfunc(lambda v: isinstance(v, str) and v.strip().lower() == NO_LIQUIDATION, 1, 1)(prices)
    marked = np.asarray(marked, dtype=bool)
    if not marked.any():
        return liq_price
    from levxl.engine.validate import SIDE as side_domain

    sides, _ = side_domain.convert(side if side is not None else 1.0)
    sentinel = np.where(np.broadcast_to(sides, np.broadcast_shapes(np.shape(sides), prices.shape)) < 0, np.inf, 0.0)
    shape = np.broadcast_shapes(prices.shape, sentinel.shape)
    out = np.array(np.broadcast_to(prices, shape), dtype=object)
    marked = np.broadcast_to(marked, shape)
    out[marked] = np.broadcast_to(sentinel, shape)[marked]
    return out if out.ndim else out[()]


def _one_tier(row: np.ndarray) -> TierTable:
    """A one-row tier range (floor, mmr[, cum]): the position's own tier, whatever its notional."""
    try:
        values = [float(v) for v in row[1:3] if v is not None and not isinstance(v, (str, bool))]
    except (TypeError, ValueError):
        values = []
    if not values or len(values) != len([v for v in row[1:3] if v not in (None, "")]):
        raise ValueError("tier range must hold numbers: notional floor, mmr[, cum]")
    return TierTable.fixed(*values, source="range")


def _is_range(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _convert(arg: Arg, value: Any) -> Any:
    """A spreadsheet value -> an engine argument, or _MISSING for a blank optional argument."""
    if _is_range(value):
        array = _as_array(value)
        if array.dtype.kind in "OU":
            blanks = np.frompyfunc(_blank, 1, 1)(array).astype(bool) if array.dtype == object else array == ""
            if blanks.all():
                return _MISSING
            if blanks.any() and (arg.may_be_blank or (arg.optional and arg.default is not None)):
                array = array.astype(object)
                array[blanks] = np.nan if arg.may_be_blank else arg.default
        if arg.kind == "single":
            if array.size != 1:
                raise ValueError(f"{arg.name} must be a single value")
            return array.reshape(-1)[0]
        if arg.kind == "vector":
            flat = array.reshape(-1)
            return flat[~np.frompyfunc(_blank, 1, 1)(flat).astype(bool)] if flat.dtype == object else flat
        if arg.kind == "mmr_each" and array.shape[1] == 1:
            return array.reshape(-1)  # one rate or preset per position of an account
        if arg.kind in ("mmr", "mmr_each") and array.shape[1] >= 2:
            return TierTable.from_rows(array.tolist()) if array.shape[0] > 1 else _one_tier(array[0])
        if arg.kind == "table":
            return array
        return array
    if _blank(value):
        return _MISSING
    if isinstance(value, bool):
        return value  # the engine's domains refuse booleans where numbers belong, with a message
    if isinstance(value, float) and math.isnan(value):
        return _MISSING
    return value


def _present(values: Any, reasons: np.ndarray | None, fn: SheetFunction) -> Any:
    """Engine output -> a cell value or 2-D list, with each bad element's reason in its own cell."""
    if fn.present == "table":
        return np.array(values, dtype=object)
    array = np.asarray(values)
    if array.dtype == bool:
        cells = array.astype(object)
    else:
        numbers = array.astype(float)
        finite = np.isfinite(numbers)
        if fn.present == "price":
            none = ~finite | (numbers == 0)
            special = np.where(none & ~np.isnan(numbers), "no liquidation", fn.nan_means)
        else:
            infinite = fn.inf_means or np.where(numbers > 0, "#NUM! +infinity", "#NUM! -infinity")
            special = np.where(np.isnan(numbers), fn.nan_means, infinite)
            none = ~finite
        if none.any():
            cells = numbers.astype(object)
            cells[none] = special[none]
        else:
            cells = numbers
    if reasons is not None:
        if fn.stacked:
            reasons = reasons[..., None]  # the values stacked for an element share its reason
        reasons = np.broadcast_to(reasons, cells.shape)
        bad = reasons != ""
        if bad.any():
            cells = np.array(cells, dtype=object)
            cells[bad] = np.char.add("#VALUE! ", reasons[bad].astype(str)).astype(object)
    if cells.ndim == 0:
        item = cells[()]
        return item.item() if hasattr(item, "item") else item
    if fn.stacked:
        cells = cells.reshape(-1, fn.stacked)
    if cells.ndim == 1:
        cells = cells.reshape(-1, 1)
    if cells.ndim > 2:
        cells = cells.reshape(cells.shape[0], -1)
    return cells


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


from levxl.engine.validate import NONNEGATIVE as _NONNEG, NUMBER as _NUM  # noqa: E402
from levxl.engine.tiers import MAINTENANCE as _MMR  # noqa: E402


@_checked()
def tier_rows(preset):
    """The tier table of a preset as rows with a header (an adapter for LEVXL_TIERS)."""
    table = lx.preset(str(preset)) if not isinstance(preset, TierTable) else preset
    header = [["tier", "notional floor", "notional cap", "max leverage", "mmr", "cum"]]
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

FUNCTIONS = [
    _entry("LEVXL_LIQ_PRICE", "Isolated-margin liquidation price", "Liquidation",
           conventions.liquidation_price_at_venue,
           [SIDE, ENTRY, SIZE, LEVERAGE, MMR, MARGIN, CONTRACT,
            A("fee", "fee rate inside the threshold, on the value at that price; blank: 0, or the venue's taker "
                     "rate where the venue counts it (OKX, Gate)", default=None),
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
            A("wallet", "wallet balance"), A("mmr", "rate, preset, tier range, or a column with one per position",
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
           [SIDE, ENTRY, SIZE, LEVERAGE, A("move", "price move from entry, fraction (-0.1 = -10%)"), MMR, MARGIN,
            CONTRACT, FEE, A("funding_rate", "funding rate per interval (longs pay when > 0)", default=0.0),
            A("funding_periods", "funding intervals held", default=0.0)],
           "PnL in the margin currency (negative = loss); isolated loss capped at the margin",
           '=LEVXL_LOSS_AT_MOVE("long",100000,1,10,-0.05)', pick=_field("pnl")),
    _entry("LEVXL_SCENARIO_GRID", "Move x leverage grid (spills)", "Scenario", lx.scenario_grid,
           [SIDE, ENTRY, SIZE, A("moves", "price moves (a column or row)", "vector"),
            A("leverages", "leverages (a row or column)", "vector"), MMR, CONTRACT,
            A("output", '"pnl" (default), "roe", "liquidated", "equity" or "liq_price"', "single", default="pnl")],
           "rows = moves, columns = leverages", '=LEVXL_SCENARIO_GRID("long",60000,1,{-0.2;-0.1;0.1},{5,10,20})',
           pick=_grid_output, elementwise=False),
    _entry("LEVXL_FUNDING_GRID", "Move x funding-intervals grid (spills)", "Scenario", lx.funding_grid,
           [SIDE, ENTRY, SIZE, A("leverage", "leverage, a multiple"), A("moves", "price moves", "vector"),
            A("periods", "numbers of funding intervals", "vector", engine_name="funding_periods"),
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
                                      CONTRACT, FEE, A("size", "size, to pick the tier of a tier table", default=None)],
           "leverage, a multiple (round down)", '=LEVXL_MAX_LEVERAGE("long",100,90)',
           nan_means="#NUM! no leverage"),
    _entry("LEVXL_MAX_SIZE", "Largest size a margin balance opens at a leverage (tier caps included)", "Sizing",
           lx.max_position_size, [SIDE, A("available", "available margin"), ENTRY,
                                  A("leverage", "leverage, a multiple"), A("mmr", "tier preset or range for the "
                                                                          "tier cap", "mmr", default=None),
                                  A("fee", "taker fee rate", default=0.0), CONTRACT],
           "size", '=LEVXL_MAX_SIZE("long",1000,60000,20,"binance:BTCUSDT",0.0005)'),
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
           "fraction of the mark (0.1 = 10% away)", '=LEVXL_LIQ_DISTANCE("long",60000,54000)',
           inf_means=NO_LIQUIDATION),
    _entry("LEVXL_LIQ_DISTANCE_SIGMA", "Distance to liquidation in one-day standard deviations", "Probability",
           probability.liquidation_distance_sigma,
           [SIDE, A("mark", "mark price"), LIQ, A("vol", "annualised volatility")],
           "sigma-days", '=LEVXL_LIQ_DISTANCE_SIGMA("long",60000,54000,0.6)', inf_means=NO_LIQUIDATION),
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
           [*OPT, A("quantity", "number of options (negative = short)"), A("moves", "price moves (a column)", "vector"),
            A("days_passed", "days passed (a row)", "vector"),
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
"""Prefixes a saved workbook can put before a LEVXL_ name (Excel's add-in and UDF forms)."""


def canonical_name(name: str) -> str | None:
    """``LEVXL_X`` for any spelling a file can hold (``_xll.LEVXL_X``, ``_xldudf_LEVXL_X``, any case)."""
    upper = name.strip().upper()
    for prefix in ("_XLL.", "_XLDUDF_"):
        if upper.startswith(prefix):
            upper = upper[len(prefix):]
    return upper if upper in CATALOGUE else None


def lookup(name: str) -> SheetFunction | None:
    canonical = canonical_name(name)
    return CATALOGUE.get(canonical) if canonical else None
from levxl.catalogue.margin import MARGIN_FUNCTIONS; FUNCTIONS += MARGIN_FUNCTIONS; CATALOGUE.update({f.name: f for f in MARGIN_FUNCTIONS})  # noqa: E402,E702 (issue 17: margin functions)
