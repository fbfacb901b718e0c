"""The typed layer a post derives, entry by entry, for verify.

Every entry of the layer's input, parameters, statistics and output is a SymPy `Indexed`, and each
entry that is computed has its local definition: a conv's or pool's output entry is the index level's
forward at that entry (core/tensor_index.py, the rows' own), a normalization's are its staged graph
(mean, variance, σ = √(σ² + ε), x̂, y). The loss is Σ g·out over the output with g the upstream
gradient ∂L/∂out, so every adjoint the layer has is a derivative along the definitions: one reverse
rule, the chain rule over local partials (SymPy's `diff` of one definition at a time). A post's
∂A/∂B is the local partial where B is one of A's own operands, and the total derivative otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import sympy as sp

from ...core.tensor_index import at, tensor_index_level
from ...numeric.tensor_values import NORMS, evaluate_tensor
from ...spec.tensor import TensorSpec

STUDIED = ("conv2d", "max_pool", "avg_pool") + NORMS
EPSILON = sp.Symbol("epsilon", positive=True)
LOSS = sp.Symbol("L", real=True)
MAX_ENTRIES = 4_000      # of the studied layer's output: beyond it a post's entries are not written out


@dataclass(frozen=True)
class Tensor:
    role: str                    # input, output, kernel, bias, mean, variance, deviation, normalized, ...
    base: sp.IndexedBase
    shape: tuple[int, ...]       # the sample axis first, for a per-sample tensor
    per_sample: bool

    def entry(self, index: tuple[int, ...]) -> sp.Symbol:
        """The entry as a plain symbol: SymPy differentiates an Indexed by another of its base
        through KroneckerDelta, a hundred times slower."""
        return sp.Symbol(f"{self.base.label}[{','.join(map(str, index))}]", real=True)

    def entries(self) -> list[sp.Symbol]:
        return [self.entry(k) for k in np.ndindex(*self.shape)]


@dataclass
class LayerModel:
    kind: str
    attributes: dict
    tensors: dict[str, Tensor]
    definitions: dict[sp.Basic, sp.Expr]
    leaves: tuple[sp.Basic, ...]
    spec_values: dict[sp.Basic, float]
    group_axis: int                         # the axis a normalization's statistics run over (0: the samples)
    layer: int | None = None                # the layer's number in the network (W^{[1]})
    drawn: bool = False                     # the spec draws its weights from a seed: they are no post's numbers
    _partials: dict = field(default_factory=dict)
    _parents: dict = field(default_factory=dict)

    @property
    def normalizing(self) -> bool:
        return self.kind in NORMS

    def parents(self, entry: sp.Basic) -> list[sp.Basic]:
        found = self._parents.get(entry)
        if found is None:
            definition = self.definitions.get(entry)
            found = self._parents[entry] = [] if definition is None else \
                [a for a in definition.atoms(sp.Indexed, sp.Symbol) if a in self.definitions or a in self.leaf_set]
        return found

    @cached_property
    def leaf_set(self) -> frozenset:
        return frozenset(self.leaves)

    def partial(self, entry: sp.Basic, operand: sp.Basic) -> sp.Expr:
        key = (entry, operand)
        if key not in self._partials:
            self._partials[key] = sp.diff(self.definitions[entry], operand)
        return self._partials[key]


def studied_application(graph):
    """The first conv, pool or normalization of the network: the layer a post derives."""
    return next((a for a in graph.applications if a.op in STUDIED), None)


def layer_model(spec: TensorSpec) -> LayerModel | None:
    graph, values = evaluate_tensor(spec, every_adjoint=True)
    application = studied_application(graph)
    if application is None:
        return None
    samples = len(spec.inputs)
    source, out = application.inputs[0], application.output
    upstream = values.adjoint.get(out)
    given = {source: values.value[source], out: values.value[out]}
    attributes = dict(application.attributes)
    if application.op in NORMS:
        model = _norm_model(application, values, samples, upstream)
        model.layer = out.layer
        return model
    level = tensor_index_level(graph, samples)
    if samples * int(np.prod(out.shape)) > MAX_ENTRIES:
        return None
    tensors = {"input": Tensor("input", level.bases[source], (samples,) + source.shape, True),
               "output": Tensor("output", level.bases[out], (samples,) + out.shape, True)}
    spec_values: dict[sp.Basic, float] = {}
    for role, node in zip(("kernel", "bias"), application.inputs[1:]):
        tensors[role] = Tensor(role, level.bases[node], node.shape, False)
        spec_values |= _values(tensors[role], values.value[node])
    forward = level.forward(application)
    arrays = {level.bases[n]: a for n, a in given.items()}
    output = tensors["output"]
    definitions = {output.base[k]: at(level, forward, out, k, arrays) for k in np.ndindex(*output.shape)}
    spec_values |= _values(tensors["input"], given[source])
    model = _finished(application.op, attributes, tensors, definitions, spec_values, upstream, 0)
    model.layer = out.layer
    model.drawn = spec.layers[out.layer - 1].drawn
    return model


def _norm_model(application, values, samples: int, upstream) -> LayerModel:
    """Mean, variance, σ, x̂ and y over the batch (batchnorm) or over each sample's features."""
    kind, source = application.op, application.inputs[0]
    x_array = values.value[source].reshape(samples, -1)
    n, d = x_array.shape
    over_batch = kind == "batch_norm"
    size, groups = (n, d) if over_batch else (d, n)
    bases = {role: sp.IndexedBase(name) for role, name in
             (("input", "x"), ("mean", "mu"), ("variance", "sigma2"), ("deviation", "sigma"),
              ("normalized", "xhat"), ("output", "y"), ("scale", "gamma"), ("shift", "beta"))}
    tensors = {role: Tensor(role, bases[role], (n, d), True) for role in ("input", "normalized", "output")}
    for role in ("mean", "variance", "deviation"):
        tensors[role] = Tensor(role, bases[role], (groups,), not over_batch)
    for role in ("scale", "shift")[:1 if kind == "rms_norm" else 2]:
        tensors[role] = Tensor(role, bases[role], (d,), False)
    x, mu, var, sigma, xhat, y = (bases[r] for r in ("input", "mean", "variance", "deviation", "normalized", "output"))
    definitions: dict[sp.Basic, sp.Expr] = {}
    for group in range(groups):
        members = [(k, group) if over_batch else (group, k) for k in range(size)]
        if kind == "rms_norm":
            definitions[var[group]] = sp.Add(*[x[m] ** 2 for m in members]) / size
        else:
            definitions[mu[group]] = sp.Add(*[x[m] for m in members]) / size
            definitions[var[group]] = sp.Add(*[(x[m] - mu[group]) ** 2 for m in members]) / size
        definitions[sigma[group]] = sp.sqrt(var[group] + EPSILON)
        for m in members:
            centred = x[m] if kind == "rms_norm" else x[m] - mu[group]
            definitions[xhat[m]] = centred / sigma[group]
            shift = 0 if kind == "rms_norm" else bases["shift"][m[1]]
            definitions[y[m]] = bases["scale"][m[1]] * xhat[m] + shift
    if kind == "rms_norm":
        del tensors["mean"]
    parameters = dict(zip(("scale", "shift"), application.inputs[1:]))
    spec_values = _values(tensors["input"], x_array)
    for role, node in parameters.items():
        spec_values |= _values(tensors[role], values.value[node])
    spec_values[EPSILON] = float(application.attribute("epsilon"))
    return _finished(kind, dict(application.attributes), tensors, definitions, spec_values,
                     None if upstream is None else upstream.reshape(n, d), 0 if over_batch else 1)


