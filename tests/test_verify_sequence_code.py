"""derive verify on a sequence post's Python code (issue 15, point 5): a document that is a Python file,
tuple assignments, names assigned again, code's snake-case accents (h_hat), glued weight names (Wxz, bf),
the GRU's two update-gate conventions fixed by the post's own forward line, and `+=` of one path's term.
The code here is written for the test; tests/posts/sequence_blind_rnn holds the real posts."""

from __future__ import annotations

import numpy as np
import pytest

import derive
from derive.verify import Checker, verify_text
from derive.verify.code_regions import _as_math, code_lines, is_source
from derive.verify.regions import normalize
from helpers import checker_of, many_to_one_spec, trained


SPEC = """
title = "{kind} for the code tests"

[input]
shape = [3, 3]
values = [[[0.5, -1.0, 0.25], [1.5, 0.0, -0.5], [-0.75, 0.5, 1.0]]]

[[layers]]
type = "{kind}"
hidden = 4

[[layers]]
type = "dense"
units = 3
activation = "softmax"

[target]
tokens = [[0, 2, 1]]

[init]
seed = 9

""" + trained("cross_entropy", 0.1)


@pytest.fixture(scope="module")
def rnn(tmp_path_factory):
    return checker_of(tmp_path_factory.mktemp("rnn"), SPEC.format(kind="rnn"))


@pytest.fixture(scope="module")
def gru(tmp_path_factory):
    return checker_of(tmp_path_factory.mktemp("gru"), SPEC.format(kind="gru"))


def _by_line(report) -> dict[int, str]:
    found: dict[int, str] = {}
    for claim in report.claims:
        found[claim.line] = "wrong" if "wrong" in (found.get(claim.line), claim.verdict) else claim.verdict
    return found


RNN_FILE = """\
# one step of a vanilla RNN, column vectors
def step_backward(dy, dhnext, hs, xs, t):
    hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t-1]) + bh) # the state, as the forward pass made it
    dh = np.dot(Why.T, dy) + dhnext # backprop into h
    dhraw = (1 - hs[t] * hs[t]) * dh # backprop through tanh
    dWxh = np.dot(dhraw, xs[t].T) # the input's weights
    return dh
"""


def test_a_python_file_is_read_as_code_its_comments_no_prose(rnn):
    assert is_source(RNN_FILE)
    verdicts = _by_line(verify_text(rnn, RNN_FILE, "post.md"))
    assert verdicts.get(3) == "ok" and verdicts.get(4) == "ok" and verdicts.get(5) == "ok", verdicts
    slipped = RNN_FILE.replace("(1 - hs[t] * hs[t]) * dh", "(1 - hs[t]) * dh")
    assert _by_line(verify_text(rnn, slipped, "post.md")).get(5) == "wrong"


def test_prose_and_markdown_are_not_a_python_file():
    assert not is_source("We take the gradient of the loss.\n\n$$ dh = W^T dy $$\n")
    assert not is_source("# A heading\n\nSome words = more words\n")
    assert not is_source("")


def test_a_tuple_assignment_is_read_pair_by_pair_and_an_unpacking_not_at_all():
    text = "```python\nWxz, Wxr = W[:, :H], W[:, H:]\nx, h_prev, z = self.cache\n```\n"
    assert [region.text for region in code_lines(text)] == ["Wxz = W[:, :H]", "Wxr = W[:, H:]"]


def test_code_accents_and_snake_case():
    assert _as_math("dh_hat = dh_next * z") == "d\\hat{h} = dh_{next} * z"
    assert _as_math("c_tilde = np.tanh(a)") == "\\tilde{c} = np.tanh(a)"
    assert _as_math("delta_hat = 1") == "delta_{hat} = 1"         # only a one-letter name takes an accent
    assert _as_math("dh3dh2 = dh1dW") == "\\operatorname{dh3dh2} = \\operatorname{dh1dW}"   # digits inside: one name
    assert _as_math("h2 = h1") == "h2 = h1"                     # digits at the end: a name at a step


GRU_FORWARD = """\
```python
z = sigmoid(np.dot(x, Wxz) + np.dot(h_prev, Whz))
r = sigmoid(np.dot(x, Wxr) + np.dot(h_prev, Whr))
h_next = (1-z) * h_prev + z * h_hat
```
"""


