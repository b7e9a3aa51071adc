"""Where everything goes: the named anchors (rows and columns) of every block a formula or a test refers to, planned
once from the figures table before any sheet is written, so no cell address is written in two places.

Rows and columns are 0-based (XlsxWriter's) unless a name says ``_a1`` or ``first``/``last`` on Positions, which are
1-based spreadsheet rows as in A1 references."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np

from levxl.book.figures import OPTION_VOL_SHIFTS, RiskTable
from levxl.book.options_book import FRONTIER_VOL_SHIFTS, PM_RULES_COMPARED, option_accounts
from levxl.book.venue_rules import limit_rows
from levxl.book.stresses import MAP_EDGES, STRESSES, betas_of
from levxl.workbooks.report.cells import col
from levxl.workbooks.report.inputs import MOVES

__all__ = ["Layout", "plan_layout", "position_columns", "PositionsLayout", "SummaryLayout", "ScenariosLayout",
           "StressLayout", "SUMMARY_BOOK_ROWS", "SUMMARY_HEADLINES", "WORST_N", "FundingLayout", "MethodologyLayout", "LadderLayout", "IssuesLayout", "SHEETS",
           "PERP_COLUMNS", "OPTION_COLUMNS", "HELPERS", "ReconciliationLayout", "TierTablesLayout",
           "OptionsMarginLayout", "OptionBlock", "RECONCILIATION_COLUMNS", "PROVENANCE_COLUMNS", "LIMIT_COLUMNS",
           "OPTION_ACCOUNT_LINES", "sheet_names"]

SHEETS = ("Summary", "Positions", "Reconciliation", "Scenarios", "Stress", "Stress detail", "Liquidation ladder",
          "Funding",
          "Options margin", "Tier tables", "Methodology", "Input issues")
"""The report's sheets in tab order ("Options margin" only when the book holds options: :func:`sheet_names`)."""


def sheet_names(options: bool) -> list[str]:
    """The sheets of a report, in tab order: :data:`SHEETS` without "Options margin" for a book without options."""
    return [s for s in SHEETS if options or s != "Options margin"]

PERP_COLUMNS = (
    ("row", "Input row", 6), ("venue", "Venue", 10), ("symbol", "Symbol", 14), ("side", "Side", 6),
    ("contract", "Contract", 8), ("ccy", "Margin ccy", 7), ("size", "Size (coin / USD face)", 12),
    ("entry", "Entry", 11), ("mark", "Mark", 11), ("vol", "Vol (ann.)", 7), ("lev", "Eff. leverage", 7),
    ("margin", "Isolated margin", 12), ("liq", "Liquidation price", 12), ("bank", "Bankruptcy price", 12),
    ("dist", "Distance to liq. (adverse move of the mark; ≤ 0 = past it)", 10), ("sigma", "σ-days to liq.", 7),
    ("flag", "Status", 11),
    ("notional", "Notional (margin ccy)", 12), ("notional_usd", "Notional (USD)", 12),
    ("mm", "Maint. margin at the mark", 11), ("mm_rate", "Maint. rate", 7), ("tier", "Tier at liq. price", 27),
    ("upnl", "Unrealised PnL", 12), ("upnl_usd", "uPnL (USD)", 11), ("fund_rate", "Funding rate / interval", 9),
    ("fund_hours", "Funding interval (h)", 7), ("fund_day", "Funding / day", 11), ("fund_year", "Funding / year", 11),
    ("p1", "P(liq) 1 day", 8),
    ("p7", "P(liq) 7 days", 8), ("add_margin", "Margin to add for the target distance (margin ccy)", 12),
    ("cut_size", "Or size to cut, margin kept (size unit)", 12),
    # helpers (grouped and hidden): constants of the tier at the liquidation price, live tier at the mark, the
    # stresses' per-position inputs (asset, beta, squeezed, adverse direction), the tiers of the distance fixes
    ("s", "s (+1 long)", 6), ("mmr_liq", "mmr at liq.", 8), ("cum_liq", "cum at liq.", 10),
    ("mmr_mark", "mmr at mark", 8), ("cum_mark", "cum at mark", 10), ("fx", "USD per margin ccy", 10),
    ("asset", "Asset", 8), ("beta", "Beta to BTC", 7), ("squeezed", "Squeezed (book net short the asset)", 8),
    ("adv", "Adverse direction (+1 = a rise loses)", 8), ("mkt_liq", "BTC move to liq. (beta-scaled)", 9),
    ("tgt_price", "Liq. price at the target distance", 12), ("mmr_tgt", "mmr at target", 8),
    ("cum_tgt", "cum at target", 10), ("mmr_cut", "mmr after cut", 8), ("cum_cut", "cum after cut", 10),
    ("fee", "Fee inside the liq. threshold (venue)", 8),
    ("tick", "Tick (input; blank: prices unrounded)", 8), ("liq_raw", "Liq. price before the tick", 12),
    ("bank_raw", "Bankruptcy price before the tick", 12),
    ("acct", "Cross account (0, 1, ...; -1: none)", 7),
    ("eq_margin", "Margin in equity (cross: the account's wallet, shared by notional)", 12),
    ("acct_left", "Cross account's wallet less fees to close", 12),
    ("add_total", "Margin to add in the total (USD; a cross account's largest, once)", 12),
    ("mkt_liq2", "BTC move to liq., a cross account's other side (beta-scaled)", 9),
)
"""(key, header, width) of the Positions columns of a book without options."""
HELPERS = ("s", "mmr_liq", "cum_liq", "mmr_mark", "cum_mark", "fx", "asset", "beta", "squeezed", "adv", "mkt_liq",
           "tgt_price", "mmr_tgt", "cum_tgt", "mmr_cut", "cum_cut", "fee", "tick", "liq_raw", "bank_raw", "acct",
           "eq_margin", "acct_left", "add_total", "mkt_liq2")
