"""Activations as rows: the SymPy forward form, the derivative as people write it (tests prove it
equal to SymPy's own `diff`), the NumPy function, its code and the LaTeX name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import sympy as sp

from .algebra import Expr, _mul, _neg, _one_minus


@dataclass(frozen=True)
class Activation:
    name: str
    latex: str                      # how the function is named in a document
    description: str
    elementwise: bool
    # forward(nets, j): SymPy out_j from the layer's net inputs
    forward: Callable[[Sequence[Expr], int], Expr]
    # derivative(outs, nets, k, j): d out_k / d net_j, written the way people do
    derivative: Callable[[Sequence[Expr], Sequence[Expr], int, int], Expr]
    numpy: Callable[[np.ndarray], np.ndarray] | None      # (m, units) -> (m, units); None: no numbers
    # Stable log(out) and log(1 - out) from net, for the losses that take logarithms.
    log_out: Callable[[np.ndarray], np.ndarray] | None = None
    log_one_minus_out: Callable[[np.ndarray], np.ndarray] | None = None
    code: str = ""                  # NumPy source of the forward map: {z} the net input, {axis} the unit axis
    # NumPy source of log(out) and log(1 - out) from {z}, stable where out rounds to 0 or 1 (None: log of out)
    log_code: tuple[str | None, str | None] = (None, None)
    # f(z + c) = f(z) for a constant c: a bias shared by the layer's units changes nothing, and
    # its gradient is 0 exactly (floats would give rounding noise, which Adam would amplify)
    shift_invariant: bool = False


def _elementwise(forward, derivative):
    """Lift unit-wise rules f(net), f'(out, net) to the layer-wise signature."""
    return (lambda nets, j: forward(nets[j]),
            lambda outs, nets, k, j: derivative(outs[j], nets[j]) if k == j else sp.S.Zero)


def _sigmoid_np(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _softmax_np(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax_np(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


LEAK = sp.Rational(1, 100)
G = sp.Function("g")  # the unspecified activation of derivations without numbers (seed 002)

ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "sigmoid", r"\sigma", "the logistic function", True,
        *_elementwise(lambda n: 1 / (1 + sp.exp(-n)), lambda o, n: _mul(o, _one_minus(o))),
        numpy=_sigmoid_np,
        log_out=lambda z: -np.logaddexp(0.0, -z),
        log_one_minus_out=lambda z: -np.logaddexp(0.0, z),
        code='1 / (1 + numpy.exp(-{z}))',
        log_code=("-numpy.logaddexp(0.0, -{z})", "-numpy.logaddexp(0.0, {z})")),
    "tanh": Activation(
        "tanh", r"\tanh", "the hyperbolic tangent", True,
        *_elementwise(sp.tanh, lambda o, n: _one_minus(sp.Pow(o, 2))),
        numpy=np.tanh,
        code='numpy.tanh({z})'),
    "relu": Activation(
        "relu", r"\operatorname{ReLU}", "the rectified linear unit", True,
        *_elementwise(lambda n: sp.Max(0, n), lambda o, n: sp.Piecewise((1, n > 0), (0, True))),
        numpy=lambda z: np.maximum(z, 0.0),
        code='numpy.maximum({z}, 0.0)'),
    "leaky_relu": Activation(
        "leaky_relu", r"\operatorname{LeakyReLU}", "the leaky rectified linear unit, slope 0.01 below zero", True,
        *_elementwise(lambda n: sp.Piecewise((n, n > 0), (LEAK * n, True)),
                      lambda o, n: sp.Piecewise((1, n > 0), (LEAK, True))),
        numpy=lambda z: np.where(z > 0, z, 0.01 * z),
        code='numpy.where({z} > 0, {z}, 0.01 * {z})'),
    "linear": Activation(
        "linear", r"\operatorname{id}", "the identity", True,
        *_elementwise(lambda n: n, lambda o, n: sp.S.One),
        numpy=lambda z: z,
        code='{z}'),
    "softmax": Activation(
        "softmax", r"\operatorname{softmax}", "normalised exponentials, for the last layer only", False,
        forward=lambda nets, j: sp.exp(nets[j]) / sp.Add(*[sp.exp(n) for n in nets]),
        derivative=lambda outs, nets, k, j: (
            _mul(outs[k], _one_minus(outs[j])) if k == j else _neg(_mul(outs[k], outs[j]))),
        numpy=_softmax_np,
        log_out=_log_softmax_np,
        code='softmax({z}, axis={axis})',
        log_code=("log_softmax({z}, axis={axis})", None),
        shift_invariant=True),
    "g": Activation(
        "g", "g", "an unspecified function g, for derivations without numbers", True,
        *_elementwise(G, lambda o, n: sp.Derivative(G(n), n)),
        numpy=None),
}
