"""Venue conventions for liquidation, bankruptcy, fees, tick rounding, funding and greeks, one dated record per venue
and product.

Standard library only. Every record carries an ``as_of`` date and ``sources`` (title, url) and a ``notes`` line that
says which fields are *not* backed by a source read for the record (an honest "default"/"unverified"), so a test or
a reviewer can tell a documented convention from a placeholder. Worked examples that check these conventions, with
inputs and outputs, are in ``docs/venue-conventions.md`` (recomputed by ``docs/venue_conventions_check.py``).

Units and meanings of the fields:

- ``contract``: ``"linear"`` (quote-margined, size in base coin) or ``"inverse"`` (coin-margined, size in USD face).
- ``mm_basis``: where the maintenance margin is measured. ``"mark"``: MM = value(P)*mmr - cum at the mark price
  (the liquidation price solves equity = MM at that price). ``"entry"``: MM = value(EP)*mmr - deduction, fixed at
  entry, so LP = EP - s*(IM - MM + extra)/q (Bybit's help page; KuCoin's rule until 2025-05-22).
- ``fee_in_threshold``: the taker fee rate is added to mmr inside the liquidation threshold,
  LP = (EP - s*M/q) / (1 - s*(mmr + taker)) (Gate, OKX; freqtrade's formula).
- ``close_fee_in_margin``: position margin *and* maintenance margin include the estimated fee to close at the
  bankruptcy price, q*EP*(1 - s/L)*taker (Bybit UTA).
- ``liquidation_fee``: fraction of position value charged on liquidation, or ``None`` when not a single documented
  rate (tiered, per-symbol, or not sourced).
- ``taker_fee``: default (lowest VIP tier) taker rate, a fraction (0.00055 = 0.055%). Dated: venues change it.
  Each profile's sources say where it comes from (the venue's fee page, a venue-reported number, or ccxt's
  transcription of the fee schedule); BitMEX's is a PLACEHOLDER (``notes``).
- ``tick_rounding``: ``{"liquidation": {"long": d, "short": d}, "bankruptcy": {...}}``, ``d`` in
  ``"up" | "down" | "nearest"``: the direction the venue rounds that price to the instrument's tick. ``"nearest"``
  is used where the venue documents no direction (marked in ``notes``).
- ``offset_ticks``: whole ticks the venue's displayed liquidation price sits above (+) the formula value (on the
  venue's tick, either side: the report gives no side); 0 unless a venue-reported number shows one.
- ``funding_interval_hours``: default funding interval in hours (``None``: no funding, e.g. dated futures);
  ``funding_exceptions``: mapping symbol -> hours where documented (venues publish it per symbol in their API:
  Binance ``/fapi/v1/fundingInfo`` ``fundingIntervalHours``, Bybit ``instruments-info`` ``fundingInterval``);
  none is shipped: ``levxl tiers update --funding`` fetches them (:func:`levxl.engine.tier_store.funding_interval`),
  and a fetched symbol's interval wins over the default in :func:`levxl.engine.conventions.funding_interval_hours`.
- ``mark_price``: one-line definition. ``max_leverage_rule``: one line. ``greeks_convention``: option venues only.
- ``as_of``: ISO date the record was compiled from its sources. ``sources``: tuple of (title, url-or-repo@path).

====================  =======  =====  ==========  ========  ========  =======================  ==================  ======
id                    contract  mm    fee in thr  close fee  taker     rounding liq/bkr (long)   funding h           notes
====================  =======  =====  ==========  ========  ========  =======================  ==================  ======
binance-usdm          linear   mark   no          no        0.0005    nearest/nearest (undoc)  8 (per-symbol 4, 1)
binance-coinm         inverse  mark   no          no        0.0005    nearest/nearest (undoc)  8
bybit-linear          linear   entry  no          yes (UTA) 0.00055   up/up (bkr 0.5 tick)     8 (per-symbol 4, 1)
bybit-inverse         inverse  entry  no          yes (UTA) 0.00055   up/up (bkr 0.5 tick)     8
okx-swap              linear   mark   yes         no        0.0005    nearest (undoc)          8 (per-symbol)
okx-futures           inverse  mark   yes         no        0.0005    nearest (undoc)          none (dated)        +1 tick (desk report)
hyperliquid           linear   mark   no          no        0.00045   nearest (undoc)          1
deribit               inverse  mark   no          no        0.0005    nearest (undoc)          8 (accrues cont.)   greeks
bitmex                inverse  mark   no          no        0.00075   up/up (bkr 0.5 tick)     8
dydx                  linear   mark   no          no        0.0005    nearest (undoc)          1
gate                  linear   mark   yes         no        0.0005    nearest (undoc)          8
kucoin                linear   mark   no          no        0.0006    up / DOWN                8                   since 2025-05-22
kucoin-2025-05-21     linear   entry  no          no        0.0006    up / DOWN                8                   4,021.75
bitget                linear   mark   yes         no        0.0006    nearest (undoc)          8 (unsourced)       24,144.11
====================  =======  =====  ==========  ========  ========  =======================  ==================  ======

``profile_for("binance")`` -> binance-usdm; ``profile_for("Binance", "inverse")`` -> binance-coinm;
``profile_for("binancecoinm")`` -> binance-coinm; ``profile_for("bybit")`` -> bybit-linear; ``profile_for("okx")``
-> okx-swap; ``profile_for("okx", "inverse")`` -> okx-futures; ``profile_for("hyperliquid")``; ccxt ids
(``binanceusdm``, ``kucoinfutures``, ``gateio``, ``okex``, ``dydx``) are accepted.

>>> profile_for("binanceusdm").id
'binance-usdm'
>>> profile_for("Binance", contract="inverse").id
'binance-coinm'
>>> profile_for("kucoinfutures").tick_rounding["bankruptcy"]["long"]
'down'
>>> profile_for("hyperliquid").funding_interval_hours
1.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional, Tuple

__all__ = ["product_for", "VenueProfile", "PROFILES", "profile_for", "ROUNDING_DIRECTIONS"]

ROUNDING_DIRECTIONS = ("up", "down", "nearest")
_PRICE_KINDS = ("liquidation", "bankruptcy")
_SIDES = ("long", "short")


def _rounding(liq_long: str, liq_short: str, bkr_long: str, bkr_short: str) -> Mapping[str, Mapping[str, str]]:
    return MappingProxyType({
        "liquidation": MappingProxyType({"long": liq_long, "short": liq_short}),
        "bankruptcy": MappingProxyType({"long": bkr_long, "short": bkr_short}),
    })


_UNDOCUMENTED = _rounding("nearest", "nearest", "nearest", "nearest")
# Bybit/BitMEX: bankruptcy price rounded to 0.5 away from the trader's favour (long up, short down); the same
# conservative direction is used for the liquidation price (engine default, levxl.liquidation.round_to_tick).
_CONSERVATIVE = _rounding("up", "down", "up", "down")


@dataclass(frozen=True)
class VenueProfile:
    """One venue's conventions for one product, at one date. See the module docstring for units."""

    id: str
    venue: str
    product: str
    contract: str
    mm_basis: str
    fee_in_threshold: bool
    close_fee_in_margin: bool
    liquidation_fee: Optional[float]
    taker_fee: float
    tick_rounding: Mapping[str, Mapping[str, str]]
    offset_ticks: int
    funding_interval_hours: Optional[float]
    funding_exceptions: Mapping[str, float]
    mark_price: str
    max_leverage_rule: str
    greeks_convention: Optional[str]
    as_of: str
    sources: Tuple[Tuple[str, str], ...]
    notes: str = ""
    aliases: Tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.contract not in ("linear", "inverse"):
            raise ValueError(f"{self.id}: contract must be 'linear' or 'inverse', got {self.contract!r}")
        if self.mm_basis not in ("mark", "entry"):
            raise ValueError(f"{self.id}: mm_basis must be 'mark' or 'entry', got {self.mm_basis!r}")
        if not (0 <= self.taker_fee < 0.01):
            raise ValueError(f"{self.id}: taker_fee is a fraction, got {self.taker_fee!r}")
        if self.liquidation_fee is not None and not (0 <= self.liquidation_fee < 0.1):
            raise ValueError(f"{self.id}: liquidation_fee is a fraction or None, got {self.liquidation_fee!r}")
        for kind in _PRICE_KINDS:
            for side in _SIDES:
                d = self.tick_rounding[kind][side]
                if d not in ROUNDING_DIRECTIONS:
                    raise ValueError(f"{self.id}: tick_rounding[{kind}][{side}] must be one of "
                                     f"{ROUNDING_DIRECTIONS}, got {d!r}")
        if not self.sources:
            raise ValueError(f"{self.id}: every profile needs its sources")
        if len(self.as_of) != 10 or self.as_of[4] != "-" or self.as_of[7] != "-":
            raise ValueError(f"{self.id}: as_of must be an ISO date, got {self.as_of!r}")

    def rounding(self, kind: str, side: int | str) -> str:
        """Rounding direction for ``kind`` ("liquidation"/"bankruptcy") and side (+1/-1 or "long"/"short")."""
        key = side if isinstance(side, str) else ("long" if side > 0 else "short")
        return self.tick_rounding[kind][key]

    def funding_hours(self, symbol: Optional[str] = None) -> Optional[float]:
        """Funding interval for ``symbol`` (documented exception) or the venue default."""
        if symbol is not None and symbol in self.funding_exceptions:
            return self.funding_exceptions[symbol]
        return self.funding_interval_hours