def test_the_post_s_forward_line_fixes_which_way_the_update_gate_goes(gru):
    backward = "```python\ndh_hat = dh_next * z\ndz = dh_next * h_hat - dh_next * h_prev\n```\n"
    verdicts = _by_line(verify_text(gru, GRU_FORWARD + backward, "post.md"))
    assert [verdicts.get(k) for k in (2, 3, 4, 7, 8)] == ["ok"] * 5, verdicts
    swapped = backward.replace("dh_next * z", "dh_next * (1-z)")
    assert _by_line(verify_text(gru, GRU_FORWARD + swapped, "post.md")).get(7) == "wrong"


def test_a_name_assigned_again_takes_its_new_value_on_the_lines_below(gru):
    backward = ("```python\n"
                "dt = dh_hat * (1 - h_hat ** 2)\n"              # 7: the candidate's pre-activation
                "dz = dh_next * h_hat - dh_next * h_prev\n"
                "dt = dz * z * (1-z)\n"                          # 9: the update gate's, from here on
                "dWxz = np.dot(x.T, dt)\n"                       # 10
                "```\n")
    verdicts = _by_line(verify_text(gru, GRU_FORWARD + backward, "post.md"))
    assert verdicts.get(10) == "ok", verdicts
    early = backward.replace("dt = dz * z * (1-z)\ndWxz = np.dot(x.T, dt)\n", "dWxz = np.dot(x.T, dt)\n")
    assert _by_line(verify_text(gru, GRU_FORWARD + early, "post.md")).get(9) == "wrong"


def test_one_path_s_term_added_to_a_state_s_gradient_is_no_claim(gru):
    backward = ("```python\n"
                "dz = dh_next * h_hat - dh_next * h_prev\n"      # 7
                "dt = dz * z * (1-z)\n"
                "dh_prev += np.dot(dt, Whz.T)\n"                 # 9: the path through z, one of several
                "dWhz = np.dot(h_prev.T, dt)\n"                  # 10
                "```\n")
    report = verify_text(gru, GRU_FORWARD + backward, "post.md")
    verdicts = _by_line(report)
    assert verdicts.get(7) == "ok" and verdicts.get(10) == "ok", verdicts
    assert verdicts.get(9) in (None, "unchecked"), verdicts
    assert all(claim.verdict != "wrong" for claim in report.claims), report.claims


def test_a_state_s_gradient_built_over_paths_is_judged_whole_at_its_last_path(gru):
    """dh_prev = the direct path, then += the path through z: the sum so far, at the last line, is the claim;
    a sum that leaves out the paths through r and the candidate is short of ∂L/∂h_prev."""
    backward = ("```python\n"
                "dh_prev = dh_next * (1-z)\n"                    # 7: the direct path, more added below
                "dz = dh_next * h_hat - dh_next * h_prev\n"
                "dt = dz * z * (1-z)\n"
                "dh_prev += np.dot(dt, Whz.T)\n"                 # 10: the path through z
                "```\n")
    report = verify_text(gru, GRU_FORWARD + backward, "post.md")
    assert 7 not in _by_line(report)
    claim = next(claim for claim in report.claims if claim.line == 10)
    assert "built up to line 10" in claim.text and claim.verdict in ("wrong", "unchecked"), claim


# -- a notebook's printed values ------------------------------------------------------------------------

NOTEBOOK_SPEC = many_to_one_spec([0.2, 0.3, 0.4], [2.0, 1.0], [[1.0, 2.0], [3.0, 4.0]], [0.0, 0.0], [2.0, 4.0], 0.0, 7.0,
                                 0.001, title="three steps of a two-unit RNN, one output at the end")


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    return checker_of(tmp_path_factory.mktemp("notebook"), NOTEBOOK_SPEC)


