"""The shipped OKX BTC/ETH/SOL-USDT-SWAP position tiers (levxl/data/tiers/okx_swap_2026-05-28.json).

Source: OKX GET /api/v5/public/position-tiers through ccxt, as freqtrade caches it, committed in
github:loveolu/crypto-strategy-research@346d4b70dd15035b77c23d782edfdb3690f542ad
user_data/data/okx/futures/leverage_tiers_USDT.json ("updated" 2026-05-28 19:50:04 UTC); see SOURCES.md. OKX
counts a position's tier in contracts and applies the tier's rate to the whole position (MM = contracts x ctVal x
mark x mmr), so levxl keeps these tables counted by size: OKX's minSz/maxSz x ctVal.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import levxl as lx
from levxl.catalogue import CATALOGUE
from levxl.cli import main
from levxl.cli.tiers import _in_size
from levxl.engine.conventions import within_tier_limits
from levxl.engine.liquidation import liquidation_price, maintenance_margin
from conftest import ccxt_market

# ctVal of each swap: BTC 0.01 and ETH 0.1 as in ccxt's recorded OKX markets (ts/src/test/static/markets/okx.json,
# ccxt commit 3802e1a) and OKX's help "Perpetual swaps" (BTCUSDT "Contract Size 0.01BTC"); SOL 1 (SOURCES.md)
SWAPS = {"okx:BTC-USDT-SWAP": ("BTC-USDT-SWAP", "BTC", 0.01, 99, 20_000),
         "okx:ETH-USDT-SWAP": ("ETH-USDT-SWAP", "ETH", 0.1, 99, 25_000),
         "okx:SOL-USDT-SWAP": ("SOL-USDT-SWAP", "SOL", 1.0, 93, 20_000)}

# The raw OKX rows as the stored file has them in each tier's "info" (strings verbatim: tier, minSz, maxSz, mmr,
# imr, maxLever): the first four tiers, where the steps are irregular, and the last one
RAW = {
    "okx:BTC-USDT-SWAP": [("1", "0", "1000", "0.004", "0.01", "100"),
                          ("2", "1000.01", "5000", "0.005", "0.015", "66.66"),
                          ("3", "5000.01", "20000", "0.0075", "0.02", "50"),
                          ("4", "20000.01", "40000", "0.0125", "0.025", "40"),
                          ("99", "1920000.01", "1940000", "0.4875", "0.5", "2")],
    "okx:ETH-USDT-SWAP": [("1", "0", "5000", "0.004", "0.01", "100"),
                          ("2", "5000.01", "10000", "0.005", "0.015", "66.66"),
                          ("3", "10000.01", "25000", "0.0075", "0.02", "50"),
                          ("4", "25000.01", "50000", "0.0125", "0.025", "40"),
                          ("99", "2400000.01", "2425000", "0.4875", "0.5", "2")],
    "okx:SOL-USDT-SWAP": [("1", "0", "2500", "0.0065", "0.02", "50"),
                          ("2", "2500.01", "10000", "0.01", "0.025", "40"),
                          ("3", "10000.01", "20000", "0.015", "0.05", "20"),
                          ("4", "20000.01", "40000", "0.02", "0.055", "18.18"),
                          ("93", "1800000.01", "1820000", "0.465", "0.5", "2")],
}
# one row exactly as the file writes it, key order and all
BTC_TIER_2_INFO = ('{"baseMaxLoan":"","imr":"0.015","instFamily":"BTC-USDT","instId":"","maxLever":"66.66",'
                   '"maxSz":"5000","minSz":"1000.01","mmr":"0.005","optMgnFactor":"0","quoteMaxLoan":"","tier":"2",'
                   '"uly":"BTC-USDT"}')


def _info(base, tier, min_sz, max_sz, mmr, imr, max_lever):
    return {"baseMaxLoan": "", "imr": imr, "instFamily": f"{base}-USDT", "instId": "", "maxLever": max_lever,
            "maxSz": max_sz, "minSz": min_sz, "mmr": mmr, "optMgnFactor": "0", "quoteMaxLoan": "", "tier": tier,
            "uly": f"{base}-USDT"}


def test_the_quoted_rows_have_the_files_shape():
    assert json.dumps(_info("BTC", *RAW["okx:BTC-USDT-SWAP"][1]), separators=(",", ":")) == BTC_TIER_2_INFO


@pytest.mark.parametrize("preset", sorted(SWAPS))
def test_okx_raw_rows_through_ccxts_parser_give_the_shipped_rows(preset):
    import ccxt

    inst_id, base, ct_val, _, _ = SWAPS[preset]
    ex = ccxt.okx()
    ex.set_markets([ccxt_market(inst_id, base, "USDT", "USDT", ct_val)])
    symbol = f"{base}/USDT:USDT"
    parsed = ex.parse_market_leverage_tiers([_info(base, *row) for row in RAW[preset]], ex.market(symbol))
    sized, note = _in_size(ex, symbol, parsed)  # what `levxl tiers update okx` stores
    assert note.endswith(f"contractSize {ct_val:g}")
    t = lx.preset(preset)
    for row, tier in zip(RAW[preset], sized):
        k = int(row[0]) - 1
        assert (float(t.floors[k]), float(t.caps[k]), float(t.mmr[k]), float(t.max_leverage[k])) == (
            tier["minNotional"], tier["maxNotional"], tier["maintenanceMarginRate"], tier["maxLeverage"])


@pytest.mark.parametrize("preset", sorted(SWAPS))
def test_okx_tables_are_whole_and_step_as_okx_publishes_them(preset):
    _, base, ct_val, count, step = SWAPS[preset]
    t = lx.preset(preset)
    assert t.venue == "okx" and t.as_of == "2026-05-28" and t.counted_by == "size" and t.size == count
    assert "loveolu/crypto-strategy-research@346d4b70dd15035b77c23d782edfdb3690f542ad" in t.source
    assert t.cum.tolist() == [0.0] * count  # the tier's rate on the whole position: no maintenance amount
    # each tier starts one lot (0.01 contract) above the cap before it
    np.testing.assert_allclose(t.floors[1:], t.caps[:-1] + 0.01 * ct_val, rtol=1e-13)
    # from tier 4 on OKX adds a fixed number of contracts and 0.5 % of mmr per tier (imr too: max leverage falls)
    np.testing.assert_allclose(np.diff(t.caps[3:]), step * ct_val, rtol=1e-12)
    np.testing.assert_allclose(np.diff(t.mmr[3:]), 0.005, atol=1e-12)
    assert np.all(np.diff(t.max_leverage) <= 0) and float(t.max_leverage[-1]) == 2
    last = RAW[preset][-1]
    assert float(t.caps[-1]) == pytest.approx(float(last[2]) * ct_val, rel=1e-15)


@pytest.mark.parametrize("preset, size, rate", [
    ("okx:BTC-USDT-SWAP", 10, 0.004),       # 1,000 contracts: the top of tier 1 (maxSz 1000)
    ("okx:BTC-USDT-SWAP", 10.0001, 0.005),  # 1,000.01 contracts: tier 2
    ("okx:BTC-USDT-SWAP", 12, 0.005),       # 1,200 contracts
    ("okx:BTC-USDT-SWAP", 300, 0.0125),     # 30,000 contracts: tier 4 (20,000.01-40,000)
    ("okx:ETH-USDT-SWAP", 600, 0.005),      # 6,000 contracts: tier 2 (5,000.01-10,000)
    ("okx:SOL-USDT-SWAP", 3000, 0.01),      # 3,000 contracts: tier 2 (2,500.01-10,000)
])
def test_maintenance_margin_is_the_size_tiers_rate_on_the_whole_position(preset, size, rate):
    mark = 60_000.0
    # OKX: MM = contracts x ctVal x mark x the tier's mmr; levxl's size is contracts x ctVal
    assert float(maintenance_margin(size, price=mark, mmr=preset)) == pytest.approx(size * mark * rate, rel=1e-15)
    flat = float(liquidation_price("long", 61_000, size, leverage=20, mmr=rate))
    assert float(liquidation_price("long", 61_000, size, leverage=20, mmr=preset)) == pytest.approx(flat, rel=1e-13)


def test_okx_tier_caps_are_enforced():
    # 12 BTC at 75x: tier 2 allows 66.66x; 19,400 BTC is the top cap (1,940,000 contracts), 19,500 is past it
    assert not bool(within_tier_limits(12, 60_000, 75, "okx:BTC-USDT-SWAP"))
    assert bool(within_tier_limits(12, 60_000, 66, "okx:BTC-USDT-SWAP"))
    assert bool(within_tier_limits(19_400, 60_000, 2, "okx:BTC-USDT-SWAP"))
    assert not bool(within_tier_limits(19_500, 60_000, 1, "okx:BTC-USDT-SWAP"))


def test_the_max_leverage_for_a_stop_in_the_spreadsheet_counts_the_size():
    f = CATALOGUE["LEVXL_MAX_LEVERAGE"]
    assert f("long", 60_000, 30_000, "okx:BTC-USDT-SWAP") == f("long", 60_000, 30_000, 0.004)  # no size: tier 1
    assert f("long", 60_000, 59_900, "okx:BTC-USDT-SWAP") == 100  # tier 1's cap binds a tight stop
    assert f("long", 60_000, 59_900, "okx:BTC-USDT-SWAP", 0, "linear", 0, 12) == 66.66  # 12 BTC: tier 2


def test_okx_presets_in_every_form_and_in_the_spreadsheet():
    t = lx.preset("okx:BTC-USDT-SWAP")
    assert t is lx.preset("okx:BTC/USDT:USDT") is lx.preset("okx:BTCUSDT") is lx.preset("okx:BTC-USDT-SWAP@2026-05-28")
    grid = CATALOGUE["LEVXL_TIERS"]("okx:SOL-USDT-SWAP")
    assert grid[0] == ["tier", "size floor", "size cap", "max leverage", "mmr", "cum"]
    assert grid[1] == [1, 0.0, 2500.0, 50.0, 0.0065, 0.0] and grid[2] == [2, 2500.01, 10000.0, 40.0, 0.01, 0.0]
    assert len(grid) == 1 + 93


def test_levxl_risk_names_the_okx_tables_and_flags_them_stale(tmp_path):
    csv = tmp_path / "okx.csv"
    csv.write_text("venue,symbol,side,contract,size,entry,mark,leverage,margin,mmr,funding_rate,vol\n"
                   "okx,BTC-USDT-SWAP,long,linear,12,61000,60000,20,,,0.0001,0.55\n"
                   "okx,SOL-USDT-SWAP,short,linear,3000,140,139,10,,okx:SOL/USDT:USDT,0.0001,0.9\n",
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["risk", str(csv)])
    assert result.exit_code == 0, result.output
    for row, name in ((1, "okx:BTCUSDT@2026-05-28"), (2, "okx:SOLUSDT@2026-05-28")):
        line = next(s for s in result.output.splitlines() if s.lstrip().startswith(f"row {row} okx")
                    and f"{name} (as of 2026-05-28" in s)
        assert "loveolu/crypto-strategy-research@346d4b7" in line and line.rstrip().endswith("STALE")
    assert "MISSING" not in result.output
