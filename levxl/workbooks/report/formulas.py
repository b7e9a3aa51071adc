"""The native spreadsheet expressions the report writes (no ``LEVXL_`` functions): each is the engine's formula in
spreadsheet syntax, over cell references passed in, so a recipient's edits recalculate without Python."""

from __future__ import annotations

__all__ = ["black76", "liquidation", "bankruptcy", "move_pnl", "option_move_pnl", "probability", "NO_VOL"]

NO_VOL = "n/a: no vol"
"""What a figure that needs a volatility shows without one (not blank, not 0: unknown, and why)."""


def black76(w: int, F: str, K: str, T: str, vol: str, what: str = "value", coin: bool = False) -> str:
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


def liquidation(S: str, Q: str, E: str, M: str, mmr: str, cum: str, inverse: bool, entry_basis: bool = False,
                fee: str = "0") -> str:
    """The isolated liquidation price (the engine's :func:`levxl.engine.liquidation.liquidation_price` for one
    tier), ``fee`` the rate inside the threshold (OKX, Gate, Bitget; "0" elsewhere). Maintenance at the liquidation
    price: linear ``max(0, (M/q + cum/q - s*EP)/(mmr + fee - s))``, inverse ``Q(mmr + fee + s)/(M + cum + s*Q/EP)``;
    at the entry (``entry_basis``, Bybit): linear ``max(0, (M/q + cum/q - s*EP - mmr*EP)/(fee - s))``, inverse
    ``Q*(s + fee)/(M + cum + (s - mmr)*Q/EP)`` ("none" for a short no price liquidates)."""
    f = "" if fee == "0" else f"+{fee}"
    if inverse:
        den = f"{M}+{cum}+({S}-{mmr})*{Q}/{E}" if entry_basis else f"{M}+{cum}+{S}*{Q}/{E}"
        num = f"{Q}*({S}{f})" if entry_basis else f"{Q}*({mmr}{f}+{S})"
        return f'=IF(AND({S}<0,{den}>=0),"none",{num}/({den}))'
    if entry_basis:
        return f"=MAX((({M}/{Q}+{cum}/{Q})-{S}*{E}-{mmr}*{E})/({fee}-{S}),0)" if f else \
            f"=MAX((({M}/{Q}+{cum}/{Q})-{S}*{E}-{mmr}*{E})/(-{S}),0)"
    return f"=MAX((({M}/{Q}+{cum}/{Q})-{S}*{E})/({mmr}{f}-{S}),0)"


def on_tick(raw: str, tick: str, direction: str, offset: int = 0) -> str:
    """The price in cell ``raw`` as the venue shows it on the tick in cell ``tick`` (the engine's
    :func:`levxl.engine.conventions.price_on_tick`): ``offset`` ticks added (a short's OKX offset is -1), then rounded ``direction`` ("up",
    "down", "nearest" half up) with the engine's 1e-9-tick slack for a price already on the tick; the sentinels
    (0, "none") and an error in ``raw`` are kept. A blank ``tick`` leaves the price unrounded (the engine's NaN
    tick); a tick <= 0 is #NUM! and text #VALUE! (the engine refuses both). ``ROUND(..., 10)`` gives the decimal
    the venue prints, as the engine's division does."""
    x = f"({raw}{offset:+d}*{tick})" if offset else raw
    if offset < 0:  # as the engine: a price within a tick of 0 keeps the formula's
        x = f"IF({x}>0,{x},{raw})"
    steps = {"up": f"-INT(1E-9-{x}/{tick})", "down": f"INT({x}/{tick}+1E-9)",
             "nearest": f"INT({x}/{tick}+0.5)"}[direction]
    # text > any number in both spreadsheets, so a text tick reaches the division and gives #VALUE!
    return (f"=IF(ISNUMBER({raw}),IF({raw}>0,IF(ISBLANK({tick}),{raw},IF({tick}>0,ROUND({steps}*{tick},10),"
            f"#NUM!)),{raw}),{raw})")


def bankruptcy(S: str, Q: str, E: str, M: str, inverse: bool) -> str:
    """The bankruptcy price: :func:`liquidation` with mmr = cum = 0."""
    if inverse:
        den = f"{M}+{S}*{Q}/{E}"
        return f'=IF(AND({S}<0,{den}>=0),"none",{Q}*{S}/({den}))'
    return f"=MAX(({M}/{Q}-{S}*{E})/(-{S}),0)"


def move_pnl(S: str, Q: str, E: str, M: str, LQ: str, price: str, inverse: bool, mark: str | None = None) -> str:
    """PnL in USD from entry at the moved ``price``, liquidation included (beyond ``LQ`` the isolated margin is
    lost); inverse PnL converted at the moved price. With ``mark``, the path starts at the mark: a mark already
    at or past ``LQ`` has lost the margin whatever the move (the engine's
    :func:`levxl.book.figures.pnl_after_mark_move`). Text in ``LQ`` ("none", "n/a") liquidates nothing; an error
    in it is the PnL's (unknown, not "no liquidation")."""
    cond = passed(S, LQ, price, mark)
    if inverse:
        return f"=IF({cond},-{M},{S}*{Q}*(1/{E}-1/({price})))*{price}"
    return f"=IF({cond},-{M},{S}*{Q}*({price}-{E}))"


def passed(S: str, LQ: str, price: str, mark: str | None = None) -> str:
    """TRUE where the moved ``price`` is at or past the liquidation price ``LQ`` (with ``mark``: on the path from
    the mark, so a mark already past it counts); text in ``LQ`` ("none", "n/a") is never passed, an error in it is
    the result's."""
    if mark is None:
        return f"IF(ISTEXT({LQ}),FALSE,IF({S}>0,{price}<={LQ},{price}>={LQ}))"
    return f"IF(ISTEXT({LQ}),FALSE,IF({S}>0,MIN({price},{mark})<={LQ},MAX({price},{mark})>={LQ}))"


def option_move_pnl(w: int, S: str, Q: str, base: str, price: str, K: str, T: str, V: str, inverse: bool) -> str:
    """An option's PnL in USD vs ``base`` (its premium, or its value now) at the moved underlying ``price``
    (parenthesised): ``s*size*(V(price) - base)``, coin-settled converted at the moved price."""
    value = black76(w, price, K, T, V, "value", inverse)
    return f"={S}*{Q}*({value}-{base})" + (f"*{price}" if inverse else "")


def probability(S: str, L: str, LQ: str, days: int, vol: str) -> str:
    """GBM first passage with zero drift: N(s(b + v²T/2)/(v√T)) + (mark/liq)·N(s(b − v²T/2)/(v√T)),
    b = ln(liq/mark), clamped to [0, 1]; 0 where nothing liquidates; 1 at or beyond the liquidation price; the
    error of a liquidation price in error (not 0: unknown, and an aggregate must not skip it). The engine's
    :func:`levxl.engine.probability.liquidation_probability`."""
    T = f"{days}/365"
    b = f"LN({LQ}/{L})"
    sd = f"({vol}*SQRT({T}))"
    half = f"{vol}^2/2*{T}"
    core = (f"MIN(MAX(_xlfn.NORM.S.DIST({S}*({b}+{half})/{sd},TRUE)"
            f"+{L}/{LQ}*_xlfn.NORM.S.DIST({S}*({b}-{half})/{sd},TRUE),0),1)")
    return (f'=IF(N({vol})<=0,"{NO_VOL}",IF(ISNUMBER({LQ}),IF({LQ}=0,0,IF({S}*({L}-{LQ})<=0,1,{core})),'
            f'IF(ISERROR({LQ}),{LQ},0)))')
