"""Child processes levxl starts (LibreOffice and its helpers): ended with their whole process group."""

from __future__ import annotations

import os
import signal
import subprocess

__all__ = ["kill_group"]


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL to ``proc``'s process group (it leads one: started with ``start_new_session``; soffice forks
    helpers into it), then reap it, waiting at most 10 s."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
