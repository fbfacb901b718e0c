"""verify on conv posts that label layers in brackets and work small examples of their own: δ_{ij}^{(l)} is
layer l's error, never Kronecker's δ (sevenold's notes, conv_blind14); a bias the post sets to 0 for an example
(简化 b^l = 0) is still the bias a derivative is by (yinxiaojian's notes); a matrix written out inside a
Markdown quote (> rows) at other sizes than the layer's is the post's own example; and a post that writes δ under
two layers' labels (δ^l = ∂C/∂z^l, then δ^{l+1}) names by each the error at the tensor its definition's letter is
under that label: this layer's where the forward makes z^{l+1} its output, another layer's otherwise."""

from __future__ import annotations

import pytest

import derive
from derive.verify import Checker, verify_text

SPEC = """
title = "a 3x3 convolution"
[input]
shape = [1, 5, 5]
values = [[[[0.5, -0.2, 0.1, 0.9, -0.7], [0.3, 0.8, -0.5, 0.2, 0.4], [-0.6, 0.1, 0.7, -0.3, 0.2],
            [0.9, -0.4, 0.3, 0.6, -0.1], [0.2, 0.5, -0.8, 0.1, 0.3]]]]
[[layers]]
type = "conv2d"
out_channels = 1
kernel = 3
activation = "sigmoid"
[[layers]]
type = "flatten"
[target]
values = [[0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.5]]
[loss]
function = "half_sse"
reduction = "sum"
[training]
learning_rate = 0.1
[init]
seed = 3
"""


@pytest.fixture(scope="module")
def conv():
    return Checker(derive.derive(derive.load_text(SPEC)))


def _verdicts(checker, text: str) -> list[str]:
    return [c.verdict for c in verify_text(checker, text, "post.md").claims]


@pytest.mark.parametrize("label", ["(l)", "[l]"])
def test_a_delta_with_a_bracketed_layer_label_is_the_layers_error(conv, label):
    assert _verdicts(conv, f"$$\\frac{{\\partial E}}{{\\partial z_{{ij}}^{{{label}}}}} = \\delta_{{ij}}^{{{label}}}$$") \
        == ["ok"]
    # one entry of the error for the bias, which every position feeds: the sum over positions is missing
    assert _verdicts(conv, f"$$\\frac{{\\partial E}}{{\\partial b^{{{label}}}}} = \\delta_{{11}}^{{{label}}}$$") \
        == ["wrong"]


def test_a_delta_with_a_layer_label_never_reads_the_label_as_an_index(conv):
    found = verify_text(conv, "$$\\frac{\\partial E}{\\partial b_i^{(l)}} = \\delta_i^{(l)}$$", "post.md").claims
    assert [c.verdict for c in found] == ["unchecked"] and "sum over l" not in (found[0].reason or "")


def test_a_bias_set_to_zero_for_an_example_is_still_the_bias(conv):
    post = "$$\\frac{\\partial z_{11}}{\\partial b} = 1$$\n\n(let $b=0$, one kernel)\n\n" \
           "$$\\frac{\\partial z_{11}}{\\partial b} = 0$$\n"
    assert _verdicts(conv, post) == ["ok", "wrong"]


QUOTED_EXAMPLE = "\n".join([
    "> Suppose $x$ is 3x3 and $k$ is 2x2:", "> $$", "> \\left( \\begin{array}{}", "> x_{11}&x_{12}&x_{13}\\\\",
    "> x_{21}&x_{22}&x_{23}\\\\", "> x_{31}&x_{32}&x_{33}", "> \\end{array} \\right)", "> $$", "> $$",
    "> z_{11}=x_{11}k_{11}+x_{12}k_{12}+x_{21}k_{21}+x_{22}k_{22}", "> $$", ""])


@pytest.mark.parametrize("quoted", [True, False])
def test_a_quoted_matrix_at_other_sizes_is_the_posts_own_example(conv, quoted):
    text = QUOTED_EXAMPLE if quoted else QUOTED_EXAMPLE.replace("> ", "")
    found = verify_text(conv, text, "post.md").claims
    assert [c.verdict for c in found] == ["unchecked"] and "other sizes" in found[0].reason


