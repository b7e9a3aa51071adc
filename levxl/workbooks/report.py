"""``levxl report``: a book of positions -> a desk's risk workbook that needs no Python and no add-in.

The workbook is written with XlsxWriter. Every number a recipient might want to change (marks, volatilities,
scenario moves, stress shocks, flag thresholds) is an input cell, and everything that depends on it is a *native*
spreadsheet formula (no ``LEVXL_`` functions), written together with its cached value, which is the engine's own
number (so previews and ``pandas.read_excel`` show the same figures as Excel and LibreOffice after a recalc).

What stays frozen at report time: the maintenance tier *at the liquidation price* (its mmr and cum are written as
constants next to each position: the liquidation price does not depend on the mark, only on entry, size and margin,
so a changed mark leaves it exact); the order of the liquidation ladder; the choice of the largest position.
The tier *at the mark* (maintenance margin) is looked up live in the tier tables on the Methodology sheet.

Sheets: Summary, Positions, Scenarios, Stress, Liquidation ladder, Funding, Methodology, Input issues.

Options (rows with ``kind = option``, see :data:`levxl.book.positions.COLUMNS`): Black-76 on the mark, rate 0, as native
formulas (value, delta, gamma, vega, theta on Positions; PnL at each move on Scenarios and Stress; a move x vol-shift
grid of the option book on Scenarios; the theta bleed over 7 and 30 days on Funding and decay; option lines on
Summary). They are not liquidated by the futures formulas: their liquidation columns read "n/a" and they are left
out of the ladder, the flags and the liquidation counts. A book without options gets the report it always had.

Python API: :func:`build_report`; command: ``levxl report`` (:mod:`levxl.cli.report`).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import io
import json
import math
import os
from pathlib import Path
from typing import Any, Iterable

import numpy as np

import levxl
from levxl.files.atomic import atomic_output
from levxl.files.cells import safe_cell_text
from levxl.files.reading import read_small_file
from levxl.engine import kernel
from levxl.engine.liquidation import bankruptcy_price, liquidation_price, maintenance_margin
from levxl.book.positions import Book, load_positions
from levxl.book.figures import risk_table
from levxl.engine.scenarios import loss_at_move
from levxl.engine.tiers import TierTable, maintenance_params, preset

__all__ = ["build_report", "MOVES", "LEVERAGES", "STRESS_DAYS", "compute", "Computed"]

MOVES = (-0.5, -0.4, -0.3, -0.2, -0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
"""Price moves of the Scenarios heatmap, fractions of each position's mark (editable in the workbook)."""

LEVERAGES = (1, 2, 3, 5, 10, 20, 25, 50, 75, 100, 125)
"""Leverages of the move x leverage grid for the largest position."""

STRESS_DAYS = (
    ("12 Mar 2020 'Black Thursday'", -0.50,
     "BTC fell about 50% from the 12 Mar high to the 13 Mar BitMEX low (approx.)"),
    ("19 May 2021 China mining ban", -0.30, "BTC about -30% intraday, 43k to 30k (approx.)"),
    ("8-9 Nov 2022 FTX collapse", -0.26, "BTC about -26% over two days, 21k to 15.7k (approx.)"),
    ("10 Oct 2025 tariff crash", -0.15,
     "BTC about -12% on the main indices (122k to 107k), about -15% or more on some venues; alts -20% to -70%; "
     "about $19bn liquidated (Coinglass) (approx.)"),
)
"""Named historical days: (name, BTC move applied to every position's mark, note)."""

FUNDING_INTERVALS_PER_DAY = 3
FUNDING_CAP = 0.0075  # per 8 h: OKX's default cap and the high end of Binance/Bybit caps
FUNDING_STRESS_DAYS = 3.0
VOL_MULTIPLIER = 2.0
RED, AMBER = 0.05, 0.10
SQRT365 = math.sqrt(365.0)
_EPOCH = _dt.datetime(2000, 1, 1)


# ---------------------------------------------------------------------------------------------------------------
# engine numbers
# ---------------------------------------------------------------------------------------------------------------
def _probability_functions():
    from levxl.engine import probability as p  # noqa: PLC0415

    return p.liquidation_distance, p.liquidation_distance_sigma, p.liquidation_probability


def _mixed(values: list) -> np.ndarray:
    if all(isinstance(v, float) for v in values):
        return np.array(values, dtype=float)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _spec(value: Any) -> Any:
    return preset(value) if isinstance(value, str) else value


@dataclasses.dataclass
class Computed:
    """Every engine number the workbook shows (cached values), per position unless said otherwise."""

    book: Book
    s: np.ndarray
    inv: np.ndarray
    fx: np.ndarray  #: margin currency -> USD at the mark (1 for linear, the mark for inverse)
    margin: np.ndarray
    leverage: np.ndarray
    liq: np.ndarray
    bankrupt: np.ndarray
    mmr_liq: np.ndarray
    cum_liq: np.ndarray
    tier_liq: list  #: tier label at the liquidation price
    tables: dict  #: preset name -> TierTable used
    table_of: list  #: per position: preset name or None (flat rate)
    mmr_mark: np.ndarray
    cum_mark: np.ndarray
    distance: np.ndarray
    sigma: np.ndarray
    notional: np.ndarray
    notional_usd: np.ndarray
    maintenance: np.ndarray
    upnl: np.ndarray
    funding_day: np.ndarray
    prob1: np.ndarray
    prob7: np.ndarray
    move_to_liq: np.ndarray
    opt: np.ndarray | None = None  #: True for option positions (their futures figures above are NaN)
    ofig: Any = None  #: :class:`levxl.book.figures.OptionFigures` of the option positions

    @property
    def any_options(self) -> bool:
        return self.opt is not None and bool(self.opt.any())


