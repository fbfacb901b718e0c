"""Names of the posts in the open world that verify did not read (session of 2026-12-05, eleventh): an LSTM
note's W_{ho} and b_o beside W_{xo} (its output gate's, not a read-out's) and its a_f, the forget gate's net input
that it never defines; a character RNN's biases in capitals (B_h, B_y, sequence_blind_rnn10); and a post that
writes W_f over [h_{t-1}, x_t] and updates it (W_f += α ∂J/∂W_f, sequence_blind_rnn6). Each is checked both ways:
the right formula ok, a slip in it wrong."""

from __future__ import annotations

from derive import api
from derive.spec.load import from_dict
from derive.verify import Checker, verify_text


def _checker(kind: str, **extra):
    """A 3-unit cell over four steps, a softmax read-out at every step, the cross-entropy."""
    spec = {"title": "t", "init": {"seed": 5}, "training": {"learning_rate": 0.1},
            "input": {"shape": [4, 2], "values": [[[0.5, -1.0], [1.25, 0.75], [-0.5, 0.25], [1.0, -1.5]]]},
            "layers": [{"type": kind, "hidden": 3}, {"type": "dense", "units": 4, "activation": "softmax"}],
            "target": {"tokens": [[0, 1, 3, 2]]}, "loss": {"function": "cross_entropy"}} | extra
    return Checker(api.derive(from_dict(spec)))


def _verdicts(checker, text: str) -> dict[int, str]:
    return {claim.line: claim.verdict for claim in verify_text(checker, text, "post.md").claims}


LSTM_FORWARD = "\n\n".join([
    r"$$f_t = \sigma(W_{xf} x_t + W_{hf} h_{t-1} + b_{f})$$",
    r"$$i_t = \sigma(W_{xi} x_t + W_{hi} h_{t-1} + b_{i}) \\ \tilde{C}_t = tanh(W_{xC} x_t + W_{hC} h_{t-1} + b_C)$$",
    r"$$o_t = \sigma(W_{xo} x_t + W_{ho} h_{t-1} + b_o)$$",
    r"$$C_t = f_t * C_{t-1} + i_t * \tilde{C}_t$$",
    r"$$h_t = o_t * \tanh(C_t)$$",
])


def test_an_lstms_w_ho_beside_w_xo_is_its_output_gates_weight():
    verdicts = _verdicts(_checker("lstm"), LSTM_FORWARD)
    assert verdicts[5] == "ok"                                  # o_t = σ(W_xo x_t + W_ho h_{t-1} + b_o)
    slipped = LSTM_FORWARD.replace(r"W_{ho} h_{t-1} + b_o", r"W_{ho} h_{t} + b_o")
    assert _verdicts(_checker("lstm"), slipped)[5] == "wrong"


def test_a_gates_net_input_written_a_f_that_the_post_never_defines():
    text = LSTM_FORWARD + "\n\n" + "\n\n".join([
        r"$$\frac{\partial f_t}{\partial a_f} = f_t (1 - f_t)$$",
        r"$$\frac{\partial o_t}{\partial a_o} = o_t (1 - f_t)$$",
        r"$$\frac{\partial L}{\partial a_o} = \frac{\partial L}{\partial o_t} \cdot \frac{\partial o_t}{\partial a_o}$$",
        r"$$\frac{\partial L}{\partial a_o} = \frac{\partial L}{\partial h_t} \odot \tanh(C_t) \odot o_t \odot (1 - o_t)$$",
        r"$$\frac{\partial L}{\partial a_o} = \frac{\partial L}{\partial h_t} \odot \tanh(C_t) \odot o_t$$",
    ])
    verdicts = _verdicts(_checker("lstm"), text)
    assert [verdicts[line] for line in (11, 13, 15, 17, 19)] == ["ok", "wrong", "ok", "ok", "wrong"]