KERNEL = "$$\\begin{bmatrix}1 & 2 & 3 \\\\ 4 & 5 & 6 \\\\ 7 & 8 & 9\\end{bmatrix} = K$$\n"


def test_figures_for_weights_the_spec_draws_from_a_seed_are_the_posts_own(conv):
    """hhk7734's wiki (conv_blind14): a kernel example written out in numbers, where the spec draws its kernel."""
    found = verify_text(conv, KERNEL, "post.md").claims
    assert [c.verdict for c in found] == ["unchecked"] and "gives no numbers" in found[0].reason
    pair = ("$$\nK' = \\begin{bmatrix}9 & 8 & 7 \\\\ 6 & 5 & 4 \\\\ 3 & 2 & 1\\end{bmatrix} \\quad\n"
            "K = \\begin{bmatrix}1 & 2 & 3 \\\\ 4 & 5 & 6 \\\\ 7 & 8 & 9\\end{bmatrix}\n$$\n")
    assert _verdicts(conv, pair) == []     # the flip and the kernel side by side: no chain K' = [9 … 1] K = [1 … 9]
    # arithmetic of numbers alone needs no weights: still checked
    assert _verdicts(conv, "$$4-2/1+1=5$$\n") == ["wrong"]


def test_figures_for_weights_the_spec_gives_are_checked():
    given = SPEC.replace("[init]\nseed = 3\n", "").replace(
        'activation = "sigmoid"\n', 'activation = "sigmoid"\nweights = [[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]\n', 1)
    checker = Checker(derive.derive(derive.load_text(given)))
    assert _verdicts(checker, KERNEL) == ["ok"]
    assert _verdicts(checker, KERNEL.replace("9\\end", "8\\end")) == ["wrong"]


def _matrix(letter: str, rows: int, columns: int) -> str:
    return "\\left( \\begin{array}{}\n" + "\\\\\n".join(
        "&".join(f"{letter}_{{{i}{j}}}" for j in range(1, columns + 1)) for i in range(1, rows + 1)) + \
        "\n\\end{array} \\right)"


EXAMPLE = (f"Suppose $x$ is 3x3 and $k$ is 2x2, stride 1:\n\n$$\n{_matrix('x', 3, 3)}\n*\n{_matrix('k', 2, 2)}\n=\n"
           f"{_matrix('z', 2, 2)}\n$$\n\n$$\nz_{{11}}=x_{{11}}k_{{11}}+x_{{12}}k_{{12}}+x_{{21}}k_{{21}}+x_{{22}}k_{{22}}\n$$\n\n"
           "$$\\delta^l = \\frac{\\partial L}{\\partial z^l}$$\n\n$$\n\\bigtriangledown{k_{11}}=\\delta_{11}x_{11}+\\delta_{12}x_{12}+\\delta_{21}x_{21}+\\delta_{22}x_{22}\n$$\n\n"
           "$$\n\\bigtriangledown{k_{12}}=\\delta_{11}x_{12}+\\delta_{12}x_{22}+\\delta_{21}x_{22}+\\delta_{22}x_{23}\n$$\n")


CHANNELS = SPEC.replace("shape = [1, 5, 5]", "shape = [3, 5, 5]").replace("out_channels = 1", "out_channels = 2") \
    .replace(SPEC[SPEC.index("values = [[[["):SPEC.index("[[layers]]")],
             "values = " + repr([[[[round(0.1 * ((c + i * 5 + j) % 7) - 0.3, 2) for j in range(5)] for i in range(5)]
                                  for c in range(3)]]) + "\n").replace(
    "values = [[0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.5]]", "values = [" + repr([0.5] * 18) + "]")


