"""verify on posts whose network or whose reading habits differ from the spec's in a way a reader sees at once:
an implication inside a row (a = b ⇒ c = d: two claims), a claim's scope written after it ((∀ t = 1, …, T)),
a linear RNN's post (h_t = W_hx x_t + W_hh h_{t-1}, no activation or bias: the post's network, not a slip),
a letter the network has written as a projection's weight (Q = A X), d before a function (d softmax(dP)), and
one step's term of a shared weight above the line where the post sums the steps' terms by name."""

from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.verify import Checker, verify_text

from test_sequence_verify_fuzz import _attention_spec, _cell_spec

POSTS = Path(__file__).parent / "posts"


def _claims(checker: Checker, post: str) -> list[tuple[int, str]]:
    return [(c.line, c.verdict) for c in verify_text(checker, post, "post.md").claims]


@pytest.fixture(scope="module")
def lstm():
    return Checker(derive.derive(_cell_spec("lstm", 3, 2, 3, 5)))


@pytest.fixture(scope="module")
def rnn():
    return Checker(derive.derive(_cell_spec("rnn", 3, 2, 3, 5)))


CHAIN = r"\frac{\partial L}{\partial o_t} = \frac{\partial L}{\partial h_t} \odot \frac{\partial h_t}{\partial o_t}"
RIGHT = r"\frac{\partial L}{\partial o_t} = \frac{\partial L}{\partial h_t} \odot \tanh(c_t)"
SLIP = r"\frac{\partial L}{\partial o_t} = \frac{\partial L}{\partial h_t} \odot c_t"


@pytest.mark.parametrize("arrow", [r"\Rightarrow", r"\implies"])
def test_an_implication_inside_a_row_parts_two_claims(lstm, arrow):
    """Kept from a Hugo LSTM post (sequence_blind_rnn6): each row a chain rule ⇒ its value."""
    assert _claims(lstm, f"$${CHAIN} {arrow} {RIGHT}$$") == [(1, "ok"), (1, "ok")]
    assert _claims(lstm, f"$${CHAIN} {arrow} {SLIP}$$") == [(1, "ok"), (1, "wrong")]
    # the implication on the row's next line: the claim after it is at that line
    assert _claims(lstm, f"$${CHAIN}\n{arrow} {SLIP}$$") == [(1, "ok"), (2, "wrong")]


@pytest.mark.parametrize("scope", [r"\quad (\forall t = 1, \dots, T)", r"\qquad \forall t \in \{1, \dots, T\}",
                                   r"\;\;\;\;(\forall t =1,2, \cdots,T)"])
def test_a_claims_scope_after_it_is_no_more_of_it(lstm, scope):
    assert _claims(lstm, f"$$o_t = \\sigma(W_o x_t + U_o h_{{t-1}} + b_o) {scope}$$") == [(1, "ok")]
    assert _claims(lstm, f"$$o_t = \\tanh(W_o x_t + U_o h_{{t-1}} + b_o) {scope}$$") == [(1, "wrong")]
    # the line's count stays: a claim below a scope is at its own line
    assert _claims(lstm, f"$$o_t = \\sigma(W_o x_t + U_o h_{{t-1}} + b_o)\n{scope}$$\n\n"
                         f"$$o_t = \\tanh(W_o x_t + U_o h_{{t-1}} + b_o)$$") == [(1, "ok"), (4, "wrong")]


LINEAR = r"$$h_t = W_{hx} x_t + W_{hh} h_{t-1}$$"
WEIGHT = r"$$\frac{\partial L}{\partial W_{hx}} = \sum_{t=1}^T \frac{\partial L}{\partial h_t} x_t^\top$$"


def test_a_linear_rnns_post_is_another_network_not_a_slip(rnn):
    """Kept from d2l's BPTT chapter (sequence_blind_attention3): its RNN is linear and has no bias."""
    found = verify_text(rnn, LINEAR + "\n\n" + WEIGHT, "post.md").claims
    assert [(c.line, c.verdict) for c in found] == [(1, "unchecked"), (3, "unchecked")]
    assert all("linear" in c.reason for c in found)
    # a claim wrong in the linear network too stays wrong
    assert _claims(rnn, LINEAR + "\n\n" + WEIGHT.replace("= \\sum", "= 2 \\sum")) == \
        [(1, "unchecked"), (3, "wrong")]
    # without the post's linear state, ∂L/∂h_t x_tᵀ drops tanh': the classic slip, wrong
    assert _claims(rnn, WEIGHT) == [(1, "wrong")]
    assert _claims(rnn, r"$$h_t = \tanh(W_{hx} x_t + W_{hh} h_{t-1} + b_h)$$" + "\n\n" + WEIGHT) == \
        [(1, "ok"), (3, "wrong")]


