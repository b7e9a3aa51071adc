"""The install paths: scripts are valid shell, the Lite entry point exposes the catalogue."""

import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

from levxl.catalogue import CATALOGUE

INSTALL = Path(__file__).resolve().parent.parent / "install"
SCRIPTS = sorted(INSTALL.rglob("*.sh")) + [Path(__file__).resolve().parent.parent / ".ci" / "run"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shell_scripts_parse(script):
    subprocess.run(["bash", "-n", str(script)], check=True)
    if shutil.which("shellcheck"):
        subprocess.run(["shellcheck", "-S", "warning", str(script)], check=True)


def test_lite_main_exposes_every_function():
    namespace = runpy.run_path(str(INSTALL / "lite" / "main.py"))
    assert set(CATALOGUE) <= set(namespace)


def test_every_install_path_has_a_readme():
    for folder in ("windows", "lite", "linux", "libreoffice"):
        assert (INSTALL / folder / "README.md").read_text().strip()
    assert "UDF MODULES" in (INSTALL / "windows" / "install.ps1").read_text()
    assert "levxl.udfs" in (INSTALL / "windows" / "install.ps1").read_text()


def test_ci_and_batch_host_install_libreoffice_25_from_backports():
    script = (INSTALL / "linux" / "libreoffice.sh").read_text()
    assert "bookworm-backports" in script and "-t bookworm-backports" in script
    for package in ("libreoffice-calc-nogui", "python3-uno", "libreoffice-dev", "poppler-utils"):
        assert package in script
    ci = (INSTALL.parent / ".ci" / "run").read_text()
    assert "install/linux/libreoffice.sh" in ci and "--register-addin" in ci
    assert "install/linux/libreoffice.sh" in (INSTALL / "linux" / "setup.sh").read_text()
