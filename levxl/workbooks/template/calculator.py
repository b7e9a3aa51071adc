"""The Calculator sheet: the exchange-calculator tabs for one position, each a few inputs and ``LEVXL_`` results
stacked down columns A:D."""

from __future__ import annotations

from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from levxl.workbooks.template.styles import (AMOUNT, F_BOLD, F_LABEL, F_TITLE, INT, LEV, LEV_CAP, PCT, PRICE, RATE,
                                             SIZE, header_cells, input_cell, note, output_cell, print_setup,
                                             section, widths)

__all__ = ["calculator_sheet"]


class _Stack:
    """Rows going down the sheet: inputs and results, each remembered by key as its absolute B-column address."""

    def __init__(self, ws):
        self.ws = ws
        self.row = 4
        self.refs: dict[str, str] = {}

    def next(self) -> int:
        self.row += 1
        return self.row

    def section(self, text: str) -> None:
        self.row += 1
        section(self.ws, self.next(), text, width=4)

    def inp(self, key, label, value, fmt=None, comment=None) -> None:
        row = self.next()
        self.ws.cell(row, 1, label).font = F_LABEL
        input_cell(self.ws.cell(row, 2), value, fmt)
        if comment:
            note(self.ws, f"D{row}", comment)
        self.refs[key] = f"$B${row}"

    def out(self, key, label, formula, fmt, comment=None) -> None:
        row = self.next()
        self.ws.cell(row, 1, label).font = F_BOLD
        output_cell(self.ws.cell(row, 2), formula, fmt, bold=True)
        if comment:
            note(self.ws, f"D{row}", comment)
        self.refs[key] = f"$B${row}"

    def __getitem__(self, key: str) -> str:
        return self.refs[key]


def _position(s: _Stack) -> None:
    s.section("Position")
    s.inp("side", "side", "long", None, "long or short (drop-down)")
    s.inp("contract", "contract", "linear", None,
          "linear (size in coin, margin USD(T)) or inverse (size in USD, margin coin)")
    s.inp("entry", "entry price", 60000, PRICE)
    s.inp("exit", "exit / mark price", 63000, PRICE)
    s.inp("size", "size", 0.5, SIZE, "base coin (linear) or USD face value (inverse)")
    s.inp("leverage", "leverage", 10, LEV, "a multiple")
    s.inp("margin", "isolated margin (blank = entry value / leverage)", None, AMOUNT,
          "margin currency; leave blank to use the leverage")
    s.inp("mmr", "maintenance margin rate or tier preset", "binance:BTCUSDT", None,
          "a rate (0.005) or a preset from the Tiers sheet")
    s.inp("fee", "close / liquidation fee rate", 0.0005, RATE, "0.0005 = 0.05%")
    for key, choices in (("side", "long,short"), ("contract", "linear,inverse")):
        dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=False, showErrorMessage=True,
                            errorTitle=key, error=choices.replace(",", " or "))
        dv.add(s[key].replace("$", ""))
        s.ws.add_data_validation(dv)


def _pnl_and_liquidation(s: _Stack) -> None:
    S, C, E, X, Z, L, M, MMR, FEE = (s[k] for k in ("side", "contract", "entry", "exit", "size", "leverage",
                                                      "margin", "mmr", "fee"))
    s.section("PnL and ROE")
    s.out("pnl", "PnL at the exit price", f"=LEVXL_PNL({S},{E},{X},{Z},{C})", AMOUNT, "margin currency")
    s.out("roe", "ROE", f"=LEVXL_ROE({S},{E},{X},{L},{C})", PCT, "fraction of the initial margin")
    s.out("im", "initial margin", f"=LEVXL_MARGIN({Z},{E},{L},{C})", AMOUNT, "margin currency")
    s.section("Target price")
    s.inp("target_roe", "target ROE", 0.5, PCT, "0.5 = +50% of the margin")
    s.out("target", "target price", f"=LEVXL_TARGET_PRICE({S},{E},{L},{s['target_roe']},{C})", PRICE)
    s.section("Liquidation price (isolated margin)")
    s.out("liq", "liquidation price", f"=LEVXL_LIQ_PRICE({S},{E},{Z},{L},{MMR},{M},{C},{FEE})", PRICE,
          "maintenance margin from the rate or the position's tier")
    s.out("bankrupt", "bankruptcy price", f"=LEVXL_BANKRUPTCY_PRICE({S},{E},{Z},{L},{M},{C},{FEE})", PRICE,
          "where the margin is gone")
    s.out("liq_dist", "distance to liq. from the mark (<0 = past it)",
          f'=IF({s["liq"]}="no liquidation","none",LEVXL_LIQ_DISTANCE({S},{X},{s["liq"]}))', PCT,
          "adverse move of the exit/mark price to liquidation, a fraction of it")
    s.section("Liquidation price (cross margin)")
    s.inp("wallet", "wallet balance", 10000, AMOUNT, "margin currency")
    s.inp("other_mm", "maintenance margin of the other positions", 0, AMOUNT)
    s.inp("other_upnl", "unrealised PnL of the other positions", 0, AMOUNT)
    s.out("liq_cross", "cross liquidation price",
          f"=LEVXL_LIQ_PRICE_CROSS({S},{E},{Z},{s['wallet']},{MMR},{s['other_mm']},{s['other_upnl']},{C},{FEE})",
          PRICE)
    s.section("Max position size for a leverage")
    s.inp("available", "available margin", 1000, AMOUNT, "margin currency")
    s.out("max_size", "max size", f"=LEVXL_MAX_SIZE({S},{s['available']},{E},{L},{MMR},{FEE},{C})", SIZE,
          "coin (linear) or USD (inverse); capped by the tier's max leverage")


