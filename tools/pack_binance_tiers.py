"""Convert the shared Binance USD-M ccxt snapshot into levxl's compact tier pack (run once; output committed).

    python tools/pack_binance_tiers.py /work/shared/reference/tiers/binance_usdm_all_2024-10-24.ccxt.json \
        levxl/data/tiers/binance_usdm_all_2024-10-24.json

Every table is checked by TierTable (cum by the recursion) before it is written.
"""

import json
import sys

from levxl.engine import tier_store
from levxl.engine.tiers import table_from_rows

SOURCE = ("Binance /fapi/v1/leverageBracket via ccxt fetch_leverage_tiers, 2024-10-24 snapshot kept in freqtrade "
          "(github:freqtrade/freqtrade@c9ae5e1:freqtrade/exchange/binance_leverage_tiers.json)")


def main(src: str, dst: str) -> None:
    raw = json.load(open(src, encoding="utf-8"))
    packed = tier_store.pack("binance", "usdm", "2024-10-24", SOURCE, raw)
    for key, table in packed["tables"].items():
        table_from_rows(table["tiers"], venue="binance", symbol=key)  # raises on an inconsistent cum
    with open(dst, "w", encoding="utf-8") as out:
        json.dump(packed, out, separators=(",", ":"), sort_keys=True)
        out.write("\n")
    print(f"{len(packed['tables'])} tables -> {dst}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