"""Helper columns (hidden, grouped) at the right of Positions."""
OPTION_COLUMNS = (
    ("kind", "Kind", 7), ("otype", "Call / put", 6), ("strike", "Strike", 10), ("expiry", "Days to expiry", 7),
    ("oval", "Option value (per option, margin ccy)", 12), ("delta", "Delta (coins)", 10),
    ("gamma", "Gamma (coins per $1)", 10), ("vega", "Vega (per vol point)", 11), ("theta", "Theta (per day)", 11),
)
"""Columns added before the helpers when the book holds options (position greeks: s × size × greek, margin
currency; blank for perps)."""


def position_columns(options: bool) -> list:
    """The Positions columns: :data:`PERP_COLUMNS`, with :data:`OPTION_COLUMNS` before the helpers when the book
    holds options."""
    if not options:
        return list(PERP_COLUMNS)
    k = len(PERP_COLUMNS) - len(HELPERS)
    return list(PERP_COLUMNS[:k]) + list(OPTION_COLUMNS) + list(PERP_COLUMNS[k:])


@dataclass(frozen=True)
class PositionsLayout:
    """Positions: a header row, then one row per position from spreadsheet row :attr:`first`."""

    columns: tuple
    n: int
    first: int = 5  #: spreadsheet (1-based) row of the first position; Funding's table starts there too
    header_row: int = 3

    @property
    def last(self) -> int:
        """Spreadsheet row of the last position."""
        return self.first + self.n - 1

    @cached_property
    def col_of(self) -> dict:
        """key -> 0-based column."""
        return {key: k for k, (key, _, _) in enumerate(self.columns)}

    @cached_property
    def letters(self) -> dict:
        """key -> column letters."""
        return {key: col(k) for key, k in self.col_of.items()}

    def letter(self, key: str) -> str:
        return self.letters[key]

    def row0(self, i: int) -> int:
        """0-based sheet row of position ``i``."""
        return self.first - 1 + i

    def local(self, key: str, i: int) -> str:
        """A1 reference of position ``i``'s ``key`` cell on the Positions sheet itself ("M5")."""
        return f"{self.letter(key)}{self.first + i}"

    def ref(self, key: str, i: int, col_abs: bool = False, row_abs: bool = False) -> str:
        """Reference from another sheet ("Positions!$M$5" with both absolute)."""
        return f"Positions!{'$' if col_abs else ''}{self.letter(key)}{'$' if row_abs else ''}{self.first + i}"

    def refs(self, i: int, col_abs: bool = False, row_abs: bool = False) -> MappingProxyType:
        """Every column's reference for position ``i`` from another sheet (:meth:`ref` of each key); read-only. The
        last few are kept: a row's stress and scenario cells read its references hundreds of times, one row after
        another (keeping every row's would hold ~150 MB at 10,000 positions)."""
        key = (i, col_abs, row_abs)
        cache = self._refs
        got = cache.get(key)
        if got is None:
            c, r = "$" if col_abs else "", "$" if row_abs else ""
            row = f"{r}{self.first + i}"
            got = MappingProxyType({k: f"Positions!{c}{letter}{row}" for k, letter in self.letters.items()})
            if len(cache) >= 8:
                cache.clear()
            cache[key] = got
        return got

    @cached_property
    def _refs(self) -> dict:
        return {}

    def locals(self, i: int) -> dict:
        """Every column's A1 reference for position ``i`` on the Positions sheet itself."""
        row = self.first + i
        return {key: f"{letter}{row}" for key, letter in self.letters.items()}

    def range(self, key: str) -> str:
        """The whole column of positions, absolute ("Positions!$M$5:$M$14")."""
        c = self.letter(key)
        return f"Positions!${c}${self.first}:${c}${max(self.last, self.first)}"


