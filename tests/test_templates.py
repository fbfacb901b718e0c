"""User templates: override by name, sandboxed, strict; template errors name the template and line."""

import pytest

import derive
from derive import formats
from derive.cli import main
from helpers import MAZUR, run


def _write(folder, name, text):
    path = folder / "markdown" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_user_template_overrides_a_builtin_by_name(tmp_path, capsys):
    _write(tmp_path, "report.md.j2",
           "# {{ title }}\n{% for layer in backward %}{% for p in layer.params %}"
           "- ${{ p.lhs }} = {{ p.value }}$\n{% endfor %}{% endfor %}")
    assert main(["report", "mazur", "--template-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# A step by step backpropagation example\n")
    assert r"- $\frac{\partial E_{total}}{\partial w_{5}} = 0.0821670406$" in out
    assert out.count("- $") == 10


def test_templates_not_overridden_fall_back_to_the_builtins(tmp_path, capsys):
    _write(tmp_path, "macros.md.j2", "{% macro eq(e, samples) %}EQ {{ e.lhs }}\n{% endmacro %}"
                                     "{% macro reduced(lhs, r, reduction) %}{% endmacro %}"
                                     "{% macro definition(d) %}{% endmacro %}")
    assert main(["report", "mazur", "--template-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "## The forward pass" in out          # the built-in report.md.j2
    assert "EQ net_{h1}" in out                   # with the user's macros


@pytest.mark.parametrize("text,message", [
    ("{{ title.__class__ }}", "line 1: not allowed in a template: access to attribute '__class__'"),
    ("{{ cycler.__init__.__globals__ }}", "not allowed in a template"),
    ("line one\n{{ no_such_key }}", "line 2: undefined variable: 'no_such_key' is undefined"),
    ("ok\n{% for x in %}", "line 2: syntax error"),
    ('{% include "/etc/passwd" %}', "line 1: no such template: /etc/passwd"),
])
def test_template_errors_are_one_line_naming_template_and_line(tmp_path, capsys, text, message):
    path = _write(tmp_path, "report.md.j2", text)
    assert main(["report", "mazur", "--template-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f"template {path}" in err and message in err


def test_missing_template_dir(tmp_path, capsys):
    assert main(["report", "mazur", "--template-dir", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"derive: error: --template-dir: no such folder: {tmp_path / 'nope'}\n"


def _plain(value):
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


@pytest.mark.parametrize("notation", ["neuron", "index", "layer"])
@pytest.mark.parametrize("preset", ["mazur", "niuguy", "khanal"])
def test_the_context_is_plain_data(preset, notation):
    result = derive.derive(derive.load(preset))
    if result.values is None and notation != "layer":
        return
    data, _ = formats._context(result, notation)
    assert _plain(data)


def test_notebook_display_uses_double_dollars():
    result = run(MAZUR)
    latex = result._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$") and "\\[" not in latex
    assert latex.count(r"\frac{\partial E_{total}}") == 10
    assert result._repr_markdown_() == derive.render(result, "markdown")
    assert derive.derive(derive.load("khanal"))._repr_latex_().count(r"\frac{\partial J}") == 4
