"""QA round 7 on cross accounts (one wallet, liquidated as a whole): books built by hand, every number checked
against brute-force calculators written here (never levxl's functions).

- An account is (venue, account, margin currency); a venue-form symbol must give the same currency as its ccxt
  form: Binance COIN-M's ``BTCUSD_PERP`` and ``BTCUSD_250328`` (OKX's ``BTC-USD-SWAP`` and ``BTC-USD-250328``) are
  one BTC wallet, and an accounts file's ``USDT`` wallet is the wallet of ``BTCUSDT`` rows.
- A position's own cross price and its account's rule must agree at the marks: the others' threshold in a
  position's margin of the equation is the one the account rule takes (maintenance where the venue measures it,
  plus the fee inside the threshold), else an account past liquidation at the marks (every stress losing its
  wallet) shows its positions RED, or some RED and some LIQUIDATED.
- The funding spike judges a cross account on that same threshold (OKX's fee inside it, Bybit's entry basis and
  fees to close).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from levxl.book.accounts import load_book, with_accounts
from levxl.book.figures import equity_margin, pnl_after_mark_move, risk_table, stress_figures
from levxl.book.positions import book_from_records
from levxl.book.stresses import run_stresses
from levxl.testing import libreoffice

TIERS = Path(__file__).resolve().parents[1] / "levxl" / "data" / "tiers"


# -- brute force ---------------------------------------------------------------------------------------------------
def _mm(value: float, spec) -> float:
    """Maintenance on ``value``: a flat rate, or a tier table's brackets summed piece by piece (each bracket's rate
    on the part of the value inside it: no cumulative deduction used)."""
    if isinstance(spec, float):
        return spec * value
    return sum(rate * (min(value, cap) - floor) for floor, cap, _lev, rate, _cum in spec if value > floor)


def _room(leg: dict, price: float) -> float:
    """PnL from entry at ``price`` less maintenance where the venue measures it and the fee inside the threshold."""
    s, q, e = leg["s"], leg["q"], leg["e"]
    if leg.get("inverse"):
        pnl, value, at_entry = s * q * (1 / e - 1 / price), q / price, q / e
    else:
        pnl, value, at_entry = s * q * (price - e), q * price, q * e
    measured = at_entry if leg.get("basis") == "entry" else value
    return pnl - _mm(measured, leg["mm"]) - leg.get("fee", 0.0) * value


def _left(legs: list[dict], wallet: float, prices, fees_to_close: float = 0.0) -> float:
    """The account's wallet less its fees to close plus every position's room at ``prices``: <= 0 liquidated."""
    return wallet - fees_to_close + sum(_room(leg, p) for leg, p in zip(legs, prices))


def _records(venue: str, legs: list[dict], wallet: float, account: str = "A") -> list[dict]:
    return [{"venue": venue, "account": account, "symbol": leg["symbol"], "side": "long" if leg["s"] > 0 else "short",
             "size": leg["q"], "entry": leg["e"], "mark": leg["m"], "margin_mode": "cross", "wallet": wallet,
             **({"mmr": leg["mm"]} if isinstance(leg["mm"], float) else {}), "vol": 0.5,
             **({"contract": "inverse"} if leg.get("inverse") else {})} for leg in legs]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- 1. the account of a venue-form symbol -------------------------------------------------------------------------
COIN_M = """venue,account,symbol,contract,side,size,entry,mark,margin_mode,wallet,mmr,vol
binance-coinm,C,{perp},inverse,long,300000,60000,58000,cross,1.5,0.004,0.5
binance-coinm,C,{quarter},inverse,long,200000,61000,59500,cross,1.5,0.005,0.5
"""


@pytest.mark.parametrize("perp, quarter", [("BTCUSD_PERP", "BTCUSD_250328"), ("BTC-USD-SWAP", "BTC-USD-250328")],
                         ids=["binance-venue-form", "okx-form"])
def test_a_perp_and_a_quarterly_of_one_coin_share_one_wallet(tmp_path, perp, quarter):
    """Two BTC-margined contracts (different marks) are one account with one 1.5 BTC wallet, whatever the symbol's
    spelling: the same prices and equity as the ccxt symbols give, and equity with the wallet once."""
    venue, _ = load_book(_write(tmp_path, "venue.csv", COIN_M.format(perp=perp, quarter=quarter)))
    ccxt, _ = load_book(_write(tmp_path, "ccxt.csv", COIN_M.format(perp="BTC/USD:BTC", quarter="BTC/USD:BTC-250328")))
    tv, tc = risk_table(venue), risk_table(ccxt)
    # by hand: the perp's margin of the equation is the wallet less the quarterly's MM plus its uPnL (coin), and
    # its price the inverse equation M + Q(1/E - 1/P) = mmr*Q/P: P = Q(1 + mmr)/(M + Q/E)
    upnl = [300000 * (1 / 60000 - 1 / 58000), 200000 * (1 / 61000 - 1 / 59500)]
    m_perp = 1.5 - 0.005 * 200000 / 59500 + upnl[1]
    assert tc.liquidation[0] == pytest.approx(300000 * 1.004 / (m_perp + 300000 / 60000), rel=1e-12)
    coin = [300000 / 58000, 200000 / 59500]
    shares = [1.5 * c / sum(coin) for c in coin]
    equity = sum(s * m for s, m in zip(shares, (58000, 59500))) + upnl[0] * 58000 + upnl[1] * 59500
    assert tc.equity_usd() == pytest.approx(equity, rel=1e-12)  # 72,968.22
    # the venue's spelling: one account too (was two, each with the 1.5 BTC wallet: equity 161,331.97, the perp's
    # price 46,338.46 instead of 47,058.55)
    assert tv.account.tolist() == [0, 0]
    np.testing.assert_allclose(tv.liquidation, tc.liquidation, rtol=1e-12)
    assert tv.equity_usd() == pytest.approx(equity, rel=1e-12)


def test_an_accounts_file_gives_the_wallet_of_venue_form_symbols(tmp_path):
    """``--accounts`` with venue, account, currency, wallet: USDT is the wallet of BTCUSDT and ETHUSDT rows and BTC
    of a COIN-M BTCUSD_PERP row (both were 'wallet not in the input')."""
    positions = _write(tmp_path, "p.csv", "venue,account,symbol,contract,side,size,entry,mark,margin_mode,mmr\n"
                                          "binance,main,BTCUSDT,linear,long,2,60000,61000,cross,0.004\n"
                                          "binance,main,ETHUSDT,linear,long,40,3000,3050,cross,0.005\n"
                                          "binance-coinm,main,BTCUSD_PERP,inverse,long,30000,60000,61000,cross,"
                                          "0.004\n")
    accounts = _write(tmp_path, "a.csv", "venue,account,currency,wallet\nbinance,main,USDT,30000\n"
                                         "binance-coinm,main,BTC,1\n")
    book, _ = load_book(positions, accounts)
    table = risk_table(book)
    assert book.recomputable.all(), book.cross_note
    # by hand: BTC's margin is 30,000 - ETH's MM (0.005 x 122,000) + ETH's uPnL (2,000); P = (q*E - M)/(q(1 - mmr))
    m_btc = 30000 - 0.005 * 40 * 3050 + 40 * 50
    assert table.liquidation[0] == pytest.approx((2 * 60000 - m_btc) / (2 * (1 - 0.004)), rel=1e-12)
    # the COIN-M long alone on its 1 BTC: P = Q(1 + mmr)/(W + Q/E)
    assert table.liquidation[2] == pytest.approx(30000 * 1.004 / (1 + 30000 / 60000), rel=1e-12)


# -- 2. a position's own price and its account's rule agree at the marks -------------------------------------------
def _bybit_legs():
    bybit = json.loads((TIERS / "bybit_linear_2026-09-19.json").read_text())["tables"]
    older = json.loads((TIERS / "bybit_linear_2024-12-25.json").read_text())["tables"]
    return [dict(symbol="BTCUSDT", s=1, q=2, e=60000, m=59000, mm=bybit["BTCUSDT"]["tiers"], basis="entry"),
            dict(symbol="ETHUSDT", s=1, q=30, e=3000, m=2900, mm=older["ETHUSDT"]["tiers"], basis="entry"),
            dict(symbol="SOLUSDT", s=-1, q=100, e=150, m=140, mm=bybit["SOLUSDT"]["tiers"], basis="entry")]


OKX_LEGS = [dict(symbol="BTC-USDT-SWAP", s=1, q=2, e=60000, m=59000, mm=0.004, fee=0.0005),
            dict(symbol="ETH-USDT-SWAP", s=1, q=30, e=3000, m=2900, mm=0.005, fee=0.0005),
            dict(symbol="SOL-USDT-SWAP", s=-1, q=100, e=150, m=140, mm=0.01, fee=0.0005)]


@pytest.mark.parametrize("venue, wallet", [("bybit", 5015.0), ("bybit", 5025.0), ("okx", 5120.0), ("okx", 5150.0)])
def test_an_account_past_liquidation_at_the_marks_shows_every_position_liquidated(venue, wallet):
    """Bybit measures maintenance on the entry value and OKX puts the taker fee inside the threshold, for every
    position of the account, the others' too: at these wallets the account is past liquidation at the marks (every
    stress loses its wallet) and every position's own price must say LIQUIDATED. Was (others' MM at their marks,
    no fee of theirs): Bybit 5,015 RED/LIQUIDATED/RED, 5,025 RED x 3; OKX 5,120 and 5,150 RED x 3."""
    legs = _bybit_legs() if venue == "bybit" else OKX_LEGS
    book, _ = with_accounts(book_from_records(_records(venue, legs, wallet), "hand"))
    if venue == "okx":
        assert book.fee.tolist() == [0.0005] * 3 and book.basis == ["mark"] * 3
    else:
        assert book.basis == ["entry"] * 3 and (book.close_fee[:2] > 0).all()  # the short's M < 0: none
    left = _left(legs, wallet, [leg["m"] for leg in legs], float(book.close_fee.sum()))
    assert -50 < left < 0  # by hand: Bybit -18.2 / -8.2, OKX -36.5 / -6.5
    table = risk_table(book)
    assert run_stresses(table).liquidated_now.all()
    assert table.statuses(0.05, 0.10) == ["LIQUIDATED"] * 3, table.distance


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wallet=st.floats(3000, 8000), venue=st.sampled_from(["bybit", "okx"]))
def test_own_prices_and_the_account_agree_at_the_marks(wallet, venue):
    legs = _bybit_legs() if venue == "bybit" else OKX_LEGS
    book, _ = with_accounts(book_from_records(_records(venue, legs, wallet), "hand"))
    left = _left(legs, wallet, [leg["m"] for leg in legs], float(book.close_fee.sum()))
    if abs(left) < 1e-6 * wallet or not book.recomputable.all():
        return
    table = risk_table(book)
    assert ((table.distance <= 0) == (left <= 0)).all(), (left, table.distance)


# -- 3. the funding spike on the account's threshold ---------------------------------------------------------------
def test_the_funding_spike_judges_a_cross_account_on_its_threshold():
    """OKX: wallet 5,200 on a 20 BTC long at its entry: 5,200 - MM 4,800 - the fee inside the threshold 600 < 0,
    past liquidation at the mark (LIQUIDATED, every stress loses the wallet); with 360 of funding more it must stay
    liquidated in the funding spike (was 0: 5,200 - 360 - 4,800 > 0, the fee left out)."""
    legs = [dict(symbol="BTC-USDT-SWAP", s=1, q=20, e=60000, m=60000, mm=0.004, fee=0.0005)]
    book, _ = with_accounts(book_from_records(_records("okx", legs, 5200.0), "hand"))
    table = risk_table(book)
    assert table.statuses(0.05, 0.10) == ["LIQUIDATED"]
    sf = stress_figures(table, funding_cap=0.0001, funding_days=1, vol_multiplier=2)
    cost = 20 * 60000 * 0.0001 * 3
    assert sf.funding_cost[0] == pytest.approx(cost)
    assert _left(legs, 5200.0, [60000.0]) - cost < 0
    assert sf.funding_liquidated.tolist() == [1]


def test_the_funding_spike_of_a_bybit_account_takes_its_entry_basis_and_fees_to_close():
    legs = _bybit_legs()
    for wallet in np.arange(4990.0, 5080.0, 5.0):
        book, _ = with_accounts(book_from_records(_records("bybit", legs, float(wallet)), "hand"))
        table = risk_table(book)
        sf = stress_figures(table, funding_cap=0.00001, funding_days=1, vol_multiplier=2)
        cost = [leg["q"] * leg["m"] * 0.00001 * 3 for leg in legs]
        np.testing.assert_allclose(sf.funding_cost, cost, rtol=1e-12)
        left = _left(legs, float(wallet), [leg["m"] for leg in legs], float(book.close_fee.sum())) - sum(cost)
        assert sf.funding_liquidated.tolist() == [int(left <= 0)] * 3, (wallet, left)


needs_lo = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")


@needs_lo
def test_the_reports_funding_spike_takes_the_accounts_threshold(tmp_path):
    """The report's live funding flag of the OKX account above: 1 cached and after LibreOffice's recalculation
    (was 0 in both: 5,200 - 360 - 4,800 > 0), and still 1 with the cap edited to 0 (past its threshold at the mark
    with no funding at all: 5,200 - 4,800 - 600 < 0)."""
    from levxl.workbooks.report import build_report, plan_layout
    from levxl.workbooks.report.layout import col

    legs = [dict(symbol="BTC-USDT-SWAP", s=1, q=20, e=60000, m=60000, mm=0.004, fee=0.0005)]
    book, liq = with_accounts(book_from_records(_records("okx", legs, 5200.0), "hand"))
    out = build_report(book, tmp_path / "okx.xlsx", as_of="2026-12-03T00:00:00Z", liquidation=liq)
    lay = plan_layout(risk_table(book))
    St = lay.stress
    ref = f"{col(St.detail_col('funding_hit'))}{St.detail_first + 1}"
    cached, again = libreoffice.read_values(out, recalc="never"), libreoffice.recalculated_values(out)
    assert cached["Stress detail"][ref] == again["Stress detail"][ref] == 1
    edited = libreoffice.recalculated_after_edit(out, {("Stress", f"C{St.funding_row + 1}"): 0.0},
                                                 tmp_path / "edited.xlsx")
    assert edited["Stress detail"][ref] == 1


def _edited_book(tmp_path: Path, text: str, symbol: str, mark: float):
    """The book of ``text`` with ``symbol``'s mark replaced, as levxl reads it."""
    lines = text.strip().splitlines()
    head = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        if row[head.index("symbol")] == symbol:
            row[head.index("mark")] = repr(mark)
    return load_book(_write(tmp_path, "edited.csv", "\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n"))[0]


