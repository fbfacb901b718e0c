"""Exact LaTeX fragments of the neuron notation printer."""

import pytest
import sympy as sp

from derive.core.units import build
from derive.present.notation import NotationPrinter, format_number, partial
from derive.present.unit_notations import input_latex, neuron_names
from derive.rules.losses import LOSSES
import derive
from helpers import MAZUR

GRAPH = build(derive.from_dict(MAZUR))
NAMES = neuron_names(GRAPH)
H1, O1 = GRAPH.layers[0].units[0], GRAPH.outputs[0]
W5 = GRAPH.layers[1].connections[0][0].weight


def tex(expr, values=None):
    return NotationPrinter(NAMES, values).doprint(expr)


@pytest.mark.parametrize("expr,expected", [
    (H1.out, "out_{h1}"),
    (O1.net, "net_{o1}"),
    (O1.target, "target_{o1}"),
    (O1.delta, r"\delta_{o1}"),
    (W5, "w_{5}"),
    (GRAPH.total, "E_{total}"),
    (GRAPH.inputs[0].out, "i_{1}"),
    (partial(GRAPH.total, W5), r"\frac{\partial E_{total}}{\partial w_{5}}"),
    (GRAPH.layers[1].net_exprs[0], r"w_{5} \cdot out_{h1} + w_{6} \cdot out_{h2} + b_{2} \cdot 1"),
    (GRAPH.layers[1].out_exprs[0], r"\frac{1}{1 + e^{- net_{o1}}}"),
    (GRAPH.unit_error_exprs[0], r"\frac{1}{2} \left(target_{o1} - out_{o1}\right)^{2}"),
    (LOSSES["half_sse"].derivative(O1.target, O1.out), "- (target_{o1} - out_{o1})"),
    (LOSSES["cross_entropy"].unit(O1.target, O1.out), r"- target_{o1} \cdot \ln{\left(out_{o1} \right)}"),
])
def test_symbolic_fragments(expr, expected):
    assert tex(expr) == expected


def test_factor_order_is_kept():
    chain = sp.Mul(partial(GRAPH.total, O1.out), partial(O1.out, O1.net), partial(O1.net, W5), evaluate=False)
    assert tex(chain) == (r"\frac{\partial E_{total}}{\partial out_{o1}} \cdot \frac{\partial out_{o1}}{\partial net_{o1}}"
                          r" \cdot \frac{\partial net_{o1}}{\partial w_{5}}")


def test_values_replace_symbols_and_negative_numbers_get_parentheses():
    expr = GRAPH.layers[1].net_exprs[0]
    values = {W5: "0.4", H1.out: "-0.59", GRAPH.layers[1].connections[0][1].weight: "0.45",
              GRAPH.layers[1].units[0].net: "1", GRAPH.layers[0].units[1].out: "0.6",
              GRAPH.layers[1].biases[0].symbol: "0.6"}
    assert tex(expr, values) == r"0.4 \cdot \left(-0.59\right) + 0.45 \cdot 0.6 + 0.6 \cdot 1"


def test_unknown_symbol_fails_loudly():
    with pytest.raises(ValueError, match="no notation for symbol 'zeta'"):
        tex(sp.Symbol("zeta"))


@pytest.mark.parametrize("value,expected", [
    (0.593269992, "0.593269992"), (0.7413650700000001, "0.74136507"), (3.51018778e-05, r"3.51018778 \times 10^{-5}"),
    (-0.0190491183, "-0.0190491183"), (0.5, "0.5"), (-0.0, "0"), (12345678901.0, r"1.23456789 \times 10^{10}"),
])
def test_number_format_uses_significant_digits(value, expected):
    assert format_number(value, 9) == expected


@pytest.mark.parametrize("name,expected", [("i1", "i_{1}"), ("x12", "x_{12}"), ("age", "age"), ("h1x", "h1x")])
def test_input_names(name, expected):
    assert input_latex(name) == expected
