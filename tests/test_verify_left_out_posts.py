"""Habits of real posts (session of 2026-12-05, eleventh): a French CNN note's sum ranges written as its letter's set,
Σ_{a∈[1,n], b∈[1,n]} (also ⟦1,n⟧, {1,…,n}, a half-open [0,n)), and its chain whose first side is the post's own name
for the derivative after it (η_{i,j} = ∂H/∂w_{i,j} = Σ_m Σ_n …), both in conv_blind10; and, from posts that earlier
blind sets looked at and left out (their repositories not found again), a batch-norm post's Σ_i ∂f/∂y_i · 1⃗ (an
entry of the ones vector is 1) and a French RNN note whose y_t is the softmax and ŷ_t the true class, its lone =
signs turned into setext underlines."""

from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.verify import Checker, verify_text
from derive.verify.set_ranges import set_ranges

# one 5×5 map, a 2×2 kernel at stride 1 with a bias and ReLU, max pooling, a dense softmax
POSTS = Path(__file__).parent / "posts"
SPEC = POSTS / "conv_blind16" / "thomasatlantis_c99_mnist_conv_maxpool_zh" / "spec.toml"
BATCH_NORM = POSTS / "conv_holdout" / "wangcsshuai_kevinzakka_batchnorm" / "spec.toml"      # one feature, m = 5


def _verdicts(text: str, spec: Path = SPEC) -> list[str]:
    checker = Checker(derive.derive(derive.load(spec)))
    return [claim.verdict for claim in verify_text(checker, text, "post.md").claims]


@pytest.mark.parametrize("written, read", [
    (r"\sum_{a\in[1,n],b\in[1,n]} x", r"\sum_{a=1}^{n} \sum_{b=1}^{n} x"),
    (r"\sum_{a \in [\![1, n]\!]} x", r"\sum_{a=1}^{n} x"),
    (r"\sum\limits_{k\in\{1,\dots,K\}} y_k", r"\sum_{k=1}^{K} y_k"),
    (r"\sum_{k \in [0, n)} y_k", r"\sum_{k=0}^{n-1} y_k"),
    (r"\sum_{k \in ]0, n]} y_k", r"\sum_{k=0+1}^{n} y_k"),
    (r"\sum_{k\in\llbracket 1,N\rrbracket}x", r"\sum_{k=1}^{N} x"),
    (r"\sum_{i \in S} x_i", r"\sum_{i \in S} x_i"),                      # a set the post names: as written
    (r"\sum_{(i,j) \in I(c,a,b)} d", r"\sum_{(i,j) \in I(c,a,b)} d"),
    (r"\sum_{i=1}^{n} x", r"\sum_{i=1}^{n} x"),
])
def test_a_sums_range_written_as_its_letters_set(written, read):
    assert " ".join(set_ranges(written).split()) == read


def test_the_forward_with_its_ranges_as_sets():
    right = r"$$z_{i,j}=\sum _{a\in[1,n],b\in[1,n]}x_{i+a-1,j+b-1}\times w_{a,b}+b$$"
    slipped = r"$$z_{i,j}=\sum _{a\in[1,n],b\in[1,n]}x_{i+a,j+b-1}\times w_{a,b}+b$$"
    assert _verdicts(right) == ["ok"]
    assert _verdicts(slipped) == ["wrong"]


FORWARD = r"$$z_{i,j}=\sum _{a\in[1,n],b\in[1,n]}x_{i+a-1,j+b-1}\times w_{a,b}+b$$" "\n\n"     # counts from 1


def test_a_chain_whose_first_side_names_the_derivative_after_it():
    right = FORWARD + (r"$$\eta _{i,j}=\frac{\partial H}{\partial w_{i,j}}=\sum _m\sum _n \frac{\partial H}{\partial z_{m,n}} "
             r"\times x_{i+m-1,j+n-1}$$")
    assert _verdicts(right) == ["ok", "ok"]
    assert _verdicts(right.replace("x_{i+m-1,j+n-1}", "x_{i+m,j+n}")) == ["ok", "wrong"]   # the 1-based offset dropped


