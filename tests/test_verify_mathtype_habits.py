"""Habits of the conv and normalization posts of 2026-12-05's blind sets, each a false alarm or unread at first
sight: MathType's \\sum\\limits_{i} {\\sum\\limits_{j} {a_{ij}}} b_{ij} (braces the page never shows: the sum runs on)
and its \\eqalign{… \\cr …} rows (conv_blind26); y = max{0, x} in a conv post that takes each block from x to y, an
activation layer's formula (conv_blind11, read once \\{ … \\} groups); x^{\\text{norm}} = γ x̂ + β, a word above a
name that labels it, not a power (conv_blind15); and an RMSNorm post's h = dy ⊙ γ, said only in prose, which is
not a second name for the input x (conv_blind27)."""

from __future__ import annotations

import derive
from derive.verify import Checker, verify_text
from derive.verify import syntax as s
from derive.verify.reader import read
from derive.verify.rows import split_rows

CONV = """
title = "a 4x4 map, one 2x2 filter"
[input]
shape = [1, 4, 4]
values = [[[[0.4, -0.7, 0.2, 0.9], [1.1, 0.3, -0.5, 0.6], [-0.3, 0.6, 0.7, -0.9], [0.5, -0.2, 0.3, 0.2]]]]
[[layers]]
type = "conv2d"
out_channels = 1
kernel = 2
weights = [[[[0.5, -1.0], [0.25, 0.75]]]]
bias = [0.1]
activation = "linear"
[[layers]]
type = "flatten"
[target]
values = [[0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]]
[loss]
function = "half_sse"
[training]
learning_rate = 0.1
"""

NORM = """
title = "a batch norm"
[input]
shape = [3]
values = [[1.1, -0.9, 0.4], [-0.3, 1.6, 2.2], [0.8, 0.2, -1.5], [2.0, -1.2, 0.7]]
[[layers]]
type = "{kind}"
epsilon = 1e-5
gamma = [0.8, 1.5, -0.6]
{beta}
[target]
values = [[1.0, -0.5, 0.5], [-0.5, 1.5, 1.0], [0.5, 0.0, -1.0], [1.5, -1.0, 0.0]]
[loss]
function = "half_sse"
reduction = "sum"
[training]
learning_rate = 0.1
"""


def _verdicts(spec_text: str, post: str, tmp_path) -> list[tuple[int, str]]:
    spec = tmp_path / "spec.toml"
    spec.write_text(spec_text)
    checker = Checker(derive.derive(derive.load(spec)))
    return [(claim.line, claim.verdict) for claim in verify_text(checker, post, "post.md").claims]


def test_a_sum_that_ends_a_braced_group_runs_on_over_what_follows(tmp_path):
    right = (r"$$\frac{\partial E}{\partial w_{m,n}} = \sum\limits_{i = 0}^{2} {\sum\limits_{j = 0}^{2} "
             r"{\frac{{\partial E}}{{\partial z_{i,j}}}} } \frac{{\partial z_{i,j}}}{{\partial w_{m,n}}}$$")
    slipped = right.replace(r"\partial z_{i,j}}}{{\partial w_{m,n}}}", r"\partial z_{i,j}}}{{\partial w_{m,n}}} x_{i,j}")
    times = (r"$$\frac{\partial E}{\partial w_{m,n}} = \sum\limits_{i = 0}^{2} {\sum\limits_{j = 0}^{2} "
             r"{\frac{{\partial E}}{{\partial z_{i,j}}}} } \times x_{i+m,j+n}$$")
    post = "\n\n".join([right, slipped, times])
    assert _verdicts(CONV, post, tmp_path) == [(1, "ok"), (3, "wrong"), (5, "ok")]


def test_a_braced_sum_last_in_a_product_runs_on_too():
    """½ {Σ_t 2δ_t} h_{t-1}ᵀ: the group after a factor (review: only a leading group ran on)."""
    product = read(r"a = \frac{1}{2} {\sum_t 2 d_t} h_t")[0].chain.sides[1]
    assert isinstance(product, s.Juxt) and isinstance(product.items[-1], s.BigSum)
    assert s.Sym("h") in {getattr(node, "base", None) for node in s.nodes(product.items[-1].body)}


def test_plain_tex_eqalign_rows_are_claims_at_their_own_lines(tmp_path):
    rows = split_rows("\\eqalign{\n  a &= b \\cr \n  c &= d \\cr} ")
    assert [row.strip() for _, row in rows] == ["a &= b", "c &= d"]
    post = ("$$\\eqalign{\n"
            "  \\frac{\\partial E}{\\partial b} = & \\sum\\limits_{i = 0}^{2} {\\sum\\limits_{j = 0}^{2} "
            "{\\frac{\\partial E}{\\partial z_{i,j}}}} \\cr\n"
            "  \\frac{\\partial E}{\\partial b} = & \\frac{\\partial E}{\\partial z_{0,0}} \\cr} $$")
    assert _verdicts(CONV, post, tmp_path) == [(2, "ok"), (3, "wrong")]


def test_an_activation_of_the_inputs_own_entries_is_another_layers_formula(tmp_path):
    post = "\n\n".join([r"$$y_{ij} = \max\{0, x_{ij}\}$$", r"$$y_{ij} = \max(0, x_{ij})$$",
                        r"$$y_{ij} = \sum_{m=0}^{1} \sum_{n=0}^{1} w_{mn} x_{i+m,j+n} + b$$"])
    assert _verdicts(CONV, post, tmp_path) == [(1, "unchecked"), (3, "unchecked"), (5, "ok")]


