"""Proof that the matrix closed forms equal the unit-level derivation, entry by entry.

Each matrix expression is expanded at the spec's sizes, with every entry named by the unit-level
symbol it stands for (one copy of each node symbol per sample). Small expansions are compared
symbolically; large ones at random points.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp
from sympy import ImmutableMatrix, MatrixSymbol
from sympy.matrices.exceptions import ShapeError
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .chain import Derivation
from .layers import BATCH, LayerDerivation

SYMBOLIC_LIMIT = 400   # expanded terms beyond which equality is checked at random points
RANDOM_POINTS = 3


@dataclass(frozen=True)
class Check:
    what: str
    entries: int
    method: str          # "symbolic" or "numeric"
    ok: bool
    detail: str = ""


class Entries:
    """Matrix symbol -> explicit matrix of per-sample unit-level symbols."""

    def __init__(self, derivation: Derivation, layered: LayerDerivation, samples: int):
        self.samples = samples
        self.column = layered.layout == "column"
        graph = derivation.graph
        self.matrices: dict[str, ImmutableMatrix] = {}
        self._nodes("A0", [u.out for u in graph.inputs])
        self._nodes("Y", [u.target for u in graph.outputs])
        for layer in graph.layers:
            l = layer.index
            self._nodes(f"A{l}", [u.out for u in layer.units])
            self._nodes(f"Z{l}", [u.net for u in layer.units])
            self._nodes(f"delta{l}", [u.delta for u in layer.units])
            # dℒ/dA of a hidden layer, written as the unit level writes it (a sum over paths)
            self.matrices[f"dA{l}"] = self._grid([r.d_out for r in derivation.layers[l - 1]])
            weights = sp.Matrix([[c.weight for c in row] for row in layer.connections])
            self.matrices[f"W{l}"] = ImmutableMatrix(weights if self.column else weights.T)
            if not layer.shared_bias:
                biases = sp.Matrix([[b.symbol] for b in layer.biases])
                self.matrices[f"b{l}"] = ImmutableMatrix(biases if self.column else biases.T)
        # cross-entropy's cancellation holds where each sample's targets sum to 1
        self.constraint = {}
        if graph.loss.name == "cross_entropy":
            targets = [u.target for u in graph.outputs]
            for s in range(samples):
                last = self.per_sample(targets[-1], s)
                self.constraint[last] = 1 - sp.Add(*[self.per_sample(t, s) for t in targets[:-1]])

    def per_sample(self, symbol: sp.Symbol, s: int) -> sp.Symbol:
        return sp.Symbol(f"{symbol.name}__s{s}", real=True)

    def _nodes(self, name: str, symbols: list[sp.Symbol]) -> None:
        self.matrices[name] = self._grid(symbols)

    def _grid(self, exprs: list[sp.Basic]) -> ImmutableMatrix:
        """One row per unit, one column per sample (transposed for the row layout)."""
        grid = sp.Matrix([[self.sample(x, s) for s in range(self.samples)] for x in exprs])
        return ImmutableMatrix(grid if self.column else grid.T)

    def explicit(self, expr: sp.Basic) -> sp.Matrix:
        # an elementwise function is applied to the explicit entries of its argument
        applied = {e: ImmutableMatrix(self.explicit(e.expr).applyfunc(e.function))
                   for e in expr.atoms(ElementwiseApplyFunction)}
        expr = expr.xreplace(applied)
        replacements = {sym: self.matrices[sym.name] for sym in expr.atoms(MatrixSymbol)}
        return sp.Matrix(expr.xreplace(replacements).xreplace({BATCH: self.samples}).doit().as_explicit())

    def sample(self, expr: sp.Basic, s: int) -> sp.Basic:
        """A unit-level expression for sample s: node symbols get that sample's copy."""
        nodes = {x for x in expr.free_symbols if not _is_parameter(x.name)}
        return expr.xreplace({x: self.per_sample(x, s) for x in nodes})


def _is_parameter(name: str) -> bool:
    return name[0] in "wb" and (name[1:].isdigit() or name.startswith("b_"))


def prove(derivation: Derivation, layered: LayerDerivation, samples: int, seed: int = 0) -> list[Check]:
    entries = Entries(derivation, layered, samples)
    graph = derivation.graph
    scale = layered.scale.subs(BATCH, samples)
    checks = []
    for record, units, layer in zip(layered.layers, derivation.layers, graph.layers):
        for step in record.steps:
            unit_form = {"chain": "delta_chain", "softmax-vjp": "delta_chain", "affine": "d_out"}.get(
                step.reason, "delta")
            expected = [[entries.sample(getattr(u, unit_form), s) for s in range(samples)] for u in units]
            checks.append(_compare(f"delta{record.index} ({step.reason})", step.rhs,
                                   _orient(expected, entries.column), seed, entries))
        grad_w = [[scale * sp.Add(*[entries.sample(derivation.param(c.weight).delta_form, s)
                                    for s in range(samples)]) for c in row] for row in layer.connections]
        checks.append(_compare(f"dJ/dW{record.index}", record.grad_W, _orient(grad_w, entries.column), seed, entries))
        grad_b = [[scale * sp.Add(*[entries.sample(derivation.param(b.symbol).delta_form, s) for s in range(samples)])]
                  for b in layer.biases]
        checks.append(_compare(f"dJ/db{record.index}", record.grad_b, _orient(grad_b, entries.column), seed, entries))
    return checks


def _orient(rows_by_unit, column):
    return rows_by_unit if column else [list(r) for r in zip(*rows_by_unit)]


def _compare(what, expr, expected, seed, entries) -> Check:
    try:
        matrix = entries.explicit(expr)
    except ShapeError as exc:
        return Check(what, 0, "shape", False, f"the shapes do not multiply: {exc}")
    expected = sp.Matrix(expected)
    if matrix.shape != expected.shape:
        return Check(what, 0, "shape", False, f"shape {matrix.shape} != {expected.shape}")
    difference = (matrix - expected).applyfunc(lambda e: e.doit().xreplace(entries.constraint))
    size = sum(sp.count_ops(e) for e in matrix)  # the expansion's size, before anything cancels
    if size <= SYMBOLIC_LIMIT:
        for e in difference:
            if sp.simplify(sp.expand(e)) != 0:
                return Check(what, len(difference), "symbolic", False, str(e))
        return Check(what, len(difference), "symbolic", True)
    rng = random.Random(seed)
    symbols = sorted(set().union(*(e.free_symbols for e in difference)), key=str)
    for _ in range(RANDOM_POINTS):
        point = {x: sp.Float(rng.uniform(0.05, 0.95), 30) for x in symbols}
        for e in difference:
            if abs(e.xreplace(point).evalf(30)) > 1e-20:
                return Check(what, len(difference), "numeric", False, str(e))
    return Check(what, len(difference), "numeric", True)