SUMMARY_BOOK_ROWS = ("equity", "upnl", "gross", "net", "leverage", "funding")
"""The Summary's book figures, one row each from :attr:`SummaryLayout.book_first`."""
SUMMARY_HEADLINES = ("status", "nearest", "worst_stress", "adverse", "margin_to_add", "expected_liquidations")
"""The Summary's headline figures (what to read in ten seconds), one row each from
:attr:`SummaryLayout.headline_first`."""
WORST_N = 5
"""Positions in the Summary's "closest to liquidation" table."""


@dataclass(frozen=True)
class SummaryLayout:
    """Summary: headline figures, the positions closest to liquidation, two charts (change by stress, the
    liquidation map), report info, book figures, inputs, the market inputs table, option lines."""

    instruments: tuple  #: (venue, symbol, contract, mark, vol or None) of each market-inputs row
    instrument_of: tuple  #: per position: its row in the market inputs table
    options: bool
    headline_section: int = 3
    headline_first: int = 4
    worst_section: int = 11
    worst_header: int = 12
    worst_first: int = 13
    chart_first: int = 19  #: the change-by-stress chart (full width), the liquidation map below it
    chart_second: int = 37
    info_section: int = 54
    book_section: int = 60
    book_first: int = 61
    value_col: int = 2
    tiers_row: int = 67  #: one line: stale / missing tier tables and tier-limit breaches (see Tier tables)
    inputs_section: int = 69
    move_row: int = 70  #: the adverse move of every mark (input)
    red_row: int = 71  #: RED threshold (input)
    amber_row: int = 72  #: AMBER threshold (input)
    target_row: int = 73  #: target distance of the margin-to-add and size-to-cut columns (input)
    market_section: int = 75
    market_header: int = 77
    market_first: int = 78
    mark_col: int = 4
    vol_col: int = 5

    def headline(self, key: str) -> int:
        return self.headline_first + SUMMARY_HEADLINES.index(key)

    def row(self, key: str) -> int:
        return self.book_first + SUMMARY_BOOK_ROWS.index(key)

    def cell(self, key: str) -> str:
        """A1 reference of a book figure's value cell ("C10")."""
        return f"{col(self.value_col)}{self.row(key) + 1}"

    def a1(self, row: int, column: int | None = None) -> str:
        """A1 reference on the Summary itself ("C26"; the value column by default)."""
        return f"{col(self.value_col if column is None else column)}{row + 1}"

    def ref(self, row: int, column: int | None = None) -> str:
        """Absolute reference from another sheet ("Summary!$C$26")."""
        return f"Summary!${col(self.value_col if column is None else column)}${row + 1}"

    def market_row(self, i: int) -> int:
        """Row of position ``i``'s instrument in the market inputs table."""
        return self.market_first + self.instrument_of[i]

    @property
    def option_section(self) -> int:
        """Row of the option book section (books with options)."""
        return self.market_first + len(self.instruments) + 2


