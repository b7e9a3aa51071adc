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

Every run works on its own copy of that tree's profile *and* its shared-extension folders (a few hundred kB, in a
``levxl-office-*`` temp dir): measured with LibreOffice 25.2, while any other ``soffice`` runs on the same
shared-extension folders, a new one re-synchronises them on start and exits with 81 ("restart me"), which
``oosplash`` obeys forever, so one stray ``soffice`` made every later recalc hang. The processes die with levxl:
``soffice.bin`` is started itself (the ``soffice`` script execs ``oosplash``, which would be the one signalled), in
its own process group, with Linux's parent-death signal (``PR_SET_PDEATHSIG``: SIGKILL when the levxl process ends,
however it ends), as is the helper. Each run is recorded (:func:`reap_orphans`) so that a later run stops (on Linux)
what a run killed before the signal was set left behind and removes its files.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import ctypes
import fcntl
import hashlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

from levxl.files.processes import kill_group
from levxl.recalc import addin

__all__ = ["OfficeError", "Office", "shared_office", "addin_home", "reap_orphans", "soffice_path", "uno_python",
           "available"]

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


def _env_args(shared: Path, profile: Path) -> list[str]:
    return [f"-env:UserInstallation={_uri(profile)}",
            f"-env:UNO_SHARED_PACKAGES={_uri(shared / 'uno_packages')}",
            f"-env:UNO_SHARED_PACKAGES_CACHE={_uri(shared / 'uno_packages' / 'cache')}",
            f"-env:SHARED_EXTENSIONS_USER={_uri(shared / 'extensions')}"]


#: soffice.bin's exit code for "restart me" (oosplash restarts it; levxl, which runs soffice.bin itself, says so)
_RESTART_EXIT = 81
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
#: LibreOffice's lock files: a profile's ``.lock`` and a document's ``.~lock.NAME#``; never copied into a run
_LOCKS = shutil.ignore_patterns(".lock", ".~lock*")


