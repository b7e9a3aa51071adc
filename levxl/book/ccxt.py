"""ccxt ``fetch_positions`` / ``fetch_balance`` output read by what each field means on each venue.

ccxt's unified Position (ccxt 4.5) is not uniform across venues; ``tests/data/ccxt/README.md`` maps every field with
the ccxt source lines. What levxl takes:

========================  ==============================================================================
size                      ``contracts * contractSize``: coin for linear, USD face value for inverse (Deribit:
                          ``contracts`` alone, the venue's own size; ccxt fills ``contractSize`` from the market)
linear / inverse          the market's settle currency: ``BTC/USD:BTC`` settles in its base, so inverse;
                          a settle currency that is neither base nor quote (quanto) is refused; a venue-form
                          symbol (ccxt run without markets: ``BTCUSD_PERP``) by its form
                          (:func:`levxl.book.cells.symbol_contract`), with a warning where that says inverse
isolated margin           **without** unrealised PnL (ccxt ``collateral`` includes it on every venue here):
                          Binance ``info.isolatedWallet``; Bybit ``info.positionBalance`` (else ``positionIM``);
                          OKX ``info.margin``; Hyperliquid ``marginUsed - unrealizedPnl``; Gate ``info.margin``;
                          KuCoin ``info.posMargin`` (its ``maintMargin``, ccxt's collateral, holds the uPnL),
                          less ``posComm``, the bankruptcy fee frozen in it before 2025-05-22;
                          Bitget ``info.marginSize``; other venues ``positionMargin``, else
                          ``collateral - unrealizedPnl``
margin mode               ``marginMode``; Bybit ``info.tradeMode`` (ccxt always gives None); Hyperliquid
                          ``info.position.leverage.type``; Gate leverage "0" = cross, KuCoin ``crossMode``, Bitget
                          ``crossed`` (all three read by ccxt); unknown stays unknown (never assumed isolated)
maintenance rate          Binance: the bundled tier table for the symbol, else ccxt's bracket rate with the
                          ``cum`` recovered from ``info.maintMargin`` (v3); Bybit ``positionMM`` over the entry
                          value (Bybit measures it at entry); OKX ``maintenanceMarginPercentage``; Hyperliquid
                          ``1/(2*maxLeverage)``; Deribit ccxt's ``maintenanceMarginPercentage`` / 100 (a percent);
                          Gate ``info.average_maintenance_rate``, else ``maintenance_rate`` (ccxt's percentage is
                          maintenance_margin / value, the taker fee inside, which the gate profile adds itself);
                          KuCoin ``posMaint`` over ``markValue`` (basis "mark", its rule since 2025-05-22); a
                          payload with a frozen bankruptcy fee ``posComm`` is of the rule before: ``posMaint -
                          posComm`` over ``posCost`` (basis "entry"), else ``maintMarginReq``; Bitget
                          ``keepMarginRate``
venue numbers             ``liquidationPrice``; the maintenance margin as the venue reports it (Binance v3
                          ``maintMargin``, Bybit ``positionMM``, OKX ``mmr``, Gate ``maintenance_margin``, KuCoin
                          ``posMaint``; ccxt's Binance figure omits cum, its Bitget one is its own derivation)
========================  ==============================================================================

Wallets for cross accounts (:func:`wallets_from_balance`): Binance ``crossWalletBalance``; Bybit coin
``walletBalance``; OKX ``cashBal - (isoEq - isoUpl)`` (cash less isolated margin); Hyperliquid cross
``accountValue`` less the cross positions' unrealised PnL.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from levxl.book.cells import asset_of, inverse_by_symbol_note, symbol_contract, symbol_form
from levxl.book.checks import magnitude_reason, preset_base_names, stored_table
from levxl.engine.tiers import TierTable
from levxl.files.reading import duplicate_keys

__all__ = ["records_from_ccxt", "binance_coin_m_face", "ccxt_record_stream", "venue_of", "wallets_from_balance", "balances_in",
           "margin_currency"]


def _num(value: Any) -> float | None:
    """A ccxt/venue number (float or string); None when blank or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out else None


