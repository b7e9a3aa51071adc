"""The import rules of levxl's layers, checked on the source (an ast walk, every import including those inside
functions), plus the dependency split: the engine, the catalogue and ``levxl.udfs`` import with only numpy, scipy
and xlwings installed (xlwings Lite runs in Pyodide).

Layers, lowest first: ``engine`` -> ``book`` -> ``catalogue`` -> faces (``udfs``, ``recalc``, ``workbooks``, ``cli``,
``testing``). ``files`` (safe reading and writing, no finance) sits beside the engine, for the book and the faces.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "levxl"

#: layer -> the levxl layers it may import (itself always allowed)
ALLOWED = {
    "engine": set(),
    "files": set(),
    "root": {"engine"},  # levxl/__init__.py: the public API, the engine's functions only
    "book": {"engine", "files", "root"},
    "catalogue": {"engine", "book", "root"},
    "udfs": {"catalogue"},
    "recalc": {"engine", "book", "catalogue", "files", "root"},
    "workbooks": {"engine", "book", "catalogue", "files", "root", "recalc"},
    "testing": {"engine", "book", "catalogue", "files", "root"},
    "cli": {"engine", "book", "catalogue", "files", "root", "recalc", "workbooks", "udfs"},
    "__main__": {"cli"},
    "data": set(),
    "workbook": set(),
}
#: what one face may import of another: its public entry modules only, never their internals
FACE_ENTRY_POINTS = {"levxl.recalc", "levxl.workbooks.report", "levxl.workbooks.template", "levxl.udfs"}
FACES = {"udfs", "recalc", "workbooks", "cli", "testing"}
#: third-party packages a layer may not import at all (click lives in the CLI only)
FORBIDDEN_PACKAGES = {
    "engine": {"openpyxl", "xlsxwriter", "lxml", "click", "tqdm", "xlwings", "defusedxml", "formulas"},
    "book": {"xlsxwriter", "click", "tqdm", "xlwings", "formulas"},
    "catalogue": {"openpyxl", "xlsxwriter", "lxml", "click", "tqdm", "defusedxml", "formulas"},
    "udfs": {"openpyxl", "xlsxwriter", "lxml", "click", "tqdm", "defusedxml", "formulas"},
    "recalc": {"click"}, "workbooks": {"click"}, "testing": {"click"}, "files": {"click", "xlwings"},
}


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    return "root" if len(parts) == 1 else parts[1]


def imports_of(path: Path, module: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, imported module, names) for every import in the file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((node.lineno, base, tuple(a.name for a in node.names)))
    return found


def violations(root: Path = ROOT) -> list[str]:
    """Every breach of the import rules under ``root`` (a levxl source tree)."""
    problems = []
    graph: dict[str, set[str]] = defaultdict(set)
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    for module, path in sorted(modules.items()):
        layer = layer_of(module)
        for line, target, names in imports_of(path, module):
            where = f"{path.relative_to(root.parent)}:{line}"
            top = target.split(".")[0]
            if top in FORBIDDEN_PACKAGES.get(layer, ()):
                problems.append(f"{where}: the {layer} layer imports {top}")
            if top != "levxl":
                continue
            # ``from levxl.engine import kernel`` imports the submodule levxl.engine.kernel
            targets = [f"{target}.{n}" if f"{target}.{n}" in modules else target for n in names] or [target]
            for t in set(targets):
                if t != module:
                    graph[module].add(t)
                other = layer_of(t)
                if other != layer and other not in ALLOWED.get(layer, set()):
                    problems.append(f"{where}: {module} ({layer}) may not import {t} ({other})")
                if other != layer and layer in FACES and other in FACES and t not in FACE_ENTRY_POINTS:
                    problems.append(f"{where}: {module} imports {t}, an internal of the {other} face")
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and layer_of(target) != layer:
                problems.append(f"{where}: {module} imports private {', '.join(private)} from {target} "
                                "across layers")
            if private and target != module and target.rpartition(".")[0] != module.rpartition(".")[0]:
                problems.append(f"{where}: {module} imports private {', '.join(private)} from {target}")
    problems += [f"import cycle: {' -> '.join(c)}" for c in cycles(graph)]
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles in the module graph (package ``__init__`` edges to their own children excluded: Python resolves
    those by loading the package first)."""
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt.startswith(node + "."):  # a package importing its own submodule
                continue
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_levxl_keeps_its_import_rules():
    assert violations() == []


