"""The elementwise ops, at every level: an activation g (its row in rules/activations.py), and
dropout with a fixed mask (inverted: a kept output is scaled by 1/(1 - p)). Their symbolic VJPs
keep the chain whole (pending.py) until the net input's named δ.

    activation  A = g(Z); dZ = dA ⊙ g'(Z), g' written over the output where it is g(Z) (σ' = A ⊙ (1 − A)),
                else over g(Z); ReLU', LeakyReLU' piecewise from the row, with their value at 0
    dropout     A = D/(1 − p) ⊙ G; dG = dA ⊙ D/(1 − p)
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy import MatMul, OneMatrix

from ...rules import kernels
from ...rules.activations import ACTIVATIONS
from ..matrix_forms import activation_derivative, applied, hadamard
from ..pending import times
from ..units import exact_probability


def activation_forward(inputs, function, **_):
    return ACTIVATIONS[function].numpy(inputs[0])


def activation_vjp(inputs, output, upstream, function, **_):
    return (kernels.vjp(function, inputs[0], output, upstream),)


def activation_unit_vjp(level, application, upstream):
    layer = level.layers[application.output]
    nets = [u.net for u in layer.units]
    outs = [u.out for u in layer.units] if layer.plain else [layer.activation.forward(nets, j) for j in range(len(nets))]
    return (times(upstream, application, tuple(layer.activation.derivative(outs, nets, j, j) for j in range(len(nets)))),)


def activation_matrix_forward(level, application):
    return applied(application.attribute("function"), level.symbols[application.inputs[0]])


def activation_matrix_vjp(level, application, upstream):
    net, out = level.symbols[application.inputs[0]], level.symbols[application.output]
    slope = activation_derivative(application.attribute("function"), net, out, OneMatrix(*net.shape))
    return (times(upstream, application, slope),)


def dropout_forward(inputs, mask, rate, **_):
    return inputs[0] * np.asarray(mask) / (1 - rate)    # inverted dropout, a fixed mask: the expected value kept


def dropout_vjp(inputs, output, upstream, mask, rate, **_):
    return (upstream * np.asarray(mask) / (1 - rate),)


def dropout_unit_vjp(level, application, upstream):
    layer = level.layers[application.output]
    return (times(upstream, application, tuple(layer.kept(unit) for unit in layer.units)),)


def dropout_matrix_forward(level, application):
    return hadamard(MatMul(kept(application), level.masks[application], evaluate=False),
                    level.symbols[application.inputs[0]])


def dropout_matrix_vjp(level, application, upstream):
    return (times(upstream, application, MatMul(kept(application), level.masks[application], evaluate=False)),)


def kept(dropout) -> sp.Rational:
    """1/(1 - p), exactly as the spec's decimal p writes it (0.2 gives 5/4)."""
    return 1 / (1 - exact_probability(dropout.attribute("rate")))
