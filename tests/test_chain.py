"""Closed forms from the chain records equal SymPy's direct diff of the fully expanded loss."""

import random

import pytest
import sympy as sp

import derive
from derive.core.chain import closed_form, delta_closed_forms
from derive.core.partials import Partials
from derive.core.units import node_values
from helpers import MAZUR, names_of, run
from oracles import random_spec, sympy_loss

SMALL = {
    "mazur": MAZUR,
    "tanh-relu-1-2-1": {"input": {"values": [0.3]}, "target": {"values": [0.2]},
                        "layers": [{"units": 2, "activation": "tanh", "weights": [[0.5], [-0.4]], "bias": [0.1, 0.2]},
                                   {"units": 1, "activation": "relu", "weights": [[0.7, 0.3]], "bias": 0.4}],
                        "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}},
    "leaky-linear-row": {"layout": "row", "input": {"values": [0.3, -0.2]}, "target": {"values": [0.2]},
                         "layers": [{"units": 2, "activation": "leaky_relu", "weights": [[0.5, -0.6], [-0.4, 0.2]],
                                     "bias": 0.1},
                                    {"units": 1, "activation": "linear", "weights": [[0.7], [0.3]], "bias": 0.4}],
                         "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}},
    "softmax-ce": {"input": {"values": [0.3, 0.8]}, "target": {"values": [0.2, 0.5, 0.3]},
                   "layers": [{"units": 2, "activation": "sigmoid", "weights": [[0.5, 0.1], [-0.4, 0.2]], "bias": 0.1},
                              {"units": 3, "activation": "softmax", "weights": [[0.7, 0.3], [0.1, -0.2], [0.4, 0.4]],
                               "bias": [0.1, 0.0, -0.1]}],
                   "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1}},
    "softmax-sse": {"input": {"values": [0.3]}, "target": {"values": [0.2, 0.8]},
                    "layers": [{"units": 2, "activation": "softmax", "weights": [[0.5], [-0.4]], "bias": 0.1}],
                    "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}},
    "sigmoid-bce-deep": {"input": {"values": [0.3, 0.1]}, "target": {"values": [1.0, 0.0]},
                         "layers": [{"units": 2, "activation": "tanh", "weights": [[0.5, 0.2], [-0.4, 0.3]], "bias": 0.1},
                                    {"units": 2, "activation": "sigmoid", "weights": [[0.2, 0.6], [0.3, -0.5]], "bias": 0.2},
                                    {"units": 2, "activation": "sigmoid", "weights": [[0.7, 0.3], [0.1, 0.9]], "bias": 0.4}],
                         "loss": {"function": "binary_cross_entropy"}, "training": {"learning_rate": 0.1}},
    "sigmoid-ce": {"input": {"values": [0.3]}, "target": {"values": [0.4, 0.6]},
                   "layers": [{"units": 2, "activation": "sigmoid", "weights": [[0.5], [-0.4]], "bias": 0.1}],
                   "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1}},
}


def _expanded_closed_forms(result):
    derivation = result.derivation
    forms = delta_closed_forms(derivation)
    values = node_values(derivation.graph)
    return {p: closed_form(derivation, p, forms).doit().xreplace(values) for p in derivation.graph.parameters}


def _point(symbols, rng, loss_name):
    """Random values, exact targets that sum to 1 for cross-entropy."""
    point = {s: sp.Float(rng.uniform(-1.2, 1.2), 30) for s in symbols}
    targets = [s for s in symbols if s.name.startswith("target_")]
    raw = [rng.randint(1, 9) for _ in targets]
    for s, v in zip(targets, raw):
        point[s] = sp.Rational(v, sum(raw)) if loss_name == "cross_entropy" else sp.Rational(v, 10)
    return point


def _expanded_partials(result):
    """dE/dparam by core.partials (the chain rule over the node definitions, any node by any other)."""
    partials = Partials(result.derivation)
    values = node_values(result.derivation.graph)
    return {p: partials.partial(result.derivation.graph.total, p).doit().xreplace(values)
            for p in result.derivation.graph.parameters}


def _assert_agree(spec, result, label, points=3, forms=_expanded_closed_forms):
    oracle = sympy_loss(spec, names_of(result))
    closed = forms(result)
    symbols = sorted(oracle.free_symbols | set().union(*(c.free_symbols for c in closed.values())), key=str)
    rng = random.Random(label)
    for _ in range(points):
        point = _point(symbols, rng, spec["loss"]["function"])
        for param, form in closed.items():
            direct = sp.diff(oracle, param).xreplace(point).evalf(30)
            ours = form.xreplace(point).evalf(30)
            assert abs(direct - ours) <= sp.Float("1e-25") * max(1, abs(direct)), (label, param)


@pytest.mark.parametrize("name", list(SMALL))
def test_closed_forms_equal_direct_diff_of_expanded_loss(name):
    _assert_agree(SMALL[name], run(SMALL[name]), name)


@pytest.mark.parametrize("name", list(SMALL))
def test_any_node_partials_equal_direct_diff_of_expanded_loss(name):
    _assert_agree(SMALL[name], run(SMALL[name]), name, points=2, forms=_expanded_partials)


def test_any_node_partials_between_inner_nodes():
    """dout_o1/dnet_h1 and dnet_o2/dw1: the sum over every path between two inner nodes, and 0
    where one does not depend on the other."""
    result = run(MAZUR)
    partials = Partials(result.derivation)
    graph = result.derivation.graph
    h1, o1 = graph.layers[0].units[0], graph.layers[1].units[0]
    values = node_values(graph)
    by_hand = sp.diff(values[o1.out], sp.Symbol("w1", real=True))
    ours = partials.partial(o1.out, sp.Symbol("w1", real=True)).doit().xreplace(values)
    point = {x: sp.Float(0.1 * k + 0.05, 30) for k, x in enumerate(sorted(by_hand.free_symbols, key=str))}
    assert abs((ours - by_hand).xreplace(point).evalf(30)) < 1e-25
    assert partials.partial(h1.out, sp.Symbol("w5", real=True)) == 0
    assert partials.partial(o1.out, h1.net) != 0 and partials.depends(o1.out, h1.net)


def test_closed_form_is_symbolically_identical_for_a_single_sigmoid_unit():
    spec = {"input": {"values": [0.5]}, "target": {"values": [0.25]},
            "layers": [{"units": 1, "activation": "sigmoid", "weights": [[0.1]], "bias": 0.2},
                       {"units": 1, "activation": "sigmoid", "weights": [[0.3]], "bias": 0.4}],
            "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}
    result = run(spec)
    oracle = sympy_loss(spec, names_of(result))
    for param, form in _expanded_closed_forms(result).items():
        assert sp.simplify(sp.diff(oracle, param) - form) == 0, param


@pytest.mark.parametrize("seed", range(6))
def test_closed_forms_of_random_small_networks(seed):
    spec = random_spec(seed)
    _assert_agree(spec, run(spec), f"random-{seed}", points=1)


def test_hidden_unit_sums_over_every_path():
    result = run(MAZUR)
    record = result.derivation.layers[0][0]
    assert [p.via.name for p in record.paths] == ["o1", "o2"]
    assert [p.connection.number for p in record.paths] == [5, 7]


def test_shared_bias_gradient_is_the_sum_over_the_layer():
    result = run(MAZUR)
    b2 = sp.Symbol("b2", real=True)
    graph = result.derivation.graph
    assert result.derivation.param(b2).delta_form == sp.Add(*[u.delta for u in graph.outputs])


@pytest.mark.parametrize("name", [*SMALL, "dropout", "residual", "l2"])
def test_rule_rows_local_slopes_equal_diff_of_each_definition(name):
    """Derivation.local (an activation's or a loss's row) = sp.diff of the node's own definition,
    at points where every node has its value (out = g(net)): the table verify's chain rule uses."""
    result = run(SMALL[name]) if name in SMALL else derive.derive(derive.load(name))
    graph = result.derivation.graph
    definitions = {u.out: out for layer in graph.layers for u, out in zip(layer.units, layer.out_exprs)}
    definitions |= dict(zip(graph.unit_errors, graph.unit_error_exprs))
    values = node_values(graph)
    rng = random.Random(name)
    locals_ = result.derivation._row_slopes
    assert {node for node, _ in locals_} == set(definitions) - {u.out for layer in graph.layers
                                                               for u in layer.units if layer.activation.name == "g"}
    for _ in range(2):
        symbols = set().union(*(v.free_symbols for v in values.values()), *(e.free_symbols for e in definitions.values()))
        point = _point(sorted(symbols - set(values), key=str), rng, graph.loss.name)
        point |= {s: v.xreplace(point) for s, v in values.items()}
        for (node, x), slope in locals_.items():
            direct = sp.diff(definitions[node], x).xreplace(point).evalf(30)
            assert abs(slope.xreplace(point).evalf(30) - direct) <= sp.Float("1e-25") * max(1, abs(direct)), (node, x)
