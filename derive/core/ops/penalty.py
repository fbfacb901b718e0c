"""The L2 penalty of one weight tensor, λ/2 ||W||², at every level: its gradient λ W is the
penalty row's (rules/penalty.py)."""

from __future__ import annotations

import numpy as np

from sympy import Sum

from ...rules.penalty import LAMBDA, value, weight_term


def forward(strength, **_):
    return lambda inputs: np.asarray(value(strength, inputs[:1]))


def vjp(strength, **_):
    return lambda inputs, output, upstream: (upstream * strength * inputs[0],)


def unit_vjp(level, application, upstream):
    layer = level.layers[application.inputs[0]]
    return (tuple(tuple(weight_term(c.weight) for c in row) for row in layer.connections),)


def matrix_vjp(level, application, upstream):
    return (weight_term(level.symbols[application.inputs[0]]),)


def index_forward(level, application):
    j, k = level.weight_indices(application.inputs[0])
    w = level.entry(application.inputs[0], j, k)
    strength = LAMBDA
    return strength / 2 * Sum(w ** 2, (j, j.lower, j.upper), (k, k.lower, k.upper))


def index_vjp(level, application, upstream):
    return (weight_term(level.entry(application.inputs[0], *level.weight_indices(application.inputs[0]))),)
