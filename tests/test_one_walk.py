"""Issue 13, point 4: one reverse walk (derive.core.walk.reverse) gives the numbers and the matrix
form. The matrix form's records are read off the walk at the matrix level, and each of its terms,
evaluated at a forward pass's values, equals the NumPy kernels' term along the same walk."""

import json

import numpy as np
import pytest
import sympy as sp
from sympy import ImmutableMatrix, MatrixSymbol
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

import derive
from derive.core import walk
from derive.core.graph import Kind, lower
from derive.core.layers import derive_layers, matrix_level
from derive.core.matrix_forms import BATCH
from derive.core.walk import NumericLevel, reverse
from derive.rules.penalty import LAMBDA
from new_ops import random_network
from oracles import random_spec


def test_a_residual_layers_output_gets_one_term_per_consumer_in_their_order():
    spec = derive.load("residual")
    graph = lower(spec)
    found = reverse(graph, matrix_level(spec, graph))
    joined = next(a for a in graph.applications if a.op == "add")
    read = joined.inputs[1]                               # the output the skip connection adds
    assert [t.application.op for t in found.terms[read]] == [c.op for c in graph.consumers(read)]
    assert [c.op for c in graph.consumers(read)][0] == "dense" and "add" in [c.op for c in graph.consumers(read)]


def _numbers(spec, graph, values, level):
    """Each matrix symbol's value in the spec's layout (samples are columns in the column layout)."""
    numbers = {}
    for node, symbol in level.symbols.items():
        if isinstance(symbol, MatrixSymbol) and node in values:
            value = np.asarray(values[node], dtype=float)
            if node.kind == Kind.PARAMETER and node.name.startswith("W"):     # (units, inputs)
                value = value.T if spec.layout == "row" else value
            elif node.kind == Kind.PARAMETER:                                 # a bias per unit
                value = value.reshape(-1, 1) if spec.layout == "column" else value.reshape(1, -1)
            elif spec.layout == "column":
                value = value.T
            numbers[symbol] = ImmutableMatrix(value)
        elif isinstance(symbol, sp.Symbol) and node in values:       # a bias shared by the layer
            numbers[symbol] = sp.Float(float(np.asarray(values[node]).reshape(-1)[0]))
    numbers[LAMBDA] = sp.Float(spec.loss.l2)
    for application, mask in level.masks.items():
        rows = np.asarray(application.attribute("mask"), dtype=float).reshape(-1, application.output.shape[0])
        rows = np.broadcast_to(rows, np.asarray(values[application.output]).shape)
        numbers[mask] = ImmutableMatrix(rows.T if spec.layout == "column" else rows)
    return numbers


def _matrix(expr, numbers, samples) -> sp.Matrix:
    """The expression's entries: an elementwise function applied to its argument's explicit entries."""
    applied = {e: ImmutableMatrix(_matrix(e.expr, numbers, samples).applyfunc(e.function))
               for e in expr.atoms(ElementwiseApplyFunction)}
    expr = expr.xreplace(applied).xreplace(numbers).xreplace({BATCH: samples}).doit()
    return sp.Matrix(expr.as_explicit()) if hasattr(expr, "as_explicit") else sp.Matrix([[expr]])


def _explicit(expr, numbers, samples) -> np.ndarray:
    return np.array(_matrix(expr, numbers, samples).evalf(), dtype=float)


def _specs():
    yield from (derive.load(name) for name in ("mazur", "residual", "dropout", "l2", "no_bias"))
    for seed in range(6):
        yield derive.from_dict(random_network(seed, skips=bool(seed % 2)))
    for seed in range(4):
        mapping = random_spec(seed)
        yield derive.from_dict(mapping | {"loss": mapping["loss"] | {"l2": 0.1}})


