"""The engine's public API convention (levxl/engine/__init__.py): which arguments are positional, one name per idea,
type hints and numpydoc Parameters on every public function, and everything a user needs at ``lx.``."""

import importlib
import inspect
import typing

import numpy as np
import pytest

import levxl as lx
from levxl.engine import contracts, funding, liquidation, options, probability, scenarios, sizing, tiers
from levxl.engine.options import pricing, scenarios as option_scenarios

#: every public function -> its positional parameters; every other parameter is keyword-only
POSITIONAL = {
    "position_value": "size", "pnl": "side entry size", "roe": "side entry", "target_price": "side entry",
    "initial_margin": "entry size", "order_cost": "side entry size", "average_entry": "prices sizes",
    "maintenance_margin": "size", "liquidation_price": "side entry size", "bankruptcy_price": "side entry size",
    "liquidation_price_cross": "side entry size", "account_liquidation_prices": "sides entries sizes",
    "round_to_tick": "price",
    "funding_rate_clamped": "premium", "funding_rate_okx": "premium", "funding_rate_deribit": "premium",
    "funding_rate_dydx": "premium", "funding_cap_dydx": "", "funding_payment": "side notional",
    "funding_cost": "side notional", "liquidation_price_after_funding": "side entry size",
    "liquidation_drift_from_funding": "side entry size",
    "loss_at_move": "side entry size", "scenario_grid": "side entry size", "funding_grid": "side entry size",
    "inverse_risk_shape": "moves",
    "position_size": "equity risk", "max_leverage_for_stop": "side entry size", "max_position_size": "side entry",
    "margin_for_liquidation_at": "side entry size", "margin_to_add_for_distance": "side entry size",
    "size_to_cut_for_distance": "side entry size",
    "liquidation_distance": "side", "liquidation_distance_sigma": "side", "liquidation_probability": "side",
    "option_price": "option_type underlying strike days vol", "greeks": "option_type underlying strike days vol",
    "option_greek": "greek option_type underlying strike days vol",
    "implied_vol": "price option_type underlying strike days",
    "implied_vol_reasons": "price option_type underlying strike days",
    "decay_curve": "option_type underlying strike days vol", "option_decay": "option_type underlying strike days vol",
    "option_pnl_grid": "option_type underlying strike days vol",
    "option_leverage": "option_type underlying strike days vol",
    "preset": "name", "presets": "",
}
#: names that are options of a call, never positional (and the one name each idea has)
KEYWORD_ONLY_IDEAS = {"leverage", "margin", "mmr", "fee", "contract", "basis", "tick", "exit", "mark", "stop",
                      "liq_price", "wallet", "funding_rate", "funding_periods", "risk_free_rate", "model", "carry"}
#: old names of those ideas that must not come back
RETIRED_NAMES = {"rate", "settle", "periods", "intervals_per_day", "target"}

PUBLIC_FUNCTIONS = sorted(name for name in lx.__all__ if inspect.isfunction(getattr(lx, name)))
INTERNAL = {"MAINTENANCE", "maintenance_params", "is_tiered", "MaintenanceLike", "LIQ_PRICE", "GREEK", "GREEK_NAMES",
            "DEFAULT_MOVES", "DEFAULT_DAYS_PASSED", "THREADS"}


def test_the_top_level_namespace_is_complete():
    assert len(lx.__all__) == len(set(lx.__all__))
    assert all(hasattr(lx, name) for name in lx.__all__)
    engine_public = set()
    for module in (contracts, funding, liquidation, probability, scenarios, sizing, tiers, options):
        engine_public |= set(module.__all__) - INTERNAL
    assert engine_public <= set(lx.__all__)
    assert {"option_price", "greeks", "implied_vol", "liquidation_probability", "TierTable"} <= set(lx.__all__)


