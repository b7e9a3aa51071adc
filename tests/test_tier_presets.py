"""Tier presets for every stored symbol: the shipped Binance USD-M pack, ccxt and venue symbol forms, tables fetched
by `levxl tiers update` (offline: ccxt's own parsers fed payloads shaped like each venue's API documentation), the
per-position provenance and warnings, and tier limits."""

import json
import os
from datetime import date, timedelta

import ccxt
import numpy as np
import pytest
from click.testing import CliRunner

from conftest import binance_snapshot, ccxt_market

import levxl as lx
from levxl.book import venue_rules
from levxl.book.positions import book_from_records
from levxl.catalogue import CATALOGUE
from levxl.cli import main
from levxl.cli import tiers as tiers_cli
from levxl.engine import tier_store



def test_every_binance_usdm_symbol_is_shipped_with_venue_symbol_date_and_source():
    names = [n for n in lx.presets() if n.startswith("binance:") and n.endswith("@2024-10-24")]
    assert len(names) == 349
    for name in ("binance:ETHUSDT", "binance:SOLUSDT", "binance:XRPUSDT", "binance:DOGEUSDT", "binance:1000BONKUSDC"):
        t = lx.preset(name)
        assert (t.venue, t.as_of) == ("binance", "2024-10-24") and "freqtrade" in t.source


def test_the_pack_reproduces_the_shared_ccxt_snapshot():
    raw = binance_snapshot()
    for symbol in ("ETH/USDT:USDT", "DOGE/USDT:USDT", "1000BONK/USDC:USDC"):
        t = lx.preset(f"binance:{symbol}")
        tiers = raw[symbol]
        np.testing.assert_allclose(t.floors, [x["minNotional"] for x in tiers])
        np.testing.assert_allclose(t.mmr, [x["maintenanceMarginRate"] for x in tiers])
        np.testing.assert_allclose(t.max_leverage, [x["maxLeverage"] for x in tiers])
        np.testing.assert_allclose(t.cum, [float(x["info"]["cum"]) for x in tiers], atol=1e-6)


@pytest.mark.parametrize("ccxt_form, venue_form", [
    ("binance:ETH/USDT:USDT", "binance:ETHUSDT"), ("binanceusdm:ETHUSDT", "BINANCE:ethusdt"),
    ("hyperliquid:SOL/USDC:USDC", "hyperliquid:SOL"), ("hl:BTC", "hyperliquid:BTC@2026-12-01"),
])
def test_ccxt_and_venue_forms_name_the_same_table(ccxt_form, venue_form):
    assert lx.preset(ccxt_form) is lx.preset(venue_form)


def test_an_unsourced_preset_says_how_to_get_it():
    for name in ("bybit:XRPUSDT", "okx:XRP-USDT-SWAP"):  # neither shipped (bybit:ETHUSDT is since 2024-12-25,
        # okx:BTC-USDT-SWAP since 2026-05-28)
        with pytest.raises(ValueError, match="levxl tiers update"):
            lx.preset(name)
    assert CATALOGUE["LEVXL_TIERS"]("okx:XRP-USDT-SWAP").startswith("#VALUE! unknown tier preset")


def test_uncapped_top_tier_shows_no_cap():
    rows = CATALOGUE["LEVXL_TIERS"]("hyperliquid:ETH")
    assert rows[-1][2] == "no cap" and rows[-1][5] == pytest.approx(1_333_333.333, abs=0.01)


# -- fetched tables (offline) -----------------------------------------------------------------------------------------
# Payloads shaped like the venues' API documentation (GET /fapi/v1/leverageBracket, /v5/market/risk-limit,
# /api/v5/public/position-tiers); the numbers are test data, not venue tables.
BINANCE_BRACKETS = [{"symbol": "ETHUSDT", "brackets": [
    {"bracket": 1, "initialLeverage": 125, "notionalCap": 20000, "notionalFloor": 0, "maintMarginRatio": 0.004,
     "cum": 0.0},
    {"bracket": 2, "initialLeverage": 100, "notionalCap": 200000, "notionalFloor": 20000, "maintMarginRatio": 0.005,
     "cum": 20.0},
    {"bracket": 3, "initialLeverage": 50, "notionalCap": 5000000, "notionalFloor": 200000, "maintMarginRatio": 0.01,
     "cum": 1020.0}]}]
