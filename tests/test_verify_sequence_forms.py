"""derive verify on forms sequence posts write (issue 15, point 5): a vector of ones written without its length,
\\mathbf{1}, whose length is the one that fits what it multiplies (M 1: M's row sums; 1ᵀ M: its column sums)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.verify import Checker, verify_claim, verify_text

from test_sequence_verify_fuzz import _cell_spec
from test_verify_step_ranges import _verdict

SPEC = Path(__file__).parent / "posts" / "sequence_attention" / "markusheimerl_gpt_attention_readme" / "spec.toml"


@pytest.fixture(scope="module")
def attention():
    return Checker(derive.derive(derive.load(SPEC)))


@pytest.mark.parametrize("formula, verdict", [
    # the softmax's backward with the rows' sums written as a product by a vector of ones
    (r"\frac{\partial L}{\partial S} = A \odot (\frac{\partial L}{\partial A} - "
     r"(\frac{\partial L}{\partial A} \odot A)\mathbf{1})", "ok"),
    (r"\frac{\partial L}{\partial S} = A \odot (\frac{\partial L}{\partial A} - "
     r"(\frac{\partial L}{\partial A} \odot A) \cdot \mathbf{1})", "ok"),
    (r"\frac{\partial L}{\partial S} = A \odot (\frac{\partial L}{\partial A} - A (\frac{\partial L}{\partial A} "
     r"\cdot \mathbf{1}))", "wrong"),
    (r"A \mathbf{1} = \mathbf{1}_n", "ok"),                       # each row of the weights sums to 1
    (r"\mathbf{1}^T A = \mathbf{1}_n^T", "wrong"),                # the columns need not
])
def test_a_vector_of_ones_takes_the_length_that_fits(attention, formula, verdict):
    claims = verify_claim(attention, formula).claims
    assert [c.verdict for c in claims] == [verdict], claims


KJO = Path(__file__).parent / "posts" / "sequence_rnn" / "kjo144_rnn_bptt_index_notation" / "spec.toml"


def _named_terms_post(middle: str) -> str:
    return "\n".join([
        "Here $k$ and $l$ are summed-over vector indices, with $q = V h_t + b_y$.",
        "",
        r"$$\frac{\partial E_t}{\partial V_{ij}} = \frac{\partial E_t}{\partial \hat{y}_{t_k}} "
        r"\frac{\partial \hat{y}_{t_k}}{\partial q_l} \frac{\partial q_l}{\partial V_{ij}}$$",
        "",
        f"The middle term is the softmax's derivative, which is ${middle}$, and the last term is "
        r"$\delta_{il} {h_t}_j$.",
        "",
        r"The last term, the derivative by $V_{ij}$, is where the weights enter.",
        "",
    ])


@pytest.mark.parametrize("middle, verdict", [
    (r"\hat{y}_{t_k} (\delta_{kl} - \hat{y}_{t_l})", "ok"),
    (r"\hat{y}_{t_k} (\delta_{kl} - \hat{y}_{t_k})", "wrong"),
])
def test_prose_that_names_a_factor_of_the_chain_rule_says_what_it_is(middle, verdict):
    """"the middle term ... is $…$": the chain rule's middle factor, ∂ŷ_k/∂q_l, equals the formula; "the last term
    is $δ_il h_j$" the last factor; "the last term, the derivative by $V_{ij}$" says no value, and is no claim."""
    checker = Checker(derive.derive(derive.load(KJO)))
    claims = verify_text(checker, _named_terms_post(middle), "post.md").claims
    assert [(c.line, c.verdict) for c in claims if c.line >= 5] == [(5, verdict), (5, "ok")]