def venue_of(position: dict[str, Any]) -> str:
    """The venue of a ccxt Position, from its raw ``info`` (the Position has no venue field): ``positionAmt`` ->
    binance, ``tradeMode``/``positionIdx`` -> bybit, ``instId``/``mgnMode`` -> okx, ``position.szi`` ->
    hyperliquid, ``instrument_name`` with ``size_currency`` -> deribit, ``contract`` with ``leverage_max`` /
    ``maintenance_rate`` / ``liq_price`` -> gate, ``posMaint`` / ``posInit`` (or ``currentQty`` with ``avgEntryPrice``)
    -> kucoin, ``holdSide`` / ``keepMarginRate`` / ``marginSize`` with ``openPriceAvg`` -> bitget; else an
    ``exchange``/``venue`` key if present, else ""."""
    info = position.get("info") if isinstance(position.get("info"), dict) else {}
    if "positionAmt" in info:
        return "binance"
    if "tradeMode" in info or "positionIdx" in info:
        return "bybit"
    if "instId" in info or "mgnMode" in info:
        return "okx"
    if isinstance(info.get("position"), dict) and "szi" in info["position"]:
        return "hyperliquid"
    if "instrument_name" in info and "size_currency" in info:
        return "deribit"
    if "contract" in info and ("leverage_max" in info or "maintenance_rate" in info or "liq_price" in info):
        return "gate"
    if "posMaint" in info or "posInit" in info or ("currentQty" in info and "avgEntryPrice" in info):
        return "kucoin"
    if "holdSide" in info or "keepMarginRate" in info or ("marginSize" in info and "openPriceAvg" in info):
        return "bitget"
    return str(position.get("exchange") or position.get("venue") or info.get("exchange") or "").strip().lower()


def margin_currency(symbol: str, inverse: bool) -> str:
    """The margin (settle) currency of a unified symbol ``BASE/QUOTE:SETTLE``; else base for inverse (the coin of
    a venue-form symbol, ``BTC-USD-SWAP`` -> BTC: the one wallet of every BTC-margined contract), quote for
    linear (``BTCUSDT`` -> USDT); "" when the symbol says nothing (Hyperliquid's ``ETH``).

    >>> margin_currency("BTCUSDT", False), margin_currency("XBTUSDTM", False), margin_currency("ETH", False)
    ('USDT', 'USDT', '')
    """
    if ":" in symbol:
        return symbol.rpartition(":")[2].split("-")[0].upper()
    base, _, quote = symbol.partition("/")
    if inverse and not quote:
        return asset_of(symbol) if symbol.strip() else ""
    if not quote:  # a linear venue-form symbol settles in its quote: BTCUSDT, BTC-USDT-SWAP -> USDT (KuCoin's
        # XBTUSDTM too), so a fetch_balance or accounts file's USDT wallet is its account's
        named = symbol_form(symbol).quote
        return _MARGINED.get(named, named)
    return (base if inverse else quote).upper()


_MARGINED = {"USDTM": "USDT", "USDCM": "USDC"}  # KuCoin's USDT-/USDC-margined suffixes, the currency they settle in


def balances_in(data: Any) -> list[Any]:
    """The ``fetch_balance`` structures bundled with positions: ``{"positions": [...], "balance": {...}}`` or
    ``"balances": [...]``; a levxl fixture wrapper ``{"balance": {...}}`` is unwrapped."""
    if not isinstance(data, dict):
        return []
    found = data.get("balances", [data["balance"]] if "balance" in data else [])
    return [b.get("balance", b) if isinstance(b, dict) and "info" not in b else b for b in found
            if isinstance(b, dict)]


def records_from_ccxt(data: Any) -> list[dict[str, Any]]:
    """ccxt Positions (a list, or a dict holding ``positions``, or one case file with ``position``) -> book
    records, with the venue, margin mode, margin without uPnL, venue numbers and any balance's wallet."""
    account = ""
    if isinstance(data, dict):
        account = data["account"] if isinstance(data.get("account"), str) else ""
        if "position" in data and isinstance(data["position"], dict):
            market = data.get("market") if isinstance(data.get("market"), dict) else {}
            data = [dict(data["position"], _market=market)]
        else:
            data = data.get("positions", data.get("data", [data]))
    if not isinstance(data, list):
        raise ValueError("ccxt positions JSON must be a list of Position objects (fetch_positions output)")
    records = []
    for p in data:
        if not isinstance(p, dict):
            records.append(_not_position(p))
            continue
        records.append(_record(p, account))
    return records


