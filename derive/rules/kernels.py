"""NumPy kernels made from the rule table's SymPy rows with `lambdify`.

A row states each derivative once, in SymPy; its kernel is that same formula, vectorized over
samples and units, so no derivative is written a second time for the numbers. Kernels are
made on first use and kept.
"""

from __future__ import annotations

from functools import cache
from typing import Callable

import numpy as np
import sympy as sp

from .activations import ACTIVATIONS, SPECIAL_FUNCTIONS

from .algebra import _mul

from .fusions import CANCELLATIONS

from .losses import LOSSES

_T, _O, _N, _OTHER = sp.symbols("t o n o_other", real=True)
Kernel = Callable[..., np.ndarray]
# lambdify's namespace: numpy as it is loaded. The name "numpy" would run `from numpy import *`, which
# loads every lazy submodule numpy has (f2py, testing, ma: a tenth of a second of every report)
NUMPY = [SPECIAL_FUNCTIONS, np]


def _lambdified(args: list[sp.Symbol], expr: sp.Expr) -> Kernel:
    fn = sp.lambdify(args, expr, modules=NUMPY, cse=True)
    if expr.free_symbols:
        return fn

    def constant(*arrays: np.ndarray) -> np.ndarray:     # (the identity's slope 1) one number, as arrays
        return np.full(np.broadcast(*arrays).shape, float(fn(*arrays)))
    return constant


@cache
def slope(activation: str) -> Kernel:
    """(z, a) -> d out/d net: (m, units) for an elementwise activation, (m, k, j) for a coupled one."""
    row = ACTIVATIONS[activation]
    if row.elementwise:
        return _lambdified([_N, _O], row.derivative([_O], [_N], 0, 0))
    # a coupled layer (softmax): d out_k/d net_j over out_k and out_j, one form on the diagonal, one off it
    diagonal = _lambdified([_O], row.derivative([_O], [_N], 0, 0))
    across = _lambdified([_O, _OTHER], row.derivative([_O, _OTHER], [_N, _N], 0, 1))

    def jacobian(z: np.ndarray, a: np.ndarray) -> np.ndarray:
        units = a.shape[1]
        found = across(a[:, :, None], a[:, None, :])
        found[:, np.arange(units), np.arange(units)] = diagonal(a)
        return found
    return jacobian


@cache
def loss_slope(loss: str, outputs: int) -> Kernel:
    """(t, a) -> d E_k/d out_k, (m, outputs)."""
    return _lambdified([_T, _O], LOSSES[loss].over(outputs).derivative(_T, _O))


@cache
def output_delta(activation: str, loss: str, outputs: int) -> Kernel:
    """(t, a, z) -> d E/d net at the output, (m, outputs): a known fusion (A - Y), else the loss's slope
    times the activation's, simplified as a product of the rows (-t/o times o(1 - o) is -t(1 - o),
    finite where the output rounds to 0)."""
    fusion = CANCELLATIONS.get((activation, loss))
    if fusion is not None:
        fn = _lambdified([_T, _O], fusion.delta(_T, _O))
        return lambda t, a, z: fn(t, a)
    row = ACTIVATIONS[activation]
    if row.elementwise:
        fn = _lambdified([_T, _O, _N], _mul(LOSSES[loss].over(outputs).derivative(_T, _O),
                                            row.derivative([_O], [_N], 0, 0)))
        return fn
    upstream, jacobian = loss_slope(loss, outputs), slope(activation)
    return lambda t, a, z: vjp(activation, z, a, upstream(t, a), jacobian)


def vjp(activation: str, z: np.ndarray, a: np.ndarray, upstream: np.ndarray, found: Kernel | None = None) -> np.ndarray:
    """d E/d net from d E/d out, (m, units), through the activation's slope."""
    return vjp_kernel(activation, found)(z, a, upstream)


def vjp_kernel(activation: str, found: Kernel | None = None) -> Kernel:
    """(z, a, upstream) -> d E/d net through the activation's slope, the slope looked up once."""
    local = found or slope(activation)
    if ACTIVATIONS[activation].elementwise:
        return lambda z, a, upstream: upstream * local(z, a)
    return lambda z, a, upstream: np.einsum("sk,skj->sj", upstream, local(z, a))
