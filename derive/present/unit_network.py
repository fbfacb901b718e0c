"""The unit documents' account of the network: the notation table, the data (inputs, targets and
dropout masks, per sample) and each layer's parameters as a table."""

from __future__ import annotations

from typing import Any, Callable

import sympy as sp

from ..core.units import GraphLayer
from ..spec.load import NetworkSpec
from . import penalty_context
from .unit_notations import BIAS_ROWS, MASK_ROWS, SKIP_ROWS, TABLES
from .writer import WIDE, Writer


def symbols(w: Writer, notation: str) -> list[dict[str, str]]:
    """The notation table (without its bias row for a network without biases); a compact batch
    document tells the batch's error from a sample's own."""
    total, rows, biases = w.tex(w.graph.total), [], any(layer.biases for layer in w.graph.layers)
    for symbol, meaning in TABLES[notation]:
        if symbol in BIAS_ROWS and not biases or symbol in MASK_ROWS and not w.graph.masks or \
                symbol in SKIP_ROWS and not any(layer.skip for layer in w.graph.layers):
            continue
        if symbol == total and w.per_sample_symbol:
            symbol = f"{total}, {total}^{{(s)}}"
            meaning = f"{meaning}: the batch's (the {w.spec.loss.reduction} over its samples), and sample s's alone"
        rows.append({"symbol": symbol, "meaning": meaning})
    return rows + penalty_context.symbols(w)


def network(w: Writer, spec: NetworkSpec) -> dict[str, Any]:
    g = w.graph
    layers = []
    for layer, layer_spec in zip(g.layers, spec.layers):
        weights = [{"symbol": w.tex(c.weight), "source": c.source.name, "dest": c.dest.name,
                    "value": w.num(w.param_values[c.weight])} for row in layer.connections for c in row]
        biases = [{"symbol": w.tex(b.symbol), "units": [u.name for u in b.units],
                   "value": w.num(w.param_values[b.symbol])} for b in layer.biases]
        matrix = parameter_table(layer, lambda p: f"{w.tex(p)} = {w.num(w.param_values[p])}")
        layers.append({"index": layer.index, "units": [u.name for u in layer.units], "matrix": matrix,
                       "activation": layer_spec.activation, "activation_latex": layer.activation.latex,
                       "weights": weights, "biases": biases, "shared_bias": layer.shared_bias,
                       "is_output": layer.index == len(g.layers),
                       "dropout": w.num(layer_spec.dropout) if layer_spec.dropout else None,
                       "skip": None if layer_spec.skip is None else "the inputs" if layer_spec.skip == 0
                       else f"layer {layer_spec.skip}"})
    inputs = [{"name": u.name, "symbol": w.tex(u.out),
               "figures": [w.num(spec.inputs[s][j]) for s in w.samples]} for j, u in enumerate(g.inputs)]
    targets = [{"name": u.name, "symbol": w.tex(u.target),
                "figures": [w.num(spec.targets[s][j]) for s in w.samples]} for j, u in enumerate(g.outputs)]
    masks = [{"name": u.name, "symbol": w.tex(u.mask), "figures": [w.num(layer_spec.kept(s)[j]) for s in w.samples]}
             for layer, layer_spec in zip(g.layers, spec.layers) for j, u in enumerate(layer.units) if u.mask is not None]
    shape = [len(g.inputs)] + [len(layer.units) for layer in g.layers]
    return {"inputs": inputs, "targets": targets, "masks": masks, "layers": layers, "shape": "-".join(map(str, shape)),
            "layout": spec.layout, "wide": max(shape) > WIDE}


def parameter_table(layer: GraphLayer, text: Callable[[sp.Symbol], str]) -> dict[str, Any]:
    """A layer's parameters as a table: a row per unit, a column per input, and the bias last."""
    biased = bool(layer.biases)
    rows = [{"unit": unit.name, "cells": [text(c.weight) for c in row] + ([text(layer.bias_of(unit).symbol)] if biased else [])}
            for unit, row in zip(layer.units, layer.connections)]
    return {"columns": [u.name for u in layer.inputs] + ["bias"] * biased, "rows": rows}