def _die_with_parent():
    """A ``preexec_fn`` after which the child gets SIGKILL when the thread that started it ends (Linux's
    ``PR_SET_PDEATHSIG``), or None where there is no ``prctl`` (macOS, BSD: there a killed levxl's ``soffice`` runs on,
    harmless to later runs, which never share its folders)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    args = (ctypes.c_int(_PR_SET_PDEATHSIG), ctypes.c_ulong(int(signal.SIGKILL)), ctypes.c_ulong(0),
            ctypes.c_ulong(0), ctypes.c_ulong(0))
    parent = os.getpid()

    def preexec() -> None:  # in the forked child: everything was resolved before the fork, nothing takes a lock
        prctl(*args)
        if os.getppid() != parent:  # levxl died before the signal was set: it will never come
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


_spawner: tuple[int, queue.Queue] | None = None
_spawner_lock = threading.Lock()


def _spawn(args: list[str], **kwargs) -> subprocess.Popen:
    """``subprocess.Popen(args, **kwargs)`` with the parent-death signal, started from a thread that lives as long as
    this process: the signal comes when the *thread* that started the child ends, so a LibreOffice started from a
    short-lived worker thread would die with that thread."""
    global _spawner
    preexec = _die_with_parent()
    if preexec is None:
        return subprocess.Popen(args, **kwargs)
    with _spawner_lock:
        if _spawner is None or _spawner[0] != os.getpid():  # none yet, or inherited by a fork (its thread was not)
            jobs: queue.Queue = queue.Queue()
            threading.Thread(target=_spawner_loop, args=(jobs,), name="levxl-office-spawner", daemon=True).start()
            _spawner = (os.getpid(), jobs)
        jobs = _spawner[1]
    future: concurrent.futures.Future = concurrent.futures.Future()
    jobs.put((lambda: subprocess.Popen(args, preexec_fn=preexec, **kwargs), future))
    return future.result()


def _spawner_loop(jobs: queue.Queue) -> None:
    while True:
        start, future = jobs.get()
        try:
            future.set_result(start())
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            future.set_exception(exc)


def _run(args: list[str], timeout: float, env: dict | None = None) -> subprocess.CompletedProcess:
    """``subprocess.run`` through :func:`_spawn`, in a process group of its own, the whole group killed on a
    timeout (an OfficeError naming it)."""
    proc = _spawn(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                  start_new_session=True, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.communicate()
        raise OfficeError(f"{Path(args[0]).name} gave no answer within {timeout:g} s (stopped)") from None
    return subprocess.CompletedProcess(args, proc.returncode, out.decode(errors="replace"),
                                       err.decode(errors="replace"))


def _soffice_command(soffice: str) -> tuple[list[str], dict[str, str]]:
    """The program to start for ``soffice`` and its environment: ``soffice.bin`` itself where ``soffice`` is
    LibreOffice's launcher script, which execs ``oosplash``, which runs ``soffice.bin`` as *its* child: a death
    signal or a kill sent to the started process ended ``oosplash`` and left ``soffice.bin`` running. The script's
    one setting that matters headless, SAL_ENABLE_FILE_LOCKING, goes with it."""
    env = _clean_env()
    real = Path(soffice).resolve()
    binary = real.with_name("soffice.bin")
    if real != binary and os.access(binary, os.X_OK):
        env["SAL_ENABLE_FILE_LOCKING"] = "1"
        return [str(binary)], env
    return [soffice], env


def _fingerprint() -> str:
    parts = [addin.idl_text(), addin.xcu_text(), os.pathsep.join(addin.python_paths()),
             (Path(addin.__file__).with_name("addin_component.py.in")).read_text(encoding="utf-8")]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _base() -> Path:
    return Path(os.environ.get("LEVXL_ADDIN_HOME") or Path.home() / ".cache" / "levxl")


def addin_home() -> Path:
    """A private tree with levxl.oxt built from the catalogue and registered (as a shared extension of that tree),
    plus a profile template that has started once. Built on first use, per catalogue version; under
    ``$LEVXL_ADDIN_HOME`` or ``~/.cache/levxl``. A run copies it (see the module docstring), never starts on it."""
    base = _base()
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
    proc = _run([unopkg, "add", "--shared", *_env_args(home / "shared", profile), str(oxt)], timeout=300)
    if proc.returncode != 0:
        raise OfficeError(f"unopkg add failed (exit {proc.returncode}): {proc.stderr.strip() or proc.stdout}")
    # one complete start: the first start after an install synchronises the extension (Err:504 until it has); a
    # start that synchronised asks to be restarted (what oosplash would do)
    command, env = _soffice_command(soffice)
    for _ in range(3):
        done = _run([*command, *_env_args(home / "shared", profile), "--headless", "--invisible", "--norestore",
                     "--nologo", "--nodefault", "--terminate_after_init"], timeout=300, env=env)
        if done.returncode != _RESTART_EXIT:
            break
    (home / "ready").write_text(str(oxt), encoding="utf-8")


# --- the record of each run, for reap_orphans --------------------------------------------------------------------

def _runs() -> Path:
    return _base() / "runs"


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (the state) on, or None where the process is gone, a zombie, or there is no
    /proc."""
    try:
        text = Path(f"/proc/{int(pid)}/stat").read_text()
    except (OSError, ValueError):
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name (field 2) may hold spaces and ")"
    return None if fields[0] in ("Z", "X") else fields


def _start_time(pid: int) -> int | None:
    """When process ``pid`` started (field 22 of /proc/<pid>/stat, clock ticks after boot): with the pid it names one
    process, never a later one given the same pid. None where it is gone or there is no /proc."""
    fields = _stat(pid)
    return int(fields[19]) if fields else None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{int(pid)}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError):
        return ""


def _owner_alive(pid: int, start: int | None) -> bool:
    if start is None:  # recorded where there is no /proc: the pid is all there is
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return _start_time(pid) == start


