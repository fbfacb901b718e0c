"""User templates: override by name, sandboxed, strict; template errors name the template and line."""

import pytest

import derive
from derive.output import documents, formats
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
    # every macro the built-in report imports (templates/markdown/macros.md.j2), two of them the user's own
    _write(tmp_path, "macros.md.j2", "{% macro eq(e, shown) %}EQ {{ e.lhs }}\n{% endmacro %}"
                                     "{% macro layout(lhs, parts, broken, tagged='') %}{% endmacro %}"
                                     "{% macro sdisplay(st) %}{% endmacro %}"
                                     "{% macro reduced(r, reduction) %}{% endmacro %}"
                                     "{% macro definition(d) %}{% endmacro %}"
                                     "{% macro matrix(mx) %}{% endmacro %}"
                                     "{% macro per_sample(rows, label) %}{% endmacro %}"
                                     "{% macro forward_table(units) %}{% endmacro %}")
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


@pytest.mark.parametrize("text,markdown", [
    ("A step by step backpropagation example", "A step by step backpropagation example"),
    ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
    ("[a](b) ![c](d) # e *f* _g_ `h` |i| $j$ #", r"&#91;a&#93;(b) !&#91;c&#93;(d) \# e \*f\* \_g\_ \`h\` \|i\| \$j\$ \#"),
    ("{{ x }} {% y %} ~~z~~", "&#123;&#123; x &#125;&#125; &#123;% y %&#125; &#126;&#126;z&#126;&#126;"),
    ("one\n\n- two\r\n1. three", "one - two 1. three"),
    ("- a list? no", r"\- a list? no"),
    ("+ nor this", r"\+ nor this"),
    ("12) nor this", r"12\) nor this"),
    ("2026. A year", r"2026\. A year"),
    ("Mazur's 2-2-2 network: w1..w8 (seed 003)", "Mazur's 2-2-2 network: w1..w8 (seed 003)"),
    ('say "hi" & \\ bye', r"say &quot;hi&quot; &amp; \\ bye"),
    ("zero\u200bwidth \u202eright", "zerowidth right"),
])
def test_markdown_text_escapes_what_could_start_markup(text, markdown):
    assert documents.markdown_text(text) == markdown


@pytest.mark.parametrize("text,latex", [
    ("50% of a_b & c#", r"50\% of a\_b \& c\#"),
    ("first\n\nsecond", "first second"),
    ("Café – Łódź", "Café – Łódź"),
    ("中文 😀 Ħ", "?? ? ?"),
    ("tab\there\x07", "tab\there"),
    ("\\input{x} ^^41", r"\textbackslash{}input\{x\} \textasciicircum{}\textasciicircum{}41"),
])
def test_latex_escape_keeps_what_pdflatex_can_set(text, latex):
    assert documents.latex_escape(text) == latex


def test_python_text_cannot_end_the_docstring():
    text = 'a"""\nimport os\\'
    assert documents.python_text(text) == 'a\\"\\"\\" import os\\\\'
    assert eval('"""' + documents.python_text(text) + '"""') == 'a""" import os\\'


def test_user_templates_have_the_escape_filters(tmp_path, capsys):
    _write(tmp_path, "report.md.j2", "# {{ title | md }} {{ '<b>' | md }} {{ 'x' | py }} <<no>>\n")
    assert main(["report", "mazur", "--template-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "# A step by step backpropagation example &lt;b&gt; x <<no>>\n"
