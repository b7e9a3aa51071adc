"""Every futures vector in tests/data/vectors.json (copied from ../shared/reference), each test named by its id."""

import numpy as np
import pytest

import levxl as lx
from levxl.engine.tiers import TierTable, cum_by_recursion
from levxl.engine.scenarios import inverse_risk_shape
from conftest import VECTORS, vectors_of

ENGINE_KINDS = {
    "liq_price_linear_binance", "liq_price_linear_binance_cross", "liq_price_linear_gate_okx",
    "liq_price_linear_bybit_simple", "liq_price_linear_bybit", "maint_margin_inverse", "target_price_linear",
    "target_price_inverse", "pnl_inverse", "maintenance_amount_recursion", "liq_price_linear_cross_generic",
    "funding_payment", "scenario_shape_inverse", "bankruptcy_price_linear", "order_cost_linear_bybit",
    "initial_margin_inverse", "funding_cap_dydx", "funding_rate_binance",
}
OPTION_KINDS = {"bs_price", "bs_greek", "black76_price"}


def close(got, vector):
    np.testing.assert_allclose(got, vector["expected"], atol=vector["tol"], rtol=0)


def test_every_vector_kind_is_covered():
    assert {v["kind"] for v in VECTORS} <= ENGINE_KINDS | OPTION_KINDS


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_binance"))
def test_binance_isolated(v):
    i = v["inputs"]
    close(lx.liquidation_price(i["side"], i["entry"], i["qty"], margin=i["wallet"],
                               mmr=TierTable.fixed(i["mmr"], i["cum"])), v)


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_binance_cross"))
def test_binance_cross(v):
    i = v["inputs"]
    others = i["others"]
    other_mm = sum(float(lx.maintenance_margin(o["qty"], price=o["mark"], mmr=TierTable.fixed(o["mmr"], o["cum"])))
                   for o in others)
    other_upnl = sum(float(lx.pnl("long", o["entry"], o["qty"], exit=o["mark"])) for o in others)
    close(lx.liquidation_price_cross(i["side"], i["entry"], i["qty"], wallet=i["wallet"],
                                     mmr=TierTable.fixed(i["mmr"], i["cum"]), other_mm=other_mm,
                                     other_upnl=other_upnl), v)


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_binance_cross"))
def test_binance_cross_through_the_account_function(v):
    i = v["inputs"]
    rows = [dict(side=i["side"], entry=i["entry"], qty=i["qty"], mark=i["entry"], mmr=i["mmr"], cum=i["cum"])]
    rows += [dict(side=1, **o) for o in i["others"]]
    got = lx.account_liquidation_prices([r["side"] for r in rows], [r["entry"] for r in rows],
                                        [r["qty"] for r in rows], marks=[r["mark"] for r in rows],
                                        wallet=i["wallet"], mmr=[TierTable.fixed(r["mmr"], r["cum"]) for r in rows])
    close(got[0], v)


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_gate_okx"))
def test_gate_okx_fee_inside_threshold(v):
    i = v["inputs"]
    close(lx.liquidation_price(i["side"], i["entry"], i["qty"], margin=i["wallet"], mmr=i["mmr"], fee=i["taker"]), v)


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_bybit_simple"))
def test_bybit_simple_entry_basis(v):
    i = v["inputs"]
    close(lx.liquidation_price(i["side"], i["entry"], 1.0, leverage=i["leverage"], mmr=i["mmr"], basis="entry"), v)


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_bybit"))
def test_bybit_usdt_isolated(v):
    i = v["inputs"]
    margin = i["qty"] * i["entry"] / i["leverage"] + i.get("extra_margin", 0)
    tier = TierTable.fixed(i["mmr"], i.get("mm_deduction", 0))
    close(lx.liquidation_price(i["side"], i["entry"], i["qty"], mmr=tier, margin=margin, basis="entry"), v)


@pytest.mark.parametrize("v", vectors_of("maint_margin_inverse"))
def test_inverse_maintenance_margin(v):
    i = v["inputs"]
    close(lx.maintenance_margin(i["contracts"] * i["contract_usd"], price=i["mark"],
                                mmr=TierTable.fixed(i["mmr"], i["cum"]), contract="inverse"), v)


