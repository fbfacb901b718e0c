"""The recurrent ops' numeric rows (issue 15), one time step each: a recurrent layer is lowered
unrolled (core/lower_sequence.py), one cell application per step, all reading the same W, U and b,
so the one reverse walk sums a shared weight's terms over the steps (backpropagation through time)
and carries dL/dh (and the LSTM's dL/dc) from each step to the one before. Arrays are (samples,
features) per step and (samples, time, features) per sequence, with PyTorch's gate order (LSTM
i, f, g, o; GRU r, z, n).

    time_step  x_t = X[:, t]; stack: H[:, t] = h_t
    embedding  H[n,t] = E[ids[n,t]]; dE = the upstream scatter-added into the rows the ids pick
    rnn_cell   h_t = tanh(W x_t + U h_{t-1} + b) (or relu)
    lstm_c     c_t = f ⊙ c_{t-1} + i ⊙ g,   i, f = σ(·), g = tanh(·) of their rows of W x_t + U h_{t-1} + b
    lstm_h     h_t = o ⊙ tanh(c_t),         o = σ(·) of its rows
    gru_cell   r, z = σ(W x_t + b_x + U h_{t-1} + b_h) (their rows); n = tanh(W_n x_t + b_xn + r ⊙ (U_n h_{t-1} + b_hn));
               h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}

A first step (attribute first) has no h_0, c_0 (they are 0): it reads no U, and the cell's own
terms in them are absent. The bound kernels follow ops/__init__.py: forward(**attributes)(inputs)
and vjp(needs=, per_sample=, **attributes)(inputs, output, upstream); a parameter's term takes
`per_sample` (the mean's 1/m) as conv2d's does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...rules.activations import _sigmoid_np as _sigmoid

GATES = {"rnn_cell": 1, "lstm_c": 4, "lstm_h": 4, "gru_cell": 3}      # rows of W and U per hidden unit


def _factor(per_sample) -> float:
    return 1.0 if per_sample is None else per_sample


# -- time steps: X (n, T, d) -> x_t (n, d), and back ------------------------------------------------
def time_step_forward(t: int, **_):
    return lambda inputs: inputs[0][:, t]


def time_step_vjp(t: int, **_):
    def time_step_vjp(inputs, output, upstream):
        found = np.zeros_like(inputs[0])
        found[:, t] = upstream
        return (found,)
    return time_step_vjp


def stack_forward(**_):
    return lambda inputs: np.stack(inputs, axis=1)


def stack_vjp(**_):
    return lambda inputs, output, upstream: tuple(upstream[:, t] for t in range(len(inputs)))


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


# -- a cell's inputs: x_t, then the states it carries (none on the first step), then its parameters --
@dataclass(frozen=True)
class Cell:
    x: np.ndarray
    states: tuple                  # h_{t-1} (and c_{t-1} or c_t, by op); () on a first step with no state read
    w: np.ndarray
    u: np.ndarray | None           # None on a first step
    biases: tuple


def _cell(inputs, first: bool, states: int, biases: int = 1) -> Cell:
    x, rest = inputs[0], list(inputs[1:])
    carried = tuple(rest[:states])
    rest = rest[states:]
    if first:
        return Cell(x, carried, rest[0], None, tuple(rest[1:1 + biases]))
    return Cell(x, carried, rest[0], rest[1], tuple(rest[2:2 + biases]))


def _net(cell: Cell, hidden: np.ndarray | None) -> np.ndarray:
    """W x_t + b (+ U h_{t-1}): every gate's net input, (n, gates · h)."""
    found = cell.x.dot(cell.w.T) + cell.biases[0]
    return found if hidden is None else found + hidden.dot(cell.u.T)


def _terms(cell: Cell, d_net: np.ndarray, hidden, factor: float, into: bool, d_states: tuple) -> tuple:
    """The VJP terms in the inputs' order, from dL/d(net) of W x_t + U h_{t-1} + b."""
    d_x = d_net.dot(cell.w) if into else None
    weights = (factor * d_net.T.dot(cell.x),) + (() if cell.u is None else (factor * d_net.T.dot(hidden),))
    return (d_x,) + d_states + weights[:1] + weights[1:] + (factor * d_net.sum(axis=0),)


# -- rnn_cell: (x_t, [h_{t-1}], W, [U], b) ---------------------------------------------------------
def rnn_cell_forward(nonlinearity: str = "tanh", first: bool = False, **_):
    def rnn_cell(inputs):
        cell = _cell(inputs, first, 0 if first else 1)
        net = _net(cell, None if first else cell.states[0])
        return np.tanh(net) if nonlinearity == "tanh" else np.maximum(net, 0.0)
    return rnn_cell


def rnn_cell_vjp(nonlinearity: str = "tanh", first: bool = False, needs=None, per_sample=None, **_):
    into, factor = needs is None or needs[0], _factor(per_sample)

    def rnn_cell_vjp(inputs, output, upstream):
        cell = _cell(inputs, first, 0 if first else 1)
        slope = 1.0 - output ** 2 if nonlinearity == "tanh" else (output > 0).astype(float)
        d_net = upstream * slope
        hidden = None if first else cell.states[0]
        return _terms(cell, d_net, hidden, factor, into, () if first else (d_net.dot(cell.u),))
    return rnn_cell_vjp


# -- lstm: lstm_c (x_t, [h_{t-1}, c_{t-1}], W, [U], b) -> c_t; lstm_h (x_t, [h_{t-1}], c_t, W, [U], b) -> h_t
def _lstm_gates(cell: Cell, hidden):
    net = _net(cell, hidden)
    size = net.shape[1] // 4
    return (_sigmoid(net[:, :size]), _sigmoid(net[:, size:2 * size]), np.tanh(net[:, 2 * size:3 * size]),
            _sigmoid(net[:, 3 * size:]))


