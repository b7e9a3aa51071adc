"""Fetched tier tables that levxl refuses: a table in the user data folder (``levxl tiers update``) that fails a
table's checks, is dated after today (UTC), or sits in a damaged file is not used. One stderr line names the file,
the symbol and the reason; ``levxl tiers list`` lists it; the next-newest table (the shipped one here) applies, so
the run computes every position; a preset naming the refused table by its date refuses that row only.

The packs are written with :func:`levxl.engine.tier_store.pack` from ccxt-shaped tiers (test data, not venue
tables), into the temporary ``LEVXL_DATA_DIR`` of the ``data_dir`` fixture (conftest)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

import levxl as lx
from levxl.book import venue_rules
from levxl.book.positions import load_positions
from levxl.cli import main
from levxl.engine import tier_store
from levxl.engine.tiers import TierTable

SHIPPED_BYBIT_BTC = "bybit:BTCUSDT@2026-09-19"
SHIPPED_OKX_ETH = "okx:ETHUSDT@2026-05-28"
BOOK = ("venue,symbol,side,size,entry,mark,leverage,mmr\n"
        "bybit,BTCUSDT,long,1,60000,60000,10,{first}\n"
        "binance,ETHUSDT,long,1,3000,3000,10,\n"
        "okx,ETH-USDT-SWAP,long,1,3000,3000,10,\n"
        "hyperliquid,SOL,long,100,150,150,10,0.01\n")


def _today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def _tier(floor, cap, leverage, mmr, cum=None) -> dict:
    """One ccxt ``LeverageTier`` (``info.cum`` as Binance reports it)."""
    return {"minNotional": floor, "maxNotional": cap, "maxLeverage": leverage, "maintenanceMarginRate": mmr,
            "info": {} if cum is None else {"cum": cum}}


GOOD = [_tier(0, 50_000, 125, 0.004), _tier(50_000, None, 100, 0.005)]


def _write(folder, venue: str, as_of: str, tiers_by_symbol: dict, counted_by: str = "notional", edit=None):
    """A pack as ``levxl tiers update`` writes it (``edit(packed)`` damages it first); the store re-read."""
    folder = folder / "tiers"
    folder.mkdir(parents=True, exist_ok=True)
    packed = tier_store.pack(venue, "linear", as_of, f"test {venue} {as_of}", tiers_by_symbol, counted_by=counted_by)
    if edit:
        edit(packed)
    path = folder / f"{venue}_{as_of}.json"
    path.write_text(json.dumps(packed))
    tier_store.refresh()
    return path


def _unsorted(packed):
    packed["tables"]["BTCUSDT"]["tiers"].reverse()  # pack() sorts; a hand-edited file need not be


def _nan_mmr(packed):
    packed["tables"]["BTCUSDT"]["tiers"][0][3] = float("nan")  # pack() writes null; json.dumps writes NaN


BAD_VALUES = {
    "negative mmr": (dict(tiers=[_tier(0, 50_000, 125, -0.004), _tier(50_000, None, 100, 0.005)]),
                     "mmr must be fractions in [0, 1), got [-0.004, 0.005]"),
    "mmr 1.5": (dict(tiers=[_tier(0, None, 50, 1.5)]), "mmr must be fractions in [0, 1), got [1.5]"),
    "NaN mmr": (dict(tiers=GOOD, edit=_nan_mmr), "mmr must be fractions in [0, 1), got [nan, 0.005]"),
    "null mmr": (dict(tiers=[_tier(0, None, 50, float("nan"))]), "the stored table is damaged"),
    "unsorted floors": (dict(tiers=GOOD, edit=_unsorted), "the first notional floor must be 0, got 50000"),
    "inconsistent cum": (dict(tiers=[_tier(0, 50_000, 125, 0.004, 0), _tier(50_000, None, 100, 0.005, 999)]),
                         "cum of tier 2 is 999 but the recursion floor*(mmr - previous mmr) + previous cum gives 50"),
    "wrong counted_by": (dict(tiers=GOOD, counted_by="contracts"), "counted_by must be one of"),
}


@pytest.mark.parametrize("kind", list(BAD_VALUES))
def test_a_bad_values_table_is_refused_naming_the_file_and_the_run_computes_every_row(data_dir, capsys, kind):
    spec, reason = BAD_VALUES[kind]
    path = _write(data_dir, "bybit", _today(), {"BTC/USDT:USDT": spec["tiers"]},
                  counted_by=spec.get("counted_by", "notional"), edit=spec.get("edit"))
    assert lx.preset("bybit:BTCUSDT").name == SHIPPED_BYBIT_BTC  # the fetched one is newer, but refused
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if str(path) in line]
    assert len(lines) == 1 and "BTCUSDT" in lines[0] and reason in lines[0], err
    assert "np.float64" not in err

    book_path = data_dir / "book.csv"
    book_path.write_text(BOOK.format(first=""))
    book = load_positions(book_path)
    assert len(book) == 4 and book.issues == []  # the whole run failed on row 1 before
    used = {u.row: u.table for u in venue_rules.tier_provenance(book)}
    assert used[1] == SHIPPED_BYBIT_BTC and used[2] == "binance:ETHUSDT@2024-10-24" and used[3] == SHIPPED_OKX_ETH
    result = CliRunner().invoke(main, ["risk", str(book_path), "--csv"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert [line.split(",")[0] for line in result.stdout.strip().splitlines()[1:]] == ["1", "2", "3", "4"]


def test_an_okx_table_with_a_wrong_counted_by_leaves_the_shipped_table_not_a_flat_rate(data_dir):
    _write(data_dir, "okx", _today(), {"ETH/USDT:USDT": GOOD}, counted_by="contracts")
    book_path = data_dir / "book.csv"
    book_path.write_text(BOOK.format(first=""))
    use = venue_rules.tier_provenance(load_positions(book_path))[2]
    assert use.table == SHIPPED_OKX_ETH and "flat" not in use.warning  # "flat 0.005 ... no table stored" before


def test_a_table_dated_after_today_is_refused_and_does_not_hide_the_real_ones(data_dir, capsys):
    tomorrow = (datetime.now(timezone.utc).date() + timedelta(days=1)).isoformat()
    path = _write(data_dir, "bybit", tomorrow, {"BTC/USDT:USDT": GOOD, "ETH/USDT:USDT": GOOD})
    assert lx.preset("bybit:BTCUSDT").name == SHIPPED_BYBIT_BTC  # it was used, "-1 days old", hiding the rest
    err = capsys.readouterr().err
    assert f"{path}: dated {tomorrow}, after today ({_today()} UTC); its 2 tables (BTCUSDT, ETHUSDT) not used" in err
    with pytest.raises(ValueError, match=rf"bybit:BTCUSDT@{tomorrow} in .*bybit_{tomorrow}.json is refused \(dated"):
        lx.preset(f"bybit:BTCUSDT@{tomorrow}")
    far = _write(data_dir, "binance", "2099-01-01", {"DOGE/USDT:USDT": GOOD})
    assert lx.preset("binance:DOGEUSDT").as_of == "2024-10-24"
    assert str(far) in capsys.readouterr().err


def test_a_table_fetched_today_is_used(data_dir):
    _write(data_dir, "bybit", _today(), {"BTC/USDT:USDT": GOOD})
    table = lx.preset("bybit:BTCUSDT")
    assert table.as_of == _today() and tier_store.refused() == []


def test_a_table_dated_tomorrow_is_used_once_the_date_comes(data_dir, monkeypatch):
    today = datetime.now(timezone.utc).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    _write(data_dir, "bybit", tomorrow, {"BTC/USDT:USDT": GOOD})
    before = tier_store.generation()
    assert lx.preset("bybit:BTCUSDT").name == SHIPPED_BYBIT_BTC
    monkeypatch.setattr(tier_store, "_today", lambda: today + timedelta(days=1))
    tier_store.refresh()  # (a long-lived process re-looks at the folder after a second; the date is in the stamp)
    assert tier_store.generation() != before and lx.preset("bybit:BTCUSDT").as_of == tomorrow


@pytest.mark.parametrize("content, reason", [
    ('{"format": "levxl-tiers-1", "venue": "bybit", "as_', "not valid JSON"),
    ('{"format": "levxl-tiers-2", "venue": "bybit", "as_of": "2026-01-01", "tables": {}}', "not a levxl tier pack"),
    (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    ('{"format": "levxl-tiers-1", "tables": ' + "[" * 100_000 + "]" * 100_000 + "}", "JSON nested too deeply"),
    ('{"format": "levxl-tiers-1", "as_of": "2026-01-01", "tables": {}}', "no 'venue' field"),
])
def test_a_damaged_file_is_reported_in_one_line(data_dir, capsys, content, reason):
    folder = data_dir / "tiers"
    folder.mkdir(parents=True)
    path = folder / f"bybit_{_today()}.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    tier_store.refresh()
    assert lx.preset("bybit:BTCUSDT").name == SHIPPED_BYBIT_BTC
    err = capsys.readouterr().err
    assert err.count(str(path)) == 1 and f"{path}: {reason}" in err and len(err.strip().splitlines()) == 1, err
    listed = CliRunner().invoke(main, ["tiers", "list", "bybit"])
    assert f"{path.name:<40} refused  {reason}" in listed.stdout


def test_a_file_over_the_size_limit_is_reported(data_dir, capsys, monkeypatch):
    monkeypatch.setattr(tier_store, "MAX_STORED_BYTES", 100)
    path = _write(data_dir, "bybit", _today(), {"BTC/USDT:USDT": GOOD * 3})
    assert lx.preset("bybit:BTCUSDT").name == SHIPPED_BYBIT_BTC
    assert f"{path}: larger than 100 bytes; not used" in capsys.readouterr().err


def test_a_damaged_entry_refuses_its_table_only(data_dir, capsys):
    def damage(packed):
        packed["tables"]["ETHUSDT"] = ["not", "a", "table"]

    path = _write(data_dir, "bybit", _today(), {"BTC/USDT:USDT": GOOD, "ETH/USDT:USDT": GOOD}, edit=damage)
    assert lx.preset("bybit:BTCUSDT").as_of == _today()  # its neighbour in the file is used
    assert lx.preset("bybit:ETHUSDT").as_of == "2024-12-25"
    err = capsys.readouterr().err
    assert f"{path}: entry 'ETHUSDT' is not a" in err and "table ETHUSDT not used" in err


def test_each_refusal_is_reported_once_per_process(data_dir, capsys):
    path = _write(data_dir, "bybit", _today(), {"BTC/USDT:USDT": [_tier(0, None, 50, 1.5)]})
    for _ in range(3):
        tier_store.refresh()
        lx.preset("bybit:BTCUSDT")
    assert capsys.readouterr().err.count(str(path)) == 1


def test_tiers_list_shows_the_refusals_with_their_reason(data_dir):
    bad = _write(data_dir, "bybit", _today(), {"BTC/USDT:USDT": [_tier(0, None, 50, 1.5)], "ETH/USDT:USDT": GOOD})
    future = _write(data_dir, "binance", "2099-01-01", {"DOGE/USDT:USDT": GOOD})
    result = CliRunner().invoke(main, ["tiers", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"bybit:ETHUSDT@{_today()}" in result.stdout and f"bybit:BTCUSDT@{_today()}     " not in lines
    start = lines.index("refused (not used; an older stored table applies where there is one):")
    assert lines[start + 1:] == [
        f"{'binance:DOGEUSDT@2099-01-01':<40} refused  dated 2099-01-01, after today ({_today()} UTC) [{future}]",
        f"{'bybit:BTCUSDT@' + _today():<40} refused  tier table bybit:BTCUSDT: mmr must be fractions in [0, 1), "
        f"got [1.5] [{bad}]"]
    assert "levxl: warning" not in result.stderr  # listed once, on stdout, not also warned about
    only_bybit = CliRunner().invoke(main, ["tiers", "list", "bybit"]).stdout
    assert "bybit:BTCUSDT@" in only_bybit and "DOGEUSDT@2099" not in only_bybit


def test_an_explicit_preset_of_a_refused_table_refuses_its_row_only(data_dir):
    _write(data_dir, "bybit", _today(), {"BTC/USDT:USDT": [_tier(0, 50_000, 125, -0.004),
                                                           _tier(50_000, None, 100, 0.005)]})
    book_path = data_dir / "book.csv"
    book_path.write_text(BOOK.format(first=f"bybit:BTCUSDT@{_today()}"))
    book = load_positions(book_path)
    assert list(book.row) == [2, 3, 4] and [row for row, _ in book.issues] == [1]
    reason = book.issues[0][1]
    assert f"bybit_{_today()}.json is refused" in reason and "mmr must be fractions in [0, 1)" in reason
    result = CliRunner().invoke(main, ["risk", str(book_path)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output


def test_a_flat_rate_row_names_the_refused_table_it_might_have_used(data_dir):
    path = _write(data_dir, "binance", _today(), {"PEPE/USDT:USDT": [_tier(0, None, 50, 1.5)]})
    book_path = data_dir / "book.csv"
    book_path.write_text("venue,symbol,side,size,entry,mark,leverage,mmr\nbinance,PEPEUSDT,long,1,1,1,10,\n")
    use = venue_rules.tier_provenance(load_positions(book_path))[0]
    assert use.status == "missing" and f"the fetched binance:PEPEUSDT table in {path} is refused" in use.warning


def test_the_tier_cache_follows_the_folder(data_dir):
    """``generation()`` changes when the folder does; a preset is one object per table and generation."""
    _write(data_dir, "bybit", _today(), {"BTC/USDT:USDT": GOOD})
    first = tier_store.generation()
    table = lx.preset("bybit:BTCUSDT")
    assert table is lx.preset("bybit:BTC/USDT:USDT") and tier_store.generation() == first
    yesterday = (date.fromisoformat(_today()) - timedelta(days=1)).isoformat()
    bad = _write(data_dir, "bybit", yesterday, {"BTC/USDT:USDT": [_tier(0, None, 50, 1.5)]})
    assert tier_store.generation() != first
    assert lx.preset("bybit:BTCUSDT").as_of == _today() and [r.path for r in tier_store.refused()] == [str(bad)]
    bad.unlink()
    (data_dir / "tiers" / f"bybit_{_today()}.json").unlink()
    tier_store.refresh()
    assert lx.preset("bybit:BTCUSDT").name == SHIPPED_BYBIT_BTC and tier_store.refused() == []


def test_a_table_check_names_its_numbers_plainly():
    with pytest.raises(ValueError) as first:
        TierTable.from_arrays([50_000.0, 0.0], [0.004, 0.005], venue="bybit", symbol="BTCUSDT")
    with pytest.raises(ValueError) as cum:
        TierTable.from_arrays([0, 50_000], [0.004, 0.005], cum=[0, 999.5])
    with pytest.raises(ValueError) as fixed:
        import numpy as np

        TierTable.fixed(np.float64(1.5))
    assert "got 50000" in str(first.value) and "cum of tier 2 is 999.5 but" in str(cum.value) and "gives 50;" in str(
        cum.value) and "got 1.5" in str(fixed.value)
    assert not any("np." in str(e.value) for e in (first, cum, fixed))