HEDGED_TIERS = """venue,account,symbol,side,size,entry,mark,margin_mode,wallet,vol
binance,T,BTCUSDT,long,100,60000,60000,cross,700000,0.6
binance,T,ETHUSDT,short,1000,3000,3000,cross,700000,0.8
binance,U,SOLUSDT,long,1000,150,150,cross,5000,1.0
"""


@needs_lo
def test_a_mark_edited_on_the_summary_moves_every_price_of_its_account(tmp_path):
    """ETH's mark edited from 3,000 to 3,650 on Summary: the account (BTC long 100, ETH short 1,000, 700,000 USDT)
    is past liquidation (by hand: 700,000 - 650,000 - MM 48,550 - MM 25,050 < 0), which the stresses' live flags
    said; BTC's price stayed 53,607.07 and its status GREEN (its margin of the equation a constant holding ETH's
    uPnL at 3,000), where levxl gives 60,238.38 and LIQUIDATED for the edited book."""
    from levxl.workbooks.report import build_report, plan_layout
    from levxl.workbooks.report.layout import col

    book, liq = load_book(_write(tmp_path, "hedged.csv", HEDGED_TIERS))
    out = build_report(book, tmp_path / "hedged.xlsx", as_of="2026-12-03T00:00:00Z", liquidation=liq)
    table = risk_table(book)
    lay = plan_layout(table)
    S, P = lay.summary, lay.positions
    cell = f"{col(S.mark_col)}{S.market_row(1) + 1}"
    edited = libreoffice.recalculated_after_edit(out, {("Summary", cell): 3650.0}, tmp_path / "edited.xlsx")
    want = risk_table(_edited_book(tmp_path, HEDGED_TIERS, "ETHUSDT", 3650.0))
    bin_tiers = json.loads((TIERS / "binance_usdm_all_2024-10-24.json").read_text())["tables"]
    legs = [dict(s=1, q=100, e=60000, mm=bin_tiers["BTCUSDT"]["tiers"]),
            dict(s=-1, q=1000, e=3000, mm=bin_tiers["ETHUSDT"]["tiers"])]
    assert _left(legs, 700000.0, [60000.0, 3650.0]) == pytest.approx(700000 - 650000 - 48550 - 25050)
    # by hand: BTC's margin 700,000 - ETH's MM 25,050 - 650,000 = 24,950; P = (q*E - M + cum)/(q(1 - mmr))
    assert want.liquidation[0] == pytest.approx((100 * 60000 - 24950 - 11450) / (100 * (1 - 0.01)), rel=1e-12)
    for i in range(3):
        assert edited["Positions"][P.local("liq", i)] == pytest.approx(want.liquidation[i], rel=1e-12)
        assert edited["Positions"][P.local("flag", i)] == want.statuses(0.05, 0.10)[i]
    assert [edited["Positions"][P.local("flag", i)] for i in range(2)] == ["LIQUIDATED"] * 2


