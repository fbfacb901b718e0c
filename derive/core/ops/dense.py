"""The dense (affine) op: Z = X Wᵀ + b per sample row, at every level.

    numeric   dX = G W, dW = Gᵀ X, db = G summed over samples (and units, when shared)
    units     an input unit gets one path per unit it feeds, δ_k w_kj; a weight δ_k out_j; a bias
              δ_k, summed over the layer when it is shared
    matrices  column: Z = W A + b 1ᵀ; dA = Wᵀ G, dW = G Aᵀ, db = G 1
              row:    Z = A W + 1 b; dA = G Wᵀ, dW = Aᵀ G, db = 1ᵀ G
"""

from __future__ import annotations

from sympy import MatAdd, MatMul, Transpose

from ...rules.algebra import _add, _mul
from ..chain import Path
from ..graph import Kind


def forward(inputs, **_):
    x, w, *bias = inputs
    return x @ w.T + (bias[0] if bias else 0.0)


def vjp(inputs, output, upstream, **_):
    x, w, *bias = inputs
    grads = (upstream @ w, upstream.T @ x)
    if bias:
        grads += ((upstream.sum().reshape(1) if bias[0].shape == (1,) else upstream.sum(axis=0)),)
    return grads


def unit_vjp(level, application, upstream):
    layer = level.layers[application.output]
    into = None if application.inputs[0].kind == Kind.INPUT else \
        tuple(tuple(Path(row[j].dest, row[j], _mul(row[j].dest.delta, row[j].weight)) for row in layer.connections)
              for j in range(len(layer.inputs)))          # no record reads the inputs' paths
    weights = tuple(tuple(_mul(c.dest.delta, c.source.out) for c in row) for row in layer.connections)
    biases = tuple(_add(*[u.delta for u in bias.units]) if len(bias.units) > 1 else bias.units[0].delta
                   for bias in layer.biases)
    return (into, weights) + ((biases,) if layer.biases else ())


def matrix_forward(level, application):
    x, w, *bias = (level.symbols[node] for node in application.inputs)
    product = MatMul(w, x) if level.column else MatMul(x, w)
    if not bias:
        return product
    return MatAdd(product, level.bias_term(bias[0], level.symbols[application.output].shape), evaluate=False)


def matrix_vjp(level, application, upstream):
    x, w, *bias = (level.symbols[node] for node in application.inputs)
    if level.column:
        found = (MatMul(Transpose(w), upstream), level.scaled(upstream, Transpose(x)))
    else:
        found = (MatMul(upstream, Transpose(w)), level.scaled(Transpose(x), upstream))
    return found + ((level.bias_gradient(bias[0], upstream),) if bias else ())
