"""Auto-deleveraging exposure of winning positions: the venue's ranking key, the position's quantile in the queue and
the allocation of a liquidated position to the queue.

Ranking keys (higher = deleveraged first; longs and shorts are ranked apart):

* BitMEX family (BitMEX's "Auto-Deleveraging" page, https://www.bitmex.com/app/autoDeleveraging)::

      PnL% = (mark value - entry value) / |entry value|          (signed for the side)
      effective leverage = |mark value| / |mark value - bankrupt value|
      key = PnL% * effective leverage  if PnL% > 0,  PnL% / effective leverage  otherwise

  with values at the mark, entry and bankruptcy prices (``q*P`` linear, ``Q/P`` inverse); the bankruptcy price is
  the engine's (:func:`levxl.engine.liquidation.bankruptcy_price`).
* Binance "LeveragePnL" (Binance FAQ "What Is Auto-Deleveraging (ADL) and How Does It Work", 2019; its closing
  formula as quoted, with a worked account, on Binance's developer forum, dev.binance.vision/t/17801 -- a
  third-party quote of the FAQ)::

      PnL percent  = max(0, unrealised profit) / max(1, wallet balance)
      margin ratio = maintenance margin / (wallet balance + unrealised profit)   (0 where that sum <= 0)
      LeveragePnL  = PnL percent * margin ratio
* Hyperliquid (docs "Auto-deleveraging", https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging):
  ``(mark_price / entry_price) * (notional_position / account_value)``, for either side as published (for shorts
  that ratio falls as the profit grows; levxl keeps the published index rather than guess a correction).

Quantile (BitMEX's worked example): positions sorted by key from the highest, each at the share of the side's total
quantity ranked at or above it, rounded up to the next 20%.
"""

from __future__ import annotations

import numpy as np

from levxl.engine import kernel
from levxl.engine.liquidation import DEFAULT_MMR, bankruptcy_price, maintenance_margin
from levxl.engine.tiers import MAINTENANCE
from levxl.engine.margin.account_with_options import one_value, position_columns
from levxl.engine.validate import (CONTRACT, NONNEGATIVE, NUMBER, POSITIVE, POSITIVE_OR_NAN, SIDE, Choice, checked,
                                   require)

__all__ = ["VENUE", "adl_key", "adl_quantile", "adl_allocation", "binance_leverage_pnl"]

VENUE = Choice('must be "bitmex", "binance" or "hyperliquid"',
               {"bitmex": 0, "binance": 1, "hyperliquid": 2}, fill=0.0)


@checked(unrealised=NUMBER, wallet=NUMBER, maintenance=NONNEGATIVE)
def binance_leverage_pnl(unrealised, wallet, maintenance):
    """Binance's LeveragePnL from the account's unrealised profit, wallet balance and maintenance margin.

    >>> round(float(binance_leverage_pnl(40.2, 4.27, 0.1342 * (4.27 + 40.2))), 2)  # forum example: margin ratio 13.42%
    1.26
    """
    equity = wallet + unrealised
    ratio = np.where(equity > 0, maintenance / np.where(equity > 0, equity, 1.0), 0.0)
    return np.maximum(unrealised, 0.0) / np.maximum(wallet, 1.0) * ratio


@checked(side=SIDE, entry=POSITIVE, mark=POSITIVE, size=POSITIVE, leverage=POSITIVE_OR_NAN, margin=POSITIVE_OR_NAN,
         venue=VENUE, account_value=POSITIVE_OR_NAN, contract=CONTRACT, mmr=MAINTENANCE)
