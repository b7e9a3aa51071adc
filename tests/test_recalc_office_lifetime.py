"""LibreOffice's processes live no longer than the levxl process that started them, and nothing a killed run left
behind stalls a later one.

Measured before the fix: a ``levxl recalc`` killed with SIGKILL left its ``soffice.bin`` running (started through
``oosplash``, so killing levxl reached neither); while it ran, every later LibreOffice recalc on the same add-in tree
restarted ``soffice.bin`` for 120 s (a new one re-synchronised the shared extension folders and asked to be
restarted, again and again) and failed with "timed out after 300 s".

Each test runs real LibreOffice 25.2 (skipped where it is absent) on an add-in tree of its own
(``LEVXL_ADDIN_HOME`` in ``tmp_path``), so it never sees, let alone stops, another test run's ``soffice``; every
process a test starts is killed by its pid in a ``finally``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from levxl.recalc import office
from levxl.testing import libreoffice

pytestmark = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice is not installed")
linux = pytest.mark.skipif(not Path("/proc/self/stat").exists() or not sys.platform.startswith("linux"),
                           reason="the parent-death signal and /proc are Linux's")

ROOT = Path(__file__).resolve().parent.parent
DRIVER = """
import sys
from levxl.recalc import libreoffice
from levxl.recalc.office import Office
from levxl.recalc.package import open_package

office = Office()
while True:  # a recalc that is always mid-run when it is killed: the book itself, and levxl's copy of it
    office.evaluate(sys.argv[1])
    libreoffice.evaluate(open_package(sys.argv[1]), office=office)
