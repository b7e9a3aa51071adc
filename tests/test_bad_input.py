"""Bad input: a ValueError naming the argument and value, or per-element reasons in elementwise mode."""

import numpy as np
import pytest

import levxl as lx
from levxl.engine.tiers import TierTable
from conftest import assert_value_error


@pytest.mark.parametrize("call, words", [
    (lambda: lx.liquidation_price("long", 0, 1, leverage=10), ["entry", "0"]),
    (lambda: lx.liquidation_price("long", -5, 1, leverage=10), ["entry", "-5"]),
    (lambda: lx.liquidation_price("long", 100, 1, leverage=0), ["leverage", "0"]),
    (lambda: lx.liquidation_price("long", 100, 1, leverage=10, mmr=1.0), ["mmr", "1.0"]),
    (lambda: lx.liquidation_price("long", 100, 1, leverage=10, mmr=0.6, fee=0.5), ["mmr + fee"]),
    (lambda: lx.liquidation_price("long", float("nan"), 1, leverage=10), ["entry", "nan"]),
    (lambda: lx.liquidation_price("sideways", 100, 1, leverage=10), ["side", "sideways"]),
    (lambda: lx.liquidation_price("long", 100, 1, leverage=10, contract="quanto"), ["contract", "quanto"]),
    (lambda: lx.liquidation_price("long", 100, 1, leverage=10, basis="index"), ["basis", "index"]),
    (lambda: lx.liquidation_price("long", [100, 100], [1, 1, 1], leverage=10), ["broadcast"]),
    (lambda: lx.liquidation_price("long", 100, 1), ["leverage or margin"]),
    (lambda: lx.liquidation_price("long", 100, 1, leverage=10, mmr="nowhere:BTC"), ["unknown tier preset",
                                                                                    "nowhere:BTC"]),
    (lambda: lx.liquidation_price("long", [100, "x"], 1, leverage=10), ["entry", "number", "x"]),
    (lambda: lx.loss_at_move("long", 100, 1, leverage=10, move=-1.5), ["move", "-1.5"]),
    (lambda: lx.position_size(1000, 0.01, entry=100, stop=100), ["stop", "100"]),
    (lambda: lx.position_size(1000, 1.5, entry=100, stop=90), ["risk", "1.5"]),
    (lambda: lx.max_leverage_for_stop("long", 100, stop=110), ["stop", "110"]),
    (lambda: TierTable.from_arrays([0, 50_000], [0.004, 0.005], cum=[0, 60]), ["cum", "tier 2", "50"]),
    (lambda: TierTable.from_arrays([0, 50_000], [0.005, 0.004]), ["mmr"]),
    (lambda: TierTable.from_arrays([10, 50_000], [0.004, 0.005]), ["first notional floor"]),
])
def test_bad_input_raises_value_error_naming_the_argument(call, words):
    assert_value_error(call, words)


def test_elementwise_gives_a_reason_per_bad_element_and_computes_the_rest():
    result, reasons = lx.liquidation_price.elementwise(
        ["long", "short", "long", "up", "long"], [100, 100, 0, 100, 100], [1, 1, 1, 1, None], leverage=[10, 10, 10, 10,
                                                                                                        10])
    assert list(reasons) == ["", "", "entry must be > 0", "side must be long/short, buy/sell or 1/-1",
                             "size is blank"]
    np.testing.assert_allclose(result[:2], [lx.liquidation_price("long", 100, 1, leverage=10),
                                            lx.liquidation_price("short", 100, 1, leverage=10)])


def test_elementwise_with_all_good_input_has_no_reasons():
    result, reasons = lx.loss_at_move.elementwise("long", 100.0, 1.0, leverage=10.0, move=[-0.1, 0.1])
    assert reasons is None and result.pnl.shape == (2,)


def test_one_bad_row_of_an_account_spoils_every_row():
    _, reasons = lx.account_liquidation_prices.elementwise(["long", "short", "long"], [100, 200, 300], [1, -1, 1],
                                                           marks=[100, 200, 300], wallet=1000)
    assert reasons[1] == "sizes must be > 0"
    assert reasons[0] == reasons[2] == "account has an invalid position in another row"


def test_account_refuses_mixed_margin_currencies():
    with pytest.raises(ValueError, match="contract"):
        lx.account_liquidation_prices(["long", "long"], [100, 100], [1, 100], marks=[100, 100], wallet=10, mmr=0.005,
                                      contract=["linear", "inverse"])


def test_scalars_in_scalar_out_arrays_in_arrays_out():
    assert np.ndim(lx.liquidation_price("long", 100, 1, leverage=10)) == 0
    assert isinstance(lx.liquidation_price("long", 100, 1, leverage=10), float)
    assert lx.liquidation_price("long", np.full((2, 3), 100.0), 1, leverage=[1, 2, 3]).shape == (2, 3)
