"""The shipped Binance USD-M tier pack is the shared ccxt snapshot, packed: the test packs it again and compares.

To rebuild the pack (after a new snapshot lands in shared/reference/tiers/)::

    .venv/bin/python tests/test_tier_pack.py ../shared/reference/tiers/binance_usdm_all_2024-10-24.ccxt.json \
        levxl/data/tiers/binance_usdm_all_2024-10-24.json

Every table is checked by TierTable (cum by the recursion) before it is written.
"""

import json
import sys
from pathlib import Path

from levxl.engine import tier_store
from levxl.engine.tiers import table_from_rows

SOURCE = ("Binance /fapi/v1/leverageBracket via ccxt fetch_leverage_tiers, 2024-10-24 snapshot kept in freqtrade "
          "(github:freqtrade/freqtrade@c9ae5e1:freqtrade/exchange/binance_leverage_tiers.json)")


REPO = Path(__file__).resolve().parent.parent
PACK = REPO / "levxl" / "data" / "tiers" / "binance_usdm_all_2024-10-24.json"


def packed_from(raw: dict) -> dict:
    packed = tier_store.pack("binance", "usdm", "2024-10-24", SOURCE, raw)
    for key, table in packed["tables"].items():
        table_from_rows(table["tiers"], venue="binance", symbol=key)  # raises on an inconsistent cum
    return packed


def test_the_shipped_pack_is_the_shared_snapshot():
    from conftest import binance_snapshot

    shipped = json.loads(PACK.read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(packed_from(binance_snapshot()), sort_keys=True))
    assert len(shipped["tables"]) == 349


def main(src: str, dst: str) -> None:
    packed = packed_from(json.load(open(src, encoding="utf-8")))
    with open(dst, "w", encoding="utf-8") as out:
        json.dump(packed, out, separators=(",", ":"), sort_keys=True)
        out.write("\n")
    print(f"{len(packed['tables'])} tables -> {dst}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