@dataclass(frozen=True)
class OptionGridLayout:
    """The option book's move x vol-shift grid at the bottom of Scenarios."""

    top: int
    n_options: int

    @property
    def move_row(self) -> int:  #: the moves (inputs)
        return self.top + 2

    @property
    def shift_first(self) -> int:  #: totals at each vol shift, the shift in column F
        return self.move_row + 1

    @property
    def detail_header(self) -> int:
        return self.move_row + len(OPTION_VOL_SHIFTS) + 3

    def block(self, k: int) -> int:
        """Label row of vol shift ``k``'s detail block (a row per option follows)."""
        return self.detail_header + 1 + k * (self.n_options + 1)


@dataclass(frozen=True)
class ScenariosLayout:
    """Scenarios: the move x leverage grid (largest position), the heatmap, the option grid."""

    grid_position: int | None  #: position of the move x leverage grid (the largest future), None without one
    heat_top: int  #: section row of the heatmap
    n: int
    option_grid: OptionGridLayout | None
    first_col: int = 6  #: column of the first move

    grid_top: int = 2

    @property
    def grid_leverage_row(self) -> int:  #: leverages (inputs); margin, mmr, cum, liquidation price below
        return self.grid_top + 2

    @property
    def grid_header(self) -> int:
        return self.grid_leverage_row + 5

    @property
    def heat_moves(self) -> int:
        """Row of the heatmap's moves (inputs)."""
        return self.heat_top + 1

    @property
    def heat_total(self) -> int:
        return self.heat_moves + 1

    @property
    def heat_first(self) -> int:
        """0-based row of the heatmap's first position (the header row is just above)."""
        return self.heat_moves + 5

    @property
    def heat_last(self) -> int:
        return self.heat_first + self.n - 1

    def flag_col(self, what: int | str) -> int:
        """Hidden column of the heatmap's liquidated flag (1/0) at move ``j`` ("now": at the marks), right of
        everything else on the sheet."""
        return self.first_col + len(MOVES) + 1 + (len(MOVES) if what == "now" else what)

    def room_col(self, what: int | str) -> int:
        """Hidden column of a cross position's room at move ``j`` ("now": at the marks)."""
        return self.flag_col("now") + 1 + (len(MOVES) if what == "now" else what)

    def heat_range(self, c: int) -> str:
        """Absolute range of column ``c`` over the heatmap's positions."""
        return f"${col(c)}${self.heat_first + 1}:${col(c)}${max(self.heat_last, self.heat_first) + 1}"


_STRESS_NAMES = tuple(s.name for s in STRESSES)


