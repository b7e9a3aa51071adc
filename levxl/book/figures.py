"""The one per-position figures table of a book: what ``levxl risk`` prints, what the report lays out (as the cached
values of its formulas) and what its summary line says.

:func:`risk_table` computes every per-position figure once, from the engine, into a :class:`RiskTable` of numpy
columns; the scenario, stress, leverage-grid and option figures derived from it live here too, so no face computes
a per-position number of its own.

Units: amounts in each position's margin currency (USD for linear, the coin for inverse) unless the name says
``_usd`` (converted at the mark); moves and rates are fractions; time in days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from levxl.book.cells import asset_of
from levxl.book.positions import Book, account_key, account_key_of
from levxl.engine import kernel
from levxl.engine.liquidation import (bankruptcy_price, liquidation_price, liquidation_price_cross,
                                      maintenance_margin)
from levxl.book.venue_rules import on_tick
from levxl.engine.options import greeks, option_decay, option_pnl_grid, option_price
from levxl.engine.probability import liquidation_distance, liquidation_distance_sigma, liquidation_probability
from levxl.engine.scenarios import loss_at_move
from levxl.engine.tiers import TierTable, maintenance_params, preset

__all__ = ["RiskTable", "risk_table", "liquidation_prices", "pnl_after_mark_move", "pnl_usd_after_mark_move",
           "FUNDING_INTERVALS_PER_DAY", "OptionFigures", "option_figures", "option_value_at", "OPTION_MOVES",
           "OPTION_VOL_SHIFTS", "LeverageGrid", "leverage_grid", "StressFigures", "stress_figures", "DistanceFixes",
           "distance_fixes", "TARGET_DISTANCE", "cross_accounts", "equity_margin", "rooms_after_mark_move", "account_liquidation_moves", "CrossAccount",
           "cross_account_figures"]

OPTION_MOVES = (-0.16, -0.12, -0.08, -0.04, 0.0, 0.04, 0.08, 0.12, 0.16)
"""Underlying moves of the option book's move x vol grid (Deribit portfolio margin: +-16% in 4% steps)."""
OPTION_VOL_SHIFTS = (-0.10, 0.0, 0.10)
"""Absolute vol shifts of that grid (annualised fractions: -10 / 0 / +10 vol points; floored at vol 0)."""

FUNDING_INTERVALS_PER_DAY = 3  # the funding-spike stress's cap is per 8 h (a position's own rate: Book.funding_hours)


@dataclass
class OptionFigures:
    """Option positions of a book (index ``idx`` into the book): value per option and position greeks
    (``s*size*greek``), in the margin currency (USD linear, coin for coin-settled); Black-76 on the mark, rate 0."""

    idx: np.ndarray
    value: np.ndarray  #: per option
    delta: np.ndarray  #: coins of underlying (coin-settled: Deribit's premium-adjusted delta)
    gamma: np.ndarray  #: per 1 USD of the underlying
    vega: np.ndarray  #: per vol point
    theta: np.ndarray  #: per calendar day
    decay_7: np.ndarray  #: value lost to time over 7 days (position, negative = lost)
    decay_30: np.ndarray
    grid: np.ndarray  #: PnL vs now, (options, vol shifts, moves), margin currency
    grid_usd: np.ndarray  #: the same grid in USD (coin converted at the moved price)
    fx: np.ndarray  #: USD per unit of margin currency at the mark
    position_value_usd: np.ndarray  #: s*size*value in USD
    theta_usd: np.ndarray
    decay_7_usd: np.ndarray
    decay_30_usd: np.ndarray
    decay_30_of_value: np.ndarray  #: decay_30_usd / |position_value_usd| (NaN for a worthless option)


@dataclass
class RiskTable:
    """Every per-position figure of a book, one numpy column each (row ``i`` is ``book``'s position ``i``).

    Options are not liquidated by the futures formulas: their futures figures (margin, leverage, liquidation,
    bankruptcy, tiers, distance, maintenance, notional, probabilities) are NaN, funding 0, uPnL
    ``s*size*(V - entry)``; their value and greeks are in :attr:`options`."""

    book: Book
    side: np.ndarray  #: +1 long, -1 short (float)
    inverse: np.ndarray  #: True for inverse (coin-margined) contracts and coin-settled options
    fx: np.ndarray  #: USD per unit of margin currency at the mark (1 linear, the mark inverse)
    margin: np.ndarray  #: margin of the liquidation equation (margin currency; cross: its account's for it)
    #: the margin in the book's equity: the isolated margin; a cross account's wallet once, shared by notional
    #: (:func:`equity_margin`)
    equity_margin: np.ndarray
    account: np.ndarray  #: the cross account a position is computed on (0, 1, ...; -1 elsewhere)
    leverage: np.ndarray  #: effective leverage (a multiple)
    notional: np.ndarray  #: value at the mark (margin currency)
    notional_usd: np.ndarray  #: value at the mark in USD (inverse: the USD face)
    upnl: np.ndarray  #: unrealised PnL at the mark (margin currency)
    upnl_usd: np.ndarray
    liquidation: np.ndarray  #: liquidation price (0: a long no price liquidates; inf: such a short)
    bankruptcy: np.ndarray
    #: the two prices as the formula gives them, before a row's tick (the venue's rounding and display offset,
    #: :func:`levxl.book.venue_rules.on_tick`); equal to them where the row gives no tick
    liquidation_unrounded: np.ndarray
    bankruptcy_unrounded: np.ndarray
    distance: np.ndarray  #: adverse move from the mark to liquidation, fraction of the mark
    sigma_days: np.ndarray  #: that distance in one-day standard deviations (NaN without vol)
    move_to_liq: np.ndarray  #: liquidation / mark - 1 (signed move of the mark)
    maintenance: np.ndarray  #: maintenance margin at the mark (margin currency)
    maintenance_rate: np.ndarray  #: maintenance / notional
    mmr_liq: np.ndarray  #: rate of the tier at the liquidation price
    cum_liq: np.ndarray  #: cum (maintenance amount) of that tier
    mmr_mark: np.ndarray  #: rate of the tier at the mark
    cum_mark: np.ndarray
    tier_liq: list  #: label of the tier at the liquidation price ("T2 binance:BTCUSDT", "flat 0.5%", "n/a")
    tier_tables: dict  #: preset name -> TierTable used by the book
    tier_of: list  #: per position: its preset name, or None for a flat rate
    funding_per_day: np.ndarray  #: cash flow per day at the current rate (negative = paid)
    funding_per_day_usd: np.ndarray
    funding_per_year_of_margin: np.ndarray  #: funding over 365 days / isolated margin (fraction)
    prob_1d: np.ndarray  #: probability of touching the liquidation price within 1 day (NaN without vol)
    prob_7d: np.ndarray
    option: np.ndarray  #: True for option positions
    options: OptionFigures  #: value and greeks of the option positions

    def __len__(self) -> int:
        return len(self.book)

    @property
    def any_options(self) -> bool:
        """Whether the book holds an option position."""
        return bool(self.option.any())

    def closest(self) -> int | None:
        """Index of the position closest to liquidation (smallest finite distance; negative = beyond it), or None
        when no position has a liquidation distance."""
        finite = np.isfinite(self.distance)
        return int(np.argmin(np.where(finite, self.distance, np.inf))) if finite.any() else None

    def count_within(self, fraction: float) -> int:
        """Positions whose distance to liquidation is below ``fraction`` (those beyond it included)."""
        return int(np.sum(self.distance[np.isfinite(self.distance)] < fraction))

    @property
    def has_cross(self) -> bool:
        """Whether any position is computed on a cross account (the report then writes the account helpers)."""
        return bool((self.account >= 0).any())

    def equity_usd(self) -> float:
        """The book's equity in USD: every position's :attr:`equity_margin` (a cross account's wallet once) plus
        every unrealised PnL, coin amounts at their marks; NaN where a futures position levxl cannot recompute
        leaves it unknown."""
        if np.any(~self.option & ~self.book.recomputable):
            return float("nan")
        return float(np.nansum(self.equity_margin * self.fx)) + float(np.sum(self.upnl_usd))

    def statuses(self, red: float, amber: float) -> list[str]:
        """Each position's status: "LIQUIDATED" (the mark at or past the liquidation price: distance <= 0), "RED"
        (distance below ``red``), "AMBER" (below ``amber``), "GREEN" (further, or no price liquidates it), "n/a"
        for options and for positions levxl cannot recompute (a cross position without its wallet is not
        GREEN)."""
        out = []
        recomputable = self.book.recomputable
        for i, d in enumerate(self.distance):
            if self.option[i] or not recomputable[i]:
                out.append("n/a")
            elif not np.isfinite(d):
                out.append("GREEN")
            else:
                out.append("LIQUIDATED" if d <= 0 else "RED" if d < red else "AMBER" if d < amber else "GREEN")
        return out


