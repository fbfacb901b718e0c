"""A non-editable install into a fresh venv works from any folder: templates, presets and KaTeX ship in the wheel."""

import subprocess
import venv
from pathlib import Path

import pytest

from helpers import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("install")
    env_dir = folder / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    str(ROOT)], check=True, capture_output=True, text=True)
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    return env_dir, elsewhere


def test_fresh_venv_install_runs_the_main_job(installed):
    env_dir, elsewhere = installed
    python = env_dir / "bin" / "python"
    out = subprocess.run([str(env_dir / "bin" / "derive"), "report", "mazur"], cwd=elsewhere,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "E_{total}^{+} = 0.291027774" in out.stdout
    site = subprocess.run([str(python), "-c", "import derive, pathlib; print(pathlib.Path(derive.__file__).parent)"],
                          cwd=elsewhere, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(site, "templates", "markdown", "report.md.j2").is_file()
    assert Path(site, "assets", "katex", "katex.min.js").is_file()
    assert str(ROOT) not in site
    presets = subprocess.run([str(python), "-m", "derive", "presets"], cwd=elsewhere, capture_output=True, text=True)
    assert "mazur " in presets.stdout


@pytest.mark.parametrize("argv,marker", [(["--format", "html"], "katex.render"),
                                         (["--format", "latex"], "\\begin{tikzpicture}"),
                                         (["--format", "beamer"], "\\pause")])
def test_installed_wheel_writes_every_format(installed, argv, marker):
    env_dir, elsewhere = installed
    out = subprocess.run([str(env_dir / "bin" / "derive"), "report", "mazur", *argv], cwd=elsewhere,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert marker in out.stdout


def test_installed_wheel_verifies_with_its_grammar(installed):
    """verify needs grammar.lark from the wheel, and lark and pylatexenc from the dependencies."""
    env_dir, elsewhere = installed
    out = subprocess.run([str(env_dir / "bin" / "derive"), "verify", "mazur", "--claim",
                          r"\frac{\partial E_{total}}{\partial w_5} = 0.0823"], cwd=elsewhere,
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    assert "expected 0.0822" in out.stdout
    (elsewhere / "paper.tex").write_text("\\documentclass{article}\\begin{document}$w_5^+ = 0.3589$\\end{document}\n")
    out = subprocess.run([str(env_dir / "bin" / "derive"), "verify", "mazur", "paper.tex"], cwd=elsewhere,
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("✓ 1"), out.stdout + out.stderr
