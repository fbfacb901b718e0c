"""Issue 11, third held-out round: families two new real posts showed on first sight, each as a unit
case. A weight written without its layer (w_{11}) whose figure a net input shares, told apart by its
place in a sum; a weight the step leaves as it was; and a sum worked line under line, each line
rounding the figure of the line before."""

import derive
import pytest
from derive.verify import Checker, verify_text

# x = (1, 0): z_1 = w_{11} (both 0.5), and w_{12}, w_{22} have a zero gradient
INDEX_221 = """
title = "2-2-1 without biases, index notation"
layout = "column"
notation = "index"
[input]
names = ["x1", "x2"]
values = [[1.0, 0.0]]
[target]
values = [[1.0]]
[[layers]]
units = 2
activation = "sigmoid"
names = ["h1", "h2"]
weights = [[0.5, 0.4], [0.3, 0.6]]
bias = false
[[layers]]
units = 1
activation = "sigmoid"
names = ["o"]
weights = [[0.7, 0.8]]
bias = false
[loss]
function = "half_sse"
[training]
learning_rate = 0.5
"""

# Mazur's numbers with one output
MAZUR_ONE_OUTPUT = """
title = "2-2-1, one bias per unit"
layout = "column"
notation = "neuron"
[input]
names = ["i1", "i2"]
values = [[0.05, 0.10]]
[target]
values = [[0.01]]
[[layers]]
units = 2
activation = "sigmoid"
names = ["h1", "h2"]
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = [0.35, 0.35]
[[layers]]
units = 1
activation = "sigmoid"
names = ["o"]
weights = [[0.40, 0.45]]
bias = [0.60]
[loss]
function = "half_sse"
[training]
learning_rate = 0.5
"""


def checker(tmp_path, text: str) -> Checker:
    spec = tmp_path / "spec.toml"
    spec.write_text(text)
    return Checker(derive.derive(derive.load(spec)))


@pytest.fixture
def index_221(tmp_path):
    return checker(tmp_path, INDEX_221)


GIVEN = "- Hidden weights: $w_{11} = 0.5$, $w_{12} = 0.4$, $w_{21} = 0.3$, $w_{22} = 0.6$\n\n"
SUMS = ("$$z_1^{(1)} = w_{11} x_1 + w_{12} x_2 = 0.5 \\times 1 + 0.4 \\times 0 = 0.5$$\n\n"
        "$$z_2^{(1)} = w_{21} x_1 + w_{22} x_2 = 0.3 \\times 1 + 0.6 \\times 0 = 0.3$$\n\n")


def test_a_weight_whose_figure_a_net_input_shares_is_told_apart_by_its_place_in_a_sum(index_221):
    found = verify_text(index_221, GIVEN + SUMS, "post.md")
    bound = {b.written: b for b in found.bindings}
    assert bound["w_11"].meant == "w^{1}_{11}" and bound["w_21"].meant == "w^{1}_{21}"
    assert "a weight in a sum" in bound["w_11"].sentence()
    assert [c.verdict for c in found.claims] == ["ok"] * 6


def test_without_the_sum_a_shared_figure_binds_nothing(index_221):
    found = verify_text(index_221, "- $w_{11} = 0.5$\n", "post.md")
    assert "w_11" not in {b.written for b in found.bindings}


def test_a_weight_the_step_leaves_as_it_was_is_bound_by_its_figure(index_221):
    # w_{12} meets x_2 = 0: its gradient is 0, so 0.4 is its value before and after the step alike
    found = verify_text(index_221, "- $w_{12} = 0.4$, $w_{22} = 0.6$\n", "post.md")
    assert {b.written: b.meant for b in found.bindings} == {"w_12": "w^{1}_{12}", "w_22": "w^{1}_{22}"}
    wrong = verify_text(index_221, "- $w_{12} = 0.4$, $w_{22} = 0.6$\n\n$$w_{12} x_1 = 0.7$$\n", "post.md")
    assert [c.verdict for c in wrong.claims][-1] == "wrong"


WORKED = """```
o ≈ 0.7514
E = ½ × (t − o)²
  = ½ × (0.01 − 0.7514)²
  = ½ × (−0.7414)²
  = ½ × {square}
  = {half}
```
"""


def test_a_sum_worked_line_under_line_rounds_from_the_line_before(tmp_path):
    mazur = checker(tmp_path, MAZUR_ONE_OUTPUT)
    found = verify_text(mazur, WORKED.format(square="0.5497", half="0.2749"), "post.md")
    assert [c.verdict for c in found.claims] == ["ok"] * 6
    assert found.claims[-1].rounded_from is not None


def test_a_slip_between_two_worked_lines_is_still_caught(tmp_path):
    mazur = checker(tmp_path, MAZUR_ONE_OUTPUT)
    found = verify_text(mazur, WORKED.format(square="0.5597", half="0.2799"), "post.md")
    verdicts = {c.line: c.verdict for c in found.claims}
    assert verdicts[6] == "wrong" and found.claims[-2].carries is None


def test_a_unit_glued_to_its_letter_is_that_units_name(tmp_path):
    # bh1 for b_{h1}, outh1 for out_{h1}: plain-text posts glue the unit to the letter
    mazur = checker(tmp_path, MAZUR_ONE_OUTPUT)
    found = verify_text(mazur, "```\nbh1 = 0.35,  bo = 0.60\nouth1 = 0.5933\nneth2 = 0.4\n```\n", "post.md")
    assert [(c.line, c.verdict) for c in found.claims] == [(2, "ok"), (2, "ok"), (3, "ok"), (4, "wrong")]