INVERSE = """venue,account,symbol,contract,side,size,entry,mark,margin_mode,wallet,mmr,vol
binance-coinm,C,BTC/USD:BTC,inverse,long,300000,60000,58000,cross,1.5,0.004,0.5
binance-coinm,C,BTC/USD:BTC-250328,inverse,long,200000,61000,59500,cross,1.5,0.005,0.5
"""


@needs_lo
def test_an_edited_quarterly_mark_moves_the_perps_price_and_the_wallets_shares(tmp_path):
    """A coin account's quarterly marked down from 59,500 to 52,000: the perp's price follows (its margin holds the
    quarterly's MM and uPnL) and the equity shares the 1.5 BTC by the notional at the new marks (USD: each share at
    its own mark), as levxl computes the edited book (the shares were constants: 43,946.81 vs 43,653.57)."""
    from levxl.workbooks.report import build_report, plan_layout
    from levxl.workbooks.report.layout import col

    book, liq = load_book(_write(tmp_path, "inverse.csv", INVERSE))
    out = build_report(book, tmp_path / "inverse.xlsx", as_of="2026-12-03T00:00:00Z", liquidation=liq)
    lay = plan_layout(risk_table(book))
    S, P = lay.summary, lay.positions
    cell = f"{col(S.mark_col)}{S.market_row(1) + 1}"
    edited = libreoffice.recalculated_after_edit(out, {("Summary", cell): 52000.0}, tmp_path / "edited.xlsx")
    want = risk_table(_edited_book(tmp_path, INVERSE, "BTC/USD:BTC-250328", 52000.0))
    # by hand: the perp's M = 1.5 - 0.005 x 200,000/52,000 + 200,000 (1/61,000 - 1/52,000); P = Q(1 + mmr)/(M + Q/E)
    m = 1.5 - 0.005 * 200000 / 52000 + 200000 * (1 / 61000 - 1 / 52000)
    assert want.liquidation[0] == pytest.approx(300000 * 1.004 / (m + 300000 / 60000), rel=1e-12)
    assert edited["Positions"][P.local("liq", 0)] == pytest.approx(want.liquidation[0], rel=1e-12)
    coin = [300000 / 58000, 200000 / 52000]
    upnl = [300000 * (1 / 60000 - 1 / 58000) * 58000, 200000 * (1 / 61000 - 1 / 52000) * 52000]
    equity = sum(1.5 * c / sum(coin) * mk for c, mk in zip(coin, (58000, 52000))) + sum(upnl)
    assert want.equity_usd() == pytest.approx(equity, rel=1e-12)
    assert edited["Summary"][S.cell("equity")] == pytest.approx(equity, rel=1e-12)


