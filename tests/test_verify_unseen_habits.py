"""Habits of the posts in the blind sets of the session of 2026-12-05 (tenth), each unread or a false alarm at first
sight: a Jekyll post's rows ended \\\\\\\\\\ (Markdown's escaped row break, then a backslash that ends the line:
CommonMark's hard line break), its cross-entropy's target written z_{t,i} where y_t is the logits, W_{hh}^T (1 - h^2)
∂L/∂h_{t+1} (the column between a matrix and a column the diagonal Jacobian it stands for), `\\text{ set } h^{raw}_t
= …` after a claim, and ∂l_t/W_{hy} with the ∂ below dropped (sequence_blind_rnn20); y_i^t = softmax of the logits in
a post whose y is its prediction (sequence_blind_rnn21); and ∂\\mathcal{L}/∂\\mathcal{y_i}, a font around a scripted
name (conv_blind33). The review of that day's diff added the counter-cases."""

from __future__ import annotations

import derive
from derive import api
from derive.spec.load import from_dict
from derive.verify import Checker, verify_text


def _rnn(kind: str = "rnn"):
    """A 3-unit cell (an RNN, or an LSTM) over four steps, a softmax read-out at every step, the cross-entropy."""
    spec = {"title": "t", "init": {"seed": 5}, "training": {"learning_rate": 0.1},
            "input": {"shape": [4, 2], "values": [[[0.5, -1.0], [1.25, 0.75], [-0.5, 0.25], [1.0, -1.5]]]},
            "layers": [{"type": kind, "hidden": 3}, {"type": "dense", "units": 2, "activation": "softmax"}],
            "target": {"tokens": [[0, 1, 1, 0]]}, "loss": {"function": "cross_entropy"}}
    return Checker(api.derive(from_dict(spec)))


def _verdicts(checker, text: str) -> list[tuple[int, str]]:
    return [(claim.line, claim.verdict) for claim in verify_text(checker, text, "post.md").claims]


FORWARD = "\n".join([
    r"\\[\begin{align}",
    r"h_t & =  \text{tanh}(W_{hh}h_{t-1} + W_{xh}x_t +b_h) \\\\ ",
    r"y_t & =  W_{hy}h_{t} + b_y \\\\\ ",
    r"p_t & = \frac{e^{y_t}}{\sum_{i = 1}^{n_y} e^{y_{t, i}}} \\\\\ ",
    r"l_t & = -\sum_{i = 1}^{n_y} z_{t, i}\text{log}(p_{t, i}) \\\\\ ",
    r"L & = \sum_{t = 1}^{n_{seq}}l_t",
    r"\end{align}\\]",
])


def _below_forward(*displays: str) -> list[str]:
    """The verdicts on displays written below FORWARD (its claims left out)."""
    text = FORWARD + "\n\n" + "\n\n".join(displays)
    return [verdict for line, verdict in _verdicts(_rnn(), text) if line > 7]


def test_a_backslash_that_ends_a_line_is_markdowns_line_break_and_z_the_cross_entropys_target():
    assert _verdicts(_rnn(), FORWARD) == [(2, "ok"), (3, "ok"), (4, "ok"), (6, "ok")]
    slipped = FORWARD.replace(r"L & = \sum_{t = 1}^{n_{seq}}l_t", r"L & = \sum_{t = 1}^{n_{seq}}2 l_t")
    assert _verdicts(_rnn(), slipped)[-1] == (6, "wrong")


def test_a_column_between_a_matrix_and_a_column_is_the_diagonal_jacobian_it_stands_for():
    assert _below_forward(
        r"$$\frac{\partial L}{\partial h_t} = W_{hy}^Tdy_t + W_{hh}^T(1-h_{t+1}^2)\frac{\partial L}{\partial h_{t+1}}$$",
        r"$$\frac{\partial L}{\partial h_t} = W_{hy}^Tdy_t + W_{hh}(1-h_{t+1}^2)\frac{\partial L}{\partial h_{t+1}}$$",
        r"$$\frac{\partial L}{\partial h_t} = W_{hy}^Tdy_t + W_{hh}^T(1-h_{t}^2)\frac{\partial L}{\partial h_{t+1}}$$",
    ) == ["ok", "wrong", "wrong"]