def test_a_grus_z_stays_its_update_gate():
    text = r"$$z_t = \sigma(W_z x_t + U_z h_{t-1} + b_z)$$" + "\n\n" + \
        r"$$\frac{\partial z_t}{\partial a_z} = z_t (1 - z_t)$$"
    assert _verdicts(_checker("gru"), text) == {1: "ok", 3: "ok"}


def test_biases_written_in_capitals():
    forward = "\n\n".join([
        r"$$h_{t} = tanh(W_{hh}h_{t-1} + W_{xh}x_{t} + B_{h})$$",
        r"$$y_{t} = W_{hy}h_{t} + B_{y}$$",
    ])
    assert _verdicts(_checker("rnn"), forward) == {1: "ok", 3: "ok"}
    assert _verdicts(_checker("rnn"), forward.replace("+ W_{xh}x_{t} + B_{h}", "+ B_{h}"))[1] == "wrong"


def test_a_gates_weights_over_the_state_and_the_input_updated_and_differentiated():
    text = "\n\n".join([
        r"$$z_t = [h_{t-1}, x_t]$$",
        r"$$a_o = W_o \cdot z_t + b_o, \quad o_t = \sigma(a_o)$$",
        r"$$\frac{\partial J}{\partial W_o} = \frac{\partial J}{\partial a_o} \cdot \frac{\partial a_o}{\partial W_o}$$",
        r"$$\frac{\partial J}{\partial W_o} = \frac{\partial J}{\partial a_o} \cdot z_t^T$$",
        r"$$W_o \leftarrow W_o - \alpha \frac{\partial J}{\partial W_o}$$",
        r"$$W_o \leftarrow W_o + \alpha \frac{\partial J}{\partial W_o}$$",
    ])
    verdicts = _verdicts(_checker("lstm"), text)
    assert [verdicts.get(line) for line in (5, 7, 9, 11)] == ["ok", "ok", "ok", "wrong"]


def test_what_the_review_found():
    """W_{ho} as an LSTM post's read-out (ŷ = softmax(W_{ho} h_t + b_y)), a_f as a gate's own activation (a_f =
    σ(…)) and a = σ(a_r) after it: each the post's own meaning, as its equations make it."""
    read_out = "\n\n".join([r"$$\hat{y}_t = \mathrm{softmax}(W_{ho} h_t + b_y)$$",
                            r"$$\frac{\partial L}{\partial W_{ho}} = \frac{1}{T}\sum_t (\hat{y}_t - y_t) h_t^T$$"])
    square = {"layers": [{"type": "lstm", "hidden": 3}, {"type": "dense", "units": 3, "activation": "softmax"}],
              "target": {"tokens": [[0, 1, 2, 1]]}}
    assert _verdicts(_checker("lstm", **square), read_out) == {1: "ok", 3: "ok"}
    activations = "\n\n".join([
        r"$$a_f = \sigma(W_f [h_{t-1}, x_t] + b_f)$$", r"$$a_i = \sigma(W_i [h_{t-1}, x_t] + b_i)$$",
        r"$$a_o = \sigma(W_o [h_{t-1}, x_t] + b_o)$$", r"$$a_c = \tanh(W_c [h_{t-1}, x_t] + b_c)$$",
        r"$$c_t = a_f \odot c_{t-1} + a_i \odot a_c$$", r"$$h_t = a_o \odot \tanh(c_t)$$",
        r"$$\frac{\partial h_t}{\partial a_o} = \tanh(c_t)$$",
    ])
    assert set(_verdicts(_checker("lstm"), activations).values()) == {"ok"}
    slipped = activations.replace(r"h_t = a_o \odot \tanh(c_t)", r"h_t = a_f \odot \tanh(c_t)")
    assert _verdicts(_checker("lstm"), slipped)[11] == "wrong"
    twice = r"$$a_r = \sigma(W_r x_t + U_r h_{t-1} + b_r)$$" + "\n\n" + r"$$r_t = \sigma(a_r)$$"
    assert _verdicts(_checker("gru"), twice) == {1: "ok", 3: "wrong"}
