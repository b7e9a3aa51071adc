"""LibreOffice 25.2 as the recalc engine: a headless ``soffice`` with the levxl add-in, driven over UNO.

How a book is evaluated (:func:`evaluate`):

1. the package (with its inputs applied) is written to a private copy in which LEVXL_ spellings that LibreOffice
   does not resolve (``_xll.``, ``_xludf.``, ``_xldudf_``) are plain ``LEVXL_`` and external-link parts are cut
   loose (their relationships point nowhere), so LibreOffice cannot open a linked file;
2. a helper run by LibreOffice's own Python (``office_helper.py.in``) loads the copy (hidden, macros off, links not
   updated), sets the book's iteration settings, computes everything, resizes each dynamic-array spill (``cm="1"``)
   to its true size (asking LibreOffice ``ROWS``/``COLUMNS`` of the formula), points ``A1#`` references
   (``_xlfn.ANCHORARRAY``) at the resized spills, computes again, and reads every formula cell's value as a
   double (no 15-digit rounding: nothing is saved by LibreOffice) with error codes and booleans;
3. :mod:`levxl.recalc.core` writes those values into the original package (byte-preserving).

One ``soffice`` (and one helper) per process is started on first use and reused (:func:`shared_office`); the
add-in is built from the catalogue and registered once per catalogue version into a private tree
(:func:`addin_home`), as a "shared" extension there because ``unopkg`` refuses a per-user install as root.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

from levxl.recalc import addin

__all__ = ["OfficeError", "Office", "shared_office", "addin_home", "soffice_path", "uno_python", "available"]

_SOFFICE = ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice")
_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse">\
<value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse">\
<value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" \
oor:op="fuse"><value>3</value></prop></item>
</oor:items>
"""


class OfficeError(RuntimeError):
    """LibreOffice could not evaluate a book (missing, crashed, timed out); the message says which."""


def soffice_path() -> str | None:
    env = os.environ.get("LEVXL_SOFFICE")
    if env and os.access(env, os.X_OK):
        return env
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((p for p in _SOFFICE if os.access(p, os.X_OK)), None)


def uno_python() -> str | None:
    """An interpreter with LibreOffice's ``uno`` module: ``$LEVXL_UNO_PYTHON`` or Debian's ``/usr/bin/python3``."""
    for cand in (os.environ.get("LEVXL_UNO_PYTHON"), "/usr/bin/python3", shutil.which("python3")):
        if cand and os.path.isfile(cand):
            try:
                ok = subprocess.run([cand, "-c", "import uno"], capture_output=True, timeout=30,
                                    env=_clean_env()).returncode == 0
            except (OSError, subprocess.SubprocessError):
                ok = False
            if ok:
                return cand
    return None


def available() -> bool:
    return soffice_path() is not None and uno_python() is not None


def _clean_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    return env


def _uri(path: Path) -> str:
    return path.resolve().as_uri()


def _env_args(home: Path, profile: Path) -> list[str]:
    shared = home / "shared"
    return [f"-env:UserInstallation={_uri(profile)}",
            f"-env:UNO_SHARED_PACKAGES={_uri(shared / 'uno_packages')}",
            f"-env:UNO_SHARED_PACKAGES_CACHE={_uri(shared / 'uno_packages' / 'cache')}",
            f"-env:SHARED_EXTENSIONS_USER={_uri(shared / 'extensions')}"]


def _fingerprint() -> str:
    parts = [addin.idl_text(), addin.xcu_text(), os.pathsep.join(addin.python_paths()),
             (Path(addin.__file__).with_name("addin_component.py.in")).read_text(encoding="utf-8")]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def addin_home() -> Path:
    """A private tree with levxl.oxt built from the catalogue and registered (as a shared extension of that tree),
    plus a profile template that has started once. Built on first use, per catalogue version; under
    ``$LEVXL_ADDIN_HOME`` or ``~/.cache/levxl``."""
    base = Path(os.environ.get("LEVXL_ADDIN_HOME") or Path.home() / ".cache" / "levxl")
    home = base / f"libreoffice-addin-{_fingerprint()}"
    if (home / "ready").is_file():
        return home
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent workers build it once
        if not (home / "ready").is_file():
            _install(home)
    return home