def test_a_letter_the_network_has_written_as_a_projections_weight():
    """Kept from Hui Jiang's transformer notes (sequence_blind_attention3): Q = A X, A the query's weights."""
    checker = Checker(derive.derive(_attention_spec(4, 3, False, False, 5)))
    post = r"$$Q = A X$$" + "\n\n" + r"$$Q = X W_Q$$" + "\n\n" + \
        r"$$\frac{\partial L}{\partial A} = \frac{\partial L}{\partial Q} X^T$$"
    found = verify_text(checker, post, "post.md").claims
    assert [(c.line, c.verdict) for c in found] == [(1, "unchecked"), (3, "ok"), (5, "unchecked")]
    assert "the post's own name" in found[0].reason
    # the attention weights written A where no projection is made of it are still read
    assert _claims(checker, r"$$A = \mathrm{softmax}(S)$$") == [(1, "ok")]


def test_d_before_a_function_is_its_derivative_as_an_operator():
    """Kept from labml's FlashAttention notes: dS_ij = d softmax(dP_ij), the backward as an operator."""
    checker = Checker(derive.derive(_attention_spec(4, 3, False, False, 5)))
    found = verify_text(checker, r"$$dS_{ij} = d\text{softmax}(dA_{ij})$$", "post.md").claims
    assert [c.verdict for c in found] == ["unchecked"] and "operator" in found[0].reason


PER_STEP = r"$$\frac{\partial L}{\partial b_o} = \frac{\partial L}{\partial o_t} \odot o_t \odot (1 - o_t)$$"
SUMMED = r"$$\frac{\partial L}{\partial b_o} = \sum_t \frac{\partial L}{\partial b_o^{(t)}}$$"


def test_one_steps_term_above_where_the_post_sums_the_steps_terms(lstm):
    """Kept from the Hugo LSTM post: one step's equations, 'calculated T times', then ∂J/∂W = Σ_t ∂J/∂W^t."""
    intro = "Backpropagation through time.\n\n"
    assert _claims(lstm, intro + PER_STEP) == [(3, "wrong")]                   # the sum over time dropped
    assert _claims(lstm, intro + PER_STEP + "\n\n" + SUMMED + "\n\n" + PER_STEP) == \
        [(3, "ok"), (5, "ok"), (7, "wrong")]                                   # below the sum: the whole gradient


def test_an_rnns_delta_is_the_state_gradient_where_the_post_says_so(rnn):
    """Kept from csuldw's BPTT post (sequence_blind_rnn7): δ^{(t)} = ∂L/∂h^{(t)}, as Pinard's posts write it;
    δ_t is also read as the net input's gradient, as other posts write it."""
    assert _claims(rnn, r"$$\delta^{(t)} = \frac{\partial L}{\partial h^{(t)}}$$") == [(1, "ok")]
    assert _claims(rnn, r"$$\delta_t = \frac{\partial L}{\partial z_t}$$") == [(1, "ok")]
    assert _claims(rnn, r"$$\delta_t = 2 \frac{\partial L}{\partial h_t}$$") == [(1, "wrong")]


READ_OUT = r"$$\frac{\partial L}{\partial c} = \sum_{t=1}^{T}\hat{y}^{(t)} - y^{(t)}"


def test_a_sum_reaches_the_terms_after_it_that_read_its_letter(rnn):
    """Σ_t ŷ^{(t)} - y^{(t)}: the later term reads t, so the sum may reach it (csuldw's eq. 6)."""
    assert _claims(rnn, "Through time.\n\n" + READ_OUT + "$$") == [(3, "ok")]
    assert _claims(rnn, "Through time.\n\n" + READ_OUT + " + 1$$") == [(3, "wrong")]


@pytest.mark.parametrize("written", [r"\color{ blue }{\frac{\partial L}{\partial h^{(t)}}}",
                                     r"{\frac{\partial L}{\partial h^{(t)}}}"])