@pytest.mark.parametrize("layer_file, source, expected", [
    ("engine/liquidation.py", "from levxl.book.positions import Book\n", "may not import levxl.book.positions"),
    ("engine/liquidation.py", "import openpyxl\n", "the engine layer imports openpyxl"),
    ("book/positions.py", "from levxl.catalogue import CATALOGUE\n", "may not import levxl.catalogue"),
    ("workbooks/report/__init__.py", "import click\n", "the workbooks layer imports click"),
    ("workbooks/report/__init__.py", "from levxl.recalc.fast import evaluate\n", "an internal of the recalc face"),
    ("book/figures.py", "from levxl.engine.contracts import _pnl\n", "imports private _pnl"),
    ("engine/contracts.py", "def f():\n    from levxl.engine.liquidation import x\n", "import cycle"),
])
def test_a_forbidden_import_is_caught(tmp_path, layer_file, source, expected):
    """The checker itself: copy the tree, add one forbidden import, and it is reported."""
    import shutil

    tree = tmp_path / "levxl"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns("__pycache__", "data"))
    target = tree / layer_file
    target.write_text(target.read_text(encoding="utf-8") + "\n" + source, encoding="utf-8")
    if expected == "import cycle":  # make liquidation import contracts at module level (it does), then close it
        assert "levxl.engine" in (tree / "engine" / "liquidation.py").read_text()
        (tree / "engine" / "liquidation.py").write_text(
            (tree / "engine" / "liquidation.py").read_text() + "\nfrom levxl.engine import contracts\n")
    found = violations(tree)
    assert any(expected in p for p in found), found


def test_engine_catalogue_and_udfs_import_with_numpy_scipy_and_xlwings_only():
    """What xlwings Lite has: numpy, scipy, xlwings. Every file-handling dependency is blocked in a fresh
    interpreter, and the modules an Excel host loads still import and compute."""
    blocked = ["openpyxl", "xlsxwriter", "lxml", "click", "tqdm", "defusedxml", "formulas", "hypothesis"]
    code = textwrap.dedent(f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {blocked!r}:
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        import levxl as lx, levxl.catalogue, levxl.udfs
        print(float(lx.liquidation_price("long", 60_000, 2.5, leverage=10, mmr="binance:BTCUSDT")))
        print(levxl.catalogue.CATALOGUE["LEVXL_LIQ_PRICE"]("long", 60000, 2.5, 10))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.split()[0]) > 0


def test_every_package_folder_is_listed_for_the_wheel():
    """pyproject.toml lists levxl's packages explicitly (workbook/ ships as levxl.workbook): a new subpackage left
    out of that list would be missing from a non-editable install."""
    import tomllib

    listed = set(tomllib.loads((ROOT.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {module_name(p, ROOT) for p in ROOT.rglob("__init__.py")}
    assert found | {"levxl.workbook"} == listed


def test_udfs_answer_through_the_officejs_path_with_numpy_scipy_and_xlwings_only():
    """xlwings Lite's situation end to end: only numpy, scipy and xlwings importable, xlwings in its Office.js mode
    (XLWINGS_ON_SERVER=true; the free noncommercial key enables that code here), ``levxl.udfs`` imported as Lite's
    main.py does, then registered and called through xlwings' own custom-function code."""
    blocked = ["openpyxl", "xlsxwriter", "lxml", "click", "tqdm", "defusedxml", "formulas", "hypothesis", "pandas"]
    code = textwrap.dedent(f"""
        import asyncio, json, sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {blocked!r}:
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        import levxl.udfs as udfs
        import xlwings.server as server
        meta = server.custom_functions_meta(udfs)
        payload = {{"func_name": "LEVXL_LIQ_PRICE", "version": "0", "client": "Office.js", "runtime": "1.5",
                   "args": [[["long"], ["long"]], [[60000.0]], [[2.5]], [[10.0], [0.0]], [["binance:BTCUSDT"]],
                            None, None, None, None]}}
        result = asyncio.run(server.custom_functions_call(payload, udfs))
        print(json.dumps({{"names": sorted(f["name"] for f in meta["functions"]), "result": result,
                          "office_js": udfs.OFFICE_JS}}))
    """)
    env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, env=env)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    from levxl.catalogue import CATALOGUE

    assert answer["office_js"] is True and len(answer["names"]) == len(CATALOGUE) + 1  # + LEVXL.WHY
    assert "LEVXL.LIQ_PRICE" in answer["names"]
    assert isinstance(answer["result"][0][0], float) and answer["result"][1][0] == {"type": "Error",
                                                                                     "errorType": "Value"}


def test_lite_requirements_ask_only_for_what_pyodide_has():
    """install/lite/requirements.txt: Pyodide's numpy and scipy unpinned (their version is Pyodide's), xlwings,
    and the levxl wheel installed without its batch-host dependencies (which Lite never imports)."""
    lines = [line.split("#")[0].strip() for line in (ROOT.parent / "install" / "lite" / "requirements.txt")
             .read_text().splitlines()]
    lines = [line for line in lines if line]
    names = [re.split(r"[=<> @]", line)[0].lower() for line in lines]
    assert {"numpy", "scipy", "xlwings"} <= set(names)
    assert "numpy" in lines and "scipy" in lines  # unpinned: Pyodide provides them
    wheel = [line for line in lines if line.endswith(".whl") or ".whl " in line]
    assert len(wheel) == 1 and "--no-deps" in wheel[0]
    assert not set(names) & {"openpyxl", "xlsxwriter", "lxml", "click", "tqdm", "defusedxml", "formulas"}
