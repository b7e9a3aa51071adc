"""Publishing files atomically: a temp file in the target's folder, then ``os.replace``.

``tempfile.mkstemp`` creates files readable by their owner only (0600); a file that replaces nothing gets the
permissions a newly created file would get (0666 less the umask), and one that replaces a file keeps that file's
permissions, so an in-place recalc never changes who may read a book. On any failure the temp file is removed and
the target is untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_output", "publish"]


def publish(tmp: str | Path, target: str | Path) -> None:
    """Give ``tmp`` the permissions ``target`` has (or a new file would get), then move it over ``target``."""
    target = Path(target)
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
    """``with atomic_output(path) as tmp: write(tmp)``: ``path`` appears complete or not at all."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        publish(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
