"""Every LaTeX article and Beamer deck of every preset compiles with latexmk, cleanly."""

import re
import subprocess
from pathlib import Path

import pytest

import derive
from derive.cli import main
from helpers import MAZUR, run
from renderers import need

NOTATIONS = ("neuron", "index", "layer")
SPECS = Path(__file__).parent / "specs"
# every gallery document (each preset in each notation it has), and a batched and a wide network
CASES = [(name, notation, fmt) for name in derive.dense_preset_names() for notation in NOTATIONS
         for fmt in ("latex", "beamer")
         if derive.load(name).has_values or notation == "layer"] + [
         (str(SPECS / f"{name}.toml"), notation, fmt) for name in ("batch_3_4_2", "wide_10_20_5")
         for notation in NOTATIONS for fmt in ("latex", "beamer")]
# No line of a page may run more than this far into the margin (issue 10: none wider than 10 pt).
OVERFULL_POINTS = 10
WIDE = re.compile(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)")


def compile_tex(tex: str, folder: Path, name: str = "doc") -> str:
    """Compile with latexmk; return the log. Fails the test on a TeX error."""
    need("latexmk", "pdflatex")
    (folder / f"{name}.tex").write_text(tex)
    run_ = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    log = (folder / f"{name}.log").read_text(errors="replace")
    assert run_.returncode == 0, next((l for l in log.splitlines() if l.startswith("!")), run_.stdout[-500:])
    return log


def assert_clean(log: str) -> None:
    assert "Undefined control sequence" not in log
    wide = [float(w) for w in WIDE.findall(log)]
    assert all(w <= OVERFULL_POINTS for w in wide), f"overfull boxes: {wide}"


@pytest.mark.parametrize("name,notation,fmt", CASES, ids=["-".join((Path(c[0]).stem, *c[1:])) for c in CASES])
def test_preset_document_compiles_cleanly(name, notation, fmt, tmp_path):
    tex = derive.render(derive.derive(derive.load(name)), fmt, notation)
    assert tex.startswith("\\documentclass")
    assert_clean(compile_tex(tex, tmp_path))
    if fmt == "beamer":
        assert "\\pause" in tex and "\\titlepage" in tex and "{Summary}" in tex


def test_fragment_has_no_preamble_and_inputs_into_a_paper(tmp_path):
    fragment = derive.render(run(MAZUR), "latex", "neuron", fragment=True)
    assert "\\documentclass" not in fragment and "\\begin{document}" not in fragment
    (tmp_path / "derivation.tex").write_text(fragment)
    paper = ("\\documentclass{article}\n\\usepackage{amsmath,amssymb,graphicx,longtable,tikz,pgfplots}\n"
             "\\begin{document}\nAs derived:\n\\input{derivation}\n\\end{document}\n")
    assert_clean(compile_tex(paper, tmp_path, "paper"))


def test_user_strings_are_escaped_and_print_verbatim(tmp_path):
    spec = {**MAZUR, "title": "50% of a_b & c#", "description": "costs $5 {net} ~ ^ \\ end"}
    tex = derive.render(run(spec), "latex", "neuron")
    compile_tex(tex, tmp_path)
    need("pdftotext")
    text = subprocess.run(["pdftotext", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "50% of a_b & c#" in text
    assert "costs $5 {net} ~ ^ \\ end" in text


def test_pdf_format_writes_a_pdf(tmp_path):
    need("latexmk", "pdflatex")
    target = tmp_path / "mazur.pdf"
    assert main(["report", "mazur", "--format", "pdf", "-o", str(target)]) == 0
    assert target.read_bytes().startswith(b"%PDF")


def test_pdf_without_latexmk_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["report", "mazur", "--format", "pdf", "-o", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert "needs latexmk and pdflatex" in err and "apt-get install texlive-latex-base" in err
    assert not (tmp_path / "x.pdf").exists()


def test_pdf_needs_an_output_file(capsys):
    assert main(["report", "mazur", "--format", "pdf"]) == 2
    assert "expected -o FILE" in capsys.readouterr().err
