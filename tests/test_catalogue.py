"""The spreadsheet-function catalogue: fixed names and argument orders, Excel-style calls against the engine on the
shared vectors, per-cell errors, the UDF module and the generated reference."""

from pathlib import Path

import numpy as np
import pytest

import levxl as lx
from levxl import udfs
from levxl.catalogue import reference_docs
from levxl.catalogue import CATALOGUE, canonical_name, lookup
from conftest import vectors_of

FIXED = {  # saved workbooks depend on these names and argument orders
    "LEVXL_LIQ_PRICE": "side entry size leverage mmr margin contract fee basis venue tick",
    "LEVXL_LIQ_PRICE_CROSS": "side entry size wallet mmr other_mm other_upnl contract fee",
    "LEVXL_ACCOUNT_LIQ_PRICES": "sides entries sizes marks wallet mmr contract",
    "LEVXL_BANKRUPTCY_PRICE": "side entry size leverage margin contract fee",
    "LEVXL_PNL": "side entry exit size contract",
    "LEVXL_ROE": "side entry exit leverage contract",
    "LEVXL_LOSS_AT_MOVE": "side entry size leverage move mmr margin contract fee funding_rate funding_periods",
    "LEVXL_SCENARIO_GRID": "side entry size moves leverages mmr contract output",
    "LEVXL_POSITION_SIZE": "equity risk entry stop fee contract",
    "LEVXL_MAX_LEVERAGE": "side entry stop mmr buffer contract",
    "LEVXL_FUNDING_COST": "side notional rate periods",
    "LEVXL_TIERS": "preset",
    "LEVXL_MMR": "notional mmr",
    "LEVXL_OPTION_PRICE": "type underlying strike days vol rate model settle",
    "LEVXL_OPTION_GREEK": "greek type underlying strike days vol rate model settle venue",
    "LEVXL_OPTION_DECAY": "type underlying strike days vol horizon rate model settle",
    "LEVXL_LIQ_PROBABILITY": "side mark liq_price vol days drift",
    # issue 17 (levxl/catalogue/margin.py)
    "LEVXL_OPTION_MARGIN": "type underlying strike mark size side rules settle output",
    "LEVXL_ACCOUNT_LIQ_OPTIONS": "instruments sides sizes entries underlying wallet strikes days vols mmr contract "
                                 "rules vol_slope funding_rates",
    "LEVXL_PM_MARGIN": "instruments sides sizes underlying strikes days vols rules contract fee_provision output",
    "LEVXL_REVERSE_STRESS": "instruments sides sizes entries underlying wallet strikes days vols mmr contract rules "
                            "vol_slope funding_rates vol_shifts funding_periods loss_fraction",
    "LEVXL_ADL_RANK": "side entry mark size leverage margin venue account_value contract mmr",
    "LEVXL_ADL_QUANTILE": "keys quantities",
    "LEVXL_ADL_ALLOCATION": "keys quantities liquidated",
    "LEVXL_MARGIN_RULES": "kind",
    # venue conventions (issue 12)
    "LEVXL_ROUND_PRICE": "price side tick kind venue",
    "LEVXL_CLOSE_FEE": "side entry size leverage fee contract margin venue",
    "LEVXL_FUNDING_INTERVAL": "venue symbol",
    "LEVXL_WITHIN_TIER_LIMITS": "size price leverage mmr contract",
}


@pytest.mark.parametrize("name", sorted(FIXED))
def test_fixed_names_and_argument_orders(name):
    names = [a.name for a in CATALOGUE[name].args]
    assert names[:len(FIXED[name].split())] == FIXED[name].split()


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_argument_names_fit_the_function_wizard(name):
    entry = CATALOGUE[name]
    assert len(",".join(a.name for a in entry.args)) < 255
    assert all(a.doc for a in entry.args) and entry.example.startswith(f"={name}(")
    optional_seen = False
    for a in entry.args:  # Excel: no required argument after an optional one
        optional_seen |= a.optional
        assert a.optional or not optional_seen, a.name


