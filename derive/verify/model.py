"""The derivation as verify sees it: per-sample symbols, partial derivatives, and points.

A point gives every symbol a number: the spec's own values, or a random choice of inputs,
targets and parameters with every node, delta and loss computed from them (30 digits).
A symbolic claim holds when both sides agree at such points; a numeric one at the spec's.
"""

from __future__ import annotations

import random
from decimal import Decimal
from functools import cached_property

import numpy as np
import sympy as sp

from ..core.chain import Derivation, delta_closed_forms
from ..core.partials import Partials
from ..core.samples import per_sample, shared
from ..rules.optimizers import OPTIMIZERS
from ..rules.penalty import LAMBDA, unit_penalty, weight_term
from ..spec.load import NetworkSpec
from . import walk
from .evaluate import scaled_dot
from .dropout_names import dropout_rates
from .optimizer_names import OptimizerNames
from .points import DIGITS, Values
from .rename import keeps_order, rename, renames

GATED = {"relu", "leaky_relu"}       # activations with a kink: alive on one side, (nearly) dead on the other
WITNESS_DRAWS = 16
ERROR = sp.Symbol("J__error", real=True)        # the batch's error, scale * sum of per-sample losses
COST = sp.Symbol("J__cost", real=True)          # what training minimises: the error, plus an L2 penalty


# a value of at most 6 significant digits is written exactly, or not at all; one of 1 or 2 (0.68) is as
# often another quantity rounded (out = 0.680267)
SHORT_DIGITS = (3, 6)


def symbolic_batch(spec: NetworkSpec) -> int:
    """A batch size for a spec without numbers: at least 2, and unlike every layer's width,
    so that a missing transpose still shows as a shape error."""
    widths = {len(spec.input_names)} | {layer.units for layer in spec.layers}
    return next(m for m in range(2, 100) if m not in widths)


