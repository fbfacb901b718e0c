"""Derivation + Values -> Context: plain data for the unit-level templates (neuron and index notation).

Strings of LaTeX and formatted numbers only; no SymPy object leaves this module. Each section of the
document is built here; every equation in it comes from writer.Writer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..core.chain import Derivation, ParamRecord, UnitRecord
from ..core.units import Graph, GraphLayer, Unit
from ..numeric.evaluator import Values, parameter_values
from ..progress import progress
from ..rules import penalty
from ..rules.algebra import _mul
from ..spec.load import NetworkSpec
from . import penalty_context
from .notation import NotationPrinter, partial
from .unit_network import network, parameter_table, symbols
from .unit_notations import FORWARD_HEADS, four_equations
from .update_steps import optimizer_context, parameter_step
from .writer import Writer, is_compact, too_wide


def build(spec: NetworkSpec, derivation: Derivation, values: Values, notation: str = "neuron",
          samples: str = "first") -> dict[str, Any]:
    compact = is_compact(spec, samples)
    w = Writer(spec, derivation, values, notation, compact)
    graph, layers = derivation.graph, derivation.graph.layers
    # writing a large document fully expanded takes a while: one tick per layer and section
    with progress(3 * len(layers), "writing") as bar:
        def ticked(items):
            for item in items:
                yield item
                bar.update(1)
        # a compact document sets the first unit of every layer in one aligned display
        forward_column = w.column(*[x for layer in layers for x in (layer.units[0].net, layer.units[0].out)])
        forward = [_forward_layer(w, layer, len(layers), forward_column) for layer in ticked(layers)]
        backward = [_backward_layer(w, derivation, layer) for layer in ticked(reversed(layers))]
        updates = [_updates(w, derivation, layer) for layer in ticked(layers)]
    return {
        "compact": compact,
        "per_sample_symbol": w.per_sample_symbol,
        "heads": list(FORWARD_HEADS[notation]),
        "notation": notation,
        "symbols": symbols(w, notation),
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
        "optimizer": optimizer_context(spec, w.num),
        "network": network(w, spec),
        "forward": forward,
        "forward_rows": [w.row(layer["units"][0][key]) for layer in forward for key in ("net", "out")],
        "error": _error(w),
        "backward": backward,
        "updates": updates,
        "cost": penalty_context.cost(w),
        "after_step": {"loss": w.num(values.after_step.cost), "before": w.num(values.forward.cost),
                       "symbol": w.tex(penalty.COST if graph.l2 else graph.total),
                       "words": "cost" if graph.l2 else "total error"},
        "training": _training(w, values),
    }


def _forward_layer(w: Writer, layer: GraphLayer, depth: int, column: float | None = None) -> dict[str, Any]:
    fwd = w.values.forward
    l = layer.index - 1
    units = []
    for j, unit in enumerate(layer.units):
        units.append({
            "name": unit.name,
            "net": w.entry(j, unit.net, layer.net_exprs[j], fwd.nets[l][:, j], column),
            "out": w.entry(j, unit.out, layer.out_exprs[j], fwd.outs[l][:, j], column),
        })
    return {"index": layer.index, "is_output": layer.index == depth, "activation": layer.activation.name,
            "units": units, "has_bias": bool(layer.biases)}


def _error(w: Writer) -> dict[str, Any]:
    g, fwd = w.graph, w.values.forward
    # -t ln(out) is exactly 0 where the target is 0: such cross-entropy terms are not written out
    targets = np.asarray(w.spec.targets, dtype=float)
    vanishes = (targets == 0) if w.spec.loss.function == "cross_entropy" else np.zeros_like(targets, dtype=bool)
    worked = int(np.argmin(vanishes[0]))             # the first term of sample 1 that is not 0
    # a compact document sets sample 1's error, its total and the batch's in one aligned display
    column = w.column(g.unit_errors[worked], g.total, batch=[g.total])
    units = []
    for k, (symbol, expr) in enumerate(zip(g.unit_errors, g.unit_error_exprs)):
        entry = w.entry(0 if k == worked else 1, symbol, expr, fwd.unit_errors[:, k], column)
        units.append(entry | {"vanishes": vanishes[:, k].tolist()})
    per_sample = fwd.unit_errors.sum(axis=1)
    total = w.equation(g.total, sp.Add(*g.unit_errors, evaluate=False), per_sample, column=column)
    reduction = w.reduction(g.total, per_sample, fwd.loss, column)
    rows = [w.row(units[worked]), w.row(total)] + ([w.row(reduction, False)] if reduction is not None else [])
    # the per-sample totals in a table: each sample's own error, told apart from the batch's
    sample_total = {"symbol": w.tex(g.total) + ("^{(s)}" if w.per_sample_symbol else ""), "figures": total["figures"]}
    return {"units": units, "worked": worked, "vanishing": bool(vanishes.any()), "total": total,
            "reduction": reduction, "value": w.num(fwd.loss), "rows": rows, "sample_total": sample_total}


def _backward_layer(w: Writer, derivation: Derivation, layer: GraphLayer) -> dict[str, Any]:
    g = w.graph
    l = layer.index - 1
    factors = w.values.factors[l]
    records = derivation.layers[l]
    is_output = layer.index == len(g.layers)
    first_param = derivation.layer_params(layer.index)[0]
    deltas = [w.entry(j, r.unit.delta, r.delta, factors.delta[:, j]) for j, r in enumerate(records)]
    # a compact document tables the gradients instead of writing each one out
    params = [] if w.compact else [_param(w, p) for p in derivation.layer_params(layer.index)]
    gradient = partial(g.total, first_param.symbol)
    # ... and sets the worked product, its batch mean and the node delta in one aligned display
    column = w.column(gradient, records[0].unit.delta, batch=[gradient])
    first = _worked_chain(w, derivation, layer, records[0], first_param, column)
    definition = _delta_definition(w, records[0], column)
    product = first["product"]
    expanded = definition["formula"] != definition["chain_formula"]
    product_rows = ([w.row(product)] + ([w.row(product["reduction"], False)] if product["reduction"] else [])
                    + [w.row(definition["definition"])] + ([w.row(definition["expansion"])] if expanded else []))
    return {
        "gradients": parameter_table(layer, lambda p: w.num(w.gradients[p])),
        "index": layer.index,
        "is_output": is_output,
        "softmax": not layer.activation.elementwise,
        "first": first,
        "delta_definition": definition,
        "product_rows": product_rows,
        "deltas": deltas,
        "params": params,
    }


def _worked_chain(w: Writer, derivation: Derivation, layer: GraphLayer, record: UnitRecord,
                  param: ParamRecord, product_column: float | None = None) -> dict[str, Any]:
    """The first parameter's chain, every factor with its formula and number."""
    g, unit = w.graph, record.unit
    l = layer.index - 1
    factors = w.values.factors[l]
    d_E_out, d_out_net = partial(g.total, unit.out), partial(unit.out, unit.net)
    d_E_net, d_net_p = partial(g.total, unit.net), partial(unit.net, param.symbol)
    source_values = _source_values(w, param, l)
    elementwise = record.jacobian is None
    # An output rounded to 0 or 1 makes the factors 0/0 or infinite in floating point: the fused delta
    # (the numbers' own stable form) then stands for them.
    by_factor = elementwise and not factors.fused[:, 0].any()
    chain = [d_E_out, d_out_net, d_net_p] if by_factor else [d_E_net, d_net_p]
    factor_values = ([factors.d_out[:, 0], factors.d_act[:, 0], source_values] if by_factor
                     else [factors.delta[:, 0], source_values])
    extras = [{f: v[s] for f, v in zip(chain, factor_values)} for s in w.samples]
    product = sp.Mul(*chain, evaluate=False)
    per_sample = factors.delta[:, 0] * source_values
    gradient = partial(g.total, param.symbol)
    # A compact document sets the chain's split and its factors in one aligned display (a softmax layer's
    # coupled factors in a second one, with the last factor): the width of each display's left column.
    loss = [g.total] if unit.target is not None else []
    if by_factor:
        column = last = w.column(gradient, d_E_out, d_out_net, d_net_p, *loss)
    elif elementwise:
        column = last = w.column(gradient, d_E_net, d_net_p)
    else:
        column = w.column(gradient, d_E_net, *loss, *[partial(u.out, unit.net) for u in layer.units])
        last = w.column(d_E_net, d_net_p)
    worked: dict[str, Any] = {
        "param": w.tex(param.symbol),
        "unit": unit.name,
        "chain": w.statement(gradient, product, column=column),
        "d_out": w.equation(d_E_out, record.d_out, factors.d_out[:, 0], column=column) if by_factor else None,
        "d_act": w.equation(d_out_net, record.d_act, factors.d_act[:, 0], column=column) if by_factor else None,
        "fused": (w.equation(d_E_net, record.delta, factors.delta[:, 0], column=column)
                  if elementwise and not by_factor else None),
        "saturated": [w.stex(d_E_out), w.stex(d_out_net)],
        "out_definition": {"lhs": w.stex(unit.out), "formula": w.stex(layer.out_exprs[0])},
        "net_definition": {"lhs": w.stex(unit.net), "formula": w.stex(layer.net_exprs[0])},
        "d_net": w.equation(d_net_p, param.d_net, source_values, column=last),
        "product": {**w.equation(gradient, product, per_sample, extras, column=product_column),
                    "reduction": w.reduction(gradient, per_sample, per_sample.sum() * w.values.scale,
                                             product_column)},
    }
    if record.paths:
        worked["paths"] = _paths(w, record, factors, column)
    if unit.target is not None:
        worked["loss_expansion"] = w.statement(g.total, sp.Add(*g.unit_error_exprs, evaluate=False), column=column)
    if not elementwise:
        worked["softmax"] = _softmax_chain(w, layer, record, factors, column, last)
    worked["factor_rows"], worked["together_rows"] = (_factor_rows(w, worked, record, by_factor, last)
                                                      if w.compact else (None, None))
    return worked