_NONE: Mapping[str, float] = MappingProxyType({})
AS_OF = "2026-12-01"

# -- sources (title, where) ----------------------------------------------------------------------------------------
S_BINANCE_LIQ = ("Binance FAQ 'How to Calculate Liquidation Price of USDⓈ-M Futures Contracts' (b3c689c1f50a44cabb3a84e663b81d93); "
                 "vectors binance_um_* via freqtrade tests/exchange/test_binance.py",
                 "https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93")
S_BINANCE_CM = ("Binance FAQ COIN-M leverage and margin (ceccfcfb4e3a45e3b48b0b1bb1a8ae46); vector binance_cm_mm_example",
                "https://www.binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46")
S_BINANCE_TIERS = ("freqtrade binance_leverage_tiers.json (ccxt fetch_leverage_tiers dump, 2024-10-24)",
                   "github:freqtrade/freqtrade@c9ae5e1:freqtrade/exchange/binance_leverage_tiers.json")
S_BYBIT_LIQ = ("Bybit help 'Liquidation Price (USDT Contract)' (MM on entry value); vectors bybit_usdt_*",
               "https://www.bybit.com/en/help-center/article/Liquidation-Price-USDT-Contract")
S_BYBIT_UTA_IM = ("Bybit help 'Initial Margin Calculation (USDC Perpetual & Futures)' (UTA): IM shown includes fee to "
                  "close = q*EP*(1 -/+ 1/L)*taker; 0.5 BTC @ 50,000, 10x, 0.055% -> 12.375 / 15.125",
                  "https://bybitglobal.com/ar-SA/help-center/article/Initial-Margin-Calculation-USDC-Contract")
