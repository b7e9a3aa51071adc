"""A cross account's wallet counts once in every aggregate: the book's equity, the stresses, the gap and the
funding spike, in ``levxl risk``, the figures and the report's live formulas.

Each cross position's margin of the liquidation equation holds the whole wallet (``WB - others' MM + others'
uPnL``), so summing those margins, or losing each of them when a stress liquidates the account, counted the wallet
once per position: a three-position account with a 30,000 wallet lost 3 x ~30,000 in a crash. A cross account is
liquidated as a whole, where its wallet plus every position's PnL at the moved marks falls to their maintenance
(the equation of each position's price with the others moved too), and then loses its wallet once.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from levxl.book.accounts import load_book
from levxl.book.figures import (equity_margin, liquidation_prices, pnl_after_mark_move,
                                risk_table, stress_figures)
from levxl.book.positions import book_from_records
from levxl.book.accounts import with_accounts
from levxl.book.stresses import MAP_EDGES, STRESSES, run_stresses
from levxl.testing import libreoffice

BOOK = """venue,account,symbol,side,size,entry_price,mark_price,margin_mode,wallet,margin,vol
binance,main,BTCUSDT,long,2,60000,61000,cross,30000,,0.6
binance,main,ETHUSDT,long,40,3000,3050,cross,30000,,0.8
binance,main,SOLUSDT,short,500,150,148,cross,30000,,1.0
binance,main,XRPUSDT,long,20000,0.6,0.61,isolated,,1200,1.0
"""
WALLET, ISOLATED = 30000.0, 1200.0
UPNL = (2000.0, 2000.0, 1000.0, 200.0)  # 2 x 1,000; 40 x 50; 500 x 2; 20,000 x 0.01


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("wallet") / "cross.csv"
    path.write_text(BOOK)
    return load_book(path)


def test_the_equity_counts_the_wallet_once(book):
    table = risk_table(book[0])
    assert table.equity_usd() == pytest.approx(WALLET + ISOLATED + sum(UPNL), rel=1e-14)  # 36,400, was 95,7xx
    # the wallet shared by notional at the marks (122,000 : 122,000 : 74,000), each share what a liquidation loses
    np.testing.assert_allclose(table.equity_margin[:3], WALLET * np.array([122, 122, 74]) / 318, rtol=1e-14)
    assert table.equity_margin[3] == ISOLATED and table.account.tolist() == [0, 0, 0, -1]
    assert table.margin[:3].sum() > 2.9 * WALLET  # each equation margin holds the whole wallet: never summed


def test_a_crash_that_liquidates_the_account_loses_the_wallet_once(book):
    res = run_stresses(risk_table(book[0]))
    k = [s.name for s in STRESSES].index("12 Mar 2020 'Black Thursday': fall")
    # every position liquidated: the account's wallet and XRP's margin, from entry: -31,200 (was -13,878 change
    # vs now with the wallet lost three times over, offset by nothing)
    assert res.pnl_usd[:, k].sum() == pytest.approx(-(WALLET + ISOLATED), rel=1e-14)
    assert res.change[k] == pytest.approx(-(WALLET + ISOLATED + sum(UPNL)), rel=1e-14)
    assert res.liquidated[:, k].all()
    # the rebound that squeezes the SOL short (+67.5%) leaves the account alive: the longs' gains carry it
    r = [s.name for s in STRESSES].index("13 Mar 2020: rebound")
    assert not res.liquidated[:3, r].any()
    assert res.pnl_usd[2, r] == pytest.approx(-500 * (148 * 1.675 - 150), rel=1e-14)


def test_the_gap_and_the_funding_spike_take_the_wallet_once(book):
    table = risk_table(book[0])
    sf = stress_figures(table, funding_cap=0.0075, funding_days=10, vol_multiplier=2)
    assert sf.gap.sum() == pytest.approx(-(WALLET + ISOLATED), rel=1e-14)
    # 0.75% x 3 a day x 10 days = 22.5% of each notional, paid by the account at once: 71,550 > 30,000 + 5,000
    assert sf.funding_liquidated[:3].tolist() == [1, 1, 1]
    small = stress_figures(table, funding_cap=0.0001, funding_days=1, vol_multiplier=2)
    assert small.funding_liquidated[:3].tolist() == [0, 0, 0]


def _brute_force_liquidated(rows, wallet, moves):
    """The account's equity at the moved marks against its maintenance, and at the marks (flat rates, linear)."""
    def left(scale):
        return wallet + sum(s * q * (m * (1 + scale * mv) - e) - r * q * m * (1 + scale * mv)
                            for (s, q, e, m, r), mv in zip(rows, moves))
    return left(1.0) <= 0 or left(0.0) <= 0


