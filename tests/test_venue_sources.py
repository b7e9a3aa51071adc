"""Sourced venue conventions added for issue 12: Bybit's fee to close inside the maintenance margin of the
liquidation price, taker fees and funding intervals as cited in the profiles, and the tables that remain unsourced
(docs/venue-conventions.md, levxl/data/tiers/SOURCES.md)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import ccxt_market

import levxl as lx
from levxl.catalogue import CATALOGUE
from levxl.engine import venues
from levxl.engine.conventions import close_fee_at_bankruptcy, liquidation_price_at_venue


# -- Bybit UTA: the fee to close at the bankruptcy price inside the maintenance margin ---------------------------
# Bybit help "Maintenance Margin Calculation (USDC Contract)": 1 BTC long at 51,000, 10x, mmr 0.5%, taker 0.06%:
# MM = 255 + 27.54 (fee to close at BP 45,900); "Initial Margin Calculation": position IM = value/L + that fee.
def test_bybit_liquidation_price_charges_the_close_fee_against_a_given_margin():
    lp = liquidation_price_at_venue("long", 51_000, 1, mmr=0.005, margin=5_100, fee=0.0006, venue="bybit")
    equity_at_lp = 5_100 - 1 * (51_000 - lp)
    assert equity_at_lp == pytest.approx(255 + 27.54)  # equity at the liquidation price = Bybit's MM, 282.54
    assert lp == pytest.approx(46_182.54)
    # without the fee term (any other venue's convention on the entry basis) the price would be 46,155
    assert lx.liquidation_price("long", 51_000, 1, margin=5_100, mmr=0.005, basis="entry") == pytest.approx(46_155)


def test_bybit_position_margin_from_leverage_holds_the_fee_so_it_cancels():
    # position margin = 5,100 + 27.54 (Bybit's IM with the fee to close); MM = 255 + 27.54: LP = 46,155
    assert liquidation_price_at_venue("long", 51_000, 1, 10, 0.005, margin=5_127.54, fee=0.0006,
                                      venue="bybit") == pytest.approx(46_155)
    assert liquidation_price_at_venue("long", 51_000, 1, 10, 0.005, venue="bybit") == pytest.approx(46_155)
    # Bybit's fee-free help-page example (1 BTC at 20,000, 50x, 0.5%): 19,700 still
    assert liquidation_price_at_venue("long", 20_000, 1, 50, 0.005, venue="bybit") == pytest.approx(19_700)


def test_bybit_blank_fee_takes_the_profile_taker_rate():
    fee = float(close_fee_at_bankruptcy("long", 51_000, 1, 10, venue="bybit"))  # 0.055% of 45,900
    assert fee == pytest.approx(25.245)
    lp = liquidation_price_at_venue("long", 51_000, 1, mmr=0.005, margin=5_100, venue="bybit")
    assert lp == pytest.approx(51_000 - (5_100 - 255 - fee))


def test_the_spreadsheet_function_follows_the_preset():
    f = CATALOGUE["LEVXL_LIQ_PRICE"]
    assert f("long", 51_000, 1, None, 0.005, 5_100, None, 0.0006, None, "bybit") == pytest.approx(46_182.54)
    assert f("long", 51_000, 1, 10, 0.005, None, None, 0.0006, None, "bybit") == pytest.approx(46_155)
    # no venue: the fee is a threshold fee on the value at the liquidation price, as before
    assert f("long", 51_000, 1, None, 0.005, 5_100, None, 0.0006) == pytest.approx(
        float(lx.liquidation_price("long", 51_000, 1, margin=5_100, mmr=0.005, fee=0.0006)))


def test_other_venues_are_unchanged_by_the_close_fee_rule():
    for venue in ("binance", "okx", "kucoin", "kucoin-2025-05-21", "gate", "hyperliquid"):
        a = liquidation_price_at_venue("short", 3_000, 2, mmr=0.01, margin=400, venue=venue)
        basis = "entry" if venue == "kucoin-2025-05-21" else "mark"
        fee = 0.0005 if venue in ("okx", "gate") else 0.0
        assert a == pytest.approx(float(lx.liquidation_price("short", 3_000, 2, margin=400, mmr=0.01, fee=fee,
                                                             basis=basis)))


@settings(max_examples=60, deadline=None)
@given(side=st.sampled_from(["long", "short"]), entry=st.floats(10, 1e5), size=st.floats(0.01, 100),
       lev=st.floats(1.5, 100), taker=st.floats(0, 0.001), contract=st.sampled_from(["linear", "inverse"]))
def test_bybit_close_fee_moves_a_given_margin_price_toward_the_entry_and_cancels_from_leverage(
        side, entry, size, lev, taker, contract):
    venue = "bybit" if contract == "linear" else "bybit-inverse"
    value = size * entry if contract == "linear" else size / entry
    im = value / lev
    plain = float(lx.liquidation_price(side, entry, size, margin=im, mmr=0.005, basis="entry", contract=contract))
    from_leverage = float(liquidation_price_at_venue(side, entry, size, lev, 0.005, fee=taker, contract=contract,
                                                     venue=venue))
    given = float(liquidation_price_at_venue(side, entry, size, mmr=0.005, margin=im, fee=taker,
                                             contract=contract, venue=venue))
    assert from_leverage == pytest.approx(plain, rel=1e-9)
    s = 1 if side == "long" else -1
    if np.isfinite(given) and np.isfinite(plain) and plain > 0:
        assert s * (given - plain) >= -1e-9 * entry  # a long's price rises, a short's falls (closer to the entry)


# -- venue-reported margins confirm the fee to close and the taker rate ------------------------------------------
@pytest.mark.parametrize("entry, size, lev, mmr, taker, position_im, position_mm", [
    (1073.85, 0.5, 10, 0.005, 0.0006, 53.98243950, 2.97456450),  # ccxt bybit fetch_positions example, ETHUSDT 2022
    (0.3615, 100, 10, 0.01, 0.0006, 3.634521, 0.381021),  # same, XRPUSDT 2022-12
    (60766.7, 0.001, 10, 0.005, None, 6.10674952, 0.33391302),  # BTCUSDT /v5/position/list 2024-06-27, profile taker
])
def test_bybit_reported_position_margins_hold_the_fee_to_close(entry, size, lev, mmr, taker, position_im,
                                                                position_mm):
    fee = float(close_fee_at_bankruptcy("long", entry, size, lev, taker, venue="bybit"))
    assert lx.initial_margin(entry, size, leverage=lev) + fee == pytest.approx(position_im, abs=5e-8)
    assert float(lx.maintenance_margin(size, price=entry, mmr=mmr)) + fee == pytest.approx(position_mm, abs=5e-8)
    # the liquidation price on the venue's own position margin is the one equity = the venue's MM gives
    lp = liquidation_price_at_venue("long", entry, size, lev, mmr, margin=position_im, fee=taker, venue="bybit")
    assert lp == pytest.approx(entry - (position_im - position_mm) / size, abs=2e-8 / size)  # 8-dp margins


# -- taker fees in the profiles: base tier, as ccxt transcribes each venue's schedule ----------------------------
def test_profile_taker_rates_are_the_cited_base_tier_rates():
    import ccxt

    def fees(exchange_id):
        return getattr(ccxt, exchange_id)().describe()["fees"]

    cited = {"binance-usdm": fees("binanceusdm")["linear"]["trading"]["taker"],
             "binance-coinm": fees("binancecoinm")["inverse"]["trading"]["taker"],
             "okx-swap": fees("okx")["swap"]["taker"], "okx-futures": fees("okx")["future"]["taker"],
             "hyperliquid": fees("hyperliquid")["swap"]["taker"], "dydx": fees("dydx")["trading"]["taker"],
             "gate": fees("gate")["swap"]["taker"], "kucoin": fees("kucoinfutures")["contract"]["taker"],
             "deribit": 0.0005,  # Deribit support "Fees": BTC/ETH futures & perpetual taker 0.05%
             "bybit-linear": 0.00055, "bybit-inverse": 0.00055}  # the 2024 reported position above
    for pid, rate in cited.items():
        assert venues.PROFILES[pid].taker_fee == pytest.approx(float(rate)), pid
    assert "PLACEHOLDER" in venues.PROFILES["bitmex"].notes  # the one rate no source was found for


# -- per-symbol funding intervals, fetched through ccxt's own parsers (offline) ----------------------------------
# GET /fapi/v1/fundingInfo as Binance documents it (the docs' example row BLZUSDT, 4 h, quoted in ccxt binance)
BINANCE_FUNDING_INFO = [
    {"symbol": "BLZUSDT", "adjustedFundingRateCap": "0.03000000", "adjustedFundingRateFloor": "-0.03000000",
     "fundingIntervalHours": 4, "disclaimer": False},
    {"symbol": "ETHUSDT", "adjustedFundingRateCap": "0.03000000", "adjustedFundingRateFloor": "-0.03000000",
     "fundingIntervalHours": 8, "disclaimer": False}]


def _offline(venue):
    import ccxt

    if venue == "binance":
        ex = ccxt.binanceusdm()
        ex.set_markets([ccxt_market("BLZUSDT", "BLZ", "USDT", "USDT"), ccxt_market("ETHUSDT", "ETH", "USDT", "USDT")])
        ex.fapiPublicGetFundingInfo = lambda params={}: BINANCE_FUNDING_INFO
    else:  # bybit: /v5/market/instruments-info rows carry fundingInterval in minutes (480 in Bybit's example)
        ex = ccxt.bybit()
        ex.set_markets([ccxt_market("BTCUSDT", "BTC", "USDT", "USDT", info={"fundingInterval": 480}),
                        ccxt_market("SOLUSDT", "SOL", "USDT", "USDT", info={"fundingInterval": 240})])
    ex.load_markets = lambda *a, **k: ex.markets
    return ex


def test_fetched_funding_intervals_replace_the_venue_default(data_dir):
    from levxl.cli import tiers as tiers_cli
    from levxl.engine.conventions import funding_hours, funding_interval_hours

    assert funding_interval_hours("binance", "BLZUSDT") == 8.0  # nothing fetched: the 8 h default
    path, count = tiers_cli.update_funding("binance", exchange_factory=_offline, today="2026-12-01")
    assert count == 2 and path == data_dir / "funding" / "binance_2026-12-01.json"
    assert funding_interval_hours("binance", "BLZUSDT") == 4.0
    assert funding_interval_hours("binance", "BLZ/USDT:USDT") == 4.0  # ccxt form names the same symbol
    assert funding_interval_hours("binanceusdm", "ETHUSDT") == 8.0
    assert funding_interval_hours("binance", "XRPUSDT") == 8.0  # not fetched: default
    tiers_cli.update_funding("bybit", ["SOLUSDT"], exchange_factory=_offline, today="2026-12-01")
    assert funding_interval_hours("bybit", "SOLUSDT") == 4.0 and funding_interval_hours("bybit", "BTCUSDT") == 8.0
    np.testing.assert_array_equal(funding_hours(["binance", "bybit", "hyperliquid"], ["BLZUSDT", "SOLUSDT", "SOL"]),
                                  [4.0, 4.0, 1.0])
    assert CATALOGUE["LEVXL_FUNDING_INTERVAL"]("binance", "BLZUSDT") == 4.0


def test_funding_flag_on_the_update_command(data_dir, monkeypatch):
    from click.testing import CliRunner

    from levxl.cli import main
    from levxl.cli import tiers as tiers_cli

    def offline(venue):
        ex = _offline(venue)
        ex.fetch_leverage_tiers = lambda symbols=None, params={}: {}
        return ex

    monkeypatch.setattr(tiers_cli, "_exchange", offline)
    result = CliRunner().invoke(main, ["tiers", "update", "--funding", "binance"])
    assert result.exit_code == 0, result.output
    assert "2 funding intervals" in result.output


# -- shipped tier tables against the numbers their source quotes ------------------------------------------------
# Hyperliquid docs "Margin tiers": "at 20x max leverage, maintenance_margin_rate = 2.5%"; mainnet BTC 0-150M 40x,
# >150M 20x; ETH 0-100M 25x, >100M 15x; SOL 0-70M 20x, >70M 10x; XRP 0-40M 20x, >40M 10x; DOGE (and its group)
# 0-20M 10x, >20M 5x; OP (and its group) 0-3M 10x, >3M 5x; deduction by the documented recursion.
@pytest.mark.parametrize("name, below, lev_below, lev_above, rate_below", [
    ("hyperliquid:BTC", 150e6, 40, 20, 0.0125), ("hyperliquid:ETH", 100e6, 25, 15, 0.02),
    ("hyperliquid:SOL", 70e6, 20, 10, 0.025), ("hyperliquid:XRP", 40e6, 20, 10, 0.025),
    ("hyperliquid:DOGE", 20e6, 10, 5, 0.05), ("hyperliquid:kPEPE", 20e6, 10, 5, 0.05),
    ("hyperliquid:HYPE", 20e6, 10, 5, 0.05), ("hyperliquid:OP", 3e6, 10, 5, 0.05),
])
def test_hyperliquid_tables_reproduce_the_margin_tiers_page(name, below, lev_below, lev_above, rate_below):
    t = lx.preset(name)
    assert t.venue == "hyperliquid" and "margin-tiers" in t.source
    assert float(t.max_leverage_at(below * 0.999)) == lev_below and float(t.max_leverage_at(below * 1.001)) == lev_above
    assert float(t.mmr[0]) == pytest.approx(rate_below)  # 1/(2 x max leverage): 20x -> 2.5% as the page says
    # MM continuous at the boundary (the deduction's purpose on the page)
    mm = lambda n: float(t.mmr[np.searchsorted(t.floors, n, side="right") - 1]) * n - float(
        t.cum[np.searchsorted(t.floors, n, side="right") - 1])
    assert mm(below * (1 + 1e-12)) == pytest.approx(mm(below * (1 - 1e-12)), rel=1e-9)


def test_ccxt_and_venue_forms_name_the_same_hyperliquid_table():
    assert lx.preset("hyperliquid:XRP/USDC:USDC") is lx.preset("hyperliquid:XRP")
    assert CATALOGUE["LEVXL_TIERS"]("hyperliquid:SOL")[1][:2] == [1, 0.0]


# Bybit v5 /v5/market/risk-limit (linear) on mainnet, recorded 2026-09-19T18:24:31Z in
# github:VF78/coinmaster@c1d5bedf70bba8e25ea1e95e607cd47206805114:runtime/var/raw/venues/bybit-*-risk-limit.json;
# rows quoted verbatim from the payloads: (id, riskLimitValue, maintenanceMargin, maxLeverage, mmDeduction).
BYBIT_BTCUSDT_ROWS = [(1, "300000", "0.0033", "150.00", ""), (2, "2000000", "0.005", "100.00", "510"),
                      (3, "2600000", "0.0056", "90.00", "1710"), (9, "8500000", "0.01", "50.00", "21010"),
                      (15, "50000000", "0.029", "20.00", "452510"), (25, "100000000", "0.065", "10.00", "3232510"),
                      (34, "800000000", "0.42", "1.43", "98382510"), (35, "1200000000", "0.6", "1.00", "242382510")]
BYBIT_SOLUSDT_ROWS = [(281, "50000", "0.005", "100.00", ""), (282, "100000", "0.0056", "90.00", "30"),
                      (288, "1000000", "0.01", "50.00", "2435"), (294, "10000000", "0.025", "20.00", "81135"),
                      (304, "30000000", "0.05", "10.00", "612135"), (313, "200000000", "0.3497", "1.43", "30869135"),
                      (315, "300000000", "0.5", "1.00", "66399135")]


@pytest.mark.parametrize("name, rows, first_id", [("bybit:BTCUSDT", BYBIT_BTCUSDT_ROWS, 1),
                                                  ("bybit:SOLUSDT", BYBIT_SOLUSDT_ROWS, 281)])
def test_bybit_linear_tables_reproduce_the_recorded_risk_limit_payloads(name, rows, first_id, data_dir):
    t = lx.preset(name)
    assert t.venue == "bybit" and t.as_of == "2026-09-19" and "VF78/coinmaster@c1d5bed" in t.source
    assert t.size == 35 and t.floors[0] == 0 and float(t.caps[-1]) == float(rows[-1][1])
    for rid, cap, mmr, lev, deduction in rows:
        k = rid - first_id
        assert float(t.caps[k]) == float(cap) and float(t.mmr[k]) == float(mmr)
        assert float(t.max_leverage[k]) == float(lev) and float(t.cum[k]) == float(deduction or 0)
        if k:  # Bybit's tiers are bounded by riskLimitValue: a tier starts where the one before it ends
            assert float(t.floors[k]) == float(t.caps[k - 1])
    # every published mmDeduction agrees with the recursion (the table would be refused otherwise), so Bybit's
    # MM = position value x mmr - mmDeduction is continuous across each riskLimitValue
    edges = t.caps[:-1]
    np.testing.assert_allclose(t.maintenance_margin(edges * (1 - 1e-12)), t.maintenance_margin(edges * (1 + 1e-12)),
                               rtol=1e-9)


def test_bybit_tables_in_ccxt_form_and_in_the_spreadsheet(data_dir):
    assert lx.preset("bybit:BTC/USDT:USDT") is lx.preset("bybit:BTCUSDT")
    # 12,000,000 USDT of BTCUSDT is in tier 11 (10M-14M, 1.5%, 40x, mmDeduction 66,510): MM 113,490
    assert float(lx.preset("bybit:BTCUSDT").maintenance_margin(12e6)) == pytest.approx(12e6 * 0.015 - 66_510)
    assert float(lx.preset("bybit:SOLUSDT").max_leverage_at(1.5e6)) == 45
    assert CATALOGUE["LEVXL_TIERS"]("bybit:SOLUSDT")[1][:2] == [1, 0.0]


# Bybit v5 /v5/market/risk-limit (linear) on mainnet through ccxt fetch_leverage_tiers, cached by freqtrade at
# 2024-12-25T12:17:38Z in github:mohsenjfar/user_data@de73dbb87370e81f1c90832cf7da21520d95cb1e:
# data/bybit/futures/leverage_tiers_USDT.json; ETHUSDT's raw rows (each tier's ccxt ``info``) quoted verbatim:
# (id, riskLimitValue, maintenanceMargin, initialMargin, maxLeverage, mmDeduction).
BYBIT_ETHUSDT_RAW = [(11, "900000", "0.005", "0.01", "100.00", ""), (12, "1200000", "0.0056", "0.0111", "90.00", "540"),
                     (18, "5000000", "0.01", "0.02", "50.00", "12220"),
                     (23, "28000000", "0.02", "0.04", "25.00", "168220"),
                     (34, "52000000", "0.06", "0.1", "10.00", "1774220"),
                     (43, "400000000", "0.42", "0.6993", "1.43", "46018220"),
                     (45, "1000000000", "0.6", "1", "1.00", "138018220")]


def test_bybit_ethusdt_table_reproduces_the_cached_risk_limit_rows(data_dir):
    t = lx.preset("bybit:ETHUSDT")
    assert t is lx.preset("bybit:ETH/USDT:USDT") and t.as_of == "2024-12-25"
    assert "mohsenjfar/user_data@de73dbb87370e81f1c90832cf7da21520d95cb1e" in t.source
    assert t.size == 35 and t.floors[0] == 0 and float(t.caps[-1]) == 1e9  # ids 11-45: the whole table
    for rid, cap, mmr, _, lev, deduction in BYBIT_ETHUSDT_RAW:
        k = rid - 11
        assert float(t.caps[k]) == float(cap) and float(t.mmr[k]) == float(mmr)
        assert float(t.max_leverage[k]) == float(lev) and float(t.cum[k]) == float(deduction or 0)
    assert float(t.floors[1]) == 900_000  # a tier starts at the riskLimitValue of the one before it
    # 10,000,000 USDT of ETHUSDT is in id 20 (8M-12M, 1.3%, 40x, mmDeduction 30,220): MM 99,780
    assert float(t.maintenance_margin(10e6)) == pytest.approx(10e6 * 0.013 - 30_220)
    assert float(t.max_leverage_at(10e6)) == 40


def test_bybit_ethusdt_raw_rows_go_through_ccxts_parser_to_the_shipped_rows():
    import ccxt

    ex = ccxt.bybit()
    raw = [{"id": rid, "symbol": "ETHUSDT", "riskLimitValue": cap, "maintenanceMargin": mmr, "initialMargin": im,
            "isLowestRisk": int(rid == 11), "maxLeverage": lev, "mmDeduction": deduction}
           for rid, cap, mmr, im, lev, deduction in BYBIT_ETHUSDT_RAW]
    parsed = ex.parse_market_leverage_tiers(raw, ccxt_market("ETHUSDT", "ETH", "USDT", "USDT"))
    t = lx.preset("bybit:ETHUSDT")
    for p, (rid, *_rest) in zip(parsed, BYBIT_ETHUSDT_RAW):
        k = rid - 11
        assert (float(p["maxNotional"]), p["maintenanceMarginRate"], p["maxLeverage"]) == (
            float(t.caps[k]), float(t.mmr[k]), float(t.max_leverage[k]))


def test_levxl_risk_shows_the_ethusdt_tables_date_and_source_and_flags_it_stale(tmp_path):
    from click.testing import CliRunner
    from levxl.cli import main

    csv = tmp_path / "eth.csv"
    csv.write_text("venue,symbol,side,contract,size,entry,mark,leverage,margin,mmr,funding_rate,vol\n"
                   "bybit,ETHUSDT,long,linear,500,3400,3300,10,,bybit:ETHUSDT,0.0001,0.7\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["risk", str(csv)])
    assert result.exit_code == 0, result.output
    line = next(s for s in result.output.splitlines() if "bybit:ETHUSDT@2024-12-25 (as of 2024-12-25" in s)
    assert "mohsenjfar/user_data@de73dbb" in line and line.rstrip().endswith("STALE")  # older than 90 days
    assert "warning: row 1 bybit ETHUSDT: table bybit:ETHUSDT@2024-12-25 is" in result.output


@pytest.mark.parametrize("preset, fetch", [("okx:XRP-USDT-SWAP", "levxl tiers update okx XRP-USDT-SWAP"),
                                           ("okx:DOGE/USDT:USDT", "levxl tiers update okx DOGE/USDT:USDT")])
def test_unsourced_venue_tables_point_to_the_live_fetch(preset, fetch, data_dir):
    # OKX ships BTC, ETH and SOL only (levxl/data/tiers/SOURCES.md): for another symbol the error says how to fetch
    # the venue's current one
    # (then the preset works: tests/test_tier_presets.py)
    with pytest.raises(ValueError, match="fetches the venue's current table") as info:
        lx.preset(preset)
    assert fetch in str(info.value)
    assert CATALOGUE["LEVXL_TIERS"](preset).startswith("#VALUE!")
