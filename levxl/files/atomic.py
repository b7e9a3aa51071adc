"""Publishing files atomically: a temp file in the target's folder, then ``os.replace``; outputs are never inputs.

* The target is resolved first (``os.path.realpath``): writing to a symlink writes through to the file it points to
  and the link stays a link.
* Temp files are named ``.NAME.levxl-PID-RANDOM.tmp``: unique per job, and a batch removes only the temp files of
  the workers it killed (:func:`remove_temp_files` with their pid), never another job's. Temp files a SIGKILL left
  behind are removed by the next write into the same folder once :data:`STALE_SECONDS` old
  (:func:`clean_stale_temp_files`).
* ``tempfile.mkstemp`` creates files readable by their owner only (0600); a file that replaces nothing gets the
  permissions a newly created file would get (0666 less the umask), and one that replaces a file keeps that file's
  permissions, so an in-place recalc never changes who may read a book.
* On any failure the temp file is removed and the target is untouched; an ``OSError`` (disk full, read-only folder,
  permission denied) becomes :class:`OutputError`, a ``ValueError`` with a one-line message.
* :func:`refuse_output_over_inputs` refuses an output that is one of the inputs (same path, a symlink to it, or a
  hard link to the same file) before anything is written.
* :func:`refuse_unwritable_target` refuses a target (through symlinks) that is not a regular file (a FIFO, device,
  socket or folder, which ``os.replace`` would swap for a file) or is read-only (no write bit, or not writable by
  this user: ``os.replace`` needs only the folder's permission), before anything is written and again on publish.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterable, Iterator

__all__ = ["atomic_output", "publish", "OutputError", "refuse_output_over_inputs", "refuse_unwritable_target",
           "remove_temp_files", "clean_stale_temp_files", "TEMP_MARK", "STALE_SECONDS"]

TEMP_MARK = "levxl"
STALE_SECONDS = 3600.0  #: a temp file older than this with no live writer is left over from a killed job
_TEMP = re.compile(r"^\..+\.levxl-(\d+)-[^.]+\.[A-Za-z0-9]+$")
_cleaned: set[str] = set()


class OutputError(ValueError, OSError):
    """An output could not be written (disk full, read-only folder or file, output over an input or over a FIFO or
    device); nothing was written.
    A ``ValueError`` (a message for the user, as every bad-input error) and an ``OSError`` (what it wraps)."""


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def refuse_output_over_inputs(inputs: Iterable[str | Path | None], output: str | Path) -> None:
    """Raise :class:`OutputError` if ``output`` is one of ``inputs``: the same path, through a symlink, or a hard
    link to the same file (same device and inode)."""
    out = Path(output)
    try:
        out_real, out_stat = os.path.realpath(out), (os.stat(out) if out.exists() else None)
    except OSError:
        return
    for item in inputs:
        if item is None:
            continue
        path = Path(item)
        same = os.path.realpath(path) == out_real
        if not same and out_stat is not None:
            with contextlib.suppress(OSError):
                st = os.stat(path)
                same = (st.st_dev, st.st_ino) == (out_stat.st_dev, out_stat.st_ino)
        if same:
            raise OutputError(f"refusing to write {out}: it is the input {path} (an output never replaces an input)")


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def refuse_unwritable_target(target: str | Path) -> None:
    """Raise :class:`OutputError` if ``target`` (through symlinks) exists and is not a regular file, or is read-only.

    ``os.replace`` would put a regular file where a FIFO or device was, and it needs only the folder's write
    permission, so without this a read-only file is silently replaced. ``os.access`` alone is not enough: for root
    it says every file is writable, so a file with no write bit for anyone is read-only too. A missing target (or
    folder) is fine: it is created."""
    shown = Path(target)
    real = os.path.realpath(shown)
    try:
        info = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        return
    via = f" (a symlink to {real})" if os.path.islink(shown) else ""
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"refusing to write {shown}{via}: it is {_kind_of(info.st_mode)}, not a regular file")
    if not info.st_mode & 0o222 or not os.access(real, os.W_OK):
        raise OutputError(f"refusing to write {shown}{via}: the file is read-only")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # no cheap check: rely on the age alone
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale_temp_files(folder: str | Path, *, max_age: float = STALE_SECONDS) -> list[Path]:
    """Remove levxl temp files in ``folder`` older than ``max_age`` seconds whose writer is gone; return them."""
    removed = []
    now = time.time()
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            m = _TEMP.match(entry.name)
            if not m or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime > max_age and not _pid_alive(int(m.group(1))):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def remove_temp_files(target: str | Path, pid: int) -> list[Path]:
    """Remove the temp files process ``pid`` left for ``target`` (a worker that was killed): only its own."""
    target = Path(os.path.realpath(target))
    removed = []
    for tmp in target.parent.glob(f".{glob_escape(target.name)}.{TEMP_MARK}-{pid}-*"):
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed.append(tmp)
    return removed


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def publish(tmp: str | Path, target: str | Path) -> None:
    """Give ``tmp`` the permissions ``target`` has (or a new file would get), then move it over ``target``.
    Refuses (:func:`refuse_unwritable_target`) a target that became a FIFO, device or read-only file meanwhile."""
    target = Path(target)
    refuse_unwritable_target(target)
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)
    os.replace(tmp, target)


@contextlib.contextmanager
def atomic_output(target: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """``with atomic_output(path) as tmp: write(tmp)``: ``path`` appears complete or not at all.

    A symlink ``path`` is written through (its target file is replaced, the link kept). A target that is not a
    regular file or is read-only is refused before the temp file is made (:func:`refuse_unwritable_target`). An
    ``OSError`` while creating, writing or publishing becomes :class:`OutputError` (one line: what and why)."""
    given = target
    target = Path(os.path.realpath(target))
    tmp = None
    try:
        refuse_unwritable_target(given)  # before anything is written; named as the caller gave it
        target.parent.mkdir(parents=True, exist_ok=True)
        if str(target.parent) not in _cleaned:
            _cleaned.add(str(target.parent))
            clean_stale_temp_files(target.parent)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.{TEMP_MARK}-{os.getpid()}-", suffix=suffix,
                                    dir=target.parent)
        os.close(fd)
        tmp = Path(name)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {_why(exc)}") from None
    try:
        yield tmp
        publish(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(f"cannot write {target}: {_why(exc)}; nothing was written") from None
        raise