@pytest.mark.parametrize("spec", list(_specs()), ids=lambda spec: spec.title[:30])
def test_every_line_of_the_matrix_form_evaluated_equals_the_kernels(spec):
    """Each layer record of derive_layers, at the forward pass's values, equals the NumPy kernels'
    adjoints (the numeric level of the same walk), to 1e-12: a hidden layer's dℒ/dA (Wᵀδ and the skip
    sums, over the next layers' named adjoints), its δ through the elementwise chain and its δ by the
    recursion (over the next δs only), the output's δ, and every parameter's gradient. The names a
    line reads get the kernels' values; the matrix adjoints are of ℒ, the kernels' of J = scale ℒ (+ P)."""
    graph = lower(spec)
    level = matrix_level(spec, graph)
    given = {"X": spec.inputs, "Y": spec.targets}
    document = json.loads(derive.render(derive.derive(spec), "json"))
    for name, value in document["parameters"].items():
        value = np.asarray(value, dtype=float)
        given[name] = value.T if name.startswith("W") and spec.layout == "row" else value
    values = walk.forward(graph, given)
    numeric = reverse(graph, NumericLevel(values)).adjoints
    numbers = _numbers(spec, graph, values, level)
    scale = 1 / spec.samples if spec.loss.reduction == "mean" else 1.0
    nodes = {node.name: node for node in graph.nodes}

    def kernels(name):                                  # an adjoint of ℒ in the spec's layout
        array = np.asarray(numeric[nodes[name]], dtype=float) / scale
        return array.T if spec.layout == "column" else array

    for node, name in level.names.items():
        if node in numeric:                             # not the output, which the fused step passes over
            numbers[name] = ImmutableMatrix(kernels(node.name))
    for record in derive_layers(spec).layers:
        l, last = record.index, record.index == len(spec.layers)
        lines = [(record.delta_expr, f"Z{l}")]
        if not last:
            lines += [(record.steps[0].rhs, f"A{l}"), (record.steps[1].rhs, f"Z{l}"), (record.steps[2].rhs, f"Z{l}")]
        for form, name in lines:
            assert np.allclose(_explicit(form, numbers, spec.samples), kernels(name), rtol=1e-12, atol=1e-12), name
        for symbol, gradient, name in [(record.W, record.grad_W, f"W{l}"), (record.b, record.grad_b, f"b{l}")]:
            if symbol is None:
                continue
            expected = np.asarray(numeric[nodes[name]], dtype=float)
            found = _explicit(gradient, numbers, spec.samples)
            found = found.T if name.startswith("W") and spec.layout == "row" else found
            assert np.allclose(found.reshape(expected.shape), expected, rtol=1e-12, atol=1e-14), name