def test_a_margin_stays_a_constant_where_its_account_has_a_position_levxl_cannot_price(tmp_path):
    """Account A's ETH short is below maintenance at every price (n/a), so it has no room cell, while BTC's margin
    holds its MM and uPnL: BTC's margin stays the engine's constant; B's SOL short alone is live."""
    from levxl.workbooks.report.cross import whole_accounts

    text = ("venue,account,symbol,side,size,entry,mark,margin_mode,wallet,mmr\n"
            "binance,A,BTCUSDT,long,1,60000,30000,cross,1000,0.004\n"
            "binance,A,ETHUSDT,short,1,3000,3000,cross,1000,0.005\n"
            "binance,B,SOLUSDT,short,100,150,140,cross,3000,0.01\n")
    book, _ = load_book(_write(tmp_path, "under.csv", text))
    assert book.recomputable.tolist() == [True, False, True]
    assert whole_accounts(risk_table(book)).tolist() == [False, False, True]


HEDGE_NEVER = """venue,account,symbol,contract,side,size,entry,mark,margin_mode,wallet,mmr,vol
binance-coinm,C,BTC/USD:BTC,inverse,long,300000,60000,60000,cross,10,0.004,0.5
binance-coinm,C,BTC/USD:BTC-250328,inverse,short,1000,60000,60000,cross,10,0.005,0.5
"""