BYBIT_RISK_LIMIT = [
    {"id": 1, "symbol": "BTCUSDT", "riskLimitValue": "2000000", "maintenanceMargin": "0.005", "initialMargin": "0.01",
     "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""},
    {"id": 2, "symbol": "BTCUSDT", "riskLimitValue": "2600000", "maintenanceMargin": "0.0056",
     "initialMargin": "0.0111", "isLowestRisk": 0, "maxLeverage": "90.00", "mmDeduction": "1200"}]
OKX_POSITION_TIERS = [
    {"instId": "BTC-USDT-SWAP", "uly": "BTC-USDT", "instFamily": "BTC-USDT", "tier": "1", "minSz": "0",
     "maxSz": "500", "mmr": "0.004", "imr": "0.008", "maxLever": "125", "optMgnFactor": "0", "quoteMaxLoan": "",
     "baseMaxLoan": ""},
    {"instId": "BTC-USDT-SWAP", "uly": "BTC-USDT", "instFamily": "BTC-USDT", "tier": "2", "minSz": "501",
     "maxSz": "1000", "mmr": "0.005", "imr": "0.01", "maxLever": "100", "optMgnFactor": "0", "quoteMaxLoan": "",
     "baseMaxLoan": ""}]


def _offline(venue):
    """A ccxt exchange whose network calls return the documented payloads through ccxt's own parsers."""
    if venue == "binance":
        ex = ccxt.binanceusdm()
        ex.set_markets([ccxt_market("ETHUSDT", "ETH", "USDT", "USDT")])
        ex.fetch_leverage_tiers = lambda symbols=None, params={}: ex.parse_leverage_tiers(BINANCE_BRACKETS, symbols,
                                                                                           "symbol")
    elif venue == "bybit":
        ex = ccxt.bybit()
        ex.set_markets([ccxt_market("BTCUSDT", "BTC", "USDT", "USDT")])
        ex.fetch_market_leverage_tiers = lambda symbol, params={}: ex.parse_market_leverage_tiers(
            BYBIT_RISK_LIMIT, ex.market(symbol))
    else:
        ex = ccxt.okx()
        ex.set_markets([ccxt_market("BTC-USDT-SWAP", "BTC", "USDT", "USDT", 0.01)])
        ex.fetch_market_leverage_tiers = lambda symbol, params={}: ex.parse_market_leverage_tiers(
            OKX_POSITION_TIERS, ex.market(symbol))
    ex.load_markets = lambda *a, **k: ex.markets
    return ex


def test_update_writes_dated_tables_that_presets_then_prefer(data_dir, monkeypatch):
    monkeypatch.setattr(tiers_cli, "_exchange", _offline)
    result = CliRunner().invoke(main, ["tiers", "update", "binance", "ETHUSDT"])
    assert result.exit_code == 0, result.output
    today = date.today().isoformat()
    assert (data_dir / "tiers" / f"binance_{today}.json").exists()
    t = lx.preset("binance:ETH/USDT:USDT")  # the fetched table is newer than the shipped 2024-10-24 one
    assert t.as_of == today and "fetch_leverage_tiers" in t.source and t.cum.tolist() == [0, 20, 1020]
    assert lx.preset("binance:ETHUSDT@2024-10-24").as_of == "2024-10-24"  # the shipped one is still there
    assert f"binance:ETHUSDT@{today}" in lx.presets()


def test_update_bybit_and_okx_make_their_presets_work(data_dir, monkeypatch):
    monkeypatch.setattr(tiers_cli, "_exchange", _offline)
    for args in (["bybit", "BTCUSDT"], ["okx", "BTC-USDT-SWAP"]):
        result = CliRunner().invoke(main, ["tiers", "update", *args])
        assert result.exit_code == 0, result.output
    bybit = lx.preset("bybit:BTCUSDT")
    assert bybit.cum.tolist() == [0, 1200] and "bybit:BTCUSDT" in bybit.name and bybit.max_leverage.tolist() == [100, 90]  # mmDeduction checked
    okx = lx.preset("okx:BTC-USDT-SWAP")
    assert okx is lx.preset("okx:BTC/USDT:USDT")
    # OKX counts contracts (0.01 BTC each) and applies the tier's rate to the whole position: a table counted by
    # size, no price needed (it had been converted to notional at the fetch's price, with levxl's cum below OKX's)
    assert okx.counted_by == "size" and okx.cum.tolist() == [0, 0]
    np.testing.assert_allclose(okx.caps, [500 * 0.01, 1000 * 0.01])  # contracts -> BTC
    assert okx.as_of == date.today().isoformat()  # the fetched table, newer than the shipped 2026-05-28 one
    ok, _ = tiers_cli._in_size(_offline("okx"), "BTC/USDT:USDT", [{"minNotional": 20000.01, "maxNotional": 40000}])
    assert (ok[0]["minNotional"], ok[0]["maxNotional"]) == (200.0001, 400.0)  # in decimals: 200.00009999999997 in floats
    assert "counted by size" in okx.source
    assert CATALOGUE["LEVXL_TIERS"]("bybit:XRPUSDT").startswith("#VALUE!")  # only what was fetched or shipped
    assert CATALOGUE["LEVXL_TIERS"]("bybit:BTCUSDT")[1][:2] == [1, 0.0]
    # the same preset in a positions file
    book = book_from_records([{"venue": "bybit", "symbol": "BTCUSDT", "side": "long", "size": 1, "entry": 60_000,
                               "leverage": 10, "mmr": "bybit:BTCUSDT"}])
    assert not book.issues and venue_rules.tier_provenance(book)[0].status == "ok"


def test_a_venue_refusing_a_stale_deduction_is_reported_not_stored(data_dir, monkeypatch):
    bad = json.loads(json.dumps(BINANCE_BRACKETS))
    bad[0]["brackets"][2]["cum"] = 999.0  # contradicts the recursion (1,020)

    def offline(venue):
        ex = _offline(venue)
        ex.fetch_leverage_tiers = lambda symbols=None, params={}: ex.parse_leverage_tiers(bad, symbols, "symbol")
        return ex

    path, names, problems = tiers_cli.update_tables("binance", ["ETHUSDT"], exchange_factory=offline)
    assert names == [] and "inconsistent" in problems[0]


def test_a_venue_ccxt_cannot_fetch_is_a_clear_error(data_dir):
    result = CliRunner().invoke(main, ["tiers", "update", "hyperliquid"])
    assert result.exit_code != 0 and "cannot fetch hyperliquid" in result.output


# -- provenance, warnings and limits --------------------------------------------------------------------------------
def _book():
    return book_from_records([
        {"venue": "binance", "symbol": "BTCUSDT", "side": "long", "size": 10, "entry": 100_000, "leverage": 100,
         "mmr": "binance:BTCUSDT"},                                            # 1e6 notional: tier 3 allows 75x
        {"venue": "hyperliquid", "symbol": "SOL", "side": "short", "size": 10, "entry": 150, "leverage": 5,
         "mmr": "hyperliquid:SOL"},
        {"venue": "binance", "symbol": "ETHUSDT", "side": "long", "size": 1, "entry": 3000, "leverage": 10,
         "mmr": 0.005},
        {"venue": "deribit", "symbol": "BTC-PERPETUAL", "side": "short", "size": 1000, "entry": 60_000,
         "leverage": 10, "contract": "inverse", "mmr": 0.005, "mark": 60_000},
    ])


def test_provenance_names_table_date_source_and_flags_stale_and_missing():
    uses = venue_rules.tier_provenance(_book(), as_of="2026-12-01")
    assert [u.status for u in uses] == ["stale", "ok", "missing", "missing"]
    assert uses[0].table == "binance:BTCUSDT@2024-10-24" and uses[0].age_days == 768
    assert uses[1].as_of == "2026-12-01" and uses[1].funding_hours == 1.0 and uses[1].profile == "hyperliquid"
    assert "binance:ETHUSDT@2024-10-24 exists" in uses[2].warning
    assert "none can be fetched" in uses[3].warning and uses[3].profile == "deribit"
    fresh = venue_rules.tier_provenance(_book(), as_of=date(2024, 10, 24) + timedelta(days=90))
    assert fresh[0].status == "ok"
    rows = venue_rules.provenance_rows(_book(), as_of="2026-12-01")
    assert rows[0][:5] == ["row", "venue", "symbol", "venue profile", "tier table"] and len(rows) == 5


def test_tier_limits_flag_leverage_beyond_the_tier():
    flags = venue_rules.tier_limits(_book())
    assert [f.row for f in flags] == [1]
    assert flags[0].max_leverage == 75 and "exceeds the tier's max 75x" in flags[0].message
    assert any("TIER LIMIT" in w for w in venue_rules.warnings(_book(), "2026-12-01"))


def test_the_loader_picks_the_profile_from_the_venue_name():
    assert [p.id for p in _book().profiles] == ["binance-usdm", "hyperliquid", "binance-usdm", "deribit"]
    found = venue_rules.profiles_for(["bybit", "binance", "nowhere"], ["inverse", "inverse", "linear"])
    assert [p.id if p else None for p in found] == ["bybit-inverse", "binance-coinm", None]


def test_levxl_risk_on_the_bundled_example_names_tables_and_flags():
    result = CliRunner().invoke(main, ["risk"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("tier tables (stale after 90 days):") + 1
    section = lines[start:start + 8]

    def tier_line(row):
        return next(line for line in section if line.startswith(f"  row {row} "))

    # each row names the table and date it used: the example's blank mmr cells take the venue's own table
    assert "binance:BTCUSDT@2024-10-24 (as of 2024-10-24" in tier_line(1) and tier_line(1).endswith("STALE")
    assert "binance:ETHUSDT@2024-10-24 (as of 2024-10-24" in tier_line(3) and tier_line(3).endswith("STALE")
    assert "okx:SOLUSDT@2026-05-28 (as of 2026-05-28" in tier_line(5) and tier_line(5).endswith("STALE")
    assert "hyperliquid:BTC@2026-12-01 (as of 2026-12-01" in tier_line(6)
    assert "binance:DOGEUSDT@2024-10-24" in tier_line(8)
    # and flags the missing ones: no Bybit inverse or Deribit table is stored, so the flat default, said so
    assert tier_line(4).endswith("flat 0.005 (no tier table)  MISSING") and tier_line(7).endswith("MISSING")
    assert "warning: row 4 bybit BTCUSD: flat maintenance rate 0.005 used; no bybit:BTCUSD table stored" in result.output
    # the Bybit row is figured where Bybit measures maintenance (the entry value): its own number, not a side note
    row4 = next(line for line in lines if line.startswith("4 "))
    assert "52,719.7" in row4 and "row 4 bybit BTCUSD [bybit-inverse]: liquidation" not in result.output
    # the OKX row's own price has the taker fee inside the threshold, and says so
    row5 = next(line for line in lines if line.startswith("5 "))
    assert "134.592" in row5
    assert "row 5 okx SOL-USDT-SWAP [okx-swap]: taker 0.05% inside the threshold" in result.output
    assert "row 4 bybit BTCUSD [bybit-inverse]: MM on the entry value" in result.output


def test_every_pack_symbol_has_one_table_for_both_spellings():
    raw = binance_snapshot()
    for symbol in raw:
        base, _, rest = symbol.partition("/")
        quote, _, settle = rest.partition(":")
        expiry = settle.partition("-")[2]
        venue_form = base + quote + (f"_{expiry}" if expiry else "")  # Binance's own id
        assert lx.preset(f"binance:{symbol}") is lx.preset(f"binance:{venue_form}"), symbol


def test_featured_presets_are_the_shipped_csv_tables_only(data_dir, monkeypatch):
    monkeypatch.setattr(tiers_cli, "_exchange", _offline)
    assert CliRunner().invoke(main, ["tiers", "update", "bybit", "BTCUSDT"]).exit_code == 0
    featured = lx.presets(featured=True)
    assert featured == ["binance:BTCUSDT@2021", "binance:BTCUSDT@2024-10-24", "hyperliquid:BTC@2026-12-01",
                        "hyperliquid:ETH@2026-12-01", "hyperliquid:SOL@2026-12-01"]
    assert any(n.startswith("bybit:BTCUSDT@") for n in lx.presets())
    listed = CliRunner().invoke(main, ["tiers", "list", "bybit"])
    assert listed.exit_code == 0 and "fetched" in listed.output


# -- a damaged or hostile user data folder ---------------------------------------------------------------------------
def _hostile_pack(tiers) -> dict:
    return {"format": "levxl-tiers-1", "venue": "binance", "market": "usdm", "as_of": "2099-01-01",
            "source": "damaged", "tables": {"BTCUSDT": {"tiers": tiers}}}


@pytest.mark.parametrize("tiers", [[[None, None, None, None, None]], [[0, 1]], ["abc"], {"a": 1}])
def test_a_damaged_fetched_table_is_refused_and_the_shipped_one_stands(data_dir, tiers, capsys):
    folder = data_dir / "tiers"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "binance_usdm_2025-06-01.json").write_text(json.dumps({**_hostile_pack(tiers), "as_of": "2025-06-01"}))
    tier_store.refresh()
    assert lx.preset("binance:BTCUSDT").as_of == "2024-10-24"  # a TypeError/IndexError traceback in `levxl risk` before
    assert "binance_usdm_2025-06-01.json" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"binance:BTCUSDT@2025-06-01 in .*binance_usdm_2025-06-01.json is refused "
                                         r"\(.*(a row is not .* the stored table is damaged|notional floor)"):
        lx.preset("binance:BTCUSDT@2025-06-01")
    result = CliRunner().invoke(main, ["risk", "--csv"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev/zero are POSIX")
@pytest.mark.parametrize("kind", ["fifo", "devzero", "deep"])
def test_a_hostile_file_in_the_data_folder_is_skipped_in_bounded_time_and_memory(data_dir, kind):
    for folder, name in ((data_dir / "tiers", "binance_usdm_2099-01-01.json"), (data_dir / "funding",
                                                                                "binance_2099-01-01.json")):
        folder.mkdir(parents=True, exist_ok=True)
        if kind == "fifo":  # open() alone blocked for good
            os.mkfifo(folder / name)
        elif kind == "devzero":  # read_text() read without end (11 GB in 20 s)
            os.symlink("/dev/zero", folder / name)
        else:  # a RecursionError traceback
            (folder / name).write_text('{"format": "levxl-tiers-1", "tables": ' + "[" * 100_000 + "]" * 100_000 + "}")
    tier_store.refresh()
    assert lx.preset("binance:BTCUSDT").as_of == "2024-10-24"  # the shipped table stands
    assert tier_store.funding_interval("binance", "BTCUSDT") is None
    result = CliRunner().invoke(main, ["tiers", "list", "binance"])
    assert result.exit_code == 0 and "@2099" not in result.output  # no table from it; the file is listed as refused
    assert [line.split()[:2] for line in result.output.splitlines() if "2099" in line] == [
        ["binance_usdm_2099-01-01.json", "refused"]]


def test_update_merges_over_a_damaged_same_day_file_and_an_unwritable_folder_is_one_line(data_dir, monkeypatch):
    monkeypatch.setattr(tiers_cli, "_exchange", _offline)
    folder = data_dir / "tiers"
    folder.mkdir(parents=True, exist_ok=True)
    today = tiers_cli.datetime.now(tiers_cli.timezone.utc).date().isoformat()
    same_day = folder / f"binance_{today}.json"
    same_day.write_text(json.dumps({"format": "levxl-tiers-1", "tables": ["not", "a", "map"]}))  # TypeError before
    result = CliRunner().invoke(main, ["tiers", "update", "binance", "ETHUSDT"])
    assert result.exit_code == 0, result.output
    assert list(json.loads(same_day.read_text())["tables"]) == ["ETHUSDT"]
    same_day.write_text(json.dumps({**_hostile_pack([[0, 1]]), "as_of": today}))  # a damaged table is not carried
    assert CliRunner().invoke(main, ["tiers", "update", "binance", "ETHUSDT"]).exit_code == 0
    assert list(json.loads(same_day.read_text())["tables"]) == ["ETHUSDT"]
    blocker = data_dir / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LEVXL_DATA_DIR", str(blocker / "levxl"))  # a folder no one can create, root included
    tier_store.refresh()
    result = CliRunner().invoke(main, ["tiers", "update", "binance", "ETHUSDT"])  # OutputError traceback before
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert "cannot write" in result.output and "LEVXL_DATA_DIR" in result.output