def _finished(kind, attributes, tensors, definitions, spec_values, upstream, group_axis) -> LayerModel:
    plain = {t.base[k]: t.entry(k) for t in tensors.values() for k in np.ndindex(*t.shape)}
    definitions = {plain[e]: d.xreplace(plain) for e, d in definitions.items()}
    spec_values = {plain.get(e, e): v for e, v in spec_values.items()}
    out = tensors["output"]
    tensors["upstream"] = Tensor("upstream", sp.IndexedBase("g"), out.shape, True)
    g = tensors["upstream"].entries()
    definitions[LOSS] = sp.Add(*[a * b for a, b in zip(g, out.entries())])
    if upstream is not None:
        spec_values |= _entry_values(tensors["upstream"], np.asarray(upstream).reshape(out.shape))
    computed = set(definitions)
    leaves = tuple(e for t in tensors.values() for e in t.entries() if e not in computed)
    leaves += (EPSILON,) if kind in NORMS else ()
    return LayerModel(kind, attributes, tensors, definitions, leaves, spec_values, group_axis)


def _values(tensor: Tensor, array) -> dict:
    array = np.asarray(array, dtype=float).reshape(tensor.shape)
    return {tensor.base[k]: float(array[k]) for k in np.ndindex(*tensor.shape)}