def _oracle():
    """h_1 and the weights after one step of gradient descent, by PyTorch in float64."""
    import torch
    W = torch.tensor([2.0, 1.0], dtype=torch.float64, requires_grad=True)
    U = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)
    h = torch.zeros(2, dtype=torch.float64)
    states = []
    for x in (0.2, 0.3, 0.4):
        h = torch.tanh(W * x + U @ h)
        states.append(h)
    loss = 0.5 * (torch.tensor([2.0, 4.0], dtype=torch.float64) @ h - 7.0) ** 2
    loss.backward()
    return (states[0].detach().numpy(), (W - 0.001 * W.grad).detach().numpy(),
            (U - 0.001 * U.grad).detach().numpy())


def _cell(source: str, printed: str) -> str:
    return f"```python\n{source}\n```\n```\n{printed}\n```\n"


def test_a_cell_s_printed_value_is_a_claim_at_its_line(notebook):
    h1 = _oracle()[0]
    shown = f"array([{h1[0]:.8f}, {h1[1]:.8f}])"
    text = _cell("h1 = np.tanh(W.dot(x[0]))\nh1", shown)
    assert _by_line(verify_text(notebook, text, "post.md")).get(6) == "ok"
    off = f"array([{h1[0]:.8f}, {h1[1] + 0.001:.8f}])"
    assert _by_line(verify_text(notebook, _cell("h1", off), "post.md")).get(5) == "wrong"


def test_figures_are_allowed_their_rounding(notebook):
    h1 = _oracle()[0]
    rounded = f"$$ h_1 = [{h1[0]:.4f}, {h1[1]:.2f}] $$\n"
    assert _by_line(verify_text(notebook, rounded, "post.md")).get(1) == "ok"
    slipped = f"$$ h_1 = [{h1[0]:.4f}, {h1[1] + 0.0003:.4f}] $$\n"
    assert _by_line(verify_text(notebook, slipped, "post.md")).get(1) == "wrong"


def test_a_weight_printed_after_an_in_place_update_is_the_updated_weight(notebook):
    _, W_new, U_new = _oracle()
    W_text = f"array([{W_new[0]:.10f}, {W_new[1]:.10f}])"
    U_rows = [f"[{row[0]:.10f}, {row[1]:.10f}]" for row in U_new]
    U_text = f"array([{U_rows[0]},\n       {U_rows[1]}])"
    step = "eta = 0.001\nW -= eta * dlossdW\nU -= eta * dlossdU"
    text = f"```python\n{step}\n```\n\n" + _cell("W", W_text) + "\n" + _cell("U", U_text)
    report = verify_text(notebook, text, "post.md")
    assert any("W^{+}" in claim.text for claim in report.claims), report.claims
    verdicts = _by_line(report)
    assert [verdicts.get(k) for k in (3, 4, 11, 18)] == ["ok"] * 4, (verdicts, report.claims)
    # the step's sign turned round: within 2e-6 of W everywhere, and still wrong
    W_wrong = f"array([{2 * 2.0 - W_new[0]:.10f}, {2 * 1.0 - W_new[1]:.10f}])"
    U_wrong = U_text.replace(U_rows[1], f"[{2 * 3.0 - U_new[1][0]:.10f}, {2 * 4.0 - U_new[1][1]:.10f}]")
    text = f"```python\n{step}\n```\n\n" + _cell("W", W_wrong) + "\n" + _cell("U", U_wrong)
    verdicts = _by_line(verify_text(notebook, text, "post.md"))
    assert [verdicts.get(k) for k in (11, 18, 19)] == ["wrong", "ok", "wrong"], verdicts   # each row at its line


def test_a_printed_value_is_number_literals_only():
    from derive.verify.cell_outputs import _value
    assert _value("array([0.5, -1.25])") == "[0.5, -1.25]"
    assert _value("array([[1.0, 2.0],\n       [3.0, 4.0]])") == "\\begin{bmatrix} 1.0 & 2.0 \\\\ 3.0 & 4.0 \\end{bmatrix}"
    assert _value("5.99720442000804") == "5.99720442000804"
    for text in ("__import__('os').system('x')", "array([a, b])", "[[1.0, 2.0], [3.0]]", "True", "'text'",
                 "array([1.0], dtype=float32)", "(1.0, 2.0)"):
        assert _value(text) is None, text


# -- a formula whose shapes cannot fit ------------------------------------------------------------------

