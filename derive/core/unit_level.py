"""The unit level of the one reverse walk (walk.py): each op's VJP over a tensor's entries, the
units and connections of the unit graph (units.py), as a person writes it for one sample. The
rules are the op rows' (ops/, `units`); a net input's adjoint is named δ (the unit's delta
symbol), and derive() reads each unit's and parameter's record off the walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from ..rules.algebra import _add, _mul
from .chain import Derivation, ParamRecord, Path, UnitRecord
from .graph import Kind, Node, TensorGraph, lower
from .ops import OPS
from .pending import Elementwise
from .units import Graph, GraphLayer, Unit
from .walk import Walk, reverse


@dataclass(frozen=True)
class UnitLevel:
    graph: Graph
    layers: dict[Node, GraphLayer]               # the layer of each net input, activation, output, weight
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
        """Each entry's paths, over every consumer's term."""
        return tuple(sum(entries, ()) for entries in zip(*[term.value for term in terms]))

    def vjp(self, application, upstream):
        rule = OPS[application.op].units.vjp
        if rule is None:
            raise ValueError(f"no unit form for a {application.op} that is not fused with its activation")
        return rule(self, application, upstream)

    def fused(self, loss, activation, upstream) -> tuple[UnitRecord, ...]:
        return OPS[loss.op].units.fused(self, loss, activation, upstream)


def _are_paths(value) -> bool:
    return isinstance(value, tuple) and isinstance(value[0], tuple) and isinstance(value[0][0], Path)


def unit_level(graph: Graph, tensors: TensorGraph) -> UnitLevel:
    """Each tensor node's layer and units: a layer's Z, G and A are its units; X the inputs."""
    layers = {node: graph.layers[node.layer - 1] for node in tensors.nodes if node.layer is not None}
    units = {node: layer.units for node, layer in layers.items()}
    units |= {node: graph.inputs for node in tensors.of_kind(Kind.INPUT)}
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
    if not isinstance(term, Elementwise):          # the output layer: the fused step's records
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