def _entry_values(tensor: Tensor, array) -> dict:
    array = np.asarray(array, dtype=float).reshape(tensor.shape)
    return {tensor.entry(k): float(array[k]) for k in np.ndindex(*tensor.shape)}


# -- a point: every entry's value, and derivatives along the definitions ---------------------------
class Point:
    """The model at numbers for its leaves: every computed entry's value, each derivative once."""

    def __init__(self, model: LayerModel, leaves: dict[sp.Basic, float]):
        self.model, self.values = model, dict(leaves)
        self._numbers = {entry: sp.Float(v, 30) for entry, v in leaves.items()}
        self._order = _topological(model)
        self._adjoints: dict[frozenset, dict] = {}
        for entry in self._order:
            self._numbers[entry] = model.definitions[entry].xreplace(self._numbers).evalf(30)
            self.values[entry] = float(self._numbers[entry])
        self._totals: dict[tuple, float] = {}
        self._known: dict[sp.Basic, float] = {}

    def value(self, expr: sp.Expr) -> float:
        found = self.values.get(expr) if expr.is_Symbol else float(expr) if expr.is_Number else self._known.get(expr)
        if found is None:
            found = self._known[expr] = float(self.at(expr).evalf(30))
        return found

    def at(self, expr: sp.Expr) -> sp.Expr:
        return (expr if isinstance(expr, sp.Basic) else sp.Float(expr)).xreplace(self._numbers)

    def total(self, entry: sp.Basic, wrt: sp.Basic, cut: frozenset = frozenset()) -> float:
        """d entry / d wrt along the definitions (the leaves held fixed); `cut`: (consumer, operand) edges left out."""
        if entry == LOSS:
            return self.adjoints(cut).get(wrt, 0.0)
        key = (entry, wrt, cut)
        if key in self._totals:
            return self._totals[key]
        if entry == wrt:
            found = 1.0
        elif entry not in self.model.definitions:
            found = 0.0
        else:
            found = 0.0
            for operand in self.model.parents(entry):
                if (entry, operand) in cut:
                    continue
                down = self.total(operand, wrt, cut) if operand not in self.model.leaf_set else float(operand == wrt)
                if down:
                    found += self.value(self.model.partial(entry, operand)) * down
        self._totals[key] = found
        return found

    def adjoints(self, cut: frozenset = frozenset()) -> dict[sp.Basic, float]:
        """dL/d(every entry) at once: the reverse walk over the definitions, consumers first."""
        found = self._adjoints.get(cut)
        if found is None:
            found = self._adjoints[cut] = {LOSS: 1.0}
            for entry in reversed(self._order):
                upstream = found.get(entry, 0.0)
                if not upstream:
                    continue
                for operand in self.model.parents(entry):
                    if (entry, operand) not in cut:
                        found[operand] = found.get(operand, 0.0) + upstream * self.value(self.model.partial(entry, operand))
        return found

    def held(self, roles: frozenset) -> frozenset:
        """The edges by which these tensors' entries depend on others: cut, a derivative holds them
        constant (∂y/∂x with μ and σ², which a post treats as variables of their own)."""
        return frozenset((e, p) for role in sorted(roles) if role in self.model.tensors
                         for e in self.model.tensors[role].entries() for p in self.model.parents(e))

    def derivative(self, expr: sp.Expr, wrt: sp.Basic, local: bool = False, cut: frozenset = frozenset()) -> float:
        """∂expr/∂wrt: the local partial where wrt is one of a computed entry's own operands (and
        `local`), else the total derivative of every entry expr names."""
        expr = expr if isinstance(expr, sp.Basic) else sp.Float(expr)
        if local and expr in self.model.definitions and wrt in self.model.parents(expr):
            return self.value(self.model.partial(expr, wrt))
        found = 0.0
        for atom in expr.atoms(sp.Indexed, sp.Symbol):
            if atom in self.values:
                inner = sp.diff(expr, atom)
                if inner != 0:
                    found += self.value(inner) * self.total(atom, wrt, cut)
        return found


    def by_expression(self, expr: sp.Expr, node: sp.Expr) -> float | None:
        """∂expr/∂node for a node a post names by its expression (γx̂_i, x_i - μ), as a staged graph has it:
        the definitions that hold it read it as one operand u, and d expr/du runs along them (and through
        expr itself); None where no definition and not expr holds it."""
        u = sp.Dummy("u")

        def slope(of: sp.Expr) -> float:
            return self.value(sp.diff(of.xreplace({node: u}), u).xreplace({u: node}))

        carriers = {p: slope(self.model.definitions[p]) for p in self._order
                    if p != LOSS and self.model.definitions[p].has(node)}
        if expr == LOSS:
            adjoints = self.adjoints()
            return sum(adjoints.get(p, 0.0) * s for p, s in carriers.items()) if carriers else None
        expr = expr if isinstance(expr, sp.Basic) else sp.Float(expr)
        if not carriers and not expr.has(node):
            return None
        found = slope(expr) if expr.has(node) else 0.0
        held = expr.xreplace({node: u})
        for atom in held.atoms(sp.Symbol):
            if atom in self.model.definitions and (inner := sp.diff(held, atom)) != 0:
                found += self.value(inner.xreplace({u: node})) * sum(self.total(atom, p) * s for p, s in carriers.items())
        return found


