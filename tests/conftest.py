"""Shared fixtures: the reference vectors copied from ../shared/reference (with their sources)."""

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
VECTORS = json.loads((DATA / "vectors.json").read_text())


BINANCE_SNAPSHOT = DATA / "tiers" / "binance_usdm_all_2024-10-24.ccxt.json.gz"
"""A gzip copy of ../shared/reference/tiers/binance_usdm_all_2024-10-24.ccxt.json (ccxt fetch_leverage_tiers,
349 Binance USD-M symbols), so the tests that check the shipped pack against it run from any clone."""
BINANCE_SNAPSHOT_SHA256 = "a7dcf55a06a621892cd4056ba1833a8ed1ed69ce3c47f993678ae697c14a0f67"
"""sha256 of the shared file, byte for byte (the copy is checked against it on every read)."""


def binance_snapshot() -> dict:
    """The shared ccxt snapshot of every Binance USD-M tier table, from its checked copy."""
    import gzip
    import hashlib

    raw = gzip.decompress(BINANCE_SNAPSHOT.read_bytes())
    assert hashlib.sha256(raw).hexdigest() == BINANCE_SNAPSHOT_SHA256, "tests/data copy differs from the shared file"
    return json.loads(raw)


def vectors_of(*kinds):
    """pytest.param for every vector of these kinds, named by the vector id."""
    return [pytest.param(v, id=v["id"]) for v in VECTORS if v["kind"] in kinds]


def assert_value_error(call, words):
    """``call()`` raises ValueError whose message holds every one of ``words`` (the argument and its value)."""
    with pytest.raises(ValueError) as error:
        call()
    for word in words:
        assert word in str(error.value), (word, str(error.value))


def ccxt_market(id_, base, quote, settle, contract_size=1.0, info=None):
    """A linear swap market as ccxt's ``set_markets`` takes it (the tier and funding parsers read it)."""
    return {"id": id_, "symbol": f"{base}/{quote}:{settle}", "base": base, "quote": quote, "settle": settle,
            "baseId": base, "quoteId": quote, "settleId": settle, "type": "swap", "spot": False, "margin": False,
            "swap": True, "future": False, "option": False, "contract": True, "linear": True, "inverse": False,
            "contractSize": contract_size, "active": True, "precision": {}, "limits": {}, "info": info or {}}


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    """A fresh user data folder (``LEVXL_DATA_DIR``) for ``levxl tiers update``, the tier store re-read around it."""
    from levxl.engine import tier_store

    monkeypatch.setenv("LEVXL_DATA_DIR", str(tmp_path))
    tier_store.refresh()
    yield tmp_path
    tier_store.refresh()


def pytest_addoption(parser):
    parser.addoption("--fuzz-heavy", action="store_true", help="run the spreadsheet fuzzers with >= 10,000 examples")


def pytest_configure(config):
    import os

    os.environ["LEVXL_FUZZ_EXAMPLES"] = "10000" if config.getoption("--fuzz-heavy") else "1000"
    # Tests see the shipped tier tables only: a table a developer fetched with `levxl tiers update` must not change
    # what "binance:BTCUSDT" means in a test (the user data folder is an empty temporary one).
    import tempfile

    os.environ["LEVXL_DATA_DIR"] = tempfile.mkdtemp(prefix="levxl-data-")



@pytest.fixture()
def report_recalculated(tmp_path):
    """``make(positions_csv) -> (book, risk table, layout, report path, LibreOffice's recalculated Positions)``:
    a levxl report of the file, as LibreOffice computes it (the report's formulas against the engine)."""
    from levxl.book.figures import risk_table
    from levxl.book.positions import load_positions
    from levxl.testing import libreoffice
    from levxl.workbooks.report import build_report
    from levxl.workbooks.report.layout import plan_layout

    def make(src):
        out = build_report(src, tmp_path / "report.xlsx", as_of="2026-12-01T00:00:00Z")
        book = load_positions(src)
        table = risk_table(book)
        return book, table, plan_layout(table), out, libreoffice.recalculated_values(out)["Positions"]

    return make
