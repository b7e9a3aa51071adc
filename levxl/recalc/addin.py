"""The levxl Calc add-in for LibreOffice: ``levxl.oxt``, built from the catalogue.

Everything in the extension is generated from :data:`levxl.catalogue.CATALOGUE`, so function names, argument names
and docs, and categories are those of ``docs/functions.md``:

* ``levxl.idl`` -> ``levxl.rdb``: interface ``org.levxl.XLevxl``, one method per catalogue entry (``LEVXL_LIQ_PRICE``
  -> ``levxlLiqPrice``) plus ``levxlWhy`` for ``LEVXL_WHY(function, arguments...)`` (a last ``sequence< any >``
  parameter, Calc's variable argument list), compiled with ``unoidl-write`` (Debian package ``libreoffice-dev``) against
  LibreOffice's own type registries. Every argument is ``any``: LibreOffice then passes a blank cell or an omitted
  argument as void (None), which the catalogue reads as "missing" (a ``double`` argument would receive 0), and a
  range as rows. Every method returns ``sequence< sequence< any > >`` (a matrix): an ``any`` return cannot carry an
  array, and a 1x1 matrix is a plain value in a cell;
* ``levxl.xcu``: the ``CalcAddIns`` configuration: each function's display name and its ``CompatibilityName`` (the
  Excel name, so ``=LEVXL_LIQ_PRICE(...)`` in an .xlsx resolves on import), description
  (``"Liquidation: Isolated-margin liquidation price"``: LibreOffice's categories are a fixed list, so the
  catalogue's category leads the description and the function sits under "Add-In"), and each argument's name and doc;
* ``levxl_addin.py``: the Python UNO component (``levxl/recalc/addin_component.py.in``) that calls the catalogue;
* ``META-INF/manifest.xml`` and ``description.xml``.

:func:`build_addin` writes the ``.oxt`` (CLI: ``levxl recalc --build-addin levxl.oxt``). :func:`install_profile`
makes a LibreOffice user profile with the add-in registered (``unopkg add`` with that profile; as root, where unopkg
refuses to run, the unpacked extension is registered in the profile by running ``unopkg`` under ``--shared`` into a
private tree), and starts LibreOffice once so the first real start does not show Err:504.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from levxl.catalogue import CATALOGUE, WHY_NAME
from levxl.files.atomic import atomic_output

__all__ = ["build_addin", "idl_text", "xcu_text", "method_name", "python_paths", "IMPLEMENTATION", "AddinError"]

IMPLEMENTATION = "org.levxl.LevxlAddIn"
EXTENSION_ID = "org.levxl.calc"
_PROGRAM = Path("/usr/lib/libreoffice/program")
_SDK_BIN = Path("/usr/lib/libreoffice/sdk/bin")


class AddinError(RuntimeError):
    """The add-in could not be built or registered (the message says which tool is missing)."""


def method_name(function_name: str) -> str:
    """The IDL method of a catalogue function: ``LEVXL_LIQ_PRICE`` -> ``levxlLiqPrice`` (UNOIDL refuses
    underscores in identifiers)."""
    first, *rest = function_name.lower().split("_")
    return first + "".join(w.capitalize() for w in rest)


def _param(name: str) -> str:
    # "a" + CamelCase: no underscores (UNOIDL refuses them), and IDL keywords (type...) stay out of the way
    return "a" + "".join(w.capitalize() for w in re.split(r"\W|_", name) if w)


def idl_text() -> str:
    """The UNOIDL source of interface ``org.levxl.XLevxl``."""
    lines = ["module org { module levxl {", "interface XLevxl : com::sun::star::uno::XInterface {"]
    for fn in CATALOGUE.values():
        params = ", ".join(f"[in] any {_param(a.name)}" for a in fn.args)
        lines.append(f"    sequence< sequence< any > > {method_name(fn.name)}({params});")
    # LEVXL_WHY(function, arguments...): a last ``sequence< any >`` parameter is Calc's variable argument list
    lines.append(f"    sequence< sequence< any > > {method_name(WHY_NAME)}([in] any aFunction, "
                 "[in] sequence< any > aArguments);")
    lines += ["};", "}; };", ""]
    return "\n".join(lines)


def _value(name: str, text: str, localised: bool = True) -> str:
    lang = ' xml:lang="en-US"' if localised else ""
    return f'<prop oor:name="{name}"><value{lang}>{escape(text)}</value></prop>'


def xcu_text() -> str:
    """The ``CalcAddIns`` configuration: names, Excel compatibility names, descriptions, argument docs."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<oor:component-data xmlns:oor="http://openoffice.org/2001/registry" '
           'xmlns:xs="http://www.w3.org/2001/XMLSchema" oor:name="CalcAddIns" oor:package="org.openoffice.Office">',
           '<node oor:name="AddInInfo">',
           f'<node oor:name={quoteattr(IMPLEMENTATION)} oor:op="replace">',
           '<node oor:name="AddInFunctions">']
    for fn in CATALOGUE.values():
        out.append(f'<node oor:name="{method_name(fn.name)}" oor:op="replace">')
        out.append(_value("DisplayName", fn.name))
        out.append(_value("Description", f"{fn.category}: {fn.summary}. Returns {fn.returns}."))
        out.append(_value("Category", "Add-In", localised=False))
        out.append(_value("CompatibilityName", fn.name))
        out.append('<node oor:name="Parameters">')
        for a in fn.args:
            doc = a.doc + ("" if not a.optional else " (optional)")
            out.append(f'<node oor:name="{_param(a.name)}" oor:op="replace">{_value("DisplayName", a.name)}'
                       f'{_value("Description", doc)}</node>')
        out.append("</node></node>")
    out.append(f'<node oor:name="{method_name(WHY_NAME)}" oor:op="replace">')
    out.append(_value("DisplayName", WHY_NAME))
    out.append(_value("Description", "Errors: why cells of a LEVXL function show an error: the reasons as text, "
                                     "in the shape of that call's result (\"\" where a cell is fine). Returns text."))
    out.append(_value("Category", "Add-In", localised=False))
    out.append(_value("CompatibilityName", WHY_NAME))
    out.append('<node oor:name="Parameters">')
    for name, doc in (("function", 'the function\'s name, e.g. "LIQ_PRICE"'),
                      ("arguments", "the same arguments as the call whose errors are explained")):
        out.append(f'<node oor:name="{_param(name)}" oor:op="replace">{_value("DisplayName", name)}'
                   f'{_value("Description", doc)}</node>')
    out.append("</node></node>")
    out += ["</node></node></node>", "</oor:component-data>", ""]
    return "\n".join(out)