def test_prose_that_sets_a_name_after_a_claim_and_the_rows_that_go_on_with_the_claim():
    text = FORWARD + "\n\n" + "\n".join([
        r"\\[\begin{align}dW_{hh} = \frac{\partial L}{\partial W_{hh}} & = \sum_{t = 1}^{n_{seq}}\frac{\partial L}"
        r"{\partial h_t}\frac{\partial h_t}{\partial W_{hh}}, \text{ set }h_{t}^{raw} = W_{hh}h_{t-1} + W_{xh}x_t +b_h"
        r" \\\\\ ",
        r"& = \sum_{t = 1}^{n_{seq}}\frac{\partial L}{\partial h_t}\frac{\partial h_t}{\partial h_{t}^{raw}}"
        r"\frac{\partial h_t^{raw}}{\partial W_{hh}} \\\\\ ",
        r"& =  \sum_{t = 1}^{n_{seq}}\frac{\partial L}{\partial h_t}(1 - h_t^2)h_{t}^T",
        r"\end{align}\\]",
    ])
    claims = [c for c in verify_text(_rnn(), text, "post.md").claims if c.line > 7]
    assert [(c.line, c.verdict) for c in claims] == [(9, "ok"), (9, "ok"), (10, "ok"), (11, "wrong")]
    assert claims[2].text.startswith("dW_{hh}") and claims[3].text.startswith("dW_{hh}")    # not h^{raw}'s rows


def test_z_is_the_target_only_where_the_posts_own_equations_make_it_so():
    """Found in review: with no equation of the post's that fixes z, z_t is the net input or the logits, never the
    target, so ∂L/∂b_y = Σ (ŷ_t - z_t) and ∂L/∂z_t = ŷ_t - z_t do not pass by reading z as the target."""
    text = "\n\n".join([r"$$\frac{\partial L}{\partial b_y} = \sum_t (\hat{y}_t - z_t)$$",
                         r"$$\frac{\partial L}{\partial z_t} = \hat{y}_t - z_t$$"])
    assert [verdict for _, verdict in _verdicts(_rnn(), text)] == ["wrong", "wrong"]


def test_a_row_that_goes_on_after_two_claims_set_side_by_side_goes_on_with_the_second():
    """Found in review: ∂L/∂y_t = p_t - z_t, \\quad ∂L/∂b_y = Σ_t ∂L/∂y_t \\\\ &= Σ_t (p_t - z_t): the row goes on with
    ∂L/∂b_y, the claim beside the first (prose, not a wide space, sets the first claim's row apart)."""
    text = FORWARD + "\n\n" + "\n".join([
        r"$$\begin{align}",
        r"\frac{\partial L}{\partial y_t} &= p_t - z_t, \quad \frac{\partial L}{\partial b_y} = \sum_t "
        r"\frac{\partial L}{\partial y_t} \\",
        r"&= \sum_t (p_t - z_t)",
        r"\end{align}$$",
    ])
    claims = [c for c in verify_text(_rnn(), text, "post.md").claims if c.line > 7]
    assert [(c.line, c.verdict) for c in claims] == [(10, "ok"), (10, "ok"), (11, "ok")]
    assert claims[-1].text.startswith(r"\frac{\partial L}{\partial b_y}")


def test_a_derivative_whose_partial_below_is_dropped():
    assert _below_forward(r"$$\frac{\partial l_t}{W_{hy}} = \frac{\partial l_t}{y_t}\cdot h_t^T$$",
                          r"$$\frac{\partial l_t}{W_{hy}} = (p_t - z_t)\cdot h_t^T$$",
                          r"$$\frac{\partial l_t}{b_y} = p_t + z_t$$") == ["ok", "ok", "wrong"]


def test_an_entry_of_the_target_set_to_the_softmax_is_the_posts_prediction_not_a_slip():
    text = r"$$y_i^t = \frac{e^{o_i^t}}{\sum_{k=1}^{K} e^{o_k^t}}$$"
    claim, = verify_text(_rnn("lstm"), text, "post.md").claims
    assert claim.verdict == "unchecked" and "own meaning" in claim.reason