RNN_FORWARD = ("$$ z_t = W^{xh} x_t + W^{hh} h_{t-1} + b_h $$\n\n$$ h_t = \\tanh(z_t) $$\n\n"
               "$$ y_t = W^{hy} h_t + b_y $$\n\n$$ p_t = \\text{softmax}(y_t) $$\n\n")


def test_a_product_whose_shapes_cannot_fit_is_wrong_where_the_post_s_forward_fixes_its_names(rnn):
    """(p_t - labels_t) h_t multiplies a K×1 by an H×1: undefined under every reading, its names all the ones
    the post's own forward equations use. The right form, with h_tᵀ, is ok."""
    text = RNN_FORWARD + "$$ \\frac{\\partial J_t}{\\partial W^{hy}} = (p_t - \\text{labels}_t) h_t $$\n"
    claim = next(c for c in verify_text(rnn, text, "post.md").claims if c.line == 9)
    assert claim.verdict == "wrong" and "shapes do not fit" in claim.reason and "3×1 and a 4×1" in claim.reason
    right = text.replace("h_t $$\n", "h_t^T $$\n")
    assert next(c for c in verify_text(rnn, right, "post.md").claims if c.line == 9).verdict == "ok"


def test_a_misfit_among_names_the_post_means_otherwise_is_not_wrong(rnn):
    """A post's side example (Y = X ⊙ W, its own X and W) reads the network's names for them: shapes that do
    not fit there say the post means something else, not that it is wrong."""
    text = "$$ Y = X \\odot W $$\n\n$$ \\frac{\\partial L}{\\partial X} = \\frac{\\partial L}{\\partial Y} \\odot W $$\n"
    assert all(claim.verdict != "wrong" for claim in verify_text(rnn, text, "post.md").claims)


# -- documents nobody wrote: verify never fails on them ---------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from derive.errors import DeriveError  # noqa: E402

_NAMES = st.sampled_from(["h1", "W", "U", "dlossdW", "dL_dU", "x", "h_prev", "dh_hat", "self", "y_", "ps", "hs",
                          "z", "r", "Wxz", "bf", "dt", "np"])
_VALUES = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=5).map(lambda v: f"array({v!r})"),
    st.lists(st.lists(st.floats(-10, 10, allow_nan=False), min_size=2, max_size=2), min_size=1, max_size=3)
    .map(lambda rows: "array([" + ",\n       ".join(repr(row) for row in rows) + "])"),
    st.text(max_size=30))
_LINES = st.one_of(
    st.builds(lambda a, b: f"{a} = {b}", _NAMES, _NAMES),
    st.builds(lambda a, b, c: f"{a}, {b} = {c}", _NAMES, _NAMES, _NAMES),
    st.builds(lambda a, b, c: f"{a} {'+-*'[len(b) % 3]}= np.dot({b}, {c}.T)", _NAMES, _NAMES, _NAMES),
    st.builds(lambda a, b: f"{a} = np.tanh({b}) ** 2  # a comment = with words", _NAMES, _NAMES),
    st.builds(lambda a, b: f"def {a}(x):\n    return {b}(x) * x", _NAMES, _NAMES),          # calls itself, maybe
    _NAMES, st.text(max_size=40))