def test_several_skips_reading_one_layer_give_its_output_one_term_each_in_layer_order():
    """Layer 1 feeds layer 2 and is added by layers 2 and 3; layer 4 adds the inputs (skip = 0). Layer
    1's units' paths are the units they feed, then one per joining layer, in layer order; the matrix
    form's dℒ/dA^{[1]} has the same consumers' terms, in the same order."""
    mapping = {"layout": "column", "input": {"values": [[0.1, -0.2]]}, "target": {"values": [[0.7]]},
               "layers": [{"units": 2, "activation": "tanh", "weights": [[0.1, 0.2], [0.3, -0.4]], "bias": 0.1},
                          {"units": 2, "activation": "tanh", "weights": [[0.5, -0.1], [0.2, 0.3]], "bias": [0.1, 0.2],
                           "skip": 1},
                          {"units": 2, "activation": "relu", "weights": [[0.4, 0.1], [-0.3, 0.2]], "bias": False,
                           "skip": 1},
                          {"units": 2, "activation": "sigmoid", "weights": [[0.2, 0.1], [0.1, 0.2]], "bias": 0.0,
                           "skip": 0},
                          {"units": 1, "activation": "sigmoid", "weights": [[0.3, -0.2]], "bias": 0.1}],
               "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}
    spec = derive.from_dict(mapping)
    derivation = derive.derive(spec).derivation
    first = derivation.layers[0]
    for record in first:
        vias = [(path.via.layer, path.skip) for path in record.paths]
        assert vias == [(2, False), (2, False), (2, True), (3, True)]
    layered = derive_layers(spec)
    through = layered.layers[0].steps[0].rhs
    assert [str(term) for term in through.args][1:] == ["dA2", "dA3"]
    assert layered.layers[3].skip == layered.X          # skip = 0 adds the inputs


@pytest.mark.parametrize("preset", ["mazur", "residual", "dropout", "l2", "no_bias", "khanal"])
def test_the_unit_records_are_the_unit_walks_terms(preset):
    """The unit records' structure is the walk's: a hidden unit's paths are its output's terms, one per
    consumer (each unit it feeds, each layer a skip joins); its δ is named; a weight's delta form and
    its penalty are the weight's terms. (Their values are held to SymPy's diff of the expanded loss by
    test_chain and to PyTorch by test_oracle_torch.)"""
    from derive.core.unit_level import UnitLevel, unit_level
    from derive.core.units import build

    spec = derive.load(preset)
    graph, tensors = build(spec), lower(spec)
    found = reverse(tensors, unit_level(graph, tensors))
    derivation = derive.derive(spec).derivation
    nodes = {node.name: node for node in tensors.nodes}
    for layer in graph.layers[:-1]:
        out = nodes[f"A{layer.index}"]
        paths = UnitLevel.paths(found.terms[out])
        consumers = tensors.consumers(out)
        for unit in layer.units:
            record = derivation.unit(unit)
            assert record.paths == paths[unit.index]
            skips = sum(1 for c in consumers if c.op == "add")
            assert len(record.paths) == len(graph.layers[layer.index].units) + skips
        assert found.adjoints[nodes[f"Z{layer.index}"]] == tuple(unit.delta for unit in layer.units)
    for record in derivation.params:
        if record.connection is not None:
            c = record.connection
            terms = found.terms[nodes[f"W{record.layer}"]]
            assert record.delta_form == terms[0].value[c.dest.index][c.source.index]
            assert (record.penalty != 0) == (len(terms) == 2)


def test_every_form_comes_from_the_one_walk(monkeypatch):
    """Deriving a Result, and rendering it in two notations and as code, walks the tensor graph once
    per level (units, matrices): the same walk function as the kernels' numeric level, which the tests
    use as the numbers' oracle (the documents' numbers come from numeric/evaluator.py)."""
    from derive.core import layers, unit_level

    calls = []
    original = walk.reverse

    def counted(graph, level):
        calls.append(type(level).__name__)
        return original(graph, level)

    monkeypatch.setattr(layers, "reverse", counted)
    monkeypatch.setattr(unit_level, "reverse", counted)
    result = derive.derive(derive.load("residual"))
    result.render("markdown", notation="layer")
    result.render("markdown")
    result.code()
    assert sorted(calls) == ["MatrixLevel", "UnitLevel"]


def test_every_op_row_has_its_rule_at_every_level():
    """One table: each op the specs lower to has its kernels, its unit rule and its matrix rule in its
    row; the loss has its fused step at each level instead of a VJP over the unit and matrix forms."""
    from derive.core.ops import OPS

    lowered = {a.op for name in derive.dense_preset_names() for a in lower(derive.load(name)).applications}
    assert lowered == set(OPS)
    for name, op in OPS.items():
        assert op.numeric.forward and op.numeric.vjp, name
        if name == "loss":
            assert op.numeric.fused and op.units.fused and op.matrices.fused
        else:
            assert op.units.vjp and op.matrices.vjp, name
    for name in ("dense", "activation", "dropout", "add"):      # the ops a layer's forward is written with
        assert OPS[name].matrices.forward is not None, name


@pytest.mark.parametrize("preset", ["mazur", "residual", "dropout"])
def test_a_layers_output_is_written_by_the_rows_forwards(preset):
    """A = g(Z), D/(1 - p) ⊙ g(Z) under dropout, g(Z) + A^{[k]} with a skip: the matrix forwards of the
    ops from Z to A, composed, and what the layer document prints."""
    from derive.core.matrix_forms import applied

    layered = derive_layers(derive.load(preset))
    for record in layered.layers:
        assert record.output.has(applied(record.activation, record.Z))
        if record.mask is not None:
            assert record.output.has(record.mask) and record.output.has(record.kept)
        if record.skip is not None:
            assert isinstance(record.output, sp.MatAdd) and record.skip in record.output.args
