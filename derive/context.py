"""Derivation + Values -> Context: plain data for the templates.

Strings of LaTeX and formatted numbers only; no SymPy object leaves this module.
Every equation is printed twice by the same printer: with symbols, and with each
symbol replaced by its value for one sample.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import sympy as sp

from .chain import Derivation, ParamRecord, UnitRecord
from .graph import Graph, GraphLayer, Unit
from .notation import NotationPrinter, format_number, partial
from .numeric import Parameters, Values
from .rules import _add, _mul, _neg
from .spec import NetworkSpec
from .unit_notations import ETA, SCHEMES, TABLES, four_equations



class _Writer:
    """Prints expressions symbolically and, per sample, with numbers."""

    def __init__(self, spec: NetworkSpec, derivation: Derivation, values: Values, notation: str):
        self.spec, self.graph, self.values = spec, derivation.graph, values
        self.names = SCHEMES[notation](self.graph)
        self.symbolic = NotationPrinter(self.names)
        self.param_values = _parameter_values(self.graph, values.parameters)
        self.samples = range(spec.samples)
        self.node_values = [self._node_values(s) for s in self.samples]

    def _node_values(self, s: int) -> dict[sp.Basic, float]:
        fwd, values = self.values.forward, self.values
        table = dict(self.param_values)
        table[ETA] = self.spec.training.learning_rate
        for j, unit in enumerate(self.graph.inputs):
            table[unit.out] = fwd.inputs[s, j]
        for l, layer in enumerate(self.graph.layers):
            for j, unit in enumerate(layer.units):
                table[unit.net] = fwd.nets[l][s, j]
                table[unit.out] = fwd.outs[l][s, j]
                table[unit.delta] = values.factors[l].delta[s, j]
                if unit.target is not None:
                    table[unit.target] = self.spec.targets[s][j]
        for k, symbol in enumerate(self.graph.unit_errors):
            table[symbol] = fwd.unit_errors[s, k]
        return table

    def num(self, value: float) -> str:
        return format_number(float(value), self.spec.precision)

    def tex(self, expr: sp.Basic) -> str:
        return self.symbolic.doprint(expr)

    def with_numbers(self, expr: sp.Basic, s: int, extra: dict | None = None) -> str:
        table = self.node_values[s] | (extra or {})
        return NotationPrinter(self.names, {k: self.num(v) for k, v in table.items()}).doprint(expr)

    def equation(self, lhs: sp.Basic, formula: sp.Basic | None, per_sample: Sequence[float],
                 extras: Sequence[dict] | None = None) -> dict[str, Any]:
        """lhs = formula = formula with numbers = value, one numbers/value pair per sample."""
        return {
            "lhs": self.tex(lhs),
            "formula": self.tex(formula) if formula is not None else None,
            "numbers": [self.with_numbers(formula, s, extras[s] if extras else None) if formula is not None else None
                        for s in self.samples],
            "figures": [self.num(v) for v in per_sample],
        }

    def reduction(self, per_sample: Sequence[float], total: float) -> dict[str, str] | None:
        """How per-sample figures combine: (1/m)(v1 + ... + vm) for a mean, a plain sum for a sum."""
        if len(per_sample) == 1:
            return None
        slots = sp.symbols(f"s0:{len(per_sample)}")
        terms = sp.Add(*slots, evaluate=False)
        expr = _mul(sp.Rational(1, len(slots)), terms) if self.spec.loss.reduction == "mean" else terms
        text = NotationPrinter({}, {k: self.num(v) for k, v in zip(slots, per_sample)}).doprint(expr)
        return {"numbers": text, "value": self.num(total)}


def _parameter_values(graph: Graph, params: Parameters) -> dict[sp.Symbol, float]:
    table = {}
    for layer, w, b in zip(graph.layers, params.weights, params.biases):
        for j, row in enumerate(layer.connections):
            for i, c in enumerate(row):
                table[c.weight] = w[j, i]
        for k, bias in enumerate(layer.biases):
            table[bias.symbol] = b[k]
    return table


def build(spec: NetworkSpec, derivation: Derivation, values: Values, notation: str = "neuron") -> dict[str, Any]:
    w = _Writer(spec, derivation, values, notation)
    graph = derivation.graph
    layers = graph.layers
    return {
        "notation": notation,
        "symbols": [{"symbol": symbol, "meaning": meaning} for symbol, meaning in TABLES[notation]],
        "four_equations": _four_equations(w, derivation) if notation == "index" else None,
        "total": w.tex(graph.total),
        "title": spec.title,
        "description": spec.description,
        "samples": spec.samples,
        "reduction": spec.loss.reduction,
        "loss_name": spec.loss.function,
        "loss_description": graph.loss.description,
        "learning_rate": w.num(spec.training.learning_rate),
        "update_bias": spec.training.update_bias,
        "network": _network(w, spec),
        "forward": [_forward_layer(w, layer, len(layers)) for layer in layers],
        "error": _error(w),
        "backward": [_backward_layer(w, derivation, layer) for layer in reversed(layers)],
        "updates": [_updates(w, derivation, layer) for layer in layers],
        "after_step": {"loss": w.num(values.after_step.loss), "before": w.num(values.forward.loss),
                       "symbol": w.tex(graph.total)},
        "training": _training(w, values),
    }


def _network(w: _Writer, spec: NetworkSpec) -> dict[str, Any]:
    g = w.graph
    layers = []
    for layer, layer_spec in zip(g.layers, spec.layers):
        weights = [{"symbol": w.tex(c.weight), "source": c.source.name, "dest": c.dest.name,
                    "value": w.num(w.param_values[c.weight])} for row in layer.connections for c in row]
        biases = [{"symbol": w.tex(b.symbol), "units": [u.name for u in b.units],
                   "value": w.num(w.param_values[b.symbol])} for b in layer.biases]
        layers.append({"index": layer.index, "units": [u.name for u in layer.units],
                       "activation": layer_spec.activation, "activation_latex": layer.activation.latex,
                       "weights": weights, "biases": biases, "shared_bias": layer.shared_bias,
                       "is_output": layer.index == len(g.layers)})
    inputs = [{"name": u.name, "symbol": w.tex(u.out),
               "figures": [w.num(spec.inputs[s][j]) for s in w.samples]} for j, u in enumerate(g.inputs)]
    targets = [{"name": u.name, "symbol": w.tex(u.target),
                "figures": [w.num(spec.targets[s][j]) for s in w.samples]} for j, u in enumerate(g.outputs)]
    shape = [len(g.inputs)] + [len(layer.units) for layer in g.layers]
    return {"inputs": inputs, "targets": targets, "layers": layers, "shape": "-".join(map(str, shape)),
            "layout": spec.layout}


def _forward_layer(w: _Writer, layer: GraphLayer, depth: int) -> dict[str, Any]:
    fwd = w.values.forward
    l = layer.index - 1
    units = []
    for j, unit in enumerate(layer.units):
        units.append({
            "name": unit.name,
            "net": w.equation(unit.net, layer.net_exprs[j], fwd.nets[l][:, j]),
            "out": w.equation(unit.out, layer.out_exprs[j], fwd.outs[l][:, j]),
        })
    return {"index": layer.index, "is_output": layer.index == depth, "activation": layer.activation.name,
            "units": units}


def _error(w: _Writer) -> dict[str, Any]:
    g, fwd = w.graph, w.values.forward
    units = [w.equation(symbol, expr, fwd.unit_errors[:, k])
             for k, (symbol, expr) in enumerate(zip(g.unit_errors, g.unit_error_exprs))]
    per_sample = fwd.unit_errors.sum(axis=1)
    total = w.equation(g.total, sp.Add(*g.unit_errors, evaluate=False), per_sample)
    return {"units": units, "total": total, "reduction": w.reduction(per_sample, fwd.loss),
            "value": w.num(fwd.loss)}


def _backward_layer(w: _Writer, derivation: Derivation, layer: GraphLayer) -> dict[str, Any]:
    g = w.graph
    l = layer.index - 1
    factors = w.values.factors[l]
    records = derivation.layers[l]
    is_output = layer.index == len(g.layers)
    first_param = derivation.layer_params(layer.index)[0]
    deltas = [w.equation(r.unit.delta, r.delta, factors.delta[:, j]) for j, r in enumerate(records)]
    params = [_param(w, p) for p in derivation.layer_params(layer.index)]
    return {
        "index": layer.index,
        "is_output": is_output,
        "softmax": not layer.activation.elementwise,
        "first": _worked_chain(w, derivation, layer, records[0], first_param),
        "delta_definition": _delta_definition(w, records[0]),
        "deltas": deltas,
        "params": params,
    }


def _worked_chain(w: _Writer, derivation: Derivation, layer: GraphLayer, record: UnitRecord,
                  param: ParamRecord) -> dict[str, Any]:
    """The first parameter's chain, every factor with its formula and number."""
    g, unit = w.graph, record.unit
    l = layer.index - 1
    factors = w.values.factors[l]
    d_E_out, d_out_net = partial(g.total, unit.out), partial(unit.out, unit.net)
    d_E_net, d_net_p = partial(g.total, unit.net), partial(unit.net, param.symbol)
    source_values = _source_values(w, param, l)
    elementwise = record.jacobian is None
    chain = [d_E_out, d_out_net, d_net_p] if elementwise else [d_E_net, d_net_p]
    factor_values = ([factors.d_out[:, 0], factors.d_act[:, 0], source_values] if elementwise
                     else [factors.delta[:, 0], source_values])
    extras = [{f: v[s] for f, v in zip(chain, factor_values)} for s in w.samples]
    product = sp.Mul(*chain, evaluate=False)
    per_sample = factors.delta[:, 0] * source_values
    worked: dict[str, Any] = {
        "param": w.tex(param.symbol),
        "unit": unit.name,
        "chain": {"lhs": w.tex(partial(g.total, param.symbol)), "formula": w.tex(product)},
        "d_out": w.equation(d_E_out, record.d_out, factors.d_out[:, 0]),
        "d_act": (w.equation(d_out_net, record.d_act, factors.d_act[:, 0]) if elementwise else None),
        "out_definition": {"lhs": w.tex(unit.out), "formula": w.tex(layer.out_exprs[0])},
        "net_definition": {"lhs": w.tex(unit.net), "formula": w.tex(layer.net_exprs[0])},
        "d_net": w.equation(d_net_p, param.d_net, source_values),
        "product": {**w.equation(partial(g.total, param.symbol), product, per_sample, extras),
                    "reduction": w.reduction(per_sample, per_sample.sum() * w.values.scale)},
    }
    if record.paths:
        worked["paths"] = _paths(w, record, factors)
    if unit.target is not None:
        worked["loss_expansion"] = {"lhs": w.tex(g.total),
                                    "formula": w.tex(sp.Add(*g.unit_error_exprs, evaluate=False))}
    if not elementwise:
        worked["softmax"] = _softmax_chain(w, layer, record, factors)
    return worked


