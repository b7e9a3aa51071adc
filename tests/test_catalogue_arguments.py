"""How catalogue functions take their arguments: columns of presets, moves and leverages of the grids, blanks and
errors inside ranges, dropdown arguments in Office.js hosts, and the texts of LEVXL_WHY.

Each case is the same call in every form a host makes it: the catalogue directly (classic xlwings / the recalc) and
Office.js through xlwings.server (``test_catalogue_hosts`` explains the payloads)."""

from __future__ import annotations

import math

import pytest

from levxl.catalogue import CATALOGUE, CellError, explain
from test_catalogue_hosts import addin, run, server  # noqa: F401 (fixtures)

PRESETS = ["binance:BTCUSDT", "bybit:BTCUSDT", "binance:ETHUSDT"]


def _ojs(value):
    """A cell or range as Office.js sends it."""
    if value is None:
        return None
    return value if isinstance(value, list) else [[value]]


# -- 1. a column of tier presets: each row its own preset ---------------------------------------------------------
PRESET_CALLS = {
    "LEVXL_MAX_SIZE": lambda m: ("long", 1e8, 60000, 20, m),
    "LEVXL_LIQ_PRICE": lambda m: ("long", 60000, 100, 20, m),
    "LEVXL_LOSS_AT_MOVE": lambda m: ("long", 60000, 100, 20, -0.04, m),
    "LEVXL_LIQ_PRICE_CROSS": lambda m: ("long", 60000, 100, 400000, m),
    "LEVXL_LIQ_PRICE_FUNDING": lambda m: ("long", 60000, 100, 20, 0.0001, 10, m),
    "LEVXL_MAINT_MARGIN": lambda m: (100, 60000, m),
}


@pytest.mark.parametrize("name", sorted(PRESET_CALLS))
def test_column_of_presets_is_each_preset_alone(server, addin, name):
    fn, make = CATALOGUE[name], PRESET_CALLS[name]
    alone = [[fn(*make(p))] for p in PRESETS]
    column = [[p] for p in PRESETS]
    assert fn(*make(column)) == alone
    assert run(server, addin, name, *[_ojs(a) for a in make(column)]) == alone


def test_max_size_column_of_presets_keeps_each_cap():
    got = CATALOGUE["LEVXL_MAX_SIZE"]("long", 1e8, 60000, 20, [[p] for p in PRESETS])
    assert [round(r[0]) for r in got] == [1667, 833, 1083]
    mixed = CATALOGUE["LEVXL_MAX_SIZE"]("long", 1e8, 60000, 20, [["binance:BTCUSDT"], [0.01]])
    assert mixed == [[got[0][0]], [CATALOGUE["LEVXL_MAX_SIZE"]("long", 1e8, 60000, 20, 0.01)]]