def _factor_rows(w: Writer, worked: dict[str, Any], record: UnitRecord, by_factor: bool,
                 last: float | None) -> tuple[list[dict], list[dict] | None]:
    """A compact document's displays of sample 1's factors: the split, then each factor (a hidden unit's
    first factor as the sum over its paths, each path a delta times a weight); through a softmax, the
    split, the loss, the sum and the Jacobian, and then what they give together with the last factor."""
    split = [w.row(worked["chain"])] + ([w.row(worked["loss_expansion"])] if "loss_expansion" in worked else [])
    if by_factor:
        first = (w.joined(worked["paths"]["sum"], worked["d_out"], last) if record.paths
                 else w.row(worked["d_out"]))
        return split + [first, w.row(worked["d_act"]), w.row(worked["d_net"])], None
    if worked["fused"] is not None:
        return [w.row(worked["chain"]), w.row(worked["fused"]), w.row(worked["d_net"])], None
    sm = worked["softmax"]
    together = [w.row(e) for e in (sm["chain"], sm["cancelled"]) if e is not None]
    return split + [w.row(sm["sum"])] + [w.row(j) for j in sm["jacobian"]], together + [w.row(worked["d_net"])]


def _source_values(w: Writer, param: ParamRecord, l: int) -> np.ndarray:
    if param.connection is None:
        return np.ones(w.spec.samples)
    fwd = w.values.forward
    source = param.connection.source
    return fwd.inputs[:, source.index] if source.layer == 0 else fwd.outs[l - 1][:, source.index]


