"""The reader (lark grammar) and the math regions of a document: exact trees, lines and columns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derive.verify import syntax as s
from derive.verify.reader import MAX_REGION, ReadError, read
from derive.verify.regions import scan


def one(text: str) -> s.Chain:
    lines = [line for line in read(text) if line.chain is not None]
    assert len(lines) == 1, lines
    return lines[0].chain


def sym(text: str, font: str = "") -> s.Sym:
    return s.Sym(text, font)


def scripted(base: str, sub: str | None = None, sup: str | None = None, primes: int = 0) -> s.Scripted:
    def script(text):
        if text is None:
            return None
        node = s.Num(text) if text.isdigit() else (sym(text) if text.isalpha() else None)
        return s.Script(text, node)
    return s.Scripted(sym(base), script(sub), script(sup), primes)


def test_fraction_of_partials_with_multi_letter_subscripts():
    chain = one(r"\frac{\partial E_{total}}{\partial w_5} = \dfrac{\partial E_{total}}{\partial out_{o1}}")
    assert chain.relations == ("=",)
    top, bottom = chain.sides[0].num, chain.sides[0].den
    assert top == s.Juxt((s.Partial(), scripted("E", "total"))) and bottom == s.Juxt((s.Partial(), scripted("w", "5")))
    bottom = chain.sides[1].den
    assert bottom.items[0] == s.Partial() and (bottom.items[1].base, bottom.items[1].sub.text) == (sym("out"), "o1")


@pytest.mark.parametrize("text", [r"w_5^+", r"w_5^{+}", r"{w_5}^{+}", r"w^{+}_{5}"])
def test_updated_weight_spellings_read_alike(text):
    node = one(text + " = 1").sides[0]
    assert isinstance(node, s.Scripted)
    assert (node.base, node.sub.text, node.sup.text) == (sym("w"), "5", "+")


@pytest.mark.parametrize("text", [r"W^T", r"W^{T}", r"W^\top", r"W^{\top}"])
def test_transposes(text):
    node = one(text + " = 1").sides[0]
    assert node.sup.text == "T"


def test_layer_superscript_with_transpose():
    node = one(r"W^{[1]T} = 1").sides[0]
    assert node.base == sym("W") and node.sup.text == "[1]T"


@pytest.mark.parametrize("op, name", [(r"\cdot", "*"), (r"\times", "*"), ("*", "*"), (r"\odot", "odot"),
                                      (r"\circ", "odot")])
def test_products(op, name):
    assert one(f"a = b {op} c").sides[1] == s.BinOp(name, sym("b"), sym("c"))


def test_implicit_multiplication_and_functions():
    node = one(r"y = \delta_{o1} out_{h1} \sigma(z)").sides[1]
    assert isinstance(node, s.Juxt) and len(node.items) == 4
    assert [(x.base.text, x.sub.text) for x in node.items[:2]] == [(r"\delta", "o1"), ("out", "h1")]
    assert node.items[2:] == (s.Func("sigma"), s.Paren(sym("z"), "("))


def test_left_right_parentheses_and_numbers():
    node = one(r"y = \left( 1 - 0.25 \right) ^2").sides[1]
    assert node == s.Scripted(s.Paren(s.BinOp("-", s.Num("1"), s.Num("0.25")), "("), None, s.Script("2", s.Num("2")), 0)


@pytest.mark.parametrize("func", ["exp", "ln", "log", "tanh", "sigma"])
def test_named_functions(func):
    node = one(rf"y = \{func}(x)").sides[1]
    assert node == s.Juxt((s.Func(func), s.Paren(sym("x"), "(")))


def test_e_to_a_power():
    node = one(r"y = e^{-net_{h1}}").sides[1]
    assert node.base == sym("e") and isinstance(node.sup.node, s.Neg)
    assert (node.sup.node.arg.base, node.sup.node.arg.sub.text) == (sym("net"), "h1")


@pytest.mark.parametrize("kind", ["bmatrix", "pmatrix"])
def test_matrices(kind):
    node = one(rf"A = \begin{{{kind}}} 1 & 2 \\ 3 & 4 \end{{{kind}}}").sides[1]
    assert node == s.Matrix(((s.Num("1"), s.Num("2")), (s.Num("3"), s.Num("4"))))


def test_sum_with_limits():
    node = one(r"y = \sum_{k=1}^{2} w_k").sides[1]
    assert isinstance(node, s.BigSum)
    assert node.sub.text == "k=1" and node.sup.text == "2" and node.body == scripted("w", "k")


def test_a_chain_of_three_sides_and_align_lines():
    lines = read(r"a &= b \\ &= c \\ d &\approx 0.5")
    assert [line.chain.relations for line in lines] == [("=",), ("=",), (r"\approx",)]
    assert [line.chain.continued for line in lines] == [False, True, False]


def test_trailing_sample_tag_and_leading_prose():
    tagged, prose = read(r"x = 1 \qquad \text{(sample 2)} \\ \text{where } x \in \mathbb{R}")
    assert tagged.text == r"\text{(sample 2)}"
    assert prose.chain is None


def test_latex_tag_star_is_a_sample_tag():
    (line,) = read(r"x = 1 \tag*{(sample 3)}")
    assert "(sample 3)" in line.text


def test_parse_errors_give_line_and_column():
    with pytest.raises(ReadError) as caught:
        read("a = b \\\\\n c = (d")
    assert caught.value.line == 2
    with pytest.raises(ReadError) as caught:
        read("a = b ? c")
    assert (caught.value.line, caught.value.column) == (1, 7)


def test_input_size_is_bounded():
    with pytest.raises(ReadError, match="at most"):
        read("a" * (MAX_REGION + 1))


def test_no_eval_of_document_text_anywhere_in_the_package():
    """Document text and spec strings never reach eval, exec, sympify or parse_expr."""
    package = Path(__file__).resolve().parent.parent / "derive"
    calls = re.compile(r"\b(eval|exec|sympify|parse_expr|S)\s*\(")
    offenders = [f"{path.name}:{n}" for path in package.rglob("*.py")
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if calls.search(line.replace("sp.S.", "")) and not line.lstrip().startswith("#")]
    assert offenders == []


# -- regions ---------------------------------------------------------------------

MARKDOWN = """# Title

