"""derive verify on sequence posts (issue 15, point 5): an RNN, LSTM or GRU step and attention, read in
the notations people write (h^{⟨t⟩}, h_t, a_prev, Γ_f, c̃, Q, K, V, √d_k), each claim judged on the
spec's numbers; the classic slips named. The posts here are written for the test; the real posts are
in tests/posts/sequence_rnn and sequence_attention, measured below for false alarms."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import derive
from derive.verify import Checker, verify_claim, verify_text

POSTS = Path(__file__).parent / "posts"
LSTM = POSTS / "sequence_rnn" / "deeplearningai_coursera_lstm_backward" / "spec.toml"
ATTENTION = POSTS / "sequence_attention" / "markusheimerl_gpt_attention_readme" / "spec.toml"


@pytest.fixture(scope="module")
def lstm():
    return Checker(derive.derive(derive.load(LSTM)))


@pytest.fixture(scope="module")
def attention():
    return Checker(derive.derive(derive.load(ATTENTION)))


def _verdict(checker, formula: str):
    claims = verify_claim(checker, formula).claims
    assert len(claims) == 1, claims
    return claims[0]


@pytest.mark.parametrize("formula", [
    r"f_t = \sigma(W_f x_t + U_f h_{t-1} + b_f)",
    r"c_t = f_t \odot c_{t-1} + i_t \odot \tilde{c}_t",
    r"h^{\langle t \rangle} = o^{\langle t \rangle} * \tanh(c^{\langle t \rangle})",
    r"dc_{prev} = dc_{next}\Gamma_f^{\langle t \rangle} + \Gamma_o^{\langle t \rangle} * (1- \tanh(c_{next})^2)*\Gamma_f^{\langle t \rangle}*da_{next}",
    r"d\Gamma_o^{\langle t \rangle} = da_{next}*\tanh(c_{next}) * \Gamma_o^{\langle t \rangle}*(1-\Gamma_o^{\langle t \rangle})",
    r"dW_f = d\Gamma_f^{\langle t \rangle} * \begin{pmatrix} a_{prev} \\ x_t\end{pmatrix}^T",
    r"dh_{prev} = U_i^T d\Gamma_i + U_f^T d\Gamma_f + U_c^T d\tilde{c} + U_o^T d\Gamma_o",
    "dc = dh * o * tanh'(c_{next}) + dc_{next}",
    "dg = dc * i * (1 - g^{2})",
])
def test_a_right_lstm_step_is_ok(lstm, formula):
    claim = _verdict(lstm, formula)
    assert claim.verdict == "ok", claim


@pytest.mark.parametrize("formula", [
    r"c_t = f_t \odot c_{t-1} + i_t \odot f_t",
    r"dc_{prev} = dc_{next}\Gamma_f + \Gamma_o * (1- \tanh(c_{next}))*\Gamma_f*da_{next}",
    r"d\Gamma_u^{\langle t \rangle} = dc_{next}*\tilde c^{\langle t \rangle} + \Gamma_o^{\langle t \rangle} (1-\tanh(c_{next})^2) * \tilde c^{\langle t \rangle} * da_{next}*\Gamma_u^{\langle t \rangle}*(1-\Gamma_u^{\langle t \rangle})",
    "dc = dh * o * tanh'(c_{next}) - dc_{next}",
])
def test_a_wrong_lstm_step_is_wrong(lstm, formula):
    assert _verdict(lstm, formula).verdict == "wrong"


def test_one_steps_term_for_a_shared_weight_is_the_missing_sum_over_time(lstm):
    """In a post through time, ∂L/∂W is every step's term summed: one step's term is the missing Σ_t. In a post
    about one step (no sum over time, no loop over the steps), ∂L/∂W is read as that step's term."""
    through = "Backpropagation through time: $\\frac{\\partial L}{\\partial W_f} = d\\Gamma_f x_t^T$\n"
    claim = verify_text(lstm, through, "post.md").claims[0]
    assert claim.verdict == "wrong" and "Σ_t" in claim.reason
    one_step = "One step: $\\frac{\\partial L}{\\partial W_f} = d\\Gamma_f x_t^T$\n"
    assert verify_text(lstm, one_step, "post.md").claims[0].verdict == "ok"
    assert _verdict(lstm, r"dW_f = d\Gamma_f x_t^T").verdict == "ok"


