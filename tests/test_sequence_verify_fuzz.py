"""verify on random sequence networks (hypothesis): for any small RNN, LSTM, GRU or attention, the
textbook formulas of one step read and hold (ok, never unchecked), and each one with a classic slip put
in is wrong; the slips issue 15 names are named."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from derive import api
from derive.spec.load import from_dict
from derive.verify import Checker, verify_claim, verify_text
from derive.verify.sequence.world import world

# (right formula, the same with a slip); the slip's words where verify names it
CELLS = {
    "rnn": [
        (r"h_t = \tanh(W x_t + U h_{t-1} + b)", r"h_t = \tanh(W x_t - U h_{t-1} + b)", None),
        (r"dh_{t-1} = U^T (dh_t \odot (1 - h_t^2))", r"dh_{t-1} = U^T (dh_t \odot (1 - h_t))", None),
        (r"dW = (dh_t \odot (1 - h_t^2)) x_t^T", r"dW = (dh_t \odot h_t^2) x_t^T", None),
        (r"\frac{\partial L}{\partial U} = \sum_t \delta_t h_{t-1}^T", r"\frac{\partial L}{\partial U} = \delta_t h_{t-1}^T",
         "Σ_t"),
        (r"\frac{\partial L}{\partial W} = \sum_{t=1}^{T} (dh_t \odot (1 - h_t^2)) x_t^T",
         r"\frac{\partial L}{\partial W} = \sum_{t=1}^{T} dh_t x_t^T", None),
    ],
    "lstm": [
        (r"c_t = f_t \odot c_{t-1} + i_t \odot \tilde{c}_t", r"c_t = f_t \odot c_{t-1} - i_t \odot \tilde{c}_t", None),
        (r"h^{\langle t \rangle} = o^{\langle t \rangle} \odot \tanh(c^{\langle t \rangle})",
         r"h^{\langle t \rangle} = o^{\langle t \rangle} \odot c^{\langle t \rangle}", None),
        (r"f_t = \sigma(W_f x_t + U_f h_{t-1} + b_f)", r"f_t = \sigma(W_f x_t + U_i h_{t-1} + b_f)", None),
        (r"dc_{prev} = dc \odot f_t", r"dc_{prev} = dc \odot i_t", None),
        (r"d\Gamma_o = dh \odot \tanh(c_t) \odot o_t \odot (1 - o_t)",
         r"d\Gamma_o = dh \odot c_t \odot o_t \odot (1 - o_t)", None),
        (r"da_{prev} = U_i^T d\Gamma_i + U_f^T d\Gamma_f + U_c^T d\tilde{c} + U_o^T d\Gamma_o",
         r"da_{prev} = U_i^T d\Gamma_i + U_f^T d\Gamma_f - U_c^T d\tilde{c} + U_o^T d\Gamma_o", None),
        (r"dx_t = W_i^T d\Gamma_i + W_f^T d\Gamma_f + W_c^T d\tilde{c} + W_o^T d\Gamma_o",
         r"dx_t = W_i^T d\Gamma_i + W_f^T d\Gamma_f + W_c^T d\tilde{c}", None),
        (r"dW_f = d\Gamma_f x_t^T", r"dW_f = d\Gamma_i x_t^T", None),
    ],
    "gru": [
        # (z and 1 - z swapped is no slip: it is the posts' other update gate, read as such)
        (r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}", r"h_t = (1 - z_t) \odot n_t - z_t \odot h_{t-1}", None),
        (r"dn = dh \odot (1 - z_t)", r"dn = dh \odot z_t", None),
        (r"dz = dh \odot (h_{t-1} - n_t)", r"dz = dh \odot (n_t - h_{t-1})", None),
    ],
}
CHO_GRU = [      # (right, slipped) for a GRU that resets h' before U_n (Cho et al.'s, reset_after = false)
    (r"n_t = \tanh(W_n x_t + U_n (r_t \odot h_{t-1}) + b_n)", r"n_t = \tanh(W_n x_t + U_n h_{t-1} + b_n)"),
    (r"\tilde{h}_t = \tanh(W_n x_t + U_n (r_t \odot h_{t-1}) + b_n)",
     r"\tilde{h}_t = \sigma(W_n x_t + U_n (r_t \odot h_{t-1}) + b_n)"),
    (r"dU_n = dn_{raw} (r_t \odot h_{t-1})^T", r"dU_n = dn_{raw} h_{t-1}^T"),
    (r"dr = (U_n^T dn) \odot h_{t-1}", r"dr = (U_n^T dn) \odot r_t"),
    (r"dz = dh \odot (h_{t-1} - n_t)", r"dz = dh \odot (n_t - h_{t-1})"),
]
CELLS["gru-reset-before"] = CELLS["gru"] + [(right, slipped, None) for right, slipped in CHO_GRU]
ATTENTION = [
    (r"S = \frac{QK^T}{\sqrt{d_k}}", r"S = \frac{QK^T}{d_k}", None),
    (r"\frac{\partial L}{\partial V} = A^T \frac{\partial L}{\partial O}",
     r"\frac{\partial L}{\partial V} = A \frac{\partial L}{\partial O}", None),
    (r"dA = dO V^T", r"dA = -dO V^T", None),
    (r"dS = A \odot (dA - \sum_j dA \odot A)", r"dS = A \odot dA", "diagonal"),
    (r"dQ = dS K / \sqrt{d_k}", r"dQ = dS K", "1/√d_k"),
    (r"dK = dS^T Q / \sqrt{d_k}", r"dK = dS^T Q / d_k", "d_k"),
]


def _cell_spec(kind, steps, features, hidden, seed):
    rng = np.random.default_rng(seed)
    return from_dict({"title": "t", "init": {"seed": seed},
                      "input": {"shape": [steps, features], "values": rng.normal(size=(1, steps, features)).round(3).tolist()},
                      "target": {"tokens": [rng.integers(0, 2, steps).tolist()]},
                      "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1},
                      "layers": [{"type": "gru", "reset_after": False, "hidden": hidden} if kind == "gru-reset-before"
                                 else {"type": kind, "hidden": hidden},
                                 {"type": "dense", "units": 2, "activation": "softmax"}]})


def _attention_spec(steps, width, causal, projected, seed):
    rng = np.random.default_rng(seed)
    return from_dict({"title": "t", "init": {"seed": seed},
                      "input": {"shape": [steps, width], "values": rng.normal(size=(1, steps, width)).round(3).tolist()},
                      "target": {"tokens": [rng.integers(0, 3, steps).tolist()]},
                      "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1},
                      "layers": [{"type": "attention", "heads": 1, "causal": causal, "output_projection": projected},
                                 {"type": "dense", "units": 3, "activation": "softmax"}]})


def _verdict(checker, formula):
    claims = verify_claim(checker, formula).claims
    assert len(claims) == 1, (formula, claims)
    return claims[0]


def _in_time(checker, formula):
    """The formula in a post about backpropagation through time: its ∂L/∂W is every step's term summed."""
    claims = verify_text(checker, f"Backpropagation through time:\n\n$${formula}$$\n", "post.md").claims
    assert len(claims) == 1, (formula, claims)
    return claims[0]


