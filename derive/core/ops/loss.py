"""The loss of the outputs against the targets (its row in rules/losses.py), at every level. After
the activation it reads alone, it is fused with it: one step to that activation's net input, the
fusion row's cancellation where there is one (softmax + CE and σ + BCE give A − Y).

    numeric   the mean (or sum) of the unit errors; dA per sample, or the fused dZ in one kernel
    units     each output unit's record: dE/dout, through the activation (softmax: every output),
              then the cancellation
    matrices  the output layer's δ as its lines (matrix_forms.output_delta)
"""

from __future__ import annotations

import numpy as np
from sympy import OneMatrix

from ...rules import kernels
from ...rules.algebra import _add, _mul
from ...rules.fusions import CANCELLATIONS
from ...rules.losses import LOSSES
from ..chain import UnitRecord
from ..matrix_forms import OutputDelta, output_delta


def _unit_errors(a, y, function):
    # not yet as stable as numeric/evaluator.py, which takes log(out) from the net input where the activation
    # row gives it (a saturated softmax or sigmoid); the fused backward already is
    row = LOSSES[function].over(a.shape[1])
    if row.squared is not None:                 # no logarithm: outputs of any sign are fine
        return row.numpy(y, a, None, None)
    with np.errstate(divide="ignore"):
        return row.numpy(y, a, np.log(a), np.log1p(-a))


def forward(inputs, function, reduction, **_):
    a, y = inputs
    errors = _unit_errors(a, y, function)
    return np.asarray(errors.sum() / (len(a) if reduction == "mean" else 1.0))


def vjp(inputs, output, upstream, function, reduction, **_):
    a, y = inputs
    scale = upstream / (len(a) if reduction == "mean" else 1.0)
    return (scale * kernels.loss_slope(function, a.shape[1])(y, a), None)


def fused(inputs, net, upstream, activation, function, reduction, **_):
    """dJ/dnet of the activation the loss reads, in one kernel."""
    a, y = inputs
    scale = upstream / (len(a) if reduction == "mean" else 1.0)
    return scale * kernels.output_delta(activation, function, a.shape[1])(y, a, net)


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
