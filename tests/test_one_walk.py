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
from derive.core.matrix_level import local
from derive.core.pending import Chain
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


@pytest.mark.parametrize("preset", ["mazur", "residual", "dropout", "l2", "no_bias", "batch4"])
def test_the_layer_records_are_the_matrix_walks_adjoints(preset):
    spec = derive.load(preset)
    graph = lower(spec)
    level = matrix_level(spec, graph)
    found = reverse(graph, level)
    layered = derive_layers(spec)
    nodes = {node.name: node for node in graph.nodes}
    for record in layered.layers:
        assert record.grad_W == found.adjoints[nodes[f"W{record.index}"]]
        if record.b is not None:
            assert record.grad_b == found.adjoints[nodes[f"b{record.index}"]]
        assert record.delta == found.adjoints[nodes[f"Z{record.index}"]]
        term = found.terms[nodes[f"Z{record.index}"]][0].value
        assert record.delta_expr == (term.delta if not isinstance(term, Chain) else record.steps[-1].rhs)


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
def test_every_matrix_term_evaluated_equals_the_kernels_term(spec):
    """Each parameter's and each net input's matrix-level terms, at the forward pass's values and with
    the named adjoints (δ, dℒ/dA) given the kernels' values, equal the numeric walk's, to 1e-12.
    The matrix adjoints are of ℒ, the sum of the losses; the kernels' are of J = scale ℒ (+ penalty)."""
    graph = lower(spec)
    level = matrix_level(spec, graph)
    given = {"X": spec.inputs, "Y": spec.targets}
    document = json.loads(derive.render(derive.derive(spec), "json"))
    for name, value in document["parameters"].items():
        value = np.asarray(value, dtype=float)
        given[name] = value.T if name.startswith("W") and spec.layout == "row" else value
    values = walk.forward(graph, given)
    numeric = reverse(graph, NumericLevel(values))
    matrix = reverse(graph, level)
    numbers = _numbers(spec, graph, values, level)
    scale = 1 / spec.samples if spec.loss.reduction == "mean" else 1.0
    for node, name in level.names.items():           # the named adjoints: of ℒ, so the kernels' over scale
        if node not in numeric.adjoints:             # the output, which the fused step passes over
            continue
        array = np.asarray(numeric.adjoints[node], dtype=float) / scale
        numbers[name] = ImmutableMatrix(array.T if spec.layout == "column" else array)
    for node in graph.of_kind(Kind.PARAMETER):
        expected = np.asarray(numeric.adjoints[node], dtype=float)
        found = _explicit(matrix.adjoints[node], numbers, spec.samples)
        if node.name.startswith("W"):
            found = found.T if spec.layout == "row" else found
        assert np.allclose(found.reshape(expected.shape), expected, rtol=1e-12, atol=1e-14), node.name
    for node in graph.nodes:
        if node.name.startswith("Z") and node in matrix.terms:
            term = matrix.terms[node][0].value
            form = sp.HadamardProduct(term.upstream, local(term)) if isinstance(term, Chain) else term.delta
            found = _explicit(form, numbers, spec.samples)
            expected = np.asarray(numeric.adjoints[node], dtype=float) / scale
            found = found.T if spec.layout == "column" else found
            assert np.allclose(found, expected, rtol=1e-12, atol=1e-12), node.name


@pytest.mark.parametrize("preset", ["mazur", "residual", "dropout", "l2", "no_bias", "khanal"])
def test_the_unit_records_are_the_unit_walks_terms(preset):
    """A hidden unit's paths are its output's terms, one per consumer (each unit it feeds, each
    layer a skip joins); its δ is named; a weight's delta form and its penalty are the weight's terms."""
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
    """Deriving a Result walks the tensor graph once per level (units, matrices), with the same walk
    function that computes the kernels' gradients."""
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

    lowered = {a.op for name in derive.preset_names() for a in lower(derive.load(name)).applications}
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
