"""Unit-level naming schemes: neuron (seed 003) and index (Nielsen's book), with their symbol tables.

A scheme maps every symbol of the graph to LaTeX; its table states the notation once in a document.
"""

from __future__ import annotations

import re

import sympy as sp

from ..core.index_equations import Features, equations
from ..core.units import Graph
from ..rules import penalty
from .index_printer import index_latex

ETA = sp.Symbol("eta")
TRAILING_DIGITS = re.compile(r"([A-Za-z]+?)([0-9]+)")


def _names(graph: Graph, total: str, inputs, out, net, delta, target, weight, bias, error, mask) -> dict[sp.Basic, str]:
    """Walk the graph once; each argument after `total` formats one kind of symbol."""
    names: dict[sp.Basic, str] = {graph.total: total, ETA: r"\eta"}
    if graph.l2:
        names |= {penalty.LAMBDA: penalty.LATEX, penalty.COST: "J"}
    for unit in graph.inputs:
        names[unit.out] = inputs(unit)
    for layer in graph.layers:
        for unit in layer.units:
            names[unit.out], names[unit.net], names[unit.delta] = out(unit), net(unit), delta(unit)
            if unit.target is not None:
                names[unit.target] = target(unit)
            if unit.mask is not None:
                names[unit.mask] = mask(unit)
        for row in layer.connections:
            for c in row:
                names[c.weight] = weight(c)
        for b in layer.biases:
            names[b.symbol] = bias(layer, b)
    for symbol, unit in zip(graph.unit_errors, graph.outputs):
        names[symbol] = error(unit)
    return names


def neuron_names(graph: Graph) -> dict[sp.Basic, str]:
    """Seed 003: w_{5}, net_{h1}, out_{h1}, target_{o1}, \\delta_{o1}, E_{o1}, E_{total}; inputs by name."""
    return _names(
        graph, "E_{total}", inputs=lambda u: input_latex(u.name), out=lambda u: f"out_{{{u.name}}}",
        net=lambda u: f"net_{{{u.name}}}", delta=lambda u: rf"\delta_{{{u.name}}}",
        target=lambda u: f"target_{{{u.name}}}", weight=lambda c: f"w_{{{c.number}}}",
        bias=lambda layer, b: f"b_{{{layer.index}}}" if layer.shared_bias else f"b_{{{b.units[0].name}}}",
        error=lambda u: f"E_{{{u.name}}}", mask=lambda u: f"m_{{{u.name}}}")


def index_names(graph: Graph) -> dict[sp.Basic, str]:
    """Nielsen: w^{l}_{jk} (unit k of layer l-1 to unit j of layer l), b^{l}_{j}, z^{l}_{j}, a^{l}_{j}, C."""
    return _names(
        graph, "C", inputs=lambda u: f"x_{{{u.index + 1}}}", out=lambda u: f"a^{{{u.layer}}}_{{{u.index + 1}}}",
        net=lambda u: f"z^{{{u.layer}}}_{{{u.index + 1}}}", delta=lambda u: rf"\delta^{{{u.layer}}}_{{{u.index + 1}}}",
        target=lambda u: f"y_{{{u.index + 1}}}",
        weight=lambda c: f"w^{{{c.dest.layer}}}_{{{c.dest.index + 1}{c.source.index + 1}}}",
        bias=lambda layer, b: f"b^{{{layer.index}}}" if layer.shared_bias else f"b^{{{layer.index}}}_{{{b.units[0].index + 1}}}",
        error=lambda u: f"C_{{{u.index + 1}}}", mask=lambda u: f"m^{{{u.layer}}}_{{{u.index + 1}}}")


def input_latex(name: str) -> str:
    """i1 -> i_{1}; a name without trailing digits prints as it is."""
    match = TRAILING_DIGITS.fullmatch(name)
    return f"{match.group(1)}_{{{match.group(2)}}}" if match else name


SCHEMES = {"neuron": neuron_names, "index": index_names}
# The names of a unit's net input and output, for table headings.
FORWARD_HEADS = {"neuron": ("net", "out"), "index": ("z", "a")}

TABLES = {
    "neuron": [
        ("w_{k}", "a weight, numbered row by row: the first joins the first input to the first unit of layer 1"),
        ("b_{l}, b_{u}", "the bias of layer l (shared by its units) or of unit u"),
        ("net_{u}, out_{u}", "the net input and the output of unit u"),
        ("m_{u}, p", "unit u's dropout mask (1 kept, 0 dropped), and the probability p of dropping a unit of its "
                     "layer: a kept unit's output is scaled by 1/(1 - p)"),
        ("target_{o}, E_{o}", "the target and the error of output unit o"),
        ("E_{total}", "the total error"),
        (r"\delta_{u}", "the node delta of unit u: the derivative of the total error by its net input"),
        (r"\eta", "the learning rate"),
    ],
    "index": [
        ("w^{l}_{jk}", "the weight from unit k of layer l - 1 to unit j of layer l"),
        ("b^{l}_{j}, b^{l}", "the bias of unit j of layer l, or of the whole layer"),
        ("z^{l}_{j}, a^{l}_{j}", "the weighted input and the activation of unit j of layer l"),
        ("m^{l}_{j}, p^{l}", "the dropout mask of unit j of layer l (1 kept, 0 dropped), and the probability of "
                             "dropping a unit of layer l: a kept unit's activation is scaled by 1/(1 - p) with its layer's p (a layer without "
                             "dropout has m = 1, p = 0)"),
        (r"\frac{\partial C}{\partial a^{l}_{j}}", "the derivative of the cost by the activation of unit j of layer l: "
                                                 "the next layer's errors through its weights and, where a skip connection "
                                                 "adds this activation to a later layer's, that activation's own derivative"),
        ("x_{k}", "input k"),
        ("y_{j}, C_{j}", "the target and the cost of output j"),
        ("C", "the cost"),
        (r"\delta^{l}_{j}", "the error of unit j of layer l: the derivative of the cost by its weighted input"),
        (r"\eta", "the learning rate"),
    ],
}
# the rows of TABLES about biases: left out for a network without any
BIAS_ROWS = {TABLES["neuron"][1][0], TABLES["index"][1][0]}
# the rows about dropout: left out for a network without it
MASK_ROWS = {TABLES["neuron"][3][0], TABLES["index"][3][0]}
# the index notation's row about skip connections: left out for a network without them
SKIP_ROWS = {TABLES["index"][4][0]}

def four_equations(output_latex: str | None, hidden_latex: str | None, shared_bias: bool,
                   hidden: bool = True, biases: bool = True, dropout: bool = False,
                   skip: bool = False) -> list[tuple[str, str | None]]:
    """Nielsen's four equations, written with this network's activations (output_latex None: softmax;
    hidden_latex None: hidden layers of different activations, each layer's g_l), as the index walk
    over a generic network gives them (core/index_equations.py). Without a hidden layer BP2 has
    nothing to say and its form is None; without biases, BP3."""
    found = equations(Features(output_latex, hidden_latex, shared_bias, dropout, skip))
    shown = {"BP1": found.bp1(), "BP2": found.bp2() if hidden else None, "BP3": found.bp3() if biases else None,
             "BP4": found.bp4()}
    return [(name, None if sides is None else f"{index_latex(sides[0])} = {index_latex(sides[1])}")
            for name, sides in shown.items()]