@pytest.mark.parametrize("spec", [SPEC, CHANNELS], ids=["one channel", "three in, two out"])
def test_a_worked_example_at_its_own_sizes_is_judged_in_its_own_network(spec):
    """yinxiaojian's supplement (conv_blind14): x 3×3, k 2×2 and z 2×2 written out where the spec's layer is 5×5
    with a 3×3 kernel; its entries are judged in a 3×3 convolution by a 2×2 kernel, one map in and one out
    whatever the spec's channels, and its slip (x_22 for x_13 in ∇k_12) is found there."""
    conv = Checker(derive.derive(derive.load_text(spec)))
    found = {c.line: c for c in verify_text(conv, EXAMPLE, "post.md").claims if "own example" in (c.reason or "")}
    verdicts = {line: c.verdict for line, c in found.items()}
    assert sorted(verdicts.values()) == ["ok", "ok", "wrong"], verdicts
    wrong = next(c for c in found.values() if c.verdict == "wrong")
    assert "k_{12}" in wrong.text and "an input of 3×3, a kernel of 2×2" in wrong.reason


@pytest.mark.parametrize("definition", ["$$\\delta_j = \\frac{\\partial L}{\\partial z_j}$$",
                                        "$$\\delta^{in} = \\delta^{out} * W$$"], ids=["set to a derivative", "a side"])
def test_a_numbered_delta_is_the_error_where_the_post_makes_delta_a_layers(conv, definition):
    """ThomasAtlantis's README (conv_blind16): δ_{11}, δ_{12} in ∇a_{12} = δ_{11} w_{12} + δ_{12} w_{11} are the
    error's entries where the post sets δ_j = ∂C/∂z_j or writes δ^{out}; Kronecker's δ has letters."""
    text = EXAMPLE.replace("$$\\delta^l = \\frac{\\partial L}{\\partial z^l}$$", definition)
    _assert_the_example_is_judged(conv, text, definition)


@pytest.mark.parametrize("loss", ["E_{total}", "L_{CE}", "E^{(n)}", "H"])
def test_a_numbered_delta_beside_a_loss_written_with_scripts_or_a_name_of_its_own(conv, loss):
    """Found in review: ∂E_{total}/∂k_{11} = δ_{11} x_{11} + … is a derivative of the loss (any loss's name,
    with scripts or the post's own H), not a Jacobian of the layer's tensors: δ_{11} stays the error's."""
    definition = f"$$\\delta_j = \\frac{{\\partial {loss}}}{{\\partial z_j}}$$"
    text = EXAMPLE.replace("$$\\delta^l = \\frac{\\partial L}{\\partial z^l}$$", definition).replace(
        "\\bigtriangledown{k_{11}}", f"\\frac{{\\partial {loss}}}{{\\partial k_{{11}}}}").replace(
        "\\bigtriangledown{k_{12}}", f"\\frac{{\\partial {loss}}}{{\\partial k_{{12}}}}")
    _assert_the_example_is_judged(conv, text, definition)


def _assert_the_example_is_judged(conv, text, definition):
    found = [c for c in verify_text(conv, text, "post.md").claims if "own example" in (c.reason or "")]
    assert sorted(c.verdict for c in found) == ["ok", "ok", "wrong"]
    kronecker = [c for c in verify_text(conv, text.replace(definition, ""), "post.md").claims
                 if "own example" in (c.reason or "")]
    assert sorted(c.verdict for c in kronecker) != ["ok", "ok", "wrong"]      # no such δ: Kronecker's, not the error


def test_an_example_whose_kernel_the_post_does_not_write_is_not_built(conv):
    text = EXAMPLE.replace(f"*\n{_matrix('k', 2, 2)}\n=\n{_matrix('z', 2, 2)}\n", "")
    assert all("own example" not in (c.reason or "") for c in verify_text(conv, text, "post.md").claims)


@pytest.mark.parametrize("by, verdict", [("z", "ok"), ("x", "wrong")])
def test_a_delta_the_post_defines_sums_over_the_axes_its_definition_indexes(conv, by, verdict):
    """wintertee's notes (conv_blind10): δ_{i,j} = ∂H/∂x_{i,j}, then ∂H/∂b = Σ_i Σ_j δ_{i,j} — the post's own δ, not
    Kronecker's, its unranged sums over the axes of the tensor its definition differentiates by (right with δ by
    the output z, wrong with δ by the input x)."""
    post = (f"$$\\delta _{{i,j}} = \\frac{{\\partial H}}{{\\partial {by}_{{i,j}}}}$$\n\n"
            "$$\\frac{\\partial H}{\\partial b} = \\sum _i\\sum _j\\delta _{i,j}$$\n")
    assert _verdicts(conv, post)[-1] == verdict


