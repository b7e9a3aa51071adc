"""Outputs are never inputs; a failed write leaves nothing half-written and the inputs untouched; temp files are a
job's own (one job's failure never deletes another's) and SIGKILL leftovers are cleaned by the next run."""

from __future__ import annotations

import errno
import os
import time

import pytest

from test_hostile_corpus import POSITIONS_CSV, formula_book, invoke, one_line_failure, positions_xlsx


def _positions(tmp_path, kind):
    if kind == "csv":
        path = tmp_path / "pos.csv"
        path.write_text(POSITIONS_CSV)
        return path
    return positions_xlsx(tmp_path / "pos.xlsx")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("how", ["same", "hardlink", "symlink", "dotted"])
def test_report_never_writes_over_its_input(kind, how, tmp_path):
    pos = _positions(tmp_path, kind)
    before = pos.read_bytes()
    if how == "same":
        out = pos
    elif how == "dotted":
        out = tmp_path / "sub" / ".." / pos.name
        (tmp_path / "sub").mkdir()
    else:
        out = tmp_path / f"out.{kind}"
        (os.link if how == "hardlink" else os.symlink)(pos, out)
    one_line_failure(invoke("report", pos, "-o", out), "never replaces an input")
    assert pos.read_bytes() == before
    assert how != "symlink" or out.is_symlink()


def test_report_never_writes_over_its_marks_file(tmp_path):
    pos = _positions(tmp_path, "csv")
    marks = tmp_path / "marks.csv"
    marks.write_text("symbol,mark\nBTCUSDT,60000\n")
    one_line_failure(invoke("report", pos, "--marks", marks, "-o", marks), "never replaces an input")
    assert marks.read_text() == "symbol,mark\nBTCUSDT,60000\n"


def test_refuse_output_over_inputs_lets_a_new_file_through(tmp_path):
    from levxl.files.atomic import OutputError, refuse_output_over_inputs

    pos = _positions(tmp_path, "csv")
    refuse_output_over_inputs([pos, None], tmp_path / "report.xlsx")
    with pytest.raises(OutputError):
        refuse_output_over_inputs([pos], pos)


