"""Issue 11, point 3: tables that pair a name with its values are read as claims."""

import derive
from derive.verify import Checker, verify_text

TABLE = """Summary:

| **Parameter** | **Old Value** | **Gradient** | **New Value** |
| --- | --- | --- | --- |
| w₅ | 0.4 | 0.082167041 | 0.35891648 |
| $w_6$ | 0.45 | 0.0823 | 0.408666186 |
"""


def report(text):
    return verify_text(Checker(derive.derive(derive.load("mazur"))), text, "post.md")


def test_each_cell_of_a_name_row_is_a_claim_at_the_rows_line():
    found = [(c.line, c.text, c.verdict) for c in report(TABLE).claims]
    assert found == [(5, "w_{5} = 0.4", "ok"), (5, r"\frac{\partial L}{\partial w_{5}} = 0.082167041", "ok"),
                     (5, "{w_{5}}^{+} = 0.35891648", "ok"),
                     (6, "w_6 = 0.45", "ok"), (6, r"\frac{\partial L}{\partial w_6} = 0.0823", "wrong"),
                     (6, "{w_6}^{+} = 0.408666186", "ok")]


def test_a_table_of_anything_else_stays_silent():
    text = ("| name | age |\n|---|---|\n| Bob | 42 |\n\n| step | loss |\n|---|---|\n| 1 | 0.3 |\n\n"
            "| unit | colour |\n|---|---|\n| w5 | red |\n")
    assert report(text).claims == ()


def test_headings_in_other_languages_and_cells_of_lists_and_matrices(tmp_path):
    # a gradient summary in Chinese (梯度 gradient), a Spanish table of new values, cells of several figures
    spec = tmp_path / "spec.toml"
    spec.write_text(MAZUR_PER_UNIT_BIAS)
    checker = Checker(derive.derive(derive.load(spec)))
    text = ("| 参数 | 梯度值（近似） |\n|---|---|\n"
            "| $W^{[1]}$ | $\\begin{bmatrix}0.0004 & 0.0009 \\\\ 0.0005 & 0.0010\\end{bmatrix}$ |\n"
            "| $W^{[2]}$ | $\\begin{bmatrix}0.0822 & 0.0827 \\\\ -0.0226 & -0.0237\\end{bmatrix}$ |\n"
            "| $b^{[1]}$ | $[0.00877, 0.00995]$ |\n\n"
            "| parámetro | valor nuevo |\n|---|---|\n| $w_5$ | 0.35891648 |\n| $w_6$ | 0.42 |\n")
    found = [(c.line, c.verdict) for c in verify_text(checker, text, "post.md", "layer").claims]
    assert found == [(3, "ok"), (4, "wrong"), (5, "ok")]
    found = [(c.line, c.text, c.verdict) for c in verify_text(checker, text, "post.md", "neuron").claims if c.line > 5]
    assert found == [(9, "{w_5}^{+} = 0.35891648", "ok"), (10, "{w_6}^{+} = 0.42", "wrong")]


MAZUR_PER_UNIT_BIAS = """
title = "Mazur's 2-2-2 network, one bias per hidden unit"
layout = "column"
[input]
names = ["i1", "i2"]
values = [[0.05, 0.10]]
[target]
values = [[0.01, 0.99]]
[[layers]]
units = 2
activation = "sigmoid"
names = ["h1", "h2"]
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = [0.35, 0.35]
[[layers]]
units = 2
activation = "sigmoid"
names = ["o1", "o2"]
weights = [[0.40, 0.45], [0.50, 0.55]]
bias = 0.60
[loss]
function = "half_sse"
[training]
learning_rate = 0.5
"""


def test_a_cell_of_words_and_figures_is_not_a_figure():
    text = "| parameter | gradient |\n|---|---|\n| $w_5$ | about [0.08, 0.1] |\n| $w_6$ | $[a, 0.1]$ |\n"
    assert report(text).claims == ()
