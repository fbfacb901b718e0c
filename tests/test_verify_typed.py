"""derive verify on posts about a conv, pool or normalization layer (issue 14, point 5): the layer's
entries and their derivatives, names read as such posts write them, the classic slips named, and the
real-post corpus (tests/posts/conv/) measured against its truth tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import derive
from derive.errors import DeriveError
from derive.numeric.tensor_values import evaluate_tensor
from derive.verify import Checker, verify_claim, verify_text
from derive.verify.typed.model import LOSS, Point, layer_model, spec_leaves, studied_application

CONV = Path(__file__).parent / "posts" / "conv"
sys.path.insert(0, str(Path(__file__).parent / "posts"))
import measure  # noqa: E402


def _checker(post: str):
    return Checker(derive.derive(derive.load(CONV / post / "spec.toml")))


@pytest.mark.parametrize("post", ["bishwarup307_convnet_backprop", "usmanr149_cs231n_conv_stride_pad",
                                  "kaixih_layer_norm_readme", "akim42003_alexkode_batchnorm_example"])
def test_the_layers_adjoints_equal_the_kernels_gradients(post):
    """dL/dθ by the chain rule over the entries' local definitions = the rows' NumPy kernels."""
    spec = derive.load(CONV / post / "spec.toml")
    model = layer_model(spec)
    point = Point(model, spec_leaves(model))
    graph, values = evaluate_tensor(spec)
    application = studied_application(graph)
    roles = ("kernel", "bias") if model.kind == "conv2d" else ("scale", "shift")
    for node, role in zip(application.inputs[1:], roles):
        found = np.array([point.total(LOSS, e) for e in model.tensors[role].entries()])
        np.testing.assert_allclose(found, values.adjoint[node].ravel(), rtol=1e-12, atol=1e-14)


def test_conv_entries_read_one_and_zero_based():
    checker = _checker("bishwarup307_convnet_backprop")
    right = r"d{W_{11}} = d{Z_{11}}{X_{11}} + d{Z_{12}}{X_{12}} + d{Z_{21}}{X_{21}} + d{Z_{22}}{X_{22}}"
    assert verify_claim(checker, right).claims[0].verdict == "ok"
    swapped = r"d{W_{11}} = d{Z_{11}}{X_{12}} + d{Z_{12}}{X_{11}} + d{Z_{21}}{X_{21}} + d{Z_{22}}{X_{22}}"
    assert verify_claim(checker, swapped).claims[0].verdict == "wrong"
    zero_based = _checker("usmanr149_cs231n_conv_stride_pad")
    assert verify_claim(zero_based, r"\frac{\partial L}{\partial x_{0,0}} = \left(\frac{\partial L}{\partial V}"
                                    r"\right)_{0,0}w_{1,1}").claims[0].verdict == "ok"


def test_a_missing_rotation_is_named():
    report = verify_claim(_checker("bishwarup307_convnet_backprop"), r"d{X_{11}} = {W_{22}}d{Z_{11}}")
    claim, = report.claims
    assert claim.verdict == "wrong"
    assert "rotation of the kernel is missing" in claim.reason


@pytest.mark.parametrize("dropped, said", [
    (r" - \frac{1}{N}\sum_{j}\frac{\partial L}{\partial y_j}", "mean's terms"),
    (r" - \frac{1}{N}\hat{x}_i\sum_{j}\frac{\partial L}{\partial y_j}\hat{x}_j", "variance's terms")])
def test_a_batchnorm_backward_without_its_mean_or_variance_terms_is_named(dropped, said):
    checker = _checker("akim42003_alexkode_batchnorm_example")
    full = (r"\frac{\partial L}{\partial x_i} = \frac{\gamma}{\sqrt{\sigma^2 + \epsilon}}\left(\frac{\partial L}"
            r"{\partial y_i} - \frac{1}{N}\sum_{j}\frac{\partial L}{\partial y_j} - \frac{1}{N}\hat{x}_i\sum_{j}"
            r"\frac{\partial L}{\partial y_j}\hat{x}_j\right)")
    assert verify_claim(checker, full).claims[0].verdict == "ok"
    claim, = verify_claim(checker, full.replace(dropped, "")).claims
    assert claim.verdict == "wrong"
    assert said in claim.reason


def test_normalization_names_as_posts_write_them():
    checker = _checker("kaixih_layer_norm_readme")
    for right in (r"\mu_B = \frac{1}{D}\sum_{i=1}^{D} x_i", r"\hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma_B^2 + \epsilon}}",
                  r"\frac{\partial \sigma^2}{\partial x_i} = \frac{2}{D}(x_i - \mu)",
                  r"\frac{\partial \hat{x}_i}{\partial \mu} = -\frac{1}{\sqrt{\sigma^2 + \epsilon}}"):
        assert verify_claim(checker, right).claims[0].verdict == "ok", right
    for wrong in (r"\hat{x}_i = \frac{x_i - \mu}{\sigma_B^2 + \epsilon}", r"\mu = \frac{1}{D}\sum_{i=0}^{D} x_i"):
        assert verify_claim(checker, wrong).claims[0].verdict == "wrong", wrong


def test_where_a_post_puts_epsilon_is_its_convention():
    """Inside the root, outside it or on σ: formulas are checked with ε = 0, where every placement agrees."""
    checker = _checker("kaixih_layer_norm_readme")
    for placed in (r"\hat{x}_i = \frac{x_i - \mu}{\sigma + \epsilon}", r"\hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}"):
        assert verify_claim(checker, placed).claims[0].verdict == "ok", placed


def test_a_post_defines_its_own_names():
    """Z_i = (X_i - μ)/σ makes Z the normalized input for the rest of the post."""
    text = "$$Z_i = \\frac{X_i - \\mu}{\\sigma}$$\n\n$$Y_i = \\gamma Z_i + \\beta$$\n\n$$Y_i = \\gamma X_i + \\beta$$\n"
    report = verify_text(_checker("juangriffin121_obsidian_layer_norm"), text, "post.md")
    assert [c.verdict for c in report.claims] == ["ok", "ok", "wrong"]


@pytest.mark.parametrize("root, caught", [(CONV, 17), (CONV.parent / "conv_holdout", 20),
                                          (CONV.parent / "conv_blind2", 8),
                                          (CONV.parent / "conv_blind3", 10),
                                          (CONV.parent / "conv_blind4", 5),
                                          (CONV.parent / "conv_blind5", 5),
                                          (CONV.parent / "conv_blind6", 5),
                                          (CONV.parent / "conv_blind7", 4),
                                          (CONV.parent / "conv_blind8", 0),
                                          (CONV.parent / "conv_blind9", 1),
                                          (CONV.parent / "conv_blind10", 3),
                                          (CONV.parent / "conv_blind11", 1),
                                          (CONV.parent / "conv_blind12", 1),
                                          (CONV.parent / "conv_blind13", 0),
                                          (CONV.parent / "conv_blind15", 1),
                                          (CONV.parent / "conv_blind16", 0),
                                          (CONV.parent / "conv_blind17", 0),
                                          (CONV.parent / "conv_blind18", 0),
                                          (CONV.parent / "conv_blind19", 0),
                                          (CONV.parent / "conv_blind20", 0),
                                          (CONV.parent / "conv_blind21", 6),
                                          (CONV.parent / "conv_blind22", 0),
                                          (CONV.parent / "conv_blind23", 0),
                                          (CONV.parent / "conv_blind24", 0),
                                          (CONV.parent / "conv_blind25", 8),
                                          (CONV.parent / "conv_blind26", 0),
                                          (CONV.parent / "conv_blind27", 0),
                                          (CONV.parent / "conv_blind28", 0),
                                          (CONV.parent / "conv_blind29", 0),
                                          (CONV.parent / "conv_blind30", 0),
                                          (CONV.parent / "conv_blind31", 0),
                                          (CONV.parent / "conv_blind33", 0),
                                          (CONV.parent / "conv_blind34", 0),
                                          (CONV.parent / "conv_blind35", 0)],
                         ids=["conv", "holdout", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8",
                              "blind9", "blind10", "blind11", "blind12", "blind13", "blind15", "blind16", "blind17", "blind18",
                              "blind19", "blind20", "blind21", "blind22", "blind23", "blind24", "blind25", "blind26",
                              "blind27", "blind28", "blind29", "blind30", "blind31", "blind33", "blind34", "blind35"])
def test_the_conv_corpora_have_no_false_alarms(root, caught):
    """Measured 2026-12-02 (measure.py --conv, --holdout, --blind2): 17 of 31, 17 of 29 and 6 of 11 real
    errors caught (the second blind set, once read: 5 of 11 and 2 false alarms at first sight);
    then 17, 18 and 8; the third blind set, once read, 10 of 22 (0 of 22 and 2 false alarms at first
    sight); the fourth, 5 of 8 (0 of 8 and 2 false alarms at first sight); the fifth, 5 of 12 (4 of 12 and 8
    false alarms at first sight, 2026-12-03); the sixth, 2 of 15 (2 of 15, 84% unchecked and no false alarm at
    first sight, 2026-12-03), then 5 of 15 once its Typst post was read (2026-12-04); the seventh
    (RMSNorm), 0 of 11, 84% unchecked and no false alarm at first sight, then 4 of 11; the eighth, 0 of 3, 88%
    unchecked and 5 false alarms at first sight (2026-12-04: Python's ** lost, dx1 of dx = dx1 + dx2 + dx3 read
    as an entry, an example at other sizes, a forward equation without the bias), then 0 of 3 and none; the
    ninth, 1 of 10, 85% unchecked and 7 false alarms at first sight (2026-12-04: a section worked at unit stride,
    H^l read as the input's height, m both a count and the mean, x^2 in an index), then 1 of 10 and none; the
    tenth, 0 of 5, 70% unchecked and 5 false alarms at first sight (an average-pooling example at $S=1$ in a
    max-pooling notebook), then 0 of 5 and none; the eleventh, 2 of 12, 87% unchecked and 3 false alarms at first
    sight (2026-12-04: z as a batch norm's output, δ · γ read as ε), then 1 of 12 and none (the second catch had
    read δ as ε); the twelfth, 1 of 2, 46% unchecked and 2 false alarms at first sight (y · ∂L/∂y, a dot product,
    read entry by entry; code's own a and b read as the input and β), then 1 of 2 and none; the thirteenth, 0 of
    6, 100% unchecked and none at first sight (a layer's index written as a subscript, z_i, δ_i); the fifteenth
    (two batch-norm posts), 0 of 8, 92% unchecked and none at first sight (2026-12-04), then 1 of 8 once a row's
    parenthesized reason (&&&& (\\text{Because } …)) was read; the sixteenth (two Chinese conv notes), 0 of 14,
    92% unchecked and 8 false alarms at first sight (2026-12-04, a later session: ∇a_{12} = δ_{11} w_{12} + δ_{12} w_{11} read with
    Kronecker's δ where the post sets δ_j = ∂C/∂z_j and writes δ^{out}), then 0 of 14 and none; the seventeenth
    (stride and pooling slides, a batch-norm post in matrix form), 0 of 15, 100% unchecked and none at first sight;
    once its MathJax 2 <script type="math/tex"> formulas were read, 3 false alarms (BN(y) read as B·N·y, y the
    norm's input where the post writes ŷ = BN(y), a column y_i = Y_{:i} read as an entry), then none; the
    eighteenth (an Arabic conv post), 0 of 3, 98% unchecked and none at first sight, 69% once its rows' struts
    (\\rule{0mm}{7mm}) were read as nothing; the nineteenth (a conv primer in prose and SciPy calls, a C++ test's
    batch-norm comments), 0 of 2, 100% unchecked and none at first sight (2026-12-04, a seventh session); the
    twentieth (a multi-channel conv post in index sums over layers l - 1, l, l + 1), 0 of 2, 100% and none; the
    twenty-first (a notebook's strided multi-channel conv in index sums, 2026-12-05), 0 of 11, 100% and none; the
    twenty-second (nGraph's batch-norm backprop page, x̄ ← y accumulations), 0 of 3, 100% and none; the
    twenty-third (a Jekyll post's multi-channel conv with NumPy code), 0 of 2, 100% and none. The twenty-first, once
    its entries written as calls (Y(i, j, k_in)) and channel-last were read: 5 of 11, 70% and none; the
    twenty-fourth (a student's answers on a strided 1-D convolution), 0 of 1, 100% and none; the twenty-fifth (a
    Jekyll batch-norm backward post), 7 of 8, 44% and none at first sight, 8 of 8 and 4% once its \\Sigma^m_{i=1}
    sums were read (2026-12-05, a later session). Made that session and measured before verify was changed for them:
    the twenty-sixth (a Chinese MathType note on conv and pooling), 0 of 15, 97% and 1 false alarm (a sum that ends a
    braced group, \\sum\\limits_i {\\sum\\limits_j {…}} …, cut short); the twenty-seventh (an RMSNorm post, no slip), 39%
    and 3 false alarms (its h = dy ⊙ γ, said in prose, read as the input); the twenty-eighth (Victor Zhou's CNN
    training post), 0 of 1, 100% and none; the twenty-ninth (a LaTeX book's CNN chapter), 0 of 14, 100% and none; the
    thirtieth (Chinese RMSNorm paper notes in codecogs images), 0 of 1, 100% and none. Made and measured so on
    2026-12-05 (a tenth session): the thirty-first (Chinese notes on the batch-norm paper), 0 of 1, 26% and none; the
    thirty-second (a Jekyll CNN primer with a conv class), 0 of 7, 89% and 2 false alarms (below:
    test_the_thirty_second_set_differs_from_its_truth_only_on_its_examples_sums); the thirty-third (a built Hexo page's layer-norm gradient, no slip), 50% and none, then 8% once a font around a
    scripted name (\mathcal{y_i}) was read; the thirty-fourth (a Korean notebook's input gradient at stride and
    padding, no slip), 97% and none (77% once k \\times s in an index and p the padding were read); the
    thirty-fifth (a Vietnamese worked example of a 2-tap convolution's training step), 0 of 2, 77% and none."""
    scores = [measure.score(folder) for folder in measure.posts(root)]
    assert [(sc.post, line) for sc in scores for line in sc.false_alarms] == []
    assert sum(sc.caught for sc in scores) >= caught


def test_the_thirty_second_set_differs_from_its_truth_only_on_its_examples_sums():
    """conv_blind32 (RicoJia's CNN primer) sums a kernel entry's gradient over y_{11} … y_{22}, the 2×2 output of
    an example whose sizes the post never states (its truth takes the smallest input its entries fit, 4×4); its
    spec is the post's network, whose output is 6×6. Read there, the two sums leave out terms, and verify calls
    them wrong: a sum over part of the output is the slip of a post that works at the layer's own sizes (the
    review of 2026-12-05 showed a rule excusing such sums hid real slips), so these two stay false alarms."""
    root = CONV.parent / "conv_blind32"
    scores = [measure.score(folder) for folder in measure.posts(root)]
    assert [(sc.post, line) for sc in scores for line in sc.false_alarms] == \
        [("ricojia_cnn_basics_backprop", 163), ("ricojia_cnn_basics_backprop", 165)]


def test_a_typed_spec_without_numbers_is_refused_in_one_line():
    with pytest.raises(DeriveError, match="layer form only"):
        Checker(derive.derive(derive.load("lenet_like")))


def test_the_cli_checks_a_typed_post(tmp_path):
    post = tmp_path / "post.md"
    post.write_text("$$d{X_{11}} = {W_{22}}d{Z_{11}}$$\n\n$$d{X_{12}} = {W_{12}}d{Z_{11}} + {W_{11}}d{Z_{12}}$$\n")
    done = subprocess.run([sys.executable, "-m", "derive", "verify", str(CONV / "bishwarup307_convnet_backprop" /
                                                                         "spec.toml"), str(post)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "rotation of the kernel is missing" in done.stdout
    assert "1 right, 1 wrong" in done.stdout


def _text(checker, text: str) -> list[tuple[int, str]]:
    return [(c.line, c.verdict) for c in verify_text(checker, text, "post.md").claims]


def test_the_posts_forward_says_what_its_star_is():
    """Z = X * W makes * a cross-correlation; then dX = dZ * W lacks the rotation, and with rot180 holds."""
    checker = _checker("bishwarup307_convnet_backprop")
    report = verify_text(checker, "$$Z = X * W$$\n\n$$dX = dZ * W$$\n\n$$dX = rot\\_180(W) \\otimes dZ$$\n\n"
                                  "$$dW = X * dZ$$\n", "post.md")
    assert [c.verdict for c in report.claims] == ["ok", "wrong", "ok", "ok"]
    assert "rotation of the kernel is missing" in report.claims[1].reason
    alone, = verify_claim(checker, r"dX = dZ \ast W").claims          # no forward: * could be either
    assert alone.verdict == "unchecked" and "does not say which" in alone.reason


def test_a_missing_stride_dilation_is_named():
    checker = _checker("usmanr149_cs231n_conv_stride_pad")              # stride 2, padding 1
    report = verify_text(checker, "$$V = x * w + b$$\n\n$$dx = dV * rot_{180}(w)$$\n", "post.md")
    assert [c.verdict for c in report.claims] == ["ok", "wrong"]
    assert "stride dilation is missing" in report.claims[1].reason


@pytest.mark.parametrize("claim, verdict", [
    (r"z_{i,j} = \sum_{m}\sum_{n} x_{2i+m-1,2j+n-1} w_{m,n} + b", "ok"),            # padding 1 as a shift
    (r"z_{i,j} = \sum_{m}\sum_{n} x_{S*i+m-P,S*j+n-P} w_{m,n} + b", "ok"),           # CS231n's S and P
    (r"z_{i,j} = \sum_{m}\sum_{n} x_{i+m,j+n} w_{m,n} + b", "wrong"),                # the stride dropped
    (r"\frac{\partial L}{\partial w_{m,n}} = \sum_{i}\sum_{j} \frac{\partial L}{\partial z_{i,j}} x_{2i+m-1,2j+n-1}",
     "ok")])
def test_indices_written_as_sums(claim, verdict):
    """An entry past the image's edge is the padding's 0; Σ without a range runs over its axis."""
    checker = _checker("usmanr149_cs231n_conv_stride_pad")
    text = f"$$x_{{0,0}} = x_{{0,0}}$$\n\n$${claim}$$\n"                # x_{0,0}: the post counts from 0
    assert _text(checker, text)[-1][1] == verdict


def test_max_pool_claims_are_about_the_posts_own_numbers():
    checker = _checker("microsoftdocs_directml_maxpool_grad")       # input [[1,2,3],[2,4,2],[5,6,7]]
    text = ("$$y_{00} = \\max(x_{00}, x_{01}, x_{10}, x_{11})$$\n\n$$y_{11} = 7$$\n\n$$y_{11} = 8$$\n\n"
            "$$\\frac{\\partial L}{\\partial x_{11}} = \\frac{\\partial L}{\\partial y_{00}} + "
            "\\frac{\\partial L}{\\partial y_{01}}$$\n\n$$\\frac{\\partial L}{\\partial x_{00}} = 0$$\n")
    assert [v for _, v in _text(checker, text)] == ["ok", "ok", "wrong", "ok", "ok"]


def test_an_index_the_left_side_lacks_is_a_missing_sum_unless_the_post_declares_einstein():
    checker = _checker("akim42003_alexkode_batchnorm_example")
    claim = "$$\\frac{\\partial L}{\\partial \\beta} = \\frac{\\partial L}{\\partial y_i}$$\n"
    wrong, = verify_text(checker, claim, "post.md").claims
    assert wrong.verdict == "wrong" and "the sum over i is missing" in wrong.reason
    declared = "Repeated indices are summed (Einstein's convention).\n\n" + claim
    assert [c.verdict for c in verify_text(checker, declared, "post.md").claims] == ["ok"]


def test_layer_norms_gamma_gradient_sums_over_the_samples():
    """The statistics run over D; Σ_{i=1}^{N} runs over the samples, as does dy x̂ left unsummed."""
    checker = _checker("kaixih_layer_norm_readme")                  # 3 samples of 4 features
    text = ("$$\\mu = \\frac{1}{D}\\sum_{i=1}^{D}x_i$$\n\n"
            "$$d\\gamma = \\sum_{i=1}^{N} dy \\cdot \\hat{x}$$\n\n$$d\\gamma = dy \\cdot \\hat{x}$$\n\n"
            "$$d\\beta = \\sum_{i=1}^{N} dy$$\n\n$$d\\beta = \\sum_{i=1}^{N} dy \\cdot \\hat{x}$$\n")
    assert [v for _, v in _text(checker, text)] == ["ok", "ok", "ok", "ok", "wrong"]


def test_a_wrong_written_out_matrix_is_reported_at_its_wrong_row():
    checker = _checker("usmanr149_cs231n_conv_stride_pad")
    text = ("$$\n\\begin{align}\n\\frac{\\partial L}{\\partial x_{0,0}} &= \\frac{\\partial L}{\\partial V}"
            "\\frac{\\partial V}{\\partial x_{0,0} } \\nonumber \\\\\n&=\n\\frac{\\partial L}{\\partial V} \\cdot\n"
            "\\begin{pmatrix}\nw_{1,1} & 0 & 0 \\\\\n0 & w_{0,0} & 0 \\\\\n0 & 0 & 0\n\\end{pmatrix}\n"
            "\\end{align}\n$$\n")
    claims = verify_text(checker, text, "post.md").claims
    wrong = [c for c in claims if c.verdict == "wrong"]
    assert [c.line for c in wrong] == [8] and "row 2 is wrong" in wrong[0].reason


def test_a_name_the_post_gives_an_expression_reads_as_it():
    checker = _checker("usmanr149_cs231n_batchnorm_layernorm")
    text = ("$$v_0 = 2\\sigma_0^2$$\n\n$$\\hat{x}_{1,0} = \\frac{x_{1,0} - \\mu_0}{\\sqrt{v_0 / 2}}$$\n\n"
            "$$\\hat{x}_{1,0} = \\frac{x_{1,0} - \\mu_0}{v_0}$$\n")
    assert [v for _, v in _text(checker, text)] == ["ok", "wrong"]


def test_a_loss_read_straight_from_a_typed_layer_derives(tmp_path):
    """conv2d -> flatten -> half_sse with no activation between: the index level's loss row gives dE/da
    itself (derive ended in a TypeError before), and the document's gradients are the kernels'."""
    result = derive.derive(derive.load(CONV / "bishwarup307_convnet_backprop" / "spec.toml"))
    text = derive.render(result, "markdown")
    assert r"\frac{\partial L}{\partial f^{[2]}_{k}}" in text
    graph, values = evaluate_tensor(result.spec)
    assert np.isfinite(values.loss)


def test_a_derivative_operator_applies_to_what_follows_it():
    checker = _checker("usmanr149_cs231n_conv_stride_pad")
    text = ("$$x_{0,0} = x_{0,0}$$\n\n$$\\frac{\\partial V_{1,1}}{\\partial w_{1,1}} = \\frac{\\partial}{\\partial w_{1,1}}"
            "\\left(\\sum_{m}\\sum_{n} x_{2+m-1,2+n-1} w_{m,n} + b\\right) = x_{2,2}$$\n\n"
            "$$\\frac{\\partial V_{1,1}}{\\partial w_{1,1}} = \\frac{\\partial}{\\partial w_{1,1}} x_{2,2} w_{0,0}$$\n")
    assert [v for _, v in _text(checker, text)][1:] == ["ok", "wrong"]


def test_a_letter_the_posts_sums_run_up_to_counts_the_axis():
    """Σ_r^n and 1/n with n defined nowhere else: n is the size of the axis summed over."""
    checker = _checker("kaixih_layer_norm_readme")
    text = ("$$\\mu = \\frac{1}{n}\\sum_r^n x_r$$\n\n$$\\frac{\\partial \\mu}{\\partial x_i} = \\frac{1}{n}$$\n\n"
            "$$\\frac{\\partial \\mu}{\\partial x_i} = \\frac{2}{n}$$\n")
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims] == ["ok", "ok", "wrong"]


def test_a_definition_that_fits_with_one_more_name_read_anew_binds_both():
    """Z = a(X - μ)/(σ + ε) + b, where a and X would both be the input: a is the post's scale (and Z
    its output) for the rest of the post; no role is given twice (X as the mean would make it vanish)."""
    checker = _checker("kaixih_layer_norm_readme")
    text = ("$$Z = a\\frac{X-\\mu}{\\sigma+\\epsilon} + b$$\n\n"
            "$$\\frac{\\partial Z_k}{\\partial b} = 1$$\n\n$$\\frac{\\partial Z_k}{\\partial a} = \\frac{x_k - \\mu}{\\sigma}$$\n\n"
            "$$\\frac{\\partial Z_k}{\\partial a} = x_k - \\mu$$\n")
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims] == ["ok", "ok", "ok", "wrong"]


def test_a_name_with_two_meanings_in_a_post_holds_under_either():
    """Z the output at one line, z the normalized input at the next: a claim about z as the output holds,
    one wrong under both readings is still wrong."""
    checker = _checker("kaixih_layer_norm_readme")
    text = ("$$Z = \\gamma\\frac{X-\\mu}{\\sigma} + \\beta$$\n\n$$z_1 = \\frac{x_1-\\mu}{\\sigma}$$\n\n"
            "$$\\frac{\\partial z_k}{\\partial \\beta} = 1$$\n\n$$\\frac{\\partial z_k}{\\partial \\beta} = 2$$\n")
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims] == ["ok", "ok", "ok", "wrong"]


def test_a_convolution_of_matrices_written_entry_by_entry():
    """[w_11 …] = [x_11 …] * [∂L/∂y_11 …]: each matrix read entry by entry at the point; the kernel's
    matrix with the input's in its place is wrong; a 1×1 result is the number on the other side."""
    checker = Checker(derive.derive(derive.load(CONV.parent / "conv_blind2" / "pikazlou_conv_backprop_notebook"
                                                / "spec.toml")))
    x = r"\begin{vmatrix} x_{11} & x_{12} & x_{13}\\ x_{21} & x_{22} & x_{23}\\ x_{31} & x_{32} & x_{33} \end{vmatrix}"
    dy = (r"\begin{vmatrix} \frac{\partial L}{\partial y_{11}} & \frac{\partial L}{\partial y_{12}}\\ "
          r"\frac{\partial L}{\partial y_{21}} & \frac{\partial L}{\partial y_{22}} \end{vmatrix}")
    dw = (r"\begin{vmatrix} \frac{\partial L}{\partial w_{11}} & \frac{\partial L}{\partial w_{12}}\\ "
          r"\frac{\partial L}{\partial w_{21}} & \frac{\partial L}{\partial w_{22}} \end{vmatrix}")
    w = r"\begin{vmatrix} w_{11} & w_{12}\\ w_{21} & w_{22} \end{vmatrix}"
    ones = r"\begin{vmatrix} 1 & 1\\ 1 & 1 \end{vmatrix}"
    claims = [r"X * W + b = Y", f"{dw} = {x} * {dy}", f"{w} = {x} * {dy}",
              rf"\frac{{\partial L}}{{\partial b}} = {dy} * {ones}"]      # the forward says what * is
    report = verify_text(checker, "".join(f"$${claim}$$\n\n" for claim in claims), "post.md")
    assert [c.verdict for c in report.claims] == ["ok", "ok", "wrong", "ok"]


def test_settings_and_renamings_are_not_claims():
    """w = b = 1 (a case the post considers) and x_1 = x - x̄ (a name for an expression of x) claim nothing;
    σ = √(qᵀq) over the post's own q is the post's σ, not the table's."""
    checker = _checker("kaixih_layer_norm_readme")
    text = ("When they are not used, $w = b = \\mathbf{1}$ and $y = 0$, and $x_1 = x - \\bar{x}$.\n\n"
            "$$q = x - \\mu$$\n\n$$\\sigma = \\sqrt{q^\\top q}$$\n\n$$r = q / \\sigma$$\n")
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims
            if c.verdict in ("ok", "wrong")] == []


def test_a_derivative_by_a_staged_graphs_node_written_as_its_expression():
    """∂C/∂(γx̂_i): the node γx̂_i of a staged batchnorm graph, read where the layer's definitions hold it;
    ∂(γx_i + β)/∂(γx̂_i) (x for x̂, a post's slip) is 0, not 1."""
    checker = _checker("akim42003_alexkode_batchnorm_example")
    text = ("$$\\frac{\\partial C}{\\partial \\gamma \\hat{x}_i} = \\frac{\\partial C}{\\partial y_i}$$\n\n"
            "$$\\frac{\\partial y_i}{\\partial \\gamma \\hat{x}_i} = 1$$\n\n"
            "$$\\frac{\\partial C}{\\partial \\gamma} = \\sum_{i=1}^{m} \\frac{\\partial C}{\\partial \\gamma \\hat{x}_i} \\hat{x}_i$$\n\n"
            "$$\\frac{\\partial (\\gamma x_i + \\beta)}{\\partial \\gamma \\hat{x}_i} = 1$$\n")
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims] == ["ok", "ok", "ok", "wrong"]


def test_ones_vectors_and_indicators():
    """\\mathbf{1}_b is the vector of ones (its index contracted, a sum over b); 1_{i=j} and \\mathbf 1_{i=j}
    are 1 where the indices are equal; a name defined as a whole vector (q = x - μ) reads at q_i as its entry."""
    checker = _checker("kaixih_layer_norm_readme")
    text = ("$$q = x - \\mu$$\n\n$$\\frac{\\partial q_i}{\\partial x_j} = 1_{i=j} - \\frac{1}{N}$$\n\n"
            "$$\\frac{\\partial q_i}{\\partial x_j} = \\mathbf 1_{i=j}$$\n\n"
            "$$\\frac{\\partial L}{\\partial \\beta_{q}} = \\frac{\\partial L}{\\partial y_{b q}} \\mathbf{1}_{b}$$\n\n"
            "$$\\frac{\\partial L}{\\partial \\beta_{q}} = \\frac{\\partial L}{\\partial y_{b q}}$$\n")
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims] == ["ok", "wrong", "ok", "wrong"]


BLIND3 = CONV.parent / "conv_blind3"


def test_a_batchnorm_post_in_another_index_order_and_markup():
    """x_{c,i} with μ_c and w_c: c the feature, i the sample, N_i the samples' count; MathType's
    \\mathop \\sum \\limits, braced operands of ∂, e^{-y}, {\\rm i}; z = σ(y) names the post's own z;
    ∂y/∂x beside ∂L/∂μ and ∂L/∂σ² holds μ and σ²; Σ_{k≠i} leaves i out; a row "for k ≠ i" is
    checked where k ≠ i; HTML indented after a blank line, and a display that goes on in the next
    <p>, are read as the post's readers see them."""
    checker = Checker(derive.derive(derive.load(BLIND3 / "coolgpu_batchnorm_sigmoid_mse" / "spec.toml")))
    text = r"""<p>\({\mu _c} = \frac{1}{ {N_i} }\mathop \sum \limits_{i = 1}^{ {N_i} } {x_{c,i} }\)</p>

<p>\({y_{c,i} } = {w_c}\frac{ {x_{c,i} } - {\mu _c} }{\sqrt {\sigma _c^2} } + {\beta _c}\)</p>

<p>\({z_{c,i} } = \frac{1}{1 + {e^{ - {y_{c,i} } } } }\)</p>

<p>\(\frac{ {\partial {z_{c,i} } } }{ {\partial {y_{c,i} } } } = {z_{c,i} }(1 - {z_{c,i} })\)</p>

<p>\(\frac{ {\partial L} }{ {\partial {\mu _c} } } = - \frac{ {w_c} }{\sqrt {\sigma _c^2} }\mathop \sum \limits_{k = 1}^{ {N_i} } \frac{ {\partial L} }{ {\partial {y_{c,k} } } }\)</p>

<p>\(\frac{ {\partial L} }{ {\partial \sigma _c^2} } = \frac{ {\partial L} }{ {\partial \sigma _c^2} }\)</p>

<p>\(\frac{ {\partial {y_{c,i} } } }{ {\partial {x_{c,i} } } } = \frac{ {w_c} }{\sqrt {\sigma _c^2} }\)</p>

<p>For \(k \ne i\), we have</p>

		<p><span> \(\frac{ {\partial {y_{c,k} } } }{ {\partial {x_{c,i} } } } = - {w_c}\frac{ {\sigma _c^2 + ( {x_{c,i} } - {\mu _c} )( {x_{c,k} } - {\mu _c} )} }{ { {N_i}{ {\sqrt {\sigma _c^2} }^3} } }\)</span></p>

		<p><span> \( = - {w_c}\frac{ {\sigma _c^2 + ( {x_{c,i} } - {\mu _c} )( {x_{c,i} } - {\mu _c} )} }{ { {N_i}{ {\sqrt {\sigma _c^2} }^3} } }\)</span></p>

<p>\(\frac{ {\partial L} }{ {\partial {x_{c,i} } } } = \frac{ {\partial L} }{ {\partial {y_{c,i} } } }\frac{ {\partial {y_{c,i} } } }{ {\partial {x_{c,i} } } } + \mathop \sum \limits_{k \ne {\rm{i} } } \frac{ {\partial L} }{ {\partial {y_{c,k} } } }\frac{ {\partial {y_{c,k} } } }{ {\partial {x_{c,i} } } }\)</p>
"""
    found = [(c.line, c.verdict) for c in verify_text(checker, text, "post.md").claims if c.verdict != "unchecked"]
    assert found == [(1, "ok"), (3, "ok"), (7, "ok"), (9, "ok"), (11, "ok"), (13, "ok"), (17, "ok"), (19, "wrong"),
                     (21, "ok")], found


def test_a_conv_posts_sizes_primes_padding_and_index_ranges():
    """From CS231n-style notes: H = W = 5 and S = 2 against the layer (S = 3 wrong); primed letters
    (f', c'); Σ_{n,f,k,l} over each letter's axis; x^{pad}; ∂\\mathcal{L}; kS as k times the stride;
    a sum p = 0..HH over a kernel of HH rows (one too many) is wrong; x set to a 3×3 matrix of w's is
    wrong, to a 3×3 of its own entries (the post's example at other sizes) unread; p_m (where a window's
    max is) is not read."""
    checker = Checker(derive.derive(derive.load(BLIND3 / "cthorey_cs231n_conv_layer" / "spec.toml")))
    claims = [
        (r"H=W=5", "ok"), (r"S=3", "wrong"),
        (r"\frac{\partial \mathcal{L}}{\partial b_{f'}} = \sum_{n,k,l} \frac{\partial \mathcal{L}}{\partial y_{n,f',k,l}}",
         "ok"),
        (r"y_{n,f,k,l} = \sum_c\sum_{p=0}^{HH-1}\sum_{q=0}^{WW-1} w_{f,c,p,q} x^{pad}_{n,c,kS+p,lS+q} + b_f", "ok"),
        (r"y_{n,f,k,l} = \sum_c\sum_{p=0}^{HH}\sum_{q=0}^{WW} w_{f,c,p,q} x^{pad}_{n,c,kS+p,lS+q} + b_f", "wrong"),
        (r"x = \begin{pmatrix} w_{00} & w_{01} & w_{02} \\ w_{10} & w_{11} & w_{12} \\ w_{20} & w_{21} & w_{22} "
         r"\end{pmatrix}", "wrong"),
        (r"y_{n,f,k,l} = x_{n,f,p_m,q_m}", "unchecked"),
        # x's own entries at other sizes than the spec's (a post's example): not read, never wrong
        (r"x = \begin{pmatrix} x_{00} & x_{01} & x_{02} \\ x_{10} & x_{11} & x_{12} \\ x_{20} & x_{21} & x_{22} "
         r"\end{pmatrix}", "unchecked"),
    ]
    report = verify_text(checker, "".join(f"$${claim}$$\n\n" for claim, _ in claims), "post.md")
    assert [c.verdict for c in report.claims] == [verdict for _, verdict in claims], \
        [(c.verdict, c.reason) for c in report.claims]


def test_a_post_that_calls_its_image_w_and_its_kernel_x():
    """y_{12} = w_{12}x_{11} + w_{13}x_{12} + …: w's indices move with the output's, so w is the image and x
    the kernel, for the post; {y}_{11} is y_{11}; two claims side by side (\\quad) are two; y = 9 about an
    output of several entries does not say which."""
    checker = Checker(derive.derive(derive.load(CONV.parent / "conv_blind4" / "wafflesheep_cnn_conv_maxpool"
                                                / "spec.toml")))
    text = (r"$$\begin{bmatrix} {y}_{11} & {y}_{12}\\ {y}_{21} & {y}_{22} \end{bmatrix} = \begin{bmatrix} "
            r"{w}_{11}{x}_{11}+{w}_{12}{x}_{12}+{w}_{21}{x}_{21}+{w}_{22}{x}_{22} & "
            r"{w}_{12}{x}_{11}+{w}_{13}{x}_{12}+{w}_{22}{x}_{21}+{w}_{23}{x}_{22}\\ "
            r"{w}_{21}{x}_{11}+{w}_{22}{x}_{12}+{w}_{31}{x}_{21}+{w}_{32}{x}_{22} & "
            r"{w}_{22}{x}_{11}+{w}_{23}{x}_{12}+{w}_{32}{x}_{21}+{w}_{33}{x}_{22} \end{bmatrix}$$" "\n\n"
            r"$$\frac{\partial {y}_{12}}{\partial {x}_{11}} = {w}_{12} \quad "
            r"\frac{\partial {y}_{12}}{\partial {x}_{11}} = {w}_{11}$$" "\n\n"
            r"$$y = 9$$" "\n")
    report = verify_text(checker, text, "post.md")
    assert [c.verdict for c in report.claims][-3:] == ["ok", "wrong", "unchecked"], \
        [(c.line, c.verdict, c.reason) for c in report.claims]


def test_a_count_the_post_never_sums_up_to_is_the_statistics_count_by_another_name():
    """μ = (1/m) Σ_{i=1}^m x_i, then 2(x_i - μ)/N: N is m again (no sum of the post runs up to N); where a
    sum runs up to N over the other axis (layer norm's samples), it counts that axis."""
    checker = Checker(derive.derive(derive.load(CONV.parent / "conv_blind4" / "saikrishnaponnam_batch_norm"
                                                / "spec.toml")))
    text = ("$$\\mu = \\frac{1}{m}\\sum_{i=1}^m x_i$$\n\n"
            "$$\\frac{\\partial \\sigma^2}{\\partial x_i} = \\frac{2}{N} (x_i - \\mu)$$\n\n"
            "$$\\frac{\\partial \\sigma^2}{\\partial x_i} = \\frac{1}{N} (x_i - \\mu)$$\n")
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims] == ["ok", "ok", "wrong"]


BLIND5 = CONV.parent / "conv_blind5"


def test_a_matrix_of_ones_before_the_input_sums_over_the_batch():
    """R = X - μ = X - (1/N) 1 X, 1 the N×N matrix of ones (chrisyeh96): 1 X is the batch's sum at every
    entry, not X; X - 1 X/N with 2N is wrong; so is X 1/N (ones on the features' side: row sums, or X itself
    read in one feature's column)."""
    checker = Checker(derive.derive(derive.load(BLIND5 / "chrisyeh96_batchnorm_backprop" / "spec.toml")))
    text = ("$$ X - \\mu = X - \\frac{1}{N} \\mathbf{1} X $$\n\n$$ X - \\mu = X - \\frac{1}{2N} \\mathbf{1} X $$\n\n"
            "$$ X - \\mu = X - \\frac{1}{N} X \\mathbf{1} $$\n")
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims] == ["ok", "wrong", "wrong"]


def test_one_letter_under_two_layers_labels_is_not_read_as_one_tensor():
    """x^l = Σ w^l o^{l-1} + b^l, then o^l = f(x^l) (jefkine): o^{l-1} is the layer's input, o^l the next
    activation; neither is read as the tensor the letter o names alone (a false alarm once)."""
    checker = Checker(derive.derive(derive.load(BLIND5 / "jefkine_deepgrid_cnn_backprop" / "spec.toml")))
    text = ("$$ x_{i,j}^l = \\sum_{m} \\sum_{n} w_{m,n}^l o_{i+m,j+n}^{l-1} + b^l $$\n\n"
            "$$ o_{i,j}^l = f(x_{i,j}^l) $$\n")
    claims = verify_text(checker, text, "post.md").claims
    assert [c.verdict for c in claims] == ["unchecked", "unchecked"], [(c.verdict, c.reason) for c in claims]
    assert "layers l, l-1" in claims[0].reason


def test_a_letter_the_post_sets_to_a_function_it_names_is_no_longer_the_tables():
    """h = LN(y) (pristressia): h is the layer norm's output for this post, though the table reads h as an
    input; ∂L/∂h is then not read (it was, as the input's gradient: a false alarm); h = ReLU(x) keeps h."""
    checker = Checker(derive.derive(derive.load(BLIND5 / "pristressia_layernorm_notebook_th" / "spec.toml")))
    claim = "$$ d\\beta = \\sum_{batch} \\frac{\\partial L}{\\partial h} $$\n"
    assert [c.verdict for c in verify_text(checker, "$$ h = LN(y) $$\n\n" + claim, "post.md").claims][-1] == \
        "unchecked"
    assert [c.verdict for c in verify_text(checker, claim, "post.md").claims] == ["wrong"]


def test_the_fourteenth_blind_set_raises_no_false_alarm():
    """conv_blind14, measured at first sight on 2026-12-04: 3 of 13 real errors caught, 88% unchecked and 8 false
    alarms (δ_i^{(l)} read as Kronecker's δ_{il}, a quoted example at other sizes, a bias set to 0 for an example);
    then 4 of 13 and one disagreement: hhk7734's line 35 writes its example kernel and its flip on one display
    broken after \\quad (K' = [9 … 1] \\quad, then K = [1 … 9]), and the matrix's own row ends hid the relation
    before the \\quad, so the two were read as one chain. None since (a later session of 2026-12-04)."""
    scores = [measure.score(folder) for folder in measure.posts(CONV.parent / "conv_blind14")]
    assert [alarm for sc in scores for alarm in sc.false_alarms] == []
    assert sum(sc.caught for sc in scores) >= 4