def test_a_gap_takes_the_whole_wallet_of_an_account_one_of_whose_positions_no_price_liquidates(tmp_path):
    """A 10 BTC account: a 300,000 USD long (price 20,080.11) beside a 1,000 USD short no price liquidates (its
    margin outweighs its face). A gap through the long's price liquidates the account: 10 BTC x 60,000 lost, the
    short's share too (was -598,006.64: the short's 0.0332 BTC kept)."""
    book, _ = load_book(_write(tmp_path, "never.csv", HEDGE_NEVER))
    table = risk_table(book)
    assert np.isfinite(table.liquidation[0]) and table.liquidation[1] == np.inf
    sf = stress_figures(table, funding_cap=0.0075, funding_days=10, vol_multiplier=2)
    assert sf.gap.sum() == pytest.approx(-10 * 60000, rel=1e-12)
    assert sf.gapped.tolist() == [True, True]


@needs_lo
def test_the_reports_gap_row_takes_the_whole_wallet_too(tmp_path):
    from levxl.workbooks.report import build_report, plan_layout

    book, liq = load_book(_write(tmp_path, "never.csv", HEDGE_NEVER))
    out = build_report(book, tmp_path / "never.xlsx", as_of="2026-12-03T00:00:00Z", liquidation=liq)
    St = plan_layout(risk_table(book)).stress
    cached, again = libreoffice.read_values(out, recalc="never"), libreoffice.recalculated_values(out)
    row = St.gap_row + 1
    for values in (cached, again):
        assert values["Stress"][f"D{row}"] == pytest.approx(-600000.0, rel=1e-12)
        assert values["Stress"][f"F{row}"] == 2 and values["Stress"][f"G{row}"] == pytest.approx(301000.0)