def _paths(w: Writer, record: UnitRecord, factors, column: float | None = None) -> dict[str, Any]:
    """dE/dout_h as the sum over every unit h feeds (through a weight into its net input, or whole
    into its output along a skip connection): each path, then the sum."""
    g, unit = w.graph, record.unit
    terms = []
    for k, path in enumerate(record.paths):
        terms.append(w.equation(_path_factors(g, path, unit), path.term, factors.paths[:, k, unit.index]))
    sum_lhs = sp.Add(*[_path_factors(g, p, unit) for p in record.paths], evaluate=False)
    return {"terms": terms, "skips": [w.stex(p.via.out) for p in record.paths if p.skip],
            "sum": w.statement(partial(g.total, unit.out), sum_lhs, column=column)}


def _path_factors(g: Graph, path, unit: Unit) -> sp.Expr:
    """dE/dnet_via dnet_via/dout_unit; along a skip dE/dout_via alone, since the skip adds out_unit
    to out_via unchanged (dout_via/dout_unit written out would read as the total derivative, which
    the path through net_via adds to)."""
    if path.skip:
        return partial(g.total, path.via.out)
    return _mul(partial(g.total, path.via.net), partial(path.via.net, unit.out))


def _softmax_chain(w: Writer, layer: GraphLayer, record: UnitRecord, factors, column: float | None = None,
                   together: float | None = None) -> dict[str, Any]:
    """dE/dnet_j = sum_k dE/dout_k * dout_k/dnet_j through the softmax Jacobian (`column`, `together`: the
    left columns of a compact document's displays of the sum and Jacobian, and of what they give)."""
    g, unit = w.graph, record.unit
    terms = sp.Add(*[_mul(partial(g.total, u.out), partial(u.out, unit.net)) for u in layer.units], evaluate=False)
    jacobian = [w.equation(partial(u.out, unit.net), record.jacobian[k], factors.jacobian[:, k, unit.index],
                           column=column) for k, u in enumerate(layer.units)]
    return {
        "sum": w.statement(partial(g.total, unit.net), terms, column=column),
        "jacobian": jacobian,
        # with an output rounded to 0 or 1 the unfused chain's numbers are 0/0: only the fused form is shown
        "chain": (None if factors.fused[:, unit.index].any() else
                  w.equation(partial(g.total, unit.net), record.delta_chain, factors.delta[:, unit.index],
                             column=together)),
        "cancelled": (w.equation(partial(g.total, unit.net), record.delta, factors.delta[:, unit.index],
                                 column=together) if record.cancellation is not None else None),
        "condition": record.cancellation,
    }