S_BYBIT_UTA_MM = ("Bybit help 'Maintenance Margin Calculation (USDC Contract)': MM = q*EP*mmr + estimated fee to close; "
                  "1 BTC @ 51,000, 10x, 0.5%, 0.06% -> 255 + 27.54",
                  "https://help.bybit.com/hc/en-us/articles/4431367679641-Maintenance-Margin-Calculation-USDC-Contract-")
S_BYBIT_POSMARGIN = ("Bybit help 'Position Margin': isolated position margin = initial margin + fee to close",
                     "https://bybit.com/en-US/help-center/bybitHC_Article/?id=000001391")
S_BYBIT_INV_LIQ = ("Bybit help 'Liquidation Price Calculation under Isolated Mode (Unified Trading Account)': inverse "
                   "LP(long) = Q / [position value + (IM - MM)] with position value at entry",
                   "https://www.bybit.kz/en-KAZ/help-center/search-result?page=2&pageSize=10&query=%29")
S_BYBIT_UTA_ISO = ("Bybit help 'Liquidation Price Calculation under Isolated Mode (Unified Trading Account)', last "
                   "updated 2026-05-27: Initial Margin = value/L + estimated fee to close; Maintenance Margin = "
                   "value x MMR - deduction + estimated fee to close (inverse section read; USDT section not in the "
                   "stored copy)", "https://www.kbybit.com/en/help-center/article/"
                   "Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account")
S_BYBIT_ORDER_COST = ("Bybit 'Order cost' (IM + open fee + fee to close at bankruptcy); vector bybit_usdt_order_cost",
                      "https://www.bybit.com/en/help-center/article/Order-Cost-USDT-Contract")
S_FREQTRADE_GATE_OKX = ("freqtrade Exchange.get_liquidation_price (Gate/OKX isolated: fee inside threshold); vectors "
                        "ft_gate_okx_*", "github:freqtrade/freqtrade:freqtrade/exchange/exchange.py")
S_OKX_TIERS_CONT = ("OKX announcement 'OKX to adjust position tiers of perpetual swaps' (tiers in contracts, 2023-05-15)",
                    "https://www.okx.com/help/okx-to-adjust-position-tiers-of-perpetual-swaps-2023-05-15")
S_OKX_INVERSE_TICK = ("levxl issue 12 (2026): the desk's check of OKX-reported inverse liquidation prices, 'OKX's inverse "
                      "liquidation price sits exactly one tick above the formula' (a venue-reported number, as reported; "
                      "no OKX document found)", "levxl issue 12")
S_OKX_POSITIONS_API = ("OKX API v5 docs, GET /api/v5/account/positions response example (ETH-USD-210430 isolated long 1 "
                       "contract @ 2566.31, margin 0.0003896645377994: liqPx 2352.8496681818233 = the formula + 0.01, "
                       "one tick, unrounded), quoted verbatim in ccxt okx.parse_position",
                       "https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions; "
                       "github:ccxt/ccxt:python/ccxt/okx.py (parse_position docstring)")
OKX_LINEAR_POSITIONS_WHERE = ("the long in github:whatwoot/realenergy-server@d4d6b80 okx-sdk/src/main/java/com/cs/oksdk/"
                              "reponse/PositionsRes.java (Javadoc); the short in github:pyalgoture/pyalgoture@cd01a26 "
                              "pyalgoture/exchanges/okx.py (the docstring of its /account/positions query); the cross row in "
                              "github:edc3000/CTOS@b5205a1 tests/README_okx.md (docs/venue-conventions.md 4)")
S_OKX_LINEAR_POSITIONS = ("Recorded OKX GET /api/v5/account/positions rows of ETH-USDT-SWAP (ctVal 0.1 ETH, tick 0.01), "
                          "isolated: a long of 1 contract @ 3011, margin 30.11, markPx 3010.54, mmr 1.204216, liqPx "
                          "2722.159673530889 (uTime 1764434109835, 2025-11-29) and a short of 1 contract @ 1333, margin "
                          "8.33125, markPx 1274.09, mmr 0.509636, liqPx 1409.9576455948234 (uTime 1664201788281, "
                          "2022-09-26): the Gate/OKX formula (0.4 % tier 1, the 0.05 % taker inside the threshold) "
                          "+ 0.01 for the long and - 0.01 for the short, one tick toward the mark, unrounded; and a "
                          "cross row of 4.55 contracts at markPx 4378.39 with mmr 7.968669800000001 = 0.455 x 4378.39 x 0.4 %",
                          OKX_LINEAR_POSITIONS_WHERE)
S_HL_TIERS = ("Hyperliquid docs 'Margin tiers' (mmr = IMR at max leverage / 2; deduction recursion; mainnet tables)",
              "https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers")
S_HL_FUNDING = ("Hyperliquid docs 'Funding': 8-hour rate, paid every hour at 1/8; interest 0.01%/8h = 0.00125%/h",
                "https://hyperliquid.gitbook.io/hyperliquid-docs/trading/funding")
