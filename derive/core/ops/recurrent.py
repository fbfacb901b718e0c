"""The recurrent ops' numeric rows (issue 15): embedding lookup and the vanilla RNN, LSTM and GRU
cells unrolled over time with shared weights, over arrays of shape (samples, time, features), as
PyTorch lays them out with batch_first (and its gate order: LSTM i, f, g, o; GRU r, z, n).

    embedding  H[n,t] = E[ids[n,t]]; dE = the upstream scatter-added into the rows the ids pick
    rnn        h_t = tanh(W x_t + U h_{t-1} + b) (or relu), h_0 = 0; the output is every h_t
    lstm       i, f, o = σ(·), g = tanh(·) of W x_t + U h_{t-1} + b; c_t = f c_{t-1} + i g; h_t = o tanh(c_t)
    gru        r, z = σ(W x_t + b_x + U h_{t-1} + b_h) (their rows); n = tanh(W_n x_t + b_xn + r (U_n h_{t-1} + b_hn));
               h_t = (1 - z) n + z h_{t-1}

The backward passes are backpropagation through time: one loop over the time steps, latest first,
carrying dL/dh (and dL/dc) to the step before; a shared weight's gradient is the sum of every step's
term. The loops run over time steps, never over samples or units. The bound kernels follow
ops/__init__.py: forward(**attributes)(inputs) and vjp(needs=, per_sample=, **attributes)(inputs,
output, upstream); a parameter's term takes `per_sample` (the mean's 1/m) as conv2d's does.
"""

from __future__ import annotations

import numpy as np

from ...rules.activations import _sigmoid_np as _sigmoid

CELLS = ("rnn", "lstm", "gru")
GATES = {"rnn": 1, "lstm": 4, "gru": 3}       # rows of W and U per hidden unit


def _factor(per_sample) -> float:
    return 1.0 if per_sample is None else per_sample


# -- embedding: inputs (ids (n, T), E (vocabulary, d)) ----------------------------------------------
def embedding_forward(**_):
    return lambda inputs: inputs[1][inputs[0].astype(np.intp)]


def embedding_vjp(per_sample=None, **_):
    factor = _factor(per_sample)

    def embedding_vjp(inputs, output, upstream):
        table = np.zeros_like(inputs[1])
        np.add.at(table, inputs[0].astype(np.intp), upstream)     # a repeated id collects every term
        return None, factor * table
    return embedding_vjp


# -- rnn: inputs (X (n, T, d), W (h, d), U (h, h), b (h,)) -------------------------------------------
def rnn_forward(nonlinearity: str = "tanh", **_):
    squash = np.tanh if nonlinearity == "tanh" else (lambda a: np.maximum(a, 0.0))

    def rnn(inputs):
        x, w, u, b = inputs
        projected = x.dot(w.T) + b                   # every step's input term at once
        h = np.zeros((len(x), u.shape[0]))
        out = np.empty(x.shape[:2] + (u.shape[0],))
        for t in range(x.shape[1]):
            h = out[:, t] = squash(projected[:, t] + h.dot(u.T))
        return out
    return rnn


def rnn_vjp(nonlinearity: str = "tanh", needs=None, per_sample=None, **_):
    into = needs is None or needs[0]
    factor = _factor(per_sample)

    def rnn_vjp(inputs, output, upstream):
        x, w, u, b = inputs
        slope = 1.0 - output ** 2 if nonlinearity == "tanh" else (output > 0).astype(float)
        before = np.concatenate([np.zeros_like(output[:, :1]), output[:, :-1]], axis=1)     # h_{t-1}
        d_net = np.empty_like(output)
        carried = np.zeros_like(output[:, 0])
        for t in reversed(range(x.shape[1])):
            d_net[:, t] = (upstream[:, t] + carried) * slope[:, t]
            carried = d_net[:, t].dot(u)
        d_x = d_net.dot(w) if into else None
        return (d_x, factor * _summed_outer(d_net, x), factor * _summed_outer(d_net, before),
                factor * d_net.sum(axis=(0, 1)))
    return rnn_vjp