@pytest.mark.parametrize("right, verdict", [(r"\delta_{il} {h_t}_j", "ok"), (r"\delta_{jl} {h_t}_i", "wrong")])
def test_a_kronecker_delta_s_letters_are_the_claim_s_in_einstein_s_notation(right, verdict):
    """∂q_l/∂V_ij = δ_il h_j, where repeated indices are summed: i and l index no name on the right but the δ,
    and are still free there (not summed on the left alone)."""
    checker = Checker(derive.derive(derive.load(KJO)))
    post = ("Here $k$ and $l$ are summed-over vector indices, with $q = V h_t + b_y$.\n\n"
            rf"$$\frac{{\partial q_l}}{{\partial V_{{ij}}}} = {right}$$" "\n")
    assert [c.verdict for c in verify_text(checker, post, "post.md").claims] == ["ok", verdict]


@pytest.mark.parametrize("right, verdict", [
    (r"\frac{\partial}{\partial V_{ij}} (V_{lm} h_m + {b_y}_l)", "ok"),
    (r"\frac{\partial}{\partial V_{ij}} (V_{lm} h_m + {b_y}_l) + \delta_{il}", "wrong"),
    (r"\frac{\partial}{\partial V_{ij}} (2 V_{lm} h_m)", "wrong"),
])
def test_a_derivative_operator_applied_to_the_expression_after_it(right, verdict):
    """∂/∂V_ij (V_lm h_m + b_l): the operator by one entry of V, applied to the expression it precedes, is that
    expression's change with the entry (its own derivative, δ_il h_j)."""
    checker = Checker(derive.derive(derive.load(KJO)))
    post = ("Here $k$, $l$ and $m$ are summed-over vector indices, with $q = V h_t + b_y$.\n\n"
            rf"$$\frac{{\partial q_l}}{{\partial V_{{ij}}}} = {right}$$" "\n")
    assert [c.verdict for c in verify_text(checker, post, "post.md").claims] == ["ok", verdict]


LSTM = Path(__file__).parent / "posts" / "sequence_rnn" / "deeplearningai_coursera_lstm_backward" / "spec.toml"


@pytest.mark.parametrize("formula, verdict", [
    (r"\frac{\partial}{\partial c_{t-1}} (f_t \odot c_{t-1} + i_t \odot g_t) = f_t", "ok"),
    (r"\frac{\partial}{\partial c_{t-1}} (f_t \odot c_{t-1}) = \mathrm{diag}(f_t)", "ok"),
    (r"\frac{\partial}{\partial c_{t-1}} (f_t \odot c_{t-1} + i_t \odot g_t) = i_t", "wrong"),
    # c_t depends on c_{t-1} through the network, not as written: the operator reads only what is written
    (r"\frac{\partial}{\partial c_{t-1}} c_t = f_t", "unchecked"),
])
def test_a_derivative_operator_by_a_whole_vector(formula, verdict):
    checker = Checker(derive.derive(derive.load(LSTM)))
    assert [c.verdict for c in verify_claim(checker, formula).claims] == [verdict]



ATTENTION_CODE = "\n".join([
    "```python",
    "P_ij = exp(S_ij) / l_i    # where l_i = sum_k(exp(S_ik))",
    "",
    "∂P_ij / ∂S_ij = ∂/∂S_ij [exp(S_ij) / l_i]",
    "              = exp(S_ij) / l_i * [1 - exp(S_ij) / l_i]",
    "              = P_ij * (1 - P_{SLIP}j)",
    "```",
    "",
])