@dataclass(frozen=True)
class StressLayout:
    """Stress: the named stresses (:data:`levxl.book.stresses.STRESSES`), gap, funding spike, vol shock; the betas
    by asset; the liquidation map by BTC move; the detail table (change vs now of each position in each stress)."""

    n: int
    assets: tuple = ()  #: the book's assets, one row each in the betas table
    betas: tuple = ()  #: their default betas to BTC (inputs)
    header: int = 3
    first: int = 4  #: first stress row
    move_col: int = 2

    @property
    def names(self) -> list[str]:
        return list(_STRESS_NAMES)

    @property
    def last_named(self) -> int:
        """Row of the last named stress."""
        return self.first + len(STRESSES) - 1

    @property
    def gap_row(self) -> int:
        return self.first + len(self.names)

    @property
    def funding_row(self) -> int:  #: the cap; the days at the cap on the row below
        return self.gap_row + 1

    @property
    def vol_row(self) -> int:
        return self.funding_row + 2

    @property
    def betas_section(self) -> int:
        return self.vol_row + 2

    @property
    def betas_header(self) -> int:
        return self.betas_section + 1

    @property
    def betas_first(self) -> int:
        return self.betas_header + 1

    @property
    def betas_last(self) -> int:
        return self.betas_first + max(len(self.assets), 1) - 1

    def betas_range(self, k: int = 0) -> str:
        """Absolute range of the betas table (``k`` = 0 the whole table, for VLOOKUP)."""
        return f"Stress!$B${self.betas_first + 1}:$E${self.betas_last + 1}"

    @property
    def map_section(self) -> int:
        return self.betas_last + 2

    @property
    def map_header(self) -> int:
        return self.map_section + 1

    @property
    def map_first(self) -> int:
        return self.map_header + 1

    @property
    def map_last(self) -> int:
        return self.map_first + len(MAP_EDGES)  # the open buckets below the first edge and above the last

    detail_header: int = 3  #: on the "Stress detail" sheet
    detail_sheet: str = "'Stress detail'"

    @property
    def detail_first(self) -> int:
        return self.detail_header + 1

    @property
    def detail_last(self) -> int:
        return self.detail_first + self.n - 1

    def detail_range(self, what: str | int) -> str:
        """Absolute range of a detail column over the positions ("'Stress detail'!$E$5:$E$12")."""
        c = col(self.detail_col(what))
        return f"{self.detail_sheet}!${c}${self.detail_first + 1}:${c}${max(self.detail_last, self.detail_first) + 1}"

    def detail_ref(self, what: str | int, i: int) -> str:
        """Absolute reference of position ``i``'s detail cell."""
        return f"{self.detail_sheet}!${col(self.detail_col(what))}${self.detail_first + 1 + i}"

    def detail_col(self, what: str | int) -> int:
        """Detail column of stress ``k`` (int) or of now, gap, funding_cost, funding_hit, vol, prob, loss."""
        if isinstance(what, int):
            return 4 + what
        if what == "now":
            return 3
        return 4 + len(self.names) + ("gap", "funding_cost", "funding_hit", "vol", "prob", "loss").index(what)

    def price_col(self, k: int) -> int:
        """Hidden detail column of the mark after stress ``k`` (the change formulas read it: written once, not
        repeated inside each of them)."""
        return self.detail_col("loss") + 1 + k

    def flag_col(self, what: int | str) -> int:
        """Hidden detail column of stress ``k``'s liquidated flag (1/0; "now": at the marks)."""
        return self.price_col(len(_STRESS_NAMES)) + (len(_STRESS_NAMES) if what == "now" else what)

    def room_col(self, what: int | str) -> int:
        """Hidden detail column of a cross position's room after stress ``k`` ("now": at the marks;
        "funding": after the funding spike), :func:`levxl.workbooks.report.cross.room`."""
        extra = {"now": len(_STRESS_NAMES), "funding": len(_STRESS_NAMES) + 1}
        return self.flag_col("now") + 1 + extra.get(what, what)

    def column_range(self, c: int) -> str:
        """Absolute range of detail column ``c`` over the positions."""
        return (f"{self.detail_sheet}!${col(c)}${self.detail_first + 1}:"
                f"${col(c)}${max(self.detail_last, self.detail_first) + 1}")

    def total_ref(self, row: int, column: int = 3) -> str:
        """Reference to a stress row's figure ("Stress!D9": PnL from entry; column 4: change vs now)."""
        return f"Stress!{col(column)}{row + 1}"


@dataclass(frozen=True)
class FundingLayout:
    """Funding and decay: a row per future from Positions' first row, a total, then the options' decay."""

    n_perps: int
    n_options: int
    first: int = 5
    header: int = 3

    @property
    def total_row(self) -> int:
        return self.first - 1 + self.n_perps

    @property
    def decay_section(self) -> int:
        return self.total_row + 3

    @property
    def decay_first(self) -> int:
        """0-based row of the first option's decay row."""
        return self.decay_section + 2


@dataclass(frozen=True)
class MethodologyLayout:
    """Methodology: text, stresses, then the tier tables from :attr:`tier_start`."""

    tiers: tuple  #: (name, table, label row, header row, first row)
    tier_start: int = 42

    def tier_ranges(self, name: str) -> tuple[str, str, str]:
        """Absolute (floor, mmr, cum) ranges of a tier table, for LOOKUP."""
        for tname, table, _, _, first in self.tiers:
            if tname == name:
                return tuple(f"Methodology!${c}${first + 1}:${c}${first + table.size}" for c in ("C", "F", "G"))
        raise KeyError(name)


@dataclass(frozen=True)
class LadderLayout:
    header: int = 4
    first: int = 5
    long_col: int = 0
    short_col: int = 8


@dataclass(frozen=True)
class IssuesLayout:
    header: int = 3
    first: int = 4


RECONCILIATION_COLUMNS = (
    ("row", "Input row", 6), ("venue", "Venue", 10), ("account", "Account", 10), ("symbol", "Symbol", 16),
    ("side", "Side", 6), ("mode", "Margin mode", 9), ("venue_liq", "Venue liq. price", 12),
    ("levxl_liq", "levxl liq. price", 12), ("diff", "Difference (levxl / venue − 1)", 11),
    ("tick", "Tick", 8), ("ticks", "Difference in ticks ((levxl − venue) / tick)", 11),
    ("venue_mm", "Venue maint. margin (margin ccy)", 12), ("levxl_mm", "levxl maint. margin (margin ccy)", 12),
    ("reason", "Reconciliation: how levxl computed it, and why it differs", 60),
)
"""(key, header, width) of the Reconciliation columns (:func:`levxl.book.reconcile.reconciliation_table`)."""


