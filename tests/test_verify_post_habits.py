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

ALL_POINT_ONE = """
title = "2-2-1, every weight 0.1, no biases"
layout = "column"
notation = "layer"
[input]
names = ["x1", "x2"]
values = [[1.0, 1.0]]
[target]
values = [[1.0]]
[[layers]]
units = 2
activation = "sigmoid"
weights = [[0.1, 0.1], [0.1, 0.1]]
bias = false
[[layers]]
units = 1
activation = "sigmoid"
weights = [[0.1, 0.1]]
bias = false
[loss]
function = "binary_cross_entropy"
[training]
learning_rate = 0.1
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


ROW_LAYOUT = """
title = "pythonandml's 3-2-2 network in row layout, z = a W + b^T"
layout = "row"
notation = "layer"
[input]
names = ["x1", "x2", "x3"]
values = [[1.0, 4.0, 5.0]]
[target]
values = [[0.1, 0.05]]
[[layers]]
units = 2
activation = "sigmoid"
weights = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
bias = [0.5, 0.5]
[[layers]]
units = 2
activation = "sigmoid"
weights = [[0.7, 0.8], [0.9, 0.1]]
bias = [0.5, 0.5]
[loss]
function = "half_sse"
[training]
learning_rate = 0.01
"""


@pytest.fixture
def rows(tmp_path):
    return checker_for(tmp_path, ROW_LAYOUT)


def one(checker, text, notation="layer"):
    (claim,) = verify_claim(checker, text, notation).claims
    return claim


def test_derivatives_written_with_an_upright_d(per_unit, ng):
    assert one(per_unit, r"\frac{dE_{total}}{dout_{o1}} = -(target_{o1} - out_{o1})", "neuron").verdict == "ok"
    assert one(per_unit, r"\frac{\mathrm{d}E_{total}}{\mathrm{d}out_{o1}} = out_{o1} - target_{o1}",
               "neuron").verdict == "ok"
    assert one(per_unit, r"\frac{d E_{total}}{d out_{o1}} = target_{o1} - out_{o1}", "neuron").verdict == "wrong"
    # a fraction whose top and bottom do not both start with d is a fraction
    assert one(ng, r"dW^{[2]} = \frac{dZ^{[2]} A^{[1]T}}{m}").verdict == "ok"


def test_the_cost_written_with_what_it_depends_on(rows):
    assert one(rows, r"\frac{\partial J(W, b)}{\partial a_2} = a_2 - y").verdict == "ok"
    assert one(rows, r"\frac{\partial J(W, b)}{\partial a_2} = y - a_2").verdict == "wrong"


def test_layer_numbers_as_subscripts_in_the_layer_notation(rows):
    assert one(rows, r"\delta_2 = \frac{\partial J}{\partial a_2} \odot f'_2(z_2)").verdict == "ok"
    assert one(rows, r"\delta_1 = (\delta_2 W_2^T) \odot f'_1(z_1)").verdict == "ok"
    assert one(rows, r"\delta_1 = (\delta_2 W_2) \odot f'_1(z_1)").verdict == "wrong"
    assert one(rows, r"\frac{\partial J}{\partial W_2} = a_1^T \delta_2").verdict == "ok"


def test_a_bare_sum_of_a_layer_matrix_is_over_the_batch(rows, ng):
    assert one(rows, r"\frac{\partial J}{\partial b_2} = \sum \delta_2").verdict == "ok"
    assert one(ng, r"\frac{\partial J}{\partial W^{[2]}} = \frac{1}{m} \sum dZ^{[2]}").verdict == "wrong"


def test_figures_may_lie_either_way_round(rows):
    # a list [a, b] or a column of figures for a row: the post's own way of writing the numbers
    assert one(rows, "y = [0.1, 0.05]").verdict == "ok"
    assert one(rows, r"\delta_2 = \begin{bmatrix} 0.0776 \\ 0.1199 \end{bmatrix}").verdict == "ok"
    assert one(rows, r"\delta_2 = \begin{bmatrix} 0.0776 \\ 0.1299 \end{bmatrix}").verdict == "wrong"
    # but a formula set equal to a formula of the other shape is a missing transpose
    assert "transpose" in one(rows, r"\frac{\partial J}{\partial W_2} = a_1 \delta_2").reason


def test_therefore_starts_a_claim_of_its_own(rows):
    claims = verify_text(rows, "$$\\eta = 0.01 \\therefore b_2 = \\begin{bmatrix} 0.49922 \\\\ 0.49880 "
                               "\\end{bmatrix}$$\n", "post.md").claims
    assert [c.verdict for c in claims] == ["ok", "ok"]
    assert claims[1].reason == "read as the value after the update"


def test_a_parameters_new_value_under_its_own_name(rows):
    # b_1 after the step, written without a mark, its second entry one unit off its last digit in
    # a post that computes from its own rounded figures
    claim = verify_text(rows, "$$\\delta_2 = \\begin{bmatrix} 0.0776 & 0.1199 \\end{bmatrix}$$\n\n"
                              "$$b_1 = \\begin{bmatrix} 0.49998 \\\\ 0.499995 \\end{bmatrix}$$\n", "post.md").claims[1]
    assert claim.verdict == "ok"
    # a node is not a parameter: its figure after the step needs an update before it
    assert one(rows, r"a_2 = \begin{bmatrix} 0.8 & 0.8 \end{bmatrix}").verdict == "wrong"


def test_an_update_with_the_right_rate_and_a_wrong_gradient_says_so(per_unit):
    claim = one(per_unit, r"w_5^{+} = w_5 - \eta \frac{\partial E_{total}}{\partial w_5} = 0.4 - 0.5 \cdot 0.069",
                "neuron")
    assert claim.verdict == "wrong" and "uses the gradient 0.069, not 0.08217" in claim.reason
    assert "learning rate" not in claim.reason


def test_a_loss_summed_over_the_outputs_in_words(per_unit):
    for words in ("target - output", "ideal - out", "t - o"):
        assert one(per_unit, rf"E_{{total}} = \sum \frac{{1}}{{2}}({words})^2", "neuron").verdict == "ok"
    assert one(per_unit, r"E_{total} = \sum (target - output)^2", "neuron").verdict == "wrong"


def test_absolute_values_and_norms(per_unit, rows):
    assert one(per_unit, r"E_{o1} = \frac{1}{2}\|target_{o1} - out_{o1}\|^2", "neuron").verdict == "ok"
    assert one(per_unit, r"E_{o1} = \frac{1}{2}\left| target_{o1} - out_{o1} \right|^2", "neuron").verdict == "ok"
    assert one(per_unit, r"\|0.01 - 0.75136507\| = 0.74136507", "neuron").verdict == "ok"
    assert one(per_unit, r"|0.01 - 0.75136507| = -0.74136507", "neuron").verdict == "wrong"
    # the norm of a vector is its length
    assert one(rows, r"\|y\|^2 = 0.0125").verdict == "ok"


def test_plain_type_habits(per_unit, ng):
    # Ng's layers in brackets, a power in parentheses, a backslash Markdown ate, N for the samples
    assert one(ng, r"dW[2] = \frac{1}{m} dZ[2] A[1]^T").verdict == "ok"
    assert one(ng, r"dW[2] = \frac{1}{N} dZ[2] A[1]^T").verdict == "ok"
    assert one(per_unit, "1 / (1 + e^(-0.3775)) = 0.593269992", "neuron").verdict == "ok"
    assert one(per_unit, "frac{1}{1 + e^{-0.3775}} = 0.593269992", "neuron").verdict == "ok"
    assert one(per_unit, "1 / (1 + e^(0.3775)) = 0.593269992", "neuron").verdict == "wrong"


ONE_NEURON = """
title = "sghosh1999's one sigmoid neuron with a bias"
layout = "column"
notation = "neuron"
[input]
names = ["x1", "x2"]
values = [[1.0, 2.0]]
[target]
values = [[1.0]]
[[layers]]
units = 1
activation = "sigmoid"
names = ["ypred"]
weights = [[0.5, -0.4]]
bias = [0.1]
[loss]
function = "half_sse"
[training]
learning_rate = 0.1
"""


def test_plain_list_items_a_single_bias_and_new_values_under_old_names(tmp_path):
    checker = checker_for(tmp_path, ONE_NEURON)
    text = ("Given values:\n\n- x1 = 1.0\n- w12 = -0.4\n- b = 0.1\n\n"
            "z = `w11 * x1 + w12 * x2 + b`\n\nz = 0.5 * 1.0 + (-0.4) * 2.0 + 0.1 = -0.2\n\n"
            "After the update:\n\n- w12 = -0.3728\n- b = 0.1136\n")
    report = verify_text(checker, text, "post.md")
    assert [(c.line, c.verdict) for c in report.claims] == [(3, "ok"), (4, "ok"), (5, "ok"), (7, "ok"), (9, "ok"),
                                                            (13, "ok"), (14, "ok")]
    # w12 is the weight, by the spec's exact -0.4, though a figure after the update came first in no pass
    (w12,) = [b for b in report.bindings if b.written == "w_12"]
    assert w12.meant == "w_{2}" and w12.evidence == "its definition (= -0.4)"
    # without its given value: by its place in the sum
    report = verify_text(checker, text.replace("- w12 = -0.4\n", ""), "post.md")
    (w12,) = [b for b in report.bindings if b.written == "w_12"]
    assert w12.meant == "w_{2}" and "place in a net input's sum" in w12.evidence
    # a wrong new value is still wrong
    wrong = verify_text(checker, text.replace("-0.3728", "-0.3828"), "post.md").claims[-2]
    assert wrong.verdict == "wrong"


def test_layer_notation_names_bound_by_definition_and_figures(tmp_path):
    # eriksoaress writes h^{(1)} for the hidden activations and u^{(2)} for the output's net input
    folder = "tests/posts/real/eriksoaress_insper_mlp_tanh"
    checker = Checker(derive.derive(derive.load(f"{folder}/spec.toml")))
    text = ("$$h^{(1)} = \\tanh(z^{(1)})$$\n\n$$u^{(2)} = W^{(2)} h^{(1)} + b^{(2)}$$\n\n"
            "$$\\hat{y} = \\tanh(u^{(2)})$$\n\n$$u^{(2)} = W^{(2)} h^{(1)} - b^{(2)}$$\n")
    report = verify_text(checker, text, "post.md")
    assert [c.verdict for c in report.claims] == ["ok", "ok", "ok", "wrong"]
    assert {(b.written, b.meant) for b in report.bindings} == {("h^(1)", "A^{[1]}"), ("u^(2)", "Z^{[2]}")}
    # figures bind a name too: mihirsai's y_pred is the softmax output
    folder = "tests/posts/real/mihirsai_softmax_ce_layer"
    checker = Checker(derive.derive(derive.load(f"{folder}/spec.toml")))
    with open(f"{folder}/post.md", encoding="utf-8") as post:
        report = verify_text(checker, post.read(), "post.md")
    assert ("y_\\text{pred}", "A^{[1]}") in {(b.written, b.meant) for b in report.bindings}
    assert [c.verdict for c in report.claims if c.line == 44] == ["ok"]


def test_identities_in_a_letter_are_read_for_any_value_of_it(ng):
    # x is the input in the layer notation, but in an identity of x alone it is any number
    assert one(ng, r"\sigma'(x) = \sigma(x)(1 - \sigma(x))").verdict == "ok"
    assert one(ng, r"\sigma'(x) = \sigma(x)(1 + \sigma(x))").verdict == "wrong"
    assert one(ng, r"\frac{d}{du} \tanh(u) = 1 - \tanh^2(u)").verdict == "ok"
    assert one(ng, r"\frac{d}{du} \tanh(u) = 1 - \tanh(u)^2").verdict == "ok"
    assert one(ng, r"\frac{d}{du} \tanh(u) = 1 + \tanh^2(u)").verdict == "wrong"
    # a claim that names the network too is about the network
    assert one(ng, "x = [0.5, -0.2]").verdict == "wrong"


def test_a_formula_true_of_the_posts_data_is_right_and_said_so():
    # sreekanth: "since y = 0, the loss simplifies to L = -log(1 - a_2)"
    checker = Checker(derive.derive(derive.load("tests/posts/real/sreekanth9999_tiny_relu_bce/spec.toml")))
    claim = one(checker, r"E_{total} = -\log(1 - out_{o1})", "neuron")
    assert claim.verdict == "ok" and "holds for the spec's inputs and targets" in claim.reason
    assert one(checker, r"E_{total} = -\log(out_{o1})", "neuron").verdict == "wrong"


def test_displays_in_list_items_arrows_and_claims_on_lines_of_their_own(per_unit):
    text = ("- Hidden layer:  \n  \\[\n  net_{h1} = w_1 i_1 + w_2 i_2 + b_{h1}\n  \\]\n"
            "- After the step:  \n  \\(w_5 \\to 0.35891648\\)\n\n"
            "$$\n\\begin{aligned}\nw_5^{+} = 0.35891648, \\quad\nw_6^{+} = 0.40866619, \\quad\n"
            "w_7^{+} = 0.41\n\\end{aligned}\n$$\n")
    claims = verify_text(per_unit, text, "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(3, "ok"), (6, "ok"), (10, "ok"), (11, "ok"), (12, "wrong")]


def test_figures_that_follow_from_the_posts_own_rounded_nodes():
    # debasishmaji: delta^{[2]} = -0.354 (exactly -0.35320), dL/dW^{[2]} = delta^{[2]} a^{[1]T}, then the
    # entries -0.354 x [0.9, 0, 0.85]: off the exact gradient by more than their last digit, but the
    # post's own product
    folder = "tests/posts/real/debasishmaji_matrix_multiplication_nn"
    checker = Checker(derive.derive(derive.load(f"{folder}/spec.toml")))
    text = ("$$\\delta^{[2]} = \\hat{y} - y = 0.646 - 1 = -0.354$$\n\n"
            "$$\\frac{\\partial L}{\\partial W^{[2]}} = \\delta^{[2]} (a^{[1]})^\\top$$\n\n"
            "$$\\frac{\\partial L}{\\partial W^{[2]}} = \\begin{bmatrix} -0.3186 & 0 & -0.3009 \\end{bmatrix}$$\n")
    claims = verify_text(checker, text, "post.md").claims
    assert claims[-1].verdict == "ok" and claims[-1].rounded_from == 1
    # entries the post's figures do not give stay wrong
    wrong = verify_text(checker, text.replace("-0.3009", "-0.3109"), "post.md").claims
    assert wrong[-1].verdict == "wrong"
    # and a wrong link before the figure is not excused by it
    bad = ("$$\\delta^{[2]} = \\hat{y} - y = 0.646 - 1 = -0.354$$\n\n"
           "$$\\frac{\\partial L}{\\partial W^{[2]}} = \\delta^{[2]} (a^{[1]})^\\top \\cdot 2 = "
           "\\begin{bmatrix} -0.3186 & 0 & -0.3009 \\end{bmatrix}$$\n")
    assert verify_text(checker, bad, "post.md").claims[-1].verdict == "wrong"


def test_words_a_claim_fills_with_figures_are_read_in_that_claim_only(tmp_path):
    # nathansamsel: "output" is the final unit's value on one line, a hidden unit's on another
    checker = Checker(derive.derive(derive.load("tests/posts/real/nathansamsel_simple_backprop/spec.toml")))
    text = ("```math\n\\delta = (target - output) * (1 - output) * output = (0.5 - 0.69) * (1 - 0.69) * 0.69 "
            "= -0.0406\n```\n")
    (claim,) = verify_text(checker, text, "post.md").claims
    assert claim.verdict == "ok" and "read output as out_{final} here" in claim.reason
    wrong = verify_text(checker, text.replace("(1 - output) * output", "(1 + output) * output")
                        .replace("(1 - 0.69) * 0.69", "(1 + 0.69) * 0.69"), "post.md").claims
    assert wrong[0].verdict == "wrong"


def test_a_weight_filled_with_another_weights_figure_is_the_posts_own_numbering():
    checker = Checker(derive.derive(derive.load("tests/posts/real/nathansamsel_simple_backprop/spec.toml")))
    (claim,) = verify_text(checker, "```math\nw1_new = w1_old + (δ * input) = 0.3 + (-.0406 * 0.68) = 0.272392\n```\n",
                           "post.md").claims
    assert claim.verdict == "unchecked" and "numbers the weights its own way" in claim.reason
    # plain type: name_new, name_old and 10^-3
    assert one(checker, "w3_new = 0.1 + (-2.406 * 10^-3 * 0.35) = 0.09916", "neuron").verdict == "wrong"
    assert one(checker, "w1_new = 0.1 + 1 \\cdot 0.0 = 0.1", "neuron").verdict != "unchecked"


def test_the_layer_notations_words_do_not_pick_the_notation():
    checker = Checker(derive.derive(derive.load("tests/posts/real/nathansamsel_simple_backprop/spec.toml")))
    report = verify_text(checker, "$\\delta = 0.5$, $\\delta = 0.2$, $\\delta = 0.1$, $w_1 = 0.1$\n", "post.md")
    assert report.notation == "neuron"


def test_nielsens_layer_superscripts_with_a_free_l():
    checker = Checker(derive.derive(derive.load("tests/seeds/004_two_layer_sigmoid.toml")))
    assert one(checker, r"a^{2} = \sigma(w^2 a^{1}+b^2)").verdict == "ok"
    assert one(checker, r"a^{l} = \sigma(w^l a^{l-1}+b^l)").verdict == "ok"
    assert one(checker, r"a^{l} = \sigma(w^l a^{l-1}-b^l)").verdict == "wrong"
    assert one(checker, r"a^L = \sigma(z^L)").verdict == "ok"


def test_a_programs_printout_of_its_figures():
    folder = "tests/posts/real/eriksoaress_insper_mlp_tanh"
    checker = Checker(derive.derive(derive.load(f"{folder}/spec.toml")))
    text = ("```\nPrevisão da Rede: 0.3672\nGradiente do Bias de Saída (dL/db2): -1.0948\n"
            "Gradiente dos Pesos de Saída (dL/dW2): [-0.28862383  0.19496791]\n"
            "Gradiente dos Pesos da Camada Oculta (dL/dW1):\n[[-0.25468488  0.10187395]\n"
            " [ 0.15901618 -0.06360647]]\nGradiente errado (dL/db2): -1.0848\n```\n")
    claims = verify_text(checker, text, "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(3, "ok"), (4, "ok"), (6, "ok"), (8, "wrong")]


def test_printouts_with_words_after_the_name_and_values_below_the_label():
    folder = "tests/posts/real/eriksoaress_insper_mlp_tanh"
    checker = Checker(derive.derive(derive.load(f"{folder}/spec.toml")))
    text = ("$W^{(2)} := W^{(2)} - \\eta \\frac{\\partial L}{\\partial W^{(2)}}$\n\n"
            "```\nError signal (delta2): -1.0948\nOutput bias (b2) updated:\n0.5284483744140799\n"
            "Output weights (W2) updated:\n[ 0.58658715 -0.35849037]\nBias (b2) updated:\n0.5384\n```\n")
    claims = verify_text(checker, text, "post.md").claims
    # each claim at the line of its figure, not of its label
    assert [(c.line, c.verdict) for c in claims[1:]] == [(4, "ok"), (6, "ok"), (8, "ok"), (10, "wrong")]


def test_a_layer_name_the_post_binds_is_also_read_with_its_index_glued_on():
    folder = "tests/posts/real/eriksoaress_insper_mlp_tanh"
    checker = Checker(derive.derive(derive.load(f"{folder}/spec.toml")))
    text = ("$h^{(1)} = \\tanh(z^{(1)})$\n\n"
            "```\ngradient (dL/dh1): [-0.54741396  0.32844837]\nactivation slope (dh1/dz1): [0.93050195 0.9582872]\n```\n")
    claims = verify_text(checker, text, "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(1, "ok"), (4, "ok"), (5, "wrong")]
    assert "0.968287" in claims[2].expected


def test_a_jacobian_with_one_number_on_either_side_has_no_layout_in_question():
    checker = Checker(derive.derive(derive.load("tests/posts/real/eriksoaress_insper_mlp_tanh/spec.toml")))
    assert one(checker, r"\frac{\partial Z^{[2]}}{\partial A^{[1]}} = [0.5, -0.3]").verdict == "ok"
    assert one(checker, r"\frac{\partial Z^{[2]}}{\partial A^{[1]}} = [0.5, 0.3]").verdict == "wrong"
    assert one(checker, r"\frac{\partial Z^{[2]}}{\partial A^{[1]}} = W^{[2]}").verdict == "ok"
    # matrices of two different shapes, neither a number: still the post's convention
    assert one(checker, r"\frac{\partial A^{[1]}}{\partial W^{[1]}} = W^{[1]}").verdict == "unchecked"


def test_the_chain_rule_between_matrices_is_the_product_of_their_jacobians():
    checker = Checker(derive.derive(derive.load("tests/posts/real/eriksoaress_insper_mlp_tanh/spec.toml")))
    d = lambda a, b: rf"\frac{{\partial {a}}}{{\partial {b}}}"
    chain = " ".join([d("L", "A^{[2]}"), d("A^{[2]}", "Z^{[2]}"), d("Z^{[2]}", "A^{[1]}"), d("A^{[1]}", "Z^{[1]}"),
                      d("Z^{[1]}", "W^{[1]}")])
    assert one(checker, f"{d('L', 'W^{[1]}')} = {chain}").verdict == "ok"
    reverse = " ".join([d("Z^{[2]}", "W^{[2]}"), d("A^{[2]}", "Z^{[2]}"), d("L", "A^{[2]}")])
    assert one(checker, f"{d('L', 'W^{[2]}')} = {reverse}").verdict == "ok"
    assert one(checker, f"{d('L', 'W^{[2]}')} = {d('L', 'Z^{[2]}')} \\cdot {d('Z^{[2]}', 'W^{[2]}')}").verdict == "ok"
    broken = one(checker, f"{d('L', 'W^{[1]}')} = {d('L', 'A^{[2]}')} {d('A^{[2]}', 'Z^{[2]}')} {d('Z^{[1]}', 'W^{[1]}')}")
    assert broken.verdict == "wrong" and "does not link up" in broken.reason
    assert one(checker, f"{d('L', 'W^{[2]}')} = {d('L', 'Z^{[2]}')} {d('Z^{[2]}', 'W^{[1]}')}").verdict == "wrong"
    # over a batch: the loss's gradient by each sample's output, then by each unit's net input
    batch = Checker(derive.derive(derive.load("tests/seeds/002_khanal.toml")))
    assert one(batch, f"{d('J', 'Z^{[2]}')} = {d('J', 'A^{[2]}')} {d('A^{[2]}', 'Z^{[2]}')}").verdict == "ok"
    assert one(batch, f"{d('J', 'W^{[2]}')} = {d('J', 'A^{[2]}')} {d('A^{[2]}', 'Z^{[2]}')} "
                      f"{d('Z^{[2]}', 'W^{[2]}')}").verdict == "ok"


def test_alpha_for_the_learning_rate_and_targets_named_by_a_word(per_unit):
    assert one(per_unit, r"\alpha = 0.5", "neuron").verdict == "ok"
    assert one(per_unit, r"\alpha = 0.1", "neuron").verdict == "wrong"
    for word in ("ideal", "desired", "expected", "target"):
        assert one(per_unit, rf"{word}_{{o1}} = 0.01", "neuron").verdict == "ok", word
        assert one(per_unit, rf"{word}_{{1}} = 0.02", "neuron").verdict == "wrong", word


def test_a_negative_number_the_spec_gives_is_copied_exactly():
    checker = Checker(derive.derive(derive.load("tests/posts/real/mahfuzar148_single_neuron_training/spec.toml")))
    # -0.005 is w_3 as the spec gives it: exact, so the update's last digits are checked in full
    assert one(checker, r"-0.005 - 0.00001 \cdot 0.0755 = -0.000000755 - 0.005", "neuron").verdict == "ok"
    report = verify_text(checker, "$w_{3} = -0.005$\n\n$w_3 = -0.005 + 0.00002$\n", "post.md", "neuron")
    assert [c.verdict for c in report.claims] == ["ok", "wrong"]


def test_a_figure_wrong_in_its_sign_alone_passes_on_only_its_rounding(per_unit):
    # the post flips the sign of dE/dout_o1, then subtracts the negative: the update is right, and
    # off the exact value only by the rounding of the figure it repeats
    text = ("$\\frac{\\partial E_{total}}{\\partial out_{o1}} = -0.7416$\n\n"      # exactly 0.74136507
            "$w_5^{+} = w_5 - \\eta \\frac{\\partial E_{total}}{\\partial w_5} = 0.4 - 0.5 \\cdot "
            "(-(-0.7416) \\cdot 0.186816 \\cdot 0.593270) = 0.35890337$\n")          # exactly 0.35891648
    claims = verify_text(per_unit, text, "post.md", "neuron").claims
    assert [c.verdict for c in claims] == ["wrong", "ok"]
    assert claims[1].rounded_from == 1
    # wrong in its magnitude too: the update carries that error
    text = ("$\\frac{\\partial E_{total}}{\\partial out_{o1}} = -0.7516$\n\n"
            "$w_5^{+} = w_5 - \\eta \\frac{\\partial E_{total}}{\\partial w_5} = 0.4 - 0.5 \\cdot "
            "(-(-0.7516) \\cdot 0.186816 \\cdot 0.593270) = 0.35835$\n")
    claims = verify_text(per_unit, text, "post.md", "neuron").claims
    assert [(c.verdict, c.carries) for c in claims] == [("wrong", None), ("wrong", 1)]


def test_figures_below_a_display_go_on_with_its_formula(per_unit):
    formula = r"$$\delta_{o1} = (out_{o1} - target_{o1}) out_{o1} (1 - out_{o1})$$"
    text = f"> {formula}\n\n= (0.75136507 - 0.01) 0.75136507 (1 - 0.75136507) = 0.13849856\n"
    claims = verify_text(per_unit, text, "post.md", "neuron").claims
    assert [(c.line, c.verdict) for c in claims] == [(1, "ok"), (3, "ok")]
    wrong = verify_text(per_unit, text.replace("0.13849856", "0.13949856"), "post.md", "neuron").claims
    assert [(c.line, c.verdict) for c in wrong] == [(1, "ok"), (3, "wrong")]
    # => as the mark of the figures that follow
    arrow = f"{formula}\n\n=> (0.75136507 - 0.01) 0.75136507 (1 - 0.75136507) = 0.13949856\n"
    assert [c.verdict for c in verify_text(per_unit, arrow, "post.md", "neuron").claims] == ["ok", "wrong"]
    # prose between the two: no longer the same claim
    apart = f"{formula}\n\nWith the numbers:\n\n= (0.75136507 - 0.01) 0.75136507 (1 - 0.75136507) = 0.13949856\n"
    assert [(c.line, c.verdict) for c in verify_text(per_unit, apart, "post.md", "neuron").claims] == [(1, "ok")]


def test_the_learning_rate_as_prose_gives_it(per_unit):
    said = ["We use a learning rate, eta, which we'll set to 0.5.", "With a learning rate of `0.5`",
            "we will set $ \\eta $ = 0.5 here", "If learning rate = 0.5:", "- Learning rate (η): 0.5"]
    for line in said:
        claims = verify_text(per_unit, line + "\n", "post.md", "neuron").claims
        assert [(c.text, c.verdict) for c in claims] == [("\\eta = 0.5", "ok")], line
    claims = verify_text(per_unit, "With a learning rate of 0.1, the step is small.\n", "post.md", "neuron").claims
    assert [c.verdict for c in claims] == ["wrong"]
    # rates in general, or a rate the math states already: no claim of the prose's own
    for line in ("A learning rate of 0.01 is common.", "rates between 0.1 and 0.5", "the learning rate $\\eta = 0.5$",
                 "| learning rate | 0.3 |", "```python\nlearning_rate = 0.3\n```"):
        claims = verify_text(per_unit, line + "\n", "post.md", "neuron").claims
        assert [c.text for c in claims if c.verdict == "wrong"] == [], line
        assert len(claims) <= 1, line


def test_a_short_exact_value_of_the_network_is_written_exactly():
    # z_2 = 1.1 * 0.3 + 2.2 * 0.7 = 1.87 exactly: the post's 1.87 carries no rounding
    checker = Checker(derive.derive(derive.load("tests/posts/real/einsteinish_backprop_readme/spec.toml")))
    assert one(checker, r"\frac{1}{1 + e^{-1.87}} \approx 0.86607", "neuron").verdict == "wrong"
    assert one(checker, r"\frac{1}{1 + e^{-1.87}} \approx 0.86646", "neuron").verdict == "ok"
    # a two-digit figure is as often another quantity rounded: 0.68 is net_bottom exactly, and out_top rounded
    checker = Checker(derive.derive(derive.load("tests/posts/real/nathansamsel_simple_backprop/spec.toml")))
    assert one(checker, r"1 / (1 + e^{-0.755}) = 0.68", "neuron").verdict == "ok"


def test_a_long_figure_from_an_unseen_calculation_carries_its_rounding(per_unit):
    # 0.1384985661 is delta_o1 (0.13849856185) off in its 9th digit, printed by a step the post does not show
    claim = r"$$\frac{\partial E_{total}}{\partial w_5} = 0.1384985661 \cdot 0.593269992 = 0.0821670432$$" + "\n"
    assert [c.verdict for c in verify_text(per_unit, claim, "post.md", "neuron").claims] == ["ok"]
    # the same digits as a slip in copying a figure the post stated: wrong
    copied = "$$\\delta_{o1} = 0.1384985616$$\n\n" + claim
    assert [c.verdict for c in verify_text(per_unit, copied, "post.md", "neuron").claims] == ["ok", "wrong"]
    # one figure's rounding does not cover another's error: 0.593269992 is out_h1 exactly
    other = r"$$\frac{\partial E_{total}}{\partial w_5} = 0.1384985616 \cdot 0.593269992 = 0.0821670432$$" + "\n"
    assert [c.verdict for c in verify_text(per_unit, other, "post.md", "neuron").claims] == ["wrong"]


def test_equations_in_a_prose_lines_inline_code(per_unit):
    text = "* One **hidden neuron** with weight `w_1 = 0.15` and bias `b_h1 = 0.35`\n* and `w_2 = 0.27` (wrong)\n"
    claims = verify_text(per_unit, text, "post.md", "neuron").claims
    assert [(c.line, c.text, c.verdict) for c in claims] == [(1, "w_{1} = 0.15", "ok"), (1, "b_{h1} = 0.35", "ok"),
                                                             (2, "w_{2} = 0.27", "wrong")]
    # code that is not an equation leaves the line to the plain-text reading
    assert [c.verdict for c in verify_text(per_unit, "w_1 = `0.15`\n", "post.md", "neuron").claims] == ["ok"]


def test_a_bare_sum_over_the_labels_runs_over_every_output(ng):
    mihirsai = Checker(derive.derive(derive.load("tests/posts/real/mihirsai_softmax_ce_layer/spec.toml")))
    assert one(mihirsai, r"y_{\text{true}} = [[0, 1, 0]]").verdict == "ok"
    assert one(mihirsai, r"\text{Loss} = -\sum y_{\text{true}} \cdot \log(A^{[1]})").verdict == "ok"
    assert one(mihirsai, r"\text{Loss} = -\sum y_{\text{true}} \cdot \log(A^{[1]}) = 0.417").verdict == "ok"
    assert one(mihirsai, r"\text{Loss} = -\sum y_{\text{true}} \cdot \log(A^{[1]}) = 0.427").verdict == "wrong"
    # over a batch: every output of every sample, and the mean over the samples
    assert one(ng, r"J = -\frac{1}{m} \sum (Y \odot \log A^{[2]} + (1 - Y) \odot \log(1 - A^{[2]}))").verdict == "ok"
    assert one(ng, r"J = -\frac{1}{m} \sum (Y \odot \log A^{[2]} - (1 - Y) \odot \log(1 - A^{[2]}))").verdict == "wrong"
    # a sum of a layer's deltas is still the one over the batch (db)
    assert one(ng, r"\frac{\partial J}{\partial Z^{[2]}} = \frac{1}{m}(A^{[2]} - Y)").verdict == "ok"


def test_a_quantitys_entries_worked_out_in_a_numbered_list(per_unit):
    # out_{h1}, out_{h2} = 0.593269992, 0.596884378; w_5, w_6 = 0.40, 0.45: W^T-like sums, entry by entry
    text = ("Calculating \\( $\\begin{bmatrix} w_5 & w_6 \\end{bmatrix}^T out_{h1}$ \\):\n"
            "1. $0.40 \\cdot 0.593269992 = 0.237308$\n2. $0.50 \\cdot 0.593269992 = 0.296635$\n")
    claims = verify_text(per_unit, text, "post.md", "neuron").claims
    assert [(c.line, c.verdict) for c in claims] == [(2, "ok"), (3, "wrong")]
    assert claims[0].text.startswith("(\\begin{bmatrix}")
    # the entry of an expression, as posts write it
    assert one(per_unit, r"(\begin{bmatrix} w_5 & w_6 \end{bmatrix}^T out_{h1})_{2} = 0.45 \cdot 0.593269992",
               "neuron").verdict == "ok"
    # no colon after the formula, or items out of order: arithmetic only
    for changed, line in ((text.replace("\\):", "\\) is"), 2), (text.replace("2. $", "3. $"), 3)):
        assert [c.text[0] for c in verify_text(per_unit, changed, "post.md", "neuron").claims if c.line == line] == ["0"]


def test_a_small_delta_above_and_below_is_a_partial(per_unit):
    assert one(per_unit, r"\frac{\delta E_{total}}{\delta w_5} = 0.082167041", "neuron").verdict == "ok"
    assert one(per_unit, r"\frac{\delta E_{total}}{\delta w_5} = 0.092167041", "neuron").verdict == "wrong"
    # a unit's delta over another's stays a ratio of deltas
    assert one(per_unit, r"\frac{\delta_{o1}}{\delta_{o2}} = \frac{\delta_{o1}}{\delta_{o2}}", "neuron").verdict == "ok"


def test_a_derivative_operator_before_a_sum_takes_the_whole_sum(per_unit):
    claim = r"\frac{\partial net_{o1}}{\partial out_{h1}} = \frac{\partial}{\partial out_{h1}} w_5 out_{h1} + w_6 out_{h2} = w_5"
    assert one(per_unit, claim, "neuron").verdict == "ok"
    assert one(per_unit, claim.replace("= w_5", "= w_6"), "neuron").verdict == "wrong"


def test_layers_numbered_from_the_input():
    # a^{(1)} = x, z^{(2)} = w^{(1)} a^{(1)} + b^{(1)}, a^{(3)} the output: one layer down in derive's numbering
    checker = Checker(derive.derive(derive.load("tests/posts/real/datamapu_two_neurons_draft/spec.toml")))
    text = ("$$\\hat{y} = a^{(3)} = \\sigma(z^{(3)})$$\n\n$$z^{(2)} = w^{(1)} a^{(1)} + b^{(1)} = 0.3 \\cdot 0.5 + 0.1 = 0.25$$\n\n"
            "$$z^{(3)} = w^{(2)} a^{(2)} + b^{(2)}$$\n\n$$a^{(2)} = \\sigma(z^{(2)}) = 0.57$$\n")
    report = verify_text(checker, text, "post.md")
    assert [c.verdict for c in report.claims] == ["ok", "ok", "ok", "wrong"]
    assert {(b.written, b.meant) for b in report.bindings} >= {("a^(1)", "X"), ("z^(2)", "Z^{[1]}"), ("a^(3)", "A^{[2]}")}
    # a post that names no layer past the network's last keeps derive's numbering
    plain = verify_text(checker, "$$z^{(2)} = w^{(2)} a^{(1)} + b^{(2)}$$\n", "post.md")
    assert [c.verdict for c in plain.claims] == ["ok"] and not plain.bindings


def test_a_parameters_new_value_as_arithmetic_under_its_own_name():
    checker = Checker(derive.derive(derive.load("tests/posts/real/murali806_tanh_two_hidden_plaintext/spec.toml")))
    text = "```\nW₃ ← 1.2 - 0.01 × (-2.652) = 1.2 + 0.02652 = 1.227\nW₃ ← 1.2 - 0.01 × (-2.652) = 1.237\n```\n"
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims] == ["ok", "wrong"]


def test_plain_text_with_unicode_hats_and_subscripts_and_values_in_a_sentence():
    checker = Checker(derive.derive(derive.load("tests/posts/real/murali806_tanh_two_hidden_plaintext/spec.toml")))
    text = ("```\n∂L/∂W₃ = 2(ŷ - y) × h₂\n∂L/∂W₃ = (ŷ - y) × h₂\n```\n\n"
            "Using our example where ŷ = 0.7968, y = 4.0, h₂ = 0.4140:\n\nand where y = 4.5, as before.\n")
    claims = verify_text(checker, text, "post.md", "neuron").claims
    assert [(c.line, c.verdict) for c in claims] == [(2, "ok"), (3, "wrong"), (6, "ok"), (6, "ok"), (6, "ok"),
                                                     (8, "wrong")]
    # a value inside a longer clause is no claim
    assert verify_text(checker, "the value y = 3 is common, and x = 2 times y.\n", "post.md", "neuron").claims == ()


def test_a_script_braced_on_its_own_and_a_one_by_one_matrix_as_a_number():
    checker = Checker(derive.derive(derive.load("tests/posts/real/kaifeng_llm_learn_backprop_zh/spec.toml")))
    assert one(checker, r"\delta{_2} = \frac{\partial L}{\partial z_2}").verdict == "ok"
    # delta_2 is 1×1 (one output, one sample): it scales W_2 as a number does
    assert one(checker, r"\frac{\partial L}{\partial a_1} = \delta{_2} W_2^T").verdict == "ok"
    assert one(checker, r"\frac{\partial L}{\partial a_1} = 2 \delta{_2} W_2^T").verdict == "wrong"


def test_one_number_for_a_matrix_of_equal_entries_and_a_list_times_a_number(ng, tmp_path):
    even = checker_for(tmp_path, ALL_POINT_ONE)
    assert one(even, r"W^{[1]} = 0.1").verdict == "ok"          # every weight 0.1: each entry
    assert one(even, r"W^{[1]} = 0.2").verdict == "wrong"
    # after the step the entries are equal again: W_2 := 0.1 - 0.1 (-0.259) for each
    report = verify_text(even, "$W^{[2]} := W^{[2]} - 0.1 \\cdot dW^{[2]}$\n\n$W^{[2]} = 0.1$\n", "post.md", "layer")
    assert report.claims[-1].verdict == "ok"
    # Ng's second layer has weights 0.3, -0.1, 0.2: one number cannot stand for them
    assert one(ng, r"W^{[2]} = 0.3").verdict == "wrong"
    checker = Checker(derive.derive(derive.load("tests/posts/real/eriksoaress_insper_mlp_tanh/spec.toml")))
    # b^{(2)} is one number; W^{[1]} x's entries differ
    assert one(checker, r"W^{[1]} = 0.3").verdict == "wrong"
    # a list times a number is a list: it lies as the vector it is set equal to
    assert one(checker, r"(W^{[2]})^T \cdot 2 = [0.5, -0.3] \cdot 2").verdict == "ok"


def test_g_is_the_networks_one_activation_unless_the_spec_names_g(tmp_path):
    checker = Checker(derive.derive(derive.load("tests/posts/real/eriksoaress_insper_mlp_tanh/spec.toml")))
    assert one(checker, r"A^{[1]} = g(Z^{[1]})").verdict == "ok"
    assert one(checker, r"h^{(1)} = g(z^{(1)})").verdict == "ok"
    symbolic = Checker(derive.derive(derive.load("tests/seeds/002_khanal.toml")))
    assert one(symbolic, r"A^{[1]} = g^{[1]}(Z^{[1]})").verdict == "ok"


def test_new_and_old_in_other_languages_on_a_name_the_post_binds():
    checker = Checker(derive.derive(derive.load("tests/posts/real/webmastervetea_neurona_es/spec.toml")))
    for word in ("nuevo", "new", "novo"):
        text = (f"$$w_{{{word}}} = 0.3 - (0.1) \\cdot (-0.00793)$$\n\n$$w_{{{word}}} = 0.3 + 0.000793 \\approx 0.300793$$\n\n"
                f"$$w_{{{word}}} = 0.3017$$\n")
        report = verify_text(checker, text, "post.md")
        assert [c.verdict for c in report.claims] == ["ok", "ok", "wrong"], word
        assert [(b.written, b.meant) for b in report.bindings] == [(f"w_{word}", "{w_{1}}^{+}")], word


def test_a_math_block_of_one_equation_per_line():
    checker = Checker(derive.derive(derive.load("tests/posts/real/nathansamsel_simple_backprop/spec.toml")))
    text = "```math\n(0.35 * 0.1) + (0.9 * 0.8) = 0.755\n(0.9 * 0.6) + (0.35 * 0.4) = 0.69\n```\n"
    assert [(c.line, c.verdict) for c in verify_text(checker, text, "post.md").claims] == [(2, "ok"), (3, "wrong")]
    # a formula broken over two lines is still one formula; the line its last side is written on states
    # net_top = 0.755 too, and is judged there
    formula = "net_{top} = 0.35 \\cdot 0.1 +\n0.9 \\cdot 0.8 = 0.755"
    claims = verify_text(checker, f"```math\n{formula}\n```\n", "post.md").claims
    one_formula = formula.replace("\n", " ")
    assert [(c.line, c.verdict, c.text) for c in claims] == [(2, "ok", one_formula), (3, "ok", one_formula)]
    # a slip in the last side: wrong at the line it is written on, the first line's link right
    claims = verify_text(checker, f"```math\n{formula.replace('0.755', '0.765')}\n```\n", "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(2, "ok"), (3, "wrong")]


def test_a_function_named_on_the_left_of_its_definition_and_entrywise_exponentials():
    checker = Checker(derive.derive(derive.load("tests/seeds/002_khanal.toml")))
    assert one(checker, r"\sigma = \frac{1}{1+e^{-z^{[2]}}}").verdict == "ok"
    assert one(checker, r"\sigma = \frac{1}{1-e^{-z^{[2]}}}").verdict == "wrong"
    assert one(checker, r"A^{[2]} = \frac{1}{1+e^{-Z^{[2]}}}").verdict == "ok"
    assert one(checker, r"A^{[2]} = \frac{1}{1+e^{Z^{[2]}}}").verdict == "wrong"
    # a prime braced against the superscript: g^{[1]}{'}
    assert one(checker, r"dZ^{[1]} = W^{[2]T} dZ^{[2]} \odot g^{[1]}{'}(Z^{[1]})").verdict != "unchecked"


def test_a_function_letter_named_by_its_subscript():
    checker = Checker(derive.derive(derive.load("tests/posts/real/ahammadnafiz_backprop_by_hand/spec.toml")))
    for g in (r"g'_{\text{ReLU}}", r"g'_{relu}", r"g_{relu}'"):
        assert one(checker, rf"dZ^{{[1]}} = W^{{[2]T}} dZ^{{[2]}} \odot {g}(Z^{{[1]}})").verdict == "ok", g
    assert one(checker, r"dZ^{[1]} = W^{[2]T} dZ^{[2]} \odot g'_{\text{tanh}}(Z^{[1]})").verdict == "wrong"


def test_names_of_a_relu_network_bound_by_definition():
    # at one random point a ReLU unit's output is its net input (alive) or 0 like much else (dead):
    # definitions are matched at two; and `z_1 = 0.5 > 0` says nothing of what z_1 is
    checker = Checker(derive.derive(derive.load("tests/posts/real/sreekanth9999_tiny_relu_bce/spec.toml")))
    text = ("$$z_1 = x \\cdot w_1 = 0.5$$\n\n$$a_1 = \\text{ReLU}(z_1) = 0.5$$\n\n$$z_1 = 0.5 > 0$$\n\n"
            "$$\\frac{da_1}{dz_1} = 1$$\n")
    report = verify_text(checker, text, "post.md")
    assert {(b.written, b.meant) for b in report.bindings} >= {("z_1", "net_{h1}"), ("a_1", "out_{h1}")}
    assert [c.verdict for c in report.claims] == ["ok", "ok", "ok", "ok"]