def adl_key(side, entry, mark, size, leverage=None, margin=None, venue="bitmex", account_value=None,
            contract="linear", mmr=DEFAULT_MMR):
    """The venue's ADL ranking key of a position (see the module docstring); higher is deleveraged sooner.

    ``leverage`` or ``margin`` fixes the isolated margin (BitMEX's bankruptcy price; Binance's wallet when no
    ``account_value`` is given); ``account_value`` the account value (Hyperliquid) or wallet balance (Binance);
    ``mmr`` the maintenance rate, tier table or preset of Binance's maintenance margin at the mark.

    >>> round(float(adl_key("long", 100, 110, 1, 10)), 6)   # BitMEX: +10% PnL x 110/(110 - 90) = 0.55
    0.55
    """
    inverse = contract
    value = lambda price: kernel.value(size, price=price, inverse=inverse)
    entry_value, mark_value = value(entry), value(mark)
    pnl_pct = np.where(inverse != 0, -side, side) * (mark_value - entry_value) / np.abs(entry_value)
    given = leverage is not None or margin is not None
    bp = (bankruptcy_price(side, entry, size, leverage=leverage, margin=margin, contract=contract) if given
          else np.full(np.shape(mark_value), np.nan))
    require(np.asarray((venue != 0) | given), "leverage or margin", "must be given for the BitMEX key")
    require(np.asarray((venue == 0) | given | (account_value is not None)), "account_value",
            "must be given for the Binance and Hyperliquid keys")
    require(np.asarray((venue != 0) | (mark_value > 0)), "mark", "must be > 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        bankrupt_value = np.where((bp > 0) & np.isfinite(bp), value(np.where(bp > 0, bp, 1.0)), 0.0)
        effective = np.abs(mark_value) / np.abs(mark_value - bankrupt_value)
        bitmex = np.where(pnl_pct > 0, pnl_pct * effective, pnl_pct / effective)
        margin_amount = kernel.isolated_margin(size, entry, leverage=leverage, margin=margin,
                                                 inverse=inverse) if given else np.nan
        collateral = account_value if account_value is not None else margin_amount
        upnl = kernel.pnl(side, entry, exit=mark, size=size, inverse=inverse)
        maintenance = maintenance_margin.raw(size, price=mark, mmr=mmr, contract=contract)
        binance = binance_leverage_pnl.raw(unrealised=upnl, wallet=collateral, maintenance=maintenance)
        hyperliquid = (mark / entry) * mark_value / collateral
    return np.select([venue == 0, venue == 1], [bitmex, binance], hyperliquid)


@checked(keys=NUMBER, quantities=NONNEGATIVE)
def adl_quantile(keys, quantities):
    """Each position's place in the ADL queue of its side: the share of the side's quantity ranked at or above it
    (highest key first), rounded up to the next 20% (BitMEX's indicator). 0.2 = the first fifth, deleveraged first.

    >>> [float(x) for x in adl_quantile([3, 6, 1, 4, 5, 2], [10, 10, 20, 30, 20, 10])]  # BitMEX's example
    [0.8, 0.2, 1.0, 0.6, 0.4, 0.8]
    """
    keys, quantities = position_columns(keys=keys, quantities=quantities)
    order = np.argsort(-keys, kind="stable")
    share = np.empty(keys.shape)
    share[order] = np.cumsum(quantities[order]) / quantities.sum()
    return np.ceil(np.round(share * 5, 12)) / 5


@checked(keys=NUMBER, quantities=NONNEGATIVE, liquidated=NONNEGATIVE)
def adl_allocation(keys, quantities, liquidated):
    """How much of each opposing position is closed to absorb ``liquidated`` contracts: the highest key first, each
    closed in full until the remainder is smaller than the next position.

    >>> [float(x) for x in adl_allocation([3, 6, 1, 4, 5, 2], [10, 10, 20, 30, 20, 10], 20)]  # BitMEX's example
    [0.0, 10.0, 0.0, 0.0, 10.0, 0.0]
    """
    keys, quantities = position_columns(keys=keys, quantities=quantities)
    order = np.argsort(-keys, kind="stable")
    before = np.concatenate([[0.0], np.cumsum(quantities[order])[:-1]])
    closed_sorted = np.clip(one_value("liquidated", liquidated) - before, 0.0, quantities[order])
    closed = np.empty(keys.shape)
    closed[order] = closed_sorted
    return closed
