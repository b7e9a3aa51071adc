"""Standard margin of short options (Deribit, Aevo, Paradex cross margin), per position, from dated rules.

The formulas are in :class:`levxl.engine.margin.params.ShortOptionParams`. With ``contract="inverse"`` (Deribit BTC
and ETH options) ``mark`` is the option's price in coin and the margin comes back in coin (the USD amounts divided by
the underlying); with ``contract="linear"`` (Aevo, Paradex) everything is USD. A long option needs no margin (its
premium is paid). Every result names the parameter set it used (``params``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from levxl.engine.margin.params import ShortOptionParams, option_params
from levxl.engine.validate import CONTRACT, NONNEGATIVE, OPTION_TYPE, POSITIVE, SIDE, checked

__all__ = ["OptionMargin", "short_option_margin", "option_margin_usd"]


class OptionMargin(NamedTuple):
    """Initial and maintenance margin (coin for inverse settlement, USD for linear) and the set's name."""

    im: np.ndarray
    mm: np.ndarray
    params: str


def option_margin_usd(w, underlying, strike, mark_usd, p: ShortOptionParams):
    """(IM, MM) in USD per option for checked float arrays; ``w`` +1 call / -1 put, ``mark_usd`` the option's
    USD price. The engine-internal form (the account and the reverse stress call it on repriced options)."""
    U, K = underlying, strike
    put = w < 0
    otm = np.where(put, np.maximum(U - K, 0.0), np.maximum(K - U, 0.0))
    im = np.maximum(p.im_itm * U - otm, p.im_otm * U) + p.im_premium * mark_usd
    mm_base = np.maximum(p.mm_itm * U - otm, p.mm_otm * U)
    mm = np.where(put, np.maximum(mm_base, p.put_mark_floor * mark_usd), mm_base) + p.mm_premium * mark_usd
    if p.put_im_at_least_mm:
        im = np.where(put, np.maximum(im, mm), im)
    if p.put_cap_im is not None:
        im = np.where(put, np.minimum(im, p.put_cap_im * K), im)
    if p.put_cap_mm is not None:
        mm = np.where(put, np.minimum(mm, p.put_cap_mm * K), mm)
    return im, mm


@checked(option_type=OPTION_TYPE, underlying=POSITIVE, strike=POSITIVE, mark=NONNEGATIVE, size=NONNEGATIVE,
         side=SIDE, contract=CONTRACT)
def short_option_margin(option_type, underlying, strike, mark, size=1.0, side="short", rules="deribit",
                        contract="inverse"):
    """Initial and maintenance margin of ``size`` options sold, under the dated ``rules``.

    ``option_type`` call/put; ``underlying`` the underlying's mark (USD); ``strike`` USD; ``mark`` the option's mark
    price (coin when ``contract="inverse"``, USD when "linear"); ``size`` options (coins of underlying); ``side`` short
    (default) or long (no margin); ``rules`` a set name ("deribit", "aevo", "paradex", "deribit@2020", ...).

    Deribit (coin): short call ``IM = max(0.15 - OTM/U, 0.1) + mark``, ``MM = 0.075 + mark``; short put
    ``MM = max(0.075, 0.075*mark) + mark``, ``IM = max(max(0.15 - OTM/U, 0.1) + mark, MM)``.

    >>> r = short_option_margin("call", 100, 106, 0, rules="paradex", contract="linear")  # Paradex's example
    >>> float(r.im), float(r.mm), r.params
    (10.0, 5.0, 'paradex@2024')
    """
    p = option_params(rules)
    U = underlying
    mark_usd = np.where(contract != 0, mark * U, mark)
    im, mm = option_margin_usd(option_type, U, strike, mark_usd, p)
    to_settle = np.where(contract != 0, 1.0 / U, 1.0)
    short = (side < 0) * size
    return OptionMargin(im * to_settle * short, mm * to_settle * short, p.name)
