"""The recurrent cells' parts (issue 15), numeric and index rows, one time step each: a recurrent
layer is lowered unrolled (core/lower_sequence.py), every step reading the same per-gate weights,
so the one reverse walk sums a shared weight's terms over the steps (backpropagation through time).

    gate       a_j = φ(Σ_k W_{j,k} x_k + Σ_{j'} U_{j,j'} h'_{j'} + b_j (+ b'_j)), φ one of the rule rows'
               elementwise activations: an RNN's state (tanh, ReLU), an LSTM's i, f, o (σ) and c̃ (tanh),
               a GRU's r, z (σ) and its two halves of n (identity)
    lstm_cell  c_j = f_j c'_j + i_j c̃_j                 (first step: i_j c̃_j)
    lstm_out   h_j = o_j tanh(c_j)
    gru_new    n_j = tanh(p_j + r_j q_j)            p = W_n x + b_n, q = U_n h' + b'_n
    gru_mix    h_j = (1 - z_j) n_j + z_j h'_j       (first step: (1 - z_j) n_j)
    gru_reset  m_j = r_j h'_j                      a GRU that resets the state before U_n (Cho et al.'s,
               Keras's reset_after = false): n = gate(x, m; W_n, U_n; b_n, b'_n; tanh)

A gate's inputs are its sources (x, and h' after the first step), one weight per source, then its
biases (attribute `sources`: how many). Every slope is its row's, written in the output: σ' = a(1 - a),
tanh' = 1 - a², ReLU' = [a > 0]. Arrays are (samples, units).
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy import Sum

from ...rules import kernels
from ...rules.activations import ACTIVATIONS
from ...rules.algebra import _add, _mul, _neg, _one_minus


def _factor(per_sample) -> float:
    return 1.0 if per_sample is None else per_sample


def _wants(needs, k: int) -> bool:
    return needs is None or needs[k]


# -- gate: (sources..., weights..., biases...) ----------------------------------------------------------
def gate_net(inputs, sources: int):
    """The gate's net input W x + U h' + b (its biases summed)."""
    found = sum(inputs[s].dot(inputs[sources + s].T) for s in range(sources))
    return found + sum(inputs[2 * sources:])


def gate_forward(function: str, sources: int = 1, **_):
    numpy = ACTIVATIONS[function].numpy
    return lambda inputs: numpy(gate_net(inputs, sources))


def gate_vjp(function: str, sources: int = 1, needs=None, per_sample=None, **_):
    through, factor = kernels.vjp_kernel(function), _factor(per_sample)

    def gate_vjp(inputs, output, upstream):
        d_net = through(gate_net(inputs, sources), output, upstream)
        into = tuple(d_net.dot(inputs[sources + s]) if _wants(needs, s) else None for s in range(sources))
        weights = tuple(factor * d_net.T.dot(inputs[s]) for s in range(sources))
        return into + weights + (factor * d_net.sum(axis=0),) * (len(inputs) - 2 * sources)
    return gate_vjp


def _slope(application, level, out) -> sp.Expr:
    """φ' written in the output a (both of tanh's, σ's, ReLU's and the identity's can be)."""
    a = level.entry(out)
    return _unfolded(ACTIVATIONS[application.attribute("function")].derivative([a], [a], 0, 0))


def _unfolded(slope: sp.Expr) -> sp.Expr:
    """The rule row's step slope, Piecewise((1, x > 0), (0, True)), as Heaviside(x, 0): SymPy's Sum
    keeps it as it is, where it folds a Piecewise factor out of the sum into cases."""
    return slope.replace(lambda e: isinstance(e, sp.Piecewise) and len(e.args) == 2
                         and isinstance(e.args[0][1], sp.StrictGreaterThan) and e.args[0][1].rhs == 0,
                         lambda e: sp.Heaviside(e.args[0][1].lhs, 0))


def _limits(*indices) -> tuple:
    return tuple((i, i.lower, i.upper) for i in indices)


def gate_index_forward(level, application):
    sources = application.attribute("sources")
    j = level.axes[application.output][1]
    terms = []
    for s in range(sources):
        source, weight = application.inputs[s], application.inputs[sources + s]
        k = level.axes[weight][1]
        terms.append(Sum(_mul(level.entry(weight, j, k), level.entry(source, k)), *_limits(k)))
    terms += [level.entry(b, j) for b in application.inputs[2 * sources:]]
    return ACTIVATIONS[application.attribute("function")].forward([_add(*terms)], 0)


def gate_index_vjp(level, application, upstream):
    sources = application.attribute("sources")
    out = application.output
    j = level.axes[out][1]
    local = _mul(upstream, _slope(application, level, out))
    j2 = level.summed_over(j)
    into = []
    for s in range(sources):
        source, weight = application.inputs[s], application.inputs[sources + s]
        k = level.axes[source][1]
        into.append(None if level.is_input(source) else
                    Sum(_mul(level.entry(weight, j2, k), local.xreplace({j: j2})), *_limits(j2)))
    weights = [_mul(local, level.entry(application.inputs[s], level.axes[application.inputs[sources + s]][1]))
               for s in range(sources)]
    return tuple(into + weights + [local] * (len(application.inputs) - 2 * sources))


# -- the LSTM's cell state and output -------------------------------------------------------------------
def lstm_cell_forward(**_):
    """(f, c', i, c̃) or, on the first step, (i, c̃)."""
    return lambda inputs: inputs[0] * inputs[1] + inputs[2] * inputs[3] if len(inputs) == 4 else inputs[0] * inputs[1]