CALLS = """```
z(h1) = w1×i1 + w2×i2 + bh1
      = 0.3775
h1 = 1 / (1 + e^(-z(h1))) = 0.5933
h2 = 0.5969
z(o) = w5×h1 + w6×h2 + bo = {net}
```
"""


def test_a_letter_applied_to_a_unit_is_that_units_quantity(tmp_path):
    # z(h1), z(o): the post's z of unit h1, bound by its definition like z_{h1}
    mazur = checker(tmp_path, MAZUR_ONE_OUTPUT)
    found = verify_text(mazur, CALLS.format(net="1.1059"), "post.md")
    assert {b.written: b.meant for b in found.bindings}["z_h1"] == "net_{h1}"
    assert [c.verdict for c in found.claims] == ["ok"] * 5
    assert found.claims[2].text.startswith("h_{1} = 1 / (1 + e^")
    assert verify_text(mazur, CALLS.format(net="1.1259"), "post.md").claims[-1].verdict == "wrong"


def test_a_function_applied_to_a_letter_stays_a_function(tmp_path):
    mazur = checker(tmp_path, MAZUR_ONE_OUTPUT)
    found = verify_text(mazur, "$$f(z) = \\frac{1}{1 + e^{-z}}$$\n\n$$f'(z) = f(z)(1 - f(z))$$\n", "post.md")
    assert "f_z" not in {b.written for b in found.bindings}
    assert [c.verdict for c in found.claims] == ["ok", "ok"]


def test_an_index_name_with_its_layer_in_parentheses(index_221):
    # \delta_1^{(1)}, z_2^{(1)}: the layer in parentheses, as courses after Ng's first write it
    found = verify_text(index_221, "$$z_2^{(1)} = 0.3$$\n\n$$\\delta_1^{(1)} = a^1_1 (1 - a^1_1) w^2_{11} \\delta^2_1$$\n\n"
                        "$$\\delta_1^{(1)} = -0.0098$$\n\n$$\\delta_1^{(1)} = -0.0198$$\n", "post.md")
    assert [c.verdict for c in found.claims] == ["ok", "ok", "ok", "wrong"]


def test_round4_families(tmp_path):
    mazur = checker(tmp_path, MAZUR_ONE_OUTPUT)
    # a generic update rule over w, checked for every weight; a wrong sign is caught
    assert verify_text(mazur, "$$w_{new} = w_{old} - \\eta \\frac{\\partial E}{\\partial w}$$\n", "p.md").claims[0].verdict == "ok"
    assert verify_text(mazur, "$$w' = w + \\eta \\frac{\\partial E}{\\partial w}$$\n", "p.md").claims[0].verdict == "wrong"
    # a tuple of names equal to a tuple of figures
    found = verify_text(mazur, "$$(i_1, i_2) = (0.05, 0.10)$$\n\n$$(i_1, i_2) = (0.05, 0.20)$$\n", "p.md")
    assert [c.verdict for c in found.claims] == ["ok", "wrong"]
    # a row spaced with \;\; rather than commas is a list, not a product
    from derive.verify import syntax
    from derive.verify.reader import read
    assert isinstance(read("x = [0.40 \\;\\; 0.45]")[0].chain.sides[1], syntax.Matrix)
    # a term alone in a net input's sum is that unit's bias
    found = verify_text(mazur, "$$z_3 = w_5 h_1 + w_6 h_2 + b_3 = 0.4 \\times 0.5933 + 0.45 \\times 0.5969 + 0.6 = 1.1059$$\n", "p.md")
    assert {b.written: b.meant for b in found.bindings}.get("b_3") == "b_{o}"


ROW_221 = """
title = "2-2-1 in row layout"
layout = "row"
notation = "layer"
[input]
values = [[1.0, 2.0]]
[target]
values = [[0.5]]
[[layers]]
units = 2
activation = "sigmoid"
weights = [[0.5, 0.6], [0.7, 0.8]]
bias = [0.1, 0.2]
[[layers]]
units = 1
activation = "sigmoid"
weights = [[0.9], [0.1]]
bias = [0.3]
[loss]
function = "half_sse"
[training]
learning_rate = 0.1
"""


def test_the_loss_by_a_vector_lies_either_way_but_a_matrix_keeps_its_layout(tmp_path):
    row = checker(tmp_path, ROW_221)
    # dL/da_1 is a row in row layout; delta_2 W_2 (a number by a column) is the same vector standing
    for product in ("\\delta_2 W_2", "\\delta_2 W_2^T"):
        claim = f"$$\\frac{{\\partial L}}{{\\partial a_1}} = {product}$$\n"
        assert verify_text(row, claim, "p.md").claims[0].verdict == "ok", product
    # the gradient by a matrix has one layout: the transposed product is still caught
    assert verify_text(row, "$$\\frac{\\partial L}{\\partial W_1} = X^T \\delta_1$$\n", "p.md").claims[0].verdict == "ok"
    assert verify_text(row, "$$\\frac{\\partial L}{\\partial W_1} = \\delta_1^T X$$\n", "p.md").claims[0].verdict == "wrong"