def compute(book: Book) -> Computed:
    """The engine's figures for ``book`` (same functions and conventions as :func:`levxl.book.figures.risk_table`).

    Options are not liquidated by the futures formulas: their futures figures (margin, liquidation, bankruptcy,
    tiers, distance, maintenance, notional, probabilities) are NaN, funding 0, uPnL ``s*size*(V - entry)``; their
    value and greeks are in :attr:`Computed.ofig`."""
    opt = book.option if len(book) else np.zeros(0, dtype=bool)
    if opt.any():
        from levxl.book.figures import option_figures  # noqa: PLC0415

        p = compute(book.select(~opt))
        n = len(book)
        fields = {}
        for f in dataclasses.fields(Computed):
            v = getattr(p, f.name)
            if isinstance(v, np.ndarray) and v.dtype.kind == "f" and f.name != "s":
                full = np.full(n, np.nan)
                full[~opt] = v
                fields[f.name] = full
        fig = option_figures(book)
        o = book.select(opt)
        fields["upnl"][opt] = o.side * o.size * (fig.value - o.entry)
        fields["funding_day"][opt] = 0.0
        fields["fx"][opt] = np.where(o.inverse, o.mark, 1.0)
        table_of = [None] * n
        tier_liq = ["n/a"] * n
        for k, i in enumerate(np.flatnonzero(~opt)):
            table_of[i] = p.table_of[k]
            tier_liq[i] = p.tier_liq[k]
        return Computed(book=book, s=np.asarray(book.side, dtype=float), inv=book.inverse, tables=p.tables,
                        table_of=table_of, tier_liq=tier_liq, opt=opt, ofig=fig, **fields)
    distance_fn, sigma_fn, prob_fn = _probability_functions()
    n = len(book)
    s = np.asarray(book.side, dtype=float)
    inv = book.inverse if n else np.zeros(0, dtype=bool)
    invf = inv.astype(float)
    contract = np.array(book.contract, dtype=object)
    mmr = _mixed(book.mmr)
    margin = book.isolated_margin if n else np.zeros(0)
    tables: dict[str, TierTable] = {}
    table_of: list = []
    for v in book.mmr:
        if isinstance(v, str):
            t = preset(v)
            tables.setdefault(t.name, t)
            table_of.append(t.name)
        elif isinstance(v, TierTable):
            tables.setdefault(v.name, v)
            table_of.append(v.name)
        else:
            table_of.append(None)
    if n:
        liq = np.asarray(liquidation_price(s, book.entry, book.size, None, mmr, margin, contract), dtype=float)
        bankrupt = np.asarray(bankruptcy_price(s, book.entry, book.size, None, margin, contract), dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            at_liq = kernel.value(book.size, liq, invf)
        spec = np.empty(n, dtype=object)
        spec[:] = [_spec(v) for v in book.mmr]
        mmr_liq, cum_liq = (np.asarray(a, dtype=float) for a in maintenance_params(np.nan_to_num(at_liq), spec))
        notional = kernel.value(book.size, book.mark, invf)
        mmr_mark, cum_mark = (np.asarray(a, dtype=float) for a in maintenance_params(notional, spec))
        mm = np.asarray(maintenance_margin(book.size, book.mark, mmr, contract), dtype=float)
        has_vol = ~np.isnan(book.vol) & (book.vol > 0)
        vol1 = np.where(has_vol, book.vol, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            distance = np.asarray(distance_fn(s, book.mark, liq), dtype=float)
            sigma = np.where(has_vol, np.asarray(sigma_fn(s, book.mark, liq, vol1), dtype=float), np.nan)
            prob1, prob7 = (np.where(has_vol, np.asarray(prob_fn(s, book.mark, liq, vol1, d), dtype=float), np.nan)
                            for d in (1, 7))
            move_to_liq = liq / book.mark - 1
        upnl = kernel.pnl(s, book.entry, book.mark, book.size, invf)
    else:
        liq = bankrupt = mmr_liq = cum_liq = notional = mmr_mark = cum_mark = mm = np.zeros(0)
        distance = sigma = prob1 = prob7 = move_to_liq = upnl = np.zeros(0)
        at_liq = np.zeros(0)
    tier_liq = []
    for i in range(n):
        name = table_of[i]
        if name is None:
            tier_liq.append(f"flat {float(book.mmr[i]) * 100:g}%")
        else:
            k = int(tables[name].lookup(np.nan_to_num(at_liq[i])))
            tier_liq.append(f"T{k + 1} {name}")
    fx = np.where(inv, book.mark, 1.0) if n else np.zeros(0)
    return Computed(
        book=book, s=s, inv=inv, fx=fx, margin=margin, leverage=book.effective_leverage if n else np.zeros(0),
        liq=liq, bankrupt=bankrupt, mmr_liq=mmr_liq, cum_liq=cum_liq, tier_liq=tier_liq, tables=tables,
        table_of=table_of, mmr_mark=mmr_mark, cum_mark=cum_mark, distance=distance, sigma=sigma, notional=notional,
        notional_usd=np.where(inv, book.size, notional) if n else np.zeros(0), maintenance=mm, upnl=upnl,
        funding_day=-s * notional * book.funding_rate * FUNDING_INTERVALS_PER_DAY if n else np.zeros(0),
        prob1=prob1, prob7=prob7, move_to_liq=move_to_liq, opt=np.zeros(n, dtype=bool))


def _subset(c: Computed, mask: np.ndarray) -> Computed:
    """The perps of ``c`` as a Computed of their own (only the fields :func:`scenario_pnl` reads)."""
    return dataclasses.replace(c, book=c.book.select(mask), s=c.s[mask], inv=c.inv[mask], margin=c.margin[mask],
                               opt=np.zeros(int(mask.sum()), dtype=bool), ofig=None)


def scenario_pnl(c: Computed, moves: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    """(PnL in USD, liquidated) of each position (rows) at each move of its mark (columns), liquidation included:
    the engine's :func:`levxl.book.figures.pnl_after_mark_move` converted to USD at the moved price. Options (never
    liquidated): ``s*size*(V(mark*(1 + move)) - entry)``, coin-settled converted at the moved price."""
    book = c.book
    moves = np.asarray(list(moves), dtype=float).reshape(1, -1)
    if not len(book):
        return np.zeros((0, moves.shape[1])), np.zeros((0, moves.shape[1]), dtype=bool)
    if c.any_options:
        from levxl.book.figures import option_value_at  # noqa: PLC0415

        opt = c.opt
        pnl = np.zeros((len(book), moves.shape[1]))
        liqd = np.zeros((len(book), moves.shape[1]), dtype=bool)
        if (~opt).any():
            pnl[~opt], liqd[~opt] = scenario_pnl(_subset(c, ~opt), moves.ravel())
        o = book.select(opt)
        price = o.mark[:, None] * (1 + moves)
        value = option_value_at(o, moves)
        pnl[opt] = o.side[:, None] * o.size[:, None] * (value - o.entry[:, None]) * np.where(
            o.inverse[:, None], price, 1.0)
        return pnl, liqd
    from_entry = (book.mark[:, None] * (1 + moves)) / book.entry[:, None] - 1
    out = loss_at_move(c.s[:, None], book.entry[:, None], book.size[:, None], None, from_entry,
                       _mixed(book.mmr)[:, None], c.margin[:, None], np.array(book.contract, dtype=object)[:, None])
    price = book.mark[:, None] * (1 + moves)
    usd = np.where(c.inv[:, None], price, 1.0)
    return out.pnl * usd, np.asarray(out.liquidated, dtype=bool)


def leverage_grid(c: Computed, i: int, moves, leverages):
    """ROE of position ``i`` re-margined at each leverage (columns) after each move of its mark (rows), the
    liquidation price and its tier (mmr, cum) per leverage: the engine's :func:`levxl.engine.scenarios.loss_at_move`."""
    book = c.book
    moves = np.asarray(moves, dtype=float).reshape(-1, 1)
    lev = np.asarray(leverages, dtype=float).reshape(1, -1)
    spec = _spec(book.mmr[i])
    from_entry = book.mark[i] * (1 + moves) / book.entry[i] - 1
    out = loss_at_move(c.s[i], book.entry[i], book.size[i], lev, from_entry, spec, None, book.contract[i])
    liq = np.asarray(liquidation_price(c.s[i], book.entry[i], book.size[i], lev.ravel(), spec, None,
                                       book.contract[i]), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        at_liq = kernel.value(book.size[i], liq, float(c.inv[i]))
    rate, cum = maintenance_params(np.nan_to_num(at_liq), spec)
    return np.asarray(out.roe, dtype=float), liq, np.broadcast_to(rate, liq.shape), np.broadcast_to(cum, liq.shape)


# ---------------------------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------------------------
def _read_marks(path: Path) -> list[dict[str, Any]]:
    """Marks file: CSV with columns symbol, mark (optional venue, vol), or JSON {symbol: mark} / a list of records."""
    raw = read_small_file(path, "marks file")  # bounded size (levxl.files.reading)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{Path(path).name}: marks file is not UTF-8 text") from None
    if Path(path).suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{Path(path).name}: not valid JSON ({exc})") from None
        except RecursionError:
            raise ValueError(f"{Path(path).name}: JSON nested too deeply") from None
        if isinstance(data, dict):
            return [{"symbol": k, "mark": v} for k, v in data.items()]
        if isinstance(data, list) and all(isinstance(r, dict) for r in data):
            return [{str(k).lower(): v for k, v in r.items()} for r in data]
        raise ValueError(f"{Path(path).name}: marks JSON must be an object {{symbol: mark}} or a list of records")
    reader = csv.DictReader(io.StringIO(text))
    try:
        if not reader.fieldnames or not {"symbol", "mark"} <= {f.strip().lower() for f in reader.fieldnames}:
            raise ValueError(f"{Path(path).name}: marks CSV needs a header with symbol and mark columns")
        return [{str(k).strip().lower(): v for k, v in r.items() if k is not None} for r in reader]
    except csv.Error as exc:  # a field over the csv module's limit, a NUL byte
        raise ValueError(f"{Path(path).name}: marks CSV line {reader.line_num} cannot be read ({exc})") from None


def apply_marks(book: Book, marks: Any = None, vol: float | None = None) -> tuple[Book, list[tuple[str, str]]]:
    """A copy of ``book`` with marks (and vols) replaced. ``marks``: a path, a {symbol: mark} dict or records with
    symbol, mark and optional venue and vol. ``vol`` replaces every position's volatility. Returns the book and
    notes (where, reason) about marks that could not be used."""
    notes: list[tuple[str, str]] = []
    mark = np.array(book.mark, dtype=float, copy=True)
    vols = np.array(book.vol, dtype=float, copy=True)
    if marks is not None:
        if isinstance(marks, (str, os.PathLike)):
            records = _read_marks(Path(marks))
            where = Path(marks).name
        elif isinstance(marks, dict):
            records, where = [{"symbol": k, "mark": v} for k, v in marks.items()], "marks"
        else:
            records, where = list(marks), "marks"
        for k, r in enumerate(records, start=1):
            symbol = str(r.get("symbol") or "").strip()
            venue = str(r.get("venue") or "").strip().lower()
            try:
                value = float(str(r.get("mark")).replace(",", "").strip())
            except (TypeError, ValueError):
                notes.append((f"{where} row {k}", f"mark must be a number, got {r.get('mark')!r}"))
                continue
            if not (math.isfinite(value) and value > 0):
                notes.append((f"{where} row {k}", f"mark must be > 0, got {value!r}"))
                continue
            hit = [i for i in range(len(book)) if book.symbol[i] == symbol and (not venue or
                                                                               book.venue[i].lower() == venue)]
            if not hit:
                notes.append((f"{where} row {k}", f"symbol {symbol!r} matches no position; ignored"))
                continue
            mark[hit] = value
            v = r.get("vol")
            if v not in (None, ""):
                try:
                    fv = float(v)
                    if not fv >= 0:
                        raise ValueError
                    vols[hit] = fv
                except (TypeError, ValueError):
                    notes.append((f"{where} row {k}", f"vol must be a number >= 0, got {v!r}; kept the book's"))
    if vol is not None:
        if not (math.isfinite(vol) and vol >= 0):
            raise ValueError(f"--vol must be a number >= 0, got {vol!r}")
        vols[:] = vol
    return dataclasses.replace(book, mark=mark, vol=vols), notes


# ---------------------------------------------------------------------------------------------------------------
# workbook helpers
# ---------------------------------------------------------------------------------------------------------------
def _col(k: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(k)


def _v(x: float) -> Any:
    """A cached value: NaN -> "" (the formula shows blank), inf -> "none" (no liquidation price)."""
    x = float(x)
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "none"
    return x


def _price_digits(p: float) -> int:
    if not (p > 0 and math.isfinite(p)):
        return 2
    return int(max(2, min(8, 4 - math.floor(math.log10(p)))))


def _ccy(symbol: str, contract: str) -> str:
    if contract != "inverse":
        return "USD"
    s = symbol.upper().replace("-", "").replace("_", "").replace("/", "")
    for stop in ("USD", "PERP"):
        if stop in s and s.index(stop) > 0:
            return s[:s.index(stop)]
    return s[:3] or "coin"


def _fast_formulas(ws) -> None:
    """XlsxWriter runs ~30 regular expressions over every formula to add ``_xlfn.`` prefixes to dynamic-array
    functions (3/4 of the run time at 10,000 positions). The report uses none of them and writes its one newer
    function, NORM.S.DIST, already prefixed, so the formula only needs its leading ``=`` removed."""
    if not hasattr(ws, "_prepare_formula"):  # pragma: no cover - another XlsxWriter version: keep its own
        return

    def prepare(formula: str, expand_future_functions: bool = False) -> str:
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula

    ws._prepare_formula = prepare


def _b76(w: int, F: str, K: str, T: str, vol: str, what: str = "value", coin: bool = False) -> str:
    """A native spreadsheet expression of the Black-76 value or a greek, rate 0 (the engine's
    :func:`levxl.engine.options.greeks` with ``model="black76"``): ``w`` +1 call / -1 put, ``F`` the forward (the mark),
    ``K`` strike, ``T`` calendar days to expiry, ``vol`` annualised. USD per option; ``coin``: coin-settled (value,
    gamma, vega, theta / F; delta premium-adjusted, ``delta - V/F``). At expiry or zero vol: the payoff, the moneyness
    indicator for delta (1/2 at the money), greeks 0."""
    sd = f"({vol}*SQRT({T}/365))"
    d1 = f"(LN({F}/{K})/{sd}+{sd}/2)"
    d2 = f"({d1}-{sd})"
    pdf = f"EXP(0-{d1}^2/2)/SQRT(2*PI())"  # not -x^2: spreadsheets square the negation
    value = f"IF({sd}<=0,MAX({w}*({F}-{K}),0),MAX({w}*({F}*_xlfn.NORM.S.DIST({w}*{d1},TRUE)-{K}*" \
            f"_xlfn.NORM.S.DIST({w}*{d2},TRUE)),0))"
    if what == "value":
        return f"{value}/({F})" if coin else value
    if what == "delta":
        ind = f"IF({F}>{K},{max(w, 0)},IF({F}<{K},{min(w, 0)},{w}*0.5))"
        delta = f"IF({sd}<=0,{ind},{w}*_xlfn.NORM.S.DIST({w}*{d1},TRUE))"
        return f"({delta}-{value}/({F}))" if coin else delta
    if what == "gamma":
        g = f"IF({sd}<=0,0,{pdf}/({F}*{sd}))"
    elif what == "vega":
        g = f"IF({sd}<=0,0,{F}*{pdf}*SQRT({T}/365)*0.01)"
    elif what == "theta":
        g = f"IF({sd}<=0,0,-{F}*{pdf}*{vol}/(2*SQRT({T}/365))/365)"
    else:
        raise ValueError(what)
    return f"{g}/({F})" if coin else g


class _Formats:
    def __init__(self, wb):
        self.wb = wb
        self.cache: dict = {}
        base = {"font_name": "Calibri", "font_size": 10}
        self.base = base
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "font_color": "#1F3864"})
        self.subtitle = wb.add_format({**base, "italic": True, "font_color": "#595959"})
        self.section = wb.add_format({**base, "bold": True, "font_size": 12, "font_color": "#1F3864",
                                      "bottom": 2, "bottom_color": "#1F3864"})
        self.header = wb.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864",
                                     "text_wrap": True, "valign": "vcenter", "align": "center", "border": 1,
                                     "border_color": "#8EA9DB"})
        self.label = wb.add_format({**base, "bold": True, "valign": "top"})
        self.text = wb.add_format({**base})
        self.wrap = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self.note = wb.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True,
                                   "valign": "top"})
        self.red = wb.add_format({**base, "bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.amber = wb.add_format({**base, "bold": True, "font_color": "#7F6000", "bg_color": "#FFEB9C"})
        self.green = wb.add_format({**base, "font_color": "#006100", "bg_color": "#C6EFCE"})
        # black on a red fill: readable whether or not a viewer lets the colour scale paint over the fill
        self.liq = wb.add_format({"bold": True, "italic": True, "font_color": "#000000", "bg_color": "#FF5050",
                                  "num_format": '"LIQ "#,##0;"LIQ "-#,##0'})
        self.liq_pct = wb.add_format({"bold": True, "italic": True, "font_color": "#000000", "bg_color": "#FF5050",
                                      "num_format": '"LIQ"'})
        self.rlabel = wb.add_format({**base, "bold": True, "align": "right"})
        self.grey = wb.add_format({"font_color": "#808080"})

    def get(self, kind: str, digits: int = 2, inp: bool = False, bold: bool = False, top: bool = False):
        key = (kind, digits, inp, bold, top)
        fmt = self.cache.get(key)
        if fmt is None:
            props = dict(self.base)
            if kind == "price":
                props["num_format"] = "#,##0." + "0" * digits if digits else "#,##0"
            elif kind == "usd":
                props["num_format"] = "#,##0;[Red]-#,##0"
            elif kind == "amt":  # margin-currency amount: USD with 2 dp, coin with 6
                props["num_format"] = ("#,##0." + "0" * digits + ";[Red]-#,##0." + "0" * digits)
            elif kind == "pct":
                props["num_format"] = "0." + "0" * digits + "%;[Red]-0." + "0" * digits + "%"
            elif kind == "rate":
                props["num_format"] = "0.0000%;[Red]-0.0000%"
            elif kind == "num":
                props["num_format"] = "#,##0." + "0" * digits if digits else "#,##0"
            elif kind == "int":
                props["num_format"] = "0"
            elif kind == "size":
                props["num_format"] = "#,##0.########"
            elif kind == "liqprice":  # the engine's sentinel 0 (a long no price liquidates) reads "none"
                props["num_format"] = ("#,##0." + "0" * digits if digits else "#,##0") + ';-#,##0;"none"'
            elif kind == "sci":
                props["num_format"] = "0.000E+00;[Red]-0.000E+00"
            elif kind == "text":
                pass
            if kind != "text":
                props["align"] = "right"  # also for the text results of numeric columns ("none", "")
            if inp:
                props.update({"font_color": "#0000FF", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000"})
            if bold:
                props["bold"] = True
            if top:
                props.update({"top": 1, "bold": True})
            fmt = self.wb.add_format(props)
            self.cache[key] = fmt
        return fmt


def _page(ws, title: str, as_of: str, repeat: tuple[int, int] | None = None) -> None:
    ws.set_landscape()
    ws.set_paper(8 if title in ("Positions", "Scenarios", "Stress") else 9)  # A3 for the wide sheets
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header(f'&L&"Calibri,Bold"levxl risk report&C{title}&R{as_of}')
    ws.set_footer("&LPage &P of &N&R&A")
    if repeat is not None:
        ws.repeat_rows(*repeat)
    ws.hide_gridlines(2)


# ---------------------------------------------------------------------------------------------------------------
# the workbook
# ---------------------------------------------------------------------------------------------------------------
POS = "Positions"
FIRST = 5  # first data row (1-based) on Positions, Funding, Stress detail


class _Writer:
    def __init__(self, wb, c: Computed, as_of: str, issues: list[tuple[Any, str]]):
        self.wb, self.c, self.as_of, self.issues = wb, c, as_of, issues
        self.F = _Formats(wb)
        self.n = len(c.book)
        book = c.book
        self.ccy = [_ccy(book.symbol[i], book.contract[i]) for i in range(self.n)]
        self.has_opt = c.any_options
        self.opt = c.opt if c.opt is not None else np.zeros(self.n, dtype=bool)
        self.COLUMNS = self.columns(self.has_opt)
        # an option's entry is its premium: price digits follow the mark (the underlying's price)
        self.pdig = [_price_digits(float(book.mark[i] if self.opt[i] else book.entry[i])) for i in range(self.n)]
        # Sheets in order (created now so every cross-sheet reference resolves)
        self.summary = wb.add_worksheet("Summary")
        self.pos = wb.add_worksheet(POS)
        self.scen = wb.add_worksheet("Scenarios")
        self.stress = wb.add_worksheet("Stress")
        self.ladder = wb.add_worksheet("Liquidation ladder")
        self.fund = wb.add_worksheet("Funding")
        self.meth = wb.add_worksheet("Methodology")
        self.iss = wb.add_worksheet("Input issues")
        for ws in wb.worksheets():
            _fast_formulas(ws)
        self.last = FIRST + self.n - 1  # last data row on Positions (1-based)

    # ---- helpers ----------------------------------------------------------------------------------------------
    def amt(self, i: int, **kw):
        return self.F.get("amt", 2 if not self.c.inv[i] else 6, **kw)

    def identity_cells(self, ws, row, i, ref) -> None:
        """Columns A:E of a per-position row (input row, venue, symbol, side, mark) as references to the
        Positions sheet; ``ref(name)`` gives the cell reference of a Positions column for this position."""
        book, F = self.c.book, self.F
        ws.write_formula(row, 0, f"={ref('row')}", F.get("int"), book.row[i])
        ws.write_formula(row, 1, f"={ref('venue')}", F.text, book.venue[i])
        ws.write_formula(row, 2, f"={ref('symbol')}", F.text, book.symbol[i])
        ws.write_formula(row, 3, f"={ref('side')}", F.text, "long" if self.c.s[i] > 0 else "short")
        ws.write_formula(row, 4, f"={ref('mark')}", self.price(i), float(book.mark[i]))

    def price(self, i: int, **kw):
        return self.F.get("price", self.pdig[i], **kw)

    def prange(self, key: str, absolute: bool = True) -> str:
        col = self.P[key]
        last = max(self.last, FIRST)
        return f"{POS}!${col}${FIRST}:${col}${last}"

    # ---- Summary inputs table layout (needed by Positions) ------------------------------------------------------
    def plan_inputs(self) -> None:
        book = self.c.book
        self.instruments: list[tuple] = []
        self.instrument_of: list[int] = []
        index: dict = {}
        for i in range(self.n):
            key = (book.venue[i], book.symbol[i], book.contract[i], float(book.mark[i]),
                   None if math.isnan(book.vol[i]) else float(book.vol[i]))
            if key not in index:
                index[key] = len(self.instruments)
                self.instruments.append(key)
            self.instrument_of.append(index[key])
        # Summary layout rows (0-based)
        self.in_move = 24  # custom scenario move
        self.in_red = 25
        self.in_amber = 26
        self.mk_header = 30
        self.mk_first = 31

    def s_ref(self, row0: int, col: int) -> str:
        return f"Summary!${_col(col)}${row0 + 1}"

    # ---- Positions -------------------------------------------------------------------------------------------
    COLUMNS = [
        ("row", "Input row", 6), ("venue", "Venue", 10), ("symbol", "Symbol", 14), ("side", "Side", 6),
        ("contract", "Contract", 8), ("ccy", "Margin ccy", 7), ("size", "Size (coin / USD face)", 12),
        ("entry", "Entry", 11), ("mark", "Mark", 11), ("vol", "Vol (ann.)", 7), ("lev", "Eff. leverage", 7),
        ("margin", "Isolated margin", 12), ("liq", "Liquidation price", 12), ("bank", "Bankruptcy price", 12),
        ("dist", "Distance to liq.", 8), ("sigma", "σ-days to liq.", 7), ("flag", "Flag", 7),
        ("notional", "Notional (margin ccy)", 12), ("notional_usd", "Notional (USD)", 12),
        ("mm", "Maint. margin", 11), ("mm_rate", "Maint. rate", 7), ("tier", "Tier at liq. price", 27),
        ("upnl", "Unrealised PnL", 12), ("upnl_usd", "uPnL (USD)", 11), ("fund_rate", "Funding / 8h", 9),
        ("fund_day", "Funding / day", 11), ("fund_year", "Funding / year", 11), ("p1", "P(liq) 1 day", 8),
        ("p7", "P(liq) 7 days", 8),
        # helpers (grouped and hidden): constants of the tier at the liquidation price, live tier at the mark
        ("s", "s (+1 long)", 6), ("mmr_liq", "mmr at liq.", 8), ("cum_liq", "cum at liq.", 10),
        ("mmr_mark", "mmr at mark", 8), ("cum_mark", "cum at mark", 10), ("fx", "USD per margin ccy", 10),
    ]
    HELPERS = ("s", "mmr_liq", "cum_liq", "mmr_mark", "cum_mark", "fx")
    OPTION_COLUMNS = [
        ("kind", "Kind", 7), ("otype", "Call / put", 6), ("strike", "Strike", 10), ("expiry", "Days to expiry", 7),
        ("oval", "Option value (per option, margin ccy)", 12), ("delta", "Delta (coins)", 10),
        ("gamma", "Gamma (coins per $1)", 10), ("vega", "Vega (per vol point)", 11), ("theta", "Theta (per day)", 11),
    ]
    """Columns added before the helpers when the book holds options (position greeks: s × size × greek, margin
    currency; blank for perps)."""

    @classmethod
    def columns(cls, options: bool) -> list:
        """The Positions columns: the perps' (:attr:`COLUMNS`), with :attr:`OPTION_COLUMNS` before the helpers
        when the book holds options."""
        if not options:
            return list(cls.COLUMNS)
        k = len(cls.COLUMNS) - len(cls.HELPERS)
        return list(cls.COLUMNS[:k]) + list(cls.OPTION_COLUMNS) + list(cls.COLUMNS[k:])

    def write_positions(self) -> None:
        ws, F, c, book = self.pos, self.F, self.c, self.c.book
        self.P = {key: _col(k) for k, (key, _, _) in enumerate(self.COLUMNS)}
        self.col_of = {key: k for k, (key, _, _) in enumerate(self.COLUMNS)}
        P = self.P
        ws.write_string(0, 0, "Positions", F.title)
        ws.write_string(1, 0, "Amounts in each position's margin currency unless marked USD; blue cells are "
                              "inputs (marks and vols live on Summary). 'none' = no price liquidates the position."
                        + (" Options: entry = premium per option, mark = the underlying's price, vol = implied; "
                           "value and greeks (s × size × greek, Black-76) in the margin currency, coin for "
                           "coin-settled; 'n/a' = not liquidated by the futures formulas." if self.has_opt else ""),
                        F.subtitle)
        for k, (key, head, width) in enumerate(self.COLUMNS):
            ws.write_string(3, k, head, F.header)
            hidden = key in self.HELPERS
            ws.set_column(k, k, width, None, {"hidden": hidden, "level": 1 if hidden else 0})
        ws.set_row(3, 30 if not self.has_opt else 42)
        if self.has_opt:  # option symbols are long (BTC-27DEC24-70000-C)
            ws.set_column(self.col_of["symbol"], self.col_of["symbol"], 21)
        ws.freeze_panes(4, 3)
        pct1 = F.get("pct", 1)
        pct2 = F.get("pct", 2)
        mark_col, vol_col = 4, 5  # Summary market-inputs columns
        for i in range(self.n):
            r0 = FIRST - 1 + i
            r = r0 + 1
            inv = bool(c.inv[i])
            pf = self.price(i)
            af = self.amt(i)
            g = {key: f"{col}{r}" for key, col in P.items()}
            w = ws.write_formula
            ws.write_number(r0, 0, book.row[i], F.get("int"))
            ws.write_string(r0, 1, book.venue[i], F.text)
            ws.write_string(r0, 2, book.symbol[i], F.text)
            ws.write_string(r0, 3, "long" if c.s[i] > 0 else "short", F.text)
            ws.write_string(r0, 4, book.contract[i], F.text)
            ws.write_string(r0, 5, self.ccy[i], F.text)
            ws.write_number(r0, 6, float(book.size[i]), F.get("size"))
            ws.write_number(r0, 7, float(book.entry[i]), pf)
            mk = self.mk_first + self.instrument_of[i]
            w(r0, 8, f"={self.s_ref(mk, mark_col)}", pf, float(book.mark[i]))
            vref = self.s_ref(mk, vol_col)
            w(r0, 9, f'=IF(ISBLANK({vref}),"",{vref})', pct1, _v(book.vol[i]))
            if self.opt[i]:
                self.option_row(i, r0, g)
                continue
            if self.has_opt:
                for key in ("kind", "otype", "strike", "expiry", "oval", "delta", "gamma", "vega", "theta"):
                    ws.write_blank(r0, self.col_of[key], None, F.text)
                ws.write_string(r0, self.col_of["kind"], "perp", F.text)
            ws.write_number(r0, 10, float(c.leverage[i]), F.get("num", 1))
            ws.write_number(r0, 11, float(c.margin[i]), af)
            S, M, Q, E, L = g["s"], g["margin"], g["size"], g["entry"], g["mark"]
            mr, cm = g["mmr_liq"], g["cum_liq"]
            if inv:
                den = f"{M}+{cm}+{S}*{Q}/{E}"
                liq = f'=IF(AND({S}<0,{den}>=0),"none",{Q}*({mr}+{S})/({den}))'
                bden = f"{M}+{S}*{Q}/{E}"
                bank = f'=IF(AND({S}<0,{bden}>=0),"none",{Q}*{S}/({bden}))'
                notional = f"={Q}/{L}"
                upnl = f"={S}*{Q}*(1/{E}-1/{L})"
                fx = f"={L}"
                notional_usd = f"={Q}"
            else:
                liq = f"=MAX((({M}/{Q}+{cm}/{Q})-{S}*{E})/({mr}-{S}),0)"
                bank = f"=MAX(({M}/{Q}-{S}*{E})/(-{S}),0)"
                notional = f"={Q}*{L}"
                upnl = f"={S}*{Q}*({L}-{E})"
                fx = None
                notional_usd = f"={Q}*{L}"
            lpf = F.get("liqprice", self.pdig[i])
            w(r0, 12, liq, lpf, _v(c.liq[i]))
            w(r0, 13, bank, lpf, _v(c.bankrupt[i]))
            LQ, D, V = g["liq"], g["dist"], g["vol"]
            w(r0, 14, f'=IF(ISNUMBER({LQ}),{S}*({L}-{LQ})/{L},"none")', pct2, _v(c.distance[i]))
            w(r0, 15, f'=IF(N({V})<=0,"",IF(NOT(ISNUMBER({LQ})),"none",IF({LQ}=0,"none",'
                      f'{S}*LN({L}/{LQ})/({V}*SQRT(1/365)))))', F.get("num", 1), _v(c.sigma[i]))
            red, amber = self.s_ref(self.in_red, 2), self.s_ref(self.in_amber, 2)
            w(r0, 16, f'=IF(NOT(ISNUMBER({D})),"GREEN",IF({D}<{red},"RED",IF({D}<{amber},"AMBER","GREEN")))',
              F.text, self.flag(i))
            w(r0, 17, notional, af, float(c.notional[i]))
            w(r0, 18, notional_usd, F.get("usd"), float(c.notional_usd[i]))
            w(r0, 19, f"={g['notional']}*{g['mmr_mark']}-{g['cum_mark']}", af, float(c.maintenance[i]))
            w(r0, 20, f"={g['mm']}/{g['notional']}", F.get("pct", 3), float(c.maintenance[i] / c.notional[i]))
            ws.write_string(r0, 21, c.tier_liq[i], F.text)
            w(r0, 22, upnl, af, float(c.upnl[i]))
            w(r0, 23, f"={g['upnl']}*{g['fx']}", F.get("usd"), float(c.upnl[i] * c.fx[i]))
            ws.write_number(r0, 24, float(book.funding_rate[i]), F.get("rate"))
            w(r0, 25, f"=-{S}*{g['notional']}*{g['fund_rate']}*{FUNDING_INTERVALS_PER_DAY}", af,
              float(c.funding_day[i]))
            w(r0, 26, f"={g['fund_day']}*365", af, float(c.funding_day[i] * 365))
            for col, days, val in ((27, 1, c.prob1[i]), (28, 7, c.prob7[i])):
                w(r0, col, self.prob_formula(g, days, V), pct2, _v(val))
            ws.write_number(r0, self.col_of['s'], float(c.s[i]), F.get("int"))
            ws.write_number(r0, self.col_of['mmr_liq'], float(c.mmr_liq[i]), F.get("rate"))
            ws.write_number(r0, self.col_of['cum_liq'], float(c.cum_liq[i]), F.get("num", 2))
            name = c.table_of[i]
            if name is None:
                ws.write_number(r0, self.col_of['mmr_mark'], float(c.mmr_mark[i]), F.get("rate"))
                ws.write_number(r0, self.col_of['cum_mark'], 0.0, F.get("num", 2))
            else:
                fl, mm_, cu = self.tier_ranges[name]
                w(r0, self.col_of['mmr_mark'], f"=LOOKUP({g['notional']},{fl},{mm_})", F.get("rate"), float(c.mmr_mark[i]))
                w(r0, self.col_of['cum_mark'], f"=LOOKUP({g['notional']},{fl},{cu})", F.get("num", 2), float(c.cum_mark[i]))
            if fx is None:
                ws.write_number(r0, self.col_of['fx'], 1.0, F.get("num", 2))
            else:
                w(r0, self.col_of['fx'], fx, F.get("num", 2), float(c.fx[i]))
        if self.n:
            rng = f"{P['flag']}{FIRST}:{P['flag']}{self.last}"
            for word, fmt in (("RED", F.red), ("AMBER", F.amber), ("GREEN", F.green)):
                ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": fmt})
            ws.conditional_format(f"{P['p7']}{FIRST}:{P['p7']}{self.last}",
                                  {"type": "data_bar", "bar_color": "#F4B183", "bar_solid": True,
                                   "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1})
            ws.autofilter(3, 0, self.last - 1, len(self.COLUMNS) - 1 - len(self.HELPERS))
        _page(ws, "Positions", self.as_of, (3, 3))
        ws.print_area(0, 0, max(self.last - 1, 4), len(self.COLUMNS) - 1 - len(self.HELPERS))

    def option_row(self, i: int, r0: int, g: dict) -> None:
        """An option on Positions: premium, value and greeks as native Black-76 formulas on the live mark and vol
        (cached: the engine's :func:`levxl.engine.options.greeks`); the futures columns read "n/a"."""
        ws, F, c, book = self.pos, self.F, self.c, self.c.book
        w = ws.write_formula
        k = int(np.flatnonzero(c.ofig.idx == i)[0])
        fig = c.ofig
        inv = bool(c.inv[i])
        af = self.amt(i)
        na = F.get("num", 0)
        ws.write_number(r0, 7, float(book.entry[i]), af)
        for key in ("lev", "margin", "liq", "bank", "dist", "sigma", "flag", "tier"):
            ws.write_string(r0, self.col_of[key], "n/a", na if key != "tier" else F.text)
        # blank, not text: sums and array products over these columns skip them
        for key in ("notional", "notional_usd", "mm", "mm_rate", "fund_rate", "fund_day", "fund_year", "p1", "p7",
                    "mmr_liq", "cum_liq", "mmr_mark", "cum_mark"):
            ws.write_blank(r0, self.col_of[key], None, F.text)
        ws.write_string(r0, self.col_of["kind"], "option", F.text)
        ws.write_string(r0, self.col_of["otype"], book.option_type[i], F.text)
        ws.write_number(r0, self.col_of["strike"], float(book.strike[i]), self.price(i))
        ws.write_number(r0, self.col_of["expiry"], float(book.expiry_days[i]), F.get("num", 1))
        wt = 1 if book.option_type[i] == "call" else -1
        S, Q, E, L, V, K, T = (g[x] for x in ("s", "size", "entry", "mark", "vol", "strike", "expiry"))
        w(r0, self.col_of["oval"], "=" + _b76(wt, L, K, T, V, "value", inv), af, float(fig.value[k]))
        for key, fmt in (("delta", F.get("num", 4)), ("gamma", F.get("sci")), ("vega", af), ("theta", af)):
            w(r0, self.col_of[key], f"={S}*{Q}*" + _b76(wt, L, K, T, V, key, inv), fmt,
              float(getattr(fig, key)[k]))
        w(r0, self.col_of["upnl"], f"={S}*{Q}*({g['oval']}-{E})", af, float(c.upnl[i]))
        w(r0, self.col_of["upnl_usd"], f"={g['upnl']}*{g['fx']}", F.get("usd"), float(c.upnl[i] * c.fx[i]))
        ws.write_number(r0, self.col_of["s"], float(c.s[i]), F.get("int"))
        if inv:
            w(r0, self.col_of["fx"], f"={L}", F.get("num", 2), float(c.fx[i]))
        else:
            ws.write_number(r0, self.col_of["fx"], 1.0, F.get("num", 2))

    def flag(self, i: int) -> str:
        if self.opt[i]:
            return "n/a"
        d = self.c.distance[i]
        if not math.isfinite(d):
            return "GREEN"
        return "RED" if d < RED else "AMBER" if d < AMBER else "GREEN"

    @staticmethod
    def prob_formula(g: dict, days: int, vol: str) -> str:
        """GBM first passage with zero drift: N(s(b + v²T/2)/(v√T)) + (mark/liq)·N(s(b − v²T/2)/(v√T)),
        b = ln(liq/mark), clamped to [0, 1]; 0 where nothing liquidates; 1 at or beyond the liquidation price."""
        S, L, LQ = g["s"], g["mark"], g["liq"]
        T = f"{days}/365"
        b = f"LN({LQ}/{L})"
        sd = f"({vol}*SQRT({T}))"
        half = f"{vol}^2/2*{T}"
        core = (f"MIN(MAX(_xlfn.NORM.S.DIST({S}*({b}+{half})/{sd},TRUE)"
                f"+{L}/{LQ}*_xlfn.NORM.S.DIST({S}*({b}-{half})/{sd},TRUE),0),1)")
        return (f'=IF(N({vol})<=0,"",IF(NOT(ISNUMBER({LQ})),0,IF({LQ}=0,0,IF({S}*({L}-{LQ})<=0,1,{core}))))')

    # ---- Summary -----------------------------------------------------------------------------------------------
    def write_summary(self, source: str, sha: str) -> None:
        ws, F, c, book = self.summary, self.F, self.c, self.c.book
        P = self.P
        ws.set_column(0, 0, 2)
        ws.set_column(1, 1, 44)
        ws.set_column(2, 2, 18)
        ws.set_column(3, 3, 14)
        ws.set_column(4, 6, 13)
        ws.set_column(7, 7, 40)
        ws.write_string(0, 1, "Leverage risk report", F.title)
        ws.write_string(1, 1, f"{source or 'book'}: {self.n} positions, {len(self.issues)} input issue(s)",
                        F.subtitle)
        info = [("As of", self.as_of), ("levxl version", levxl.__version__), ("Input file", source or "(in memory)"),
                ("Input SHA-256", sha or "(n/a)")]
        ws.write_string(3, 1, "Report", F.section)
        for k, (lab, val) in enumerate(info):
            ws.write_string(4 + k, 1, lab, F.label)
            ws.write_string(4 + k, 2, val, F.text)
        n = self.n
        fx = self.prange("fx")
        usd = F.get("usd")
        margin_usd = float(np.nansum(c.margin * c.fx))
        upnl_usd = float(np.sum(c.upnl * c.fx))
        equity = margin_usd + upnl_usd
        gross = float(np.nansum(c.notional_usd))
        net = float(np.nansum(c.s * c.notional_usd))
        finite = c.distance[np.isfinite(c.distance)]
        worst = float(finite.min()) if finite.size else math.nan
        red = int(sum(self.flag(i) == "RED" for i in range(n)))
        amber = int(sum(self.flag(i) == "AMBER" for i in range(n)))
        green = int(sum(self.flag(i) == "GREEN" for i in range(n)))
        dist = self.prange("dist")
        rows = [
            ("Equity (USD): isolated margin + unrealised PnL", f"=SUMPRODUCT({self.prange('margin')},{fx})"
             f"+SUM({self.prange('upnl_usd')})", equity, usd),
            ("  of which unrealised PnL (USD)", f"=SUM({self.prange('upnl_usd')})", upnl_usd, usd),
            ("Gross notional (USD)", f"=SUM({self.prange('notional_usd')})", gross, usd),
            ("Net notional (USD, long - short)", f"=SUMPRODUCT({self.prange('s')},{self.prange('notional_usd')})",
             net, usd),
            ("Effective leverage (gross / equity)", None, None, None),
            ("Worst distance to liquidation", f'=IF(COUNT({dist})=0,"none",MIN({dist}))', _v(worst),
             F.get("pct", 2)),
            ("  position (input row)", None, None, None),
            (f"Positions within {RED:.0%} of liquidation", f'=COUNTIF({dist},"<"&C26)',
             int(np.sum(finite < RED)), F.get("int")),
            (f"Positions within {AMBER:.0%} of liquidation", f'=COUNTIF({dist},"<"&C27)',
             int(np.sum(finite < AMBER)), F.get("int")),
            ("Flags: RED / AMBER / GREEN", None, None, None),
            ("Funding per day (USD, + = received)", f"=SUMPRODUCT({self.prange('fund_day')},{fx})",
             float(np.sum(c.funding_day * c.fx)), usd),
            ("Expected liquidations within 7 days (Σ P)", f"=SUM({self.prange('p7')})",
             float(np.nansum(c.prob7)), F.get("num", 2)),
            ("PnL at the scenario move below (USD)", "=Stress!D10", None, usd),
        ]
        ws.write_string(8, 1, "Book", F.section)
        self.sum_rows = {}
        for k, (lab, formula, val, fmt) in enumerate(rows):
            r0 = 9 + k
            ws.write_string(r0, 1, lab, F.label if not lab.startswith("  ") else F.text)
            self.sum_rows[lab] = r0
            if lab.startswith("Effective leverage"):
                ws.write_formula(r0, 2, '=IF(C10<=0,"",C12/C10)', F.get("num", 2),
                                 gross / equity if equity > 0 else "")
            elif lab.startswith("  position"):
                if np.isfinite(worst):
                    wi = int(np.nanargmin(np.where(np.isfinite(c.distance), c.distance, np.inf)))
                    cached = f"{book.row[wi]}: {book.venue[wi]} {book.symbol[wi]}"
                else:
                    cached = ""
                ws.write_formula(r0, 2, f'=IF(ISNUMBER(C15),INDEX({self.prange("row")},MATCH(C15,{dist},0))&": "&'
                                        f'INDEX({self.prange("venue")},MATCH(C15,{dist},0))&" "&'
                                        f'INDEX({self.prange("symbol")},MATCH(C15,{dist},0)),"")', F.text, cached)
            elif lab.startswith("Flags"):
                flag = self.prange("flag")
                for j, (word, cnt, fmt2) in enumerate((("RED", red, F.red), ("AMBER", amber, F.amber),
                                                       ("GREEN", green, F.green))):
                    ws.write_formula(r0, 2 + j, f'=COUNTIF({flag},"{word}")', fmt2, cnt)
            elif lab.startswith("PnL at the scenario"):
                self.pnl_custom_cell = (r0, 2)
            else:
                ws.write_formula(r0, 2, formula, fmt, val)
        # inputs
        ws.write_string(23, 1, "Inputs (blue cells: change them, the workbook recalculates)", F.section)
        ws.write_string(self.in_move, 1, "Scenario move of every mark", F.label)
        ws.write_number(self.in_move, 2, -0.10, F.get("pct", 1, inp=True))
        ws.write_string(self.in_move, 3, "used on Stress ('Scenario move') and above", F.subtitle)
        ws.write_string(self.in_red, 1, "RED flag: distance to liquidation below", F.label)
        ws.write_number(self.in_red, 2, RED, F.get("pct", 1, inp=True))
        ws.write_string(self.in_amber, 1, "AMBER flag: distance to liquidation below", F.label)
        ws.write_number(self.in_amber, 2, AMBER, F.get("pct", 1, inp=True))
        ws.write_string(28, 1, "Market inputs: marks and volatilities by instrument", F.section)
        ws.write_string(29, 1, "Each position's mark and vol on Positions point here; amounts follow.", F.subtitle)
        for k, head in enumerate(("Venue", "Symbol", "Contract", "Mark", "Vol (ann.)", "Positions")):
            ws.write_string(self.mk_header, 1 + k, head, F.header)
        counts = np.bincount(np.asarray(self.instrument_of, dtype=int), minlength=len(self.instruments)) if n \
            else []
        for k, (venue, symbol, contract, mark, vol) in enumerate(self.instruments):
            r0 = self.mk_first + k
            ws.write_string(r0, 1, venue, F.text)
            ws.write_string(r0, 2, symbol, F.text)
            ws.write_string(r0, 3, contract, F.text)
            ws.write_number(r0, 4, mark, F.get("price", _price_digits(mark), inp=True))
            if vol is None:
                ws.write_blank(r0, 5, None, F.get("pct", 1, inp=True))
            else:
                ws.write_number(r0, 5, vol, F.get("pct", 1, inp=True))
            ws.write_number(r0, 6, int(counts[k]), F.get("int"))
        if self.has_opt:
            self.write_option_summary(self.mk_first + len(self.instruments) + 2)
        # flag legend
        ws.write_string(8, 6, "Flags", F.section)
        ws.write_string(9, 6, "RED", F.red)
        ws.write_string(9, 7, "distance to liquidation below the RED input", F.text)
        ws.write_string(10, 6, "AMBER", F.amber)
        ws.write_string(10, 7, "below the AMBER input", F.text)
        ws.write_string(11, 6, "GREEN", F.green)
        ws.write_string(11, 7, "otherwise", F.text)
        _page(ws, "Summary", self.as_of)
        ws.activate()

    def write_option_summary(self, r: int) -> None:
        """Option book lines on Summary (live: sums of the Positions greeks converted to USD at the mark)."""
        ws, F, c = self.summary, self.F, self.c
        fig, book = c.ofig, c.book
        i = fig.idx
        fx, mark = c.fx[i], book.mark[i]
        ws.write_string(r, 1, "Option book (Black-76 on the mark, rate 0; see Positions and Methodology)", F.section)
        fxr = self.prange("fx")
        rows = [
            ("Option positions", f'=COUNTIF({self.prange("kind")},"option")', len(i), F.get("int")),
            ("Value of the options held (USD, s·size·value)",
             f"=SUMPRODUCT({self.prange('s')},{self.prange('size')},{self.prange('oval')},{fxr})",
             float(np.sum(c.s[i] * book.size[i] * fig.value * fx)), F.get("usd")),
            ("Net delta (coin-equivalents, Σ over all underlyings)", f"=SUM({self.prange('delta')})",
             float(np.sum(fig.delta)), F.get("num", 4)),
            ("Net delta (USD, delta × mark)", f"=SUMPRODUCT({self.prange('delta')},{self.prange('mark')})",
             float(np.sum(fig.delta * mark)), F.get("usd")),
            ("Vega (USD per vol point)", f"=SUMPRODUCT({self.prange('vega')},{fxr})",
             float(np.sum(fig.vega * fx)), F.get("usd")),
            ("Theta (USD per day, + = earned)", f"=SUMPRODUCT({self.prange('theta')},{fxr})",
             float(np.sum(fig.theta * fx)), F.get("usd")),
        ]
        self.opt_sum_rows = {}
        for k, (lab, formula, val, fmt) in enumerate(rows):
            ws.write_string(r + 1 + k, 1, lab, F.label)
            ws.write_formula(r + 1 + k, 2, formula, fmt, val)
            self.opt_sum_rows[lab] = r + 1 + k
        ws.merge_range(r + 1 + len(rows), 1, r + 1 + len(rows), 7, "", F.note)
        ws.write_string(r + 1 + len(rows), 1, "Options are not liquidated by the futures formulas: they are left "
                                              "out of the liquidation figures, flags and ladder. Their 'mark' above "
                                              "is the underlying's price, their vol the implied vol.", F.note)

    # ---- Scenarios ------------------------------------------------------------------------------------------------
    def write_scenarios(self) -> None:
        ws, F, c, book = self.scen, self.F, self.c, self.c.book
        P = self.P
        ws.write_string(0, 0, "Scenarios", F.title)
        ws.set_column(0, 0, 8)
        ws.set_column(1, 1, 12)
        ws.set_column(2, 2, 14 if not self.has_opt else 21)
        ws.set_column(3, 3, 7)
        ws.set_column(4, 5, 11)
        ws.set_column(6, 6 + len(MOVES), 10)
        row = 2
        # 1. move x leverage grid for the largest position
        self.grid_rows = None
        if self.n and not self.opt.all():
            i = int(np.argmax(np.where(self.opt, -np.inf, c.notional_usd)))
            pr = FIRST + i
            roe, gliq, grate, gcum = leverage_grid(c, i, MOVES, LEVERAGES)
            ws.write_string(row, 0, f"Move x leverage: the largest position (input row {book.row[i]}, "
                                    f"{book.venue[i]} {book.symbol[i]} {'long' if c.s[i] > 0 else 'short'}) "
                                    "re-margined at each leverage; return on margin", F.section)
            ws.write_string(row + 1, 0, "Tiers at each liquidation price are frozen at report time; the leverage "
                                        "row is editable but then the tier constants below it may be stale.",
                            F.subtitle)
            r0 = row + 2
            labels = ["Leverage", "Margin", "mmr at liq.", "cum at liq.", "Liquidation price"]
            for k, lab in enumerate(labels):
                ws.write_string(r0 + k, 4, lab, F.label)
            S, Q, E, L = (f"{POS}!${P[k]}${pr}" for k in ("s", "size", "entry", "mark"))
            inv = bool(c.inv[i])
            for j, lev in enumerate(LEVERAGES):
                col = 6 + j
                cl = _col(col)
                ws.write_number(r0, col, lev, F.get("num", 0, inp=True))
                m_f = f"={Q}/{E}/{cl}{r0 + 1}" if inv else f"={Q}*{E}/{cl}{r0 + 1}"
                margin = float(kernel.value(book.size[i], book.entry[i], float(inv)) / lev)
                ws.write_formula(r0 + 1, col, m_f, self.amt(i), margin)
                ws.write_number(r0 + 2, col, float(grate[j]), F.get("rate"))
                ws.write_number(r0 + 3, col, float(gcum[j]), F.get("num", 2))
                M, mr, cm = (f"{cl}{r0 + 2}", f"{cl}{r0 + 3}", f"{cl}{r0 + 4}")
                if inv:
                    den = f"{M}+{cm}+{S}*{Q}/{E}"
                    lf = f'=IF(AND({S}<0,{den}>=0),"none",{Q}*({mr}+{S})/({den}))'
                else:
                    lf = f"=MAX((({M}/{Q}+{cm}/{Q})-{S}*{E})/({mr}-{S}),0)"
                ws.write_formula(r0 + 4, col, lf, self.price(i), _v(gliq[j]))
            hr = r0 + 5
            ws.write_string(hr, 4, "Move of the mark", F.header)
            ws.write_string(hr, 5, "Price", F.header)
            for j in range(len(LEVERAGES)):
                ws.write_formula(hr, 6 + j, f'={_col(6 + j)}{r0 + 1}&"x"', F.header, f"{LEVERAGES[j]}x")
            for k, mv in enumerate(MOVES):
                rr = hr + 1 + k
                ws.write_number(rr, 4, mv, F.get("pct", 0, inp=True))
                ws.write_formula(rr, 5, f"={L}*(1+E{rr + 1})", self.price(i), float(book.mark[i] * (1 + mv)))
                for j in range(len(LEVERAGES)):
                    cl = _col(6 + j)
                    LQ, M = f"{cl}${r0 + 5}", f"{cl}${r0 + 2}"
                    Pm = f"$F{rr + 1}"
                    raw = (f"{S}*{Q}*(1/{E}-1/{Pm})" if inv else f"{S}*{Q}*({Pm}-{E})")
                    cond = f"IF(ISNUMBER({LQ}),IF({S}>0,{Pm}<={LQ},{Pm}>={LQ}),FALSE)"
                    ws.write_formula(rr, 6 + j, f"=IF({cond},-{M},{raw})/{M}", F.get("pct", 0), float(roe[k, j]))
            g0, g1 = hr + 1, hr + len(MOVES)
            rng = f"G{g0 + 1}:{_col(5 + len(LEVERAGES))}{g1 + 1}"
            ws.conditional_format(rng, {"type": "formula", "criteria": f"=G{g0 + 1}<=-1", "format": F.liq_pct,
                                        "stop_if_true": True})
            ws.conditional_format(rng, {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFFFFF",
                                        "max_color": "#63BE7B", "mid_type": "num", "mid_value": 0,
                                        "min_type": "num", "min_value": -1, "max_type": "num", "max_value": 1})
            row = g1 + 3
        # 2. heatmap: positions x moves, USD
        ws.write_string(row, 0, "PnL by position at a move of every mark (USD; from entry, liquidation included: "
                                "an isolated position loses its margin and no more). LIQ = liquidated.", F.section)
        hr = row + 1
        heads = ["Input row", "Venue", "Symbol", "Side", "Mark", "Liq. price"]
        ws.merge_range(hr, 0, hr, 5, "Move of every mark (input) →", F.rlabel)
        for j, mv in enumerate(MOVES):
            ws.write_number(hr, 6 + j, mv, F.get("pct", 0, inp=True))
        pnl, liqd = scenario_pnl(c, MOVES)
        tr = hr + 1  # totals
        first = hr + 5
        last = first + self.n - 1
        ws.merge_range(tr, 0, tr, 5, "Total PnL (USD)", F.rlabel)
        ws.merge_range(tr + 1, 0, tr + 1, 5, "Change vs now (USD)", F.rlabel)
        ws.merge_range(tr + 2, 0, tr + 2, 5, "Positions liquidated", F.rlabel)
        upnl_total = f"SUM({self.prange('upnl_usd')})"
        self.scen_total_row = tr
        for j in range(len(MOVES)):
            cl = _col(6 + j)
            mvr = f"{cl}${hr + 1}"
            if self.n:
                tot = f"=SUM({cl}{first + 1}:{cl}{last + 1})"
                sides, marks, liqs = (f"${x}${first + 1}:${x}${last + 1}" for x in ("D", "E", "F"))
                cnt = (f"=SUMPRODUCT(ISNUMBER({liqs})*((({sides}=\"long\")*({marks}*(1+{mvr})<={liqs}))+"
                       f"(({sides}=\"short\")*({marks}*(1+{mvr})>={liqs}))))")
            else:
                tot, cnt = "=0", "=0"
            ws.write_formula(tr, 6 + j, tot, F.get("usd", bold=True), float(pnl[:, j].sum()))
            ws.write_formula(tr + 1, 6 + j, f"={cl}{tr + 1}-{upnl_total}", F.get("usd"),
                             float(pnl[:, j].sum() - np.sum(c.upnl * c.fx)))
            ws.write_formula(tr + 2, 6 + j, cnt, F.get("int"), int(liqd[:, j].sum()))
        for k, h in enumerate(heads):
            ws.write_string(first - 1, k, h, F.header)
        for j in range(len(MOVES)):
            ws.write_formula(first - 1, 6 + j, f"={_col(6 + j)}{hr + 1}", F.get("pct", 0, bold=True), MOVES[j])
        for i in range(self.n):
            r0 = first + i
            pr = FIRST + i
            inv = bool(c.inv[i])
            self.identity_cells(ws, r0, i, lambda k: f"{POS}!{P[k]}{pr}")
            ws.write_formula(r0, 5, f"={POS}!{P['liq']}{pr}", self.price(i), _v(c.liq[i]))
            S, Q, E, M = (f"{POS}!${P[k]}{pr}" for k in ("s", "size", "entry", "margin"))
            if self.opt[i]:
                ws.write_formula(r0, 5, f"={POS}!{P['liq']}{pr}", F.get("num", 0), "n/a")
                K, T, V = (f"{POS}!${P[k]}{pr}" for k in ("strike", "expiry", "vol"))
                wt = 1 if book.option_type[i] == "call" else -1
                for j in range(len(MOVES)):
                    Pm = f"($E{r0 + 1}*(1+{_col(6 + j)}${hr + 1}))"
                    value = _b76(wt, Pm, K, T, V, "value", inv)
                    f = f"={S}*{Q}*({value}-{E})" + (f"*{Pm}" if inv else "")
                    ws.write_formula(r0, 6 + j, f, F.get("usd"), float(pnl[i, j]))
                continue
            for j in range(len(MOVES)):
                cl = _col(6 + j)
                Pm = f"$E{r0 + 1}*(1+{cl}${hr + 1})"
                cond = f"IF(ISNUMBER($F{r0 + 1}),IF({S}>0,{Pm}<=$F{r0 + 1},{Pm}>=$F{r0 + 1}),FALSE)"
                if inv:
                    f = f"=IF({cond},-{M},{S}*{Q}*(1/{E}-1/({Pm})))*{Pm}"
                else:
                    f = f"=IF({cond},-{M},{S}*{Q}*({Pm}-{E}))"
                ws.write_formula(r0, 6 + j, f, F.get("usd"), float(pnl[i, j]))
        if self.n:
            rng = f"G{first + 1}:{_col(5 + len(MOVES))}{last + 1}"
            ws.conditional_format(rng, {"type": "formula", "format": F.liq, "stop_if_true": True, "criteria":
                                        f'=AND(ISNUMBER($F{first + 1}),IF($D{first + 1}="long",'
                                        f'$E{first + 1}*(1+G${hr + 1})<=$F{first + 1},'
                                        f'$E{first + 1}*(1+G${hr + 1})>=$F{first + 1}))'})
            ws.conditional_format(rng, {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFFFFF",
                                        "max_color": "#63BE7B", "mid_type": "num", "mid_value": 0})
            ws.conditional_format(f"G{tr + 1}:{_col(5 + len(MOVES))}{tr + 1}",
                                  {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFFFFF",
                                   "max_color": "#63BE7B", "mid_type": "num", "mid_value": 0})
        ws.freeze_panes(first, 3)
        _page(ws, "Scenarios", self.as_of, (first - 1, first - 1))
        self.scen_heat = (hr, first, last)
        if self.has_opt:
            self.write_option_grid(max(last, first) + 3)

    def write_option_grid(self, row: int) -> None:
        """The option book's PnL vs now (USD) over moves of the underlying x absolute vol shifts, Deribit
        portfolio-margin style: totals on top (heatmap), then one block per vol shift with a row per option;
        native Black-76 formulas, cached values from :func:`levxl.engine.options.option_pnl_grid`."""
        from levxl.book.figures import OPTION_MOVES, OPTION_VOL_SHIFTS  # noqa: PLC0415

        ws, F, c, book = self.scen, self.F, self.c, self.c.book
        P, fig = self.P, self.c.ofig
        moves, shifts = OPTION_MOVES, OPTION_VOL_SHIFTS
        ws.write_string(row, 0, "Option book: PnL vs now (USD) at a move of every underlying × a vol shift "
                                "(Deribit portfolio-margin style; same days to expiry)", F.section)
        ws.write_string(row + 1, 0, "Vol shifts are absolute (−10 vol points: 60% → 50%), floored at 0; moves and "
                                    "shifts are inputs (blue). Options only; perps are in the heatmap above.",
                        F.subtitle)
        hr = row + 2
        ws.merge_range(hr, 0, hr, 5, "Move of every underlying (input) →", F.rlabel)
        for j, mv in enumerate(moves):
            ws.write_number(hr, 6 + j, mv, F.get("pct", 0, inp=True))
        n_opt = len(fig.idx)
        width = len(moves)
        fx_move = np.array([[book.mark[i] * (1 + m) if c.inv[i] else 1.0 for m in moves] for i in fig.idx])
        usd = fig.grid * fx_move[:, None, :]  # (options, shifts, moves)
        d_head = hr + len(shifts) + 3  # detail header; then per shift a label row and a row per option
        block = [d_head + 1 + k * (n_opt + 1) for k in range(len(shifts))]  # label row of each shift's block
        for k, sh in enumerate(shifts):
            r0 = hr + 1 + k
            ws.merge_range(r0, 0, r0, 4, "Total PnL (USD) at a vol shift (abs., input) of" if k == 0 else "",
                           F.rlabel)
            ws.write_number(r0, 5, sh, F.get("pct", 0, inp=True))
            for j in range(width):
                dc = _col(6 + j)
                ws.write_formula(r0, 6 + j, f"=SUM({dc}{block[k] + 2}:{dc}{block[k] + 1 + n_opt})",
                                 F.get("usd", bold=True), float(usd[:, k, j].sum()))
        g0, g1 = hr + 1, hr + len(shifts)
        ws.conditional_format(f"G{g0 + 1}:{_col(5 + width)}{g1 + 1}",
                              {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFFFFF",
                               "max_color": "#63BE7B", "mid_type": "num", "mid_value": 0})
        self.opt_grid = (hr, g0, d_head, block)
        # detail
        ws.write_string(d_head - 1, 0, "Detail by option (USD, PnL vs now)", F.section)
        for k, h in enumerate(["Input row", "Venue", "Symbol", "Side", "Mark", "Value now"]):
            ws.write_string(d_head, k, h, F.header)
        for j in range(width):
            ws.write_formula(d_head, 6 + j, f"={_col(6 + j)}${hr + 1}", F.get("pct", 0, bold=True), float(moves[j]))
        for k, sh in enumerate(shifts):
            ws.merge_range(block[k], 0, block[k], 5, "", F.label)
            ws.write_formula(block[k], 0, f'="Vol shift "&TEXT($F${g0 + 1 + k},"+0%;-0%;0%")&" (abs.)"', F.label,
                             f"Vol shift {sh:+.0%} (abs.)" if sh else "Vol shift 0% (abs.)")
            for kk, i in enumerate(fig.idx):
                r0 = block[k] + 1 + kk
                pr = FIRST + i
                inv = bool(c.inv[i])
                gq = {x: f"{POS}!${P[x]}${pr}" for x in ("row", "venue", "symbol", "side", "mark", "oval", "s",
                                                           "size", "strike", "expiry", "vol")}
                self.identity_cells(ws, r0, i, gq.__getitem__)
                ws.write_formula(r0, 5, f"={gq['oval']}", self.amt(i), float(fig.value[kk]))
                wt = 1 if book.option_type[i] == "call" else -1
                for j in range(width):
                    Pm = f"($E{r0 + 1}*(1+{_col(6 + j)}${hr + 1}))"
                    vol = f"MAX({gq['vol']}+$F${g0 + 1 + k},0)"
                    value = _b76(wt, Pm, gq["strike"], gq["expiry"], vol, "value", inv)
                    f = f"={gq['s']}*{gq['size']}*({value}-$F{r0 + 1})" + (f"*{Pm}" if inv else "")
                    ws.write_formula(r0, 6 + j, f, F.get("usd"), float(usd[kk, k, j]))

    # ---- Stress ----------------------------------------------------------------------------------------------
    def write_stress(self) -> dict:
        ws, F, c, book = self.stress, self.F, self.c, self.c.book
        P = self.P
        ws.write_string(0, 0, "Stress", F.title)
        ws.write_string(1, 0, "Historical days apply BTC's move to every position's mark (alts usually fell "
                              "further: edit the moves). Isolated margin: a liquidated position loses its margin.",
                        F.subtitle)
        widths = [8, 44, 11, 15, 15, 12, 15, 13]
        for k, wdt in enumerate(widths):
            ws.set_column(k, k, wdt)
        heads = ["", "Scenario", "Shock", "PnL from entry (USD)", "Change vs now (USD)", "Positions liquidated",
                 "Notional liquidated (USD)", "Notes"]
        for k, h in enumerate(heads):
            if h:
                ws.write_string(3, k, h, F.header)
        ws.set_row(3, 30)
        n = self.n
        # detail table below: columns
        detail_hr = 16
        d_first = detail_hr + 1  # 0-based first detail row
        d_last = d_first + n - 1
        names = [d[0] for d in STRESS_DAYS] + ["Scenario move (Summary)"]
        moves = [d[1] for d in STRESS_DAYS] + [-0.10]
        # price scenarios: rows 4..8 (0-based)
        pnl, liqd = scenario_pnl(c, moves)
        upnl_usd = c.upnl * c.fx
        up_tot = float(upnl_usd.sum())
        up_f = f"SUM({self.prange('upnl_usd')})"
        liqs, sides, marks, nus = (self.prange(k) for k in ("liq", "s", "mark", "notional_usd"))
        for k, (name, mv) in enumerate(zip(names, moves)):
            r0 = 4 + k
            dc = _col(3 + k)  # detail column of this scenario
            ws.write_string(r0, 1, name, F.label)
            if k < len(STRESS_DAYS):
                ws.write_number(r0, 2, mv, F.get("pct", 0, inp=True))
                self.note(ws, r0, STRESS_DAYS[k][2])
            else:
                ws.write_formula(r0, 2, f"={self.s_ref(self.in_move, 2)}", F.get("pct", 1), mv)
                self.note(ws, r0, "The move on Summary's input cell")
            mvr = f"$C${r0 + 1}"
            rng = f"{dc}{d_first + 1}:{dc}{d_last + 1}" if n else None
            ws.write_formula(r0, 3, f"=SUM({rng})" if n else "=0", F.get("usd"), float(pnl[:, k].sum()))
            ws.write_formula(r0, 4, f"=D{r0 + 1}-{up_f}", F.get("usd"), float(pnl[:, k].sum() - up_tot))
            hit = (f"ISNUMBER({liqs})*((({sides}>0)*({marks}*(1+{mvr})<={liqs}))+(({sides}<0)*"
                   f"({marks}*(1+{mvr})>={liqs})))")
            ws.write_formula(r0, 5, f"=SUMPRODUCT({hit})" if n else "=0", F.get("int"), int(liqd[:, k].sum()))
            ws.write_formula(r0, 6, f"=SUMPRODUCT({hit}*{nus})" if n else "=0", F.get("usd"),
                             float((liqd[:, k] * np.nan_to_num(c.notional_usd)).sum()))
        self.custom_row = 4 + len(STRESS_DAYS)
        # gap through the liquidation price
        rg = 4 + len(names)
        fin = np.array([math.isfinite(x) for x in c.liq], dtype=bool)
        gap = np.where(fin, -c.margin * c.fx, 0.0)
        gcol = _col(3 + len(names))
        ws.write_string(rg, 1, "Gap through every liquidation price", F.label)
        ws.write_string(rg, 2, "all", F.text)
        ws.write_formula(rg, 3, f"=SUM({gcol}{d_first + 1}:{gcol}{d_last + 1})" if n else "=0", F.get("usd"),
                         float(gap.sum()))
        ws.write_formula(rg, 4, f"=D{rg + 1}-{up_f}", F.get("usd"), float(gap.sum() - up_tot))
        ws.write_formula(rg, 5, f"=COUNT({liqs})" if n else "=0", F.get("int"), int(fin.sum()))
        ws.write_formula(rg, 6, f"=SUMPRODUCT(ISNUMBER({liqs})*{nus})" if n else "=0", F.get("usd"),
                         float(np.where(fin, c.notional_usd, 0.0).sum()))
        self.note(ws, rg, "Each mark jumps past its liquidation price with no fill in between: the whole "
                               "isolated margin is lost (USD at the mark); the shortfall beyond the bankruptcy "
                               "price falls on the venue's insurance fund / ADL.")
        # funding spike
        rf = rg + 1
        cap_cell, days_cell = f"$C${rf + 1}", f"$C${rf + 2}"
        cost = np.nan_to_num(c.notional * FUNDING_CAP * FUNDING_INTERVALS_PER_DAY * FUNDING_STRESS_DAYS)
        hit_f = (c.margin + c.upnl - cost <= c.maintenance).astype(int) if n else np.zeros(0, dtype=int)
        fcost, fhit = _col(4 + len(names)), _col(5 + len(names))
        ws.write_string(rf, 1, "Funding spike to the cap, paid by every position", F.label)
        ws.write_number(rf, 2, FUNDING_CAP, F.get("rate", inp=True))
        ws.write_string(rf + 1, 1, "  days at the cap (3 intervals a day)", F.text)
        ws.write_number(rf + 1, 2, FUNDING_STRESS_DAYS, F.get("num", 1, inp=True))
        ws.write_formula(rf, 4, f"=-SUM({fcost}{d_first + 1}:{fcost}{d_last + 1})" if n else "=0", F.get("usd"),
                         float(-(cost * c.fx).sum()))
        ws.write_formula(rf, 3, f"=E{rf + 1}+{up_f}", F.get("usd"), float(-(cost * c.fx).sum() + up_tot))
        ws.write_formula(rf, 5, f"=SUM({fhit}{d_first + 1}:{fhit}{d_last + 1})" if n else "=0", F.get("int"),
                         int(hit_f.sum()))
        ws.write_formula(rf, 6, f"=SUMPRODUCT({fhit}{d_first + 1}:{fhit}{d_last + 1},{nus})" if n else "=0",
                         F.get("usd"), float((hit_f * np.nan_to_num(c.notional_usd)).sum()))
        self.note(ws, rf, "Rate per 8 h at its cap (0.75% = OKX default; Binance/Bybit caps vary by "
                               "symbol), charged against each position whatever its side, on the notional at the "
                               "mark. Liquidated: margin + uPnL - funding <= maintenance margin at the mark.")
        # vol shock
        rv = rf + 2
        vm = f"$C${rv + 1}"
        has_vol = ~np.isnan(book.vol) & (book.vol > 0) & ~self.opt if n else np.zeros(0, dtype=bool)
        _, _, prob_fn = _probability_functions()
        with np.errstate(divide="ignore", invalid="ignore"):
            never = np.where(c.s > 0, 0.0, np.inf)  # options: the engine's "never liquidated"
            pv = (np.where(has_vol, np.asarray(prob_fn(c.s, book.mark, np.where(self.opt, never, c.liq),
                                                       np.where(has_vol, book.vol, 1.0)
                                                       * VOL_MULTIPLIER, 7), dtype=float), np.nan)
                  if n else np.zeros(0))
        equity_usd = np.nan_to_num((c.margin + c.upnl) * c.fx)
        exp_loss = np.where(np.isnan(pv), 0.0, pv) * equity_usd
        pcol, lcol = _col(7 + len(names)), _col(8 + len(names))
        ws.write_string(rv, 1, "Volatility shock: vol x, liquidation within 7 days", F.label)
        ws.write_number(rv, 2, VOL_MULTIPLIER, F.get("num", 1, inp=True))
        ws.write_formula(rv, 4, f"=-SUM({lcol}{d_first + 1}:{lcol}{d_last + 1})" if n else "=0", F.get("usd"),
                         float(-exp_loss.sum()))
        ws.write_formula(rv, 3, f"=E{rv + 1}+{up_f}", F.get("usd"), float(-exp_loss.sum() + up_tot))
        ws.write_formula(rv, 5, f"=SUM({pcol}{d_first + 1}:{pcol}{d_last + 1})" if n else "=0", F.get("num", 2),
                         float(np.nansum(pv)))
        ws.write_formula(rv, 6, f"=SUMPRODUCT({pcol}{d_first + 1}:{pcol}{d_last + 1},{nus})" if n else "=0",
                         F.get("usd"), float(np.nansum(pv * np.nan_to_num(c.notional_usd))))
        self.note(ws, rv, "Expected values: Σ P(liquidated within 7 days at the shocked vol) for the count, "
                               "x notional, and x equity (margin + uPnL) for the change vs now.")
        ws.conditional_format(f"D5:E{rv + 1}", {"type": "3_color_scale", "min_color": "#F8696B",
                                                "mid_color": "#FFFFFF", "max_color": "#63BE7B", "mid_type": "num",
                                                "mid_value": 0})
        # detail
        ws.write_string(detail_hr - 1, 0, "Detail by position (USD)", F.section)
        dheads = ["Input row", "Symbol", "Side"] + names + ["Gap", "Funding cost", "Liq. by funding",
                                                           "Ann. vol shocked", "P(liq 7d) shocked",
                                                           "Expected loss"]
        for k, h in enumerate(dheads):
            ws.write_string(detail_hr, k, h, F.header)
        ws.set_row(detail_hr, 42)
        ws.set_column(8, 8 + 7, 13)
        for i in range(n):
            r0 = d_first + i
            pr = FIRST + i
            inv = bool(c.inv[i])
            g = {k: f"{POS}!${col}${pr}" for k, col in P.items()}
            ws.write_formula(r0, 0, f"={g['row']}", F.get("int"), book.row[i])
            ws.write_formula(r0, 1, f"={g['symbol']}", F.text, book.symbol[i])
            ws.write_formula(r0, 2, f"={g['side']}", F.text, "long" if c.s[i] > 0 else "short")
            S, Q, E, M, L, LQ = g["s"], g["size"], g["entry"], g["margin"], g["mark"], g["liq"]
            if self.opt[i]:  # not liquidated, no funding: Black-76 value at the moved mark, from the premium
                K, T, V = g["strike"], g["expiry"], g["vol"]
                wt = 1 if book.option_type[i] == "call" else -1
                for k in range(len(names)):
                    Pm = f"({L}*(1+$C${5 + k}))"
                    value = _b76(wt, Pm, K, T, V, "value", inv)
                    ws.write_formula(r0, 3 + k, f"={S}*{Q}*({value}-{E})" + (f"*{Pm}" if inv else ""),
                                     F.get("usd"), float(pnl[i, k]))
                j = 3 + len(names)
                for col in range(j, j + 6):
                    ws.write_string(r0, col, "n/a", F.get("num", 0))
                continue
            for k in range(len(names)):
                Pm = f"{L}*(1+$C${5 + k})"
                cond = f"IF(ISNUMBER({LQ}),IF({S}>0,{Pm}<={LQ},{Pm}>={LQ}),FALSE)"
                f = (f"=IF({cond},-{M},{S}*{Q}*(1/{E}-1/({Pm})))*{Pm}" if inv
                     else f"=IF({cond},-{M},{S}*{Q}*({Pm}-{E}))")
                ws.write_formula(r0, 3 + k, f, F.get("usd"), float(pnl[i, k]))
            j = 3 + len(names)
            ws.write_formula(r0, j, f"=IF(ISNUMBER({LQ}),-{M}*{g['fx']},0)", F.get("usd"), float(gap[i]))
            ws.write_formula(r0, j + 1, f"={g['notional']}*{cap_cell}*{FUNDING_INTERVALS_PER_DAY}*{days_cell}"
                                        f"*{g['fx']}", F.get("usd"), float(cost[i] * c.fx[i]))
            ws.write_formula(r0, j + 2, f"=IF({M}+{g['upnl']}-{g['notional']}*{cap_cell}*"
                                        f"{FUNDING_INTERVALS_PER_DAY}*{days_cell}<={g['mm']},1,0)", F.get("int"),
                             int(hit_f[i]))
            vcell = f"{_col(j + 3)}{r0 + 1}"
            ws.write_formula(r0, j + 3, f'=IF(N({g["vol"]})>0,{g["vol"]}*{vm},"")', F.get("pct", 1),
                             _v(book.vol[i] * VOL_MULTIPLIER) if has_vol[i] else "")
            pf = self.prob_formula({"s": S, "mark": L, "liq": LQ}, 7, vcell)
            ws.write_formula(r0, j + 4, pf, F.get("pct", 2), _v(pv[i]))
            ws.write_formula(r0, j + 5, f"=N({_col(j + 4)}{r0 + 1})*({M}+{g['upnl']})*{g['fx']}", F.get("usd"),
                             float(exp_loss[i]))
        ws.freeze_panes(detail_hr + 1, 3)
        _page(ws, "Stress", self.as_of)
        return {"moves": moves, "pnl": pnl}

    def note(self, ws, r0: int, text: str) -> None:
        ws.merge_range(r0, 7, r0, 13, "", self.F.note)
        ws.write_string(r0, 7, text, self.F.note)
        ws.set_row(r0, 13.5 * max(1, math.ceil(len(text) / 110)))

    # ---- Liquidation ladder ---------------------------------------------------------------------------------------
    def write_ladder(self) -> None:
        ws, F, c, book = self.ladder, self.F, self.c, self.c.book
        P = self.P
        ws.write_string(0, 0, "Liquidation ladder", F.title)
        ws.write_string(1, 0, "If every mark moved by the same fraction, which positions go and how much notional "
                              "is liquidated in total. Order fixed at report time; values live.", F.subtitle)
        heads = ["Input row", "Symbol", "Liq. price", "Move to liq.", "Notional (USD)", "Cumulative (USD)",
                 "Cum. % of gross"]
        for side_k, (title, col0, sel) in enumerate((("As the price falls: longs", 0, c.s > 0),
                                                     ("As the price rises: shorts", 8, c.s < 0))):
            ws.write_string(3, col0, title, F.section)
            for k, h in enumerate(heads):
                ws.write_string(4, col0 + k, h, F.header)
            ws.set_row(4, 30)
            ws.set_column(col0, col0, 7)
            ws.set_column(col0 + 1, col0 + 1, 14)
            ws.set_column(col0 + 2, col0 + 6, 12)
            idx = [i for i in range(self.n) if sel[i] and math.isfinite(c.liq[i])]
            # closest first in the direction of travel; positions already beyond their price come first
            idx.sort(key=lambda i: (-c.s[i] * c.move_to_liq[i], i))
            cum = 0.0
            gross = float(np.nansum(c.notional_usd)) or 1.0
            gross_f = f"SUM({self.prange('notional_usd')})"
            for k, i in enumerate(idx):
                r0 = 5 + k
                pr = FIRST + i
                cum += float(c.notional_usd[i])
                ws.write_formula(r0, col0, f"={POS}!{P['row']}{pr}", F.get("int"), book.row[i])
                ws.write_formula(r0, col0 + 1, f"={POS}!{P['symbol']}{pr}", F.text, book.symbol[i])
                ws.write_formula(r0, col0 + 2, f"={POS}!{P['liq']}{pr}", self.price(i), _v(c.liq[i]))
                ws.write_formula(r0, col0 + 3, f'=IF(ISNUMBER({_col(col0 + 2)}{r0 + 1}),{_col(col0 + 2)}{r0 + 1}/'
                                               f'{POS}!{P["mark"]}{pr}-1,"none")', F.get("pct", 1),
                                 _v(c.move_to_liq[i]))
                ws.write_formula(r0, col0 + 4, f"={POS}!{P['notional_usd']}{pr}", F.get("usd"),
                                 float(c.notional_usd[i]))
                prev = f"{_col(col0 + 5)}{r0}+" if k else ""
                ws.write_formula(r0, col0 + 5, f"={prev}{_col(col0 + 4)}{r0 + 1}", F.get("usd"), cum)
                ws.write_formula(r0, col0 + 6, f"={_col(col0 + 5)}{r0 + 1}/{gross_f}", F.get("pct", 1),
                                 cum / gross)
            if not idx:
                ws.write_string(5, col0, "none", F.note)
            if side_k == 0:
                self.ladder_long = len(idx)
            else:
                self.ladder_short = len(idx)
        chart = self.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        for title, col0, count, color in (("Longs (falls)", 0, self.ladder_long, "#C00000"),
                                          ("Shorts (rises)", 8, self.ladder_short, "#2F5597")):
            if count:
                chart.add_series({
                    "name": title,
                    "categories": ["Liquidation ladder", 5, col0 + 3, 4 + count, col0 + 3],
                    "values": ["Liquidation ladder", 5, col0 + 5, 4 + count, col0 + 5],
                    "line": {"color": color, "width": 2}, "marker": {"type": "circle", "size": 4,
                                                                      "fill": {"color": color},
                                                                      "border": {"color": color}}})
        chart.set_title({"name": "Cumulative notional liquidated vs. move of every mark",
                         "name_font": {"size": 11}})
        chart.set_x_axis({"name": "Move of the mark", "num_format": "0%", "crossing": "min",
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_y_axis({"name": "Notional liquidated (USD)", "num_format": "#,##0", "min": 0,
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 900, "height": 420})
        if self.ladder_long or self.ladder_short:  # a chart without a series is not a valid part
            ws.insert_chart(3, 16, chart)
        ws.freeze_panes(5, 0)
        _page(ws, "Liquidation ladder", self.as_of, (4, 4))

    # ---- Funding and decay -------------------------------------------------------------------------------------
    def write_funding(self) -> None:
        ws, F, c, book = self.fund, self.F, self.c, self.c.book
        P = self.P
        ws.write_string(0, 0, "Funding and decay", F.title)
        ws.write_string(1, 0, "Funding projected at each position's current rate (per 8 h, 3 intervals a day; "
                              "positive rate: longs pay). " + ("Options pay no funding: their theta bleed is below."
                                                               if self.has_opt else
                                                               "No options in this book, so no theta bleed."),
                        F.subtitle)
        heads = ["Input row", "Venue", "Symbol", "Side", "Margin ccy", "Rate / 8h", "Per day (margin ccy)",
                 "Per day (USD)", "7 days (USD)", "30 days (USD)", "Per year (USD)", "% of margin / year"]
        widths = [7, 10, 14 if not self.has_opt else 21, 6, 7, 10, 14, 12, 12, 12, 13, 11]
        for k, (h, wdt) in enumerate(zip(heads, widths)):
            ws.write_string(3, k, h, F.header)
            ws.set_column(k, k, wdt)
        ws.set_row(3, 30)
        perps = [i for i in range(self.n) if not self.opt[i]]
        total_row = FIRST - 1 + len(perps)
        for kk, i in enumerate(perps):
            r0 = FIRST - 1 + kk
            pr = FIRST + i
            g = {k: f"{POS}!{col}{pr}" for k, col in P.items()}
            fd = float(c.funding_day[i])
            ws.write_formula(r0, 0, f"={g['row']}", F.get("int"), book.row[i])
            ws.write_formula(r0, 1, f"={g['venue']}", F.text, book.venue[i])
            ws.write_formula(r0, 2, f"={g['symbol']}", F.text, book.symbol[i])
            ws.write_formula(r0, 3, f"={g['side']}", F.text, "long" if c.s[i] > 0 else "short")
            ws.write_formula(r0, 4, f"={g['ccy']}", F.text, self.ccy[i])
            ws.write_formula(r0, 5, f"={g['fund_rate']}", F.get("rate"), float(book.funding_rate[i]))
            ws.write_formula(r0, 6, f"={g['fund_day']}", self.amt(i), fd)
            ws.write_formula(r0, 7, f"=G{r0 + 1}*{g['fx']}", F.get("usd"), fd * float(c.fx[i]))
            ws.write_formula(r0, 8, f"=H{r0 + 1}*7", F.get("usd"), fd * float(c.fx[i]) * 7)
            ws.write_formula(r0, 9, f"=H{r0 + 1}*30", F.get("usd"), fd * float(c.fx[i]) * 30)
            ws.write_formula(r0, 10, f"=H{r0 + 1}*365", F.get("usd"), fd * float(c.fx[i]) * 365)
            ws.write_formula(r0, 11, f"=G{r0 + 1}*365/{g['margin']}", F.get("pct", 1),
                             fd * 365 / float(c.margin[i]))
        ws.write_string(total_row, 6, "Total (USD)", F.get("text", top=True))
        for k, mult in ((7, 1), (8, 7), (9, 30), (10, 365)):
            cl = _col(k)
            ws.write_formula(total_row, k, f"=SUM({cl}{FIRST}:{cl}{total_row})" if perps else "=0",
                             F.get("usd", top=True), float(np.sum(c.funding_day * c.fx)) * mult)
        if perps:
            ws.conditional_format(f"L{FIRST}:L{total_row}", {"type": "3_color_scale", "min_color": "#F8696B",
                                                            "mid_color": "#FFFFFF", "max_color": "#63BE7B",
                                                            "mid_type": "num", "mid_value": 0})
        ws.freeze_panes(4, 3)
        if self.has_opt:
            self.write_decay(total_row + 3)
        _page(ws, "Funding and decay", self.as_of, (3, 3))

    def write_decay(self, row: int) -> None:
        """Theta bleed of the options: theta per day (Positions) and the value lost to time over 7 and 30 days,
        all else equal (native Black-76 formulas; cached: :func:`levxl.engine.options.option_decay`)."""
        ws, F, c, book = self.fund, self.F, self.c, self.c.book
        P, fig = self.P, self.c.ofig
        ws.write_string(row, 0, "Theta bleed of the options (all else equal; + = earned by a seller, − = paid by "
                                "a buyer)", F.section)
        heads = ["Input row", "Venue", "Symbol", "Side", "Margin ccy", "Days to expiry", "Theta / day (margin ccy)",
                 "Theta / day (USD)", "7 days (USD)", "30 days (USD)", "Value now (USD)", "30 days, % of value"]
        hr = row + 1
        for k, h in enumerate(heads):
            ws.write_string(hr, k, h, F.header)
        ws.set_row(hr, 30)
        first = hr + 1
        for kk, i in enumerate(fig.idx):
            r0 = first + kk
            pr = FIRST + i
            inv = bool(c.inv[i])
            g = {k: f"{POS}!${col}${pr}" for k, col in P.items()}
            ws.write_formula(r0, 0, f"={g['row']}", F.get("int"), book.row[i])
            ws.write_formula(r0, 1, f"={g['venue']}", F.text, book.venue[i])
            ws.write_formula(r0, 2, f"={g['symbol']}", F.text, book.symbol[i])
            ws.write_formula(r0, 3, f"={g['side']}", F.text, "long" if c.s[i] > 0 else "short")
            ws.write_formula(r0, 4, f"={g['ccy']}", F.text, self.ccy[i])
            ws.write_formula(r0, 5, f"={g['expiry']}", F.get("num", 1), float(book.expiry_days[i]))
            fx = float(c.fx[i])
            ws.write_formula(r0, 6, f"={g['theta']}", self.amt(i), float(fig.theta[kk]))
            ws.write_formula(r0, 7, f"=G{r0 + 1}*{g['fx']}", F.get("usd"), float(fig.theta[kk]) * fx)
            wt = 1 if book.option_type[i] == "call" else -1
            S, Q, L, K, T, V = (g[x] for x in ("s", "size", "mark", "strike", "expiry", "vol"))
            for col, days, val in ((8, 7, fig.decay_7[kk]), (9, 30, fig.decay_30[kk])):
                later = _b76(wt, L, K, f"MAX({T}-{days},0)", V, "value", inv)
                ws.write_formula(r0, col, f"={S}*{Q}*({later}-{g['oval']})*{g['fx']}", F.get("usd"),
                                 float(val) * fx)
            value_usd = float(c.s[i] * book.size[i] * fig.value[kk]) * fx
            ws.write_formula(r0, 10, f"={S}*{Q}*{g['oval']}*{g['fx']}", F.get("usd"), value_usd)
            ws.write_formula(r0, 11, f'=IF(K{r0 + 1}=0,"",J{r0 + 1}/ABS(K{r0 + 1}))', F.get("pct", 1),
                             float(fig.decay_30[kk]) * fx / abs(value_usd) if value_usd else "")
        tr = first + len(fig.idx)
        ws.write_string(tr, 6, "Total (USD)", F.get("text", top=True))
        fx = c.fx[fig.idx]
        for col, val in ((7, fig.theta), (8, fig.decay_7), (9, fig.decay_30), (10, c.s[fig.idx] *
                                                                               book.size[fig.idx] * fig.value)):
            cl = _col(col)
            ws.write_formula(tr, col, f"=SUM({cl}{first + 1}:{cl}{tr})", F.get("usd", top=True),
                             float(np.sum(val * fx)))
        ws.merge_range(tr + 1, 0, tr + 1, 11, "", F.note)
        ws.set_row(tr + 1, 27)
        ws.write_string(tr + 1, 0, "Theta is the engine's per calendar day (Black-76, rate 0); the 7- and 30-day "
                                   "figures reprice each option with 7 and 30 fewer days (payoff if it expires "
                                   "first) at today's mark and vol: decay is not linear, it speeds up near expiry.",
                        F.note)

    # ---- Methodology ---------------------------------------------------------------------------------------
    def plan_tiers(self) -> None:
        """Where each tier table goes on Methodology (needed before Positions for the LOOKUP ranges)."""
        self.tier_ranges: dict[str, tuple[str, str, str]] = {}
        self.tier_start = 26
        r = self.tier_start
        self.tier_layout = []
        for name, table in self.c.tables.items():
            head = r + 1
            first, last = head + 1, head + table.size
            sh = "Methodology"
            self.tier_ranges[name] = tuple(f"{sh}!${col}${first + 1}:${col}${last + 1}" for col in ("C", "F", "G"))
            self.tier_layout.append((name, table, r, head, first))
            r = last + 3

    def write_methodology(self, stress_info: dict) -> None:
        ws, F = self.meth, self.F
        ws.set_column(0, 0, 3)
        ws.set_column(1, 1, 30)
        ws.set_column(2, 7, 14)
        ws.set_column(8, 8, 40)
        ws.write_string(0, 1, "Methodology", F.title)
        lines = [
            ("Conventions", None),
            ("Units", "Size: base coin (linear) or USD face value (inverse). Amounts in each position's margin "
                      "currency (quote for linear, coin for inverse) unless marked USD; coin amounts are converted "
                      "to USD at the mark (at the moved price in scenarios). Moves and rates are fractions."),
            ("Liquidation price", "Isolated margin, maintenance measured at the liquidation price (Binance, "
                                  "Hyperliquid, dYdX, OKX), no fee: M + PnL(P) = mmr·value(P) − cum. Linear: "
                                  "LP = max(0, (M/q + cum/q − s·EP)/(mmr − s)); inverse: LP = Q(mmr + s)/(M + cum "
                                  "+ s·Q/EP), 'none' for a short no price liquidates. s = +1 long, −1 short."),
            ("Tiers (frozen)", "mmr and cum are those of the tier at the liquidation price, found by the engine at "
                               "report time and written as constants beside each position (hidden helper columns "
                               "on Positions). The liquidation price depends on entry, size and margin, not on the "
                               "mark, so changing a mark keeps it exact; changing size or entry may need another "
                               "tier: run the report again. The tier at the mark (maintenance margin) is looked up "
                               "live in the tables below."),
            ("Bankruptcy price", "The same equation with mmr = cum = 0: where the isolated margin is exhausted."),
            ("Distance to liquidation", "s·(mark − LP)/mark: the adverse move of the mark, fraction of the mark. "
                                        "σ-days: the log distance s·ln(mark/LP) over the one-day volatility "
                                        "vol·√(1/365)."),
            ("Probability of liquidation", "The mark follows a driftless geometric Brownian motion with the "
                                           "annualised vol; P(touch LP within T) = N(s(b + v²T/2)/(v√T)) + "
                                           "(mark/LP)·N(s(b − v²T/2)/(v√T)), b = ln(LP/mark), T = days/365 "
                                           "(reflection principle). Blank without a vol."),
            ("Unrealised PnL", "Linear s·q·(mark − EP); inverse s·Q·(1/EP − 1/mark) (coin)."),
            ("Funding", "Cash flow per day = −s·notional·rate·3 (8-hour intervals; positive rate: longs pay). "
                        "Annualised ×365. Projected at the current rate; rates change every interval."),
            ("Scenarios", "Every mark moves by the same fraction; a position beyond its liquidation price loses "
                          "its isolated margin and no more (the loss beyond the bankruptcy price falls on the "
                          "venue). PnL is from entry; 'change vs now' subtracts today's uPnL."),
            ("Stress", "Historical days apply BTC's approximate move to every position (alts usually fell more). "
                       "Funding spike: every position pays the capped rate. Vol shock: expected counts and losses "
                       "from the first-passage probability at the shocked vol."),
            ("Not included", "Cross-margin accounts (every position is treated as isolated), fees and slippage on "
                             "liquidation, insurance fund and auto-deleveraging, basis between mark and last price, "
                             "correlation between assets (one move applies to every mark), options (none in the "
                             "input), mark-price smoothing and liquidation in stages."),
            ("Live cells", "Marks, vols, the scenario move and flag thresholds (Summary), the heatmap moves and "
                           "the leverages (Scenarios), the stress shocks (Stress) are inputs (blue). Every figure "
                           "that depends on them is a plain spreadsheet formula with the engine's value cached."),
        ]
        if self.has_opt:
            k = next(j for j, (h, _) in enumerate(lines) if h == "Not included")
            lines[k] = ("Not included", lines[k][1].replace("options (none in the input), ", "option margin "
                                                            "(an option's premium and margin are not in equity; its "
                                                            "uPnL is), the volatility smile and its moves, "))
            lines[k:k] = [
                ("Options (model)", "Black-76 with the mark as the forward and rate 0 (Deribit prices on the "
                                    "forward): V = w·(F·N(w·d1) − K·N(w·d2)), d1 = ln(F/K)/(σ√T) + σ√T/2, "
                                    "d2 = d1 − σ√T, T = days to expiry/365, w = +1 call, −1 put; at expiry or zero "
                                    "vol the payoff. Coin-settled (inverse, Deribit): value in coin = V/F, delta "
                                    "premium-adjusted (N(w·d1)·w − V/F), gamma, vega, theta / F. Greeks per option × "
                                    "s × size: delta in coins, gamma per $1, vega per vol point, theta per calendar "
                                    "day. Native formulas on the live mark and vol (engine: levxl.engine.options)."),
                ("Options (risk)", "Options are not liquidated by the futures formulas: liquidation, bankruptcy, "
                                   "tier and distance read 'n/a' and they are left out of the ladder, flags and "
                                   "liquidation counts; no funding. Scenario PnL s·size·(V(mark·(1+move)) − premium) "
                                   "at the same vol and days, coin converted at the moved price. Move × vol grid "
                                   "(Scenarios): PnL vs now over moves ±16% in 4% steps × absolute vol shifts "
                                   "−10/0/+10 points (Deribit portfolio margin style). Decay: value lost to 7 and 30 "
                                   "fewer days, all else equal."),
            ]
        r = 2
        for head, text in lines:
            if text is None:
                ws.write_string(r, 1, head, F.section)
            else:
                ws.write_string(r, 1, head, F.label)
                ws.merge_range(r, 2, r, 8, "", F.wrap)
                ws.write_string(r, 2, text, F.wrap)
                ws.set_row(r, 15 * max(1, math.ceil(len(text) / 120)))
            r += 1
        r += 1
        ws.write_string(r, 1, "Stress days (approx.)", F.section)
        r += 1
        for name, move, note in STRESS_DAYS:
            ws.write_string(r, 1, name, F.label)
            ws.write_number(r, 2, move, F.get("pct", 0))
            ws.merge_range(r, 3, r, 8, "", F.wrap)
            ws.write_string(r, 3, note, F.wrap)
            r += 1
        assert r < self.tier_start - 1, "methodology text overflows the tier tables"
        ws.write_string(self.tier_start - 1, 1, "Maintenance tier tables (as shipped with levxl)", F.section)
        for name, table, r0, head, first in self.tier_layout:
            ws.write_string(r0, 1, f"{name}", F.label)
            ws.write_string(r0, 2, f"as of {table.as_of or 'unknown'}", F.text)
            for k, h in enumerate(("Tier", "Floor (notional)", "Cap", "Max leverage", "MMR", "Cum")):
                ws.write_string(head, 1 + k, h, F.header)
            for k, (tier, floor, cap, lev, mmr, cum) in enumerate(table.rows()):
                rr = first + k
                ws.write_number(rr, 1, tier, F.get("int"))
                ws.write_number(rr, 2, floor, F.get("num", 0))
                if math.isfinite(cap):
                    ws.write_number(rr, 3, cap, F.get("num", 0))
                else:
                    ws.write_string(rr, 3, "no cap", F.text)
                ws.write_number(rr, 4, lev, F.get("num", 0))
                ws.write_number(rr, 5, mmr, F.get("rate"))
                ws.write_number(rr, 6, cum, F.get("num", 2))
        if not self.tier_layout:
            ws.write_string(self.tier_start, 1, "No tier presets in this book: flat maintenance rates only.", F.note)
        _page(ws, "Methodology", self.as_of)

    # ---- Input issues ----------------------------------------------------------------------------------------
    def write_issues(self) -> None:
        ws, F = self.iss, self.F
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 100)
        ws.write_string(0, 0, "Input issues", F.title)
        ws.write_string(1, 0, "Rows left out of the report, with the reason; the rest of the book is reported.",
                        F.subtitle)
        ws.write_string(3, 0, "Row", F.header)
        ws.write_string(3, 1, "Reason", F.header)
        if not self.issues:
            ws.write_string(4, 0, "none", F.text)
            ws.write_string(4, 1, "every row was read", F.text)
        for k, (row, reason) in enumerate(self.issues):
            if isinstance(row, (int, np.integer)):
                ws.write_number(4 + k, 0, int(row), F.get("int"))
            else:
                ws.write_string(4 + k, 0, str(row), F.text)
            ws.write_string(4 + k, 1, str(reason), F.wrap)
        _page(ws, "Input issues", self.as_of)


def _as_of_text(as_of: Any) -> tuple[str, _dt.datetime]:
    if as_of is None:
        now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
        return now.strftime("%Y-%m-%d %H:%M UTC"), now.replace(tzinfo=None)
    if isinstance(as_of, _dt.datetime):
        when = as_of
    elif isinstance(as_of, _dt.date):
        when = _dt.datetime(as_of.year, as_of.month, as_of.day)
    else:
        text = str(as_of).strip()
        try:
            when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"as-of must be an ISO 8601 date or timestamp, got {as_of!r}") from None
    if when.tzinfo is not None:
        when = when.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    label = when.strftime("%Y-%m-%d") if (when.hour, when.minute, when.second) == (0, 0, 0) and not (
        isinstance(as_of, str) and "T" in as_of) else when.strftime("%Y-%m-%d %H:%M UTC")
    return label, when


def _cell_safe(book: Book) -> Book:
    """The book's text as a cell may hold it (:func:`levxl.files.cells.safe_cell_text`): a control character in a
    venue or symbol would otherwise reach the cached ``<v>`` of formula cells unescaped (not well-formed XML)."""
    import dataclasses

    text = (lambda values: [safe_cell_text(v) for v in values])
    return dataclasses.replace(book, venue=text(book.venue), symbol=text(book.symbol), contract=text(book.contract),
                               mmr=text(book.mmr), option_type=text(book.option_type), kind=text(book.kind),
                               source=safe_cell_text(book.source), issues=[(r, safe_cell_text(str(m)))
                                                                           for r, m in book.issues])


def build_report(positions: str | os.PathLike | Book, out_path: str | os.PathLike = "report.xlsx", as_of: Any = None,
                 marks: Any = None, vol: float | None = None, notes: Iterable[tuple[Any, str]] = ()) -> Path:
    """Write the risk report workbook for ``positions`` (a path or a :class:`~levxl.book.positions.Book`) to
    ``out_path`` and return its path. ``as_of``: ISO date/timestamp shown on the report (default: now, UTC);
    ``marks``: a marks file (CSV symbol,mark[,venue,vol] or JSON {symbol: mark}) or a dict/records overriding the
    book's marks; ``vol``: annualised volatility for every position.

    An unreadable positions or marks file raises ``ValueError`` and leaves no output file; bad rows go to the
    "Input issues" sheet, with ``notes`` (row, reason) from a caller that applied marks itself."""
    import xlsxwriter  # noqa: PLC0415

    book = positions if isinstance(positions, Book) else load_positions(positions)
    label, when = _as_of_text(as_of)
    book, mark_notes = apply_marks(book, marks, vol)
    book = _cell_safe(book)
    issues: list[tuple[Any, str]] = [(safe_cell_text(row), safe_cell_text(str(reason)))
                                     for row, reason in list(book.issues) + list(notes) + mark_notes]
    c = compute(book)
    out = Path(out_path)
    with atomic_output(out, suffix=".xlsx") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": False, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False,
                                            "use_future_functions": False, "nan_inf_to_errors": False})
        wb.set_properties({"title": "levxl risk report", "subject": book.source or "positions",
                           "author": "levxl", "comments": f"levxl {levxl.__version__}; input sha256 {book.sha256}",
                           "created": when})
        wb.set_calc_mode("auto")
        w = _Writer(wb, c, label, issues)
        w.plan_inputs()
        w.plan_tiers()
        w.write_positions()
        w.write_summary(book.source, book.sha256)
        w.write_scenarios()
        info = w.write_stress()
        r0, c0 = w.pnl_custom_cell
        wb.worksheets()[0].write_formula(r0, c0, f"=Stress!D{w.custom_row + 1}", w.F.get("usd"),
                                         float(info["pnl"][:, -1].sum()))
        w.write_ladder()
        w.write_funding()
        w.write_methodology(info)
        w.write_issues()
        wb.close()
    return out
