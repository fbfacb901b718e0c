"""The L2 penalty of one weight tensor, λ/2 ||W||², at every level: its gradient λ W is the
penalty row's (rules/penalty.py)."""

from __future__ import annotations

import numpy as np

from ...rules.penalty import weight_term


def forward(inputs, strength, **_):
    return np.asarray(0.5 * strength * float((inputs[0] ** 2).sum()))


def vjp(inputs, output, upstream, strength, **_):
    return (upstream * strength * inputs[0],)


def unit_vjp(level, application, upstream):
    layer = level.layers[application.inputs[0]]
    return (tuple(tuple(weight_term(c.weight) for c in row) for row in layer.connections),)


def matrix_vjp(level, application, upstream):
    return (weight_term(level.symbols[application.inputs[0]]),)