@pytest.mark.parametrize("v", vectors_of("target_price_linear", "target_price_inverse"))
def test_target_price(v):
    i = v["inputs"]
    contract = "inverse" if v["kind"].endswith("inverse") else "linear"
    close(lx.target_price(i["side"], i["entry"], leverage=i["leverage"], roe=i["roe"], contract=contract), v)


@pytest.mark.parametrize("v", vectors_of("pnl_inverse"))
def test_inverse_pnl(v):
    i = v["inputs"]
    close(lx.pnl(i["side"], i["entry"], i["contracts_usd"], exit=i["exit"], contract="inverse"), v)


@pytest.mark.parametrize("v", vectors_of("maintenance_amount_recursion"))
def test_cum_recursion(v):
    i = v["inputs"]
    close(cum_by_recursion(i["floors"], i["mmrs"]), v)
    close(TierTable.from_arrays(i["floors"], i["mmrs"]).cum, v)


@pytest.mark.parametrize("v", vectors_of("liq_price_linear_cross_generic"))
def test_cross_with_other_maintenance(v):
    i = v["inputs"]
    close(lx.liquidation_price_cross(i["side"], i["entry"], i["qty"], wallet=i["equity"], mmr=i["mmr"],
                                     other_mm=i["other_mm"]), v)


@pytest.mark.parametrize("v", vectors_of("funding_payment"))
def test_funding_payment(v):
    i = v["inputs"]
    notional = i["notional"] if "notional" in i else i["qty"] * i["mark"]
    close(lx.funding_payment(i["side"], notional, funding_rate=i["rate"]), v)


@pytest.mark.parametrize("v", vectors_of("scenario_shape_inverse"))
def test_deribit_inverse_risk_vector_shape(v):
    moves = np.array(v["inputs"]["moves"])
    expected = np.array(v["expected"])
    shape = inverse_risk_shape(moves)
    nonzero = moves != 0
    k = expected[nonzero] / shape[nonzero]
    np.testing.assert_allclose(k, k[0], rtol=1e-6)  # proportional: one constant k
    np.testing.assert_allclose(k[0] * shape, expected, atol=v["tol"])
    # and it is the PnL of a long inverse position per coin of entry value
    pnl = lx.pnl("long", 50_000, 50_000, exit=50_000 * (1 + moves[nonzero]), contract="inverse")
    np.testing.assert_allclose(pnl, shape[nonzero], rtol=1e-12)


@pytest.mark.parametrize("v", vectors_of("bankruptcy_price_linear"))
def test_bankruptcy(v):
    i = v["inputs"]
    close(lx.bankruptcy_price(i["side"], i["entry"], 1.0, leverage=i["leverage"]), v)


@pytest.mark.parametrize("v", vectors_of("order_cost_linear_bybit"))
def test_bybit_order_cost(v):
    i = v["inputs"]
    close(lx.order_cost(i["side"], i["entry"], i["qty"], leverage=i["leverage"], fee=i["taker"]), v)
    close(lx.max_position_size(i["side"], i["entry"], available=v["expected"], leverage=i["leverage"],
                               fee=i["taker"]) * v["expected"], v)


@pytest.mark.parametrize("v", vectors_of("initial_margin_inverse"))
def test_inverse_initial_margin(v):
    i = v["inputs"]
    close(lx.initial_margin(i["entry"], i["contracts_usd"], leverage=i["leverage"], contract="inverse"), v)


@pytest.mark.parametrize("v", vectors_of("funding_cap_dydx"))
def test_dydx_cap(v):
    close(lx.funding_cap_dydx(imf=v["inputs"]["imf"], mmf=v["inputs"]["mmf"]), v)


@pytest.mark.parametrize("v", vectors_of("funding_rate_binance"))
def test_binance_funding_clamp(v):
    close(lx.funding_rate_clamped(v["inputs"]["premium"], interest=v["inputs"]["interest"]), v)
