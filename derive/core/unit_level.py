"""The unit level of the one reverse walk (walk.py): each op's VJP over a tensor's entries, the
units and connections of the unit graph (units.py), as a person writes it for one sample.

    dense       an input unit gets one path per unit it feeds: δ_k w_kj; a weight gets δ_k out_j,
                a bias δ_k (summed over the layer when it is shared)
    activation  δ_j = dE/dout_j g'(net_j), g' written over out where out = g(net)
    dropout     the kept output's factor m_j/(1 − p)
    add         a skip connection: the source unit gets the joined unit's dE/dout whole, as a path
    loss        after its activation, the fused step: the loss row's derivative through the
                activation (softmax: through every output), then the fusion row's cancellation
    l2          λ w

A net input's adjoint is named δ (the unit's delta symbol): the walk carries the names down, and
derive() reads each unit's and parameter's record off the walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from ..rules.algebra import _add, _mul
from ..rules.fusions import CANCELLATIONS
from ..rules.penalty import weight_term
from .chain import Derivation, ParamRecord, Path, UnitRecord
from .graph import Application, Kind, Node, TensorGraph, lower
from .units import Graph, GraphLayer, Unit
from .walk import Walk, reverse


@dataclass(frozen=True)
class Chain:
    """An elementwise chain's entries, kept whole until a named adjoint is reached: dE/dout_j times
    each op's factor, in the walk's order (a dropout's factor before its activation's slope)."""
    upstream: tuple[sp.Expr, ...]
    factors: tuple[tuple[Application, tuple[sp.Expr, ...]], ...]


def _then(upstream, application: Application, factors: tuple) -> Chain:
    if isinstance(upstream, Chain):
        return Chain(upstream.upstream, upstream.factors + ((application, factors),))
    return Chain(upstream, ((application, factors),))


@dataclass(frozen=True)
class UnitLevel:
    graph: Graph
    layers: dict[Node, GraphLayer]               # each net input's, activation's and output's layer
    units: dict[Node, tuple[Unit, ...]]          # the units whose out (or net) a node's entries are
    seed = sp.S.One

    def gather(self, node, terms):
        """A named δ per unit for a net input; the sum of its paths' terms for a unit's output; a
        chain, or a number of the cost's sum, passes on. The inputs' and parameters' are not read."""
        if node.kind in (Kind.INPUT, Kind.PARAMETER):
            return None
        if node.name.startswith("Z"):
            return tuple(unit.delta for unit in self.units[node])
        if not _are_paths(terms[0].value):
            return terms[0].value
        return tuple(_add(*[path.term for path in entry]) for entry in self.paths(terms))

    @staticmethod
    def paths(terms) -> tuple[tuple[Path, ...], ...]:
        return tuple(sum(entries, ()) for entries in zip(*[term.value for term in terms]))

    def vjp(self, application, upstream):
        return _RULES[application.op](self, application, upstream)

    def fused(self, loss, activation, upstream) -> tuple[UnitRecord, ...]:
        layer = self.layers[activation.output]
        return tuple(_output_record(self.graph, layer, unit) for unit in layer.units)


def _dense(level: UnitLevel, application: Application, upstream):
    layer = level.layers[application.output]
    into = None if application.inputs[0].kind == Kind.INPUT else \
        tuple(tuple(Path(row[j].dest, row[j], _mul(row[j].dest.delta, row[j].weight)) for row in layer.connections)
              for j in range(len(layer.inputs)))          # no record reads the inputs' paths
    weights = tuple(tuple(_mul(c.dest.delta, c.source.out) for c in row) for row in layer.connections)
    biases = tuple(_add(*[u.delta for u in bias.units]) if len(bias.units) > 1 else bias.units[0].delta
                   for bias in layer.biases)
    return (into, weights) + ((biases,) if layer.biases else ())


def _activation(level: UnitLevel, application: Application, upstream):
    layer = level.layers[application.output]
    nets = [u.net for u in layer.units]
    outs = [u.out for u in layer.units] if layer.plain else [layer.activation.forward(nets, j) for j in range(len(nets))]
    slopes = tuple(layer.activation.derivative(outs, nets, j, j) for j in range(len(nets)))
    return (_then(upstream, application, slopes),)


def _dropout(level: UnitLevel, application: Application, upstream):
    layer = level.layers[application.output]
    return (_then(upstream, application, tuple(layer.kept(unit) for unit in layer.units)),)