S_DERIBIT_TICKER = ("ccxt deribit.fetch_greeks docstring: public/ticker BTC-27SEP24-40000-C at 1699578548021 "
                    "(rho 130.63998, delta 0.59621, vega 141.90146, theta -13.48784)",
                    "github:ccxt/ccxt:python/ccxt/deribit.py (installed ccxt 4.5.90, fetch_greeks)")
S_DERIBIT_API = ("Deribit API public/ticker (greeks, underlying_price, interest_rate)", "https://docs.deribit.com/#public-ticker")
S_DERIBIT_PM = ("Deribit API private/pme/simulate example (inverse risk-vector shape); vector deribit_pm_inverse_shape",
                "https://docs.deribit.com/#private-pme-simulate")
S_BITMEX_FUNDING = ("BitMEX perpetual contracts guide: funding every 8 h; vector bitmex_funding_amount",
                    "https://www.bitmex.com/app/perpetualContractsGuide")
S_TRAPS = ("levxl shared reference venues.md 'Known traps': Bybit and BitMEX round the bankruptcy price to 0.5 "
           "(long up, short down)", "/work/shared/reference/venues.md")
S_DYDX_FUNDING = ("dYdX v4 docs funding.mdx: premium/8 + interest, paid hourly; 8-h cap 600%*(IMF-MMF); vector "
                  "dydx_funding_cap_large_cap", "https://docs.dydx.exchange/concepts/trading/funding")
S_GATE_LIQ = ("Gate help 'Calculation of liquidation price' (perpetual): LP = (EP - M/q)/(1 - (mmr + taker)) as freqtrade "
              "implements it", "https://www.gate.io/help/futures/perpetual/22160/calculation-of-liquidation-price")
S_BITGET_POSITION = ("Bitget API 'Get All Positions' GET /api/v2/mix/position/all-position example (BTCUSDT isolated long "
                     "0.01 @ 25,000, keepMarginRate 0.004: liquidationPrice 24144.1124161807 = the isolated formula with "
                     "0.06% inside the threshold, every printed digit); tests/data/ccxt/"
                     "bitget-usdt-futures_btcusdt-isolated-long-doc.json",
                     "https://www.bitget.com/api-doc/contract/position/get-all-position")
S_KUCOIN_POSITION = ("KuCoin Futures API 'Get Position Details' example (ETHUSDTM long 2 lots @ 4189.35: liquidationPrice "
                     "4044.55, bankruptPrice 4021.75), as quoted in ccxt kucoinfutures.parsePosition",
                     "github:ccxt/ccxt:js/src/kucoinfutures.js (parsePosition docstring); "
                     "https://www.kucoin.com/docs/rest/futures-trading/positions/get-position-details")
S_KUCOIN_BKR = ("KuCoin help 'How to Calculate Contract Bankruptcy Price' (long BP = EP*(1 - 1/L))",
                "https://kucoin.zendesk.com/hc/en-us/articles/27619032569113-How-to-Calculate-Contract-Bankruptcy-Price")
S_KUCOIN_LIQ = ("KuCoin help 'What is Liquidation?': maintenance margin is based on the average entry price",
                "https://kucoin.zendesk.com/hc/en-us/articles/8664870317849-What-is-Liquidation-")
S_KUCOIN_2025 = ("KuCoin announcement 'Important: Update to the Isolated Margin Calculation Formula' (2025-05-20; in force "
                 "2025-05-22 04:00 UTC for all isolated positions): 'Entry Price is replaced with Mark Price for "
                 "maintenance margin calculation'; 'Bankruptcy Fee Freeze Removed'; Liquidation Fee = Mark Price x "
                 "Position Size x Contract Multiplier x Liquidation Fee Rate",
                 "https://www.kucoin.com/announcement/update-to-the-isolated-margin-calculation-formula")
S_KUCOIN_2025_FUNDING = ("KuCoin 'Supplemental Notice on the Optimization of the Isolated Margin Calculation Formula' "
                         "(2025-05-29): Maintenance Margin = Mark Price x Position Size x Contract Multiplier x "
                         "(Maintenance Margin Rate + Liquidation Fee Rate + Funding Rate), the estimated funding fee "
                         "now zero; Total Position Margin = Initial Margin + Additional Margin + Funding Fee + "
                         "Unrealized PNL",
                         "https://www.kucoin.com/announcement/en-kucoin-s-supplemental-notice-on-the-optimization-of-"
                         "the-isolated-margin-calculation-formula")
S_KUCOIN_XRP_SHORT = ("KuCoin Futures API add-margin reply example (XRPUSDTM short 1 lot x 10 @ 0.7658, 1x: "
                      "liquidationPrice 1.6239, bankruptPrice 1.6317), as quoted in ccxt kucoinfutures",
                      "github:ccxt/ccxt:python/ccxt/kucoinfutures.py (add_margin docstring)")

# Taker rates: the base (non-VIP) tier, from ccxt's transcription of each venue's fee schedule (``describe()["fees"]``
# of the installed ccxt 4.5.90, whose ``urls["fees"]`` names the venue page), checked against a venue page or a
# venue-reported number where one was found (tests/test_venue_sources.py).
S_CCXT_FEES = ("ccxt 4.5.90 describe()['fees'] (base-tier transcription of the venue fee schedule; binanceusdm "
               "linear/inverse taker 0.0005, okx swap/future 0.0005, hyperliquid swap 0.00045, dydx 0.0005, gate "
               "swap 0.0005, kucoinfutures contract 0.0006)", "github:ccxt/ccxt:python/ccxt/<exchange>.py describe()")
