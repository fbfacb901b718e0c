"""Derivation + Values -> Context: plain data for the templates.

Strings of LaTeX and formatted numbers only; no SymPy object leaves this module.
Every equation is printed twice by the same printer: with symbols, and with each
symbol replaced by its value for one sample.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from .chain import Derivation, ParamRecord, UnitRecord
from .graph import Graph, GraphLayer, Unit
from .notation import NotationPrinter, format_number, partial, width
from .numeric import Parameters, Values, shared_bias_gradient_is_zero
from .errors import DeriveError
from .rules import _add, _mul, _neg
from .spec import NetworkSpec
from .unit_notations import ETA, FORWARD_HEADS, SCHEMES, TABLES, four_equations



# The widest display, in digit widths (notation.width; about 12 pixels each in KaTeX): what fits an
# 800-pixel page (753 pixels of text) with room to spare, and a line of the article.
LINE_WIDTH = 58
# A layer wider than this, or a batch, is written compactly: one unit and one sample worked in full,
# everything else in tables.
WIDE = 4
SAMPLE_MODES = ("first", "all")


def is_compact(spec: NetworkSpec, samples: str = "first") -> bool:
    """Whether the document works sample 1 and one unit per layer in full and tables the rest."""
    if samples not in SAMPLE_MODES:
        raise DeriveError(f"unknown samples mode {samples!r} (expected one of: {', '.join(SAMPLE_MODES)})")
    widths = [len(spec.layers[0].weights[0]) if spec.layers[0].weights else 0] + [l.units for l in spec.layers]
    return samples == "first" and (spec.samples > 1 or max(widths) > WIDE)


class _Writer:
    """Prints expressions symbolically and, per sample, with numbers.

    In a compact batch document the worked equations are sample 1's, and the loss they differentiate
    is sample 1's: E^{(1)}, distinct from the batch mean E.
    """

    def __init__(self, spec: NetworkSpec, derivation: Derivation, values: Values, notation: str, compact: bool):
        self.spec, self.graph, self.values = spec, derivation.graph, values
        self.names = SCHEMES[notation](self.graph)
        self.symbolic = NotationPrinter(self.names)
        self.compact = compact
        self.per_sample_symbol = compact and spec.samples > 1
        sample_names = (self.names | {self.graph.total: self.names[self.graph.total] + "^{(1)}"}
                        if self.per_sample_symbol else self.names)
        self.sample_symbolic = NotationPrinter(sample_names)
        self.param_values = _parameter_values(self.graph, values.parameters)
        self.gradients = _parameter_values(self.graph, values.gradients)
        self.samples = range(spec.samples)
        # the "(sample 1)" that ends a line of a batch document takes room too
        self.tag_width = width(r"\qquad \text{(sample 1)}") if spec.samples > 1 else 0.0
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
        """A batch-level (or sample-free) statement."""
        return self.symbolic.doprint(expr)

    def stex(self, expr: sp.Basic) -> str:
        """A statement about one sample: the worked sample's own loss in a compact batch document."""
        return self.sample_symbolic.doprint(expr)

    def with_numbers(self, expr: sp.Basic, s: int, extra: dict | None = None) -> str:
        return self._number_printer(expr, s, extra).doprint(expr)

    def _number_printer(self, expr: sp.Basic, s: int, extra: dict | None = None,
                        figure: float | None = None) -> NotationPrinter:
        """Prints `expr` with each symbol's value; given the equation's `figure`, an operand that the arithmetic
        is sensitive to gets as many digits as it takes to give that figure (1 - 0.99999999992^2, not 1 - 1^2)."""
        table = self.node_values[s] | (extra or {})
        digits = {k: self.spec.precision for k in table}
        if figure is not None:
            used = [k for k in table if k in expr.free_symbols or k in expr.atoms(sp.Derivative)]
            for _ in range(4):
                if self._shows(expr, table, digits, figure):
                    break
                sensitive = [k for k in used if not self._shows(expr, table, {k: digits[k]}, figure)] or used
                digits |= {k: min(digits[k] + 3, 17) for k in sensitive}
        return NotationPrinter(self.names, {k: format_number(float(v), digits[k]) for k, v in table.items()})

    def _shows(self, expr: sp.Basic, table: dict, digits: dict, figure: float) -> bool:
        """Does the arithmetic, with the operands in `digits` rounded to so many digits, give the figure?"""
        values = {k: sp.Float(float(f"{float(v):.{digits[k]}g}") if k in digits else float(v), 20)
                  for k, v in table.items()}
        try:
            value = complex(expr.xreplace(values).evalf(20))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return True                # nothing finite to compare: keep the spec's precision
        # a last-digit drift of rounded operands is how hand arithmetic goes; a figure the shown arithmetic
        # contradicts (1 - 1^2 = 4.9e-11) is not
        return value.imag == 0 and abs(value.real - figure) <= 10.0 ** (2 - self.spec.precision) * abs(figure)

    def equation(self, lhs: sp.Basic, formula: sp.Basic | None, per_sample: Sequence[float],
                 extras: Sequence[dict] | None = None) -> dict[str, Any]:
        """lhs = formula = formula with numbers = value, one numbers/value pair per sample."""
        figures = [self.num(v) for v in per_sample]
        lhs_tex = self.stex(lhs)
        line = LINE_WIDTH - self.tag_width
        limit = max(line - width(lhs_tex), line / 2)
        formula_lines = self.sample_symbolic.lines(formula, limit) if formula is not None else []
        parts, numbers_text = [], []
        for s, figure, value in zip(self.samples, figures, per_sample):
            # a formula that is one symbol has no arithmetic to show: x_1 = -0.7, not x_1 = (-0.7) = -0.7
            numbers = ([] if formula is None or formula.is_Symbol else
                       self._number_printer(formula, s, extras[s] if extras else None, value).lines(formula, limit))
            shown = [formula_lines] if formula_lines else []
            shown += [numbers] if numbers and numbers not in ([[figure]], formula_lines) else []
            shown += [[figure]] if [figure] != formula_lines else []
            parts.append(shown)
            numbers_text.append(" ".join(numbers) or figure)
        return {
            "symbol": self.tex(lhs),       # the quantity itself, for tables of every sample
            "lhs": lhs_tex,
            "formula": " ".join(formula_lines) if formula is not None else None,
            "numbers": numbers_text,
            # per sample, the sides after lhs, each as its lines: one line each while the whole fits
            "parts": parts,
            "broken": [_too_wide(lhs_tex, shown, self.tag_width) for shown in parts],
            "figures": figures,
        }

    def statement(self, lhs: sp.Basic, *sides: sp.Basic) -> dict[str, Any]:
        """lhs = side = side about one sample, without numbers: each side as its lines, and whether the
        whole is too wide for one line."""
        lhs_tex = self.stex(lhs)
        tag = self.tag_width if self.per_sample_symbol else 0
        limit = max(LINE_WIDTH - tag - width(lhs_tex), LINE_WIDTH / 2)
        parts = [self.sample_symbolic.lines(side, limit) for side in sides]
        return {"lhs": lhs_tex, "formula": " = ".join(" ".join(p) for p in parts), "parts": parts,
                "broken": _too_wide(lhs_tex, parts, tag)}

    def entry(self, position: int, lhs: sp.Basic, formula: sp.Basic, per_sample: Sequence[float]) -> dict[str, Any]:
        """The `position`-th equation of a list: worked in full, or (compact, past the first) figures for a table."""
        if self.compact and position > 0:
            return {"symbol": self.tex(lhs), "figures": [self.num(v) for v in per_sample]}
        return self.equation(lhs, formula, per_sample)

    def reduction(self, lhs: sp.Basic, per_sample: Sequence[float], total: float) -> dict[str, str] | None:
        """How per-sample figures combine into the batch's `lhs`: (1/m)(v1 + ... + vm) for a mean, a plain sum for a sum."""
        if len(per_sample) == 1:
            return None
        slots = sp.symbols(f"s0:{len(per_sample)}")
        terms = sp.Add(*slots, evaluate=False)
        mean = self.spec.loss.reduction == "mean"
        expr = _mul(sp.Rational(1, len(slots)), terms) if mean else terms
        printer = NotationPrinter({}, {k: self.num(v) for k, v in zip(slots, per_sample)})
        text, value, lhs_tex = printer.doprint(expr), self.num(total), self.tex(lhs)
        lines = [text]
        if width(f"{lhs_tex} = {text} = {value}") > LINE_WIDTH:
            lines = printer.lines(terms, LINE_WIDTH - width(lhs_tex) - 4)
            if mean and len(lines) > 1:       # \left( cannot span lines: fixed-size parentheses can
                lines = [rf"\frac{{1}}{{{len(slots)}}} \Big({lines[0]}", *lines[1:-1], rf"{lines[-1]}\Big)"]
            elif mean:
                lines = [text]
        return {"lhs": lhs_tex, "numbers": text, "value": value, "parts": [lines, [value]],
                "broken": _too_wide(lhs_tex, [[text], [value]])}


