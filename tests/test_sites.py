"""derive's Markdown through the engines people publish with, each built for real from a tiny site in
tests/sites/ and opened in headless Chromium (site_check.py): Hugo, Jekyll, MkDocs Material, Sphinx
with MyST, and pandoc's reveal.js slides. pandoc's Beamer slides are compiled by LaTeX.

Each test copies its site to a temporary folder, writes derive's document into it, builds it with the
engine's own command, and serves the result from 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import derive
from renderers import need
from site_check import KATEX, MATHJAX, OUTPUT, REVEAL, assert_rendered, copy_assets, equations, open_page, serve

SITES = Path(__file__).parent / "sites"
EXAMPLES = Path(__file__).parent.parent / "examples"
BIN = Path(sys.executable).parent          # mkdocs and sphinx-build, from the test venv


# Mazur's network unit by unit, and a batch in the layer notation (matrices, "where" lines)
DOCUMENTS = [("mazur", "neuron"), ("batch4", "layer")]


@pytest.fixture(scope="module", params=DOCUMENTS, ids=["-".join(d) for d in DOCUMENTS])
def document(request):
    name, notation = request.param
    result = derive.derive(derive.load(name))
    return (lambda flavor="mathjax": derive.render(result, "markdown", notation, flavor=flavor)), "-".join(request.param)


def _site(engine: str, tmp_path: Path) -> Path:
    site = tmp_path / engine
    shutil.copytree(SITES / engine, site)
    return site


def _build(*command: str | Path, cwd: Path | None = None) -> None:
    run = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"{command[0]} failed:\n{run.stdout[-1500:]}\n{run.stderr[-1500:]}"


def _tool(name: str) -> str:
    """A Python engine from the test venv, or from PATH."""
    local = BIN / name
    if local.exists():
        return str(local)
    need(name)
    return name


def _check(folder: Path, path: str, name: str, markdown: str, tmp_path: Path) -> None:
    with serve(folder) as host:
        page = open_page(host + path, name, tmp_path)
    assert_rendered(page, equations(markdown), host)


def test_hugo_site_renders_every_equation(document, tmp_path):
    need("hugo")
    site = _site("hugo", tmp_path)
    render, name = document
    markdown = render("hugo")
    (site / "content").mkdir(exist_ok=True)            # git keeps no empty folder
    (site / "content" / "derivation.md").write_text(markdown)
    copy_assets((KATEX, site / "static" / "katex"))
    _build("hugo", "--source", site, "--destination", tmp_path / "public", "--quiet")
    _check(tmp_path / "public", "derivation/", f"hugo-{name}", markdown, tmp_path)


def test_jekyll_site_with_kramdown_renders_every_equation(document, tmp_path):
    need("jekyll")
    site = _site("jekyll", tmp_path)
    render, name = document
    markdown = render("jekyll")
    (site / "derivation.md").write_text(markdown)
    copy_assets((KATEX, site / "katex"))
    _build("jekyll", "build", "--source", site, "--destination", tmp_path / "_site", "--quiet", "--safe")
    _check(tmp_path / "_site", "derivation.html", f"jekyll-{name}", markdown, tmp_path)


def test_mkdocs_material_site_with_arithmatex_renders_every_equation(document, tmp_path):
    site = _site("mkdocs", tmp_path)
    render, name = document
    markdown = render("mkdocs")
    (site / "docs" / "index.md").write_text(markdown)
    copy_assets((KATEX, site / "docs" / "katex"))
    _build(_tool("mkdocs"), "build", "--strict", "--quiet", "--site-dir", tmp_path / "built", cwd=site)
    _check(tmp_path / "built", "", f"mkdocs-{name}", markdown, tmp_path)


def test_sphinx_site_with_myst_renders_every_equation(document, tmp_path):
    site = _site("sphinx", tmp_path)
    render, name = document
    markdown = render()
    (site / "index.md").write_text(markdown)
    copy_assets((MATHJAX, site / "_static" / "mathjax"))
    _build(_tool("sphinx-build"), "-W", "-q", "-b", "html", site, tmp_path / "html")
    _check(tmp_path / "html", "index.html", f"sphinx-{name}", markdown, tmp_path)


def test_pandoc_revealjs_slides_render_every_equation(document, tmp_path):
    need("pandoc")
    render, name = document
    markdown = render()
    out = tmp_path / "slides"
    out.mkdir()
    (tmp_path / "derivation.md").write_text(markdown)
    copy_assets((KATEX, out / "katex"), (REVEAL, out / "reveal.js"))
    _build("pandoc", tmp_path / "derivation.md", "--standalone", "--to", "revealjs", "--slide-level", "3",
           "--katex=katex/", "--variable", "revealjs-url=reveal.js", "--output", out / "index.html")
    _check(out, "index.html", f"revealjs-{name}", markdown, tmp_path)


def test_pandoc_beamer_slides_compile_with_every_equation_and_nothing_cut_off(document, tmp_path):
    need("pandoc", "latexmk", "pdftotext")
    render, name = document
    markdown = render()
    (tmp_path / "derivation.md").write_text(markdown)
    _build("pandoc", "derivation.md", "--standalone", "--to", "beamer", "--slide-level", "3",
           "--lua-filter", EXAMPLES / "pandoc" / "frame-breaks.lua", "--output", "slides.tex", cwd=tmp_path)
    tex = (tmp_path / "slides.tex").read_text()
    expected = equations(markdown)
    assert len(re.findall(r"\\\(", tex)) + len(re.findall(r"\\\[", tex)) == expected.total
    assert len(re.findall(r"\\\[", tex)) == expected.displays
    _build("latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "slides.tex", cwd=tmp_path)
    assert "Overfull \\vbox" not in (tmp_path / "slides.log").read_text(), "a slide runs off its frame"
    text = subprocess.run(["pdftotext", "slides.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    figure = re.search(r"= (\d+\.\d{4,})", markdown).group(1)        # a result the slides must show
    assert figure in text and not re.search(r"\$\$|\\frac|\\partial", text)
    shutil.copy(tmp_path / "slides.pdf", OUTPUT / f"beamer-{name}.pdf")
