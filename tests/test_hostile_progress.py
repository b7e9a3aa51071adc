"""A worker that dies holding tqdm's lock must not block the parent's progress bar (it did, for good)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import os, sys
    import levxl.recalc.batch as batch
    from levxl.cli.recalc import recalc
    from tqdm import tqdm

    def dies_holding_the_lock(path, out, inputs, in_place=False, engine="auto"):
        tqdm.get_lock().acquire()  # as the formulas engine's own progress bar does, then SIGKILL/crash
        os._exit(9)

    batch.recalc_workbook = dies_holding_the_lock  # workers are forked: they run this
    files = sys.argv[2:]
    try:
        recalc.main([*files, "--out", sys.argv[1], "--jobs", "1"], standalone_mode=False)
    except SystemExit:
        pass
    print("PARENT FINISHED")
""")


def test_parent_progress_bar_survives_a_worker_dying_with_the_lock(tmp_path):
    from test_hostile_corpus import formula_book

    files = [str(formula_book(tmp_path / f"b{i}.xlsx")) for i in range(3)]
    try:
        proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "out"), *files], capture_output=True,
                              text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise AssertionError("the parent hung in tqdm after a worker died holding its lock") from None
    assert "PARENT FINISHED" in proc.stdout, proc.stderr
    assert proc.stderr.count("worker died") == 3, proc.stderr
