"""Fuzz every spreadsheet function: no exception ever escapes, and every cell is a number, a flag, a short text or
an error value whose reason is in the user's words (names the argument, no numpy repr, no echoed range, short).

1,000 examples per function in the normal suite; ``pytest --fuzz-heavy`` runs 10,000.
"""

import math
import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from levxl.catalogue import CATALOGUE, CellError
from levxl.catalogue.errors import BUG_MESSAGE, MAX_MESSAGE

EXAMPLES = int(os.environ.get("LEVXL_FUZZ_EXAMPLES", "1000"))

words = st.sampled_from(["long", "short", "Buy", "sell", "linear", "inverse", "mark", "entry", "call", "put", "bs",
                         "black76", "delta", "gamma", "vega", "theta", "rho", "price", "pnl", "roe", "liquidated",
                         "binance:BTCUSDT", "binance:BTCUSDT@2021", "nowhere:X", "", "=1+1", "#REF!", "#N/A",
                         "no liquidation", "x" * 200])
numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-2, 2), st.floats(0.001, 1e6),
                    st.integers(-5, 200), st.sampled_from([0, 1, -1, 0.5, 1e300, -1e-300]))
scalars = st.one_of(numbers, words, st.none(), st.booleans(), st.text(max_size=5))


def ranges(draw_rows=3, draw_cols=3):
    return st.integers(1, draw_rows).flatmap(lambda r: st.integers(1, draw_cols).flatmap(
        lambda c: st.lists(st.lists(scalars, min_size=c, max_size=c), min_size=r, max_size=r)))


empty = st.sampled_from([[], [[]], [[], []]])
arrays = ranges().map(lambda rows: np.array(rows, dtype=object))
values = st.one_of(scalars, scalars, ranges(), empty, arrays, st.lists(scalars, min_size=1, max_size=3))

NUMPY_WORDS = re.compile(r"np\.|array\(|shape mismatch|broadcast|\[\[|dtype|ndarray|Traceback|float64")


def reason_is_clean(value: CellError) -> None:
    assert not value.reason.startswith(BUG_MESSAGE), value
    assert len(value.reason) <= MAX_MESSAGE, value
    assert not NUMPY_WORDS.search(value.reason), value
    assert "\n" not in value.reason, value


def cells_are_clean(result):
    if isinstance(result, np.ndarray):
        result = result.tolist()
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
            if isinstance(value, CellError):
                reason_is_clean(value)
            elif isinstance(value, str):
                assert len(value) < 300 and not value.startswith("#"), value  # errors are CellError values


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_fuzz(name):
    entry = CATALOGUE[name]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.lists(values, min_size=0, max_size=len(entry.args) + 1))
    def run(args):
        cells_are_clean(entry(*args))

    run()