def test_a_tex_group_in_a_chain_rule_is_what_it_groups(rnn, written):
    post = f"$$\\frac{{\\partial L}}{{\\partial W}} = \\sum_{{t=1}}^{{T}} {written} \\frac{{\\partial h^{{(t)}}}}{{\\partial W}}$$"
    assert _claims(rnn, "Through time.\n\n" + post) == [(3, "ok")]


def test_a_capital_and_a_letter_with_a_step_are_a_product(rnn):
    """Ux^{(t)}, Wh^{(t-1)}: U times x^{(t)}, where the scripts are a step (code's Wf.T stays one name)."""
    assert _claims(rnn, r"$$h^{(t)} = tanh(Ux^{(t)} + Wh^{(t-1)} + b)$$") == [(1, "ok")]
    assert _claims(rnn, r"$$h^{(t)} = \sigma(Ux^{(t)} + Wh^{(t-1)} + b)$$") == [(1, "wrong")]


def test_plain_tex_fonts_keep_their_scripts_and_their_command():
    from derive.verify.see_through import see_through
    assert see_through(r"\bar{\bf h}_t = W_i{\bf x_t}") == r"\bar{h}_t = W_i{x_t}"
    assert see_through(r"{\rm e}^{x} + x_{\rm i} + {\cal L}") == r"e^{x} + x_i + \mathcal{L}"


def test_time_as_an_argument_is_a_step(rnn):
    """h(t) = f(Ux(t) + Wh(t-1) + b), as Elman and Mikolov write it (bn3monkey's notes, sequence_blind_rnn7)."""
    assert _claims(rnn, "$$ h(t) = f(Ux(t) + Wh(t-1) + b) $$") == [(1, "ok")]
    assert _claims(rnn, "$$ h(t) = f(Ux(t) + Wh(t) + b) $$") != [(1, "ok")]
    from derive.verify.see_through import see_through
    assert see_through(r"\sigma(t) + {{\delta E} \over {\delta U}}") == r"\sigma(t) + \frac{\partial  E}{\partial  U}"


def test_a_weights_gradient_above_where_the_post_first_goes_through_time_is_one_steps(lstm):
    """A post that derives one step first and turns to BPTT below (bn3monkey's notes)."""
    later = "\n\nNow backpropagation through time.\n\n"
    assert _claims(lstm, PER_STEP + later + PER_STEP) == [(1, "ok"), (5, "wrong")]


STACKED = r"\begin{bmatrix} a^{\langle t-1 \rangle} \\ x^{\langle t \rangle}\end{bmatrix}"
GATE = r"\Gamma_u^{\langle t \rangle}"
NG_FORWARD = f"$${GATE} = \\sigma(W_u {STACKED} + b_u)$$\n\n"
OVER_M = f"$$\\frac{{\\partial J}}{{\\partial b_u}} = \\sum_m \\frac{{\\partial J}}{{\\partial {GATE}}} * {GATE} * (1-{GATE})$$\n\n"
RIGHT_ORDER = (f"$$\\frac{{\\partial J}}{{\\partial W_u}} = \\frac{{\\partial J}}{{\\partial {GATE}}} * {GATE} * "
               f"(1-{GATE}) {STACKED}^T$$")
LATE_SLOPE = (f"$$\\frac{{\\partial J}}{{\\partial W_u}} = \\frac{{\\partial J}}{{\\partial {GATE}}}{STACKED}^T * {GATE} * "
              f"(1-{GATE})$$")


def test_a_product_that_holds_at_one_sample_only_in_a_post_over_m_samples(lstm):
    """Kept from PPPW's notebook in Ng's notation (sequence_blind_attention2): the gate's slope applied after
    [a; x]ᵀ broadcasts a column over n + d columns, which holds at m = 1 and is undefined with m samples."""
    assert _claims(lstm, NG_FORWARD + OVER_M + RIGHT_ORDER)[-1] == (5, "ok")        # * before juxtaposition
    found = verify_text(lstm, NG_FORWARD + OVER_M + LATE_SLOPE, "post.md").claims
    assert (found[-1].line, found[-1].verdict) == (5, "wrong") and "m samples" in found[-1].reason
    # a post about one sample: the same line holds
    assert _claims(lstm, NG_FORWARD + LATE_SLOPE)[-1] == (3, "ok")