@pytest.mark.parametrize("slip, verdict", [("i", "ok"), ("j", "wrong")])
def test_math_in_a_code_block_with_a_name_its_comment_defines(attention, slip, verdict):
    """A code block of math: l_i defined in the comment of the line that uses it (a definition, never a claim),
    ∂P/∂S written with slashes, and the operator ∂/∂S_ij applied to the bracket after it."""
    claims = verify_text(attention, ATTENTION_CODE.replace("{SLIP}", slip), "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(2, "ok"), (4, "ok"), (5, "ok"), (6, verdict)]


def test_a_comment_that_defines_a_name_the_line_does_not_use_is_nothing(attention):
    post = "```python\nx = 1    # where A_ij = 0\n```\n"
    assert verify_text(attention, post, "post.md").claims == ()


CONCRETE = Path(__file__).parent / "posts" / "sequence_blind_attention" / "attention_backprop_concrete_example_blog" / \
    "spec.toml"


def _softmax_jacobian_post(middle_row: str) -> str:
    return ("Let $P_1 = (p_{11}, p_{12}, p_{13})$, then we have\n\n$$\n\\begin{bmatrix}\n"
            "p_{11} (1-p_{11}) & -p_{11}p_{12} & -p_{11}p_{13} \\\\\n"
            f"{middle_row} \\\\\n"
            "-p_{11}p_{13} & -p_{12}p_{13} & p_{13} (1-p_{13})\n"
            "\\end{bmatrix} = \\begin{bmatrix}\np_{11} & 0 & 0 \\\\\n0 & p_{12} & 0 \\\\\n0 & 0 & p_{13}\n"
            "\\end{bmatrix} - P_1^T P_1\n$$\n")


@pytest.mark.parametrize("middle_row, verdicts", [
    (r"-p_{11}p_{12} & p_{12} (1-p_{12}) & -p_{12}p_{13}", [(4, "ok")]),
    # p_22 for p_12 on the diagonal: the matrix on the left is wrong in its second row only, reported there
    (r"-p_{11}p_{12} & p_{22} (1-p_{22}) & -p_{12}p_{13}", [(5, "ok"), (6, "wrong"), (7, "ok")]),
])
def test_a_tuple_is_a_row_and_a_matrix_written_on_the_left_is_judged_row_by_row(middle_row, verdicts):
    """P_1 = (p_11, p_12, p_13) is the row P_1ᵀ P_1 makes an outer product of; a softmax Jacobian written out
    on the left of its closed form is wrong at the rows whose entries differ, named at the first such entry."""
    checker = Checker(derive.derive(derive.load(CONCRETE)))
    claims = verify_text(checker, _softmax_jacobian_post(middle_row), "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == verdicts, [(c.line, c.verdict, c.reason) for c in claims]
    if len(verdicts) > 1:
        assert "differ first at row 2, column 2" in claims[1].reason


WAYNE = Path(__file__).parent / "posts" / "sequence_blind_rnn2" / "wayne82_rnn_bptt_notes" / "spec.toml"


@pytest.mark.parametrize("formula, verdict", [
    (r"h_t = f(W_{hh} h_{t-1} + W_{xh} x_t + b_h)", "ok"),           # f: a plain RNN's activation by a letter
    (r"h_t = f(W_{hh} h_{t-1})", "wrong"),
    (r"z_t = W_{hy} h_t + b_y", "ok"),                               # z_t: the read-out's logits here
    (r"z_t = W_{hy} h_{t-1} + b_y", "wrong"),
    # a step written by j: the claim holds at every step j, read at t
    (r"\frac{\partial h_j}{\partial h_{j-1}} = f'(W_{hh} h_{j-1} + W_{xh} x_j + b_h) \cdot W_{hh}", "ok"),
    (r"\frac{\partial h_j}{\partial h_{j-1}} = f'(W_{hh} h_{j-1} + W_{xh} x_j + b_h) \cdot W_{hh} W_{hh}", "wrong"),
    # the letters' own meanings on one line: y the prediction, f' one case of a list (the sigmoid's)
    (r"y_t = \text{softmax}(z_t)", "unchecked"),
    (r"f'(z) = \sigma(z)(1-\sigma(z))", "unchecked"),
    (r"f'(z) = 1 - \tanh^2(z)", "ok"),
])
def test_a_plain_rnns_letters_as_posts_write_them(formula, verdict):
    claims = verify_claim(Checker(derive.derive(derive.load(WAYNE))), formula).claims
    assert [c.verdict for c in claims] == [verdict], [(c.verdict, c.reason) for c in claims]


@pytest.mark.parametrize("formula, renamed", [
    (r"\frac{\partial h_j}{\partial h_{j-1}} = W_{hh}", True),
    (r"\frac{\partial h_t}{\partial h_{k-1}} = W_{hh}", False),                 # t and k: two steps, kept apart
    (r"\frac{\partial h_k}{\partial h_{k-1}} = \sum_{k} W_{hh}", False),         # a sum over the letter: it runs
    (r"\frac{\partial h_i}{\partial W_{ij}} = x_j", False),                      # no offset: entries, not steps
])
def test_a_step_letter_other_than_t_is_read_as_t_only_where_it_is_the_one_step(formula, renamed):
    from derive.verify.reader import read
    from derive.verify.sequence.step_letters import at_step_t
    chain = read(formula)[0].chain
    assert (at_step_t(chain) != chain) == renamed


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4), st.integers(1, 3), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_an_activation_named_by_the_layer_it_belongs_to(steps, features, hidden, seed):
    """Elman's and Wikipedia's notation: σ_h, φ_h, f_h the state's activation, σ_y, φ_o the read-out's; X_t the
    step's input; [x_t h_{t-1}] W, the row and the state side by side, times the two weights stacked."""
    checker = Checker(derive.derive(_cell_spec("rnn", steps, features, hidden, seed)))
    for right, slipped in [(r"h_t = \sigma_h(W_{xh} x_t + W_{hh} h_{t-1} + b_h)", r"h_t = \sigma(W_{xh} x_t + W_{hh} h_{t-1} + b_h)"),
                           (r"h_t = \phi_{h}(W_{xh} X_t + W_{hh} h_{t-1} + b_h)", r"h_t = \phi_{h}(W_{xh} X_t + b_h)"),
                           (r"\hat{y}_t = \sigma_y(W_{hy} h_t + b_y)", r"\hat{y}_t = \sigma_h(W_{hy} h_t + b_y)"),
                           (r"\hat{y}_t = \phi_{o}(W_{hy} h_t + b_y)", r"\hat{y}_t = \phi_{o}(W_{hy} h_{t-1} + b_y)"),
                           (r"h_t = \tanh([x_t h_{t-1}] \cdot W + b_h)", r"h_t = \sigma([x_t h_{t-1}] \cdot W + b_h)")]:
        assert _verdict(checker, right).verdict == "ok", right
        assert _verdict(checker, slipped).verdict == "wrong", slipped
    assert _verdict(checker, r"h_t = \phi_{q}(W_{xh} x_t + W_{hh} h_{t-1} + b_h)").verdict == "unchecked"


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4), st.integers(1, 3), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_wikipedias_lstm_activations(steps, features, hidden, seed):
    """σ_g, the gates' sigmoid; σ_c, the candidate's tanh; σ_h, the tanh of the cell state in h_t."""
    checker = Checker(derive.derive(_cell_spec("lstm", steps, features, hidden, seed)))
    for right, slipped in [(r"f_t = \sigma_g(W_f x_t + U_f h_{t-1} + b_f)", r"f_t = \sigma_c(W_f x_t + U_f h_{t-1} + b_f)"),
                           (r"\tilde{c}_t = \sigma_c(W_c x_t + U_c h_{t-1} + b_c)",
                            r"\tilde{c}_t = \sigma_g(W_c x_t + U_c h_{t-1} + b_c)"),
                           (r"h_t = o_t \odot \sigma_h(c_t)", r"h_t = o_t \odot \sigma_g(c_t)")]:
        assert _verdict(checker, right).verdict == "ok", right
        assert _verdict(checker, slipped).verdict == "wrong", slipped