def test_recalc_in_place_through_a_symlink_keeps_the_link(tmp_path):
    import openpyxl

    real = formula_book(tmp_path / "real.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    result = invoke("recalc", link, "--in-place")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert openpyxl.load_workbook(real, data_only=True).active["B1"].value == pytest.approx(10.0)


def test_recalc_out_refuses_a_hard_link_to_an_input(tmp_path):
    book = formula_book(tmp_path / "book.xlsx")
    out = tmp_path / "out"
    out.mkdir()
    os.link(book, out / "book.xlsx")
    result = invoke("recalc", book, "--out", out)
    assert result.exit_code == 2 and "would overwrite an input" in result.output


def test_one_jobs_failure_never_deletes_another_jobs_temp_file(tmp_path):
    from levxl.recalc import recalc_paths
    from test_hostile_corpus import truncated

    bad = truncated(formula_book(tmp_path / "base.xlsx"), tmp_path / "book.xlsx")
    out = tmp_path / "out"
    out.mkdir()
    other = out / f".book.xlsx.levxl-{os.getppid()}-abc123.tmp"  # a live job's temp file for the same name
    other.write_bytes(b"partial")
    old_style = out / ".book.xlsx.x1y2z3.tmp"  # the name the old glob matched
    old_style.write_bytes(b"partial")
    [summary] = recalc_paths([bad], out, jobs=1)
    assert not summary.ok
    assert other.exists() and old_style.exists()


def test_sigkill_leftovers_are_cleaned_by_the_next_run_once_stale(tmp_path):
    stale = tmp_path / ".report.xlsx.levxl-999999999-dead01.xlsx"
    fresh = tmp_path / ".report.xlsx.levxl-999999999-live01.xlsx"
    alive = tmp_path / f".report.xlsx.levxl-{os.getpid()}-mine01.xlsx"
    foreign = tmp_path / ".report.xlsx.other.tmp"  # not ours: never touched
    for p in (stale, fresh, alive, foreign):
        p.write_bytes(b"x")
    hours_ago = time.time() - 7200
    for p in (stale, alive, foreign):
        os.utime(p, (hours_ago, hours_ago))
    pos = _positions(tmp_path, "csv")
    result = invoke("report", pos, "-o", tmp_path / "report.xlsx")
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert fresh.exists() and alive.exists() and foreign.exists()
    from levxl.files.atomic import clean_stale_temp_files

    assert clean_stale_temp_files(tmp_path) == []


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _no_leftovers(folder):
    return [p.name for p in folder.iterdir() if ".levxl-" in p.name]


def test_report_on_a_full_disk_writes_nothing_and_says_so(tmp_path, monkeypatch):
    import xlsxwriter.workbook

    pos = _positions(tmp_path, "csv")
    before = pos.read_bytes()
    original = xlsxwriter.workbook.Workbook._store_workbook

    def half_then_full(self):
        with open(self.filename, "wb") as f:
            f.write(b"PK\x03\x04 half a zip")
        _enospc()

    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", half_then_full)
    out = tmp_path / "report.xlsx"
    one_line_failure(invoke("report", pos, "-o", out), "No space left on device")
    assert not out.exists() and not _no_leftovers(tmp_path) and pos.read_bytes() == before
    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", original)


@pytest.mark.parametrize("command", ["report", "template"])
def test_a_read_only_folder_is_a_one_line_message(command, tmp_path, monkeypatch):
    import levxl.files.atomic as atomic

    def read_only(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", read_only)
    out = tmp_path / "ro" / ("report.xlsx" if command == "report" else "t.xlsm")
    args = ["report", _positions(tmp_path, "csv"), "-o", out] if command == "report" else ["template", "-o", out]
    one_line_failure(invoke(*args), "Permission denied")
    assert not out.exists()


def test_recalc_out_on_a_full_disk_fails_that_file_cleanly(tmp_path, monkeypatch):
    import levxl.recalc.package as package

    book = formula_book(tmp_path / "book.xlsx")
    before = book.read_bytes()
    monkeypatch.setattr(package.os, "fsync", _enospc)  # the worker is forked: it inherits the patch
    out = tmp_path / "out"
    result = invoke("recalc", book, "--out", out)
    assert result.exit_code == 1 and "No space left on device" in result.output, result.output
    assert "Traceback" not in result.output
    assert list(out.iterdir()) == [] and book.read_bytes() == before


def test_atomic_output_leaves_the_target_alone_on_failure(tmp_path):
    from levxl.files.atomic import OutputError, atomic_output

    target = tmp_path / "t.txt"
    target.write_text("old")
    with pytest.raises(OutputError, match="No space left"):
        with atomic_output(target) as tmp:
            tmp.write_text("half")
            _enospc()
    assert target.read_text() == "old" and not _no_leftovers(tmp_path)


def test_report_on_a_disk_that_fills_mid_write_prints_one_line_and_no_late_traceback(tmp_path, monkeypatch):
    import gc
    import sys
    import zipfile

    import xlsxwriter.workbook

    class FillingFile:
        """A file whose disk fills after 4 KB: every later write (the central directory at close too) fails."""

        def __init__(self, raw):
            self.raw, self.written = raw, 0

        def write(self, data):
            self.written += len(data)
            if self.written > 4096:
                _enospc()
            return self.raw.write(data)

        def __getattr__(self, name):
            return getattr(self.raw, name)

    class FillingZip(zipfile.ZipFile):
        def __init__(self, file, *args, **kwargs):
            super().__init__(FillingFile(open(file, "w+b")), *args, **kwargs)

    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", FillingZip)
    late = []
    monkeypatch.setattr(sys, "unraisablehook", late.append)
    out = tmp_path / "report.xlsx"
    one_line_failure(invoke("report", _positions(tmp_path, "csv"), "-o", out), "No space left on device")
    gc.collect()  # the half-written ZipFile, if still open, retries its write here ("Exception ignored in ...")
    assert late == [] and not out.exists() and not _no_leftovers(tmp_path)


def test_recalc_out_where_a_folder_has_the_books_name_fails_that_book(tmp_path):
    book = formula_book(tmp_path / "book.xlsx")
    out = tmp_path / "out"
    (out / "book.xlsx").mkdir(parents=True)  # was: exit 0, the copy written to out/book.xlsx/book.xlsx
    result = invoke("recalc", book, "--out", out)
    assert result.exit_code == 1 and "a folder of that name is in the way; nothing was written" in result.output
    assert "Traceback" not in result.output and list((out / "book.xlsx").iterdir()) == []


# ---------------------------------------------------------------- targets that are not a writable regular file

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")


def _write_through(target):
    from levxl.files.atomic import atomic_output

    with atomic_output(target) as tmp:
        tmp.write_text("new")


def _maybe_linked(path, through_a_symlink):
    """``path``, or a symlink ``link.xlsx`` beside it pointing at it."""
    if not through_a_symlink:
        return path
    link = path.parent / "link.xlsx"
    link.symlink_to(path)
    return link


@needs_fifo
@pytest.mark.parametrize("through_a_symlink", [False, True], ids=["fifo", "symlink-to-fifo"])
def test_atomic_output_refuses_a_fifo_and_leaves_it_a_fifo(through_a_symlink, tmp_path):
    import stat

    from levxl.files.atomic import OutputError

    fifo = tmp_path / "f.xlsx"
    os.mkfifo(fifo)
    target = _maybe_linked(fifo, through_a_symlink)
    with pytest.raises(OutputError, match="refusing to write .*: it is a FIFO, not a regular file") as caught:
        _write_through(target)
    assert "\n" not in str(caught.value)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and not _no_leftovers(tmp_path)
    assert not through_a_symlink or target.is_symlink()


def test_atomic_output_refuses_a_character_device(tmp_path):
    import stat

    from levxl.files.atomic import OutputError

    device = tmp_path / "zero"  # /dev/zero's numbers, made under tmp_path: the real /dev is never touched
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 5))
    except (AttributeError, PermissionError) as exc:  # no mknod on this system, or not root
        pytest.skip(f"cannot make a character device here: {exc}")
    try:
        link = tmp_path / "link.xlsx"
        link.symlink_to(device)
        for target in (device, link):
            with pytest.raises(OutputError, match="it is a character device, not a regular file"):
                _write_through(target)
            assert stat.S_ISCHR(os.stat(device).st_mode) and not _no_leftovers(tmp_path)
    finally:
        device.unlink()