S_BINANCE_FEES = ("Binance fee schedule (USDⓈ-M/COIN-M regular user taker 0.0500%), as ccxt binanceusdm/binancecoinm "
                  "transcribe it; the stored copy of the page shows no table", "https://www.binance.com/en/fee/schedule")
S_BYBIT_FEES = ("Bybit v5 /v5/position/list BTCUSDT long 0.001 @ 60,766.7, 10x (2024-06-27, time 1719446282332): "
                "positionIM 6.10674952 and positionMM 0.33391302 = value/L or value*0.5% + 0.055% of the bankruptcy "
                "value; ccxt bybit fetch_positions examples (2022: ETHUSDT 53.9824395/2.9745645, XRPUSDT "
                "3.634521/0.381021) at the then 0.06%", "github:ccxt/ccxt:python/ccxt/bybit.py (fetch_positions "
                "docstring); a public bybit bot script quoting a live /v5/position/list response")
S_HL_FEES = ("Hyperliquid docs 'Fees' (perps tier 0, 14-day volume <= 5M: taker 0.045%, maker 0.015%), as ccxt "
             "hyperliquid fees.swap transcribes it", "https://hyperliquid.gitbook.io/hyperliquid-docs/trading/fees")
S_DERIBIT_FEES = ("Deribit support 'Fees': BTC/ETH futures & perpetual taker 0.05%, maker 0.00%",
                  "https://support.deribit.com/hc/en-us/articles/25944746248989-Fees")

_BINANCE_MARK = ("median(index*(1 + last funding rate*time to funding/interval), index + 5-min moving average basis, "
                 "last price)")
_TIERED = "the tier of the position's notional sets max leverage (notional floors, mmr, cum)"

