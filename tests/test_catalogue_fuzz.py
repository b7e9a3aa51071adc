"""Fuzz every spreadsheet function: no exception ever escapes, and every cell is a number, a flag or a message.

1,000 examples per function in the normal suite; ``pytest --fuzz-heavy`` runs 10,000.
"""

import math
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from levxl.catalogue import CATALOGUE

EXAMPLES = int(os.environ.get("LEVXL_FUZZ_EXAMPLES", "1000"))

words = st.sampled_from(["long", "short", "Buy", "sell", "linear", "inverse", "mark", "entry", "call", "put", "bs",
                         "black76", "delta", "gamma", "vega", "theta", "rho", "price", "pnl", "roe", "liquidated",
                         "binance:BTCUSDT", "binance:BTCUSDT@2021", "nowhere:X", "", "=1+1", "#REF!"])
numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-2, 2), st.floats(0.001, 1e6),
                    st.integers(-5, 200), st.sampled_from([0, 1, -1, 0.5, 1e300, -1e-300]))
scalars = st.one_of(numbers, words, st.none(), st.booleans(), st.text(max_size=5))


def ranges(draw_rows=3, draw_cols=3):
    return st.integers(1, draw_rows).flatmap(lambda r: st.integers(1, draw_cols).flatmap(
        lambda c: st.lists(st.lists(scalars, min_size=c, max_size=c), min_size=r, max_size=r)))


values = st.one_of(scalars, scalars, ranges())


def cells_are_clean(result):
    rows = result if isinstance(result, list) else [[result]]
    assert all(isinstance(r, list) for r in rows)
    for row in rows:
        for value in row:
            if isinstance(value, bool):
                continue
            if isinstance(value, float):
                assert math.isfinite(value), value
                continue
            assert isinstance(value, (str, int)), (type(value), value)
            if isinstance(value, str):
                assert "Traceback" not in value and len(value) < 300


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_fuzz(name):
    entry = CATALOGUE[name]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.lists(values, min_size=0, max_size=len(entry.args) + 1))
    def run(args):
        result = entry(*args)
        cells_are_clean(result)
        if isinstance(result, str) and result.startswith("#VALUE! levxl internal error"):
            raise AssertionError(f"{name}{tuple(args)!r} -> {result}")
        for row in result if isinstance(result, list) else []:
            for value in row:
                assert not (isinstance(value, str) and value.startswith("#VALUE! levxl internal error")), args

    run()