def _fills(s: _Stack) -> None:
    s.ws.row_breaks.append(Break(id=s.row))
    s.section("Average entry over fills")
    hdr = s.next()
    header_cells(s.ws, hdr, 1, ["fill", "price", "size"])
    note(s.ws, f"D{hdr}", "blank rows are ignored")
    fills = [(60000, 0.2), (59000, 0.2), (58000, 0.1), (None, None), (None, None)]
    for k, (price, size) in enumerate(fills):
        row = s.next()
        s.ws.cell(row, 1, f"fill {k + 1}").font = F_LABEL
        input_cell(s.ws.cell(row, 2), price, PRICE)
        input_cell(s.ws.cell(row, 3), size, SIZE)
    a, b = hdr + 1, hdr + len(fills)
    s.out("avg_entry", "average entry price", f"=LEVXL_AVG_ENTRY($B${a}:$B${b},$C${a}:$C${b},{s['contract']})",
          PRICE, "size-weighted (linear) or harmonic (inverse)")
    s.out("fills_size", "total size", f"=SUM($C${a}:$C${b})", SIZE)


def _funding_and_sizing(s: _Stack) -> None:
    S, C, E, Z, MMR, FEE = (s[k] for k in ("side", "contract", "entry", "size", "mmr", "fee"))
    s.section("Funding cost")
    s.inp("funding_rate", "funding rate per interval", 0.0001, RATE, "longs pay when > 0")
    s.inp("periods", "funding intervals held", 21, INT, "21 = 7 days of 8-hour funding")
    s.out("notional", "position value at entry", f'=IF({C}="inverse",{Z}/{E},{Z}*{E})', AMOUNT, "margin currency")
    s.out("funding_cost", "funding cost",
          f"=LEVXL_FUNDING_COST({S},{s['notional']},{s['funding_rate']},{s['periods']})", AMOUNT,
          "paid (negative = received)")
    s.section("Position size from a risk budget and a stop")
    s.inp("equity", "account equity", 10000, AMOUNT)
    s.inp("risk", "risk per trade", 0.01, PCT, "fraction of equity lost at the stop")
    s.inp("stop", "stop price", 57000, PRICE)
    s.out("pos_size", "position size",
          f"=LEVXL_POSITION_SIZE({s['equity']},{s['risk']},{E},{s['stop']},{FEE},{C})", SIZE,
          "coin (linear) or USD (inverse); fee paid to open and close")
    s.section("Max leverage for a stop")
    s.inp("buffer", "buffer beyond the stop", 0.002, PCT, "fraction of the stop price")
    # rounded DOWN to 0.01x in the formula: a number format rounds to nearest (17.777 would show 17.78x, above the
    # cap); 0.01x is the finest leverage step venues take (Bybit, OKX), Binance takes whole numbers
    s.out("max_lev", "max leverage (rounded down to 0.01x)",
          f"=INT(LEVXL_MAX_LEVERAGE({S},{E},{s['stop']},{MMR},{s['buffer']},{C},{FEE},{Z})*100)/100", LEV_CAP,
          "the liquidation price stays beyond the stop at this leverage or below")


def calculator_sheet(ws) -> dict[str, str]:
    """Fill the Calculator sheet.

    Parameters
    ----------
    ws : openpyxl Worksheet

    Returns
    -------
    dict
        key -> absolute address of every input and result (``{"liq": "$B$22", ...}``).
    """
    ws.sheet_view.showGridLines = False
    widths(ws, {"A": 40, "B": 17, "C": 13, "D": 56})  # 126 units: one A4 landscape page wide at >= 8 pt
    ws["A1"] = "Calculator: the exchange-calculator tabs for one position"
    ws["A1"].font = F_TITLE
    note(ws, "A2", "Edit the yellow inputs; every result below updates once the functions are imported "
                   "(xlwings -> Import Functions).")
    ws["A3"] = "Legend:"
    ws["A3"].font = F_BOLD
    input_cell(ws["B3"], "input")
    output_cell(ws["C3"], "formula")
    note(ws, "D3", "formula cells call the LEVXL_ functions")
    stack = _Stack(ws)
    _position(stack)
    _pnl_and_liquidation(stack)
    _fills(stack)
    _funding_and_sizing(stack)
    ws.freeze_panes = "A4"
    print_setup(ws, "1:3", f"A1:D{stack.row}")
    return dict(stack.refs)
