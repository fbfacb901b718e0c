"""Proof that the matrix closed forms equal the unit-level derivation, entry by entry.

Each matrix expression (the forward map, every step to δ^{[l]}, the gradients) is expanded at the
spec's sizes, with every entry named by the unit-level symbol it stands for (one copy of each node
symbol per sample). Small expansions are compared symbolically; large ones at random points.

The same expansions say which printed entries are identically 0 (a shared softmax bias: its
gradient sums a − y over a sample's units): the document prints those as 0, not as 1e-17.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp
from sympy import ImmutableMatrix, MatrixSymbol
from sympy.matrices.exceptions import ShapeError
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .chain import Derivation
from .layers import LayerDerivation
from .matrix_forms import BATCH, Reason
from .samples import per_sample

SYMBOLIC_LIMIT = 400   # expanded terms beyond which equality is checked at random points
RANDOM_POINTS = 3


@dataclass(frozen=True)
class Check:
    what: str
    entries: int
    method: str          # "symbolic" or "numeric"
    ok: bool
    detail: str = ""
    # entries (row, column) of the closed form that are identically 0: printed as 0, not as rounding noise
    zeros: frozenset[tuple[int, int]] = frozenset()
    # what was checked, as a key: ("forward", l), ("delta", l, reason), ("grad_W", l) or ("grad_b", l)
    subject: tuple = ()


def describe(subject: tuple) -> str:
    """A check's subject as the report writes it: Z1 (forward), delta2 (recursion), dJ/dW1, dJ/db1."""
    kind, layer, *reason = subject
    return {"forward": f"Z{layer} (forward)", "grad_W": f"dJ/dW{layer}", "grad_b": f"dJ/db{layer}"}.get(
        kind, f"delta{layer} ({reason[0] if reason else ''})")


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
            if layer.masks:
                self._nodes(f"D{l}", list(layer.masks))
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
            self.constraint = self._sum_to_one([u.target for u in graph.outputs])
        # what is identically 0 may rest on the softmax's outputs summing to 1, too
        self.identities = dict(self.constraint)
        if graph.layers[-1].activation.name == "softmax":
            self.identities.update(self._sum_to_one([u.out for u in graph.outputs]))
        # an unspecified activation (g) has no numbers, so no entry is printed as 0 either
        self.numeric = all(layer.activation.numpy is not None for layer in graph.layers)
        # each per-sample δ symbol -> its unit-level form (over the next layer's δ symbols), output layer first
        self.deltas = {per_sample(r.unit.delta, s): self.sample(r.delta, s)
                       for layer in reversed(derivation.layers) for r in layer for s in range(samples)}

    def _sum_to_one(self, symbols: list[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
        """Per sample, the last symbol as 1 minus the others."""
        return {per_sample(symbols[-1], s): 1 - sp.Add(*[per_sample(x, s) for x in symbols[:-1]])
                for s in range(self.samples)}

    def unfolded(self, expr: sp.Expr) -> sp.Expr:
        """An entry over nodes, parameters and targets only: δ symbols replaced, layer by layer."""
        while expr.free_symbols & self.deltas.keys():
            expr = expr.xreplace(self.deltas)
        return expr.xreplace(self.identities)

    def random_point(self, symbols, rng: random.Random) -> dict[sp.Symbol, float]:
        """Random values of `symbols` that keep the identities, and every δ that follows from them."""
        point = {x: rng.uniform(0.05, 0.95) for x in symbols if x not in self.identities}
        point.update({x: float(form.xreplace(point)) for x, form in self.identities.items()})
        for x, form in self.deltas.items():
            point[x] = float(form.xreplace(point))
        return point

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
        return expr.xreplace({x: per_sample(x, s) for x in nodes})


def _is_parameter(name: str) -> bool:
    return name[0] in "wb" and (name[1:].isdigit() or name.startswith("b_"))


# The unit-level form each kind of step is compared with.
STEP_FORMS = {Reason.LOSS: "d_out", Reason.AFFINE: "d_out", Reason.SKIP: "d_out", Reason.CHAIN: "delta_chain",
              Reason.SOFTMAX_VJP: "delta_chain", Reason.SUBSTITUTE: "delta_chain"}


def prove(derivation: Derivation, layered: LayerDerivation, samples: int, seed: int = 0) -> list[Check]:
    entries = Entries(derivation, layered, samples)
    graph = derivation.graph
    scale = layered.scale.subs(BATCH, samples)
    checks = []
    for record, units, layer in zip(layered.layers, derivation.layers, graph.layers):
        nets = [[entries.sample(net, s) for s in range(samples)] for net in layer.net_exprs]
        checks.append(_compare(("forward", record.index), record.forward, _orient(nets, entries.column), seed,
                               entries))
        for k, step in enumerate(record.steps):
            unit_form = STEP_FORMS.get(step.reason, "delta")
            expected = [[entries.sample(getattr(u, unit_form), s) for s in range(samples)] for u in units]
            last = k == len(record.steps) - 1    # the δ whose numbers the document prints
            checks.append(_compare(("delta", record.index, step.reason), step.rhs,
                                   _orient(expected, entries.column), seed, entries, zeros=last))
        grad_w = [[scale * sp.Add(*[entries.sample(derivation.param(c.weight).delta_form, s)
                                    for s in range(samples)]) + derivation.param(c.weight).penalty
                   for c in row] for row in layer.connections]
        checks.append(_compare(("grad_W", record.index), record.grad_W, _orient(grad_w, entries.column), seed, entries,
                               zeros=True))
        if record.grad_b is None:           # a layer without bias
            continue
        grad_b = [[scale * sp.Add(*[entries.sample(derivation.param(b.symbol).delta_form, s) for s in range(samples)])]
                  for b in layer.biases]
        checks.append(_compare(("grad_b", record.index), record.grad_b, _orient(grad_b, entries.column), seed, entries,
                               zeros=True))
    return checks


def _orient(rows_by_unit, column):
    return rows_by_unit if column else [list(r) for r in zip(*rows_by_unit)]


def _compare(subject, expr, expected, seed, entries, zeros=False) -> Check:
    what = describe(subject)
    try:
        matrix = entries.explicit(expr)
    except ShapeError as exc:
        return Check(what, 0, "shape", False, f"the shapes do not multiply: {exc}", subject=subject)
    expected = sp.Matrix(expected)
    if matrix.shape != expected.shape:
        return Check(what, 0, "shape", False, f"shape {matrix.shape} != {expected.shape}", subject=subject)
    difference = (matrix - expected).applyfunc(lambda e: e.doit().xreplace(entries.constraint))
    size = sum(sp.count_ops(e) for e in matrix)  # the expansion's size, before anything cancels
    method = "symbolic" if size <= SYMBOLIC_LIMIT else "numeric"
    rng = random.Random(seed)
    for e in difference:
        if not _vanishes(e, method, rng):
            return Check(what, len(difference), method, False, str(e), subject=subject)
    found = _zeros(matrix, entries, method, rng) if zeros and entries.numeric else frozenset()
    return Check(what, len(difference), method, True, zeros=found, subject=subject)


def _zeros(matrix: sp.Matrix, entries: Entries, method: str, rng: random.Random) -> frozenset[tuple[int, int]]:
    """The entries that are identically 0 over nodes, parameters and targets. Most are plainly not 0
    at one random point; only the rest are unfolded and examined closely."""
    cells = [(i, j) for i in range(matrix.rows) for j in range(matrix.cols)]
    forms = [matrix[i, j].doit() for i, j in cells]
    nodes = set().union(*(f.free_symbols for f in forms), *(f.free_symbols for f in entries.deltas.values()))
    point = entries.random_point(nodes - entries.deltas.keys(), rng)
    return frozenset(cell for cell, form in zip(cells, forms)
                     if abs(float(form.xreplace(point))) < 1e-9 and _vanishes(entries.unfolded(form), method, rng))


def _vanishes(e: sp.Expr, method: str, rng: random.Random) -> bool:
    """e is identically 0: by simplification when small, else at random points (30 digits)."""
    if method == "symbolic":
        return sp.simplify(sp.expand(e)) == 0
    symbols = sorted(e.free_symbols, key=str)
    for _ in range(RANDOM_POINTS):
        point = {x: sp.Float(rng.uniform(0.05, 0.95), 30) for x in symbols}
        if abs(e.xreplace(point).evalf(30)) > 1e-20:
            return False
    return True
