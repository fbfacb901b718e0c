"""Activations as rows: the SymPy forward form, the derivative as people write it (tests prove it
equal to SymPy's own `diff`), the NumPy function, its code and the LaTeX name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import sympy as sp

from .algebra import Expr, _add, _mul, _neg, _one_minus


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
    # what the code (and the derivative's code) needs beside numpy, one import line each
    code_imports: tuple[str, ...] = ()


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


def erf(x):
    """The error function, entry by entry: SciPy's, loaded where a GELU is first used (a quarter
    second that no other network pays)."""
    from scipy.special import erf as scipy_erf
    return scipy_erf(x)


# What lambdify calls the rows' special functions by, beside NumPy's own
SPECIAL_FUNCTIONS = {"erf": erf}
# √(2/π) as the tanh form's papers write it, and their 0.044715 (exact: documents print it as a decimal)
GELU_TANH_SCALE = sp.Pow(sp.Mul(2, sp.Pow(sp.pi, -1, evaluate=False), evaluate=False), sp.S.Half, evaluate=False)
GELU_TANH_CUBIC = sp.Rational(44715, 1000000)


def _over(a, b):
    return _mul(a, sp.Pow(b, -1, evaluate=False))


def _gelu(n):
    return _mul(sp.S.Half, n, _add(sp.S.One, sp.erf(_over(n, sp.sqrt(2)))))


def _gelu_slope(n):
    """Φ(z) + z φ(z), as the GELU paper's readers write it: ½(1 + erf(z/√2)) + z e^{−z²/2}/√(2π)."""
    density = _over(sp.exp(_neg(_over(sp.Pow(n, 2), sp.Integer(2)))),
                    sp.Pow(_mul(sp.Integer(2), sp.pi), sp.S.Half, evaluate=False))
    return _add(_mul(sp.S.Half, _add(sp.S.One, sp.erf(_over(n, sp.sqrt(2))))), _mul(n, density))


def _gelu_tanh_inner(n):
    return sp.tanh(_mul(GELU_TANH_SCALE, _add(n, _mul(GELU_TANH_CUBIC, sp.Pow(n, 3)))))


def _gelu_tanh(n):
    return _mul(sp.S.Half, n, _add(sp.S.One, _gelu_tanh_inner(n)))


def _gelu_tanh_slope(n):
    """½(1 + t) + ½ z (1 − t²) √(2/π) (1 + 3·0.044715 z²), t the tanh of the form."""
    t = _gelu_tanh_inner(n)
    return _add(_mul(sp.S.Half, _add(sp.S.One, t)),
                _mul(sp.S.Half, n, _one_minus(sp.Pow(t, 2)), GELU_TANH_SCALE,
                     _add(sp.S.One, _mul(sp.Integer(3), GELU_TANH_CUBIC, sp.Pow(n, 2)))))


def _gelu_np(z):
    return 0.5 * z * (1 + erf(z / np.sqrt(2)))


def _gelu_tanh_np(z):
    return 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z ** 3)))


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
    "softplus": Activation(
        "softplus", r"\operatorname{softplus}", "the softplus function log(1 + e^z)", True,
        *_elementwise(lambda n: sp.log(_add(sp.S.One, sp.exp(n))),
                      lambda o, n: sp.Pow(_add(sp.S.One, sp.exp(_neg(n))), -1, evaluate=False)),   # σ(z)
        numpy=lambda z: np.logaddexp(0.0, z),
        code='numpy.logaddexp(0.0, {z})'),
    "gelu": Activation(
        "gelu", r"\operatorname{GELU}", "the Gaussian error linear unit z Φ(z)", True,
        *_elementwise(_gelu, lambda o, n: _gelu_slope(n)),
        numpy=_gelu_np,
        code='0.5 * {z} * (1 + erf({z} / numpy.sqrt(2)))',
        code_imports=("from scipy.special import erf",)),
    "gelu_tanh": Activation(
        "gelu_tanh", r"\operatorname{GELU}_{\tanh}", "the GELU's tanh approximation", True,
        *_elementwise(_gelu_tanh, lambda o, n: _gelu_tanh_slope(n)),
        numpy=_gelu_tanh_np,
        code='0.5 * {z} * (1 + numpy.tanh(numpy.sqrt(2 / numpy.pi) * ({z} + 0.044715 * {z} ** 3)))'),
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
