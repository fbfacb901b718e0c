"""Markdown flavors: the same math, delimited and escaped for each engine; front matter for blogs."""

import re
import string

import pytest

import derive
from derive.cli import main
from helpers import MAZUR, run

DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
FENCED = re.compile(r"```math\n(.+?)\n```", re.S)


def _goldmark_unescape(text: str) -> str:
    """CommonMark's backslash escapes, as Goldmark applies them: a backslash before ASCII punctuation goes."""
    return re.sub(r"\\([" + re.escape(string.punctuation) + "])", r"\1", text)


@pytest.fixture(scope="module", params=["mazur", "niuguy", "batch4"])
def result(request):
    return derive.derive(derive.load(request.param))


@pytest.mark.parametrize("notation", ["neuron", "layer"])
def test_github_flavor_fences_every_display(result, notation):
    mathjax = derive.render(result, "markdown", notation)
    github = derive.render(result, "markdown", notation, flavor="github")
    assert "$$" not in github
    assert FENCED.findall(github) == DISPLAY.findall(mathjax)
    assert "$`" in github


@pytest.mark.parametrize("notation", ["neuron", "index", "layer"])
def test_hugo_flavor_escapes_so_goldmark_gives_back_the_math(result, notation):
    mathjax = derive.render(result, "markdown", notation)
    hugo = derive.render(result, "markdown", notation, flavor="hugo")
    ours = [_goldmark_unescape(m) for m in DISPLAY.findall(hugo)]
    assert ours == DISPLAY.findall(mathjax)
    for math in DISPLAY.findall(hugo):
        assert not re.search(r"(?<!\\)[_*]", math)  # no bare _ or * left for emphasis


@pytest.mark.parametrize("flavor", ["jekyll", "mkdocs"])
@pytest.mark.parametrize("notation", ["neuron", "layer"])
def test_kramdown_and_arithmatex_flavors_set_every_display_apart(result, notation, flavor):
    """kramdown reads $$ inside a paragraph as inline math; arithmatex reads two displays on adjacent
    lines as one. Those flavors give every display a paragraph of its own, and change nothing else."""
    mathjax = derive.render(result, "markdown", notation)
    ours = derive.render(result, "markdown", notation, flavor=flavor)
    lines = ours.split("\n")
    for k, line in enumerate(lines):
        if line.startswith("$$") and line.endswith("$$") and 0 < k < len(lines) - 1:
            assert lines[k - 1] == "" and lines[k + 1] == "", line[:60]
    if flavor == "mkdocs":
        assert [line for line in ours.split("\n") if line] == [line for line in mathjax.split("\n") if line]


def test_own_paragraphs_leaves_code_fences_and_blank_lines_alone():
    from derive.output.flavors import own_paragraphs
    text = "a\n$$x$$\n$$y$$\n\n```\n$$z$$\n```\nb"
    assert own_paragraphs(text) == "a\n\n$$x$$\n\n$$y$$\n\n```\n$$z$$\n```\nb"


def test_katex_and_jekyll_inline_delimiters():
    result = run(MAZUR)
    assert r"\(\eta = 0.5\)" in derive.render(result, "markdown", flavor="katex")
    assert r"$$\eta = 0.5$$" in derive.render(result, "markdown", flavor="jekyll")


def test_front_matter_from_the_spec():
    spec = {**MAZUR, "title": 'Backprop "by hand": 50%', "date": "2026-11-22", "tags": ["backprop", "neural nets"]}
    for flavor in ("hugo", "jekyll"):
        text = derive.render(run(spec), "markdown", flavor=flavor)
        assert text.startswith('---\ntitle: "Backprop \\"by hand\\": 50%"\ndate: 2026-11-22\n'
                               'tags: ["backprop", "neural nets"]\nmath: true\n---\n\n# ')
    assert not derive.render(run(spec), "markdown").startswith("---")


def test_flavor_is_for_markdown_only(capsys):
    assert main(["report", "mazur", "--format", "latex", "--flavor", "github"]) == 2
    assert "--flavor is for --format markdown" in capsys.readouterr().err