def _check(checker, table):
    for right, slipped, named in table:
        claim = _in_time(checker, right)
        if slipped is None:                 # a sum over time verify does not read: unchecked, never wrong
            assert claim.verdict == "unchecked", (right, claim)
            continue
        assert claim.verdict == "ok", (right, claim)
        claim = _in_time(checker, slipped)
        assert claim.verdict == "wrong", (slipped, claim)
        if named:
            assert named in claim.reason, (slipped, claim.reason)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(CELLS)), st.integers(3, 5), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2 ** 31))
def test_any_small_cells_textbook_step_is_ok_and_its_slips_wrong(kind, steps, features, hidden, seed):
    spec = _cell_spec(kind, steps, features, hidden, seed)
    # a slip is wrong only where it changes a number: a cell whose candidate's weight was drawn near 0 has c ≈ 1e-6
    # at every step, where o ⊙ c and o ⊙ tanh(c) agree to 1e-12 (seed 942332); such a network proves nothing
    assume(_not_vanishing(spec))
    _check(Checker(api.derive(spec)), CELLS[kind])


def _not_vanishing(spec) -> bool:
    """Every state, cell state and candidate of the cell is away from 0 at some step (its largest entry ≥ 1e-3)."""
    found = world(spec)
    for key in ("h", "c", "g", "n"):
        values = [found.lookup(key, step) for step in range(len(found.steps))]
        if all(values) and max(float(np.max(np.abs(value[0]))) for value in values) < 1e-3:
            return False
    return True


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4), st.integers(2, 4), st.booleans(), st.booleans(), st.integers(0, 2 ** 31))
def test_any_small_attentions_matrix_forms_are_ok_and_their_slips_named(steps, width, causal, projected, seed):
    checker = Checker(api.derive(_attention_spec(steps, width, causal, projected, seed)))
    _check(checker, ATTENTION)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_a_one_step_sequence_is_refused_in_one_line(kind):
    from derive.errors import DeriveError
    with pytest.raises(DeriveError, match="at least 2"):
        Checker(api.derive(_cell_spec(kind, 1, 2, 2, 0)))