def lstm_cell_vjp(**_):
    def lstm_cell_vjp(inputs, output, upstream):
        pairs = [(inputs[k], inputs[k + 1]) for k in range(0, len(inputs), 2)]
        return tuple(term for a, b in pairs for term in (upstream * b, upstream * a))
    return lstm_cell_vjp


def lstm_out_forward(**_):
    return lambda inputs: inputs[0] * np.tanh(inputs[1])


def lstm_out_vjp(**_):
    def lstm_out_vjp(inputs, output, upstream):
        squashed = np.tanh(inputs[1])
        return upstream * squashed, upstream * inputs[0] * (1.0 - squashed ** 2)
    return lstm_out_vjp


def _at(level, node, out):
    """The node's entry at the output's unit index (elementwise ops: every input shares the unit)."""
    return level.entry(node, level.axes[out][1])


def lstm_cell_index_forward(level, application):
    out = application.output
    entries = [_at(level, node, out) for node in application.inputs]
    return _add(*[_mul(entries[k], entries[k + 1]) for k in range(0, len(entries), 2)])


def lstm_cell_index_vjp(level, application, upstream):
    out = application.output
    entries = [_at(level, node, out) for node in application.inputs]
    found = []
    for k in range(0, len(entries), 2):
        found += [_mul(upstream, entries[k + 1]), _mul(upstream, entries[k])]
    return tuple(_own(level, term, out, node) for term, node in zip(found, application.inputs))


def _own(level, term, out, node):
    """A term over the output's unit index, on the input's own: the walk gathers it there."""
    return term.xreplace({level.axes[out][-1]: level.axes[node][-1]})      # a parameter's axes have no sample's


def lstm_out_index_forward(level, application):
    o, c = (_at(level, node, application.output) for node in application.inputs)
    return _mul(o, sp.tanh(c))


def lstm_out_index_vjp(level, application, upstream):
    out = application.output
    o, c = (_at(level, node, out) for node in application.inputs)
    terms = (_mul(upstream, sp.tanh(c)), _mul(upstream, o, _one_minus(sp.Pow(sp.tanh(c), 2, evaluate=False))))
    return tuple(_own(level, term, out, node) for term, node in zip(terms, application.inputs))


# -- the GRU's new state and its mix with the old one ----------------------------------------------------
def gru_new_forward(**_):
    """(p, r, q): tanh(p + r q); on the first step q is the recurrent bias b'_n alone (h' = 0)."""
    return lambda inputs: np.tanh(inputs[0] + inputs[1] * inputs[2])


def gru_new_vjp(first: bool = False, per_sample=None, **_):
    factor = _factor(per_sample)

    def gru_new_vjp(inputs, output, upstream):
        d_in = upstream * (1.0 - output ** 2)
        into_q = d_in * inputs[1]
        return d_in, d_in * inputs[2], factor * into_q.sum(axis=0) if first else into_q
    return gru_new_vjp


def gru_mix_forward(**_):
    """(z, n, h') or, on the first step, (z, n): (1 - z) n + z h'."""
    return lambda inputs: (1.0 - inputs[0]) * inputs[1] + (inputs[0] * inputs[2] if len(inputs) == 3 else 0.0)


def gru_mix_vjp(**_):
    def gru_mix_vjp(inputs, output, upstream):
        z, n = inputs[0], inputs[1]
        previous = inputs[2] if len(inputs) == 3 else 0.0
        return (upstream * (previous - n), upstream * (1.0 - z)) + ((upstream * z,) if len(inputs) == 3 else ())
    return gru_mix_vjp


def gru_new_index_forward(level, application):
    p, r, q = (_at(level, node, application.output) for node in application.inputs)
    return sp.tanh(_add(p, _mul(r, q)))


def gru_new_index_vjp(level, application, upstream):
    out = application.output
    p, r, q = (_at(level, node, out) for node in application.inputs)
    local = _mul(upstream, _one_minus(sp.Pow(level.entry(out), 2, evaluate=False)))
    return tuple(_own(level, term, out, node) for term, node in zip((local, _mul(local, q), _mul(local, r)),
                                                                     application.inputs))


def gru_mix_index_forward(level, application):
    out = application.output
    z, n, *previous = (_at(level, node, out) for node in application.inputs)
    return _add(_mul(_one_minus(z), n), *[_mul(z, h) for h in previous])


def gru_mix_index_vjp(level, application, upstream):
    out = application.output
    z, n, *previous = (_at(level, node, out) for node in application.inputs)
    into_z = _mul(upstream, _add(previous[0], _neg(n)) if previous else _neg(n))
    terms = (into_z, _mul(upstream, _one_minus(z))) + tuple(_mul(upstream, z) for _ in previous)
    return tuple(_own(level, term, out, node) for term, node in zip(terms, application.inputs))


# -- the reset state r ⊙ h' of a GRU that resets before U_n (Cho et al.'s) --------------------------------
def gru_reset_forward(**_):
    return lambda inputs: inputs[0] * inputs[1]


def gru_reset_vjp(**_):
    def gru_reset_vjp(inputs, output, upstream):
        return upstream * inputs[1], upstream * inputs[0]
    return gru_reset_vjp


def gru_reset_index_forward(level, application):
    r, previous = (_at(level, node, application.output) for node in application.inputs)
    return _mul(r, previous)


def gru_reset_index_vjp(level, application, upstream):
    out = application.output
    r, previous = (_at(level, node, out) for node in application.inputs)
    return tuple(_own(level, term, out, node) for term, node in zip((_mul(upstream, previous), _mul(upstream, r)),
                                                                     application.inputs))