_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="http://openoffice.org/2001/manifest">
 <manifest:file-entry manifest:full-path="levxl.rdb" manifest:media-type="application/vnd.sun.star.uno-typelibrary;type=RDB"/>
 <manifest:file-entry manifest:full-path="levxl_addin.py" manifest:media-type="application/vnd.sun.star.uno-component;type=Python"/>
 <manifest:file-entry manifest:full-path="levxl.xcu" manifest:media-type="application/vnd.sun.star.configuration-data"/>
</manifest:manifest>
"""

_DESCRIPTION = """<?xml version="1.0" encoding="UTF-8"?>
<description xmlns="http://openoffice.org/extensions/description/2006" xmlns:xlink="http://www.w3.org/1999/xlink">
 <identifier value="{id}"/>
 <version value="{version}"/>
 <display-name><name lang="en-US">levxl: leverage and liquidation functions (LEVXL_)</name></display-name>
 <dependencies><OpenOffice.org-minimal-version xmlns:d="http://openoffice.org/extensions/description/2006" \
d:name="LibreOffice 25.2" value="4.0"/></dependencies>
</description>
"""


def python_paths() -> list[str]:
    """Where the add-in finds levxl and its dependencies: the folder holding this levxl, then this interpreter's
    site-packages (the venv's numpy/scipy, not LibreOffice's Python's)."""
    root = str(Path(__file__).resolve().parents[2])
    paths = [root]
    for p in site.getsitepackages() + [site.getusersitepackages()]:
        if p not in paths and os.path.isdir(p):
            paths.append(p)
    return paths


def _unoidl_write() -> str:
    for cand in (shutil.which("unoidl-write"), str(_SDK_BIN / "unoidl-write"), str(_PROGRAM / "unoidl-write")):
        if cand and os.access(cand, os.X_OK):
            return cand
    raise AddinError("unoidl-write not found: install Debian package libreoffice-dev "
                     "(apt-get install -t bookworm-backports libreoffice-dev)")


def _compile_idl(idl: str, rdb: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="levxl-idl-") as tmp:
        source = Path(tmp) / "levxl.idl"
        source.write_text(idl, encoding="utf-8")
        registries = [str(_PROGRAM / "types.rdb"), str(_PROGRAM / "types" / "offapi.rdb")]
        # the last input is the one written out; the registries before it only resolve references
        cmd = [_unoidl_write(), *[r for r in registries if os.path.isfile(r)], str(source), str(rdb)]
        env = dict(os.environ)
        env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [str(_PROGRAM), env.get("LD_LIBRARY_PATH")]))
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        if proc.returncode != 0 or not rdb.is_file():
            raise AddinError(f"unoidl-write failed (exit {proc.returncode}): {proc.stderr.strip() or proc.stdout}")


def _component_source(paths: list[str]) -> str:
    template = (Path(__file__).with_name("addin_component.py.in")).read_text(encoding="utf-8")
    methods = ", ".join(f"{method_name(n)!r}: {n!r}" for n in [*CATALOGUE, WHY_NAME])
    return (template.replace('"@BUILT_PATHS@"', repr(os.pathsep.join(paths)))
            .replace("METHODS = {}", "METHODS = {" + methods + "}"))


def build_addin(target, paths: list[str] | None = None) -> Path:
    """Write ``levxl.oxt`` to ``target`` (a file, or a directory to hold ``levxl.oxt``) and return its path.

    ``paths``: the folders the component puts first on LibreOffice's Python path (default :func:`python_paths`,
    overridden at run time by ``$LEVXL_PYTHONPATH``). Raises :class:`AddinError` without ``unoidl-write``.
    """
    from levxl import __version__

    target = Path(target)
    if target.is_dir():
        target = target / "levxl.oxt"
    with tempfile.TemporaryDirectory(prefix="levxl-oxt-") as tmp:
        rdb = Path(tmp) / "levxl.rdb"
        _compile_idl(idl_text(), rdb)
        # atomic, as every levxl output: a folder that cannot be written is one OutputError line, nothing left
        with atomic_output(target, suffix=".oxt") as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as oxt:
            oxt.writestr("META-INF/manifest.xml", _MANIFEST)
            oxt.writestr("description.xml", _DESCRIPTION.format(id=EXTENSION_ID, version=__version__))
            oxt.write(rdb, "levxl.rdb")
            oxt.writestr("levxl.xcu", xcu_text())
            oxt.writestr("levxl_addin.py", _component_source(paths or python_paths()))
    return target


if __name__ == "__main__":  # python -m levxl.recalc.addin OUT.oxt
    print(build_addin(sys.argv[1] if len(sys.argv) > 1 else "levxl.oxt"))