@pytest.mark.parametrize("formula", [
    r"Q = XW_q",
    r"S = \frac{QK^T}{\sqrt{d_k}}",
    r"\frac{\partial L}{\partial V} = A^T(\frac{\partial L}{\partial Z})",
    r"\frac{\partial L}{\partial A} = (\frac{\partial L}{\partial Z})V^T",
    r"\frac{\partial L}{\partial S} = A \odot \left(\frac{\partial L}{\partial A} - \sum_j \frac{\partial L}{\partial A} \odot A\right)",
    r"\frac{\partial L}{\partial Q} = \frac{1}{\sqrt{d}}(\frac{\partial L}{\partial S})K",
    r"\frac{\partial L}{\partial K} = \frac{1}{\sqrt{d}}(\frac{\partial L}{\partial S})^TQ",
    "dK = dS^T @ Q / D",
])
def test_right_attention_is_ok(attention, formula):
    claim = _verdict(attention, formula.replace("/ D", r"\cdot \frac{1}{\sqrt{D}}"))
    assert claim.verdict == "ok", claim


def test_a_dropped_scale_is_named(attention):
    claim = _verdict(attention, r"\frac{\partial L}{\partial Q} = (\frac{\partial L}{\partial S})K")
    assert claim.verdict == "wrong" and "1/√d_k" in claim.reason
    claim = _verdict(attention, r"\frac{\partial L}{\partial K} = \frac{1}{d}(\frac{\partial L}{\partial S})^TQ")
    assert claim.verdict == "wrong" and "d_k" in claim.reason


def test_the_softmax_jacobians_diagonal_alone_is_named(attention):
    claim = _verdict(attention, r"\frac{\partial L}{\partial S} = A \odot \frac{\partial L}{\partial A}")
    assert claim.verdict == "wrong" and "diagonal" in claim.reason
    claim = _verdict(attention, r"\frac{\partial L}{\partial S} = A \odot (1 - A) \odot \frac{\partial L}{\partial A}")
    assert claim.verdict == "wrong" and "diagonal" in claim.reason


def test_a_name_the_network_lacks_is_unchecked(attention):
    assert _verdict(attention, r"\frac{\partial L}{\partial B} = \zeta_1 V^T").verdict == "unchecked"


def test_a_post_fixes_its_weights_side_by_its_forward_equations(attention):
    """x W written forward: the backward's W^T is read the same way round, so W in place of W^T is wrong."""
    post = "$$Y = ZW_o$$\n\n$$\\frac{\\partial L}{\\partial Z} = (\\frac{\\partial L}{\\partial Y})W_o$$\n"
    verdicts = [c.verdict for c in verify_text(attention, post, "post.md").claims]
    assert verdicts == ["ok", "wrong"]


def test_code_reads_matmul_and_transpose():
    from derive.verify.reader import read
    chain = read("dx = W_{ih}.T @ dgates")[0].chain
    assert chain.sides[1].op == "@" and chain.sides[1].left.sup.text == "T"
    assert read(r"d\Gamma_o^{\langle t \rangle} = 1")[0].chain is not None


@pytest.mark.parametrize("corpus", ["sequence_rnn", "sequence_attention", "sequence_blind_rnn", "sequence_blind_attention",
                                    "sequence_blind_rnn2", "sequence_blind_rnn4", "sequence_blind_attention2",
                                    "sequence_blind_rnn5", "sequence_blind_rnn6", "sequence_blind_attention3",
                                    "sequence_blind_rnn7", "sequence_blind_attention4", "sequence_blind_attention5",
                                    "sequence_blind_rnn8", "sequence_blind_rnn10",
                                    "sequence_blind_rnn11", "sequence_blind_rnn13", "sequence_blind_attention9",
                                    "sequence_blind_rnn16", "sequence_blind_rnn17", "sequence_blind_rnn18",
                                    "sequence_blind_rnn19", "sequence_blind_rnn20",
                                    "sequence_blind_rnn23"])
def test_no_false_alarm_on_the_real_sequence_posts(corpus):
    sys.path.insert(0, str(POSTS))
    try:
        import measure
    finally:
        sys.path.remove(str(POSTS))
    scores = [measure.score(folder) for folder in measure.posts(POSTS / corpus)]
    assert [alarm for score in scores for alarm in score.false_alarms] == []
    assert sum(score.ok + score.wrong for score in scores) > 0


