"""The loss of the outputs against the targets (its row in rules/losses.py), at every level. After
the activation it reads alone, it is fused with it: one step to that activation's net input, the
fusion row's cancellation where there is one (softmax + CE and σ + BCE give A − Y).

    numeric   the mean (or sum) of the unit errors (a sequence's: of every position's); dA per sample, or the
              fused dZ in one kernel
    units     each output unit's record: dE/dout, through the activation (softmax: every output),
              then the cancellation
    matrices  the output layer's δ as its lines (matrix_forms.output_delta)
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp
from sympy import OneMatrix, Sum

from ...rules import kernels
from ...rules.activations import ACTIVATIONS
from ...rules.algebra import _add, _mul, _times
from ...rules.fusions import CANCELLATIONS
from ...rules.losses import LOSSES
from ..chain import UnitRecord
from ..matrix_forms import OutputDelta, output_delta
from . import elementwise

_sum = np.add.reduce        # ndarray.sum is this behind a Python wrapper


@cache
def _row(function, outputs):
    return LOSSES[function].over(outputs)


def unit_errors(a, y, function, net=None, activation=None):
    """E_k per sample, (m, outputs). Given the net input of the activation the loss reads alone, a
    logarithm of the output is taken from it where that activation's row gives one (a saturated
    softmax or sigmoid rounds its output to 0 or 1, whose logarithm is not the loss's)."""
    return _errors(function, a.shape[-1], activation if net is not None else None)(a, y, net)


@cache
def _errors(function, outputs, activation):
    """(a, y, net) -> E_k per sample, for this many outputs, reading `activation`'s net input (if named)."""
    row = _row(function, outputs)
    if row.squared is not None:                 # no logarithm: outputs of any sign are fine
        return lambda a, y, net: row.numpy(y, a, None, None)
    stable = ACTIVATIONS[activation] if activation is not None else None
    log_out = stable.log_out if stable and stable.log_out else None
    log_1m = stable.log_one_minus_out if stable and stable.log_one_minus_out else None

    def errors(a, y, net):
        with np.errstate(divide="ignore"):
            return row.numpy(y, a, log_out(net) if log_out else np.log(a),
                             log_1m(net) if log_1m else np.log1p(-a))
    return errors


def forward(function, reduction, activation=None, positions=None, **_):
    """The kernel reads the net input of `activation` where the loss reads that activation alone.
    `positions` "mean": a sequence's errors averaged over its positions (axis 1)."""
    errors = _by_width(lambda outputs: _errors(function, outputs, activation))
    mean = reduction == "mean"

    def loss(inputs, net=None):
        a, y = inputs
        found = _sum(errors(a.shape[-1])(a, y, net), axis=None) / _positions(a, positions)
        return found * (1.0 / len(a)) if mean else found
    return loss


def vjp(function, reduction, per_sample=None, positions=None, **_):
    """`per_sample`: given, the term stays per sample (of the summed errors); the parameters' readers
    apply the mean's factor."""
    slopes = _by_width(lambda outputs: kernels.loss_slope(function, outputs))

    def loss_vjp(inputs, output, upstream):
        a, y = inputs
        return (_scaled(slopes(a.shape[-1])(y, a), upstream / _positions(a, positions), a, reduction, per_sample), None)
    return loss_vjp


def fused(activation, function, reduction, per_sample=None, positions=None, **_):
    """dJ/dnet of the activation the loss reads, in one kernel."""
    deltas = _by_width(lambda outputs: kernels.output_delta(activation, function, outputs))

    def loss_fused(inputs, net, upstream):
        a, y = inputs
        return _scaled(deltas(a.shape[-1])(y, a, net), upstream / _positions(a, positions), a, reduction, per_sample)
    return loss_fused


def _positions(a, positions) -> float:
    """The divisor of a sequence's mean over its positions (1: their sum, or no sequence)."""
    return float(a.shape[1]) if positions == "mean" else 1.0


