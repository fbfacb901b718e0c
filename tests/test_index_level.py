"""Issue 13, points 3 and 4: the index form (δ-recursion over Indexed entries, with sums over a
layer's units) comes from the one reverse walk at the index level, from the op rows' `indices`
rules. At concrete entries, its sums written out, it is the unit form; its forward is the NumPy
kernels' forward."""

import dataclasses
import random

import numpy as np
import pytest
import sympy as sp
from sympy import Indexed

import derive
from derive.api import build_graph, derive_units
from derive.core import walk
from derive.core.graph import Kind, lower
from derive.core.index_level import index_form
from derive.core.ops import OPS
from derive.numeric.evaluator import initial_parameters
from derive.rules.activations import G
from derive.rules.penalty import LAMBDA
from new_ops import random_network
from oracles import random_spec


def _specs(with_values: bool = False):
    for name in derive.dense_preset_names():
        spec = derive.load(name)
        if spec.has_values or not with_values:
            yield name, spec
    for seed in range(15):
        yield f"random{seed}", derive.from_dict(random_spec(seed))
    for seed in range(40):
        try:
            yield f"network{seed}", derive.from_dict(random_network(seed, skips=seed % 2 == 1))
        except derive.DeriveError:
            continue


def _unit_entries(spec, derivation, graph, level):
    """Each Indexed base's entries as the unit graph's symbols (g^{l}: g(z) written over the nets)."""
    units = derivation.graph
    table = {}
    for k, unit in enumerate(units.inputs):
        table[("x", k)] = unit.out
    for layer in units.layers:
        l, nets = layer.index, [u.net for u in layer.units]
        for j, unit in enumerate(layer.units):
            table |= {(f"z^{{{l}}}", j): unit.net, (f"a^{{{l}}}", j): unit.out, (f"delta^{{{l}}}", j): unit.delta,
                      (f"g^{{{l}}}", j): layer.activation.forward(nets, j)}
            if unit.target is not None:
                table[("y", j)] = unit.target
            if unit.mask is not None:
                table[(f"m^{{{l}}}", j)] = unit.mask
        for j, row in enumerate(layer.connections):
            for k, c in enumerate(row):
                assert (c.dest.index, c.source.index) == (j, k)
                table[(f"w^{{{l}}}", j, k)] = c.weight
        for bias in layer.biases:
            if len(bias.units) > 1:
                table[(f"b^{{{l}}}",)] = bias.symbol
            else:
                table[(f"b^{{{l}}}", bias.units[0].index)] = bias.symbol
    return table


def _at(expr, indices: dict, table: dict) -> sp.Expr:
    """The expression at concrete indices, its sums written out, over the unit graph's symbols."""
    concrete = expr.xreplace(indices).doit()
    entries = {e: table[(str(e.base), *map(int, e.indices))] for e in concrete.atoms(Indexed)}
    entries |= {s: table[(s.name,)] for s in concrete.free_symbols if (s.name,) in table}
    return concrete.xreplace(entries)


_X = sp.Symbol("x")


def _equal(left: sp.Expr, right: sp.Expr, rng: random.Random) -> bool:
    """Equal at random values of every symbol (masks 0 or 1, every value away from a kink)."""
    # a spec without numbers writes the generic g: one concrete function for both sides
    left, right = (side.replace(G, sp.Lambda(_X, sp.sin(_X) + _X ** 3)).doit() for side in (left, right))
    symbols = sorted(left.free_symbols | right.free_symbols, key=str)
    for _ in range(3):
        values = {s: sp.Float(rng.choice([0, 1]) if s.name.startswith("m") else rng.uniform(0.1, 0.9)) for s in symbols}
        a, b = complex(sp.N(left.xreplace(values), 30)), complex(sp.N(right.xreplace(values), 30))
        if abs(a - b) > 1e-12 * max(1.0, abs(b)):
            return False
    return True


@pytest.mark.parametrize("name, spec", list(_specs()), ids=lambda x: x if isinstance(x, str) else "")
def test_the_index_form_at_concrete_entries_is_the_unit_form(name, spec):
    """Every unit's δ and every parameter's gradient: the index form with i_l = the unit's index and
    its sums written out equals the unit level's record (the chain before a fusion's cancellation
    for the output: the index form writes the fusion row's cancellation, so the record's delta)."""
    rng = random.Random(name)
    derivation = derive_units(build_graph(spec))
    graph = lower(spec)
    form = index_form(graph)
    level = form.level
    table = _unit_entries(spec, derivation, graph, level)
    by_name = {node.name: node for node in graph.nodes}
    for records in derivation.layers:
        for record in records:
            unit = record.unit
            net = by_name[f"Z{unit.layer}"]
            found = _at(form.delta(net), {level.indices[net]: unit.index}, table)
            assert _equal(found, record.delta, rng), (name, unit.name, found, record.delta)
    for param in derivation.params:
        node = by_name[("W" if param.connection else "b") + str(param.layer)]
        if param.connection:
            j, k = level.weight_indices(node)
            indices = {j: param.connection.dest.index, k: param.connection.source.index}
        else:
            shared = node.shape == (1,)       # one bias for the layer: its gradient sums over the layer's index
            indices = {} if shared else {level.indices[node]: param.bias.units[0].index}
        found = _at(form.gradient(node), indices, table).xreplace({LAMBDA: sp.Float(0.37)})
        expected = sp.Add(param.delta_form, param.penalty).xreplace({LAMBDA: sp.Float(0.37)})
        assert _equal(found, expected, rng), (name, param.symbol, found, expected)