def _terminate(pid: int, start: int) -> bool:
    """SIGTERM, up to 5 s to end, then SIGKILL, to process ``pid`` (its group: it leads one) while it is still the
    process that started at ``start``; whether it has ended."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if _start_time(pid) != start:
            return True
        try:
            os.killpg(pid, sig) if os.getpgid(pid) == pid else os.kill(pid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if _start_time(pid) != start:
                return True
            time.sleep(0.05)
    return _start_time(pid) != start


def reap_orphans() -> list[int]:
    """Stop what dead levxl runs left behind; the pids stopped.

    Every run records its owner (pid and start time) and its ``soffice`` and helper (pid and start time) in
    ``runs/`` of the add-in base (``$LEVXL_ADDIN_HOME`` or ``~/.cache/levxl``). For a record whose owner is gone (or
    whose owner pid now names a later process), each recorded process still running -- the same pid *and* start
    time, a command line naming the run's work dir, and ``soffice`` in it for the soffice -- gets SIGTERM, then
    SIGKILL; then the run's work dir (its profile's lock files with it) and the record are removed. A run whose
    owner lives is never touched, nor is any process not recorded; without /proc nothing is killed."""
    stopped: list[int] = []
    try:
        records = sorted(_runs().glob("*.json"))
    except OSError:
        return stopped
    for record in records:
        try:
            run = json.loads(record.read_text(encoding="utf-8"))
            owner_pid, owner_start = run["owner"]
            work = Path(run["work"])
            procs = [(int(run[role][0]), run[role][1], role) for role in ("soffice", "helper")]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # half written, or not one of ours: left alone
        if _owner_alive(int(owner_pid), owner_start) or not work.name.startswith("levxl-office-"):
            continue
        ended = True
        for pid, start, role in procs:
            if start is None or _start_time(pid) != start:
                continue  # gone, or unverifiable (no /proc): never signal a pid that may be another process now
            command = _cmdline(pid)
            if work.name not in command or (role == "soffice" and "soffice" not in command):
                continue
            if _terminate(pid, start):
                stopped.append(pid)
            else:
                ended = False
        if ended:
            shutil.rmtree(work, ignore_errors=True)
            record.unlink(missing_ok=True)
    return stopped


def _clear_stale_lock(book: Path) -> None:
    """Remove LibreOffice's lock file beside ``book`` (``.~lock.NAME#``) where a levxl run that is over left it:
    headless, LibreOffice cannot ask whether to open a locked file, and refuses it ("could not open it"). Only a
    lock naming a levxl run's profile (``.../levxl-office-*/profile``) whose work dir is gone (reaped) or whose
    record's owner is dead is removed; any other lock is someone's open document."""
    lock = book.with_name(f".~lock.{book.name}#")
    try:
        text = lock.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    found = re.search(r"file://([^;,\n]*/(levxl-office-[^/;,\n]+))/profile", text)
    if not found:
        return
    work = Path(urllib.parse.unquote(found.group(1)))
    try:
        run = json.loads((_runs() / f"{found.group(2)}.json").read_text(encoding="utf-8"))
        over = not _owner_alive(int(run["owner"][0]), run["owner"][1])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        over = False
    if over or not work.exists():
        lock.unlink(missing_ok=True)


def _stray_soffices(own: int) -> list[str]:
    """Other levxl ``soffice`` processes running now (their command line names a levxl work dir or add-in tree), as
    "pid N" ("pid N, left by a levxl run that was killed" where its parent is gone), at most 5."""
    found = []
    try:
        pids = sorted(int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit())
    except OSError:
        return found
    for pid in pids:
        command = _cmdline(pid)
        if pid == own or not command.split(" ", 1)[0].endswith("soffice.bin") or (
                "levxl-office-" not in command and "libreoffice-addin-" not in command):
            continue
        fields = _stat(pid)
        if fields is None:
            continue
        parent = int(fields[1])
        if parent != 1 and _cmdline(parent).split(" ", 1)[0].endswith("oosplash"):
            parent = int((_stat(parent) or fields)[1])  # started through oosplash: its owner is oosplash's parent
        found.append(f"pid {pid}" + (", left by a levxl run that was killed" if parent == 1 else ""))
    return found[:5]


class Office:
    """A running ``soffice`` with the add-in and the UNO helper that answers for it.

    ``timeout``: seconds the helper waits for ``soffice`` to open its pipe (LibreOffice's start-up)."""

    def __init__(self, timeout: float = 120):
        soffice, python = soffice_path(), uno_python()
        if soffice is None or python is None:
            raise OfficeError("LibreOffice with its Python UNO bridge is needed: apt-get install -t "
                              "bookworm-backports libreoffice-calc-nogui python3-uno libreoffice-dev")
        home = addin_home()
        reap_orphans()
        self.connect_timeout = float(timeout)
        self.work = Path(tempfile.mkdtemp(prefix="levxl-office-"))
        profile, shared = self.work / "profile", self.work / "shared"
        shutil.copytree(home / "profile", profile, symlinks=True, ignore=_LOCKS)
        shutil.copytree(home / "shared", shared, symlinks=True, ignore=_LOCKS)
        pipe = f"levxl-{uuid.uuid4().hex}"
        command, env = _soffice_command(soffice)
        env["LEVXL_PYTHONPATH"] = os.pathsep.join(addin.python_paths())
        self._lock = threading.Lock()
        self._connected = self.work / "connected"
        self._logs = [open(self.work / "soffice.err", "wb"), open(self.work / "helper.err", "wb")]
        self.soffice = _spawn(
            [*command, *_env_args(shared, profile), "--headless", "--invisible", "--norestore", "--nologo",
             "--nodefault", "--nolockcheck", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._logs[0],
            start_new_session=True, env=env)
        script = self.work / "helper.py"
        script.write_text((Path(__file__).with_name("office_helper.py.in")).read_text(encoding="utf-8"),
                          encoding="utf-8")
        self.helper = _spawn([python, str(script), pipe, str(timeout), str(self._connected)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._logs[1],
                             start_new_session=True, env=_clean_env(), text=True, bufsize=1)
        self._record = _runs() / f"{self.work.name}.json"
        self._write_record()

    def _write_record(self) -> None:
        """This run's owner, soffice and helper (pid and start time each) for :func:`reap_orphans`."""
        run = {"owner": [os.getpid(), _start_time(os.getpid())], "work": str(self.work),
               "soffice": [self.soffice.pid, _start_time(self.soffice.pid)],
               "helper": [self.helper.pid, _start_time(self.helper.pid)]}
        try:
            self._record.parent.mkdir(parents=True, exist_ok=True)
            part = self._record.with_suffix(".part")
            part.write_text(json.dumps(run), encoding="utf-8")
            os.replace(part, self._record)
        except OSError:  # a read-only cache: the death signal still applies, only the clean-up after a kill is lost
            pass

    def alive(self) -> bool:
        return self.soffice.poll() is None and self.helper.poll() is None

    def evaluate(self, path, spills=(), iterate: dict | None = None, timeout: float = 600) -> dict:
        """The helper's answer for one book (see office_helper.py.in); raises OfficeError."""
        request = json.dumps({"path": str(Path(path).resolve()), "spills": [list(s) for s in spills],
                              "iterate": iterate})
        _clear_stale_lock(Path(path).resolve())
        with self._lock:
            if not self.alive():
                raise OfficeError(f"LibreOffice is not running ({self._exits()}): {self._stderr()}")
            answer: list[str] = []
            reader = threading.Thread(target=lambda: answer.append(self.helper.stdout.readline()), daemon=True)
            try:
                self.helper.stdin.write(request + "\n")
                self.helper.stdin.flush()
            except OSError as exc:
                raise OfficeError(f"LibreOffice helper gone ({exc}): {self._stderr()}") from None
            started = time.monotonic()
            reader.start()
            while reader.is_alive():
                left = timeout - (time.monotonic() - started)
                if left <= 0:
                    break
                if self.soffice.poll() is not None:  # no answer can come: say so now, not after the timeout
                    reader.join(2)  # (but take the helper's own report of it, if it makes one)
                    break
                reader.join(min(left, 0.25))
            if not answer or not answer[0]:
                message = self._no_answer(time.monotonic() - started, timeout, gave_up=not reader.is_alive())
                self.close()
                raise OfficeError(message)
        result = json.loads(answer[0])
        if "error" in result:
            raise OfficeError(f"LibreOffice could not evaluate {Path(path).name}: {result['error']}")
        return result

    def _exits(self) -> str:
        parts = []
        for name, proc in (("soffice", self.soffice), ("helper", self.helper)):
            code = proc.poll()
            parts.append(f"{name} pid {proc.pid} " + ("running" if code is None else f"exited with code {code}"))
        return ", ".join(parts)

    def _no_answer(self, waited: float, timeout: float, gave_up: bool) -> str:
        """Why no answer came, naming the timeout that really expired, and what to do (``gave_up``: the helper
        closed its output rather than answer)."""
        if gave_up:  # it is exiting: its exit code says which
            try:
                self.helper.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        soffice, helper = self.soffice.poll(), self.helper.poll()
        if soffice is not None:
            restart = "; it asked to be restarted, its extension folders changed under it"
            what = (f"LibreOffice stopped after {waited:.1f} s of this book (soffice pid {self.soffice.pid} exited "
                    f"with code {soffice}{restart if soffice == _RESTART_EXIT else ''})")
        elif gave_up and not self._connected.exists():
            what = (f"LibreOffice did not start within {self.connect_timeout:g} s (soffice pid {self.soffice.pid} "
                    f"never opened its pipe)")
        elif gave_up:
            what = ("LibreOffice's helper " + ("stopped answering" if helper is None else f"exited with code {helper}")
                    + f" after {waited:.1f} s of this book")
        else:
            what = f"timed out after {timeout:g} s (LibreOffice gave no answer; stopped)"
        strays = _stray_soffices(self.soffice.pid)
        if strays:
            what += ("; other levxl soffice.bin processes are running (" + "; ".join(strays) + "): one that no "
                     "levxl run owns can be ended with kill PID")
        elif soffice is not None or not self._connected.exists():
            what += "; `soffice --headless --version` shows whether LibreOffice starts at all"
        return f"{what}: {self._stderr()}"

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
            kill_group(proc)
        for stream in [*self._logs, self.helper.stdin, self.helper.stdout]:
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        shutil.rmtree(self.work, ignore_errors=True)
        try:
            self._record.unlink(missing_ok=True)
        except OSError:
            pass


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