def _by_width(make):
    """A kernel per number of outputs, made on first use and kept by the bound kernel."""
    made = {}

    def kernel(outputs):
        found = made.get(outputs)
        if found is None:
            found = made[outputs] = make(outputs)
        return found
    return kernel


def _scaled(slope, upstream, a, reduction, per_sample):
    """The slope times the upstream, over m for a mean unless it stays per sample. A factor of
    exactly 1 (the loss's seed) changes no bit: not multiplied."""
    scale = upstream if per_sample is not None else upstream / (len(a) if reduction == "mean" else 1.0)
    return slope if scale.__class__ is float and scale == 1.0 else scale * slope


def unit_fused(level, loss, activation, upstream) -> tuple[UnitRecord, ...]:
    layer = level.layers[activation.output]
    return tuple(_output_record(level.graph, layer, unit) for unit in layer.units)


def _output_record(graph, layer, unit) -> UnitRecord:
    activation = layer.activation
    outs = [u.out for u in layer.units]
    nets = [u.net for u in layer.units]
    d_out = graph.loss.derivative(unit.target, unit.out)
    if activation.elementwise:
        d_act = activation.derivative(outs, nets, unit.index, unit.index)
        chain = _mul(d_out, d_act)
        jacobian = None
    else:
        d_act = None
        jacobian = tuple(activation.derivative(outs, nets, k, unit.index) for k in range(len(outs)))
        chain = _add(*[_mul(graph.loss.derivative(u.target, u.out), jacobian[u.index]) for u in layer.units])
    rule = CANCELLATIONS.get((activation.name, graph.loss.name))
    delta = rule.delta(unit.target, unit.out) if rule else chain
    return UnitRecord(unit, d_out, (), d_act, jacobian, chain, delta, rule.condition if rule else None)


def matrix_fused(level, loss, activation, upstream) -> OutputDelta:
    """The loss's derivative, the chain through the output activation, then the fusion row's
    cancellation (or the derivative substituted)."""
    a, y = (level.symbols[node] for node in loss.inputs)
    return output_delta(activation.attribute("function"), loss.attribute("function"),
                        level.symbols[activation.inputs[0]], a, y, OneMatrix(*a.shape),
                        level.names[activation.inputs[0]], level.names[activation.output], level.column)


def index_forward(level, application):
    """The error of one sample: the sum of its output units' errors (and, for a sequence's, of its positions')."""
    a, y = application.inputs
    axes = level.axes[a][1:] if hasattr(level, "axes") else (level.indices[a],)
    row = LOSSES[application.attribute("function")].over(a.shape[-1])
    return _per_position(application, a, Sum(row.unit(_target(level, a, y), level.entry(a)),
                                             *((i, i.lower, i.upper) for i in axes)))


def _per_position(application, a, found: sp.Expr) -> sp.Expr:
    """`found` over T where a sequence's errors are averaged over its T positions, else as it is."""
    return _times(sp.Rational(1, a.shape[0]), found) if dict(application.attributes).get("positions") == "mean" else found


def _target(level, a, y):
    """y's entry at a's indices (a sequence's output and target share their axes' indices)."""
    if y not in level.indices:
        return level.entry(y)
    return level.entry(y).xreplace({level.indices[y]: level.indices[a]})


def index_vjp(level, application, upstream):
    """dE/da_j of a loss that reads a layer with no activation of its own (a flatten, a conv's output)."""
    a, y = application.inputs
    return _per_position(application, a, level.loss_slope(application, _target(level, a, y), level.entry(a))), None


def index_fused(level, loss, activation, upstream):
    """δ^L_j: the fusion row's cancellation, or dE/da through the activation (summed for softmax)
    (the general equations keep dC/da named and cancel nothing)."""
    a, y = loss.inputs
    t, o = _target(level, a, y), level.entry(a)
    rule = level.cancellation(activation, loss)
    if rule is not None:
        return _per_position(loss, a, rule.delta(t, o))
    return _per_position(loss, a, elementwise.activation_index_vjp(level, activation, level.loss_slope(loss, t, o))[0])