CONV = """
title = "an 8x8 map, one 3x3 filter"
[input]
shape = [1, 8, 8]
values = [[[[-0.8, -0.5, -0.2, 0.1, 0.4, 0.7, -0.7, -0.4], [-0.1, 0.2, 0.5, 0.8, -0.6, -0.3, 0.0, 0.3], [0.6, -0.8, -0.5, -0.2, 0.1, 0.4, 0.7, -0.7], [-0.4, -0.1, 0.2, 0.5, 0.8, -0.6, -0.3, 0.0], [0.3, 0.6, -0.8, -0.5, -0.2, 0.1, 0.4, 0.7], [-0.7, -0.4, -0.1, 0.2, 0.5, 0.8, -0.6, -0.3], [0.0, 0.3, 0.6, -0.8, -0.5, -0.2, 0.1, 0.4], [0.7, -0.7, -0.4, -0.1, 0.2, 0.5, 0.8, -0.6]]]]
[[layers]]
type = "conv2d"
out_channels = 1
kernel = 3
activation = "linear"
[[layers]]
type = "flatten"
[target]
values = [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
           0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]]
[loss]
function = "half_sse"
[init]
seed = 3
[training]
learning_rate = 0.1
"""


def test_a_kernel_gradient_summed_over_part_of_the_output_is_wrong(tmp_path):
    """Found in review: a kernel entry's gradient summed over the first 2×2 of a 6×6 output leaves out terms (a
    slip at the layer's sizes, not an example at its own), as does a bias's summed over two entries."""
    (tmp_path / "spec.toml").write_text(CONV)
    checker = Checker(derive.derive(derive.load(tmp_path / "spec.toml")))
    text = "\n\n".join([
        r"$$\frac{\partial J}{\partial k_{11}} = \frac{\partial J}{\partial y_{11}}x_{11} + \frac{\partial J}"
        r"{\partial y_{12}}x_{12} + \frac{\partial J}{\partial y_{21}}x_{21} + \frac{\partial J}{\partial y_{22}}x_{22}$$",
        r"$$\frac{\partial J}{\partial b} = \frac{\partial J}{\partial y_{11}} + \frac{\partial J}{\partial y_{22}}$$",
    ])
    assert [claim.verdict for claim in verify_text(checker, text, "post.md").claims] == ["wrong", "wrong"]


NORM = """
title = "a layer norm"
[input]
shape = [4]
values = [[0.5, -1.0, 2.0, 0.25]]
[[layers]]
type = "layer_norm"
[target]
values = [[0.0, 1.0, 0.0, 0.5]]
[loss]
function = "half_sse"
[training]
learning_rate = 0.1
"""


def test_a_font_around_a_scripted_name_is_the_name(tmp_path):
    (tmp_path / "spec.toml").write_text(NORM)
    checker = Checker(derive.derive(derive.load(tmp_path / "spec.toml")))
    text = "\n\n".join([
        r"$$y = w \odot \hat{x} + b$$",
        r"$$\frac{\partial{\mathcal{L}}}{\partial{w_i}} = \frac{\partial{\mathcal{L}}}{\partial{\mathcal{y_i}}}"
        r" \cdot \hat{x}_i$$",
        r"$$\frac{\partial{\mathcal{L}}}{\partial{b_i}} = \frac{\partial{\mathcal{L}}}{\partial{\mathcal{y_i}}}"
        r" \cdot \hat{x}_i$$",
    ])
    assert [verdict for _, verdict in _verdicts(checker, text)] == ["ok", "ok", "wrong"]