def _mixed(values: list) -> object:
    """A per-position mmr column for the engine: floats stay a float array; presets make an object array."""
    if all(isinstance(v, float) for v in values):
        return np.array(values, dtype=float)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _spec(value):
    return preset(value) if isinstance(value, str) else value


def _tiers_used(book: Book) -> tuple[dict, list]:
    """(preset name -> TierTable, per-position preset name or None) of the book's maintenance specs."""
    tables: dict[str, TierTable] = {}
    table_of: list = []
    for v in book.mmr:
        table = preset(v) if isinstance(v, str) else v if isinstance(v, TierTable) else None
        if table is not None:
            tables.setdefault(table.name, table)
        table_of.append(None if table is None else table.name)
    return tables, table_of


def _tier_labels(book: Book, tables: dict, table_of: list, at_liq: np.ndarray) -> list[str]:
    labels = []
    for i, name in enumerate(table_of):
        if name is None:
            labels.append(f"flat {float(book.mmr[i]) * 100:g}%")
        else:
            table = tables[name]
            labels.append(f"T{int(table.lookup(table.count_of(np.nan_to_num(at_liq[i]), book.size[i]))) + 1} {name}")
    return labels


def _empty_options(moves=OPTION_MOVES, vol_shifts=OPTION_VOL_SHIFTS) -> OptionFigures:
    z = np.zeros(0)
    grid = np.zeros((0, len(vol_shifts), len(moves)))
    return OptionFigures(np.zeros(0, dtype=int), z, z, z, z, z, z, z, grid, grid, z, z, z, z, z, z)


def liquidation_prices(book: Book, *, reasons: bool = False):
    """Each position's liquidation price by the engine's equation, before the row's tick: the one computation of
    it that the figures table, the reconciliation and ``levxl risk --json/--csv`` all read.

    Parameters
    ----------
    book : Book
        Futures positions (no options); cross positions carry their account's margin in
        :attr:`~levxl.book.positions.Book.cross_margin` and its terms (:func:`levxl.book.accounts.with_accounts`).
    reasons : bool, default False
        Also return, per position, why it has no price ("" where it has one or is not recomputed).

    Returns
    -------
    ndarray, or (ndarray, ndarray of str) with ``reasons``
        Isolated positions: :func:`levxl.engine.liquidation.liquidation_price` on
        :attr:`~levxl.book.positions.Book.isolated_margin` (> 0, as the engine's isolated check wants); cross
        positions: :func:`levxl.engine.liquidation.liquidation_price_cross` on the account's wallet and the other
        positions' MM and uPnL (their margin ``wallet - others' MM + others' uPnL`` may be 0 or negative in a hedged
        account: a long's price is then above its entry), both with the venue's conventions the book resolved:
        where maintenance is measured (the profile's ``mm_basis``: the entry value at Bybit, cross positions too,
        as its cross-margin formula does), the fee inside the threshold, the margin net of a fee to close. NaN where
        levxl cannot recompute the position (cross without its wallet or with a refused row in its account, mode
        unknown: never figured as isolated) and where no price keeps a cross position above maintenance (the
        engine's reason in ``reasons``).
    """
    if not len(book):
        return (np.zeros(0), np.zeros(0, dtype=object)) if reasons else np.zeros(0)
    n, mmr = len(book), _mixed(book.mmr)
    s, contract, basis = np.asarray(book.side, dtype=float), np.array(book.contract, dtype=object), \
        np.array(book.basis, dtype=object)
    cross = _on_account(book)
    liq, why = np.full(n, np.nan), np.full(n, "", dtype=object)
    if not cross.all():
        rest = ~cross
        liq[rest] = np.asarray(liquidation_price(s[rest], book.entry[rest], book.size[rest], mmr=_at(mmr, rest),
                                                 margin=book.isolated_margin[rest], contract=contract[rest],
                                                 fee=book.fee[rest], basis=basis[rest]), dtype=float)
    if cross.any():
        liq[cross], why[cross] = _cross_equation(book, cross, _at(mmr, cross), book.fee[cross], basis[cross])
    liq = np.where(book.recomputable, liq, np.nan)
    return (liq, why) if reasons else liq