def lstm_c_forward(first: bool = False, **_):
    def lstm_c(inputs):
        cell = _cell(inputs, first, 0 if first else 2)
        i, f, g, _ = _lstm_gates(cell, None if first else cell.states[0])
        return i * g if first else f * cell.states[1] + i * g
    return lstm_c


def lstm_c_vjp(first: bool = False, needs=None, per_sample=None, **_):
    into, factor = needs is None or needs[0], _factor(per_sample)

    def lstm_c_vjp(inputs, output, upstream):
        cell = _cell(inputs, first, 0 if first else 2)
        hidden = None if first else cell.states[0]
        i, f, g, o = _lstm_gates(cell, hidden)
        previous = 0.0 if first else cell.states[1]
        d_net = np.concatenate([upstream * g * i * (1.0 - i), upstream * previous * f * (1.0 - f),
                                upstream * i * (1.0 - g ** 2), np.zeros_like(o)], axis=1)
        states = () if first else (d_net.dot(cell.u), upstream * f)       # dL/dh_{t-1}, dL/dc_{t-1}
        return _terms(cell, d_net, hidden, factor, into, states)
    return lstm_c_vjp


def _lstm_h_cell(inputs, first: bool) -> tuple[Cell, np.ndarray]:
    """The cell of (x_t, [h_{t-1}], c_t, W, [U], b), and its c_t."""
    if first:
        return Cell(inputs[0], (), inputs[2], None, (inputs[3],)), inputs[1]
    return Cell(inputs[0], (inputs[1],), inputs[3], inputs[4], (inputs[5],)), inputs[2]


def lstm_h_forward(first: bool = False, **_):
    def lstm_h(inputs):
        cell, c = _lstm_h_cell(inputs, first)
        return _lstm_gates(cell, None if first else cell.states[0])[3] * np.tanh(c)
    return lstm_h


def lstm_h_vjp(first: bool = False, needs=None, per_sample=None, **_):
    into, factor = needs is None or needs[0], _factor(per_sample)

    def lstm_h_vjp(inputs, output, upstream):
        cell, c = _lstm_h_cell(inputs, first)
        hidden = None if first else cell.states[0]
        o = _lstm_gates(cell, hidden)[3]
        squashed = np.tanh(c)
        d_o = upstream * squashed * o * (1.0 - o)
        d_net = np.concatenate([np.zeros_like(d_o)] * 3 + [d_o], axis=1)
        d_c = upstream * o * (1.0 - squashed ** 2)
        terms = _terms(cell, d_net, hidden, factor, into, () if first else (d_net.dot(cell.u),))
        return terms[:len(cell.states) + 1] + (d_c,) + terms[len(cell.states) + 1:]
    return lstm_h_vjp


# -- gru_cell: (x_t, [h_{t-1}], W, [U], b_x, b_h) ---------------------------------------------------
def _gru_parts(cell: Cell, hidden):
    """r, z, n and the recurrent term U h_{t-1} + b_h (b_h alone on a first step)."""
    a_x = cell.x.dot(cell.w.T) + cell.biases[0]
    a_h = cell.biases[1] + (0.0 if hidden is None else hidden.dot(cell.u.T))
    a_h = np.broadcast_to(a_h, a_x.shape)
    size = a_x.shape[1] // 3
    r = _sigmoid(a_x[:, :size] + a_h[:, :size])
    z = _sigmoid(a_x[:, size:2 * size] + a_h[:, size:2 * size])
    new = np.tanh(a_x[:, 2 * size:] + r * a_h[:, 2 * size:])
    return r, z, new, a_h


def gru_cell_forward(first: bool = False, **_):
    def gru_cell(inputs):
        cell = _cell(inputs, first, 0 if first else 1, biases=2)
        hidden = None if first else cell.states[0]
        _, z, new, _ = _gru_parts(cell, hidden)
        return (1.0 - z) * new + (0.0 if first else z * hidden)
    return gru_cell


def gru_cell_vjp(first: bool = False, needs=None, per_sample=None, **_):
    into, factor = needs is None or needs[0], _factor(per_sample)

    def gru_cell_vjp(inputs, output, upstream):
        cell = _cell(inputs, first, 0 if first else 1, biases=2)
        hidden = None if first else cell.states[0]
        r, z, new, a_h = _gru_parts(cell, hidden)
        size = r.shape[1]
        d_new = upstream * (1.0 - z) * (1.0 - new ** 2)
        d_r = d_new * a_h[:, 2 * size:] * r * (1.0 - r)
        d_z = upstream * ((0.0 if first else hidden) - new) * z * (1.0 - z)
        d_x_net = np.concatenate([d_r, d_z, d_new], axis=1)
        d_h_net = np.concatenate([d_r, d_z, d_new * r], axis=1)          # r scales U_n h_{t-1} + b_hn
        d_x = d_x_net.dot(cell.w) if into else None
        if first:
            return d_x, factor * d_x_net.T.dot(cell.x), factor * d_x_net.sum(axis=0), factor * d_h_net.sum(axis=0)
        return (d_x, upstream * z + d_h_net.dot(cell.u), factor * d_x_net.T.dot(cell.x),
                factor * d_h_net.T.dot(hidden), factor * d_x_net.sum(axis=0), factor * d_h_net.sum(axis=0))
    return gru_cell_vjp