def _delta_definition(w: Writer, record: UnitRecord, column: float | None = None) -> dict[str, Any]:
    g, unit = w.graph, record.unit
    chain = (_mul(partial(g.total, unit.out), partial(unit.out, unit.net)) if record.jacobian is None
             else sp.Add(*[_mul(partial(g.total, u.out), partial(u.out, unit.net))
                           for u in _layer_units(g, unit)], evaluate=False))
    return {"lhs": w.stex(unit.delta), "chain": w.stex(chain), "partial": w.stex(partial(g.total, unit.net)),
            "chain_formula": w.stex(record.delta_chain), "formula": w.stex(record.delta),
            "definition": w.statement(unit.delta, chain, partial(g.total, unit.net), column=column),
            "expansion": w.statement(unit.delta, record.delta_chain, record.delta, column=column),
            "cancellation": record.cancellation}


def _layer_units(g: Graph, unit: Unit) -> tuple[Unit, ...]:
    return g.layers[unit.layer - 1].units


def _param(w: Writer, param: ParamRecord) -> dict[str, Any]:
    l = param.layer - 1
    factors = w.values.factors[l]
    per_sample = sum(factors.delta[:, u.index] for u in param.units) * _source_values(w, param, l)
    if param.bias is not None and w.values.cancelled_biases[l]:
        per_sample = np.zeros_like(per_sample)
    total = w.error_gradients[param.symbol]
    equation = w.equation(partial(w.graph.total, param.symbol), param.delta_form, per_sample)
    return {**equation, "symbol": w.tex(param.symbol), "value": w.num(total),
            "reduction": w.reduction(partial(w.graph.total, param.symbol), per_sample, total),
            "is_bias": param.bias is not None}