NG_FORWARD = "\n".join(
    rf"$$\Gamma_{gate}^{{\langle t \rangle}} = \sigma\left(W_{gate}\begin{{bmatrix}} a^{{\langle t-1 \rangle}} \\ "
    rf"x^{{\langle t \rangle}}\end{{bmatrix}} + b_{gate} \right)$$" for gate in "ufo") + "\n" + \
    r"$$\widetilde{c}^{\langle t \rangle} = \tanh\left(W_c\begin{bmatrix} a^{\langle t-1 \rangle} \\ " \
    r"x^{\langle t \rangle}\end{bmatrix} + b_c \right)$$" + "\n\n" + \
    r"$$c^{\langle t \rangle} = \Gamma_u^{\langle t \rangle} * \widetilde{c}^{\langle t \rangle} + " \
    r"\Gamma_f^{\langle t \rangle} * c^{\langle t-1 \rangle}$$" + "\n" + \
    r"$$a^{\langle t \rangle} = \Gamma_o^{\langle t \rangle} * \tanh\left(c^{\langle t \rangle}\right)$$" + "\n\n"
A_PATH = r"\frac{\partial J}{\partial a^{\langle t \rangle}} * \Gamma_o^{\langle t \rangle} *\big(1-\tanh(c^{\langle t \rangle})^2\big)"
CELL = r"\frac{\partial J}{\partial c^{\langle t \rangle}}"


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.just(3), st.integers(1, 3), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_a_cell_gradient_written_beside_the_path_through_a_names_the_later_steps_part(steps, features, hidden, seed):
    """Andrew Ng's LSTM: (∂J/∂c^t + ∂J/∂a^t Γ_o (1 - tanh² c^t)) Γ_f is ∂J/∂c^{t-1}, ∂J/∂c^t what the later steps
    send back (dc_next); once a post writes that sum, ∂J/∂c^t = (the path through a^t) is this step's part. A post
    that never writes it reads ∂J/∂c^t as the whole gradient, and that line is wrong."""
    checker = Checker(derive.derive(_cell_spec("lstm", steps, features, hidden, seed)))
    summed = rf"$$\frac{{\partial J}}{{\partial c^{{\langle t-1 \rangle}}}} = \left({CELL} + {A_PATH}\right) * \Gamma_f^{{\langle t \rangle}}$$"
    gate = rf"$$\frac{{\partial J}}{{\partial \Gamma_u^{{\langle t \rangle}}}} = \left({CELL} + {A_PATH}\right) * \widetilde{{c}}^{{\langle t \rangle}}$$"
    own = rf"$${CELL} = {A_PATH}$$"

    def verdicts(*lines):
        claims = verify_text(checker, NG_FORWARD + "\n\n".join(lines) + "\n", "post.md").claims
        return [c.verdict for c in claims if c.line > 7]       # the forward ends at line 7

    assert verdicts(summed, gate, own) == ["ok", "ok", "ok"]
    assert verdicts(summed.replace(r"\Gamma_o^{\langle t \rangle} *", ""), own)[0] == "wrong"
    assert verdicts(gate.replace(r"\widetilde{c}", r"\Gamma_o"), own)[0] == "wrong"
    assert verdicts(own) == ["wrong"]


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 3), st.integers(1, 2), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_a_bracketed_product_is_a_product(steps, features, hidden, seed):
    """[W x_t] is W x_t; only where the product does not read are the bracket's names set side by side."""
    checker = Checker(derive.derive(_cell_spec("rnn", steps, features, hidden, seed)))
    assert _verdict(checker, r"h_t = \tanh([W_{xh} x_t] + W_{hh} h_{t-1} + b_h)").verdict == "ok"
    assert _verdict(checker, r"h_t = \tanh([W_{xh} x_t] + b_h)").verdict == "wrong"


@pytest.mark.parametrize("formula", [r"P = \exp(S - M)", r"P = \frac{\exp(S - M)}{\sum \exp(S - M)}", r"P_i = \exp(S_i - M_i)"])
def test_an_m_subtracted_in_attention_is_the_posts_stabilizer_not_the_mask(attention, formula):
    """FlashAttention notes write exp(S - M), M a row's max or its log-sum-exp (sequence_blind_attention9's false
    alarm at first sight, M read as derive's mask, which is added): unchecked, with the reason."""
    claims = verify_claim(attention, formula).claims
    assert [c.verdict for c in claims] == ["unchecked"], claims