def _on_account(book: Book) -> np.ndarray:
    """The cross positions computed on their account (their margin of the equation is known)."""
    return book.cross & np.isfinite(book.cross_margin)


def cross_accounts(book: Book) -> np.ndarray:
    """The cross account each position is computed on: 0, 1, ... in order of first appearance, one number for the
    positions of one account (venue, account, margin currency); -1 for the others (isolated positions, options,
    cross positions levxl cannot compute)."""
    out, seen = np.full(len(book), -1), {}
    inverse = book.inverse  # a property that reads every row: once
    for i in np.flatnonzero(_on_account(book)):
        key = account_key_of(book.venue[i], book.account[i], book.symbol[i], bool(inverse[i]))
        out[i] = seen.setdefault(key, len(seen))
    return out


def equity_margin(book: Book) -> np.ndarray:
    """The margin each position brings into the book's equity, margin currency: its isolated margin
    (:attr:`~levxl.book.positions.Book.isolated_margin`); for the positions of a cross account, the account's
    wallet once, shared in proportion to their notional at the mark (their margins of the liquidation equation each
    hold the whole wallet, and summing them would count it once per position). NaN for options and for positions
    levxl cannot recompute. A liquidated position (a liquidated account's positions) loses exactly this."""
    margin = np.where(book.recomputable, book.isolated_margin, np.nan)
    account = cross_accounts(book)
    if (account < 0).all():
        return margin
    notional = np.abs(kernel.value(book.size, price=book.mark, inverse=book.inverse.astype(float)))
    for a in range(int(account.max()) + 1):
        idx = np.flatnonzero(account == a)
        margin[idx] = book.cross_wallet[idx[0]] * notional[idx] / notional[idx].sum()
    return margin


def _room(b: Book, prices: np.ndarray) -> np.ndarray:
    """Each position's room at ``prices`` (positions, k), margin currency: its PnL from entry less its threshold,
    maintenance where its venue measures it (the tier of that value) plus the fee inside the threshold on the
    value at the price."""
    inv = b.inverse.astype(float)[:, None]
    measured = np.where((np.array(b.basis) == "entry")[:, None], b.entry[:, None], prices)
    spec = _mixed(b.mmr)
    mm = np.asarray(maintenance_margin(b.size[:, None], price=measured, mmr=spec[:, None],
                                       contract=np.array(b.contract, dtype=object)[:, None]), dtype=float)
    plain = kernel.pnl(b.side[:, None], b.entry[:, None], exit=prices, size=b.size[:, None], inverse=inv)
    return plain - mm - b.fee[:, None] * kernel.value(b.size[:, None], price=prices, inverse=inv)


def rooms_after_mark_move(book: Book, moves) -> np.ndarray:
    """The room of each cross position computed on its account (rows) at each move of its mark (columns, 1-D or
    2-D as :func:`pnl_after_mark_move`), margin currency: its PnL from entry less its threshold (maintenance where
    its venue measures it plus the fee inside the threshold). Its account is liquidated where the account's wallet
    less the fees to close it pays plus the sum of its positions' rooms is <= 0. NaN for the other positions."""
    moves = _moves_matrix(moves)
    out = np.full((len(book), moves.shape[1]), np.nan)
    on = cross_accounts(book) >= 0
    if on.any():
        b = book.select(on)
        out[on] = _room(b, b.mark[:, None] * (1 + np.broadcast_to(moves, out.shape)[on]))
    return out


#: the scale of every mark (1 + move) a search for an account's liquidation move walks: down to the stresses'
#: floor (levxl.book.stresses.MOVE_FLOOR, -95%), up to +1,000%, in steps of 0.25% (each crossing then closed to
#: one ulp by the engine's first-crossing search)
_SCALES_DOWN = np.linspace(1.0, 0.05, 381)[1:]
_SCALES_UP = np.linspace(1.0, 11.0, 4001)[1:]


def account_liquidation_moves(book: Book, weights) -> tuple[np.ndarray, np.ndarray]:
    """The move ``x`` nearest 0 below and above it at which each cross position's account is liquidated when every
    mark moves by ``weights * x`` (1: every mark by the same fraction, the ladder's; betas: the BTC move of the
    liquidation map), each mark floored at -95% as the stresses' are: (down, up) per position, NaN where the account
    is not liquidated on that side within -95% / +1,000% and for positions not computed on a cross account, 0 both
    where the account is past liquidation at the marks. The engine's
    :func:`levxl.engine.margin.account_with_options.solve_first_crossing` on the account's wallet less fees to close
    plus its positions' rooms (:func:`rooms_after_mark_move`)."""
    from levxl.engine.margin.account_with_options import solve_first_crossing  # noqa: PLC0415

    n = len(book)
    down, up = np.full(n, np.nan), np.full(n, np.nan)
    account = cross_accounts(book)
    on = account >= 0
    if not on.any():
        return down, up
    count = int(account.max()) + 1
    weights = np.broadcast_to(np.asarray(weights, dtype=float), (n,))[on]
    members = book.select(on)  # every account's positions, in book order
    of = account[on]  # each member's account
    first = np.array([np.flatnonzero(of == a)[0] for a in range(count)])
    left = members.cross_wallet[first] - np.bincount(of, weights=members.close_fee, minlength=count)

    def surplus(scales: np.ndarray, which: np.ndarray) -> np.ndarray:
        # every pending account at once: its members' rooms at their marks moved by weights x (scale - 1)
        row = np.full(count, -1)
        row[which] = np.arange(which.size)
        pick = row[of] >= 0
        moves = np.maximum(weights[pick, None] * (scales[row[of[pick]]] - 1.0), -0.95)
        sub = members.select(pick)
        room = _room(sub, sub.mark[:, None] * (1 + moves))
        total = np.zeros(scales.shape)
        np.add.at(total, row[of[pick]], room)
        return left[which, None] + total

    lo, hi = solve_first_crossing(surplus, 1.0, _SCALES_DOWN, _SCALES_UP, shape=(count,))
    down[on] = np.where(lo > 0, lo - 1.0, np.nan)[of]
    up[on] = np.where(np.isfinite(hi), hi - 1.0, np.nan)[of]
    return down, up


