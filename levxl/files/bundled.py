"""Files shipped with levxl: the template workbook and the bundled example books.

They live in the repository's top-level ``workbook/`` folder and ship inside the wheel as the package
``levxl.workbook``, so the same paths work from a checkout, an editable install and a plain ``pip install .``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["workbook_folder", "example_positions", "example_file", "template_path"]


def workbook_folder() -> Path:
    """The folder holding the template and ``examples/`` (inside the installed package, or the checkout's)."""
    try:
        from importlib import resources

        folder = Path(str(resources.files("levxl.workbook")))
        if (folder / "examples").is_dir():
            return folder
    except ModuleNotFoundError:  # running from a source tree that was not installed
        pass
    return Path(__file__).resolve().parents[2] / "workbook"


def example_file(name: str) -> Path:
    """A bundled example book by file name, e.g. ``"positions.csv"``."""
    return workbook_folder() / "examples" / name


def example_positions() -> Path:
    """The bundled example positions (CSV) that ``levxl risk`` and ``levxl report`` read when given no file."""
    return example_file("positions.csv")


def template_path() -> Path:
    """The template workbook as shipped (``workbook/levxl_template.xlsm``)."""
    return workbook_folder() / "levxl_template.xlsm"