# found in review
def test_each_part_of_an_implication_is_judged_and_shown_as_its_own_claim():
    """Two parts with one text shared a cached verdict: the second half's slip was reported ok."""
    checker = Checker(derive.derive(derive.load(POSTS / "real" / "adilce009_toy_examples_sigmoid" / "spec.toml")))
    for first, second in ((r"L = (y - \hat{y})^2", r"L = (y - \hat{y})^3"), (r"L = (y - \hat{y})^3", r"L = (y - \hat{y})^2")):
        found = verify_text(checker, f"$${first} \\Rightarrow {second}$$", "post.md").claims
        alone = [verify_text(checker, f"$${part}$$", "post.md").claims[0].verdict for part in (first, second)]
        assert [c.verdict for c in found] == alone and [c.text for c in found] == [first, second]


def test_a_leading_for_all_and_a_nested_scope_are_kept_readable():
    from derive.verify.see_through import see_through
    assert see_through(r"\forall t: a = b") == r"\forall t: a = b"                  # a claim about every t stays
    assert "forall" not in see_through(r"a = b \quad (\forall t \in (1, T))")
    assert see_through(r"a = b \quad (\forall t \in (1, T))").count("(") == 0


@pytest.mark.parametrize("hostile", ["μ=" * 50_000, ("\\mu=" + "x" * 50) * 1800, "{\\bf x} " * 12_000,
                                     "(\\forall " * 20_000, "\\quad \\forall " * 20_000, "h(" * 30_000])
def test_the_new_reading_rules_stay_linear(hostile):
    import time
    from derive.verify.old_fonts import plain_tex_fonts
    from derive.verify.see_through import see_through
    from derive.verify.typed.document import _NORMALIZED_Z
    start = time.monotonic()
    _NORMALIZED_Z.search(hostile)
    plain_tex_fonts(hostile)
    see_through(hostile)
    assert time.monotonic() - start < 5


SIGMA_STATE = r"$$h^{(t)} = \sigma(Ux^{(t)} + Wh^{(t-1)} + b)$$"


@pytest.mark.parametrize("prose", ["where the activation $\\sigma$ can be tanh or ReLU:",
                                   "其中激活函数\\(\\sigma\\)可以是tanh或者ReLU之类的。",
                                   "where $\\sigma$ is an activation function such as tanh:"])
def test_sigma_is_the_rnns_activation_where_the_post_says_so(rnn, prose):
    """bitjoy's BPTT notes (sequence_blind_rnn8): σ for Pascanu's and WildML's generic activation."""
    assert _claims(rnn, f"{prose}\n\n{SIGMA_STATE}\n") == [(3, "ok")]


@pytest.mark.parametrize("prose", ["", "where $\\sigma$ is the sigmoid and tanh the hyperbolic tangent:",
                                   "with $\\sigma(x) = \\frac{1}{1 + e^{-x}}$ and tanh:",
                                   "The hidden state uses tanh and the output uses $\\sigma$.",
                                   "$\\hat y=\\sigma(Vh_T),\\ h_t=\\tanh(Ux_t)$"])
def test_sigma_stays_the_sigmoid_where_the_post_does_not_say_otherwise(rnn, prose):
    found = _claims(rnn, f"{prose}\n\n{SIGMA_STATE}\n")
    assert found[-1][1] == "wrong", found


@pytest.mark.parametrize("loss", [r"E(y_t,\hat{y_t})", r"L(\hat{y}_t, y_t)", r"E(y_{t}, \hat{y}_{t})"])
def test_a_cost_of_one_steps_values_is_that_steps_cost(rnn, loss):
    """wjddyd66's notes (sequence_blind_rnn8): E(y_t, ŷ_t) = -y_t log ŷ_t is step t's loss, not the total."""
    assert _claims(rnn, f"$${loss} = -y_t \\log(\\hat{{y}}_t)$$\n") == [(1, "ok")]
    assert _claims(rnn, "$$E = -y_t \\log(\\hat{y}_t)$$\n") == [(1, "wrong")]     # the whole loss: a slip


def test_a_cost_of_the_whole_sequence_stays_the_whole_loss(rnn):
    assert _claims(rnn, r"$$E(y, \hat{y}) = \sum_t E_t$$" + "\n") == [(1, "ok")]
    assert _claims(rnn, r"$$E(y, \hat{y}) = -\sum_t E_t$$" + "\n") == [(1, "wrong")]