def test_a_gru_of_the_other_variant_is_never_called_wrong():
    """Cho et al.'s GRU resets h' before U_n; derive's (PyTorch's) after: the post's candidate equation and
    what flows through it are unchecked, with the reason, not wrong."""
    checker = Checker(api.derive(_cell_spec("gru", 3, 2, 2, 7)))
    for formula in (r"n_t = \tanh(W_n x_t + U_n (r_t \odot h_{t-1}))",
                    r"\tilde{h}_t = \tanh(W_n x_t + U_n (r_t \odot h_{t-1}) + b_n)",
                    r"dr = (U_n^T dn) \odot h_{t-1}"):
        claim = _verdict(checker, formula)
        assert claim.verdict == "unchecked" and "PyTorch" in claim.reason, (formula, claim)


def _cho_spec(seed=7):
    return _cell_spec("gru-reset-before", 3, 2, 2, seed)


@pytest.mark.parametrize("right, slipped", CHO_GRU, ids=[r for r, _ in CHO_GRU])
def test_a_cho_gru_spec_checks_a_cho_posts_formulas_and_catches_their_slips(right, slipped):
    checker = Checker(api.derive(_cho_spec()))
    assert _verdict(checker, right).verdict == "ok", right
    assert _verdict(checker, slipped).verdict == "wrong", slipped


def test_a_cho_gru_spec_leaves_a_pytorch_gru_posts_candidate_unchecked():
    claim = _verdict(Checker(api.derive(_cho_spec())), r"\tilde{h}_t = \tanh(W_n x_t + r_t \odot (U_n h_{t-1}) + b_n)")
    assert claim.verdict == "unchecked" and "PyTorch" in claim.reason and "Cho" in claim.reason, claim


@pytest.mark.parametrize("causal", [True, False])
def test_the_mask_and_scores_named_before_their_scale(causal):
    """A = softmax(QKᵀ/√d_k + M) with M the causal mask (0, or -∞ above the diagonal); a post that names
    S = QKᵀ before the scale is read so from then on: its dQ = dS K is right, and its dropped scale is not."""
    checker = Checker(api.derive(_attention_spec(4, 3, causal, False, 3)))
    assert _verdict(checker, r"A = \text{softmax}(\frac{QK^T}{\sqrt{d_k}} + M)").verdict == "ok"
    assert _verdict(checker, r"A = \mathrm{softmax}(\frac{QK^T}{\sqrt{d_k}} + \mathrm{mask})").verdict == "ok"
    post = "$$S = QK^T$$\n\n$$P = softmax(S / \\sqrt{d_k} + M)$$\n\n$$dQ = dS K$$\n\n$$dQ = dS K / \\sqrt{d_k}$$\n"
    assert [c.verdict for c in verify_text(checker, post, "post.md").claims] == ["ok", "ok", "ok", "wrong"]
    assert _verdict(checker, "dQ = dS K").verdict == "wrong"          # S alone: the scaled scores


