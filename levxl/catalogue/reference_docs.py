"""The function reference, generated from the catalogue: ``docs/functions.md``, ``levxl functions`` and the
template's Functions sheet all come from :func:`rows` / :func:`markdown`."""

from __future__ import annotations

from levxl.catalogue import CATALOGUE, __doc__ as CONVENTIONS

HEADER = ["function", "category", "what it returns", "arguments", "example"]


def argument_lines(entry) -> list[str]:
    """One line per argument: ``name: doc`` plus its default, "(optional)" and "(may be blank)" where they apply.

    The default is added only where the doc does not already state it (``mmr``'s doc says "default 0.005", the
    text arguments say '"linear" (default)'), so each default appears once."""
    lines = []
    for a in entry.args:
        if not a.optional:
            default = ""
        elif a.default is None:
            default = " (optional)"
        else:
            default = "" if "default" in a.doc.lower() else f" (default {a.default!r})"
        default += " (may be blank)" if a.may_be_blank else ""
        lines.append(f"{a.name}: {a.doc}{default}")
    return lines


def rows() -> list[list[str]]:
    """One row per function: signature, category, summary + returns, arguments, example."""
    return [[e.signature, e.category, f"{e.summary}. Returns {e.returns}.", "; ".join(argument_lines(e)), e.example]
            for e in sorted(CATALOGUE.values(), key=lambda e: (e.category, e.name))]


def markdown() -> str:
    conventions = CONVENTIONS.split("Conventions for every function:", 1)[1].strip()
    out = ["# levxl spreadsheet functions", "",
           "Generated from `levxl/catalogue/__init__.py` by `levxl functions --markdown`; a test fails when this file is "
           "stale.", "", "Conventions for every function: " + " ".join(conventions.split()), "",
           "Names: `=LEVXL_LIQ_PRICE(...)` in classic Windows Excel, `=LEVXL.LIQ_PRICE(...)` in Excel on Mac and the "
           "web (xlwings Lite) and xlwings Server; the recalc and the template accept both.", "",
           "Bad input makes a real Excel error in its own cell (`#VALUE!`; `#NUM!` where no number exists; an error "
           "cell in an argument is passed on) while the other cells still compute, so `SUM`/`MIN` over a column "
           "show that something is wrong. `=LEVXL_WHY(\"LIQ_PRICE\", <the same arguments>)` (`LEVXL.WHY`) gives the "
           "reasons as text in the same shape, e.g. `#VALUE! leverage must be > 0`; the environment variable "
           "`LEVXL_ERRORS=text` puts the reasons in the cells instead (as text, which `SUM` skips).", ""]
    category = None
    for e in sorted(CATALOGUE.values(), key=lambda e: (e.category, e.name)):
        if e.category != category:
            category = e.category
            out += [f"## {category}", ""]
        out += [f"### `{e.signature}`", "", f"{e.summary}. Returns {e.returns}.", ""]
        out += [f"- `{line.split(':', 1)[0]}`:{line.split(':', 1)[1]}" for line in argument_lines(e)]
        out += ["", f"Example: `{e.example}`", ""]
    return "\n".join(out).rstrip() + "\n"
