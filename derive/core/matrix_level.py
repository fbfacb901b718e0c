"""The matrix level of the one reverse walk (walk.py): each op's vector-Jacobian rule over matrix
symbols, as rows. SymPy's own matrix `diff` cannot differentiate through elementwise activations,
so every op carries its rule here:

    dense       column: Z = W A + b 1ᵀ      row: Z = A W + 1 b
                dA = Wᵀ G, dW = G Aᵀ, db = G 1   dA = G Wᵀ, dW = Aᵀ G, db = 1ᵀ G
    activation  dZ = dA ⊙ g'(Z), with g' written over the output where people do (σ' = A ⊙ (1 − A)),
                and ReLU', LeakyReLU' taken piecewise from the rule table (their value at 0 with it)
    dropout     dG = dA ⊙ (1/(1 − p)) D, the fixed mask D
    add         both inputs get dA whole (a skip connection)
    loss        after its output activation, the fused step (matrix_forms.output_delta)
    l2          λ W

Adjoints are of ℒ, the sum of the per-sample losses; the reduction's 1/m is applied in the
parameter gradients, as the seeds write them: ∂J/∂W^{[l]} = (1/m) δ^{[l]} A^{[l−1]ᵀ}. A net input's
adjoint is named δ^{[l]} and a layer output's dℒ/dA^{[l]}: the walk carries the names down, and
the layer records (layers.py) give each name its expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp
from sympy import MatAdd, MatMul, MatrixSymbol, OneMatrix, Transpose

from ..rules.penalty import weight_term
from .graph import Application, Node
from .matrix_forms import BATCH, OutputDelta, activation_derivative, hadamard, output_delta
from .units import exact_probability


@dataclass(frozen=True)
class Local:
    """An elementwise chain's term, kept whole until a named adjoint is reached: upstream ⊙ (f₁ ⊙ f₂
    ...), the factors in the walk's order (a dropout's mask before its activation's slope)."""
    upstream: sp.MatrixExpr
    factors: tuple[tuple[Application, sp.MatrixExpr], ...]      # (the application, its local derivative)

    @property
    def local(self) -> sp.MatrixExpr:
        factors = [f for _, f in self.factors]
        return factors[0] if len(factors) == 1 else hadamard(*factors)

    def factor(self, op: str) -> sp.MatrixExpr | None:
        return next((f for application, f in self.factors if application.op == op), None)


def _then(upstream, application: Application, factor) -> Local:
    if isinstance(upstream, Local):
        return Local(upstream.upstream, upstream.factors + ((application, factor),))
    return Local(upstream, ((application, factor),))


@dataclass(frozen=True)
class MatrixRule:
    vjp: Callable[["MatrixLevel", Application, object], tuple]
    forward: Callable[["MatrixLevel", Application], sp.MatrixExpr] | None = None


def _dense_forward(level, application):
    x, w, *bias = (level.symbols[node] for node in application.inputs)
    product = MatMul(w, x) if level.column else MatMul(x, w)
    if not bias:
        return product
    return MatAdd(product, level.bias_term(bias[0], level.symbols[application.output].shape), evaluate=False)


def _dense_vjp(level, application, upstream):
    x, w, *bias = (level.symbols[node] for node in application.inputs)
    if level.column:
        found = (MatMul(Transpose(w), upstream), level.scaled(upstream, Transpose(x)))
    else:
        found = (MatMul(upstream, Transpose(w)), level.scaled(Transpose(x), upstream))
    return found + ((level.bias_gradient(bias[0], upstream),) if bias else ())


def _activation_vjp(level, application, upstream):
    net, out = level.symbols[application.inputs[0]], level.symbols[application.output]
    slope = activation_derivative(application.attribute("function"), net, out, OneMatrix(*net.shape))
    return (_then(upstream, application, slope),)


def _dropout_vjp(level, application, upstream):
    return (_then(upstream, application, MatMul(kept(application), level.masks[application], evaluate=False)),)


def kept(dropout: Application) -> sp.Rational:
    """1/(1 - p), exactly as the spec's decimal p writes it (0.2 gives 5/4)."""
    return 1 / (1 - exact_probability(dropout.attribute("rate")))


def _add_vjp(level, application, upstream):
    return upstream, upstream


def _l2_vjp(level, application, upstream):
    return (weight_term(level.symbols[application.inputs[0]]),)


RULES: dict[str, MatrixRule] = {
    "dense": MatrixRule(_dense_vjp, _dense_forward),
    "activation": MatrixRule(_activation_vjp),
    "dropout": MatrixRule(_dropout_vjp),
    "add": MatrixRule(_add_vjp),
    "l2": MatrixRule(_l2_vjp),
}


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
        if application.op not in RULES:
            raise ValueError(f"no matrix form for a {application.op} that is not fused with its activation")
        return RULES[application.op].vjp(self, application, upstream)

    def fused(self, loss, activation, upstream) -> OutputDelta:
        """The output layer's δ as its lines: the loss's derivative, the chain through the output
        activation, then the fusion row's cancellation (or the derivative substituted)."""
        a, y = (self.symbols[node] for node in loss.inputs)
        return output_delta(activation.attribute("function"), loss.attribute("function"),
                            self.symbols[activation.inputs[0]], a, y, OneMatrix(*a.shape),
                            self.names[activation.inputs[0]], self.names[activation.output], self.column)

    def forward(self, application: Application) -> sp.MatrixExpr:
        return RULES[application.op].forward(self, application)

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
