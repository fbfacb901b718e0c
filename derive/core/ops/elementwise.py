"""The elementwise ops, at every level: an activation g (its row in rules/activations.py), and
dropout with a fixed mask (inverted: a kept output is scaled by 1/(1 - p)). Their symbolic VJPs
keep the chain whole (pending.py) until the net input's named δ.

    activation  A = g(Z); dZ = dA ⊙ g'(Z), g' written over the output where it is g(Z) (σ' = A ⊙ (1 − A)),
                else over g(Z); ReLU', LeakyReLU' piecewise from the row, with their value at 0
    dropout     A = D/(1 − p) ⊙ G; dG = dA ⊙ D/(1 − p)

At the index level, g'(z_j) multiplies the upstream entry; a coupled activation (softmax) sums
over its outputs k, Σ_k dE/da_k ∂a_k/∂z_j, its Jacobian's diagonal and off-diagonal forms told
apart by a Kronecker delta.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy import KroneckerDelta, MatMul, OneMatrix, Sum

from ...rules import kernels
from ...rules.activations import ACTIVATIONS
from ...rules.algebra import _mul
from ..matrix_forms import activation_derivative, applied, hadamard
from ..pending import times
from ..units import exact_probability

ACTIVATION_PROSE = "and through this layer's activation:"
DROPOUT_PROSE = ("and through the dropout mask (a dropped unit passes nothing back, a kept one its "
                 "gradient scaled as its output was) and this layer's activation:")


def activation_forward(function, **_):
    numpy = ACTIVATIONS[function].numpy
    return lambda inputs: numpy(inputs[0])


def activation_vjp(function, **_):
    through = kernels.vjp_kernel(function)
    return lambda inputs, output, upstream: (through(inputs[0], output, upstream),)


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


def dropout_forward(mask, rate, **_):
    scaled = _scaled_mask(mask, rate)
    return lambda inputs: inputs[0] * scaled    # inverted dropout, a fixed mask: the expected value kept


def dropout_vjp(mask, rate, **_):
    scaled = _scaled_mask(mask, rate)
    return lambda inputs, output, upstream: (upstream * scaled,)


def _scaled_mask(mask, rate) -> np.ndarray:
    """mask / (1 - p), worked out once, where the kernels are bound."""
    return np.asarray(mask, dtype=float) / (1 - rate)


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


def activation_index_forward(level, application):
    row, net = ACTIVATIONS[application.attribute("function")], application.inputs[0]
    if row.elementwise:
        return row.forward([level.entry(net)], 0)
    # a coupled activation reads every net input of the layer: its row's form at each entry m,
    # picked out at the symbolic index by a Kronecker delta
    j = level.indices[net]
    nets = [level.entry(net).xreplace({j: m}) for m in range(net.shape[0])]
    return sp.Add(*[KroneckerDelta(j, m) * row.forward(nets, m) for m in range(net.shape[0])])


def activation_index_vjp(level, application, upstream):
    row, net, out = ACTIVATIONS[application.attribute("function")], application.inputs[0], application.output
    z, a = level.entry(net), level.entry(out)
    if row.elementwise:
        return (_mul(upstream, level.slope(application, a, z)),)
    j = level.indices[out]
    k = level.summed_over(j)                 # the outputs the sum runs over
    return (Sum(_mul(upstream.xreplace({j: k}), level.jacobian(application, a.xreplace({j: k}), a, z)),
                (k, k.lower, k.upper)),)


def jacobian_entry(row, a_k, a_j, z, k, j):
    """∂a_k/∂z_j of a coupled activation at symbolic k and j: its row's diagonal and off-diagonal
    forms, told apart by a Kronecker delta."""
    return (KroneckerDelta(k, j) * row.derivative([a_k], [z], 0, 0)
            + (1 - KroneckerDelta(k, j)) * row.derivative([a_k, a_j], [z, z], 0, 1))


def dropout_index_forward(level, application):
    return _mul(level.kept(application), level.entry(application.inputs[0]))


def dropout_index_vjp(level, application, upstream):
    return (_mul(upstream, level.kept(application)),)


def activation_code(printers, application, operands):
    return ACTIVATIONS[application.attribute("function")].code.format(z=operands[0], axis=printers.axis)


def activation_latex(printers, application, operands):
    return rf"{ACTIVATIONS[application.attribute('function')].latex}\left({operands[0]}\right)"


def dropout_code(printers, application, operands):
    return f"{printers.code(kept(application))} * {printers.level.masks[application].name} * ({operands[0]})"


def dropout_latex(printers, application, operands):
    scale = MatMul(kept(application), printers.level.masks[application], evaluate=False)
    return rf"{printers.latex(scale)} \odot {operands[0]}"
