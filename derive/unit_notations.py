"""Unit-level naming schemes: neuron (seed 003) and index (Nielsen's book), with their symbol tables.

A scheme maps every symbol of the graph to LaTeX; its table states the notation once in a document.
"""

from __future__ import annotations

import sympy as sp

from .graph import Graph
from .notation import neuron_names

ETA = sp.Symbol("eta")


def index_names(graph: Graph) -> dict[sp.Basic, str]:
    """w^{l}_{jk} (unit k of layer l-1 to unit j of layer l), b^{l}_{j}, z^{l}_{j}, a^{l}_{j}, δ^{l}_{j}, C, y_{j}."""
    names: dict[sp.Basic, str] = {graph.total: "C", ETA: r"\eta"}
    for unit in graph.inputs:
        names[unit.out] = f"x_{{{unit.index + 1}}}"
    for layer in graph.layers:
        l = layer.index
        for unit in layer.units:
            j = unit.index + 1
            names[unit.out] = f"a^{{{l}}}_{{{j}}}"
            names[unit.net] = f"z^{{{l}}}_{{{j}}}"
            names[unit.delta] = rf"\delta^{{{l}}}_{{{j}}}"
            if unit.target is not None:
                names[unit.target] = f"y_{{{j}}}"
        for row in layer.connections:
            for c in row:
                names[c.weight] = f"w^{{{l}}}_{{{c.dest.index + 1}{c.source.index + 1}}}"
        for bias in layer.biases:
            names[bias.symbol] = f"b^{{{l}}}" if layer.shared_bias else f"b^{{{l}}}_{{{bias.units[0].index + 1}}}"
    for symbol, unit in zip(graph.unit_errors, graph.outputs):
        names[symbol] = f"C_{{{unit.index + 1}}}"
    return names


SCHEMES = {
    "neuron": lambda graph: neuron_names(graph) | {ETA: r"\eta"},
    "index": index_names,
}

TABLES = {
    "neuron": [
        ("w_{k}", "a weight, numbered row by row: $w_{1}$ joins the first input to the first unit of layer 1"),
        ("b_{l}, b_{u}", "the bias of layer $l$ (shared by its units) or of unit $u$"),
        ("net_{u}, out_{u}", "the net input and the output of unit $u$"),
        ("target_{o}, E_{o}", "the target and the error of output unit $o$"),
        ("E_{total}", "the total error"),
        (r"\delta_{u}", r"$\partial E_{total} / \partial net_{u}$, the node delta of unit $u$"),
        (r"\eta", "the learning rate"),
    ],
    "index": [
        ("w^{l}_{jk}", "the weight from unit $k$ of layer $l-1$ to unit $j$ of layer $l$"),
        ("b^{l}_{j}, b^{l}", "the bias of unit $j$ of layer $l$, or of the whole layer"),
        ("z^{l}_{j}, a^{l}_{j}", "the weighted input and the activation of unit $j$ of layer $l$; $x_{k}$ is input $k$"),
        ("y_{j}, C_{j}", "the target and the cost of output $j$"),
        ("C", "the cost"),
        (r"\delta^{l}_{j}", r"$\partial C / \partial z^{l}_{j}$, the error of unit $j$ of layer $l$"),
        (r"\eta", "the learning rate"),
    ],
}

# Nielsen's four equations, for a layer with activation σ; instances follow in the document.
FOUR_EQUATIONS = [
    ("BP1", r"\delta^{L}_{j} = \frac{\partial C}{\partial a^{L}_{j}} \, \sigma'\left(z^{L}_{j}\right)"),
    ("BP2", r"\delta^{l}_{j} = \sum_{k} w^{l+1}_{kj} \, \delta^{l+1}_{k} \, \sigma'\left(z^{l}_{j}\right)"),
    ("BP3", r"\frac{\partial C}{\partial b^{l}_{j}} = \delta^{l}_{j}"),
    ("BP4", r"\frac{\partial C}{\partial w^{l}_{jk}} = a^{l-1}_{k} \, \delta^{l}_{j}"),
]
