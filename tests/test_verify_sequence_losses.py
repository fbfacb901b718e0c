"""verify reads a recurrent post's loss itself, as BPTT notes define it before differentiating it:
L_t = -y_tᵀ log ŷ_t (or y_t log ŷ_t, the one-hot target's dot product; or Σ_{i=1}^{V} entry by entry),
and L = Σ_t L_t or its mean. On random cells (hypothesis) the right definitions hold and a slip in them
is wrong; log 0 (log y, y one-hot) is never read as -inf."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import api
from derive.verify import Checker, verify_text

from test_sequence_verify_fuzz import _cell_spec
from test_verify_step_ranges import _verdict

RIGHT_AND_SLIPPED = [
    (r"L_t = -y_t^T \log(\hat{y}_t)", r"L_t = -y_t^T \log(1 - \hat{y}_t)"),
    (r"L_t = -y_t \log \hat{y}_t", r"L_t = y_t \log \hat{y}_t"),
    (r"L_t = -\log(\hat{y}_t)^T y_t", r"L_t = -\log(\hat{y}_t)^T \hat{y}_t"),
    (r"L_t = -\sum_{i=1}^{V} y_{t,i} \log \hat{y}_{t,i}", r"L_t = -\sum_{i=1}^{V} \log \hat{y}_{t,i}"),
    (r"J^{(t)} = -\sum_{i=0}^{V-1} y_{t,i} \log \hat{y}_{t,i}", r"J^{(t)} = -\sum_{i=0}^{V-1} y_{t,i} \hat{y}_{t,i}"),
    (r"L = \frac{1}{T} \sum_t L_t", r"L = T \sum_t L_t"),
    # the loss written with its arguments: L(ŷ, y), L_t(ŷ_t, y_t), J^{(t)}(θ)
    (r"L(\hat{y}, y) = \sum_{t} L_t(\hat{y}_t, y_t)", r"L(\hat{y}, y) = 2 \sum_{t} L_t(\hat{y}_t, y_t)"),
    (r"J^{(t)}(\theta) = -y_t^T \log(\hat{y}_t)", r"J^{(t)}(\theta) = -y_t^T \log(1 - \hat{y}_t)"),
    (r"\mathcal{L} = \sum_{t} L_t = -\sum_{t} y_{t}^T \log(\hat{y}_{t})",
     r"\mathcal{L} = \sum_{t} L_t = -\sum_{t} y_{t}^T \hat{y}_{t}"),
]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["rnn", "lstm", "gru"]), st.integers(2, 4), st.integers(1, 3), st.integers(2, 3),
       st.integers(0, 2 ** 31))
def test_a_sequence_posts_loss_definitions_hold_and_their_slips_are_wrong(kind, steps, features, hidden, seed):
    checker = Checker(api.derive(_cell_spec(kind, steps, features, hidden, seed)))
    for right, slipped in RIGHT_AND_SLIPPED:
        assert _verdict(checker, right).verdict == "ok", right
        assert _verdict(checker, slipped).verdict == "wrong", slipped


@pytest.mark.parametrize("formula", [r"L_t = -y_t^T \log(y_t)", r"L_t = -\sum_i y_{t,i} \log y_{t,i}",
                                     r"J^{(t)} = -\sum_{i=0}^{V-1} \hat{y}_{t,i} \log y_{t,i}"])
def test_the_log_of_a_one_hot_target_is_not_read(formula):
    checker = Checker(api.derive(_cell_spec("rnn", 3, 2, 2, 4)))
    assert _verdict(checker, formula).verdict == "unchecked"


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4), st.integers(1, 3), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_the_one_hot_targets_indicator_and_a_starred_true_label(steps, features, hidden, seed):
    """1_{y_t}, 1_{y^*_t}: the indicator of the target's class (one-hot); y^* the true label, never the logits
    (an RNN's, whose o_t are the logits: an LSTM's o_t is its output gate)."""
    checker = Checker(api.derive(_cell_spec("rnn", steps, features, hidden, seed)))
    for right, slipped in [(r"\frac{\partial L_t}{\partial o_t} = \hat{y}_t - \mathbf{1}_{y^*_t}",
                            r"\frac{\partial L_t}{\partial o_t} = \hat{y}_t + \mathbf{1}_{y^*_t}"),
                           (r"\frac{\partial L_t}{\partial o_t} = \hat{y}_t - y^*_t",
                            r"\frac{\partial L_t}{\partial o_t} = y^*_t - \hat{y}_t")]:
        assert _verdict(checker, right).verdict == "ok", right
        assert _verdict(checker, slipped).verdict == "wrong", slipped


@pytest.mark.parametrize("seed", [3, 8])
def test_vectors_stacked_with_a_semicolon(seed):
    """W_r [h_{t-1}; x_t]: MATLAB's vertical stack, the two vectors one above the other (as [h_{t-1}, x_t])."""
    checker = Checker(api.derive(_cell_spec("gru", 3, 2, 3, seed)))
    assert _verdict(checker, r"r_t = \sigma(W_r [h_{t-1}; x_t] + b_r)").verdict == "ok"
    assert _verdict(checker, r"r_t = \sigma(W_r [h_{t-1}, x_t] + b_r)").verdict == "ok"
    assert _verdict(checker, r"r_t = \tanh(W_r [h_{t-1}; x_t] + b_r)").verdict == "wrong"


@pytest.mark.parametrize("seed", [3, 8])
def test_a_post_name_for_a_gates_net_input_is_not_an_entry(seed):
    """z_u = W_u[h_{t-1}; x_t] + b_u: z_u would read as the update gate's entry u, but it is set to a whole vector
    (the gate's net input): the post's own name for it, used below (u_t = σ(z_u) holds, u_t = tanh(z_u) does not)."""
    checker = Checker(api.derive(_cell_spec("gru-reset-before", 3, 2, 3, seed)))
    post = "\n\n".join([r"$$z_u = W_u[h_{t-1}; x_t] + b_u$$", r"$$u_t = \sigma(z_u)$$",
                        r"$$z_r = W_r[h_{t-1}; x_t] + b_r$$", r"$$r_t = \tanh(z_r)$$"])
    found = [(c.line, c.verdict) for c in verify_text(checker, post, "post.md").claims]
    assert found == [(1, "ok"), (3, "ok"), (5, "ok"), (7, "wrong")]


@pytest.mark.parametrize("seed", [5, 9])
def test_the_outer_product_of_two_vectors(seed):
    """(ŷ_t − y_t) ⊗ h_t: between two vectors, ⊗ is their outer product, (ŷ_t − y_t) h_tᵀ."""
    checker = Checker(api.derive(_cell_spec("rnn", 3, 2, 3, seed)))
    assert _verdict(checker, r"\frac{\partial L_t}{\partial W_{hy}} = (\hat{y}_t - y_t) \otimes h_t").verdict == "ok"
    assert _verdict(checker, r"\frac{\partial L_t}{\partial W_{hy}} = (\hat{y}_t + y_t) \otimes h_t").verdict == "wrong"