def ccxt_record_stream(positions: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Book records of ccxt Positions streamed one at a time (a ``fetch_positions`` array too large to load
    whole): as :func:`records_from_ccxt` gives them for the same list."""
    for p in positions:
        yield _record(p, "") if isinstance(p, dict) else _not_position(p)


def _not_position(p: Any) -> dict[str, Any]:
    return {"__refuse__": f"not a ccxt Position object: {str(p)[:40]!r}"}


def _record(p: dict[str, Any], account: str) -> dict[str, Any]:
    info = p.get("info") if isinstance(p.get("info"), dict) else {}
    venue = venue_of(p)
    symbol = str(p.get("symbol") or "")
    market = p.get("_market") or {}
    base, _, rest = symbol.partition("/")
    quote, _, settle = rest.partition(":")
    settle = settle.split("-")[0]
    note = ""
    if market.get("inverse") is True or p.get("inverse") is True or p.get("linear") is False:
        inverse = True
    elif settle:
        inverse = settle == base
    else:  # a venue-form symbol (ccxt run without markets): its form may say it, as a positions file's would
        by_symbol, form = symbol_contract(symbol, venue) if symbol.strip() else ("", "")
        inverse = by_symbol == "inverse"
        note = inverse_by_symbol_note(symbol, form, "no settle currency in the ccxt symbol",
                                      "export fetch_positions with markets loaded to say so") if inverse else ""
    mode = _margin_mode(p, venue, info)
    # a refused position still names its account: the account's other cross positions are not computed without it
    who = {"venue": venue, "account": account, "symbol": symbol, "contract": "inverse" if inverse else "linear",
           "margin_mode": mode or "unknown"}
    twice = duplicate_keys(p) or duplicate_keys(info)
    if twice:  # {"contracts": 1, "contracts": 100}: json keeps the last, other readers the first
        return {"__refuse__": f"{symbol}: {twice}", **who}
    if settle and settle not in (base, quote):
        return {"__refuse__": f"{symbol}: settles in {settle}, neither base nor quote (quanto): not modelled", **who}
    side = p.get("side")
    if side not in ("long", "short"):
        return {"__refuse__": f"ccxt side must be 'long' or 'short', got {side!r}", **who}
    for field in ("contracts", "contractSize"):  # a list, "abc" or true refuses this position only (true is not 1)
        raw = p.get(field)
        if raw is not None and _num(raw) is None:
            shown = repr(raw) if len(repr(raw)) <= 40 else repr(raw)[:37] + "..."
            return {"__refuse__": f"{symbol}: size must be a number: {field} is {shown}", **who}
    contracts, contract_size = _num(p.get("contracts")), _num(p.get("contractSize")) or 1.0
    face = binance_coin_m_face(str(info.get("symbol") or symbol)) if venue == "binance" and inverse else None
    if face is not None and contract_size != face:
        # ccxt's contractSize comes from the market: a position parsed without markets has none (1 assumed) or a
        # made-up one, and contracts x that is not the USD face (Binance COIN-M: 100 USD a BTC contract, 10 else)
        return {"__refuse__": f"{symbol}: contractSize {p.get('contractSize')!r} is not Binance COIN-M's {face:g} "
                              "USD a contract, so the size in USD cannot be told (export fetch_positions with "
                              "markets loaded, or give the size in USD face value)", **who}
    why = _contract_size_unknown(venue, symbol, p, info, contract_size, inverse)
    if why:
        return {"__refuse__": why, **who}
    if venue == "deribit":  # ccxt's contracts is Deribit's own size (USD for inverse futures), not a count of
        contract_size = 1.0  # contracts: ccxt fills contractSize (10 USD for BTC-PERPETUAL) from the market
    size = None if contracts is None else abs(contracts) * contract_size
    if contracts == 0:  # holds nothing: its account's other positions are computed as they are
        return {"__refuse__": f"{symbol}: contracts 0 (a closed position, as some venues list them): skipped",
                **who, "__no_position__": True}
    margin, source = _margin_without_upnl(p, venue, info, mode)
    mmr, basis = _maintenance(p, venue, info, symbol, inverse, size)
    leverage = _num(p.get("leverage")) or _num(info.get("leverage"))
    if leverage is not None and leverage <= 0:
        leverage = None  # Gate reports a cross position's leverage as 0 (ccxt: leverage '0' = cross): not given
    if leverage is None and _num(p.get("initialMargin")) and _num(p.get("notional")):
        leverage = abs(_num(p["notional"])) / _num(p["initialMargin"])  # Binance v3 gives no leverage
    taker = None
    if venue == "bybit":
        mmr, taker = _bybit_fee_to_close(info, mmr, side, size, _num(p.get("entryPrice")), leverage, inverse)
    return {"venue": venue, "account": account, "symbol": symbol, "side": side,
            "contract": "inverse" if inverse else "linear", "size": size, "entry": p.get("entryPrice"),
            "mark": p.get("markPrice"), "leverage": leverage, "margin": margin, "margin_source": source,
            "margin_mode": mode or "unknown", "mmr": mmr, "basis": basis, "taker_fee": taker,
            "venue_liquidation": _num(p.get("liquidationPrice")),
            "venue_maintenance": _venue_maintenance(p, venue, info),
            "warnings": ([note] if note else []) + (
                ["hedge-mode position: levxl's cross formula is the one-way-mode one (Binance); a hedged account's "
                 "other leg changes the venue's number"] if p.get("hedged") and mode == "cross" else [])}


#: venues whose ccxt ``contracts`` counts contracts of a multiple of the coin (OKX ctVal 0.01 BTC, Gate's quanto
#: multiplier 0.0001 BTC, KuCoin's multiplier 0.001 BTC): ccxt fills ``contractSize`` from the market, so a position
#: parsed without markets has none, and ``contracts`` alone would be a size 100 to 10,000 times too large
MULTIPLE_CONTRACT_VENUES = frozenset({"okx", "gate", "kucoin"})


def _contract_size_unknown(venue: str, symbol: str, p: dict, info: dict, contract_size: float,
                           inverse: bool) -> str:
    """Why the size of a position at a venue of :data:`MULTIPLE_CONTRACT_VENUES` cannot be told ("" when it can):
    no ``contractSize``, or (OKX) one that its own ``info`` contradicts: ``notionalUsd`` is ``pos x ctVal x markPx``
    (linear) or ``pos x ctVal`` USD (inverse), within the USDT/USD rate it converts at."""
    if venue not in MULTIPLE_CONTRACT_VENUES:
        return ""
    if p.get("contractSize") is None:
        return (f"{symbol}: no contractSize, so the size of its contracts cannot be told (export fetch_positions "
                "with markets loaded, or give the size in coin or USD face value)")
    pos, usd, mark = _num(info.get("pos")), _num(info.get("notionalUsd")), _num(info.get("markPx"))
    if venue != "okx" or not (pos and usd and mark):
        return ""
    implied = abs(usd / pos) if inverse else abs(usd / (pos * mark))
    if abs(contract_size / implied - 1) > 0.01:  # USD vs USDT moves notionalUsd by far less than 1 %
        return (f"{symbol}: contractSize {contract_size:g} disagrees with the position's own notionalUsd "
                f"({_num(info.get('notionalUsd')):g}, about {implied:.4g} a contract): the size cannot be told")
    return ""

def binance_coin_m_face(symbol: str) -> float:
    """USD face value of one Binance COIN-M contract (``positionAmt`` counts them): 100 USD for BTC, 10 USD for every
    other coin (Binance's COIN-M contract specifications: BTCUSD perpetual and quarterlies 100 USD, the others 10;
    also ccxt's market ``contractSize`` for them, and the crypto-contract-value crate's table).

    >>> binance_coin_m_face("BTCUSD_PERP"), binance_coin_m_face("ETH/USD:ETH")
    (100.0, 10.0)
    """
    return 100.0 if asset_of(str(symbol).upper()) == "BTC" else 10.0


def _bybit_fee_to_close(info: dict[str, Any], mmr: Any, side: str, size: float | None, entry: float | None,
                        leverage: float | None, inverse: bool) -> tuple[Any, float | None]:
    """(maintenance rate without the fee to close, the account's taker rate) of a Bybit position.

    A unified trading account puts the estimated fee to close at the bankruptcy price inside both ``positionIM``
    and ``positionMM`` (Bybit help "Maintenance Margin Calculation", "Position Margin"), so the fee is ``positionIM -
    value(EP)/leverage``, the rate it was charged at is that fee over ``value(BP)`` (``BP = EP(1 - s/L)`` linear,
    ``EP*L/(L + s)`` inverse), and the maintenance rate is ``(positionMM - fee)/value(EP)``. A fee of 0 (a classic
    account: margins without it) gives a taker rate of 0, so nothing is taken out of the margin. Unchanged where
    the fields needed are missing, or the fee is negative or over 1% of the value (not this convention)."""
    im, mm = _num(info.get("positionIM")), _num(info.get("positionMM"))
    if im is None or mm is None or not size or not entry or not leverage or not isinstance(mmr, float):
        return mmr, None
    s = 1.0 if side == "long" else -1.0
    value = size / entry if inverse else size * entry
    fee = im - value / leverage
    if abs(fee) <= 1e-9 * value:
        return mmr, 0.0
    if fee < 0 or fee > 0.01 * value or (inverse and leverage + s <= 0):
        return mmr, None
    bankrupt = entry * leverage / (leverage + s) if inverse else entry * (1 - s / leverage)
    at_bankruptcy = size / bankrupt if inverse else size * bankrupt
    if at_bankruptcy <= 0 or mm - fee < 0:
        return mmr, None
    return (mm - fee) / value, fee / at_bankruptcy


def _margin_mode(p: dict[str, Any], venue: str, info: dict[str, Any]) -> str:
    mode = p.get("marginMode")
    if mode in ("isolated", "cross"):
        return mode
    if venue == "bybit" and str(info.get("tradeMode")) in ("0", "1"):
        return "isolated" if str(info["tradeMode"]) == "1" else "cross"
    lev = (info.get("position") or {}).get("leverage") if isinstance(info.get("position"), dict) else None
    if isinstance(lev, dict) and lev.get("type") in ("isolated", "cross"):
        return lev["type"]
    if p.get("isolated") is True:
        return "isolated"
    return ""


def _margin_without_upnl(p: dict[str, Any], venue: str, info: dict[str, Any], mode: str) -> tuple[Any, str]:
    """(isolated margin without unrealised PnL, where it came from); (None, "") for cross or when unknown."""
    if mode != "isolated":
        return None, ""
    if venue == "binance" and _num(info.get("isolatedWallet")):
        return _num(info["isolatedWallet"]), "info.isolatedWallet"
    if venue == "bybit":
        if _num(info.get("positionBalance")):
            return _num(info["positionBalance"]), "info.positionBalance"
        if _num(info.get("positionIM")):
            return _num(info["positionIM"]), "info.positionIM (positionBalance empty: added margin not included)"
    if venue == "okx" and _num(info.get("margin")):
        return _num(info["margin"]), "info.margin"
    if venue == "hyperliquid" and _num(p.get("positionMargin")):
        return _num(p["positionMargin"]), "marginUsed - unrealizedPnl"
    if venue == "kucoin" and _num(info.get("posMargin")) and (_num(info.get("posComm")) or 0) > 0:
        # before its rule of 2025-05-22 KuCoin froze the bankruptcy fee (posComm) in posMargin; its bankruptcy
        # price leaves it out, and its maintenance margin (posMaint) holds the same fee, which cancels
        return (_num(info["posMargin"]) - _num(info["posComm"]),
                "info.posMargin - info.posComm (the bankruptcy fee KuCoin froze in posMargin and posMaint until "
                "2025-05-22)")
    own = {"gate": "margin", "kucoin": "posMargin", "bitget": "marginSize"}.get(venue)
    if own and _num(info.get(own)):
        return _num(info[own]), f"info.{own}"
    if _num(p.get("positionMargin")):
        return _num(p["positionMargin"]), "positionMargin"
    collateral, upnl = _num(p.get("collateral")), _num(p.get("unrealizedPnl"))
    if collateral is not None and upnl is not None and collateral - upnl > 0:
        return collateral - upnl, "collateral - unrealizedPnl"
    return None, ""


def _maintenance(p: dict[str, Any], venue: str, info: dict[str, Any], symbol: str, inverse: bool,
                 size: float | None) -> tuple[Any, str]:
    """(maintenance spec for the engine, basis) per venue (see the module docstring)."""
    rate = _num(p.get("maintenanceMarginPercentage"))
    if venue == "deribit" and rate is not None:
        rate /= 100.0  # ccxt's Deribit figure is maintenance_margin / size_currency * 100, a percent
    entry = _num(p.get("entryPrice"))
    if venue == "binance":
        plain = symbol.split(":")[0].replace("/", "")
        name = f"binance:{plain}"
        if not inverse and name in preset_base_names():
            return name, "mark"
        reported, notional = _num(info.get("maintMargin")), _num(p.get("notional"))
        if rate is not None and reported is not None and notional:
            cum = round(abs(notional) * rate - reported, 8)
            if cum >= 0:
                return TierTable.fixed(rate, cum, source=f"binance bracket (mmr {rate:g}, cum {cum:g} from "
                                                        "maintMargin)"), "mark"
        return (rate if rate is not None else None), "mark"
    if venue == "bybit":
        mm = _num(info.get("positionMM"))
        value = (size / entry if inverse else size * entry) if size and entry else 0.0
        if mm is not None and 0 < value < float("inf"):  # an entry of inf (1e400 in the file): the row checks refuse it
            return mm / value, "entry"
        return rate, "entry"
    if venue == "hyperliquid":
        max_leverage = _num((info.get("position") or {}).get("maxLeverage")) if isinstance(
            info.get("position"), dict) else None
        # the stored margin table (its deduction covers the upper tier) where it agrees with the venue's own max
        # leverage; else the venue's number: mmr = 1/(2 * max leverage), Hyperliquid's definition
        table = stored_table("hyperliquid", symbol)
        if table is not None and (max_leverage is None or float(table.max_leverage[0]) == max_leverage):
            return table, "mark"
        if max_leverage:
            return 1.0 / (2.0 * max_leverage), "mark"
        return rate, "mark"
    if venue == "gate":  # ccxt's rate is maintenance_margin / value, Gate's taker fee inside (ccxt gate.py)
        own = _num(info.get("average_maintenance_rate")) or _num(info.get("maintenance_rate"))
        return (own if own else rate), "mark"
    if venue == "kucoin":
        mm = _num(info.get("posMaint"))
        frozen_fee = _num(info.get("posComm")) or 0.0
        if frozen_fee > 0:
            # the rule until 2025-05-22 (profile kucoin-2025-05-21): MM fixed on the entry value (posCost), the
            # bankruptcy fee frozen in both margins (taken out of both: the liquidation price is unchanged)
            value = _num(info.get("posCost"))
            if not value and size and entry:
                value = size / entry if inverse else size * entry
            if mm is not None and value:
                return (mm - frozen_fee) / abs(value), "entry"
            return (_num(info.get("maintMarginReq")) if _num(info.get("maintMarginReq")) is not None else rate), "entry"
        # the rule since 2025-05-22: MM on the mark value (markValue), no bankruptcy fee frozen
        value = _num(info.get("markValue"))
        mark = _num(p.get("markPrice"))
        if not value and size and mark:
            value = size / mark if inverse else size * mark
        if mm is not None and value:
            return mm / abs(value), "mark"
        return (_num(info.get("maintMarginReq")) if _num(info.get("maintMarginReq")) is not None else rate), "mark"
    if venue == "bitget":
        own = _num(info.get("keepMarginRate"))
        return (own if own is not None else rate), "mark"
    return rate, "mark"



def _venue_maintenance(p: dict[str, Any], venue: str, info: dict[str, Any]) -> float | None:
    """The maintenance margin the venue itself reports (not ccxt's derivations)."""
    if venue == "binance":
        return _num(info.get("maintMargin"))  # v3 only; ccxt's maintenanceMargin ignores the bracket's cum
    if venue == "bybit":
        return _num(info.get("positionMM"))
    if venue == "okx":
        return _num(info.get("mmr"))
    if venue == "hyperliquid":
        return None  # ccxt's figure is derived at the liquidation price, not the venue's
    if venue == "gate":
        return _num(info.get("maintenance_margin")) or None  # ccxt derives one (rate + fee) when Gate gives none
    if venue == "kucoin":
        return _num(info.get("posMaint"))
    if venue == "bitget":
        return None  # the positions endpoint reports none; ccxt's is keepMarginRate x notional + a fee to close
    return _num(p.get("maintenanceMargin"))


def wallets_from_balance(balance: dict[str, Any], account: str = "") -> dict[tuple[str, str, str], float]:
    """Cross wallets (without unrealised PnL) of one ccxt ``fetch_balance`` result:
    ``{(venue, account, currency): wallet}``. The venue is recognised from the raw ``info``. A ValueError with one
    line for a result of another shape (``assets: [1, 2]``, a list where the venue has an object) or one giving a
    key twice with different values (a wallet that reads two ways)."""
    twice = _first_duplicate(balance)
    if twice:
        raise ValueError(f"a ccxt fetch_balance result: {twice}")
    try:
        return _wallets_from_balance(balance, account)
    except (AttributeError, TypeError, KeyError) as exc:
        raise ValueError(f"a ccxt fetch_balance result of an unexpected shape: the venue's 'info' does not hold "
                         f"the fields ccxt gives ({type(exc).__name__}: {str(exc)[:80]})") from None


def _first_duplicate(data: Any) -> str | None:
    """:func:`levxl.files.reading.duplicate_keys` of the first object anywhere in ``data`` giving a key twice
    (walked without recursion: the document was parsed, but may still be deep)."""
    stack = [data]
    while stack:
        item = stack.pop()
        why = duplicate_keys(item)
        if why:
            return why
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _wallets_from_balance(balance: dict[str, Any], account: str = "") -> dict[tuple[str, str, str], float]:
    if isinstance(balance, dict) and "balance" in balance and "info" not in balance:
        balance = balance["balance"]
    info = balance.get("info") if isinstance(balance, dict) else None
    if not isinstance(info, dict):
        raise ValueError("a ccxt fetch_balance result needs its raw 'info' (the venue's own wallet fields)")
    out: dict[tuple[str, str, str], float] = {}
    if isinstance(info.get("assets"), list):  # Binance USD-M / COIN-M account
        for a in info["assets"]:
            value = _num(a.get("crossWalletBalance"))
            if value is None:
                value = _num(a.get("walletBalance"))
            if value is not None:
                out[("binance", account, str(a.get("asset", "")).upper())] = value
    elif isinstance(info.get("result"), dict):  # Bybit v5 wallet-balance
        for acct in info["result"].get("list") or []:
            for c in acct.get("coin") or []:
                value = _num(c.get("walletBalance"))
                if value is not None:
                    out[("bybit", account, str(c.get("coin", "")).upper())] = value
    elif isinstance(info.get("data"), list):  # OKX account/balance
        for acct in info["data"]:
            for d in acct.get("details") or []:
                cash = _num(d.get("cashBal"))
                if cash is not None:
                    isolated = (_num(d.get("isoEq")) or 0.0) - (_num(d.get("isoUpl")) or 0.0)
                    out[("okx", account, str(d.get("ccy", "")).upper())] = cash - isolated
    elif isinstance(info.get("crossMarginSummary"), dict):  # Hyperliquid clearinghouseState
        value = _num(info["crossMarginSummary"].get("accountValue"))
        if value is not None:
            upnl = sum(_num((a.get("position") or {}).get("unrealizedPnl")) or 0.0
                       for a in info.get("assetPositions") or []
                       if ((a.get("position") or {}).get("leverage") or {}).get("type") == "cross")
            out[("hyperliquid", account, "USDC")] = value - upnl
    else:
        raise ValueError("fetch_balance 'info' not recognised (Binance assets, Bybit result.list, OKX data, "
                         "Hyperliquid crossMarginSummary)")
    for (venue, _, currency), value in out.items():  # 1e300: every cross figure of the account overflowed
        reason = magnitude_reason("wallet", value)
        if reason:
            raise ValueError(f"a ccxt fetch_balance result: the {venue} {currency} {reason}")
    return out