RNN_BPTT = [     # (right, slipped, the slip's words) in the notation of BPTT notes: δ_t, W_{hh}, W_{hy}, L_t
    (r"\delta_t = (W_{hh}^T \delta_{t+1} + W_{hy}^T (\hat{y}_t - y_t)) \odot (1 - h_t^2)",
     r"\delta_t = (W_{hh}^T \delta_{t+1} + W_{hy}^T (\hat{y}_t - y_t)) \odot (1 - h_t)", None),
    (r"\frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_{t+1}} \frac{\partial h_{t+1}}{\partial h_t} + "
     r"\frac{\partial L_t}{\partial h_t}",
     r"\frac{\partial L}{\partial h_t} = \frac{\partial L_t}{\partial h_t}", None),
    (r"\frac{\partial h_t}{\partial h_{t-1}} = \mathrm{diag}(1 - h_t^2) W_{hh}",
     r"\frac{\partial h_t}{\partial h_{t-1}} = \mathrm{diag}(h_t^2) W_{hh}", None),
    (r"\frac{\partial L_t}{\partial o_t} = \hat{y}_t - y_t", r"\frac{\partial L_t}{\partial o_t} = y_t - \hat{y}_t",
     None),
    (r"\frac{\partial L}{\partial W_{hy}} = \sum_t (\hat{y}_t - y_t) h_t^T",
     r"\frac{\partial L}{\partial W_{hy}} = (\hat{y}_t - y_t) h_t^T", "Σ_t"),
    (r"\frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \delta_t h_{t-1}^T",
     r"\frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \delta_t h_t^T", None),
    (r"\frac{\partial h_t}{\partial z_t} = 1 - \tanh^2(z_t)", r"\frac{\partial h_t}{\partial z_t} = 1 - \tanh(z_t)", None),
    (r"\frac{\partial z_t}{\partial h_{t-1}} = W_{hh}", r"\frac{\partial z_t}{\partial h_{t-1}} = W_{hh}^T W_{hh}", None),
]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(3, 5), st.integers(1, 3), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_bptt_in_the_notation_of_lecture_notes(steps, features, hidden, seed):
    """δ_t carried back through W_{hh}, the read-out's ŷ_t − y_t, per-step losses L_t, Jacobians ∂h_t/∂h_{t-1}
    with diag, and the shared weights' sums over t, on any small RNN."""
    _check(Checker(api.derive(_cell_spec("rnn", steps, features, hidden, seed))), RNN_BPTT)


def test_a_softmax_written_with_vectors_of_ones():
    """softmax(W) = exp(W) ⊙ ((exp(W) 1_n)^{-1} 1_nᵀ): row sums as a product with a column of ones."""
    checker = Checker(api.derive(_attention_spec(4, 3, False, False, 2)))
    right = r"A = \exp(S) \odot ((\exp(S)\bold{1_n})^{-1}\bold{1_n^T})"
    assert _verdict(checker, right).verdict == "ok"
    assert _verdict(checker, right.replace(r"(\exp(S)\bold{1_n})", r"(\exp(S)^T\bold{1_n})")).verdict == "wrong"


ROW_LEVEL = [    # attention written row by row and entry by entry: q_i, k_j, v_j, o_i, s_{ij}, a_{ij}
    (r"s_{ij} = \frac{q_i^T k_j}{\sqrt{d_k}}", r"s_{ij} = q_i^T k_j", None),
    (r"o_i = \sum_j a_{ij} v_j", r"o_i = \sum_j a_{ji} v_j", None),
    (r"a_{ij} = \frac{\exp(s_{ij})}{\sum_k \exp(s_{ik})}", r"a_{ij} = \frac{\exp(s_{ij})}{\sum_k \exp(s_{kj})}", None),
    (r"\frac{\partial L}{\partial v_j} = \sum_i a_{ij} \frac{\partial L}{\partial o_i}",
     r"\frac{\partial L}{\partial v_j} = \sum_i a_{ji} \frac{\partial L}{\partial o_i}", None),
    (r"\frac{\partial L}{\partial q_i} = \frac{1}{\sqrt{d_k}} \sum_j \frac{\partial L}{\partial s_{ij}} k_j",
     r"\frac{\partial L}{\partial q_i} = \sum_j \frac{\partial L}{\partial s_{ij}} k_j", "1/√d_k"),
    (r"\frac{\partial L}{\partial s_{ij}} = a_{ij} (\frac{\partial L}{\partial a_{ij}} - \sum_k a_{ik} "
     r"\frac{\partial L}{\partial a_{ik}})",
     r"\frac{\partial L}{\partial s_{ij}} = a_{ij} (1 - a_{ij}) \frac{\partial L}{\partial a_{ij}}", "diagonal"),
]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 2 ** 31))
def test_attention_row_by_row_and_entry_by_entry(steps, width, seed):
    """The index-level derivations of attention (unmasked: a mask changes a_ij's formula): each right form holds
    at every entry, each slip is wrong, the dropped scale and the diagonal-only Jacobian named once the rows are
    put together."""
    _check(Checker(api.derive(_attention_spec(steps, width, False, False, seed))), ROW_LEVEL)