class Model(Values):
    def __init__(self, spec: NetworkSpec, derivation: Derivation):
        self.spec, self.derivation, self.graph = spec, derivation, derivation.graph
        self.samples = spec.samples or symbolic_batch(spec)
        self.scale = sp.Rational(1, self.samples) if spec.loss.reduction == "mean" else sp.S.One
        self.eta = sp.nsimplify(spec.training.learning_rate) if spec.training else sp.Symbol("eta", positive=True)
        # a spec without training is read as plain gradient descent
        self.optimizer = OPTIMIZERS[spec.training.optimizer if spec.training else "sgd"]
        self.hyperparameters = dict(spec.training.hyperparameters) if spec.training else {}
        self.optimizer_names = OptimizerNames(spec, sorted(self.graph.parameters, key=str), self.eta)
        self.parameters = set(self.graph.parameters)
        self.l2 = sp.nsimplify(spec.loss.l2)             # the cost's L2 penalty on the weights (0: none)
        self.weights = frozenset(self.graph.weights)
        graph = self.graph
        self.partials = Partials(derivation, made=self._made)      # dA/dB through the network, the engine's
        self.defs = self.partials.definitions
        self.deltas = delta_closed_forms(derivation)
        self.bases = [u.out for u in graph.inputs] + [u.target for u in graph.outputs] + list(graph.masks)
        self.dropout_rates = dropout_rates(graph)
        self._updated: dict[tuple[int, bool], tuple[dict, dict]] = {}
        self._batch_partials: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}
        self.init_values()
        self._sample_memo: dict[int, dict[sp.Basic, tuple[sp.Basic, bool]]] = {}
        self._rename_memo: dict[int, dict[sp.Basic, tuple[sp.Basic, bool, bool]]] = {}
        self._canonical: dict[sp.Basic, bool] = {}

    # -- symbols ---------------------------------------------------------------
    def is_parameter(self, symbol: sp.Basic) -> bool:
        return symbol in self.parameters

    def sample(self, expr: sp.Basic, s: int) -> sp.Basic:
        """A generic expression for sample s: every symbol but the parameters gets that sample's copy."""
        if not isinstance(expr, sp.Expr):
            nodes = {x for x in expr.free_symbols if x in self._per_unit}
            return expr.xreplace({x: per_sample(x, s) for x in nodes})
        free, binds = walk.symbols(expr)
        rule = {x: per_sample(x, s) for x in free if x in self._per_unit}
        if binds:                       # g's derivative: a bound variable is left as it is
            return walk.xreplace(expr, rule)
        # one rule for every expression (each such symbol -> its sample's copy), so what was rebuilt is kept
        if renames(rule, free):
            return rename(expr, rule, self._rename_memo.setdefault(s, {}), self._canonical, keeps_order(rule, free))
        return walk.xreplace(expr, rule, self._sample_memo.setdefault(s, {}))

    @cached_property
    def _per_unit(self) -> frozenset[sp.Symbol]:
        """The symbols that each sample has its own copy of: every unit's, target's, error's and delta's."""
        used = set().union(*(expr.free_symbols for expr in [*self.defs.values(), *self.deltas.values()]))
        return frozenset((used | set(self.defs) | set(self.deltas) | set(self.bases)) - self.parameters)

    def depends(self, a: sp.Symbol, b: sp.Symbol) -> bool:
        return self.partials.depends(a, b)

    def partial(self, a: sp.Symbol, b: sp.Symbol) -> sp.Expr:
        """dA/dB through the network for one sample (core.partials: the chain rule over the graph)."""
        return self.partials.partial(a, b)

    def _made(self, node: sp.Basic) -> sp.Basic:
        """A sum or product SymPy's constructor just made: noted as one the constructor gives back
        as it is (rename.py asks that of every node it renames; flatten's output is flatten's
        fixed point), except a number times a sum, left unevaluated as 6*(x + y) from 2*(3*(x + y))."""
        if type(node) in (sp.Add, sp.Mul) and not (len(node.args) == 2 and node.args[0].is_Number
                                                    and node.args[1].is_Add):
            self._canonical.setdefault(node, True)
        return node

    def is_updated(self, parameter: sp.Symbol) -> bool:
        """Weights always move; biases only when the spec says so."""
        bias = any(parameter == b.symbol for layer in self.graph.layers for b in layer.biases)
        return not bias or self.spec.training is None or self.spec.training.update_bias   # no training: the plain rule

    @cached_property
    def _by_name(self) -> dict[str, sp.Symbol]:
        symbols = set(self.defs) | set(self.deltas) | set(self.bases) | self.parameters
        return {x.name: x for x in symbols}

    def graph_symbol(self, symbol: sp.Symbol) -> sp.Symbol | None:
        """out_h1__s0 -> out_h1; a parameter is itself."""
        return symbol if symbol in self.parameters else self._by_name.get(shared(symbol).name)

    def is_quantity(self, symbol: sp.Symbol) -> bool:
        """A node, a delta or a parameter (any sample's), a batch gradient, the error or the cost."""
        return self.graph_symbol(symbol) is not None or symbol in self._point_symbols

    def is_node(self, symbol: sp.Symbol) -> bool:
        return symbol in self.defs or symbol in self.deltas or symbol in self.bases

    # -- points ----------------------------------------------------------------
    @cached_property
    def spec_point(self) -> dict[sp.Symbol, sp.Float] | None:
        if not self.spec.has_values:
            return None
        spec, graph = self.spec, self.graph
        from ..numeric.evaluator import initial_parameters, parameter_values
        base = parameter_values(graph, initial_parameters(spec))
        for s in range(self.samples):
            for unit, value in zip(graph.inputs, spec.inputs[s]):
                base[per_sample(unit.out, s)] = value
            for unit, value in zip(graph.outputs, spec.targets[s]):
                base[per_sample(unit.target, s)] = value
            for layer, layer_spec in zip(graph.layers, spec.layers):
                if layer_spec.mask is not None:
                    base |= {per_sample(u.mask, s): kept for u, kept in zip(layer.units, layer_spec.kept(s))}
        return self.complete({k: sp.Float(repr(float(v)), DIGITS) for k, v in base.items()})

    @property
    def one_sample(self) -> bool:
        """Whether scalar claims speak of one sample: the spec's one, or any in a spec without numbers."""
        return self.samples == 1 or not self.spec.has_values

    @cached_property
    def witness_point(self) -> dict[sp.Symbol, sp.Float]:
        """The spec's numbers, or, for a spec without them, one fixed random point: where a post's
        definitions are evaluated to see which quantity they define."""
        return self.spec_point if self.spec_point is not None else self.random_witness

    @cached_property
    def random_witness(self) -> dict[sp.Symbol, sp.Float]:
        """One fixed random point: a definition that matches a quantity there is that quantity's."""
        return self.random_point(random.Random(20261130))

    @cached_property
    def random_witnesses(self) -> tuple[dict[sp.Symbol, sp.Float], ...]:
        """Two fixed random points, for definitions that must match a quantity at both: one point
        alone cannot tell a ReLU unit's output from its net input (equal where it is alive) or
        from the other zeros (where it is not)."""
        first, rng = self.random_witness, random.Random(20261201)
        gates = [unit.net for layer in self.graph.layers if layer.activation.name in GATED for unit in layer.units]
        if not gates:
            return first, self.random_point(rng)
        alive = {g: first[per_sample(g, 0)] > 0 for g in gates}

        def flipped(point) -> int:        # units alive at one point and dead at the other
            return sum((point[per_sample(g, 0)] > 0) != alive[g] for g in gates)
        best = None
        for _ in range(WITNESS_DRAWS):
            point = self.random_point(rng)
            if best is None or flipped(point) > flipped(best):
                best = point
            if flipped(best) == len(gates):
                break
        return first, best

    @cached_property
    def given(self) -> frozenset[Decimal]:
        """The numbers the spec states (inputs, targets, weights, biases, learning rate): a post that
        copies one copies it exactly, so it carries no rounding. Kept unsigned, as a claim reads its
        numbers (-0.005 is a minus before 0.005)."""
        spec = self.spec
        numbers = [v for row in spec.inputs for v in row] + [v for row in spec.targets for v in row]
        if spec.has_values:
            from ..numeric.evaluator import initial_parameters
            params = initial_parameters(spec)
            for w, b in zip(params.weights, params.biases):
                numbers += [float(x) for x in w.flat] + [float(x) for x in np.atleast_1d(b).flat]
        if spec.training:
            numbers.append(spec.training.learning_rate)
        return frozenset(Decimal(repr(abs(float(v)))) for v in numbers) | self._short_values

    @cached_property
    def _short_values(self) -> frozenset[Decimal]:
        """The values at the spec's numbers that are short decimals (a net input 0.33 + 1.54 = 1.87):
        a post that writes one writes it exactly, as it copies a given number (SHORT_DIGITS)."""
        point = self.spec_point or {}
        found = set()
        for value in point.values():
            rounded = Decimal(f"{abs(float(value)):.12g}")
            if rounded and SHORT_DIGITS[0] <= len(rounded.normalize().as_tuple().digits) <= SHORT_DIGITS[1]:
                found.add(rounded.normalize())
        return frozenset(found)

    def random_point(self, rng: random.Random) -> dict[sp.Symbol, sp.Float]:
        graph = self.graph
        # by name: a set of symbols iterates in an order PYTHONHASHSEED picks, and so would the draws
        base = {p: sp.Float(rng.uniform(-1, 1), DIGITS) for p in sorted(self.parameters, key=str)}
        if isinstance(self.eta, sp.Symbol):       # a spec without training: any learning rate
            base[self.eta] = sp.Float(rng.uniform(0.05, 1), DIGITS)
        for s in range(self.samples):
            for unit in graph.inputs:
                base[per_sample(unit.out, s)] = sp.Float(rng.uniform(-1, 1), DIGITS)
            targets = [rng.uniform(0.05, 0.95) for _ in graph.outputs]
            if graph.loss.name == "cross_entropy":      # its cancellation needs targets summing to 1
                targets = [t / sum(targets) for t in targets]
            for unit, value in zip(graph.outputs, targets):
                base[per_sample(unit.target, s)] = sp.Float(value, DIGITS)
            for mask in graph.masks:      # any value: a formula of the mask holds for each
                base[per_sample(mask, s)] = sp.Float(rng.uniform(-1, 1), DIGITS)
        return self.complete(base)

    def complete(self, base: dict) -> dict[sp.Symbol, sp.Float]:
        """Every node, delta, loss and the cost, computed from inputs, targets and parameters."""
        point = dict(base)
        self.keep(point)        # a node's value, once its symbols have theirs, is kept (deltas share theirs)
        for s in range(self.samples):
            # each definition and each delta's own rule (over the next layer's deltas), at one sample's
            # values: forward, then back, as the network computes them
            view = {x: point[per_sample(x, s)] for x in self._per_unit if per_sample(x, s) in point}
            view |= {x: point[x] for x in self._shared_symbols if x in point}
            for symbol, form in self._local_forms:
                point[per_sample(symbol, s)] = view[symbol] = self.number(form, view)
        for parameter, symbol in self._gradient_symbols.items():     # the delta rule's, from the point's deltas
            point[symbol] = self._error_gradient_at(parameter, point)
        point[ERROR] = self.scale * sp.Add(*[point[per_sample(self.graph.total, s)] for s in range(self.samples)])
        # without a penalty the cost is the error (SymPy's squares of every weight are slow to make)
        point[COST] = point[ERROR] + self._penalty.xreplace({w: point[w] for w in self.weights}) if self.l2 \
            else point[ERROR]
        point.update(self.optimizer_names.values(point, self.gradient_at))
        return point

    @cached_property
    def _local_forms(self) -> tuple[tuple[sp.Symbol, sp.Basic], ...]:
        """Every node's definition in the network's order, then every delta's rule from the output
        back (over the deltas after it): what complete() computes, each from values it has."""
        deltas = [(r.unit.delta, r.delta) for layer in reversed(self.derivation.layers) for r in layer]
        return (*self.defs.items(), *deltas)

    @cached_property
    def _shared_symbols(self) -> tuple[sp.Symbol, ...]:
        """The symbols every sample shares: the parameters and the learning rate (a symbol where the
        spec gives none)."""
        return (*self.parameters, self.eta)

    @cached_property
    def _point_symbols(self) -> frozenset:
        """The symbols complete() gives a value: a node over these only has one value at its point."""
        symbols = set(self.parameters) | {ERROR, COST} | set(self._gradient_symbols.values())
        if isinstance(self.eta, sp.Symbol):
            symbols.add(self.eta)
        nodes = [*self.bases, *self.defs, *self.deltas]
        return frozenset(symbols | {per_sample(x, s) for x in nodes for s in range(self.samples)} |
                         self.optimizer_names.symbols)

    def updated(self, point: dict) -> dict[sp.Symbol, sp.Float]:
        """The point after one step of the spec's optimizer on the batch's cost (biases per the spec)."""
        return self._after(point, True)

    def stepped(self, point: dict) -> dict[sp.Symbol, sp.Float]:
        """The parameters after the step (with the rate, inputs and targets), without the pass at them."""
        return self._after(point, False)

    def _after(self, point: dict, whole: bool) -> dict[sp.Symbol, sp.Float]:
        found = self._updated.get((id(point), whole))
        if found is None or found[0] is not point:      # keep the point alive so its id stays its own
            after = self.complete(self.stepped(point)) if whole else self._step(point)
            found = self._updated[(id(point), whole)] = (point, after)
        return found[1]

    def _step(self, point: dict) -> dict[sp.Symbol, sp.Float]:
        base = {p: point[p] for p in self.parameters}
        if self.eta in point:
            base[self.eta] = point[self.eta]
        base.update({per_sample(x, s): point[per_sample(x, s)] for x in self.bases for s in range(self.samples)})
        for p in self.parameters:
            if not self.is_updated(p):
                continue
            base[p] = self.optimizer.after_first_step(point[p], self.gradient_at(p, point),
                                                      point.get(self.eta, self.eta), self.hyperparameters)
        return base

    @cached_property
    def _gradient_symbols(self) -> dict[sp.Symbol, sp.Symbol]:
        """A symbol for each parameter's batch gradient of the error, where the delta rule gives it: every
        point holds its value, so a claim about it is not built as a sum over every sample's chain."""
        return {p: sp.Symbol(f"grad__{p.name}", real=True) for p in self._delta_rule}

    def batch_partial(self, a: sp.Symbol, b: sp.Symbol) -> sp.Expr:
        """d(cost)/d(parameter): scale times the sum over samples (built once for each pair); the
        error's by a parameter is its gradient symbol, valued at every point."""
        if a == self.graph.total and b in self._gradient_symbols:
            return self._gradient_symbols[b]
        found = self._batch_partials.get((a, b))
        if found is None:
            found = self._batch_partials[(a, b)] = \
                self.scale * sp.Add(*[self.sample(self.partial(a, b), s) for s in range(self.samples)])
        return found

    @cached_property
    def _penalty(self) -> sp.Expr:
        """The cost's L2 penalty over the weights, at the spec's strength (the rule row's)."""
        return unit_penalty(sorted(self.weights, key=str)).xreplace({LAMBDA: self.l2})

    def penalty_slope(self, parameter: sp.Symbol) -> sp.Expr:
        """What the L2 penalty adds to the cost's gradient by a parameter: lambda w for a weight."""
        return weight_term(parameter).xreplace({LAMBDA: self.l2}) if self.l2 and parameter in self.weights else sp.S.Zero

    def cost_partial(self, parameter: sp.Symbol) -> sp.Expr:
        """dJ/d(parameter): the error's, plus the penalty's."""
        return self.batch_partial(self.graph.total, parameter) + self.penalty_slope(parameter)

    def gradient_at(self, parameter: sp.Symbol, point: dict) -> sp.Float:
        """d(cost)/d(parameter) at a complete point (the error's and the penalty's)."""
        symbol = self._gradient_symbols.get(parameter)      # complete() keeps the error's at the point
        error = point[symbol] if symbol in point else self._error_gradient_at(parameter, point)
        slope = self.penalty_slope(parameter)
        return sp.Float(error + slope.xreplace({parameter: point[parameter]}), DIGITS) if slope else error

    def _error_gradient_at(self, parameter: sp.Symbol, point: dict) -> sp.Float:
        """d(error)/d(parameter) at a complete point, by the delta rule: the scale times the sum over
        samples of the unit's delta (in the point already) times what the parameter multiplies. A
        step needs every gradient at every point, and the closed forms are slow to substitute."""
        terms = self._delta_rule.get(parameter)
        if terms is None or any(per_sample(x, 0) not in point for pair in terms for x in pair if x is not None):
            return self.number(self.scale * sp.Add(*[self.sample(self.partial(self.graph.total, parameter), s)
                                                     for s in range(self.samples)]), point)
        return scaled_dot([(point[per_sample(delta, s)], point[per_sample(source, s)] if source is not None else None)
                           for s in range(self.samples) for delta, source in terms], self.scale)

    @cached_property
    def _delta_rule(self) -> dict[sp.Symbol, list[tuple[sp.Symbol, sp.Symbol | None]]]:
        """parameter -> [(the delta of a unit it feeds, the output it multiplies, or None for a bias)]."""
        rule = {record.symbol: [(unit.delta, record.connection.source.out if record.connection else None)
                                for unit in record.units] for record in self.derivation.params}   # the engine's records
        if any(delta not in self.deltas for terms in rule.values() for delta, _ in terms):
            return {}
        return rule