LABELLED = r"""
$$z^{l+1}=a^{l}*W^{l+1}+b^{l+1}$$

$$\delta^l=\frac{\partial C}{\partial z^l}$$

"""


@pytest.mark.parametrize("claim, verdict", [
    (r"\frac{\partial C}{\partial W^{l+1}}=a^l*\delta^{l+1}", "ok"),
    (r"\frac{\partial C}{\partial W^{l+1}}=\delta^{l+1}*a^l", "ok"),
    (r"\frac{\partial C}{\partial a^l}=\delta^{l+1}*\text{rot}_{180}(W^{l+1})", "ok"),
    (r"\frac{\partial C}{\partial a^l}=\delta^{l+1}*W^{l+1}", "wrong"),          # the rotation is missing
    (r"\frac{\partial C}{\partial W^{l+1}_{11}}=\sum_{i=1}^{3}\sum_{j=1}^{3} a_{ij}\delta^{l+1}_{ij}", "ok"),
    (r"\frac{\partial C}{\partial W^{l+1}_{11}}=\sum_{i=1}^{3}\sum_{j=1}^{3} a_{ij}\delta^{l+1}_{ji}", "wrong"),
])
def test_a_delta_under_the_outputs_label_is_this_layers_error(conv, claim, verdict):
    found = verify_text(conv, LABELLED + f"$${claim}$$\n", "post.md").claims
    assert [c.verdict for c in found][-1] == verdict, found[-1].reason
    if verdict == "wrong" and "rot" not in claim and "ji" not in claim:
        assert "rotation of the kernel is missing" in found[-1].reason


@pytest.mark.parametrize("claim", [r"\frac{\partial C}{\partial W^{l+1}}=a^l*\delta^{l}",
                                   r"\frac{\partial C}{\partial W^{l+1}_{11}}=\sum_{i=1}^{3}\sum_{j=1}^{3} a_{ij}\delta^{l}_{ij}"])
def test_a_delta_under_another_layers_label_is_not_this_layers_error(conv, claim):
    found = verify_text(conv, LABELLED + f"$${claim}$$\n", "post.md").claims[-1]
    assert found.verdict == "unchecked" and "another layer's" in found.reason


def test_a_delta_with_one_upper_and_one_lower_letter_stays_kroneckers(conv):
    # no δ^l in the post: δ^i_j is Kronecker's, 1 on the diagonal
    assert _verdicts(conv, r"$$\frac{\partial z_{ij}}{\partial z_{ij}} = \delta^i_i$$") == ["ok"]


def test_labels_alone_say_which_delta_is_this_layers(conv):
    # no definition of δ: the forward's output label (z^l) is δ's for this layer; δ^{l-1} another's
    post = "$$z^{l}=a^{l-1}*W^{l}+b^{l}$$\n\n$$a^{l} = \\sigma(z^{l})$$\n\n"
    found = verify_text(conv, post + "$$\\frac{\\partial C}{\\partial W^{l}}=a^{l-1}*\\delta^{l}$$\n\n"
                        "$$\\frac{\\partial C}{\\partial W^{l}}=a^{l-1}*\\delta^{l-1}$$\n", "post.md").claims
    assert [c.verdict for c in found][-2:] == ["ok", "unchecked"]
    assert "another layer's" in found[-1].reason