_P = [
    VenueProfile(
        id="binance-usdm", venue="binance", product="USDⓈ-M perpetual", contract="linear", mm_basis="mark",
        fee_in_threshold=False, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.0005,
        tick_rounding=_UNDOCUMENTED, offset_ticks=0, funding_interval_hours=8.0, funding_exceptions=_NONE,
        mark_price=_BINANCE_MARK, max_leverage_rule=_TIERED + " (leverage brackets; cum = Binance 'maintenance amount')",
        greeks_convention=None, as_of=AS_OF, sources=(S_BINANCE_LIQ, S_BINANCE_TIERS, S_BINANCE_FEES, S_CCXT_FEES),
        notes="liquidation clearance fee is per-symbol (None); tick rounding direction undocumented ('nearest'); "
              "taker 0.05% = regular-user rate (ccxt's transcription of the fee schedule; the page's table was not "
              "in the stored copy); some symbols fund every 4 h or 1 h: no list is shipped (fetched per symbol "
              "from /fapi/v1/fundingInfo by `levxl tiers update binance`, the Binance docs' example BLZUSDT 4 h)",
        aliases=("binance", "binanceusdm", "binance-usdm", "binance_usdm", "binanceusdm-futures",
                 "binanceusd-m", "binanceusdⓢ-m", "binanceusds-m", "binancefutures")),  # "Binance USD-M", "Binance Futures"
    VenueProfile(
        id="binance-coinm", venue="binance", product="COIN-M perpetual/futures", contract="inverse", mm_basis="mark",
        fee_in_threshold=False, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.0005,
        tick_rounding=_UNDOCUMENTED, offset_ticks=0, funding_interval_hours=8.0, funding_exceptions=_NONE,
        mark_price=_BINANCE_MARK, max_leverage_rule=_TIERED + " (notional in coin)",
        greeks_convention=None, as_of=AS_OF, sources=(S_BINANCE_CM, S_BINANCE_FEES, S_CCXT_FEES),
        notes="MM in coin = (Q/P)*mmr - cum at the mark; tick rounding undocumented; taker 0.05% from ccxt's "
              "transcription (Binance's COIN-M FAQ example uses an older 0.040%: PLACEHOLDER until re-read)",
        aliases=("binancecoinm", "binance-coinm", "binance_coinm", "dapi", "binancecoin-m")),  # "Binance COIN-M"
    VenueProfile(
        id="bybit-linear", venue="bybit", product="USDT/USDC perpetual (UTA)", contract="linear", mm_basis="entry",
        fee_in_threshold=False, close_fee_in_margin=True, liquidation_fee=None, taker_fee=0.00055,
        tick_rounding=_CONSERVATIVE, offset_ticks=0, funding_interval_hours=8.0, funding_exceptions=_NONE,
        mark_price="index price plus a decaying funding basis (spot index of major exchanges)",
        max_leverage_rule="risk-limit tiers: max leverage of the tier holding position value + order value",
        greeks_convention=None, as_of=AS_OF,
        sources=(S_BYBIT_LIQ, S_BYBIT_UTA_IM, S_BYBIT_UTA_MM, S_BYBIT_POSMARGIN, S_BYBIT_ORDER_COST, S_TRAPS,
                 S_BYBIT_FEES, S_BYBIT_UTA_ISO),
        notes="fee to close = q*EP*(1 - s/L)*taker is inside position margin and MM (UTA); taker 0.055% from the UTA "
              "IM example and a 2024 position the venue reported (positionIM/positionMM; older pages and the 2022 "
              "API examples use 0.06%); bankruptcy rounded to the tick long up / short down, liquidation "
              "direction taken the same (not separately documented); funding interval per symbol in instruments-info "
              "(fundingInterval, minutes) - no exception list sourced; cross positions: MM on the entry value too, "
              "as Bybit's cross-margin formula takes it (help 360039261334, quantity / average entry price x MM; "
              "the same inverse example as bybit-inverse), the other positions' MM and uPnL at their marks "
              "(Binance's form: Bybit documents no multi-position cross formula)",
        aliases=("bybit", "bybit-linear", "bybit_linear", "bybit-usdt", "bybitusdt")),
    VenueProfile(
        id="bybit-inverse", venue="bybit", product="inverse perpetual/futures (UTA)", contract="inverse",
        mm_basis="entry", fee_in_threshold=False, close_fee_in_margin=True, liquidation_fee=None, taker_fee=0.00055,
        tick_rounding=_CONSERVATIVE, offset_ticks=0, funding_interval_hours=8.0, funding_exceptions=_NONE,
        mark_price="index price plus a decaying funding basis; futures: index*(1 + basis rate)",
        max_leverage_rule="risk-limit tiers in coin (e.g. BTCUSD 150 BTC first tier)",
        greeks_convention=None, as_of=AS_OF, sources=(S_BYBIT_INV_LIQ, S_BYBIT_POSMARGIN, S_TRAPS, S_BYBIT_FEES, S_BYBIT_UTA_ISO),
        notes="LP(long) = Q/[Q/EP + (IM - MM)] - extra/Q: MM on entry value (older page); fee to close in IM and MM "
              "per the 2026-05-27 UTA page, whose inverse formula also divides extra margin by (1 + taker) and "
              "takes position value at the mark - not applied (entry basis kept; see docs/venue-conventions.md 3)",
        aliases=("bybit-inverse", "bybit_inverse", "bybitinverse")),
    VenueProfile(
        id="okx-swap", venue="okx", product="USDT-margined perpetual swap", contract="linear", mm_basis="mark",
        fee_in_threshold=True, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.0005,
        tick_rounding=_UNDOCUMENTED, offset_ticks=1, funding_interval_hours=8.0, funding_exceptions=_NONE,
        mark_price="index price plus a smoothed basis (EMA of last - index) for swaps",
        max_leverage_rule="position tiers counted in CONTRACTS (not notional): tier by position size in contracts",
        greeks_convention=None, as_of=AS_OF, sources=(S_FREQTRADE_GATE_OKX, S_OKX_TIERS_CONT, S_CCXT_FEES,
                                                S_OKX_LINEAR_POSITIONS),
        notes="taker 0.05% = ccxt's okx fees.swap (Lv1; OKX fee page not in the stored copies); margin ratio divides by (MM + fees), so the taker fee sits inside the threshold; tiers are by "
              "contract count (BTC-USDT-SWAP ctVal 0.01 BTC), the tier's rate on the whole position: levxl keeps "
              "them as a table counted by size (contracts x ctVal), so no price is needed; funding "
              "interval per instrument (some 4 h/1 h) - no exception list sourced; offset_ticks 1: OKX-reported "
              "isolated positions (a long and a short, 2025 and 2022) show the liquidation price one tick toward the "
              "mark from the formula (a long's above, a short's below), not rounded to the tick, so with a tick "
              "levxl's price is the nearest tick to it",
        aliases=("okx", "okex", "okx-swap", "okx_swap", "okx5")),
    VenueProfile(
        id="okx-futures", venue="okx", product="coin-margined (inverse) swap/futures", contract="inverse",
        mm_basis="mark", fee_in_threshold=True, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.0005,
        tick_rounding=_UNDOCUMENTED, offset_ticks=1, funding_interval_hours=None, funding_exceptions=_NONE,
        mark_price="index price plus basis; delivery futures: index + smoothed basis to expiry",
        max_leverage_rule="position tiers counted in contracts (USD 100 face for BTC-USD)",
        greeks_convention=None, as_of=AS_OF, sources=(S_FREQTRADE_GATE_OKX, S_OKX_TIERS_CONT, S_CCXT_FEES, S_OKX_INVERSE_TICK,
                                                S_OKX_POSITIONS_API),
        notes="taker 0.05% = ccxt's okx fees.future; offset_ticks 1: the desk's check against OKX-reported inverse "
              "positions (issue 12: 'sits exactly one tick above the formula') and OKX's own API example (an "
              "inverse long: liqPx = formula + 0.01 exactly, at mmr 0.8% with the 0.05% taker inside). That example "
              "is not on the tick (the offset is added, the sum not rounded), so with a tick levxl's price is the "
              "nearest tick to it, within half a tick; no inverse short is recorded, so a short takes the rule "
              "OKX's recorded linear short shows: one tick toward the mark, below the formula. Dated futures have no funding (None); the "
              "coin-margined SWAP funds every 8 h",
        aliases=("okx-futures", "okx_futures", "okx-inverse", "okxinverse")),
    VenueProfile(
        id="hyperliquid", venue="hyperliquid", product="USDC perpetual", contract="linear", mm_basis="mark",
        fee_in_threshold=False, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.00045,
        tick_rounding=_UNDOCUMENTED, offset_ticks=0, funding_interval_hours=1.0, funding_exceptions=_NONE,
        mark_price="median of (oracle + EMA of book-mid minus oracle, book median of bid/ask/last, CEX perp prices)",
        max_leverage_rule="margin tiers: mmr = 1/(2*max leverage of the tier), deduction by the floor recursion",
        greeks_convention=None, as_of=AS_OF, sources=(S_HL_TIERS, S_HL_FUNDING, S_HL_FEES),
        notes="funding computed as an 8-h rate and paid hourly at 1/8; taker 0.045% = perps tier 0 (docs 'Fees'); no "
              "liquidation fee (None)",
        aliases=("hyperliquid", "hl", "hyper", "hyperliquidperps", "hyperliquid-perps")),  # "Hyperliquid Perps"
    VenueProfile(
        id="deribit", venue="deribit", product="inverse perpetual, futures and options", contract="inverse",
        mm_basis="mark", fee_in_threshold=False, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.0005,
        tick_rounding=_UNDOCUMENTED, offset_ticks=0, funding_interval_hours=8.0, funding_exceptions=_NONE,
        mark_price="perpetual: index + 30-s EMA of (fair impact price - index); options: from the mark IV surface",
        max_leverage_rule="margin by MM/IM rates growing with size (standard) or scenario risk vectors (PM)",
        greeks_convention=("ticker greeks are Black-Scholes on underlying_price (the forward of the expiry) with "
                           "r = interest_rate (0): delta = N(d1), rho = K*T*N(d2)/100 per 1% (+130.64 for "
                           "BTC-27SEP24-40000-C), vega per 1 vol point, theta per calendar day; Black-76 would give "
                           "rho = -T*C/100 (-74.64). Greeks are in USD; mark_price in coin = Black value / underlying_price (0.2168)"),
        as_of=AS_OF, sources=(S_DERIBIT_TICKER, S_DERIBIT_API, S_DERIBIT_PM, S_DERIBIT_FEES),
        notes="taker 0.05% = BTC/ETH futures and perpetual (Deribit 'Fees'); options are charged per underlying, "
              "not this rate; funding accrues continuously and is quoted per 8 h (funding_8h), so 8 is the quoting interval",
        aliases=("deribit",)),
    VenueProfile(
        id="bitmex", venue="bitmex", product="XBTUSD inverse perpetual", contract="inverse", mm_basis="mark",
        fee_in_threshold=False, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.00075,
        tick_rounding=_CONSERVATIVE, offset_ticks=0, funding_interval_hours=8.0, funding_exceptions=_NONE,
        mark_price="fair price = index*(1 + funding basis rate*time to funding)",
        max_leverage_rule="risk limits: initial/maintenance margin step up per risk-limit step of position size",
        greeks_convention=None, as_of=AS_OF, sources=(S_BITMEX_FUNDING, S_TRAPS),
        notes="bankruptcy rounded to 0.5 long up / short down; taker 0.075% is the historical XBTUSD rate: "
              "PLACEHOLDER (no BitMEX fee page found; ccxt 4.5.90 ships no bitmex class)",
        aliases=("bitmex",)),
    VenueProfile(
        id="dydx", venue="dydx", product="v4 perpetual (USDC)", contract="linear", mm_basis="mark",
        fee_in_threshold=False, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.0005,
        tick_rounding=_UNDOCUMENTED, offset_ticks=0, funding_interval_hours=1.0, funding_exceptions=_NONE,
        mark_price="oracle price (validator median)",
        max_leverage_rule="1/IMF of the market (IMF grows with open notional beyond a base)",
        greeks_convention=None, as_of=AS_OF, sources=(S_DYDX_FUNDING, S_CCXT_FEES),
        notes="MM = |size|*oracle*MMF; taker 0.05% = ccxt's dydx transcription (dYdX fee page not read); liquidation penalty bounded (not sourced: None)",
        aliases=("dydx", "dydxv4", "dydx-v4")),
    VenueProfile(
        id="gate", venue="gate", product="USDT perpetual", contract="linear", mm_basis="mark",
        fee_in_threshold=True, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.0005,
        tick_rounding=_UNDOCUMENTED, offset_ticks=0, funding_interval_hours=8.0, funding_exceptions=_NONE,
        mark_price="index price plus a moving-average basis",
        max_leverage_rule="risk-limit tiers (risk_limit_tiers endpoint), max leverage per tier",
        greeks_convention=None, as_of=AS_OF, sources=(S_GATE_LIQ, S_FREQTRADE_GATE_OKX, S_CCXT_FEES),
        notes="freqtrade issue #7294 reproduces Gate's app value with this formula for ETH (1349.70); taker 0.05% = "
              "ccxt's gate fees.swap (Gate fee page not read)",
        aliases=("gate", "gateio", "gate.io", "gate-io")),
    VenueProfile(
        id="bitget", venue="bitget", product="USDT-M perpetual", contract="linear", mm_basis="mark",
        fee_in_threshold=True, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.0006,
        tick_rounding=_UNDOCUMENTED, offset_ticks=0, funding_interval_hours=8.0, funding_exceptions=_NONE,
        mark_price="not sourced", max_leverage_rule="position tiers per symbol (not sourced)",
        greeks_convention=None, as_of="2026-12-02", sources=(S_BITGET_POSITION,),
        notes="only the liquidation convention is sourced: Bitget's documented position reproduces with the taker "
              "0.06% inside the threshold on the mark (as Gate and OKX); the funding interval (8 h) and the rest are "
              "UNSOURCED defaults",
        aliases=("bitget", "bitget-usdt", "bitgetusdt")),
    VenueProfile(
        id="kucoin", venue="kucoin", product="USDT-M perpetual", contract="linear", mm_basis="mark",
        fee_in_threshold=False, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.0006,
        tick_rounding=_rounding("up", "down", "down", "up"), offset_ticks=0, funding_interval_hours=8.0,
        funding_exceptions=_NONE,
        mark_price="fair price marking: index plus decaying basis",
        max_leverage_rule="risk-limit levels: max leverage falls as risk limit (position value) rises",
        greeks_convention=None, as_of="2026-12-03",
        sources=(S_KUCOIN_2025, S_KUCOIN_2025_FUNDING, S_KUCOIN_POSITION, S_KUCOIN_XRP_SHORT, S_KUCOIN_BKR,
                 S_CCXT_FEES),
        notes="the isolated-margin rule in force since 2025-05-22: maintenance margin on the MARK value; no "
              "bankruptcy fee frozen in the margin. The liquidation fee rate KuCoin adds to the maintenance rate "
              "is per symbol and in none of the stored sources, so it is not added: give mmr + that rate to "
              "include it. Ticks: a long's liquidation price UP and bankruptcy price DOWN (API example, 4044.55 / "
              "4021.75 on a 0.05 tick), a short's liquidation price DOWN and bankruptcy price UP (API example "
              "XRPUSDTM, 1.6239 / 1.6317 on a 0.0001 tick). Taker 0.06% = ccxt's kucoinfutures fees.contract. "
              "Positions reported before 2025-05-22 follow kucoin-2025-05-21",
        aliases=("kucoin", "kucoinfutures", "kucoin-futures", "kumex")),
    VenueProfile(
        id="kucoin-2025-05-21", venue="kucoin", product="USDT-M perpetual, isolated-margin rule until 2025-05-22",
        contract="linear", mm_basis="entry",
        fee_in_threshold=False, close_fee_in_margin=False, liquidation_fee=None, taker_fee=0.0006,
        tick_rounding=_rounding("up", "down", "down", "up"), offset_ticks=0, funding_interval_hours=8.0,
        funding_exceptions=_NONE,
        mark_price="fair price marking: index plus decaying basis",
        max_leverage_rule="risk-limit levels: max leverage falls as risk limit (position value) rises",
        greeks_convention=None, as_of=AS_OF,
        sources=(S_KUCOIN_2025, S_KUCOIN_POSITION, S_KUCOIN_BKR, S_KUCOIN_LIQ, S_CCXT_FEES),
        notes="the rule before 2025-05-22 (the announcement's 'Before Adjustment'): maintenance margin fixed on the "
              "ENTRY value, EP x q x (mmr + (1 + 1/L) x taker + funding rate), and the same bankruptcy fee "
              "(1 + 1/L) x taker x value frozen in the position margin (posComm), so it cancels from the "
              "liquidation price and is left out of the bankruptcy price. API example (long): LP 4044.5158 -> "
              "4044.55 (UP), BP 4021.776 -> 4021.75 (DOWN) on a 0.05 tick. Cross positions take the same entry "
              "basis: these sources give the isolated rule only, KuCoin's cross rule of that time is not in them",
        aliases=("kucoin-2025-05-21", "kucoin-legacy", "kucoinfutures-2025-05-21")),
]

