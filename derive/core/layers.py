"""The matrix form of a derivation, layer by layer: the one reverse walk (walk.py) at the matrix
level (matrix_level.py) over the spec's tensor graph, read off as each layer's records.

δ^{[l]} = ∂ℒ/∂Z^{[l]} where ℒ is the sum of the per-sample losses; the reduction's 1/m is applied
in the parameter gradients, as in the seeds: ∂J/∂W^{[l]} = (1/m) δ^{[l]} A^{[l−1]ᵀ}. A hidden
layer's δ is written over the next δ, the weights and the layer's own values (the recursion): the
names dℒ/dA of the layers a skip connection joins are replaced by their sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy import DiagMatrix, MatAdd, MatMul, MatrixSymbol, OneMatrix, Transpose

from ..spec.load import NetworkSpec
from .graph import TensorGraph, lower
from .matrix_forms import Reason, Step, hadamard, loss_derivative, subtract
from .matrix_level import MatrixLevel, local, matrix_level
from .ops.elementwise import kept
from .pending import Elementwise
from .walk import Walk, reverse


@dataclass(frozen=True)
class LayerRecord:
    index: int
    activation: str
    W: MatrixSymbol
    b: sp.Basic | None           # MatrixSymbol per unit, a Symbol when shared, None without bias
    Z: MatrixSymbol
    A: MatrixSymbol
    A_prev: MatrixSymbol
    delta: MatrixSymbol
    d_out: MatrixSymbol          # dℒ/dA^{[l]}, the gradient that reaches the layer's output
    forward: sp.MatrixExpr       # W A_prev + b (the affine map)
    d_act: sp.MatrixExpr | None  # g'(Z) as written (None for softmax)
    steps: tuple[Step, ...]      # how δ^{[l]} is obtained
    delta_expr: sp.MatrixExpr    # δ^{[l]} over δ^{[l+1]}, W, A, Y
    grad_W: sp.MatrixExpr
    grad_b: sp.Basic | None      # None without bias
    # under dropout, A = kept D ⊙ g(Z): the fixed mask D (1 kept, 0 dropped) and kept = 1/(1 - p)
    mask: MatrixSymbol | None = None
    kept: sp.Rational | None = None
    skip: MatrixSymbol | None = None      # the output a skip connection adds, A = g(Z) + A^{[k]}
    output: sp.MatrixExpr | None = None   # A over Z: g(Z), D/(1 - p) ⊙ g(Z), or g(Z) + A^{[k]} (the rows' forwards)


@dataclass(frozen=True)
class LayerDerivation:
    layout: str
    reduction: str
    X: MatrixSymbol
    Y: MatrixSymbol
    scale: sp.Expr               # 1/m for a mean, 1 for a sum
    layers: tuple[LayerRecord, ...]
    softmax_steps: tuple[Step, ...]   # one sample's Jacobian product, when the output is softmax
    softmax_symbols: tuple[MatrixSymbol, ...] = ()   # its a, y and dℒ/dz, when there is one
    l2: bool = False                  # the cost adds lambda/2 * sum of squared weights (penalty.py)
    graph: TensorGraph | None = None  # what the walk ran over, and its matrix level (each node's symbol)
    level: MatrixLevel | None = None


def derive_layers(spec: NetworkSpec) -> LayerDerivation:
    graph = lower(spec)
    level = matrix_level(spec, graph)
    walk = reverse(graph, level)
    node = {n.name: n for n in graph.nodes}
    records: list[LayerRecord] = []
    expanded: dict[MatrixSymbol, sp.MatrixExpr] = {}     # each hidden dℒ/dA over the δs and Ws only
    for l in reversed(range(1, len(spec.layers) + 1)):
        Z, A = node[f"Z{l}"], node[f"A{l}"]
        x, weight, *bias = graph.producer(Z).inputs
        term = walk.terms[Z][0].value
        if isinstance(term, Elementwise):
            d_act, steps, dropout = _hidden(level, walk, Z, A, term, expanded)
        else:           # the output layer: the fused step's lines
            d_act, steps, dropout = term.d_act, term.steps, None
        joins = graph.producer(A)
        skip = joins.inputs[1] if joins.op == "add" else None          # A = g(Z) + A^{[k]}
        records.insert(0, LayerRecord(
            l, spec.layers[l - 1].activation, level.symbols[weight], level.symbols[bias[0]] if bias else None,
            level.symbols[Z], level.symbols[A], level.symbols[x], level.names[Z], level.names[A],
            level.forward(graph.producer(Z)), d_act, steps, steps[-1].rhs, walk.adjoints[weight],
            walk.adjoints[bias[0]] if bias else None, dropout and level.masks[dropout], dropout and kept(dropout),
            skip and level.symbols[skip], level.forward(joins)))
    softmax_symbols, softmax_steps = _softmax_steps(spec) if spec.layers[-1].activation == "softmax" else ((), ())
    return LayerDerivation(spec.layout, spec.loss.reduction, level.symbols[node["X"]], level.symbols[node["Y"]],
                           level.scale, tuple(records), softmax_steps, softmax_symbols, spec.loss.l2 > 0, graph, level)


def _hidden(level: MatrixLevel, walk: Walk, Z, A, term: Elementwise, expanded: dict):
    """A hidden layer's lines: dℒ/dA from its consumers, δ through its elementwise chain, and δ over
    the next δs (the recursion); with g'(Z) as written and the dropout, if there is one."""
    d_out, delta = level.names[A], level.names[Z]
    consumers = [t.value for t in walk.terms[A]]
    joined = any(t.application.op == "add" for t in walk.terms[A])          # a skip connection reads A
    whole = [expanded.get(v, v) for v in consumers]
    expanded[d_out] = whole[0] if len(whole) == 1 else MatAdd(*whole, evaluate=False)
    dropout = next((a for a, _ in term.factors if a.op == "dropout"), None)
    steps = (Step(d_out, consumers[0] if len(consumers) == 1 else MatAdd(*consumers, evaluate=False),
                  Reason.SKIP if joined else Reason.AFFINE),
             Step(delta, hadamard(term.upstream, local(term)), Reason.ACTIVATION if dropout is None else Reason.DROPOUT),
             Step(delta, hadamard(expanded[d_out], local(term)), Reason.RECURSION))
    return term.factor("activation"), steps, dropout


def _softmax_steps(spec: NetworkSpec) -> tuple[tuple[MatrixSymbol, ...], tuple[Step, ...]]:
    """One sample: (diag(a) − a aᵀ) dℓ/da, and its cancellation to a − y for cross-entropy; with
    the sample's vectors a, y and dℓ/dz that it is written in."""
    n = spec.layers[-1].units
    a, y = MatrixSymbol("a", n, 1), MatrixSymbol("y", n, 1)
    d = MatrixSymbol("dz", n, 1)
    jacobian = subtract(DiagMatrix(a), MatMul(a, Transpose(a)))
    d_loss = loss_derivative(spec.loss.function, y, a, OneMatrix(n, 1), n)
    steps = [Step(d, MatMul(jacobian, d_loss), Reason.SOFTMAX_JACOBIAN)]
    if spec.loss.function == "cross_entropy":
        steps.append(Step(d, subtract(MatMul(a, OneMatrix(1, n), y), y), Reason.EXPAND))
        steps.append(Step(d, subtract(a, y), Reason.TARGETS_SUM_TO_ONE))
    return (a, y, d), tuple(steps)
