"""Recompute every worked example in docs/venue-conventions.md from first principles and print match/mismatch.

Standard library only (math, csv); no levxl import, so it checks the conventions, not the engine.
Run: python docs/venue_conventions_check.py   (exit status 1 if any checked example mismatches)
"""

from __future__ import annotations

import csv
import math
import sys
from datetime import datetime, timezone
from pathlib import Path

RESULTS = []


def N(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def n(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def check(name: str, got: float, expected: float, tol: float) -> None:
    ok = abs(got - expected) <= tol
    RESULTS.append(ok)
    print(f"{'match   ' if ok else 'MISMATCH'} {name}: computed {got:.10g}, expected {expected:.10g} (tol {tol:g})")


def differs(name: str, got: float, other: float, tol: float) -> None:
    """A rival convention must NOT reproduce the venue's number (shows the convention is identified)."""
    ok = abs(got - other) > tol
    RESULTS.append(ok)
    print(f"{'match   ' if ok else 'MISMATCH'} {name}: rival convention gives {got:.10g}, venue {other:.10g} "
          f"(must differ by > {tol:g})")


def ceil_tick(p: float, tick: float) -> float:
    return round(math.ceil(p / tick - 1e-9) * tick, 10)


def floor_tick(p: float, tick: float) -> float:
    return round(math.floor(p / tick + 1e-9) * tick, 10)


def kucoin() -> None:
    print("\n# KuCoin USDT-M: liquidation rounded UP, bankruptcy DOWN (long), ETHUSDTM API example")
    ep, lots, mult, tick = 4189.35, 2, 0.01, 0.05
    q = lots * mult
    pos_cost, pos_init, pos_margin, pos_maint = 83.787, 3.35148, 3.40376309, 0.50707892
    check("posCost = EP*q", ep * q, pos_cost, 1e-9)
    check("posInit = posCost/25 (realLeverage ~25)", pos_cost / 25, pos_init, 1e-9)
    check("posComm = (posCost + posInit)*0.0006", (pos_cost + pos_init) * 0.0006, 0.05228309, 1e-8)
    bp_raw = ep - pos_init / q                     # KuCoin: BP = (HP*Vol*S - IM)/(Vol*S)
    lp_raw = ep - (pos_margin - pos_maint) / q     # margin falls to posMaint
    check("bankruptcy raw", bp_raw, 4021.776, 1e-9)
    check("bankruptcy rounded DOWN to 0.05", floor_tick(bp_raw, tick), 4021.75, 1e-9)
    differs("bankruptcy rounded up", ceil_tick(bp_raw, tick), 4021.75, 1e-9)
    check("liquidation rounded UP to 0.05", ceil_tick(lp_raw, tick), 4044.55, 1e-9)
    differs("liquidation rounded down", floor_tick(lp_raw, tick), 4044.55, 1e-9)


def deribit() -> None:
    print("\n# Deribit ticker greeks, BTC-27SEP24-40000-C at 2023-11-10T01:09:08Z")
    ts = 1699578548021 / 1000.0
    expiry = datetime(2024, 9, 27, 8, tzinfo=timezone.utc).timestamp()
    T = (expiry - ts) / (365.0 * 86400.0)
    F, S, K, vol, r = 38992.71, 36552.72, 40000.0, 0.6127, 0.0   # underlying_price, index_price, mark_iv, interest_rate
    sq = vol * math.sqrt(T)
    d1 = (math.log(F / K) + 0.5 * vol * vol * T) / sq
    d2 = d1 - sq
    print(f"  T = {T:.6f} y, d1 = {d1:.6f}, d2 = {d2:.6f}, N(d2) = {N(d2):.6f}")
    check("delta = N(d1) (BS on the forward, r=0)", N(d1), 0.59621, 5e-5)
    check("rho = K*T*exp(-rT)*N(d2)/100 (BS, S=forward, r=0)", K * T * math.exp(-r * T) * N(d2) / 100, 130.63998, 0.005)
    check("vega = F*n(d1)*sqrt(T)/100", F * n(d1) * math.sqrt(T) / 100, 141.90146, 0.005)
    check("theta = -F*n(d1)*vol/(2 sqrt T)/365", -F * n(d1) * vol / (2 * math.sqrt(T)) / 365, -13.48784, 0.005)
    c_usd = math.exp(-r * T) * (F * N(d1) - K * N(d2))
    check("mark price in BTC = C/underlying_price (r=0)", c_usd / F, 0.2168, 0.0001)
    differs("mark price as C/index", c_usd / S, 0.2168, 0.001)
    check("Black-76 rho = -T*C/100 (the engine's inverse-free Black-76)", -T * c_usd / 100, -74.64, 0.005)
    differs("Black-76 rho vs ticker rho", -T * c_usd / 100, 130.63998, 1.0)
    r_fwd = math.log(F / S) / T                    # BS on the index with the forward-implied rate
    d1s = (math.log(S / K) + (r_fwd + 0.5 * vol * vol) * T) / sq
    differs("BS on index with forward-implied r", K * T * math.exp(-r_fwd * T) * N(d1s - sq) / 100, 130.63998, 1.0)


def bybit() -> None:
    print("\n# Bybit UTA: fee to close at the bankruptcy price inside position margin and MM")
    q, ep, lev, taker = 0.5, 50_000.0, 10, 0.00055
    im = q * ep / lev
    check("IM = q*EP/L", im, 2500.0, 1e-9)
    check("long fee to close = q*EP*(1-1/L)*taker", q * ep * (1 - 1 / lev) * taker, 12.375, 1e-9)
    check("long position IM incl. fee to close", im + q * ep * (1 - 1 / lev) * taker, 2512.375, 1e-9)
    check("short position IM incl. fee to close", im + q * ep * (1 + 1 / lev) * taker, 2515.125, 1e-9)
    check("older page, taker 0.06%: long", im + q * ep * (1 - 1 / lev) * 0.0006, 2513.50, 1e-9)
    q, ep, mmr = 1.0, 51_000.0, 0.005
    check("MM = q*EP*mmr", q * ep * mmr, 255.0, 1e-9)
    check("long MM incl. fee to close (0.06%)", q * ep * mmr + q * ep * (1 - 1 / lev) * 0.0006, 282.54, 1e-9)
    q, ep, lev, taker = 1.0, 10_000.0, 50, 0.00075
    bp = ep * (1 - 1 / lev)
    check("order cost = IM + open fee + close fee at BP", q * ep / lev + q * ep * taker + q * bp * taker, 214.85, 1e-9)


def okx() -> None:
    print("\n# OKX liquidation price one tick toward the mark: OKX's API example and recorded ETH-USDT-SWAP positions")
    taker = 0.0005
    q, ep, margin, mmr = 10.0, 2566.31, 0.0003896645377994, 0.008  # inverse long, USD face, margin in ETH
    formula = q * (1 + mmr + taker) / (margin + q / ep)
    check("inverse long (API example): formula + 0.01", formula + 0.01, 2352.8496681818233, 1e-9)
    q, ep, margin, mmr = 0.1, 3011.0, 30.11, 0.004  # linear long, 1 contract of 0.1 ETH
    check("linear long: (EP - M/q)/(1 - mmr - taker) + 0.01", (ep - margin / q) / (1 - mmr - taker) + 0.01,
          2722.159673530889, 1e-9)
    check("linear long MM = q x mark x 0.4 %", q * 3010.54 * mmr, 1.204216, 1e-9)
    q, ep, margin = 0.1, 1333.0, 8.33125  # linear short
    check("linear short: (EP + M/q)/(1 + mmr + taker) - 0.01", (ep + margin / q) / (1 + mmr + taker) - 0.01,
          1409.9576455948234, 1e-9)
    check("linear short upl = (EP - mark) x q (ctVal 0.1)", (ep - 1274.09) * q, 5.891000000000009, 1e-9)
    check("cross MM = 0.455 x 4378.39 x 0.4 %", 0.455 * 4378.39 * 0.004, 7.968669800000001, 1e-9)


def gate() -> None:
    print("\n# Gate (fee inside the threshold): ETH value the Gate app showed, freqtrade issue #7294")
    ep, margin, q, mmr, taker = 1680.05, 182.81, 0.5423, 0.005, 7.5e-06
    check("LP = (EP - M/q)/(1 - (mmr + taker))", (ep - margin / q) / (1 - (mmr + taker)), 1349.70, 0.01)


def funding() -> None:
    print("\n# Funding intervals and payments")
    check("Hyperliquid: interest 0.01%/8h paid hourly at 1/8", 0.0001 / 8, 0.0000125, 1e-15)
    check("BitMEX (8 h): long 20 XBT at 0.25% pays", -20 * 0.0025, -0.05, 1e-12)
    premium, interest = -0.00184, 0.0001
    check("Binance/BitMEX F = P + clamp(I - P, -0.05%, 0.05%)",
          premium + min(max(interest - premium, -0.0005), 0.0005), -0.00134, 1e-12)
    check("dYdX v4 8-h cap = 600%*(IMF - MMF)", 6.0 * (0.05 - 0.03), 0.12, 1e-12)


def tiers() -> None:
    print("\n# Shipped Hyperliquid tier tables: mmr = 1/(2*max lev), cum by the floor recursion")
    folder = Path(__file__).resolve().parent.parent / "levxl" / "data" / "tiers"
    for path in sorted(folder.glob("hyperliquid_*.csv")):
        rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
        cum, prev = 0.0, None
        for r in rows:
            mmr, lev, floor = float(r["mmr"]), float(r["max_leverage"]), float(r["notional_floor"])
            check(f"{path.name} tier {r['tier']} mmr = 1/(2*{lev:g})", mmr, 1 / (2 * lev), 1e-10)
            if prev is not None:
                cum += floor * (mmr - prev)
            prev = mmr
            check(f"{path.name} tier {r['tier']} cum", float(r["cum"]), cum, 0.01)


if __name__ == "__main__":
    for section in (kucoin, deribit, bybit, okx, gate, funding, tiers):
        section()
    bad = RESULTS.count(False)
    print(f"\n{len(RESULTS) - bad} match, {bad} mismatch")
    sys.exit(1 if bad else 0)