def test_atomic_output_refuses_a_folder(tmp_path):
    from levxl.files.atomic import OutputError

    folder = tmp_path / "book.xlsx"
    folder.mkdir()
    with pytest.raises(OutputError, match="it is a folder, not a regular file"):
        _write_through(folder)
    assert folder.is_dir() and list(folder.iterdir()) == [] and not _no_leftovers(tmp_path)


@pytest.mark.parametrize("through_a_symlink", [False, True], ids=["file", "symlink-to-file"])
def test_atomic_output_refuses_a_read_only_file_and_changes_nothing(through_a_symlink, tmp_path):
    # as root os.access says every file is writable: the refusal must hold on the mode bits alone too
    from levxl.files.atomic import OutputError

    read_only = tmp_path / "ro.xlsx"
    read_only.write_text("old")
    read_only.chmod(0o444)
    target = _maybe_linked(read_only, through_a_symlink)
    with pytest.raises(OutputError, match="refusing to write .*: the file is read-only") as caught:
        _write_through(target)
    assert "\n" not in str(caught.value)
    assert read_only.read_text() == "old" and read_only.stat().st_mode & 0o777 == 0o444
    assert not _no_leftovers(tmp_path)
    assert not through_a_symlink or target.is_symlink()


def test_publish_refuses_a_read_only_file_too(tmp_path):
    from levxl.files.atomic import OutputError, publish

    read_only = tmp_path / "ro.txt"
    read_only.write_text("old")
    read_only.chmod(0o444)
    tmp = tmp_path / "new.txt"
    tmp.write_text("new")
    with pytest.raises(OutputError, match="the file is read-only"):
        publish(tmp, read_only)
    assert read_only.read_text() == "old"


def test_atomic_output_writes_through_a_symlink_to_a_regular_file(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    _write_through(link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_text() == "new" and real.stat().st_mode & 0o777 == 0o640 and not _no_leftovers(tmp_path)


@needs_fifo
def test_report_to_a_fifo_is_refused_in_one_line_and_the_fifo_stays(tmp_path):
    import stat

    fifo = tmp_path / "f.xlsx"
    os.mkfifo(fifo)
    one_line_failure(invoke("report", _positions(tmp_path, "csv"), "-o", fifo),
                     f"refusing to write {fifo}: it is a FIFO, not a regular file")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and not _no_leftovers(tmp_path)