"""


@pytest.fixture()
def addin_base(tmp_path, monkeypatch):
    """A private add-in tree (and run records) for this test."""
    base = tmp_path / "addin"
    monkeypatch.setenv("LEVXL_ADDIN_HOME", str(base))
    return base


@pytest.fixture()
def started():
    """(pid, start time) of each process the test started or found among its children: killed afterwards if still
    that process (never any other)."""
    pids: list[tuple[int, int]] = []
    yield pids
    for pid, start in pids:
        if office._start_time(pid) == start:
            try:
                os.killpg(pid, signal.SIGKILL) if os.getpgid(pid) == pid else os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _book(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "long", "=LEVXL_PNL(A1,100,110,1)"
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def _pnl(answer: dict) -> float:
    return {(r, c): v for r, c, v in answer["sheets"][0]["cells"]}[(0, 1)]


def _recalc_quickly(book: Path) -> float:
    """A new Office evaluates ``book`` (LEVXL_PNL through the add-in): the seconds it took, asserted under 30."""
    began = time.monotonic()
    run = office.Office(timeout=30)  # the previous code waited 120 s here, then failed
    try:
        assert _pnl(run.evaluate(book, timeout=30)) == pytest.approx(10.0)
    finally:
        run.close()
    took = time.monotonic() - began
    assert took < 30
    return took


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = office._stat(int(entry.name))
            if fields and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait(condition, seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def _plain_soffice(work: Path, shared: Path, started) -> subprocess.Popen:
    """A soffice.bin on ``work``'s profile and ``shared``'s extension folders, started as the previous code left
    one: no death signal, nobody to stop it."""
    command, env = office._soffice_command(office.soffice_path())
    proc = subprocess.Popen(
        [*command, *office._env_args(shared, work / "profile"), "--headless", "--invisible", "--norestore",
         "--nologo", "--nodefault", "--nolockcheck", f"--accept=pipe,name=levxl-test-{work.name};urp;"
         "StarOffice.ComponentContext"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    started.append((proc.pid, office._start_time(proc.pid)))
    return proc


@linux
def test_a_killed_recalc_takes_its_soffice_with_it_and_the_next_run_cleans_up(tmp_path, addin_base, started):
    book = _book(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LEVXL_ADDIN_HOME": str(addin_base)}
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(book)], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    started.append((driver.pid, office._start_time(driver.pid)))
    try:
        runs = addin_base / "runs"
        # mid-run: its soffice is up and its helper connected (evaluating the book again and again)
        assert _wait(lambda: any((Path(json.loads(r.read_text())["work"]) / "connected").exists()
                                 for r in runs.glob("*.json")), 50), driver.stderr.read1().decode()
        record = next(runs.glob("*.json"))
        run = json.loads(record.read_text())
        children = [(pid, office._start_time(pid)) for pid in _children(driver.pid)]
        started.extend(children)
        assert run["soffice"] in [list(c) for c in children] and run["helper"] in [list(c) for c in children]
        assert "soffice.bin" in office._cmdline(run["soffice"][0])  # soffice.bin itself, not oosplash
        # levxl's copy of the book is made inside the run's work dir, which the next run's reaper removes
        assert _wait(lambda: any(Path(run["work"]).glob("levxl-lo-book-*")), 20, step=0.005)
        driver.kill()
        driver.wait()
        # (a) the death signal: none of its processes outlives it
        assert _wait(lambda: all(office._start_time(pid) != start for pid, start in children), 10), children
        assert Path(run["work"]).is_dir() and record.is_file()  # what only a later run can clean
        # the next run reaps the dead run's record and work dir, and computes at once
        _recalc_quickly(book)
        assert not record.exists() and not Path(run["work"]).exists()
    finally:
        driver.kill()
        driver.wait()
        driver.stderr.close()


@linux
def test_a_recorded_soffice_whose_owner_died_is_stopped_and_nothing_else(tmp_path, addin_base, started):
    book = _book(tmp_path)
    home = office.addin_home()
    runs = addin_base / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    # the owner: a process that has ended (its pid and start time as a record holds them)
    owner = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    dead_owner = [owner.pid, office._start_time(owner.pid)]
    owner.communicate(b"")
    # run A: a live soffice whose owner is dead (as a run killed where there is no death signal leaves it)
    work = tmp_path / "levxl-office-orphan"
    shutil.copytree(home / "profile", work / "profile")
    shutil.copytree(home / "shared", work / "shared")
    orphan = _plain_soffice(work, work / "shared", started)
    (work / "profile" / ".lock").write_text("stale")
    assert _wait(lambda: orphan.poll() is None and (work / "profile" / "user").is_dir(), 5)
    time.sleep(1)
    assert orphan.poll() is None
    (runs / "a.json").write_text(json.dumps({"owner": dead_owner, "work": str(work),
                                             "soffice": [orphan.pid, office._start_time(orphan.pid)],
                                             "helper": [orphan.pid, office._start_time(orphan.pid)]}))
    # run B: its owner (this process) lives -- its soffice is never touched
    mine = tmp_path / "levxl-office-live"
    mine.mkdir()
    stand_in = [sys.executable, "-c", "import time; time.sleep(60)"]
    live = subprocess.Popen([*stand_in, "soffice", str(mine)], start_new_session=True)
    started.append((live.pid, office._start_time(live.pid)))
    me = [os.getpid(), office._start_time(os.getpid())]
    (runs / "b.json").write_text(json.dumps({"owner": me, "work": str(mine),
                                             "soffice": [live.pid, office._start_time(live.pid)],
                                             "helper": [live.pid, office._start_time(live.pid)]}))
    # run C: owner dead, but its pid now names a later process (start time differs): never signalled
    reused = tmp_path / "levxl-office-reused"
    reused.mkdir()
    later = subprocess.Popen([*stand_in, "soffice", str(reused)], start_new_session=True)
    started.append((later.pid, office._start_time(later.pid)))
    (runs / "c.json").write_text(json.dumps({"owner": dead_owner, "work": str(reused),
                                             "soffice": [later.pid, office._start_time(later.pid) - 1],
                                             "helper": [later.pid, office._start_time(later.pid) - 1]}))
    try:
        assert office.reap_orphans() == [orphan.pid]
        assert orphan.wait(timeout=10) is not None
        assert not work.exists() and not (runs / "a.json").exists()  # its work dir, stale .lock with it
        assert live.poll() is None and mine.is_dir() and (runs / "b.json").is_file()
        assert later.poll() is None and not (runs / "c.json").exists()
        _recalc_quickly(book)
        assert live.poll() is None and later.poll() is None
    finally:
        for proc in (orphan, live, later):
            proc.kill()
            proc.wait()


@linux
def test_a_stray_soffice_on_the_add_in_tree_no_longer_stalls_a_run(tmp_path, addin_base, started):
    """The soffice the previous code left behind ran on the add-in tree's own shared-extension folders: with it
    alive every later run restarted soffice.bin until its 120 s ran out. A run now has a copy of its own."""
    book = _book(tmp_path)
    home = office.addin_home()
    work = tmp_path / "stray"
    shutil.copytree(home / "profile", work / "profile")
    stray = _plain_soffice(work, home / "shared", started)
    try:
        time.sleep(3)  # up, with the tree's extension folders open
        assert stray.poll() is None
        _recalc_quickly(book)
        assert stray.poll() is None  # it was there all along
    finally:
        stray.kill()
        stray.wait()


@linux
def test_an_office_started_from_a_thread_outlives_the_thread(tmp_path, addin_base):
    """The death signal follows the thread that started the child: a thread's end must not kill LibreOffice."""
    book = _book(tmp_path)
    box = []
    worker = threading.Thread(target=lambda: box.append(office.Office(timeout=30)))
    worker.start()
    worker.join()
    run = box[0]
    try:
        time.sleep(1)
        assert run.alive()
        assert _pnl(run.evaluate(book, timeout=30)) == pytest.approx(10.0)
    finally:
        run.close()


