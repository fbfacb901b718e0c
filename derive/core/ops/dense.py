"""The dense (affine) op: Z = X Wᵀ + b per sample row, at every level.

    numeric   dX = G W, dW = Gᵀ X, db = G summed over samples (and units, when shared)
    units     an input unit gets one path per unit it feeds, δ_k w_kj; a weight δ_k out_j; a bias
              δ_k, summed over the layer when it is shared
    matrices  column: Z = W A + b 1ᵀ; dA = Wᵀ G, dW = G Aᵀ, db = G 1
              row:    Z = A W + 1 b; dA = G Wᵀ, dW = Aᵀ G, db = 1ᵀ G
    indices   z_j = Σ_k w_jk a_k + b_j; da_k = Σ_j w_jk δ_j, dw_jk = δ_j a_k, db_j = δ_j (Σ_j δ_j when shared)
"""

from __future__ import annotations

import numpy as np
from sympy import MatAdd, MatMul, Sum, Transpose

from ...rules.activations import ACTIVATIONS
from ...rules.algebra import _add, _mul
from ..chain import Path
from ..graph import Kind

_sum = np.add.reduce        # ndarray.sum is this behind a Python wrapper
PROSE = "The error reaches this layer's outputs through the next layer's weights:"


# ndarray.dot, not @: the same BLAS product, without the matmul ufunc's dispatch, which costs
# more than the product itself on a layer of a few units (a third of a small network's training step)
def forward(**_):
    def dense(inputs):
        return inputs[0].dot(inputs[1].T) + inputs[2] if len(inputs) > 2 else inputs[0].dot(inputs[1].T)
    return dense


def vjp(needs=None, per_sample=None, **_):
    """`needs`: which inputs want a term (None: all). `per_sample`: the upstream is per sample (of the
    summed errors, as the documents' δ are) and the parameters' terms take this factor (1/m for a mean)."""
    into, weight, *rest = needs or (True, True, True)
    bias = not rest or rest[0]
    factor = None if per_sample == 1.0 else per_sample     # a factor of exactly 1 changes no bit: not multiplied

    def dense_vjp(inputs, output, upstream):
        x, w = inputs[0], inputs[1]
        through = upstream.T if factor is None else factor * upstream.T
        grads = (upstream.dot(w) if into else None, through.dot(x) if weight else None)
        if len(inputs) < 3:
            return grads
        if not bias:
            return grads + (None,)
        # a bias shared by the layer's units, of shape (1,), sums over them too
        summed = _sum(upstream, axis=0) if inputs[2].shape != (1,) else _sum(upstream, axis=None).reshape(1)
        return grads + (summed if factor is None else factor * summed,)
    return dense_vjp


def shared_bias_cancels(graph, application) -> bool:
    """A bias shared by every unit of a layer whose activation ignores a shift of all its inputs
    (softmax): its gradient is 0 exactly, not the rounding of a sum of deltas."""
    bias = application.inputs[2:]
    readers = graph.consumers(application.output)
    return (bool(bias) and bias[0].shape == (1,) and len(readers) == 1 and readers[0].op == "activation"
            and ACTIVATIONS[readers[0].attribute("function")].shift_invariant)


def layer_bias_cancels(graph, layer: int) -> bool:
    """shared_bias_cancels for the dense application of layer `layer` (1-based) of a lowered spec."""
    return shared_bias_cancels(graph, next(a for a in graph.applications if a.op == "dense"
                                           and a.output.layer == layer))


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


def index_forward(level, application):
    x, w, *bias = application.inputs
    j, k = level.indices[application.output], level.indices[x]
    total = Sum(_mul(level.entry(w, j, k), level.entry(x, k)), (k, k.lower, k.upper))
    return _add(total, level.entry(bias[0])) if bias else total


def index_vjp(level, application, upstream):
    x, w, *bias = application.inputs
    j, k = level.indices[application.output], level.indices[x]
    into = None if x.kind == Kind.INPUT else Sum(_mul(level.entry(w, j, k), upstream), (j, j.lower, j.upper))
    found = (into, _mul(level.entry(x, k), upstream))
    if bias:
        found += (Sum(upstream, (j, j.lower, j.upper)) if bias[0].shape == (1,) else upstream,)
    return found
