"""The reverse walk: chain-rule records for every unit and every parameter.

Records are data. Each unit gets its delta (dE/dnet) built from the factors a
person writes; each parameter gets its chain and its delta form. Closed forms over
node values are assembled on request by substituting the deltas downstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterator

import sympy as sp

from ..rules.activations import G
from ..rules.algebra import _add, _mul

from ..rules.fusions import CANCELLATIONS
from ..rules.penalty import weight_term
from .units import Bias, Connection, Graph, GraphLayer, Unit


@dataclass(frozen=True)
class Path:
    """One way out of a hidden unit: dE/dnet_via * dnet_via/dout_unit = delta_via * w; or, along a
    skip connection (connection None), dE/dout_via * dout_via/dout_unit = dE/dout_via * 1."""
    via: Unit
    connection: Connection | None
    term: sp.Expr = sp.S.Zero            # the path's factor: delta_via * w, or via's dE/dout

    @property
    def skip(self) -> bool:
        return self.connection is None


@dataclass(frozen=True)
class UnitRecord:
    unit: Unit
    d_out: sp.Expr                       # dE_total/dout_unit (over node and delta symbols)
    paths: tuple[Path, ...]              # hidden units: the sum over the units this one feeds
    d_act: sp.Expr | None                # dout/dnet for an elementwise activation
    jacobian: tuple[sp.Expr, ...] | None  # softmax: dout_k/dnet_unit for every k of the layer
    delta_chain: sp.Expr                 # dE/dnet as the chain gives it
    delta: sp.Expr                       # dE/dnet as it is used (after a known cancellation)
    cancellation: str | None             # the condition of that cancellation ('' when always)


@dataclass(frozen=True)
class ParamRecord:
    symbol: sp.Symbol
    layer: int
    connection: Connection | None        # a weight
    bias: Bias | None                    # a bias
    d_net: sp.Expr                       # dnet/dparam: the source's output, or 1
    delta_form: sp.Expr                  # delta_unit * d_net, summed over units for a shared bias
    penalty: sp.Expr = sp.S.Zero         # what the L2 penalty adds to the cost's gradient: lambda w, or 0

    @property
    def units(self) -> tuple[Unit, ...]:
        return (self.connection.dest,) if self.connection else self.bias.units


@dataclass(frozen=True)
class Derivation:
    graph: Graph
    layers: tuple[tuple[UnitRecord, ...], ...]   # layers[l - 1][j]
    params: tuple[ParamRecord, ...]

    def unit(self, unit: Unit) -> UnitRecord:
        return self.layers[unit.layer - 1][unit.index]

    @cached_property
    def _params_by_symbol(self) -> dict[sp.Symbol, ParamRecord]:
        return {record.symbol: record for record in self.params}

    def param(self, symbol: sp.Symbol) -> ParamRecord:
        """The record of one parameter (a dict look-up: the proof asks for every parameter)."""
        return self._params_by_symbol[symbol]

    def layer_params(self, layer: int) -> tuple[ParamRecord, ...]:
        return tuple(p for p in self.params if p.layer == layer)

    def local(self, node: sp.Symbol, x: sp.Symbol) -> sp.Expr | None:
        """d(node)/dx of the node's own definition, as the rule rows give it: a unit's output by a
        net input (the activation's row), a unit's error by its output (the loss's row); None for
        any other pair (a net input's linear slopes, or x not in the definition)."""
        return self._row_slopes.get((node, x))

    @cached_property
    def _row_slopes(self) -> dict[tuple[sp.Symbol, sp.Symbol], sp.Expr]:
        found: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}
        for layer_records in self.layers:
            for record in layer_records:
                unit = record.unit
                if record.jacobian is not None:        # softmax: every output of the layer reads this net
                    layer_units = self.graph.layers[unit.layer - 1].units
                    found |= {(each.out, unit.net): d for each, d in zip(layer_units, record.jacobian)}
                elif not record.d_act.has(G):       # g's own derivative stays SymPy's (its stand-in)
                    found[(unit.out, unit.net)] = record.d_act
        loss = self.graph.loss
        for error, unit in zip(self.graph.unit_errors, self.graph.outputs):
            found[(error, unit.out)] = loss.derivative(unit.target, unit.out)
        return found


def derive(graph: Graph, tick: Callable[[int], object] = lambda n: None) -> Derivation:
    """Walk the layers from the output back; `tick(n)` reports n more units done."""
    records: list[tuple[UnitRecord, ...]] = []
    downstream: GraphLayer | None = None
    for layer in reversed(graph.layers):
        if downstream is None:
            layer_records = tuple(_output_record(graph, layer, u) for u in layer.units)
        else:
            # the layers whose skip connections read this one: their records are made (walked already)
            skips = [(later, records[later.index - layer.index - 1]) for later in graph.layers
                     if later.skip and later.skip[0].layer == layer.index]
            layer_records = tuple(_hidden_record(layer, downstream, u, skips) for u in layer.units)
        records.insert(0, layer_records)
        downstream = layer
    params = []
    for layer in graph.layers:
        params.extend(_param_records(layer, graph.l2))
        tick(len(layer.units))
    return Derivation(graph, tuple(records), tuple(params))


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


def _hidden_record(layer: GraphLayer, downstream: GraphLayer, unit: Unit, skips) -> UnitRecord:
    paths = tuple(Path(row[unit.index].dest, row[unit.index], _mul(row[unit.index].dest.delta, row[unit.index].weight))
                  for row in downstream.connections)
    paths += tuple(Path(later.units[unit.index], None, later_records[unit.index].d_out) for later, later_records in skips)
    d_out = _add(*[p.term for p in paths])
    nets = [u.net for u in layer.units]
    if layer.plain:
        d_act = layer.activation.derivative([u.out for u in layer.units], nets, unit.index, unit.index)
    else:       # out = m/(1 - p) g(net), or g(net) + a skip: g' is written over g(net), which out is not
        activated = [layer.activation.forward(nets, j) for j in range(len(nets))]
        d_act = layer.activation.derivative(activated, nets, unit.index, unit.index)
        d_act = d_act if unit.mask is None else _mul(layer.kept(unit), d_act)
    chain = _mul(d_out, d_act)
    return UnitRecord(unit, d_out, paths, d_act, None, chain, chain, None)


def _param_records(layer: GraphLayer, l2: bool) -> Iterator[ParamRecord]:
    for row in layer.connections:
        for c in row:
            yield ParamRecord(c.weight, layer.index, c, None, c.source.out, _mul(c.dest.delta, c.source.out),
                              weight_term(c.weight) if l2 else sp.S.Zero)
    for bias in layer.biases:
        form = _add(*[u.delta for u in bias.units]) if len(bias.units) > 1 else bias.units[0].delta
        yield ParamRecord(bias.symbol, layer.index, None, bias, sp.S.One, form)


def delta_closed_forms(derivation: Derivation) -> dict[sp.Symbol, sp.Expr]:
    """Each delta symbol -> its expression over node values only (no delta symbols)."""
    forms: dict[sp.Symbol, sp.Expr] = {}
    for layer in reversed(derivation.layers):
        for record in layer:
            forms[record.unit.delta] = record.delta.xreplace(forms)
    return forms


def closed_form(derivation: Derivation, symbol: sp.Symbol, forms: dict | None = None) -> sp.Expr:
    """dE/dparam for one sample, over node values (out, net, target) and weights."""
    forms = forms if forms is not None else delta_closed_forms(derivation)
    return derivation.param(symbol).delta_form.xreplace(forms)