def test_the_third_blind_set_differs_from_its_truth_only_where_a_formula_carries_an_earlier_slip():
    """sequence_blind_rnn3's truth judges a backward line locally, with the true values of what it names; verify,
    as the verify issue and the other sequence sets have it, calls a formula right in form that uses a gradient
    the post stated wrongly above wrong, carrying that line. The GRU post's two such lines (∂L/∂h̃_t and ∂L/∂u_t
    after its Step 2 slip at line 38) and the LSTM cell's two (dL/do_t and dL/dC_t after its dL/dh_t = h_t − y,
    line 11, for L = (h_t − y)²) are the only disagreement, and each says what it carries."""
    sys.path.insert(0, str(POSTS))
    try:
        import measure
    finally:
        sys.path.remove(str(POSTS))
    scores = {score.post: score for score in map(measure.score, measure.posts(POSTS / "sequence_blind_rnn3"))}
    carried = {"ahmadrazacdx_gru_numpy_bptt": ([49, 68], 38), "datvodinh10_lstm_formula_cell": ([12, 13], 11)}
    assert {name: score.false_alarms for name, score in scores.items() if score.false_alarms} == \
        {name: lines for name, (lines, _) in carried.items()}
    for name, (lines, slip) in carried.items():
        folder = POSTS / "sequence_blind_rnn3" / name
        checker = Checker(derive.derive(derive.load(folder / "spec.toml")))
        claims = verify_text(checker, (folder / "post.md").read_text(encoding="utf-8"), "post.md").claims
        assert all(c.carries == slip and f"carries the error from line {slip}" in c.reason
                   for c in claims if c.line in lines)


def test_the_fifteenth_rnn_set_differs_from_its_truth_only_where_a_transpose_is_left_unwritten():
    """sequence_blind_rnn15's truth reads (p_t - labels_t) h_t, two columns, generously as their outer product;
    the first blind set's truth calls the same formula (willwolf's, which this notebook follows) wrong, the
    transpose missing. verify keeps one reading for both: a product of two columns of different lengths is
    undefined, and the claim says so. These two lines are the only disagreement."""
    sys.path.insert(0, str(POSTS))
    try:
        import measure
    finally:
        sys.path.remove(str(POSTS))
    folder = POSTS / "sequence_blind_rnn15" / "razmik_vanilla_rnn_bptt_notebook"
    assert measure.score(folder).false_alarms == [151, 177]
    checker = Checker(derive.derive(derive.load(folder / "spec.toml")))
    claims = verify_text(checker, (folder / "post.md").read_text(encoding="utf-8"), "post.md").claims
    assert all("which is undefined" in c.reason for c in claims if c.line in (151, 177))


@pytest.mark.parametrize("formula", [
    r"A_{ij} = \frac{e^{S_{ij}}}{\sum_k e^{S_{ik}}}",
    r"\frac{\partial A_{ij}}{\partial S_{ik}} = A_{ij}(\delta_{jk} - A_{ik})",
    r"\frac{\partial A_{ij}}{\partial S_{ik}} = A_{ij}\delta_{jk} - A_{ij} A_{ik}",
])
def test_entries_with_free_indices_are_checked_at_every_entry(attention, formula):
    assert _verdict(attention, formula).verdict == "ok"


@pytest.mark.parametrize("formula", [
    r"\frac{\partial A_{ij}}{\partial S_{ik}} = A_{ij}(\delta_{jk} - A_{ij})",
    r"\frac{\partial A_{ij}}{\partial S_{ik}} = A_{ij}(1 - A_{ij})",
])
def test_an_index_level_diagonal_only_softmax_jacobian_is_named(attention, formula):
    claim = _verdict(attention, formula)
    assert claim.verdict == "wrong" and "diagonal" in claim.reason and "j ≠ k" in claim.reason


def test_a_wrong_entry_is_named_by_its_indices(attention):
    claim = _verdict(attention, r"A_{ij} = \frac{e^{S_{ij}}}{\sum_k e^{S_{kj}}}")
    assert claim.verdict == "wrong" and claim.reason.startswith("at i = ")


def test_a_one_step_jacobian_of_an_rnn(tmp_path):
    spec = POSTS / "sequence_rnn" / "kjo144_rnn_bptt_index_notation" / "spec.toml"
    checker = Checker(derive.derive(derive.load(spec)))
    assert _verdict(checker, r"\frac{\partial h_t}{\partial h_{t-1}} = (1 - h_t^2) \cdot U").verdict == "ok"
    assert _verdict(checker, r"\frac{\partial h_t}{\partial h_{t-1}} = (1 - h_t) \cdot U").verdict == "wrong"


