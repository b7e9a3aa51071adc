"""The template workbook and the bundled example books, shipped inside the wheel as ``levxl.workbook`` (see
``pyproject.toml``) so every command's default works after a plain ``pip install .``."""
