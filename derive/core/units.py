"""The symbolic network: every unit's net input and output as SymPy expressions.

Expressions are local: net_{o1} is written over out_{h1}, not expanded. `expand`
substitutes the whole network when a test needs the loss over parameters only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import sympy as sp

from ..rules.activations import ACTIVATIONS, Activation

from ..rules.algebra import _add, _mul

from ..rules.losses import LOSSES, Loss
from ..spec.load import NetworkSpec


@dataclass(frozen=True)
class Unit:
    name: str
    layer: int                  # 0 for an input
    index: int                  # 0-based within its layer
    out: sp.Symbol              # an input's own symbol, or out_{name}
    net: sp.Symbol | None = None
    target: sp.Symbol | None = None
    delta: sp.Symbol | None = None
    mask: sp.Symbol | None = None    # kept (1) or dropped (0) by the layer's dropout: data, like an input


@dataclass(frozen=True)
class Connection:
    weight: sp.Symbol
    number: int                 # k of w_k, row-major over the column-layout W
    source: Unit
    dest: Unit


@dataclass(frozen=True)
class Bias:
    symbol: sp.Symbol
    layer: int
    units: tuple[Unit, ...]     # every unit it feeds (all of the layer when shared)


@dataclass(frozen=True)
class GraphLayer:
    index: int                  # 1-based
    activation: Activation
    inputs: tuple[Unit, ...]
    units: tuple[Unit, ...]
    connections: tuple[tuple[Connection, ...], ...]  # [unit][input], column orientation
    biases: tuple[Bias, ...]                         # one when shared, else one per unit
    net_exprs: tuple[sp.Expr, ...]                   # sum_i w * out_i + b
    out_exprs: tuple[sp.Expr, ...]                   # activation of the nets (times the mask's factor)
    shared_bias: bool
    dropout: sp.Rational = sp.S.Zero                 # p: a kept output is scaled by 1/(1 - p)
    skip: tuple[Unit, ...] = ()                      # the units whose outputs a skip connection adds, by index

    @property
    def plain(self) -> bool:
        """out = g(net): no dropout and no skip (the activation's derivative may be written over out)."""
        return not self.skip and not self.masks

    @property
    def masks(self) -> tuple[sp.Symbol, ...]:
        return tuple(u.mask for u in self.units if u.mask is not None)

    def kept(self, unit: Unit) -> sp.Expr | None:
        """What dropout multiplies the unit's activation by, m / (1 - p); None without dropout."""
        return None if unit.mask is None else _mul(unit.mask, 1 / (1 - self.dropout))

    def bias_of(self, unit: Unit) -> Bias | None:
        if not self.biases:                     # a layer without bias
            return None
        return self.biases[0] if self.shared_bias else self.biases[unit.index]


@dataclass(frozen=True)
class Graph:
    inputs: tuple[Unit, ...]
    layers: tuple[GraphLayer, ...]
    loss: Loss
    total: sp.Symbol                     # E_total
    unit_errors: tuple[sp.Symbol, ...]   # E_{o1}, E_{o2}, ...
    unit_error_exprs: tuple[sp.Expr, ...]
    l2: bool = False                     # the cost adds lambda/2 * sum of squared weights (penalty.py)
    spec: NetworkSpec | None = dataclasses.field(default=None, compare=False, repr=False)   # it was built from (lowered by the walk)

    @property
    def outputs(self) -> tuple[Unit, ...]:
        return self.layers[-1].units

    @property
    def masks(self) -> tuple[sp.Symbol, ...]:
        """Every dropout mask's symbol, layer by layer (each sample has its own values)."""
        return tuple(m for layer in self.layers for m in layer.masks)

    @property
    def weights(self) -> list[sp.Symbol]:
        return [c.weight for layer in self.layers for row in layer.connections for c in row]

    @property
    def parameters(self) -> list[sp.Symbol]:
        params = []
        for layer in self.layers:
            params += [c.weight for row in layer.connections for c in row]
            params += [b.symbol for b in layer.biases]
        return params


def build(spec: NetworkSpec, tick: Callable[[int], object] = lambda n: None) -> Graph:
    """The network's nodes and their expressions; `tick(n)` reports n more units built."""
    inputs = tuple(Unit(name, 0, j, sp.Symbol(name, real=True)) for j, name in enumerate(spec.input_names))
    previous = inputs
    layers = []
    weight_number = 1
    for l, layer_spec in enumerate(spec.layers, start=1):
        units = tuple(Unit(name, l, j, sp.Symbol(f"out_{name}", real=True), sp.Symbol(f"net_{name}", real=True),
                           sp.Symbol(f"target_{name}", real=True) if l == len(spec.layers) else None,
                           sp.Symbol(f"delta_{name}", real=True),
                           sp.Symbol(f"mask_{name}", real=True) if layer_spec.dropout else None)
                      for j, name in enumerate(layer_spec.names))
        connections = []
        for unit in units:
            row = []
            for source in previous:
                row.append(Connection(sp.Symbol(f"w{weight_number}", real=True), weight_number, source, unit))
                weight_number += 1
            connections.append(tuple(row))
        if not layer_spec.has_bias:
            biases = ()
        elif layer_spec.shared_bias:
            biases = (Bias(sp.Symbol(f"b{l}", real=True), l, units),)
        else:
            biases = tuple(Bias(sp.Symbol(f"b_{u.name}", real=True), l, (u,)) for u in units)
        activation = ACTIVATIONS[layer_spec.activation]
        net_exprs = tuple(
            _add(*[_mul(c.weight, c.source.out) for c in row],
                 *([_mul(biases[0 if layer_spec.shared_bias else j].symbol, sp.S.One)] if biases else []))
            for j, row in enumerate(connections))
        nets = [u.net for u in units]
        skip = () if layer_spec.skip is None else (inputs if layer_spec.skip == 0 else layers[layer_spec.skip - 1].units)
        layer = GraphLayer(l, activation, previous, units, tuple(connections), biases, net_exprs, (),
                           layer_spec.shared_bias, exact_probability(layer_spec.dropout), skip)
        out_exprs = tuple(_output(layer, u, activation.forward(nets, j)) for j, u in enumerate(units))
        layers.append(dataclasses.replace(layer, out_exprs=out_exprs))
        tick(len(units))
        previous = units
    outputs = layers[-1].units
    loss = LOSSES[spec.loss.function].over(len(outputs))
    errors = tuple(sp.Symbol(f"E_{u.name}", real=True) for u in outputs)
    error_exprs = tuple(loss.unit(u.target, u.out) for u in outputs)
    return Graph(inputs, tuple(layers), loss, sp.Symbol("E_total", real=True), errors, error_exprs, spec.loss.l2 > 0,
                 spec)


def _output(layer: GraphLayer, unit: Unit, activated: sp.Expr) -> sp.Expr:
    """out = g(net), times m/(1 - p) under dropout, plus the skip's source output."""
    out = activated if unit.mask is None else _mul(layer.kept(unit), activated)
    return _add(out, layer.skip[unit.index].out) if layer.skip else out


def exact_probability(p: float) -> sp.Rational:
    """The spec's probability as the fraction its decimal writes (0.2 is 1/5), so 1/(1 - p) prints exactly."""
    return sp.Rational(*Fraction(repr(p)).limit_denominator(10**12).as_integer_ratio())


def node_values(graph: Graph) -> dict[sp.Symbol, sp.Expr]:
    """Every net_ and out_ symbol as an expression over parameters and inputs."""
    values: dict[sp.Symbol, sp.Expr] = {}
    for layer in graph.layers:
        for unit, net, out in zip(layer.units, layer.net_exprs, layer.out_exprs):
            values[unit.net] = net.doit().xreplace(values)
        for unit, out in zip(layer.units, layer.out_exprs):
            values[unit.out] = out.xreplace(values)
    return values


def expand(graph: Graph, expr: sp.Expr, values: dict | None = None) -> sp.Expr:
    """Substitute the whole network into `expr`: the result is over parameters and inputs only."""
    return expr.xreplace(values if values is not None else node_values(graph))


def expanded_loss(graph: Graph) -> sp.Expr:
    """The per-sample loss E_total over parameters, inputs and targets."""
    values = node_values(graph)
    return sp.Add(*[expand(graph, e, values) for e in graph.unit_error_exprs])