@st.composite
def _documents(draw):
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["cell", "output", "prose", "math"]))
        if kind == "cell":
            parts.append("```python\n" + "\n".join(draw(st.lists(_LINES, min_size=1, max_size=4))) + "\n```")
        elif kind == "output":
            parts.append("```\n" + draw(_VALUES) + "\n```")
        elif kind == "prose":
            parts.append(draw(st.text(max_size=60)))
        else:
            parts.append("$$ " + draw(st.builds(lambda a, b: f"{a} = {b}", _NAMES, _VALUES)) + " $$")
    return "\n".join(parts) if draw(st.booleans()) else "\n".join(draw(st.lists(_LINES, min_size=1, max_size=8)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_documents())
def test_any_notebook_or_code_document_is_read_without_failing(notebook, document):
    _read_without_failing(notebook, document)


def _read_without_failing(checker, document: str) -> None:
    """verify answers with a report whose claims lie inside the document, or a one-line error."""
    try:
        report = verify_text(checker, document, "post.md")
    except DeriveError:
        return
    lines = normalize(document).count("\n") + 1           # a lone \r ends a line, as an old Mac's file
    assert all(1 <= claim.line <= lines for claim in report.claims), report.claims


# -- CS231n's LSTM step: the gates' net inputs stacked in its order i, f, o, g ---------------------------------

CS231N_LSTM = """\
```python
def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2*H])
    o = sigmoid(a[:, 2*H:3*H])
    g = np.tanh(a[:, 3*H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    do = dnext_h * np.tanh(next_c)
    dprev_c = f * dnext_c
    da_o = do * o * (1 - o)
    dx = da.dot(Wx.T)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
```
"""


@pytest.fixture(scope="module")
def lstm(tmp_path_factory):
    return checker_of(tmp_path_factory.mktemp("lstm"), SPEC.format(kind="lstm"))


def test_cs231n_s_lstm_step_reads_a_as_the_stacked_net_inputs_in_its_own_order(lstm):
    verdicts = _by_line(verify_text(lstm, CS231N_LSTM, "post.md"))
    assert [verdicts.get(k) for k in (4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 19)] == ["ok"] * 13, verdicts


@pytest.mark.parametrize("right, slip, line", [
    ("da_o = do * o * (1 - o)", "da_o = do * (1 - o ** 2)", 16),
    ("dprev_c = f * dnext_c", "dprev_c = i * dnext_c", 15),
    ("next_h = o * np.tanh(next_c)", "next_h = o * next_c", 10),
    ("dWh = prev_h.T.dot(da)", "dWh = prev_c.T.dot(da)", 18),
])
def test_a_slip_in_cs231n_s_lstm_step_is_wrong(lstm, right, slip, line):
    assert _by_line(verify_text(lstm, CS231N_LSTM.replace(right, slip), "post.md")).get(line) == "wrong"


def test_pytorch_s_order_is_read_too_and_a_mixed_order_is_wrong(lstm):
    pytorch = CS231N_LSTM.replace("o = sigmoid(a[:, 2*H:3*H])", "o = sigmoid(a[:, 3*H:])") \
        .replace("g = np.tanh(a[:, 3*H:])", "g = np.tanh(a[:, 2*H:3*H])")
    verdicts = _by_line(verify_text(lstm, pytorch, "post.md"))
    assert verdicts.get(6) == "ok" and verdicts.get(7) == "ok", verdicts
    mixed = CS231N_LSTM.replace("g = np.tanh(a[:, 3*H:])", "g = np.tanh(a[:, 2*H:3*H])")
    assert _by_line(verify_text(lstm, mixed, "post.md")).get(8) == "wrong"


def test_the_initial_state_s_gradient_is_never_read_as_zero_nor_as_the_first_step_s(rnn):
    """dh0 = dprev_h after CS231n's loop over time: h_0 is the initial state; its gradient is not in the
    spec's run, and not the first computed state's unless the post counts its steps from 0."""
    text = ("```python\ndef rnn_backward(dh, cache):\n    for t in reversed(range(T)):\n"
            "        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])\n"
            "    dh0 = dprev_h\n    return dx, dh0, dWx, dWh, db\n```\n")
    assert all(claim.verdict != "wrong" for claim in verify_text(rnn, text, "post.md").claims)


# -- NumPy attention, as posts write it -----------------------------------------------------------------------

ATTENTION_CODE = """\
```python
Q = X @ Wq
K = X @ Wk
V = X @ Wv
scores = Q @ K.T / np.sqrt(d_k)
weights = softmax(scores)
out = weights @ V
dweights = dout @ V.T
dV = weights.T @ dout
dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))
dQ = dscores @ K / np.sqrt(d_k)
dK = dscores.T @ Q / np.sqrt(d_k)
dWq = X.T @ dQ
dX = dQ @ Wq.T + dK @ Wk.T + dV @ Wv.T
```
"""


@pytest.fixture(scope="module")
def attention():
    from pathlib import Path
    spec = Path(__file__).parent / "posts" / "sequence_attention" / "markusheimerl_gpt_attention_readme" / "spec.toml"
    return Checker(derive.derive(derive.load(spec)))


def test_numpy_attention_code_reads_glued_weight_names_and_row_sums(attention):
    verdicts = _by_line(verify_text(attention, ATTENTION_CODE, "post.md"))
    assert [verdicts.get(k) for k in (2, 3, 4, 8, 9, 10, 11, 12, 13, 14)] == ["ok"] * 10, verdicts


@pytest.mark.parametrize("right, slip, words", [
    ("dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))",
     "dscores = weights * dweights", "diagonal"),
    ("dQ = dscores @ K / np.sqrt(d_k)", "dQ = dscores @ K", "1/√d_k"),
    ("dK = dscores.T @ Q / np.sqrt(d_k)", "dK = dscores @ Q / np.sqrt(d_k)", ""),
    ("dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))",
     "dscores = weights * (dweights - np.sum(dweights * weights, axis=0, keepdims=True))", ""),
])
def test_a_slip_in_numpy_attention_is_wrong_and_named(attention, right, slip, words):
    text = ATTENTION_CODE.replace(right, slip)
    line = text.split("\n").index(slip) + 1
    claim = next(c for c in verify_text(attention, text, "post.md").claims if c.line == line)
    assert claim.verdict == "wrong" and words in claim.reason, claim


# -- a value built over several lines ---------------------------------------------------------------------

SOFTMAX_GRADIENT = """\
```python
for t in reversed(range(len(inputs))):
    dy = np.copy(ps[t])
    dy[targets[t]] -= 1
    dWhy += np.dot(dy, hs[t].T)
```
"""


def test_a_value_built_in_place_is_one_claim_at_its_last_step(rnn):
    """dy = np.copy(ps[t]) and dy[targets[t]] -= 1: p - y, the softmax cross-entropy's gradient, judged at the
    line that finishes it; a step that subtracts at another entry is followed no further."""
    verdicts = _by_line(verify_text(rnn, SOFTMAX_GRADIENT, "post.md"))
    assert 3 not in verdicts and verdicts.get(4) == "ok" and verdicts.get(5) == "ok", verdicts
    twice = SOFTMAX_GRADIENT.replace("dy[targets[t]] -= 1\n", "dy[targets[t]] -= 1\n    dy *= 2\n")
    assert _by_line(verify_text(rnn, twice, "post.md")).get(5) == "wrong"
    masked = SOFTMAX_GRADIENT.replace("dy[targets[t]] -= 1\n", "dy[targets[t]] -= 1\n    dy[dy < 0] = 0\n")
    assert all(claim.verdict != "wrong" for claim in verify_text(rnn, masked, "post.md").claims if claim.line <= 5)


def test_a_built_value_whose_step_reads_a_name_assigned_again_is_not_judged(rnn):
    text = ("```python\ndy = np.copy(ps[t])\ndy -= k\nk = 2\ndy /= k\n```\n")
    assert all(claim.verdict != "wrong" for claim in verify_text(rnn, text, "post.md").claims)


@pytest.fixture(scope="module")
def batch_norm():
    from derive.spec.load import from_dict
    rng = np.random.default_rng(3)
    return Checker(derive.derive(from_dict({
        "title": "a batch norm", "input": {"shape": [3], "values": rng.normal(0, 1.5, (4, 3)).round(3).tolist()},
        "layers": [{"type": "batch_norm", "epsilon": 1e-5}], "target": {"values": rng.normal(0, 1, (4, 3)).round(3).tolist()},
        "loss": {"function": "half_sse", "reduction": "sum"}, "training": {"learning_rate": 0.1}})))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_documents())