def test_what_the_review_found_in_the_named_chains():
    """The name's link holds by its definition and vouches for nothing: a last side that does not read leaves the
    chain unchecked; a letter of the layer's own (b, x) is never renamed by a chain, whose first link is then wrong."""
    forward = r"$$z_{i,j}=\sum_{a=1}^{2}\sum_{b=1}^{2}x_{i+a-1,j+b-1} w_{a,b}+b$$" "\n\n"
    unread = r"$$g=\frac{\partial L}{\partial b}=\sum_{i,j}\frac{\partial L}{\partial z_{i,j}}x_{i,j}$$"
    assert _verdicts(forward + unread) == ["ok", "unchecked"]
    renamed = r"$$b=\frac{\partial L}{\partial w_{1,1}}=\sum_m\sum_n \frac{\partial L}{\partial z_{m,n}} x_{m,n}$$"
    assert _verdicts(forward + renamed) == ["ok", "wrong"]


def test_an_entry_of_the_ones_vector_is_one():
    right = r"$$\frac{\partial f}{\partial \beta} = \Sigma^m_{i=1} \frac{\partial f}{\partial y_i} \cdot \vec{1}$$"
    assert _verdicts(right, BATCH_NORM) == ["ok"]
    assert _verdicts(right.replace(r"\vec{1}", r"\vec{1} \hat{x}_i"), BATCH_NORM) == ["wrong"]
    assert _verdicts(right.replace(r"\vec{1}", r"\mathbf{1}"), BATCH_NORM) == ["ok"]


RNN = POSTS / "sequence_blind_rnn15" / "razmik_vanilla_rnn_bptt_notebook" / "spec.toml"     # softmax read-out, CE
SWAPPED = "\n\n".join([                      # a French note: y_t the softmax, ŷ_t "la véritable classe"
    r"$$h_t = \tanh(b + Wh_{t-1} + UX_t)$$",
    r"$$y_t = \operatorname{softmax}(Vh_t)$$",
    r"$$L_t=-\sum_i \hat y_{t,i}\log(y_{t,i})$$",
])


def test_y_the_softmax_and_y_hat_the_target_where_the_posts_loss_says_so():
    right = SWAPPED + "\n\n" + r"$$\frac{\partial L_t}{\partial V} = (y_t-\hat y_t)h_t^T$$"
    assert _verdicts(right, RNN)[-2:] == ["ok", "ok"]
    assert _verdicts(right.replace(r"(y_t-\hat y_t)", r"(\hat y_t-y_t)"), RNN)[-1] == "wrong"
    # the same post's display that a Markdown converter broke: its lone = made a setext underline
    broken = SWAPPED + "\n\n$$\n\\boxed{\n\\frac{\\partial L}{\\partial V}\n=============\n\n\\sum_t\n(y_t-\\hat y_t)h_t^T\n}\n$$"
    assert _verdicts(broken, RNN)[-1] == "ok"
    # a row of = between two equations of a display, each with its own =, is no equals sign (a review's case)
    apart = "$$\no_t = W_{hy} h_t + b_y\n====\n\\hat{y}_t = \\mathrm{softmax}(o_t)\n$$"
    assert "wrong" not in _verdicts(apart, RNN)


def test_y_the_softmax_on_one_line_alone_does_not_make_y_hat_the_target():
    forward = r"$$y_t = \text{softmax}(z_t), \quad z_t = W_{hy} h_t + b_y$$"      # then ŷ the prediction again
    right = forward + "\n\n" + r"$$\frac{\partial L_t}{\partial z_t} = \hat{y}_t - y_t$$"
    assert _verdicts(right, RNN)[-1] == "ok"
    # ŷ computed too: the loss −Σ ŷ log y is a slip (the log of the one-hot target), not the post's letters
    both = r"$$\hat{y}_t = \text{softmax}(z_t)$$" + "\n\n" + r"$$L_t=-\sum_i \hat y_{t,i}\log(y_{t,i})$$" + "\n\n" + \
        r"$$\frac{\partial L_t}{\partial z_t} = \hat{y}_t - y_t$$"
    assert _verdicts(both, RNN)[1:] == ["unchecked", "ok"]