def _column_of(columns: tuple, key: str) -> int:
    return [k for k, _, _ in columns].index(key)


@dataclass(frozen=True)
class ReconciliationLayout:
    """Reconciliation: one row per position (book order) from 0-based row :attr:`first`."""

    n: int
    columns: tuple = RECONCILIATION_COLUMNS
    header: int = 4
    first: int = 5

    def col(self, key: str) -> int:
        return _column_of(self.columns, key)

    def a1(self, key: str, i: int) -> str:
        """A1 reference of position ``i``'s ``key`` cell on the sheet itself."""
        return f"{col(self.col(key))}{self.first + i + 1}"


PROVENANCE_COLUMNS = (
    ("row", "Input row", 6), ("venue", "Venue", 10), ("symbol", "Symbol", 16), ("profile", "Venue profile", 13),
    ("table", "Tier table used", 26), ("as_of", "Table as of", 10), ("age", "Age (days)", 7),
    ("status", "Status", 9), ("source", "Source", 44), ("funding", "Funding interval (hours)", 9),
    ("warning", "Warning", 56),
)
"""(key, header, width) of the tier-table provenance rows (:func:`levxl.book.venue_rules.provenance_rows`)."""
LIMIT_COLUMNS = (
    ("row", "Input row", 6), ("venue", "Venue", 10), ("symbol", "Symbol", 16), ("table", "Tier table", 24),
    ("notional", "Notional (margin ccy, at mark)", 16), ("leverage", "Eff. leverage", 10),
    ("max_leverage", "Tier max leverage", 9), ("max_notional", "Max notional at this leverage", 16),
    ("problem", "Problem", 60),
)
"""(key, header, width) of the tier-limit rows (:func:`levxl.book.venue_rules.limit_rows`), below the provenance
rows in the same columns (each column as wide as the wider of the two)."""


@dataclass(frozen=True)
class TierTablesLayout:
    """Tier tables: the provenance table (a row per position), then the tier-limit breaches."""

    n: int
    n_limits: int
    header: int = 4
    first: int = 5

    @property
    def last(self) -> int:
        """0-based row of the last provenance row."""
        return self.first + max(self.n, 1) - 1

    @property
    def limits_section(self) -> int:
        return self.last + 3

    @property
    def limits_header(self) -> int:
        return self.limits_section + 1

    @property
    def limits_first(self) -> int:
        return self.limits_header + 1

    def col(self, key: str) -> int:
        return _column_of(PROVENANCE_COLUMNS, key)

    def limit_col(self, key: str) -> int:
        return _column_of(LIMIT_COLUMNS, key)

    def status_range(self) -> str:
        """The status column of the provenance rows, absolute ("'Tier tables'!$H$6:$H$9")."""
        c = col(self.col("status"))
        return f"'Tier tables'!${c}${self.first + 1}:${c}${self.last + 1}"


OPTION_ACCOUNT_LINES = ("underlying", "wallet", "liq_down", "liq_up", "standard_im", "standard_mm")
"""The figure lines of an option account's block, in order (value in column C, unit/notes to the right)."""


@dataclass(frozen=True)
class OptionBlock:
    """One option account's block on Options margin (0-based rows)."""

    top: int  #: the account's section title
    n_positions: int
    n_rules: int
    n_shifts: int

    @property
    def lines_first(self) -> int:
        return self.top + 2

    def line(self, key: str) -> int:
        return self.lines_first + OPTION_ACCOUNT_LINES.index(key)

    @property
    def pm_header(self) -> int:
        return self.lines_first + len(OPTION_ACCOUNT_LINES) + 1

    @property
    def pm_first(self) -> int:
        return self.pm_header + 1

    @property
    def frontier_header(self) -> int:
        return self.pm_first + self.n_rules + 1

    @property
    def frontier_first(self) -> int:
        return self.frontier_header + 1

    @property
    def positions_header(self) -> int:
        return self.frontier_first + self.n_shifts + 1

    @property
    def positions_first(self) -> int:
        return self.positions_header + 1

    @property
    def bottom(self) -> int:
        """0-based row of the block's last row."""
        return self.positions_first + self.n_positions - 1


