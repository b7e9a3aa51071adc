"""Publishing files atomically: a temp file in the target's folder, then ``os.replace``.

``tempfile.mkstemp`` creates files readable by their owner only (0600); a report or workbook that replaces nothing
gets the permissions a newly created file would get (0666 less the umask), and one that replaces a file keeps that
file's permissions, so an in-place recalc never changes who may read a book.
"""

from __future__ import annotations

import os
from pathlib import Path


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