def _fake_home(base: Path) -> None:
    """A ready add-in tree (nothing registered): enough for Office to start a fake soffice on."""
    home = base / f"libreoffice-addin-{office._fingerprint()}"
    (home / "profile" / "user").mkdir(parents=True)
    (home / "shared").mkdir()
    (home / "ready").write_text("fake")


def _fake_soffice(tmp_path: Path, body: str) -> str:
    script = tmp_path / "bin" / "soffice"
    script.parent.mkdir()
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


def _failed_run(tmp_path, addin_base, monkeypatch, body, start_timeout):
    """(the Office, its error message, seconds taken) of a book evaluated (300 s timeout) on a fake soffice
    running ``body``."""
    _fake_home(addin_base)
    monkeypatch.setenv("LEVXL_SOFFICE", _fake_soffice(tmp_path, body))
    run = office.Office(timeout=start_timeout)
    began = time.monotonic()
    try:
        with pytest.raises(office.OfficeError) as error:
            run.evaluate(_book(tmp_path), timeout=300)
    finally:
        run.close()
    return run, str(error.value), time.monotonic() - began


def test_a_soffice_that_never_starts_is_named_with_the_timeout_that_ran_out(tmp_path, addin_base, monkeypatch):
    """The helper gives up connecting after the Office's start-up timeout (1 s here): the message says that, not
    the book's timeout (300 s) that never ran out."""
    run, message, elapsed = _failed_run(tmp_path, addin_base, monkeypatch, "exec sleep 30", 1)
    assert "did not start within 1 s" in message and f"soffice pid {run.soffice.pid}" in message, message
    assert "300 s" not in message and elapsed < 30


def test_a_soffice_that_exits_is_reported_at_once_with_its_exit_code(tmp_path, addin_base, monkeypatch):
    _, message, elapsed = _failed_run(tmp_path, addin_base, monkeypatch, "sleep 1; exit 81", 60)
    assert "exited with code 81" in message and "300 s" not in message, message
    assert elapsed < 15  # not the helper's 60 s, nor the book's 300 s


@linux
def test_the_message_names_a_stray_levxl_soffice_by_pid(tmp_path, addin_base, monkeypatch, started):
    _fake_home(addin_base)
    monkeypatch.setenv("LEVXL_SOFFICE", _fake_soffice(tmp_path, "exec sleep 30"))
    # a stand-in for a soffice.bin a killed levxl left: its parent gone, a levxl work dir on its command line
    spawner = subprocess.run(
        ["bash", "-c", f"exec -a soffice.bin {sys.executable} -c 'import os, time; print(os.getpid(), "
                       f"flush=True); time.sleep(30)' {tmp_path}/levxl-office-stray > {tmp_path}/stray.pid &"],
        start_new_session=True, timeout=10)
    assert spawner.returncode == 0
    assert _wait(lambda: (tmp_path / "stray.pid").is_file() and (tmp_path / "stray.pid").read_text().strip(), 10)
    stray = int((tmp_path / "stray.pid").read_text())
    started.append((stray, office._start_time(stray)))
    run = office.Office(timeout=1)
    try:
        with pytest.raises(office.OfficeError) as error:
            run.evaluate(_book(tmp_path), timeout=300)
    finally:
        run.close()
    assert f"pid {stray}" in str(error.value), str(error.value)