def test_an_entry_indexed_in_brackets_as_code_writes_it(conv):
    """P[i], δ[n], x[n+k] (pchen's softmax note, faressc's slides): the entry P_i; a bracket of other than
    index letters ([x, h], [h_{t-1}, x_t]), TeX's \\sqrt[n] and Ng's layer W[1] are left as they are."""
    post = ("$$z[i,j] = \\sum_{m=0}^{2}\\sum_{n=0}^{2} w[m,n] x[i+m, j+n] + b$$\n\n"
            "$$\\frac{\\partial E}{\\partial w[m,n]} = \\sum_{i}\\sum_{j} \\frac{\\partial E}{\\partial z[i,j]} x[i+m, j+n]$$\n\n"
            "$$\\frac{\\partial E}{\\partial w[m,n]} = \\sum_{i}\\sum_{j} \\frac{\\partial E}{\\partial z[i,j]} x[i-m, j-n]$$\n")
    assert _verdicts(conv, post) == ["ok", "ok", "wrong"]
    from derive.verify.see_through import see_through
    for kept in ("W[x, h]", "W_f[h_{t-1}, x_t]", "\\sqrt[n]{x}"):
        assert see_through(kept) == kept
    assert see_through("W[1]") == "W^{[1]}" and see_through("dP[j]") == "dP_{j}"


_BOTH = "$$z^{l}=a^{l-1}*W^{l}+b^{l}$$\n\n$$z^{l+1}=a^{l}*W^{l+1}+b^{l+1}$$\n\n" \
        "$$\\delta^l=\\frac{\\partial C}{\\partial z^l}$$\n\n"


@pytest.mark.parametrize("post, verdict", [
    # jefkine's letters (x before the activation, o after): x names the input in derive's table, so its δ says nothing
    ("$$x^l=o^{l-1}*w^l+b^l$$\n\n$$o^l=f(x^l)$$\n\n$$\\delta^l=\\frac{\\partial E}{\\partial x^l}$$\n\n"
     "$$\\frac{\\partial E}{\\partial b^l}=\\sum_i\\sum_j\\delta^l_{ij}$$\n", "ok"),
    # an unlabelled δ the post sets to the input's gradient: no whole tensor of the output's
    ("$$z=x*w+b$$\n\n$$\\delta_{ij}=\\frac{\\partial L}{\\partial x_{ij}}$$\n\n$$\\frac{\\partial L}{\\partial w}=x*\\delta$$\n",
     "unchecked"),
    # the other letters' labels hold in whole tensors too: a^l and W^{l+1} are not this layer's where z^l is
    (_BOTH + "$$\\frac{\\partial C}{\\partial W^{l}}=a^{l}*\\delta^{l}$$\n", "unchecked"),
    (_BOTH + "$$\\frac{\\partial C}{\\partial a^{l-1}}=\\delta^{l}*\\text{rot}_{180}(W^{l+1})$$\n", "unchecked"),
    ("$$z^{(2)}=a^{(1)}*W^{(2)}+b^{(2)}$$\n\n$$\\delta^{(2)}=\\frac{\\partial C}{\\partial z^{(2)}}$$\n\n"
     "$$\\frac{\\partial C}{\\partial W^{(2)}}=a^{(1)}*\\delta^{(2)}$$\n", "unchecked"),    # layer 2 is not the spec's 1
    # Kronecker's δ^i_i beside a δ^l: i labels none of the post's letters
    ("$$z^{l+1}=a^{l}*W^{l+1}+b^{l+1}$$\n\n$$\\delta^l=\\frac{\\partial C}{\\partial z^l}$$\n\n"
     "$$\\frac{\\partial z^{l+1}_{ij}}{\\partial z^{l+1}_{ij}}=\\delta^i_i$$\n", "ok"),
    # δ under one label, without a definition: the output's label is l+1, so δ^l is another layer's
    ("$$z^{l+1}=a^{l}*W^{l+1}+b^{l+1}$$\n\n$$\\frac{\\partial C}{\\partial W^{l+1}}=a^l*\\delta^{l}$$\n", "unchecked"),
    # the definition written the other way round
    ("$$z^{l+1}=a^{l}*W^{l+1}+b^{l+1}$$\n\n$$\\frac{\\partial C}{\\partial z^l}=\\delta^l$$\n\n"
     "$$\\frac{\\partial C}{\\partial a^{l}}=\\delta^{l+1}*W^{l+1}$$\n", "wrong"),
])
def test_what_the_review_of_labelled_deltas_found(conv, post, verdict):
    assert _verdicts(conv, post)[-1] == verdict