def test_the_map_says_a_cross_accounts_moves_are_the_reports(tmp_path):
    """An edited beta moves every stress's flags (live rooms), not the account's moves in the map (a root found at
    report time): the map's subtitle says so where the book has a cross account."""
    import openpyxl

    from levxl.workbooks.report import build_report, plan_layout

    book, liq = load_book(_write(tmp_path, "hedged.csv", HEDGED_TIERS))
    out = build_report(book, tmp_path / "hedged.xlsx", as_of="2026-12-03T00:00:00Z", liquidation=liq)
    St = plan_layout(risk_table(book)).stress
    subtitle = openpyxl.load_workbook(out)["Stress"].cell(St.map_section + 1, 3).value
    assert "cross account" in subtitle and "report's marks and betas" in subtitle


REFUSED = """venue,account,symbol,side,size,entry,mark,margin_mode,wallet,mmr,vol
binance,main,BTCUSDT,long,2,60000,61000,cross,30000,0.004,0.6
binance,main,ETHUSDT,long,20x5,3000,3050,cross,30000,0.005,0.8
binance,main,SOLUSDT,short,500,150,148,cross,30000,0.01,1.0
binance,other,XRPUSDT,long,20000,0.6,0.61,cross,3000,0.01,1.0
"""


def test_the_stresses_say_which_positions_levxl_cannot_recompute(tmp_path):
    """Account main has a refused row (ETH), so BTC and SOL are n/a: in every stress at their PnL, never
    liquidated (Black Thursday: BTC -61,000 vs now, twice the account's 30,000 wallet), which the stress lines
    now say, naming the rows; the engine's numbers are unchanged."""
    from click.testing import CliRunner

    from levxl.cli import main

    path = _write(tmp_path, "refused.csv", REFUSED)
    book, _ = load_book(path)
    res = run_stresses(risk_table(book))
    k = [s.name for s in res.stresses].index("12 Mar 2020 'Black Thursday': fall")
    # by hand: BTC 2 x (61,000 x 0.5 - 61,000) vs now
    assert res.pnl_usd[0, k] - res.now_usd[0] == pytest.approx(2 * (61000 * 0.5 - 61000))
    assert not res.liquidated[:2, k].any() and res.liquidated[2, k]
    out = CliRunner().invoke(main, ["risk", str(path)])
    assert out.exit_code == 0, out.output
    assert "2 position(s) levxl cannot recompute (row 1, 3) are in these at their PnL, never liquidated" in out.stdout


