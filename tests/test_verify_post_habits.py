"""Issue 11: habits of real posts (tests/posts/real), each as a unit case on a spec of its own kind:
their own bias numbering, updates marked in a layer superscript, the forward pass run again after
the update, Ng's lowercase labels and g^{[1]'}, `*` between matrices, rounded vector entries."""

import derive
import pytest
from derive.verify import Checker, verify_claim, verify_text

MAZUR_PER_UNIT_BIASES = """
title = "Mazur's 2-2-2 network, one bias per hidden unit"
layout = "column"
notation = "neuron"
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

NG_BATCH = """
title = "Ng's two-layer network without biases, a batch of four"
layout = "column"
notation = "layer"
[input]
names = ["x1", "x2"]
values = [[0.5, -0.2], [0.1, 0.4], [-0.3, 0.8], [0.9, 0.05]]
[target]
values = [[1.0], [0.0], [1.0], [0.0]]
[[layers]]
units = 3
activation = "tanh"
weights = [[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]]
bias = false
[[layers]]
units = 1
activation = "sigmoid"
weights = [[0.3, -0.1, 0.2]]
bias = false
[loss]
function = "binary_cross_entropy"
reduction = "mean"
[training]
learning_rate = 0.1
"""


def checker_for(tmp_path, text):
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    return Checker(derive.derive(derive.load(path)))


@pytest.fixture
def per_unit(tmp_path):
    return checker_for(tmp_path, MAZUR_PER_UNIT_BIASES)


@pytest.fixture
def ng(tmp_path):
    return checker_for(tmp_path, NG_BATCH)


def test_a_post_numbering_its_biases_unit_by_unit_is_read_so(per_unit):
    # derive calls the output layer's shared bias b_2; this post calls h2's bias b_2 and the output's b_3
    text = ("$net_{h1} = w_1 i_1 + w_2 i_2 + b_1$\n\n$net_{h2} = w_3 i_1 + w_4 i_2 + b_2$\n\n"
            "$net_{o1} = w_5 out_{h1} + w_6 out_{h2} + b_3$\n\n$net_{o2} = w_7 out_{h1} + w_8 out_{h2} + b_3$\n")
    report = verify_text(per_unit, text, "post.md")
    assert [c.verdict for c in report.claims] == ["ok"] * 4
    assert {(b.written, b.meant) for b in report.bindings} == {("b_1", "b_{h1}"), ("b_2", "b_{h2}"), ("b_3", "b_{2}")}
    # one sum alone is not a numbering: b_2 in h2's sum is then the output's bias, in the wrong place
    (one,) = verify_text(per_unit, "$net_{h2} = w_3 i_1 + w_4 i_2 + b_2$\n", "post.md").claims
    assert one.verdict == "wrong"


def test_bias_names_that_contradict_each_other_are_not_a_numbering(per_unit):
    # b_1 in both hidden sums, whose biases are two: no consistent reading, so none is bound
    text = "$net_{h1} = w_1 i_1 + w_2 i_2 + b_1$\n\n$net_{h2} = w_3 i_1 + w_4 i_2 + b_1$\n"
    report = verify_text(per_unit, text, "post.md")
    assert not [b for b in report.bindings if b.written.startswith("b")]


def test_an_update_marked_after_the_layer_in_the_superscript(per_unit):
    # dkelsh: w_{11}^{2+} is layer 2's w_{11} after the step
    (claim,) = verify_claim(per_unit, r"w_{5}^{2+} = 0.40 - 0.5 \cdot 0.082167041 = 0.35891648", "index").claims
    assert claim.verdict != "unchecked"


def test_the_output_restated_after_the_update_is_the_output_after_the_step(per_unit):
    text = ("$out_{o1} = 0.75136507$\n\n$w_5^{+} = 0.35891648$\n\n"
            "After the update the output is $out_{o1} = 0.7322$\n")
    report = verify_text(per_unit, text, "post.md")
    first, update, after = report.claims
    assert (first.verdict, update.verdict, after.verdict) == ("ok", "ok", "ok")
    assert "after the update on line 3" in after.reason
    # without an update before it, the same figure is the output before the step: wrong
    (alone,) = verify_text(per_unit, "$out_{o1} = 0.7322$\n", "post.md").claims
    assert alone.verdict == "wrong"
    # and a figure that is neither value stays wrong after the update
    (wrong,) = verify_text(per_unit, "$w_5^{+} = 0.35891648$\n\n$out_{o1} = 0.7000$\n", "post.md").claims[1:]
    assert wrong.verdict == "wrong"


def test_a_lowercase_y_beside_batch_matrices_is_the_batch_labels(ng):
    (claim,) = verify_claim(ng, r"dZ^{[2]} = A^{[2]} - y", "layer").claims
    assert claim.verdict == "ok"
    (wrong,) = verify_claim(ng, r"dZ^{[2]} = y - A^{[2]}", "layer").claims
    assert wrong.verdict == "wrong"


def test_ngs_spaces_and_primes(ng):
    claims = verify_text(ng, "$dW^{[2]} = 1 / m \\space\\space dZ^{[2]}\\space A^{[1]T}$\n\n"
                             "$dZ^{[1]} = W^{[2]T} dZ^{[2]} \\odot g^{[1]\\prime}(Z^{[1]})$\n\n"
                             "$dZ^{[1]} = W^{[2]T} dZ^{[2]} \\odot g^{[1]'}(Z^{[1]})$\n", "post.md").claims
    assert [c.verdict for c in claims] == ["ok", "ok", "ok"]


def test_a_star_between_matrices_of_one_shape_is_elementwise_and_said_so(ng):
    (star,) = verify_claim(ng, r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]'}(Z^{[1]})", "layer").claims
    assert star.verdict == "ok" and "3×4 matrices entry by entry" in star.reason
    # written side by side, with no sign at all, it is a matrix product that does not fit
    (juxt,) = verify_claim(ng, r"dZ^{[1]} = W^{[2]T} dZ^{[2]} g^{[1]'}(Z^{[1]})", "layer").claims
    assert juxt.verdict == "wrong" and "elementwise product (⊙)" in juxt.reason and "transpose" in juxt.reason
    # and an elementwise reading never hides a wrong factor
    (bad,) = verify_claim(ng, r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * Z^{[1]}", "layer").claims
    assert bad.verdict == "wrong"


def test_entries_computed_from_the_posts_rounded_vector_follow_from_it():
    # smaxx73: delta^{(2)} rounded to -0.1903, then W^T delta and delta^{(1)} entry by entry from it
    folder = "tests/posts/real/smaxx73_course_backprop_221"
    checker = Checker(derive.derive(derive.load(f"{folder}/spec.toml")))
    with open(f"{folder}/post.md", encoding="utf-8") as post:
        report = verify_text(checker, post.read(), "post.md")
    by_line = {c.line: c for c in report.claims}
    assert by_line[89].verdict == "ok" and by_line[89].rounded_from is not None
    assert by_line[105].verdict == "ok"
    # a wrong entry is still wrong: the same vector with one entry off by far more than the rounding
    text = ("$$\\delta^{(2)} = -0.1903$$\n\n"
            "$$(W^{(2)})^T \\delta^{(2)} = \\begin{bmatrix} -0.1142 \\\\ 0.0761 \\end{bmatrix}$$\n\n"
            "$$\\delta^{(1)} = \\begin{bmatrix} -0.1142 \\\\ 0.0761 \\end{bmatrix} \\odot "
            "\\begin{bmatrix} 0.2288 \\\\ 0.2445 \\end{bmatrix} = \\begin{bmatrix} -0.0291 \\\\ 0.0186 \\end{bmatrix}$$\n")
    claims = verify_text(checker, text, "post.md").claims
    assert claims[-1].verdict == "wrong"