def _account(rows, wallet):
    records = [{"venue": "binance", "account": "A", "symbol": f"C{k}USDT", "side": "long" if s > 0 else "short",
                "size": q, "entry_price": e, "mark_price": m, "margin_mode": "cross", "wallet": wallet, "mmr": r}
               for k, (s, q, e, m, r) in enumerate(rows)]
    return with_accounts(book_from_records(records, "hypothesis"))[0]


LEG = st.tuples(st.sampled_from([1.0, -1.0]), st.floats(0.1, 5), st.floats(100, 1000), st.floats(80, 1200),
                st.sampled_from([0.004, 0.005, 0.01]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(LEG, min_size=1, max_size=4), wallet=st.floats(50, 3000),
       move=st.floats(-0.6, 0.6), spread=st.lists(st.floats(-0.3, 0.3), min_size=4, max_size=4))
def test_an_account_is_liquidated_where_its_equity_at_the_moved_marks_meets_its_maintenance(rows, wallet, move,
                                                                                          spread):
    book = _account(rows, wallet)
    if not book.recomputable.all():
        return  # an account past liquidation at every price: no prices to move from (the engine says why)
    moves = [move + spread[k] for k in range(len(rows))]
    pnl = pnl_after_mark_move(book, np.array(moves).reshape(-1, 1))[:, 0]
    gone = _brute_force_liquidated(rows, wallet, moves)
    share = equity_margin(book)
    if gone:
        np.testing.assert_allclose(pnl, -share, rtol=1e-12)
        assert pnl.sum() == pytest.approx(-wallet, rel=1e-12)
    else:
        plain = [s * q * (m * (1 + mv) - e) for (s, q, e, m, _), mv in zip(rows, moves)]
        np.testing.assert_allclose(pnl, plain, rtol=1e-12, atol=1e-9)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leg=LEG, wallet=st.floats(50, 3000), move=st.floats(-0.9, 0.9))
def test_a_one_position_account_is_liquidated_exactly_past_its_own_price(leg, wallet, move):
    book = _account([leg], wallet)
    if not book.recomputable.all():
        return
    lp = float(liquidation_prices(book)[0])
    moved, mark, side = leg[3] * (1 + move), leg[3], leg[0]
    past = (min(moved, mark) <= lp) if side > 0 else (max(moved, mark) >= lp)
    if math.isclose(moved, lp, rel_tol=1e-9) or math.isclose(mark, lp, rel_tol=1e-9):
        return  # on the price itself: float rounding decides
    pnl = pnl_after_mark_move(book, [move])[0, 0]
    assert (pnl == pytest.approx(-wallet, rel=1e-12)) == past or (past and pnl == pytest.approx(-wallet))


needs_lo = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")


@needs_lo
def test_the_report_formulas_take_the_wallet_once_and_follow_an_edited_stress(book, tmp_path):
    from levxl.workbooks.report import build_report, plan_layout

    b, liquidation = book
    out = build_report(b, tmp_path / "report.xlsx", as_of="2026-12-03T00:00:00Z", liquidation=liquidation)
    table = risk_table(b)
    lay = plan_layout(table)
    cached, again = libreoffice.read_values(out, recalc="never"), libreoffice.recalculated_values(out)
    S = lay.summary
    equity = S.cell("equity").split("!")[-1].replace("$", "")
    assert again["Summary"][equity] == pytest.approx(WALLET + ISOLATED + sum(UPNL), rel=1e-12)
    # the Reconciliation's cross-accounts table: equity and margin ratio live, as levxl risk lists them
    found = [ref for ref, v in again["Reconciliation"].items() if v == "Cross accounts: each liquidated as a whole, "
             "its wallet counted once"]
    assert found
    row = int(found[0][1:]) + 2
    assert again["Reconciliation"][f"H{row}"] == pytest.approx(35000, rel=1e-12)
    mm = float(table.maintenance[:3].sum())
    assert again["Reconciliation"][f"J{row}"] == pytest.approx(mm / 35000, rel=1e-12)
    sheets = ("Summary", "Positions", "Reconciliation", "Scenarios", "Stress", "Stress detail",
              "Liquidation ladder")
    checked = libreoffice.numbers_recalculated_as_cached(cached, again, sheets)
    assert checked > 500
    # Black Thursday's fall cut from -50% to -5%: the account survives, as the engine says at that move
    k = [s.name for s in STRESSES].index("12 Mar 2020 'Black Thursday': fall")
    row = lay.stress.first + k + 1
    edited = libreoffice.recalculated_after_edit(out, {("Stress", f"C{row}"): -0.05}, tmp_path / "edited.xlsx")
    stresses = tuple(dataclasses.replace(s, move=-0.05) if j == k else s for j, s in enumerate(STRESSES))
    want = run_stresses(table, stresses)
    assert edited["Stress"][f"D{row}"] == pytest.approx(float(want.total[k]), rel=1e-12)
    assert edited["Stress"][f"F{row}"] == int(want.n_liquidated[k]) == 0


