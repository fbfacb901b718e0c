"""Regression BPTT posts name their target in their own letters and write a step's transpose inside its time
script. The snippets are written here in the habits of such notes (Haykin's desired response d, Bishop's
target t, the (t)T superscripts of lecture notes); each claim's truth is decided at the spec's numbers by
NumPy below, independently of verify."""

from __future__ import annotations

import numpy as np

from derive import api
from derive.spec.load import from_dict
from derive.verify import Checker, verify_text

SPEC = {"title": "a regression RNN", "init": {"seed": 3}, "training": {"learning_rate": 0.1},
        "input": {"shape": [3, 2], "values": [[[0.5, -1.0], [1.0, 0.2], [-0.3, 0.8]]]},
        "target": {"values": [[[0.2], [-0.1], [0.5]]]},
        "layers": [{"type": "rnn", "hidden": 3}, {"type": "dense", "units": 1}], "loss": {"function": "half_sse"}}


def _verdicts(text: str) -> list[tuple[int, str]]:
    report = verify_text(Checker(api.derive(from_dict(SPEC))), text, "post.md")
    return [(claim.line, claim.verdict) for claim in report.claims]


def _numbers():
    """The network's forward and backward pass in NumPy, from the spec's weights (the JSON document's)."""
    import json
    doc = json.loads(api.render(api.derive(from_dict(SPEC)), "json"))
    p = {k: np.array(v) for k, v in doc["parameters"].items()}
    x, d = np.array(doc["inputs"])[0], np.array(doc["targets"])[0]
    h, states = np.zeros(3), []
    for t in range(3):
        h = np.tanh(p["W1"] @ x[t] + p["U1"] @ h + p["b1"])
        states.append(h)
    y = [p["W2"] @ s + p["b2"] for s in states]
    return p, x, d, states, y


def test_the_numbers_this_file_decides_by():
    p, x, d, states, y = _numbers()
    dV = sum(np.outer(y[t] - d[t], states[t]) for t in range(3))
    wrong = sum(np.outer(y[t] - d[t], states[t - 1] if t else np.zeros(3)) for t in range(3))
    assert not np.allclose(dV, wrong) and not np.allclose(sum(y[t] - d[t] for t in range(3)), 0)


DESIRED = r"""
$$h_t = \tanh(W x_t + U h_{t-1} + b)$$

$$y_t = V h_t + c$$

$$E = \frac{1}{2}\sum_t (y_t - d_t)^2$$

$$\frac{\partial E}{\partial y_t} = y_t - d_t$$

$$\frac{\partial E}{\partial V} = \sum_t (y_t - d_t) h_t^T$$

$$\frac{\partial E}{\partial c} = \sum_t (d_t - y_t)$$

$$\frac{\partial E}{\partial V} = \sum_t (y_t - d_t) h_{t-1}^T$$
"""


def test_a_target_the_loss_equation_names_desired():
    """d_t, beside the read-out's y_t in the loss's own equation, is the target, and the post's y its
    prediction: the gradients read, and the sign slip and h_{t-1} for h_t are caught."""
    assert _verdicts(DESIRED) == [(2, "ok"), (4, "ok"), (6, "ok"), (8, "ok"), (10, "ok"), (12, "wrong"), (14, "wrong")]


def test_a_target_t_with_superscript_times_and_a_hat_prediction():
    text = r"""
$$h^{(t)} = \tanh(W x^{(t)} + U h^{(t-1)} + b)$$

$$\hat{y}^{(t)} = V h^{(t)} + c$$

$$E = \frac{1}{2}\sum_t \| \hat{y}^{(t)} - t^{(t)} \|^2$$

$$\frac{\partial E}{\partial c} = \sum_t (\hat{y}^{(t)} - t^{(t)})$$

$$\frac{\partial E}{\partial c} = \sum_t (t^{(t)} - \hat{y}^{(t)})$$
"""
    assert [v for _, v in _verdicts(text)] == ["ok", "ok", "ok", "ok", "wrong"]


def test_a_difference_outside_the_loss_equation_names_nothing():
    """δ_t = y_t − d_t alone (no loss equation says what d is) leaves d unread: no guess from a gradient line."""
    text = r"""
$$y_t = V h_t + c$$

$$\frac{\partial E}{\partial y_t} = y_t - d_t$$
"""
    assert _verdicts(text)[-1] == (4, "unchecked")


def test_a_steps_transpose_or_square_inside_its_time_script():
    """h^{(t)T}, x^{(t)}^T, h^{(t-1)\top}: step t's vector turned; h^{(t)2}: squared."""
    text = r"""
$$h^{(t)} = \tanh(W x^{(t)} + U h^{(t-1)} + b)$$

$$\hat{y}^{(t)} = V h^{(t)} + c$$

$$E = \frac{1}{2}\sum_t \| \hat{y}^{(t)} - y^{(t)} \|^2$$

$$\frac{\partial E}{\partial V} = \sum_t (\hat{y}^{(t)} - y^{(t)}) h^{(t)T}$$

$$\frac{\partial E}{\partial W} = \sum_t \left(\frac{\partial E}{\partial h^{(t)}} \odot (1 - h^{(t)2})\right) x^{(t)}^T$$

$$\frac{\partial E}{\partial U} = \sum_t \left(\frac{\partial E}{\partial h^{(t)}} \odot (1 - h^{(t)} \odot h^{(t)})\right) h^{(t-1)\top}$$

$$\frac{\partial E}{\partial V} = \sum_t (\hat{y}^{(t)} - y^{(t)}) h^{(t-1)T}$$

$$\frac{\partial E}{\partial U} = \sum_t \left(\frac{\partial E}{\partial h^{(t)}} \odot (1 - h^{(t)2})\right) h^{(t)\top}$$
"""
    assert [v for _, v in _verdicts(text)] == ["ok"] * 6 + ["wrong"] * 2