def test_spellings():
    for spelling in ("LEVXL_PNL", "_xll.LEVXL_PNL", "_xldudf_LEVXL_PNL", "levxl_pnl", "_XLL.levxl_pnl"):
        assert canonical_name(spelling) == "LEVXL_PNL" and lookup(spelling) is CATALOGUE["LEVXL_PNL"]
    assert canonical_name("LEVXL_NOPE") is None and canonical_name("SUM") is None


# -- the shared vectors, called as Excel calls: floats, None for blanks, strings, lists of lists -------------------
def cell(x):
    return [[x]]


def near(got, v):
    assert isinstance(got, float), got
    assert abs(got - v["expected"]) <= v["tol"], (got, v["expected"])


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_binance"))
def test_liq_price_binance_vectors_with_a_one_row_tier_range(v):
    i = v["inputs"]
    tier = [[0, i["mmr"], i["cum"]]]  # the position's tier as Binance shows it: floor, mmr, maintenance amount
    near(CATALOGUE["LEVXL_LIQ_PRICE"]("long" if i["side"] > 0 else "short", i["entry"], i["qty"], None, tier,
                                      i["wallet"]), v)


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_gate_okx"))
def test_liq_price_gate_okx_vectors(v):
    i = v["inputs"]
    near(CATALOGUE["LEVXL_LIQ_PRICE"](i["side"], i["entry"], i["qty"], None, i["mmr"], i["wallet"], None,
                                      i["taker"]), v)


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_bybit_simple", "liq_price_linear_bybit"))
def test_liq_price_bybit_vectors_entry_basis(v):
    i = v["inputs"]
    near(CATALOGUE["LEVXL_LIQ_PRICE"]("Buy" if i["side"] > 0 else "SELL", i["entry"], i.get("qty", 1.0),
                                      i["leverage"], i["mmr"], None, "linear", None, "entry"), v)


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_cross_generic"))
def test_liq_price_cross_vector(v):
    i = v["inputs"]
    near(CATALOGUE["LEVXL_LIQ_PRICE_CROSS"]("long", i["entry"], i["qty"], i["equity"], i["mmr"], i["other_mm"]), v)


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_binance_cross"))
def test_account_function_on_the_binance_cross_vectors(v):
    i = v["inputs"]
    o = i["others"][0]
    # the account's two positions as columns; each row's tier as a one-row range is not possible per row, so the
    # tiers come as a 2-row range of the shipped shape (floor, mmr, cum) that puts each position in its own tier
    result = CATALOGUE["LEVXL_ACCOUNT_LIQ_PRICES"](
        [["long"], ["long"]], [[i["entry"]], [o["entry"]]], [[i["qty"]], [o["qty"]]], [[i["entry"]], [o["mark"]]],
        i["wallet"])
    assert len(result) == 2 and all(isinstance(r[0], float) for r in result)
    want = lx.account_liquidation_prices(["long", "long"], [i["entry"], o["entry"]], [i["qty"], o["qty"]],
                                         marks=[i["entry"], o["mark"]], wallet=i["wallet"])
    np.testing.assert_allclose([r[0] for r in result], want)


@pytest.mark.parametrize("v", vectors_of("bankruptcy_price_linear"))
def test_bankruptcy_vector(v):
    i = v["inputs"]
    near(CATALOGUE["LEVXL_BANKRUPTCY_PRICE"]("long", i["entry"], 1.0, i["leverage"]), v)


@pytest.mark.parametrize("v", vectors_of("pnl_inverse"))
def test_pnl_vector(v):
    i = v["inputs"]
    near(CATALOGUE["LEVXL_PNL"](cell("long"), cell(i["entry"]), cell(i["exit"]), cell(i["contracts_usd"]),
                                cell("inverse"))[0][0], v)