def test_the_margin_to_add_counts_an_account_once(book, tmp_path):
    from levxl.book.figures import distance_fixes

    b, _ = book
    table = risk_table(b)
    fixes = distance_fixes(table, 0.40)
    need = fixes.margin_to_add[:3]
    assert (need > 0).sum() >= 2  # several positions of the account short of 40%
    assert np.nansum(fixes.margin_to_add_in_total_usd) == pytest.approx(need.max() + fixes.margin_to_add[3], rel=1e-14)
    # that much more wallet brings every position of the account to the target: the total is enough, and no more
    more = b.cross_wallet[0] + need.max()
    text = BOOK.replace(",30000,", f",{float(more)!r},")
    path = tmp_path / "more.csv"
    path.write_text(text)
    after = risk_table(load_book(path)[0])
    assert (after.distance[:3] >= 0.40 - 1e-12).all() and after.distance[:3].min() == pytest.approx(0.40, rel=1e-9)


def test_the_ladder_and_the_map_take_a_cross_account_at_its_own_move():
    """Every mark by the same fraction (the ladder) and BTC by beta (the map): the account goes at one move, its
    hedge (the short) with it on the fall, and never on a rise (its longs outweigh the short)."""
    from levxl.book.stresses import (Stress, liquidation_map, market_moves_to_liquidation,
                                     uniform_moves_to_liquidation)

    rows = [(1.0, 2.0, 60000.0, 61000.0, 0.005), (1.0, 40.0, 3000.0, 3050.0, 0.005), (-1.0, 500.0, 150.0, 148.0, 0.01)]
    table = risk_table(_account(rows, WALLET))
    down, up = uniform_moves_to_liquidation(table)
    assert np.unique(down).size == 1 and np.isnan(up).all()  # one move for the account, none rising
    x = float(down[0])
    assert -0.2 < x < -0.19
    # the move brackets the account's liquidation, by hand: wallet + PnL at the moved marks vs maintenance
    assert not _brute_force_liquidated(rows, WALLET, [x * (1 - 1e-9)] * 3)
    assert _brute_force_liquidated(rows, WALLET, [x * (1 + 1e-9)] * 3)
    # the map: BTC by beta (1.5 for these coins); just short of the account's move nothing of it goes, just past
    # it all three do, the short with the longs
    mdown, mup = market_moves_to_liquidation(table)
    m = float(mdown[0])
    assert np.unique(mdown).size == 1 and np.isnan(mup).all() and m == pytest.approx(x / 1.5, rel=1e-9)
    before = run_stresses(table, (Stress("before", m * (1 - 1e-6), "market", ""),))
    after = run_stresses(table, (Stress("after", m * (1 + 1e-6), "market", ""),))
    assert not before.liquidated[:, 0].any() and after.liquidated[:, 0].all()
    longs, shorts = liquidation_map(table)
    k = int(np.searchsorted(np.array(MAP_EDGES), m, side="right"))
    assert shorts[k] == pytest.approx(500 * 148, rel=1e-12) and shorts.sum() == shorts[k]
    assert longs[k] == pytest.approx(2 * 61000 + 40 * 3050, rel=1e-12) and longs.sum() == longs[k]


def test_the_ladder_lists_a_positions_own_price_outside_cross_accounts(book):
    from levxl.book.stresses import uniform_moves_to_liquidation

    table = risk_table(book[0])
    down, up = uniform_moves_to_liquidation(table)
    assert down[3] == pytest.approx(table.move_to_liq[3], rel=1e-15) and np.isnan(up[3])  # the isolated long