@needs_lo
def test_the_summarys_worst_stress_says_it_too(tmp_path):
    from levxl.workbooks.report import build_report, plan_layout

    book, liq = load_book(_write(tmp_path, "refused.csv", REFUSED))
    out = build_report(book, tmp_path / "refused.xlsx", as_of="2026-12-03T00:00:00Z", liquidation=liq)
    S = plan_layout(risk_table(book)).summary
    ref = S.a1(S.headline("worst_stress"), S.value_col + 1)
    cached, again = libreoffice.read_values(out, recalc="never"), libreoffice.recalculated_values(out)
    assert cached["Summary"][ref] == again["Summary"][ref]
    assert cached["Summary"][ref].endswith("; 2 position(s) levxl cannot recompute in it at their PnL, never "
                                           "liquidated")


@pytest.mark.parametrize("accounts", [("A", "B"), ("", "B")], ids=["two-named", "unnamed-and-named"])
def test_one_wallet_without_an_account_name_is_not_given_to_two_accounts(tmp_path, accounts):
    """An accounts file with one binance USDT wallet (30,000) and no account column, positions in two accounts of
    binance: each took the 30,000 (equity 64,000 = 2 x 30,000 + 4,000 of uPnL, no warning). Which account it is,
    levxl cannot tell: both are left uncomputed with the reason, the equity n/a, never the wallet twice."""
    a, b = accounts
    positions = _write(tmp_path, "p.csv", "venue,account,symbol,side,size,entry,mark,margin_mode,mmr\n"
                                          f"binance,{a},BTCUSDT,long,2,60000,61000,cross,0.004\n"
                                          f"binance,{b},ETHUSDT,long,40,3000,3050,cross,0.005\n")
    wallets = _write(tmp_path, "a.csv", "venue,currency,wallet\nbinance,USDT,30000\n")
    book, liq = load_book(positions, wallets)
    table = risk_table(book)
    assert not book.recomputable.any() and math.isnan(table.equity_usd())
    assert all("would each take" in h for h in liq.how) and all(w for w in book.warnings)
    # one named account alone takes the venue's wallet, as before: 30,000 + 2,000 of uPnL
    one = _write(tmp_path, "one.csv", f"venue,account,symbol,side,size,entry,mark,margin_mode,mmr\n"
                                      f"binance,{b},BTCUSDT,long,2,60000,61000,cross,0.004\n")
    assert risk_table(load_book(one, wallets)[0]).equity_usd() == pytest.approx(32000.0)