PROFILES: Mapping[str, VenueProfile] = MappingProxyType({p.id: p for p in _P})

_BY_ALIAS = {}
for _p in _P:
    for _a in _p.aliases + (_p.id,):
        _BY_ALIAS.setdefault(_a.lower(), _p.id)
# a bare venue name plus contract="inverse" picks the venue's inverse product
_INVERSE_OF = {"binance": "binance-coinm", "bybit": "bybit-inverse", "okx": "okx-futures"}
_LINEAR_OF = {"binance": "binance-usdm", "bybit": "bybit-linear", "okx": "okx-swap"}


def product_for(profile: VenueProfile, contract: str) -> VenueProfile:
    """The same venue's product for ``contract`` ("linear"/"inverse"): okx-swap and "inverse" -> okx-futures;
    ``profile`` itself where it is that contract or the venue has no other product (Hyperliquid, Deribit)."""
    if profile.contract == contract:
        return profile
    other = (_INVERSE_OF if contract == "inverse" else _LINEAR_OF).get(profile.venue)
    return PROFILES[other] if other else profile


def profile_for(venue_name: str, contract: Optional[str] = None) -> VenueProfile:
    """The profile for a venue name as a user or ccxt spells it ("binance", "binanceusdm", "Binance", "bybit",
    "okx", "hyperliquid", "kucoinfutures", "gateio", ...). ``contract`` ("linear"/"inverse") picks the product of a
    venue that has both; it must agree with the named product when one is named."""
    if not isinstance(venue_name, str) or not venue_name.strip():
        raise ValueError(f"venue name must be a non-empty string, got {venue_name!r}")
    if contract not in (None, "linear", "inverse"):
        raise ValueError(f"contract must be None, 'linear' or 'inverse', got {contract!r}")
    key = venue_name.strip().lower().replace(" ", "")
    key = key.split(":", 1)[0]
    if key not in _BY_ALIAS:
        raise KeyError(f"no venue profile for {venue_name!r}; known: {', '.join(sorted(PROFILES))}")
    profile = PROFILES[_BY_ALIAS[key]]
    if contract is not None and profile.contract != contract:
        base = profile.venue
        table = _INVERSE_OF if contract == "inverse" else _LINEAR_OF
        if base in table and key in (base, base + "futures"):
            return PROFILES[table[base]]
        raise ValueError(f"{venue_name!r} is the {profile.contract} product {profile.id}; no {contract} product "
                         f"of that name")
    return profile