def _are_paths(value) -> bool:
    return isinstance(value, tuple) and isinstance(value[0], tuple) and isinstance(value[0][0], Path)


def _add_vjp(level: UnitLevel, application: Application, upstream):
    if not application.output.shape:       # the cost's sum: E and each penalty get dJ whole
        return upstream, upstream
    joined = level.units[application.output]
    source = tuple((Path(unit, None, d_out),) for unit, d_out in zip(joined, upstream))
    return upstream, source


def _l2(level: UnitLevel, application: Application, upstream):
    layer = level.layers[application.inputs[0]]
    return (tuple(tuple(weight_term(c.weight) for c in row) for row in layer.connections),)


_RULES: dict[str, Callable] = {"dense": _dense, "activation": _activation, "dropout": _dropout,
                               "add": _add_vjp, "l2": _l2}


def _output_record(graph: Graph, layer: GraphLayer, unit: Unit) -> UnitRecord:
    activation = layer.activation
    outs = [u.out for u in layer.units]
    nets = [u.net for u in layer.units]
    d_out = graph.loss.derivative(unit.target, unit.out)
    if activation.elementwise:
        d_act = activation.derivative(outs, nets, unit.index, unit.index)
        chain = _mul(d_out, d_act)
        jacobian = None
    else:
        d_act = None
        jacobian = tuple(activation.derivative(outs, nets, k, unit.index) for k in range(len(outs)))
        chain = _add(*[_mul(graph.loss.derivative(u.target, u.out), jacobian[u.index]) for u in layer.units])
    rule = CANCELLATIONS.get((activation.name, graph.loss.name))
    delta = rule.delta(unit.target, unit.out) if rule else chain
    return UnitRecord(unit, d_out, (), d_act, jacobian, chain, delta, rule.condition if rule else None)


def unit_level(graph: Graph, tensors: TensorGraph) -> UnitLevel:
    """Each tensor node's units: a layer's Z, G and A are its units; X the inputs."""
    layers, units = {}, {}
    by_name = {node.name: node for node in tensors.nodes}
    for layer in graph.layers:
        for prefix in "ZGAW":
            node = by_name.get(f"{prefix}{layer.index}")
            if node is not None:
                layers[node], units[node] = layer, layer.units
    units[by_name["X"]] = graph.inputs
    return UnitLevel(graph, layers, units)


def derive(graph: Graph, tick: Callable[[int], object] = lambda n: None) -> Derivation:
    """Every unit's and parameter's chain-rule record, read off the walk at the unit level;
    `tick(n)` reports n more units done."""
    tensors = lower(graph.spec)
    found = reverse(tensors, unit_level(graph, tensors))
    by_name = {node.name: node for node in tensors.nodes}
    records, params = [], []
    for layer in graph.layers:
        records.append(_records(found, by_name, layer))
        params.extend(_param_records(found, by_name, layer))
        tick(len(layer.units))
    return Derivation(graph, tuple(records), tuple(params))


def _records(found: Walk, by_name: dict, layer: GraphLayer) -> tuple[UnitRecord, ...]:
    term = found.terms[by_name[f"Z{layer.index}"]][0].value
    if not isinstance(term, Chain):          # the output layer: the fused step
        return term
    out = by_name[f"A{layer.index}"]
    paths = UnitLevel.paths(found.terms[out])
    d_outs = found.adjoints[out]
    records = []
    for j, unit in enumerate(layer.units):
        factors = [entries[j] for _, entries in term.factors]
        d_act = factors[0] if len(factors) == 1 else _mul(*factors)
        chain = _mul(d_outs[j], d_act)
        records.append(UnitRecord(unit, d_outs[j], paths[j], d_act, None, chain, chain, None))
    return tuple(records)


def _param_records(found: Walk, by_name: dict, layer: GraphLayer):
    weight = found.terms[by_name[f"W{layer.index}"]]
    forms, penalties = weight[0].value, (weight[1].value if len(weight) > 1 else None)
    for k, row in enumerate(layer.connections):
        for j, c in enumerate(row):
            yield ParamRecord(c.weight, layer.index, c, None, c.source.out, forms[k][j],
                              penalties[k][j] if penalties else sp.S.Zero)
    if layer.biases:
        forms = found.terms[by_name[f"b{layer.index}"]][0].value
        for bias, form in zip(layer.biases, forms):
            yield ParamRecord(bias.symbol, layer.index, None, bias, sp.S.One, form)
