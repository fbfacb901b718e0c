"""Ops as rows: each has a NumPy forward kernel and a VJP kernel (the gradient of the loss by
each input, from the gradient by the output). Activation and loss rows take their kernels from
the rule table (rules.py, through kernels.py), so no derivative is written here again.

Arrays hold one sample per row: (m, units). Kernels take the application's attributes as keywords.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..rules import kernels
from ..rules.activations import ACTIVATIONS
from ..rules.losses import LOSSES


@dataclass(frozen=True)
class Op:
    name: str
    # forward(inputs, **attributes) -> output
    forward: Callable[..., np.ndarray]
    # vjp(inputs, output, upstream, **attributes) -> one gradient per input (None: not differentiated)
    vjp: Callable[..., tuple]
    # the loss only: fused(inputs, net, upstream, activation, **attributes) -> dJ/dnet of the activation
    # it reads, in one kernel (rules.CANCELLATIONS, or the rows' product simplified)
    fused: Callable[..., np.ndarray] | None = None


def _dense_forward(inputs, **_):
    x, w, *bias = inputs
    return x @ w.T + (bias[0] if bias else 0.0)


def _dense_vjp(inputs, output, upstream, **_):
    x, w, *bias = inputs
    grads = (upstream @ w, upstream.T @ x)
    if bias:
        grads += ((upstream.sum().reshape(1) if bias[0].shape == (1,) else upstream.sum(axis=0)),)
    return grads


def _activation_forward(inputs, function, **_):
    return ACTIVATIONS[function].numpy(inputs[0])


def _activation_vjp(inputs, output, upstream, function, **_):
    return (kernels.vjp(function, inputs[0], output, upstream),)


def _unit_errors(a, y, function):
    # not yet as stable as numeric.py, which takes log(out) from the net input where the activation
    # row gives it (a saturated softmax or sigmoid); the fused backward already is
    row = LOSSES[function].over(a.shape[1])
    if row.squared is not None:                 # no logarithm: outputs of any sign are fine
        return row.numpy(y, a, None, None)
    with np.errstate(divide="ignore"):
        return row.numpy(y, a, np.log(a), np.log1p(-a))


def _loss_forward(inputs, function, reduction, **_):
    a, y = inputs
    errors = _unit_errors(a, y, function)
    return np.asarray(errors.sum() / (len(a) if reduction == "mean" else 1.0))


def _loss_vjp(inputs, output, upstream, function, reduction, **_):
    a, y = inputs
    scale = upstream / (len(a) if reduction == "mean" else 1.0)
    return (scale * kernels.loss_slope(function, a.shape[1])(y, a), None)


def _loss_fused(inputs, net, upstream, activation, function, reduction, **_):
    a, y = inputs
    scale = upstream / (len(a) if reduction == "mean" else 1.0)
    return scale * kernels.output_delta(activation, function, a.shape[1])(y, a, net)


def _add_forward(inputs, **_):
    return inputs[0] + inputs[1]


def _add_vjp(inputs, output, upstream, **_):
    return upstream, upstream                   # a residual connection: the gradient goes both ways whole


def _dropout_forward(inputs, mask, keep, **_):
    return inputs[0] * np.asarray(mask) / keep   # inverted dropout with a fixed mask: the expected value kept


def _dropout_vjp(inputs, output, upstream, mask, keep, **_):
    return (upstream * np.asarray(mask) / keep,)


def _l2_forward(inputs, strength, **_):
    return np.asarray(0.5 * strength * float((inputs[0] ** 2).sum()))


def _l2_vjp(inputs, output, upstream, strength, **_):
    return (upstream * strength * inputs[0],)


OPS: dict[str, Op] = {
    "add": Op("add", _add_forward, _add_vjp),
    "dropout": Op("dropout", _dropout_forward, _dropout_vjp),
    "l2": Op("l2", _l2_forward, _l2_vjp),
    "dense": Op("dense", _dense_forward, _dense_vjp),
    "activation": Op("activation", _activation_forward, _activation_vjp),
    "loss": Op("loss", _loss_forward, _loss_vjp, _loss_fused),
}