def test_the_options_package_keeps_every_name_it_exported():
    before = ["Greeks", "ImpliedVol", "GREEK", "option_price", "greeks", "option_greek", "implied_vol",
              "implied_vol_reasons", "decay_curve", "option_decay", "option_pnl_grid", "option_leverage",
              "GREEK_NAMES", "DEFAULT_MOVES", "DEFAULT_DAYS_PASSED"]
    assert all(hasattr(options, name) for name in before)
    # ``options.greeks`` is the function, not the module of the same name (import that one by its full name)
    assert options.greeks is importlib.import_module("levxl.engine.options.greeks").greeks is lx.greeks
    assert options.implied_vol is importlib.import_module("levxl.engine.options.implied_vol").implied_vol
    assert options.option_price is pricing.option_price and options.option_decay is option_scenarios.option_decay


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_positional_parameters_follow_the_convention(name):
    assert name in POSITIONAL, f"{name}: add it to POSITIONAL (and to the rule in levxl/engine/__init__.py)"
    parameters = inspect.signature(getattr(lx, name)).parameters.values()
    positional = [p.name for p in parameters if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional == POSITIONAL[name].split()
    assert all(p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
               for p in parameters)
    assert not set(positional) & KEYWORD_ONLY_IDEAS
    assert not {p.name for p in parameters} & RETIRED_NAMES


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_every_parameter_and_result_has_a_type_hint(name):
    fn = getattr(lx, name)
    hints = typing.get_type_hints(inspect.unwrap(fn))
    assert set(inspect.signature(fn).parameters) | {"return"} <= set(hints), name


def documented_parameters(doc: str) -> set[str]:
    """The names a numpydoc "Parameters" section documents (entries may group names: ``side, entry, size : ...``)."""
    lines = doc.split("\n")
    start = lines.index("Parameters") + 2
    assert lines[start - 1].startswith("----------")
    names = set()
    for line in lines[start:]:
        if line in ("Returns", "Raises", "Notes", "Examples", "See Also"):
            break
        if line and not line[0].isspace():
            names |= {n.strip() for n in line.split(" : ")[0].split(",")}
    return names


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_every_parameter_is_documented(name):
    fn = getattr(lx, name)
    doc = inspect.getdoc(fn)
    parameters = set(inspect.signature(fn).parameters)
    if not parameters:
        return
    assert "Parameters\n----------" in doc, name
    assert parameters <= documented_parameters(doc), (name, parameters - documented_parameters(doc))
    assert "Returns\n-------" in doc, name


def test_checked_handles_keyword_only_arguments():
    # called normally: a bad keyword-only argument is named
    with pytest.raises(ValueError, match="leverage must be > 0"):
        lx.liquidation_price("long", 100, 1, leverage=0)
    # keyword-only means keyword-only, in all three forms
    for call in (lx.liquidation_price, lx.liquidation_price.elementwise, lx.liquidation_price.raw):
        with pytest.raises(TypeError):
            call("long", 100.0, 1.0, 10.0)
    # elementwise: per-element reasons for keyword-only arrays
    result, reasons = lx.liquidation_price.elementwise("long", 100, 1, leverage=[10, -1], mmr=0.005)
    assert reasons.tolist() == ["", "leverage must be > 0"]
    assert result[0] == lx.liquidation_price("long", 100, 1, leverage=10, mmr=0.005)
    # raw: no conversion, the same arithmetic on checked arrays
    raw = lx.liquidation_price.raw(1.0, np.array([100.0]), 1.0, leverage=np.array([10.0]), mmr=0.005, margin=None,
                                   contract=0.0, fee=0.0, basis=0.0)
    assert raw[0] == result[0]
    # a keyword-only argument without default is required, with a clear message
    with pytest.raises(TypeError, match="move"):
        lx.loss_at_move("long", 100, 1, leverage=10)


def test_position_arguments_may_also_be_given_by_name():
    assert lx.pnl(side="short", entry=100, size=3, exit=90) == lx.pnl("short", 100, 3, exit=90) == 30.0
    assert lx.maintenance_margin(size=10, price=100_000, mmr=0.005) == 5000.0


def test_renamed_ideas_mean_what_they_did():
    # funding_rate / funding_periods (were rate / periods): 30 payments of 0.1% on a 100 notional
    assert lx.funding_cost("long", 100, funding_rate=0.001, funding_periods=30) == pytest.approx(3.0)
    # risk_free_rate (was rate) discounts; contract (was settle) picks coin settlement
    assert lx.option_price("call", 100, 100, 365, 0.0, risk_free_rate=0.05) == 0.0
    usd = lx.option_price("call", 100, 90, 30, 0.5, risk_free_rate=0.05)
    assert lx.option_price("call", 100, 90, 30, 0.5, risk_free_rate=0.05, contract="inverse") == \
        pytest.approx(usd / 100, rel=1e-14)
    # liq_price (was target): the margin that puts the liquidation price there, inverted by liquidation_price
    margin = lx.margin_for_liquidation_at("long", 100, 1, liq_price=90, mmr=0.01)
    assert lx.liquidation_price("long", 100, 1, margin=margin, mmr=0.01) == pytest.approx(90.0, rel=1e-12)
