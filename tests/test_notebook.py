"""derive in Jupyter: the example notebook (examples/derive.ipynb) executed by nbclient, its rich
outputs (the derivation as Markdown and LaTeX, the verify report as a table of ✓ and ✗, the training
curve as SVG, the %%derive magic), and nbconvert's HTML of it opened in headless Chromium
(site_check.py) with MathJax served locally."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_check import MATHJAX2, REQUIREJS, Equations, assert_rendered, equations, need_assets, open_page, serve

NOTEBOOK = Path(__file__).parent.parent / "examples" / "derive.ipynb"
INLINE_MATH = "\\("


@pytest.fixture(scope="module")
def executed():
    import nbclient          # test dependencies (pyproject's [test] extra), as the kernel, ipykernel, is
    import nbformat
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    return notebook


def _outputs(notebook, contains: str) -> list[dict]:
    """The rich outputs of the code cells whose source contains `contains`."""
    return [output.get("data", {}) for cell in notebook.cells
            if cell.cell_type == "code" and contains in cell.source for output in cell.outputs]


def test_the_notebook_runs_and_shows_the_derivation_two_ways(executed):
    (result,) = _outputs(executed, "result = derive.derive")
    assert result["text/markdown"].startswith("# A step by step backpropagation example")
    assert "0.0821670406" in result["text/markdown"]
    assert result["text/latex"].startswith("$$\\begin{aligned}") and "0.0821670406" in result["text/latex"]


def test_the_verify_report_is_a_table_of_marks(executed):
    (report,) = _outputs(executed, "report = verify(")
    html = report["text/html"]
    assert html.startswith('<table class="derive-verify">')
    assert html.count("✓") == 1 and html.count("✗") == 2
    assert "a learning rate of 1, not 0.5" in html
    (summary,) = _outputs(executed, "report.summary")
    assert summary["text/plain"] == "{'ok': 1, 'wrong': 2, 'unchecked': 0}"


def test_the_curve_and_the_magic(executed):
    (curve,) = _outputs(executed, "result.curve()")
    assert curve["image/svg+xml"].startswith("<svg") and "<polyline" in curve["image/svg+xml"]
    (magic,) = _outputs(executed, "%%derive")
    assert magic["text/markdown"].startswith("# Two sigmoid layers") and "W^{[2]}" in magic["text/markdown"]


def _expected(notebook, priority: list[str]) -> Equations:
    """The equations nbconvert's page shows: the Markdown cells', and each output's in the
    mimetype nbconvert picks for it."""
    total = displays = 0
    for cell in notebook.cells:
        shown = [cell.source] if cell.cell_type == "markdown" else []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            kind = next((k for k in priority if k in data), None)
            if kind in ("text/markdown", "text/latex"):
                shown.append(data[kind])
            elif kind == "text/html":
                total += data[kind].count(INLINE_MATH)
        for text in shown:
            found = equations(text)
            total, displays = total + found.total, displays + found.displays
    return Equations(total, displays)


def test_nbconvert_html_renders_every_equation_offline(executed, tmp_path):
    from nbconvert import HTMLExporter
    need_assets(MATHJAX2)
    need_assets(REQUIREJS)
    page = tmp_path / "page"
    shutil.copytree(MATHJAX2, page / "mathjax2")
    shutil.copy(REQUIREJS, page / "require.js")
    exporter = HTMLExporter(mathjax_url="mathjax2/MathJax.js?config=TeX-AMS_CHTML-full", require_js_url="require.js")
    body, _ = exporter.from_notebook_node(executed)
    (page / "index.html").write_text(body)
    with serve(page) as host:
        opened = open_page(host + "index.html", "jupyter-nbconvert", tmp_path)
    expected = _expected(executed, exporter.default_config["NbConvertBase"]["display_data_priority"])
    assert expected.total > 150
    assert_rendered(opened, expected, host)


def test_the_report_table_escapes_the_post_and_says_when_it_found_nothing():
    import derive
    from derive.verify import verify
    result = derive.derive(derive.load("mazur"))
    html = verify(result, "$$w_5 < 0.5 = 0.4$$\n\n$$w_5 = 0.4$$\n", "post.md")._repr_html_()
    assert "<script" not in html and "&lt;" in html
    assert verify(result, "no math here", "post.md")._repr_html_() == "<p>derive verify: no claims found</p>"


def test_a_spec_without_training_has_no_curve():
    import derive
    assert derive.derive(derive.load("niuguy")).curve() is None


def test_the_magic_turns_a_bad_spec_or_option_into_one_line():
    from IPython.core.error import UsageError
    from derive.magic import derive_cell
    with pytest.raises(UsageError, match="input: missing section"):
        derive_cell("", 'title = "x"\n')
    with pytest.raises(UsageError, match="invalid choice: 'cols'"):
        derive_cell("--notation cols", 'title = "x"\n')
    shown = derive_cell("--format latex", (Path(__file__).parent.parent / "derive" / "spec" / "presets" / "mazur.toml").read_text())
    assert "\\frac" in shown.data