def _topological(model: LayerModel) -> list[sp.Basic]:
    order, seen = [], set(model.leaves)

    def visit(entry):
        stack = [(entry, False)]
        while stack:
            item, done = stack.pop()
            if done:
                if item not in seen:
                    seen.add(item)
                    order.append(item)
                continue
            if item in seen:
                continue
            stack.append((item, True))
            stack.extend((p, False) for p in model.parents(item) if p not in seen)
    for entry in model.definitions:
        visit(entry)
    return order


def random_leaves(model: LayerModel, rng: np.random.Generator, epsilon: float) -> dict[sp.Basic, float]:
    """Every leaf drawn apart (a max-pool's window then has one maximum), ε as given."""
    found = {leaf: float(rng.uniform(-1.0, 1.0)) for leaf in model.leaves if leaf != EPSILON}
    if model.kind == "max_pool":      # the routing is the input's: a post's claims are about its own numbers
        found |= {e: model.spec_values[e] for e in model.tensors["input"].entries() if e in model.spec_values}
    if model.normalizing:
        found[EPSILON] = epsilon
        for tensor in (model.tensors.get("scale"),):
            if tensor is not None:
                found |= {e: float(rng.uniform(0.5, 1.5)) for e in tensor.entries()}
    return found


def spec_leaves(model: LayerModel) -> dict[sp.Basic, float] | None:
    """The spec's own numbers, where the spec gives every leaf (a loss after the layer gives g)."""
    if not all(leaf in model.spec_values for leaf in model.leaves):
        return None
    return {leaf: model.spec_values[leaf] for leaf in model.leaves}