def test_levxl_risk_lists_each_cross_account_once(book, tmp_path):
    import json

    from click.testing import CliRunner

    from levxl.cli import main

    path = tmp_path / "cross.csv"
    path.write_text(BOOK)
    out = CliRunner().invoke(main, ["risk", str(path)])
    assert out.exit_code == 0, out.output
    line = next(x for x in out.output.splitlines() if x.startswith("  binance/main"))
    # 2 x 61,000 x 0.4% + 40 x 3,050 x 0.5% + 500 x 148 x 1%... from the stored tiers: the figures' sum
    mm = float(risk_table(book[0]).maintenance[:3].sum())
    assert (f"wallet 30,000 USDT, equity 35,000, maintenance {mm:,.8g}, margin ratio {mm / 35000:.1%}" in line
            and "liquidated if every mark falls 19.9%" in line), line
    data = json.loads(CliRunner().invoke(main, ["risk", str(path), "--json"]).output)
    (acct,) = data["cross_accounts"]
    assert acct["rows"] == [1, 2, 3] and acct["equity"] == 35000 and acct["every_mark_move_to_liquidation_up"] is None
    assert acct["margin_ratio"] == pytest.approx(mm / 35000, rel=1e-14)


def test_an_accounts_files_usdt_wallet_is_the_account_of_venue_form_symbols(tmp_path):
    """BTCUSDT settles in USDT: an accounts file's (or fetch_balance's) USDT wallet is its account's. The key's
    currency was "" for a venue-form linear symbol, so the wallet was never found and every cross figure n/a."""
    from click.testing import CliRunner

    from levxl.cli import main

    positions = tmp_path / "cross.csv"
    positions.write_text(BOOK.replace(",30000,", ",,"))
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("venue,account,currency,wallet\nbinance,main,USDT,30000\nbinance,main,USDC,5\n")
    book = load_book(positions, accounts)[0]
    assert book.recomputable.all() and (book.cross_wallet[:3] == WALLET).all()
    assert risk_table(book).equity_usd() == pytest.approx(WALLET + ISOLATED + sum(UPNL), rel=1e-14)
    out = CliRunner().invoke(main, ["risk", str(positions), "--accounts", str(accounts)])
    assert "binance/main (rows 1, 2, 3): wallet 30,000 USDT" in out.output


def test_a_hyperliquid_coin_and_a_dydx_pair_take_their_usdc_wallet(tmp_path):
    """Hyperliquid's BTC and dYdX's BTC-USD are USDC-margined: an accounts file's USDC wallet is their account's
    (their key's currency was "" and "USD", so no wallet was ever found)."""
    positions = tmp_path / "dex.csv"
    positions.write_text("venue,account,symbol,side,size,entry,mark,margin_mode\n"
                         "hyperliquid,,BTC,long,1,60000,61000,cross\n"
                         "dydx,,BTC-USD,short,1,60000,61000,cross\n")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("venue,account,currency,wallet\nhyperliquid,,USDC,20000\ndydx,,USDC,15000\n")
    book = load_book(positions, accounts)[0]
    assert book.recomputable.all() and book.cross_wallet.tolist() == [20000, 15000]


def test_the_records_give_what_a_total_may_sum(tmp_path):
    """--json/--csv: a cross position's margin holds its account's whole wallet; margin_in_equity sums to it once."""
    import csv as csvlib
    import io
    import json

    from click.testing import CliRunner

    from levxl.cli import main

    path = tmp_path / "cross.csv"
    path.write_text(BOOK)
    records = json.loads(CliRunner().invoke(main, ["risk", str(path), "--json"]).output)["positions"]
    assert sum(r["margin"] for r in records[:3]) > 2.9 * WALLET
    assert sum(r["margin_in_equity"] for r in records[:3]) == pytest.approx(WALLET, rel=1e-14)
    assert [r["cross_account"] for r in records] == ["binance/main/USDT"] * 3 + [""]
    rows = list(csvlib.DictReader(io.StringIO(CliRunner().invoke(main, ["risk", str(path), "--csv"]).output)))
    assert list(rows[0])[-2:] == ["margin_in_equity", "cross_account"]
    assert sum(float(r["margin_in_equity"]) for r in rows[:3]) == pytest.approx(WALLET, rel=1e-12)