def _too_wide(lhs: str, parts: list[list[str]], tag: float = 0) -> bool:
    """Whether lhs = part = part ... (and its sample tag) is wider than a line, and so is set as an
    aligned block."""
    return tag + width(lhs + " = " + " = ".join(" ".join(part) for part in parts)) > LINE_WIDTH


def _parameter_values(graph: Graph, params: Parameters) -> dict[sp.Symbol, float]:
    table = {}
    for layer, w, b in zip(graph.layers, params.weights, params.biases):
        for j, row in enumerate(layer.connections):
            for i, c in enumerate(row):
                table[c.weight] = w[j, i]
        for k, bias in enumerate(layer.biases):
            table[bias.symbol] = b[k]
    return table


def build(spec: NetworkSpec, derivation: Derivation, values: Values, notation: str = "neuron",
          samples: str = "first") -> dict[str, Any]:
    compact = is_compact(spec, samples)
    w = _Writer(spec, derivation, values, notation, compact)
    graph = derivation.graph
    layers = graph.layers
    return {
        "compact": compact,
        "per_sample_symbol": w.per_sample_symbol,
        "heads": list(FORWARD_HEADS[notation]),
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
        matrix = _matrix(layer, lambda p: f"{w.tex(p)} = {w.num(w.param_values[p])}")
        layers.append({"index": layer.index, "units": [u.name for u in layer.units], "matrix": matrix,
                       "activation": layer_spec.activation, "activation_latex": layer.activation.latex,
                       "weights": weights, "biases": biases, "shared_bias": layer.shared_bias,
                       "is_output": layer.index == len(g.layers)})
    inputs = [{"name": u.name, "symbol": w.tex(u.out),
               "figures": [w.num(spec.inputs[s][j]) for s in w.samples]} for j, u in enumerate(g.inputs)]
    targets = [{"name": u.name, "symbol": w.tex(u.target),
                "figures": [w.num(spec.targets[s][j]) for s in w.samples]} for j, u in enumerate(g.outputs)]
    shape = [len(g.inputs)] + [len(layer.units) for layer in g.layers]
    return {"inputs": inputs, "targets": targets, "layers": layers, "shape": "-".join(map(str, shape)),
            "layout": spec.layout, "wide": max(shape) > WIDE}


def _matrix(layer: GraphLayer, text: Callable[[sp.Symbol], str]) -> dict[str, Any]:
    """A layer's parameters as a table: a row per unit, a column per input, and the bias last."""
    rows = [{"unit": unit.name, "cells": [text(c.weight) for c in row] + [text(layer.bias_of(unit).symbol)]}
            for unit, row in zip(layer.units, layer.connections)]
    return {"columns": [u.name for u in layer.inputs] + ["bias"], "rows": rows}


def _forward_layer(w: _Writer, layer: GraphLayer, depth: int) -> dict[str, Any]:
    fwd = w.values.forward
    l = layer.index - 1
    units = []
    for j, unit in enumerate(layer.units):
        units.append({
            "name": unit.name,
            "net": w.entry(j, unit.net, layer.net_exprs[j], fwd.nets[l][:, j]),
            "out": w.entry(j, unit.out, layer.out_exprs[j], fwd.outs[l][:, j]),
        })
    return {"index": layer.index, "is_output": layer.index == depth, "activation": layer.activation.name,
            "units": units}


def _error(w: _Writer) -> dict[str, Any]:
    g, fwd = w.graph, w.values.forward
    # -t ln(out) is exactly 0 where the target is 0: such cross-entropy terms are not written out
    targets = np.asarray(w.spec.targets, dtype=float)
    vanishes = (targets == 0) if w.spec.loss.function == "cross_entropy" else np.zeros_like(targets, dtype=bool)
    worked = int(np.argmin(vanishes[0]))             # the first term of sample 1 that is not 0
    units = []
    for k, (symbol, expr) in enumerate(zip(g.unit_errors, g.unit_error_exprs)):
        entry = w.entry(0 if k == worked else 1, symbol, expr, fwd.unit_errors[:, k])
        units.append(entry | {"vanishes": vanishes[:, k].tolist()})
    per_sample = fwd.unit_errors.sum(axis=1)
    total = w.equation(g.total, sp.Add(*g.unit_errors, evaluate=False), per_sample)
    return {"units": units, "worked": worked, "vanishing": bool(vanishes.any()), "total": total,
            "reduction": w.reduction(g.total, per_sample, fwd.loss), "value": w.num(fwd.loss)}


def _backward_layer(w: _Writer, derivation: Derivation, layer: GraphLayer) -> dict[str, Any]:
    g = w.graph
    l = layer.index - 1
    factors = w.values.factors[l]
    records = derivation.layers[l]
    is_output = layer.index == len(g.layers)
    first_param = derivation.layer_params(layer.index)[0]
    deltas = [w.entry(j, r.unit.delta, r.delta, factors.delta[:, j]) for j, r in enumerate(records)]
    # a compact document tables the gradients instead of writing each one out
    params = [] if w.compact else [_param(w, p) for p in derivation.layer_params(layer.index)]
    return {
        "gradients": _matrix(layer, lambda p: w.num(w.gradients[p])),
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
    # An output rounded to 0 or 1 makes the factors 0/0 or infinite in floating point: the fused delta
    # (the numbers' own stable form) then stands for them.
    by_factor = elementwise and not factors.fused[:, 0].any()
    chain = [d_E_out, d_out_net, d_net_p] if by_factor else [d_E_net, d_net_p]
    factor_values = ([factors.d_out[:, 0], factors.d_act[:, 0], source_values] if by_factor
                     else [factors.delta[:, 0], source_values])
    extras = [{f: v[s] for f, v in zip(chain, factor_values)} for s in w.samples]
    product = sp.Mul(*chain, evaluate=False)
    per_sample = factors.delta[:, 0] * source_values
    worked: dict[str, Any] = {
        "param": w.tex(param.symbol),
        "unit": unit.name,
        "chain": w.statement(partial(g.total, param.symbol), product),
        "d_out": w.equation(d_E_out, record.d_out, factors.d_out[:, 0]) if by_factor else None,
        "d_act": w.equation(d_out_net, record.d_act, factors.d_act[:, 0]) if by_factor else None,
        "fused": (w.equation(d_E_net, record.delta, factors.delta[:, 0]) if elementwise and not by_factor
                  else None),
        "saturated": [w.stex(d_E_out), w.stex(d_out_net)],
        "out_definition": {"lhs": w.stex(unit.out), "formula": w.stex(layer.out_exprs[0])},
        "net_definition": {"lhs": w.stex(unit.net), "formula": w.stex(layer.net_exprs[0])},
        "d_net": w.equation(d_net_p, param.d_net, source_values),
        "product": {**w.equation(partial(g.total, param.symbol), product, per_sample, extras),
                    "reduction": w.reduction(partial(g.total, param.symbol), per_sample,
                                             per_sample.sum() * w.values.scale)},
    }
    if record.paths:
        worked["paths"] = _paths(w, record, factors)
    if unit.target is not None:
        worked["loss_expansion"] = w.statement(g.total, sp.Add(*g.unit_error_exprs, evaluate=False))
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
            "sum": w.statement(partial(g.total, unit.out), sum_lhs)}


def _softmax_chain(w: _Writer, layer: GraphLayer, record: UnitRecord, factors) -> dict[str, Any]:
    """dE/dnet_j = sum_k dE/dout_k * dout_k/dnet_j through the softmax Jacobian."""
    g, unit = w.graph, record.unit
    terms = sp.Add(*[_mul(partial(g.total, u.out), partial(u.out, unit.net)) for u in layer.units], evaluate=False)
    jacobian = [w.equation(partial(u.out, unit.net), record.jacobian[k], factors.jacobian[:, k, unit.index])
                for k, u in enumerate(layer.units)]
    return {
        "sum": w.statement(partial(g.total, unit.net), terms),
        "jacobian": jacobian,
        # with an output rounded to 0 or 1 the unfused chain's numbers are 0/0: only the fused form is shown
        "chain": (None if factors.fused[:, unit.index].any() else
                  w.equation(partial(g.total, unit.net), record.delta_chain, factors.delta[:, unit.index])),
        "cancelled": (w.equation(partial(g.total, unit.net), record.delta, factors.delta[:, unit.index])
                      if record.cancellation is not None else None),
        "condition": record.cancellation,
    }


def _delta_definition(w: _Writer, record: UnitRecord) -> dict[str, Any]:
    g, unit = w.graph, record.unit
    chain = (_mul(partial(g.total, unit.out), partial(unit.out, unit.net)) if record.jacobian is None
             else sp.Add(*[_mul(partial(g.total, u.out), partial(u.out, unit.net))
                           for u in _layer_units(g, unit)], evaluate=False))
    return {"lhs": w.stex(unit.delta), "chain": w.stex(chain), "partial": w.stex(partial(g.total, unit.net)),
            "chain_formula": w.stex(record.delta_chain), "formula": w.stex(record.delta),
            "definition": w.statement(unit.delta, chain, partial(g.total, unit.net)),
            "expansion": w.statement(unit.delta, record.delta_chain, record.delta),
            "cancellation": record.cancellation}


def _layer_units(g: Graph, unit: Unit) -> tuple[Unit, ...]:
    return g.layers[unit.layer - 1].units


def _param(w: _Writer, param: ParamRecord) -> dict[str, Any]:
    l = param.layer - 1
    factors = w.values.factors[l]
    per_sample = sum(factors.delta[:, u.index] for u in param.units) * _source_values(w, param, l)
    if param.bias is not None and shared_bias_gradient_is_zero(w.spec, w.graph.layers[l]):
        per_sample = np.zeros_like(per_sample)
    total = w.gradients[param.symbol]
    equation = w.equation(partial(w.graph.total, param.symbol), param.delta_form, per_sample)
    return {**equation, "symbol": w.tex(param.symbol), "value": w.num(total),
            "reduction": w.reduction(partial(w.graph.total, param.symbol), per_sample, total),
            "is_bias": param.bias is not None}


def _updates(w: _Writer, derivation: Derivation, layer: GraphLayer) -> dict[str, Any]:
    updated = _parameter_values(w.graph, w.values.updated)
    rows = []
    worked = derivation.layer_params(layer.index)
    for param in (worked[:1] if layer.index == 1 else []) if w.compact else worked:
        if param.bias is not None and not w.spec.training.update_bias:
            continue
        gradient = partial(w.graph.total, param.symbol)
        rule = _add(param.symbol, _neg(_mul(ETA, gradient)))
        plus = sp.Symbol(f"{param.symbol.name}_plus")
        names = w.names | {plus: "{" + w.names[param.symbol] + "}^{+}"}
        numbers = NotationPrinter(names, {k: w.num(v) for k, v in
                                          (w.node_values[0] | {gradient: w.gradients[param.symbol]}).items()})
        row = {"lhs": NotationPrinter(names).doprint(plus), "formula": w.tex(rule),
               "numbers": numbers.doprint(rule), "value": w.num(updated[param.symbol])}
        parts = [[row["formula"]], [row["numbers"]], [row["value"]]]
        rows.append(row | {"parts": parts, "broken": _too_wide(row["lhs"], parts), "is_bias": param.bias is not None})
    return {"index": layer.index, "rows": rows, "matrix": _matrix(layer, lambda p: w.num(updated[p]))}


def _training(w: _Writer, values: Values) -> dict[str, Any] | None:
    t = values.training
    if t is None:
        return None
    outputs = [{"name": u.name, "symbol": w.tex(u.out), "figures": [w.num(t.outputs[s, j]) for s in w.samples],
                "targets": [w.num(w.spec.targets[s][j]) for s in w.samples]} for j, u in enumerate(w.graph.outputs)]
    return {"iterations": t.iterations, "loss": w.num(t.loss), "initial_loss": w.num(t.history[0]),
            "outputs": outputs, "planned": w.spec.training.iterations, "stopped_at": t.stopped_at,
            "stop_reason": t.stop_reason}


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