def _updates(w: Writer, derivation: Derivation, layer: GraphLayer) -> dict[str, Any]:
    updated = parameter_values(w.graph, w.values.updated)
    rows = []
    worked = derivation.layer_params(layer.index)
    for param in (worked[:1] if layer.index == 1 else []) if w.compact else worked:
        if param.bias is not None and not w.spec.training.update_bias:
            continue
        gradient, penalised = penalty_context.gradient(w, param)
        plus = sp.Symbol(f"{param.symbol.name}_plus")
        step = parameter_step(w.spec, param.symbol, w.names[param.symbol], gradient, w.param_values[param.symbol],
                              w.gradients[param.symbol], plus)
        names = w.names | step.names | {plus: "{" + w.names[param.symbol] + "}^{+}"}
        numbers = step.numbers | {gradient: w.gradients[param.symbol]}
        lines = [_assignment(w, names, numbers, a) for a in step.assignments]
        row = lines[-1] | {"value": w.num(updated[param.symbol])}
        parts = [[row["formula"]], [row["numbers"]], [row["value"]]]
        row["steps"] = ([penalised] if penalised else []) + [
            line | {"broken": too_wide(line["lhs"], line["parts"])} for line in lines[:-1]]
        rows.append(row | {"parts": parts, "broken": too_wide(row["lhs"], parts), "is_bias": param.bias is not None})
    gradients = parameter_table(layer, lambda p: w.num(w.gradients[p]))
    after = parameter_table(layer, lambda p: w.num(updated[p]))
    # a compact document's table per layer: for each unit, its parameters' gradients and values after the step
    ledger = {"columns": after["columns"],
              "rows": [{"unit": row["unit"], "gradient": row["cells"], "after": moved["cells"]}
                       for row, moved in zip(gradients["rows"], after["rows"])]}
    return {"index": layer.index, "rows": rows, "matrix": after, "ledger": ledger}


def _assignment(w: Writer, names: dict, numbers: dict, assignment) -> dict[str, Any]:
    """One line of an optimizer's step for one parameter: target = formula = numbers = value."""
    printer = NotationPrinter(names)
    lhs, formula = printer.doprint(assignment.target), printer.doprint(assignment.value)
    figures, value = w.with_numbers(assignment.value, 0, numbers, names), w.num(assignment.figure)
    return {"lhs": lhs, "formula": formula, "numbers": figures, "value": value,
            "parts": [[formula], [figures], [value]]}


def _training(w: Writer, values: Values) -> dict[str, Any] | None:
    t = values.training
    if t is None:
        return None
    outputs = [{"name": u.name, "symbol": w.tex(u.out), "figures": [w.num(t.outputs[s, j]) for s in w.samples],
                "targets": [w.num(w.spec.targets[s][j]) for s in w.samples]} for j, u in enumerate(w.graph.outputs)]
    return {"iterations": t.iterations, "loss": w.num(t.loss), "initial_loss": w.num(t.history[0]),
            "outputs": outputs, "planned": w.spec.training.iterations, "stopped_at": t.stopped_at,
            "stop_reason": t.stop_reason}


def _four_equations(w: Writer, derivation: Derivation) -> list[dict[str, str]]:
    """BP1-BP4, each with one instance from this network's derivation."""
    g = w.graph
    output, first = derivation.layers[-1][0], derivation.layers[0][0]
    weight = derivation.layer_params(1)[0]
    bias = next((p for layer in g.layers for p in derivation.layer_params(layer.index) if p.bias is not None), None)
    instances = {
        "BP1": f"{w.tex(output.unit.delta)} = {w.tex(output.delta)}",
        "BP2": (f"{w.tex(first.unit.delta)} = {w.tex(first.delta)}" if first.paths
                else "this network has no hidden layer"),
        "BP3": (f"{w.tex(partial(g.total, bias.symbol))} = {w.tex(bias.delta_form)}" if bias is not None
                else "this network has no biases"),
        "BP4": f"{w.tex(partial(g.total, weight.symbol))} = {w.tex(weight.delta_form)}",
    }
    out_act = g.layers[-1].activation
    hidden = {layer.activation.latex for layer in g.layers[:-1]}
    general = four_equations(out_act.latex if out_act.elementwise else None,
                             hidden.pop() if len(hidden) == 1 else None, g.layers[0].shared_bias, bool(first.paths),
                             bias is not None, bool(g.masks), any(layer.skip for layer in g.layers))
    return [{"name": name, "general": form, "instance": instances[name]} for name, form in general]
