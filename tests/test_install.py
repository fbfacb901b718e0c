"""A non-editable install into a fresh venv works from any folder: templates and presets ship in the wheel."""

import subprocess
import sys
import venv
from pathlib import Path

from helpers import ROOT


def test_fresh_venv_install_runs_the_main_job(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
                   check=True, capture_output=True, text=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = subprocess.run([str(env_dir / "bin" / "derive"), "report", "mazur"], cwd=elsewhere,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "E_{total}^{+} = 0.291027774" in out.stdout
    site = subprocess.run([str(python), "-c", "import derive, pathlib; print(pathlib.Path(derive.__file__).parent)"],
                          cwd=elsewhere, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(site, "templates", "markdown", "report.md.j2").is_file()
    assert str(ROOT) not in site
    presets = subprocess.run([str(python), "-m", "derive", "presets"], cwd=elsewhere, capture_output=True, text=True)
    assert "mazur " in presets.stdout