def test_any_code_document_on_a_normalization_post_is_read_without_failing(batch_norm, document):
    _read_without_failing(batch_norm, document)


def test_flashattention_s_delta_as_code_writes_it(attention):
    """delta = row_sum(dO ⊙ O), then dS = P ⊙ (dP - delta[:, None]): a snake-case call stays one name, the
    word delta is δ wherever it stands, and [:, None] makes a column of what is a column here already."""
    text = ("```python\nP = softmax(S)\nO = P @ V\ndP = dO @ V^T\ndelta = row_sum(dO ⊙ O)\n"
            "dS = P ⊙ (dP - delta[:, None])\n```\n")
    assert _by_line(verify_text(attention, text, "post.md")).get(6) == "ok"
    slipped = text.replace("row_sum(dO ⊙ O)", "row_sum(dO)")
    assert _by_line(verify_text(attention, slipped, "post.md")).get(6) == "wrong"


def test_an_index_sum_in_code_is_a_sum_over_that_index(attention):
    """FlashAttention's D_i = sum_k(dP_ik * P_ik) = sum_k(dO_ik * O_ik), entry by entry."""
    text = ("```python\nP = softmax(S)\nO = P @ V\ndP = dO @ V^T\n"
            "delta = row_sum(dP ⊙ P)\ndelta_i = sum_k( dO_ik * O_ik )\n```\n")
    assert _by_line(verify_text(attention, text, "post.md")).get(6) == "ok"
    slipped = text.replace("sum_k( dO_ik * O_ik )", "sum_k( dO_ik * V_ik )")
    assert _by_line(verify_text(attention, slipped, "post.md")).get(6) == "wrong"