def _source_values(w: _Writer, param: ParamRecord, l: int) -> np.ndarray:
    if param.connection is None:
        return np.ones(w.spec.samples)
    fwd = w.values.forward
    source = param.connection.source
    return fwd.inputs[:, source.index] if source.layer == 0 else fwd.outs[l - 1][:, source.index]


def _paths(w: _Writer, record: UnitRecord, factors) -> dict[str, Any]:
    """dE/dout_h as the sum over every unit h feeds: each path, then the sum."""
    g, unit = w.graph, record.unit
    terms = []
    for k, path in enumerate(record.paths):
        lhs = _mul(partial(g.total, path.via.net), partial(path.via.net, unit.out))
        formula = _mul(path.via.delta, path.connection.weight)
        terms.append(w.equation(lhs, formula, factors.paths[:, k, unit.index]))
    sum_lhs = sp.Add(*[_mul(partial(g.total, p.via.net), partial(p.via.net, unit.out)) for p in record.paths],
                     evaluate=False)
    return {"terms": terms,
            "sum": {"lhs": w.tex(partial(g.total, unit.out)), "expanded": w.tex(sum_lhs)}}


def _softmax_chain(w: _Writer, layer: GraphLayer, record: UnitRecord, factors) -> dict[str, Any]:
    """dE/dnet_j = sum_k dE/dout_k * dout_k/dnet_j through the softmax Jacobian."""
    g, unit = w.graph, record.unit
    terms = sp.Add(*[_mul(partial(g.total, u.out), partial(u.out, unit.net)) for u in layer.units], evaluate=False)
    jacobian = [w.equation(partial(u.out, unit.net), record.jacobian[k], factors.jacobian[:, k, unit.index])
                for k, u in enumerate(layer.units)]
    return {
        "sum": {"lhs": w.tex(partial(g.total, unit.net)), "formula": w.tex(terms)},
        "jacobian": jacobian,
        "chain": w.equation(partial(g.total, unit.net), record.delta_chain, factors.delta[:, unit.index]),
        "cancelled": (w.equation(partial(g.total, unit.net), record.delta, factors.delta[:, unit.index])
                      if record.cancellation is not None else None),
        "condition": record.cancellation,
    }


