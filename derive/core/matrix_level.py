"""The matrix level of the one reverse walk (walk.py): each op's VJP over matrix symbols in the
spec's layout (the op rows' `matrices` rule, ops/). SymPy's own matrix `diff` cannot differentiate
through elementwise activations, so every op carries its rule.

Adjoints are of ℒ, the sum of the per-sample losses; the reduction's 1/m is applied in the
parameter gradients, as the seeds write them: ∂J/∂W^{[l]} = (1/m) δ^{[l]} A^{[l−1]ᵀ}. A net input's
adjoint is named δ^{[l]} and a layer output's dℒ/dA^{[l]}: the walk carries the names down, and
the layer records (layers.py) give each name its expression.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy import MatAdd, MatMul, MatrixSymbol, OneMatrix

from ..spec.load import NetworkSpec
from .graph import Application, Kind, Node, TensorGraph
from .matrix_forms import BATCH, OutputDelta, applied, hadamard
from .ops import OPS
from .pending import Elementwise


@dataclass(frozen=True)
class MatrixLevel:
    column: bool
    scale: sp.Expr                                # 1/m for a mean, 1 for a sum
    symbols: dict[Node, sp.Basic]                 # each node's matrix (a layer's G is g(Z), not a name)
    names: dict[Node, MatrixSymbol]               # the named adjoints: δ for Z, dℒ/dA for A
    masks: dict[Application, MatrixSymbol]        # each dropout's fixed mask D
    seed = sp.S.One

    def gather(self, node, terms):
        if node in self.names:
            return self.names[node]
        if len(terms) == 1:
            return terms[0].value
        return MatAdd(*[term.value for term in terms], evaluate=False)

    def vjp(self, application, upstream):
        rule = OPS[application.op].matrices.vjp
        if rule is None:
            raise ValueError(f"no matrix form for a {application.op} that is not fused with its activation")
        return rule(self, application, upstream)

    def fused(self, loss, activation, upstream) -> OutputDelta:
        return OPS[loss.op].matrices.fused(self, loss, activation, upstream)

    def forward(self, application: Application) -> sp.MatrixExpr:
        return OPS[application.op].matrices.forward(self, application)

    def bias_term(self, b, shape) -> sp.MatrixExpr:
        if isinstance(b, sp.Symbol):              # one bias for every unit and sample
            return MatMul(b, OneMatrix(*shape), evaluate=False)
        return MatMul(b, OneMatrix(1, BATCH)) if self.column else MatMul(OneMatrix(BATCH, 1), b)

    def bias_gradient(self, b, delta) -> sp.MatrixExpr:
        rows, cols = delta.shape
        if isinstance(b, sp.Symbol):              # one bias feeds every unit: sum over units and samples
            return self.scaled(OneMatrix(1, rows), delta, OneMatrix(cols, 1))
        return self.scaled(delta, OneMatrix(cols, 1)) if self.column else self.scaled(OneMatrix(1, rows), delta)

    def scaled(self, *factors) -> sp.MatrixExpr:
        """scale · factors, leaving out a scale of 1 (a sum over samples)."""
        return MatMul(*factors) if self.scale == 1 else MatMul(self.scale, *factors)


def local(chain: Elementwise) -> sp.MatrixExpr:
    """The chain's local derivative, its factors grouped: D/(1-p) ⊙ g'(Z), or g'(Z) alone."""
    factors = [f for _, f in chain.factors]
    return factors[0] if len(factors) == 1 else hadamard(*factors)


def matrix_level(spec: NetworkSpec, graph: TensorGraph) -> MatrixLevel:
    """Each node's matrix symbol in the spec's layout: units x samples (column) or samples x units (row)."""
    column = spec.layout == "column"
    symbols, names, masks = {}, {}, {}

    def shaped(name, node):
        n = node.shape[0] if node.shape else 1
        return MatrixSymbol(name, n, BATCH) if column else MatrixSymbol(name, BATCH, n)

    for node in graph.nodes:
        kind, name = node.kind, node.name
        if kind == Kind.INPUT:
            symbols[node] = shaped("A0", node)
        elif kind == Kind.TARGET:
            symbols[node] = shaped("Y", node)
        elif kind == Kind.PARAMETER and name.startswith("W"):
            units, inputs = node.shape
            symbols[node] = MatrixSymbol(name, units, inputs) if column else MatrixSymbol(name, inputs, units)
        elif kind == Kind.PARAMETER:
            shared = spec.layers[node.layer - 1].shared_bias
            units = graph.consumers(node)[0].output.shape[0]
            symbols[node] = sp.Symbol(name, real=True) if shared else (
                MatrixSymbol(name, units, 1) if column else MatrixSymbol(name, 1, units))
        elif name[0] in "ZA" and kind == Kind.INTERMEDIATE:
            symbols[node] = shaped(name, node)
            names[node] = shaped(("delta" if name[0] == "Z" else "dA") + name[1:], node)
    for application in graph.applications:
        if application.op == "activation" and application.output not in symbols:      # G = g(Z), not a name
            symbols[application.output] = applied(application.attribute("function"), symbols[application.inputs[0]])
        if application.op == "dropout":
            masks[application] = shaped(f"D{application.output.layer}", application.output)
    scale = 1 / BATCH if spec.loss.reduction == "mean" else sp.S.One
    return MatrixLevel(column, scale, symbols, names, masks)