def _install(home: Path) -> None:
    soffice = soffice_path()
    if soffice is None:
        raise OfficeError("LibreOffice not found: apt-get install -t bookworm-backports libreoffice-calc-nogui "
                          "python3-uno libreoffice-dev")
    shutil.rmtree(home, ignore_errors=True)
    (home / "shared").mkdir(parents=True)
    oxt = addin.build_addin(home / "levxl.oxt")
    profile = home / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    unopkg = str(Path(soffice).resolve().with_name("unopkg"))
    if not os.access(unopkg, os.X_OK):
        unopkg = shutil.which("unopkg") or "unopkg"
    proc = subprocess.run([unopkg, "add", "--shared", *_env_args(home, profile), str(oxt)], capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise OfficeError(f"unopkg add failed (exit {proc.returncode}): {proc.stderr.strip() or proc.stdout}")
    # one complete start: the first start after an install synchronises the extension (Err:504 until it has)
    subprocess.run([soffice, *_env_args(home, profile), "--headless", "--invisible", "--norestore",
                    "--nologo", "--nodefault", "--terminate_after_init"], capture_output=True, timeout=300,
                   stdin=subprocess.DEVNULL)
    (home / "ready").write_text(str(oxt), encoding="utf-8")


class Office:
    """A running ``soffice`` with the add-in and the UNO helper that answers for it."""

    def __init__(self, timeout: float = 120):
        soffice, python = soffice_path(), uno_python()
        if soffice is None or python is None:
            raise OfficeError("LibreOffice with its Python UNO bridge is needed: apt-get install -t "
                              "bookworm-backports libreoffice-calc-nogui python3-uno libreoffice-dev")
        home = addin_home()
        self.work = Path(tempfile.mkdtemp(prefix="levxl-office-"))
        profile = self.work / "profile"
        shutil.copytree(home / "profile", profile, symlinks=True)
        pipe = f"levxl-{uuid.uuid4().hex}"
        env = _clean_env()
        env["LEVXL_PYTHONPATH"] = os.pathsep.join(addin.python_paths())
        self._lock = threading.Lock()
        self._logs = [open(self.work / "soffice.err", "wb"), open(self.work / "helper.err", "wb")]
        self.soffice = subprocess.Popen(
            [soffice, *_env_args(home, profile), "--headless", "--invisible", "--norestore", "--nologo",
             "--nodefault", "--nolockcheck", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._logs[0],
            start_new_session=True, env=env)
        script = self.work / "helper.py"
        script.write_text((Path(__file__).with_name("office_helper.py.in")).read_text(encoding="utf-8"),
                          encoding="utf-8")
        self.helper = subprocess.Popen([python, str(script), pipe, str(timeout)], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=self._logs[1],
                                       start_new_session=True, env=_clean_env(), text=True, bufsize=1)

    def alive(self) -> bool:
        return self.soffice.poll() is None and self.helper.poll() is None

    def evaluate(self, path, spills=(), iterate: dict | None = None, timeout: float = 600) -> dict:
        """The helper's answer for one book (see office_helper.py.in); raises OfficeError."""
        request = json.dumps({"path": str(Path(path).resolve()), "spills": [list(s) for s in spills],
                              "iterate": iterate})
        with self._lock:
            if not self.alive():
                raise OfficeError(f"LibreOffice is not running: {self._stderr()}")
            answer: list[str] = []
            reader = threading.Thread(target=lambda: answer.append(self.helper.stdout.readline()), daemon=True)
            try:
                self.helper.stdin.write(request + "\n")
                self.helper.stdin.flush()
            except OSError as exc:
                raise OfficeError(f"LibreOffice helper gone ({exc}): {self._stderr()}") from None
            reader.start()
            reader.join(timeout)
            if reader.is_alive() or not answer or not answer[0]:
                self.close()
                raise OfficeError(f"timed out after {timeout:g} s (LibreOffice gave no answer; stopped): "
                                  f"{self._stderr()}")
        result = json.loads(answer[0])
        if "error" in result:
            raise OfficeError(f"LibreOffice could not evaluate {Path(path).name}: {result['error']}")
        return result

    def _stderr(self) -> str:
        texts = []
        for name in ("helper.err", "soffice.err"):
            try:
                text = (self.work / name).read_text(errors="replace").strip()
            except OSError:
                text = ""
            text = "\n".join(ln for ln in text.splitlines() if "javaldx" not in ln)
            if text:
                texts.append(f"{name}: {text[-1500:]}")
        return "; ".join(texts) or "no output"

    def close(self) -> None:
        for proc in (self.helper, self.soffice):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        for stream in [*self._logs, self.helper.stdin, self.helper.stdout]:
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        shutil.rmtree(self.work, ignore_errors=True)


_shared: Office | None = None
_shared_lock = threading.Lock()


def shared_office() -> Office:
    """This process's LibreOffice, started on first use (and again if it died); closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.alive():
            if _shared is not None:
                _shared.close()
            _shared = Office()
            atexit.register(_shared.close)
        return _shared