@dataclass
class CrossAccount:
    """One cross account of a book, in its margin currency: what ``levxl risk`` lists under the positions."""

    venue: str
    account: str
    currency: str
    positions: list  #: indices into the book
    wallet: float
    equity: float  #: wallet + the positions' uPnL at their marks
    #: the account's liquidation threshold at the marks: its positions' maintenance where the venue measures it
    #: (the mark; the entry at Bybit), the fees inside the threshold and the fees to close it pays
    maintenance: float
    margin_ratio: float  #: maintenance / equity (the account is liquidated at 100%; NaN where equity <= 0)
    fees_to_close: float  #: the fees to close the venue charges against the account (Bybit), in maintenance
    move_down: float  #: every mark by the same fraction: the fall that liquidates the account (NaN: none)
    move_up: float  #: and the rise (NaN: none); 0 both where it is past liquidation at the marks


def cross_account_figures(book: Book) -> list[CrossAccount]:
    """The cross accounts levxl computes, in order of first appearance: wallet, equity, maintenance, margin ratio
    (the venues' account margin ratio, maintenance over margin balance) and the moves of every mark that
    liquidate each (:func:`account_liquidation_moves`)."""
    account = cross_accounts(book)
    if (account < 0).all():
        return []
    down, up = account_liquidation_moves(book, 1.0)
    out = []
    for a in range(int(account.max()) + 1):
        idx = np.flatnonzero(account == a)
        b = book.select(account == a)
        upnl = kernel.pnl(b.side, b.entry, exit=b.mark, size=b.size, inverse=b.inverse.astype(float))
        wallet = float(book.cross_wallet[idx[0]])
        equity = wallet + float(upnl.sum())
        # the threshold the account's liquidation check uses at the marks: PnL less room, plus the fees to close
        maintenance = float((upnl - _room(b, b.mark[:, None])[:, 0]).sum() + b.close_fee.sum())
        venue, acct, ccy = account_key(book, int(idx[0]))
        ccy = ccy or (asset_of(book.symbol[idx[0]]) if book.inverse[idx[0]] else "USD")  # "BTCUSDT": no settle
        out.append(CrossAccount(venue, acct, ccy, [int(i) for i in idx], wallet, equity, maintenance,
                                maintenance / equity if equity > 0 else float("nan"), float(b.close_fee.sum()),
                                float(down[idx[0]]), float(up[idx[0]])))
    return out