@pytest.mark.parametrize("v", vectors_of("target_price_linear", "target_price_inverse"))
def test_target_vectors(v):
    i = v["inputs"]
    near(CATALOGUE["LEVXL_TARGET_PRICE"](i["side"], i["entry"], i["leverage"], i["roe"],
                                         "inverse" if v["kind"].endswith("inverse") else None), v)


@pytest.mark.parametrize("v", vectors_of("funding_payment"))
def test_funding_vectors(v):
    i = v["inputs"]
    notional = i.get("notional") or i["qty"] * i["mark"]
    near(-CATALOGUE["LEVXL_FUNDING_COST"]("long" if i["side"] > 0 else "short", notional, i["rate"], 1), v)


@pytest.mark.parametrize("v", vectors_of("maint_margin_inverse"))
def test_maint_margin_vector(v):
    i = v["inputs"]
    near(CATALOGUE["LEVXL_MAINT_MARGIN"](i["contracts"] * i["contract_usd"], i["mark"], i["mmr"], "inverse"), v)


@pytest.mark.parametrize("v", vectors_of("order_cost_linear_bybit"))
def test_order_cost_vector(v):
    i = v["inputs"]
    near(CATALOGUE["LEVXL_ORDER_COST"]("long", i["qty"], i["entry"], i["leverage"], i["taker"]), v)


@pytest.mark.parametrize("v", vectors_of("initial_margin_inverse"))
def test_margin_vector(v):
    i = v["inputs"]
    near(CATALOGUE["LEVXL_MARGIN"](i["contracts_usd"], i["entry"], i["leverage"], "inverse"), v)


@pytest.mark.parametrize("v", vectors_of("funding_rate_binance"))
def test_funding_rate_vector(v):
    near(CATALOGUE["LEVXL_FUNDING_RATE"](v["inputs"]["premium"], v["inputs"]["interest"]), v)


@pytest.mark.parametrize("v", vectors_of("bs_price", "black76_price"))
def test_option_price_vectors(v):
    i = v["inputs"]
    underlying = i.get("F", i.get("S"))
    model = "bs" if v["kind"] == "bs_price" else "black76"
    near(CATALOGUE["LEVXL_OPTION_PRICE"](i["flag"], underlying, i["K"], i["t"] * 365, i["sigma"], i["r"], model), v)


@pytest.mark.parametrize("v", vectors_of("bs_greek"))
def test_option_greek_vectors(v):
    i = v["inputs"]
    greek, scale, flag = {"delta_c": ("delta", 1, "c"), "theta_c_annual": ("theta", 365, "c"),
                          "theta_p_annual": ("theta", 365, "p"), "gamma": ("gamma", 1, "c"),
                          "vega_per_volpt": ("vega", 1, "c"), "rho_c_per_pct": ("rho", 1, "c")}[i["greek"]]
    got = CATALOGUE["LEVXL_OPTION_GREEK"](greek, flag, i["S"], i["K"], i["t"] * 365, i["sigma"], i["r"], "bs")
    assert abs(got * scale - v["expected"]) <= v["tol"] * max(1, scale)


# -- spreadsheet semantics ---------------------------------------------------------------------------------------
def test_ranges_broadcast_and_bad_cells_say_why():
    f = CATALOGUE["LEVXL_LIQ_PRICE"]
    out = f([["long"], ["short"], ["long"], ["long"], [None]], [[60000]] * 5, [[1], [1], ["two"], [1], [1]],
            [[10], [10], [10], [0], [10]])
    assert isinstance(out[0][0], float) and isinstance(out[1][0], float)
    assert out[2][0] == "#VALUE! size holds text, not a number"
    assert out[3][0] == "#VALUE! leverage must be > 0"
    assert out[4][0] == "#VALUE! side is blank"
    grid = f("long", 60000, 1, [[5, 10, 20]], [[0.004], [0.01]])  # row x column -> 2 x 3
    assert len(grid) == 2 and len(grid[0]) == 3
    np.testing.assert_allclose(grid[1][2], lx.liquidation_price("long", 60000, 1, leverage=20, mmr=0.01))


