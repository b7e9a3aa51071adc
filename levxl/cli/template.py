"""``levxl template``: build the template workbook, or check a copy against a fresh build."""

from __future__ import annotations

from pathlib import Path

import click

from levxl.files.cells import terminal_text

__all__ = ["template"]


@click.command("template", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="where to write the template workbook (.xlsm) [default: ./levxl_template.xlsm; with --check: "
                   "the template shipped with levxl]")
@click.option("--check", is_flag=True, help="do not write: compare OUTPUT with a fresh build and list differences")
@click.option("--spills", type=click.Choice(["index", "array"]), default="index", show_default=True,
              help="table results as one INDEX formula per cell, or as array formulas (LibreOffice 7.4 recalculates "
                   "those on load)")
def template(output: Path | None, check: bool, spills: str) -> None:
    """Build the levxl template workbook (start from xlwings' standalone quickstart, add the desk sheets, write
    cached values with levxl's recalc). In a checkout, ``-o workbook/levxl_template.xlsm`` updates the committed
    copy."""
    from levxl.files.bundled import template_path
    from levxl.workbooks.template import build_template, check_template

    if check:
        target = output or template_path()
        if not target.exists():
            raise click.ClickException(f"{target} does not exist; build it with `levxl template -o {target}`")
        try:
            problems = check_template(target)  # runs the package checks (levxl.files.safety) before anything else
        except (ValueError, MemoryError) as exc:
            raise click.ClickException(terminal_text(exc)) from None
        for p in problems:
            click.echo(terminal_text(p))
        if problems:
            raise click.ClickException(f"{target} differs from a fresh build ({len(problems)} differences)")
        click.echo(f"{target}: up to date")
        return
    try:
        out = build_template(output or Path("levxl_template.xlsm"), spills=spills)
    except ValueError as exc:  # OutputError (disk full, read-only folder): its message says what and why
        raise click.ClickException(terminal_text(exc)) from None
    except Exception as exc:
        raise click.ClickException(f"template build failed: {type(exc).__name__}: {exc}") from None
    click.echo(f"wrote {out}")