def _delta_definition(w: _Writer, record: UnitRecord) -> dict[str, Any]:
    g, unit = w.graph, record.unit
    chain = (_mul(partial(g.total, unit.out), partial(unit.out, unit.net)) if record.jacobian is None
             else sp.Add(*[_mul(partial(g.total, u.out), partial(u.out, unit.net))
                           for u in _layer_units(g, unit)], evaluate=False))
    return {"lhs": w.tex(unit.delta), "chain": w.tex(chain), "partial": w.tex(partial(g.total, unit.net)),
            "chain_formula": w.tex(record.delta_chain), "formula": w.tex(record.delta),
            "cancellation": record.cancellation}


def _layer_units(g: Graph, unit: Unit) -> tuple[Unit, ...]:
    return g.layers[unit.layer - 1].units


def _param(w: _Writer, param: ParamRecord) -> dict[str, Any]:
    l = param.layer - 1
    factors = w.values.factors[l]
    units = param.units
    per_sample = sum(factors.delta[:, u.index] for u in units) * _source_values(w, param, l)
    total = per_sample.sum() * w.values.scale
    equation = w.equation(partial(w.graph.total, param.symbol), param.delta_form, per_sample)
    return {**equation, "symbol": w.tex(param.symbol), "value": w.num(total),
            "reduction": w.reduction(per_sample, total), "is_bias": param.bias is not None}


