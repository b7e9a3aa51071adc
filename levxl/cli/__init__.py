"""The ``levxl`` command."""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from pathlib import Path

import click
import numpy as np

from levxl.files.bundled import example_positions
from levxl.files.cells import terminal_text



def _fmt(x: float, kind: str) -> str:
    if kind == "pct":
        return "" if math.isnan(x) else ("inf" if math.isinf(x) else f"{x:+.1%}")
    if kind == "sigma":
        return "" if math.isnan(x) else f"{x:.2f}"
    if kind == "prob":
        return "" if math.isnan(x) else f"{x:.1%}"
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "none"
    if x == 0:
        return "0" if kind != "price" else "none"
    digits = max(0, min(8, 5 - int(np.floor(np.log10(abs(x))))))
    return f"{x:,.{digits}f}"


def echo(text: str, **kwargs) -> None:
    """click.echo of text that may hold a venue's strings: control characters shown escaped, never sent to the
    terminal (a symbol holding ``\x1b]0;title\x07`` must not retitle it)."""
    click.echo(terminal_text(text), **kwargs)


def _packed(cells: list[str]) -> tuple[str, tuple[int, ...]]:
    return "".join(cells), tuple(len(c) for c in cells)


def _unpacked(packed: tuple[str, tuple[int, ...]]) -> list[str]:
    text, lengths = packed
    out, at = [], 0
    for n in lengths:
        out.append(text[at:at + n])
        at += n
    return out


def echo_lines(lines, err: bool = False, block: int = 2000) -> None:
    """:func:`echo` of each line, ``block`` lines per write (the same bytes; a 100,000-row table is 100,000 lines)."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= block:
            echo("\n".join(batch), err=err)
            batch.clear()
    if batch:
        echo("\n".join(batch), err=err)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="levxl")
def main() -> None:
    """levxl: how leverage amplifies a crypto-derivatives desk's losses."""


_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")  # -12.5, 1e-05: a number, never a formula


def _formula_like(text: str) -> bool:
    """Whether a spreadsheet opening the CSV could take ``text`` for a formula: its first character, or the first
    after leading white space (a tab, CR, LF or space that the import may drop: ``"\\t=cmd"``), is one of
    ``= + - @`` once NFKC-folded, which catches the full-width ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20) and the
    small and superscript forms that Excel in an East Asian locale reads as the ASCII ones. A plain number
    (-12.5) is no formula: it stays a number for the sheet's sums."""
    if text.startswith(_FORMULA_LEAD):
        return not _PLAIN_NUMBER.fullmatch(text)
    lead = text.lstrip()[:1]
    return bool(lead) and unicodedata.normalize("NFKC", lead)[:1] in "=+-@"


