"""The option book's move x vol-shift grid on Scenarios (Deribit portfolio-margin style): totals on top (a heatmap),
then one block per vol shift with a row per option; native Black-76 formulas, cached values from the figures
table (:func:`levxl.engine.options.option_pnl_grid` in USD)."""

from __future__ import annotations

from levxl.book.figures import OPTION_MOVES, OPTION_VOL_SHIFTS, RiskTable
from levxl.workbooks.report import formulas
from levxl.workbooks.report.cells import HEADER, LABEL, RLABEL, SECTION, SUBTITLE, SheetSpec, col, number
from levxl.workbooks.report.layout import Layout
from levxl.workbooks.report.rows import amount_style, identity_cells

__all__ = ["option_grid"]


def _totals(sheet: SheetSpec, t: RiskTable, lay: Layout) -> None:
    G, first = lay.scenarios.option_grid, lay.scenarios.first_col
    usd = t.options.grid_usd
    for k, shift in enumerate(OPTION_VOL_SHIFTS):
        r0 = G.shift_first + k
        sheet.merge(r0, 0, r0, 4, RLABEL, "Total PnL (USD) at a vol shift (abs., input) of" if k == 0 else "")
        sheet.number(r0, 5, shift, number("pct", 0, inp=True))
        for j in range(len(OPTION_MOVES)):
            dc = col(first + j)
            sheet.formula(r0, first + j, f"=SUM({dc}{G.block(k) + 2}:{dc}{G.block(k) + 1 + G.n_options})",
                          number("usd", bold=True), float(usd[:, k, j].sum()))
    g0, g1 = G.shift_first, G.shift_first + len(OPTION_VOL_SHIFTS) - 1
    sheet.conditional(f"G{g0 + 1}:{col(5 + len(OPTION_MOVES))}{g1 + 1}",
                      {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFFFFF",
                       "max_color": "#63BE7B", "mid_type": "num", "mid_value": 0})


def _block(sheet: SheetSpec, t: RiskTable, lay: Layout, k: int) -> None:
    """Vol shift ``k``: a label row, then each option's PnL vs now at each move."""
    G, P, first, book = lay.scenarios.option_grid, lay.positions, lay.scenarios.first_col, t.book
    shift, fig = OPTION_VOL_SHIFTS[k], t.options
    shift_ref = f"$F${G.shift_first + 1 + k}"
    sheet.merge(G.block(k), 0, G.block(k), 5, LABEL)
    sheet.formula(G.block(k), 0, f'="Vol shift "&TEXT({shift_ref},"+0%;-0%;0%")&" (abs.)"', LABEL,
                  f"Vol shift {shift:+.0%} (abs.)" if shift else "Vol shift 0% (abs.)")
    for kk, i in enumerate(fig.idx):
        r0 = G.block(k) + 1 + kk
        inv = bool(t.inverse[i])
        gq = {x: P.ref(x, i, True, True) for x in ("row", "venue", "symbol", "side", "mark", "oval", "s", "size",
                                                    "strike", "expiry", "vol")}
        identity_cells(sheet, r0, t, i, gq.__getitem__)
        sheet.formula(r0, 5, f"={gq['oval']}", amount_style(t, i), float(fig.value[kk]))
        w = 1 if book.option_type[i] == "call" else -1
        vol = f"MAX({gq['vol']}+{shift_ref},0)"
        for j in range(len(OPTION_MOVES)):
            Pm = f"($E{r0 + 1}*(1+{col(first + j)}${G.move_row + 1}))"
            f = formulas.option_move_pnl(w, gq["s"], gq["size"], f"$F{r0 + 1}", Pm, gq["strike"], gq["expiry"], vol,
                                         inv)
            sheet.formula(r0, first + j, f, number("usd"), float(fig.grid_usd[kk, k, j]))


def option_grid(sheet: SheetSpec, t: RiskTable, lay: Layout) -> None:
    """Add the option book's PnL vs now (USD) over moves of the underlying x absolute vol shifts to the Scenarios
    ``sheet`` at :attr:`ScenariosLayout.option_grid`.

    Parameters
    ----------
    sheet : SheetSpec
        The Scenarios sheet.
    t : RiskTable
        The book's figures (:attr:`RiskTable.options`).
    lay : Layout
        The report's anchors.
    """
    G, first = lay.scenarios.option_grid, lay.scenarios.first_col
    sheet.string(G.top, 0, "Option book: PnL vs now (USD) at a move of every underlying × a vol shift "
                           "(Deribit portfolio-margin style; same days to expiry)", SECTION)
    sheet.string(G.top + 1, 0, "Vol shifts are absolute (−10 vol points: 60% → 50%), floored at 0; moves and "
                               "shifts are inputs (blue). Options only; perps are in the heatmap above.", SUBTITLE)
    sheet.merge(G.move_row, 0, G.move_row, 5, RLABEL, "Move of every underlying (input) →")
    for j, mv in enumerate(OPTION_MOVES):
        sheet.number(G.move_row, first + j, mv, number("pct", 0, inp=True))
    _totals(sheet, t, lay)
    sheet.string(G.detail_header - 1, 0, "Detail by option (USD, PnL vs now)", SECTION)
    for k, h in enumerate(["Input row", "Venue", "Symbol", "Side", "Mark", "Value now"]):
        sheet.string(G.detail_header, k, h, HEADER)
    for j in range(len(OPTION_MOVES)):
        sheet.formula(G.detail_header, first + j, f"={col(first + j)}${G.move_row + 1}", number("pct", 0, bold=True),
                      float(OPTION_MOVES[j]))
    for k in range(len(OPTION_VOL_SHIFTS)):
        _block(sheet, t, lay, k)