@dataclass(frozen=True)
class OptionsMarginLayout:
    """Options margin: one block per account holding options (:func:`levxl.book.options_book.option_accounts`)."""

    blocks: tuple  #: OptionBlock per account, in the accounts' order
    value_col: int = 2
    first: int = 4


@dataclass(frozen=True)
class Layout:
    """Every sheet's anchors."""

    positions: PositionsLayout
    summary: SummaryLayout
    scenarios: ScenariosLayout
    stress: StressLayout
    funding: FundingLayout
    methodology: MethodologyLayout
    ladder: LadderLayout = field(default_factory=LadderLayout)
    issues: IssuesLayout = field(default_factory=IssuesLayout)
    reconciliation: ReconciliationLayout | None = None
    tier_tables: TierTablesLayout | None = None
    options_margin: OptionsMarginLayout | None = None


def _assets(table: RiskTable) -> tuple[tuple, tuple]:
    """The book's assets in first-seen order (rows of the Stress sheet's betas table) and their default betas."""
    assets, betas = betas_of(table)
    first = dict(zip(assets, betas))
    return tuple(first), tuple(float(first[a]) for a in first)


def _instruments(table: RiskTable) -> tuple[tuple, tuple]:
    book = table.book
    instruments: list[tuple] = []
    instrument_of: list[int] = []
    index: dict = {}
    for i in range(len(book)):
        key = (book.venue[i], book.symbol[i], book.contract[i], float(book.mark[i]),
               None if math.isnan(book.vol[i]) else float(book.vol[i]))
        if key not in index:
            index[key] = len(instruments)
            instruments.append(key)
        instrument_of.append(index[key])
    return tuple(instruments), tuple(instrument_of)


def _tier_blocks(table: RiskTable, start: int) -> tuple:
    blocks, r = [], start
    for name, tiers in table.tier_tables.items():
        head = r + 1
        blocks.append((name, tiers, r, head, head + 1))
        r = head + tiers.size + 3
    return tuple(blocks)


def _scenarios(table: RiskTable) -> ScenariosLayout:
    n, opt = len(table), table.option
    grid = None
    heat_top = 2
    # the largest future levxl can recompute (a cross position without its wallet is never figured as isolated)
    eligible = ~opt & table.book.recomputable if n else opt
    if n and eligible.any():
        grid = int(np.argmax(np.where(eligible, table.notional_usd, -np.inf)))
        heat_top = 2 + 2 + 5 + len(MOVES) + 3  # grid section, note, 5 leverage rows, header, moves, gap
    first = heat_top + 1 + 5
    option_grid = OptionGridLayout(max(first + n - 1, first) + 3, len(table.options.idx)) if table.any_options \
        else None
    return ScenariosLayout(grid, heat_top, n, option_grid)


def _options_margin(table: RiskTable) -> OptionsMarginLayout | None:
    if not table.any_options:
        return None
    blocks, top = [], OptionsMarginLayout.first
    for _, idx in option_accounts(table.book):
        block = OptionBlock(top, len(idx), len(PM_RULES_COMPARED), len(FRONTIER_VOL_SHIFTS))
        blocks.append(block)
        top = block.bottom + 3
    return OptionsMarginLayout(tuple(blocks))


def plan_layout(table: RiskTable) -> Layout:
    """The anchors of the report of ``table`` (the book's figures)."""
    instruments, instrument_of = _instruments(table)
    n, n_opt = len(table), int(table.option.sum())
    return Layout(
        positions=PositionsLayout(tuple(position_columns(table.any_options)), n),
        summary=SummaryLayout(instruments, instrument_of, table.any_options),
        scenarios=_scenarios(table),
        stress=StressLayout(n, *_assets(table)),
        funding=FundingLayout(n - n_opt, n_opt),
        methodology=MethodologyLayout(_tier_blocks(table, MethodologyLayout.tier_start)),
        reconciliation=ReconciliationLayout(n),
        tier_tables=TierTablesLayout(n, len(limit_rows(table.book)) - 1),
        options_margin=_options_margin(table),
    )
