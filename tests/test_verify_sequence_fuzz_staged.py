"""verify on random sequence networks (hypothesis), for what issue 15's real posts write beyond one textbook
step: a many-to-one RNN's read-out and its Jacobians (PyTorch the oracle for the total one), softmax broken
into steps the post names, and a formula right in form that carries an earlier slip."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import api
from derive.spec.load import from_dict
from derive.verify import Checker, verify_claim, verify_text

SLOW = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _inputs(steps, seed):
    rng = np.random.default_rng(seed)
    inputs = rng.choice([-1.0, 1.0], size=(1, steps, 1)) * rng.uniform(0.3, 1.2, size=(1, steps, 1))   # none near 0
    return inputs.round(3), rng


def _many_to_one(steps, hidden, activation, seed):
    inputs, rng = _inputs(steps, seed)
    return from_dict({"title": "t", "init": {"seed": seed},
                      "input": {"shape": [steps, 1], "values": inputs.tolist()},
                      "target": {"values": [[round(float(rng.normal()), 3)]]},
                      "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1},
                      "layers": [{"type": "rnn", "hidden": hidden, "sequence": False},
                                 {"type": "dense", "units": 1, "activation": activation}]})


def _verdict(checker, formula):
    claims = verify_claim(checker, formula).claims
    assert len(claims) == 1, (formula, claims)
    return claims[0]


@settings(max_examples=20, **SLOW)
@given(st.integers(3, 5), st.integers(2, 3), st.sampled_from(["linear", "sigmoid", "tanh"]), st.integers(0, 2 ** 31))
def test_any_many_to_one_read_out_is_read(steps, hidden, activation, seed):
    checker = Checker(api.derive(_many_to_one(steps, hidden, activation, seed)))
    slope = {"linear": "", "sigmoid": r"\hat{y} (1 - \hat{y}) ", "tanh": r"(1 - \hat{y}^2) "}[activation]
    right = [
        (r"\frac{\partial L}{\partial \hat{y}} = \hat{y} - y", r"\frac{\partial L}{\partial \hat{y}} = y - \hat{y}"),
        (rf"\frac{{\partial \hat{{y}}}}{{\partial h_{steps}}} = {slope}V",
         rf"\frac{{\partial \hat{{y}}}}{{\partial h_{steps}}} = {slope}V h_{steps}"),
        (r"\frac{\partial h_1}{\partial W} = (1 - h_1^2) \cdot x_1", r"\frac{\partial h_1}{\partial W} = h_1 \cdot x_1"),
    ]
    for formula, slipped in right:
        assert _verdict(checker, formula).verdict == "ok", formula
        assert _verdict(checker, slipped).verdict in ("wrong", "unchecked"), slipped
    assert _verdict(checker, right[0][1]).reason.startswith("the sign is reversed")


@settings(max_examples=15, **SLOW)
@given(st.integers(3, 4), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_the_total_jacobian_of_the_last_state_is_pytorchs(steps, hidden, seed):
    torch = pytest.importorskip("torch")
    spec = _many_to_one(steps, hidden, "linear", seed)
    result = api.derive(spec)
    names = {n.name: n for n in result.graph.nodes}
    weights = {role: np.asarray(result.values.value[names[f"{role}1"]], dtype=float) for role in ("W", "U", "b")}
    xs = _inputs(steps, seed)[0][0]

    def last(w):
        h = torch.zeros(hidden, dtype=torch.float64)
        for x in xs:
            h = torch.tanh(w @ torch.tensor(x, dtype=torch.float64) + torch.tensor(weights["U"]) @ h +
                           torch.tensor(weights["b"]))
        return h

    total = torch.autograd.functional.jacobian(last, torch.tensor(weights["W"], dtype=torch.float64)).numpy()
    assert np.allclose(last(torch.tensor(weights["W"])).numpy(), result.values.value[names[f"h1_{steps}"]][0])
    total = total.reshape(hidden, hidden)                   # one input feature: W is a column
    rows = r" \\ ".join(" & ".join(f"{value:.12f}" for value in row) for row in total)
    claim = _verdict(Checker(result), rf"\frac{{\partial h_{steps}}}{{\partial W}} = "
                                      rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}")
    assert claim.verdict == "ok", claim


def _attention(steps, width, seed):
    rng = np.random.default_rng(seed)
    return from_dict({"title": "t", "init": {"seed": seed},
                      "input": {"shape": [steps, width], "values": rng.normal(size=(1, steps, width)).round(3).tolist()},
                      "target": {"tokens": [rng.integers(0, 3, steps).tolist()]},
                      "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1},
                      "layers": [{"type": "attention", "heads": 1},
                                 {"type": "dense", "units": 3, "activation": "softmax"}]})


STAGED = "\n".join([
    r"Let $S = \frac{QK^T}{\sqrt{d_k}}$, $A = softmax(S)$ and $O = AV$.",
    "",
    r"$$A = B_1 \odot B_4$$",
    "",
    r"Where $B_1 = exp(S)$, $B_2 = B_1\mathbf{1}_n$, $B_3 = B_2^{-1}$, and $B_4 = B_3\mathbf{1}_n^T$.",
    "",
    r"$$\frac{\partial L}{\partial B_2} = -(B_2 \odot B_2)^{-1} \odot ((B_1 \odot \frac{\partial L}{\partial A})"
    r"\mathbf{1}_n)$$",
    "",
    r"$$\frac{\partial L}{\partial B_1} = \frac{\partial L}{\partial B_2}\mathbf{1}_n^T + "
    r"\frac{\partial L}{\partial A} \odot B_4$$",
    "",
    r"$$\frac{\partial L}{\partial B_1} = \frac{\partial L}{\partial A} \odot B_4$$",
    "",
])

CARRIED = "\n".join([
    r"Let $S = \frac{QK^\top}{\sqrt{d_k}}$ and $Q = X W_q$.",
    "",
    r"$$\frac{\partial L}{\partial Q} = \frac{\partial L}{\partial S} K$$",
    "",
    r"$$\frac{\partial L}{\partial W_q} = X^\top \frac{\partial L}{\partial Q}$$",
    "",
])


@settings(max_examples=15, **SLOW)
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 2 ** 31))
def test_any_attention_s_staged_softmax_and_carried_slip(steps, width, seed):
    checker = Checker(api.derive(_attention(steps, width, seed)))
    staged = {c.line: c.verdict for c in verify_text(checker, STAGED, "post.md").claims}
    assert [staged[line] for line in (7, 9, 11)] == ["ok", "ok", "wrong"], staged
    carried = {c.line: c for c in verify_text(checker, CARRIED, "post.md").claims}
    assert (carried[3].verdict, carried[5].verdict, carried[5].carries) == ("wrong", "wrong", 3)