def test_an_analysis_of_the_recurrence_alone_is_a_simpler_network_of_the_posts():
    """sequence_blind_rnn23 (a LaTeX writeup on vanishing gradients): after z = W h + U x + b, h = tanh(z), it
    drops U, x and b, and writes h^{(1)} = tanh(W h^{(0)}), J(h^{(t+1)})(h^{(t)}) for a Jacobian, and an LSTM's
    h = tanh(c) ⊙ o: none of it the spec's RNN, none of it a slip. A restated state that keeps its input and drops
    the recurrence stays a slip."""
    text = "\n\n".join([
        r"$$z^{(t)} = Wh^{(t-1)} + Ux^{(t)} + b$$",
        r"$$h^{(t)} = \tanh(z^{(t)})$$",
        r"$$h^{(1)} = \tanh(Wh^{(0)})$$",
        r"$$J(h^{(t+1)})(h^{(t)}) = \Big[J(h^{(t+1)})(z^{(t+1)})\Big]\Big[J(z^{(t+1)})(h^{(t)})\Big]$$",
        r"$$h^{(t)} = \tanh(c^{(t)}) \odot o^{(t)}$$",
        r"$$h^{(t)} = \tanh(Ux^{(t)} + b)$$",
    ])
    claims = verify_text(_rnn(), text, "post.md").claims
    assert [c.verdict for c in claims] == ["ok", "ok", "unchecked", "unchecked", "unchecked", "wrong"]
    assert "simpler network" in claims[2].reason and "applied twice" in claims[3].reason


STRIDED = """
title = "a 4x4 map, a 3x3 filter at stride 2 and padding 1"
[input]
shape = [1, 4, 4]
values = [[[[0.3, -0.7, 0.5, 0.1], [-0.2, 0.8, -0.4, 0.6], [0.9, -0.1, 0.2, -0.5], [-0.6, 0.4, 0.7, -0.3]]]]
[[layers]]
type = "conv2d"
out_channels = 1
kernel = 3
stride = 2
padding = 1
bias = false
activation = "sigmoid"
[[layers]]
type = "flatten"
[target]
values = [[0.2, 0.7, 0.4, 0.9]]
[loss]
function = "half_sse"
[init]
seed = 34
[training]
learning_rate = 0.1
"""


def test_a_product_written_with_times_in_an_index_and_p_the_padding(tmp_path):
    """metamath1's notebook (conv_blind34): I_{(k \\times s - p + q),(l \\times s - p + r)}, the stride's product
    written with \\times (once read as a letter \\timess) and p the padding, as s is the stride."""
    (tmp_path / "spec.toml").write_text(STRIDED)
    checker = Checker(derive.derive(derive.load(tmp_path / "spec.toml")))
    text = "\n\n".join([
        r"$$z_{kl} = \sum_{q=0}^{Q-1} \sum_{r=0}^{R-1} w_{qr} I_{(k \times s - p + q),(l \times s -p + r)}$$",
        r"$$\delta_{kl} = \frac{\partial C}{\partial z_{kl}}$$",
        r"$$\frac{\partial \, C}{\partial \, I_{ij}} = \sum_{k} \sum_{l} w_{(i-k \times s+p),(j-l \times s+p)} \delta_{kl}$$",
        r"$$\frac{\partial \, C}{\partial \, I_{ij}} = \sum_{k} \sum_{l} w_{(i-k \times s-p),(j-l \times s-p)} \delta_{kl}$$",
    ])
    assert [verdict for _, verdict in _verdicts(checker, text)] == ["ok", "ok", "wrong"]


BATCH = """
title = "a batch norm"
[input]
shape = [3]
values = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-0.75, 1.0, 0.5], [0.2, -0.4, 1.2]]
[[layers]]
type = "batch_norm"
epsilon = 1e-5
gamma = [0.8, 1.4, -0.7]
beta = [0.3, -0.2, 0.5]
[target]
values = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.5], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]
[loss]
function = "half_sse"
[training]
learning_rate = 0.1
"""