def test_blank_optional_arguments_take_defaults():
    f = CATALOGUE["LEVXL_LIQ_PRICE"]
    assert f("long", 100, 1, 10) == f("long", 100, 1, 10, None, None, None, None, None) == \
        f("long", 100, 1, 10, [[None]], "", [[None]])
    assert f("long", 100, 1, None, None, 10) == f("long", 100, 1, 10)  # margin given: leverage may be blank
    assert f("long", 100, 1) == "#VALUE! leverage or margin must be given"
    assert CATALOGUE["LEVXL_PNL"]("long", 100) == "#VALUE! exit is required"


def test_a_one_row_tier_range_with_a_blank_is_a_message_not_a_crash():
    # found by the --fuzz-heavy run: float(None) escaped as an internal error
    assert CATALOGUE["LEVXL_MAX_SIZE"](0.0, 0.0, 0.0, 0.0, [[0.0, None]]) == \
        "#VALUE! mmr tier range row 1 mmr is blank"
    assert CATALOGUE["LEVXL_LIQ_PRICE"]("long", 100, 1, 10, [[0, 0.01]]) == lx.liquidation_price("long", 100, 1,
                                                                                                 leverage=10, mmr=0.01)


def test_no_liquidation_and_spills():
    assert CATALOGUE["LEVXL_LIQ_PRICE"]("short", 8000, 8000, 1, None, None, "inverse") == "no liquidation"
    tiers = CATALOGUE["LEVXL_TIERS"]("binance:BTCUSDT")
    assert tiers[0][0] == "tier" and len(tiers) == 13 and tiers[-1][2] == 1.8e9
    assert CATALOGUE["LEVXL_TIERS"]("nowhere:X").startswith("#VALUE! unknown tier preset")
    assert CATALOGUE["LEVXL_MMR"](1_000_000, "binance:BTCUSDT") == [[0.0065, 5550.0]]
    assert len(CATALOGUE["LEVXL_MMR"]([[1e3], [1e6]], "binance:BTCUSDT")) == 2
    grid = CATALOGUE["LEVXL_SCENARIO_GRID"]("long", 100, 1, [[-0.1], [0], [0.1]], [[2, 5, 20]], 0.0, None, "roe")
    np.testing.assert_allclose(grid, [[-0.2, -0.5, -1.0], [0.0, 0.0, 0.0], [0.2, 0.5, 2.0]], rtol=1e-12)
    flags = CATALOGUE["LEVXL_SCENARIO_GRID"]("long", 100, 1, [[-0.5], [0.5]], [[2, 10]], None, None, "liquidated")
    assert flags == [[True, True], [False, False]]  # -50% at 2x: below the 50.25 liquidation price
    assert CATALOGUE["LEVXL_SCENARIO_GRID"]("long", 100, 1, [[0.1]], [[2]], None, None, "x").startswith("#VALUE!")
    assert CATALOGUE["LEVXL_AVG_ENTRY"]([[100], [110]], [[1], [3]]) == 107.5


# -- the UDF module and the generated reference -------------------------------------------------------------------
def test_udf_module_exposes_every_catalogue_function_with_its_signature():
    import inspect

    for name, entry in CATALOGUE.items():
        udf = getattr(udfs, name)
        params = list(inspect.signature(udf).parameters.values())
        assert [p.name for p in params] == [a.name for a in entry.args]
        assert [p.default is None for p in params] == [a.optional for a in entry.args]
    got = udfs.LEVXL_PNL([["long"]], [[7000]], [[8000]], [[200]], [["inverse"]])
    assert got == [[float(lx.pnl("long", 7000, 200, exit=8000, contract="inverse"))]]


def test_docs_functions_md_is_generated_from_the_catalogue():
    path = Path(__file__).resolve().parent.parent / "docs" / "functions.md"
    assert path.read_text() == reference_docs.markdown(), "regenerate: levxl functions --markdown > docs/functions.md"
