"""Issue 11, point 1: each row of a multi-line display is a claim of its own, at its own line;
one unreadable row never sinks the others; the environments people use are read, nested in
$$, \\[ \\] or \\begin{equation}; editors' flattened exports too."""

from __future__ import annotations

import pytest

import derive
from derive.verify import Checker, verify_text
from derive.verify.rows import split_rows


@pytest.fixture(scope="module")
def mazur():
    return Checker(derive.derive(derive.load("mazur")))


def verdicts(checker, text: str, name: str = "post.md") -> list[tuple[int, str]]:
    return [(c.line, c.verdict) for c in verify_text(checker, text, name).claims]


ROWS = r"""# a post

$$
\begin{aligned}
net_{h1} &= w_1 i_1 + w_2 i_2 + b_1 \\
&= 0.15 \cdot 0.05 + 0.2 \cdot 0.1 + 0.35 \\
&= 0.3785 \\
out_{h1} &= 0.593269992 \tag{2} \\
E &= \oops{x} \\
out_{h2} &= 0.596884378 \nonumber \\
\end{aligned}
$$
"""


def test_every_row_is_a_claim_at_its_own_line_and_a_bad_row_sinks_no_other(mazur):
    assert verdicts(mazur, ROWS) == [(5, "ok"), (6, "ok"), (7, "wrong"), (8, "ok"), (9, "unchecked"), (10, "ok")]


@pytest.mark.parametrize("environment", ["align", "align*", "aligned", "split", "gathered", "equation*", "eqnarray"])
@pytest.mark.parametrize("delimiters", [("$$", "$$"), (r"\[", r"\]")])
def test_environments_nested_in_display_delimiters(mazur, environment, delimiters):
    opening, closing = delimiters
    amp = "&" if environment not in ("gathered", "equation*") else ""
    body = (f"net_{{h1}} {amp}= 0.3775 \\\\\nout_{{h1}} {amp}= 0.58 \\\\\n" if environment != "equation*"
            else "net_{h1} = 0.3775\n")
    text = f"text\n\n{opening}\n\\begin{{{environment}}}\n{body}\\end{{{environment}}}\n{closing}\n"
    found = verdicts(mazur, text)
    assert found[0] == (5, "ok")           # one row too: at its own line, below the delimiters
    if environment != "equation*":
        assert found[1] == (6, "wrong")          # 0.58 is not 0.593269992 to two places
        

def test_array_rows_are_lines_but_an_array_in_brackets_is_a_matrix(mazur):
    text = "x\n\n$$\n\\begin{array}{rcl}\nnet_{h1} &=& 0.3775 \\\\\nout_{h1} &=& 0.6\n\\end{array}\n$$\n"
    assert verdicts(mazur, text) == [(5, "ok"), (6, "wrong")]
    matrix = r"$$\left[\begin{array}{cc} w_1 & w_2 \end{array}\right] = \begin{bmatrix} 0.15 & 0.2 \end{bmatrix}$$"
    assert verdicts(mazur, "x\n\n" + matrix + "\n") == [(3, "ok")]


def test_latex_equation_environment_rows(mazur):
    text = ("\\documentclass{article}\\begin{document}\n\\begin{align}\nnet_{h1} &= 0.3775 \\label{e1}\\\\\n"
            "out_{h1} &= 0.6 \\\\\n\\end{align}\n\\end{document}\n")
    assert verdicts(mazur, text, "post.tex") == [(3, "ok"), (4, "wrong")]


def test_typora_flattened_align_with_bare_breaks_and_a_trailing_one(mazur):
    text = "x\n\n$$\n{align*}\nnet_{h1} &= 0.3775\\\\\nout_{h1} &= 0.593269992\\\\\n$$\n"
    assert verdicts(mazur, text) == [(5, "ok"), (6, "ok")]
    bare = "x\n\n$$\nnet_{h1} = 0.3775 \\\\\nout_{h1} = 0.593269992 \\\\\n$$\n"
    assert verdicts(mazur, bare) == [(4, "ok"), (5, "ok")]


def test_prose_and_spacing_between_the_sides_is_skipped(mazur):
    text = "x\n\n$$\nnet_{h1} \\,=\\, 0.3775 \\quad \\text{and so} \\quad out_{h1} = 0.593269992 \\qquad \\notag\n$$\n"
    assert [v for _, v in verdicts(mazur, text)] == ["ok", "ok"]


def test_split_rows_keeps_matrix_and_cases_rows_together():
    text = r"A = \begin{bmatrix} 1 \\ 2 \end{bmatrix} \\ f = \begin{cases} 1 & x > 0 \\ 0 & \text{else} \end{cases}"
    assert [row.strip()[:1] for _, row in split_rows(text)] == ["A", "f"]