def _updates(w: _Writer, derivation: Derivation, layer: GraphLayer) -> dict[str, Any]:
    updated = _parameter_values(w.graph, w.values.updated)
    gradients = _parameter_values(w.graph, w.values.gradients)
    rows = []
    for param in derivation.layer_params(layer.index):
        if param.bias is not None and not w.spec.training.update_bias:
            continue
        gradient = partial(w.graph.total, param.symbol)
        rule = _add(param.symbol, _neg(_mul(ETA, gradient)))
        plus = sp.Symbol(f"{param.symbol.name}_plus")
        names = w.names | {plus: "{" + w.names[param.symbol] + "}^{+}"}
        numbers = NotationPrinter(names, {k: w.num(v) for k, v in
                                          (w.node_values[0] | {gradient: gradients[param.symbol]}).items()})
        rows.append({"lhs": NotationPrinter(names).doprint(plus), "formula": w.tex(rule),
                     "numbers": numbers.doprint(rule), "value": w.num(updated[param.symbol]),
                     "is_bias": param.bias is not None})
    return {"index": layer.index, "rows": rows}


def _training(w: _Writer, values: Values) -> dict[str, Any] | None:
    t = values.training
    if t is None:
        return None
    outputs = [{"name": u.name, "symbol": w.tex(u.out), "figures": [w.num(t.outputs[s, j]) for s in w.samples],
                "targets": [w.num(w.spec.targets[s][j]) for s in w.samples]} for j, u in enumerate(w.graph.outputs)]
    return {"iterations": t.iterations, "loss": w.num(t.loss), "initial_loss": w.num(t.history[0]),
            "outputs": outputs}


def _four_equations(w: _Writer, derivation: Derivation) -> list[dict[str, str]]:
    """BP1-BP4, each with one instance from this network's derivation."""
    g = w.graph
    output, first = derivation.layers[-1][0], derivation.layers[0][0]
    weight = derivation.layer_params(1)[0]
    bias = next(p for p in derivation.layer_params(1) if p.bias is not None)
    instances = {
        "BP1": f"{w.tex(output.unit.delta)} = {w.tex(output.delta)}",
        "BP2": (f"{w.tex(first.unit.delta)} = {w.tex(first.delta)}" if first.paths
                else "this network has no hidden layer"),
        "BP3": f"{w.tex(partial(g.total, bias.symbol))} = {w.tex(bias.delta_form)}",
        "BP4": f"{w.tex(partial(g.total, weight.symbol))} = {w.tex(weight.delta_form)}",
    }
    out_act = g.layers[-1].activation
    hidden = {layer.activation.latex for layer in g.layers[:-1]}
    general = four_equations(out_act.latex if out_act.elementwise else None,
                             hidden.pop() if len(hidden) == 1 else None, g.layers[0].shared_bias, bool(first.paths))
    return [{"name": name, "general": form, "instance": instances[name]} for name, form in general]