def _account_liquidated(b: Book, account: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Whether each cross position's account (``account`` >= 0) is liquidated with every mark at ``prices``
    (positions, k): the account's wallet, less the fees to close the venue charges against it, plus every
    position's room (:func:`_room`) at its price, at or below 0. It is the equation of each position's cross
    price (:func:`levxl.engine.liquidation.liquidation_price_cross`) with the others at their prices too, not at
    their marks: a one-position account is liquidated exactly past its price."""
    room = _room(b, prices)
    out = np.zeros(prices.shape, dtype=bool)
    for a in np.unique(account[account >= 0]):
        idx = np.flatnonzero(account == a)
        left = b.cross_wallet[idx[0]] - b.close_fee[idx].sum() + room[idx].sum(axis=0)
        out[idx] = left <= 0
    return out


def _at(values, where):
    return values[where] if np.ndim(values) else values


def _cross_equation(book: Book, where: np.ndarray, mmr, fee, basis) -> tuple[np.ndarray, np.ndarray]:
    """The cross positions ``where`` through :func:`levxl.engine.liquidation.liquidation_price_cross` on their
    account's terms, with maintenance ``mmr`` (0: the bankruptcy price), ``fee`` and ``basis``: (price, reason),
    NaN and the engine's reason where no price keeps the position above that threshold."""
    got, bad = liquidation_price_cross.elementwise(
        np.asarray(book.side, dtype=float)[where], book.entry[where], book.size[where],
        wallet=book.cross_wallet[where] - book.close_fee[where], mmr=mmr, other_mm=book.cross_other_mm[where],
        other_upnl=book.cross_other_upnl[where], contract=np.array(book.contract, dtype=object)[where], fee=fee,
        basis=basis)
    got = np.asarray(got, dtype=float)
    if bad is None:
        return got, np.full(got.shape, "", dtype=object)
    return np.where(bad == "", got, np.nan), bad


def _perp_table(book: Book) -> RiskTable:
    """The table of a book without options (the futures formulas)."""
    n = len(book)
    s = np.asarray(book.side, dtype=float)
    inv = book.inverse if n else np.zeros(0, dtype=bool)
    invf = inv.astype(float)
    contract = np.array(book.contract, dtype=object)
    mmr = _mixed(book.mmr)
    margin = book.isolated_margin if n else np.zeros(0)
    tables, table_of = _tiers_used(book)
    if not n:
        empty = {name: np.zeros(0) for name in _COLUMNS}
        empty["margin"] = margin
        return RiskTable(book=book, side=s, inverse=inv, tier_liq=[], tier_tables=tables, tier_of=table_of,
                         account=np.zeros(0, dtype=int),
                         option=np.zeros(0, dtype=bool), options=_empty_options(), **empty)
    liq = liquidation_prices(book)
    # the bankruptcy price: the equation with no maintenance and no fee (isolated: the engine's bankruptcy_price;
    # cross: liquidation_price_cross with mmr 0, since its margin may be <= 0)
    bankrupt, cross = np.full(n, np.nan), _on_account(book)
    if not cross.all():
        rest = ~cross
        bankrupt[rest] = np.asarray(bankruptcy_price(s[rest], book.entry[rest], book.size[rest], margin=margin[rest],
                                                     contract=contract[rest]), dtype=float)
    if cross.any():
        bankrupt[cross] = _cross_equation(book, cross, 0.0, 0.0, "mark")[0]
    bankrupt = np.where(book.recomputable, bankrupt, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        # the tier of the liquidation equation: by the value where maintenance is measured (Bybit: the entry's)
        at_liq = kernel.value(book.size, price=np.where(np.array(book.basis) == "entry", book.entry, liq),
                              inverse=invf)
    # a row that gives its tick: the prices the venue shows (its rounding, OKX's offset), which every
    # figure below measures from
    liq_unrounded, bankrupt_unrounded = liq, bankrupt
    liq, bankrupt = on_tick(book, liq, "liquidation"), on_tick(book, bankrupt, "bankruptcy")
    spec = np.empty(n, dtype=object)
    spec[:] = [_spec(v) for v in book.mmr]
    mmr_liq, cum_liq = (np.asarray(a, dtype=float) for a in maintenance_params(np.nan_to_num(at_liq), spec,
                                                                                      size=book.size))
    notional = kernel.value(book.size, price=book.mark, inverse=invf)
    mmr_mark, cum_mark = (np.asarray(a, dtype=float) for a in maintenance_params(notional, spec, size=book.size))
    mm = np.asarray(maintenance_margin(book.size, price=book.mark, mmr=mmr, contract=contract), dtype=float)
    has_vol = ~np.isnan(book.vol) & (book.vol > 0)
    vol1 = np.where(has_vol, book.vol, 1.0)
    known = ~np.isnan(liq)
    placeholder = np.where(known, liq, np.where(s > 0, 0.0, np.inf))  # blanked below where unknown
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.where(known, np.asarray(liquidation_distance(s, mark=book.mark, liq_price=placeholder),
                                              dtype=float), np.nan)
        sigma = np.where(has_vol & known, np.asarray(liquidation_distance_sigma(
            s, mark=book.mark, liq_price=placeholder, vol=vol1), dtype=float), np.nan)
        prob1, prob7 = (np.where(has_vol & known, np.asarray(liquidation_probability(
            s, mark=book.mark, liq_price=placeholder, vol=vol1, days=d), dtype=float), np.nan) for d in (1, 7))
        move_to_liq = liq / book.mark - 1
    upnl = kernel.pnl(s, book.entry, exit=book.mark, size=book.size, inverse=invf)
    fx = np.where(inv, book.mark, 1.0)
    funding = -s * notional * book.funding_rate * (24.0 / book.funding_hours)  # per the row's interval
    return RiskTable(
        book=book, side=s, inverse=inv, fx=fx, margin=margin, equity_margin=equity_margin(book),
        account=cross_accounts(book), leverage=book.effective_leverage, notional=notional,
        notional_usd=np.where(inv, book.size, notional), upnl=upnl, upnl_usd=upnl * fx, liquidation=liq,
        bankruptcy=bankrupt, liquidation_unrounded=liq_unrounded, bankruptcy_unrounded=bankrupt_unrounded,
        distance=distance, sigma_days=sigma, move_to_liq=move_to_liq, maintenance=mm,
        maintenance_rate=mm / notional, mmr_liq=mmr_liq, cum_liq=cum_liq, mmr_mark=mmr_mark, cum_mark=cum_mark,
        tier_liq=_tier_labels(book, tables, table_of, at_liq), tier_tables=tables, tier_of=table_of,
        funding_per_day=funding, funding_per_day_usd=funding * fx,
        # of a margin that is > 0 (a hedged cross position's may not be: n/a, never a sign-flipped fraction)
        funding_per_year_of_margin=np.where(margin > 0, funding * 365 / np.where(margin > 0, margin, 1.0), np.nan),
        prob_1d=prob1, prob_7d=prob7,
        option=np.zeros(n, dtype=bool), options=_empty_options())


_COLUMNS = ("fx", "margin", "equity_margin", "leverage", "notional", "notional_usd", "upnl", "upnl_usd", "liquidation", "bankruptcy",
            "liquidation_unrounded", "bankruptcy_unrounded", "distance", "sigma_days", "move_to_liq", "maintenance",
            "maintenance_rate", "mmr_liq", "cum_liq", "mmr_mark", "cum_mark", "funding_per_day",
            "funding_per_day_usd", "funding_per_year_of_margin", "prob_1d", "prob_7d")


def risk_table(book: Book) -> RiskTable:
    """The per-position figures of ``book``: the engine's liquidation, bankruptcy, tiers, distance, σ-days,
    maintenance, uPnL, funding and first-passage probabilities for the futures, value and greeks for the options.

    Parameters
    ----------
    book : Book
        Positions (:func:`levxl.book.positions.load_positions`), marks already applied
        (:func:`levxl.book.marks.apply_marks`).

    Returns
    -------
    RiskTable
        One column per figure; options get NaN futures figures, funding 0 and uPnL ``s*size*(V - entry)``
        (Black-76 on the mark, rate 0).
    """
    opt = book.option if len(book) else np.zeros(0, dtype=bool)
    if not opt.any():
        return _perp_table(book)
    perps = _perp_table(book.select(~opt))
    n = len(book)
    cols = {}
    for name in _COLUMNS:
        full = np.full(n, np.nan)
        full[~opt] = getattr(perps, name)
        cols[name] = full
    fig = option_figures(book)
    o = book.select(opt)
    cols["upnl"][opt] = o.side * o.size * (fig.value - o.entry)
    cols["funding_per_day"][opt] = 0.0
    cols["fx"][opt] = np.where(o.inverse, o.mark, 1.0)
    cols["upnl_usd"][opt] = cols["upnl"][opt] * cols["fx"][opt]
    cols["funding_per_day_usd"][opt] = 0.0
    tier_of, tier_liq = [None] * n, ["n/a"] * n
    account = np.full(n, -1)
    account[~opt] = perps.account
    for k, i in enumerate(np.flatnonzero(~opt)):
        tier_of[i], tier_liq[i] = perps.tier_of[k], perps.tier_liq[k]
    return RiskTable(book=book, side=np.asarray(book.side, dtype=float), inverse=book.inverse, tier_liq=tier_liq,
                     account=account,
                     tier_tables=perps.tier_tables, tier_of=tier_of, option=opt, options=fig, **cols)


def _mark_move(book: Book, moves: np.ndarray, margin=None) -> tuple[np.ndarray, np.ndarray]:
    """(PnL in the margin currency, liquidated) at each move of the mark; see :func:`pnl_after_mark_move`.
    ``moves`` is (1, k) (the same moves for every position) or (positions, k)."""
    opt = book.option
    moves = np.broadcast_to(moves, (len(book), moves.shape[1]))
    out = np.full((len(book), moves.shape[1]), np.nan)
    liquidated = np.zeros((len(book), moves.shape[1]), dtype=bool)
    perp = ~opt
    if perp.any():
        b = book.select(perp)
        mv = moves[perp]
        m = b.isolated_margin if margin is None else np.asarray(margin, dtype=float)[perp]
        # moves of the mark, the path from the mark (a mark already past its price has lost the margin)
        # liquidated where the table's price (the venue's basis and fee) is crossed; the PnL is the mark-to-market
        # one (no fee to close in it), the isolated margin lost past that price
        positive = ~(m <= 0)
        hit = np.zeros(mv.shape, dtype=bool)
        if positive.any():
            p = positive
            res = loss_at_move(b.side[p, None], b.entry[p, None], b.size[p, None], move=mv[p], mark=b.mark[p, None],
                               mmr=_mixed(b.mmr)[p, None], margin=m[p, None],
                               contract=np.array(b.contract, dtype=object)[p, None], fee=b.fee[p, None],
                               basis=np.array(b.basis, dtype=object)[p, None])
            hit[p] = np.asarray(res.liquidated, dtype=bool)
        if not positive.all():
            # a cross position whose margin of the equation is <= 0 (loss_at_move takes an isolated margin > 0):
            # liquidated where the path from the mark reaches the table's own price, as loss_at_move's rule; the
            # PnL past it is then -M, its PnL at the bankruptcy price (a gain: it closes beyond its entry)
            q = ~positive
            lq = liquidation_prices(b.select(q))[:, None]
            moved, mark = b.mark[q, None] * (1 + mv[q]), b.mark[q, None]
            hit[q] = np.where(b.side[q, None] > 0, np.minimum(moved, mark) <= lq, np.maximum(moved, mark) >= lq)
        # a position levxl cannot recompute (cross without its wallet) has no isolated liquidation: plain PnL
        known = b.recomputable[:, None]
        plain = kernel.pnl(b.side[:, None], b.entry[:, None], exit=b.mark[:, None] * (1 + mv),
                           size=b.size[:, None], inverse=b.inverse.astype(float)[:, None])
        loss = m[:, None]
        account = cross_accounts(b) if margin is None else np.full(len(b), -1)
        if (account >= 0).any():
            # a cross account is liquidated as a whole, where its equity at the moved marks (not each position's
            # own price, which holds the others at their marks) falls to its threshold, or already at the marks
            # (both ends suffice: equity less maintenance is concave along a move); it loses its wallet once
            on = account >= 0
            mark = np.broadcast_to(b.mark[:, None], mv.shape)
            moved = mark * (1 + mv)
            sub = b.select(on)
            gone = _account_liquidated(sub, account[on], moved[on]) | _account_liquidated(sub, account[on], mark[on])
            hit[on] = gone
            loss = np.where(on, equity_margin(b), m)[:, None]
        out[perp] = np.where(known & hit, -loss, plain)
        liquidated[perp] = hit & known
    if opt.any():
        b = book.select(opt)
        value = option_value_at(b, moves[opt])
        out[opt] = b.side[:, None] * b.size[:, None] * (value - b.entry[:, None])
    return out, liquidated


def _moves_matrix(moves) -> np.ndarray:
    """Moves as (1, k) (the same for every position) or, given 2-D, (positions, k)."""
    moves = np.asarray(moves if not isinstance(moves, (list, tuple)) or np.ndim(moves) > 1 else list(moves),
                       dtype=float)
    return moves if moves.ndim == 2 else moves.reshape(1, -1)


def pnl_after_mark_move(book: Book, moves, margin=None) -> np.ndarray:
    """PnL of each position (rows) if the price moves by each of ``moves`` (columns) from its *mark*,
    liquidation included (isolated: the loss stops at the margin; a mark already past the liquidation price has
    lost the margin whatever the move). Shape (positions, moves); ``moves`` 1-D (the same for every position)
    or 2-D (a move per position and column).

    Options (not liquidated): ``s*size*(V(mark*(1 + move)) - entry)``, PnL from the premium paid like a future's
    PnL from its entry, Black-76 at the same vol and days to expiry (margin currency: coin for coin-settled)."""
    return _mark_move(book, _moves_matrix(moves), margin)[0]


def pnl_usd_after_mark_move(book: Book, moves) -> tuple[np.ndarray, np.ndarray]:
    """(PnL in USD, liquidated) of each position (rows) at each move of its mark (columns): :func:`pnl_after_mark_move`
    converted to USD at the moved price (coin-margined and coin-settled), and whether the move liquidates it
    (options never are)."""
    moves = _moves_matrix(moves)
    if not len(book):
        return np.zeros((0, moves.shape[1])), np.zeros((0, moves.shape[1]), dtype=bool)
    pnl, liquidated = _mark_move(book, moves)
    usd = np.where(book.inverse[:, None], book.mark[:, None] * (1 + moves), 1.0)
    return pnl * usd, liquidated


def _option_args(book: Book):
    """Per-option engine arguments (type, underlying, strike, days, vol, settle) as arrays."""
    return (np.array(book.option_type, dtype=object), book.mark, book.strike, book.expiry_days, book.vol,
            np.array(book.contract, dtype=object))


def option_value_at(book: Book, moves, vol_shift: float = 0.0) -> np.ndarray:
    """Black-76 value per option (margin currency) of an options-only ``book`` after each of ``moves`` of the
    underlying (columns) and an absolute ``vol_shift`` (vol floored at 0); same days to expiry, rate 0."""
    w, U, K, T, vol, settle = _option_args(book)
    moves = _moves_matrix(moves)
    return np.asarray(option_price(w[:, None], U[:, None] * (1 + moves), K[:, None], T[:, None],
                                   np.maximum(vol + vol_shift, 0.0)[:, None], contract=settle[:, None]), dtype=float)


def option_figures(book: Book, moves=OPTION_MOVES, vol_shifts=OPTION_VOL_SHIFTS) -> OptionFigures:
    """The engine's option figures for the option positions of ``book``: value, position greeks, the decay over
    7 and 30 days and the move x vol-shift PnL grid (margin currency and USD)."""
    idx = np.flatnonzero(book.option)
    b = book.select(book.option)
    w, U, K, T, vol, settle = _option_args(b)
    q = b.side * b.size
    if not len(b):
        return _empty_options(moves, vol_shifts)
    g = greeks(w, U, K, T, vol, contract=settle)
    decay = [-q * np.asarray(option_decay(w, U, K, T, vol, horizon=h, contract=settle), dtype=float) for h in (7.0, 30.0)]
    grid = np.stack([np.asarray(option_pnl_grid(w[k], U[k], K[k], T[k], vol[k], quantity=q[k], moves=list(moves),
                                                days_passed=[0.0], vol_shifts=list(vol_shifts),
                                                contract=settle[k]), dtype=float)[:, :, 0] for k in range(len(b))])
    fx_move = np.array([[b.mark[k] * (1 + m) if b.inverse[k] else 1.0 for m in moves] for k in range(len(b))])
    fx = np.where(b.inverse, b.mark, 1.0)
    value = np.asarray(g.price, dtype=float)
    value_usd = np.asarray(b.side, dtype=float) * b.size * value * fx
    theta = q * g.theta
    with np.errstate(divide="ignore", invalid="ignore"):
        of_value = np.where(value_usd != 0, decay[1] * fx / np.abs(value_usd), np.nan)
    return OptionFigures(idx, value, q * g.delta, q * g.gamma, q * g.vega, theta, decay[0], decay[1], grid,
                         grid * fx_move[:, None, :], fx, value_usd, theta * fx, decay[0] * fx, decay[1] * fx,
                         of_value)


@dataclass
class LeverageGrid:
    """One position re-margined at each leverage (columns) and moved by each move of its mark (rows)."""

    roe: np.ndarray  #: return on the margin, (moves, leverages)
    margin: np.ndarray  #: entry value / leverage (margin currency), per leverage
    liquidation: np.ndarray  #: liquidation price per leverage
    mmr: np.ndarray  #: rate of the tier at that liquidation price
    cum: np.ndarray


def leverage_grid(table: RiskTable, i: int, moves, leverages) -> LeverageGrid:
    """Position ``i`` of ``table`` re-margined at each of ``leverages`` after each of ``moves`` of its mark: the
    engine's :func:`levxl.engine.scenarios.loss_at_move` and :func:`levxl.engine.liquidation.liquidation_price`,
    the tier (mmr, cum) at each liquidation price."""
    book = table.book
    moves = np.asarray(moves, dtype=float).reshape(-1, 1)
    lev = np.asarray(leverages, dtype=float).reshape(1, -1)
    spec = _spec(book.mmr[i])
    s, inv = table.side[i], float(table.inverse[i])
    from_entry = book.mark[i] * (1 + moves) / book.entry[i] - 1
    fee, basis = float(book.fee[i]), book.basis[i]  # the venue's conventions, as the figures table
    out = loss_at_move(s, book.entry[i], book.size[i], leverage=lev, move=from_entry, mmr=spec,
                       contract=book.contract[i], fee=fee, basis=basis)
    with np.errstate(divide="ignore", invalid="ignore"):  # mark-to-market return, the margin lost past the price
        roe = np.where(out.liquidated, -1.0, kernel.pnl(s, book.entry[i], exit=book.mark[i] * (1 + moves),
                                                        size=book.size[i], inverse=inv) * lev
                       / kernel.value(book.size[i], price=book.entry[i], inverse=inv))
    liq = np.asarray(liquidation_price(s, book.entry[i], book.size[i], leverage=lev.ravel(), mmr=spec,
                                       contract=book.contract[i], fee=fee, basis=basis), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        at_liq = kernel.value(book.size[i], price=book.entry[i] if basis == "entry" else liq, inverse=inv)
    rate, cum = maintenance_params(np.nan_to_num(at_liq), spec, size=book.size[i])
    margin = np.array([float(kernel.value(book.size[i], price=book.entry[i], inverse=inv) / x) for x in leverages])
    return LeverageGrid(np.asarray(roe, dtype=float), margin, liq, np.broadcast_to(rate, liq.shape),
                        np.broadcast_to(cum, liq.shape))


@dataclass
class StressFigures:
    """Per-position figures of the non-price stresses (USD unless said otherwise)."""

    gap: np.ndarray  #: every mark jumps through its liquidation price: its equity margin is lost (0: none)
    gapped: np.ndarray  #: True where a liquidation price exists (a cross account: for any of its positions)
    funding_cost: np.ndarray  #: funding at the cap for the stress days, margin currency (options 0)
    funding_cost_usd: np.ndarray
    #: 1 where margin + uPnL - that cost <= maintenance at the mark (a cross account's positions: where the
    #: account's wallet less its fees to close + their rooms at the marks (:func:`rooms_after_mark_move`) - their
    #: costs <= 0, all of them)
    funding_liquidated: np.ndarray
    shocked_vol: np.ndarray  #: vol x the multiplier (NaN without vol, options NaN)
    prob_shocked: np.ndarray  #: P(liquidated within ``days``) at the shocked vol
    expected_loss: np.ndarray  #: prob_shocked x equity (equity margin + uPnL), USD


def stress_figures(table: RiskTable, funding_cap: float, funding_days: float, vol_multiplier: float,
                   days: float = 7) -> StressFigures:
    """The stress figures of each position: a gap through every liquidation price, a funding spike to
    ``funding_cap`` per 8 h for ``funding_days`` days paid whatever the side, and the first-passage probability
    over ``days`` at the vol times ``vol_multiplier`` (the engine's
    :func:`levxl.engine.probability.liquidation_probability`)."""
    book, n = table.book, len(table)
    gapped = np.isfinite(table.liquidation)
    accounts = np.unique(table.account[table.account >= 0])
    for a in accounts:  # an account gapped through one position's price is liquidated whole, its hedges with it
        idx = np.flatnonzero(table.account == a)
        gapped[idx] = gapped[idx].any()
    # a cross account's wallet is lost once, shared by its positions (equity_margin), not once per position
    gap = np.where(gapped, -table.equity_margin * table.fx, 0.0)
    cost = np.nan_to_num(table.notional * funding_cap * FUNDING_INTERVALS_PER_DAY * funding_days)
    hit = ((table.margin + table.upnl - cost <= table.maintenance).astype(int) if n else np.zeros(0, dtype=int))
    # the account pays every position's funding at once, against the threshold of its liquidation (each room at
    # the mark: maintenance where the venue measures it plus the fee inside the threshold), as the stresses judge it
    room = rooms_after_mark_move(book, [0.0])[:, 0] if len(accounts) else None
    for a in accounts:
        idx = np.flatnonzero(table.account == a)
        left = book.cross_wallet[idx[0]] - book.close_fee[idx].sum() + np.sum(room[idx] - cost[idx])
        hit[idx] = int(left <= 0)
    # options and positions levxl cannot recompute (cross without a wallet) have no probability here
    known = ~table.option & ~np.isnan(table.liquidation) if n else np.zeros(0, dtype=bool)
    has_vol = ~np.isnan(book.vol) & (book.vol > 0) & known if n else np.zeros(0, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        never = np.where(table.side > 0, 0.0, np.inf)  # the engine's "never liquidated", a placeholder here
        prob = (np.where(has_vol, np.asarray(liquidation_probability(
            table.side, mark=book.mark, liq_price=np.where(known, table.liquidation, never),
            vol=np.where(has_vol, book.vol, 1.0) * vol_multiplier, days=days), dtype=float), np.nan)
            if n else np.zeros(0))
    equity_usd = np.nan_to_num((table.equity_margin + table.upnl) * table.fx)
    return StressFigures(gap=gap, gapped=gapped, funding_cost=cost, funding_cost_usd=cost * table.fx,
                         funding_liquidated=hit, shocked_vol=np.where(has_vol, book.vol * vol_multiplier, np.nan),
                         prob_shocked=prob, expected_loss=np.where(np.isnan(prob), 0.0, prob) * equity_usd)


TARGET_DISTANCE = 0.10
"""Default target distance to liquidation of the margin-to-add and size-to-cut figures (the AMBER threshold)."""


@dataclass
class DistanceFixes:
    """What brings each position back to a target distance to liquidation (the adverse move of the mark, a
    fraction of it): margin to add, or size to close with the margin left in place. NaN for options and positions
    levxl cannot recompute, and the size to cut of a cross position whose margin of the equation is <= 0 (a
    smaller size moves its price away from the target); 0 where the position is already that far."""

    target: float
    target_price: np.ndarray  #: the liquidation price at the target distance, ``mark*(1 - s*target)``
    margin_to_add: np.ndarray  #: margin currency
    margin_to_add_usd: np.ndarray
    size_to_cut: np.ndarray  #: the position's size unit (coin, or USD face for inverse)
    mmr_target: np.ndarray  #: rate of the tier at the target price (the margin-to-add formula's tier)
    cum_target: np.ndarray
    mmr_cut: np.ndarray  #: rate of the tier of the size left after the cut
    cum_cut: np.ndarray
    #: the margin to add in the book's total, USD: a position's own; a cross account's largest, once, on its first
    #: position (adding X to its wallet adds X to every one of its positions' margins), 0 on its others
    margin_to_add_in_total_usd: np.ndarray = None


def distance_fixes(table: RiskTable, target: float = TARGET_DISTANCE) -> DistanceFixes:
    """Margin to add and size to cut for each position of ``table`` to reach ``target`` (the engine's
    :func:`levxl.engine.sizing.margin_to_add_for_distance` and :func:`~levxl.engine.sizing.size_to_cut_for_distance`,
    with each position's maintenance spec; basis "entry" measures maintenance at the entry, as the figures do)."""
    from levxl.engine.sizing import (margin_for_liquidation_at, margin_to_add_for_distance,  # noqa: PLC0415
                                     size_to_cut_for_distance)

    book, n = table.book, len(table)
    nan = np.full(n, np.nan)
    ok = ~table.option & book.recomputable & np.isfinite(table.margin) if n else np.zeros(0, dtype=bool)
    price = np.where(ok, book.mark * (1 - table.side * target), np.nan) if n else nan
    fixes = DistanceFixes(target, price, nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy(),
                          nan.copy())
    if not ok.any():
        fixes.margin_to_add_in_total_usd = nan.copy()
        return fixes
    b = book.select(ok)
    spec = _mixed(b.mmr)
    contract = np.array(b.contract, dtype=object)
    basis = np.array(b.basis, dtype=object)
    m = table.margin[ok]
    tp = price[ok]
    add, cut = np.full(len(b), np.nan), np.full(len(b), np.nan)
    positive = m > 0
    if positive.any():
        p = positive
        args = dict(mark=b.mark[p], margin=m[p], distance=target, mmr=_at(spec, p), contract=contract[p],
                    fee=b.fee[p], basis=basis[p])
        add[p] = margin_to_add_for_distance(b.side[p], b.entry[p], b.size[p], **args)
        cut[p] = size_to_cut_for_distance(b.side[p], b.entry[p], b.size[p], **args)
    if not positive.all():
        # a cross position whose margin of the equation M is <= 0: the margin to add is still max(0, M* - M), M*
        # the margin that puts its price at the target (the engine's margin_for_liquidation_at); no size to cut
        # is given (n/a): with M <= 0 a smaller position's price moves away from the mark, not towards the target
        q = ~positive
        needed = margin_for_liquidation_at(b.side[q], b.entry[q], b.size[q], liq_price=tp[q], mmr=_at(spec, q),
                                           contract=contract[q], fee=b.fee[q], basis=basis[q])
        add[q] = np.maximum(np.asarray(needed, dtype=float) - m[q], 0.0)
    measured = np.where(basis == "entry", b.entry, tp)
    inv = b.inverse.astype(float)
    specs = np.empty(len(b), dtype=object)
    specs[:] = [_spec(v) for v in b.mmr]
    rate_t, cum_t = maintenance_params(kernel.value(b.size, price=measured, inverse=inv), specs, size=b.size)
    cut_size = b.size - np.nan_to_num(cut)
    rate_c, cum_c = maintenance_params(kernel.value(cut_size, price=measured, inverse=inv), specs, size=cut_size)
    fixes.margin_to_add[ok] = add
    fixes.margin_to_add_usd[ok] = add * table.fx[ok]
    fixes.size_to_cut[ok] = cut
    fixes.mmr_target[ok], fixes.cum_target[ok] = rate_t, cum_t
    fixes.mmr_cut[ok], fixes.cum_cut[ok] = rate_c, cum_c
    fixes.margin_to_add_in_total_usd = fixes.margin_to_add_usd.copy()
    for a in np.unique(table.account[table.account >= 0]):
        idx = np.flatnonzero(table.account == a)
        fixes.margin_to_add_in_total_usd[idx] = 0.0
        # a coin account converted at its first position's mark (one margin currency, its symbols' marks close)
        fixes.margin_to_add_in_total_usd[idx[0]] = np.max(fixes.margin_to_add[idx]) * table.fx[idx[0]]
    return fixes