def _summed_outer(d: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Σ over samples and steps of d_t a_tᵀ: a shared weight's gradient, every step's term summed."""
    return np.tensordot(d, a, axes=([0, 1], [0, 1]))


# -- lstm: inputs (X, W (4h, d), U (4h, h), b (4h,)) -------------------------------------------------
def _lstm_steps(x, w, u, b):
    """Every step's gates (n, T, 4h: i, f, g, o after their nonlinearities), cell and hidden states."""
    size = u.shape[1]
    projected = x.dot(w.T) + b
    n, steps = x.shape[:2]
    gates = np.empty((n, steps, 4 * size))
    cells, hidden = np.empty((n, steps, size)), np.empty((n, steps, size))
    h, c = np.zeros((n, size)), np.zeros((n, size))
    for t in range(steps):
        a = projected[:, t] + h.dot(u.T)
        i, f, g, o = _sigmoid(a[:, :size]), _sigmoid(a[:, size:2 * size]), np.tanh(a[:, 2 * size:3 * size]), \
            _sigmoid(a[:, 3 * size:])
        c = f * c + i * g
        h = o * np.tanh(c)
        gates[:, t] = np.concatenate([i, f, g, o], axis=1)
        cells[:, t], hidden[:, t] = c, h
    return gates, cells, hidden


def lstm_forward(**_):
    return lambda inputs: _lstm_steps(*inputs)[2]


def lstm_vjp(needs=None, per_sample=None, **_):
    into = needs is None or needs[0]
    factor = _factor(per_sample)

    def lstm_vjp(inputs, output, upstream):
        x, w, u, b = inputs
        size = u.shape[1]
        gates, cells, hidden = _lstm_steps(x, w, u, b)
        previous_c = np.concatenate([np.zeros_like(cells[:, :1]), cells[:, :-1]], axis=1)
        before = np.concatenate([np.zeros_like(hidden[:, :1]), hidden[:, :-1]], axis=1)
        d_net = np.empty_like(gates)
        d_h, d_c = np.zeros_like(hidden[:, 0]), np.zeros_like(cells[:, 0])
        for t in reversed(range(x.shape[1])):
            i, f, g, o = (gates[:, t, k * size:(k + 1) * size] for k in range(4))
            squashed = np.tanh(cells[:, t])
            d_h = upstream[:, t] + d_h
            d_c = d_h * o * (1.0 - squashed ** 2) + d_c          # the cell state's own path, and h_t's
            d_net[:, t] = np.concatenate([d_c * g * i * (1.0 - i), d_c * previous_c[:, t] * f * (1.0 - f),
                                          d_c * i * (1.0 - g ** 2), d_h * squashed * o * (1.0 - o)], axis=1)
            d_c = d_c * f
            d_h = d_net[:, t].dot(u)
        d_x = d_net.dot(w) if into else None
        return (d_x, factor * _summed_outer(d_net, x), factor * _summed_outer(d_net, before),
                factor * d_net.sum(axis=(0, 1)))
    return lstm_vjp


# -- gru: inputs (X, W (3h, d), U (3h, h), b_x (3h,), b_h (3h,)) -------------------------------------
def _gru_steps(x, w, u, b_x, b_h):
    """Every step's r, z, n (n, T, 3h), the recurrent term U h_{t-1} + b_h (n, T, 3h), and h."""
    size = u.shape[1]
    projected = x.dot(w.T) + b_x
    n, steps = x.shape[:2]
    gates, recurrent, hidden = np.empty((n, steps, 3 * size)), np.empty((n, steps, 3 * size)), np.empty((n, steps, size))
    h = np.zeros((n, size))
    for t in range(steps):
        a_h = h.dot(u.T) + b_h
        a_x = projected[:, t]
        r = _sigmoid(a_x[:, :size] + a_h[:, :size])
        z = _sigmoid(a_x[:, size:2 * size] + a_h[:, size:2 * size])
        new = np.tanh(a_x[:, 2 * size:] + r * a_h[:, 2 * size:])
        h = (1.0 - z) * new + z * h
        gates[:, t], recurrent[:, t], hidden[:, t] = np.concatenate([r, z, new], axis=1), a_h, h
    return gates, recurrent, hidden


def gru_forward(**_):
    return lambda inputs: _gru_steps(*inputs)[2]


def gru_vjp(needs=None, per_sample=None, **_):
    into = needs is None or needs[0]
    factor = _factor(per_sample)

    def gru_vjp(inputs, output, upstream):
        x, w, u, b_x, b_h = inputs
        size = u.shape[1]
        gates, recurrent, hidden = _gru_steps(x, w, u, b_x, b_h)
        before = np.concatenate([np.zeros_like(hidden[:, :1]), hidden[:, :-1]], axis=1)
        d_x_net, d_h_net = np.empty_like(gates), np.empty_like(gates)
        d_h = np.zeros_like(hidden[:, 0])
        for t in reversed(range(x.shape[1])):
            r, z, new = (gates[:, t, k * size:(k + 1) * size] for k in range(3))
            d_h = upstream[:, t] + d_h
            d_new = d_h * (1.0 - z) * (1.0 - new ** 2)
            d_r = d_new * recurrent[:, t, 2 * size:] * r * (1.0 - r)
            d_z = d_h * (before[:, t] - new) * z * (1.0 - z)
            d_x_net[:, t] = np.concatenate([d_r, d_z, d_new], axis=1)
            d_h_net[:, t] = np.concatenate([d_r, d_z, d_new * r], axis=1)       # r scales U_n h_{t-1} + b_hn
            d_h = d_h * z + d_h_net[:, t].dot(u)
        d_x = d_x_net.dot(w) if into else None
        return (d_x, factor * _summed_outer(d_x_net, x), factor * _summed_outer(d_h_net, before),
                factor * d_x_net.sum(axis=(0, 1)), factor * d_h_net.sum(axis=(0, 1)))
    return gru_vjp
