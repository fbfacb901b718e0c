"""Chain-rule records for every unit and every parameter: the unit form of a derivation.

Records are data, read off the one reverse walk at the unit level (unit_level.py). Each unit gets
its delta (dE/dnet) built from the factors a person writes; each parameter gets its chain and its
delta form. Closed forms over node values are assembled on request by substituting the deltas
downstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from ..rules.activations import G
from .units import Bias, Connection, Graph, Unit


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
