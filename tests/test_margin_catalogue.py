"""The margin spreadsheet functions (levxl/catalogue/margin.py) called as Excel calls, against the engine, and the
bundled options book's figures."""

import math
from pathlib import Path

import numpy as np

from levxl.book.positions import load_positions
from levxl.catalogue import CATALOGUE
from levxl.catalogue.margin import PM_RULES_COMPARED, options_book_figures
from levxl.engine import margin
from levxl.engine.margin.account_with_options import make_account, surplus_at

ROOT = Path(__file__).resolve().parent.parent
col = lambda *values: [[v] for v in values]  # noqa: E731

INST, SIDES = col("call", "put", "perp"), col("short", "short", "long")
SIZES, ENTRIES = col(2.0, 1.0, 30_000.0), col(0.03, 0.025, 60_000.0)
STRIKES, DAYS, VOLS = col(70_000, 55_000, None), col(21, 45, None), col(0.55, 0.6, None)
ENGINE = dict(instruments=["call", "put", "perp"], sides=["short", "short", "long"], sizes=[2.0, 1.0, 30_000.0],
              entries=[0.03, 0.025, 60_000.0], strikes=[70_000, 55_000, np.nan], days=[21, 45, np.nan],
              vols=[0.55, 0.6, np.nan], underlying=61_850.0, wallet=0.8)


def test_option_margin_cells():
    f = CATALOGUE["LEVXL_OPTION_MARGIN"]
    assert math.isclose(f("call", 50_000, 55_000, 0.02), 0.12)
    assert math.isclose(f("call", 50_000, 55_000, 0.02, None, None, None, None, "mm"), 0.095)
    assert f("call", 100, 106, 0, 1, "short", "paradex", "linear") == 10.0
    cells = f("call", 100, [[106, -1]], 0, 1, "short", "paradex", "linear")
    assert cells[0][0] == 10.0 and cells[0][1].startswith("#VALUE! strike")
    assert f("call", 100, 106, 0, 1, "short", "nowhere").startswith("#VALUE! option margin rules must be one of")


def test_account_liquidation_cells_equal_the_engine():
    cells = CATALOGUE["LEVXL_ACCOUNT_LIQ_OPTIONS"](INST, SIDES, SIZES, ENTRIES, 61_850, 0.8, STRIKES, DAYS, VOLS)
    r = margin.account_liquidation_with_options(**ENGINE)
    assert cells == [[float(r.down), float(r.up)]]
    none = CATALOGUE["LEVXL_ACCOUNT_LIQ_OPTIONS"](col("call"), col("long"), col(1), col(0.01), 60_000, 0.5,
                                                  col(70_000), col(30), col(0.6))
    assert none == [["no liquidation", "no liquidation"]]
    missing = CATALOGUE["LEVXL_ACCOUNT_LIQ_OPTIONS"](INST, SIDES, SIZES, ENTRIES, 61_850, 0.8, col(70_000, None, None),
                                                     DAYS, VOLS)
    assert missing[0][0] == "#VALUE! strike must be given for every option"


def test_pm_margin_cells_and_table():
    f = CATALOGUE["LEVXL_PM_MARGIN"]
    sizes = col(2.0, 1.0, 0.5)
    for rules in ("deribit", "paradex", "okx"):
        engine = margin.pm_margin(ENGINE["instruments"], ENGINE["sides"], [2.0, 1.0, 0.5], ENGINE["strikes"],
                                  ENGINE["days"], ENGINE["vols"], 61_850.0, rules=rules)
        assert math.isclose(f(INST, SIDES, sizes, 61_850, STRIKES, DAYS, VOLS, rules), engine.mm)
        assert math.isclose(f(INST, SIDES, sizes, 61_850, STRIKES, DAYS, VOLS, rules, None, None, "im"), engine.im)
    table = f(INST, SIDES, sizes, 61_850, STRIKES, DAYS, VOLS, "paradex", None, None, "table")
    assert len(table) == 24 and all(len(row) == 4 for row in table)
    bad = f(INST, SIDES, sizes, 61_850, STRIKES, DAYS, VOLS, "deribit", None, None, "nope")
    assert bad.startswith("#VALUE! output")


def test_reverse_stress_cells_are_the_frontier():
    rows = CATALOGUE["LEVXL_REVERSE_STRESS"](INST, SIDES, SIZES, ENTRIES, 61_850, 0.8, STRIKES, DAYS, VOLS, None, None,
                                             None, None, None, col(0.0, 0.2))
    f = margin.account_reverse_stress(**ENGINE, vol_shifts=[0.0, 0.2])
    assert len(rows) == 2 and rows[1][0] == 0.2 and math.isclose(rows[1][2], f.move_down[1])
    assert math.isclose(rows[0][4], f.price_down[0]) and math.isclose(rows[0][5], f.price_up[0])


def test_adl_cells_reproduce_bitmex_walkthrough():
    keys, qty = col(3, 6, 1, 4, 5, 2), col(10, 10, 20, 30, 20, 10)
    assert CATALOGUE["LEVXL_ADL_QUANTILE"](keys, qty) == col(0.8, 0.2, 1.0, 0.6, 0.4, 0.8)
    assert CATALOGUE["LEVXL_ADL_ALLOCATION"](keys, qty, 20) == col(0.0, 10.0, 0.0, 0.0, 10.0, 0.0)
    assert math.isclose(CATALOGUE["LEVXL_ADL_RANK"]("long", 100, 110, 1, 10), 0.55)
    assert CATALOGUE["LEVXL_ADL_RANK"]("long", 100, 110, 1).startswith("#VALUE! leverage or margin")


def test_margin_rules_table_names_every_source():
    rows = CATALOGUE["LEVXL_MARGIN_RULES"]("pm")
    assert rows[0][:4] == ["name", "venue", "as of", "third-party mirror"]
    assert {r[0] for r in rows[1:]} >= {"deribit-pm@2025", "paradex-pm@2025", "okx-mr1@2025-01-06"}
    assert all(r[5].startswith("https://") for r in rows[1:])


def test_bundled_options_book():
    book = load_positions(ROOT / "workbook" / "examples" / "options_book.csv")
    assert len(book) == 4 and not book.issues and book.option.sum() == 3
    f = options_book_figures(book)
    assert f.currency == "coin" and f.wallet == 1.5 and f.liquidation.params == "deribit@2020"
    assert 0 < f.liquidation.down < f.underlying < f.liquidation.up < math.inf
    assert set(f.portfolio) == set(PM_RULES_COMPARED)
    assert [p.params for p in f.portfolio.values()] == ["deribit-pm@2025", "paradex-pm@2025", "okx-mr1@2025-01-06"]
    assert f.standard_im > f.standard_mm > 0
    # the frontier's zero-vol-shift point is the account's liquidation price
    assert math.isclose(f.frontier.price_down[0], f.liquidation.down, rel_tol=1e-12)
    assert np.all(np.diff(f.frontier.move_down) > 0)  # more vol, a smaller fall liquidates (net short options)
    account = make_account(instruments=np.where(book.option, np.where(np.array(book.option_type) == "put", -1.0, 1.0),
                                                 0.0), sides=book.side, sizes=book.size, entries=book.entry,
                           strikes=book.strike, days=book.expiry_days, vols=np.where(book.option, book.vol, np.nan),
                           underlying=f.underlying, wallet=f.wallet, mmr=0.005, contract="inverse")
    assert surplus_at(account, f.liquidation.down) <= 0 < surplus_at(account, f.liquidation.down * 1.0001)