def test_a_posts_own_names_for_the_stages_are_read_and_checked(tmp_path):
    """W = QKᵀ/d_k names the scores (with the wrong scale), B = softmax(W) the weights, C = BV the output; from
    then on ∂L/∂B and ∂L/∂C are those quantities' gradients, and ζ_1 names what the post wrote."""
    spec = POSTS / "sequence_attention" / "goubasarian_attention_backprop" / "spec.toml"
    checker = Checker(derive.derive(derive.load(spec)))
    post = "\n\n".join([
        r"$$W = \frac{QK^T}{d_k} \in \mathbb{R}^{n \times n}$$",
        r"$$B = softmax(W)$$",
        r"$$C = BV$$",
        r"$$\frac{\partial L}{\partial V} = B^T \frac{\partial L}{\partial C} = \zeta_1$$",
        r"$$\frac{\partial L}{\partial B} = \frac{\partial L}{\partial C} V^T = \zeta_2$$",
        r"$$\frac{\partial L}{\partial B} = \zeta_1 V^T$$",
        r"$$QK^T = KQ^T$$",
    ]) + "\n"
    verdicts = [(c.verdict, c.reason) for c in verify_text(checker, post, "post.md").claims]
    assert [v for v, _ in verdicts] == ["wrong", "ok", "ok", "ok", "ok", "wrong", "wrong"]
    assert "√d_k" in verdicts[0][1] and "weights" in verdicts[1][1]


KARPATHY_STYLE = """```python
dy = np.copy(ps[t])
dy[targets[t]] -= 1
dWhy += np.dot(dy, hs[t].T)
dby += dy
dh = np.dot(Why.T, dy) + dhnext
dhraw = (1 - hs[t] * hs[t]) * dh
dbh += dhraw
dWxh += np.dot(dhraw, xs[t].T)
dWhh += np.dot(dhraw, hs[t-1].T)
dhnext = np.dot(Whh.T, dhraw)
```
"""


def _rnn_checker():
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from test_sequence_verify_fuzz import _cell_spec
    finally:
        sys.path.remove(str(Path(__file__).parent))
    return Checker(derive.derive(_cell_spec("rnn", 4, 3, 3, 5)))