def test_a_gru_whose_update_gate_takes_the_candidate():
    """h_t = (1 - z_t) h_{t-1} + z_t h̃_t (z weighting the candidate) reads as PyTorch's 1 - z, its gradients
    negated, once the post's own forward equation says so."""
    checker = Checker(api.derive(_cell_spec("gru", 4, 2, 3, 5)))
    post = ("$$h_t = (1 - z_t) \\odot h_{t-1} + z_t \\odot \\tilde{h}_t$$\n\n"
            "$$dz = dh \\odot (\\tilde{h}_t - h_{t-1})$$\n\n$$dz = dh \\odot (h_{t-1} - \\tilde{h}_t)$$\n")
    assert [c.verdict for c in verify_text(checker, post, "post.md").claims] == ["ok", "ok", "wrong"]


# notation variants of the same LSTM step, as different posts write it (each a function of its step)
STATE = [lambda t: f"h_{{{t}}}", lambda t: f"h^{{\\langle {t} \\rangle}}", lambda t: f"h^{{({t})}}"]
CELL = [lambda t: f"c_{{{t}}}", lambda t: f"c^{{\\langle {t} \\rangle}}", lambda t: f"C_{{{t}}}"]
GATE = {"f": ["f_t", r"\Gamma_f^{\langle t \rangle}"], "i": ["i_t", r"\Gamma_u^{\langle t \rangle}"],
        "g": [r"\tilde{c}_t", r"\tilde{c}^{\langle t \rangle}"], "o": ["o_t", r"\Gamma_o^{\langle t \rangle}"]}
TIMES = [r"\odot", r"\circ", "*"]
WRAPS = [lambda f: f"$${f}$$", lambda f: f"\\[{f}\\]", lambda f: f"$$\\begin{{aligned}}{f.replace('=', '&=', 1)}"
         f"\\end{{aligned}}$$", lambda f: f"Here ${f}$, as before."]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_post_in_any_of_the_usual_notations_reads_whole(data):
    """One LSTM step's forward and backward, each name and product in a notation drawn from those real posts
    use, each formula wrapped as a post might: every claim reads, and is right."""
    state, cell = data.draw(st.sampled_from(STATE)), data.draw(st.sampled_from(CELL))
    gate = {name: data.draw(st.sampled_from(forms)) for name, forms in GATE.items()}
    times = data.draw(st.sampled_from(TIMES))
    formulas = [
        f"{cell('t')} = {gate['f']} {times} {cell('t-1')} + {gate['i']} {times} {gate['g']}",
        f"{state('t')} = {gate['o']} {times} \\tanh({cell('t')})",
        f"d{cell('t-1')} = d{cell('t')} {times} {gate['f']}",
        f"d{gate['g']} = d{cell('t')} {times} {gate['i']}",
    ]
    post = "\n\n".join(data.draw(st.sampled_from(WRAPS))(f) for f in formulas) + "\n"
    checker = Checker(api.derive(_cell_spec("lstm", 3, 2, 2, data.draw(st.integers(0, 2 ** 31)))))
    claims = verify_text(checker, post, "post.md").claims
    assert [c.verdict for c in claims] == ["ok"] * 4, (post, [(c.verdict, c.reason) for c in claims])