@pytest.mark.parametrize("name, spec", list(_specs(with_values=True))[:40], ids=lambda x: x if isinstance(x, str) else "")
def test_the_index_forward_at_concrete_entries_is_the_kernels_forward(name, spec):
    """Each application's index-level forward, at each of its output's entries (sample 1), equals the
    op row's NumPy forward there."""
    graph = lower(spec)
    level = index_form(graph).level
    params = initial_parameters(spec)
    given = {"X": spec.inputs, "Y": spec.targets}
    for l, (w, b) in enumerate(zip(params.weights, params.biases), start=1):
        given[f"W{l}"], given[f"b{l}"] = w, b
    values = walk.forward(graph, given)

    def number(entry):
        node = next(n for n, base in level.bases.items() if base == entry.base)
        return float(values[node][(0, *map(int, entry.indices))] if node.kind != Kind.PARAMETER
                     else values[node][tuple(map(int, entry.indices))])

    masks = {base: application for application in graph.applications if application.op == "dropout"
             for base in [level.masks[application.output]]}
    for application in graph.applications:
        if application.op in ("l2",) or (application.op == "add" and not application.output.shape):
            continue
        expr = OPS[application.op].indices.forward(level, application)
        out = application.output
        width = out.shape[0] if out.shape else 1
        for j in range(width):
            concrete = (expr.xreplace({level.indices[out]: j}) if out in level.indices else expr).doit()
            entries = {}
            for e in concrete.atoms(Indexed):
                if e.base in masks:
                    rows = np.asarray(masks[e.base].attribute("mask"), dtype=float)
                    entries[e] = sp.Float(rows[0][int(e.indices[0])])
                else:
                    entries[e] = sp.Float(number(e))
            for s in concrete.free_symbols:
                node = next((n for n, base in level.bases.items() if base == s), None)
                if node is not None:
                    entries[s] = sp.Float(float(np.asarray(values[node]).reshape(-1)[0]))
            found = float(concrete.xreplace(entries).evalf(30))
            expected = np.asarray(values[out])
            expected = float(expected[0, j]) if out.shape else float(expected) * (
                len(spec.inputs) if spec.loss.reduction == "mean" else 1)
            if not out.shape:       # the kernel's loss is over the batch: the index form is sample 1's
                if len(spec.inputs) > 1:
                    continue
            assert found == pytest.approx(expected, rel=1e-12, abs=1e-14), (name, application.op, j)


def test_every_op_row_has_its_index_rules():
    for name, op in OPS.items():
        assert op.indices.forward, name
        assert op.indices.vjp or op.indices.fused, name


def _nielsen(output, hidden, shared_bias, dropout, skip):
    """BP1-BP4 as Nielsen's book writes them, adapted as the documents state them (the oracle: written
    here by hand, where derive reads them off the walk)."""
    bp1 = (r"\delta^{L}_{j} = \sum_{k} \frac{\partial C}{\partial a^{L}_{k}} \, \frac{\partial a^{L}_{k}}{\partial z^{L}_{j}}"
           if output is None else
           rf"\delta^{{L}}_{{j}} = \frac{{\partial C}}{{\partial a^{{L}}_{{j}}}} \, {output}'\left(z^{{L}}_{{j}}\right)")
    kept = r"\frac{m^{l}_{j}}{1 - p^{l}} \, " if dropout else ""
    through = r"\frac{\partial C}{\partial a^{l}_{j}}" if skip else r"\sum_{k} w^{l+1}_{kj} \, \delta^{l+1}_{k}"
    g = "g_{l}" if skip or hidden is None else hidden
    return {"BP1": bp1, "BP2": rf"\delta^{{l}}_{{j}} = {through} \, {kept}{g}'\left(z^{{l}}_{{j}}\right)",
            "BP3": (r"\frac{\partial C}{\partial b^{l}} = \sum_{j} \delta^{l}_{j}" if shared_bias else
                    r"\frac{\partial C}{\partial b^{l}_{j}} = \delta^{l}_{j}"),
            "BP4": r"\frac{\partial C}{\partial w^{l}_{jk}} = a^{l-1}_{k} \, \delta^{l}_{j}"}


@pytest.mark.parametrize("output", [None, r"\sigma", r"\tanh", r"\operatorname{ReLU}", "g"])
@pytest.mark.parametrize("hidden", [None, r"\sigma", r"\operatorname{LeakyReLU}"])
@pytest.mark.parametrize("shared_bias, dropout, skip", [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)])
def test_the_four_equations_are_read_off_the_walk_over_a_generic_network(output, hidden, shared_bias, dropout, skip):
    from derive.present.unit_notations import four_equations
    found = dict(four_equations(output, hidden, bool(shared_bias), True, True, bool(dropout), bool(skip)))
    assert found == _nielsen(output, hidden, shared_bias, dropout, skip)
    assert [name for name, form in four_equations(output, hidden, False, False, False)] == ["BP1", "BP2", "BP3", "BP4"]
    assert dict(four_equations(output, hidden, False, False, False))["BP2"] is None


def test_the_four_equations_come_from_the_op_rows(monkeypatch):
    """A dense row whose weight term were δ_j alone would show in BP4: the equations are not text."""
    from derive.core.ops import dense
    from derive.present.unit_notations import four_equations
    def weight_term_dropped(level, application, upstream):
        into, _, *bias = dense.index_vjp(level, application, upstream)
        return (into, upstream, *bias)
    row = OPS["dense"]
    monkeypatch.setitem(OPS, "dense", dataclasses.replace(row, indices=dataclasses.replace(row.indices,
                                                                                          vjp=weight_term_dropped)))
    assert dict(four_equations(r"\sigma", r"\sigma", False))["BP4"] == r"\frac{\partial C}{\partial w^{l}_{jk}} = \delta^{l}_{j}"