def test_code_in_a_python_block_is_read_as_the_step_it_computes():
    """min-char-rnn's backward loop: arrays over the steps (hs[t]), np.dot, += onto a shared weight's
    gradient (the step's term), dhnext carried back; dy built over two lines is one claim, at the second."""
    claims = verify_text(_rnn_checker(), KARPATHY_STYLE, "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(n, "ok") for n in range(3, 12)]


@pytest.mark.parametrize("slip", [
    ("dWhh += np.dot(dhraw, hs[t-1].T)", "dWhh += np.dot(dhraw, hs[t].T)"),
    ("dhraw = (1 - hs[t] * hs[t]) * dh", "dhraw = (1 - hs[t]) * dh"),
    ("dh = np.dot(Why.T, dy) + dhnext", "dh = np.dot(Why.T, dy)"),
])
def test_a_slip_in_code_is_wrong(slip):
    right, wrong = slip
    post = KARPATHY_STYLE.replace(right, wrong)
    line = post.split("\n").index(wrong) + 1
    claims = {c.line: c.verdict for c in verify_text(_rnn_checker(), post, "post.md").claims}
    assert claims[line] == "wrong", claims


def test_pytorchs_stacked_lstm_is_read(lstm):
    post = "\n".join(["gates = W_ih @ x + b_ih + W_hh @ h_prev + b_hh", "",
                      "dgates = concat([di, df, dg, do])", "", "dx = W_ih.T @ dgates", "",
                      "dh_prev = W_hh.T @ dgates", "", "dh_prev = W_ih.T @ dgates", ""])
    verdicts = [c.verdict for c in verify_text(lstm, post, "post.md").claims]
    assert verdicts[:4] == ["ok", "ok", "ok", "ok"]
    assert "ok" not in verdicts[4:]            # the input's weights for the state's: shapes that do not fit


CS231N_STYLE = """```python
next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
dtanh = dnext_h * (1 - next_h**2)
dx = dtanh.dot(Wx.T)
dprev_h = dtanh.dot(Wh.T)
dWx = x.T.dot(dtanh)
dWh = prev_h.T.dot(dtanh)
db = np.sum(dtanh, axis=0)
```
"""


def test_code_with_rows_for_vectors_and_python_powers():
    """CS231n's RNN step: x.dot(Wx) (vectors as rows), next_h**2, np.sum(…, axis=0); dtanh named by the post,
    and a step that holds: the gradient at the state's net input."""
    claims = verify_text(_rnn_checker(), CS231N_STYLE, "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(2, "ok"), (3, "ok"), (4, "ok"), (5, "ok"), (6, "ok"), (7, "ok"),
                                                     (8, "ok")]
    slipped = CS231N_STYLE.replace("dWh = prev_h.T.dot(dtanh)", "dWh = next_h.T.dot(dtanh)")
    assert {c.line: c.verdict for c in verify_text(_rnn_checker(), slipped, "post.md").claims}[7] == "wrong"


def test_index_notation_with_einsteins_sums():
    """k and l summed over as the post says: the read-out's chain rule entry by entry, ∂q_l/∂V_ij = δ_il h_j
    from the product's own Jacobian, (ŷ_t − y_t)_l an expression's entry, {h_t}_j a step's entry."""
    spec = POSTS / "sequence_rnn" / "kjo144_rnn_bptt_index_notation" / "spec.toml"
    checker = Checker(derive.derive(derive.load(spec)))
    post = "\n\n".join([
        "Here $k$ and $l$ are summed-over vector indices, with $q = V h_t + b_y$.",
        r"$$\frac{\partial E_t}{\partial V_{ij}} = \frac{\partial E_t}{\partial \hat{y}_{t_k}} "
        r"\frac{\partial \hat{y}_{t_k}}{\partial q_l} \frac{\partial q_l}{\partial V_{ij}}$$",
        r"$$\frac{\partial E_t}{\partial \hat{y}_{t_k}} \frac{\partial \hat{y}_{t_k}}{\partial q_l} = "
        r"(\hat{y}_t - y_t)_l$$",
        r"$$\frac{\partial E_t}{\partial V_{ij}} = ({\hat{y}_t}_i - {y_t}_i) {h_t}_j$$",
        r"$$\frac{\partial E_t}{\partial b_{y_i}} = {\hat{y}_t}_i + {y_t}_i$$",
    ]) + "\n"
    verdicts = [c.verdict for c in verify_text(checker, post, "post.md").claims]
    assert verdicts == ["ok", "ok", "ok", "ok", "wrong"]


def test_slices_and_a_letter_for_the_activation(lstm):
    """gates[:H], gates[H:2*H] (PyTorch's stacked gates, H the hidden size); W_f = W_f[:n_a, :] says how the post
    uses a name, no claim; an RNN's g(·) and g'(·) are its activation and slope."""
    post = ("```python\ngates = W_ih @ x + b_ih + W_hh @ h_prev + b_hh\ni = sigmoid(gates[:H])\n"
            "f = sigmoid(gates[H:2*H])\no = sigmoid(gates[H:2*H])\n```\n\n$$W_f = W_f[:n_a,:]$$\n")
    assert [(c.line, c.verdict) for c in verify_text(lstm, post, "post.md").claims] == \
        [(2, "ok"), (3, "ok"), (4, "ok"), (5, "wrong")]
    rnn = _rnn_checker()
    assert _verdict(rnn, r"\frac{\partial h_t}{\partial h_{t-1}} = g'(W x_t + U h_{t-1}) \cdot U").verdict == "ok"
    assert _verdict(rnn, r"\frac{\partial h_t}{\partial h_{t-1}} = g(W x_t + U h_{t-1}) \cdot U").verdict == "wrong"


def test_a_chain_over_several_lines_is_judged_at_each_line(lstm):
    """An LSTM step's chain written a side per line: a verdict at each line a relation starts, the
    wrong side's line wrong, the lines around it right."""
    right = ("$$\nc_t\n= f_t \\odot c_{t-1} + i_t \\odot \\tilde{c}_t\n"
             "= c_{t-1} \\odot f_t + \\tilde{c}_t \\odot i_t\n$$\n")
    claims = verify_text(lstm, right, "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(2, "ok"), (3, "ok"), (4, "ok")]
    wrong = right.replace("= f_t \\odot c_{t-1} + i_t", "= f_t \\odot c_{t-1} + o_t")
    claims = verify_text(lstm, wrong, "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(3, "wrong"), (4, "ok")]


def test_an_unread_claim_says_what_stopped_its_reading(lstm):
    """Not the generic 'names something this network does not have': the name or form it stopped at, in
    the post's terms (∂L/∂…, not derive's keys)."""
    operator = _verdict(lstm, r"\frac{\partial}{\partial h_t} c_t = f_t")
    assert operator.verdict == "unchecked"
    assert operator.reason == "not read: a derivative operator applied to what does not write the quantity it is by"


def test_derives_keys_are_spoken_as_the_post_would_write_them():
    from derive.verify.sequence.names import spoken
    assert [spoken(k) for k in ("d:yhat", "W:q", "net:n", "V:", "d:W:o", "h@-1")] == \
        ["∂L/∂yhat", "W_q", "the net input of n", "V", "∂L/∂W_o", "h"]


def test_a_matrix_written_out_entry_by_entry_and_its_wrong_row(attention):
    """∂L/∂V written out as its entries ∂L/∂v_{12} (fixed indices, counted from 1 as the post does), each
    Σ_k p_{k2} ∂L/∂o_{k2}: right rows ok at their lines, a row with a wrong entry wrong at its own line."""
    def row(i: int) -> str:
        return " & ".join(" + ".join(f"p_{{{k}{i}}}\\frac{{\\partial L}}{{\\partial o_{{{k}{j}}}}}" for k in (1, 2, 3))
                          for j in (1, 2, 3, 4))          # 3 positions, d = 4
    rows = [row(1), row(2), row(3)]
    text = ("$$\n\\frac{\\partial L}{\\partial V} = \\begin{bmatrix}\n" + " \\\\\n".join(rows) + "\n\\end{bmatrix}\n$$\n")
    claims = verify_text(attention, text, "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(2, "ok")]
    slipped = text.replace(rows[2], rows[2].replace("p_{13}", "p_{31}", 1))
    claims = verify_text(attention, slipped, "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(3, "ok"), (4, "ok"), (5, "wrong")]
    assert claims[2].reason.endswith("the matrix's row 3 is wrong")


@pytest.mark.parametrize("formula, verdict", [
    (r"\delta Q = \delta S \, K / \sqrt{d_k}", "ok"),
    (r"\delta K = \delta S^\top Q / \sqrt{d_k}", "ok"),
    (r"\delta K = \delta S Q / \sqrt{d_k}", "wrong"),
    (r"\delta V = A^\top \delta Z", "ok"),
])
def test_a_delta_inside_a_product_is_the_gradient_it_names(attention, formula, verdict):
    """δS K, δS^T Q: δ before a name is that name's gradient wherever it stands, turned where it is."""
    assert _verdict(attention, formula).verdict == verdict


def test_a_name_for_a_gate_s_net_input_is_read_under_the_convention_that_fits_it(lstm):
    """a_o = W_o [h_{t-1}, x_t] + b_o reads only with W_o the two blocks side by side (not the default): it still
    names the gate's net input, so ∂L/∂a_o is that net input's gradient."""
    post = ("$$ a_o = W_o [h_{t - 1}, x_t] + b_o $$\n\n"
            "$$ \\frac{dL}{d a_o} = \\frac{dL}{d h_t} \\cdot \\tanh(c_t) \\cdot o_t (1 - o_t) $$\n\n"
            "$$ \\frac{dL}{d a_o} = \\frac{dL}{d h_t} \\cdot \\tanh(c_t) \\cdot \\sigma(o_t) (1 - \\sigma(o_t)) $$\n")
    verdicts = {c.line: c.verdict for c in verify_text(lstm, post, "post.md").claims}
    assert verdicts == {1: "ok", 3: "ok", 5: "wrong"}, verdicts


def test_a_snake_case_function_is_one_name_and_row_sum_its_rows(attention):
    """ROW\\_SUM(·) in Markdown math (the underscore escaped): FlashAttention's D = rowsum(dO ∘ O)."""
    right = (r"\frac{\partial L}{\partial S} = \frac{\partial L}{\partial P} \circ P - "
             r"ROW\_SUM(\frac{\partial L}{\partial O} \circ O) \circ P")
    assert _verdict(attention, right).verdict == "ok"
    assert _verdict(attention, right.replace(r"\circ O)", ")")).verdict == "wrong"


def test_a_forward_equation_fixes_a_reading_from_its_line_on(attention):
    """S = QK^T (the post names the product before its scale, which it applies elsewhere) makes S the scores
    before the scale, below it; above it, S is still the softmax's input. A post that writes no scale anywhere
    has attention without one, another network than the spec's: its claims through S are unchecked."""
    softmax = r"\frac{\partial L}{\partial S} = A \odot \left(\frac{\partial L}{\partial A} - \sum_j \frac{\partial L}{\partial A} \odot A\right)"
    post = f"$$ {softmax} $$\n\n$$ S = QK^T $$\n\n$$ {softmax} $$\n\nThe softmax then takes $S/\\sqrt{{d_k}}$.\n"
    verdicts = {c.line: c.verdict for c in verify_text(attention, post, "post.md").claims}
    assert verdicts[1] == "ok" and verdicts[3] == "ok" and verdicts[5] == "wrong", verdicts
    unscaled = {c.line: (c.verdict, c.reason) for c in verify_text(attention, post.rsplit("\n\n", 1)[0],
                                                                  "post.md").claims}
    assert unscaled[5][0] == "unchecked" and "without the scale" in unscaled[5][1], unscaled


def test_a_net_input_by_its_bias_is_the_identity(lstm):
    post = ("$$ a_o = W_o [h_{t - 1}, x_t] + b_o $$\n\n"
            "$$ \\frac{dL}{d b_o} = \\frac{dL}{d a_o} \\cdot \\frac{d a_o}{d b_o} $$\n\n"
            "$$ \\frac{dL}{d b_o} = 2 \\frac{dL}{d a_o} \\cdot \\frac{d a_o}{d b_o} $$\n")
    verdicts = {c.line: c.verdict for c in verify_text(lstm, post, "post.md").claims}
    assert verdicts.get(3) == "ok" and verdicts.get(5) == "wrong", verdicts


def test_an_entry_formula_for_a_case_the_post_states_is_not_wrong(attention):
    """∂A_ik/∂S_ij = -A_ik A_ij holds where k ≠ j; under the case stated above it, it is right; with no case
    stated it is the softmax Jacobian without its diagonal term, a slip; a slip in the case is wrong."""
    formula = r"$$ \frac{\partial A_{ik}}{\partial S_{ij}} = -A_{ik} A_{ij} $$"
    cased = f"When $k \\neq j$ (off the diagonal):\n\n{formula}\n"
    assert [c.verdict for c in verify_text(attention, cased, "post.md").claims] == ["ok"]
    assert [c.verdict for c in verify_text(attention, cased.replace("-A_{ik}", "A_{ik}"), "post.md").claims] == \
        ["wrong"]
    assert [c.verdict for c in verify_text(attention, formula + "\n", "post.md").claims] == ["wrong"]


@pytest.mark.parametrize("sign, verdict", [("-", "ok"), ("+", "wrong")])
def test_a_sum_that_leaves_one_index_out(attention, sign, verdict):
    """Σ_{k≠j}: the softmax's backward with its diagonal term apart, as index-level derivations write it."""
    formula = (r"\frac{\partial L}{\partial S_{ij}} = A_{ij}(1 - A_{ij}) \frac{\partial L}{\partial A_{ij}} "
               + sign + r" \sum_{k \neq j} A_{ik} A_{ij} \frac{\partial L}{\partial A_{ik}}")
    assert _verdict(attention, formula).verdict == verdict
    assert _verdict(attention, formula.replace(r"\neq", "≠")).verdict == verdict


def test_the_ninth_blind_set_raises_no_false_alarm():
    """sequence_blind_rnn9, measured at first sight on 2026-12-04: 0 of 8 real errors caught, 56% unchecked and 4
    false alarms (Pascanu's W_in and W_rec unread, s_t read as the state where h_t = tanh(s_t) makes it the net
    input, δ_t = ∂E_t/∂s_t read as the whole loss's δ, δ^{(t)}_k = ∂E_t/∂s_k judged as a claim); then 3 of 8 and
    one disagreement: Yi Wang's prose 'there is an implicit dataflow $c^{t+1} = c^t$ between LSTM units' was read as
    an equation of two states. A state set equal to itself at another step is no value claim: none since."""
    sys.path.insert(0, str(POSTS))
    try:
        import measure
    finally:
        sys.path.remove(str(POSTS))
    scores = [measure.score(folder) for folder in measure.posts(POSTS / "sequence_blind_rnn9")]
    assert [alarm for score in scores for alarm in score.false_alarms] == []
    assert sum(score.caught for score in scores) >= 3