Inline $a = 1$ and \\$5 not math, and `$b = 2$` in code.

```
$$c = 3$$
```

$$
d = 4
$$

\\[ e = 5 \\]

\\begin{align}
f &= 6
\\end{align}
"""


def test_markdown_regions_skip_code_and_escaped_dollars():
    regions = scan(MARKDOWN, "post.md")
    assert [(r.line, r.text.strip()) for r in regions] == [(3, "a = 1"), (9, "d = 4"), (13, "e = 5"),
                                                           (15, "f &= 6")]


LATEX = r"""\documentclass{article}
\newcommand{\fit}[1]{\mbox{$\displaystyle #1$}}
\begin{document}
% $x = 99$ is a comment
Inline $a = 1$ and \(b = 2\).
\[ c = 3 \]
\begin{equation} d = 4 \end{equation}
\begin{gather} e = 5 \end{gather}
\fit{f = 6}
\end{document}
"""


def test_latex_regions_with_environments_comments_and_math_macros():
    regions = scan(LATEX, "paper.tex")
    assert [(r.line, r.text.strip()) for r in regions] == [(5, "a = 1"), (5, "b = 2"), (6, "c = 3"),
                                                           (7, "d = 4"), (8, "e = 5"), (9, "f = 6")]
    assert all(LATEX[r.start:r.end].endswith(("$", ")", "]", "}")) for r in regions)


PANDOC_HTML = """<!DOCTYPE html>
<html><body>
<p>Inline <span class="math inline">\\(a = 1\\)</span> and code <code>$b = 2$</code>.</p>
<span class="math display">\\[c &lt; 3\\]</span>
<div class="math block">
d = 4
</div>
<script>var x = "$e = 5$";</script>
</body></html>
"""


def test_html_regions_are_the_math_elements():
    regions = scan(PANDOC_HTML, "page.html")
    assert [(r.line, r.text.strip()) for r in regions] == [(3, "a = 1"), (4, "c < 3"), (5, "d = 4")]
    assert PANDOC_HTML[regions[0].start:regions[0].end] == '<span class="math inline">\\(a = 1\\)</span>'


def test_max_arguments_cases_and_hadamard_powers():
    node = one(r"a = \max\left(0, z\right)").sides[1]
    assert node == s.Juxt((s.Func("max"), s.Args((s.Num("0"), sym("z")))))
    node = one(r"d = \begin{cases} 1 & \text{for}\: z > 0 \\ 0 & \text{otherwise} \end{cases}").sides[1]
    assert isinstance(node, s.Cases) and [v for v, _ in node.rows] == [s.Num("1"), s.Num("0")]
    assert node.rows[0][1].relations == (">",)
    node = one(r"y = A^{\odot 2}").sides[1]
    assert node.sup.text == r"\odot2" and node.sup.node == s.Num("2")


def test_a_full_stop_ends_a_formula_and_a_dot_between_factors_multiplies():
    assert one(r"a = b.").sides[1] == sym("b")
    assert one(r"J = (A - Y).B").sides[1] == s.BinOp("*", s.Paren(s.BinOp("-", sym("A"), sym("Y")), "("), sym("B"))
    assert one("x = 5.").sides[1] == s.Num("5.")


def test_the_parser_tables_cached_on_disk_are_used_only_when_sound(tmp_path, monkeypatch):
    from derive.verify import reader
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = read("a = b + c")
    try:
        for damage in (None, b"not lark's", b""):          # built and written; then a broken file, then an empty one
            reader._parser.cache_clear()
            reader._read_cached.cache_clear()
            if damage is not None:
                next((tmp_path / "derive").glob("grammar-*.lark")).write_bytes(damage)
            assert read("a = b + c") == expected
            written = list((tmp_path / "derive").glob("grammar-*.lark"))
            assert len(written) == 1 and written[0].stat().st_size > 1_000     # written anew
    finally:
        reader._parser.cache_clear()
        reader._read_cached.cache_clear()


@pytest.mark.parametrize("text", [r"\Bigg[ a + b \Bigg] c", r"\biggl( a + b \biggr) c", r"\Biggl[ a + b \Biggr] c",
                                  r"\bigg( a + b \bigg) c", r"\Bigg( a + b \Bigg) c"])
def test_every_size_of_bracket_reads_as_a_bracket(text):
    """\\Bigg[ … \\Bigg] (costapt's batchnorm post): TeX's sizes of a bracket, each a bracket."""
    sides = read(text)[0].chain.sides
    assert sides == read("( a + b ) c")[0].chain.sides or sides == read("[ a + b ] c")[0].chain.sides


def test_an_angle_in_degrees_is_its_number_and_a_sized_brace_groups():
    """rot_{180^\\circ} \\left\\{ w \\right\\} (jefkine's conv post), rot_{180°}(w): the rotation by 180, of w."""
    expected = read(r"y = rot_{180}(w)")[0].chain.sides
    for text in (r"y = rot_{180^\circ} \left\{ w \right\}", r"y = rot_{180^{\circ}}(w)", r"y = rot_{180°}(w)"):
        assert read(text)[0].chain.sides == expected, text


@pytest.mark.parametrize("written, meant", [
    (r"\frac{dC}{dy} \Big|_{y_N}", r"\frac{\partial C}{\partial y_N}"),
    (r"\frac{\partial L}{\partial z}\bigg|_{z = z_1}", r"\frac{\partial L}{\partial z_1}"),
    (r"\frac{d\sigma}{dz} \Big |_{z^2_N}", r"\sigma'(z^2_N)"),
    (r"\frac{dC}{dy} \Big |_{y_N} \frac{d\sigma}{dz} \Big |_{z^2_N}", r"\frac{\partial C}{\partial y_N} \sigma'(z^2_N)"),
    (r"\left. \frac{dC}{dy} \right|_{y_N}", r"\frac{\partial C}{\partial y}"),     # \left. ... \right|: dropped
])
def test_a_derivatives_evaluation_bar_reads_as_the_derivative_there(written, meant):
    """\\Big|_{a} after a fraction evaluates the derivative at a, and is no pair of absolute-value bars
    with another one on its line; a \\left. \\right| group's point is dropped, the body read as written."""
    assert s.factors(read(f"q = {written}")[0].chain.sides[1]) == s.factors(read(f"q = {meant}")[0].chain.sides[1])
