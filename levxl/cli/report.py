"""``levxl report``: write the standalone risk report workbook."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from levxl.files.atomic import refuse_output_over_inputs
from levxl.files.bundled import example_positions
from levxl.files.cells import terminal_text

__all__ = ["report"]


@click.command("report", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("positions", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.xlsx"),
              show_default=True, help="Workbook to write.")
@click.option("--as-of", "as_of", default=None, help="Timestamp shown on the report (ISO 8601; default now, UTC).")
@click.option("--marks", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Marks to use: CSV with symbol,mark[,venue,vol] or JSON {symbol: mark}.")
@click.option("--vol", type=float, default=None, help="Annualised volatility for every position (0.6 = 60%).")
@click.option("--accounts", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Cross wallets: ccxt fetch_balance JSON, or CSV with venue,account,currency,wallet.")
def report(positions: Path | None, output: Path, as_of: str | None, marks: Path | None, vol: float | None,
           accounts: Path | None) -> None:
    """Write a risk report workbook (Excel/LibreOffice, no Python needed) for POSITIONS (CSV, xlsx or ccxt JSON;
    the bundled example when omitted)."""
    from levxl.book.figures import risk_table
    from levxl.book.accounts import load_book
    from levxl.book.positions import FLAT_BOOK
    from levxl.book.marks import apply_marks
    from levxl.workbooks.report import build_report
    from xlsxwriter.exceptions import FileCreateError

    source = positions or example_positions()
    try:
        refuse_output_over_inputs([source, marks, accounts], output)  # before anything is read or written
        if output.suffix.lower() != ".xlsx":  # an .xlsx under another name opens as garbage or not at all
            raise ValueError(f"the report is an .xlsx workbook: name it so ({output.name} has "
                             f"{output.suffix or 'no extension'}); nothing was written")
        # cross positions on their account's wallet when the input carries it (ccxt fetch_balance, wallet column)
        loaded, liquidation = load_book(source, accounts)
        book, notes = apply_marks(loaded, marks, vol)
        # levxl's cross prices (Reconciliation) are the accounts' at the file's marks: not reused over other marks
        path = build_report(book, output, as_of=as_of, notes=notes,
                            liquidation=liquidation if marks is None else None)
    except (ValueError, MemoryError) as exc:
        raise click.ClickException(terminal_text(exc)) from None
    except FileCreateError as exc:  # XlsxWriter's wrapper of an OSError; the temp file is already gone
        raise click.ClickException(terminal_text(f"cannot write {output}: {exc}; nothing was written")) from None
    # The summary line reads the same figures table, of the same marked book, as the workbook.
    table = risk_table(book)
    worst = table.closest()  # None when no position has a liquidation distance (options only)
    warned = sum(1 for w in book.warnings if w)
    not_computed = int(np.sum(~book.recomputable & ~book.option))
    liquidated = table.statuses(0.05, 0.10).count("LIQUIDATED")
    click.echo(terminal_text(
        f"wrote {path}: {len(book)} positions, {len(book.issues) + len(notes)} input issues"
        + (f", {warned} rows with warnings (sheet Input issues lists them)" if warned else "")
        + (f", {not_computed} cross/unknown-mode positions levxl cannot recompute" if not_computed else "")
        + (f", {liquidated} LIQUIDATED (mark past the liquidation price)" if liquidated else "")
        + f", {table.count_within(0.10)} within 10% of liquidation"
        + (f", closest: {' '.join(x for x in (book.venue[worst], book.symbol[worst]) if x)} "
           + (f"{table.distance[worst]:.1%} away" if table.distance[worst] > 0
              else f"{-table.distance[worst]:.1%} past its liquidation price")
           if worst is not None else "")
        + (f"; {FLAT_BOOK}" if not len(book) and not book.issues else "")))
