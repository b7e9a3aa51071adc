"""The ``levxl`` command."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import numpy as np

from levxl.files.bundled import example_positions
from levxl.files.cells import terminal_text



def _fmt(x: float, kind: str) -> str:
    if kind == "pct":
        return "" if np.isnan(x) else ("inf" if np.isinf(x) else f"{x:+.1%}")
    if kind == "sigma":
        return "" if np.isnan(x) else f"{x:.2f}"
    if kind == "prob":
        return "" if np.isnan(x) else f"{x:.1%}"
    if np.isnan(x):
        return ""
    if np.isinf(x):
        return "none"
    if x == 0:
        return "0" if kind != "price" else "none"
    digits = max(0, min(8, 5 - int(np.floor(np.log10(abs(x))))))
    return f"{x:,.{digits}f}"


def refuse_empty_book(book) -> None:
    """A book with no valid position is a one-line error (naming the first refused row), not an engine crash."""
    if len(book):
        return
    first = f": row {book.issues[0][0]}: {book.issues[0][1]}" if book.issues else ""
    more = f" (and {len(book.issues) - 1} more refused rows)" if len(book.issues) > 1 else ""
    raise click.ClickException(terminal_text(f"{book.source or 'positions'}: no valid positions{first}{more}"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="levxl")
def main() -> None:
    """levxl: how leverage amplifies a crypto-derivatives desk's losses."""


@main.command()
@click.argument("positions", required=False, type=click.Path(dir_okay=False, path_type=Path))
def risk(positions: Path | None) -> None:
    """Print a risk table for a positions file (CSV, xlsx or ccxt JSON); the bundled example by default."""
    from levxl.book.positions import load_positions
    from levxl.book.figures import pnl_after_mark_move, risk_table

    path = positions or example_positions()
    try:
        book = load_positions(path)
    except (ValueError, MemoryError) as exc:
        raise click.ClickException(terminal_text(exc)) from None
    refuse_empty_book(book)
    table = risk_table(book)
    shocks = pnl_after_mark_move(book, [-0.1, -0.2, -0.3])
    header = ["#", "venue", "symbol", "side", "kind", "mark", "liq price", "move to liq", "σ-days", "P(1d)", "P(7d)",
              "uPnL", "PnL -10%", "PnL -20%", "PnL -30%", "funding/day"]
    rows = []
    for i in range(len(book)):
        rows.append([str(book.row[i]), terminal_text(book.venue[i]), terminal_text(book.symbol[i]),
                     "long" if book.side[i] > 0 else "short",
                     terminal_text(book.contract[i][:3]), _fmt(book.mark[i], "num"),
                     _fmt(table.liquidation[i], "price"),
                     ("n/a" if np.isnan(table.distance[i]) else _fmt(-table.distance[i] * book.side[i], "pct")
                      if table.distance[i] > 0 else "BEYOND"),
                     _fmt(table.sigma_days[i], "sigma"),
                     _fmt(table.prob_1d[i], "prob"), _fmt(table.prob_7d[i], "prob"), _fmt(table.upnl[i], "num"),
                     *(_fmt(v, "num") for v in shocks[i]), _fmt(table.funding_per_day[i], "num")])
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in enumerate(header)]
    click.echo(f"levxl risk: {terminal_text(book.source)} ({len(book)} positions; amounts in each position's margin "
               "currency)")
    click.echo("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        click.echo("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    for row, reason in book.issues:
        click.echo(f"row {row} skipped: {terminal_text(reason)}", err=True)


@main.command()
@click.option("--markdown", is_flag=True, help="print the Markdown function reference (docs/functions.md)")
def functions(markdown: bool) -> None:
    """List the LEVXL_ spreadsheet functions (the catalogue)."""
    from levxl.catalogue import reference_docs

    if markdown:
        click.echo(reference_docs.markdown(), nl=False)
        return
    for signature, category, summary, *_ in reference_docs.rows():
        click.echo(f"{category:<12} {signature}\n{'':<12}   {summary}")


def _register() -> None:
    """Commands whose modules carry heavier imports are added here (one place to see the whole CLI)."""
    from levxl.cli.recalc import recalc
    from levxl.cli.report import report
    from levxl.cli.template import template

    main.add_command(recalc)
    main.add_command(report)
    main.add_command(template)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