def test_the_papers_expectation_and_variance_and_a_parameter_set_to_them(tmp_path):
    """zhaoyin214's notes on the batch-norm paper (conv_blind31): x̂ = (x - E[x]) / √(Var[x] + ε) with E and Var
    the batch's statistics; γ = √Var[x], β = E[x], the paper's setting that gives the identity back, is a choice,
    not the layer's γ; E_B[μ_B], an expectation over mini-batches, is not read."""
    (tmp_path / "spec.toml").write_text(BATCH)
    checker = Checker(derive.derive(derive.load(tmp_path / "spec.toml")))
    text = "\n\n".join([
        r"$$y = \gamma \hat{x} + \beta$$",
        r"$$\hat{x} = \frac{x - E \left[ x \right]}{\sqrt{ \mathrm{Var} \left[ x \right] + \epsilon}}$$",
        r"$$\hat{x} = \frac{x - E \left[ x \right]}{\mathrm{Var} \left[ x \right] + \epsilon}$$",
        r"$$\gamma = \sqrt{ \mathrm{Var} \left[ x \right]}$$",
        r"$$E \left[ x \right] = E _{\mathcal{B}} \left[ \mu_{\mathcal{B}} \right]$$",
    ])
    claims = verify_text(checker, text, "post.md").claims
    assert [c.verdict for c in claims] == ["ok", "ok", "wrong", "unchecked", "unchecked"]
    assert "choice of its own" in claims[3].reason and "mini-batches" in claims[4].reason


def test_a_documents_own_macros_without_arguments_are_put_in_place():
    """SakodaShintaro's RTRL note (sequence_blind_rnn22) writes $\\newcommand{\\bs}{\\boldsymbol}$ once, as MathJax
    reads a Markdown post's macros, then \\bs{s}, \\bs{W} throughout; LaTeX's \\def and \\DeclareMathOperator too."""
    text = "\n\n".join([
        r"Notation: $\newcommand{\bs}{\boldsymbol}$ $\def\vh{\mathbf{h}}$ $\DeclareMathOperator{\th}{tanh}$",
        r"$$\vh_t = \th(W_{hh}\bs{h}_{t-1} + W_{xh}\bs{x}_t + \bs{b}_h)$$",
        r"$$\vh_t = \th(W_{hh}\bs{h}_{t-1} + W_{xh}\bs{x}_{t-1} + \bs{b}_h)$$",
    ])
    assert _verdicts(_rnn(), text) == [(3, "ok"), (5, "wrong")]


def test_what_the_second_review_found(tmp_path):
    """The review of the later diff: p in z_{pq} is the claim's own index, never the padding (a slip there passed);
    E[x] inside Σ_i is the batch's mean, not x_i; E[x_i] is not read; μ = E[y] is a claim on μ, not the post
    naming μ; and a state by one weight from any state but the initial one (h_t = tanh(W_{hh} h_{t-1})) stays a slip."""
    conv = tmp_path / "conv"
    conv.mkdir()
    (conv / "spec.toml").write_text(STRIDED.replace("stride = 2", "stride = 1").replace("padding = 1", "padding = 0"))
    checker = Checker(derive.derive(derive.load(conv / "spec.toml")))
    text = "\n\n".join([r"$$z_{pq} = \sum_{m=0}^{2} \sum_{n=0}^{2} w_{mn} I_{p+m, q+n}$$",
                        r"$$z_{pq} = \sum_{m=0}^{2} \sum_{n=0}^{2} w_{mn} I_{2p+m, q+n}$$"])
    assert [verdict for _, verdict in _verdicts(checker, text)] == ["ok", "wrong"]
    (tmp_path / "spec.toml").write_text(BATCH)
    checker = Checker(derive.derive(derive.load(tmp_path / "spec.toml")))
    text = "\n\n".join([r"$$\sigma^2 = \frac{1}{m}\sum_{i=1}^{m}(x_i - E[x])^2$$",
                        r"$$\sum_{i=1}^{m}(x_i - E[x])^2 = 0$$",
                        r"$$\hat{x}_i = \frac{x_i - E[x_i]}{\sqrt{\mathrm{Var}[x_i]+\epsilon}}$$",
                        r"$$\mu = E[y]$$"])
    assert [verdict for _, verdict in _verdicts(checker, text)] == ["ok", "wrong", "unchecked", "wrong"]
    text = "\n\n".join([r"$$h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b_h)$$",
                        r"$$h_t = \tanh(W_{hh} h_{t})$$", r"$$h_t = \tanh(W_{hh} h_{t-1})$$"])
    assert [verdict for _, verdict in _verdicts(_rnn(), text)] == ["ok", "wrong", "wrong"]