# -- the post's own functions --------------------------------------------------------------------------------

OWN_FUNCTIONS = """\
```python
def dtanh(x):
    \"\"\"The slope of tanh at x.\"\"\"
    return 1 - np.tanh(x)**2

def dsigmoid(y):
    return y * (1 - y)
```

```python
hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t-1]) + bh)
dhraw = dtanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t-1]) + bh) * dh
```
"""


def test_a_function_the_post_s_code_defines_is_applied_as_defined(rnn):
    verdicts = _by_line(verify_text(rnn, OWN_FUNCTIONS, "post.md"))
    assert verdicts.get(12) == "ok", verdicts
    slipped = OWN_FUNCTIONS.replace("return 1 - np.tanh(x)**2", "return 1 - np.tanh(x)")
    assert _by_line(verify_text(rnn, slipped, "post.md")).get(12) == "wrong"


def test_a_post_function_reads_its_parameter_not_the_caller_s_name(lstm):
    text = ("```python\ndef dsigmoid(y):\n    return y * (1 - y)\n```\n\n```python\n"
            "do = dnext_h * np.tanh(next_c)\ndo_gate = dsigmoid(o) * do\ndo_gate = dsigmoid(f) * do\n```\n")
    verdicts = _by_line(verify_text(lstm, text, "post.md"))
    assert verdicts.get(8) == "ok" and verdicts.get(9) == "wrong", verdicts


CHO_BACKWARD = """\
```python
z = sigmoid(np.dot(x, Wxz) + np.dot(h_prev, Whz))
r = sigmoid(np.dot(x, Wxr) + np.dot(h_prev, Whr))
h_hat = np.tanh(np.dot(x, Wx) + np.dot(r*h_prev, Wh))
h_next = (1-z) * h_prev + z * h_hat
dh_hat = dh_next * z
dh_prev = dh_next * (1-z)
dt = dh_hat * (1 - h_hat ** 2)
dhr = np.dot(dt, Wh.T)
dh_prev += r * dhr
dz = dh_next * h_hat - dh_next * h_prev
dt = dz * z * (1-z)
dh_prev += np.dot(dt, Whz.T)
dr = dhr * h_prev
dt = dr * r * (1-r)
dh_prev += np.dot(dt, Whr.T)
```
"""


def test_a_gradient_built_over_paths_reads_each_term_with_the_names_as_at_its_line(tmp_path):
    """dh_prev built over the GRU's four paths while dt is assigned three times: each += reads the dt just above
    it (sooftware's GRU), so the whole is ∂L/∂h_prev at the last line; one path's term with the wrong gate's
    derivative makes the whole wrong there."""
    cho = checker_of(tmp_path, SPEC.format(kind="gru").replace('type = "gru"', 'type = "gru"\nreset_after = false'))
    verdicts = _by_line(verify_text(cho, CHO_BACKWARD, "post.md"))
    assert verdicts.get(16) == "ok" and 7 not in verdicts, verdicts
    slipped = CHO_BACKWARD.replace("dt = dr * r * (1-r)", "dt = dr * r * (1-z)")
    assert _by_line(verify_text(cho, slipped, "post.md")).get(16) == "wrong"