LEG = st.tuples(st.sampled_from([1.0, -1.0]), st.floats(0.1, 5), st.floats(100, 1000), st.floats(-0.5, 0.5),
                st.sampled_from([0.004, 0.005, 0.01]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(LEG, min_size=1, max_size=4), wallet=st.floats(20, 3000),
       venue=st.sampled_from(["binance", "bybit", "okx"]), move=st.floats(-0.6, 0.6),
       spread=st.lists(st.floats(-0.3, 0.3), min_size=4, max_size=4))
def test_every_venues_account_loses_its_wallet_exactly_where_its_brute_force_equity_meets_its_threshold(
        rows, wallet, venue, move, spread):
    """Bybit (MM on the entry value, fees to close against the account), OKX (the fee inside the threshold) and
    Binance, hedged or not, every mark moved apart: liquidated where the brute force says (the wallet less fees to
    close plus every room, at the moved marks or already at the marks), the wallet lost once, else the plain PnL."""
    fee = 0.0005 if venue == "okx" else 0.0
    legs = [dict(symbol=f"C{k}USDT", s=s, q=q, e=e, m=e * (1 + d), mm=r, fee=fee,
                 basis="entry" if venue == "bybit" else "mark") for k, (s, q, e, d, r) in enumerate(rows)]
    book, _ = with_accounts(book_from_records(_records(venue, legs, wallet), "hand"))
    if not book.recomputable.all():
        event("past liquidation at every price")
        return  # an account past liquidation at every price (the engine says why)
    moves = np.array([move + spread[k] for k in range(len(legs))])
    prices = [leg["m"] * (1 + mv) for leg, mv in zip(legs, moves)]
    fees = float(book.close_fee.sum())
    at_moved, at_marks = _left(legs, wallet, prices, fees), _left(legs, wallet, [leg["m"] for leg in legs], fees)
    scale = wallet + sum(leg["q"] * max(leg["e"], leg["m"], p) for leg, p in zip(legs, prices))
    if min(abs(at_moved), abs(at_marks)) < 1e-9 * scale:
        return  # on the threshold itself: float rounding decides
    pnl = pnl_after_mark_move(book, moves.reshape(-1, 1))[:, 0]
    event(f"{venue}: " + ("liquidated" if at_moved <= 0 or at_marks <= 0 else "alive"))
    if at_moved <= 0 or at_marks <= 0:
        assert pnl.sum() == pytest.approx(-wallet, rel=1e-12)
        np.testing.assert_allclose(pnl, -equity_margin(book), rtol=1e-12)
    else:
        plain = [leg["s"] * leg["q"] * (p - leg["e"]) for leg, p in zip(legs, prices)]
        np.testing.assert_allclose(pnl, plain, rtol=1e-12, atol=1e-9)


def test_a_tiered_hedged_account_goes_at_the_move_its_brute_force_equity_meets_its_tiers(tmp_path):
    """BTC long 100 (6M USDT, Binance tier 4 at the mark, tier 3 below 3M) beside an ETH short of 3M, 700,000 USDT:
    every mark falling x, the account goes where 700,000 + 3M x meets both positions' tiered MM at the moved marks
    (bisection on the brackets summed piece by piece): the ladder's move; BTC by beta (ETH 1.2) for the map."""
    from levxl.book.stresses import market_moves_to_liquidation, uniform_moves_to_liquidation

    book, _ = load_book(_write(tmp_path, "tiers.csv", HEDGED_TIERS))
    table = risk_table(book)
    bin_tiers = json.loads((TIERS / "binance_usdm_all_2024-10-24.json").read_text())["tables"]
    legs = [dict(s=1, q=100, e=60000, mm=bin_tiers["BTCUSDT"]["tiers"]),
            dict(s=-1, q=1000, e=3000, mm=bin_tiers["ETHUSDT"]["tiers"])]

    def root(beta_eth: float) -> float:
        lo, hi = -0.5, 0.0  # left(lo) < 0 < left(hi)
        f = (lambda x: _left(legs, 700000.0, [60000 * (1 + x), 3000 * (1 + beta_eth * x)]))
        assert f(lo) < 0 < f(hi)
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if f(mid) <= 0 else (lo, mid)
        return (lo + hi) / 2

    down, up = uniform_moves_to_liquidation(table)
    assert down[0] == down[1] == pytest.approx(root(1.0), abs=1e-12) and np.isnan(up[:2]).all()  # -21.67%
    mdown, mup = market_moves_to_liquidation(table)
    assert mdown[0] == mdown[1] == pytest.approx(root(1.2), abs=1e-12) and np.isnan(mup[:2]).all()  # -27.32%