def _csv_cell(value):
    """A record value as a CSV cell: lists joined, None blank, -0.0 as 0.0, and text that a spreadsheet would take
    for a formula (:func:`_formula_like`: a symbol or reason from the input file) led by an apostrophe, so a desk
    opening the file sees the text and nothing runs (OWASP's CSV-injection rule)."""
    if isinstance(value, list):
        value = "; ".join(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def _account_record(book, a) -> dict:
    """A cross account for ``risk --json`` (NaN: null)."""
    def num(x):
        return float(x) if np.isfinite(x) else None
    return {"venue": a.venue, "account": a.account, "currency": a.currency,
            "rows": [book.row[i] for i in a.positions], "wallet": num(a.wallet), "equity": num(a.equity),
            "maintenance": num(a.maintenance), "margin_ratio": num(a.margin_ratio),
            "every_mark_move_to_liquidation_down": num(a.move_down),
            "every_mark_move_to_liquidation_up": num(a.move_up)}


def _account_text(book, a) -> str:
    """A cross account's line in ``levxl risk``'s table output."""
    who = "/".join(x for x in (a.venue, a.account) if x)
    rows = ", ".join(str(book.row[i]) for i in a.positions)
    if a.move_down == 0 and a.move_up == 0:
        when = "past liquidation at the marks"
    else:
        sides = [f"{word} {abs(m):.1%}" for word, m in (("falls", a.move_down), ("rises", a.move_up))
                 if np.isfinite(m)]
        when = ("liquidated if every mark " + " or ".join(sides)) if sides else \
            "no move of every mark within -95% / +1,000% liquidates it"
    ratio = f"{a.margin_ratio:.1%}" if np.isfinite(a.margin_ratio) else "n/a (equity <= 0)"
    return (f"{who} (rows {rows}): wallet {a.wallet:,.8g} {a.currency}, equity {a.equity:,.8g}, maintenance "
            f"{a.maintenance:,.8g}, margin ratio {ratio}; {when}")


@main.command()
@click.argument("positions", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--accounts", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Cross wallets: ccxt fetch_balance JSON, or CSV with venue,account,currency,wallet.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per position) instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (one row per position) instead of a table.")
def risk(positions: Path | None, accounts: Path | None, as_json: bool, as_csv: bool) -> None:
    """Print a risk table for a positions file (CSV, xlsx or ccxt JSON); the bundled example by default.

    Cross positions are computed on their account's wallet (bundled fetch_balance output, a wallet column or
    --accounts); the venue's liquidation price, when the input has it, is shown beside levxl's with the likely
    cause of any difference."""
    from levxl.book.accounts import load_book
    from levxl.book.positions import FLAT_BOOK
    from levxl.book.figures import (TARGET_DISTANCE, cross_account_figures, distance_fixes, pnl_after_mark_move,
                                    risk_table)
    from levxl.book.reconcile import RECORD_FIELDS, difference_cell, reconcile, risk_records
    from levxl.book.stresses import ADVERSE_MOVES, run_stresses, stress_moves, Stress

    if as_json and as_csv:
        raise click.ClickException("choose one of --json and --csv")
    path = positions or example_positions()
    try:
        book, liquidation = load_book(path, accounts)
        table = risk_table(book)
        # every side stressed: each mark moves against its own position (longs fall, shorts rise)
        adverse = [Stress(f"{m:.0%} adverse", m, "adverse", "") for m in ADVERSE_MOVES]
        shocks = pnl_after_mark_move(book, stress_moves(table, adverse))
        fixes = distance_fixes(table, TARGET_DISTANCE)
        stressed = run_stresses(table)
        statuses = table.statuses(0.05, 0.10)
        accounts = cross_account_figures(book)
    except (ValueError, MemoryError) as exc:
        raise click.ClickException(terminal_text(exc)) from None
    if as_json or as_csv:
        records = risk_records(book, liquidation, table.distance, table)
        if as_json:
            import json

            click.echo(json.dumps({"source": book.source, "positions": records,
                                   "refused": [{"row": r, "reason": why} for r, why in book.issues],
                                   "cross_accounts": [_account_record(book, a) for a in accounts]}, indent=2))
        else:
            import csv
            import io

            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=RECORD_FIELDS, lineterminator="\n")
            writer.writeheader()
            for rec in records:
                writer.writerow({k: _csv_cell(v) for k, v in rec.items()})
            for row, reason in book.issues:  # a refused row is in the file, so a job summing a column can see it
                writer.writerow({"row": row, "warnings": _csv_cell(f"refused: {reason}")})
            click.echo(out.getvalue(), nl=False)
        echo_lines((f"row {row} skipped: {reason}" for row, reason in book.issues), err=True)
        if not len(book):  # stdout stays the records ([] / the header); the reason on stderr
            click.echo(FLAT_BOOK, err=True)
        return
    rec = reconcile(book, liquidation)
    header = ["#", "venue", "symbol", "side", "kind", "mode", "mark", "liq price", "venue liq", "vs venue",
              "dist to liq", "status", "σ-days", "P(1d)", "P(7d)", "uPnL",
              *(f"PnL {m:.0%} adv" for m in ADVERSE_MOVES), f"add→{TARGET_DISTANCE:.0%}", "funding/day"]
    rows = []  # each row as its cells' text joined and their lengths: a 100,000-row table in ~35 MB, not ~130 MB
    for i in range(len(book)):
        rows.append(_packed([str(book.row[i]), book.venue[i], book.symbol[i], "long" if book.side[i] > 0 else "short",
                     book.contract[i][:3], (book.margin_mode[i] or "?")[:5], _fmt(book.mark[i], "num"),
                     _fmt(table.liquidation[i], "price") or "n/a", _fmt(rec.venue_price[i], "price"),
                     difference_cell(rec.ticks[i], rec.difference[i]),
                     "n/a" if np.isnan(table.distance[i]) else _fmt(table.distance[i], "pct"), statuses[i],
                     *((_fmt(table.sigma_days[i], "sigma"), _fmt(table.prob_1d[i], "prob"),
                        _fmt(table.prob_7d[i], "prob")) if book.vol[i] > 0 or book.option[i] else ("no vol",) * 3),
                     _fmt(table.upnl[i], "num"),
                     *(_fmt(v, "num") for v in shocks[i]),
                     "n/a" if np.isnan(fixes.margin_to_add[i]) else _fmt(fixes.margin_to_add[i], "num"),
                     _fmt(table.funding_per_day[i], "num")]))
    widths = [max(len(h), *(r[1][k] for r in rows)) if rows else len(h) for k, h in enumerate(header)]
    refused = (f"; {len(book.issues)} row(s) refused, in no figure or total below (each 'row N skipped' on "
               "stderr)") if book.issues else ""
    echo(f"levxl risk: {book.source} ({len(book)} positions{refused}; amounts in each position's margin currency)")
    if not len(book):  # a header and no rows (or an empty fetch_positions list): a flat desk, not an error
        echo(FLAT_BOOK)
    echo("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    echo_lines("  ".join(c.rjust(w) for c, w in zip(_unpacked(r), widths)) for r in rows)
    no_vol = int(np.sum(~(book.vol > 0) & ~book.option))
    if no_vol:
        echo(f"no vol: σ-days and P(liquidation) need a vol column; {no_vol} position(s) have none (unknown, not 0)")
    echo(f"dist to liq: the adverse move of the mark to the liquidation price (longs a fall, shorts a rise), <= 0 = "
         f"LIQUIDATED; PnL N% adv: every mark N% against its position; add→{TARGET_DISTANCE:.0%}: margin to add "
         f"for a {TARGET_DISTANCE:.0%} distance")
    echo("stresses (USD, change vs now; market moves: BTC's, every asset by its beta"
         + (f"; without the {len(book.issues)} refused row(s)" if book.issues else "") + "):")
    width = max(len(s.name) for s in stressed.stresses)
    for k, stress in enumerate(stressed.stresses):
        worst = stressed.worst[k]
        who = (f"largest loss row {book.row[worst]} {book.symbol[worst]} {stressed.worst_loss(k):,.0f}"
               if worst is not None else "no position loses")
        echo(f"  {stress.name.ljust(width)}  {stressed.change[k]:>14,.0f}  {int(stressed.n_liquidated[k])} "
             f"liquidated  {who}")
    unknown = np.flatnonzero(~book.option & ~book.recomputable)
    if len(unknown):  # in every stress at their PnL, never liquidated: not a loss bounded by a known margin
        rows = ", ".join(str(book.row[i]) for i in unknown[:10]) + (", ..." if len(unknown) > 10 else "")
        echo(f"  {len(unknown)} position(s) levxl cannot recompute (row {rows}) are in these at their PnL, never "
             "liquidated (no margin known to bound their loss)")
    if accounts:
        echo("cross accounts (margin currency; liquidated as a whole: the moves are of every mark at once):")
        echo_lines(f"  {_account_text(book, a)}" for a in accounts)
    echo("reconciliation (venue vs levxl liquidation price):")
    echo_lines(f"  {' '.join(x for x in (f'row {book.row[i]}', book.venue[i], book.symbol[i]) if x)}: {rec.text[i]}"
               for i in range(len(book)))
    echo_lines((f"row {book.row[i]} warning: {warning}" for i in range(len(book)) for warning in book.warnings[i]),
               err=True)
    echo_lines((f"row {row} skipped: {reason}" for row, reason in book.issues), err=True)
    from levxl.book.venue_rules import STALE_DAYS, convention_lines, funding_lines, table_lines, warnings

    echo(f"tier tables (stale after {STALE_DAYS} days):")
    echo_lines(f"  {line}" for line in table_lines(book))
    conventions = convention_lines(book)
    if conventions:
        echo("venue conventions in the liquidation prices:")
        echo_lines(f"  {line}" for line in conventions)
    funding = funding_lines(book)
    if funding:
        echo("funding intervals other than 8 h (funding/day = rate x 24 / hours):")
        echo_lines(f"  {line}" for line in funding)
    echo_lines(f"warning: {line}" for line in warnings(book))


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
    from levxl.cli.tiers import tiers

    main.add_command(recalc)
    main.add_command(tiers)
    main.add_command(report)
    main.add_command(template)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