def test_a_word_above_a_name_labels_it_and_norm_with_gamma_and_beta_is_the_output(tmp_path):
    spec = NORM.format(kind="batch_norm", beta="beta = [0.2, 0.0, -0.3]")
    post = "\n\n".join([
        r"$$x^{\text{norm}}_{ik} = \gamma_k \cdot \frac{x_{ik}-\overline{x_k}}{\sqrt{\sigma^2_k + \epsilon}} + \beta_k"
        r" \quad , \quad k\in\{1,\dots,D\}$$",
        r"$$x^{\text{norm}}_{ik} = \gamma_k \cdot \frac{x_{ik}-\overline{x_k}}{\sqrt{\sigma^2_k + \epsilon}}$$",
    ])
    assert _verdicts(spec, post, tmp_path) == [(1, "ok"), (3, "wrong")]
    # a word nothing defines is a label left unread, never an exponent
    assert _verdicts(spec, r"$$x^{\text{in}}_{ik} = x_{ik}^{\text{raw}}$$", tmp_path)[0][1] == "unchecked"


def test_a_letter_the_post_never_puts_through_the_norm_is_not_a_second_input(tmp_path):
    spec = NORM.format(kind="rms_norm", beta="")
    gradient = (r"$$\frac{\partial \mathcal{L}}{\partial x_j} = \sum_{i=1}^N h_i \left(\frac{\delta_{ij}}{\mathrm{rms}} - "
                r"\frac{x_i x_j}{N\,\mathrm{rms}^3}\right)$$")
    post = "\n\n".join([r"$$\mathrm{rms} = \sqrt{\frac{1}{N}\sum_{k=1}^N x_k^2 + \epsilon}$$",
                         r"$$\hat{x}_i = \frac{x_i}{\mathrm{rms}}$$", gradient])
    assert _verdicts(spec, post, tmp_path)[-1] == (5, "unchecked")       # h = dy ⊙ γ, said in prose
    # a post that normalizes h has h for its input, as the table reads it
    own = post.replace("x_k^2", "h_k^2").replace(r"\hat{x}_i = \frac{x_i}", r"\hat{h}_i = \frac{h_i}")
    assert _verdicts(spec, own, tmp_path)[1] == (3, "ok")


def test_a_capital_sigma_with_a_range_is_a_sum(tmp_path):
    """\\Sigma^m_{i=1} x_i, as tnichols89's batch-norm post writes every sum (conv_blind25: 16 lines unread, 'Σ names
    nothing'); Σ without a range is a name (a covariance Σ_y^{-1})."""
    spec = NORM.format(kind="batch_norm", beta="beta = [0.2, 0.0, -0.3]")
    post = "\n\n".join([r"$$\mu_B = \frac{1}{m} \Sigma^m_{i=1} x_i$$", r"$$\mu_B = \frac{1}{m} \Sigma_{i=1}^{m} x_i^2$$",
                        r"$$\sigma^2_B = \frac{1}{m} \Sigma^m_{i=1}(x_i - \mu_B)^2$$"])
    assert _verdicts(spec, post, tmp_path) == [(1, "ok"), (3, "wrong"), (5, "ok")]


def test_what_the_review_of_the_typed_habits_found(tmp_path):
    """A following ReLU written y = max{0, z} (the layer's own activation: no false alarm); a batch norm of a_i
    centred as a_i - ā (a is the input there); x_norm = (out - β)/γ (γ and β, but not the scaled output); a braced
    sum followed by two factors (each runs into the sum)."""
    relu = CONV.replace('activation = "linear"', 'activation = "relu"')
    conv = "$$z_{ij} = \\sum_{m=0}^{1}\\sum_{n=0}^{1} w_{mn} x_{i+m,j+n} + b$$\n\n$$y_{ij} = \\max\\{0, z_{ij}\\}$$"
    assert _verdicts(relu, conv, tmp_path) == [(1, "ok"), (3, "unchecked")]
    three = (r"$$\frac{\partial E}{\partial w_{m,n}} = \sum\limits_{i = 0}^2 {\sum\limits_{j = 0}^2 "
             r"{\frac{{\partial E}}{{\partial y_{i,j}}}} } \frac{{\partial y_{i,j}}}{{\partial z_{i,j}}}"
             r"\frac{{\partial z_{i,j}}}{{\partial w_{m,n}}}$$")
    assert _verdicts(relu, three, tmp_path) == [(1, "ok")]
    spec = NORM.format(kind="batch_norm", beta="beta = [0.2, 0.0, -0.3]")
    full = (r"$$\frac{\partial L}{\partial a_i} = \frac{\gamma}{m\sqrt{\sigma^2+\epsilon}}\left(m\frac{\partial L}"
            r"{\partial y_i} - \sum_j \frac{\partial L}{\partial y_j} - \hat{x}_i\sum_j \frac{\partial L}{\partial y_j}"
            r"\hat{x}_j\right)$$")
    dropped = full.replace(r" - \hat{x}_i\sum_j \frac{\partial L}{\partial y_j}\hat{x}_j", "")
    centred = "\n\n".join([r"$$\hat{x}_i = \frac{a_i - \bar{a}}{\sqrt{\sigma^2 + \epsilon}}$$",
                           r"$$y_i = \gamma \hat{x}_i + \beta$$", full, dropped])
    assert _verdicts(spec, centred, tmp_path) == [(1, "ok"), (3, "ok"), (5, "ok"), (7, "wrong")]
    inverse = "\n\n".join([r"$$x_{norm} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}$$", r"$$out = \gamma x_{norm} + \beta$$",
                           r"$$x_{norm} = \frac{out - \beta}{\gamma}$$",
                           r"$$\frac{\partial L}{\partial \gamma} = \sum \frac{\partial L}{\partial out} x_{norm}$$"])
    assert [verdict for _, verdict in _verdicts(spec, inverse, tmp_path)] == ["ok"] * 4
